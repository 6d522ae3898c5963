"""oauthcore's OAuth 2.0 core against Authlib's Flask authorization server, over loopback HTTP.

The provider (``providers/authlib_oauth2.py``) is Authlib 1.9's
``authlib.integrations.flask_oauth2`` ``AuthorizationServer`` and ``ResourceProtector``. Every
request is built by oauthcore (``build_*``), every answer read by it (``parse_*``), and every
exchange run by :func:`oauthcore.flows.drive` over ``token_flow`` / ``authorized_request_flow``;
``requests`` is only the transport (the ``send`` fixture of ``conftest.py``). Revocation
(RFC 7009) and introspection (RFC 7662) have no builder in oauthcore yet: their requests are
the authenticated token endpoint POST of :func:`~oauthcore.oauth2.build_token_endpoint_request`
aimed elsewhere.

Authlib's deviations from the RFCs are pinned by tests whose docstrings say so and what to do
when they start failing.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import pytest
import requests

from oauthcore.errors import (
    AccessDeniedError,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    IssuerMismatchError,
)
from oauthcore.flows import drive
from oauthcore.http import Request
from oauthcore.oauth2 import (
    BearerPlacement,
    ClientAuthMethod,
    ClientConfig,
    PkceMethod,
    Token,
    authorized_request_flow,
    build_authorization_code_request,
    build_authorization_url,
    build_client_credentials_request,
    build_password_request,
    build_refresh_request,
    parse_authorization_response,
    parse_www_authenticate,
    token_flow,
)

from .conftest import SEND_TIMEOUT, USER, RunningProvider, Send, json_object
from .oauth2_helpers import (
    authorize,
    bare_me,
    endpoint_post,
    introspect,
    me,
    oauth2_client,
    password_token,
    query,
    revoke,
    visit,
)
from .oauth2_shared import (  # noqa: F401 - collected here, against this module's provider
    test_a_grant_the_client_may_not_use_is_unauthorized_client,
    test_a_state_that_is_not_ours_is_refused,
    test_an_unknown_token_gets_an_invalid_token_challenge,
    test_authorization_needs_a_logged_in_user,
    test_bearer_in_the_header,
    test_code_is_bound_to_its_client,
    test_code_is_single_use,
    test_invalid_scope,
    test_iss_of_another_spelling_is_refused,
    test_plain_pkce,
    test_refresh_after_401_for_an_expired_access_token,
    test_state_of_any_visible_characters_round_trips,
    test_wrong_client_secret_is_invalid_client,
    test_wrong_code_verifier_is_invalid_grant,
)

# Authlib's IssuerParameter adds iss to authorization responses (the metadata says so,
# see test_metadata_is_valid_and_announces_iss): require it.
ISSUER_SENDS_ISS = True
_client = partial(oauth2_client, issuer_sends_iss=ISSUER_SENDS_ISS)
_password_token = partial(password_token, issuer_sends_iss=ISSUER_SENDS_ISS)


@pytest.fixture(scope="module")
def provider(authlib_oauth2_provider: RunningProvider) -> RunningProvider:
    return authlib_oauth2_provider


@pytest.fixture(scope="module")
def issuer_sends_iss() -> bool:
    """Whether this provider sends RFC 9207 ``iss`` (the shared tests require it then)."""
    return ISSUER_SENDS_ISS


@pytest.fixture(scope="module")
def sends_iss(provider: RunningProvider, http_session: requests.Session) -> bool:
    """What the provider's RFC 8414 metadata says about RFC 9207 ``iss``."""
    answer = http_session.get(provider.endpoints["metadata"], timeout=SEND_TIMEOUT)
    assert answer.status_code == 200
    value = answer.json().get("authorization_response_iss_parameter_supported", False)
    assert isinstance(value, bool)
    return value


def test_metadata_is_valid_and_announces_iss(
    send: Send, provider: RunningProvider, sends_iss: bool
) -> None:
    # The document passed Authlib's own RFC 8414 + RFC 9207 validation in the provider.
    metadata = json_object(send(Request(method="GET", url=provider.endpoints["metadata"])))
    assert metadata["issuer"] == provider.endpoints["issuer"]
    assert metadata["authorization_endpoint"] == provider.endpoints["authorize"]
    assert metadata["token_endpoint"] == provider.endpoints["token"]
    assert metadata["revocation_endpoint"] == provider.endpoints["revoke"]
    assert metadata["introspection_endpoint"] == provider.endpoints["introspect"]
    assert sends_iss is True
    assert "S256" in metadata["code_challenge_methods_supported"]  # type: ignore[operator]


@pytest.mark.checklist("B1", "B6", "B7", "C2", "E5", "K1")
@pytest.mark.parametrize("name", ["confidential", "public"])
def test_authorization_code_with_pkce(send: Send, provider: RunningProvider, name: str) -> None:
    client = _client(provider, name)
    expected = (
        ClientAuthMethod.CLIENT_SECRET_BASIC if name == "confidential" else ClientAuthMethod.NONE
    )
    assert client.effective_auth_method is expected
    code, pending = authorize(send, client)
    assert pending.code_challenge_method is PkceMethod.S256
    assert code.iss == provider.endpoints["issuer"]  # RFC 9207, checked against the issuer

    request = build_authorization_code_request(
        client, code.code, code_verifier=pending.code_verifier
    )
    token = drive(token_flow(request, requested_scope=pending.scope), send)
    assert token.is_bearer
    assert token.refresh_token
    assert token.scope == ("read", "write")
    assert not token.scope_changed
    assert token.expires_at is not None

    outcome = me(send, provider, token, client)
    assert outcome.response.status == 200
    assert not outcome.renewed
    assert json_object(outcome.response) == {
        "user": USER,
        "client_id": client.client_id,
        "method": "GET",
        "resource": "me",
    }


@pytest.mark.checklist("E5")
def test_authlib_does_not_form_decode_basic_credentials(
    send: Send, provider: RunningProvider
) -> None:
    """A provider deviation, not an oauthcore bug (Authlib 1.9).

    RFC 6749 §2.3.1: the client id and secret are encoded with
    ``application/x-www-form-urlencoded`` (Appendix B: a space becomes ``+``) before they are
    joined and base64-encoded. Authlib's ``extract_basic_authorization`` decodes them with
    ``urllib.parse.unquote``, which leaves ``+`` as is, so a secret with a space never
    matches. ``%XX`` escapes are decoded, so the "confidential" client's ``:``, ``+``, ``%``
    and ``é`` pass. The workarounds: ``basic_auth_raw`` (no form-encoding: only right while the
    secret has no ``%``) or ``client_secret_post``. When this test fails, Authlib has fixed it.
    """
    client = _client(provider, "spaced")

    def token_with(config: ClientConfig) -> Token:
        code, pending = authorize(send, config)
        request = build_authorization_code_request(
            config, code.code, code_verifier=pending.code_verifier
        )
        return drive(token_flow(request), send)

    with pytest.raises(InvalidClientError) as caught:
        token_with(client)
    assert caught.value.status == 401
    assert token_with(replace(client, basic_auth_raw=True)).access_token
    post = replace(client, auth_method=ClientAuthMethod.CLIENT_SECRET_POST)
    assert token_with(post).access_token


@pytest.mark.checklist("B7")
def test_access_denied_is_a_typed_error_with_iss(send: Send, provider: RunningProvider) -> None:
    # RFC 6749 §4.1.2.1 access_denied; RFC 9207 §2: iss in error responses too.
    client = _client(provider, "public")
    url, pending = build_authorization_url(client)
    location = visit(send, url, deny=True)
    assert query(location)["iss"] == provider.endpoints["issuer"]
    with pytest.raises(AccessDeniedError) as caught:
        parse_authorization_response(location, pending, client=client)
    assert caught.value.error == "access_denied"


@pytest.mark.checklist("B7")
def test_authlib_consent_errors_lack_iss(send: Send, provider: RunningProvider) -> None:
    """A provider limitation, not an oauthcore bug (Authlib 1.9).

    RFC 9207 §2: a server that supports ``iss`` includes it in every authorization response,
    error responses included. Authlib's ``IssuerParameter`` adds it from the
    ``after_create_authorization_response`` hook, so only responses made by
    ``create_authorization_response`` get it (a code, or ``access_denied``, as above). The
    request errors that ``get_consent_grant`` raises (Authlib's first step, before consent;
    here an unknown scope) reach the application as exceptions, which it answers with
    ``handle_error_response`` (as this provider does): no hook runs, no ``iss``. A client that
    requires ``iss`` (§2.4, as the metadata tells it to) refuses them and loses the error
    code; one that does not sees it. When this test fails, Authlib adds ``iss`` there too.
    """
    client = _client(provider, "public")
    url, pending = build_authorization_url(client, scope="read admin")
    location = visit(send, url)
    params = query(location)
    assert params["error"] == "invalid_scope"
    assert "iss" not in params
    with pytest.raises(IssuerMismatchError):
        parse_authorization_response(location, pending, client=client)
    lenient = replace(client, issuer_sends_iss=False)
    with pytest.raises(InvalidScopeError):
        parse_authorization_response(location, pending, client=lenient)


@pytest.mark.checklist("B8")
def test_authlib_issues_a_code_to_a_public_client_without_pkce(
    send: Send, provider: RunningProvider
) -> None:
    """A provider deviation, not an oauthcore bug (Authlib 1.9).

    RFC 7636 §4.4.1: a server that requires PKCE from public clients answers an authorization
    request without ``code_challenge`` with ``invalid_request``. Authlib's
    ``CodeChallenge(required=True)`` checks only at the token endpoint: the code is issued,
    and redeeming it without a verifier is refused with ``invalid_request``. The code is still
    useless without PKCE, so no token leaks. When this test fails, Authlib has fixed it.
    """
    client = _client(provider, "public")
    code, pending = authorize(send, client, pkce=None)
    assert pending.code_verifier is None
    request = build_authorization_code_request(client, code.code)
    with pytest.raises(InvalidRequestError) as caught:
        drive(token_flow(request), send)
    assert caught.value.status == 400


@pytest.mark.checklist("G3", "G8")
def test_client_credentials_renewed_after_401(send: Send, provider: RunningProvider) -> None:
    client = _client(provider, "service", auth_method=ClientAuthMethod.CLIENT_SECRET_POST)
    token = drive(token_flow(build_client_credentials_request(client, scope="read")), send)
    assert token.refresh_token is None  # RFC 6749 §4.4.3: SHOULD NOT be included
    assert token.scope == ("read",)
    first = me(send, provider, token, client, renew_with_client_credentials=True)
    assert first.response.status == 200
    assert json_object(first.response)["user"] is None

    assert revoke(send, provider, client, token.access_token).status == 200
    # 401 with error="invalid_token": a new client-credentials grant, then one replay.
    again = me(send, provider, token, client, renew_with_client_credentials=True)
    assert again.renewed
    assert again.response.status == 200
    assert again.token.access_token != token.access_token


def test_client_credentials_with_basic(send: Send, provider: RunningProvider) -> None:
    client = _client(provider, "service")
    assert client.effective_auth_method is ClientAuthMethod.CLIENT_SECRET_BASIC
    token = drive(token_flow(build_client_credentials_request(client)), send)
    # No scope asked for: the client's default (RFC 6749 §3.3), and the response says which.
    assert token.scope == ("read", "write")


@pytest.mark.checklist("G1", "G4")
def test_refresh_rotates_and_the_old_refresh_token_is_invalid_grant(
    send: Send, provider: RunningProvider
) -> None:
    client = _client(provider, "password")
    token = _password_token(send, provider)
    assert token.refresh_token
    assert token.expires_at is not None
    stored: list[Token] = []
    later = token.expires_at + 1  # the clock says the token has expired: renew before use
    outcome = me(send, provider, token, client, on_token=stored.append, now=lambda: later)
    assert outcome.renewed
    assert outcome.response.status == 200
    assert stored == [outcome.token]
    rotated = outcome.token
    assert rotated.refresh_token
    assert rotated.refresh_token != token.refresh_token

    # The old refresh token is spent (rotation) and its access token revoked with it...
    with pytest.raises(InvalidGrantError):
        drive(token_flow(build_refresh_request(client, token.refresh_token)), send)
    assert bare_me(send, provider, token.access_token).status == 401
    # ...while the rotated one still works (Authlib has no reuse detection of its own).
    again = drive(token_flow(build_refresh_request(client, rotated.refresh_token)), send)
    assert again.refresh_token not in (None, rotated.refresh_token)


def test_refresh_with_a_narrower_scope(send: Send, provider: RunningProvider) -> None:
    # RFC 6749 §6: a scope not exceeding the original grant; a wider one is invalid_scope.
    client = _client(provider, "password")
    token = _password_token(send, provider, scope="read")
    assert token.refresh_token
    with pytest.raises(InvalidScopeError):
        drive(
            token_flow(build_refresh_request(client, token.refresh_token, scope="read write")),
            send,
        )
    narrower = drive(
        token_flow(build_refresh_request(client, token.refresh_token, scope="read")), send
    )
    assert narrower.scope == ("read",)


@pytest.mark.checklist("E9")
@pytest.mark.parametrize("placement", [BearerPlacement.QUERY, BearerPlacement.BODY], ids=str)
def test_authlib_reads_bearer_tokens_from_the_header_only(
    send: Send, provider: RunningProvider, placement: BearerPlacement
) -> None:
    """A provider limitation and a deviation, not an oauthcore bug (Authlib 1.9).

    RFC 6750 §2.2 (form body) and §2.3 (query) are optional for a resource server, and
    Authlib's ``ResourceProtector`` reads the ``Authorization`` header only: the token is not
    seen. Its answer to a request "without" a token deviates from §3.1, which says it SHOULD
    NOT carry an error code: Authlib sends ``WWW-Authenticate: bearer
    error="missing_authorization"`` (a code no registry defines; the lower-case scheme is
    legal, RFC 9110 §11.1). oauthcore returns the 401 as is (not ``invalid_token``: no
    refresh). When this test fails, Authlib reads the other placements: make it positive.
    """
    client = _client(provider, "password")
    token = _password_token(send, provider)
    method = "POST" if placement is BearerPlacement.BODY else "GET"
    request = Request(method=method, url=provider.endpoints["resource"])
    outcome = drive(authorized_request_flow(request, token, client, placement=placement), send)
    assert outcome.response.status == 401
    assert not outcome.renewed
    header = outcome.response.header("WWW-Authenticate") or ""
    assert header.startswith("bearer ")
    (challenge,) = parse_www_authenticate(header)
    assert challenge.error == "missing_authorization"


def test_authlib_insufficient_scope_has_no_challenge(send: Send, provider: RunningProvider) -> None:
    """A provider deviation, not an oauthcore bug (Authlib 1.9).

    RFC 6750 §3: a resource server refusing a token that does not enable access MUST send a
    ``WWW-Authenticate`` challenge; §3.1's ``insufficient_scope`` example has one. Authlib
    answers ``403`` with the error in a JSON body only. oauthcore returns the 403 as is and
    never refreshes for it. When this test fails, Authlib has fixed it: parse the challenge.
    """
    client = _client(provider, "password")
    token = _password_token(send, provider, scope="read")
    request = Request(method="GET", url=provider.endpoints["resource_write"])
    outcome = drive(authorized_request_flow(request, token, client), send)
    assert outcome.response.status == 403
    assert not outcome.renewed  # never refreshed for a scope problem (RFC 6750 §3.1)
    assert json_object(outcome.response)["error"] == "insufficient_scope"
    assert outcome.response.header("WWW-Authenticate") is None


def test_authlib_answers_a_wrong_password_with_invalid_request(
    send: Send, provider: RunningProvider
) -> None:
    """A provider deviation, not an oauthcore bug (Authlib 1.9).

    RFC 6749 §5.2: resource owner credentials that are invalid are ``invalid_grant``.
    Authlib's ``ResourceOwnerPasswordCredentialsGrant`` raises ``invalid_request`` ("Invalid
    'username' or 'password'"), which oauthcore maps, as the table says, to
    :class:`~oauthcore.errors.InvalidRequestError`: a caller catching ``InvalidGrantError``
    for bad credentials misses it. When this test fails, Authlib has fixed it.
    """
    user = provider.clients["user"]
    request = build_password_request(
        _client(provider, "password"), user["username"], user["password"] + "x"
    )
    with pytest.raises(InvalidRequestError) as caught:
        drive(token_flow(request), send)
    assert caught.value.status == 400


@pytest.mark.checklist("G3", "G4")
def test_introspection_and_revocation(send: Send, provider: RunningProvider) -> None:
    client = _client(provider, "password")
    token = _password_token(send, provider)
    assert token.refresh_token
    assert token.expires_at is not None
    facts = introspect(send, provider, client, token.access_token, "access_token")
    assert facts["active"] is True
    assert facts["username"] == USER
    assert facts["client_id"] == client.client_id
    assert facts["scope"] == "read write"
    assert facts["token_type"] == "Bearer"
    assert isinstance(facts["exp"], int)
    assert abs(facts["exp"] - token.expires_at) <= 5

    # Revoking the access token (RFC 7009 §2.2: 200) leaves the refresh token here, so the
    # next use gets 401 invalid_token, refreshes and replays.
    assert revoke(send, provider, client, token.access_token).status == 200
    assert introspect(send, provider, client, token.access_token, "access_token") == {
        "active": False
    }
    outcome = me(send, provider, token, client)
    assert outcome.renewed
    assert outcome.response.status == 200

    # Revoking the (rotated) refresh token ends the grant: its access token goes with it
    # (RFC 7009 §2.1), and the next refresh is refused, terminally.
    renewed = outcome.token
    assert renewed.refresh_token
    assert revoke(send, provider, client, renewed.refresh_token).status == 200
    assert introspect(send, provider, client, renewed.access_token, "access_token") == {
        "active": False
    }
    with pytest.raises(InvalidGrantError):
        me(send, provider, renewed, client)


def test_revoking_an_unknown_token_succeeds(send: Send, provider: RunningProvider) -> None:
    # RFC 7009 §2.2: an invalid token is no error; the client cannot act on it anyway.
    answer = revoke(send, provider, _client(provider, "password"), "not-a-token")
    assert answer.status == 200


def test_revoking_another_clients_token_is_refused(send: Send, provider: RunningProvider) -> None:
    # RFC 7009 §2.1: the token must have been issued to the revoking client, or the request is
    # refused (§2.2.1 with a §5.2 code: Authlib sends invalid_grant). The token survives.
    owner = _client(provider, "password")
    token = _password_token(send, provider)
    other = _client(provider, "service")
    answer = revoke(send, provider, other, token.access_token)
    assert answer.status == 400
    assert json_object(answer)["error"] == "invalid_grant"
    assert introspect(send, provider, owner, token.access_token, "access_token")["active"] is True


def test_introspection_by_another_client_is_inactive(send: Send, provider: RunningProvider) -> None:
    # RFC 7662 §2.2: a token the caller may not see is reported as not active.
    token = _password_token(send, provider)
    other = _client(provider, "service")
    assert introspect(send, provider, other, token.access_token, "access_token") == {
        "active": False
    }


def test_introspection_needs_client_authentication(send: Send, provider: RunningProvider) -> None:
    # RFC 7662 §2.1: the endpoint requires authorization; a wrong secret is invalid_client.
    token = _password_token(send, provider)
    client = _client(provider, "password")
    wrong = replace(client, client_secret=(client.client_secret or "") + "x")
    answer = endpoint_post(
        send, wrong, provider.endpoints["introspect"], [("token", token.access_token)]
    )
    assert answer.status == 401
    assert json_object(answer)["error"] == "invalid_client"

"""oauthcore's OAuth 2.0 core against django-oauth-toolkit, over HTTP on loopback.

The provider (``providers/dot_server.py``) is DOT 3.x on oauthlib. Every request is built by
oauthcore (``build_*``), every answer read by it (``parse_*``), and every exchange run by
:func:`oauthcore.flows.drive` over ``token_flow`` / ``authorized_request_flow``; ``requests``
is only the transport (the ``send`` fixture). Revocation (RFC 7009) and introspection
(RFC 7662) have no builder in oauthcore yet: their requests are the authenticated token
endpoint POST of :func:`~oauthcore.oauth2.build_token_endpoint_request` aimed elsewhere.
"""

from __future__ import annotations

from functools import partial

import pytest

from oauthcore.errors import (
    InvalidGrantError,
    InvalidRequestError,
    IssuerMismatchError,
)
from oauthcore.flows import drive
from oauthcore.http import Request
from oauthcore.oauth2 import (
    BearerPlacement,
    ClientAuthMethod,
    PkceMethod,
    Token,
    authorized_request_flow,
    build_authorization_code_request,
    build_authorization_url,
    build_client_credentials_request,
    build_refresh_request,
    parse_authorization_response,
    parse_www_authenticate,
    token_flow,
)

from .conftest import USER, RunningProvider, Send, json_object
from .oauth2_helpers import (
    authorize,
    code_token,
    introspect,
    me,
    oauth2_client,
    password_token,
    revoke,
    visit,
)
from .oauth2_shared import (  # noqa: F401 - collected here, against this module's provider
    test_code_is_single_use,
    test_invalid_scope,
    test_iss_of_another_spelling_is_refused,
    test_state_of_any_visible_characters_round_trips,
    test_wrong_client_secret_is_invalid_client,
    test_wrong_code_verifier_is_invalid_grant,
)

# DOT adds iss to every authorization response (its metadata says so): require it.
ISSUER_SENDS_ISS = True
_client = partial(oauth2_client, issuer_sends_iss=ISSUER_SENDS_ISS)
_password_token = partial(password_token, issuer_sends_iss=ISSUER_SENDS_ISS)


@pytest.fixture(scope="module")
def provider(dot_provider: RunningProvider) -> RunningProvider:
    return dot_provider


@pytest.fixture(scope="module")
def issuer_sends_iss() -> bool:
    """Whether this provider sends RFC 9207 ``iss`` (the shared tests require it then)."""
    return ISSUER_SENDS_ISS


def test_metadata_lists_the_endpoints_and_iss_support(
    send: Send, provider: RunningProvider
) -> None:
    answer = send(Request(method="GET", url=provider.endpoints["metadata"]))
    assert answer.status == 200
    metadata = json_object(answer)
    assert metadata["issuer"] == provider.endpoints["issuer"]
    assert metadata["authorization_endpoint"] == provider.endpoints["authorize"]
    assert metadata["token_endpoint"] == provider.endpoints["token"]
    assert metadata["revocation_endpoint"] == provider.endpoints["revoke"]
    assert metadata["introspection_endpoint"] == provider.endpoints["introspect"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
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
    assert json_object(outcome.response)["user"] == USER


def test_plain_pkce(send: Send, provider: RunningProvider) -> None:
    # Only when asked for (RFC 7636 §4.2; DOT accepts it, with a deprecation warning).
    client = _client(provider, "public")
    token = code_token(send, client, pkce=PkceMethod.PLAIN, requested_scope=False)
    assert me(send, provider, token, client).response.status == 200


@pytest.mark.checklist("B12")
def test_loopback_redirect_uri_on_any_port(send: Send, provider: RunningProvider) -> None:
    # Registered as http://127.0.0.1/callback; RFC 8252 §7.3 lets the port vary.
    client = _client(provider, "public")
    token = code_token(
        send, client, redirect_uri="http://127.0.0.1:53682/callback", requested_scope=False
    )
    assert me(send, provider, token, client).response.status == 200


@pytest.mark.checklist("B8")
def test_missing_pkce_comes_back_as_a_typed_error(send: Send, provider: RunningProvider) -> None:
    # DOT sends no iss with error responses (see the next test): here iss may be absent.
    client = _client(provider, "public", issuer_sends_iss=False)
    url, pending = build_authorization_url(client, pkce=None)
    location = visit(send, url)
    # The error callback passes the state check, then raises by its code (RFC 6749 §4.1.2.1).
    with pytest.raises(InvalidRequestError) as caught:
        parse_authorization_response(location, pending, client=client)
    assert caught.value.error == "invalid_request"


@pytest.mark.checklist("B7")
def test_dot_error_responses_lack_iss(send: Send, provider: RunningProvider) -> None:
    """A provider bug, not an oauthcore one (django-oauth-toolkit 3.4.1).

    RFC 9207 §2: an authorization server that supports ``iss`` includes it in authorization
    responses, error responses included; DOT advertises the support and adds ``iss`` to
    successful redirects only (``OAuthLibCore.create_authorization_response``), not to the
    error redirects of ``BaseAuthorizationView.error_response``. A client that requires
    ``iss`` (§2.4, as the metadata tells it to) must refuse those, so the provider's error
    code is lost to it. When this test fails, DOT has fixed it: drop ``issuer_sends_iss=False``
    from the test above.
    """
    client = _client(provider, "public")
    url, pending = build_authorization_url(client, pkce=None)
    location = visit(send, url)
    assert "error=invalid_request" in location
    assert "iss=" not in location
    with pytest.raises(IssuerMismatchError):
        parse_authorization_response(location, pending, client=client)


def test_pkce_is_optional_for_the_client_that_opts_out(
    send: Send, provider: RunningProvider
) -> None:
    client = _client(provider, "no_pkce")
    token = code_token(send, client, pkce=None, requested_scope=False)
    assert me(send, provider, token, client).response.status == 200


def test_authorization_needs_a_logged_in_user(send: Send, provider: RunningProvider) -> None:
    # The control for X-Test-User: without it DOT sends the user to its login page.
    url, _ = build_authorization_url(_client(provider, "public"))
    answer = send(Request(method="GET", url=url))
    assert answer.status == 302
    assert "code=" not in (answer.header("Location") or "")


@pytest.mark.checklist("G3", "G8")
def test_client_credentials_renewed_after_401(send: Send, provider: RunningProvider) -> None:
    client = _client(provider, "service", auth_method=ClientAuthMethod.CLIENT_SECRET_POST)
    token = drive(token_flow(build_client_credentials_request(client, scope="read")), send)
    assert token.refresh_token is None
    assert token.scope == ("read",)
    first = me(send, provider, token, client, renew_with_client_credentials=True)
    assert first.response.status == 200
    assert json_object(first.response)["user"] is None

    assert revoke(send, provider, client, token.access_token, "access_token").status == 200
    # 401 with error="invalid_token": a new client-credentials grant, then one replay.
    again = me(send, provider, token, client, renew_with_client_credentials=True)
    assert again.renewed
    assert again.response.status == 200
    assert again.token.access_token != token.access_token


@pytest.mark.checklist("G1", "G4")
def test_refresh_rotates_and_a_reused_refresh_token_is_invalid_grant(
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

    # The old refresh token is spent (rotation)...
    with pytest.raises(InvalidGrantError):
        drive(token_flow(build_refresh_request(client, token.refresh_token)), send)
    # ...and presenting it again revoked the whole grant (RFC 9700 §4.14.2, DOT's
    # REFRESH_TOKEN_REUSE_PROTECTION), the rotated refresh token included.
    with pytest.raises(InvalidGrantError):
        drive(token_flow(build_refresh_request(client, rotated.refresh_token)), send)


@pytest.mark.checklist("G3")
def test_refresh_after_401_for_an_expired_access_token(
    send: Send, provider: RunningProvider
) -> None:
    client = _client(provider, "confidential")
    token = code_token(send, client, requested_scope=False)
    # Expired on the server only: oauthcore still thinks it valid and sends it, gets 401
    # with error="invalid_token", refreshes once and replays once.
    expire = Request.build(
        "POST",
        provider.endpoints["test_expire"],
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=f"token={token.access_token}",
    )
    assert json_object(send(expire)) == {"expired": 1}
    outcome = me(send, provider, token, client)
    assert outcome.renewed
    assert outcome.response.status == 200
    assert outcome.token.access_token != token.access_token
    assert outcome.token.refresh_token != token.refresh_token  # rotated


@pytest.mark.checklist("E9")
@pytest.mark.parametrize("placement", list(BearerPlacement), ids=str)
def test_bearer_placements(
    send: Send, provider: RunningProvider, placement: BearerPlacement
) -> None:
    client = _client(provider, "password")
    token = _password_token(send, provider)
    # RFC 6750 §2.2: a form body needs a method with body semantics.
    method = "POST" if placement is BearerPlacement.BODY else "GET"
    request = Request(method=method, url=provider.endpoints["resource"])
    outcome = drive(authorized_request_flow(request, token, client, placement=placement), send)
    assert outcome.response.status == 200
    assert json_object(outcome.response) == {"user": USER, "method": method, "resource": "me"}


def test_insufficient_scope_is_returned_as_is(send: Send, provider: RunningProvider) -> None:
    client = _client(provider, "password")
    token = _password_token(send, provider, scope="read")
    request = Request(method="GET", url=provider.endpoints["resource_write"])
    outcome = drive(authorized_request_flow(request, token, client), send)
    assert outcome.response.status == 403
    assert not outcome.renewed  # never refreshed for a scope problem (RFC 6750 §3.1)
    (challenge,) = parse_www_authenticate(outcome.response.header("WWW-Authenticate") or "")
    assert challenge.error == "insufficient_scope"


def test_challenges_parse(send: Send, provider: RunningProvider) -> None:
    bare = send(Request(method="GET", url=provider.endpoints["resource"]))
    assert bare.status == 401
    (challenge,) = parse_www_authenticate(bare.header("WWW-Authenticate") or "")
    assert challenge.error is None
    assert dict(challenge.params)["resource_metadata"].startswith(provider.base_url)

    forged = Request(
        method="GET",
        url=provider.endpoints["resource"],
        headers=(("Authorization", "Bearer not-a-token"),),
    )
    answer = send(forged)
    assert answer.status == 401
    (challenge,) = parse_www_authenticate(answer.header("WWW-Authenticate") or "")
    assert challenge.error == "invalid_token"


@pytest.mark.checklist("G4")
def test_introspection_and_revocation(send: Send, provider: RunningProvider) -> None:
    client = _client(provider, "password")
    token = _password_token(send, provider)
    assert token.refresh_token
    # RFC 7662 §2.1: DOT's endpoint takes a confidential client's credentials.
    facts = introspect(send, provider, client, token.access_token, "access_token")
    assert facts["active"] is True
    assert facts["username"] == USER
    assert facts["client_id"] == client.client_id
    assert facts["scope"] == "read write"

    # Revoking the access token revokes its refresh token too (DOT; RFC 7009 §2.1 allows it),
    # so the grant is over.
    assert revoke(send, provider, client, token.access_token, "access_token").status == 200
    assert introspect(send, provider, client, token.access_token, "access_token") == {
        "active": False
    }
    with pytest.raises(InvalidGrantError):
        me(send, provider, token, client)  # 401, then the refresh is refused: terminal

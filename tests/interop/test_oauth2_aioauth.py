"""oauthcore's OAuth 2.0 core against aioauth's authorization server, over loopback HTTP.

The provider (``providers/aioauth_server.py``) is aioauth 2.0's framework-free
``AuthorizationServer`` with an in-memory storage, served by aiohttp.web. Every request is built
by oauthcore (``build_*``), every answer read by it (``parse_*``), and every exchange run by
:func:`oauthcore.flows.drive` over ``token_flow`` / ``authorized_request_flow``; ``requests``
is only the transport (the ``send`` fixture of ``conftest.py``). Revocation (RFC 7009) and
introspection (RFC 7662) requests are the authenticated token endpoint POST of
:func:`~oauthcore.oauth2.build_token_endpoint_request` aimed elsewhere.

aioauth offers no RFC 8414 metadata and no RFC 9207 ``iss``, and has no resource-server side:
the provider's ``/api/me`` is its own RFC 6750 check, header only. aioauth's deviations from
the RFCs are pinned by tests whose docstrings say so and what to do when they start failing.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

import pytest

from oauthcore.errors import (
    AccessDeniedError,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    IssuerMismatchError,
    OAuthServerError,
    UnauthorizedClientError,
    UnsupportedGrantTypeError,
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
    build_grant_request,
    build_password_request,
    build_refresh_request,
    parse_authorization_response,
    parse_www_authenticate,
    pkce_challenge,
    token_flow,
)

from .conftest import USER, RunningProvider, Send, json_object
from .oauth2_helpers import (
    authorize,
    bare_me,
    code_token,
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
    test_plain_pkce,
    test_refresh_after_401_for_an_expired_access_token,
    test_state_of_any_visible_characters_round_trips,
)

# aioauth has no RFC 9207 support (and no metadata to say so): iss cannot be required.
ISSUER_SENDS_ISS = False
_client = partial(oauth2_client, issuer_sends_iss=ISSUER_SENDS_ISS)
_password_token = partial(password_token, issuer_sends_iss=ISSUER_SENDS_ISS)


@pytest.fixture(scope="module")
def provider(aioauth_provider: RunningProvider) -> RunningProvider:
    return aioauth_provider


@pytest.fixture(scope="module")
def issuer_sends_iss() -> bool:
    """Whether this provider sends RFC 9207 ``iss`` (the shared tests require it then)."""
    return ISSUER_SENDS_ISS


def _active(send: Send, provider: RunningProvider, client: ClientConfig, token: str) -> bool:
    active = introspect(send, provider, client, token, "access_token")["active"]
    assert isinstance(active, bool)
    return active


# The authorization endpoint, PKCE and the code.


@pytest.mark.checklist("B1", "C2", "E5", "K1")
@pytest.mark.parametrize("name", ["confidential", "public"])
def test_authorization_code_with_pkce(send: Send, provider: RunningProvider, name: str) -> None:
    client = _client(provider, name)
    expected = (
        ClientAuthMethod.CLIENT_SECRET_BASIC if name == "confidential" else ClientAuthMethod.NONE
    )
    assert client.effective_auth_method is expected
    code, pending = authorize(send, client)
    assert pending.code_challenge_method is PkceMethod.S256
    assert code.iss is None  # aioauth has no RFC 9207 support

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


@pytest.mark.checklist("B6")
def test_aioauth_sends_no_iss(send: Send, provider: RunningProvider) -> None:
    """A provider limitation, not an oauthcore bug (aioauth 2.0).

    RFC 9207 is optional and aioauth does not implement it: no ``iss`` in authorization
    responses, and no metadata document announcing it. A client configured with
    ``issuer_sends_iss=True`` (as for a server that sends it) refuses every response: the
    setting must follow the server. When this test fails, aioauth sends ``iss``.
    """
    client = _client(provider, "public")
    url, pending = build_authorization_url(client)
    location = visit(send, url)
    assert "iss" not in query(location)
    with pytest.raises(IssuerMismatchError):
        parse_authorization_response(
            location, pending, client=replace(client, issuer_sends_iss=True)
        )
    assert parse_authorization_response(location, pending, client=client).iss is None


@pytest.mark.checklist("B8")
def test_a_public_client_without_pkce_is_refused(send: Send, provider: RunningProvider) -> None:
    # RFC 7636 §4.4.1: invalid_request, as a redirect (the client and redirect URI are good).
    # aioauth leaves PKCE optional; the provider's response type requires it of public clients.
    client = _client(provider, "public")
    url, pending = build_authorization_url(client, pkce=None)
    location = visit(send, url)
    with pytest.raises(InvalidRequestError) as caught:
        parse_authorization_response(location, pending, client=client)
    assert caught.value.error_description is not None
    assert "code_challenge" in caught.value.error_description


@pytest.mark.checklist("B13")
def test_aioauth_answers_a_wrong_code_verifier_with_mismatching_state(
    send: Send, provider: RunningProvider
) -> None:
    """A provider deviation, not an oauthcore bug (aioauth 2.0).

    RFC 7636 §4.6: a verifier that does not match the challenge is ``invalid_grant``. aioauth
    raises its ``MismatchingStateError``, code ``mismatching_state`` (no registry defines it).
    oauthcore keeps an unknown code as it is, in a plain
    :class:`~oauthcore.errors.OAuthServerError`: a caller catching ``InvalidGrantError`` misses
    it. The code is still refused. When this test fails, aioauth has fixed it.
    """
    client = _client(provider, "confidential")
    code, pending = authorize(send, client)
    assert pending.code_verifier is not None
    wrong = pending.code_verifier[:-1] + ("A" if pending.code_verifier[-1] != "A" else "B")
    request = build_authorization_code_request(client, code.code, code_verifier=wrong)
    with pytest.raises(OAuthServerError) as caught:
        drive(token_flow(request), send)
    assert type(caught.value) is OAuthServerError
    assert caught.value.error == "mismatching_state"
    assert caught.value.status == 400


def test_a_missing_code_verifier_is_invalid_request(send: Send, provider: RunningProvider) -> None:
    # The code was bound to a challenge (RFC 7636 §4.4): redeeming it needs the verifier.
    client = _client(provider, "confidential")
    code, _ = authorize(send, client)
    with pytest.raises(InvalidRequestError):
        drive(token_flow(build_authorization_code_request(client, code.code)), send)


@pytest.mark.checklist("B8")
def test_aioauth_ignores_a_code_challenge_without_a_method(
    send: Send, provider: RunningProvider
) -> None:
    """A provider deviation, not an oauthcore bug (aioauth 2.0), and a PKCE downgrade.

    RFC 7636 §4.3: ``code_challenge_method`` defaults to ``plain``, so a challenge sent alone
    binds the code to a verifier equal to it. aioauth stores the challenge but checks a
    verifier only when the method was sent too: the code is redeemed with no verifier at all.
    oauthcore always sends the method (``S256`` by default); the provider refuses a public
    client's request without one (see ``CodeWithRequiredPkce``), so this is shown for the
    confidential client. When this test fails, aioauth has fixed it.
    """
    client = _client(provider, "confidential")
    url, pending = build_authorization_url(client, pkce=None)
    # oauthcore never sends a challenge without its method (nor lets extra= add one): by hand.
    challenge = pkce_challenge("v" * 43, PkceMethod.PLAIN)
    code = parse_authorization_response(
        visit(send, f"{url}&code_challenge={challenge}"), pending, client=client
    )
    token = drive(token_flow(build_authorization_code_request(client, code.code)), send)
    assert token.access_token


def test_aioauth_does_not_compare_the_redirect_uri_at_the_token_endpoint(
    send: Send, provider: RunningProvider
) -> None:
    """A provider deviation, not an oauthcore bug (aioauth 2.0).

    RFC 6749 §4.1.3: when the authorization request had a ``redirect_uri``, the token request
    must carry the identical value. aioauth checks only that the value is one of the client's
    registered URIs, not that it is the one the code was issued for. PKCE still binds the
    code to this client's verifier. When this test fails, aioauth has fixed it.
    """
    client = _client(provider, "confidential")
    other = provider.clients["confidential"]["redirect_uris"][1]
    assert other != client.redirect_uri
    code, pending = authorize(send, client)
    request = build_authorization_code_request(
        replace(client, redirect_uri=other), code.code, code_verifier=pending.code_verifier
    )
    assert drive(token_flow(request), send).access_token


@pytest.mark.checklist("B7")
def test_access_denied_is_a_typed_error(send: Send, provider: RunningProvider) -> None:
    # RFC 6749 §4.1.2.1 access_denied, as a redirect with the state.
    client = _client(provider, "public")
    url, pending = build_authorization_url(client)
    location = visit(send, url, deny=True)
    assert query(location)["state"] == pending.state
    with pytest.raises(AccessDeniedError) as caught:
        parse_authorization_response(location, pending, client=client)
    assert caught.value.error == "access_denied"


@pytest.mark.checklist("B7")
def test_an_unknown_scope_is_invalid_scope(send: Send, provider: RunningProvider) -> None:
    client = _client(provider, "public")
    url, pending = build_authorization_url(client, scope="read admin")
    with pytest.raises(InvalidScopeError):
        parse_authorization_response(visit(send, url), pending, client=client)


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"client_id": "nobody"}, 401, "invalid_client"),
        ({"redirect_uri": "http://127.0.0.1:9/not-registered"}, 400, "invalid_request"),
    ],
    ids=["unknown-client", "unregistered-redirect-uri"],
)
def test_a_bad_client_or_redirect_uri_is_not_redirected(
    send: Send, provider: RunningProvider, change: dict[str, Any], status: int, error: str
) -> None:
    # RFC 6749 §4.1.2.1: the user is told, never sent to an unverified redirect URI. aioauth
    # answers with JSON (its error key is "description", see test_aioauth_error_bodies_...).
    client = _client(provider, "public", **change)
    url, _ = build_authorization_url(client)
    answer = send(Request(method="GET", url=url, headers=(("X-Test-User", USER),)))
    assert answer.status == status
    assert answer.header("Location") is None
    assert json_object(answer)["error"] == error


def test_aioauth_redirects_an_unsupported_response_type_to_any_uri(
    send: Send, provider: RunningProvider
) -> None:
    """A provider deviation, not an oauthcore bug (aioauth 2.0), and an open redirector.

    RFC 6749 §4.1.2.1: an authorization server MUST NOT redirect to a redirect URI it has not
    verified (RFC 9700 §4.11: open redirectors). aioauth checks the response type before the
    client and its redirect URI, and sends ``unsupported_response_type`` to whatever
    ``redirect_uri`` the request names, for a client that does not exist. (This provider
    offers ``code`` only, as most servers now do; a missing ``response_type`` does the same.)
    Nothing for oauthcore to do: a client never sees this redirect unless it built it. When
    this test fails, aioauth has fixed it.
    """
    elsewhere = "http://127.0.0.1:9/elsewhere"
    client = _client(provider, "public", client_id="nobody", redirect_uri=elsewhere)
    url, pending = build_authorization_url(client, response_type="token")
    location = visit(send, url)
    assert location.startswith(elsewhere + "?")
    assert query(location)["error"] == "unsupported_response_type"
    assert query(location)["state"] == pending.state


# The token endpoint: client authentication and errors.


@pytest.mark.checklist("B13", "E5")
def test_wrong_client_secret_is_invalid_client(send: Send, provider: RunningProvider) -> None:
    good = _client(provider, "confidential")
    code, pending = authorize(send, good)
    for client in (
        replace(good, client_secret=(good.client_secret or "") + "x"),
        replace(good, client_secret=None, auth_method=ClientAuthMethod.NONE),  # no secret at all
    ):
        request = build_authorization_code_request(
            client, code.code, code_verifier=pending.code_verifier
        )
        with pytest.raises(InvalidClientError) as caught:
            drive(token_flow(request), send)
        assert caught.value.status == 401
    # The code survived the refused attempts.
    request = build_authorization_code_request(good, code.code, code_verifier=pending.code_verifier)
    assert drive(token_flow(request), send).access_token


def test_aioauth_error_bodies_say_description_not_error_description(
    send: Send, provider: RunningProvider
) -> None:
    """A provider deviation, not an oauthcore bug (aioauth 2.0).

    RFC 6749 §5.2: an error response's members are ``error``, ``error_description`` and
    ``error_uri``. aioauth's JSON errors (token, revocation and introspection endpoints, and
    the authorization errors it does not redirect) send the text as ``description``, and
    ``error_uri`` as an empty string when it has none (§5.2: a URI, or absent). oauthcore
    reads the code; the description is lost (it is not a §5.2 member) and the empty
    ``error_uri`` is kept as sent. Its redirected authorization errors use
    ``error_description`` correctly. When this test fails, aioauth has fixed it.
    """
    client = _client(provider, "password")
    user = provider.clients["user"]
    request = build_password_request(client, user["username"], user["password"], scope="admin")
    answer = send(request)
    assert answer.status == 400
    assert json_object(answer) == {"error": "invalid_scope", "description": "", "error_uri": ""}
    wrong = replace(client, client_secret=(client.client_secret or "") + "x")
    answer = send(build_password_request(wrong, user["username"], user["password"]))
    body = json_object(answer)
    assert body["error"] == "invalid_client"
    assert body["description"]
    assert "error_description" not in body
    with pytest.raises(InvalidClientError) as caught:
        drive(token_flow(build_password_request(wrong, user["username"], user["password"])), send)
    assert caught.value.error_description is None
    assert caught.value.error_uri == ""


@pytest.mark.checklist("E5")
def test_aioauth_does_not_form_decode_basic_credentials(
    send: Send, provider: RunningProvider
) -> None:
    """A provider deviation, not an oauthcore bug (aioauth 2.0).

    RFC 6749 §2.3.1: the client id and secret are encoded with
    ``application/x-www-form-urlencoded`` before they are joined and base64-encoded. aioauth's
    ``decode_auth_headers`` decodes the base64 as ASCII and splits at the first ``:``, nothing
    more: a secret that form-encoding changes (a space, ``:``, ``+``, ``%``, ``/``) never
    matches, and a non-ASCII one cannot even be sent raw. ``basic_auth_raw`` works for an
    ASCII secret (the ``:`` is safe: only the id is split off); ``client_secret_post`` works
    for all. When this test fails, aioauth has fixed it.
    """

    def token_with(config: ClientConfig) -> Token:
        return drive(token_flow(build_client_credentials_request(config, scope="read")), send)

    for name, raw_works in (("special", True), ("nonascii", False)):
        client = _client(provider, name)
        with pytest.raises(InvalidClientError):
            token_with(client)
        raw = replace(client, basic_auth_raw=True)
        if raw_works:
            assert token_with(raw).access_token
        else:
            with pytest.raises(InvalidClientError):
                token_with(raw)
        post = replace(client, auth_method=ClientAuthMethod.CLIENT_SECRET_POST)
        assert token_with(post).access_token


def test_an_unknown_grant_type_is_unsupported_grant_type(
    send: Send, provider: RunningProvider
) -> None:
    request = build_grant_request(_client(provider, "password"), "urn:example:unknown")
    with pytest.raises(UnsupportedGrantTypeError):
        drive(token_flow(request), send)


def test_aioauth_answers_a_wrong_password_with_invalid_request(
    send: Send, provider: RunningProvider
) -> None:
    """A provider deviation, not an oauthcore bug (aioauth 2.0).

    RFC 6749 §5.2: resource owner credentials that are invalid are ``invalid_grant``.
    aioauth's ``PasswordGrantType`` raises ``invalid_request`` ("Invalid credentials given."),
    which oauthcore maps, as the table says, to :class:`~oauthcore.errors.InvalidRequestError`:
    a caller catching ``InvalidGrantError`` for bad credentials misses it (Authlib does the
    same). When this test fails, aioauth has fixed it.
    """
    user = provider.clients["user"]
    request = build_password_request(
        _client(provider, "password"), user["username"], user["password"] + "x"
    )
    with pytest.raises(InvalidRequestError) as caught:
        drive(token_flow(request), send)
    assert caught.value.status == 400


# Client credentials.


def test_client_credentials(send: Send, provider: RunningProvider) -> None:
    for method in (ClientAuthMethod.CLIENT_SECRET_BASIC, ClientAuthMethod.CLIENT_SECRET_POST):
        client = _client(provider, "service", auth_method=method)
        token = drive(token_flow(build_client_credentials_request(client, scope="read")), send)
        assert token.scope == ("read",)
        outcome = me(send, provider, token, client)
        assert outcome.response.status == 200
        assert json_object(outcome.response)["user"] is None


@pytest.mark.checklist("G8")
def test_aioauth_issues_a_refresh_token_with_client_credentials(
    send: Send, provider: RunningProvider
) -> None:
    """A provider deviation, not an oauthcore bug (aioauth 2.0).

    RFC 6749 §4.4.3: a refresh token SHOULD NOT be included in a client credentials answer.
    aioauth always issues one, even to a client that may not use the refresh grant: refreshing
    with it is refused with ``unauthorized_client``. With ``renew_with_client_credentials``
    oauthcore renews such a token with a new client-credentials grant and never sends the
    refresh token, so the renewal succeeds. When this test fails, aioauth has fixed it.
    """
    client = _client(provider, "service")
    token = drive(token_flow(build_client_credentials_request(client, scope="read")), send)
    assert token.refresh_token is not None
    with pytest.raises(UnauthorizedClientError):  # what refreshing with it would get
        drive(token_flow(build_refresh_request(client, token.refresh_token)), send)

    assert revoke(send, provider, client, token.access_token).status == 204
    # The scope again: without one aioauth grants none (see the next test).
    outcome = me(send, provider, token, client, renew_with_client_credentials=True, scope="read")
    assert outcome.renewed
    assert outcome.response.status == 200
    assert outcome.token.access_token != token.access_token


def test_aioauth_grants_an_empty_scope_when_none_is_asked_for(
    send: Send, provider: RunningProvider
) -> None:
    """A provider deviation, not an oauthcore bug (aioauth 2.0).

    RFC 6749 §3.3: a request without ``scope`` gets the server's default scope, or fails with
    ``invalid_scope``. aioauth grants the empty scope and says so (``"scope": ""``); oauthcore
    reads it as no scope-tokens, and the token opens nothing that needs one (403). When this
    test fails, aioauth applies a default.
    """
    client = _client(provider, "service")
    token = drive(token_flow(build_client_credentials_request(client)), send)
    assert token.scope == ()
    outcome = me(send, provider, token, client)
    assert outcome.response.status == 403
    assert not outcome.renewed


# Refresh.


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

    # The old refresh token is spent (rotation) and its access token revoked with it (one
    # revoked flag per grant in aioauth's model)...
    with pytest.raises(InvalidGrantError):
        drive(token_flow(build_refresh_request(client, token.refresh_token)), send)
    assert bare_me(send, provider, token.access_token).status == 401
    # ...while the rotated one still works (aioauth has no reuse detection).
    again = drive(token_flow(build_refresh_request(client, rotated.refresh_token)), send)
    assert again.refresh_token not in (None, rotated.refresh_token)


def test_a_public_client_refreshes_with_its_client_id(
    send: Send, provider: RunningProvider
) -> None:
    # RFC 6749 §6 with §3.2.1: a public client identifies itself with client_id only.
    client = _client(provider, "public")
    token = code_token(send, client)
    assert token.refresh_token
    renewed = drive(token_flow(build_refresh_request(client, token.refresh_token)), send)
    assert sorted(renewed.scope or ()) == ["read", "write"]


def test_aioauth_narrows_a_wider_refresh_scope_silently(
    send: Send, provider: RunningProvider
) -> None:
    """A provider deviation, not an oauthcore bug (aioauth 2.0).

    RFC 6749 §6: the requested scope MUST NOT include any scope not originally granted; a
    server refuses it with ``invalid_scope``. aioauth intersects the request with the original
    grant and issues the rest. oauthcore reads the granted scope from the response and flags
    the difference (``scope_changed``, checklist A15), which is how a caller notices. When
    this test fails, aioauth refuses it: expect InvalidScopeError.
    """
    client = _client(provider, "password")
    token = _password_token(send, provider, scope="read")
    assert token.refresh_token
    wider = drive(
        token_flow(
            build_refresh_request(client, token.refresh_token, scope="read write"),
            requested_scope=("read", "write"),
        ),
        send,
    )
    assert wider.scope == ("read",)
    assert wider.scope_changed
    assert wider.refresh_token
    narrower = drive(
        token_flow(build_refresh_request(client, wider.refresh_token, scope="read")), send
    )
    assert narrower.scope == ("read",)


# The resource: the provider's own RFC 6750 check (aioauth has none).


@pytest.mark.checklist("E9")
@pytest.mark.parametrize("placement", [BearerPlacement.QUERY, BearerPlacement.BODY], ids=str)
def test_the_resource_reads_bearer_tokens_from_the_header_only(
    send: Send, provider: RunningProvider, placement: BearerPlacement
) -> None:
    # RFC 6750 §2.2 (form body) and §2.3 (query) are optional; this resource server, like
    # most, reads the header only. Without one the request has no token: 401 with a
    # challenge and no error code (§3.1), so oauthcore returns it as is and does not refresh.
    client = _client(provider, "password")
    token = _password_token(send, provider)
    method = "POST" if placement is BearerPlacement.BODY else "GET"
    request = Request(method=method, url=provider.endpoints["resource"])
    outcome = drive(authorized_request_flow(request, token, client, placement=placement), send)
    assert outcome.response.status == 401
    assert not outcome.renewed
    (challenge,) = parse_www_authenticate(outcome.response.header("WWW-Authenticate") or "")
    assert challenge.error is None


def test_insufficient_scope_is_returned_as_is(send: Send, provider: RunningProvider) -> None:
    # RFC 6750 §3.1: 403 insufficient_scope; never a reason to refresh.
    client = _client(provider, "password")
    token = _password_token(send, provider, scope="read")
    outcome = me(send, provider, token, client, resource="resource_write")
    assert outcome.response.status == 403
    assert not outcome.renewed
    (challenge,) = parse_www_authenticate(outcome.response.header("WWW-Authenticate") or "")
    assert challenge.error == "insufficient_scope"


# Revocation (RFC 7009) and introspection (RFC 7662).


@pytest.mark.checklist("G3", "G4")
def test_introspection_and_revocation(send: Send, provider: RunningProvider) -> None:
    """aioauth answers a successful revocation with 204, not 200: a provider deviation.

    RFC 7009 §2.2: "The authorization server responds with HTTP status code 200 if the token
    has been revoked successfully or if the client submitted an invalid token." aioauth's
    ``revoke_token`` answers ``204 No Content``; a client checking for 200 thinks it failed.
    oauthcore has no revocation reader yet. When this test fails, aioauth answers 200.
    """
    client = _client(provider, "password")
    token = _password_token(send, provider)
    assert token.refresh_token
    assert token.expires_at is not None
    facts = introspect(send, provider, client, token.access_token, "access_token")
    # RFC 7662 §2.2: active is required, the rest optional. aioauth sends scope, client_id,
    # token_type and a non-standard expires_in (the lifetime, not what is left); no exp.
    assert facts == {
        "active": True,
        "scope": "read write",
        "client_id": client.client_id,
        "token_type": "Bearer",
        "expires_in": facts["expires_in"],
    }
    assert isinstance(facts["expires_in"], int)
    assert facts["expires_in"] > 0

    # Revoking the access token revokes its refresh token too (RFC 7009 §2.1 allows it;
    # aioauth's model has one revoked flag): the next use gets 401 invalid_token, and the
    # refresh oauthcore then tries is invalid_grant, terminally (checklist G4).
    assert revoke(send, provider, client, token.access_token).status == 204
    assert not _active(send, provider, client, token.access_token)
    with pytest.raises(InvalidGrantError):
        me(send, provider, token, client)


def test_revoking_a_refresh_token_ends_the_grant(send: Send, provider: RunningProvider) -> None:
    # RFC 7009 §2.1: revoking a refresh token SHOULD revoke the grant's access tokens.
    client = _client(provider, "password")
    token = _password_token(send, provider)
    assert token.refresh_token
    assert revoke(send, provider, client, token.refresh_token, "refresh_token").status == 204
    assert not _active(send, provider, client, token.access_token)
    with pytest.raises(InvalidGrantError):
        drive(token_flow(build_refresh_request(client, token.refresh_token)), send)


def test_a_public_client_revokes_its_own_token(send: Send, provider: RunningProvider) -> None:
    # RFC 7009 §2.1: a public client identifies itself with client_id.
    client = _client(provider, "public")
    token = code_token(send, client)
    assert revoke(send, provider, client, token.access_token).status == 204
    assert bare_me(send, provider, token.access_token).status == 401


def test_revoking_an_unknown_token_succeeds(send: Send, provider: RunningProvider) -> None:
    # RFC 7009 §2.2: an invalid token is no error (here 204, see above).
    answer = revoke(send, provider, _client(provider, "password"), "not-a-token")
    assert answer.status == 204


def test_aioauth_does_not_refuse_revoking_another_clients_token(
    send: Send, provider: RunningProvider
) -> None:
    """A provider deviation, not an oauthcore bug (aioauth 2.0).

    RFC 7009 §2.1: the server verifies that the token was issued to the revoking client; if
    not, the request is refused and the client told. aioauth's storage interface can only
    find a token for the asking client or not, and "not found" is answered as a success: the
    other client gets 204 and the token survives. When this test fails, aioauth refuses it.
    """
    owner = _client(provider, "password")
    token = _password_token(send, provider)
    other = _client(provider, "service")
    assert revoke(send, provider, other, token.access_token).status == 204
    assert _active(send, provider, owner, token.access_token)


def test_aioauth_does_not_search_past_a_wrong_token_type_hint(
    send: Send, provider: RunningProvider
) -> None:
    """A provider deviation, not an oauthcore bug (aioauth 2.0).

    RFC 7009 §2.1 and RFC 7662 §2.1: the hint only speeds the lookup; a server that does not
    find the token by it MUST extend its search to its other token types. aioauth looks up
    only the hinted type, and introspection without a hint looks the token up as a refresh
    token only: an access token revoked with ``token_type_hint=refresh_token`` survives, and
    one introspected without a hint is reported inactive. Send the right hint (oauthcore's
    requests here always do). When this test fails, aioauth has fixed it.
    """
    client = _client(provider, "password")
    token = _password_token(send, provider)
    assert introspect(send, provider, client, token.access_token) == {"active": False}
    assert revoke(send, provider, client, token.access_token, "refresh_token").status == 204
    assert _active(send, provider, client, token.access_token)
    assert token.refresh_token
    assert introspect(send, provider, client, token.refresh_token)["active"] is True


def test_introspection_by_another_client_is_inactive(send: Send, provider: RunningProvider) -> None:
    # RFC 7662 §2.2: a token the caller may not see is reported as not active.
    token = _password_token(send, provider)
    other = _client(provider, "service")
    assert not _active(send, provider, other, token.access_token)


def test_introspection_needs_client_authentication(send: Send, provider: RunningProvider) -> None:
    # RFC 7662 §2.1: the endpoint requires authorization; aioauth requires a client secret,
    # so a wrong secret and a public client are both invalid_client.
    token = _password_token(send, provider)
    client = _client(provider, "password")
    for caller in (
        replace(client, client_secret=(client.client_secret or "") + "x"),
        _client(provider, "public"),
    ):
        answer = endpoint_post(
            send,
            caller,
            provider.endpoints["introspect"],
            [("token", token.access_token), ("token_type_hint", "access_token")],
        )
        assert answer.status == 401
        assert json_object(answer)["error"] == "invalid_client"

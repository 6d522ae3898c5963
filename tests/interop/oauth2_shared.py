"""OAuth 2.0 interop tests that read the same against several providers.

Each provider's module (``test_oauth2_dot``, ``test_oauth2_authlib``, ``test_oauth2_aioauth``)
imports the ones its provider passes as they are; pytest collects them there, where they run
against that module's ``provider`` fixture, with its ``issuer_sends_iss`` (RFC 9207). What a
provider does differently stays in its own module, with the reason.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from oauthcore import (
    InvalidClientError,
    InvalidGrantError,
    InvalidScopeError,
    IssuerMismatchError,
    StateMismatchError,
    UnauthorizedClientError,
)
from oauthcore.flows import drive
from oauthcore.http import Request
from oauthcore.oauth2 import (
    PkceMethod,
    authorized_request_flow,
    build_authorization_code_request,
    build_authorization_url,
    build_password_request,
    parse_authorization_response,
    parse_www_authenticate,
    token_flow,
)

from .conftest import RunningProvider, Send, json_object
from .oauth2_helpers import (
    authorize,
    bare_me,
    code_token,
    me,
    oauth2_client,
    password_token,
    visit,
)


@pytest.mark.checklist("B1")
def test_state_of_any_visible_characters_round_trips(
    send: Send, provider: RunningProvider, issuer_sends_iss: bool
) -> None:
    # RFC 6749 A.5: state is 1*VSCHAR; the server form-encodes it into the redirect.
    client = oauth2_client(provider, "public", issuer_sends_iss=issuer_sends_iss)
    state = 'st ate/+%"<x>&=;~'  # printable ASCII, reserved characters included
    code, pending = authorize(send, client, state=state)
    assert code.state == state == pending.state


@pytest.mark.checklist("B1")
def test_a_state_that_is_not_ours_is_refused(
    send: Send, provider: RunningProvider, issuer_sends_iss: bool
) -> None:
    client = oauth2_client(provider, "public", issuer_sends_iss=issuer_sends_iss)
    url, pending = build_authorization_url(client)
    location = visit(send, url)
    other = replace(pending, state=pending.state + "x")
    with pytest.raises(StateMismatchError):
        parse_authorization_response(location, other, client=client)


def test_plain_pkce(send: Send, provider: RunningProvider, issuer_sends_iss: bool) -> None:
    # Only when asked for (RFC 7636 §4.2).
    client = oauth2_client(provider, "public", issuer_sends_iss=issuer_sends_iss)
    token = code_token(send, client, pkce=PkceMethod.PLAIN)
    assert me(send, provider, token, client).response.status == 200


@pytest.mark.checklist("B13")
def test_wrong_code_verifier_is_invalid_grant(
    send: Send, provider: RunningProvider, issuer_sends_iss: bool
) -> None:
    client = oauth2_client(provider, "confidential", issuer_sends_iss=issuer_sends_iss)
    code, pending = authorize(send, client)
    assert pending.code_verifier is not None
    wrong = pending.code_verifier[:-1] + ("A" if pending.code_verifier[-1] != "A" else "B")
    request = build_authorization_code_request(client, code.code, code_verifier=wrong)
    with pytest.raises(InvalidGrantError) as caught:
        drive(token_flow(request), send)
    assert caught.value.status == 400


@pytest.mark.checklist("B13")
def test_code_is_single_use(send: Send, provider: RunningProvider, issuer_sends_iss: bool) -> None:
    client = oauth2_client(provider, "confidential", issuer_sends_iss=issuer_sends_iss)
    code, pending = authorize(send, client)
    request = build_authorization_code_request(
        client, code.code, code_verifier=pending.code_verifier
    )
    drive(token_flow(request), send)
    with pytest.raises(InvalidGrantError):
        drive(token_flow(request), send)


def test_code_is_bound_to_its_client(
    send: Send, provider: RunningProvider, issuer_sends_iss: bool
) -> None:
    # RFC 6749 §4.1.3: the code was issued to "public"; "confidential" may not redeem it.
    owner = oauth2_client(provider, "public", issuer_sends_iss=issuer_sends_iss)
    code, pending = authorize(send, owner)
    thief = oauth2_client(provider, "confidential", issuer_sends_iss=issuer_sends_iss)
    request = build_authorization_code_request(
        thief, code.code, code_verifier=pending.code_verifier
    )
    with pytest.raises(InvalidGrantError):
        drive(token_flow(request), send)


@pytest.mark.checklist("B13", "E5")
def test_wrong_client_secret_is_invalid_client(
    send: Send, provider: RunningProvider, issuer_sends_iss: bool
) -> None:
    good = oauth2_client(provider, "confidential", issuer_sends_iss=issuer_sends_iss)
    code, pending = authorize(send, good)
    client = replace(good, client_secret=(good.client_secret or "") + "x")
    request = build_authorization_code_request(
        client, code.code, code_verifier=pending.code_verifier
    )
    with pytest.raises(InvalidClientError) as caught:
        drive(token_flow(request), send)
    assert caught.value.status == 401


@pytest.mark.checklist("B6")
def test_iss_of_another_spelling_is_refused(
    send: Send, provider: RunningProvider, issuer_sends_iss: bool
) -> None:
    # RFC 9207 §2.4: simple string comparison; a trailing slash is another issuer.
    client = oauth2_client(
        provider,
        "public",
        issuer=provider.endpoints["issuer"] + "/",
        issuer_sends_iss=issuer_sends_iss,
    )
    url, pending = build_authorization_url(client)
    location = visit(send, url)
    with pytest.raises(IssuerMismatchError):
        parse_authorization_response(location, pending, client=client)


def test_authorization_needs_a_logged_in_user(
    send: Send, provider: RunningProvider, issuer_sends_iss: bool
) -> None:
    # The control for X-Test-User: without it no code is issued.
    url, _ = build_authorization_url(
        oauth2_client(provider, "public", issuer_sends_iss=issuer_sends_iss)
    )
    answer = send(Request(method="GET", url=url))
    assert answer.status == 401
    assert answer.header("Location") is None


def test_a_grant_the_client_may_not_use_is_unauthorized_client(
    send: Send, provider: RunningProvider, issuer_sends_iss: bool
) -> None:
    user = provider.clients["user"]
    request = build_password_request(
        oauth2_client(provider, "service", issuer_sends_iss=issuer_sends_iss),
        user["username"],
        user["password"],
    )
    with pytest.raises(UnauthorizedClientError) as caught:
        drive(token_flow(request), send)
    assert caught.value.status == 400


@pytest.mark.checklist("G3")
def test_refresh_after_401_for_an_expired_access_token(
    send: Send, provider: RunningProvider, issuer_sends_iss: bool
) -> None:
    client = oauth2_client(provider, "confidential", issuer_sends_iss=issuer_sends_iss)
    token = code_token(send, client)
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
def test_bearer_in_the_header(
    send: Send, provider: RunningProvider, issuer_sends_iss: bool
) -> None:
    client = oauth2_client(provider, "password", issuer_sends_iss=issuer_sends_iss)
    token = password_token(send, provider, issuer_sends_iss=issuer_sends_iss)
    for method in ("GET", "POST"):
        request = Request(method=method, url=provider.endpoints["resource"])
        outcome = drive(authorized_request_flow(request, token, client), send)
        assert outcome.response.status == 200
        assert json_object(outcome.response)["method"] == method


def test_an_unknown_token_gets_an_invalid_token_challenge(
    send: Send, provider: RunningProvider
) -> None:
    answer = bare_me(send, provider, "not-a-token")
    assert answer.status == 401
    (challenge,) = parse_www_authenticate(answer.header("WWW-Authenticate") or "")
    assert challenge.error == "invalid_token"


def test_invalid_scope(send: Send, provider: RunningProvider, issuer_sends_iss: bool) -> None:
    with pytest.raises(InvalidScopeError):
        password_token(send, provider, scope="admin", issuer_sends_iss=issuer_sends_iss)

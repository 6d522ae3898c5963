"""OAuth 2.0 flows driven by hand: next(flow), flow.send(response), flow.throw(error).

The clock is injected; every request the flow yields is inspected (checklist G1–G8, A19).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qsl

import pytest

from oauthcore import (
    InvalidGrantError,
    RefreshOutcomeUnknown,
    ServerError,
    TokenExpiredError,
    TokenUpdateError,
    UnsupportedTokenTypeError,
)
from oauthcore.flows import Flow, drive
from oauthcore.http import Request, Response
from oauthcore.oauth2 import (
    AuthorizedResponse,
    ClientConfig,
    Token,
    authorized_request_flow,
    build_client_credentials_request,
    token_flow,
)

NOW = 1_700_000_000
CLIENT = ClientConfig(
    client_id="c", client_secret="CS-canary", token_endpoint="https://as.example/token"
)
RESOURCE = Request(method="GET", url="https://api.example/me")
JSON = (("Content-Type", "application/json"),)
OK = Response(status=200, body=b"{}")


def _token(
    access: str = "AT-1", *, expires_at: int | None = NOW + 3600, refresh: str | None = "RT-1"
) -> Token:
    return Token(access_token=access, expires_at=expires_at, refresh_token=refresh)


def _issued(access: str, refresh: str | None = None, expires_in: int = 3600) -> Response:
    body: dict[str, object] = {
        "access_token": access,
        "token_type": "bearer",
        "expires_in": expires_in,
    }
    if refresh is not None:
        body["refresh_token"] = refresh
    return Response(status=200, headers=JSON, body=json.dumps(body).encode())


def _error(status: int, error: str) -> Response:
    return Response(status=status, headers=JSON, body=json.dumps({"error": error}).encode())


def _challenge(error: str, status: int = 401) -> Response:
    return Response(status=status, headers=(("WWW-Authenticate", f'Bearer error="{error}"'),))


def _form(request: Request) -> dict[str, str]:
    return dict(parse_qsl(request.body.decode()))


def _flow(
    token: Token, clock: Callable[[], int] = lambda: NOW, **kwargs: object
) -> Flow[AuthorizedResponse]:
    return authorized_request_flow(RESOURCE, token, CLIENT, now=clock, **kwargs)  # type: ignore[arg-type]  # test helper forwards keywords


def _finish(flow: Flow[AuthorizedResponse], response: Response) -> AuthorizedResponse:
    with pytest.raises(StopIteration) as stop:
        flow.send(response)
    result: AuthorizedResponse = stop.value.value
    return result


def test_token_flow() -> None:
    request = build_client_credentials_request(CLIENT, scope="read")
    flow = token_flow(request, now=lambda: NOW)
    assert next(flow) is request
    with pytest.raises(StopIteration) as stop:
        flow.send(_issued("AT-9"))
    token: Token = stop.value.value
    assert token.access_token == "AT-9"
    assert token.expires_at == NOW + 3600


def test_a_valid_token_is_sent_once() -> None:
    flow = _flow(_token())
    sent = next(flow)
    assert sent.header("Authorization") == "Bearer AT-1"
    result = _finish(flow, OK)
    assert result.response is OK
    assert result.renewed is False


@pytest.mark.checklist("G1", "A19")
def test_an_expired_token_is_refreshed_before_use_and_handed_over_first() -> None:
    seen: list[Token] = []
    flow = _flow(_token(expires_at=NOW + 30), on_token=seen.append)  # inside the 60 s leeway
    refresh = next(flow)
    assert refresh.url == "https://as.example/token"
    assert _form(refresh) == {"grant_type": "refresh_token", "refresh_token": "RT-1"}
    resource = flow.send(_issued("AT-2"))  # no refresh_token in the answer
    assert [t.access_token for t in seen] == ["AT-2"]  # the hook ran before the request went
    assert resource.header("Authorization") == "Bearer AT-2"
    result = _finish(flow, OK)
    assert result.renewed is True
    assert result.token.refresh_token == "RT-1"  # kept (A19)


@pytest.mark.checklist("G1")
def test_clock_steps_are_read_from_the_injected_clock() -> None:
    token = _token(expires_at=NOW + 3600)
    back = _flow(token, clock=lambda: NOW - 3600)
    assert next(back).url == RESOURCE.url  # an hour early: no refresh
    forward = _flow(token, clock=lambda: NOW + 3600)
    assert next(forward).url == "https://as.example/token"  # an hour late: refreshed first


@pytest.mark.checklist("G3")
def test_invalid_token_refreshes_and_replays_once() -> None:
    flow = _flow(_token())
    assert next(flow).header("Authorization") == "Bearer AT-1"
    refresh = flow.send(_challenge("invalid_token"))
    assert _form(refresh)["grant_type"] == "refresh_token"
    replay = flow.send(_issued("AT-2", refresh="RT-2"))
    assert replay.header("Authorization") == "Bearer AT-2"
    again = _challenge("invalid_token")
    result = _finish(flow, again)  # a second 401 is returned, never looped on
    assert result.response is again
    assert result.token.refresh_token == "RT-2"


@pytest.mark.checklist("G3")
def test_insufficient_scope_and_plain_401_do_not_refresh() -> None:
    for response in (_challenge("insufficient_scope", 403), Response(status=401)):
        flow = _flow(_token())
        next(flow)
        assert _finish(flow, response).renewed is False


@pytest.mark.checklist("G4", "B13")
def test_invalid_grant_on_refresh_is_terminal() -> None:
    flow = _flow(_token(expires_at=NOW))
    next(flow)
    with pytest.raises(InvalidGrantError) as info:
        flow.send(_error(400, "invalid_grant"))
    assert info.value.status == 400


@pytest.mark.checklist("G5")
def test_a_refresh_whose_answer_is_lost_is_not_replayed() -> None:
    flow = _flow(_token(expires_at=NOW))
    next(flow)
    with pytest.raises(RefreshOutcomeUnknown) as info:
        flow.throw(TimeoutError("read timed out"))
    assert isinstance(info.value.__cause__, TimeoutError)
    calls: list[Request] = []

    def send(request: Request) -> Response:
        calls.append(request)
        raise ConnectionResetError("reset")

    with pytest.raises(RefreshOutcomeUnknown):
        drive(_flow(_token(expires_at=NOW)), send)
    assert len(calls) == 1


@pytest.mark.checklist("G6")
def test_server_errors_on_refresh_are_retried_once() -> None:
    flow = _flow(_token(expires_at=NOW))
    first = next(flow)
    second = flow.send(_error(503, "temporarily_unavailable"))
    assert _form(second) == _form(first)
    resource = flow.send(_issued("AT-2"))
    assert resource.header("Authorization") == "Bearer AT-2"

    flow = _flow(_token(expires_at=NOW))
    next(flow)
    flow.send(Response(status=502, headers=(("Content-Type", "text/html"),), body=b"<html>"))
    with pytest.raises(ServerError):
        flow.send(_error(500, "server_error"))


@pytest.mark.checklist("G8")
def test_without_a_refresh_token() -> None:
    flow = _flow(_token(expires_at=NOW, refresh=None))
    with pytest.raises(TokenExpiredError):
        next(flow)  # nothing was sent with the expired token
    flow = _flow(_token(expires_at=NOW, refresh=None), renew_with_client_credentials=True)
    request = next(flow)
    assert _form(request) == {"grant_type": "client_credentials"}
    resource = flow.send(_issued("AT-3"))
    assert resource.header("Authorization") == "Bearer AT-3"


@pytest.mark.checklist("G8")
def test_a_client_credentials_token_is_renewed_by_that_grant_even_with_a_refresh_token() -> None:
    # RFC 6749 §4.4.3: a client-credentials answer should carry no refresh token; when a
    # server sends one anyway, the client's own grant still renews the token, and the refresh
    # token is neither sent nor carried over to the new token.
    flow = _flow(_token(expires_at=NOW), renew_with_client_credentials=True)
    request = next(flow)
    assert _form(request) == {"grant_type": "client_credentials"}
    assert b"RT-1" not in request.body
    resource = flow.send(_issued("AT-3"))
    assert resource.header("Authorization") == "Bearer AT-3"
    outcome = _finish(flow, Response(status=200))
    assert outcome.token.access_token == "AT-3"
    assert outcome.token.refresh_token is None


@pytest.mark.checklist("G7")
def test_a_failing_hook_loses_nothing() -> None:
    def hook(token: Token) -> None:
        raise OSError("disk full")

    flow = _flow(_token(expires_at=NOW), on_token=hook)
    next(flow)
    with pytest.raises(TokenUpdateError) as info:
        flow.send(_issued("AT-2", refresh="RT-2"))
    saved = info.value.token
    assert isinstance(saved, Token)
    assert (saved.access_token, saved.refresh_token) == ("AT-2", "RT-2")
    assert isinstance(info.value.__cause__, OSError)
    assert "AT-2" not in str(info.value)
    assert "RT-2" not in repr(info.value)


@pytest.mark.checklist("A14")
def test_a_token_of_another_type_is_never_sent_as_bearer() -> None:
    flow = _flow(Token(access_token="AT-mac", token_type="mac", expires_at=NOW + 3600))
    with pytest.raises(UnsupportedTokenTypeError):
        next(flow)


@pytest.mark.checklist("G1")
def test_a_steady_clock_ignores_wall_clock_jumps() -> None:
    from oauthcore.oauth2 import steady_clock

    wall, ticks = [float(NOW)], [0.0]
    clock = steady_clock(wall=lambda: wall[0], monotonic=lambda: ticks[0])
    token = _token(expires_at=NOW + 3600)
    wall[0] += 7200  # NTP steps the wall clock two hours ahead ...
    ticks[0] += 10  # ... while ten seconds pass
    assert clock() == NOW + 10
    assert not token.is_expired(clock())
    assert next(_flow(token, clock=clock)).url == RESOURCE.url  # no needless refresh
    ticks[0] += 3600  # an hour really passes: the token is due, whatever the wall says
    wall[0] -= 86400
    assert token.is_expired(clock())

"""The aiohttp adapter against real HTTP servers on 127.0.0.1 (no mocked sessions).

Signing is verified server-side with the core's own verifier; redirects go to a second
loopback server (another port: another origin); bodies, codings, timeouts, TLS and ``.netrc``
are exercised over real sockets. Each test runs its coroutine with ``asyncio.run``.
Checklist C5, C7, C9, D1-D8, G1, G3, G7, H2-H4, H6, H7, L1, L2, L5, M1-M3, N5, and
SECURITY-CHECKLIST §4.2 T8 (200 coroutines) and T10 (safe defaults, stalled server).
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import itertools
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import TypeVar

import aiohttp
import pytest
import requests
from loopback import LoopbackServer, Recorded, Reply, gzip_bomb, serve
from providers import (
    BIG,
    EXPIRED,
    HMAC,
    NON_HTTP_LOCATIONS,
    NOW,
    OFLY,
    OFLY_MOMENT,
    OVERSIZED_TOKEN_REPLIES,
    STATUSES,
    TOKEN,
    OAuth1Provider,
    OAuth2Provider,
    TlsServer,
    assert_carries_no_credentials,
    assert_new_token_kept,
    assert_ofly_signed,
    assert_one_shared_error,
    assert_refresh_redirect_refused,
    assert_renewed_before_sending,
    assert_replayed_once,
    assert_signature_carried,
    assert_signed_again_with_a_fresh_nonce,
    assert_token_redirect_refused,
    client_credentials,
    client_for,
    credential_auths,
    fixed_now,
    import_without,
    install_netrc,
    new_rsa_pem,
    redirect_loop,
    redirect_to_other,
    route_gzip_bomb,
    stacked_codings,
    trickle,
)
from yarl import URL

from oauthcore import (
    ConfigurationError,
    InvalidGrantError,
    RedirectPolicyError,
    RefreshOutcomeUnknown,
    ResponseTooLargeError,
    TokenUpdateError,
)
from oauthcore.adapters.aiohttp import (
    DEFAULT_TIMEOUT,
    MAX_RESOURCE_BYTES,
    OAuth1Middleware,
    OAuth2Middleware,
    OflyMiddleware,
    RedirectMiddleware,
    TokenStore,
    oauth_session,
    send_flow,
    send_request,
)
from oauthcore.adapters.requests import OAuth2Auth
from oauthcore.http import Request
from oauthcore.limits import MAX_BODY_BYTES
from oauthcore.oauth1 import Placement, SignatureMethod
from oauthcore.oauth2 import (
    BearerPlacement,
    ClientConfig,
    Token,
    build_client_credentials_request,
    token_flow,
)
from oauthcore.redirects import MAX_HOPS

T = TypeVar("T")
Middleware = aiohttp.ClientMiddlewareType


def run(coroutine: Coroutine[object, object, T]) -> T:
    return asyncio.run(coroutine)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    yield from serve()


@pytest.fixture
def other() -> Iterator[LoopbackServer]:
    """A second server: same host, another port, so another origin."""
    yield from serve()


@pytest.fixture(scope="module")
def rsa_pem() -> str:
    return new_rsa_pem()


def plain(*middlewares: Middleware) -> aiohttp.ClientSession:
    """A plain aiohttp session (aiohttp's own defaults) with the given middlewares."""
    return aiohttp.ClientSession(middlewares=middlewares)


SESSIONS: dict[str, Callable[..., aiohttp.ClientSession]] = {
    "plain": plain,
    "oauthcore": oauth_session,
}


async def get_json(session: aiohttp.ClientSession, url: str, **kwargs: object) -> object:
    async with session.get(url, **kwargs) as response:  # type: ignore[arg-type]
        assert response.status == 200, await response.text()
        return await response.json()


# OAuth 1.0a.


@pytest.mark.checklist("D3")
@pytest.mark.parametrize("placement", list(Placement))
@pytest.mark.parametrize("method", list(SignatureMethod))
def test_oauth1_every_method_and_placement_verifies(
    server: LoopbackServer, rsa_pem: str, method: SignatureMethod, placement: Placement
) -> None:
    OAuth1Provider(rsa_pem).install(server)
    auth = OAuth1Middleware(client_for(method, rsa_pem), TOKEN, placement=placement)

    async def main() -> None:
        async with (
            plain(auth) as session,
            session.post(
                server.url("/photos?size=original&tilde=~a&size=x"),
                data={"form": "a b"},
                params={"p": "1 2"},
            ) as response,
        ):
            assert response.status == 200, await response.text()

    run(main())
    sent = server.requests[-1]
    assert_signature_carried(sent, placement)
    assert sent.form["form"] == "a b"
    assert sent.query["p"] == "1 2"
    assert "tilde=~a" in sent.target


@pytest.mark.parametrize("method", [SignatureMethod.HMAC_SHA1, SignatureMethod.RSA_SHA256])
def test_oauth1_json_body_is_sent_and_covered_by_the_body_hash(
    server: LoopbackServer, rsa_pem: str, method: SignatureMethod
) -> None:
    provider = OAuth1Provider(rsa_pem).install(server)
    auth = OAuth1Middleware(client_for(method, rsa_pem), TOKEN)

    async def main() -> None:
        async with plain(auth) as session:
            async with session.post(server.url("/items?q=1"), json={"a": [1, 2]}) as response:
                assert response.status == 200, await response.text()
            async with session.put(server.url("/raw"), data=b"\x00\x01binary") as response:
                assert response.status == 200, await response.text()

    run(main())
    first, second = server.requests
    assert json.loads(first.body) == {"a": [1, 2]}
    assert second.body == b"\x00\x01binary"
    assert all("oauth_body_hash=" in (r.header("Authorization") or "") for r in (first, second))
    assert all(verified.body_signed for verified in provider.verified)


def test_oauth1_never_signs_twice_and_refuses_streams(server: LoopbackServer) -> None:
    OAuth1Provider().install(server)

    async def stream() -> object:
        yield b"a"

    async def main() -> None:
        async with plain(OAuth1Middleware(HMAC, TOKEN)) as session:
            async with session.get(server.url("/r")) as response:
                assert response.status == 200
            header = server.requests[-1].header("Authorization") or ""
            # An already signed request goes out as it is.
            async with session.get(server.url("/r"), headers={"Authorization": header}) as again:
                assert again.status == 401  # the server refuses the replayed nonce
            with pytest.raises(ConfigurationError, match="streamed"):
                await session.post(server.url("/r"), data=stream())

    run(main())
    assert server.requests[-1].header("Authorization") == server.requests[-2].header(
        "Authorization"
    )
    assert len(server.requests) == 2


def test_reprs_hold_no_secret(server: LoopbackServer) -> None:
    client = ClientConfig(client_id="app", client_secret="CS-client")
    texts = [
        repr(OAuth1Middleware(HMAC, TOKEN)),
        repr(OflyMiddleware(OFLY, "u")),
        repr(OAuth2Middleware(client, EXPIRED)),
        repr(RedirectMiddleware()),
    ]
    for secret in ("CS-secret", "TS-token-secret", "OFLY-secret", "CS-client", "AT-0", "RT-0"):
        assert all(secret not in text for text in texts)


# Ofly.


@pytest.mark.checklist("L1", "L2", "L5")
def test_ofly_signs_url_and_params_with_padded_milliseconds(server: LoopbackServer) -> None:
    server.fallback = lambda _: Reply.json({"ok": True})
    auth = OflyMiddleware(OFLY, "u1", now=lambda: OFLY_MOMENT)

    async def main() -> None:
        async with plain(auth) as session:
            assert await get_json(session, server.url("/album?x=1"), params={"b": "2 3"})

    run(main())
    assert_ofly_signed(server.requests[-1])


# OAuth 2.0: bearer and refresh.


def test_oauth2_presents_the_token_in_the_header_or_query(server: LoopbackServer) -> None:
    client = OAuth2Provider().install(server)
    token = Token(access_token="AT-0")

    async def main() -> None:
        async with plain(OAuth2Middleware(client, token)) as session:
            assert await get_json(session, server.url("/me")) == {"token": "AT-0"}
        query = OAuth2Middleware(client, token, placement=BearerPlacement.QUERY)
        async with oauth_session(query) as session:
            assert await get_json(session, server.url("/me")) == {"token": "AT-0"}

    run(main())
    header, in_query = server.requests
    assert header.header("Authorization") == "Bearer AT-0"
    assert in_query.query["access_token"] == "AT-0"
    assert in_query.header("Authorization") is None


@pytest.mark.checklist("G1", "G7")
def test_oauth2_renews_an_expired_token_before_sending(server: LoopbackServer) -> None:
    provider = OAuth2Provider()
    client = provider.install(server)
    seen: list[Token] = []
    auth = OAuth2Middleware(client, EXPIRED, on_token=seen.append, now=fixed_now)

    async def main() -> None:
        async with plain(auth) as session:
            assert await get_json(session, server.url("/me")) == {"token": "AT-1"}

    run(main())
    assert_renewed_before_sending(server, provider, seen, auth.token)


@pytest.mark.checklist("G3")
@pytest.mark.parametrize("session_kind", sorted(SESSIONS))
def test_oauth2_renews_once_after_invalid_token(server: LoopbackServer, session_kind: str) -> None:
    provider = OAuth2Provider(valid="AT-elsewhere")
    client = provider.install(server)
    auth = OAuth2Middleware(client, Token(access_token="AT-0", refresh_token="RT-0"), now=fixed_now)

    async def main() -> None:
        async with SESSIONS[session_kind](auth) as session:
            async with session.post(server.url("/me"), data=b"payload") as response:
                assert await response.json() == {"token": "AT-1"}
            assert provider.hits == 1
            # A token that keeps failing is renewed once, the request replayed once, no loop.
            provider.reject = True
            server.clear()
            async with session.get(server.url("/me")) as response:
                assert response.status == 401

    run(main())
    assert_replayed_once(server, provider)


async def _gather(count: int, call: Callable[[], Awaitable[T]]) -> list[T | BaseException]:
    return await asyncio.gather(*(call() for _ in range(count)), return_exceptions=True)


@pytest.mark.checklist("H2")
@pytest.mark.parametrize("repetition", range(3))
def test_oauth2_two_hundred_coroutines_crossing_expiry_refresh_once(
    server: LoopbackServer, repetition: int
) -> None:
    provider = OAuth2Provider(delay=0.1)
    client = provider.install(server)
    clock = [NOW]
    fresh = Token(access_token="AT-0", refresh_token="RT-0", expires_at=NOW + 600)
    hooks: list[str] = []
    auth = OAuth2Middleware(
        client, fresh, on_token=lambda t: hooks.append(t.access_token), now=lambda: clock[0]
    )

    async def main() -> tuple[list[object], list[object]]:
        async with plain(auth) as session:

            async def call() -> object:
                return await get_json(session, server.url("/me"))

            before = await _gather(50, call)
            clock[0] = NOW + 3600  # the token expires while the session is in use
            return list(before), list(await _gather(200, call))

    before, after = run(main())
    assert before == [{"token": "AT-0"}] * 50
    assert after == [{"token": "AT-1"}] * 200
    assert provider.hits == 1
    assert hooks == ["AT-1"]
    refreshed = provider.refreshed_at
    assert refreshed is not None
    resource = [r for r in server.requests if r.path == "/me"]
    assert len(resource) == 250
    assert all(r.header("Authorization") == "Bearer AT-1" for r in resource if r.at > refreshed)


@pytest.mark.checklist("H2", "G3")
def test_oauth2_many_rejected_coroutines_on_a_small_pool_refresh_once(
    server: LoopbackServer,
) -> None:
    # Every request is answered 401 invalid_token; 60 coroutines share 5 pooled connections.
    # A waiter must not hold a connection the one refresh needs (no deadlock).
    provider = OAuth2Provider(delay=0.1, valid="AT-elsewhere")
    client = provider.install(server)

    def resource(recorded: Recorded) -> Reply:
        # A 401 with a 1 MiB body: left unread, it would hold its connection.
        reply = provider.resource(recorded)
        return reply if reply.status == 200 else dataclasses.replace(reply, body=b"x" * 2**20)

    server.fallback = resource
    auth = OAuth2Middleware(client, Token(access_token="AT-0", refresh_token="RT-0"))

    async def main() -> list[object]:
        connector = aiohttp.TCPConnector(limit=5)
        async with aiohttp.ClientSession(connector=connector, middlewares=(auth,)) as session:
            call = lambda: get_json(session, server.url("/me"))  # noqa: E731
            return list(await asyncio.wait_for(_gather(60, call), timeout=10))

    assert run(main()) == [{"token": "AT-1"}] * 60
    assert provider.hits == 1


@pytest.mark.checklist("H3")
def test_oauth2_failed_refresh_reaches_every_waiter_as_the_same_error(
    server: LoopbackServer,
) -> None:
    provider = OAuth2Provider(delay=0.3, fail=True)
    client = provider.install(server)
    auth = OAuth2Middleware(client, EXPIRED, now=fixed_now)

    async def main() -> tuple[list[object], object]:
        async with plain(auth) as session:
            results = await _gather(20, lambda: get_json(session, server.url("/me")))
            provider.fail = False  # the store is not wedged: the next caller tries again
            return list(results), await get_json(session, server.url("/me"))

    results, later = run(main())
    assert_one_shared_error(results, InvalidGrantError)
    assert later == {"token": "AT-2"}
    assert provider.hits == 2
    assert [r.path for r in server.requests].count("/me") == 1  # AT-0 never went out


@pytest.mark.checklist("H6")
def test_oauth2_cancelled_refresher_does_not_wedge_the_waiters(server: LoopbackServer) -> None:
    provider = OAuth2Provider(delay=0.4)
    client = provider.install(server)
    auth = OAuth2Middleware(client, EXPIRED, now=fixed_now)

    async def main() -> tuple[list[object], BaseException | None]:
        async with plain(auth) as session:
            leader = asyncio.create_task(get_json(session, server.url("/me")))
            await asyncio.sleep(0.1)  # the leader's refresh is in flight
            waiters = [asyncio.create_task(get_json(session, server.url("/me"))) for _ in range(20)]
            await asyncio.sleep(0.05)
            leader.cancel()
            results = await asyncio.wait_for(asyncio.gather(*waiters), timeout=5)
            outcome = await asyncio.gather(leader, return_exceptions=True)
            return list(results), outcome[0] if isinstance(outcome[0], BaseException) else None

    started = time.monotonic()
    results, cancelled = run(main())
    assert time.monotonic() - started < 5
    assert isinstance(cancelled, asyncio.CancelledError)
    assert len(results) == 20
    assert len(set(map(json.dumps, results))) == 1  # one taker-over, one new token for all
    assert provider.hits == 2


@pytest.mark.checklist("H4", "H7")
def test_oauth2_store_shared_with_threads_of_the_requests_adapter(server: LoopbackServer) -> None:
    provider = OAuth2Provider(delay=0.2)
    client = provider.install(server)
    store = TokenStore(EXPIRED)
    sync_auth = OAuth2Auth(client, store, now=fixed_now)
    middlewares = [OAuth2Middleware(client, store, now=fixed_now) for _ in range(2)]
    from_threads: list[object] = []

    def in_thread() -> None:
        from_threads.append(requests.get(server.url("/me"), auth=sync_auth, timeout=10).json())

    async def main() -> list[object]:
        async with plain(middlewares[0]) as first, plain(middlewares[1]) as second:
            calls = [get_json(session, server.url("/me")) for session in (first, second) * 10]
            return list(await asyncio.gather(*calls))

    threads = [threading.Thread(target=in_thread) for _ in range(10)]
    for thread in threads:
        thread.start()
    results = run(main())
    for thread in threads:
        thread.join(timeout=10)
    assert results == [{"token": "AT-1"}] * 20
    assert from_threads == [{"token": "AT-1"}] * 10
    assert provider.hits == 1
    assert store.token.access_token == "AT-1"


@pytest.mark.checklist("G7")
def test_oauth2_failing_hook_keeps_the_new_token(server: LoopbackServer) -> None:
    client = OAuth2Provider().install(server)

    def hook(token: Token) -> None:
        raise OSError("disk full")

    auth = OAuth2Middleware(client, EXPIRED, on_token=hook, now=fixed_now)

    async def main() -> None:
        async with plain(auth) as session:
            with pytest.raises(TokenUpdateError) as caught:
                await session.get(server.url("/me"))
        assert_new_token_kept(caught.value)

    run(main())
    assert auth.token.access_token == "AT-1"


# Redirects.


@pytest.mark.checklist("D3")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("session_kind", sorted(SESSIONS))
def test_same_origin_redirect_is_signed_again_with_a_fresh_nonce(
    server: LoopbackServer, status: int, session_kind: str
) -> None:
    provider = OAuth1Provider().install(server)
    provider.redirects["/start"] = Reply.redirect("/end?page=2", status)

    async def main() -> object:
        async with (
            SESSIONS[session_kind](OAuth1Middleware(HMAC, TOKEN)) as session,
            session.post(server.url("/start"), data={"a": "1"}) as response,
        ):
            assert response.status == 200, await response.text()
            assert response.url.path == "/end"
            return await response.json()

    assert_signed_again_with_a_fresh_nonce(provider, server, status, run(main()))


MiddlewareFactory = Callable[[LoopbackServer], Middleware]

AUTHS: dict[str, MiddlewareFactory] = {
    **credential_auths(OAuth1Middleware, OAuth2Middleware, OflyMiddleware),
    "none": lambda _: RedirectMiddleware(),
}


def _jar(server: LoopbackServer) -> aiohttp.CookieJar:
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for an IP address
    jar.update_cookies({"sid": "cookie-secret"}, URL(server.url("/")))
    return jar


@pytest.mark.checklist("D1", "D3")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("kind", sorted(AUTHS))
def test_cross_origin_redirect_carries_no_credentials(
    server: LoopbackServer, other: LoopbackServer, status: int, kind: str
) -> None:
    redirect_to_other(server, other, status)

    async def main() -> None:
        middleware = AUTHS[kind](server)
        async with oauth_session(middleware, cookie_jar=_jar(server)) as session:
            assert await get_json(session, server.url("/start")) == {"landed": True}

    run(main())
    assert server.requests[0].header("Cookie") == "sid=cookie-secret"
    (landed,) = other.requests
    assert_carries_no_credentials(landed)


async def _duplicates(
    req: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    """An outer middleware of the caller's: credential headers in several cases, twice."""
    for name in ("authorization", "AUTHORIZATION", "Cookie", "COOKIE", "proxy-authorization"):
        req.headers.add(name, "Basic dTpw")
    return await handler(req)


@pytest.mark.checklist("D1", "D2")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("session_kind", sorted(SESSIONS))
def test_cross_origin_redirect_drops_every_copy_of_the_callers_credentials(
    server: LoopbackServer, other: LoopbackServer, status: int, session_kind: str
) -> None:
    redirect_to_other(server, other, status)

    async def main() -> None:
        async with SESSIONS[session_kind](_duplicates, RedirectMiddleware()) as session:
            assert await get_json(session, server.url("/start")) == {"landed": True}

    run(main())
    assert len(server.requests[0].all("Authorization")) == 2
    assert len(server.requests[0].all("Cookie")) == 2
    assert_carries_no_credentials(other.requests[0])


@pytest.mark.checklist("D1", "D3")
def test_credentials_stripped_once_are_never_added_back(
    server: LoopbackServer, other: LoopbackServer
) -> None:
    # server → other → server: the hop back to the first origin is not signed either.
    server.route("/start", Reply.redirect(other.url("/bounce")))
    other.fallback = lambda _: Reply.redirect(server.url("/end"))
    server.fallback = lambda _: Reply.json({"end": True})

    async def main() -> None:
        async with plain(OAuth1Middleware(HMAC, TOKEN)) as session:
            assert await get_json(session, server.url("/start")) == {"end": True}
            async with session.get(f"http://127.0.0.1:{server.port}//x") as response:
                assert response.status == 200  # a scheme-relative-looking path is a path

    run(main())
    start, end, _ = server.requests
    assert "oauth_signature" in (start.header("Authorization") or "")
    assert_carries_no_credentials(other.requests[0])
    assert_carries_no_credentials(end)


@pytest.mark.checklist("D1")
def test_scheme_relative_location_is_resolved_and_policy_checked(
    server: LoopbackServer, other: LoopbackServer
) -> None:
    server.fallback = lambda _: Reply.redirect(f"//127.0.0.1:{other.port}/x")
    other.fallback = lambda _: Reply.json({"landed": True})

    async def main() -> None:
        async with plain(OAuth1Middleware(HMAC, TOKEN)) as session:
            assert await get_json(session, server.url("/")) == {"landed": True}

    run(main())
    assert_carries_no_credentials(other.requests[0])


@pytest.mark.checklist("C5", "C9", "D1")
def test_tls_is_verified_and_https_to_http_is_refused(
    server: LoopbackServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    downgrade = f"HTTP/1.1 302 Found\r\nLocation: {server.url('/')}\r\nContent-Length: 0\r\n\r\n"
    server.fallback = lambda _: Reply.json({"reached": True})

    async def main(tls: TlsServer) -> None:
        async with oauth_session(OAuth1Middleware(HMAC, TOKEN)) as session:
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await session.get(tls.url("/"))  # self-signed: verification is on
            with pytest.raises(ConfigurationError, match="insecure_skip_tls_verify"):
                await session.get(tls.url("/"), ssl=False)
        async with oauth_session(RedirectMiddleware(), insecure_skip_tls_verify=True) as insecure:
            with pytest.raises(RedirectPolicyError, match="https"):
                await insecure.get(tls.url("/"), headers={"Authorization": "Bearer AT-0"})

    with (
        caplog.at_level(logging.WARNING, logger="oauthcore"),
        TlsServer(tmp_path, downgrade.encode()) as tls,
    ):
        run(main(tls))
        assert tls.handshakes == 1  # the insecure session's; the verifying one never finished
    assert server.requests == []
    assert ["insecure_skip_tls_verify" in r.getMessage() for r in caplog.records] == [True]


@pytest.mark.checklist("D4", "D5")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("session_kind", sorted(SESSIONS))
def test_token_endpoint_redirect_is_not_followed(
    server: LoopbackServer, other: LoopbackServer, status: int, session_kind: str
) -> None:
    server.fallback = lambda _: Reply.redirect(other.url("/token"), status)
    flow = token_flow(build_client_credentials_request(client_credentials(server)))

    async def main() -> BaseException:
        async with SESSIONS[session_kind]() as session:
            with pytest.raises(RedirectPolicyError) as caught:
                await send_flow(session, flow)
        return caught.value

    assert_token_redirect_refused(run(main()), status, server, other)


@pytest.mark.checklist("D4", "D5")
def test_refresh_redirect_is_not_followed(server: LoopbackServer, other: LoopbackServer) -> None:
    client = OAuth2Provider().install(server)
    server.route("/token", Reply.redirect(other.url("/token"), 307))

    async def main() -> BaseException:
        async with oauth_session(OAuth2Middleware(client, EXPIRED, now=fixed_now)) as session:
            with pytest.raises(RefreshOutcomeUnknown) as caught:
                await session.get(server.url("/me"))
        return caught.value

    assert_refresh_redirect_refused(run(main()), server, other)


@pytest.mark.checklist("D6")
@pytest.mark.parametrize("session_kind", sorted(SESSIONS))
def test_redirect_loop_stops_after_five_hops(server: LoopbackServer, session_kind: str) -> None:
    server.fallback = redirect_loop

    async def main() -> None:
        async with SESSIONS[session_kind](OAuth1Middleware(HMAC, TOKEN)) as session:
            with pytest.raises(RedirectPolicyError, match="more than 5"):
                await session.get(server.url("/loop/0"))

    run(main())
    assert len(server.requests) == 1 + MAX_HOPS


@pytest.mark.checklist("D7")
@pytest.mark.parametrize("location", NON_HTTP_LOCATIONS)
def test_redirect_to_a_non_http_scheme_is_refused(server: LoopbackServer, location: str) -> None:
    server.fallback = lambda _: Reply.redirect(location)

    async def main() -> None:
        async with oauth_session() as session:
            with pytest.raises(RedirectPolicyError):
                await session.get(server.url("/"))

    run(main())
    assert len(server.requests) == 1


@pytest.mark.checklist("D8", "M2")
def test_redirect_body_is_never_decoded(server: LoopbackServer) -> None:
    # An endless gzip bomb (gzip members inflating to 8 MiB each, forever): reading, let
    # alone decoding, it would never finish.
    member = gzip_bomb(8 * 1024 * 1024)
    headers = [("Location", "/ok"), ("Content-Encoding", "gzip")]
    server.route("/bomb", Reply(status=302, headers=headers, chunks=itertools.repeat(member)))
    server.route("/ok", Reply.json({"ok": True}))
    request = build_client_credentials_request(client_credentials(server, "/bomb"))

    async def main() -> None:
        async with oauth_session() as session:
            assert await get_json(session, server.url("/bomb")) == {"ok": True}
            # Nor by a token request, which refuses the redirect without reading it.
            with pytest.raises(RedirectPolicyError):
                await send_request(session, request)

    started = time.monotonic()
    run(main())
    assert time.monotonic() - started < 2
    assert [r.path for r in server.requests] == ["/bomb", "/ok", "/bomb"]


def test_plain_redirects_are_followed_by_oauthcore(server: LoopbackServer) -> None:
    server.route("/a", Reply.redirect("/b"))
    server.route("/b", Reply.json({"b": True}))

    async def main() -> None:
        async with oauth_session() as session:
            assert await get_json(session, server.url("/a")) == {"b": True}
            async with session.get(server.url("/a"), middlewares=()) as unfollowed:
                # Without middlewares aiohttp's own following applies (allow_redirects=False
                # is the caller's way to see the redirect itself).
                assert unfollowed.status == 200
            async with session.get(
                server.url("/a"), middlewares=(), allow_redirects=False
            ) as unfollowed:
                assert unfollowed.status == 302

    run(main())
    assert [r.path for r in server.requests] == ["/a", "/b", "/a", "/b", "/a"]


# Bodies: caps after decompression, codings, endless streams (A4, A5, M1, M2).


async def _token_request(server: LoopbackServer, path: str) -> object:
    flow = token_flow(build_client_credentials_request(client_credentials(server, path)))
    async with aiohttp.ClientSession() as session:
        return await send_flow(session, flow)


@pytest.mark.checklist("M1")
@pytest.mark.parametrize("reply", OVERSIZED_TOKEN_REPLIES)
def test_token_body_is_capped(server: LoopbackServer, reply: Reply) -> None:
    server.route("/token", reply)
    with pytest.raises(ResponseTooLargeError):
        run(_token_request(server, "/token"))


@pytest.mark.checklist("M2")
def test_gzip_bomb_is_capped_after_decompression(server: LoopbackServer) -> None:
    route_gzip_bomb(server)
    with pytest.raises(ResponseTooLargeError):
        run(_token_request(server, "/token"))


@pytest.mark.checklist("M2")
def test_three_stacked_codings_are_refused(server: LoopbackServer) -> None:
    server.route("/token", stacked_codings())
    with pytest.raises(ResponseTooLargeError, match="content-codings"):
        run(_token_request(server, "/token"))

    async def main() -> None:
        async with oauth_session() as session, session.get(server.url("/token")) as response:
            with pytest.raises(ResponseTooLargeError):
                await response.read()

    run(main())


@pytest.mark.checklist("M2")
def test_resource_body_cap_and_streaming(server: LoopbackServer) -> None:
    server.route("/big", Reply(body=b"x" * BIG))
    server.route("/bomb", Reply(headers=[("Content-Encoding", "gzip")], body=gzip_bomb()))

    async def main() -> None:
        async with oauth_session(max_body_bytes=MAX_BODY_BYTES) as session:
            for path in ("/big", "/bomb"):
                async with session.get(server.url(path)) as response:
                    with pytest.raises(ResponseTooLargeError):
                        await response.json()
            async with session.get(server.url("/big")) as response:
                size = 0
                async for chunk in response.content.iter_chunked(65536):
                    size += len(chunk)  # streaming is the caller's own, uncapped
            assert size == BIG

    run(main())


# Safe defaults and timeouts (M3, T10).


def test_safe_defaults_are_set(server: LoopbackServer) -> None:
    """SECURITY-CHECKLIST §4.2 T10 for this adapter: timeouts, caps, redirects, TLS, .netrc."""
    assert DEFAULT_TIMEOUT.total == 60.0
    assert DEFAULT_TIMEOUT.connect == DEFAULT_TIMEOUT.sock_connect == 10.0
    assert DEFAULT_TIMEOUT.sock_read == 30.0
    for function in (send_flow, send_request):
        parameters = inspect.signature(function).parameters
        assert parameters["timeout"].default is DEFAULT_TIMEOUT
        assert parameters["max_bytes"].default == MAX_BODY_BYTES == 1024 * 1024
        assert parameters["insecure_skip_tls_verify"].default is False
    middleware = OAuth2Middleware(ClientConfig(client_id="app"), Token(access_token="AT"))
    assert (middleware.timeout, middleware.max_bytes) == (DEFAULT_TIMEOUT, MAX_BODY_BYTES)
    assert (
        OAuth1Middleware(HMAC).max_redirects
        == OflyMiddleware(OFLY, "u").max_redirects
        == RedirectMiddleware().max_redirects
        == middleware.max_redirects
        == MAX_HOPS
        == 5
    )

    async def main() -> None:
        async with oauth_session() as session:
            assert session.timeout is DEFAULT_TIMEOUT
            assert session.trust_env is False
            async with session.get(server.url("/")) as response:
                assert getattr(response, "max_body_bytes", None) == MAX_RESOURCE_BYTES
            # Redirects are oauthcore's (aiohttp would allow 10 hops).
            with pytest.raises(RedirectPolicyError, match="more than 5"):
                await session.get(server.url("/loop"))

    server.fallback = lambda _: Reply.json({})
    server.route("/loop", Reply.redirect("/loop"))
    run(main())
    assert len(server.requests) == 1 + 1 + MAX_HOPS
    # TLS verification on: proven against a self-signed server in
    # test_tls_is_verified_and_https_to_http_is_refused.


@pytest.mark.checklist("M3")
def test_stalled_server_times_out_within_the_timeout(server: LoopbackServer) -> None:
    server.fallback = lambda _: Reply(stall=True)
    short = aiohttp.ClientTimeout(total=60, connect=10, sock_read=0.5)

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(asyncio.TimeoutError):
                await send_request(
                    session, Request(method="GET", url=server.url("/")), timeout=short
                )
        async with oauth_session(timeout=short) as session:
            with pytest.raises(asyncio.TimeoutError):
                await session.get(server.url("/"))

    started = time.monotonic()
    run(main())
    assert time.monotonic() - started < 2 * (0.5 + 1)


@pytest.mark.checklist("M3")
@pytest.mark.parametrize("chunked", [True, False])
def test_trickling_body_is_cut_at_the_total_deadline(server: LoopbackServer, chunked: bool) -> None:
    reply = trickle(chunked)
    server.fallback = lambda _: reply

    async def main() -> None:
        timeout = aiohttp.ClientTimeout(total=1.0, connect=10, sock_read=30)
        async with oauth_session(timeout=timeout) as session:
            with pytest.raises(asyncio.TimeoutError):
                async with session.get(server.url("/")) as response:
                    await response.read()

    started = time.monotonic()
    run(main())
    assert time.monotonic() - started < 1.0 + 1


# Ambient credentials (C7), what token requests carry, the import guard (N5).


@pytest.mark.checklist("C7")
def test_netrc_and_session_credentials_never_reach_token_requests(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_netrc(tmp_path, monkeypatch)
    server.fallback = lambda _: Reply.json({"access_token": "AT", "token_type": "Bearer"})
    client = ClientConfig(client_id="app", client_secret="CS", token_endpoint=server.url("/t"))

    async def main() -> None:
        async with aiohttp.ClientSession(trust_env=True) as ambient:  # positive control
            await get_json(ambient, server.url("/b"))
        async with oauth_session() as session:
            await get_json(session, server.url("/b"))
        async with aiohttp.ClientSession(trust_env=True) as ambient:
            await send_flow(ambient, token_flow(build_client_credentials_request(client)))
        async with aiohttp.ClientSession(
            headers={"Authorization": "Bearer session-default"},
            cookie_jar=_jar(server),
            middlewares=(OAuth1Middleware(HMAC, TOKEN),),
        ) as loaded:
            await send_flow(loaded, token_flow(build_client_credentials_request(client)))

    run(main())
    control, safe, *tokens = server.requests
    assert (control.header("Authorization") or "").startswith("Basic bmV0cmM")
    assert safe.header("Authorization") is None
    # Token requests carry their own client authentication and nothing else.
    for token in tokens:
        assert token.all("Authorization") == ["Basic YXBwOkNT"]
        assert token.all("Cookie") == []
        assert token.form["grant_type"] == "client_credentials"


@pytest.mark.checklist("N5")
def test_import_without_aiohttp_raises_missing_dependency() -> None:
    assert import_without("aiohttp", "oauthcore.adapters.aiohttp") == [
        "MissingDependencyError",
        "aiohttp",
        "aiohttp",
    ]

"""The httpx adapter against real HTTP servers on 127.0.0.1 (no mocks, no MockTransport).

Every scenario runs on ``httpx.Client`` and ``httpx.AsyncClient`` (``asyncio.run`` inside plain
test functions), and where redirects matter also on :class:`OAuthClient` /
:class:`AsyncOAuthClient`. Signing is verified server-side with the core's own verifier;
redirects go to a second loopback server (another port: another origin); bodies, codings and
timeouts are exercised over real sockets. Checklist C5, C7, C9, D1-D8, L1-L5, M1-M3, H1-H4,
G1, G3, G7, I1, N5, and SECURITY-CHECKLIST §4.2 T7, T8, T10.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import logging
import pickle
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from _httpx_helpers import KINDS, TLS, send
from loopback import LoopbackServer, Reply, gzip_bomb
from providers import (
    BIG,
    EXPIRED,
    HMAC,
    NON_HTTP_LOCATIONS,
    OFLY,
    OFLY_MOMENT,
    OVERSIZED_TOKEN_REPLIES,
    STATUSES,
    TOKEN,
    FixedNonce,
    OAuth1Provider,
    OAuth2Provider,
    assert_carries_no_credentials,
    assert_new_token_kept,
    assert_ofly_signed,
    assert_one_shared_error,
    assert_refresh_redirect_refused,
    assert_refreshed_once,
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
    run_threads,
    stacked_codings,
    trickle,
)

from oauthcore import (
    ConfigurationError,
    InsecureTransportError,
    InvalidGrantError,
    RedirectPolicyError,
    RefreshOutcomeUnknown,
    ResponseTooLargeError,
    TokenUpdateError,
)
from oauthcore.adapters._httpx_auth import redirect_hop
from oauthcore.adapters.httpx import (
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    MAX_RESOURCE_BYTES,
    AsyncOAuthClient,
    OAuth1Auth,
    OAuth2Auth,
    OAuthClient,
    OflyAuth,
    TokenStore,
    async_send_flow,
    async_send_request,
    send_flow,
    send_request,
)
from oauthcore.http import Request
from oauthcore.limits import MAX_BODY_BYTES
from oauthcore.oauth1 import Placement, SignatureMethod, sign_request
from oauthcore.oauth2 import (
    BearerPlacement,
    ClientConfig,
    Token,
    build_client_credentials_request,
    token_flow,
)
from oauthcore.ofly import OflyCredentials
from oauthcore.redirects import MAX_HOPS

PLAIN = ("sync", "async")
OAuthOrHttpxError = (RedirectPolicyError, httpx.InvalidURL)


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[LoopbackServer, LoopbackServer]]:
    """Two servers for the whole module (starting and stopping them per test costs more than
    the tests); each test gets them reset."""
    with LoopbackServer(max_lifetime=600) as first, LoopbackServer(max_lifetime=600) as second:
        yield first, second


def _reset(server: LoopbackServer) -> LoopbackServer:
    server.clear()
    server.routes.clear()
    server.fallback = lambda _: Reply(status=404)
    return server


@pytest.fixture
def server(servers: tuple[LoopbackServer, LoopbackServer]) -> LoopbackServer:
    return _reset(servers[0])


@pytest.fixture
def other(servers: tuple[LoopbackServer, LoopbackServer]) -> LoopbackServer:
    """The second server: same host, another port, so another origin."""
    return _reset(servers[1])


@pytest.fixture(scope="module")
def rsa_pem() -> str:
    return new_rsa_pem()


# OAuth 1.0a.


@pytest.mark.checklist("D3")
@pytest.mark.parametrize("kind", PLAIN)
@pytest.mark.parametrize("placement", list(Placement))
@pytest.mark.parametrize("method", list(SignatureMethod))
def test_oauth1_every_method_and_placement_verifies(
    server: LoopbackServer, rsa_pem: str, method: SignatureMethod, placement: Placement, kind: str
) -> None:
    provider = OAuth1Provider(rsa_pem).install(server)
    auth = OAuth1Auth(client_for(method, rsa_pem), TOKEN, placement=placement)
    url = server.url("/photos?size=original&tilde=~a&size=x")
    response = send(kind, "POST", url, auth=auth, data={"form": "a b"})
    assert response.status_code == 200, response.text
    sent = server.requests[-1]
    assert_signature_carried(sent, placement)
    assert sent.form["form"] == "a b"
    assert "tilde=~a" in sent.target  # tilde is not encoded (rauth #186)
    assert len(provider.verified) == 1


@pytest.mark.parametrize("kind", PLAIN)
@pytest.mark.parametrize("method", [SignatureMethod.HMAC_SHA1, SignatureMethod.RSA_SHA256])
def test_oauth1_json_body_is_covered_by_the_body_hash(
    server: LoopbackServer, rsa_pem: str, method: SignatureMethod, kind: str
) -> None:
    provider = OAuth1Provider(rsa_pem).install(server)
    auth = OAuth1Auth(client_for(method, rsa_pem), TOKEN)
    response = send(kind, "POST", server.url("/items?q=1"), auth=auth, json={"a": [1, 2]})
    assert response.status_code == 200, response.text
    sent = server.requests[-1]
    assert json.loads(sent.body) == {"a": [1, 2]}
    assert "oauth_body_hash=" in (sent.header("Authorization") or "")
    assert provider.verified[-1].body_signed


@pytest.mark.parametrize("kind", PLAIN)
def test_oauth1_get_without_params_and_query_in_url_are_signed(
    server: LoopbackServer, kind: str
) -> None:
    OAuth1Provider().install(server)
    auth = OAuth1Auth(HMAC, TOKEN, placement=Placement.QUERY)
    assert send(kind, "GET", server.url("/r?a=1&a=2&b=%20x"), auth=auth).status_code == 200
    assert send(kind, "GET", server.url("/r"), auth=auth).status_code == 200


def test_oauth1_never_signs_twice(server: LoopbackServer) -> None:
    provider = OAuth1Provider().install(server)
    signed = sign_request(Request(method="GET", url=server.url("/r")), HMAC, TOKEN)
    with httpx.Client(timeout=5, verify=TLS) as client:
        response = client.get(signed.url, headers=dict(signed.headers), auth=OAuth1Auth(HMAC))
    assert response.status_code == 200
    assert server.requests[-1].header("Authorization") == signed.header("Authorization")
    assert len(provider.verified) == 1


def _chunks() -> Iterator[bytes]:
    yield b'{"a": '
    yield b"1}"


async def _achunks() -> AsyncIterator[bytes]:
    yield b"x"


@pytest.mark.parametrize("kind", PLAIN)
def test_oauth1_streamed_body_is_read_to_be_signed(server: LoopbackServer, kind: str) -> None:
    provider = OAuth1Provider().install(server)
    auth = OAuth1Auth(HMAC, TOKEN)
    content = _chunks() if kind == "sync" else _agen(b'{"a": ', b"1}")
    response = send(kind, "POST", server.url("/up"), auth=auth, content=content)
    assert response.status_code == 200, response.text
    assert server.requests[-1].body == b'{"a": 1}'
    assert provider.verified[-1].body_signed


async def _agen(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def test_oauth1_streamed_body_it_cannot_read_is_refused(server: LoopbackServer) -> None:
    # An async stream in a sync client, a sync generator in an async one: typed errors.
    with pytest.raises(ConfigurationError, match="stream"):
        send("sync", "POST", server.url("/r"), auth=OAuth1Auth(HMAC), content=_achunks())
    with pytest.raises(ConfigurationError, match="stream"):
        send("async", "POST", server.url("/r"), auth=OAuth1Auth(HMAC), content=_chunks())
    assert server.requests == []


def test_oauth1_stream_stays_a_stream_when_the_body_is_not_signed(server: LoopbackServer) -> None:
    OAuth1Provider().install(server)
    auth = OAuth1Auth(HMAC, TOKEN, with_body_hash=False)
    response = send("sync", "PUT", server.url("/blob"), auth=auth, content=_chunks())
    assert response.status_code == 200, response.text
    sent = server.requests[-1]
    assert sent.header("Transfer-Encoding") == "chunked"  # sent as it came, not buffered
    assert sent.body == b'{"a": 1}'


@pytest.mark.checklist("I1")
def test_oauth1_auth_pickles_and_signs_identically() -> None:
    auth = OAuth1Auth(HMAC, TOKEN, now=fixed_now, nonce=FixedNonce("n" * 24))
    copy = pickle.loads(pickle.dumps(auth))  # noqa: S301 (our own bytes)
    first = next(auth.sync_auth_flow(httpx.Request("GET", "https://api.example/r?x=1")))
    second = next(copy.sync_auth_flow(httpx.Request("GET", "https://api.example/r?x=1")))
    assert first.headers["Authorization"] == second.headers["Authorization"]
    assert "TS-token-secret" not in repr(auth)
    assert "CS-secret" not in repr(auth)


# Ofly.


@pytest.mark.checklist("L1", "L2", "L3")
@pytest.mark.parametrize("kind", PLAIN)
def test_ofly_signs_url_and_params(server: LoopbackServer, kind: str) -> None:
    server.fallback = lambda _: Reply.json({"ok": True})
    auth = OflyAuth(OFLY, "u1", now=lambda: OFLY_MOMENT)
    response = send(kind, "GET", server.url("/album?x=1&b=2%203"), auth=auth)
    assert response.status_code == 200
    assert_ofly_signed(server.requests[-1])


@pytest.mark.checklist("L4", "L5")
def test_ofly_refuses_bad_input_and_plain_http() -> None:
    credentials = OFLY

    def first(auth: httpx.Auth, url: str) -> httpx.Request:
        return next(auth.sync_auth_flow(httpx.Request("GET", url)))

    with pytest.raises(InsecureTransportError):
        first(OflyAuth(credentials, "u"), "http://ws.example/x")
    allowed = OflyAuth(credentials, "u", allow_insecure_transport=True)
    assert "oflyApiSig=" in str(first(allowed, "http://ws.example/x").url)
    with pytest.raises(ConfigurationError):
        first(OflyAuth(credentials, ""), "https://ws.example/x")
    with pytest.raises(ConfigurationError):
        first(OflyAuth(credentials, "u", hash_method="sha256"), "https://ws.example/x")


# OAuth 2.0: bearer and refresh.


@pytest.mark.parametrize("kind", PLAIN)
def test_oauth2_presents_the_token_in_the_header_or_query(
    server: LoopbackServer, kind: str
) -> None:
    client = OAuth2Provider().install(server)
    token = Token(access_token="AT-0")
    assert send(kind, "GET", server.url("/me"), auth=OAuth2Auth(client, token)).is_success
    assert server.requests[-1].header("Authorization") == "Bearer AT-0"
    query = OAuth2Auth(client, token, placement=BearerPlacement.QUERY)
    assert send(kind, "GET", server.url("/me"), auth=query).is_success
    assert server.requests[-1].query["access_token"] == "AT-0"
    assert server.requests[-1].header("Authorization") is None


@pytest.mark.checklist("G1")
@pytest.mark.parametrize("kind", PLAIN)
def test_oauth2_renews_an_expired_token_before_sending(server: LoopbackServer, kind: str) -> None:
    provider = OAuth2Provider()
    client = provider.install(server)
    seen: list[Token] = []
    auth = OAuth2Auth(client, EXPIRED, on_token=seen.append, now=fixed_now)
    response = send(kind, "GET", server.url("/me"), auth=auth)
    assert response.json() == {"token": "AT-1"}
    assert_renewed_before_sending(server, provider, seen, auth.token)


@pytest.mark.checklist("G3")
@pytest.mark.parametrize("kind", KINDS)
def test_oauth2_renews_once_after_invalid_token(server: LoopbackServer, kind: str) -> None:
    provider = OAuth2Provider(valid="AT-elsewhere")
    client = provider.install(server)
    auth = OAuth2Auth(client, Token(access_token="AT-0", refresh_token="RT-0"), now=fixed_now)
    response = send(kind, "GET", server.url("/me"), auth=auth)
    assert response.json() == {"token": "AT-1"}
    assert [r.status_code for r in response.history] == [401]
    assert provider.hits == 1
    # A token that keeps failing is renewed once, the request replayed once, no loop.
    provider.reject = True
    server.clear()
    assert send(kind, "GET", server.url("/me"), auth=auth).status_code == 401
    assert_replayed_once(server, provider)


@pytest.mark.checklist("G3")
def test_oauth2_streamed_body_is_sent_as_a_stream_and_never_replayed(
    server: LoopbackServer,
) -> None:
    provider = OAuth2Provider(valid="AT-elsewhere")
    client = provider.install(server)
    auth = OAuth2Auth(client, Token(access_token="AT-0", refresh_token="RT-0"), now=fixed_now)
    response = send("sync", "PUT", server.url("/blob"), auth=auth, content=_chunks())
    assert response.status_code == 401  # a consumed stream cannot be replayed (G3)
    assert provider.hits == 0
    (sent,) = server.requests
    assert sent.header("Transfer-Encoding") == "chunked"
    assert sent.body == b'{"a": 1}'


@pytest.mark.checklist("H1")
@pytest.mark.parametrize("repeat", range(3))
def test_oauth2_fifty_threads_on_one_client_refresh_once(
    server: LoopbackServer, repeat: int
) -> None:
    provider = OAuth2Provider(delay=0.1)
    client = provider.install(server)
    hooks: list[str] = []
    auth = OAuth2Auth(
        client, EXPIRED, on_token=lambda t: hooks.append(t.access_token), now=fixed_now
    )
    with httpx.Client(
        auth=auth, timeout=10, verify=TLS, limits=httpx.Limits(max_connections=50)
    ) as http:
        results = run_threads(50, lambda: http.get(server.url("/me")).json())
    assert results == [{"token": "AT-1"}] * 50
    assert hooks == ["AT-1"]  # the hook ran once, for the one new token
    assert_refreshed_once(server, provider, 50)


@pytest.mark.checklist("H2")
@pytest.mark.parametrize("repeat", range(3))
def test_oauth2_two_hundred_coroutines_on_one_client_refresh_once(
    server: LoopbackServer, repeat: int
) -> None:
    provider = OAuth2Provider(delay=0.1)
    client = provider.install(server)
    hooks: list[str] = []
    auth = OAuth2Auth(
        client, EXPIRED, on_token=lambda t: hooks.append(t.access_token), now=fixed_now
    )

    async def main() -> list[object]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(auth=auth, timeout=10, verify=TLS, limits=limits) as http:

            async def call() -> object:
                return (await http.get(server.url("/me"))).json()

            return await asyncio.gather(*(call() for _ in range(200)))

    assert asyncio.run(main()) == [{"token": "AT-1"}] * 200
    assert hooks == ["AT-1"]
    assert_refreshed_once(server, provider, 200)


@pytest.mark.checklist("H3")
def test_oauth2_failed_refresh_reaches_every_waiter_as_the_same_error(
    server: LoopbackServer,
) -> None:
    provider = OAuth2Provider(delay=0.3, fail=True)
    client = provider.install(server)
    auth = OAuth2Auth(client, EXPIRED, now=fixed_now)
    with httpx.Client(auth=auth, timeout=10, verify=TLS) as http:
        results = run_threads(20, lambda: http.get(server.url("/me")))

    async def main() -> list[object]:
        async with httpx.AsyncClient(auth=auth, timeout=10, verify=TLS) as http:
            calls = (http.get(server.url("/me")) for _ in range(50))
            return await asyncio.gather(*calls, return_exceptions=True)

    for batch in (results, asyncio.run(main())):
        assert_one_shared_error(batch, InvalidGrantError)
    assert provider.hits == 2  # one per batch
    assert not [r for r in server.requests if r.path == "/me"]  # the old token never went out
    provider.fail = False  # the store is not wedged: the next caller tries again
    assert send("async", "GET", server.url("/me"), auth=auth).json() == {"token": "AT-3"}


@pytest.mark.checklist("H4")
def test_oauth2_sync_and_async_auths_sharing_a_store_refresh_once(
    server: LoopbackServer,
) -> None:
    provider = OAuth2Provider(delay=0.2)
    client = provider.install(server)
    store = TokenStore(EXPIRED)
    sync_auth, async_auth = (OAuth2Auth(client, store, now=fixed_now) for _ in range(2))

    async def coroutines() -> list[object]:
        async with httpx.AsyncClient(auth=async_auth, timeout=10, verify=TLS) as http:
            calls = (http.get(server.url("/me")) for _ in range(20))
            return [r.json() for r in await asyncio.gather(*calls)]

    turns = itertools.count()

    def target() -> object:
        if next(turns) == 0:  # one thread runs the coroutines, four send synchronously
            return asyncio.run(coroutines())
        with httpx.Client(auth=sync_auth, timeout=10, verify=TLS) as http:
            return [http.get(server.url("/me")).json()]

    results = run_threads(5, target)
    assert sorted(len(r) for r in results if isinstance(r, list)) == [1, 1, 1, 1, 20]
    assert all(r == [{"token": "AT-1"}] * len(r) for r in results if isinstance(r, list))
    assert provider.hits == 1
    assert store.token.access_token == "AT-1"


@pytest.mark.checklist("G7")
@pytest.mark.parametrize("kind", PLAIN)
def test_oauth2_failing_hook_keeps_the_new_token(server: LoopbackServer, kind: str) -> None:
    provider = OAuth2Provider()
    client = provider.install(server)

    def hook(token: Token) -> None:
        raise OSError("disk full")

    auth = OAuth2Auth(client, EXPIRED, on_token=hook, now=fixed_now)
    with pytest.raises(TokenUpdateError) as caught:
        send(kind, "GET", server.url("/me"), auth=auth)
    assert_new_token_kept(caught.value)
    assert auth.token.access_token == "AT-1"


@pytest.mark.checklist("I1")
def test_oauth2_auth_pickles_and_hides_its_tokens(server: LoopbackServer) -> None:
    provider = OAuth2Provider()
    client = provider.install(server)
    auth = OAuth2Auth(client, EXPIRED, now=fixed_now)
    copy = pickle.loads(pickle.dumps(auth))  # noqa: S301 (our own bytes)
    assert copy.token == EXPIRED
    assert send("sync", "GET", server.url("/me"), auth=copy).json() == {"token": "AT-1"}
    assert "AT-0" not in repr(auth)
    assert "RT-0" not in repr(auth)


# Redirects.


@pytest.mark.checklist("D3")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("kind", KINDS)
def test_same_origin_redirect_is_signed_again_with_a_fresh_nonce(
    server: LoopbackServer, status: int, kind: str
) -> None:
    provider = OAuth1Provider().install(server)
    provider.redirects["/start"] = Reply.redirect("/end?page=2", status)
    response = send(
        kind, "POST", server.url("/start"), auth=OAuth1Auth(HMAC, TOKEN), data={"a": "1"}
    )
    assert response.status_code == 200, response.text
    assert_signed_again_with_a_fresh_nonce(provider, server, status, response.json())
    assert [r.status_code for r in response.history] == [status]
    assert response.next_request is None


AUTHS: dict[str, Callable[[LoopbackServer], httpx.Auth]] = credential_auths(
    OAuth1Auth, OAuth2Auth, OflyAuth
)


@pytest.mark.checklist("D1", "D3")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("auth_kind", sorted(AUTHS))
def test_cross_origin_redirect_carries_no_credentials(
    server: LoopbackServer, other: LoopbackServer, status: int, kind: str, auth_kind: str
) -> None:
    redirect_to_other(server, other, status)
    cookies = {"sid": "cookie-secret"}
    response = send(
        kind,
        "GET",
        server.url("/start"),
        auth=AUTHS[auth_kind](server),
        client_options={"cookies": cookies},
    )
    assert response.json() == {"landed": True}
    assert server.requests[0].header("Cookie") == "sid=cookie-secret"
    (landed,) = other.requests
    assert_carries_no_credentials(landed)


CALLER_HEADERS = [
    ("authorization", "Basic dTpw"),
    ("Authorization", "Basic second"),
    ("COOKIE", "a=b"),
    ("cookie", "c=d"),
    ("Proxy-Authorization", "Basic x"),
    ("proxy-AUTHORIZATION", "Basic y"),
]


@pytest.mark.checklist("D1", "D2")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("kind", KINDS)
def test_cross_origin_redirect_drops_every_copy_of_the_callers_credential_headers(
    server: LoopbackServer, other: LoopbackServer, status: int, kind: str
) -> None:
    redirect_to_other(server, other, status)
    # A plain client cannot follow without an oauthcore auth: Ofly signs only the URL.
    auth = None if kind.startswith("oauth") else AUTHS["ofly"](server)
    assert send(kind, "GET", server.url("/start"), auth=auth, headers=CALLER_HEADERS).is_success
    assert len(server.requests[0].all("Authorization")) == 2
    assert len(server.requests[0].all("Proxy-Authorization")) == 2
    assert_carries_no_credentials(other.requests[0])


@pytest.mark.checklist("D1")
@pytest.mark.parametrize("kind", KINDS)
def test_origin_change_is_never_undone(
    server: LoopbackServer, other: LoopbackServer, kind: str
) -> None:
    """Strip once, never add back: a hop back to the first origin is not signed either."""
    provider = OAuth1Provider().install(server)
    provider.redirects["/start"] = Reply.redirect(other.url("/bounce"))
    other.fallback = lambda _: Reply.redirect(server.url("/back"))
    response = send(kind, "GET", server.url("/start"), auth=OAuth1Auth(HMAC, TOKEN))
    assert response.status_code == 400  # the server refuses the unsigned request
    assert_carries_no_credentials(other.requests[0])
    assert_carries_no_credentials(server.requests[-1])
    assert len(provider.verified) == 1


@pytest.mark.checklist("D1")
@pytest.mark.parametrize("kind", KINDS)
def test_scheme_relative_location_is_resolved_and_policy_checked(
    server: LoopbackServer, other: LoopbackServer, kind: str
) -> None:
    server.fallback = lambda _: Reply.redirect(f"//127.0.0.1:{other.port}/x")
    other.fallback = lambda _: Reply.json({"landed": True})
    assert send(kind, "GET", server.url("/"), auth=OAuth1Auth(HMAC, TOKEN)).is_success
    assert_carries_no_credentials(other.requests[0])


@pytest.mark.checklist("C5", "D1")
def test_tls_downgrade_is_refused_and_upgrade_drops_credentials() -> None:
    # No TLS server here: the redirect step is called with real httpx responses.
    base = Request.build(
        "GET", "https://api.example/r", headers={"Authorization": "Bearer AT-0", "Cookie": "a=b"}
    )
    downgrade = httpx.Response(302, headers={"Location": "http://api.example/r"})
    with pytest.raises(RedirectPolicyError, match="https"):
        redirect_hop(
            base, downgrade, streamed=False, hops=0, max_hops=5, allow_insecure_transport=False
        )
    local = Request.build("GET", "http://127.0.0.1:8080/r", headers=dict(base.headers))
    upgrade = httpx.Response(302, headers={"Location": "https://127.0.0.1:8080/r"})
    hop = redirect_hop(
        local, upgrade, streamed=False, hops=0, max_hops=5, allow_insecure_transport=False
    )
    assert hop.url == "https://127.0.0.1:8080/r"
    assert hop.header("Authorization") is None
    assert hop.header("Cookie") is None


def _run_token_flow(kind: str, client: ClientConfig) -> object:
    flow = token_flow(build_client_credentials_request(client))
    if kind == "sync":
        with httpx.Client(verify=TLS) as http:
            return send_flow(http, flow)
    if kind == "oauth-sync":
        with OAuthClient(verify=TLS) as oauth_http:
            return send_flow(oauth_http, flow)

    async def main() -> object:
        if kind == "async":
            async with httpx.AsyncClient(verify=TLS) as http:
                return await async_send_flow(http, flow)
        async with AsyncOAuthClient(verify=TLS) as oauth_http:
            return await async_send_flow(oauth_http, flow)

    return asyncio.run(main())


@pytest.mark.checklist("D4", "D5")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("kind", KINDS)
def test_token_endpoint_redirect_is_not_followed(
    server: LoopbackServer, other: LoopbackServer, status: int, kind: str
) -> None:
    server.fallback = lambda _: Reply.redirect(other.url("/token"), status)
    with pytest.raises(RedirectPolicyError) as caught:
        _run_token_flow(kind, client_credentials(server))
    assert_token_redirect_refused(caught.value, status, server, other)


@pytest.mark.checklist("D4", "D5")
@pytest.mark.parametrize("kind", PLAIN)
def test_refresh_redirect_is_not_followed(
    server: LoopbackServer, other: LoopbackServer, kind: str
) -> None:
    OAuth2Provider().install(server)
    server.route("/token", Reply.redirect(other.url("/token"), 307))
    auth = OAuth2Auth(client_credentials(server), EXPIRED, now=fixed_now)
    with pytest.raises(RefreshOutcomeUnknown) as caught:
        send(kind, "GET", server.url("/me"), auth=auth)
    assert_refresh_redirect_refused(caught.value, server, other)


@pytest.mark.checklist("D6")
@pytest.mark.parametrize("kind", KINDS)
def test_redirect_loop_stops_after_five_hops(server: LoopbackServer, kind: str) -> None:
    server.fallback = redirect_loop
    with pytest.raises(RedirectPolicyError, match="more than 5"):
        send(kind, "GET", server.url("/loop/0"), auth=OAuth1Auth(HMAC, TOKEN))
    assert len(server.requests) == 1 + MAX_HOPS


@pytest.mark.checklist("D7")
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("location", NON_HTTP_LOCATIONS)
def test_redirect_to_a_non_http_scheme_is_refused(
    server: LoopbackServer, location: str, kind: str
) -> None:
    server.fallback = lambda _: Reply.redirect(location)
    # httpx itself refuses a Location it cannot parse (javascript:, data:) before a plain
    # client hands the response over, with its own InvalidURL; OAuthClient says it as policy.
    refused = RedirectPolicyError if kind.startswith("oauth") else OAuthOrHttpxError
    with pytest.raises(refused):
        send(kind, "GET", server.url("/"), auth=OAuth1Auth(HMAC, TOKEN))
    assert len(server.requests) == 1


@pytest.mark.checklist("D8", "M2")
@pytest.mark.parametrize("kind", KINDS)
def test_redirect_body_is_never_decoded(server: LoopbackServer, kind: str) -> None:
    bomb = gzip_bomb()
    headers = [("Location", "/ok"), ("Content-Encoding", "gzip")]
    server.route("/bomb", Reply(status=302, headers=headers, body=bomb))
    server.route("/ok", Reply.json({"ok": True}))
    options = {"max_body_bytes": MAX_BODY_BYTES} if kind.startswith("oauth") else {}
    response = send(kind, "GET", server.url("/bomb"), auth=OAuth1Auth(HMAC), client_options=options)
    assert response.json() == {"ok": True}
    assert response.history[0].status_code == 302
    assert response.history[0].content == b""  # dropped unread
    # Nor by a token request, which refuses the redirect without reading it.
    with httpx.Client(verify=TLS) as http, pytest.raises(RedirectPolicyError):
        send_request(http, build_client_credentials_request(client_credentials(server, "/bomb")))


@pytest.mark.checklist("D4")
@pytest.mark.parametrize("kind", PLAIN)
def test_a_client_following_redirects_itself_is_refused(server: LoopbackServer, kind: str) -> None:
    server.route("/a", Reply.redirect("/b"))
    server.route("/b", Reply.json({"b": True}))
    with pytest.raises(RedirectPolicyError, match="follow_redirects=False"):
        send(
            kind,
            "GET",
            server.url("/a"),
            auth=OAuth1Auth(HMAC),
            client_options={"follow_redirects": True},
        )


@pytest.mark.parametrize("kind", ["oauth-sync", "oauth-async"])
def test_oauth_client_redirects_without_auth_and_follow_redirects_false(
    server: LoopbackServer, kind: str
) -> None:
    server.route("/a", Reply.redirect("/b"))
    server.route("/b", Reply.json({"b": True}))
    assert send(kind, "GET", server.url("/a")).json() == {"b": True}
    unfollowed = send(kind, "GET", server.url("/a"), auth=OAuth1Auth(HMAC), follow_redirects=False)
    assert unfollowed.status_code == 302
    assert unfollowed.next_request is None
    assert [r.path for r in server.requests] == ["/a", "/b", "/a"]


# Bodies: caps after decompression, codings, endless streams (A4, A5, M1, M2).


@pytest.mark.checklist("A4", "M1")
@pytest.mark.parametrize("kind", PLAIN)
@pytest.mark.parametrize("reply", OVERSIZED_TOKEN_REPLIES)
def test_token_body_is_capped(server: LoopbackServer, reply: Reply, kind: str) -> None:
    server.route("/token", reply)
    with pytest.raises(ResponseTooLargeError):
        _run_token_flow(kind, client_credentials(server))


@pytest.mark.checklist("A5", "M2")
@pytest.mark.parametrize("kind", KINDS)
def test_gzip_bomb_is_capped_after_decompression(server: LoopbackServer, kind: str) -> None:
    route_gzip_bomb(server)
    with pytest.raises(ResponseTooLargeError):
        _run_token_flow(kind, client_credentials(server))
    if kind.startswith("oauth"):
        options = {"max_body_bytes": MAX_BODY_BYTES}
        with pytest.raises(ResponseTooLargeError):
            send(kind, "GET", server.url("/token"), client_options=options)


@pytest.mark.checklist("A5", "M2")
@pytest.mark.parametrize("kind", KINDS)
def test_three_stacked_codings_are_refused(server: LoopbackServer, kind: str) -> None:
    server.route("/token", stacked_codings())
    with pytest.raises(ResponseTooLargeError, match="content-codings"):
        _run_token_flow(kind, client_credentials(server))
    if kind.startswith("oauth"):
        with pytest.raises(ResponseTooLargeError):
            send(kind, "GET", server.url("/token"))


@pytest.mark.checklist("M2")
def test_resource_body_cap_and_streaming(server: LoopbackServer) -> None:
    server.route("/big", Reply(body=b"x" * BIG))
    with OAuthClient(max_body_bytes=MAX_BODY_BYTES, verify=TLS) as http:
        with pytest.raises(ResponseTooLargeError):
            http.get(server.url("/big"))
        with http.stream("GET", server.url("/big")) as streamed:
            assert sum(len(chunk) for chunk in streamed.iter_bytes()) == BIG

    async def main() -> None:
        async with AsyncOAuthClient(max_body_bytes=MAX_BODY_BYTES, verify=TLS) as http:
            with pytest.raises(ResponseTooLargeError):
                await http.get(server.url("/big"))
            async with http.stream("GET", server.url("/big")) as streamed:
                assert sum([len(chunk) async for chunk in streamed.aiter_bytes()]) == BIG

    asyncio.run(main())


@pytest.mark.checklist("A4")
def test_short_lying_content_length_ends_the_body(server: LoopbackServer) -> None:
    server.route("/token", Reply.endless(headers=[("Content-Length", "10")]))
    with httpx.Client(verify=TLS) as http:
        response = send_request(http, Request(method="GET", url=server.url("/token")))
    assert response.body == b"x" * 10


# Defaults and timeouts (M3, T10), TLS and the environment (C7, C9), the import guard (N5).


def _ssl_context(client: httpx.Client | httpx.AsyncClient) -> ssl.SSLContext:
    """The SSL context the client's transport actually uses (httpx keeps it in httpcore)."""
    pool = client._transport._pool  # type: ignore[union-attr]  # the default transport's pool
    context: ssl.SSLContext = pool._ssl_context
    return context


def test_safe_defaults_are_set() -> None:
    """SECURITY-CHECKLIST §4.2 T10 for this adapter: timeouts, caps, redirects, TLS, env."""
    expected = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=30.0)
    assert expected == DEFAULT_TIMEOUT
    assert DEFAULT_DEADLINE == 60.0
    for factory in (OAuthClient, AsyncOAuthClient):
        client = factory()
        assert client.timeout == DEFAULT_TIMEOUT
        assert None not in (client.timeout.connect, client.timeout.read, client.deadline)
        assert client.max_redirects == MAX_HOPS == 5
        assert client.follow_redirects is True  # by oauthcore; httpx itself never follows
        assert client.max_body_bytes == MAX_RESOURCE_BYTES
        assert client.trust_env is False  # no proxies, CA bundle or netrc from the environment
        context = _ssl_context(client)
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname
        if isinstance(client, httpx.Client):
            client.close()
        else:
            asyncio.run(client.aclose())
    for function in (send_flow, send_request, async_send_flow, async_send_request):
        parameters = inspect.signature(function).parameters
        assert parameters["timeout"].default == DEFAULT_TIMEOUT
        assert parameters["max_bytes"].default == MAX_BODY_BYTES == 1024 * 1024
        assert parameters["deadline"].default == 60.0
    auth = OAuth2Auth(ClientConfig(client_id="app"), Token(access_token="AT"))
    assert (auth.timeout, auth.deadline, auth.max_bytes) == (DEFAULT_TIMEOUT, 60.0, MAX_BODY_BYTES)
    ofly = OflyAuth(OflyCredentials(app_id="a", app_secret="s"), "u")
    assert OAuth1Auth(HMAC).max_redirects == ofly.max_redirects == auth.max_redirects == 5


@pytest.mark.checklist("M3")
def test_stalled_server_times_out_within_the_timeout(server: LoopbackServer) -> None:
    server.fallback = lambda _: Reply(stall=True)
    request = Request(method="GET", url=server.url("/"))
    timeout = httpx.Timeout(0.5, connect=1.0)
    started = time.monotonic()
    with httpx.Client(verify=TLS) as http, pytest.raises(httpx.ReadTimeout):
        send_request(http, request, timeout=timeout)
    assert time.monotonic() - started < 0.5 + 1

    async def main() -> None:
        async with httpx.AsyncClient(verify=TLS) as http:
            await async_send_request(http, request, timeout=timeout)

    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        asyncio.run(main())
    assert time.monotonic() - started < 0.5 + 1
    for kind in ("oauth-sync", "oauth-async"):
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            send(kind, "GET", server.url("/"), client_options={"timeout": 0.5})
        assert time.monotonic() - started < 0.5 + 1


@pytest.mark.checklist("M3")
@pytest.mark.parametrize("kind", ["oauth-sync", "oauth-async"])
@pytest.mark.parametrize("chunked", [True, False])
def test_trickling_body_is_cut_at_the_deadline(
    server: LoopbackServer, chunked: bool, kind: str
) -> None:
    reply = trickle(chunked)
    server.fallback = lambda _: reply
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout, match="deadline"):
        send(kind, "GET", server.url("/"), client_options={"deadline": 1.0})
    assert time.monotonic() - started < 1.0 + 1


@pytest.mark.checklist("C7")
@pytest.mark.parametrize("kind", ["oauth-sync", "oauth-async"])
def test_environment_is_ignored(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    install_netrc(tmp_path, monkeypatch)
    # A proxy that does not exist: a client reading the environment would fail to connect.
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    server.route("/a", Reply.redirect("/b"))
    server.fallback = lambda _: Reply.json({"ok": True})
    assert send(kind, "GET", server.url("/a")).json() == {"ok": True}
    assert [r.header("Authorization") for r in server.requests] == [None, None]


@pytest.mark.checklist("C9")
def test_tls_verification_is_off_only_by_its_named_option(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(ConfigurationError, match="insecure_skip_tls_verify"):
        OAuthClient(verify=False)
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    with pytest.raises(ConfigurationError, match="C9"):
        AsyncOAuthClient(verify=unverified)
    with (
        caplog.at_level(logging.WARNING, logger="oauthcore"),
        OAuthClient(insecure_skip_tls_verify=True) as insecure,
    ):
        assert _ssl_context(insecure).verify_mode == ssl.CERT_NONE
        assert insecure.insecure_skip_tls_verify
    records = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(records) == 1
    assert "insecure_skip_tls_verify" in records[0].getMessage()


@pytest.mark.checklist("N5")
def test_import_without_httpx_raises_missing_dependency() -> None:
    assert import_without("httpx", "oauthcore.adapters.httpx") == [
        "MissingDependencyError",
        "httpx",
        "httpx",
    ]

"""The urllib3 adapter against real HTTP(S) servers on 127.0.0.1 (no mocks of urllib3).

Signing is verified server-side with the core's own verifier; redirects go to a second
loopback server (another port: another origin); bodies, codings, timeouts, TLS and ``.netrc``
are exercised over real sockets. Checklist C5, C7, C9, D1-D8, E9, F7, G1, G3, G7, H1, H3-H8,
I1, I3, L1-L5, M1-M3, N5, and SECURITY-CHECKLIST §4.2 T6 (log canary), T8 (50 threads,
repeated) and T10 (safe defaults, stalled server).
"""

from __future__ import annotations

import gzip
import inspect
import itertools
import json
import logging
import pickle
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import urllib3
from loopback import LoopbackServer, Reply, gzip_bomb, serve
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
    self_signed_certificate,
    serve_tls,
    stacked_codings,
    trickle,
)
from urllib3 import HTTPHeaderDict, PoolManager, Retry, Timeout

from oauthcore import (
    ConfigurationError,
    InsecureTransportError,
    InvalidGrantError,
    OAuthError,
    RedirectPolicyError,
    RefreshOutcomeUnknown,
    ResponseTooLargeError,
    TokenUpdateError,
)
from oauthcore.adapters._logging import URLLIB3_LOGGERS, UrlRedactingFilter, redact_log_text
from oauthcore.adapters.urllib3 import (
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    MAX_RESOURCE_BYTES,
    AuthBase,
    OAuth1Auth,
    OAuth2Auth,
    OAuthClient,
    OflyAuth,
    TokenStore,
    new_pool_manager,
    send_flow,
    send_request,
)
from oauthcore.http import Request
from oauthcore.limits import MAX_BODY_BYTES
from oauthcore.oauth1 import Placement, SignatureMethod, TokenCredentials
from oauthcore.oauth2 import (
    BearerPlacement,
    ClientConfig,
    Token,
    build_client_credentials_request,
    token_flow,
)
from oauthcore.redirects import MAX_HOPS

CANARY = "AT-canary-5f1c0e"


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    yield from serve()


@pytest.fixture
def other() -> Iterator[LoopbackServer]:
    """A second server: same host, another port, so another origin."""
    yield from serve()


@pytest.fixture
def client() -> Iterator[OAuthClient]:
    with OAuthClient() as made:
        yield made


@pytest.fixture(scope="module")
def rsa_pem() -> str:
    return new_rsa_pem()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls(certificate: tuple[Path, Path]) -> Iterator[LoopbackServer]:
    yield from serve_tls(*certificate)


def _json(response: urllib3.BaseHTTPResponse) -> object:
    return json.loads(response.data)


# OAuth 1.0a.


@pytest.mark.checklist("D3", "F7")
@pytest.mark.parametrize("placement", list(Placement))
@pytest.mark.parametrize("method", list(SignatureMethod))
def test_oauth1_every_method_and_placement_verifies(
    server: LoopbackServer,
    client: OAuthClient,
    rsa_pem: str,
    method: SignatureMethod,
    placement: Placement,
) -> None:
    provider = OAuth1Provider(rsa_pem).install(server)
    auth = OAuth1Auth(client_for(method, rsa_pem), TOKEN, placement=placement)
    response = client.request(
        "POST",
        server.url("/x/../photos?size=original&tilde=~a&size=x&e=%7e"),
        fields={"form": "a b", "snow": "☃"},
        encode_multipart=False,
        auth=auth,
    )
    assert response.status == 200, response.data
    assert len(provider.verified) == 1
    sent = server.requests[-1]
    assert_signature_carried(sent, placement)
    assert sent.path == "/photos"  # normalised by urllib3 before signing: signed as sent
    assert (sent.form["form"], sent.form["snow"]) == ("a b", "☃")
    assert "tilde=~a" in sent.target  # tilde is not encoded (rauth #186)


@pytest.mark.parametrize("method", [SignatureMethod.HMAC_SHA1, SignatureMethod.RSA_SHA256])
def test_oauth1_json_and_multipart_bodies_are_covered_by_the_body_hash(
    server: LoopbackServer, client: OAuthClient, rsa_pem: str, method: SignatureMethod
) -> None:
    provider = OAuth1Provider(rsa_pem).install(server)
    auth = OAuth1Auth(client_for(method, rsa_pem), TOKEN)
    response = client.request("POST", server.url("/items?q=1"), json={"a": [1, 2]}, auth=auth)
    assert response.status == 200, response.data
    assert json.loads(server.requests[-1].body) == {"a": [1, 2]}
    assert "oauth_body_hash=" in (server.requests[-1].header("Authorization") or "")
    assert provider.verified[-1].body_signed
    multipart = client.request("POST", server.url("/up"), fields={"f": ("a.txt", b"x")}, auth=auth)
    assert multipart.status == 200, multipart.data
    assert provider.verified[-1].body_signed


def test_oauth1_get_query_placement_and_no_double_signing(
    server: LoopbackServer, client: OAuthClient
) -> None:
    provider = OAuth1Provider().install(server)
    auth = OAuth1Auth(HMAC, TOKEN, placement=Placement.QUERY)
    assert client.request("GET", server.url("/r?a=1&a=2&b=%20x"), auth=auth).status == 200
    assert client.request("GET", server.url("/r"), fields={"c": "d"}, auth=auth).status == 200
    # A request that carries a signature already is sent as it is.
    signed = OAuth1Auth(HMAC, TOKEN).sign(Request(method="GET", url=server.url("/r")))
    response = client.request("GET", signed.url, headers=dict(signed.headers), auth=auth)
    assert response.status == 200
    assert server.requests[-1].header("Authorization") == signed.header("Authorization")
    assert len(provider.verified) == 3


def test_streamed_bodies_only_with_auths_that_do_not_sign_them(
    server: LoopbackServer, client: OAuthClient
) -> None:
    with pytest.raises(ConfigurationError, match="streamed"):
        client.request("POST", server.url("/r"), body=iter([b"a"]), auth=OAuth1Auth(HMAC))
    assert server.requests == []
    server.fallback = lambda _: Reply.json({"ok": True})
    ofly = OflyAuth(OFLY, "u1")
    response = client.request("POST", server.url("/r"), body=iter([b"ab", b"c"]), auth=ofly)
    assert response.status == 200
    assert server.requests[-1].body == b"abc"


@pytest.mark.checklist("I1")
def test_oauth1_auth_pickles_and_signs_identically() -> None:
    auth = OAuth1Auth(HMAC, TOKEN, now=fixed_now, nonce=FixedNonce("n" * 24))
    copy = pickle.loads(pickle.dumps(auth))  # noqa: S301 (our own bytes)
    request = Request(method="GET", url="https://api.example/r?x=1")
    assert auth.sign(request) == copy.sign(request)
    assert "TS-token-secret" not in repr(auth)
    assert "CS-secret" not in repr(auth)


@pytest.mark.checklist("H8")
def test_oauth1_nonces_are_unique_across_threads() -> None:
    auth = OAuth1Auth(HMAC, TOKEN)
    request = Request(method="GET", url="https://api.example/r")

    def sign_many() -> object:
        return [auth.sign(request).header("Authorization") for _ in range(200)]

    headers = [h for batch in run_threads(20, sign_many) for h in batch]  # type: ignore[attr-defined]
    nonces = {h.split('oauth_nonce="')[1].split('"')[0] for h in headers}
    assert len(nonces) == len(headers) == 4000


# Ofly.


@pytest.mark.checklist("L1", "L2", "L3")
def test_ofly_signs_url_and_params_with_padded_milliseconds(
    server: LoopbackServer, client: OAuthClient
) -> None:
    server.fallback = lambda _: Reply.json({"ok": True})
    auth = OflyAuth(OFLY, "u1", now=lambda: OFLY_MOMENT)
    response = client.request("GET", server.url("/album?x=1&b=2%203"), auth=auth)
    assert response.status == 200
    assert_ofly_signed(server.requests[-1])


@pytest.mark.checklist("L4", "L5")
def test_ofly_refuses_bad_input_and_plain_http(client: OAuthClient) -> None:
    remote = Request(method="GET", url="http://ws.example/x")
    with pytest.raises(InsecureTransportError):
        OflyAuth(OFLY, "u").sign(remote)
    assert "oflyApiSig=" in OflyAuth(OFLY, "u", allow_insecure_transport=True).sign(remote).url
    with pytest.raises(ConfigurationError):
        OflyAuth(OFLY, "").sign(Request(method="GET", url="https://ws.example/x"))
    with pytest.raises(ConfigurationError):
        client.request("GET", "https://ws.example/x", auth=OflyAuth(OFLY, "u", hash_method="x"))


# OAuth 2.0: bearer and refresh.


def test_oauth2_presents_the_token_in_the_header_or_query(
    server: LoopbackServer, client: OAuthClient
) -> None:
    config = OAuth2Provider().install(server)
    token = Token(access_token="AT-0")
    assert client.request("GET", server.url("/me"), auth=OAuth2Auth(config, token)).status == 200
    assert server.requests[-1].header("Authorization") == "Bearer AT-0"
    query = OAuth2Auth(config, token, placement=BearerPlacement.QUERY)
    assert client.request("GET", server.url("/me"), auth=query).status == 200
    assert server.requests[-1].query["access_token"] == "AT-0"
    assert server.requests[-1].header("Authorization") is None
    assert server.requests[-1].header("Cache-Control") == "no-store"


@pytest.mark.checklist("G1")
def test_oauth2_renews_an_expired_token_before_sending(server: LoopbackServer) -> None:
    provider = OAuth2Provider()
    config = provider.install(server)
    seen: list[Token] = []
    auth = OAuth2Auth(config, EXPIRED, on_token=seen.append, now=fixed_now)
    with OAuthClient(auth) as client:
        assert _json(client.request("GET", server.url("/me"))) == {"token": "AT-1"}
    assert_renewed_before_sending(server, provider, seen, auth.token)


@pytest.mark.checklist("G3")
def test_oauth2_renews_once_after_invalid_token(server: LoopbackServer) -> None:
    provider = OAuth2Provider(valid="AT-elsewhere")
    config = provider.install(server)
    auth = OAuth2Auth(config, Token(access_token="AT-0", refresh_token="RT-0"), now=fixed_now)
    with OAuthClient(auth) as client:
        assert _json(client.request("GET", server.url("/me"))) == {"token": "AT-1"}
        assert [r.path for r in server.requests] == ["/me", "/token", "/me"]
        assert provider.hits == 1
        # A token that keeps failing is renewed once, the request replayed once: no loop.
        provider.reject = True
        server.clear()
        assert client.request("GET", server.url("/me")).status == 401
    assert_replayed_once(server, provider)


@pytest.mark.checklist("H1")
@pytest.mark.parametrize("round_", range(3))
def test_oauth2_fifty_threads_crossing_expiry_refresh_once(
    server: LoopbackServer, round_: int
) -> None:
    provider = OAuth2Provider(delay=0.1)
    config = provider.install(server)
    hooks: list[str] = []
    auth = OAuth2Auth(
        config, EXPIRED, on_token=lambda t: hooks.append(t.access_token), now=fixed_now
    )
    client = OAuthClient(auth, pool=PoolManager(maxsize=50))

    def call() -> object:
        return _json(client.request("GET", server.url("/me")))

    results = run_threads(50, call)
    assert results == [{"token": "AT-1"}] * 50
    assert hooks == ["AT-1"]  # the hook ran once, for the one new token
    assert_refreshed_once(server, provider, 50)


@pytest.mark.checklist("H3")
def test_oauth2_failed_refresh_reaches_every_waiter_as_the_same_error(
    server: LoopbackServer,
) -> None:
    provider = OAuth2Provider(delay=0.3, fail=True)
    config = provider.install(server)
    client = OAuthClient(OAuth2Auth(config, EXPIRED, now=fixed_now), pool=PoolManager(maxsize=20))
    results = run_threads(20, lambda: client.request("GET", server.url("/me")))
    assert_one_shared_error(results, InvalidGrantError)
    assert provider.hits == 1
    assert not [r for r in server.requests if r.path == "/me"]  # the old token never went out
    provider.fail = False  # the store is not wedged: the next caller tries again
    assert _json(client.request("GET", server.url("/me"))) == {"token": "AT-2"}


@pytest.mark.checklist("H6", "G5")
def test_oauth2_refresh_that_times_out_fails_every_waiter_promptly(
    server: LoopbackServer,
) -> None:
    provider = OAuth2Provider()
    config = provider.install(server)
    server.route("/token", Reply(stall=True))
    auth = OAuth2Auth(config, EXPIRED, now=fixed_now, timeout=Timeout(connect=1, read=0.3))
    client = OAuthClient(auth, pool=PoolManager(maxsize=10))
    started = time.monotonic()
    results = run_threads(10, lambda: client.request("GET", server.url("/me")))
    assert time.monotonic() - started < 0.3 + 1
    assert all(isinstance(result, RefreshOutcomeUnknown) for result in results)
    assert len([r for r in server.requests if r.path == "/token"]) == 1


@pytest.mark.checklist("H4")
def test_oauth2_auths_sharing_a_store_refresh_once(server: LoopbackServer) -> None:
    provider = OAuth2Provider(delay=0.1)
    config = provider.install(server)
    store = TokenStore(EXPIRED)
    clients = [OAuthClient(OAuth2Auth(config, store, now=fixed_now)) for _ in range(2)]
    turns = itertools.count()  # next() on a count is atomic: threads alternate clients
    results = run_threads(
        20, lambda: _json(clients[next(turns) % 2].request("GET", server.url("/me")))
    )
    assert results == [{"token": "AT-1"}] * 20
    assert provider.hits == 1
    assert store.token.access_token == "AT-1"


@pytest.mark.checklist("H5")
def test_two_grants_refresh_concurrently_without_cross_talk(
    server: LoopbackServer, other: LoopbackServer
) -> None:
    first, second = OAuth2Provider(delay=0.1), OAuth2Provider(delay=0.1)
    configs = [first.install(server), second.install(other)]
    stores = [TokenStore(EXPIRED), TokenStore(EXPIRED)]
    clients = [
        OAuthClient(OAuth2Auth(c, s, now=fixed_now)) for c, s in zip(configs, stores, strict=True)
    ]
    servers = [server, other]

    def call(index: int) -> object:
        return _json(clients[index].request("GET", servers[index].url("/me")))

    turns = itertools.count()
    results = run_threads(20, lambda: call(next(turns) % 2))
    assert results == [{"token": "AT-1"}] * 20
    assert (first.hits, second.hits) == (1, 1)
    assert {r.header("Authorization") for r in server.requests if r.path == "/me"} == {
        "Bearer AT-1"
    }


@pytest.mark.checklist("H7")
def test_a_token_replaced_during_a_refresh_is_not_overwritten(server: LoopbackServer) -> None:
    provider = OAuth2Provider()
    config = provider.install(server)
    store = TokenStore(EXPIRED)
    loaded = Token(access_token="AT-loaded", refresh_token="RT-loaded")
    provider.during_refresh = lambda: store.replace(loaded)
    with OAuthClient(OAuth2Auth(config, store, now=fixed_now)) as client:
        assert _json(client.request("GET", server.url("/me"))) == {"token": "AT-1"}
    assert store.token is loaded  # the slower refresher did not overwrite the newer token


@pytest.mark.checklist("G7")
def test_oauth2_hook_may_reenter_and_a_failing_hook_keeps_the_token(
    server: LoopbackServer,
) -> None:
    provider = OAuth2Provider()
    config = provider.install(server)
    nested: list[object] = []
    client = OAuthClient()

    def hook(token: Token) -> None:
        nested.append(_json(client.request("GET", server.url("/nested"))))

    client.auth = OAuth2Auth(config, EXPIRED, on_token=hook, now=fixed_now)
    assert run_threads(1, lambda: client.request("GET", server.url("/me")).status) == [200]
    assert nested == [{"token": "AT-1"}]

    def failing(token: Token) -> None:
        raise OSError("disk full")

    auth = OAuth2Auth(config, EXPIRED, on_token=failing, now=fixed_now)
    with pytest.raises(TokenUpdateError) as caught:
        client.request("GET", server.url("/me"), auth=auth)
    assert_new_token_kept(caught.value, "AT-2")
    assert auth.token.access_token == "AT-2"


@pytest.mark.checklist("I1")
def test_oauth2_auth_pickles_with_its_pool_and_lock_rebuilt(server: LoopbackServer) -> None:
    config = OAuth2Provider().install(server)
    auth = OAuth2Auth(config, EXPIRED, now=fixed_now)
    copy = pickle.loads(pickle.dumps(auth))  # noqa: S301 (our own bytes)
    assert copy.token == EXPIRED
    with OAuthClient(copy) as client:
        assert _json(client.request("GET", server.url("/me"))) == {"token": "AT-1"}
    assert "AT-0" not in repr(auth)
    assert "RT-0" not in repr(auth)
    with pytest.raises(TypeError, match="pool"):
        pickle.dumps(OAuth2Auth(config, EXPIRED, pool=PoolManager()))


# Redirects.


@pytest.mark.checklist("D3")
@pytest.mark.parametrize("status", STATUSES)
def test_same_origin_redirect_is_signed_again_with_a_fresh_nonce(
    server: LoopbackServer, client: OAuthClient, status: int
) -> None:
    provider = OAuth1Provider().install(server)
    provider.redirects["/start"] = Reply.redirect("/end?page=2", status)
    auth = OAuth1Auth(HMAC, TOKEN)
    response = client.request(
        "POST", server.url("/start"), fields={"a": "1"}, encode_multipart=False, auth=auth
    )
    assert response.status == 200, response.data
    assert_signed_again_with_a_fresh_nonce(provider, server, status, _json(response))


AUTHS: dict[str, Callable[[LoopbackServer], AuthBase]] = credential_auths(
    OAuth1Auth, OAuth2Auth, OflyAuth
)


@pytest.mark.checklist("D3")
@pytest.mark.parametrize("kind", ["bearer-header", "bearer-query", "ofly"])
def test_same_origin_redirect_carries_the_credential_again(
    server: LoopbackServer, client: OAuthClient, kind: str
) -> None:
    server.route("/start", Reply.redirect("/end", 302))
    server.route("/end", Reply.json({"ok": True}))
    response = client.request("GET", server.url("/start"), auth=AUTHS[kind](server))
    assert _json(response) == {"ok": True}
    start, end = server.requests
    for recorded in (start, end):
        carried = f"{recorded.header('Authorization')} {recorded.target}"
        assert ("AT-0" in carried) or ("oflyApiSig=" in carried)
    assert end.path == "/end"


@pytest.mark.checklist("D1", "D3")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("kind", sorted(AUTHS))
def test_cross_origin_redirect_carries_no_credentials(
    server: LoopbackServer, other: LoopbackServer, client: OAuthClient, status: int, kind: str
) -> None:
    redirect_to_other(server, other, status)
    auth: AuthBase = AUTHS[kind](server)
    response = client.request("GET", server.url("/start"), headers={"Cookie": "sid=c"}, auth=auth)
    assert _json(response) == {"landed": True}
    assert server.requests[0].header("Cookie") == "sid=c"
    (landed,) = other.requests
    assert_carries_no_credentials(landed)


@pytest.mark.checklist("D1", "D2")
@pytest.mark.parametrize("status", STATUSES)
def test_cross_origin_redirect_drops_every_copy_of_credential_headers(
    server: LoopbackServer, other: LoopbackServer, client: OAuthClient, status: int
) -> None:
    redirect_to_other(server, other, status)
    headers = HTTPHeaderDict()
    for name, value in [
        ("authorization", "Basic dTpw"),
        ("AUTHORIZATION", "Bearer second"),
        ("Cookie", "a=b"),
        ("COOKIE", "c=d"),
        ("proxy-AUTHORIZATION", "Basic x"),
        ("X-Kept", "yes"),
    ]:
        headers.add(name, value)
    assert client.request("GET", server.url("/start"), headers=headers).status == 200
    assert len(server.requests[0].all("Authorization")) == 2  # both copies went to the origin
    assert len(server.requests[0].all("Cookie")) == 2
    assert_carries_no_credentials(other.requests[0])
    assert other.requests[0].header("X-Kept") == "yes"


@pytest.mark.checklist("D1", "D3")
def test_credentials_never_come_back_after_leaving_the_origin(
    server: LoopbackServer, other: LoopbackServer, client: OAuthClient
) -> None:
    # origin A -> B -> A -> A: the hops after the first change are never signed again.
    server.route("/start", Reply.redirect(f"//127.0.0.1:{other.port}/bounce"))
    other.fallback = lambda _: Reply.redirect(server.url("/back"))
    server.route("/back", Reply.redirect("/final"))
    server.route("/final", Reply.json({"ok": True}))
    auth = OAuth1Auth(HMAC, TOKEN)
    assert _json(client.request("GET", server.url("/start"), auth=auth)) == {"ok": True}
    assert [r.path for r in server.requests] == ["/start", "/back", "/final"]
    assert "oauth_signature" in (server.requests[0].header("Authorization") or "")
    for recorded in (other.requests[0], server.requests[1], server.requests[2]):
        assert_carries_no_credentials(recorded)


@pytest.mark.checklist("C5", "C9", "D1")
def test_tls_downgrade_is_refused_and_upgrade_drops_credentials(
    server: LoopbackServer, tls: LoopbackServer, certificate: tuple[Path, Path]
) -> None:
    pool = PoolManager(ca_certs=str(certificate[0]))
    https = f"https://127.0.0.1:{tls.port}"
    tls.route("/down", Reply.redirect(server.url("/plain")))
    tls.route("/ok", Reply.json({"tls": True}))
    bearer = OAuth2Auth(ClientConfig(client_id="a"), Token(access_token="AT-0"))
    with (
        OAuthClient(bearer, pool=pool) as client,
        pytest.raises(RedirectPolicyError, match="https"),
    ):
        client.request("GET", f"{https}/down")
    assert server.requests == []
    assert tls.requests[0].header("Authorization") == "Bearer AT-0"
    # http -> https (another port: another origin) carries no credential.
    server.route("/up", Reply.redirect(f"{https}/ok"))
    with OAuthClient(OAuth1Auth(HMAC, TOKEN), pool=pool) as upgraded:
        assert _json(upgraded.request("GET", server.url("/up"))) == {"tls": True}
    assert_carries_no_credentials(tls.requests[-1])


@pytest.mark.checklist("D4", "D5")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("retries", [None, 3, Retry(redirect=5), Retry(total=0, redirect=0)])
def test_token_endpoint_redirect_is_not_followed(
    server: LoopbackServer, other: LoopbackServer, status: int, retries: Retry | int | None
) -> None:
    # A pool built with retries= (urllib3 CVE-2025-50181) changes nothing either way.
    server.fallback = lambda _: Reply.redirect(other.url("/token"), status)
    request = build_client_credentials_request(client_credentials(server))
    pool = PoolManager() if retries is None else PoolManager(retries=retries)
    with pytest.raises(RedirectPolicyError) as caught:
        send_flow(pool, token_flow(request))
    assert_token_redirect_refused(caught.value, status, server, other)


@pytest.mark.checklist("D4", "D5")
def test_refresh_redirect_is_not_followed(
    server: LoopbackServer, other: LoopbackServer, client: OAuthClient
) -> None:
    config = OAuth2Provider().install(server)
    server.route("/token", Reply.redirect(other.url("/token"), 307))
    with pytest.raises(RefreshOutcomeUnknown) as caught:
        client.request("GET", server.url("/me"), auth=OAuth2Auth(config, EXPIRED, now=fixed_now))
    assert_refresh_redirect_refused(caught.value, server, other)


@pytest.mark.checklist("D6")
def test_redirect_loop_stops_after_five_hops(server: LoopbackServer, client: OAuthClient) -> None:
    server.fallback = redirect_loop
    with pytest.raises(RedirectPolicyError, match="more than 5"):
        client.request("GET", server.url("/loop/0"), auth=OAuth1Auth(HMAC, TOKEN))
    assert len(server.requests) == 1 + MAX_HOPS


@pytest.mark.checklist("D7")
@pytest.mark.parametrize("location", NON_HTTP_LOCATIONS)
def test_redirect_to_a_non_http_scheme_is_refused(
    server: LoopbackServer, client: OAuthClient, location: str
) -> None:
    server.fallback = lambda _: Reply.redirect(location)
    with pytest.raises(RedirectPolicyError):
        client.request("GET", server.url("/"))
    assert len(server.requests) == 1


@pytest.mark.checklist("D8", "M2")
@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=302, headers=[("Location", "/ok"), ("Content-Encoding", "gzip")]),
        Reply(
            status=302,
            headers=[("Location", "/ok"), ("Content-Encoding", "gzip")],
            chunks=iter(lambda: b"\x1f\x8b not gzip " * 4096, None),
            chunked=True,
        ),
    ],
    ids=["gzip-bomb", "endless-undecodable"],
)
def test_redirect_body_is_never_decoded_nor_read(server: LoopbackServer, reply: Reply) -> None:
    if reply.chunks is None:
        reply.body = gzip_bomb()
    server.route("/bomb", reply)
    server.route("/ok", Reply.json({"ok": True}))
    started = time.monotonic()
    with OAuthClient(max_body_bytes=MAX_BODY_BYTES) as client:
        assert _json(client.request("GET", server.url("/bomb"))) == {"ok": True}
    # Nor by a token request, which refuses the redirect without reading it.
    request = build_client_credentials_request(client_credentials(server, "/bomb"))
    with pytest.raises(RedirectPolicyError):
        send_request(PoolManager(), request)
    assert time.monotonic() - started < 2


def test_redirect_false_returns_the_redirect_and_sends_nothing_else(
    server: LoopbackServer, client: OAuthClient
) -> None:
    server.route("/a", Reply.redirect("/b", body=b"moved"))
    server.route("/b", Reply.json({"b": True}))
    assert _json(client.request("GET", server.url("/a"))) == {"b": True}
    unfollowed = client.request("GET", server.url("/a"), redirect=False)
    assert (unfollowed.status, unfollowed.headers["Location"]) == (302, "/b")
    assert unfollowed.data == b""  # the redirect's body is dropped unread (D8)
    assert [r.path for r in server.requests] == ["/a", "/b", "/a"]
    with pytest.raises(TypeError, match="retries"):
        client.request("GET", server.url("/a"), retries=Retry(redirect=3))


@pytest.mark.checklist("D1")
@pytest.mark.parametrize("status", [301, 307])
def test_a_streamed_body_is_never_sent_again_on_a_redirect(
    server: LoopbackServer, client: OAuthClient, status: int
) -> None:
    server.route("/up", Reply.redirect("/moved", status))
    server.route("/moved", Reply.json({"ok": True}))
    with pytest.raises(RedirectPolicyError, match="streamed"):
        client.request("PUT", server.url("/up"), body=iter([b"a", b"b"]))
    assert [r.path for r in server.requests] == ["/up"]
    server.clear()  # a 303 turns it into a GET without a body: followed
    server.route("/up", Reply.redirect("/moved", 303))
    assert _json(client.request("PUT", server.url("/up"), body=iter([b"a"]))) == {"ok": True}
    assert [(r.method, r.body) for r in server.requests] == [("PUT", b"a"), ("GET", b"")]


def test_api_edges(server: LoopbackServer, client: OAuthClient) -> None:
    server.fallback = lambda _: Reply.json({"ok": True})
    with pytest.raises(TypeError, match="AuthBase"):
        client.request("GET", server.url("/"), auth=object())
    with pytest.raises(ConfigurationError, match="URL"):
        client.request("GET", "http://[::1/x")
    body_placed = OAuth2Auth(
        ClientConfig(client_id="app"), Token(access_token="AT-0"), placement=BearerPlacement.BODY
    )
    with pytest.raises(ConfigurationError, match="streamed"):
        client.request("POST", server.url("/"), body=iter([b"a"]), auth=body_placed)
    signed = body_placed.sign(Request(method="POST", url=server.url("/")))
    assert signed.body == b"access_token=AT-0"
    # The pool's own headers reach a token endpoint, never its credential headers.
    pool = PoolManager(headers={"User-Agent": "ua/1", "Authorization": "Basic leak"})
    send_request(pool, Request(method="GET", url=server.url("/token")))
    assert server.requests[-1].header("User-Agent") == "ua/1"
    assert server.requests[-1].header("Authorization") is None


# Bodies: caps after decompression, codings, endless streams (A4, A5, M1, M2).


def _token_request(server: LoopbackServer, path: str) -> object:
    request = build_client_credentials_request(client_credentials(server, path))
    return send_flow(PoolManager(), token_flow(request))


@pytest.mark.checklist("A4", "M1")
@pytest.mark.parametrize("reply", OVERSIZED_TOKEN_REPLIES)
def test_token_body_is_capped(server: LoopbackServer, reply: Reply) -> None:
    server.route("/token", reply)
    with pytest.raises(ResponseTooLargeError):
        _token_request(server, "/token")


@pytest.mark.checklist("A4")
def test_short_lying_content_length_ends_the_body(server: LoopbackServer) -> None:
    server.route("/token", Reply.endless(headers=[("Content-Length", "10")]))
    response = send_request(PoolManager(), Request(method="GET", url=server.url("/token")))
    assert response.body == b"x" * 10


@pytest.mark.checklist("A5", "M2")
def test_gzip_bomb_is_capped_after_decompression(
    server: LoopbackServer, client: OAuthClient
) -> None:
    route_gzip_bomb(server)
    with pytest.raises(ResponseTooLargeError):
        _token_request(server, "/token")
    with OAuthClient(max_body_bytes=MAX_BODY_BYTES) as capped, pytest.raises(ResponseTooLargeError):
        capped.request("GET", server.url("/token"))
    small = gzip.compress(b'{"ok": true}')
    server.route("/small", Reply(headers=[("Content-Encoding", "gzip")], body=small))
    assert _json(client.request("GET", server.url("/small"))) == {"ok": True}


@pytest.mark.checklist("A5", "M2")
def test_three_stacked_codings_are_refused(server: LoopbackServer, client: OAuthClient) -> None:
    server.route("/token", stacked_codings())
    with pytest.raises(ResponseTooLargeError, match="content-codings"):
        _token_request(server, "/token")
    with pytest.raises(ResponseTooLargeError):
        client.request("GET", server.url("/token"))
    with pytest.raises(ResponseTooLargeError):
        client.request("GET", server.url("/token"), preload_content=False)


@pytest.mark.checklist("M2")
def test_resource_body_cap_and_streaming(server: LoopbackServer) -> None:
    server.route("/big", Reply(body=b"x" * BIG))
    with OAuthClient(max_body_bytes=MAX_BODY_BYTES) as client:
        with pytest.raises(ResponseTooLargeError):
            client.request("GET", server.url("/big"))
        streamed = client.request("GET", server.url("/big"), preload_content=False)
        assert sum(len(chunk) for chunk in streamed.stream(65536)) == BIG
        streamed.release_conn()


# Timeouts and safe defaults (M3; SECURITY-CHECKLIST T10).


def test_safe_defaults_are_set(tmp_path: Path) -> None:
    """T10 for this adapter: timeouts, caps, redirects, TLS verification, no .netrc."""
    client = OAuthClient()
    timeout = client.timeout
    assert isinstance(timeout, Timeout)
    assert timeout is DEFAULT_TIMEOUT
    assert (timeout.connect_timeout, timeout.read_timeout, timeout.total) == (10.0, 30.0, 60.0)
    assert client.deadline == DEFAULT_DEADLINE == 60.0
    assert client.max_redirects == MAX_HOPS == 5
    assert client.max_body_bytes == MAX_RESOURCE_BYTES
    assert client.insecure_skip_tls_verify is False
    for pool in (client.pool, new_pool_manager()):
        assert pool.connection_pool_kw["cert_reqs"] == "CERT_REQUIRED"
        assert "assert_hostname" not in pool.connection_pool_kw
        assert pool.headers == {}  # no ambient credential header
    for function in (send_flow, send_request):
        parameters = inspect.signature(function).parameters
        assert parameters["timeout"].default is DEFAULT_TIMEOUT
        assert parameters["max_bytes"].default == MAX_BODY_BYTES == 1024 * 1024
        assert parameters["deadline"].default == 60.0
        assert parameters["insecure_skip_tls_verify"].default is False
    auth = OAuth2Auth(ClientConfig(client_id="app"), Token(access_token="AT"))
    assert (auth.timeout, auth.deadline, auth.max_bytes) == (DEFAULT_TIMEOUT, 60.0, MAX_BODY_BYTES)
    assert auth.pool.connection_pool_kw["cert_reqs"] == "CERT_REQUIRED"
    # urllib3 has no .netrc support at all: nothing could read one (C7; behaviour tested below).
    sources = Path(urllib3.__file__).parent.rglob("*.py")
    assert not [path.name for path in sources if "netrc" in path.read_text("utf-8")]


@pytest.mark.checklist("M3")
def test_stalled_server_times_out_within_the_timeout(server: LoopbackServer) -> None:
    server.fallback = lambda _: Reply(stall=True)
    quick = Timeout(connect=1.0, read=0.5)
    started = time.monotonic()
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        send_request(PoolManager(), Request(method="GET", url=server.url("/")), timeout=quick)
    assert time.monotonic() - started < 0.5 + 1
    started = time.monotonic()
    with OAuthClient(timeout=quick) as client, pytest.raises(urllib3.exceptions.TimeoutError):
        client.request("GET", server.url("/"))
    assert time.monotonic() - started < 0.5 + 1


@pytest.mark.checklist("M3")
@pytest.mark.parametrize("chunked", [True, False])
def test_trickling_body_is_cut_at_the_deadline(server: LoopbackServer, chunked: bool) -> None:
    reply = trickle(chunked)
    server.fallback = lambda _: reply
    started = time.monotonic()
    with OAuthClient(deadline=0.5) as client, pytest.raises(urllib3.exceptions.TimeoutError):
        client.request("GET", server.url("/"))
    assert time.monotonic() - started < 0.5 + 1
    started = time.monotonic()
    with pytest.raises(urllib3.exceptions.TimeoutError):
        send_request(PoolManager(), Request(method="GET", url=server.url("/")), deadline=0.5)
    assert time.monotonic() - started < 0.5 + 1


# Ambient credentials and TLS (C7, C9).


@pytest.mark.checklist("C7")
def test_netrc_is_never_applied(
    server: LoopbackServer, client: OAuthClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_netrc(tmp_path, monkeypatch)
    server.route("/a", Reply.redirect("/b"))
    server.fallback = lambda _: Reply.json({"ok": True})
    client.request("GET", server.url("/a"))
    client.request("GET", server.url("/b"), auth=OAuth1Auth(HMAC, TOKEN, placement=Placement.QUERY))
    config = ClientConfig(client_id="app", client_secret="CS", token_endpoint=server.url("/b"))
    send_request(PoolManager(), build_client_credentials_request(config))
    assert [r.header("Authorization") for r in server.requests[:3]] == [None, None, None]
    assert not (server.requests[3].header("Authorization") or "").startswith("Basic bmV0cmM")


@pytest.mark.checklist("C9")
def test_tls_verification_is_off_only_by_its_named_option(
    tls: LoopbackServer, caplog: pytest.LogCaptureFixture, certificate: tuple[Path, Path]
) -> None:
    tls.fallback = lambda _: Reply.json({"ok": True})
    url = f"https://127.0.0.1:{tls.port}/"
    unverified = PoolManager(cert_reqs="CERT_NONE")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    for pool in (unverified, PoolManager(assert_hostname=False), PoolManager(ssl_context=context)):
        with pytest.raises(ConfigurationError, match="insecure_skip_tls_verify"):
            OAuthClient(pool=pool)
        with pytest.raises(ConfigurationError, match="C9"):
            send_request(pool, Request(method="GET", url=url))
    # Verification is on: a self-signed certificate fails, the same one as a CA passes.
    with OAuthClient() as client, pytest.raises(urllib3.exceptions.SSLError):
        client.request("GET", url)
    with OAuthClient(pool=PoolManager(ca_certs=str(certificate[0]))) as client:
        assert client.request("GET", url).status == 200
    with caplog.at_level(logging.WARNING, logger="oauthcore"):
        insecure = OAuthClient(insecure_skip_tls_verify=True)
        given = OAuthClient(pool=unverified, insecure_skip_tls_verify=True)
        auth = OAuth2Auth(
            ClientConfig(client_id="app", token_endpoint=url),
            Token(access_token="AT-0"),
            pool=unverified,
            insecure_skip_tls_verify=True,
        )
    for opted_in in (insecure, given):
        with pytest.warns(urllib3.exceptions.InsecureRequestWarning):
            assert opted_in.request("GET", url).status == 200
    assert auth.pool is unverified
    flow = token_flow(Request(method="POST", url=url))
    # {"ok": true} is no token, but it was fetched over the unverified connection.
    with pytest.warns(urllib3.exceptions.InsecureRequestWarning), pytest.raises(OAuthError):
        send_flow(unverified, flow, insecure_skip_tls_verify=True)
    records = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(records) == 4  # pool, client, auth, flow
    assert all("insecure_skip_tls_verify" in r.getMessage() for r in records)


# Logs, exceptions and reprs carry no secret (I3, E9; SECURITY-CHECKLIST T6).


@pytest.mark.checklist("I3", "E9")
def test_urllib3_debug_logs_never_show_a_query_placed_secret(
    server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.fallback = lambda _: Reply.redirect("/next?page=2")
    server.route("/next", Reply.json({"ok": True}))
    bearer = OAuth2Auth(
        ClientConfig(client_id="app"),
        Token(access_token=CANARY),
        placement=BearerPlacement.QUERY,
    )
    canary_token = TokenCredentials(token=CANARY, secret="TS-canary")
    oauth1 = OAuth1Auth(HMAC, canary_token, placement=Placement.QUERY)
    with caplog.at_level(logging.DEBUG), OAuthClient() as client:
        assert client.request("GET", server.url("/r?x=1"), auth=bearer).status == 200
        assert client.request("GET", server.url("/r"), auth=oauth1).status == 200
    assert any(CANARY in r.target for r in server.requests)  # it did travel in the query
    logged = [r for r in caplog.records if r.name.startswith("urllib3")]
    lines = [r.getMessage() for r in logged]
    assert any("access_token=***" in line and "x=***" in line for line in lines)
    assert any("oauth_signature=***" in line for line in lines)
    for record in logged:
        assert CANARY not in record.getMessage()
        assert CANARY not in repr(record.args)
    # A timeout names no query either (retries=False: no MaxRetryError with the URL).
    server.fallback = lambda _: Reply(stall=True)
    quick = OAuthClient(timeout=Timeout(connect=1.0, read=0.2))
    with pytest.raises(urllib3.exceptions.TimeoutError) as caught:
        quick.request("GET", server.url("/slow"), auth=bearer)
    assert CANARY not in f"{caught.value} {caught.value!r} {caught.value.args}"


def test_the_redaction_filter_rewrites_urls_and_keeps_the_record() -> None:
    logger = logging.getLogger("oauthcore.tests.redaction")
    record = logger.makeRecord(
        logger.name,
        logging.DEBUG,
        __file__,
        1,
        '%s://%s:%s "%s %s %s" %s %s',
        ("http", "h", 80, "GET", f"/p?access_token={CANARY}&b=2#frag", "HTTP/1.1", 200, 5),
        None,
    )
    assert CANARY in record.getMessage()  # positive control: the raw record leaks
    assert UrlRedactingFilter().filter(record) is True
    assert record.getMessage() == 'http://h:80 "GET /p?access_token=***&b=***#*** HTTP/1.1" 200 5'
    assert redact_log_text("Redirecting http://u:pw@h/a?code=c -> /b") == (
        "Redirecting http://***@h/a?code=*** -> /b"
    )
    assert redact_log_text("Retry(total=0, connect=None)") == "Retry(total=0, connect=None)"
    assert redact_log_text("GET /p?bare&&a=1") == "GET /p?***&&a=***"
    broken = logger.makeRecord(logger.name, logging.DEBUG, __file__, 1, "%s %s", ("?a=1",), None)
    assert UrlRedactingFilter().filter(broken) is True  # malformed: left to logging to report
    assert broken.msg == "%s %s"
    for name in URLLIB3_LOGGERS:
        assert any(isinstance(f, UrlRedactingFilter) for f in logging.getLogger(name).filters)


def test_reprs_mask_secrets(server: LoopbackServer) -> None:
    config = OAuth2Provider().install(server)
    objects = [
        OAuth1Auth(HMAC, TOKEN),
        OflyAuth(OFLY, "u1"),
        OAuth2Auth(config, EXPIRED),
        OAuthClient(OAuth1Auth(HMAC, TOKEN)),
    ]
    text = " ".join(repr(o) + str(o) for o in objects)
    for secret in ("CS-secret", "TS-token-secret", "OFLY-secret", "AT-0", "RT-0", "CS-client"):
        assert secret not in text


# The import guard (N5).


@pytest.mark.checklist("N5")
def test_import_without_urllib3_raises_missing_dependency() -> None:
    assert import_without("urllib3", "oauthcore.adapters.urllib3") == [
        "MissingDependencyError",
        "urllib3",
        "urllib3",
    ]

"""The requests adapter against real HTTP servers on 127.0.0.1 (no mocks of requests).

Signing is verified server-side with the core's own verifier; redirects go to a second
loopback server (another port: another origin); bodies, codings, timeouts and ``.netrc`` are
exercised over real sockets. Checklist C5, C7, C9, D1-D8, L1-L5, M1-M3, H1, H3, H4, G1, G3,
G7, I1, N5, and SECURITY-CHECKLIST §4.2 T10 (safe defaults, stalled server).
"""

from __future__ import annotations

import inspect
import io
import json
import logging
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
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
from oauthcore.adapters._requests_transport import _next_prepared
from oauthcore.adapters.requests import (
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    MAX_RESOURCE_BYTES,
    OAuth1Auth,
    OAuth2Auth,
    OAuthSession,
    OflyAuth,
    TokenStore,
    send_flow,
    send_request,
)
from oauthcore.http import Request
from oauthcore.limits import MAX_BODY_BYTES
from oauthcore.oauth1 import ClientCredentials, Placement, SignatureMethod, TokenCredentials
from oauthcore.oauth2 import (
    BearerPlacement,
    ClientConfig,
    Token,
    build_client_credentials_request,
    token_flow,
)
from oauthcore.redirects import MAX_HOPS

# Fixtures.


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


# OAuth 1.0a.


@pytest.mark.checklist("D3")
@pytest.mark.parametrize("placement", list(Placement))
@pytest.mark.parametrize("method", list(SignatureMethod))
def test_oauth1_every_method_and_placement_verifies(
    server: LoopbackServer, rsa_pem: str, method: SignatureMethod, placement: Placement
) -> None:
    OAuth1Provider(rsa_pem).install(server)
    auth = OAuth1Auth(client_for(method, rsa_pem), TOKEN, placement=placement)
    response = requests.post(
        server.url("/photos?size=original&tilde=~a&size=x"),
        data={"form": "a b", "skipped": None},
        auth=auth,
        timeout=5,
    )
    assert response.status_code == 200, response.text
    sent = server.requests[-1]
    assert_signature_carried(sent, placement)
    assert sent.form["form"] == "a b"
    assert "skipped" not in sent.form  # None-valued parameters are not sent nor signed
    assert "tilde=~a" in sent.target  # tilde is not encoded (rauth #186)


@pytest.mark.parametrize("method", [SignatureMethod.HMAC_SHA1, SignatureMethod.RSA_SHA256])
def test_oauth1_json_body_is_sent_and_covered_by_the_body_hash(
    server: LoopbackServer, rsa_pem: str, method: SignatureMethod
) -> None:
    provider = OAuth1Provider(rsa_pem).install(server)
    auth = OAuth1Auth(client_for(method, rsa_pem), TOKEN)
    response = requests.post(server.url("/items?q=1"), json={"a": [1, 2]}, auth=auth, timeout=5)
    assert response.status_code == 200, response.text
    sent = server.requests[-1]
    assert json.loads(sent.body) == {"a": [1, 2]}
    assert "oauth_body_hash=" in (sent.header("Authorization") or "")
    assert provider.verified[-1].body_signed


def test_oauth1_get_without_params_and_query_in_url_are_signed(server: LoopbackServer) -> None:
    OAuth1Provider().install(server)
    auth = OAuth1Auth(HMAC, TOKEN, placement=Placement.QUERY)
    assert requests.get(server.url("/r?a=1&a=2&b=%20x"), auth=auth, timeout=5).status_code == 200
    assert requests.get(server.url("/r"), auth=auth, timeout=5).status_code == 200


def test_oauth1_never_signs_twice(server: LoopbackServer) -> None:
    provider = OAuth1Provider().install(server)
    auth = OAuth1Auth(HMAC, TOKEN)
    prepared = requests.Request("GET", server.url("/r"), auth=auth).prepare()
    header = prepared.headers["Authorization"]
    auth(prepared)
    assert prepared.headers["Authorization"] == header
    with requests.Session() as session:
        assert session.send(prepared, timeout=5).status_code == 200
    assert len(provider.verified) == 1


def test_oauth1_credentials_given_to_a_live_auth_take_effect(server: LoopbackServer) -> None:
    # The auth keeps its credentials prepared (a Signer); giving it others prepares them again,
    # so the next request is signed with the new secret, not the old one.
    provider = OAuth1Provider().install(server)
    auth = OAuth1Auth(HMAC, TokenCredentials(token="tt", secret="stale-secret"))
    assert requests.get(server.url("/r"), auth=auth, timeout=5).status_code == 401
    auth.token = TOKEN
    assert requests.get(server.url("/r"), auth=auth, timeout=5).status_code == 200
    auth.client = ClientCredentials(key="ck", secret="wrong")
    assert requests.get(server.url("/r"), auth=auth, timeout=5).status_code == 401
    auth.client = HMAC
    assert requests.get(server.url("/r"), auth=auth, timeout=5).status_code == 200
    assert len(provider.verified) == 2


def test_oauth1_refuses_a_streamed_body(server: LoopbackServer) -> None:
    with pytest.raises(ConfigurationError, match="streamed"):
        requests.post(server.url("/r"), data=iter([b"a"]), auth=OAuth1Auth(HMAC), timeout=5)
    assert server.requests == []


@pytest.mark.checklist("I1")
def test_oauth1_auth_pickles_and_signs_identically() -> None:
    auth = OAuth1Auth(HMAC, TOKEN, now=fixed_now, nonce=FixedNonce("n" * 24))
    copy = pickle.loads(pickle.dumps(auth))  # noqa: S301 (our own bytes)
    first = auth(requests.Request("GET", "https://api.example/r?x=1").prepare())
    second = copy(requests.Request("GET", "https://api.example/r?x=1").prepare())
    assert first.headers["Authorization"] == second.headers["Authorization"]
    assert "TS-token-secret" not in repr(auth)
    assert "CS-secret" not in repr(auth)


# Ofly.


@pytest.mark.checklist("L1", "L2", "L3")
def test_ofly_signs_url_and_params_with_padded_milliseconds(server: LoopbackServer) -> None:
    server.fallback = lambda _: Reply.json({"ok": True})
    auth = OflyAuth(OFLY, "u1", now=lambda: OFLY_MOMENT)
    response = requests.get(server.url("/album?x=1"), params={"b": "2 3"}, auth=auth, timeout=5)
    assert response.status_code == 200
    assert_ofly_signed(server.requests[-1])


@pytest.mark.checklist("L4", "L5")
def test_ofly_refuses_bad_input_and_plain_http() -> None:
    credentials = OFLY
    with pytest.raises(InsecureTransportError):
        requests.Request("GET", "http://ws.example/x", auth=OflyAuth(credentials, "u")).prepare()
    allowed = OflyAuth(credentials, "u", allow_insecure_transport=True)
    assert "oflyApiSig=" in (
        requests.Request("GET", "http://ws.example/x", auth=allowed).prepare().url or ""
    )
    with pytest.raises(ConfigurationError):
        requests.Request("GET", "https://ws.example/x", auth=OflyAuth(credentials, "")).prepare()
    bad = OflyAuth(credentials, "u", hash_method="sha256")
    with pytest.raises(ConfigurationError):
        requests.Request("GET", "https://ws.example/x", auth=bad).prepare()


# OAuth 2.0: bearer and refresh.


def test_oauth2_presents_the_token_in_the_header_or_query(server: LoopbackServer) -> None:
    client = OAuth2Provider().install(server)
    token = Token(access_token="AT-0")
    assert requests.get(server.url("/me"), auth=OAuth2Auth(client, token), timeout=5).ok
    assert server.requests[-1].header("Authorization") == "Bearer AT-0"
    query = OAuth2Auth(client, token, placement=BearerPlacement.QUERY)
    assert requests.get(server.url("/me"), auth=query, timeout=5).ok
    assert server.requests[-1].query["access_token"] == "AT-0"
    assert server.requests[-1].header("Authorization") is None


@pytest.mark.checklist("G1")
def test_oauth2_renews_an_expired_token_before_sending(server: LoopbackServer) -> None:
    provider = OAuth2Provider()
    client = provider.install(server)
    seen: list[Token] = []
    auth = OAuth2Auth(client, EXPIRED, on_token=seen.append, now=fixed_now)
    response = requests.get(server.url("/me"), auth=auth, timeout=5)
    assert response.json() == {"token": "AT-1"}
    assert_renewed_before_sending(server, provider, seen, auth.token)


@pytest.mark.checklist("G3")
@pytest.mark.parametrize("session_kind", ["plain", "oauthcore"])
def test_oauth2_renews_once_after_invalid_token(server: LoopbackServer, session_kind: str) -> None:
    provider = OAuth2Provider(valid="AT-elsewhere")
    client = provider.install(server)
    token = Token(access_token="AT-0", refresh_token="RT-0")
    auth = OAuth2Auth(client, token, now=fixed_now)
    with requests.Session() if session_kind == "plain" else OAuthSession() as session:
        response = session.get(server.url("/me"), auth=auth, timeout=5)
    assert response.json() == {"token": "AT-1"}
    assert [r.status_code for r in response.history] == [401]
    assert provider.hits == 1
    # A token that keeps failing is renewed once, the request replayed once, no loop.
    provider.reject = True
    server.clear()
    response = requests.get(server.url("/me"), auth=auth, timeout=5)
    assert response.status_code == 401
    assert_replayed_once(server, provider)


@pytest.mark.checklist("H1")
def test_oauth2_fifty_threads_crossing_expiry_refresh_once(server: LoopbackServer) -> None:
    provider = OAuth2Provider(delay=0.1)
    client = provider.install(server)
    hooks: list[str] = []
    auth = OAuth2Auth(
        client, EXPIRED, on_token=lambda t: hooks.append(t.access_token), now=fixed_now
    )

    def call() -> object:
        return requests.get(server.url("/me"), auth=auth, timeout=10).json()

    results = run_threads(50, call)
    assert results == [{"token": "AT-1"}] * 50
    assert hooks == ["AT-1"]  # the hook ran once, for the one new token
    assert_refreshed_once(server, provider, 50)


@pytest.mark.checklist("H3")
def test_oauth2_failed_refresh_reaches_every_waiter_as_the_same_error(
    server: LoopbackServer,
) -> None:
    provider = OAuth2Provider(delay=0.5, fail=True)
    client = provider.install(server)
    auth = OAuth2Auth(client, EXPIRED, now=fixed_now)
    results = run_threads(20, lambda: requests.get(server.url("/me"), auth=auth, timeout=10))
    assert_one_shared_error(results, InvalidGrantError)
    assert provider.hits == 1
    assert not [r for r in server.requests if r.path == "/me"]  # the old token never went out
    # The store is not wedged: the next caller tries again.
    provider.fail = False
    assert requests.get(server.url("/me"), auth=auth, timeout=5).json() == {"token": "AT-2"}


@pytest.mark.checklist("H4")
def test_oauth2_auths_sharing_a_store_refresh_once(server: LoopbackServer) -> None:
    provider = OAuth2Provider(delay=0.1)
    client = provider.install(server)
    store = TokenStore(EXPIRED)
    auths = [OAuth2Auth(client, store, now=fixed_now) for _ in range(2)]
    results = run_threads(
        20,
        lambda: requests.get(
            server.url("/me"), auth=auths[threading.get_ident() % 2], timeout=10
        ).json(),
    )
    assert results == [{"token": "AT-1"}] * 20
    assert provider.hits == 1
    assert store.token.access_token == "AT-1"


@pytest.mark.checklist("G7")
def test_oauth2_hook_runs_outside_the_lock_and_may_reenter(server: LoopbackServer) -> None:
    provider = OAuth2Provider()
    client = provider.install(server)
    nested: list[object] = []
    auth: OAuth2Auth

    def hook(token: Token) -> None:
        nested.append(requests.get(server.url("/nested"), auth=auth, timeout=5).json())

    auth = OAuth2Auth(client, EXPIRED, on_token=hook, now=fixed_now)
    outcome = run_threads(1, lambda: requests.get(server.url("/me"), auth=auth, timeout=5))
    assert isinstance(outcome[0], requests.Response)
    assert nested == [{"token": "AT-1"}]
    assert provider.hits == 1


@pytest.mark.checklist("G7")
def test_oauth2_failing_hook_keeps_the_new_token(server: LoopbackServer) -> None:
    provider = OAuth2Provider()
    client = provider.install(server)

    def hook(token: Token) -> None:
        raise OSError("disk full")

    auth = OAuth2Auth(client, EXPIRED, on_token=hook, now=fixed_now)
    with pytest.raises(TokenUpdateError) as caught:
        requests.get(server.url("/me"), auth=auth, timeout=5)
    assert_new_token_kept(caught.value)
    assert auth.token.access_token == "AT-1"


@pytest.mark.checklist("I1")
def test_oauth2_auth_pickles_with_its_lock_rebuilt(server: LoopbackServer) -> None:
    provider = OAuth2Provider()
    client = provider.install(server)
    auth = OAuth2Auth(client, EXPIRED, now=fixed_now)
    copy = pickle.loads(pickle.dumps(auth))  # noqa: S301 (our own bytes)
    assert copy.token == EXPIRED
    assert requests.get(server.url("/me"), auth=copy, timeout=5).json() == {"token": "AT-1"}
    session = pickle.loads(pickle.dumps(OAuthSession(auth, timeout=(2.0, 3.0))))  # noqa: S301
    assert (session.timeout, session.max_redirects) == ((2.0, 3.0), MAX_HOPS)
    assert session.get(server.url("/me")).json() == {"token": "AT-2"}
    assert "AT-0" not in repr(auth)
    assert "RT-0" not in repr(auth)


# Redirects.


@pytest.mark.checklist("D3")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("session_kind", ["plain", "oauthcore"])
def test_same_origin_redirect_is_signed_again_with_a_fresh_nonce(
    server: LoopbackServer, status: int, session_kind: str
) -> None:
    provider = OAuth1Provider().install(server)
    provider.redirects["/start"] = Reply.redirect("/end?page=2", status)
    auth = OAuth1Auth(HMAC, TOKEN)
    with requests.Session() if session_kind == "plain" else OAuthSession() as session:
        response = session.post(server.url("/start"), data={"a": "1"}, auth=auth, timeout=5)
    assert response.status_code == 200, response.text
    assert_signed_again_with_a_fresh_nonce(provider, server, status, response.json())
    assert [r.status_code for r in response.history] == [status]


AuthFactory = Callable[[LoopbackServer], requests.auth.AuthBase]

AUTHS: dict[str, AuthFactory] = credential_auths(OAuth1Auth, OAuth2Auth, OflyAuth)


@pytest.mark.checklist("D1", "D3")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("session_kind", ["plain", "oauthcore"])
@pytest.mark.parametrize("kind", sorted(AUTHS))
def test_cross_origin_redirect_carries_no_credentials(
    server: LoopbackServer, other: LoopbackServer, status: int, session_kind: str, kind: str
) -> None:
    redirect_to_other(server, other, status)
    with requests.Session() if session_kind == "plain" else OAuthSession() as session:
        session.cookies.set("sid", "cookie-secret", domain="127.0.0.1")
        response = session.get(server.url("/start"), auth=AUTHS[kind](server), timeout=5)
    assert response.json() == {"landed": True}
    assert server.requests[0].header("Cookie") == "sid=cookie-secret"
    (landed,) = other.requests
    assert_carries_no_credentials(landed)


@pytest.mark.checklist("D1", "D2")
@pytest.mark.parametrize("status", STATUSES)
def test_cross_origin_redirect_drops_the_callers_own_credential_headers(
    server: LoopbackServer, other: LoopbackServer, status: int
) -> None:
    redirect_to_other(server, other, status)
    headers = {"authorization": "Basic dTpw", "COOKIE": "a=b", "Proxy-Authorization": "Basic x"}
    with OAuthSession() as session:
        assert session.get(server.url("/start"), headers=headers, timeout=5).ok
    assert server.requests[0].header("Authorization") == "Basic dTpw"
    assert_carries_no_credentials(other.requests[0])


@pytest.mark.checklist("D1")
def test_scheme_relative_location_is_resolved_and_policy_checked(
    server: LoopbackServer, other: LoopbackServer
) -> None:
    server.fallback = lambda _: Reply.redirect(f"//127.0.0.1:{other.port}/x")
    other.fallback = lambda _: Reply.json({"landed": True})
    assert requests.get(server.url("/"), auth=OAuth1Auth(HMAC, TOKEN), timeout=5).ok
    assert_carries_no_credentials(other.requests[0])


def _redirect_response(url: str, location: str, status: int = 302) -> requests.Response:
    """A real requests.Response for a redirect, as if ``url`` had answered it."""
    response = requests.Response()
    response.status_code = status
    response.headers["Location"] = location
    response.raw = io.BytesIO(b"")
    response.request = requests.Request(
        "GET", url, headers={"Authorization": "Bearer AT-0", "Cookie": "a=b"}
    ).prepare()
    return response


@pytest.mark.checklist("C5", "D1")
def test_tls_downgrade_is_refused_and_upgrade_drops_credentials() -> None:
    # No TLS server here: the adapter's redirect step is called with real requests objects.
    with pytest.raises(RedirectPolicyError, match="https"):
        _next_prepared(
            _redirect_response("https://api.example/r", "http://api.example/r"),
            hops=0,
            max_hops=MAX_HOPS,
            allow_insecure_transport=False,
        )
    upgraded = _next_prepared(
        _redirect_response("http://127.0.0.1:8080/r", "https://127.0.0.1:8080/r"),
        hops=0,
        max_hops=MAX_HOPS,
        allow_insecure_transport=False,
    )
    assert upgraded.url == "https://127.0.0.1:8080/r"
    assert "Authorization" not in upgraded.headers
    assert "Cookie" not in upgraded.headers


@pytest.mark.checklist("D4", "D5")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("session_kind", ["plain", "oauthcore"])
def test_token_endpoint_redirect_is_not_followed(
    server: LoopbackServer, other: LoopbackServer, status: int, session_kind: str
) -> None:
    server.fallback = lambda _: Reply.redirect(other.url("/token"), status)
    flow = token_flow(build_client_credentials_request(client_credentials(server)))
    session = requests.Session() if session_kind == "plain" else OAuthSession()
    with session, pytest.raises(RedirectPolicyError) as caught:
        send_flow(session, flow)
    assert_token_redirect_refused(caught.value, status, server, other)


@pytest.mark.checklist("D4", "D5")
def test_refresh_redirect_is_not_followed(server: LoopbackServer, other: LoopbackServer) -> None:
    client = OAuth2Provider().install(server)
    server.route("/token", Reply.redirect(other.url("/token"), 307))
    auth = OAuth2Auth(client, EXPIRED, now=fixed_now)
    with pytest.raises(RefreshOutcomeUnknown) as caught:
        requests.get(server.url("/me"), auth=auth, timeout=5)
    assert_refresh_redirect_refused(caught.value, server, other)


@pytest.mark.checklist("D6")
@pytest.mark.parametrize("session_kind", ["plain", "oauthcore"])
def test_redirect_loop_stops_after_five_hops(server: LoopbackServer, session_kind: str) -> None:
    server.fallback = redirect_loop
    session = requests.Session() if session_kind == "plain" else OAuthSession()
    with session, pytest.raises(RedirectPolicyError, match="more than 5"):
        session.get(server.url("/loop/0"), auth=OAuth1Auth(HMAC, TOKEN), timeout=5)
    assert len(server.requests) == 1 + MAX_HOPS


@pytest.mark.checklist("D7")
@pytest.mark.parametrize("location", NON_HTTP_LOCATIONS)
def test_redirect_to_a_non_http_scheme_is_refused(server: LoopbackServer, location: str) -> None:
    server.fallback = lambda _: Reply.redirect(location)
    with OAuthSession() as session, pytest.raises(RedirectPolicyError):
        session.get(server.url("/"), timeout=5)
    assert len(server.requests) == 1


@pytest.mark.checklist("D8", "M2")
def test_redirect_body_is_never_decoded(server: LoopbackServer) -> None:
    bomb = gzip_bomb()
    server.route(
        "/bomb",
        Reply(status=302, headers=[("Location", "/ok"), ("Content-Encoding", "gzip")], body=bomb),
    )
    server.route("/ok", Reply.json({"ok": True}))
    with OAuthSession(max_body_bytes=MAX_BODY_BYTES) as session:
        response = session.get(server.url("/bomb"), timeout=5)
    assert response.json() == {"ok": True}
    assert response.history[0].status_code == 302
    # Nor by a token request, which refuses the redirect without reading it.
    request = build_client_credentials_request(client_credentials(server, "/bomb"))
    with requests.Session() as plain, pytest.raises(RedirectPolicyError):
        send_request(plain, request)


def test_plain_redirects_and_allow_redirects_false(server: LoopbackServer) -> None:
    server.route("/a", Reply.redirect("/b"))
    server.route("/b", Reply.json({"b": True}))
    with OAuthSession() as session:
        assert session.get(server.url("/a"), timeout=5).json() == {"b": True}
        unfollowed = session.get(server.url("/a"), allow_redirects=False, timeout=5)
    assert unfollowed.status_code == 302
    assert [r.path for r in server.requests] == ["/a", "/b", "/a"]


# Bodies: caps after decompression, codings, endless streams (A4, A5, M1, M2).


def _token_request(server: LoopbackServer, path: str) -> object:
    flow = token_flow(build_client_credentials_request(client_credentials(server, path)))
    with requests.Session() as session:
        return send_flow(session, flow)


@pytest.mark.checklist("A4", "M1")
@pytest.mark.parametrize("reply", OVERSIZED_TOKEN_REPLIES)
def test_token_body_is_capped(server: LoopbackServer, reply: Reply) -> None:
    server.route("/token", reply)
    with pytest.raises(ResponseTooLargeError):
        _token_request(server, "/token")


@pytest.mark.checklist("A4")
def test_short_lying_content_length_ends_the_body(server: LoopbackServer) -> None:
    server.route("/token", Reply.endless(headers=[("Content-Length", "10")]))
    with requests.Session() as session:
        response = send_request(session, Request(method="GET", url=server.url("/token")))
    assert response.body == b"x" * 10


@pytest.mark.checklist("A5", "M2")
def test_gzip_bomb_is_capped_after_decompression(server: LoopbackServer) -> None:
    route_gzip_bomb(server)
    with pytest.raises(ResponseTooLargeError):
        _token_request(server, "/token")


@pytest.mark.checklist("A5", "M2")
def test_three_stacked_codings_are_refused(server: LoopbackServer) -> None:
    server.route("/token", stacked_codings())
    with pytest.raises(ResponseTooLargeError, match="content-codings"):
        _token_request(server, "/token")
    with OAuthSession() as session, pytest.raises(ResponseTooLargeError):
        session.get(server.url("/token"), timeout=5)


@pytest.mark.checklist("M2")
def test_resource_body_cap_and_streaming(server: LoopbackServer) -> None:
    server.route("/big", Reply(body=b"x" * BIG))
    with OAuthSession(max_body_bytes=MAX_BODY_BYTES) as session:
        with pytest.raises(ResponseTooLargeError):
            session.get(server.url("/big"), timeout=5)
        streamed = session.get(server.url("/big"), stream=True, timeout=5)
        assert sum(len(chunk) for chunk in streamed.iter_content(65536)) == BIG


# Timeouts (M3, T10).


def test_safe_defaults_are_set() -> None:
    """SECURITY-CHECKLIST §4.2 T10 for this adapter: timeouts, caps, redirects, TLS, .netrc."""
    session = OAuthSession()
    assert session.timeout == DEFAULT_TIMEOUT == (10.0, 30.0)
    assert session.deadline == DEFAULT_DEADLINE == 60.0
    assert session.max_redirects == MAX_HOPS == 5
    assert session.max_body_bytes == MAX_RESOURCE_BYTES
    assert session.verify is True
    for function in (send_flow, send_request):
        parameters = inspect.signature(function).parameters
        assert parameters["timeout"].default == (10.0, 30.0)
        assert parameters["max_bytes"].default == MAX_BODY_BYTES == 1024 * 1024
        assert parameters["deadline"].default == 60.0
    auth = OAuth2Auth(ClientConfig(client_id="app"), Token(access_token="AT"))
    assert (auth.timeout, auth.deadline, auth.max_bytes) == ((10.0, 30.0), 60.0, MAX_BODY_BYTES)
    assert OAuth1Auth(HMAC).max_redirects == OflyAuth(OFLY, "u").max_redirects == 5


@pytest.mark.checklist("M3")
def test_stalled_server_times_out_within_the_timeout(server: LoopbackServer) -> None:
    server.fallback = lambda _: Reply(stall=True)
    started = time.monotonic()
    with requests.Session() as session, pytest.raises(requests.exceptions.Timeout):
        send_request(session, Request(method="GET", url=server.url("/")), timeout=(1.0, 0.5))
    assert time.monotonic() - started < 0.5 + 1
    started = time.monotonic()
    with OAuthSession(timeout=0.5) as session, pytest.raises(requests.exceptions.Timeout):
        session.get(server.url("/"))
    assert time.monotonic() - started < 0.5 + 1


@pytest.mark.checklist("M3")
@pytest.mark.parametrize("chunked", [True, False])
def test_trickling_body_is_cut_at_the_deadline(server: LoopbackServer, chunked: bool) -> None:
    reply = trickle(chunked)
    server.fallback = lambda _: reply
    started = time.monotonic()
    with OAuthSession(deadline=1.0) as session, pytest.raises(requests.exceptions.Timeout):
        session.get(server.url("/"))
    assert time.monotonic() - started < 1.0 + 1


# Ambient credentials and TLS (C7, C9), the import guard (N5).


@pytest.mark.checklist("C7")
def test_netrc_is_never_applied(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_netrc(tmp_path, monkeypatch)
    server.route("/a", Reply.redirect("/b"))
    server.fallback = lambda _: Reply.json({"ok": True})
    with requests.Session() as plain:  # positive control: requests itself would send it
        plain.get(server.url("/b"), timeout=5)
    assert (server.requests[-1].header("Authorization") or "").startswith("Basic ")
    server.clear()
    with OAuthSession() as session:
        session.get(server.url("/a"), timeout=5)
        session.get(server.url("/b"), auth=OAuth1Auth(HMAC, TOKEN, placement=Placement.QUERY))
    with requests.Session() as plain:
        client = ClientConfig(client_id="app", client_secret="CS", token_endpoint=server.url("/b"))
        send_request(plain, build_client_credentials_request(client))
    assert [r.header("Authorization") for r in server.requests[:3]] == [None, None, None]
    assert not (server.requests[3].header("Authorization") or "").startswith("Basic bmV0cmM")


@pytest.mark.checklist("C9")
def test_tls_verification_is_off_only_by_its_named_option(
    server: LoopbackServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # requests lets these variables turn a session's verify=False back on: not under test.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    server.fallback = lambda _: Reply.json({"ok": True})
    with OAuthSession() as session:
        with pytest.raises(ConfigurationError, match="insecure_skip_tls_verify"):
            session.get(server.url("/"), verify=False, timeout=5)
        session.verify = False
        with pytest.raises(ConfigurationError, match="C9"):
            session.get(server.url("/"), timeout=5)
        with pytest.raises(ConfigurationError):
            send_request(session, Request(method="GET", url=server.url("/")))
    with (
        caplog.at_level(logging.WARNING, logger="oauthcore"),
        OAuthSession(insecure_skip_tls_verify=True) as insecure,
    ):
        assert insecure.get(server.url("/"), timeout=5).ok
    with OAuthSession() as later:  # on any session, rauth's too, as an attribute
        later.insecure_skip_tls_verify = True
        assert later.get(server.url("/"), verify=False, timeout=5).ok
    records = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(records) == 2
    assert all("insecure_skip_tls_verify" in record.getMessage() for record in records)
    assert server.requests  # it did talk, over plain loopback http


@pytest.mark.checklist("N5")
def test_import_without_requests_raises_missing_dependency() -> None:
    assert import_without("requests", "oauthcore.adapters.requests") == [
        "MissingDependencyError",
        "requests",
        "requests",
    ]

"""The requests adapter against real HTTP servers on 127.0.0.1 (no mocks of requests).

Signing is verified server-side with the core's own verifier; redirects go to a second
loopback server (another port: another origin); bodies, codings, timeouts and ``.netrc`` are
exercised over real sockets. Checklist C5, C7, C9, D1-D8, L1-L5, M1-M3, H1, H3, H4, G1, G3,
G7, I1, N5, and SECURITY-CHECKLIST §4.2 T10 (safe defaults, stalled server).
"""

from __future__ import annotations

import gzip
import hashlib
import inspect
import io
import json
import logging
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa
from loopback import LoopbackServer, Recorded, Reply, gzip_bomb, serve

from oauthcore import (
    ConfigurationError,
    InsecureTransportError,
    InvalidGrantError,
    RedirectPolicyError,
    RefreshOutcomeUnknown,
    ResponseTooLargeError,
    TokenUpdateError,
    VerificationError,
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
from oauthcore.oauth1 import (
    ClientCredentials,
    Consumer,
    NonceCache,
    Placement,
    SignatureMethod,
    TokenCredentials,
    VerifiedRequest,
    verify_request,
)
from oauthcore.oauth2 import (
    BearerPlacement,
    ClientConfig,
    Token,
    build_client_credentials_request,
    token_flow,
)
from oauthcore.ofly import OflyCredentials
from oauthcore.redirects import MAX_HOPS
from oauthcore.rsa import load_public_key

STATUSES = (301, 302, 303, 307, 308)
NOW = 1_700_000_000
TOKEN = TokenCredentials(token="tt", secret="TS-token-secret")


# Fixtures and server-side helpers.


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    yield from serve()


@pytest.fixture
def other() -> Iterator[LoopbackServer]:
    """A second server: same host, another port, so another origin."""
    yield from serve()


@pytest.fixture(scope="module")
def rsa_pem() -> str:
    key = crypto_rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


class OAuth1Provider:
    """Verifies every request with :func:`oauthcore.oauth1.verify_request`, as a server."""

    def __init__(self, rsa_pem: str | None = None) -> None:
        self.nonces = NonceCache()
        shared = frozenset(m for m in SignatureMethod if not m.is_rsa)
        self.consumers = {"ck": Consumer(key="ck", secret="CS-secret", allowed_methods=shared)}
        if rsa_pem is not None:
            self.consumers["rk"] = Consumer(
                key="rk",
                rsa_public_key=load_public_key(rsa_pem),
                allowed_methods=frozenset(m for m in SignatureMethod if m.is_rsa),
            )
        self.verified: list[VerifiedRequest] = []
        self.redirects: dict[str, Reply] = {}

    def __call__(self, recorded: Recorded) -> Reply:
        try:
            verified = verify_request(
                recorded.core(),
                get_consumer=self.consumers.get,
                get_token_secret=lambda _, token: {"tt": TOKEN.secret}.get(token),
                check_nonce=self.nonces,
            )
        except VerificationError as exc:
            return Reply.json({"problem": exc.problem}, status=exc.status)
        self.verified.append(verified)
        redirect = self.redirects.get(recorded.path)
        if redirect is not None:
            return redirect
        return Reply.json({"ok": True, "method": recorded.method, "nonce": verified.nonce})


def client_for(method: SignatureMethod, rsa_pem: str) -> ClientCredentials:
    if method.is_rsa:
        return ClientCredentials.build("rk", signature_method=method, rsa_key=rsa_pem)
    return ClientCredentials(key="ck", secret="CS-secret", signature_method=method)


HMAC = ClientCredentials(key="ck", secret="CS-secret")


class OAuth2Provider:
    """A token endpoint (refresh grant, rotating tokens) and a Bearer-protected resource."""

    def __init__(self, *, delay: float = 0.0, fail: bool = False, valid: str = "AT-0") -> None:
        self.delay = delay
        self.fail = fail
        self.lock = threading.Lock()
        self.hits = 0
        self.valid = {valid}
        self.reject = False
        self.refreshed_at: float | None = None

    def token(self, recorded: Recorded) -> Reply:
        time.sleep(self.delay)  # widens the race window (checklist T8)
        with self.lock:
            self.hits += 1
            count = self.hits
        if self.fail:
            return Reply.json({"error": "invalid_grant"}, status=400)
        new = f"AT-{count}"
        with self.lock:
            self.valid = {new}
            self.refreshed_at = time.monotonic()
        body = {"access_token": new, "token_type": "Bearer", "expires_in": 3600}
        return Reply.json({**body, "refresh_token": f"RT-{count}"})

    def resource(self, recorded: Recorded) -> Reply:
        header = recorded.header("Authorization") or ""
        token = header.removeprefix("Bearer ") if header else recorded.query.get("access_token")
        with self.lock:
            known = token in self.valid and not self.reject
        if not known:
            return Reply(status=401, headers=[("WWW-Authenticate", 'Bearer error="invalid_token"')])
        return Reply.json({"token": token})

    def install(self, server: LoopbackServer) -> ClientConfig:
        server.route("/token", self.token)
        server.fallback = self.resource
        return ClientConfig(
            client_id="app", client_secret="CS-client", token_endpoint=server.url("/token")
        )


EXPIRED = Token(access_token="AT-0", refresh_token="RT-0", expires_at=NOW - 3600)


def fixed_now() -> int:
    return NOW


class FixedNonce:
    """A picklable nonce source (each instance is its own source for the reuse warning)."""

    def __init__(self, value: str) -> None:
        self.value = value

    def __call__(self) -> str:
        return self.value


# OAuth 1.0a.


@pytest.mark.checklist("D3")
@pytest.mark.parametrize("placement", list(Placement))
@pytest.mark.parametrize("method", list(SignatureMethod))
def test_oauth1_every_method_and_placement_verifies(
    server: LoopbackServer, rsa_pem: str, method: SignatureMethod, placement: Placement
) -> None:
    provider = OAuth1Provider(rsa_pem)
    server.fallback = provider
    auth = OAuth1Auth(client_for(method, rsa_pem), TOKEN, placement=placement)
    response = requests.post(
        server.url("/photos?size=original&tilde=~a&size=x"),
        data={"form": "a b", "skipped": None},
        auth=auth,
        timeout=5,
    )
    assert response.status_code == 200, response.text
    sent = server.requests[-1]
    carried = {
        Placement.HEADER: "oauth_signature=" in (sent.header("Authorization") or ""),
        Placement.QUERY: "oauth_signature" in sent.query,
        Placement.BODY: "oauth_signature" in sent.form,
    }
    assert carried[placement]
    assert sent.form["form"] == "a b"
    assert "skipped" not in sent.form  # None-valued parameters are not sent nor signed
    assert "tilde=~a" in sent.target  # tilde is not encoded (rauth #186)


@pytest.mark.parametrize("method", [SignatureMethod.HMAC_SHA1, SignatureMethod.RSA_SHA256])
def test_oauth1_json_body_is_sent_and_covered_by_the_body_hash(
    server: LoopbackServer, rsa_pem: str, method: SignatureMethod
) -> None:
    provider = OAuth1Provider(rsa_pem)
    server.fallback = provider
    auth = OAuth1Auth(client_for(method, rsa_pem), TOKEN)
    response = requests.post(server.url("/items?q=1"), json={"a": [1, 2]}, auth=auth, timeout=5)
    assert response.status_code == 200, response.text
    sent = server.requests[-1]
    assert json.loads(sent.body) == {"a": [1, 2]}
    assert "oauth_body_hash=" in (sent.header("Authorization") or "")
    assert provider.verified[-1].body_signed


def test_oauth1_get_without_params_and_query_in_url_are_signed(server: LoopbackServer) -> None:
    provider = OAuth1Provider()
    server.fallback = provider
    auth = OAuth1Auth(HMAC, TOKEN, placement=Placement.QUERY)
    assert requests.get(server.url("/r?a=1&a=2&b=%20x"), auth=auth, timeout=5).status_code == 200
    assert requests.get(server.url("/r"), auth=auth, timeout=5).status_code == 200


def test_oauth1_never_signs_twice(server: LoopbackServer) -> None:
    provider = OAuth1Provider()
    server.fallback = provider
    auth = OAuth1Auth(HMAC, TOKEN)
    prepared = requests.Request("GET", server.url("/r"), auth=auth).prepare()
    header = prepared.headers["Authorization"]
    auth(prepared)
    assert prepared.headers["Authorization"] == header
    with requests.Session() as session:
        assert session.send(prepared, timeout=5).status_code == 200
    assert len(provider.verified) == 1


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


def _ofly_signature(secret: str, path: str, params: dict[str, str]) -> str:
    """The documented scheme, written again independently of oauthcore.ofly."""
    ofly = {k: v for k, v in params.items() if k in ("oflyAppId", "oflyHashMeth", "oflyTimestamp")}
    rest = {k: v for k, v in params.items() if k not in ofly and k != "oflyApiSig"}
    base = f"{secret}{path}?"
    if rest:
        base += "&".join(f"{k}={rest[k]}" for k in sorted(rest)) + "&"
    base += "&".join(f"{k}={ofly[k]}" for k in sorted(ofly))
    return hashlib.sha1(base.encode(), usedforsecurity=False).hexdigest()


@pytest.mark.checklist("L1", "L2", "L3")
def test_ofly_signs_url_and_params_with_padded_milliseconds(server: LoopbackServer) -> None:
    server.fallback = lambda _: Reply.json({"ok": True})
    moment = datetime(2026, 1, 2, 3, 4, 5, 5000, tzinfo=timezone.utc)  # 5 ms
    credentials = OflyCredentials(app_id="app", app_secret="OFLY-secret")
    auth = OflyAuth(credentials, "u1", now=lambda: moment)
    response = requests.get(server.url("/album?x=1"), params={"b": "2 3"}, auth=auth, timeout=5)
    assert response.status_code == 200
    query = server.requests[-1].query
    assert query["oflyTimestamp"] == "2026-01-02T03:04:05.005Z"
    assert query["oflyHashMeth"] == "SHA1"  # SHA-1 unless MD5 is asked for
    assert (query["x"], query["b"], query["oflyUserid"]) == ("1", "2 3", "u1")
    assert query["oflyApiSig"] == _ofly_signature("OFLY-secret", "/album", query)


@pytest.mark.checklist("L4", "L5")
def test_ofly_refuses_bad_input_and_plain_http() -> None:
    credentials = OflyCredentials(app_id="app", app_secret="OFLY-secret")
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
    assert provider.hits == 1
    assert [t.access_token for t in seen] == ["AT-1"]
    assert auth.token.refresh_token == "RT-1"
    resource = [r for r in server.requests if r.path == "/me"]
    assert [r.header("Authorization") for r in resource] == ["Bearer AT-1"]


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
    assert provider.hits == 2
    assert [r.path for r in server.requests] == ["/me", "/token", "/me"]


def _run_threads(count: int, target: Callable[[], object]) -> list[object]:
    results: list[object] = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = target()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert not any(thread.is_alive() for thread in threads)
    return results


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

    results = _run_threads(50, call)
    assert results == [{"token": "AT-1"}] * 50
    assert provider.hits == 1
    assert hooks == ["AT-1"]  # the hook ran once, for the one new token
    resource = [r for r in server.requests if r.path == "/me"]
    assert len(resource) == 50
    assert {r.header("Authorization") for r in resource} == {"Bearer AT-1"}
    refreshed = provider.refreshed_at
    assert refreshed is not None
    assert all(r.header("Authorization") != "Bearer AT-0" for r in resource if r.at > refreshed)


@pytest.mark.checklist("H3")
def test_oauth2_failed_refresh_reaches_every_waiter_as_the_same_error(
    server: LoopbackServer,
) -> None:
    provider = OAuth2Provider(delay=0.5, fail=True)
    client = provider.install(server)
    auth = OAuth2Auth(client, EXPIRED, now=fixed_now)
    results = _run_threads(20, lambda: requests.get(server.url("/me"), auth=auth, timeout=10))
    assert all(isinstance(result, InvalidGrantError) for result in results)
    assert len({id(result) for result in results}) == 1
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
    results = _run_threads(
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
    outcome = _run_threads(1, lambda: requests.get(server.url("/me"), auth=auth, timeout=5))
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
    kept = caught.value.token
    assert isinstance(kept, Token)
    assert kept.access_token == "AT-1"
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
    provider = OAuth1Provider()
    provider.redirects["/start"] = Reply.redirect("/end?page=2", status)
    server.fallback = provider
    auth = OAuth1Auth(HMAC, TOKEN)
    with requests.Session() if session_kind == "plain" else OAuthSession() as session:
        response = session.post(server.url("/start"), data={"a": "1"}, auth=auth, timeout=5)
    assert response.status_code == 200, response.text
    first, second = provider.verified
    assert first.nonce != second.nonce
    keeps_method = status in (307, 308)
    assert response.json()["method"] == ("POST" if keeps_method else "GET")
    assert (server.requests[-1].form.get("a") == "1") is keeps_method
    assert [r.status_code for r in response.history] == [status]


AuthFactory = Callable[[LoopbackServer], requests.auth.AuthBase]

AUTHS: dict[str, AuthFactory] = {
    "oauth1-header": lambda _: OAuth1Auth(HMAC, TOKEN),
    "oauth1-query": lambda _: OAuth1Auth(HMAC, TOKEN, placement=Placement.QUERY),
    "bearer-header": lambda s: OAuth2Auth(
        ClientConfig(client_id="app", token_endpoint=s.url("/token")), Token(access_token="AT-0")
    ),
    "bearer-query": lambda s: OAuth2Auth(
        ClientConfig(client_id="app", token_endpoint=s.url("/token")),
        Token(access_token="AT-0"),
        placement=BearerPlacement.QUERY,
    ),
    "ofly": lambda _: OflyAuth(OflyCredentials(app_id="app", app_secret="OFLY-secret"), "u1"),
}


def _carries_nothing(recorded: Recorded) -> None:
    assert recorded.all("Authorization") == []
    assert recorded.all("Proxy-Authorization") == []
    assert recorded.all("Cookie") == []
    for marker in ("oauth_", "access_token", "oflyApiSig", "AT-0"):
        assert marker not in recorded.target
        assert marker.encode() not in recorded.body


@pytest.mark.checklist("D1", "D3")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("session_kind", ["plain", "oauthcore"])
@pytest.mark.parametrize("kind", sorted(AUTHS))
def test_cross_origin_redirect_carries_no_credentials(
    server: LoopbackServer, other: LoopbackServer, status: int, session_kind: str, kind: str
) -> None:
    server.fallback = lambda _: Reply.redirect(other.url("/landing"), status)
    other.fallback = lambda _: Reply.json({"landed": True})
    with requests.Session() if session_kind == "plain" else OAuthSession() as session:
        session.cookies.set("sid", "cookie-secret", domain="127.0.0.1")
        response = session.get(server.url("/start"), auth=AUTHS[kind](server), timeout=5)
    assert response.json() == {"landed": True}
    assert server.requests[0].header("Cookie") == "sid=cookie-secret"
    (landed,) = other.requests
    _carries_nothing(landed)


@pytest.mark.checklist("D1", "D2")
@pytest.mark.parametrize("status", STATUSES)
def test_cross_origin_redirect_drops_the_callers_own_credential_headers(
    server: LoopbackServer, other: LoopbackServer, status: int
) -> None:
    server.fallback = lambda _: Reply.redirect(other.url("/landing"), status)
    other.fallback = lambda _: Reply.json({"landed": True})
    headers = {"authorization": "Basic dTpw", "COOKIE": "a=b", "Proxy-Authorization": "Basic x"}
    with OAuthSession() as session:
        assert session.get(server.url("/start"), headers=headers, timeout=5).ok
    assert server.requests[0].header("Authorization") == "Basic dTpw"
    _carries_nothing(other.requests[0])


@pytest.mark.checklist("D1")
def test_scheme_relative_location_is_resolved_and_policy_checked(
    server: LoopbackServer, other: LoopbackServer
) -> None:
    server.fallback = lambda _: Reply.redirect(f"//127.0.0.1:{other.port}/x")
    other.fallback = lambda _: Reply.json({"landed": True})
    assert requests.get(server.url("/"), auth=OAuth1Auth(HMAC, TOKEN), timeout=5).ok
    _carries_nothing(other.requests[0])


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
    client = ClientConfig(
        client_id="app", client_secret="CS-client", token_endpoint=server.url("/token")
    )
    flow = token_flow(build_client_credentials_request(client))
    session = requests.Session() if session_kind == "plain" else OAuthSession()
    with session, pytest.raises(RedirectPolicyError) as caught:
        send_flow(session, flow)
    assert str(status) in str(caught.value)
    assert "/token" not in str(caught.value)  # the target's origin only
    assert len(server.requests) == 1
    assert other.requests == []


@pytest.mark.checklist("D4", "D5")
def test_refresh_redirect_is_not_followed(server: LoopbackServer, other: LoopbackServer) -> None:
    provider = OAuth2Provider()
    provider.install(server)
    server.route("/token", Reply.redirect(other.url("/token"), 307))
    client = ClientConfig(
        client_id="app", client_secret="CS-client", token_endpoint=server.url("/token")
    )
    auth = OAuth2Auth(client, EXPIRED, now=fixed_now)
    with pytest.raises(RefreshOutcomeUnknown) as caught:
        requests.get(server.url("/me"), auth=auth, timeout=5)
    assert isinstance(caught.value.__cause__, RedirectPolicyError)
    assert other.requests == []
    assert [r.path for r in server.requests] == ["/token"]


@pytest.mark.checklist("D6")
@pytest.mark.parametrize("session_kind", ["plain", "oauthcore"])
def test_redirect_loop_stops_after_five_hops(server: LoopbackServer, session_kind: str) -> None:
    def loop(recorded: Recorded) -> Reply:
        return Reply.redirect(f"/loop/{int(recorded.path.rsplit('/', 1)[1]) + 1}")

    server.fallback = loop
    session = requests.Session() if session_kind == "plain" else OAuthSession()
    with session, pytest.raises(RedirectPolicyError, match="more than 5"):
        session.get(server.url("/loop/0"), auth=OAuth1Auth(HMAC, TOKEN), timeout=5)
    assert len(server.requests) == 1 + MAX_HOPS


@pytest.mark.checklist("D7")
@pytest.mark.parametrize(
    "location", ["ftp://127.0.0.1/x", "file:///etc/passwd", "javascript:alert(1)", "data:,x"]
)
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
    request = build_client_credentials_request(
        ClientConfig(client_id="app", client_secret="CS-client", token_endpoint=server.url("/bomb"))
    )
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
    client = ClientConfig(
        client_id="app", client_secret="CS-client", token_endpoint=server.url(path)
    )
    with requests.Session() as session:
        return send_flow(session, token_flow(build_client_credentials_request(client)))


BIG = 10 * 1024 * 1024


@pytest.mark.checklist("A4", "M1")
@pytest.mark.parametrize(
    "reply",
    [
        Reply(body=b"x" * BIG),
        Reply.endless(chunked=True),
        Reply.endless(headers=[("Content-Length", str(BIG * 1000))]),
    ],
    ids=["10MiB", "endless-chunked", "lying-content-length"],
)
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
    bomb = gzip_bomb()
    assert len(bomb) < MAX_BODY_BYTES
    server.route("/token", Reply(headers=[("Content-Encoding", "gzip")], body=bomb))
    with pytest.raises(ResponseTooLargeError):
        _token_request(server, "/token")


@pytest.mark.checklist("A5", "M2")
def test_three_stacked_codings_are_refused(server: LoopbackServer) -> None:
    body = b'{"access_token": "AT", "token_type": "Bearer"}'
    for _ in range(3):
        body = gzip.compress(body)
    server.route("/token", Reply(headers=[("Content-Encoding", "gzip, gzip, gzip")], body=body))
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
    assert (
        OAuth1Auth(HMAC).max_redirects
        == OflyAuth(OflyCredentials(app_id="a", app_secret="s"), "u").max_redirects
        == 5
    )


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
    trickle = Reply(
        headers=[] if chunked else [("Content-Length", "1000")],
        chunks=(b"x" for _ in range(1000)),
        chunked=chunked,
        chunk_delay=0.05,
    )
    server.fallback = lambda _: trickle
    started = time.monotonic()
    with OAuthSession(deadline=1.0) as session, pytest.raises(requests.exceptions.Timeout):
        session.get(server.url("/"))
    assert time.monotonic() - started < 1.0 + 1


# Ambient credentials and TLS (C7, C9), the import guard (N5).


@pytest.mark.checklist("C7")
def test_netrc_is_never_applied(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-password\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NETRC", str(netrc))
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
    probe = (
        "import sys\n"
        "sys.modules['requests'] = None\n"
        "try:\n"
        "    import oauthcore.adapters.requests\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, exc.module, exc.extra)\n"
    )
    out = subprocess.run(  # noqa: S603 (fixed interpreter and arguments)
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["MissingDependencyError", "requests", "requests"]

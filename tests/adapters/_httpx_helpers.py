"""Server-side helpers for the httpx adapter tests: an OAuth 1.0a verifier, an OAuth 2.0
provider, and one way to send a request through each kind of httpx client."""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from loopback import LoopbackServer, Recorded, Reply

from oauthcore import VerificationError
from oauthcore.adapters.httpx import AsyncOAuthClient, OAuthClient
from oauthcore.oauth1 import (
    ClientCredentials,
    Consumer,
    NonceCache,
    SignatureMethod,
    TokenCredentials,
    VerifiedRequest,
    verify_request,
)
from oauthcore.oauth2 import ClientConfig, Token
from oauthcore.rsa import load_public_key

NOW = 1_700_000_000
TOKEN = TokenCredentials(token="tt", secret="TS-token-secret")
HMAC = ClientCredentials(key="ck", secret="CS-secret")
EXPIRED = Token(access_token="AT-0", refresh_token="RT-0", expires_at=NOW - 3600)

TLS = ssl.create_default_context()
"""One verifying context for every test client: building one per client costs ~60 ms."""

# Every way the tests send a request: a plain httpx client (the auth follows redirects from
# its flow) or an oauthcore client (the client follows them), sync and async.
KINDS = ("sync", "async", "oauth-sync", "oauth-async")


def fixed_now() -> int:
    return NOW


class FixedNonce:
    """A picklable nonce source (each instance is its own source for the reuse warning)."""

    def __init__(self, value: str) -> None:
        self.value = value

    def __call__(self) -> str:
        return self.value


def client_for(method: SignatureMethod, rsa_pem: str) -> ClientCredentials:
    if method.is_rsa:
        return ClientCredentials.build("rk", signature_method=method, rsa_key=rsa_pem)
    return ClientCredentials(key="ck", secret="CS-secret", signature_method=method)


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


def send(
    kind: str,
    method: str,
    url: str,
    *,
    auth: httpx.Auth | None = None,
    client_options: dict[str, Any] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request through a new client of ``kind``; the body is read, the client closed."""
    options = {"timeout": 5.0, "verify": TLS, **(client_options or {})}
    if kind == "sync":
        with httpx.Client(**options) as client:
            return client.request(method, url, auth=auth, **kwargs)
    if kind == "oauth-sync":
        with OAuthClient(**options) as oauth_client:
            return oauth_client.request(method, url, auth=auth, **kwargs)

    async def go() -> httpx.Response:
        if kind == "async":
            async with httpx.AsyncClient(**options) as client:
                return await client.request(method, url, auth=auth, **kwargs)
        async with AsyncOAuthClient(**options) as oauth_client:
            return await oauth_client.request(method, url, auth=auth, **kwargs)

    return asyncio.run(go())


def run_threads(count: int, target: Callable[[], object]) -> list[object]:
    """Run ``target`` in ``count`` threads released together; return results or exceptions."""
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

"""What the adapter tests share: the OAuth providers the loopback servers play, the fixed
credentials, clocks and nonces, a thread runner, an independent Ofly signer, loopback TLS
servers with a self-signed certificate, and the assertions every adapter's tests make about
what reached the server.

Each adapter's tests stay in their own module and speak that adapter's API; only what does
not depend on the client lives here. Imported as ``from providers import ...`` (like
:mod:`loopback`). The assertions carry their own messages: pytest rewrites only test modules.
"""

from __future__ import annotations

import contextlib
import datetime
import gzip
import hashlib
import ipaddress
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa
from cryptography.x509.oid import NameOID
from loopback import LoopbackServer, Recorded, Reply, gzip_bomb

from oauthcore import RedirectPolicyError, RefreshOutcomeUnknown, VerificationError
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
from oauthcore.oauth2 import BearerPlacement, ClientConfig, Token
from oauthcore.ofly import OflyCredentials
from oauthcore.rsa import load_public_key

A = TypeVar("A")

NOW = 1_700_000_000
TOKEN = TokenCredentials(token="tt", secret="TS-token-secret")
HMAC = ClientCredentials(key="ck", secret="CS-secret")
EXPIRED = Token(access_token="AT-0", refresh_token="RT-0", expires_at=NOW - 3600)
OFLY = OflyCredentials(app_id="app", app_secret="OFLY-secret")
OFLY_MOMENT = datetime.datetime(2026, 1, 2, 3, 4, 5, 5000, tzinfo=datetime.timezone.utc)  # 5 ms
STATUSES = (301, 302, 303, 307, 308)
NON_HTTP_LOCATIONS = ("ftp://127.0.0.1/x", "file:///etc/passwd", "javascript:alert(1)", "data:,x")
BIG = 10 * 1024 * 1024
OVERSIZED_TOKEN_REPLIES = [
    pytest.param(Reply(body=b"x" * BIG), id="10MiB"),
    pytest.param(Reply.endless(chunked=True), id="endless-chunked"),
    pytest.param(
        Reply.endless(headers=[("Content-Length", str(BIG * 1000))]), id="lying-content-length"
    ),
]
"""Token-endpoint answers over the cap (their chunks repeat forever: safe to share)."""


def fixed_now() -> int:
    return NOW


class FixedNonce:
    """A picklable nonce source (each instance is its own source for the reuse warning)."""

    def __init__(self, value: str) -> None:
        self.value = value

    def __call__(self) -> str:
        return self.value


def new_rsa_pem() -> str:
    """A new 2048-bit RSA private key, PKCS#8 PEM (a module-scoped fixture's body)."""
    key = crypto_rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def client_for(method: SignatureMethod, rsa_pem: str) -> ClientCredentials:
    """The client credentials :class:`OAuth1Provider` knows for ``method``."""
    if method.is_rsa:
        return ClientCredentials.build("rk", signature_method=method, rsa_key=rsa_pem)
    return ClientCredentials(key="ck", secret="CS-secret", signature_method=method)


def client_credentials(server: LoopbackServer, path: str = "/token") -> ClientConfig:
    """A confidential client whose token endpoint is ``path`` on ``server``."""
    return ClientConfig(client_id="app", client_secret="CS-client", token_endpoint=server.url(path))


# The providers.


class OAuth1Provider:
    """Verifies every request with :func:`oauthcore.oauth1.verify_request`, as a server would;
    ``redirects`` maps a path to the redirect answered once it verified."""

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

    def install(self, server: LoopbackServer) -> OAuth1Provider:
        """Answer every request to ``server`` that no route takes."""
        server.fallback = self
        return self

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
    """A token endpoint (refresh grant, rotating tokens ``AT-n``/``RT-n``, ``hits`` counted)
    and a Bearer-protected resource (header or query) answering ``{"token": ...}``.

    ``delay`` widens the race window of concurrent refreshes (checklist T8); ``fail`` answers
    ``invalid_grant``; ``reject`` refuses every token; ``during_refresh`` runs inside the
    token request, after it is counted."""

    def __init__(self, *, delay: float = 0.0, fail: bool = False, valid: str = "AT-0") -> None:
        self.delay = delay
        self.fail = fail
        self.lock = threading.Lock()
        self.hits = 0
        self.valid = {valid}
        self.reject = False
        self.refreshed_at: float | None = None
        self.during_refresh: Callable[[], None] | None = None

    def token(self, recorded: Recorded) -> Reply:
        time.sleep(self.delay)
        with self.lock:
            self.hits += 1
            count = self.hits
        if self.during_refresh is not None:
            self.during_refresh()
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
        return client_credentials(server)


def credential_auths(
    oauth1: Callable[..., A], oauth2: Callable[..., A], ofly: Callable[..., A]
) -> dict[str, Callable[[LoopbackServer], A]]:
    """Every kind of credential an adapter sends, built with that adapter's own OAuth 1.0a,
    OAuth 2.0 and Ofly classes, by name; each factory takes the server whose ``/token`` is
    the token endpoint."""

    def bearer(server: LoopbackServer, **options: object) -> A:
        client = ClientConfig(client_id="app", token_endpoint=server.url("/token"))
        return oauth2(client, Token(access_token="AT-0"), **options)

    return {
        "oauth1-header": lambda _: oauth1(HMAC, TOKEN),
        "oauth1-query": lambda _: oauth1(HMAC, TOKEN, placement=Placement.QUERY),
        "bearer-header": lambda s: bearer(s),
        "bearer-query": lambda s: bearer(s, placement=BearerPlacement.QUERY),
        "ofly": lambda _: ofly(OFLY, "u1"),
    }


# Scripted servers.


def redirect_loop(recorded: Recorded) -> Reply:
    """A handler redirecting ``/loop/N`` to ``/loop/N+1``, forever."""
    return Reply.redirect(f"/loop/{int(recorded.path.rsplit('/', 1)[1]) + 1}")


def redirect_to_other(server: LoopbackServer, other: LoopbackServer, status: int = 302) -> None:
    """Every request to ``server`` is redirected to ``other`` (another origin), which answers
    ``{"landed": true}``."""
    server.fallback = lambda _: Reply.redirect(other.url("/landing"), status)
    other.fallback = lambda _: Reply.json({"landed": True})


def route_gzip_bomb(server: LoopbackServer, path: str = "/token") -> None:
    """``path`` answers a gzip body smaller than the cap that inflates far beyond it."""
    bomb = gzip_bomb()
    assert len(bomb) < MAX_BODY_BYTES
    server.route(path, Reply(headers=[("Content-Encoding", "gzip")], body=bomb))


def stacked_codings() -> Reply:
    """A token response in three stacked gzip codings (more than oauthcore decodes)."""
    body = b'{"access_token": "AT", "token_type": "Bearer"}'
    for _ in range(3):
        body = gzip.compress(body)
    return Reply(headers=[("Content-Encoding", "gzip, gzip, gzip")], body=body)


def trickle(chunked: bool) -> Reply:
    """A body of 1,000 bytes sent one every 50 ms: each read is quick, the whole is not."""
    return Reply(
        headers=[] if chunked else [("Content-Length", "1000")],
        chunks=(b"x" for _ in range(1000)),
        chunked=chunked,
        chunk_delay=0.05,
    )


def install_netrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``.netrc`` with credentials for 127.0.0.1, where every HTTP library would look."""
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-password\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NETRC", str(netrc))


def import_without(library: str, module: str) -> list[str]:
    """Import ``module`` in a fresh interpreter where ``library`` is missing; return the
    error's class name, ``module`` and ``extra`` attributes (checklist N5)."""
    probe = (
        "import sys\n"
        f"sys.modules[{library!r}] = None\n"
        "try:\n"
        f"    import {module}\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, exc.module, exc.extra)\n"
    )
    out = subprocess.run(  # noqa: S603 (fixed interpreter and arguments)
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return out.split()


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
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    return results


# What reached the server.


def ofly_signature(secret: str, path: str, params: dict[str, str]) -> str:
    """The documented Ofly scheme, written again independently of oauthcore.ofly."""
    ofly = {k: v for k, v in params.items() if k in ("oflyAppId", "oflyHashMeth", "oflyTimestamp")}
    rest = {k: v for k, v in params.items() if k not in ofly and k != "oflyApiSig"}
    base = f"{secret}{path}?"
    if rest:
        base += "&".join(f"{k}={rest[k]}" for k in sorted(rest)) + "&"
    base += "&".join(f"{k}={ofly[k]}" for k in sorted(ofly))
    return hashlib.sha1(base.encode(), usedforsecurity=False).hexdigest()


def assert_ofly_signed(sent: Recorded) -> None:
    """``sent`` is ``GET /album?x=1&b=2 3`` signed by ``OFLY`` for user ``u1`` at
    ``OFLY_MOMENT``: padded milliseconds, SHA-1 unless MD5 is asked for (L1-L3)."""
    query = sent.query
    assert query["oflyTimestamp"] == "2026-01-02T03:04:05.005Z", query
    assert query["oflyHashMeth"] == "SHA1", query
    assert (query["x"], query["b"], query["oflyUserid"]) == ("1", "2 3", "u1"), query
    assert sent.path == "/album", sent.target
    assert query["oflyApiSig"] == ofly_signature("OFLY-secret", "/album", query), query


def assert_signature_carried(sent: Recorded, placement: Placement) -> None:
    """The OAuth 1.0a signature travelled where ``placement`` puts it."""
    carried = {
        Placement.HEADER: "oauth_signature=" in (sent.header("Authorization") or ""),
        Placement.QUERY: "oauth_signature" in sent.query,
        Placement.BODY: "oauth_signature" in sent.form,
    }
    assert carried[placement], (placement, sent)


def assert_carries_no_credentials(recorded: Recorded) -> None:
    """No credential of any kind: no credential header, no signature or token anywhere."""
    assert recorded.all("Authorization") == [], recorded
    assert recorded.all("Proxy-Authorization") == [], recorded
    assert recorded.all("Cookie") == [], recorded
    for marker in ("oauth_", "access_token", "oflyApiSig", "AT-0"):
        assert marker not in recorded.target, (marker, recorded.target)
        assert marker.encode() not in recorded.body, (marker, recorded.body)


def assert_signed_again_with_a_fresh_nonce(
    provider: OAuth1Provider, server: LoopbackServer, status: int, answer: object
) -> None:
    """A form POST redirected by ``status`` within the origin was signed again with a new
    nonce; ``answer`` (the provider's JSON) shows the method kept or turned into GET."""
    first, second = provider.verified
    assert first.nonce != second.nonce
    keeps_method = status in (307, 308)
    assert isinstance(answer, dict), answer
    assert answer["method"] == ("POST" if keeps_method else "GET"), (status, answer)
    assert (server.requests[-1].form.get("a") == "1") is keeps_method, server.requests[-1]


def assert_renewed_before_sending(
    server: LoopbackServer, provider: OAuth2Provider, seen: Sequence[Token], token: Token
) -> None:
    """``EXPIRED`` was renewed once before the resource saw anything: the hook got the new
    token, the auth keeps it, and only ``AT-1`` reached the resource (G1)."""
    assert provider.hits == 1, provider.hits
    assert [t.access_token for t in seen] == ["AT-1"], seen
    assert token.refresh_token == "RT-1", token
    assert [r.path for r in server.requests] == ["/token", "/me"], server.requests
    assert server.requests[1].header("Authorization") == "Bearer AT-1", server.requests[1]


def assert_replayed_once(server: LoopbackServer, provider: OAuth2Provider) -> None:
    """A token that keeps failing was renewed once and the request replayed once (G3); the
    first renewal came before ``server.clear()``."""
    assert provider.hits == 2, provider.hits
    assert [r.path for r in server.requests] == ["/me", "/token", "/me"], server.requests


def assert_refreshed_once(server: LoopbackServer, provider: OAuth2Provider, count: int) -> None:
    """``count`` concurrent calls from ``EXPIRED``: one refresh, every resource request with
    ``AT-1``, and none with ``AT-0`` after the refresh (H1, H2)."""
    assert provider.hits == 1, provider.hits
    resource = [r for r in server.requests if r.path == "/me"]
    assert len(resource) == count, len(resource)
    assert {r.header("Authorization") for r in resource} == {"Bearer AT-1"}
    refreshed = provider.refreshed_at
    assert refreshed is not None
    assert all(r.header("Authorization") != "Bearer AT-0" for r in resource if r.at > refreshed)


def assert_one_shared_error(results: Sequence[object], error: type[BaseException]) -> None:
    """Every waiter got the one refresh's failure, as the same ``error`` object (H3)."""
    assert all(isinstance(result, error) for result in results), results
    assert len({id(result) for result in results}) == 1, results


def assert_new_token_kept(error: BaseException, access_token: str = "AT-1") -> None:
    """A failing ``on_token`` hook's error carries the new token (G7)."""
    kept = getattr(error, "token", None)
    assert isinstance(kept, Token), error
    assert kept.access_token == access_token, kept


def assert_token_redirect_refused(
    error: BaseException, status: int, server: LoopbackServer, other: LoopbackServer
) -> None:
    """A token request answered by a ``status`` redirect went nowhere else; the error names
    the status and the target's origin only (D4, D5)."""
    assert str(status) in str(error), error
    assert "/token" not in str(error), error
    assert len(server.requests) == 1, server.requests
    assert other.requests == [], other.requests


def assert_refresh_redirect_refused(
    error: BaseException, server: LoopbackServer, other: LoopbackServer
) -> None:
    """A refresh answered by a redirect: the outcome is unknown, nothing followed it and no
    resource request went out (D4, D5)."""
    assert isinstance(error, RefreshOutcomeUnknown), error
    assert isinstance(error.__cause__, RedirectPolicyError), error.__cause__
    assert other.requests == [], other.requests
    assert [r.path for r in server.requests] == ["/token"], server.requests


# Loopback TLS.


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for 127.0.0.1 (usable as its own CA) and its key;
    return their paths."""
    key = crypto_rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oauthcore loopback")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def serve_tls(cert: Path, key: Path) -> Iterator[LoopbackServer]:
    """A fixture body: a loopback server speaking HTTPS with ``cert`` (handshake per thread)."""
    server = LoopbackServer()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    listener = server._server  # the helper's own http.server instance
    listener.socket = context.wrap_socket(
        listener.socket, server_side=True, do_handshake_on_connect=False
    )
    with server:
        yield server


class TlsServer:
    """A TLS server on 127.0.0.1 with a self-signed certificate answering ``reply`` (raw HTTP
    bytes) to every request; ``handshakes`` counts completed TLS handshakes."""

    def __init__(self, directory: Path, reply: bytes) -> None:
        cert, key = self_signed_certificate(directory)
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(cert, key)
        self._reply = reply
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self.handshakes = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def url(self, path: str = "/") -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            with contextlib.suppress(OSError), conn:
                conn.settimeout(5)
                with self._context.wrap_socket(conn, server_side=True) as tls:
                    self.handshakes += 1
                    data = b""
                    while b"\r\n\r\n" not in data:
                        chunk = tls.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    tls.sendall(self._reply)

    def __enter__(self) -> TlsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()

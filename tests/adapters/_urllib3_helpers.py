"""Helpers of the urllib3 adapter tests: the providers the loopback servers play, a thread
runner, an independent Ofly signer, and a loopback HTTPS server with a self-signed certificate.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa
from cryptography.x509.oid import NameOID
from loopback import LoopbackServer, Recorded, Reply

from oauthcore import VerificationError
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


def fixed_now() -> int:
    return NOW


def new_rsa_pem() -> str:
    key = crypto_rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def client_for(method: SignatureMethod, rsa_pem: str) -> ClientCredentials:
    if method.is_rsa:
        return ClientCredentials.build("rk", signature_method=method, rsa_key=rsa_pem)
    return ClientCredentials(key="ck", secret="CS-secret", signature_method=method)


class OAuth1Provider:
    """Verifies every request with :func:`oauthcore.oauth1.verify_request`, as a server would."""

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
        self.during_refresh: Callable[[], None] | None = None

    def token(self, recorded: Recorded) -> Reply:
        time.sleep(self.delay)  # widens the race window (checklist T8)
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
        return ClientConfig(
            client_id="app", client_secret="CS-client", token_endpoint=server.url("/token")
        )


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


def ofly_signature(secret: str, path: str, params: dict[str, str]) -> str:
    """The documented Ofly scheme, written again independently of oauthcore.ofly."""
    ofly = {k: v for k, v in params.items() if k in ("oflyAppId", "oflyHashMeth", "oflyTimestamp")}
    rest = {k: v for k, v in params.items() if k not in ofly and k != "oflyApiSig"}
    base = f"{secret}{path}?"
    if rest:
        base += "&".join(f"{k}={rest[k]}" for k in sorted(rest)) + "&"
    base += "&".join(f"{k}={ofly[k]}" for k in sorted(ofly))
    return hashlib.sha1(base.encode(), usedforsecurity=False).hexdigest()


# A loopback HTTPS server.


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for 127.0.0.1 and its key; return their paths."""
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

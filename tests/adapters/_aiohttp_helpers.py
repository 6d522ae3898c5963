"""Helpers of the aiohttp adapter tests: the OAuth providers the loopback server plays, and a
small TLS server with a self-signed certificate (for TLS verification and https→http hops).
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import socket
import ssl
import threading
import time
from pathlib import Path
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from loopback import LoopbackServer, Recorded, Reply

from oauthcore import VerificationError
from oauthcore.oauth1 import (
    Consumer,
    NonceCache,
    SignatureMethod,
    TokenCredentials,
    VerifiedRequest,
    verify_request,
)
from oauthcore.oauth2 import ClientConfig
from oauthcore.rsa import load_public_key

TOKEN = TokenCredentials(token="tt", secret="TS-token-secret")


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


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
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
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class TlsServer:
    """A TLS server on 127.0.0.1 with a self-signed certificate answering ``reply`` (raw HTTP
    bytes) to every request; ``handshakes`` counts completed TLS handshakes."""

    def __init__(self, directory: Path, reply: bytes) -> None:
        cert, key = _self_signed(directory)
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

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()

"""Authlib's Flask OAuth 1.0a server and resource protector, for oauthcore's interop tests.

Run by the ``authlib_oauth1_provider`` fixture (``tests/interop/test_oauth1_authlib.py``) as
``python -m interop.providers.authlib_oauth1 [--lifetime S]`` from ``tests/``. It binds
``127.0.0.1:0``, builds a Flask app around
:class:`authlib.integrations.flask_oauth1.AuthorizationServer` and ``ResourceProtector`` with
in-memory storage, serves it with wsgiref (threaded, ``TCP_NODELAY``) and prints one JSON
ready line; see ``_lifecycle.py`` for how it stops.

Signature methods: the three Authlib verifies without ``register_signature_method``
(HMAC-SHA1, RSA-SHA1, PLAINTEXT), in the header, the query or the form body. Each
(client, timestamp, nonce, token) is accepted once. Client ``relaxed`` has a key and secret
with reserved and non-ASCII characters and an RSA key (the private half is in the ready
line); user ``alice``.

Authlib's Flask integration hands its core Werkzeug's ``request.url``, an IRI: a
percent-encoded non-ASCII query value arrives decoded, and Authlib's ``url_decode`` refuses
it (a ``ValueError``, so ``500``). The endpoints below give Authlib the URI as received
instead (``RawUriServer``, ``RawUriProtector``); ``stock_request_token`` is Authlib unchanged,
for the test that pins the bug.

Endpoints: ``request_token`` (POST), ``authorize`` (test-only: approves for the user named in
the ``X-Test-User`` header, no consent page, ``302`` to the callback with ``oauth_token`` and
``oauth_verifier``), ``access_token`` (POST) and ``resource`` (GET or POST, protected): JSON
with the user, the client key, the signature method and the non-protocol parameters
received, sorted; Authlib's JSON error otherwise.
"""

from __future__ import annotations

import secrets
import socketserver
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from . import _lifecycle

try:
    from authlib.integrations.flask_oauth1 import (
        AuthorizationServer,
        ResourceProtector,
        current_credential,
    )
    from authlib.oauth1 import OAuth1Request
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from flask import Flask, Response, g, jsonify, request
except ImportError as exc:  # reported by the fixture, which skips or fails
    sys.exit(f"authlib_oauth1 provider: missing dependency: {exc}")

USER = "alice"
KEY = "relaxed key:+/é"
SECRET = "relaxed secret&+%é"
METHODS = ("HMAC-SHA1", "RSA-SHA1", "PLAINTEXT")


@dataclass
class Client:
    """Authlib's OAuth 1 ``ClientMixin``."""

    client_id: str
    client_secret: str
    rsa_public_key: bytes

    def get_default_redirect_uri(self) -> str | None:
        return None

    def get_client_secret(self) -> str:
        return self.client_secret

    def get_rsa_public_key(self) -> bytes:
        return self.rsa_public_key


@dataclass
class Credential:
    """Temporary or token credentials: Authlib's ``TemporaryCredentialMixin``."""

    client_id: str
    oauth_token: str
    oauth_token_secret: str
    redirect_uri: str | None = None
    user: str | None = None
    verifier: str | None = None

    def get_client_id(self) -> str:
        return self.client_id

    def get_user_id(self) -> str | None:
        return self.user

    def get_redirect_uri(self) -> str | None:
        return self.redirect_uri

    def check_verifier(self, verifier: str) -> bool:
        return self.verifier is not None and secrets.compare_digest(
            self.verifier.encode(), verifier.encode()
        )

    def get_oauth_token(self) -> str:
        return self.oauth_token

    def get_oauth_token_secret(self) -> str:
        return self.oauth_token_secret


class Store:
    """Everything the server knows, behind one lock (the server is threaded)."""

    def __init__(self, client: Client) -> None:
        self.lock = threading.Lock()
        self.clients = {client.client_id: client}
        self.temporary: dict[str, Credential] = {}
        self.tokens: dict[tuple[str, str], Credential] = {}
        self.nonces: set[tuple[str, str, str, str | None]] = set()

    def exists_nonce(self, nonce: str, timestamp: str, client_id: str, token: str | None) -> bool:
        # RFC 5849 §3.3: unique per (timestamp, nonce, token) for the client; remembered here.
        key = (nonce, timestamp, client_id, token)
        with self.lock:
            seen = key in self.nonces
            self.nonces.add(key)
        return seen

    def create_temporary(
        self, token: dict[str, str], client_id: str, redirect_uri: str
    ) -> Credential:
        credential = Credential(client_id=client_id, redirect_uri=redirect_uri, **token)
        with self.lock:
            self.temporary[credential.oauth_token] = credential
        return credential

    def get_temporary(self, token: str) -> Credential | None:
        with self.lock:
            return self.temporary.get(token)

    def delete_temporary(self, token: str) -> None:
        with self.lock:
            self.temporary.pop(token, None)

    def authorize(self, credential: Credential, user: str, verifier: str) -> None:
        with self.lock:
            credential.user, credential.verifier = user, verifier

    def create_token(self, token: dict[str, str], temporary: Credential) -> Credential:
        credential = Credential(client_id=temporary.client_id, user=temporary.user, **token)
        with self.lock:
            self.tokens[(credential.client_id, credential.oauth_token)] = credential
        return credential

    def get_token(self, client_id: str, token: str) -> Credential | None:
        with self.lock:
            return self.tokens.get((client_id, token))


View = Callable[[], Response]


def raw_url() -> str:
    """The request's URL with its query exactly as received (not Werkzeug's IRI)."""
    query = request.environ.get("QUERY_STRING", "")
    base = request.host_url.rstrip("/") + request.path
    return f"{base}?{query}" if query else base


class RawUriServer(AuthorizationServer):  # type: ignore[misc]
    """Authlib's server, given the URI as received (the workaround the tests pin)."""

    def create_oauth1_request(self, req: Any) -> Any:
        body = request.form.to_dict(flat=True) if request.method in ("POST", "PUT") else None
        return OAuth1Request(request.method, raw_url(), body, request.headers)


class RawUriProtector(ResourceProtector):  # type: ignore[misc]
    """Authlib's resource protector, given the URI as received."""

    def acquire_credential(self) -> Any:
        req = self.validate_request(
            request.method, raw_url(), request.form.to_dict(flat=True), request.headers
        )
        g.authlib_server_oauth1_credential = req.credential
        return req.credential


def _server(cls: type[Any], app: Flask, store: Store) -> Any:
    server = cls(app, query_client=store.clients.get)
    server.register_hook("exists_nonce", store.exists_nonce)
    server.register_hook("create_temporary_credential", store.create_temporary)
    server.register_hook("get_temporary_credential", store.get_temporary)
    server.register_hook("delete_temporary_credential", store.delete_temporary)
    server.register_hook("create_authorization_verifier", store.authorize)
    server.register_hook("create_token_credential", store.create_token)
    return server


def create_app(store: Store) -> Flask:
    app = Flask(__name__)
    app.config.update(OAUTH1_SUPPORTED_SIGNATURE_METHODS=list(METHODS))

    server = _server(RawUriServer, app, store)
    stock = _server(AuthorizationServer, app, store)
    protector = RawUriProtector(
        app,
        query_client=store.clients.get,
        query_token=store.get_token,
        exists_nonce=store.exists_nonce,
    )

    @app.post("/stock/request_token")
    def stock_request_token() -> Any:
        # Authlib unchanged: it reads Werkzeug's request.url, an IRI.
        return stock.create_temporary_credentials_response()

    def protect(view: View) -> View:
        """Authlib's ``require_oauth`` decorator, typed."""
        decorated: View = protector(view)
        return decorated

    @app.post("/request_token")
    def request_token() -> Any:
        return server.create_temporary_credentials_response()

    @app.get("/authorize")
    def authorize() -> Any:
        user = request.headers.get("X-Test-User") or None
        if user != USER:
            return Response("login required", status=401, mimetype="text/plain")
        return server.create_authorization_response(grant_user=user)

    @app.post("/access_token")
    def access_token() -> Any:
        return server.create_token_response()

    @app.route("/resource", methods=["GET", "POST"])
    @protect
    def resource() -> Response:
        credential = current_credential._get_current_object()
        received = [*request.args.items(multi=True), *request.form.items(multi=True)]
        oauth = dict(received)
        auth = request.headers.get("Authorization", "")
        method = oauth.get("oauth_signature_method") or next(
            (m for m in METHODS if f'oauth_signature_method="{m}"' in auth), None
        )
        return jsonify(
            {
                "user": credential.user,
                "client_key": credential.client_id,
                "signature_method": method,
                "params": sorted([k, v] for k, v in received if not k.startswith("oauth_")),
            }
        )

    return app


def _rsa_keys() -> tuple[str, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class ThreadedServer(_lifecycle.NoDelayMixin, socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def main() -> None:
    args = _lifecycle.parse_args(__doc__.splitlines()[0] if __doc__ else "")
    _lifecycle.quiet()
    server = ThreadedServer(("127.0.0.1", 0), QuietHandler)
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    private_pem, public_pem = _rsa_keys()
    store = Store(Client(client_id=KEY, client_secret=SECRET, rsa_public_key=public_pem))
    server.set_app(create_app(store))
    _lifecycle.serve(
        server,
        lifetime=args.lifetime,
        base_url=base_url,
        endpoints={
            name: f"{base_url}/{name}"
            for name in ("request_token", "authorize", "access_token", "resource")
        }
        | {"stock_request_token": f"{base_url}/stock/request_token"},
        clients={
            "relaxed": {
                "key": KEY,
                "secret": SECRET,
                "rsa_private_key": private_pem,
                "signature_methods": list(METHODS),
            },
            "user": {"username": USER},
        },
    )


if __name__ == "__main__":
    main()

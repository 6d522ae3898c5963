"""Authlib's Flask authorization server and resource protector, for oauthcore's interop tests.

Run by the ``authlib_oauth2_provider`` fixture (``tests/interop/test_oauth2_authlib.py``) as
``python -m interop.providers.authlib_oauth2 [--lifetime S]`` from ``tests/``. It binds
``127.0.0.1:0`` first (the issuer URL is then known), builds a Flask app around
:class:`authlib.integrations.flask_oauth2.AuthorizationServer` with in-memory storage, serves
it with wsgiref (threaded, ``TCP_NODELAY``) and prints one JSON ready line; see
``_lifecycle.py`` for how it stops.

Grants: authorization code with Authlib's ``CodeChallenge(required=True)`` (RFC 7636; S256
and plain), refresh token (rotating: each refresh issues a new refresh token and revokes
the old access and refresh tokens), resource owner password credentials, client
credentials. Endpoints: revocation (RFC 7009; revoking an access token revokes it alone,
revoking a refresh token revokes both), introspection (RFC 7662; access tokens only, for the
client they were issued to), an RFC 8414 metadata document checked by Authlib's own
``AuthorizationServerMetadata.validate``, and RFC 9207 ``iss`` through Authlib's
``IssuerParameter`` extension.

Registered (all secrets are test values, printed in the ready line):

- ``confidential``: authorization code and refresh, ``client_secret_basic``, a secret with
  ``:``, ``+``, ``%``, ``/`` and non-ASCII (form-encoded before base64, RFC 6749 §2.3.1);
- ``spaced``: the same with a secret holding a space (see the tests: Authlib does not
  form-decode Basic credentials);
- ``public``: authorization code and refresh, no secret (``none``), PKCE required;
- ``service``: client credentials, ``client_secret_basic`` or ``client_secret_post``;
- ``password``: resource owner password credentials and refresh;
- user ``alice``.

Test-only: at the authorization endpoint the user named in the ``X-Test-User`` header is
logged in and consent is skipped (``X-Test-Deny: 1`` makes the user refuse), so a GET of the
authorization URL answers ``302`` to the redirect URI. The protected resources
(``/api/me``: scope ``read``; ``/api/write``: scope ``write``) answer JSON, or Authlib's
``401``/``403`` errors. A POST of ``token=…`` to ``/test/expire`` makes that access token
expired.

Authlib's bearer validator reads the ``Authorization`` header only (RFC 6750 §2.1): a token
in the query (§2.3) or the form body (§2.2) is not looked at.
"""

from __future__ import annotations

import secrets
import socketserver
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from . import _lifecycle

try:
    from authlib.integrations.flask_oauth2 import (
        AuthorizationServer,
        ResourceProtector,
        current_token,
    )
    from authlib.oauth2 import OAuth2Error
    from authlib.oauth2.rfc6749 import grants
    from authlib.oauth2.rfc6750 import BearerTokenValidator
    from authlib.oauth2.rfc7009 import RevocationEndpoint
    from authlib.oauth2.rfc7636 import CodeChallenge
    from authlib.oauth2.rfc7662 import IntrospectionEndpoint
    from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
    from authlib.oauth2.rfc9207 import AuthorizationServerMetadata as IssMetadata
    from authlib.oauth2.rfc9207 import IssuerParameter
    from flask import Flask, Response, jsonify, request
except ImportError as exc:  # reported by the fixture, which skips or fails
    sys.exit(f"authlib_oauth2 provider: missing dependency: {exc}")

USER, PASSWORD = "alice", "alice-password"
REDIRECT_URI = "http://127.0.0.1/callback"
SCOPES = ("read", "write")
CODE_LIFETIME = 600
SECRET_METHODS = ("client_secret_basic", "client_secret_post")
AUTH_METHODS = (*SECRET_METHODS, "none")

CLIENTS: dict[str, dict[str, Any]] = {
    "confidential": {
        "client_id": "authlib-confidential",
        "client_secret": "conf:secret+%/é",
        "auth_methods": ["client_secret_basic", "client_secret_post"],
        "grant_types": ["authorization_code", "refresh_token"],
        "redirect_uri": REDIRECT_URI,
    },
    "spaced": {
        "client_id": "authlib-spaced",
        "client_secret": "spaced secret",
        "auth_methods": ["client_secret_basic", "client_secret_post"],
        "grant_types": ["authorization_code", "refresh_token"],
        "redirect_uri": REDIRECT_URI,
    },
    "public": {
        "client_id": "authlib-public",
        "client_secret": "",
        "auth_methods": ["none"],
        "grant_types": ["authorization_code", "refresh_token"],
        "redirect_uri": REDIRECT_URI,
    },
    "service": {
        "client_id": "authlib-service",
        "client_secret": "service-secret",
        "auth_methods": ["client_secret_basic", "client_secret_post"],
        "grant_types": ["client_credentials"],
    },
    "password": {
        "client_id": "authlib-password",
        "client_secret": "password-client-secret",
        "auth_methods": ["client_secret_basic", "client_secret_post"],
        "grant_types": ["password", "refresh_token"],
    },
}


@dataclass
class Client:
    """A registered client: Authlib's ``ClientMixin``."""

    client_id: str
    client_secret: str
    auth_methods: list[str]
    grant_types: list[str]
    redirect_uri: str | None = None

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uri

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return " ".join(SCOPES)
        return " ".join(s for s in scope.split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret: str) -> bool:
        return bool(self.client_secret) and secrets.compare_digest(
            self.client_secret.encode("utf-8"), client_secret.encode("utf-8")
        )

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in self.auth_methods

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


@dataclass
class Code:
    """An issued authorization code: Authlib's ``AuthorizationCodeMixin``."""

    code: str
    client_id: str
    user: str
    scope: str
    redirect_uri: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    issued_at: float = field(default_factory=time.time)

    def get_redirect_uri(self) -> str | None:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class Token:
    """An issued access token and its refresh token: Authlib's ``TokenMixin``."""

    access_token: str
    client_id: str
    user: str | None
    scope: str
    expires_in: int
    refresh_token: str | None = None
    issued_at: float = field(default_factory=time.time)
    access_revoked: bool = False
    refresh_revoked: bool = False

    def check_client(self, client: Client) -> bool:
        return self.client_id == client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return self.issued_at + self.expires_in < time.time()

    def is_revoked(self) -> bool:
        return self.access_revoked

    def get_user(self) -> str | None:
        return self.user

    def get_client(self) -> Client:
        return STORE.clients[self.client_id]


class Store:
    """Everything the server knows, behind one lock (the server is threaded)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.clients = {c["client_id"]: Client(**_client_fields(c)) for c in CLIENTS.values()}
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, Token] = {}  # by access token
        self.refresh: dict[str, Token] = {}  # by refresh token

    def save_token(self, data: dict[str, Any], client: Client, user: str | None) -> None:
        token = Token(
            access_token=data["access_token"],
            client_id=client.client_id,
            user=user,
            scope=data.get("scope", ""),
            expires_in=int(data.get("expires_in", 0)),
            refresh_token=data.get("refresh_token"),
        )
        with self.lock:
            self.tokens[token.access_token] = token
            if token.refresh_token:
                self.refresh[token.refresh_token] = token

    def find(self, value: str, hint: str | None) -> Token | None:
        with self.lock:
            order = (
                (self.refresh, self.tokens)
                if hint == "refresh_token"
                else (self.tokens, self.refresh)
            )
            for table in order:
                if value in table:
                    return table[value]
        return None


def _client_fields(data: dict[str, Any]) -> dict[str, Any]:
    keys = ("client_id", "client_secret", "auth_methods", "grant_types", "redirect_uri")
    return {k: data[k] for k in keys if k in data}


STORE = Store()
View = Callable[[], Response]


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(AUTH_METHODS)

    def save_authorization_code(self, code: str, req: Any) -> None:
        data = req.payload.data
        with STORE.lock:
            STORE.codes[code] = Code(
                code=code,
                client_id=req.client.client_id,
                user=req.user,
                scope=req.scope,
                redirect_uri=req.payload.redirect_uri,
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
            )

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        with STORE.lock:
            item = STORE.codes.get(code)
        if item is None or item.client_id != client.client_id:
            return None
        if item.issued_at + CODE_LIFETIME < time.time():
            return None
        return item

    def delete_authorization_code(self, authorization_code: Code) -> None:
        with STORE.lock:
            STORE.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: Code) -> str:
        return authorization_code.user


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(AUTH_METHODS)
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        token = STORE.find(refresh_token, "refresh_token")
        if token is None or token.refresh_token != refresh_token or token.refresh_revoked:
            return None
        return token

    def authenticate_user(self, refresh_token: Token) -> str | None:
        return refresh_token.user

    def revoke_old_credential(self, refresh_token: Token) -> None:
        with STORE.lock:
            refresh_token.access_revoked = refresh_token.refresh_revoked = True


class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(SECRET_METHODS)

    def authenticate_user(self, username: str, password: str) -> str | None:
        if username == USER and secrets.compare_digest(password, PASSWORD):
            return USER
        return None


class ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(SECRET_METHODS)


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = list(AUTH_METHODS)

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        return STORE.find(token_string, token_type_hint)

    def revoke_token(self, token: Token, req: Any) -> None:
        # RFC 7009 §2.1: revoking a refresh token SHOULD revoke the access tokens of the same
        # grant; revoking an access token MAY revoke the refresh token (here it does not).
        with STORE.lock:
            token.access_revoked = True
            if req.form["token"] == token.refresh_token:
                token.refresh_revoked = True


class Introspection(IntrospectionEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = list(SECRET_METHODS)

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        with STORE.lock:
            return STORE.tokens.get(token_string)

    def check_permission(self, token: Token, client: Client, req: Any) -> bool:
        return token.client_id == client.client_id

    def introspect_token(self, token: Token) -> dict[str, Any]:
        return {
            "active": True,
            "client_id": token.client_id,
            "username": token.user,
            "scope": token.scope,
            "token_type": "Bearer",
            "iat": int(token.issued_at),
            "exp": int(token.issued_at + token.expires_in),
        }


class Validator(BearerTokenValidator):  # type: ignore[misc]
    def authenticate_token(self, token_string: str) -> Token | None:
        with STORE.lock:
            return STORE.tokens.get(token_string)


def create_app(base_url: str) -> Flask:
    app = Flask(__name__)
    app.config.update(
        OAUTH2_REFRESH_TOKEN_GENERATOR=True,
        OAUTH2_SCOPES_SUPPORTED=list(SCOPES),
        OAUTH2_TOKEN_EXPIRES_IN={"authorization_code": 3600, "password": 3600},
    )

    def query_client(client_id: str) -> Client | None:
        return STORE.clients.get(client_id)

    def save_token(data: dict[str, Any], req: Any) -> None:
        STORE.save_token(data, req.client, req.user)

    class Issuer(IssuerParameter):  # type: ignore[misc]
        def get_issuer(self) -> str:
            return base_url

    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.register_grant(AuthorizationCodeGrant, [CodeChallenge(required=True)])
    server.register_grant(RefreshTokenGrant)
    server.register_grant(PasswordGrant)
    server.register_grant(ClientCredentialsGrant)
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)
    server.register_extension(Issuer())

    protector = ResourceProtector()
    protector.register_token_validator(Validator())

    def protect(scope: str) -> Callable[[View], View]:
        """Authlib's ``require_oauth(scope)`` decorator, typed."""
        decorator: Callable[[View], View] = protector(scope)
        return decorator

    metadata = AuthorizationServerMetadata(
        {
            "issuer": base_url,
            "authorization_endpoint": f"{base_url}/oauth/authorize",
            "token_endpoint": f"{base_url}/oauth/token",
            "revocation_endpoint": f"{base_url}/oauth/revoke",
            "introspection_endpoint": f"{base_url}/oauth/introspect",
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "grant_types_supported": [
                "authorization_code",
                "refresh_token",
                "password",
                "client_credentials",
            ],
            "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "revocation_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "introspection_endpoint_auth_methods_supported": list(SECRET_METHODS),
            "code_challenge_methods_supported": list(CodeChallenge.SUPPORTED_CODE_CHALLENGE_METHOD),
            "authorization_response_iss_parameter_supported": True,
        }
    )
    metadata.validate(metadata_classes=[IssMetadata])

    @app.get("/.well-known/oauth-authorization-server")
    def well_known() -> Response:
        return jsonify(dict(metadata))

    @app.get("/oauth/authorize")
    def authorize() -> Any:
        # Test-only login and consent: the user named in X-Test-User, who approves unless
        # X-Test-Deny is set. Authlib's documented order: get_consent_grant validates the
        # request (its errors are answered by handle_error_response), then
        # create_authorization_response issues the code (or access_denied).
        user = request.headers.get("X-Test-User") or None
        if user != USER:
            return Response("login required", status=401, mimetype="text/plain")
        try:
            grant = server.get_consent_grant(end_user=user)
        except OAuth2Error as error:
            return server.handle_error_response(None, error)
        grant_user = None if request.headers.get("X-Test-Deny") else user
        return server.create_authorization_response(grant_user=grant_user, grant=grant)

    @app.post("/oauth/token")
    def issue_token() -> Any:
        return server.create_token_response()

    @app.post("/oauth/revoke")
    def revoke() -> Any:
        return server.create_endpoint_response(Revocation.ENDPOINT_NAME)

    @app.post("/oauth/introspect")
    def introspect() -> Any:
        return server.create_endpoint_response(Introspection.ENDPOINT_NAME)

    def describe(resource: str) -> Response:
        token = current_token._get_current_object()
        return jsonify(
            {
                "user": token.user,
                "client_id": token.client_id,
                "method": request.method,
                "resource": resource,
            }
        )

    @app.route("/api/me", methods=["GET", "POST"])
    @protect("read")
    def me() -> Response:
        return describe("me")

    @app.route("/api/write", methods=["GET", "POST"])
    @protect("write")
    def write() -> Response:
        return describe("write")

    @app.post("/test/expire")
    def expire() -> Response:
        with STORE.lock:
            token = STORE.tokens.get(request.form.get("token", ""))
            if token is not None:
                token.issued_at = time.time() - token.expires_in - 1
        return jsonify({"expired": int(token is not None)})

    return app


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
    server.set_app(create_app(base_url))
    _lifecycle.serve(
        server,
        lifetime=args.lifetime,
        base_url=base_url,
        endpoints={
            "issuer": base_url,
            "metadata": f"{base_url}/.well-known/oauth-authorization-server",
            "authorize": f"{base_url}/oauth/authorize",
            "token": f"{base_url}/oauth/token",
            "revoke": f"{base_url}/oauth/revoke",
            "introspect": f"{base_url}/oauth/introspect",
            "resource": f"{base_url}/api/me",
            "resource_write": f"{base_url}/api/write",
            "test_expire": f"{base_url}/test/expire",
        },
        clients={
            **{name: _client_fields(c) for name, c in CLIENTS.items()},
            "user": {"username": USER, "password": PASSWORD},
        },
    )


if __name__ == "__main__":
    main()

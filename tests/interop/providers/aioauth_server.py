"""aioauth's ``AuthorizationServer`` behind aiohttp.web, for oauthcore's interop tests.

Run by the ``aioauth_provider`` fixture (``tests/interop/test_oauth2_aioauth.py``) as
``python -m interop.providers.aioauth_server [--lifetime S]`` from ``tests/``. It binds
``127.0.0.1:0`` first, builds an aiohttp application whose handlers translate each HTTP
request into an :class:`aioauth.requests.Request` and aioauth's
:class:`~aioauth.responses.Response` back (aioauth is framework-free: that translation is
the application's job), runs it on its own asyncio event loop and prints one JSON ready line;
see ``_lifecycle.py`` for how it stops. Everything runs on that one loop's thread, so the
in-memory storage needs no lock.

aioauth 2.0 offers, and this provider uses: the authorization code grant with RFC 7636
(S256 and plain; aioauth leaves PKCE optional, so a response type subclass requires it of
clients without a secret), refresh tokens (rotating: aioauth revokes the old grant and issues
a new refresh token), resource owner password credentials, client credentials, revocation
(``revoke_token``, RFC 7009) and introspection (``create_token_introspection_response``, RFC
7662). It offers no RFC 8414 metadata, no RFC 9207 ``iss`` and no resource-server side: there
is no ``metadata`` endpoint, and ``/api/me`` is this module's own RFC 6750 check against the
storage, which reads the ``Authorization`` header only (§2.1; the query and form-body
placements of §2.2 and §2.3 are optional and not offered). aioauth's token model has one
``revoked`` flag for an access token and its refresh token: revoking either revokes both.

Registered (all secrets are test values, printed in the ready line; every client may ask for
``read`` and ``write``):

- ``confidential``: authorization code and refresh, a secret of unreserved characters (form
  encoding leaves it unchanged: see ``special``), two redirect URIs;
- ``public``: authorization code and refresh, no secret, PKCE required;
- ``service``: client credentials;
- ``password``: resource owner password credentials and refresh;
- ``special``: client credentials, a secret with a space, ``:``, ``+``, ``%`` and ``/``;
- ``nonascii``: client credentials, a secret with non-ASCII characters;
- user ``alice``.

aioauth takes the client credentials from the form body, else from ``Authorization: Basic``
without form-decoding them (RFC 6749 §2.3.1): ``special`` and ``nonascii`` show it.

Test-only: at the authorization endpoint the user named in the ``X-Test-User`` header is
logged in and consent is skipped (``X-Test-Deny: 1`` makes the user refuse), so a GET of the
authorization URL answers ``302`` to the redirect URI. The protected resources (``/api/me``:
scope ``read``; ``/api/write``: scope ``write``) answer JSON, or ``401``/``403`` with a
``WWW-Authenticate: Bearer`` challenge (RFC 6750 §3). A POST of ``token=…`` to
``/test/expire`` makes that access token expired.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from . import _lifecycle

try:
    from aioauth.config import Settings
    from aioauth.errors import (
        AccessDeniedError,
        InvalidClientError,
        InvalidRedirectURIError,
        InvalidRequestError,
        MethodNotAllowedError,
        OAuth2Error,
    )
    from aioauth.models import AuthorizationCode, Client, Token
    from aioauth.requests import Post, Query
    from aioauth.requests import Request as OAuth2Request
    from aioauth.response_type import ResponseTypeAuthorizationCode
    from aioauth.responses import Response as OAuth2Response
    from aioauth.server import AuthorizationServer
    from aioauth.storage import BaseStorage
    from aioauth.types import CodeChallengeMethod, TokenType
    from aioauth.utils import build_error_response
    from aiohttp import web
except ImportError as exc:  # reported by the fixture, which skips or fails
    sys.exit(f"aioauth_server provider: missing dependency: {exc}")

USER, PASSWORD = "alice", "alice-password"
REDIRECT_URI = "http://127.0.0.1/callback"
OTHER_REDIRECT_URI = "http://127.0.0.1/other-callback"
SCOPE = "read write"
TOKEN_LIFETIME = 3600
REFRESH_LIFETIME = 24 * 3600
SECRET_METHODS = ["client_secret_basic", "client_secret_post"]
SETTINGS = Settings(
    TOKEN_EXPIRES_IN=TOKEN_LIFETIME,
    REFRESH_TOKEN_EXPIRES_IN=REFRESH_LIFETIME,
    INSECURE_TRANSPORT=True,  # plain http on loopback; aioauth refuses it otherwise
)
# The errors aioauth's create_authorization_response answers directly instead of redirecting
# (RFC 6749 §4.1.2.1: a bad client or redirect URI); the denial path below must match it.
NOT_REDIRECTED = (MethodNotAllowedError, InvalidClientError, InvalidRedirectURIError)

CLIENTS: dict[str, dict[str, Any]] = {
    "confidential": {
        "client_id": "aioauth-confidential",
        "client_secret": "conf-secret_0.9",
        "auth_methods": SECRET_METHODS,
        "grant_types": ["authorization_code", "refresh_token"],
        "redirect_uri": REDIRECT_URI,
        "redirect_uris": [REDIRECT_URI, OTHER_REDIRECT_URI],
    },
    "public": {
        "client_id": "aioauth-public",
        "client_secret": "",
        "auth_methods": ["none"],
        "grant_types": ["authorization_code", "refresh_token"],
        "redirect_uri": REDIRECT_URI,
    },
    "service": {
        "client_id": "aioauth-service",
        "client_secret": "service-secret",
        "auth_methods": SECRET_METHODS,
        "grant_types": ["client_credentials"],
    },
    "password": {
        "client_id": "aioauth-password",
        "client_secret": "password-client-secret",
        "auth_methods": SECRET_METHODS,
        "grant_types": ["password", "refresh_token"],
    },
    "special": {
        "client_id": "aioauth-special",
        "client_secret": "sp ec:ial+%/secret",
        "auth_methods": SECRET_METHODS,
        "grant_types": ["client_credentials"],
    },
    "nonascii": {
        "client_id": "aioauth-nonascii",
        "client_secret": "sécret-ü",
        "auth_methods": SECRET_METHODS,
        "grant_types": ["client_credentials"],
    },
}


def _client(data: Mapping[str, Any]) -> Client:
    return Client(
        client_id=data["client_id"],
        client_secret=data["client_secret"],
        grant_types=list(data["grant_types"]),
        response_types=["code"] if "authorization_code" in data["grant_types"] else [],
        redirect_uris=list(data.get("redirect_uris", [data["redirect_uri"]]))
        if "redirect_uri" in data
        else [],
        scope=SCOPE,
    )


@dataclass
class Code(AuthorizationCode):
    """An issued authorization code, and the user who approved it."""

    user: str | None = None


@dataclass
class Grant(Token):
    """An issued access token and its refresh token, and the user they act for (if any)."""

    user: str | None = None


class Storage(BaseStorage):
    """aioauth's storage interface over dicts (one event loop thread: no lock needed)."""

    def __init__(self) -> None:
        self.clients = {data["client_id"]: _client(data) for data in CLIENTS.values()}
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, Grant] = {}  # by access token
        self.refresh: dict[str, Grant] = {}  # by refresh token

    async def get_client(
        self, *, request: OAuth2Request, client_id: str, client_secret: str | None = None
    ) -> Client | None:
        # aioauth passes no secret from the authorization endpoint (nothing to check there),
        # "" from a client that sent none (only a client without a secret then passes).
        client = self.clients.get(client_id)
        if client is None or client_secret is None:
            return client
        if secrets.compare_digest(client.client_secret.encode(), client_secret.encode()):
            return client
        return None

    async def get_user(self, request: OAuth2Request) -> str | None:
        username, password = request.post.username, request.post.password
        if username == USER and secrets.compare_digest(
            (password or "").encode(), PASSWORD.encode()
        ):
            return USER
        return None

    async def create_authorization_code(
        self,
        *,
        request: OAuth2Request,
        client_id: str,
        scope: str,
        response_type: str,
        redirect_uri: str,
        code: str,
        code_challenge_method: CodeChallengeMethod | None = None,
        code_challenge: str | None = None,
        nonce: str | None = None,
    ) -> AuthorizationCode:
        item = Code(
            code=code,
            client_id=client_id,
            redirect_uri=redirect_uri,
            response_type=response_type,
            scope=scope,
            auth_time=int(time.time()),
            expires_in=request.settings.AUTHORIZATION_CODE_EXPIRES_IN,
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
            nonce=nonce,
            user=request.extra.get("user"),
        )
        self.codes[code] = item
        return item

    async def get_authorization_code(
        self, *, request: OAuth2Request, client_id: str, code: str
    ) -> AuthorizationCode | None:
        item = self.codes.get(code)
        return item if item is not None and item.client_id == client_id else None

    async def delete_authorization_code(
        self, *, request: OAuth2Request, client_id: str, code: str
    ) -> None:
        self.codes.pop(code, None)

    def _user_for(self, request: OAuth2Request) -> str | None:
        post = request.post
        if post.grant_type == "authorization_code":  # the code is deleted after this call
            code = self.codes.get(post.code or "")
            return code.user if code is not None else None
        if post.grant_type == "password":
            return post.username
        if post.grant_type == "refresh_token":
            old = self.refresh.get(post.refresh_token or "")
            return old.user if old is not None else None
        return None  # client credentials: the client acts for itself

    async def create_token(
        self,
        *,
        request: OAuth2Request,
        client_id: str,
        scope: str,
        access_token: str,
        refresh_token: str | None = None,
    ) -> Token:
        grant = Grant(
            access_token=access_token,
            refresh_token=refresh_token,
            scope=scope,
            issued_at=int(time.time()),
            expires_in=request.settings.TOKEN_EXPIRES_IN,
            refresh_token_expires_in=request.settings.REFRESH_TOKEN_EXPIRES_IN,
            client_id=client_id,
            user=self._user_for(request),
        )
        self.tokens[access_token] = grant
        if refresh_token:
            self.refresh[refresh_token] = grant
        return grant

    def _find(
        self, client_id: str, access_token: str | None, refresh_token: str | None
    ) -> Grant | None:
        # aioauth says which kind to look for (both when revoking without a hint); only the
        # asking client's own tokens are found.
        for table, value in ((self.tokens, access_token), (self.refresh, refresh_token)):
            grant = table.get(value) if value is not None else None
            if grant is not None and grant.client_id == client_id:
                return grant
        return None

    async def get_token(
        self,
        *,
        request: OAuth2Request,
        client_id: str,
        token_type: TokenType | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
    ) -> Token | None:
        return self._find(client_id, access_token, refresh_token)

    async def revoke_token(
        self,
        *,
        request: OAuth2Request,
        client_id: str,
        refresh_token: str | None = None,
        token_type: TokenType | None = None,
        access_token: str | None = None,
    ) -> None:
        grant = self._find(client_id, access_token, refresh_token)
        if grant is not None:
            grant.revoked = True  # aioauth's model: one flag for both tokens of a grant


class CodeWithRequiredPkce(ResponseTypeAuthorizationCode):
    """aioauth's ``code`` response type, with PKCE required of clients without a secret.

    RFC 7636 §4.4.1: such a request without ``code_challenge`` is ``invalid_request``. The
    method is required too: aioauth stores a challenge without a method and then never
    checks it (RFC 7636 §4.3 says the method defaults to ``plain``).
    """

    async def validate_request(self, request: OAuth2Request) -> Client:
        client = await super().validate_request(request)
        query = request.query
        if not client.client_secret and not (query.code_challenge and query.code_challenge_method):
            raise InvalidRequestError(
                request=request,
                description="code_challenge and code_challenge_method required (RFC 7636 §4.4.1)",
                state=query.state,
            )
        return client


STORAGE = Storage()
SERVER = AuthorizationServer(storage=STORAGE, response_types={"code": CodeWithRequiredPkce})
QUERY_FIELDS = frozenset(f.name for f in fields(Query))
POST_FIELDS = frozenset(f.name for f in fields(Post))
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _pick(pairs: Mapping[str, Any], names: frozenset[str]) -> dict[str, Any]:
    # Any: aioauth types some fields as Literal sets; aioauth itself validates the values.
    return {
        name: value for name, value in pairs.items() if name in names and isinstance(value, str)
    }


async def to_oauth2_request(request: web.Request, user: str | None = None) -> OAuth2Request:
    """The aioauth request for an aiohttp request: query, form body and headers."""
    form = await request.post() if request.method == "POST" else {}
    method: Any = request.method  # aioauth refuses anything but GET and POST itself
    oauth2_request = OAuth2Request(
        method=method,
        query=Query(**_pick(request.query, QUERY_FIELDS)),
        post=Post(**_pick(form, POST_FIELDS)),
        url=str(request.url),
        settings=SETTINGS,
        extra={"user": user},
    )
    for name, value in request.headers.items():  # aioauth's case-insensitive HTTPHeaderDict
        oauth2_request.headers[name] = value
    return oauth2_request


def to_web_response(response: OAuth2Response) -> web.Response:
    """The aiohttp response for aioauth's: its status, headers and JSON content (if any)."""
    headers = dict(response.headers)
    body = json.dumps(response.content).encode() if response.content else None
    if body is None:
        headers.pop("content-type", None)
    return web.Response(status=int(response.status_code), headers=headers, body=body)


def _json(data: Mapping[str, object], status: int = 200, **headers: str) -> web.Response:
    return web.json_response(dict(data), status=status, headers=headers)


async def authorize(request: web.Request) -> web.Response:
    # Test-only login and consent: the user named in X-Test-User, who approves unless
    # X-Test-Deny is set.
    user = request.headers.get("X-Test-User") or None
    if user != USER:
        return web.Response(status=401, text="login required")
    oauth2_request = await to_oauth2_request(request, user)
    if not request.headers.get("X-Test-Deny"):
        return to_web_response(await SERVER.create_authorization_response(oauth2_request))
    error: OAuth2Error
    try:
        await SERVER.validate_authorization_request(oauth2_request)
    except OAuth2Error as exc:  # the request itself is bad: that error, not the denial
        error = exc
    else:
        error = AccessDeniedError(request=oauth2_request, state=oauth2_request.query.state)
    return to_web_response(build_error_response(error, oauth2_request, NOT_REDIRECTED))


async def issue_token(request: web.Request) -> web.Response:
    return to_web_response(await SERVER.create_token_response(await to_oauth2_request(request)))


async def revoke(request: web.Request) -> web.Response:
    return to_web_response(await SERVER.revoke_token(await to_oauth2_request(request)))


async def introspect(request: web.Request) -> web.Response:
    oauth2_request = await to_oauth2_request(request)
    return to_web_response(await SERVER.create_token_introspection_response(oauth2_request))


def _challenge(status: int, error: str | None = None, **params: str) -> web.Response:
    # RFC 6750 §3: quoted auth-params; §3.1: no error code for a request without a token.
    values = {"realm": "aioauth-interop", **({"error": error} if error else {}), **params}
    header = "Bearer " + ", ".join(f'{name}="{value}"' for name, value in values.items())
    body = {"error": error} if error else {}
    return _json(body, status, **{"WWW-Authenticate": header})


def protected(scope: str, resource: str) -> Handler:
    """A resource that needs an access token with ``scope``, from the header (RFC 6750 §2.1)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        values = request.headers.getall("Authorization", [])
        if not values:
            return _challenge(401)
        scheme, _, value = values[0].partition(" ")
        if len(values) > 1 or scheme.lower() != "bearer" or not value.strip():
            return _challenge(400, "invalid_request")
        grant = STORAGE.tokens.get(value.strip())
        if grant is None or grant.revoked or grant.is_expired:
            return _challenge(401, "invalid_token")
        if scope not in grant.scope.split():
            return _challenge(403, "insufficient_scope", scope=scope)
        return _json(
            {
                "user": grant.user,
                "client_id": grant.client_id,
                "method": request.method,
                "resource": resource,
            }
        )

    return handler


async def expire(request: web.Request) -> web.Response:
    form = await request.post()
    token = form.get("token")
    grant = STORAGE.tokens.get(token) if isinstance(token, str) else None
    if grant is not None:
        grant.issued_at = int(time.time()) - grant.expires_in - 1
    return _json({"expired": int(grant is not None)})


def create_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/oauth/authorize", authorize)
    app.router.add_post("/oauth/token", issue_token)
    app.router.add_post("/oauth/revoke", revoke)
    app.router.add_post("/oauth/introspect", introspect)
    for path, scope, name in (("/api/me", "read", "me"), ("/api/write", "write", "write")):
        app.router.add_route("GET", path, protected(scope, name))
        app.router.add_route("POST", path, protected(scope, name))
    app.router.add_post("/test/expire", expire)
    return app


class LoopServer:
    """An aiohttp application on its own event loop, in the shape ``_lifecycle.serve`` drives.

    Set up on the calling thread; ``serve_forever`` runs the loop (on ``serve``'s worker
    thread), ``shutdown`` stops it from another thread and waits, ``server_close`` cleans up.
    aiohttp sets ``TCP_NODELAY`` on accepted connections itself.
    """

    def __init__(self, app: web.Application, sock: socket.socket) -> None:
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(app, access_log=None, handle_signals=False)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.SockSite(self.runner, sock).start())
        self.stopped = threading.Event()

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        try:
            self.loop.run_forever()
        finally:
            self.stopped.set()

    def shutdown(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.stopped.wait(timeout=5)

    def server_close(self) -> None:
        self.loop.run_until_complete(self.runner.cleanup())
        self.loop.close()


def main() -> None:
    args = _lifecycle.parse_args(__doc__.splitlines()[0] if __doc__ else "")
    _lifecycle.quiet()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = LoopServer(create_app(), sock)
    _lifecycle.serve(
        server,
        lifetime=args.lifetime,
        base_url=base_url,
        endpoints={
            "issuer": base_url,  # an identifier only: aioauth sends no RFC 9207 iss
            "authorize": f"{base_url}/oauth/authorize",
            "token": f"{base_url}/oauth/token",
            "revoke": f"{base_url}/oauth/revoke",
            "introspect": f"{base_url}/oauth/introspect",
            "resource": f"{base_url}/api/me",
            "resource_write": f"{base_url}/api/write",
            "test_expire": f"{base_url}/test/expire",
        },
        clients={**CLIENTS, "user": {"username": USER, "password": PASSWORD}},
    )


if __name__ == "__main__":
    main()

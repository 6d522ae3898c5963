"""An OAuth 1.0a provider built on oauthlib's server endpoints, for oauthcore's interop tests.

Run by ``tests/interop/conftest.py`` as ``python -m interop.providers.oauth1_oauthlib
[--lifetime S]`` from ``tests/``. It binds ``127.0.0.1:0``, serves with wsgiref (threaded)
and prints one JSON ready line; see ``_lifecycle.py`` for how it stops.

Two providers share the process, each with its own in-memory validator:

- ``/…`` is *relaxed*: any non-empty printable key, token, nonce or verifier (RFC 5849 sets
  no format), every signature method (HMAC-SHA1/256/512, RSA-SHA1/256/512, PLAINTEXT) in the
  header, the query or the body. Client ``relaxed`` has a key and secret full of reserved
  and non-ASCII characters; client ``unreserved`` a plain secret, for PLAINTEXT in the query
  or the body, which oauthlib 4.0.1 decodes twice there (see the tests);
- ``/strict/…`` keeps oauthlib's ``RequestValidator`` defaults (keys, tokens, nonces and
  verifiers of 20–30 ``[A-Za-z0-9]``, the 600 s timestamp window) except ``enforce_ssl``,
  which loopback http cannot meet. It proves oauthcore's nonces pass a strict server.

Both accept each (client, timestamp, nonce, token) once. Endpoints: ``request_token``,
``authorize``, ``access_token`` and ``resource`` under each prefix. ``authorize`` is
test-only: it approves for the user named in the ``X-Test-User`` header (no browser, no
consent page) and answers ``302`` to the callback with ``oauth_token`` and
``oauth_verifier`` (``200`` with a form body for ``oob``). ``resource`` answers JSON (the
user, the client, the signature method and the non-protocol parameters it received), ``400``
for a malformed request or ``401``.

The signed URI is rebuilt from the request as received (``Host`` with its port, the raw
request-target with its query), so ``127.0.0.1`` and ``localhost`` both verify. A refused
request carries ``X-Test-Failed`` (the validator checks that failed) and
``X-Test-Base-String`` (the server's signature base string), for reports on disagreements.
"""

from __future__ import annotations

import json
import socketserver
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from . import _lifecycle

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from oauthlib.oauth1 import (
        AccessTokenEndpoint,
        AuthorizationEndpoint,
        RequestTokenEndpoint,
        RequestValidator,
        ResourceEndpoint,
    )
    from oauthlib.oauth1.rfc5849 import errors as oauth1_errors
    from oauthlib.oauth1.rfc5849 import signature as oauth1_signature
except ImportError as exc:  # reported by the fixture, which skips or fails
    sys.exit(f"oauth1_oauthlib provider: missing dependency: {exc}")

Environ = dict[str, Any]
StartResponse = Callable[[str, list[tuple[str, str]]], object]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]

RELAXED_KEY = "interop-client.key~1"
# Reserved, percent and non-ASCII characters: each must be encoded exactly once (RFC 5849 §3.6).
RELAXED_SECRET = "s3cret&+/=%~ é☃"
# oauthlib 4.0.1 percent-decodes oauth_* values from the query and the form body a second time
# (signature.collect_parameters), so a PLAINTEXT signature made from a secret that needs
# escaping never verifies there. This client's secret needs none; see the interop tests.
UNRESERVED_KEY = "interop-unreserved-client"
UNRESERVED_SECRET = "unreservedSecret0123456789"
STRICT_KEY = "strictClientKey0123456789"
STRICT_SECRET = "strictClientSecret0123456789"
DUMMY = "dummyCredentialValue0123"
LOOPBACK_CALLBACKS = ("http://127.0.0.1", "http://localhost", "http://[::1]")


@dataclass
class TemporaryRecord:
    client_key: str
    secret: str
    callback: str
    verifier: str | None = None
    user: str | None = None


@dataclass
class AccessRecord:
    client_key: str
    secret: str
    user: str | None


@dataclass
class Store:
    """One provider's state; the lock guards it against the server's threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    temporary: dict[str, TemporaryRecord] = field(default_factory=dict)
    access: dict[str, AccessRecord] = field(default_factory=dict)
    nonces: set[tuple[str, str, str, str]] = field(default_factory=set)


@dataclass(frozen=True)
class Client:
    key: str
    secret: str
    rsa_public_pem: str


class Validator(RequestValidator):  # type: ignore[misc]  # oauthlib is untyped
    """In-memory clients, tokens and nonces; format checks relaxed unless ``strict``."""

    def __init__(self, clients: Iterable[Client], *, strict: bool) -> None:
        super().__init__()
        self.clients = {client.key: client for client in clients}
        self.strict = strict
        self.store = Store()

    # Transport and format policy.

    @property
    def enforce_ssl(self) -> bool:
        return False  # loopback http; oauthcore itself refuses http to anything else

    def _relaxed(self, value: object) -> bool:
        return isinstance(value, str) and bool(value) and value.isprintable()

    def check_client_key(self, client_key: str) -> bool:
        if self.strict:
            return bool(super().check_client_key(client_key))
        return self._relaxed(client_key)

    def check_request_token(self, request_token: str) -> bool:
        if self.strict:
            return bool(super().check_request_token(request_token))
        return self._relaxed(request_token)

    def check_access_token(self, request_token: str) -> bool:
        if self.strict:
            return bool(super().check_access_token(request_token))
        return self._relaxed(request_token)

    def check_nonce(self, nonce: str) -> bool:
        if self.strict:
            return bool(super().check_nonce(nonce))
        return self._relaxed(nonce)

    def check_verifier(self, verifier: str) -> bool:
        if self.strict:
            return bool(super().check_verifier(verifier))
        return self._relaxed(verifier)

    # Dummies, so that unknown clients and tokens take as long as known ones.

    @property
    def dummy_client(self) -> str:
        return DUMMY

    @property
    def dummy_request_token(self) -> str:
        return DUMMY

    @property
    def dummy_access_token(self) -> str:
        return DUMMY

    # Clients.

    def validate_client_key(self, client_key: str, request: Any) -> bool:
        return client_key in self.clients

    def get_client_secret(self, client_key: str, request: Any) -> str:
        client = self.clients.get(client_key)
        return "dummy" if client is None else client.secret

    def get_rsa_key(self, client_key: str, request: Any) -> str:
        client = self.clients.get(client_key) or next(iter(self.clients.values()))
        return client.rsa_public_pem

    def validate_redirect_uri(self, client_key: str, redirect_uri: str, request: Any) -> bool:
        return redirect_uri == "oob" or redirect_uri.startswith(LOOPBACK_CALLBACKS)

    # Realms: none are used.

    def get_default_realms(self, client_key: str, request: Any) -> list[str]:
        return []

    def get_realms(self, token: str, request: Any) -> list[str]:
        return []

    def validate_requested_realms(self, client_key: str, realms: list[str], request: Any) -> bool:
        return True

    def validate_realms(
        self,
        client_key: str,
        token: str,
        request: Any,
        uri: str | None = None,
        realms: list[str] | None = None,
    ) -> bool:
        return True

    def verify_realms(self, token: str, realms: list[str], request: Any) -> bool:
        return True

    # Nonces (RFC 5849 §3.3): each (client, timestamp, nonce, token) is accepted once.

    def validate_timestamp_and_nonce(
        self,
        client_key: str,
        timestamp: str,
        nonce: str,
        request: Any,
        request_token: str | None = None,
        access_token: str | None = None,
    ) -> bool:
        seen = (client_key, timestamp, nonce, request_token or access_token or "")
        with self.store.lock:
            if seen in self.store.nonces:
                return False
            self.store.nonces.add(seen)
            return True

    # Temporary credentials (§2.1) and the authorization step (§2.2).

    def save_request_token(self, token: Mapping[str, str], request: Any) -> None:
        with self.store.lock:
            self.store.temporary[token["oauth_token"]] = TemporaryRecord(
                client_key=request.client_key,
                secret=token["oauth_token_secret"],
                callback=request.redirect_uri,
            )

    def _temporary(self, token: str) -> TemporaryRecord | None:
        with self.store.lock:
            return self.store.temporary.get(token)

    def verify_request_token(self, token: str, request: Any) -> bool:
        return self._temporary(token) is not None

    def get_redirect_uri(self, token: str, request: Any) -> str:
        record = self._temporary(token)
        return "oob" if record is None else record.callback

    def save_verifier(self, token: str, verifier: Mapping[str, str], request: Any) -> None:
        record = self._temporary(token)
        if record is not None:
            record.verifier = verifier["oauth_verifier"]
            record.user = request.headers.get("X-Test-User")

    def validate_request_token(self, client_key: str, token: str, request: Any) -> bool:
        record = self._temporary(token)
        return record is not None and record.client_key == client_key

    def get_request_token_secret(self, client_key: str, token: str, request: Any) -> str:
        record = self._temporary(token)
        return record.secret if record is not None else "dummy"

    def validate_verifier(self, client_key: str, token: str, verifier: str, request: Any) -> bool:
        record = self._temporary(token)
        if record is None or record.verifier is None or record.client_key != client_key:
            return False
        return bool(oauth1_signature.safe_string_equals(record.verifier, verifier))

    def invalidate_request_token(self, client_key: str, request_token: str, request: Any) -> None:
        with self.store.lock:
            self.store.temporary.pop(request_token, None)

    # Token credentials (§2.3) and protected resources (§3).

    def save_access_token(self, token: Mapping[str, str], request: Any) -> None:
        record = self._temporary(request.resource_owner_key)
        with self.store.lock:
            self.store.access[token["oauth_token"]] = AccessRecord(
                client_key=request.client_key,
                secret=token["oauth_token_secret"],
                user=None if record is None else record.user,
            )

    def _access(self, token: str) -> AccessRecord | None:
        with self.store.lock:
            return self.store.access.get(token)

    def validate_access_token(self, client_key: str, token: str, request: Any) -> bool:
        record = self._access(token)
        return record is not None and record.client_key == client_key

    def get_access_token_secret(self, client_key: str, token: str, request: Any) -> str:
        record = self._access(token)
        return record.secret if record is not None else "dummy"

    def user_of(self, token: str | None) -> str | None:
        record = None if token is None else self._access(token)
        return None if record is None else record.user


# The oauthlib endpoints return only (headers, body, status): keep the processed request of
# the last validation on this thread, to explain a refusal.
_last = threading.local()


class LoggedRequestTokenEndpoint(RequestTokenEndpoint):  # type: ignore[misc]
    def validate_request_token_request(self, request: Any) -> tuple[bool, Any]:
        valid, processed = super().validate_request_token_request(request)
        _last.request = processed
        return bool(valid), processed


class LoggedAccessTokenEndpoint(AccessTokenEndpoint):  # type: ignore[misc]
    def validate_access_token_request(self, request: Any) -> tuple[bool, Any]:
        valid, processed = super().validate_access_token_request(request)
        _last.request = processed
        return bool(valid), processed


def _server_base_string(request: Any) -> str:
    """The base string the server computed (as in oauthlib's own verification)."""
    try:
        params = oauth1_signature.normalize_parameters(request.params)
        uri = oauth1_signature.base_string_uri(request.uri)
        return str(oauth1_signature.signature_base_string(request.http_method, uri, params))
    except Exception as exc:  # a diagnostic only; never fail the answer because of it
        return f"<unavailable: {type(exc).__name__}>"


def _diagnostics(request: Any) -> list[tuple[str, str]]:
    if request is None:
        return []
    log = getattr(request, "validator_log", {}) or {}
    failed = ",".join(sorted(name for name, ok in log.items() if not ok)) or "unknown"
    base = _server_base_string(request).encode("unicode_escape").decode("ascii")
    return [("X-Test-Failed", failed), ("X-Test-Base-String", base)]


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _json(status: int, data: object, headers: Iterable[tuple[str, str]] = ()) -> Answer:
    return Answer(
        status,
        [("Content-Type", "application/json"), *headers],
        json.dumps(data).encode("utf-8"),
    )


def _oauthlib_answer(headers: Mapping[str, str], body: str | None, status: int) -> Answer:
    return Answer(status, list(headers.items()), (body or "").encode("utf-8"))


class Provider:
    """The four endpoints of one validator."""

    def __init__(self, validator: Validator) -> None:
        self.validator = validator
        self.request_token = LoggedRequestTokenEndpoint(validator)
        self.authorization = AuthorizationEndpoint(validator)
        self.access_token = LoggedAccessTokenEndpoint(validator)
        self.resource = ResourceEndpoint(validator)

    def handle(
        self, route: str, uri: str, method: str, body: str, headers: dict[str, str]
    ) -> Answer:
        if route == "request_token":
            _last.request = None
            answer = _oauthlib_answer(
                *self.request_token.create_request_token_response(uri, method, body, headers)
            )
            if answer.status == 401:
                answer.headers += _diagnostics(_last.request)
            return answer
        if route == "access_token":
            _last.request = None
            answer = _oauthlib_answer(
                *self.access_token.create_access_token_response(uri, method, body, headers)
            )
            if answer.status == 401:
                answer.headers += _diagnostics(_last.request)
            return answer
        if route == "authorize":
            return self.authorize(uri, method, body, headers)
        if route == "resource":
            return self.protected(uri, method, body, headers)
        return _json(404, {"error": "not_found"})

    def authorize(self, uri: str, method: str, body: str, headers: dict[str, str]) -> Answer:
        # Test-only login and consent: the user named in X-Test-User approves at once.
        if not headers.get("X-Test-User"):
            return _json(401, {"error": "login_required", "hint": "send X-Test-User"})
        try:
            result = self.authorization.create_authorization_response(
                uri, method, body, headers, realms=[]
            )
        except oauth1_errors.OAuth1Error as error:
            return Answer(error.status_code, [], error.urlencoded.encode("utf-8"))
        return _oauthlib_answer(*result)

    def protected(self, uri: str, method: str, body: str, headers: dict[str, str]) -> Answer:
        challenge = [("WWW-Authenticate", 'OAuth realm="interop"')]
        try:
            valid, request = self.resource.validate_protected_resource_request(
                uri, method, body, headers, realms=[]
            )
        except oauth1_errors.OAuth1Error as error:
            return _json(
                error.status_code,
                {"error": error.error, "description": error.description},
                challenge,
            )
        if not valid:
            return _json(401, {"error": "unauthorized"}, challenge + _diagnostics(request))
        params = sorted(
            [name, value]
            for name, value in request.params
            if not name.startswith("oauth_") and name != "realm"
        )
        return _json(
            200,
            {
                "user": self.validator.user_of(request.resource_owner_key),
                "client_key": request.client_key,
                "signature_method": request.signature_method,
                "method": method,
                "params": params,
            },
        )


def _headers(environ: Environ) -> dict[str, str]:
    headers = {
        name[5:].replace("_", "-").title(): str(value)
        for name, value in environ.items()
        if name.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    return headers


def make_app(providers: Mapping[str, Provider]) -> WsgiApp:
    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        prefix, _, route = path.strip("/").rpartition("/")
        provider = providers.get(prefix)
        headers = _headers(environ)
        host = headers.get("Host") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        # The URI exactly as the client addressed it: the base string covers its port and
        # its query as sent (RFC 5849 §3.4.1.2, §3.4.1.3.1).
        uri = f"http://{host}{environ.get('RAW_URI') or path}"
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode("utf-8", "replace") if length else ""
        if provider is None:
            answer = _json(404, {"error": "not_found"})
        else:
            try:
                answer = provider.handle(route, uri, environ["REQUEST_METHOD"], body, headers)
            except Exception as exc:  # report, don't hang up: the test shows the reason
                answer = _json(500, {"error": "provider_exception", "detail": repr(exc)})
        reason = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized"}
        status = f"{answer.status} {reason.get(answer.status, 'Status')}"
        start_response(status, [*answer.headers, ("Content-Length", str(len(answer.body)))])
        return [answer.body]

    return app


class QuietHandler(WSGIRequestHandler):
    """wsgiref's handler, with the raw request-target kept and no access log."""

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ["RAW_URI"] = self.path
        return environ

    def log_message(self, format: str, *args: Any) -> None:
        pass


class ThreadedServer(_lifecycle.NoDelayMixin, socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def _rsa_keys() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return private, public


def main() -> None:
    args = _lifecycle.parse_args(__doc__.splitlines()[0] if __doc__ else "")
    _lifecycle.quiet()
    server = ThreadedServer(("127.0.0.1", 0), QuietHandler)
    port = server.server_address[1]
    base_url = f"http://127.0.0.1:{port}"
    private_pem, public_pem = _rsa_keys()
    relaxed = Provider(
        Validator(
            [
                Client(RELAXED_KEY, RELAXED_SECRET, public_pem),
                Client(UNRESERVED_KEY, UNRESERVED_SECRET, public_pem),
            ],
            strict=False,
        )
    )
    strict = Provider(Validator([Client(STRICT_KEY, STRICT_SECRET, public_pem)], strict=True))
    server.set_app(make_app({"": relaxed, "strict": strict}))
    routes = ("request_token", "authorize", "access_token", "resource")
    endpoints = {route: f"{base_url}/{route}" for route in routes}
    endpoints.update({f"strict_{route}": f"{base_url}/strict/{route}" for route in routes})
    _lifecycle.serve(
        server,
        lifetime=args.lifetime,
        base_url=base_url,
        endpoints=endpoints,
        clients={
            "relaxed": {
                "key": RELAXED_KEY,
                "secret": RELAXED_SECRET,
                "rsa_private_key": private_pem,
                "signature_methods": list(oauth1_signature_methods()),
                "placements": ["header", "query", "body"],
            },
            "unreserved": {
                "key": UNRESERVED_KEY,
                "secret": UNRESERVED_SECRET,
                "rsa_private_key": private_pem,
            },
            "strict": {
                "key": STRICT_KEY,
                "secret": STRICT_SECRET,
                "rsa_private_key": private_pem,
            },
        },
    )


def oauth1_signature_methods() -> tuple[str, ...]:
    """The methods oauthlib verifies (its ``RequestValidator.allowed_signature_methods``)."""
    return tuple(RequestValidator().allowed_signature_methods)


if __name__ == "__main__":
    main()

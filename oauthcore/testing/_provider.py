"""The loopback provider: the public object tests start, configure and inspect.

Imports nothing but the standard library and oauthcore's core (never an adapter).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from .._clock import unix_time
from .._encoding import decode_form
from ..http import Request, Response
from ..oauth1 import ClientCredentials, SignatureMethod
from ..oauth2 import ClientAuthMethod, ClientConfig
from ..ofly import OflyCredentials
from ._dispatch import dispatch, log_entry
from ._faults import Fault, Faults
from ._model import (
    Endpoint,
    GrantType,
    IssuedToken,
    LoggedRequest,
    OAuth1Client,
    OAuth2Client,
    OflyApp,
    ProviderError,
    TokenKind,
    User,
    endpoint_for,
)
from ._server import LoopbackServer
from ._store import Settings, Store
from ._wire import BadRequest, json_response, oauth2_error, path_of

if TYPE_CHECKING:
    from ..rsa import RSAPrivateKey

__all__ = ["LoopbackProvider", "start_provider"]

DEFAULT_LIFETIME = 600.0
"""Seconds after which a provider stops itself, in case a test forgets to."""

_Registration = OAuth1Client | OAuth2Client | OflyApp | User
_T = TypeVar("_T")


def _defaults() -> list[_Registration]:
    return [
        OAuth1Client(key="oauth1-client", secret=secrets.token_urlsafe(16)),
        OAuth2Client(client_id="confidential-client", client_secret=secrets.token_urlsafe(16)),
        OAuth2Client(
            client_id="public-client",
            grant_types=frozenset((GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN)),
        ),
        OflyApp(app_id="ofly-app", app_secret=secrets.token_urlsafe(16)),
        User(username="alice", password=secrets.token_urlsafe(12)),
    ]


class LoopbackProvider:
    """An OAuth 1.0a, OAuth 2.0 and Ofly provider on ``127.0.0.1``, for tests only.

    Not a production server: it keeps everything in memory, approves every authorization at
    once, and stops itself after ``lifetime`` seconds. Without registrations it has the
    OAuth 1.0a client ``oauth1-client``, the OAuth 2.0 clients ``confidential-client`` and
    ``public-client``, the Ofly application ``ofly-app`` and the user ``alice``, each with a
    random secret (read it from :meth:`oauth2_client` and friends). ``now`` is the provider's
    clock (POSIX seconds); :meth:`advance_clock` moves it.
    """

    def __init__(
        self,
        *,
        registrations: Iterable[_Registration] | None = None,
        access_token_lifetime: int = 3600,
        rotate_refresh_tokens: bool = True,
        allow_plain_pkce: bool = True,
        oauth1_window: int = 300,
        ofly_window: int = 300,
        lifetime: float = DEFAULT_LIFETIME,
        now: Callable[[], int] = unix_time,
    ) -> None:
        if lifetime <= 0:
            raise ProviderError("lifetime must be positive")
        self._store = Store(
            Settings(
                access_token_lifetime=access_token_lifetime,
                rotate_refresh_tokens=rotate_refresh_tokens,
                allow_plain_pkce=allow_plain_pkce,
                oauth1_window=oauth1_window,
                ofly_window=ofly_window,
            ),
            now,
        )
        for item in _defaults() if registrations is None else registrations:
            self.register(item)
        self.faults = Faults()
        self._lifetime = lifetime
        self._server: LoopbackServer | None = None
        self._other: LoopbackServer | None = None
        self._timer: threading.Timer | None = None
        self._stopping = threading.Event()
        self._log: list[LoggedRequest] = []
        self._other_log: list[LoggedRequest] = []
        self._errors: list[str] = []
        self._log_lock = threading.Lock()

    def __repr__(self) -> str:
        where = self._server.base_url if self._server is not None else "not started"
        return f"LoopbackProvider({where})"

    # Lifecycle.

    def start(self) -> LoopbackProvider:
        """Bind ``127.0.0.1:0`` (and a second port, the "other origin") and start serving."""
        if self._server is not None:
            raise ProviderError("the provider was already started")
        self._server = LoopbackServer(self._serve)
        self._other = LoopbackServer(self._serve_other)
        self._server.start()
        self._other.start()
        self._timer = threading.Timer(self._lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every connection; safe to call more than once."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._timer is not None:
            self._timer.cancel()
        servers = [server for server in (self._server, self._other) if server is not None]
        # Both at once: each waits for its serving loop to notice, up to one poll interval.
        stoppers = [threading.Thread(target=server.stop, daemon=True) for server in servers]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._server is not None and not self._stopping.is_set()

    def __enter__(self) -> LoopbackProvider:
        return self if self._server is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # URLs.

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, the origin of every endpoint."""
        if self._server is None:
            raise ProviderError("start the provider first")
        return self._server.base_url

    @property
    def issuer(self) -> str:
        """The OAuth 2.0 issuer identifier (RFC 8414 §2, RFC 9207): the base URL."""
        return self.base_url

    @property
    def other_origin(self) -> str:
        """Another origin (another port) that redirect faults point to; it logs what it gets."""
        if self._other is None:
            raise ProviderError("start the provider first")
        return self._other.base_url

    def url(self, endpoint: Endpoint, subpath: str = "") -> str:
        """The URL of ``endpoint``; resources take a ``subpath`` (``"/photos"``)."""
        return self.base_url + endpoint.path + subpath

    request_token_url = property(lambda self: self.url(Endpoint.OAUTH1_REQUEST_TOKEN))
    authorize_url = property(lambda self: self.url(Endpoint.OAUTH1_AUTHORIZE))
    access_token_url = property(lambda self: self.url(Endpoint.OAUTH1_ACCESS_TOKEN))
    oauth1_resource_url = property(lambda self: self.url(Endpoint.OAUTH1_RESOURCE))
    authorization_endpoint = property(lambda self: self.url(Endpoint.OAUTH2_AUTHORIZE))
    token_endpoint = property(lambda self: self.url(Endpoint.OAUTH2_TOKEN))
    revocation_endpoint = property(lambda self: self.url(Endpoint.OAUTH2_REVOKE))
    introspection_endpoint = property(lambda self: self.url(Endpoint.OAUTH2_INTROSPECT))
    metadata_url = property(lambda self: self.url(Endpoint.OAUTH2_METADATA))
    oauth2_resource_url = property(lambda self: self.url(Endpoint.OAUTH2_RESOURCE))
    ofly_authorize_url = property(lambda self: self.url(Endpoint.OFLY_AUTHORIZE))
    ofly_resource_url = property(lambda self: self.url(Endpoint.OFLY_RESOURCE))

    # Registrations.

    def register(self, *items: _Registration) -> None:
        """Register clients, applications and users (also while running)."""
        for item in items:
            self._store.register(item)

    def _pick(self, table: dict[str, _T], name: str | None, what: str) -> _T:
        with self._store.lock:
            if name is None:
                if not table:
                    raise ProviderError(f"no {what} is registered")
                return next(iter(table.values()))
            found = table.get(name)
        if found is None:
            raise ProviderError(f"no {what} {name!r} is registered")
        return found

    def oauth1_client(self, key: str | None = None) -> OAuth1Client:
        """The OAuth 1.0a client ``key`` (default: the first registered)."""
        return self._pick(self._store.oauth1_clients, key, "OAuth 1.0a client")

    def oauth2_client(self, client_id: str | None = None) -> OAuth2Client:
        """The OAuth 2.0 client ``client_id`` (default: the first confidential one)."""
        if client_id is None:
            with self._store.lock:
                for client in self._store.oauth2_clients.values():
                    if not client.is_public:
                        return client
        return self._pick(self._store.oauth2_clients, client_id, "OAuth 2.0 client")

    def ofly_app(self, app_id: str | None = None) -> OflyApp:
        """The Ofly application ``app_id`` (default: the first registered)."""
        return self._pick(self._store.ofly_apps, app_id, "Ofly application")

    def user(self, username: str | None = None) -> User:
        """The user ``username`` (default: the approving user)."""
        return self._pick(self._store.users, username or self._store.approving_user, "user")

    def oauth1_credentials(
        self,
        key: str | None = None,
        *,
        signature_method: SignatureMethod = SignatureMethod.HMAC_SHA1,
        rsa_key: str | bytes | RSAPrivateKey | None = None,
    ) -> ClientCredentials:
        """oauthcore client credentials for a registered OAuth 1.0a client (RSA methods need
        the private key matching the registered public key)."""
        client = self.oauth1_client(key)
        return ClientCredentials.build(
            client.key, client.secret, signature_method=signature_method, rsa_key=rsa_key
        )

    def oauth2_config(
        self,
        client_id: str | None = None,
        *,
        redirect_uri: str | None = None,
        auth_method: ClientAuthMethod | None = None,
    ) -> ClientConfig:
        """An oauthcore ``ClientConfig`` for a registered OAuth 2.0 client and this provider:
        both endpoints, its first redirect URI, the issuer with ``iss`` required."""
        client = self.oauth2_client(client_id)
        return ClientConfig(
            client_id=client.client_id,
            client_secret=client.client_secret,
            auth_method=auth_method,
            authorization_endpoint=self.authorization_endpoint,
            token_endpoint=self.token_endpoint,
            redirect_uri=redirect_uri or (client.redirect_uris or (None,))[0],
            issuer=self.issuer,
            issuer_sends_iss=True,
        )

    def ofly_credentials(self, app_id: str | None = None) -> OflyCredentials:
        """oauthcore ``OflyCredentials`` for a registered Ofly application."""
        app = self.ofly_app(app_id)
        return OflyCredentials(app_id=app.app_id, app_secret=app.app_secret)

    # Consent.

    @property
    def approving_user(self) -> str | None:
        """The user who approves authorizations (default: the first registered)."""
        return self._store.approving_user

    @approving_user.setter
    def approving_user(self, username: str) -> None:
        self.user(username)  # must be registered
        self._store.approving_user = username

    @property
    def auto_approve(self) -> bool:
        """True (the default): authorizations are approved; False: denied (access_denied)."""
        return self._store.approve

    @auto_approve.setter
    def auto_approve(self, value: bool) -> None:
        self._store.approve = bool(value)

    def authorize(self, authorization_url: str) -> str:
        """Visit an OAuth 1.0a or OAuth 2.0 authorization URL in-process; return the
        redirect's ``Location`` (the callback URL with the code or verifier)."""
        response = self._serve(Request(method="GET", url=authorization_url))
        location = response.header("Location")
        if location is None:
            raise ProviderError(f"the authorization answered {response.status}, not a redirect")
        return location

    def oauth1_verifier(self, authorization_url: str) -> str:
        """Visit an OAuth 1.0a authorization URL in-process; return the ``oauth_verifier``
        (shown for ``oob``, or carried by the callback redirect)."""
        response = self._serve(Request(method="GET", url=authorization_url))
        location = response.header("Location")
        text = location.partition("?")[2] if location else response.body.decode("ascii")
        found = dict(decode_form(text)).get("oauth_verifier") if response.status < 400 else None
        if not found:
            raise ProviderError(f"the authorization answered {response.status}, no verifier")
        return found

    # Tokens and time.

    def now(self) -> int:
        """The provider's clock."""
        return self._store.now()

    def advance_clock(self, seconds: int) -> None:
        """Move the provider's clock forward (tokens expire, OAuth 1.0a timestamps age)."""
        with self._store.lock:
            self._store.offset += seconds

    def issued_tokens(self, kind: TokenKind | None = None) -> tuple[IssuedToken, ...]:
        """Every token issued so far (of ``kind``), in order."""
        with self._store.lock:
            tokens = tuple(self._store.tokens.values())
        return tuple(t for t in tokens if kind is None or t.kind is kind)

    def token(self, value: str) -> IssuedToken:
        """What the provider knows of the token ``value``."""
        found = self._store.find(value)
        if found is None:
            raise ProviderError("no such token was issued by this provider")
        return found

    def expire(self, value: str) -> IssuedToken:
        """Expire the token ``value`` now (resources then answer 401 invalid_token)."""
        return self._store.expire(value)

    def revoke(self, value: str) -> IssuedToken:
        """Revoke the token ``value`` (only that token)."""
        return self._store.update(self.token(value), revoked=True)

    # Logs.

    @property
    def requests(self) -> tuple[LoggedRequest, ...]:
        """Every request answered, in order (names only, never a value)."""
        with self._log_lock:
            return tuple(self._log)

    def requests_to(self, endpoint: Endpoint) -> tuple[LoggedRequest, ...]:
        """The requests answered by ``endpoint``."""
        return tuple(entry for entry in self.requests if entry.endpoint is endpoint)

    @property
    def other_origin_requests(self) -> tuple[LoggedRequest, ...]:
        """Every request the other origin received (a client that followed a redirect)."""
        with self._log_lock:
            return tuple(self._other_log)

    @property
    def internal_errors(self) -> tuple[str, ...]:
        """Exceptions raised inside the provider (a bug here, not in the client): type names."""
        with self._log_lock:
            return tuple(self._errors)

    # Serving.

    def _record(
        self,
        log: list[LoggedRequest],
        request: Request,
        endpoint: Endpoint | None,
        response: Response,
        fault: Fault | None,
    ) -> None:
        entry = log_entry(request, endpoint, response, fault)
        with self._log_lock:
            log.append(entry)

    def _serve_other(self, request: Request) -> Response:
        response = json_response({"origin": "other", "path": path_of(request)})
        self._record(self._other_log, request, None, response, None)
        return response

    def _serve(self, request: Request) -> Response:
        endpoint = endpoint_for(path_of(request))
        fault = None if endpoint is None else self.faults.take(endpoint)
        if fault is not None and fault.delay:
            self._stopping.wait(fault.delay)
        try:
            if endpoint is None:
                response = oauth2_error("not_found", "no endpoint here", status=404)
            else:
                response = dispatch(
                    self._store,
                    endpoint,
                    request,
                    fault,
                    base_url=self.base_url,
                    other_origin=self.other_origin,
                )
        except BadRequest as exc:
            response = exc.response
        except Exception as exc:  # a bug in the provider: answer 500 and keep it for the test
            with self._log_lock:
                self._errors.append(type(exc).__name__)
            response = oauth2_error("server_error", "internal error", status=500)
        self._record(self._log, request, endpoint, response, fault)
        return response


@contextmanager
def start_provider(
    *,
    registrations: Iterable[_Registration] | None = None,
    access_token_lifetime: int = 3600,
    rotate_refresh_tokens: bool = True,
    allow_plain_pkce: bool = True,
    oauth1_window: int = 300,
    ofly_window: int = 300,
    lifetime: float = DEFAULT_LIFETIME,
    now: Callable[[], int] = unix_time,
) -> Iterator[LoopbackProvider]:
    """Start a :class:`LoopbackProvider` for the ``with`` block and stop it afterwards.

    The arguments are :class:`LoopbackProvider`'s.
    """
    provider = LoopbackProvider(
        registrations=registrations,
        access_token_lifetime=access_token_lifetime,
        rotate_refresh_tokens=rotate_refresh_tokens,
        allow_plain_pkce=allow_plain_pkce,
        oauth1_window=oauth1_window,
        ofly_window=ofly_window,
        lifetime=lifetime,
        now=now,
    )
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()

"""The auths :class:`~oauthcore.adapters.urllib3.OAuthClient` applies: OAuth 1.0a, Ofly and
OAuth 2.0 bearer tokens renewed single-flight per :class:`TokenStore`.

An auth turns one neutral :class:`~oauthcore.http.Request` into an :class:`Exchange`: the
request to send (:meth:`Exchange.start`), and what to send again once the answer is known
(:meth:`Exchange.feed`: an OAuth 2.0 replay after renewing an invalid token). All of it is the
core's work; nothing here decides anything about OAuth.

A private part of :mod:`oauthcore.adapters.urllib3`: import the public names from there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..errors import MissingDependencyError, SerializationError

try:
    from urllib3 import PoolManager
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("urllib3", "urllib3") from exc

from ..http import Request, Response
from ..limits import MAX_BODY_BYTES
from ..oauth2 import BearerPlacement, ClientConfig, Token
from ._renewal import TokenStore
from ._signers import BearerOptions, OAuth1Signer, OflySigner
from ._state import HookState
from ._tls import warn_insecure
from ._urllib3_transport import (
    _LOG,
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    TimeoutLike,
    new_pool_manager,
    send_request,
)


class Exchange:
    """One request under an auth: what to send first, and what to send again, if anything."""

    def start(self) -> Request:
        """Return the request to send."""
        raise NotImplementedError

    def feed(self, response: Response) -> Request | None:
        """Take the answer (its body not read); return a request to send once more, or None."""
        return None


class AuthBase(HookState):
    """Base of the auths :class:`OAuthClient` applies to each request and same-origin hop.

    A subclass implements :meth:`sign`, or :meth:`exchange` when it must see the answer.
    ``allows_stream`` says whether a streamed (iterable or file) body may be sent unread:
    only an auth that does not sign the body can allow it.
    """

    @property
    def allows_stream(self) -> bool:
        """True if a streamed body can be sent with this auth (it does not sign the body)."""
        return False

    def sign(self, request: Request) -> Request:
        """Return ``request`` carrying this auth's credentials."""
        raise NotImplementedError

    def exchange(self, request: Request) -> Exchange:
        """Return the exchange that sends ``request`` with this auth."""
        return _Signing(self, request)


class _Signing(Exchange):
    def __init__(self, auth: AuthBase, request: Request) -> None:
        self._auth = auth
        self._request = request

    def start(self) -> Request:
        return self._auth.sign(self._request)


class _Signed(AuthBase):
    """An auth that signs each request on its own (OAuth 1.0a, Ofly): no answer to see."""

    def _already_signed(self, request: Request) -> bool:
        raise NotImplementedError

    def _sign(self, request: Request) -> Request:
        raise NotImplementedError

    def sign(self, request: Request) -> Request:
        return request if self._already_signed(request) else self._sign(request)


class OAuth1Auth(OAuth1Signer, _Signed):
    """Sign requests with OAuth 1.0a (RFC 5849 §3) through an :class:`oauthcore.oauth1.Signer`.

    Every signature method and placement the core offers; the query in the URL and form bodies
    are signed, other bodies get ``oauth_body_hash``. A request that already carries
    ``oauth_signature`` is left as it is. :class:`OAuthClient` signs each same-origin redirect
    hop again (a fresh nonce and timestamp), never a hop to another origin (checklist D3).
    """


class OflyAuth(OflySigner, _Signed):
    """Sign requests with Ofly (Shutterfly) through :func:`oauthcore.ofly.sign_ofly_request`.

    The parameters already in the URL are signed too (checklist L2); the timestamp has three
    millisecond digits (L1); plain http is refused but on loopback or with
    ``allow_insecure_transport`` (L5). Ofly signs the URL only, so a body may be streamed.
    """

    @property
    def allows_stream(self) -> bool:
        return True


class OAuth2Auth(BearerOptions, AuthBase):
    """Present an OAuth 2.0 bearer token and keep it usable (RFC 6749 §6, RFC 6750).

    Each request runs :func:`oauthcore.oauth2.authorized_request_flow` through the shared
    single-flight :class:`TokenStore` (pass one store to several auths to share it): a token
    expired within ``client.leeway`` is renewed before sending, and a ``401`` with
    ``error="invalid_token"`` renews it once and replays the request once (checklist G1, G3,
    H1-H4). ``on_token(new)`` runs once per new token, before any request uses it, outside the
    store's lock. Token requests go through :func:`send_request` on ``pool`` (a private one by
    default): no redirects, capped body, default timeouts; TLS verified unless
    ``insecure_skip_tls_verify`` (logged at WARNING). ``now`` defaults to a monotonic-backed
    clock (G1).
    """

    def __init__(
        self,
        client: ClientConfig,
        token: Token | TokenStore,
        *,
        on_token: Callable[[Token], None] | None = None,
        placement: BearerPlacement = BearerPlacement.HEADER,
        renew_with_client_credentials: bool = False,
        scope: str | Sequence[str] | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        deadline: float | None = DEFAULT_DEADLINE,
        max_bytes: int = MAX_BODY_BYTES,
        pool: PoolManager | None = None,
        insecure_skip_tls_verify: bool = False,
        now: Callable[[], int] | None = None,
    ) -> None:
        self._set_bearer_options(
            client,
            token,
            on_token=on_token,
            placement=placement,
            renew_with_client_credentials=renew_with_client_credentials,
            scope=scope,
            now=now,
        )
        self.timeout = timeout
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.insecure_skip_tls_verify = insecure_skip_tls_verify
        self._given_pool = pool
        if pool is None:
            pool = new_pool_manager(insecure_skip_tls_verify=insecure_skip_tls_verify)
        elif insecure_skip_tls_verify:
            warn_insecure(_LOG, "auth's token requests")
        self._pool = pool

    @property
    def pool(self) -> PoolManager:
        """The pool that token-endpoint requests go through."""
        return self._pool

    @property
    def allows_stream(self) -> bool:
        return self.placement is not BearerPlacement.BODY

    _shared_attributes = ("_given_pool",)

    def _state(self) -> dict[str, Any]:
        state = super()._state()
        del state["_pool"]  # rebuilt on load
        return state

    def __getstate__(self) -> dict[str, Any]:
        if self._given_pool is not None:
            raise SerializationError(
                "OAuth2Auth.pool cannot be pickled (a PoolManager holds connections): "
                "make the auth again after loading"
            )
        return super().__getstate__()

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        given = self._given_pool
        self._pool = (
            given
            if given is not None
            else new_pool_manager(insecure_skip_tls_verify=self.insecure_skip_tls_verify)
        )

    def sign(self, request: Request) -> Request:
        """Return ``request`` with the token in force, renewed first if it is stale."""
        return self.exchange(request).start()

    def exchange(self, request: Request) -> Exchange:
        return _Renewing(self, request)

    def _send_token_request(self, request: Request) -> Response:
        return send_request(
            self._pool,
            request,
            timeout=self.timeout,
            max_bytes=self.max_bytes,
            deadline=self.deadline,
            insecure_skip_tls_verify=self.insecure_skip_tls_verify,
        )


class _Renewing(Exchange):
    """One resource request under ``authorized_request_flow``, renewals single-flight."""

    def __init__(self, auth: OAuth2Auth, request: Request) -> None:
        self._send_token = auth._send_token_request
        self._renewal = auth._renewal(request)

    def start(self) -> Request:
        return self._renewal.start(self._send_token)

    def feed(self, response: Response) -> Request | None:
        return self._renewal.feed(response, self._send_token)

"""The options every adapter's auth takes, and the core calls made with them.

Each adapter's ``OAuth1Auth``/``OAuth1Middleware`` and ``OflyAuth``/``OflyMiddleware`` is one
of the signers here mixed with the adapter's own base (how its client applies an auth), and
each ``OAuth2Auth``/``OAuth2Middleware`` takes its token options from :class:`BearerOptions`;
the options, their defaults and the core calls are written here once. Imports no HTTP client.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar

from .._clock import steady_clock, unix_time
from ..http import Request
from ..oauth1 import ClientCredentials, Placement, Signer, TokenCredentials, is_signed, new_nonce
from ..oauth2 import BearerPlacement, ClientConfig, Token
from ..ofly import OflyCredentials, OflyHashMethod, sign_ofly_request, utc_now
from ..redirects import MAX_HOPS
from ._renewal import Renewal, TokenStore
from ._state import HookState

__all__ = ["BearerOptions", "OAuth1Signer", "OflySigner"]


class OAuth1Signer(HookState):
    """OAuth 1.0a options; ``_sign`` signs with them through an :class:`oauthcore.oauth1.Signer`.

    The Signer (the credentials prepared once) is kept, and prepared again only when the
    caller gives the auth other ``client`` or ``token`` credentials.
    """

    _hook_attributes = ("now", "nonce")

    def __init__(
        self,
        client: ClientCredentials,
        token: TokenCredentials | None = None,
        *,
        placement: Placement = Placement.HEADER,
        realm: str | None = None,
        callback: str | None = None,
        verifier: str | None = None,
        version: bool = False,
        with_body_hash: bool | None = None,
        allow_insecure_transport: bool = False,
        max_redirects: int = MAX_HOPS,
        now: Callable[[], int] = unix_time,
        nonce: Callable[[], str] = new_nonce,
    ) -> None:
        self.client = client
        self.token = token
        self._signer = Signer(client, token)
        self.placement = placement
        self.realm = realm
        self.callback = callback
        self.verifier = verifier
        self.version = version
        self.with_body_hash = with_body_hash
        self.allow_insecure_transport = allow_insecure_transport
        self.max_redirects = max_redirects
        self.now = now
        self.nonce = nonce

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client={self.client!r}, token={self.token!r}, "
            f"placement={self.placement.value!r})"
        )

    def _already_signed(self, request: Request) -> bool:
        # A request carrying oauth_signature is sent as it is: never signed twice.
        return is_signed(request)

    def _sign(self, request: Request) -> Request:
        signer = self._signer
        if signer.client is not self.client or signer.token is not self.token:
            signer = self._signer = Signer(self.client, self.token)
        return signer.sign(
            request,
            placement=self.placement,
            realm=self.realm,
            callback=self.callback,
            verifier=self.verifier,
            version=self.version,
            with_body_hash=self.with_body_hash,
            allow_insecure_transport=self.allow_insecure_transport,
            now=self.now,
            nonce=self.nonce,
        )


class OflySigner(HookState):
    """Ofly options; ``_sign`` runs :func:`oauthcore.ofly.sign_ofly_request` with them."""

    _hook_attributes = ("now",)

    def __init__(
        self,
        credentials: OflyCredentials,
        user_id: str,
        *,
        hash_method: OflyHashMethod | str = OflyHashMethod.SHA1,
        allow_insecure_transport: bool = False,
        max_redirects: int = MAX_HOPS,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.credentials = credentials
        self.user_id = user_id
        self.hash_method = hash_method
        self.allow_insecure_transport = allow_insecure_transport
        self.max_redirects = max_redirects
        self.now = now

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(credentials={self.credentials!r}, "
            f"hash_method={str(self.hash_method)!r})"
        )

    def _already_signed(self, request: Request) -> bool:
        return False

    def _sign(self, request: Request) -> Request:
        return sign_ofly_request(
            request,
            self.credentials,
            user_id=self.user_id,
            hash_method=self.hash_method,
            allow_insecure_transport=self.allow_insecure_transport,
            now=self.now,
        )


class BearerOptions(HookState):
    """OAuth 2.0 options; ``_renewal(request)`` runs one request's renewal flow with them.

    The token lives in a :class:`TokenStore` (one given is shared, a token is wrapped in a new
    one); ``now`` defaults to a monotonic-backed clock (G1), made again when a pickle is loaded.
    The adapter's own options (timeouts, its client for token requests) stay in its class.
    """

    _hook_attributes: ClassVar[tuple[str, ...]] = ("on_token", "_given_now")

    def _set_bearer_options(
        self,
        client: ClientConfig,
        token: Token | TokenStore,
        *,
        on_token: Callable[[Token], None] | None,
        placement: BearerPlacement,
        renew_with_client_credentials: bool,
        scope: str | Sequence[str] | None,
        now: Callable[[], int] | None,
    ) -> None:
        self.client = client
        self.store = token if isinstance(token, TokenStore) else TokenStore(token)
        self.on_token = on_token
        self.placement = placement
        self.renew_with_client_credentials = renew_with_client_credentials
        self.scope = scope
        self._given_now = now
        self._now = now if now is not None else steady_clock()

    @property
    def token(self) -> Token:
        """The token in force (the store's)."""
        return self.store.token

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client={self.client!r}, store={self.store!r})"

    def _state(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["_now"]  # rebuilt on load
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._now = self._given_now if self._given_now is not None else steady_clock()

    def _renewal(self, request: Request) -> Renewal:
        return Renewal(
            request,
            self.store,
            self.client,
            placement=self.placement,
            renew_with_client_credentials=self.renew_with_client_credentials,
            scope=self.scope,
            on_token=self.on_token,
            now=self._now,
        )

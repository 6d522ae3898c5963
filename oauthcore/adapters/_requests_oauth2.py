""":class:`TokenStore` and :class:`OAuth2Auth`: OAuth 2.0 bearer tokens for ``requests``, renewed
single-flight per store.

A private part of :mod:`oauthcore.adapters.requests`: import the public names from there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..errors import MissingDependencyError

try:
    import requests
    from requests.auth import AuthBase
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("requests", "requests") from exc

from ..http import Request, Response
from ..limits import MAX_BODY_BYTES
from ..oauth2 import (
    BearerPlacement,
    ClientConfig,
    Token,
)
from ..redirects import MAX_HOPS
from ._renewal import TokenStore
from ._requests_session import send_request
from ._requests_transport import (
    _MANAGED,
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    Timeout,
    _apply,
    _copy_without_our_hooks,
    _core_response,
    _discard,
    _follow_without_session,
    _OwnHooks,
    _remember,
    _to_core,
)
from ._signers import BearerOptions


class OAuth2Auth(BearerOptions, AuthBase):
    """Present an OAuth 2.0 bearer token and keep it usable (RFC 6749 §6, RFC 6750).

    Each request runs :func:`oauthcore.oauth2.authorized_request_flow`: a token expired
    within ``client.leeway`` is renewed before sending, and a ``401`` with
    ``error="invalid_token"`` renews it once and replays the request once (checklist G1, G3).
    Renewals are single-flight per :class:`TokenStore` (pass one to share it between several
    auths); ``on_token(new)`` runs outside the store's lock, once per new token. Token-endpoint
    requests go through :func:`send_request` on ``session`` (a private one by default): no
    redirects, capped body. ``now`` defaults to a monotonic-backed clock (G1).
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
        timeout: Timeout = DEFAULT_TIMEOUT,
        deadline: float | None = DEFAULT_DEADLINE,
        max_bytes: int = MAX_BODY_BYTES,
        max_redirects: int = MAX_HOPS,
        session: requests.Session | None = None,
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
        self.max_redirects = max_redirects
        self._given_session = session
        self._session = session if session is not None else requests.Session()

    @property
    def allow_insecure_transport(self) -> bool:
        return self.client.allow_insecure_transport

    _shared_attributes = ("_given_session",)

    def _state(self) -> dict[str, Any]:
        state = super()._state()
        del state["_session"]  # rebuilt on load
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        given = self._given_session
        self._session = given if given is not None else requests.Session()

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        unsigned, streamed = _to_core(r, allow_stream=self.placement is not BearerPlacement.BODY)
        exchange = _Exchange(self, unsigned, replayable=not streamed)
        _apply(r, exchange.start(), streamed=streamed)
        _remember(r, self, unsigned, streamed)
        r.register_hook("response", exchange.on_response)
        return r

    def _send_token_request(self, request: Request) -> Response:
        return send_request(
            self._session,
            request,
            timeout=self.timeout,
            max_bytes=self.max_bytes,
            deadline=self.deadline,
        )


class _Exchange(_OwnHooks):
    """One resource request under ``authorized_request_flow``, its renewals single-flight."""

    def __init__(self, auth: OAuth2Auth, request: Request, *, replayable: bool) -> None:
        self._auth = auth
        self._request = request
        self._replayable = replayable
        self._renewal = auth._renewal(request)

    def start(self) -> Request:
        """Return the resource request to send, the token renewed first if it is stale."""
        return self._renewal.start(self._auth._send_token_request)

    def on_response(self, r: requests.Response, **kwargs: Any) -> requests.Response:
        final = self._replay_if_renewed(r, kwargs) if self._replayable else r
        if getattr(final.request, _MANAGED, False):
            return final
        auth = self._auth
        return _follow_without_session(
            final, kwargs, max_hops=auth.max_redirects, insecure=auth.allow_insecure_transport
        )

    def _replay_if_renewed(self, r: requests.Response, kwargs: dict[str, Any]) -> requests.Response:
        send_token = self._auth._send_token_request
        replay = self._renewal.feed(_core_response(r), send_token)
        if replay is None:
            return r  # no renewal needed
        prepared = _copy_without_our_hooks(r.request)
        _apply(prepared, replay, streamed=False)
        _remember(prepared, self._auth, self._request, False)
        setattr(prepared, _MANAGED, getattr(r.request, _MANAGED, False))
        _discard(r)
        answer = r.connection.send(prepared, **kwargs)
        answer.history = [*r.history, r, *answer.history]
        self._renewal.feed(_core_response(answer), send_token)  # replayed once: the flow ends
        return answer

""":class:`TokenStore` and :class:`OAuth2Auth`: OAuth 2.0 bearer tokens for ``requests``, renewed
single-flight per store.

A private part of :mod:`oauthcore.adapters.requests`: import the public names from there.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import MissingDependencyError, TokenExpiredError

try:
    import requests
    from requests.auth import AuthBase
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("requests", "requests") from exc

from .._clock import steady_clock
from ..flows import Flow
from ..http import Request, Response
from ..limits import MAX_BODY_BYTES
from ..oauth2 import (
    AuthorizedResponse,
    BearerPlacement,
    ClientConfig,
    Token,
    authorized_request_flow,
)
from ..redirects import MAX_HOPS
from ._requests_session import send_request
from ._requests_transport import (
    _MANAGED,
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    Timeout,
    _apply,
    _core_response,
    _discard,
    _follow_without_session,
    _is_ours,
    _OwnHooks,
    _remember,
    _to_core,
)

_MAX_RESTARTS = 16


# OAuth 2.0 with refresh: one refresh in flight per TokenStore (checklist H1, H3, H4, G7).


class _Attempt:
    """One refresh in flight: the token it renews, and how it ended."""

    __slots__ = ("done", "failure", "old")

    def __init__(self, old: Token) -> None:
        self.old = old
        self.done = False
        self.failure: Exception | None = None


class TokenStore:
    """The current OAuth 2.0 token of one grant, shared by every :class:`OAuth2Auth` using it.

    At most one refresh is in flight per store, across threads (checklist H1, H4): a request
    that finds its token being renewed waits and then uses the new one; if the renewal fails,
    every request that waited for it gets that same error, and the next one tries again (H3).
    A renewal never replaces a token set meanwhile with :meth:`replace` (H7).
    """

    def __init__(self, token: Token) -> None:
        self._token = token
        self._cond = threading.Condition()
        self._attempt: _Attempt | None = None

    @property
    def token(self) -> Token:
        """The token in force."""
        return self._token

    def replace(self, token: Token) -> None:
        """Put ``token`` in force (for instance one loaded from storage)."""
        with self._cond:
            self._token = token

    def __repr__(self) -> str:
        return f"TokenStore({self._token!r})"

    def __getstate__(self) -> dict[str, object]:
        return {"token": self._token}

    def __setstate__(self, state: dict[str, Token]) -> None:
        self._token = state["token"]
        self._cond = threading.Condition()  # a lock is rebuilt, never pickled (checklist I1)
        self._attempt = None

    def _claim(self, snapshot: Token) -> _Attempt | Exception | None:
        """Return an attempt to lead, the failure of the one waited for, or None if superseded."""
        with self._cond:
            while self._attempt is not None:
                attempt = self._attempt
                while not attempt.done:
                    self._cond.wait()
                if attempt.failure is not None and attempt.old is snapshot:
                    return attempt.failure
            if self._token is not snapshot:
                return None
            self._attempt = _Attempt(snapshot)
            return self._attempt

    def _release(
        self, attempt: _Attempt, *, new: Token | None = None, failure: Exception | None = None
    ) -> None:
        with self._cond:
            if new is not None and self._token is attempt.old:
                self._token = new
            attempt.failure = failure
            attempt.done = True
            if self._attempt is attempt:
                self._attempt = None
            self._cond.notify_all()


class OAuth2Auth(AuthBase):
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
        self.client = client
        self.store = token if isinstance(token, TokenStore) else TokenStore(token)
        self.on_token = on_token
        self.placement = placement
        self.renew_with_client_credentials = renew_with_client_credentials
        self.scope = scope
        self.timeout = timeout
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._given_now = now
        self._now = now if now is not None else steady_clock()
        self._given_session = session
        self._session = session if session is not None else requests.Session()

    @property
    def token(self) -> Token:
        """The token in force (the store's)."""
        return self.store.token

    @property
    def allow_insecure_transport(self) -> bool:
        return self.client.allow_insecure_transport

    def __repr__(self) -> str:
        return f"OAuth2Auth(client={self.client!r}, store={self.store!r})"

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        del state["_session"], state["_now"]  # rebuilt on load
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._now = self._given_now if self._given_now is not None else steady_clock()
        given = self._given_session
        self._session = given if given is not None else requests.Session()

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        unsigned, streamed = _to_core(r, allow_stream=self.placement is not BearerPlacement.BODY)
        exchange = _Exchange(self, unsigned, replayable=not streamed)
        _apply(r, exchange.start(), streamed=streamed)
        _remember(r, self, unsigned, streamed)
        r.register_hook("response", exchange.on_response)
        return r

    def _is_token_request(self, request: Request) -> bool:
        endpoint = self.client.token_endpoint
        return endpoint is not None and request.url == endpoint

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
        self._flow: Flow[AuthorizedResponse] | None = None
        self._snapshot: Token | None = None
        self._leading: _Attempt | None = None

    def start(self) -> Request:
        """Run a new flow on the store's token; return the resource request to send."""
        for _ in range(_MAX_RESTARTS):
            auth = self._auth
            self._snapshot = auth.store.token
            self._flow = authorized_request_flow(
                self._request,
                self._snapshot,
                auth.client,
                placement=auth.placement,
                renew_with_client_credentials=auth.renew_with_client_credentials,
                scope=auth.scope,
                on_token=self._adopt,
                now=auth._now,
            )
            request = self._advance(None)
            if request is not None:
                return request
        raise TokenExpiredError("the token kept being replaced while this request waited")

    def _advance(self, response: Response | None) -> Request | None:
        """Run the flow to its next resource request; None if another thread renewed the
        token first (the flow is then closed). StopIteration when the flow is over."""
        flow, store = self._flow, self._auth.store
        if flow is None or self._snapshot is None:
            raise StopIteration
        try:
            request = next(flow) if response is None else flow.send(response)
            while self._auth._is_token_request(request):
                if self._leading is None:
                    claim = store._claim(self._snapshot)
                    if claim is None:
                        flow.close()
                        return None
                    if isinstance(claim, Exception):
                        flow.close()
                        raise claim
                    self._leading = claim
                try:
                    answer = self._auth._send_token_request(request)
                except Exception as exc:
                    request = flow.throw(exc)
                else:
                    request = flow.send(answer)
            return request
        except BaseException as exc:
            leading, self._leading = self._leading, None
            if leading is not None:
                store._release(leading, failure=exc if isinstance(exc, Exception) else None)
            raise

    def _adopt(self, new: Token) -> None:
        """The flow's ``on_token``: put ``new`` in force, then run the caller's hook unlocked."""
        leading, self._leading = self._leading, None
        if leading is not None:
            self._auth.store._release(leading, new=new)
        hook = self._auth.on_token
        if hook is not None:
            hook(new)  # an exception becomes TokenUpdateError in the flow (checklist G7)

    def on_response(self, r: requests.Response, **kwargs: Any) -> requests.Response:
        final = self._replay_if_renewed(r, kwargs) if self._replayable else r
        if getattr(final.request, _MANAGED, False):
            return final
        auth = self._auth
        return _follow_without_session(
            final, kwargs, max_hops=auth.max_redirects, insecure=auth.allow_insecure_transport
        )

    def _replay_if_renewed(self, r: requests.Response, kwargs: dict[str, Any]) -> requests.Response:
        try:
            replay = self._advance(_core_response(r))
        except StopIteration:
            return r  # the flow is content: no renewal needed
        fresh = replay is None
        if replay is None:  # another thread renewed the token meanwhile: replay with that one
            replay = self.start()
        prepared = r.request.copy()
        prepared.hooks = {e: [h for h in hs if not _is_ours(h)] for e, hs in prepared.hooks.items()}
        _apply(prepared, replay, streamed=False)
        _remember(prepared, self._auth, self._request, False)
        setattr(prepared, _MANAGED, getattr(r.request, _MANAGED, False))
        _discard(r)
        answer = r.connection.send(prepared, **kwargs)
        answer.history = [*r.history, r, *answer.history]
        if fresh:
            if self._flow is not None:
                self._flow.close()  # replayed once; a second 401 is returned as it is
        else:
            with contextlib.suppress(StopIteration):  # the flow ends with the replay's answer
                self._advance(_core_response(answer))
        return answer

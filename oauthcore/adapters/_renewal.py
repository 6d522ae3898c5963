"""Single-flight token renewal shared by every adapter: :class:`TokenStore` and :class:`Renewal`.

Checklist H1–H7 and G7. A :class:`TokenStore` holds the token of one grant; any number of
auths, sessions, threads and coroutines may share it, and at most one renewal is in flight per
store, whoever runs it (a thread of a sync adapter or a coroutine of an async one). A
:class:`Renewal` runs :func:`oauthcore.oauth2.authorized_request_flow` for one resource request
and routes the flow's token-endpoint requests through the store: the first caller to find the
token stale leads the renewal, the others wait for it and then use its token, or all get the
same error if it failed.

The adapter supplies only a ``send_token`` callable (sync or async) that sends a token-endpoint
request without following redirects, and sends the resource requests a Renewal hands it.
Imports no HTTP client.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Awaitable, Callable, Sequence

from .._clock import steady_clock
from ..errors import ConfigurationError, TokenExpiredError
from ..flows import Flow
from ..http import Request, Response
from ..oauth2 import (
    AuthorizedResponse,
    BearerPlacement,
    ClientConfig,
    Token,
    authorized_request_flow,
)

__all__ = ["MAX_RETRY_DELAY", "RETRY_DELAY", "Renewal", "TokenStore", "retry_delay"]

SendToken = Callable[[Request], Response]
AsyncSendToken = Callable[[Request], Awaitable[Response]]

_MAX_RESTARTS = 16

RETRY_DELAY = 0.5
"""Seconds, on average, before a token request refused as retryable is sent again (G6)."""

MAX_RETRY_DELAY = 5.0
"""The longest wait a server's ``Retry-After`` obtains before the retry (G6)."""


def _uniform() -> float:
    # A number in [0, 1) for jitter; oauthcore draws randomness from os.urandom only (N2).
    return int.from_bytes(os.urandom(2), "big") / 65536


def retry_delay(answer: Response, *, draw: Callable[[], float] = _uniform) -> float:
    """Seconds to wait before sending again a token request ``answer`` refused as retryable.

    The flow sends a refresh again after a ``5xx`` or ``temporarily_unavailable`` answer
    (checklist G6); the driver waits first. A ``Retry-After`` in seconds (RFC 9110 §10.2.3) is
    honoured up to :data:`MAX_RETRY_DELAY`; otherwise, or for an HTTP-date, the wait is
    :data:`RETRY_DELAY` with jitter: between half and one and a half times it, so clients that
    failed together do not come back together.
    """
    value = (answer.header("Retry-After") or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= 10:
        return min(float(value), MAX_RETRY_DELAY)
    return RETRY_DELAY * (0.5 + draw())


class _FlowEnded(Exception):
    """The flow returned: StopIteration re-raised under a name a coroutine may raise."""


def _resume(
    flow: Flow[AuthorizedResponse], response: Response | None, failure: Exception | None = None
) -> Request:
    # A StopIteration escaping a coroutine becomes RuntimeError (PEP 479): rename it first.
    try:
        if failure is not None:
            return flow.throw(failure)
        return next(flow) if response is None else flow.send(response)
    except StopIteration:
        raise _FlowEnded from None


class _Attempt:
    """One renewal in flight: the token it renews, how it ended, and who waits for it."""

    __slots__ = ("done", "failure", "futures", "old")

    def __init__(self, old: Token) -> None:
        self.old = old
        self.done = False
        self.failure: BaseException | None = None
        self.futures: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class TokenStore:
    """The current OAuth 2.0 token of one grant, shared by every auth and session using it.

    At most one renewal is in flight per store, across threads and coroutines alike
    (checklist H1, H2, H4): a request that finds its token being renewed waits and then uses
    the new one; if the renewal fails, every request that waited for it gets that same error,
    and the next one tries again (H3). A leader that is cancelled or dies hands the renewal to
    one of the waiters (H6). A renewal never replaces a token put in force meanwhile with
    :meth:`replace` (compare-and-swap on the token it started from, H7).
    """

    def __init__(self, token: Token) -> None:
        self._token = token
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._attempt: _Attempt | None = None

    @property
    def token(self) -> Token:
        """The token in force."""
        return self._token

    def replace(self, token: Token) -> None:
        """Put ``token`` in force (for instance one loaded from storage)."""
        with self._lock:
            self._token = token

    def __repr__(self) -> str:
        return f"TokenStore({self._token!r})"

    def __getstate__(self) -> dict[str, object]:
        return {"token": self._token}

    def __setstate__(self, state: dict[str, Token]) -> None:
        self._token = state["token"]
        self._lock = threading.Lock()  # locks are rebuilt, never pickled (checklist I1)
        self._cond = threading.Condition(self._lock)
        self._attempt = None

    # The claim protocol: _try_claim under the lock returns what to do, or the attempt to wait
    # for; the sync and async variants differ only in how they wait.

    def _try_claim(self, snapshot: Token) -> _Attempt | None:
        # Under the lock, with no attempt in flight: a new attempt to lead, or None when the
        # token was replaced meanwhile (the caller then uses the new one).
        if self._token is not snapshot:
            return None
        self._attempt = _Attempt(snapshot)
        return self._attempt

    @staticmethod
    def _outcome(attempt: _Attempt, snapshot: Token) -> Exception | None:
        failure = attempt.failure
        if attempt.old is snapshot and isinstance(failure, Exception):
            return failure
        return None

    def claim(self, snapshot: Token) -> _Attempt | Exception | None:
        """Blocking: an attempt to lead, the failure of the one waited for, or None."""
        with self._cond:
            while True:
                attempt = self._attempt
                if attempt is None:
                    return self._try_claim(snapshot)
                while not attempt.done:
                    self._cond.wait()
                failure = self._outcome(attempt, snapshot)
                if failure is not None:
                    return failure
                if self._token is not snapshot:
                    return None

    async def aclaim(self, snapshot: Token) -> _Attempt | Exception | None:
        """Like :meth:`claim`, waiting without blocking the event loop."""
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                attempt = self._attempt
                if attempt is None:
                    return self._try_claim(snapshot)
                future: asyncio.Future[None] = loop.create_future()
                attempt.futures.append((loop, future))
            await future
            failure = self._outcome(attempt, snapshot)
            if failure is not None:
                return failure
            if self._token is not snapshot:
                return None

    def install(self, attempt: _Attempt, new: Token) -> None:
        """Put ``new`` in force if the token is still the one ``attempt`` renews (H7)."""
        with self._lock:
            if self._token is attempt.old:
                self._token = new

    def release(self, attempt: _Attempt, failure: BaseException | None = None) -> None:
        """End ``attempt`` and wake every waiter, sync or async."""
        with self._cond:
            attempt.failure = failure
            attempt.done = True
            if self._attempt is attempt:
                self._attempt = None
            futures, attempt.futures = attempt.futures, []
            self._cond.notify_all()
        for loop, future in futures:
            if not loop.is_closed():
                loop.call_soon_threadsafe(_wake, future)


class Renewal:
    """One resource request under ``authorized_request_flow``, its renewals single-flight.

    Use: ``request = renewal.start(send_token)``; send it; ``replay = renewal.feed(response,
    send_token)``; if ``replay`` is not None send it once and call ``feed`` with that answer
    too (it then returns None). The async methods ``astart``/``afeed`` take an async
    ``send_token``. ``on_token(new)`` runs once per new token, after it is in force and before
    any waiter uses it, outside the store's lock (so it may read the store or send requests).
    """

    def __init__(
        self,
        request: Request,
        store: TokenStore,
        client: ClientConfig,
        *,
        placement: BearerPlacement = BearerPlacement.HEADER,
        renew_with_client_credentials: bool = False,
        scope: str | Sequence[str] | None = None,
        on_token: Callable[[Token], None] | None = None,
        now: Callable[[], int] | None = None,
        pause: Callable[[float], object] = time.sleep,
        apause: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._client = client
        if self._is_token_request(request):
            # The flow's token requests are told apart from resource requests by this URL.
            raise ConfigurationError(
                "a bearer-authorised request to the token endpoint itself; send token "
                "requests with the adapter's send_request or send_flow"
            )
        self._request = request
        self._store = store
        self._placement = placement
        self._with_client_credentials = renew_with_client_credentials
        self._scope = scope
        self._on_token = on_token
        self._now = now if now is not None else steady_clock()
        self._pause, self._apause = pause, apause
        self._flow: Flow[AuthorizedResponse] | None = None
        self._snapshot: Token | None = None
        self._leading: _Attempt | None = None
        self._replayed = False
        self.renewed = False
        """True once this request's flow has put a new token in force."""

    @property
    def token(self) -> Token:
        """The token this request is using."""
        return self._snapshot if self._snapshot is not None else self._store.token

    def _new_flow(self) -> Flow[AuthorizedResponse]:
        self._snapshot = self._store.token
        self._flow = authorized_request_flow(
            self._request,
            self._snapshot,
            self._client,
            placement=self._placement,
            renew_with_client_credentials=self._with_client_credentials,
            scope=self._scope,
            on_token=self._adopt,
            now=self._now,
        )
        return self._flow

    def _is_token_request(self, request: Request) -> bool:
        endpoint = self._client.token_endpoint
        return endpoint is not None and request.url == endpoint

    def _adopt(self, new: Token) -> None:
        # The flow's on_token: the new token goes in force, the caller's hook sees it, and
        # only then are the waiters woken (so none uses a token the hook has not seen).
        self.renewed = True
        self._snapshot = new
        leading, self._leading = self._leading, None
        if leading is None:
            self._store.replace(new)
            self._run_hook(new)
            return
        self._store.install(leading, new)
        try:
            self._run_hook(new)
        finally:
            self._store.release(leading)

    def _run_hook(self, new: Token) -> None:
        if self._on_token is not None:
            self._on_token(new)  # an exception becomes TokenUpdateError in the flow (G7)

    def _abandon(self, exc: BaseException) -> None:
        leading, self._leading = self._leading, None
        if leading is not None:
            # A cancellation or exit is no failure of the renewal: a waiter takes over (H6).
            self._store.release(leading, exc if isinstance(exc, Exception) else None)

    # Sync

    def start(self, send_token: SendToken) -> Request:
        """Return the resource request to send, renewing the token first if it is stale."""
        for _ in range(_MAX_RESTARTS):
            request = self._advance(self._new_flow(), None, send_token)
            if request is not None:
                return request
        raise TokenExpiredError("the token kept being replaced while this request waited")

    def feed(self, response: Response, send_token: SendToken) -> Request | None:
        """Take the resource's answer; return the request to replay once, or None."""
        flow = self._flow
        if flow is None:
            return None
        if self._replayed:
            self._close()
            return None
        try:
            replay = self._advance(flow, response, send_token)
        except _FlowEnded:
            self._flow = None
            return None
        self._replayed = True
        if replay is None:  # another caller renewed meanwhile: replay with its token
            replay = self.start(send_token)
        return replay

    def _advance(
        self, flow: Flow[AuthorizedResponse], response: Response | None, send_token: SendToken
    ) -> Request | None:
        try:
            request = _resume(flow, response)
            refused: Response | None = None
            while self._is_token_request(request):
                if self._leading is None:
                    claim = self._store.claim(self._snapshot or self._store.token)
                    if claim is None or isinstance(claim, Exception):
                        flow.close()
                        if claim is None:
                            return None
                        raise claim
                    self._leading = claim
                if refused is not None:  # the flow sends it again: a retry, after a pause (G6)
                    self._pause(retry_delay(refused))
                try:
                    answer = send_token(request)
                except Exception as exc:
                    request = _resume(flow, None, exc)
                else:
                    refused = answer
                    request = _resume(flow, answer)
            return request
        except BaseException as exc:
            self._abandon(exc)
            raise

    # Async

    async def astart(self, send_token: AsyncSendToken) -> Request:
        """Like :meth:`start`, with an async ``send_token``."""
        for _ in range(_MAX_RESTARTS):
            request = await self._aadvance(self._new_flow(), None, send_token)
            if request is not None:
                return request
        raise TokenExpiredError("the token kept being replaced while this request waited")

    async def afeed(self, response: Response, send_token: AsyncSendToken) -> Request | None:
        """Like :meth:`feed`, with an async ``send_token``."""
        flow = self._flow
        if flow is None:
            return None
        if self._replayed:
            self._close()
            return None
        try:
            replay = await self._aadvance(flow, response, send_token)
        except _FlowEnded:
            self._flow = None
            return None
        self._replayed = True
        if replay is None:
            replay = await self.astart(send_token)
        return replay

    async def _aadvance(
        self,
        flow: Flow[AuthorizedResponse],
        response: Response | None,
        send_token: AsyncSendToken,
    ) -> Request | None:
        try:
            request = _resume(flow, response)
            refused: Response | None = None
            while self._is_token_request(request):
                if self._leading is None:
                    claim = await self._store.aclaim(self._snapshot or self._store.token)
                    if claim is None or isinstance(claim, Exception):
                        flow.close()
                        if claim is None:
                            return None
                        raise claim
                    self._leading = claim
                if refused is not None:
                    await self._apause(retry_delay(refused))
                try:
                    answer = await send_token(request)
                except Exception as exc:
                    request = _resume(flow, None, exc)
                else:
                    refused = answer
                    request = _resume(flow, answer)
            return request
        except BaseException as exc:
            self._abandon(exc)
            raise

    def _close(self) -> None:
        if self._flow is not None:
            self._flow.close()
            self._flow = None

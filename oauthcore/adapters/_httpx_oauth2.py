""":class:`OAuth2Auth`: OAuth 2.0 bearer tokens for ``httpx.Client`` and ``httpx.AsyncClient``,
renewed single-flight per :class:`~oauthcore.adapters._renewal.TokenStore`.

A private part of :mod:`oauthcore.adapters.httpx`: import the public names from there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..errors import MissingDependencyError

try:
    import httpx
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("httpx", "httpx") from exc

from ..http import Request, Response
from ..limits import MAX_BODY_BYTES
from ..oauth2 import BearerPlacement, ClientConfig, Token
from ..redirects import MAX_HOPS
from ._httpx_auth import Drop, Plan, Send, Step, _Auth
from ._httpx_transport import (
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    Stream,
    TimeoutLike,
    async_send_request,
    core_response,
    default_tls,
    from_core,
    send_request,
)
from ._renewal import Renewal, TokenStore
from ._signers import BearerOptions


class _Start(Step):
    """Return the resource request to send, the token renewed first if it is stale."""

    __slots__ = ("renewal", "result")

    def __init__(self, renewal: Renewal) -> None:
        self.renewal = renewal
        self.result: Request

    def run(self, auth: _Auth) -> None:
        self.result = self.renewal.start(_oauth2(auth)._send_token)

    async def arun(self, auth: _Auth) -> None:
        self.result = await self.renewal.astart(_oauth2(auth)._asend_token)


class _Feed(Step):
    """Take the resource's answer: the request to replay once, or None."""

    __slots__ = ("answer", "renewal", "result")

    def __init__(self, renewal: Renewal, answer: Response) -> None:
        self.renewal = renewal
        self.answer = answer
        self.result: Request | None = None

    def run(self, auth: _Auth) -> None:
        self.result = self.renewal.feed(self.answer, _oauth2(auth)._send_token)

    async def arun(self, auth: _Auth) -> None:
        self.result = await self.renewal.afeed(self.answer, _oauth2(auth)._asend_token)


def _oauth2(auth: _Auth) -> OAuth2Auth:
    if not isinstance(auth, OAuth2Auth):
        raise TypeError("an OAuth 2.0 step run by another auth")
    return auth


class OAuth2Auth(BearerOptions, _Auth):
    """Present an OAuth 2.0 bearer token and keep it usable (RFC 6749 §6, RFC 6750).

    Each request runs :func:`oauthcore.oauth2.authorized_request_flow`: a token expired
    within ``client.leeway`` is renewed before sending, and a ``401`` with
    ``error="invalid_token"`` renews it once and replays the request once (not a streamed
    body; checklist G1, G3). Renewals are single-flight per :class:`TokenStore` across threads
    and coroutines alike (pass one store to share it between auths; H1-H4); ``on_token(new)``
    runs outside the store's lock, once per new token, before any request uses it.

    Token-endpoint requests go through :func:`send_request` / :func:`async_send_request` on
    ``token_client`` / ``async_token_client`` (a private client per renewal by default, which
    ignores the environment): no redirects, capped body, timeouts. ``now`` defaults to a
    monotonic-backed clock (G1).
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
        max_redirects: int = MAX_HOPS,
        token_client: httpx.Client | None = None,
        async_token_client: httpx.AsyncClient | None = None,
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
        self.token_client = token_client
        self.async_token_client = async_token_client

    @property
    def allow_insecure_transport(self) -> bool:  # type: ignore[override]  # the client's
        return self.client.allow_insecure_transport

    _hook_attributes = (*BearerOptions._hook_attributes, "token_client", "async_token_client")
    _shared_attributes = ("token_client", "async_token_client")

    def _needs_body(self, request: httpx.Request) -> bool:
        return self.placement is BearerPlacement.BODY

    def _exchange(
        self, request: Request, template: httpx.Request, stream: Stream | None
    ) -> Plan[httpx.Response]:
        renewal = self._renewal(request)
        start = _Start(renewal)
        yield start
        send = Send(from_core(start.result, template=template, stream=stream))
        yield send
        if stream is not None:
            return send.response  # a stream is sent and gone: no replay
        feed = _Feed(renewal, core_response(send.response))
        yield feed
        if feed.result is None:
            return send.response
        yield Drop(send.response)
        replay = Send(from_core(feed.result, template=template))
        yield replay
        yield _Feed(renewal, core_response(replay.response))  # replayed once: the flow ends
        return replay.response

    def _send_token(self, request: Request) -> Response:
        if self.token_client is not None:
            return self._send_token_over(self.token_client, request)
        with httpx.Client(trust_env=False, verify=default_tls()) as client:
            return self._send_token_over(client, request)

    def _send_token_over(self, client: httpx.Client, request: Request) -> Response:
        return send_request(
            client, request, timeout=self.timeout, max_bytes=self.max_bytes, deadline=self.deadline
        )

    async def _asend_token(self, request: Request) -> Response:
        if self.async_token_client is not None:
            return await self._asend_token_over(self.async_token_client, request)
        async with httpx.AsyncClient(trust_env=False, verify=default_tls()) as client:
            return await self._asend_token_over(client, request)

    async def _asend_token_over(self, client: httpx.AsyncClient, request: Request) -> Response:
        return await async_send_request(
            client, request, timeout=self.timeout, max_bytes=self.max_bytes, deadline=self.deadline
        )

"""The aiohttp client middlewares (OAuth 1.0a, OAuth 2.0, Ofly, redirects) and
:func:`oauth_session`.

A private part of :mod:`oauthcore.adapters.aiohttp`: import the public names from there.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable, Sequence

from ..errors import ConfigurationError, MissingDependencyError

try:
    import aiohttp
    from aiohttp import ClientHandlerType, ClientMiddlewareType, ClientRequest, ClientResponse
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("aiohttp", "aiohttp") from exc

from ..http import Request, Response
from ..limits import MAX_BODY_BYTES
from ..oauth2 import BearerPlacement, ClientConfig, Token
from ..redirects import MAX_HOPS
from ._aiohttp_transport import (
    DEFAULT_TIMEOUT,
    MAX_RESOURCE_BYTES,
    _apply,
    _capped_response_class,
    _core_response,
    _follow,
    _to_core,
    send_request,
)
from ._renewal import TokenStore
from ._signers import BearerOptions, OAuth1Signer, OflySigner
from ._state import HookState
from ._tls import check_ssl_context, warn_insecure

# Records carry the public module's logger name.
_LOG = logging.getLogger("oauthcore.adapters.aiohttp")


class _Middleware(HookState):
    """An oauthcore middleware: apply credentials, send, and see the redirects through."""

    max_redirects: int
    allow_insecure_transport: bool

    def _allows_stream(self) -> bool:
        return False

    def _already_signed(self, request: Request) -> bool:
        return False

    def _sign(self, request: Request) -> Request:
        return request

    async def _send(
        self, req: ClientRequest, handler: ClientHandlerType, request: Request, streamed: bool
    ) -> ClientResponse:
        signed = self._sign(request)
        if signed is not request:
            await _apply(req, signed, keep_body=streamed)
        return await handler(req)

    async def __call__(self, req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        unsigned, streamed = await _to_core(req, allow_stream=self._allows_stream())
        if self._already_signed(unsigned):  # never sign twice, never re-sign another's
            response, resend = await handler(req), None
        else:
            response, resend = await self._send(req, handler, unsigned, streamed), self._send
        return await _follow(
            req,
            handler,
            response,
            unsigned,
            streamed,
            resend,
            max_hops=self.max_redirects,
            allow_insecure_transport=self.allow_insecure_transport,
        )


class RedirectMiddleware(_Middleware):
    """Follow redirects under oauthcore's policy, for requests that carry no oauthcore auth.

    At most ``max_redirects`` hops (then :class:`~oauthcore.RedirectPolicyError`), https to
    http refused, non-http(s) targets refused, every ``Authorization``, ``Proxy-Authorization``
    and ``Cookie`` (any letter case, every copy) dropped when the origin changes, redirect
    bodies never read. Each oauthcore auth middleware already does this for its requests.
    """

    def __init__(
        self, *, max_redirects: int = MAX_HOPS, allow_insecure_transport: bool = False
    ) -> None:
        self.max_redirects = max_redirects
        self.allow_insecure_transport = allow_insecure_transport

    def __repr__(self) -> str:
        return f"RedirectMiddleware(max_redirects={self.max_redirects})"

    def _allows_stream(self) -> bool:
        return True


class OAuth1Middleware(OAuth1Signer, _Middleware):
    """Sign requests with OAuth 1.0a (RFC 5849 §3) through an :class:`oauthcore.oauth1.Signer`.

    Every signature method and placement the core offers; the query in the URL and form
    bodies are signed, other bodies get ``oauth_body_hash``. A request that already carries
    ``oauth_signature`` is sent as it is. Redirects are followed here: a same-origin hop is
    signed again with a fresh nonce, a hop to another origin is not signed (nor any hop after
    it). A streamed, file or multipart body is refused: it cannot be signed.
    """


class OflyMiddleware(OflySigner, _Middleware):
    """Sign requests with Ofly (Shutterfly) through :func:`oauthcore.ofly.sign_ofly_request`.

    The parameters already in the URL are signed too (checklist L2); the timestamp has three
    millisecond digits (L1); plain http is refused but on loopback or with
    ``allow_insecure_transport`` (L5). Ofly signs the URL only, so any body may be streamed.
    Redirects as for :class:`OAuth1Middleware`.
    """

    def _allows_stream(self) -> bool:
        return True


class OAuth2Middleware(BearerOptions, _Middleware):
    """Present an OAuth 2.0 bearer token and keep it usable (RFC 6749 §6, RFC 6750).

    Each request runs :func:`oauthcore.oauth2.authorized_request_flow` through a
    :class:`TokenStore`: a token expired within ``client.leeway`` is renewed before sending,
    and a ``401`` with ``error="invalid_token"`` renews it once and replays the request once
    (not a streamed body). Renewals are single-flight per store, across coroutines and the
    threads of other adapters sharing it; if one fails, every request that waited for it gets
    that same error. ``on_token(new)`` runs once per new token, before any waiter uses it.

    Token-endpoint requests go through :func:`send_request` on ``session`` (by default the
    session of the request being sent, without its middlewares): never redirected, body
    capped at ``max_bytes``, ``timeout`` as given. Redirects of the resource request are
    followed here; a same-origin hop carries the current token, another origin none.
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
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
        max_bytes: int = MAX_BODY_BYTES,
        max_redirects: int = MAX_HOPS,
        session: aiohttp.ClientSession | None = None,
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
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.session = session

    _hook_attributes = (*BearerOptions._hook_attributes, "session")
    _shared_attributes = ("session",)

    @property
    def allow_insecure_transport(self) -> bool:  # type: ignore[override]  # the client's
        return self.client.allow_insecure_transport

    def _allows_stream(self) -> bool:
        return self.placement is not BearerPlacement.BODY

    async def _send(
        self, req: ClientRequest, handler: ClientHandlerType, request: Request, streamed: bool
    ) -> ClientResponse:
        session = self.session if self.session is not None else req.session

        async def send_token(token_request: Request) -> Response:
            return await send_request(
                session, token_request, timeout=self.timeout, max_bytes=self.max_bytes
            )

        renewal = self._renewal(request)
        await _apply(req, await renewal.astart(send_token), keep_body=streamed)
        response = await handler(req)
        if streamed:
            return response  # a streamed body cannot be replayed
        try:
            if response.status == 401:
                # Read the (small) challenge body now: a waiter must not hold a pooled
                # connection while the renewal it waits for needs one.
                await response.read()
            replay = await renewal.afeed(_core_response(response), send_token)
        except BaseException:
            response.close()
            raise
        if replay is None:
            return response
        response.close()
        await _apply(req, replay, keep_body=False)
        answer = await handler(req)
        try:
            await renewal.afeed(_core_response(answer), send_token)  # replayed once: done
        except BaseException:
            answer.close()
            raise
        return answer


class _TlsPolicy:
    """Refuse a per-request ``ssl=False`` on an :func:`oauth_session` (checklist C9)."""

    def __init__(self, *, insecure_skip_tls_verify: bool) -> None:
        self.insecure_skip_tls_verify = insecure_skip_tls_verify

    async def __call__(self, req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        if req.ssl is False and not self.insecure_skip_tls_verify:
            raise ConfigurationError(
                "TLS certificate verification can only be turned off with "
                "oauth_session(insecure_skip_tls_verify=True) (checklist C9)"
            )
        return await handler(req)


def oauth_session(
    *middlewares: ClientMiddlewareType,
    timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
    max_redirects: int = MAX_HOPS,
    max_body_bytes: int = MAX_RESOURCE_BYTES,
    allow_insecure_transport: bool = False,
    insecure_skip_tls_verify: bool = False,
    headers: dict[str, str] | None = None,
    cookie_jar: aiohttp.abc.AbstractCookieJar | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> aiohttp.ClientSession:
    """Return an ``aiohttp.ClientSession`` with oauthcore's transport policy.

    ``middlewares`` run in the order given (an oauthcore auth middleware among them follows
    the redirects of its requests). When none of them is an oauthcore middleware, a
    :class:`RedirectMiddleware` (``max_redirects``, ``allow_insecure_transport``) goes first,
    so aiohttp never follows a redirect itself. ``timeout`` defaults to connect 10 s, read
    30 s, total 60 s (M3); ``read()``, ``text()`` and ``json()`` are capped at
    ``max_body_bytes`` after decompression (M2); ``trust_env`` is off, so ``.netrc`` and
    environment proxies are never used (C7); TLS is verified, and a per-request
    ``ssl=False`` is refused, unless ``insecure_skip_tls_verify=True`` (logged at WARNING; C9).
    ``ssl_context`` (for a private CA, say) must verify certificates and host names.
    Must be created inside a running event loop, and closed (``async with``).
    """
    check_ssl_context(ssl_context)
    chain: list[ClientMiddlewareType] = [
        _TlsPolicy(insecure_skip_tls_verify=insecure_skip_tls_verify)
    ]
    if not any(isinstance(mw, _Middleware) for mw in middlewares):
        chain.append(
            RedirectMiddleware(
                max_redirects=max_redirects, allow_insecure_transport=allow_insecure_transport
            )
        )
    chain.extend(middlewares)
    if insecure_skip_tls_verify:
        warn_insecure(_LOG, "session")
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(
            ssl=False if insecure_skip_tls_verify else (ssl_context or True)
        ),
        timeout=timeout,
        trust_env=False,
        middlewares=tuple(chain),
        response_class=_capped_response_class(max_body_bytes),
        headers=headers,
        cookie_jar=cookie_jar,
    )

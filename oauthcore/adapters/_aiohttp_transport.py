"""Translation between aiohttp's ``ClientRequest`` / ``ClientResponse`` and :mod:`oauthcore.http`,
capped body reading, redirects followed under oauthcore's policy, and the token-endpoint sender.

A private part of :mod:`oauthcore.adapters.aiohttp`: import the public names from there.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ..errors import ConfigurationError, MissingDependencyError

try:
    import aiohttp
    from aiohttp import ClientHandlerType, ClientMiddlewareType, ClientRequest, ClientResponse
    from aiohttp.payload import BytesPayload
    from multidict import CIMultiDict
    from yarl import URL
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("aiohttp", "aiohttp") from exc

from ..flows import Flow, async_drive
from ..http import Headers, Request, Response
from ..limits import MAX_BODY_BYTES, aread_limited, check_content_codings
from ..redirects import CREDENTIAL_HEADERS, REDIRECT_STATUSES, next_hop, same_origin
from ._tls import warn_insecure

T = TypeVar("T")
# Records carry the public module's logger name.
_LOG = logging.getLogger("oauthcore.adapters.aiohttp")

DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=60.0, connect=10.0, sock_connect=10.0, sock_read=30.0)
"""Timeouts of every request this module sends, and of :func:`oauth_session` (checklist M3):
10 s to connect, 30 s between two reads, 60 s for the whole exchange, body included."""

MAX_RESOURCE_BYTES = 32 * 1024 * 1024
"""Default cap on a resource body read with ``read()``/``text()``/``json()`` on a session made
by :func:`oauth_session`, after decompression."""

_CHUNK = 64 * 1024

# What sends one hop of a request: apply a neutral request to the ClientRequest and send it.
Resend = Callable[[ClientRequest, ClientHandlerType, Request, bool], Awaitable[ClientResponse]]


# Translation between aiohttp's objects and the neutral ones.


async def _body_bytes(req: ClientRequest) -> bytes | None:
    """The request body as bytes, or None when it is a stream that reading would consume."""
    body = req.body
    if isinstance(body, BytesPayload):  # bytes, str, JSON and url-encoded forms
        return await body.as_bytes()
    if not body:
        return b""
    return None  # a file, an async iterable, a multipart writer


async def _to_core(req: ClientRequest, *, allow_stream: bool) -> tuple[Request, bool]:
    """Return ``req`` as a neutral Request, and whether its body is a stream.

    A stream is left in place and the neutral request carries no body; ``allow_stream=False``
    refuses it instead. The Host header aiohttp derived from the URL is left out (it follows
    the URL); one the caller set is kept.
    """
    raw = await _body_bytes(req)
    streamed = raw is None
    if raw is None:
        if not allow_stream:
            raise ConfigurationError(
                "a streamed, file or multipart body cannot be signed; pass bytes, str or a form"
            )
        raw = b""
    auto_host = req.url.host_port_subcomponent
    headers = tuple(
        (str(name), str(value))  # aiohttp's names are istr: the neutral type wants str
        for name, value in req.headers.items()
        if not (name.lower() == "host" and value == auto_host)
    )
    return Request(method=req.method, url=str(req.url), headers=headers, body=raw), streamed


async def _apply(req: ClientRequest, request: Request, *, keep_body: bool) -> None:
    """Make ``req`` send exactly ``request`` (``keep_body``: leave a streamed body in place)."""
    req.method = request.method
    url = URL(request.url, encoded=True)  # the URL sent is the URL signed, byte for byte
    if url != req.url:
        req.url = req.original_url = url
    headers: CIMultiDict[str] = CIMultiDict(request.headers)
    if "Host" not in headers:
        headers["Host"] = url.host_port_subcomponent or ""
    req.headers = headers
    if keep_body:
        return
    if await _body_bytes(req) != request.body:
        await req.update_body(request.body or None)
        if not request.body:
            req.chunked = None


def _pairs(response: ClientResponse) -> Headers:
    return tuple((str(name), str(value)) for name, value in response.headers.items())


def _core_response(response: ClientResponse, body: bytes = b"") -> Response:
    return Response(status=response.status, headers=_pairs(response), body=body)


# Bodies (checklist A4, A5, M1, M2).


async def _read_capped(response: ClientResponse, limit: int) -> bytes:
    """Read ``response``'s decoded body, refusing it past ``limit`` bytes or two codings.

    The cap counts decoded octets and is checked chunk by chunk
    (:func:`oauthcore.limits.aread_limited`).
    """
    try:
        check_content_codings(_pairs(response))
        body = await aread_limited(response.content.iter_chunked(_CHUNK), limit=limit)
    except BaseException:
        response.close()
        raise
    return body


@functools.lru_cache(maxsize=32)
def _capped_response_class(limit: int) -> type[ClientResponse]:
    """A ``ClientResponse`` whose ``read()`` (so ``text()`` and ``json()``) is capped."""

    class CappedResponse(ClientResponse):
        max_body_bytes = limit

        async def read(self) -> bytes:
            if self._body is None:
                # ClientResponse.read() keeps the body in _body: fill it under the cap, and
                # let the base class do the rest (release the connection, return it).
                self._body = await _read_capped(self, limit)
            return await super().read()

    return CappedResponse


# Redirects, followed by oauthcore's policy (checklist C5, D1-D8).


async def _follow(
    req: ClientRequest,
    handler: ClientHandlerType,
    response: ClientResponse,
    base: Request,
    streamed: bool,
    resend: Resend | None,
    *,
    max_hops: int,
    allow_insecure_transport: bool,
) -> ClientResponse:
    """Follow ``response``'s redirects through :func:`oauthcore.redirects.next_hop`.

    ``base`` is the request as it was before any credential was applied; ``resend`` applies
    credentials again (fresh nonce, current token) for a hop that keeps the origin. Once a
    hop changes the origin, no later hop gets credentials, even back to the first origin.
    A redirect's body is never read (so never decoded, D8).
    """
    hops = 0
    while response.status in REDIRECT_STATUSES and "Location" in response.headers:
        status = response.status
        try:
            hop = next_hop(
                base,
                status,
                response.headers["Location"],
                hops=hops,
                max_hops=max_hops,
                allow_insecure_transport=allow_insecure_transport,
                streamed=streamed,
            )
        finally:
            _remember_cookies(req, response)
            response.close()
        if not same_origin(base.url, hop.url):
            resend = None
            hop = Request(
                method=hop.method,
                url=hop.url,
                headers=tuple(pair for pair in hop.headers if pair[0].lower() != "host"),
                body=hop.body,
            )
        streamed = False  # a followed hop never carries a stream on (next_hop refuses that)
        hops += 1
        base = hop
        await _apply(req, hop, keep_body=streamed)
        if resend is not None:
            response = await resend(req, handler, hop, streamed)
        else:
            response = await handler(req)
    return response


def _remember_cookies(req: ClientRequest, response: ClientResponse) -> None:
    # aiohttp stores the cookies of each redirect it follows; these hops are oauthcore's.
    if response.cookies:
        req.session.cookie_jar.update_cookies(response.cookies, response.url)


# Token, revocation, introspection and metadata requests.


def _exactly(request: Request) -> ClientMiddlewareType:
    """A per-request middleware: the session adds no credential of its own (its default
    headers, cookie jar, ``auth`` or ``.netrc``), only ``request``'s credential headers go."""

    own = tuple(pair for pair in request.headers if pair[0].lower() in CREDENTIAL_HEADERS)

    async def exactly(req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        for name in CREDENTIAL_HEADERS:
            req.headers.popall(name, None)
        req.headers.extend(own)
        return await handler(req)

    return exactly


async def send_request(
    session: aiohttp.ClientSession,
    request: Request,
    *,
    timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BODY_BYTES,
    insecure_skip_tls_verify: bool = False,
) -> Response:
    """Send one neutral request over ``session`` and return the neutral response.

    For token, revocation, introspection and metadata requests: a redirect is never followed
    (:class:`~oauthcore.RedirectPolicyError`, and nothing reaches the target; checklist D4,
    D5) and its body is not read (D8); the body is read with at most ``max_bytes`` decoded
    bytes and two content-codings (A4, A5). The session's middlewares are not run, and its
    cookies, ``auth``, credential default headers and ``.netrc`` are not sent (C7).
    Transport failures are aiohttp's own exceptions (``asyncio.TimeoutError`` subclasses for
    timeouts).
    """
    async with session.request(
        request.method,
        URL(request.url, encoded=True),
        # Credential headers are added by _exactly, past aiohttp's check that refuses an
        # Authorization header next to .netrc credentials of a trust_env session.
        headers=[pair for pair in request.headers if pair[0].lower() not in CREDENTIAL_HEADERS],
        data=request.body or None,
        allow_redirects=False,
        timeout=timeout,
        middlewares=(_exactly(request),),
        raise_for_status=False,
        auto_decompress=True,
        ssl=not insecure_skip_tls_verify,
    ) as response:
        status = response.status
        if status in REDIRECT_STATUSES:
            response.close()
            location = response.headers.get("Location", "")
            next_hop(request, status, location, hops=0, follow=False)  # raises (D4)
        body = await _read_capped(response, max_bytes)
        return _core_response(response, body)


async def send_flow(
    session: aiohttp.ClientSession,
    flow: Flow[T],
    *,
    timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BODY_BYTES,
    insecure_skip_tls_verify: bool = False,
) -> T:
    """Run a core flow over ``session`` with :func:`oauthcore.flows.async_drive`.

    Each request goes through :func:`send_request`: no redirects, capped bodies, default
    timeouts, TLS verified unless ``insecure_skip_tls_verify`` (logged at WARNING).
    """
    if insecure_skip_tls_verify:
        warn_insecure(_LOG, "flow")
    send = functools.partial(
        send_request,
        session,
        timeout=timeout,
        max_bytes=max_bytes,
        insecure_skip_tls_verify=insecure_skip_tls_verify,
    )
    return await async_drive(flow, send)

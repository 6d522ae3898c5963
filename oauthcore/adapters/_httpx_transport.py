"""Translation between ``httpx`` objects and :mod:`oauthcore.http`, capped body reading, and
:func:`send_request` / :func:`send_flow` (and their async twins) for token-endpoint requests.

A private part of :mod:`oauthcore.adapters.httpx`: import the public names from there.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import ssl
import time
from collections.abc import Iterator
from typing import TypeVar

from ..errors import ConfigurationError, MissingDependencyError, ResponseTooLargeError

try:
    import anyio
    import httpx
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("httpx", "httpx") from exc

from ..flows import Flow, async_drive, drive
from ..http import Request, Response
from ..limits import MAX_BODY_BYTES, aread_limited, check_content_codings, read_limited
from ..redirects import CREDENTIAL_HEADERS, REDIRECT_STATUSES, next_hop
from ._deadline import body_deadline
from ._logging import HTTPX_LOGGERS, install_url_redaction

# httpx logs each request's full URL at INFO: a token, a signature or an Ofly signature in the
# query would reach every handler. Query values are redacted there (checklist I3, T6).
install_url_redaction(HTTPX_LOGGERS)

T = TypeVar("T")
Stream = httpx.SyncByteStream | httpx.AsyncByteStream
TimeoutLike = httpx.Timeout | float

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
"""Connect 10 s; read, write and pool 30 s: every request this module sends (checklist M3)."""

DEFAULT_DEADLINE = 60.0
"""Seconds from sending a request to the end of reading its body, when this module reads it."""

MAX_RESOURCE_BYTES = 32 * 1024 * 1024
"""Default cap on a resource response body that :class:`OAuthClient` reads (not streamed)."""

_CHUNK = 64 * 1024
# A request extension set by OAuthClient / AsyncOAuthClient: the client follows redirects, so
# an oauthcore auth must hand a 3xx back instead of following it from its own flow.
CLIENT_FOLLOWS = "oauthcore.client_follows_redirects"
# Headers httpx derives from an in-memory body: recomputed for a request built here.
_BODY_FRAMING = frozenset(("content-length", "transfer-encoding"))


@functools.cache
def default_tls() -> ssl.SSLContext:
    """The verifying TLS context of the private token clients, built once (building one
    loads the CA bundle: tens of milliseconds per client otherwise)."""
    return httpx.create_ssl_context(trust_env=False)


# Translation between httpx's objects and the neutral ones.


def is_buffered(request: httpx.Request) -> bool:
    """True if ``request``'s body is in memory (bytes, text, a form, JSON, or already read)."""
    try:
        request.content  # noqa: B018  # raises when the body is a stream not yet read
    except httpx.RequestNotRead:
        return False
    return True


def to_core(request: httpx.Request) -> tuple[Request, Stream | None]:
    """Return ``request`` as a neutral Request, and its body stream if it is not in memory.

    A stream (generator, file, multipart) is left in place, unread: the neutral request then
    carries no body.
    """
    stream: Stream | None = None
    try:
        body = request.content
    except httpx.RequestNotRead:
        body, stream = b"", request.stream
    headers = tuple(request.headers.multi_items())
    core = Request(method=request.method, url=str(request.url), headers=headers, body=body)
    return core, stream


def from_core(
    request: Request,
    *,
    template: httpx.Request,
    stream: Stream | None = None,
) -> httpx.Request:
    """Return an ``httpx.Request`` sending exactly ``request`` (``stream`` as its body if
    given), with ``template``'s extensions (timeouts). Content-Length and Transfer-Encoding are
    recomputed for an in-memory body."""
    dropped = _BODY_FRAMING if stream is None else frozenset()
    headers = [(name, value) for name, value in request.headers if name.lower() not in dropped]
    extensions = dict(template.extensions)
    if stream is not None:
        return httpx.Request(
            request.method, request.url, headers=headers, stream=stream, extensions=extensions
        )
    return httpx.Request(
        request.method,
        request.url,
        headers=headers,
        content=request.body or None,
        extensions=extensions,
    )


def core_response(response: httpx.Response, body: bytes = b"") -> Response:
    return Response(
        status=response.status_code, headers=tuple(response.headers.multi_items()), body=body
    )


_UNREADABLE = (
    "the request body is a stream that cannot be read here to sign it; "
    "pass the body as bytes, a form or JSON"
)


def read_request_body(request: httpx.Request) -> None:
    """Read a streamed request body into memory (it stays sendable), or raise
    ConfigurationError if it cannot be read here (an async stream in a sync client, a
    generator already consumed)."""
    if not isinstance(request.stream, httpx.SyncByteStream):
        raise ConfigurationError(_UNREADABLE)
    try:
        request.read()
    except (httpx.StreamError, TypeError, RuntimeError) as exc:
        raise ConfigurationError(_UNREADABLE) from exc


async def aread_request_body(request: httpx.Request) -> None:
    """Like :func:`read_request_body`, in an async client."""
    if not isinstance(request.stream, httpx.AsyncByteStream):
        raise ConfigurationError(_UNREADABLE)
    try:
        await request.aread()
    except (httpx.StreamError, TypeError, RuntimeError) as exc:
        raise ConfigurationError(_UNREADABLE) from exc


# Bodies: dropped unread, or read with a cap after decompression and a total deadline.


def drop_body(response: httpx.Response) -> None:
    """Close a redirect's (or a replayed 401's) body unread: never decoded (checklist D8).

    httpx reads every response an auth flow answers with another request: it then reads
    an empty body instead of the one on the wire.
    """
    stream = response.stream
    if isinstance(stream, httpx.SyncByteStream):
        stream.close()
    response.stream = httpx.ByteStream(b"")


async def adrop_body(response: httpx.Response) -> None:
    """Like :func:`drop_body`, for an async response."""
    stream = response.stream
    if isinstance(stream, httpx.AsyncByteStream):
        await stream.aclose()
    response.stream = httpx.ByteStream(b"")


def deadline_at(started: float, seconds: float | None) -> float | None:
    """The ``time.monotonic()`` instant ``seconds`` after ``started`` (None: no deadline)."""
    return None if seconds is None else started + seconds


def _timeout_error(response: httpx.Response) -> httpx.ReadTimeout:
    return httpx.ReadTimeout("total deadline exceeded reading the body", request=response.request)


def _until(chunks: Iterator[bytes], deadline: float, response: httpx.Response) -> Iterator[bytes]:
    for chunk in chunks:
        if time.monotonic() > deadline:
            raise _timeout_error(response)
        yield chunk


def _shutdown(response: httpx.Response) -> None:
    # The socket under the response (HTTP/1.1 over httpcore): shutting it down wakes a read
    # blocked on a trickling body. Without one, the deadline is checked between chunks only.
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def read_body(response: httpx.Response, *, limit: int | None, deadline: float | None) -> bytes:
    """Read the decoded body: at most ``limit`` bytes, two content-codings, until ``deadline``.

    ``deadline`` is a ``time.monotonic()`` instant; a watchdog shuts the socket down when it
    passes, so a body trickling in a byte at a time cannot outlast it (checklist M3); the read
    then fails with httpx's own ReadTimeout. The body is then ``response.content``.
    """
    try:
        check_content_codings(tuple(response.headers.multi_items()))
    except ResponseTooLargeError:
        response.close()
        raise
    chunks = response.iter_bytes(_CHUNK)
    if deadline is not None:
        chunks = _until(chunks, deadline, response)
    with body_deadline(deadline, functools.partial(_shutdown, response)) as expired:
        try:
            body = read_limited(chunks, limit=limit)
        except Exception as exc:
            response.close()
            if expired.is_set():
                raise _timeout_error(response) from exc
            raise
    if expired.is_set():  # the shutdown looks like the end of the body: it is not
        response.close()
        raise _timeout_error(response)
    response._content = body  # what .content, .text and .json() read from now on
    return body


async def aread_body(
    response: httpx.Response, *, limit: int | None, deadline: float | None
) -> bytes:
    """Like :func:`read_body`, for an async response; the deadline is a cancel scope."""
    try:
        check_content_codings(tuple(response.headers.multi_items()))
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        with anyio.fail_after(remaining):
            body = await aread_limited(response.aiter_bytes(_CHUNK), limit=limit)
    except TimeoutError as exc:
        await response.aclose()
        raise _timeout_error(response) from exc
    except BaseException:
        await response.aclose()
        raise
    response._content = body
    return body


# Token-endpoint style requests: never redirected, capped, timed out.


def _outgoing(
    client: httpx.Client | httpx.AsyncClient, request: Request, timeout: TimeoutLike
) -> httpx.Request:
    """An ``httpx.Request`` for ``request`` with the client's non-credential headers (the
    User-Agent, Accept-Encoding), no cookies, and ``timeout``."""
    names = {name.lower() for name, _ in request.headers}
    headers = [
        (name, value)
        for name, value in client.headers.multi_items()
        if name.lower() not in CREDENTIAL_HEADERS and name.lower() not in names
    ]
    return httpx.Request(
        request.method,
        request.url,
        headers=[*headers, *request.headers],
        content=request.body or None,
        extensions={"timeout": httpx.Timeout(timeout).as_dict()},
    )


def _refuse_redirect(request: Request, response: httpx.Response) -> None:
    status = response.status_code
    if status in REDIRECT_STATUSES:
        location = response.headers.get("location", "")
        next_hop(request, status, location, hops=0, follow=False)  # raises (checklist D4)


def send_request(
    client: httpx.Client,
    request: Request,
    *,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BODY_BYTES,
    deadline: float | None = DEFAULT_DEADLINE,
) -> Response:
    """Send one neutral request over ``client`` and return the neutral response.

    For token, revocation, introspection and metadata requests: a redirect is never followed
    (:class:`~oauthcore.RedirectPolicyError`, and nothing reaches the target; checklist D4,
    D5) and its body is not read (D8); the body is read with at most ``max_bytes`` decoded
    bytes and two content-codings (A4, A5), within ``deadline`` seconds of sending. The
    client's auth and cookies are not applied; its TLS settings are. Transport failures are
    httpx's own exceptions.
    """
    outgoing = _outgoing(client, request, timeout)
    started = time.monotonic()
    response = client.send(outgoing, auth=None, follow_redirects=False, stream=True)
    try:
        _refuse_redirect(request, response)
        end = deadline_at(started, deadline)
        return core_response(response, read_body(response, limit=max_bytes, deadline=end))
    finally:
        response.close()


async def async_send_request(
    client: httpx.AsyncClient,
    request: Request,
    *,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BODY_BYTES,
    deadline: float | None = DEFAULT_DEADLINE,
) -> Response:
    """Like :func:`send_request`, over an ``httpx.AsyncClient``."""
    outgoing = _outgoing(client, request, timeout)
    started = time.monotonic()
    response = await client.send(outgoing, auth=None, follow_redirects=False, stream=True)
    try:
        _refuse_redirect(request, response)
        end = deadline_at(started, deadline)
        body = await aread_body(response, limit=max_bytes, deadline=end)
        return core_response(response, body)
    finally:
        await response.aclose()


def send_flow(
    client: httpx.Client,
    flow: Flow[T],
    *,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BODY_BYTES,
    deadline: float | None = DEFAULT_DEADLINE,
) -> T:
    """Run a core flow over ``client`` with :func:`oauthcore.flows.drive`; return its result.

    Each request goes through :func:`send_request`: no redirects, capped bodies, timeouts.
    """

    def send(request: Request) -> Response:
        return send_request(
            client, request, timeout=timeout, max_bytes=max_bytes, deadline=deadline
        )

    return drive(flow, send)


async def async_send_flow(
    client: httpx.AsyncClient,
    flow: Flow[T],
    *,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BODY_BYTES,
    deadline: float | None = DEFAULT_DEADLINE,
) -> T:
    """Run a core flow over ``client`` with :func:`oauthcore.flows.async_drive`."""

    async def send(request: Request) -> Response:
        return await async_send_request(
            client, request, timeout=timeout, max_bytes=max_bytes, deadline=deadline
        )

    return await async_drive(flow, send)

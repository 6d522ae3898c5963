"""Sending neutral requests over a ``urllib3.PoolManager``: :func:`send_request`,
:func:`send_flow`, the defaults, body reading under a cap and a deadline, and TLS checks.

A private part of :mod:`oauthcore.adapters.urllib3`: import the public names from there.
"""

from __future__ import annotations

import functools
import logging
import ssl
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeVar

from ..errors import ConfigurationError, MissingDependencyError

try:
    import urllib3
    from urllib3 import BaseHTTPResponse, HTTPHeaderDict, PoolManager, Timeout
    from urllib3.connectionpool import ConnectionPool
    from urllib3.exceptions import ReadTimeoutError
    from urllib3.util import parse_url
    from urllib3.util.ssl_ import resolve_cert_reqs
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("urllib3", "urllib3") from exc

from ..flows import Flow, drive
from ..http import Headers, Request, Response
from ..limits import MAX_BODY_BYTES, check_content_codings, read_limited
from ..redirects import CREDENTIAL_HEADERS, REDIRECT_STATUSES, next_hop
from ._deadline import body_deadline
from ._logging import install_url_redaction
from ._tls import check_ssl_context, warn_insecure

if TYPE_CHECKING:
    from urllib3._base_connection import _TYPE_BODY

    WireBody = _TYPE_BODY | None
    """A body as urllib3 sends it: bytes, str, an iterable or a file."""

T = TypeVar("T")
TimeoutLike = float | Timeout

# Records keep the public module's logger name.
_LOG = logging.getLogger("oauthcore.adapters.urllib3")

DEFAULT_TIMEOUT = Timeout(connect=10.0, read=30.0, total=60.0)
"""Connect, read and total timeouts of every request this adapter sends (checklist M3).

urllib3's ``total`` bounds the connection and the wait for the headers; the body is bounded
by :data:`DEFAULT_DEADLINE`.
"""

DEFAULT_DEADLINE = 60.0
"""Seconds from sending a request to the end of reading its body, when this adapter reads it."""

MAX_RESOURCE_BYTES = 32 * 1024 * 1024
"""Default cap on a resource response body that :class:`OAuthClient` reads for the caller."""

_CHUNK = 64 * 1024

# urllib3 logs request targets at DEBUG, query included: redact them before any handler.
install_url_redaction()


# Pools and TLS (checklist C9).


def new_pool_manager(
    *, insecure_skip_tls_verify: bool = False, ssl_context: ssl.SSLContext | None = None
) -> PoolManager:
    """Return a PoolManager with oauthcore's defaults: certificates and host names verified.

    ``ssl_context`` (for a private CA, say) must verify both. ``insecure_skip_tls_verify=True``
    is the only way to a pool that does not verify them; it is logged at WARNING (checklist C9).
    """
    if insecure_skip_tls_verify:
        warn_insecure(_LOG, "pool")
        return PoolManager(num_pools=10, maxsize=10, cert_reqs="CERT_NONE", assert_hostname=False)
    check_ssl_context(ssl_context)
    if ssl_context is not None:
        return PoolManager(
            num_pools=10, maxsize=10, cert_reqs="CERT_REQUIRED", ssl_context=ssl_context
        )
    return PoolManager(num_pools=10, maxsize=10, cert_reqs="CERT_REQUIRED")


def _verifies_tls(pool: PoolManager) -> bool:
    """True if ``pool`` verifies server certificates and host names (urllib3's resolution)."""
    settings = pool.connection_pool_kw
    cert_reqs = settings.get("cert_reqs")
    context = settings.get("ssl_context")
    if cert_reqs is None and isinstance(context, ssl.SSLContext):
        mode = context.verify_mode
    else:
        mode = resolve_cert_reqs(cert_reqs)
    return mode != ssl.CERT_NONE and settings.get("assert_hostname") is not False


def _check_pool(pool: PoolManager, *, allowed: bool) -> None:
    if not allowed and not _verifies_tls(pool):
        raise ConfigurationError(
            "a pool that does not verify TLS certificates needs "
            "insecure_skip_tls_verify=True (checklist C9)"
        )


# Translation between urllib3's objects and the neutral ones.


def _normalized_url(url: str) -> str:
    """The URL exactly as urllib3 will send it, so that what is signed is what is sent (F7)."""
    try:
        return parse_url(url).url
    except urllib3.exceptions.LocationParseError:
        raise ConfigurationError("the URL cannot be parsed") from None


def _header_pairs(headers: Mapping[str, str] | None) -> Headers:
    """Every header of a mapping or an HTTPHeaderDict (each repeated value too), as pairs."""
    if headers is None:
        return ()
    return tuple((name, value) for name, value in headers.items())


def _wire_headers(headers: Headers, defaults: Mapping[str, str] | None = None) -> HTTPHeaderDict:
    """``headers`` for urllib3, repeated names kept; ``defaults`` fill names not given."""
    wire = HTTPHeaderDict()
    given = {name.lower() for name, _ in headers}
    for name, value in (defaults or {}).items():
        if name.lower() not in given:
            wire.add(name, value)
    for name, value in headers:
        wire.add(name, value)
    return wire


def _core_response(response: BaseHTTPResponse, body: bytes = b"") -> Response:
    return Response(status=response.status, headers=_header_pairs(response.headers), body=body)


def _open(
    pool: PoolManager,
    request: Request,
    *,
    timeout: TimeoutLike,
    body: WireBody = None,
    defaults: Mapping[str, str] | None = None,
) -> BaseHTTPResponse:
    """Send ``request`` once: no redirect followed, no retry, body left unread.

    ``redirect=False`` and ``retries=False`` on the call itself, whatever the pool was built
    with (urllib3 CVE-2025-50181 ignored a pool-level ``retries``); ``body`` replaces the
    neutral body on the wire when it is a stream.
    """
    wire_body = body if body is not None else (request.body or None)
    return pool.urlopen(
        request.method,
        request.url,
        body=wire_body,
        headers=_wire_headers(request.headers, defaults),
        redirect=False,
        retries=False,
        timeout=timeout,
        preload_content=False,
        decode_content=True,
    )


def _discard(response: BaseHTTPResponse) -> None:
    """Drop a response unread and its connection: a redirect body is never decoded (D8)."""
    response.close()
    response.release_conn()


def _deadline_error(response: BaseHTTPResponse, url: str) -> urllib3.exceptions.TimeoutError:
    message = "total deadline exceeded reading the body"
    pool = getattr(response, "_pool", None)  # set by urllib3 on every response it returns
    if isinstance(pool, ConnectionPool):
        return ReadTimeoutError(pool, url.partition("?")[0], message)
    return urllib3.exceptions.TimeoutError(message)


def _read_body(
    response: BaseHTTPResponse, *, limit: int | None, deadline: float | None, url: str
) -> bytes:
    """Read the decoded body: at most ``limit`` bytes, two content-codings, until ``deadline``.

    The deadline (``time.monotonic()`` seconds) is a watchdog that shuts the socket down, so
    a body trickling in a byte at a time cannot outlast it (checklist M3); the read then
    fails with urllib3's own ReadTimeoutError. The cap counts decoded bytes (A4, A5).
    """
    with body_deadline(deadline, response.shutdown) as expired:
        try:
            check_content_codings(_header_pairs(response.headers))
            chunks = response.stream(_CHUNK, decode_content=True)
            body = b"".join(chunks) if limit is None else read_limited(chunks, limit=limit)
        except Exception as exc:
            _discard(response)
            if expired.is_set():
                raise _deadline_error(response, url) from exc
            raise
    if expired.is_set():  # the shutdown looks like the end of the body: it is not
        _discard(response)
        raise _deadline_error(response, url)
    response.release_conn()
    return body


def _credential_free(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in CREDENTIAL_HEADERS}


# Token-endpoint style requests and flows.


def send_request(
    pool: PoolManager,
    request: Request,
    *,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BODY_BYTES,
    deadline: float | None = DEFAULT_DEADLINE,
    insecure_skip_tls_verify: bool = False,
) -> Response:
    """Send one neutral request over ``pool`` and return the neutral response.

    For token, revocation, introspection and metadata requests: a redirect is never followed
    (:class:`~oauthcore.RedirectPolicyError`, its body unread, and nothing reaches the target;
    checklist D4, D5, D8); the body is read with at most ``max_bytes`` decoded bytes and two
    content-codings (A4, A5), within ``deadline`` seconds of sending. The pool's headers are
    sent but for credential headers. A pool that does not verify TLS is refused unless
    ``insecure_skip_tls_verify`` (C9). Transport failures are urllib3's own exceptions.
    """
    _check_pool(pool, allowed=insecure_skip_tls_verify)
    started = time.monotonic()
    response = _open(pool, request, timeout=timeout, defaults=_credential_free(pool.headers))
    try:
        status = response.status
        if status in REDIRECT_STATUSES:
            _discard(response)
            location = response.headers.get("location", "")
            next_hop(request, status, location, hops=0, follow=False)  # raises (D4)
        body = _read_body(
            response,
            limit=max_bytes,
            deadline=None if deadline is None else started + deadline,
            url=request.url,
        )
        return _core_response(response, body)
    finally:
        response.release_conn()


def send_flow(
    pool: PoolManager,
    flow: Flow[T],
    *,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BODY_BYTES,
    deadline: float | None = DEFAULT_DEADLINE,
    insecure_skip_tls_verify: bool = False,
) -> T:
    """Run a core flow over ``pool`` with :func:`oauthcore.flows.drive`; return its result.

    Each request goes through :func:`send_request`: no redirects, capped bodies, default
    timeouts, TLS verified unless ``insecure_skip_tls_verify`` (logged at WARNING).
    """
    if insecure_skip_tls_verify:
        warn_insecure(_LOG, "flow")
    send = functools.partial(
        send_request,
        pool,
        timeout=timeout,
        max_bytes=max_bytes,
        deadline=deadline,
        insecure_skip_tls_verify=insecure_skip_tls_verify,
    )
    return drive(flow, send)

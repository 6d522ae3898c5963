""":class:`OAuthClient`: a ``urllib3.PoolManager`` wrapper that applies an oauthcore auth to
each request and follows redirects under oauthcore's policy.

A private part of :mod:`oauthcore.adapters.urllib3`: import the public names from there.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError, MissingDependencyError

try:
    from urllib3 import BaseHTTPResponse, HTTPResponse, PoolManager

    # urllib3's own request(), request_encode_url() and request_encode_body() mixin (the base
    # of PoolManager since urllib3 2.0), not re-exported by the package.
    from urllib3._request_methods import RequestMethods
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("urllib3", "urllib3") from exc

if TYPE_CHECKING:
    from urllib3._base_connection import _TYPE_BODY

    from ._urllib3_transport import WireBody

from ..http import Request
from ..limits import check_content_codings
from ..redirects import MAX_HOPS, REDIRECT_STATUSES, next_hop, same_origin
from ._tls import warn_insecure
from ._urllib3_auth import AuthBase, Exchange
from ._urllib3_transport import (
    _LOG,
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    MAX_RESOURCE_BYTES,
    TimeoutLike,
    _check_pool,
    _core_response,
    _discard,
    _header_pairs,
    _normalized_url,
    _open,
    _read_body,
    new_pool_manager,
)


class _ClientAuth:
    """The default of ``auth=``: the client's own auth."""

    def __repr__(self) -> str:
        return "<the client's auth>"


_CLIENT_AUTH = _ClientAuth()
_OPTIONS = frozenset(("auth", "redirect", "timeout", "preload_content"))


class OAuthClient(RequestMethods):
    """Send requests over a ``urllib3.PoolManager`` with an oauthcore auth and transport policy.

    ``request``, ``request_encode_url`` and ``request_encode_body`` are urllib3's own
    (``fields``, ``json``, ``body``, ``headers``, ``encode_multipart``); :meth:`urlopen` takes
    ``auth`` (the client's by default, ``None`` for none), ``redirect``, ``timeout`` and
    ``preload_content`` besides, and refuses urllib3's other options (``retries`` above all).

    - The auth signs the request exactly as urllib3 will send it (F7). OAuth 1.0a signs
      form bodies only when they are form-encoded: pass ``encode_multipart=False``.
    - Redirects are followed by this client through :func:`oauthcore.redirects.next_hop`,
      never by urllib3: at most ``max_redirects`` (5) hops, TLS on every hop, non-http schemes
      refused; a same-origin hop is signed again (fresh nonce); after any origin change no hop
      carries ``Authorization``, ``Proxy-Authorization`` or ``Cookie`` (any case, every copy)
      nor the auth. Redirect bodies are dropped unread, never decoded (D1-D8).
    - ``timeout`` (connect 10 s, read 30 s, total 60 s) applies when a call gives none;
      ``deadline`` bounds sending plus reading the body (M3, T10).
    - A body read for the caller (``preload_content=True``) is capped at ``max_body_bytes``
      after decompression (None: no cap); more than two content-codings are refused (M2).
    - The pool must verify TLS unless ``insecure_skip_tls_verify=True`` (C9, logged).
      urllib3 reads neither ``.netrc`` nor proxy variables (C7).
    """

    def __init__(
        self,
        auth: AuthBase | None = None,
        *,
        pool: PoolManager | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        deadline: float | None = DEFAULT_DEADLINE,
        max_redirects: int = MAX_HOPS,
        max_body_bytes: int | None = MAX_RESOURCE_BYTES,
        allow_insecure_transport: bool = False,
        insecure_skip_tls_verify: bool = False,
    ) -> None:
        super().__init__(headers)
        self.auth = auth
        self.timeout = timeout
        self.deadline = deadline
        self.max_redirects = max_redirects
        self.max_body_bytes = max_body_bytes
        self.allow_insecure_transport = allow_insecure_transport
        self.insecure_skip_tls_verify = insecure_skip_tls_verify
        self._own_pool = pool is None
        if pool is None:
            pool = new_pool_manager(insecure_skip_tls_verify=insecure_skip_tls_verify)
        elif insecure_skip_tls_verify:
            warn_insecure(_LOG, "client")
        _check_pool(pool, allowed=insecure_skip_tls_verify)
        self.pool = pool

    def __repr__(self) -> str:
        return f"OAuthClient(auth={self.auth!r}, max_redirects={self.max_redirects})"

    def __enter__(self) -> OAuthClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections, if the pool is the client's own."""
        if self._own_pool:
            self.pool.clear()

    def urlopen(
        self,
        method: str,
        url: str,
        body: _TYPE_BODY | None = None,
        headers: Mapping[str, str] | None = None,
        encode_multipart: bool = True,
        multipart_boundary: str | None = None,
        **kw: Any,
    ) -> BaseHTTPResponse:
        """Send a request with the auth; follow redirects under oauthcore's policy.

        ``auth`` (default: the client's; ``None``: none), ``redirect`` (default True; with
        False a redirect is returned as it is, its body dropped unread), ``timeout`` (None:
        the client's) and ``preload_content`` (default True: the body is read, capped, and
        available as ``.data`` and ``.json()``; False: read it yourself, uncapped).
        """
        unknown = sorted(set(kw) - _OPTIONS)
        if unknown:
            raise TypeError(f"OAuthClient.urlopen() does not take {', '.join(unknown)}")
        auth = kw.get("auth", _CLIENT_AUTH)
        if auth is _CLIENT_AUTH:
            auth = self.auth
        if auth is not None and not isinstance(auth, AuthBase):
            raise TypeError("auth must be an oauthcore urllib3 auth (AuthBase) or None")
        timeout: TimeoutLike = kw.get("timeout") or self.timeout
        _check_pool(self.pool, allowed=self.insecure_skip_tls_verify)

        stream: WireBody = None
        raw = b""
        if isinstance(body, str):
            raw = body.encode("utf-8")
        elif isinstance(body, bytes):
            raw = body
        elif body is not None:
            if auth is not None and not auth.allows_stream:
                raise ConfigurationError(
                    "a streamed or file body cannot be signed; pass the body as bytes or fields"
                )
            stream = body
        request = Request(
            method=method.upper(),
            url=_normalized_url(url),
            headers=_header_pairs(headers if headers is not None else self.headers),
            body=raw,
        )
        started = time.monotonic()
        response = self._send_chain(
            request, auth, stream, timeout=timeout, redirect=kw.get("redirect", True)
        )
        preload = kw.get("preload_content", True)
        if preload and _is_redirect(response):  # only with redirect=False
            _discard(response)  # a redirect body is never decoded (D8)
        elif preload:
            body_bytes = _read_body(
                response,
                limit=self.max_body_bytes,
                deadline=None if self.deadline is None else started + self.deadline,
                url=request.url,
            )
            if isinstance(response, HTTPResponse):
                response._body = body_bytes  # what .data and .json() return from now on
        else:
            try:
                check_content_codings(_header_pairs(response.headers))
            except Exception:
                _discard(response)
                raise
        return response

    def _send_chain(
        self,
        request: Request,
        auth: AuthBase | None,
        stream: WireBody,
        *,
        timeout: TimeoutLike,
        redirect: bool,
    ) -> BaseHTTPResponse:
        """Send ``request`` and, if ``redirect``, the hops its redirects lead to."""
        response = self._send_signed(request, auth, stream, timeout=timeout)
        base, hops = request, 0
        # An auth may bound its own requests' redirects more tightly than the client does.
        max_hops = min(self.max_redirects, getattr(auth, "max_redirects", self.max_redirects))
        while redirect and _is_redirect(response):
            status = response.status
            try:
                hop = next_hop(
                    base,
                    status,
                    response.headers["location"],
                    hops=hops,
                    max_hops=max_hops,
                    allow_insecure_transport=self.allow_insecure_transport,
                    streamed=stream is not None,
                )
            finally:
                _discard(response)
            stream = None
            if not same_origin(base.url, hop.url):
                auth = None  # credentials stay behind, for the rest of the chain (D1, D3)
            base, hops = hop, hops + 1
            response = self._send_signed(hop, auth, None, timeout=timeout)
        return response

    def _send_signed(
        self, request: Request, auth: AuthBase | None, stream: WireBody, *, timeout: TimeoutLike
    ) -> BaseHTTPResponse:
        """Send ``request`` signed by ``auth``; send the auth's replay once, if it asks."""
        if auth is None:
            return _open(self.pool, request, timeout=timeout, body=stream)
        exchange: Exchange = auth.exchange(request)
        response = _open(self.pool, exchange.start(), timeout=timeout, body=stream)
        if stream is not None:
            return response  # a streamed body cannot be sent again
        try:
            replay = exchange.feed(_core_response(response))
        except BaseException:
            _discard(response)
            raise
        if replay is None:
            return response
        _discard(response)
        answer = _open(self.pool, replay, timeout=timeout)
        try:
            exchange.feed(_core_response(answer))  # replayed once: the exchange ends
        except BaseException:
            _discard(answer)
            raise
        return answer


def _is_redirect(response: BaseHTTPResponse) -> bool:
    return response.status in REDIRECT_STATUSES and "location" in response.headers

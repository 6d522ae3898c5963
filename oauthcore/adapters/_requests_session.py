""":class:`OAuthSession`, :func:`send_request` and :func:`send_flow`: sending requests over
``requests`` sessions with oauthcore's transport policy.

A private part of :mod:`oauthcore.adapters.requests`: import the public names from there.
"""

from __future__ import annotations

import copy
import functools
import logging
import time
from collections.abc import Iterator
from typing import Any, TypeVar

from ..errors import MissingDependencyError

try:
    import requests
    from requests.auth import AuthBase
    from requests.structures import CaseInsensitiveDict
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("requests", "requests") from exc

from ..flows import Flow, drive
from ..http import Request, Response
from ..limits import MAX_BODY_BYTES, check_content_codings
from ..redirects import CREDENTIAL_HEADERS, MAX_HOPS, REDIRECT_STATUSES, next_hop, same_origin
from ._requests_transport import (
    _MANAGED,
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    MAX_RESOURCE_BYTES,
    Timeout,
    _checked_verify,
    _core_response,
    _final,
    _pairs,
    _read_body,
    _redirects,
    _to_core,
)
from ._tls import warn_insecure

T = TypeVar("T")
# Records keep the public module's logger name.
_LOG = logging.getLogger("oauthcore.adapters.requests")


# Sessions and flows.


class _NoNetrc(AuthBase):
    """Stands in for "no auth" so that requests never reads ``.netrc`` (checklist C7)."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return r


_NO_NETRC = _NoNetrc()


class OAuthSession(requests.Session):
    """A ``requests.Session`` with oauthcore's transport policy.

    - Redirects are followed through :func:`oauthcore.redirects.next_hop`: at most
      ``max_redirects`` (5) hops, TLS on every hop, no credentials (Authorization,
      Proxy-Authorization, Cookie, the auth) on a hop to another origin, OAuth 1.0a and Ofly
      re-signed with a fresh nonce for a same-origin hop. Redirect bodies are not decoded.
      ``allow_redirects=False`` is honoured, and nothing then reads the redirect.
    - ``timeout`` (connect 10 s, read 30 s) applies when a call gives none; ``deadline``
      bounds the whole exchange while the body is read (M3, T10).
    - A body read for the caller (``stream=False``) is capped at ``max_body_bytes`` after
      decompression (None: no cap), and more than two content-codings are refused (M1, M2).
    - ``.netrc`` credentials are never applied (C7); TLS verification stays on unless
      ``insecure_skip_tls_verify=True``, which is logged at WARNING (C9).
    - ``allow_insecure_transport`` lets redirects go to plain http hosts other than loopback.
    """

    __attrs__ = [  # noqa: RUF012  # requests' own pickling list, extended
        *requests.Session.__attrs__,
        "timeout",
        "deadline",
        "max_body_bytes",
        "allow_insecure_transport",
        "insecure_skip_tls_verify",
    ]

    def __init__(
        self,
        auth: AuthBase | None = None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        deadline: float | None = DEFAULT_DEADLINE,
        max_redirects: int = MAX_HOPS,
        max_body_bytes: int | None = MAX_RESOURCE_BYTES,
        allow_insecure_transport: bool = False,
        insecure_skip_tls_verify: bool = False,
    ) -> None:
        super().__init__()
        self.auth = auth
        self.timeout = timeout
        self.deadline = deadline
        self.max_redirects = max_redirects
        self.max_body_bytes = max_body_bytes
        self.allow_insecure_transport = allow_insecure_transport
        self._insecure = False
        self.insecure_skip_tls_verify = insecure_skip_tls_verify

    @property
    def insecure_skip_tls_verify(self) -> bool:
        """True if TLS certificates are not verified (checklist C9; logged when set)."""
        return self._insecure

    @insecure_skip_tls_verify.setter
    def insecure_skip_tls_verify(self, value: bool) -> None:
        self._insecure = bool(value)
        if value:
            self.verify = False
            warn_insecure(_LOG, type(self).__name__)

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        """Prepare as requests does, except that ``.netrc`` is never read (checklist C7)."""
        if request.auth is None and self.auth is None:
            request = copy.copy(request)
            request.auth = _NO_NETRC
        return super().prepare_request(request)

    def rebuild_auth(
        self, prepared_request: requests.PreparedRequest, response: requests.Response
    ) -> None:
        """Strip every credential header when the origin changes; never apply ``.netrc``."""
        if not same_origin(response.request.url or "", prepared_request.url or ""):
            for name in CREDENTIAL_HEADERS:
                prepared_request.headers.pop(name, None)

    def resolve_redirects(  # type: ignore[override]  # yields oauthcore's hops
        self,
        resp: requests.Response,
        req: requests.PreparedRequest,
        stream: bool = False,
        timeout: Timeout | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
        yield_requests: bool = False,
        **adapter_kwargs: Any,
    ) -> Iterator[requests.Response]:
        """Follow ``resp``'s redirects under oauthcore's policy; yield each response.

        ``yield_requests=True`` (requests' look-ahead for ``Response.next``) yields nothing:
        computing the next hop would read the redirect's body.
        """
        if yield_requests:
            return

        kwargs: dict[str, Any] = {
            "stream": stream,
            "timeout": timeout,
            "verify": verify,
            "cert": cert,
            "proxies": proxies,
            **adapter_kwargs,
        }

        def send(prepared: requests.PreparedRequest) -> requests.Response:
            return self._send_hop(prepared, kwargs)

        yield from _redirects(
            resp,
            send,
            max_hops=self.max_redirects,
            allow_insecure_transport=self.allow_insecure_transport,
            cookies=self.cookies,
        )

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Send ``request``; follow redirects under oauthcore's policy; read a capped body."""
        allow_redirects = kwargs.pop("allow_redirects", True)
        stream = kwargs.pop("stream", None)
        stream = self.stream if stream is None else stream
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        kwargs["verify"] = _checked_verify(
            kwargs.get("verify", self.verify), allowed=self.insecure_skip_tls_verify
        )
        started = time.monotonic()
        kwargs["stream"] = True  # bodies are read here, once the final response is known
        response = self._send_one(request, **kwargs)
        if allow_redirects:
            chain = _redirects(
                response,
                lambda prepared: self._send_hop(prepared, kwargs),
                max_hops=self.max_redirects,
                allow_insecure_transport=self.allow_insecure_transport,
                cookies=self.cookies,
            )
            response = _final(response, chain)
        if not stream:
            deadline = None if self.deadline is None else started + self.deadline
            _read_body(response, limit=self.max_body_bytes, deadline=deadline)
        else:
            check_content_codings(_pairs(response.headers.items()))
        return response

    def _send_one(self, prepared: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        setattr(prepared, _MANAGED, True)
        return super().send(prepared, allow_redirects=False, **kwargs)

    def _send_hop(
        self, prepared: requests.PreparedRequest, kwargs: dict[str, Any]
    ) -> requests.Response:
        # The proxies of the hop's own URL (NO_PROXY may differ), as requests' own redirects.
        proxies = self.rebuild_proxies(prepared, kwargs.get("proxies"))
        return self._send_one(prepared, **{**kwargs, "proxies": proxies})


def _prepared(request: Request, session: requests.Session) -> requests.PreparedRequest:
    """Return a PreparedRequest sending exactly ``request`` (the session's non-credential
    headers such as User-Agent added; no cookies, no auth, no URL re-quoting)."""
    prepared = requests.PreparedRequest()
    prepared.method = request.method
    prepared.url = request.url
    headers: CaseInsensitiveDict[str | bytes] = CaseInsensitiveDict(
        {k: v for k, v in session.headers.items() if k.lower() not in CREDENTIAL_HEADERS}
    )
    headers.update(request.headers)
    prepared.headers = headers
    prepared.body = request.body or None
    prepared.prepare_content_length(prepared.body)
    return prepared


def send_request(
    session: requests.Session,
    request: Request,
    *,
    timeout: Timeout = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BODY_BYTES,
    deadline: float | None = DEFAULT_DEADLINE,
    insecure_skip_tls_verify: bool = False,
) -> Response:
    """Send one neutral request over ``session`` and return the neutral response.

    For token, revocation, introspection and metadata requests: a redirect is never followed
    (:class:`~oauthcore.RedirectPolicyError`, and nothing reaches the target; checklist D4,
    D5); the body is read with at most ``max_bytes`` decoded bytes and two content-codings
    (A4, A5), within ``deadline`` seconds of sending. The session's auth, cookies and
    ``.netrc`` are not applied (C7). Transport failures are requests' own exceptions.
    """
    prepared = _prepared(request, session)
    url = prepared.url or ""
    started = time.monotonic()
    # The environment's proxies and CA bundle, as requests applies them (never .netrc).
    settings = session.merge_environment_settings(
        url, {}, True, False if insecure_skip_tls_verify else None, None
    )
    allowed = insecure_skip_tls_verify or getattr(session, "insecure_skip_tls_verify", False)
    verify = _checked_verify(settings["verify"], allowed=bool(allowed))
    # The connection adapter itself, not Session.send: requests would read (and decode) a
    # redirect's body to prepare the hop it never sends (checklist D8).
    response = session.get_adapter(url).send(
        prepared,
        stream=True,
        timeout=timeout,
        verify=verify,
        cert=settings["cert"],
        proxies=settings["proxies"],
    )
    try:
        status = response.status_code
        if status in REDIRECT_STATUSES:
            location = response.headers.get("location", "")
            next_hop(request, status, location, hops=0, follow=False)  # raises (D4)
        body = _read_body(
            response,
            limit=max_bytes,
            deadline=None if deadline is None else started + deadline,
        )
        return _core_response(response, body)
    finally:
        response.close()


def send_flow(
    session: requests.Session,
    flow: Flow[T],
    *,
    timeout: Timeout = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BODY_BYTES,
    deadline: float | None = DEFAULT_DEADLINE,
    insecure_skip_tls_verify: bool = False,
) -> T:
    """Run a core flow over ``session`` with :func:`oauthcore.flows.drive`; return its result.

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
        deadline=deadline,
        insecure_skip_tls_verify=insecure_skip_tls_verify,
    )
    return drive(flow, send)


def _endpoint_request(
    session: requests.Session, method: str, url: str, **kwargs: Any
) -> requests.Response:
    """Send a request to a token endpoint through a (rauth) session: never redirected (D4),
    body read with the token-response cap (A4). Used by the rauth Service classes."""
    kwargs.pop("allow_redirects", None)
    kwargs.pop("stream", None)
    response = session.request(method, url, allow_redirects=False, stream=True, **kwargs)
    try:
        status = response.status_code
        if status in REDIRECT_STATUSES:
            sent, _ = _to_core(response.request, allow_stream=True)
            next_hop(sent, status, response.headers.get("location", ""), hops=0, follow=False)
    except BaseException:
        response.close()
        raise
    deadline = getattr(session, "deadline", None)
    _read_body(
        response,
        limit=MAX_BODY_BYTES,
        deadline=None if deadline is None else time.monotonic() + deadline,
    )
    return response

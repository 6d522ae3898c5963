""":class:`OAuthClient` and :class:`AsyncOAuthClient`: httpx clients with oauthcore's transport
policy (redirects, body caps, timeouts, TLS, no ambient configuration).

A private part of :mod:`oauthcore.adapters.httpx`: import the public names from there.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any

from ..errors import ConfigurationError, MissingDependencyError, RedirectPolicyError

try:
    import httpx
    from httpx._client import UseClientDefault  # the type of httpx.USE_CLIENT_DEFAULT
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("httpx", "httpx") from exc

from ..http import Request
from ..limits import check_content_codings
from ..redirects import MAX_HOPS, same_origin
from ._httpx_auth import redirect_hop
from ._httpx_transport import (
    CLIENT_FOLLOWS,
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    MAX_RESOURCE_BYTES,
    TimeoutLike,
    adrop_body,
    aread_body,
    deadline_at,
    drop_body,
    from_core,
    read_body,
    to_core,
)

# Records keep the public module's logger name.
_LOG = logging.getLogger("oauthcore.adapters.httpx")

AuthArg = (
    httpx.Auth | Callable[[httpx.Request], httpx.Request] | tuple[str | bytes, str | bytes] | None
)
AuthParam = AuthArg | UseClientDefault
FollowParam = bool | UseClientDefault
EventHooks = Mapping[str, list[Callable[..., Any]]]


def _verify(verify: ssl.SSLContext | bool, *, insecure: bool) -> ssl.SSLContext | bool:
    """Return the ``verify`` to give httpx; refuse switching verification off unless asked by
    name (checklist C9), and log it when it is."""
    off = verify is False or (
        isinstance(verify, ssl.SSLContext) and verify.verify_mode == ssl.CERT_NONE
    )
    if insecure:
        _LOG.warning("TLS certificate verification is disabled (insecure_skip_tls_verify=True)")
        return False
    if off:
        raise ConfigurationError(
            "TLS certificate verification can only be turned off with "
            "insecure_skip_tls_verify=True (checklist C9)"
        )
    return verify


class _Policy:
    """The options both clients add to httpx's, and the redirect plan they share."""

    follow_redirects: bool
    max_redirects: int
    cookies: httpx.Cookies

    def __init__(
        self,
        *,
        deadline: float | None,
        max_body_bytes: int | None,
        allow_insecure_transport: bool,
        insecure_skip_tls_verify: bool,
        verify: ssl.SSLContext | bool,
        limits: httpx.Limits | None,
        **options: Any,
    ) -> None:
        """Check and keep oauthcore's options; hand the others to the httpx client (the next
        class in the method resolution order)."""
        options["verify"] = _verify(verify, insecure=insecure_skip_tls_verify)
        options["limits"] = limits if limits is not None else httpx.Limits()
        super().__init__(**options)
        self.deadline = deadline
        self.max_body_bytes = max_body_bytes
        self.allow_insecure_transport = allow_insecure_transport
        self.insecure_skip_tls_verify = insecure_skip_tls_verify

    def _follows(self, follow_redirects: FollowParam) -> bool:
        if isinstance(follow_redirects, UseClientDefault):
            return self.follow_redirects
        return follow_redirects

    def _redirects(
        self, request: httpx.Request, response: httpx.Response, auth: AuthParam
    ) -> Generator[_Hop, None, None]:
        """Yield each redirect hop of ``response`` to send (checklist C5, D1-D8), for the
        sync and the async client alike; the runner closes the redirect's body unread (D8),
        sends the hop and sets its ``response``. The final response gets the ``history``."""
        base, stream = to_core(request)
        history: list[httpx.Response] = []
        hops = 0
        kept = True
        while response.has_redirect_location:
            hop = redirect_hop(
                base,
                response,
                streamed=stream is not None,
                hops=hops,
                max_hops=self.max_redirects,
                allow_insecure_transport=self.allow_insecure_transport,
            )
            kept = kept and same_origin(base.url, hop.url)
            step = _Hop(_hop_request(hop, request, self.cookies, kept=kept), auth if kept else None)
            yield step
            history.extend((*response.history, response))
            response = step.response
            base, stream, hops = hop, None, hops + 1
        response.history = [*history, *response.history]


class _Hop:
    """A redirect hop to send, with the auth it may carry (None once the origin changed);
    ``response`` is its answer."""

    __slots__ = ("auth", "request", "response")

    def __init__(self, request: httpx.Request, auth: AuthParam) -> None:
        self.request = request
        self.auth = auth
        self.response: httpx.Response


@contextlib.contextmanager
def _bad_location() -> Iterator[None]:
    """Turn httpx's refusal of a Location it cannot parse into the policy's error (D7).

    httpx parses a redirect's Location (to offer ``next_request``) before the response is
    handed back, even when it does not follow: ``javascript:`` or ``data:`` fail there.
    The request's own URL was parsed when it was built, so the Location is the culprit.
    """
    try:
        yield
    except httpx.InvalidURL as exc:
        raise RedirectPolicyError(
            "redirect to an unusable or non-http(s) location (checklist D7)"
        ) from exc


def _mark(request: httpx.Request) -> None:
    request.extensions = {**request.extensions, CLIENT_FOLLOWS: True}


def _hop_request(
    hop: Request, template: httpx.Request, cookies: httpx.Cookies, *, kept: bool
) -> httpx.Request:
    outgoing = from_core(hop, template=template)
    if kept:  # the jar's cookies for the hop, Set-Cookie of the redirect included
        outgoing.headers.pop("Cookie", None)
        cookies.set_cookie_header(outgoing)
    return outgoing


def _finish(response: httpx.Response, *, stream: bool) -> None:
    # httpx's own idea of the next hop is not oauthcore's policy; a streamed body is checked
    # here, a read one by read_body.
    response.next_request = None
    if stream:
        check_content_codings(tuple(response.headers.multi_items()))


class OAuthClient(_Policy, httpx.Client):
    """An ``httpx.Client`` with oauthcore's transport policy.

    - Redirects are followed by oauthcore (httpx's own following is always off), through
      :func:`oauthcore.redirects.next_hop`: at most ``max_redirects`` (5) hops, TLS on every
      hop, no credentials (Authorization, Proxy-Authorization, Cookie, the auth) on a hop to
      another origin nor after it, the auth applied again (a fresh nonce) on a same-origin hop.
      Redirect bodies are never read. ``follow_redirects`` defaults to True, here or per call;
      ``response.next_request`` is always None.
    - ``timeout`` (connect 10 s, read 30 s) applies when a call gives none; ``deadline``
      bounds the whole exchange while the body is read (M3, T10).
    - A body read for the caller (not ``stream``) is capped at ``max_body_bytes`` after
      decompression (None: no cap), and more than two content-codings are refused (M1, M2).
    - ``trust_env=False``: no proxy or CA settings from the environment (C7). TLS
      verification stays on unless ``insecure_skip_tls_verify=True``, logged at WARNING (C9).
    - ``allow_insecure_transport`` lets redirects go to plain http hosts other than loopback.
    """

    def __init__(
        self,
        *,
        auth: AuthArg = None,
        headers: Mapping[str, str] | None = None,
        cookies: httpx.Cookies | dict[str, str] | None = None,
        base_url: httpx.URL | str = "",
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        deadline: float | None = DEFAULT_DEADLINE,
        follow_redirects: bool = True,
        max_redirects: int = MAX_HOPS,
        max_body_bytes: int | None = MAX_RESOURCE_BYTES,
        allow_insecure_transport: bool = False,
        insecure_skip_tls_verify: bool = False,
        verify: ssl.SSLContext | bool = True,
        trust_env: bool = False,
        http2: bool = False,
        limits: httpx.Limits | None = None,
        transport: httpx.BaseTransport | None = None,
        event_hooks: EventHooks | None = None,
    ) -> None:
        super().__init__(
            deadline=deadline,
            max_body_bytes=max_body_bytes,
            allow_insecure_transport=allow_insecure_transport,
            insecure_skip_tls_verify=insecure_skip_tls_verify,
            verify=verify,
            limits=limits,
            auth=auth,
            headers=headers,
            cookies=cookies,
            base_url=base_url,
            timeout=timeout,
            follow_redirects=follow_redirects,
            max_redirects=max_redirects,
            trust_env=trust_env,
            http2=http2,
            transport=transport,
            event_hooks=event_hooks,
        )

    def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: AuthParam = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: FollowParam = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        """Send ``request``; follow redirects under oauthcore's policy; read a capped body."""
        started = time.monotonic()
        _mark(request)
        response = self._send_once(request, auth)
        try:
            if self._follows(follow_redirects):
                response = self._follow(request, response, auth)
            _finish(response, stream=stream)
        except BaseException:
            response.close()
            raise
        if not stream:
            end = deadline_at(started, self.deadline)
            read_body(response, limit=self.max_body_bytes, deadline=end)
        return response

    def _send_once(self, request: httpx.Request, auth: AuthParam) -> httpx.Response:
        with _bad_location():
            return super().send(request, stream=True, auth=auth, follow_redirects=False)

    def _follow(
        self, request: httpx.Request, response: httpx.Response, auth: AuthParam
    ) -> httpx.Response:
        try:
            for hop in self._redirects(request, response, auth):
                drop_body(response)  # unread: a redirect body is never decoded (D8)
                response.read()
                response = hop.response = self._send_once(hop.request, hop.auth)
        except BaseException:
            response.close()
            raise
        return response


class AsyncOAuthClient(_Policy, httpx.AsyncClient):
    """An ``httpx.AsyncClient`` with oauthcore's transport policy: see :class:`OAuthClient`.

    The total ``deadline`` is a cancel scope around reading the body.
    """

    def __init__(
        self,
        *,
        auth: AuthArg = None,
        headers: Mapping[str, str] | None = None,
        cookies: httpx.Cookies | dict[str, str] | None = None,
        base_url: httpx.URL | str = "",
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        deadline: float | None = DEFAULT_DEADLINE,
        follow_redirects: bool = True,
        max_redirects: int = MAX_HOPS,
        max_body_bytes: int | None = MAX_RESOURCE_BYTES,
        allow_insecure_transport: bool = False,
        insecure_skip_tls_verify: bool = False,
        verify: ssl.SSLContext | bool = True,
        trust_env: bool = False,
        http2: bool = False,
        limits: httpx.Limits | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        event_hooks: EventHooks | None = None,
    ) -> None:
        super().__init__(
            deadline=deadline,
            max_body_bytes=max_body_bytes,
            allow_insecure_transport=allow_insecure_transport,
            insecure_skip_tls_verify=insecure_skip_tls_verify,
            verify=verify,
            limits=limits,
            auth=auth,
            headers=headers,
            cookies=cookies,
            base_url=base_url,
            timeout=timeout,
            follow_redirects=follow_redirects,
            max_redirects=max_redirects,
            trust_env=trust_env,
            http2=http2,
            transport=transport,
            event_hooks=event_hooks,
        )

    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: AuthParam = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: FollowParam = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        """Send ``request``; follow redirects under oauthcore's policy; read a capped body."""
        started = time.monotonic()
        _mark(request)
        response = await self._send_once(request, auth)
        try:
            if self._follows(follow_redirects):
                response = await self._follow(request, response, auth)
            _finish(response, stream=stream)
        except BaseException:
            await response.aclose()
            raise
        if not stream:
            end = deadline_at(started, self.deadline)
            await aread_body(response, limit=self.max_body_bytes, deadline=end)
        return response

    async def _send_once(self, request: httpx.Request, auth: AuthParam) -> httpx.Response:
        with _bad_location():
            return await super().send(request, stream=True, auth=auth, follow_redirects=False)

    async def _follow(
        self, request: httpx.Request, response: httpx.Response, auth: AuthParam
    ) -> httpx.Response:
        try:
            for hop in self._redirects(request, response, auth):
                await adrop_body(response)  # unread: a redirect body is never decoded (D8)
                await response.aread()
                response = hop.response = await self._send_once(hop.request, hop.auth)
        except BaseException:
            await response.aclose()
            raise
        return response

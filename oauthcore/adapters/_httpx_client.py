""":class:`OAuthClient` and :class:`AsyncOAuthClient`: httpx clients with oauthcore's transport
policy (redirects, body caps, timeouts, TLS, no ambient configuration).

A private part of :mod:`oauthcore.adapters.httpx`: import the public names from there.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
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
    """The settings both clients share, and their redirect step."""

    deadline: float | None
    max_body_bytes: int | None
    allow_insecure_transport: bool
    insecure_skip_tls_verify: bool
    follow_redirects: bool
    max_redirects: int

    def _follows(self, follow_redirects: FollowParam) -> bool:
        if isinstance(follow_redirects, UseClientDefault):
            return self.follow_redirects
        return follow_redirects

    def _hop(
        self, base: Request, response: httpx.Response, *, streamed: bool, hops: int
    ) -> Request:
        return redirect_hop(
            base,
            response,
            streamed=streamed,
            hops=hops,
            max_hops=self.max_redirects,
            allow_insecure_transport=self.allow_insecure_transport,
        )

    def _end(self, started: float) -> float | None:
        return None if self.deadline is None else started + self.deadline


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


def _chain(history: list[httpx.Response], final: httpx.Response) -> httpx.Response:
    final.history = [*history, *final.history]
    final.next_request = None  # httpx's own idea of the next hop: not oauthcore's policy
    return final


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
            auth=auth,
            headers=headers,
            cookies=cookies,
            base_url=base_url,
            timeout=timeout,
            follow_redirects=follow_redirects,
            max_redirects=max_redirects,
            verify=_verify(verify, insecure=insecure_skip_tls_verify),
            trust_env=trust_env,
            http2=http2,
            limits=limits if limits is not None else httpx.Limits(),
            transport=transport,
            event_hooks=event_hooks,
        )
        self.deadline = deadline
        self.max_body_bytes = max_body_bytes
        self.allow_insecure_transport = allow_insecure_transport
        self.insecure_skip_tls_verify = insecure_skip_tls_verify

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
        with _bad_location():
            response = super().send(request, stream=True, auth=auth, follow_redirects=False)
        try:
            if self._follows(follow_redirects):
                response = self._follow(request, response, auth)
            response = _chain([], response)
        except BaseException:
            response.close()
            raise
        if not stream:
            read_body(response, limit=self.max_body_bytes, deadline=self._end(started))
            return response
        try:
            check_content_codings(tuple(response.headers.multi_items()))
        except BaseException:
            response.close()
            raise
        return response

    def _follow(
        self, request: httpx.Request, response: httpx.Response, auth: AuthParam
    ) -> httpx.Response:
        base, stream = to_core(request)
        history: list[httpx.Response] = []
        hops = 0
        kept = True
        while response.has_redirect_location:
            hop = self._hop(base, response, streamed=stream is not None, hops=hops)
            drop_body(response)  # unread: a redirect body is never decoded (D8)
            response.read()
            history.extend((*response.history, response))
            hops += 1
            stream = None
            kept = kept and same_origin(base.url, hop.url)
            outgoing = _hop_request(hop, request, self.cookies, kept=kept)
            with _bad_location():
                response = super().send(
                    outgoing, stream=True, auth=auth if kept else None, follow_redirects=False
                )
            base = hop
        return _chain(history, response)


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
            auth=auth,
            headers=headers,
            cookies=cookies,
            base_url=base_url,
            timeout=timeout,
            follow_redirects=follow_redirects,
            max_redirects=max_redirects,
            verify=_verify(verify, insecure=insecure_skip_tls_verify),
            trust_env=trust_env,
            http2=http2,
            limits=limits if limits is not None else httpx.Limits(),
            transport=transport,
            event_hooks=event_hooks,
        )
        self.deadline = deadline
        self.max_body_bytes = max_body_bytes
        self.allow_insecure_transport = allow_insecure_transport
        self.insecure_skip_tls_verify = insecure_skip_tls_verify

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
        with _bad_location():
            response = await super().send(request, stream=True, auth=auth, follow_redirects=False)
        try:
            if self._follows(follow_redirects):
                response = await self._follow(request, response, auth)
            response = _chain([], response)
        except BaseException:
            await response.aclose()
            raise
        if not stream:
            await aread_body(response, limit=self.max_body_bytes, deadline=self._end(started))
            return response
        try:
            check_content_codings(tuple(response.headers.multi_items()))
        except BaseException:
            await response.aclose()
            raise
        return response

    async def _follow(
        self, request: httpx.Request, response: httpx.Response, auth: AuthParam
    ) -> httpx.Response:
        base, stream = to_core(request)
        history: list[httpx.Response] = []
        hops = 0
        kept = True
        while response.has_redirect_location:
            hop = self._hop(base, response, streamed=stream is not None, hops=hops)
            await adrop_body(response)  # unread: a redirect body is never decoded (D8)
            await response.aread()
            history.extend((*response.history, response))
            hops += 1
            stream = None
            kept = kept and same_origin(base.url, hop.url)
            outgoing = _hop_request(hop, request, self.cookies, kept=kept)
            with _bad_location():
                response = await super().send(
                    outgoing, stream=True, auth=auth if kept else None, follow_redirects=False
                )
            base = hop
        return _chain(history, response)

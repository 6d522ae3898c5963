"""The base of oauthcore's ``httpx.Auth`` classes: one plan for sync and async clients, and
redirects followed under oauthcore's policy from inside the auth flow.

A private part of :mod:`oauthcore.adapters.httpx`: import the public names from there.

Theory of operation: an auth's :meth:`_Auth._plan` is a plain generator that yields *steps*
(send this request, drop this body unread, read this request body, renew the token...) and
reads each step's result from the step object once it is resumed. ``sync_auth_flow`` and
``async_auth_flow`` run the same plan; they differ only in how they perform the steps that do
I/O, so the sync and async clients share every decision.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import TypeVar

from ..errors import MissingDependencyError, RedirectPolicyError

try:
    import httpx
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("httpx", "httpx") from exc

from ..http import Request
from ..redirects import next_hop, same_origin
from ._httpx_transport import (
    CLIENT_FOLLOWS,
    Stream,
    adrop_body,
    aread_request_body,
    drop_body,
    from_core,
    is_buffered,
    read_request_body,
    to_core,
)
from ._state import HookState

T = TypeVar("T")


class Step:
    """One thing a plan needs done; ``run``/``arun`` do it for a sync or an async client."""

    def run(self, auth: _Auth) -> None:
        raise NotImplementedError

    async def arun(self, auth: _Auth) -> None:
        raise NotImplementedError


class Send(Step):
    """Send ``request`` (yielded to httpx); ``response`` is its answer."""

    __slots__ = ("request", "response")

    def __init__(self, request: httpx.Request) -> None:
        self.request = request
        self.response: httpx.Response


class Drop(Step):
    """Close ``response``'s body unread (a redirect, a 401 about to be replayed)."""

    __slots__ = ("response",)

    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    def run(self, auth: _Auth) -> None:
        drop_body(self.response)

    async def arun(self, auth: _Auth) -> None:
        await adrop_body(self.response)


class ReadBody(Step):
    """Read a streamed request body into memory, to sign it."""

    __slots__ = ("request",)

    def __init__(self, request: httpx.Request) -> None:
        self.request = request

    def run(self, auth: _Auth) -> None:
        read_request_body(self.request)

    async def arun(self, auth: _Auth) -> None:
        await aread_request_body(self.request)


Plan = Generator[Step, None, T]


def _check_history(response: httpx.Response, sent: int) -> None:
    # httpx sets a response's history to the responses the auth flow saw before it: a longer
    # one means the client followed redirects itself, outside oauthcore's policy.
    if len(response.history) > sent:
        raise RedirectPolicyError(
            "the httpx client followed a redirect itself, with a stale signature and without "
            "oauthcore's redirect policy: create it with follow_redirects=False (httpx's "
            "default) or use OAuthClient"
        )


class _Auth(HookState, httpx.Auth):
    """An oauthcore auth: signs a request, follows its redirects under oauthcore's policy."""

    max_redirects: int
    allow_insecure_transport: bool

    # What a subclass defines.

    def _sign(self, request: Request) -> Request:
        raise NotImplementedError

    def _needs_body(self, request: httpx.Request) -> bool:
        """True if signing reads the body (a stream is then read into memory first)."""
        return True

    def _already_signed(self, request: Request) -> bool:
        return False

    def _exchange(
        self, request: Request, template: httpx.Request, stream: Stream | None
    ) -> Plan[httpx.Response]:
        """Sign ``request`` and send it; return the answer (OAuth 2.0 adds renewals)."""
        send = Send(from_core(self._sign(request), template=template, stream=stream))
        yield send
        return send.response

    # The plan and its two runners.

    def _plan(self, request: httpx.Request) -> Plan[None]:
        if not is_buffered(request) and self._needs_body(request):
            yield ReadBody(request)
        unsigned, stream = to_core(request)
        if self._already_signed(unsigned):
            yield Send(request)  # never sign twice (rauth 0.5.3's "no double signing")
            return
        response = yield from self._exchange(unsigned, request, stream)
        if request.extensions.get(CLIENT_FOLLOWS):
            return  # OAuthClient follows redirects, and signs each hop through this auth again
        yield from self._follow(unsigned, stream, response, request)

    def _follow(
        self,
        base: Request,
        stream: Stream | None,
        response: httpx.Response,
        template: httpx.Request,
    ) -> Plan[None]:
        """Follow ``response``'s redirects (checklist C5, D1-D8): a same-origin hop is signed
        again (a fresh nonce), a hop to another origin carries no credentials, and nothing is
        signed after the origin changed once."""
        hops = 0
        signing = True
        while response.has_redirect_location:
            hop = redirect_hop(
                base,
                response,
                streamed=stream is not None,
                hops=hops,
                max_hops=self.max_redirects,
                allow_insecure_transport=self.allow_insecure_transport,
            )
            yield Drop(response)
            hops += 1
            stream = None
            signing = signing and same_origin(base.url, hop.url)
            if signing:
                response = yield from self._exchange(hop, template, None)
            else:
                send = Send(from_core(hop, template=template))
                yield send
                response = send.response
            base = hop

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        plan = self._plan(request)
        sent = 0
        try:
            for step in plan:
                if isinstance(step, Send):
                    step.response = yield step.request
                    _check_history(step.response, sent)
                    sent += 1
                else:
                    step.run(self)
        finally:
            plan.close()

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        plan = self._plan(request)
        sent = 0
        try:
            for step in plan:
                if isinstance(step, Send):
                    step.response = yield step.request
                    _check_history(step.response, sent)
                    sent += 1
                else:
                    await step.arun(self)
        finally:
            plan.close()


def redirect_hop(
    base: Request,
    response: httpx.Response,
    *,
    streamed: bool,
    hops: int,
    max_hops: int,
    allow_insecure_transport: bool,
) -> Request:
    """The request for the redirect ``response`` answers to ``base`` (the request before any
    auth touched it), its Host recomputed; RedirectPolicyError if it must not be followed."""
    status = response.status_code
    hop = next_hop(
        base,
        status,
        response.headers.get("location", ""),
        hops=hops,
        max_hops=max_hops,
        allow_insecure_transport=allow_insecure_transport,
        streamed=streamed,
    )
    headers = tuple(pair for pair in hop.headers if pair[0].lower() != "host")
    return Request(method=hop.method, url=hop.url, headers=headers, body=hop.body)

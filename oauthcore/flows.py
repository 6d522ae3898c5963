"""Drivers that run sans-IO protocol flows over any HTTP client.

Theory of operation
-------------------
A *flow* is a generator that yields a neutral :class:`~oauthcore.http.Request`, receives the
neutral :class:`~oauthcore.http.Response` to it through ``send()``, and finally ``return``\\ s
its result (a token, credentials, a final response). It holds its state in local variables and
performs no I/O, reads no clock except through the ``now=`` it was given, and never sleeps.

A *driver* owns the I/O: it takes the request the flow yielded, hands it to ``send`` (a callable
the adapter provides, which performs the HTTP exchange), and passes the response back in. If
``send`` raises, the exception is thrown into the flow at its ``yield`` so the flow can decide
(for example: a refresh whose outcome is unknown must not be replayed); if the flow does not
catch it, it propagates unchanged to the caller. :func:`drive` and :func:`async_drive` are the
only two drivers, so the synchronous and the asynchronous adapters share every line of protocol
logic (the same idea as ``httpx.Auth.auth_flow``).

Flows are created by the ``*_flow`` functions of the protocol packages, e.g.
:func:`oauthcore.oauth1.credentials_flow` or :func:`oauthcore.oauth2.authorized_request_flow`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import TypeVar

from .http import Request, Response

__all__ = ["Flow", "async_drive", "drive"]

T = TypeVar("T")

Flow = Generator[Request, Response, T]
"""A protocol flow: yields requests, is sent responses, returns a ``T``."""


def drive(flow: Flow[T], send: Callable[[Request], Response]) -> T:
    """Run ``flow`` to completion, performing each HTTP exchange with ``send``."""
    try:
        request = next(flow)
        while True:
            try:
                response = send(request)
            except Exception as exc:
                request = flow.throw(exc)
            else:
                request = flow.send(response)
    except StopIteration as stop:
        result: T = stop.value
        return result
    finally:
        flow.close()


async def async_drive(flow: Flow[T], send: Callable[[Request], Awaitable[Response]]) -> T:
    """Run ``flow`` to completion, performing each HTTP exchange with the coroutine ``send``."""
    try:
        request = next(flow)
        while True:
            try:
                response = await send(request)
            except Exception as exc:
                request = flow.throw(exc)
            else:
                request = flow.send(response)
    except StopIteration as stop:
        result: T = stop.value
        return result
    finally:
        flow.close()

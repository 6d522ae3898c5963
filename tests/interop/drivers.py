"""One driver per adapter: the same user actions, done with each adapter's own public API.

The interop matrix (``test_adapter_matrix.py``) runs each scenario once per driver. A driver
does what a user of that HTTP client would write: it sends a request through the adapter's
native auth object (OAuth 1.0a, OAuth 2.0 bearer with refresh, Ofly), or runs a core flow
through the adapter's flow runner. The requests a scenario describes are neutral
:class:`~oauthcore.http.Request` values (method, URL, form body); the driver turns them into
its client's call and the answer back into a neutral :class:`~oauthcore.http.Response`, so the
scenarios assert the same thing for every adapter.

Async drivers run each action in a fresh event loop with a fresh client: slower than sharing
one, but each scenario stays independent.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest
import requests

from oauthcore import RedirectPolicyError
from oauthcore.adapters import aiohttp as aiohttp_adapter
from oauthcore.adapters import httpx as httpx_adapter
from oauthcore.adapters import requests as requests_adapter
from oauthcore.adapters import urllib3 as urllib3_adapter
from oauthcore.adapters._renewal import TokenStore
from oauthcore.flows import Flow
from oauthcore.http import Request, Response
from oauthcore.oauth1 import ClientCredentials, Placement, TokenCredentials
from oauthcore.oauth2 import BearerPlacement, ClientConfig, Token
from oauthcore.ofly import OflyCredentials

T = TypeVar("T")
OnToken = Callable[[Token], None]


class Driver:
    """The actions a scenario needs, done through one adapter.

    A driver names its adapter module and the names of its three auth classes (each takes
    the same arguments in every adapter), and sends one request with an auth object; the
    OAuth 1.0a, OAuth 2.0 and Ofly actions are built from those.
    """

    name = ""
    adapter: Any = None
    auth_names = ("OAuth1Auth", "OAuth2Auth", "OflyAuth")
    refusals: tuple[type[BaseException], ...] = (RedirectPolicyError,)
    """What a refused redirect raises through this adapter."""

    def run_flow(self, flow: Flow[T]) -> T:
        """Run a core flow with the adapter's flow runner."""
        raise NotImplementedError

    def trust(self, ca_file: str) -> None:
        """Verify TLS servers against ``ca_file`` (a private CA), the way a user configures it."""
        raise NotImplementedError

    def send(self, request: Request, auth: Any, *, stream: bool = False) -> Response:
        """Send ``request`` through the adapter with ``auth`` (one of its auth objects).

        ``stream``: the body goes as the client's kind of stream (an iterator, an async
        generator), sent once and gone, rather than as bytes.
        """
        raise NotImplementedError

    def oauth1(
        self,
        request: Request,
        client: ClientCredentials,
        token: TokenCredentials | None,
        placement: Placement,
    ) -> Response:
        """Send ``request`` signed by the adapter's OAuth 1.0a auth."""
        make = getattr(self.adapter, self.auth_names[0])
        return self.send(request, make(client, token, placement=placement))

    def bearer(
        self,
        request: Request,
        client: ClientConfig,
        store: TokenStore,
        placement: BearerPlacement = BearerPlacement.HEADER,
        on_token: OnToken | None = None,
        *,
        stream: bool = False,
    ) -> Response:
        """Send ``request`` with the adapter's OAuth 2.0 auth over ``store`` (renewing it)."""
        make = getattr(self.adapter, self.auth_names[1])
        auth = make(client, store, placement=placement, on_token=on_token)
        return self.send(request, auth, stream=stream)

    def ofly(
        self, request: Request, credentials: OflyCredentials, user_id: str, hash_method: str
    ) -> Response:
        """Send ``request`` signed by the adapter's Ofly auth."""
        make = getattr(self.adapter, self.auth_names[2])
        return self.send(request, make(credentials, user_id, hash_method=hash_method))


class RequestsDriver(Driver):
    """``oauthcore.adapters.requests``: AuthBase objects on a ``requests.Session``."""

    name = "requests"
    adapter = requests_adapter

    def __init__(self) -> None:
        self.session = requests.Session()
        self.session.trust_env = False

    def close(self) -> None:
        self.session.close()

    def run_flow(self, flow: Flow[T]) -> T:
        return requests_adapter.send_flow(self.session, flow)

    def trust(self, ca_file: str) -> None:
        self.session.verify = ca_file

    def send(self, request: Request, auth: Any, *, stream: bool = False) -> Response:
        answer = self.session.request(
            request.method,
            request.url,
            data=iter([request.body]) if stream else request.body or None,
            headers=dict(request.headers),
            auth=auth,
            timeout=10,
        )
        return _neutral(answer.status_code, answer.headers.items(), answer.content)


class HttpxDriver(Driver):
    """``oauthcore.adapters.httpx`` on a plain ``httpx.Client`` (the auth follows redirects)."""

    name = "httpx"
    adapter = httpx_adapter
    # A plain httpx client parses every Location itself, even with follow_redirects=False,
    # and refuses one it cannot parse (javascript:) with InvalidURL before an auth sees the
    # answer: nothing is sent. OAuthClient turns that into RedirectPolicyError.
    refusals = (RedirectPolicyError, httpx.InvalidURL)

    def __init__(self) -> None:
        self.client = httpx.Client(trust_env=False)

    def close(self) -> None:
        self.client.close()

    def run_flow(self, flow: Flow[T]) -> T:
        return httpx_adapter.send_flow(self.client, flow)

    def trust(self, ca_file: str) -> None:
        self.client.close()
        self.client = httpx.Client(
            trust_env=False, verify=ssl.create_default_context(cafile=ca_file)
        )

    def send(self, request: Request, auth: Any, *, stream: bool = False) -> Response:
        answer = self.client.request(
            request.method,
            request.url,
            content=iter([request.body]) if stream else request.body or None,
            headers=dict(request.headers),
            auth=auth,
        )
        return _neutral(answer.status_code, answer.headers.multi_items(), answer.content)


class AsyncHttpxDriver(Driver):
    """``oauthcore.adapters.httpx`` on a plain ``httpx.AsyncClient``."""

    name = "httpx async"
    adapter = httpx_adapter
    refusals = HttpxDriver.refusals
    verify: ssl.SSLContext | bool = True

    def trust(self, ca_file: str) -> None:
        self.verify = ssl.create_default_context(cafile=ca_file)

    def run_flow(self, flow: Flow[T]) -> T:
        async def run() -> T:
            async with httpx.AsyncClient(trust_env=False, verify=self.verify) as client:
                return await httpx_adapter.async_send_flow(client, flow)

        return asyncio.run(run())

    def send(self, request: Request, auth: Any, *, stream: bool = False) -> Response:
        async def run() -> Response:
            async with httpx.AsyncClient(trust_env=False, verify=self.verify) as client:
                answer = await client.request(
                    request.method,
                    request.url,
                    content=_chunks(request.body) if stream else request.body or None,
                    headers=dict(request.headers),
                    auth=auth,
                )
                return _neutral(answer.status_code, answer.headers.multi_items(), answer.content)

        return asyncio.run(run())


class AiohttpDriver(Driver):
    """``oauthcore.adapters.aiohttp``: client middlewares on ``oauth_session``."""

    name = "aiohttp"
    adapter = aiohttp_adapter
    auth_names = ("OAuth1Middleware", "OAuth2Middleware", "OflyMiddleware")
    ssl_context: ssl.SSLContext | None = None

    def trust(self, ca_file: str) -> None:
        self.ssl_context = ssl.create_default_context(cafile=ca_file)

    def run_flow(self, flow: Flow[T]) -> T:
        async def run() -> T:
            async with aiohttp_adapter.oauth_session(ssl_context=self.ssl_context) as session:
                return await aiohttp_adapter.send_flow(session, flow)

        return asyncio.run(run())

    def send(self, request: Request, auth: Any, *, stream: bool = False) -> Response:
        async def run() -> Response:
            async with (
                aiohttp_adapter.oauth_session(auth, ssl_context=self.ssl_context) as session,
                session.request(
                    request.method,
                    request.url,
                    data=_chunks(request.body) if stream else request.body or None,
                    headers=dict(request.headers),
                ) as answer,
            ):
                body = await answer.read()
                return _neutral(answer.status, answer.headers.items(), body)

        return asyncio.run(run())


class Urllib3Driver(Driver):
    """``oauthcore.adapters.urllib3``: auth objects on an ``OAuthClient`` over a PoolManager."""

    name = "urllib3"
    adapter = urllib3_adapter

    def __init__(self) -> None:
        self.pool = urllib3_adapter.new_pool_manager()

    def close(self) -> None:
        self.pool.clear()

    def run_flow(self, flow: Flow[T]) -> T:
        return urllib3_adapter.send_flow(self.pool, flow)

    def trust(self, ca_file: str) -> None:
        self.pool.clear()
        context = ssl.create_default_context(cafile=ca_file)
        self.pool = urllib3_adapter.new_pool_manager(ssl_context=context)

    def send(self, request: Request, auth: Any, *, stream: bool = False) -> Response:
        client = urllib3_adapter.OAuthClient(auth, pool=self.pool)
        answer = client.request(
            request.method,
            request.url,
            body=iter([request.body]) if stream else request.body or None,
            headers=dict(request.headers),
        )
        return _neutral(answer.status, answer.headers.items(), answer.data)


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    yield body


def _neutral(status: int, headers: Any, body: bytes) -> Response:
    return Response(
        status=status,
        headers=tuple((str(name), str(value)) for name, value in headers),
        body=body,
    )


DRIVERS: dict[str, Callable[[], Driver]] = {
    "requests": RequestsDriver,
    "httpx": HttpxDriver,
    "httpx async": AsyncHttpxDriver,
    "aiohttp": AiohttpDriver,
    "urllib3": Urllib3Driver,
}
"""Driver factories by adapter name, in the order the matrix shows them."""


@pytest.fixture(params=list(DRIVERS))
def driver(request: pytest.FixtureRequest) -> Iterator[Driver]:
    """Each adapter's driver in turn (a test module takes it with ``from interop.drivers
    import driver``), closed after the test."""
    made = DRIVERS[request.param]()
    try:
        yield made
    finally:
        close = getattr(made, "close", None)
        if close is not None:
            close()

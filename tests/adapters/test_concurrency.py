"""Single-flight renewal under load, over real HTTP (checklist H1, H2; T8).

One loopback server is the token endpoint (it counts hits) and the resource (it records which
token each request carried). Each round starts from a token that expired already, so every
request must wait for a renewal: 50 threads on one client of a sync adapter, 200 coroutines on
one client of an async adapter. Every round: exactly one token-endpoint hit, every request
carries the new token, none the old one.

100 rounds of 50 threads (requests, httpx and urllib3 share them) and 100 rounds of 200
coroutines (httpx and aiohttp share them), in tests of 10 rounds so the xdist workers share
the load. Clients and connections are kept across rounds; the token endpoint waits 20 ms so
the requests really overlap. Marked ``stress``: ``make test`` runs them once, in the pass
without coverage (tracing would triple their time and they add no coverage).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import requests
from loopback import LoopbackServer, Recorded, Reply

from oauthcore.adapters import aiohttp as aiohttp_adapter
from oauthcore.adapters import httpx as httpx_adapter
from oauthcore.adapters import requests as requests_adapter
from oauthcore.adapters import urllib3 as urllib3_adapter
from oauthcore.adapters._renewal import TokenStore
from oauthcore.oauth2 import ClientConfig, Token

THREADS = 50
COROUTINES = 200
PER_TEST = 10
# Which rounds each adapter runs: 100 thread rounds and 100 coroutine rounds in all.
THREAD_ROUNDS = {"requests": range(0, 34), "httpx": range(34, 67), "urllib3": range(67, 100)}
COROUTINE_ROUNDS = {"httpx": range(0, 50), "aiohttp": range(50, 100)}


def parts(rounds: range) -> list[range]:
    return [rounds[i : i + PER_TEST] for i in range(0, len(rounds), PER_TEST)]


def test_there_are_a_hundred_rounds_of_each() -> None:
    for table in (THREAD_ROUNDS, COROUTINE_ROUNDS):
        every = [r for rounds in table.values() for r in rounds]
        assert sorted(every) == list(range(100))


class Provider:
    """The token endpoint and the resource, with what a round must check."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits = 0
        self.valid = ""
        self.seen: list[str | None] = []

    def new_round(self, round_id: int) -> Token:
        with self.lock:
            self.hits = 0
            self.seen = []
            self.valid = f"AT-{round_id}-new"
        return Token(access_token=f"AT-{round_id}-old", refresh_token="RT", expires_at=1)

    def token(self, recorded: Recorded) -> Reply:
        with self.lock:
            self.hits += 1
            valid = self.valid
        body = {"access_token": valid, "token_type": "Bearer", "expires_in": 3600}
        answer = Reply.json(body)
        answer.delay = 0.02  # the requests overlap the renewal
        return answer

    def resource(self, recorded: Recorded) -> Reply:
        header = recorded.header("Authorization")
        with self.lock:
            self.seen.append(header)
            ok = header == f"Bearer {self.valid}"
        return Reply.json({"ok": ok}, status=200 if ok else 401)

    def check(self, expected: int) -> None:
        with self.lock:
            assert self.hits == 1
            assert len(self.seen) == expected
            assert set(self.seen) == {f"Bearer {self.valid}"}


@pytest.fixture(scope="module")
def provider() -> Iterator[tuple[Provider, LoopbackServer]]:
    state = Provider()
    with LoopbackServer(state.resource, max_lifetime=600) as server:
        server.route("/token", state.token)
        yield state, server


def config(server: LoopbackServer) -> ClientConfig:
    return ClientConfig(client_id="app", client_secret="CS", token_endpoint=server.url("/token"))


SyncCall = Callable[[str, TokenStore], int]


def sync_rounds(state: Provider, server: LoopbackServer, call: SyncCall, rounds: range) -> None:
    with ThreadPoolExecutor(THREADS) as pool:
        for round_id in rounds:
            store = TokenStore(state.new_round(round_id))
            barrier = threading.Barrier(THREADS)

            def one(store: TokenStore = store, barrier: threading.Barrier = barrier) -> int:
                barrier.wait()
                return call(server.url("/me"), store)

            statuses = list(pool.map(lambda _: one(), range(THREADS)))
            assert statuses == [200] * THREADS
            state.check(THREADS)


@pytest.mark.stress
@pytest.mark.checklist("H1")
@pytest.mark.parametrize("rounds", parts(THREAD_ROUNDS["requests"]), ids=str)
def test_requests_threads(provider: tuple[Provider, LoopbackServer], rounds: range) -> None:
    state, server = provider
    client = config(server)
    with requests.Session() as session:

        def call(url: str, store: TokenStore) -> int:
            auth = requests_adapter.OAuth2Auth(client, store)
            return session.get(url, auth=auth, timeout=10).status_code

        sync_rounds(state, server, call, rounds)


@pytest.mark.stress
@pytest.mark.checklist("H1")
@pytest.mark.parametrize("rounds", parts(THREAD_ROUNDS["httpx"]), ids=str)
def test_httpx_threads(provider: tuple[Provider, LoopbackServer], rounds: range) -> None:
    state, server = provider
    client = config(server)
    limits = httpx.Limits(max_connections=THREADS)
    with httpx.Client(trust_env=False, limits=limits) as http, httpx.Client() as tokens:

        def call(url: str, store: TokenStore) -> int:
            auth = httpx_adapter.OAuth2Auth(client, store, token_client=tokens)
            return http.get(url, auth=auth).status_code

        sync_rounds(state, server, call, rounds)


@pytest.mark.stress
@pytest.mark.checklist("H1")
@pytest.mark.parametrize("rounds", parts(THREAD_ROUNDS["urllib3"]), ids=str)
def test_urllib3_threads(provider: tuple[Provider, LoopbackServer], rounds: range) -> None:
    state, server = provider
    client = config(server)
    pool = urllib3_adapter.new_pool_manager()
    http = urllib3_adapter.OAuthClient(pool=pool)

    def call(url: str, store: TokenStore) -> int:
        auth = urllib3_adapter.OAuth2Auth(client, store, pool=pool)
        return http.request("GET", url, auth=auth).status

    sync_rounds(state, server, call, rounds)
    pool.clear()


@pytest.mark.stress
@pytest.mark.checklist("H2")
@pytest.mark.parametrize("rounds", parts(COROUTINE_ROUNDS["httpx"]), ids=str)
def test_httpx_coroutines(provider: tuple[Provider, LoopbackServer], rounds: range) -> None:
    state, server = provider
    client = config(server)

    async def main() -> None:
        limits = httpx.Limits(max_connections=COROUTINES, max_keepalive_connections=COROUTINES)
        async with (
            httpx.AsyncClient(trust_env=False, limits=limits) as http,
            httpx.AsyncClient() as tokens,
        ):
            for round_id in rounds:
                store = TokenStore(state.new_round(round_id))
                auth = httpx_adapter.OAuth2Auth(client, store, async_token_client=tokens)
                answers = await asyncio.gather(
                    *(http.get(server.url("/me"), auth=auth) for _ in range(COROUTINES))
                )
                assert [a.status_code for a in answers] == [200] * COROUTINES
                state.check(COROUTINES)

    asyncio.run(main())


@pytest.mark.stress
@pytest.mark.checklist("H2")
@pytest.mark.parametrize("rounds", parts(COROUTINE_ROUNDS["aiohttp"]), ids=str)
def test_aiohttp_coroutines(provider: tuple[Provider, LoopbackServer], rounds: range) -> None:
    state, server = provider
    client = config(server)

    async def main() -> None:
        async with aiohttp_adapter.oauth_session() as session:
            for round_id in rounds:
                store = TokenStore(state.new_round(round_id))
                middleware = aiohttp_adapter.OAuth2Middleware(client, store, session=session)

                async def one(middleware: aiohttp_adapter.OAuth2Middleware = middleware) -> int:
                    async with session.get(
                        server.url("/me"),
                        middlewares=(middleware,),
                    ) as answer:
                        await answer.read()
                        return answer.status

                statuses = await asyncio.gather(*(one() for _ in range(COROUTINES)))
                assert list(statuses) == [200] * COROUTINES
                state.check(COROUTINES)

    asyncio.run(main())

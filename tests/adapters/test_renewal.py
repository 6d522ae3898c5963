"""The adapter-neutral single-flight renewal (oauthcore.adapters._renewal) on its own.

Every adapter's refresh goes through TokenStore and Renewal; the adapters' own tests prove
it over real HTTP. These tests drive it directly through its ``send_token`` parameter (the
function an adapter passes to send a token-endpoint request) to reach the cases that need
precise interleavings: sync threads and coroutines sharing one store, a cancelled leader,
a token replaced while a refresh is in flight, two users at once.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time

import pytest

from oauthcore import ConfigurationError, InvalidGrantError
from oauthcore.adapters._renewal import (
    MAX_RETRY_DELAY,
    RETRY_DELAY,
    Renewal,
    TokenStore,
    retry_delay,
)
from oauthcore.http import Request, Response
from oauthcore.oauth2 import ClientConfig, Token

NOW = 1_700_000_000
TOKEN_URL = "https://as.example/token"
RESOURCE = Request(method="GET", url="https://api.example/me")
CLIENT = ClientConfig(client_id="app", client_secret="CS-client", token_endpoint=TOKEN_URL)


def fixed_now() -> int:
    return NOW


def expired(user: str = "") -> Token:
    return Token(access_token=f"AT-0{user}", refresh_token=f"RT-0{user}", expires_at=NOW - 60)


def token_answer(access_token: str) -> Response:
    body = {"access_token": access_token, "token_type": "Bearer", "expires_in": 3600}
    return Response(
        status=200,
        headers=(("Content-Type", "application/json"),),
        body=json.dumps(body).encode(),
    )


def refused() -> Response:
    return Response(
        status=400,
        headers=(("Content-Type", "application/json"),),
        body=b'{"error": "invalid_grant"}',
    )


class TokenEndpoint:
    """Counts token requests; answers each with a new token after ``delay`` seconds."""

    def __init__(self, *, delay: float = 0.05, fail: bool = False) -> None:
        self.delay = delay
        self.fail = fail
        self.lock = threading.Lock()
        self.hits = 0

    def _answer(self, request: Request) -> Response:
        assert request.url == TOKEN_URL
        with self.lock:
            self.hits += 1
            count = self.hits
        return refused() if self.fail else token_answer(f"AT-{count}")

    def send(self, request: Request) -> Response:
        time.sleep(self.delay)
        return self._answer(request)

    async def asend(self, request: Request) -> Response:
        await asyncio.sleep(self.delay)
        return self._answer(request)


def renewal(store: TokenStore, request: Request = RESOURCE, **kwargs: object) -> Renewal:
    return Renewal(request, store, CLIENT, now=fixed_now, **kwargs)  # type: ignore[arg-type]


def bearer(request: Request) -> str | None:
    return request.header("Authorization")


@pytest.mark.checklist("H1", "H2", "H7")
def test_threads_and_coroutines_on_one_store_share_one_refresh() -> None:
    store = TokenStore(expired())
    endpoint = TokenEndpoint(delay=0.1)
    hooks: list[str] = []
    sent: list[str | None] = []
    sent_lock = threading.Lock()
    barrier = threading.Barrier(21)

    def in_thread() -> None:
        barrier.wait()
        request = renewal(store, on_token=lambda t: hooks.append(t.access_token)).start(
            endpoint.send
        )
        with sent_lock:
            sent.append(bearer(request))

    async def coroutines() -> list[str | None]:
        async def one() -> str | None:
            request = await renewal(store).astart(endpoint.asend)
            return bearer(request)

        barrier.wait()
        return list(await asyncio.gather(*(one() for _ in range(100))))

    threads = [threading.Thread(target=in_thread) for _ in range(20)]
    for thread in threads:
        thread.start()
    from_loop = asyncio.run(coroutines())
    for thread in threads:
        thread.join(timeout=10)
    assert endpoint.hits == 1
    assert sent + from_loop == ["Bearer AT-1"] * 120
    assert hooks in ([], ["AT-1"])  # run by the leader, if a thread led
    assert store.token.access_token == "AT-1"


@pytest.mark.checklist("H3")
def test_a_failed_refresh_reaches_every_coroutine_as_the_same_error() -> None:
    store = TokenStore(expired())
    endpoint = TokenEndpoint(delay=0.1, fail=True)

    async def main() -> list[BaseException | Request]:
        return await asyncio.gather(
            *(renewal(store).astart(endpoint.asend) for _ in range(50)), return_exceptions=True
        )

    outcomes = asyncio.run(main())
    assert all(isinstance(outcome, InvalidGrantError) for outcome in outcomes)
    assert len({id(outcome) for outcome in outcomes}) == 1
    assert endpoint.hits == 1
    # Nothing is left held: the next caller tries again, and succeeds.
    endpoint.fail = False
    assert bearer(renewal(store).start(endpoint.send)) == "Bearer AT-2"


@pytest.mark.checklist("H6")
def test_a_cancelled_leader_hands_the_refresh_to_a_waiter() -> None:
    store = TokenStore(expired())
    calls = itertools.count(1)
    first_started = asyncio.Event

    async def main() -> list[str | None]:
        started = first_started()

        async def send(request: Request) -> Response:
            if next(calls) == 1:
                started.set()
                await asyncio.sleep(30)  # the leader hangs until it is cancelled
            return token_answer("AT-taken-over")

        leader = asyncio.ensure_future(renewal(store).astart(send))
        await started.wait()
        waiters = [asyncio.ensure_future(renewal(store).astart(send)) for _ in range(10)]
        await asyncio.sleep(0.05)  # every waiter is queued behind the leader
        leader.cancel()
        done = await asyncio.wait_for(asyncio.gather(*waiters), timeout=5)
        with pytest.raises(asyncio.CancelledError):
            await leader
        return [bearer(request) for request in done]

    assert asyncio.run(main()) == ["Bearer AT-taken-over"] * 10
    assert next(calls) == 3  # the cancelled attempt, then exactly one take-over
    assert store._attempt is None


@pytest.mark.checklist("H7")
def test_a_refresh_never_overwrites_a_token_put_in_force_meanwhile() -> None:
    store = TokenStore(expired())
    newer = Token(access_token="AT-loaded", expires_at=NOW + 3600)

    def send(request: Request) -> Response:
        store.replace(newer)  # another process rotated the token and it was loaded meanwhile
        return token_answer("AT-stale-refresh")

    request = renewal(store).start(send)
    assert bearer(request) == "Bearer AT-stale-refresh"  # this request uses what it fetched
    assert store.token is newer  # but the store keeps the newer token


@pytest.mark.checklist("H5")
def test_two_users_refreshing_at_once_never_see_each_others_tokens() -> None:
    stores = {user: TokenStore(expired(user)) for user in ("alice", "bob")}
    lock = threading.Lock()
    hits: dict[str, int] = {"alice": 0, "bob": 0}

    def send_for(user: str) -> object:
        def send(request: Request) -> Response:
            assert f"RT-0{user}" in request.body.decode()
            time.sleep(0.05)
            with lock:
                hits[user] += 1
            return token_answer(f"AT-{user}")

        return send

    seen: dict[str, set[str | None]] = {"alice": set(), "bob": set()}
    barrier = threading.Barrier(40)

    def run(user: str) -> None:
        barrier.wait()
        request = renewal(stores[user]).start(send_for(user))  # type: ignore[arg-type]
        with lock:
            seen[user].add(bearer(request))

    threads = [threading.Thread(target=run, args=(user,)) for user in ("alice", "bob") * 20]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert hits == {"alice": 1, "bob": 1}
    assert seen == {"alice": {"Bearer AT-alice"}, "bob": {"Bearer AT-bob"}}


def test_a_replay_is_offered_once_after_invalid_token() -> None:
    store = TokenStore(Token(access_token="AT-0", refresh_token="RT-0"))
    endpoint = TokenEndpoint(delay=0)
    run = renewal(store)
    first = run.start(endpoint.send)
    assert bearer(first) == "Bearer AT-0"
    challenge = Response(
        status=401, headers=(("WWW-Authenticate", 'Bearer error="invalid_token"'),)
    )
    replay = run.feed(challenge, endpoint.send)
    assert replay is not None
    assert bearer(replay) == "Bearer AT-1"
    assert run.feed(challenge, endpoint.send) is None  # a second 401 is the answer
    assert endpoint.hits == 1
    assert run.renewed


@pytest.mark.checklist("G7")
def test_waiters_use_the_new_token_only_after_the_hook_has_seen_it() -> None:
    store = TokenStore(expired())
    endpoint = TokenEndpoint(delay=0.05)
    hook_done: list[float] = []
    returned: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(10)

    def hook(token: Token) -> None:
        time.sleep(0.2)  # e.g. writing the token to storage
        hook_done.append(time.monotonic())

    def run() -> None:
        barrier.wait()
        renewal(store, on_token=hook).start(endpoint.send)
        with lock:
            returned.append(time.monotonic())

    threads = [threading.Thread(target=run) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert endpoint.hits == 1
    assert len(hook_done) == 1
    assert len(returned) == 10
    assert min(returned) >= hook_done[0]


def test_async_feed_of_an_ordinary_answer_ends_the_flow() -> None:
    # The flow returns on a 200: its StopIteration must not escape a coroutine (PEP 479).
    store = TokenStore(Token(access_token="AT-0", refresh_token="RT-0"))
    endpoint = TokenEndpoint(delay=0)

    async def main() -> tuple[Request, Request | None, Request | None]:
        run = renewal(store)
        first = await run.astart(endpoint.asend)
        done = await run.afeed(Response(status=200), endpoint.asend)
        challenge = Response(
            status=401, headers=(("WWW-Authenticate", 'Bearer error="invalid_token"'),)
        )
        again = renewal(store)
        await again.astart(endpoint.asend)
        return first, done, await again.afeed(challenge, endpoint.asend)

    first, done, replay = asyncio.run(main())
    assert bearer(first) == "Bearer AT-0"
    assert done is None
    assert replay is not None
    assert bearer(replay) == "Bearer AT-1"
    assert endpoint.hits == 1


def test_a_bearer_request_to_the_token_endpoint_itself_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="token endpoint"):
        renewal(TokenStore(expired()), request=Request(method="POST", url=TOKEN_URL))


def unavailable(retry_after: str | None = None) -> Response:
    headers = [("Content-Type", "application/json")]
    if retry_after is not None:
        headers.append(("Retry-After", retry_after))
    return Response(
        status=503, headers=tuple(headers), body=b'{"error": "temporarily_unavailable"}'
    )


@pytest.mark.checklist("G6")
@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [
        (None, 0.25, 0.75),  # no hint: RETRY_DELAY with jitter, between half and 1.5 times
        ("2", 2.0, 2.0),  # delta-seconds, honoured
        (" 0 ", 0.0, 0.0),
        ("3600", 5.0, 5.0),  # capped at MAX_RETRY_DELAY
        ("9" * 5000, 0.25, 0.75),  # not a number worth reading
        ("Wed, 21 Oct 2026 07:28:00 GMT", 0.25, 0.75),  # an HTTP-date: the default wait
        ("-1", 0.25, 0.75),
        ("\u0661", 0.25, 0.75),  # ARABIC-INDIC DIGIT ONE: a digit, but no delta-seconds
    ],
)
def test_retry_delay(retry_after: str | None, low: float, high: float) -> None:
    assert (MAX_RETRY_DELAY, RETRY_DELAY) == (5.0, 0.5)
    for draw in (lambda: 0.0, lambda: 0.999999):
        delay = retry_delay(unavailable(retry_after), draw=draw)
        assert low <= delay <= high
    if retry_after is None:
        assert retry_delay(unavailable(), draw=lambda: 0.0) == 0.25
        draws = {retry_delay(unavailable()) for _ in range(50)}
        assert len(draws) > 1  # jittered
        assert all(0.25 <= d < 0.75 for d in draws)


class Flaky:
    """A token endpoint answering 503 (with ``retry_after``) once, then a new token."""

    def __init__(self, retry_after: str | None) -> None:
        self.retry_after = retry_after
        self.answers = [unavailable(retry_after), token_answer("AT-1")]
        self.sent: list[Request] = []

    def send(self, request: Request) -> Response:
        self.sent.append(request)
        return self.answers.pop(0)

    async def asend(self, request: Request) -> Response:
        return self.send(request)


@pytest.mark.checklist("G6")
def test_a_refresh_refused_as_retryable_is_sent_again_after_a_pause() -> None:
    endpoint = Flaky("1")
    pauses: list[float] = []
    request = renewal(TokenStore(expired()), pause=pauses.append).start(endpoint.send)
    assert bearer(request) == "Bearer AT-1"
    assert len(endpoint.sent) == 2
    assert endpoint.sent[0] == endpoint.sent[1]  # the same refresh, sent again
    assert pauses == [1.0]  # once, before the retry, as long as Retry-After says

    endpoint = Flaky(None)
    apauses: list[float] = []

    async def record(delay: float) -> None:
        apauses.append(delay)

    request = asyncio.run(renewal(TokenStore(expired()), apause=record).astart(endpoint.asend))
    assert bearer(request) == "Bearer AT-1"
    assert len(endpoint.sent) == 2
    assert len(apauses) == 1
    assert 0.25 <= apauses[0] <= 0.75

    # A refresh that succeeds at once, or fails for good, never pauses.
    pauses.clear()
    renewal(TokenStore(expired()), pause=pauses.append).start(TokenEndpoint(delay=0).send)
    with pytest.raises(InvalidGrantError):
        renewal(TokenStore(expired()), pause=pauses.append).start(
            TokenEndpoint(delay=0, fail=True).send
        )
    assert pauses == []


@pytest.mark.checklist("G6")
def test_the_pause_really_waits() -> None:
    # With the default pause: the second attempt leaves at least the jittered minimum later.
    endpoint = Flaky(None)
    stamps: list[float] = []

    def timed(request: Request) -> Response:
        stamps.append(time.monotonic())
        return endpoint.send(request)

    assert bearer(renewal(TokenStore(expired())).start(timed)) == "Bearer AT-1"
    assert stamps[1] - stamps[0] >= 0.25

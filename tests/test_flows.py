"""The two drivers run any flow the same way, sync and async (DESIGN "Three layers")."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from oauthcore.flows import Flow, async_drive, drive
from oauthcore.http import Request, Response


def _retrying_flow() -> Flow[tuple[int, ...]]:
    """Two exchanges; a transport error on the first is caught and the request retried."""
    statuses = []
    try:
        response = yield Request(method="GET", url="https://x.example/1")
    except ConnectionError:
        response = yield Request(method="GET", url="https://x.example/1?retry=1")
    statuses.append(response.status)
    response = yield Request(method="GET", url="https://x.example/2")
    statuses.append(response.status)
    return tuple(statuses)


def _server(fail_first: bool) -> tuple[list[str], Callable[[Request], Response]]:
    seen: list[str] = []

    def send(request: Request) -> Response:
        seen.append(request.url)
        if fail_first and len(seen) == 1:
            raise ConnectionError("reset")
        return Response(status=200 + len(seen))

    return seen, send


@pytest.mark.parametrize("fail_first", [False, True])
def test_sync_and_async_drivers_agree(fail_first: bool) -> None:
    seen_sync, send = _server(fail_first)
    sync_result = drive(_retrying_flow(), send)

    seen_async, plain = _server(fail_first)

    async def send_async(request: Request) -> Response:
        return plain(request)

    async_result = asyncio.run(async_drive(_retrying_flow(), send_async))
    assert sync_result == async_result
    assert seen_sync == seen_async
    if fail_first:
        assert seen_sync == [
            "https://x.example/1",
            "https://x.example/1?retry=1",
            "https://x.example/2",
        ]
        assert sync_result == (202, 203)
    else:
        assert sync_result == (201, 202)


def test_uncaught_transport_error_propagates_and_closes_the_flow() -> None:
    closed: list[bool] = []

    def flow() -> Flow[None]:
        try:
            yield Request(method="GET", url="https://x.example/")
        finally:
            closed.append(True)

    def send(request: Request) -> Response:
        raise TimeoutError("slow")

    with pytest.raises(TimeoutError):
        drive(flow(), send)
    assert closed == [True]


def test_a_flow_that_sends_nothing() -> None:
    def flow() -> Flow[str]:
        return "done"
        yield Request(method="GET", url="https://x.example/")  # pragma: no cover

    assert drive(flow(), lambda r: Response(status=200)) == "done"

"""Body caps and content-coding limits the adapters share (checklist A4, A5, M1, M2)."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import zlib
from collections.abc import AsyncIterator, Iterator

import pytest

from oauthcore import ResponseTooLargeError
from oauthcore.limits import MAX_BODY_BYTES, aread_limited, check_content_codings, read_limited


@pytest.mark.checklist("A4", "M1")
def test_an_endless_stream_stops_at_the_cap() -> None:
    pulled: list[int] = []

    def endless() -> Iterator[bytes]:
        for index in itertools.count():
            pulled.append(index)
            yield b"x" * 65536

    with pytest.raises(ResponseTooLargeError):
        read_limited(endless())
    assert len(pulled) == MAX_BODY_BYTES // 65536 + 1  # one chunk past the cap, no more
    assert read_limited([b"ab", b"cd"], limit=4) == b"abcd"
    with pytest.raises(ResponseTooLargeError):
        read_limited([b"ab", b"cde"], limit=4)


@pytest.mark.checklist("A4", "M1")
def test_an_endless_async_stream_stops_at_the_cap() -> None:
    pulled: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for index in itertools.count():
            pulled.append(index)
            yield b"x" * 65536

    async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    with pytest.raises(ResponseTooLargeError):
        asyncio.run(aread_limited(endless()))
    assert len(pulled) == MAX_BODY_BYTES // 65536 + 1  # one chunk past the cap, no more
    assert asyncio.run(aread_limited(chunks(b"ab", b"cd"), limit=4)) == b"abcd"
    with pytest.raises(ResponseTooLargeError):
        asyncio.run(aread_limited(chunks(b"ab", b"cde"), limit=4))
    big = b"y" * (MAX_BODY_BYTES + 1)
    assert asyncio.run(aread_limited(chunks(big, b"z"), limit=None)) == big + b"z"
    assert read_limited([big, b"z"], limit=None) == big + b"z"


@pytest.mark.checklist("A5", "M2")
def test_the_cap_counts_decoded_bytes() -> None:
    bomb = gzip.compress(b"\0" * (4 * MAX_BODY_BYTES))
    assert len(bomb) < 10_000
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def decoded() -> Iterator[bytes]:
        for start in range(0, len(bomb), 1024):
            yield decoder.decompress(bomb[start : start + 1024], 65536)
            while decoder.unconsumed_tail:
                yield decoder.decompress(decoder.unconsumed_tail, 65536)

    with pytest.raises(ResponseTooLargeError):
        read_limited(decoded())


@pytest.mark.checklist("A5")
@pytest.mark.parametrize(
    ("headers", "ok"),
    [
        ((("Content-Encoding", "gzip"),), True),
        ((("Content-Encoding", "gzip, br"),), True),
        ((("Content-Encoding", "gzip, gzip, gzip"),), False),
        ((("content-encoding", "gzip"), ("CONTENT-ENCODING", "gzip, br")), False),
        ((("Content-Encoding", "identity, gzip, identity"),), True),
        ((), True),
    ],
)
def test_stacked_codings(headers: tuple[tuple[str, str], ...], ok: bool) -> None:
    if ok:
        check_content_codings(headers)
    else:
        with pytest.raises(ResponseTooLargeError):
            check_content_codings(headers)

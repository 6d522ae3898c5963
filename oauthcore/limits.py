"""Body-size limits the adapters apply while reading a response (checklist A4, A5, M1, M2).

The core parses bodies it is given; reading them is I/O. These helpers are what every adapter
calls so the rules are written once: the cap counts **decoded** octets (after gzip, deflate
or br), it is checked chunk by chunk so memory stays under the cap plus one chunk, and a
response stacking more content-codings than :data:`MAX_CODINGS` is refused before any
decoding (cf. urllib3 CVE-2025-66418).

Pure; imports no HTTP client.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable

from .errors import ResponseTooLargeError
from .http import Headers

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_CODINGS",
    "aread_limited",
    "check_content_codings",
    "read_limited",
]

MAX_BODY_BYTES = 1024 * 1024
"""Default cap on a token, metadata or error body, after decompression (1 MiB)."""

MAX_CODINGS = 2
"""Most content-codings accepted on one response (``gzip``, ``gzip, br``, ...)."""


def check_content_codings(headers: Headers, *, max_codings: int = MAX_CODINGS) -> None:
    """Refuse a response whose ``Content-Encoding`` stacks more than ``max_codings`` codings.

    Every ``Content-Encoding`` field counts, each comma-separated member of each (RFC 9110
    §8.4); ``identity`` does not.
    """
    codings = [
        member.strip().lower()
        for name, value in headers
        if name.lower() == "content-encoding"
        for member in value.split(",")
    ]
    if len([c for c in codings if c and c != "identity"]) > max_codings:
        raise ResponseTooLargeError(f"more than {max_codings} content-codings (checklist A5)")


def read_limited(chunks: Iterable[bytes], *, limit: int | None = MAX_BODY_BYTES) -> bytes:
    """Join decoded body ``chunks``, refusing the body once it exceeds ``limit`` bytes.

    Reading stops at the first chunk past the limit, so an endless or lying stream costs at
    most ``limit`` plus one chunk of memory (checklist A4). ``limit=None`` reads it all.
    """
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if limit is not None and size > limit:
            raise _too_large(limit)
        parts.append(chunk)
    return b"".join(parts)


async def aread_limited(
    chunks: AsyncIterable[bytes], *, limit: int | None = MAX_BODY_BYTES
) -> bytes:
    """:func:`read_limited` for the chunks of an asynchronous response."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if limit is not None and size > limit:
            raise _too_large(limit)
        parts.append(chunk)
    return b"".join(parts)


def _too_large(limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(f"response body larger than {limit} bytes (checklist A4)")

"""Neutral HTTP request and response values shared by the core, the flows and the adapters.

A :class:`Request` is what the core builds and signs and what an adapter sends; a
:class:`Response` is what an adapter hands back. Both are frozen: signing returns a new Request.
Header names compare case-insensitively; values that could split a header or a request line
(CR, LF, NUL and the other controls) are refused when the value is built (checklist E1), so
nothing an adapter sends can carry an injected header.

This module imports nothing but the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .errors import ConfigurationError

__all__ = ["Headers", "Request", "Response", "build_headers"]

Headers = tuple[tuple[str, str], ...]
"""Header fields in order, as (name, value) pairs; a name may repeat."""

# RFC 9110 §5.1 field-name = token; §5.5 field-value has no CTL but HTAB.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_BAD_URL = re.compile(r"[\x00-\x20\x7f]")


def build_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> Headers:
    """Return ``headers`` (a mapping or pairs) as the immutable pairs a Request holds."""
    if headers is None:
        return ()
    items = headers.items() if isinstance(headers, Mapping) else headers
    return tuple((str(name), str(value)) for name, value in items)


def _check_headers(headers: Headers) -> None:
    for name, value in headers:
        if not _TOKEN.fullmatch(name):
            raise ConfigurationError(f"header name {name[:40]!r} is not an RFC 9110 token")
        if _BAD_VALUE.search(value):
            raise ConfigurationError(f"value of header {name!r} contains a control character")


_SENSITIVE_HEADERS = frozenset(("authorization", "proxy-authorization", "cookie", "set-cookie"))


def _redacted_headers(headers: Headers) -> Headers:
    return tuple(
        (name, "***") if name.lower() in _SENSITIVE_HEADERS else (name, value)
        for name, value in headers
    )


def _redacted_url(url: str) -> str:
    # Query values may be signatures, tokens or codes: a repr keeps only their names.
    base, sep, query = url.partition("?")
    if not sep:
        return base
    names = (part.partition("=")[0] for part in query.partition("#")[0].split("&"))
    return base + "?" + "&".join(f"{name}=***" for name in names if name)


def _get(headers: Headers, name: str) -> str | None:
    name = name.lower()
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """An HTTP request: method, absolute URL, header pairs and body bytes."""

    method: str
    url: str
    headers: Headers = ()
    body: bytes = field(default=b"", repr=False)

    def __repr__(self) -> str:
        return (
            f"Request(method={self.method!r}, url={_redacted_url(self.url)!r}, "
            f"headers={_redacted_headers(self.headers)!r}, body=<{len(self.body)} bytes>)"
        )

    def __post_init__(self) -> None:
        if not _TOKEN.fullmatch(self.method):
            raise ConfigurationError("HTTP method is not an RFC 9110 token")
        if _BAD_URL.search(self.url):
            raise ConfigurationError("URL contains a space or a control character")
        _check_headers(self.headers)

    @classmethod
    def build(
        cls,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        body: bytes | str = b"",
    ) -> Request:
        """Return a Request from friendlier inputs: a header mapping, a ``str`` body (UTF-8)."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        return cls(method=method, url=url, headers=build_headers(headers), body=body)

    def header(self, name: str) -> str | None:
        """Return the first value of header ``name`` (any letter case), or None."""
        return _get(self.headers, name)

    def with_header(self, name: str, value: str) -> Request:
        """Return a copy with every ``name`` header (any case) replaced by one ``value``."""
        lower = name.lower()
        kept = tuple(pair for pair in self.headers if pair[0].lower() != lower)
        return Request(
            method=self.method, url=self.url, headers=(*kept, (name, value)), body=self.body
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    """An HTTP response: status, header pairs and the (already size-capped) body bytes."""

    status: int
    headers: Headers = ()
    body: bytes = field(default=b"", repr=False)

    def header(self, name: str) -> str | None:
        """Return the first value of header ``name`` (any letter case), or None."""
        return _get(self.headers, name)

    def __repr__(self) -> str:
        return (
            f"Response(status={self.status}, headers={_redacted_headers(self.headers)!r}, "
            f"body=<{len(self.body)} bytes>)"
        )

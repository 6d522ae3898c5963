"""Neutral HTTP request and response values shared by the core, the flows and the adapters.

A :class:`Request` is what the core builds and signs and what an adapter sends; a
:class:`Response` is what an adapter hands back. Both are frozen: signing returns a new Request.
Header names compare case-insensitively; values that could split a header or a request line
(CR, LF, NUL and the other controls) are refused when the value is built (checklist E1), so
nothing an adapter sends can carry an injected header.

This module imports nothing but the standard library.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import Field, dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar

from .errors import ConfigurationError

__all__ = [
    "FORM_URLENCODED",
    "Headers",
    "Request",
    "Response",
    "build_headers",
    "has_control",
    "is_form_content_type",
    "is_token",
]

Headers = tuple[tuple[str, str], ...]
"""Header fields in order, as (name, value) pairs; a name may repeat."""

# RFC 9110 §5.6.2 tchar: what a method and a field name are made of.
TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


# Methods and field names seen on every request: tokens, known without looking.
_COMMON_TOKENS = frozenset(
    (
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
        "Accept", "Authorization", "Content-Type", "Content-Length", "User-Agent", "Host",
    )
)  # fmt: skip


def is_token(text: str) -> bool:
    """True if ``text`` is a non-empty RFC 9110 token (``str.strip`` leaves nothing over)."""
    return text in _COMMON_TOKENS or (bool(text) and not text.strip(TCHARS))


def has_control(text: str, *, allow_tab: bool = False) -> bool:
    """True if ``text`` holds an ASCII control character (C0 or DEL; checklist E1).

    ``allow_tab`` exempts HTAB, which a field value may hold (RFC 9110 §5.5).
    """
    if text.isprintable():  # fast path; it is also False for other, harmless characters
        return False
    return any((ch < " " and not (allow_tab and ch == "\t")) or ch == "\x7f" for ch in text)


FORM_URLENCODED = "application/x-www-form-urlencoded"
"""The form media type: OAuth 1.0a signs its parameters, OAuth 2.0 sends token requests in it."""


def is_form_content_type(content_type: str | None) -> bool:
    """True if ``content_type`` is ``application/x-www-form-urlencoded``, parameters allowed.

    The media type compares without regard to letter case (RFC 9110 §8.3.1), so
    ``charset=...`` and odd casing from clients still count as a form body.
    """
    if content_type is None:
        return False
    if content_type == FORM_URLENCODED:
        return True
    return content_type.partition(";")[0].strip().lower() == FORM_URLENCODED


def build_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> Headers:
    """Return ``headers`` (a mapping or pairs) as the immutable pairs a Request holds."""
    if headers is None:
        return ()
    items = headers.items() if isinstance(headers, Mapping) else headers
    pairs = tuple((name, value) for name, value in items)
    for name, value in pairs:
        if not (isinstance(name, str) and isinstance(value, str)):
            raise TypeError("header names and values must be str")
    return pairs


_LONG = 80
# The ASCII octets a header value may hold: printable ones and HTAB (RFC 9110 §5.5).
# Deleting them from a value leaves nothing exactly when it holds no control character.
_FIELD_OCTETS = bytes(range(0x20, 0x7F)) + b"\t"


def _check_headers(headers: Headers) -> None:
    # Exactly a tuple of (str, str) tuples: a list given here could be changed after the
    # check and smuggle a CRLF in (checklist E1).
    if type(headers) is not tuple:
        raise TypeError("headers must be a tuple of (name, value) tuples; see build_headers")
    for pair in headers:
        if type(pair) is not tuple or len(pair) != 2:
            raise TypeError("each header must be a (name, value) tuple")
        name, value = pair
        # The common cases first, without a call: a known name, a value of printable text
        # (long ASCII values, such as a signed Authorization header, checked in one C pass
        # over their octets: isprintable looks each character up in the Unicode tables).
        if (
            type(name) is str
            and name in _COMMON_TOKENS
            and type(value) is str
            and (
                value.isprintable()
                if len(value) < _LONG or not value.isascii()
                else not value.encode("ascii").translate(None, _FIELD_OCTETS)
            )
        ):
            continue
        if type(name) is not str or type(value) is not str:
            raise TypeError("header names and values must be str")
        if not is_token(name):
            raise ConfigurationError(f"header name {name[:40]!r} is not an RFC 9110 token")
        if not value.isprintable() and has_control(value, allow_tab=True):
            raise ConfigurationError(f"value of header {name!r} contains a control character")


_SENSITIVE_HEADERS = frozenset(("authorization", "proxy-authorization", "cookie", "set-cookie"))


def _redacted_headers(headers: Headers) -> Headers:
    return tuple(
        (name, "***") if name.lower() in _SENSITIVE_HEADERS else (name, value)
        for name, value in headers
    )


def _redacted_url(url: str) -> str:
    # Query values may be signatures, tokens or codes, userinfo a password, a fragment an
    # implicit-grant token: a repr keeps the query's names and nothing of the rest.
    url, has_fragment, _ = url.partition("#")
    base, sep, query = url.partition("?")
    scheme, slashes, rest = base.partition("://")
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        base = f"{scheme}{slashes}***@{authority.rpartition('@')[2]}{slash}{path}"
    names = (part.partition("=")[0] for part in query.split("&"))
    redacted = base + "?" + "&".join(f"{name}=***" for name in names if name) if sep else base
    return redacted + "#***" if has_fragment else redacted


def _get(headers: Headers, name: str) -> str | None:
    name = name.lower()
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


class FieldValue:
    """Equality, hashing and ``repr`` by field, for frozen dataclass values on the import path.

    ``@dataclass(eq=False, repr=False)`` plus this base behaves as ``@dataclass(eq=True,
    frozen=True)`` does: equal when of the same class with equal fields, hashed on the fields,
    shown with the fields whose ``repr`` is not False. Written once here rather than generated
    per class, because dataclass compiles each generated method when the module is imported
    (about 0.1 ms a method): ``import oauthcore.oauth1`` is benchmarked (``make bench``).
    """

    __slots__ = ()
    if TYPE_CHECKING:  # set by @dataclass on each subclass
        __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def _fields(self) -> tuple[object, ...]:
        names: tuple[str, ...] = type(self).__slots__
        return tuple(getattr(self, name) for name in names)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldValue) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{item.name}={getattr(self, item.name)!r}" for item in fields(self) if item.repr
        )
        return f"{type(self).__qualname__}({shown})"


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Request(FieldValue):
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
        if self.method not in _COMMON_TOKENS and not is_token(self.method):
            raise ConfigurationError("HTTP method is not an RFC 9110 token")
        url = self.url
        if " " in url or (not url.isprintable() and has_control(url)):
            raise ConfigurationError("URL contains a space or a control character")
        headers = self.headers
        if headers:
            _check_headers(headers)

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


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class Response(FieldValue):
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

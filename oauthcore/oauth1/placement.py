"""Where the OAuth protocol parameters travel: header, query or form body.

RFC 5849 §3.5: §3.5.1 the ``Authorization: OAuth ...`` header (``realm`` as an RFC 2617
quoted-string, the other parameters percent-encoded and double-quoted), §3.5.2 the form body,
§3.5.3 the query component.

Pure functions; imports no HTTP client, reads no clock and no randomness.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum

from .._encoding import percent_decode, percent_encode
from ..errors import ConfigurationError, ProtocolError

__all__ = [
    "Placement",
    "build_authorization_header",
    "is_form_content_type",
    "parse_authorization_header",
]

MAX_HEADER_LENGTH = 8192
"""Longest ``Authorization`` value :func:`parse_authorization_header` reads (checklist M1)."""


class Placement(str, Enum):
    """Where :func:`~oauthcore.oauth1.sign_request` puts the protocol parameters (§3.5)."""

    HEADER = "header"
    BODY = "body"
    QUERY = "query"

    def __str__(self) -> str:
        return self.value


_FORM_TYPE = re.compile(r"\s*application/x-www-form-urlencoded\s*(;.*)?", re.IGNORECASE | re.DOTALL)
# realm is an RFC 2617 quoted-string: printable ASCII, with '"' and '\' escaped.
_REALM_OK = re.compile(r"[\x20-\x7e]*").fullmatch
_REALM_ESCAPE = re.compile(r'(["\\])')


def is_form_content_type(content_type: str | None) -> bool:
    """True if ``content_type`` is ``application/x-www-form-urlencoded``, parameters allowed.

    The comparison ignores letter case (RFC 9110 §8.3.1), so ``charset=...`` and odd casing
    from clients still count as a form body whose parameters are signed (§3.4.1.3.1).
    """
    return content_type is not None and _FORM_TYPE.fullmatch(content_type) is not None


def build_authorization_header(
    params: Iterable[tuple[str, str]], *, realm: str | None = None
) -> str:
    """Return the ``Authorization`` header value carrying decoded ``params`` (RFC 5849 §3.5.1).

    ``realm`` is written first as a quoted-string (``"`` and ``\\`` escaped); a realm with a
    control or non-ASCII character raises ConfigurationError (checklist E2).
    """
    encoded = [(percent_encode(name), percent_encode(value)) for name, value in params]
    return authorization_header_from_encoded(encoded, realm=realm)


def authorization_header_from_encoded(
    encoded: Iterable[tuple[str, str]], *, realm: str | None = None
) -> str:
    """Like :func:`build_authorization_header`, for parameters already percent-encoded."""
    parts = [f'{name}="{value}"' for name, value in encoded]
    if realm is not None:
        if not _REALM_OK(realm):
            raise ConfigurationError(
                "realm must be printable ASCII (RFC 5849 §3.5.1, RFC 2617 quoted-string)"
            )
        escaped = _REALM_ESCAPE.sub(r"\\\1", realm)
        parts.insert(0, f'realm="{escaped}"')
    return "OAuth " + ", ".join(parts)


# One auth-param: token "=" ( quoted-string / token ), then "," or the end. The quoted-string
# alternatives are disjoint, so matching is linear in the input (checklist M4).
_PARAM = re.compile(
    r"[ \t]*([!#$%&\'*+\-.^_`|~0-9A-Za-z]+)[ \t]*=[ \t]*"
    r'(?:"((?:[^"\\\x00-\x1f\x7f]|\\[\x20-\x7e])*)"|([!#$%&\'*+\-.^_`|~0-9A-Za-z]*))'
    r"[ \t]*(?:,|\Z)"
)
_SCHEME = re.compile(r"OAuth[ \t]+", re.IGNORECASE)
_UNESCAPE = re.compile(r"\\(.)")


def parse_authorization_header(value: str) -> tuple[str | None, list[tuple[str, str]]]:
    """Parse an ``OAuth`` authorization header into ``(realm, params)`` (RFC 5849 §3.5.1).

    The scheme is matched case-insensitively; values are percent-decoded, except ``realm``,
    which is a quoted-string. Every parameter is returned in order, duplicates included, so the
    caller can refuse them. Malformed input raises :class:`~oauthcore.ProtocolError`.
    """
    if len(value) > MAX_HEADER_LENGTH:
        raise ProtocolError(f"Authorization header longer than {MAX_HEADER_LENGTH} characters")
    scheme = _SCHEME.match(value)
    if scheme is None:
        raise ProtocolError("Authorization header does not use the OAuth scheme (RFC 5849 §3.5.1)")
    realm: str | None = None
    params: list[tuple[str, str]] = []
    pos, end = scheme.end(), len(value.rstrip(" \t"))
    while pos < end:
        match = _PARAM.match(value, pos, end)
        if match is None:
            raise ProtocolError("Authorization header parameters are malformed (RFC 5849 §3.5.1)")
        name, quoted, token = match.groups()
        raw = token if quoted is None else quoted
        if name == "realm":
            if realm is not None:
                raise ProtocolError("duplicated realm in Authorization header")
            realm = _UNESCAPE.sub(r"\1", raw)
        else:
            params.append((percent_decode(name), percent_decode(raw)))
        pos = match.end()
    return realm, params

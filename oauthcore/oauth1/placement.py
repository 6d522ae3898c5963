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
from functools import cache

from .._encoding import form_pairs_encoded, percent_decode, percent_encode
from ..errors import ConfigurationError, ProtocolError
from ..http import FORM_URLENCODED, Request, is_form_content_type

__all__ = [
    "Placement",
    "build_authorization_header",
    "is_form_content_type",
    "is_signed",
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


def is_signed(request: Request) -> bool:
    """True if ``request`` already carries ``oauth_signature`` in any of the three places.

    The header (an ``OAuth`` scheme), the query, or a form-encoded body (§3.5). Signing such a
    request again would put protocol parameters in two places.
    """
    header = request.header("Authorization") or ""
    if header[:5].lower() == "oauth" and "oauth_signature" in header:
        return True
    query = request.url.partition("#")[0].partition("?")[2]
    if any(name == "oauth_signature" for name, _ in form_pairs_encoded(query)):
        return True
    if is_form_content_type(request.header("Content-Type")) and request.body.isascii():
        body = form_pairs_encoded(request.body.decode("ascii"))
        return any(name == "oauth_signature" for name, _ in body)
    return False


def build_authorization_header(
    params: Iterable[tuple[str, str]], *, realm: str | None = None
) -> str:
    """Return the ``Authorization`` header value carrying decoded ``params`` (RFC 5849 §3.5.1).

    ``realm`` is written first as a quoted-string (``"`` and ``\\`` escaped); a realm with a
    control or non-ASCII character raises ConfigurationError (checklist E2).
    """
    encoded = []
    for name, value in params:
        if not name or name == "realm":
            raise ConfigurationError("a header parameter needs a name other than realm (§3.5.1)")
        encoded.append((percent_encode(name), percent_encode(value)))
    return authorization_header_from_encoded(encoded, realm=realm)


def authorization_header_from_encoded(
    encoded: Iterable[tuple[str, str]], *, realm: str | None = None
) -> str:
    """Like :func:`build_authorization_header`, for parameters already percent-encoded."""
    if realm is None:  # the common case, in one join
        joined = '", '.join(map('="'.join, encoded))
        return f'OAuth {joined}"' if joined else "OAuth "
    parts = [f'{name}="{value}"' for name, value in encoded]
    if realm is not None:
        # realm is an RFC 2617 quoted-string: printable ASCII, with '"' and '\' escaped.
        if not (realm.isascii() and realm.isprintable()):
            raise ConfigurationError(
                "realm must be printable ASCII (RFC 5849 §3.5.1, RFC 2617 quoted-string)"
            )
        escaped = realm.replace("\\", "\\\\").replace('"', '\\"')
        parts.insert(0, f'realm="{escaped}"')
    return "OAuth " + ", ".join(parts)


def place_encoded(
    request: Request,
    url: str,
    oauth: list[tuple[str, str]],
    placement: Placement,
    *,
    realm: str | None,
    is_form: bool,
) -> Request:
    """Return ``request`` sent to ``url`` with the encoded protocol parameters ``oauth`` placed.

    The signing path's last step (§3.5): the parameters are already percent-encoded, so they
    are joined as they are. ``is_form`` says the request's body is form-encoded.
    """
    headers = request.headers
    if placement is _HEADER:
        value = authorization_header_from_encoded(oauth, realm=realm)
        for name, _ in headers:  # usually none: then no new tuple is needed to drop it
            if name.lower() == "authorization":
                headers = tuple(pair for pair in headers if pair[0].lower() != "authorization")
                break
        return Request(
            method=request.method,
            url=url,
            headers=(*headers, ("Authorization", value)),
            body=request.body,
        )
    if realm is not None:
        raise ConfigurationError("realm is only sent in the Authorization header (§3.5.1)")
    encoded = "&".join([f"{name}={value}" for name, value in oauth])
    # Never leave OAuth parameters in two places (§3.5): drop an old OAuth header.
    headers = tuple(
        pair
        for pair in headers
        if not (pair[0].lower() == "authorization" and pair[1][:6].lower() == "oauth ")
    )
    if placement is _QUERY:
        separator = "&" if "?" in url else "?"
        return Request(
            method=request.method,
            url=url + separator + encoded,
            headers=headers,
            body=request.body,
        )
    if is_form and request.body:
        body = request.body + b"&" + encoded.encode("ascii")
    else:  # no body (sign_request refused any other): it becomes the form, of that one type
        body = encoded.encode("ascii")
        headers = tuple(pair for pair in headers if pair[0].lower() != "content-type")
        headers = (*headers, ("Content-Type", FORM_URLENCODED))
    return Request(method=request.method, url=url, headers=headers, body=body)


# Enum members read once: attribute access on an Enum class is a descriptor call per use.
_HEADER, _QUERY, _BODY = Placement.HEADER, Placement.QUERY, Placement.BODY


@cache
def _parser() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Compile the header parser's patterns on first use (signing never needs them)."""
    # One auth-param: token "=" ( quoted-string / token ), then "," or the end. The
    # quoted-string alternatives are disjoint, so matching is linear (checklist M4).
    param = re.compile(
        r"[ \t]*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*=[ \t]*"
        r'(?:"((?:[^"\\\x00-\x1f\x7f]|\\[\x20-\x7e])*)"|([!#$%&\'*+\-.^_`|~0-9A-Za-z]*))'
        r"[ \t]*(?:,|\Z)"
    )
    return param, re.compile(r"OAuth[ \t]+", re.IGNORECASE), re.compile(r"\\(.)")


def parse_authorization_header(value: str) -> tuple[str | None, list[tuple[str, str]]]:
    """Parse an ``OAuth`` authorization header into ``(realm, params)`` (RFC 5849 §3.5.1).

    The scheme is matched case-insensitively; values are percent-decoded, except ``realm``,
    which is a quoted-string. Every parameter is returned in order, duplicates included, so the
    caller can refuse them. Malformed input raises :class:`~oauthcore.ProtocolError`.
    """
    if len(value) > MAX_HEADER_LENGTH:
        raise ProtocolError(f"Authorization header longer than {MAX_HEADER_LENGTH} characters")
    param, scheme_pattern, unescape = _parser()
    scheme = scheme_pattern.match(value)
    if scheme is None:
        raise ProtocolError("Authorization header does not use the OAuth scheme (RFC 5849 §3.5.1)")
    realm: str | None = None
    params: list[tuple[str, str]] = []
    pos, end = scheme.end(), len(value.rstrip(" \t"))
    while pos < end:
        match = param.match(value, pos, end)
        if match is None:
            raise ProtocolError("Authorization header parameters are malformed (RFC 5849 §3.5.1)")
        name, quoted, token = match.groups()
        # A quoted-string's quoted-pairs stand for the character itself (RFC 9110 §5.6.4).
        raw = token if quoted is None else unescape.sub(r"\1", quoted)
        if name.lower() == "realm":  # auth-param names are case-insensitive
            if realm is not None:
                raise ProtocolError("duplicated realm in Authorization header")
            realm = raw
        else:
            params.append((percent_decode(name), percent_decode(raw)))
        pos = match.end()
    return realm, params

"""Percent-encoding and the form and header-parameter codecs.

RFC 5849 §3.6 (percent-encoding: UTF-8, then everything outside the RFC 3986 unreserved set
as ``%XX`` with upper-case hex), the W3C ``application/x-www-form-urlencoded`` decoding RFC 5849
§3.4.1.3.1 prescribes for query and body parameters, and the ``OAuth`` authorization header
parameter syntax of RFC 5849 §3.5.1.

This module imports nothing but the standard library.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import unquote_to_bytes

from .errors import ConfigurationError, ProtocolError

__all__ = [
    "NOT_JSON",
    "decode_form",
    "encode_encoded",
    "encode_form",
    "form_pairs_encoded",
    "load_json",
    "percent_decode",
    "percent_encode",
]

# Every ASCII character outside the unreserved set, and its %XX form.
_RESERVED_ASCII = re.compile(r"[^A-Za-z0-9\-._~]")
_ASCII_ESCAPES = {chr(code): f"%{code:02X}" for code in range(128)}


# Every octet as RFC 5849 §3.6 writes it, for str.translate over latin-1 decoded bytes.
_OCTETS = {code: f"%{code:02X}" for code in range(256) if _RESERVED_ASCII.match(chr(code))}


def _escape(match: re.Match[str]) -> str:
    return _ASCII_ESCAPES[match.group()]


def percent_encode(value: str) -> str:
    """Percent-encode ``value`` as RFC 5849 §3.6 requires.

    The value is UTF-8 encoded, then every octet outside ``ALPHA / DIGIT / "-" / "." / "_" /
    "~"`` is written ``%XX`` with upper-case hex digits. A lone surrogate (which has no UTF-8
    form) raises :class:`~oauthcore.ConfigurationError`.
    """
    if value.isascii():  # the common case, without a round trip through bytes
        if value.isalnum():
            return value
        return _RESERVED_ASCII.sub(_escape, value)
    raw = utf8(value)
    if raw is None:
        raise ConfigurationError("value is not encodable as UTF-8 (lone surrogate) (RFC 5849 §3.6)")
    return raw.decode("latin-1").translate(_OCTETS)


# The helpers below turn a codec failure into None. The caller raises its own error outside
# any ``except`` block, so no UnicodeError (whose args hold the whole input, perhaps a secret
# or a response body) is chained to it as __cause__ or __context__ (checklist I4).


def utf8(text: str) -> bytes | None:
    """Return ``text`` as UTF-8, or None if it holds a lone surrogate."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def _unquote(text: str) -> bytes | None:
    try:
        return unquote_to_bytes(text)
    except UnicodeEncodeError:  # a lone surrogate beside the escapes
        return None


def _from_utf8(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def encode_encoded(value: str) -> str:
    """Percent-encode ``value`` that holds only unreserved characters, ``%``, ``&`` and ``=``.

    That is the alphabet of a normalised parameter string (RFC 5849 §3.4.1.3.2), which the base
    string encodes once more (§3.4.1.1 step 5): three replacements give what
    :func:`percent_encode` would, without the general machinery.
    """
    return value.replace("%", "%25").replace("&", "%26").replace("=", "%3D")


def percent_decode(value: str) -> str:
    """Decode ``%XX`` escapes, then UTF-8 (RFC 5849 §3.6); ``+`` is left as is.

    A ``%`` not followed by two hex digits is malformed and raises ProtocolError.
    """
    if "%" not in value:
        return value
    if _MALFORMED_ESCAPE(value):
        raise ProtocolError("malformed percent-escape (RFC 3986 §2.1)")
    raw = _unquote(value)
    decoded = None if raw is None else _from_utf8(raw)
    if decoded is None:
        raise ProtocolError("percent-encoded value is not UTF-8 (RFC 5849 §3.6)")
    return decoded


_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})").search
_UNRESERVED_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
# A "%" that does not start an upper-case escape of an octet outside the unreserved set
# (%41 would have to become "A", %7e "~"). Searching for it is a fast literal scan.
_NON_CANONICAL_ESCAPE = re.compile(
    r"%(?!(?:[01][0-9A-F]|2[0-9A-CF]|3[A-F]|40|5[B-E]|60|7[B-DF]|[89A-F][0-9A-F]))"
).search


def _is_canonical(text: str, alphabet: str = _UNRESERVED_CHARS + "%") -> bool:
    """True if ``text`` is already in RFC 5849 §3.6 form: of ``alphabet``, escapes canonical."""
    # str.strip removes every leading and trailing character of the set: nothing is left
    # over exactly when every character is in it.
    return not text.strip(alphabet) and not _NON_CANONICAL_ESCAPE(text)


_FORM_ALPHABET = _UNRESERVED_CHARS + "%&="


def form_pairs_encoded(text: str, *, max_params: int | None = None) -> list[tuple[str, str]]:
    """Return the pairs of a form-encoded ``text``, each re-encoded per RFC 5849 §3.6.

    This is the lossless path the signature base string needs (RFC 5849 §3.4.1.3.1): names and
    values are form-decoded to octets (``+`` is a space) and percent-encoded again, so any octet
    sequence, UTF-8 or not, survives. Only ``&`` separates pairs (``;`` is data, checklist F9);
    empty pairs are skipped; a pair without ``=`` has an empty value.
    """
    if not text:
        return []
    escaped = "%" in text  # before "+" becomes "%20", an escape known to be canonical
    if "+" in text:
        text = text.replace("+", "%20")
    parts = text.split("&")
    if max_params is not None and len(parts) > max_params:
        raise ProtocolError(f"more than {max_params} form parameters (checklist F8)")
    pairs: list[tuple[str, str]] = []
    # The usual case, already canonical: one scan of the text (_is_canonical inlined), and
    # the escape check only when the text came with escapes of its own.
    if not text.strip(_FORM_ALPHABET) and not (escaped and _NON_CANONICAL_ESCAPE(text)):
        for part in parts:
            if part:
                name, _, value = part.partition("=")
                pairs.append((name, value.replace("=", "%3D")))
        return pairs
    for part in parts:
        if part:
            name, _, value = part.partition("=")
            pairs.append((_reencode(name), _reencode(value)))
    return pairs


def _reencode(text: str) -> str:
    # A "+" was already rewritten as %20 by form_pairs_encoded.
    if _is_canonical(text):
        return text
    if "%" not in text and text.isascii():
        return _RESERVED_ASCII.sub(_escape, text)
    # Anything outside ASCII in a raw form string is taken as UTF-8 text.
    raw = _unquote(text)
    if raw is None:
        raise ConfigurationError("form data is not encodable as UTF-8 (lone surrogate)")
    return raw.decode("latin-1").translate(_OCTETS)


def decode_form(data: str | bytes, *, max_params: int | None = None) -> list[tuple[str, str]]:
    """Decode ``application/x-www-form-urlencoded`` data into (name, value) strings.

    Bytes must be ASCII, escapes must decode as UTF-8; anything else raises
    :class:`~oauthcore.ProtocolError` without quoting the data.
    """
    if isinstance(data, bytes):
        if not data.isascii():
            raise ProtocolError("form-encoded data is not ASCII")
        data = data.decode("ascii")
    pairs: list[tuple[str, str]] = []
    if not data:
        return pairs
    parts = data.split("&")
    if max_params is not None and len(parts) > max_params:
        raise ProtocolError(f"more than {max_params} form parameters (checklist F8)")
    for part in parts:
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((_form_decode(name), _form_decode(value)))
    return pairs


def _form_decode(text: str) -> str:
    if "+" in text:
        text = text.replace("+", " ")
    return percent_decode(text)


def encode_form(pairs: Iterable[tuple[str, str]]) -> str:
    """Form-encode ``pairs`` using RFC 5849 §3.6 percent-encoding (space as ``%20``)."""
    return "&".join(f"{percent_encode(name)}={percent_encode(value)}" for name, value in pairs)


NOT_JSON = object()
"""What :func:`load_json` returns for a body it cannot use."""


class _RepeatedMember(Exception):
    pass


def _unique_members(pairs: list[tuple[str, object]]) -> dict[str, object]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise _RepeatedMember
    return members


def load_json(data: bytes | str) -> object:
    """Decode strict UTF-8 JSON, refusing repeated members; :data:`NOT_JSON` if unusable.

    A repeated member counts as malformed (RFC 8259 §4 leaves it undefined; neither value is
    taken). The sentinel lets the caller raise its own error outside this ``except``: a
    decoding error holds the whole body, which must not ride along as context (checklist I4).
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text, object_pairs_hook=_unique_members)
    except (UnicodeDecodeError, ValueError, RecursionError, _RepeatedMember):
        return NOT_JSON

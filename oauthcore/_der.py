"""A strict DER reader and writer and the PEM armor around it.

Implemented: the subset of ITU-T X.690 DER (§8 basic encoding, §10 distinguished encoding) that
key formats use: low tag numbers only, definite minimal lengths (at most three length octets),
minimal INTEGERs, BIT STRINGs with no unused bits, OBJECT IDENTIFIERs, no trailing data and no
recursion; and the textual encoding of RFC 7468 (``-----BEGIN label-----`` armor, RFC 1421
headers skipped as §2 permits, strict base64 of RFC 4648 §4 with padding and no stray
characters).

Nothing here knows a key format: ``oauthcore.rsa`` names the structures. Failures raise
:class:`~oauthcore.errors.KeyFormatError` with messages phrased for key data (the only DER
oauthcore reads); they never contain the data itself.

This module imports nothing but the standard library.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterable

from .errors import KeyFormatError

__all__ = ["DerReader", "der_tlv", "pem_base64", "pem_begins", "pem_end", "pem_sections"]

_PEM_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9][A-Z0-9 ]{0,40})-----")
_BASE64 = re.compile(rb"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def der_tlv(tag: int, body: bytes) -> bytes:
    """Encode one DER element: ``tag``, the minimal definite length of ``body``, ``body``."""
    n = len(body)
    if n < 0x80:
        return bytes((tag, n)) + body
    size = (n.bit_length() + 7) // 8
    return bytes((tag, 0x80 | size)) + n.to_bytes(size, "big") + body


class DerReader:
    """A strict DER cursor over ``buf[pos:end]`` (X.690 §8, §10; low tag numbers only)."""

    __slots__ = ("buf", "end", "pos")

    def __init__(self, buf: bytes, pos: int = 0, end: int | None = None) -> None:
        self.buf, self.pos, self.end = buf, pos, len(buf) if end is None else end

    def at_end(self) -> bool:
        return self.pos >= self.end

    def _header(self) -> tuple[int, int, int]:
        """Return (tag, content start, content end) of the next element without consuming it."""
        buf, pos, end = self.buf, self.pos, self.end
        if pos + 2 > end:
            raise KeyFormatError("key DER is truncated")
        tag, first = buf[pos], buf[pos + 1]
        if tag & 0x1F == 0x1F:
            raise KeyFormatError("key DER uses an unsupported high tag number")
        pos += 2
        if first == 0x80:
            raise KeyFormatError("key DER uses an indefinite length (BER, not DER)")
        if first > 0x80:
            size = first & 0x7F
            if size > 3 or pos + size > end:
                raise KeyFormatError("key DER has an invalid length")
            length = int.from_bytes(buf[pos : pos + size], "big")
            if buf[pos] == 0 or length < 0x80:
                raise KeyFormatError("key DER has a non-minimal length")
            pos += size
        else:
            length = first
        if pos + length > end:
            raise KeyFormatError("key DER is truncated (a length runs past the end)")
        return tag, pos, pos + length

    def peek(self) -> int | None:
        return None if self.at_end() else self.buf[self.pos]

    def read(self, tag: int, what: str) -> tuple[int, int]:
        got, start, stop = self._header()
        if got != tag:
            raise KeyFormatError(f"key DER: expected {what}")
        self.pos = stop
        return start, stop

    def skip(self) -> int:
        tag, _, self.pos = self._header()
        return tag

    def seq(self, what: str, tag: int = 0x30) -> DerReader:
        return DerReader(self.buf, *self.read(tag, what))

    def integer(self, what: str, low: int = 1) -> int:
        body = self.octets(what, 0x02)
        if not body or (len(body) > 1 and body[0] == (0xFF if body[1] & 0x80 else 0)):
            raise KeyFormatError(f"key DER: {what} is not a minimal INTEGER")
        value = int.from_bytes(body, "big", signed=True)
        if value < low:
            raise KeyFormatError(f"key DER: {what} is negative or zero")
        return value

    def octets(self, what: str, tag: int = 0x04) -> bytes:
        start, stop = self.read(tag, what)
        return self.buf[start:stop]

    def bits(self, what: str) -> bytes:
        body = self.octets(what, 0x03)
        if not body or body[0] != 0:
            raise KeyFormatError(f"key DER: {what} must be a BIT STRING with no unused bits")
        return body[1:]

    def oid(self) -> str:
        body = self.octets("an OBJECT IDENTIFIER", 0x06)
        if not 0 < len(body) <= 64 or body[-1] & 0x80:
            raise KeyFormatError("key DER: malformed OBJECT IDENTIFIER")
        arcs: list[int] = []
        value, fresh = 0, True
        for byte in body:
            if fresh and byte == 0x80:
                raise KeyFormatError("key DER: non-minimal OBJECT IDENTIFIER")
            value, fresh = (value << 7) | (byte & 0x7F), not byte & 0x80
            if fresh:
                arcs.append(value)
                value = 0
        first = min(arcs[0] // 40, 2)
        return ".".join(map(str, [first, arcs[0] - 40 * first, *arcs[1:]]))

    def done(self, what: str) -> None:
        if not self.at_end():
            raise KeyFormatError(f"key DER: unexpected trailing data after {what}")


def pem_begins(raw: bytes) -> list[re.Match[bytes]]:
    """Return every ``-----BEGIN label-----`` line in ``raw``, in order; group 1 is the label."""
    return list(_PEM_BEGIN.finditer(raw))


def pem_end(raw: bytes, begin: re.Match[bytes]) -> int:
    """Return the offset of the END line that closes ``begin`` (RFC 7468 §2: same label)."""
    label = begin.group(1)
    end = raw.find(b"-----END " + label + b"-----", begin.end())
    if end < 0:
        raise KeyFormatError(f"PEM {label.decode()!r} block has no matching END line")
    return end


def pem_sections(text: bytes) -> tuple[list[bytes], list[bytes]]:
    """Split the text between BEGIN and END into RFC 1421 header lines and base64 lines."""
    lines = text.strip().splitlines()
    if lines and b":" in lines[0]:  # RFC 1421 headers, ignored as RFC 7468 §2 permits
        blank = next((i for i, line in enumerate(lines) if not line.strip()), None)
        if blank is None:
            raise KeyFormatError("PEM headers are not followed by a blank line")
        return lines[:blank], lines[blank + 1 :]
    return [], lines


def pem_base64(lines: Iterable[bytes]) -> bytes:
    """Decode a PEM body: whitespace dropped, then strict padded base64 (RFC 4648 §4) only."""
    b64 = b"".join(b"".join(lines).split())
    if not _BASE64.fullmatch(b64):
        raise KeyFormatError("PEM body is not valid base64")
    return binascii.a2b_base64(b64)

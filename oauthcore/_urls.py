"""URL parsing and validation shared by every protocol, and the transport-security policy.

One strict parser for every URL oauthcore signs or sends (checklist F1–F9): http(s) only, no
userinfo, a valid host (IDN U-labels turned into A-labels once, so the wire and the OAuth 1.0a
base string agree; IPv6 literals kept in brackets; zone ids refused), a numeric port in range.
The transport policy (checklist C1–C4, C8) accepts ``https`` and loopback ``http`` only; a
caller opts out per object or per call, never through the environment.

This module imports nothing but the standard library.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import SplitResult, urlsplit

from .errors import ConfigurationError, InsecureTransportError
from .http import has_control

__all__ = ["URL", "check_transport", "is_loopback_host", "parse_url"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Character sets checked with ``not text.strip(SET)``: nothing outside SET is left over.
_DIGITS = "0123456789"
_DNS_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-."
# RFC 3986 reg-name: unreserved / pct-encoded / sub-delims. A-labels are a subset.
_REG_NAME_CHARS = _DNS_CHARS + "_~!$&'()*+,;=%"
# RFC 3986 §3.3 path: pchar (unreserved / pct-encoded / sub-delims / ":" / "@") and "/".
_PATH_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/%"
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})").search


class URL(NamedTuple):
    """A validated absolute http(s) URL, its host lower-case and in ASCII form.

    A NamedTuple rather than a frozen dataclass: it is private, immutable all the same, and
    costs a fifth of a dataclass to define, which matters for import time.
    """

    scheme: str
    host: str
    port: int | None
    path: str
    query: str
    fragment: str

    @property
    def origin(self) -> str:
        """``scheme://host[:port]`` with the default port omitted."""
        if self.port is None or self.port == _DEFAULT_PORTS[self.scheme]:
            return f"{self.scheme}://{self.host}"
        return f"{self.scheme}://{self.host}:{self.port}"

    def without_fragment(self) -> str:
        """Return the URL as it is sent: the fragment never leaves the client (checklist F6)."""
        netloc = self.host if self.port is None else f"{self.host}:{self.port}"
        query = f"?{self.query}" if self.query else ""
        return f"{self.scheme}://{netloc}{self.path}{query}"


@lru_cache(maxsize=512)
def parse_url(url: str) -> URL:
    """Parse and validate an absolute http(s) URL; raise ConfigurationError if it is unusable.

    Leading or trailing blanks and control characters are refused, not stripped (checklist F1),
    so the result does not depend on the Python patch level. Results are memoised (a bounded
    LRU of 512): a client signs the same few URLs over and over.
    """
    if " " in url or has_control(url):
        raise ConfigurationError("URL contains a space or a control character (checklist F1)")
    parts = _split(url)
    if parts is None:
        raise ConfigurationError(
            "URL cannot be parsed: a malformed IPv6 literal, or an authority with characters "
            "that Unicode normalisation turns into separators (checklist F3, F4)"
        )
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ConfigurationError("URL scheme must be http or https")
    host, port = _split_authority(parts.netloc)
    if parts.path.strip(_PATH_CHARS) or _BAD_ESCAPE(parts.path):
        # A client library would percent-encode such a path before sending it, and the
        # signature would no longer match what is sent (checklist F7): say so now.
        raise ConfigurationError(
            "URL path has characters outside RFC 3986 (percent-encode them as UTF-8 first)"
        )
    return URL(scheme, host, port, parts.path, parts.query, parts.fragment)


def _split(url: str) -> SplitResult | None:
    # urlsplit refuses unbalanced brackets and netlocs that NFKC-normalise into separators
    # (CVE-2019-9636) with a message quoting the netloc, userinfo included: return None so
    # the caller's error is raised outside this block and chains none of that text.
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _split_authority(netloc: str) -> tuple[str, int | None]:
    if "@" in netloc:
        raise ConfigurationError("URL must not carry userinfo (checklist F2)")
    if netloc.startswith("["):
        end = netloc.find("]")
        host, rest = netloc[: end + 1], netloc[end + 1 :]
        _check_ipv6(host[1:-1])
        host = host.lower()
        if rest and not rest.startswith(":"):
            raise ConfigurationError("URL has characters after the IPv6 literal")
        port_text = rest[1:] if rest else None
    else:
        if netloc.count(":") > 1:
            raise ConfigurationError("URL authority has more than one ':'")
        host, sep, port_text_ = netloc.partition(":")
        port_text = port_text_ if sep else None
        host = _ascii_host(host)
    if not port_text:  # absent, or empty after ':' (RFC 3986 §3.2.3: the default)
        return host, None
    if len(port_text) > 5 or port_text.strip(_DIGITS) or not 0 < int(port_text) < 65536:
        raise ConfigurationError("URL port is not a number between 1 and 65535")
    return host, int(port_text)


def _check_ipv6(literal: str) -> None:
    import ipaddress  # deferred: rarely needed, costly to import

    if "%" in literal:
        raise ConfigurationError("IPv6 zone identifiers are not allowed in URLs (checklist F4)")
    try:
        ipaddress.IPv6Address(literal)
    except ValueError as exc:
        raise ConfigurationError("URL has a malformed IPv6 literal") from exc


def _ascii_host(host: str) -> str:
    if not host:
        raise ConfigurationError("URL has no host")
    if not host.isascii():
        host = _a_labels(host)
    host = host.lower()
    if host.strip(_REG_NAME_CHARS):
        raise ConfigurationError("URL host contains characters not allowed in a host")
    return host


def _a_labels(host: str) -> str:
    """Return an IDN host as A-labels, refusing any name the conversion would change.

    The stdlib codec is IDNA 2003, whose mapping turns ``faß.de`` into ``fass.de`` (another
    domain) and drops joiners: a request would be signed for, and sent to, a host the caller
    never named. Only names that convert back to themselves (letter case aside) pass.
    """
    import unicodedata  # deferred: only non-ASCII hosts need it

    ascii_host = _idna(host)
    if ascii_host is None or ascii_host.lower().strip(_DNS_CHARS):
        raise ConfigurationError("URL host is not a valid IDN name (checklist F3)")
    back = _idna_decode(ascii_host)
    if back is None or back != unicodedata.normalize("NFC", host).lower():
        raise ConfigurationError(
            "URL host would be changed by IDNA mapping; give its A-label form (checklist F3)"
        )
    return ascii_host


def _idna(host: str) -> str | None:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def _idna_decode(host: str) -> str | None:
    try:
        return host.encode("ascii").decode("idna").lower()
    except UnicodeError:
        return None


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and canonical loopback literals (127.0.0.0/8, ``[::1]``).

    Only the parsed, canonical forms count: ``127.1``, ``0x7f000001`` or ``2130706433`` do not
    (checklist C4). RFC 8252 §7.3 and §8.3.
    """
    if host in ("localhost", "localhost."):
        return True
    import ipaddress  # deferred: rarely needed, costly to import

    try:
        if host.startswith("["):
            address = ipaddress.IPv6Address(host[1:-1])
            mapped = address.ipv4_mapped
            return address.is_loopback or (mapped is not None and mapped.is_loopback)
        return ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        return False


def check_transport(url: URL, *, what: str, allow_insecure: bool = False) -> None:
    """Refuse a plain-http ``url`` unless it is loopback or ``allow_insecure`` is set.

    ``what`` names the endpoint kind for the message (never the URL's query).
    """
    if url.scheme == "https" or allow_insecure or is_loopback_host(url.host):
        return
    raise InsecureTransportError(
        f"{what} must use https (plain http is allowed only for loopback hosts, "
        f"or with allow_insecure_transport=True): {url.origin}"
    )

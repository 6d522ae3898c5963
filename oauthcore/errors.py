"""The oauthcore exception tree.

Every failure oauthcore reports is an :class:`OAuthError`. The tree is small, one class per thing a
caller would catch on its own::

    OAuthError
    ├── ConfigurationError (ValueError)      the caller's own input is malformed
    │   └── KeyFormatError                   key material that cannot be used
    ├── MissingDependencyError (ImportError) an optional extra is not installed
    ├── InsecureTransportError               plain http:// where TLS is required
    ├── ProtocolError (ValueError)           a peer sent something malformed
    │   └── TokenResponseError               ... in a token/credentials response
    └── VerificationError                    server side: a received request is refused
        ├── SignatureError                   ... because its signature does not verify
        └── ReplayError                      ... because its nonce was already used

Messages name the parameter and the RFC section; they never contain a secret, a token, a
signature or a base string. Text received from a peer is escaped and truncated first.

This module imports nothing but the standard library.
"""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "InsecureTransportError",
    "KeyFormatError",
    "MissingDependencyError",
    "OAuthError",
    "ProtocolError",
    "ReplayError",
    "SignatureError",
    "TokenResponseError",
    "VerificationError",
    "safe_text",
]

_MAX_TEXT = 256


def safe_text(text: str, *, limit: int = _MAX_TEXT) -> str:
    """Return peer-supplied ``text`` fit for a message: control characters escaped, truncated."""
    out = []
    for ch in text[:limit]:
        code = ord(ch)
        if code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        else:
            out.append(ch)
    suffix = "..." if len(text) > limit else ""
    return "".join(out) + suffix


class OAuthError(Exception):
    """Root of every error oauthcore raises."""


class ConfigurationError(OAuthError, ValueError):
    """The caller passed a value oauthcore cannot use (bad URL, CTL in a header value, ...)."""


class KeyFormatError(ConfigurationError):
    """Key material is unreadable, of the wrong kind, or too weak; raised when it is loaded."""


class MissingDependencyError(OAuthError, ImportError):
    """An optional dependency (an adapter's HTTP client) is not installed."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            f"{module!r} is not installed; install it with: pip install 'oauthcore[{extra}]'"
        )
        self.module = module
        self.extra = extra


class InsecureTransportError(OAuthError):
    """An endpoint or resource URL is not ``https`` and not a loopback address."""


class ProtocolError(OAuthError, ValueError):
    """A peer's message is malformed or violates the protocol."""


class TokenResponseError(ProtocolError):
    """A token or credentials response cannot be used (RFC 5849 §2.1, §2.3; RFC 6749 §5.1).

    ``status`` is the HTTP status of the response, when known.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message if status is None else f"{message} (HTTP {status})")
        self.status = status


class VerificationError(OAuthError):
    """A received request is refused by a server-side helper.

    ``problem`` is the OAuth Problem Reporting name (``parameter_absent``,
    ``signature_method_rejected``, ``timestamp_refused``, ...) and ``status`` the HTTP status
    RFC 5849 §3.2 prescribes: 400 for a bad request, 401 for bad credentials or signature.
    """

    def __init__(self, message: str, *, problem: str, status: int) -> None:
        super().__init__(message)
        self.problem = problem
        self.status = status


class SignatureError(VerificationError):
    """The request's signature does not verify (RFC 5849 §3.2, ``signature_invalid``)."""

    def __init__(self, message: str = "signature does not verify (RFC 5849 §3.2)") -> None:
        super().__init__(message, problem="signature_invalid", status=401)


class ReplayError(VerificationError):
    """The (nonce, timestamp, token) combination was already used (RFC 5849 §3.3)."""

    def __init__(self) -> None:
        super().__init__(
            "nonce already used with this timestamp and token (RFC 5849 §3.3)",
            problem="nonce_used",
            status=401,
        )

"""PKCE: Proof Key for Code Exchange, client and server side (RFC 7636).

§4.1 (the verifier: 43–128 unreserved characters, from 32 random octets, §7.1), §4.2 (the
challenge: S256, or plain only when a server cannot do S256), §4.6 (the server's check, in
constant time), and RFC 9700 §4.8.2 (a downgrade, PKCE on one side only, is refused).

Pure; reads no randomness except through ``random_bytes=`` (default :func:`os.urandom`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from enum import Enum

from .._encoding import utf8
from ..errors import ConfigurationError, OAuthServerError, server_error

__all__ = ["PkceMethod", "new_code_verifier", "pkce_challenge", "verify_pkce"]

_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


class PkceMethod(str, Enum):
    """A PKCE ``code_challenge_method`` (RFC 7636 §4.2); S256 unless a server cannot."""

    S256 = "S256"
    PLAIN = "plain"

    def __str__(self) -> str:
        return self.value


_METHODS = {method.value: method for method in PkceMethod}


def is_code_verifier(value: object) -> bool:
    # RFC 7636 §4.1: code-verifier = 43*128unreserved. Checked before anything is hashed.
    return isinstance(value, str) and 43 <= len(value) <= 128 and not value.strip(_UNRESERVED)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def to_pkce_method(method: object) -> PkceMethod:
    found = method if isinstance(method, PkceMethod) else _METHODS.get(str(method))
    if found is None or not isinstance(method, str):
        raise ConfigurationError("unknown PKCE code_challenge_method (RFC 7636 §4.2)")
    return found


def pkce_challenge(verifier: str, method: str = "S256") -> str:
    """Return the ``code_challenge`` for ``verifier`` (RFC 7636 §4.2).

    ``S256``: BASE64URL(SHA256(ASCII(verifier))) unpadded; ``plain``: the verifier itself.
    An unknown method, or a verifier not of 43–128 unreserved characters, is refused.
    """
    kind = to_pkce_method(method)
    if not is_code_verifier(verifier):
        raise ConfigurationError("code_verifier is not 43-128 unreserved chars (RFC 7636 §4.1)")
    if kind is PkceMethod.PLAIN:
        return verifier
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def new_code_verifier(*, random_bytes: Callable[[int], bytes] = os.urandom) -> str:
    """Return a fresh ``code_verifier``: 32 random octets in base64url (RFC 7636 §4.1, §7.1)."""
    text = _b64url(random_bytes(32))
    if not is_code_verifier(text):
        raise ConfigurationError("random_bytes(32) must return 32 bytes")
    return text


def _refuse(code: str, description: str) -> OAuthServerError:
    return server_error(code, error_description=description, status=400)


def verify_pkce(
    code_verifier: str | None,
    code_challenge: str | None,
    method: str | None,
    *,
    allow_plain: bool = False,
) -> None:
    """Server side: check a token request's ``code_verifier`` against the stored challenge.

    RFC 7636 §4.6. ``code_challenge``/``method`` are those stored with the code (``None``
    without PKCE; no method means ``plain``, §4.3). InvalidGrantError: PKCE on one side only
    (RFC 9700 §4.8.2), a verifier outside 43–128 unreserved characters (checked before
    hashing), a mismatch (constant time). InvalidRequestError: a method other than exactly
    ``S256``, or ``plain`` without ``allow_plain``.

    Mark the code used *before* calling this, whatever the outcome: a code that survives a
    wrong verifier can be brute-forced online (checklist K5).
    """
    if code_challenge is None:
        if code_verifier is not None:
            raise _refuse("invalid_grant", "code_verifier sent for a code issued without PKCE")
        return
    kind = "plain" if method is None else method
    if not (kind == "S256" or (allow_plain and kind == "plain")):
        raise _refuse("invalid_request", "unsupported code_challenge_method (RFC 7636 §4.2)")
    if code_verifier is None:
        raise _refuse("invalid_grant", "code_verifier missing (RFC 7636 §4.5)")
    if not is_code_verifier(code_verifier):
        raise _refuse("invalid_grant", "code_verifier is malformed (RFC 7636 §4.1)")
    computed = pkce_challenge(code_verifier, kind).encode("ascii")
    stored = utf8(code_challenge) if isinstance(code_challenge, str) else None
    if stored is None or not hmac.compare_digest(computed, stored):
        raise _refuse(
            "invalid_grant", "code_verifier does not match code_challenge (RFC 7636 §4.6)"
        )

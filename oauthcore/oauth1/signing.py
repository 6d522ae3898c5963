"""The OAuth 1.0a signature base string and the signature methods.

RFC 5849 §3.4: §3.4.1 (signature base string: §3.4.1.1 concatenation, §3.4.1.2 base string
URI, §3.4.1.3 request parameters), §3.4.2 HMAC-SHA1, §3.4.3 RSA-SHA1, §3.4.4 PLAINTEXT, and the
SHA-256/SHA-512 variants of HMAC and RSA that providers and oauthlib support.

Pure functions; imports no HTTP client, reads no clock and no randomness.
"""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Callable, Iterable
from enum import Enum
from typing import TYPE_CHECKING

from .._encoding import encode_encoded, form_pairs_encoded, percent_encode, utf8
from .._urls import URL, parse_url
from ..errors import ConfigurationError

if TYPE_CHECKING:
    from ..rsa import RSAPrivateKey

__all__ = [
    "SignatureMethod",
    "base_string_uri",
    "normalize_parameters",
    "sign_base_string",
    "signature_base_string",
]


class SignatureMethod(str, Enum):
    """The ``oauth_signature_method`` values oauthcore implements (RFC 5849 §3.4)."""

    HMAC_SHA1 = "HMAC-SHA1"
    HMAC_SHA256 = "HMAC-SHA256"
    HMAC_SHA512 = "HMAC-SHA512"
    RSA_SHA1 = "RSA-SHA1"
    RSA_SHA256 = "RSA-SHA256"
    RSA_SHA512 = "RSA-SHA512"
    PLAINTEXT = "PLAINTEXT"

    @property
    def hash_name(self) -> str | None:
        """The hashlib name behind the method (also the body-hash algorithm); None for PLAINTEXT."""
        return _HASH_NAMES[self]

    @property
    def is_rsa(self) -> bool:
        """True for the RSA-SHA* methods, which sign with a private key."""
        return self in _RSA_METHODS

    @property
    def is_hmac(self) -> bool:
        """True for the HMAC-SHA* methods, keyed with the two shared secrets."""
        return self not in _RSA_METHODS and self is not SignatureMethod.PLAINTEXT

    def __str__(self) -> str:
        return self.value

    # A member equals its string value, so it hashes like it too (Enum hashes the member
    # name); str's C hash also keeps the per-request dictionary look-ups cheap.
    __hash__ = str.__hash__


_HASH_NAMES = {
    SignatureMethod.HMAC_SHA1: "sha1",
    SignatureMethod.HMAC_SHA256: "sha256",
    SignatureMethod.HMAC_SHA512: "sha512",
    SignatureMethod.RSA_SHA1: "sha1",
    SignatureMethod.RSA_SHA256: "sha256",
    SignatureMethod.RSA_SHA512: "sha512",
    SignatureMethod.PLAINTEXT: None,
}
_RSA_METHODS = frozenset(
    (SignatureMethod.RSA_SHA1, SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA512)
)


def to_signature_method(method: str | SignatureMethod) -> SignatureMethod:
    """Return ``method`` as a SignatureMethod; an unknown name raises ConfigurationError."""
    if isinstance(method, SignatureMethod):
        return method
    try:
        return SignatureMethod(method)
    except ValueError:
        raise ConfigurationError(
            f"unsupported oauth_signature_method {str(method)[:32]!r} (RFC 5849 §3.4)"
        ) from None


def base_string_uri(uri: str) -> str:
    """Return the base string URI of ``uri`` (RFC 5849 §3.4.1.2).

    Scheme and host in lower case, the port only when it is not the scheme's default, the path
    exactly as it is sent (``/`` when empty), no query and no fragment. IDN hosts are written as
    A-labels, IPv6 hosts keep their brackets.
    """
    return base_uri_of(parse_url(uri))


def base_uri_of(url: URL) -> str:
    # §3.4.1.2: "The scheme, authority, and path of the request resource URI [RFC3986] are
    # included by constructing an "http" or "https" URI representing the request resource
    # (without the query or fragment)". Default ports are excluded.
    return url.origin + (url.path or "/")


def normalize_parameters(params: Iterable[tuple[str, str]]) -> str:
    """Return the normalised parameter string of decoded ``params`` (RFC 5849 §3.4.1.3.2)."""
    return _join_normalized(
        [(percent_encode(name), percent_encode(value)) for name, value in params]
    )


def _join_normalized(encoded: list[tuple[str, str]]) -> str:
    # §3.4.1.3.2 steps 1-4: names and values are encoded first, then sorted by name using
    # ascending byte value ordering, then by value; each pair joined with "=", all with "&".
    encoded.sort()
    return "&".join(map("=".join, encoded))


def signature_base_string(method: str, uri: str, params: Iterable[tuple[str, str]]) -> str:
    """Return the signature base string (RFC 5849 §3.4.1.1).

    ``uri`` is the request URI; its query parameters are included. ``params`` are the other
    decoded parameters: the protocol parameters and any form-encoded body parameters. An
    ``oauth_signature``, in the query or among them, is left out as §3.4.1.3.1 requires.
    """
    url = parse_url(uri)
    encoded = form_pairs_encoded(url.query)
    encoded.extend((percent_encode(name), percent_encode(value)) for name, value in params)
    # §3.4.1.3.1: "The "oauth_signature" parameter MUST be excluded", wherever it is.
    encoded = [pair for pair in encoded if pair[0] != "oauth_signature"]
    return base_string_from_encoded(method, percent_encode(base_uri_of(url)), encoded)


def base_string_from_encoded(
    method: str, encoded_base_uri: str, encoded: list[tuple[str, str]]
) -> str:
    """Concatenate method, encoded base string URI and encoded parameters (§3.4.1.1)."""
    # §3.4.1.1: 1. the HTTP request method in uppercase, 2. "&", 3. the base string URI,
    # after being encoded, 4. "&", 5. the request parameters as normalized, after being encoded.
    return "&".join(
        (
            percent_encode(method.upper()),
            encoded_base_uri,
            encode_encoded(_join_normalized(encoded)),
        )
    )


def signing_key(client_secret: str, token_secret: str) -> str:
    """Return the HMAC key / PLAINTEXT signature: both secrets encoded, joined by ``&``."""
    # §3.4.2: "the concatenated values of the client shared-secret and the token shared-secret,
    # after being encoded ... separated by an "&" character (ASCII code 38) even if empty."
    return f"{percent_encode(client_secret)}&{percent_encode(token_secret)}"


def sign_base_string(
    base_string: str,
    method: str | SignatureMethod,
    *,
    client_secret: str = "",
    token_secret: str = "",
    rsa_key: str | bytes | RSAPrivateKey | None = None,
) -> str:
    """Sign ``base_string`` and return the ``oauth_signature`` value, not yet percent-encoded.

    RFC 5849 §3.4.2 (HMAC), §3.4.3 (RSA, PKCS#1 v1.5), §3.4.4 (PLAINTEXT). ``rsa_key`` is PEM
    text, DER bytes or a key from :func:`oauthcore.rsa.load_private_key` (parse it once and
    pass the object when signing many requests).
    """
    method = to_signature_method(method)
    message = utf8(base_string)
    if message is None:
        raise ConfigurationError("base string is not encodable as UTF-8")
    if method is SignatureMethod.PLAINTEXT:
        return signing_key(client_secret, token_secret)
    hash_name = _HASH_NAMES[method] or ""
    if method not in _RSA_METHODS:
        return hmac_signature(message, hash_name, client_secret, token_secret)
    if rsa_key is None:
        raise ConfigurationError(f"{method.value} needs an RSA private key (rsa_key=)")
    from ..rsa import RSAPrivateKey, load_private_key  # deferred: only RSA users pay for it

    key = rsa_key if isinstance(rsa_key, RSAPrivateKey) else load_private_key(rsa_key)
    return binascii.b2a_base64(key.sign(message, hash_name), newline=False).decode("ascii")


def hmac_signature(message: bytes, hash_name: str, client_secret: str, token_secret: str) -> str:
    """Return the base64 HMAC of the UTF-8 base string ``message`` (RFC 5849 §3.4.2)."""
    key = signing_key(client_secret, token_secret).encode("ascii")
    raw = _hmac_digest(key, message, _HASHES[hash_name])
    return binascii.b2a_base64(raw, newline=False).decode("ascii")


def _hmac_digest(key: bytes, message: bytes, new: Callable[[bytes], hashlib._Hash]) -> bytes:
    # RFC 2104 §2: H(K XOR opad, H(K XOR ipad, text)), K zero-padded to the block size B
    # (and hashed first when longer than B). Written over the hashlib constructors because
    # hmac.digest's generic path costs more than both hashes together on a short message;
    # tests check it against hmac.digest for every hash and key length around B.
    key = _padded(key, new)
    inner = new(key.translate(_IPAD) + message).digest()
    return new(key.translate(_OPAD) + inner).digest()


def _padded(key: bytes, new: Callable[[bytes], hashlib._Hash]) -> bytes:
    block = _BLOCK_SIZES[new]
    if len(key) > block:
        key = new(key).digest()
    return key.ljust(block, b"\0")


class HmacKey:
    """An HMAC key with its two pad blocks already hashed (RFC 2104 §4, implementation note).

    RFC 2104 §4: "the intermediate results of the compression function on the B-byte blocks
    (K XOR ipad) and (K XOR opad) can be precomputed only once at the time of generation of
    the key". Each signature then copies the two states and hashes only its own message.
    The states are never updated in place, so one key may be shared between threads. Build
    one with :func:`hmac_key`.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, inner: hashlib._Hash, outer: hashlib._Hash) -> None:
        self._inner = inner
        self._outer = outer

    def __repr__(self) -> str:
        return f"HmacKey({self._inner.name})"

    def sign(self, message: bytes) -> str:
        """Return the base64 HMAC of the UTF-8 base string ``message`` (RFC 5849 §3.4.2)."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return binascii.b2a_base64(outer.digest(), newline=False).decode("ascii")


def hmac_key(hash_name: str, client_secret: str, token_secret: str) -> HmacKey:
    """Return the prepared HMAC key of the two secrets (RFC 5849 §3.4.2) for ``hash_name``."""
    new = _HASHES[hash_name]
    key = _padded(signing_key(client_secret, token_secret).encode("ascii"), new)
    return HmacKey(new(key.translate(_IPAD)), new(key.translate(_OPAD)))


_HASHES: dict[str, Callable[[bytes], hashlib._Hash]] = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha512": hashlib.sha512,
}
_BLOCK_SIZES = {new: new(b"").block_size for new in _HASHES.values()}
# RFC 2104 §2: ipad is the byte 0x36 and opad the byte 0x5C, each repeated B times.
_IPAD = bytes(octet ^ 0x36 for octet in range(256))
_OPAD = bytes(octet ^ 0x5C for octet in range(256))

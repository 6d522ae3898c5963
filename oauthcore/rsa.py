"""RSA PKCS#1 v1.5 signatures and the key formats they come in.

Implemented: RFC 8017 §5.2 (RSASP1 with the Chinese Remainder Theorem, RSAVP1), §8.2
(RSASSA-PKCS1-v1_5) and §9.2 (EMSA-PKCS1-v1_5 with the DigestInfo prefixes of note 1); keys in
PKCS#1 (RFC 8017 appendix A.1), PKCS#8 / OneAsymmetricKey (RFC 5208, RFC 5958),
SubjectPublicKeyInfo and X.509 certificates (RFC 5280 §4.1), as DER or PEM (RFC 7468).

Signing blinds the message representative with a fresh random ``r`` in [2, n-2] (``c' = c * r^e``,
worked on the two CRT halves; ``s = s' * r^-1 mod n``) and checks ``s^e == c`` (mod p and mod q,
hence mod n) before releasing ``s``: a faulty CRT half would reveal a prime factor. Python's
``pow`` is not constant-time in its exponent; blinding hides the message, not the exponent.

Keys are parsed by the small strict DER reader and PEM decoder of ``oauthcore._der``: definite
minimal lengths only, minimal positive INTEGERs, no trailing bytes, input capped at 64 KiB, no
recursion. Error messages never contain key material. This module imports nothing but the
standard library.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple, NoReturn, Protocol, TypeVar

from ._der import DerReader, der_tlv, pem_base64, pem_begins, pem_end, pem_sections
from .errors import ConfigurationError, KeyFormatError, SignatureError, safe_text

__all__ = [
    "HASHES",
    "RSAPrivateKey",
    "RSAPublicKey",
    "WeakKeyWarning",
    "load_private_key",
    "load_public_key",
]

_MAX_INPUT = 64 * 1024
_MAX_BITS = 16384
_MAX_E_BITS = 256
_RSA_OID = "1.2.840.113549.1.1.1"
_OTHER_ALGORITHMS = {
    "1.2.840.10045.2.1": "EC",
    "1.2.840.10040.4.1": "DSA",
    "1.3.101.112": "Ed25519",
    "1.3.101.113": "Ed448",
    "1.2.840.113549.1.1.10": "RSASSA-PSS, whose restricted keys are not supported",
}


class WeakKeyWarning(UserWarning):
    """Warn that an RSA key is accepted but shorter than 2048 bits."""


class _Digest(Protocol):
    def digest(self) -> bytes: ...


class _HashSpec(NamedTuple):
    new: Callable[[bytes], _Digest]
    prefix: bytes  # DER of DigestInfo up to the digest octets, RFC 8017 §9.2 note 1


# hash_name -> (hashlib constructor, DigestInfo prefix); other names raise ConfigurationError.
_x = bytes.fromhex
HASHES: Mapping[str, _HashSpec] = MappingProxyType(
    {
        "sha1": _HashSpec(hashlib.sha1, _x("3021300906052b0e03021a05000414")),
        "sha256": _HashSpec(hashlib.sha256, _x("3031300d060960864801650304020105000420")),
        "sha384": _HashSpec(hashlib.sha384, _x("3041300d060960864801650304020205000430")),
        "sha512": _HashSpec(hashlib.sha512, _x("3051300d060960864801650304020305000440")),
    }
)
del _x


def _emsa_encode(message: bytes, hash_name: str, k: int) -> bytes:
    """EMSA-PKCS1-v1_5 (RFC 8017 §9.2): 00 01 FF..FF 00 || DigestInfo."""
    spec = HASHES.get(hash_name)
    if spec is None:
        raise ConfigurationError(
            f"unsupported hash {safe_text(str(hash_name))!r}; expected one of {sorted(HASHES)}"
        )
    t = spec.prefix + spec.new(message).digest()
    if k < len(t) + 11:
        raise ConfigurationError(f"RSA key is too short for {hash_name} (RFC 8017 §9.2)")
    return b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t


def _same(a: int, b: int) -> bool:
    """Compare two non-negative integers without an early exit on the first differing byte."""
    size = max(a.bit_length(), b.bit_length()) // 8 + 1
    return hmac.compare_digest(a.to_bytes(size, "big"), b.to_bytes(size, "big"))


def _check_public(n: int, e: int) -> None:
    for name, value in (("n", n), ("e", e)):
        if type(value) is not int:
            raise KeyFormatError(f"RSA key component {name} must be an int")
    if n < 3 or n % 2 == 0 or n.bit_length() > _MAX_BITS:
        raise KeyFormatError(f"RSA modulus must be odd and at most {_MAX_BITS} bits")
    if e < 3 or e % 2 == 0 or e >= n or e.bit_length() > _MAX_E_BITS:
        raise KeyFormatError("RSA public exponent must be odd, at least 3 and below n")


def _fingerprint(key: RSAPublicKey | RSAPrivateKey) -> str:
    """Return a short SHA-256 fingerprint of the DER RSAPublicKey (public data only)."""
    ints = (der_tlv(2, v.to_bytes(v.bit_length() // 8 + 1, "big")) for v in (key.n, key.e))
    return hashlib.sha256(der_tlv(0x30, b"".join(ints))).hexdigest()[:16]


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class RSAPublicKey:
    """Hold an RSA public key (n, e) and verify PKCS#1 v1.5 signatures with it."""

    n: int
    e: int

    def __post_init__(self) -> None:
        _check_public(self.n, self.e)

    @property
    def _k(self) -> int:
        # The modulus length in octets (RFC 8017 §3.1 "k"), computed: it is cheap.
        return (self.n.bit_length() + 7) // 8

    def __repr__(self) -> str:
        return f"RSAPublicKey(size_bits={self.size_bits}, public_sha256={_fingerprint(self)!r})"

    @property
    def size_bits(self) -> int:
        """Return the bit length of the modulus."""
        return self.n.bit_length()

    def verify(self, message: bytes, signature: bytes, hash_name: str) -> None:
        """Verify an RSASSA-PKCS1-v1_5 signature (RFC 8017 §8.2.2); raise SignatureError if bad."""
        expected = _emsa_encode(message, hash_name, self._k)
        if not isinstance(signature, bytes) or len(signature) != self._k:
            raise SignatureError()
        s = int.from_bytes(signature, "big")
        if s >= self.n:
            raise SignatureError()
        em = pow(s, self.e, self.n).to_bytes(self._k, "big")
        if not hmac.compare_digest(em, expected):
            raise SignatureError()


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class RSAPrivateKey:
    """Hold an RSA private key in CRT form and make PKCS#1 v1.5 signatures with it.

    Equality is identity: compare ``public_key()`` results to compare keys.
    """

    n: int
    e: int
    d: int
    p: int
    q: int
    dp: int
    dq: int
    qinv: int

    def __post_init__(self) -> None:
        RSAPublicKey(n=self.n, e=self.e)  # validates n and e
        n, e, d, p, q = self.n, self.e, self.d, self.p, self.q
        for name in ("d", "p", "q", "dp", "dq", "qinv"):
            if type(getattr(self, name)) is not int:
                raise KeyFormatError(f"RSA key component {name} must be an int")
        if not (1 < p < n and 1 < q < n and 0 < d < n):
            raise KeyFormatError("RSA private key components are out of range")
        if not _same(p * q, n) or _same(p, q):
            raise KeyFormatError("RSA private key is inconsistent: n is not p*q")
        if not (_same(e * d % (p - 1), 1) and _same(e * d % (q - 1), 1)):
            raise KeyFormatError("RSA private key is inconsistent: d is not e^-1")
        if not (_same(self.dp, d % (p - 1)) and _same(self.dq, d % (q - 1))):
            raise KeyFormatError("RSA private key is inconsistent: wrong CRT exponent")
        if not (0 < self.qinv < p and _same(self.qinv * q % p, 1)):
            raise KeyFormatError("RSA private key is inconsistent: wrong CRT coefficient")

    def __repr__(self) -> str:
        return f"RSAPrivateKey(size_bits={self.size_bits}, public_sha256={_fingerprint(self)!r})"

    @property
    def size_bits(self) -> int:
        """Return the bit length of the modulus."""
        return self.n.bit_length()

    def public_key(self) -> RSAPublicKey:
        """Return the public half (n, e) of this key."""
        return RSAPublicKey(n=self.n, e=self.e)

    def sign(
        self,
        message: bytes,
        hash_name: str,
        *,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> bytes:
        """Sign ``message`` with RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.1), blinded and self-checked."""
        n, e = self.n, self.e
        k = (n.bit_length() + 7) // 8
        m = int.from_bytes(_emsa_encode(message, hash_name, k), "big")
        raw = random_bytes(k + 8)  # 64 extra bits make the reduction bias negligible
        if not isinstance(raw, bytes) or len(raw) != k + 8:
            raise ConfigurationError(f"random_bytes must return {k + 8} bytes")
        r = 2 + int.from_bytes(raw, "big") % (n - 3)  # uniform enough in [2, n-2]
        # RSASP1 with CRT on the blinded c' = m * r^e (mod n), computed as c' mod p and c' mod q
        # (the same value, at a quarter of the cost of reducing r^e mod n first). Each half
        # is unblinded in its own field: (c')^dp = s * r (mod p), so s_p = that * r^-1 (mod p);
        # two 1024-bit inverses cost about half of one 2048-bit inverse.
        p, q = self.p, self.q
        rp, rq = r % p, r % q
        try:
            rp_inv, rq_inv = pow(rp, -1, p), pow(rq, -1, q)
        except ValueError:
            raise ConfigurationError("random_bytes gave a non-invertible blinding") from None
        mp, mq = m % p, m % q
        m1 = pow(mp * pow(rp, e, p) % p, self.dp, p) * rp_inv % p
        m2 = pow(mq * pow(rq, e, q) % q, self.dq, q) * rq_inv % q
        s = m2 + (self.qinv * (m1 - m2) % p) * q
        # Self-check s^e == m (mod p and mod q, hence mod n) so a faulty CRT result, which would
        # reveal a prime factor (Boneh-DeMillo-Lipton), is never released.
        if not (_same(pow(s, e, p), mp) and _same(pow(s, e, q), mq)):
            raise KeyFormatError("RSA signature failed its self-check")
        return s.to_bytes(k, "big")


_SHAPES = {
    (2, 2): "rsa-public",
    (0x30, 3): "spki",
    (0x30, 0x30, 3): "cert",
    (0x30, 4): "encrypted",
    (2,) * 6: "dsa",
}


def _sniff(der: bytes) -> tuple[str, DerReader]:
    """Name the structure ``der`` holds from the tags of its outer SEQUENCE's elements."""
    top = DerReader(der)
    outer = top.seq("an outer SEQUENCE")
    top.done("the key")
    probe = DerReader(der, outer.pos, outer.end)
    tags: list[int] = []
    while not probe.at_end() and len(tags) < 11:
        tags.append(probe.skip())
    shape = tuple(tags)
    if shape[:3] == (2, 0x30, 4):
        kind: str | None = "pkcs8"
    elif shape[:2] == (2, 4):
        kind = "ec"  # RFC 5915 ECPrivateKey
    elif shape[:9] == (2,) * 9:
        kind = "rsa-private"
    else:
        kind = _SHAPES.get(shape)
    if kind is None:
        raise KeyFormatError("not a recognised RSA key, public key or certificate structure")
    return kind, outer


def _algorithm(cur: DerReader) -> None:
    """Require an AlgorithmIdentifier of rsaEncryption with NULL parameters (RFC 8017 A.1)."""
    alg = cur.seq("an AlgorithmIdentifier")
    oid = alg.oid()
    if oid != _RSA_OID:
        short = re.fullmatch(r"[0-9]{1,9}(?:\.[0-9]{1,9}){1,20}", oid)  # print only tame OIDs
        name = _OTHER_ALGORITHMS.get(oid, f"OID {oid}" if short else "an unknown OID")
        raise KeyFormatError(f"not an RSA key (algorithm: {name})")
    if alg.peek() == 0x05 and alg.octets("NULL parameters", 0x05):
        raise KeyFormatError("key DER: NULL parameters must be empty")
    alg.done("the rsaEncryption AlgorithmIdentifier")


def _private_from(kind: str, cur: DerReader) -> RSAPrivateKey:
    if kind == "pkcs8":  # RFC 5208 PrivateKeyInfo / RFC 5958 OneAsymmetricKey
        if cur.integer("the PKCS#8 version", 0) not in (0, 1):
            raise KeyFormatError("unsupported PKCS#8 version")
        _algorithm(cur)
        inner = cur.octets("the PKCS#8 privateKey")
        while cur.peek() in (0xA0, 0x81):  # [0] attributes, [1] publicKey (RFC 5958)
            cur.skip()
        cur.done("the PKCS#8 structure")
        kind, cur = _sniff(inner)
        if kind != "rsa-private":
            raise KeyFormatError("PKCS#8 rsaEncryption key does not hold an RSAPrivateKey")
    elif kind in ("rsa-public", "spki", "cert"):
        raise KeyFormatError("this is a public key or certificate, a private key is needed")
    if kind == "rsa-private":  # RFC 8017 A.1.2
        if cur.integer("the RSAPrivateKey version", 0) != 0:
            raise KeyFormatError("multi-prime RSA keys (version 1) are not supported")
        names = ("n", "e", "d", "p", "q", "dp", "dq", "qinv")
        parts = {name: cur.integer(f"RSA component {name}") for name in names}
        cur.done("the RSAPrivateKey")
        return RSAPrivateKey(**parts)
    _refuse(kind)


def _public_from(kind: str, cur: DerReader) -> RSAPublicKey:
    if kind == "cert":  # RFC 5280 §4.1: skip [0] version and the five fields before the SPKI
        tbs = cur.seq("tbsCertificate")
        if tbs.peek() == 0xA0:
            tbs.skip()
        for _ in range(5):  # serialNumber, signature, issuer, validity, subject
            tbs.skip()
        cur, kind = tbs.seq("subjectPublicKeyInfo"), "spki"
    if kind == "spki":  # RFC 5280 §4.1.2.7
        _algorithm(cur)
        key = cur.bits("subjectPublicKey")
        cur.done("the SubjectPublicKeyInfo")
        kind, cur = _sniff(key)
        if kind != "rsa-public":
            raise KeyFormatError("rsaEncryption key does not hold an RSAPublicKey")
    if kind == "rsa-public":  # RFC 8017 A.1.1
        n, e = cur.integer("RSA modulus"), cur.integer("RSA public exponent")
        cur.done("the RSAPublicKey")
        return RSAPublicKey(n=n, e=e)
    return _private_from(kind, cur).public_key()


def _refuse(kind: str) -> NoReturn:
    if kind == "encrypted":
        raise KeyFormatError("encrypted keys are not supported; decrypt the key first")
    raise KeyFormatError(f"not an RSA key ({kind.upper()} key)")


_LABELS = {
    b"RSA PRIVATE KEY": "rsa-private",
    b"PRIVATE KEY": "pkcs8",
    b"ENCRYPTED PRIVATE KEY": "encrypted",
    b"EC PRIVATE KEY": "ec",
    b"DSA PRIVATE KEY": "dsa",
    b"PUBLIC KEY": "spki",
    b"RSA PUBLIC KEY": "rsa-public",
    b"CERTIFICATE": "cert",
}


def _decode(data: str | bytes, *, private: bool) -> tuple[str, DerReader]:
    """Return the structure kind and a cursor inside the outer SEQUENCE of a PEM or DER key."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    if not isinstance(raw, bytes):
        raise TypeError(f"expected PEM text or DER bytes, got {type(data).__name__}")
    if len(raw) > _MAX_INPUT:
        raise KeyFormatError(f"key data is over {_MAX_INPUT // 1024} KiB; refusing to parse it")
    blocks = pem_begins(raw)
    if not blocks:
        if isinstance(data, str) or not raw.startswith(b"\x30"):
            raise KeyFormatError("no PEM armor (-----BEGIN ...-----) and not DER either")
        return _sniff(raw)
    wanted = [b for b in blocks if private and b.group(1).endswith(b"PRIVATE KEY")]
    begin = (wanted or blocks)[0]
    label = begin.group(1)
    end = pem_end(raw, begin)
    expected = _LABELS.get(label)
    if expected is None:
        raise KeyFormatError(f"unsupported PEM label {label.decode()!r} (RFC 7468)")
    if expected in ("encrypted", "ec", "dsa"):
        _refuse(expected)
    headers, lines = pem_sections(raw[begin.end() : end])
    if any(b"ENCRYPTED" in line or b"DEK-Info" in line for line in headers):
        _refuse("encrypted")
    kind, cur = _sniff(pem_base64(lines))
    if kind != expected:
        raise KeyFormatError(f"PEM label {label.decode()!r} does not match its content")
    return kind, cur


_K = TypeVar("_K", RSAPublicKey, RSAPrivateKey)


def _size_checked(key: _K, min_bits: int) -> _K:
    """Refuse keys under ``min_bits``; warn (at the caller of load_*_key) under 2048 bits."""
    bits = key.size_bits
    if bits < min_bits:
        raise KeyFormatError(f"RSA key is {bits} bits, below the minimum of {min_bits}")
    if bits < 2048:
        warnings.warn(f"RSA key of {bits} bits is weak; use 2048 bits or more", WeakKeyWarning, 3)
    return key


def load_private_key(data: str | bytes | RSAPrivateKey, *, min_bits: int = 1024) -> RSAPrivateKey:
    """Load an RSA private key from PKCS#1 or PKCS#8, PEM or DER; refuse anything else."""
    key = data if isinstance(data, RSAPrivateKey) else _private_from(*_decode(data, private=True))
    return _size_checked(key, min_bits)


def load_public_key(
    data: str | bytes | RSAPrivateKey | RSAPublicKey, *, min_bits: int = 1024
) -> RSAPublicKey:
    """Load an RSA public key from SPKI, PKCS#1, a certificate or a private key, PEM or DER."""
    if isinstance(data, RSAPublicKey):
        return _size_checked(data, min_bits)
    if isinstance(data, RSAPrivateKey):
        return _size_checked(data.public_key(), min_bits)
    return _size_checked(_public_from(*_decode(data, private=False)), min_bits)

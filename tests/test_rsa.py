"""Tests for oauthcore.rsa: PKCS#1 v1.5 signatures and strict key loading.

``cryptography`` is the test-only oracle: it generates and serialises the keys, and its signatures
must equal ours byte for byte (RSASSA-PKCS1-v1_5 is deterministic, RFC 8017 §8.2).
"""

from __future__ import annotations

import ast
import base64
import datetime
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from oauthcore.errors import ConfigurationError, KeyFormatError, SignatureError
from oauthcore.rsa import (
    HASHES,
    RSAPrivateKey,
    RSAPublicKey,
    WeakKeyWarning,
    load_private_key,
    load_public_key,
)

Enc = serialization.Encoding
PrivFmt = serialization.PrivateFormat
PubFmt = serialization.PublicFormat
NOENC = serialization.NoEncryption()
ORACLE_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
RSA_OID = bytes.fromhex("06092a864886f70d010101")
KEYS = Path(__file__).parent.parent / "vectors" / "oauth1" / "keys"
# The OAuth wiki "RSA-SHA1 (section 9.3)" test case (see vectors/oauth1/keys/SOURCES.md).
WIKI_BASE_STRING = (
    b"GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacaction.jpg%26oauth_consumer_key%3D"
    b"dpf43f3p2l4k3l03%26oauth_nonce%3D13917289812797014437%26oauth_signature_method%3DRSA-SHA1"
    b"%26oauth_timestamp%3D1196666512%26oauth_version%3D1.0%26size%3Doriginal"
)
WIKI_SIGNATURE = (
    "jvTp/wX1TYtByB1m+Pbyo0lnCOLIsyGCH7wke8AUs3BpnwZJtAuEJkvQL2/9n4s5wUmUl4aCI4BwpraNx4RtEXMe5qg5T1"
    "LVTGliMRpKasKsW//e+RinhejgCuzoH26dyF8iY2ZZ/5D1ilgeijhV/vBka5twt399mXwaYdCwFYE="
)
# Two known primes for a 511-bit key cryptography will not generate: 2^255 - 19 and 2^256 - 189.
SMALL_P, SMALL_Q = 2**255 - 19, 2**256 - 189
WEAK_BITS = 1024  # deliberately weak: the WeakKeyWarning test needs such a key


class Material(NamedTuple):
    oracle: rsa.RSAPrivateKey
    key: RSAPrivateKey
    private_forms: dict[str, str | bytes]
    public_forms: dict[str, str | bytes]


def _cert(key: CertificateIssuerPrivateKeyTypes) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oauthcore test")])
    now = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )


def _material(oracle: rsa.RSAPrivateKey) -> Material:
    pub = oracle.public_key()
    cert = _cert(oracle)
    private_forms: dict[str, str | bytes] = {
        "pkcs1-pem-str": oracle.private_bytes(Enc.PEM, PrivFmt.TraditionalOpenSSL, NOENC).decode(),
        "pkcs1-pem": oracle.private_bytes(Enc.PEM, PrivFmt.TraditionalOpenSSL, NOENC),
        "pkcs8-pem": oracle.private_bytes(Enc.PEM, PrivFmt.PKCS8, NOENC),
        "pkcs1-der": oracle.private_bytes(Enc.DER, PrivFmt.TraditionalOpenSSL, NOENC),
        "pkcs8-der": oracle.private_bytes(Enc.DER, PrivFmt.PKCS8, NOENC),
    }
    public_forms: dict[str, str | bytes] = {
        "spki-pem": pub.public_bytes(Enc.PEM, PubFmt.SubjectPublicKeyInfo),
        "spki-der": pub.public_bytes(Enc.DER, PubFmt.SubjectPublicKeyInfo),
        "pkcs1-pub-pem": pub.public_bytes(Enc.PEM, PubFmt.PKCS1).decode(),
        "pkcs1-pub-der": pub.public_bytes(Enc.DER, PubFmt.PKCS1),
        "cert-pem": cert.public_bytes(Enc.PEM),
        "cert-der": cert.public_bytes(Enc.DER),
    }
    key = load_private_key(private_forms["pkcs1-pem"])
    return Material(oracle, key, private_forms, public_forms)


@pytest.fixture(scope="module")
def m2048() -> Material:
    return _material(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def oracle1024() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=WEAK_BITS)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _b(data: str | bytes) -> bytes:
    return data.encode() if isinstance(data, str) else data


def _tlv(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes((tag, n)) + body
    size = (n.bit_length() + 7) // 8
    return bytes((tag, 0x80 | size)) + n.to_bytes(size, "big") + body


def _int(value: int) -> bytes:
    return _tlv(2, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def _seq(*parts: bytes) -> bytes:
    return _tlv(0x30, b"".join(parts))


def _components(key: RSAPrivateKey) -> dict[str, int]:
    names = ("n", "e", "d", "p", "q", "dp", "dq", "qinv")
    return {name: getattr(key, name) for name in names}


def _pkcs1_der(parts: dict[str, int], version: int = 0, extra: bytes = b"") -> bytes:
    return _seq(_int(version), *(_int(v) for v in parts.values()), extra)


def _small_parts() -> dict[str, int]:
    p, q, e = SMALL_P, SMALL_Q, 65537
    d = pow(e, -1, (p - 1) * (q - 1))
    return {
        "n": p * q,
        "e": e,
        "d": d,
        "p": p,
        "q": q,
        "dp": d % (p - 1),
        "dq": d % (q - 1),
        "qinv": pow(q, -1, p),
    }


def _pem(label: str, der: bytes) -> str:
    body = base64.encodebytes(der).decode()
    return f"-----BEGIN {label}-----\n{body}-----END {label}-----\n"


def _assert_clean(exc: BaseException, key: RSAPrivateKey | None = None) -> None:
    """The message carries no base64, long digit or hex run, and no chained exception."""
    msg = str(exc)
    assert not re.search(r"[A-Za-z0-9+/=]{24,}", msg), msg
    assert not re.search(r"[0-9]{10,}", msg), msg
    assert not re.search(r"[0-9a-fA-F]{16,}", msg), msg
    assert exc.__cause__ is None
    assert exc.__context__ is None
    if key is not None:
        for value in (key.d, key.p, key.q):
            assert str(value)[:12] not in msg
            assert f"{value:x}"[:12] not in msg


# --- signatures against the oracle -------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(message=st.binary(max_size=300), hash_name=st.sampled_from(sorted(ORACLE_HASHES)))
def test_sign_matches_cryptography(m2048: Material, message: bytes, hash_name: str) -> None:
    ours = m2048.key.sign(message, hash_name)
    theirs = m2048.oracle.sign(message, padding.PKCS1v15(), ORACLE_HASHES[hash_name]())
    assert ours == theirs
    m2048.oracle.public_key().verify(ours, message, padding.PKCS1v15(), ORACLE_HASHES[hash_name]())
    m2048.key.public_key().verify(message, theirs, hash_name)


def test_published_oauth_wiki_rsa_sha1_vector() -> None:
    with pytest.warns(WeakKeyWarning):  # the published test key has 1024 bits
        key = load_private_key((KEYS / "oauth-wiki-testcases-rsa-private-key.pem").read_text())
    with pytest.warns(WeakKeyWarning):
        cert_key = load_public_key((KEYS / "oauth-wiki-testcases-rsa-certificate.pem").read_bytes())
    assert cert_key == key.public_key()
    signature = key.sign(WIKI_BASE_STRING, "sha1")
    assert base64.b64encode(signature).decode() == WIKI_SIGNATURE
    cert_key.verify(WIKI_BASE_STRING, signature, "sha1")


def test_signature_is_left_padded_to_k_bytes(oracle1024: rsa.RSAPrivateKey) -> None:
    with pytest.warns(WeakKeyWarning):
        key = load_private_key(oracle1024.private_bytes(Enc.DER, PrivFmt.TraditionalOpenSSL, NOENC))
    for i in range(20_000):
        message = i.to_bytes(4, "big")
        theirs = oracle1024.sign(message, padding.PKCS1v15(), hashes.SHA256())
        if theirs[0] == 0:
            break
    else:  # pragma: no cover - probability 2^-115
        pytest.fail("no signature with a leading zero byte found")
    ours = key.sign(message, "sha256")
    assert len(ours) == 128
    assert ours == theirs
    key.public_key().verify(message, ours, "sha256")


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_verify_rejects_any_flipped_bit(m2048: Material, data: st.DataObject) -> None:
    message = b"GET&https%3A%2F%2Fapi.example%2F&oauth_nonce%3Dabc"
    signature = m2048.oracle.sign(message, padding.PKCS1v15(), ORACLE_HASHES["sha1"]())
    bit = data.draw(st.integers(0, len(signature) * 8 - 1))
    forged = bytearray(signature)
    forged[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(SignatureError):
        m2048.key.public_key().verify(message, bytes(forged), "sha1")


def test_verify_rejects_wrong_message_hash_and_length(m2048: Material) -> None:
    public = m2048.key.public_key()
    signature = m2048.key.sign(b"message", "sha256")
    public.verify(b"message", signature, "sha256")
    bad = [
        (b"messagf", signature, "sha256"),
        (b"message", signature, "sha512"),
        (b"message", signature, "sha1"),
        (b"message", signature[1:], "sha256"),
        (b"message", b"\x00" + signature, "sha256"),
        (b"message", b"", "sha256"),
        (b"message", public.n.to_bytes(256, "big"), "sha256"),  # s >= n
        (b"message", b"\xff" * 256, "sha256"),
    ]
    for message, sig, hash_name in bad:
        with pytest.raises(SignatureError) as info:
            public.verify(message, sig, hash_name)
        assert info.value.problem == "signature_invalid"


def test_unknown_hash_is_a_configuration_error(m2048: Material) -> None:
    signature = m2048.key.sign(b"m", "sha256")
    for name in ("md5", "SHA256", "sha-256", "sha3_256", ""):
        with pytest.raises(ConfigurationError):
            m2048.key.sign(b"m", name)
        with pytest.raises(ConfigurationError):
            m2048.key.public_key().verify(b"m", signature, name)
    assert {"sha1", "sha256", "sha512"} <= set(HASHES)


def test_hash_too_large_for_key_is_refused() -> None:
    key = RSAPrivateKey(**_small_parts())  # 64-byte modulus; sha512 DigestInfo needs 94
    with pytest.raises(ConfigurationError, match="too short"):
        key.sign(b"m", "sha512")
    assert key.public_key().size_bits == 511


# --- blinding and the self-check -----------------------------------------------------------------


def test_blinding_uses_random_bytes_and_does_not_change_the_signature(m2048: Material) -> None:
    calls: list[int] = []

    def recording(size: int) -> bytes:
        calls.append(size)
        return b"\x5a" * size

    expected = m2048.key.sign(b"payload", "sha256")
    assert m2048.key.sign(b"payload", "sha256", random_bytes=recording) == expected
    assert m2048.key.sign(b"payload", "sha256", random_bytes=lambda n: b"\x01" * n) == expected
    assert m2048.key.sign(b"payload", "sha256", random_bytes=lambda n: b"\x00" * n) == expected
    assert calls == [256 + 8]


def test_blinding_factor_is_really_derived_from_random_bytes(m2048: Material) -> None:
    key = m2048.key
    # r = 2 + x mod (n - 3); choose x so that r == p, which shares a factor with n: the sign
    # must fail, which it can only do if r is actually used.
    x = (key.p - 2).to_bytes(256 + 8, "big")
    with pytest.raises(ConfigurationError, match="blinding"):
        key.sign(b"payload", "sha256", random_bytes=lambda n: x)
    with pytest.raises(ConfigurationError, match="random_bytes"):
        key.sign(b"payload", "sha256", random_bytes=lambda n: b"\x00" * (n - 1))


def test_self_check_refuses_a_faulty_crt_result(m2048: Material) -> None:
    key = RSAPrivateKey(**_components(m2048.key))
    key.sign(b"x", "sha256")
    object.__setattr__(key, "dp", key.dp ^ 2)  # inject the fault past the load-time validation
    with pytest.raises(KeyFormatError, match="self-check") as info:
        key.sign(b"x", "sha256")
    _assert_clean(info.value, key)


# --- key loading ---------------------------------------------------------------------------------


@pytest.mark.checklist("J9")
def test_every_form_loads_the_same_key(m2048: Material) -> None:
    numbers = m2048.oracle.private_numbers()
    expected = RSAPublicKey(n=numbers.public_numbers.n, e=numbers.public_numbers.e)
    for name, form in m2048.private_forms.items():
        key = load_private_key(form)
        assert (key.n, key.e, key.d, key.p, key.q) == (
            numbers.public_numbers.n,
            numbers.public_numbers.e,
            numbers.d,
            numbers.p,
            numbers.q,
        ), name
        assert load_public_key(form) == expected, name
    for name, form in m2048.public_forms.items():
        assert load_public_key(form) == expected, name
    assert m2048.key.public_key() == expected
    assert m2048.key.size_bits == expected.size_bits == 2048


@pytest.mark.checklist("J9")
def test_objects_pass_through(m2048: Material) -> None:
    assert load_private_key(m2048.key) is m2048.key
    public = m2048.key.public_key()
    assert load_public_key(public) is public
    assert load_public_key(m2048.key) == public  # the public half, made anew


@pytest.mark.checklist("J9")
def test_pem_with_surrounding_text_headers_and_bundles(m2048: Material) -> None:
    pkcs1 = str(m2048.private_forms["pkcs1-pem-str"])
    cert = _b(m2048.public_forms["cert-pem"]).decode()
    expected = m2048.key.public_key()
    wrapped = "Bag Attributes\n  friendlyName: é\n" + pkcs1 + "trailing text\n"
    assert load_private_key(wrapped).public_key() == expected
    assert load_private_key(pkcs1.replace("\n", "\r\n")).public_key() == expected
    header, rest = pkcs1.split("\n", 1)
    assert load_private_key(f"{header}\nComment: hello\n\n{rest}").public_key() == expected
    assert load_private_key(cert + pkcs1).public_key() == expected  # picks the private block
    assert load_public_key(cert + pkcs1) == expected


def _refusals(m: Material, ec_key: ec.EllipticCurvePrivateKey) -> Iterator[tuple[str, str | bytes]]:
    oracle, pw = m.oracle, serialization.BestAvailableEncryption(b"secret pass")
    pkcs1_der = _b(m.private_forms["pkcs1-der"])
    pkcs1_pem = _b(m.private_forms["pkcs1-pem"]).decode()
    parts = _components(m.key)
    yield "garbage", b"\x00\x01garbage"
    yield "empty", b""
    yield "text", "hello world"
    yield "not-a-key-seq", _seq(_int(1), _int(2), _int(3))
    yield "trailing-garbage", pkcs1_der + b"\x00"
    yield "trailing-garbage-pem", _pem("RSA PRIVATE KEY", pkcs1_der + b"\x00")
    yield "trailing-element", _pkcs1_der(parts, extra=_int(1))
    yield "multi-prime", _pkcs1_der(parts, 1, _seq(_seq(_int(3), _int(5), _int(7))))
    yield "version-2", _pkcs1_der(parts, 2)
    yield "negative-int", _pkcs1_der({**parts, "e": -parts["e"]})
    yield "zero-int", _pkcs1_der({**parts, "qinv": 0})
    padded_e = b"\x02\x04\x00\x01\x00\x01"  # 65537 with a superfluous leading zero
    yield (
        "non-minimal-int",
        _seq(*(padded_e if v == 65537 else _int(v) for v in [0, *parts.values()])),
    )
    yield "indefinite-length", b"\x30\x80" + pkcs1_der[4:] + b"\x00\x00"
    yield "non-minimal-length", b"\x30\x83\x00" + pkcs1_der[2:]
    yield "short-form-as-long", b"\x30\x81\x06" + b"\x02\x01\x00" * 2
    yield "high-tag", b"\x30\x04\x1f\x81\x01\x00"
    yield "high-tag-outer", b"\x1f\x81\x01\x00"
    yield "pkcs8-version-2", _seq(_int(2), _seq(RSA_OID, b"\x05\x00"), _tlv(4, pkcs1_der))
    yield (
        "pkcs8-holding-public",
        _seq(_int(0), _seq(RSA_OID, b"\x05\x00"), _tlv(4, _b(m.public_forms["pkcs1-pub-der"]))),
    )
    yield "pkcs8-empty-oid", _seq(_int(0), _seq(b"\x06\x00"), _tlv(4, pkcs1_der))
    yield "pkcs8-open-oid", _seq(_int(0), _seq(b"\x06\x02\x2a\x86"), _tlv(4, pkcs1_der))
    yield "pem-header-no-blank", pkcs1_pem.replace("KEY-----\n", "KEY-----\nComment: x\n", 1)
    yield "huge-length", b"\x30\x84\x7f\xff\xff\xff" + b"\x00" * 8
    yield "over-64k-bytes", b"\x30" + b"\x00" * 70_000
    yield "over-64k-text", pkcs1_pem + "x" * 70_000
    yield "bad-base64", pkcs1_pem.replace("M", "*", 1)
    yield "bad-padding", pkcs1_pem.replace("-----END", "A-----END")
    yield "no-end", pkcs1_pem.split("-----END")[0]
    yield "unknown-label", pkcs1_pem.replace("RSA PRIVATE KEY", "OPENSSH PRIVATE KEY")
    yield "label-mismatch", pkcs1_pem.replace("RSA PRIVATE KEY", "PRIVATE KEY")
    yield "encrypted-pkcs8", oracle.private_bytes(Enc.PEM, PrivFmt.PKCS8, pw)
    yield "encrypted-pkcs8-der", oracle.private_bytes(Enc.DER, PrivFmt.PKCS8, pw)
    yield "encrypted-pkcs1", oracle.private_bytes(Enc.PEM, PrivFmt.TraditionalOpenSSL, pw)
    yield "ec-pkcs8", ec_key.private_bytes(Enc.PEM, PrivFmt.PKCS8, NOENC)
    yield "ec-pkcs8-der", ec_key.private_bytes(Enc.DER, PrivFmt.PKCS8, NOENC)
    yield "ec-sec1", ec_key.private_bytes(Enc.PEM, PrivFmt.TraditionalOpenSSL, NOENC)
    yield "ec-sec1-der", ec_key.private_bytes(Enc.DER, PrivFmt.TraditionalOpenSSL, NOENC)
    ed = ed25519.Ed25519PrivateKey.generate()
    yield "ed25519-pkcs8", ed.private_bytes(Enc.PEM, PrivFmt.PKCS8, NOENC)
    yield "small-key-pem", _pem("RSA PRIVATE KEY", _pkcs1_der(_small_parts()))
    yield "inconsistent-der", _pkcs1_der({**parts, "dp": parts["dp"] + 2})


@pytest.mark.checklist("J9")
def test_private_key_refusals(m2048: Material, ec_key: ec.EllipticCurvePrivateKey) -> None:
    expectations = {
        "encrypted": "encrypted keys are not supported",
        "ec": "not an RSA key",
        "ed25519": "not an RSA key (algorithm: Ed25519)",
        "multi-prime": "multi-prime",
        "small-key": "511 bits, below the minimum of 1024",
        "over-64k": "64 KiB",
    }
    for name, data in _refusals(m2048, ec_key):
        with pytest.raises(KeyFormatError) as info:
            load_private_key(data)
        _assert_clean(info.value, m2048.key)
        for prefix, text in expectations.items():
            if name.startswith(prefix):
                assert text in str(info.value), (name, str(info.value))


@pytest.mark.checklist("J9")
def test_pkcs8_optional_fields_and_v1_certificates_load(m2048: Material) -> None:
    pkcs1_der = _b(m2048.private_forms["pkcs1-der"])
    alg = _seq(RSA_OID, b"\x05\x00")
    expected = m2048.key.public_key()
    for extra in (_tlv(0xA0, b""), _tlv(0x81, b"\x00"), _tlv(0xA0, b"") + _tlv(0x81, b"\x00")):
        for version in (0, 1):
            der = _seq(_int(version), alg, _tlv(4, pkcs1_der), extra)
            assert load_private_key(der).public_key() == expected
    no_params = _seq(_int(0), _seq(RSA_OID), _tlv(4, pkcs1_der))
    assert load_private_key(no_params).public_key() == expected
    spki = _b(m2048.public_forms["spki-der"])
    sha256_rsa = _seq(bytes.fromhex("06092a864886f70d01010b"), b"\x05\x00")
    name, validity = _seq(), _seq(b"\x17\x0d700101000000Z", b"\x17\x0d380101000000Z")
    v1_cert = _seq(
        _seq(_int(7), sha256_rsa, name, validity, name, spki), sha256_rsa, b"\x03\x01\x00"
    )
    assert load_public_key(v1_cert) == expected
    wrong_inner = _seq(alg, _tlv(3, b"\x00" + pkcs1_der))
    with pytest.raises(KeyFormatError, match="does not hold an RSAPublicKey"):
        load_public_key(wrong_inner)
    with pytest.raises(TypeError):
        load_private_key(1234)  # type: ignore[arg-type]
    with pytest.raises(KeyFormatError, match="must be an int"):
        RSAPublicKey(n="3233", e=17)  # type: ignore[arg-type]


@pytest.mark.checklist("J9")
def test_public_material_is_not_a_private_key(m2048: Material) -> None:
    for name, form in m2048.public_forms.items():
        with pytest.raises(KeyFormatError, match="a private key is needed") as info:
            load_private_key(form)
        _assert_clean(info.value)
        assert name


@pytest.mark.checklist("J9")
def test_public_key_refusals(m2048: Material, ec_key: ec.EllipticCurvePrivateKey) -> None:
    ec_forms = [
        ec_key.public_key().public_bytes(Enc.PEM, PubFmt.SubjectPublicKeyInfo),
        ec_key.public_key().public_bytes(Enc.DER, PubFmt.SubjectPublicKeyInfo),
        _cert(ec_key).public_bytes(Enc.PEM),
        _cert(ec_key).public_bytes(Enc.DER),
        ec_key.private_bytes(Enc.PEM, PrivFmt.PKCS8, NOENC),
    ]
    for form in ec_forms:
        with pytest.raises(KeyFormatError, match="not an RSA key") as info:
            load_public_key(form)
        _assert_clean(info.value)
    pkcs1_pub = _b(m2048.public_forms["pkcs1-pub-der"])
    spki_unused_bits = _seq(_seq(RSA_OID, b"\x05\x00"), _tlv(3, b"\x01" + pkcs1_pub))
    spki_bad_null = _seq(_seq(RSA_OID, b"\x05\x01\x00"), _tlv(3, b"\x00" + pkcs1_pub))
    spki_trailing = _seq(_seq(RSA_OID, b"\x05\x00"), _tlv(3, b"\x00" + pkcs1_pub + b"\x00"))
    bad_oid = _seq(_seq(b"\x06\x02\x80\x01", b"\x05\x00"), _tlv(3, b"\x00" + pkcs1_pub))
    for data in (
        spki_unused_bits,
        spki_bad_null,
        spki_trailing,
        bad_oid,
        pkcs1_pub[:-1],
        _seq(_seq(_int(7), _seq(), _seq(), _seq(), _seq(), _int(5)), _seq(), b"\x03\x01\x00"),
        _seq(_int(SMALL_P * SMALL_Q), _int(65537)),
        _seq(_int(SMALL_P * SMALL_Q), _int(2)),
        _pem("PUBLIC KEY", pkcs1_pub),
        m2048.oracle.private_bytes(
            Enc.PEM, PrivFmt.PKCS8, serialization.BestAvailableEncryption(b"pw")
        ),
    ):
        with pytest.raises(KeyFormatError) as info:
            load_public_key(data)
        _assert_clean(info.value)


@pytest.mark.checklist("J9")
def test_every_truncation_is_refused(m2048: Material) -> None:
    for name in ("pkcs1-der", "pkcs8-der"):
        der = _b(m2048.private_forms[name])
        for size in range(len(der)):
            with pytest.raises(KeyFormatError):
                load_private_key(der[:size])
    for name in ("spki-der", "cert-der"):
        der = _b(m2048.public_forms[name])
        for size in range(len(der)):
            with pytest.raises(KeyFormatError):
                load_public_key(der[:size])


@pytest.mark.checklist("J9")
@settings(deadline=None)
@given(data=st.binary(max_size=400))
def test_random_bytes_only_raise_key_format_error(data: bytes) -> None:
    with pytest.raises(KeyFormatError):
        load_private_key(data)
    with pytest.raises(KeyFormatError):
        load_public_key(data)


@pytest.mark.checklist("J9")
@settings(deadline=None)
@given(data=st.data())
def test_mutated_der_loads_or_raises_key_format_error(m2048: Material, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(["pkcs8-der", "spki-der", "cert-der"]))
    der = bytearray(_b({**m2048.private_forms, **m2048.public_forms}[name]))
    index = data.draw(st.integers(0, len(der) - 1))
    der[index] = data.draw(st.integers(0, 255))
    try:
        result = load_public_key(bytes(der))
    except KeyFormatError as exc:
        _assert_clean(exc)
    else:
        assert isinstance(result, RSAPublicKey)


@pytest.mark.checklist("J9")
def test_inconsistent_components_are_refused(m2048: Material) -> None:
    parts = _components(m2048.key)
    p = parts["p"]
    broken: list[dict[str, object]] = [
        {**parts, "dp": parts["dp"] + 2},
        {**parts, "dq": parts["dq"] - 2},
        {**parts, "qinv": parts["qinv"] + 1},
        {**parts, "qinv": parts["qinv"] + p},
        {**parts, "d": parts["d"] + 2},
        {**parts, "p": p + 2},
        {**parts, "n": parts["n"] + 2},
        {**parts, "q": p, "n": p * p},
        {**parts, "e": 65539},
        {**parts, "e": 4},
        {**parts, "e": 1},
        {**parts, "n": parts["n"] * 2},
        {**parts, "d": 0},
        {**parts, "p": True},
        {**parts, "dp": float(1)},
    ]
    for fields in broken:
        with pytest.raises(KeyFormatError) as info:
            RSAPrivateKey(**fields)  # type: ignore[arg-type]
        _assert_clean(info.value, m2048.key)
    with pytest.raises(KeyFormatError):
        RSAPublicKey(n=parts["n"], e=2**300 + 1)


@pytest.mark.checklist("J9")
def test_weak_key_warns_and_min_bits_refuses(oracle1024: rsa.RSAPrivateKey) -> None:
    pem = oracle1024.private_bytes(Enc.PEM, PrivFmt.PKCS8, NOENC)
    with pytest.warns(WeakKeyWarning, match="1024 bits") as record:
        key = load_private_key(pem)
    assert record[0].filename == __file__  # the warning points at the caller
    with pytest.warns(WeakKeyWarning):
        load_public_key(oracle1024.public_key().public_bytes(Enc.PEM, PubFmt.PKCS1))
    with pytest.raises(KeyFormatError, match="below the minimum of 2048"):
        load_private_key(pem, min_bits=2048)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WeakKeyWarning)
        assert load_private_key(key) is key


@pytest.mark.checklist("J9")
def test_small_key_loads_when_the_caller_lowers_min_bits() -> None:
    der = _pkcs1_der(_small_parts())
    with pytest.warns(WeakKeyWarning):
        key = load_private_key(der, min_bits=511)
    signature = key.sign(b"m", "sha256")
    key.public_key().verify(b"m", signature, "sha256")


def test_repr_hides_private_components(m2048: Material) -> None:
    key = m2048.key
    for text in (repr(key), str(key), f"{key}", repr([key])):
        assert "RSAPrivateKey(size_bits=2048, public_sha256='" in text
        for value in (key.d, key.p, key.q, key.dp, key.dq, key.qinv, key.n):
            for form in (str(value), f"{value:x}", f"{value:X}"):
                assert form[:10] not in text
    assert "RSAPublicKey(size_bits=2048" in repr(key.public_key())
    assert repr(key).split("=")[-1] == repr(key.public_key()).split("=")[-1]


def test_keys_are_immutable_and_compare_publicly(m2048: Material) -> None:
    key = m2048.key
    with pytest.raises(AttributeError):
        key.d = 3  # type: ignore[misc]
    twin = RSAPrivateKey(**_components(key))
    assert twin != key  # private keys compare by identity, never by their secrets
    assert twin.public_key() == key.public_key()
    assert hash(twin.public_key()) == hash(key.public_key())


def test_module_is_stdlib_only_and_assert_free() -> None:
    import oauthcore.rsa as module

    tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        assert not isinstance(node, ast.Assert)
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name.split(".")[0] in sys.stdlib_module_names, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            assert (node.module or "").split(".")[0] in sys.stdlib_module_names, node.module
    assert sorted(module.__all__) == [
        "HASHES",
        "RSAPrivateKey",
        "RSAPublicKey",
        "WeakKeyWarning",
        "load_private_key",
        "load_public_key",
    ]

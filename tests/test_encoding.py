"""Percent-encoding and the form codec (RFC 5849 §3.6, §3.4.1.3.1)."""

from __future__ import annotations

from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oauthcore import ConfigurationError, ProtocolError
from oauthcore._encoding import (
    decode_form,
    encode_encoded,
    encode_form,
    form_pairs_encoded,
    percent_decode,
    percent_encode,
)

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


@pytest.mark.checklist("E4")
@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        # RFC 3986 §2.3: exactly the unreserved set stays; RFC 5849 §3.6: upper-case hex.
        (UNRESERVED, UNRESERVED),
        ("&=+%*", "%26%3D%2B%25%2A"),
        (" ", "%20"),
        ("/?#[]@!$'(),;:", "%2F%3F%23%5B%5D%40%21%24%27%28%29%2C%3B%3A"),
    ],
)
def test_percent_encode_reserved(value: str, encoded: str) -> None:
    assert percent_encode(value) == encoded


@pytest.mark.checklist("E3")
def test_percent_encode_utf8() -> None:
    # é is U+00E9 = C3 A9; ☃ is U+2603 = E2 98 83; 😀 U+1F600 = F0 9F 98 80 (RFC 3629 §3).
    assert percent_encode("é☃😀") == "%C3%A9%E2%98%83%F0%9F%98%80"
    # A combining mark is encoded as its own code point (no normalisation): U+0301 = CC 81.
    assert percent_encode("e\u0301") == "e%CC%81"


@pytest.mark.checklist("E3")
def test_lone_surrogate_is_a_typed_error() -> None:
    with pytest.raises(ConfigurationError):
        percent_encode("\ud800")
    with pytest.raises(ConfigurationError):
        form_pairs_encoded("a=\ud800")


@given(st.text())
def test_percent_round_trip(value: str) -> None:
    try:
        encoded = percent_encode(value)
    except ConfigurationError:
        return  # lone surrogates only
    assert set(encoded) <= set(UNRESERVED + "%0123456789ABCDEF")
    assert percent_decode(encoded) == value


@pytest.mark.checklist("E3", "E4")
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_percent_encode_equals_the_stdlib_quoter(value: str) -> None:
    # An independent implementation of the same rule: RFC 3986 unreserved kept, UTF-8 octets.
    assert percent_encode(value) == quote(value, safe="")


def test_encode_encoded_matches_percent_encode() -> None:
    normalized = "a%20b=c%25d&e=f~g.h_i-j"
    assert encode_encoded(normalized) == percent_encode(normalized)


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_form_pairs_reencoding_is_idempotent(value: str) -> None:
    # Encoding once, then decoding as a form and re-encoding, gives the same pair back.
    once = encode_form([(value, value)])
    assert form_pairs_encoded(once) == [(percent_encode(value), percent_encode(value))]
    assert decode_form(once) == [(value, value)]


@pytest.mark.checklist("F9")
def test_semicolon_is_data_not_a_separator() -> None:
    assert decode_form("a=1;b=2") == [("a", "1;b=2")]
    assert form_pairs_encoded("a=1;b=2") == [("a", "1%3Bb%3D2")]


def test_form_decoding_rules() -> None:
    # W3C HTML 4.01 §17.13.4: '+' is a space; a name without '=' has an empty value.
    assert decode_form("a+b=c+d&e&&f=") == [("a b", "c d"), ("e", ""), ("f", "")]
    assert form_pairs_encoded("a+b=%7e") == [("a%20b", "~")]
    # Octets that are not UTF-8 survive re-encoding for the base string.
    assert form_pairs_encoded("x=%FF") == [("x", "%FF")]


@pytest.mark.checklist("F8")
def test_parameter_count_limit() -> None:
    data = "&".join(["a=1"] * 1001)
    with pytest.raises(ProtocolError):
        decode_form(data, max_params=1000)
    with pytest.raises(ProtocolError):
        form_pairs_encoded(data, max_params=1000)
    assert len(decode_form(data)) == 1001


def test_decode_refuses_non_ascii_and_bad_utf8() -> None:
    with pytest.raises(ProtocolError):
        decode_form("a=é".encode())
    with pytest.raises(ProtocolError):
        decode_form("a=%FF")
    with pytest.raises(ProtocolError):
        percent_decode("%C3")
    assert percent_decode("a+b") == "a+b"  # '+' is only a space in forms


@given(st.binary())
def test_reencoding_any_octets_gives_canonical_escapes(raw: bytes) -> None:
    # Whatever escapes a sender used (lower-case hex, escaped unreserved characters), the base
    # string sees the one canonical RFC 5849 §3.6 form of the octets.
    canonical = quote_from_bytes(raw, safe="")
    lower = "".join(f"%{octet:02x}" for octet in raw)
    assert form_pairs_encoded(f"n={lower}") == [("n", canonical)]
    assert form_pairs_encoded(f"n={canonical}") == [("n", canonical)]

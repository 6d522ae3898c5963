"""Edge cases found in review of the OAuth 1.0a core, each pinned by a regression test."""

from __future__ import annotations

import base64
import hmac
import json

import pytest

from oauthcore import (
    ConfigurationError,
    OAuthError,
    ProtocolError,
    ReplayError,
    TokenResponseError,
    VerificationError,
)
from oauthcore._urls import parse_url
from oauthcore.http import Request, Response, build_headers
from oauthcore.oauth1 import (
    ClientCredentials,
    Consumer,
    NonceCache,
    Placement,
    SignatureMethod,
    TokenCredentials,
    parse_authorization_callback,
    parse_authorization_header,
    parse_credentials_response,
    sign_request,
    verify_request,
)
from oauthcore.oauth1.signing import hmac_key, hmac_signature

NOW = 1_700_000_000
CLIENT = ClientCredentials(key="ck", secret="CS-canary")
TOKEN = TokenCredentials(token="tk", secret="TS-canary")
CONSUMER = Consumer(key="ck", secret="CS-canary")


def _sign(request: Request, **kwargs: object) -> Request:
    return sign_request(
        request,
        CLIENT,
        TOKEN,
        now=lambda: NOW,
        nonce=lambda: "n0nce",
        **kwargs,  # type: ignore[arg-type]  # test helper forwards keywords
    )


def _verify(request: Request, **kwargs: object) -> object:
    return verify_request(
        request,
        get_consumer=lambda key: CONSUMER,
        get_token_secret=lambda consumer, token: "TS-canary",
        check_nonce=lambda *args: True,
        now=lambda: NOW,
        **kwargs,  # type: ignore[arg-type]  # test helper forwards keywords
    )


def _chain(error: BaseException) -> str:
    texts = []
    current: BaseException | None = error
    while current is not None:
        texts += [str(current), repr(current), repr(current.args)]
        current = current.__cause__ or current.__context__
    return "\n".join(texts)


@pytest.mark.checklist("I4")
def test_verifier_does_not_chain_a_non_ascii_body() -> None:
    request = Request(
        method="POST",
        url="https://api.example.com/r",
        headers=(("Content-Type", "application/x-www-form-urlencoded"),),
        body="password=BODY-canary-é".encode(),
    )
    with pytest.raises(VerificationError) as info:
        _verify(request)
    assert "BODY-canary" not in _chain(info.value)


@pytest.mark.checklist("F3")
@pytest.mark.parametrize("host", ["faß.de", "a\u200db.example", "x\u200c.example"])
def test_idna_mappings_that_change_the_name_are_refused(host: str) -> None:
    with pytest.raises(ConfigurationError):
        parse_url(f"https://{host}/")


@pytest.mark.checklist("F7")
@pytest.mark.parametrize("path", ["/café", "/a|b", "/a%zz", "/a b", "/a\\b", "/a^"])
def test_paths_a_client_would_re_encode_are_refused(path: str) -> None:
    with pytest.raises(ConfigurationError):
        parse_url(f"https://x.example{path}")
    assert parse_url("https://x.example/caf%C3%A9;v=1/@:!$'()*+,=~").path.startswith("/caf%C3%A9")


@pytest.mark.checklist("J8")
def test_callback_reads_the_query_only_and_survives_surrogates() -> None:
    with pytest.raises(ProtocolError):
        parse_authorization_callback("https://cb.example/#x?oauth_token=a&oauth_verifier=b")
    with pytest.raises(ProtocolError):
        parse_authorization_callback(
            "https://cb.example/?oauth_token=\ud800&oauth_verifier=v", expected_token="t"
        )


@pytest.mark.checklist("E1")
def test_headers_must_be_an_immutable_tuple_of_str_pairs() -> None:
    pairs = [("X", "a")]
    with pytest.raises(TypeError):
        Request(method="GET", url="https://x/", headers=pairs)  # type: ignore[arg-type]  # a list, on purpose
    with pytest.raises(TypeError):
        Request(method="GET", url="https://x/", headers=(["X", "a"],))  # type: ignore[arg-type]  # a list pair, on purpose
    with pytest.raises(TypeError):
        build_headers({"X": b"bytes"})  # type: ignore[arg-type]  # bytes, on purpose
    request = Request.build("GET", "https://x/", headers=pairs)
    pairs.append(("X-Injected", "a\r\nEvil: 1"))
    assert request.headers == (("X", "a"),)


@pytest.mark.checklist("J4")
def test_a_cache_with_a_narrower_window_fails_closed() -> None:
    clock = [NOW]
    cache = NonceCache(window=60, now=lambda: clock[0])
    signed = _sign(Request(method="GET", url="https://api.example.com/r"))
    verify_request(
        signed,
        get_consumer=lambda key: CONSUMER,
        get_token_secret=lambda consumer, token: "TS-canary",
        check_nonce=cache,
        now=lambda: clock[0],
    )
    clock[0] = NOW + 100  # within the verifier's 300 s, past the cache's 60 s
    with pytest.raises(ReplayError):
        verify_request(
            signed,
            get_consumer=lambda key: CONSUMER,
            get_token_secret=lambda consumer, token: "TS-canary",
            check_nonce=cache,
            now=lambda: clock[0],
        )


@pytest.mark.checklist("J3")
@pytest.mark.parametrize(
    "body",
    [
        b'{"oauth_token": "a", "oauth_token": "b", "oauth_token_secret": "s"}',
        b'{"oauth_token": 1, "oauth_token_secret": "s"}',
        b'{"oauth_token": true, "oauth_token_secret": "s"}',
        b'{"oauth_token": "a", "oauth_token_secret": null}',
        b"[1]",
    ],
)
def test_json_credentials_are_strict(body: bytes) -> None:
    with pytest.raises(TokenResponseError) as info:
        parse_credentials_response(
            Response(status=200, headers=(("Content-Type", "application/json"),), body=body),
            temporary=False,
        )
    assert info.value.status == 200
    if body == b"[1]":
        assert "not an object" in str(info.value)


def test_every_credentials_error_carries_the_status() -> None:
    for body in (b"oauth_token=a&oauth_token=b&oauth_token_secret=s", b"x" * 70_000):
        with pytest.raises(TokenResponseError) as info:
            parse_credentials_response(Response(status=200, body=body), temporary=False)
        assert info.value.status == 200


@pytest.mark.checklist("J10")
def test_body_placement_replaces_the_content_type_and_verifies() -> None:
    request = Request(
        method="POST", url="https://api.example.com/r", headers=(("Content-Type", "text/plain"),)
    )
    signed = _sign(request, placement=Placement.BODY, with_body_hash=True)
    assert [n.lower() for n, _ in signed.headers].count("content-type") == 1
    assert signed.header("Content-Type") == "application/x-www-form-urlencoded"
    assert b"oauth_body_hash" not in signed.body
    _verify(signed)


@pytest.mark.checklist("J9")
def test_key_objects_are_checked_at_construction() -> None:
    with pytest.raises(TypeError):
        Consumer(
            key="ck",
            rsa_public_key="-----BEGIN PUBLIC KEY-----",  # type: ignore[arg-type]  # a str, on purpose
            allowed_methods=frozenset({SignatureMethod.RSA_SHA1}),
        )
    with pytest.raises(TypeError):
        Consumer(key="ck", secret="s", allowed_methods={SignatureMethod.HMAC_SHA1})  # type: ignore[arg-type]  # a set, on purpose
    with pytest.raises(TypeError):
        ClientCredentials(
            key="ck",
            signature_method=SignatureMethod.RSA_SHA1,
            rsa_key="garbage",  # type: ignore[arg-type]  # a str, on purpose
        )


@pytest.mark.checklist("I2")
def test_repr_hides_userinfo_and_fragment() -> None:
    request = Request(method="GET", url="https://user:PASSWORD@host/cb#access_token=SECRET")
    assert "PASSWORD" not in repr(request)
    assert "SECRET" not in repr(request)


def test_header_parser_details() -> None:
    realm, params = parse_authorization_header('OAuth Realm="R", oauth_nonce="a\\"b"')
    assert realm == "R"
    assert params == [("oauth_nonce", 'a"b')]
    with pytest.raises(ProtocolError):
        parse_authorization_header('OAuth oauth_nonce="a%zz"')


def test_placement_as_a_string_and_a_float_clock() -> None:
    request = Request(method="GET", url="https://api.example.com/r")
    signed = sign_request(
        request,
        CLIENT,
        placement="query",  # type: ignore[arg-type]  # a plain str, on purpose
        now=lambda: 1000.7,  # type: ignore[arg-type,return-value]  # a float clock, on purpose
        nonce=lambda: "n",
    )
    assert "oauth_timestamp=1000&" in signed.url
    with pytest.raises(ConfigurationError):
        sign_request(request, CLIENT, placement="cookie")  # type: ignore[arg-type]  # on purpose


def test_body_signed_flag() -> None:
    json_request = Request(
        method="PUT",
        url="https://api.example.com/r",
        headers=(("Content-Type", "application/json"),),
        body=json.dumps({"a": 1}).encode(),
    )
    assert _verify(_sign(json_request)).body_signed is True  # type: ignore[attr-defined]
    unsigned = _sign(json_request, with_body_hash=False)
    assert _verify(unsigned).body_signed is False  # type: ignore[attr-defined]


def test_a_realm_only_header_does_not_count_as_a_second_place() -> None:
    signed = _sign(
        Request(method="GET", url="https://api.example.com/r"), placement=Placement.QUERY
    )
    with_realm = signed.with_header("Authorization", 'OAuth realm="Example"')
    verified = _verify(with_realm)
    assert verified.realm == "Example"  # type: ignore[attr-defined]


def test_every_edge_error_is_an_oauth_error() -> None:
    for url in ("https://faß.de/", "https://x.example/café"):
        with pytest.raises(OAuthError):
            parse_url(url)


@pytest.mark.parametrize("hash_name", ["sha1", "sha256", "sha512"])
@pytest.mark.parametrize("key_length", [0, 1, 63, 64, 65, 127, 128, 129, 300])
def test_hmac_matches_the_stdlib_hmac_module(hash_name: str, key_length: int) -> None:
    # The signing paths compute RFC 2104 over hashlib directly, in one go (sign_request) and
    # from the prepared pad states (Signer, used again and again); the stdlib hmac module is
    # the oracle, at every key length around SHA-1/256's 64-byte and SHA-512's 128-byte block.
    client_secret = "k" * key_length
    message = b"POST&https%3A%2F%2Fexample.com%2F&a%3D1%26b%3D%25E2%2598%2583"
    expected = hmac.digest(f"{client_secret}&".encode(), message, hash_name)
    one_shot = hmac_signature(message, hash_name, client_secret, "")
    prepared = hmac_key(hash_name, client_secret, "")
    assert base64.b64decode(one_shot) == expected
    for _ in range(3):  # the prepared states are copied, never consumed
        assert base64.b64decode(prepared.sign(message)) == expected
    assert prepared.sign(b"other") != prepared.sign(message)
    assert "k" * max(key_length, 1) not in repr(prepared)

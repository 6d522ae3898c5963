"""Client-side signing: sign_request and its parameter placement (RFC 5849 §3.1, §3.5)."""

from __future__ import annotations

import copy
import pickle
import threading
from collections.abc import Callable
from functools import partial

import pytest

from oauthcore import ConfigurationError, InsecureTransportError
from oauthcore._encoding import decode_form
from oauthcore.http import Request
from oauthcore.oauth1 import (
    ClientCredentials,
    Placement,
    SignatureMethod,
    Signer,
    TokenCredentials,
    body_hash,
    new_nonce,
    parse_authorization_header,
    percent_encode,
    sign_request,
    signature_base_string,
)

CLIENT = ClientCredentials(key="dpf43f3p2l4k3l03", secret="kd94hf93k423kf44")
TOKEN = TokenCredentials(token="nnch734d00sl2jdk", secret="pfkkdhi9sl3r4s00")


def _fixed(request: Request, **kwargs: object) -> Request:
    return sign_request(
        request,
        CLIENT,
        TOKEN,
        now=lambda: 137131202,
        nonce=lambda: "chapoH",
        **kwargs,  # type: ignore[arg-type]  # test helper forwards keywords
    )


def _oauth(request: Request) -> dict[str, str]:
    value = request.header("Authorization")
    assert value is not None
    _, params = parse_authorization_header(value)
    return dict(params)


def test_rfc5849_resource_request_in_header() -> None:
    # RFC 5849 §1.2: the signed resource request and its published signature.
    request = Request(
        method="GET", url="http://photos.example.net/photos?file=vacation.jpg&size=original"
    )
    signed = _fixed(request, realm="Photos", allow_insecure_transport=True)
    assert signed.header("Authorization") == (
        'OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", '
        'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", '
        'oauth_nonce="chapoH", oauth_token="nnch734d00sl2jdk", '
        'oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"'
    )
    assert signed.url == request.url
    assert request.header("Authorization") is None  # the input is not mutated


def test_query_and_body_placement_carry_the_same_signature() -> None:
    request = Request(
        method="GET", url="http://photos.example.net/photos?file=vacation.jpg&size=original"
    )
    in_query = _fixed(request, placement=Placement.QUERY, allow_insecure_transport=True)
    assert in_query.header("Authorization") is None
    assert in_query.url.startswith(request.url + "&oauth_consumer_key=dpf43f3p2l4k3l03&")
    assert in_query.url.endswith("&oauth_signature=MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D")

    post = Request(
        method="GET", url="http://photos.example.net/photos?file=vacation.jpg&size=original"
    )
    in_body = _fixed(post, placement=Placement.BODY, allow_insecure_transport=True)
    assert in_body.header("Content-Type") == "application/x-www-form-urlencoded"
    assert in_body.body.endswith(b"&oauth_signature=MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D")


def test_form_body_parameters_are_signed_and_kept() -> None:
    request = Request.build(
        "POST",
        "https://api.example.com/r?b=2",
        headers={"content-type": "Application/X-WWW-Form-URLEncoded; charset=UTF-8"},
        body="a=1&c=x+y",
    )
    signed = _fixed(request)
    oauth = _oauth(signed)
    assert signed.body == b"a=1&c=x+y"
    base = signature_base_string(
        "POST",
        "https://api.example.com/r?b=2",
        [("a", "1"), ("c", "x y"), *((k, v) for k, v in oauth.items() if k != "oauth_signature")],
    )
    assert "c%3Dx%2520y" in base
    assert "b%3D2" in base
    # The body of any other content type is not a parameter source.
    other = _fixed(Request.build("POST", "https://api.example.com/r", body="a=1"))
    assert "oauth_body_hash" in _oauth(other)


@pytest.mark.checklist("J10")
def test_body_hash_rules() -> None:
    json_body = Request.build(
        "PUT", "https://api.example.com/r", headers={"Content-Type": "application/json"}, body="{}"
    )
    assert _oauth(_fixed(json_body))["oauth_body_hash"] == body_hash(
        b"{}", SignatureMethod.HMAC_SHA1
    )
    empty = Request(method="GET", url="https://api.example.com/r")
    assert "oauth_body_hash" not in _oauth(_fixed(empty))
    assert _oauth(_fixed(empty, with_body_hash=True))["oauth_body_hash"] == (
        "2jmj7l5rSw0yVb/vlWAYkK/YBwk="  # SHA-1 of the empty string, base64 (RFC 3174 test)
    )
    assert "oauth_body_hash" not in _oauth(_fixed(json_body, with_body_hash=False))
    form = Request.build(
        "POST",
        "https://api.example.com/r",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body="a=1",
    )
    assert "oauth_body_hash" not in _oauth(_fixed(form, with_body_hash=True))
    with pytest.raises(ConfigurationError):
        body_hash(b"", SignatureMethod.PLAINTEXT)


@pytest.mark.checklist("E2")
@pytest.mark.parametrize(
    ("realm", "written"),
    [('x", oauth_token="evil', r'realm="x\", oauth_token=\"evil"'), ("a\\b", r'realm="a\\b"')],
)
def test_realm_is_quoted_string_escaped(realm: str, written: str) -> None:
    signed = _fixed(Request(method="GET", url="https://api.example.com/"), realm=realm)
    header = signed.header("Authorization")
    assert header is not None
    assert header.startswith("OAuth " + written + ", ")
    parsed_realm, params = parse_authorization_header(header)
    assert parsed_realm == realm
    assert [name for name, _ in params].count("oauth_token") == 1


@pytest.mark.checklist("E1", "E2")
@pytest.mark.parametrize("realm", ["a\r\nX-Evil: 1", "a\x00", "é"])
def test_realm_with_controls_or_non_ascii_is_refused(realm: str) -> None:
    with pytest.raises(ConfigurationError):
        _fixed(Request(method="GET", url="https://api.example.com/"), realm=realm)


@pytest.mark.checklist("E1")
def test_controls_never_reach_a_header() -> None:
    with pytest.raises(ConfigurationError):
        ClientCredentials(key="abc\r\nX-Evil: 1", secret="s")
    with pytest.raises(ConfigurationError):
        TokenCredentials(token="t\n", secret="s")
    with pytest.raises(ConfigurationError):
        Request(method="GET\r\n", url="https://x/")
    with pytest.raises(ConfigurationError):
        Request.build("GET", "https://x/", headers={"X-A": "1\r\nX-B: 2"})
    with pytest.raises(ConfigurationError):
        Request.build("GET", "https://x/", headers={"X A": "1"})
    # Callback and verifier values are percent-encoded into the header, so a CRLF is inert.
    signed = _fixed(Request(method="GET", url="https://x/"), callback="https://c/\r\n")
    header = signed.header("Authorization")
    assert header is not None
    assert "%0D%0A" in header
    assert "\r" not in header


@pytest.mark.checklist("E6")
def test_duplicate_plain_parameters_are_signed_sorted_by_value() -> None:
    signed = _fixed(Request(method="GET", url="https://x.example/?a=2&a=1&a=10"))
    oauth = _oauth(signed)
    base = signature_base_string(
        "GET",
        "https://x.example/?a=2&a=1&a=10",
        [(k, v) for k, v in oauth.items() if k != "oauth_signature"],
    )
    # RFC 5849 §3.4.1.3.2: same name, sorted by value in byte order: "1" < "10" < "2".
    assert "a%3D1%26a%3D10%26a%3D2%26oauth_consumer_key" in base


@pytest.mark.checklist("E6", "E7")
def test_existing_oauth_parameters_are_refused() -> None:
    with pytest.raises(ConfigurationError):
        _fixed(Request(method="GET", url="https://x.example/?oauth_token=other"))
    form = Request.build(
        "POST",
        "https://x.example/",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body="oauth_nonce=1",
    )
    with pytest.raises(ConfigurationError):
        _fixed(form)


@pytest.mark.checklist("E7")
def test_one_place_only() -> None:
    # Re-signing replaces the header; moving to the query drops an old OAuth header.
    request = Request(method="GET", url="https://x.example/")
    twice = _fixed(_fixed(request))
    assert [n.lower() for n, _ in twice.headers].count("authorization") == 1
    moved = _fixed(_fixed(request), placement=Placement.QUERY)
    assert moved.header("Authorization") is None
    basic = request.with_header("Authorization", "Basic eDp5")
    assert _fixed(basic, placement=Placement.QUERY).header("Authorization") == "Basic eDp5"


def test_body_placement_needs_a_form_or_no_body() -> None:
    json_body = Request.build(
        "POST", "https://x.example/", body="{}", headers={"Content-Type": "application/json"}
    )
    with pytest.raises(ConfigurationError):
        _fixed(json_body, placement=Placement.BODY)
    form = Request.build(
        "POST",
        "https://x.example/",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body="a=1",
    )
    signed = _fixed(form, placement=Placement.BODY)
    assert signed.body.startswith(b"a=1&oauth_consumer_key=")
    with pytest.raises(ConfigurationError):
        _fixed(form, placement=Placement.QUERY, realm="r")


@pytest.mark.checklist("F6")
def test_fragment_is_neither_signed_nor_sent() -> None:
    signed = _fixed(Request(method="GET", url="https://x.example/p?q=1#secret-frag"))
    assert signed.url == "https://x.example/p?q=1"


@pytest.mark.checklist("C1", "C8")
def test_transport_policy() -> None:
    request = Request(method="GET", url="http://api.example.com/")
    with pytest.raises(InsecureTransportError):
        _fixed(request)
    _fixed(request, allow_insecure_transport=True)
    _fixed(Request(method="GET", url="http://127.0.0.1:8080/"))
    plaintext = ClientCredentials(key="k", secret="s", signature_method=SignatureMethod.PLAINTEXT)
    with pytest.raises(InsecureTransportError):
        sign_request(request, plaintext, allow_insecure_transport=True)
    signed = sign_request(Request(method="GET", url="https://api.example.com/"), plaintext)
    assert _oauth(signed)["oauth_signature"] == "s&"


def test_version_callback_verifier() -> None:
    signed = _fixed(
        Request(method="POST", url="https://x.example/t"),
        version=True,
        callback="oob",
        verifier="v3r",
    )
    oauth = _oauth(signed)
    assert oauth["oauth_version"] == "1.0"
    assert oauth["oauth_callback"] == "oob"
    assert oauth["oauth_verifier"] == "v3r"


@pytest.mark.checklist("N4")
def test_unknown_signature_method_fails_closed() -> None:
    with pytest.raises(ConfigurationError):
        ClientCredentials.build("k", "s", signature_method="HMAC-MD5")
    with pytest.raises(ConfigurationError):
        ClientCredentials(key="k", signature_method="HMAC-SHA1")  # type: ignore[arg-type]  # a str, not the enum
    with pytest.raises(ConfigurationError):
        ClientCredentials(key="k", signature_method=SignatureMethod.RSA_SHA1)  # no key
    with pytest.raises(ConfigurationError):
        ClientCredentials(key="", secret="s")


@pytest.mark.checklist("I2")
def test_secrets_are_not_in_repr() -> None:
    client = ClientCredentials(key="ck", secret="CS-canary-1")
    token = TokenCredentials(token="tk", secret="TS-canary-2")
    assert "CS-canary-1" not in repr(client)
    assert "ck" in repr(client)
    assert "TS-canary-2" not in repr(token)
    assert "tk" in repr(token)
    for placement in Placement:
        signed = sign_request(
            Request(method="GET", url="https://x.example/?a=1"), client, token, placement=placement
        )
        oauth = dict(
            parse_authorization_header(signed.header("Authorization") or "OAuth ")[1]
        ) or dict(decode_form(signed.url.partition("?")[2] + "&" + signed.body.decode()))
        signature = oauth["oauth_signature"]
        assert signature not in repr(signed)
        assert percent_encode(signature) not in repr(signed)


@pytest.mark.checklist("J1", "H8")
def test_nonces_have_over_128_bits_and_suit_strict_servers() -> None:
    draws = {new_nonce() for _ in range(10_000)}
    assert len(draws) == 10_000
    for nonce in list(draws)[:100]:
        assert len(nonce) == 24  # 18 random bytes in base64 letters: over 142 bits
        assert nonce.isalnum()
        assert nonce.isascii()


@pytest.mark.checklist("H8")
def test_a_million_nonces_drawn_across_threads_never_repeat() -> None:
    draws: list[list[str]] = [[] for _ in range(8)]
    barrier = threading.Barrier(len(draws))

    def draw(into: list[str]) -> None:
        barrier.wait()
        into.extend(new_nonce() for _ in range(125_000))

    threads = [threading.Thread(target=draw, args=(into,)) for into in draws]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [nonce for into in draws for nonce in into]
    assert len(every) == 1_000_000
    assert len(set(every)) == len(every)


@pytest.mark.checklist("J2")
def test_timestamp_and_nonce_only_through_explicit_keywords() -> None:
    import inspect

    signature = inspect.signature(sign_request)
    for name in ("now", "nonce"):
        assert signature.parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
    signed = sign_request(Request(method="GET", url="https://x.example/"), CLIENT)
    oauth = _oauth(signed)
    assert oauth["oauth_timestamp"].isdigit()
    assert len(oauth["oauth_nonce"]) == 24


@pytest.mark.checklist("J2")
def test_a_fixed_nonce_reused_across_requests_warns() -> None:
    from oauthcore.oauth1 import NonceReuseWarning

    request = Request(method="GET", url="https://x.example/")

    def fixed() -> str:
        return "same-nonce"

    sign_request(request, CLIENT, now=lambda: 1, nonce=fixed)
    with pytest.warns(NonceReuseWarning):
        sign_request(request, CLIENT, now=lambda: 1, nonce=fixed)
    sign_request(request, CLIENT, now=lambda: 2, nonce=fixed)  # a new timestamp: allowed
    counter = iter(range(100))
    fresh = lambda: f"n{next(counter)}"  # noqa: E731 (a source drawing new values)
    for _ in range(3):
        sign_request(request, CLIENT, now=lambda: 1, nonce=fresh)


@pytest.mark.checklist("E7")
def test_is_signed_looks_in_all_three_places() -> None:
    from oauthcore.oauth1 import is_signed

    plain = Request(method="POST", url="https://x.example/?a=1")
    assert not is_signed(plain)
    for placement in Placement:
        signed = sign_request(plain, CLIENT, placement=placement)
        assert is_signed(signed)
    assert not is_signed(plain.with_header("Authorization", "Bearer oauth_signature"))


# --- Signer: the credentials prepared once -------------------------------------------------------


def test_signer_gives_the_rfc5849_signature() -> None:
    # RFC 5849 §1.2 again, through a Signer: the same published signature.
    signer = Signer(CLIENT, TOKEN)
    request = Request(
        method="GET", url="http://photos.example.net/photos?file=vacation.jpg&size=original"
    )
    signed = signer.sign(
        request,
        realm="Photos",
        allow_insecure_transport=True,
        now=lambda: 137131202,
        nonce=lambda: "chapoH",
    )
    assert _oauth(signed)["oauth_signature"] == "MdpQcU8iPSUjWoN/UDMsK2sui9I="
    assert signer.client is CLIENT
    assert signer.token is TOKEN


def _fixed_with(sign: Callable[..., Request], request: Request, nonce: str) -> Request:
    # A fresh nonce source per call: one source giving the same nonce twice would warn.
    return sign(request, now=lambda: 1_700_000_000, nonce=lambda: nonce)


def test_signer_shared_by_threads_signs_every_request_right() -> None:
    # The prepared HMAC states are copied per request, never updated in place: 8 threads
    # signing 500 requests each through one Signer all get sign_request's signature.
    signer = Signer(CLIENT, TOKEN)
    one_shot = partial(sign_request, client=CLIENT, token=TOKEN)
    failures: list[str] = []
    barrier = threading.Barrier(8)

    def work(worker: int) -> None:
        barrier.wait()
        for i in range(500):
            request = Request(method="POST", url=f"https://x.example/{worker}?i={i}")
            nonce = f"n{worker}x{i}"
            if _fixed_with(signer.sign, request, nonce) != _fixed_with(one_shot, request, nonce):
                failures.append(nonce)

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


@pytest.mark.checklist("I1")
def test_signer_masks_secrets_and_pickles_as_its_credentials() -> None:
    client = ClientCredentials(key="ck", secret="CS-canary-1")
    token = TokenCredentials(token="tk", secret="TS-canary-2")
    signer = Signer(client, token)
    text = repr(signer)
    assert "CS-canary-1" not in text
    assert "TS-canary-2" not in text
    assert "ck" in text
    assert "tk" in text
    restored = pickle.loads(pickle.dumps(signer))  # noqa: S301 - our own bytes
    assert (restored.client, restored.token) == (client, token)
    request = Request(method="GET", url="https://x.example/")
    expected = _fixed_with(signer.sign, request, "abc")
    for other in (restored, copy.copy(signer), copy.deepcopy(signer)):
        assert _fixed_with(other.sign, request, "abc") == expected


def test_signer_refuses_what_is_not_credentials() -> None:
    with pytest.raises(TypeError, match="ClientCredentials"):
        Signer("ck")  # type: ignore[arg-type]  # the mistake under test
    with pytest.raises(TypeError, match="TokenCredentials"):
        Signer(CLIENT, "tk")  # type: ignore[arg-type]  # the mistake under test


@pytest.mark.checklist("J2")
def test_signer_warns_of_a_reused_nonce_at_the_caller() -> None:
    from oauthcore.oauth1 import NonceReuseWarning

    signer = Signer(CLIENT)
    request = Request(method="GET", url="https://x.example/")

    def fixed() -> str:
        return "same-nonce"

    signer.sign(request, now=lambda: 1, nonce=fixed)
    with pytest.warns(NonceReuseWarning) as caught:
        signer.sign(request, now=lambda: 1, nonce=fixed)
    assert caught[0].filename == __file__
    sign_request(request, CLIENT, now=lambda: 2, nonce=fixed)
    with pytest.warns(NonceReuseWarning) as caught:
        sign_request(request, CLIENT, now=lambda: 2, nonce=fixed)
    assert caught[0].filename == __file__

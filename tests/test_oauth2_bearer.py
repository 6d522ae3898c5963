"""Bearer token usage: presenting, extracting and challenging (RFC 6750 §2, §3).

Unit tests per checklist row, the RFC 6750 vectors, hypothesis properties (challenge build/parse
round trip, apply-then-extract, parsers on arbitrary input), worst-case timing (M4), and a
differential check against oauthlib's ``prepare_bearer_*`` (test-only oracle).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from oauthlib.oauth2.rfc6749.tokens import (
    prepare_bearer_body,
    prepare_bearer_headers,
    prepare_bearer_uri,
)

from oauthcore import errors
from oauthcore._encoding import encode_form
from oauthcore.errors import (
    ConfigurationError,
    InsecureTransportError,
    InsufficientScopeError,
    InvalidRequestError,
    InvalidTokenError,
    OAuthError,
    OAuthServerError,
    ProtocolError,
    UnsupportedTokenTypeError,
)
from oauthcore.http import Request
from oauthcore.oauth2.bearer import (
    BearerChallenge,
    BearerPlacement,
    TokenLike,
    apply_bearer,
    build_www_authenticate,
    challenge_error,
    extract_bearer_token,
    is_b64token,
    parse_www_authenticate,
    redact_url,
)

TOKEN = "mF_9.B5f-4.1JqM"
URL = "https://server.example.com/resource"
FORM = "application/x-www-form-urlencoded"
VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "oauth2" / "rfc6750.json"
CASES: list[dict[str, Any]] = json.loads(VECTORS.read_text("utf-8"))["cases"]


@dataclass(frozen=True, slots=True, kw_only=True)
class FakeToken:
    """Stands in for ``oauthcore.oauth2.token.Token``: what TokenLike asks for, frozen."""

    access_token: str
    token_type: str = "Bearer"
    refresh_token: str | None = None


def _get(url: str = URL, **kwargs: Any) -> Request:
    return Request.build("GET", url, **kwargs)


def _post(body: str = "", content_type: str | None = FORM, url: str = URL) -> Request:
    headers = {} if content_type is None else {"Content-Type": content_type}
    return Request.build("POST", url, headers=headers, body=body)


def _auth(*values: str, url: str = URL) -> Request:
    return Request.build("GET", url, headers=[("Authorization", v) for v in values])


def _headers(request: Request, name: str) -> list[str]:
    return [v for n, v in request.headers if n.lower() == name.lower()]


# --- vectors -----------------------------------------------------------------------------------


def test_vector_file_has_sources_and_unique_ids() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)) >= 7
    assert all(case["source"].startswith("RFC 6750 Section") for case in CASES)
    assert all("rfc-editor.org/rfc/rfc6750#section-" in case["source"] for case in CASES)


def run_vector(case: dict[str, Any]) -> None:
    """Run one case of this area's vector file; tests/test_vectors.py calls it for every case."""
    given_, expected = case["input"], case["expected"]
    if case["kind"] == "bearer_request":
        request = Request.build(
            given_["method"],
            given_["url"],
            headers=[(name, value) for name, value in given_["headers"]],
            body=given_["body"],
        )
        sent = apply_bearer(
            request, given_["token"], placement=BearerPlacement(given_["placement"])
        )
        target = urlsplit(sent.url)
        path = target.path + (f"?{target.query}" if target.query else "")
        assert f"{sent.method} {path} HTTP/1.1" == expected["request_line"]
        assert expected["header"] in [f"{name}: {value}" for name, value in sent.headers]
        assert sent.body == expected["body"].encode("ascii")
        got = extract_bearer_token(sent, allow_body=True, allow_query=True)
        assert got == given_["token"]
    else:
        assert case["kind"] == "www_authenticate"
        name, _, value = given_["header"].partition(": ")
        assert name == "WWW-Authenticate"
        challenges = parse_www_authenticate(value)
        for challenge, want in zip(challenges, expected["challenges"], strict=True):
            assert challenge.realm == want["realm"]
            assert challenge.scope == (None if want["scope"] is None else tuple(want["scope"]))
            assert challenge.error == want["error"]
            assert challenge.error_description == want["error_description"]
            assert challenge.error_uri == want["error_uri"]
        assert build_www_authenticate(**expected["build"]) == value
        if "error_class" in expected:
            error = challenge_error(challenges[0], status=401)
            assert type(error) is getattr(errors, expected["error_class"])


# --- apply_bearer: client side -------------------------------------------------------------------


def test_placement_enum() -> None:
    assert str(BearerPlacement.QUERY) == "query"
    assert [p.value for p in BearerPlacement] == ["header", "body", "query"]


def test_header_placement_is_the_default_and_replaces_authorization() -> None:
    assert inspect.signature(apply_bearer).parameters["placement"].default is BearerPlacement.HEADER
    request = _get(headers=[("authorization", "Basic abc"), ("AUTHORIZATION", "Bearer old")])
    sent = apply_bearer(request, TOKEN)
    assert _headers(sent, "Authorization") == [f"Bearer {TOKEN}"]
    assert sent.url == URL
    assert request.header("Authorization") == "Basic abc"  # the input is not mutated
    assert TOKEN not in repr(sent)


@pytest.mark.checklist("A14")
@pytest.mark.parametrize("kind", ["bearer", "BEARER", "Bearer", "bEaReR"])
def test_token_like_bearer_in_any_case(kind: str) -> None:
    token: TokenLike = FakeToken(access_token=TOKEN, token_type=kind)
    assert apply_bearer(_get(), token).header("Authorization") == f"Bearer {TOKEN}"


@pytest.mark.checklist("A14")
@pytest.mark.parametrize("kind", ["mac", "MAC", "DPoP", "N_A", "", "Bearer ", "bearer\r\n", "x"])
def test_other_token_types_are_never_sent_as_bearer(kind: str) -> None:
    with pytest.raises(UnsupportedTokenTypeError) as info:
        apply_bearer(_get(), FakeToken(access_token=TOKEN, token_type=kind))
    assert TOKEN not in str(info.value)
    assert "\r" not in str(info.value)


@pytest.mark.checklist("A14")
def test_token_like_with_a_non_string_type_or_without_attributes() -> None:
    @dataclass(frozen=True)
    class Odd:
        access_token: str
        token_type: object

    with pytest.raises(UnsupportedTokenTypeError):
        apply_bearer(_get(), Odd(TOKEN, None))  # type: ignore[arg-type]  # a wrong type on purpose
    with pytest.raises(ConfigurationError):
        apply_bearer(_get(), None)  # type: ignore[arg-type]  # a wrong type on purpose


@pytest.mark.checklist("A11", "E1")
@pytest.mark.parametrize(
    "token",
    [
        "",
        "SEC RET",
        " SECRET",
        "SECRET\r\nX-Injected: 1",
        "SECRET\n",
        "SECRET\x00",
        "SEC\tRET",
        "SECRET\x7f",
        "SECRÉT",
        "SECR€T",
        42,
        ["SECRET"],
    ],
)
def test_malformed_tokens_are_refused_before_any_header(token: Any) -> None:
    for placement in BearerPlacement:
        with pytest.raises(ConfigurationError) as info:
            apply_bearer(_post(), token, placement=placement)
        assert "SECRET" not in str(info.value)
    with pytest.raises(ConfigurationError):
        apply_bearer(_get(), FakeToken(access_token=token))


@pytest.mark.checklist("A11")
def test_visible_ascii_tokens_outside_b64token_are_sent_and_flagged() -> None:
    facebook = "123456|abcDEF-ghi"
    assert apply_bearer(_get(), facebook).header("Authorization") == f"Bearer {facebook}"
    assert not is_b64token(facebook)
    assert is_b64token(TOKEN)
    assert is_b64token("a+/b==")
    assert not is_b64token("==")
    assert not is_b64token("")
    assert not is_b64token("a=b")


@pytest.mark.checklist("C1")
@pytest.mark.parametrize("placement", list(BearerPlacement))
def test_plain_http_resource_is_refused(placement: BearerPlacement) -> None:
    url = "http://api.example.com/resource?secret=1"
    request = Request.build("POST", url, headers={"Content-Type": FORM})
    with pytest.raises(InsecureTransportError) as info:
        apply_bearer(request, TOKEN, placement=placement)
    assert "secret" not in str(info.value)
    assert TOKEN not in str(info.value)
    sent = apply_bearer(request, TOKEN, placement=placement, allow_insecure_transport=True)
    assert extract_bearer_token(sent, allow_body=True, allow_query=True) == TOKEN


@pytest.mark.checklist("C1")
@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/r", "http://localhost/r", "http://[::1]/r"])
def test_loopback_http_is_allowed(url: str) -> None:
    assert apply_bearer(_get(url), TOKEN).header("Authorization") == f"Bearer {TOKEN}"


def test_unusable_url_and_placement_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError):
        apply_bearer(_get("ftp://example.com/r"), TOKEN)
    with pytest.raises(ConfigurationError):
        apply_bearer(_get(), TOKEN, placement="cookie")  # type: ignore[arg-type]  # on purpose
    assert apply_bearer(_get(), TOKEN, placement="header").header("Authorization")  # type: ignore[arg-type]  # a str enum value


@pytest.mark.checklist("E9")
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (URL, f"{URL}?access_token={TOKEN}"),
        (f"{URL}?a=1", f"{URL}?a=1&access_token={TOKEN}"),
        (f"{URL}?", f"{URL}?access_token={TOKEN}"),
        (f"{URL}?a=1&", f"{URL}?a=1&access_token={TOKEN}"),
        (f"{URL}?a=1#frag", f"{URL}?a=1&access_token={TOKEN}#frag"),
        (f"{URL}#frag?x", f"{URL}?access_token={TOKEN}#frag?x"),
    ],
)
def test_query_placement_only_when_asked(url: str, expected: str) -> None:
    assert apply_bearer(_get(url), TOKEN).url == url
    sent = apply_bearer(_get(url), TOKEN, placement=BearerPlacement.QUERY)
    assert sent.url == expected
    assert sent.header("Authorization") is None
    assert _headers(sent, "Cache-Control") == ["no-store"]
    assert TOKEN not in repr(sent)


@pytest.mark.checklist("E9")
@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ([("Cache-Control", "no-cache")], ["no-cache, no-store"]),
        (
            [("cache-control", "max-age=0"), ("Cache-Control", "private")],
            ["max-age=0, private, no-store"],
        ),
        ([("Cache-Control", "private, No-Store")], ["private, No-Store"]),
    ],
)
def test_query_placement_adds_no_store_once(
    given_: list[tuple[str, str]], expected: list[str]
) -> None:
    sent = apply_bearer(_get(headers=given_), TOKEN, placement=BearerPlacement.QUERY)
    assert _headers(sent, "Cache-Control") == expected


def test_query_and_body_encode_the_token() -> None:
    token = "a+b/c==~*|!"
    encoded = "a%2Bb%2Fc%3D%3D~%2A%7C%21"
    assert apply_bearer(_get(), token, placement=BearerPlacement.QUERY).url.endswith(encoded)
    assert apply_bearer(_post(), token, placement=BearerPlacement.BODY).body.endswith(
        encoded.encode()
    )


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("", FORM, f"access_token={TOKEN}"),
        ("", None, f"access_token={TOKEN}"),
        ("a=1", FORM, f"a=1&access_token={TOKEN}"),
        ("a=1&&", "Application/X-WWW-Form-URLEncoded; charset=utf-8", f"a=1&access_token={TOKEN}"),
    ],
)
def test_body_placement(body: str, content_type: str | None, expected: str) -> None:
    sent = apply_bearer(_post(body, content_type), TOKEN, placement=BearerPlacement.BODY)
    assert sent.body == expected.encode()
    assert sent.header("Content-Type") == (content_type or FORM)
    assert sent.header("Authorization") is None


@pytest.mark.parametrize(
    "request_",
    [
        Request.build("GET", URL, headers={"Content-Type": FORM}),
        Request.build("get", URL),
        Request.build("HEAD", URL),
        Request.build("DELETE", URL),
        _post('{"a": 1}', "application/json"),
        _post("", "application/json"),
        _post("raw", None),
        _post("a=1", "multipart/form-data; boundary=x"),
        _post("a=é", FORM),
    ],
)
def test_body_placement_needs_a_form_body_with_body_semantics(request_: Request) -> None:
    with pytest.raises(ConfigurationError):
        apply_bearer(request_, TOKEN, placement=BearerPlacement.BODY)


@pytest.mark.checklist("E8")
@pytest.mark.parametrize("placement", list(BearerPlacement))
@pytest.mark.parametrize(
    "request_",
    [
        _get(f"{URL}?access_token=old"),
        _get(f"{URL}?a=1&access%5Ftoken=old"),
        _get(f"{URL}?access_token"),
        _post("x=1&access_token=old"),
    ],
)
def test_a_token_already_in_query_or_body_is_never_doubled(
    request_: Request, placement: BearerPlacement
) -> None:
    with pytest.raises(ConfigurationError) as info:
        apply_bearer(request_, TOKEN, placement=placement)
    assert "old" not in str(info.value)


@pytest.mark.checklist("E8")
@pytest.mark.parametrize("placement", [BearerPlacement.QUERY, BearerPlacement.BODY])
@pytest.mark.parametrize("header", ["Bearer old", "bearer old", "  BEARER old", "Bearer"])
def test_a_bearer_header_blocks_query_and_body(header: str, placement: BearerPlacement) -> None:
    request = Request.build("POST", URL, headers={"Authorization": header, "Content-Type": FORM})
    with pytest.raises(ConfigurationError):
        apply_bearer(request, TOKEN, placement=placement)


@pytest.mark.checklist("E8")
def test_non_bearer_authorization_stays_with_query_placement() -> None:
    request = _get(headers={"Authorization": "Basic abc"})
    sent = apply_bearer(request, TOKEN, placement=BearerPlacement.QUERY)
    assert sent.header("Authorization") == "Basic abc"


# --- redact_url --------------------------------------------------------------------------------


@pytest.mark.checklist("E9")
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{URL}?access_token={TOKEN}", f"{URL}?access_token=***"),
        (f"{URL}?a=1&access_token=x&b=2", f"{URL}?a=1&access_token=***&b=2"),
        ("https://c/cb?code=abc&state=xyz&iss=i", "https://c/cb?code=***&state=***&iss=i"),
        (
            "https://c/cb#access_token=t&token_type=bearer",
            "https://c/cb#access_token=***&token_type=bearer",
        ),
        (
            "https://c/?Access%5FToken=t&refresh_token=r",
            "https://c/?Access%5FToken=***&refresh_token=***",
        ),
        (
            "https://c/?client_secret=s&code_verifier=v",
            "https://c/?client_secret=***&code_verifier=***",
        ),
        ("https://user:pw@c/p?x=1", "https://***@c/p?x=1"),
        ("https://c/p?access_token", "https://c/p?access_token"),
        ("https://c/p", "https://c/p"),
        ("not a url ?code=1", "not a url ?code=***"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.checklist("E9")
@given(st.text(), st.text(alphabet="abcdefXYZ0123456789-._~", min_size=1))
def test_redact_url_never_leaks_a_query_token(prefix: str, token: str) -> None:
    url = f"https://h/p?{prefix.replace('#', '')}&access_token=SECRET{token}"
    assert f"SECRET{token}" not in redact_url(url)


# --- extract_bearer_token: server side -----------------------------------------------------------


@pytest.mark.checklist("K7")
@pytest.mark.parametrize(
    "header",
    [
        f"Bearer {TOKEN}",
        f"bearer {TOKEN}",
        f"BEARER {TOKEN}",
        f"Bearer  {TOKEN}",
        f" Bearer {TOKEN} ",
    ],
)
def test_extract_from_header(header: str) -> None:
    assert extract_bearer_token(_auth(header)) == TOKEN


def _refused(request: Request, status: int = 400, **kwargs: Any) -> InvalidRequestError:
    with pytest.raises(InvalidRequestError) as info:
        extract_bearer_token(request, **kwargs)
    error = info.value
    assert error.error == "invalid_request"
    assert error.status == status
    assert "SECRET" not in str(error)
    return error


@pytest.mark.checklist("K7")
@pytest.mark.parametrize(
    "header",
    [
        "Bearer SECRET y",
        "Bearer",
        "Bearer ",
        "bearer   ",
        "Bearer\tSECRET",
        "Bearer SECRET\tx",
        "Bearer SECRET,x",
        'Bearer SECRET"',
        "Bearer SECRÉT",
        "Bearer =SECRET",
        "Bearer SECRET=x",
        "Bearer=SECRET",
        "Bearer ==",
    ],
)
def test_malformed_bearer_header_is_invalid_request(header: str) -> None:
    _refused(_auth(header))


@pytest.mark.checklist("K7")
def test_two_authorization_headers_are_refused() -> None:
    _refused(_auth(f"Bearer {TOKEN}", f"Bearer {TOKEN}"))
    _refused(_auth("Basic abc", f"Bearer {TOKEN}"))


@pytest.mark.checklist("K7", "M1")
def test_oversized_header_is_refused_before_splitting() -> None:
    huge = "Bearer " + "a" * (1024 * 1024)
    start = time.perf_counter()
    _refused(_auth(huge))
    assert time.perf_counter() - start < 0.5  # 10x the 50 ms budget (checklist T5)
    assert extract_bearer_token(_auth("Bearer " + "a" * 9000), max_header=10_000) == "a" * 9000


@pytest.mark.checklist("K7")
@pytest.mark.parametrize("request_", [_get(), _auth("Basic dXNlcjpwYXNz"), _auth("Digest a=b")])
def test_no_bearer_token_is_a_401_invalid_request(request_: Request) -> None:
    error = _refused(request_, status=401)
    assert error.error_description == "no bearer token"


@pytest.mark.checklist("K7", "E8")
def test_token_in_query_or_body_only_when_allowed() -> None:
    in_query = _get(f"{URL}?a=1&access_token={TOKEN}")
    assert extract_bearer_token(in_query, allow_query=True) == TOKEN
    _refused(in_query)
    in_body = _post(f"a=1&access_token={TOKEN}")
    assert extract_bearer_token(in_body, allow_body=True) == TOKEN
    _refused(in_body)  # a body token where none is accepted is refused, not ignored (E8)
    encoded = _get(f"{URL}?access%5Ftoken=a%2Bb%2F%3D", headers={"Authorization": "Basic x"})
    assert extract_bearer_token(encoded, allow_query=True) == "a+b/="


@pytest.mark.checklist("K7", "E8")
@pytest.mark.parametrize(
    "request_",
    [
        _get(f"{URL}?access_token=SECRET", headers={"Authorization": "Bearer SECRET"}),
        _get(f"{URL}?access_token=SECRET&access_token=SECRET"),
        Request.build(
            "POST",
            f"{URL}?access_token=SECRET",
            headers={"Content-Type": FORM},
            body="access_token=SECRET",
        ),
        Request.build(
            "POST",
            URL,
            headers={"Content-Type": FORM, "Authorization": "Bearer SECRET"},
            body="access_token=SECRET",
        ),
        _post("access_token=SECRET&access_token=SECRET"),
    ],
)
def test_more_than_one_method_is_invalid_request(request_: Request) -> None:
    _refused(request_, allow_body=True, allow_query=True)


@pytest.mark.checklist("K7", "E8")
def test_query_token_beside_a_header_is_refused_even_if_query_not_allowed() -> None:
    _refused(_get(f"{URL}?access_token=SECRET", headers={"Authorization": "Bearer SECRET"}))


@pytest.mark.checklist("K7")
@pytest.mark.parametrize(
    "request_",
    [
        _get(f"{URL}?access_token=SEC%20RET"),
        _get(f"{URL}?access_token="),
        _get(f"{URL}?access_token=SECRET%0D%0AX"),
        _post("access_token=SECRET%22"),
        Request.build("GET", URL, headers={"Content-Type": FORM}, body="access_token=SECRET"),
    ],
)
def test_malformed_query_or_body_token_is_invalid_request(request_: Request) -> None:
    _refused(request_, allow_body=True, allow_query=True)


# --- WWW-Authenticate --------------------------------------------------------------------------


def test_parse_several_challenges_of_which_some_are_bearer() -> None:
    value = (
        'Basic realm="x, y", , Newauth realm="apps", type=1, title="Login to \\"apps\\"", '
        'bearer error="invalid_token", Negotiate abc==, Bearer realm="example", '
        'SCOPE = "a  b", Foo=bar, x="\\\\"'
    )
    first, second = parse_www_authenticate(value)
    assert first == BearerChallenge(error="invalid_token", params=(("error", "invalid_token"),))
    assert second.realm == "example"
    assert second.scope == ("a", "b")
    assert second.error is None
    assert second.params == (("realm", "example"), ("SCOPE", "a  b"), ("Foo", "bar"), ("x", "\\"))


@pytest.mark.parametrize(
    ("value", "count"),
    [
        ("", 0),
        (" , ,", 0),
        ("Bearer", 1),
        ("Bearer, Bearer", 2),
        ("Basic, Digest", 0),
        ("Bearer,", 1),
    ],
)
def test_parse_challenges_without_params(value: str, count: int) -> None:
    challenges = parse_www_authenticate(value)
    assert challenges == (BearerChallenge(),) * count


def test_token_values_and_escapes() -> None:
    (challenge,) = parse_www_authenticate(
        'Bearer error=invalid_token,error_description="a \\"quoted\\" \\\\ word\\x", '
        'error_uri="https://e.example/\u00e9"'
    )
    assert challenge.error == "invalid_token"
    assert challenge.error_description == 'a "quoted" \\ wordx'
    assert challenge.error_uri == "https://e.example/\u00e9"


@pytest.mark.parametrize(
    "value",
    [
        'realm="x"',
        "=",
        '"x"',
        'Bearer realm="x',
        "Bearer realm=",
        'Bearer realm="x" error="y"',
        'Bearer realm="x"y',
        'Bearer realm="a\\',
        'Bearer realm="a\\\x01"',
        'Bearer realm="\x01"',
        'Bearer realm="x"\r\n',
        'Bearer\trealm="x"',
        'Bearer="x"',
        "Bearer abc==",
        "Bearer realm",
        'Bearer realm="a", Realm="b"',
        'Bearer error="a", error=b',
        "Bearer a=b, =c",
        'Bearer a="b" ; c=d',
    ],
)
def test_malformed_challenges_raise_protocol_error(value: str) -> None:
    with pytest.raises(ProtocolError):
        parse_www_authenticate(value)


@pytest.mark.checklist("M1")
def test_www_authenticate_size_and_element_limits() -> None:
    value = 'Bearer realm="' + "x" * 8200 + '"'
    with pytest.raises(ProtocolError, match="8192"):
        parse_www_authenticate(value)
    assert parse_www_authenticate(value, max_length=9000)[0].realm == "x" * 8200
    with pytest.raises(ProtocolError):
        parse_www_authenticate("Bearer " + ", ".join(f"p{i}=v" for i in range(65)))
    with pytest.raises(ProtocolError):
        parse_www_authenticate(", ".join(["Basic"] * 65))


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("invalid_token", InvalidTokenError),
        ("insufficient_scope", InsufficientScopeError),
        ("invalid_request", InvalidRequestError),
    ],
)
def test_challenge_error_maps_rfc6750_codes(code: str, cls: type[OAuthServerError]) -> None:
    challenge = BearerChallenge(error=code, error_description="d", error_uri="https://e/x")
    error = challenge_error(challenge, status=401)
    assert type(error) is cls
    assert error is not None
    assert (error.error, error.error_description, error.error_uri) == (code, "d", "https://e/x")
    assert error.status == 401


def test_challenge_error_unknown_code_no_code_and_scrubbing() -> None:
    assert challenge_error(BearerChallenge(realm="example")) is None
    odd = challenge_error(BearerChallenge(error="weird\x1b[31m"))
    assert type(odd) is OAuthServerError
    assert "\x1b" not in str(odd)
    leak = BearerChallenge(error="invalid_token", error_description=f"token {TOKEN} expired")
    error = challenge_error(leak, scrub=[TOKEN])
    assert error is not None
    assert TOKEN not in str(error)
    assert error.error_description == "token *** expired"


def test_build_www_authenticate() -> None:
    assert build_www_authenticate(realm="example") == 'Bearer realm="example"'
    built = build_www_authenticate(
        realm='a"b\\', scope=["openid", "profile"], error="insufficient_scope", error_uri="u:x"
    )
    assert built == (
        'Bearer realm="a\\"b\\\\", scope="openid profile", error="insufficient_scope", '
        'error_uri="u:x"'
    )
    assert build_www_authenticate(error="invalid_token", scope="  a  b ") == (
        'Bearer scope="a b", error="invalid_token"'
    )
    assert build_www_authenticate(realm="r", scope="") == 'Bearer realm="r"'
    assert build_www_authenticate(realm="r", scope=()) == 'Bearer realm="r"'


@pytest.mark.checklist("K7")
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"scope": " "},
        {"error": ""},
        {"error": 'in"valid'},
        {"error": "a\\b"},
        {"error_description": 'The "token"'},
        {"error_description": "line\r\nX-Injected: 1"},
        {"error_description": "caf\u00e9"},
        {"error_description": "tab\there"},
        {"error_uri": "https://e/a b"},
        {"scope": ["a b"]},
        {"scope": [""]},
        {"scope": ['a"']},
        {"realm": "r\r\n"},
        {"realm": "caf\u00e9"},
    ],
)
def test_build_refuses_values_that_could_break_the_header(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        build_www_authenticate(**kwargs)


# --- properties --------------------------------------------------------------------------------

_NQCHAR = st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters='"\\')
_QTEXT = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters='"\\'), min_size=1
)
B64TOKENS = st.from_regex(r"[A-Za-z0-9\-._~+/]+=*", fullmatch=True)
VSCHAR_TOKENS = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1)


@pytest.mark.checklist("K7")
@given(
    realm=st.none() | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E)),
    scope=st.none() | st.lists(st.text(_NQCHAR, min_size=1), min_size=1, max_size=5).map(tuple),
    error=st.none() | _QTEXT,
    description=st.none() | _QTEXT,
    uri=st.none() | st.text(_NQCHAR, min_size=1),
)
def test_build_then_parse_round_trip(
    realm: str | None,
    scope: tuple[str, ...] | None,
    error: str | None,
    description: str | None,
    uri: str | None,
) -> None:
    kwargs = {"realm": realm, "error": error, "error_description": description, "error_uri": uri}
    if all(v is None for v in kwargs.values()) and scope is None:
        realm = kwargs["realm"] = ""
    value = build_www_authenticate(**kwargs, scope=scope)
    (challenge,) = parse_www_authenticate(f'Basic realm="x", {value}, Other a=b')
    assert (challenge.realm, challenge.scope, challenge.error) == (realm, scope, error)
    assert (challenge.error_description, challenge.error_uri) == (description, uri)


_HEADERISH = st.text(alphabet=' \t,="\\=aBbEeRr;é\x01\x00/+', max_size=60)


@pytest.mark.checklist("M1", "M4")
@given(st.text(max_size=300) | _HEADERISH)
def test_parse_arbitrary_text_returns_or_raises_oauth_error(value: str) -> None:
    try:
        result = parse_www_authenticate(value)
    except OAuthError:
        return
    assert all(isinstance(c, BearerChallenge) for c in result)


_FIELD_VALUE = st.text(st.characters(exclude_categories=["Cc"]) | st.sampled_from("\t"))
_HEADER_LISTS = st.lists(
    st.tuples(
        st.sampled_from(["Authorization", "authorization", "Content-Type", "X-Other"]),
        st.one_of(
            _FIELD_VALUE,
            st.builds(
                lambda s, v: s + v, st.sampled_from(["Bearer ", "bearer", "Bearer  "]), _FIELD_VALUE
            ),
            st.just(FORM),
        ),
    ),
    max_size=4,
)


@pytest.mark.checklist("K7", "E8")
@given(
    headers=_HEADER_LISTS,
    query=st.text(st.characters(exclude_categories=("Cc", "Zs")), max_size=40),
    body=st.binary(max_size=40) | st.text(max_size=40).map(lambda s: s.encode("utf-8", "replace")),
    method=st.sampled_from(["GET", "POST"]),
    allow_body=st.booleans(),
    allow_query=st.booleans(),
)
def test_extract_on_arbitrary_requests_returns_or_raises_oauth_error(
    headers: list[tuple[str, str]],
    query: str,
    body: bytes,
    method: str,
    allow_body: bool,
    allow_query: bool,
) -> None:
    query = query.replace("#", "")
    request = Request(method=method, url=f"{URL}?{query}", headers=tuple(headers), body=body)
    try:
        got = extract_bearer_token(request, allow_body=allow_body, allow_query=allow_query)
    except OAuthError:
        return
    assert is_b64token(got)


@pytest.mark.checklist("E8", "E9")
@given(
    token=B64TOKENS,
    placement=st.sampled_from(list(BearerPlacement)),
    params=st.lists(
        st.tuples(st.sampled_from(["a", "b", "scope"]), st.text(max_size=5)), max_size=3
    ),
)
def test_apply_then_extract_gives_the_token_back(
    token: str, placement: BearerPlacement, params: list[tuple[str, str]]
) -> None:
    query = encode_form(params)
    request = Request.build(
        "POST", f"{URL}?{query}", headers={"Content-Type": FORM}, body=encode_form(params)
    )
    sent = apply_bearer(request, FakeToken(access_token=token), placement=placement)
    assert extract_bearer_token(sent, allow_body=True, allow_query=True) == token
    if placement is not BearerPlacement.QUERY:
        assert sent.url == request.url


@given(token=VSCHAR_TOKENS)
def test_same_parameters_as_oauthlib(token: str) -> None:
    ours = apply_bearer(_get(), token)
    assert ours.header("Authorization") == prepare_bearer_headers(token)["Authorization"]
    ours_query = apply_bearer(_get(f"{URL}?x=1"), token, placement=BearerPlacement.QUERY)
    theirs_query = urlsplit(prepare_bearer_uri(token, f"{URL}?x=1")).query
    assert ours_query.url.rpartition("&")[2] == theirs_query.rpartition("&")[2]
    ours_body = apply_bearer(_post(), token, placement=BearerPlacement.BODY).body
    assert ours_body.decode("ascii") == prepare_bearer_body(token, "")


# --- worst-case timing (M4) --------------------------------------------------------------------

_N = 64 * 1024
ADVERSARIAL = [
    'Bearer a="' + '\\"' * (_N // 2),
    'Bearer a="' + '\\"' * (_N // 2 - 8) + '"',
    'Bearer a="' + "\\" * _N,
    "Bearer " + "," * _N,
    "Bearer " + "a=b," * (_N // 4),
    "Bearer " + ", " * (_N // 2) + 'realm="x"',
    "B, " * (_N // 3),
    "Bearer a" + "=" * _N,
    "Bearer " + "a" * _N + "=x",
    "Bearer a" + " " * _N + "=b",
    "Bearer a=b" + " " * _N + "c",
    "Bearer " + "a" * _N + " ",
    'Bearer a="' + "x" * _N,
    "\t" * _N,
]


def _best_of_three(call: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        with contextlib.suppress(OAuthError):
            call()
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.checklist("M1", "M4")
@pytest.mark.parametrize("value", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_adversarial_64k_headers_are_fast(value: str) -> None:
    assert _best_of_three(lambda: parse_www_authenticate(value)) < 0.5
    assert _best_of_three(lambda: parse_www_authenticate(value, max_length=_N * 2)) < 0.5
    request = Request(method="GET", url=URL, headers=(("Authorization", value),))
    assert _best_of_three(lambda: extract_bearer_token(request, max_header=_N * 2)) < 0.5
    assert _best_of_three(lambda: redact_url(f"{URL}?{value}")) < 0.5


@pytest.mark.checklist("M1", "M4")
def test_large_url_and_body_are_scanned_in_linear_time() -> None:
    big = _post("a=" + "b" * (1024 * 1024) + f"&access_token={TOKEN}", url=f"{URL}?{'c' * 60_000}")
    assert _best_of_three(lambda: extract_bearer_token(big, allow_body=True)) < 0.5


@pytest.mark.checklist("M4")
@pytest.mark.parametrize(
    "url",
    [URL + "?" + "&" * 16_000, URL + "?" + "a%=&" * 4000, URL + "?" + "access%5Ftoken=a&" * 900],
)
def test_adversarial_query_is_fast(url: str) -> None:
    request = _get(url)
    assert _best_of_three(lambda: extract_bearer_token(request, allow_query=True)) < 0.5
    body = _post(url.partition("?")[2] * 4)
    assert _best_of_three(lambda: extract_bearer_token(body, allow_body=True)) < 0.5
    assert _best_of_three(lambda: redact_url(url + "#" + url * 3)) < 0.5


@pytest.mark.checklist("E8")
def test_a_body_token_beside_a_header_token_is_refused_even_when_body_is_not_allowed() -> None:
    request = Request(
        method="POST",
        url="https://api.example.com/r",
        headers=(
            ("Authorization", "Bearer AT1"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ),
        body=b"access_token=AT2",
    )
    with pytest.raises(InvalidRequestError):
        extract_bearer_token(request)

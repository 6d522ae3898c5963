"""Tests for :mod:`oauthcore.oauth2.token`: token requests, responses and the Token value.

Each checklist row (SECURITY-CHECKLIST A1–A20, B13, G2, I1, I2, I4–I6) has a marked test; the
RFC 6749 examples run from ``vectors/oauth2/rfc6749-token.json``; hypothesis checks the round
trip, the typed-error contract, the secret canaries, and agreement with oauthlib (test-only).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import pickle
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from oauthlib.oauth2.rfc6749.parameters import parse_token_response as oauthlib_parse
from oauthlib.oauth2.rfc6749.parameters import prepare_token_request as oauthlib_prepare

from oauthcore import errors
from oauthcore._encoding import decode_form
from oauthcore.errors import ConfigurationError, OAuthError, OAuthServerError, TokenResponseError
from oauthcore.http import Request, Response
from oauthcore.oauth2 import (
    MAX_EXPIRES_IN,
    MAX_TOKEN_RESPONSE_BYTES,
    Token,
    build_authorization_code_request,
    build_client_credentials_request,
    build_grant_request,
    build_password_request,
    build_refresh_request,
    parse_token_response,
)
from oauthcore.oauth2 import token as token_module
from oauthcore.oauth2.client import ClientAuthMethod, ClientConfig, basic_authorization

NOW = 1_700_000_000
TOKEN_URL = "https://server.example.com/token"
JSON_TYPE = "application/json;charset=UTF-8"
FORM_TYPE = "application/x-www-form-urlencoded"
AT = "AT-canary-6f1d0c9e8b7a5d4c"
RT = "RT-canary-1a2b3c4d5e6f7081"
CODE = "CODE-canary-99aa88bb77cc66dd"
CS = "CS-canary-0f0e0d0c0b0a0908"
CANARIES = (AT, RT, CODE, CS)
VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "oauth2" / "rfc6749-token.json"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 Appendix B


def response(body: object, *, status: int = 200, content_type: str | None = JSON_TYPE) -> Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = () if content_type is None else (("Content-Type", content_type),)
    return Response(status=status, headers=headers, body=raw)


def parse(body: object, *, status: int = 200, **options: Any) -> Token:
    return parse_token_response(response(body, status=status), now=lambda: NOW, **options)


def refused(body: object, *, status: int = 200, **options: Any) -> TokenResponseError:
    with pytest.raises(TokenResponseError) as info:
        parse(body, status=status, **options)
    return info.value


def ok(**members: object) -> dict[str, object]:
    return {"access_token": "mF_9.B5f-4.1JqM", "token_type": "Bearer", **members}


def client(method: ClientAuthMethod = ClientAuthMethod.CLIENT_SECRET_BASIC) -> ClientConfig:
    secret = None if method is ClientAuthMethod.NONE else "gX1fBat3bV"
    return ClientConfig(
        client_id="s6BhdRkqt3",
        client_secret=secret,
        auth_method=method,
        token_endpoint=TOKEN_URL,
        redirect_uri="https://client.example.com/cb",
    )


def body_params(request: Request) -> list[tuple[str, str]]:
    return decode_form(request.body)


def outcome(call: Callable[[], Token]) -> Token | OAuthError:
    """The token ``call`` returns, or the OAuthError it raises (anything else propagates)."""
    try:
        return call()
    except OAuthError as exc:
        return exc


def texts_of(exc: BaseException) -> Iterator[str]:
    """Every text an exception exposes: str, repr, args, attributes, the formatted chain."""
    yield "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        # Every attribute but raw_error_description, which keeps the provider's text as
        # received on purpose (checklist B10) and is never part of a message.
        attributes = {k: v for k, v in vars(current).items() if k != "raw_error_description"}
        yield from (str(current), repr(current), repr(current.args), repr(attributes))
        yield repr(getattr(current, "__notes__", ()))
        current = current.__cause__ or current.__context__


def assert_no_canary(
    texts: Iterator[str] | list[str], canaries: tuple[str, ...] = CANARIES
) -> None:
    for text in texts:
        for canary in canaries:
            assert canary not in text


# --- A1–A7: the body as a whole ---------------------------------------------------------------


@pytest.mark.checklist("A1")
@pytest.mark.parametrize("body", [b"[]", b"null", b"123", b'"str"', b"true", b"[{}]"])
@pytest.mark.parametrize("status", [200, 400])
def test_json_that_is_not_an_object(body: bytes, status: int) -> None:
    error = refused(body, status=status)
    assert "token response is not a JSON object" in str(error)
    assert error.status == status


@pytest.mark.checklist("A2")
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html><body>" + AT.encode() + b" Bad Gateway</body></html>", "text/html"),
        (b"Internal error " + AT.encode(), "text/plain"),
        (b"", JSON_TYPE),
        (b'{"access_token": "' + AT.encode(), JSON_TYPE),
        (b"access_token=" + AT.encode(), None),
    ],
)
@pytest.mark.parametrize("status", [200, 400, 401])
def test_non_json_body_names_status_and_type_never_text(
    body: bytes, content_type: str | None, status: int
) -> None:
    with pytest.raises(TokenResponseError) as info:
        parse_token_response(response(body, status=status, content_type=content_type))
    error = info.value
    assert error.status == status
    assert f"HTTP {status}" in str(error)
    assert repr(content_type or "") in str(error)
    assert f"{len(body)} bytes" in str(error)
    assert_no_canary(texts_of(error))
    assert error.__context__ is None
    assert error.__cause__ is None


@pytest.mark.checklist("A2")
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html>502 Bad Gateway " + AT.encode() + b"</html>", "text/html"),
        (b"", None),
        (b"[]", JSON_TYPE),
        (json.dumps(ok(access_token=AT)).encode(), JSON_TYPE),
    ],
)
@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_without_oauth_error_is_a_retryable_server_error(
    body: bytes, content_type: str | None, status: int
) -> None:
    with pytest.raises(errors.ServerError) as info:
        parse_token_response(response(body, status=status, content_type=content_type))
    assert info.value.retryable
    assert info.value.status == status
    assert info.value.error == "server_error"
    assert_no_canary(texts_of(info.value))


@pytest.mark.checklist("A2")
@pytest.mark.parametrize("status", [301, 302, 400, 404])
def test_non_2xx_json_without_error_member(status: int) -> None:
    error = refused(ok(access_token=AT), status=status)
    assert error.status == status
    assert_no_canary(texts_of(error))


@pytest.mark.checklist("A2")
@pytest.mark.parametrize(
    "content_type",
    [
        FORM_TYPE,
        "Application/X-WWW-Form-Urlencoded; charset=utf-8",
        " application/x-www-form-urlencoded",
    ],
)
def test_form_encoded_body_when_the_content_type_says_so(content_type: str) -> None:
    body = (
        b"access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%20gist&token_type=bearer"
    )
    token = parse_token_response(
        Response(status=200, headers=(("Content-Type", content_type),), body=body)
    )
    assert token.access_token == "gho_16C7e42F292c6912E7710c838347Ae178B4a"
    assert token.token_type == "Bearer"
    assert token.scope == ("repo", "gist")


@pytest.mark.checklist("A2", "A18")
def test_form_encoded_error_in_a_200() -> None:
    # GitHub answers a bad code with 200 and a form-encoded error.
    body = b"error=bad_verification_code&error_description=The+code+is+incorrect"
    with pytest.raises(OAuthServerError) as info:
        parse_token_response(response(body, content_type=FORM_TYPE))
    assert info.value.error == "bad_verification_code"
    assert info.value.error_description == "The code is incorrect"


@pytest.mark.checklist("A2")
@pytest.mark.parametrize("content_type", [None, JSON_TYPE, "text/plain", "text/html"])
def test_form_body_is_never_guessed(content_type: str | None) -> None:
    with pytest.raises(TokenResponseError, match="not JSON"):
        parse_token_response(
            response(b"access_token=abc&token_type=bearer", content_type=content_type)
        )


@pytest.mark.checklist("A2", "A3", "A16")
@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"access_token=%C3%28", "not form data"),
        ("access_token=é".encode(), "not form data"),
        (b"access_token=a&access_token=b", "repeats 'access_token'"),
        (b"x=1&x=2", "repeats a member"),
    ],
)
def test_malformed_form_bodies(body: bytes, problem: str) -> None:
    with pytest.raises(TokenResponseError, match=problem) as info:
        parse_token_response(response(body, content_type=FORM_TYPE))
    assert info.value.__context__ is None


@pytest.mark.checklist("A3")
@pytest.mark.parametrize(
    "body",
    [
        json.dumps(ok(access_token="caf\u00e9"), ensure_ascii=False).encode("latin-1"),
        json.dumps(ok()).encode("utf-16"),
        json.dumps(ok()).encode("utf-16-le"),
        json.dumps(ok()).encode("utf-32"),
        b"\xff\xfe" + json.dumps(ok()).encode("utf-8"),
        json.dumps(ok()).encode() + b"\x80",
    ],
)
def test_bodies_that_are_not_utf8_json(body: bytes) -> None:
    error = refused(body)
    assert "not UTF-8" in str(error) or "not JSON" in str(error)
    assert error.__context__ is None


@pytest.mark.checklist("A3")
def test_a_leading_utf8_bom_is_skipped() -> None:
    token = parse(b"\xef\xbb\xbf" + json.dumps(ok(scope="caf\u00e9")).encode())
    assert token.scope == ("caf\u00e9",)
    refused(b"\xef\xbb\xbf\xef\xbb\xbf" + json.dumps(ok()).encode())  # only one


@pytest.mark.checklist("A4")
def test_body_over_the_cap_is_refused_before_decoding() -> None:
    body = json.dumps(ok(padding="x" * 100)).encode()
    assert parse(body, max_bytes=len(body)).access_token
    error = refused(body, max_bytes=len(body) - 1)
    assert f"over {len(body) - 1} bytes" in str(error)
    # The default cap is 1 MiB, and the check comes first: undecodable bytes are not looked at.
    huge = b"\xff" * (MAX_TOKEN_RESPONSE_BYTES + 1)
    assert "over 1048576 bytes" in str(refused(huge))


@pytest.mark.checklist("A4", "A17")
def test_member_count_is_bounded() -> None:
    many = {f"k{i}": i for i in range(998)}
    assert len(parse(ok(**many)).extra) == 998
    error = refused(ok(**many, one_more=1))
    assert "more than 1000 members" in str(error)
    form = "&".join(f"k{i}=v" for i in range(1001)).encode()
    with pytest.raises(TokenResponseError, match="more than 1000 members"):
        parse_token_response(response(form, content_type=FORM_TYPE))
    # The bound is on members, not on size: one huge member is fine within the byte cap.
    assert parse(ok(big=list(range(100_000)))).to_dict()["extra"] == {"big": list(range(100_000))}


@pytest.mark.checklist("A6")
@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"a":' * 100_000,
        b'{"access_token":"a","extra":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
)
def test_deep_nesting(body: bytes) -> None:
    error = refused(body)
    assert "nested too deeply" in str(error)
    assert error.__context__ is None
    assert error.__cause__ is None


@pytest.mark.checklist("A7")
@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1E999"])
@pytest.mark.parametrize("where", ["expires_in", "extra", "nested"])
def test_non_finite_numbers_anywhere(number: str, where: str) -> None:
    value = {"expires_in": number, "extra": number, "nested": f'{{"a":[1,{number}]}}'}[where]
    key = "expires_in" if where == "expires_in" else "example"
    body = f'{{"access_token":"abc","token_type":"Bearer","{key}":{value}}}'.encode()
    error = refused(body)
    assert "NaN or Infinity" in str(error) or "out of range" in str(error)
    assert error.__context__ is None


# --- A8–A10: expires_in -------------------------------------------------------------------------


@pytest.mark.checklist("A8")
@pytest.mark.parametrize("value", [3600, 3600.0, 3600.9, "3600", "3600.5", "03600"])
def test_expires_in_forms_accepted(value: object) -> None:
    token = parse(ok(expires_in=value))
    assert token.expires_at == NOW + 3600
    assert not token.expiry_adjusted


@pytest.mark.checklist("A9")
@pytest.mark.parametrize(
    "value",
    [
        "\u0661\u0662\u0663",
        "1_0",
        " 10\n",
        "10\n",
        "+5",
        "-5",
        "1e3",
        "0x10",
        "",
        ".5",
        "5.",
        "soon",
        "\uff11\uff10",
        True,
        False,
        [1],
        {},
        {"s": 1},
    ],
)
def test_expires_in_refused_without_echoing_it(value: object) -> None:
    error = refused(ok(expires_in=value))
    assert "expires_in" in str(error)
    assert "§5.1" in str(error)
    if isinstance(value, str) and value.strip():
        assert value.strip() not in str(error).replace("§5.1", "")


def test_expires_in_null_is_absent() -> None:
    token = parse(ok(expires_in=None))
    assert token.expires_at is None
    assert not token.expiry_adjusted
    assert not token.is_expired(NOW + 10**9)


@pytest.mark.checklist("A10")
@pytest.mark.parametrize("value", [0, -1, -(10**30), "0", "0.9", 0.5, -3600.5])
def test_non_positive_expires_in_keeps_the_token_as_expired(value: object) -> None:
    token = parse(ok(expires_in=value))
    assert token.expiry_adjusted
    assert token.expires_at == NOW
    assert token.is_expired(NOW, leeway=0)
    error = refused(ok(expires_in=value), strict=True)
    assert "not positive" in str(error)


@pytest.mark.checklist("A10")
@pytest.mark.parametrize("value", [MAX_EXPIRES_IN + 1, 10**30, "9" * 40, "1" * 4300, 1e300])
def test_absurd_expires_in_is_clamped_and_flagged(value: object) -> None:
    token = parse(ok(expires_in=value))
    assert token.expires_at == NOW + MAX_EXPIRES_IN
    assert token.expiry_adjusted
    assert not parse(ok(expires_in=MAX_EXPIRES_IN)).expiry_adjusted


@pytest.mark.checklist("A10")
def test_more_than_4300_digits_is_a_typed_error() -> None:
    as_string = refused(ok(expires_in="9" * 4301))
    assert "expires_in" in str(as_string)
    number = b'{"access_token":"a","expires_in":' + b"9" * 5000 + b"}"
    assert "4300 digits" in str(refused(number))
    extra = b'{"access_token":"a","big":-' + b"1" * 4301 + b"}"
    assert "4300 digits" in str(refused(extra))
    assert parse(b'{"access_token":"a","big":' + b"1" * 4300 + b"}").extra[0][0] == "big"


def test_now_is_called_only_for_expires_in() -> None:
    calls: list[int] = []

    def clock() -> int:
        calls.append(1)
        return NOW

    parse_token_response(response(ok()), now=clock)
    assert calls == []
    parse_token_response(response(ok(expires_in=60)), now=clock)
    assert calls == [1]


# --- A11–A14: access_token and token_type -------------------------------------------------------


@pytest.mark.checklist("A11")
@pytest.mark.parametrize("members", [{}, {"access_token": None}, {"access_token": ""}])
def test_access_token_missing_or_empty(members: dict[str, object]) -> None:
    error = refused({"token_type": "Bearer", **members})
    assert "access_token" in str(error)


@pytest.mark.checklist("A11")
@pytest.mark.parametrize("value", [123, 1.5, ["a"], {"a": 1}, True])
def test_access_token_not_a_string(value: object) -> None:
    assert "access_token" in str(refused(ok(access_token=value)))


@pytest.mark.checklist("A11", "A20")
@pytest.mark.parametrize(
    "value",
    [
        "a\x00b",
        "a\r\nSet-Cookie: x",
        "a\tb",
        "a\x7fb",
        "caf\u00e9",
        "a\u2028b",
        "\ud800",
        "a\udfff",
    ],
)
def test_access_token_outside_vschar(value: str) -> None:
    error = refused(ok(access_token=value))
    assert "VSCHAR" in str(error)
    assert "A.12" in str(error)


@pytest.mark.checklist("A11")
@pytest.mark.parametrize(
    ("value", "nonstandard"),
    [
        ("mF_9.B5f-4.1JqM", False),
        ("abc+/==", False),
        ("a~b", False),
        ("EAAB|abcdef", True),  # Facebook app tokens hold a vertical bar
        ("a b", True),
        ("a=b", True),
        ('a"b', True),
        ("==", True),
    ],
)
def test_printable_tokens_accepted_and_flagged(value: str, nonstandard: bool) -> None:
    token = parse(ok(access_token=value))
    assert token.access_token == value
    assert token.access_token_nonstandard is nonstandard


@pytest.mark.checklist("A12")
@pytest.mark.parametrize("members", [{}, {"token_type": None}])
def test_missing_token_type_is_assumed_bearer(members: dict[str, object]) -> None:
    token = parse({"access_token": "abc", **members})
    assert token.token_type == "Bearer"
    assert token.token_type_assumed
    assert token.is_bearer
    assert "token_type" in str(refused({"access_token": "abc", **members}, strict=True))
    assert not parse(ok()).token_type_assumed


@pytest.mark.checklist("A13")
@pytest.mark.parametrize("value", ["bearer", "BEARER", "Bearer", "bEaReR"])
def test_bearer_in_any_case(value: str) -> None:
    token = parse(ok(token_type=value))
    assert token.token_type == "Bearer"
    assert token.is_bearer
    assert not token.token_type_assumed


@pytest.mark.checklist("A14")
@pytest.mark.parametrize("value", ["mac", "DPoP", "N_A", "example", "urn:example:token-type"])
def test_other_token_types_are_kept_as_received(value: str) -> None:
    token = parse(ok(token_type=value))
    assert token.token_type == value
    assert not token.is_bearer


@pytest.mark.checklist("A14", "A20")
@pytest.mark.parametrize(
    "value", [5, "", "bearer token", "b\u00e9arer", "x\x00", "\ud800", ["Bearer"]]
)
def test_malformed_token_type(value: object) -> None:
    assert "token_type" in str(refused(ok(token_type=value)))


# --- A15–A20 ------------------------------------------------------------------------------------


@pytest.mark.checklist("A15", "I6")
@pytest.mark.parametrize(
    ("granted", "requested", "scope", "changed"),
    [
        ("read write", None, ("read", "write"), False),
        ("read  write ", None, ("read", "write"), False),
        ("read write", ["read", "write"], ("read", "write"), False),
        ("write read", ("read", "write"), ("write", "read"), False),
        ("read", ["read", "write"], ("read",), True),
        ("read write admin", "read write", ("read", "write", "admin"), True),
        ("", ["read"], (), True),
        (None, ["read", "write"], ("read", "write"), False),
        (None, "read write", ("read", "write"), False),
        (None, None, None, False),
    ],
)
def test_granted_scope_is_reported_as_data(
    granted: str | None, requested: Any, scope: tuple[str, ...] | None, changed: bool
) -> None:
    members = ok() if granted is None else ok(scope=granted)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # checklist I6: a scope change is data, not a warning
        token = parse(members, requested_scope=requested)
    assert token.scope == scope
    assert token.scope_changed is changed


@pytest.mark.checklist("A15")
@pytest.mark.parametrize("value", [5, ["read", "write"], {"read": True}, True])
def test_scope_that_is_not_a_string(value: object) -> None:
    error = refused(ok(scope=value))
    assert "scope" in str(error)
    assert "§3.3" in str(error)


@pytest.mark.checklist("A16")
@pytest.mark.parametrize(
    ("body", "label"),
    [
        (b'{"access_token":"a","access_token":"b"}', "'access_token'"),
        (b'{"access_token":"a","token_type":"Bearer","token_type":"mac"}', "'token_type'"),
        (b'{"access_token":"a","x":{"k":1,"k":2}}', "a member"),
        (b'{"access_token":"a","' + AT.encode() + b'":1,"' + AT.encode() + b'":2}', "a member"),
    ],
)
def test_duplicate_members(body: bytes, label: str) -> None:
    error = refused(body)
    assert f"repeats {label}" in str(error)
    assert "§3.1" in str(error)
    assert_no_canary(texts_of(error))


@pytest.mark.checklist("A17")
def test_unknown_members_are_kept_as_compact_json() -> None:
    huge = "x" * 500_000
    members = ok(
        example_parameter="example_value",
        nested={"a": [1, 2.5, None, True], "b": "caf\u00e9"},
        huge=huge,
        empty=None,
    )
    token = parse(members)
    assert dict(token.extra) == {
        "example_parameter": '"example_value"',
        "nested": '{"a":[1,2.5,null,true],"b":"caf\u00e9"}',
        "huge": json.dumps(huge),
        "empty": "null",
    }
    assert token.to_dict()["extra"] == {
        "example_parameter": "example_value",
        "nested": {"a": [1, 2.5, None, True], "b": "caf\u00e9"},
        "huge": huge,
        "empty": None,
    }
    assert huge not in repr(token)


@pytest.mark.checklist("A17", "A20")
def test_lone_surrogate_in_an_extra_member_is_kept() -> None:
    # It never reaches the wire, so it is kept (losslessly) rather than refused.
    token = parse(b'{"access_token":"a","note":"\\ud800"}')
    assert token.to_dict()["extra"] == {"note": "\ud800"}
    assert Token.from_dict(token.to_dict()) == token


@pytest.mark.checklist("A18", "B13")
@pytest.mark.parametrize(
    "members",
    [
        {"error": "invalid_grant"},
        {"error": "invalid_grant", "access_token": AT, "token_type": "Bearer"},
        {"error": "invalid_grant", "access_token": AT, "refresh_token": RT, "expires_in": 3600},
    ],
)
def test_error_in_a_200_is_an_error(members: dict[str, object]) -> None:
    with pytest.raises(errors.InvalidGrantError) as info:
        parse(members, status=200)
    assert info.value.status == 200
    assert_no_canary(texts_of(info.value))


@pytest.mark.checklist("A19")
def test_with_refresh_keeps_the_old_refresh_token() -> None:
    old = Token(access_token="old", refresh_token=RT, scope=("read",))
    new = parse(ok(access_token="new", expires_in=60))
    kept = old.with_refresh(new)
    assert kept.access_token == "new"
    assert kept.refresh_token == RT
    assert kept.expires_at == NOW + 60
    rotated = parse(ok(access_token="new", refresh_token="RT-2"))
    assert old.with_refresh(rotated) is rotated
    assert Token(access_token="x").with_refresh(new).refresh_token is None


@pytest.mark.checklist("A19")
@pytest.mark.parametrize("value", [None, ""])
def test_absent_or_empty_refresh_token(value: str | None) -> None:
    assert parse(ok(refresh_token=value)).refresh_token is None
    if value == "":
        assert "refresh_token" in str(refused(ok(refresh_token=value), strict=True))


@pytest.mark.checklist("A20")
@pytest.mark.parametrize("value", [5, ["x"], {"x": 1}, True])
def test_refresh_token_not_a_string(value: object) -> None:
    assert "refresh_token" in str(refused(ok(refresh_token=value)))


@pytest.mark.checklist("A20")
def test_lone_surrogates_that_would_reach_the_wire() -> None:
    assert "surrogate" in str(refused(b'{"access_token":"a","refresh_token":"x\\udc00"}'))
    assert "VSCHAR" in str(refused(b'{"access_token":"\\ud83d"}'))
    # A well-formed pair is fine in a refresh token (it is form-encoded on the wire).
    token = parse(b'{"access_token":"a","refresh_token":"x\\ud83d\\ude00"}')
    assert token.refresh_token == "x\U0001f600"
    with pytest.raises(ConfigurationError):
        build_refresh_request(client(), "x\udc00")
    with pytest.raises(ConfigurationError):
        build_authorization_code_request(client(), "\ud800")


# --- B13, I5: error responses -------------------------------------------------------------------


@pytest.mark.checklist("B13")
@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("invalid_request", errors.InvalidRequestError),
        ("invalid_client", errors.InvalidClientError),
        ("invalid_grant", errors.InvalidGrantError),
        ("unauthorized_client", errors.UnauthorizedClientError),
        ("unsupported_grant_type", errors.UnsupportedGrantTypeError),
        ("invalid_scope", errors.InvalidScopeError),
        ("temporarily_unavailable", errors.TemporarilyUnavailableError),
        ("server_error", errors.ServerError),
        ("authorization_pending", OAuthServerError),
        ("", OAuthServerError),
    ],
)
@pytest.mark.parametrize("status", [400, 401, 500])
def test_error_codes_map_to_typed_errors(
    code: str, cls: type[OAuthServerError], status: int
) -> None:
    members = {"error": code, "error_description": "Bad.", "error_uri": "https://as/e"}
    raw = Response(
        status=status,
        headers=(("Content-Type", "application/json"), ("WWW-Authenticate", 'Basic realm="as"')),
        body=json.dumps(members).encode(),
    )
    with pytest.raises(OAuthServerError) as info:
        parse_token_response(raw)
    assert type(info.value) is cls
    assert info.value.error == code
    assert info.value.error_description == "Bad."
    assert info.value.error_uri == "https://as/e"
    assert info.value.status == status


@pytest.mark.checklist("B13")
@pytest.mark.parametrize(
    "members",
    [
        {"error": 5},
        {"error": ["invalid_grant"]},
        {"error": "invalid_grant", "error_description": 5},
        {"error": "invalid_grant", "error_uri": {"u": 1}},
    ],
)
def test_error_members_that_are_not_strings(members: dict[str, object]) -> None:
    error = refused(members, status=400)
    assert "is not a string (RFC 6749 §5.2)" in str(error)


@pytest.mark.checklist("B13")
def test_error_null_means_no_error() -> None:
    assert parse(ok(error=None)).extra == (("error", "null"),)
    assert parse(ok(error_description="odd")).extra == (("error_description", '"odd"'),)


@pytest.mark.checklist("I5", "I4", "B13")
def test_provider_echoing_secrets_is_scrubbed() -> None:
    members = {
        "error": "invalid_grant",
        "error_description": f"code {CODE} for\r\n{CS} with {RT} and {AT}",
        "error_uri": f"https://as.example/e?rt={RT}",
    }
    with pytest.raises(errors.InvalidGrantError) as info:
        parse(members, status=400, scrub=iter(CANARIES))
    assert_no_canary(texts_of(info.value))
    assert "\\x0d\\x0a" in str(info.value)
    assert info.value.error_description is not None
    assert info.value.error_description.count("***") == 4


@pytest.mark.checklist("I5")
def test_content_type_echo_is_scrubbed() -> None:
    raw = Response(status=200, headers=(("Content-Type", f"text/{AT}"),), body=b"<html>")
    with pytest.raises(TokenResponseError) as info:
        parse_token_response(raw, scrub=[AT])
    assert_no_canary(texts_of(info.value))
    raw = replace(raw, status=503)
    with pytest.raises(errors.ServerError) as server:
        parse_token_response(raw, scrub=[AT])
    assert_no_canary(texts_of(server.value))


# --- The Token value: I1, I2, G2 ----------------------------------------------------------------


@pytest.mark.checklist("I2")
def test_repr_shows_no_secret() -> None:
    token = Token(
        access_token=AT,
        refresh_token=RT,
        scope=("read",),
        expires_at=NOW,
        extra=(("id_token", json.dumps(CODE)),),
    )
    for text in (repr(token), str(token), f"{token}", f"{token!r}", repr([token])):
        assert_no_canary([text])
        assert "Token(" in text
        assert "scope=('read',)" in text
    assert token.access_token == AT  # the repr did not change it


@pytest.mark.checklist("I1")
def test_pickle_and_copy_keep_everything() -> None:
    token = parse(ok(expires_in=60, refresh_token=RT, scope="a b", extra={"k": [1]}))
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(token, protocol)) == token  # noqa: S301 (our own bytes)
    assert copy.copy(token) == token
    assert copy.deepcopy(token) == token


@pytest.mark.checklist("I1")
def test_to_dict_is_json_ready_and_restores() -> None:
    token = parse(ok(expires_in=60, refresh_token=RT, scope="a b", example={"k": [1]}))
    data = token.to_dict()
    assert data == {
        "access_token": "mF_9.B5f-4.1JqM",
        "token_type": "Bearer",
        "expires_at": NOW + 60,
        "refresh_token": RT,
        "scope": "a b",
        "scope_changed": False,
        "token_type_assumed": False,
        "expiry_adjusted": False,
        "extra": {"example": {"k": [1]}},
    }
    assert Token.from_dict(json.loads(json.dumps(data))) == token


@pytest.mark.checklist("G2")
@pytest.mark.parametrize(
    ("stored", "expires_at", "adjusted"),
    [
        (None, None, False),
        (NOW, NOW, False),
        (0, 0, False),
        (str(NOW), NOW, False),
        (f"{NOW}.75", NOW, False),
        (NOW + 0.75, NOW, False),
        (NOW - 10**6, NOW - 10**6, False),
        (-5, 0, True),
        (-5.5, 0, True),
        ("soon", None, True),
        ("-5", None, True),
        ("9" * 5000, None, True),
        ("", None, True),
        (True, None, True),
        ([NOW], None, True),
        ({"at": NOW}, None, True),
        (float("nan"), None, True),
        (float("inf"), None, True),
        (10**30, None, True),
        (1.7e12, None, True),  # milliseconds, not seconds: year 55,000
        (253_402_300_799, 253_402_300_799, False),
        (253_402_300_800, None, True),
    ],
)
def test_stored_expires_at_is_normalised_never_a_crash(
    stored: object, expires_at: int | None, adjusted: bool
) -> None:
    token = Token.from_dict({"access_token": "a", "token_type": "Bearer", "expires_at": stored})
    assert token.expires_at == expires_at
    assert token.expiry_adjusted is adjusted


@pytest.mark.checklist("G2")
def test_from_dict_interop_with_other_stores() -> None:
    # What authlib or requests-oauthlib keep: lower-case bearer, expires_in, a list scope.
    stored = {
        "access_token": "a",
        "token_type": "bearer",
        "expires_in": 3600,
        "expires_at": 1_700_003_600.0,
        "scope": ["read", "write"],
        "id_token": "e30.e30.",
    }
    token = Token.from_dict(stored)
    assert token.token_type == "Bearer"
    assert token.expires_at == 1_700_003_600
    assert token.scope == ("read", "write")
    assert dict(token.extra) == {"expires_in": "3600", "id_token": '"e30.e30."'}
    assumed = Token.from_dict({"access_token": "a"})
    assert assumed.token_type_assumed
    assert assumed.is_bearer
    assert Token.from_dict({"access_token": "a", "scope": ("x",)}).scope == ("x",)


@pytest.mark.checklist("G2")
@pytest.mark.parametrize(
    "stored",
    [
        {},
        {"access_token": None},
        {"access_token": 5},
        {"access_token": ""},
        {"access_token": "a\nb"},
        {"access_token": "a", "token_type": 5},
        {"access_token": "a", "token_type": "a b"},
        {"access_token": "a", "refresh_token": 5},
        {"access_token": "a", "refresh_token": ""},
        {"access_token": "a", "refresh_token": "\ud800"},
        {"access_token": "a", "scope": 5},
        {"access_token": "a", "scope": ["a b"]},
        {"access_token": "a", "scope": [""]},
        {"access_token": "a", "scope": [5]},
        {"access_token": "a", "scope_changed": "yes"},
        {"access_token": "a", "token_type": "mac", "token_type_assumed": 1},
        {"access_token": "a", "expiry_adjusted": None},
        {"access_token": "a", "extra": [["k", "v"]]},
        {"access_token": "a", "extra": {"k": {1, 2}}},
        {"access_token": "a", "extra": {"k": float("nan")}},
        {"access_token": "a", "extra": {"k": 1}, "k": 2},
        {"access_token": "a", 5: "v"},
    ],
)
def test_from_dict_refuses_malformed_data(stored: dict[Any, object]) -> None:
    with pytest.raises(ConfigurationError):
        Token.from_dict(stored)


def test_from_dict_needs_a_mapping() -> None:
    with pytest.raises(ConfigurationError):
        Token.from_dict([("access_token", "a")])  # type: ignore[arg-type]  # the refusal is the test


@pytest.mark.parametrize(
    "fields",
    [
        {"access_token": "a b\x00"},
        {"token_type": "bearer"},
        {"token_type": "BEARER"},
        {"token_type": ""},
        {"expires_at": True},
        {"expires_at": -1},
        {"expires_at": 253_402_300_800},
        {"expires_at": 1.5},
        {"refresh_token": ""},
        {"scope": ["a"]},
        {"scope": ("a b",)},
        {"scope_changed": 1},
        {"extra": [("k", "1")]},
        {"extra": (("k", "1", "2"),)},
        {"extra": (["k", "1"],)},
        {"extra": (("k", 1),)},
        {"extra": (("k", "1"), ("k", "2"))},
        {"extra": (("k", "1.0e0"),)},
        {"extra": (("k", "nope"),)},
        {"extra": (("k", '{"a":1,"a":1}'),)},
        {"extra": (("k", "[" * 100_000),)},
        {"extra": (("k", " 1"),)},
    ],
)
def test_token_refuses_invalid_fields(fields: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        Token(**{"access_token": "a", **fields})


@pytest.mark.parametrize(
    ("expires_at", "now", "leeway", "expired"),
    [
        (None, NOW, 60, False),
        (NOW + 61, NOW, 60, False),
        (NOW + 60, NOW, 60, True),
        (NOW + 60, NOW, 0, False),
        (NOW, NOW, 0, True),
        (NOW, NOW - 1, 0, False),
    ],
)
def test_is_expired(expires_at: int | None, now: int, leeway: int, expired: bool) -> None:
    assert Token(access_token="a", expires_at=expires_at).is_expired(now, leeway) is expired


def test_is_expired_default_leeway_is_60_seconds() -> None:
    token = Token(access_token="a", expires_at=NOW + 60)
    assert token.is_expired(NOW)
    assert not token.is_expired(NOW - 1)


# --- Request builders ---------------------------------------------------------------------------


def test_authorization_code_request() -> None:
    request = build_authorization_code_request(
        client(), "SplxlOBeZQQYbYS6WxSbIA", code_verifier=VERIFIER
    )
    assert request.method == "POST"
    assert request.url == TOKEN_URL
    assert request.header("Authorization") == "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"
    assert request.header("Content-Type") == FORM_TYPE
    assert body_params(request) == [
        ("grant_type", "authorization_code"),
        ("code", "SplxlOBeZQQYbYS6WxSbIA"),
        ("redirect_uri", "https://client.example.com/cb"),
        ("code_verifier", VERIFIER),
    ]
    other = build_authorization_code_request(
        client(), "c", redirect_uri="https://client.example.com/x"
    )
    assert ("redirect_uri", "https://client.example.com/x") in body_params(other)
    none = build_authorization_code_request(client(), "c", redirect_uri="")
    assert "redirect_uri" not in dict(body_params(none))
    bare = replace(client(), redirect_uri=None)
    assert "redirect_uri" not in dict(body_params(build_authorization_code_request(bare, "c")))


@pytest.mark.parametrize(
    "verifier", ["short", "a" * 42, "a" * 129, "a" * 42 + "+", VERIFIER[:-1] + "="]
)
def test_authorization_code_request_refuses_a_bad_verifier(verifier: str) -> None:
    with pytest.raises(ConfigurationError, match="code_verifier"):
        build_authorization_code_request(client(), "c", code_verifier=verifier)


@pytest.mark.parametrize(
    "call",
    [
        lambda: build_authorization_code_request(client(), ""),
        lambda: build_refresh_request(client(), ""),
        lambda: build_password_request(client(), "", "pw"),
        lambda: build_client_credentials_request(client(ClientAuthMethod.NONE)),
        lambda: build_grant_request(client(), ""),
        lambda: build_grant_request(client(), "a b"),
        lambda: build_grant_request(client(), "x", [("a", "1"), ("a", "2")]),
        lambda: build_grant_request(client(), "x", {"grant_type": "y"}),
        lambda: build_grant_request(client(), "x", {"client_id": "y"}),
        lambda: build_grant_request(client(), "x", [("client_secret", "y")]),
    ],
)
def test_builders_refuse_bad_input(call: Callable[[], Request]) -> None:
    with pytest.raises(ConfigurationError):
        call()


def test_refresh_request_with_scope() -> None:
    request = build_refresh_request(client(), RT, scope=["read", "write"])
    assert body_params(request) == [
        ("grant_type", "refresh_token"),
        ("refresh_token", RT),
        ("scope", "read write"),
    ]
    as_text = build_refresh_request(client(), RT, scope="read write")
    assert body_params(as_text) == body_params(request)
    with pytest.raises(ConfigurationError):  # §3.3: scope-tokens are separated by one space
        build_refresh_request(client(), RT, scope="  read   write ")
    empty = build_refresh_request(client(), RT, scope=[])
    assert "scope" not in dict(body_params(empty))
    assert "scope" not in dict(body_params(build_refresh_request(client(), RT, scope="")))


@pytest.mark.parametrize(
    "scope", [['a"b'], ["a\\b"], ["caf\u00e9"], ["a b"], [""], ["a\x00"], 'a"b', [5], ["a", None]]
)
def test_scope_tokens_must_be_nqchar(scope: Any) -> None:
    with pytest.raises(ConfigurationError, match="NQCHAR"):
        build_refresh_request(client(), RT, scope=scope)
    with pytest.raises(ConfigurationError, match="NQCHAR"):
        build_client_credentials_request(client(), scope=scope)


def test_scope_tokens_may_hold_any_nqchar() -> None:
    nqchar = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"\\')
    request = build_client_credentials_request(client(), scope=[nqchar, "b"])
    assert dict(body_params(request))["scope"] == nqchar + " b"


def test_client_credentials_request() -> None:
    request = build_client_credentials_request(client(), scope="read")
    assert body_params(request) == [("grant_type", "client_credentials"), ("scope", "read")]
    post = build_client_credentials_request(client(ClientAuthMethod.CLIENT_SECRET_POST))
    assert body_params(post) == [
        ("grant_type", "client_credentials"),
        ("client_id", "s6BhdRkqt3"),
        ("client_secret", "gX1fBat3bV"),
    ]
    assert post.header("Authorization") is None


def test_password_request() -> None:
    request = build_password_request(client(), "johndoe", "A3ddj3w", scope=("a",))
    assert body_params(request) == [
        ("grant_type", "password"),
        ("username", "johndoe"),
        ("password", "A3ddj3w"),
        ("scope", "a"),
    ]
    empty = build_password_request(client(), "johndoe", "")
    assert ("password", "") in body_params(empty)


def test_extension_grant_request() -> None:
    device = "urn:ietf:params:oauth:grant-type:device_code"
    public = client(ClientAuthMethod.NONE)
    request = build_grant_request(
        public, device, {"device_code": "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS"}
    )
    assert body_params(request) == [
        ("grant_type", device),
        ("device_code", "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS"),
        ("client_id", "s6BhdRkqt3"),
    ]
    assert request.header("Authorization") is None
    jwt = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    pairs = build_grant_request(client(), jwt, [("assertion", "e30.e30.sig"), ("scope", "a")])
    assert body_params(pairs)[1:] == [("assertion", "e30.e30.sig"), ("scope", "a")]
    assert body_params(build_grant_request(client(), "custom")) == [("grant_type", "custom")]


# --- Vectors (RFC 6749's own examples) ----------------------------------------------------------

VECTOR_CASES = json.loads(VECTORS.read_text("utf-8"))["cases"]
BUILDERS: dict[str, Callable[..., Request]] = {
    "build_authorization_code_request": build_authorization_code_request,
    "build_client_credentials_request": build_client_credentials_request,
    "build_password_request": build_password_request,
    "build_refresh_request": build_refresh_request,
}


def test_every_vector_has_a_source_and_a_unique_id() -> None:
    ids = [case["id"] for case in VECTOR_CASES]
    assert len(ids) == len(set(ids))
    assert {case["kind"] for case in VECTOR_CASES} == {
        "token_request",
        "token_response",
        "form_encode",
    }
    for case in VECTOR_CASES:
        assert case["source"].startswith("RFC 6749 ")
        assert "https://www.rfc-editor.org/rfc/rfc6749#" in case["source"]


def run_vector(case: dict[str, Any]) -> None:
    """Run one case of this area's vector file; tests/test_vectors.py calls it for every case."""
    kind, given, expected = case["kind"], case["input"], case["expected"]
    if kind == "token_request":
        spec = dict(given["client"])
        spec["auth_method"] = ClientAuthMethod(spec["auth_method"])
        request = BUILDERS[given["builder"]](ClientConfig(**spec), **given["args"])
        assert request.method == expected["method"]
        assert request.url == expected["url"]
        for name, value in expected["headers"]:
            assert request.header(name) == value
        if not any(name == "Authorization" for name, _ in expected["headers"]):
            assert request.header("Authorization") is None
        published = decode_form(expected["body"])
        assert published == [tuple(pair) for pair in expected["body_params"]]
        assert body_params(request) == published
        assert expected["http"].replace("\n&", "&").endswith(expected["body"])
    elif kind == "token_response":
        raw = Response(
            status=given["status"],
            headers=(("Content-Type", given["content_type"]),),
            body=given["body"].encode("utf-8"),
        )
        assert expected["http"].endswith(given["body"])
        if "error" in expected:
            with pytest.raises(OAuthServerError) as info:
                parse_token_response(raw, now=lambda: given["now"])
            assert info.value.error == expected["error"]
            assert type(info.value).__name__ == expected["error_class"]
            assert info.value.status == expected["status"]
            return
        token = parse_token_response(raw, now=lambda: given["now"])
        assert token.access_token == expected["access_token"]
        assert token.token_type == expected["token_type"]
        assert token.expires_at == given["now"] + expected["expires_in"]
        assert token.refresh_token == expected["refresh_token"]
        assert token.scope == expected["scope"]
        assert token.to_dict()["extra"] == expected["extra"]
    else:
        assert kind == "form_encode"
        value, encoded = given["value"], expected["encoded"]
        assert [f"U+{ord(ch):04X}" for ch in value] == given["code_points"]
        assert value.encode("utf-8") == bytes.fromhex(expected["octets"])
        assert decode_form(f"v={encoded}") == [("v", value)]
        # §2.3.1 puts exactly this form into the Basic credentials.
        header = basic_authorization(value, value)
        decoded = base64.b64decode(header.removeprefix("Basic ")).decode("ascii")
        assert decoded == f"{encoded}:{encoded}"
        # A request body carries the value intact (the space may be written %20).
        request = build_password_request(client(), value, value)
        assert body_params(request)[1:] == [("username", value), ("password", value)]


# --- Properties ---------------------------------------------------------------------------------

VSCHAR = "".join(chr(c) for c in range(0x20, 0x7F))
NQCHAR = "".join(ch for ch in VSCHAR if ch not in ' "\\')
B64TOKEN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/"

json_values: st.SearchStrategy[object] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _canonical_type(kind: str) -> str:
    return "Bearer" if kind.lower() == "bearer" else kind


@st.composite
def tokens(draw: st.DrawFn) -> Token:
    kind = draw(
        st.sampled_from(["Bearer", "mac", "DPoP", "N_A"])
        | st.text(VSCHAR.replace(" ", ""), min_size=1, max_size=12)
    )
    extra = draw(st.dictionaries(st.text(max_size=10), json_values, max_size=4))
    return Token(
        access_token=draw(st.text(VSCHAR, min_size=1, max_size=40)),
        token_type=_canonical_type(kind),
        expires_at=draw(st.none() | st.integers(min_value=0, max_value=253_402_300_799)),
        refresh_token=draw(st.none() | st.text(min_size=1, max_size=40)),
        scope=draw(
            st.none()
            | st.lists(st.text(st.characters(exclude_characters=" "), min_size=1), max_size=4).map(
                tuple
            )
        ),
        scope_changed=draw(st.booleans()),
        token_type_assumed=draw(st.booleans()),
        expiry_adjusted=draw(st.booleans()),
        extra=tuple((name, compact(value)) for name, value in extra.items()),
    )


STORED_KEYS = ["access_token", "token_type", "expires_at", "refresh_token", "scope", "extra"]
STORED_KEYS += ["scope_changed", "token_type_assumed", "expiry_adjusted"]


@pytest.mark.checklist("I1", "G2")
@given(tokens())
@example(Token(access_token="a", extra=(("s", '"\ud800"'), ("f", "1e+16"), ("z", "-0.0"))))
@example(Token(access_token="a", scope=()))
def test_from_dict_of_to_dict_is_identity(token: Token) -> None:
    data = token.to_dict()
    assert Token.from_dict(data) == token
    # And through JSON, as a store would keep it (surrogates aside, which JSON escapes).
    assert Token.from_dict(json.loads(json.dumps(data))) == token


@pytest.mark.checklist("G2")
@given(
    st.dictionaries(
        st.sampled_from([*STORED_KEYS, "other"]),
        json_values | st.sampled_from([float("nan"), float("inf"), {1, 2}, (1, "a"), b"x"]),
    )
)
def test_from_dict_returns_a_token_or_a_typed_error(data: dict[str, object]) -> None:
    with contextlib.suppress(OAuthError):
        Token.from_dict(data)


CONTENT_TYPES = st.sampled_from(
    [None, "application/json", JSON_TYPE, FORM_TYPE, "text/html", "text/plain", "application/x"]
) | st.text(max_size=30)


@pytest.mark.checklist("A1", "A2", "A3", "A6", "A7", "A16")
@given(
    body=st.binary(max_size=200)
    | st.text(max_size=100).map(lambda t: t.encode("utf-8", "surrogatepass")),
    status=st.integers(min_value=100, max_value=599),
    content_type=CONTENT_TYPES,
)
@example(body=b"[" * 5000, status=200, content_type=None)
@example(body=b"\xef\xbb\xbf{}", status=200, content_type=None)
def test_parse_arbitrary_bytes_returns_a_token_or_a_typed_error(
    body: bytes, status: int, content_type: str | None
) -> None:
    raw = response(body, status=status, content_type=content_type)
    result = outcome(lambda: parse_token_response(raw, now=lambda: NOW))
    if isinstance(result, Token):
        assert 200 <= status < 300
    else:
        assert result.__context__ is None
        assert result.__cause__ is None


member_values = json_values | st.sampled_from(
    ["3600", "3600.5", "-1", "bearer", "", " ", "\ud800", "a\nb", "1e3", "read write"]
)
secret_values = member_values | st.sampled_from([AT, RT])


@st.composite
def token_bodies(draw: st.DrawFn) -> dict[str, object]:
    names = ["access_token", "token_type", "expires_in", "refresh_token", "scope", "error"]
    names += ["error_description", "error_uri", "example"]
    chosen = draw(st.lists(st.sampled_from(names), unique=True))
    # Canaries go where secrets go; the error members may echo them (scrubbed).
    secret_names = ("access_token", "refresh_token", "error_description", "error_uri")
    members = {
        name: draw(secret_values if name in secret_names else member_values) for name in chosen
    }
    if draw(st.booleans()):
        members["access_token"] = draw(st.text(VSCHAR, min_size=1, max_size=20) | st.just(AT))
    return members


@pytest.mark.checklist("A8", "A9", "A10", "A11", "A12", "A14", "A15", "A17", "A18", "A20")
@given(
    members=token_bodies(),
    status=st.sampled_from([200, 201, 400, 401, 500]),
    form=st.booleans(),
    strict=st.booleans(),
    requested=st.none() | st.lists(st.sampled_from(["read", "write", "admin"])),
)
def test_parse_token_members_returns_a_token_or_a_typed_error(
    members: dict[str, object], status: int, form: bool, strict: bool, requested: list[str] | None
) -> None:
    if form:
        pairs = [(k, v) for k, v in members.items() if isinstance(v, str) and "\ud800" not in v]
        raw = response(urlencode(pairs).encode(), status=status, content_type=FORM_TYPE)
    else:
        raw = response(json.dumps(members).encode(), status=status)
    result = outcome(
        lambda: parse_token_response(
            raw, now=lambda: NOW, strict=strict, requested_scope=requested, scrub=CANARIES
        )
    )
    if isinstance(result, Token):
        assert 200 <= status < 300
        assert Token.from_dict(result.to_dict()) == result
        assert_no_canary([repr(result), str(result)])
    else:
        assert not isinstance(result, ConfigurationError)  # a peer's fault is never ours
        assert result.__context__ is None
        assert_no_canary(texts_of(result))


@pytest.mark.checklist("I2", "I4", "I5")
@given(
    status=st.sampled_from([200, 400, 401, 500, 502]),
    shape=st.sampled_from(["token", "error", "error+token", "html", "bad-type", "bad-expiry"]),
    echo=st.lists(st.sampled_from(CANARIES), min_size=1),
    noise=st.text(max_size=40),
    content_type=st.sampled_from([JSON_TYPE, "text/html", FORM_TYPE]),
)
def test_no_secret_in_any_repr_or_error(
    status: int, shape: str, echo: list[str], noise: str, content_type: str
) -> None:
    echoed = noise.join(echo)
    members: dict[str, object] = {"access_token": AT, "refresh_token": RT, "token_type": "Bearer"}
    if shape.startswith("error"):
        members |= {"error": f"invalid_grant{echoed}", "error_description": echoed}
        members["error_uri"] = f"https://as.example/e?{echoed}"
        if shape == "error":
            del members["access_token"], members["refresh_token"]
    elif shape == "bad-type":
        members["token_type"] = 5
    elif shape == "bad-expiry":
        members["expires_in"] = echoed
    body = f"<html>{echoed}</html>".encode() if shape == "html" else json.dumps(members).encode()
    raw = Response(status=status, headers=(("Content-Type", content_type),), body=body)
    result = outcome(lambda: parse_token_response(raw, now=lambda: NOW, scrub=CANARIES))
    if isinstance(result, Token):
        assert_no_canary([repr(result), str(result), repr(result.with_refresh(result))])
    else:
        assert_no_canary(texts_of(result))


# --- Differential checks against oauthlib (a test-only oracle) ----------------------------------


@st.composite
def conformant_bodies(draw: st.DrawFn) -> dict[str, object]:
    members: dict[str, object] = {
        "access_token": draw(st.text(B64TOKEN, min_size=1, max_size=30)),
        "token_type": draw(st.sampled_from(["Bearer", "bearer", "BEARER", "mac", "example"])),
    }
    if draw(st.booleans()):
        members["expires_in"] = draw(st.integers(min_value=1, max_value=MAX_EXPIRES_IN))
    if draw(st.booleans()):
        members["refresh_token"] = draw(st.text(VSCHAR, min_size=1, max_size=30))
    if draw(st.booleans()):
        scope = draw(st.lists(st.text(NQCHAR, min_size=1, max_size=8), min_size=1, max_size=4))
        members["scope"] = " ".join(scope)
    if draw(st.booleans()):
        members["example_parameter"] = draw(json_values)
    return members


@given(
    members=conformant_bodies(),
    requested=st.none() | st.lists(st.text(NQCHAR, min_size=1, max_size=8), min_size=1),
)
def test_parse_agrees_with_oauthlib(
    members: dict[str, object], requested: list[str] | None
) -> None:
    text = json.dumps(members)
    ours = parse_token_response(response(text.encode()), now=lambda: NOW, requested_scope=requested)
    theirs = oauthlib_parse(text)  # scope=None: no scope-change check
    assert ours.access_token == theirs["access_token"]
    assert ours.token_type.lower() == theirs["token_type"].lower()
    assert ours.refresh_token == theirs.get("refresh_token")
    if "expires_in" in members:
        assert ours.expires_at is not None
        assert ours.expires_at - NOW == theirs["expires_in"]
    else:
        assert ours.expires_at is None
    if "scope" in members:
        assert list(ours.scope or ()) == theirs["scope"]
    try:
        oauthlib_parse(text, scope=requested)
        their_changed = False
    except Warning:  # oauthlib raises (does not warn) when the scope changed
        their_changed = True
    assert ours.scope_changed is their_changed


form_text = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=20)
scopes = st.none() | st.lists(st.text(NQCHAR, min_size=1, max_size=8), max_size=4)


def _their_params(grant: str, method: ClientAuthMethod, **kwargs: Any) -> list[tuple[str, str]]:
    if method is ClientAuthMethod.CLIENT_SECRET_POST:
        kwargs |= {"client_id": "s6BhdRkqt3", "client_secret": "gX1fBat3bV"}
    elif method is ClientAuthMethod.NONE:
        kwargs["client_id"] = "s6BhdRkqt3"
    return sorted(parse_qsl(oauthlib_prepare(grant, **kwargs), keep_blank_values=True))


methods = st.sampled_from(list(ClientAuthMethod))


@given(code=form_text, verifier=st.none() | st.just(VERIFIER), uri=st.booleans(), method=methods)
def test_authorization_code_request_agrees_with_oauthlib(
    code: str, verifier: str | None, uri: bool, method: ClientAuthMethod
) -> None:
    config = client(method) if uri else replace(client(method), redirect_uri=None)
    ours = build_authorization_code_request(config, code, code_verifier=verifier)
    theirs = _their_params(
        "authorization_code",
        method,
        code=code,
        redirect_uri=config.redirect_uri,
        code_verifier=verifier,
    )
    assert sorted(body_params(ours)) == theirs


@given(refresh=form_text, scope=scopes, method=methods)
def test_refresh_request_agrees_with_oauthlib(
    refresh: str, scope: list[str] | None, method: ClientAuthMethod
) -> None:
    ours = build_refresh_request(client(method), refresh, scope=scope)
    theirs = _their_params("refresh_token", method, refresh_token=refresh, scope=scope)
    assert sorted(body_params(ours)) == theirs


@given(username=form_text, password=form_text, scope=scopes, method=methods)
def test_password_request_agrees_with_oauthlib(
    username: str, password: str, scope: list[str] | None, method: ClientAuthMethod
) -> None:
    ours = build_password_request(client(method), username, password, scope=scope)
    theirs = _their_params("password", method, username=username, password=password, scope=scope)
    assert sorted(body_params(ours)) == theirs


@given(scope=scopes, method=st.sampled_from(list(ClientAuthMethod)[:2]))
def test_client_credentials_request_agrees_with_oauthlib(
    scope: list[str] | None, method: ClientAuthMethod
) -> None:
    ours = build_client_credentials_request(client(method), scope=scope)
    assert sorted(body_params(ours)) == _their_params("client_credentials", method, scope=scope)


# --- Module hygiene -----------------------------------------------------------------------------


def test_public_names_have_one_line_docstrings() -> None:
    for name in token_module.__all__:
        obj = getattr(token_module, name)
        if callable(obj):
            assert obj.__doc__, name
            assert obj.__doc__.strip().splitlines()[0].endswith("."), name
    for name in ("is_bearer", "access_token_nonstandard"):
        assert getattr(Token, name).__doc__
    for method in (Token.is_expired, Token.with_refresh, Token.to_dict, Token.from_dict):
        assert method.__doc__


def test_mapping_params_are_accepted() -> None:
    params: Mapping[str, str] = {"device_code": "d"}
    request = build_grant_request(client(), "urn:ietf:params:oauth:grant-type:device_code", params)
    assert ("device_code", "d") in body_params(request)


@pytest.mark.checklist("A6")
def test_nesting_near_the_recursion_limit_is_a_token_response_error() -> None:
    for depth in range(900, 1010, 5):
        body = '{"access_token":"a","token_type":"Bearer","x":' + "[" * depth + "]" * depth + "}"
        response = Response(status=200, headers=(("Content-Type", JSON_TYPE),), body=body.encode())
        with contextlib.suppress(TokenResponseError):  # a Token, or this error: nothing else
            parse_token_response(response, now=lambda: NOW)

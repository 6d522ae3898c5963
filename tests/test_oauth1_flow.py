"""The RFC 5849 §2 redirection-based authorization, built and driven by hand."""

from __future__ import annotations

import asyncio
import json

import pytest

from oauthcore import ConfigurationError, InsecureTransportError, ProtocolError, TokenResponseError
from oauthcore.flows import async_drive, drive
from oauthcore.http import Request, Response
from oauthcore.oauth1 import (
    ClientCredentials,
    TokenCredentials,
    build_authorization_url,
    build_temporary_credentials_request,
    build_token_request,
    credentials_flow,
    parse_authorization_callback,
    parse_credentials_response,
)

CLIENT = ClientCredentials(key="dpf43f3p2l4k3l03", secret="kd94hf93k423kf44")
TEMPORARY_BODY = (
    b"oauth_token=hh5s93j4hdidpola&oauth_token_secret=hdhd0244k9j7ao03"
    b"&oauth_callback_confirmed=true"
)
TOKEN_BODY = b"oauth_token=nnch734d00sl2jdk&oauth_token_secret=pfkkdhi9sl3r4s00"
FORM = (("Content-Type", "application/x-www-form-urlencoded"),)


def test_rfc5849_section_1_2_dance_driven_by_hand() -> None:
    # Every value below is from RFC 5849 §1.2.
    request = build_temporary_credentials_request(
        "https://photos.example.net/initiate",
        CLIENT,
        callback="http://printer.example.com/ready",
        realm="Photos",
        now=lambda: 137131200,
        nonce=lambda: "wIjqoS",
    )
    assert request.method == "POST"
    assert 'oauth_signature="74KNZJeDHnMBp0EMJ9ZHt%2FXKycU%3D"' in (
        request.header("Authorization") or ""
    )
    flow = credentials_flow(request, temporary=True)
    assert next(flow) is request
    with pytest.raises(StopIteration) as stop:
        flow.send(Response(status=200, headers=FORM, body=TEMPORARY_BODY))
    temporary: TokenCredentials = stop.value.value
    assert (temporary.token, temporary.secret) == ("hh5s93j4hdidpola", "hdhd0244k9j7ao03")

    url = build_authorization_url("https://photos.example.net/authorize", temporary)
    assert url == "https://photos.example.net/authorize?oauth_token=hh5s93j4hdidpola"
    callback = parse_authorization_callback(
        "http://printer.example.com/ready?oauth_token=hh5s93j4hdidpola&oauth_verifier=hfdp7dh39dks9884",
        expected_token=temporary.token,
    )
    assert callback.verifier == "hfdp7dh39dks9884"

    token_request = build_token_request(
        "https://photos.example.net/token",
        CLIENT,
        temporary,
        verifier=callback.verifier,
        realm="Photos",
        now=lambda: 137131201,
        nonce=lambda: "walatlh",
    )
    assert 'oauth_signature="gKgrFCywp7rO0OXSjdot%2FIHF7IU%3D"' in (
        token_request.header("Authorization") or ""
    )
    final = drive(
        credentials_flow(token_request, temporary=False),
        lambda sent: Response(status=200, headers=FORM, body=TOKEN_BODY),
    )
    assert (final.token, final.secret) == ("nnch734d00sl2jdk", "pfkkdhi9sl3r4s00")


def test_async_driver_runs_the_same_flow() -> None:
    request = build_temporary_credentials_request("https://photos.example.net/initiate", CLIENT)
    seen: list[Request] = []

    async def send(sent: Request) -> Response:
        seen.append(sent)
        return Response(status=200, body=TEMPORARY_BODY)

    result = asyncio.run(async_drive(credentials_flow(request, temporary=True), send))
    assert result.token == "hh5s93j4hdidpola"
    assert seen == [request]


def test_authorization_url_merges_the_endpoint_query() -> None:
    url = build_authorization_url(
        "https://api.example.com/authorize?lang=en", "tok en", params=[("perms", "read write")]
    )
    assert (
        url == "https://api.example.com/authorize?lang=en&oauth_token=tok%20en&perms=read%20write"
    )
    with pytest.raises(ConfigurationError):
        build_authorization_url("https://api.example.com/authorize#x", "t")
    with pytest.raises(InsecureTransportError):
        build_authorization_url("http://api.example.com/authorize", "t")


@pytest.mark.checklist("J8")
def test_callback_confirmed_is_required() -> None:
    for body in (TOKEN_BODY, TOKEN_BODY + b"&oauth_callback_confirmed=false"):
        with pytest.raises(TokenResponseError) as info:
            parse_credentials_response(Response(status=200, body=body), temporary=True)
        assert "hdhd" not in str(info.value)
        assert "pfkk" not in str(info.value)
    # Authlib's server writes "True": still a confirmation.
    parse_credentials_response(
        Response(status=200, body=TOKEN_BODY + b"&oauth_callback_confirmed=True"), temporary=True
    )


@pytest.mark.checklist("J8")
def test_verifier_is_required() -> None:
    with pytest.raises(ProtocolError):
        parse_authorization_callback("https://c.example/cb?oauth_token=t")
    with pytest.raises(ConfigurationError):
        build_token_request(
            "https://x.example/t", CLIENT, TokenCredentials(token="t", secret="s"), verifier=""
        )


def test_callback_checks() -> None:
    with pytest.raises(ProtocolError):
        parse_authorization_callback("https://c.example/cb?oauth_verifier=v")
    with pytest.raises(ProtocolError):
        parse_authorization_callback(
            "https://c.example/cb?oauth_token=a&oauth_token=b&oauth_verifier=v"
        )
    with pytest.raises(ProtocolError):
        parse_authorization_callback(
            "https://c.example/cb?oauth_token=other&oauth_verifier=v", expected_token="mine"
        )
    got = parse_authorization_callback(
        "https://c.example/cb?x=1&oauth_token=t&oauth_verifier=v%20w#f"
    )
    assert (got.token, got.verifier) == ("t", "v w")
    assert "v w" not in repr(got)


@pytest.mark.checklist("J3")
@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        (200, (), b""),
        (
            200,
            (("Content-Type", "text/html"),),
            b"<html><body>oauth_token_secret=LEAK1</body></html>",
        ),
        (200, (), b"oauth_token=a&oauth_token=b&oauth_token_secret=LEAK1"),
        (200, (), b"oauth_token_secret=LEAK1"),
        (200, (("Content-Type", "application/json"),), b'["LEAK1"]'),
        (
            200,
            (("Content-Type", "application/json"),),
            b'{"oauth_token": ["LEAK1"], "oauth_token_secret": "x"}',
        ),
        (200, (), b"{" * 100_000),
        (200, (), "oauth_token=é&oauth_token_secret=LEAK1".encode()),
        (200, (), b"oauth_token=a&oauth_token_secret=LEAK1&" + b"x" * 70_000),
        (401, (), b"oauth_problem=signature_invalid&debug_sbs=LEAK1"),
        (500, (), b"LEAK1"),
    ],
)
def test_bad_credentials_responses(
    status: int, headers: tuple[tuple[str, str], ...], body: bytes
) -> None:
    with pytest.raises(TokenResponseError) as info:
        parse_credentials_response(
            Response(status=status, headers=headers, body=body), temporary=False
        )
    assert "LEAK1" not in str(info.value)
    assert "LEAK1" not in repr(info.value.__cause__)
    if status != 200:
        assert info.value.status == status


def test_problem_reporting_name_is_surfaced() -> None:
    with pytest.raises(TokenResponseError) as info:
        parse_credentials_response(
            Response(status=401, body=b"oauth_problem=timestamp_refused"), temporary=True
        )
    assert "timestamp_refused" in str(info.value)


def test_extra_fields_and_json_bodies_are_kept() -> None:
    form = parse_credentials_response(
        Response(status=200, body=TOKEN_BODY + b"&user_id=42&screen_name=alice"), temporary=False
    )
    assert form.extra == (("user_id", "42"), ("screen_name", "alice"))
    body = json.dumps(
        {"oauth_token": "t", "oauth_token_secret": "s", "user_id": 42, "verified": True}
    ).encode()
    parsed = parse_credentials_response(
        Response(status=200, headers=(("Content-Type", "application/json"),), body=body),
        temporary=False,
    )
    assert (parsed.token, parsed.secret) == ("t", "s")
    assert dict(parsed.extra) == {"user_id": "42", "verified": "true"}


def test_driver_throws_transport_errors_into_the_flow() -> None:
    request = build_temporary_credentials_request("https://photos.example.net/initiate", CLIENT)

    def broken(sent: Request) -> Response:
        raise ConnectionResetError("peer went away")

    with pytest.raises(ConnectionResetError):
        drive(credentials_flow(request, temporary=True), broken)


@pytest.mark.checklist("F6")
def test_endpoint_urls_with_a_fragment_are_refused() -> None:
    with pytest.raises(ConfigurationError):
        build_temporary_credentials_request("https://photos.example.net/initiate#x", CLIENT)
    temporary = TokenCredentials(token="t", secret="s")
    with pytest.raises(ConfigurationError):
        build_token_request("https://photos.example.net/token#x", CLIENT, temporary, verifier="v")

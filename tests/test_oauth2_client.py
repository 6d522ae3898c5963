"""OAuth 2.0 client configuration and token-endpoint client authentication (RFC 6749 §2.3)."""

from __future__ import annotations

import base64
import os
from urllib.parse import parse_qsl, unquote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oauthcore import ConfigurationError, InsecureTransportError
from oauthcore.oauth2 import (
    ClientAuthMethod,
    ClientConfig,
    basic_authorization,
    build_token_endpoint_request,
)

TOKEN_URL = "https://server.example.com/token"


def test_rfc6749_basic_example() -> None:
    # RFC 6749 §2.3.1 / §4.1.3: client s6BhdRkqt3 with secret gX1fBat3bV.
    assert basic_authorization("s6BhdRkqt3", "gX1fBat3bV") == "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"


@pytest.mark.checklist("E5")
@pytest.mark.parametrize(
    ("client_id", "secret"),
    [("a:b", "c:d"), ("id+1", "s%2B"), ("my client", "sé cret"), ("日本", "☃")],
)
def test_basic_credentials_are_form_encoded_before_base64(client_id: str, secret: str) -> None:
    value = basic_authorization(client_id, secret)
    decoded = base64.b64decode(value.removeprefix("Basic ")).decode("utf-8")
    encoded_id, _, encoded_secret = decoded.partition(":")
    # Appendix B: form-encoding leaves no ':' inside either half, and decodes back exactly.
    assert ":" not in encoded_id
    assert (unquote_plus(encoded_id), unquote_plus(encoded_secret)) == (client_id, secret)


@pytest.mark.checklist("E5")
def test_raw_basic_switch() -> None:
    value = basic_authorization("my client", "s:ecret", raw=True)
    assert base64.b64decode(value[6:]).decode() == "my client:s:ecret"


@given(st.text(min_size=1), st.text())
def test_basic_round_trips_any_text(client_id: str, secret: str) -> None:
    try:
        value = basic_authorization(client_id, secret)
    except ConfigurationError:
        return  # lone surrogates only
    encoded_id, _, encoded_secret = base64.b64decode(value[6:]).decode().partition(":")
    assert (unquote_plus(encoded_id), unquote_plus(encoded_secret)) == (client_id, secret)


def test_auth_methods() -> None:
    params = [("grant_type", "client_credentials")]
    basic = ClientConfig(client_id="c", client_secret="s", token_endpoint=TOKEN_URL)
    assert basic.effective_auth_method is ClientAuthMethod.CLIENT_SECRET_BASIC
    request = build_token_endpoint_request(basic, params)
    assert request.method == "POST"
    assert request.header("Authorization") == basic_authorization("c", "s")
    assert request.header("Accept") == "application/json"
    assert request.header("Content-Type") == "application/x-www-form-urlencoded"
    assert parse_qsl(request.body.decode()) == params

    post = ClientConfig(
        client_id="c",
        client_secret="s p",
        auth_method=ClientAuthMethod.CLIENT_SECRET_POST,
        token_endpoint=TOKEN_URL,
    )
    request = build_token_endpoint_request(post, params)
    assert request.header("Authorization") is None
    assert parse_qsl(request.body.decode()) == [
        *params,
        ("client_id", "c"),
        ("client_secret", "s p"),
    ]

    public = ClientConfig(client_id="c", token_endpoint=TOKEN_URL)
    assert public.effective_auth_method is ClientAuthMethod.NONE
    request = build_token_endpoint_request(public, params)
    assert parse_qsl(request.body.decode()) == [*params, ("client_id", "c")]

    with pytest.raises(ConfigurationError):
        ClientConfig(client_id="c", auth_method=ClientAuthMethod.CLIENT_SECRET_POST)
    with pytest.raises(ConfigurationError):
        build_token_endpoint_request(public.__class__(client_id="c"), params)


@pytest.mark.checklist("C1", "C6", "F2", "F6")
def test_endpoints_are_validated_at_construction() -> None:
    with pytest.raises(InsecureTransportError):
        ClientConfig(client_id="c", token_endpoint="http://as.example/token")
    ClientConfig(client_id="c", token_endpoint="http://127.0.0.1:9000/token")
    # The opt-in is per object: another client is not affected (C6).
    ClientConfig(
        client_id="c", token_endpoint="http://as.example/token", allow_insecure_transport=True
    )
    with pytest.raises(InsecureTransportError):
        ClientConfig(client_id="c", authorization_endpoint="http://as.example/authorize")
    for bad in ("https://as.example/token#frag", "https://u:p@as.example/token", "as.example"):
        with pytest.raises(ConfigurationError):
            ClientConfig(client_id="c", token_endpoint=bad)


@pytest.mark.checklist("N2")
def test_no_environment_variable_relaxes_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OAUTHLIB_INSECURE_TRANSPORT", "AUTHLIB_INSECURE_TRANSPORT"):
        monkeypatch.setitem(os.environ, name, "1")
    with pytest.raises(InsecureTransportError):
        ClientConfig(client_id="c", token_endpoint="http://as.example/token")


def test_redirect_uris() -> None:
    ClientConfig(client_id="c", redirect_uri="https://client.example.com/cb")
    ClientConfig(client_id="c", redirect_uri="http://127.0.0.1:8765/cb")
    ClientConfig(client_id="c", redirect_uri="com.example.app:/oauth2redirect")  # RFC 8252 §7.1
    for bad in (
        "https://client.example.com/cb#x",
        "/relative",
        "com.example.app:/cb#x",
        "https://client.example.com/cb\r\n",
    ):
        with pytest.raises(ConfigurationError):
            ClientConfig(client_id="c", redirect_uri=bad)
    with pytest.raises(InsecureTransportError):  # checklist B11
        ClientConfig(client_id="c", redirect_uri="http://client.example.com/cb")


@pytest.mark.checklist("E1", "I2")
def test_client_values_and_repr() -> None:
    for bad in ("a\r\nb", "a\x00", "\ud800"):
        with pytest.raises(ConfigurationError):
            ClientConfig(client_id=bad)
        with pytest.raises(ConfigurationError):
            ClientConfig(client_id="c", client_secret=bad)
    with pytest.raises(ConfigurationError):
        ClientConfig(client_id="")
    client = ClientConfig(client_id="c", client_secret="CS-canary")
    assert "CS-canary" not in repr(client)
    assert "CS-canary" not in str(client)

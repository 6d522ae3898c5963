"""The OAuth 2.0 side of the loopback provider, driven by an independent client: Authlib.

Authlib's ``OAuth2Session`` (requests integration) runs the code flow with PKCE (the
authorization URL fetched with ``allow_redirects=False``: the provider approves at once and
answers 302), refresh with rotation, client credentials, password, revocation and
introspection; the metadata document is checked field by field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError as AuthlibOAuthError
from authlib.integrations.requests_client import OAuth2Session

from oauthcore.adapters.requests import send_flow
from oauthcore.errors import InvalidClientError, InvalidGrantError, InvalidRequestError
from oauthcore.oauth2 import (
    ClientConfig,
    PkceMethod,
    Token,
    build_authorization_code_request,
    build_authorization_url,
    build_client_credentials_request,
    parse_authorization_response,
    token_flow,
)
from oauthcore.testing import (
    Endpoint,
    GrantType,
    LoopbackProvider,
    OAuth2Client,
    TokenKind,
)

REDIRECT = "http://127.0.0.1/callback"


def _session(
    provider: LoopbackProvider, client_id: str | None = None, **kw: object
) -> OAuth2Session:
    client = provider.oauth2_client(client_id)
    return OAuth2Session(
        client.client_id,
        client.client_secret,
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        **kw,
    )


def _code_flow(
    session: OAuth2Session, provider: LoopbackProvider, scope: str = ""
) -> dict[str, object]:
    verifier = generate_token(48)
    url, state = session.create_authorization_url(
        provider.authorization_endpoint, code_verifier=verifier, scope=scope or None
    )
    approval = requests.get(url, allow_redirects=False, timeout=10)
    assert approval.status_code == 302
    location = approval.headers["Location"]
    query = dict(parse_qsl(urlsplit(location).query))
    assert query["state"] == state
    assert query["iss"] == provider.issuer  # RFC 9207
    token: dict[str, object] = session.fetch_token(
        provider.token_endpoint, authorization_response=location, code_verifier=verifier
    )
    return token


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_authlib_code_flow_with_pkce(oauth_provider: LoopbackProvider, auth_method: str) -> None:
    session = _session(oauth_provider, token_endpoint_auth_method=auth_method)
    token = _code_flow(session, oauth_provider, scope="read write")
    assert token["token_type"] == "Bearer"
    assert token["scope"] == "read write"
    assert isinstance(token["expires_in"], int)
    assert token["expires_in"] > 0
    assert token["refresh_token"]
    me = session.get(oauth_provider.oauth2_resource_url + "/me")
    assert me.status_code == 200
    assert me.json()["user"] == "alice"
    assert me.json()["client_id"] == "confidential-client"
    assert me.json()["scope"] == ["read", "write"]
    (logged,) = oauth_provider.requests_to(Endpoint.OAUTH2_TOKEN)
    assert logged.has_header("authorization") is (auth_method == "client_secret_basic")


def test_authlib_public_client_needs_no_secret(oauth_provider: LoopbackProvider) -> None:
    session = _session(oauth_provider, "public-client", token_endpoint_auth_method="none")
    token = _code_flow(session, oauth_provider)
    assert token["access_token"]
    assert oauth_provider.token(str(token["access_token"])).client_id == "public-client"


@pytest.mark.parametrize("placement", ["header", "body", "uri"])
def test_authlib_token_placements(oauth_provider: LoopbackProvider, placement: str) -> None:
    session = _session(oauth_provider, token_placement=placement)
    session.fetch_token(oauth_provider.token_endpoint, grant_type="client_credentials")
    method = "POST" if placement == "body" else "GET"
    response = session.request(
        method, oauth_provider.oauth2_resource_url, data={"a": "1"} if method == "POST" else None
    )
    assert response.status_code == 200, response.text
    expected = {"header": "header", "body": "body", "uri": "query"}[placement]
    assert response.json()["token_placement"] == expected


def test_authlib_refresh_rotates_and_reuse_revokes_the_grant(
    oauth_provider: LoopbackProvider,
) -> None:
    session = _session(oauth_provider)
    first = _code_flow(session, oauth_provider, scope="read")
    second = session.refresh_token(
        oauth_provider.token_endpoint, refresh_token=first["refresh_token"]
    )
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["scope"] == "read"
    assert session.get(oauth_provider.oauth2_resource_url).status_code == 200
    # The rotated refresh token comes back: invalid_grant, and the whole grant is revoked.
    with pytest.raises(AuthlibOAuthError) as caught:
        session.refresh_token(oauth_provider.token_endpoint, refresh_token=first["refresh_token"])
    assert caught.value.error == "invalid_grant"
    assert session.get(oauth_provider.oauth2_resource_url).status_code == 401
    assert not oauth_provider.token(str(second["refresh_token"])).is_active(oauth_provider.now())


def test_authlib_client_credentials_and_password(oauth_provider: LoopbackProvider) -> None:
    session = _session(oauth_provider)
    service = session.fetch_token(oauth_provider.token_endpoint, grant_type="client_credentials")
    assert "refresh_token" not in service  # RFC 6749 §4.4.3
    assert oauth_provider.token(service["access_token"]).username is None
    user = oauth_provider.user()
    owner = session.fetch_token(
        oauth_provider.token_endpoint, username=user.username, password=user.password
    )
    assert oauth_provider.token(owner["access_token"]).username == "alice"
    with pytest.raises(AuthlibOAuthError) as caught:
        session.fetch_token(oauth_provider.token_endpoint, username="alice", password="wrong")
    assert caught.value.error == "invalid_grant"


def test_authlib_revocation_and_introspection(oauth_provider: LoopbackProvider) -> None:
    session = _session(oauth_provider)
    token = _code_flow(session, oauth_provider, scope="read")
    access, refresh = str(token["access_token"]), str(token["refresh_token"])
    active = session.introspect_token(oauth_provider.introspection_endpoint, token=access).json()
    assert active["active"] is True
    assert active["client_id"] == "confidential-client"
    assert active["username"] == active["sub"] == "alice"
    assert active["scope"] == "read"
    assert active["token_type"] == "Bearer"
    assert active["iss"] == oauth_provider.issuer
    assert active["exp"] > active["iat"]

    revoked = session.revoke_token(
        oauth_provider.revocation_endpoint, refresh, token_type_hint="refresh_token"
    )
    assert revoked.status_code == 200
    # Revoking the refresh token revokes the access tokens of its grant (RFC 7009 §2.1).
    gone = session.introspect_token(oauth_provider.introspection_endpoint, token=access).json()
    assert gone == {"active": False}
    assert session.get(oauth_provider.oauth2_resource_url).status_code == 401
    # An unknown token is answered 200 all the same (RFC 7009 §2.2).
    assert session.revoke_token(oauth_provider.revocation_endpoint, "nope").status_code == 200


def test_metadata_document_field_by_field(oauth_provider: LoopbackProvider) -> None:
    oauth_provider.register(
        OAuth2Client(client_id="scoped", client_secret="s3cret", scopes=frozenset({"b", "a"}))
    )
    response = requests.get(oauth_provider.metadata_url, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    document = response.json()
    base = oauth_provider.base_url
    assert document == {
        "issuer": base,
        "authorization_endpoint": base + "/oauth2/authorize",
        "token_endpoint": base + "/oauth2/token",
        "revocation_endpoint": base + "/oauth2/revoke",
        "introspection_endpoint": base + "/oauth2/introspect",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "password",
        ],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "revocation_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "introspection_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
        ],
        "code_challenge_methods_supported": ["S256", "plain"],
        "authorization_response_iss_parameter_supported": True,
        "scopes_supported": ["a", "b"],
    }
    # RFC 8414 §3: the metadata URL is the issuer with the well-known suffix inserted.
    assert oauth_provider.metadata_url == base + "/.well-known/oauth-authorization-server"


def test_plain_pkce_is_accepted_unless_refused(
    oauth_provider_factory: Callable[..., LoopbackProvider],
) -> None:
    # Authlib sends S256 only: plain is driven with oauthcore's core here.
    for allow_plain in (True, False):
        provider = oauth_provider_factory(allow_plain_pkce=allow_plain)
        config = provider.oauth2_config()
        url, pending = build_authorization_url(config, pkce=PkceMethod.PLAIN)
        callback = provider.authorize(url)
        if not allow_plain:
            with pytest.raises(InvalidRequestError):
                parse_authorization_response(callback, pending, client=config, consume=_once())
            continue
        code = parse_authorization_response(callback, pending, client=config, consume=_once())
        with requests.Session() as http:
            token = send_flow(
                http,
                token_flow(
                    build_authorization_code_request(
                        config, code.code, code_verifier=pending.code_verifier
                    )
                ),
            )
        assert provider.token(token.access_token).username == "alice"


def _once() -> Callable[[str], bool]:
    seen: set[str] = set()

    def consume(state: str) -> bool:
        fresh = state not in seen
        seen.add(state)
        return fresh

    return consume


def test_unregistered_grant_and_scope_are_refused(oauth_provider: LoopbackProvider) -> None:
    oauth_provider.register(
        OAuth2Client(
            client_id="narrow",
            client_secret="s3cret",
            grant_types=frozenset({GrantType.CLIENT_CREDENTIALS}),
            scopes=frozenset({"read"}),
        )
    )
    session = OAuth2Session("narrow", "s3cret")
    with pytest.raises(AuthlibOAuthError) as caught:
        session.fetch_token(oauth_provider.token_endpoint, username="alice", password="x")
    assert caught.value.error == "unauthorized_client"
    with pytest.raises(AuthlibOAuthError) as caught:
        session.fetch_token(
            oauth_provider.token_endpoint, grant_type="client_credentials", scope="write"
        )
    assert caught.value.error == "invalid_scope"
    token = session.fetch_token(
        oauth_provider.token_endpoint, grant_type="client_credentials", scope="read"
    )
    assert oauth_provider.token(token["access_token"]).kind is TokenKind.OAUTH2_ACCESS


@pytest.mark.checklist("E5")
@pytest.mark.parametrize("raw", [False, True])
def test_basic_credentials_are_form_decoded(oauth_provider: LoopbackProvider, raw: bool) -> None:
    # RFC 6749 §2.3.1: id and secret are form-encoded before base64; the provider decodes them.
    oauth_provider.register(
        OAuth2Client(client_id="my app:1", client_secret="p:w+é%41", redirect_uris=())
    )
    config = dataclasses.replace(oauth_provider.oauth2_config("my app:1"), basic_auth_raw=raw)
    if raw:  # unencoded: "+" reads as a space and "%41" as "A", so the secret is wrong
        with pytest.raises(InvalidClientError) as caught:
            _token(config)
        assert caught.value.status == 401
        return
    assert oauth_provider.token(_token(config).access_token).client_id == "my app:1"


def _token(config: ClientConfig) -> Token:
    with requests.Session() as http:
        return send_flow(http, token_flow(build_client_credentials_request(config)))


def test_code_is_single_use_and_reuse_revokes(oauth_provider: LoopbackProvider) -> None:
    config = oauth_provider.oauth2_config()
    url, pending = build_authorization_url(config)
    code = parse_authorization_response(
        oauth_provider.authorize(url), pending, client=config, consume=_once()
    )
    request = build_authorization_code_request(
        config, code.code, code_verifier=pending.code_verifier
    )
    with requests.Session() as http:
        token = send_flow(http, token_flow(request))
        with pytest.raises(InvalidGrantError):
            send_flow(http, token_flow(request))
    assert oauth_provider.token(token.access_token).revoked


def test_wrong_pkce_verifier_and_missing_pkce(oauth_provider: LoopbackProvider) -> None:
    config = oauth_provider.oauth2_config("public-client")
    url, pending = build_authorization_url(config)
    code = parse_authorization_response(
        oauth_provider.authorize(url), pending, client=config, consume=_once()
    )
    wrong = build_authorization_code_request(config, code.code, code_verifier="x" * 43)
    with requests.Session() as http, pytest.raises(InvalidGrantError):
        send_flow(http, token_flow(wrong))
    # A public client must use PKCE (RFC 7636 §4.4.1; RFC 9700 §2.1.1).
    url, pending = build_authorization_url(config, pkce=None)
    with pytest.raises(InvalidRequestError):
        parse_authorization_response(
            oauth_provider.authorize(url), pending, client=config, consume=_once()
        )


def test_unknown_client_and_redirect_uri_are_not_redirected(
    oauth_provider: LoopbackProvider,
) -> None:
    config = oauth_provider.oauth2_config(redirect_uri="http://127.0.0.1:8080/elsewhere")
    url, _ = build_authorization_url(config)
    refused = requests.get(url, allow_redirects=False, timeout=10)
    assert refused.status_code == 400
    assert "Location" not in refused.headers
    # A loopback redirect URI matches whatever the port (RFC 8252 §7.3).
    config = oauth_provider.oauth2_config(redirect_uri="http://127.0.0.1:8080/callback")
    url, _ = build_authorization_url(config)
    assert oauth_provider.authorize(url).startswith("http://127.0.0.1:8080/callback?code=")

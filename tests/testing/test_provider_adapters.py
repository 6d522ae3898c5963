"""The loopback provider with oauthcore's own adapters: the paths ``make demo`` walks.

The OAuth 1.0a dance through the rauth-compatible ``OAuth1Service`` (requests), the code flow
with PKCE and a refresh through httpx (``send_flow`` and ``OAuth2Auth``), client credentials
through aiohttp's ``send_flow``, and an Ofly call through requests' ``OflyAuth``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import parse_qsl

import aiohttp
import httpx
import requests

from oauthcore.adapters import aiohttp as aiohttp_adapter
from oauthcore.adapters import httpx as httpx_adapter
from oauthcore.adapters.requests import OAuth1Auth, OAuth1Service, OflyAuth, OflySession
from oauthcore.oauth1 import SignatureMethod, TokenCredentials
from oauthcore.oauth2 import (
    Token,
    build_authorization_code_request,
    build_authorization_url,
    build_client_credentials_request,
    parse_authorization_response,
    token_flow,
)
from oauthcore.testing import Endpoint, LoopbackProvider, TokenKind


def _consume_once() -> Callable[[str], bool]:
    seen: set[str] = set()

    def consume(state: str) -> bool:
        fresh = state not in seen
        seen.add(state)
        return fresh

    return consume


def test_oauth1_service_dance(oauth_provider: LoopbackProvider) -> None:
    client = oauth_provider.oauth1_client()
    service = OAuth1Service(
        client.key,
        client.secret,
        name="loopback",
        request_token_url=oauth_provider.request_token_url,
        access_token_url=oauth_provider.access_token_url,
        authorize_url=oauth_provider.authorize_url,
        base_url=oauth_provider.oauth1_resource_url + "/",
    )
    request_token, request_secret = service.get_request_token(
        method="POST", data={"oauth_callback": "oob"}
    )
    # Auto-approved: the authorize URL answers with the verifier (oob), no browser.
    approval = requests.get(service.get_authorize_url(request_token), timeout=10)
    verifier = dict(parse_qsl(approval.text))["oauth_verifier"]
    session = service.get_auth_session(
        request_token, request_secret, method="POST", data={"oauth_verifier": verifier}
    )
    echo = session.get("photos", params={"size": "original"}).json()
    assert echo["user"] == "alice"
    assert echo["params"] == [["size", "original"]]
    assert echo["path"] == "/oauth1/resource/photos"


def test_oauth1_auth_with_every_hmac_method(oauth_provider: LoopbackProvider) -> None:
    client = oauth_provider.oauth1_client()
    token, secret = _oauth1_token(oauth_provider)
    for method in (
        SignatureMethod.HMAC_SHA256,
        SignatureMethod.HMAC_SHA512,
        SignatureMethod.PLAINTEXT,
    ):
        auth = OAuth1Auth(
            oauth_provider.oauth1_credentials(client.key, signature_method=method),
            TokenCredentials(token=token, secret=secret),
        )
        response = requests.post(
            oauth_provider.oauth1_resource_url, json={"a": 1}, auth=auth, timeout=10
        )
        assert response.json()["signature_method"] == method.value
        assert response.json()["body_signed"] is (method is not SignatureMethod.PLAINTEXT)


def _oauth1_token(provider: LoopbackProvider) -> tuple[str, str]:
    client = provider.oauth1_client()
    service = OAuth1Service(
        client.key,
        client.secret,
        request_token_url=provider.request_token_url,
        access_token_url=provider.access_token_url,
        authorize_url=provider.authorize_url,
    )
    token, secret = service.get_request_token(params={"oauth_callback": "oob"})
    verifier = provider.oauth1_verifier(service.get_authorize_url(token))
    return service.get_access_token(token, secret, params={"oauth_verifier": verifier})


def test_httpx_code_flow_with_pkce_and_refresh(oauth_provider: LoopbackProvider) -> None:
    config = oauth_provider.oauth2_config()
    url, pending = build_authorization_url(config, scope="read")
    with httpx.Client() as http:
        approval = http.get(url)  # httpx follows no redirect by default: the 302 is ours
        assert approval.status_code == 302
        code = parse_authorization_response(
            approval.headers["Location"], pending, client=config, consume=_consume_once()
        )
        request = build_authorization_code_request(
            config, code.code, code_verifier=pending.code_verifier
        )
        token = httpx_adapter.send_flow(http, token_flow(request, requested_scope=pending.scope))
        assert token.scope == ("read",)
        store = httpx_adapter.TokenStore(token)
        seen: list[Token] = []
        auth = httpx_adapter.OAuth2Auth(config, store, on_token=seen.append)
        assert http.get(oauth_provider.oauth2_resource_url, auth=auth).json()["user"] == "alice"
        # The provider expires the token: a 401 invalid_token, one refresh, one replay.
        oauth_provider.expire(token.access_token)
        replayed = http.get(oauth_provider.oauth2_resource_url, auth=auth)
        assert replayed.status_code == 200
    (renewed,) = seen
    assert renewed.refresh_token != token.refresh_token  # rotated
    old = oauth_provider.token(token.refresh_token or "")
    assert old.used
    assert [e.status for e in oauth_provider.requests_to(Endpoint.OAUTH2_RESOURCE)] == [
        200,
        401,
        200,
    ]


def test_aiohttp_client_credentials(oauth_provider: LoopbackProvider) -> None:
    config = oauth_provider.oauth2_config()

    async def fetch() -> Token:
        async with aiohttp.ClientSession() as session:
            return await aiohttp_adapter.send_flow(
                session, token_flow(build_client_credentials_request(config, scope="reports"))
            )

    token = asyncio.run(fetch())
    issued = oauth_provider.token(token.access_token)
    assert (issued.kind, issued.username, issued.scope) == (
        TokenKind.OAUTH2_ACCESS,
        None,
        ("reports",),
    )
    assert token.refresh_token is None


def test_ofly_call(oauth_provider: LoopbackProvider) -> None:
    auth = OflyAuth(oauth_provider.ofly_credentials(), "alice")
    response = requests.get(
        oauth_provider.ofly_resource_url + "/albums?page=2", auth=auth, timeout=10
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "protocol": "ofly",
        "user": "alice",
        "app_id": "ofly-app",
        "method": "GET",
        "path": "/ofly/resource/albums",
        "params": [["page", "2"]],
    }
    md5 = OflyAuth(oauth_provider.ofly_credentials(), "alice", hash_method="md5")
    assert requests.get(oauth_provider.ofly_resource_url, auth=md5, timeout=10).status_code == 200
    app = oauth_provider.ofly_app()
    rauth_style = OflySession(app.app_id, app.app_secret, user_id="alice")
    assert rauth_style.get(oauth_provider.ofly_resource_url).json()["user"] == "alice"

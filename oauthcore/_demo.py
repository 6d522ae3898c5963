"""The live part of ``python -m oauthcore demo``: real flows against the loopback provider.

Starts :mod:`oauthcore.testing`'s provider on 127.0.0.1 and walks, step by step:

1. the OAuth 1.0a dance through the rauth-compatible API (``OAuth1Service`` of the requests
   adapter), then a signed resource call;
2. OAuth 2.0 authorization code with PKCE through httpx, a call with the token, the provider
   expiring it, and the ``OAuth2Auth`` renewing it (refresh token rotated) and replaying;
3. client credentials through aiohttp (``send_flow``, then an ``OAuth2Middleware`` call);
4. an Ofly-signed call through the requests adapter.

Needs the requests, httpx and aiohttp extras (``make demo`` installs them). Secrets are the
provider's throwaway test values; even so, tokens are shown shortened.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from .errors import MissingDependencyError

Out = Callable[[str], None]


def short(value: str | None) -> str:
    """A token or secret shortened for display: enough to tell two apart."""
    if not value:
        return "-"
    return value[:6] + "…" if len(value) > 8 else value


def run(out: Out) -> None:
    """Run the four live parts against a fresh loopback provider."""
    try:
        import aiohttp  # noqa: F401 (checked here, used by the adapters)
        import httpx  # noqa: F401
        import requests  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError(
            exc.name or "an HTTP client", "requests,httpx,aiohttp"
        ) from None
    from .testing import start_provider

    with start_provider() as provider:
        out(f"\n\noauthcore demo, live: a loopback provider at {provider.base_url}")
        out("(oauthcore.testing: a testing tool, not a production server)")
        _oauth1_rauth(provider, out)
        _oauth2_httpx(provider, out)
        _client_credentials_aiohttp(provider, out)
        _ofly_requests(provider, out)
    out("\nDone: every request above was built and checked by oauthcore, and verified by the")
    out("provider with oauthcore's server-side helpers.")


def _oauth1_rauth(provider: Any, out: Out) -> None:
    from .adapters.requests import OAuth1Service

    out("\n== 3. OAuth 1.0a dance through rauth's API (oauthcore.adapters.requests) ==")
    client = provider.oauth1_client()
    service = OAuth1Service(
        name="demo",
        consumer_key=client.key,
        consumer_secret=client.secret,
        request_token_url=provider.request_token_url,
        access_token_url=provider.access_token_url,
        authorize_url=provider.authorize_url,
        base_url=provider.oauth1_resource_url + "/",
    )
    request_token, request_token_secret = service.get_request_token(
        params={"oauth_callback": "http://127.0.0.1/callback"}
    )
    out(f"  request token  {short(request_token)} (temporary credentials, RFC 5849 §2.1)")
    authorize_url = service.get_authorize_url(request_token)
    out(f"  the user visits {authorize_url.partition('?')[0]}?oauth_token=… and approves")
    verifier = provider.oauth1_verifier(authorize_url)
    out(f"  callback carries the verifier {short(verifier)} (§2.2)")
    session = service.get_auth_session(
        request_token, request_token_secret, method="POST", data={"oauth_verifier": verifier}
    )
    out(f"  access token   {short(session.access_token)} (token credentials, §2.3)")
    answer = session.get("photos", params={"size": "original"})
    out(f"  GET photos?size=original, signed → {answer.status_code} {json.dumps(answer.json())}")
    _expect(answer.status_code, "the OAuth 1.0a resource call")


def _oauth2_httpx(provider: Any, out: Out) -> None:
    import httpx

    from .adapters.httpx import OAuth2Auth, TokenStore, send_flow
    from .oauth2 import (
        build_authorization_code_request,
        build_authorization_url,
        parse_authorization_response,
        token_flow,
    )

    out("\n== 4. OAuth 2.0 code + PKCE, then a refresh, through httpx ==")
    config = provider.oauth2_config()
    url, pending = build_authorization_url(config, scope="read")
    out(f"  authorization URL with state and an S256 code_challenge: {url.partition('?')[0]}")
    location = provider.authorize(url)
    code = parse_authorization_response(location, pending, client=config)
    out(f"  callback: state matches, iss = {code.iss} (RFC 9207), code {short(code.code)}")
    with httpx.Client() as http:
        request = build_authorization_code_request(
            config, code.code, code_verifier=pending.code_verifier
        )
        token = send_flow(http, token_flow(request, requested_scope=pending.scope))
        out(
            f"  token: access {short(token.access_token)}, refresh {short(token.refresh_token)}"
            f", expires at {token.expires_at}"
        )
        renewed: list[str] = []
        store = TokenStore(token)
        auth = OAuth2Auth(config, store, on_token=lambda t: renewed.append(t.access_token))
        answer = http.get(provider.oauth2_resource_url, auth=auth)
        out(f"  GET with the token → {answer.status_code} {answer.text}")
        provider.expire(token.access_token)
        out("  the provider expires the access token (a 401 invalid_token comes next)")
        answer = http.get(provider.oauth2_resource_url, auth=auth)
        out(
            f"  GET → 401, refreshed once (new access {short(store.token.access_token)}, "
            f"refresh rotated to {short(store.token.refresh_token)}), replayed → "
            f"{answer.status_code}"
        )
        _expect(answer.status_code, "the OAuth 2.0 replay after the renewal")
        if len(renewed) != 1:
            raise DemoError("the demo expected exactly one renewal")


def _client_credentials_aiohttp(provider: Any, out: Out) -> None:
    from .adapters.aiohttp import OAuth2Middleware, oauth_session, send_flow
    from .oauth2 import build_client_credentials_request, token_flow

    out("\n== 5. OAuth 2.0 client credentials through aiohttp ==")
    config = provider.oauth2_config()

    async def main() -> tuple[str, int, str]:
        async with oauth_session() as session:
            token = await send_flow(
                session, token_flow(build_client_credentials_request(config, scope="read"))
            )
            middleware = OAuth2Middleware(config, token)
            async with session.get(
                provider.oauth2_resource_url, middlewares=(middleware,)
            ) as answer:
                return token.access_token, answer.status, await answer.text()

    access_token, status, text = asyncio.run(main())
    out(f"  token {short(access_token)} for the client itself (RFC 6749 §4.4)")
    out(f"  GET with an OAuth2Middleware → {status} {text}")
    _expect(status, "the client-credentials call")


class DemoError(Exception):
    """A step of the live demo did not give what it shows."""


def _expect(status: int, what: str) -> None:
    if status != 200:
        raise DemoError(f"{what} answered {status}")


def _ofly_requests(provider: Any, out: Out) -> None:
    import requests

    from .adapters.requests import OflyAuth

    out("\n== 6. An Ofly-signed call through the requests adapter ==")
    auth = OflyAuth(provider.ofly_credentials(), provider.user().username)
    answer = requests.get(
        provider.ofly_resource_url, params={"album": "summer"}, auth=auth, timeout=10
    )
    signed = answer.request.url or ""
    names = sorted(part.partition("=")[0] for part in signed.partition("?")[2].split("&"))
    out(f"  signed query parameters: {', '.join(names)}")
    out(f"  GET → {answer.status_code} {answer.text}")
    _expect(answer.status_code, "the Ofly call")

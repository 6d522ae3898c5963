"""What only the httpx adapter tests need: one verifying TLS context for every client, and
one way to send a request through each kind of httpx client. The providers, credentials and
shared assertions are in :mod:`providers`."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import httpx

from oauthcore.adapters.httpx import AsyncOAuthClient, OAuthClient

TLS = ssl.create_default_context()
"""One verifying context for every test client: building one per client costs ~60 ms."""

# Every way the tests send a request: a plain httpx client (the auth follows redirects from
# its flow) or an oauthcore client (the client follows them), sync and async.
KINDS = ("sync", "async", "oauth-sync", "oauth-async")


def send(
    kind: str,
    method: str,
    url: str,
    *,
    auth: httpx.Auth | None = None,
    client_options: dict[str, Any] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request through a new client of ``kind``; the body is read, the client closed."""
    options = {"timeout": 5.0, "verify": TLS, **(client_options or {})}
    if kind == "sync":
        with httpx.Client(**options) as client:
            return client.request(method, url, auth=auth, **kwargs)
    if kind == "oauth-sync":
        with OAuthClient(**options) as oauth_client:
            return oauth_client.request(method, url, auth=auth, **kwargs)

    async def go() -> httpx.Response:
        if kind == "async":
            async with httpx.AsyncClient(**options) as client:
                return await client.request(method, url, auth=auth, **kwargs)
        async with AsyncOAuthClient(**options) as oauth_client:
            return await oauth_client.request(method, url, auth=auth, **kwargs)

    return asyncio.run(go())

"""What the OAuth 1.0a interop modules share: clients and the RFC 5849 §2 redirection flow.

Each flow runs on oauthcore's builders, parsers and ``credentials_flow`` under
:func:`oauthcore.flows.drive`; ``send`` (the fixture of ``conftest.py``) is only the transport.
"""

from __future__ import annotations

from oauthcore.flows import drive
from oauthcore.http import Request, Response
from oauthcore.oauth1 import (
    ClientCredentials,
    Placement,
    SignatureMethod,
    TokenCredentials,
    build_authorization_url,
    build_temporary_credentials_request,
    build_token_request,
    credentials_flow,
    parse_authorization_callback,
)
from oauthcore.rsa import RSAPrivateKey

from .conftest import USER, RunningProvider, Send

CALLBACK = "http://127.0.0.1:9/callback?from=interop"
FORM_TYPE = (("Content-Type", "application/x-www-form-urlencoded"),)


def oauth1_client(
    provider: RunningProvider,
    method: SignatureMethod = SignatureMethod.HMAC_SHA1,
    *,
    rsa_key: RSAPrivateKey | None = None,
    which: str = "relaxed",
) -> ClientCredentials:
    """The provider's registered client ``which``, signing with ``method``."""
    data = provider.clients[which]
    return ClientCredentials(
        key=data["key"],
        secret=data["secret"],
        signature_method=method,
        rsa_key=rsa_key if method.is_rsa else None,
    )


def endpoint(provider: RunningProvider, name: str, *, strict: bool = False) -> str:
    """The endpoint ``name``, or its ``strict_`` twin where the provider has one."""
    return provider.endpoints[f"strict_{name}" if strict else name]


def approve(send: Send, url: str) -> Response:
    """The resource owner's visit: the provider logs the test user in and approves."""
    return send(Request(method="GET", url=url, headers=(("X-Test-User", USER),)))


def temporary_credentials(
    send: Send,
    provider: RunningProvider,
    client: ClientCredentials,
    placement: Placement = Placement.HEADER,
    *,
    strict: bool = False,
) -> TokenCredentials:
    request = build_temporary_credentials_request(
        endpoint(provider, "request_token", strict=strict),
        client,
        callback=CALLBACK,
        placement=placement,
    )
    return drive(credentials_flow(request, temporary=True), send)


def dance(
    send: Send,
    provider: RunningProvider,
    client: ClientCredentials,
    placement: Placement = Placement.HEADER,
    *,
    strict: bool = False,
) -> TokenCredentials:
    """RFC 5849 §2: temporary credentials, authorization, callback, token credentials."""
    temporary = temporary_credentials(send, provider, client, placement, strict=strict)
    answer = approve(
        send, build_authorization_url(endpoint(provider, "authorize", strict=strict), temporary)
    )
    assert answer.status == 302
    location = answer.header("Location")
    assert location is not None
    assert location.startswith(CALLBACK + "&")
    callback = parse_authorization_callback(location, expected_token=temporary.token)
    request = build_token_request(
        endpoint(provider, "access_token", strict=strict),
        client,
        temporary,
        verifier=callback.verifier,
        placement=placement,
    )
    return drive(credentials_flow(request, temporary=False), send)

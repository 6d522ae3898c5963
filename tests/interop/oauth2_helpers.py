"""What the OAuth 2.0 interop modules share: clients, the user's visit, grants and endpoints.

Every request is built by oauthcore (``build_*``), every answer read by it (``parse_*``), and
every exchange run by :func:`oauthcore.flows.drive`; ``send`` (the fixture of ``conftest.py``)
is only the transport. Revocation (RFC 7009) and introspection (RFC 7662) have no builder in
oauthcore yet: their requests are the authenticated token endpoint POST of
:func:`~oauthcore.oauth2.build_token_endpoint_request` aimed elsewhere.

Where the providers differ the helpers take it as a parameter: ``issuer_sends_iss`` (whether
the provider adds RFC 9207 ``iss`` to its authorization responses) is bound per module.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from oauthcore.flows import drive
from oauthcore.http import Request, Response
from oauthcore.oauth2 import (
    AuthorizationCode,
    AuthorizedResponse,
    ClientConfig,
    PendingAuthorization,
    Token,
    authorized_request_flow,
    build_authorization_code_request,
    build_authorization_url,
    build_password_request,
    build_token_endpoint_request,
    parse_authorization_response,
    token_flow,
)

from .conftest import USER, RunningProvider, Send, json_object


def oauth2_client(
    provider: RunningProvider, name: str, *, issuer_sends_iss: bool, **changes: Any
) -> ClientConfig:
    """The provider's registered client ``name``, with ``changes`` applied."""
    data = provider.clients[name]
    client = ClientConfig(
        client_id=data["client_id"],
        client_secret=data["client_secret"] or None,
        authorization_endpoint=provider.endpoints["authorize"],
        token_endpoint=provider.endpoints["token"],
        redirect_uri=data.get("redirect_uri"),
        issuer=provider.endpoints["issuer"],
        issuer_sends_iss=issuer_sends_iss,
    )
    return replace(client, **changes) if changes else client


def visit(send: Send, url: str, *, deny: bool = False) -> str:
    """The user's visit: the provider logs the test user in, skips consent, redirects."""
    headers: tuple[tuple[str, str], ...] = (("X-Test-User", USER),)
    if deny:
        headers += (("X-Test-Deny", "1"),)
    answer = send(Request(method="GET", url=url, headers=headers))
    assert answer.status == 302
    location = answer.header("Location")
    assert location is not None
    return location


def query(location: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(location).query, keep_blank_values=True))


def authorize(
    send: Send, client: ClientConfig, **options: Any
) -> tuple[AuthorizationCode, PendingAuthorization]:
    url, pending = build_authorization_url(client, scope="read write", **options)
    location = visit(send, url)
    return parse_authorization_response(location, pending, client=client), pending


def code_token(
    send: Send, client: ClientConfig, *, requested_scope: bool = True, **options: Any
) -> Token:
    """A token for the code of :func:`authorize` (``options`` go to the authorization URL).

    The token request repeats the authorization request's ``redirect_uri`` (the client's
    unless ``options`` names another); with ``requested_scope`` the token is read with the
    scope asked for (RFC 6749 §5.1: an omitted scope is the requested one).
    """
    code, pending = authorize(send, client, **options)
    request = build_authorization_code_request(
        client, code.code, code_verifier=pending.code_verifier, redirect_uri=pending.redirect_uri
    )
    if requested_scope:
        return drive(token_flow(request, requested_scope=pending.scope), send)
    return drive(token_flow(request), send)


def password_token(
    send: Send, provider: RunningProvider, scope: str = "read write", *, issuer_sends_iss: bool
) -> Token:
    """A token for the test user through the ``password`` client (RFC 6749 §4.3)."""
    user = provider.clients["user"]
    client = oauth2_client(provider, "password", issuer_sends_iss=issuer_sends_iss)
    request = build_password_request(client, user["username"], user["password"], scope=scope)
    return drive(token_flow(request), send)


def me(
    send: Send,
    provider: RunningProvider,
    token: Token,
    client: ClientConfig,
    *,
    resource: str = "resource",
    **options: Any,
) -> AuthorizedResponse:
    """The protected resource (``resource`` names the endpoint), renewing as ``options`` say."""
    request = Request(method="GET", url=provider.endpoints[resource])
    return drive(authorized_request_flow(request, token, client, **options), send)


def bare_me(send: Send, provider: RunningProvider, access_token: str) -> Response:
    """The resource with this access token in the header, and no renewal."""
    headers = (("Authorization", f"Bearer {access_token}"),)
    return send(Request(method="GET", url=provider.endpoints["resource"], headers=headers))


def endpoint_post(
    send: Send, client: ClientConfig, url: str, params: list[tuple[str, str]]
) -> Response:
    """An authenticated form POST to another endpoint of the authorization server."""
    return send(build_token_endpoint_request(client, params, url=url))


def revoke(
    send: Send, provider: RunningProvider, client: ClientConfig, token: str, hint: str = ""
) -> Response:
    # RFC 7009 §2.1: token, an optional token_type_hint, with client authentication.
    params = [("token", token)] + ([("token_type_hint", hint)] if hint else [])
    return endpoint_post(send, client, provider.endpoints["revoke"], params)


def introspect(
    send: Send, provider: RunningProvider, client: ClientConfig, token: str, hint: str = ""
) -> dict[str, object]:
    # RFC 7662 §2.1: token, an optional token_type_hint, with client authentication.
    params = [("token", token)] + ([("token_type_hint", hint)] if hint else [])
    answer = endpoint_post(send, client, provider.endpoints["introspect"], params)
    assert answer.status == 200
    return json_object(answer)

"""The provider's OAuth 2.0 token management and use: revocation, introspection, metadata and
a Bearer-protected resource.

RFC 7009 §2 (revocation: 200 for any token, an unknown one included; revoking a refresh token
revokes its grant's access tokens), RFC 7662 §2 (introspection, for confidential clients),
RFC 8414 §2–§3 (the metadata document, ``authorization_response_iss_parameter_supported``
from RFC 9207), RFC 6750 §2–§3 (the token in the header, a form body or the query, through
:func:`oauthcore.oauth2.extract_bearer_token`; challenges built with
:func:`oauthcore.oauth2.build_www_authenticate`).

Imports nothing but the standard library and oauthcore's core.
"""

from __future__ import annotations

from ..errors import OAuthServerError
from ..http import Request, Response
from ..oauth2 import build_www_authenticate, extract_bearer_token
from ._model import Endpoint, GrantType, TokenKind
from ._oauth2_grants import authenticate_client
from ._store import Store
from ._wire import (
    form_params,
    is_form,
    json_response,
    oauth2_error,
    path_of,
    query_params,
    single,
    text_response,
)

__all__ = ["introspect", "metadata", "resource", "revoke"]

_SCOPED = "/oauth2/resource/scoped/"


def _form_post(request: Request) -> dict[str, str] | Response:
    if request.method != "POST" or not is_form(request):
        return oauth2_error("invalid_request", "POST a form-encoded body")
    return single(form_params(request))


def revoke(store: Store, request: Request) -> Response:
    """RFC 7009 §2.1–§2.2: revoke an access or refresh token of the authenticated client."""
    params = _form_post(request)
    if isinstance(params, Response):
        return params
    client = authenticate_client(store, request, params)
    value = params.get("token")
    if not value:
        return oauth2_error("invalid_request", "token is required (RFC 7009 2.1)")
    # §2.1: the hint only speeds up the look-up; both kinds are searched whatever it says.
    found = store.find(value, TokenKind.OAUTH2_ACCESS, TokenKind.OAUTH2_REFRESH)
    # A token of another client is left alone and the answer is the same 200, so that a
    # client cannot learn which tokens exist.
    if found is not None and found.client_id == client.client_id:
        if found.kind is TokenKind.OAUTH2_REFRESH:
            store.revoke_grant(found.grant_id)
        else:
            store.update(found, revoked=True)
    return text_response("", status=200)


def introspect(store: Store, request: Request, issuer: str) -> Response:
    """RFC 7662 §2: tell an authenticated confidential client whether a token is active."""
    params = _form_post(request)
    if isinstance(params, Response):
        return params
    authenticate_client(store, request, params, public_ok=False)
    value = params.get("token")
    if not value:
        return oauth2_error("invalid_request", "token is required (RFC 7662 2.1)")
    found = store.find(value, TokenKind.OAUTH2_ACCESS, TokenKind.OAUTH2_REFRESH)
    if found is None or not found.is_active(store.now()):
        return json_response({"active": False})
    data: dict[str, object] = {
        "active": True,
        "client_id": found.client_id,
        "iat": found.issued_at,
        "iss": issuer,
    }
    if found.scope:
        data["scope"] = " ".join(found.scope)
    if found.username is not None:
        data["username"] = found.username
        data["sub"] = found.username
    if found.expires_at is not None:
        data["exp"] = found.expires_at
    if found.kind is TokenKind.OAUTH2_ACCESS:
        data["token_type"] = "Bearer"  # noqa: S105 (a token type, not a secret)
    return json_response(data)


def metadata(store: Store, base_url: str) -> Response:
    """RFC 8414 §2: the authorization server metadata document."""
    auth_methods = ["client_secret_basic", "client_secret_post", "none"]
    scopes = sorted(
        {scope for client in store.oauth2_clients.values() for scope in client.scopes or ()}
    )
    document: dict[str, object] = {
        "issuer": base_url,
        "authorization_endpoint": base_url + Endpoint.OAUTH2_AUTHORIZE.path,
        "token_endpoint": base_url + Endpoint.OAUTH2_TOKEN.path,
        "revocation_endpoint": base_url + Endpoint.OAUTH2_REVOKE.path,
        "introspection_endpoint": base_url + Endpoint.OAUTH2_INTROSPECT.path,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": [grant.value for grant in GrantType],
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_methods_supported": auth_methods[:2],
        "code_challenge_methods_supported": (
            ["S256", "plain"] if store.settings.allow_plain_pkce else ["S256"]
        ),
        "authorization_response_iss_parameter_supported": True,
    }
    if scopes:
        document["scopes_supported"] = scopes
    return json_response(document)


def _challenge(
    store: Store,
    status: int,
    error: str | None,
    description: str | None = None,
    *,
    scope: str | None = None,
) -> Response:
    header = build_www_authenticate(
        realm=store.settings.realm, error=error, error_description=description, scope=scope
    )
    body: dict[str, object] = {} if error is None else {"error": error}
    if description is not None:
        body["error_description"] = description
    return json_response(body, status=status, headers=[("WWW-Authenticate", header)])


def _placement(request: Request) -> str:
    header = request.header("Authorization") or ""
    if header.strip().lower().startswith("bearer"):
        return "header"
    if any(name == "access_token" for name, _ in query_params(request)):
        return "query"
    return "body"


def resource(
    store: Store,
    request: Request,
    *,
    expire: bool = False,
    forced_error: str | None = None,
    forced_status: int | None = None,
) -> Response:
    """RFC 6750: a resource taking a Bearer token in the header, a form body or the query.

    ``/oauth2/resource/scoped/<scope>`` also needs ``<scope>`` (403 ``insufficient_scope``).
    """
    if forced_error is not None:
        status = {"insufficient_scope": 403, "invalid_request": 400}.get(forced_error, 401)
        return _challenge(store, forced_status or status, forced_error)
    try:
        value = extract_bearer_token(request, allow_body=True, allow_query=True)
    except OAuthServerError as exc:
        if exc.status == 401:  # no token at all: a challenge without an error (§3.1)
            return _challenge(store, 401, None)
        return _challenge(store, 400, "invalid_request", "malformed or ambiguous bearer token")
    found = store.find(value, TokenKind.OAUTH2_ACCESS)
    if found is None:
        return _challenge(store, 401, "invalid_token", "unknown access token")
    if expire:
        found = store.expire(found.value)
    if not found.is_active(store.now()):
        reason = "revoked" if found.revoked else "expired"
        return _challenge(store, 401, "invalid_token", f"the access token is {reason}")
    path = path_of(request)
    if path.startswith(_SCOPED):
        needed = path[len(_SCOPED) :].partition("/")[0]
        if needed not in found.scope:
            return _challenge(
                store, 403, "insufficient_scope", "the token lacks the scope", scope=needed
            )
    params = [
        [name, val]
        for name, val in query_params(request) + form_params(request)
        if name != "access_token"
    ]
    return json_response(
        {
            "protocol": "oauth2",
            "user": found.username,
            "client_id": found.client_id,
            "scope": list(found.scope),
            "method": request.method,
            "path": path,
            "token_placement": _placement(request),
            "params": params,
        }
    )

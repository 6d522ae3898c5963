"""Token requests for each grant (RFC 6749 §4.1.3, §4.3.2, §4.4.2, §4.5, §6; RFC 7636 §4.5).

Each builder returns the POST to the token endpoint, authenticated as the client is
configured (:func:`~oauthcore.oauth2.client.build_token_endpoint_request`). The answer is read
with :func:`~oauthcore.oauth2.token.parse_token_response`.

Pure; imports no HTTP client.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..errors import ConfigurationError
from ..http import Request
from .client import ClientAuthMethod, ClientConfig, build_token_endpoint_request, scope_tokens
from .pkce import is_code_verifier

__all__ = [
    "build_authorization_code_request",
    "build_client_credentials_request",
    "build_grant_request",
    "build_password_request",
    "build_refresh_request",
]

_Scope = str | Sequence[str]
_RESERVED_PARAMS = frozenset(("grant_type", "client_id", "client_secret"))


def _scope_params(scope: _Scope | None) -> list[tuple[str, str]]:
    tokens = () if scope is None else scope_tokens(scope)
    return [("scope", " ".join(tokens))] if tokens else []


def _is_type_name(text: str) -> bool:
    # RFC 6749 A.10: a grant-type is a grant-name or an absolute URI: VSCHAR, no space.
    return bool(text) and text.isascii() and text.isprintable() and " " not in text


def _require(value: str, name: str, section: str) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{name} must be a non-empty string (RFC 6749 {section})")


def build_authorization_code_request(
    client: ClientConfig,
    code: str,
    *,
    code_verifier: str | None = None,
    redirect_uri: str | None = None,
) -> Request:
    """Return the request redeeming an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.5).

    ``redirect_uri`` defaults to the client's; ``""`` sends none. ``code_verifier`` is the
    PKCE verifier of the authorization request.
    """
    _require(code, "code", "§4.1.3")
    params = [("grant_type", "authorization_code"), ("code", code)]
    uri = client.redirect_uri if redirect_uri is None else redirect_uri
    if uri:
        params.append(("redirect_uri", uri))
    if code_verifier is not None:
        if not is_code_verifier(code_verifier):
            raise ConfigurationError("code_verifier is not 43-128 unreserved chars (RFC 7636)")
        params.append(("code_verifier", code_verifier))
    return build_token_endpoint_request(client, params)


def build_refresh_request(
    client: ClientConfig, refresh_token: str, *, scope: _Scope | None = None
) -> Request:
    """Return the request trading a refresh token for a new access token (RFC 6749 §6).

    ``scope`` may only narrow the original grant; omitted, the original scope is kept.
    """
    _require(refresh_token, "refresh_token", "§6")
    params = [("grant_type", "refresh_token"), ("refresh_token", refresh_token)]
    return build_token_endpoint_request(client, params + _scope_params(scope))


def build_client_credentials_request(
    client: ClientConfig, *, scope: _Scope | None = None
) -> Request:
    """Return a client credentials grant request (RFC 6749 §4.4.2; confidential clients only)."""
    if client.effective_auth_method is ClientAuthMethod.NONE:
        raise ConfigurationError("the client credentials grant needs client authentication (§4.4)")
    params = [("grant_type", "client_credentials"), *_scope_params(scope)]
    return build_token_endpoint_request(client, params)


def build_password_request(
    client: ClientConfig, username: str, password: str, *, scope: _Scope | None = None
) -> Request:
    """Return a resource owner password credentials request (RFC 6749 §4.3.2).

    For legacy servers only: RFC 9700 §2.4 says this grant MUST NOT be used.
    """
    _require(username, "username", "§4.3.2")
    params = [("grant_type", "password"), ("username", username), ("password", password)]
    return build_token_endpoint_request(client, params + _scope_params(scope))


def build_grant_request(
    client: ClientConfig,
    grant_type: str,
    params: Mapping[str, str] | Iterable[tuple[str, str]] = (),
) -> Request:
    """Return a token request for any other grant, such as the device code (RFC 6749 §4.5).

    ``params`` must not repeat a name (§3.1), nor carry ``grant_type`` or the client's
    credentials, which come from ``client``.
    """
    if not isinstance(grant_type, str) or not _is_type_name(grant_type):
        raise ConfigurationError("grant_type must be a name or an absolute URI (RFC 6749 A.10)")
    pairs = list(params.items() if isinstance(params, Mapping) else params)
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names) or _RESERVED_PARAMS.intersection(names):
        raise ConfigurationError("params repeat a name or hold grant_type or client credentials")
    return build_token_endpoint_request(client, [("grant_type", grant_type), *pairs])

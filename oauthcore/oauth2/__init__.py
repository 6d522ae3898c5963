"""OAuth 2.0 (RFC 6749, 6750, 7636, 9207): client configuration, authorization, tokens, flows.

The names below are the public API; the submodules are an implementation detail:
:mod:`.client` (configuration, client authentication), :mod:`.authorize` (§4.1, RFC 9207),
:mod:`.pkce` (RFC 7636),
:mod:`.grants` (§4, §6 token requests), :mod:`.token` (§5 responses, the Token),
:mod:`.bearer` (RFC 6750) and :mod:`.flow` (getting and using tokens, with refresh).
"""

from __future__ import annotations

from .._clock import steady_clock
from .authorize import (
    AuthorizationCode,
    PendingAuthorization,
    build_authorization_url,
    new_state,
    parse_authorization_response,
    parse_implicit_response,
)
from .bearer import (
    BearerChallenge,
    BearerPlacement,
    TokenLike,
    apply_bearer,
    build_www_authenticate,
    challenge_error,
    extract_bearer_token,
    is_b64token,
    parse_www_authenticate,
    redact_url,
)
from .client import (
    ClientAuthMethod,
    ClientConfig,
    apply_client_auth,
    basic_authorization,
    build_token_endpoint_request,
    check_endpoint,
    check_redirect_uri,
    scope_tokens,
)
from .flow import AuthorizedResponse, authorized_request_flow, token_flow
from .grants import (
    build_authorization_code_request,
    build_client_credentials_request,
    build_grant_request,
    build_password_request,
    build_refresh_request,
)
from .pkce import PkceMethod, new_code_verifier, pkce_challenge, verify_pkce
from .token import MAX_EXPIRES_IN, MAX_TOKEN_RESPONSE_BYTES, Token, parse_token_response

__all__ = [
    "MAX_EXPIRES_IN",
    "MAX_TOKEN_RESPONSE_BYTES",
    "AuthorizationCode",
    "AuthorizedResponse",
    "BearerChallenge",
    "BearerPlacement",
    "ClientAuthMethod",
    "ClientConfig",
    "PendingAuthorization",
    "PkceMethod",
    "Token",
    "TokenLike",
    "apply_bearer",
    "apply_client_auth",
    "authorized_request_flow",
    "basic_authorization",
    "build_authorization_code_request",
    "build_authorization_url",
    "build_client_credentials_request",
    "build_grant_request",
    "build_password_request",
    "build_refresh_request",
    "build_token_endpoint_request",
    "build_www_authenticate",
    "challenge_error",
    "check_endpoint",
    "check_redirect_uri",
    "extract_bearer_token",
    "is_b64token",
    "new_code_verifier",
    "new_state",
    "parse_authorization_response",
    "parse_implicit_response",
    "parse_token_response",
    "parse_www_authenticate",
    "pkce_challenge",
    "redact_url",
    "scope_tokens",
    "steady_clock",
    "token_flow",
    "verify_pkce",
]

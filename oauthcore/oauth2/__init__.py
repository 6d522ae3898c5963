"""OAuth 2.0 (RFC 6749, 6750, 7636, 9207): client configuration, authorization, tokens, flows.

The names below are the public API; the submodules are an implementation detail:
:mod:`.client` (configuration, client authentication), :mod:`.authorize` (§4.1, PKCE, RFC 9207),
:mod:`.token` (§4–§6 requests and responses), :mod:`.bearer` (RFC 6750) and :mod:`.flow`.
"""

from __future__ import annotations

from .client import (
    ClientAuthMethod,
    ClientConfig,
    apply_client_auth,
    basic_authorization,
    build_token_endpoint_request,
    check_endpoint,
)

__all__ = [
    "ClientAuthMethod",
    "ClientConfig",
    "apply_client_auth",
    "basic_authorization",
    "build_token_endpoint_request",
    "check_endpoint",
]

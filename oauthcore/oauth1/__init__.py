"""OAuth 1.0a (RFC 5849): signing, parameter placement, the redirection flow, verification.

The names below are the public API; the submodules are an implementation detail:
:mod:`.signing` (§3.4), :mod:`.placement` (§3.5), :mod:`.client` (§3.1, §3.3, body hash),
:mod:`.flow` (§2) and :mod:`.verify` (the server side of §3.2).
"""

from __future__ import annotations

from .._encoding import percent_decode, percent_encode
from .client import (
    ClientCredentials,
    TokenCredentials,
    body_hash,
    new_nonce,
    sign_request,
    unix_time,
)
from .flow import (
    AuthorizationCallback,
    build_authorization_url,
    build_temporary_credentials_request,
    build_token_request,
    credentials_flow,
    parse_authorization_callback,
    parse_credentials_response,
)
from .placement import (
    Placement,
    build_authorization_header,
    is_form_content_type,
    parse_authorization_header,
)
from .signing import (
    SignatureMethod,
    base_string_uri,
    normalize_parameters,
    sign_base_string,
    signature_base_string,
)
from .verify import Consumer, NonceCache, VerifiedRequest, verify_request

__all__ = [
    "AuthorizationCallback",
    "ClientCredentials",
    "Consumer",
    "NonceCache",
    "Placement",
    "SignatureMethod",
    "TokenCredentials",
    "VerifiedRequest",
    "base_string_uri",
    "body_hash",
    "build_authorization_header",
    "build_authorization_url",
    "build_temporary_credentials_request",
    "build_token_request",
    "credentials_flow",
    "is_form_content_type",
    "new_nonce",
    "normalize_parameters",
    "parse_authorization_callback",
    "parse_authorization_header",
    "parse_credentials_response",
    "percent_decode",
    "percent_encode",
    "sign_base_string",
    "sign_request",
    "signature_base_string",
    "unix_time",
    "verify_request",
]

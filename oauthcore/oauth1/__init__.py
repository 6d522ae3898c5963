"""OAuth 1.0a (RFC 5849): signing, parameter placement, the redirection flow, verification.

The names below are the public API; the submodules are an implementation detail:
:mod:`.signing` (§3.4), :mod:`.placement` (§3.5), :mod:`.client` (§3.1, §3.3, body hash),
:mod:`.flow` (§2) and :mod:`.verify` (the server side of §3.2); the last two are imported on
first use of one of their names.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from .._encoding import percent_decode, percent_encode
from .client import (
    ClientCredentials,
    NonceReuseWarning,
    Signer,
    TokenCredentials,
    body_hash,
    new_nonce,
    sign_request,
    unix_time,
)
from .placement import (
    Placement,
    build_authorization_header,
    is_form_content_type,
    is_signed,
    parse_authorization_header,
)
from .signing import (
    SignatureMethod,
    base_string_uri,
    normalize_parameters,
    sign_base_string,
    signature_base_string,
)

if TYPE_CHECKING:
    from .flow import (
        AuthorizationCallback,
        build_authorization_url,
        build_temporary_credentials_request,
        build_token_request,
        credentials_flow,
        parse_authorization_callback,
        parse_credentials_response,
    )
    from .verify import Consumer, NonceCache, VerifiedRequest, verify_request

# The redirection flow and the server-side helper load on first use: a client that only
# signs requests does not pay for importing them (PEP 562).
_LAZY = {
    "AuthorizationCallback": "flow",
    "build_authorization_url": "flow",
    "build_temporary_credentials_request": "flow",
    "build_token_request": "flow",
    "credentials_flow": "flow",
    "parse_authorization_callback": "flow",
    "parse_credentials_response": "flow",
    "Consumer": "verify",
    "NonceCache": "verify",
    "VerifiedRequest": "verify",
    "verify_request": "verify",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AuthorizationCallback",
    "ClientCredentials",
    "Consumer",
    "NonceCache",
    "NonceReuseWarning",
    "Placement",
    "SignatureMethod",
    "Signer",
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
    "is_signed",
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

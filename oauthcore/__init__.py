"""oauthcore: a pure sans-IO OAuth toolkit (OAuth 1.0a, OAuth 2.0, Ofly).

The package root holds the version and the error tree; the protocols live in
:mod:`oauthcore.oauth1` and :mod:`oauthcore.oauth2`, the neutral HTTP types in
:mod:`oauthcore.http`, the flow drivers in :mod:`oauthcore.flows`, RSA in :mod:`oauthcore.rsa`,
the redirect policy in :mod:`oauthcore.redirects` and body caps in :mod:`oauthcore.limits`.
No adapter is imported from here.
"""

from __future__ import annotations

from .errors import (
    AccessDeniedError,
    AuthorizationResponseError,
    ConfigurationError,
    InsecureTransportError,
    InsufficientScopeError,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    InvalidTokenError,
    IssuerMismatchError,
    KeyFormatError,
    MissingDependencyError,
    OAuthError,
    OAuthServerError,
    ProtocolError,
    RedirectPolicyError,
    RefreshOutcomeUnknown,
    ReplayError,
    ResponseTooLargeError,
    SerializationError,
    ServerError,
    SignatureError,
    StateMismatchError,
    TemporarilyUnavailableError,
    TokenExpiredError,
    TokenResponseError,
    TokenUpdateError,
    UnauthorizedClientError,
    UnsupportedGrantTypeError,
    UnsupportedResponseTypeError,
    UnsupportedTokenTypeError,
    VerificationError,
)

__version__ = "0.1.0"

__all__ = [
    "AccessDeniedError",
    "AuthorizationResponseError",
    "ConfigurationError",
    "InsecureTransportError",
    "InsufficientScopeError",
    "InvalidClientError",
    "InvalidGrantError",
    "InvalidRequestError",
    "InvalidScopeError",
    "InvalidTokenError",
    "IssuerMismatchError",
    "KeyFormatError",
    "MissingDependencyError",
    "OAuthError",
    "OAuthServerError",
    "ProtocolError",
    "RedirectPolicyError",
    "RefreshOutcomeUnknown",
    "ReplayError",
    "ResponseTooLargeError",
    "SerializationError",
    "ServerError",
    "SignatureError",
    "StateMismatchError",
    "TemporarilyUnavailableError",
    "TokenExpiredError",
    "TokenResponseError",
    "TokenUpdateError",
    "UnauthorizedClientError",
    "UnsupportedGrantTypeError",
    "UnsupportedResponseTypeError",
    "UnsupportedTokenTypeError",
    "VerificationError",
    "__version__",
]

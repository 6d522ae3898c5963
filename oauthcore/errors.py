"""The oauthcore exception tree.

Every failure oauthcore reports is an :class:`OAuthError`. The tree is small, one class per thing a
caller would catch on its own::

    OAuthError
    ├── ConfigurationError (ValueError)      the caller's own input is malformed
    │   └── KeyFormatError                   key material that cannot be used
    ├── MissingDependencyError (ImportError) an optional extra is not installed
    ├── InsecureTransportError               plain http:// where TLS is required
    ├── RedirectPolicyError                  a redirect that must not be followed
    ├── ResponseTooLargeError                a body over its cap, or too many codings
    ├── ProtocolError (ValueError)           a peer sent something malformed
    │   ├── TokenResponseError               ... in a token/credentials response
    │   └── AuthorizationResponseError       ... in an authorization response (callback)
    │       ├── StateMismatchError           ... whose state is missing or not ours
    │       └── IssuerMismatchError          ... whose iss is missing or not our issuer
    ├── OAuthServerError                     the provider answered with an OAuth error code
    │   └── one subclass per RFC 6749/6750 code (InvalidGrantError, AccessDeniedError, ...)
    ├── TokenExpiredError                    the token expired and cannot be renewed
    ├── RefreshOutcomeUnknown                a refresh was sent but its answer was lost
    ├── TokenUpdateError                     the on_token hook failed (the token is kept)
    ├── UnsupportedTokenTypeError            a token of a type oauthcore cannot present
    ├── SerializationError (TypeError)       an object holds a hook that cannot be pickled
    └── VerificationError                    server side: a received request is refused
        ├── SignatureError                   ... because its signature does not verify
        └── ReplayError                      ... because its nonce was already used

Messages name the parameter and the RFC section; they never contain a secret, a token, a
signature or a base string. Text received from a peer is escaped and truncated first.

This module imports nothing but the standard library.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "SERVER_ERRORS",
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
    "safe_text",
    "server_error",
]

_MAX_TEXT = 256


def safe_text(text: str, *, limit: int = _MAX_TEXT, scrub: Iterable[str] = ()) -> str:
    """Return peer-supplied ``text`` fit for a message: control characters escaped, truncated.

    Every non-empty value in ``scrub`` (the secrets the caller knows of: a code, a client
    secret, a refresh token, a verifier) is replaced by ``***`` first, in case the peer echoed
    it (checklist B10, I5).
    """
    for secret in scrub:
        if secret:
            text = text.replace(secret, "***")
    out = []
    for ch in text[:limit]:
        code = ord(ch)
        if code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        else:
            out.append(ch)
    suffix = "..." if len(text) > limit else ""
    return "".join(out) + suffix


class OAuthError(Exception):
    """Root of every error oauthcore raises."""


class ConfigurationError(OAuthError, ValueError):
    """The caller passed a value oauthcore cannot use (bad URL, CTL in a header value, ...)."""


class KeyFormatError(ConfigurationError):
    """Key material is unreadable, of the wrong kind, or too weak; raised when it is loaded."""


class MissingDependencyError(OAuthError, ImportError):
    """An optional dependency (an adapter's HTTP client) is not installed."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            f"{module!r} is not installed; install it with: pip install 'oauthcore[{extra}]'"
        )
        self.module = module
        self.extra = extra


class InsecureTransportError(OAuthError):
    """An endpoint or resource URL is not ``https`` and not a loopback address."""


class RedirectPolicyError(OAuthError):
    """A redirect is refused: to another scheme, without TLS, too many, or not allowed at all.

    The message names the status and the target's origin only, never its path or query.
    """


class ResponseTooLargeError(OAuthError):
    """A response body is over its size cap after decoding, or stacks too many codings."""


class ProtocolError(OAuthError, ValueError):
    """A peer's message is malformed or violates the protocol."""


class TokenResponseError(ProtocolError):
    """A token or credentials response cannot be used (RFC 5849 §2.1, §2.3; RFC 6749 §5.1).

    ``status`` is the HTTP status of the response, when known.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message if status is None else f"{message} (HTTP {status})")
        self.status = status


class AuthorizationResponseError(ProtocolError):
    """The authorization response (the redirect back to the client) cannot be used.

    RFC 6749 §4.1.2, §3.1 (a parameter may appear once), RFC 9207.
    """


class StateMismatchError(AuthorizationResponseError):
    """``state`` is missing, repeated, already used, or not the one this client sent.

    RFC 6749 §10.12, RFC 9700 §2.1: checked before ``iss``, ``error`` or ``code`` is read
    (after only the callback's own form, transport and target are checked).
    """


class IssuerMismatchError(AuthorizationResponseError):
    """``iss`` differs from the expected issuer, or is missing where the server sends it.

    RFC 9207 §2.4: compared as a plain string, with no normalisation.
    """


class OAuthServerError(OAuthError):
    """The provider answered with an OAuth error (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1).

    ``error`` is the code as sent (escaped), ``error_description`` the provider's text escaped,
    truncated and scrubbed of known secrets (``raw_error_description`` keeps it as received,
    outside the message), ``error_uri`` its URI (never fetched), ``status``
    the HTTP status when there was one. ``retryable`` is True for ``server_error`` and
    ``temporarily_unavailable``: trying again later, or with a new flow, may succeed.
    Build one with :func:`server_error`, which picks the subclass for the code.
    """

    code: str | None = None
    retryable = False

    def __init__(
        self,
        error: str,
        *,
        error_description: str | None = None,
        error_uri: str | None = None,
        status: int | None = None,
    ) -> None:
        message = error if error_description is None else f"{error}: {error_description}"
        super().__init__(message if status is None else f"{message} (HTTP {status})")
        self.error = error
        self.error_description = error_description
        self.error_uri = error_uri
        self.status = status
        self.raw_error_description: str | None = None


class InvalidRequestError(OAuthServerError):
    """``invalid_request``: a parameter is missing, repeated, or malformed."""

    code = "invalid_request"


class InvalidClientError(OAuthServerError):
    """``invalid_client``: client authentication failed (RFC 6749 §5.2)."""

    code = "invalid_client"


class InvalidGrantError(OAuthServerError):
    """``invalid_grant``: the code, refresh token or credentials are invalid, expired or revoked.

    On a refresh this is terminal: the authorization must be started again (checklist G4).
    """

    code = "invalid_grant"


class UnauthorizedClientError(OAuthServerError):
    """``unauthorized_client``: the client may not use this grant or response type."""

    code = "unauthorized_client"


class UnsupportedGrantTypeError(OAuthServerError):
    """``unsupported_grant_type`` (RFC 6749 §5.2)."""

    code = "unsupported_grant_type"


class UnsupportedResponseTypeError(OAuthServerError):
    """``unsupported_response_type`` (RFC 6749 §4.1.2.1)."""

    code = "unsupported_response_type"


class InvalidScopeError(OAuthServerError):
    """``invalid_scope``: the requested scope is invalid, unknown or exceeds the grant."""

    code = "invalid_scope"


class AccessDeniedError(OAuthServerError):
    """``access_denied``: the resource owner or the server refused (RFC 6749 §4.1.2.1)."""

    code = "access_denied"


class ServerError(OAuthServerError):
    """``server_error``: the authorization server failed; a new attempt may succeed."""

    code = "server_error"
    retryable = True


class TemporarilyUnavailableError(OAuthServerError):
    """``temporarily_unavailable``: the server is overloaded or in maintenance."""

    code = "temporarily_unavailable"
    retryable = True


class InvalidTokenError(OAuthServerError):
    """``invalid_token``: the access token is expired, revoked or malformed (RFC 6750 §3.1)."""

    code = "invalid_token"


class InsufficientScopeError(OAuthServerError):
    """``insufficient_scope``: the token lacks the scope the resource needs (RFC 6750 §3.1)."""

    code = "insufficient_scope"


SERVER_ERRORS: dict[str, type[OAuthServerError]] = {
    cls.code: cls
    for cls in (
        InvalidRequestError,
        InvalidClientError,
        InvalidGrantError,
        UnauthorizedClientError,
        UnsupportedGrantTypeError,
        UnsupportedResponseTypeError,
        InvalidScopeError,
        AccessDeniedError,
        ServerError,
        TemporarilyUnavailableError,
        InvalidTokenError,
        InsufficientScopeError,
    )
    if cls.code is not None
}
"""The RFC 6749/6750 error codes and their classes; any other code stays an OAuthServerError."""


def server_error(
    error: str,
    *,
    error_description: str | None = None,
    error_uri: str | None = None,
    status: int | None = None,
    scrub: Iterable[str] = (),
) -> OAuthServerError:
    """Return the typed error for a provider's error response, its text made safe.

    ``error``, ``error_description`` and ``error_uri`` are the raw values received; they are
    escaped, truncated and scrubbed of every value in ``scrub`` (checklist B9, B10, I5). An
    unknown code gives a plain :class:`OAuthServerError` carrying it.
    """
    scrub = tuple(scrub)
    cls = SERVER_ERRORS.get(error, OAuthServerError)
    result = cls(
        safe_text(error, limit=64, scrub=scrub),
        error_description=None
        if error_description is None
        else safe_text(error_description, scrub=scrub),
        error_uri=None if error_uri is None else safe_text(error_uri, scrub=scrub),
        status=status,
    )
    # The text exactly as received, for a caller who must see it (B10). An attribute only:
    # never in the message, ``args`` or ``repr``; it may hold whatever the provider echoed.
    result.raw_error_description = error_description
    return result


class TokenExpiredError(OAuthError):
    """The access token has expired and there is no way to renew it (checklist G8)."""


class RefreshOutcomeUnknown(OAuthError):
    """A refresh request was sent but no answer arrived: it is not replayed (checklist G5).

    With refresh-token rotation a replay could revoke the whole grant (RFC 9700 §4.14). The
    old token is kept; the caller decides whether to try again or to re-authorize.
    """


class TokenUpdateError(OAuthError):
    """The caller's ``on_token`` hook failed while receiving a new token (checklist G7).

    The new token is in ``.token`` (nothing lost; it is never in the message); the hook's own
    exception is the ``__cause__``.
    """

    def __init__(self, token: object) -> None:
        super().__init__("the on_token hook raised; the new token is in .token")
        self.token = token


class UnsupportedTokenTypeError(OAuthError):
    """The token's type is not one oauthcore can present (RFC 6749 §7.1; checklist A14).

    The token itself is kept (nothing lost); it is never sent as a Bearer token.
    """


class SerializationError(OAuthError, TypeError):
    """An object cannot be pickled because of a caller-supplied member (checklist I1).

    Raised instead of a silent drop: the message names the attribute (a lambda or a local
    function given as a hook or clock), which the caller sets again after loading.
    """


class VerificationError(OAuthError):
    """A received request is refused by a server-side helper.

    ``problem`` is the OAuth Problem Reporting name (``parameter_absent``,
    ``signature_method_rejected``, ``timestamp_refused``, ...) and ``status`` the HTTP status
    RFC 5849 §3.2 prescribes: 400 for a bad request, 401 for bad credentials or signature.
    """

    def __init__(self, message: str, *, problem: str, status: int) -> None:
        super().__init__(message)
        self.problem = problem
        self.status = status


class SignatureError(VerificationError):
    """The request's signature does not verify (RFC 5849 §3.2, ``signature_invalid``)."""

    def __init__(self, message: str = "signature does not verify (RFC 5849 §3.2)") -> None:
        super().__init__(message, problem="signature_invalid", status=401)


class ReplayError(VerificationError):
    """The (nonce, timestamp, token) combination was already used (RFC 5849 §3.3)."""

    def __init__(self) -> None:
        super().__init__(
            "nonce already used with this timestamp and token (RFC 5849 §3.3)",
            problem="nonce_used",
            status=401,
        )

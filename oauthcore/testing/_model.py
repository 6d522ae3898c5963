"""The loopback provider's registrations, issued tokens and request log, as frozen values.

Clients, applications and users are what a test registers; :class:`IssuedToken` is what the
provider hands out and :class:`LoggedRequest` what it saw. Secrets (client secrets, token
values, passwords, verifiers) never appear in a ``repr``, and the request log holds no value
of any parameter or header, only their names.

Imports nothing but the standard library and oauthcore's core.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ..errors import ConfigurationError, OAuthError
from ..http import has_control
from ..oauth1 import SignatureMethod
from ..oauth2 import check_redirect_uri, scope_tokens
from ..ofly import OflyHashMethod

__all__ = [
    "Endpoint",
    "GrantType",
    "IssuedToken",
    "LoggedRequest",
    "OAuth1Client",
    "OAuth2Client",
    "OflyApp",
    "ProviderError",
    "TokenKind",
    "User",
]


class ProviderError(ConfigurationError):
    """The loopback provider was misused: an unknown or duplicate registration, a fault that
    cannot apply to its endpoint, a provider used before start or after stop."""


class Endpoint(str, Enum):
    """Every endpoint the provider serves; faults are queued per endpoint."""

    OAUTH1_REQUEST_TOKEN = "oauth1_request_token"  # noqa: S105 (an endpoint name)
    OAUTH1_AUTHORIZE = "oauth1_authorize"
    OAUTH1_ACCESS_TOKEN = "oauth1_access_token"  # noqa: S105 (an endpoint name)
    OAUTH1_RESOURCE = "oauth1_resource"
    OAUTH2_AUTHORIZE = "oauth2_authorize"
    OAUTH2_TOKEN = "oauth2_token"  # noqa: S105 (an endpoint name)
    OAUTH2_REVOKE = "oauth2_revoke"
    OAUTH2_INTROSPECT = "oauth2_introspect"
    OAUTH2_METADATA = "oauth2_metadata"
    OAUTH2_RESOURCE = "oauth2_resource"
    OFLY_AUTHORIZE = "ofly_authorize"
    OFLY_RESOURCE = "ofly_resource"

    def __str__(self) -> str:
        return self.value

    @property
    def path(self) -> str:
        """The URL path the endpoint is served at (resources also serve every sub-path)."""
        return _PATHS[self]


_PATHS = {
    Endpoint.OAUTH1_REQUEST_TOKEN: "/oauth1/request_token",
    Endpoint.OAUTH1_AUTHORIZE: "/oauth1/authorize",
    Endpoint.OAUTH1_ACCESS_TOKEN: "/oauth1/access_token",
    Endpoint.OAUTH1_RESOURCE: "/oauth1/resource",
    Endpoint.OAUTH2_AUTHORIZE: "/oauth2/authorize",
    Endpoint.OAUTH2_TOKEN: "/oauth2/token",
    Endpoint.OAUTH2_REVOKE: "/oauth2/revoke",
    Endpoint.OAUTH2_INTROSPECT: "/oauth2/introspect",
    Endpoint.OAUTH2_METADATA: "/.well-known/oauth-authorization-server",
    Endpoint.OAUTH2_RESOURCE: "/oauth2/resource",
    Endpoint.OFLY_AUTHORIZE: "/ofly/authorize",
    Endpoint.OFLY_RESOURCE: "/ofly/resource",
}
RESOURCES = frozenset((Endpoint.OAUTH1_RESOURCE, Endpoint.OAUTH2_RESOURCE, Endpoint.OFLY_RESOURCE))


def endpoint_for(path: str) -> Endpoint | None:
    """Return the endpoint serving ``path`` (a resource serves its sub-paths too), or None."""
    for endpoint, served in _PATHS.items():
        if path == served or (endpoint in RESOURCES and path.startswith(served + "/")):
            return endpoint
    return None


class GrantType(str, Enum):
    """The OAuth 2.0 grants the provider implements (RFC 6749 §4.1, §4.3, §4.4, §6)."""

    AUTHORIZATION_CODE = "authorization_code"
    REFRESH_TOKEN = "refresh_token"  # noqa: S105 (a grant name)
    CLIENT_CREDENTIALS = "client_credentials"
    PASSWORD = "password"  # noqa: S105 (a grant name)

    def __str__(self) -> str:
        return self.value


class TokenKind(str, Enum):
    """What an :class:`IssuedToken` is."""

    OAUTH1_TEMPORARY = "oauth1_temporary"
    OAUTH1_ACCESS = "oauth1_access"
    OAUTH2_ACCESS = "oauth2_access"
    OAUTH2_REFRESH = "oauth2_refresh"

    def __str__(self) -> str:
        return self.value


def _text(name: str, value: object, *, empty: bool = False) -> None:
    if not isinstance(value, str) or (not value and not empty):
        raise ProviderError(f"{name} must be a non-empty string")
    if has_control(value):
        raise ProviderError(f"{name} contains a control character")


_ALL_OAUTH1 = frozenset(SignatureMethod)
_ALL_GRANTS = frozenset(GrantType)


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuth1Client:
    """A registered OAuth 1.0a client (consumer).

    ``secret`` serves the HMAC methods and PLAINTEXT; ``rsa_public_key`` (PEM text: SPKI,
    PKCS#1 or a certificate) the RSA methods. ``signature_methods`` defaults to every method
    the client has a key for. ``username`` is the user who approves its requests (None: the
    provider's approving user).
    """

    key: str
    secret: str = field(default="", repr=False)
    rsa_public_key: str | None = field(default=None, repr=False)
    signature_methods: frozenset[SignatureMethod] | None = None
    username: str | None = None

    def __post_init__(self) -> None:
        _text("OAuth1Client.key", self.key)
        _text("OAuth1Client.secret", self.secret, empty=True)
        if not self.secret and self.rsa_public_key is None:
            raise ProviderError("an OAuth1Client needs a secret, an rsa_public_key, or both")
        methods = self.signature_methods
        if methods is not None and not (
            isinstance(methods, frozenset) and methods and methods <= _ALL_OAUTH1
        ):
            raise ProviderError("signature_methods must be a non-empty frozenset[SignatureMethod]")

    @property
    def allowed_methods(self) -> frozenset[SignatureMethod]:
        """The methods this client may sign with, the default resolved."""
        if self.signature_methods is not None:
            return self.signature_methods
        return frozenset(
            method
            for method in SignatureMethod
            if (method.is_rsa and self.rsa_public_key is not None)
            or (not method.is_rsa and self.secret)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuth2Client:
    """A registered OAuth 2.0 client.

    Without ``client_secret`` the client is public: it authenticates with ``client_id``
    alone (RFC 6749 §2.1, §3.2.1), must use PKCE and cannot use the client credentials
    grant. ``redirect_uris`` are compared exactly, except that a loopback ``http`` URI
    matches any port (RFC 8252 §7.3). ``scopes`` are the scopes it may ask for (None: any).
    ``require_pkce`` makes PKCE mandatory for a confidential client too.
    """

    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    redirect_uris: tuple[str, ...] = ("http://127.0.0.1/callback",)
    grant_types: frozenset[GrantType] = _ALL_GRANTS
    scopes: frozenset[str] | None = None
    require_pkce: bool = False

    def __post_init__(self) -> None:
        _text("OAuth2Client.client_id", self.client_id)
        if self.client_secret is not None:
            _text("OAuth2Client.client_secret", self.client_secret)
        if not isinstance(self.redirect_uris, tuple):
            raise ProviderError("redirect_uris must be a tuple of URIs")
        for uri in self.redirect_uris:
            try:
                check_redirect_uri(uri)
            except OAuthError as exc:  # malformed, or plain http to another host
                raise ProviderError(f"invalid redirect URI: {exc}") from None
            if not uri.isascii():  # an IRI: it cannot go into a Location header (RFC 3986)
                raise ProviderError("invalid redirect URI: not ASCII (RFC 3986 URI)")
        if not (isinstance(self.grant_types, frozenset) and self.grant_types <= _ALL_GRANTS):
            raise ProviderError("grant_types must be a frozenset[GrantType]")
        if self.is_public and GrantType.CLIENT_CREDENTIALS in self.grant_types:
            raise ProviderError("a public client cannot use client_credentials (RFC 6749 §4.4)")
        if self.scopes is not None:
            if not isinstance(self.scopes, frozenset):
                raise ProviderError("scopes must be a frozenset of scope-tokens")
            try:
                scope_tokens(tuple(self.scopes))
            except OAuthError as exc:
                raise ProviderError(f"invalid scope: {exc}") from None

    @property
    def is_public(self) -> bool:
        """True for a client without a secret (RFC 6749 §2.1)."""
        return self.client_secret is None


@dataclass(frozen=True, slots=True, kw_only=True)
class OflyApp:
    """A registered Ofly application and the hash methods its signatures may use."""

    app_id: str
    app_secret: str = field(repr=False)
    hash_methods: frozenset[OflyHashMethod] = frozenset(OflyHashMethod)

    def __post_init__(self) -> None:
        _text("OflyApp.app_id", self.app_id)
        _text("OflyApp.app_secret", self.app_secret)
        if not (isinstance(self.hash_methods, frozenset) and self.hash_methods):
            raise ProviderError("hash_methods must be a non-empty frozenset[OflyHashMethod]")


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """A resource owner: the user who approves authorizations, and the password grant's
    credentials. ``username`` is also the ``oflyUserid`` an Ofly request names."""

    username: str
    password: str = field(repr=False)

    def __post_init__(self) -> None:
        _text("User.username", self.username)
        _text("User.password", self.password)


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedToken:
    """A token the provider issued, and what it knows about it.

    ``value`` and ``secret`` (OAuth 1.0a token secret) never appear in ``repr``. Tokens from
    one authorization share a ``grant_id``: reusing a rotated refresh token revokes them all.
    ``used`` marks exchanged temporary credentials and rotated refresh tokens.
    """

    kind: TokenKind
    value: str = field(repr=False)
    secret: str | None = field(default=None, repr=False)
    client_id: str
    username: str | None
    scope: tuple[str, ...] = ()
    issued_at: int
    expires_at: int | None
    grant_id: str
    revoked: bool = False
    used: bool = False
    callback: str | None = None
    verifier: str | None = field(default=None, repr=False)

    def is_active(self, now: int) -> bool:
        """True if the token is neither revoked, used, nor expired at ``now``."""
        if self.revoked or self.used:
            return False
        return self.expires_at is None or now < self.expires_at


@dataclass(frozen=True, slots=True, kw_only=True)
class LoggedRequest:
    """One request the provider answered. Names only: no parameter or header value is kept,
    so the log can be printed in a failing test without leaking a secret."""

    endpoint: Endpoint | None
    method: str
    path: str
    status: int
    query_names: tuple[str, ...] = ()
    form_names: tuple[str, ...] = ()
    header_names: tuple[str, ...] = ()
    error: str | None = None
    fault: str | None = None

    def has_header(self, name: str) -> bool:
        """True if the request carried header ``name`` (any letter case)."""
        return name.lower() in self.header_names

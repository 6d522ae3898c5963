"""The provider's memory: registrations, issued tokens, the clock, and their lock.

Every endpoint reads and changes the store under its one lock, so concurrent requests (the
server runs one thread per connection) see a consistent state. Records are frozen values,
replaced with :func:`dataclasses.replace`.

Imports nothing but the standard library and oauthcore's core.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from ..oauth1 import Consumer, NonceCache
from ._model import (
    IssuedToken,
    OAuth1Client,
    OAuth2Client,
    OflyApp,
    ProviderError,
    TokenKind,
    User,
)

__all__ = ["AuthorizationCodeRecord", "Settings", "Store", "new_value"]

_T = TypeVar("_T")


def new_value(prefix: str) -> str:
    """A fresh token-like value: a readable prefix and 256 random bits (b64token-safe)."""
    return f"{prefix}-{secrets.token_urlsafe(32)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """The provider's policies (see :class:`~oauthcore.testing.LoopbackProvider`)."""

    access_token_lifetime: int = 3600
    code_lifetime: int = 60
    temporary_credentials_lifetime: int = 600
    rotate_refresh_tokens: bool = True
    allow_plain_pkce: bool = True
    oauth1_window: int = 300
    ofly_window: int = 300
    realm: str = "oauthcore-testing"


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizationCodeRecord:
    """An authorization code and what it was issued for (RFC 6749 §4.1.2, RFC 7636 §4.4)."""

    client_id: str
    username: str
    redirect_uri: str | None
    scope: tuple[str, ...]
    code_challenge: str | None = field(repr=False)
    code_challenge_method: str | None
    expires_at: int
    grant_id: str
    used: bool = False


class Store:
    """Registrations and issued credentials, behind one re-entrant lock."""

    def __init__(self, settings: Settings, now: Callable[[], int]) -> None:
        self.settings = settings
        self.lock = threading.RLock()
        self._now = now
        self.offset = 0
        self.oauth1_clients: dict[str, OAuth1Client] = {}
        self.consumers: dict[str, Consumer] = {}
        self.oauth2_clients: dict[str, OAuth2Client] = {}
        self.ofly_apps: dict[str, OflyApp] = {}
        self.users: dict[str, User] = {}
        self.approving_user: str | None = None
        self.approve = True
        self.tokens: dict[str, IssuedToken] = {}
        self.codes: dict[str, AuthorizationCodeRecord] = {}
        self.nonces = NonceCache(window=settings.oauth1_window, now=self.now)

    def now(self) -> int:
        """The provider's clock: ``now()`` plus whatever :meth:`advance` added."""
        return self._now() + self.offset

    # Registration.

    def register(self, item: OAuth1Client | OAuth2Client | OflyApp | User) -> None:
        with self.lock:
            if isinstance(item, OAuth1Client):
                self._add(self.oauth1_clients, item.key, item, "OAuth 1.0a client")
                self.consumers[item.key] = _consumer(item)
            elif isinstance(item, OAuth2Client):
                self._add(self.oauth2_clients, item.client_id, item, "OAuth 2.0 client")
            elif isinstance(item, OflyApp):
                self._add(self.ofly_apps, item.app_id, item, "Ofly application")
            elif isinstance(item, User):
                self._add(self.users, item.username, item, "user")
                if self.approving_user is None:
                    self.approving_user = item.username
            else:
                raise ProviderError("register() takes OAuth1Client, OAuth2Client, OflyApp or User")

    @staticmethod
    def _add(table: dict[str, _T], name: str, item: _T, what: str) -> None:
        if name in table:
            raise ProviderError(f"{what} {name!r} is already registered")
        table[name] = item

    def user_for(self, requested: str | None) -> User | None:
        """The user who approves: ``requested`` if given, else the provider's approving user."""
        name = requested if requested is not None else self.approving_user
        return None if name is None else self.users.get(name)

    # Tokens.

    def issue(
        self,
        kind: TokenKind,
        *,
        client_id: str,
        username: str | None,
        scope: Iterable[str] = (),
        lifetime: int | None,
        grant_id: str | None = None,
        with_secret: bool = False,
        callback: str | None = None,
    ) -> IssuedToken:
        prefixes = {
            TokenKind.OAUTH1_TEMPORARY: "tmp",
            TokenKind.OAUTH1_ACCESS: "o1at",
            TokenKind.OAUTH2_ACCESS: "at",
            TokenKind.OAUTH2_REFRESH: "rt",
        }
        issued_at = self.now()
        token = IssuedToken(
            kind=kind,
            value=new_value(prefixes[kind]),
            secret=new_value("ts") if with_secret else None,
            client_id=client_id,
            username=username,
            scope=tuple(scope),
            issued_at=issued_at,
            expires_at=None if lifetime is None else issued_at + lifetime,
            grant_id=grant_id or new_value("grant"),
            callback=callback,
        )
        with self.lock:
            self.tokens[token.value] = token
        return token

    def find(self, value: str, *kinds: TokenKind) -> IssuedToken | None:
        """The token ``value`` if it is one of ``kinds`` (any kind when none is given)."""
        with self.lock:
            token = self.tokens.get(value)
        if token is None or (kinds and token.kind not in kinds):
            return None
        return token

    def update(self, token: IssuedToken, **changes: object) -> IssuedToken:
        new = replace(token, **changes)  # type: ignore[arg-type]  # fields checked by replace
        with self.lock:
            self.tokens[token.value] = new
        return new

    def revoke_grant(self, grant_id: str) -> int:
        """Revoke every token of one grant; return how many were active."""
        count = 0
        with self.lock:
            for value, token in list(self.tokens.items()):
                if token.grant_id == grant_id and not token.revoked:
                    self.tokens[value] = replace(token, revoked=True)
                    count += 1
            for code, record in list(self.codes.items()):
                if record.grant_id == grant_id:
                    self.codes[code] = replace(record, used=True)
        return count

    def expire(self, value: str) -> IssuedToken:
        with self.lock:
            token = self.tokens.get(value)
            if token is None:
                raise ProviderError("no such token was issued by this provider")
            return self.update(token, expires_at=min(token.expires_at or self.now(), self.now()))


def _consumer(client: OAuth1Client) -> Consumer:
    key = None
    if client.rsa_public_key is not None:
        from ..rsa import load_public_key  # deferred: only RSA clients pay for it

        key = load_public_key(client.rsa_public_key)
    try:
        return Consumer(
            key=client.key,
            secret=client.secret,
            rsa_public_key=key,
            allowed_methods=client.allowed_methods,
        )
    except (ValueError, TypeError) as exc:
        raise ProviderError(f"OAuth 1.0a client {client.key!r}: {exc}") from None

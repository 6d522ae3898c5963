"""OAuth 2.0 flows: getting a token, and using one with refresh (RFC 6749 §6, RFC 6750 §3).

:func:`token_flow` sends any token request (built by :mod:`.token`) and parses the answer.
:func:`authorized_request_flow` sends a resource request with a token and keeps the token
usable: it renews a token that is expired (within the client's leeway) before sending, and
renews once more and replays once after ``401`` with ``error="invalid_token"``. Renewal uses
the refresh token, or a fresh client-credentials grant when that is how the token was
obtained. The new token goes to the caller's ``on_token`` hook before it is used. A refresh
whose answer was lost is never replayed (RFC 9700 §4.14): with rotation that could revoke the
whole grant. ``invalid_grant`` on refresh is terminal.

Flows run under :func:`oauthcore.flows.drive` / :func:`~oauthcore.flows.async_drive`.
Pure; imports no HTTP client; the clock is the ``now=`` argument.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .._clock import unix_time
from ..errors import (
    OAuthServerError,
    ProtocolError,
    RefreshOutcomeUnknown,
    TokenExpiredError,
    TokenUpdateError,
)
from ..flows import Flow
from ..http import Request, Response
from .bearer import BearerPlacement, apply_bearer, parse_www_authenticate
from .client import ClientConfig
from .grants import build_client_credentials_request, build_refresh_request
from .token import Token, parse_token_response

__all__ = ["AuthorizedResponse", "authorized_request_flow", "token_flow"]

RETRY_ATTEMPTS = 2
"""How many times a refresh answered with 5xx or ``temporarily_unavailable`` is sent in all."""


def token_flow(
    request: Request,
    *,
    now: Callable[[], int] = unix_time,
    requested_scope: Sequence[str] | None = None,
    strict: bool = False,
    scrub: Iterable[str] = (),
) -> Flow[Token]:
    """Send a token request and return the parsed token (RFC 6749 §5.1, §5.2)."""
    response = yield request
    return parse_token_response(
        response, now=now, requested_scope=requested_scope, strict=strict, scrub=scrub
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizedResponse:
    """The resource's response, the token in force afterwards, and whether it was renewed."""

    response: Response
    token: Token
    renewed: bool


def authorized_request_flow(
    request: Request,
    token: Token,
    client: ClientConfig,
    *,
    placement: BearerPlacement = BearerPlacement.HEADER,
    renew_with_client_credentials: bool = False,
    scope: str | Sequence[str] | None = None,
    on_token: Callable[[Token], None] | None = None,
    now: Callable[[], int] = unix_time,
) -> Flow[AuthorizedResponse]:
    """Send ``request`` with ``token``, renewing the token when needed; return the outcome.

    Before sending, a token expired within ``client.leeway`` seconds is renewed (checklist G1).
    After ``401`` with a Bearer ``invalid_token`` challenge the token is renewed once and the
    request replayed once (G3); ``403 insufficient_scope`` is returned as is. Renewal uses the
    refresh token (RFC 6749 §6; the old refresh token is kept when none is returned, A19).
    ``renew_with_client_credentials`` says the token is the client's own, from the
    client-credentials grant: a new grant renews it, and a refresh token it may carry is not
    used (RFC 6749 §4.4.3: one should not be issued, and a server that issues one anyway may
    refuse the refresh grant to this client) (G8). Without either an expired token raises
    :class:`~oauthcore.TokenExpiredError`; it is never sent.

    ``on_token(new)`` is called with every new token before it is used; if it raises,
    :class:`~oauthcore.TokenUpdateError` carries the new token (nothing lost, G7). A refresh
    answered with 5xx or ``temporarily_unavailable`` is tried :data:`RETRY_ATTEMPTS` times in
    all (G6); ``invalid_grant`` raises :class:`~oauthcore.InvalidGrantError` at once (G4); a
    transport failure during a refresh raises :class:`~oauthcore.RefreshOutcomeUnknown` and
    is not replayed (G5).
    """
    renewed = False
    if token.is_expired(now(), client.leeway):
        token = yield from _renew(token, client, renew_with_client_credentials, scope, now)
        renewed = True
        _hand_over(token, on_token)
    response = yield apply_bearer(
        request,
        token,
        placement=placement,
        allow_insecure_transport=client.allow_insecure_transport,
    )
    if response.status == 401 and not renewed and _invalid_token(response):
        token = yield from _renew(token, client, renew_with_client_credentials, scope, now)
        renewed = True
        _hand_over(token, on_token)
        response = yield apply_bearer(
            request,
            token,
            placement=placement,
            allow_insecure_transport=client.allow_insecure_transport,
        )
    return AuthorizedResponse(response=response, token=token, renewed=renewed)


def _invalid_token(response: Response) -> bool:
    challenges = [value for name, value in response.headers if name.lower() == "www-authenticate"]
    for value in challenges:
        try:
            parsed = parse_www_authenticate(value)
        except ProtocolError:
            continue
        if any(challenge.error == "invalid_token" for challenge in parsed):
            return True
    return False


def _renew(
    token: Token,
    client: ClientConfig,
    with_client_credentials: bool,
    scope: str | Sequence[str] | None,
    now: Callable[[], int],
) -> Flow[Token]:
    refreshing = bool(token.refresh_token) and not with_client_credentials
    if with_client_credentials:
        request = build_client_credentials_request(client, scope=scope)
        scrub: tuple[str, ...] = (client.client_secret or "", token.refresh_token or "")
    elif token.refresh_token:
        request = build_refresh_request(client, token.refresh_token, scope=scope)
        scrub = (token.refresh_token, client.client_secret or "")
    else:
        raise TokenExpiredError(
            "the access token has expired and there is no refresh token (RFC 6749 §6)"
        )
    requested = token.scope if scope is None else _scopes(scope)
    attempts = 1
    while True:
        try:
            response = yield request
        except Exception as exc:  # the transport failed: the server may have acted on it
            raise RefreshOutcomeUnknown(
                "the refresh request was sent but its answer was lost; it is not replayed "
                "(RFC 9700 §4.14)"
            ) from exc
        try:
            new = parse_token_response(
                response, now=now, requested_scope=requested, strict=client.strict, scrub=scrub
            )
        except OAuthServerError as error:
            # The server said it could not answer (it did not act on the request), so sending
            # it again is safe; waiting between attempts is the driver's business.
            if not error.retryable or attempts >= RETRY_ATTEMPTS:
                raise
            attempts += 1
            continue
        return token.with_refresh(new) if refreshing else new


def _scopes(scope: str | Sequence[str]) -> tuple[str, ...]:
    return tuple(scope.split()) if isinstance(scope, str) else tuple(scope)


def _hand_over(token: Token, on_token: Callable[[Token], None] | None) -> None:
    if on_token is None:
        return
    try:
        on_token(token)
    except Exception as exc:
        raise TokenUpdateError(token) from exc

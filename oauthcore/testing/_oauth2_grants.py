"""The provider's OAuth 2.0 authorization and token endpoints, and client authentication.

RFC 6749 §2.3.1 (``client_secret_basic``, id and secret form-decoded after base64, and
``client_secret_post``; one method per request), §3.1 and §3.2 (parameters once, POST and a
form body at the token endpoint), §4.1 (authorization code, auto-approved; errors before the
redirect URI is known are not redirected, §4.1.2.1), §4.3 (password), §4.4 (client
credentials), §5 (responses, JSON errors), §6 (refresh, with rotation: a rotated refresh
token presented again revokes the whole grant, RFC 9700 §4.14.2); RFC 7636 (PKCE, required
of public clients) through :func:`oauthcore.oauth2.verify_pkce`; RFC 9207 (``iss``);
RFC 8252 §7.3 (a loopback redirect URI matches any port).

Imports nothing but the standard library and oauthcore's core.
"""

from __future__ import annotations

import binascii
import hmac
import re
from dataclasses import replace
from urllib.parse import unquote_plus, urlsplit

from ..errors import OAuthServerError
from ..http import Request, Response
from ..oauth2 import verify_pkce
from ..oauth2.pkce import is_code_verifier
from ._model import GrantType, OAuth2Client, TokenKind
from ._store import AuthorizationCodeRecord, Store, new_value
from ._wire import (
    BadRequest,
    form_params,
    is_form,
    json_response,
    oauth2_error,
    query_params,
    redirect_response,
    single,
)

__all__ = ["authenticate_client", "authorize", "token"]

_LOOPBACK = ("127.0.0.1", "[::1]", "localhost")
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}").fullmatch


def _invalid_client(store: Store, description: str) -> BadRequest:
    # RFC 6749 §5.2: 401 and a challenge for the scheme the client used (Basic offered).
    challenge = ("WWW-Authenticate", f'Basic realm="{store.settings.realm}"')
    return BadRequest(oauth2_error("invalid_client", description, status=401, headers=[challenge]))


def _basic(value: str) -> tuple[str, str] | None:
    scheme, _, credentials = value.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    credentials = credentials.strip(" ")
    if len(credentials) % 4 or not _BASE64(credentials):
        raise BadRequest(oauth2_error("invalid_request", "malformed Basic credentials"))
    try:
        text = binascii.a2b_base64(credentials.encode("ascii")).decode("utf-8")
    except (ValueError, UnicodeError):
        raise BadRequest(oauth2_error("invalid_request", "malformed Basic credentials")) from None
    if ":" not in text:
        raise BadRequest(oauth2_error("invalid_request", "malformed Basic credentials"))
    client_id, _, secret = text.partition(":")
    # RFC 6749 §2.3.1: each was form-encoded (Appendix B) before base64: decode them.
    return unquote_plus(client_id, errors="strict"), unquote_plus(secret, errors="strict")


def authenticate_client(
    store: Store, request: Request, params: dict[str, str], *, public_ok: bool = True
) -> OAuth2Client:
    """Return the client a token-endpoint-style request authenticates as, or raise BadRequest.

    ``client_secret_basic`` and ``client_secret_post`` for confidential clients, ``client_id``
    alone for public ones (refused when not ``public_ok``). Using two methods at once is
    ``invalid_request`` (§2.3); a failed authentication ``invalid_client`` with 401.
    """
    header = request.header("Authorization")
    try:
        basic = _basic(header) if header is not None else None
    except UnicodeError:
        raise BadRequest(oauth2_error("invalid_request", "malformed Basic credentials")) from None
    posted_id, posted_secret = params.get("client_id"), params.get("client_secret")
    if basic is not None and posted_secret is not None:
        raise BadRequest(oauth2_error("invalid_request", "more than one client authentication"))
    secret: str | None
    if basic is not None:
        client_id, secret = basic
        if posted_id is not None and posted_id != client_id:
            raise BadRequest(oauth2_error("invalid_request", "client_id differs from Basic"))
    elif posted_id is not None:
        client_id, secret = posted_id, posted_secret
    else:
        raise _invalid_client(store, "no client authentication")
    client = store.oauth2_clients.get(client_id)
    if client is None:
        raise _invalid_client(store, "unknown client")
    if client.client_secret is None:
        if secret is not None:
            raise _invalid_client(store, "a public client has no secret")
        if not public_ok:
            raise _invalid_client(store, "this endpoint needs a confidential client")
        return client
    if secret is None or not hmac.compare_digest(
        secret.encode("utf-8"), client.client_secret.encode("utf-8")
    ):
        raise _invalid_client(store, "client authentication failed")
    return client


def _redirect_matches(registered: str, sent: str) -> bool:
    if registered == sent:
        return True
    # RFC 8252 §7.3: a loopback IP redirect URI may use any port.
    try:
        a, b = urlsplit(registered), urlsplit(sent)
        if a.scheme != "http" or b.scheme != "http":
            return False
        host_a = a.netloc.rpartition(":")[0] if a.port else a.netloc
        host_b = b.netloc.rpartition(":")[0] if b.port else b.netloc
    except ValueError:  # a malformed port or IPv6 literal in the sent URI: no match
        return False
    return (
        host_a in _LOOPBACK
        and host_a == host_b
        and (a.path, a.query, a.fragment) == (b.path, b.query, b.fragment)
    )


def _scope(client: OAuth2Client, requested: str | None) -> tuple[str, ...]:
    scope = tuple(s for s in (requested or "").split(" ") if s)
    if client.scopes is not None and not set(scope) <= client.scopes:
        raise BadRequest(oauth2_error("invalid_scope", "scope not allowed for this client"))
    return scope


def authorize(
    store: Store, request: Request, issuer: str, *, forced_error: str | None = None
) -> Response:
    """RFC 6749 §4.1.1–§4.1.2: auto-approve and redirect back with ``code``, ``state``, ``iss``."""
    params = single(query_params(request) + form_params(request))
    client = store.oauth2_clients.get(params.get("client_id", ""))
    if client is None:
        return oauth2_error("invalid_request", "unknown client_id")
    sent_uri = params.get("redirect_uri")
    if sent_uri is None:
        if len(client.redirect_uris) != 1:
            return oauth2_error("invalid_request", "redirect_uri is required")
        uri = client.redirect_uris[0]
    elif any(_redirect_matches(r, sent_uri) for r in client.redirect_uris):
        uri = sent_uri
    else:
        return oauth2_error("invalid_request", "redirect_uri is not registered")
    # From here on, errors go back to the client (RFC 6749 §4.1.2.1), with state and iss.
    state = params.get("state")

    def error(code: str, description: str) -> Response:
        pairs = [("error", code), ("error_description", description)]
        if state is not None:
            pairs.append(("state", state))
        return redirect_response(uri, [*pairs, ("iss", issuer)])

    if forced_error is not None:
        return error(forced_error, "injected fault")
    response_type = params.get("response_type")
    if response_type is None:  # §4.1.2.1: a missing required parameter
        return error("invalid_request", "response_type is required")
    if response_type != "code":
        return error("unsupported_response_type", "only response_type=code")
    if GrantType.AUTHORIZATION_CODE not in client.grant_types:
        return error("unauthorized_client", "authorization_code not allowed for this client")
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method", "plain" if challenge else None)
    if challenge is None:
        if client.is_public or client.require_pkce:
            return error("invalid_request", "code_challenge required (RFC 7636 4.4.1)")
        if method is not None:
            return error("invalid_request", "code_challenge_method without code_challenge")
    elif method not in ("S256", "plain") or (
        method == "plain" and not store.settings.allow_plain_pkce
    ):
        return error("invalid_request", "unsupported code_challenge_method")
    elif not is_code_verifier(challenge):
        return error("invalid_request", "malformed code_challenge (RFC 7636 4.2)")
    try:
        scope = _scope(client, params.get("scope"))
    except BadRequest:
        return error("invalid_scope", "scope not allowed for this client")
    user = store.user_for(None)
    if not store.approve or user is None:
        return error("access_denied", "the resource owner denied the request")
    code = new_value("code")
    with store.lock:
        store.codes[code] = AuthorizationCodeRecord(
            client_id=client.client_id,
            username=user.username,
            redirect_uri=sent_uri,
            scope=scope,
            code_challenge=challenge,
            code_challenge_method=method,
            expires_at=store.now() + store.settings.code_lifetime,
            grant_id=new_value("grant"),
        )
    pairs = [("code", code)]
    if state is not None:
        pairs.append(("state", state))
    return redirect_response(uri, [*pairs, ("iss", issuer)])


def token(store: Store, request: Request, *, expired: bool = False) -> Response:
    """RFC 6749 §3.2, §4.1.3, §4.3.2, §4.4.2, §6: the token endpoint."""
    if request.method != "POST":
        return oauth2_error("invalid_request", "the token endpoint takes POST (RFC 6749 3.2)")
    if not is_form(request):
        return oauth2_error("invalid_request", "the body must be form-encoded (RFC 6749 3.2)")
    params = single(form_params(request))
    client = authenticate_client(store, request, params)
    grant = params.get("grant_type")
    try:
        grant_type = GrantType(grant)
    except ValueError:
        if grant is None:
            return oauth2_error("invalid_request", "grant_type is required")
        return oauth2_error("unsupported_grant_type", "grant_type not supported")
    if grant_type not in client.grant_types:
        return oauth2_error("unauthorized_client", "grant_type not allowed for this client")
    try:
        if grant_type is GrantType.AUTHORIZATION_CODE:
            return _code_grant(store, client, params, expired)
        if grant_type is GrantType.REFRESH_TOKEN:
            return _refresh_grant(store, client, params, expired)
        if grant_type is GrantType.PASSWORD:
            return _password_grant(store, client, params, expired)
        return _client_credentials_grant(store, client, params, expired)
    except OAuthServerError as exc:  # verify_pkce's refusals
        return oauth2_error(exc.error, exc.error_description, status=exc.status or 400)


def _issue(
    store: Store,
    client: OAuth2Client,
    *,
    username: str | None,
    scope: tuple[str, ...],
    grant_id: str,
    refresh: bool,
    expired: bool,
    refresh_scope: tuple[str, ...] | None = None,
) -> Response:
    lifetime = 0 if expired else store.settings.access_token_lifetime
    access = store.issue(
        TokenKind.OAUTH2_ACCESS,
        client_id=client.client_id,
        username=username,
        scope=scope,
        lifetime=lifetime,
        grant_id=grant_id,
    )
    body: dict[str, object] = {
        "access_token": access.value,
        "token_type": "Bearer",
        "expires_in": lifetime,
    }
    if refresh:
        issued = store.issue(
            TokenKind.OAUTH2_REFRESH,
            client_id=client.client_id,
            username=username,
            scope=scope if refresh_scope is None else refresh_scope,
            lifetime=None,
            grant_id=grant_id,
        )
        body["refresh_token"] = issued.value
    if scope:
        body["scope"] = " ".join(scope)
    return json_response(body)


def _code_grant(
    store: Store, client: OAuth2Client, params: dict[str, str], expired: bool
) -> Response:
    code = params.get("code")
    if not code:
        return oauth2_error("invalid_request", "code is required")
    with store.lock:
        record = store.codes.get(code)
        if record is None or record.client_id != client.client_id:
            return oauth2_error("invalid_grant", "unknown authorization code")
        if record.used:
            # RFC 6749 §4.1.2: a code used twice; revoke what was issued from it.
            store.revoke_grant(record.grant_id)
            return oauth2_error("invalid_grant", "authorization code already used")
        # Marked used before PKCE is checked, whatever the outcome (checklist K5).
        store.codes[code] = replace(record, used=True)
    if store.now() >= record.expires_at:
        return oauth2_error("invalid_grant", "authorization code expired")
    # §4.1.3: redirect_uri is required, and identical, if it was in the authorization request.
    if record.redirect_uri is not None and params.get("redirect_uri") != record.redirect_uri:
        return oauth2_error("invalid_grant", "redirect_uri does not match")
    verify_pkce(
        params.get("code_verifier"),
        record.code_challenge,
        record.code_challenge_method,
        allow_plain=True,  # refused at the authorization endpoint when not allowed
    )
    return _issue(
        store,
        client,
        username=record.username,
        scope=record.scope,
        grant_id=record.grant_id,
        refresh=GrantType.REFRESH_TOKEN in client.grant_types,
        expired=expired,
    )


def _refresh_grant(
    store: Store, client: OAuth2Client, params: dict[str, str], expired: bool
) -> Response:
    value = params.get("refresh_token")
    if not value:
        return oauth2_error("invalid_request", "refresh_token is required")
    with store.lock:
        old = store.find(value, TokenKind.OAUTH2_REFRESH)
        if old is None or old.client_id != client.client_id or old.revoked:
            return oauth2_error("invalid_grant", "unknown or revoked refresh token")
        if old.used:
            # RFC 9700 §4.14.2: a rotated refresh token came back: revoke the whole grant.
            store.revoke_grant(old.grant_id)
            return oauth2_error("invalid_grant", "refresh token reused; the grant is revoked")
        requested = tuple(s for s in params.get("scope", "").split(" ") if s)
        if not set(requested) <= set(old.scope):
            return oauth2_error("invalid_scope", "scope exceeds the original grant (RFC 6749 6)")
        rotate = store.settings.rotate_refresh_tokens
        if rotate:
            store.update(old, used=True)
    response = _issue(
        store,
        client,
        username=old.username,
        scope=requested or old.scope,
        grant_id=old.grant_id,
        refresh=rotate,
        expired=expired,
        refresh_scope=old.scope,
    )
    return response


def _password_grant(
    store: Store, client: OAuth2Client, params: dict[str, str], expired: bool
) -> Response:
    username, password = params.get("username"), params.get("password")
    if username is None or password is None:
        return oauth2_error("invalid_request", "username and password are required")
    user = store.users.get(username)
    if user is None or not hmac.compare_digest(password.encode(), user.password.encode()):
        return oauth2_error("invalid_grant", "invalid resource owner credentials")
    try:
        scope = _scope(client, params.get("scope"))
    except BadRequest as exc:
        return exc.response
    return _issue(
        store,
        client,
        username=username,
        scope=scope,
        grant_id=new_value("grant"),
        refresh=GrantType.REFRESH_TOKEN in client.grant_types,
        expired=expired,
    )


def _client_credentials_grant(
    store: Store, client: OAuth2Client, params: dict[str, str], expired: bool
) -> Response:
    # A public client never gets here: OAuth2Client refuses client_credentials without a
    # secret, and token() checks the grant against the client's grant types.
    try:
        scope = _scope(client, params.get("scope"))
    except BadRequest as exc:
        return exc.response
    # §4.4.3: a refresh token SHOULD NOT be included.
    return _issue(
        store,
        client,
        username=None,
        scope=scope,
        grant_id=new_value("grant"),
        refresh=False,
        expired=expired,
    )

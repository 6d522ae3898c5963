"""The provider's OAuth 1.0a endpoints (RFC 5849 §2, §3), verified by ``verify_request``.

§2.1 temporary credentials (``oauth_callback`` required, ``oauth_callback_confirmed=true``),
§2.2 resource owner authorization (auto-approved; ``oob`` shows the verifier, a callback URI
is redirected to), §2.3 token credentials (the verifier checked in constant time, temporary
credentials used once), §3 a protected resource echoing what the signature proved. Errors
answer with the OAuth Problem Reporting ``oauth_problem`` in a form body.

Imports nothing but the standard library and oauthcore's core.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from ..errors import VerificationError
from ..http import Request, Response
from ..oauth1 import Consumer, VerifiedRequest, verify_request
from ._model import TokenKind
from ._store import Store
from ._wire import (
    form_params,
    form_response,
    json_response,
    path_of,
    query_params,
    redirect_response,
)

__all__ = ["access_token", "authorize", "problem", "request_token", "resource"]


def problem(store: Store, name: str, status: int, *, advice: str | None = None) -> Response:
    """An OAuth Problem Reporting answer: ``oauth_problem`` in a form body (and a challenge)."""
    pairs = [("oauth_problem", name)]
    if advice is not None:
        pairs.append(("oauth_problem_advice", advice))
    response = form_response(pairs, status=status)
    if status == 401:
        challenge = ("WWW-Authenticate", f'OAuth realm="{store.settings.realm}"')
        return Response(status=401, headers=(*response.headers, challenge), body=response.body)
    return response


def _verify(store: Store, request: Request, kind: TokenKind | None) -> VerifiedRequest | Response:
    def get_token_secret(consumer: Consumer, value: str) -> str | None:
        if kind is None:
            return None
        token = store.find(value, kind)
        if token is None or token.client_id != consumer.key:
            return None
        if kind is TokenKind.OAUTH1_ACCESS and not token.is_active(store.now()):
            return None
        return token.secret

    try:
        return verify_request(
            request,
            get_consumer=store.consumers.get,
            get_token_secret=get_token_secret,
            check_nonce=store.nonces,
            token_required=kind is not None,
            window=store.settings.oauth1_window,
            now=store.now,
        )
    except VerificationError as exc:
        return problem(store, exc.problem, exc.status)


def _is_callback(value: str) -> bool:
    if value == "oob":
        return True
    if not value.isascii():  # an absolute URI is ASCII (RFC 3986), as a Location must be
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # a malformed IPv6 literal
        return False
    return bool(parts.scheme and (parts.netloc or parts.scheme not in ("http", "https")))


def request_token(store: Store, request: Request) -> Response:
    """RFC 5849 §2.1: issue temporary credentials."""
    verified = _verify(store, request, None)
    if isinstance(verified, Response):
        return verified
    callback = verified.callback
    if callback is None:
        return problem(store, "parameter_absent", 400, advice="oauth_callback (RFC 5849 2.1)")
    if not _is_callback(callback) or "#" in callback:
        return problem(store, "parameter_rejected", 400, advice="oauth_callback")
    token = store.issue(
        TokenKind.OAUTH1_TEMPORARY,
        client_id=verified.consumer.key,
        username=None,
        lifetime=store.settings.temporary_credentials_lifetime,
        with_secret=True,
        callback=callback,
    )
    return form_response(
        [
            ("oauth_token", token.value),
            ("oauth_token_secret", token.secret or ""),
            ("oauth_callback_confirmed", "true"),
        ]
    )


def authorize(store: Store, request: Request) -> Response:
    """RFC 5849 §2.2: the user approves at once; redirect to the callback, or show the
    verifier for ``oob`` (a form body with ``oauth_token`` and ``oauth_verifier``)."""
    params = dict(query_params(request) + form_params(request))
    token = store.find(params.get("oauth_token", ""), TokenKind.OAUTH1_TEMPORARY)
    if token is None or not token.is_active(store.now()):
        return problem(store, "token_rejected", 400)
    client = store.oauth1_clients[token.client_id]
    user = store.user_for(client.username)
    if not store.approve or user is None:
        return problem(store, "permission_denied", 403)
    verifier = secrets.token_urlsafe(16)
    store.update(token, username=user.username, verifier=verifier)
    pairs = [("oauth_token", token.value), ("oauth_verifier", verifier)]
    if token.callback is None or token.callback == "oob":
        return form_response(pairs)
    return redirect_response(token.callback, pairs)


def access_token(store: Store, request: Request) -> Response:
    """RFC 5849 §2.3: exchange authorized temporary credentials for token credentials."""
    verified = _verify(store, request, TokenKind.OAUTH1_TEMPORARY)
    if isinstance(verified, Response):
        return verified
    with store.lock:
        token = store.find(verified.token or "", TokenKind.OAUTH1_TEMPORARY)
        # Defensive: the signature verified with this token's secret, and tokens are never
        # deleted, so it exists; the check only narrows the type.
        if token is None:  # pragma: no cover
            return problem(store, "token_rejected", 401)
        if token.used:
            return problem(store, "token_used", 401)
        if not token.is_active(store.now()):
            return problem(store, "token_expired", 401)
        if token.verifier is None or token.username is None:
            return problem(store, "permission_unknown", 401)
        if verified.verifier is None:
            return problem(store, "parameter_absent", 400, advice="oauth_verifier (RFC 5849 2.3)")
        if not hmac.compare_digest(verified.verifier.encode(), token.verifier.encode()):
            return problem(store, "token_rejected", 401, advice="oauth_verifier")
        store.update(token, used=True)
    issued = store.issue(
        TokenKind.OAUTH1_ACCESS,
        client_id=token.client_id,
        username=token.username,
        lifetime=None,
        grant_id=token.grant_id,
        with_secret=True,
    )
    return form_response(
        [
            ("oauth_token", issued.value),
            ("oauth_token_secret", issued.secret or ""),
            ("user_id", issued.username or ""),
        ]
    )


def resource(store: Store, request: Request, *, expire: bool = False) -> Response:
    """RFC 5849 §3: verify the request and echo what it proved, as JSON."""
    verified = _verify(store, request, TokenKind.OAUTH1_ACCESS)
    if isinstance(verified, Response):
        return verified
    token = store.find(verified.token or "", TokenKind.OAUTH1_ACCESS)
    # Defensive, as in access_token: the signature verified with this token's secret.
    if token is None:  # pragma: no cover
        return problem(store, "token_rejected", 401)
    if expire:
        store.expire(token.value)
        return problem(store, "token_expired", 401)
    params = [
        [name, value]
        for name, value in query_params(request) + form_params(request)
        if not name.startswith("oauth_")
    ]
    return json_response(
        {
            "protocol": "oauth1",
            "user": token.username,
            "client_key": verified.consumer.key,
            "signature_method": verified.signature_method.value,
            "method": request.method,
            "path": path_of(request),
            "realm": verified.realm,
            "params": params,
            "body_signed": verified.body_signed,
        }
    )

"""The OAuth 1.0a redirection-based authorization, as building blocks and flows.

RFC 5849 §2: §2.1 temporary credentials (request and response, ``oauth_callback_confirmed``),
§2.2 resource owner authorization (the authorization URL and the callback), §2.3 token
credentials. Each HTTP step is a ``build_*`` function returning a signed Request, a
``parse_*`` function for its response, and a ``*_flow`` generator joining the two for the
drivers in :mod:`oauthcore.flows`. The user's visit to the authorization URL happens between
the two flows, outside them.

Pure; imports no HTTP client, reads no clock or randomness except through ``now=``/``nonce=``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .._encoding import NOT_JSON, decode_form, encode_form, load_json, utf8
from .._urls import check_transport, parse_url
from ..errors import ConfigurationError, ProtocolError, TokenResponseError, safe_text
from ..flows import Flow
from ..http import Request, Response
from .client import ClientCredentials, TokenCredentials, new_nonce, sign_request, unix_time
from .placement import Placement

__all__ = [
    "AuthorizationCallback",
    "build_authorization_url",
    "build_temporary_credentials_request",
    "build_token_request",
    "credentials_flow",
    "parse_authorization_callback",
    "parse_credentials_response",
]

MAX_RESPONSE_BYTES = 64 * 1024
"""Largest credentials response body parsed (checklist M1); real ones are under 1 KiB."""

_MAX_PARAMS = 100


def _endpoint_request(method: str, url: str, what: str) -> Request:
    # An endpoint URI with a fragment is a configuration mistake, not something to strip
    # silently as for resource URLs (checklist F6).
    if "#" in url:
        raise ConfigurationError(f"{what} URL must not have a fragment")
    return Request(method=method, url=url)


def build_temporary_credentials_request(
    url: str,
    client: ClientCredentials,
    *,
    callback: str = "oob",
    method: str = "POST",
    placement: Placement = Placement.HEADER,
    realm: str | None = None,
    version: bool = False,
    allow_insecure_transport: bool = False,
    now: Callable[[], int] = unix_time,
    nonce: Callable[[], str] = new_nonce,
) -> Request:
    """Return the signed temporary credentials request (RFC 5849 §2.1).

    ``callback`` is the absolute URI the provider redirects to, or ``"oob"`` (out of band).
    """
    return sign_request(
        _endpoint_request(method, url, "temporary credentials endpoint"),
        client,
        callback=callback,
        placement=placement,
        realm=realm,
        version=version,
        allow_insecure_transport=allow_insecure_transport,
        now=now,
        nonce=nonce,
    )


def build_authorization_url(
    url: str,
    temporary: TokenCredentials | str,
    *,
    params: Iterable[tuple[str, str]] = (),
    allow_insecure_transport: bool = False,
) -> str:
    """Return the URL the resource owner visits to authorize the client (RFC 5849 §2.2).

    ``oauth_token`` and any extra ``params`` are appended to the query the endpoint already
    has. The endpoint must not carry a fragment.
    """
    parsed = parse_url(url)
    check_transport(parsed, what="authorization endpoint", allow_insecure=allow_insecure_transport)
    if parsed.fragment:
        raise ConfigurationError("authorization endpoint URL must not have a fragment")
    token = temporary if isinstance(temporary, str) else temporary.token
    query = encode_form([("oauth_token", token), *params])
    base = parsed.without_fragment()
    return f"{base}&{query}" if parsed.query else f"{base}?{query}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizationCallback:
    """What the provider sent back to the callback URI (RFC 5849 §2.2)."""

    token: str
    verifier: str = field(repr=False)


def parse_authorization_callback(
    url: str, *, expected_token: str | None = None
) -> AuthorizationCallback:
    """Read ``oauth_token`` and ``oauth_verifier`` from the callback URL (RFC 5849 §2.2).

    Both must be present exactly once. When ``expected_token`` (the temporary credentials'
    token) is given, the received token must equal it (compared in constant time).
    """
    query = url.partition("#")[0].partition("?")[2]  # the fragment first, as RFC 3986 splits
    values: dict[str, str] = {}
    for name, value in decode_form(query, max_params=_MAX_PARAMS):
        if name in values and name in ("oauth_token", "oauth_verifier"):
            raise ProtocolError(f"duplicate parameter {name!r} in the callback")
        values[name] = value
    token, verifier = values.get("oauth_token"), values.get("oauth_verifier")
    if not token:
        raise ProtocolError("callback has no oauth_token (RFC 5849 §2.2)")
    if not verifier:
        raise ProtocolError(
            "callback has no oauth_verifier: OAuth 1.0a requires it (RFC 5849 §2.2)"
        )
    if expected_token is not None:
        received, expected = utf8(token), utf8(expected_token)
        if received is None or expected is None or not hmac.compare_digest(received, expected):
            raise ProtocolError("callback oauth_token is not the temporary credentials' token")
    return AuthorizationCallback(token=token, verifier=verifier)


def build_token_request(
    url: str,
    client: ClientCredentials,
    temporary: TokenCredentials,
    *,
    verifier: str,
    method: str = "POST",
    placement: Placement = Placement.HEADER,
    realm: str | None = None,
    version: bool = False,
    allow_insecure_transport: bool = False,
    now: Callable[[], int] = unix_time,
    nonce: Callable[[], str] = new_nonce,
) -> Request:
    """Return the signed token credentials request (RFC 5849 §2.3)."""
    if not verifier:
        raise ConfigurationError("oauth_verifier is required (RFC 5849 §2.3)")
    return sign_request(
        _endpoint_request(method, url, "token endpoint"),
        client,
        temporary,
        verifier=verifier,
        placement=placement,
        realm=realm,
        version=version,
        allow_insecure_transport=allow_insecure_transport,
        now=now,
        nonce=nonce,
    )


def parse_credentials_response(response: Response, *, temporary: bool) -> TokenCredentials:
    """Parse a temporary (§2.1) or token (§2.3) credentials response.

    The body is form-encoded (a JSON object is tolerated, as some providers send one);
    ``oauth_token`` and ``oauth_token_secret`` must each appear once. For temporary credentials
    ``oauth_callback_confirmed`` must be ``true`` (1.0a; there is no fallback to 1.0, checklist
    J8). Other fields are kept in ``extra``. Errors never quote the body (checklist J3).
    """
    kind = "temporary credentials" if temporary else "token credentials"
    status = response.status
    if not 200 <= status < 300:
        raise TokenResponseError(f"{kind} request refused{_problem(response)}", status=status)
    fields = _decode_fields(response, kind)
    token, secret = fields.pop("oauth_token", None), fields.pop("oauth_token_secret", None)
    if not token or secret is None:
        raise TokenResponseError(
            f"{kind} response lacks oauth_token or oauth_token_secret", status=status
        )
    confirmed = fields.pop("oauth_callback_confirmed", None)
    if temporary and (confirmed is None or confirmed.lower() != "true"):
        raise TokenResponseError(
            "temporary credentials response lacks oauth_callback_confirmed=true: "
            "the provider does not speak OAuth 1.0a (RFC 5849 §2.1)",
            status=status,
        )
    try:
        return TokenCredentials(token=token, secret=secret, extra=tuple(fields.items()))
    except ConfigurationError as exc:
        raise TokenResponseError(f"{kind} response has an unusable oauth_token") from exc


def _decode_fields(response: Response, kind: str) -> dict[str, str]:
    body, status = response.body, response.status
    if len(body) > MAX_RESPONSE_BYTES:
        raise TokenResponseError(
            f"{kind} response is larger than {MAX_RESPONSE_BYTES} bytes", status=status
        )
    content_type = (response.header("Content-Type") or "").lower()
    if "json" in content_type or body.lstrip()[:1] == b"{":
        return _json_fields(body, kind, status)
    if not body.isascii():
        raise TokenResponseError(f"{kind} response is not form-encoded", status=status)
    try:
        pairs = decode_form(body, max_params=_MAX_PARAMS)
    except ProtocolError as exc:  # our own error: its message and chain carry no body text
        raise TokenResponseError(f"{kind} response is not form-encoded", status=status) from exc
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise TokenResponseError(
                f"{kind} response repeats {safe_text(name, limit=40)!r}", status=status
            )
        fields[name] = value
    return fields


def _json_fields(body: bytes, kind: str, status: int) -> dict[str, str]:
    data = load_json(body)
    if data is NOT_JSON:
        raise TokenResponseError(
            f"{kind} response is malformed JSON or repeats a member", status=status
        )
    if not isinstance(data, dict):
        raise TokenResponseError(f"{kind} response is JSON but not an object", status=status)
    for name in ("oauth_token", "oauth_token_secret"):
        if name in data and not isinstance(data[name], str):
            raise TokenResponseError(f"{kind} response has a non-string {name}", status=status)
    fields: dict[str, str] = {}
    for name, value in data.items():
        if isinstance(value, str):
            fields[name] = value
        elif isinstance(value, bool):
            fields[name] = "true" if value else "false"
        elif isinstance(value, int):
            fields[name] = str(value)
    return fields


def _problem(response: Response) -> str:
    # OAuth Problem Reporting: a refusal may name the problem; report only that short name.
    try:
        pairs = decode_form(response.body[:4096], max_params=_MAX_PARAMS)
    except ProtocolError:
        return ""
    for name, value in pairs:
        if name == "oauth_problem":
            return f" (oauth_problem={safe_text(value, limit=40)})"
    return ""


def credentials_flow(request: Request, *, temporary: bool) -> Flow[TokenCredentials]:
    """Send a request built by one of the ``build_*_request`` functions and parse the answer.

    Run it with :func:`oauthcore.flows.drive` or :func:`~oauthcore.flows.async_drive`.
    """
    response = yield request
    return parse_credentials_response(response, temporary=temporary)

"""Routing one request to its endpoint, with the fault queued for it, and logging it.

Imports nothing but the standard library and oauthcore's core.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from ..http import Request, Response
from . import _oauth1, _oauth2_grants, _oauth2_tokens, _ofly
from ._faults import Fault, FaultKind
from ._model import Endpoint, LoggedRequest
from ._store import Store
from ._wire import oauth2_error, path_of, text_response

__all__ = ["dispatch", "log_entry"]


def dispatch(
    store: Store,
    endpoint: Endpoint,
    request: Request,
    fault: Fault | None,
    *,
    base_url: str,
    other_origin: str,
) -> Response:
    """Answer ``request`` at ``endpoint``, as ``fault`` (already waited for) says."""
    kind = None if fault is None else fault.kind
    if fault is not None and kind is FaultKind.HTTP_ERROR:
        body = fault.body if fault.body is not None else b"Service Unavailable"
        return text_response(body, status=fault.status or 503)
    if fault is not None and kind is FaultKind.MALFORMED_BODY:
        content_type = fault.content_type or "application/json"
        return text_response(
            fault.body or b"", status=fault.status or 200, content_type=content_type
        )
    if fault is not None and kind is FaultKind.REDIRECT:
        location = fault.location or other_origin + path_of(request)
        return text_response("", status=fault.status or 302, headers=[("Location", location)])
    forced = fault.error if fault is not None and kind is FaultKind.OAUTH_ERROR else None
    status = fault.status if fault is not None else None
    expired = kind is FaultKind.EXPIRED_TOKEN
    if forced is not None and endpoint.value.startswith("oauth1_"):
        return _oauth1.problem(store, forced, status or 401)
    if endpoint is Endpoint.OAUTH2_AUTHORIZE:
        return _oauth2_grants.authorize(store, request, base_url, forced_error=forced)
    if endpoint is Endpoint.OAUTH2_RESOURCE:
        return _oauth2_tokens.resource(
            store, request, expire=expired, forced_error=forced, forced_status=status
        )
    if endpoint is Endpoint.OFLY_RESOURCE:
        return _ofly.resource(store, request, forced_error=forced, forced_status=status)
    if forced is not None:
        default = 401 if forced == "invalid_client" else 400
        description = fault.error_description if fault is not None else None
        return oauth2_error(forced, description, status=status or default)
    handlers: dict[Endpoint, Callable[[], Response]] = {
        Endpoint.OAUTH1_REQUEST_TOKEN: lambda: _oauth1.request_token(store, request),
        Endpoint.OAUTH1_AUTHORIZE: lambda: _oauth1.authorize(store, request),
        Endpoint.OAUTH1_ACCESS_TOKEN: lambda: _oauth1.access_token(store, request),
        Endpoint.OAUTH1_RESOURCE: lambda: _oauth1.resource(store, request, expire=expired),
        Endpoint.OAUTH2_TOKEN: lambda: _oauth2_grants.token(store, request, expired=expired),
        Endpoint.OAUTH2_REVOKE: lambda: _oauth2_tokens.revoke(store, request),
        Endpoint.OAUTH2_INTROSPECT: lambda: _oauth2_tokens.introspect(store, request, base_url),
        Endpoint.OAUTH2_METADATA: lambda: _oauth2_tokens.metadata(store, base_url),
        Endpoint.OFLY_AUTHORIZE: lambda: _ofly.authorize(store, request),
    }
    return handlers[endpoint]()


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.partition("=")[0] for part in text.split("&") if part)


def _error_of(response: Response) -> str | None:
    """The OAuth error code a response carries, for the log (never any other value)."""
    location = response.header("Location") or ""
    for part in location.partition("?")[2].split("&"):
        name, _, value = part.partition("=")
        if name == "error":
            return value
    if response.status < 400:
        return None
    content_type = response.header("Content-Type") or ""
    if content_type.startswith("application/json"):
        try:
            data = json.loads(response.body)
        except ValueError:
            return None
        error = data.get("error") if isinstance(data, dict) else None
        return error if isinstance(error, str) else None
    if content_type.startswith("application/x-www-form-urlencoded"):
        for part in response.body.decode("ascii", "replace").split("&"):
            name, _, value = part.partition("=")
            if name == "oauth_problem":
                return value
    return None


def log_entry(
    request: Request, endpoint: Endpoint | None, response: Response, fault: Fault | None
) -> LoggedRequest:
    """The log's record of one exchange: names, statuses and error codes, never a value."""
    query = request.url.partition("#")[0].partition("?")[2]
    content_type = (request.header("Content-Type") or "").lower()
    form = request.body.decode("latin-1") if "x-www-form-urlencoded" in content_type else ""
    return LoggedRequest(
        endpoint=endpoint,
        method=request.method,
        path=path_of(request),
        status=response.status,
        query_names=_names(query),
        form_names=_names(form),
        header_names=tuple(name.lower() for name, _ in request.headers),
        error=_error_of(response),
        fault=None if fault is None else fault.kind.value,
    )

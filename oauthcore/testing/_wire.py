"""Building responses and reading request parameters, shared by the provider's endpoints.

Imports nothing but the standard library and oauthcore's core.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from .._encoding import decode_form, encode_form
from ..errors import ProtocolError
from ..http import Request, Response, is_form_content_type

__all__ = [
    "BadRequest",
    "form_params",
    "json_response",
    "oauth2_error",
    "query_params",
    "redirect_response",
    "single",
    "text_response",
]

MAX_PARAMS = 100
_NO_STORE = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))


class BadRequest(Exception):
    """Raised inside an endpoint for a malformed request; carries the response to send."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def json_response(
    data: object, *, status: int = 200, headers: Iterable[tuple[str, str]] = ()
) -> Response:
    """A JSON response; every JSON answer carries ``Cache-Control: no-store`` (§5.1)."""
    body = json.dumps(data, separators=(",", ":")).encode("utf-8")
    return Response(
        status=status,
        headers=(("Content-Type", "application/json"), *_NO_STORE, *headers),
        body=body,
    )


def text_response(
    text: str | bytes,
    *,
    status: int,
    content_type: str = "text/plain; charset=utf-8",
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    """A response with a text body."""
    body = text.encode("utf-8") if isinstance(text, str) else text
    return Response(
        status=status, headers=(("Content-Type", content_type), *_NO_STORE, *headers), body=body
    )


def form_response(pairs: Iterable[tuple[str, str]], *, status: int = 200) -> Response:
    """An ``application/x-www-form-urlencoded`` response (RFC 5849 §2.1, §2.3)."""
    return text_response(
        encode_form(pairs), status=status, content_type="application/x-www-form-urlencoded"
    )


def redirect_response(uri: str, pairs: Iterable[tuple[str, str]]) -> Response:
    """A 302 to ``uri`` with ``pairs`` form-encoded onto its query (RFC 6749 §4.1.2, RFC 5849
    §2.2)."""
    separator = "&" if "?" in uri else "?"
    return text_response(
        "", status=302, headers=(("Location", f"{uri}{separator}{encode_form(pairs)}"),)
    )


def oauth2_error(
    error: str,
    description: str | None = None,
    *,
    status: int = 400,
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    """An RFC 6749 §5.2 error response: JSON with ``error`` and ``error_description``."""
    data = {"error": error}
    if description is not None:
        data["error_description"] = description
    return json_response(data, status=status, headers=headers)


def _pairs(text: str | bytes) -> list[tuple[str, str]]:
    try:
        return decode_form(text, max_params=MAX_PARAMS)
    except ProtocolError:
        raise BadRequest(oauth2_error("invalid_request", "malformed form encoding")) from None


def query_params(request: Request) -> list[tuple[str, str]]:
    """The decoded parameters of the request's query."""
    return _pairs(request.url.partition("#")[0].partition("?")[2])


def is_form(request: Request) -> bool:
    """True if the request's body is declared form-encoded (parameters allowed)."""
    return is_form_content_type(request.header("Content-Type"))


def form_params(request: Request) -> list[tuple[str, str]]:
    """The decoded parameters of a form body (none if the body is not a form)."""
    return _pairs(request.body) if is_form(request) else []


def single(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """``pairs`` as a dict; a repeated name is ``invalid_request`` (RFC 6749 §3.1, §3.2)."""
    found = dict(pairs)
    if len(found) != len(pairs):
        raise BadRequest(oauth2_error("invalid_request", "a parameter is repeated (RFC 6749 3.2)"))
    return found


def path_of(request: Request) -> str:
    """The request's URL path."""
    rest = request.url.partition("://")[2]
    path = "/" + rest.partition("/")[2]
    return path.partition("?")[0].partition("#")[0]

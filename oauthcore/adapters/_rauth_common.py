"""rauth 0.7's errors, its default decoder (:func:`parse_utf8_qsl`) and the request-argument
helpers that the rauth sessions and services share.

A private part of :mod:`oauthcore.adapters.requests` (through :mod:`._rauth`): import the
public names from :mod:`oauthcore.adapters.requests`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl

from ..errors import (
    ConfigurationError,
    MissingDependencyError,
    OAuthError,
    ProtocolError,
    TokenResponseError,
    safe_text,
)

try:
    import requests
except ImportError as exc:  # checklist N5
    raise MissingDependencyError("requests", "requests") from exc

from .._encoding import decode_form, load_json
from ..http import Response
from ..limits import MAX_BODY_BYTES
from ..oauth1 import parse_credentials_response
from ..oauth2 import parse_token_response
from ._requests_transport import _core_response

RAUTH_TIMEOUT = 300.0
"""rauth's documented default timeout, in seconds, for every session request."""

FORM_URLENCODED = "application/x-www-form-urlencoded"
ENTITY_METHODS = ("POST", "PUT", "PATCH")
_OPTIONAL_OAUTH_PARAMS = ("oauth_callback", "oauth_verifier", "oauth_version")
_OAUTH1_KEYS = ("oauth_token", "oauth_token_secret")
_DEFAULT_TOKEN_PARAM = "access_token"  # noqa: S105 (a parameter name, not a secret)
_MAX_FIELDS = 1000

Decoder = Callable[[bytes], Mapping[str, object]]


# Errors that are oauthcore's and still what rauth raised.


class TokenKeyMissing(TokenResponseError, KeyError):
    """A token response lacks the key rauth's API was told to read; rauth raised KeyError.

    Still a ``KeyError``, so rauth-era ``except KeyError`` clauses keep working. ``key`` is
    the missing key; ``provider_error`` (also the ``__cause__``) is the typed error the core
    made of the response, such as an :class:`~oauthcore.InvalidGrantError` for an RFC 6749
    §5.2 error, or None. The message never quotes the body (rauth's did, checklist I4, J3).
    """

    def __init__(
        self, key: str, *, status: int | None = None, provider_error: OAuthError | None = None
    ) -> None:
        shown = safe_text(key, limit=64)
        super().__init__(f"token response has no {shown!r}", status=status)
        self.key = key
        self.provider_error = provider_error

    def __str__(self) -> str:
        return str(self.args[0])  # not KeyError's repr() of the message


class RauthUsageError(ConfigurationError, TypeError):
    """A rauth API call that cannot work (a missing endpoint URL, an unknown ``hash_meth``).

    rauth raised ``TypeError`` for these; this is also a ConfigurationError.
    """


# The default decoder.


def _json_object(text: str) -> dict[str, object] | None:
    data = load_json(text)
    return data if isinstance(data, dict) else None


def parse_utf8_qsl(s: bytes | str) -> dict[str, object]:
    """Decode a token response body: a JSON object, or form-encoded pairs.

    rauth's decoder of this name read form bodies only and failed on JSON; this one reads
    both (a body starting with ``{`` is JSON). The body is checked for size before anything
    is parsed (checklist M1); a repeated key, bad UTF-8 or malformed JSON raises
    :class:`~oauthcore.TokenResponseError`, whose message never quotes the body.
    """
    raw = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    if len(raw) > MAX_BODY_BYTES:
        raise TokenResponseError(f"token response is over {MAX_BODY_BYTES} bytes")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.lstrip()[:1] == b"{":
        data = _json_object(raw.decode("utf-8", "replace"))
        if data is None:
            raise TokenResponseError("token response is malformed JSON or repeats a key")
        return data
    if raw.count(b"&") >= _MAX_FIELDS:
        raise TokenResponseError(f"token response has more than {_MAX_FIELDS} fields")
    try:
        pairs = decode_form(raw)
    except ProtocolError as exc:  # the core's message quotes nothing
        raise TokenResponseError("token response is neither JSON nor form-encoded") from exc
    fields: dict[str, object] = {}
    for name, value in pairs:
        if name in fields:
            raise TokenResponseError(f"token response repeats {safe_text(name, limit=40)!r}")
        fields[name] = value
    return fields


def _text(value: object) -> str:
    return value if isinstance(value, str) else str(value)


def _fields(
    response: requests.Response,
    decoder: Decoder,
    keys: tuple[str, ...],
    problem: Callable[[Response], OAuthError | None],
) -> tuple[str, ...]:
    """Decode the body and return the values of ``keys``; TokenKeyMissing if one is absent.

    A body the default decoder cannot read lacks the keys too: rauth's lenient decoder made
    that a KeyError, so it stays one.
    """
    try:
        data = decoder(response.content)
    except TokenResponseError as exc:
        if decoder is not parse_utf8_qsl:
            raise
        unreadable = problem(_core_response(response, response.content)) or exc
        status = response.status_code
        raise TokenKeyMissing(keys[0], status=status, provider_error=unreadable) from unreadable
    for key in keys:
        if key not in data:
            cause = problem(_core_response(response, response.content))
            raise TokenKeyMissing(key, status=response.status_code, provider_error=cause) from cause
    return tuple(_text(data[key]) for key in keys)


def _oauth1_problem(temporary: bool) -> Callable[[Response], OAuthError | None]:
    def problem(response: Response) -> OAuthError | None:
        try:
            parse_credentials_response(response, temporary=temporary)
        except OAuthError as exc:
            return exc
        return None

    return problem


def _oauth2_problem(response: Response) -> OAuthError | None:
    try:
        parse_token_response(response)
    except OAuthError as exc:
        return exc
    return None


# Request-argument helpers (rauth accepted dicts, lists of pairs and query strings).


def _items(value: object) -> list[tuple[str, object]]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)):
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        return list(parse_qsl(text, keep_blank_values=True, max_num_fields=_MAX_FIELDS))
    if isinstance(value, Mapping):
        return [(str(k), v) for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [(str(k), v) for k, v in value]
    return []


def _pop_oauth(value: object) -> tuple[object, dict[str, str]]:
    """Take rauth's optional protocol parameters (oauth_callback, ...) out of params/data."""
    if value is None or not isinstance(value, (str, bytes, Mapping, list, tuple)):
        return value, {}
    items = _items(value)
    found = {k: _text(v) for k, v in items if k in _OPTIONAL_OAUTH_PARAMS and v is not None}
    if not found:
        return value, {}
    return [(k, v) for k, v in items if k not in _OPTIONAL_OAUTH_PARAMS], found


def _merged(value: object, extra: Mapping[str, str | None]) -> object:
    if value is None:
        return dict(extra)
    if isinstance(value, Mapping):
        return {**value, **extra}
    return [*_items(value), *extra.items()]

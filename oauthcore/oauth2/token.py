"""OAuth 2.0 token requests and responses: build the grant requests, parse what comes back.

RFC 6749 §4.1.3 (authorization code), §4.3.2 (password), §4.4.2 (client credentials), §4.5
(extension grants) and §6 (refresh) requests; §5.1 successful and §5.2 error responses; §3.3 and
Appendix A (scope, VSCHAR, NQCHAR); RFC 6750 §2.1 (b64token); RFC 7636 §4.5 (``code_verifier``);
RFC 8259 (JSON). A response is parsed strictly (checklist A1–A20): a refusal is a
:class:`~oauthcore.TokenResponseError` naming the member and the section, never quoting the body
or a token; a provider's error code becomes a typed :class:`~oauthcore.OAuthServerError`.

Pure; imports no HTTP client and reads the clock only through ``now=``.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import cast

from .._clock import unix_time
from .._encoding import decode_form, utf8
from ..errors import ConfigurationError, ProtocolError, TokenResponseError, safe_text, server_error
from ..http import Response, is_form_content_type

__all__ = [
    "MAX_EXPIRES_IN",
    "MAX_TOKEN_RESPONSE_BYTES",
    "Token",
    "parse_token_response",
]

MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024
"""Largest token response body parsed by default (checklist A4, M1)."""

MAX_EXPIRES_IN = 10 * 365 * 24 * 3600
"""Longest lifetime believed: ten years; a larger ``expires_in`` is clamped (checklist A10)."""

_Scope = str | Sequence[str]
_MAX_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z: a later stored expires_at is absurd
_MAX_DIGITS = 4300  # CPython's default limit for int <-> str conversion
_MAX_MEMBERS = 1000  # real responses have a dozen; each one costs an encoding (checklist M4)
_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # [0-9] is ASCII only, unlike \d (checklist A9)
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750 §2.1
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")  # RFC 7636 §4.1
_TOKEN_MEMBERS = frozenset(("access_token", "token_type", "expires_in", "refresh_token", "scope"))
_ERROR_MEMBERS = ("error", "error_description", "error_uri")
_NAMED_MEMBERS = _TOKEN_MEMBERS.union(_ERROR_MEMBERS)
_FLAGS = ("scope_changed", "token_type_assumed", "expiry_adjusted")
_STORED = frozenset(("access_token", "token_type", "expires_at", "refresh_token", "scope", "extra"))
_RESERVED_PARAMS = frozenset(("grant_type", "client_id", "client_secret"))

_Members = dict[str, object]  # member name -> decoded value


def _vschar(text: str) -> bool:
    # RFC 6749 Appendix A: VSCHAR = %x20-7E, exactly the printable ASCII characters.
    return bool(text) and text.isascii() and text.isprintable()


def _bearer(kind: str) -> bool:
    return kind.lower() == "bearer"  # RFC 6749 §5.1: token_type is case insensitive


def _type_name(kind: str) -> bool:
    return _vschar(kind) and " " not in kind  # A.13: a type-name or a URI; neither has a space


def _label(name: str) -> str:
    return repr(name) if name in _NAMED_MEMBERS else "a member"


def _split(scope: str) -> tuple[str, ...]:
    return tuple(part for part in scope.split(" ") if part)


_compact = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


def _token_problem(t: Token) -> str | None:
    if not isinstance(t.access_token, str) or not _vschar(t.access_token):
        return "access_token must be 1*VSCHAR (RFC 6749 Appendix A.12)"
    kind = t.token_type
    if not isinstance(kind, str) or not _type_name(kind) or (_bearer(kind) and kind != "Bearer"):
        return "token_type must be a type name, Bearer spelled 'Bearer' (RFC 6749 A.13)"
    if t.expires_at is not None and (
        type(t.expires_at) is not int or not 0 <= t.expires_at <= _MAX_TIMESTAMP
    ):
        return "expires_at must be None or POSIX seconds before the year 10000"
    refresh = t.refresh_token
    if refresh is not None and (not isinstance(refresh, str) or utf8(refresh) in (None, b"")):
        return "refresh_token must be None or a non-empty string without lone surrogates"
    if t.scope is not None and (
        not isinstance(t.scope, tuple)
        or not all(isinstance(s, str) and s and " " not in s for s in t.scope)
    ):
        return "scope must be None or a tuple of scope-tokens (RFC 6749 §3.3)"
    if not all(type(getattr(t, flag)) is bool for flag in _FLAGS):
        return "scope_changed, token_type_assumed and expiry_adjusted must be bools"
    if not isinstance(t.extra, tuple) or not all(
        type(p) is tuple and len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], str)
        for p in t.extra
    ):
        return "extra must be a tuple of (name, JSON text) string pairs"
    if len({name for name, _ in t.extra}) != len(t.extra):
        return "extra repeats a member name"
    if not all(_canonical(text) for _, text in t.extra):
        return "extra values must be compact JSON text"
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Token:
    """An access token as issued (RFC 6749 §5.1), and what was normalised on the way in.

    ``expires_at`` is POSIX seconds, None when unknown. ``scope`` is the granted scope (the
    requested one when the response omits it; None if neither is known); ``scope_changed``
    says it differs from the request (checklist A15). ``token_type_assumed`` (A12) and
    ``expiry_adjusted`` (A10, G2) flag interop fallbacks. ``extra`` holds every other member,
    its value as compact JSON text (A17). ``repr`` shows neither the tokens nor ``extra``.
    """

    access_token: str = field(repr=False)
    token_type: str = "Bearer"  # noqa: S105 (a token type, not a secret)
    expires_at: int | None = None
    refresh_token: str | None = field(default=None, repr=False)
    scope: tuple[str, ...] | None = None
    scope_changed: bool = False
    token_type_assumed: bool = False
    expiry_adjusted: bool = False
    extra: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        problem = _token_problem(self)
        if problem is not None:
            raise ConfigurationError(problem)

    @property
    def is_bearer(self) -> bool:
        """True if this is a Bearer token (RFC 6750), the only type sent as ``Bearer``."""
        return _bearer(self.token_type)

    @property
    def access_token_nonstandard(self) -> bool:
        """True if the access token is printable but no RFC 6750 §2.1 b64token (A11)."""
        return _B64TOKEN.fullmatch(self.access_token) is None

    def is_expired(self, now: int, leeway: int = 60) -> bool:
        """Return True if the expiry is known and ``now`` is within ``leeway`` seconds of it."""
        return self.expires_at is not None and now >= self.expires_at - leeway

    def with_refresh(self, new: Token) -> Token:
        """Return ``new``, a refresh's result, keeping this refresh token if it brought none.

        RFC 6749 §6: the server MAY issue a new refresh token; if not, the old one stays (A19).
        """
        if new.refresh_token is not None:
            return new
        return replace(new, refresh_token=self.refresh_token)

    def to_dict(self) -> dict[str, object]:
        """Return the token as a JSON-ready dict that :meth:`from_dict` restores exactly."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["scope"] = None if self.scope is None else " ".join(self.scope)
        data["extra"] = {name: json.loads(text) for name, text in self.extra}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Token:
        """Return the Token that :meth:`to_dict` (or another library) stored, validated.

        ``bearer`` in any case becomes ``Bearer``; a missing ``token_type`` is assumed Bearer,
        flagged. An ``expires_at`` that is a numeric string or a float is normalised; a
        negative one becomes 0 (expired), a non-number or one past the year 9999 unknown,
        each flagged ``expiry_adjusted`` (G2). ``scope`` may be a string or a list. Unknown
        keys join ``extra``. Anything else malformed raises :class:`~oauthcore.ConfigurationError`.
        """
        if not isinstance(data, Mapping):
            raise ConfigurationError("a stored token must be a mapping")
        kind, assumed = data.get("token_type"), data.get("token_type_assumed", False)
        if kind is None:
            kind, assumed = "Bearer", True
        elif isinstance(kind, str) and _bearer(kind):
            kind = "Bearer"
        expires_at, adjusted = _stored_expiry(data.get("expires_at"))
        scope = data.get("scope")
        if isinstance(scope, str):
            scope = _split(scope)
        elif isinstance(scope, list):
            scope = tuple(scope)
        return cls(  # wrong types go through to __post_init__, which refuses them
            access_token=cast(str, data.get("access_token")),
            token_type=cast(str, kind),
            expires_at=expires_at,
            refresh_token=cast("str | None", data.get("refresh_token")),
            scope=cast("tuple[str, ...] | None", scope),
            scope_changed=cast(bool, data.get("scope_changed", False)),
            token_type_assumed=cast(bool, assumed),
            expiry_adjusted=adjusted or cast(bool, data.get("expiry_adjusted", False)),
            extra=_stored_extra(data),
        )


def _seconds(value: object) -> int | None:
    # A8: a JSON number or an ASCII decimal string, floored; A9: nothing else, bool included.
    if isinstance(value, str) and _SECONDS.fullmatch(value):
        whole = value.partition(".")[0]
        return int(whole) if len(whole) <= _MAX_DIGITS else None  # A10: no bare ValueError
    if isinstance(value, float):
        return math.floor(value) if math.isfinite(value) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _stored_expiry(value: object) -> tuple[int | None, bool]:
    if value is None:
        return None, False
    seconds = _seconds(value)
    if seconds is None or seconds > _MAX_TIMESTAMP:
        return None, True
    return (0, True) if seconds < 0 else (seconds, False)


def _stored_extra(data: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    nested = data.get("extra", {})
    if not isinstance(nested, Mapping):
        raise ConfigurationError("a stored token's extra must be a mapping")
    items = [
        *nested.items(),
        *((k, v) for k, v in data.items() if k not in _STORED and k not in _FLAGS),
    ]
    extra = tuple((name, _dump(value)) for name, value in items)
    if any(text is None for _, text in extra):
        raise ConfigurationError("a stored token's extra member is not JSON-serialisable")
    return cast("tuple[tuple[str, str], ...]", extra)


# JSON decoding. The hooks raise _Invalid; the loaders return one (fresh, never raised) so the
# caller raises its own error outside any ``except``: a decoding error holds the whole body,
# which must not ride along as __context__ (checklist I4).


class _Invalid(ValueError):
    pass


def _dump(value: object) -> str | None:
    try:
        return _compact(value)
    except (TypeError, ValueError, RecursionError):
        return None


def _object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    obj = dict(pairs)
    if len(obj) != len(pairs):  # RFC 6749 §3.1; json would keep the last one silently (A16)
        name = Counter(name for name, _ in pairs).most_common(1)[0][0]
        raise _Invalid(f"repeats {_label(name)} (RFC 6749 §3.1)")
    return obj


def _constant(name: str) -> object:
    raise _Invalid("holds NaN or Infinity (RFC 8259 §6)")  # checklist A7


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 (checklist A7)
        raise _Invalid("holds a number out of range (RFC 8259 §6)")
    return value


def _int(text: str) -> int:
    if len(text) > _MAX_DIGITS:  # int() would raise a bare ValueError (checklist A10)
        raise _Invalid(f"holds a number of more than {_MAX_DIGITS} digits")
    return int(text)


_DECODER = json.JSONDecoder(
    object_pairs_hook=_object, parse_constant=_constant, parse_float=_float, parse_int=_int
)


def _canonical(text: str) -> bool:
    try:
        return _compact(_DECODER.decode(text)) == text
    except (ValueError, RecursionError):
        return False


def _load_json(body: bytes) -> _Members | _Invalid:
    if body.startswith(codecs.BOM_UTF8):  # RFC 8259 §8.1: a parser MAY ignore one
        body = body[len(codecs.BOM_UTF8) :]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _Invalid("is not UTF-8 (RFC 8259 §8.1)")
    try:
        data = _DECODER.decode(text)
        if not isinstance(data, dict):
            return _Invalid("is not a JSON object")
        if len(data) > _MAX_MEMBERS:
            return _Invalid(f"has more than {_MAX_MEMBERS} members")
        return data
    except _Invalid as exc:
        return _Invalid(*exc.args)
    except RecursionError:
        return _Invalid("is nested too deeply (checklist A6)")
    except ValueError:
        return _Invalid("is not JSON (RFC 6749 §5.1)")


def _load_form(body: bytes) -> _Members | _Invalid:
    if body.count(b"&") >= _MAX_MEMBERS:  # counted before anything is decoded (M1)
        return _Invalid(f"has more than {_MAX_MEMBERS} members")
    try:
        pairs = decode_form(body)
    except ProtocolError:  # its message quotes nothing
        return _Invalid("is not form data in UTF-8 (RFC 6749 Appendix B)")
    members: _Members = {}
    for name, value in pairs:
        if name in members:
            return _Invalid(f"repeats {_label(name)} (RFC 6749 §3.1)")
        members[name] = value
    return members


def parse_token_response(
    response: Response,
    *,
    now: Callable[[], int] = unix_time,
    requested_scope: _Scope | None = None,
    strict: bool = False,
    scrub: Iterable[str] = (),
    max_bytes: int = MAX_TOKEN_RESPONSE_BYTES,
) -> Token:
    """Parse a token endpoint response into a :class:`Token` (RFC 6749 §5.1, §5.2).

    JSON, unless the Content-Type is ``application/x-www-form-urlencoded`` (never guessed). An
    ``error`` member, whatever the status (A18), raises the OAuthServerError subclass for its
    code, text scrubbed of each ``scrub`` value (B13, I5); a 5xx without one a retryable
    ServerError; anything else unusable a TokenResponseError. ``strict`` refuses a missing
    ``token_type``, a non-positive ``expires_in`` and an empty ``refresh_token``.
    """
    status, body, scrub = response.status, response.body, tuple(scrub)
    if len(body) > max_bytes:
        raise TokenResponseError(f"token response is over {max_bytes} bytes (A4)", status=status)
    content_type = response.header("Content-Type") or ""
    members = _load_form(body) if is_form_content_type(content_type) else _load_json(body)
    if isinstance(members, _Invalid):
        shown = safe_text(content_type, limit=60, scrub=scrub)
        what = f"token response {members.args[0]} (Content-Type {shown!r}, {len(body)} bytes)"
        if status >= 500:
            raise server_error("server_error", error_description=what, status=status, scrub=scrub)
        raise TokenResponseError(what, status=status)
    if members.get("error") is not None:
        raise _error_response(members, status, scrub)
    if status >= 500:
        what = "token endpoint failed without an OAuth error (RFC 6749 §5.2)"
        raise server_error("server_error", error_description=what, status=status)
    if not 200 <= status < 300:
        raise TokenResponseError("token response is neither §5.1 nor §5.2", status=status)
    return _token(members, now, requested_scope, strict, status)


def _error_response(members: _Members, status: int, scrub: tuple[str, ...]) -> Exception:
    error, description, uri = values = [members.get(n) for n in _ERROR_MEMBERS]
    for name, value in zip(_ERROR_MEMBERS, values, strict=True):
        if value is not None and not isinstance(value, str):
            return TokenResponseError(f"{name} is not a string (RFC 6749 §5.2)", status=status)
    description, uri = cast("str | None", description), cast("str | None", uri)
    return server_error(
        cast(str, error), error_description=description, error_uri=uri, status=status, scrub=scrub
    )


def _token(
    members: _Members, now: Callable[[], int], requested: _Scope | None, strict: bool, status: int
) -> Token:
    value = members.get  # a JSON null counts as absent

    def refuse(message: str) -> TokenResponseError:
        return TokenResponseError(message, status=status)

    access = value("access_token")
    if not isinstance(access, str) or not access:
        raise refuse("token response has no access_token string (RFC 6749 §5.1)")
    if not _vschar(access):  # CTL, non-ASCII, lone surrogate (A11, A20)
        raise refuse("access_token has characters outside VSCHAR (RFC 6749 Appendix A.12)")

    kind = value("token_type")
    if kind is None and strict:
        raise refuse("token response has no token_type (RFC 6749 §5.1; strict)")
    if kind is not None and (not isinstance(kind, str) or not _type_name(kind)):
        raise refuse("token_type is not a type name (RFC 6749 Appendix A.13)")
    # A12: a missing type is assumed Bearer (flagged); A13: bearer in any case; A14: others kept.
    kind = "Bearer" if kind is None or _bearer(kind) else kind

    expires_at, adjusted = _expires_at(value("expires_in"), now, strict, refuse)

    refresh = value("refresh_token")
    if refresh is not None and not isinstance(refresh, str):
        raise refuse("refresh_token is not a string (RFC 6749 §5.1)")
    if refresh == "" and strict:
        raise refuse("refresh_token is empty (RFC 6749 Appendix A.17; strict)")
    if refresh and utf8(refresh) is None:
        raise refuse("refresh_token holds a lone surrogate (RFC 6749 Appendix A.17)")

    granted = value("scope")
    if granted is not None and not isinstance(granted, str):
        raise refuse("scope is not a space-delimited string (RFC 6749 §3.3)")
    scope: tuple[str, ...] | None
    if granted is not None and granted == requested:  # the usual case: granted as asked
        scope, changed = _split(granted), False
    else:
        asked = (
            None
            if requested is None
            else (_split(requested) if isinstance(requested, str) else tuple(requested))
        )
        scope = asked if granted is None else _split(granted)  # §5.1: omitted: as requested
        changed = granted is not None and asked is not None and set(scope or ()) != set(asked)

    extra = tuple((k, _dump(v)) for k, v in members.items() if k not in _TOKEN_MEMBERS)
    if any(text is None for _, text in extra):  # nested near the recursion limit
        raise refuse("token response member is nested too deeply (checklist A6)")
    try:
        return Token(
            access_token=access,
            token_type=kind,
            expires_at=expires_at,
            refresh_token=refresh or None,
            scope=scope,
            scope_changed=changed,
            token_type_assumed=value("token_type") is None,
            expiry_adjusted=adjusted,
            extra=cast(tuple[tuple[str, str], ...], extra),
        )
    except ConfigurationError as exc:  # a member too deep to round-trip (our own message)
        raise refuse("token response member is nested too deeply (checklist A6)") from exc


def _expires_at(
    value: object, now: Callable[[], int], strict: bool, refuse: Callable[[str], Exception]
) -> tuple[int | None, bool]:
    if value is None:
        return None, False
    seconds = _seconds(value)
    if seconds is None:  # A9, A10, without echoing the value
        raise refuse("expires_in is not a number of seconds (RFC 6749 §5.1, A.14)")
    issued = now()
    if seconds <= 0 and strict:
        raise refuse("expires_in is not positive (RFC 6749 §5.1; strict)")
    if seconds <= 0:
        return issued, True  # kept, already expired (A10)
    if seconds > MAX_EXPIRES_IN:
        return issued + MAX_EXPIRES_IN, True
    return issued + seconds, False

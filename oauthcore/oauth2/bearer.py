"""Bearer token usage (RFC 6750): presenting a token, reading challenges, the server side.

RFC 6750 §2.1 (``Authorization: Bearer``), §2.2 (form body), §2.3 (URI query, only when the
caller asks for it, with ``Cache-Control: no-store``), §2 (one method per request), §3 and
§3.1 (the ``WWW-Authenticate`` challenge and its error codes), read with the challenge syntax
of RFC 9110 §11.6.1 and the token syntax of RFC 6749 Appendix A.12. Checklist A11, A14, C1,
E1, E8, E9, K7, M1, M4.

Pure: imports no HTTP client, reads no clock, no randomness and no environment. Every parser
checks the size first, then makes one left-to-right pass with regexes that cannot backtrack
(no nested quantifiers). Messages never contain a token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from itertools import islice
from operator import itemgetter
from typing import Protocol
from urllib.parse import unquote_plus

from .._encoding import percent_encode
from .._urls import check_transport, parse_url
from ..errors import (
    ConfigurationError,
    OAuthServerError,
    ProtocolError,
    UnsupportedTokenTypeError,
    safe_text,
    server_error,
)
from ..http import FORM_URLENCODED, Request, is_form_content_type

__all__ = [
    "BearerChallenge",
    "BearerPlacement",
    "TokenLike",
    "apply_bearer",
    "build_www_authenticate",
    "challenge_error",
    "extract_bearer_token",
    "is_b64token",
    "parse_www_authenticate",
    "redact_url",
]

MAX_HEADER_LENGTH = 8192
"""Longest ``WWW-Authenticate`` / ``Authorization`` value read by default (checklist M1)."""

_PARAM = "access_token"
# RFC 9110 §9.3: methods whose content has no defined semantics (RFC 6750 §2.2: not GET).
_NO_BODY_METHODS = frozenset(("GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"))
_B64TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/"
# RFC 6750 §3: error and error_description are %x20-21 / %x23-5B / %x5D-7E; error_uri and
# each scope-token (NQCHAR) the same without the space.
_NQCHARS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"\\')
_SENSITIVE = (
    "access_token code state refresh_token client_secret code_verifier id_token password "
    "client_assertion"
)

# Patterns are used with match() at a position; no quantifier is nested in another and
# neighbouring runs are of disjoint characters, so matching is linear (checklist M4). At most
# _MAX_ELEMENTS challenges and auth-params are read, so the Python loop is short (M1).
_TCHAR = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]"
_TOKEN = re.compile(_TCHAR + "+")
_OWS = re.compile(r"[ \t]*")
_LIST_SEP = re.compile(r"[ \t,]*")
_TOKEN68 = re.compile(r"([A-Za-z0-9\-._~+/]+=*)[ \t]*(?=,|\Z)")
_PARAM_START = re.compile(_TCHAR + r"+[ \t]*=")
# auth-param = token BWS "=" BWS ( token / quoted-string ), then OWS. The quoted-string's two
# alternatives (qdtext, quoted-pair) start with different characters: no backtracking.
_AUTH_PARAM = re.compile(
    rf"({_TCHAR}+)[ \t]*=[ \t]*"
    r'(?:"((?:[\t !\x23-\x5b\x5d-\x7e\x80-\U0010ffff]|\\[\t\x20-\x7e\x80-\U0010ffff])*)"'
    rf"|({_TCHAR}+))[ \t]*"
)


def _spelled(name: str, *, any_case: bool = False) -> str:
    """Return a pattern for ``name`` as a form-encoded name: each character or its %XX."""
    chars = [sorted({c.lower(), c.upper()}) if any_case else [c] for c in name]
    return "".join(
        "(?:" + "|".join(f"{c}|%{ord(c) >> 4:X}[{ord(c) & 15:X}{ord(c) & 15:x}]" for c in s) + ")"
        for s in chars
    )


# A form pair named access_token (its name perhaps escaped); one in a list of names to redact.
_ACCESS_TOKEN_PARAM = re.compile(rf"(?:(?<=&)|\A){_spelled(_PARAM)}(?:=([^&]*))?(?![^&])")
_SENSITIVE_PAIR = re.compile(
    rf"(?:(?<=&)|\A)((?:{'|'.join(_spelled(n, any_case=True) for n in _SENSITIVE.split())})=)"
    r"[^&]*"
)
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
_PAIR_CHAR = itemgetter(1)  # a quoted-pair's character; faster than a "\1" template
_MAX_ELEMENTS = 64
_TOO_MANY = f"more than {_MAX_ELEMENTS} challenges and auth-params (checklist M1)"


class BearerPlacement(str, Enum):
    """Where :func:`apply_bearer` puts the token (RFC 6750 §2.1–§2.3)."""

    HEADER = "header"
    BODY = "body"
    QUERY = "query"

    def __str__(self) -> str:
        return self.value


class TokenLike(Protocol):
    """Anything with an ``access_token`` and a ``token_type``, such as an OAuth 2.0 ``Token``."""

    @property
    def access_token(self) -> str: ...

    @property
    def token_type(self) -> str: ...


def is_b64token(value: str) -> bool:
    """True if ``value`` is an RFC 6750 §2.1 ``b64token``: what a Bearer header may carry.

    A client sends any visible-ASCII token (RFC 6749 A.12, e.g. Facebook's tokens with ``|``);
    this is the diagnostic for tokens that strict servers will refuse (checklist A11).
    """
    core = value.rstrip("=")
    return bool(core) and not core.strip(_B64TOKEN_CHARS)


def _access_token_of(token: str | TokenLike) -> str:
    if isinstance(token, str):
        value: object = token
    elif not hasattr(token, "access_token"):
        raise ConfigurationError("token must be a str or have access_token and token_type")
    else:
        kind = getattr(token, "token_type", None)
        if not isinstance(kind, str) or kind.lower() != "bearer":
            shown = safe_text(kind, limit=40) if isinstance(kind, str) else type(kind).__name__
            raise UnsupportedTokenTypeError(
                f"token_type {shown!r} is not Bearer; it is never sent as one (RFC 6749 §7.1)"
            )
        value = getattr(token, "access_token", None)
    # RFC 6749 A.12: access-token = 1*VSCHAR; no space either, since RFC 6750 §2.1 has
    # nothing after the token (checklist A11, E1).
    if not (isinstance(value, str) and value and value.isascii() and value.isprintable()):
        raise ConfigurationError("access token must be a non-empty visible-ASCII string (A.12)")
    if " " in value:
        raise ConfigurationError("access token must not contain a space (RFC 6750 §2.1)")
    return value


def _form_values(text: str) -> list[str]:
    """Return the decoded values of the first two ``access_token`` in form-encoded ``text``.

    Two are enough to refuse a repeated parameter; the search runs in C (checklist M4).
    """
    found = islice(_ACCESS_TOKEN_PARAM.finditer(text), 2)
    return [unquote_plus(match.group(1) or "", encoding="latin-1") for match in found]


def _is_bearer(credentials: str) -> bool:
    scheme = _TOKEN.match(credentials.lstrip(" \t"))
    return scheme is not None and scheme.group().lower() == "bearer"


def apply_bearer(
    request: Request,
    token: str | TokenLike,
    *,
    placement: BearerPlacement = BearerPlacement.HEADER,
    allow_insecure_transport: bool = False,
) -> Request:
    """Return ``request`` carrying ``token`` as RFC 6750 §2.1 (default), §2.2 or §2.3 say.

    HEADER replaces every ``Authorization`` header. BODY needs a form-encoded (or empty) body
    and a method with body semantics. QUERY is used only when passed explicitly (checklist E9)
    and adds ``Cache-Control: no-store``. A request that already carries a token elsewhere is
    refused (E8): apply the token to the request as it was before any token was added.

    Raises:
        UnsupportedTokenTypeError: ``token`` has a ``token_type`` other than Bearer (A14).
        ConfigurationError: a malformed token, an unusable placement, a token already present.
        InsecureTransportError: the URL is plain http and not loopback (C1).
    """
    value = _access_token_of(token)
    try:
        placement = BearerPlacement(placement)
    except ValueError:
        raise ConfigurationError("placement must be header, body or query") from None
    check_transport(
        parse_url(request.url), what="protected resource", allow_insecure=allow_insecure_transport
    )
    query = request.url.partition("#")[0].partition("?")[2]
    is_form = is_form_content_type(request.header("Content-Type"))
    if _form_values(query) or (is_form and _form_values(request.body.decode("latin-1"))):
        raise ConfigurationError("request already carries an access_token (RFC 6750 §2, E8)")
    encoded = f"{_PARAM}={percent_encode(value)}"
    if placement is BearerPlacement.HEADER:
        return request.with_header("Authorization", f"Bearer {value}")
    if any(n.lower() == "authorization" and _is_bearer(v) for n, v in request.headers):
        raise ConfigurationError("request already has a Bearer Authorization header (E8)")
    if placement is BearerPlacement.QUERY:
        base, hash_, fragment = request.url.partition("#")
        if "?" not in base:
            base += "?"
        elif not base.endswith(("?", "&")):
            base += "&"
        with_query = replace(request, url=f"{base}{encoded}{hash_}{fragment}")
        # RFC 6750 §2.3: "SHOULD also send a Cache-Control header containing no-store".
        cache = [v for n, v in request.headers if n.lower() == "cache-control"]
        if any(d.strip().lower() == "no-store" for v in cache for d in v.split(",")):
            return with_query
        return with_query.with_header("Cache-Control", ", ".join([*cache, "no-store"]))
    if request.method.upper() in _NO_BODY_METHODS:
        raise ConfigurationError(f"{request.method} has no body semantics (RFC 6750 §2.2)")
    if not request.body.isascii():
        raise ConfigurationError("form body must be ASCII (RFC 6750 §2.2)")
    if is_form:
        body = request.body.rstrip(b"&")
        return replace(request, body=(body + b"&" if body else b"") + encoded.encode("ascii"))
    if request.body or request.header("Content-Type") is not None:
        raise ConfigurationError("body placement needs a form-encoded body (RFC 6750 §2.2)")
    return replace(
        request,
        headers=(*request.headers, ("Content-Type", FORM_URLENCODED)),
        body=encoded.encode("ascii"),
    )


def redact_url(url: str) -> str:
    """Return ``url`` with token, code, state and secret values replaced by ``***``.

    For log lines and messages (checklist E9). The query and the fragment (where RFC 6749
    §4.2.2 puts an implicit-grant token) are both scrubbed, and so is any userinfo; the
    parameter names redacted are ``access_token``, ``code``, ``state``, ``refresh_token``,
    ``client_secret``, ``code_verifier``, ``id_token``, ``password`` and ``client_assertion``.
    """
    rest, hash_, fragment = url.partition("#")
    rest, mark, query = rest.partition("?")
    scheme, slashes, after = rest.partition("//")
    authority, slash, path = after.partition("/")
    if slashes and "@" in authority:
        rest = f"{scheme}//***@{authority.rpartition('@')[2]}{slash}{path}"
    query, fragment = _SENSITIVE_PAIR.sub(r"\1***", query), _SENSITIVE_PAIR.sub(r"\1***", fragment)
    return f"{rest}{mark}{query}{hash_}{fragment}"


@dataclass(frozen=True, slots=True, kw_only=True)
class BearerChallenge:
    """One ``Bearer`` challenge of a ``WWW-Authenticate`` field (RFC 6750 §3).

    Values are the peer's text, unescaped but otherwise as received: pass them through
    :func:`~oauthcore.errors.safe_text` (or :func:`challenge_error`) before showing them.
    ``params`` holds every auth-param in order, names as sent.
    """

    realm: str | None = None
    scope: tuple[str, ...] | None = None
    error: str | None = None
    error_description: str | None = None
    error_uri: str | None = None
    params: tuple[tuple[str, str], ...] = ()


def _malformed(pos: int) -> ProtocolError:
    return ProtocolError(f"WWW-Authenticate is malformed at character {pos} (RFC 9110 §11.6.1)")


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Return the end of ``pattern``'s run at ``pos`` (every pattern used here matches empty)."""
    return pattern.match(text, pos).end()  # type: ignore[union-attr]  # `*` always matches


def _challenges(text: str) -> list[tuple[str, str | None, list[tuple[str, str]]]]:
    """Split ``#challenge`` into (scheme, token68, auth-params) triples, in order."""
    found: list[tuple[str, str | None, list[tuple[str, str]]]] = []
    pos, end, count = _skip(_LIST_SEP, text, 0), len(text), 0
    while pos < end:
        scheme = _TOKEN.match(text, pos)
        if scheme is None:
            raise _malformed(pos)
        token68: str | None = None
        params: list[tuple[str, str]] = []
        pos = _skip(_OWS, text, scheme.end())
        # challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
        if pos < end and text[pos] != ",":
            if text[scheme.end()] != " ":
                raise _malformed(pos)
            word = _TOKEN68.match(text, pos)
            if word is not None:
                token68, pos = word.group(1), word.end()
            while word is None:
                param = _AUTH_PARAM.match(text, pos)
                if param is None:
                    raise _malformed(pos)
                name, quoted, value = param.groups()
                if quoted is not None:
                    value = _UNESCAPE.sub(_PAIR_CHAR, quoted) if "\\" in quoted else quoted
                params.append((name, value))
                count, pos = count + 1, param.end()
                if count > _MAX_ELEMENTS:
                    raise ProtocolError(_TOO_MANY)
                if pos < end and text[pos] != ",":
                    raise _malformed(pos)
                # Another auth-param (token BWS "=") follows, or the next challenge's scheme?
                nxt = _skip(_LIST_SEP, text, pos)
                if _PARAM_START.match(text, nxt) is None:
                    break
                pos = nxt
        found.append((scheme.group(), token68, params))
        count += 1
        if count > _MAX_ELEMENTS:
            raise ProtocolError(_TOO_MANY)
        pos = _skip(_LIST_SEP, text, pos)
    return found


def parse_www_authenticate(
    value: str, *, max_length: int = MAX_HEADER_LENGTH
) -> tuple[BearerChallenge, ...]:
    """Return the ``Bearer`` challenges of a ``WWW-Authenticate`` value, in order.

    RFC 6750 §3 over RFC 9110 §11.6.1: the value may hold several challenges of any scheme
    (several fields joined with ``", "`` are one value); the scheme and parameter names match
    case-insensitively. A value longer than ``max_length`` (checked first, checklist M1), a
    syntax error, a repeated parameter or a Bearer token68 raises
    :class:`~oauthcore.ProtocolError`.
    """
    if len(value) > max_length:
        raise ProtocolError(f"WWW-Authenticate longer than {max_length} characters (M1)")
    result = []
    for scheme, token68, params in _challenges(value):
        if scheme.lower() != "bearer":
            continue
        if token68 is not None:
            raise ProtocolError("a Bearer challenge takes auth-params, not a token68 (RFC 6750 §3)")
        named = {}
        for name, text in params:
            if name.lower() in named:
                raise ProtocolError(f"auth-param {safe_text(name, limit=40)!r} repeated (§3)")
            named[name.lower()] = text
        scope = named.get("scope")
        result.append(
            BearerChallenge(
                realm=named.get("realm"),
                scope=None if scope is None else tuple(s for s in scope.split(" ") if s),
                error=named.get("error"),
                error_description=named.get("error_description"),
                error_uri=named.get("error_uri"),
                params=tuple(params),
            )
        )
    return tuple(result)


def challenge_error(
    challenge: BearerChallenge, *, status: int | None = None, scrub: Iterable[str] = ()
) -> OAuthServerError | None:
    """Return the typed error a challenge reports, or None if it carries no ``error`` code.

    RFC 6750 §3.1: ``invalid_request`` → InvalidRequestError, ``invalid_token`` →
    InvalidTokenError, ``insufficient_scope`` → InsufficientScopeError; other codes stay an
    OAuthServerError. A challenge without a code answers a request that had no usable
    credentials. Text is escaped, truncated and scrubbed of ``scrub`` (pass the token).
    """
    if challenge.error is None:
        return None
    return server_error(
        challenge.error,
        error_description=challenge.error_description,
        error_uri=challenge.error_uri,
        status=status,
        scrub=scrub,
    )


def _quoted_param(name: str, value: str, allowed: str) -> str:
    if not value or value.strip(allowed):
        raise ConfigurationError(f"{name} has characters RFC 6750 §3 does not allow (K7)")
    return f'{name}="{value}"'


def build_www_authenticate(
    *,
    realm: str | None = None,
    error: str | None = None,
    error_description: str | None = None,
    error_uri: str | None = None,
    scope: str | Sequence[str] | None = None,
) -> str:
    """Return a ``WWW-Authenticate`` value for a Bearer-protected resource (RFC 6750 §3).

    Every value is a quoted-string; ``error``, ``error_description``, ``error_uri`` and the
    scope-tokens must use the characters §3 allows (no ``"``, ``\\``, CR or LF), and ``realm``
    printable ASCII (escaped), else ConfigurationError (checklist K7). ``scope`` is a
    space-delimited string or a sequence of scope-tokens; an empty scope is left out. Omit
    ``error`` when the request had no credentials at all (§3.1).
    """
    parts = []
    if realm is not None:
        if not (realm.isascii() and realm.isprintable()):
            raise ConfigurationError("realm must be printable ASCII (RFC 9110 §11.5)")
        escaped = realm.replace("\\", "\\\\").replace('"', '\\"')
        parts.append(f'realm="{escaped}"')
    scopes = [s for s in scope.split(" ") if s] if isinstance(scope, str) else list(scope or ())
    for item in scopes:
        _quoted_param("scope", item, _NQCHARS)
    if scopes:
        parts.append(f'scope="{" ".join(scopes)}"')
    for name, text, allowed in (
        ("error", error, " " + _NQCHARS),
        ("error_description", error_description, " " + _NQCHARS),
        ("error_uri", error_uri, _NQCHARS),
    ):
        if text is not None:
            parts.append(_quoted_param(name, text, allowed))
    if not parts:
        raise ConfigurationError("a Bearer challenge needs at least one auth-param (§3)")
    return "Bearer " + ", ".join(parts)


def _invalid(description: str, status: int = 400) -> OAuthServerError:
    return server_error("invalid_request", error_description=description, status=status)


def extract_bearer_token(
    request: Request,
    *,
    allow_body: bool = False,
    allow_query: bool = False,
    max_header: int = MAX_HEADER_LENGTH,
) -> str:
    """Return the one Bearer token a received request carries (RFC 6750 §2; checklist K7, E8).

    The header scheme matches case-insensitively and is followed by ``1*SP b64token``. The
    form body (§2.2) and the query (§2.3) are read only when allowed; a token in a place not
    allowed, in two places, or twice is refused.

    Raises:
        InvalidRequestError: status 400 for a malformed or ambiguous request; status 401, with
            ``error_description`` "no bearer token", when the request carries no token at all.
            §3.1 says to answer that one with a challenge without an error code.
    """
    found: list[str] = []
    headers = [text for name, text in request.headers if name.lower() == "authorization"]
    if len(headers) > 1:
        raise _invalid("more than one Authorization header (RFC 9110 §11.6.2)")
    if headers:
        text = headers[0]
        if len(text) > max_header:
            raise _invalid(f"Authorization header longer than {max_header} characters (M1)")
        text = text.strip(" \t")
        if _is_bearer(text):
            # RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token
            rest = text[6:]
            credential = rest.lstrip(" ")
            if not credential:
                raise _invalid("empty Bearer credentials (RFC 6750 §2.1)")
            if not rest.startswith(" ") or not is_b64token(credential):
                raise _invalid("Bearer credentials are not 1*SP b64token (RFC 6750 §2.1)")
            found.append(credential)
    in_query = _form_values(request.url.partition("#")[0].partition("?")[2])
    if in_query and not allow_query:
        raise _invalid("access_token in the URI query is not accepted here (RFC 6750 §2.3)")
    found.extend(in_query)
    if is_form_content_type(request.header("Content-Type")):
        in_body = _form_values(request.body.decode("latin-1"))
        if in_body and not allow_body:  # refused, not ignored: two methods must not pass (E8)
            raise _invalid("access_token in the body is not accepted here (RFC 6750 §2.2)")
        if in_body and request.method.upper() in _NO_BODY_METHODS:
            raise _invalid(f"access_token in a {request.method} body (RFC 6750 §2.2)")
        found.extend(in_body)
    if not found:
        raise _invalid("no bearer token", status=401)
    if len(found) > 1:
        raise _invalid("more than one access token or method (RFC 6750 §2)")
    if not is_b64token(found[0]):
        raise _invalid("access_token is not a b64token (RFC 6750 §2.1)")
    return found[0]

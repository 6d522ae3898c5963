"""The OAuth 2.0 authorization request and response, PKCE, and the ``iss`` check.

RFC 6749 §4.1.1 (authorization request), §4.1.2 and §4.1.2.1 (response and error response),
§3.1 (parameters appear at most once), §3.3 (scope syntax), §4.2.2 (implicit grant response,
opt-in only: RFC 9700 §2.1.2); RFC 7636 §4.1–§4.6 (PKCE, client and server side); RFC 9207
(authorization server issuer identification); RFC 9700 §2.1, §2.6, §4.8.2; RFC 8252 §7.3.

What the client must remember between sending the user away and the callback is a
:class:`PendingAuthorization`; the callback is checked against it in a fixed order: form of the
URL, transport, redirect target, ``state``, ``iss``, then ``error`` or ``code``.

Pure; imports no HTTP client, reads no clock, and no randomness except through
``random_bytes=`` (default :func:`os.urandom`).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TypeVar
from urllib.parse import urlsplit

from .._encoding import decode_form, encode_form, form_pairs_encoded, percent_encode, utf8
from .._urls import check_transport, is_loopback_host, parse_url
from ..errors import (
    AuthorizationResponseError,
    ConfigurationError,
    IssuerMismatchError,
    StateMismatchError,
    safe_text,
    server_error,
)
from .client import ClientConfig, check_redirect_uri, scope_tokens
from .pkce import PkceMethod, is_code_verifier, new_code_verifier, pkce_challenge, to_pkce_method

__all__ = [
    "MAX_CALLBACK_LENGTH",
    "AuthorizationCode",
    "PendingAuthorization",
    "build_authorization_url",
    "new_state",
    "parse_authorization_response",
    "parse_implicit_response",
]

MAX_CALLBACK_LENGTH = 128 * 1024
"""Longest callback URL parsed, checked before any splitting (checklist M1, F8)."""

_MAX_PARAMS = 100
_T = TypeVar("_T")
_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
# RFC 6749 Appendix A: VSCHAR = %x20-7E; NQCHAR = %x21 / %x23-5B / %x5D-7E.
_VSCHAR = "".join(map(chr, range(0x20, 0x7F)))
_NQCHAR = _VSCHAR.replace(" ", "").replace('"', "").replace("\\", "")
_RESPONSE_CHARS = _UNRESERVED.replace("-", "").replace(".", "").replace("~", "")
_OURS = frozenset((
    "response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
    "code_challenge", "code_challenge_method",
))  # fmt: skip


def new_state(*, random_bytes: Callable[[int], bytes] = os.urandom) -> str:
    """Return a fresh ``state``: 256 random bits, URL-safe (RFC 6749 §10.12, RFC 9700 §2.1)."""
    return new_code_verifier(random_bytes=random_bytes)


def _check_vschar(value: object, name: str) -> None:
    # RFC 6749 Appendix A.5 (state) and A.6: 1*VSCHAR. Never quote the value.
    if not isinstance(value, str) or not value or value.strip(_VSCHAR):
        raise ConfigurationError(f"{name} must be 1 or more printable ASCII characters")


def _quietly(call: Callable[[], _T]) -> _T | None:
    """``call()``, or None on ValueError: the caller raises outside this ``except`` block,
    so no error quoting the input (a URL with a code in it) rides along as context (I4)."""
    try:
        return call()
    except ValueError:
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingAuthorization:
    """What a client keeps between the redirect to the server and the callback.

    Store it server-side (or encrypted) keyed on the user's session, never on ``state``
    alone (checklist B3), and use it once. ``state``, ``code_verifier`` and ``nonce`` are
    secrets and never appear in ``repr``. :meth:`to_dict` / :meth:`from_dict` round-trip
    through JSON.
    """

    state: str = field(repr=False)
    code_verifier: str | None = field(default=None, repr=False)
    code_challenge_method: PkceMethod | None = None
    redirect_uri: str | None = None
    issuer: str | None = None
    nonce: str | None = field(default=None, repr=False)
    scope: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        _check_vschar(self.state, "state")
        method = self.code_challenge_method
        if self.code_verifier is None:
            pkce_ok = method is None
        else:
            pkce_ok = is_code_verifier(self.code_verifier) and isinstance(method, PkceMethod)
        if not pkce_ok:
            raise ConfigurationError("code_verifier needs a PkceMethod code_challenge_method")
        if self.nonce is not None:
            _check_vschar(self.nonce, "nonce")
        if self.redirect_uri is not None:
            check_redirect_uri(self.redirect_uri, allow_insecure_transport=True)
        if self.scope is not None and not (
            isinstance(self.scope, tuple) and all(isinstance(s, str) for s in self.scope)
        ):
            raise ConfigurationError("scope must be a tuple of strings")

    def to_dict(self) -> dict[str, object]:
        """Return the fields as JSON values; they include the secrets, so store them as such."""
        data: dict[str, object] = {name: getattr(self, name) for name in _PENDING_KEYS}
        if self.code_challenge_method is not None:
            data["code_challenge_method"] = self.code_challenge_method.value
        if self.scope is not None:
            data["scope"] = list(self.scope)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PendingAuthorization:
        """Rebuild from :meth:`to_dict` output, type-checking every value (checklist I1)."""
        if not isinstance(data, Mapping) or not set(data).issubset(_PENDING_KEYS):
            raise ConfigurationError("pending authorization data is not a mapping of its fields")
        state, scope = data.get("state"), data.get("scope")
        method = data.get("code_challenge_method")
        if not isinstance(state, str):
            raise ConfigurationError("pending authorization has no string 'state'")
        if scope is not None and not (
            isinstance(scope, list | tuple) and all(isinstance(s, str) for s in scope)
        ):
            raise ConfigurationError("pending authorization 'scope' must be a list of strings")
        return cls(
            state=state,
            code_verifier=_optional_str(data, "code_verifier"),
            code_challenge_method=None if method is None else to_pkce_method(method),
            redirect_uri=_optional_str(data, "redirect_uri"),
            issuer=_optional_str(data, "issuer"),
            nonce=_optional_str(data, "nonce"),
            scope=None if scope is None else tuple(scope),
        )


_PENDING_KEYS = tuple(f.name for f in fields(PendingAuthorization))


def _optional_str(data: Mapping[str, object], name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(f"pending authorization {name!r} must be a string")
    return value


def _required_scope(scope: str | Sequence[str]) -> tuple[str, ...]:
    tokens = scope_tokens(scope)
    if not tokens:
        raise ConfigurationError("scope, when given, needs a 1*NQCHAR scope-token (RFC 6749 §3.3)")
    return tokens


def build_authorization_url(
    client: ClientConfig,
    *,
    scope: str | Sequence[str] | None = None,
    state: str | None = None,
    pkce: PkceMethod | None = PkceMethod.S256,
    redirect_uri: str | None = None,
    nonce: str | None = None,
    extra: Iterable[tuple[str, str]] = (),
    response_type: str = "code",
    random_bytes: Callable[[int], bytes] = os.urandom,
) -> tuple[str, PendingAuthorization]:
    """Return the authorization request URL and what to keep for the callback.

    RFC 6749 §4.1.1, RFC 7636 §4.3. ``state`` is generated unless given; PKCE is S256 unless
    ``pkce`` says otherwise (``None`` turns it off, ``PkceMethod.PLAIN`` only if the server
    cannot do S256). ``scope`` is a space-separated string or a sequence of tokens.
    ``redirect_uri`` defaults to the client's. The parameters are appended to any query the
    endpoint already has; a name appearing twice raises ConfigurationError (§3.1).
    ``response_type="token"`` (the implicit grant, RFC 9700 §2.1.2: SHOULD NOT be used)
    only when asked for; PKCE applies only to response types that include ``code``.
    """
    endpoint = client.authorization_endpoint
    if endpoint is None:
        raise ConfigurationError("the client has no authorization_endpoint")
    # RFC 6749 §3.1.1: response-type = response-name *( SP response-name ).
    names = response_type.split(" ")
    if not all(name and not name.strip(_RESPONSE_CHARS) for name in names):
        raise ConfigurationError("response_type is not a valid response type (RFC 6749 §3.1.1)")
    target = redirect_uri if redirect_uri is not None else client.redirect_uri
    if redirect_uri is not None:
        check_redirect_uri(redirect_uri, allow_insecure_transport=client.allow_insecure_transport)
    tokens = None if scope is None else _required_scope(scope)
    if state is None:
        state = new_state(random_bytes=random_bytes)
    _check_vschar(state, "state")
    if nonce is not None:
        _check_vschar(nonce, "nonce")
    params = [("response_type", response_type), ("client_id", client.client_id)]
    if target is not None:
        params.append(("redirect_uri", target))
    if tokens is not None:
        params.append(("scope", " ".join(tokens)))
    params.append(("state", state))
    verifier, method = None, None
    if pkce is not None and "code" in names:
        method = to_pkce_method(pkce)
        verifier = new_code_verifier(random_bytes=random_bytes)
        params.append(("code_challenge", pkce_challenge(verifier, method)))
        params.append(("code_challenge_method", method.value))
    if nonce is not None:
        params.append(("nonce", nonce))
    extras = list(extra)
    if any(name in _OURS for name, _ in extras):
        raise ConfigurationError("an extra parameter repeats one the request sets (RFC 6749 §3.1)")
    params.extend(extras)
    parsed = parse_url(endpoint)
    own = {name for name, _ in form_pairs_encoded(parsed.query)}
    if own & {percent_encode(name) for name, _ in params}:
        raise ConfigurationError(
            "the authorization endpoint's query already has a parameter the request sets "
            "(RFC 6749 §3.1)"
        )
    query, base = encode_form(params), parsed.without_fragment()
    url = f"{base}&{query}" if parsed.query else f"{base}?{query}"
    return url, PendingAuthorization(
        state=state,
        code_verifier=verifier,
        code_challenge_method=method,
        redirect_uri=target,
        issuer=client.issuer,
        nonce=nonce,
        scope=tokens,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizationCode:
    """A validated authorization response (RFC 6749 §4.1.2); ``code`` and ``state`` masked."""

    code: str = field(repr=False)
    state: str = field(repr=False)
    iss: str | None = None


def _params(text: str, where: str) -> dict[str, str]:
    pairs = _quietly(lambda: decode_form(text, max_params=_MAX_PARAMS))
    if pairs is None:
        raise AuthorizationResponseError(
            f"the callback {where} is not form data or has over {_MAX_PARAMS} parameters"
        )
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            # RFC 6749 §3.1: parameters MUST NOT be included more than once (checklist B4).
            raise AuthorizationResponseError(
                f"duplicate parameter {safe_text(name, limit=40)!r} in the callback {where} "
                "(RFC 6749 §3.1)"
            )
        params[name] = value
    return params


def _split_callback(url: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """Base URL, query and fragment parameters of a callback (M1 size check first)."""
    if not isinstance(url, str) or len(url) > MAX_CALLBACK_LENGTH:
        raise AuthorizationResponseError(f"callback URL longer than {MAX_CALLBACK_LENGTH}")
    if utf8(url) is None:
        raise AuthorizationResponseError("callback URL is not valid text (lone surrogate)")
    head, _, fragment = url.partition("#")
    base, _, query = head.partition("?")
    return base, _params(query, "query"), _params(fragment, "fragment")


def _target(base: str) -> tuple[str, str, int | None, str] | None:
    """(scheme, host, port, path) of an absolute URI without query; None if it is not one."""
    parts = _quietly(lambda: urlsplit(base))
    if parts is None or not parts.scheme:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return scheme, parts.netloc.lower(), None, parts.path
    parsed = None if "@" in parts.netloc else _quietly(lambda: parse_url(base))
    if parsed is None:
        return None
    port = parsed.port or (443 if scheme == "https" else 80)
    return scheme, parsed.host, port, parsed.path or "/"


def _check_target(base: str, pending: PendingAuthorization, client: ClientConfig | None) -> None:
    received = _target(base)
    if received is None:
        raise AuthorizationResponseError("callback URL is not absolute or has userinfo")
    scheme, host, port, path = received
    if port is not None:  # http(s): RFC 9700 §2.6, no unencrypted authorization response (B11)
        insecure = client is not None and client.allow_insecure_transport
        check_transport(parse_url(base), what="redirect_uri", allow_insecure=insecure)
    if pending.redirect_uri is None:
        return
    expected = _target(pending.redirect_uri)
    if expected is None:
        raise ConfigurationError("pending redirect_uri is not usable")
    # RFC 8252 §7.3: a loopback redirect URI may use any port (checklist B12).
    same_port = port == expected[2] or (port is not None and is_loopback_host(host))
    if (scheme, host, path) != (expected[0], expected[1], expected[3]) or not same_port:
        raise AuthorizationResponseError("callback URL is not the request's redirect_uri")


def _check_response(
    params: dict[str, str],
    pending: PendingAuthorization,
    client: ClientConfig | None,
    consume: Callable[[str], bool] | None,
    scrub: tuple[str, ...],
) -> str | None:
    """Check state, then iss, then error; return iss."""
    # RFC 9700 §2.1: state first, before error or code are looked at (checklist B1).
    received = utf8(params.get("state", ""))
    if not received or not hmac.compare_digest(received, pending.state.encode("utf-8")):
        raise StateMismatchError("callback state is missing or not ours (RFC 6749 §10.12)")
    if consume is not None and not consume(pending.state):
        raise StateMismatchError("callback state was already used (RFC 6819 §5.3.5)")
    # RFC 9207 §2.4: plain string comparison, no normalisation (checklist B6, B7).
    issuer = pending.issuer
    if issuer is None and client is not None:
        issuer = client.issuer
    iss = params.get("iss")
    if iss is None and client is not None and client.issuer_sends_iss:
        raise IssuerMismatchError("callback has no iss, which this server sends (RFC 9207 §2.4)")
    if iss is not None and issuer is not None and iss != issuer:
        raise IssuerMismatchError("callback iss is not the expected issuer (RFC 9207 §2.4)")
    if "error" in params:
        secrets = (pending.state, pending.code_verifier or "", pending.nonce or "", *scrub)
        raise server_error(
            params["error"],
            error_description=params.get("error_description"),
            error_uri=params.get("error_uri"),
            scrub=secrets,
        )
    return iss


def parse_authorization_response(
    url: str,
    pending: PendingAuthorization,
    *,
    client: ClientConfig | None = None,
    consume: Callable[[str], bool] | None = None,
) -> AuthorizationCode:
    """Check the code flow's callback URL against ``pending``; return its code (RFC 6749 §4.1.2).

    In order: size; each parameter at most once (§3.1); no code in the fragment; https or
    loopback http without userinfo (RFC 9700 §2.6) unless ``client.allow_insecure_transport``;
    scheme, host, path and port (any port on loopback, RFC 8252 §7.3) of the redirect URI;
    ``state``, in constant time; ``consume(state)``, which must return False for a used
    state: make it an atomic delete from a store keyed on the user's session *and* the state
    (RFC 6819 §5.3.5); ``iss`` (RFC 9207 §2.4); ``error``, raised as the typed
    :class:`OAuthServerError` for its code (§4.1.2.1); then one non-empty ``code``.
    No message quotes the URL, the code or the state.
    """
    base, params, fragment = _split_callback(url)
    if {"code", "access_token"} & fragment.keys():
        raise AuthorizationResponseError("code or token in the fragment (RFC 9700 §2.1.2)")
    _check_target(base, pending, client)
    iss = _check_response(params, pending, client, consume, (params.get("code", ""),))
    code = params.get("code")
    if not code:
        raise AuthorizationResponseError("callback has no code (RFC 6749 §4.1.2)")
    return AuthorizationCode(code=code, state=pending.state, iss=iss)


def parse_implicit_response(
    url: str,
    pending: PendingAuthorization,
    *,
    client: ClientConfig | None = None,
    consume: Callable[[str], bool] | None = None,
) -> dict[str, str]:
    """Check an implicit grant callback; return its fragment parameters (RFC 6749 §4.2.2).

    For callers who opted into the implicit grant (RFC 9700 §2.1.2: SHOULD NOT be used).
    The checks of :func:`parse_authorization_response`, on the fragment; ``access_token``
    must be present. The result holds the token: treat it as a secret.
    """
    base, _, params = _split_callback(url)
    _check_target(base, pending, client)
    _check_response(params, pending, client, consume, (params.get("access_token", ""),))
    if not params.get("access_token"):
        raise AuthorizationResponseError("callback has no access_token (RFC 6749 §4.2.2)")
    return params

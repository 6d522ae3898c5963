"""Ofly, Shutterfly's request-signing scheme, as rauth 0.7 implements it (the client side).

The signature base string is the app secret, the URL path, ``?``, the request's parameters
sorted by name as unencoded ``name=value`` pairs joined by ``&`` (then ``&``), and the three
Ofly parameters ``oflyAppId``, ``oflyHashMeth`` and ``oflyTimestamp`` sorted likewise; its
lower-case hex SHA-1 (or MD5, only when asked) is ``oflyApiSig``. Parameters already in the
URL's query are signed too (rauth signed only those passed separately, checklist L2).

Security note (checklist L3): this is a secret-prefix hash, open to length extension, and
there is deliberately no verifier here. Use it only to talk to services that require it.

Pure; imports no HTTP client; the clock is the ``now=`` argument.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum

from ._encoding import decode_form, encode_form, utf8
from ._urls import check_transport, parse_url
from .errors import ConfigurationError
from .http import Request, has_control

__all__ = [
    "OflyCredentials",
    "OflyHashMethod",
    "build_ofly_authorize_url",
    "ofly_timestamp",
    "sign_ofly_params",
    "sign_ofly_request",
    "utc_now",
]


class OflyHashMethod(str, Enum):
    """The digest behind ``oflyApiSig``: SHA-1 by default, MD5 only on request (L3)."""

    SHA1 = "sha1"
    MD5 = "md5"

    def __str__(self) -> str:
        return self.value


def utc_now() -> datetime:
    """Return the current UTC time (the default ``now=``)."""
    return datetime.now(timezone.utc)


def ofly_timestamp(moment: datetime) -> str:
    """Return ``moment`` as Ofly writes it: ``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC.

    Milliseconds always have three digits (``.005Z``); rauth wrote ``.5Z`` (checklist L1).
    A naive datetime is taken as UTC.
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True, slots=True, kw_only=True)
class OflyCredentials:
    """An Ofly application: ``oflyAppId`` and its shared secret (never in ``repr``)."""

    app_id: str
    app_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        for name, value in (("app_id", self.app_id), ("app_secret", self.app_secret)):
            if not isinstance(value, str) or not value:
                raise ConfigurationError(f"Ofly {name} must be a non-empty string")
            if has_control(value) or utf8(value) is None:
                raise ConfigurationError(f"Ofly {name} contains a control character (E1)")


_RESERVED = frozenset(("oflyAppId", "oflyHashMeth", "oflyTimestamp", "oflyApiSig"))


def _hash_method(method: OflyHashMethod | str) -> OflyHashMethod:
    if isinstance(method, OflyHashMethod):
        return method
    try:
        return OflyHashMethod(method)
    except ValueError:
        raise ConfigurationError('Ofly hash method must be "sha1" or "md5" (L4)') from None


def _joined(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def sign_ofly_params(
    url: str,
    credentials: OflyCredentials,
    params: Iterable[tuple[str, str]] = (),
    *,
    hash_method: OflyHashMethod | str = OflyHashMethod.SHA1,
    now: Callable[[], datetime] = utc_now,
) -> list[tuple[str, str]]:
    """Return every parameter of a signed Ofly request, sorted by name, ``oflyApiSig`` included.

    ``params`` join the parameters already in ``url``'s query (both are signed, L2); a name
    may appear once only, since the scheme sorts by name alone. Values are signed as UTF-8
    text (L4).
    """
    method = _hash_method(hash_method)
    parsed = parse_url(url)
    signed = decode_form(parsed.query) + [(str(name), str(value)) for name, value in params]
    names = [name for name, _ in signed]
    if len(set(names)) != len(names):
        raise ConfigurationError("Ofly parameters must not repeat a name (they sort by name)")
    if _RESERVED.intersection(names):
        raise ConfigurationError(
            "oflyAppId, oflyHashMeth, oflyTimestamp and oflyApiSig are added here"
        )
    ofly = [
        ("oflyAppId", credentials.app_id),
        ("oflyHashMeth", method.value.upper()),  # as rauth sends it
        ("oflyTimestamp", ofly_timestamp(now())),
    ]
    base = f"{credentials.app_secret}{parsed.path}?"
    if signed:
        base += _joined(signed) + "&"
    base += _joined(ofly)
    raw = utf8(base)
    if raw is None:
        raise ConfigurationError("Ofly parameters are not encodable as UTF-8 (L4)")
    signature = hashlib.new(method.value, raw, usedforsecurity=False).hexdigest()
    return sorted([*signed, *ofly, ("oflyApiSig", signature)])


def sign_ofly_request(
    request: Request,
    credentials: OflyCredentials,
    *,
    user_id: str,
    hash_method: OflyHashMethod | str = OflyHashMethod.SHA1,
    allow_insecure_transport: bool = False,
    now: Callable[[], datetime] = utc_now,
) -> Request:
    """Return ``request`` signed for Ofly: ``oflyUserid`` and the Ofly parameters in its query.

    ``user_id`` is required (rauth only asserted it, which ``python -O`` removes; L4). The
    query is rebuilt percent-encoded; the body is not signed, as in rauth. Plain ``http`` is
    refused unless the host is loopback or ``allow_insecure_transport`` is set (L5).
    """
    if not isinstance(user_id, str) or not user_id:
        raise ConfigurationError("an Ofly request needs a user_id (oflyUserid)")
    parsed = parse_url(request.url)
    check_transport(parsed, what="Ofly request", allow_insecure=allow_insecure_transport)
    params = sign_ofly_params(
        request.url, credentials, [("oflyUserid", user_id)], hash_method=hash_method, now=now
    )
    base = parsed._replace(query="").without_fragment()
    return Request(
        method=request.method,
        url=f"{base}?{encode_form(params)}",
        headers=request.headers,
        body=request.body,
    )


def build_ofly_authorize_url(
    url: str,
    credentials: OflyCredentials,
    *,
    params: Iterable[tuple[str, str]] = (),
    hash_method: OflyHashMethod | str = OflyHashMethod.SHA1,
    allow_insecure_transport: bool = False,
    now: Callable[[], datetime] = utc_now,
) -> str:
    """Return the signed URL the user visits to authorize the application (rauth's
    ``OflyService.get_authorize_url``): the endpoint's query and ``params``, signed."""
    parsed = parse_url(url)
    check_transport(parsed, what="Ofly authorize endpoint", allow_insecure=allow_insecure_transport)
    if parsed.fragment:
        raise ConfigurationError("Ofly authorize URL must not have a fragment")
    signed = sign_ofly_params(url, credentials, params, hash_method=hash_method, now=now)
    return f"{parsed._replace(query='').without_fragment()}?{encode_form(signed)}"

"""Verifying a received OAuth 1.0a request: the server side of RFC 5849 §3.

RFC 5849 §3.2 (verifying requests; 400 for a malformed request, 401 for bad credentials or
signature), §3.3 (nonce and timestamp), §3.4 (recomputing the signature), §3.5 (protocol
parameters in exactly one place). Errors carry the OAuth Problem Reporting name of the problem.

The secrets and the replay memory belong to the caller and are reached through callbacks, so
the helper stays pure; :class:`NonceCache` is a bounded in-memory replay memory for callers
without one. Imports no HTTP client.
"""

from __future__ import annotations

import binascii
import hmac
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .._encoding import form_pairs_encoded, percent_decode, percent_encode
from .._urls import is_loopback_host, parse_url
from ..errors import (
    ConfigurationError,
    OAuthError,
    ProtocolError,
    ReplayError,
    SignatureError,
    VerificationError,
)
from ..http import Request
from .client import body_hash, unix_time
from .placement import is_form_content_type, parse_authorization_header
from .signing import (
    SignatureMethod,
    base_string_from_encoded,
    base_uri_of,
    sign_base_string,
)

if TYPE_CHECKING:
    from ..rsa import RSAPublicKey

__all__ = ["Consumer", "NonceCache", "VerifiedRequest", "verify_request"]

_HMAC_METHODS = frozenset(method for method in SignatureMethod if method.is_hmac)
_TIMESTAMP = re.compile(r"[1-9][0-9]{0,11}").fullmatch
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}").fullmatch
_NONCE = re.compile(r"[\x21-\x7e]{1,256}").fullmatch
_MAX_PARAMS = 1000
_MAX_URL = 16 * 1024
_MAX_FORM_BODY = 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Consumer:
    """A registered client as the server knows it, and the methods it may sign with.

    Methods are allowed per consumer (checklist J7): HMAC and PLAINTEXT need a non-blank
    ``secret``, RSA methods an ``rsa_public_key``.
    """

    key: str
    secret: str = field(default="", repr=False)
    rsa_public_key: RSAPublicKey | None = None
    allowed_methods: frozenset[SignatureMethod] = _HMAC_METHODS

    def __post_init__(self) -> None:
        if not isinstance(self.allowed_methods, frozenset):
            raise TypeError("allowed_methods must be a frozenset of SignatureMethod")
        if self.rsa_public_key is not None:
            from ..rsa import RSAPublicKey  # deferred: only RSA consumers pay for it

            if not isinstance(self.rsa_public_key, RSAPublicKey):
                raise TypeError("rsa_public_key must be loaded with oauthcore.rsa.load_public_key")
        for method in self.allowed_methods:
            if not isinstance(method, SignatureMethod):
                raise ConfigurationError("allowed_methods must hold SignatureMethod values")
            if method.is_rsa and self.rsa_public_key is None:
                raise ConfigurationError(f"{method.value} is allowed but no rsa_public_key is set")
            if not method.is_rsa and not self.secret:
                raise ConfigurationError(f"{method.value} is allowed but the secret is blank")


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifiedRequest:
    """What a request proved: who signed it, with which token, and its protocol parameters."""

    consumer: Consumer
    token: str | None
    signature_method: SignatureMethod
    timestamp: int | None
    nonce: str | None
    realm: str | None
    callback: str | None
    verifier: str | None = field(repr=False)
    body_signed: bool
    """False when the request has a body that is neither form parameters nor covered by a
    verified ``oauth_body_hash``: the signature then says nothing about the body."""


def _invalid(message: str, problem: str = "parameter_rejected") -> VerificationError:
    return VerificationError(message, problem=problem, status=400)


def _unauthorized(message: str, problem: str) -> VerificationError:
    return VerificationError(message, problem=problem, status=401)


def verify_request(
    request: Request,
    *,
    get_consumer: Callable[[str], Consumer | None],
    get_token_secret: Callable[[Consumer, str], str | None],
    check_nonce: Callable[[Consumer, int | None, str | None, str | None], bool],
    token_required: bool = True,
    window: int = 300,
    allow_insecure_transport: bool = False,
    now: Callable[[], int] = unix_time,
) -> VerifiedRequest:
    """Verify a signed request received by a server; return what it proved or raise.

    ``get_consumer(key)`` returns the registered :class:`Consumer` or None;
    ``get_token_secret(consumer, token)`` the secret of a token issued to it or None;
    ``check_nonce(consumer, timestamp, nonce, token)`` records the nonce and returns False if
    it was already used (§3.3; :class:`NonceCache` is one). ``token_required`` is False only for
    the temporary credentials endpoint. Timestamps more than ``window`` seconds away from
    ``now()`` in either direction are refused (checklist G9, J5).

    The helper checks the signature and its freshness, not what the endpoint needs: a temporary
    credentials endpoint must still check ``callback`` (§2.1), a token endpoint ``verifier``
    (§2.3), and a resource that reads a non-form body ``body_signed``.

    Raises :class:`~oauthcore.VerificationError` (``status`` 400 or 401, ``problem`` as in
    OAuth Problem Reporting), :class:`~oauthcore.SignatureError` for a bad signature and
    :class:`~oauthcore.ReplayError` for a reused nonce. The nonce is recorded only once the
    signature has verified, so forged requests cannot fill the replay memory.
    """
    if len(request.url) > _MAX_URL or len(request.body) > _MAX_FORM_BODY:
        raise _invalid("request too large to verify (checklist M1)")
    try:
        url = parse_url(request.url)
        encoded, oauth, realm = _collect(request, url.query)
        encoded_base_uri = percent_encode(base_uri_of(url))
    except (ConfigurationError, ProtocolError) as exc:
        raise _invalid(f"malformed request: {exc}") from exc

    for name in ("oauth_consumer_key", "oauth_signature_method", "oauth_signature"):
        if name not in oauth:
            raise _invalid(f"missing {name} (RFC 5849 §3.1)", "parameter_absent")
    if oauth.get("oauth_version", "1.0") != "1.0":
        raise _invalid("oauth_version must be 1.0 (RFC 5849 §3.1)", "version_rejected")
    try:
        method = SignatureMethod(oauth["oauth_signature_method"])
    except ValueError:
        raise _invalid("unsupported signature method", "signature_method_rejected") from None
    timestamp, nonce = _timestamp_and_nonce(oauth, method, now(), window)

    consumer = get_consumer(oauth["oauth_consumer_key"])
    if consumer is None:
        raise _unauthorized("unknown client (RFC 5849 §3.2)", "consumer_key_unknown")
    if method not in consumer.allowed_methods:
        raise _invalid("signature method not allowed for this client", "signature_method_rejected")
    if (
        method is SignatureMethod.PLAINTEXT
        and url.scheme != "https"
        and not (allow_insecure_transport or is_loopback_host(url.host))
    ):
        raise _invalid("PLAINTEXT requires TLS (RFC 5849 §3.4.4)", "signature_method_rejected")

    token = oauth.get("oauth_token")
    token_secret = ""
    if token is not None:
        found = get_token_secret(consumer, token)
        if found is None:
            raise _unauthorized("invalid or expired token (RFC 5849 §3.2)", "token_rejected")
        token_secret = found
    elif token_required:
        raise _invalid("missing oauth_token (RFC 5849 §3.1)", "parameter_absent")

    base_string = base_string_from_encoded(request.method, encoded_base_uri, encoded)
    _check_signature(base_string, method, oauth["oauth_signature"], consumer, token_secret)
    if "oauth_body_hash" in oauth:
        _check_body_hash(request, method, oauth["oauth_body_hash"])

    if nonce is not None and not check_nonce(consumer, timestamp, nonce, token):
        raise ReplayError()
    return VerifiedRequest(
        consumer=consumer,
        token=token,
        signature_method=method,
        timestamp=timestamp,
        nonce=nonce,
        realm=realm,
        callback=oauth.get("oauth_callback"),
        verifier=oauth.get("oauth_verifier"),
        body_signed=(
            not request.body
            or is_form_content_type(request.header("Content-Type"))
            or "oauth_body_hash" in oauth
        ),
    )


def _collect(
    request: Request, query: str
) -> tuple[list[tuple[str, str]], dict[str, str], str | None]:
    """Return the encoded signable parameters, the decoded oauth_* ones, and the realm."""
    query_pairs = form_pairs_encoded(query, max_params=_MAX_PARAMS)
    encoded = list(query_pairs)
    # Each source of parameters that carries protocol parameters; there may be one (§3.5).
    places = [query_pairs] if _has_oauth(query_pairs) else []
    if is_form_content_type(request.header("Content-Type")):
        if not request.body.isascii():  # checked, not caught: no codec error holds the body
            raise ProtocolError("form body is not ASCII")
        body = form_pairs_encoded(request.body.decode("ascii"), max_params=_MAX_PARAMS)
        if _has_oauth(body):
            places.append(body)
        encoded.extend(body)
    realm = None
    authorizations = [v for n, v in request.headers if n.lower() == "authorization"]
    oauth_headers = [v for v in authorizations if v[:5].lower() == "oauth" and v[5:6] in " \t"]
    if len(oauth_headers) > 1:
        raise ProtocolError("more than one OAuth Authorization header")
    if oauth_headers:
        realm, header_params = parse_authorization_header(oauth_headers[0])
        header = [(percent_encode(n), percent_encode(v)) for n, v in header_params]
        if header:
            places.append(header)
        encoded.extend(header)
    if len(places) > 1:
        raise ProtocolError("OAuth parameters sent in more than one place (RFC 5849 §3.5)")
    oauth: dict[str, str] = {}
    for name, value in places[0] if places else ():
        if not name.startswith("oauth_"):
            continue
        if name in oauth:
            raise ProtocolError(f"duplicated protocol parameter {name} (RFC 5849 §3.2)")
        oauth[name] = percent_decode(value)
    # §3.4.1.3.1: "The "oauth_signature" parameter MUST be excluded".
    encoded = [pair for pair in encoded if pair[0] != "oauth_signature"]
    return encoded, oauth, realm


def _has_oauth(pairs: list[tuple[str, str]]) -> bool:
    return any(name.startswith("oauth_") for name, _ in pairs)


def _timestamp_and_nonce(
    oauth: dict[str, str], method: SignatureMethod, current: int, window: int
) -> tuple[int | None, str | None]:
    raw_ts, nonce = oauth.get("oauth_timestamp"), oauth.get("oauth_nonce")
    if method is SignatureMethod.PLAINTEXT and raw_ts is None and nonce is None:
        return None, None  # §3.1: both MAY be omitted with PLAINTEXT
    if raw_ts is None or nonce is None:
        raise _invalid("missing oauth_timestamp or oauth_nonce (RFC 5849 §3.1)", "parameter_absent")
    if not _TIMESTAMP(raw_ts):
        raise _invalid("oauth_timestamp is not a positive integer (RFC 5849 §3.3)")
    timestamp = int(raw_ts)
    if abs(current - timestamp) > window:
        raise _unauthorized("oauth_timestamp outside the accepted window", "timestamp_refused")
    if not _NONCE(nonce):
        raise _invalid("oauth_nonce is empty, too long or not printable ASCII")
    return timestamp, nonce


def _check_signature(
    base_string: str,
    method: SignatureMethod,
    received: str,
    consumer: Consumer,
    token_secret: str,
) -> None:
    if method.is_rsa:
        key = consumer.rsa_public_key
        if key is None:  # Consumer.__post_init__ forbids it; fail closed all the same
            raise SignatureError()
        if len(received) % 4 or not _BASE64(received):
            raise SignatureError()
        raw = binascii.a2b_base64(received.encode("ascii"))
        try:
            key.verify(base_string.encode("ascii"), raw, method.hash_name or "")
        except OAuthError as exc:
            raise SignatureError() from exc
        return
    expected = sign_base_string(
        base_string, method, client_secret=consumer.secret, token_secret=token_secret
    )
    if not hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8")):
        raise SignatureError()


def _check_body_hash(request: Request, method: SignatureMethod, received: str) -> None:
    if is_form_content_type(request.header("Content-Type")) or method.hash_name is None:
        raise _invalid("oauth_body_hash is not allowed on this request (Body Hash §3.2)")
    expected = body_hash(request.body, method)
    if not hmac.compare_digest(expected.encode("ascii"), received.encode("utf-8")):
        raise SignatureError("oauth_body_hash does not match the body (Body Hash §3.2)")


class NonceCache:
    """A bounded replay memory usable as ``check_nonce`` (RFC 5849 §3.3; checklist J4, M5).

    Remembers each (consumer key, token, timestamp, nonce) until its timestamp leaves the
    verifier's window (``timestamp + window``): after that the timestamp check refuses the
    request anyway, however early or late the client's clock is. At most ``max_entries`` are
    kept; past that the oldest are forgotten first, so an attacker cannot grow memory without
    bound. A timestamp older than ``window`` is refused as a possible replay, so give the cache
    the verifier's window (or a wider one). Thread-safe.
    """

    def __init__(
        self,
        *,
        window: int = 300,
        max_entries: int = 100_000,
        now: Callable[[], int] = unix_time,
    ) -> None:
        self._window = window
        self._max = max_entries
        self._now = now
        self._seen: OrderedDict[tuple[str, str | None, int | None, str | None], int] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seen)

    def __call__(
        self, consumer: Consumer, timestamp: int | None, nonce: str | None, token: str | None
    ) -> bool:
        """Record the combination; return False if it was seen within the window."""
        key = (consumer.key, token, timestamp, nonce)
        current = self._now()
        if timestamp is not None and timestamp < current - self._window:
            # Older than this cache remembers: it may have been seen and forgotten. Refused,
            # so a verifier window wider than the cache's fails closed, not open.
            return False
        expires = (current if timestamp is None else max(current, timestamp)) + self._window
        with self._lock:
            seen = self._seen
            while seen:
                oldest_key, oldest_expires = next(iter(seen.items()))
                if oldest_expires >= current and len(seen) < self._max:
                    break
                del seen[oldest_key]
            if key in seen:
                return False
            seen[key] = expires
            return True

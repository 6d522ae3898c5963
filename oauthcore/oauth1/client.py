"""Signing a request as an OAuth 1.0a client.

RFC 5849 §3.1 (making requests: the protocol parameters), §3.2's nonce and timestamp rules
(§3.3), §3.4 via :mod:`.signing`, §3.5 via :mod:`.placement`; and the OAuth Request Body Hash
extension (``oauth_body_hash`` for bodies that are not form-encoded).

Pure: the clock and the nonce source are parameters (``now=``, ``nonce=``) whose defaults read
``time.time`` and ``os.urandom``; a test passes fixed ones. Imports no HTTP client.
"""

from __future__ import annotations

import binascii
import hashlib
import os
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from .._clock import unix_time
from .._encoding import form_pairs_encoded, percent_encode
from .._urls import URL, check_transport, parse_url
from ..errors import ConfigurationError
from ..http import FieldValue, Request, has_control
from .placement import Placement, is_form_content_type, place_encoded
from .signing import (
    SignatureMethod,
    base_string_from_encoded,
    base_uri_of,
    hmac_key,
    hmac_signature,
    sign_base_string,
    to_signature_method,
)

if TYPE_CHECKING:
    from ..rsa import RSAPrivateKey

__all__ = [
    "ClientCredentials",
    "NonceReuseWarning",
    "Signer",
    "TokenCredentials",
    "body_hash",
    "new_nonce",
    "sign_request",
    "unix_time",
]


def new_nonce() -> str:
    """Return a fresh nonce: 144 random bits from ``os.urandom`` as 24 letters and digits.

    Base64 with ``+`` and ``/`` folded onto ``A`` and ``B`` keeps more than 142 bits of entropy
    and only ``[A-Za-z0-9]``, 24 characters long, so even the strictest server validators
    (oauthlib's default ``[A-Za-z0-9]{20,30}``) accept it (checklist J1).
    """
    return binascii.b2a_base64(os.urandom(18), newline=False).translate(_ALNUM).decode("ascii")


_ALNUM = bytes.maketrans(b"+/", b"AB")


class NonceReuseWarning(UserWarning):
    """An injected ``nonce=`` source gave the same nonce and timestamp twice (checklist J2)."""


# The last (timestamp, nonce) each *injected* nonce source produced. Weak keys: a source that
# is dropped is forgotten. The default source is never recorded, so normal signing keeps no
# state; this only serves to warn a test that reuses a fixed nonce across requests.
_LAST_INJECTED: weakref.WeakKeyDictionary[Callable[[], str], tuple[str, str]] = (
    weakref.WeakKeyDictionary()
)


def _injected_nonce(source: Callable[[], str], timestamp: str) -> str:
    value = source()
    try:
        previous = _LAST_INJECTED.get(source)
        _LAST_INJECTED[source] = (timestamp, value)
    except TypeError:  # a source that cannot be weakly referenced is not tracked
        return value
    if previous == (timestamp, value):
        warnings.warn(
            "the injected nonce source repeated a nonce with the same timestamp; a server "
            "refuses the second request as a replay (RFC 5849 §3.3)",
            NonceReuseWarning,
            stacklevel=4,
        )
    return value


def _check_text(name: str, value: str) -> None:
    if has_control(value):
        raise ConfigurationError(f"{name} contains a control character (checklist E1)")


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class ClientCredentials(FieldValue):
    """The client's identifier and how it signs (RFC 5849 §1.1 "client credentials").

    ``secret`` is the shared secret for HMAC and PLAINTEXT; ``rsa_key`` the parsed private key
    for RSA (load it with :func:`oauthcore.rsa.load_private_key`, once). Neither appears in
    ``repr``.
    """

    key: str
    secret: str = field(default="", repr=False)
    signature_method: SignatureMethod = SignatureMethod.HMAC_SHA1
    rsa_key: RSAPrivateKey | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.key:
            raise ConfigurationError("client key (oauth_consumer_key) must not be empty")
        _check_text("client key", self.key)
        if not isinstance(self.signature_method, SignatureMethod):
            raise ConfigurationError("signature_method must be a SignatureMethod")
        if self.signature_method.is_rsa and self.rsa_key is None:
            raise ConfigurationError(f"{self.signature_method.value} needs rsa_key")
        if self.rsa_key is not None:
            from ..rsa import RSAPrivateKey  # deferred: only RSA users pay for it

            if not isinstance(self.rsa_key, RSAPrivateKey):
                raise TypeError("rsa_key must be a parsed key: use ClientCredentials.build()")

    @classmethod
    def build(
        cls,
        key: str,
        secret: str = "",
        *,
        signature_method: str | SignatureMethod = SignatureMethod.HMAC_SHA1,
        rsa_key: str | bytes | RSAPrivateKey | None = None,
    ) -> ClientCredentials:
        """Return credentials from friendlier inputs: a method name, PEM key text or bytes."""
        method = to_signature_method(signature_method)
        parsed = None
        if rsa_key is not None:
            from ..rsa import load_private_key  # deferred: only RSA users pay for it

            parsed = load_private_key(rsa_key)
        return cls(key=key, secret=secret, signature_method=method, rsa_key=parsed)


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class TokenCredentials(FieldValue):
    """A token and its secret: temporary or token credentials (RFC 5849 §1.1, §2.1, §2.3).

    ``extra`` keeps any other fields the provider returned with them (``user_id``, ...).
    The secret does not appear in ``repr``.
    """

    token: str
    secret: str = field(default="", repr=False)
    extra: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.token:
            raise ConfigurationError("oauth_token must not be empty")
        _check_text("oauth_token", self.token)


def body_hash(body: bytes, method: SignatureMethod) -> str:
    """Return the ``oauth_body_hash`` value of ``body`` for ``method`` (Body Hash §3.1, §3.2).

    The hash is the one behind the signature method (SHA-1 for HMAC-SHA1 and RSA-SHA1); the
    extension defines none for PLAINTEXT, which raises ConfigurationError.
    """
    if method.hash_name is None:
        raise ConfigurationError("oauth_body_hash is not defined for PLAINTEXT")
    digest = hashlib.new(method.hash_name, body).digest()
    return binascii.b2a_base64(digest, newline=False).decode("ascii")


@lru_cache(maxsize=256)
def _resource(url: str) -> tuple[URL, str, str]:
    """Parse a URL without its query once: the URL, how it is sent, its encoded base URI.

    Memoised (a bounded LRU keyed on scheme, authority and path): a client signs requests to
    the same few resources over and over, with varying queries.
    """
    parsed = parse_url(url)
    return parsed, parsed.without_fragment(), percent_encode(base_uri_of(parsed))


def sign_request(
    request: Request,
    client: ClientCredentials,
    token: TokenCredentials | None = None,
    *,
    placement: Placement = Placement.HEADER,
    realm: str | None = None,
    callback: str | None = None,
    verifier: str | None = None,
    version: bool = False,
    with_body_hash: bool | None = None,
    allow_insecure_transport: bool = False,
    now: Callable[[], int] = unix_time,
    nonce: Callable[[], str] = new_nonce,
) -> Request:
    """Sign ``request`` and return a new Request carrying the protocol parameters.

    RFC 5849 §3.1. Parameters already in the URL's query, and form-body parameters when the
    Content-Type is ``application/x-www-form-urlencoded``, are signed (§3.4.1.3.1). The
    parameters go in the ``Authorization`` header by default (``realm`` first), or in the
    query or the form body (§3.5). ``callback`` and ``verifier`` add ``oauth_callback`` and
    ``oauth_verifier`` (§2.1, §2.3); ``version`` adds ``oauth_version="1.0"``.

    ``with_body_hash``: None (default) adds ``oauth_body_hash`` to requests with a non-empty
    body that is not form-encoded, True adds it to every request that is not form-encoded
    (an empty body hashes the empty string), False never adds it.

    A URL fragment is never signed nor sent. Plain ``http`` is refused unless the host is
    loopback or ``allow_insecure_transport`` is set; PLAINTEXT is refused over plain ``http``
    to any host but loopback (§3.4.4), whatever the opt-in.

    ``now`` and ``nonce`` supply ``oauth_timestamp`` and ``oauth_nonce``: the explicit test
    injection points (checklist J2). A nonce must never repeat with the same timestamp (§3.3):
    an injected ``nonce`` source that does so from one request to the next raises a
    :class:`NonceReuseWarning`.
    """
    return _sign(
        request,
        client,
        token,
        None,
        placement,
        realm,
        callback,
        verifier,
        version,
        with_body_hash,
        allow_insecure_transport,
        now,
        nonce,
    )


class Signer:
    """Client and token credentials prepared once for signing many requests.

    ``Signer(client, token).sign(request, **options)`` returns what ``sign_request(request,
    client, token, **options)`` returns, which prepares the credentials again on every call. A
    long-lived client (each adapter's auth) keeps a Signer: the protocol values are
    percent-encoded once and, for the HMAC methods, the key's two pad blocks are hashed once
    (RFC 2104 §4), so a request costs the hashing of its own base string only.

    Not changed after it is built, so threads may share one. The ``repr`` shows the
    credentials' own (secrets masked); a pickle holds the credentials and is prepared again
    when loaded.
    """

    __slots__ = ("_client", "_prepared", "_token")

    def __init__(self, client: ClientCredentials, token: TokenCredentials | None = None) -> None:
        if not isinstance(client, ClientCredentials):
            raise TypeError("client must be ClientCredentials")
        if token is not None and not isinstance(token, TokenCredentials):
            raise TypeError("token must be TokenCredentials or None")
        self._client = client
        self._token = token
        hash_name = _HMAC_HASHES.get(client.signature_method)
        # oauth_consumer_key and oauth_token percent-encoded, and the HMAC key prepared.
        self._prepared = (
            percent_encode(client.key),
            None if token is None else percent_encode(token.token),
            None
            if hash_name is None
            else hmac_key(hash_name, client.secret, "" if token is None else token.secret),
        )

    @property
    def client(self) -> ClientCredentials:
        """The client credentials."""
        return self._client

    @property
    def token(self) -> TokenCredentials | None:
        """The token credentials, or None (a temporary-credential request, two-legged use)."""
        return self._token

    def __repr__(self) -> str:
        return f"Signer(client={self._client!r}, token={self._token!r})"

    def __reduce__(self) -> tuple[type[Signer], tuple[ClientCredentials, TokenCredentials | None]]:
        return (Signer, (self._client, self._token))

    def sign(
        self,
        request: Request,
        *,
        placement: Placement = Placement.HEADER,
        realm: str | None = None,
        callback: str | None = None,
        verifier: str | None = None,
        version: bool = False,
        with_body_hash: bool | None = None,
        allow_insecure_transport: bool = False,
        now: Callable[[], int] = unix_time,
        nonce: Callable[[], str] = new_nonce,
    ) -> Request:
        """Sign ``request``: the options are :func:`sign_request`'s."""
        return _sign(
            request,
            self._client,
            self._token,
            self,
            placement,
            realm,
            callback,
            verifier,
            version,
            with_body_hash,
            allow_insecure_transport,
            now,
            nonce,
        )


def _sign(
    request: Request,
    client: ClientCredentials,
    token: TokenCredentials | None,
    signer: Signer | None,
    placement: Placement,
    realm: str | None,
    callback: str | None,
    verifier: str | None,
    version: bool,
    with_body_hash: bool | None,
    allow_insecure_transport: bool,
    now: Callable[[], int],
    nonce: Callable[[], str],
) -> Request:
    # Split as RFC 3986 (and urlsplit) does: the fragment first, then the query.
    resource, _, query = request.url.partition("#")[0].partition("?")
    url, wire_url, encoded_base_uri = _resource(resource)
    if query:
        wire_url = f"{wire_url}?{query}"
    if placement.__class__ is not Placement:
        placement = _placement(placement)
    method = client.signature_method
    if url.scheme != "https":
        if method is _PLAINTEXT:  # no opt-in: the secrets travel in clear
            check_transport(url, what="PLAINTEXT signing (RFC 5849 §3.4.4)")
        else:
            check_transport(url, what="OAuth 1.0a request", allow_insecure=allow_insecure_transport)

    is_form = is_form_content_type(request.header("Content-Type"))
    if placement is _BODY and not is_form and request.body:
        raise ConfigurationError(
            "body placement needs a form-encoded body or none (RFC 5849 §3.5.2)"
        )
    encoded = form_pairs_encoded(query)
    if is_form and request.body:
        if not request.body.isascii():
            raise ConfigurationError("form-encoded body must be ASCII")
        encoded.extend(form_pairs_encoded(request.body.decode("ascii")))
    for name, _ in encoded:
        if name.startswith("oauth_"):
            raise ConfigurationError(
                f"request already carries the protocol parameter {name!r} (RFC 5849 §3.5)"
            )

    # The protocol parameters, percent-encoded once for both the base string and the request.
    # Names are unreserved; so are the method name and the decimal timestamp.
    if signer is None:
        consumer_key = percent_encode(client.key)
        token_value = None if token is None else percent_encode(token.token)
        prepared_key = None
    else:
        consumer_key, token_value, prepared_key = signer._prepared
    timestamp = str(int(now()))
    # The default nonce is letters and digits only: nothing to encode.
    drawn = new_nonce() if nonce is new_nonce else percent_encode(_injected_nonce(nonce, timestamp))
    oauth = [
        ("oauth_consumer_key", consumer_key),
        ("oauth_signature_method", _METHOD_NAMES[method]),
        ("oauth_timestamp", timestamp),
        ("oauth_nonce", drawn),
    ]
    if token_value is not None:
        oauth.append(("oauth_token", token_value))
    if version:
        oauth.append(("oauth_version", "1.0"))
    if callback is not None:
        oauth.append(("oauth_callback", percent_encode(callback)))
    if verifier is not None:
        oauth.append(("oauth_verifier", percent_encode(verifier)))
    # A body placement turns the request into a form one: no body hash there (Body Hash §3.2).
    if (
        not is_form
        and placement is not _BODY
        and (with_body_hash or (with_body_hash is None and request.body and method.hash_name))
    ):
        oauth.append(("oauth_body_hash", _encode_base64(body_hash(request.body, method))))

    encoded.extend(oauth)
    base_string = base_string_from_encoded(request.method, encoded_base_uri, encoded)
    if prepared_key is not None:  # the common cases, without sign_base_string's dispatch
        signature = prepared_key.sign(base_string.encode("utf-8"))
        oauth.append(("oauth_signature", _encode_base64(signature)))
    elif (hash_name := _HMAC_HASHES.get(method)) is not None:  # one request, one key use
        token_secret = "" if token is None else token.secret
        signature = hmac_signature(
            base_string.encode("utf-8"), hash_name, client.secret, token_secret
        )
        oauth.append(("oauth_signature", _encode_base64(signature)))
    else:
        signature = sign_base_string(
            base_string,
            method,
            client_secret=client.secret,
            token_secret="" if token is None else token.secret,
            rsa_key=client.rsa_key,
        )
        if method is _PLAINTEXT:
            oauth.append(("oauth_signature", percent_encode(signature)))
        else:
            oauth.append(("oauth_signature", _encode_base64(signature)))
    return place_encoded(request, wire_url, oauth, placement, realm=realm, is_form=is_form)


_METHOD_NAMES = {method: method.value for method in SignatureMethod}
# Enum members read once: attribute access on an Enum class is a descriptor call per use.
_BODY = Placement.BODY
_PLAINTEXT = SignatureMethod.PLAINTEXT
_HMAC_HASHES = {method: method.hash_name for method in SignatureMethod if method.is_hmac}


def _placement(value: object) -> Placement:
    try:
        return Placement(value)
    except ValueError:
        raise ConfigurationError("placement must be header, query or body") from None


def _encode_base64(value: str) -> str:
    # Percent-encode base64 text: of its alphabet only "+", "/" and "=" are reserved.
    return value.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")

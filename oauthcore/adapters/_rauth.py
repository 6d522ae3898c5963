"""rauth 0.7's API on oauthcore: the Service and Session classes and the signature objects.

Import these names from :mod:`oauthcore.adapters.requests`; a rauth program changes its import
line only (``from rauth import OAuth1Service`` becomes ``from oauthcore.adapters.requests
import OAuth1Service``). Class names, constructor parameters, attributes, method names and
defaults are rauth 0.7.2's as documented; the sessions are ``requests.Session`` objects
(through :class:`~oauthcore.adapters.requests.OAuthSession`) with rauth's 300 s timeout.

Every signature, placement, bearer presentation, Ofly signature and credentials-response check
is the core's, applied by the native auths of :mod:`oauthcore.adapters.requests` when a request
is prepared; what is here is rauth's calling conventions. Behaviour changes and fixed rauth bugs
are listed in ``docs/migrating-from-rauth.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urljoin

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
    from requests.structures import CaseInsensitiveDict
except ImportError as exc:  # checklist N5
    raise MissingDependencyError("requests", "requests") from exc

from .._encoding import decode_form, encode_form
from ..http import Response
from ..limits import MAX_BODY_BYTES
from ..oauth1 import (
    ClientCredentials,
    Placement,
    SignatureMethod,
    TokenCredentials,
    is_form_content_type,
    parse_credentials_response,
    sign_base_string,
    signature_base_string,
)
from ..oauth1 import build_authorization_url as build_oauth1_authorization_url
from ..oauth2 import BearerPlacement, check_endpoint, check_redirect_uri, parse_token_response
from ..ofly import OflyCredentials, OflyHashMethod, build_ofly_authorize_url, sign_ofly_params
from ..ofly import utc_now as utc_now  # looked up at call time: tests freeze it
from ..rsa import RSAPrivateKey
from .requests import (
    OAuth1Auth,
    OAuthSession,
    OflyAuth,
    _BearerAuth,
    _core_response,
    _endpoint_request,
)

__all__ = [
    "HmacSha1Signature",
    "HmacSha256Signature",
    "HmacSha512Signature",
    "OAuth1Service",
    "OAuth1Session",
    "OAuth2Service",
    "OAuth2Session",
    "OflyService",
    "OflySession",
    "PlaintextSignature",
    "RauthUsageError",
    "RsaSha1Signature",
    "RsaSha256Signature",
    "RsaSha512Signature",
    "TokenKeyMissing",
    "parse_utf8_qsl",
]

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


class _Duplicate(Exception):
    pass


def _unique(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Duplicate
    return result


def _json_object(text: str) -> dict[str, object] | None:
    # None for anything unusable, so the caller raises outside this block: a decoding error
    # holds the whole body, which must not ride along as __context__ (checklist I4).
    try:
        data = json.loads(text, object_pairs_hook=_unique)
    except (ValueError, RecursionError, _Duplicate):
        return None
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


# Signature objects.


class _SignatureObject:
    """A rauth signature object: the method's ``NAME`` and rauth's ``sign`` call."""

    NAME: ClassVar[str]
    method: ClassVar[SignatureMethod]

    def sign(
        self,
        consumer_secret: str | RSAPrivateKey,
        access_token_secret: str | None,
        method: str,
        url: str,
        oauth_params: Mapping[str, object],
        req_kwargs: Mapping[str, Any],
    ) -> str:
        """Return ``oauth_signature`` as rauth's signature objects did, computed by the core.

        RFC 5849 §3.4: the parameters in ``url``'s query are signed too (rauth dropped them),
        ``None``-valued ones are not, nor is the body unless it is a form.
        """
        params = [(k, _text(v)) for k, v in oauth_params.items()]
        params += [(k, _text(v)) for k, v in _items(req_kwargs.get("params")) if v is not None]
        headers = CaseInsensitiveDict(req_kwargs.get("headers") or {})
        if is_form_content_type(headers.get("Content-Type")):
            params += [(k, _text(v)) for k, v in _items(req_kwargs.get("data")) if v is not None]
        base = signature_base_string(method, url, params)
        if self.method.is_rsa:
            return sign_base_string(base, self.method, rsa_key=consumer_secret)
        if isinstance(consumer_secret, RSAPrivateKey):
            raise RauthUsageError(f"{self.NAME} signs with a shared secret, not an RSA key")
        return sign_base_string(
            base,
            self.method,
            client_secret=consumer_secret,
            token_secret=access_token_secret or "",
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class HmacSha1Signature(_SignatureObject):
    """HMAC-SHA1 (RFC 5849 §3.4.2)."""

    NAME = "HMAC-SHA1"
    method = SignatureMethod.HMAC_SHA1


class HmacSha256Signature(_SignatureObject):
    """HMAC-SHA256."""

    NAME = "HMAC-SHA256"
    method = SignatureMethod.HMAC_SHA256


class HmacSha512Signature(_SignatureObject):
    """HMAC-SHA512."""

    NAME = "HMAC-SHA512"
    method = SignatureMethod.HMAC_SHA512


class RsaSha1Signature(_SignatureObject):
    """RSA-SHA1 (RFC 5849 §3.4.3); ``consumer_secret`` is the PEM private key. No PyCrypto."""

    NAME = "RSA-SHA1"
    method = SignatureMethod.RSA_SHA1


class RsaSha256Signature(_SignatureObject):
    """RSA-SHA256; ``consumer_secret`` is the PEM private key."""

    NAME = "RSA-SHA256"
    method = SignatureMethod.RSA_SHA256


class RsaSha512Signature(_SignatureObject):
    """RSA-SHA512; ``consumer_secret`` is the PEM private key."""

    NAME = "RSA-SHA512"
    method = SignatureMethod.RSA_SHA512


class PlaintextSignature(_SignatureObject):
    """PLAINTEXT (RFC 5849 §3.4.4): TLS only, even with ``allow_insecure_transport``."""

    NAME = "PLAINTEXT"
    method = SignatureMethod.PLAINTEXT


SignatureArg = type[_SignatureObject] | _SignatureObject | None


def _signature_object(signature: SignatureArg) -> _SignatureObject:
    if signature is None:
        return HmacSha1Signature()
    return signature() if isinstance(signature, type) else signature


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


# Sessions.


def _str(url: str | bytes) -> str:
    return url.decode("utf-8") if isinstance(url, bytes) else url


class _RauthSession(OAuthSession):
    """rauth's session base: a back reference to the service, ``base_url`` joining, 300 s."""

    __attrs__ = [  # noqa: RUF012  # requests' pickling list, extended
        *OAuthSession.__attrs__,
        "service",
        "request_token_response",
        "access_token_response",
    ]

    def __init__(self, service: object, *, allow_insecure_transport: bool = False) -> None:
        insecure = allow_insecure_transport or bool(
            getattr(service, "allow_insecure_transport", False)
        )
        super().__init__(
            timeout=RAUTH_TIMEOUT,
            deadline=None,
            max_body_bytes=None,
            allow_insecure_transport=insecure,
        )
        #: A back reference to a service wrapper, if we're using one.
        self.service = service
        self.request_token_response: requests.Response | None = None
        self.access_token_response: requests.Response | None = None

    # requests.Session's verbs, typed to pass rauth's own keywords (header_auth, realm,
    # bearer_auth, user_id, hash_meth) through to request().

    def get(self, url: str | bytes, params: Any = None, **kwargs: Any) -> requests.Response:
        """Send a GET request (``**kwargs`` as :meth:`request` takes them)."""
        kwargs.setdefault("allow_redirects", True)
        return self.request("GET", _str(url), params=params, **kwargs)

    def options(self, url: str | bytes, **kwargs: Any) -> requests.Response:
        """Send an OPTIONS request."""
        kwargs.setdefault("allow_redirects", True)
        return self.request("OPTIONS", _str(url), **kwargs)

    def head(self, url: str | bytes, **kwargs: Any) -> requests.Response:
        """Send a HEAD request."""
        kwargs.setdefault("allow_redirects", False)
        return self.request("HEAD", _str(url), **kwargs)

    def post(
        self, url: str | bytes, data: Any = None, json: Any = None, **kwargs: Any
    ) -> requests.Response:
        """Send a POST request."""
        return self.request("POST", _str(url), data=data, json=json, **kwargs)

    def put(self, url: str | bytes, data: Any = None, **kwargs: Any) -> requests.Response:
        """Send a PUT request."""
        return self.request("PUT", _str(url), data=data, **kwargs)

    def patch(self, url: str | bytes, data: Any = None, **kwargs: Any) -> requests.Response:
        """Send a PATCH request."""
        return self.request("PATCH", _str(url), data=data, **kwargs)

    def delete(self, url: str | bytes, **kwargs: Any) -> requests.Response:
        """Send a DELETE request."""
        return self.request("DELETE", _str(url), **kwargs)

    def _set_url(self, url: str) -> str:
        base_url: object = getattr(self.service, "base_url", None)
        if isinstance(base_url, str) and not url.startswith(("http://", "https://")):
            return urljoin(base_url, url)
        return url


class OAuth1Session(_RauthSession):
    """A ``requests.Session`` that signs every request with OAuth 1.0a, as rauth's did.

    Without ``header_auth`` the protocol parameters go in the form body of a POST, PUT or
    PATCH whose body is a form (a form ``Content-Type`` is set unless one is given, or files
    or ``json`` are sent), else in the query. ``oauth_callback``, ``oauth_verifier`` and
    ``oauth_version`` given in ``params`` or ``data`` are taken as protocol parameters.
    """

    __attrs__ = [  # noqa: RUF012
        *_RauthSession.__attrs__,
        "consumer_key",
        "consumer_secret",
        "access_token",
        "access_token_secret",
        "signature",
    ]

    VERSION = "1.0"

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str | RSAPrivateKey,
        access_token: str | None = None,
        access_token_secret: str | None = None,
        signature: SignatureArg = None,
        service: object = None,
        *,
        allow_insecure_transport: bool = False,
    ) -> None:
        #: Client credentials.
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        #: Access token credentials.
        self.access_token = access_token
        self.access_token_secret = access_token_secret
        #: Signing method.
        self.signature = _signature_object(signature)
        self._made: tuple[str, str | RSAPrivateKey, ClientCredentials] | None = None
        super().__init__(service, allow_insecure_transport=allow_insecure_transport)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._made = None

    def _client(self) -> ClientCredentials:
        # Parsing an RSA key per request is slow: the credentials are kept while the consumer
        # key, secret (the same objects) and signature method stay the ones they were made of.
        method, made = self.signature.method, self._made
        if (
            made is not None
            and made[0] is self.consumer_key
            and made[1] is self.consumer_secret
            and made[2].signature_method is method
        ):
            return made[2]
        if method.is_rsa:
            client = ClientCredentials.build(
                self.consumer_key, signature_method=method, rsa_key=self.consumer_secret
            )
        elif isinstance(self.consumer_secret, RSAPrivateKey):
            raise RauthUsageError(f"{method.value} signs with a shared secret, not an RSA key")
        else:
            client = ClientCredentials(
                key=self.consumer_key, secret=self.consumer_secret or "", signature_method=method
            )
        self._made = (self.consumer_key, self.consumer_secret, client)
        return client

    def _token(self) -> TokenCredentials | None:
        if self.access_token is None:
            return None
        return TokenCredentials(token=self.access_token, secret=self.access_token_secret or "")

    def request(  # type: ignore[override]  # rauth's signature, as rauth had it
        self,
        method: str,
        url: str,
        header_auth: bool = False,
        realm: str = "",
        **req_kwargs: Any,
    ) -> requests.Response:
        """Send a request signed with OAuth 1.0a (rauth's ``OAuth1Session.request``).

        ``header_auth`` puts the parameters in the ``Authorization`` header, ``realm``
        first; otherwise in a form body or the query, as rauth did.
        """
        url = self._set_url(url)
        headers = CaseInsensitiveDict(req_kwargs.get("headers") or {})
        entity = method.upper() in ENTITY_METHODS
        if entity and not req_kwargs.get("files") and req_kwargs.get("json") is None:
            headers.setdefault("Content-Type", FORM_URLENCODED)
        req_kwargs["headers"] = headers
        form = is_form_content_type(headers.get("Content-Type"))
        req_kwargs["params"], protocol = _pop_oauth(req_kwargs.get("params"))
        if form:
            req_kwargs["data"], in_body = _pop_oauth(req_kwargs.get("data"))
            protocol.update(in_body)
        if header_auth:
            placement = Placement.HEADER
        else:
            placement = Placement.BODY if entity and form else Placement.QUERY
        req_kwargs["auth"] = OAuth1Auth(
            self._client(),
            self._token(),
            placement=placement,
            realm=realm if header_auth else None,
            callback=protocol.get("oauth_callback"),
            verifier=protocol.get("oauth_verifier"),
            version=True,
            allow_insecure_transport=self.allow_insecure_transport,
        )
        return super().request(method, url, **req_kwargs)


class OAuth2Session(_RauthSession):
    """A ``requests.Session`` that presents an OAuth 2.0 access token, as rauth's did.

    ``bearer_auth`` (the default) sends ``Authorization: Bearer``; otherwise the token goes
    in the query as ``access_token_key`` (RFC 6750 §2.3, with ``Cache-Control: no-store``).
    """

    __attrs__ = [  # noqa: RUF012
        *_RauthSession.__attrs__,
        "client_id",
        "client_secret",
        "access_token",
        "access_token_key",
    ]

    def __init__(
        self,
        client_id: str | None = None,
        client_secret: str | None = None,
        access_token: str | None = None,
        service: object = None,
        access_token_key: str | None = None,
        *,
        allow_insecure_transport: bool = False,
    ) -> None:
        #: Client credentials.
        self.client_id = client_id
        self.client_secret = client_secret
        #: Access token.
        self.access_token = access_token
        #: Access token key, e.g. 'access_token'.
        self.access_token_key = access_token_key or _DEFAULT_TOKEN_PARAM
        super().__init__(service, allow_insecure_transport=allow_insecure_transport)

    def request(  # type: ignore[override]  # rauth's signature, as rauth had it
        self, method: str, url: str, bearer_auth: bool = True, **req_kwargs: Any
    ) -> requests.Response:
        """Send a request carrying the access token (rauth's ``OAuth2Session.request``)."""
        url = self._set_url(url)
        access = self.access_token
        insecure = self.allow_insecure_transport
        if access is None:
            pass  # rauth sent such a request unauthenticated
        elif bearer_auth:
            req_kwargs["auth"] = _BearerAuth(access, allow_insecure_transport=insecure)
        elif self.access_token_key in (_DEFAULT_TOKEN_PARAM,):
            req_kwargs["auth"] = _BearerAuth(
                access, placement=BearerPlacement.QUERY, allow_insecure_transport=insecure
            )
        else:
            # A pre-RFC 6750 provider's own parameter name (rauth 0.6.2): the core's
            # apply_bearer only writes "access_token", so requests adds this one.
            check_endpoint(url, what="protected resource", allow_insecure_transport=insecure)
            req_kwargs["params"] = _merged(
                req_kwargs.get("params"), {self.access_token_key: access}
            )
        return super().request(method, url, **req_kwargs)


class OflySession(_RauthSession):
    """A ``requests.Session`` that signs every request with Ofly, as rauth's did."""

    __attrs__ = [*_RauthSession.__attrs__, "app_id", "app_secret", "user_id"]  # noqa: RUF012

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        user_id: str | None = None,
        service: object = None,
        *,
        allow_insecure_transport: bool = False,
    ) -> None:
        #: Client credentials.
        self.app_id = app_id
        self.app_secret = app_secret
        #: oFlyUserid
        self.user_id = user_id
        super().__init__(service, allow_insecure_transport=allow_insecure_transport)

    def request(  # type: ignore[override]  # rauth's signature, as rauth had it
        self,
        method: str,
        url: str,
        user_id: str | None = None,
        hash_meth: str = "sha1",
        **req_kwargs: Any,
    ) -> requests.Response:
        """Send a request signed with Ofly (rauth's ``OflySession.request``).

        A missing ``user_id`` raises ConfigurationError when the request is prepared (rauth
        used an ``assert``, which ``python -O`` removes; checklist L4, N1).
        """
        url = self._set_url(url)
        req_kwargs["auth"] = OflyAuth(
            OflyCredentials(app_id=self.app_id, app_secret=self.app_secret),
            user_id or self.user_id or "",
            hash_method=_hash_method(hash_meth),
            allow_insecure_transport=self.allow_insecure_transport,
        )
        return super().request(method, url, **req_kwargs)

    @staticmethod
    def sign(url: str, app_id: str, app_secret: str, hash_meth: str = "sha1", **params: str) -> str:
        """Return the signed Ofly parameters as rauth did: ``k=v`` pairs sorted, unencoded.

        The parameters already in ``url``'s query are signed and returned too (checklist L2);
        milliseconds always have three digits (L1).
        """
        signed = sign_ofly_params(
            url,
            OflyCredentials(app_id=app_id, app_secret=app_secret),
            [(name, _text(value)) for name, value in params.items()],
            hash_method=_hash_method(hash_meth),
            now=utc_now,
        )
        return "&".join(f"{name}={value}" for name, value in signed)


def _hash_method(hash_meth: str) -> OflyHashMethod:
    try:
        return OflyHashMethod(hash_meth)
    except ValueError:
        raise RauthUsageError('hash_meth must be one of "sha1", "md5"') from None


# Services.


def _required(value: str | None, name: str) -> str:
    if value is None:
        raise RauthUsageError(f"{name} must not be None")
    return value


class OAuth1Service:
    """An OAuth 1.0a service: request token, authorize URL, access token, sessions (rauth)."""

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str | RSAPrivateKey,
        name: str | None = None,
        request_token_url: str | None = None,
        access_token_url: str | None = None,
        authorize_url: str | None = None,
        base_url: str | None = None,
        session_obj: type[OAuth1Session] | None = None,
        signature_obj: SignatureArg = None,
        *,
        allow_insecure_transport: bool = False,
    ) -> None:
        #: Client credentials.
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        #: Authorization endpoints.
        self.request_token_url = request_token_url
        self.access_token_url = access_token_url
        #: Object used to construct sessions with.
        self.session_obj = session_obj or OAuth1Session
        #: Object used to construct signatures with.
        self.signature_obj = signature_obj
        #: Request and access token responses.
        self.request_token_response: requests.Response | None = None
        self.access_token_response: requests.Response | None = None
        self.name = name
        self.base_url = base_url
        self.authorize_url = authorize_url
        #: Plain http to hosts other than loopback (checklist C1, C6); off by default.
        self.allow_insecure_transport = allow_insecure_transport

    def get_session(
        self, token: tuple[str, str] | None = None, signature: SignatureArg = None
    ) -> OAuth1Session:
        """Return a new session with the service's consumer key (and ``token``, if given)."""
        signature = signature or self.signature_obj
        if token is not None:
            access_token, access_token_secret = token
            return self.session_obj(
                self.consumer_key,
                self.consumer_secret,
                access_token,
                access_token_secret,
                signature,
                service=self,
            )
        return self.session_obj(
            self.consumer_key, self.consumer_secret, signature=signature, service=self
        )

    def get_raw_request_token(self, method: str = "GET", **kwargs: Any) -> requests.Response:
        """Return the response of the request token endpoint (RFC 5849 §2.1), not redirected."""
        url = _required(self.request_token_url, "request_token_url")
        self.request_token_response = _endpoint_request(self.get_session(), method, url, **kwargs)
        return self.request_token_response

    def get_request_token(
        self,
        method: str = "GET",
        decoder: Decoder = parse_utf8_qsl,
        key_token: str = "oauth_token",  # noqa: S107 (a key name, not a secret)
        key_token_secret: str = "oauth_token_secret",  # noqa: S107 (a key name)
        **kwargs: Any,
    ) -> tuple[str, str]:
        """Return the request token and its secret."""
        response = self.get_raw_request_token(method=method, **kwargs)
        return _credentials(response, decoder, key_token, key_token_secret, temporary=True)

    def get_authorize_url(self, request_token: str, **params: object) -> str:
        """Return the URL the user visits to authorize the request token (RFC 5849 §2.2)."""
        return build_oauth1_authorization_url(
            _required(self.authorize_url, "authorize_url"),
            request_token,
            params=[(name, _text(value)) for name, value in params.items()],
            allow_insecure_transport=self.allow_insecure_transport,
        )

    def get_raw_access_token(
        self,
        request_token: str,
        request_token_secret: str,
        method: str = "GET",
        **kwargs: Any,
    ) -> requests.Response:
        """Return the response of the access token endpoint (RFC 5849 §2.3), not redirected."""
        url = _required(self.access_token_url, "access_token_url")
        session = self.get_session((request_token, request_token_secret))
        self.access_token_response = _endpoint_request(session, method, url, **kwargs)
        return self.access_token_response

    def get_access_token(
        self,
        request_token: str,
        request_token_secret: str,
        method: str = "GET",
        decoder: Decoder = parse_utf8_qsl,
        key_token: str = "oauth_token",  # noqa: S107 (a key name, not a secret)
        key_token_secret: str = "oauth_token_secret",  # noqa: S107 (a key name)
        **kwargs: Any,
    ) -> tuple[str, str]:
        """Return the access token and its secret."""
        response = self.get_raw_access_token(
            request_token, request_token_secret, method=method, **kwargs
        )
        return _credentials(response, decoder, key_token, key_token_secret, temporary=False)

    def get_auth_session(
        self,
        request_token: str,
        request_token_secret: str,
        method: str = "GET",
        **kwargs: Any,
    ) -> OAuth1Session:
        """Get an access token and return a session signing with it."""
        token = self.get_access_token(request_token, request_token_secret, method=method, **kwargs)
        session = self.get_session(token)
        if self.request_token_response:
            session.request_token_response = self.request_token_response
        if self.access_token_response:
            session.access_token_response = self.access_token_response
        return session


def _credentials(
    response: requests.Response,
    decoder: Decoder,
    key_token: str,
    key_secret: str,
    *,
    temporary: bool,
) -> tuple[str, str]:
    token, secret = _fields(response, decoder, (key_token, key_secret), _oauth1_problem(temporary))
    if decoder is parse_utf8_qsl and (key_token, key_secret) == _OAUTH1_KEYS:
        # The standard response: the core's checks too (oauth_callback_confirmed, J3, J8).
        parse_credentials_response(_core_response(response, response.content), temporary=temporary)
    return token, secret


class OAuth2Service:
    """An OAuth 2.0 service: authorize URL, access token, sessions (rauth)."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        name: str | None = None,
        access_token_url: str | None = None,
        authorize_url: str | None = None,
        base_url: str | None = None,
        session_obj: type[OAuth2Session] | None = None,
        *,
        allow_insecure_transport: bool = False,
    ) -> None:
        #: Client credentials.
        self.client_id = client_id
        self.client_secret = client_secret
        #: The provider's access token URL.
        self.access_token_url = access_token_url
        #: Object used to construct sessions with.
        self.session_obj = session_obj or OAuth2Session
        #: Access token response.
        self.access_token_response: requests.Response | None = None
        self.name = name
        self.base_url = base_url
        self.authorize_url = authorize_url
        #: Plain http to hosts other than loopback (checklist C1, C6); off by default.
        self.allow_insecure_transport = allow_insecure_transport

    def get_session(self, token: str | None = None) -> OAuth2Session:
        """Return a new session, authenticated with ``token`` if given."""
        if token is not None:
            return self.session_obj(self.client_id, self.client_secret, token, service=self)
        return self.session_obj(self.client_id, self.client_secret, service=self)

    def get_authorize_url(self, **params: object) -> str:
        """Return the authorization URL: the endpoint, ``params`` and ``client_id``.

        The parameters are the caller's, as in rauth (no ``state`` or PKCE is added: pass
        them, or use :func:`oauthcore.oauth2.build_authorization_url`). The endpoint and a
        ``redirect_uri`` must be https or loopback (checklist C1, B11).
        """
        url = _required(self.authorize_url, "authorize_url")
        insecure = self.allow_insecure_transport
        check_endpoint(url, what="authorization endpoint", allow_insecure_transport=insecure)
        query = {name: _text(value) for name, value in params.items() if value is not None}
        if "redirect_uri" in query:
            check_redirect_uri(query["redirect_uri"], allow_insecure_transport=insecure)
        query["client_id"] = self.client_id
        return f"{url}{'&' if '?' in url else '?'}{encode_form(query.items())}"

    def get_raw_access_token(self, method: str = "POST", **kwargs: Any) -> requests.Response:
        """Return the token endpoint's response (RFC 6749 §4), not redirected.

        ``client_id`` and ``client_secret`` are added to the form body (to the query for a
        method without a body), as rauth did.
        """
        url = _required(self.access_token_url, "access_token_url")
        check_endpoint(
            url, what="token endpoint", allow_insecure_transport=self.allow_insecure_transport
        )
        key = "data" if method.upper() in ENTITY_METHODS else "params"
        credentials = {"client_id": self.client_id, "client_secret": self.client_secret}
        kwargs[key] = _merged(kwargs.get(key), credentials)
        self.access_token_response = _endpoint_request(self.get_session(), method, url, **kwargs)
        return self.access_token_response

    def get_access_token(
        self,
        method: str = "POST",
        decoder: Decoder = parse_utf8_qsl,
        key: str = "access_token",
        **kwargs: Any,
    ) -> str:
        """Return the access token; JSON and form responses are both read by default."""
        response = self.get_raw_access_token(method, **kwargs)
        (access_token,) = _fields(response, decoder, (key,), _oauth2_problem)
        return access_token

    def get_auth_session(self, method: str = "POST", **kwargs: Any) -> OAuth2Session:
        """Get an access token and return a session presenting it."""
        session = self.get_session(self.get_access_token(method, **kwargs))
        if self.access_token_response:
            session.access_token_response = self.access_token_response
        return session


class OflyService:
    """An Ofly service (Shutterfly): signed authorize URL, sessions (rauth)."""

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        name: str | None = None,
        authorize_url: str | None = None,
        base_url: str | None = None,
        user_id: str | None = None,
        session_obj: type[OflySession] | None = None,
        *,
        allow_insecure_transport: bool = False,
    ) -> None:
        #: Client credentials.
        self.app_id = app_id
        self.app_secret = app_secret
        #: The oflyUserid.
        self.user_id = user_id
        #: Object used to construct sessions with.
        self.session_obj = session_obj or OflySession
        self.name = name
        self.base_url = base_url
        self.authorize_url = authorize_url
        #: Plain http to hosts other than loopback (checklist L5, C6); off by default.
        self.allow_insecure_transport = allow_insecure_transport

    def get_session(self, token: str) -> OflySession:
        """Return a new session for the user ``token`` (the oflyUserid)."""
        return self.session_obj(self.app_id, self.app_secret, token, service=self)

    def get_authorize_url(self, **params: object) -> str:
        """Return the signed authorize URL; a ``hash_meth`` parameter picks the hash."""
        hash_meth = _text(params.pop("hash_meth", "sha1"))
        return build_ofly_authorize_url(
            _required(self.authorize_url, "authorize_url"),
            OflyCredentials(app_id=self.app_id, app_secret=self.app_secret),
            params=[(name, _text(value)) for name, value in params.items()],
            hash_method=_hash_method(hash_meth),
            allow_insecure_transport=self.allow_insecure_transport,
            now=utc_now,
        )

    def get_auth_session(self, user_id: str, **kwargs: Any) -> OflySession:
        """Return a session for ``user_id`` (``kwargs`` are accepted and ignored, as in rauth)."""
        return self.get_session(user_id)

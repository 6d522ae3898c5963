"""rauth 0.7's API on oauthcore: the Service and Session classes and the signature objects.

Import these names from :mod:`oauthcore.adapters.requests`; a rauth program changes its import
line only (``from rauth import OAuth1Service`` becomes ``from oauthcore.adapters.requests
import OAuth1Service``). Class names, constructor parameters, attributes, method names and
defaults are rauth 0.7.2's as documented; the sessions are ``requests.Session`` objects
(through :class:`~oauthcore.adapters.requests.OAuthSession`) with rauth's 300 s timeout.

Every signature, placement, bearer presentation, Ofly signature and credentials-response check
is the core's, applied by the native auths of :mod:`oauthcore.adapters.requests` when a request
is prepared; what is here is rauth's calling conventions: the signature objects and the sessions
(the services are in :mod:`._rauth_services`, the errors and shared helpers in
:mod:`._rauth_common`). Behaviour changes and fixed rauth bugs
are listed in ``docs/migrating-from-rauth.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urljoin

from ..errors import MissingDependencyError

try:
    import requests
    from requests.structures import CaseInsensitiveDict
except ImportError as exc:  # checklist N5
    raise MissingDependencyError("requests", "requests") from exc

from ..oauth1 import (
    ClientCredentials,
    Placement,
    SignatureMethod,
    TokenCredentials,
    is_form_content_type,
    sign_base_string,
    signature_base_string,
)
from ..oauth2 import BearerPlacement, check_endpoint
from ..ofly import OflyCredentials, OflyHashMethod, sign_ofly_params
from ..ofly import utc_now as utc_now  # looked up at call time: tests freeze it
from ..rsa import RSAPrivateKey
from ._rauth_common import (
    _DEFAULT_TOKEN_PARAM,
    ENTITY_METHODS,
    FORM_URLENCODED,
    RAUTH_TIMEOUT,
    _items,
    _merged,
    _pop_oauth,
    _text,
)
from ._rauth_common import RauthUsageError as RauthUsageError
from ._rauth_common import TokenKeyMissing as TokenKeyMissing
from ._rauth_common import parse_utf8_qsl as parse_utf8_qsl
from ._requests_session import OAuthSession
from .requests import OAuth1Auth, OflyAuth, _BearerAuth

__all__ = [
    "HmacSha1Signature",
    "HmacSha256Signature",
    "HmacSha512Signature",
    "OAuth1Session",
    "OAuth2Session",
    "OflySession",
    "PlaintextSignature",
    "RauthUsageError",
    "RsaSha1Signature",
    "RsaSha256Signature",
    "RsaSha512Signature",
    "TokenKeyMissing",
    "parse_utf8_qsl",
]


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

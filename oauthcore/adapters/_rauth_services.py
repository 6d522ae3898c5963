"""rauth 0.7's services: :class:`OAuth1Service`, :class:`OAuth2Service` and :class:`OflyService`.

A private part of :mod:`oauthcore.adapters.requests`: import the names from there.
"""

from __future__ import annotations

from typing import Any

from ..errors import MissingDependencyError

try:
    import requests
except ImportError as exc:  # checklist N5
    raise MissingDependencyError("requests", "requests") from exc

from .._encoding import encode_form
from ..oauth1 import build_authorization_url as build_oauth1_authorization_url
from ..oauth1 import parse_credentials_response
from ..oauth2 import check_endpoint, check_redirect_uri
from ..ofly import OflyCredentials, build_ofly_authorize_url
from ..rsa import RSAPrivateKey
from . import _rauth
from ._rauth import OAuth1Session, OAuth2Session, OflySession, SignatureArg, _hash_method
from ._rauth_common import (
    _OAUTH1_KEYS,
    ENTITY_METHODS,
    Decoder,
    RauthUsageError,
    _fields,
    _merged,
    _oauth1_problem,
    _oauth2_problem,
    _text,
    parse_utf8_qsl,
)
from ._requests_session import _endpoint_request
from ._requests_transport import _core_response

__all__ = ["OAuth1Service", "OAuth2Service", "OflyService"]


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
            now=_rauth.utc_now,  # looked up at call time: tests freeze it
        )

    def get_auth_session(self, user_id: str, **kwargs: Any) -> OflySession:
        """Return a session for ``user_id`` (``kwargs`` are accepted and ignored, as in rauth)."""
        return self.get_session(user_id)

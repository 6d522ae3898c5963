"""The ``requests`` adapter: OAuth 1.0a, OAuth 2.0 and Ofly for ``requests``, and rauth's API.

Native API: :class:`OAuth1Auth`, :class:`OAuth2Auth` (on a :class:`TokenStore`) and
:class:`OflyAuth` are ``requests.auth.AuthBase`` objects; :class:`OAuthSession` is a
``requests.Session`` with oauthcore's transport policy; :func:`send_flow` runs any core flow
over a session and :func:`send_request` sends one neutral request. rauth 0.7's classes
(``OAuth1Service`` ... ``OflySession``, the signature objects) live in :mod:`._rauth` and
:mod:`._rauth_services` and are importable from here. The transport machinery is in
:mod:`._requests_transport` and :mod:`._requests_session`, the OAuth 2.0 token store in
:mod:`._requests_oauth2`.

Redirects are followed by oauthcore, never by ``requests``: every hop goes through
:func:`oauthcore.redirects.next_hop` (at most 5 hops, TLS on every hop, credentials dropped on
any origin change), OAuth 1.0a and Ofly requests are re-signed with a fresh nonce for a
same-origin hop and never for another origin, and token-endpoint requests are not redirected at
all (checklist C5, D1-D8). Bodies read for parsing are capped after decompression with at most
two content-codings (A4, A5, M1, M2); timeouts default to connect 10 s / read 30 s with a total
deadline of 60 s on the body (M3, T10); ``.netrc`` credentials are never applied (C7); TLS
verification can only be turned off by ``insecure_skip_tls_verify=True``, logged at WARNING
(C9). The protocol itself is the core's: this module translates ``requests`` objects to
:class:`oauthcore.http.Request` / :class:`~oauthcore.http.Response` and back.

Importing it without ``requests`` installed raises :class:`oauthcore.MissingDependencyError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import MissingDependencyError

try:
    import requests
    from requests.auth import AuthBase
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("requests", "requests") from exc

from ..http import Request
from ..oauth2 import BearerPlacement, apply_bearer
from ..redirects import MAX_HOPS
from ._renewal import TokenStore as TokenStore
from ._requests_oauth2 import OAuth2Auth as OAuth2Auth
from ._requests_session import OAuthSession as OAuthSession
from ._requests_session import send_flow as send_flow
from ._requests_session import send_request as send_request
from ._requests_transport import (
    _MANAGED,
    _apply,
    _follow_without_session,
    _OwnHooks,
    _remember,
    _to_core,
)
from ._requests_transport import DEFAULT_DEADLINE as DEFAULT_DEADLINE
from ._requests_transport import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from ._requests_transport import MAX_RESOURCE_BYTES as MAX_RESOURCE_BYTES
from ._signers import OAuth1Signer, OflySigner
from ._state import HookState

if TYPE_CHECKING:
    from ._rauth import HmacSha1Signature as HmacSha1Signature
    from ._rauth import HmacSha256Signature as HmacSha256Signature
    from ._rauth import HmacSha512Signature as HmacSha512Signature
    from ._rauth import OAuth1Session as OAuth1Session
    from ._rauth import OAuth2Session as OAuth2Session
    from ._rauth import OflySession as OflySession
    from ._rauth import PlaintextSignature as PlaintextSignature
    from ._rauth import RauthUsageError as RauthUsageError
    from ._rauth import RsaSha1Signature as RsaSha1Signature
    from ._rauth import RsaSha256Signature as RsaSha256Signature
    from ._rauth import RsaSha512Signature as RsaSha512Signature
    from ._rauth import TokenKeyMissing as TokenKeyMissing
    from ._rauth import parse_utf8_qsl as parse_utf8_qsl
    from ._rauth_services import OAuth1Service as OAuth1Service
    from ._rauth_services import OAuth2Service as OAuth2Service
    from ._rauth_services import OflyService as OflyService

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_TIMEOUT",
    "MAX_RESOURCE_BYTES",
    "HmacSha1Signature",
    "HmacSha256Signature",
    "HmacSha512Signature",
    "OAuth1Auth",
    "OAuth1Service",
    "OAuth1Session",
    "OAuth2Auth",
    "OAuth2Service",
    "OAuth2Session",
    "OAuthSession",
    "OflyAuth",
    "OflyService",
    "OflySession",
    "PlaintextSignature",
    "RauthUsageError",
    "RsaSha1Signature",
    "RsaSha256Signature",
    "RsaSha512Signature",
    "TokenKeyMissing",
    "TokenStore",
    "parse_utf8_qsl",
    "send_flow",
    "send_request",
]

# rauth's names load on first use (PEP 562): they import this module, not the other way round.
_RAUTH_NAMES = frozenset(
    (
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
    )
)


def __getattr__(name: str) -> object:
    if name not in _RAUTH_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import _rauth, _rauth_services

    module = _rauth_services if name in _rauth_services.__all__ else _rauth
    value: object = getattr(module, name)
    globals()[name] = value
    return value


# The auths.


class _Auth(HookState, _OwnHooks, AuthBase):
    """An oauthcore auth: sign a PreparedRequest, and see its redirects through."""

    max_redirects: int
    allow_insecure_transport: bool

    def _sign(self, request: Request) -> Request:
        raise NotImplementedError

    def _allows_stream(self) -> bool:
        return False

    def _already_signed(self, request: Request) -> bool:
        return False

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        unsigned, streamed = _to_core(r, allow_stream=self._allows_stream())
        if self._already_signed(unsigned):
            return r  # never sign twice (rauth 0.5.3's "no double signing")
        _apply(r, self._sign(unsigned), streamed=streamed)
        _remember(r, self, unsigned, streamed)
        r.register_hook("response", self._on_response)
        return r

    def _on_response(self, r: requests.Response, **kwargs: Any) -> requests.Response:
        if getattr(r.request, _MANAGED, False):
            return r
        return _follow_without_session(
            r, kwargs, max_hops=self.max_redirects, insecure=self.allow_insecure_transport
        )


class OAuth1Auth(OAuth1Signer, _Auth):
    """Sign requests with OAuth 1.0a (RFC 5849 §3) through an :class:`oauthcore.oauth1.Signer`.

    Every signature method and placement the core offers; the query in the URL and form bodies
    are signed, other bodies get ``oauth_body_hash``. A request that already carries
    ``oauth_signature`` is left as it is. Redirects are followed under oauthcore's policy, even
    on a plain ``requests.Session``: a same-origin hop is signed again with a fresh nonce, a
    hop to another origin is not signed; past ``max_redirects`` hops, RedirectPolicyError.
    A streamed (generator or file) body is refused: it cannot be signed.
    """


class OflyAuth(OflySigner, _Auth):
    """Sign requests with Ofly (Shutterfly) through :func:`oauthcore.ofly.sign_ofly_request`.

    The parameters already in the URL are signed too (checklist L2); the timestamp has three
    millisecond digits (L1); plain http is refused but on loopback or with
    ``allow_insecure_transport`` (L5). Redirects as for :class:`OAuth1Auth`.
    """

    def _allows_stream(self) -> bool:
        return True  # Ofly signs the URL only


class _BearerAuth(_Auth):
    """Present a fixed bearer token (RFC 6750 §2) with :func:`oauthcore.oauth2.apply_bearer`."""

    def __init__(
        self,
        access_token: str,
        *,
        placement: BearerPlacement = BearerPlacement.HEADER,
        allow_insecure_transport: bool = False,
        max_redirects: int = MAX_HOPS,
    ) -> None:
        self._access_token = access_token
        self.placement = placement
        self.allow_insecure_transport = allow_insecure_transport
        self.max_redirects = max_redirects

    def __repr__(self) -> str:
        return f"_BearerAuth(placement={self.placement.value!r})"

    def _allows_stream(self) -> bool:
        return self.placement is not BearerPlacement.BODY

    def _sign(self, request: Request) -> Request:
        return apply_bearer(
            request,
            self._access_token,
            placement=self.placement,
            allow_insecure_transport=self.allow_insecure_transport,
        )

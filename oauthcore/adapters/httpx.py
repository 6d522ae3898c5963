"""The ``httpx`` adapter: OAuth 1.0a, OAuth 2.0 and Ofly for ``httpx.Client`` and
``httpx.AsyncClient``.

:class:`OAuth1Auth`, :class:`OAuth2Auth` (on a :class:`TokenStore`) and :class:`OflyAuth` are
``httpx.Auth`` objects that work with both clients (one plan, run by ``sync_auth_flow`` and
``async_auth_flow``); :class:`OAuthClient` / :class:`AsyncOAuthClient` are httpx clients with
oauthcore's transport policy; :func:`send_flow` / :func:`async_send_flow` run any core flow and
:func:`send_request` / :func:`async_send_request` send one neutral request. The machinery is in
:mod:`._httpx_transport`, :mod:`._httpx_auth`, :mod:`._httpx_oauth2` and :mod:`._httpx_client`.

Redirects are followed by oauthcore, never by httpx: every hop goes through
:func:`oauthcore.redirects.next_hop` (at most 5 hops, TLS on every hop, credentials dropped on
any origin change and never added back), OAuth 1.0a and Ofly requests are signed again with a
fresh nonce for a same-origin hop, and token-endpoint requests are not redirected at all
(checklist C5, D1-D8). On a plain httpx client (``follow_redirects=False``, httpx's default) the
auths follow their redirects themselves, from inside the auth flow; a client that follows
redirects itself makes them raise RedirectPolicyError, since httpx would have re-sent a stale
signature under its own policy. :class:`OAuthClient` turns httpx's following off for good and
follows through the same policy, for any auth or none, honouring ``follow_redirects``.
Redirect bodies are never decoded. Bodies read for parsing are capped after decompression with
at most two content-codings (A4, A5, M1, M2); timeouts default to connect 10 s / read 30 s with
a total deadline of 60 s on the body (M3, T10); the clients ignore the environment
(``trust_env=False``) and verify TLS unless ``insecure_skip_tls_verify=True``, logged at
WARNING (C7, C9). The protocol itself is the core's: this module translates httpx objects to
:class:`oauthcore.http.Request` / :class:`~oauthcore.http.Response` and back.

Importing it without ``httpx`` installed raises :class:`oauthcore.MissingDependencyError`.
"""

from __future__ import annotations

from ..errors import MissingDependencyError

try:
    import httpx
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("httpx", "httpx") from exc

from ..http import is_form_content_type
from ..oauth1 import Placement
from ._httpx_auth import _Auth
from ._httpx_client import AsyncOAuthClient as AsyncOAuthClient
from ._httpx_client import OAuthClient as OAuthClient
from ._httpx_oauth2 import OAuth2Auth as OAuth2Auth
from ._httpx_transport import DEFAULT_DEADLINE as DEFAULT_DEADLINE
from ._httpx_transport import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from ._httpx_transport import MAX_RESOURCE_BYTES as MAX_RESOURCE_BYTES
from ._httpx_transport import async_send_flow as async_send_flow
from ._httpx_transport import async_send_request as async_send_request
from ._httpx_transport import send_flow as send_flow
from ._httpx_transport import send_request as send_request
from ._renewal import TokenStore as TokenStore
from ._signers import OAuth1Signer, OflySigner

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_TIMEOUT",
    "MAX_RESOURCE_BYTES",
    "AsyncOAuthClient",
    "OAuth1Auth",
    "OAuth2Auth",
    "OAuthClient",
    "OflyAuth",
    "TokenStore",
    "async_send_flow",
    "async_send_request",
    "send_flow",
    "send_request",
]


class OAuth1Auth(OAuth1Signer, _Auth):
    """Sign requests with OAuth 1.0a (RFC 5849 §3) through an :class:`oauthcore.oauth1.Signer`.

    Every signature method and placement the core offers; the query in the URL and form bodies
    are signed, other bodies get ``oauth_body_hash``. A streamed body (generator, file,
    multipart) is read into memory first when the signature covers it, and refused with
    ConfigurationError if it cannot be read there; it stays a stream when nothing reads it
    (``with_body_hash=False``, a body that is not a form, placement not in the body). A
    request that already carries ``oauth_signature`` is sent as it is. Redirects: see the
    module's docstring; a same-origin hop is signed again with a fresh nonce.
    """

    def _needs_body(self, request: httpx.Request) -> bool:
        return (
            self.with_body_hash is not False
            or self.placement is Placement.BODY
            or is_form_content_type(request.headers.get("content-type"))
        )


class OflyAuth(OflySigner, _Auth):
    """Sign requests with Ofly (Shutterfly) through :func:`oauthcore.ofly.sign_ofly_request`.

    The parameters already in the URL are signed too (checklist L2); the timestamp has three
    millisecond digits (L1); plain http is refused but on loopback or with
    ``allow_insecure_transport`` (L5). Ofly signs the URL only: any body may be streamed.
    Redirects as for :class:`OAuth1Auth`.
    """

    def _needs_body(self, request: httpx.Request) -> bool:
        return False

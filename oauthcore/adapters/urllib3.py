"""The ``urllib3`` adapter: OAuth 1.0a, OAuth 2.0 and Ofly over a ``urllib3.PoolManager``.

:class:`OAuthClient` wraps a PoolManager (its own by default) and applies an auth to each
request: :class:`OAuth1Auth`, :class:`OAuth2Auth` (on a :class:`TokenStore`, renewed
single-flight) or :class:`OflyAuth`, all :class:`AuthBase` objects whose :class:`Exchange`
says what to send. :func:`send_flow` runs any core flow over a pool and :func:`send_request`
sends one neutral request, token-endpoint style. The machinery is in :mod:`._urllib3_transport`,
:mod:`._urllib3_auth` and :mod:`._urllib3_client`.

Redirects are followed by oauthcore, never by urllib3 (every request goes out with
``redirect=False, retries=False``): every hop goes through :func:`oauthcore.redirects.next_hop`
(at most 5 hops, TLS on every hop, credentials dropped on any origin change), OAuth 1.0a and
Ofly requests are re-signed with a fresh nonce for a same-origin hop and never for another
origin, and token-endpoint requests are not redirected at all (checklist C5, D1-D8). Bodies
read for parsing are capped after decompression with at most two content-codings, redirect
bodies are never decoded (A4, A5, M1, M2); timeouts default to connect 10 s / read 30 s /
total 60 s, with a 60 s deadline on the body (M3, T10); TLS verification can only be turned
off by ``insecure_skip_tls_verify=True``, logged at WARNING (C9); urllib3 reads no ``.netrc``
(C7). Importing this module installs :class:`~oauthcore.adapters._logging.UrlRedactingFilter`
on urllib3's loggers, which log request targets at DEBUG: query values never reach a log
handler (I3, E9, T6). The protocol itself is the core's.

Importing it without ``urllib3`` installed raises :class:`oauthcore.MissingDependencyError`.
"""

from __future__ import annotations

from ..errors import MissingDependencyError

try:
    import urllib3  # noqa: F401  # the import guard itself
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("urllib3", "urllib3") from exc

from ._renewal import TokenStore as TokenStore
from ._urllib3_auth import AuthBase as AuthBase
from ._urllib3_auth import Exchange as Exchange
from ._urllib3_auth import OAuth1Auth as OAuth1Auth
from ._urllib3_auth import OAuth2Auth as OAuth2Auth
from ._urllib3_auth import OflyAuth as OflyAuth
from ._urllib3_client import OAuthClient as OAuthClient
from ._urllib3_transport import DEFAULT_DEADLINE as DEFAULT_DEADLINE
from ._urllib3_transport import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from ._urllib3_transport import MAX_RESOURCE_BYTES as MAX_RESOURCE_BYTES
from ._urllib3_transport import new_pool_manager as new_pool_manager
from ._urllib3_transport import send_flow as send_flow
from ._urllib3_transport import send_request as send_request

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_TIMEOUT",
    "MAX_RESOURCE_BYTES",
    "AuthBase",
    "Exchange",
    "OAuth1Auth",
    "OAuth2Auth",
    "OAuthClient",
    "OflyAuth",
    "TokenStore",
    "new_pool_manager",
    "send_flow",
    "send_request",
]

"""The ``aiohttp`` adapter: OAuth 1.0a, OAuth 2.0 and Ofly as aiohttp client middlewares.

Native API: :class:`OAuth1Middleware`, :class:`OAuth2Middleware` (on a :class:`TokenStore`)
and :class:`OflyMiddleware` are aiohttp >= 3.12 client middlewares (``ClientSession(
middlewares=...)`` or per request); :class:`RedirectMiddleware` applies oauthcore's redirect
policy to requests without OAuth; :func:`oauth_session` makes a ``ClientSession`` with safe
defaults; :func:`send_flow` runs any core flow over a session and :func:`send_request` sends
one neutral request. The machinery lives in :mod:`._aiohttp_transport` (translation, bodies,
redirects, token requests) and :mod:`._aiohttp_middleware`.

How middlewares and redirects meet. aiohttp runs the middleware chain once per hop of its
own redirect loop, with a fresh ``ClientRequest`` built from the caller's original headers,
and a middleware cannot tell a hop from a new request: a signing middleware would sign a hop
to another origin. So oauthcore's middlewares follow redirects themselves, inside the chain:
each redirect answer goes through :func:`oauthcore.redirects.next_hop` (at most 5 hops, no
https to http, no non-http scheme, every copy of ``Authorization``, ``Proxy-Authorization``
and ``Cookie`` in any letter case dropped on any origin change, a re-sent body never to
another origin), the same ``ClientRequest`` is rewritten for the hop and handed to the rest
of the chain again. A same-origin hop is signed again (fresh nonce and timestamp for OAuth
1.0a and Ofly, the current token for OAuth 2.0); once the origin has changed, no later hop
is signed. aiohttp then sees a final answer and follows nothing. Redirect bodies are never
read (D8). Consequences: ``allow_redirects=False`` is not visible to a middleware (send such
a request with ``middlewares=()``); the hops are not in ``response.history``.

Token-endpoint requests (refreshes, :func:`send_request`, :func:`send_flow`) are sent with
``allow_redirects=False`` and a per-request middleware list of their own, so the session's
middlewares never run on them (no recursion) and a redirect is refused with
:class:`~oauthcore.RedirectPolicyError` (D4, D5). Bodies read for parsing are capped after
decompression with at most two content-codings (A4, A5, M1, M2). Timeouts default to
connect 10 s / read 30 s / total 60 s (M3, T10). :func:`oauth_session` adds
``trust_env=False`` (no ``.netrc``, C7), TLS verification that only
``insecure_skip_tls_verify=True`` turns off (C9) and a capped ``read()``.

The protocol is the core's: this module translates aiohttp objects to
:class:`oauthcore.http.Request` / :class:`~oauthcore.http.Response` and back. Importing it
without ``aiohttp`` installed raises :class:`oauthcore.MissingDependencyError`.
"""

from __future__ import annotations

from ..errors import MissingDependencyError

try:
    import aiohttp  # noqa: F401 (the import guard)
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("aiohttp", "aiohttp") from exc

from ._aiohttp_middleware import OAuth1Middleware as OAuth1Middleware
from ._aiohttp_middleware import OAuth2Middleware as OAuth2Middleware
from ._aiohttp_middleware import OflyMiddleware as OflyMiddleware
from ._aiohttp_middleware import RedirectMiddleware as RedirectMiddleware
from ._aiohttp_middleware import oauth_session as oauth_session
from ._aiohttp_transport import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from ._aiohttp_transport import MAX_RESOURCE_BYTES as MAX_RESOURCE_BYTES
from ._aiohttp_transport import send_flow as send_flow
from ._aiohttp_transport import send_request as send_request
from ._renewal import TokenStore as TokenStore

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_RESOURCE_BYTES",
    "OAuth1Middleware",
    "OAuth2Middleware",
    "OflyMiddleware",
    "RedirectMiddleware",
    "TokenStore",
    "oauth_session",
    "send_flow",
    "send_request",
]

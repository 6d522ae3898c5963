"""A loopback OAuth provider for your own tests: OAuth 1.0a, OAuth 2.0 and Ofly on 127.0.0.1.

A **testing tool, not a production server**: it keeps everything in memory, approves every
authorization at once, and stops itself after ten minutes. Start it with one call::

    from oauthcore.testing import start_provider

    with start_provider() as provider:
        config = provider.oauth2_config()  # an oauthcore ClientConfig for its endpoints
        ...

or, with pytest, enable the ``oauth_provider`` fixture with
``pytest_plugins = ["oauthcore.testing.pytest_plugin"]``. Faults (HTTP errors, slow answers,
OAuth errors such as ``invalid_grant``, malformed bodies, redirects to another origin, expired
tokens) are queued per endpoint on ``provider.faults``. See ``docs/testing.md``.

Everything is built on oauthcore's own server-side helpers
(:func:`oauthcore.oauth1.verify_request`, :func:`oauthcore.oauth2.verify_pkce`,
:func:`oauthcore.oauth2.extract_bearer_token`, ...). Standard library only: this package
imports no adapter, no HTTP client and not pytest.
"""

from __future__ import annotations

from ._faults import Fault, FaultKind, Faults
from ._model import (
    Endpoint,
    GrantType,
    IssuedToken,
    LoggedRequest,
    OAuth1Client,
    OAuth2Client,
    OflyApp,
    ProviderError,
    TokenKind,
    User,
)
from ._provider import DEFAULT_LIFETIME, LoopbackProvider, start_provider

__all__ = [
    "DEFAULT_LIFETIME",
    "Endpoint",
    "Fault",
    "FaultKind",
    "Faults",
    "GrantType",
    "IssuedToken",
    "LoggedRequest",
    "LoopbackProvider",
    "OAuth1Client",
    "OAuth2Client",
    "OflyApp",
    "ProviderError",
    "TokenKind",
    "User",
    "start_provider",
]

"""A private CA is configured with an ``ssl_context``, which must still verify (checklist C9).

The redirect matrix (test_redirect_matrix.py) uses these options against a loopback HTTPS
server; here, a context that would not verify is refused with a typed error.
"""

from __future__ import annotations

import asyncio
import ssl

import pytest

from oauthcore import ConfigurationError
from oauthcore.adapters import aiohttp as aiohttp_adapter
from oauthcore.adapters import urllib3 as urllib3_adapter


def unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@pytest.mark.checklist("C9")
def test_urllib3_pool_refuses_a_context_that_does_not_verify() -> None:
    with pytest.raises(ConfigurationError, match="insecure_skip_tls_verify"):
        urllib3_adapter.new_pool_manager(ssl_context=unverified())
    pool = urllib3_adapter.new_pool_manager(ssl_context=ssl.create_default_context())
    assert pool.connection_pool_kw["cert_reqs"] == "CERT_REQUIRED"


@pytest.mark.checklist("C9")
def test_aiohttp_session_refuses_a_context_that_does_not_verify() -> None:
    async def main() -> None:
        with pytest.raises(ConfigurationError, match="insecure_skip_tls_verify"):
            aiohttp_adapter.oauth_session(ssl_context=unverified())
        context = ssl.create_default_context()
        async with aiohttp_adapter.oauth_session(ssl_context=context) as session:
            assert session.connector is not None
            assert session.connector._ssl is context  # type: ignore[attr-defined]  # TCPConnector

    asyncio.run(main())

"""Fixtures for the loopback provider's own tests: the pytest plugin's, imported."""

from __future__ import annotations

# The fixtures users enable with ``pytest_plugins = ["oauthcore.testing.pytest_plugin"]``;
# imported here because ``pytest_plugins`` may only be set in the root conftest.
from oauthcore.testing.pytest_plugin import oauth_provider, oauth_provider_factory

__all__ = ["oauth_provider", "oauth_provider_factory"]

"""pytest fixtures for the loopback provider.

Enable them in a ``conftest.py`` with ``pytest_plugins = ["oauthcore.testing.pytest_plugin"]``:

- ``oauth_provider``: a started :class:`~oauthcore.testing.LoopbackProvider` with the default
  registrations, stopped after the test;
- ``oauth_provider_factory``: a function taking :class:`~oauthcore.testing.LoopbackProvider`'s
  keyword arguments and returning a started provider, every one stopped after the test.

At teardown a provider that raised internally (a bug in the provider, answered with 500)
fails the test, so a client is never blamed for the provider's error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ._provider import LoopbackProvider

__all__ = ["oauth_provider", "oauth_provider_factory"]


def _check(provider: LoopbackProvider) -> None:
    errors = provider.internal_errors
    if errors:
        pytest.fail(f"the loopback provider raised internally: {', '.join(errors)}")


@pytest.fixture
def oauth_provider_factory() -> Iterator[Callable[..., LoopbackProvider]]:
    """Return a function starting providers; all of them stop after the test."""
    started: list[LoopbackProvider] = []

    def start(**options: object) -> LoopbackProvider:
        provider = LoopbackProvider(**options)  # type: ignore[arg-type]  # checked there
        started.append(provider)
        return provider.start()

    yield start
    for provider in started:
        provider.stop()
    for provider in started:
        _check(provider)


@pytest.fixture
def oauth_provider() -> Iterator[LoopbackProvider]:
    """A started loopback provider with the default clients and user."""
    provider = LoopbackProvider().start()
    try:
        yield provider
    finally:
        provider.stop()
    _check(provider)

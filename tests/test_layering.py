"""The core imports no HTTP client and nothing outside the standard library (STYLE §1)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

CORE_MODULES = [
    "oauthcore",
    "oauthcore._cli",
    "oauthcore._der",
    "oauthcore._encoding",
    "oauthcore._urls",
    "oauthcore.errors",
    "oauthcore.flows",
    "oauthcore.http",
    "oauthcore.oauth1",
    "oauthcore.oauth1.client",
    "oauthcore.oauth1.flow",
    "oauthcore.oauth1.placement",
    "oauthcore.oauth1.signing",
    "oauthcore.oauth1.verify",
    "oauthcore.oauth2",
    "oauthcore.oauth2.authorize",
    "oauthcore.oauth2.bearer",
    "oauthcore.oauth2.client",
    "oauthcore.oauth2.flow",
    "oauthcore.oauth2.pkce",
    "oauthcore.oauth2.token",
    "oauthcore.limits",
    "oauthcore.ofly",
    "oauthcore.redirects",
    "oauthcore.rsa",
    # Adapter-neutral parts every adapter shares: stdlib only too.
    "oauthcore.adapters._logging",
    "oauthcore.adapters._renewal",
    "oauthcore.adapters._state",
]

PROBE = """
import json, sys
before = set(sys.modules)
for name in sys.argv[1:]:
    __import__(name)
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def _loaded(*modules: str) -> list[str]:
    out = subprocess.run(  # noqa: S603 (fixed interpreter and arguments)
        [sys.executable, "-c", PROBE, *modules], capture_output=True, text=True, check=True
    ).stdout
    loaded: list[str] = json.loads(out)
    return loaded


def test_core_loads_only_the_standard_library() -> None:
    foreign = [
        name
        for name in _loaded(*CORE_MODULES)
        if name.partition(".")[0] not in sys.stdlib_module_names
        and name.partition(".")[0] != "oauthcore"
    ]
    assert foreign == []


@pytest.mark.parametrize("client", ["requests", "httpx", "aiohttp", "urllib3"])
def test_no_http_client_in_the_core(client: str) -> None:
    assert client not in {name.partition(".")[0] for name in _loaded(*CORE_MODULES)}


def test_oauth1_does_not_load_rsa_until_needed() -> None:
    # HMAC users never pay for the RSA module's import.
    assert "oauthcore.rsa" not in _loaded("oauthcore.oauth1")


def test_signing_does_not_load_the_flow_or_the_server_helper() -> None:
    # oauthcore.oauth1 loads .flow and .verify on first use of one of their names (PEP 562).
    loaded = set(_loaded("oauthcore.oauth1"))
    assert "oauthcore.oauth1.client" in loaded
    assert not {"oauthcore.oauth1.flow", "oauthcore.oauth1.verify", "threading"} & loaded


def test_lazy_names_resolve() -> None:
    import oauthcore.oauth1 as oauth1
    from oauthcore.oauth1 import verify

    assert oauth1.verify_request is verify.verify_request
    with pytest.raises(AttributeError):
        oauth1.no_such_name  # noqa: B018 (the attribute access is the test)

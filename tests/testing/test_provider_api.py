"""The loopback provider as an object: lifecycle, registrations, secrets, the log, layering."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
import requests

from oauthcore.adapters.requests import send_flow
from oauthcore.oauth1 import SignatureMethod
from oauthcore.oauth2 import ClientAuthMethod, build_client_credentials_request, token_flow
from oauthcore.testing import (
    Endpoint,
    GrantType,
    IssuedToken,
    LoopbackProvider,
    OAuth1Client,
    OAuth2Client,
    OflyApp,
    ProviderError,
    TokenKind,
    User,
    start_provider,
)

PROBE = """
import json, sys
before = set(sys.modules)
import oauthcore.testing
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_import_loads_only_the_standard_library_and_oauthcore() -> None:
    out = subprocess.run(  # noqa: S603 (fixed interpreter and arguments)
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout
    loaded: list[str] = json.loads(out)
    foreign = [
        name
        for name in loaded
        if name.partition(".")[0] not in sys.stdlib_module_names
        and name.partition(".")[0] != "oauthcore"
    ]
    assert foreign == []
    assert not [name for name in loaded if name.startswith("oauthcore.adapters")]
    assert "pytest" not in loaded


def test_start_and_stop(oauth_provider_factory: Callable[..., LoopbackProvider]) -> None:
    with start_provider() as provider:
        assert provider.running
        assert provider.base_url.startswith("http://127.0.0.1:")
        assert provider.issuer == provider.base_url
        assert provider.other_origin != provider.base_url
        assert requests.get(provider.metadata_url, timeout=10).status_code == 200
        url = provider.base_url
    assert not provider.running
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/.well-known/oauth-authorization-server", timeout=2)
    provider.stop()  # twice is fine
    with pytest.raises(ProviderError):
        provider.start()
    unstarted = LoopbackProvider()
    with pytest.raises(ProviderError):
        _ = unstarted.base_url
    assert repr(unstarted) == "LoopbackProvider(not started)"


def test_lifetime_stops_a_forgotten_provider(
    oauth_provider_factory: Callable[..., LoopbackProvider],
) -> None:
    provider = oauth_provider_factory(lifetime=0.2)
    deadline = time.monotonic() + 5
    while provider.running and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not provider.running


def test_binds_loopback_only(oauth_provider: LoopbackProvider) -> None:
    port = int(oauth_provider.base_url.rpartition(":")[2])
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    assert oauth_provider._server is not None  # the listening socket's own address
    assert oauth_provider._server.server_address[0] == "127.0.0.1"


def test_endpoint_urls(oauth_provider: LoopbackProvider) -> None:
    base = oauth_provider.base_url
    assert oauth_provider.request_token_url == base + "/oauth1/request_token"
    assert oauth_provider.authorize_url == base + "/oauth1/authorize"
    assert oauth_provider.access_token_url == base + "/oauth1/access_token"
    assert oauth_provider.oauth1_resource_url == base + "/oauth1/resource"
    assert oauth_provider.authorization_endpoint == base + "/oauth2/authorize"
    assert oauth_provider.token_endpoint == base + "/oauth2/token"
    assert oauth_provider.revocation_endpoint == base + "/oauth2/revoke"
    assert oauth_provider.introspection_endpoint == base + "/oauth2/introspect"
    assert oauth_provider.oauth2_resource_url == base + "/oauth2/resource"
    assert oauth_provider.ofly_authorize_url == base + "/ofly/authorize"
    assert oauth_provider.ofly_resource_url == base + "/ofly/resource"
    assert oauth_provider.url(Endpoint.OAUTH2_RESOURCE, "/me") == base + "/oauth2/resource/me"
    missing = requests.get(base + "/nowhere", timeout=10)
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")


def test_registrations_and_convenience_constructors(
    oauth_provider_factory: Callable[..., LoopbackProvider],
) -> None:
    provider = oauth_provider_factory(
        registrations=[
            OAuth1Client(key="ck", secret="cs"),
            OAuth2Client(
                client_id="app", client_secret="as", redirect_uris=("https://app.example/cb",)
            ),
            OflyApp(app_id="oa", app_secret="os"),
            User(username="bob", password="pw"),
        ]
    )
    credentials = provider.oauth1_credentials(signature_method=SignatureMethod.HMAC_SHA256)
    assert (credentials.key, credentials.secret) == ("ck", "cs")
    config = provider.oauth2_config(auth_method=ClientAuthMethod.CLIENT_SECRET_POST)
    assert config.client_id == "app"
    assert config.token_endpoint == provider.token_endpoint
    assert config.authorization_endpoint == provider.authorization_endpoint
    assert config.redirect_uri == "https://app.example/cb"
    assert config.issuer == provider.issuer
    assert config.issuer_sends_iss
    assert provider.ofly_credentials().app_id == "oa"
    assert provider.approving_user == "bob"
    with pytest.raises(ProviderError):
        provider.register(User(username="bob", password="again"))
    with pytest.raises(ProviderError):
        provider.oauth2_client("nobody")
    with pytest.raises(ProviderError):
        provider.approving_user = "nobody"
    with requests.Session() as http:
        token = send_flow(http, token_flow(build_client_credentials_request(config)))
    assert provider.token(token.access_token).client_id == "app"


def test_invalid_registrations_are_provider_errors() -> None:
    with pytest.raises(ProviderError):
        OAuth1Client(key="k")  # neither secret nor RSA key
    with pytest.raises(ProviderError):
        OAuth2Client(client_id="c", redirect_uris=("http://app.example/cb",))  # no TLS
    with pytest.raises(ProviderError):
        OAuth2Client(client_id="c", redirect_uris=("https://app.example/cb#frag",))
    with pytest.raises(ProviderError):
        OAuth2Client(client_id="public", grant_types=frozenset({GrantType.CLIENT_CREDENTIALS}))
    with pytest.raises(ProviderError):
        User(username="u\r\n", password="p")
    with pytest.raises(ProviderError):
        LoopbackProvider(lifetime=0)


@pytest.mark.checklist("I2")
def test_secrets_are_not_in_reprs_or_the_log(oauth_provider: LoopbackProvider) -> None:
    config = oauth_provider.oauth2_config()
    with requests.Session() as http:
        token = send_flow(http, token_flow(build_client_credentials_request(config)))
        http.get(
            oauth_provider.oauth2_resource_url,
            params={"access_token": token.access_token},
            timeout=10,
        )
    secrets_ = [
        oauth_provider.oauth2_client().client_secret or "",
        oauth_provider.oauth1_client().secret,
        oauth_provider.ofly_app().app_secret,
        oauth_provider.user().password,
        token.access_token,
    ]
    shown = " ".join(
        repr(item)
        for item in (
            oauth_provider,
            oauth_provider.oauth2_client(),
            oauth_provider.oauth1_client(),
            oauth_provider.ofly_app(),
            oauth_provider.user(),
            *oauth_provider.issued_tokens(),
            *oauth_provider.requests,
        )
    )
    assert "access_token" in shown  # the query's name is logged ...
    for secret in secrets_:
        assert secret not in shown  # ... never a value


def test_clock_expiry_and_revocation(oauth_provider: LoopbackProvider) -> None:
    config = oauth_provider.oauth2_config()
    with requests.Session() as http:
        token = send_flow(http, token_flow(build_client_credentials_request(config)))
    issued: IssuedToken = oauth_provider.token(token.access_token)
    assert issued.kind is TokenKind.OAUTH2_ACCESS
    assert issued.is_active(oauth_provider.now())
    oauth_provider.advance_clock(3600)
    assert not oauth_provider.token(token.access_token).is_active(oauth_provider.now())
    response = requests.get(
        oauth_provider.oauth2_resource_url,
        headers={"Authorization": f"Bearer {token.access_token}"},
        timeout=10,
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="oauthcore-testing", error="invalid_token", '
        'error_description="the access token is expired"'
    )
    with pytest.raises(ProviderError):
        oauth_provider.token("never-issued")


def test_bearer_errors_at_the_resource(oauth_provider: LoopbackProvider) -> None:
    url = oauth_provider.oauth2_resource_url
    bare = requests.get(url, timeout=10)
    assert bare.status_code == 401
    assert bare.headers["WWW-Authenticate"] == 'Bearer realm="oauthcore-testing"'  # §3.1
    unknown = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert 'error="invalid_token"' in unknown.headers["WWW-Authenticate"]
    # Two methods at once (checklist E8): invalid_request.
    twice = requests.get(
        url, params={"access_token": "a"}, headers={"Authorization": "Bearer a"}, timeout=10
    )
    assert twice.status_code == 400
    config = oauth_provider.oauth2_config()
    with requests.Session() as http:
        token = send_flow(http, token_flow(build_client_credentials_request(config, scope="read")))
    scoped = requests.get(
        url + "/scoped/admin",
        headers={"Authorization": f"Bearer {token.access_token}"},
        timeout=10,
    )
    assert scoped.status_code == 403
    assert 'error="insufficient_scope"' in scoped.headers["WWW-Authenticate"]
    assert 'scope="admin"' in scoped.headers["WWW-Authenticate"]
    allowed = requests.get(
        url + "/scoped/read", headers={"Authorization": f"Bearer {token.access_token}"}, timeout=10
    )
    assert allowed.status_code == 200

"""Misusing the loopback provider: bad registrations, API calls out of order, internal errors.

The documented contract (docs/testing.md): every misuse raises ``ProviderError`` (a
``ConfigurationError``), and a bug inside the provider is answered with 500 ``server_error``
and kept in ``internal_errors``, which the pytest fixtures turn into a failed test.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from oauthcore.errors import ConfigurationError
from oauthcore.oauth1 import SignatureMethod
from oauthcore.testing import (
    Endpoint,
    Fault,
    FaultKind,
    GrantType,
    LoopbackProvider,
    OAuth1Client,
    OAuth2Client,
    OflyApp,
    ProviderError,
    TokenKind,
    User,
    _provider,
    pytest_plugin,
    start_provider,
)


def _bad(**kwargs: Any) -> dict[str, Any]:
    return kwargs


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        pytest.param(OAuth1Client, _bad(key=""), id="oauth1-empty-key"),
        pytest.param(OAuth1Client, _bad(key=7, secret="s"), id="oauth1-key-not-str"),
        pytest.param(OAuth1Client, _bad(key="k\x00", secret="s"), id="oauth1-control"),
        pytest.param(
            OAuth1Client, _bad(key="k", secret="s", signature_methods=frozenset()), id="no-methods"
        ),
        pytest.param(
            OAuth1Client,
            _bad(key="k", secret="s", signature_methods={SignatureMethod.HMAC_SHA1}),
            id="methods-not-frozenset",
        ),
        pytest.param(
            OAuth1Client,
            _bad(key="k", secret="s", signature_methods=frozenset({"HMAC-MD5"})),
            id="unknown-method",
        ),
        pytest.param(OAuth2Client, _bad(client_id="c", client_secret=""), id="empty-secret"),
        pytest.param(
            OAuth2Client,
            _bad(client_id="c", client_secret="s", redirect_uris=["https://a.example/cb"]),
            id="list",
        ),
        pytest.param(
            OAuth2Client,
            _bad(client_id="c", client_secret="s", redirect_uris=("com.example.app:/\u00e9",)),
            id="iri-redirect",
        ),
        pytest.param(
            OAuth2Client,
            _bad(client_id="c", client_secret="s", redirect_uris=("cb",)),
            id="relative-redirect",
        ),
        pytest.param(
            OAuth2Client,
            _bad(client_id="c", client_secret="s", grant_types={GrantType.PASSWORD}),
            id="grant-set",
        ),
        pytest.param(
            OAuth2Client,
            _bad(client_id="c", client_secret="s", grant_types=frozenset({"implicit"})),
            id="implicit",
        ),
        pytest.param(
            OAuth2Client, _bad(client_id="c", client_secret="s", scopes={"read"}), id="scope-set"
        ),
        pytest.param(
            OAuth2Client,
            _bad(client_id="c", client_secret="s", scopes=frozenset({"a b"})),
            id="scope-with-space",
        ),
        pytest.param(
            OAuth2Client,
            _bad(client_id="c", client_secret="s", scopes=frozenset({'say"'})),
            id="scope-with-quote",
        ),
        pytest.param(OflyApp, _bad(app_id="a", app_secret=""), id="ofly-empty-secret"),
        pytest.param(
            OflyApp, _bad(app_id="a", app_secret="s", hash_methods=frozenset()), id="no-hashes"
        ),
        pytest.param(OflyApp, _bad(app_id="a", app_secret="s", hash_methods=()), id="hash-tuple"),
        pytest.param(User, _bad(username="u", password=""), id="empty-password"),
        pytest.param(User, _bad(username="", password="p"), id="empty-username"),
    ],
)
def test_bad_registrations_raise_provider_error(cls: type, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ProviderError) as caught:
        cls(**kwargs)
    assert isinstance(caught.value, ConfigurationError)


def test_registration_problems_found_at_register_time() -> None:
    provider = LoopbackProvider(registrations=[])
    with pytest.raises(ProviderError):  # an RSA method with no RSA key to verify it
        provider.register(
            OAuth1Client(
                key="k", secret="s", signature_methods=frozenset({SignatureMethod.RSA_SHA1})
            )
        )
    with pytest.raises(ProviderError):
        provider.register(object())  # type: ignore[arg-type]  # the misuse under test
    provider.register(OAuth2Client(client_id="c", client_secret="s"))
    with pytest.raises(ProviderError):
        provider.register(OAuth2Client(client_id="c", client_secret="t"))
    with pytest.raises(ProviderError):
        provider.register(OflyApp(app_id="o", app_secret="s"), OflyApp(app_id="o", app_secret="s"))


def test_narrowed_signature_methods_are_kept() -> None:
    narrow = frozenset({SignatureMethod.PLAINTEXT})
    assert OAuth1Client(key="k", secret="s", signature_methods=narrow).allowed_methods == narrow
    assert SignatureMethod.HMAC_SHA1 in OAuth1Client(key="k", secret="s").allowed_methods


def test_enum_values_print_as_their_wire_names() -> None:
    assert str(Endpoint.OAUTH2_TOKEN) == "oauth2_token"
    assert str(GrantType.CLIENT_CREDENTIALS) == "client_credentials"
    assert str(TokenKind.OAUTH2_REFRESH) == "oauth2_refresh"
    assert str(FaultKind.SLOW) == "slow"


def test_provider_api_before_start_and_after_stop() -> None:
    provider = LoopbackProvider()
    assert repr(provider) == "LoopbackProvider(not started)"
    assert not provider.running
    for attribute in ("base_url", "other_origin", "token_endpoint"):
        with pytest.raises(ProviderError):
            getattr(provider, attribute)
    provider.stop()  # never started: nothing to stop, and no error
    assert not provider.running
    with LoopbackProvider() as started:
        assert started.running
        assert started.__enter__() is started  # entering a started provider keeps it
        with pytest.raises(ProviderError):
            started.start()
    assert not started.running
    started.stop()  # a second stop is harmless


def test_provider_lookups_without_registrations() -> None:
    provider = LoopbackProvider(registrations=[])
    for lookup in (
        provider.oauth1_client,
        provider.oauth2_client,
        provider.ofly_app,
        provider.user,
    ):
        with pytest.raises(ProviderError):
            lookup()
    assert provider.approving_user is None
    with pytest.raises(ProviderError):
        provider.token("at-unknown")
    with pytest.raises(ProviderError):
        provider.expire("at-unknown")
    with pytest.raises(ProviderError):
        provider.revoke("at-unknown")
    with pytest.raises(ProviderError):
        provider.faults.push("oauth2_token", Fault.slow(0))  # type: ignore[arg-type]
    with pytest.raises(ProviderError):
        Fault(kind="slow")  # type: ignore[arg-type]  # the misuse under test


def test_default_oauth2_client_is_the_first_confidential_one() -> None:
    public = OAuth2Client(client_id="public", grant_types=frozenset({GrantType.REFRESH_TOKEN}))
    secret = OAuth2Client(client_id="secret", client_secret="s")
    provider = LoopbackProvider(registrations=[public, secret])
    assert provider.oauth2_client() == secret
    only_public = LoopbackProvider(registrations=[public])
    assert only_public.oauth2_client() == public  # none confidential: the first one


def test_approving_user_can_be_changed(oauth_provider: LoopbackProvider) -> None:
    oauth_provider.register(User(username="bob", password="pw"))
    assert oauth_provider.approving_user == "alice"  # the first user stays the approver
    oauth_provider.approving_user = "bob"
    assert oauth_provider.user().username == "bob"
    config = oauth_provider.oauth2_config()
    url = (
        f"{oauth_provider.authorization_endpoint}?response_type=code"
        f"&client_id={config.client_id}&redirect_uri={config.redirect_uri}"
    )
    location = oauth_provider.authorize(url)
    code = location.partition("code=")[2].partition("&")[0]
    response = requests.post(
        oauth_provider.token_endpoint,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": config.redirect_uri or "",
        },
        auth=(config.client_id, config.client_secret or ""),
        timeout=10,
    )
    token = oauth_provider.token(response.json()["access_token"])
    assert token.username == "bob"


def test_in_process_authorization_helpers_refuse_non_redirects(
    oauth_provider: LoopbackProvider,
) -> None:
    with pytest.raises(ProviderError):
        oauth_provider.authorize(oauth_provider.authorization_endpoint + "?client_id=nobody")
    with pytest.raises(ProviderError):
        oauth_provider.oauth1_verifier(oauth_provider.authorize_url + "?oauth_token=unknown")


def test_internal_error_is_answered_500_and_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug in an endpoint")

    monkeypatch.setattr(_provider, "dispatch", broken)
    with start_provider() as provider:
        response = requests.get(provider.metadata_url, timeout=10)
        assert response.status_code == 500
        assert response.json()["error"] == "server_error"  # RFC 6749 §5.2 / §4.1.2.1
        assert "a bug" not in response.text  # nothing of the exception leaks
        assert provider.internal_errors == ("KeyError",)
        (logged,) = provider.requests
        assert (logged.status, logged.error) == (500, "server_error")
        # The pytest fixtures fail the test on such a provider, blaming the provider.
        with pytest.raises(pytest.fail.Exception, match="raised internally: KeyError"):
            pytest_plugin._check(provider)


def test_log_keeps_no_error_for_unparsable_error_bodies(oauth_provider: LoopbackProvider) -> None:
    faults = oauth_provider.faults
    faults.push(Endpoint.OAUTH2_METADATA, Fault.malformed_body(b"{", status=502))
    faults.push(
        Endpoint.OAUTH2_METADATA,
        Fault.malformed_body(
            b"a=1&b=2", status=400, content_type="application/x-www-form-urlencoded"
        ),
    )
    faults.push(Endpoint.OAUTH2_METADATA, Fault.malformed_body(b"[1]", status=400))
    for status in (502, 400, 400):
        assert requests.get(oauth_provider.metadata_url, timeout=10).status_code == status
    assert [entry.error for entry in oauth_provider.requests] == [None, None, None]

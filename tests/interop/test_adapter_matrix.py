"""One scenario table, run through every adapter against providers written by others.

Each scenario is a thing a user does (the OAuth 1.0a dance and signed calls, an OAuth 2.0
grant, a bearer call that renews its token, an Ofly call) and each runs once per adapter
driver (``drivers.py``: the adapter's own auth objects and flow runner). The providers verify
independently of oauthcore: oauthlib's OAuth 1.0a endpoints, django-oauth-toolkit, and an Ofly
verifier on rauth's signing code. Every test carries ``@pytest.mark.matrix(provider,
feature)``; the run writes ``docs/interop.md`` from the outcomes (see ``conftest.py``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from oauthcore import InvalidGrantError
from oauthcore.adapters._renewal import TokenStore
from oauthcore.flows import Flow
from oauthcore.http import Request, Response
from oauthcore.oauth1 import (
    ClientCredentials,
    Placement,
    SignatureMethod,
    TokenCredentials,
    build_temporary_credentials_request,
    build_token_request,
    credentials_flow,
    parse_authorization_callback,
)
from oauthcore.oauth1 import build_authorization_url as build_oauth1_authorization_url
from oauthcore.oauth2 import (
    BearerPlacement,
    ClientConfig,
    Token,
    build_authorization_code_request,
    build_authorization_url,
    build_client_credentials_request,
    build_password_request,
    build_refresh_request,
    build_token_endpoint_request,
    parse_authorization_response,
    token_flow,
)
from oauthcore.ofly import OflyCredentials
from oauthcore.rsa import load_private_key

from .conftest import RunningProvider
from .drivers import Driver
from .matrix_report import NOT_OFFERED

USER = "alice"
CALLBACK = "http://127.0.0.1:9/callback?from=matrix"
FORM_TYPE = (("Content-Type", "application/x-www-form-urlencoded"),)
QUERY = "a=2&a=1&b=%E2%98%83&c=x+y&d=%7E"
QUERY_PARAMS = [["a", "1"], ["a", "2"], ["b", "☃"], ["c", "x y"], ["d", "~"]]
FORM = "name=J%C3%BCrgen&plus=a%2Bb&space=a+b"
FORM_PARAMS = [["name", "Jürgen"], ["plus", "a+b"], ["space", "a b"]]


@pytest.fixture(scope="module")
def browser() -> Iterator[requests.Session]:
    """The resource owner's user agent: visits the authorization page, reads the redirect."""
    with requests.Session() as session:
        session.trust_env = False
        yield session


def visit(browser: requests.Session, url: str) -> str:
    answer = browser.get(url, headers={"X-Test-User": USER}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    return answer.headers["Location"]


def as_json(response: Response) -> dict[str, Any]:
    data = json.loads(response.body)
    assert isinstance(data, dict)
    return data


def exchange(request: Request) -> Generator[Request, Response, Response]:
    """The smallest flow: one request, its response (for endpoints without a builder flow)."""
    response = yield request
    return response


# OAuth 1.0a: oauthlib's server endpoints.

METHODS = list(SignatureMethod)
PLACEMENTS = list(Placement)


def oauth1_client(provider: RunningProvider, method: SignatureMethod, which: str) -> Any:
    data = provider.clients[which]
    key = load_private_key(data["rsa_private_key"]) if method.is_rsa else None
    return ClientCredentials(
        key=data["key"], secret=data["secret"], signature_method=method, rsa_key=key
    )


def oauth1_dance(
    driver: Driver,
    browser: requests.Session,
    provider: RunningProvider,
    client: ClientCredentials,
    placement: Placement,
) -> TokenCredentials:
    endpoints = provider.endpoints
    temporary_flow: Flow[TokenCredentials] = credentials_flow(
        build_temporary_credentials_request(
            endpoints["request_token"], client, callback=CALLBACK, placement=placement
        ),
        temporary=True,
    )
    temporary = driver.run_flow(temporary_flow)
    location = visit(browser, build_oauth1_authorization_url(endpoints["authorize"], temporary))
    callback = parse_authorization_callback(location, expected_token=temporary.token)
    return driver.run_flow(
        credentials_flow(
            build_token_request(
                endpoints["access_token"],
                client,
                temporary,
                verifier=callback.verifier,
                placement=placement,
            ),
            temporary=False,
        )
    )


@dataclass(frozen=True)
class OAuth1Profile:
    label: str
    fixture: str
    # PHP's $_GET/$_POST keep one value per name (pinned in test_oauth1_php.py): there, a query
    # without a repeated name.
    repeated_names: bool = True


OAUTH1_PROVIDERS = {
    "oauthlib": OAuth1Profile("oauthlib OAuth 1.0a", "oauthlib_oauth1_provider"),
    "authlib": OAuth1Profile("Authlib Flask OAuth 1", "authlib_oauth1_provider"),
    "php": OAuth1Profile("PHP PECL oauth", "php_oauth_provider", repeated_names=False),
}


@dataclass(frozen=True)
class OAuth1Provider:
    label: str
    running: RunningProvider
    profile: OAuth1Profile


@pytest.fixture(params=list(OAUTH1_PROVIDERS))
def oauth1_provider(request: pytest.FixtureRequest) -> OAuth1Provider:
    profile = OAUTH1_PROVIDERS[request.param]
    return OAuth1Provider(profile.label, request.getfixturevalue(profile.fixture), profile)


@pytest.mark.matrix("*", "dance + signed calls (methods x placements)")
@pytest.mark.parametrize("placement", PLACEMENTS, ids=str)
@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.value)
def test_oauth1_dance_and_signed_calls(
    driver: Driver,
    browser: requests.Session,
    oauth1_provider: OAuth1Provider,
    method: SignatureMethod,
    placement: Placement,
) -> None:
    provider = oauth1_provider.running
    if method.value not in provider.clients["relaxed"]["signature_methods"]:
        pytest.skip(NOT_OFFERED)
    # oauthlib 4.0.1 decodes PLAINTEXT twice outside the header (see test_oauth1_oauthlib.py):
    # there, the client whose secret needs no escaping.
    plaintext_elsewhere = method is SignatureMethod.PLAINTEXT and placement is not Placement.HEADER
    which = "unreserved" if plaintext_elsewhere and "unreserved" in provider.clients else "relaxed"
    client = oauth1_client(provider, method, which)
    token = oauth1_dance(driver, browser, provider, client, placement)
    resource = provider.endpoints["resource"]
    query, query_params = QUERY, QUERY_PARAMS
    if not oauth1_provider.profile.repeated_names:
        query, query_params = QUERY.replace("a=2&", ""), QUERY_PARAMS[:1] + QUERY_PARAMS[2:]
    if placement is not Placement.BODY:  # §3.5.2: a GET has no form body to carry them
        answer = driver.oauth1(
            Request(method="GET", url=f"{resource}?{query}"), client, token, placement
        )
        assert answer.status == 200, answer.body[:300]
        data = as_json(answer)
        assert (data["user"], data["signature_method"]) == (USER, method.value)
        assert data["params"] == query_params
    answer = driver.oauth1(
        Request(method="POST", url=f"{resource}?{query}", headers=FORM_TYPE, body=FORM.encode()),
        client,
        token,
        placement,
    )
    assert answer.status == 200, answer.body[:300]
    assert as_json(answer)["params"] == sorted(query_params + FORM_PARAMS)


# OAuth 2.0: django-oauth-toolkit and Authlib's Flask authorization server. Both providers
# register the same client names (confidential, public, service, password) and endpoints.


@dataclass(frozen=True)
class OAuth2Profile:
    """What differs between the OAuth 2.0 providers, as their own documentation says."""

    label: str
    fixture: str
    introspector: str  # the client allowed to introspect the password client's tokens
    bearer_in_query: bool  # RFC 6750 §2.3 is optional; Authlib's validator reads the header only
    sends_iss: bool = True  # RFC 9207
    # Deviations pinned in the provider's own interop tests (test_oauth2_aioauth.py):
    refresh_with_client_credentials: bool = False  # RFC 6749 §4.4.3: SHOULD NOT
    revocation_status: int = 200  # RFC 7009 §2.2: 200


OAUTH2_PROVIDERS = {
    "dot": OAuth2Profile("django-oauth-toolkit", "dot_provider", "confidential", True),
    "authlib": OAuth2Profile("Authlib Flask", "authlib_oauth2_provider", "password", False),
    "aioauth": OAuth2Profile(
        "aioauth",
        "aioauth_provider",
        "password",
        False,
        sends_iss=False,
        refresh_with_client_credentials=True,
        revocation_status=204,
    ),
}


@dataclass(frozen=True)
class OAuth2Provider:
    profile: OAuth2Profile
    running: RunningProvider

    @property
    def endpoints(self) -> Any:
        return self.running.endpoints

    def client(self, name: str) -> ClientConfig:
        data = self.running.clients[name]
        return ClientConfig(
            client_id=data["client_id"],
            client_secret=data["client_secret"] or None,
            authorization_endpoint=self.endpoints["authorize"],
            token_endpoint=self.endpoints["token"],
            redirect_uri=data.get("redirect_uri"),
            issuer=self.endpoints["issuer"],
            issuer_sends_iss=self.profile.sends_iss,  # then required, and checked
        )

    def me(self) -> Request:
        return Request(method="GET", url=self.endpoints["resource"])

    def password_token(self, driver: Driver) -> Token:
        user = self.running.clients["user"]
        request = build_password_request(
            self.client("password"), user["username"], user["password"], scope="read write"
        )
        return driver.run_flow(token_flow(request))


@pytest.fixture(params=list(OAUTH2_PROVIDERS))
def provider(request: pytest.FixtureRequest) -> OAuth2Provider:
    profile = OAUTH2_PROVIDERS[request.param]
    return OAuth2Provider(profile, request.getfixturevalue(profile.fixture))


def code_token(
    driver: Driver, browser: requests.Session, client: ClientConfig
) -> tuple[Token, str | None]:
    url, pending = build_authorization_url(client, scope="read write")
    code = parse_authorization_response(visit(browser, url), pending, client=client)
    request = build_authorization_code_request(
        client, code.code, code_verifier=pending.code_verifier
    )
    return driver.run_flow(token_flow(request, requested_scope=pending.scope)), code.iss


@pytest.mark.matrix("*", "code + PKCE, iss if sent, bearer header")
@pytest.mark.parametrize("name", ["confidential", "public"])
def test_oauth2_authorization_code_with_pkce(
    driver: Driver, browser: requests.Session, provider: OAuth2Provider, name: str
) -> None:
    client = provider.client(name)
    token, iss = code_token(driver, browser, client)
    assert iss == (provider.endpoints["issuer"] if provider.profile.sends_iss else None)
    assert token.refresh_token
    answer = driver.bearer(provider.me(), client, TokenStore(token))
    assert answer.status == 200
    assert as_json(answer)["user"] == USER


@pytest.mark.matrix("*", "bearer in the query")
def test_oauth2_bearer_in_the_query(driver: Driver, provider: OAuth2Provider) -> None:
    if not provider.profile.bearer_in_query:
        pytest.skip(NOT_OFFERED)
    token = provider.password_token(driver)
    client = provider.client("password")
    answer = driver.bearer(provider.me(), client, TokenStore(token), BearerPlacement.QUERY)
    assert answer.status == 200
    assert as_json(answer)["user"] == USER


@pytest.mark.matrix("*", "refresh before use, with rotation")
def test_oauth2_refresh_before_use_rotates(driver: Driver, provider: OAuth2Provider) -> None:
    client = provider.client("password")
    fresh = provider.password_token(driver)
    assert fresh.refresh_token
    assert fresh.expires_at
    stale = dataclasses.replace(fresh, expires_at=fresh.expires_at - 7200)  # expired here
    store = TokenStore(stale)
    seen: list[Token] = []
    answer = driver.bearer(provider.me(), client, store, on_token=seen.append)
    assert answer.status == 200
    assert len(seen) == 1
    assert store.token is seen[0]
    assert store.token.refresh_token not in (None, fresh.refresh_token)  # rotated
    with pytest.raises(InvalidGrantError):  # the spent refresh token is refused
        driver.run_flow(token_flow(build_refresh_request(client, fresh.refresh_token)))


@pytest.mark.matrix("*", "refresh after 401 invalid_token")
def test_oauth2_refresh_after_invalid_token(driver: Driver, provider: OAuth2Provider) -> None:
    client = provider.client("password")
    token = provider.password_token(driver)
    expire = Request.build(
        "POST",
        provider.endpoints["test_expire"],
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=f"token={token.access_token}",
    )
    assert as_json(driver.run_flow(exchange(expire))) == {"expired": 1}
    store = TokenStore(token)
    answer = driver.bearer(provider.me(), client, store)
    assert answer.status == 200
    assert store.token.access_token != token.access_token


@pytest.mark.matrix("*", "client credentials")
def test_oauth2_client_credentials(driver: Driver, provider: OAuth2Provider) -> None:
    client = provider.client("service")
    token = driver.run_flow(token_flow(build_client_credentials_request(client, scope="read")))
    assert (token.refresh_token is not None) is provider.profile.refresh_with_client_credentials
    assert driver.bearer(provider.me(), client, TokenStore(token)).status == 200


@pytest.mark.matrix("*", "password")
def test_oauth2_password(driver: Driver, provider: OAuth2Provider) -> None:
    token = provider.password_token(driver)
    assert token.scope == ("read", "write")
    client = provider.client("password")
    assert driver.bearer(provider.me(), client, TokenStore(token)).status == 200


@pytest.mark.matrix("*", "revocation and introspection")
def test_oauth2_revocation_and_introspection(driver: Driver, provider: OAuth2Provider) -> None:
    token = provider.password_token(driver)
    hint = [("token", token.access_token), ("token_type_hint", "access_token")]
    introspect = build_token_endpoint_request(
        provider.client(provider.profile.introspector), hint, url=provider.endpoints["introspect"]
    )
    assert as_json(driver.run_flow(exchange(introspect)))["active"] is True
    client = provider.client("password")
    revoke = build_token_endpoint_request(client, hint, url=provider.endpoints["revoke"])
    assert driver.run_flow(exchange(revoke)).status == provider.profile.revocation_status
    assert as_json(driver.run_flow(exchange(introspect)))["active"] is False


# Ofly: rauth's signing code as the verifier.


@pytest.mark.matrix("Ofly on rauth 0.7.3", "signed calls")
@pytest.mark.parametrize("hash_method", ["sha1", "md5"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_ofly_signed_calls(
    driver: Driver, ofly_rauth_provider: RunningProvider, hash_method: str, method: str
) -> None:
    app = ofly_rauth_provider.clients["app"]
    credentials = OflyCredentials(app_id=app["app_id"], app_secret=app["app_secret"])
    url = f"{ofly_rauth_provider.endpoints['resource']}?album=a+b&n=%E2%98%83"
    body = b"caption=hello+world" if method == "POST" else b""
    request = Request(method=method, url=url, headers=FORM_TYPE if body else (), body=body)
    answer = driver.ofly(request, credentials, "user-7", hash_method)
    assert answer.status == 200, answer.body[:300]
    data = as_json(answer)
    assert data["user_id"] == "user-7"
    assert data["hash"] == hash_method
    assert {k: v for k, v in data["params"].items() if k != "oflyUserid"} == {
        "album": "a b",
        "n": "☃",
    }
    if body:
        assert data["form"] == {"caption": "hello world"}

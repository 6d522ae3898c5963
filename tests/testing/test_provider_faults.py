"""Fault injection: each kind of fault, and what an oauthcore client sees because of it."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

import httpx
import pytest
import requests

from oauthcore.adapters import httpx as httpx_adapter
from oauthcore.adapters.requests import OAuth1Auth, send_flow, send_request
from oauthcore.errors import (
    AccessDeniedError,
    InvalidGrantError,
    RedirectPolicyError,
    ServerError,
    TemporarilyUnavailableError,
    TokenExpiredError,
    TokenResponseError,
)
from oauthcore.flows import drive
from oauthcore.http import Request, Response
from oauthcore.oauth1 import (
    TokenCredentials,
    build_temporary_credentials_request,
    build_token_request,
    credentials_flow,
)
from oauthcore.oauth2 import (
    ClientConfig,
    Token,
    authorized_request_flow,
    build_authorization_code_request,
    build_authorization_url,
    build_client_credentials_request,
    build_refresh_request,
    parse_authorization_response,
    token_flow,
)
from oauthcore.testing import (
    Endpoint,
    Fault,
    FaultKind,
    LoopbackProvider,
    ProviderError,
)


def _consume_once() -> Callable[[str], bool]:
    seen: set[str] = set()

    def consume(state: str) -> bool:
        fresh = state not in seen
        seen.add(state)
        return fresh

    return consume


def _code_token(provider: LoopbackProvider, config: ClientConfig) -> Token:
    url, pending = build_authorization_url(config)
    code = parse_authorization_response(
        provider.authorize(url), pending, client=config, consume=_consume_once()
    )
    request = build_authorization_code_request(
        config, code.code, code_verifier=pending.code_verifier
    )
    with requests.Session() as http:
        return send_flow(http, token_flow(request))


def _send(config: ClientConfig, request: Request) -> Token:
    with requests.Session() as http:
        return send_flow(http, token_flow(request))


@pytest.mark.checklist("G4")
def test_invalid_grant_on_refresh_is_terminal(oauth_provider: LoopbackProvider) -> None:
    config = oauth_provider.oauth2_config()
    token = _code_token(oauth_provider, config)
    oauth_provider.faults.next_token_response(Fault.invalid_grant("injected"))
    store = httpx_adapter.TokenStore(token)
    auth = httpx_adapter.OAuth2Auth(config, store)
    oauth_provider.expire(token.access_token)
    with httpx.Client() as http, pytest.raises(InvalidGrantError) as caught:
        http.get(oauth_provider.oauth2_resource_url, auth=auth)
    assert caught.value.status == 400
    statuses = [(e.endpoint, e.status, e.fault) for e in oauth_provider.requests]
    assert statuses[-2:] == [
        (Endpoint.OAUTH2_RESOURCE, 401, None),
        (Endpoint.OAUTH2_TOKEN, 400, "oauth_error"),
    ]


def test_http_5xx_is_a_retryable_server_error(oauth_provider: LoopbackProvider) -> None:
    config = oauth_provider.oauth2_config()
    oauth_provider.faults.next_token_response(Fault.http_error(502))
    with pytest.raises(ServerError) as caught:
        _send(config, build_client_credentials_request(config))
    assert caught.value.retryable
    assert caught.value.status == 502
    # The next request is answered normally: a fault is used once.
    assert _send(config, build_client_credentials_request(config)).access_token


@pytest.mark.checklist("G6")
def test_refresh_after_one_5xx_is_retried_once(oauth_provider: LoopbackProvider) -> None:
    config = oauth_provider.oauth2_config()
    token = _code_token(oauth_provider, config)
    oauth_provider.expire(token.access_token)
    expired = Token(
        access_token=token.access_token, refresh_token=token.refresh_token, expires_at=0
    )
    oauth_provider.faults.push(Endpoint.OAUTH2_TOKEN, Fault.http_error(503))
    flow = authorized_request_flow(
        Request(method="GET", url=oauth_provider.oauth2_resource_url), expired, config
    )
    with requests.Session() as http:
        result = send_flow(http, flow)
    assert result.renewed
    assert result.response.status == 200
    tokens = oauth_provider.requests_to(Endpoint.OAUTH2_TOKEN)
    assert [e.status for e in tokens[-2:]] == [503, 200]


@pytest.mark.checklist("D4")
def test_redirect_of_the_token_endpoint_is_refused(oauth_provider: LoopbackProvider) -> None:
    config = oauth_provider.oauth2_config()
    oauth_provider.faults.next_token_response(Fault.redirect(307))
    with pytest.raises(RedirectPolicyError):
        _send(config, build_client_credentials_request(config))
    assert oauth_provider.other_origin_requests == ()  # nothing reached the other origin


@pytest.mark.checklist("D1")
def test_resource_redirect_to_another_origin_drops_the_token(
    oauth_provider: LoopbackProvider,
) -> None:
    config = oauth_provider.oauth2_config()
    token = _send(config, build_client_credentials_request(config))
    oauth_provider.faults.push(Endpoint.OAUTH2_RESOURCE, Fault.redirect())
    auth = httpx_adapter.OAuth2Auth(config, httpx_adapter.TokenStore(token))
    with httpx.Client() as http:
        response = http.get(oauth_provider.oauth2_resource_url + "/x", auth=auth)
    assert response.json() == {"origin": "other", "path": "/oauth2/resource/x"}
    (arrived,) = oauth_provider.other_origin_requests
    assert not arrived.has_header("authorization")


def test_malformed_body_is_a_token_response_error(oauth_provider: LoopbackProvider) -> None:
    config = oauth_provider.oauth2_config()
    oauth_provider.faults.next_token_response(Fault.malformed_body())
    with pytest.raises(TokenResponseError) as caught:
        _send(config, build_client_credentials_request(config))
    assert "tr" not in str(caught.value).split("(")[0]  # no body text in the message
    oauth_provider.faults.next_token_response(
        Fault.malformed_body(b"<html>oops</html>", status=200, content_type="text/html")
    )
    with pytest.raises(TokenResponseError):
        _send(config, build_client_credentials_request(config))


def test_slow_response_meets_the_client_timeout(oauth_provider: LoopbackProvider) -> None:
    config = oauth_provider.oauth2_config()
    oauth_provider.faults.next_token_response(Fault.slow(2.0))
    with httpx.Client() as http, pytest.raises(httpx.ReadTimeout):
        httpx_adapter.send_flow(
            http,
            token_flow(build_client_credentials_request(config)),
            timeout=httpx.Timeout(0.2),
        )
    # Meanwhile the provider answers other requests.
    assert _send(config, build_client_credentials_request(config)).access_token


@pytest.mark.checklist("G8")
def test_token_issued_expired_without_refresh_token(oauth_provider: LoopbackProvider) -> None:
    config = oauth_provider.oauth2_config()
    oauth_provider.faults.next_token_response(Fault.expired_token())
    token = _send(config, build_client_credentials_request(config))
    assert token.expiry_adjusted  # expires_in 0: kept, marked expired
    flow = authorized_request_flow(
        Request(method="GET", url=oauth_provider.oauth2_resource_url), token, config
    )
    with requests.Session() as http, pytest.raises(TokenExpiredError):
        send_flow(http, flow)
    # With client credentials allowed, a new token is fetched instead.
    flow = authorized_request_flow(
        Request(method="GET", url=oauth_provider.oauth2_resource_url),
        token,
        config,
        renew_with_client_credentials=True,
    )
    with requests.Session() as http:
        assert send_flow(http, flow).response.status == 200


@pytest.mark.checklist("G3")
def test_token_expiring_at_the_resource_is_refreshed_once(
    oauth_provider: LoopbackProvider,
) -> None:
    config = oauth_provider.oauth2_config()
    token = _code_token(oauth_provider, config)
    oauth_provider.faults.push(Endpoint.OAUTH2_RESOURCE, Fault.expired_token())
    flow = authorized_request_flow(
        Request(method="GET", url=oauth_provider.oauth2_resource_url), token, config
    )
    with requests.Session() as http:
        result = send_flow(http, flow)
    assert result.renewed
    assert result.response.status == 200
    assert not oauth_provider.token(token.access_token).is_active(oauth_provider.now())
    challenge = oauth_provider.requests_to(Endpoint.OAUTH2_RESOURCE)[0]
    assert (challenge.status, challenge.error) == (401, "invalid_token")


def test_refresh_with_a_revoked_token_is_invalid_grant(oauth_provider: LoopbackProvider) -> None:
    config = oauth_provider.oauth2_config()
    token = _code_token(oauth_provider, config)
    oauth_provider.revoke(token.refresh_token or "")
    with pytest.raises(InvalidGrantError):
        _send(config, build_refresh_request(config, token.refresh_token or ""))


def test_authorization_errors(oauth_provider: LoopbackProvider) -> None:
    config = oauth_provider.oauth2_config()
    oauth_provider.faults.push(
        Endpoint.OAUTH2_AUTHORIZE, Fault.oauth_error("temporarily_unavailable")
    )
    url, pending = build_authorization_url(config)
    with pytest.raises(TemporarilyUnavailableError):
        parse_authorization_response(
            oauth_provider.authorize(url), pending, client=config, consume=_consume_once()
        )
    oauth_provider.auto_approve = False
    url, pending = build_authorization_url(config)
    with pytest.raises(AccessDeniedError):
        parse_authorization_response(
            oauth_provider.authorize(url), pending, client=config, consume=_consume_once()
        )


def test_oauth1_problem_fault(oauth_provider: LoopbackProvider) -> None:
    credentials = oauth_provider.oauth1_credentials()
    temporary = drive(
        credentials_flow(
            build_temporary_credentials_request(oauth_provider.request_token_url, credentials),
            temporary=True,
        ),
        _requests_send,
    )
    url = f"{oauth_provider.authorize_url}?oauth_token={temporary.token}"
    verifier = oauth_provider.oauth1_verifier(url)

    def exchange() -> TokenCredentials:
        request = build_token_request(
            oauth_provider.access_token_url, credentials, temporary, verifier=verifier
        )
        return drive(credentials_flow(request, temporary=False), _requests_send)

    oauth_provider.faults.push(Endpoint.OAUTH1_ACCESS_TOKEN, Fault.oauth_error("token_expired"))
    with pytest.raises(TokenResponseError, match="oauth_problem=token_expired"):
        exchange()
    # The fault answered in place of the endpoint: the real exchange still works.
    assert exchange().token


def _requests_send(request: Request) -> Response:
    with requests.Session() as http:
        return send_request(http, request)


def test_ofly_and_oauth1_resource_faults(oauth_provider: LoopbackProvider) -> None:
    oauth_provider.faults.push(Endpoint.OFLY_RESOURCE, Fault.http_error(500, body=b"boom"))
    response = requests.get(oauth_provider.ofly_resource_url, timeout=10)
    assert (response.status_code, response.text) == (500, "boom")
    oauth_provider.faults.push(
        Endpoint.OAUTH1_RESOURCE, Fault.redirect(location="https://x.example/")
    )
    response = requests.get(oauth_provider.oauth1_resource_url, allow_redirects=False, timeout=10)
    assert response.headers["Location"] == "https://x.example/"


def test_fault_queue_controls(oauth_provider: LoopbackProvider) -> None:
    faults = oauth_provider.faults
    faults.push(Endpoint.OAUTH2_METADATA, Fault.http_error(503), times=2)
    faults.push(Endpoint.OAUTH2_METADATA, Fault.oauth_error("server_error", status=500))
    assert faults.pending(Endpoint.OAUTH2_METADATA) == 3
    statuses = [requests.get(oauth_provider.metadata_url, timeout=10).status_code for _ in range(4)]
    assert statuses == [503, 503, 500, 200]
    assert [e.fault for e in oauth_provider.requests] == [
        "http_error",
        "http_error",
        "oauth_error",
        None,
    ]
    faults.push(Endpoint.OAUTH2_TOKEN, Fault.slow(0.01))
    faults.clear()
    assert faults.pending() == 0


def test_fault_misuse_is_a_provider_error(oauth_provider: LoopbackProvider) -> None:
    faults = oauth_provider.faults
    with pytest.raises(ProviderError):
        faults.push(Endpoint.OAUTH2_REVOKE, Fault.expired_token())
    with pytest.raises(ProviderError):
        faults.push(Endpoint.OAUTH2_TOKEN, Fault.slow(1), times=0)
    with pytest.raises(ProviderError):
        Fault.redirect(200)
    with pytest.raises(ProviderError):
        Fault.http_error(99)
    with pytest.raises(ProviderError):
        Fault(kind=FaultKind.OAUTH_ERROR)
    with pytest.raises(ProviderError):
        Fault.oauth_error('say "hi"')
    with pytest.raises(ProviderError):
        Fault.slow(-1)


def test_resource_faults_with_status_and_expiry(oauth_provider: LoopbackProvider) -> None:
    config = oauth_provider.oauth2_config()
    token = _send(config, build_client_credentials_request(config))
    bearer = {"Authorization": f"Bearer {token.access_token}"}
    oauth_provider.faults.push(
        Endpoint.OAUTH2_RESOURCE, Fault.oauth_error("invalid_token", status=401)
    )
    refused = requests.get(oauth_provider.oauth2_resource_url, headers=bearer, timeout=10)
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    # The fault answered in place of the resource: the token itself is still good.
    assert requests.get(oauth_provider.oauth2_resource_url, headers=bearer, timeout=10).ok

    oauth_provider.faults.push(Endpoint.OFLY_RESOURCE, Fault.oauth_error("slow_down", status=429))
    assert requests.get(oauth_provider.ofly_resource_url, timeout=10).status_code == 429


def test_oauth1_resource_expired_token_fault(oauth_provider: LoopbackProvider) -> None:
    credentials = oauth_provider.oauth1_credentials()
    temporary = drive(
        credentials_flow(
            build_temporary_credentials_request(oauth_provider.request_token_url, credentials),
            temporary=True,
        ),
        _requests_send,
    )
    verifier = oauth_provider.oauth1_verifier(
        f"{oauth_provider.authorize_url}?oauth_token={temporary.token}"
    )
    token = drive(
        credentials_flow(
            build_token_request(
                oauth_provider.access_token_url, credentials, temporary, verifier=verifier
            ),
            temporary=False,
        ),
        _requests_send,
    )
    auth = OAuth1Auth(credentials, token)
    assert requests.get(oauth_provider.oauth1_resource_url, auth=auth, timeout=10).ok
    oauth_provider.faults.push(Endpoint.OAUTH1_RESOURCE, Fault.expired_token())
    expired = requests.get(oauth_provider.oauth1_resource_url, auth=auth, timeout=10)
    assert expired.status_code == 401
    assert dict(parse_qsl(expired.text))["oauth_problem"] == "token_expired"
    # Expired for good, not only for the faulted request.
    again = requests.get(oauth_provider.oauth1_resource_url, auth=auth, timeout=10)
    assert dict(parse_qsl(again.text))["oauth_problem"] == "token_rejected"

"""The OAuth 2.0 error paths of the loopback provider, as a client meets them on the wire.

Every request is sent with ``requests`` exactly as written here (no OAuth library fixes it up),
and every expected outcome comes from the RFCs: authorization errors before the redirect URI is
known are not redirected, later ones are (RFC 6749 §4.1.2.1, with ``state`` and RFC 9207
``iss``); token endpoint errors are §5.2 JSON, ``invalid_client`` with 401; PKCE per RFC 7636
§4.4.1 / §4.6; revocation per RFC 7009 §2; introspection per RFC 7662 §2.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from oauthcore.testing import GrantType, LoopbackProvider, OAuth2Client, start_provider

REDIRECT = "http://127.0.0.1/callback"
VERIFIER = "v" * 20 + "-._~" + "0123456789abcdefghijklmn"  # 48 unreserved characters


def _s256(verifier: str) -> str:
    # RFC 7636 §4.2: BASE64URL-ENCODE(SHA256(ASCII(code_verifier))), no padding.
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _authorize(provider: LoopbackProvider, params: Mapping[str, str]) -> requests.Response:
    return requests.get(
        provider.authorization_endpoint, params=dict(params), allow_redirects=False, timeout=10
    )


def _redirected(response: requests.Response) -> tuple[str, dict[str, str]]:
    """The redirect's target (without query) and its query parameters."""
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    parts = urlsplit(location)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", dict(parse_qsl(parts.query))


def _code_params(client_id: str = "confidential-client", **extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "state": "xyz",
        **extra,
    }


def _code(provider: LoopbackProvider, client_id: str = "confidential-client", **extra: str) -> str:
    _, query = _redirected(_authorize(provider, _code_params(client_id, **extra)))
    return query["code"]


def _post(
    url: str,
    data: Mapping[str, str],
    *,
    auth: tuple[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> requests.Response:
    return requests.post(url, data=dict(data), auth=auth, headers=headers, timeout=10)


def _confidential(provider: LoopbackProvider) -> tuple[str, str]:
    client = provider.oauth2_client()
    assert client.client_secret is not None
    return client.client_id, client.client_secret


def _error(response: requests.Response, status: int) -> str:
    """The §5.2 ``error`` of a JSON error response with ``status`` (and its no-store)."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"  # RFC 6749 §5.1, §5.2
    error = response.json()["error"]
    assert isinstance(error, str)
    return error


# Authorization endpoint: errors that must not be redirected (RFC 6749 §4.1.2.1, §3.1.2.4).


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"client_id": "nobody"}, id="unknown-client"),
        pytest.param({"client_id": ""}, id="empty-client"),
        pytest.param({"redirect_uri": "https://evil.example/callback"}, id="foreign-redirect"),
        pytest.param({"redirect_uri": "http://127.0.0.1/elsewhere"}, id="other-path"),
        pytest.param({"redirect_uri": "http://localhost/callback"}, id="other-loopback-host"),
        pytest.param({"redirect_uri": "http://127.0.0.1:abc/callback"}, id="bad-port"),
        pytest.param({"redirect_uri": "http://127.0.0.1:99999/callback"}, id="port-range"),
        pytest.param({"redirect_uri": "http://[::1/callback"}, id="bad-ipv6"),
    ],
)
def test_invalid_client_or_redirect_uri_is_not_redirected(
    oauth_provider: LoopbackProvider, params: dict[str, str]
) -> None:
    refused = _authorize(oauth_provider, {**_code_params(), **params})
    assert refused.status_code == 400
    assert "Location" not in refused.headers
    assert oauth_provider.internal_errors == ()


def test_missing_client_id_is_not_redirected(oauth_provider: LoopbackProvider) -> None:
    params = _code_params()
    del params["client_id"]
    refused = _authorize(oauth_provider, params)
    assert refused.status_code == 400
    assert "Location" not in refused.headers


def test_repeated_parameter_is_not_redirected(oauth_provider: LoopbackProvider) -> None:
    # §3.1: "Request and response parameters MUST NOT be included more than once."
    url = oauth_provider.authorization_endpoint + "?client_id=confidential-client&state=a&state=b"
    refused = requests.get(url, allow_redirects=False, timeout=10)
    assert _error(refused, 400) == "invalid_request"
    assert "Location" not in refused.headers


def test_exact_match_for_non_loopback_redirect_uris(oauth_provider: LoopbackProvider) -> None:
    oauth_provider.register(
        OAuth2Client(
            client_id="web",
            client_secret="s",
            redirect_uris=("https://app.example/cb", "https://app.example/cb2"),
        )
    )
    # Two registered URIs and none sent: the client MUST include one (§3.1.2.3).
    params = _code_params("web")
    del params["redirect_uri"]
    refused = _authorize(oauth_provider, params)
    assert refused.status_code == 400
    assert "Location" not in refused.headers
    # Neither a different path nor a different port matches an https URI (§3.1.2.3).
    for sent in ("https://app.example/other", "https://app.example:8443/cb"):
        refused = _authorize(oauth_provider, {**params, "redirect_uri": sent})
        assert refused.status_code == 400
        assert "Location" not in refused.headers
    target, query = _redirected(
        _authorize(oauth_provider, {**params, "redirect_uri": "https://app.example/cb2"})
    )
    assert target == "https://app.example/cb2"
    assert query["code"]


def test_single_registered_redirect_uri_may_be_omitted(oauth_provider: LoopbackProvider) -> None:
    params = _code_params()
    del params["redirect_uri"]
    target, query = _redirected(_authorize(oauth_provider, params))
    assert target == REDIRECT
    assert query["state"] == "xyz"
    # §4.1.3: redirect_uri is required at the token endpoint only if it was sent before.
    response = _post(
        oauth_provider.token_endpoint,
        {"grant_type": "authorization_code", "code": query["code"]},
        auth=_confidential(oauth_provider),
    )
    assert response.status_code == 200, response.text


# Authorization endpoint: errors redirected back to the client (RFC 6749 §4.1.2.1).


def _redirected_error(
    provider: LoopbackProvider, params: Mapping[str, str]
) -> tuple[str, dict[str, str]]:
    target, query = _redirected(_authorize(provider, params))
    assert target == params.get("redirect_uri", REDIRECT)
    assert "code" not in query
    assert query["iss"] == provider.issuer  # RFC 9207 §2: errors carry iss too
    if "state" in params:
        assert query["state"] == params["state"]  # §4.1.2.1: state echoed exactly
    else:
        assert "state" not in query
    return query["error"], query


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param({"response_type": None}, "invalid_request", id="no-response-type"),
        pytest.param({"response_type": "token"}, "unsupported_response_type", id="implicit"),
        pytest.param({"response_type": "code id_token"}, "unsupported_response_type", id="hybrid"),
        pytest.param({"code_challenge_method": "S256"}, "invalid_request", id="method-alone"),
        pytest.param(
            {"code_challenge": _s256(VERIFIER), "code_challenge_method": "S512"},
            "invalid_request",
            id="unknown-method",  # RFC 7636 §4.4.1
        ),
        pytest.param({"code_challenge": "too-short"}, "invalid_request", id="short-challenge"),
        pytest.param({"code_challenge": "x" * 129}, "invalid_request", id="long-challenge"),
    ],
)
def test_invalid_authorization_requests_are_redirected_with_an_error(
    oauth_provider: LoopbackProvider, change: dict[str, str | None], expected: str
) -> None:
    params = _code_params()
    for name, value in change.items():
        if value is None:
            params.pop(name)
        else:
            params[name] = value
    assert _redirected_error(oauth_provider, params)[0] == expected


def test_redirects_without_state_carry_no_state(oauth_provider: LoopbackProvider) -> None:
    # state is RECOMMENDED, not required (§4.1.1); it is echoed only if it was sent.
    params = _code_params(response_type="token")
    del params["state"]
    assert _redirected_error(oauth_provider, params)[0] == "unsupported_response_type"
    params["response_type"] = "code"
    _, query = _redirected(_authorize(oauth_provider, params))
    assert query["code"]
    assert "state" not in query
    assert query["iss"] == oauth_provider.issuer


def test_public_client_and_require_pkce_need_a_code_challenge(
    oauth_provider: LoopbackProvider,
) -> None:
    # RFC 7636 §4.4.1: a server requiring PKCE answers invalid_request without a challenge.
    oauth_provider.register(OAuth2Client(client_id="strict", client_secret="s", require_pkce=True))
    for client_id in ("public-client", "strict"):
        error, _ = _redirected_error(oauth_provider, _code_params(client_id))
        assert error == "invalid_request"
        pkce = {"code_challenge": _s256(VERIFIER), "code_challenge_method": "S256"}
        assert _code(oauth_provider, client_id, **pkce)


def test_plain_pkce_refused_when_disabled() -> None:
    with start_provider(allow_plain_pkce=False) as provider:
        params = _code_params(code_challenge=VERIFIER, code_challenge_method="plain")
        assert _redirected_error(provider, params)[0] == "invalid_request"
        # A challenge without a method means plain (RFC 7636 §4.3): refused too.
        params = _code_params(code_challenge=VERIFIER)
        assert _redirected_error(provider, params)[0] == "invalid_request"


def test_grant_and_scope_limits_at_the_authorization_endpoint(
    oauth_provider: LoopbackProvider,
) -> None:
    oauth_provider.register(
        OAuth2Client(
            client_id="machine",
            client_secret="s",
            grant_types=frozenset({GrantType.CLIENT_CREDENTIALS}),
        ),
        OAuth2Client(client_id="reader", client_secret="s", scopes=frozenset({"read"})),
    )
    assert _redirected_error(oauth_provider, _code_params("machine"))[0] == "unauthorized_client"
    error, query = _redirected_error(oauth_provider, _code_params("reader", scope="read write"))
    assert error == "invalid_scope"
    assert query["error_description"]
    assert _code(oauth_provider, "reader", scope="read")


def test_denied_authorization(oauth_provider: LoopbackProvider) -> None:
    oauth_provider.auto_approve = False
    assert oauth_provider.auto_approve is False
    assert _redirected_error(oauth_provider, _code_params())[0] == "access_denied"


# Token endpoint: request form and client authentication (RFC 6749 §2.3, §3.2, §5.2).


def test_token_endpoint_takes_a_form_post(oauth_provider: LoopbackProvider) -> None:
    auth = _confidential(oauth_provider)
    get = requests.get(
        oauth_provider.token_endpoint,
        params={"grant_type": "client_credentials"},
        auth=auth,
        timeout=10,
    )
    assert _error(get, 400) == "invalid_request"
    as_json = requests.post(
        oauth_provider.token_endpoint,
        json={"grant_type": "client_credentials"},
        auth=auth,
        timeout=10,
    )
    assert _error(as_json, 400) == "invalid_request"
    repeated = requests.post(
        oauth_provider.token_endpoint,
        data="grant_type=client_credentials&grant_type=password",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=auth,
        timeout=10,
    )
    assert _error(repeated, 400) == "invalid_request"
    undecodable = requests.post(
        oauth_provider.token_endpoint,
        data="grant_type=%FF",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=auth,
        timeout=10,
    )
    assert _error(undecodable, 400) == "invalid_request"


def test_client_authentication_failures_are_invalid_client(
    oauth_provider: LoopbackProvider,
) -> None:
    client_id, secret = _confidential(oauth_provider)
    grant = {"grant_type": "client_credentials"}
    url = oauth_provider.token_endpoint
    # §5.2: 401, and a WWW-Authenticate challenge when the client used the header.
    for auth in ((client_id, "wrong"), ("nobody", secret)):
        refused = _post(url, grant, auth=auth)
        assert _error(refused, 401) == "invalid_client"
        assert refused.headers["WWW-Authenticate"].startswith("Basic ")
    for posted in (
        {"client_id": client_id, "client_secret": "wrong"},
        {"client_id": client_id},  # a confidential client without its secret
        {"client_id": "nobody", "client_secret": secret},
        {},  # no client authentication at all
    ):
        assert _error(_post(url, {**grant, **posted}), 401) == "invalid_client"
    # An Authorization scheme the endpoint does not use authenticates nobody.
    digest = _post(url, grant, headers={"Authorization": 'Digest username="x"'})
    assert _error(digest, 401) == "invalid_client"
    # A public client authenticates with its id alone: a secret is a failed authentication.
    public = {"grant_type": "refresh_token", "refresh_token": "rt-x", "client_id": "public-client"}
    assert _error(_post(url, {**public, "client_secret": "guess"}), 401) == "invalid_client"


def test_two_client_authentication_methods_are_invalid_request(
    oauth_provider: LoopbackProvider,
) -> None:
    # §2.3: "The client MUST NOT use more than one authentication method in each request";
    # §5.2 invalid_request: "utilizes more than one mechanism for authenticating the client".
    client_id, secret = _confidential(oauth_provider)
    url = oauth_provider.token_endpoint
    both = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    assert _error(_post(url, both, auth=(client_id, secret)), 400) == "invalid_request"
    # A client_id in the body naming another client than the Basic credentials.
    other = {"grant_type": "client_credentials", "client_id": "public-client"}
    assert _error(_post(url, other, auth=(client_id, secret)), 400) == "invalid_request"
    # The same client_id in the body as in the header is only redundant (§2.3.1).
    same = {"grant_type": "client_credentials", "client_id": client_id}
    assert _post(url, same, auth=(client_id, secret)).status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [
        pytest.param("abc", id="not-a-multiple-of-4"),
        pytest.param("!!!!", id="not-base64"),
        pytest.param(base64.b64encode(b"no-colon").decode(), id="no-colon"),
        pytest.param(base64.b64encode(b"\xff\xfe:x").decode(), id="not-utf8"),
        pytest.param(base64.b64encode(b"%FF:secret").decode(), id="bad-form-escape"),
    ],
)
def test_malformed_basic_credentials_are_invalid_request(
    oauth_provider: LoopbackProvider, credentials: str
) -> None:
    refused = _post(
        oauth_provider.token_endpoint,
        {"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {credentials}"},
    )
    assert _error(refused, 400) == "invalid_request"
    assert oauth_provider.internal_errors == ()


def test_grant_type_errors(oauth_provider: LoopbackProvider) -> None:
    auth = _confidential(oauth_provider)
    url = oauth_provider.token_endpoint
    # §4.4.2: grant_type is REQUIRED (a form without it, not an empty body).
    assert _error(_post(url, {"scope": "read"}, auth=auth), 400) == "invalid_request"
    implicit = _post(url, {"grant_type": "implicit"}, auth=auth)
    assert _error(implicit, 400) == "unsupported_grant_type"
    # A grant the client is not registered for: unauthorized_client (§5.2).
    public = {"client_id": "public-client"}
    for grant in ("client_credentials", "password"):
        refused = _post(url, {"grant_type": grant, "username": "alice", "password": "x", **public})
        assert _error(refused, 400) == "unauthorized_client"


# Token endpoint: the authorization code grant (RFC 6749 §4.1.3, RFC 7636 §4.5-§4.6).


def _exchange(provider: LoopbackProvider, code: str | None, **extra: str) -> requests.Response:
    data = {"grant_type": "authorization_code", "redirect_uri": REDIRECT, **extra}
    if code is not None:
        data["code"] = code
    return _post(provider.token_endpoint, data, auth=_confidential(provider))


def test_code_grant_errors(oauth_provider: LoopbackProvider) -> None:
    assert _error(_exchange(oauth_provider, None), 400) == "invalid_request"
    assert _error(_exchange(oauth_provider, ""), 400) == "invalid_request"
    assert _error(_exchange(oauth_provider, "code-unknown"), 400) == "invalid_grant"
    # A code issued to another client (§4.1.3: "ensure that the authorization code was issued
    # to the authenticated confidential client").
    public_code = _code(
        oauth_provider,
        "public-client",
        code_challenge=_s256(VERIFIER),
        code_challenge_method="S256",
    )
    assert _error(_exchange(oauth_provider, public_code), 400) == "invalid_grant"
    # redirect_uri missing or different when the authorization request had one (§4.1.3).
    code = _code(oauth_provider)
    data = {"grant_type": "authorization_code", "code": code}
    missing = _post(oauth_provider.token_endpoint, data, auth=_confidential(oauth_provider))
    assert _error(missing, 400) == "invalid_grant"
    code = _code(oauth_provider)
    other = _exchange(oauth_provider, code, redirect_uri="http://127.0.0.1:9/callback")
    assert _error(other, 400) == "invalid_grant"
    # A verifier for a code issued without PKCE (RFC 9700 §4.8.2).
    code = _code(oauth_provider)
    assert _error(_exchange(oauth_provider, code, code_verifier=VERIFIER), 400) == "invalid_grant"


def test_expired_code_is_invalid_grant(oauth_provider: LoopbackProvider) -> None:
    code = _code(oauth_provider)
    oauth_provider.advance_clock(11 * 60)  # §4.1.2: a maximum lifetime of 10 minutes
    assert _error(_exchange(oauth_provider, code), 400) == "invalid_grant"


@pytest.mark.parametrize(
    ("verifier", "expected"),
    [
        pytest.param(None, "invalid_grant", id="missing"),
        pytest.param("w" * 48, "invalid_grant", id="wrong"),
        pytest.param("short", "invalid_grant", id="malformed"),
    ],
)
def test_wrong_code_verifier_is_invalid_grant_and_burns_the_code(
    oauth_provider: LoopbackProvider, verifier: str | None, expected: str
) -> None:
    code = _code(oauth_provider, code_challenge=_s256(VERIFIER), code_challenge_method="S256")
    extra = {} if verifier is None else {"code_verifier": verifier}
    assert _error(_exchange(oauth_provider, code, **extra), 400) == expected
    # The code was used by the failed attempt: the right verifier is now too late.
    assert _error(_exchange(oauth_provider, code, code_verifier=VERIFIER), 400) == "invalid_grant"


# Token endpoint: refresh, password and client credentials (RFC 6749 §6, §4.3, §4.4).


def _password_token(provider: LoopbackProvider, **extra: str) -> dict[str, object]:
    data = {"grant_type": "password", "username": "alice", "password": provider.user().password}
    response = _post(provider.token_endpoint, {**data, **extra}, auth=_confidential(provider))
    assert response.status_code == 200, response.text
    token: dict[str, object] = response.json()
    return token


def _refresh(provider: LoopbackProvider, value: str | None, **extra: str) -> requests.Response:
    data = {"grant_type": "refresh_token", **extra}
    if value is not None:
        data["refresh_token"] = value
    return _post(provider.token_endpoint, data, auth=_confidential(provider))


def test_refresh_grant_errors(oauth_provider: LoopbackProvider) -> None:
    token = _password_token(oauth_provider, scope="read")
    refresh = str(token["refresh_token"])
    assert _error(_refresh(oauth_provider, None), 400) == "invalid_request"
    assert _error(_refresh(oauth_provider, "rt-unknown"), 400) == "invalid_grant"
    # An access token is no refresh token.
    assert _error(_refresh(oauth_provider, str(token["access_token"])), 400) == "invalid_grant"
    # §6: the scope "MUST NOT include any scope not originally granted".
    assert _error(_refresh(oauth_provider, refresh, scope="read write"), 400) == "invalid_scope"
    # A refresh token of another client (§6: "bound to the client").
    oauth_provider.register(OAuth2Client(client_id="other", client_secret="s"))
    stolen = _post(
        oauth_provider.token_endpoint,
        {"grant_type": "refresh_token", "refresh_token": refresh},
        auth=("other", "s"),
    )
    assert _error(stolen, 400) == "invalid_grant"
    # A revoked refresh token.
    oauth_provider.revoke(refresh)
    assert _error(_refresh(oauth_provider, refresh), 400) == "invalid_grant"


def test_rotated_refresh_token_is_invalid_grant(oauth_provider: LoopbackProvider) -> None:
    bystander = str(_password_token(oauth_provider)["access_token"])  # another grant
    pending_code = _code(oauth_provider)  # and a code of yet another
    first = str(_password_token(oauth_provider)["refresh_token"])
    renewed = _refresh(oauth_provider, first)
    assert renewed.status_code == 200
    second = renewed.json()["refresh_token"]
    assert second != first
    assert _error(_refresh(oauth_provider, first), 400) == "invalid_grant"
    # Reuse revoked the whole grant (RFC 9700 §4.14.2): the new token is dead as well.
    assert _error(_refresh(oauth_provider, second), 400) == "invalid_grant"
    assert _error(_refresh(oauth_provider, first), 400) == "invalid_grant"  # still refused
    # ... and only that grant.
    assert not oauth_provider.token(bystander).revoked
    assert _exchange(oauth_provider, pending_code).status_code == 200


def test_refresh_without_rotation_keeps_the_refresh_token() -> None:
    with start_provider(rotate_refresh_tokens=False) as provider:
        refresh = str(_password_token(provider, scope="read write")["refresh_token"])
        for _ in range(2):
            renewed = _refresh(provider, refresh, scope="read")
            assert renewed.status_code == 200, renewed.text
            body = renewed.json()
            assert "refresh_token" not in body  # §6: the client keeps the one it has
            assert body["scope"] == "read"  # narrowed, as requested


def test_password_grant_errors(oauth_provider: LoopbackProvider) -> None:
    url = oauth_provider.token_endpoint
    auth = _confidential(oauth_provider)
    password = oauth_provider.user().password
    for data in ({"username": "alice"}, {"password": password}):
        refused = _post(url, {"grant_type": "password", **data}, auth=auth)
        assert _error(refused, 400) == "invalid_request"  # §4.3.2: both REQUIRED
    for username, secret in (("alice", "wrong"), ("mallory", password)):
        data = {"grant_type": "password", "username": username, "password": secret}
        assert _error(_post(url, data, auth=auth), 400) == "invalid_grant"  # §5.2
    oauth_provider.register(
        OAuth2Client(client_id="reader", client_secret="s", scopes=frozenset({"read"}))
    )
    data = {"grant_type": "password", "username": "alice", "password": password, "scope": "admin"}
    assert _error(_post(url, data, auth=("reader", "s")), 400) == "invalid_scope"


# Revocation (RFC 7009) and introspection (RFC 7662).


def test_revocation_errors_and_unknown_tokens(oauth_provider: LoopbackProvider) -> None:
    url = oauth_provider.revocation_endpoint
    auth = _confidential(oauth_provider)
    # §2.1: POST with a form body; the token parameter is REQUIRED.
    get = requests.get(url, params={"token": "x"}, auth=auth, timeout=10)
    assert _error(get, 400) == "invalid_request"
    hint_only = {"token_type_hint": "access_token"}
    assert _error(_post(url, hint_only, auth=auth), 400) == "invalid_request"
    # §2.1: the client is authenticated.
    assert _error(_post(url, {"token": "x"}, auth=(auth[0], "wrong")), 401) == "invalid_client"
    # §2.2: an invalid token is no error: 200.
    assert _post(url, {"token": "at-unknown"}, auth=auth).status_code == 200


def test_revoking_an_access_token(oauth_provider: LoopbackProvider) -> None:
    token = _password_token(oauth_provider)
    access = str(token["access_token"])
    revoked = _post(
        oauth_provider.revocation_endpoint,
        {"token": access, "token_type_hint": "access_token"},
        auth=_confidential(oauth_provider),
    )
    assert revoked.status_code == 200
    resource = requests.get(
        oauth_provider.oauth2_resource_url,
        headers={"Authorization": f"Bearer {access}"},
        timeout=10,
    )
    assert resource.status_code == 401  # RFC 6750 §3.1
    assert 'error="invalid_token"' in resource.headers["WWW-Authenticate"]


def test_revoking_another_clients_token_changes_nothing(oauth_provider: LoopbackProvider) -> None:
    access = str(_password_token(oauth_provider)["access_token"])
    oauth_provider.register(OAuth2Client(client_id="other", client_secret="s"))
    answer = _post(oauth_provider.revocation_endpoint, {"token": access}, auth=("other", "s"))
    assert answer.status_code == 200  # the same answer as for an unknown token (§2.2)
    assert not oauth_provider.token(access).revoked


def _introspect(provider: LoopbackProvider, token: str) -> dict[str, object]:
    response = _post(
        provider.introspection_endpoint, {"token": token}, auth=_confidential(provider)
    )
    assert response.status_code == 200, response.text
    data: dict[str, object] = response.json()
    return data


def test_introspection_errors(oauth_provider: LoopbackProvider) -> None:
    url = oauth_provider.introspection_endpoint
    auth = _confidential(oauth_provider)
    get = requests.get(url, params={"token": "x"}, auth=auth, timeout=10)
    assert _error(get, 400) == "invalid_request"
    hint_only = {"token_type_hint": "access_token"}
    assert _error(_post(url, hint_only, auth=auth), 400) == "invalid_request"  # §2.1
    # §2.1: the endpoint MUST require authorization; a public client has none to give.
    public = _post(url, {"token": "x", "client_id": "public-client"})
    assert _error(public, 401) == "invalid_client"
    assert _error(_post(url, {"token": "x"}), 401) == "invalid_client"
    # §2.2: an unknown token is just inactive, with no other member.
    assert _introspect(oauth_provider, "at-unknown") == {"active": False}


def test_introspection_of_refresh_and_client_tokens(oauth_provider: LoopbackProvider) -> None:
    token = _password_token(oauth_provider)
    refresh = _introspect(oauth_provider, str(token["refresh_token"]))
    assert refresh["active"] is True
    assert refresh["username"] == "alice"
    assert "exp" not in refresh  # the refresh token does not expire
    assert "token_type" not in refresh  # token_type is the access token's (§2.2)
    assert "scope" not in refresh  # issued without a scope
    client_id, secret = _confidential(oauth_provider)
    machine = _post(
        oauth_provider.token_endpoint,
        {"grant_type": "client_credentials"},
        auth=(client_id, secret),
    ).json()
    access = _introspect(oauth_provider, str(machine["access_token"]))
    assert access["active"] is True
    assert access["client_id"] == client_id
    assert access["token_type"] == "Bearer"
    assert "username" not in access  # no resource owner in the client credentials grant
    assert "sub" not in access
    assert isinstance(access["exp"], int)

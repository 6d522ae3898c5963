"""The OAuth 1.0a and Ofly error paths of the loopback provider, as a client meets them.

OAuth 1.0a requests are signed by oauthlib (an independent client); each refusal is checked
against RFC 5849 (§2.1 callback, §2.2, §2.3 verifier and temporary credentials, §3.2) and the
OAuth Problem Reporting names it answers with in ``oauth_problem``. Ofly requests are signed
by oauthcore's ``sign_ofly_params``, then broken one way at a time.
"""

from __future__ import annotations

import http.client
import json
from contextlib import closing
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from oauthlib import oauth1

from oauthcore.ofly import OflyCredentials, OflyHashMethod, sign_ofly_params
from oauthcore.testing import LoopbackProvider, OAuth1Client, OflyApp


def _client(provider: LoopbackProvider, key: str | None = None, **kw: str) -> oauth1.Client:
    client = provider.oauth1_client(key)
    kw.setdefault("timestamp", str(provider.now()))  # signed on the provider's clock
    return oauth1.Client(client.key, client_secret=client.secret, **kw)


def _send(signer: oauth1.Client, url: str, method: str = "POST") -> requests.Response:
    uri, headers, body = signer.sign(url, http_method=method)
    return requests.request(
        method, uri, headers=headers, data=body, allow_redirects=False, timeout=10
    )


def _problem(response: requests.Response, status: int) -> str:
    """The ``oauth_problem`` of a form-encoded problem report with ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/x-www-form-urlencoded"
    if status == 401:  # RFC 5849 §3.2: the challenge names the OAuth scheme
        assert response.headers["WWW-Authenticate"].startswith("OAuth realm=")
    return dict(parse_qsl(response.text))["oauth_problem"]


def _temporary(provider: LoopbackProvider, key: str | None = None) -> dict[str, str]:
    response = _send(_client(provider, key, callback_uri="oob"), provider.request_token_url)
    assert response.status_code == 200, response.text
    return dict(parse_qsl(response.text))


def _approve(provider: LoopbackProvider, token: str) -> requests.Response:
    return requests.get(
        provider.authorize_url, params={"oauth_token": token}, allow_redirects=False, timeout=10
    )


def _exchange(
    provider: LoopbackProvider, fields: dict[str, str], verifier: str | None
) -> requests.Response:
    signer = _client(
        provider,
        resource_owner_key=fields["oauth_token"],
        resource_owner_secret=fields["oauth_token_secret"],
        **({} if verifier is None else {"verifier": verifier}),
    )
    return _send(signer, provider.access_token_url)


@pytest.mark.parametrize(
    "callback",
    [
        pytest.param("/relative/callback", id="relative"),
        pytest.param("http:callback", id="http-without-host"),
        pytest.param("https://client.example/cb#frag", id="fragment"),
        pytest.param("https://client.example/cb/\u00e9\u4e2d", id="not-ascii"),
        pytest.param("http://[::1/cb", id="bad-ipv6"),
    ],
)
def test_callback_that_is_no_absolute_uri_is_rejected(
    oauth_provider: LoopbackProvider, callback: str
) -> None:
    # RFC 5849 §2.1: oauth_callback is "an absolute URI back to which the server will
    # redirect" (or "oob"); anything else is parameter_rejected.
    refused = _send(
        _client(oauth_provider, callback_uri=callback), oauth_provider.request_token_url
    )
    assert _problem(refused, 400) == "parameter_rejected"
    assert oauth_provider.internal_errors == ()


def test_private_use_scheme_callback_is_accepted(oauth_provider: LoopbackProvider) -> None:
    signer = _client(oauth_provider, callback_uri="com.example.app:/oauth")
    fields = dict(parse_qsl(_send(signer, oauth_provider.request_token_url).text))
    approval = _approve(oauth_provider, fields["oauth_token"])
    assert approval.status_code == 302
    assert approval.headers["Location"].startswith("com.example.app:/oauth?oauth_token=")


def test_request_token_with_a_token_is_refused(oauth_provider: LoopbackProvider) -> None:
    # §2.1: temporary credentials are requested without a token; one sent cannot verify.
    fields = _temporary(oauth_provider)
    signer = _client(
        oauth_provider,
        callback_uri="oob",
        resource_owner_key=fields["oauth_token"],
        resource_owner_secret=fields["oauth_token_secret"],
    )
    refused = _send(signer, oauth_provider.request_token_url)
    assert _problem(refused, 401) == "token_rejected"


def test_authorize_refusals(oauth_provider: LoopbackProvider) -> None:
    assert _problem(_approve(oauth_provider, "tmp-unknown"), 400) == "token_rejected"
    missing = requests.get(oauth_provider.authorize_url, timeout=10)
    assert _problem(missing, 400) == "token_rejected"
    fields = _temporary(oauth_provider)
    oauth_provider.auto_approve = False  # the resource owner says no
    assert _problem(_approve(oauth_provider, fields["oauth_token"]), 403) == "permission_denied"
    oauth_provider.auto_approve = True
    oauth_provider.advance_clock(601)  # temporary credentials live ten minutes
    assert _problem(_approve(oauth_provider, fields["oauth_token"]), 400) == "token_rejected"


def test_access_token_refusals(oauth_provider: LoopbackProvider) -> None:
    fields = _temporary(oauth_provider)
    # §2.3 before §2.2: the resource owner has not authorized the credentials yet.
    assert _problem(_exchange(oauth_provider, fields, "x"), 401) == "permission_unknown"
    verifier = dict(parse_qsl(_approve(oauth_provider, fields["oauth_token"]).text))[
        "oauth_verifier"
    ]
    # §2.3: oauth_verifier is REQUIRED.
    assert _problem(_exchange(oauth_provider, fields, None), 400) == "parameter_absent"
    # A bad signature is refused before the token is looked at (§3.2).
    forged = _client(
        oauth_provider,
        resource_owner_key=fields["oauth_token"],
        resource_owner_secret="not-the-secret",
        verifier=verifier,
    )
    assert _problem(_send(forged, oauth_provider.access_token_url), 401) == "signature_invalid"
    assert _exchange(oauth_provider, fields, verifier).status_code == 200


def test_expired_temporary_credentials(oauth_provider: LoopbackProvider) -> None:
    fields = _temporary(oauth_provider)
    verifier = dict(parse_qsl(_approve(oauth_provider, fields["oauth_token"]).text))[
        "oauth_verifier"
    ]
    oauth_provider.advance_clock(601)
    assert _problem(_exchange(oauth_provider, fields, verifier), 401) == "token_expired"


def test_tokens_of_another_client_or_kind_are_rejected(oauth_provider: LoopbackProvider) -> None:
    oauth_provider.register(OAuth1Client(key="other", secret="other-secret"))
    fields = _temporary(oauth_provider)
    verifier = dict(parse_qsl(_approve(oauth_provider, fields["oauth_token"]).text))[
        "oauth_verifier"
    ]
    # The right token and secret, but signed as another consumer (§3.2: the token must
    # belong to the client).
    stranger = _client(
        oauth_provider,
        "other",
        resource_owner_key=fields["oauth_token"],
        resource_owner_secret=fields["oauth_token_secret"],
        verifier=verifier,
    )
    assert _problem(_send(stranger, oauth_provider.access_token_url), 401) == "token_rejected"
    # Temporary credentials are not token credentials: the resource refuses them.
    temporary = _client(
        oauth_provider,
        resource_owner_key=fields["oauth_token"],
        resource_owner_secret=fields["oauth_token_secret"],
    )
    refused = _send(temporary, oauth_provider.oauth1_resource_url, "GET")
    assert _problem(refused, 401) == "token_rejected"


# Ofly.


def _ofly_query(
    provider: LoopbackProvider,
    url: str,
    *,
    app: OflyApp | None = None,
    method: OflyHashMethod = OflyHashMethod.SHA1,
    **params: str,
) -> dict[str, str]:
    app = app or provider.ofly_app()
    moment = datetime.fromtimestamp(provider.now(), timezone.utc)
    signed = sign_ofly_params(
        url,
        OflyCredentials(app_id=app.app_id, app_secret=app.app_secret),
        list(params.items()),
        hash_method=method,
        now=lambda: moment,
    )
    return dict(signed)


def _ofly_get(url: str, query: dict[str, str]) -> requests.Response:
    return requests.get(f"{url}?{urlencode(query)}", timeout=10)


def test_ofly_resource_refusals(oauth_provider: LoopbackProvider) -> None:
    url = oauth_provider.ofly_resource_url
    good = _ofly_query(oauth_provider, url, oflyUserid="alice")
    assert _ofly_get(url, good).status_code == 200
    for name in ("oflyAppId", "oflyHashMeth", "oflyTimestamp", "oflyApiSig"):
        partial = {key: value for key, value in good.items() if key != name}
        missing = _ofly_get(url, partial)
        assert missing.status_code == 400
        assert missing.json()["error"] == "invalid_request"
    assert _ofly_get(url, {**good, "oflyAppId": "nobody"}).status_code == 401
    assert _ofly_get(url, {**good, "oflyHashMeth": "SHA256"}).status_code == 401
    # A timestamp in oauthcore's form but no valid date.
    for stamp in ("2024-02-30T10:00:00.000Z", "2024-01-01T25:00:00.000Z"):
        invalid = _ofly_get(url, {**good, "oflyTimestamp": stamp})
        assert invalid.status_code == 400
        assert invalid.json()["error"] == "invalid_request"
    # A request path that cannot be signed (an invalid percent-escape, sent as is).
    connection = http.client.HTTPConnection("127.0.0.1", urlsplit(url).port)
    with closing(connection):
        connection.request("GET", f"/ofly/resource/a%zz?{urlencode(good)}")
        bad_path = connection.getresponse()
        assert bad_path.status == 400
        assert json.loads(bad_path.read())["error"] == "invalid_request"
    assert oauth_provider.internal_errors == ()


def test_ofly_authorize_refusals(oauth_provider: LoopbackProvider) -> None:
    url = oauth_provider.ofly_authorize_url
    good = _ofly_query(oauth_provider, url)
    forged = _ofly_get(url, {**good, "oflyApiSig": "0" * 40})
    assert forged.status_code == 401
    assert forged.json()["error"] == "invalid_signature"
    oauth_provider.auto_approve = False
    denied = _ofly_get(url, _ofly_query(oauth_provider, url))
    assert denied.status_code == 403
    assert denied.json()["error"] == "access_denied"

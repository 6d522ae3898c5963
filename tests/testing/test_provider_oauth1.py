"""The OAuth 1.0a side of the loopback provider, driven by an independent client: oauthlib.

oauthlib's ``oauthlib.oauth1.Client`` signs every request (all seven signature methods, the
three placements), ``requests`` sends it; the provider must accept every correct request and
refuse tampered, replayed or out-of-order ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from oauthlib import oauth1

from oauthcore.testing import Endpoint, LoopbackProvider, OAuth1Client, TokenKind

METHODS = [
    oauth1.SIGNATURE_HMAC_SHA1,
    oauth1.SIGNATURE_HMAC_SHA256,
    oauth1.SIGNATURE_HMAC_SHA512,
    oauth1.SIGNATURE_RSA_SHA1,
    oauth1.SIGNATURE_RSA_SHA256,
    oauth1.SIGNATURE_RSA_SHA512,
    oauth1.SIGNATURE_PLAINTEXT,
]
PLACEMENTS = [
    oauth1.SIGNATURE_TYPE_AUTH_HEADER,
    oauth1.SIGNATURE_TYPE_QUERY,
    oauth1.SIGNATURE_TYPE_BODY,
]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class RsaPair:
    private_pem: str
    public_pem: str


@pytest.fixture(scope="session")
def rsa_pair() -> RsaPair:
    """A 2048-bit RSA key pair, made with ``cryptography`` (tests only)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return RsaPair(private_pem=private.decode("ascii"), public_pem=public.decode("ascii"))


def _client_kwargs(provider: LoopbackProvider, method: str, rsa_pair: RsaPair) -> dict[str, str]:
    if method.startswith("RSA"):
        provider.register(OAuth1Client(key="rsa-client", rsa_public_key=rsa_pair.public_pem))
        return {"client_key": "rsa-client", "rsa_key": rsa_pair.private_pem}
    client = provider.oauth1_client()
    return {"client_key": client.key, "client_secret": client.secret}


def _send(
    client: oauth1.Client, method: str, url: str, body: str | None = None
) -> requests.Response:
    if client.signature_type == oauth1.SIGNATURE_TYPE_BODY and body is None:
        body = "step=1"  # oauthlib puts the parameters into a form body only if there is one
    headers = dict(FORM) if body is not None else {}
    uri, signed_headers, signed_body = client.sign(
        url, http_method=method, body=body, headers=headers or None
    )
    return requests.request(
        method, uri, headers=signed_headers, data=signed_body, allow_redirects=False, timeout=10
    )


def _dance(
    provider: LoopbackProvider, kwargs: dict[str, str], method: str, placement: str
) -> tuple[str, str]:
    """Temporary credentials, auto-approval (oob), token credentials; return the token."""
    common = {**kwargs, "signature_method": method, "signature_type": placement}
    temporary = oauth1.Client(callback_uri="oob", **common)
    response = _send(temporary, "POST", provider.request_token_url)
    assert response.status_code == 200, response.text
    fields = dict(parse_qsl(response.text))
    assert fields["oauth_callback_confirmed"] == "true"

    approval = requests.get(
        provider.authorize_url, params={"oauth_token": fields["oauth_token"]}, timeout=10
    )
    verifier = dict(parse_qsl(approval.text))["oauth_verifier"]

    exchange = oauth1.Client(
        resource_owner_key=fields["oauth_token"],
        resource_owner_secret=fields["oauth_token_secret"],
        verifier=verifier,
        **common,
    )
    response = _send(exchange, "POST", provider.access_token_url)
    assert response.status_code == 200, response.text
    token = dict(parse_qsl(response.text))
    assert token["user_id"] == "alice"
    return token["oauth_token"], token["oauth_token_secret"]


# Every method in the header; every placement with each HMAC method and PLAINTEXT, and with
# one RSA method (oauthlib's RSA signing is slow: the whole matrix would cost seconds).
CASES = [(m, p) for m in METHODS for p in PLACEMENTS if not m.startswith("RSA")] + [
    (m, p)
    for m in METHODS
    for p in PLACEMENTS
    if m.startswith("RSA") and (p == oauth1.SIGNATURE_TYPE_AUTH_HEADER or m.endswith("256"))
]


@pytest.mark.parametrize(("method", "placement"), CASES)
def test_oauthlib_dance_and_resource(
    oauth_provider: LoopbackProvider, rsa_pair: RsaPair, method: str, placement: str
) -> None:
    kwargs = _client_kwargs(oauth_provider, method, rsa_pair)
    token, secret = _dance(oauth_provider, kwargs, method, placement)
    client = oauth1.Client(
        resource_owner_key=token,
        resource_owner_secret=secret,
        signature_method=method,
        signature_type=placement,
        **kwargs,
    )
    in_body = placement == oauth1.SIGNATURE_TYPE_BODY  # oauthlib signs no GET body: POST
    read = "POST" if in_body else "GET"
    got = _send(client, read, oauth_provider.oauth1_resource_url + "/photos?size=original")
    assert got.status_code == 200, got.text
    echo = got.json()
    assert echo["user"] == "alice"
    assert echo["client_key"] == kwargs["client_key"]
    assert echo["signature_method"] == method
    assert echo["path"] == "/oauth1/resource/photos"
    assert echo["method"] == read
    assert echo["params"] == [["size", "original"]] + ([["step", "1"]] if in_body else [])

    posted = _send(client, "POST", oauth_provider.oauth1_resource_url, body="a=1&a=2&b=%C3%A9")
    assert posted.status_code == 200, posted.text
    assert sorted(map(tuple, posted.json()["params"])) == [("a", "1"), ("a", "2"), ("b", "é")]


def test_callback_uri_is_redirected_to_with_the_verifier(
    oauth_provider: LoopbackProvider,
) -> None:
    client = oauth_provider.oauth1_client()
    temporary = oauth1.Client(
        client.key, client_secret=client.secret, callback_uri="http://127.0.0.1:9/cb?x=1"
    )
    fields = dict(parse_qsl(_send(temporary, "POST", oauth_provider.request_token_url).text))
    approval = requests.get(
        oauth_provider.authorize_url,
        params={"oauth_token": fields["oauth_token"]},
        allow_redirects=False,
        timeout=10,
    )
    assert approval.status_code == 302
    location = urlsplit(approval.headers["Location"])
    assert (location.netloc, location.path) == ("127.0.0.1:9", "/cb")
    query = dict(parse_qsl(location.query))
    assert query["x"] == "1"
    assert query["oauth_token"] == fields["oauth_token"]
    assert query["oauth_verifier"]


def _oob_temporary(provider: LoopbackProvider) -> tuple[oauth1.Client, dict[str, str], str]:
    client = provider.oauth1_client()
    temporary = oauth1.Client(client.key, client_secret=client.secret, callback_uri="oob")
    fields = dict(parse_qsl(_send(temporary, "POST", provider.request_token_url).text))
    approval = requests.get(
        provider.authorize_url, params={"oauth_token": fields["oauth_token"]}, timeout=10
    )
    return temporary, fields, dict(parse_qsl(approval.text))["oauth_verifier"]


def _exchange(
    provider: LoopbackProvider, fields: dict[str, str], verifier: str
) -> requests.Response:
    client = provider.oauth1_client()
    exchange = oauth1.Client(
        client.key,
        client_secret=client.secret,
        resource_owner_key=fields["oauth_token"],
        resource_owner_secret=fields["oauth_token_secret"],
        verifier=verifier,
    )
    return _send(exchange, "POST", provider.access_token_url)


def test_temporary_credentials_are_used_once(oauth_provider: LoopbackProvider) -> None:
    _, fields, verifier = _oob_temporary(oauth_provider)
    assert _exchange(oauth_provider, fields, verifier).status_code == 200
    again = _exchange(oauth_provider, fields, verifier)
    assert again.status_code == 401
    assert dict(parse_qsl(again.text))["oauth_problem"] == "token_used"


def test_wrong_verifier_is_refused(oauth_provider: LoopbackProvider) -> None:
    _, fields, _ = _oob_temporary(oauth_provider)
    refused = _exchange(oauth_provider, fields, "not-the-verifier")
    assert refused.status_code == 401
    assert dict(parse_qsl(refused.text))["oauth_problem"] == "token_rejected"
    assert refused.headers["WWW-Authenticate"].startswith("OAuth realm=")


def test_missing_callback_is_refused(oauth_provider: LoopbackProvider) -> None:
    client = oauth_provider.oauth1_client()
    plain = oauth1.Client(client.key, client_secret=client.secret)
    refused = _send(plain, "POST", oauth_provider.request_token_url)
    assert refused.status_code == 400
    assert dict(parse_qsl(refused.text))["oauth_problem"] == "parameter_absent"


@pytest.mark.checklist("J4")
def test_replayed_request_is_refused(oauth_provider: LoopbackProvider) -> None:
    client = oauth_provider.oauth1_client()
    signer = oauth1.Client(client.key, client_secret=client.secret, callback_uri="oob")
    uri, headers, body = signer.sign(oauth_provider.request_token_url, http_method="POST")
    first = requests.post(uri, headers=headers, data=body, timeout=10)
    second = requests.post(uri, headers=headers, data=body, timeout=10)
    assert first.status_code == 200
    assert second.status_code == 401
    assert dict(parse_qsl(second.text))["oauth_problem"] == "nonce_used"


def test_bad_signature_and_unknown_client_are_refused(oauth_provider: LoopbackProvider) -> None:
    client = oauth_provider.oauth1_client()
    wrong = oauth1.Client(client.key, client_secret="wrong", callback_uri="oob")
    refused = _send(wrong, "POST", oauth_provider.request_token_url)
    assert (refused.status_code, dict(parse_qsl(refused.text))["oauth_problem"]) == (
        401,
        "signature_invalid",
    )
    stranger = oauth1.Client("nobody", client_secret="x", callback_uri="oob")
    refused = _send(stranger, "POST", oauth_provider.request_token_url)
    assert dict(parse_qsl(refused.text))["oauth_problem"] == "consumer_key_unknown"
    logged = oauth_provider.requests_to(Endpoint.OAUTH1_REQUEST_TOKEN)
    assert [entry.error for entry in logged] == ["signature_invalid", "consumer_key_unknown"]


def test_method_not_registered_for_the_client_is_refused(
    oauth_provider: LoopbackProvider, rsa_pair: RsaPair
) -> None:
    # An HMAC-only client may not sign with RSA, even with a key (checklist J7).
    client = oauth_provider.oauth1_client()
    rsa = oauth1.Client(
        client.key,
        signature_method=oauth1.SIGNATURE_RSA_SHA256,
        rsa_key=rsa_pair.private_pem,
        callback_uri="oob",
    )
    refused = _send(rsa, "POST", oauth_provider.request_token_url)
    assert dict(parse_qsl(refused.text))["oauth_problem"] == "signature_method_rejected"


def test_issued_oauth1_tokens_are_listed(oauth_provider: LoopbackProvider) -> None:
    _, fields, verifier = _oob_temporary(oauth_provider)
    token = dict(parse_qsl(_exchange(oauth_provider, fields, verifier).text))["oauth_token"]
    (temporary,) = oauth_provider.issued_tokens(TokenKind.OAUTH1_TEMPORARY)
    (access,) = oauth_provider.issued_tokens(TokenKind.OAUTH1_ACCESS)
    assert temporary.used
    assert access.value == token
    assert access.username == "alice"
    assert access.grant_id == temporary.grant_id

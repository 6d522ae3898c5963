"""oauthcore's OAuth 1.0a core against Authlib's Flask OAuth 1 server, over loopback HTTP.

The provider (``providers/authlib_oauth1.py``) is Authlib 1.9's
``authlib.integrations.flask_oauth1`` ``AuthorizationServer`` and ``ResourceProtector``, which
verify every request independently of oauthcore. Each test runs the RFC 5849 §2 redirection
flow with oauthcore's builders, parsers and ``credentials_flow`` under
:func:`oauthcore.flows.drive`, then signs resource requests with ``sign_request``;
``requests`` is only the transport (the ``send`` fixture of ``conftest.py``).
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl

import pytest

from oauthcore.errors import TokenResponseError
from oauthcore.flows import drive
from oauthcore.http import Request
from oauthcore.oauth1 import (
    Placement,
    SignatureMethod,
    TokenCredentials,
    build_authorization_url,
    build_temporary_credentials_request,
    build_token_request,
    credentials_flow,
    parse_authorization_callback,
    sign_request,
)
from oauthcore.rsa import RSAPrivateKey, load_private_key

from .conftest import USER, RunningProvider, Send, json_object
from .oauth1_helpers import (
    CALLBACK,
    FORM_TYPE,
    dance,
    oauth1_client,
    temporary_credentials,
)

# Repeated names, "+" as a space, reserved characters escaped and not (checklist E3, E6).
QUERY = "a=2&a=1&c=x+y&d=%7E%2A%3B&e=f%3Dg"
QUERY_PARAMS = [["a", "1"], ["a", "2"], ["c", "x y"], ["d", "~*;"], ["e", "f=g"]]
# Authlib flattens the form body (form.to_dict(flat=True)): no repeated names here.
FORM = "name=J%C3%BCrgen&plus=a%2Bb&space=a+b&empty="
FORM_PARAMS = [["empty", ""], ["name", "Jürgen"], ["plus", "a+b"], ["space", "a b"]]
METHODS = [SignatureMethod.HMAC_SHA1, SignatureMethod.RSA_SHA1, SignatureMethod.PLAINTEXT]


@pytest.fixture(scope="module")
def provider(authlib_oauth1_provider: RunningProvider) -> RunningProvider:
    return authlib_oauth1_provider


@pytest.fixture(scope="module")
def rsa_key(provider: RunningProvider) -> RSAPrivateKey:
    return load_private_key(provider.clients["relaxed"]["rsa_private_key"])


@pytest.mark.checklist("C2", "E3", "E6")
@pytest.mark.parametrize("placement", list(Placement), ids=str)
@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.value)
def test_redirection_flow_and_resource_requests(
    send: Send,
    provider: RunningProvider,
    rsa_key: RSAPrivateKey,
    method: SignatureMethod,
    placement: Placement,
) -> None:
    assert method.value in provider.clients["relaxed"]["signature_methods"]
    client = oauth1_client(provider, method, rsa_key=rsa_key)
    token = dance(send, provider, client, placement)
    assert token.secret
    resource = provider.endpoints["resource"]

    # A GET whose query is signed and sent as built (not for the body placement: RFC 5849
    # §3.5.2 puts the parameters in a form body, which a GET does not have).
    if placement is not Placement.BODY:
        answer = send(
            sign_request(
                Request(method="GET", url=f"{resource}?{QUERY}"), client, token, placement=placement
            )
        )
        assert answer.status == 200
        assert json_object(answer) == {
            "user": USER,
            "client_key": client.key,
            "signature_method": method.value,
            "params": QUERY_PARAMS,
        }

    # A POST with both a query and a form body: both are signed (§3.4.1.3.1).
    answer = send(
        sign_request(
            Request(
                method="POST", url=f"{resource}?{QUERY}", headers=FORM_TYPE, body=FORM.encode()
            ),
            client,
            token,
            placement=placement,
        )
    )
    assert answer.status == 200
    assert json_object(answer)["params"] == sorted(QUERY_PARAMS + FORM_PARAMS)


def test_authlib_confirms_the_callback_with_a_capital_true(
    send: Send, provider: RunningProvider, rsa_key: RSAPrivateKey
) -> None:
    """A provider deviation, not an oauthcore bug (Authlib 1.9).

    RFC 5849 §2.1: ``oauth_callback_confirmed`` "MUST be present and set to ``true``".
    Authlib form-encodes the Python value ``True``, so the wire says ``True``. oauthcore
    compares it case-insensitively (OAuth 1.0a is still recognised, checklist J8), which is
    why every dance above succeeds. When this test fails, Authlib sends ``true``.
    """
    client = oauth1_client(provider, SignatureMethod.HMAC_SHA1, rsa_key=rsa_key)
    request = build_temporary_credentials_request(
        provider.endpoints["request_token"], client, callback=CALLBACK
    )
    answer = send(request)
    assert answer.status == 200
    assert dict(parse_qsl(answer.body.decode("ascii")))["oauth_callback_confirmed"] == "True"


def test_a_replayed_request_is_refused(
    send: Send, provider: RunningProvider, rsa_key: RSAPrivateKey
) -> None:
    client = oauth1_client(provider, SignatureMethod.HMAC_SHA1, rsa_key=rsa_key)
    token = dance(send, provider, client, Placement.HEADER)
    signed = sign_request(Request(method="GET", url=provider.endpoints["resource"]), client, token)
    assert send(signed).status == 200
    assert send(signed).status == 401  # same nonce and timestamp (RFC 5849 §3.3)


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.value)
def test_a_wrong_client_secret_is_refused(
    send: Send, provider: RunningProvider, rsa_key: RSAPrivateKey, method: SignatureMethod
) -> None:
    client = oauth1_client(provider, method, rsa_key=rsa_key)
    if method.is_rsa:
        # The secret is not part of an RSA signature (RFC 5849 §3.4.3): tamper the request.
        request = build_temporary_credentials_request(
            provider.endpoints["request_token"], client, callback=CALLBACK
        )
        tampered = replace(request, url=request.url + "?extra=1")
        answer = send(tampered)
    else:
        wrong = replace(client, secret=client.secret + "x")
        with pytest.raises(TokenResponseError) as caught:
            temporary_credentials(send, provider, wrong, Placement.HEADER)
        assert caught.value.status == 401
        return
    assert answer.status == 401


def test_a_token_from_a_finished_dance_cannot_be_redeemed_twice(
    send: Send, provider: RunningProvider, rsa_key: RSAPrivateKey
) -> None:
    # RFC 5849 §2.3: the temporary credentials are spent once exchanged.
    client = oauth1_client(provider, SignatureMethod.HMAC_SHA1, rsa_key=rsa_key)
    temporary = temporary_credentials(send, provider, client, Placement.HEADER)
    url = build_authorization_url(provider.endpoints["authorize"], temporary)
    location = send(Request(method="GET", url=url, headers=(("X-Test-User", USER),))).header(
        "Location"
    )
    assert location is not None
    callback = parse_authorization_callback(location, expected_token=temporary.token)

    def exchange() -> TokenCredentials:
        request = build_token_request(
            provider.endpoints["access_token"], client, temporary, verifier=callback.verifier
        )
        return drive(credentials_flow(request, temporary=False), send)

    assert exchange().token
    with pytest.raises(TokenResponseError) as caught:
        exchange()
    assert caught.value.status == 401


def test_authlib_flask_refuses_a_non_ascii_query(
    send: Send, provider: RunningProvider, rsa_key: RSAPrivateKey
) -> None:
    """A provider bug, not an oauthcore one (Authlib 1.9's Flask integration).

    ``authlib.integrations.flask_oauth1`` builds its ``OAuth1Request`` from Werkzeug's
    ``request.url``, an IRI in which ``%C3%A9`` has become ``é``; Authlib's ``url_decode``
    then refuses the query with a ``ValueError``: ``500``. Here the query carries the client
    key (``é``, the protocol parameters in the query, RFC 5849 §3.5.3). The provider's other
    endpoints hand Authlib the URI as received, and there the same request passes. When this
    test fails, Authlib has fixed it: drop ``RawUriServer`` and ``RawUriProtector``.
    """
    client = oauth1_client(provider, SignatureMethod.HMAC_SHA1, rsa_key=rsa_key)
    assert not client.key.isascii()

    def temporary_request(url: str) -> Request:
        return build_temporary_credentials_request(
            url, client, callback=CALLBACK, placement=Placement.QUERY
        )

    assert send(temporary_request(provider.endpoints["stock_request_token"])).status == 500
    assert send(temporary_request(provider.endpoints["request_token"])).status == 200

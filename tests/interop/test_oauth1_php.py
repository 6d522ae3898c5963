"""oauthcore's OAuth 1.0a core against PHP's PECL ``oauth`` ``OAuthProvider``, over loopback HTTP.

The provider (``providers/php_oauth.py`` starting ``php -S`` on ``providers/php_oauth/``) is
the PECL extension's C implementation, older than oauthlib and Authlib and independent of
both: it collects the parameters, rebuilds the signed URL from the request and compares
signatures itself. Each test runs the RFC 5849 §2 redirection flow with oauthcore's builders,
parsers and ``credentials_flow`` under :func:`oauthcore.flows.drive`, then signs resource
requests with ``sign_request``; ``requests`` is only the transport (the ``send`` fixture of
``conftest.py``).

Where PECL departs from RFC 5849 a test pins it (the ``test_pecl_*`` tests): one value per
parameter name, PHP's renaming of parameter names, no RSA verification, secrets used as given,
no body hash, and no form body outside POST. The other tests avoid those cases.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from oauthcore.errors import TokenResponseError
from oauthcore.flows import drive
from oauthcore.http import Request, Response
from oauthcore.oauth1 import (
    ClientCredentials,
    Placement,
    SignatureMethod,
    base_string_uri,
    build_authorization_url,
    build_temporary_credentials_request,
    build_token_request,
    credentials_flow,
    parse_authorization_header,
    sign_request,
    signature_base_string,
)
from oauthcore.rsa import RSAPrivateKey, load_private_key

from .conftest import USER, RunningProvider, Send, json_object
from .oauth1_helpers import (
    CALLBACK,
    FORM_TYPE,
    approve,
    dance,
    oauth1_client,
    temporary_credentials,
)

# Non-ASCII (upper- and lower-case hex), "+" as a space, reserved characters escaped and not,
# ";" as data rather than a separator, a name without "=" (checklist E3, E4, F9). No name
# twice and none shared with the form: PHP keeps one value per name (see the PECL tests).
QUERY = "b=%E2%98%83&c=x+y&d=%7E%2A%3B&e=f;g&flag&h=%e2%98%83"
QUERY_PARAMS = [
    ["b", "☃"],
    ["c", "x y"],
    ["d", "~*;"],
    ["e", "f;g"],
    ["flag", ""],
    ["h", "☃"],
]
FORM = "name=J%C3%BCrgen&plus=a%2Bb&space=a+b&empty="
FORM_PARAMS = [["empty", ""], ["name", "Jürgen"], ["plus", "a+b"], ["space", "a b"]]

METHODS = [SignatureMethod.HMAC_SHA1, SignatureMethod.HMAC_SHA256, SignatureMethod.PLAINTEXT]
PLACEMENTS = list(Placement)


@pytest.fixture(scope="module")
def provider(php_oauth_provider: RunningProvider) -> RunningProvider:
    return php_oauth_provider


def _problem(response: Response) -> dict[str, str]:
    """The OAuth Problem Reporting fields of a refusal.

    ``oauth_problem`` comes first; PECL appends one more field unencoded (``debug_sbs``, the
    server's signature base string, or ``oauth_parameters_absent``), so split only once.
    """
    first, _, rest = response.body.decode("utf-8").partition("&")
    fields = {}
    for field in (first, rest) if rest else (first,):
        name, _, value = field.partition("=")
        fields[name] = value
    return fields


@pytest.mark.checklist("C2", "E3", "E4", "F5", "F9")
@pytest.mark.parametrize("placement", PLACEMENTS, ids=str)
@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.value)
def test_redirection_flow_and_resource_requests(
    send: Send, provider: RunningProvider, method: SignatureMethod, placement: Placement
) -> None:
    data = provider.clients["relaxed"]
    assert method.value in data["signature_methods"]
    assert placement.value in data["placements"]
    # The relaxed secret needs escaping everywhere, PLAINTEXT in the query and body included.
    client = oauth1_client(provider, method)
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
        data = json_object(answer)
        assert data["user"] == USER
        assert data["client_key"] == client.key
        assert data["signature_method"] == method.value
        assert data["method"] == "GET"
        assert data["params"] == QUERY_PARAMS

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
    data = json_object(answer)
    assert data["user"] == USER
    assert data["method"] == "POST"
    assert data["params"] == sorted(QUERY_PARAMS + FORM_PARAMS)


def test_out_of_band_callback(send: Send, provider: RunningProvider) -> None:
    client = oauth1_client(provider)
    temporary = drive(
        credentials_flow(
            build_temporary_credentials_request(
                provider.endpoints["request_token"], client, callback="oob", version=True
            ),
            temporary=True,
        ),
        send,
    )
    answer = approve(send, build_authorization_url(provider.endpoints["authorize"], temporary))
    # With "oob" the provider shows the verifier instead of redirecting (RFC 5849 §2.2).
    assert answer.status == 200
    shown = dict(parse_qsl(answer.body.decode()))
    assert shown["oauth_token"] == temporary.token
    token = drive(
        credentials_flow(
            build_token_request(
                provider.endpoints["access_token"],
                client,
                temporary,
                verifier=shown["oauth_verifier"],
            ),
            temporary=False,
        ),
        send,
    )
    signed = sign_request(Request(method="GET", url=provider.endpoints["resource"]), client, token)
    assert send(signed).status == 200


@pytest.mark.checklist("E2")
def test_realm_in_the_header(send: Send, provider: RunningProvider) -> None:
    # realm is an RFC 2617 quoted-string and is not signed (RFC 5849 §3.4.1.3.1, §3.5.1);
    # OAuthProvider reads only the oauth_* parameters of the header.
    client = oauth1_client(provider)
    token = dance(send, provider, client)
    signed = sign_request(
        Request(method="GET", url=provider.endpoints["resource"] + "?x=1"),
        client,
        token,
        realm='Photos "and" \\ more',
    )
    assert (signed.header("Authorization") or "").startswith(
        'OAuth realm="Photos \\"and\\" \\\\ more", '
    )
    answer = send(signed)
    assert answer.status == 200
    assert json_object(answer)["params"] == [["x", "1"]]


@pytest.mark.checklist("F5")
def test_host_is_signed_as_sent(send: Send, provider: RunningProvider) -> None:
    # OAuthProvider rebuilds the signed URL from the Host header as received, with its port.
    client = oauth1_client(provider)
    token = dance(send, provider, client)
    port = urlsplit(provider.base_url).port
    signed = sign_request(
        Request(method="GET", url=f"http://localhost:{port}/resource?x=1"), client, token
    )
    answer = send(signed)
    assert answer.status == 200
    assert json_object(answer)["user"] == USER


def test_provider_refuses_a_wrong_client_secret(send: Send, provider: RunningProvider) -> None:
    # The control: the provider really verifies, so the passing tests above mean agreement.
    data = provider.clients["relaxed"]
    client = ClientCredentials(key=data["key"], secret=data["secret"] + "x")
    with pytest.raises(TokenResponseError) as caught:
        temporary_credentials(send, provider, client)
    assert caught.value.status == 401
    assert "signature_invalid" in str(caught.value)


def test_provider_refuses_a_wrong_verifier(send: Send, provider: RunningProvider) -> None:
    client = oauth1_client(provider)
    temporary = temporary_credentials(send, provider, client)
    approval = approve(send, build_authorization_url(provider.endpoints["authorize"], temporary))
    assert approval.status == 302
    request = build_token_request(
        provider.endpoints["access_token"], client, temporary, verifier="not-the-verifier"
    )
    with pytest.raises(TokenResponseError) as caught:
        drive(credentials_flow(request, temporary=False), send)
    assert caught.value.status == 401
    assert "verifier_invalid" in str(caught.value)


@pytest.mark.parametrize(
    # PLAINTEXT signs no parameter at all (RFC 5849 §3.4.4): nothing to tamper with.
    "method",
    [m for m in METHODS if m is not SignatureMethod.PLAINTEXT],
    ids=lambda m: m.value,
)
def test_provider_refuses_a_tampered_resource_request(
    send: Send, provider: RunningProvider, method: SignatureMethod
) -> None:
    client = oauth1_client(provider, method)
    token = dance(send, provider, client)
    signed = sign_request(
        Request(method="GET", url=provider.endpoints["resource"] + "?amount=1"), client, token
    )
    tampered = Request(
        method=signed.method, url=signed.url.replace("=1", "=9"), headers=signed.headers
    )
    answer = send(tampered)
    assert answer.status == 401
    problem = _problem(answer)
    assert problem["oauth_problem"] == "signature_invalid"
    assert "amount%3D9" in problem["debug_sbs"]  # the server signed what it received


def test_provider_refuses_a_replayed_request(send: Send, provider: RunningProvider) -> None:
    client = oauth1_client(provider)
    token = dance(send, provider, client)
    signed = sign_request(Request(method="GET", url=provider.endpoints["resource"]), client, token)
    assert send(signed).status == 200
    replayed = send(signed)  # same nonce and timestamp (RFC 5849 §3.3)
    assert replayed.status == 401
    assert _problem(replayed)["oauth_problem"] == "nonce_used"


# PECL's departures from RFC 5849, pinned. When one of these fails, PECL (or PHP) changed:
# widen the tests above accordingly.


def test_pecl_keeps_one_value_per_parameter_name(send: Send, provider: RunningProvider) -> None:
    """PHP's ``$_GET`` / ``$_POST`` keep one value per name, and OAuthProvider signs those.

    RFC 5849 §3.4.1.3.2 signs every pair, repeated names sorted by value; PECL's base string
    has only the last ``a`` of the query, and a name in both the query and the form body only
    once (the query's). oauthcore signs all of them (checklist E6), so PECL refuses.
    """
    client = oauth1_client(provider)
    token = dance(send, provider, client)
    resource = provider.endpoints["resource"]
    answer = send(sign_request(Request(method="GET", url=f"{resource}?a=2&a=1"), client, token))
    assert answer.status == 401
    problem = _problem(answer)
    assert problem["oauth_problem"] == "signature_invalid"
    assert "a%3D1%26" in problem["debug_sbs"]
    assert "a%3D2" not in problem["debug_sbs"]

    both = Request(method="POST", url=f"{resource}?a=1", headers=FORM_TYPE, body=b"a=2")
    answer = send(sign_request(both, client, token))
    assert answer.status == 401
    assert "a%3D2" not in _problem(answer)["debug_sbs"]


def test_pecl_signs_parameter_names_as_php_renamed_them(
    send: Send, provider: RunningProvider
) -> None:
    """PHP turns ``.`` and spaces in parameter names into ``_`` when it fills ``$_GET``.

    OAuthProvider signs the renamed parameter, so a name with a dot never verifies.
    """
    client = oauth1_client(provider)
    token = dance(send, provider, client)
    url = provider.endpoints["resource"] + "?a.b=1"
    answer = send(sign_request(Request(method="GET", url=url), client, token))
    assert answer.status == 401
    problem = _problem(answer)
    assert problem["oauth_problem"] == "signature_invalid"
    assert "a_b%3D1" in problem["debug_sbs"]


@pytest.fixture(scope="module")
def rsa_key() -> RSAPrivateKey:
    # PECL registers no public key anywhere: any private key shows the point.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return load_private_key(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@pytest.mark.parametrize(
    ("method", "status", "problem"),
    [
        # OAuthProvider knows the name RSA-SHA1 but has no way to be given the client's public
        # key (it "signs" with a private key it never has), so no RSA signature ever verifies.
        (SignatureMethod.RSA_SHA1, 401, "signature_invalid"),
        # Methods outside PECL's four are refused by name.
        (SignatureMethod.RSA_SHA256, 400, "signature_method_rejected"),
        (SignatureMethod.HMAC_SHA512, 400, "signature_method_rejected"),
    ],
    ids=lambda v: v.value if isinstance(v, SignatureMethod) else None,
)
def test_pecl_verifies_no_rsa_and_no_sha512(
    send: Send,
    provider: RunningProvider,
    rsa_key: RSAPrivateKey,
    method: SignatureMethod,
    status: int,
    problem: str,
) -> None:
    data = provider.clients["relaxed"]
    client = ClientCredentials(
        key=data["key"],
        secret=data["secret"],
        signature_method=method,
        rsa_key=rsa_key if method.is_rsa else None,
    )
    assert method.value not in provider.clients["relaxed"]["signature_methods"]
    with pytest.raises(TokenResponseError) as caught:
        temporary_credentials(send, provider, client)
    assert caught.value.status == status
    assert problem in str(caught.value)


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.value)
def test_pecl_uses_the_secrets_as_given(
    send: Send, provider: RunningProvider, method: SignatureMethod
) -> None:
    """OAuthProvider does not encode the secrets its handlers give it (RFC 5849 §3.4.2).

    It keys HMAC (and compares PLAINTEXT) with ``consumer_secret&token_secret`` exactly as
    set, where PECL's own client class encodes each secret first. The provider's handlers
    encode them with ``oauth_urlencode``; ``verbatim/request_token`` hands the secret over as
    registered, and a correct signature is refused there although both sides build the same
    base string. Only secrets that need escaping are affected.
    """
    client = oauth1_client(provider, method)
    request = build_temporary_credentials_request(
        provider.endpoints["verbatim_request_token"], client, callback=CALLBACK
    )
    answer = send(request)
    assert answer.status == 401
    problem = _problem(answer)
    assert problem["oauth_problem"] == "signature_invalid"
    _, pairs = parse_authorization_header(request.header("Authorization") or "")
    ours = signature_base_string(
        "POST",
        base_string_uri(request.url),
        [(name, value) for name, value in pairs if name != "oauth_signature"],
    )
    assert problem["debug_sbs"] == ours

    # The same client at the endpoint whose handler encodes the secret.
    assert temporary_credentials(send, provider, client).token


def test_pecl_does_not_check_the_body_hash(send: Send, provider: RunningProvider) -> None:
    """The body-hash extension (``oauth_body_hash``) is not implemented by PECL.

    oauthcore signs a non-form body's hash; OAuthProvider verifies the signature over
    ``oauth_body_hash`` as a plain parameter and never hashes the body, so a changed body is
    accepted.
    """
    client = oauth1_client(provider)
    token = dance(send, provider, client)
    signed = sign_request(
        Request(
            method="PUT",
            url=provider.endpoints["resource"],
            headers=(("Content-Type", "application/json"),),
            body=b'{"amount": 1}',
        ),
        client,
        token,
    )
    assert "oauth_body_hash" in (signed.header("Authorization") or "")
    changed = Request(
        method=signed.method, url=signed.url, headers=signed.headers, body=b'{"amount": 9}'
    )
    answer = send(changed)
    assert answer.status == 200
    assert json_object(answer)["params"] == []


def test_pecl_reads_a_form_body_only_in_a_post(send: Send, provider: RunningProvider) -> None:
    """PHP fills ``$_POST`` for POST only, so OAuthProvider finds no form body in a PUT.

    RFC 5849 §3.4.1.3.1 signs a form body whatever the method; with the body placement
    (§3.5.2) a PUT's oauth_* parameters are not seen at all.
    """
    client = oauth1_client(provider)
    token = dance(send, provider, client)
    for method, status in (("POST", 200), ("PUT", 400)):
        signed = sign_request(
            Request(
                method=method, url=provider.endpoints["resource"], headers=FORM_TYPE, body=b"x=1"
            ),
            client,
            token,
            placement=Placement.BODY,
        )
        answer = send(signed)
        assert answer.status == status
    assert _problem(answer)["oauth_problem"] == "parameter_absent"

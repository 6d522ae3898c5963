"""Hypothesis properties of OAuth 1.0a signing, placement and verification.

Round trips (sign then verify, header build then parse), invariants (parameter order, nonce
charset), the typed-error contract of every parser (T2), and differential checks against
oauthlib, a test-only oracle never imported by the package (T3). The ``ci`` profile runs each
property 1,000 times; the RSA ones are capped because each RSA signature costs milliseconds.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import replace
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from oauthlib.common import urldecode
from oauthlib.oauth1 import Client as OAuthlibClient
from oauthlib.oauth1.rfc5849 import signature as oauthlib_signature
from strategies import (
    FORM,
    HMAC_METHODS,
    JSON_TYPE,
    NOW,
    REQUEST_TAMPERS,
    RSA_METHODS,
    WINDOW,
    RequestParts,
    SigningCase,
    credential_text,
    flip_signature_bit,
    nonces,
    oauth_params_of,
    param_text,
    request_parts,
    sign_case,
    signing_cases,
)

from oauthcore import OAuthError, SignatureError
from oauthcore.http import Request, Response
from oauthcore.oauth1 import (
    ClientCredentials,
    Consumer,
    NonceCache,
    Placement,
    SignatureMethod,
    Signer,
    TokenCredentials,
    VerifiedRequest,
    build_authorization_header,
    new_nonce,
    parse_authorization_callback,
    parse_authorization_header,
    parse_credentials_response,
    sign_base_string,
    sign_request,
    signature_base_string,
    verify_request,
)
from oauthcore.rsa import RSAPrivateKey, load_private_key

# A module-level key rather than a fixture: the strategies need it when the tests are defined.
# 2048 bits, generated with cryptography once per run (tens of milliseconds).
_CRYPTO_KEY = crypto_rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PEM = _CRYPTO_KEY.private_bytes(
    serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8,
    serialization.NoEncryption(),
).decode("ascii")
RSA_KEY: RSAPrivateKey = load_private_key(RSA_PEM)
# oauthlib (through PyJWT) also takes a loaded cryptography key, which spares it parsing and
# validating the PEM on every signature; the same key, so the oracle is unchanged.
ORACLE_RSA_KEY = _CRYPTO_KEY

NON_RSA = (*HMAC_METHODS, SignatureMethod.PLAINTEXT)
NO_BODY = st.just("none")
RSA_EXAMPLES = settings(max_examples=50, suppress_health_check=[HealthCheck.too_slow])


# --- the base string does not depend on parameter order ------------------------------------------


def _params() -> st.SearchStrategy[list[tuple[str, str]]]:
    # §3.4.1.3.1: oauth_signature is never part of the base string, so it is not drawn here.
    name = param_text().filter(lambda n: n != "oauth_signature")
    return st.lists(st.tuples(name, param_text()), max_size=6)


@pytest.mark.checklist("E6")
@given(
    parts=request_parts(schemes=st.sampled_from(["https", "http", "HTTPS"]), body_kinds=NO_BODY),
    params=_params(),
    data=st.data(),
)
def test_base_string_ignores_parameter_order(
    parts: RequestParts, params: list[tuple[str, str]], data: st.DataObject
) -> None:
    shuffled_query = data.draw(st.permutations(parts.query))
    shuffled_params = data.draw(st.permutations(params))
    first = signature_base_string(parts.method, parts.url, params)
    second = signature_base_string(
        parts.method, replace(parts, query=tuple(shuffled_query)).url, shuffled_params
    )
    assert first == second
    # Moving a parameter between the query and the other sources changes nothing either.
    if parts.query:
        moved = replace(parts, query=parts.query[1:])
        name, value = parts.query[0]
        if name or value is not None:
            assert (
                signature_base_string(parts.method, moved.url, [*params, (name, value or "")])
                == first
            )


# --- verify(sign(x)) holds and any single tampering fails ----------------------------------------


def _server_for(
    case: SigningCase,
    *,
    consumer_secret: str | None = None,
    token_secret: str | None = None,
) -> Callable[[Request], VerifiedRequest]:
    """A verifier that knows every key and token, with the case's secrets unless overridden."""
    methods = frozenset(RSA_METHODS) if case.method.is_rsa else frozenset(NON_RSA)
    secret = case.client.secret if consumer_secret is None else consumer_secret
    tsecret = "" if case.token is None else case.token.secret
    tsecret = tsecret if token_secret is None else token_secret

    def get_consumer(key: str) -> Consumer:
        return Consumer(
            key=key,
            secret=secret,
            rsa_public_key=RSA_KEY.public_key() if case.method.is_rsa else None,
            allowed_methods=methods,
        )

    def verify(request: Request) -> VerifiedRequest:
        return verify_request(
            request,
            get_consumer=get_consumer,
            get_token_secret=lambda consumer, token: tsecret,
            check_nonce=NonceCache(now=lambda: NOW),
            token_required=case.token is not None,
            now=lambda: NOW,
        )

    return verify


def _check_round_trip_and_tampering(case: SigningCase, data: st.DataObject) -> None:
    request = sign_case(case)
    verified = _server_for(case)(request)
    assert verified.consumer.key == case.client.key
    assert verified.token == (None if case.token is None else case.token.token)
    assert verified.signature_method is case.method
    assert (verified.timestamp, verified.nonce) == (case.timestamp, case.nonce)
    assert (verified.realm, verified.callback) == (case.realm, case.callback)
    assert verified.verifier == case.verifier

    # One change, drawn among those that apply: (request, consumer secret, token secret) as
    # the verifier sees them. PLAINTEXT signs nothing but the secrets, so only the secrets and
    # the signature itself are tampered with there; RSA uses no secret at all.
    candidates: dict[str, tuple[Request, str | None, str | None]] = {}
    bit = data.draw(st.integers(0, 511), label="bit")
    candidates["signature bit"] = (flip_signature_bit(request, bit), None, None)
    if not case.method.is_rsa:
        candidates["consumer secret"] = (request, case.client.secret + "x", None)
        if case.token is not None:
            candidates["token secret"] = (request, None, case.token.secret + "x")
    if case.method is not SignatureMethod.PLAINTEXT:
        for name, tamper in REQUEST_TAMPERS.items():
            changed = tamper(request)
            if changed is not None:
                candidates[name] = (changed, None, None)
    chosen = data.draw(st.sampled_from(sorted(candidates)), label="tamper")
    changed, consumer_secret, token_secret = candidates[chosen]
    verify = _server_for(case, consumer_secret=consumer_secret, token_secret=token_secret)
    with pytest.raises(SignatureError):
        verify(changed)


@pytest.mark.checklist("E3", "E4", "J10")
@given(case=signing_cases(methods=st.sampled_from(NON_RSA)), data=st.data())
def test_verify_sign_round_trip_hmac_and_plaintext(case: SigningCase, data: st.DataObject) -> None:
    _check_round_trip_and_tampering(case, data)


@pytest.mark.checklist("E3", "J10")
@RSA_EXAMPLES
@given(case=signing_cases(methods=st.sampled_from(RSA_METHODS), rsa_key=RSA_KEY), data=st.data())
def test_verify_sign_round_trip_rsa(case: SigningCase, data: st.DataObject) -> None:
    _check_round_trip_and_tampering(case, data)


# --- a prepared Signer signs exactly as sign_request does ---------------------------------------


def _check_signer_equals_sign_request(case: SigningCase) -> None:
    expected = sign_case(case)
    # The prepared key is copied for each request, never used up: the same Signer signs the
    # request again to the same octets.
    signer = Signer(case.client, case.token)
    assert sign_case(case, signer=signer) == expected
    assert sign_case(case, signer=signer) == expected


@pytest.mark.checklist("E3", "J10")
@given(case=signing_cases(methods=st.sampled_from(NON_RSA)))
def test_signer_signs_as_sign_request(case: SigningCase) -> None:
    _check_signer_equals_sign_request(case)


@pytest.mark.checklist("J10")
@RSA_EXAMPLES
@given(case=signing_cases(methods=st.sampled_from(RSA_METHODS), rsa_key=RSA_KEY))
def test_signer_signs_as_sign_request_rsa(case: SigningCase) -> None:
    _check_signer_equals_sign_request(case)


# --- the Authorization header round trip ---------------------------------------------------------

_printable_ascii = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E))
# Excluded names: "" (a header auth-param name is a non-empty token) and "realm" (reserved for
# the realm itself, RFC 5849 §3.5.1); build_authorization_header cannot carry either.
_header_names = param_text(min_size=1).filter(lambda name: name != "realm")


@pytest.mark.checklist("E2", "E3", "E4")
@given(
    params=st.lists(st.tuples(_header_names, param_text()), max_size=8),
    realm=st.one_of(st.none(), _printable_ascii, st.sampled_from(['"', "\\", '\\"', 'a", b="c'])),
)
def test_header_build_parse_round_trip(params: list[tuple[str, str]], realm: str | None) -> None:
    header = build_authorization_header(params, realm=realm)
    assert parse_authorization_header(header) == (realm, params)
    assert not re.search(r"[\x00-\x1f\x7f]", header)  # nothing that could split a header (E1)


# --- every parser returns or raises OAuthError, nothing else (T2) --------------------------------

_OAUTH_NAMES = (
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_signature",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_version",
    "oauth_callback",
    "oauth_verifier",
    "oauth_body_hash",
    "realm",
    "x",
)
_soup_char = st.one_of(
    st.sampled_from('%"\\=, \t+&;/'),
    st.sampled_from("0123456789ABCDEFabcdef"),
    st.characters(),
)
_soup_value = st.text(_soup_char, max_size=12)


def _joined(pieces: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(pieces, max_size=30).map("".join)


@st.composite
def header_soup(draw: st.DrawFn) -> str:
    """Authorization values that look enough like OAuth to reach deep into the parser."""
    parts = []
    for _ in range(draw(st.integers(0, 8))):
        name = draw(st.one_of(st.sampled_from(_OAUTH_NAMES), _soup_value))
        value = draw(_soup_value)
        quoted = draw(st.sampled_from(['"{}"', "{}", '"{}', '{}"']))
        parts.append(f"{name}={quoted.format(value)}")
    separator = draw(st.sampled_from([", ", ",", " ", "", ",\t", " , "]))
    scheme = draw(st.sampled_from(["OAuth ", "oauth ", "OAuth\t", "OAuth", "Bearer ", ""]))
    return scheme + separator.join(parts) + draw(st.sampled_from(["", " ", ",", "\t"]))


def _only_oauth_errors(call: Callable[[], object]) -> None:
    # Anything but an OAuthError propagates and fails the property.
    with contextlib.suppress(OAuthError):
        call()


@pytest.mark.checklist("M1", "M4")
@given(value=st.one_of(st.text(), header_soup()))
def test_parse_authorization_header_total(value: str) -> None:
    _only_oauth_errors(lambda: parse_authorization_header(value))


_headers = st.lists(
    st.tuples(st.sampled_from(["Content-Type", "content-type", "X"]), st.text(max_size=40)),
    max_size=3,
).map(tuple)


@pytest.mark.checklist("J3")
@given(
    status=st.integers(100, 599),
    headers=st.one_of(_headers, st.just((("Content-Type", JSON_TYPE),))),
    body=st.one_of(
        st.binary(),
        st.builds(lambda text: text.encode("utf-8"), st.text()),
        st.builds(
            lambda pairs: "&".join(f"{n}={v}" for n, v in pairs).encode("utf-8", "replace"),
            st.lists(
                st.tuples(
                    st.sampled_from(
                        ["oauth_token", "oauth_token_secret", "oauth_callback_confirmed", "x"]
                    ),
                    _soup_value,
                ),
                max_size=5,
            ),
        ),
        st.sampled_from(
            [
                b'{"oauth_token": 1e400, "oauth_token_secret": "s"}',
                b'{"oauth_token": "t", "oauth_token_secret": ' + b"1" * 5000 + b"}",
                b"[" * 100_000,
                b'{"oauth_token": "\\ud800", "oauth_token_secret": ""}',
            ]
        ),
    ),
    temporary=st.booleans(),
)
def test_parse_credentials_response_total(
    status: int, headers: tuple[tuple[str, str], ...], body: bytes, temporary: bool
) -> None:
    response = Response(status=status, headers=headers, body=body)
    _only_oauth_errors(lambda: parse_credentials_response(response, temporary=temporary))


_callback_urls = st.one_of(
    st.text(),
    st.builds(
        lambda q: "https://client.example/cb?" + q,
        _joined(st.one_of(_soup_char, st.sampled_from(["oauth_token=", "oauth_verifier=", "&"]))),
    ),
)


@given(url=_callback_urls, expected=st.one_of(st.none(), st.text(max_size=5)))
def test_parse_authorization_callback_total(url: str, expected: str | None) -> None:
    _only_oauth_errors(lambda: parse_authorization_callback(url, expected_token=expected))


def _lenient_verify(request: Request) -> VerifiedRequest:
    """Verify with a server that knows every consumer ("cs") and token ("ts")."""
    return verify_request(
        request,
        get_consumer=lambda key: Consumer(key=key, secret="cs", allowed_methods=frozenset(NON_RSA)),
        get_token_secret=lambda consumer, token: "ts",
        check_nonce=NonceCache(now=lambda: NOW),
        token_required=False,
        now=lambda: NOW,
    )


def _verify_anything(request_factory: Callable[[], Request]) -> None:
    # Request() itself may raise ConfigurationError, which is an OAuthError too.
    _only_oauth_errors(lambda: _lenient_verify(request_factory()))


_any_url = st.one_of(
    st.text(),
    st.builds(lambda rest: "https://" + rest, st.text()),
    st.builds(
        lambda q: "https://h.example/p?" + q,
        _joined(st.one_of(_soup_char, st.sampled_from(["oauth_", "="]))),
    ),
)


@pytest.mark.checklist("M1")
@given(
    method=st.one_of(st.just("GET"), st.text(max_size=5)),
    url=_any_url,
    authorization=st.one_of(st.none(), st.text(), header_soup()),
    content_type=st.one_of(st.none(), st.just(FORM), st.text(max_size=20)),
    body=st.one_of(st.binary(max_size=40), _soup_value.map(lambda t: t.encode("utf-8", "replace"))),
)
def test_verify_request_total(
    method: str, url: str, authorization: str | None, content_type: str | None, body: bytes
) -> None:
    headers = []
    if authorization is not None:
        headers.append(("Authorization", authorization))
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    _verify_anything(lambda: Request(method=method, url=url, headers=tuple(headers), body=body))


def _signed_pool() -> list[Request]:
    """Valid requests signed with the secrets _verify_anything knows: every non-RSA method,
    placement, body kind, with and without token, query and callback included."""
    pool = []
    for method in NON_RSA:
        for placement in Placement:
            for body, content_type in (
                (b"", None),
                (b"a=1&b=%E2%98%83", FORM),
                (b'{"a":1}', JSON_TYPE),
            ):
                if placement is Placement.BODY and content_type == JSON_TYPE:
                    continue
                for token in (None, TokenCredentials(token="tk", secret="ts")):
                    headers = () if content_type is None else (("Content-Type", content_type),)
                    request = Request(
                        method="POST",
                        url="https://h.example/p?q=1&q=%20",
                        headers=headers,
                        body=body,
                    )
                    pool.append(
                        sign_request(
                            request,
                            ClientCredentials(key="ck", secret="cs", signature_method=method),
                            token,
                            placement=placement,
                            realm="r" if placement is Placement.HEADER else None,
                            callback=None if token else "https://c.example/cb",
                            verifier="v" if token else None,
                            now=lambda: NOW,
                            nonce=lambda: "nonce-1",
                        )
                    )
    return pool


SIGNED_POOL = _signed_pool()


@st.composite
def mutated_requests(draw: st.DrawFn) -> Callable[[], Request]:
    """A validly signed request with one to three characters of its URL, header or body
    inserted, replaced or deleted."""
    request = draw(st.sampled_from(SIGNED_POOL))
    target = draw(st.sampled_from(["url", "header", "body"]))
    if target == "header" and request.header("Authorization") is None:
        target = "url"
    if target == "url":
        text = request.url
    elif target == "header":
        text = request.header("Authorization") or ""
    else:
        text = request.body.decode("utf-8")
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["insert", "replace", "delete"]))
        char = "" if edit == "delete" else draw(_soup_char)
        text = text[:position] + char + text[position + (0 if edit == "insert" else 1) :]
    changed = text

    def build() -> Request:
        if target == "url":
            return replace(request, url=changed)
        if target == "header":
            return request.with_header("Authorization", changed)
        return replace(request, body=changed.encode("utf-8", "surrogatepass"))

    return build


def test_signed_pool_verifies() -> None:
    # The pool is valid to begin with, so the mutations start from requests that verify.
    for request in SIGNED_POOL:
        _lenient_verify(request)


@pytest.mark.checklist("M1")
@given(factory=mutated_requests())
def test_verify_request_total_on_mutated_requests(factory: Callable[[], Request]) -> None:
    _verify_anything(factory)


# Lone surrogates: a Python str may hold them (from surrogateescape decoding, say). Beside a
# '%' escape they once escaped percent_decode as UnicodeEncodeError; the examples pin that.
_with_surrogates = st.text(st.characters(categories=["Cs", "Ll", "Po", "Nd"]))


@pytest.mark.checklist("E3")
@given(value=_with_surrogates)
@example(value='OAuth a="%41\ud800"')
@example(value='OAuth realm="\udc80", oauth_nonce="%\ud800"')
def test_parse_authorization_header_total_with_surrogates(value: str) -> None:
    _only_oauth_errors(lambda: parse_authorization_header(value))


@pytest.mark.checklist("E3")
@given(url=_with_surrogates)
@example(url="https://client.example/cb?oauth_token=%41\ud800&oauth_verifier=v")
def test_parse_authorization_callback_total_with_surrogates(url: str) -> None:
    _only_oauth_errors(lambda: parse_authorization_callback(url))


@pytest.mark.checklist("E3")
@given(authorization=_with_surrogates, url=_with_surrogates)
@example(authorization='OAuth oauth_consumer_key="%41\ud800"', url="https://h.example/")
@example(authorization="OAuth x=y", url="https://h.example/\ud800?oauth_nonce=%41\udc00")
def test_verify_request_total_with_surrogates(authorization: str, url: str) -> None:
    headers = (("Authorization", authorization),)
    _verify_anything(lambda: Request(method="GET", url=url, headers=headers))


# --- differential: oauthlib as an oracle ---------------------------------------------------------
#
# Domain where oauthlib and oauthcore both follow RFC 5849, and why each restriction:
# - ASCII DNS hosts, no IP literals: oauthlib keeps IDN U-labels in the base string (F3) and
#   rewrites IP literals through ipaddress; oauthcore signs A-labels and the host as sent.
# - no ';' in the path: oauthlib's urlparse splits ";params" off the last segment and drops a
#   trailing empty one; RFC 5849 §3.4.1.2 keeps the path as is.
# - queries and bodies are well-formed form encodings of UTF-8 text: oauthlib decodes with
#   errors="replace" and refuses characters outside its own set; oauthcore keeps any octets.
# - no lone surrogates (no UTF-8 form; a typed error in oauthcore).
# - oauth_body_hash only with SHA-1 methods: oauthlib hashes with SHA-1 whatever the method,
#   oauthcore with the method's own hash. oauthlib also hashes an empty non-form body,
#   oauthcore only a non-empty one by default, so JSON bodies here are never empty.
# - GET/HEAD carry no form body (oauthlib refuses it); form bodies are non-empty.


@pytest.mark.checklist("E3", "E4", "J11")
@given(
    parts=request_parts(schemes=st.sampled_from(["https", "http", "HTTPS"])),
    params=_params(),
    client_secret=credential_text(),
    token_secret=credential_text(),
)
def test_base_string_and_signatures_equal_oauthlib(
    parts: RequestParts, params: list[tuple[str, str]], client_secret: str, token_secret: str
) -> None:
    ours = signature_base_string(parts.method, parts.url, [*params, *_form_params(parts)])
    collected = urldecode(parts.query_string) + params + _form_params(parts)
    theirs = oauthlib_signature.signature_base_string(
        parts.method,
        oauthlib_signature.base_string_uri(parts.url),
        oauthlib_signature.normalize_parameters(collected),
    )
    assert ours == str(theirs)
    # The same base string signed by both, with every shared-secret method (RFC 5849 §3.4.2,
    # §3.4.4, and the SHA-256/512 variants).
    for method in NON_RSA:
        signature = sign_base_string(
            ours, method, client_secret=client_secret, token_secret=token_secret
        )
        assert signature == _oracle_signature(method, ours, client_secret, token_secret)


def _form_params(parts: RequestParts) -> list[tuple[str, str]]:
    return list(urldecode(parts.form_string)) if parts.body_kind == "form" else []


_ORACLE_SIGNERS: dict[SignatureMethod, Callable[[str, SimpleNamespace], object]] = {
    SignatureMethod.HMAC_SHA1: oauthlib_signature.sign_hmac_sha1_with_client,
    SignatureMethod.HMAC_SHA256: oauthlib_signature.sign_hmac_sha256_with_client,
    SignatureMethod.HMAC_SHA512: oauthlib_signature.sign_hmac_sha512_with_client,
    SignatureMethod.RSA_SHA1: oauthlib_signature.sign_rsa_sha1_with_client,
    SignatureMethod.RSA_SHA256: oauthlib_signature.sign_rsa_sha256_with_client,
    SignatureMethod.RSA_SHA512: oauthlib_signature.sign_rsa_sha512_with_client,
    SignatureMethod.PLAINTEXT: oauthlib_signature.sign_plaintext_with_client,
}


def _oracle_signature(
    method: SignatureMethod, base: str, client_secret: str, token_secret: str
) -> str:
    # The *_with_client forms: sign_hmac_sha1 and friends warn (DeprecationWarning).
    client = SimpleNamespace(
        client_secret=client_secret, resource_owner_secret=token_secret, rsa_key=ORACLE_RSA_KEY
    )
    return str(_ORACLE_SIGNERS[method](base, client))


@pytest.mark.checklist("J9")
@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(parts=request_parts(), params=_params(), method=st.sampled_from(RSA_METHODS))
def test_rsa_signature_equals_oauthlib(
    parts: RequestParts, params: list[tuple[str, str]], method: SignatureMethod
) -> None:
    # PKCS#1 v1.5 is deterministic: both libraries must give the same octets (RFC 8017 §8.2).
    base = signature_base_string(parts.method, parts.url, params)
    ours = sign_base_string(base, method, rsa_key=RSA_KEY)
    assert ours == _oracle_signature(method, base, "", "")


@st.composite
def oracle_cases(draw: st.DrawFn, methods: st.SearchStrategy[SignatureMethod]) -> SigningCase:
    """A case oauthlib's Client can sign too (see the restrictions above), header placement."""
    method = draw(methods)
    sha1 = method in (SignatureMethod.HMAC_SHA1, SignatureMethod.RSA_SHA1)
    kinds = ["none", "form", "json"] if sha1 else ["none", "form"]
    parts = draw(request_parts(body_kinds=st.sampled_from(kinds), min_form=1))
    if parts.body_kind == "form" and parts.method.upper() in ("GET", "HEAD"):
        parts = replace(parts, method="POST")
    token = None
    if draw(st.booleans()):
        token = TokenCredentials(
            token=draw(credential_text(min_size=1)), secret=draw(credential_text())
        )
    case = SigningCase(
        parts=parts,
        client=ClientCredentials(
            key=draw(credential_text(min_size=1)),
            secret=draw(credential_text()),
            signature_method=method,
            rsa_key=RSA_KEY if method.is_rsa else None,
        ),
        token=token,
        placement=Placement.HEADER,
        realm=None,
        callback=draw(st.one_of(st.none(), param_text(min_size=1))),
        verifier=draw(st.one_of(st.none(), param_text(min_size=1))) if token else None,
        version=True,  # oauthlib always sends oauth_version="1.0"
        timestamp=NOW + draw(st.integers(-WINDOW, WINDOW)),
        nonce=draw(nonces),
    )
    return case


def _oauthlib_sign(case: SigningCase) -> list[tuple[str, str]]:
    parts = case.parts
    client = OAuthlibClient(
        case.client.key,
        client_secret=case.client.secret,
        resource_owner_key=None if case.token is None else case.token.token,
        resource_owner_secret=None if case.token is None else case.token.secret,
        callback_uri=case.callback,
        verifier=case.verifier,
        signature_method=case.method.value,
        rsa_key=ORACLE_RSA_KEY if case.method.is_rsa else None,
        timestamp=str(case.timestamp),
        nonce=case.nonce,
    )
    body = None if parts.body_kind == "none" else parts.body.decode("utf-8")
    _, headers, _ = client.sign(parts.url, parts.method, body, dict(parts.headers))
    return sorted(parse_authorization_header(str(headers["Authorization"]))[1])


def _check_full_request(case: SigningCase) -> None:
    # Every protocol parameter agrees, oauth_signature (and oauth_body_hash) included, from
    # sign_request and from a prepared Signer alike.
    theirs = _oauthlib_sign(case)
    assert sorted(oauth_params_of(sign_case(case))) == theirs
    assert (
        sorted(oauth_params_of(sign_case(case, signer=Signer(case.client, case.token)))) == theirs
    )


@pytest.mark.checklist("E3", "E4", "J10")
@given(case=oracle_cases(st.sampled_from(NON_RSA)))
def test_signed_request_equals_oauthlib(case: SigningCase) -> None:
    _check_full_request(case)


@pytest.mark.checklist("J10")
@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(case=oracle_cases(st.sampled_from(RSA_METHODS)))
def test_rsa_signed_request_equals_oauthlib(case: SigningCase) -> None:
    _check_full_request(case)


# --- nonces --------------------------------------------------------------------------------------


@pytest.mark.checklist("J1", "H8")
def test_nonces_are_unique_and_alphanumeric() -> None:
    # new_nonce's contract: 20-30 characters of [A-Za-z0-9] (what oauthlib's strictest
    # validator accepts), from at least 128 random bits, so never a repeat in 10^5 draws.
    draws = [new_nonce() for _ in range(100_000)]
    assert len(set(draws)) == len(draws)
    pattern = re.compile(r"[A-Za-z0-9]{20,30}")
    assert all(pattern.fullmatch(nonce) for nonce in draws)
    # Every character of the alphabet shows up: no stuck or missing symbols.
    assert set("".join(draws[:2000])) == set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    )


def test_signing_uses_a_fresh_nonce_each_time() -> None:
    client = ClientCredentials(key="ck", secret="cs")
    request = Request(method="GET", url="https://api.example.com/")
    seen = {
        dict(oauth_params_of(sign_request(request, client)))["oauth_nonce"] for _ in range(1000)
    }
    assert len(seen) == 1000

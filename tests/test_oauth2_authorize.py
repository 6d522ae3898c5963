"""The OAuth 2.0 authorization request and callback, PKCE and RFC 9207 (oauth2/authorize.py).

Unit tests per checklist row (B1–B12, K1–K6, F6, I1, I2, I4), the published vectors of
``vectors/oauth2/{rfc7636,rfc6749-authorize,rfc9207}.json``, hypothesis properties (round
trips, the typed-error contract of the parsers, canaries) and differential checks against
oauthlib, a test-only oracle.
"""

from __future__ import annotations

import copy
import json
import pickle
import string
import traceback
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar, cast
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from oauthlib.oauth2 import WebApplicationClient

from oauthcore.errors import (
    SERVER_ERRORS,
    AccessDeniedError,
    AuthorizationResponseError,
    ConfigurationError,
    InsecureTransportError,
    InvalidGrantError,
    InvalidRequestError,
    IssuerMismatchError,
    OAuthError,
    OAuthServerError,
    StateMismatchError,
)
from oauthcore.oauth2 import (
    AuthorizationCode,
    PendingAuthorization,
    PkceMethod,
    authorize,
    build_authorization_url,
    new_code_verifier,
    new_state,
    parse_authorization_response,
    parse_implicit_response,
    pkce,
    pkce_challenge,
    verify_pkce,
)
from oauthcore.oauth2.authorize import MAX_CALLBACK_LENGTH
from oauthcore.oauth2.client import ClientConfig

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "oauth2"
VECTOR_FILES = ("rfc7636.json", "rfc6749-authorize.json", "rfc9207.json")
UNRESERVED = string.ascii_letters + string.digits + "-._~"

E = TypeVar("E", bound=Exception)
REDIRECT = "https://client.example.com/cb"
ISSUER = "https://honest.as.example"
CLIENT = ClientConfig(
    client_id="s6BhdRkqt3",
    authorization_endpoint="https://server.example.com/authorize",
    redirect_uri=REDIRECT,
    issuer=ISSUER,
)
# Canaries: none of these may show up in a repr, a message or an exception chain (I2, I4).
STATE = "STATE-canary-5f2b9c1e"
VERIFIER = "VER-canary-" + "7d1e0a93" * 5  # 51 unreserved characters
CODE = "CODE-canary-b81c44e0"
NONCE = "NONCE-canary-93ab"
CANARIES = (STATE, VERIFIER, CODE, NONCE)
PENDING = PendingAuthorization(
    state=STATE,
    code_verifier=VERIFIER,
    code_challenge_method=PkceMethod.S256,
    redirect_uri=REDIRECT,
    issuer=ISSUER,
    nonce=NONCE,
    scope=("openid", "profile"),
)


def _counter_bytes() -> Callable[[int], bytes]:
    """A deterministic random source: each call returns the next block of a counter."""
    counter = iter(range(256))

    def draw(n: int) -> bytes:
        return bytes([next(counter)]) * n

    return draw


def _callback(base: str = REDIRECT, *, fragment: str = "", **params: str) -> str:
    query = urlencode(params)
    return f"{base}?{query}" + (f"#{fragment}" if fragment else "")


def _query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def _chain_text(error: BaseException) -> str:
    seen: list[str] = ["".join(traceback.format_exception(error))]
    current: BaseException | None = error
    while current is not None:
        seen.extend((str(current), repr(current), repr(current.args)))
        seen.extend(getattr(current, "__notes__", ()))
        current = current.__cause__ or current.__context__
    return "\n".join(seen)


def _assert_no_canary(text: str) -> None:
    for canary in CANARIES:
        for form in (canary, quote(canary, safe=""), canary.lower(), canary.upper()):
            assert form not in text


def _raises(call: Callable[[], object], kind: type[E]) -> E:
    with pytest.raises(kind) as info:
        call()
    _assert_no_canary(_chain_text(info.value))
    return info.value


# --- vectors ---------------------------------------------------------------------------------

CASES = [
    pytest.param(case, id=case["id"])
    for name in VECTOR_FILES
    for case in json.loads((VECTORS / name).read_text("utf-8"))["cases"]
]


def test_every_vector_has_a_source_and_a_unique_id() -> None:
    cases = [cast(dict[str, Any], param.values[0]) for param in CASES]
    assert len({case["id"] for case in cases}) == len(cases) >= 10
    assert all(case["source"] and case["kind"] for case in cases)
    for name in VECTOR_FILES:
        assert (
            "https://www.rfc-editor.org/rfc/" in json.loads((VECTORS / name).read_text())["source"]
        )


def _octets(values: list[int]) -> Callable[[int], bytes]:
    def draw(n: int) -> bytes:
        assert n == len(values)
        return bytes(values)

    return draw


def _vector_pending(given: dict[str, Any]) -> tuple[PendingAuthorization, ClientConfig]:
    pending = PendingAuthorization(
        state=given["state"], redirect_uri=given["redirect_uri"], issuer=given.get("issuer")
    )
    client = ClientConfig(
        client_id="s6BhdRkqt3",
        allow_insecure_transport=given.get("allow_insecure_transport", False),
    )
    return pending, client


def run_vector(case: dict[str, Any]) -> None:
    """Run one case of this area's vector file; tests/test_vectors.py calls it for every case."""
    kind, given, expected = case["kind"], case["input"], case["expected"]
    if kind == "pkce_challenge":
        assert pkce_challenge(given["verifier"], given["method"]) == expected["challenge"]
    elif kind == "new_code_verifier":
        draw = _octets(given["random_octets"])
        assert new_code_verifier(random_bytes=draw) == expected["code_verifier"]
    elif kind == "pkce_request_parameters":
        url, pending = build_authorization_url(
            CLIENT, state="xyz", random_bytes=_octets(given["random_octets"])
        )
        wanted = parse_qsl(expected["query"])
        assert [pair for pair in _query(url) if pair[0].startswith("code_")] == wanted
        assert pending.code_verifier == expected["code_verifier"]
    elif kind == "verify_pkce":
        verify_pkce(given["code_verifier"], given["code_challenge"], given["code_challenge_method"])
        assert expected["valid"] is True
    elif kind == "authorization_request":
        client = ClientConfig(
            client_id=given["client_id"],
            authorization_endpoint=given["authorization_endpoint"],
            redirect_uri=given["redirect_uri"],
        )
        url, pending = build_authorization_url(
            client, state=given["state"], pkce=given["pkce"], response_type=given["response_type"]
        )
        target = expected["request_line"].split(" ")[1]
        assert urlsplit(url).netloc == expected["host"]
        assert urlsplit(url).path == urlsplit(target).path
        assert sorted(_query(url)) == sorted(parse_qsl(urlsplit(target).query))
        assert pending.redirect_uri == given["redirect_uri"]
    elif kind == "authorization_response":
        pending, client = _vector_pending(given)
        got = parse_authorization_response(given["location"], pending, client=client)
        assert (got.code, got.state, got.iss) == (
            expected["code"],
            expected["state"],
            expected["iss"],
        )
    elif kind == "authorization_error_response":
        pending, client = _vector_pending(given)
        with pytest.raises(OAuthServerError) as info:
            parse_authorization_response(given["location"], pending, client=client)
        assert type(info.value) is SERVER_ERRORS[expected["error"]]
        assert info.value.error == expected["error"]
        assert info.value.error_description == expected["error_description"]
        assert info.value.error_uri == expected["error_uri"]
    elif kind == "implicit_response":
        pending, client = _vector_pending(given)
        got_params = parse_implicit_response(given["location"], pending, client=client)
        assert got_params == expected["params"]
    else:  # pragma: no cover - a new kind without a runner is a test bug
        pytest.fail(f"unknown vector kind {kind!r}")


# --- PKCE, client side -----------------------------------------------------------------------


@pytest.mark.checklist("K1")
def test_pkce_challenge_methods() -> None:
    verifier = "a" * 43
    assert pkce_challenge(verifier, "plain") == verifier
    assert pkce_challenge(verifier, PkceMethod.PLAIN) == verifier
    assert pkce_challenge(verifier) == pkce_challenge(verifier, PkceMethod.S256)
    assert str(PkceMethod.S256) == "S256"
    assert str(PkceMethod.PLAIN) == "plain"


@pytest.mark.checklist("K1", "K6")
@pytest.mark.parametrize("method", ["s256", "S-256", "S256 ", "PLAIN", "", "SHA256"])
def test_pkce_challenge_refuses_unknown_methods(method: str) -> None:
    with pytest.raises(ConfigurationError, match="code_challenge_method"):
        pkce_challenge("a" * 43, method)


@pytest.mark.checklist("K1", "I4")
@pytest.mark.parametrize(
    "verifier", ["a" * 42, "a" * 129, "VER-canary-" + "+" * 40, "é" * 43, "", "a" * 42 + " "]
)
def test_pkce_challenge_refuses_malformed_verifiers(verifier: str) -> None:
    error = _raises(lambda: pkce_challenge(verifier), ConfigurationError)
    assert "43-128" in str(error)  # _raises checked that the canary verifier is not echoed


@pytest.mark.checklist("K1")
def test_pkce_challenge_accepts_the_abnf_edges() -> None:
    assert len(pkce_challenge(UNRESERVED[:43])) == 43
    assert pkce_challenge("~" * 128, "plain") == "~" * 128


@pytest.mark.checklist("K1")
def test_new_code_verifier_is_43_unreserved_chars_and_unique() -> None:
    drawn = {new_code_verifier() for _ in range(10_000)}
    assert len(drawn) == 10_000
    for verifier in drawn:
        assert len(verifier) == 43
        assert not verifier.strip(UNRESERVED)


@pytest.mark.checklist("K1")
def test_new_code_verifier_uses_32_bytes_and_refuses_short_sources() -> None:
    asked: list[int] = []

    def source(n: int) -> bytes:
        asked.append(n)
        return b"\xff" * n

    assert new_code_verifier(random_bytes=source) == "_" * 42 + "8"
    assert asked == [32]
    with pytest.raises(ConfigurationError, match="32 bytes"):
        new_code_verifier(random_bytes=lambda n: b"\x00" * 16)


def test_new_state_is_url_safe_and_unique() -> None:
    drawn = {new_state() for _ in range(10_000)}
    assert len(drawn) == 10_000
    for state in drawn:
        assert len(state) == 43  # 256 bits
        assert quote(state, safe="") == state
    with pytest.raises(ConfigurationError):
        new_state(random_bytes=lambda n: b"")


@given(st.text(alphabet=UNRESERVED, min_size=43, max_size=128))
def test_pkce_challenge_matches_oauthlib(verifier: str) -> None:
    oracle = WebApplicationClient("client")
    assert pkce_challenge(verifier) == oracle.create_code_challenge(verifier, "S256")
    # oauthlib 4.0.1 returns None for an explicit "plain"; its default method is plain.
    assert pkce_challenge(verifier, "plain") == oracle.create_code_challenge(verifier)


@given(st.text(alphabet=UNRESERVED, min_size=43, max_size=128))
def test_pkce_challenge_shape(verifier: str) -> None:
    challenge = pkce_challenge(verifier)
    assert len(challenge) == 43
    assert not challenge.strip(UNRESERVED)
    verify_pkce(verifier, challenge, "S256")


# --- PendingAuthorization --------------------------------------------------------------------


@pytest.mark.checklist("I2")
def test_pending_authorization_masks_its_secrets() -> None:
    for text in (repr(PENDING), str(PENDING), f"{PENDING}", "%r" % (PENDING,)):  # noqa: UP031
        _assert_no_canary(text)
        assert "PkceMethod.S256" in text
        assert REDIRECT in text
    before = PENDING.to_dict()
    repr(PENDING)
    assert PENDING.to_dict() == before  # repr does not mutate


pending_strategy = st.builds(
    PendingAuthorization,
    state=st.text(alphabet=string.printable[:95], min_size=1, max_size=64),
    code_verifier=st.none(),
    code_challenge_method=st.none(),
    redirect_uri=st.sampled_from(
        [None, REDIRECT, "http://127.0.0.1:8080/cb", "com.example.app:/oauth2redirect"]
    ),
    issuer=st.one_of(st.none(), st.text(max_size=30)),
    nonce=st.one_of(st.none(), st.text(alphabet=UNRESERVED, min_size=1, max_size=20)),
    scope=st.one_of(st.none(), st.lists(st.text(max_size=10), max_size=4).map(tuple)),
)


@pytest.mark.checklist("I1")
@given(pending_strategy, st.one_of(st.none(), st.text(alphabet=UNRESERVED, min_size=43)))
def test_pending_authorization_round_trips_through_json(
    pending: PendingAuthorization, verifier: str | None
) -> None:
    if verifier is not None:
        pending = replace(
            pending, code_verifier=verifier[:128], code_challenge_method=PkceMethod.PLAIN
        )
    assert PendingAuthorization.from_dict(json.loads(json.dumps(pending.to_dict()))) == pending


@pytest.mark.checklist("I1")
def test_pending_authorization_pickles_and_copies() -> None:
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(PENDING, protocol)) == PENDING  # noqa: S301
    assert copy.copy(PENDING) == PENDING
    assert copy.deepcopy(PENDING) == PENDING
    assert PendingAuthorization.from_dict(PENDING.to_dict()) == PENDING


@pytest.mark.checklist("I1")
@pytest.mark.parametrize(
    "data",
    [
        [],
        {},
        {"state": 5},
        {"state": ""},
        {"state": "s\n"},
        {"state": "s", "unknown": 1},
        {"state": "s", "scope": "openid"},
        {"state": "s", "scope": ["a", 1]},
        {"state": "s", "code_verifier": 5, "code_challenge_method": "S256"},
        {"state": "s", "code_verifier": "a" * 43},
        {"state": "s", "code_verifier": "a" * 43, "code_challenge_method": "s256"},
        {"state": "s", "code_verifier": "short", "code_challenge_method": "S256"},
        {"state": "s", "code_challenge_method": "S256"},
        {"state": "s", "redirect_uri": 7},
        {"state": "s", "redirect_uri": "/relative"},
        {"state": "s", "issuer": ["x"]},
        {"state": "s", "nonce": ""},
    ],
)
def test_pending_authorization_refuses_garbage(data: object) -> None:
    with pytest.raises(ConfigurationError):
        PendingAuthorization.from_dict(data)  # type: ignore[arg-type]  # garbage on purpose


def test_pending_authorization_validates_when_built_directly() -> None:
    with pytest.raises(ConfigurationError, match="PkceMethod"):
        PendingAuthorization(
            state="s", code_verifier="a" * 43, code_challenge_method=cast(PkceMethod, "S256")
        )
    with pytest.raises(ConfigurationError, match="tuple"):
        PendingAuthorization(state="s", scope=cast(tuple[str, ...], ["a"]))


@pytest.mark.checklist("F6")
@pytest.mark.parametrize(
    "uri", [REDIRECT + "#frag", "com.example.app:/cb#x", "http://[::1/cb", "/cb", "a b:/c"]
)
def test_pending_authorization_refuses_unusable_redirect_uris(uri: str) -> None:
    with pytest.raises(ConfigurationError):
        PendingAuthorization(state="s", redirect_uri=uri)


# --- build_authorization_url -----------------------------------------------------------------


def test_build_authorization_url_defaults_to_code_state_and_s256() -> None:
    url, pending = build_authorization_url(CLIENT, random_bytes=_counter_bytes())
    params = dict(_query(url))
    assert url.startswith("https://server.example.com/authorize?response_type=code&")
    assert params["client_id"] == "s6BhdRkqt3"
    assert params["redirect_uri"] == REDIRECT
    assert params["state"] == pending.state == new_state(random_bytes=lambda n: b"\x00" * n)
    assert pending.code_verifier == new_code_verifier(random_bytes=lambda n: b"\x01" * n)
    assert params["code_challenge"] == pkce_challenge(pending.code_verifier)
    assert params["code_challenge_method"] == "S256"
    assert pending.code_challenge_method is PkceMethod.S256
    assert pending.issuer == ISSUER
    assert pending.redirect_uri == REDIRECT
    assert "scope" not in params
    assert "nonce" not in params
    assert pending.scope is None


@pytest.mark.checklist("K1")
def test_build_authorization_url_pkce_choices() -> None:
    url, pending = build_authorization_url(CLIENT, pkce=PkceMethod.PLAIN)
    params = dict(_query(url))
    assert params["code_challenge"] == pending.code_verifier
    assert params["code_challenge_method"] == "plain"
    url, pending = build_authorization_url(CLIENT, pkce=None)
    assert "code_challenge" not in dict(_query(url))
    assert pending.code_verifier is None
    assert pending.code_challenge_method is None
    with pytest.raises(ConfigurationError):
        build_authorization_url(CLIENT, pkce=cast(PkceMethod, "s256"))


def test_build_authorization_url_implicit_only_on_request() -> None:
    url, pending = build_authorization_url(CLIENT, response_type="token")
    params = dict(_query(url))
    assert params["response_type"] == "token"
    assert "code_challenge" not in params
    assert pending.code_verifier is None
    url, pending = build_authorization_url(CLIENT, response_type="code id_token", nonce="n")
    assert dict(_query(url))["code_challenge_method"] == "S256"
    assert pending.nonce == "n"


@pytest.mark.parametrize("response_type", ["", "code ", "code  token", "co-de", "códe", "a\nb"])
def test_build_authorization_url_refuses_bad_response_types(response_type: str) -> None:
    with pytest.raises(ConfigurationError, match="response_type"):
        build_authorization_url(CLIENT, response_type=response_type)


def test_build_authorization_url_scope_and_nonce() -> None:
    url, pending = build_authorization_url(CLIENT, scope="openid profile", nonce=NONCE)
    assert dict(_query(url))["scope"] == "openid profile"
    assert "scope=openid%20profile" in url
    assert pending.scope == ("openid", "profile")
    assert dict(_query(url))["nonce"] == NONCE
    url, pending = build_authorization_url(CLIENT, scope=["a", "https://x/y!#$"])
    assert dict(_query(url))["scope"] == "a https://x/y!#$"
    assert pending.scope == ("a", "https://x/y!#$")


@pytest.mark.parametrize(
    "scope", ["", "a  b", " a", 'a"b', "a\\b", "é", "a\tb", [], ["a", ""], ["a b"]]
)
def test_build_authorization_url_refuses_bad_scopes(scope: str | list[str]) -> None:
    with pytest.raises(ConfigurationError, match="NQCHAR"):
        build_authorization_url(CLIENT, scope=scope)


@pytest.mark.parametrize("value", ["", "a\nb", "é", "\x7f"])
def test_build_authorization_url_refuses_bad_state_or_nonce(value: str) -> None:
    with pytest.raises(ConfigurationError, match="state"):
        build_authorization_url(CLIENT, state=value)
    with pytest.raises(ConfigurationError, match="nonce"):
        build_authorization_url(CLIENT, nonce=value)


def test_build_authorization_url_merges_with_the_endpoint_query() -> None:
    client = ClientConfig(
        client_id="c", authorization_endpoint="https://as.example/auth?tenant=a%20b&x"
    )
    url, pending = build_authorization_url(
        client, extra=[("resource", "https://r1"), ("resource", "https://r2"), ("prompt", "x")]
    )
    pairs = _query(url)
    assert pairs[:2] == [("tenant", "a b"), ("x", "")]
    assert [v for k, v in pairs if k == "resource"] == ["https://r1", "https://r2"]
    assert "redirect_uri" not in dict(pairs)
    assert pending.redirect_uri is None


@pytest.mark.parametrize(
    ("endpoint", "extra"),
    [
        ("https://as.example/auth?state=1", []),
        ("https://as.example/auth?client%5Fid=1", []),
        ("https://as.example/auth?response_type=token", []),
        ("https://as.example/auth?prompt=login", [("prompt", "none")]),
        ("https://as.example/auth", [("state", "x")]),
        ("https://as.example/auth", [("code_challenge_method", "plain")]),
        ("https://as.example/auth", [("scope", "x")]),
    ],
)
def test_build_authorization_url_refuses_duplicate_parameters(
    endpoint: str, extra: list[tuple[str, str]]
) -> None:
    client = ClientConfig(client_id="c", authorization_endpoint=endpoint)
    with pytest.raises(ConfigurationError, match=r"§3\.1"):
        build_authorization_url(client, extra=extra)


def test_build_authorization_url_needs_an_endpoint() -> None:
    with pytest.raises(ConfigurationError, match="authorization_endpoint"):
        build_authorization_url(ClientConfig(client_id="c"))


@pytest.mark.checklist("F6")
def test_fragments_are_refused_in_endpoint_and_redirect_uri() -> None:
    with pytest.raises(ConfigurationError, match="fragment"):
        ClientConfig(client_id="c", authorization_endpoint="https://as.example/a#f")
    for uri in (REDIRECT + "#f", "com.example.app:/cb#f"):
        with pytest.raises(ConfigurationError, match="fragment"):
            build_authorization_url(CLIENT, redirect_uri=uri)


def test_build_authorization_url_redirect_uri_argument() -> None:
    url, pending = build_authorization_url(CLIENT, redirect_uri="com.example.app:/oauth2redirect")
    assert dict(_query(url))["redirect_uri"] == "com.example.app:/oauth2redirect"
    assert pending.redirect_uri == "com.example.app:/oauth2redirect"
    with pytest.raises(InsecureTransportError):
        build_authorization_url(CLIENT, redirect_uri="http://client.example.com/cb")
    for bad in ("http://[::1/cb", "/cb", "https://x/c b", "https://x/\r\n"):
        with pytest.raises(ConfigurationError):
            build_authorization_url(CLIENT, redirect_uri=bad)
    url, _ = build_authorization_url(CLIENT, redirect_uri="http://127.0.0.1:9000/cb")
    assert dict(_query(url))["redirect_uri"] == "http://127.0.0.1:9000/cb"


param_names = st.text(alphabet=string.ascii_letters + "_-.", min_size=1, max_size=12).filter(
    lambda name: name not in authorize._OURS and not name.startswith("x_")
)
param_values = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)
scope_tokens = st.lists(
    st.text(alphabet=string.printable[:94].replace('"', "").replace("\\", ""), min_size=1),
    min_size=1,
    max_size=4,
)
states = st.text(alphabet=string.printable[:95], min_size=1, max_size=40)


@given(
    scope=st.one_of(st.none(), scope_tokens),
    state=states,
    nonce=st.one_of(st.none(), states),
    extra=st.lists(st.tuples(param_names, param_values), max_size=4),
    own=st.lists(st.tuples(st.from_regex(r"x_[a-z]{1,5}", fullmatch=True), param_values)),
    pkce=st.sampled_from([None, PkceMethod.S256, PkceMethod.PLAIN]),
)
def test_built_urls_parse_back_to_the_same_parameters(
    scope: list[str] | None,
    state: str,
    nonce: str | None,
    extra: list[tuple[str, str]],
    own: list[tuple[str, str]],
    pkce: PkceMethod | None,
) -> None:
    endpoint = "https://as.example/authorize"
    if own:
        endpoint += "?" + urlencode(own, quote_via=quote)
    client = ClientConfig(client_id="c li/ent", authorization_endpoint=endpoint)
    url, pending = build_authorization_url(
        client, scope=scope, state=state, nonce=nonce, extra=extra, pkce=pkce
    )
    wanted = [*own, ("response_type", "code"), ("client_id", "c li/ent")]
    if scope is not None:
        wanted.append(("scope", " ".join(scope)))
    wanted.append(("state", state))
    if pkce is not None:
        assert pending.code_verifier is not None
        wanted.append(("code_challenge", pkce_challenge(pending.code_verifier, pkce)))
        wanted.append(("code_challenge_method", pkce.value))
    if nonce is not None:
        wanted.append(("nonce", nonce))
    assert _query(url) == [*wanted, *extra]
    assert "#" not in url
    assert PendingAuthorization.from_dict(json.loads(json.dumps(pending.to_dict()))) == pending


@given(
    scope=st.one_of(st.none(), scope_tokens),
    state=states,
    # oauthlib drops parameters whose value is empty.
    extra=st.lists(
        st.tuples(param_names, param_values.filter(bool)), max_size=4, unique_by=lambda p: p[0]
    ),
    redirect_uri=st.sampled_from([None, REDIRECT, "http://127.0.0.1:8000/cb"]),
)
def test_built_urls_match_oauthlib(
    scope: list[str] | None,
    state: str,
    extra: list[tuple[str, str]],
    redirect_uri: str | None,
) -> None:
    client = ClientConfig(
        client_id="s6BhdRkqt3", authorization_endpoint=CLIENT.authorization_endpoint
    )
    url, pending = build_authorization_url(
        client, scope=scope, state=state, extra=extra, redirect_uri=redirect_uri
    )
    assert pending.code_verifier is not None
    oracle = WebApplicationClient("s6BhdRkqt3").prepare_request_uri(
        CLIENT.authorization_endpoint,
        redirect_uri=redirect_uri,
        scope=scope,
        state=state,
        code_challenge=pkce_challenge(pending.code_verifier),
        code_challenge_method="S256",
        **dict(extra),
    )
    assert sorted(_query(url)) == sorted(_query(oracle))


# --- parse_authorization_response ------------------------------------------------------------


def test_parse_authorization_response_returns_the_code() -> None:
    got = parse_authorization_response(
        _callback(code=CODE, state=STATE, iss=ISSUER), PENDING, client=CLIENT
    )
    assert got == AuthorizationCode(code=CODE, state=STATE, iss=ISSUER)
    _assert_no_canary(repr(got) + str(got))
    no_iss = parse_authorization_response(_callback(code=CODE, state=STATE), PENDING)
    assert no_iss.iss is None


@pytest.mark.checklist("B1", "I4")
@pytest.mark.parametrize(
    "params",
    [
        {"code": CODE},
        {"code": CODE, "state": ""},
        {"code": CODE, "state": STATE + "x"},
        {"code": CODE, "state": STATE[:-1]},
        {"code": CODE, "state": STATE.upper()},
        {"code": CODE, "state": "STATE-canary-5f2b9c1f"},
        {"error": "access_denied", "state": "other"},
        {"error": "access_denied"},
        {"error": "server_error", "iss": "https://evil.example"},
    ],
)
def test_state_is_checked_first(params: dict[str, str]) -> None:
    _raises(
        lambda: parse_authorization_response(_callback(**params), PENDING, client=CLIENT),
        StateMismatchError,
    )


@pytest.mark.checklist("B1")
def test_state_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(authorize, "hmac", SimpleNamespace(compare_digest=spy))
    parse_authorization_response(_callback(code=CODE, state=STATE), PENDING)
    assert calls == [(STATE.encode(), STATE.encode())]


class SessionStore:
    """A server-side store of pending states keyed on (session, state) (checklist B2, B3)."""

    def __init__(self) -> None:
        self.items: set[tuple[str, str]] = set()

    def add(self, session: str, pending: PendingAuthorization) -> None:
        self.items.add((session, pending.state))

    def consumer(self, session: str) -> Callable[[str], bool]:
        def consume(state: str) -> bool:
            try:
                self.items.remove((session, state))
            except KeyError:
                return False
            return True

        return consume


@pytest.mark.checklist("B2")
def test_state_is_single_use() -> None:
    store = SessionStore()
    store.add("alice", PENDING)
    url = _callback(code=CODE, state=STATE)
    consume = store.consumer("alice")
    # A wrong state consumes nothing.
    _raises(
        lambda: parse_authorization_response(
            _callback(code=CODE, state="x"), PENDING, consume=consume
        ),
        StateMismatchError,
    )
    assert parse_authorization_response(url, PENDING, consume=consume).code == CODE
    error = _raises(
        lambda: parse_authorization_response(url, PENDING, consume=consume), StateMismatchError
    )
    assert "already used" in str(error)


@pytest.mark.checklist("B2")
def test_an_error_response_consumes_the_state_too() -> None:
    store = SessionStore()
    store.add("alice", PENDING)
    consume = store.consumer("alice")
    url = _callback(error="access_denied", state=STATE)
    _raises(lambda: parse_authorization_response(url, PENDING, consume=consume), AccessDeniedError)
    assert store.items == set()


@pytest.mark.checklist("B3")
def test_state_from_another_session_is_refused() -> None:
    store = SessionStore()
    store.add("alice", PENDING)
    url = _callback(code=CODE, state=STATE)
    _raises(
        lambda: parse_authorization_response(url, PENDING, consume=store.consumer("mallory")),
        StateMismatchError,
    )
    assert store.items == {("alice", STATE)}
    assert "session" in (parse_authorization_response.__doc__ or "")


@pytest.mark.checklist("B4", "I4")
@pytest.mark.parametrize(
    ("query", "name"),
    [
        (f"code=A&code={CODE}&state={STATE}", "code"),
        (f"code={CODE}&state={STATE}&state={STATE}", "state"),
        (f"code={CODE}&state={STATE}&iss=a&iss=b", "iss"),
        (f"code={CODE}&state={STATE}&error=a&error=b", "error"),
        (f"code={CODE}&state={STATE}&foo=1&foo=1", "foo"),
        (f"code={CODE}&state={STATE}&co%64e=x", "code"),
    ],
)
def test_duplicate_parameters_are_refused(query: str, name: str) -> None:
    error = _raises(
        lambda: parse_authorization_response(f"{REDIRECT}?{query}", PENDING),
        AuthorizationResponseError,
    )
    assert not isinstance(error, StateMismatchError)
    assert f"duplicate parameter {name!r}" in str(error)


@pytest.mark.checklist("B4")
def test_oauthlib_takes_the_last_duplicate() -> None:
    # The behaviour B4 guards against, observed in the oracle.
    client = WebApplicationClient("c")
    got = client.parse_request_uri_response(f"{REDIRECT}?code=A&code=B&state=s", state="s")
    assert got["code"] == "B"


@pytest.mark.checklist("B5")
@pytest.mark.parametrize(
    "url",
    [
        f"{REDIRECT}?state={STATE}#code={CODE}",
        f"{REDIRECT}?code={CODE}&state={STATE}#code={CODE}",
        f"{REDIRECT}?code={CODE}&state={STATE}#access_token=AT",
        f"{REDIRECT}#code={CODE}&state={STATE}",
        f"{REDIRECT}?code={CODE}&state={STATE}#a=%ff",
        f"{REDIRECT}?code={CODE}&state={STATE}#a=1&a=2",
    ],
)
def test_code_in_the_fragment_is_refused(url: str) -> None:
    error = _raises(lambda: parse_authorization_response(url, PENDING), AuthorizationResponseError)
    assert not isinstance(error, StateMismatchError)


@pytest.mark.checklist("B5")
def test_harmless_fragments_are_ignored() -> None:
    # Facebook appends "#_=_" to its redirects.
    url = _callback(code=CODE, state=STATE, fragment="_=_")
    assert parse_authorization_response(url, PENDING).code == CODE


@pytest.mark.checklist("B5")
def test_implicit_response_is_parsed_only_on_request() -> None:
    pending = PendingAuthorization(state=STATE, redirect_uri=REDIRECT)
    fragment = urlencode({"access_token": "AT-canary", "state": STATE, "token_type": "Bearer"})
    url = f"{REDIRECT}#{fragment}"
    assert parse_implicit_response(url, pending)["access_token"] == "AT-canary"
    with pytest.raises(AuthorizationResponseError):
        parse_authorization_response(url, pending)
    for bad, kind in (
        (f"{REDIRECT}#state={STATE}", AuthorizationResponseError),
        (f"{REDIRECT}#access_token=AT&state=no", StateMismatchError),
        (f"{REDIRECT}#error=access_denied&state={STATE}", AccessDeniedError),
        (f"https://client.example.com/other#{fragment}", AuthorizationResponseError),
    ):
        with pytest.raises(kind):
            parse_implicit_response(bad, pending)
    consumed: list[str] = []

    def consume(state: str) -> bool:
        consumed.append(state)
        return True

    parse_implicit_response(url, pending, consume=consume)
    assert consumed == [STATE]


@pytest.mark.checklist("B6")
@pytest.mark.parametrize(
    "iss",
    [
        ISSUER + "/",
        "https://HONEST.as.example",
        "HTTPS://honest.as.example",
        "http://honest.as.example",
        "https://honest.as.example:443",
        "https://evil.example",
        "",
        " " + ISSUER,
    ],
)
def test_iss_must_equal_the_issuer_exactly(iss: str) -> None:
    url = _callback(code=CODE, state=STATE, iss=iss)
    _raises(lambda: parse_authorization_response(url, PENDING, client=CLIENT), IssuerMismatchError)
    # Also when the issuer comes from the client only, and before an error is reported.
    pending = PendingAuthorization(state=STATE)
    _raises(lambda: parse_authorization_response(url, pending, client=CLIENT), IssuerMismatchError)
    error_url = _callback(error="access_denied", state=STATE, iss=iss)
    _raises(lambda: parse_authorization_response(error_url, PENDING), IssuerMismatchError)


@pytest.mark.checklist("B6")
def test_pending_issuer_wins_over_the_client_issuer() -> None:
    other = ClientConfig(client_id="c", issuer="https://other.example")
    url = _callback(code=CODE, state=STATE, iss=ISSUER)
    assert parse_authorization_response(url, PENDING, client=other).iss == ISSUER
    # Without any expected issuer the iss is returned unchecked.
    unknown = PendingAuthorization(state=STATE)
    assert parse_authorization_response(url, unknown).iss == ISSUER


@pytest.mark.checklist("B7")
def test_iss_is_required_when_the_server_sends_it() -> None:
    sends = ClientConfig(client_id="c", issuer=ISSUER, issuer_sends_iss=True)
    url = _callback(code=CODE, state=STATE)
    _raises(lambda: parse_authorization_response(url, PENDING, client=sends), IssuerMismatchError)
    error_url = _callback(error="access_denied", state=STATE)
    _raises(
        lambda: parse_authorization_response(error_url, PENDING, client=sends),
        IssuerMismatchError,
    )
    assert parse_authorization_response(url, PENDING, client=CLIENT).code == CODE
    with_iss = _callback(code=CODE, state=STATE, iss=ISSUER)
    assert parse_authorization_response(with_iss, PENDING, client=sends).iss == ISSUER


@pytest.mark.checklist("B8")
@pytest.mark.parametrize(
    "code",
    [
        "access_denied",
        "invalid_request",
        "unauthorized_client",
        "unsupported_response_type",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
    ],
)
def test_error_responses_are_typed(code: str) -> None:
    url = _callback(error=code, state=STATE, iss=ISSUER, error_description="why")
    error = _raises(
        lambda: parse_authorization_response(url, PENDING, client=CLIENT), OAuthServerError
    )
    assert type(error) is SERVER_ERRORS[code]
    assert isinstance(error, OAuthServerError)
    assert error.error == code
    assert error.error_description == "why"
    assert error.retryable is (code in ("server_error", "temporarily_unavailable"))


@pytest.mark.checklist("B8")
def test_error_wins_over_a_code_in_the_same_response() -> None:
    url = _callback(error="access_denied", code=CODE, state=STATE)
    _raises(lambda: parse_authorization_response(url, PENDING), AccessDeniedError)


@pytest.mark.checklist("B9")
@pytest.mark.parametrize("code", ["mystery", "", "access_denied\r\nX: y", "a" * 300])
def test_unknown_error_codes_stay_generic(code: str) -> None:
    uri = "https://as.example/errors?x=1"
    url = _callback(error=code, state=STATE, error_uri=uri)
    error = _raises(lambda: parse_authorization_response(url, PENDING), OAuthServerError)
    assert type(error) is OAuthServerError
    assert error.error_uri == uri
    assert "\r" not in error.error
    assert "\n" not in str(error)
    assert len(error.error) <= 67
    assert error.retryable is False


@pytest.mark.checklist("B10", "I4")
@pytest.mark.parametrize(
    "description",
    [
        "line\r\nX-Injected: 1\tend\x00",
        "<script>alert('x')</script> \"quoted\"",
        f"you sent code {CODE} with state {STATE} and verifier {VERIFIER}",
        "x" * 100_000,
        "é☃" * 5000,
    ],
)
def test_error_descriptions_are_escaped_truncated_and_scrubbed(description: str) -> None:
    url = _callback(error="invalid_request", state=STATE, code=CODE, error_description=description)
    error = _raises(lambda: parse_authorization_response(url, PENDING), InvalidRequestError)
    text = str(error)
    assert error.error_description is not None
    assert len(error.error_description) <= 259
    for ch in "\r\n\t\x00":
        assert ch not in text
    if "\r\n" in description:
        assert "\\x0d\\x0a" in text


@pytest.mark.checklist("B11")
@pytest.mark.parametrize(
    "base",
    ["http://client.example.com/cb", "http://10.0.0.1/cb", "http://127.1/cb", "http://[::2]/cb"],
)
def test_plain_http_callbacks_are_refused_off_loopback(base: str) -> None:
    pending = PendingAuthorization(state=STATE)
    url = _callback(base, code=CODE, state=STATE)
    _raises(lambda: parse_authorization_response(url, pending), InsecureTransportError)
    _raises(
        lambda: parse_authorization_response(url, pending, client=CLIENT), InsecureTransportError
    )
    opted_in = ClientConfig(client_id="c", allow_insecure_transport=True)
    assert parse_authorization_response(url, pending, client=opted_in).code == CODE


@pytest.mark.checklist("B11")
@pytest.mark.parametrize(
    "base", ["http://127.0.0.1:5000/cb", "http://localhost/cb", "http://[::1]:1/cb", REDIRECT]
)
def test_https_and_loopback_callbacks_are_accepted(base: str) -> None:
    pending = PendingAuthorization(state=STATE)
    assert parse_authorization_response(_callback(base, code=CODE, state=STATE), pending)


@pytest.mark.checklist("B11", "I4")
@pytest.mark.parametrize(
    "base",
    [
        "https://user:CODE-canary-b81c44e0@client.example.com/cb",
        "https://user@client.example.com/cb",
        "http://u:p@127.0.0.1/cb",
    ],
)
def test_callbacks_with_userinfo_are_refused(base: str) -> None:
    pending = PendingAuthorization(state=STATE)
    opted_in = ClientConfig(client_id="c", allow_insecure_transport=True)
    url = _callback(base, code="c", state=STATE)
    _raises(lambda: parse_authorization_response(url, pending), AuthorizationResponseError)
    _raises(
        lambda: parse_authorization_response(url, pending, client=opted_in),
        AuthorizationResponseError,
    )


@pytest.mark.checklist("B12")
@pytest.mark.parametrize(
    "base",
    [
        "https://client.example.com/cb/",
        "https://client.example.com/CB",
        "https://client.example.com/cb2",
        "https://client.example.com/",
        "https://client.example.org/cb",
        "https://client.example.com:8443/cb",
        "http://127.0.0.1/cb",
        "com.example.app:/cb",
        "/cb",
        "client.example.com/cb",
        "https://[::1/cb",
        "https://client.example.com:99999/cb",
    ],
)
def test_callback_must_be_the_redirect_uri(base: str) -> None:
    url = _callback(base, code=CODE, state=STATE)
    error = _raises(lambda: parse_authorization_response(url, PENDING), AuthorizationResponseError)
    assert not isinstance(error, StateMismatchError)


@pytest.mark.checklist("B12")
@pytest.mark.parametrize(
    ("registered", "base"),
    [
        (REDIRECT, "https://client.example.com:443/cb"),
        (REDIRECT, "HTTPS://Client.Example.COM/cb"),
        (REDIRECT + "?tenant=1", REDIRECT),
        ("https://client.example.com", "https://client.example.com/"),
        ("http://127.0.0.1/cb", "http://127.0.0.1:51234/cb"),
        ("http://[::1]:8080/cb", "http://[::1]:9/cb"),
        ("http://localhost:1/cb", "http://localhost:2/cb"),
        ("com.example.app:/oauth2redirect", "com.example.app:/oauth2redirect"),
        ("com.example.app:/oauth2redirect", "COM.EXAMPLE.APP:/oauth2redirect"),
    ],
)
def test_callback_matching_rules(registered: str, base: str) -> None:
    pending = PendingAuthorization(state=STATE, redirect_uri=registered)
    assert parse_authorization_response(_callback(base, code=CODE, state=STATE), pending)


@pytest.mark.checklist("B12")
@pytest.mark.parametrize(
    ("registered", "base"),
    [
        ("http://127.0.0.1/cb", "http://localhost:5000/cb"),
        ("http://127.0.0.1/cb", "http://127.0.0.1/other"),
        ("com.example.app:/oauth2redirect", "com.example.app:/other"),
        ("com.example.app:/oauth2redirect", "com.example.other:/oauth2redirect"),
        ("com.example.app:/oauth2redirect", REDIRECT),
    ],
)
def test_callback_mismatch_rules(registered: str, base: str) -> None:
    pending = PendingAuthorization(state=STATE, redirect_uri=registered)
    with pytest.raises(AuthorizationResponseError, match="redirect_uri"):
        parse_authorization_response(_callback(base, code=CODE, state=STATE), pending)


def test_malformed_callbacks_are_typed_errors() -> None:
    for url in (
        REDIRECT + "?code=" + "x" * MAX_CALLBACK_LENGTH,
        REDIRECT + "?" + "&".join(f"p{i}=1" for i in range(101)),
        REDIRECT + f"?code=%ff&state={STATE}",
        REDIRECT + f"?code=\ud800&state={STATE}",
        REDIRECT + f"?state={STATE}",
        REDIRECT + f"?state={STATE}&code=",
        "",
        "?code=x&state=y",
    ):
        _raises(partial(parse_authorization_response, url, PENDING), AuthorizationResponseError)
    with pytest.raises(AuthorizationResponseError, match="no code"):
        parse_authorization_response(REDIRECT + f"?state={STATE}", PENDING)


def test_an_unusable_pending_redirect_uri_is_a_configuration_error() -> None:
    broken = PendingAuthorization(state=STATE, redirect_uri=REDIRECT)
    object.__setattr__(broken, "redirect_uri", "https://[::1/cb")
    with pytest.raises(ConfigurationError):
        parse_authorization_response(_callback(code=CODE, state=STATE), broken)


text_urls = st.one_of(
    st.text(max_size=200),
    st.text(max_size=200).map(lambda text: f"{REDIRECT}?{text}"),
    st.text(alphabet="%&=#?+;:/@[]abcdeiorstu0123456789 \r\n\x00é\ud800", max_size=60).map(
        lambda text: f"{REDIRECT}?state={STATE}&code=c{text}"
    ),
    st.builds(
        lambda base, query: f"{base}?{query}",
        st.sampled_from(
            [REDIRECT, "http://127.0.0.1:1/cb", "com.example.app:/cb", "https://[::1/cb", "x:"]
        ),
        st.lists(
            st.tuples(
                st.sampled_from(["code", "state", "iss", "error", "error_description", "x"]),
                st.sampled_from([STATE, CODE, ISSUER, "access_denied", "", "%zz", "a\r\n"]),
            ),
            max_size=6,
        ).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)),
    ),
)


@pytest.mark.checklist("I4")
@given(text_urls)
def test_parsers_return_or_raise_oauth_errors_only(url: str) -> None:
    for parse in (parse_authorization_response, parse_implicit_response):
        try:
            result = parse(url, PENDING, client=CLIENT)
        except OAuthError as error:
            text = _chain_text(error)
            for canary in (STATE, VERIFIER, CODE, NONCE):
                assert canary not in text
        else:
            assert result is not None


# --- verify_pkce (server side) ---------------------------------------------------------------

RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@pytest.mark.checklist("K3")
def test_verify_pkce_accepts_the_right_verifier_only(monkeypatch: pytest.MonkeyPatch) -> None:
    verify_pkce(RFC_VERIFIER, RFC_CHALLENGE, "S256")
    verify_pkce(RFC_VERIFIER, RFC_CHALLENGE, PkceMethod.S256)
    verify_pkce(RFC_VERIFIER, RFC_VERIFIER, "plain", allow_plain=True)
    verify_pkce(RFC_VERIFIER, RFC_VERIFIER, None, allow_plain=True)
    for challenge in (RFC_CHALLENGE[:-1] + "d", RFC_CHALLENGE + "=", "", "é" * 43, "\ud800"):
        error = _raises(partial(verify_pkce, RFC_VERIFIER, challenge, "S256"), InvalidGrantError)
        assert "does not match" in str(error)
        assert error.status == 400
    calls: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(pkce, "hmac", SimpleNamespace(compare_digest=spy))
    verify_pkce(RFC_VERIFIER, RFC_CHALLENGE, "S256")
    assert calls == [(RFC_CHALLENGE.encode(), RFC_CHALLENGE.encode())]


@pytest.mark.checklist("K2")
@pytest.mark.parametrize(
    "verifier",
    ["a" * 42, "a" * 129, "a" * 1_000_000, "a" * 42 + "+", "a" * 42 + "é", "a" * 42 + " ", ""],
)
def test_verify_pkce_checks_the_verifier_before_hashing(
    verifier: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[bytes] = []
    monkeypatch.setattr(pkce, "hashlib", SimpleNamespace(sha256=hashed.append))
    error = _raises(lambda: verify_pkce(verifier, RFC_CHALLENGE, "S256"), InvalidGrantError)
    assert "malformed" in str(error)
    assert hashed == []


@pytest.mark.checklist("K4")
def test_verify_pkce_refuses_downgrades() -> None:
    verify_pkce(None, None, None)
    error = _raises(lambda: verify_pkce(RFC_VERIFIER, None, None), InvalidGrantError)
    assert "without PKCE" in str(error)
    error = _raises(lambda: verify_pkce(None, RFC_CHALLENGE, "S256"), InvalidGrantError)
    assert "missing" in str(error)


@pytest.mark.checklist("K5")
def test_a_code_is_spent_even_when_the_verifier_is_wrong() -> None:
    # The documented server pattern: take the code out of the store, then verify.
    codes = {"CODE-1": (RFC_CHALLENGE, "S256")}

    def redeem(code: str, verifier: str) -> None:
        entry = codes.pop(code, None)
        if entry is None:
            raise InvalidGrantError("invalid_grant")
        verify_pkce(verifier, *entry)

    with pytest.raises(InvalidGrantError, match="does not match"):
        redeem("CODE-1", "b" * 43)
    with pytest.raises(InvalidGrantError):
        redeem("CODE-1", RFC_VERIFIER)  # the right verifier, too late
    assert "K5" in (verify_pkce.__doc__ or "")


@pytest.mark.checklist("K6")
@pytest.mark.parametrize("method", ["s256", "S-256", "S256 ", " S256", "SHA256", "", "unknown"])
def test_verify_pkce_refuses_unsupported_methods(method: str) -> None:
    error = _raises(lambda: verify_pkce(RFC_VERIFIER, RFC_CHALLENGE, method), InvalidRequestError)
    assert not isinstance(error, InvalidGrantError)
    assert "unsupported" in str(error)


@pytest.mark.checklist("K6")
def test_verify_pkce_refuses_plain_unless_allowed() -> None:
    for method in ("plain", None):
        _raises(partial(verify_pkce, RFC_VERIFIER, RFC_VERIFIER, method), InvalidRequestError)
    with pytest.raises(InvalidGrantError):
        verify_pkce("b" * 43, RFC_VERIFIER, "plain", allow_plain=True)


# --- canaries --------------------------------------------------------------------------------


def _failures() -> Iterator[BaseException]:
    """Every way a callback can fail, each with the canaries in play."""
    cases: list[tuple[str, PendingAuthorization]] = [
        (_callback(code=CODE, state=STATE + "x"), PENDING),
        (_callback(code=CODE, state=STATE, iss="https://evil"), PENDING),
        (
            _callback(
                error="x", error_description=f"{CODE} {STATE} {VERIFIER}", state=STATE, code=CODE
            ),
            PENDING,
        ),
        (f"{REDIRECT}?code={CODE}&code={CODE}&state={STATE}", PENDING),
        (f"{REDIRECT}?state={STATE}#code={CODE}", PENDING),
        (_callback("http://client.example.com/cb", code=CODE, state=STATE), PENDING),
        (_callback("https://client.example.com/x", code=CODE, state=STATE), PENDING),
        (f"{REDIRECT}?code={CODE}%ff&state={STATE}", PENDING),
    ]
    for url, pending in cases:
        try:
            parse_authorization_response(url, pending, client=CLIENT)
        except OAuthError as error:
            yield error
    for call in (
        lambda: verify_pkce(VERIFIER, "x" * 43, "S256"),
        lambda: verify_pkce(VERIFIER + "!", "x" * 43, "S256"),
        lambda: pkce_challenge(VERIFIER + "!"),
        lambda: PendingAuthorization.from_dict({**PENDING.to_dict(), "nonce": 5}),
    ):
        try:
            call()
        except OAuthError as error:
            yield error


@pytest.mark.checklist("I2", "I4")
def test_no_canary_in_any_error_or_object() -> None:
    errors = list(_failures())
    assert len(errors) == 12
    for error in errors:
        _assert_no_canary(_chain_text(error))
        assert error.__cause__ is None
        assert error.__context__ is None
    code = parse_authorization_response(_callback(code=CODE, state=STATE), PENDING)
    for obj in (PENDING, code):
        _assert_no_canary(repr(obj) + str(obj) + f"{obj!r}")

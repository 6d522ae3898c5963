"""Pickling and copying adapter objects that hold caller-supplied callables (checklist I1).

A hook pickles by reference when it is a module-level function; a lambda cannot be pickled and
must raise SerializationError naming the attribute, never vanish. Copies keep every hook.
"""

from __future__ import annotations

import copy
import pickle
from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from oauthcore import SerializationError
from oauthcore.adapters import aiohttp as aiohttp_adapter
from oauthcore.adapters import httpx as httpx_adapter
from oauthcore.adapters import urllib3 as urllib3_adapter
from oauthcore.adapters.requests import OAuth1Auth, OAuth2Auth, OflyAuth
from oauthcore.oauth1 import ClientCredentials, NonceReuseWarning, TokenCredentials
from oauthcore.oauth2 import ClientConfig, Token
from oauthcore.ofly import OflyCredentials

NOW = 1_700_000_000
CLIENT1 = ClientCredentials(key="ck", secret="CS-secret")
TOKEN1 = TokenCredentials(token="tt", secret="TS-token-secret")
CLIENT2 = ClientConfig(
    client_id="app", client_secret="CS-client", token_endpoint="https://as.example/token"
)
PROTOCOLS = range(2, pickle.HIGHEST_PROTOCOL + 1)


def fixed_now() -> int:
    return NOW


def fixed_nonce() -> str:
    return "n" * 24


def keep(token: Token) -> None:
    """A module-level on_token hook: picklable by reference."""


def ofly_now() -> datetime:
    return datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=timezone.utc)


def header(auth: requests.auth.AuthBase) -> str:
    prepared = auth(requests.Request("GET", "https://api.example/r?x=1").prepare())
    return str(prepared.headers.get("Authorization") or prepared.url)


@pytest.mark.checklist("I1")
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_module_level_hooks_pickle_and_the_copy_signs_identically(protocol: int) -> None:
    auth = OAuth1Auth(CLIENT1, TOKEN1, now=fixed_now, nonce=fixed_nonce)
    loaded = pickle.loads(pickle.dumps(auth, protocol))  # noqa: S301 (our own bytes)
    assert loaded.now is fixed_now
    assert loaded.nonce is fixed_nonce
    with pytest.warns(NonceReuseWarning):  # one fixed nonce, used twice (J2)
        assert header(loaded) == header(auth)
    oauth2 = OAuth2Auth(CLIENT2, Token(access_token="AT-0"), on_token=keep, now=fixed_now)
    loaded2 = pickle.loads(pickle.dumps(oauth2, protocol))  # noqa: S301
    assert (loaded2.on_token, loaded2.token) == (keep, oauth2.token)


@pytest.mark.checklist("I1")
@pytest.mark.parametrize(
    ("make", "attribute"),
    [
        (lambda: OAuth1Auth(CLIENT1, nonce=lambda: "x" * 24), "nonce"),
        (lambda: OAuth1Auth(CLIENT1, now=lambda: NOW), "now"),
        (
            lambda: OflyAuth(
                OflyCredentials(app_id="a", app_secret="s"), "u", now=lambda: ofly_now()
            ),
            "now",
        ),
        (lambda: OAuth2Auth(CLIENT2, Token(access_token="t"), on_token=lambda t: None), "on_token"),
        (lambda: OAuth2Auth(CLIENT2, Token(access_token="t"), now=lambda: NOW), "given_now"),
        (lambda: urllib3_adapter.OAuth1Auth(CLIENT1, nonce=lambda: "x" * 24), "nonce"),
        (lambda: httpx_adapter.OAuth1Auth(CLIENT1, nonce=lambda: "x" * 24), "nonce"),
        (
            lambda: httpx_adapter.OAuth2Auth(CLIENT2, Token(access_token="t"), now=lambda: NOW),
            "given_now",
        ),
        (lambda: aiohttp_adapter.OAuth1Middleware(CLIENT1, now=lambda: NOW), "now"),
        (
            lambda: aiohttp_adapter.OAuth2Middleware(
                CLIENT2, Token(access_token="t"), on_token=lambda t: None
            ),
            "on_token",
        ),
        (
            lambda: urllib3_adapter.OflyAuth(
                OflyCredentials(app_id="a", app_secret="s"), "u", now=lambda: ofly_now()
            ),
            "now",
        ),
        (
            lambda: urllib3_adapter.OAuth2Auth(
                CLIENT2, Token(access_token="t"), on_token=lambda t: None
            ),
            "on_token",
        ),
    ],
)
def test_a_lambda_hook_raises_serialization_error_naming_it(make: object, attribute: str) -> None:
    auth = make()  # type: ignore[operator]
    with pytest.raises(SerializationError, match=rf"\.{attribute} cannot be pickled") as caught:
        pickle.dumps(auth)
    assert isinstance(caught.value, TypeError)  # what pickle itself raises, for old handlers
    # Copies keep callables as they are: no error, nothing dropped.
    stored = attribute if hasattr(auth, attribute) else f"_{attribute}"
    for clone in (copy.copy(auth), copy.deepcopy(auth)):
        assert getattr(clone, stored) is getattr(auth, stored)


@pytest.mark.checklist("I1")
def test_a_deep_copy_of_an_oauth2_auth_has_its_own_store() -> None:
    auth = OAuth2Auth(CLIENT2, Token(access_token="AT-0"), on_token=keep)
    clone = copy.deepcopy(auth)
    clone.store.replace(Token(access_token="AT-other"))
    assert auth.token.access_token == "AT-0"
    assert clone.token.access_token == "AT-other"
    assert copy.copy(auth).store is auth.store  # a shallow copy shares it, as copy does


@pytest.mark.checklist("I1")
def test_an_auth_on_the_callers_pool_says_so_and_copies_share_it() -> None:
    pool = urllib3_adapter.new_pool_manager()
    auth = urllib3_adapter.OAuth2Auth(CLIENT2, Token(access_token="t"), pool=pool)
    with pytest.raises(SerializationError, match=r"OAuth2Auth\.pool cannot be pickled"):
        pickle.dumps(auth)
    clone = copy.deepcopy(auth)
    assert clone._pool is pool  # the caller's pool is shared, never copied
    assert clone.store is not auth.store


@pytest.mark.checklist("I1")
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_adapters_default_auths_pickle(protocol: int) -> None:
    made: list[Any] = [
        httpx_adapter.OAuth1Auth(CLIENT1, TOKEN1),
        httpx_adapter.OAuth2Auth(CLIENT2, Token(access_token="AT-0"), on_token=keep),
        aiohttp_adapter.OAuth1Middleware(CLIENT1, TOKEN1),
        aiohttp_adapter.OAuth2Middleware(CLIENT2, Token(access_token="AT-0"), on_token=keep),
        urllib3_adapter.OAuth1Auth(CLIENT1, TOKEN1),
        urllib3_adapter.OAuth2Auth(CLIENT2, Token(access_token="AT-0"), on_token=keep),
    ]
    for auth in made:
        loaded = pickle.loads(pickle.dumps(auth, protocol))  # noqa: S301 (our own bytes)
        assert type(loaded) is type(auth)
        if hasattr(auth, "store"):
            assert loaded.store.token == auth.store.token
            assert loaded.on_token is keep
        else:
            assert (loaded.client, loaded.token) == (auth.client, auth.token)

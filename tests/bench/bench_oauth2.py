"""Benchmark oauthcore's OAuth 2.0 client hot paths against oauthlib and authlib.

Run from the repository root::

    PYTHONPATH=. .venv/bin/python tests/bench/bench_oauth2.py            # full run (~15 s)
    PYTHONPATH=. .venv/bin/python tests/bench/bench_oauth2.py --quick    # smoke run (< 5 s)
    PYTHONPATH=. .venv/bin/python tests/bench/bench_oauth2.py --profile  # + where time goes

Two sections, each a table of median microseconds per call and the ratio to oauthcore:

1. the authorization request URL with a fresh ``state`` and PKCE S256, scope
   ``openid profile email``: each library generating state and verifier the way its users
   do; an info row repeats it with the randomness fixed, to show what is URL building;
2. parsing a JSON token response with validation: a realistic body (access and refresh
   tokens of 40 characters, ``expires_in``, ``scope`` and an ~800-character ``id_token``),
   and an info row with a minimal body (``access_token``, ``token_type``, ``expires_in``).

Before any timing, the libraries' outputs are compared: the same authorization URL
parameters (all of them when fed oauthcore's state and verifier; all but the random ``state``
and ``code_challenge`` with their own randomness, each challenge checked against its
verifier), and the same ``access_token``, ``refresh_token``, ``expires_at``, ``scope`` and
``id_token`` from the token response. Each target row says PASS or MISS. A benchmark reports,
it does not gate: the exit code is 0 whatever the numbers (2 only when a library cannot be
imported). ``--profile`` adds a cProfile of oauthcore's two hot paths and a per-stage timing.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import hashlib
import importlib.metadata
import json
import os
import platform
import pstats
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchtools import fmt_ratio, fmt_us, median_us, medians_us, print_table, verdict

try:
    import oauthlib.common
    import requests
    from authlib.common.security import generate_token as authlib_generate_token
    from authlib.integrations.base_client import OAuthError as AuthlibOAuthError
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.oauth2.rfc6749 import OAuth2Token as AuthlibOAuth2Token
    from oauthlib.oauth2 import WebApplicationClient
    from oauthlib.oauth2.rfc6749 import parameters as oauthlib_parameters

    import oauthcore
    import oauthcore.oauth2.authorize as authorize_module
    import oauthcore.oauth2.token as token_module
    from oauthcore.http import Response
    from oauthcore.oauth2 import (
        ClientConfig,
        PendingAuthorization,
        PkceMethod,
        Token,
        build_authorization_url,
        new_code_verifier,
        new_state,
        parse_token_response,
        pkce_challenge,
        scope_tokens,
    )
except ImportError as exc:  # pragma: no cover - environment problem, not a benchmark result
    sys.stderr.write(
        f"bench_oauth2: cannot import {exc.name!r}: {exc}\n"
        "Run from the repository root with PYTHONPATH=. and the dev extras installed "
        "(oauthlib, authlib, requests).\n"
    )
    raise SystemExit(2) from None

# --------------------------------------------------------------------------------------------
# Fixed inputs

CLIENT_ID = "s6BhdRkqt3"
AUTHORIZATION_ENDPOINT = "https://server.example.com/authorize"
TOKEN_ENDPOINT = "https://server.example.com/token"
REDIRECT_URI = "https://client.example.com/cb"
SCOPE = "openid profile email"
JSON_HEADERS = (("Content-Type", "application/json"),)

# Targets: minimum speed-ups of oauthcore over oauthlib.
TARGET_URL_VS_OAUTHLIB = 2.0
TARGET_PARSE_VS_OAUTHLIB = 2.0


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def s256(verifier: str) -> str:
    """RFC 7636 §4.2 S256, written here from hashlib: the oracle for every library's challenge."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def filler(label: str, length: int) -> str:
    """``length`` deterministic base64url characters: token-like, the same on every run."""
    out = ""
    block = label.encode("ascii")
    while len(out) < length:
        block = hashlib.sha256(block).digest()
        out += b64url(block)
    return out[:length]


def make_id_token() -> str:
    """A realistic RS256 OpenID Connect ID token (not verified by anyone here): ~800 chars."""
    header = {"alg": "RS256", "kid": filler("kid", 27), "typ": "JWT"}
    claims = {
        "iss": "https://server.example.com",
        "sub": "248289761001",
        "aud": CLIENT_ID,
        "exp": 1_893_459_600,
        "iat": 1_893_456_000,
        "nonce": filler("nonce", 22),
        "at_hash": filler("at_hash", 22),
        "email": "janedoe@example.com",
        "email_verified": True,
        "name": "Jane Doe",
        "given_name": "Jane",
        "family_name": "Doe",
    }

    def segment(obj: Mapping[str, object]) -> str:
        return b64url(json.dumps(obj, separators=(",", ":")).encode("utf-8"))

    return f"{segment(header)}.{segment(claims)}.{filler('signature', 342)}"


ACCESS_TOKEN = filler("access_token", 40)
REFRESH_TOKEN = filler("refresh_token", 40)
ID_TOKEN = make_id_token()
EXPIRES_IN = 3600

REALISTIC = {
    "access_token": ACCESS_TOKEN,
    "token_type": "Bearer",
    "expires_in": EXPIRES_IN,
    "refresh_token": REFRESH_TOKEN,
    "scope": SCOPE,
    "id_token": ID_TOKEN,
}
MINIMAL = {"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": EXPIRES_IN}


@dataclass(frozen=True, slots=True)
class Body:
    """One token response body, as the bytes a server sends (``json.dumps`` default style)."""

    name: str
    data: bytes
    target: bool  # whether the row counts against the target, or is shown for information

    @classmethod
    def of(cls, name: str, members: Mapping[str, object], *, target: bool) -> Body:
        return cls(name, json.dumps(members).encode("utf-8"), target)


BODIES = (
    Body.of("realistic", REALISTIC, target=True),
    Body.of("info: minimal", MINIMAL, target=False),
)

# --------------------------------------------------------------------------------------------
# Timing (as bench_oauth1.py: calibrated timeit loops, the functions of a row sampled in turn)


@dataclass(frozen=True, slots=True)
class Settings:
    """How long to time: ``repeat`` samples of about ``target_s`` seconds each."""

    repeat: int
    target_s: float


# --------------------------------------------------------------------------------------------
# Section 1: the authorization URL. Each builder returns a zero-argument callable doing one
# authorization request the way that library's users write it; it returns the URL and what
# the caller keeps for the callback (state, verifier). Client objects are built once, outside
# the timed call, as an application builds them once.

AuthUrl = tuple[str, str, str]  # (url, state, code_verifier)

OAUTHCORE_CLIENT = ClientConfig(
    client_id=CLIENT_ID,
    authorization_endpoint=AUTHORIZATION_ENDPOINT,
    redirect_uri=REDIRECT_URI,
    token_endpoint=TOKEN_ENDPOINT,
)
FIXED_RANDOM = hashlib.sha256(b"fixed randomness").digest()  # 32 bytes
FIXED_VERIFIER = b64url(FIXED_RANDOM)  # what oauthcore makes of FIXED_RANDOM, state and verifier
FIXED_STATE = FIXED_VERIFIER


def fixed_random(n: int) -> bytes:
    return FIXED_RANDOM[:n]


def oauthcore_url(
    random_bytes: Callable[[int], bytes] = os.urandom,
) -> Callable[[], tuple[str, PendingAuthorization]]:
    client = OAUTHCORE_CLIENT

    def run() -> tuple[str, PendingAuthorization]:
        # Generates state and an S256 verifier itself (the defaults).
        return build_authorization_url(client, scope=SCOPE, random_bytes=random_bytes)

    return run


def oauthlib_url(*, fixed: bool = False) -> Callable[[], AuthUrl]:
    client = WebApplicationClient(CLIENT_ID)
    generate_token = oauthlib.common.generate_token

    def run() -> AuthUrl:
        # oauthlib's PKCE helpers as requests-oauthlib's authorization_url(pkce="S256") calls
        # them, and state from oauthlib.common.generate_token() as its new_state() makes it.
        verifier = client.create_code_verifier(43)
        challenge = client.create_code_challenge(verifier, "S256")
        state = generate_token()
        url = client.prepare_request_uri(
            AUTHORIZATION_ENDPOINT,
            redirect_uri=REDIRECT_URI,
            scope=SCOPE,
            state=state,
            code_challenge=challenge,
            code_challenge_method="S256",
        )
        return str(url), str(state), str(verifier)

    def run_fixed() -> AuthUrl:
        challenge = client.create_code_challenge(FIXED_VERIFIER, "S256")
        url = client.prepare_request_uri(
            AUTHORIZATION_ENDPOINT,
            redirect_uri=REDIRECT_URI,
            scope=SCOPE,
            state=FIXED_STATE,
            code_challenge=challenge,
            code_challenge_method="S256",
        )
        return str(url), FIXED_STATE, FIXED_VERIFIER

    return run_fixed if fixed else run


def authlib_session() -> Any:
    return OAuth2Session(
        CLIENT_ID, redirect_uri=REDIRECT_URI, scope=SCOPE, code_challenge_method="S256"
    )


def authlib_url(*, fixed: bool = False) -> Callable[[], AuthUrl]:
    session = authlib_session()

    def run() -> AuthUrl:
        # authlib's documented PKCE recipe: code_verifier = generate_token(48); the session
        # makes the S256 challenge and generates the state (generate_token(), 30 chars).
        verifier = authlib_generate_token(48)
        url, state = session.create_authorization_url(
            AUTHORIZATION_ENDPOINT, code_verifier=verifier
        )
        return str(url), str(state), str(verifier)

    def run_fixed() -> AuthUrl:
        url, state = session.create_authorization_url(
            AUTHORIZATION_ENDPOINT, code_verifier=FIXED_VERIFIER, state=FIXED_STATE
        )
        return str(url), str(state), FIXED_VERIFIER

    return run_fixed if fixed else run


def oauthcore_view(result: tuple[str, PendingAuthorization]) -> AuthUrl:
    url, pending = result
    return url, pending.state, pending.code_verifier or ""


def split_url(url: str) -> tuple[str, list[tuple[str, str]]]:
    """The URL without its query, and the query's decoded parameters, in order."""
    parts = urllib.parse.urlsplit(url)
    base = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    params = urllib.parse.parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True)
    return base, params


RANDOM_PARAMS = frozenset(("state", "code_challenge"))


def check_url_agreement() -> bool:
    print("Authorization URL agreement:")
    ok = True

    # (a) Each library with its own randomness: every parameter but state and code_challenge
    # equal, each state the one returned to the caller, each challenge S256 of its verifier.
    results = {
        "oauthcore": oauthcore_view(oauthcore_url()()),
        "oauthlib": oauthlib_url()(),
        "authlib": authlib_url()(),
    }
    ref_base, ref_params = split_url(results["oauthcore"][0])
    ref_fixed = [(k, v) for k, v in ref_params if k not in RANDOM_PARAMS]
    problems: list[str] = []
    for name, (url, state, verifier) in results.items():
        base, params = split_url(url)
        got = dict(params)
        if len(got) != len(params):
            problems.append(f"{name}: a parameter repeats")
        if base != ref_base:
            problems.append(f"{name}: endpoint {base!r} != {ref_base!r}")
        if [(k, v) for k, v in params if k not in RANDOM_PARAMS] != ref_fixed:
            problems.append(f"{name}: non-random parameters differ")
        if got.get("state") != state:
            problems.append(f"{name}: state in URL is not the one returned")
        if got.get("code_challenge") != s256(verifier):
            problems.append(f"{name}: code_challenge is not S256(code_verifier)")
        if not 43 <= len(verifier) <= 128:
            problems.append(f"{name}: code_verifier of {len(verifier)} chars")
    names = ", ".join(k for k, _ in ref_params)
    print(f"  own randomness:      parameters [{names}]")
    print(
        "                       equal except state/code_challenge; "
        + ("each challenge == S256(verifier): yes" if not problems else "PROBLEMS")
    )
    for problem in problems:
        print(f"    DISAGREE {problem}")
    ok = ok and not problems

    # (b) oauthlib and authlib fed oauthcore's state and verifier: identical parameters.
    blocks = iter((hashlib.sha256(b"state").digest(), hashlib.sha256(b"verifier").digest()))
    url, pending = oauthcore_url(lambda n: next(blocks)[:n])()
    state, verifier = pending.state, pending.code_verifier or ""
    oauthlib_client = WebApplicationClient(CLIENT_ID)
    fed = {
        "oauthlib": str(
            oauthlib_client.prepare_request_uri(
                AUTHORIZATION_ENDPOINT,
                redirect_uri=REDIRECT_URI,
                scope=SCOPE,
                state=state,
                code_challenge=oauthlib_client.create_code_challenge(verifier, "S256"),
                code_challenge_method="S256",
            )
        ),
        "authlib": str(
            authlib_session().create_authorization_url(
                AUTHORIZATION_ENDPOINT, code_verifier=verifier, state=state
            )[0]
        ),
    }
    reference = split_url(url)
    agree = ["oauthcore"] + [n for n, u in fed.items() if split_url(u) == reference]
    differ = [n for n, u in fed.items() if split_url(u) != reference]
    line = " == ".join(agree) + (f"   DISAGREE: {', '.join(differ)}" if differ else "")
    print(f"  same state/verifier: {line} (decoded parameters, in order)")
    ok = ok and not differ

    scope_raw = {
        name: dict(p.partition("=")[::2] for p in u.partition("?")[2].split("&"))["scope"]
        for name, u in {"oauthcore": url, **fed}.items()
    }
    print(
        "  raw encoding of the scope (both are Appendix B form encoding): "
        + ", ".join(f"{n} {v}" for n, v in scope_raw.items())
    )
    print(
        "  randomness: oauthcore state and verifier from 32 os.urandom bytes each (256 bits);"
        " oauthlib/authlib\n  SystemRandom.choice per character: state 30 of 62 (~179 bits),"
        " verifier 43 of 66 (oauthlib, ~260 bits)\n  or 48 of 62 (authlib, ~286 bits)."
    )
    return ok


def bench_url(settings: Settings) -> list[bool]:
    print()
    print(
        "1. Authorization request URL, code flow + state + PKCE S256, scope "
        f"{SCOPE!r} (median us per URL)"
    )
    print(f"   target: oauthcore >= {TARGET_URL_VS_OAUTHLIB:.0f}x faster than oauthlib")
    cases: list[tuple[str, bool, dict[str, Callable[[], object]]]] = [
        (
            "fresh state + verifier",
            True,
            {"oauthcore": oauthcore_url(), "oauthlib": oauthlib_url(), "authlib": authlib_url()},
        ),
        (
            "info: randomness fixed",
            False,
            {
                "oauthcore": oauthcore_url(fixed_random),
                "oauthlib": oauthlib_url(fixed=True),
                "authlib": authlib_url(fixed=True),
            },
        ),
    ]
    rows: list[list[str]] = []
    results: list[bool] = []
    for label, counts, funcs in cases:
        times = medians_us(funcs, settings)
        ours, lib, auth = times["oauthcore"], times["oauthlib"], times["authlib"]
        target = ""
        if counts:
            ok = lib / ours >= TARGET_URL_VS_OAUTHLIB
            results.append(ok)
            target = f"{lib / ours:.1f}x >= {TARGET_URL_VS_OAUTHLIB:.0f}x {verdict(ok)}"
        rows.append(
            [
                label,
                fmt_us(ours),
                f"{fmt_us(lib)} ({fmt_ratio(lib, ours)})",
                f"{fmt_us(auth)} ({fmt_ratio(auth, ours)})",
                target,
            ]
        )
    print_table(["case", "oauthcore", "oauthlib", "authlib", "target vs oauthlib"], rows)
    print("   oauthcore: build_authorization_url(client, scope=...): makes state and verifier.")
    print(
        "   oauthlib:  WebApplicationClient.create_code_verifier(43), create_code_challenge(S256),"
    )
    print("              oauthlib.common.generate_token() for state, prepare_request_uri.")
    print("   authlib:   generate_token(48) verifier, OAuth2Session.create_authorization_url")
    print("              (S256 challenge and state generate_token() made inside).")
    print(
        "   info row: oauthcore random_bytes= returning fixed bytes (it still base64-encodes"
        " them);\n   oauthlib/authlib given fixed state and verifier strings (they still"
        " hash the verifier)."
    )
    return results


# --------------------------------------------------------------------------------------------
# Section 2: token response parsing. Each builder returns a zero-argument callable parsing
# ``body`` (bytes, as received) with the library's validation.


def oauthcore_parse(body: bytes) -> Callable[[], Token]:
    def run() -> Token:
        response = Response(status=200, headers=JSON_HEADERS, body=body)
        return parse_token_response(response, requested_scope=SCOPE)

    return run


def oauthlib_parse(body: bytes) -> Callable[[], Any]:
    parse = oauthlib_parameters.parse_token_response

    def run() -> Any:
        # oauthlib takes text; the decode is part of the work. Passing the requested scope
        # makes it check for a scope change, and the same scope keeps it from raising.
        return parse(body.decode("utf-8"), scope=SCOPE)

    return run


def json_floor(body: bytes) -> Callable[[], Any]:
    loads = json.loads

    def run() -> Any:
        return loads(body)

    return run


def oauthlib_client_parse(body: bytes) -> Callable[[], Any]:
    client = WebApplicationClient(CLIENT_ID)

    def run() -> Any:
        # What requests-oauthlib's fetch_token calls: parse_token_response, then it copies
        # the token's members onto the client (populate_token_attributes).
        return client.parse_request_body_response(body.decode("utf-8"), scope=SCOPE)

    return run


def authlib_parse(body: bytes) -> Callable[[], Any]:
    from_dict = AuthlibOAuth2Token.from_dict

    def run() -> Any:
        # authlib's OAuth2Client.parse_response_token without the requests.Response: as its
        # _load_token_response, json of the body, which must be an object; then its check for
        # an error member; then token_auth.set_token's OAuth2Token.from_dict (expires_at).
        token = json.loads(body)
        if not isinstance(token, dict):
            raise TypeError("token endpoint response is not a JSON object")
        if "error" in token:
            raise AuthlibOAuthError(error=token["error"])
        return from_dict(token)

    return run


def authlib_session_parse(body: bytes) -> Callable[[], Any]:
    session = authlib_session()
    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Type"] = "application/json"
    response._content = body  # what requests stores after reading the body

    def run() -> Any:
        # The public method itself, on a prebuilt requests.Response (resp.json() guesses the
        # encoding and parses again on every call).
        return session.parse_response_token(response)

    return run


@dataclass(frozen=True, slots=True)
class ParsedView:
    """What the agreement check compares across libraries."""

    access_token: object
    refresh_token: object
    expires_at: object
    token_type: object
    scope: frozenset[str] | None  # a set: oauthlib keeps the scope as one
    id_token: object


def view_oauthcore(token: Token) -> ParsedView:
    extra = {name: json.loads(text) for name, text in token.extra}
    return ParsedView(
        token.access_token,
        token.refresh_token,
        token.expires_at,
        token.token_type,
        None if token.scope is None else frozenset(token.scope),
        extra.get("id_token"),
    )


def scope_set(scope: str | Iterable[str] | None) -> frozenset[str] | None:
    if isinstance(scope, str):
        return frozenset(scope.split(" "))
    return None if scope is None else frozenset(scope)


def view_mapping(token: Mapping[str, Any], scope: str | Iterable[str] | None) -> ParsedView:
    return ParsedView(
        token.get("access_token"),
        token.get("refresh_token"),
        token.get("expires_at"),
        token.get("token_type"),
        scope_set(scope),
        token.get("id_token"),
    )


def parsed_views(body: Body) -> dict[str, ParsedView]:
    ours = oauthcore_parse(body.data)()
    lib = oauthlib_parse(body.data)()
    lib_client = oauthlib_client_parse(body.data)()
    auth = authlib_parse(body.data)()
    auth_session = authlib_session_parse(body.data)()
    return {
        "oauthcore": view_oauthcore(ours),
        # oauthlib lists the granted scope (or the requested one when the response has none).
        "oauthlib": view_mapping(lib, lib.scopes),
        "oauthlib client": view_mapping(lib_client, lib_client.scopes),
        # authlib keeps the response's scope string; a missing one stays missing.
        "authlib": view_mapping(auth, auth.get("scope", SCOPE)),
        "authlib session": view_mapping(auth_session, auth_session.get("scope", SCOPE)),
    }


def check_parse_agreement() -> bool:
    print("Token response agreement (access_token, refresh_token, token_type, id_token, scope as")
    print("a set; expires_at == now + expires_in within the clock reads, oauthlib rounds it):")
    ok = True
    for body in BODIES:
        before = time.time()
        views = parsed_views(body)
        after = time.time()
        low, high = int(before) + EXPIRES_IN, round(after) + EXPIRES_IN
        expect = REALISTIC if body.target else MINIMAL
        problems: dict[str, list[str]] = {}
        for name, view in views.items():
            wrong = problems.setdefault(name, [])
            if not isinstance(view.expires_at, int) or not low <= view.expires_at <= high:
                wrong.append(f"expires_at {view.expires_at!r}")
            for field, want in (
                ("access_token", ACCESS_TOKEN),
                ("refresh_token", expect.get("refresh_token")),
                ("token_type", "Bearer"),
                ("scope", frozenset(SCOPE.split(" "))),
                ("id_token", expect.get("id_token")),
            ):
                if getattr(view, field) != want:
                    wrong.append(field)
        agree = " == ".join(name for name, wrong in problems.items() if not wrong)
        differ = [f"{name} ({', '.join(wrong)})" for name, wrong in problems.items() if wrong]
        label = body.name.removeprefix("info: ")
        line = agree + (f"   DISAGREE: {'; '.join(differ)}" if differ else "")
        print(f"  {label:<9} {len(body.data):>5} bytes: {line}")
        ok = ok and not differ
    return ok


def bench_parse(settings: Settings) -> list[bool]:
    print()
    print("2. JSON token response parsing with validation (median us per response)")
    print(
        f"   realistic: access_token and refresh_token of {len(ACCESS_TOKEN)} chars, token_type,"
        f" expires_in, scope,\n   id_token of {len(ID_TOKEN)} chars; minimal: access_token,"
        " token_type, expires_in."
    )
    print(f"   target: oauthcore >= {TARGET_PARSE_VS_OAUTHLIB:.0f}x faster than oauthlib")
    rows: list[list[str]] = []
    results: list[bool] = []
    ceilings: list[float] = []
    for body in BODIES:
        times = medians_us(
            {
                "oauthcore": oauthcore_parse(body.data),
                "oauthlib": oauthlib_parse(body.data),
                "oauthlib client": oauthlib_client_parse(body.data),
                "authlib": authlib_parse(body.data),
                "authlib session": authlib_session_parse(body.data),
                "floor": json_floor(body.data),
            },
            settings,
        )
        ours, lib, lib_client = times["oauthcore"], times["oauthlib"], times["oauthlib client"]
        auth, auth_session, floor = times["authlib"], times["authlib session"], times["floor"]
        ceilings.append(lib / floor)
        target = ""
        if body.target:
            ok = lib / ours >= TARGET_PARSE_VS_OAUTHLIB
            results.append(ok)
            target = f"{lib / ours:.1f}x >= {TARGET_PARSE_VS_OAUTHLIB:.0f}x {verdict(ok)}"
        rows.append(
            [
                f"{body.name}, {len(body.data)} B",
                fmt_us(ours),
                f"{fmt_us(lib)} ({fmt_ratio(lib, ours)})",
                f"{fmt_us(lib_client)} ({fmt_ratio(lib_client, ours)})",
                f"{fmt_us(auth)} ({fmt_ratio(auth, ours)})",
                f"{fmt_us(auth_session)} ({fmt_ratio(auth_session, ours)})",
                f"{fmt_us(floor)} ({fmt_ratio(floor, ours)})",
                target,
            ]
        )
    print_table(
        [
            "body",
            "oauthcore",
            "oauthlib",
            "oauthlib client*",
            "authlib",
            "authlib session*",
            "json.loads only**",
            "target vs oauthlib",
        ],
        rows,
    )
    print(
        "   oauthcore: parse_token_response(Response(status=200, headers=JSON, body),"
        " requested_scope=...)."
    )
    print("   oauthlib:  parameters.parse_token_response(body.decode(), scope=...).")
    print("   authlib:   json.loads(body), object and error-member checks, OAuth2Token.from_dict:")
    print("              OAuth2Client.parse_response_token's work without the requests.Response.")
    print("   * info: oauthlib WebApplicationClient.parse_request_body_response; authlib")
    print("     OAuth2Session.parse_response_token on a prebuilt requests.Response.")
    print(
        "   ** info: json.loads(body) alone, no validation, no token object: the floor for any"
        " parser\n     built on the stdlib json module. oauthlib/json.loads = "
        + " and ".join(f"{c:.2f}x" for c in ceilings)
        + " (realistic, minimal):\n     the largest speed-up over oauthlib such a parser"
        " could show."
    )
    print(
        "   Validation differs: oauthcore checks every member's type and syntax (VSCHAR,"
        " type-name,\n   scope-tokens, duplicate names, NaN, digits) and keeps the other members"
        " as compact JSON;\n   oauthlib checks error, access_token presence and the scope change;"
        " authlib only error."
    )
    return results


# --------------------------------------------------------------------------------------------
# Profile mode: where oauthcore's time goes


def profile_calls(label: str, func: Callable[[], object], iterations: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(iterations):
        func()
    profiler.disable()
    profile = pstats.Stats(profiler).get_stats_profile()
    print(f"   {label}, {iterations} calls, top functions by own time per call:")
    print(f"     {'function':<56} {'calls':>6} {'own us':>7} {'cum us':>7}")
    entries = sorted(profile.func_profiles.items(), key=lambda kv: -kv[1].tottime)[:16]
    for name, fp in entries:
        calls = int(fp.ncalls.split("/")[0]) / iterations
        where = f"{Path(fp.file_name).name}:{fp.line_number}" if fp.line_number else "builtin"
        text = f"{name} ({where})"[:56]
        print(
            f"     {text:<56} {calls:>6.1f} {fp.tottime / iterations * 1e6:>7.2f} "
            f"{fp.cumtime / iterations * 1e6:>7.2f}"
        )


def private(module: Any, name: str) -> Any:
    """A private helper of an oauthcore module, or None if a refactor has removed it."""
    return getattr(module, name, None)


def print_stages(
    title: str, stages: Sequence[tuple[str, Callable[[], object] | None]], settings: Settings
) -> None:
    print(f"   {title} (median us, timeit, no profiler overhead):")
    for name, func in stages:
        shown = "n/a" if func is None else fmt_us(median_us(func, settings))
        print(f"     {name:<60} {shown:>8}")


def parse_stages(body: Body) -> list[tuple[str, Callable[[], object] | None]]:
    data = body.data
    text = data.decode("utf-8")
    response = Response(status=200, headers=JSON_HEADERS, body=data)
    token = oauthcore_parse(data)()
    decoder = private(token_module, "_DECODER")
    compact = private(token_module, "_compact")
    load_json = private(token_module, "_load_json")
    build = private(token_module, "_token")
    problem = private(token_module, "_token_problem")
    canonical = private(token_module, "_canonical")
    members = load_json(data) if load_json is not None else None
    values = list(json.loads(data).values())
    extra_texts = [t for _, t in token.extra]
    fields = {name: getattr(token, name) for name in Token.__dataclass_fields__}

    def maybe(ok: bool, func: Callable[[], object]) -> Callable[[], object] | None:
        return func if ok else None

    return [
        (
            "Response(...) construction",
            lambda: Response(status=200, headers=JSON_HEADERS, body=data),
        ),
        ("response.header('Content-Type')", lambda: response.header("Content-Type")),
        ("baseline: json.loads(body), plain stdlib", lambda: json.loads(data)),
        ("body.decode('utf-8')", lambda: data.decode("utf-8")),
        (
            "_DECODER.decode(text) (object_pairs_hook, parse_int...)",
            maybe(decoder is not None, lambda: decoder.decode(text)),
        ),
        (
            f"_compact(value) for all {len(values)} members",
            maybe(compact is not None, lambda: [compact(v) for v in values]),
        ),
        (
            "_compact(id_token) alone",
            maybe(
                compact is not None and "id_token" in json.loads(data),
                lambda: compact(ID_TOKEN),
            ),
        ),
        (
            "_load_json(body): decode + _compact every member",
            maybe(load_json is not None, lambda: load_json(data)),
        ),
        (
            "_token(members, ...): checks + Token(...)",
            maybe(
                build is not None and members is not None,
                lambda: build(members, lambda: int(time.time()), SCOPE, False, 200),
            ),
        ),
        ("Token(**fields): __post_init__ re-validation", lambda: Token(**fields)),
        ("_token_problem(token) alone", maybe(problem is not None, lambda: problem(token))),
        (
            f"_canonical(text) for {len(extra_texts)} extra member(s)",
            maybe(canonical is not None, lambda: [canonical(t) for t in extra_texts]),
        ),
        ("whole: Response + parse_token_response", oauthcore_parse(data)),
    ]


def url_stages() -> list[tuple[str, Callable[[], object] | None]]:
    parse_url = private(authorize_module, "parse_url")
    encode_form = private(authorize_module, "encode_form")
    verifier = new_code_verifier()
    state = new_state()
    params = [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("scope", SCOPE),
        ("state", state),
        ("code_challenge", pkce_challenge(verifier)),
        ("code_challenge_method", "S256"),
    ]
    tokens = scope_tokens(SCOPE)
    return [
        ("os.urandom(32)", lambda: os.urandom(32)),
        ("new_state() (urandom + base64url + check)", new_state),
        ("new_code_verifier()", new_code_verifier),
        ("pkce_challenge(verifier, S256)", lambda: pkce_challenge(verifier, PkceMethod.S256)),
        ("scope_tokens(scope)", lambda: scope_tokens(SCOPE)),
        (
            "parse_url(endpoint) (LRU hit)",
            None if parse_url is None else (lambda: parse_url(AUTHORIZATION_ENDPOINT)),
        ),
        ("encode_form(7 params)", None if encode_form is None else lambda: encode_form(params)),
        (
            "PendingAuthorization(...) (__post_init__ checks)",
            lambda: PendingAuthorization(
                state=state,
                code_verifier=verifier,
                code_challenge_method=PkceMethod.S256,
                redirect_uri=REDIRECT_URI,
                scope=tokens,
            ),
        ),
        ("whole: build_authorization_url", oauthcore_url()),
    ]


def profile_hot_paths(settings: Settings) -> None:
    print()
    print("Profile: oauthcore (cProfile; per-call us include the profiler's overhead)")
    profile_calls(
        f"parse_token_response, {BODIES[0].name} body", oauthcore_parse(BODIES[0].data), 5000
    )
    print_stages(f"parse stages, {BODIES[0].name} body", parse_stages(BODIES[0]), settings)
    print()
    profile_calls("build_authorization_url", oauthcore_url(), 5000)
    print_stages("URL stages", url_stages(), settings)


# --------------------------------------------------------------------------------------------


def versions() -> str:
    parts = [f"Python {platform.python_version()} ({platform.machine()}, {os.cpu_count()} CPUs)"]
    parts.append(f"oauthcore {oauthcore.__version__}")
    for dist in ("oauthlib", "Authlib", "requests"):
        try:
            parts.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{dist} ?")
    return ", ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few, short repeats (smoke run)")
    parser.add_argument(
        "--profile", action="store_true", help="also profile oauthcore's two hot paths"
    )
    args = parser.parse_args(argv)
    settings = (
        Settings(repeat=3, target_s=0.004) if args.quick else Settings(repeat=15, target_s=0.04)
    )
    started = time.perf_counter()
    print(f"bench_oauth2 ({'quick' if args.quick else 'full'}): {versions()}")
    print(
        f"timing: median of {settings.repeat} samples of ~{settings.target_s * 1000:.0f} ms each,"
        " the libraries compared in a row sampled in turn"
    )
    agree = check_url_agreement()
    agree = check_parse_agreement() and agree
    if not agree:
        print("  WARNING: a library disagrees with oauthcore; its timings compare unlike work.")

    results = {
        "1. authorization URL vs oauthlib": bench_url(settings),
        "2. token response parse vs oauthlib": bench_parse(settings),
    }
    print()
    print("Summary:")
    for name, oks in results.items():
        passed = sum(oks)
        state = "PASS" if passed == len(oks) else f"MISS ({len(oks) - passed}/{len(oks)} rows)"
        print(f"  {name:<45} {state}")
    print(f"  {'(libraries agree on the outputs compared)':<45} {'yes' if agree else 'NO'}")

    if args.profile:
        profile_hot_paths(settings)
    print(f"\n(took {time.perf_counter() - started:.1f} s; a benchmark reports, exit code 0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

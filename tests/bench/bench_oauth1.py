"""Benchmark oauthcore's OAuth 1.0a signing against oauthlib, authlib and rauth.

Run from the repository root::

    PYTHONPATH=. .venv/bin/python tests/bench/bench_oauth1.py            # full run (~1 min)
    PYTHONPATH=. .venv/bin/python tests/bench/bench_oauth1.py --quick    # smoke run (< 10 s)
    PYTHONPATH=. .venv/bin/python tests/bench/bench_oauth1.py --profile  # + where time goes

Four sections, each a table of median microseconds per call and the ratio to oauthcore:

1. full request signing, HMAC-SHA1, 1 / 10 / 50 / 200 parameters (half in the query, half in
   a form body, values with spaces, reserved and non-ASCII characters); 1b repeats it with a
   distinct URL on every call, so no per-URL cache (urllib's or oauthcore's) can hit.
   oauthcore signs with a ``Signer`` built once, as oauthlib's ``Client`` and authlib's
   ``ClientAuth`` are built once; ``sign_request``, which prepares the credentials for every
   call, has its own column;
2. signature base string + HMAC only, from the library functions;
3. RSA-SHA1 with a 2048-bit key, against a bare CRT ``pow`` pair on the same key;
4. the import cost of ``oauthcore.oauth1`` and ``oauthlib.oauth1`` (``-X importtime``), and
   a check that importing ``oauthcore.oauth1`` loads nothing outside the standard library.

Before any timing, every library signs the same requests with a fixed nonce and timestamp and
the signatures are compared, so the tables compare like with like. Each row says PASS or MISS
against its target. A benchmark reports, it does not gate: the exit code is 0 whatever the
numbers (2 only when a library cannot be imported). ``--profile`` adds a cProfile of
oauthcore's ``Signer.sign``, a per-stage timing and a per-module import breakdown.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import hashlib
import importlib.metadata
import itertools
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
import types
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchtools import fmt_ratio, fmt_us, median_us, medians_us, print_table, verdict

try:
    import authlib.oauth1.rfc5849.client_auth as authlib_client_auth
    import authlib.oauth1.rfc5849.signature as authlib_signature
    import oauthlib.oauth1
    import oauthlib.oauth1.rfc5849.signature as oauthlib_signature
    import rauth.oauth
    from authlib.common.urls import url_decode as authlib_url_decode
    from authlib.oauth1.client import ClientAuth as AuthlibClientAuth
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa

    import oauthcore
    from oauthcore._encoding import form_pairs_encoded, percent_encode
    from oauthcore._urls import parse_url
    from oauthcore.http import Request
    from oauthcore.oauth1 import (
        ClientCredentials,
        SignatureMethod,
        Signer,
        TokenCredentials,
        build_authorization_header,
        new_nonce,
        parse_authorization_header,
        sign_base_string,
        sign_request,
        signature_base_string,
    )
    from oauthcore.rsa import RSAPrivateKey, load_private_key
except ImportError as exc:  # pragma: no cover - environment problem, not a benchmark result
    sys.stderr.write(
        f"bench_oauth1: cannot import {exc.name!r}: {exc}\n"
        "Run from the repository root with PYTHONPATH=. and the dev extras installed "
        "(oauthlib, authlib, rauth, requests, cryptography, pyjwt).\n"
    )
    raise SystemExit(2) from None

# --------------------------------------------------------------------------------------------
# Fixed inputs

CLIENT_KEY = "dpf43f3p2l4k3l03"
CLIENT_SECRET = "kd94hf93k423kf44"
TOKEN = "nnch734d00sl2jdk"
TOKEN_SECRET = "pfkkdhi9sl3r4s00"
FIXED_NONCE = "kllo9940pd9333jh"
FIXED_TIMESTAMP = 1191242096
BASE_URL = "https://api.example.com/1.1/statuses/update.json"
FORM = "application/x-www-form-urlencoded"
SIZES = (1, 10, 50, 200)
RSA_CASE_SIZE = 10
# Spaces, form/URI delimiters, '~' and '*', 2-, 3- and 4-byte UTF-8, a literal '%'.
VALUES = (
    "hello world",
    "café au lait",
    "日本語 テキスト",
    "a+b=c&d/e?f",
    "~tilde*star!",
    "plain",
    "party 🎉 time",
    "100% sure",
)

# Targets: minimum speed-ups of oauthcore, or maximum ratios.
TARGET_FULL_VS_OAUTHLIB = 10.0
TARGET_BASE_VS_OAUTHLIB = 3.0
TARGET_RSA_VS_CRT = 1.1
TARGET_RSA_VS_OAUTHLIB = 5.0
TARGET_IMPORT_FRACTION = 0.25


@dataclass(frozen=True, slots=True)
class Case:
    """One request: ``n`` parameters, half in the URL query, half in a form body."""

    n: int
    url: str
    body: str
    query_pairs: tuple[tuple[str, str], ...]
    body_pairs: tuple[tuple[str, str], ...]


def _encode_component(text: str, index: int) -> str:
    # Alternate the two encodings real clients use for a space: '+' and '%20'.
    if index % 2:
        return urllib.parse.quote(text, safe="")
    return urllib.parse.quote_plus(text, safe="")


def make_case(n: int) -> Case:
    """Return the request with ``n`` parameters, ceil(n/2) in the query, the rest in the body."""
    in_query = (n + 1) // 2
    query: list[tuple[str, str]] = []
    body: list[tuple[str, str]] = []
    for i in range(n):
        value = VALUES[i % len(VALUES)]
        if i < in_query:
            query.append((f"q{i:03d}", value))
        else:
            body.append((f"f{i:03d}", value))

    def encode(pairs: list[tuple[str, str]]) -> str:
        return "&".join(
            f"{_encode_component(k, i)}={_encode_component(v, i)}" for i, (k, v) in enumerate(pairs)
        )

    url = f"{BASE_URL}?{encode(query)}" if query else BASE_URL
    return Case(n, url, encode(body), tuple(query), tuple(body))


def oauth_pairs(nonce: str, timestamp: int) -> list[tuple[str, str]]:
    """The protocol parameters every library sends (oauthlib and authlib always add version)."""
    return [
        ("oauth_consumer_key", CLIENT_KEY),
        ("oauth_nonce", nonce),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", str(timestamp)),
        ("oauth_token", TOKEN),
        ("oauth_version", "1.0"),
    ]


# --------------------------------------------------------------------------------------------
# Timing


@dataclass(frozen=True, slots=True)
class Settings:
    """How long to time: ``repeat`` samples of about ``target_s`` seconds each."""

    repeat: int
    target_s: float
    import_runs: int


# --------------------------------------------------------------------------------------------
# The signers under test. Each ``*_signer`` returns a zero-argument callable doing one full,
# realistic signing (fresh nonce and timestamp, as each library does by default).

OAUTHCORE_CLIENT = ClientCredentials(key=CLIENT_KEY, secret=CLIENT_SECRET)
OAUTHCORE_TOKEN = TokenCredentials(token=TOKEN, secret=TOKEN_SECRET)
FORM_HEADERS = (("Content-Type", FORM),)


def oauthcore_signer(case: Case, *, fixed: bool = False) -> Callable[[], Request]:
    """oauthcore's Signer, built once like oauthlib's Client, signing one request per call."""
    body = case.body.encode("ascii")
    signer, url = Signer(OAUTHCORE_CLIENT, OAUTHCORE_TOKEN), case.url
    if fixed:

        def run_fixed() -> Request:
            request = Request(method="POST", url=url, headers=FORM_HEADERS, body=body)
            return signer.sign(
                request, version=True, now=lambda: FIXED_TIMESTAMP, nonce=lambda: FIXED_NONCE
            )

        return run_fixed

    def run() -> Request:
        request = Request(method="POST", url=url, headers=FORM_HEADERS, body=body)
        return signer.sign(request, version=True)

    return run


def oauthcore_one_shot(case: Case) -> Callable[[], Request]:
    """oauthcore's sign_request: the credentials prepared again for every request."""
    body = case.body.encode("ascii")
    client, token, url = OAUTHCORE_CLIENT, OAUTHCORE_TOKEN, case.url

    def run() -> Request:
        request = Request(method="POST", url=url, headers=FORM_HEADERS, body=body)
        return sign_request(request, client, token, version=True)

    return run


def oauthlib_signer(case: Case, *, fixed: bool = False) -> Callable[[], Any]:
    client = oauthlib.oauth1.Client(
        CLIENT_KEY,
        client_secret=CLIENT_SECRET,
        resource_owner_key=TOKEN,
        resource_owner_secret=TOKEN_SECRET,
        nonce=FIXED_NONCE if fixed else None,
        timestamp=str(FIXED_TIMESTAMP) if fixed else None,
    )
    url, body = case.url, case.body

    def run() -> Any:
        return client.sign(url, "POST", body, {"Content-Type": FORM})

    return run


def authlib_signer(case: Case) -> Callable[[], Any]:
    auth = AuthlibClientAuth(
        CLIENT_KEY, client_secret=CLIENT_SECRET, token=TOKEN, token_secret=TOKEN_SECRET
    )
    url, body = case.url, case.body

    def run() -> Any:
        # ClientAuth.sign writes the Authorization header into the dict it is given.
        return auth.sign("POST", url, {"Content-Type": FORM}, body)

    return run


def rauth_signer(case: Case, *, fixed: bool = False) -> Callable[[], str]:
    """rauth's HmacSha1Signature.sign, fed the way OAuth1Session.request feeds it.

    rauth takes the query and the form body as already-decoded dicts and the URL without its
    query, and builds no header: it does strictly less work than the other three.
    """
    signer = rauth.oauth.HmacSha1Signature()
    params, data = dict(case.query_pairs), dict(case.body_pairs)

    def run() -> str:
        # As rauth.session.OAuth1Session._get_oauth_params does.
        oauth_params = {
            "oauth_consumer_key": CLIENT_KEY,
            "oauth_nonce": (
                FIXED_NONCE
                if fixed
                # rauth's own nonce recipe, copied: SHA-1 as a mixer, not for security.
                else hashlib.sha1(str(random.random()).encode("ascii")).hexdigest()  # noqa: S324
            ),
            "oauth_signature_method": "HMAC-SHA1",
            "oauth_timestamp": FIXED_TIMESTAMP if fixed else int(time.time()),
            "oauth_token": TOKEN,
            "oauth_version": "1.0",
        }
        req_kwargs = {"params": params, "data": data, "headers": {"Content-Type": FORM}}
        return str(
            signer.sign(CLIENT_SECRET, TOKEN_SECRET, "POST", BASE_URL, oauth_params, req_kwargs)
        )

    return run


COLD_URLS = 4096  # more than oauthcore's parse_url LRU (512) and urllib's urlsplit LRU (128)


def cold_signers(case: Case) -> dict[str, Callable[[], object]]:
    """Signers that get a different URL on every call (an extra ``cb=<i>`` query parameter).

    With one fixed URL, every URL-parsing cache (urllib's, oauthcore's) always hits; cycling
    through more distinct URLs than any cache holds shows the cost without them.
    """
    urls = [f"{case.url}&cb={i}" for i in range(COLD_URLS)]
    body_bytes, body = case.body.encode("ascii"), case.body
    signer = Signer(OAUTHCORE_CLIENT, OAUTHCORE_TOKEN)
    next_core = itertools.cycle(urls).__next__
    next_lib = itertools.cycle(urls).__next__
    next_auth = itertools.cycle(urls).__next__
    lib = oauthlib.oauth1.Client(
        CLIENT_KEY,
        client_secret=CLIENT_SECRET,
        resource_owner_key=TOKEN,
        resource_owner_secret=TOKEN_SECRET,
    )
    auth = AuthlibClientAuth(
        CLIENT_KEY, client_secret=CLIENT_SECRET, token=TOKEN, token_secret=TOKEN_SECRET
    )

    def core() -> Request:
        request = Request(method="POST", url=next_core(), headers=FORM_HEADERS, body=body_bytes)
        return signer.sign(request, version=True)

    def oauthlib_cold() -> Any:
        return lib.sign(next_lib(), "POST", body, {"Content-Type": FORM})

    def authlib_cold() -> Any:
        return auth.sign("POST", next_auth(), {"Content-Type": FORM}, body)

    return {"oauthcore": core, "oauthlib": oauthlib_cold, "authlib": authlib_cold}


def signature_from_header(value: str) -> str:
    _, params = parse_authorization_header(value)
    return dict(params)["oauth_signature"]


def fixed_signatures(case: Case) -> dict[str, str]:
    """Every library's signature of ``case`` with the same fixed nonce and timestamp."""
    ours = oauthcore_signer(case, fixed=True)()
    result = {"oauthcore": signature_from_header(ours.header("Authorization") or "")}
    _, headers, _ = oauthlib_signer(case, fixed=True)()
    result["oauthlib"] = signature_from_header(str(headers["Authorization"]))
    saved = authlib_client_auth.generate_nonce, authlib_client_auth.generate_timestamp
    authlib_client_auth.generate_nonce = lambda: FIXED_NONCE
    authlib_client_auth.generate_timestamp = lambda: str(FIXED_TIMESTAMP)
    try:
        _, headers, _ = authlib_signer(case)()
    finally:
        authlib_client_auth.generate_nonce, authlib_client_auth.generate_timestamp = saved
    result["authlib"] = signature_from_header(str(headers["Authorization"]))
    result["rauth"] = rauth_signer(case, fixed=True)()
    return result


def check_agreement(cases: Sequence[Case]) -> bool:
    print("Signature agreement (fixed nonce and timestamp, HMAC-SHA1):")
    all_agree = True
    for case in cases:
        sigs = fixed_signatures(case)
        reference = sigs["oauthcore"]
        agree = [name for name, sig in sigs.items() if sig == reference]
        differ = [name for name, sig in sigs.items() if sig != reference]
        all_agree = all_agree and not differ
        text = " == ".join(agree)
        if differ:
            text += f"   DISAGREE: {', '.join(differ)}"
        print(f"  n={case.n:<4} {text}")
    if not all_agree:
        print("  WARNING: a library disagrees with oauthcore; its timings compare unlike work.")
    return all_agree


# --------------------------------------------------------------------------------------------
# Section 1: full request signing


def bench_full(cases: Sequence[Case], settings: Settings) -> list[bool]:
    print()
    print("1. Full request signing, HMAC-SHA1, POST, header placement (median us per request)")
    print(
        f"   target: oauthcore >= {TARGET_FULL_VS_OAUTHLIB:.0f}x faster than oauthlib Client.sign"
    )
    rows: list[list[str]] = []
    results: list[bool] = []
    for case in cases:
        times = medians_us(
            {
                "oauthcore": oauthcore_signer(case),
                "sign_request": oauthcore_one_shot(case),
                "oauthlib": oauthlib_signer(case),
                "oauthlib fixed": oauthlib_signer(case, fixed=True),
                "authlib": authlib_signer(case),
                "rauth": rauth_signer(case),
            },
            settings,
        )
        ours, lib, lib_fixed = times["oauthcore"], times["oauthlib"], times["oauthlib fixed"]
        one_shot, auth, rau = times["sign_request"], times["authlib"], times["rauth"]
        ok = lib / ours >= TARGET_FULL_VS_OAUTHLIB
        results.append(ok)
        rows.append(
            [
                str(case.n),
                fmt_us(ours),
                f"{fmt_us(one_shot)} ({lib / one_shot:.1f}x)",
                f"{fmt_us(lib)} ({fmt_ratio(lib, ours)})",
                f"{fmt_us(lib_fixed)} ({fmt_ratio(lib_fixed, ours)})",
                f"{fmt_us(auth)} ({fmt_ratio(auth, ours)})",
                f"{fmt_us(rau)} ({fmt_ratio(rau, ours)})",
                f"{lib / ours:.1f}x >= {TARGET_FULL_VS_OAUTHLIB:.0f}x {verdict(ok)}",
            ]
        )
    print_table(
        [
            "params",
            "oauthcore",
            "sign_request**",
            "oauthlib",
            "oauthlib fixed nonce",
            "authlib",
            "rauth*",
            "target vs oauthlib",
        ],
        rows,
    )
    print("   oauthcore: Signer(client, token).sign(request), the Signer built once, as oauthlib's")
    print("   Client and authlib's ClientAuth are (and as every oauthcore adapter keeps one).")
    print("   ** sign_request(request, client, token): a Signer per call; (x) = oauthlib / it.")
    print("   oauthlib fixed nonce: Client(nonce=, timestamp=), i.e. without its nonce cost.")
    print("   * rauth: HmacSha1Signature.sign only; takes pre-decoded dicts, builds no header.")
    return results


def bench_cold(cases: Sequence[Case], settings: Settings) -> list[bool]:
    print()
    print(f"1b. Same, a distinct URL on every call ({COLD_URLS} URLs cycled: URL caches miss)")
    print(
        "   A fixed URL (table 1) lets every per-URL cache hit: urllib's urlsplit LRU, and"
        " oauthcore's\n   URL parse and query re-encoding LRU. Real clients vary the query"
        " (cursors, ids), so\n   this is the same comparison without those caches."
    )
    rows: list[list[str]] = []
    results: list[bool] = []
    for case in cases:
        times = medians_us(cold_signers(case), settings)
        ours, lib, auth = times["oauthcore"], times["oauthlib"], times["authlib"]
        ok = lib / ours >= TARGET_FULL_VS_OAUTHLIB
        results.append(ok)
        rows.append(
            [
                f"{case.n}+1",
                fmt_us(ours),
                f"{fmt_us(lib)} ({fmt_ratio(lib, ours)})",
                f"{fmt_us(auth)} ({fmt_ratio(auth, ours)})",
                f"{lib / ours:.1f}x >= {TARGET_FULL_VS_OAUTHLIB:.0f}x {verdict(ok)}",
            ]
        )
    print_table(["params", "oauthcore", "oauthlib", "authlib", "target vs oauthlib"], rows)
    return results


# --------------------------------------------------------------------------------------------
# Section 2: base string + HMAC


def base_string_functions(
    case: Case,
) -> tuple[Callable[[], str], Callable[[], str], Callable[[], str]]:
    """oauthcore, oauthlib and authlib: base string from URL + decoded params, then HMAC."""
    params = [*case.body_pairs, *oauth_pairs(FIXED_NONCE, FIXED_TIMESTAMP)]
    url = case.url
    method = SignatureMethod.HMAC_SHA1

    def ours() -> str:
        base = signature_base_string("POST", url, params)
        return sign_base_string(
            base, method, client_secret=CLIENT_SECRET, token_secret=TOKEN_SECRET
        )

    secrets = types.SimpleNamespace(client_secret=CLIENT_SECRET, resource_owner_secret=TOKEN_SECRET)
    sig = oauthlib_signature

    def theirs() -> str:
        query = urllib.parse.urlparse(url).query
        collected = sig.collect_parameters(uri_query=query, body=params)
        normalized = sig.normalize_parameters(collected)
        base_uri = sig.base_string_uri(url)
        base = sig.signature_base_string("POST", base_uri, normalized)
        # sign_hmac_sha1 is deprecated (it warns on every call); this is what Client uses.
        return str(sig.sign_hmac_sha1_with_client(base, secrets))

    def authlib_fn() -> str:
        query = authlib_url_decode(urllib.parse.urlparse(url).query)
        base = authlib_signature.construct_base_string("POST", url, query + params)
        return str(authlib_signature.hmac_sha1_signature(base, CLIENT_SECRET, TOKEN_SECRET))

    return ours, theirs, authlib_fn


def bench_base(cases: Sequence[Case], settings: Settings) -> list[bool]:
    print()
    print("2. Base string + HMAC-SHA1 only, library functions (median us per signature)")
    print(
        f"   target: oauthcore >= {TARGET_BASE_VS_OAUTHLIB:.0f}x faster than oauthlib's functions"
    )
    rows: list[list[str]] = []
    results: list[bool] = []
    for case in cases:
        ours_fn, lib_fn, auth_fn = base_string_functions(case)
        same = ours_fn() == lib_fn() == auth_fn()
        times = medians_us({"oauthcore": ours_fn, "oauthlib": lib_fn, "authlib": auth_fn}, settings)
        ours, lib, auth = times["oauthcore"], times["oauthlib"], times["authlib"]
        ok = lib / ours >= TARGET_BASE_VS_OAUTHLIB
        results.append(ok)
        rows.append(
            [
                str(case.n),
                fmt_us(ours),
                f"{fmt_us(lib)} ({fmt_ratio(lib, ours)})",
                f"{fmt_us(auth)} ({fmt_ratio(auth, ours)})",
                "yes" if same else "NO",
                f"{lib / ours:.1f}x >= {TARGET_BASE_VS_OAUTHLIB:.0f}x {verdict(ok)}",
            ]
        )
    print_table(
        ["params", "oauthcore", "oauthlib", "authlib", "same sig", "target vs oauthlib"], rows
    )
    print("   oauthcore: signature_base_string + sign_base_string(SignatureMethod.HMAC_SHA1).")
    print("   oauthlib: collect_parameters, normalize_parameters, base_string_uri,")
    print("             signature_base_string, sign_hmac_sha1_with_client.")
    print("   authlib: url_decode(query), construct_base_string, hmac_sha1_signature.")
    return results


# --------------------------------------------------------------------------------------------
# Section 3: RSA-SHA1

_SHA1_DIGEST_INFO = bytes.fromhex("3021300906052b0e03021a05000414")


def emsa_pkcs1_sha1(message: bytes, k: int) -> int:
    """EMSA-PKCS1-v1_5 with SHA-1 (RFC 8017 §9.2), as an integer: written here, not imported."""
    t = _SHA1_DIGEST_INFO + hashlib.sha1(message).digest()  # noqa: S324 - RSA-SHA1 is the subject
    return int.from_bytes(b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t, "big")


def bench_rsa(settings: Settings) -> list[bool]:
    print()
    print("3. RSA-SHA1, 2048-bit key, signing one base string (median us per signature)")
    print(
        f"   targets: oauthcore within {TARGET_RSA_VS_CRT}x of a bare CRT pow pair; "
        f">= {TARGET_RSA_VS_OAUTHLIB:.0f}x faster than oauthlib"
    )
    crypto_key = crypto_rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = crypto_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,  # PKCS#1 "RSA PRIVATE KEY"
        serialization.NoEncryption(),
    ).decode("ascii")
    key: RSAPrivateKey = load_private_key(pem)
    case = make_case(RSA_CASE_SIZE)
    base = signature_base_string(
        "POST", case.url, [*case.body_pairs, *oauth_pairs(FIXED_NONCE, FIXED_TIMESTAMP)]
    )
    message = base.encode("ascii")
    k = (key.n.bit_length() + 7) // 8
    c = emsa_pkcs1_sha1(message, k)
    p, q, dp, dq, qinv = key.p, key.q, key.dp, key.dq, key.qinv

    def bare_crt() -> int:
        m1 = pow(c, dp, p)
        m2 = pow(c, dq, q)
        h = qinv * (m1 - m2) % p
        return m2 + h * q

    def ours() -> str:
        return sign_base_string(base, "RSA-SHA1", rsa_key=key)

    with_pem = types.SimpleNamespace(rsa_key=pem)

    def oauthlib_pem() -> str:
        return str(oauthlib_signature.sign_rsa_sha1_with_client(base, with_pem))

    with_obj = types.SimpleNamespace(rsa_key=crypto_key)

    def oauthlib_parsed() -> str:
        # PyJWT's prepare_key passes a key object through: OpenSSL signing without the parse.
        return str(oauthlib_signature.sign_rsa_sha1_with_client(base, with_obj))

    def authlib_pem() -> str:
        return str(authlib_signature.rsa_sha1_signature(base, pem))

    def openssl_only() -> bytes:
        return crypto_key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - RSA-SHA1 is the subject

    bare_sig = base64.b64encode(bare_crt().to_bytes(k, "big")).decode("ascii")
    sigs = {
        "bare CRT": bare_sig,
        "oauthlib": oauthlib_pem(),
        "oauthlib key obj": oauthlib_parsed(),
        "authlib": authlib_pem(),
    }
    reference = ours()
    agree = ["oauthcore"] + [name for name, sig in sigs.items() if sig == reference]
    differ = [name for name, sig in sigs.items() if sig != reference]
    line = " == ".join(agree) + (f"   DISAGREE: {', '.join(differ)}" if differ else "")
    print(f"   RSA signature agreement (PKCS#1 v1.5 is deterministic): {line}")

    times = medians_us(
        {
            "oauthcore": ours,
            "crt": bare_crt,
            "oauthlib": oauthlib_pem,
            "oauthlib obj": oauthlib_parsed,
            "authlib": authlib_pem,
            "openssl": openssl_only,
        },
        settings,
    )
    ours_us, crt_us, lib_us = times["oauthcore"], times["crt"], times["oauthlib"]
    lib_obj_us, auth_us, ssl_us = times["oauthlib obj"], times["authlib"], times["openssl"]
    try:
        rauth.oauth.RsaSha1Signature()
        rauth_text = "installed but not timed"
    except NotImplementedError:
        rauth_text = "n/a (needs PyCrypto)"

    crt_ok = ours_us / crt_us <= TARGET_RSA_VS_CRT
    lib_ok = lib_us / ours_us >= TARGET_RSA_VS_OAUTHLIB
    rows = [
        ["oauthcore sign_base_string (parsed key)", fmt_us(ours_us), "1.0x", ""],
        [
            "bare CRT pow pair, same key",
            fmt_us(crt_us),
            f"{crt_us / ours_us:.2f}x",
            f"oauthcore/CRT {ours_us / crt_us:.2f}x <= {TARGET_RSA_VS_CRT}x {verdict(crt_ok)}",
        ],
        [
            "oauthlib sign_rsa_sha1_with_client (PEM)",
            fmt_us(lib_us),
            fmt_ratio(lib_us, ours_us),
            f"{lib_us / ours_us:.1f}x >= {TARGET_RSA_VS_OAUTHLIB:.0f}x {verdict(lib_ok)}",
        ],
        [
            "authlib rsa_sha1_signature (PEM)",
            fmt_us(auth_us),
            fmt_ratio(auth_us, ours_us),
            "",
        ],
        ["rauth RsaSha1Signature", rauth_text, "", ""],
        [
            "info: oauthlib, pre-parsed key object",
            fmt_us(lib_obj_us),
            fmt_ratio(lib_obj_us, ours_us),
            "",
        ],
        [
            "info: OpenSSL sign (cryptography), parsed",
            fmt_us(ssl_us),
            fmt_ratio(ssl_us, ours_us),
            "",
        ],
    ]
    print_table(["signer", "us", "vs oauthcore", "target"], rows)
    print("   oauthlib and authlib take the PEM text and parse it (with key checks) on every call;")
    print("   the info rows show OpenSSL's signing alone, for scale.")
    return [crt_ok, lib_ok]


# --------------------------------------------------------------------------------------------
# Section 4: import cost

PRE_IMPORTS = "import typing, dataclasses, re, json, urllib.parse, hashlib"
_MARK = "@@bench-import-mark@@"


def _subprocess_env(pycache: str) -> dict[str, str]:
    """The environment of the import subprocesses: warm bytecode for every package alike.

    With PYTHONDONTWRITEBYTECODE set (as it may be in CI or a sandbox) oauthcore would be
    compiled from source on every run while oauthlib's wheel ships its .pyc files; both are
    therefore cached under a private PYTHONPYCACHEPREFIX, warmed by one discarded run.
    """
    root = str(Path(oauthcore.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env["PYTHONPYCACHEPREFIX"] = pycache
    for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME", "PYTHONSTARTUP"):
        env.pop(name, None)
    return env


def parse_importtime(stderr: str) -> tuple[int, list[tuple[str, int]]]:
    """Sum the cumulative us of the top-level imports printed after the mark.

    ``-X importtime`` prints ``import time: self | cumulative | <indent>name``, children
    before parents, two spaces of indent per nesting level. A top-level line's cumulative time
    includes every module it pulled in that was not imported already.
    """
    _, _, after = stderr.partition(_MARK)
    total = 0
    tops: list[tuple[str, int]] = []
    for line in after.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line.split("|")
        if len(fields) != 3 or not fields[1].strip().isdigit():
            continue  # the header line
        name = fields[2]
        if name.startswith("  "):  # nested: already counted in its top-level parent
            continue
        cumulative = int(fields[1])
        total += cumulative
        tops.append((name.strip(), cumulative))
    return total, tops


def importtime_stderr(module: str, env: dict[str, str]) -> str:
    """Run ``-X importtime`` importing ``module`` after the pre-imports; return its stderr."""
    code = f"{PRE_IMPORTS}; import sys; sys.stderr.write({_MARK!r} + '\\n'); import {module}"
    # Fixed argv, our own interpreter: no untrusted input reaches the command.
    proc = subprocess.run(  # noqa: S603
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return proc.stderr


def import_cost_us(module: str, env: dict[str, str]) -> tuple[int, list[tuple[str, int]]]:
    return parse_importtime(importtime_stderr(module, env))


_STDLIB_CHECK = """
import sys
before = set(sys.modules)
import oauthcore.oauth1
new = sorted(set(sys.modules) - before)
outside = [m for m in new
           if m.split('.')[0] not in sys.stdlib_module_names and m.split('.')[0] != 'oauthcore']
print(len(new))
print(' '.join(outside))
"""


def stdlib_only_check(env: dict[str, str]) -> tuple[int, list[str]]:
    proc = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _STDLIB_CHECK], capture_output=True, text=True, env=env, check=True
    )
    lines = proc.stdout.splitlines()
    return int(lines[0]), lines[1].split() if len(lines) > 1 else []


def bench_import(settings: Settings) -> list[bool]:
    print()
    print(f"4. Import cost: -X importtime after `{PRE_IMPORTS}` (median of {settings.import_runs})")
    print(
        f"   target: oauthcore.oauth1 marginal import <= "
        f"{TARGET_IMPORT_FRACTION:.2f} of oauthlib.oauth1's"
    )
    medians: dict[str, float] = {}
    tops: dict[str, list[tuple[str, int]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as pycache:
        env = _subprocess_env(pycache)
        modules = ("oauthcore.oauth1", "oauthlib.oauth1")
        for module in modules:
            import_cost_us(module, env)  # warm-up: writes the bytecode cache
        runs: dict[str, list[int]] = {module: [] for module in modules}
        for _ in range(settings.import_runs):  # alternate, so load bursts hit both alike
            for module in modules:
                total, tops[module] = import_cost_us(module, env)
                runs[module].append(total)
        for module in modules:
            medians[module] = statistics.median(runs[module])
        count, outside = stdlib_only_check(env)
    ours, theirs = medians["oauthcore.oauth1"], medians["oauthlib.oauth1"]
    ok = ours <= TARGET_IMPORT_FRACTION * theirs
    rows = [
        [
            module,
            fmt_us(medians[module]),
            ", ".join(f"{name} {us}" for name, us in tops[module]),
        ]
        for module in medians
    ]
    print_table(["module", "us", "top-level imports (cumulative us, last run)"], rows)
    print(
        f"   oauthcore/oauthlib = {ours / theirs:.2f} <= {TARGET_IMPORT_FRACTION:.2f} {verdict(ok)}"
    )
    stdlib_ok = not outside
    print(
        f"   in a bare interpreter, importing oauthcore.oauth1 loads {count} modules; "
        f"outside the stdlib (oauthcore excepted): {', '.join(outside) if outside else 'none'} "
        f"{verdict(stdlib_ok)}"
    )
    return [ok, stdlib_ok]


# --------------------------------------------------------------------------------------------
# Profile mode: where oauthcore's time goes


def stage_breakdown(case: Case, settings: Settings) -> None:
    """Time the stages of Signer.sign separately, with public building blocks only."""
    body = case.body.encode("ascii")
    body_text = case.body
    query = parse_url(case.url).query
    oauth = oauth_pairs(FIXED_NONCE, FIXED_TIMESTAMP)
    params = [*case.body_pairs, *oauth]
    base = signature_base_string("POST", case.url, params)
    signed = [*oauth, ("oauth_signature", "tR3+Ty81lMeYAr/Fid0kMTYa/WM=")]
    distinct = itertools.cycle([f"{case.url}&cb={i}" for i in range(COLD_URLS)]).__next__
    stages: list[tuple[str, Callable[[], object]]] = [
        (
            "Request(...) construction + checks",
            lambda: Request(method="POST", url=case.url, headers=FORM_HEADERS, body=body),
        ),
        ("parse_url(url), cache hit", lambda: parse_url(case.url)),
        ("parse_url(url), distinct URLs", lambda: parse_url(distinct())),
        ("form_pairs_encoded(query)", lambda: form_pairs_encoded(query)),
        ("form_pairs_encoded(body)", lambda: form_pairs_encoded(body_text)),
        ("percent_encode x oauth values", lambda: [percent_encode(v) for _, v in oauth]),
        (
            "signature_base_string(url, body+oauth)",
            lambda: signature_base_string("POST", case.url, params),
        ),
        (
            "sign_base_string HMAC (enum)",
            lambda: sign_base_string(
                base,
                SignatureMethod.HMAC_SHA1,
                client_secret=CLIENT_SECRET,
                token_secret=TOKEN_SECRET,
            ),
        ),
        (
            "sign_base_string HMAC (str)",
            lambda: sign_base_string(
                base, "HMAC-SHA1", client_secret=CLIENT_SECRET, token_secret=TOKEN_SECRET
            ),
        ),
        ("build_authorization_header(decoded)", lambda: build_authorization_header(signed)),
        ("new_nonce()", new_nonce),
        ("whole Request() + Signer.sign", oauthcore_signer(case)),
        ("whole Request() + sign_request", oauthcore_one_shot(case)),
        ("same, distinct URLs", cold_signers(case)["oauthcore"]),
    ]
    print(f"   stage breakdown, n={case.n} (median us, timeit, no profiler overhead):")
    for name, func in stages:
        print(f"     {name:<40} {fmt_us(median_us(func, settings)):>9}")


def import_breakdown(runs: int) -> None:
    """Print each module ``import oauthcore.oauth1`` loads, median self and cumulative us."""
    print()
    print(f"Profile: import oauthcore.oauth1, per module (median of {runs} warm runs, us)")
    samples: dict[str, list[tuple[int, int]]] = {}
    order: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as pycache:
        env = _subprocess_env(pycache)
        importtime_stderr("oauthcore.oauth1", env)
        for _ in range(runs):
            stderr = importtime_stderr("oauthcore.oauth1", env)
            for line in stderr.partition(_MARK)[2].splitlines():
                fields = line.split("|")
                if not line.startswith("import time:") or len(fields) != 3:
                    continue
                if not fields[1].strip().isdigit():
                    continue
                name = fields[2].rstrip()
                own = int(fields[0].removeprefix("import time:"))
                if name not in samples:
                    samples[name] = []
                    order.append(name)
                samples[name].append((own, int(fields[1])))
    print(f"     {'module':<44} {'self':>7} {'cumulative':>10}")
    for name in order:
        own_us = statistics.median(s[0] for s in samples[name])
        cum_us = statistics.median(s[1] for s in samples[name])
        print(f"     {name:<44} {own_us:>7.0f} {cum_us:>10.0f}")


def profile_hot_path(cases: Sequence[Case], settings: Settings) -> None:
    print()
    print("Profile: oauthcore Signer.sign hot path (cProfile; per-request us include its overhead)")
    for case in cases:
        func = cold_signers(case)["oauthcore"]  # distinct URLs: no cache hides any work
        iterations = 2000 if case.n <= 50 else 300
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(iterations):
            func()
        profiler.disable()
        profile = pstats.Stats(profiler).get_stats_profile()
        print(
            f"   n={case.n}, {iterations} requests with distinct URLs, top functions by own time"
            " per request:"
        )
        print(f"     {'function':<52} {'calls/req':>9} {'own us':>8} {'cum us':>8}")
        entries = sorted(profile.func_profiles.items(), key=lambda kv: -kv[1].tottime)[:14]
        for name, fp in entries:
            calls = int(fp.ncalls.split("/")[0]) / iterations
            where = f"{Path(fp.file_name).name}:{fp.line_number}" if fp.line_number else "builtin"
            label = f"{name} ({where})"[:52]
            print(
                f"     {label:<52} {calls:>9.1f} {fp.tottime / iterations * 1e6:>8.2f} "
                f"{fp.cumtime / iterations * 1e6:>8.2f}"
            )
        stage_breakdown(case, settings)


# --------------------------------------------------------------------------------------------


def versions() -> str:
    parts = [f"Python {platform.python_version()} ({platform.machine()}, {os.cpu_count()} CPUs)"]
    parts.append(f"oauthcore {oauthcore.__version__}")
    for dist in ("oauthlib", "Authlib", "rauth", "cryptography", "PyJWT"):
        try:
            parts.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{dist} ?")
    return ", ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few, short repeats (smoke run)")
    parser.add_argument(
        "--profile", action="store_true", help="also profile oauthcore's Signer.sign hot path"
    )
    args = parser.parse_args(argv)
    settings = (
        Settings(repeat=3, target_s=0.004, import_runs=2)
        if args.quick
        else Settings(repeat=15, target_s=0.04, import_runs=9)
    )
    started = time.perf_counter()
    print(f"bench_oauth1 ({'quick' if args.quick else 'full'}): {versions()}")
    print(
        f"timing: median of {settings.repeat} samples of ~{settings.target_s * 1000:.0f} ms each,"
        " the libraries compared in a row sampled in turn"
    )
    cases = [make_case(n) for n in SIZES]
    check_agreement(cases)

    results = {"1. full signing vs oauthlib": bench_full(cases, settings)}
    results["1b. full signing, distinct URLs vs oauthlib"] = bench_cold(cases, settings)
    results["2. base string + HMAC vs oauthlib"] = bench_base(cases, settings)
    rsa = bench_rsa(settings)
    results["3a. RSA within 1.1x of CRT pow"] = rsa[:1]
    results["3b. RSA vs oauthlib"] = rsa[1:]
    imports = bench_import(settings)
    results["4a. import cost vs oauthlib"] = imports[:1]
    results["4b. oauthcore.oauth1 imports stdlib only"] = imports[1:]

    print()
    print("Summary:")
    for name, oks in results.items():
        passed = sum(oks)
        state = "PASS" if passed == len(oks) else f"MISS ({len(oks) - passed}/{len(oks)} rows)"
        print(f"  {name:<45} {state}")

    if args.profile:
        profile_hot_path([cases[1], cases[3]], settings)
        import_breakdown(settings.import_runs)
    print(f"\n(took {time.perf_counter() - started:.1f} s; a benchmark reports, exit code 0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

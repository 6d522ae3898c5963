"""The error tree's contract: typed, helpful, and never a carrier of secrets."""

from __future__ import annotations

import subprocess
import sys

import pytest

from oauthcore import MissingDependencyError, OAuthError, TokenResponseError
from oauthcore.errors import safe_text


def test_safe_text_escapes_and_truncates() -> None:
    assert safe_text("a\r\nb\x00\x7f\x85") == "a\\x0d\\x0ab\\x00\\x7f\\x85"
    assert safe_text("x" * 300) == "x" * 256 + "..."
    assert safe_text("é☃") == "é☃"


def test_token_response_error_carries_status() -> None:
    error = TokenResponseError("refused", status=401)
    assert error.status == 401
    assert str(error) == "refused (HTTP 401)"
    assert TokenResponseError("x").status is None


@pytest.mark.checklist("N5")
def test_missing_dependency_error_names_the_extra() -> None:
    error = MissingDependencyError("httpx", "httpx")
    assert isinstance(error, ImportError)
    assert isinstance(error, OAuthError)
    assert "pip install 'oauthcore[httpx]'" in str(error)


@pytest.mark.checklist("N5")
def test_rsa_needs_no_optional_dependency() -> None:
    # With cryptography (and PyJWT) made unimportable, RSA signing still works: it is stdlib.
    script = """
import sys
sys.modules["cryptography"] = None
sys.modules["jwt"] = None
from pathlib import Path
import warnings
from oauthcore.oauth1 import sign_base_string
warnings.simplefilter("ignore")
pem = Path("vectors/oauth1/keys/oauth-wiki-testcases-rsa-private-key.pem").read_text()
print(sign_base_string("x", "RSA-SHA1", rsa_key=pem))
"""
    done = subprocess.run(  # noqa: S603 (fixed interpreter and script)
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=str(__import__("pathlib").Path(__file__).resolve().parent.parent),
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert len(done.stdout.strip()) == 172  # base64 of a 1024-bit signature


def _chain_text(error: BaseException) -> str:
    seen: list[str] = []
    current: BaseException | None = error
    while current is not None:
        seen.extend((str(current), repr(current), repr(current.args)))
        current = current.__cause__ or current.__context__
    return "\n".join(seen)


@pytest.mark.checklist("I4")
def test_decoding_failures_do_not_chain_the_data() -> None:
    # A UnicodeError's args hold the whole input; oauthcore raises its own errors without it.
    from oauthcore.http import Request, Response
    from oauthcore.oauth1 import (
        ClientCredentials,
        parse_credentials_response,
        percent_encode,
        sign_request,
    )

    secret = "CS-canary-\ud800-secret"
    with pytest.raises(OAuthError) as info:
        percent_encode(secret)
    assert "canary" not in _chain_text(info.value)

    client = ClientCredentials(key="ck", secret="s")
    form = Request.build(
        "POST",
        "https://x.example/",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body="password=BODY-canary\xff".encode("latin-1"),
    )
    with pytest.raises(OAuthError) as info:
        sign_request(form, client)
    assert "canary" not in _chain_text(info.value)

    for body in (b'{"oauth_token": "AT-canary", "x": \xff}', b'{"oauth_token": "AT-canary",'):
        with pytest.raises(TokenResponseError) as response_info:
            parse_credentials_response(
                Response(status=200, headers=(("Content-Type", "application/json"),), body=body),
                temporary=False,
            )
        assert "canary" not in _chain_text(response_info.value)


@pytest.mark.checklist("B10", "I5")
def test_provider_text_is_escaped_scrubbed_and_kept_raw_apart() -> None:
    from oauthcore import InvalidGrantError
    from oauthcore.errors import server_error

    raw = 'bad "code" CODE-canary\r\nX-Evil: 1 <script>' + "y" * 100_000
    error = server_error("invalid_grant", error_description=raw, status=400, scrub=["CODE-canary"])
    assert isinstance(error, InvalidGrantError)
    for text in (str(error), repr(error), repr(error.args)):
        assert "CODE-canary" not in text
        assert "\r" not in text
        assert "\n" not in text
        assert len(text) < 1000
    assert error.raw_error_description == raw

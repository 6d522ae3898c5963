"""``python -m oauthcore``: the demo and the two tools."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from oauthcore._cli import PUBLISHED_SIGNATURES, main


def _run(argv: list[str]) -> tuple[int, list[str]]:
    lines: list[str] = []
    return main(argv, out=lines.append), lines


def test_demo_reproduces_the_rfc_signatures() -> None:
    status, lines = _run(["demo"])
    assert status == 0
    text = "\n".join(lines)
    for signature in PUBLISHED_SIGNATURES:
        assert f"oauth_signature {signature} equals" in text
    assert "DIFFERS" not in text
    assert text.count("provider: signature verified") == 3
    # Part 2: code + PKCE, then a refresh after a 401 invalid_token, and nothing secret shown.
    assert "PKCE code_verifier matches the challenge" in text
    assert "-> HTTP 200, renewed=True" in text
    for secret in (
        "kd94hf93k423kf44",  # OAuth 1.0a client secret
        "gX1fBat3bV",  # OAuth 2.0 client secret
        "SplxlOBeZQQYbYS6WxSbIA",  # authorization code
        "2YotnFZFEjr1zCsicMWpAA",  # access token
        "tGzv3JOkF0XG5Qx2TlKWIA",  # refresh token
    ):
        assert secret not in text


def test_base_string() -> None:
    status, lines = _run(["base-string", "GET", "https://example.com/p?b=2", "a=1 2"])
    assert status == 0
    assert lines == ["GET&https%3A%2F%2Fexample.com%2Fp&a%3D1%25202%26b%3D2"]


def test_sign_reads_secrets_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("CS-canary&TS-canary\n"))
    status, lines = _run(
        [
            "sign",
            "GET",
            "https://example.com/",
            "--client-key",
            "ck",
            "--token",
            "tk",
            "--signature-method",
            "PLAINTEXT",
        ]
    )
    assert status == 0
    assert lines[0] == "GET https://example.com/"
    assert 'oauth_signature="CS-canary%26TS-canary"' in lines[1]  # PLAINTEXT is the secrets


def test_errors_are_reported_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    status, _ = _run(["base-string", "GET", "ftp://example.com/"])
    assert status == 1
    assert "error:" in capsys.readouterr().err


def test_module_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "oauthcore", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("oauthcore ")

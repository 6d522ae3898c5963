"""Secret hygiene across a whole session of use (checklist I3, I4, I6, T6).

Canaries stand in for every kind of secret. A full round of OAuth 1.0a and OAuth 2.0 work,
failures included, runs with the root logger at DEBUG and warnings recorded; no canary may
appear in any log record, warning, exception text, exception chain or object repr.
"""

from __future__ import annotations

import json
import logging
import traceback
import warnings
from collections.abc import Callable

import pytest

from oauthcore import OAuthError
from oauthcore.flows import drive
from oauthcore.http import Request, Response
from oauthcore.oauth1 import (
    ClientCredentials,
    Consumer,
    TokenCredentials,
    sign_request,
    verify_request,
)
from oauthcore.oauth2 import (
    ClientConfig,
    PendingAuthorization,
    Token,
    authorized_request_flow,
    build_authorization_url,
    parse_authorization_response,
    parse_token_response,
)

CANARIES = {
    "client_secret": "CS-5f1e9a",
    "token_secret": "TS-77c2d0",
    "access_token": "AT-0b3f6e",
    "refresh_token": "RT-9d41aa",
    "code": "CODE-4e8c1b",
    "state": "STATE-2a9f73",
}


def _forms(secret: str) -> set[str]:
    # The canary as it could leak: raw, percent-encoded, in a PLAINTEXT signature.
    return {secret, secret.replace("-", "%2D"), f"{secret}%26", f"{secret}&"}


def _work(errors: list[BaseException]) -> list[object]:
    """Run a round of ordinary use and of failures; return every public object made."""
    made: list[object] = []

    def attempt(call: Callable[[], object]) -> None:
        try:
            made.append(call())
        except OAuthError as error:
            errors.append(error)

    client1 = ClientCredentials(key="ck", secret=CANARIES["client_secret"])
    token1 = TokenCredentials(token="tk", secret=CANARIES["token_secret"])
    signed = sign_request(Request(method="GET", url="https://api.example/r"), client1, token1)
    made += [client1, token1, signed]
    consumer = Consumer(key="ck", secret=CANARIES["client_secret"])
    attempt(
        lambda: verify_request(
            signed,
            get_consumer=lambda key: consumer,
            get_token_secret=lambda consumer, token: "wrong",
            check_nonce=lambda *args: True,
        )
    )

    client2 = ClientConfig(
        client_id="c",
        client_secret=CANARIES["client_secret"],
        authorization_endpoint="https://as.example/authorize",
        token_endpoint="https://as.example/token",
        redirect_uri="https://app.example/cb",
    )
    url, pending = build_authorization_url(client2)
    pending = PendingAuthorization(state=CANARIES["state"], redirect_uri="https://app.example/cb")
    made += [client2, url, pending]
    attempt(
        lambda: parse_authorization_response(
            f"https://app.example/cb?code={CANARIES['code']}&state=other", pending
        )
    )
    echo = json.dumps(
        {
            "error": "invalid_grant",
            "error_description": f"bad code {CANARIES['code']} for {CANARIES['client_secret']}",
        }
    ).encode()
    attempt(
        lambda: parse_token_response(
            Response(status=400, headers=(("Content-Type", "application/json"),), body=echo),
            scrub=[CANARIES["code"], CANARIES["client_secret"]],
        )
    )
    # The refresh answer echoes what a refresh sends: the refresh token and client secret.
    refresh_echo = json.dumps(
        {
            "error": "invalid_grant",
            "error_description": f"{CANARIES['refresh_token']} / {CANARIES['client_secret']}",
        }
    ).encode()
    token = Token(access_token=CANARIES["access_token"], refresh_token=CANARIES["refresh_token"])
    made.append(token)
    answers = iter(
        [
            Response(status=401, headers=(("WWW-Authenticate", 'Bearer error="invalid_token"'),)),
            Response(
                status=400, headers=(("Content-Type", "application/json"),), body=refresh_echo
            ),
        ]
    )
    attempt(
        lambda: drive(
            authorized_request_flow(
                Request(method="GET", url="https://api.example/me"), token, client2
            ),
            lambda request: next(answers),
        )
    )
    return made


@pytest.mark.checklist("I3", "I4", "I6", "I2")
def test_no_secret_reaches_a_log_a_warning_an_error_or_a_repr(
    caplog: pytest.LogCaptureFixture,
) -> None:
    errors: list[BaseException] = []
    with caplog.at_level(logging.DEBUG), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        made = _work(errors)
    assert len(errors) == 4  # each failure above happened, and was typed
    texts = [record.getMessage() for record in caplog.records]
    texts += [repr(record.args) for record in caplog.records]
    texts += [str(warning.message) for warning in caught]
    for error in errors:
        texts.append("".join(traceback.format_exception(error)))
        current: BaseException | None = error
        while current is not None:
            texts += [str(current), repr(current), repr(current.args)]
            current = current.__cause__ or current.__context__
    texts += [repr(obj) for obj in made] + [str(obj) for obj in made if not isinstance(obj, str)]
    leaks = [
        (kind, text[:80])
        for text in texts
        for kind, secret in CANARIES.items()
        if any(form in text for form in _forms(secret))
    ]
    assert leaks == []


def test_the_scan_finds_a_planted_leak() -> None:
    # Positive control: the same scan flags a text that does carry a canary.
    text = f"token_secret in a log line: {CANARIES['token_secret']}"
    assert any(any(form in text for form in _forms(secret)) for secret in CANARIES.values())

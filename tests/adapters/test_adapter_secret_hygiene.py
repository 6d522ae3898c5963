"""No secret reaches a log record through any adapter (checklist I3, T6).

Every driver (tests/interop/drivers.py) signs and authorises real requests to a loopback
server with the root logger at DEBUG: OAuth 1.0a in the header and the query, a bearer token
in the header and the query, a renewal, a refused redirect. The HTTP clients log request lines
(urllib3 at DEBUG, httpx at INFO); no record may hold a secret, a token or a signature.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from interop import drivers  # tests/ is on sys.path (rootdir conftest)
from interop.drivers import Driver
from loopback import LoopbackServer, Recorded, Reply

from oauthcore.adapters._renewal import TokenStore
from oauthcore.http import Request
from oauthcore.oauth1 import ClientCredentials, Placement, TokenCredentials
from oauthcore.oauth2 import BearerPlacement, ClientConfig, Token

driver = drivers.driver  # the fixture: each adapter's driver in turn (defined once there)

CANARIES = {
    "client_secret": "CSx5f1e9a",
    "token_secret": "TSx77c2d0",
    "access_token": "ATx0b3f6e",
    "renewed_token": "ATx4c88d1",
    "refresh_token": "RTx9d41aa",
    "renewed_refresh": "RTx1f0c3e",
}


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def capture() -> Iterator[Capture]:
    root = logging.getLogger()
    handler, level = Capture(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def handler(recorded: Recorded) -> Reply:
    if recorded.path == "/token":
        return Reply.json(
            {
                "access_token": CANARIES["renewed_token"],
                "token_type": "Bearer",
                "expires_in": 3600,
                "refresh_token": CANARIES["renewed_refresh"],
            }
        )
    if recorded.path == "/away":
        return Reply.redirect("ftp://127.0.0.1/elsewhere")
    return Reply.json({"ok": True})


@pytest.mark.checklist("I3")
def test_no_adapter_logs_a_secret(driver: Driver, capture: Capture) -> None:
    with LoopbackServer(handler) as server:
        client = ClientCredentials(key="ck", secret=CANARIES["client_secret"])
        token = TokenCredentials(token="tt", secret=CANARIES["token_secret"])
        for placement in (Placement.HEADER, Placement.QUERY):
            request = Request(method="GET", url=server.url("/photos?size=big"))
            assert driver.oauth1(request, client, token, placement).status == 200
        config = ClientConfig(
            client_id="app",
            client_secret=CANARIES["client_secret"],
            token_endpoint=server.url("/token"),
        )
        fresh = Token(access_token=CANARIES["access_token"])
        for where in (BearerPlacement.HEADER, BearerPlacement.QUERY):
            request = Request(method="GET", url=server.url("/me?page=2"))
            assert driver.bearer(request, config, TokenStore(fresh), where).status == 200
        stale = Token(
            access_token=CANARIES["access_token"],
            refresh_token=CANARIES["refresh_token"],
            expires_at=1,
        )
        request = Request(method="GET", url=server.url("/me"))
        assert (
            driver.bearer(request, config, TokenStore(stale), BearerPlacement.QUERY).status == 200
        )
        with pytest.raises(driver.refusals):
            driver.bearer(
                Request(method="GET", url=server.url("/away")),
                config,
                TokenStore(fresh),
                BearerPlacement.QUERY,
            )
        # The canaries did travel (the test would prove nothing otherwise).
        sent = " ".join(r.target + str(r.headers) + r.body.decode() for r in server.requests)
        assert CANARIES["access_token"] in sent
        assert CANARIES["renewed_token"] in sent
    logged = "\n".join(capture.lines)
    assert capture.lines  # the clients did log their request lines
    leaked = [name for name, value in CANARIES.items() if value in logged]
    assert leaked == [], f"{driver.name} logged {leaked}"
    assert re.search(r"oauth_signature=(?!\*\*\*)", logged) is None  # no signature value

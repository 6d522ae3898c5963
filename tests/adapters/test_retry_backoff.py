"""A refresh refused as retryable is sent again after a pause, through every adapter (G6).

The token flow sends a refresh once more after a ``5xx`` or ``temporarily_unavailable``
answer; each adapter's OAuth 2.0 auth waits before that second attempt (the server's
``Retry-After``, capped, or half a second with jitter), so a struggling server is not hit
twice at once. Driven through each adapter's own auth object over real HTTP.
"""

from __future__ import annotations

import pytest
from interop import drivers  # tests/ is on sys.path (rootdir conftest)
from interop.drivers import Driver
from loopback import LoopbackServer, Recorded, Reply

from oauthcore.adapters._renewal import TokenStore
from oauthcore.http import Request
from oauthcore.oauth2 import ClientConfig, Token

driver = drivers.driver  # the fixture: each adapter's driver in turn (defined once there)


@pytest.mark.checklist("G6")
@pytest.mark.parametrize(("retry_after", "at_least"), [(None, 0.25), ("1", 1.0)])
def test_the_retried_refresh_waits(
    driver: Driver, retry_after: str | None, at_least: float
) -> None:
    answers = [
        Reply.json(
            {"error": "temporarily_unavailable"},
            status=503,
            headers=[] if retry_after is None else [("Retry-After", retry_after)],
        ),
        Reply.json({"access_token": "AT-1", "token_type": "Bearer", "expires_in": 3600}),
    ]

    def resource(recorded: Recorded) -> Reply:
        ok = recorded.header("Authorization") == "Bearer AT-1"
        return Reply.json({"ok": ok}, status=200 if ok else 401)

    with LoopbackServer(resource) as server:
        server.route("/token", lambda _: answers.pop(0))
        client = ClientConfig(
            client_id="app", client_secret="CS", token_endpoint=server.url("/token")
        )
        store = TokenStore(Token(access_token="AT-0", refresh_token="RT-0", expires_at=0))
        answer = driver.bearer(Request(method="GET", url=server.url("/me")), client, store)
        assert answer.status == 200
        first, second, used = server.requests
        assert (first.path, second.path, used.path) == ("/token", "/token", "/me")
        assert second.body == first.body  # the same refresh, sent again
        assert second.at - first.at >= at_least
        assert second.at - first.at < at_least + 2.0

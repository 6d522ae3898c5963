"""The redirect matrix (checklist T7): every adapter, every redirect status, every origin change.

Two loopback servers per test: ``origin`` answers the first request with a redirect, ``other``
is another origin (another port; ``localhost`` and ``[::1]`` are other hosts). Each adapter
is driven through its own public API (``tests/interop/drivers.py``). For a resource request
carrying a bearer token and the caller's own ``Cookie`` and ``Proxy-Authorization`` headers
(one of them twice, in another letter case):

- a same-origin hop (another path, a relative or upper-cased Location) is followed and the
  credentials go along;
- a hop to another origin (port, host, letter case of the host, scheme-relative, IPv6) is
  followed with **no** copy of any credential header (D1, D2, D3);
- a Location with userinfo, a non-http scheme, or plain http to a non-loopback host (an IDN
  one included) is refused with RedirectPolicyError and nothing reaches another server (D7,
  C5).

A token-endpoint request is never redirected, whatever the status and target (D4, D5).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from interop import drivers  # tests/ is on sys.path (rootdir conftest)
from interop.drivers import Driver
from loopback import LoopbackServer, Recorded, Reply
from providers import self_signed_certificate, serve_tls

from oauthcore.adapters._renewal import TokenStore
from oauthcore.http import Request
from oauthcore.oauth1 import (
    ClientCredentials,
    Consumer,
    NonceCache,
    Placement,
    TokenCredentials,
    verify_request,
)
from oauthcore.oauth2 import ClientConfig, Token, build_client_credentials_request, token_flow

driver = drivers.driver  # the fixture: each adapter's driver in turn (defined once there)

STATUSES = (301, 302, 303, 307, 308)
CREDENTIALS = ("authorization", "proxy-authorization", "cookie")
CALLER_HEADERS = (
    ("Cookie", "session=caller-cookie"),
    ("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0"),
    ("PROXY-AUTHORIZATION", "Basic c2Vjb25kOmNvcHk="),
)
TOKEN = Token(access_token="AT-matrix-canary")

# Location templates: {origin} and {other} are http://host:port of the two servers,
# {other_port} the other server's port, {v6} http://[::1]:port of an IPv6 one.
SAME = {
    "path": "{origin}/next",
    "relative": "/next",
    "case": "HTTP://127.0.0.1:{origin_port}/next",
}
OTHER = {
    "port": "{other}/next",
    "host": "http://localhost:{other_port}/next",
    "host-case": "http://LOCALHOST:{other_port}/next",
    "scheme-relative": "//127.0.0.1:{other_port}/next",
    "ipv6": "{v6}/next",
}
REFUSED = {
    "userinfo": "http://user:pw@127.0.0.1:{other_port}/next",
    "idn-plain-http": "http://bücher.example/next",
    "ftp": "ftp://127.0.0.1:{other_port}/next",
    "file": "file:///etc/passwd",
    "javascript": "javascript:alert(1)",
}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls(certificate: tuple[Path, Path]) -> Iterator[LoopbackServer]:
    """A loopback HTTPS server (its certificate is trusted by the driver, as a private CA)."""
    for server in serve_tls(*certificate):
        server.fallback = lambda _: Reply.json({"at": "tls"})
        yield server


def https(server: LoopbackServer, path: str) -> str:
    return f"https://127.0.0.1:{server.port}{path}"


@pytest.fixture
def origin() -> Iterator[LoopbackServer]:
    with LoopbackServer(lambda _: Reply.json({"at": "origin"})) as server:
        yield server


@pytest.fixture
def other() -> Iterator[LoopbackServer]:
    with LoopbackServer(lambda _: Reply.json({"at": "other"})) as server:
        yield server


@pytest.fixture
def v6() -> Iterator[LoopbackServer]:
    with LoopbackServer(lambda _: Reply.json({"at": "v6"}), host="::1") as server:
        yield server


def location(template: str, origin: LoopbackServer, other: LoopbackServer, v6: str) -> str:
    return template.format(
        origin=origin.base,
        origin_port=origin.port,
        other=other.base,
        other_port=other.port,
        v6=v6,
    )


def carries(recorded: Recorded) -> list[str]:
    return [name for name, _ in recorded.headers if name.lower() in CREDENTIALS]


def resource_request(origin: LoopbackServer) -> Request:
    return Request(method="GET", url=origin.url("/start"), headers=CALLER_HEADERS)


def client_for(origin: LoopbackServer) -> ClientConfig:
    return ClientConfig(client_id="app", client_secret="CS", token_endpoint=origin.url("/token"))


@pytest.mark.checklist("D1", "D2", "D3")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("variant", list(SAME))
def test_same_origin_hop_keeps_the_credentials(
    driver: Driver,
    origin: LoopbackServer,
    other: LoopbackServer,
    status: int,
    variant: str,
) -> None:
    target = location(SAME[variant], origin, other, "")
    origin.route("/start", Reply.redirect(target, status))
    answer = driver.bearer(resource_request(origin), client_for(origin), TokenStore(TOKEN))
    assert answer.status == 200
    first, second = origin.requests
    assert (first.path, second.path) == ("/start", "/next")
    assert second.header("Authorization") == f"Bearer {TOKEN.access_token}"
    assert not other.requests


# RFC 9110 §15.4: 303, and 301/302 after a POST, become a GET without a body; every other
# hop re-sends the method and the body.
def keeps_body(method: str, status: int) -> bool:
    return not (status == 303 or (status in (301, 302) and method == "POST"))


@pytest.mark.checklist("D1")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_streamed_body_is_never_sent_again(
    driver: Driver, origin: LoopbackServer, status: int, method: str
) -> None:
    # A streamed body is sent once and gone: a hop that would re-send it is refused before
    # anything more is sent (re-sending an empty or partial body would lose data quietly);
    # a hop that drops the body is followed as a plain GET.
    origin.route("/start", Reply.redirect("/next", status))
    request = Request(
        method=method,
        url=origin.url("/start"),
        headers=(("Content-Type", "application/octet-stream"),),
        body=b"streamed-payload",
    )
    if keeps_body(method, status):
        with pytest.raises(driver.refusals, match="streamed"):
            driver.bearer(request, client_for(origin), TokenStore(TOKEN), stream=True)
        (first,) = origin.requests
    else:
        answer = driver.bearer(request, client_for(origin), TokenStore(TOKEN), stream=True)
        assert answer.status == 200
        first, hop = origin.requests
        assert (hop.method, hop.path, hop.body) == ("GET", "/next", b"")
        assert hop.header("Content-Type") is None
        assert hop.header("Transfer-Encoding") is None
        assert hop.header("Authorization") == f"Bearer {TOKEN.access_token}"
    assert (first.method, first.body) == (method, b"streamed-payload")


@pytest.mark.checklist("D1", "D2", "D3")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("variant", list(OTHER))
def test_hop_to_another_origin_carries_no_credential(
    driver: Driver,
    origin: LoopbackServer,
    other: LoopbackServer,
    v6: LoopbackServer,
    status: int,
    variant: str,
) -> None:
    target = location(OTHER[variant], origin, other, v6.base)
    origin.route("/start", Reply.redirect(target, status))
    answer = driver.bearer(resource_request(origin), client_for(origin), TokenStore(TOKEN))
    assert answer.status == 200
    (first,) = origin.requests
    assert first.header("Authorization") == f"Bearer {TOKEN.access_token}"
    (hop,) = v6.requests if variant == "ipv6" else other.requests
    assert hop.path == "/next"
    assert carries(hop) == []
    assert TOKEN.access_token not in hop.target


@pytest.mark.checklist("D7", "C5")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("variant", list(REFUSED))
def test_unusable_location_is_refused(
    driver: Driver,
    origin: LoopbackServer,
    other: LoopbackServer,
    status: int,
    variant: str,
) -> None:
    target = location(REFUSED[variant], origin, other, "")
    origin.route("/start", Reply.redirect(target, status))
    with pytest.raises(driver.refusals) as caught:
        driver.bearer(resource_request(origin), client_for(origin), TokenStore(TOKEN))
    assert "pw" not in str(caught.value)
    assert len(origin.requests) == 1
    assert not other.requests


@pytest.mark.checklist("D4", "D5")
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("variant", [*SAME, *OTHER, *REFUSED])
def test_token_endpoint_is_never_redirected(
    driver: Driver,
    origin: LoopbackServer,
    other: LoopbackServer,
    v6: LoopbackServer,
    status: int,
    variant: str,
) -> None:
    target = location({**SAME, **OTHER, **REFUSED}[variant], origin, other, v6.base)
    origin.route("/token", Reply.redirect(target, status))
    request = build_client_credentials_request(client_for(origin))
    with pytest.raises(driver.refusals):
        driver.run_flow(token_flow(request))
    assert [r.path for r in origin.requests] == ["/token"]
    assert not other.requests
    assert not v6.requests


@pytest.mark.checklist("D3")
@pytest.mark.parametrize("status", STATUSES)
def test_oauth1_same_origin_hop_is_signed_again_and_another_origin_never(
    driver: Driver, origin: LoopbackServer, other: LoopbackServer, status: int
) -> None:
    client = ClientCredentials(key="ck", secret="CS-secret")
    token = TokenCredentials(token="tt", secret="TS-secret")
    origin.route("/start", Reply.redirect("/middle", status))
    origin.route("/middle", Reply.redirect(other.url("/next"), status))
    answer = driver.oauth1(
        Request(method="GET", url=origin.url("/start")), client, token, Placement.HEADER
    )
    assert answer.status == 200
    first, second = origin.requests
    assert (first.path, second.path) == ("/start", "/middle")
    consumers = {"ck": Consumer(key="ck", secret="CS-secret")}
    nonces = NonceCache()
    verified = [
        verify_request(
            recorded.core(),
            get_consumer=consumers.get,
            get_token_secret=lambda _, tok: "TS-secret" if tok == "tt" else None,
            check_nonce=nonces,  # a replayed nonce would raise ReplayError
        )
        for recorded in (first, second)
    ]
    assert verified[0].nonce != verified[1].nonce
    (hop,) = other.requests
    assert carries(hop) == []
    assert "oauth_" not in hop.target


@pytest.mark.checklist("D1", "C5")
@pytest.mark.parametrize("status", STATUSES)
def test_http_to_https_is_another_origin(
    driver: Driver,
    origin: LoopbackServer,
    tls: LoopbackServer,
    certificate: tuple[Path, Path],
    status: int,
) -> None:
    # Same host, scheme upgraded (and another port): followed, with no credential at all.
    driver.trust(str(certificate[0]))
    origin.route("/start", Reply.redirect(https(tls, "/next"), status))
    answer = driver.bearer(resource_request(origin), client_for(origin), TokenStore(TOKEN))
    assert answer.status == 200
    (hop,) = tls.requests
    assert hop.path == "/next"
    assert carries(hop) == []


@pytest.mark.checklist("C5", "D7")
@pytest.mark.parametrize("status", STATUSES)
def test_https_to_http_is_refused(
    driver: Driver,
    other: LoopbackServer,
    tls: LoopbackServer,
    certificate: tuple[Path, Path],
    status: int,
) -> None:
    # A downgrade is never followed, even to loopback, and never for a token endpoint.
    driver.trust(str(certificate[0]))
    tls.route("/start", Reply.redirect(other.url("/next"), status))
    tls.route("/token", Reply.redirect(other.url("/next"), status))
    request = Request(method="GET", url=https(tls, "/start"), headers=CALLER_HEADERS)
    client = ClientConfig(client_id="app", client_secret="CS", token_endpoint=https(tls, "/token"))
    with pytest.raises(driver.refusals):
        driver.bearer(request, client, TokenStore(TOKEN))
    with pytest.raises(driver.refusals):
        driver.run_flow(token_flow(build_client_credentials_request(client)))
    assert [r.path for r in tls.requests] == ["/start", "/token"]
    assert not other.requests

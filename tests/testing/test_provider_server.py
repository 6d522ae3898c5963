"""The loopback provider's HTTP/1.1 server, spoken to with raw bytes and ``http.client``.

Expected statuses come from RFC 9110 / RFC 9112: 400 for a malformed request line, header or
framing (RFC 9112 §3, §6.3), 413 for a body over the limit (RFC 9110 §15.5.14), 501 for an
unknown method (§15.6.2), 505 for an unsupported version (§15.6.6), no body in a HEAD response
(§9.3.2), persistent connections by default in HTTP/1.1 (RFC 9112 §9.3).
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from urllib.parse import urlsplit

import pytest

from oauthcore.http import Request, Response
from oauthcore.testing import LoopbackProvider
from oauthcore.testing._server import MAX_BODY, LoopbackServer

FORM = "application/x-www-form-urlencoded"


def _address(provider: LoopbackProvider) -> tuple[str, int]:
    port = urlsplit(provider.base_url).port
    assert port is not None
    return "127.0.0.1", port


def _exchange(address: tuple[str, int], data: bytes, method: str = "GET") -> tuple[int, bytes]:
    """Send ``data`` as is on a new connection; return the response's status and body."""
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(data)
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        with closing(response):
            return response.status, response.read()


def _client_credentials(provider: LoopbackProvider) -> bytes:
    client = provider.oauth2_client()
    return (
        f"grant_type=client_credentials&client_id={client.client_id}"
        f"&client_secret={client.client_secret}"
    ).encode("ascii")


@pytest.mark.parametrize(
    ("request_line", "status"),
    [
        pytest.param(b"GARBAGE", 400, id="one-word"),
        pytest.param(b"POST /oauth2/token", 400, id="no-version"),
        pytest.param(b"GET /oauth2/resource extra HTTP/1.1", 400, id="space-in-target"),
        pytest.param(b"GET /oauth2/resource HTTP/1.x", 400, id="bad-version"),
        pytest.param(b"GET /oauth2/resource HTTP/2.0", 505, id="http-2"),
        pytest.param(b"BREW /oauth2/resource HTTP/1.1", 501, id="unknown-method"),
    ],
)
def test_malformed_request_lines(
    oauth_provider: LoopbackProvider, request_line: bytes, status: int
) -> None:
    data = request_line + b"\r\nHost: 127.0.0.1\r\n\r\n"
    assert _exchange(_address(oauth_provider), data)[0] == status
    assert oauth_provider.internal_errors == ()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param(f"Content-Length: {MAX_BODY + 1}", 413, id="content-length-over-limit"),
        pytest.param("Content-Length: -5", 400, id="negative-length"),
        pytest.param("Content-Length: ten", 400, id="non-numeric-length"),
        pytest.param("Host: bad host", 400, id="space-in-host"),
        pytest.param("X-Evil: a\x01b", 400, id="control-in-header"),
    ],
)
def test_malformed_framing_and_headers(
    oauth_provider: LoopbackProvider, headers: str, status: int
) -> None:
    data = f"POST /oauth2/token HTTP/1.1\r\n{headers}\r\n\r\n".encode("latin-1")
    assert _exchange(_address(oauth_provider), data, "POST")[0] == status
    # None of these reached an endpoint.
    assert oauth_provider.requests == ()


def _chunked(body: bytes, *, trailer: bytes = b"") -> bytes:
    middle = len(body) // 2
    chunks = b"".join(
        b"%x;ext=1\r\n%s\r\n" % (len(part), part) for part in (body[:middle], body[middle:])
    )
    return chunks + b"0\r\n" + trailer + b"\r\n"


def test_chunked_request_body(oauth_provider: LoopbackProvider) -> None:
    head = (
        f"POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode("ascii")
    body = _chunked(_client_credentials(oauth_provider), trailer=b"X-Checksum: 1\r\n")
    status, answer = _exchange(_address(oauth_provider), head + body, "POST")
    assert status == 200, answer
    assert json.loads(answer)["token_type"] == "Bearer"


@pytest.mark.parametrize(
    ("chunk", "status"),
    [
        pytest.param(b"%x\r\n" % (MAX_BODY + 1), 413, id="over-limit"),
        pytest.param(b"zz\r\nab\r\n0\r\n\r\n", 400, id="bad-chunk-size"),
    ],
)
def test_bad_chunked_bodies(oauth_provider: LoopbackProvider, chunk: bytes, status: int) -> None:
    head = b"POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert _exchange(_address(oauth_provider), head + chunk, "POST")[0] == status


def test_keep_alive_head_and_unknown_paths(oauth_provider: LoopbackProvider) -> None:
    connection = http.client.HTTPConnection(*_address(oauth_provider), timeout=5)
    with closing(connection):
        connection.request("GET", "/.well-known/oauth-authorization-server")
        first = connection.getresponse()
        document = json.loads(first.read())
        assert first.status == 200
        sock = connection.sock
        # HEAD: the same headers, no body; the next answer on the connection must parse.
        connection.request("HEAD", "/.well-known/oauth-authorization-server")
        head = connection.getresponse()
        assert head.status == 200
        assert int(head.headers["Content-Length"]) == len(
            json.dumps(document, separators=(",", ":"))
        )
        assert head.read() == b""
        connection.request("GET", "/no/such/endpoint")
        missing = connection.getresponse()
        assert missing.status == 404
        assert json.loads(missing.read())["error"] == "not_found"
        # One TCP connection served all three (HTTP/1.1 persistence).
        assert connection.sock is sock
    assert [entry.method for entry in oauth_provider.requests] == ["GET", "HEAD", "GET"]


def test_stop_closes_kept_alive_connections() -> None:
    provider = LoopbackProvider().start()
    try:
        with socket.create_connection(_address(provider), timeout=5) as sock:
            sock.sendall(b"GET /oauth2/resource HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            response = http.client.HTTPResponse(sock)
            response.begin()
            assert response.status == 401
            response.read()
            provider.stop()
            assert not provider.running
            # The server shut the idle connection down: end of stream, not a hang.
            assert sock.recv(1) == b""
    finally:
        provider.stop()


@contextmanager
def _server(app: Callable[[Request], Response]) -> Iterator[tuple[str, int]]:
    server = LoopbackServer(app)
    server.start()
    try:
        yield "127.0.0.1", server.server_address[1]
    finally:
        server.stop()


def _closed_without_answer(address: tuple[str, int]) -> bool:
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        return sock.recv(1) == b""


def test_server_reports_an_applications_bug(capsys: pytest.CaptureFixture[str]) -> None:
    def broken(request: Request) -> Response:
        raise RuntimeError("boom")

    with _server(broken) as address:
        assert _closed_without_answer(address)
    assert "RuntimeError: boom" in capsys.readouterr().err


def test_server_ignores_connection_errors(capsys: pytest.CaptureFixture[str]) -> None:
    def hung_up(request: Request) -> Response:
        raise ConnectionAbortedError  # what a peer gone mid-answer looks like

    with _server(hung_up) as address:
        assert _closed_without_answer(address)
    assert capsys.readouterr().err == ""

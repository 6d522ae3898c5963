"""A threaded HTTP/1.1 server on 127.0.0.1, translating to oauthcore's neutral types.

Each connection gets a daemon thread; keep-alive is supported (with ``TCP_NODELAY``, or every
answer on a kept-alive connection waits for the client's delayed ACK). The application is a
function from :class:`~oauthcore.http.Request` to :class:`~oauthcore.http.Response`; the
server knows nothing of OAuth. Bodies are capped at 1 MiB; stopping closes every open
connection, so no pooled connection can reach a stopped provider.

Imports nothing but the standard library and oauthcore's core.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..errors import ConfigurationError
from ..http import Request, Response

__all__ = ["LoopbackServer"]

MAX_BODY = 1024 * 1024
_CHUNK_LINE = 1024


class _TooLarge(Exception):
    pass


class LoopbackServer(ThreadingHTTPServer):
    """Serve ``app`` on ``127.0.0.1:0`` from a daemon thread until :meth:`stop`."""

    daemon_threads = True

    def __init__(self, app: Callable[[Request], Response]) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._guard = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._guard:
            self._connections.add(conn)
        return conn, address

    def shutdown_request(self, request: Any) -> None:
        with self._guard:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up (a timeout on a slow-response fault) or a connection closed
        # by stop() is no error of the server's; anything else is printed as usual.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        with self._guard:
            open_connections = list(self._connections)
        for conn in open_connections:
            with contextlib.suppress(OSError):  # already closed by the peer
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Until a request line's version is read, answer as to HTTP/1.0: the stdlib default,
    # HTTP/0.9, would send an error for a malformed request line without a status line.
    default_request_version = "HTTP/1.0"
    server_version = "oauthcore-testing"
    sys_version = ""
    timeout = 60  # an idle kept-alive connection is closed after this
    server: LoopbackServer

    def log_message(self, format: str, *args: Any) -> None:
        return  # the provider keeps its own, redacted, log

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        if length > MAX_BODY:
            raise _TooLarge
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            size = int(self.rfile.readline(_CHUNK_LINE).split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline(_CHUNK_LINE).strip():
                    pass  # trailer fields, ignored
                return bytes(body)
            if len(body) + size > MAX_BODY:
                raise _TooLarge
            body += self.rfile.read(size)
            self.rfile.readline(_CHUNK_LINE)

    def _respond(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except _TooLarge:
            self.close_connection = True
            self._respond(Response(status=413, body=b"request body too large"))
            return
        except ValueError:
            self.close_connection = True
            self._respond(Response(status=400, body=b"malformed body framing"))
            return
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        try:
            request = Request(
                method=self.command,
                url=f"http://{host}{self.path}",
                headers=tuple(self.headers.items()),
                body=body,
            )
        except (ConfigurationError, TypeError):
            self._respond(Response(status=400, body=b"malformed request"))
            return
        try:
            self._respond(self.server.app(request))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a slow-response fault)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

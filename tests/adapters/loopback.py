"""A small HTTP server on 127.0.0.1:0, in a thread, for the adapter tests.

It records the method, request-target, headers and body of every request it receives and
answers with scripted :class:`Reply` values: plain, streamed (slowly, endlessly, chunked, with
a lying Content-Length), redirects (to another loopback server: another port is another
origin), or no answer at all (a stalled server). Each server lives at most ``max_lifetime``
seconds and stops at fixture teardown; nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from oauthcore.http import Request


@dataclass(frozen=True)
class Recorded:
    """One request as the server received it."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    port: int
    at: float = field(default_factory=time.monotonic)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("latin-1"), keep_blank_values=True))

    def header(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        """Every value of header ``name`` (any letter case)."""
        return [value for key, value in self.headers if key.lower() == name.lower()]

    @property
    def url(self) -> str:
        """The URL the client addressed (from its Host header, as a server would)."""
        host = self.header("Host") or f"127.0.0.1:{self.port}"
        return f"http://{host}{self.target}"

    def core(self) -> Request:
        """The request as oauthcore's neutral value, for server-side verification."""
        return Request(method=self.method, url=self.url, headers=self.headers, body=self.body)


@dataclass
class Reply:
    """What the server answers. ``chunks`` (if set) are streamed after the headers, each
    after ``chunk_delay`` seconds, framed as chunked transfer coding when ``chunked``;
    ``delay`` waits before the status line; ``stall`` never answers."""

    status: int = 200
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    chunks: Iterable[bytes] | None = None
    chunked: bool = False
    chunk_delay: float = 0.0
    delay: float = 0.0
    stall: bool = False

    @classmethod
    def json(
        cls, data: object, status: int = 200, headers: Sequence[tuple[str, str]] = ()
    ) -> Reply:
        return cls(
            status=status,
            headers=[("Content-Type", "application/json"), *headers],
            body=json.dumps(data).encode(),
        )

    @classmethod
    def form(cls, pairs: Mapping[str, str], status: int = 200) -> Reply:
        from urllib.parse import urlencode

        return cls(
            status=status,
            headers=[("Content-Type", "application/x-www-form-urlencoded")],
            body=urlencode(pairs).encode(),
        )

    @classmethod
    def redirect(cls, location: str, status: int = 302, body: bytes = b"") -> Reply:
        return cls(status=status, headers=[("Location", location)], body=body)

    @classmethod
    def endless(cls, headers: Sequence[tuple[str, str]] = (), chunked: bool = False) -> Reply:
        return cls(headers=headers, chunks=itertools.repeat(b"x" * 65536), chunked=chunked)


Handler = Callable[[Recorded], Reply]


def gzip_bomb(size: int = 20 * 1024 * 1024) -> bytes:
    """A small gzip body that inflates to ``size`` zero bytes."""
    return gzip.compress(b"\0" * size, compresslevel=9)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    owner: LoopbackServer


class _Server6(_Server):
    address_family = socket.AF_INET6


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 15  # a client that goes silent does not hold a thread for long
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # base's name
        return  # quiet

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        owner = self.server.owner
        recorded = Recorded(
            method=self.command,
            target=self.path,
            headers=tuple(self.headers.items()),
            body=self._read_body(),
            port=owner.port,
        )
        owner._record(recorded)
        try:
            reply = owner.handler(recorded)
        except Exception as exc:  # a test's handler failed: say so, do not hang the client
            reply = Reply(status=500, body=f"handler failed: {exc!r}".encode())
        self.close_connection = True
        # The client may stop reading: expected for capped and endless bodies.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, TimeoutError):
            self._send(reply)

    def _send(self, reply: Reply) -> None:
        stopping = self.server.owner.stopping
        if reply.stall:
            stopping.wait(self.server.owner.max_lifetime)
            return
        if reply.delay:
            stopping.wait(reply.delay)
        self.send_response(reply.status)
        names = {name.lower() for name, _ in reply.headers}
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.chunks is None and "content-length" not in names:
            self.send_header("Content-Length", str(len(reply.body)))
        if reply.chunks is not None and reply.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD":
            return
        if reply.chunks is None:
            self.wfile.write(reply.body)
            return
        for chunk in reply.chunks:
            if stopping.is_set():
                return
            if reply.chunk_delay:
                stopping.wait(reply.chunk_delay)
            if reply.chunked:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            else:
                self.wfile.write(chunk)
            self.wfile.flush()
        if reply.chunked:
            self.wfile.write(b"0\r\n\r\n")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class LoopbackServer:
    """An HTTP/1.1 server on 127.0.0.1 with an OS-chosen port, serving ``handler``'s replies.

    ``routes`` maps a path (without query) to a Reply or a handler; anything else goes to
    ``handler`` (404 by default). ``requests`` lists every request received, in order.
    """

    def __init__(
        self,
        handler: Handler | None = None,
        *,
        max_lifetime: float = 120.0,
        host: str = "127.0.0.1",
    ) -> None:
        self.routes: dict[str, Reply | Handler] = {}
        self.fallback: Handler = handler or (lambda _: Reply(status=404))
        self.max_lifetime = max_lifetime
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._requests: list[Recorded] = []
        if host not in ("127.0.0.1", "::1"):
            raise ValueError("a loopback server listens on 127.0.0.1 or ::1 only")
        self.host = host
        server_class = _Server6 if host == "::1" else _Server
        self._server = server_class((host, 0), _RequestHandler)
        self._server.owner = self
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._timer = threading.Timer(max_lifetime, self.stop)
        self._timer.daemon = True

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT`` or ``http://[::1]:PORT`` (no trailing slash)."""
        host = "[::1]" if self.host == "::1" else self.host
        return f"http://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base + path

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    def _record(self, recorded: Recorded) -> None:
        with self._lock:
            self._requests.append(recorded)

    def handler(self, recorded: Recorded) -> Reply:
        route = self.routes.get(recorded.path)
        if route is None:
            return self.fallback(recorded)
        return route if isinstance(route, Reply) else route(recorded)

    def route(self, path: str, reply: Reply | Handler) -> None:
        self.routes[path] = reply

    def start(self) -> LoopbackServer:
        self._thread.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        self._timer.cancel()
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve(handler: Handler | None = None) -> Iterator[LoopbackServer]:
    """A fixture body: ``yield from serve()`` starts a server and stops it at teardown."""
    with LoopbackServer(handler) as server:
        yield server

"""What every interop provider process shares: arguments, the ready line, and stopping.

A provider binds ``127.0.0.1:0`` before anything else (so its URLs are known while it is
configured), prints exactly one JSON line on stdout once it accepts connections, and stops
itself on the first of: stdin reaching EOF (the test session closed it), its parent process
going away, or ``--lifetime`` seconds passing. The fixture in ``tests/interop/conftest.py``
starts it in its own process group, so a ``killpg`` is only ever a last resort.

Imported by the provider modules (run with ``python -m interop.providers.NAME`` from
``tests/``), never by the tests.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import socketserver
import sys
import threading
import time
import warnings
from collections.abc import Mapping
from typing import Any, Protocol

POLL_SECONDS = 0.2


class Server(Protocol):
    """What the providers' WSGI servers offer (``socketserver.BaseServer`` does)."""

    def serve_forever(self, poll_interval: float = 0.5) -> None: ...

    def shutdown(self) -> None: ...

    def server_close(self) -> None: ...


class NoDelayMixin(socketserver.TCPServer):
    """Set ``TCP_NODELAY`` on every accepted socket (put it first among the bases).

    Without it each response on a kept-alive connection waits ~40 ms (Nagle's algorithm
    meeting the client's delayed ACK).
    """

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, address


def parse_args(description: str) -> argparse.Namespace:
    """Return the arguments every provider takes (``--lifetime``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--lifetime",
        type=float,
        default=600.0,
        help="seconds after which the provider exits whatever happens (default 600)",
    )
    return parser.parse_args()


def quiet() -> None:
    """Silence warnings and logging: nobody reads a provider's stderr while it runs."""
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)


def announce(
    base_url: str,
    endpoints: Mapping[str, str],
    clients: Mapping[str, Mapping[str, object]],
) -> None:
    """Print the one ready line the fixture waits for, and flush it."""
    line = {"ready": True, "base_url": base_url, "endpoints": endpoints, "clients": clients}
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def _watch_stdin(stop: threading.Event) -> None:
    # os.read, not sys.stdin: a daemon thread blocked inside a buffered reader's lock aborts
    # the interpreter at exit when the provider stops for another reason.
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    stop.set()


def serve(
    server: Server,
    *,
    lifetime: float,
    base_url: str,
    endpoints: Mapping[str, str],
    clients: Mapping[str, Mapping[str, object]],
) -> None:
    """Serve in a thread, announce readiness, and return once the provider must stop."""
    parent = os.getppid()
    deadline = time.monotonic() + lifetime
    stop = threading.Event()
    threading.Thread(target=_watch_stdin, args=(stop,), daemon=True).start()
    worker = threading.Thread(target=server.serve_forever, args=(POLL_SECONDS,), daemon=True)
    worker.start()
    announce(base_url, endpoints, clients)
    while not stop.wait(POLL_SECONDS):
        if os.getppid() != parent or time.monotonic() > deadline:
            break
    server.shutdown()
    server.server_close()

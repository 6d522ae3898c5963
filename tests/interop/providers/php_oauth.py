"""PHP's PECL ``oauth`` extension (``OAuthProvider``) served by ``php -S``, for oauthcore's tests.

Run by the ``php_oauth_provider`` fixture (``tests/interop/test_oauth1_php.py``) as
``python -m interop.providers.php_oauth [--lifetime S]`` from ``tests/``. Needs ``php`` with
the ``oauth`` extension (Debian ``php-cli php-oauth``; ``php_oauth/install.sh`` installs them);
without them it exits at once with the reason on stderr, and the fixture skips (or fails under
``CI=true``).

It picks a free ``127.0.0.1`` port, writes the provider's state file (the registered client;
the provider adds tokens and nonces) in a temporary directory, and starts ``php -S
127.0.0.1:PORT php_oauth/router.php`` as its child, in the launcher's process group (so the
fixture's last-resort ``killpg`` reaches both). Once ``/ping`` answers it prints one JSON
ready line; see ``_lifecycle.py`` for how it stops. PHP stops with it, and the temporary
directory is removed.

The endpoints are described in ``php_oauth/provider.php``. Client ``relaxed`` has a key and a
secret with reserved and non-ASCII characters (the PHP handlers encode the secrets before
OAuthProvider uses them, which it does not do itself). OAuthProvider verifies HMAC-SHA1,
HMAC-SHA256 and PLAINTEXT, in the header, the query or the form body; it knows the name
RSA-SHA1 but cannot be given a public key, so no RSA signature ever verifies.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType
from typing import IO, NoReturn

from . import _lifecycle

PHP_DIR = Path(__file__).resolve().parent / "php_oauth"
ROUTER = PHP_DIR / "router.php"
STATE_VARIABLE = "OAUTHCORE_PHP_OAUTH_STATE"
INSTALL_HINT = (
    "install Debian's php-cli and php-oauth (tests/interop/providers/php_oauth/install.sh)"
)

RELAXED_KEY = "interop-client.key~1"
# Reserved, percent and non-ASCII characters: each must be encoded exactly once (RFC 5849 §3.6).
RELAXED_SECRET = "s3cret&+/=%~ é☃"
METHODS = ("HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT")
PLACEMENTS = ("header", "query", "body")
ROUTES = ("request_token", "authorize", "access_token", "resource")

READY_SECONDS = 10.0
"""How long ``php -S`` has to answer ``/ping``."""
STOP_SECONDS = 5.0
PORT_ATTEMPTS = 3
"""Tries with a fresh port, should another process take the probed one first."""


def _fail(message: str) -> NoReturn:
    sys.exit(f"php_oauth provider: {message}")


def find_php() -> str:
    """Return the ``php`` executable, or exit with the reason if it lacks the oauth extension."""
    php = shutil.which("php")
    if php is None:
        _fail(f"no php on PATH; {INSTALL_HINT}")
    try:
        modules = subprocess.run(  # noqa: S603 (the php found on PATH, a fixed argument)
            [php, "-m"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        _fail(f"cannot run {php} -m: {exc}")
    if "oauth" not in {line.strip().lower() for line in modules.splitlines()}:
        _fail(f"{php} has no oauth extension (php -m does not list it); {INSTALL_HINT}")
    return php


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(port: int) -> bool:
    """True once the PHP server answers ``/ping`` with the extension loaded."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/ping")
        response = connection.getresponse()
        return response.status == 200 and json.loads(response.read()) == {"oauth": True}
    except (OSError, ValueError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _tail(log: Path) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").strip()
    return text[-2000:] if text else "(no output)"


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the PHP server this launcher started (by its process, nothing else)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start(php: str, state: Path, log: IO[bytes]) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``php -S`` on a free loopback port and wait until it answers."""
    for _ in range(PORT_ATTEMPTS):
        port = _free_port()
        # A fixed argv: the php found on PATH and this repository's router script, no shell.
        process = subprocess.Popen(  # noqa: S603
            [
                php,
                "-d",
                "display_errors=stderr",
                "-d",
                "log_errors=0",
                "-S",
                f"127.0.0.1:{port}",
                str(ROUTER),
            ],
            cwd=PHP_DIR,
            env={**os.environ, STATE_VARIABLE: str(state)},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + READY_SECONDS
        while process.poll() is None and time.monotonic() < deadline:
            if _answers(port):
                return process, port
            time.sleep(0.05)
        stop(process)
        if time.monotonic() >= deadline:
            break  # it ran but never answered: another port will not help
    _fail(f"php -S never answered on 127.0.0.1: {_tail(Path(str(log.name)))}")


class PhpServer:
    """``php -S`` seen as the server ``_lifecycle.serve`` runs and stops."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.stopped = threading.Event()

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        # PHP serves by itself; this thread only waits for the stop.
        self.stopped.wait()

    def shutdown(self) -> None:
        stop(self.process)
        self.stopped.set()

    def server_close(self) -> None:
        pass


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # killpg from the fixture: leave through the finally blocks (stop PHP, remove the state).
    sys.exit(128 + signum)


def main() -> None:
    args = _lifecycle.parse_args(__doc__.splitlines()[0] if __doc__ else "")
    _lifecycle.quiet()
    php = find_php()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with tempfile.TemporaryDirectory(prefix="oauthcore-php-oauth-") as directory:
        state = Path(directory) / "state.json"
        state.write_text(json.dumps({"clients": {RELAXED_KEY: RELAXED_SECRET}}), encoding="utf-8")
        with open(Path(directory) / "php.log", "wb") as log:
            process, port = start(php, state, log)
            try:
                base_url = f"http://127.0.0.1:{port}"
                endpoints = {route: f"{base_url}/{route}" for route in ROUTES}
                endpoints["verbatim_request_token"] = f"{base_url}/verbatim/request_token"
                _lifecycle.serve(
                    PhpServer(process),
                    lifetime=args.lifetime,
                    base_url=base_url,
                    endpoints=endpoints,
                    clients={
                        "relaxed": {
                            "key": RELAXED_KEY,
                            "secret": RELAXED_SECRET,
                            "signature_methods": list(METHODS),
                            "placements": list(PLACEMENTS),
                        }
                    },
                )
            finally:
                with contextlib.suppress(Exception):
                    stop(process)


if __name__ == "__main__":
    main()

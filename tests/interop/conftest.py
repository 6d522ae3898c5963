"""Fixtures that run real OAuth providers on 127.0.0.1 for the interop tests.

Each provider is a module in ``providers/`` started in its own process (and process group) as
``python -m interop.providers.NAME`` from ``tests/``.
It binds ``127.0.0.1:0``, prints one JSON ready line on stdout, and stops on stdin EOF, when
its parent dies, or after ``--lifetime`` seconds. The providers the collected tests need are
all started at once, at the first use of any of them, so they boot in parallel.

A provider that cannot start (a missing dependency, a crash, no ready line within
:data:`READY_TIMEOUT` seconds) skips its tests with the reason, except under ``CI=true``,
where it fails them: CI must never pass by skipping.

``send`` is the transport: it performs one :class:`oauthcore.http.Request` with ``requests``
(no redirects followed, the URL sent exactly as signed, no proxy or ``.netrc`` from the
environment) and returns an :class:`oauthcore.http.Response`.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple

import pytest
import requests

from oauthcore.http import Request, Response

from .drivers import driver  # noqa: F401 - each adapter's driver in turn, a fixture
from .matrix_report import CELL

TESTS = Path(__file__).resolve().parent.parent
"""The directory the providers run from: ``interop`` is a package there."""
READY_TIMEOUT = 30.0
"""Seconds a provider has to print its ready line."""
STOP_TIMEOUT = 5.0
"""Seconds a provider has to exit after its stdin is closed, before it is signalled."""
LIFETIME = 600
"""The providers' own hard limit, in seconds, should this process vanish without cleanup."""
SEND_TIMEOUT = 10.0


class ProviderSpec(NamedTuple):
    """A provider module and the docstring of the session fixture that runs it."""

    module: str
    doc: str


PROVIDERS = {
    "oauthlib_oauth1_provider": ProviderSpec(
        "interop.providers.oauth1_oauthlib",
        "oauthlib's OAuth 1.0a server endpoints (``providers/oauth1_oauthlib.py``).",
    ),
    "dot_provider": ProviderSpec(
        "interop.providers.dot_server", "django-oauth-toolkit (``providers/dot_server.py``)."
    ),
    "ofly_rauth_provider": ProviderSpec(
        "interop.providers.ofly_rauth",
        "An Ofly verifier on rauth 0.7.3's signing code (``providers/ofly_rauth.py``).",
    ),
    "authlib_oauth2_provider": ProviderSpec(
        "interop.providers.authlib_oauth2",
        "Authlib's Flask OAuth 2.0 server (``providers/authlib_oauth2.py``).",
    ),
    "authlib_oauth1_provider": ProviderSpec(
        "interop.providers.authlib_oauth1",
        "Authlib's Flask OAuth 1.0a server (``providers/authlib_oauth1.py``).",
    ),
    "aioauth_provider": ProviderSpec(
        "interop.providers.aioauth_server",
        "aioauth's AuthorizationServer behind aiohttp.web (``providers/aioauth_server.py``).",
    ),
    "php_oauth_provider": ProviderSpec(
        "interop.providers.php_oauth",
        "PHP's PECL oauth OAuthProvider under ``php -S`` (``providers/php_oauth.py``).",
    ),
}
"""Fixture name → provider module and fixture docstring; each gets a session fixture below."""

Send = Callable[[Request], Response]
Exchange = tuple[Request, Response | BaseException]

EXCHANGES = pytest.StashKey[list[Exchange]]()
"""The exchanges ``send`` performed for a test, shown in its report if it fails."""
SHOWN_EXCHANGES = 3

USER = "alice"
"""The resource owner: the providers log this user in on the ``X-Test-User`` header."""


def json_object(response: Response) -> dict[str, object]:
    """The response body, a JSON object."""
    data = json.loads(response.body)
    assert isinstance(data, dict)
    return data


@dataclass(frozen=True)
class RunningProvider:
    """A provider that printed its ready line: where it listens and what it registered."""

    name: str
    base_url: str
    endpoints: Mapping[str, str]
    clients: Mapping[str, Mapping[str, Any]]


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


class _Launch:
    """One provider process, from start to stop; ``result`` is read once, then kept."""

    def __init__(self, fixture: str) -> None:
        self.fixture = fixture
        self.module = PROVIDERS[fixture].module
        self.name = self.module.rpartition(".")[2]
        self.stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self.lines: queue.Queue[bytes] = queue.Queue()
        self.process: subprocess.Popen[bytes] | None = None
        self.error: str | None = None
        self.result: RunningProvider | str | None = None
        try:
            # A fixed argv: this interpreter and a module of this repository, no shell, no
            # untrusted input.
            self.process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
                [sys.executable, "-m", self.module, "--lifetime", str(LIFETIME)],
                cwd=TESTS,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                start_new_session=True,  # its own process group, for killpg
            )
        except OSError as exc:
            self.error = f"could not start {self.name}: {exc}"
            return
        threading.Thread(target=self._read_ready_line, daemon=True).start()

    def _read_ready_line(self) -> None:
        process = self.process
        if process is not None and process.stdout is not None:
            self.lines.put(process.stdout.readline())

    def _stderr_tail(self) -> str:
        self.stderr.seek(0)
        text = self.stderr.read().decode("utf-8", "replace").strip()
        return text[-2000:] if text else "(no stderr)"

    def wait_ready(self, timeout: float) -> RunningProvider | str:
        if self.result is None:
            self.result = self._wait(timeout)
        return self.result

    def _wait(self, timeout: float) -> RunningProvider | str:
        if self.error is not None:
            return self.error
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            return f"{self.name} printed no ready line within {timeout:.0f} s"
        if not line:
            assert self.process is not None
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_TIMEOUT)
            return (
                f"{self.name} exited (status {self.process.poll()}) before it was "
                f"ready: {self._stderr_tail()}"
            )
        try:
            data = json.loads(line)
        except ValueError:
            return f"{self.name} printed a ready line that is not JSON: {line[:200]!r}"
        if not (isinstance(data, dict) and data.get("ready") is True):
            return f"{self.name} printed no ready flag: {line[:200]!r}"
        return RunningProvider(
            name=self.name,
            base_url=data["base_url"],
            endpoints=data["endpoints"],
            clients=data["clients"],
        )

    def close_stdin(self) -> None:
        """Ask the provider to stop: it exits when its stdin reaches EOF."""
        if self.process is not None and self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()

    def stop(self) -> None:
        """Wait for the provider to exit, signalling its process group only if it does not."""
        self.close_stdin()
        process = self.process
        if process is not None:
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._signal_group(process, signal.SIGTERM)
                try:
                    process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self._signal_group(process, signal.SIGKILL)
                    process.wait()
            if process.stdout is not None:
                process.stdout.close()
        self.stderr.close()

    @staticmethod
    def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
        # The provider leads its own process group (start_new_session): this reaches it
        # and anything it started, and nothing else.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)


@pytest.fixture(scope="session")
def _interop_launches(request: pytest.FixtureRequest) -> Iterator[dict[str, _Launch]]:
    """Start, together, every provider some collected test asks for; stop them at the end."""
    wanted = sorted(
        {name for item in request.session.items for name in getattr(item, "fixturenames", ())}
        & PROVIDERS.keys()
    )
    launches = {name: _Launch(name) for name in wanted}
    try:
        yield launches
    finally:
        for launch in launches.values():  # all at once: they stop in parallel
            launch.close_stdin()
        for launch in launches.values():
            launch.stop()


def _provider(launches: dict[str, _Launch], fixture: str) -> RunningProvider:
    if fixture not in launches:  # asked for dynamically: start it now
        launches[fixture] = _Launch(fixture)
    result = launches[fixture].wait_ready(READY_TIMEOUT)
    if isinstance(result, RunningProvider):
        return result
    message = f"interop provider {fixture} unavailable: {result}"
    if _in_ci():
        pytest.fail(f"{message} (CI=true: a provider that cannot start fails the run)")
    pytest.skip(message)


def _provider_fixture(fixture: str, doc: str) -> Callable[..., RunningProvider]:
    """The session fixture ``fixture``: the provider of that name, started with the others."""

    def provider(_interop_launches: dict[str, _Launch]) -> RunningProvider:
        return _provider(_interop_launches, fixture)

    provider.__name__ = provider.__qualname__ = fixture
    provider.__doc__ = doc
    return pytest.fixture(scope="session", name=fixture)(provider)


for _fixture, _spec in PROVIDERS.items():
    globals()[_fixture] = _provider_fixture(_fixture, _spec.doc)


@pytest.fixture(scope="session")
def http_session() -> Iterator[requests.Session]:
    """A ``requests`` session that ignores the environment (proxies, ``.netrc``)."""
    with requests.Session() as session:
        session.trust_env = False
        yield session


@pytest.fixture
def send(http_session: requests.Session, request: pytest.FixtureRequest) -> Send:
    """Perform one neutral Request with ``requests`` and return the neutral Response.

    Every exchange is recorded; a failing test's report shows the last few in full (the
    credentials are the providers' test values), with the provider's diagnostics.
    """
    http_session.cookies.clear()
    exchanges: list[Exchange] = []
    request.node.stash[EXCHANGES] = exchanges

    def send(outgoing: Request) -> Response:
        try:
            incoming = _perform(http_session, outgoing)
        except BaseException as exc:
            exchanges.append((outgoing, exc))
            raise
        exchanges.append((outgoing, incoming))
        return incoming

    return send


def _perform(http_session: requests.Session, request: Request) -> Response:
    prepared = http_session.prepare_request(
        requests.Request(
            method=request.method,
            url=request.url,
            headers=dict(request.headers),
            data=request.body or None,
        )
    )
    # requests re-quotes URLs (``%7E`` → ``~``, say); the signature covers the URL as built,
    # so that is what goes on the wire (checklist F7).
    prepared.url = request.url
    answer = http_session.send(prepared, allow_redirects=False, timeout=SEND_TIMEOUT)
    return Response(
        status=answer.status_code,
        headers=tuple((str(k), str(v)) for k, v in answer.raw.headers.items()),
        body=answer.content,
    )


def _describe(exchange: Exchange) -> str:
    request, outcome = exchange
    lines = [f">>> {request.method} {request.url}"]
    lines += [f">>> {name}: {value}" for name, value in request.headers]
    if request.body:
        lines.append(f">>> {request.body[:1000]!r}")
    if isinstance(outcome, BaseException):
        lines.append(f"<<< raised {outcome!r}")
    else:
        lines.append(f"<<< {outcome.status}")
        lines += [f"<<< {name}: {value}" for name, value in outcome.headers]
        if outcome.body:
            lines.append(f"<<< {outcome.body[:1000]!r}")
    return "\n".join(lines)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    _record_matrix(item, report)
    exchanges = item.stash.get(EXCHANGES, [])
    if report.failed and exchanges:
        shown = "\n\n".join(_describe(e) for e in exchanges[-SHOWN_EXCHANGES:])
        report.sections.append(("interop: last HTTP exchanges", shown))
    return report


# The interop table (matrix_report.py): each matrix test's report names its cell; the hooks
# in tests/conftest.py (loaded by pytest-xdist's controller too) record and write the table.


def _record_matrix(item: pytest.Item, report: pytest.TestReport) -> None:
    marker = item.get_closest_marker("matrix")
    callspec = getattr(item, "callspec", None)
    if marker is None or callspec is None:
        return
    # One outcome per test: the call phase, or the setup phase when it did not pass.
    if report.when == "call" or (report.when == "setup" and not report.passed):
        provider, feature = marker.args
        if provider == "*":  # the provider is a fixture parameter: the fixture's value names it
            funcargs = getattr(item, "funcargs", {})
            value = funcargs.get("provider") or funcargs.get("oauth1_provider")
            provider = getattr(value, "label", None) or getattr(
                getattr(value, "profile", None), "label", "?"
            )
        report.user_properties.append((CELL, (provider, feature, callspec.params["driver"])))

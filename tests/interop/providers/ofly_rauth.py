"""An Ofly verifier built on rauth 0.7.3's own signing code, for oauthcore's interop tests.

Run by ``tests/interop/conftest.py`` as ``python -m interop.providers.ofly_rauth
[--lifetime S]`` from ``tests/``; binds ``127.0.0.1:0`` and prints one JSON ready line (see
``_lifecycle.py``).

Shutterfly's Ofly scheme has one other implementation, rauth's ``OflySession.sign``; this
provider recomputes every received signature with it. ``sign`` reads the clock itself
(``datetime.utcnow()``), so for each request the verifier hands it a stand-in clock whose
moment prints as the ``oflyTimestamp`` received, byte for byte, and whose milliseconds are the
received ones (rauth would print 5 ms as ``.5Z``; oauthcore sends ``.005Z``, checklist L1),
then compares rauth's ``oflyApiSig`` with the received one. Requests are handled one at a time
(the stand-in clock is module state).

``GET|POST /api/...``: ``200`` with JSON (the user id and the non-Ofly parameters) when the
signature over the query verifies, ``401`` with ``X-Test-Failed`` otherwise. The ``clients``
entry ``app`` carries the app id and secret; ``hash_methods`` what the verifier accepts.
"""

from __future__ import annotations

import json
import socketserver
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from . import _lifecycle

try:
    import rauth.session
    from rauth.session import OflySession
except ImportError as exc:  # reported by the fixture, which skips or fails
    sys.exit(f"ofly_rauth provider: missing dependency: {exc}")

Environ = dict[str, Any]
StartResponse = Callable[[str, list[tuple[str, str]]], object]

APP_ID = "interop-ofly-app"
APP_SECRET = "ofly-secret-0123456789"
OFLY_PARAMS = frozenset(("oflyAppId", "oflyHashMeth", "oflyTimestamp", "oflyApiSig"))

_SIGNING = threading.Lock()


class _Moment:
    """What rauth's sign reads from ``datetime.utcnow()``: milliseconds and strftime."""

    def __init__(self, timestamp: str) -> None:
        self._timestamp = timestamp
        fraction = timestamp.rpartition(".")[2].rstrip("Z")
        self.microsecond = int(fraction) * 1000 if fraction.isdigit() else 0

    def strftime(self, _format: str) -> str:
        return self._timestamp


class _Clock:
    moment: _Moment | None = None

    @classmethod
    def utcnow(cls) -> _Moment:
        if cls.moment is None:
            raise RuntimeError("no request is being verified")
        return cls.moment


def rauth_signature(url: str, params: dict[str, str], timestamp: str, hash_meth: str) -> str:
    """The ``oflyApiSig`` rauth 0.7.3 computes for ``params`` at ``timestamp``."""
    with _SIGNING:
        original = rauth.session.datetime
        rauth.session.datetime = _Clock  # rauth's clock, for this one signature
        _Clock.moment = _Moment(timestamp)
        try:
            signed = OflySession.sign(url, APP_ID, APP_SECRET, hash_meth, **params)
        finally:
            rauth.session.datetime = original
            _Clock.moment = None
    return str(dict(parse_qsl(signed, keep_blank_values=True))["oflyApiSig"])


def verify(method: str, path: str, query: str, body: str) -> tuple[int, dict[str, object]]:
    # Ofly signs the query only (rauth's OflySession signs ``params``, never ``data``).
    received = parse_qsl(query, keep_blank_values=True)
    names = [name for name, _ in received]
    if len(names) != len(set(names)):
        return 400, {"error": "repeated_parameter"}
    fields = dict(received)
    missing = sorted(OFLY_PARAMS - fields.keys())
    if missing:
        return 401, {"error": "missing", "missing": missing}
    if fields["oflyAppId"] != APP_ID:
        return 401, {"error": "unknown_app"}
    hash_meth = fields["oflyHashMeth"].lower()
    if hash_meth not in ("sha1", "md5"):
        return 401, {"error": "unsupported_hash"}
    params = {name: value for name, value in fields.items() if name not in OFLY_PARAMS}
    expected = rauth_signature(
        f"http://127.0.0.1{path}", params, fields["oflyTimestamp"], hash_meth
    )
    if expected != fields["oflyApiSig"]:
        return 401, {"error": "bad_signature"}
    form = dict(parse_qsl(body, keep_blank_values=True)) if method == "POST" else {}
    return 200, {
        "user_id": params.get("oflyUserid"),
        "params": params,
        "form": form,
        "hash": hash_meth,
    }


def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length).decode("utf-8", "replace") if length else ""
    try:
        status, payload = verify(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            body,
        )
    except Exception as exc:  # report, don't hang up: the test shows the reason
        status, payload = 500, {"error": "provider_exception", "detail": repr(exc)}
    data = json.dumps(payload).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    if status != 200:
        headers.append(("X-Test-Failed", str(payload.get("error"))))
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized"}.get(status, "Status")
    start_response(f"{status} {reason}", headers)
    return [data]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class ThreadedServer(_lifecycle.NoDelayMixin, socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def main() -> None:
    args = _lifecycle.parse_args(__doc__.splitlines()[0] if __doc__ else "")
    _lifecycle.quiet()
    server = ThreadedServer(("127.0.0.1", 0), QuietHandler)
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    server.set_app(app)
    _lifecycle.serve(
        server,
        lifetime=args.lifetime,
        base_url=base_url,
        endpoints={"resource": f"{base_url}/api/photos"},
        clients={
            "app": {"app_id": APP_ID, "app_secret": APP_SECRET, "hash_methods": ["sha1", "md5"]}
        },
    )


if __name__ == "__main__":
    main()

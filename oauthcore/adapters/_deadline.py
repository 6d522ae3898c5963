"""The watchdog that bounds reading a response body by a total deadline (checklist M3, T10).

A read timeout bounds the wait between two reads, not their sum: a body trickling in a byte at
a time would outlast it. The synchronous adapters read under :func:`body_deadline`, which shuts
the socket down when the deadline passes, so the read ends; the adapter then raises its
client's own timeout error. Imports no HTTP client.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

__all__ = ["body_deadline"]


@contextlib.contextmanager
def body_deadline(
    deadline: float | None, shutdown: Callable[[], object]
) -> Iterator[threading.Event]:
    """Run the block with a watchdog calling ``shutdown()`` at ``deadline``; yield its flag.

    ``deadline`` is in ``time.monotonic()`` seconds (None: no watchdog). The flag is set once
    the watchdog has fired: a read that ended then, with an error or seemingly at the end of
    the body, was cut short. An error of ``shutdown()`` (the response already closed or
    released) is ignored.
    """
    expired = threading.Event()
    if deadline is None:
        yield expired
        return

    def expire() -> None:
        expired.set()
        with contextlib.suppress(Exception):
            shutdown()

    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield expired
    finally:
        watchdog.cancel()

"""The default clock: the only place the core reads the time, through ``now=`` defaults.

Every function that needs the time takes ``now: Callable[[], int] = unix_time``, so a test
passes a fixed clock instead. This module imports nothing but the standard library.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["steady_clock", "unix_time"]


def unix_time() -> int:
    """Return the current POSIX time in whole seconds (the default ``now=``)."""
    return int(time.time())


def steady_clock(
    *,
    wall: Callable[[], float] = time.time,
    monotonic: Callable[[], float] = time.monotonic,
) -> Callable[[], int]:
    """Return a ``now=`` clock that follows elapsed time, not wall-clock jumps (checklist G1).

    It reads the wall clock once, when made, and adds the monotonic time elapsed since: an NTP
    step, a DST bug or a VM resume neither expires every valid token at once nor keeps a dead
    one alive. Give each long-lived token holder one of these as its ``now``.
    """
    start_wall, start_monotonic = wall(), monotonic()

    def now() -> int:
        return int(start_wall + (monotonic() - start_monotonic))

    return now

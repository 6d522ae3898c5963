"""The default clock: the only place the core reads the time, through ``now=`` defaults.

Every function that needs the time takes ``now: Callable[[], int] = unix_time``, so a test
passes a fixed clock instead. This module imports nothing but the standard library.
"""

from __future__ import annotations

import time

__all__ = ["unix_time"]


def unix_time() -> int:
    """Return the current POSIX time in whole seconds (the default ``now=``)."""
    return int(time.time())

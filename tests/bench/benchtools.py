"""Timing and table helpers shared by the benchmarks (tests/bench/bench_*.py).

Calibrated ``timeit`` loops, the functions of one row sampled in turn so that load from
elsewhere on the machine hits them alike, medians in microseconds, and plain-text tables.
"""

from __future__ import annotations

import statistics
import timeit
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

__all__ = ["fmt_ratio", "fmt_us", "median_us", "medians_us", "print_table", "verdict"]


class Settings(Protocol):
    """What the helpers read of a benchmark's settings."""

    @property
    def repeat(self) -> int: ...

    @property
    def target_s(self) -> float: ...


def _calibrate(timer: timeit.Timer, target_s: float) -> int:
    """Return a loop count that makes one sample last about ``target_s`` (like autorange)."""
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= target_s:
            return number
        grow = target_s / elapsed if elapsed > 0 else 10.0
        number = max(number + 1, int(number * min(grow * 1.2, 10.0)))


def medians_us(funcs: Mapping[str, Callable[[], object]], settings: Settings) -> dict[str, float]:
    """Return the median time of one call of each function, in microseconds.

    The functions are sampled in turn, round after round, so a burst of load from elsewhere on
    the machine hits all of them alike and the ratios between them stay meaningful.
    """
    timers = {name: timeit.Timer(func) for name, func in funcs.items()}
    numbers = {name: _calibrate(timer, settings.target_s) for name, timer in timers.items()}
    samples: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(settings.repeat):
        for name, timer in timers.items():
            samples[name].append(timer.timeit(numbers[name]) / numbers[name])
    return {name: statistics.median(values) * 1e6 for name, values in samples.items()}


def median_us(func: Callable[[], object], settings: Settings) -> float:
    """Return the median time of one ``func()`` call in microseconds."""
    return medians_us({"f": func}, settings)["f"]


def fmt_us(value: float) -> str:
    """Format microseconds with as many digits as are meaningful."""
    if value >= 10_000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}"


def fmt_ratio(other: float, ours: float) -> str:
    """Format how many times slower ``other`` is than ``ours``."""
    return f"{other / ours:.1f}x"


def verdict(ok: bool) -> str:
    """PASS or MISS."""
    return "PASS" if ok else "MISS"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print rows under headers, the first column left-aligned and the rest right-aligned."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(
        h.rjust(w) if i else h.ljust(w)
        for i, (h, w) in enumerate(zip(headers, widths, strict=True))
    )
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )

"""Shared test configuration: hypothesis profiles, and the interop table's hooks."""

from __future__ import annotations

import pytest

# Helper modules holding asserts: pytest rewrites those of test modules and conftests only, and
# under `python -O` (the second run, where the stress tests run) a plain assert is stripped,
# so a helper's check would pass whatever happened. Registered before anything imports them;
# tests/test_static.py checks that every helper with an assert is named here.
pytest.register_assert_rewrite("interop", "providers", "strategies", "_httpx_helpers")

from hypothesis import HealthCheck, settings  # noqa: E402 - after the registration above
from interop import matrix_report  # noqa: E402

# `ci`: deterministic, 1,000 examples per property (SECURITY-CHECKLIST T2). `ci-quick`: the
# same properties with fewer examples, for the second run under `python -O` (checklist N1).
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci-quick",
    derandomize=True,
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("dev")


# The interop table (tests/interop/matrix_report.py). Here rather than in tests/interop/ so
# that pytest-xdist's controller, which collects nothing, loads these hooks too.


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    matrix_report.record(report)


def pytest_collection_modifyitems(session: pytest.Session, items: list[pytest.Item]) -> None:
    matrix_report.count_collected(session, items)


def _driver_order() -> list[str]:
    from interop.drivers import DRIVERS  # imports every adapter: only when a table is written

    return list(DRIVERS)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    matrix_report.finish(session, exitstatus, _driver_order)

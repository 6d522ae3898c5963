"""Shared test configuration: hypothesis profiles and the checklist marker."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

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

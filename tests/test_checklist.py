"""Every checklist row this project has taken on is proven by at least one test (T1).

The IDs come from ``docs/security-checklist.md``; tests reference them with
``@pytest.mark.checklist("ID", ...)``. ``OWNED`` grows as issues land.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKLIST = ROOT / "docs" / "security-checklist.md"


def _expand(spec: str) -> set[str]:
    ids: set[str] = set()
    for part in spec.split(","):
        first, _, last = part.strip().partition("-")
        letter = first[0]
        stop = int(last[1:]) if last else int(first[1:])
        ids.update(f"{letter}{n}" for n in range(int(first[1:]), stop + 1))
    return ids


# Issue 2 (foundation and OAuth 1.0a core), then issue 3 (OAuth 2.0 core). C7 (ambient
# .netrc credentials) and C9 (a TLS-verification switch) are settings of an HTTP client:
# they are proven with the adapters (issues 4 and 5).
OWNED = (
    _expand("E1-E4, E6-E7, F1-F9, J1-J11, N1-N5")
    | _expand("A1-A20, B1-B13, C1-C6, C8, E5, E8-E9, G1-G9, I1-I6, K1-K7")
    | _expand("C7, C9, D1-D8, L1-L5, M1-M3, H1, H3-H4")  # issue 4, for the requests adapter
    | _expand("H1-H8")  # issue 5: every adapter (D and M rows are proven per adapter too)
)


def _checklist_ids() -> set[str]:
    text = CHECKLIST.read_text("utf-8")
    return set(re.findall(r"^\| ([A-N][0-9]+) \|", text, re.MULTILINE))


def _referenced() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "checklist"
            ):
                found.update(
                    arg.value
                    for arg in node.args
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                )
    return found


def test_checklist_copy_is_complete() -> None:
    ids = _checklist_ids()
    assert {"A1", "E1", "J11", "N5"} <= ids
    assert ids >= OWNED


def test_every_owned_row_has_a_test() -> None:
    assert sorted(OWNED - _referenced()) == []


def test_no_test_cites_an_unknown_row() -> None:
    assert sorted(_referenced() - _checklist_ids()) == []

"""Static guarantees of the package source (SECURITY-CHECKLIST T11, N1–N3, J6).

An AST lint: no ``assert`` (checks must survive ``python -O``), no ``random`` module, no
environment reads, and no ``==``/``!=`` on names that hold secrets, signatures or verifiers
(those are compared with ``hmac.compare_digest``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "oauthcore"
SOURCES = sorted(PACKAGE.rglob("*.py"))
SECRET_NAME = re.compile(r"signature|verifier|challenge|secret|digest|state|token", re.IGNORECASE)
# Names that match the pattern but hold public, non-secret values.
ALLOWED_NAMES = frozenset({"token_required", "SignatureMethod"})


def _trees() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text("utf-8"), str(path))) for path in SOURCES]


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):  # d["oauth_signature"] names its value too
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    return None


@pytest.mark.checklist("N1")
def test_no_assert_statements() -> None:
    found = [
        f"{path.name}:{node.lineno}"
        for path, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Assert)
    ]
    assert found == []


@pytest.mark.checklist("N3")
def test_no_random_module() -> None:
    found = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name == "random" for a in node.names):
                found.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and node.module == "random":
                found.append(f"{path.name}:{node.lineno}")
    assert found == []


@pytest.mark.checklist("N2")
def test_no_environment_reads() -> None:
    names = ("environ", "getenv", "environb", "getenvb")
    found = [
        f"{path.name}:{node.lineno}"
        for path, tree in _trees()
        for node in ast.walk(tree)
        if (isinstance(node, ast.Attribute) and node.attr in names)
        or (isinstance(node, ast.ImportFrom) and any(a.name in names for a in node.names))
    ]
    assert found == []


@pytest.mark.checklist("J6")
def test_secrets_are_never_compared_with_eq() -> None:
    found = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare):
                continue
            if not any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
                continue
            for side in (node.left, *node.comparators):
                name = _name(side)
                if name and SECRET_NAME.search(name) and name not in ALLOWED_NAMES:
                    found.append(f"{path.name}:{node.lineno} {name}")
    assert found == []


def test_the_lint_sees_what_it_forbids() -> None:
    # Positive control: the same walk flags a planted violation.
    tree = ast.parse(
        "if signature == expected:\n    pass\nif d['oauth_verifier'] != v:\n    pass\n"
        "assert x\nimport random\n"
    )
    compares = [n for n in ast.walk(tree) if isinstance(n, ast.Compare)]
    assert _name(compares[0].left) == "signature"
    assert _name(compares[1].left) == "oauth_verifier"
    assert any(isinstance(n, ast.Assert) for n in ast.walk(tree))
    assert any(isinstance(n, ast.Import) for n in ast.walk(tree))


def test_every_module_uses_postponed_annotations() -> None:
    missing = [
        path.name
        for path in SOURCES
        if "from __future__ import annotations" not in path.read_text("utf-8")
    ]
    assert missing == []


def test_no_object_setattr_on_frozen_values() -> None:
    # STYLE §4: values are built by their constructors; derived data is computed, not stored.
    found = [
        f"{path.name}:{node.lineno}"
        for path, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "__setattr__"
        and isinstance(node.value, ast.Name)
        and node.value.id == "object"
    ]
    assert found == []


TESTS = Path(__file__).resolve().parent


def _registered_for_rewrite() -> set[str]:
    tree = ast.parse((TESTS / "conftest.py").read_text(encoding="utf-8"))
    return {
        arg.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "register_assert_rewrite"
        for arg in node.args
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    }


def test_test_helpers_with_asserts_are_rewritten() -> None:
    # The second test run is under `python -O`, which strips a plain assert: a helper module's
    # checks only hold there if pytest rewrites it (test modules and conftests it rewrites by
    # itself). Each helper is imported by its top-level name: its file name, or its package.
    registered = _registered_for_rewrite()
    missing = []
    for path in sorted(TESTS.rglob("*.py")):
        if path.name.startswith("test_") or path.name == "conftest.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(isinstance(node, ast.Assert) for node in ast.walk(tree)):
            continue
        relative = path.relative_to(TESTS)
        top = (
            relative.parts[0]
            if len(relative.parts) > 1 and (TESTS / relative.parts[0] / "__init__.py").exists()
            else path.stem
        )
        if top not in registered:
            missing.append(str(relative))
    assert registered
    assert missing == []

"""The README's example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text("utf-8"), re.DOTALL)
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102 (our own README)
    signed = namespace["signed"]
    header = signed.header("Authorization")  # type: ignore[attr-defined]  # a Request
    assert header.startswith('OAuth oauth_consumer_key="dpf43f3p2l4k3l03", ')
    assert "oauth_signature=" in header


def test_readme_names_the_two_commands() -> None:
    text = README.read_text("utf-8")
    assert "make demo" in text
    assert "make test" in text

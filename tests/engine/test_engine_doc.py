"""docs/engine.md's example (an adapter's expressions inside a user's own query) runs as written."""

from __future__ import annotations

from ..conftest import ROOT


def test_the_expressions_example_runs_and_its_assertion_holds() -> None:
    text = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")
    example = text.split("```python\n", 1)[1].split("```", 1)[0]
    assert "calltouch.expressions(" in example and "assert answered.rows()" in example
    exec(compile(example, "docs/engine.md", "exec"), {})

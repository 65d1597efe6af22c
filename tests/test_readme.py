"""README.md starts with the two commands and its generated parts are current."""

from __future__ import annotations

import importlib.util

from .conftest import ROOT


def _update_readme_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "update_readme", ROOT / "scripts" / "update_readme.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    assert first_block.splitlines()[0].startswith("make demo")
    assert first_block.splitlines()[1].startswith("make test")


def test_generated_blocks_are_current() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _update_readme_module().render(text) == text, (
        "run: .venv/bin/python scripts/update_readme.py"
    )

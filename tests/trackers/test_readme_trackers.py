"""The README's table of supported trackers is generated from the registry and kept current."""

from __future__ import annotations

import importlib.util
import re

from callframe.trackers import trackers_markdown

from ..conftest import ROOT


def _real_exports_proven() -> dict[str, str]:
    spec = importlib.util.spec_from_file_location(
        "update_readme", ROOT / "scripts" / "update_readme.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    proven: dict[str, str] = module.real_exports_proven()
    return proven


def test_readme_tracker_table_matches_the_registry() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- trackers:start -->\n(.*?)\n<!-- trackers:end -->", text, re.S)
    assert found, "README.md lacks the <!-- trackers:start/end --> markers"
    assert found.group(1) == trackers_markdown(_real_exports_proven()), (
        "regenerate the block with scripts/update_readme.py"
    )


def test_the_proven_column_follows_the_real_exports_manifest() -> None:
    proven = _real_exports_proven()
    assert proven["zadarma"] == "yes (1)"
    assert proven["asterisk"] == "yes (3)"  # issue 13 items 1-3, proven on three real CDRs
    assert "none" in proven  # exports no adapter may claim are counted apart
    table = trackers_markdown(proven)
    assert table.splitlines()[0].endswith("| proven on real exports |")
    assert "| — |" in table  # adapters without a real export say so


def test_every_adapter_is_in_the_table() -> None:
    from callframe.trackers import adapters

    table = trackers_markdown()
    assert all(f"`{a.name}`" in table for a in adapters())

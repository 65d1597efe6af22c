"""The README's table of supported trackers is generated from the registry and kept current."""

from __future__ import annotations

import re

from callframe.trackers import trackers_markdown

from ..conftest import ROOT


def test_readme_tracker_table_matches_the_registry() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- trackers:start -->\n(.*?)\n<!-- trackers:end -->", text, re.S)
    assert found, "README.md lacks the <!-- trackers:start/end --> markers"
    assert found.group(1) == trackers_markdown(), (
        "regenerate the block with callframe.trackers.trackers_markdown()"
    )


def test_every_adapter_is_in_the_table() -> None:
    from callframe.trackers import adapters

    table = trackers_markdown()
    assert all(f"`{a.name}`" in table for a in adapters())

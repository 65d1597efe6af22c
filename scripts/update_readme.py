"""Regenerate the generated parts of README.md (between ``<!-- name:start -->`` markers).

Run ``.venv/bin/python scripts/update_readme.py``; ``tests/test_readme.py`` fails when the README
is stale, so the docs never drift from the code.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from callframe.schema_doc import schema_markdown  # noqa: E402


def real_exports_proven() -> dict[str, str]:
    """Per adapter, what ``fixtures/real/manifest.toml`` proves: ``yes (N)`` when its N real
    exports convert exactly as expected, ``partly``/``not yet`` while some are strict xfails."""
    import tomllib

    manifest = tomllib.loads((ROOT / "fixtures" / "real" / "manifest.toml").read_text("utf-8"))
    counts: dict[str, list[int]] = {}
    for entry in manifest["export"]:
        total_xfail = counts.setdefault(entry["tracker"], [0, 0])
        total_xfail[0] += 1
        total_xfail[1] += 1 if entry.get("xfail") else 0
    cells = {}
    for tracker, (total, xfail) in counts.items():
        if not xfail:
            cells[tracker] = f"yes ({total})"
        elif xfail < total:
            cells[tracker] = f"partly ({total - xfail} of {total}; {xfail} xfail)"
        else:
            cells[tracker] = f"not yet ({total} xfail)"
    return cells


def trackers_table() -> str:
    from callframe.trackers import trackers_markdown

    return trackers_markdown(real_exports_proven())


def cli_reference() -> str:
    """``--help`` of every command, as typer renders it, in a fixed terminal width."""
    import os

    import typer.main

    from callframe.cli import app

    os.environ["COLUMNS"] = "100"
    group = typer.main.get_command(app)
    commands = group.commands  # type: ignore[attr-defined]
    context = type(group.make_context("callframe", [], resilient_parsing=True))
    parts = []
    root = context(group, info_name="callframe", terminal_width=100, max_content_width=100)
    for name in sorted(commands):
        command = commands[name]
        ctx = context(
            command, info_name=name, parent=root, terminal_width=100, max_content_width=100
        )
        parts.append(f"#### `callframe {name}`\n\n```text\n{command.get_help(ctx).rstrip()}\n```\n")
    return "\n".join(parts).rstrip()


BLOCKS: dict[str, Callable[[], str]] = {
    "schema:calls": lambda: schema_markdown("calls"),
    "schema:conversions": lambda: schema_markdown("conversions"),
    "schema:chats": lambda: schema_markdown("chats"),
    "cli": cli_reference,
    "trackers": trackers_table,
}


def render(text: str) -> str:
    for name, make in BLOCKS.items():
        pattern = re.compile(
            rf"(<!-- {re.escape(name)}:start -->\n).*?(<!-- {re.escape(name)}:end -->)", re.S
        )
        if not pattern.search(text):
            raise SystemExit(f"README.md lacks the markers for {name}")
        block = make()
        text = pattern.sub(lambda m, block=block: m.group(1) + block + "\n" + m.group(2), text)
    return text


def main() -> None:
    path = ROOT / "README.md"
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()

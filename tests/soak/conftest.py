"""Prints the soak figures at the end of the run (pytest captures what tests print)."""

from __future__ import annotations

from typing import Any

FIGURES: list[str] = []
"""One block of figures per soak run, in order."""


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("soak figures")
    for block in FIGURES:
        for line in block.splitlines():
            terminalreporter.write_line(line)

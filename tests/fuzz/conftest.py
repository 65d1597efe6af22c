"""Tally of fuzz outcomes per entry point, printed at the end of the run (``make fuzz``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

TALLY: defaultdict[str, Counter[str]] = defaultdict(Counter)
"""entry point → outcome (``report``, an error class name, or ``exit N``) → count."""


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TALLY:
        return
    terminalreporter.section("fuzz outcomes")
    for entry, outcomes in sorted(TALLY.items()):
        tried = sum(outcomes.values())
        unexpected = outcomes.get("UNEXPECTED", 0)
        detail = ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
        terminalreporter.write_line(
            f"{entry:<22} inputs {tried:>6}  unexpected {unexpected}  ({detail})"
        )

"""Shared test helpers: the fixed "now" of the fixtures and paths."""

from __future__ import annotations

from pathlib import Path

import pytest

NOW = 1_795_435_200  # 2026-11-23T12:00:00Z, the "now" every fixture is written for
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@pytest.fixture
def now() -> int:
    return NOW

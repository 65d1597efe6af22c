"""Shared test helpers: the fixed "now" of the fixtures and paths, and Hypothesis profiles.

``make test`` (and CI) runs property tests derandomized: the same examples on every run, so a
green commit stays green. ``make fuzz`` sets ``HYPOTHESIS_PROFILE=fuzz`` to explore new inputs;
whatever it finds is fixed and kept under ``tests/corpus/``, which every run replays.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# no per-example deadline: these machines are noisy, and timing is the benchmarks' job, not the
# tests' (a 200 ms deadline failed a slicing property once under load)
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.register_profile("fuzz", derandomize=False, database=None, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

NOW = 1_795_435_200  # 2026-11-23T12:00:00Z, the "now" every fixture is written for
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@pytest.fixture
def now() -> int:
    return NOW

"""Every fixture export converts to exactly its hand-written Metrica CSV.

Each ``fixtures/<tracker>/`` holds a native export (at least ten calls: the three story calls of
call-trackers.md plus our own: a missed call, a repeat caller, a static call, a call without any
ID, calls after local midnight, offsets, placeholders), the expected Metrica CSV written by hand,
and the expected rejections and warnings (``*.expected.issues.csv``). UI-style variants (CSV in
Windows-1251 with ``;``, XLSX) must give the very same file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

import callframe

from ..conftest import FIXTURES, NOW

CASES: list[tuple[str, str, dict[str, Any], str]] = [
    # (export, tracker, convert() arguments, expected stem)
    ("calltouch/calls.json", "calltouch", {"tz": "Europe/Moscow"}, "calltouch/calls"),
    ("calltouch/calls_cp1251.csv", "calltouch", {"tz": "Europe/Moscow"}, "calltouch/calls"),
    ("calltouch/calls.xlsx", "calltouch", {"tz": "Europe/Moscow"}, "calltouch/calls"),
    ("comagic/calls.json", "comagic", {"tz": "Asia/Yekaterinburg"}, "comagic/calls"),
    ("mango/calls.json", "mango", {}, "mango/calls"),
    ("roistat/calls.json", "roistat", {}, "roistat/calls"),
    ("roistat/calls_cp1251.csv", "roistat", {}, "roistat/calls"),
    ("roistat/calls.xlsx", "roistat", {}, "roistat/calls"),
    ("ringostat/calls.csv", "ringostat", {"tz": "Europe/Kyiv", "region": "UA"}, "ringostat/calls"),
    (
        "ringostat/calls_cp1251.csv",
        "ringostat",
        {"tz": "Europe/Kyiv", "region": "UA"},
        "ringostat/calls",
    ),
    ("ringostat/calls.xlsx", "ringostat", {"tz": "Europe/Kyiv", "region": "UA"}, "ringostat/calls"),
    ("calltracking_ru/calls.json", "calltracking_ru", {}, "calltracking_ru/calls"),
    ("callibri/calls.json", "callibri", {}, "callibri/calls"),
    (
        "generic/alloka.csv",
        "generic",
        {"mapping": FIXTURES / "generic" / "alloka.toml"},
        "generic/alloka",
    ),
    (
        "generic/journal_ui_cp1251.csv",
        "generic",
        {"mapping": FIXTURES / "generic" / "journal_ui.toml"},
        "generic/journal_ui",
    ),
    (
        "generic/journal_ui.xlsx",
        "generic",
        {"mapping": FIXTURES / "generic" / "journal_ui.toml"},
        "generic/journal_ui",
    ),
]
IDS = [c[0] for c in CASES]
NATIVE = sorted({c[0] for c in CASES if c[1] != "generic"})


def issues_of(conversion: callframe.Conversion) -> list[tuple[int, str, str]]:
    report = conversion.report
    found = [(r, rule, "error") for r, rule in report.errors.select("row", "rule").iter_rows()]
    found += [(r, rule, "warning") for r, rule in report.warnings.select("row", "rule").iter_rows()]
    return sorted(found)


def expected_issues(stem: str) -> list[tuple[int, str, str]]:
    frame = pl.read_csv(FIXTURES / f"{stem}.expected.issues.csv", infer_schema=False)
    return sorted((int(r), rule, sev) for r, rule, sev in frame.iter_rows())


@pytest.mark.parametrize(("export", "tracker", "kwargs", "stem"), CASES, ids=IDS)
def test_fixture_converts_to_exactly_the_expected_file(
    tmp_path: Path, export: str, tracker: str, kwargs: dict[str, Any], stem: str
) -> None:
    conversion = callframe.convert(FIXTURES / export, now=NOW, **kwargs)
    assert conversion.tracker == tracker
    expected = (FIXTURES / f"{stem}.expected.csv").read_bytes()
    out = tmp_path / "calls.csv"
    callframe.write_csv(conversion.valid, out, now=NOW)
    assert out.read_bytes().decode() == expected.decode()
    # Conversion.write_csv writes the report's text view, without validating again: same bytes
    assert conversion.write_csv(tmp_path / "direct.csv") == [tmp_path / "direct.csv"]
    assert (tmp_path / "direct.csv").read_bytes() == expected


@pytest.mark.parametrize(("export", "tracker", "kwargs", "stem"), CASES, ids=IDS)
def test_fixture_rejections_and_warnings(
    export: str, tracker: str, kwargs: dict[str, Any], stem: str
) -> None:
    conversion = callframe.convert(FIXTURES / export, now=NOW, **kwargs)
    assert issues_of(conversion) == expected_issues(stem)
    rejected_rows = sorted({r for r, _, sev in expected_issues(stem) if sev == "error"})
    assert conversion.rejected.get_column("row").to_list() == rejected_rows
    assert conversion.n_rows == conversion.n_valid + conversion.n_rejected >= 10


@pytest.mark.parametrize("export", NATIVE)
def test_detection_picks_the_right_adapter_for_every_fixture(export: str) -> None:
    tracker = export.split("/")[0]
    found = callframe.detect(FIXTURES / export)
    assert found.name == tracker
    assert found.score >= 0.8


@pytest.mark.parametrize("tracker", ["calltouch", "comagic", "mango", "roistat", "ringostat"])
def test_fixtures_cover_the_story_calls(tracker: str) -> None:
    """Story A, B and C of call-trackers.md: same UTC instants whatever the tracker."""
    path = next(p for p in (FIXTURES / tracker).iterdir() if p.name in ("calls.json", "calls.csv"))
    zones = {
        "calltouch": "Europe/Moscow",
        "comagic": "Asia/Yekaterinburg",
        "ringostat": "Europe/Kyiv",
    }
    kwargs = {"tz": zones.get(tracker)}
    conversion = callframe.convert(
        path, now=NOW, region="UA" if tracker == "ringostat" else None, **kwargs
    )
    times = conversion.report.valid.get_column("DateTime").to_list()
    if tracker == "mango":  # minute precision: seconds are lost (documented)
        assert times[:3] == [1710400500, 1710403320, 1710455400]
    elif tracker == "ringostat":  # Kyiv local times, and B and C have no ID
        assert times[0] == 1710404130
    else:
        assert times[:3] == [1710400530, 1710403325, 1710455400]


def test_every_tracker_has_a_fixture_with_ten_rows_or_more() -> None:
    for adapter in callframe.trackers.adapters():
        folder = FIXTURES / adapter.name
        assert folder.is_dir(), adapter.name
        assert any(p.name.endswith(".expected.csv") for p in folder.iterdir()), adapter.name

"""Real exports (issue 13): each converts to exactly the Metrica CSV written by hand from it.

``fixtures/real/`` holds anonymised production exports and vendors' documented examples, found
in public repositories and documentation (``PROVENANCE.md`` says where each comes from and what
was changed; ``anonymise.py`` did the changing). ``manifest.toml`` says, per export, the tracker,
the ``convert()`` options and what it proves. The expectations (``<file>.expected.csv`` and
``<file>.expected.issues.csv``) were worked out by reading each raw row against the rules of
decisions.md, call-trackers.md and issue 13, never by pasting callframe's output. Where today's
code disagrees because of an issue-13 bug, the case is a strict xfail naming the item: it turns
into a failure once the bug is fixed, and is then flipped.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import callframe

from ..conftest import FIXTURES

REAL = FIXTURES / "real"
MANIFEST: list[dict[str, Any]] = tomllib.loads(
    (REAL / "manifest.toml").read_text(encoding="utf-8")
)["export"]


def _params(test: str) -> list[Any]:
    params = []
    for entry in MANIFEST:
        reason = entry.get("xfail_detect" if test == "detect" else "xfail")
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(entry, marks=marks, id=entry["file"]))
    return params


def _convert(entry: dict[str, Any]) -> callframe.Conversion:
    tracker = entry["tracker"]
    if "tracker_options" in entry:
        tracker = f"{tracker}:{entry['tracker_options']}"
    return callframe.convert(REAL / entry["file"], tracker=tracker, **entry["options"])


def _issues(conversion: callframe.Conversion) -> list[tuple[int, str, str]]:
    report = conversion.report
    found = [(r, rule, "error") for r, rule in report.errors.select("row", "rule").iter_rows()]
    found += [(r, rule, "warning") for r, rule in report.warnings.select("row", "rule").iter_rows()]
    return sorted(found)


def _expected_issues(entry: dict[str, Any]) -> list[tuple[int, str, str]]:
    frame = pl.read_csv(REAL / f"{entry['file']}.expected.issues.csv", infer_schema=False)
    return sorted((int(r), rule, sev) for r, rule, sev in frame.iter_rows())


def test_the_corpus_is_complete() -> None:
    """Every export has its expectation and provenance, and nothing else lies around."""
    provenance = (REAL / "PROVENANCE.md").read_text(encoding="utf-8")
    listed = {entry["file"] for entry in MANIFEST}
    for entry in MANIFEST:
        assert (REAL / entry["file"]).is_file(), entry["file"]
        assert f"`{entry['file']}`" in provenance, entry["file"]
        if entry["tracker"] != "none":
            assert (REAL / f"{entry['file']}.expected.csv").is_file(), entry["file"]
            assert (REAL / f"{entry['file']}.expected.issues.csv").is_file(), entry["file"]
    exports = {
        p.relative_to(REAL).as_posix()
        for p in REAL.rglob("*")
        if p.is_file() and ".expected." not in p.name and p.parent != REAL
    }
    assert exports == listed
    assert len(listed) >= 15


CONVERTED = [p for p in _params("convert") if p.values[0]["tracker"] != "none"]


@pytest.mark.parametrize("entry", CONVERTED)
def test_real_export_converts_to_exactly_the_expected_file(
    tmp_path: Path, entry: dict[str, Any]
) -> None:
    conversion = _convert(entry)
    expected = (REAL / f"{entry['file']}.expected.csv").read_text(encoding="utf-8")
    if expected.count("\n") <= 1:  # every row rejected: nothing to write
        assert conversion.n_valid == 0
    else:
        out = tmp_path / "calls.csv"
        conversion.write_csv(out)
        assert out.read_text(encoding="utf-8") == expected
    assert _issues(conversion) == _expected_issues(entry)
    assert conversion.n_rows == conversion.n_valid + conversion.n_rejected


@pytest.mark.parametrize("entry", _params("detect"))
def test_detection_names_the_real_exports_tracker(entry: dict[str, Any]) -> None:
    if entry["tracker"] == "none":
        with pytest.raises(callframe.ExportError):
            callframe.detect(REAL / entry["file"])
    else:
        assert callframe.detect(REAL / entry["file"]).name == entry["tracker"]

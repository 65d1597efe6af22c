"""PBX and CRM exports (no visitor IDs) convert to exactly their hand-written Metrica CSVs.

Each ``fixtures/<adapter>/`` holds a native export of the same ten customer calls (plus the
source's own extras: outbound, internal, second legs), the expected Metrica CSV of the static
case (every call kept as static, decisions.md rule 2), the expected rejections and warnings,
and ``ids.csv`` (a site-form table with phones in other formats and times in another zone,
Asia/Yekaterinburg) with the expected CSV after :func:`callframe.enrich`: calls 1, 4, 9 and 10
get an ID (4 at exactly the window's edge, 10 at exactly the call's time), call 2 is ambiguous
(two ClientIds in the window), the rest are unmatched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import callframe

from ..conftest import FIXTURES, NOW
from .test_fixtures import expected_issues, issues_of

MSK = {"tz": "Europe/Moscow"}
CASES: list[tuple[str, str, dict[str, Any]]] = [
    # (export, tracker, convert() arguments); expected files are <export stem>.expected*.csv
    ("asterisk/Master.csv", "asterisk", MSK),
    ("freepbx/cdr.csv", "freepbx", MSK),
    ("sipuni/statistic.csv", "sipuni", MSK),
    ("zadarma/stats.json", "zadarma", MSK),
    ("mango_vpbx/stats.csv", "mango_vpbx", {}),
    ("bitrix24/statistic.json", "bitrix24", {}),
    ("amocrm/notes.json", "amocrm", {}),
    ("binotel/calls.json", "binotel", {}),
]
IDS = [c[0] for c in CASES]


def stem(export: str) -> str:
    return export.rsplit(".", 1)[0]


def written(tmp_path: Path, frame: Any) -> str:
    out = tmp_path / "calls.csv"
    callframe.write_csv(frame, out, now=NOW)
    return out.read_bytes().decode()


@pytest.mark.parametrize(("export", "tracker", "kwargs"), CASES, ids=IDS)
def test_static_case_converts_to_exactly_the_expected_file(
    tmp_path: Path, export: str, tracker: str, kwargs: dict[str, Any]
) -> None:
    conversion = callframe.convert(FIXTURES / export, now=NOW, **kwargs)
    assert conversion.tracker == tracker
    expected = (FIXTURES / f"{stem(export)}.expected.csv").read_bytes().decode()
    assert written(tmp_path, conversion.valid) == expected
    conversion.write_csv(tmp_path / "direct.csv")
    assert (tmp_path / "direct.csv").read_bytes().decode() == expected


@pytest.mark.parametrize(("export", "tracker", "kwargs"), CASES, ids=IDS)
def test_rejections_and_warnings_account_for_every_row(
    export: str, tracker: str, kwargs: dict[str, Any]
) -> None:
    conversion = callframe.convert(FIXTURES / export, now=NOW, **kwargs)
    assert issues_of(conversion) == expected_issues(stem(export))
    rejected = sorted({r for r, _, sev in expected_issues(stem(export)) if sev == "error"})
    assert conversion.rejected.get_column("row").to_list() == rejected
    assert conversion.n_rows == conversion.n_valid + conversion.n_rejected >= 10


@pytest.mark.parametrize(("export", "tracker", "kwargs"), CASES, ids=IDS)
def test_enriched_case_converts_to_exactly_the_expected_file(
    tmp_path: Path, export: str, tracker: str, kwargs: dict[str, Any]
) -> None:
    conversion = callframe.convert(FIXTURES / export, now=NOW, **kwargs)
    folder = (FIXTURES / export).parent
    enrichment = callframe.enrich(conversion.valid, folder / "ids.csv", region=conversion.region)
    expected = (FIXTURES / f"{stem(export)}.enriched.expected.csv").read_bytes().decode()
    assert written(tmp_path, enrichment.data) == expected
    assert enrichment.matched == 4 and enrichment.ambiguous == 1


@pytest.mark.parametrize(("export", "tracker", "kwargs"), CASES, ids=IDS)
def test_detection_picks_the_right_adapter(export: str, tracker: str, kwargs: Any) -> None:
    assert callframe.detect(FIXTURES / export).name == tracker

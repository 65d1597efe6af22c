"""The Metrica fixtures: valid files pass; the defects file breaks each rule on its own row."""

from __future__ import annotations

import polars as pl
import pytest

import callframe
from callframe.contract.rules import RULES

from ..conftest import FIXTURES, NOW

METRICA = FIXTURES / "metrica"


@pytest.mark.parametrize(
    ("name", "kind"), [("calls.csv", "calls"), ("conversions.csv", "conversions")]
)
def test_valid_fixture(name: str, kind: str) -> None:
    report = callframe.validate(METRICA / name, kind, now=NOW)
    assert report.ok, report.to_text()
    assert report.warnings.height == 0
    assert report.valid_rows == report.rows >= 6


@pytest.mark.parametrize("kind", ["calls", "conversions"])
def test_defects_fixture_breaks_exactly_the_expected_rule_per_row(kind: str) -> None:
    report = callframe.validate(METRICA / "defects" / f"{kind}_defects.csv", kind, now=NOW)
    expected = pl.read_csv(METRICA / "defects" / f"{kind}_defects.expected.csv", infer_schema=False)
    found = pl.concat(
        [
            report.errors.select("row", "rule", severity=pl.lit("error")),
            report.warnings.select("row", "rule", severity=pl.lit("warning")),
        ]
    ).sort("row")
    assert found.select(pl.col("row").cast(pl.String), "rule", "severity").rows() == expected.rows()


def test_defects_fixture_covers_every_calls_row_rule() -> None:
    expected = pl.read_csv(METRICA / "defects" / "calls_defects.expected.csv", infer_schema=False)
    row_rules = {r.id for r in RULES if r.scope == "row" and "calls" in r.kinds}
    assert row_rules <= set(expected["rule"])


def test_header_defects_are_reported_without_a_row() -> None:
    report = callframe.validate(METRICA / "defects" / "calls_header_defects.csv", now=NOW)
    rows = report.errors.select("column", "rule", "hint").rows()
    assert ("clientid", "*|column_case", "did you mean 'ClientId'?") in rows
    assert ("Comment", "*|unknown_column", "Remove it or rename it to a contract column.") in rows
    assert any(r[1] == "*|duplicate_column" and r[0] == "PhoneNumber" for r in rows)
    header = report.errors.filter(pl.col("rule") != "*|id_required")
    assert header["row"].null_count() == header.height == 3
    assert report.valid_rows == 0 and report.invalid_rows == report.rows == 1


def test_missing_required_column() -> None:
    report = callframe.validate(METRICA / "defects" / "calls_missing_datetime.csv", now=NOW)
    assert report.errors.select("column", "rule").rows() == [("DateTime", "*|missing_column")]


@pytest.mark.parametrize(
    ("name", "rule_id"), [("calls_semicolon.csv", "*|separator"), ("calls_bom.csv", "*|bom")]
)
def test_file_level_defects(name: str, rule_id: str) -> None:
    report = callframe.validate(METRICA / "defects" / name, now=NOW)
    assert report.errors["rule"].to_list() == [rule_id]
    assert report.invalid_rows == report.rows == 1


def test_not_utf8_is_an_export_error_naming_the_file() -> None:
    with pytest.raises(callframe.ExportError, match=r"calls_cp1251\.csv.*not UTF-8"):
        callframe.validate(METRICA / "defects" / "calls_cp1251.csv", now=NOW)


def test_pandera_models_agree_with_validate_on_the_defects() -> None:
    from .agreement import by_callframe, by_pandera

    for kind in ("calls", "conversions"):
        frame = pl.read_csv(METRICA / "defects" / f"{kind}_defects.csv", infer_schema=False)
        ours = by_callframe(frame, kind, NOW)
        assert ours.errors and ours.warnings
        assert by_pandera(frame, kind, NOW) == ours

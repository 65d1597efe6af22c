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
    assert report.n_valid == report.n_rows >= 6


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
    # padding and whitespace-only rules exist for every column alike: one of each is enough here
    # (tests/contract/examples.py has every one)
    per_column = {r for r in row_rules if r.endswith(("|padded", "|not_blank"))}
    assert row_rules - per_column <= set(expected["rule"])
    assert {"ClientId|padded", "Tag|not_blank"} <= set(expected["rule"])


def test_header_defects_are_reported_without_a_row() -> None:
    report = callframe.validate(METRICA / "defects" / "calls_header_defects.csv", now=NOW)
    rows = report.errors.select("column", "rule", "hint").rows()
    assert ("Comment", "*|unknown_column", "Remove it or rename it to a contract column.") in rows
    assert any(r[1] == "*|duplicate_column" and r[0] == "PhoneNumber" for r in rows)
    assert report.errors["row"].null_count() == report.errors.height == 2
    # Metrica reads `clientid` as ClientId: a warning naming the exact spelling, the column used
    assert report.warnings.select("column", "rule", "value").rows() == [
        ("clientid", "*|column_case", "clientid")
    ]
    assert report.n_valid == 0 and report.n_rejected == report.n_rows == 1


def test_missing_required_column() -> None:
    report = callframe.validate(METRICA / "defects" / "calls_missing_datetime.csv", now=NOW)
    assert report.errors.select("column", "rule").rows() == [("DateTime", "*|missing_column")]


def test_a_semicolon_file_is_refused() -> None:
    report = callframe.validate(METRICA / "defects" / "calls_semicolon.csv", now=NOW)
    assert report.errors["rule"].to_list() == ["*|separator"]
    assert report.n_rejected == report.n_rows == 1 and report.refused


def test_a_bom_is_a_warning() -> None:
    """The BOM is a non-word character before the first name: the server's name matching
    removes it, as it does for `" UserId "` (metrica-server.md, Accepted as valid)."""
    report = callframe.validate(METRICA / "defects" / "calls_bom.csv", now=NOW)
    assert report.ok and report.warnings["rule"].to_list() == ["*|bom"]
    assert report.n_valid == report.n_rows == 1 and not report.refused


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

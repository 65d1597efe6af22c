"""The report: counts, frames, renderings; a phone number is never shown whole."""

from __future__ import annotations

import json

import polars as pl
import pytest
from rich.console import Console

import callframe
from callframe.report import mask_phone

from .conftest import NOW

PHONE = "+74951234567"
BAD_PHONE = "8 (495) 123-45-67"


def report() -> callframe.ValidationReport:
    frame = pl.DataFrame(
        {
            "ClientId": ["1795012345678901234", "oops", None, "17"],
            "DateTime": [str(NOW - 10), str(NOW), str(NOW), str(NOW - 30 * 86400)],
            "PhoneNumber": [PHONE, BAD_PHONE, "+79031112233", "+79031112233"],
            "Extra": ["a", "b", "c", "d"],
        }
    )
    return callframe.validate(frame.drop("Extra"), now=NOW)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+74951234567", "+7495*****67"),
        ("+375291234567", "+3752******67"),
        ("8 (495) 123-45-67", "8 (49*) ***-**-67"),
        ("101", "*01"),
        ("", ""),
    ],
)
def test_mask_phone(value: str, masked: str) -> None:
    out = pl.select(mask_phone(pl.lit(value))).item()
    assert out == masked


def test_counts_and_verdict() -> None:
    r = report()
    assert not r.ok
    assert (r.rows, r.valid_rows, r.invalid_rows) == (4, 2, 2)
    counts = r.counts()
    assert counts.columns == ["rule", "column", "severity", "title", "rows"]
    assert counts.select("rule", "severity", "rows").rows() == [
        ("*|id_required", "error", 1),
        ("ClientId|digits", "error", 1),
        ("PhoneNumber|e164", "error", 1),
        ("DateTime|older_than_21_days", "warning", 1),
    ]


def test_invalid_rows_carry_every_reason_and_original_values() -> None:
    inv = report().invalid()
    assert inv.select("row", "rule").rows() == [
        (2, "ClientId|digits; PhoneNumber|e164"),
        (3, "*|id_required"),
    ]
    assert inv["PhoneNumber"].to_list() == [BAD_PHONE, "+79031112233"]  # the caller's own data


def test_schema_errors_are_listed_on_every_rejected_row() -> None:
    frame = pl.DataFrame({"ClientId": ["1", "x"], "Date_Time": [str(NOW)] * 2})
    inv = callframe.validate(frame, now=NOW).invalid()
    assert inv["rule"].to_list() == [
        "*|unknown_column; *|missing_column",
        "*|unknown_column; *|missing_column; ClientId|digits",
    ]


def test_values_are_masked_in_every_text_output() -> None:
    r = report()
    outputs = {
        "errors": str(r.errors.to_dicts()),
        "json": r.to_json(),
        "text": r.to_text(),
        "html": r._repr_html_(),
        "repr": repr(r),
        "summary": r.summary_line(),
    }
    console = Console(record=True, width=200)
    console.print(r)
    outputs["rich"] = console.export_text()
    for name, text in outputs.items():
        assert PHONE not in text and BAD_PHONE not in text, name
        assert "+79031112233" not in text, name
    assert "8 (49*) ***-**-67" in outputs["json"]


def test_exception_names_rules_and_counts_but_no_values() -> None:
    with pytest.raises(callframe.ContractError) as info:
        report().raise_for_errors()
    message = str(info.value)
    assert "PhoneNumber|e164 ×1" in message and "ClientId|digits ×1" in message
    assert "oops" not in message and "495" not in message
    assert info.value.report.invalid_rows == 2


def test_raise_for_errors_returns_the_report_when_ok() -> None:
    r = callframe.validate(pl.DataFrame({"UserId": ["u"], "DateTime": [NOW]}), now=NOW)
    assert r.raise_for_errors() is r


def test_to_dict_document_shape() -> None:
    doc = json.loads(report().to_json())
    assert set(doc) == {
        "path",
        "kind",
        "rows",
        "valid_rows",
        "invalid_rows",
        "errors",
        "warnings",
        # what Metrica would do (issue 12): added, the keys above unchanged
        "refused",
        "predicted_line_quantity",
        "dropped_rows",
        "wrong_value_rows",
        "prediction",
    }
    assert set(doc["errors"][0]) == {"row", "column", "rule", "title", "value", "hint", "effect"}
    assert doc["errors"][0]["row"] == 2  # 1-based data rows, header not counted


def test_html_has_the_essential_parts() -> None:
    page = report()._repr_html_()
    for part in (
        "<table",
        "<th>rule</th>",
        "<th>rows</th>",
        "PhoneNumber|e164",
        "invalid",
        "+7495",
        "*",
    ):
        assert part in page
    assert "<script" not in page


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [
        ("ClientId", "+79161234567", "+7916*****67"),
        ("UserId", "8 (916) 123-45-67", "8 (91*) ***-**-67"),
        ("Tag", "call me at +7 916 123 45 67, ok", "call me at +7*****67, ok"),  # inside prose
        ("Tag", "lost 2 calls", "lost 2 calls"),
        ("DateTime", "1795435200123", "1795435200123"),  # numbers stay readable
        ("ClientId", "17950123456789O1234", "17950123456789O1234"),
        ("ClientId", "99999999999999999999", "99999999999999999999"),  # too long for a phone
    ],
)
def test_phone_shaped_values_are_masked_in_any_text_column(
    column: str, value: str, shown: str
) -> None:
    from callframe.report import mask_value

    assert pl.select(mask_value(pl.lit(value), column)).item() == shown

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
    assert (r.n_rows, r.n_valid, r.n_rejected) == (4, 2, 2)
    assert r.counts() == {
        "*|id_required": 1,
        "ClientId|digits": 1,
        "DateTime|older_than_21_days": 1,
        "PhoneNumber|e164": 1,
    }
    assert [(c.rule, c.severity, c.rows) for c in r.rule_counts()] == [
        ("*|id_required", "error", 1),
        ("ClientId|digits", "error", 1),
        ("PhoneNumber|e164", "error", 1),
        ("DateTime|older_than_21_days", "warning", 1),
    ]


def test_invalid_rows_carry_every_reason_and_original_values() -> None:
    inv = report().rejected
    assert inv.select("row", "rule").rows() == [
        (2, "ClientId|digits; PhoneNumber|e164"),
        (3, "*|id_required"),
    ]
    assert inv["PhoneNumber"].to_list() == [BAD_PHONE, "+79031112233"]  # the caller's own data


def test_schema_errors_are_listed_on_every_rejected_row() -> None:
    frame = pl.DataFrame({"ClientId": ["1", "x"], "Date_Time": [str(NOW)] * 2})
    inv = callframe.validate(frame, now=NOW).rejected
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
    assert info.value.report.n_rejected == 2


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
        ("PhoneNumber", "+79161234567", "+7916*****67"),
        ("CallerNumber", "8 (916) 123-45-67", "8 (91*) ***-**-67"),  # a tracker's own column
        ("URL", "https://x.ru/?tel=+79161234567", "https://x.ru/?tel=+7*****67"),
        ("Yclid", "7312-3456", "7312-3456"),  # IDs are shown whole: the value to fix
        ("ClientId", "+79161234567", "+79161234567"),
        ("UserId", "8 (916) 123-45-67", "8 (916) 123-45-67"),
        ("ChatUserID", "+79161234567", "+79161234567"),
        ("Tag", "call me at +7 916 123 45 67, ok", "call me at +7*****67, ok"),  # inside prose
        ("Tag", "lost 2 calls", "lost 2 calls"),
        ("DateTime", "1795435200123", "1795435200123"),  # numbers stay readable
        ("ClientId", "17950123456789O1234", "17950123456789O1234"),
        ("ClientId", "99999999999999999999", "99999999999999999999"),  # too long for a phone
    ],
)
def test_phones_are_masked_and_ids_are_shown_as_they_are(
    column: str, value: str, shown: str
) -> None:
    from callframe.report import mask_value

    assert pl.select(mask_value(pl.lit(value), column)).item() == shown


# --- what Metrica would do ---------------------------------------------------------------------


def predicted() -> callframe.ValidationReport:
    """3 rows dropped (no ID, bad ClientId, empty DateTime), 2 kept with a wrong value."""
    t = str(NOW - 60)
    frame = pl.DataFrame(
        {
            "ClientId": [None, "x", "3", "4", "5", "6"],
            "DateTime": [t, t, None, t, t, t],
            "CallMissed": [None, "2", None, "2", None, None],
            "TalkDuration": [None, None, None, None, "-1", None],
        }
    )
    return callframe.validate(frame, now=NOW)


def test_prediction_counts_rows_not_findings() -> None:
    r = predicted()
    assert (r.refused, r.dropped_rows, r.wrong_value_rows) == (False, 3, 2)
    assert r.predicted_line_quantity == 3  # 6 rows, 3 dropped; row 2 is dropped, not "wrong"
    assert r.prediction() == (
        "Metrica would drop 3 rows and keep 2 rows with a wrong value; it would count 3 of 6 rows"
    )
    assert r.findings().select("rule", "effect").unique(maintain_order=True).rows() == [
        ("*|id_required", "drop_row"),
        ("ClientId|digits", "drop_row"),
        ("CallMissed|flag", "keep_wrong_value"),
        ("DateTime|required", "drop_row"),
        ("TalkDuration|non_negative", "keep_wrong_value"),
    ]


def test_prediction_in_every_rendering() -> None:
    r = predicted()
    console = Console(record=True, width=200)
    console.print(r)
    for shown in (r.to_text(), r._repr_html_(), console.export_text()):
        assert "Metrica would drop 3 rows and keep 2 rows with a wrong value" in shown
        assert "Metrica drops the row" in shown  # each rule's effect
        assert "Metrica keeps the row with a wrong value" in shown
    doc = r.to_dict()
    assert (doc["refused"], doc["predicted_line_quantity"]) == (False, 3)
    assert {(e["rule"], e["effect"]) for e in doc["errors"]} >= {("ClientId|digits", "drop_row")}


def test_a_refused_file_is_said_so() -> None:
    r = callframe.validate(pl.DataFrame({"ClientId": ["1"], "Price": ["1"]}), now=NOW)
    assert r.refused and r.predicted_line_quantity == 0 and r.dropped_rows == 0
    console = Console(record=True, width=200)
    console.print(r)
    for shown in (r.to_text(), r._repr_html_(), console.export_text()):
        assert "Metrica would refuse this file" in shown


def test_a_clean_frame_is_counted_whole() -> None:
    r = callframe.validate(pl.DataFrame({"ClientId": ["1", "2"], "DateTime": [NOW, NOW]}), now=NOW)
    assert r.prediction() == "Metrica would count 2 of 2 rows"
    assert r.predicted_line_quantity == 2 and not r.refused


def test_a_tracker_rule_outside_the_contract_has_a_null_effect() -> None:
    from callframe.report import ValidationReport

    base = callframe.validate(pl.DataFrame({"ClientId": ["1"], "DateTime": [NOW]}), now=NOW)
    errors = pl.DataFrame(
        [{"row": 1, "column": "DateTime", "rule": "DateTime|unreadable", "title": "t"}],
        schema=base.errors.schema,
    )
    r = ValidationReport(
        kind="calls",
        source=None,
        now=NOW,
        data=base.data,
        text=base._text,
        invalid_mask=pl.Series([True]),
        errors=errors,
        warnings=base.warnings,
    )
    assert r.to_dict()["errors"][0]["effect"] is None
    assert r.predicted_line_quantity == 1 and not r.refused

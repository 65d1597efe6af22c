"""The generic adapter: any export, given a mapping (a dict or a TOML file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

import callframe

from ..conftest import FIXTURES, NOW

RINGOSTAT_AS_MAPPING: dict[str, Any] = {
    "time_zone": "Europe/Kyiv",
    "phone_region": "UA",
    "answered_values": ["ANSWERED"],
    "first_time_values": ["0"],
    "repeat_values": ["1"],
    "outbound_values": ["out", "outgoing", "callback"],
    "columns": {
        "calldate": "DateTime",
        "caller": "PhoneNumber",
        "billsec": "TalkDuration",
        "waittime": "HoldDuration",
        "disposition": "CallMissed",
        "repeated_flag": "FirstTimeCaller",
        "category_mark": "Tag",
        "landing": "URL",
        "call_card": "CallTrackerURL",
        "call_type": "Direction",
    },
}


def test_a_mapping_reproduces_the_ringostat_adapter() -> None:
    path = FIXTURES / "ringostat" / "calls.csv"
    native = callframe.convert(path, tz="Europe/Kyiv", region="UA", now=NOW)
    mapped = callframe.convert(path, mapping=RINGOSTAT_AS_MAPPING, now=NOW)
    assert mapped.tracker == "generic" and mapped.tz == "Europe/Kyiv" and mapped.region == "UA"
    assert mapped.valid.equals(native.valid)
    assert mapped.rejected.equals(native.rejected)


def test_a_toml_mapping_file(tmp_path: Path) -> None:
    conversion = callframe.convert(
        FIXTURES / "generic" / "alloka.csv", mapping=FIXTURES / "generic" / "alloka.toml", now=NOW
    )
    assert conversion.n_valid == 9 and conversion.tz == "Europe/Moscow"


def test_explicit_arguments_win_over_the_mapping() -> None:
    mapping = {**RINGOSTAT_AS_MAPPING, "time_zone": "Europe/Moscow"}
    path = FIXTURES / "ringostat" / "calls.csv"
    moscow = callframe.convert(path, mapping=mapping, now=NOW)
    kyiv = callframe.convert(path, mapping=mapping, tz="Europe/Kyiv", now=NOW)
    assert moscow.tz == "Europe/Moscow" and kyiv.tz == "Europe/Kyiv"
    first = kyiv.valid.get_column("DateTime")[0] - moscow.valid.get_column("DateTime")[0]
    assert first == 3600  # Kyiv is an hour behind Moscow in winter


def test_price_with_a_fixed_currency_and_user_ids() -> None:
    frame = pl.DataFrame(
        {
            "when": ["23.11.2026 10:00"],
            "crm": ["client-42"],
            "sum": ["1 500,50"],
            "phone": ["8 916 123 45 67"],
        }
    )
    mapping = {
        "time_zone": "Europe/Moscow",
        "currency": "rub",
        "columns": {"when": "DateTime", "crm": "UserId", "sum": "Price", "phone": "PhoneNumber"},
    }
    calls = callframe.convert(frame, mapping=mapping, now=NOW).valid
    assert calls.row(0, named=True) == {
        "UserId": "client-42",
        "DateTime": 1795417200,
        "Price": 1500.5,
        "Currency": "RUB",
        "PhoneNumber": "+79161234567",
    }


def test_unix_times_and_missed_from_talk_time() -> None:
    frame = pl.DataFrame({"t": ["1795417200"], "talk": ["0"], "cid": ["1763600000123456789"]})
    mapping = {"columns": {"t": "DateTime", "talk": "TalkDuration", "cid": "ClientId"}}
    row = callframe.convert(frame, mapping=mapping, now=NOW).valid.row(0, named=True)
    assert row["DateTime"] == 1795417200 and "CallMissed" not in row
    mapping["columns"]["talk2"] = "CallMissed"
    frame = frame.with_columns(talk2=pl.lit(None, pl.String))
    row = callframe.convert(frame, mapping=mapping, now=NOW).valid.row(0, named=True)
    assert row["CallMissed"] == 1


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"columns": {"a": "Datetime"}}, "'a' = 'Datetime' is not a Metrica column"),
        ({"columns": {"a": "ClientId"}}, "no column is mapped to DateTime"),
        ({"colums": {"a": "DateTime"}}, "unknown mapping option"),
        ({}, "needs a \\[columns\\] table"),
        ({"columns": {"a": "DateTime", "b": "Direction"}}, "outbound_values"),
        ({"duration_unit": "min", "columns": {"a": "DateTime"}}, "duration_unit"),
    ],
)
def test_bad_mappings_say_what_to_fix(mapping: dict[str, Any], message: str) -> None:
    frame = pl.DataFrame({"a": ["2026-11-23T10:00:00Z"], "b": ["in"]})
    with pytest.raises(callframe.UsageError, match=message):
        callframe.convert(frame, mapping=mapping, now=NOW)


def test_a_mapped_column_missing_from_the_export_is_an_export_error() -> None:
    frame = pl.DataFrame({"a": ["2026-11-23T10:00:00Z"]})
    with pytest.raises(callframe.ExportError, match="lacks phone"):
        callframe.convert(frame, mapping={"columns": {"a": "DateTime", "phone": "PhoneNumber"}})


def test_mapping_files_that_are_missing_or_broken(tmp_path: Path) -> None:
    with pytest.raises(callframe.UsageError, match="does not exist"):
        callframe.convert(FIXTURES / "generic" / "alloka.csv", mapping=tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("columns = [", encoding="utf-8")
    with pytest.raises(callframe.UsageError, match="not valid TOML"):
        callframe.convert(FIXTURES / "generic" / "alloka.csv", mapping=bad)

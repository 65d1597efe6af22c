"""``callframe.convert``: the guarantees that hold for every tracker."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import callframe
from callframe.contract.columns import column_names
from callframe.engine.nodes import IsoTime, Seconds
from callframe.engine.rules import CONVERSION_RULES
from callframe.trackers import get_adapter

from ..conftest import FIXTURES, NOW

CALLTOUCH = FIXTURES / "calltouch" / "calls.json"


def roistat_rows(*rows: dict[str, object]) -> bytes:
    return json.dumps({"data": list(rows)}).encode()


def call(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "caller": "79161234567",
        "callee": "74951234567",
        "date": "2026-11-23T10:00:00+0300",
        "status": "ANSWER",
        "answer_duration": 60,
        "waiting_time": 5,
        "visit_id": "1",
        "visit": {"metrika_client_id": "1763600000123456789", "landing_page": "https://e.ru/"},
    }
    base.update(fields)
    return base


def test_rows_in_equal_rows_out_plus_rejected_and_order_is_kept() -> None:
    conversion = callframe.convert(CALLTOUCH, tz="Europe/Moscow", now=NOW)
    assert conversion.n_rows == conversion.n_valid + conversion.n_rejected == 11
    kept = sorted(set(range(1, 12)) - set(conversion.rejected.get_column("row").to_list()))
    original = callframe.read_export(CALLTOUCH).frame.with_row_index("row", offset=1)
    expected_phones = (
        original.filter(pl.col("row").is_in(kept)).get_column("callerNumber").to_list()
    )
    assert [p[1:] for p in conversion.valid.get_column("PhoneNumber").to_list()] == expected_phones


def test_calls_are_a_contract_frame_in_contract_order() -> None:
    calls = callframe.convert(CALLTOUCH, tz="Europe/Moscow", now=NOW).valid
    order = [c for c in column_names("calls") if c in calls.columns]
    assert calls.columns == order
    assert calls.schema["DateTime"] == pl.Int64 and calls.schema["ClientId"] == pl.String
    assert calls.schema["CallMissed"] == pl.Int8


def test_rejected_rows_are_the_original_rows_with_their_rules() -> None:
    conversion = callframe.convert(
        FIXTURES / "comagic" / "calls.json", tz="Asia/Yekaterinburg", now=NOW
    )
    rejected = conversion.rejected
    assert rejected.columns[0] == "row" and rejected.columns[-2:] == ["rule", "title"]
    assert "contact_phone_number" in rejected.columns and "direction" in rejected.columns
    assert rejected.select("row", "rule").rows() == [(5, "*|id_required"), (6, "*|outbound")]
    assert conversion.rejected_counts() == {"*|id_required": 1, "*|outbound": 1}


def test_naive_times_without_tz_name_the_option_and_the_row() -> None:
    with pytest.raises(callframe.UsageError, match=r"calls\.json: 1 of 11 rows .*row 9.*--tz"):
        callframe.convert(CALLTOUCH, now=NOW)


def test_a_wrong_time_zone_name_is_a_usage_error() -> None:
    with pytest.raises(callframe.UsageError, match="unknown time zone 'Europe/Moskow'"):
        callframe.convert(CALLTOUCH, tz="Europe/Moskow", now=NOW)


def test_a_static_call_without_an_id_is_kept() -> None:
    data = roistat_rows(call(visit_id=None, visit=None, static_source={"display_name": "Радио"}))
    conversion = callframe.convert(data, now=NOW)
    assert conversion.n_valid == 1
    assert conversion.valid.row(0, named=True)["StaticCall"] == 1


def test_static_true_marks_every_call_static_and_keeps_id_less_calls() -> None:
    path = FIXTURES / "ringostat" / "calls.csv"
    plain = callframe.convert(path, tz="Europe/Kyiv", region="UA", now=NOW)
    static = callframe.convert(path, tz="Europe/Kyiv", region="UA", now=NOW, static=True)
    assert plain.rejected_counts()["*|id_required"] == 3
    assert "*|id_required" not in static.rejected_counts()
    assert static.valid.get_column("StaticCall").unique().to_list() == [1]
    assert static.n_valid == plain.n_valid + 2  # the outbound call stays rejected


def test_outbound_calls_have_their_own_rule_unless_kept() -> None:
    path = FIXTURES / "comagic" / "calls.json"
    dropped = callframe.convert(path, tz="Asia/Yekaterinburg", now=NOW)
    kept = callframe.convert(path, tz="Asia/Yekaterinburg", now=NOW, keep_outbound=True)
    assert "*|outbound" in dropped.rejected_counts()
    assert "*|outbound" not in kept.rejected_counts()
    assert kept.n_valid == dropped.n_valid + 1


def test_conversion_rules_have_stable_ids_and_titles() -> None:
    ids = [r.id for r in CONVERSION_RULES]
    assert "*|outbound" in ids and "DateTime|unreadable" in ids
    assert all("|" in i for i in ids) and len(set(ids)) == len(ids)
    assert all(r.title for r in CONVERSION_RULES)


def test_an_unreadable_time_is_one_error_not_two() -> None:
    conversion = callframe.convert(roistat_rows(call(date="вчера")), now=NOW)
    assert conversion.report.errors.get_column("rule").to_list() == ["DateTime|unreadable"]
    assert conversion.report.errors.get_column("value").to_list() == ["вчера"]


def test_warnings_keep_the_row_and_mask_phones() -> None:
    conversion = callframe.convert(roistat_rows(call(caller="sip:101@pbx.example.ru")), now=NOW)
    assert conversion.n_valid == 1
    warning = conversion.report.warnings.row(0, named=True)
    assert warning["rule"] == "PhoneNumber|unreadable" and "101" not in warning["value"]


def test_explicit_tracker_must_fit_the_columns() -> None:
    with pytest.raises(
        callframe.ExportError, match=r"is not a Calltouch export: it lacks callerNumber"
    ):
        callframe.convert(FIXTURES / "roistat" / "calls.json", tracker="calltouch", now=NOW)


def test_generic_needs_a_mapping() -> None:
    with pytest.raises(callframe.UsageError, match="mapping"):
        callframe.convert(FIXTURES / "generic" / "alloka.csv", tracker="generic", now=NOW)


def test_an_adapter_default_can_be_overridden() -> None:
    path = FIXTURES / "callibri" / "calls.json"
    as_utc = callframe.convert(path, now=NOW)
    local = get_adapter("callibri").replace(time=IsoTime("date", offset=False))
    as_local = callframe.convert(path, tracker=local, tz="Europe/Moscow", now=NOW)
    diffs = set(
        (as_utc.valid.get_column("DateTime") - as_local.valid.get_column("DateTime")).to_list()
    )
    assert diffs == {3 * 3600}
    talk = get_adapter("comagic").replace(talk=Seconds("clean_talk_duration"))
    converted = callframe.convert(
        FIXTURES / "comagic" / "calls.json", tracker=talk, tz="Asia/Yekaterinburg", now=NOW
    )
    assert converted.valid.get_column("TalkDuration").to_list()[0] == 93


def test_a_frame_can_be_converted_directly() -> None:
    frame = pl.DataFrame(
        {
            "calldate": ["2026-11-23 10:00:00"],
            "caller": ["380671234567"],
            "disposition": ["ANSWERED"],
            "billsec": [61],
            "landing": ["https://e.ua/?yclid=123"],
        }
    )
    conversion = callframe.convert(frame, tz="Europe/Kyiv", now=NOW)
    assert conversion.tracker == "ringostat"
    assert conversion.valid.row(0, named=True)["TalkDuration"] == 61


def test_summary_and_json_carry_counts_not_values() -> None:
    conversion = callframe.convert(
        FIXTURES / "comagic" / "calls.json", tz="Asia/Yekaterinburg", now=NOW
    )
    text, doc = conversion.to_text(), conversion.to_dict()
    assert "11 rows in → 9 calls out, 2 rejected" in text
    assert (
        doc["rows_in"] == 11 and doc["tracker"] == "comagic" and doc["tz"] == "Asia/Yekaterinburg"
    )
    assert {"rule": "*|outbound", "title": doc["rejected"][1]["title"], "rows": 1} in doc[
        "rejected"
    ]
    dumped = json.dumps(doc, ensure_ascii=False)
    assert "79857776655" not in dumped and "79857776655" not in text
    assert "9 calls out" in repr(conversion)


def test_an_empty_export_converts_to_nothing() -> None:
    conversion = callframe.convert(b'{"data": []}', tracker="roistat", now=NOW)
    assert conversion.n_rows == conversion.n_valid == conversion.n_rejected == 0


def test_a_frame_with_nested_columns_reads_like_the_json() -> None:
    records = json.loads((FIXTURES / "roistat" / "calls.json").read_text(encoding="utf-8"))["data"]
    frame = pl.DataFrame(records, infer_schema_length=None)
    assert isinstance(frame.schema["visit"], pl.Struct)
    from_frame = callframe.convert(frame, now=NOW)
    from_file = callframe.convert(FIXTURES / "roistat" / "calls.json", now=NOW)
    assert from_frame.tracker == "roistat" and from_frame.valid.equals(from_file.valid)


def test_the_result_speaks_the_common_vocabulary(tmp_path: Path) -> None:
    conversion = callframe.convert(CALLTOUCH, tz="Europe/Moscow", now=NOW)
    assert conversion.n_rows == conversion.n_valid + conversion.n_rejected == 11
    assert (conversion.n_valid, conversion.n_rejected) == (
        conversion.valid.height,
        conversion.rejected.height,
    )
    assert not hasattr(conversion, "calls") and not hasattr(conversion, "rows_rejected")
    assert conversion.counts() == conversion.report.counts()  # the same words, the same type
    assert conversion.ok is (conversion.errors.height == 0) and not conversion.ok
    counts = conversion.counts()  # rule id -> rows breaking it, errors and warnings
    findings = pl.concat([conversion.errors, conversion.warnings]).select("row", "rule")
    rows: dict[str, set[int]] = {}
    for row, rule in findings.iter_rows():
        rows.setdefault(rule, set()).add(row)
    assert counts == {rule: len(r) for rule, r in rows.items()} and len(counts) >= 2
    assert list(counts.values()) == sorted(counts.values(), reverse=True)
    by_file = callframe.convert_file(CALLTOUCH, tmp_path / "out.csv", tz="Europe/Moscow", now=NOW)
    assert (by_file.ok, by_file.n_rows, by_file.n_valid, by_file.n_rejected) == (
        conversion.ok,
        conversion.n_rows,
        conversion.n_valid,
        conversion.n_rejected,
    )
    assert by_file.counts() == counts


def test_a_lazyframe_of_the_export_converts_like_the_file() -> None:
    export = FIXTURES / "ringostat" / "calls.csv"
    options = {"tz": "Europe/Kyiv", "region": "UA", "now": NOW}
    lazy = pl.scan_csv(export, separator=";", infer_schema=False)
    from_lazy = callframe.convert(lazy, **options)
    from_file = callframe.convert(export, **options)
    assert from_lazy.tracker == "ringostat" and from_lazy.n_valid > 0
    assert from_lazy.valid.equals(from_file.valid)
    assert from_lazy.rejected.equals(from_file.rejected)
    assert from_lazy.counts() == from_file.counts()


def test_a_lazy_frame_enters_the_query_without_being_collected_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``convert(LazyFrame)`` plans on the frame as it is: the export's rows are read once, by
    the conversion's own ``collect_all``, never by collecting the frame beforehand."""
    source = FIXTURES / "calltouch" / "calls_cp1251.csv"
    eager = callframe.convert(source, tracker="calltouch", tz="Europe/Moscow", now=NOW)
    lazy = pl.from_dicts(callframe.read_export(source).frame.to_dicts()).lazy()

    def refuse(self: pl.LazyFrame, *args: object, **kwargs: object) -> pl.DataFrame:
        raise AssertionError("the export's LazyFrame was collected on its own")

    monkeypatch.setattr(pl.LazyFrame, "collect", refuse)
    converted = callframe.convert(lazy, tracker="calltouch", tz="Europe/Moscow", now=NOW)
    monkeypatch.undo()
    assert converted.valid.equals(eager.valid)
    assert converted.errors.equals(eager.errors)
    assert converted.n_rows == eager.n_rows

"""Reading tracker exports: every format, encoding and envelope ends as a frame of text."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import callframe
from callframe.io.exports import read_export

from ..conftest import FIXTURES


def only_text(frame: pl.DataFrame) -> bool:
    return all(dtype == pl.String for dtype in frame.schema.values())


# --- JSON ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "envelope"),
    [
        ({"page": 1, "records": [{"a": 1}]}, "records"),
        ({"jsonrpc": "2.0", "result": {"metadata": {}, "data": [{"a": 1}]}}, "result.data"),
        ({"success": True, "payload": [{"a": 1}]}, "payload"),
        ({"status": "success", "total": 1, "data": [{"a": 1}]}, "data"),
        ([{"a": 1}], None),
    ],
)
def test_json_envelopes_are_found(document: object, envelope: str | None) -> None:
    export = read_export(json.dumps(document).encode())
    assert export.format == "json"
    assert export.envelope == envelope
    assert export.frame.to_dicts() == [{"a": "1"}]


def test_nested_objects_are_flattened_with_dots_and_lists_kept_as_json() -> None:
    doc = {
        "data": [
            {
                "visit": {"metrika_client_id": "1710312345678901234", "source": {"utm": "cpc"}},
                "tags": [{"tag_name": "Целевой"}],
                "visit_id": None,
            }
        ]
    }
    frame = read_export(json.dumps(doc, ensure_ascii=False).encode()).frame
    assert frame.columns == ["visit.metrika_client_id", "visit.source.utm", "tags", "visit_id"]
    row = frame.row(0, named=True)
    assert row["visit.source.utm"] == "cpc"
    assert json.loads(row["tags"]) == [{"tag_name": "Целевой"}]
    assert row["visit_id"] is None


def test_numbers_keep_every_digit_and_booleans_become_words() -> None:
    raw = b'[{"id": 18446744073709551615, "price": 1500.50, "ok": true, "lost": false}]'
    row = read_export(raw).frame.row(0, named=True)
    assert row == {"id": "18446744073709551615", "price": "1500.50", "ok": "true", "lost": "false"}


def test_callibri_channels_carry_their_name_onto_their_calls() -> None:
    export = read_export(FIXTURES / "callibri" / "calls.json")
    assert export.envelope == "channels_statistics[].calls"
    assert export.rows == 11
    channels = export.frame.get_column("name_channel").unique(maintain_order=True).to_list()
    assert channels == ["Контекст", "Билборд", "SEO"]


def test_binotel_object_keyed_by_id_gives_one_row_per_call() -> None:
    doc = {
        "status": "success",
        "callDetails": {
            "9001": {"startTime": "1710400530", "callTrackingData": {"fullUrl": "https://e.ua/"}},
            "9002": {"startTime": "1710403325", "callTrackingData": ""},
        },
    }
    export = read_export(json.dumps(doc).encode())
    assert export.envelope == "callDetails{}"
    assert export.frame.get_column("startTime").to_list() == ["1710400530", "1710403325"]
    assert export.frame.get_column("callTrackingData.fullUrl").to_list() == ["https://e.ua/", None]


def test_unknown_envelope_is_found_breadth_first_or_named_by_the_caller() -> None:
    doc = {"meta": {"n": 1}, "answer": {"items": [{"a": 1}]}}
    assert read_export(json.dumps(doc).encode()).envelope == "answer.items"
    doc2 = {"x": [{"a": 1}], "y": {"calls": [{"b": 2}]}}
    forced = read_export(json.dumps(doc2).encode(), envelopes=["y.calls"])
    assert forced.frame.to_dicts() == [{"b": "2"}]


def test_ndjson_is_read_line_by_line() -> None:
    export = read_export(b'{"a": 1}\n{"a": 2}\n', format="json")
    assert export.frame.get_column("a").to_list() == ["1", "2"]


def test_broken_json_names_the_file_line_and_what_was_tried(tmp_path: Path) -> None:
    path = tmp_path / "calls.json"
    path.write_text('{"records": [{"a": 1},]}', encoding="utf-8")
    with pytest.raises(
        callframe.ExportError, match=r"calls\.json: is not valid JSON \(line 1"
    ) as e:
        read_export(path)
    assert e.value.path == str(path)
    assert e.value.tried == ("json", "ndjson")


def test_json_without_records_says_how_to_point_at_them() -> None:
    with pytest.raises(callframe.ExportError, match="envelopes="):
        read_export(b'{"status": "ok", "count": 3}')


# --- CSV ----------------------------------------------------------------------------------------

SAMPLE = "calldate;caller;Статус\n2024-03-14 10:15:30;380671234567;Отвечен\n"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1251", "cp1251"), ("utf-16", "utf-16")],
)
def test_csv_encodings_are_sniffed(encoding: str, expected: str) -> None:
    export = read_export(SAMPLE.encode(encoding))
    assert export.encoding == expected
    assert export.frame.columns == ["calldate", "caller", "Статус"]
    assert export.frame.get_column("Статус").to_list() == ["Отвечен"]


@pytest.mark.parametrize(("sep", "shown"), [(",", ","), (";", ";"), ("\t", "\t"), ("|", "|")])
def test_delimiters_are_sniffed(sep: str, shown: str) -> None:
    text = f"a{sep}b{sep}c\n1{sep}2,5{sep}x\n" if sep != "," else 'a,b,c\n1,"2,5",x\n'
    export = read_export(text.encode())
    assert export.delimiter == shown
    assert export.frame.row(0) == ("1", "2,5", "x")


def test_every_column_is_text_even_ids_and_zero_padded_values() -> None:
    frame = read_export(b"id,code\n1710312345678901234,007\n").frame
    assert only_text(frame)
    assert frame.row(0) == ("1710312345678901234", "007")


def test_headerless_asterisk_master_csv_gets_numbered_columns() -> None:
    raw = (
        b'"","79161234567","74951234567","from-trunk","""79161234567"" <79161234567>",'
        b'"2024-03-14 10:15:30",,102,95,"ANSWERED"\n'
        b'"","79031112233","74951234567","from-trunk","""79031112233"" <79031112233>",'
        b'"2024-03-14 11:02:05",,21,0,"NO ANSWER"\n'
    )
    export = read_export(raw)
    assert export.header is False and export.delimiter == ","
    assert export.frame.columns[:3] == ["column_1", "column_2", "column_3"]
    assert export.frame.row(0)[4] == '"79161234567" <79161234567>'


def test_headerless_mango_vpbx_stats_are_csv_not_json() -> None:
    raw = b"[rec-a1];1710400530;1710400632;1710400537;;79161234567;101\n[];1710403325;0;0;;7903;\n"
    export = read_export(raw)
    assert (export.format, export.header, export.delimiter) == ("csv", False, ";")
    assert export.frame.row(0)[:2] == ("[rec-a1]", "1710400530")


def test_header_can_be_forced() -> None:
    export = read_export(b"2024-01-01,5\n2024-01-02,6\n", header=True)
    assert export.frame.columns == ["2024-01-01", "5"]


def test_ragged_csv_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    with pytest.raises(callframe.ExportError, match=r"calls\.csv: .*line 3 has more fields"):
        read_export(path)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(callframe.ExportError, match="no such file"):
        read_export(tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"  \n")
    with pytest.raises(callframe.ExportError, match=r"empty\.csv: is empty"):
        read_export(empty)


def test_not_a_path_or_bytes_is_a_usage_error() -> None:
    with pytest.raises(callframe.UsageError, match="path or bytes"):
        read_export(pl.DataFrame({"a": [1]}))  # type: ignore[arg-type]


# --- Excel --------------------------------------------------------------------------------------


def test_xlsx_cells_are_text_with_whole_numbers_unchanged() -> None:
    export = read_export(FIXTURES / "ringostat" / "calls.xlsx")
    assert export.format == "xlsx" and export.sheet == "Звонки"
    assert only_text(export.frame)
    first = export.frame.row(0, named=True)
    assert first["billsec"] == "95" and first["caller"] == "380671234567"
    assert first["calldate"] == "2024-03-14 10:15:30"


def test_xlsx_from_bytes_and_a_sheet_by_name(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    pl.DataFrame({"a": ["x"], "b": ["1710312345678901234"]}).write_excel(path, worksheet="calls")
    export = read_export(path.read_bytes(), sheet="calls")
    assert export.frame.to_dicts() == [{"a": "x", "b": "1710312345678901234"}]
    with pytest.raises(callframe.ExportError, match="no sheet 'other'"):
        read_export(path, sheet="other")


def test_a_broken_workbook_is_an_export_error(tmp_path: Path) -> None:
    path = tmp_path / "calls.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(callframe.ExportError, match=r"calls\.xlsx: cannot be read as an Excel"):
        read_export(path)


def test_describe_has_provenance_and_no_values() -> None:
    d = read_export(FIXTURES / "ringostat" / "calls_cp1251.csv").describe()
    assert d["encoding"] == "cp1251" and d["delimiter"] == ";" and d["rows"] == 11
    assert "380671234567" not in json.dumps(d)


@pytest.mark.parametrize("large", [False, True], ids=["small", "streamed"])
def test_an_escaped_lone_surrogate_is_an_export_error_naming_record_and_field(
    tmp_path: Path, large: bool
) -> None:
    """``"\\ud800"`` is valid JSON but not text: polars cannot hold it, so the user gets the
    record and the field to correct, not a UnicodeEncodeError (small and streamed files alike)."""
    filler = [{"callerNumber": "+79161234567", "yaClientId": "1"}] * (200_000 if large else 2)
    records = [json.dumps(r) for r in filler]
    records.append('{"callerNumber": "\\ud800x", "yaClientId": "2"}')
    path = tmp_path / "calls.json"
    path.write_text('{"records": [' + ",".join(records) + "]}")

    with pytest.raises(callframe.ExportError) as caught:
        read_export(path)

    message = str(caught.value)
    assert f"record {len(filler) + 1}, field 'callerNumber'" in message
    assert "lone surrogate (\\ud800)" in message and str(path) in message

"""``scan_export``: an export as a LazyFrame of text plus its provenance, read only when collected.

The rows are always those :func:`read_export` returns (it is ``scan_export(...).collect()``);
what these tests pin down is the laziness (a projected scan reads only the columns asked, a
large JSON file is read record by record into temporary files), the ways back to the file
(``original_rows``, ``explain``) and that temporary files do not outlive the scan.
"""

from __future__ import annotations

import gzip
import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callframe.errors import ExportError
from callframe.io import _json, exports
from callframe.io.exports import ScannedExport, TrackerExport, read_export, scan_export

from ..conftest import FIXTURES, ROOT

ROWS = 20_000  # ~500 KB: larger than the sniffed head, so the file itself is scanned


@pytest.fixture
def own_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary directory for the reader's own temporary files, to see them come and go."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return scratch


def big_csv(path: Path, *, lines: list[str] | None = None, encoding: str = "utf-8") -> Path:
    body = lines or [
        f"2026-11-01 10:00:{i % 60:02d},+7916{i:07d},answered,{i}" for i in range(ROWS)
    ]
    path.write_bytes(("\n".join(["date,phone,status,id", *body]) + "\n").encode(encoding))
    return path


# --- CSV ----------------------------------------------------------------------------------------


def test_a_utf8_csv_is_scanned_in_place_and_a_projection_reads_only_the_columns_asked(
    tmp_path: Path, own_tmp: Path
) -> None:
    path = big_csv(tmp_path / "calls.csv")

    scan = scan_export(path, columns=["phone", "id"])

    assert scan.columns == ["phone", "id"]
    plan = scan.lazy.explain()
    assert f"Csv SCAN [{path}]" in plan  # the file itself, read when collected
    assert "PROJECT 2/4 COLUMNS" in plan  # polars parses two of the four columns
    assert list(own_tmp.iterdir()) == []  # UTF-8: no copy of the file
    assert (scan.format, scan.encoding, scan.delimiter, scan.header) == ("csv", "utf-8", ",", True)
    assert scan.head(2).rows() == [("+79160000000", "0"), ("+79160000001", "1")]
    assert scan.collect().frame.equals(read_export(path, columns=["phone", "id"]).frame)


def test_original_rows_reads_every_column_of_the_rows_asked_in_file_order(tmp_path: Path) -> None:
    path = big_csv(tmp_path / "calls.csv")
    scan = scan_export(path, columns=["id"])

    rows = scan.original_rows(pl.Series([ROWS, 3, 1, 3]))

    whole = read_export(path).frame
    assert rows.columns == ["date", "phone", "status", "id"]
    assert rows.rows() == [whole.row(0), whole.row(2), whole.row(ROWS - 1)]


def test_a_ragged_line_past_the_head_is_explained_as_read_export_explains_it(
    tmp_path: Path,
) -> None:
    lines = [f"2026-11-01 10:00:00,+7916{i:07d},answered,{i}" for i in range(ROWS)]
    lines[15_000] += ",extra"
    path = big_csv(tmp_path / "calls.csv", lines=lines)

    scan = scan_export(path)  # sniffing saw a clean head: nothing is refused yet
    with pytest.raises(pl.exceptions.PolarsError) as raised:
        scan.lazy.collect()
    error = scan.explain(raised.value)

    assert isinstance(error, ExportError)
    assert "line 15002 has more fields than the first line" in str(error)
    assert "calls.csv" in str(error)
    with pytest.raises(ExportError) as from_read:
        read_export(path)
    assert str(from_read.value) == str(error)


def test_bad_utf8_late_in_a_file_is_explained_and_rescanned_in_its_code_page(
    tmp_path: Path, own_tmp: Path
) -> None:
    lines = [f"2026-11-01 10:00:00,+7916{i:07d},answered,{i}" for i in range(ROWS)]
    lines.append("2026-11-02 11:00:00,+79160000000,Пропущенный,x")
    path = big_csv(tmp_path / "calls.csv", lines=lines, encoding="cp1251")

    scan = scan_export(path)
    with pytest.raises(pl.exceptions.ComputeError) as raised:
        scan.lazy.collect()

    assert "pass encoding=" in str(scan.explain(raised.value))
    again = scan.rescan(raised.value)
    assert again is not None and again.encoding == "cp1251"
    assert again.collect().frame.row(-1)[2] == "Пропущенный"
    again.close()
    assert list(own_tmp.iterdir()) == []


def test_a_transcoded_copy_lives_as_long_as_the_scan(tmp_path: Path, own_tmp: Path) -> None:
    lines = [f"2026-11-01 10:00:00,+7916{i:07d},Пропущенный,{i}" for i in range(ROWS)]
    path = big_csv(tmp_path / "calls.csv", lines=lines, encoding="cp1251")

    scan = scan_export(path)
    assert len(list(own_tmp.iterdir())) == 1  # the UTF-8 copy polars scans
    assert scan.encoding == "cp1251"
    assert scan.lazy.select(pl.len()).collect().item() == ROWS
    del scan  # garbage-collected: the copy goes with it

    assert list(own_tmp.iterdir()) == []
    read_export(path)
    assert list(own_tmp.iterdir()) == []  # read_export removes it at once


# --- frames -------------------------------------------------------------------------------------


def test_a_lazyframe_is_flattened_to_text_without_being_collected() -> None:
    frame = pl.DataFrame(
        {
            "visit": [{"id": 1, "url": "https://x.ru"}, {"id": None, "url": None}],
            "tags": [["a", "b"], None],
            "ok": [True, False],
        }
    )

    scan = scan_export(frame.lazy())

    assert isinstance(scan, ScannedExport) and scan.format == "frame"
    assert scan.columns == ["visit.id", "visit.url", "tags", "ok"]
    assert scan.collect().frame.equals(TrackerExport.from_frame(frame).frame)


# --- JSON in bounded memory ---------------------------------------------------------------------


@pytest.fixture
def streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every JSON file read record by record, in small chunks of text and of records."""
    monkeypatch.setattr(exports, "JSON_STREAM_BYTES", 0)
    monkeypatch.setattr(_json, "SPILL_RECORDS", 3)
    monkeypatch.setattr(_json, "_TEXT_CHUNK", 61)


JSON_FILES = sorted(
    p
    for folder in (FIXTURES, ROOT / "tests" / "corpus" / "exports")
    for p in folder.rglob("*")
    if p.suffix in (".json", ".ndjson", ".jsonl")
)


def read_whole(path: Path) -> TrackerExport | str:
    """What reading the document whole gives: the export, or the error's message."""
    try:
        return exports._scan_raw(path.read_bytes(), str(path), exports._Options()).collect()
    except ExportError as exc:
        return str(exc)


def read_streamed(path: Path) -> TrackerExport | str:
    try:
        return read_export(path)
    except ExportError as exc:
        return str(exc)


def same(a: TrackerExport | str, b: TrackerExport | str) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return (
        a.frame.equals(b.frame)
        and a.frame.columns == b.frame.columns
        and (
            a.envelope,
            a.encoding,
        )
        == (b.envelope, b.encoding)
    )


@pytest.mark.usefixtures("streamed")
@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_json_fixture_reads_the_same_streamed_as_whole(path: Path) -> None:
    assert same(read_streamed(path), read_whole(path))


def test_a_large_json_file_is_spilled_to_temporary_files_scanned_lazily(
    tmp_path: Path, own_tmp: Path, streamed: None
) -> None:
    records = [{"id": i, "visit": {"url": f"https://x.ru/{i}"}, "tags": [i]} for i in range(10)]
    path = tmp_path / "calls.json"
    path.write_text(json.dumps({"page": 1, "records": records}), encoding="utf-8")

    scan = scan_export(path)

    assert scan.envelope == "records"
    assert len(list(own_tmp.glob("*.arrow"))) == 4  # ten records, three per file
    assert scan.lazy.explain().startswith("Ipc SCAN")  # the spilled records, read lazily
    assert scan.head(2).rows() == [("0", "https://x.ru/0", "[0]"), ("1", "https://x.ru/1", "[1]")]
    scan.close()
    assert list(own_tmp.iterdir()) == []


def test_an_envelope_through_a_list_is_read_whole_with_the_same_answer(
    tmp_path: Path, streamed: None
) -> None:
    doc = {"channels_statistics": [{"name_channel": "a", "calls": [{"id": 1}, {"id": 2}]}]}
    path = tmp_path / "calls.json"
    path.write_text(json.dumps(doc), encoding="utf-8")

    export = read_export(path)

    assert export.envelope == "channels_statistics[].calls"
    assert export.frame.rows() == [("a", "1"), ("a", "2")]


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet='ab},{[]"\\ \n\u2028ё', max_size=6),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["x", "y", "z"]), inner, max_size=3)
    ),
    max_leaves=6,
)
records = st.lists(
    st.dictionaries(st.sampled_from(["id", "a", "b", "visit", "tags"]), values, max_size=4),
    max_size=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=records,
    shape=st.sampled_from(["records", "nested", "bare", "ndjson"]),
    indent=st.sampled_from([None, 1]),
    spill=st.integers(min_value=1, max_value=5),
    chunk=st.integers(min_value=1, max_value=80),
)
def test_chunk_boundaries_give_the_frame_read_whole(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    rows: list[dict[str, object]],
    shape: str,
    indent: int | None,
    spill: int,
    chunk: int,
) -> None:
    monkeypatch.setattr(exports, "JSON_STREAM_BYTES", 0)
    monkeypatch.setattr(_json, "SPILL_RECORDS", spill)
    monkeypatch.setattr(_json, "_TEXT_CHUNK", chunk)
    if shape == "ndjson":
        text = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    else:
        doc: object = {"records": rows, "page": 1} if shape == "records" else rows
        if shape == "nested":
            doc = {"status": "ok", "result": {"total": len(rows), "data": rows}}
        text = json.dumps(doc, indent=indent, ensure_ascii=False)
    path = tmp_path_factory.mktemp("json") / "calls.json"
    path.write_text(text, encoding="utf-8")
    streamed: list[bool] = []
    original = _json.scan_json_file

    def spy(*args: Any) -> ScannedExport | None:
        found = original(*args)
        streamed.append(found is not None)
        return found

    monkeypatch.setattr(exports, "scan_json_file", spy)

    assert same(read_streamed(path), read_whole(path))
    # the plain shapes are streamed (NDJSON: lines as str.splitlines cuts them, as read whole)
    lines_as_written = text.splitlines() == text.split("\n")
    assert streamed == [shape != "ndjson" or (len(rows) >= 2 and lines_as_written)]


# --- archives -----------------------------------------------------------------------------------


def packed(kind: str, name: str, data: bytes) -> bytes:
    if kind == "gzip":
        return gzip.compress(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


ARCHIVED = [
    FIXTURES / "sipuni" / "statistic.csv",
    FIXTURES / "calltouch" / "calls.json",
    *(p for p in JSON_FILES if "corpus" in p.parts),
    *sorted((ROOT / "tests" / "corpus" / "exports").glob("*.[ct][sx][vt]")),
    *sorted(FIXTURES.glob("*/*.xlsx"))[:1],
]


@pytest.mark.parametrize("kind", ["gzip", "zip"])
@pytest.mark.parametrize("source", ARCHIVED, ids=lambda p: p.name)
def test_an_archive_unpacked_to_a_file_reads_as_unpacked_in_memory(
    tmp_path: Path, own_tmp: Path, monkeypatch: pytest.MonkeyPatch, kind: str, source: Path
) -> None:
    path = tmp_path / (source.name + (".gz" if kind == "gzip" else ".zip"))
    path.write_bytes(packed(kind, source.name, source.read_bytes()))
    in_memory = read_streamed(path)
    monkeypatch.setattr(exports, "ARCHIVE_FILE_BYTES", 0)
    monkeypatch.setattr(exports, "JSON_STREAM_BYTES", 0)

    from_file = read_streamed(path)

    assert same(from_file, in_memory)
    if not isinstance(from_file, str):
        assert isinstance(in_memory, TrackerExport)
        assert (from_file.archive, from_file.delimiter) == (in_memory.archive, in_memory.delimiter)
    assert list(own_tmp.iterdir()) == []


def test_a_large_gzip_csv_is_scanned_from_its_unpacked_copy(
    tmp_path: Path, own_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "ARCHIVE_FILE_BYTES", 0)
    csv = big_csv(tmp_path / "calls.csv")
    path = tmp_path / "calls.csv.gz"
    path.write_bytes(gzip.compress(csv.read_bytes()))

    scan = scan_export(path)

    assert scan.archive == "gzip:calls.csv"
    assert len(list(own_tmp.iterdir())) == 1  # the unpacked copy polars scans
    assert scan.collect().frame.equals(read_export(csv).frame)
    scan.close()
    assert list(own_tmp.iterdir()) == []


@given(st.lists(values, max_size=4))
def test_lists_are_written_as_json_dumps_writes_them(value: list[object]) -> None:
    expected = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    assert _json._list_text(value) == expected

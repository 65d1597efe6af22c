"""``callframe.convert_file``: file to file, the same bytes, counts and result type as in memory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import callframe
from callframe.conversion import checks as conversion_checks
from callframe.conversion import pipeline
from callframe.conversion import rejected as conversion_rejected
from callframe.conversion._reads import PREFETCH, PREFETCH_VARIABLE, bounded_reads
from callframe.conversion.output import SinkWriter

from ..conftest import FIXTURES, NOW
from ..golden.cases import FIXTURE_CASES, Case

RINGOSTAT = {"tz": "Europe/Kyiv", "region": "UA"}


def long_export(tmp_path: Path, fixture: str, copies: int) -> Path:
    """The fixture's data lines repeated ``copies`` times (longer than polars' first chunk)."""
    header, *lines = (FIXTURES / fixture).read_text(encoding="utf-8").splitlines()
    path = tmp_path / Path(fixture).name
    path.write_text("\n".join([header, *(lines * copies)]) + "\n", encoding="utf-8")
    return path


def calltouch_export(tmp_path: Path, copies: int, *, blank: tuple[str, ...] = ()) -> Path:
    """Calltouch's CSV fixture in UTF-8, repeated; the second half has no ``timestamp``, so its
    rows take the call time from ``date`` (local time) and the first half's do not.
    ``blank``: columns emptied in every row."""
    header, *lines = (FIXTURES / "calltouch/calls_cp1251.csv").read_text("cp1251").splitlines()
    rows = [line.split(";") for line in lines * copies]
    names = header.split(";")
    at = names.index("timestamp")
    for row in rows[len(rows) // 2 :]:
        row[at] = ""
    for row in rows:
        for name in blank:
            row[names.index(name)] = ""
    path = tmp_path / "calltouch.csv"
    path.write_text("\n".join([header, *(";".join(r) for r in rows)]) + "\n", encoding="utf-8")
    return path


EXPORTS = {
    "ringostat": (lambda tmp_path: long_export(tmp_path, "ringostat/calls.csv", 150), RINGOSTAT),
    # Ringostat has no StaticCall of its own: static=True adds the column
    "ringostat static": (
        lambda tmp_path: long_export(tmp_path, "ringostat/calls.csv", 150),
        {**RINGOSTAT, "static": True},
    ),
    "calltouch": (lambda tmp_path: calltouch_export(tmp_path, 300), {"tz": "Europe/Moscow"}),
}


@pytest.mark.parametrize("tracker", sorted(EXPORTS))
def test_the_files_and_counts_are_those_of_convert(tmp_path: Path, tracker: str) -> None:
    make, settings = EXPORTS[tracker]
    export = make(tmp_path)
    memory = callframe.convert(export, now=NOW, **settings)
    memory.write_csv(tmp_path / "memory.csv")
    memory.rejected.write_csv(tmp_path / "memory.rejected.csv")

    out, rejected = tmp_path / "file.csv", tmp_path / "file.rejected.csv"
    result = callframe.convert_file(export, out, rejected=rejected, now=NOW, **settings)

    assert out.read_bytes() == (tmp_path / "memory.csv").read_bytes()
    assert rejected.read_bytes() == (tmp_path / "memory.rejected.csv").read_bytes()
    assert result.outputs == [out] and result.rejected_path == rejected
    assert memory.outputs == [] and memory.rejected_path is None
    assert (result.n_rows, result.n_valid, result.n_rejected) == (
        memory.n_rows,
        memory.n_valid,
        memory.n_rejected,
    )
    assert result.errors.equals(memory.errors)
    assert result.warnings.equals(memory.warnings)
    assert result.to_dict() == memory.to_dict()


BY_BATCH = [c for c in FIXTURE_CASES if c.ids is None]  # convert_file's cases, long ones too


@pytest.mark.parametrize("case", BY_BATCH, ids=[c.name for c in BY_BATCH])
def test_failures_built_batch_by_batch_are_those_built_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: Case
) -> None:
    """convert_file builds the errors and warnings of each few batches as they stream (kept
    compact), convert() of all the failing rows at once: in batches of a few rows, built a
    few rows at a time, they are the same frames (titles and hints too) and the same files
    (the rejected rows written a few at a time)."""
    options = dict(case.options)
    if "mapping" in options:
        options["mapping"] = FIXTURES / options["mapping"]
    source = case.source(tmp_path)
    memory = callframe.convert(source, now=case.now, **options)
    memory.rejected.write_csv(tmp_path / "memory.rejected.csv")
    small = case.make is None  # a fixture of a few rows; else thousands
    part_rows = 3 if small else 100
    monkeypatch.setattr(pipeline, "_CHUNK_ROWS", 2 if small else 64)
    monkeypatch.setattr(conversion_checks, "PART_ROWS", part_rows)
    monkeypatch.setattr(conversion_rejected, "_CHUNK_ROWS", 2 if small else 64)
    parts: list[int] = []
    build = pipeline._Query.failures

    def counted(query: Any, failing: pl.DataFrame, *, header: bool = True) -> Any:
        parts.append(failing.height)
        return build(query, failing, header=header)

    monkeypatch.setattr(pipeline._Query, "failures", counted)
    out, rejected = tmp_path / "out.csv", tmp_path / "rejected.csv"
    result = callframe.convert_file(source, out, rejected=rejected, now=case.now, **options)
    failing = pl.concat([memory.errors, memory.warnings])["row"].drop_nulls().n_unique()
    assert sum(parts) >= failing and (len(parts) > 1 or sum(parts) <= part_rows)
    assert result.errors.equals(memory.errors) and result.warnings.equals(memory.warnings)
    assert result.to_dict() == memory.to_dict()
    assert rejected.read_bytes() == (tmp_path / "memory.rejected.csv").read_bytes()


def test_the_rejected_file_is_streamed_with_the_exports_own_row_rule_and_title(
    tmp_path: Path,
) -> None:
    """convert_file sinks the rejected rows (the export read again, only the reasons held):
    the bytes of ``Conversion.rejected``, an export's own ``row``, ``rule`` and ``title``
    columns kept beside the added ones."""
    export = calltouch_export(tmp_path, 300)
    lines = export.read_text(encoding="utf-8").splitlines()
    own = [f"{lines[0]};row;rule;title"] + [f"{x};{i};r{i};t{i}" for i, x in enumerate(lines[1:])]
    export.write_text("\n".join(own) + "\n", encoding="utf-8")
    memory = callframe.convert(export, now=NOW, tz="Europe/Moscow")
    memory.rejected.write_csv(tmp_path / "memory.rejected.csv")
    rejected = tmp_path / "rejected.csv"
    callframe.convert_file(
        export, tmp_path / "out.csv", rejected=rejected, now=NOW, tz="Europe/Moscow"
    )
    assert rejected.read_bytes() == (tmp_path / "memory.rejected.csv").read_bytes()
    header = rejected.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[0] == "row" and header[-2:] == ["rule", "title"]
    assert {"row_export", "rule_export", "title_export"} <= set(header)
    assert memory.n_rejected > 100


def test_one_result_type_whichever_way_it_ran(tmp_path: Path) -> None:
    """``convert_file`` holds no rows: ``valid`` is read back from the written file, ``rejected``
    and ``report`` are built on first use, and each equals what ``convert`` holds."""
    export = calltouch_export(tmp_path, 30)
    memory = callframe.convert(export, now=NOW, tz="Europe/Moscow")
    result = callframe.convert_file(export, tmp_path / "out.csv", now=NOW, tz="Europe/Moscow")
    assert type(result) is type(memory) is callframe.Conversion
    assert repr(result).startswith("<Conversion ") and "rejected" in repr(result)
    written = result.valid
    assert written.height == result.n_valid > 0
    assert written.equals(memory.valid.select(written.columns))
    assert result.rejected.equals(memory.rejected)
    assert result.report.counts() == memory.report.counts() == result.counts()
    assert result.report.n_valid == result.n_valid
    again = result.write_csv(tmp_path / "again.csv")
    assert again == [tmp_path / "again.csv"]
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "out.csv").read_bytes()


@pytest.mark.parametrize(
    "blank",
    [
        ("callTags",),  # Tag is empty in every row: the column is left out
        ("timestamp", "date"),  # no call time anywhere: every row rejected, a header only
    ],
)
def test_empty_columns_are_left_out_like_write_csv(tmp_path: Path, blank: tuple[str, ...]) -> None:
    export = calltouch_export(tmp_path, 300, blank=blank)
    memory = callframe.convert(export, now=NOW, tz="Europe/Moscow")
    memory.write_csv(tmp_path / "memory.csv")
    result = callframe.convert_file(export, tmp_path / "out.csv", now=NOW, tz="Europe/Moscow")
    written = (tmp_path / "out.csv").read_text()
    assert written == (tmp_path / "memory.csv").read_text()
    assert "Tag" not in written.splitlines()[0]
    if "date" in blank:
        assert result.n_valid == 0 and len(written.splitlines()) == 1
    assert result.to_dict() == memory.to_dict()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calltouch.csv", "memory.csv", "out.csv"]


def test_a_split_file_without_an_empty_column_is_written_again(tmp_path: Path) -> None:
    """A column left out changes every line: the file is read and written again, in parts."""
    export = calltouch_export(tmp_path, 300, blank=("callTags",))
    memory = callframe.convert(export, now=NOW, tz="Europe/Moscow")
    expected = memory.write_csv(tmp_path / "memory.csv", max_bytes=50_000)
    result = callframe.convert_file(
        export, tmp_path / "out.csv", now=NOW, tz="Europe/Moscow", max_bytes=50_000
    )
    assert len(result.outputs) == len(expected) > 1
    for got, want in zip(result.outputs, expected, strict=True):
        assert got.read_bytes() == want.read_bytes()
    assert "Tag" not in result.outputs[0].read_text().splitlines()[0]


@pytest.mark.parametrize(
    ("chunk_rows", "max_bytes"), [(None, 20_000), (None, 7_777), (50, 20_000), (1, 3_000)]
)
def test_files_over_max_bytes_are_split_like_write_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_rows: int | None, max_bytes: int
) -> None:
    """The parts are cut out of the file written (only the batches where a part starts are
    read again): wherever the cuts fall, in a batch or between two, the parts write_csv
    writes."""
    monkeypatch.setattr(pipeline, "_CHUNK_ROWS", chunk_rows)
    export = long_export(tmp_path, "ringostat/calls.csv", copies=150)
    memory = callframe.convert(export, now=NOW, **RINGOSTAT)
    expected = memory.write_csv(tmp_path / "memory.csv", max_bytes=max_bytes)

    def rewritten(*_: object) -> None:
        raise AssertionError("the file written was parsed and written again")

    monkeypatch.setattr(SinkWriter, "_split", rewritten)
    result = callframe.convert_file(
        export, tmp_path / "file.csv", now=NOW, max_bytes=max_bytes, **RINGOSTAT
    )
    assert len(result.outputs) == len(expected) > 1
    for got, want in zip(result.outputs, expected, strict=True):
        assert got.read_bytes() == want.read_bytes()
    assert result.valid.equals(memory.valid.select(result.valid.columns))


def test_naive_times_without_tz_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    export = long_export(tmp_path, "ringostat/calls.csv", copies=150)
    out = tmp_path / "out.csv"
    with pytest.raises(callframe.UsageError, match=r"1650 of 1650 rows .* --tz"):
        callframe.convert_file(export, out, now=NOW, region="UA")
    assert not out.exists()


@pytest.mark.parametrize(
    ("export", "kwargs"),
    [
        ("calltouch/calls.json", {"tz": "Europe/Moscow"}),  # JSON
        ("calltouch/calls_cp1251.csv", {"tz": "Europe/Moscow"}),  # another code page
        ("asterisk/Master.csv", {"tz": "Europe/Moscow"}),  # no header, calls over several rows
    ],
)
def test_other_exports_give_the_same_file(
    tmp_path: Path, export: str, kwargs: dict[str, str]
) -> None:
    memory = callframe.convert(FIXTURES / export, now=NOW, **kwargs)
    memory.write_csv(tmp_path / "memory.csv")
    result = callframe.convert_file(FIXTURES / export, tmp_path / "out.csv", now=NOW, **kwargs)
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "memory.csv").read_bytes()
    assert result.to_dict() == memory.to_dict()
    assert result.rejected.equals(memory.rejected)


def test_a_missing_output_folder_is_a_usage_error_before_reading(tmp_path: Path) -> None:
    with pytest.raises(callframe.UsageError, match="does not exist"):
        callframe.convert_file(FIXTURES / "calltouch/calls.json", tmp_path / "no" / "out.csv")


def test_an_export_with_a_header_only_gives_a_header_only(tmp_path: Path) -> None:
    export = calltouch_export(tmp_path, 1)
    export.write_text(export.read_text().splitlines()[0] + "\n", encoding="utf-8")
    memory = callframe.convert(export, now=NOW, tz="Europe/Moscow")
    memory.write_csv(tmp_path / "memory.csv")
    result = callframe.convert_file(export, tmp_path / "out.csv", now=NOW, tz="Europe/Moscow")
    assert (result.n_rows, result.n_valid) == (0, 0)
    assert (tmp_path / "out.csv").read_text() == (tmp_path / "memory.csv").read_text()
    assert (tmp_path / "out.csv").read_text().startswith("DateTime")


def test_a_broken_line_late_in_the_file_is_the_error_read_export_gives(tmp_path: Path) -> None:
    """Met while streaming, past the bytes sniffed: the same ExportError, and nothing
    written."""
    export = long_export(tmp_path, "ringostat/calls.csv", copies=400)
    lines = export.read_text(encoding="utf-8").splitlines()
    lines[-1] = '"' + lines[-1]  # a quote that never closes
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(callframe.ExportError) as expected:
        callframe.read_export(export)
    out = tmp_path / "out.csv"
    with pytest.raises(callframe.ExportError) as raised:
        callframe.convert_file(export, out, now=NOW, **RINGOSTAT)
    assert str(raised.value) == str(expected.value)
    assert "cannot be parsed as CSV" in str(raised.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.csv"]


def test_another_code_page_late_in_the_file_is_read_in_it(tmp_path: Path) -> None:
    """UTF-8 in the bytes sniffed, Windows-1251 later: converted as read_export reads it."""
    export = long_export(tmp_path, "ringostat/calls.csv", copies=400)
    text = export.read_text(encoding="utf-8")
    export.write_bytes(text.encode("cp1251", errors="replace"))
    assert any(b >= 0x80 for b in export.read_bytes()[-2000:])
    read = callframe.read_export(export)
    memory = callframe.convert(read, now=NOW, **RINGOSTAT)
    memory.write_csv(tmp_path / "memory.csv")
    result = callframe.convert_file(export, tmp_path / "out.csv", now=NOW, **RINGOSTAT)
    assert result.encoding == read.encoding == "cp1251"
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "memory.csv").read_bytes()
    assert result.counts() == memory.counts()


def test_the_csv_reader_reads_one_chunk_ahead_only_during_a_conversion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PREFETCH_VARIABLE, raising=False)
    with bounded_reads():
        assert os.environ[PREFETCH_VARIABLE] == PREFETCH
    assert PREFETCH_VARIABLE not in os.environ


def test_a_read_ahead_the_user_set_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PREFETCH_VARIABLE, "8")
    with bounded_reads():
        assert os.environ[PREFETCH_VARIABLE] == "8"
    assert os.environ[PREFETCH_VARIABLE] == "8"


def test_the_read_ahead_is_restored_when_a_conversion_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PREFETCH_VARIABLE, raising=False)
    with pytest.raises(RuntimeError), bounded_reads():
        raise RuntimeError("the query failed")
    assert PREFETCH_VARIABLE not in os.environ

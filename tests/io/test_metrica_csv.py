"""The writer writes exactly rule 11; the reader turns every cell into text; round trips hold."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import callframe
from callframe.io.metrica_csv import read_metrica_csv
from callframe.testing import sample_calls

from ..conftest import FIXTURES, NOW


def frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "PhoneNumber": ["+79161234567", "+79031112233", None],
            "DateTime": [NOW - 100, NOW - 50, NOW - 10],
            "ClientId": ["1795012345678901234", None, "00017"],
            "UserId": [None, 'crm, "vip"', None],
            "StaticCall": [0, 0, 1],
            "TalkDuration": [95.0, 0.0, None],
            "Tag": [None, None, None],
            "Price": [2500.0, None, 0.5],
            "Currency": ["RUB", None, "USD"],
        }
    )


def test_writes_exact_bytes(tmp_path: Path) -> None:
    out = callframe.write_csv(frame(), tmp_path / "calls.csv", now=NOW)
    assert out == [tmp_path / "calls.csv"]
    data = out[0].read_bytes()
    assert data == (
        b"UserId,ClientId,DateTime,StaticCall,Price,Currency,PhoneNumber,TalkDuration\n"
        b",1795012345678901234,1795435100,0,2500,RUB,+79161234567,95\n"
        b'"crm, ""vip""",,1795435150,0,,,+79031112233,0\n'
        b",00017,1795435190,1,0.5,USD,,\n"
    )
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data


def test_round_trip_gives_the_same_rows(tmp_path: Path) -> None:
    source = pl.read_csv(FIXTURES / "metrica" / "calls.csv", infer_schema=False)
    [path] = callframe.write_csv(source, tmp_path / "out.csv", now=NOW)
    again = callframe.validate(path, now=NOW)
    assert again.ok
    assert again.valid_text().equals(callframe.validate(source, now=NOW).valid_text())
    assert path.read_bytes() == (FIXTURES / "metrica" / "calls.csv").read_bytes()


def test_refuses_an_invalid_frame_and_writes_nothing(tmp_path: Path) -> None:
    bad = frame().with_columns(pl.lit("8 916 123").alias("PhoneNumber"))
    with pytest.raises(callframe.ContractError) as info:
        callframe.write_csv(bad, tmp_path / "calls.csv", now=NOW)
    assert list(info.value.report.counts()) == ["PhoneNumber|e164"]
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "calls.csv"
    target.write_text("old\n")
    bad = frame().with_columns(pl.lit("x").alias("ClientId"))
    with pytest.raises(callframe.ContractError):
        callframe.write_csv(bad, target, now=NOW)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["calls.csv"]


def test_splits_over_max_bytes_each_part_with_header(tmp_path: Path) -> None:
    n = 2000
    big = pl.DataFrame(
        {
            "ClientId": [str(10**18 + i) for i in range(n)],
            "DateTime": [NOW - i for i in range(n)],
            "Tag": ["a,b" * (i % 5) for i in range(n)],
        }
    )
    limit = 20_000
    parts = callframe.write_csv(big, tmp_path / "calls.csv", max_bytes=limit, now=NOW)
    assert len(parts) > 2
    assert [p.name for p in parts] == [f"calls.part{i}.csv" for i in range(1, len(parts) + 1)]
    header = parts[0].read_text().splitlines()[0]
    assert header == "ClientId,DateTime,Tag"
    total = 0
    for p in parts:
        assert p.stat().st_size <= limit
        assert p.read_text().splitlines()[0] == header
        report = callframe.validate(p, now=NOW)
        assert report.ok
        total += report.n_rows
    assert total == n
    joined = pl.concat([pl.read_csv(p, infer_schema=False) for p in parts])
    assert joined["ClientId"].to_list() == big["ClientId"].to_list()


def test_max_bytes_too_small_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(callframe.UsageError, match="max_bytes"):
        callframe.write_csv(frame(), tmp_path / "c.csv", max_bytes=10, now=NOW)


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(callframe.UsageError, match="does not exist"):
        callframe.write_csv(frame(), tmp_path / "nope" / "c.csv", now=NOW)


def test_reader_keeps_ids_as_text_and_turns_bad_cells_into_report_rows(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("ClientId,DateTime\n1795012345678901234,1795435100\n1.795E+18,yesterday\n")
    frame, issues = read_metrica_csv(path)
    assert issues == [] and frame.dtypes == [pl.String, pl.String]
    assert frame["ClientId"][0] == "1795012345678901234"
    report = callframe.validate(path, now=NOW)
    assert report.errors.select("row", "rule").rows() == [
        (2, "ClientId|digits"),
        (2, "DateTime|integer"),
    ]


def test_ragged_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("ClientId,DateTime\n1,1795435100\n2,1795435100,extra\n")
    with pytest.raises(callframe.ExportError, match=r"ragged\.csv: line 3 has more fields"):
        callframe.validate(path)


def test_missing_file_is_an_export_error(tmp_path: Path) -> None:
    with pytest.raises(callframe.ExportError, match="no such file"):
        callframe.validate(tmp_path / "nope.csv")


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    report = callframe.validate(path, now=NOW)
    assert report.errors["rule"].to_list() == [
        "*|missing_column",
        "*|missing_id_column",
        "*|no_rows",
    ]
    assert report.n_rows == 0 and report.refused


@pytest.mark.parametrize("slice_rows", [1, 2, 3, 1000])
def test_valid_rows_are_written_slice_by_slice_to_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slice_rows: int
) -> None:
    from callframe.io import metrica_csv

    sample = sample_calls(9, seed=3, invalid_fraction=0.4, now=NOW)
    report = callframe.validate(sample.frame, now=NOW)
    assert 0 < report.n_rejected < report.n_rows
    expected = tmp_path / "expected.csv"
    callframe.write_csv(report.valid, expected, now=NOW)
    monkeypatch.setattr(metrica_csv, "_WRITE_ROWS", slice_rows)
    out = tmp_path / "sliced.csv"
    assert metrica_csv.write_valid_rows(report, out) == [out]
    assert out.read_bytes() == expected.read_bytes()

"""Reading large CSV exports from disk: other code pages go through the chunked transcoding path
(a temporary UTF-8 file, removed afterwards), and ``columns=`` reads only what an adapter needs."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from callframe.io import _csv
from callframe.io.exports import read_export

HEADER = "Дата;Номер;Статус;Комментарий"
ROWS = 6000  # ~300 KB: larger than the sniffed head, so the file is read from disk, not bytes


def cyrillic_rows(n: int = ROWS) -> list[str]:
    return [
        f"2026-11-{1 + i % 20:02d} 10:{i % 60:02d}:00;+7916{i:07d};Пропущенный;Звонок №{i} ёжик"
        for i in range(n)
    ]


@pytest.fixture
def own_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary directory for the reader's own temporary files, to see them cleaned up."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return scratch


@pytest.fixture
def transcoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The code pages the chunked transcoder was called with (proves the path was taken)."""
    calls: list[str] = []
    original = _csv._transcode

    def spy(path: Path, codec: str) -> Path:
        calls.append(codec)
        return original(path, codec)

    monkeypatch.setattr(_csv, "_transcode", spy)
    return calls


def test_a_large_cp1251_file_is_transcoded_in_chunks_and_read_whole(
    tmp_path: Path, own_tmp: Path, transcoded: list[str]
) -> None:
    lines = cyrillic_rows()
    path = tmp_path / "calls.csv"
    path.write_bytes(("\n".join([HEADER, *lines]) + "\n").encode("cp1251"))
    assert path.stat().st_size > 256 * 1024

    export = read_export(path)

    assert export.encoding == "cp1251"
    assert export.delimiter == ";"
    assert export.frame.columns == HEADER.split(";")
    assert export.frame.height == ROWS
    assert export.frame.row(0) == tuple(lines[0].split(";"))
    assert export.frame.row(-1) == tuple(lines[-1].split(";"))
    assert transcoded == ["cp1251"]
    assert list(own_tmp.iterdir()) == []  # the UTF-8 copy is gone


def test_cp1251_after_a_plain_ascii_head_is_still_found(
    tmp_path: Path, own_tmp: Path, transcoded: list[str]
) -> None:
    # the first 256 KB are ASCII (valid UTF-8); the first Cyrillic byte comes later
    ascii_lines = [f"2026-11-01 10:00:00;+7916{i:07d};answered;ok" for i in range(ROWS)]
    tail = "2026-11-02 11:00:00;+79160000000;Пропущенный;перезвонить"
    path = tmp_path / "calls.csv"
    path.write_bytes(("\n".join([HEADER, *ascii_lines, tail]) + "\n").encode("cp1251"))

    export = read_export(path)

    assert export.encoding == "cp1251"
    assert export.frame.height == ROWS + 1
    assert export.frame.row(-1) == tuple(tail.split(";"))
    assert transcoded == ["cp1251"]  # after polars refused the file as UTF-8
    assert list(own_tmp.iterdir()) == []


def test_an_explicit_encoding_skips_sniffing(tmp_path: Path) -> None:
    path = tmp_path / "calls.txt"
    path.write_bytes(("\n".join([HEADER, *cyrillic_rows()]) + "\n").encode("cp1251"))

    export = read_export(path, encoding="cp1251", delimiter=";")

    assert export.frame.get_column("Статус").unique().to_list() == ["Пропущенный"]


def test_columns_reads_only_the_named_columns_in_file_order(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text("a;b;c;d\n1;2;3;4\n5;6;7;8\n", encoding="utf-8")

    export = read_export(path, columns=["d", "b", "missing"])

    assert export.frame.columns == ["b", "d"]  # the file's order; unknown names are skipped
    assert export.frame.rows() == [("2", "4"), ("6", "8")]


def test_columns_keeps_flattened_fields_below_a_name_and_strips_header_spaces(
    tmp_path: Path,
) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        "visit.client_id, visit.url ,other,callerNumber\n1,https://x.ru,z,79161234567\n",
        encoding="utf-8",
    )

    export = read_export(path, columns=["visit", "callerNumber"])

    assert export.frame.columns == ["visit.client_id", "visit.url", "callerNumber"]
    assert export.frame.row(0) == ("1", "https://x.ru", "79161234567")


def test_columns_on_a_large_cp1251_file_projects_after_transcoding(
    tmp_path: Path, own_tmp: Path, transcoded: list[str]
) -> None:
    path = tmp_path / "calls.csv"
    path.write_bytes(("\n".join([HEADER, *cyrillic_rows()]) + "\n").encode("cp1251"))

    export = read_export(path, columns=["Номер", "Статус"])

    assert export.encoding == "cp1251"
    assert export.frame.columns == ["Номер", "Статус"]
    assert export.frame.height == ROWS
    assert transcoded == ["cp1251"]
    assert list(own_tmp.iterdir()) == []


def test_columns_is_ignored_where_it_cannot_apply(tmp_path: Path) -> None:
    headerless = tmp_path / "Master.csv"
    headerless.write_text('"1","2","3"\n"4","5","6"\n', encoding="utf-8")
    as_json = b'{"records": [{"a": 1, "b": 2}]}'

    assert read_export(headerless, columns=["column_1"]).frame.width == 3
    assert read_export(as_json, columns=["a"]).frame.columns == ["a", "b"]

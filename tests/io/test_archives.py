"""Compressed exports (issue 13, item 5): ``.gz`` and ``.zip`` read on purpose, told by their
first bytes; a broken or truncated archive is an ExportError naming the file, never an OSError."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import callframe
from callframe import convert_file
from callframe.cli import app
from callframe.io.archives import archive_kind

from ..conftest import FIXTURES, NOW

SIPUNI = FIXTURES / "sipuni" / "statistic.csv"
MSK = {"tz": "Europe/Moscow"}
TRUNCATED = b"\x1f\x8b\x00\x00"


def zipped(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["statistic.csv.gz", "statistic.csv", "statistic.dat"])
def test_a_gzip_export_reads_as_the_file_inside_whatever_its_name(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(gzip.compress(SIPUNI.read_bytes()))
    export = callframe.read_export(path)
    plain = callframe.read_export(SIPUNI)
    assert export.frame.equals(plain.frame)
    assert export.archive is not None and export.archive.startswith("gzip:")
    assert export.describe()["archive"] == export.archive
    assert export.source == str(path)


def test_a_gzip_keeps_the_inner_name_and_the_conversion_is_the_plain_ones(tmp_path: Path) -> None:
    path = tmp_path / "export.gz"
    with path.open("wb") as raw, gzip.GzipFile("statistic.csv", "wb", fileobj=raw) as fh:
        fh.write(SIPUNI.read_bytes())
    assert callframe.read_export(path).archive == "gzip:statistic.csv"
    packed = callframe.convert(path, now=NOW, **MSK)
    plain = callframe.convert(SIPUNI, now=NOW, **MSK)
    assert packed.tracker == "sipuni"
    assert packed.valid.equals(plain.valid)
    assert packed.rejected.drop("row").equals(plain.rejected.drop("row"))


def test_a_zip_with_one_export_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "calls.zip"
    path.write_bytes(zipped(**{"stat/statistic.csv": SIPUNI.read_bytes(), "__MACOSX/._x": b"x"}))
    export = callframe.read_export(path)
    assert export.archive == "zip:stat/statistic.csv"
    assert export.frame.equals(callframe.read_export(SIPUNI).frame)
    out = tmp_path / "out.csv"
    result = convert_file(path, out, now=NOW, **MSK)
    assert result.n_valid == callframe.convert(SIPUNI, now=NOW, **MSK).n_valid


def test_a_zip_with_several_files_is_refused_listing_them(tmp_path: Path) -> None:
    path = tmp_path / "calls.zip"
    path.write_bytes(zipped(**{"a.csv": b"x,y\n1,2\n", "b.csv": b"x,y\n3,4\n"}))
    with pytest.raises(
        callframe.ExportError,
        match=r"calls\.zip: is a zip archive holding 2 files \(a\.csv, b\.csv\)",
    ):
        callframe.read_export(path)


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("calls.csv.gz", TRUNCATED, "gzip"),
        ("calls.csv", TRUNCATED, "gzip"),
        ("calls.csv.gz", gzip.compress(b"a,b\n1,2\n" * 100)[:-12], "gzip"),
        ("calls.zip", zipped(**{"a.csv": b"a,b\n1,2\n"})[:40], "zip"),
    ],
    ids=["magic-only", "magic-as-csv", "cut-short", "zip-cut-short"],
)
def test_a_broken_archive_is_an_export_error_saying_what_to_do(
    tmp_path: Path, name: str, data: bytes, kind: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    for call in (callframe.read_export, callframe.detect, lambda p: callframe.convert(p, now=NOW)):
        with pytest.raises(callframe.ExportError) as exc:
            call(path)
        text = str(exc.value)
        assert str(path) in text
        assert f"is a {kind} archive that is broken or cut short" in text
        assert "download the export again" in text


def test_validate_refuses_an_archive_with_an_export_error(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_bytes(TRUNCATED)
    with pytest.raises(callframe.ExportError, match=r"calls\.csv: is a gzip archive, not a CSV"):
        callframe.validate(path, now=NOW)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "gzip archive" in result.output


def test_the_cli_converts_a_gzip_export_and_reports_a_truncated_one(tmp_path: Path) -> None:
    good = tmp_path / "calls.csv.gz"
    good.write_bytes(gzip.compress(SIPUNI.read_bytes()))
    out = tmp_path / "out.csv"
    args = ["convert", str(good), "-o", str(out), "--tz", "Europe/Moscow", "--now", str(NOW)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 1), result.output
    assert pl.read_csv(out).height == callframe.convert(SIPUNI, now=NOW, **MSK).n_valid
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(TRUNCATED)
    result = CliRunner().invoke(app, ["convert", str(bad), "-o", str(out)])
    assert result.exit_code == 2 and "broken or cut short" in result.output


def test_a_workbook_is_not_taken_for_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "book.bin"
    pl.DataFrame({"a": ["x"]}).write_excel(path)
    assert archive_kind(path.read_bytes()) == "zip"
    assert callframe.read_export(path, format="xlsx").frame.to_dicts() == [{"a": "x"}]
    no_suffix = tmp_path / "book"
    no_suffix.write_bytes(path.read_bytes())
    assert callframe.read_export(no_suffix).format == "xlsx"

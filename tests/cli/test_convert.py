"""``callframe detect`` and ``callframe convert``: outputs, files, exit codes, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from callframe.cli import app

from ..conftest import FIXTURES, NOW

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_detect_prints_tracker_score_encoding_delimiter_rows() -> None:
    code, out, _ = run("detect", FIXTURES / "ringostat" / "calls_cp1251.csv")
    assert code == 0
    assert "ringostat" in out and "score 1.00" in out
    assert "encoding cp1251" in out and "delimiter ';'" in out and "11 rows" in out
    assert "--tz" in out


def test_detect_json() -> None:
    code, out, _ = run("detect", FIXTURES / "calltouch" / "calls.json", "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert (doc["tracker"], doc["score"], doc["rows"], doc["envelope"]) == (
        "calltouch",
        1.0,
        11,
        "records",
    )
    assert doc["candidates"][0]["tracker"] == "calltouch"


def test_detect_refuses_an_unknown_export_with_exit_2() -> None:
    code, _, err = run("detect", FIXTURES / "metrica" / "calls.csv")
    assert code == 2
    assert "matches no known tracker" in err and "generic" in err
    assert "Traceback" not in err


def test_convert_writes_the_expected_file_and_exits_1_when_rows_are_rejected(
    tmp_path: Path,
) -> None:
    out, rejected = tmp_path / "calls.csv", tmp_path / "rejected.csv"
    code, stdout, _ = run(
        "convert",
        FIXTURES / "comagic" / "calls.json",
        "--tz",
        "Asia/Yekaterinburg",
        "-o",
        out,
        "--rejected",
        rejected,
        "--now",
        str(NOW),
    )
    assert code == 1
    assert out.read_bytes() == (FIXTURES / "comagic" / "calls.expected.csv").read_bytes()
    rows = pl.read_csv(rejected, infer_schema=False)
    assert rows.get_column("rule").to_list() == ["*|id_required", "*|outbound"]
    assert "contact_phone_number" in rows.columns
    assert "11 rows in → 9 calls out, 2 rejected" in stdout
    assert "*|outbound ×1" in stdout and "PhoneNumber|unreadable ×1" in stdout
    assert "79857776655" not in stdout


def test_convert_exits_0_when_nothing_is_rejected(tmp_path: Path) -> None:
    out = tmp_path / "calls.csv"
    code, stdout, _ = run(
        "convert",
        FIXTURES / "callibri" / "calls.json",
        "-o",
        out,
        "--static",
        "--quiet",
        "--now",
        str(NOW),
    )
    assert code == 0 and stdout == ""
    assert pl.read_csv(out, infer_schema=False).height == 11


def test_convert_with_a_mapping_and_json_output(tmp_path: Path) -> None:
    out = tmp_path / "calls.csv"
    code, stdout, _ = run(
        "convert",
        FIXTURES / "generic" / "journal_ui_cp1251.csv",
        "--map",
        FIXTURES / "generic" / "journal_ui.toml",
        "-o",
        out,
        "--format",
        "json",
        "--now",
        str(NOW),
    )
    doc = json.loads(stdout)
    assert code == 1
    assert (doc["tracker"], doc["rows_in"], doc["rows_out"], doc["encoding"]) == (
        "generic",
        10,
        8,
        "cp1251",
    )
    assert doc["output"] == [str(out)]
    assert out.read_bytes() == (FIXTURES / "generic" / "journal_ui.expected.csv").read_bytes()


def test_convert_without_tz_for_naive_times_exits_2_naming_the_option(tmp_path: Path) -> None:
    code, _, err = run("convert", FIXTURES / "ringostat" / "calls.csv", "-o", tmp_path / "x.csv")
    assert code == 2 and "--tz" in err and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()


def test_convert_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "calls.json"
    bad.write_text("{not json", encoding="utf-8")
    code, _, err = run("convert", bad, "-o", tmp_path / "x.csv")
    assert code == 2 and "is not valid JSON" in err

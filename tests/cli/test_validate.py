"""``callframe validate`` and ``callframe schema``: exit codes, JSON document, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callframe.cli import app

from ..conftest import FIXTURES, NOW

METRICA = FIXTURES / "metrica"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_valid_file_exits_0() -> None:
    code, out, _ = run("validate", str(METRICA / "calls.csv"), "--now", str(NOW))
    assert code == 0
    assert "valid" in out and "10 rows" in out


def test_errors_exit_1_and_show_rules_with_masked_values() -> None:
    code, out, _ = run(
        "validate", str(METRICA / "defects" / "calls_defects.csv"), "--now", str(NOW)
    )
    assert code == 1
    assert "PhoneNumber|e164" in out and "DateTime|not_future" in out
    assert "8 (495) 123-45-67" not in out


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_text(f"ClientId,DateTime\n1795012345678901234,{NOW - 30 * 86400}\n")
    assert run("validate", str(path), "--now", str(NOW))[0] == 0
    assert run("validate", str(path), "--now", str(NOW), "--strict")[0] == 1


def test_unreadable_file_exits_2_without_traceback() -> None:
    code, out, err = run("validate", str(METRICA / "defects" / "calls_cp1251.csv"))
    assert code == 2
    assert "not UTF-8" in err and "Traceback" not in out + err


def test_bad_usage_exits_2() -> None:
    assert run("validate", str(METRICA / "calls.csv"), "--kind", "chats")[0] == 2
    assert run("validate")[0] == 2


def test_json_document_for_several_files() -> None:
    code, out, _ = run(
        "validate",
        str(METRICA / "calls.csv"),
        str(METRICA / "defects" / "calls_defects.csv"),
        str(METRICA / "defects" / "calls_cp1251.csv"),
        "--format",
        "json",
        "--now",
        str(NOW),
    )
    assert code == 2  # an unreadable file outranks data errors
    doc = json.loads(out)
    ok, bad, unreadable = doc["files"]
    assert (ok["rows"], ok["valid_rows"], ok["invalid_rows"], ok["errors"]) == (10, 10, 0, [])
    assert bad["invalid_rows"] == 27 and len(bad["warnings"]) == 9
    first = bad["errors"][0]
    assert set(first) >= {"row", "column", "rule", "title", "value", "effect"}
    assert (first["rule"], first["effect"]) == ("*|id_required", "drop_row")
    # what Metrica would do: 11 rows dropped, 16 kept with a wrong value, 25 of 36 counted
    assert (bad["refused"], bad["predicted_line_quantity"], bad["rows"]) == (False, 25, 36)
    assert (ok["refused"], ok["predicted_line_quantity"]) == (False, 10)
    assert bad["prediction"] == (
        "Metrica would drop 11 rows and keep 16 rows with a wrong value; "
        "it would count 25 of 36 rows"
    )
    assert "error" in unreadable and unreadable["path"].endswith("calls_cp1251.csv")
    assert "8 (495) 123-45-67" not in out


def test_conversions_kind() -> None:
    code, _, _ = run(
        "validate", "--kind", "conversions", str(METRICA / "conversions.csv"), "--now", str(NOW)
    )
    assert code == 0


@pytest.mark.parametrize("kind", ["calls", "conversions"])
def test_schema_json_lists_columns_and_rules(kind: str) -> None:
    code, out, _ = run("schema", "--kind", kind, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["columns"][0]["name"] == ("UserId" if kind == "calls" else "Target")
    assert {"id", "title", "severity", "scope", "hint"} <= set(doc["rules"][0])


def test_schema_markdown() -> None:
    code, out, _ = run("schema", "--kind", "calls", "--format", "markdown")
    assert code == 0
    assert "| `PhoneNumber\\|e164` | error |" in out  # pipes escaped so the table renders


def test_entry_point_runs_as_a_program() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "callframe",
            "validate",
            str(METRICA / "calls.csv"),
            "--now",
            str(NOW),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


def test_what_the_server_accepts_is_a_warning_unless_strict(tmp_path: Path) -> None:
    """metrica-server.md, Accepted as valid: exit 0 with warnings; --strict makes them errors."""
    path = tmp_path / "accepted.csv"
    path.write_text(f"clientid,Date Time\n\n 1795012345678901234 ,{NOW - 60}.5\n")
    code, out, _ = run("validate", str(path), "--now", str(NOW), "--format", "json")
    assert code == 0
    (doc,) = json.loads(out)["files"]
    assert doc["errors"] == [] and {w["effect"] for w in doc["warnings"]} == {"accept"}
    assert {w["rule"] for w in doc["warnings"]} == {
        "*|column_case",
        "*|blank_line",
        "ClientId|padded",
        "DateTime|fraction",
    }
    assert (doc["refused"], doc["predicted_line_quantity"]) == (False, 1)
    assert run("validate", str(path), "--now", str(NOW), "--strict")[0] == 1


def test_a_header_only_file_exits_1_and_says_metrica_would_refuse_it(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("ClientId,DateTime\n")
    code, out, _ = run("validate", str(path), "--now", str(NOW))
    assert code == 1
    assert "Metrica would refuse this file" in out and "*|no_rows" in out


def test_help_documents_exit_codes_and_strict() -> None:
    code, out, _ = run("validate", "--help")
    assert code == 0
    assert "Exit codes" in out and "--strict" in out and "--client-id-type" in out

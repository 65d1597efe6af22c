"""CI formats: GitHub workflow commands and JUnit XML, checked against their formats."""

from __future__ import annotations

import re
from pathlib import Path

import junitparser
from typer.testing import CliRunner

from callframe.cli import app
from callframe.contract.rules import rules_for

from ..conftest import FIXTURES, NOW, ROOT

DEFECTS = FIXTURES / "metrica" / "defects" / "calls_defects.csv"
runner = CliRunner()
# ::error file=<path>,line=<n>,title=<rule>::<message>  (properties and data %-escaped)
COMMAND = re.compile(r"^::(error|warning|notice) file=([^,:]+),line=(\d+),title=([^,:]+)::(.+)$")


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_github_annotations_one_per_failure_with_csv_line() -> None:
    code, out = invoke("validate", str(DEFECTS), "--format", "github", "--now", str(NOW))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 37  # the file's prediction + 27 errors + 9 warnings, one row each
    parsed = [COMMAND.match(line) for line in lines]
    assert all(parsed), [line for line, m in zip(lines, parsed, strict=True) if not m]
    first, notice = parsed[0], parsed[-1]
    assert notice is not None and first is not None
    assert notice.group(1) == "notice" and notice.group(5).startswith("Metrica would drop 11 rows")
    assert first.group(1) == "error" and first.group(3) == "2"  # data row 1 is file line 2
    assert first.group(4) == "*|id_required"
    assert first.group(5).endswith("[Metrica drops the row]")
    severities = [m.group(1) for m in parsed if m]
    assert severities.count("warning") == 9
    assert "8 (495) 123-45-67" not in out


def test_github_line_numbers_count_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text(
        "ClientId,DateTime,Tag\n"
        f'1,{NOW},"line one\nline two\nline three"\n'
        f"2,{NOW},plain\n"
        f"x,{NOW},bad id\n"
    )
    code, out = invoke("validate", str(path), "--format", "github", "--now", str(NOW))
    assert code == 1
    match = COMMAND.match(out.splitlines()[0])
    assert match and match.group(3) == "6"  # header 1, row 1 spans 2-4, row 2 is 5, row 3 is 6


def test_github_escapes_newlines_in_messages(tmp_path: Path) -> None:
    path = tmp_path / "nl.csv"
    path.write_text(f'ClientId,DateTime\n"12\n34",{NOW}\n')
    _, out = invoke("validate", str(path), "--format", "github", "--now", str(NOW))
    # the prediction, then one command per failure, even with a newline in the value
    assert out.count("\n") == 2


def test_junit_parses_and_has_one_case_per_rule(tmp_path: Path) -> None:
    target = tmp_path / "report.xml"
    code, _ = invoke(
        "validate",
        str(FIXTURES / "metrica" / "calls.csv"),
        str(DEFECTS),
        "--format",
        "junit",
        "--output",
        str(target),
        "--now",
        str(NOW),
    )
    assert code == 1
    xml = junitparser.JUnitXml.fromfile(str(target))
    suites = list(xml)
    assert [s.name for s in suites] == [str(FIXTURES / "metrica" / "calls.csv"), str(DEFECTS)]
    clean, dirty = suites
    assert clean.tests == dirty.tests == len(rules_for("calls")) and clean.failures == 0
    assert dirty.failures == 27
    failed = {
        case.name: case
        for case in dirty
        if case.result and isinstance(case.result[0], junitparser.Failure)
    }
    assert len(failed) == 27
    phone = failed["PhoneNumber|e164"].result[0]
    assert phone.message == (
        "1 rows: PhoneNumber is not '+' and 8–15 digits (E.164, no spaces) "
        "[Metrica keeps the row with a wrong value]"
    )
    props = {p.name: p.value for p in dirty.properties()}
    assert props == {"rows": "36", "refused": "false", "predicted_line_quantity": "25"}
    assert "row 23" in (phone.text or "") and "8 (495) 123-45-67" not in target.read_text()


def test_pre_commit_hook_definition_points_at_the_cli() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "- id: callframe-validate\n" in text
    assert "entry: callframe validate --kind calls" in text
    assert "language: python" in text


def test_github_line_numbers_count_skipped_blank_lines(tmp_path: Path) -> None:
    """Blank lines are skipped (Metrica does too), but annotations point at the file's line."""
    path = tmp_path / "blank.csv"
    path.write_text(f'\nClientId,DateTime\n1,{NOW}\n\n\n"x\ny",{NOW}\n\nz,{NOW}\n')
    code, out = invoke("validate", str(path), "--format", "github", "--now", str(NOW))
    assert code == 1
    errors = [m for m in map(COMMAND.match, out.splitlines()) if m and m.group(1) == "error"]
    # header at 2; row 1 at 3; blank 4, 5; row 2 spans 6-7; blank 8; row 3 at 9
    assert [(m.group(4), m.group(3)) for m in errors] == [
        ("ClientId|digits", "6"),
        ("ClientId|digits", "9"),
    ]

"""Phone numbers never appear whole in what the command line shows or writes: every output of
``callframe validate`` (text for a pipe and for a terminal, JSON, GitHub annotations, JUnit; on
stdout and in ``--output`` files) and of ``callframe upload`` when the file is rejected (text and
JSON). A failing phone is shown masked (``8 (91*) ***-**-67``), so people can still find the row.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from callframe.cli import app
from callframe.report import mask_phone

from ..conftest import NOW

runner = CliRunner()

BAD_PHONES = ["8 (916) 123-45-67", "89031112233", "+7 926 555 44 33", "+79161234567x"]
"""Broken phones: each fails PhoneNumber|e164, so the reports show it (masked)."""
GOOD_PHONES = ["+79995554433", "+375291112233"]
"""Valid phones on rows that fail for another column: never shown at all."""
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def calls(tmp_path: Path) -> Path:
    rows = [("1795012345678901234", NOW - 3600, phone) for phone in BAD_PHONES]
    rows.append(("12.5", NOW - 3600, GOOD_PHONES[0]))  # ClientId broken
    rows.append(("1795012345678901234", NOW + 86400, GOOD_PHONES[1]))  # in the future
    lines = ["ClientId,DateTime,PhoneNumber,Tag"]
    lines += [f'{client},{when},"{phone}",t' for client, when, phone in rows]
    path = tmp_path / "calls.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def masked(phone: str) -> str:
    return str(pl.select(mask_phone(pl.lit(phone))).item())


def assert_no_whole_phone(text: str) -> None:
    """No phone as written, nor its digits run together, nor its last ten digits."""
    plain = ANSI.sub("", text)
    for phone in BAD_PHONES + GOOD_PHONES:
        digits = re.sub(r"\D", "", phone)
        for form in (phone, digits, digits[-10:]):
            assert form not in plain, form


def run(*args: str, terminal: bool = False) -> tuple[int, str, str]:
    env = {"COLUMNS": "300", **({"FORCE_COLOR": "1"} if terminal else {})}
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_the_file_has_the_phones_this_module_looks_for(calls: Path) -> None:
    text = calls.read_text(encoding="utf-8")
    assert all(p in text for p in BAD_PHONES + GOOD_PHONES)


@pytest.mark.parametrize(
    ("fmt", "terminal"),
    [("text", False), ("text", True), ("json", False), ("github", False), ("junit", False)],
    ids=["text-pipe", "text-terminal", "json", "github", "junit"],
)
def test_validate_shows_phones_masked_in_every_format(
    calls: Path, fmt: str, terminal: bool
) -> None:
    code, out, err = run(
        "validate", str(calls), "--now", str(NOW), "--format", fmt, terminal=terminal
    )
    assert code == 1
    assert "PhoneNumber|e164" in ANSI.sub("", out)
    assert_no_whole_phone(out + err)
    assert masked(BAD_PHONES[0]) in ANSI.sub("", out)  # shown, but masked


@pytest.mark.parametrize("fmt", ["json", "junit"])
def test_validate_output_files_show_phones_masked(calls: Path, tmp_path: Path, fmt: str) -> None:
    report = tmp_path / f"report.{fmt}"
    code, out, err = run(
        "validate", str(calls), "--now", str(NOW), "--format", fmt, "--output", str(report)
    )
    assert code == 1 and report.exists()
    written = report.read_text(encoding="utf-8")
    assert_no_whole_phone(written + out + err)
    assert masked(BAD_PHONES[0]) in written


@pytest.mark.parametrize(
    ("fmt", "terminal"),
    [("text", False), ("text", True), ("json", False)],
    ids=["text-pipe", "text-terminal", "json"],
)
def test_a_rejected_upload_shows_phones_masked(
    calls: Path, fmt: str, terminal: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METRICA_TOKEN", "unused-token-123456")
    # rejected before any request: no server needed
    monkeypatch.setenv("METRICA_BASE_URL", "http://127.0.0.1:9")
    code, out, err = run(
        "upload",
        str(calls),
        "--counter",
        "5",
        "--now",
        str(NOW),
        "--format",
        fmt,
        terminal=terminal,
    )
    assert code == 1
    assert_no_whole_phone(out + err)
    assert masked(BAD_PHONES[0]) in ANSI.sub("", out)


def test_an_id_is_shown_whole_not_masked(tmp_path: Path) -> None:
    # masking hides phone numbers, not IDs: a Yclid of 7312-3456 is the value the user must fix
    path = tmp_path / "calls.csv"
    path.write_text(f"Yclid,DateTime\n7312-3456,{NOW - 3600}\n", encoding="utf-8")
    code, out, _ = run("validate", str(path), "--now", str(NOW), "--format", "text")
    assert code == 1
    assert "'7312-3456'" in out and "*" not in out

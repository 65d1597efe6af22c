"""``callframe convert PBX --tz … --ids ids.csv [--within 30m]``: a PBX log joined to site IDs."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from callframe.cli import app

from ..conftest import FIXTURES, NOW

runner = CliRunner()


def test_convert_with_ids_writes_the_enriched_file(tmp_path: Path) -> None:
    out = tmp_path / "calls.csv"
    args = ["convert", str(FIXTURES / "asterisk" / "Master.csv"), "--tz", "Europe/Moscow"]
    args += ["--ids", str(FIXTURES / "asterisk" / "ids.csv"), "-o", str(out), "--now", str(NOW)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output  # the extra leg, internal, outbound rows
    expected = (FIXTURES / "asterisk" / "Master.enriched.expected.csv").read_text()
    assert out.read_text() == expected
    assert "enriched: 4 of 9 calls without an ID matched" in result.output
    assert "1 ambiguous" in result.output
    assert "+7916" not in result.output  # no phone numbers in the summary


def test_convert_with_ids_json_and_a_narrow_window(tmp_path: Path) -> None:
    out = tmp_path / "calls.csv"
    args = ["convert", str(FIXTURES / "sipuni" / "statistic.csv"), "--tz", "Europe/Moscow"]
    args += ["--ids", str(FIXTURES / "sipuni" / "ids.csv"), "--within", "5m", "-o", str(out)]
    args += ["--now", str(NOW), "--format", "json"]
    result = runner.invoke(app, args)
    document = json.loads(result.output)
    assert document["enrich"]["within_seconds"] == 300
    assert document["enrich"]["ids"] == 2  # the 1-minute and the same-second rows only

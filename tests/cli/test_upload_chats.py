"""``callframe upload/uploads/status --kind chats`` against a sandbox on a real socket: sent
once to ``upload?type=CHATS``, shown as a CHATS upload, found again on a re-run."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from callframe.cli import app
from callframe.metrica.sandbox import Sandbox, serve

from ..conftest import FIXTURES, NOW

CHATS = FIXTURES / "metrica" / "chats.csv"
TOKEN = "cli-chats-token-5e4d3c2b1a"
runner = CliRunner()


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(TOKEN, processing_seconds=0, clock=lambda: float(NOW))
    yield box
    box.close()


@pytest.fixture
def url(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with serve(sandbox) as base:
        monkeypatch.setenv("METRICA_TOKEN", TOKEN)
        monkeypatch.setenv("METRICA_BASE_URL", base)
        monkeypatch.setenv("COLUMNS", "200")
        yield base


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert TOKEN not in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_upload_chats_once_then_found(url: str, sandbox: Sandbox) -> None:
    args = ("upload", str(CHATS), "--kind", "chats", "--counter", "5", "--now", str(NOW))
    code, out, _ = run(*args)
    assert code == 0, out
    assert f"{CHATS}: 6 rows: sent as upload 1 (PROCESSED): 6 rows in file, 6 accepted" in out
    code, out, _ = run(*args)
    assert code == 0 and "already uploaded (same content) as upload 1" in out
    [stored] = sandbox.stored()
    assert (stored["type"], stored["client_id_type"]) == ("CHATS", None)

    code, out, _ = run("uploads", "--kind", "chats", "--counter", "5", "--format", "json")
    [listed] = json.loads(out)["uploads"]
    assert code == 0 and listed["id"] == 1 and listed["type"] == "CHATS"
    code, out, _ = run("uploads", "--kind", "conversions", "--counter", "5")
    assert code == 0 and "no conversions uploads" in out
    code, out, _ = run("status", "1", "--kind", "chats", "--counter", "5")
    assert code == 0 and "upload 1 (PROCESSED)" in out


def test_an_invalid_chats_file_is_not_sent(url: str, sandbox: Sandbox, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "chats.csv"
    bad.write_text(f"DateTime,ChatPlatform,ChatUsername\n{NOW - 60},Telegram,someone\n")
    code, out, err = run("upload", str(bad), "--kind", "chats", "--counter", "5", "--now", str(NOW))
    assert code == 1 and "ChatPlatform|allowed" in out and "not uploaded" in err
    assert sandbox.stored() == []


def test_upload_json_names_the_kind(url: str) -> None:
    code, out, _ = run(
        "upload",
        str(CHATS),
        "--kind",
        "chats",
        "--counter",
        "5",
        "--now",
        str(NOW),
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert code == 0 and doc["kind"] == "chats" and doc["parts"][0]["upload"]["type"] == "CHATS"

"""``callframe upload``, ``uploads``, ``status`` and ``sandbox`` against a sandbox on a real
socket: exit codes, text and JSON output, and never the token."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from callframe.cli import app
from callframe.metrica.sandbox import Sandbox, serve

from ..conftest import FIXTURES, NOW

METRICA = FIXTURES / "metrica"
CALLS = METRICA / "calls_client_ids.csv"  # one ID type: one upload
TOKEN = "cli-test-token-0a1b2c3d4e5f"
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
        monkeypatch.setenv("COLUMNS", "200")  # rich tables fold at 80 otherwise
        yield base


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert TOKEN not in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def upload(*extra: str, path: Path = CALLS) -> tuple[int, str, str]:
    return run("upload", str(path), "--counter", "5", "--now", str(NOW), *extra)


def test_upload_then_rerun_then_force(url: str, sandbox: Sandbox) -> None:
    code, out, _ = upload("--comment", "nightly")
    assert code == 0
    assert (
        "CLIENT_ID, 8 rows: sent as upload 1 (PROCESSED): 8 rows in file, 8 accepted, "
        "1 static, 7 dynamic" in out
    )
    assert "comment: nightly cf" in out and "warning" not in out
    code, out, _ = upload()
    assert code == 0 and "already uploaded (same content) as upload 1" in out
    assert "use --force" in out
    code, out, _ = upload("--force")
    assert code == 0 and "sent as upload 2" in out
    assert len(sandbox.stored()) == 2


def test_upload_and_wait(url: str, sandbox: Sandbox) -> None:
    sandbox.clock = time.time  # real time, so the upload ages
    sandbox.processing_seconds = 0.3
    code, out, _ = upload("--wait", "--poll-interval", "0.1", "--wait-timeout", "10")
    assert code == 0
    assert "final: upload 1 (PROCESSED)" in out and "8 linked" in out


def test_upload_json(url: str) -> None:
    code, out, _ = upload("--format", "json", "--wait")
    assert code == 0
    doc = json.loads(out)
    [part] = doc["parts"]
    assert part["outcome"] == "sent" and part["upload"]["status"] == "PROCESSED"
    assert part["upload"]["comment"].endswith(f" cf{part['content_hash']}")
    assert part["client_id_type"] == "CLIENT_ID" and doc["partial"] is False


def test_conversions_and_client_id_type(url: str, tmp_path: Path) -> None:
    code, out, _ = upload("--kind", "conversions", path=METRICA / "conversions_client_ids.csv")
    assert code == 0 and "CLIENT_ID, 3 rows: sent as upload" in out
    only = tmp_path / "only_user.csv"
    only.write_text(f"UserId,DateTime\nuser-1,{NOW - 60}\n")
    code, out, _ = upload(path=only)
    assert code == 0 and "USER_ID, 1 rows: sent as upload" in out


def test_a_mixed_file_goes_as_one_upload_per_id_type_each_listed(
    url: str, sandbox: Sandbox
) -> None:
    code, out, _ = upload(path=METRICA / "calls_mixed_ids.csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].endswith("2 uploads (the rows use 2 ID types: one upload per client_id_type)")
    assert "calls_mixed_ids.client_id.csv: CLIENT_ID, 3 rows: sent as upload 1" in lines[1]
    assert any("calls_mixed_ids.yclid.csv: YCLID, 2 rows: sent as upload 2" in x for x in lines)
    assert [r["client_id_type"] for r in sandbox.stored()] == ["CLIENT_ID", "YCLID"]
    code, out, _ = upload(path=METRICA / "calls_mixed_ids.csv")  # each part found again
    assert code == 0 and out.count("already uploaded (same content)") == 2
    assert len(sandbox.stored()) == 2


def test_an_invalid_file_exits_1_with_the_report(url: str, sandbox: Sandbox) -> None:
    code, out, err = upload(path=METRICA / "defects" / "calls_defects.csv")
    assert code == 1
    assert "PhoneNumber|e164" in out and "not uploaded" in err
    assert "8 (495) 123-45-67" not in out + err
    assert sandbox.stored() == []
    code, out, _ = upload("--format", "json", path=METRICA / "defects" / "calls_defects.csv")
    assert code == 1 and json.loads(out)["rejected"]["invalid_rows"] > 0


def test_a_rejected_upload_or_a_bad_token_exits_1(
    url: str, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.set_fresh(5)  # the server refuses uploads to a fresh counter
    code, _, err = upload()
    assert code == 1 and "visit_join_threshold_unmet" in err
    sandbox.set_fresh(5, False)
    monkeypatch.setenv("METRICA_TOKEN", "not-the-right-token")
    code, _, err = upload()
    assert code == 1 and "Metrica 403 invalid_token" in err and "check the token" in err


def test_usage_errors_exit_2(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert upload("--kind", "conversions", "--goal-name", "x")[0] == 2
    assert upload(path=METRICA / "defects" / "calls_cp1251.csv")[0] == 2
    assert upload("--base-url", "http://metrica.example.com")[0] == 2
    monkeypatch.delenv("METRICA_TOKEN")
    code, _, err = upload()
    assert code == 2 and "METRICA_TOKEN" in err


def test_uploads_and_status(url: str) -> None:
    upload()
    code, out, _ = run("uploads", "--counter", "5")
    assert code == 0 and "PROCESSED" in out and "callframe cf" in out
    code, out, _ = run("uploads", "--counter", "5", "--format", "json")
    assert [u["id"] for u in json.loads(out)["uploads"]] == [1]
    code, out, _ = run("uploads", "--counter", "5", "--kind", "conversions")
    assert code == 0 and "no conversions uploads" in out
    code, out, _ = run("status", "1", "--counter", "5", "--wait")
    assert code == 0 and out.startswith("upload 1 (PROCESSED)")
    code, out, _ = run("status", "1", "--counter", "5", "--format", "json")
    assert json.loads(out)["status"] == "PROCESSED"
    code, _, err = run("status", "99", "--counter", "5")
    assert code == 1 and "404 not_found" in err


def test_sandbox_command_prints_its_url_and_serves(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "callframe",
            "sandbox",
            "--port",
            "0",
            "--token",
            TOKEN,
            "--db",
            str(tmp_path / "s.sqlite"),
            "--fresh-counter",
            "7",
            "--fresh-counter",
            "8",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:")
        path = "/management/v1/counter/1/offline_conversions/calls_uploadings"
        assert httpx.get(base + path).status_code == 401
        auth = {"Authorization": f"OAuth {TOKEN}"}
        ok = httpx.get(base + path, headers=auth)
        assert ok.json() == {"uploadings": []}
        for counter in (7, 8):  # fresh: uploads without the ignore parameter are refused
            upload = f"/management/v1/counter/{counter}/offline_conversions/upload_calls"
            files = {"file": ("data.csv", b"ClientId,DateTime\n1,1\n", "text/csv")}
            refused = httpx.post(base + upload, files=files, headers=auth)
            assert refused.json()["errors"][0]["error_type"] == "visit_join_threshold_unmet"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert TOKEN not in err
    assert (tmp_path / "s.sqlite").exists()


def test_sandbox_refuses_non_loopback_hosts() -> None:
    assert run("sandbox", "--host", "0.0.0.0")[0] == 2


def test_rows_metrica_drops_are_a_warning_line_and_exit_1_with_strict(
    url: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    # a static call without an ID goes with the ClientId part; the server drops it
    path = tmp_path / "calls.csv"
    path.write_text(
        f"ClientId,DateTime,StaticCall\n1795012345678901234,{NOW - 60},0\n,{NOW - 30},1\n"
    )
    code, out, _ = upload(path=path)
    assert code == 0
    assert "warning: Metrica counted 1 of 2 rows sent: 1 dropped" in out
    code, out, err = upload("--strict", "--force", path=path)
    assert code == 1 and "Metrica did not take every row (--strict)" in err
    code, out, _ = upload("--format", "json", path=path)
    assert code == 0 and json.loads(out)["partial"] is True


def test_a_comment_metrica_would_refuse_is_a_usage_error(url: str, sandbox: Sandbox) -> None:
    code, _, err = upload("--comment", "nightly [7]")
    assert code == 2 and "'[' (U+005B, left square bracket) at position 9" in err
    assert sandbox.requests["upload"] == 0


def test_a_fresh_counter_the_threshold_command_and_the_override(url: str, sandbox: Sandbox) -> None:
    sandbox.set_fresh(5, until=NOW + 86400)
    code, _, err = upload()
    assert code == 1 and "visit_join_threshold_unmet" in err
    assert "uploads become possible from 2026-11-24 12:00:00" in err
    assert "--ignore-visit-join-threshold" in err
    code, out, _ = run("threshold", "--counter", "5")
    assert (
        code == 0 and out.strip() == "calls uploads to counter 5 possible from: 2026-11-24 12:00:00"
    )
    code, out, _ = run("threshold", "--counter", "5", "--format", "json")
    assert json.loads(out)["date"] == "2026-11-24T12:00:00"
    code, out, _ = upload("--ignore-visit-join-threshold")
    assert code == 0 and "sent as upload 1" in out
    code, out, _ = run("threshold", "--counter", "5", "--kind", "conversions", "--enable-extended")
    assert code == 0 and out.startswith("extended conversions window enabled for counter 5")
    assert sandbox.counter_state(5)["basic_extended"]
    code, out, _ = run("threshold", "--counter", "5", "--disable-extended")
    assert code == 0 and not sandbox.counter_state(5)["calls_extended"]
    assert run("threshold", "--counter", "5", "--enable-extended", "--disable-extended")[0] == 2

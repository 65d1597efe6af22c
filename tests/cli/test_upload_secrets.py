"""``callframe upload``, ``uploads`` and ``status`` on every error path, in text and in JSON: bad
token, 5xx until the retries run out, 429 with a long ``Retry-After``, a timeout, an unreachable
host, a file rejected by the contract or by Metrica, an unreadable or missing file, no token, a
missing upload, plain http to a non-loopback host.

Each ends with the documented exit code and a line on stderr saying what went wrong (the JSON
outputs stay JSON), no traceback — and the token nowhere: not in stdout or stderr, not in any
log record captured at DEBUG (callframe, httpx, httpcore), not in any file written during the
run (the sandbox's state, temporary files, ``validate --output`` reports).

The commands run in-process against the sandbox on a real socket; the client is built with a
short timeout, one retry and no real sleeping, so the error paths are quick.
"""

from __future__ import annotations

import json
import logging
import socket
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callframe._cli import upload as upload_cli
from callframe.cli import app
from callframe.metrica.client import MetricaClient
from callframe.metrica.sandbox import Fault, Sandbox, serve

from ..conftest import FIXTURES, NOW

METRICA = FIXTURES / "metrica"
CALLS = METRICA / "calls_client_ids.csv"  # one ID type: one upload
TOKEN = "cli-secret-token-7d8e9f0a1b2c"
WRONG = "cli-wrong-token-3e4f5a6b7c8d"
runner = CliRunner()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = Sandbox(TOKEN, processing_seconds=0, clock=lambda: float(NOW), db=tmp_path / "state.db")
    yield box
    box.close()


@pytest.fixture
def url(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    with serve(sandbox) as base:
        monkeypatch.setenv("METRICA_TOKEN", TOKEN)
        monkeypatch.setenv("METRICA_BASE_URL", base)
        monkeypatch.setenv("COLUMNS", "200")
        monkeypatch.chdir(tmp_path)
        (tmp_path / "tmp").mkdir()
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # every temp file here
        yield base


@pytest.fixture(autouse=True)
def quick_client(monkeypatch: pytest.MonkeyPatch) -> None:
    def make(counter: int, base_url: str) -> MetricaClient:
        return MetricaClient(
            counter, base_url=base_url, timeout=0.5, max_retries=1, sleep=lambda s: None
        )

    monkeypatch.setattr(upload_cli, "_client", make)


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


Setup = Callable[[Sandbox, pytest.MonkeyPatch], Path | None]
"""Arranges the failure; may return the file to upload instead of the valid one."""


@dataclass(frozen=True)
class Case:
    code: int
    says: str
    setup: Setup
    commands: tuple[str, ...] = ("upload", "uploads", "status")


def _env(name: str, value: str | None) -> Setup:
    def setup(box: Sandbox, mp: pytest.MonkeyPatch) -> None:
        if value is None:
            mp.delenv(name)
        else:
            mp.setenv(name, value)

    return setup


def _fault(fault: Fault) -> Setup:
    def setup(box: Sandbox, mp: pytest.MonkeyPatch) -> None:
        box.inject(fault)

    return setup


def _file(path: Path) -> Setup:
    return lambda box, mp: path


def _metrica_rejects(box: Sandbox, mp: pytest.MonkeyPatch) -> None:
    box.set_fresh(5)  # the server refuses uploads to a fresh counter


def _unreachable(box: Sandbox, mp: pytest.MonkeyPatch) -> None:
    mp.setenv("METRICA_BASE_URL", closed_port())


CASES = {
    "bad token": Case(1, "403 invalid_token", _env("METRICA_TOKEN", WRONG)),
    "5xx until retries run out": Case(1, "Metrica 503", _fault(Fault("error", on="any", times=99))),
    "429": Case(1, "Metrica 429", _fault(Fault("rate_limit", on="any", retry_after=3600))),
    "timeout": Case(
        1,
        "ReadTimeout",
        _fault(Fault("delay", on="any", seconds=1.0, after_store=False, times=99)),
    ),
    "unreachable host": Case(1, "no answer from http://127.0.0.1", _unreachable),
    "rejected by the contract": Case(
        1, "PhoneNumber|e164", _file(METRICA / "defects" / "calls_defects.csv"), ("upload",)
    ),
    "rejected by metrica": Case(1, "visit_join_threshold_unmet", _metrica_rejects, ("upload",)),
    "unreadable file": Case(
        2, "not UTF-8", _file(METRICA / "defects" / "calls_cp1251.csv"), ("upload",)
    ),
    "missing file": Case(2, "no-such.csv", _file(Path("no-such.csv")), ("upload",)),
    "no token": Case(2, "METRICA_TOKEN", _env("METRICA_TOKEN", None)),
    "plain http elsewhere": Case(2, "clear text", _env("METRICA_BASE_URL", "http://10.0.0.1")),
    "no such upload": Case(1, "404 not_found", lambda box, mp: None, ("status",)),
}


def command(name: str, path: Path, fmt: str) -> list[str]:
    if name == "upload":
        args = ["upload", str(path), "--counter", "5", "--now", str(NOW), "--wait"]
        args += ["--poll-interval", "0", "--wait-timeout", "5"]
    elif name == "uploads":
        args = ["uploads", "--counter", "5"]
    else:
        args = ["status", "1", "--counter", "5", "--wait", "--poll-interval", "0"]
    return [*args, "--format", fmt]


PARAMS = [
    pytest.param(name, cmd, fmt, id=f"{cmd}-{fmt}-{name}")
    for name, case in CASES.items()
    for cmd in case.commands
    for fmt in ("text", "json")
]


def files_containing(folder: Path, secret: str) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


@pytest.mark.parametrize(("name", "cmd", "fmt"), PARAMS)
def test_every_error_path_fails_clearly_and_never_shows_the_token(
    name: str,
    cmd: str,
    fmt: str,
    url: str,
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    case = CASES[name]
    path = case.setup(sandbox, monkeypatch) or CALLS
    result = runner.invoke(app, command(cmd, path, fmt))
    out, err = result.stdout, result.stderr

    assert result.exit_code == case.code, (out, err)
    assert case.says in out + err
    assert "Traceback" not in out + err
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if err.strip():
        assert err.strip().splitlines()[-1].startswith("error: ")
    if fmt == "json" and out.strip():
        json.loads(out)  # still a JSON document
    texts = [out, err, caplog.text]
    texts += [r.getMessage() for r in caplog.records] + [repr(r.args) for r in caplog.records]
    for secret in (TOKEN, WRONG):
        assert [t for t in texts if secret in t] == []
        assert files_containing(tmp_path, secret) == []


def test_debug_logs_of_every_layer_are_captured_and_clean(
    url: str, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.inject(Fault("error", on="upload", after_store=True))  # stored, then a 5xx
    result = runner.invoke(app, command("upload", CALLS, "text"))
    assert result.exit_code == 0 and "stored (answer was lost" in result.stdout
    assert {r.name.split(".")[0] for r in caplog.records} >= {"callframe", "httpx", "httpcore"}
    assert TOKEN not in caplog.text + result.stdout + result.stderr


def test_successful_json_outputs_do_not_carry_the_token(url: str, tmp_path: Path) -> None:
    outputs = [
        runner.invoke(app, command("upload", CALLS, "json")).stdout,
        runner.invoke(app, command("uploads", CALLS, "json")).stdout,
        runner.invoke(app, command("status", CALLS, "json")).stdout,
    ]
    assert [json.loads(o) is not None for o in outputs] == [True, True, True]
    assert [o for o in outputs if TOKEN in o] == []
    assert files_containing(tmp_path, TOKEN) == []


@pytest.mark.parametrize("fmt", ["json", "junit"])
def test_validate_reports_written_with_the_token_in_the_environment_do_not_carry_it(
    fmt: str, url: str, tmp_path: Path
) -> None:
    report = tmp_path / f"report.{fmt}"
    defects = str(METRICA / "defects" / "calls_defects.csv")
    result = runner.invoke(app, ["validate", defects, "--format", fmt, "--output", str(report)])
    assert result.exit_code == 1 and report.stat().st_size > 0
    assert TOKEN not in result.stdout + result.stderr
    assert files_containing(tmp_path, TOKEN) == []

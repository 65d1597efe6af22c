"""Killing ``callframe upload`` mid-upload (SIGKILL: no cleanup, no goodbye) and running the same
job again leaves exactly one upload.

* Killed while its file was on the way (the sandbox had read part of the body): nothing is
  stored, and the re-run sends the file.
* Killed right after the sandbox stored the file, while the answer was slow in coming: the
  re-run finds the upload by its content hash and sends nothing.

The client is a real process running the command line, against the sandbox on 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from callframe.metrica.sandbox import Fault, Sandbox, serve

from ..conftest import FIXTURES, NOW

CALLS = FIXTURES / "metrica" / "calls_client_ids.csv"  # one ID type: one upload
TOKEN = "kill-test-token-1a2b3c4d5e6f"
COUNTER = 7
WAIT = 60.0
"""Seconds to wait for the client process to get somewhere (it starts in about one)."""


class Gate:
    """Wraps the sandbox: while closed, an upload's body is held after its first chunk (a server
    reading slowly), so the client is killed with its file part-way across."""

    def __init__(self, app: Sandbox) -> None:
        self.app = app
        self.open = threading.Event()
        self.body_started = threading.Event()
        self.first_chunk_was_partial = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        first = True

        async def held() -> Any:
            nonlocal first
            message = await receive()
            if first and message["type"] == "http.request":
                first = False
                self.first_chunk_was_partial = bool(message.get("more_body"))
                self.body_started.set()
                while not self.open.is_set():
                    await anyio.sleep(0.01)
            return message

        await self.app(scope, held, send)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(TOKEN, processing_seconds=0, clock=lambda: float(NOW))
    yield box
    box.close()


@pytest.fixture
def gate(sandbox: Sandbox) -> Gate:
    return Gate(sandbox)


@pytest.fixture
def url(gate: Gate) -> Iterator[str]:
    with serve(gate) as base:  # type: ignore[arg-type]
        yield base


@pytest.fixture
def server_errors(url: str) -> Iterator[list[logging.LogRecord]]:
    """ERROR records of uvicorn (no propagation to the root; handlers reset when it starts)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def job(path: Path, url: str) -> subprocess.Popen[str]:
    """The nightly job: ``callframe upload`` in its own process (token from the environment)."""
    env = {**os.environ, "METRICA_TOKEN": TOKEN, "METRICA_BASE_URL": url}
    args = ["upload", str(path), "--counter", str(COUNTER), "--now", str(NOW), "--format", "json"]
    return subprocess.Popen(
        [sys.executable, "-m", "callframe", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(what: Callable[[], bool], proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + WAIT
    while not what():
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"the client ended first (exit {proc.returncode}): {err}")
        if time.monotonic() > deadline:
            proc.kill()
            proc.communicate()
            pytest.fail("the client got nowhere in time")
        time.sleep(0.01)


def kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=WAIT)
    assert proc.returncode == -signal.SIGKILL


def rerun(path: Path, url: str) -> dict[str, Any]:
    proc = job(path, url)
    out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    assert TOKEN not in out + err
    [part] = json.loads(out)["parts"]
    return part  # type: ignore[no-any-return]


def big_calls_file(folder: Path, size: int = 4 * 1024 * 1024) -> Path:
    """A valid calls file of about ``size`` bytes: its body cannot arrive in one piece."""
    header, *rows = CALLS.read_text(encoding="utf-8").splitlines(keepends=True)
    block = "".join(rows)
    path = folder / "calls_big.csv"
    path.write_text(header + block * (size // len(block) + 1), encoding="utf-8")
    return path


def test_killed_while_the_file_was_on_the_way_nothing_is_stored_and_the_rerun_sends_it(
    sandbox: Sandbox,
    gate: Gate,
    url: str,
    server_errors: list[logging.LogRecord],
    tmp_path: Path,
) -> None:
    path = big_calls_file(tmp_path)
    proc = job(path, url)
    wait_for(gate.body_started.is_set, proc)
    assert gate.first_chunk_was_partial  # the sandbox has part of the body, not all of it
    kill(proc)
    gate.open.set()  # the sandbox reads on, and finds its client gone
    deadline = time.monotonic() + WAIT
    while sandbox.in_flight and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sandbox.in_flight == 0 and sandbox.stored() == []
    assert server_errors == []

    part = rerun(path, url)
    assert part["outcome"] == "sent"
    [stored] = sandbox.stored()
    assert stored["id"] == part["upload"]["id"] and stored["size"] == path.stat().st_size


def test_killed_after_the_upload_was_stored_the_rerun_finds_it_and_sends_nothing(
    sandbox: Sandbox, gate: Gate, url: str
) -> None:
    gate.open.set()
    sandbox.inject(Fault("delay", seconds=5, after_store=True))  # stored, answered late
    proc = job(CALLS, url)
    wait_for(lambda: len(sandbox.stored()) == 1, proc)
    kill(proc)

    part = rerun(CALLS, url)
    assert part["outcome"] == "found"
    [stored] = sandbox.stored()
    assert stored["id"] == part["upload"]["id"]
    assert sandbox.requests["upload"] == 1  # the re-run sent nothing

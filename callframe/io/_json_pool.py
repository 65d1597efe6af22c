"""Worker processes that parse batches of JSON records for :mod:`callframe.io._json`.

Parsing JSON into Python objects holds the interpreter's lock, so a large export is parsed on
every core by plain child processes (``python -m callframe.io._json_pool``, not
:mod:`multiprocessing`: no fork of a process running polars' threads, and no import of the
user's ``__main__``). The parent sends the UTF-8 text of a run of records and a temporary
file's path; the child parses,
flattens and writes them there as Arrow IPC (the same code as in the parent) and answers with
the column names it met and the number of records, or with why it could not (then the parent
reads the file again without workers, so every answer is the one a single process gives).
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path
from typing import IO

__all__ = ["Pool", "PoolError"]


class PoolError(Exception):
    """A worker could not parse a batch (a cut inside a record, or not JSON): read again."""


class Pool:
    """``workers`` child processes, given batches round-robin; answers are taken in order."""

    def __init__(self, workers: int) -> None:
        self.procs = [
            subprocess.Popen(
                [sys.executable, "-m", "callframe.io._json_pool"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        self.turn = 0
        self.closed = False

    def submit(self, data: bytes, path: Path) -> int:
        """Send one batch (the records' UTF-8 text, without the brackets); the worker's index."""
        index = self.turn
        self.turn = (self.turn + 1) % len(self.procs)
        stdin = self.procs[index].stdin
        assert stdin is not None
        try:
            stdin.write(f"{len(data)} {path}\n".encode())
            stdin.write(data)
            stdin.flush()
        except OSError:
            raise PoolError("a worker is gone") from None
        return index

    def result(self, index: int) -> tuple[list[str], int]:
        """The answer to the oldest batch sent to worker ``index``."""
        stdout = self.procs[index].stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            raise PoolError("a worker is gone")
        answer = json.loads(line)
        if not answer["ok"]:
            raise PoolError(answer["why"])
        return list(answer["names"]), int(answer["count"])

    def close(self) -> None:
        """End the workers once they have finished what they were sent (again: nothing)."""
        if self.closed:
            return
        self.closed = True
        for proc in self.procs:
            if proc.stdin is not None:
                proc.stdin.close()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


def _serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """Answer batches until the parent closes ``stdin``. The cyclic garbage collector is off
    while a batch is parsed: its passes over the batch's records (which hold no cycles, and
    are freed with it) took a fifth of a worker's time; the modules are frozen out of its
    passes between batches."""
    from callframe.io._json import spill_batch

    gc.freeze()
    while header := stdin.readline():
        size, path = header.decode().rstrip("\n").split(" ", 1)
        data = stdin.read(int(size))
        gc.disable()
        try:
            names, count = spill_batch(data, Path(path))
            answer: dict[str, object] = {"ok": True, "names": names, "count": count}
        except Exception as exc:  # any failure: the parent reads alone
            answer = {"ok": False, "why": type(exc).__name__}
        finally:
            gc.enable()
        stdout.write(json.dumps(answer).encode() + b"\n")
        stdout.flush()


if __name__ == "__main__":  # pragma: no cover - runs in the child processes
    _serve(sys.stdin.buffer, sys.stdout.buffer)

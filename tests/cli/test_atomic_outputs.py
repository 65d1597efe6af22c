"""An interrupted ``callframe convert`` leaves either the old output files or the new ones."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from callframe.cli import app

from ..conftest import FIXTURES

runner = CliRunner()
EXPORT = FIXTURES / "calltouch" / "calls.json"


@pytest.mark.parametrize("fail_on_call", [1, 2])
def test_interrupted_write_keeps_old_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_on_call: int
) -> None:
    out, rejected = tmp_path / "calls.csv", tmp_path / "rejected.csv"
    out.write_text("old calls\n")
    rejected.write_text("old rejected\n")
    real_write, real_sink = pl.DataFrame.write_csv, pl.LazyFrame.sink_csv
    files: list[object] = []  # the files written to (a path, or an open file written in batches)

    def interrupt(file: object) -> None:
        """Ctrl-C on the first write to the ``fail_on_call``-th file, with part of the data
        written (to a path, or to the open file)."""
        key = str(file) if isinstance(file, str | Path) else id(file)
        if key in files:
            return
        files.append(key)
        if len(files) == fail_on_call:
            if hasattr(file, "write"):
                file.write(b"half a fi")
            else:
                Path(str(file)).write_text("half a fi")
            raise KeyboardInterrupt

    def write_then_crash(self: pl.DataFrame, file: object = None, **kwargs: object) -> object:
        interrupt(file)
        return real_write(self, file, **kwargs)  # type: ignore[arg-type]

    def sink_then_crash(self: pl.LazyFrame, path: object, **kwargs: object) -> object:
        interrupt(path)
        return real_sink(self, path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pl.DataFrame, "write_csv", write_then_crash)
    monkeypatch.setattr(pl.LazyFrame, "sink_csv", sink_then_crash)
    args = ["convert", str(EXPORT), "-o", str(out), "--rejected", str(rejected)]
    result = runner.invoke(app, [*args, "--tz", "Europe/Moscow"])
    assert result.exit_code == 130  # Ctrl-C, as the shell reports it
    texts = {out.read_text(), rejected.read_text()}
    assert "half a fi" not in texts
    if fail_on_call == 1:
        assert texts == {"old calls\n", "old rejected\n"}
    else:  # the calls file was replaced whole; the rejected file is still the old one
        assert rejected.read_text() == "old rejected\n"
        assert out.read_text().startswith("UserId,ClientId") or out.read_text().startswith(
            "ClientId"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.csv", "rejected.csv"]

"""Fuzz ``validate`` and ``callframe validate``: a CallframeError naming the file, or a report
in which rows in = valid rows + rejected rows. Never another exception, never a hang.

``make test`` runs a small budget; ``make fuzz`` sets ``CALLFRAME_FUZZ_EXAMPLES=10000``. Inputs that
once failed live in ``tests/corpus/validate/`` and are replayed on every run.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

import callframe
from callframe.cli import app

from ..conftest import NOW, ROOT
from .conftest import TALLY
from .inputs import BUDGET, hostile_bytes, wide_header, written

SECONDS_PER_INPUT = 20
CORPUS = ROOT / "tests" / "corpus" / "validate"
runner = CliRunner()


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def fail(signum: int, frame: object) -> None:
        raise TimeoutError(f"input took longer than {seconds}s")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check_api(path: Path) -> str:
    """Run validate() on ``path``; return the outcome. Fails the test on a broken invariant."""
    try:
        outcome = _check_api(path)
    except BaseException:
        TALLY["validate()"]["UNEXPECTED"] += 1
        raise
    TALLY["validate()"][outcome] += 1
    return outcome


def _check_api(path: Path) -> str:
    with time_limit(SECONDS_PER_INPUT):
        try:
            report = callframe.validate(path, now=NOW)
        except callframe.CallframeError as exc:
            assert str(path) in str(exc), f"error does not name the file: {exc}"
            return type(exc).__name__
        assert report.n_valid + report.n_rejected == report.n_rows
        assert report.valid.height == report.n_valid
        assert report.rejected.height == report.n_rejected
        report.to_json()
        report.to_text()
        return "report"


def check_cli(path: Path) -> int:
    with time_limit(SECONDS_PER_INPUT):
        result = runner.invoke(app, ["validate", str(path), "--format", "json", "--now", str(NOW)])
    output = result.stdout + result.stderr
    broken = (
        result.exit_code not in (0, 1, 2) or "Traceback" in output or "internal error" in output
    )
    TALLY["callframe validate"]["UNEXPECTED" if broken else f"exit {result.exit_code}"] += 1
    assert not broken, output
    return result.exit_code


@settings(
    max_examples=BUDGET, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
@given(hostile_bytes)
def test_validate_never_crashes(data: bytes) -> None:
    with written(data, "input.csv") as path:
        check_api(path)


@settings(
    max_examples=BUDGET,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
@given(hostile_bytes)
def test_cli_validate_never_crashes(data: bytes) -> None:
    with written(data, "input.csv") as path:
        check_cli(path)


def test_ten_thousand_columns(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes(wide_header())
    assert check_api(path) == "report"
    report = callframe.validate(path, now=NOW)
    assert report.errors.filter(report.errors["rule"] == "*|unknown_column").height == 10_000


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*")), ids=lambda p: p.name)
def test_corpus_replays(path: Path) -> None:
    check_api(path)
    check_cli(path)

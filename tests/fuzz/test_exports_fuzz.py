"""Fuzz the tracker side: ``read_export``, ``detect``, ``convert`` and ``callframe convert``.

The invariant: a CallframeError subclass whose message names the file, or (for convert) a
Conversion in which rows in = rows out + rows rejected. Never another exception, never a hang.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import callframe
from callframe.cli import app

from ..conftest import NOW, ROOT
from .conftest import TALLY
from .inputs import BUDGET, CELLS, hostile_bytes, written
from .test_validate_fuzz import SECONDS_PER_INPUT, time_limit

runner = CliRunner()
CORPUS = ROOT / "tests" / "corpus" / "exports"
SUFFIXES = [".csv", ".txt", ".json", ".xlsx", ".csv.gz", ".zip"]
TRACKER_NAMES = [
    "callerNumber",
    "successful",
    "timestamp",
    "yaClientId",
    "date",
    "duration",
    "waitingConnect",
    "start_time",
    "is_lost",
    "ym_client_id",
    "contact_phone_number",
    "caller",
    "calldate",
    "disposition",
    "visit.metrika_client_id",
]


@st.composite
def json_exports(draw: st.DrawFn) -> bytes:
    value = st.sampled_from(CELLS) | st.integers() | st.booleans() | st.none() | st.floats()
    record = st.dictionaries(
        st.sampled_from(TRACKER_NAMES),
        value | st.dictionaries(st.text(max_size=5), value),
        max_size=8,
    )
    records = st.lists(record, max_size=6)
    shape = draw(st.sampled_from(["bare", "records", "result", "keyed", "scalar", "nested"]))
    data = draw(records)
    document: object = {
        "bare": data,
        "records": {"records": data},
        "result": {"result": {"data": data}},
        "keyed": {str(i): r for i, r in enumerate(data)},
        "scalar": draw(value),
        "nested": [[data]],
    }[shape]
    return json.dumps(document, ensure_ascii=draw(st.booleans())).encode()


@st.composite
def tracker_csv(draw: st.DrawFn) -> bytes:
    header = draw(st.lists(st.sampled_from(TRACKER_NAMES), min_size=1, max_size=10, unique=True))
    cell = st.sampled_from(CELLS) | st.text(max_size=12)
    rows = draw(st.lists(st.lists(cell, min_size=len(header), max_size=len(header)), max_size=6))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    lines = [
        sep.join(header),
        *(sep.join('"' + v.replace('"', '""') + '"' for v in r) for r in rows),
    ]
    return "\n".join(lines).encode(draw(st.sampled_from(["utf-8", "cp1251"])), errors="replace")


@st.composite
def packed(draw: st.DrawFn) -> bytes:
    """An export gzipped or zipped (one file or several), whole or cut short anywhere."""
    inner = draw(hostile_bytes | tracker_csv())
    if draw(st.booleans()):
        data = gzip.compress(inner)
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for i in range(draw(st.integers(0, 2)) + 1):
                archive.writestr(f"calls{i}.csv", inner)
        data = buffer.getvalue()
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


exports = hostile_bytes | json_exports() | tracker_csv() | packed()
TRACKERS = [
    None,
    "calltouch",
    "comagic",
    "mango",
    "roistat",
    "ringostat",
    "calltracking_ru",
    "callibri",
]


def _record(entry: str, outcome: str) -> None:
    TALLY[entry][outcome] += 1


def check_convert(path: Path, tracker: str | None = None) -> None:
    with time_limit(SECONDS_PER_INPUT):
        for entry, call in (
            ("read_export()", lambda: callframe.read_export(path)),
            ("detect()", lambda: callframe.detect(callframe.read_export(path))),
            (
                "convert()",
                lambda: callframe.convert(path, tracker=tracker, tz="Europe/Moscow", now=NOW),
            ),
        ):
            try:
                result = call()
            except callframe.CallframeError as exc:
                _record(entry, type(exc).__name__)
                assert str(path) in str(exc) or path.name in str(exc), f"{entry}: {exc}"
                continue
            except BaseException:
                _record(entry, "UNEXPECTED")
                raise
            _record(entry, "ok")
            if entry == "convert()":
                conversion = result
                assert conversion.n_rows == conversion.n_valid + conversion.n_rejected  # type: ignore[attr-defined]


@settings(
    max_examples=BUDGET, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
@given(exports, st.sampled_from(SUFFIXES), st.sampled_from(TRACKERS))
def test_read_detect_convert_never_crash(data: bytes, suffix: str, tracker: str | None) -> None:
    with written(data, f"export{suffix}") as path:
        check_convert(path, tracker)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*")), ids=lambda p: p.name)
def test_corpus_replays(path: Path) -> None:
    for tracker in TRACKERS[:2]:
        check_convert(path, tracker)


@settings(
    max_examples=BUDGET, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
@given(exports, st.sampled_from(SUFFIXES))
def test_cli_convert_never_crashes(data: bytes, suffix: str) -> None:
    with written(data, f"export{suffix}") as path, time_limit(SECONDS_PER_INPUT):
        out = path.with_name("out.csv")
        result = runner.invoke(
            app, ["convert", str(path), "--tz", "Europe/Moscow", "-o", str(out), "--format", "json"]
        )
    output = result.stdout + result.stderr
    broken = (
        result.exit_code not in (0, 1, 2) or "Traceback" in output or "internal error" in output
    )
    _record("callframe convert", "UNEXPECTED" if broken else f"exit {result.exit_code}")
    assert not broken, output

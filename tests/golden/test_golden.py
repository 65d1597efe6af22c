"""Golden files: every fixture export converts to exactly what it converted to when recorded.

Recorded before the conversion engine is rewritten as one lazy query (issue 14), so that the
rewrite can prove it changes nothing: for each case of :mod:`tests.golden.cases` (every fixture
export with the option sets the other tests use, ``--ids`` enrichment, ``static=``,
``keep_outbound=``, inputs longer than polars' first chunk, and the real exports of
``fixtures/real/manifest.toml`` when it exists), the calls CSV written by
``callframe.convert_file``, the rejected rows file and the summary (``to_dict()``, every error
and warning by row, column, rule and masked value, the CLI's exit code and JSON document) are
compared with ``tests/golden/data/<tracker>/<case>.*``: bytes for the CSVs, equality for the
JSON. The three ways of converting must agree with each other as well: ``convert()`` in memory
(``Conversion.write_csv``, ``write_csv(conversion.valid)``, ``rejected``), ``convert_file()``
and ``callframe convert``.

Record with ``python -m tests.golden.record`` (all cases, or ``… record asterisk`` for the cases
whose name contains ``asterisk``). Re-record only when a behaviour change is intended, and name
it in the commit. (They will be re-recorded once, when issue 13 lands: its Asterisk leg rules,
direction and detection change these outputs on purpose, and it brings ``fixtures/real/``.)
"""

from __future__ import annotations

import difflib
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from .cases import (
    CASES,
    DATA,
    Case,
    Run,
    fixture_exports,
    golden_files,
    manifest_entries,
    real_cases,
    run,
)

RECORD = "python -m tests.golden.record"


@pytest.fixture(scope="module")
def runs() -> dict[str, Run]:
    return {}


def _run(runs: dict[str, Run], case: Case) -> Run:
    if case.name not in runs:
        runs[case.name] = run(case)
    return runs[case.name]


def _text(data: bytes, big: bool) -> bytes:
    return gzip.decompress(data) if big else data


def _diff(case: str, kind: str, want: bytes, got: bytes) -> str:
    lines = difflib.unified_diff(
        want.decode("utf-8", "replace").splitlines(),
        got.decode("utf-8", "replace").splitlines(),
        f"golden {case}.{kind}",
        f"now {case}.{kind}",
        lineterm="",
        n=1,
    )
    shown = list(lines)
    more = f"\n… {len(shown) - 60} more diff lines" if len(shown) > 60 else ""
    return (
        f"{case}: the {kind} differs from the golden file (re-record with `{RECORD} {case}` "
        "only if the change is intended, and name it in the commit):\n"
        + "\n".join(shown[:60])
        + more
    )


def _pretty(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_outputs_equal_the_golden_files(runs: dict[str, Run], case: Case) -> None:
    files = case.files()
    missing = [p.name for k, p in files.items() if k == "summary" and not p.exists()]
    assert not missing, f"{case.name}: no golden files; record them with `{RECORD} {case.name}`"
    got = _run(runs, case)
    summary = json.loads(_text(files["summary"].read_bytes(), case.big))
    now = json.loads(_text(got.golden["summary"], case.big))
    assert now == summary, _diff(case.name, "summary.json", _pretty(summary), _pretty(now))
    for kind in ("calls", "rejected"):
        path = files[kind]
        if "error" in summary:  # the case raised when recorded: no CSVs then, none now
            assert kind not in got.golden and not path.exists()
            continue
        want = _text(path.read_bytes(), case.big)
        have = _text(got.golden[kind], case.big)
        assert have == want, _diff(case.name, f"{kind}.csv", want, have)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_convert_convert_file_and_the_cli_agree(runs: dict[str, Run], case: Case) -> None:
    got = _run(runs, case)
    summary = json.loads(_text(got.golden["summary"], case.big))
    memory, cli = got.memory, got.cli
    if "error" in summary:
        assert memory.get("error") == summary["error"], case.name
        assert cli["exit_code"] == 2 and cli["calls"] is None, case.name
        return
    calls = _text(got.golden["calls"], case.big)
    rejected = _text(got.golden["rejected"], case.big)
    assert cli["exit_code"] == (1 if summary["convert"]["rows_rejected"] else 0), case.name
    assert cli["calls"] == calls, _diff(case.name, "CLI calls.csv", calls, cli["calls"])
    assert cli["rejected"] == rejected, _diff(case.name, "CLI rejected", rejected, cli["rejected"])
    document = dict(cli["document"])
    assert document.pop("enrich") == summary["enrich"], case.name
    assert document.pop("output") == ["<tmp>/cli.csv"], case.name
    document.pop("rejected_path")
    assert document == summary["convert"], case.name
    # in memory: the same counts, failures and rejected rows; the same calls unless enriched
    assert memory["convert"] == summary["convert"], case.name
    assert (memory["errors"], memory["warnings"]) == (summary["errors"], summary["warnings"])
    assert memory["rejected"] == rejected, _diff(
        case.name, "rejected", rejected, memory["rejected"]
    )
    assert memory["calls"] == memory["calls_from_frame"], case.name
    if case.ids is None:
        assert memory["calls"] == calls, _diff(case.name, "convert() calls", calls, memory["calls"])


def test_every_fixture_export_has_a_case() -> None:
    covered = {c.export for c in CASES}
    assert [e for e in fixture_exports() if e not in covered] == []


def test_every_golden_file_belongs_to_a_case() -> None:
    expected = {p for c in CASES for k, p in c.files().items()}
    stale = sorted(str(p.relative_to(DATA)) for p in golden_files() - expected)
    assert stale == [], f"golden files of no case: {stale} (re-record with `{RECORD}`)"


def test_real_exports_come_from_the_manifest(tmp_path: Path) -> None:
    assert real_cases(tmp_path / "real") == []  # no manifest (before issue 13): no real cases
    doc = {
        "export": [{"path": "asterisk/a.csv", "tz": "UTC", "note": "x"}, "not a table"],
        "cases": {"sipuni/b.csv": {"options": {"tz": "Europe/Moscow"}}},
    }
    assert list(manifest_entries(doc)) == [
        {"path": "asterisk/a.csv", "tz": "UTC", "note": "x"},
        {"path": "sipuni/b.csv", "options": {"tz": "Europe/Moscow"}},
    ]


def test_real_cases_read_issue_13s_manifest_format(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "manifest.toml").write_text(
        '[[export]]\nfile = "asterisk/Master.csv"\ntracker = "asterisk"\n'
        'options = { tz = "UTC", now = 1706486400 }\n'
        '[[export]]\nfile = "calltouch/dump.csv"\ntracker = "none"\noptions = {}\n',
        encoding="utf-8",
    )
    master, dump = real_cases(real)
    assert (master.name, master.options, master.now) == (
        "real/asterisk/Master-csv",
        {"tracker": "asterisk", "tz": "UTC"},
        1706486400,
    )
    assert (dump.name, dump.options) == ("real/calltouch/dump-csv", {})  # detection must refuse

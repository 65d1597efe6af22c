"""The golden cases: every fixture export with the option sets the tests use, and how to run one.

A case is an export (a fixture, or an input built from one) plus the options of ``convert``.
:func:`run` converts it the ways a user can — ``callframe.convert`` + ``Conversion.write_csv``
(in memory), ``callframe.convert_file`` (file to file) and ``callframe convert`` (the CLI) — and
returns what the golden files hold: the written calls CSV, the rejected rows file and a summary
(``to_dict()`` of the result, every error and warning by row and rule, the CLI's exit code and
JSON document). The other two ways are returned beside it, so the test can check that all three
agree (``Run.memory``, ``Run.cli``).

Sources of the option sets: ``tests/trackers/test_fixtures.py`` (tz/region/mapping per export),
``test_pbx_fixtures.py`` (PBX and CRM exports; ``enrich`` with ``ids.csv``),
``tests/trackers/test_convert.py`` (``static=True``, ``keep_outbound=True``),
``tests/trackers/test_convert_file.py`` (exports longer than polars' first chunk) and
``tests/cli/test_convert*.py`` (``--static``, ``--ids``, ``--within 5m``).

Real exports (``fixtures/real/``, issue 13) come from ``fixtures/real/manifest.toml`` when it
exists: an array of tables (``[[export]]``, or ``exports``/``case``/``cases``/``file``/``files``),
each with ``file`` (or ``path``; relative to ``fixtures/real``) and optionally the options of
``convert`` (``tracker``, ``tz``, ``region``, ``static``, ``mapping``, ``keep_outbound``; directly
or in an ``options``/``convert`` table) and the ``now`` of the case (in ``options``, as the
manifest of issue 13 writes it). ``tracker = "none"`` means no adapter may take the export: the
case is converted with detection and records the error it raises. Without the manifest there
are no real cases.
"""

from __future__ import annotations

import gzip
import json
import re
import tempfile
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

import callframe
from callframe.cli import app

from ..conftest import FIXTURES, NOW, ROOT

__all__ = [
    "CASES",
    "DATA",
    "Case",
    "Run",
    "fixture_exports",
    "golden_files",
    "manifest_entries",
    "real_cases",
    "run",
]

DATA = Path(__file__).resolve().parent / "data"
REAL = FIXTURES / "real"
OPTION_KEYS = ("tracker", "tz", "region", "static", "mapping", "keep_outbound")
MSK = {"tz": "Europe/Moscow"}
KYIV_UA = {"tz": "Europe/Kyiv", "region": "UA"}


@dataclass(frozen=True)
class Case:
    """One export and the options it is converted with.

    ``export``: the path relative to ``fixtures/`` (or a name under the temporary folder when
    ``make`` builds the input). ``ids``/``within``: enrich the calls from this ids file (the
    CLI's ``--ids``). ``big``: the outputs are stored gzipped (inputs built to be read in
    inputs are a few hundred KB).
    """

    name: str  # <tracker>/<case>: the golden files are data/<name>.*
    export: str
    options: Mapping[str, Any] = field(default_factory=dict)
    ids: str | None = None
    within: str | None = None
    make: Callable[[Path], Path] | None = None
    big: bool = False
    now: int = NOW

    def source(self, tmp: Path) -> Path:
        return self.make(tmp) if self.make is not None else FIXTURES / self.export

    def files(self) -> dict[str, Path]:
        """The golden files of this case, by kind."""
        gz = ".gz" if self.big else ""
        return {
            "calls": DATA / f"{self.name}.calls.csv{gz}",
            "rejected": DATA / f"{self.name}.rejected.csv{gz}",
            "summary": DATA / f"{self.name}.summary.json{gz}",
        }


def _name(export: str, suffix: str = "") -> str:
    folder, file = export.rsplit("/", 1)
    return f"{folder}/{file.replace('.', '-')}{suffix}"


def _case(export: str, suffix: str = "", **options: Any) -> Case:
    return Case(_name(export, suffix), export, options)


# --- inputs longer than polars' first chunk (as tests/trackers/test_convert_file.py) ---


def _long_ringostat(tmp: Path) -> Path:
    header, *lines = (FIXTURES / "ringostat/calls.csv").read_text(encoding="utf-8").splitlines()
    path = tmp / "ringostat.csv"
    path.write_text("\n".join([header, *(lines * 150)]) + "\n", encoding="utf-8")
    return path


def _long_calltouch(tmp: Path) -> Path:
    """Calltouch's CSV fixture in UTF-8, 300 copies; the second half without ``timestamp``
    (those rows take the time from the local ``date``)."""
    header, *lines = (FIXTURES / "calltouch/calls_cp1251.csv").read_text("cp1251").splitlines()
    rows = [line.split(";") for line in lines * 300]
    at = header.split(";").index("timestamp")
    for row in rows[len(rows) // 2 :]:
        row[at] = ""
    path = tmp / "calltouch.csv"
    path.write_text("\n".join([header, *(";".join(r) for r in rows)]) + "\n", encoding="utf-8")
    return path


_MAP = {
    "alloka": {"mapping": "generic/alloka.toml"},
    "journal_ui": {"mapping": "generic/journal_ui.toml"},
    "messenger_crm": {"mapping": "generic/messenger_crm.toml"},
}

PBX = [
    ("asterisk/Master.csv", MSK),
    ("freepbx/cdr.csv", MSK),
    ("sipuni/statistic.csv", MSK),
    ("zadarma/stats.json", MSK),
    ("mango_vpbx/stats.csv", {}),
    ("bitrix24/statistic.json", {}),
    ("amocrm/notes.json", {}),
    ("binotel/calls.json", {}),
]

FIXTURE_CASES: list[Case] = [
    # tests/trackers/test_fixtures.py
    _case("calltouch/calls.json", **MSK),
    _case("calltouch/calls_cp1251.csv", **MSK),
    _case("calltouch/calls.xlsx", **MSK),
    _case("comagic/calls.json", tz="Asia/Yekaterinburg"),
    _case("mango/calls.json"),
    _case("roistat/calls.json"),
    _case("roistat/calls_cp1251.csv"),
    _case("roistat/calls.xlsx"),
    _case("ringostat/calls.csv", **KYIV_UA),
    _case("ringostat/calls_cp1251.csv", **KYIV_UA),
    _case("ringostat/calls.xlsx", **KYIV_UA),
    _case("calltracking_ru/calls.json"),
    _case("callibri/calls.json"),
    _case("generic/alloka.csv", **_MAP["alloka"]),
    _case("generic/journal_ui_cp1251.csv", **_MAP["journal_ui"]),
    _case("generic/journal_ui.xlsx", **_MAP["journal_ui"]),
    _case("generic/messenger_crm.csv", **_MAP["messenger_crm"]),
    _case("generic/messenger_crm.xlsx", **_MAP["messenger_crm"]),
    # tests/trackers/test_pbx_fixtures.py: the static case and the enriched case
    *(_case(export, **options) for export, options in PBX),
    *(
        Case(_name(export, "+ids"), export, options, ids=export.rsplit("/", 1)[0] + "/ids.csv")
        for export, options in PBX
    ),
    # tests/cli/test_convert_ids.py: a narrow window
    Case(
        _name("sipuni/statistic.csv", "+ids-within-5m"),
        "sipuni/statistic.csv",
        MSK,
        ids="sipuni/ids.csv",
        within="5m",
    ),
    # tests/trackers/test_convert.py and tests/cli/test_convert.py: static=, keep_outbound=
    _case("ringostat/calls.csv", "+static", static=True, **KYIV_UA),
    _case("callibri/calls.json", "+static", static=True),
    _case("calltouch/calls.json", "+static", static=True, **MSK),
    _case("comagic/calls.json", "+keep-outbound", tz="Asia/Yekaterinburg", keep_outbound=True),
    _case("asterisk/Master.csv", "+keep-outbound", keep_outbound=True, **MSK),
    # tests/trackers/test_convert_file.py: longer than polars' first chunk
    Case("ringostat/long-csv", "ringostat.csv", KYIV_UA, make=_long_ringostat, big=True),
    Case(
        "ringostat/long-csv+static",
        "ringostat.csv",
        {**KYIV_UA, "static": True},
        make=_long_ringostat,
        big=True,
    ),
    Case("calltouch/long-csv", "calltouch.csv", MSK, make=_long_calltouch, big=True),
]


def manifest_entries(doc: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The tables of a manifest that describe one export each."""
    for key in ("export", "exports", "case", "cases", "file", "files"):
        items = doc.get(key)
        if isinstance(items, list):
            yield from (i for i in items if isinstance(i, Mapping))
        elif isinstance(items, Mapping):  # [exports."asterisk/x.csv"] tables keyed by path
            for path, item in items.items():
                if isinstance(item, Mapping):
                    yield {"path": path, **item}


def _under_fixtures(path: Path) -> str:
    """``path`` relative to ``fixtures/`` (absolute when it is elsewhere: ``FIXTURES / it``
    is then the path itself)."""
    return str(path.relative_to(FIXTURES)) if path.is_relative_to(FIXTURES) else str(path)


def real_cases(real: Path = REAL) -> list[Case]:
    """The real exports listed in ``real/manifest.toml`` (none when it does not exist)."""
    manifest = real / "manifest.toml"
    if not manifest.is_file():
        return []
    doc = tomllib.loads(manifest.read_text(encoding="utf-8"))
    cases: list[Case] = []
    for entry in manifest_entries(doc):
        path = entry.get("path") or entry.get("file") or entry.get("export")
        if not isinstance(path, str):
            continue
        nested = entry.get("options", entry.get("convert", {}))
        merged = {**entry, **(nested if isinstance(nested, Mapping) else {})}
        options = {k: merged[k] for k in OPTION_KEYS if k in merged}
        if options.get("tracker") == "none":  # no adapter may take it: detection must refuse
            del options["tracker"]
        now = merged.get("now", NOW)
        if "tracker_options" in merged and "tracker" in options:  # the adapter's own options
            options["tracker"] = f"{options['tracker']}:{merged['tracker_options']}"
        if "mapping" in options:
            options["mapping"] = _under_fixtures(real / options["mapping"])
        export = _under_fixtures(real / path)
        name = "real/" + re.sub(r"[^\w/+-]", "-", path)
        cases.append(Case(name, export, options, now=now if isinstance(now, int) else NOW))
    return cases


CASES: list[Case] = [*FIXTURE_CASES, *real_cases()]

_NOT_EXPORTS = re.compile(r"(\.expected(\.issues|\.enriched)?\.csv|/ids\.csv|\.toml|\.md)$")


def fixture_exports() -> list[str]:
    """Every tracker export under ``fixtures/<tracker>/`` (not the expected files, the ids
    tables, the mappings, nor ``metrica/``, ``tls/`` and ``real/``)."""
    found = []
    for path in sorted(FIXTURES.glob("*/*")):
        rel = path.relative_to(FIXTURES).as_posix()
        if path.parent.name in ("metrica", "tls", "real") or not path.is_file():
            continue
        if _NOT_EXPORTS.search(rel) or rel.endswith(".expected.csv"):
            continue
        found.append(rel)
    return found


def golden_files() -> set[Path]:
    """Every file under ``data/``."""
    return {p for p in DATA.rglob("*") if p.is_file()}


# --- running a case ----------------------------------------------------------------------------


@dataclass
class Run:
    """What one case gave: ``golden`` (file kind → bytes, as stored; convert_file's outputs),
    and the same made by ``convert()`` in memory (``memory``) and by the CLI (``cli``)."""

    golden: dict[str, bytes]
    memory: dict[str, Any]
    cli: dict[str, Any]


def _options(case: Case) -> dict[str, Any]:
    options = dict(case.options)
    if "mapping" in options:
        options["mapping"] = FIXTURES / options["mapping"]
    return options


def _normalise(value: Any, tmp: Path) -> Any:
    """Paths made independent of the checkout and of the temporary folder."""
    if isinstance(value, dict):
        return {k: _normalise(v, tmp) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v, tmp) for v in value]
    if isinstance(value, str):
        return value.replace(f"{tmp}/", "<tmp>/").replace(f"{ROOT}/", "")
    return value


def _failures(frame: Any) -> list[list[Any]]:
    return [list(r) for r in frame.select("row", "column", "rule", "value").iter_rows()]


def _json(document: Any) -> bytes:
    """Indented JSON with each list of plain values on one line (one failure, one line)."""
    text = json.dumps(document, ensure_ascii=False, indent=1)
    flat = re.sub(
        r"\[\n\s+([^\[\]{}]*?)\n\s*\]",
        lambda m: "[" + re.sub(r",\n\s+", ", ", m.group(1)) + "]",
        text,
    )
    return (flat + "\n").encode()


def _cli_args(case: Case, source: Path, out: Path, rejected: Path) -> list[str]:
    args = ["convert", str(source), "-o", str(out), "--rejected", str(rejected)]
    args += ["--now", str(case.now), "--format", "json"]
    o = _options(case)
    for key, flag in (("tracker", "--tracker"), ("tz", "--tz"), ("region", "--region")):
        if o.get(key) is not None:
            args += [flag, str(o[key])]
    if o.get("mapping") is not None:
        args += ["--map", str(o["mapping"])]
    if o.get("static") is True:
        args.append("--static")
    if o.get("keep_outbound"):
        args.append("--keep-outbound")
    if case.ids is not None:
        args += ["--ids", str(FIXTURES / case.ids)]
        if case.within is not None:
            args += ["--within", case.within]
    return args


def _error(exc: callframe.CallframeError, tmp: Path) -> dict[str, str]:
    return {"type": type(exc).__name__, "message": _normalise(str(exc), tmp)}


def run(case: Case) -> Run:
    """Convert ``case`` the three ways (in a temporary folder) and return the outputs."""
    with tempfile.TemporaryDirectory(prefix="golden-") as name:
        tmp = Path(name).resolve()
        source = case.source(tmp)
        summary: dict[str, Any] = {
            "case": case.name,
            "export": _normalise(str(source), tmp),
            "options": dict(case.options),
            "ids": case.ids,
            "within": case.within,
            "now": case.now,
        }
        golden: dict[str, bytes] = {}
        memory: dict[str, Any] = {}
        try:
            file_out, file_rej = _by_file(case, source, tmp, summary)
            golden["calls"], golden["rejected"] = file_out, file_rej
        except callframe.CallframeError as exc:
            summary["error"] = _error(exc, tmp)
        try:
            memory = _in_memory(case, source, tmp)
        except callframe.CallframeError as exc:
            memory = {"error": _error(exc, tmp)}
        out, rejected = tmp / "cli.csv", tmp / "cli.rejected.csv"
        result = CliRunner().invoke(app, _cli_args(case, source, out, rejected))
        document = json.loads(result.stdout) if result.exit_code in (0, 1) else None
        cli = {
            "exit_code": result.exit_code,
            "document": _normalise(document, tmp),
            "calls": out.read_bytes() if out.exists() else None,
            "rejected": rejected.read_bytes() if rejected.exists() else None,
        }
        summary["cli"] = {"exit_code": cli["exit_code"], "document": cli["document"]}
        golden["summary"] = _json(summary)
        if case.big:
            golden = {k: gzip.compress(v, mtime=0) for k, v in golden.items()}
        return Run(golden, memory, cli)


def _by_file(case: Case, source: Path, tmp: Path, summary: dict[str, Any]) -> tuple[bytes, bytes]:
    """convert_file (or, with ids, convert + enrich + write_csv as the CLI does): the golden
    outputs, and the summary filled in."""
    out, rejected = tmp / "calls.csv", tmp / "rejected.csv"
    options = _options(case)
    if case.ids is None:
        result: Any = callframe.convert_file(
            source, out, rejected=rejected, now=case.now, **options
        )
        summary["outputs"] = [_normalise(str(p), tmp) for p in result.outputs]
        summary["enrich"] = None
    else:
        result = callframe.convert(source, now=case.now, **options)
        enrichment = callframe.enrich(
            result.valid,
            FIXTURES / case.ids,
            within=case.within or "30m",
            tz=result.tz,
            region=result.region,
        )
        written = callframe.write_csv(enrichment.data, out, now=case.now)
        result.rejected.write_csv(rejected)
        summary["outputs"] = [_normalise(str(p), tmp) for p in written]
        summary["enrich"] = enrichment.to_dict()
    summary["convert"] = _normalise(result.to_dict(), tmp)
    summary["errors"] = _failures(result.errors)
    summary["warnings"] = _failures(result.warnings)
    return out.read_bytes(), rejected.read_bytes()


def _in_memory(case: Case, source: Path, tmp: Path) -> dict[str, Any]:
    """``convert()`` + ``Conversion.write_csv`` + ``rejected.write_csv``, and ``write_csv`` of
    ``calls``: what convert_file must equal."""
    conversion = callframe.convert(source, now=case.now, **_options(case))
    direct, frame = tmp / "memory.csv", tmp / "memory.frame.csv"
    conversion.write_csv(direct)
    callframe.write_csv(conversion.valid, frame, kind=conversion.kind, now=case.now)
    return {
        "calls": direct.read_bytes(),
        "calls_from_frame": frame.read_bytes(),
        "rejected": conversion.rejected.write_csv().encode(),
        "convert": _normalise(conversion.to_dict(), tmp),
        "errors": _failures(conversion.errors),
        "warnings": _failures(conversion.warnings),
    }

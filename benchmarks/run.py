"""All benchmarks in one run, tables with ratios and the targets; writes ``benchmarks/RESULTS.md``.

Usage: ``python -m benchmarks.run [--rows 2_000_000] [--exports calltouch asterisk calltouch_json]
[--validate-rows 1_000_000 10_000_000] [--no-validate] [--no-upload] [--out FILE]`` (``make
bench``). ``BENCH_10M=1 make bench`` (or ``--rows-10m 10_000_000``) also runs every export at
10M rows and checks the scaling targets; ``--rows 10_000_000`` runs the set at 10M alone. Never
part of ``make test``.

Three exports of issue 14 (seeded generators in ``benchmarks/generate.py``): a Calltouch CSV, an
Asterisk ``Master.csv`` with call legs, a Calltouch API JSON. Each beside its floors (polars alone
reading and writing the same file: ``read_csv``/``write_csv``, ``scan_csv``/``sink_csv``, the
latter with only the adapter's columns; for the JSON ``read_json`` + explode + ``write_csv``),
``callframe.convert_file``, ``callframe convert``, ``callframe.convert`` in memory and the
pandas + pandera peer (``benchmarks/peers/convert_pandas.py``, in ``.venv-peer``). For the
Calltouch CSV also a hand-written polars conversion that parses the columns and checks nothing:
the least any conversion costs, beside the floor.

Every case runs in its own child process, started with ``os.wait4`` so its peak RSS
(``ru_maxrss``) is its own; this process imports neither polars nor callframe (on Linux a child's
``ru_maxrss`` starts from the parent's RSS at fork). Files are generated first, in a separate
process. Timings are wall-clock of the operation, printed by the child (imports excluded), and
one run each: ratios from one run, as the issue asks.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PEER = ROOT / ".venv-peer" / "bin" / "python"
CLI = Path(PY).with_name("callframe")
NOW = 1_795_435_200

# The exports of issue 14, each with what its floor reads and how callframe is told about it.
EXPORTS: dict[str, dict[str, object]] = {
    "calltouch": {
        "title": "Calltouch CSV",
        "file": "calltouch.csv",
        "tracker": "calltouch",
        "kind": "csv",
        "separator": ";",
        "header": True,
    },
    "asterisk": {
        "title": "Asterisk Master.csv (cdr_csv, headerless, legs)",
        "file": "Master.csv",
        "tracker": "asterisk",
        "kind": "csv",
        "separator": ",",
        "header": False,
    },
    "calltouch_json": {
        "title": 'Calltouch API JSON ({"records": [...]})',
        "file": "calls.json",
        "tracker": "calltouch",
        "kind": "json",
    },
}

# floors: polars alone reading and writing the same file (argv: src, out, separator, header,
# columns as JSON or "null" for all)
_FLOOR_READ = """
import json, sys, time, polars as pl
src, out, sep, header, cols = sys.argv[1:6]
t = time.perf_counter()
frame = pl.read_csv(src, separator=sep, has_header=header == "1", infer_schema=False)
frame.write_csv(out)
print(time.perf_counter() - t)
"""
_FLOOR_SINK = """
import json, sys, time, polars as pl
src, out, sep, header, cols = sys.argv[1:6]
t = time.perf_counter()
lazy = pl.scan_csv(src, separator=sep, has_header=header == "1", infer_schema=False)
if json.loads(cols) is not None:
    lazy = lazy.select(json.loads(cols))
lazy.sink_csv(out)
print(time.perf_counter() - t)
"""
_FLOOR_JSON = """
import json, sys, time, polars as pl
src, out, sep, header, cols = sys.argv[1:6]
t = time.perf_counter()
frame = pl.read_json(src).select("records").explode("records").unnest("records")
if json.loads(cols) is not None:
    frame = frame.select(c for c in json.loads(cols) if c in frame.columns)
nested = [c for c, d in frame.schema.items() if d.is_nested()]
frame = frame.with_columns(pl.struct(c).struct.json_encode().alias(c) for c in nested)
frame.write_csv(out)
print(time.perf_counter() - t)
"""
_API = f"""
import sys, time, callframe
t = time.perf_counter()
c = callframe.convert(sys.argv[1], tracker=sys.argv[3], tz="Europe/Moscow", now={NOW})
c.write_csv(sys.argv[2])
print(time.perf_counter() - t)
"""
_FILE = f"""
import sys, time, callframe
t = time.perf_counter()
callframe.convert_file(
    sys.argv[1], sys.argv[2], tracker=sys.argv[3], tz="Europe/Moscow", now={NOW}
)
print(time.perf_counter() - t)
"""
_COLUMNS = """
import json, sys
from callframe.conversion.options import columns_read as _columns_read
from callframe.trackers.registry import get_adapter
print(json.dumps(sorted(_columns_read(get_adapter(sys.argv[1])))))
"""
# what a conversion costs at the least: the Calltouch columns parsed and written by hand in one
# polars query (time zone, phone digits, flags, integers), no rule checked, nothing reported. Not
# a floor (it does less than callframe: no validation, no report, no rejected rows) but the
# measure of "≤ 1.25× the floor": if polars alone parsing is already above it, no conversion
# that parses can meet it.
_HAND_CALLTOUCH = """
import sys, time, polars as pl
src, out = sys.argv[1:3]
t = time.perf_counter()
digits = pl.col("callerNumber").str.replace_all(r"\\D", "")
phone = pl.when(digits.str.len_bytes() == 11).then("+7" + digits.str.slice(1))
local = pl.col("date").str.to_datetime("%d/%m/%Y %H:%M:%S")
pl.scan_csv(src, separator=";", infer_schema=False).select(
    pl.col("yaClientId").alias("ClientId"),
    local.dt.replace_time_zone("Europe/Moscow").dt.epoch("s").alias("DateTime"),
    phone.otherwise("+7" + digits).alias("PhoneNumber"),
    pl.col("duration").cast(pl.Int64).alias("TalkDuration"),
    pl.col("waitingConnect").cast(pl.Int64).alias("HoldDuration"),
    (pl.col("successful") == "false").cast(pl.Int8).alias("CallMissed"),
    pl.col("callTags").alias("Tag"),
    (pl.col("uniqueCall") == "true").cast(pl.Int8).alias("FirstTimeCaller"),
    pl.col("callUrl").alias("URL"),
).filter(pl.col("ClientId").is_not_null()).sink_csv(out)
print(time.perf_counter() - t)
"""
_IMPORT = "import time; t = time.perf_counter(); import callframe; print(time.perf_counter() - t)"

CASE_FILE = "callframe.convert_file (API)"
CASE_CLI = "callframe convert (CLI, incl. start-up)"
CASE_API = "callframe.convert + Conversion.write_csv (API, in memory)"
CASE_PEER = "peer: pandas + pandera convert"
CASE_HAND = "reference: hand-written polars conversion (parses; no checks, no report)"

Row = tuple[str, str, str, str, str]  # case, seconds, ratio, peak MB, RSS / file


def child(argv: list[str]) -> tuple[float, float, str]:
    """Run ``argv``; (wall seconds, peak RSS MB of the child, its stdout)."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
    if proc.returncode not in (0, 1):  # convert exits 1 when rows were rejected
        raise SystemExit(f"{argv[:4]} failed ({proc.returncode}): {text[-500:]}")
    return wall, usage.ru_maxrss / 1024, text


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = next(
            int(line.split()[1]) / 1024**2
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem = 0.0
    versions = child(
        [
            PY,
            "-c",
            "import polars, callframe, sys; print(polars.__version__, sys.version.split()[0])",
        ]
    )[2].split()
    return (
        f"{os.cpu_count()} cores (`nproc`), {model}, {mem:.1f} GiB RAM, {platform.system()} "
        f"{platform.release()}; Python {versions[1]}, polars {versions[0]}"
    )


def _rows(text: str) -> int:
    return int(text.replace("_", "").replace(",", ""))


def conversions(tmp: Path, key: str, rows: int, *, scaling: bool = False) -> dict[str, object]:
    """Generate one export of ``rows`` rows and run every conversion case on it; return the
    figures (file size, the rows of the table, seconds and peak MB per case).

    ``scaling`` (the 10M run): only what the scaling targets need and the machine can hold —
    the streaming floor (CSV) and ``convert_file``; the in-memory cases (``read_csv``,
    ``read_json``, ``convert``, the pandas peer) would need tens of GB at 10M rows."""
    spec = EXPORTS[key]
    src, out = tmp / f"{rows}-{spec['file']}", tmp / "out.csv"
    child([PY, "-m", "benchmarks.generate", "--tracker", key, "--rows", str(rows), str(src)])
    size_mb = src.stat().st_size / 1e6
    print(f"{spec['title']}: {rows:,} rows, {size_mb:.0f} MB", flush=True)
    tracker = str(spec["tracker"])
    needed = child([PY, "-c", _COLUMNS, tracker])[2].strip()
    sep, header = str(spec.get("separator", ",")), "1" if spec.get("header") else "0"
    figures: dict[str, tuple[float, float]] = {}

    if spec["kind"] == "csv":
        floors = [
            ("floor: pl.read_csv + write_csv", _FLOOR_READ, "null"),
            ("floor: pl.scan_csv + sink_csv", _FLOOR_SINK, "null"),
            ("floor: pl.scan_csv + sink_csv, the adapter's columns", _FLOOR_SINK, needed),
        ]
    else:
        floors = [
            ("floor: pl.read_json + explode + write_csv", _FLOOR_JSON, "null"),
            (
                "floor: pl.read_json + explode + write_csv, the adapter's columns",
                _FLOOR_JSON,
                needed,
            ),
        ]
    if scaling:
        floors = [f for f in floors if f[1] is _FLOOR_SINK and f[2] != "null"]
    for case, script, cols in floors:
        _, mb, o = child([PY, "-c", script, str(src), str(out), sep, header, cols])
        figures[case] = (float(o.split()[-1]), mb)
    floor_case = min((c for c, _, _ in floors), key=lambda c: figures[c][0]) if floors else ""
    floor = figures[floor_case][0] if floors else float("nan")
    if key == "calltouch" and not scaling:
        _, mb, o = child([PY, "-c", _HAND_CALLTOUCH, str(src), str(out)])
        figures[CASE_HAND] = (float(o.split()[-1]), mb)

    _, mb, o = child([PY, "-c", _FILE, str(src), str(out), tracker])
    figures[CASE_FILE] = (float(o.split()[-1]), mb)
    if scaling:
        return _table(key, rows, size_mb, floor, floor_case, figures)
    cli = [str(CLI), "convert", str(src), "-o", str(out), "--tracker", tracker]
    wall, mb, _ = child([*cli, "--tz", "Europe/Moscow", "--now", str(NOW), "-q"])
    figures[CASE_CLI] = (wall, mb)
    _, mb, o = child([PY, "-c", _API, str(src), str(out), tracker])
    figures[CASE_API] = (float(o.split()[-1]), mb)
    if PEER.exists():
        peer = [str(PEER), "benchmarks/peers/convert_pandas.py", "--tracker", key]
        _, mb, o = child([*peer, str(src), str(out)])
        figures[CASE_PEER] = (json.loads(o.strip().splitlines()[-1])["seconds"], mb)
    return _table(key, rows, size_mb, floor, floor_case, figures)


def _table(
    key: str,
    rows: int,
    size_mb: float,
    floor: float,
    floor_case: str,
    figures: dict[str, tuple[float, float]],
) -> dict[str, object]:
    """The figures of one export as the rows of its table (ratios to the floor; ``—`` when the
    floor was not run)."""
    table: list[Row] = []
    for case, (seconds, mb) in figures.items():
        if floor != floor:  # NaN: no floor in this run
            ratio = "—"
        elif case == CASE_PEER:
            faster = seconds / figures[CASE_FILE][0]
            ratio = f"{seconds / floor:.2f}× floor; convert_file is {faster:.2f}× faster"
        else:
            ratio = f"{seconds / floor:.2f}× floor" + (" (the floor)" if case == floor_case else "")
        row = (case, f"{seconds:.2f}", ratio, f"{mb:.0f}", f"{mb / size_mb:.2f}× file")
        table.append(row)
        print(row, flush=True)
    return {
        "key": key,
        "rows": rows,
        "size_mb": size_mb,
        "floor": floor,
        "floor_case": floor_case,
        "figures": figures,
        "table": table,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=_rows, default=2_000_000)
    parser.add_argument(
        "--rows-10m",
        type=_rows,
        default=10_000_000 if os.environ.get("BENCH_10M") == "1" else 0,
        help="also run every export at this size and check the scaling targets "
        "(default: 10M with BENCH_10M=1, else not run)",
    )
    parser.add_argument("--exports", nargs="+", choices=sorted(EXPORTS), default=list(EXPORTS))
    parser.add_argument("--validate-rows", nargs="+", type=_rows, default=[1_000_000, 10_000_000])
    parser.add_argument("--no-validate", action="store_true")
    parser.add_argument("--no-upload", action="store_true")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md", help="the report to write"
    )
    args = parser.parse_args()
    extra: list[Row] = []
    runs: dict[str, dict[str, object]] = {}
    large: dict[str, dict[str, object]] = {}

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for key in args.exports:
            runs[key] = conversions(tmp, key, args.rows)
            if args.rows_10m:
                large[key] = conversions(tmp, key, args.rows_10m, scaling=True)
            for file in tmp.iterdir():  # several GB at 10M rows: one export at a time
                file.unlink()

        imports = [float(child([PY, "-c", _IMPORT])[2]) for _ in range(3)]
        extra.append(
            ("import callframe (best of 3)", f"{min(imports):.3f}", "target ≤ 0.3 s", "", "")
        )
        print(extra[-1], flush=True)
        small = tmp / "small.csv"
        child(
            [PY, "-m", "benchmarks.generate", "--tracker", "metrica", "--rows", "1000", str(small)]
        )
        cold, cold_mb, _ = child([str(CLI), "validate", str(small), "--now", str(NOW)])
        extra.append(
            (
                "callframe validate, 1,000 rows, cold CLI",
                f"{cold:.2f}",
                "target ≤ 1 s",
                f"{cold_mb:.0f}",
                "",
            )
        )
        print(extra[-1], flush=True)

    validate = ""
    if not args.no_validate:
        validate = child(
            [
                PY,
                "-m",
                "benchmarks.validate",
                "--repeat",
                "1",
                "--rows",
                *map(str, args.validate_rows),
            ]
        )[2]
        print(validate, flush=True)
    upload = "" if args.no_upload else child([PY, "-m", "benchmarks.upload"])[2]
    print(upload, flush=True)

    head = ["| case | seconds | ratio | peak RSS MB | RSS / input |", "|---|---:|---|---:|---|"]
    sections: list[str] = []
    for run in [*runs.values(), *large.values()]:
        spec = EXPORTS[str(run["key"])]
        sections += [
            f"## {spec['title']}, {run['rows']:,} rows, {run['size_mb']:.0f} MB",
            "",
            *head,
            *(f"| {' | '.join(r)} |" for r in run["table"]),  # type: ignore[attr-defined]
            "",
        ]
    sections += ["## Start-up", "", *head, *(f"| {' | '.join(r)} |" for r in extra), ""]
    targets = _targets(runs, large, extra, validate, upload)
    text = "\n".join(
        [
            "# Benchmark results",
            "",
            "Generated by `make bench` (`python -m benchmarks.run`), one run, on "
            f"{time.strftime('%Y-%m-%d')}.",
            "",
            f"Machine: {machine()}.",
            "",
            "Seconds: the operation alone (imports excluded), except the CLI (wall clock, start-up "
            "included). Peak RSS: the child process's `ru_maxrss`. The floor of each export is the "
            "fastest of its floor rows (polars alone reading and writing the same file).",
            "",
            *sections,
            "## Targets of issue 14, as measured above",
            "",
            "| target | measured | met |",
            "|---|---:|---|",
            *(f"| {t} | {m} | {'yes' if ok else '**no**'} |" for t, m, ok in targets),
            "",
            "## Validation of a Metrica CSV (`benchmarks/validate.py`, one run each)",
            "",
            "```",
            validate.strip() or "skipped (--no-validate)",
            "```",
            "",
            "## Upload of a ~1 GB file to the sandbox (`benchmarks/upload.py`)",
            "",
            "```",
            upload.strip() or "skipped (--no-upload)",
            "```",
            "",
        ]
    )
    args.out.write_text(re.sub(r"[ \t]+\n", "\n", text))
    print(f"wrote {args.out}")


def _targets(
    runs: dict[str, dict[str, object]],
    large: dict[str, dict[str, object]],
    extra: list[Row],
    validate: str,
    upload: str,
) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for every target of issue 14 (and the standing ones of issue 7),
    from the figures of this run."""
    out: list[tuple[str, str, bool]] = []
    for key, run in runs.items():
        figures: dict[str, tuple[float, float]] = run["figures"]  # type: ignore[assignment]
        floor, size = float(run["floor"]), float(run["size_mb"])  # type: ignore[arg-type]
        json_export = EXPORTS[key]["kind"] == "json"
        time_limit, rss_limit = (1.5, 2.0) if json_export else (1.25, 1.0)
        for case in (CASE_FILE, CASE_CLI):
            if case not in figures:
                continue
            seconds, mb = figures[case]
            what = f"{key}: {case.split(' (')[0]}"
            ratio = seconds / floor
            out.append((f"{what} ≤ {time_limit}× the floor", f"{ratio:.2f}×", ratio <= time_limit))
            out.append(
                (
                    f"{what} peak RSS ≤ {rss_limit:g}× the file",
                    f"{mb / size:.2f}×",
                    mb / size <= rss_limit,
                )
            )
        if CASE_PEER in figures and CASE_FILE in figures:
            faster = figures[CASE_PEER][0] / figures[CASE_FILE][0]
            out.append(
                (
                    f"{key}: convert_file ≥ 4× faster than pandas + pandera",
                    f"{faster:.2f}×",
                    faster >= 4,
                )
            )
        if key in large:
            big: dict[str, tuple[float, float]] = large[key]["figures"]  # type: ignore[assignment]
            grow = big[CASE_FILE][0] / figures[CASE_FILE][0]
            n, m = f"{large[key]['rows']:,} rows", f"{run['rows']:,}"
            target = f"{key}: convert_file at {n} ≤ 5.5× its time at {m}"
            out.append((target, f"{grow:.2f}×", grow <= 5.5))
            rss_10m, rss_2m = big[CASE_FILE][1], figures[CASE_FILE][1]
            out.append(
                (
                    f"{key}: convert_file peak RSS at {n} ≤ at {m}",
                    f"{rss_10m:.0f} / {rss_2m:.0f} MB",
                    rss_10m <= rss_2m,
                )
            )
    for rows_text, ratio_text in re.findall(r"^\s*([\d,]+)\s.*?\s(\d+\.\d+)×", validate, re.M):
        ratio = float(ratio_text)
        target = f"validate ({rows_text} rows) ≤ 1.3× the hand-written polars filter"
        out.append((target, f"{ratio:.2f}×", ratio <= 1.3))
    by_case = {r[0]: r for r in extra}
    imp = by_case.get("import callframe (best of 3)")
    if imp:
        out.append(("import callframe ≤ 0.3 s", f"{imp[1]} s", float(imp[1]) <= 0.3))
    cold = by_case.get("callframe validate, 1,000 rows, cold CLI")
    if cold:
        out.append(
            ("callframe validate, small file, ≤ 1 s cold", f"{cold[1]} s", float(cold[1]) <= 1)
        )
    found = re.search(r"client peak RSS: ([0-9.]+) MB", upload)
    if found:
        mb = float(found.group(1))
        out.append(("upload of 1 GB, client peak RSS < 150 MB", f"{mb:.1f} MB", mb < 150))
    return out


if __name__ == "__main__":
    main()

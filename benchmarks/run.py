"""All benchmarks of issue 7 in one run, one table with ratios; writes ``benchmarks/RESULTS.md``.

Usage: ``python -m benchmarks.run [--rows 2_000_000] [--validate-rows 1_000_000 10_000_000]``
(``make bench``). Never part of ``make test``.

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

_FLOOR = """
import sys, time, polars as pl
t = time.perf_counter()
pl.read_csv(sys.argv[1], separator=";", infer_schema=False).write_csv(sys.argv[2])
print(time.perf_counter() - t)
"""
_API = f"""
import sys, time, callframe
t = time.perf_counter()
c = callframe.convert(sys.argv[1], tracker="calltouch", tz="Europe/Moscow", now={NOW})
c.write_csv(sys.argv[2])
print(time.perf_counter() - t)
"""
_FILE = f"""
import sys, time, callframe
t = time.perf_counter()
callframe.convert_file(sys.argv[1], sys.argv[2], tracker="calltouch", tz="Europe/Moscow", now={NOW})
print(time.perf_counter() - t)
"""
_IMPORT = "import time; t = time.perf_counter(); import callframe; print(time.perf_counter() - t)"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=2_000_000)
    parser.add_argument(
        "--validate-rows",
        nargs="+",
        type=lambda s: int(s.replace("_", "")),
        default=[1_000_000, 10_000_000],
    )
    parser.add_argument("--no-upload", action="store_true")
    args = parser.parse_args()
    rows: list[tuple[str, str, str, str, str]] = []  # case, seconds, ratio, peak MB, note

    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "calltouch.csv", Path(tmp) / "out.csv"
        child(
            [
                PY,
                "-m",
                "benchmarks.generate",
                "--tracker",
                "calltouch",
                "--rows",
                str(args.rows),
                str(src),
            ]
        )
        size_mb = src.stat().st_size / 1e6
        print(f"calltouch export: {args.rows:,} rows, {size_mb:.0f} MB", flush=True)

        _, floor_mb, o = child([PY, "-c", _FLOOR, str(src), str(out)])
        floor = float(o.split()[-1])

        def conversion(case: str, seconds: float, peak_mb: float) -> None:
            ratio = f"{seconds / floor:.2f}× floor"
            row = (
                case,
                f"{seconds:.2f}",
                ratio,
                f"{peak_mb:.0f}",
                f"{peak_mb / size_mb:.2f}× file",
            )
            rows.append(row)
            print(row, flush=True)

        conversion("floor: pl.read_csv + write_csv", floor, floor_mb)
        _, api_mb, o = child([PY, "-c", _API, str(src), str(out)])
        api = float(o.split()[-1])
        conversion("callframe.convert + Conversion.write_csv (API)", api, api_mb)
        _, file_mb, o = child([PY, "-c", _FILE, str(src), str(out)])
        in_batches = float(o.split()[-1])
        conversion("callframe.convert_file (API, file to file in batches)", in_batches, file_mb)
        cli = [str(CLI), "convert", str(src), "-o", str(out), "--tracker", "calltouch"]
        cli_wall, cli_mb, _ = child([*cli, "--tz", "Europe/Moscow", "--now", str(NOW), "-q"])
        conversion("callframe convert (CLI, incl. start-up)", cli_wall, cli_mb)

        if PEER.exists():
            _, _, o = child([str(PEER), "benchmarks/peers/convert_pandas.py", str(src), str(out)])
            peer = json.loads(o.strip().splitlines()[-1])
            rows.append(
                (
                    "peer: pandas + pandera convert",
                    f"{peer['seconds']:.2f}",
                    f"{peer['seconds'] / api:.2f}× callframe API, "
                    f"{peer['seconds'] / in_batches:.2f}× convert_file",
                    f"{peer['peak_mb']:.0f}",
                    f"{peer['peak_mb'] / size_mb:.2f}× file",
                )
            )
            print(rows[-1], flush=True)

        imports = [float(child([PY, "-c", _IMPORT])[2]) for _ in range(3)]
        rows.append(
            ("import callframe (best of 3)", f"{min(imports):.3f}", "target ≤ 0.3 s", "", "")
        )
        print(rows[-1], flush=True)

        small = Path(tmp) / "small.csv"
        child(
            [PY, "-m", "benchmarks.generate", "--tracker", "metrica", "--rows", "1000", str(small)]
        )
        cold, cold_mb, _ = child([str(CLI), "validate", str(small), "--now", str(NOW)])
        rows.append(
            (
                "callframe validate, 1,000 rows, cold CLI",
                f"{cold:.2f}",
                "target ≤ 1 s",
                f"{cold_mb:.0f}",
                "",
            )
        )
        print(rows[-1], flush=True)

    validate = child(
        [PY, "-m", "benchmarks.validate", "--repeat", "1", "--rows", *map(str, args.validate_rows)]
    )[2]
    print(validate, flush=True)
    upload = "" if args.no_upload else child([PY, "-m", "benchmarks.upload"])[2]
    print(upload, flush=True)

    targets = _targets(rows, validate, upload)
    table = ["| case | seconds | ratio | peak RSS MB | RSS / input |", "|---|---:|---|---:|---|"]
    table += [f"| {' | '.join(r)} |" for r in rows]
    text = "\n".join(
        [
            "# Benchmark results",
            "",
            "Generated by `make bench` (`python -m benchmarks.run`), one run, on "
            f"{time.strftime('%Y-%m-%d')}.",
            "",
            f"Machine: {machine()}.",
            "",
            f"## Conversion: a Calltouch CSV export, {args.rows:,} rows, {size_mb:.0f} MB",
            "",
            *table,
            "",
            "## Targets of issue 7, as measured above",
            "",
            "| target | measured | met |",
            "|---|---:|---|",
            *(f"| {t} | {m} | {'yes' if ok else '**no**'} |" for t, m, ok in targets),
            "",
            "## Validation of a Metrica CSV (`benchmarks/validate.py`, one run each)",
            "",
            "```",
            validate.strip(),
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
    (ROOT / "benchmarks" / "RESULTS.md").write_text(re.sub(r"[ \t]+\n", "\n", text))
    print("\n".join(table))


def _number(text: str) -> float:
    return float(re.sub(r"[^0-9.]", "", text.split("×")[0]))


def _targets(
    rows: list[tuple[str, str, str, str, str]], validate: str, upload: str
) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for every target of the issue, from the figures of this run."""
    by_case = {r[0]: r for r in rows}
    out: list[tuple[str, str, bool]] = []
    for case in (
        "callframe.convert + Conversion.write_csv (API)",
        "callframe.convert_file (API, file to file in batches)",
    ):
        row = by_case.get(case)
        if row:
            how = "in memory" if "write_csv" in case else "file to file"
            ratio = _number(row[2])
            out.append((f"convert ({how}) ≤ 1.25× the floor", f"{ratio:.2f}×", ratio <= 1.25))
            rss = _number(row[4])
            out.append((f"convert ({how}) peak RSS ≤ 1× the input", f"{rss:.2f}×", rss <= 1.0))
    peer = by_case.get("peer: pandas + pandera convert")
    if peer:
        memory, in_batches = (_number(part) for part in peer[2].split(","))
        for how, ratio in (("in memory", memory), ("file to file", in_batches)):
            target = f"convert ({how}) ≥ 4× faster than pandas + pandera"
            out.append((target, f"{ratio:.2f}×", ratio >= 4))
    for rows_text, ratio_text in re.findall(r"^\s*([\d,]+)\s.*?\s(\d+\.\d+)×", validate, re.M):
        ratio = float(ratio_text)
        target = f"validate ({rows_text} rows) ≤ 1.3× the hand-written polars filter"
        out.append((target, f"{ratio:.2f}×", ratio <= 1.3))
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

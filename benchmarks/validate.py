"""validate() next to a hand-written polars filter of the same rules, on 1M and 10M rows.

Usage: ``python -m benchmarks.validate [--rows 1_000_000 10_000_000] [--repeat 3]``.

Each case runs in its own subprocess (so peak RSS, ``ru_maxrss``, is its own) and reports the best
of ``--repeat`` timings of the operation itself, imports and file generation excluded. The files
are generated in a separate process too, and this process never imports polars: on Linux a
child's ``ru_maxrss`` starts from its parent's peak RSS (fork/exec), so a parent that had held a
10M-row frame would report that as every case's peak. Cases:

* ``handwritten``: ``pl.read_csv`` (all text) + one boolean expression per rule + the failing rows
  with their row numbers — what a careful engineer writes by hand, without a report;
* ``callframe``: ``callframe.validate(path)`` — the same reading, every rule, the full report;
* ``pandas+pandera``: the peer (``benchmarks/peers/validate_pandas.py``), when ``.venv-peer`` exists
  (``make bench`` creates it).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NOW = 1_795_435_200
PEER_PYTHON = Path(__file__).resolve().parent.parent / ".venv-peer" / "bin" / "python"
PEER_SCRIPT = Path(__file__).resolve().parent / "peers" / "validate_pandas.py"


def handwritten(path: Path) -> int:
    """All contract rules as plain polars expressions; returns the number of failing cells."""
    import polars as pl
    import pycountry

    codes = sorted(c.alpha_3 for c in pycountry.currencies)
    df = pl.read_csv(path, infer_schema=False)
    c = pl.col
    dt = c("DateTime").str.to_integer(strict=False)
    ids = pl.any_horizontal(
        c("ClientId").is_not_null(), c("UserId").is_not_null(), c("Yclid").is_not_null()
    )

    def bad(name: str, pattern: str) -> pl.Expr:
        return c(name).is_not_null() & ~c(name).str.contains(pattern)

    checks = {
        "id": ~ids & (c("StaticCall") != "1"),
        "client": bad("ClientId", r"^\d{1,20}$"),
        "client64": c("ClientId").str.contains(r"^\d{20}$")
        & (c("ClientId") > "18446744073709551615"),
        "yclid": bad("Yclid", r"^\d{1,20}$"),
        "yclid64": c("Yclid").str.contains(r"^\d{20}$") & (c("Yclid") > "18446744073709551615"),
        "user": c("UserId").str.strip_chars() == "",
        "dt_null": c("DateTime").is_null(),
        "dt_int": bad("DateTime", r"^-?\d+$"),
        "dt_ms": c("DateTime").str.contains(r"^\d{13}$"),
        "dt_2000": dt < 946_684_800,
        "dt_future": ~c("DateTime").str.contains(r"^\d{13}$") & (dt > NOW + 300),
        "dt_old": dt < NOW - 21 * 86400,
        "static": bad("StaticCall", "^[01]$"),
        "missed": bad("CallMissed", "^[01]$"),
        "first": bad("FirstTimeCaller", "^[01]$"),
        "talk": bad("TalkDuration", r"^-?\d+$"),
        "talk_neg": c("TalkDuration").str.contains(r"^-\d+$"),
        "hold": bad("HoldDuration", r"^-?\d+$"),
        "hold_neg": c("HoldDuration").str.contains(r"^-\d+$"),
        "price": bad("Price", r"^-?\d+(\.\d+)?$"),
        "price_neg": c("Price").str.contains(r"^-\d"),
        "currency": c("Currency").is_not_null() & ~c("Currency").is_in(codes),
        "currency_req": c("Price").is_not_null() & c("Currency").is_null(),
        "phone": bad("PhoneNumber", r"^\+\d{8,15}$"),
        "tag_len": c("Tag").str.len_chars() > 1024,
        "url": bad("URL", r"(?i)^https?://[^\s/?#]+[^\s]*$"),
        "url_len": c("URL").str.len_chars() > 1024,
        "ctu": bad("CallTrackerURL", r"(?i)^https?://[^\s/?#]+[^\s]*$"),
        "ctu_len": c("CallTrackerURL").str.len_chars() > 1024,
        "user_len": c("UserId").str.len_chars() > 1024,
    }
    masks = (
        df.lazy()
        .select(e.fill_null(False).alias(k) for k, e in checks.items())
        .with_row_index("row", 1)
    )
    failing = masks.filter(pl.any_horizontal(list(checks))).collect()
    return failing.height


def with_callframe(path: Path) -> int:
    import callframe

    report = callframe.validate(path, now=NOW)
    return report.errors.height + report.warnings.height


CASES = {"handwritten": handwritten, "callframe": with_callframe}


def run_case(case: str, path: Path, repeat: int) -> None:
    fn = CASES[case]
    fn(path)  # warm-up: imports, regex compilation, page cache
    best = min(_timed(fn, path) for _ in range(repeat))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump({"case": case, "seconds": best, "peak_mb": peak_mb}, sys.stdout)


def _timed(fn, path: Path) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn(path)
    return time.perf_counter() - start


def _peer(path: Path, repeat: int) -> str:
    out = subprocess.run(
        [str(PEER_PYTHON), str(PEER_SCRIPT), str(path), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        return f"{'failed':>17}"
    peer = json.loads(out.stdout)
    return f"{peer['seconds']:>17.3f} {peer['peak_mb']:>8.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--rows", nargs="+", type=lambda s: int(s.replace("_", "")), default=[1_000_000, 10_000_000]
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--case", choices=list(CASES))
    parser.add_argument("--file", type=Path)
    args = parser.parse_args()
    if args.case:
        run_case(args.case, args.file, args.repeat)
        return

    print(
        f"{'rows':>11} {'file MB':>8} {'hand-written s':>15} {'callframe s':>12} {'ratio':>6} "
        f"{'hand MB':>8} {'callframe MB':>13} {'pandas+pandera s':>17} {'peer MB':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            path = Path(tmp) / f"calls_{rows}.csv"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.generate",
                    "--tracker",
                    "metrica",
                    "--rows",
                    str(rows),
                    "--bad-fraction",
                    "0.001",
                    str(path),
                ],
                check=True,
            )
            size = path.stat().st_size / 1e6
            results = {}
            for case in CASES:
                out = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "benchmarks.validate",
                        "--case",
                        case,
                        "--file",
                        str(path),
                        "--repeat",
                        str(args.repeat),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                results[case] = json.loads(out.stdout)
            hand, ours = results["handwritten"], results["callframe"]
            peer = "" if not PEER_PYTHON.exists() else _peer(path, min(args.repeat, 2))
            print(
                f"{rows:>11,} {size:>8.0f} {hand['seconds']:>15.3f} {ours['seconds']:>12.3f} "
                f"{ours['seconds'] / hand['seconds']:>5.2f}× "
                f"{hand['peak_mb']:>8.0f} {ours['peak_mb']:>13.0f} {peer}",
                flush=True,
            )
            path.unlink()


if __name__ == "__main__":
    main()

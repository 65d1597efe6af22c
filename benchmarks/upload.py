"""Upload a generated ~1 GB calls CSV to the sandbox over a socket; report the client's peak RSS.

Usage: ``python -m benchmarks.upload [--bytes 999_000_000] [--data benchmarks/data]``.

The file (just under Metrica's 1 GB limit) is generated once with
:func:`callframe.testing.sample_calls` and kept in ``benchmarks/data/`` (git-ignored). The
sandbox runs as ``callframe sandbox`` in its own process; the client runs in another process
(``MetricaClient.upload_calls(path)``: validate in slices, hash, stream from disk), which reports
its own ``ru_maxrss`` (and ``VmHWM`` from ``/proc``). Target: < 150 MB. Not part of ``make test``.

This process stays small (it imports no polars; generation runs in a child): on Linux a child's
``ru_maxrss`` starts from the parent's RSS at fork time, so a fat parent would inflate it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

TOKEN = "bench-token"
TARGET_MB = 150

_CLIENT = """
import json, resource, sys, time
from callframe.metrica.client import MetricaClient
url, path = sys.argv[1], sys.argv[2]
def hwm():
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
start = time.perf_counter()
with MetricaClient(1, token="{token}", base_url=url, timeout=600) as client:
    result = client.upload_calls(path, force=True)
seconds = time.perf_counter() - start
print(json.dumps({{
    "seconds": seconds,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "vmhwm_mb": hwm(),
    "outcome": result.outcome.value,
    "id": result.upload.id,
    "rows": result.parts[0].n_rows,
    "source_quantity": result.upload.source_quantity,
    "hash": result.parts[0].content_hash,
}}))
"""


def generate(path: Path, size: int) -> None:
    """Write valid calls rows until just under ``size`` bytes (rows cut at a newline)."""
    import polars as pl

    from callframe.testing import sample_calls

    now = int(time.time()) - 3600
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    written = 0
    with tmp.open("wb") as fh:
        seed = 0
        header = True
        while written < size:
            frame = sample_calls(200_000, seed=seed, now=now).frame
            # one ID type (ClientId), the usual upload: a file of several types goes as one
            # upload per type (read whole to split), which is not what this measures
            frame = frame.filter(pl.col("ClientId").fill_null("") != "").drop(
                "UserId", "Yclid", strict=False
            )
            data = frame.write_csv(include_header=header, line_terminator="\n").encode()
            header = False
            if written + len(data) > size:
                data = data[: data.rfind(b"\n", 0, size - written) + 1]
                if not data:
                    break
            fh.write(data)
            written += len(data)
            seed += 1
    tmp.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bytes", type=lambda s: int(s.replace("_", "")), default=999_000_000)
    parser.add_argument("--data", type=Path, default=Path("benchmarks/data"))
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    path = args.data / f"upload-{args.bytes}.csv"
    if args.generate_only:
        generate(path, args.bytes)
        return
    if not path.exists() or path.stat().st_size > args.bytes:
        t = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.upload",
                "--generate-only",
                "--bytes",
                str(args.bytes),
                "--data",
                str(args.data),
            ],
            check=True,
        )
        print(f"generated {path} in {time.perf_counter() - t:.1f} s")
    size = path.stat().st_size
    print(f"file: {path} ({size / 1e6:.1f} MB)")

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "callframe",
            "sandbox",
            "--port",
            "0",
            "--token",
            TOKEN,
            "--processing-seconds",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        print(f"sandbox: {url}")
        out = subprocess.run(
            [sys.executable, "-c", _CLIENT.format(token=TOKEN), url, str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            print("client failed", file=sys.stderr)
            raise SystemExit(2)  # not 1: benchmarks.run takes exit 1 as "rows rejected"
        result = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(10)

    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            sha.update(block)
    same = sha.hexdigest()[:12] == result["hash"]
    mb_s = size / 1e6 / result["seconds"]
    print(
        f"upload {result['id']} ({result['outcome']}): {result['rows']} rows validated, "
        f"sandbox counted {result['source_quantity']}; hash matches file: {same}"
    )
    print(f"client: {result['seconds']:.1f} s ({mb_s:.0f} MB/s end to end, incl. validation)")
    verdict = "OK" if result["peak_rss_mb"] < TARGET_MB else "OVER TARGET"
    print(
        f"client peak RSS: {result['peak_rss_mb']:.1f} MB ru_maxrss, "
        f"{result['vmhwm_mb']} MB VmHWM (target < {TARGET_MB} MB): {verdict}"
    )


if __name__ == "__main__":
    main()

"""Generate Metrica upload CSVs for benchmarks (polars only, no per-row Python).

Usage: ``python -m benchmarks.generate --rows 1_000_000 OUT.csv [--bad-fraction 0.001]``.
The rows come from :func:`callframe.testing.sample_calls`: realistic IDs, 5% static calls without
an ID, 30% missed; ``--bad-fraction`` of the rows break one rule each.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl

from callframe.testing import sample_calls

NOW = 1_795_435_200


def metrica_calls(
    rows: int, *, seed: int = 0, bad_fraction: float = 0.0, now: int = NOW
) -> pl.DataFrame:
    """A calls frame, every column as text, like a file read with ``infer_schema=False``."""
    return sample_calls(rows, seed=seed, invalid_fraction=bad_fraction, now=now).frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=1_000_000)
    parser.add_argument("--bad-fraction", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    metrica_calls(args.rows, seed=args.seed, bad_fraction=args.bad_fraction).write_csv(args.out)


if __name__ == "__main__":
    main()

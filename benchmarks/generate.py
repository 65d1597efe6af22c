"""Generate realistic Metrica call CSVs for benchmarks, with polars only (no per-row Python).

Usage: ``python -m benchmarks.generate --rows 1_000_000 OUT.csv [--bad-fraction 0.001]``.

About 85% of rows carry a ClientId, some a UserId or Yclid, 5% are static calls without an ID,
30% are missed; a small fraction of rows is broken (bad phone, future time, float ClientId …).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl

NOW = 1_795_435_200


def _rand(seed: int, salt: int) -> pl.Expr:
    """Uniform pseudo-random uint64 per row, reproducible from (seed, salt)."""
    return pl.int_range(pl.len(), dtype=pl.UInt64).hash(seed * 1_000_003 + salt)


def _pick(r: pl.Expr, n: int) -> pl.Expr:
    return r % n


def metrica_calls(rows: int, *, seed: int = 0, bad_fraction: float = 0.0, now: int = NOW) -> pl.DataFrame:
    """A calls frame, every column as text, like a file read with ``infer_schema=False``."""
    base = pl.select(pl.repeat(None, rows, dtype=pl.Null).alias("_"))
    r = [_rand(seed, i) for i in range(12)]
    kind = _pick(r[0], 100)
    static = kind >= 95
    client = pl.when(kind < 85).then((pl.lit(1_700_000_000_000_000_000, pl.UInt64) + r[1] % 10**17).cast(pl.String))
    user = pl.when((kind >= 85) & (kind < 90)).then(pl.format("crm-{}", r[2] % 10**6))
    yclid = pl.when((kind >= 90) & (kind < 95)).then((r[3] % 10**19).cast(pl.String))
    when = (pl.lit(now) - (r[4] % (20 * 86400)).cast(pl.Int64)).cast(pl.String)
    missed = _pick(r[5], 10) < 3
    talk = pl.when(missed).then(pl.lit(0, pl.UInt64)).otherwise(r[6] % 900)
    phone = pl.format("+79{}", (r[7] % 10**9).cast(pl.String).str.zfill(9))
    priced = _pick(r[8], 10) == 0
    frame = base.select(
        pl.when(user.is_not_null()).then(user).alias("UserId"),
        client.alias("ClientId"),
        yclid.alias("Yclid"),
        when.alias("DateTime"),
        static.cast(pl.Int8).cast(pl.String).alias("StaticCall"),
        pl.when(priced).then(pl.format("{}.{}", r[9] % 10000, (r[9] % 100).cast(pl.String).str.zfill(2))).alias("Price"),
        pl.when(priced).then(pl.lit("RUB")).alias("Currency"),
        phone.alias("PhoneNumber"),
        talk.cast(pl.String).alias("TalkDuration"),
        (r[10] % 60).cast(pl.String).alias("HoldDuration"),
        missed.cast(pl.Int8).cast(pl.String).alias("CallMissed"),
        pl.when(_pick(r[11], 4) == 0).then(pl.lit("целевой")).alias("Tag"),
        (_pick(r[11], 3) == 0).cast(pl.Int8).cast(pl.String).alias("FirstTimeCaller"),
        pl.format("https://example.ru/landing/{}?utm_source=yandex", r[11] % 1000).alias("URL"),
        pl.format("https://tracker.example/calls/{}", pl.int_range(pl.len())).alias("CallTrackerURL"),
    )
    if bad_fraction > 0:
        breaker = _rand(seed, 99) % 1_000_000
        cut = int(bad_fraction * 1_000_000)
        which = _rand(seed, 98) % 4
        bad = breaker < cut
        frame = frame.with_columns(
            pl.when(bad & (which == 0)).then(pl.lit("8 (916) 123-45-67")).otherwise("PhoneNumber").alias("PhoneNumber"),
            pl.when(bad & (which == 1)).then(pl.lit(str(now + 86400))).otherwise("DateTime").alias("DateTime"),
            pl.when(bad & (which == 2)).then(pl.lit("1.7e+18")).otherwise("ClientId").alias("ClientId"),
            pl.when(bad & (which == 3)).then(pl.lit("Пропущенный")).otherwise("CallMissed").alias("CallMissed"),
        )
    return frame


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

"""Generate realistic exports for benchmarks (polars only, no per-row Python).

Usage::

    python -m benchmarks.generate --tracker calltouch --rows 10_000_000 OUT.csv
    python -m benchmarks.generate --tracker metrica --rows 1_000_000 OUT.csv [--bad-fraction 0.001]

``metrica`` rows come from :func:`callframe.testing.sample_calls`. ``calltouch`` rows have the
messiness of a real journal export: ``;``-separated, phones as ``79…``, ``8…`` or ``+7 …``, 15% of
ClientIds empty or ``<не заполнено>``, 30% missed calls, local ``dd/MM/yyyy HH:mm:ss`` dates beside
Unix timestamps, landing URLs with a ``yclid`` now and then, tags.
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


def _rand(seed: int, salt: int) -> pl.Expr:
    return pl.int_range(pl.len(), dtype=pl.UInt64).hash(seed * 1_000_003 + salt)


def calltouch(rows: int, *, seed: int = 0, now: int = NOW) -> pl.DataFrame:
    """A Calltouch call-journal export (the REST field names), every column as text."""
    r = [_rand(seed, i) for i in range(12)]
    ts = pl.lit(now - 3600, pl.Int64) - (r[0] % (20 * 86400)).cast(pl.Int64)
    local = pl.from_epoch(ts, time_unit="s").dt.offset_by("3h").dt.strftime("%d/%m/%Y %H:%M:%S")
    nine = (r[1] % 10**9).cast(pl.String).str.zfill(9)
    form = r[2] % 10
    caller = (
        pl.when(form < 6)
        .then(pl.format("79{}", nine))
        .when(form < 8)
        .then(pl.format("89{}", nine))
        .otherwise(
            pl.format(
                "+7 9{} {}-{}", nine.str.slice(0, 2), nine.str.slice(2, 3), nine.str.slice(5, 4)
            )
        )
    )
    missed = r[3] % 10 < 3
    who = r[4] % 100
    client = (
        pl.when(who < 85)
        .then((pl.lit(1_700_000_000_000_000_000, pl.UInt64) + r[5] % 10**17).cast(pl.String))
        .when(who < 92)
        .then(pl.lit("<не заполнено>"))
    )
    yclid = pl.when(r[6] % 5 == 0).then(pl.format("&yclid={}", r[7] % 10**18)).otherwise(pl.lit(""))
    return pl.select(pl.repeat(None, rows, dtype=pl.Null).alias("_")).select(
        (pl.lit(3_100_000, pl.UInt64) + pl.int_range(pl.len(), dtype=pl.UInt64))
        .cast(pl.String)
        .alias("callId"),
        pl.lit("calldisconnected").alias("callphase"),
        local.alias("date"),
        ts.cast(pl.String).alias("timestamp"),
        caller.alias("callerNumber"),
        pl.lit("74951234567").alias("phoneNumber"),
        pl.when(missed).then(pl.lit("false")).otherwise(pl.lit("true")).alias("successful"),
        pl.when(r[8] % 3 == 0).then(pl.lit("true")).otherwise(pl.lit("false")).alias("uniqueCall"),
        pl.when(missed)
        .then(pl.lit(0, pl.UInt64))
        .otherwise(r[9] % 900)
        .cast(pl.String)
        .alias("duration"),
        (r[10] % 60).cast(pl.String).alias("waitingConnect"),
        pl.lit("yandex").alias("source"),
        pl.lit("cpc").alias("medium"),
        pl.format("https://example.ru/?utm_source=yandex&utm_medium=cpc{}", yclid).alias("url"),
        pl.format("https://example.ru/catalog/{}", r[11] % 1000).alias("callUrl"),
        pl.when(who < 95).then((r[11] % 10**7).cast(pl.String)).alias("sessionId"),
        client.alias("yaClientId"),
        pl.when(r[11] % 4 == 0).then(pl.lit("Целевой")).alias("callTags"),
    )


GENERATORS = {"metrica": metrica_calls, "calltouch": calltouch}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--tracker", choices=sorted(GENERATORS), default="metrica")
    parser.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=1_000_000)
    parser.add_argument("--bad-fraction", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.tracker == "metrica":
        frame = metrica_calls(args.rows, seed=args.seed, bad_fraction=args.bad_fraction)
        frame.write_csv(args.out)
    else:
        GENERATORS[args.tracker](args.rows, seed=args.seed).write_csv(args.out, separator=";")


if __name__ == "__main__":
    main()

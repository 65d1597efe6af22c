"""Generate realistic exports for benchmarks (polars only, no per-row Python; seeded).

Usage::

    python -m benchmarks.generate --tracker calltouch --rows 10_000_000 OUT.csv
    python -m benchmarks.generate --tracker asterisk --rows 2_000_000 Master.csv
    python -m benchmarks.generate --tracker calltouch_json --rows 2_000_000 calls.json
    python -m benchmarks.generate --tracker metrica --rows 1_000_000 OUT.csv [--bad-fraction 0.001]

The same ``--seed`` (default 0) and ``--rows`` give the same bytes.

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


def _digits(r: pl.Expr, n: int) -> pl.Expr:
    return (r % 10**n).cast(pl.String).str.zfill(n)


def asterisk(rows: int, *, seed: int = 0, now: int = NOW) -> pl.DataFrame:
    """An Asterisk ``Master.csv`` (``cdr_csv`` with ``loguniqueid``, ``loguserfield`` and the
    newer ``peeraccount, linkedid, sequence``: 21 columns, no header), one row per leg.

    Calls: 85% inbound from a trunk context (``from-trunk``/``from-pstn``, the trunk's channel),
    9% outbound and 6% internal (``from-internal``, an extension's channel). Legs per call: 78%
    one, 14% two (a first extension that did not answer, then a second; the same ``uniqueid``
    and ``linkedid``), 8% three (a queue: a ``Local/…`` leg ``ANSWERED`` with billsec 0, an agent
    that did not answer, an agent that did, each with its own ``uniqueid``, one ``linkedid``).
    Dispositions of the last leg: ANSWERED, NO ANSWER, BUSY, FAILED; callers as ``79…``,
    ``89…``, ``+79…``, 6-digit city numbers, ``anonymous``; a few ``userfield`` tags.
    """
    per_leg = 1.30  # legs per call, on average (0.78·1 + 0.14·2 + 0.08·3)
    calls = int(rows / per_leg) + 1000
    r = [_rand(seed + 17, i) for i in range(12)]
    shape = r[0] % 100
    legs = pl.when(shape < 78).then(1).when(shape < 92).then(2).otherwise(3).cast(pl.Int64)
    kind = r[1] % 100
    direction = pl.when(kind < 85).then(pl.lit("in")).when(kind < 94).then(pl.lit("out"))
    start = pl.lit(now - 3600, pl.Int64) - (r[2] % (20 * 86400)).cast(pl.Int64)
    form = r[3] % 100
    nine = _digits(r[4], 9)
    caller = (
        pl.when(form < 55)
        .then(pl.format("79{}", nine))
        .when(form < 80)
        .then(pl.format("89{}", nine))
        .when(form < 93)
        .then(pl.format("+79{}", nine))
        .when(form < 98)
        .then(_digits(r[4], 6))
        .otherwise(pl.lit("anonymous"))
    )
    frame = pl.select(pl.int_range(calls, dtype=pl.Int64).alias("call")).with_columns(
        legs.alias("legs"),
        direction.otherwise(pl.lit("internal")).alias("direction"),
        start.alias("start"),
        caller.alias("caller"),
        (r[5] % 100).alias("outcome"),
        (r[6] % 600 + 5).cast(pl.Int64).alias("talk"),
        (r[7] % 25 + 1).cast(pl.Int64).alias("ring"),
        (100 + r[8] % 60).cast(pl.String).alias("ext"),
        (100 + r[9] % 60).cast(pl.String).alias("ext2"),
        pl.format("7{}", _digits(r[10], 10)).alias("outside"),
        pl.when(r[11] % 20 == 0).then(pl.lit("billboard")).otherwise(pl.lit("")).alias("tag"),
        pl.when(r[11] % 2 == 0)
        .then(pl.lit("from-trunk"))
        .otherwise(pl.lit("from-pstn"))
        .alias("trunk_context"),
    )
    frame = frame.with_columns(pl.int_ranges(0, pl.col("legs")).alias("leg")).explode("leg")
    frame = frame.head(rows)
    leg, n = pl.col("leg"), pl.col("legs")
    last = leg == n - 1
    queue_local = (n == 3) & (leg == 0)
    inbound = pl.col("direction") == "in"
    outcome = pl.col("outcome")
    disposition = (
        pl.when(queue_local)
        .then(pl.lit("ANSWERED"))
        .when(~last)
        .then(pl.lit("NO ANSWER"))
        .when(outcome < 70)
        .then(pl.lit("ANSWERED"))
        .when(outcome < 88)
        .then(pl.lit("NO ANSWER"))
        .when(outcome < 97)
        .then(pl.lit("BUSY"))
        .otherwise(pl.lit("FAILED"))
    )
    answered_real = (disposition == "ANSWERED") & ~queue_local
    leg_start = pl.col("start") + pl.when(queue_local | (leg == 0)).then(0).otherwise(
        pl.col("ring") * leg
    )
    billsec = pl.when(answered_real).then(pl.col("talk")).otherwise(0)
    ring = pl.when(queue_local).then(0).otherwise(pl.col("ring"))
    duration = billsec + ring + pl.when(queue_local).then(pl.col("talk") + 20).otherwise(0)
    ts = pl.from_epoch(leg_start, time_unit="s").dt.offset_by("3h")
    fmt = "%Y-%m-%d %H:%M:%S"
    answer = pl.from_epoch(leg_start + ring, time_unit="s").dt.offset_by("3h").dt.strftime(fmt)
    end = pl.from_epoch(leg_start + duration, time_unit="s").dt.offset_by("3h").dt.strftime(fmt)
    base = (pl.col("start") + 0).cast(pl.String)
    call_seq = (pl.col("call") * 4 % 1_000_000).cast(pl.String)
    uniqueid = pl.format(
        "{}.{}",
        base,
        pl.when(n == 3).then(pl.col("call") * 4 + leg).otherwise(pl.col("call") * 4) % 1_000_000,
    )
    agent = pl.when(leg == n - 1).then(pl.col("ext2")).otherwise(pl.col("ext"))
    hexid = pl.format("{}", (pl.col("call") * 4 + leg).cast(pl.String).str.zfill(8))
    src = pl.when(inbound).then(pl.col("caller")).otherwise(pl.col("ext"))
    dst = (
        pl.when(inbound)
        .then(pl.lit("74951234567"))
        .when(pl.col("direction") == "out")
        .then(pl.col("outside"))
        .otherwise(pl.col("ext2"))
    )
    context = (
        pl.when(queue_local)
        .then(pl.lit("from-queue"))
        .when(inbound)
        .then(pl.col("trunk_context"))
        .otherwise(pl.lit("from-internal"))
    )
    channel = (
        pl.when(queue_local)
        .then(pl.format("Local/{}@from-queue-{};2", pl.col("ext"), hexid))
        .when(inbound)
        .then(pl.format("PJSIP/trunk-{}", hexid))
        .otherwise(pl.format("PJSIP/{}-{}", pl.col("ext"), hexid))
    )
    dstchannel = (
        pl.when(queue_local)
        .then(pl.format("PJSIP/{}-{}", pl.col("ext"), hexid))
        .when(pl.col("direction") == "out")
        .then(pl.format("PJSIP/trunk-{}", hexid))
        .otherwise(pl.format("PJSIP/{}-{}", agent, hexid))
    )
    lastapp = pl.when(queue_local).then(pl.lit("Queue")).otherwise(pl.lit("Dial"))
    lastdata = (
        pl.when(queue_local)
        .then(pl.lit("sales,t,,,300"))
        .when(pl.col("direction") == "out")
        .then(pl.format("PJSIP/{}@trunk,60", dst))
        .otherwise(pl.format("PJSIP/{},30,tT", agent))
    )
    return frame.select(
        pl.lit("").alias("accountcode"),
        src.alias("src"),
        dst.alias("dst"),
        context.alias("dcontext"),
        pl.format('"{}" <{}>', src, src).alias("clid"),
        channel.alias("channel"),
        dstchannel.alias("dstchannel"),
        lastapp.alias("lastapp"),
        lastdata.alias("lastdata"),
        ts.dt.strftime(fmt).alias("start"),
        pl.when(disposition == "ANSWERED").then(answer).alias("answer"),
        end.alias("end"),
        duration.cast(pl.String).alias("duration"),
        billsec.cast(pl.String).alias("billsec"),
        disposition.alias("disposition"),
        pl.lit("DOCUMENTATION").alias("amaflags"),
        uniqueid.alias("uniqueid"),
        pl.col("tag").alias("userfield"),
        pl.lit("").alias("peeraccount"),
        pl.format("{}.{}", base, call_seq).alias("linkedid"),
        (pl.col("call") * 4 + leg).cast(pl.String).alias("sequence"),
    )


def write_asterisk(frame: pl.DataFrame, out: Path) -> None:
    """As ``cdr_csv`` writes: no header, every field quoted except the numbers (an empty
    ``answer`` is an empty field)."""
    quoted = [c for c in frame.columns if c not in ("duration", "billsec")]
    frame.with_columns(
        pl.format('"{}"', pl.col(c).str.replace_all('"', '""')).alias(c) for c in quoted
    ).write_csv(out, include_header=False, quote_style="never")


def calltouch_records(rows: int, *, seed: int = 0, now: int = NOW) -> pl.DataFrame:
    """Calltouch's API records (the shape of ``fixtures/calltouch/calls.json``): the CSV
    generator's values with numbers as numbers, booleans as booleans and ``callTags`` a list of
    ``{category, type, names}``."""
    flat = calltouch(rows, seed=seed, now=now)
    r = _rand(seed, 99)

    def tag(category: str, kind: str, *names: pl.Expr) -> pl.Expr:
        return pl.struct(
            pl.lit(category).alias("category"),
            pl.lit(kind).alias("type"),
            pl.concat_list(*names).alias("names"),
        )

    manual = tag("", "MANUAL", pl.lit("Целевой"))
    auto = tag("Продажи", "AUTO-PR", pl.lit("Продажа"), pl.format("Товар {}", r % 50))
    tags = (
        pl.when(r % 7 == 0)
        .then(pl.concat_list(auto, manual))
        .when(pl.col("callTags").is_not_null())
        .then(pl.concat_list(manual))
        .otherwise(pl.concat_list(manual).list.slice(0, 0))  # [] as in the fixture
    )
    return flat.select(
        pl.col("callId").cast(pl.Int64),
        "callphase",
        "date",
        pl.col("timestamp").cast(pl.Int64),
        "callerNumber",
        "phoneNumber",
        (pl.col("successful") == "true").alias("successful"),
        (pl.col("uniqueCall") == "true").alias("uniqueCall"),
        pl.col("duration").cast(pl.Int64),
        pl.col("waitingConnect").cast(pl.Int64),
        "source",
        "medium",
        "url",
        "callUrl",
        pl.col("sessionId").cast(pl.Int64),
        pl.format("{}.{}", r % 10**10, pl.col("timestamp")).alias("clientId"),
        "yaClientId",
        tags.alias("callTags"),
    )


def write_calltouch_json(frame: pl.DataFrame, out: Path, chunk: int = 200_000) -> None:
    """``{"page": 1, "pageTotal": 1, "recordsTotal": N, "records": [...]}``, written in chunks
    of records (the whole document is never held as one string)."""
    with out.open("wb") as fh:
        fh.write(
            f'{{"page": 1, "pageTotal": 1, "recordsTotal": {frame.height}, "records": ['.encode()
        )
        for i, start in enumerate(range(0, frame.height, chunk)):
            text = frame.slice(start, chunk).write_json().encode()
            fh.write((b",\n" if i else b"\n") + text[1:-1])
        fh.write(b"\n]}\n")


JSON_BLOCK_ROWS = 2_000_000
"""Records generated at once for the JSON export: a 10M-record frame with its tag lists would need
more memory than the benchmark machine has, so larger files are written block by block (block
``i`` with seed ``seed + i``; up to one block the bytes are those of one frame)."""


def write_calltouch_json_blocks(rows: int, out: Path, *, seed: int = 0) -> None:
    """:func:`write_calltouch_json` of ``rows`` records, generated :data:`JSON_BLOCK_ROWS` at a
    time."""
    if rows <= JSON_BLOCK_ROWS:
        write_calltouch_json(calltouch_records(rows, seed=seed), out)
        return
    with out.open("wb") as fh:
        fh.write(f'{{"page": 1, "pageTotal": 1, "recordsTotal": {rows}, "records": ['.encode())
        for block, start in enumerate(range(0, rows, JSON_BLOCK_ROWS)):
            frame = calltouch_records(min(JSON_BLOCK_ROWS, rows - start), seed=seed + block)
            for start_in, piece in enumerate(range(0, frame.height, 200_000)):
                text = frame.slice(piece, 200_000).write_json().encode()
                first = block == 0 and start_in == 0
                fh.write((b"\n" if first else b",\n") + text[1:-1])
        fh.write(b"\n]}\n")


GENERATORS = {
    "metrica": metrica_calls,
    "calltouch": calltouch,
    "asterisk": asterisk,
    "calltouch_json": calltouch_records,
}


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
    elif args.tracker == "asterisk":
        write_asterisk(asterisk(args.rows, seed=args.seed), args.out)
    elif args.tracker == "calltouch_json":
        write_calltouch_json_blocks(args.rows, args.out, seed=args.seed)
    else:
        GENERATORS[args.tracker](args.rows, seed=args.seed).write_csv(args.out, separator=";")


if __name__ == "__main__":
    main()

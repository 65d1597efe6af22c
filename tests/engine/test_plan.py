"""``plan``: an adapter compiled to one lazy query (reads no data; same values as ``Adapter.map``
on either polars engine), ``naive_times`` and ``Adapter.expressions`` in a user's own query."""

from __future__ import annotations

import polars as pl
import pytest

import callframe
from callframe.engine import Planned, naive_times, plan
from callframe.trackers import get_adapter

from ..conftest import FIXTURES

CALLTOUCH = get_adapter("calltouch")
MASTER = FIXTURES / "real" / "asterisk" / "Master.csv"


def calltouch_rows() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "callId": ["1", "2", "3"],
            "timestamp": ["1795226295", "", "soon"],
            "date": ["", "21/11/2026 04:58:15", ""],
            "callerNumber": ["8 (916) 123-45-67", "+380 67 123 4567", "101"],
            "successful": ["true", "false", "true"],
            "duration": ["95", "0", "1:02:03"],
            "waitingConnect": ["5", "7", "x"],
            "url": ["https://shop.example.ru/?yclid=42", "", "ftp://nope"],
            "yaClientId": ["1755671322195333790", "", "<не заполнено>"],
        }
    )


def master() -> pl.LazyFrame:
    export = callframe.read_export(MASTER)
    return export.frame.lazy()


def asterisk_for(lf: pl.LazyFrame) -> callframe.trackers.Adapter:
    adapter = get_adapter("asterisk")
    assert adapter.resolve is not None
    return adapter.resolve(lf.head(1000).collect(), None)


def test_plan_reads_no_data() -> None:
    def boom(s: pl.Series) -> pl.Series:
        raise AssertionError("the plan read the export")

    frame = calltouch_rows()
    untouchable = frame.lazy().with_columns(pl.col("duration").map_batches(boom, pl.String))
    planned = plan(CALLTOUCH, untouchable, tz="Europe/Moscow")

    assert isinstance(planned, Planned)
    assert planned.columns == [c for c in CALLTOUCH.nodes() if c in planned.columns]
    names = planned.frame.collect_schema().names()
    assert names[0] == "__row"
    assert names[1 : 1 + len(planned.columns)] == planned.columns
    assert all(n.startswith("__") for n in names[1 + len(planned.columns) :])


def test_the_collected_plan_is_what_adapter_map_gives() -> None:
    frame = calltouch_rows()
    planned = plan(CALLTOUCH, frame.lazy(), tz="Europe/Moscow")
    out = planned.frame.collect()
    mapped = CALLTOUCH.map(frame, tz="Europe/Moscow")

    assert out.select(planned.columns).equals(mapped.frame)
    assert planned.failures(out.filter(planned.any)).equals(mapped.failures)
    # the third row: an unreadable time, hold time, number and URL; the first two pass
    assert out.select(planned.error).to_series().to_list() == [False, False, True]
    assert set(mapped.failures["row"]) == {3}
    assert set(mapped.failures["rule"]) == {
        "DateTime|unreadable",
        "HoldDuration|unreadable",
        "PhoneNumber|unreadable",
        "URL|unreadable",
    }


def test_a_pbx_plan_streams_to_the_same_rows_as_in_memory() -> None:
    lf = master()
    adapter = asterisk_for(lf)
    planned = plan(adapter, lf, tz="UTC")
    in_memory = planned.frame.collect()
    streamed = planned.frame.collect(engine="streaming")

    assert streamed.equals(in_memory)
    assert in_memory["__row"].to_list() == list(range(1, in_memory.height + 1))
    assert in_memory.height == 84  # one row per leg, in export order
    # the legs of 36 calls: every other leg of an inbound call is flagged, once, as such
    failures = planned.failures(in_memory.filter(planned.any))
    extra = failures.filter(pl.col("rule") == "*|extra_leg")
    assert (
        extra.height
        == in_memory.filter(planned.any).height
        - failures.filter(pl.col("rule") != "*|extra_leg")["row"].n_unique()
    )
    assert planned.directions() == adapter.map(in_memory_source(), tz="UTC").directions


def in_memory_source() -> pl.DataFrame:
    return master().collect()


def test_naive_times_without_tz_are_refused_before_anything_is_read_twice() -> None:
    lf = calltouch_rows().lazy()
    with pytest.raises(callframe.UsageError, match=r"1 of 3 rows have call times without"):
        naive_times(CALLTOUCH, lf, None, "calls.csv")
    naive_times(CALLTOUCH, lf, "Europe/Moscow")  # a zone given: nothing to refuse


def test_adapter_expressions_work_inside_a_users_own_query() -> None:
    frame = calltouch_rows()
    exprs = CALLTOUCH.expressions(frame.lazy().collect_schema(), tz="Europe/Moscow")
    mine = (
        frame.lazy()
        .with_columns(**exprs)
        .filter(pl.col("CallMissed") == 0)
        .select("callId", "DateTime", "PhoneNumber", "TalkDuration")
        .collect(engine="streaming")
    )

    assert mine.rows() == [
        ("1", 1795226295, "+79161234567", 95),
        ("3", None, None, 3723),
    ]


def test_expressions_refuse_an_adapter_that_reads_several_rows_per_call() -> None:
    lf = master()
    with pytest.raises(callframe.UsageError, match=r"several rows per call"):
        asterisk_for(lf).expressions(lf.collect_schema(), tz="UTC")


def test_the_kept_leg_key_orders_legs_as_the_rule_and_reads_back_the_row() -> None:
    # the kept leg is the per-call min of one Int128 per leg (_cdr._kept_key): talked first,
    # then the earliest answer, the earliest start (nulls last), the first row; its low bits
    # are the row. Starts are read to the second; an answer too, but one computed from an
    # absurd duration may wrap past the whole second: it still orders exactly against whole
    # ones (two such in the same second of one call order by start, then row)
    from callframe.engine._cdr import _IDX, _kept_key

    low, high = -(2**63), 2**63 - 1  # every Datetime("us")
    answers = [low, -1_500_000, -1_000_000, 0, 1, 1_000_000, high, None]
    starts = [low // 10**6 * 10**6 + 10**6, -1_000_000, 0, 1_000_000, high // 10**6 * 10**6, None]
    legs = [
        (talked, order, start, idx)
        for idx, (talked, order, start) in enumerate(
            (talked, order if talked else None, start)
            for talked in (True, False)
            for order in answers
            for start in starts
        )
    ]
    frame = pl.DataFrame(
        legs,
        schema={"talked": pl.Boolean, "order": pl.Int64, "start": pl.Int64, "idx": pl.Int64},
        orient="row",
    ).with_columns(pl.col("order", "start").cast(pl.Datetime("us")))

    def rule(leg: tuple[bool, int | None, int | None, int]) -> tuple[object, ...]:
        talked, order, start, idx = leg
        return (not talked, order is None, order or 0, start is None, start or 0, idx)

    keyed = frame.with_columns(_kept_key().alias("key")).sort("key")
    assert keyed["idx"].to_list() == [leg[3] for leg in sorted(legs, key=rule)]
    assert (
        keyed.select((pl.col("key") % _IDX).cast(pl.Int64))["key"].to_list()
        == keyed["idx"].to_list()
    )

"""``Adapter.map``: batches and the time sources give the same values as the whole export."""

from __future__ import annotations

import polars as pl

from callframe.engine.nodes import FirstTime, LocalTime, UnixTime
from callframe.trackers import get_adapter

CALLTOUCH = get_adapter("calltouch")


def calltouch_frame(n: int, *, offset: int = 0) -> pl.DataFrame:
    """``n`` Calltouch rows: durations, flags and tags repeat; IDs and phones do not."""
    i = range(offset, offset + n)
    return pl.DataFrame(
        {
            "callId": [str(k) for k in i],
            "timestamp": [str(1_795_000_000 + 60 * k) for k in i],
            "date": ["" for _ in i],
            "callerNumber": [f"8 (916) {1_000_000 + k:07d}"[:16] for k in i],
            "successful": ["true" if k % 3 else "false" for k in i],
            "uniqueCall": ["true" if k % 2 else "false" for k in i],
            "duration": [str(k % 7 * 10) for k in i],
            "waitingConnect": [str(k % 5) for k in i],
            "url": [f"https://shop.example.ru/?yclid={k + 1}" for k in i],
            "callUrl": ["https://shop.example.ru/" for _ in i],
            "sessionId": [str(k) for k in i],
            "yaClientId": [f"17{k:017d}" for k in i],
            "callTags": ["" for _ in i],
        }
    )


def test_an_export_mapped_in_batches_gives_what_it_gives_at_once() -> None:
    # the second batch has values the first never had (nothing is chosen from data any more)
    whole = pl.concat(
        [
            calltouch_frame(500),
            calltouch_frame(300, offset=500).with_columns(pl.lit("1:02:03").alias("duration")),
        ]
    )
    at_once = CALLTOUCH.map(whole, tz="Europe/Moscow")
    first = CALLTOUCH.map(whole.head(500), tz="Europe/Moscow")
    later = CALLTOUCH.map(whole.slice(500), tz="Europe/Moscow", first_row=501)

    assert pl.concat([first.frame, later.frame]).equals(at_once.frame)
    assert pl.concat([first.failures, later.failures]).equals(at_once.failures)
    assert later.frame["TalkDuration"].unique().to_list() == [3723]


def first_time_values(timestamps: list[str], dates: list[str]) -> list[int | None]:
    node = FirstTime(UnixTime("timestamp"), LocalTime("date", formats=("%d/%m/%Y %H:%M:%S",)))
    adapter = CALLTOUCH.replace(time=node)
    frame = calltouch_frame(len(timestamps)).with_columns(
        pl.Series("timestamp", timestamps), pl.Series("date", dates)
    )
    return adapter.map(frame, tz="Europe/Moscow").frame["DateTime"].to_list()


def test_first_time_takes_the_first_source_where_it_reads_and_the_next_elsewhere() -> None:
    # 2026-11-21 04:58:15 in Moscow (UTC+3) is 01:58:15 UTC, Unix 1795226295
    assert first_time_values(["1795226295", ""], ["", "21/11/2026 04:58:15"]) == [
        1795226295,
        1795226295,
    ]
    assert first_time_values(["1795226295", "x"], ["21/11/2026 00:00:00", ""]) == [
        1795226295,
        None,
    ]
    # every row has the first source: the second is never needed
    assert first_time_values(["1795226295", "1795226296"], ["", ""]) == [1795226295, 1795226296]

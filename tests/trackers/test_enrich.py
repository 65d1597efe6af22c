"""``callframe.enrich``: calls without an ID get one from another source, by phone and time.

The window is inclusive at both ends: backward, an ids row at ``call − within`` or at the call's
own second matches, one second earlier does not.
"""

from __future__ import annotations

import polars as pl
import pytest

import callframe
from callframe.conversion.enrich import parse_window

CALL_T = 1_795_158_930  # 2026-11-20 10:15:30 Moscow


def calls(*rows: tuple[str, int], client_id: str | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "DateTime": [t for _, t in rows],
            "StaticCall": [1] * len(rows),
            "PhoneNumber": [p for p, _ in rows],
        },
        schema={"DateTime": pl.Int64, "StaticCall": pl.Int8, "PhoneNumber": pl.String},
    ).with_columns(pl.lit(client_id, pl.String).alias("ClientId"))


def ids(*rows: tuple[str, str | int, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "PhoneNumber": [p for p, _, _ in rows],
            "DateTime": [str(t) for _, t, _ in rows],
            "ClientId": [c for _, _, c in rows],
        },
        schema={"PhoneNumber": pl.String, "DateTime": pl.String, "ClientId": pl.String},
    )


def test_an_exact_match_fills_the_id_and_makes_the_call_dynamic() -> None:
    got = callframe.enrich(
        calls(("+79161234567", CALL_T)), ids(("+79161234567", CALL_T - 60, "11"))
    )
    assert got.data.get_column("ClientId").to_list() == ["11"]
    assert got.data.get_column("StaticCall").to_list() == [0]
    assert got.matches.row(0, named=True) == {
        "row": 1,
        "IdSource": "ids",
        "ids_row": 1,
        "seconds_apart": 60,
    }
    assert (got.matched, got.ambiguous, got.unmatched) == (1, 0, 0)
    kept = callframe.enrich(
        calls(("+79161234567", CALL_T)),
        ids(("+79161234567", CALL_T - 60, "11")),
        matched_static=None,
    )
    assert kept.data.get_column("StaticCall").to_list() == [1]


@pytest.mark.parametrize(
    ("seconds_before", "matched"),
    [(0, True), (1800, True), (1801, False), (-1, False)],
    ids=["at-the-call", "at-the-edge", "one-second-beyond", "after-the-call"],
)
def test_the_window_is_inclusive_at_both_ends(seconds_before: int, matched: bool) -> None:
    got = callframe.enrich(
        calls(("+79161234567", CALL_T)),
        ids(("+79161234567", CALL_T - seconds_before, "11")),
        within="30m",
    )
    assert got.data.get_column("ClientId").to_list() == (["11"] if matched else [None])


def test_forward_looks_after_the_call() -> None:
    source = ids(("+79161234567", CALL_T + 300, "11"))
    back = callframe.enrich(calls(("+79161234567", CALL_T)), source)
    ahead = callframe.enrich(calls(("+79161234567", CALL_T)), source, direction="forward")
    assert back.matched == 0 and ahead.matched == 1


def test_the_latest_row_wins_when_it_carries_the_same_id() -> None:
    source = ids(
        ("+79161234567", CALL_T - 1700, "11"),
        ("+79161234567", CALL_T - 100, "11"),
        ("+79161234567", CALL_T - 5000, "99"),  # outside the window: no conflict
    )
    got = callframe.enrich(calls(("+79161234567", CALL_T)), source)
    assert got.matches.get_column("ids_row").to_list() == [2]
    assert got.ambiguous == 0 and got.data.get_column("ClientId").to_list() == ["11"]


@pytest.mark.parametrize("other_at", [CALL_T - 1800, CALL_T - 100, CALL_T - 50])
def test_two_ids_in_the_window_are_ambiguous_and_none_is_taken(other_at: int) -> None:
    source = ids(("+79161234567", CALL_T - 50, "11"), ("+79161234567", other_at, "22"))
    got = callframe.enrich(calls(("+79161234567", CALL_T)), source)
    assert got.data.get_column("ClientId").to_list() == [None]
    assert got.matches.get_column("IdSource").to_list() == ["ambiguous"]
    assert got.counts()["ambiguous"] == 1
    assert got.data.get_column("StaticCall").to_list() == [1]


def test_phone_formats_differ_between_the_sources() -> None:
    formats = ["8 (916) 123-45-67", "+7 916 123 45 67", "79161234567", "9161234567"]
    for shown in formats:
        got = callframe.enrich(calls(("+79161234567", CALL_T)), ids((shown, CALL_T - 10, "11")))
        assert got.matched == 1, shown
    other = callframe.enrich(calls(("+79161234567", CALL_T)), ids(("+79161234568", CALL_T, "1")))
    assert other.matched == 0


def test_time_zones_differ_between_the_sources() -> None:
    # the call at 10:15:30 Moscow; the form at 12:10:30 Yekaterinburg = 10:10:30 Moscow
    naive = ids(("+79161234567", "2026-11-20 12:10:30", "11"))
    got = callframe.enrich(calls(("+79161234567", CALL_T)), naive, tz="Asia/Yekaterinburg")
    assert got.matches.get_column("seconds_apart").to_list() == [300]
    # read as Moscow time it would be 1 h 55 min after the call: no match
    wrong = callframe.enrich(calls(("+79161234567", CALL_T)), naive, tz="Europe/Moscow")
    assert wrong.matched == 0
    offset = ids(("+79161234567", "2026-11-20T12:10:30+05:00", "11"))
    assert callframe.enrich(calls(("+79161234567", CALL_T)), offset).matched == 1
    dotted = ids(("+79161234567", "20.11.2026 12:10:30", "11"))
    assert (
        callframe.enrich(calls(("+79161234567", CALL_T)), dotted, tz="Asia/Yekaterinburg").matched
        == 1
    )


def test_naive_ids_times_without_tz_raise_naming_the_option() -> None:
    naive = ids(("+79161234567", "2026-11-20 12:10:30", "11"))
    with pytest.raises(callframe.UsageError, match=r"--ids-tz.*never guesses"):
        callframe.enrich(calls(("+79161234567", CALL_T)), naive)


def test_calls_with_an_id_or_without_a_phone_are_left_alone() -> None:
    frame = calls(("+79161234567", CALL_T), client_id="555")
    got = callframe.enrich(frame, ids(("+79161234567", CALL_T, "11")))
    assert got.data.get_column("ClientId").to_list() == ["555"]
    assert got.matches.get_column("IdSource").to_list() == ["export"]
    nophone = pl.DataFrame(
        {"DateTime": [CALL_T], "StaticCall": [1], "PhoneNumber": [None]},
        schema={"DateTime": pl.Int64, "StaticCall": pl.Int8, "PhoneNumber": pl.String},
    )
    got = callframe.enrich(nophone, ids(("+79161234567", CALL_T, "11")))
    assert got.matches.get_column("IdSource").to_list() == ["no_phone"]


def test_ids_columns_can_be_mapped_and_bad_rows_are_skipped() -> None:
    source = pl.DataFrame(
        {
            "tel": ["+79161234567", "call me", "+79161234567", "+79161234567"],
            "when": [str(CALL_T - 10), str(CALL_T), "вчера", str(CALL_T - 20)],
            "ym_uid": [None, "22", "33", "abc"],
            "crm": ["u-1", None, None, None],
        }
    )
    got = callframe.enrich(
        calls(("+79161234567", CALL_T)),
        source,
        on_phone="tel",
        on_time="when",
        id_columns={"ym_uid": "ClientId", "crm": "UserId"},
    )
    assert got.data.select("UserId", "ClientId").row(0) == ("u-1", None)
    assert (got.ids_rows, got.ids_skipped) == (4, 3)


def test_rows_keep_their_order_and_count() -> None:
    frame = calls(("+79031112233", CALL_T + 500), ("+79161234567", CALL_T), ("+79031112233", 1))
    source = ids(("+79031112233", CALL_T + 400, "7"), ("+79161234567", CALL_T - 1, "8"))
    got = callframe.enrich(frame, source)
    assert got.data.get_column("ClientId").to_list() == ["7", "8", None]
    assert got.data.get_column("DateTime").to_list() == [CALL_T + 500, CALL_T, 1]


def test_a_missing_ids_column_is_a_usage_error() -> None:
    with pytest.raises(callframe.UsageError, match="lacks the column"):
        callframe.enrich(calls(("+79161234567", CALL_T)), pl.DataFrame({"x": ["1"]}))


@pytest.mark.parametrize(
    ("text", "seconds"), [("30m", 1800), ("1h30m", 5400), ("90s", 90), ("2d", 172800), (60, 60)]
)
def test_windows_are_read_from_text(text: str | int, seconds: int) -> None:
    assert parse_window(text) == seconds


def test_an_unreadable_window_is_a_usage_error() -> None:
    with pytest.raises(callframe.UsageError, match="--within"):
        parse_window("half an hour")


def test_the_result_speaks_the_common_vocabulary() -> None:
    source = ids(("+79161234567", CALL_T - 50, "11"))
    got = callframe.enrich(calls(("+79161234567", CALL_T), ("+79035550000", CALL_T)), source)
    assert (got.n_rows, got.n_valid, got.n_rejected, got.ok) == (2, 1, 1, False)
    assert got.valid.get_column("ClientId").to_list() == ["11"]
    assert got.rejected.select("row", "IdSource").rows() == [(2, "unmatched")]
    assert got.data.height == 2  # the call without an ID stays in the frame to write

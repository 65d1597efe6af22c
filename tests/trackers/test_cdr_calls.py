"""Asterisk and FreePBX CDRs: calls built from their legs, direction from context and channels,
the layout recognised from the content (issue 13, items 1–4).

The small CDRs below are written row by row in ``cdr_csv`` order (21 columns, ``linkedid`` in
20); the real exports of ``fixtures/real/asterisk/`` prove the same rules on production data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

import callframe
from callframe.cli import app
from callframe.trackers import asterisk, freepbx, get_adapter

from ..conftest import FIXTURES

REAL = FIXTURES / "real" / "asterisk"
UTC = {"tz": "UTC"}
NOW_2024 = 1_706_486_400  # just after the last call of fixtures/real/asterisk/Master.csv


def leg(
    src: str,
    dst: str,
    start: str,
    duration: int,
    billsec: int,
    disposition: str,
    *,
    linkedid: str,
    uniqueid: str | None = None,
    context: str = "from-trunk",
    channel: str = "SIP/trunk-00000001",
    dstchannel: str = "SIP/101-00000002",
    lastapp: str = "Dial",
    answer: str = "",
) -> str:
    """One ``cdr_csv`` row (``loguniqueid``, ``loguserfield``, ``linkedid`` in 20); ids are
    written uniqueid-shaped (``"1.2"`` → ``"170634001.2"``)."""
    linkedid, uniqueid = f"17063400{linkedid}", f"17063400{uniqueid or linkedid}"
    cells = [
        '""',
        f'"{src}"',
        f'"{dst}"',
        f'"{context}"',
        f'"""{src}"" <{src}>"',
        f'"{channel}"',
        f'"{dstchannel}"',
        f'"{lastapp}"',
        '""',
        f'"{start}"',
        f'"{answer}"' if answer else "",
        '"2024-01-27 10:00:00"',
        str(duration),
        str(billsec),
        f'"{disposition}"',
        '"DOCUMENTATION"',
        f'"{uniqueid}"',
        '""',
        '""',
        f'"{linkedid}"',
        "0",
    ]
    return ",".join(cells)


def cdr(tmp_path: Path, *rows: str, name: str = "Master.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def calls(path: Path, **kwargs: Any) -> list[dict[str, Any]]:
    conversion = callframe.convert(path, tracker="asterisk", now=NOW_2024, **UTC, **kwargs)
    return conversion.valid.select(
        "DateTime", "PhoneNumber", "TalkDuration", "HoldDuration", "CallMissed"
    ).to_dicts()


def unix(text: str) -> int:
    return int(pl.Series([text]).str.to_datetime("%Y-%m-%d %H:%M:%S").dt.epoch("s")[0])


CALLER = "79161234567"


# --- item 1: legs -------------------------------------------------------------------------------


def test_a_local_leg_answered_with_billsec_0_does_not_hide_the_leg_that_talked(
    tmp_path: Path,
) -> None:
    path = cdr(
        tmp_path,
        # the trunk leg to the Local/ half: ANSWERED, billsec 0 (the queue's bookkeeping)
        leg(
            CALLER,
            "200",
            "2024-01-27 09:00:00",
            5,
            0,
            "ANSWERED",
            linkedid="1.1",
            dstchannel="Local/ch1@TimeDelay-00000001;1",
        ),
        # the real phone that picked up 5 s later and talked 79 s
        leg(
            CALLER,
            "200",
            "2024-01-27 09:00:05",
            79,
            79,
            "ANSWERED",
            linkedid="1.1",
            uniqueid="1.2",
            answer="2024-01-27 09:00:05",
        ),
    )
    conversion = callframe.convert(path, tracker="asterisk", now=NOW_2024, **UTC)
    assert calls(path) == [
        {
            "DateTime": unix("2024-01-27 09:00:00"),  # the earliest leg's start
            "PhoneNumber": "+79161234567",
            "TalkDuration": 79,
            "HoldDuration": 5,  # from the call's start to the answer
            "CallMissed": 0,
        }
    ]
    assert conversion.rejected.select("row", "rule").rows() == [(1, "*|extra_leg")]


def test_a_dialplan_hangup_leg_does_not_make_an_unanswered_call_answered(tmp_path: Path) -> None:
    path = cdr(
        tmp_path,
        leg(CALLER, "200", "2024-01-27 09:00:00", 60, 60, "NO ANSWER", linkedid="2.1"),
        leg(
            CALLER,
            "200",
            "2024-01-27 09:00:00",
            30,
            0,
            "NO ANSWER",
            linkedid="2.1",
            dstchannel="SIP/102-00000003",
        ),
        # the dialplan's own Hangup step, 60 s later: ANSWERED but no dstchannel
        leg(
            CALLER,
            "200",
            "2024-01-27 09:01:00",
            0,
            0,
            "ANSWERED",
            linkedid="2.1",
            dstchannel="",
            lastapp="Hangup",
        ),
        leg(
            CALLER,
            "200",
            "2024-01-27 09:05:00",
            27,
            27,
            "ANSWERED",
            linkedid="3.1",
            dstchannel="",
            lastapp="Playback",
        ),
    )
    assert calls(path) == [
        # NO ANSWER although billsec 60: not answered; hold = the whole ring time
        {
            "DateTime": unix("2024-01-27 09:00:00"),
            "PhoneNumber": "+79161234567",
            "TalkDuration": 0,
            "HoldDuration": 60,
            "CallMissed": 1,
        },
        # answered by the dialplan only (Playback, no dstchannel): missed
        {
            "DateTime": unix("2024-01-27 09:05:00"),
            "PhoneNumber": "+79161234567",
            "TalkDuration": 0,
            "HoldDuration": 27,
            "CallMissed": 1,
        },
    ]


def test_of_several_legs_that_talked_the_first_answered_is_the_calls(tmp_path: Path) -> None:
    path = cdr(
        tmp_path,
        leg(
            CALLER,
            "200",
            "2024-01-27 09:00:00",
            100,
            40,
            "ANSWERED",
            linkedid="4.1",
            answer="2024-01-27 09:01:00",
            dstchannel="SIP/102-1",
        ),
        leg(
            CALLER,
            "200",
            "2024-01-27 09:00:00",
            100,
            90,
            "ANSWERED",
            linkedid="4.1",
            answer="2024-01-27 09:00:10",
        ),
    )
    assert calls(path)[0] | {"DateTime": 0} == {
        "DateTime": 0,
        "PhoneNumber": "+79161234567",
        "TalkDuration": 90,
        "HoldDuration": 10,
        "CallMissed": 0,
    }


def test_a_queue_call_through_a_local_channel_is_answered_by_the_agents_leg(tmp_path: Path) -> None:
    path = tmp_path / "cdr.csv"
    pl.DataFrame(
        {
            "calldate": ["2024-01-27 09:00:00", "2024-01-27 09:00:03"],
            "src": [CALLER, CALLER],
            "dst": ["101", "101"],
            "dcontext": ["from-trunk", "ext-local"],
            "channel": ["PJSIP/trunk-1", "Local/101@from-queue-1;2"],
            "dstchannel": ["Local/101@from-queue-1;1", "PJSIP/101-2"],
            "duration": ["50", "47"],
            "billsec": ["0", "40"],
            "disposition": ["ANSWERED", "ANSWERED"],
            "uniqueid": ["9.1", "9.2"],
            "linkedid": ["9.1", "9.1"],
            "cnum": [CALLER, CALLER],
        }
    ).write_csv(path)
    conversion = callframe.convert(path, tracker="freepbx", now=NOW_2024, **UTC)
    # the trunk's leg into the Local;1 half is bookkeeping; the Local;2 half's leg to the
    # agent's phone carries the talk: 40 s, answered at 09:00:03 + (47 − 40) s = 09:00:10
    assert conversion.valid.select("TalkDuration", "HoldDuration", "CallMissed").rows() == [
        (40, 10, 0)
    ]
    assert conversion.rejected.select("row", "rule").rows() == [(1, "*|extra_leg")]
    assert conversion.directions == {"inbound by context": 1}


def test_freepbx_answer_time_is_calldate_plus_duration_minus_billsec(tmp_path: Path) -> None:
    path = tmp_path / "cdr.csv"
    pl.DataFrame(
        {
            "calldate": ["2024-01-27 09:00:00", "2024-01-27 09:00:02"],
            "src": [CALLER, CALLER],
            "dst": ["101", "102"],
            "dcontext": ["ext-local", "ext-local"],
            "channel": ["PJSIP/trunk-1", "PJSIP/trunk-1"],
            "dstchannel": ["PJSIP/101-2", "PJSIP/102-3"],
            "duration": ["10", "30"],
            "billsec": ["0", "21"],
            "disposition": ["NO ANSWER", "ANSWERED"],
            "uniqueid": ["8.1", "8.1"],
            "linkedid": ["8.1", "8.1"],
            "cnum": [CALLER, CALLER],
        }
    ).write_csv(path)
    conversion = callframe.convert(path, tracker="freepbx", now=NOW_2024, **UTC)
    # answered at 09:00:02 + (30 − 21) s = 09:00:11, 11 s after the call's start
    assert conversion.valid.select("TalkDuration", "HoldDuration", "CallMissed").rows() == [
        (21, 11, 0)
    ]
    assert conversion.directions == {"inbound by channel": 1}


def test_real_master_csv_local_and_hangup_legs() -> None:
    """The production Master.csv: 84 legs of 36 calls through Local/ (TimeDelay) channels."""
    conversion = callframe.convert(REAL / "Master.csv", tracker="asterisk", now=NOW_2024, **UTC)
    assert (conversion.n_rows, conversion.n_valid) == (84, 36)
    assert conversion.rejected_counts() == {"*|extra_leg": 48}
    kept = sorted(set(range(1, 85)) - set(conversion.rejected.get_column("row").to_list()))
    rows = dict(
        zip(
            kept,
            conversion.valid.select(
                "DateTime", "TalkDuration", "HoldDuration", "CallMissed"
            ).rows(),
            strict=True,
        )
    )
    # rows 4–6: two Dial legs NO ANSWER (one with billsec 60) and the dialplan's Hangup leg
    # (ANSWERED, 60 s later): missed, at the call's start, hold 60
    assert rows[4] == (unix("2024-01-27 15:33:20"), 0, 60, 1)
    # rows 27–31: Local/ legs ANSWERED with billsec 0; SIP/301 talked 23 s (row 31)
    assert rows[31] == (unix("2024-01-28 03:20:22"), 23, 5, 0)
    assert all(r not in rows for r in (27, 28, 29, 30))


# --- item 2: direction --------------------------------------------------------------------------


def test_a_six_digit_caller_on_the_pstn_trunk_is_inbound(tmp_path: Path) -> None:
    path = cdr(
        tmp_path,
        leg(
            "200007",
            "200003",
            "2024-01-27 09:00:00",
            30,
            25,
            "ANSWERED",
            linkedid="5.1",
            context="stadion-pstn",
            channel="SIP/200003-00000013",
        ),
    )
    conversion = callframe.convert(path, tracker="asterisk", now=NOW_2024, **UTC)
    assert conversion.n_valid == 1
    assert conversion.directions == {"inbound by context": 1}


def test_direction_by_context_then_channel_then_digits(tmp_path: Path) -> None:
    path = cdr(
        tmp_path,
        # context: an outbound route
        leg(
            "101",
            "79035550000",
            "2024-01-27 09:00:00",
            30,
            25,
            "ANSWERED",
            linkedid="6.1",
            context="from-internal",
            channel="SIP/101-1",
            dstchannel="SIP/trunk-2",
        ),
        # context: from-internal to an extension
        leg(
            "101",
            "102",
            "2024-01-27 09:10:00",
            30,
            25,
            "ANSWERED",
            linkedid="6.2",
            context="from-internal",
            channel="SIP/101-3",
            dstchannel="SIP/102-4",
        ),
        # context says nothing (ext-local): the trunk channel decides
        leg(
            "200007",
            "101",
            "2024-01-27 09:20:00",
            30,
            25,
            "ANSWERED",
            linkedid="6.3",
            context="ext-local",
            channel="SIP/trunk-5",
        ),
        # neither context nor channel decide: the digit count (a 3-digit caller)
        leg(
            "103",
            "104",
            "2024-01-27 09:30:00",
            30,
            25,
            "ANSWERED",
            linkedid="6.4",
            context="custom",
            channel="IAX2/box-6",
            dstchannel="IAX2/box-7",
        ),
    )
    conversion = callframe.convert(path, tracker="asterisk", now=NOW_2024, **UTC)
    issues = conversion.errors.select("row", "rule").rows()
    assert issues == [(1, "*|outbound"), (2, "*|internal"), (4, "*|internal")]
    assert conversion.directions == {
        "inbound by channel": 1,
        "internal by context": 1,
        "internal by digits": 1,
        "outbound by context": 1,
    }
    text = conversion.to_text()
    assert "calls by direction: 1 inbound (1 by channel), 1 outbound (1 by context), " in text
    assert "2 internal (1 by context, 1 by digit count)" in text
    assert conversion.to_dict()["directions"]["internal by digits"] == 1


def test_spaces_placeholders_and_case_read_as_the_clean_cells_do(tmp_path: Path) -> None:
    """Times, durations and dispositions are read from the cell as it is first, and cleaned
    (stripped, placeholders null) only where that fails: a CDR with padded cells, ``-`` for
    an empty answer, ``answered`` in lower case and legs without ids converts exactly as the
    same CDR written cleanly."""
    clean = [
        leg(CALLER, "200", "2024-01-27 09:00:00", 5, 0, "ANSWERED", linkedid="9.1",
            dstchannel="Local/ch1@TimeDelay-00000001;1"),
        leg(CALLER, "200", "2024-01-27 09:00:05", 84, 79, "ANSWERED", linkedid="9.1",
            uniqueid="9.2", answer="2024-01-27 09:00:10"),
        # neither context nor channel decide: the digits of the caller, inside its <…>
        leg("103", "104", "2024-01-27 09:30:00", 30, 25, "ANSWERED", linkedid="9.3",
            context="custom", channel="IAX2/box-6", dstchannel="IAX2/box-7"),
        leg(CALLER, "300", "2024-01-27 09:40:00", 20, 0, "NO ANSWER", linkedid="9.4"),
    ]  # fmt: skip
    # the last leg without ids: a call of its own, like the same leg with its own linkedid
    clean[3] = clean[3].replace('"170634009.4"', '""')
    messy = [
        clean[0].replace(',5,0,"ANSWERED"', ',"5 ","  0","answered"'),
        clean[1]
        .replace('"2024-01-27 09:00:05"', '" 2024-01-27 09:00:05 "')
        .replace(',84,79,"ANSWERED"', ',"84"," 79 ","Answered "'),
        clean[2].replace('"103"', '" 103 "', 1).replace('"104"', '"104  "'),
        clean[3]
        .replace('"2024-01-27 09:40:00"', '"2024-01-27 09:40:00 "')
        .replace('"NO ANSWER"', '"-"'),
    ]
    layout = asterisk.make_adapter(layout="cdr_csv")  # "-" is no disposition to recognise
    a = callframe.convert(cdr(tmp_path, *clean), tracker=layout, now=NOW_2024, **UTC)
    b = callframe.convert(
        cdr(tmp_path, *messy, name="messy.csv"), tracker=layout, now=NOW_2024, **UTC
    )
    columns = ["DateTime", "PhoneNumber", "TalkDuration", "HoldDuration", "CallMissed"]
    assert b.valid.select(columns).to_dicts() == a.valid.select(columns).to_dicts()
    assert a.valid.select("TalkDuration", "HoldDuration").rows() == [(79, 10), (0, 20)]
    assert b.rejected.select("row", "rule").rows() == a.rejected.select("row", "rule").rows()
    assert b.directions == a.directions == {"inbound by context": 2, "internal by digits": 1}


def test_trunk_patterns_are_options(tmp_path: Path) -> None:
    path = cdr(
        tmp_path,
        leg(
            "200007",
            "101",
            "2024-01-27 09:20:00",
            30,
            25,
            "ANSWERED",
            linkedid="7.1",
            context="custom",
            channel="SIP/mtt-5",
        ),
    )
    # by default a 6-digit caller on an unknown channel is an extension (the digit count)
    assert callframe.convert(path, tracker="asterisk", now=NOW_2024, **UTC).n_valid == 0
    named = asterisk.make_adapter(trunk_channels=("SIP/mtt",))
    assert callframe.convert(path, tracker=named, now=NOW_2024, **UTC).n_valid == 1
    by_text = callframe.convert(path, tracker="asterisk:trunk_contexts=custom", now=NOW_2024, **UTC)
    assert by_text.directions == {"inbound by context": 1}
    freepbx_named = get_adapter("freepbx:trunk_channels=PJSIP/mtt*")
    assert freepbx_named == freepbx.make_adapter(trunk_channels=("PJSIP/mtt*",))
    with pytest.raises(callframe.UsageError, match="unknown Asterisk option colour"):
        get_adapter("asterisk:colour=red")
    with pytest.raises(callframe.UsageError, match="takes no options"):
        get_adapter("calltouch:layout=x")


def test_the_cli_takes_adapter_options_in_the_tracker_name(tmp_path: Path) -> None:
    path = cdr(
        tmp_path,
        leg(
            "200007",
            "101",
            "2024-01-27 09:20:00",
            30,
            25,
            "ANSWERED",
            linkedid="7.1",
            context="custom",
            channel="SIP/mtt-5",
        ),
    )
    result = CliRunner().invoke(
        app,
        [
            "convert",
            str(path),
            "-o",
            str(tmp_path / "out.csv"),
            "--tz",
            "UTC",
            "--now",
            str(NOW_2024),
            "--tracker",
            "asterisk:trunk_channels=SIP/mtt",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "calls by direction: 1 inbound (1 by channel)" in result.output


def test_real_master_csv_city_callers_on_the_pstn_trunk_are_inbound() -> None:
    conversion = callframe.convert(REAL / "Master.csv", tracker="asterisk", now=NOW_2024, **UTC)
    assert conversion.directions == {"inbound by context": 36}
    assert "*|internal" not in conversion.rejected_counts()


# --- item 3: layouts ----------------------------------------------------------------------------


def test_real_cdr_custom_file_is_read_in_its_own_layout() -> None:
    frame = callframe.read_export(REAL / "cdr_custom_Master.csv").frame
    assert asterisk.recognise(frame) == "cdr_custom"
    assert asterisk.recognise(callframe.read_export(REAL / "Master.csv").frame) == "cdr_csv"
    conversion = callframe.convert(
        REAL / "cdr_custom_Master.csv", tracker="asterisk", now=1_690_416_000, **UTC
    )
    # every call is between two extensions; none lost its time to an empty answer column
    assert conversion.rejected_counts() == {"*|internal": 14}
    assert conversion.directions == {"internal by digits": 14}


def test_an_unknown_layout_is_refused_with_how_to_name_the_columns(tmp_path: Path) -> None:
    rows = [
        leg(CALLER, "200", "2024-01-27 09:00:00", 30, 25, "ANSWERED", linkedid="1.1"),
        leg(CALLER, "200", "2024-01-27 09:10:00", 30, 0, "NO ANSWER", linkedid="1.2"),
    ]
    # the same rows with the start moved to the end: no known layout
    moved = []
    for row in pl.read_csv(
        "\n".join(rows).encode(), has_header=False, infer_schema=False
    ).iter_rows():
        cells = list(row)
        cells.append(cells.pop(9))
        moved.append(",".join(f'"{c}"' if c is not None else "" for c in cells))
    path = cdr(tmp_path, *moved)
    with pytest.raises(callframe.ExportError, match=r"not in a known Asterisk CDR layout") as exc:
        callframe.convert(path, tracker="asterisk", now=NOW_2024, **UTC)
    assert "date-times in columns 11, 21, dispositions in 14, uniqueids in 16, 19" in str(exc.value)
    assert "asterisk:columns=" in str(exc.value) and str(path) in str(exc.value)
    order = list(asterisk.LAYOUTS["cdr_csv"])
    order.append(order.pop(9))
    named = callframe.convert(
        path, tracker=f"asterisk:columns={','.join(order)}", now=NOW_2024, **UTC
    )
    assert named.valid.get_column("DateTime").to_list() == [
        unix("2024-01-27 09:00:00"),
        unix("2024-01-27 09:10:00"),
    ]


def test_a_forced_layout_and_bad_columns_options() -> None:
    forced = asterisk.make_adapter(layout="cdr_custom")
    assert forced.resolve is None and forced.time is not None
    assert forced.time.reads() == ("column_9",)
    with pytest.raises(callframe.UsageError, match="unknown Asterisk layout"):
        asterisk.make_adapter(layout="mine")
    with pytest.raises(callframe.UsageError, match="lacks start"):
        asterisk.make_adapter(columns=("src", "dst"))


# --- item 4: detection from the content ---------------------------------------------------------


def test_a_headerless_file_that_is_not_a_cdr_is_not_asterisk(tmp_path: Path) -> None:
    values = ", ".join(["2590424", "calldisconnected", "1", "", "30/06/2023 18:11:56", "61"] * 4)
    path = tmp_path / "dump.csv"
    path.write_text("\n".join([values] * 5) + "\n", encoding="utf-8")
    with pytest.raises(callframe.ExportError, match="no adapter fits") as exc:
        callframe.detect(path)
    assert "content does not fit" in str(exc.value)
    result = CliRunner().invoke(app, ["detect", str(path)])
    assert result.exit_code == 2 and "no adapter fits" in result.output


def test_real_calltouch_values_dump_is_no_tracker() -> None:
    path = FIXTURES / "real" / "calltouch" / "calls_diary_values_dump.csv"
    assert asterisk.content_score(callframe.read_export(path).frame) < 0.5
    for command in (["detect", str(path)], ["convert", str(path), "-o", "/dev/null"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2 and "no adapter fits" in result.output


def test_content_scores_of_real_cdrs() -> None:
    for name in ("Master.csv", "cdr_custom_Master.csv"):
        found = callframe.detect(REAL / name)
        assert (found.name, found.score) == ("asterisk", 1.0)


def test_each_leg_of_an_outbound_call_is_outbound_not_an_extra_leg(tmp_path: Path) -> None:
    path = cdr(
        tmp_path,
        # one outbound call (one linkedid) tried on two trunks: both legs are *|outbound
        leg("101", "79035550000", "2024-01-27 09:00:00", 0, 0, "FAILED", linkedid="8.1",
            context="custom", channel="SIP/101-1", dstchannel="SIP/trunk-2"),
        leg("101", "79035550000", "2024-01-27 09:00:01", 40, 38, "ANSWERED", linkedid="8.1",
            context="custom", channel="SIP/101-1", dstchannel="SIP/pstn-3"),
        # an extension running a feature code (an AGI, nothing dialled): internal
        leg("101", "*2031101", "2024-01-27 09:05:00", 6, 6, "ANSWERED", linkedid="8.2",
            context="default", channel="SIP/101-4", dstchannel="", lastapp="AGI"),
    )  # fmt: skip
    conversion = callframe.convert(path, tracker="asterisk", now=NOW_2024, **UTC)
    assert conversion.errors.select("row", "rule").rows() == [
        (1, "*|outbound"),
        (2, "*|outbound"),
        (3, "*|internal"),
    ]
    assert conversion.directions == {"outbound by channel": 1, "internal by channel": 1}


def test_named_trunks_make_a_call_touching_none_internal() -> None:
    """The US FreePBX export: a click-to-call originate through Local/ from the company's own
    10-digit DID (row 5) never touches the trunks VIOrig/VITerm/thinQ: internal once they are
    named, not inbound by its digit count."""
    path = FIXTURES / "real" / "freepbx" / "cdr_us_with_header.csv"
    options = {"tz": "America/New_York", "region": "US", "now": 1_543_622_400}
    default = callframe.convert(path, tracker="freepbx", **options)
    assert 5 not in default.rejected.get_column("row").to_list()  # digit count: inbound
    named = callframe.convert(
        path, tracker="freepbx:trunk_channels=PJSIP/VIOrig,PJSIP/VITerm,PJSIP/thinQ", **options
    )
    assert named.rejected.filter(row=5).get_column("rule").to_list() == ["*|internal"]
    assert named.directions == {
        "outbound by channel": 16,
        "internal by channel": 9,
        "inbound by channel": 5,
    }
    # the inbound calls' only leg is an AGI with no dialled channel: missed, never answered
    assert named.valid.get_column("CallMissed").to_list() == [1] * 5
    assert named.valid.get_column("TalkDuration").to_list() == [0] * 5


def test_real_gsm_dongle_rows_are_read_by_their_context_and_channel() -> None:
    """Two production rows of a PBX with GSM dongles: an inbound queue call on ``from-gsm``
    (NO ANSWER although billsec 15: missed, hold 15) and an extension dialling out through a
    ``Dongle/`` channel."""
    path = REAL / "dongle_gsm_two_rows.csv"
    conversion = callframe.convert(
        path, tracker="asterisk", tz="UTC", region="UA", now=1_530_403_200
    )
    assert conversion.directions == {"inbound by context": 1, "outbound by channel": 1}
    assert conversion.valid.select("TalkDuration", "HoldDuration", "CallMissed").rows() == [
        (0, 15, 1)
    ]

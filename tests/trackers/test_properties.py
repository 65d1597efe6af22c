"""Property: any set of calls, rendered in a tracker's native shape and converted, comes back.

The calls are generated in Metrica's terms; each ``render_*`` writes them the way the tracker
would (its field names, time format and zone, booleans, status words, envelope), using only the
standard library; :func:`callframe.convert` must return exactly the generated calls, in order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import callframe

from ..conftest import NOW

Call = dict[str, Any]
COLUMNS = [
    "ClientId",
    "Yclid",
    "DateTime",
    "StaticCall",
    "PhoneNumber",
    "TalkDuration",
    "HoldDuration",
    "CallMissed",
    "FirstTimeCaller",
    "URL",
]
ids = st.from_regex(r"[1-9][0-9]{0,18}", fullmatch=True)


@st.composite
def calls(draw: st.DrawFn, *, static_means_no_client_id: bool = False) -> Call:
    static = draw(st.sampled_from([0, 1]))
    client_id = draw(st.none() | ids)
    if static and static_means_no_client_id:
        client_id = None
    yclid = draw(st.none() | ids)
    if not static and client_id is None and yclid is None:
        client_id = draw(ids)
    path = draw(st.from_regex(r"[a-z0-9]{0,8}", fullmatch=True))
    url = f"https://shop.example.ru/{path}"
    if yclid is not None:
        url += f"?yclid={yclid}"
    elif draw(st.booleans()):
        url = None  # type: ignore[assignment]
    talk = draw(st.integers(0, 7200))
    return {
        "ClientId": client_id,
        "Yclid": yclid,
        "DateTime": draw(st.integers(NOW - 20 * 86400, NOW)),
        "StaticCall": static,
        "PhoneNumber": "+79" + draw(st.from_regex(r"[0-9]{9}", fullmatch=True)),
        "TalkDuration": talk,
        "HoldDuration": draw(st.integers(0, 600)),
        "CallMissed": int(talk == 0),
        "FirstTimeCaller": draw(st.sampled_from([0, 1])),
        "URL": url,
    }


def local(unix: int, zone: str, fmt: str) -> str:
    return datetime.fromtimestamp(unix, ZoneInfo(zone)).strftime(fmt)


def render_calltouch(rows: list[Call], draw: st.DrawFn) -> bytes:
    records = []
    for i, c in enumerate(rows):
        with_unix = draw(st.booleans())
        records.append(
            {
                "callId": 1000 + i,
                "callphase": "calldisconnected",
                "date": local(c["DateTime"], "Europe/Moscow", "%d/%m/%Y %H:%M:%S"),
                "timestamp": c["DateTime"] if with_unix else None,
                "callerNumber": c["PhoneNumber"][1:],
                "successful": not c["CallMissed"],
                "uniqueCall": bool(c["FirstTimeCaller"]),
                "duration": c["TalkDuration"],
                "waitingConnect": c["HoldDuration"],
                "url": c["URL"] or "",
                "callUrl": c["URL"] or "<не заполнено>",
                "sessionId": None if c["StaticCall"] else 5000 + i,
                "yaClientId": c["ClientId"] or draw(st.sampled_from([None, "", "<не заполнено>"])),
                "callTags": [],
            }
        )
    return json.dumps({"page": 1, "records": records}, ensure_ascii=False).encode()


OFFSETS = [timedelta(0), timedelta(hours=3), timedelta(hours=-5), timedelta(hours=5, minutes=30)]


def render_roistat(rows: list[Call], draw: st.DrawFn) -> bytes:
    data = []
    for i, c in enumerate(rows):
        offset = draw(st.sampled_from(OFFSETS))
        when = datetime.fromtimestamp(c["DateTime"], timezone(offset)).strftime(
            "%Y-%m-%dT%H:%M:%S%z"
        )
        if offset == timedelta(0) and draw(st.booleans()):
            when = when[:-5] + "Z"
        visit = None
        if c["ClientId"] is not None or c["URL"] is not None or not c["StaticCall"]:
            visit = {"id": str(i + 1), "metrika_client_id": c["ClientId"], "landing_page": c["URL"]}
        data.append(
            {
                "id": i,
                "caller": draw(st.sampled_from(["7", "8", "+7"])) + c["PhoneNumber"][2:],
                "callee": "74951234567",
                "date": when,
                "status": "NOANSWER" if c["CallMissed"] else "ANSWER",
                "answer_duration": c["TalkDuration"],
                "waiting_time": c["HoldDuration"],
                "is_new": bool(c["FirstTimeCaller"]),
                "visit_id": None if visit is None else str(i + 1),
                "static_source": {"display_name": "Билборд"} if c["StaticCall"] else None,
                "visit": visit,
            }
        )
    return json.dumps({"data": data, "total": len(data)}, ensure_ascii=False).encode()


def render_comagic(rows: list[Call], draw: st.DrawFn) -> bytes:
    data = [
        {
            "id": i,
            "start_time": local(c["DateTime"], "Asia/Yekaterinburg", "%Y-%m-%d %H:%M:%S"),
            "direction": "in",
            "source": "call_tracking" if c["StaticCall"] else "dynamic_call_tracking",
            "is_lost": bool(c["CallMissed"]),
            "contact_phone_number": c["PhoneNumber"][1:],
            "wait_duration": c["HoldDuration"],
            "talk_duration": c["TalkDuration"],
            "ym_client_id": c["ClientId"],
            "yclid": c["Yclid"],
            "visitor_type": "Новый" if c["FirstTimeCaller"] else "Вернувшийся",
            "communication_page_url": c["URL"],
            "tags": [],
        }
        for i, c in enumerate(rows)
    ]
    return json.dumps({"result": {"data": data}}, ensure_ascii=False).encode()


Renderer = Callable[[list[Call], st.DrawFn], bytes]


def check_round_trip(rows: list[Call], data: bytes, tracker: str, **kwargs: Any) -> None:
    conversion = callframe.convert(data, now=NOW, **kwargs)
    assert conversion.tracker == tracker
    assert conversion.n_rejected == 0, conversion.rejected.select("row", "rule").rows()
    expected = pl.DataFrame(rows, schema={c: conversion.valid.schema[c] for c in COLUMNS})
    assert conversion.valid.select(COLUMNS).to_dicts() == expected.to_dicts()


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.lists(calls(static_means_no_client_id=True), min_size=1, max_size=15), st.data())
def test_calltouch_round_trip(rows: list[Call], data: st.DataObject) -> None:
    check_round_trip(rows, render_calltouch(rows, data.draw), "calltouch", tz="Europe/Moscow")


@SETTINGS
@given(st.lists(calls(), min_size=1, max_size=15), st.data())
def test_roistat_round_trip(rows: list[Call], data: st.DataObject) -> None:
    check_round_trip(rows, render_roistat(rows, data.draw), "roistat")


@SETTINGS
@given(st.lists(calls(), min_size=1, max_size=15), st.data())
def test_comagic_round_trip(rows: list[Call], data: st.DataObject) -> None:
    check_round_trip(rows, render_comagic(rows, data.draw), "comagic", tz="Asia/Yekaterinburg")


def test_renderers_use_real_utc_instants() -> None:
    """A sanity check of the test itself: story call A in each rendering."""
    a = datetime(2024, 3, 14, 7, 15, 30, tzinfo=UTC)
    assert local(int(a.timestamp()), "Europe/Moscow", "%d/%m/%Y %H:%M:%S") == "14/03/2024 10:15:30"

"""Ringostat: ``calls/list`` with ``export_type=csv`` (``;``) or ``json``, or a UI export with the
same column names (Windows-1251 or UTF-8, CSV or XLSX).

==================  ==========================================================================
Metrica column      Ringostat
==================  ==========================================================================
ClientId            — (``client_id`` is Google Analytics' id and is never read)
Yclid               ``yclid`` parameter of ``landing``
DateTime            ``calldate`` ``YYYY-MM-DD HH:MM:SS`` in the project's time zone: pass
                    ``tz=`` (integrators disagree on the zone, so none is assumed)
PhoneNumber         ``caller`` (``"Name" <number>`` is read); Ukrainian numbers come with
                    ``380``; national ``0…`` numbers need ``region="UA"``
TalkDuration        ``billsec``
HoldDuration        ``waittime``
CallMissed          ``disposition``: ``ANSWERED`` → 0, any other → 1
FirstTimeCaller     not ``repeated_flag``
StaticCall          — (cannot be told from the export; pass ``static=True`` when all your
                    numbers are static)
Tag                 ``category_mark``
URL                 ``landing``
CallTrackerURL      ``call_card``
outbound            ``call_type`` = ``out``/``outgoing``/``callback`` (rejected as ``*|outbound``)
==================  ==========================================================================

Without a Metrica ClientID, only calls whose landing URL carries a ``yclid`` can be linked;
the others are rejected (``*|id_required``) unless marked static.

Defaults to check (INFERRED in call-trackers.md), overridable with :meth:`Adapter.replace`:

* **FirstTimeCaller** = 1 − ``repeated_flag``.
* **outbound** ``call_type`` values other than ``in`` are taken from integrators' code.
"""

from __future__ import annotations

from callframe.engine.adapter import Adapter
from callframe.engine.nodes import (
    Bool,
    FirstOf,
    IsoTime,
    Phone,
    Seconds,
    TalkIsZero,
    Text,
    Url,
    UrlParam,
    Values,
)

__all__ = ["ADAPTER"]

ADAPTER = Adapter(
    name="ringostat",
    title="Ringostat",
    source="`calls/list` CSV (`;`) or JSON; UI export",
    signature=(
        "calldate",
        "caller",
        "dst",
        "disposition",
        "billsec",
        "waittime",
        "call_type",
        "repeated_flag",
        "landing",
        "call_card",
    ),
    requires=("calldate", "caller", ("disposition", "billsec")),
    time=IsoTime("calldate"),
    yclid=UrlParam("yclid", "landing"),
    phone=Phone("caller"),
    talk=Seconds("billsec"),
    hold=Seconds("waittime"),
    missed=FirstOf(
        Values("disposition", zeros=frozenset({"ANSWERED"}), other=1),
        TalkIsZero(Seconds("billsec")),
    ),
    first_time=Bool("repeated_flag", invert=True),
    tag=Text("category_mark"),
    url=Url("landing"),
    tracker_url=Url("call_card"),
    outbound=Values(
        "call_type",
        ones=frozenset({"out", "outgoing", "callback"}),
        zeros=frozenset({"in", "incoming"}),
    ),
    notes=(
        "FirstTimeCaller: 1 - repeated_flag (INFERRED)",
        "StaticCall: not in the export; pass static=True if all numbers are static",
    ),
)

"""Calltouch: the call journal of the REST API (``calls-diary/calls``), saved as JSON.

Reads the ``records`` of the answer (or a bare list, or a CSV/XLSX with the same field names).

==================  ==========================================================================
Metrica column      Calltouch
==================  ==========================================================================
ClientId            ``yaClientId`` (``clientId`` is Google's id and is never read)
Yclid               ``yclid`` parameter of ``url`` (landing page), else of ``callUrl``
DateTime            ``timestamp`` (Unix seconds, UTC); else ``date`` ``dd/MM/yyyy HH:mm:ss`` in the
                    project's time zone, which needs ``tz=``
PhoneNumber         ``callerNumber``
TalkDuration        ``duration``
HoldDuration        ``waitingConnect``
CallMissed          not ``successful``; else talk time 0
FirstTimeCaller     ``uniqueCall``
StaticCall          1 when the call has neither ``sessionId`` nor ``yaClientId``, else 0
Tag                 ``callTags[].names`` joined with ``,``
URL                 ``callUrl``, else ``url``
==================  ==========================================================================

Defaults to check (INFERRED in call-trackers.md), each overridable with :meth:`Adapter.replace`:

* **StaticCall**: Calltouch has no static/dynamic flag; "no session and no ClientID" is taken
  as static. Such a call is kept without an ID (decisions.md rule 2). For a project whose numbers
  are all dynamic pass ``static=False``; to use a different rule,
  ``ADAPTER.replace(static=Present("subPoolName"))``.
* **Tag**: every tag name, manual and automatic. For manual tags only, map a CSV/JSON that has
  them, or ``ADAPTER.replace(tag=None)`` to leave Tag empty.
* ``orders[].completedAmount`` is not mapped to Price (its currency is not in the export).
"""

from __future__ import annotations

from callframe.engine.adapter import Adapter
from callframe.engine.nodes import (
    Bool,
    FirstOf,
    FirstTime,
    Id,
    JsonList,
    LocalTime,
    Phone,
    Present,
    Seconds,
    TalkIsZero,
    UnixTime,
    Url,
    UrlParam,
)

__all__ = ["ADAPTER"]

ADAPTER = Adapter(
    name="calltouch",
    title="Calltouch",
    source="REST `calls-diary/calls` JSON (`records`)",
    signature=(
        "callerNumber",
        "successful",
        "waitingConnect",
        "yaClientId",
        "callUrl",
        "uniqueCall",
        "callphase",
        "timestamp",
        "sessionId",
        "callId",
    ),
    requires=("callerNumber", ("timestamp", "date"), ("successful", "duration")),
    envelopes=("records",),
    time=FirstTime(UnixTime("timestamp"), LocalTime("date", formats=("%d/%m/%Y %H:%M:%S",))),
    client_id=Id("yaClientId"),
    yclid=UrlParam("yclid", "url", "callUrl"),
    static=Present("sessionId", "yaClientId", negate=True),
    phone=Phone("callerNumber"),
    talk=Seconds("duration"),
    hold=Seconds("waitingConnect"),
    missed=FirstOf(Bool("successful", invert=True), TalkIsZero(Seconds("duration"))),
    tag=JsonList("callTags", "names", many=True),
    first_time=Bool("uniqueCall"),
    url=Url("callUrl", "url"),
    notes=(
        "StaticCall: no sessionId and no yaClientId means static (INFERRED)",
        "Tag: all callTags names joined (a choice)",
    ),
)

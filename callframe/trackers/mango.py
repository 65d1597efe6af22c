"""Mango Office call tracking: ``calltracking/{widget_id}/calls`` (JSON or ``calls.csv``).

Reads a bare list of calls, a ``calls``/``data`` envelope, or the CSV with the same field names.
This is the *call-tracking* export (the only Mango export with Metrica ids); the virtual PBX
statistics (``vpbx/stats``, headerless CSV) hold no ids and are read with ``generic``.

==================  ==========================================================================
Metrica column      Mango call tracking
==================  ==========================================================================
ClientId            ``yaCid``
Yclid               ``yclid`` parameter of ``firstUrl`` (landing page), else of ``url``
DateTime            ``dateStart``, ISO 8601 in UTC (``…Z``); often to the minute only, so
                    seconds are lost (call-trackers.md)
PhoneNumber         ``callerNumber`` (the SDK typings spell it ``callerNumer``: both are read)
TalkDuration        ``duration`` (talk only, IVR and queue excluded)
HoldDuration        ``waitDuration``
CallMissed          talk time 0
FirstTimeCaller     ``isNew``
StaticCall          ``callType``: 1 (dynamic) → 0; 2 (static) and 3 (default number) → 1
URL                 ``url``, else ``firstUrl``
==================  ==========================================================================

Defaults to check (INFERRED in call-trackers.md), each overridable with :meth:`Adapter.replace`:

* **CallMissed** is "talk time 0": ``callStatus`` 11xx ("accepted") includes 1110/1111, which
  can be unanswered, so it is not used. To trust it instead:
  ``ADAPTER.replace(missed=Values("callStatus", zeros=frozenset({"1100"}), other=1))``.
* **StaticCall**: ``callType`` 3 (the site's default number) is taken as static.
* **DateTime**: ``dateStart`` is taken as UTC because it ends in ``Z``; if your export shows local
  time with a ``Z``, use ``ADAPTER.replace(time=IsoTime("dateStart", offset=False))`` with ``tz=``.
"""

from __future__ import annotations

from callframe.engine.adapter import Adapter
from callframe.engine.nodes import (
    Bool,
    Id,
    IsoTime,
    Phone,
    Seconds,
    TalkIsZero,
    Url,
    UrlParam,
    Values,
)

__all__ = ["ADAPTER"]

ADAPTER = Adapter(
    name="mango",
    title="Mango Office call tracking",
    source="`calltracking/{widget}/calls` JSON or `calls.csv`",
    signature=(
        "callId",
        "dateStart",
        "callType",
        "callStatus",
        "callerNumber",
        "waitDuration",
        "isNew",
        "yaCid",
        "firstUrl",
        "isQuality",
    ),
    requires=("dateStart", ("callerNumber", "callerNumer", "yaCid")),
    envelopes=("calls", "data"),
    time=IsoTime("dateStart"),
    client_id=Id("yaCid"),
    yclid=UrlParam("yclid", "firstUrl", "url"),
    static=Values("callType", ones=frozenset({"2", "3"}), zeros=frozenset({"1"})),
    phone=Phone("callerNumber", "callerNumer"),
    talk=Seconds("duration"),
    hold=Seconds("waitDuration"),
    missed=TalkIsZero(Seconds("duration")),
    first_time=Bool("isNew"),
    url=Url("url", "firstUrl"),
    notes=(
        "CallMissed: talk time 0, not callStatus (INFERRED)",
        "StaticCall: callType 3 (default number) is static (INFERRED)",
        "DateTime: dateStart ending in Z is UTC (INFERRED)",
    ),
)

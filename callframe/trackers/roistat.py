"""Roistat: ``project/calltracking/call/list`` with ``extend: ["visit"]``, saved as JSON.

Reads ``data`` of the answer (or a bare list, or CSV/XLSX with the flattened names, such as
``visit.metrika_client_id``).

==================  ==========================================================================
Metrica column      Roistat
==================  ==========================================================================
ClientId            ``visit.metrika_client_id`` (present only with ``extend: ["visit"]``)
Yclid               ``yclid`` parameter of ``visit.landing_page``, else of ``landing_page``
DateTime            ``date``, ISO 8601 with its offset (``+0000``, ``+0300``)
PhoneNumber         ``caller``
TalkDuration        ``answer_duration``
HoldDuration        ``waiting_time``
CallMissed          ``status``: ``ANSWER`` → 0, any other status → 1
FirstTimeCaller     ``is_new`` when the export has it
StaticCall          1 when ``static_source`` is set or there is no ``visit_id``, else 0
Tag                 ``marker``
URL                 ``visit.landing_page``, else ``landing_page``
CallTrackerURL      ``link`` (the recording)
==================  ==========================================================================

Defaults to check (INFERRED/UNCONFIRMED in call-trackers.md), overridable with
:meth:`Adapter.replace`:

* **Durations**: ``answer_duration`` is taken as talk time and ``waiting_time`` as wait;
  ``duration`` (the whole call) is not used. If your data shows otherwise:
  ``ADAPTER.replace(talk=Seconds("duration"))``.
* **StaticCall**: "a static source or no visit" means static.
* **FirstTimeCaller**: the per-call field name is UNCONFIRMED; ``is_new`` is read when present.
"""

from __future__ import annotations

from callframe.engine.adapter import Adapter
from callframe.engine.nodes import (
    AnyOf,
    Bool,
    FirstOf,
    Id,
    IsoTime,
    Phone,
    Present,
    Seconds,
    TalkIsZero,
    Text,
    Url,
    UrlParam,
    Values,
)

__all__ = ["ADAPTER"]

ADAPTER = Adapter(
    name="roistat",
    title="Roistat",
    source="`calltracking/call/list` JSON (`data`, extend visit)",
    signature=(
        "caller",
        "callee",
        "date",
        "status",
        "answer_duration",
        "waiting_time",
        "visit_id",
        "marker",
        "visit",
        "static_source",
    ),
    requires=("caller", "date", ("status", "answer_duration")),
    envelopes=("data",),
    time=IsoTime("date"),
    client_id=Id("visit.metrika_client_id", "metrika_client_id"),
    yclid=UrlParam("yclid", "visit.landing_page", "landing_page"),
    static=AnyOf(Present("static_source"), Present("visit_id", negate=True)),
    phone=Phone("caller"),
    talk=Seconds("answer_duration"),
    hold=Seconds("waiting_time"),
    missed=FirstOf(
        Values("status", zeros=frozenset({"ANSWER"}), other=1),
        TalkIsZero(Seconds("answer_duration")),
    ),
    first_time=Bool("is_new"),
    tag=Text("marker"),
    url=Url("visit.landing_page", "landing_page"),
    tracker_url=Url("link"),
    notes=(
        "TalkDuration/HoldDuration: answer_duration/waiting_time (INFERRED)",
        "StaticCall: static_source set or no visit_id (INFERRED)",
        "FirstTimeCaller: is_new (UNCONFIRMED field name)",
    ),
)

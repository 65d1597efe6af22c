"""Calltracking.ru: the calls API (``/api/v1/users/:uid/calls``), saved as JSON.

Reads ``payload`` of the answer (or a bare list). The legacy ``get_data.php`` report has no
Metrica id and an UNCONFIRMED time format: read it with ``generic``.

==================  ==========================================================================
Metrica column      calltracking.ru
==================  ==========================================================================
ClientId            ``dynamic_call_source_info.analytic_ids.yandex_id``
Yclid               ``yclid`` parameter of ``dynamic_call_source_info.landing_url``
DateTime            ``start_time``, ISO 8601 with its offset (``+03:00``, ``Z``)
PhoneNumber         ``caller_number`` (already E.164)
TalkDuration        ``duration``
HoldDuration        ``wait_duration``
CallMissed          not ``answered``; else talk time 0
StaticCall          ``dynamic_call_source_info.dynamic``: true → 0; false or no source info → 1
URL                 ``dynamic_call_source_info.landing_url``
==================  ==========================================================================

Defaults to check (INFERRED in call-trackers.md), overridable with :meth:`Adapter.replace`:

* **ClientId**: ``analytic_ids.yandex_id`` is taken to be the Metrica ClientID.
* **TalkDuration**: ``duration`` is taken as talk time (the legacy API's ``duration`` included
  the wait). If yours does too:
  ``ADAPTER.replace(talk=Difference(Seconds("duration"), Seconds("wait_duration")))``.
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
    Url,
    UrlParam,
)

__all__ = ["ADAPTER"]

_INFO = "dynamic_call_source_info"

ADAPTER = Adapter(
    name="calltracking_ru",
    title="Calltracking.ru",
    source="calls API JSON (`payload`)",
    signature=(
        "caller_number",
        "answered",
        "duration",
        "wait_duration",
        "start_time",
        "answered_time",
        "end_time",
        "sip_status",
        _INFO,
        f"{_INFO}.landing_url",
    ),
    requires=("start_time", "caller_number", ("answered", "duration")),
    envelopes=("payload",),
    time=IsoTime("start_time"),
    client_id=Id(f"{_INFO}.analytic_ids.yandex_id"),
    yclid=UrlParam("yclid", f"{_INFO}.landing_url"),
    static=AnyOf(
        Bool(f"{_INFO}.dynamic", invert=True),
        Present(f"{_INFO}.dynamic", negate=True),
    ),
    phone=Phone("caller_number"),
    talk=Seconds("duration"),
    hold=Seconds("wait_duration"),
    missed=FirstOf(Bool("answered", invert=True), TalkIsZero(Seconds("duration"))),
    url=Url(f"{_INFO}.landing_url"),
    notes=(
        "ClientId: analytic_ids.yandex_id is the Metrica ClientID (INFERRED)",
        "TalkDuration: duration is talk only (INFERRED)",
    ),
)

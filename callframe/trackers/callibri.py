"""Callibri: ``site_get_statistics`` (JSON, seven days per request).

Reads the calls of every channel in ``channels_statistics[].calls``; the channel's
``name_channel`` is carried onto its calls and becomes the Tag.

==================  ==========================================================================
Metrica column      Callibri
==================  ==========================================================================
ClientId            ``metrika_client_id``; else ``ym_uid`` when it has 16–20 digits
Yclid               ``yclid`` parameter of ``landing_page``, else of ``lid_landing``
DateTime            ``date``, ISO 8601 (``2026-03-31T04:44:44.000Z``), ``Z`` taken as UTC
PhoneNumber         ``phone``
TalkDuration        ``billsec``
HoldDuration        ``duration`` − ``billsec``
CallMissed          talk time 0
FirstTimeCaller     ``conversations_number``: 1 → 1, more → 0
Tag                 ``name_channel``
URL                 ``landing_page``, else ``lid_landing``
CallTrackerURL      ``link_download`` (the recording)
==================  ==========================================================================

Defaults to check (INFERRED/UNCONFIRMED in call-trackers.md), overridable with
:meth:`Adapter.replace`:

* **DateTime**: whether Callibri's ``Z`` is real UTC is UNCONFIRMED (one integrator slices the
  string as local time). If your UI shows the same clock time as the export, the ``Z`` is a
  label: ``ADAPTER.replace(time=IsoTime("date", offset=False))`` with ``tz=``.
* **HoldDuration** = ``duration − billsec`` and **CallMissed** = ``billsec == 0``.
* **StaticCall** is not in the export (``accurately`` means something else): pass
  ``static=True``/``False`` when you know.
* **ClientId** from ``ym_uid``: only when it is as long as a real ClientID (16–20 digits).
"""

from __future__ import annotations

from callframe.engine.adapter import Adapter
from callframe.engine.nodes import (
    Difference,
    FirstOf,
    Id,
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
    name="callibri",
    title="Callibri",
    source="`site_get_statistics` JSON (`channels_statistics[].calls`)",
    signature=(
        "appeal_id",
        "phone",
        "billsec",
        "conversations_number",
        "metrika_client_id",
        "landing_page",
        "link_download",
        "name_channel",
        "name_type",
        "ym_uid",
    ),
    requires=("date", "phone", ("billsec", "duration")),
    envelopes=("channels_statistics[].calls",),
    time=IsoTime("date"),
    client_id=FirstOf(Id("metrika_client_id"), Id("ym_uid", min_digits=16)),
    yclid=UrlParam("yclid", "landing_page", "lid_landing"),
    phone=Phone("phone"),
    talk=Seconds("billsec"),
    hold=Difference(Seconds("duration"), Seconds("billsec")),
    missed=TalkIsZero(Seconds("billsec")),
    first_time=Values("conversations_number", ones=frozenset({"1"}), other=0),
    tag=Text("name_channel"),
    url=Url("landing_page", "lid_landing"),
    tracker_url=Url("link_download"),
    notes=(
        "DateTime: Z is UTC (UNCONFIRMED)",
        "HoldDuration: duration - billsec; CallMissed: billsec = 0 (INFERRED)",
        "StaticCall: not in the export",
        "ClientId: ym_uid only with 16-20 digits (INFERRED)",
    ),
)

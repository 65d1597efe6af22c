"""Bitrix24 telephony: the ``voximplant.statistic.get`` REST answer, saved as JSON.

Reads ``result`` of the answer (or a bare list).

==================  ==========================================================================
Metrica column      Bitrix24
==================  ==========================================================================
DateTime            ``CALL_START_DATE``, ISO 8601 with the portal's offset
PhoneNumber         ``PHONE_NUMBER``
TalkDuration        ``CALL_DURATION``
CallMissed          ``CALL_FAILED_CODE``: ``200`` → 0, any other → 1; else talk time 0
CallTrackerURL      ``CALL_RECORD_URL``
StaticCall          always 1: telephony knows no visit; :func:`callframe.enrich` adds IDs
outbound            ``CALL_TYPE`` other than 2 (incoming) and 3 (incoming, redirected):
                    1 outgoing, 4 callback, 5 informational
==================  ==========================================================================

``COST``/``COST_CURRENCY`` are what the telephony cost, **never** ``Price`` (the value of the
call to the business): they are not read. There is no wait time (HoldDuration stays empty).
A Metrica id kept in a CRM custom field (``UF_CRM_…``) is not in this answer: join it with
:func:`callframe.enrich`.

Defaults to check (INFERRED in call-trackers.md), each overridable with :meth:`Adapter.replace`:

* **Direction**: ``CALL_TYPE`` 4 (callback: the company calls back) and 5 are taken as not
  inbound, like 1.
* **CallMissed**: ``CALL_FAILED_CODE`` other than ``200`` (``304``, ``486``, ``603-S`` …) is missed.
"""

from __future__ import annotations

from callframe.engine.adapter import Adapter
from callframe.engine.nodes import (
    Const,
    FirstOf,
    IsoTime,
    Phone,
    Seconds,
    TalkIsZero,
    Url,
    Values,
)

__all__ = ["ADAPTER"]

ADAPTER = Adapter(
    name="bitrix24",
    title="Bitrix24 telephony",
    source="REST `voximplant.statistic.get` JSON (`result`)",
    signature=(
        "CALL_ID",
        "CALL_TYPE",
        "PHONE_NUMBER",
        "PORTAL_NUMBER",
        "CALL_START_DATE",
        "CALL_DURATION",
        "CALL_FAILED_CODE",
        "CALL_FAILED_REASON",
        "CRM_ENTITY_TYPE",
        "CALL_RECORD_URL",
    ),
    requires=("CALL_START_DATE", "CALL_TYPE", ("PHONE_NUMBER", "CALL_FAILED_CODE")),
    envelopes=("result",),
    time=IsoTime("CALL_START_DATE"),
    static=Const(1),
    phone=Phone("PHONE_NUMBER"),
    talk=Seconds("CALL_DURATION"),
    missed=FirstOf(
        Values("CALL_FAILED_CODE", zeros=frozenset({"200"}), other=1),
        TalkIsZero(Seconds("CALL_DURATION")),
    ),
    tracker_url=Url("CALL_RECORD_URL"),
    outbound=Values("CALL_TYPE", zeros=frozenset({"2", "3"}), other=1),
    notes=(
        "Only CALL_TYPE 2/3 are inbound; COST is never Price",
        "StaticCall: always 1, no visit ids (enrich adds them)",
    ),
)

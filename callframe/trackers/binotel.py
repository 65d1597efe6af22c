"""Binotel (Ukraine): ``stats/*-calls-for-period`` JSON, ``callDetails`` keyed by call id.

Values are mostly strings; ``callTrackingData`` is an object, or ``""`` when the call came
without call tracking. National numbers are Ukrainian: the adapter's phone region is ``UA``
(``0671234567`` → ``+380671234567``); pass ``region=`` to change it.

==================  ==========================================================================
Metrica column      Binotel
==================  ==========================================================================
Yclid               ``yclid`` parameter of ``callTrackingData.fullUrl``
DateTime            ``startTime``, Unix seconds
PhoneNumber         ``externalNumber`` (region ``UA``)
TalkDuration        ``billsec``
HoldDuration        ``waitsec``
CallMissed          ``disposition``: ``ANSWER`` → 0, any other → 1; else talk time 0
FirstTimeCaller     ``isNewCall``
StaticCall          ``callTrackingData.type``: ``dynamic`` → 0, any other → 1; no call-tracking
                    data → 1
URL                 ``callTrackingData.fullUrl``
outbound            ``callType`` = ``1``
==================  ==========================================================================

``callTrackingData.gaClientId`` is Google's id and is never read. A dynamic call without a
yclid has no ID Metrica knows and is rejected (``*|id_required``) unless ids are joined first.

Defaults to check (INFERRED/UNCONFIRMED in call-trackers.md), each overridable with
:meth:`Adapter.replace`:

* **Direction**: ``callType`` 0 incoming / 1 outgoing is INFERRED.
* **CallMissed**: only ``ANSWER`` is documented; every other disposition counts as missed.
* **StaticCall**: the values of ``callTrackingData.type`` are UNCONFIRMED.
"""

from __future__ import annotations

from callframe.engine.adapter import Adapter
from callframe.engine.nodes import (
    Bool,
    Const,
    FirstOf,
    Phone,
    Seconds,
    TalkIsZero,
    UnixTime,
    Url,
    UrlParam,
    Values,
)

__all__ = ["ADAPTER"]

ADAPTER = Adapter(
    name="binotel",
    title="Binotel",
    source="`stats/*-calls-for-period` JSON (`callDetails`)",
    signature=(
        "generalCallID",
        "callID",
        "startTime",
        "callType",
        "externalNumber",
        "internalNumber",
        "waitsec",
        "billsec",
        "disposition",
        "isNewCall",
    ),
    requires=("startTime", "externalNumber"),
    envelopes=("callDetails{}",),
    region="UA",
    time=UnixTime("startTime"),
    yclid=UrlParam("yclid", "callTrackingData.fullUrl"),
    static=FirstOf(
        Values("callTrackingData.type", zeros=frozenset({"dynamic"}), other=1), Const(1)
    ),
    phone=Phone("externalNumber"),
    talk=Seconds("billsec"),
    hold=Seconds("waitsec"),
    missed=FirstOf(
        Values("disposition", zeros=frozenset({"ANSWER", "ANSWERED"}), other=1),
        TalkIsZero(Seconds("billsec")),
    ),
    first_time=Bool("isNewCall"),
    url=Url("callTrackingData.fullUrl"),
    outbound=Values("callType", ones=frozenset({"1"}), zeros=frozenset({"0"})),
    notes=(
        "Phones: region UA by default",
        "Direction: callType 1 is outgoing (INFERRED)",
        "StaticCall: callTrackingData.type dynamic → 0, else 1 (UNCONFIRMED)",
    ),
)

"""Zadarma (and legacy Novofon on its platform): ``/v1/statistics/pbx/`` JSON (``stats``).

The *new* Novofon runs on the CoMagic/UIS Data API: use :mod:`callframe.trackers.comagic`.

==================  ==========================================================================
Metrica column      Zadarma
==================  ==========================================================================
DateTime            ``callstart`` ``YYYY-MM-DD HH:MM:SS`` in the account's time zone
                    (``/v1/info/timezone/``): pass ``tz=``; never assumed
PhoneNumber         ``clid`` (caller-id ``"name" <number>``: the number inside ``<…>``)
TalkDuration        ``seconds``
CallMissed          ``disposition``: ``answered`` → 0, any other → 1 (any case); else talk 0
StaticCall          always 1: a PBX knows no visit; :func:`callframe.enrich` adds IDs
outbound            ``pbx_call_id`` starting with ``out_``
==================  ==========================================================================

Defaults to check (INFERRED in call-trackers.md), each overridable with :meth:`Adapter.replace`:

* **TalkDuration**: ``seconds`` is taken as talk time.
* **Direction**: ``pbx_call_id`` ``in_…``/``out_…`` is read as the direction.
* There is no wait time: HoldDuration stays empty.
"""

from __future__ import annotations

from callframe.engine._pbx import Prefix
from callframe.engine.adapter import Adapter
from callframe.engine.nodes import Const, FirstOf, IsoTime, Phone, Seconds, TalkIsZero, Values

__all__ = ["ADAPTER"]

ADAPTER = Adapter(
    name="zadarma",
    title="Zadarma / legacy Novofon PBX",
    source="`/v1/statistics/pbx/` JSON (`stats`)",
    signature=(
        "call_id",
        "sip",
        "callstart",
        "clid",
        "destination",
        "disposition",
        "seconds",
        "is_recorded",
        "pbx_call_id",
    ),
    requires=("callstart", "clid"),
    envelopes=("stats",),
    time=IsoTime("callstart"),
    static=Const(1),
    phone=Phone("clid"),
    talk=Seconds("seconds"),
    missed=FirstOf(
        Values("disposition", zeros=frozenset({"answered"}), other=1),
        TalkIsZero(Seconds("seconds")),
    ),
    outbound=Prefix("pbx_call_id", ones=("out_",), zeros=("in_",)),
    notes=(
        "TalkDuration: seconds is talk time (INFERRED)",
        "Direction: pbx_call_id in_/out_ (INFERRED)",
        "StaticCall: always 1, no visit ids (enrich adds them)",
    ),
)

"""amoCRM: call notes (``call_in``/``call_out``) from API v4 ``…/notes``, saved as JSON.

Reads ``_embedded.notes`` of the answer (or a bare list); ``params`` is flattened to
``params.duration`` and so on.

==================  ==========================================================================
Metrica column      amoCRM note
==================  ==========================================================================
DateTime            ``created_at``, Unix seconds: when the **note** was written, which may lag
                    the call by minutes or hours; every row is warned ``DateTime|note_time``
PhoneNumber         ``params.phone``
TalkDuration        ``params.duration``
CallMissed          ``params.duration`` > 0 → 0 first; else ``params.call_status`` 4
                    ("conversation took place") → 0, any other → 1; else talk time 0
CallTrackerURL      ``params.link`` (the recording)
StaticCall          always 1: a CRM note knows no visit; :func:`callframe.enrich` adds IDs
outbound            ``note_type`` = ``call_out``, else ``params.direction`` = ``outbound``
==================  ==========================================================================

Defaults to check (INFERRED in call-trackers.md), each overridable with :meth:`Adapter.replace`:

* **CallMissed**: integrators disagree on ``call_status`` codes, so a positive duration wins.
* **DateTime**: the note's ``created_at`` stands in for the call start (there is no other).
"""

from __future__ import annotations

from callframe.engine._pbx import Positive
from callframe.engine.adapter import Adapter
from callframe.engine.nodes import (
    Const,
    FirstOf,
    Phone,
    Seconds,
    TalkIsZero,
    UnixTime,
    Url,
    Values,
)
from callframe.engine.rules import NOTE_TIME

__all__ = ["ADAPTER"]

_DURATION = Seconds("params.duration")

ADAPTER = Adapter(
    name="amocrm",
    title="amoCRM call notes",
    source="API v4 `…/notes` JSON (`_embedded.notes`)",
    signature=(
        "id",
        "entity_id",
        "note_type",
        "created_at",
        "params.uniq",
        "params.duration",
        "params.source",
        "params.phone",
        "params.call_status",
    ),
    requires=("created_at", "note_type", "params.phone"),
    envelopes=("_embedded.notes",),
    time=UnixTime("created_at"),
    static=Const(1),
    phone=Phone("params.phone"),
    talk=_DURATION,
    missed=FirstOf(
        Positive(_DURATION),
        Values("params.call_status", zeros=frozenset({"4"}), other=1),
        TalkIsZero(_DURATION),
    ),
    tracker_url=Url("params.link"),
    outbound=FirstOf(
        Values("note_type", ones=frozenset({"call_out"}), zeros=frozenset({"call_in"})),
        Values("params.direction", ones=frozenset({"outbound"}), zeros=frozenset({"inbound"})),
    ),
    checks=((NOTE_TIME, Const(1)),),
    notes=(
        "DateTime: the note's created_at, warned on every row",
        "CallMissed: duration > 0 first, then call_status 4 (INFERRED)",
        "StaticCall: always 1, no visit ids (enrich adds them)",
    ),
)

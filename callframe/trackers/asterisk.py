"""Asterisk CDR: ``/var/log/asterisk/cdr-csv/Master.csv`` (``cdr_csv``), no header row.

Columns by position (read as ``column_1`` … by :func:`callframe.read_export`): ``accountcode,
src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer, end, duration,
billsec, disposition, amaflags`` (1–16), then what ``cdr.conf [csv]`` adds: ``uniqueid`` (17,
``loguniqueid``), ``userfield`` (18, ``loguserfield``) and, in newer versions, ``peeraccount,
linkedid, sequence`` (19–21). Other layouts: :func:`make_adapter` with the positions.

==================  ==========================================================================
Metrica column      Asterisk CDR
==================  ==========================================================================
DateTime            ``start`` ``YYYY-MM-DD HH:MM:SS`` in the server's local time: pass ``tz=``
                    (``tz="UTC"`` when ``usegmtime=yes``); never assumed
PhoneNumber         ``src``, else the number inside ``clid`` (``"Ivan" <89265554433>``)
TalkDuration        ``billsec``
HoldDuration        ``duration − billsec``
CallMissed          ``disposition``: ``ANSWERED`` → 0, any other → 1; else talk time 0
Tag                 ``userfield``
StaticCall          always 1: a PBX knows no visit (decisions.md rule 2 keeps the call);
                    :func:`callframe.enrich` adds IDs by phone and time
outbound            the caller (``src``/``clid``) is an extension and ``dst`` is not
==================  ==========================================================================

One call may span several rows (one per leg or dial attempt). Rows sharing ``linkedid`` (else
``uniqueid``) are one call: the kept row is its answered inbound leg, else its earliest one;
the others are rejected as ``*|extra_leg`` (never dropped silently). Calls from an extension to
an extension are rejected as ``*|internal``, calls from an extension out as ``*|outbound``.

Defaults to check (INFERRED in call-trackers.md), each overridable with :meth:`Adapter.replace`
or :func:`make_adapter`:

* **Direction**: Asterisk writes none; a caller of at most 6 digits is taken as an extension.
* **Legs**: the answered leg is kept (its ``start``, ``billsec``), so a call that rang one phone
  and was answered at another counts once, as answered. ``linkedid`` is column 20 (INFERRED).
* **Time zone**: ``start`` is server-local unless ``usegmtime=yes``; pass ``tz=`` either way.
"""

from __future__ import annotations

from callframe.trackers._pbx import AllOf, ExtraLeg, IsExtension, Not
from callframe.trackers.base import Adapter
from callframe.trackers.rules import EXTRA_LEG, INTERNAL
from callframe.trackers.spec import (
    Const,
    Difference,
    FirstOf,
    IsoTime,
    Node,
    Phone,
    Seconds,
    TalkIsZero,
    Text,
    Values,
)

__all__ = ["ADAPTER", "make_adapter"]

ANSWERED = frozenset({"ANSWERED"})


def _c(n: int) -> str:
    return f"column_{n}"


def make_adapter(
    *, uniqueid: int | None = 17, userfield: int | None = 18, linkedid: int | None = 20
) -> Adapter:
    """The Asterisk adapter for a ``Master.csv`` whose optional columns sit at these positions
    (1-based; ``None`` when the file lacks one)."""
    caller = ("column_2", "column_5")
    keys = tuple(_c(n) for n in (linkedid, uniqueid) if n is not None)
    caller_ext = IsExtension(*caller)
    dst_ext = IsExtension("column_3")
    answered = Values("column_15", ones=ANSWERED, other=0)
    checks: list[tuple[str, Node]] = [(INTERNAL, AllOf(caller_ext, dst_ext))]
    if keys:
        checks.append(
            (EXTRA_LEG, ExtraLeg(keys, Not(caller_ext), prefer=answered, order="column_10"))
        )
    return Adapter(
        name="asterisk",
        title="Asterisk CDR (Master.csv)",
        source="`cdr-csv/Master.csv`, headerless CSV",
        signature=tuple(_c(n) for n in range(1, 17)),
        requires=("column_10", "column_15", "column_16"),
        time=IsoTime("column_10"),
        static=Const(1),
        phone=Phone(*caller),
        talk=Seconds("column_14"),
        hold=Difference(Seconds("column_13"), Seconds("column_14")),
        missed=FirstOf(
            Values("column_15", zeros=ANSWERED, other=1), TalkIsZero(Seconds("column_14"))
        ),
        tag=Text(_c(userfield)) if userfield is not None else None,
        outbound=AllOf(caller_ext, Not(dst_ext)),
        checks=tuple(checks),
        notes=(
            "StaticCall: always 1, no visit ids (enrich adds them)",
            "Direction: a caller of ≤ 6 digits is an extension (INFERRED)",
            "Legs: one row per linkedid/uniqueid, the answered inbound leg (INFERRED)",
        ),
    )


ADAPTER = make_adapter()

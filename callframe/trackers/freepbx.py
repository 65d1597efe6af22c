"""FreePBX: the ``asteriskcdrdb.cdr`` table, exported as CSV with a header (CDR Reports).

==================  ==========================================================================
Metrica column      FreePBX CDR
==================  ==========================================================================
DateTime            ``calldate`` ``YYYY-MM-DD HH:MM:SS``, server-local: pass ``tz=`` (``UTC``
                    for setups writing through ``cdr_adaptive_odbc`` in UTC); never assumed
PhoneNumber         ``cnum``, else ``src``, else the number inside ``clid``
TalkDuration        ``billsec``
HoldDuration        ``duration − billsec``
CallMissed          ``disposition``: ``ANSWERED`` → 0, any other → 1; else talk time 0
Tag                 ``userfield``
StaticCall          always 1: a PBX knows no visit; :func:`callframe.enrich` adds IDs
outbound            the caller (``cnum``/``src``) is an extension and ``dst`` is not
==================  ==========================================================================

As with Asterisk (:mod:`callframe.trackers.asterisk`), rows sharing ``linkedid`` (else
``uniqueid``) are one call: its answered inbound leg is kept, the others rejected as
``*|extra_leg``; extension-to-extension calls are rejected as ``*|internal``.

Defaults to check (INFERRED/UNCONFIRMED in call-trackers.md), each overridable with
:meth:`Adapter.replace`:

* **Headers**: the CDR Reports CSV is taken to use the table's column names (UNCONFIRMED).
* **Direction**: a caller of at most 6 digits is an extension (INFERRED).
* ``recordingfile`` is a file name, not a URL: CallTrackerURL stays empty.
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
    Phone,
    Seconds,
    TalkIsZero,
    Text,
    Values,
)

__all__ = ["ADAPTER"]

_ANSWERED = frozenset({"ANSWERED"})
_CALLER = ("cnum", "src", "clid")
_CALLER_EXT = IsExtension(*_CALLER)
_DST_EXT = IsExtension("dst")

ADAPTER = Adapter(
    name="freepbx",
    title="FreePBX CDR",
    source="`asteriskcdrdb.cdr` / CDR Reports CSV",
    signature=(
        "calldate",
        "clid",
        "src",
        "dst",
        "dcontext",
        "dstchannel",
        "lastapp",
        "billsec",
        "disposition",
        "uniqueid",
        "did",
        "recordingfile",
        "cnum",
    ),
    requires=("calldate", "disposition", ("cnum", "src", "clid")),
    time=IsoTime("calldate"),
    static=Const(1),
    phone=Phone(*_CALLER),
    talk=Seconds("billsec"),
    hold=Difference(Seconds("duration"), Seconds("billsec")),
    missed=FirstOf(Values("disposition", zeros=_ANSWERED, other=1), TalkIsZero(Seconds("billsec"))),
    tag=Text("userfield"),
    outbound=AllOf(_CALLER_EXT, Not(_DST_EXT)),
    checks=(
        (INTERNAL, AllOf(_CALLER_EXT, _DST_EXT)),
        (
            EXTRA_LEG,
            ExtraLeg(
                ("linkedid", "uniqueid"),
                Not(_CALLER_EXT),
                prefer=Values("disposition", ones=_ANSWERED, other=0),
                order="calldate",
            ),
        ),
    ),
    notes=(
        "StaticCall: always 1, no visit ids (enrich adds them)",
        "Headers: the table's column names (UNCONFIRMED)",
        "Direction: a caller of ≤ 6 digits is an extension (INFERRED)",
    ),
)

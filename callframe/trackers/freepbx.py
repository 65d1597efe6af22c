"""FreePBX: the ``asteriskcdrdb.cdr`` table, exported as CSV with a header (CDR Reports).

==================  ==========================================================================
Metrica column      FreePBX CDR
==================  ==========================================================================
DateTime            ``calldate`` ``YYYY-MM-DD HH:MM:SS``, server-local: pass ``tz=`` (``UTC``
                    for setups writing through ``cdr_adaptive_odbc`` in UTC); never assumed
PhoneNumber         ``cnum``, else ``src``, else the number inside ``clid``
DateTime            the earliest ``calldate`` of the call's legs (see below)
TalkDuration        ``billsec`` of the leg that talked (first answered in time)
HoldDuration        from the call's start to that leg's answer (``calldate + duration −
                    billsec``); missed: to the last leg's end
CallMissed          0 when a leg talked on a real channel, else 1
Tag                 ``userfield``
StaticCall          always 1: a PBX knows no visit; :func:`callframe.enrich` adds IDs
outbound            ``dcontext``, else ``channel``/``dstchannel``, else the caller's digit count
==================  ==========================================================================

As with Asterisk (:mod:`callframe.trackers.asterisk`, rules in :mod:`callframe.engine._cdr`),
rows sharing ``linkedid`` (else ``uniqueid``) are one call, answered when a leg talked on a real
channel (``billsec > 0``, ``ANSWERED``, ``dstchannel`` set and not ``Local/``); the kept row is
that leg, else the earliest; the other legs of an inbound call are rejected as ``*|extra_leg``.

Direction comes from ``dcontext`` (``from-trunk``, ``from-pstn``, ``ext-did``… → inbound;
``from-internal``, ``macro-dialout-trunk``, ``outbound-allroutes``, ``outrt-…`` → placed by an
extension; FreePBX's ``ext-local`` ends both inbound and internal calls, so it decides nothing),
then the channels (``channel`` a trunk peer → inbound), then the caller's digit count. Calls
placed by an extension are ``*|outbound`` (to a trunk) or ``*|internal`` (nothing dialled, or an
extension), on each of their legs. Name your trunks with :func:`make_adapter` or
``--tracker "freepbx:trunk_channels=PJSIP/mtt"``: then a call touching none of them is internal.

Defaults to check (INFERRED/UNCONFIRMED in call-trackers.md), each overridable with
:meth:`Adapter.replace`:

* **Headers**: the CDR Reports CSV is taken to use the table's column names (UNCONFIRMED).
* **Direction**: the trunk patterns are FreePBX's stock names (INFERRED); the digit count (a
  caller of at most 6 digits is an extension) only when neither context nor channel decides.
* ``recordingfile`` is a file name, not a URL: CallTrackerURL stays empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from callframe.engine._cdr import (
    DEFAULT_INTERNAL_CONTEXTS,
    DEFAULT_TRUNK_CHANNELS,
    DEFAULT_TRUNK_CONTEXTS,
    CallDirection,
    CallExtraLeg,
    CallHold,
    CallMissed,
    CallStart,
    CallTalk,
    Cdr,
    DirectionIs,
)
from callframe.engine.adapter import Adapter
from callframe.engine.nodes import Const, Phone, Text
from callframe.engine.rules import EXTRA_LEG, INTERNAL
from callframe.errors import UsageError

__all__ = ["ADAPTER", "make_adapter"]

_CALLER = ("cnum", "src", "clid")


def make_adapter(
    *,
    trunk_contexts: Sequence[str] = DEFAULT_TRUNK_CONTEXTS,
    internal_contexts: Sequence[str] = DEFAULT_INTERNAL_CONTEXTS,
    trunk_channels: Sequence[str] | None = None,
) -> Adapter:
    """The FreePBX adapter with these trunk patterns (see :mod:`callframe.engine._cdr`)."""
    cdr = Cdr(
        keys=("linkedid", "uniqueid"),
        start="calldate",
        billsec="billsec",
        duration="duration",
        caller=_CALLER,
        dst="dst",
        channel="channel",
        dstchannel="dstchannel",
        dcontext="dcontext",
        disposition="disposition",
        trunk_contexts=tuple(trunk_contexts),
        internal_contexts=tuple(internal_contexts),
        trunk_channels=DEFAULT_TRUNK_CHANNELS if trunk_channels is None else tuple(trunk_channels),
        named_trunks=trunk_channels is not None,
    )
    direction = CallDirection(cdr)
    return Adapter(
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
        time=CallStart(cdr),
        static=Const(1),
        phone=Phone(*_CALLER),
        talk=CallTalk(cdr),
        hold=CallHold(cdr),
        missed=CallMissed(cdr),
        tag=Text("userfield"),
        outbound=DirectionIs(direction, "outbound"),
        direction=CallDirection(cdr, kept_only=True),
        checks=(
            (INTERNAL, DirectionIs(direction, "internal")),
            (EXTRA_LEG, CallExtraLeg(cdr)),
        ),
        configure=_configure,
        notes=(
            "StaticCall: always 1, no visit ids (enrich adds them)",
            "Headers: the table's column names (UNCONFIRMED)",
            "Legs: one call per linkedid/uniqueid; answered when a real channel talked",
            "Direction: dcontext, then channels, then a caller of ≤ 6 digits (INFERRED patterns)",
        ),
    )


def _configure(options: Mapping[str, str]) -> Adapter:
    """The adapter with options given as text (``--tracker "freepbx:trunk_channels=PJSIP/mtt"``)."""
    known = {"trunk_contexts", "internal_contexts", "trunk_channels"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise UsageError(
            f"unknown FreePBX option {', '.join(unknown)}: use {', '.join(sorted(known))}"
        )

    def listed(name: str, default: Sequence[str]) -> tuple[str, ...]:
        value = options.get(name)
        return tuple(default) if value is None else tuple(v for v in value.split(",") if v)

    return make_adapter(
        trunk_contexts=listed("trunk_contexts", DEFAULT_TRUNK_CONTEXTS),
        internal_contexts=listed("internal_contexts", DEFAULT_INTERNAL_CONTEXTS),
        trunk_channels=(
            None
            if options.get("trunk_channels") is None
            else listed("trunk_channels", DEFAULT_TRUNK_CHANNELS)
        ),
    )


ADAPTER = make_adapter()

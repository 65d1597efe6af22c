"""Asterisk CDR: ``Master.csv`` written by ``cdr_csv`` or ``cdr_custom``, no header row.

Columns by position (read as ``column_1`` … by :func:`callframe.read_export`). The layout is
recognised from the content (see :func:`recognise`): which column holds ISO date-times where the
``start`` should be, which the dispositions (``ANSWERED``, ``NO ANSWER``, ``BUSY``, ``FAILED``,
``CONGESTION``), which uniqueid-shaped values (``1717400000.123``). Known layouts
(:data:`LAYOUTS`):

* ``cdr_csv`` (``/var/log/asterisk/cdr-csv/Master.csv``): ``accountcode, src, dst, dcontext,
  clid, channel, dstchannel, lastapp, lastdata, start, answer, end, duration, billsec,
  disposition, amaflags`` (1–16), then what ``cdr.conf [csv]`` adds: ``uniqueid`` (17,
  ``loguniqueid``), ``userfield`` (18, ``loguserfield``) and, in newer versions, ``peeraccount,
  linkedid, sequence`` (19–21);
* ``cdr_custom`` (the ``Master.csv`` mapping of the sample ``cdr_custom.conf``): ``clid, src,
  dst, dcontext, channel, dstchannel, lastapp, lastdata, start, answer, end, duration, billsec,
  disposition, amaflags, accountcode, uniqueid, userfield, sequence``.

A file that fits neither is refused (never misread): name its columns with
``make_adapter(columns=("clid", "src", …))``, or on the command line
``--tracker "asterisk:columns=clid,src,…"`` (``asterisk:layout=cdr_custom`` forces a known one).

==================  ==========================================================================
Metrica column      Asterisk CDR
==================  ==========================================================================
DateTime            the earliest ``start`` of the call's legs, ``YYYY-MM-DD HH:MM:SS`` in the
                    server's local time: pass ``tz=`` (``tz="UTC"`` when ``usegmtime=yes``)
PhoneNumber         ``src``, else the number inside ``clid`` (``"Ivan" <89265554433>``)
TalkDuration        ``billsec`` of the leg that talked (first answered in time)
HoldDuration        from the call's start to that leg's ``answer`` (missed: to the last leg's end)
CallMissed          0 when a leg talked on a real channel, else 1
Tag                 ``userfield``
StaticCall          always 1: a PBX knows no visit (decisions.md rule 2 keeps the call);
                    :func:`callframe.enrich` adds IDs by phone and time
outbound            ``dcontext``, else ``channel``/``dstchannel``, else the caller's digit count
==================  ==========================================================================

**Calls and legs** (:mod:`callframe.engine._cdr`): rows sharing ``linkedid`` (else
``uniqueid``) are one call. It was answered when a leg *talked*: ``billsec > 0``, ``ANSWERED``,
with a real ``dstchannel``, the party that answered (not a ``Local/…;1`` half, not empty as on the
dialplan's own ``Hangup``/``Playback`` legs; a ``Local/…;2`` half dialling a phone counts: it
carries the talk when Asterisk keeps the Local channel). When several legs talked, the first
answered in time is the call's (its ``billsec`` is the talk time): the person who picked up.
The kept row is that leg, else the call's earliest; the others are rejected as ``*|extra_leg``
(never dropped silently).

**Direction**: from the ``dcontext`` first (``from-trunk``, ``from-pstn``, ``…-pstn``,
``from-external``, ``ext-did``, ``from-did…``, ``incoming…``, ``from-gsm`` → inbound;
``from-internal``, ``macro-dialout-trunk``, ``outbound-allroutes``, ``outrt-…`` → placed by an
extension), then the channels (``channel`` a trunk peer → inbound; ``channel`` an extension's
``SIP/101-…`` or ``dstchannel`` a trunk peer → placed by an extension; trunk peers by default:
names containing ``trunk``, ``pstn`` or ``provider``, ``DAHDI/…`` and ``Dongle/…``), and only
then the digit count (a caller of at most 6 digits is an extension). A call placed by an
extension is outbound (``*|outbound``) when it went to a trunk, internal (``*|internal``) when
it dialled nothing or another extension, else by the length of ``dst``. Name your trunks, and a
call touching none of them is internal:
``make_adapter(trunk_contexts=("from-mtt",), trunk_channels=("SIP/mtt",))``, or
``--tracker "asterisk:trunk_channels=SIP/mtt,PJSIP/sipnet*"``. The summary counts the calls each
way by what decided it. Each leg of an outbound or internal call carries that rule (only the
extra legs of inbound calls are ``*|extra_leg``).

Defaults to check (INFERRED in call-trackers.md), each overridable with :func:`make_adapter`:

* **Trunk patterns** above are FreePBX's and the Asterisk samples' names; your dialplan's may
  differ (then the digit count decides, and the summary says so).
* **Time zone**: ``start`` is server-local unless ``usegmtime=yes``; pass ``tz=`` either way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import polars as pl

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
from callframe.errors import ExportError, UsageError

__all__ = [
    "ADAPTER",
    "DISPOSITIONS",
    "FIELDS",
    "LAYOUTS",
    "content_score",
    "make_adapter",
    "recognise",
]

LAYOUTS: dict[str, tuple[str, ...]] = {
    "cdr_csv": (
        "accountcode",
        "src",
        "dst",
        "dcontext",
        "clid",
        "channel",
        "dstchannel",
        "lastapp",
        "lastdata",
        "start",
        "answer",
        "end",
        "duration",
        "billsec",
        "disposition",
        "amaflags",
        "uniqueid",
        "userfield",
        "peeraccount",
        "linkedid",
        "sequence",
    ),
    "cdr_custom": (
        "clid",
        "src",
        "dst",
        "dcontext",
        "channel",
        "dstchannel",
        "lastapp",
        "lastdata",
        "start",
        "answer",
        "end",
        "duration",
        "billsec",
        "disposition",
        "amaflags",
        "accountcode",
        "uniqueid",
        "userfield",
        "sequence",
    ),
}
"""Known column orders (a file may stop early: ``cdr_csv`` without ``loguniqueid`` has 16)."""

FIELDS = frozenset(name for layout in LAYOUTS.values() for name in layout)
"""CDR fields a layout may name (others are read but unused): every field of :data:`LAYOUTS`."""

DISPOSITIONS = frozenset({"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"})

_DATETIME = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
_UNIQUEID = r"^(?:[A-Za-z0-9_.]+-)?\d{9,11}\.\d+$"  # systemname- prefix allowed
_NUMBER = r"^\d+$"
_SAMPLE = 1_000


def _c(n: int) -> str:
    return f"column_{n}"


def make_adapter(
    *,
    uniqueid: int | None = 17,
    userfield: int | None = 18,
    linkedid: int | None = 20,
    layout: str | None = None,
    columns: Sequence[str] | None = None,
    trunk_contexts: Sequence[str] = DEFAULT_TRUNK_CONTEXTS,
    internal_contexts: Sequence[str] = DEFAULT_INTERNAL_CONTEXTS,
    trunk_channels: Sequence[str] | None = None,
) -> Adapter:
    """The Asterisk adapter.

    Without ``layout``/``columns`` the layout is recognised from each file's content (the
    ``cdr_csv`` positions of the optional ``uniqueid``, ``userfield``, ``linkedid`` given here,
    1-based, ``None`` when the file lacks one). ``layout``: a name of :data:`LAYOUTS`;
    ``columns``: the file's fields in order (names of :data:`FIELDS`, anything else for a column
    to skip). The trunk patterns decide each call's direction (see the module docstring).
    """
    contexts, internal = tuple(trunk_contexts), tuple(internal_contexts)
    channels = None if trunk_channels is None else tuple(trunk_channels)
    if columns is not None or layout is not None:
        return _adapter(
            _named(layout, columns),
            fixed=True,
            trunk_contexts=contexts,
            internal_contexts=internal,
            trunk_channels=channels,
        )
    names = list(LAYOUTS["cdr_csv"][:16]) + [""] * 5
    for field, pos in (("uniqueid", uniqueid), ("userfield", userfield), ("linkedid", linkedid)):
        if pos is not None:
            while len(names) < pos:
                names.append("")
            names[pos - 1] = field
    return _adapter(
        tuple(names),
        fixed=False,
        trunk_contexts=contexts,
        internal_contexts=internal,
        trunk_channels=channels,
    )


def _named(layout: str | None, columns: Sequence[str] | None) -> tuple[str, ...]:
    if columns is not None:
        names = tuple(c.strip().lower() for c in columns)
        missing = [f for f in ("start", "billsec", "duration") if f not in names]
        if missing or not ({"src", "clid"} & set(names)):
            need = ", ".join(missing + ([] if {"src", "clid"} & set(names) else ["src or clid"]))
            raise UsageError(f"Asterisk columns= lacks {need}: name each column of the file")
        return names
    assert layout is not None
    try:
        return LAYOUTS[layout.strip().lower()]
    except KeyError:
        raise UsageError(
            f"unknown Asterisk layout {layout!r}: use one of {', '.join(LAYOUTS)}, "
            "or name the columns with columns="
        ) from None


def _adapter(
    names: tuple[str, ...],
    *,
    fixed: bool,
    trunk_contexts: tuple[str, ...],
    internal_contexts: tuple[str, ...],
    trunk_channels: tuple[str, ...] | None,
) -> Adapter:
    pos = {name: i + 1 for i, name in enumerate(names) if name in FIELDS}

    def col(name: str) -> str | None:
        return _c(pos[name]) if name in pos else None

    caller = tuple(c for c in (col("src"), col("clid")) if c)
    cdr = Cdr(
        keys=tuple(c for c in (col("linkedid"), col("uniqueid")) if c),
        start=_c(pos["start"]),
        billsec=_c(pos["billsec"]),
        duration=_c(pos["duration"]),
        caller=caller,
        dst=col("dst") or "",
        answer=col("answer"),
        channel=col("channel"),
        dstchannel=col("dstchannel"),
        dcontext=col("dcontext"),
        disposition=col("disposition"),
        trunk_contexts=trunk_contexts,
        internal_contexts=internal_contexts,
        trunk_channels=DEFAULT_TRUNK_CHANNELS if trunk_channels is None else trunk_channels,
        named_trunks=trunk_channels is not None,
    )
    direction = CallDirection(cdr)
    checks = [(INTERNAL, DirectionIs(direction, "internal")), (EXTRA_LEG, CallExtraLeg(cdr))]
    userfield = col("userfield")
    disposition = col("disposition")
    width = max(pos.values())
    settings = (names, fixed, trunk_contexts, internal_contexts, trunk_channels)
    return Adapter(
        name="asterisk",
        title="Asterisk CDR (Master.csv)",
        source="`cdr-csv/Master.csv` or `cdr-custom/Master.csv`, headerless CSV",
        signature=tuple(_c(n) for n in range(1, 17)),
        requires=tuple(c for c in (cdr.start, disposition, _c(min(width, 16))) if c),
        time=CallStart(cdr),
        static=Const(1),
        phone=Phone(*caller),
        talk=CallTalk(cdr),
        hold=CallHold(cdr),
        missed=CallMissed(cdr),
        tag=Text(userfield) if userfield is not None else None,
        outbound=DirectionIs(direction, "outbound"),
        direction=CallDirection(cdr, kept_only=True),
        checks=tuple(checks),
        probe=content_score,
        resolve=None if fixed else _resolver(settings),
        configure=_configure,
        notes=(
            "StaticCall: always 1, no visit ids (enrich adds them)",
            "Layout: cdr_csv or cdr_custom, recognised from the content",
            "Legs: one call per linkedid/uniqueid; answered when a real channel talked",
            "Direction: dcontext, then channels, then a caller of ≤ 6 digits (INFERRED patterns)",
        ),
    )


_Settings = tuple[tuple[str, ...], bool, tuple[str, ...], tuple[str, ...], tuple[str, ...] | None]


def _resolver(settings: _Settings) -> Callable[[pl.DataFrame, str | None], Adapter]:
    names, _, trunk_contexts, internal_contexts, trunk_channels = settings

    def resolve(frame: pl.DataFrame, source: str | None) -> Adapter:
        layout = recognise(frame, source)
        chosen = names if layout == "cdr_csv" else LAYOUTS[layout]
        return _adapter(
            chosen,
            fixed=True,
            trunk_contexts=trunk_contexts,
            internal_contexts=internal_contexts,
            trunk_channels=trunk_channels,
        )

    return resolve


def _configure(options: Mapping[str, str]) -> Adapter:
    """The adapter with options given as text (``--tracker "asterisk:layout=cdr_custom"``)."""
    known = {"layout", "columns", "trunk_contexts", "internal_contexts", "trunk_channels"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise UsageError(
            f"unknown Asterisk option {', '.join(unknown)}: use {', '.join(sorted(known))}"
        )

    def listed(name: str, default: Sequence[str]) -> tuple[str, ...]:
        value = options.get(name)
        return tuple(default) if value is None else tuple(v for v in value.split(",") if v)

    columns = options.get("columns")
    return make_adapter(
        layout=options.get("layout"),
        columns=None if columns is None else columns.split(","),
        trunk_contexts=listed("trunk_contexts", DEFAULT_TRUNK_CONTEXTS),
        internal_contexts=listed("internal_contexts", DEFAULT_INTERNAL_CONTEXTS),
        trunk_channels=(
            None
            if options.get("trunk_channels") is None
            else listed("trunk_channels", DEFAULT_TRUNK_CHANNELS)
        ),
    )


# --- recognising the layout from the content ------------------------------------------------------


def _shapes(frame: pl.DataFrame) -> dict[str, tuple[float, float, float, float, int]]:
    """Per column of a sample: the share of its non-empty values that are ISO date-times,
    dispositions, uniqueids, whole numbers, and how many values are non-empty (one long column
    of every value: each pattern is compiled once)."""
    sample = frame.head(_SAMPLE)
    if not sample.columns or sample.height == 0:
        return {}
    long = sample.select(pl.all().cast(pl.String)).unpivot(variable_name="c", value_name="v")
    v = pl.col("v").str.strip_chars()
    counted = (
        long.with_columns(pl.when(v != "").then(v).alias("v"))
        .drop_nulls("v")
        .group_by("c")
        .agg(
            pl.col("v").str.contains(_DATETIME).mean().alias("t"),
            pl.col("v").str.to_uppercase().is_in(sorted(DISPOSITIONS)).mean().alias("d"),
            pl.col("v").str.contains(_UNIQUEID).mean().alias("u"),
            pl.col("v").str.contains(_NUMBER).mean().alias("n"),
            pl.len().alias("k"),
        )
    )
    found = {c: (t, d, u, n, k) for c, t, d, u, n, k in counted.iter_rows()}
    return {c: found.get(c, (0.0, 0.0, 0.0, 0.0, 0)) for c in sample.columns}


def _fits(
    names: tuple[str, ...], shapes: Mapping[str, tuple[float, float, float, float, int]]
) -> float:
    """The share of a layout's checks the content passes (1.0: every one)."""
    checks = {
        "start": lambda s: s[4] > 0 and s[0] == 1.0,
        "answer": lambda s: s[0] == 1.0 or s[4] == 0,
        "end": lambda s: s[4] > 0 and s[0] == 1.0,
        "duration": lambda s: s[4] > 0 and s[3] == 1.0,
        "billsec": lambda s: s[4] > 0 and s[3] == 1.0,
        "disposition": lambda s: s[4] > 0 and s[1] == 1.0,
        "uniqueid": lambda s: s[2] == 1.0 or s[4] == 0,
        "linkedid": lambda s: s[2] == 1.0 or s[4] == 0,
    }
    tried = passed = 0
    for i, name in enumerate(names, start=1):
        check = checks.get(name)
        shape = shapes.get(_c(i))
        if check is None or (shape is None and name in ("uniqueid", "linkedid")):
            continue  # optional trailing columns may be absent
        tried += 1
        passed += shape is not None and bool(check(shape))
    return passed / tried if tried else 0.0


def content_score(frame: pl.DataFrame) -> float:
    """How well a headerless frame's content fits the best known layout (0–1)."""
    if not frame.columns or not all(c.startswith("column_") for c in frame.columns):
        return 0.0
    shapes = _shapes(frame)
    return max(_fits(names, shapes) for names in LAYOUTS.values())


def recognise(frame: pl.DataFrame, source: str | None = None) -> str:
    """The name of the layout of :data:`LAYOUTS` the content fits; :class:`~callframe.ExportError`
    describing the columns found when none does (never a guess)."""
    shapes = _shapes(frame)
    fits = {name: _fits(names, shapes) for name, names in LAYOUTS.items()}
    for name, score in fits.items():
        if score == 1.0:
            return name
    times = [c.removeprefix("column_") for c, s in shapes.items() if s[4] and s[0] == 1.0]
    dispositions = [c.removeprefix("column_") for c, s in shapes.items() if s[4] and s[1] == 1.0]
    ids = [c.removeprefix("column_") for c, s in shapes.items() if s[4] and s[2] == 1.0]
    found = (
        f"date-times in columns {', '.join(times) or 'none'}, dispositions in "
        f"{', '.join(dispositions) or 'none'}, uniqueids in {', '.join(ids) or 'none'}"
    )
    raise ExportError(
        f"is not in a known Asterisk CDR layout ({', '.join(LAYOUTS)}): {found}. "
        'Name its columns in order: --tracker "asterisk:columns=clid,src,dst,dcontext,…" '
        "(Python: asterisk.make_adapter(columns=[...])), or force a layout with "
        "--tracker asterisk:layout=cdr_custom",
        path=source,
    )


ADAPTER = make_adapter()

"""Asterisk-style CDRs (Asterisk ``Master.csv``, FreePBX): legs grouped into calls, direction.

A PBX logs one row per *leg* (each dial attempt, each ``Local/`` half of a queue or time-delay
dialplan, the dialplan's own ``Hangup``/``Playback`` steps). The nodes here read a call from all
its legs, from a side query on the few leg columns, one row per call, joined back on the call's key
(no per-row Python, no window over the whole frame):

* a **call** is the group of legs sharing ``linkedid`` (else ``uniqueid``; a leg without either
  is a call of its own);
* its **time** is the earliest leg's ``start`` (:class:`CallStart`);
* it was **answered** when a leg *talked*: ``billsec > 0`` and ``disposition`` ``ANSWERED``
  (a ``NO ANSWER`` Dial leg may carry a ``billsec``) on a leg whose ``dstchannel``, the party
  that answered, is a real channel: set, and not ``Local/…`` (:meth:`Cdr.talked`). A leg *to* a
  ``Local/…;1`` half is the dialplan's bookkeeping (``ANSWERED`` with ``billsec`` 0, or the
  same talk again), and a dialplan-only leg (``Hangup``, ``Playback``: no ``dstchannel``) was
  answered by the dialplan, not by a person. A leg *from* a ``Local/…;2`` half to a phone
  (``Local/101@from-queue-…;2`` → ``PJSIP/101``) does count: when Asterisk does not optimise the
  Local channel away, that is the only leg carrying the agent's talk;
* when several legs talked, the **chosen** leg is the first answered in time (earliest answer,
  then earliest start, then first in the file): the person who picked the call up. Its
  ``billsec`` is the talk time (:class:`CallTalk`), and the hold time runs from the call's start
  to that answer (:class:`CallHold`; the answer time is the leg's ``answer`` column when the
  layout has one, else its ``start + duration − billsec``);
* a call no leg answered is **missed** (:class:`CallMissed`, talk time 0, hold the whole ring
  time: from the call's start to the end of its last leg);
* the **kept** row is the chosen leg, else the call's earliest leg. The other legs of an
  *inbound* call are rejected as ``*|extra_leg`` (:class:`CallExtraLeg`); each leg of an
  outbound or internal call carries that call's own rule (``*|outbound``/``*|internal``), as
  before legs were grouped.

**Direction** (:class:`CallDirection`) is read per leg from, in this order: the context
(``dcontext`` matching :attr:`Cdr.trunk_contexts` → inbound; matching
:attr:`Cdr.internal_contexts` → placed by an extension), the channels (``channel`` a trunk peer of
:attr:`Cdr.trunk_channels` → inbound; ``channel`` an extension's own (``SIP/101-…``) or
``dstchannel`` a trunk peer → placed by an extension; when the caller *named* the trunks
(:attr:`Cdr.named_trunks`), a leg touching none of them is internal), and only then the digit
count of the caller (at most 6 digits: an extension). A call placed by an extension is outbound
when it went to a trunk, internal when it dialled nothing (an ``AGI``, a feature code) or an
extension's own channel, else outbound when ``dst`` is longer than an extension's. The call's way
is its legs' way decided by context or channel, inbound first (a call that came in on a trunk is a
customer's, whatever its internal legs say), then outbound, then internal; the digit count only
when no leg's context or channel decides. The summary counts the calls each way by what decided
them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from callframe.engine import normalize as nz
from callframe.engine.nodes import Ctx, IsoTime, Node, TimeNode, TimeParts, text_column

__all__ = [
    "DEFAULT_INTERNAL_CONTEXTS",
    "DEFAULT_TRUNK_CHANNELS",
    "DEFAULT_TRUNK_CONTEXTS",
    "CallDirection",
    "CallExtraLeg",
    "CallHold",
    "CallMissed",
    "CallStart",
    "CallTalk",
    "Cdr",
    "DirectionIs",
    "patterns",
]

DEFAULT_TRUNK_CONTEXTS: tuple[str, ...] = (
    "from-trunk*",
    "from-pstn*",
    "*-pstn",
    "from-external*",
    "ext-did*",
    "from-did*",
    "incoming*",
    "inbound*",
    "from-gsm*",
)
"""Contexts a call from outside arrives in (FreePBX ``from-trunk``/``from-pstn``/``ext-did``,
plain Asterisk samples ``from-external``/``incoming``, providers' ``…-pstn``, ``chan_dongle``'s
``from-gsm``). Glob patterns, case-insensitive."""

DEFAULT_INTERNAL_CONTEXTS: tuple[str, ...] = (
    "from-internal*",
    "macro-dialout-trunk*",
    "outbound-allroutes*",
    "outrt-*",
    "from-sip-phones*",
    "phones*",
)
"""Contexts a call placed by an extension runs in (FreePBX ``from-internal``, its outbound routes
``outbound-allroutes``/``outrt-…`` and ``macro-dialout-trunk``). ``ext-local`` is in neither
list: FreePBX ends inbound calls to an extension there as well as internal ones, so the channels
decide."""

DEFAULT_TRUNK_CHANNELS: tuple[str, ...] = ("*trunk*", "*pstn*", "*provider*", "DAHDI/*", "Dongle/*")
"""Channel peers (``TECH/peer``, the part before ``-<id>``) that are trunks (analogue/ISDN cards
``DAHDI/…`` and GSM dongles ``Dongle/…`` always are). Name yours:
``trunk_channels=("SIP/mtt", "PJSIP/sipnet*")``."""


def patterns(globs: Iterable[str]) -> str | None:
    """A case-insensitive regex matching any of ``globs`` whole (``*`` any text), or ``None``."""
    parts = [re.escape(g.strip()).replace(r"\*", ".*") for g in globs if g.strip()]
    return f"(?i)^(?:{'|'.join(parts)})$" if parts else None


def _matches(x: pl.Expr, regex: str | None) -> pl.Expr:
    if regex is None:
        return pl.lit(False)
    return x.str.contains(regex).fill_null(False)


_SUFFIX = r"-[0-9A-Za-z]+(;[0-9]+)?$"  # SIP/101-00000a02, Local/101@q-0000001f;2
_EXTENSION_PEER = r"^[^/]+/[0-9]{1,6}$"  # SIP/101: an extension's own channel


@dataclass(frozen=True, slots=True)
class Cdr:
    """Where a CDR keeps each leg's fields (column names of the read export) and the trunk
    patterns (see the module docstring). ``answer``, ``channel``, ``dstchannel``, ``dcontext``
    are optional (``None``: the layout lacks them)."""

    keys: tuple[str, ...]
    start: str
    billsec: str
    duration: str
    caller: tuple[str, ...]
    dst: str
    answer: str | None = None
    channel: str | None = None
    dstchannel: str | None = None
    dcontext: str | None = None
    disposition: str | None = None
    trunk_contexts: tuple[str, ...] = DEFAULT_TRUNK_CONTEXTS
    internal_contexts: tuple[str, ...] = DEFAULT_INTERNAL_CONTEXTS
    trunk_channels: tuple[str, ...] = DEFAULT_TRUNK_CHANNELS
    named_trunks: bool = False

    def reads(self) -> tuple[str, ...]:
        names = (
            *self.keys,
            self.start,
            self.billsec,
            self.duration,
            *self.caller,
            self.dst,
            self.answer,
            self.channel,
            self.dstchannel,
            self.dcontext,
            self.disposition,
        )
        return tuple(dict.fromkeys(n for n in names if n))

    # --- per leg ---------------------------------------------------------------------------------

    def _keyed(self, lf: pl.LazyFrame, ctx: Ctx, name: str) -> pl.LazyFrame:
        """``lf`` with the call each row belongs to, hashed (:func:`_hashed`, ``name`` and
        ``name2``): ``linkedid``, else ``uniqueid``, else its own row. The key's text is a
        column first: the hashes read it several times (and each read of an uncleaned
        column would clean it again)."""
        text = f"{name}:text"
        return lf.with_columns(_first(ctx, self.keys).alias(text)).with_columns(
            _hashed(pl.col(text), name)
        )

    def _start_time(self, ctx: Ctx) -> pl.Expr:
        return _plain(ctx.text(self.start))

    def seconds(self, ctx: Ctx, name: str) -> pl.Expr:
        return nz.seconds(ctx.text(name), cleaned=True)

    # --- the side query: one row per call, joined back ------------------------------------------

    def stage(self, lf: pl.LazyFrame, ctx: Ctx, source: pl.LazyFrame) -> tuple[pl.LazyFrame, Ctx]:
        """``lf`` (numbered ``__row``) with what the call nodes read of the whole call, from a
        side query on the few leg columns (key, start, billsec, duration, answer, disposition,
        channels, context, caller, dst) grouped into one row per call and joined back on the
        call key (not a window over the whole frame):

        * ``__cdr:best`` the kept leg's ``__row`` (the chosen leg, else the earliest) and
          ``__cdr:kept`` whether this row is it;
        * ``__cdr:call:talk`` the chosen leg's ``billsec`` (0 when no leg talked),
          ``…:missed`` (null when no leg's ``billsec`` reads), ``…:hold`` the seconds from
          the first start to the answer (missed: to the last leg's end),
          ``…:aware``/``…:naive`` the call's time (:class:`CallStart`);
        * ``__cdr:call:rank`` the call's direction as one byte (:func:`_way`, :func:`_label`).

        Each call is numbers only (the join holds every call). Lazy: nothing is read until the
        query runs."""
        if ctx.has("__cdr:key"):
            return lf, ctx
        calls = self._calls(source, ctx)
        staged = (
            self._keyed(lf, ctx, "__cdr:key")
            .join(
                calls,
                left_on=["__cdr:key", "__cdr:key2"],
                right_on=_KEYS,
                how="left",
                maintain_order="left",
            )
            .with_columns((pl.col("__row") == pl.col("__cdr:best")).alias("__cdr:kept"))
        )
        names = [
            "__cdr:key:text",
            "__cdr:key",
            "__cdr:key2",
            *calls.collect_schema().names(),
            "__cdr:kept",
        ]
        return staged, ctx.with_columns(n for n in names if n not in _KEYS)

    def _calls(self, source: pl.LazyFrame, ctx: Ctx) -> pl.LazyFrame:
        """The side query of :meth:`stage`: one row per call (its hashed key and values)."""
        # the legs read their own columns from the export (see Node.stage), numbered like
        # ``lf``, once: one streaming group_by on the hashed key gives the kept leg (the min of
        # one Int128 per leg, see _kept_key) and the call's aggregates
        legs = self._stage_direction(
            self._legs(source, ctx, [c for c in self.reads() if ctx.has(c)])
        )
        kept = pl.col("__cdr:kept_leg")
        talked = kept < _TALKED  # the kept leg talked: a leg did
        until = pl.when(talked).then(pl.col("answer")).otherwise(pl.col("end"))
        hold = (until - pl.col("first")).dt.total_seconds()
        # each call as numbers only (16 bytes of key, ~50 of values): the join holds them all
        return (
            legs.group_by(_KEYS)
            .agg(
                _kept_key().min().alias("__cdr:kept_leg"),
                pl.col("answer").min_by(_kept_key()),
                pl.col("billsec").min_by(_kept_key()).alias("talk"),
                pl.col("billsec").is_not_null().any().alias("readable"),
                pl.col("start").min().alias("first"),
                pl.col("end").max(),
                pl.col("aware").min().alias("__cdr:call:aware"),
                pl.col("naive").min().alias("__cdr:call:naive"),
                pl.col("rank").min().cast(pl.UInt8).alias("__cdr:call:rank"),
            )
            .select(
                *_KEYS,
                (kept % _IDX).cast(pl.Int64).alias("__cdr:best"),
                pl.when(talked)
                .then(pl.col("talk"))
                .otherwise(0)
                .cast(pl.Int64)
                .alias("__cdr:call:talk"),
                pl.when(pl.col("readable"))
                .then((~talked).cast(pl.Int8))
                .cast(pl.Int8)
                .alias("__cdr:call:missed"),
                pl.when(hold >= 0).then(hold).cast(pl.Int64).alias("__cdr:call:hold"),
                "__cdr:call:aware",
                "__cdr:call:naive",
                "__cdr:call:rank",
            )
        )

    def _legs(
        self,
        source: pl.LazyFrame,
        ctx: Ctx,
        read: list[str],
    ) -> pl.LazyFrame:
        """Each leg's values (one row per export row) from the columns ``read`` of ``source``
        (the others read as missing), in steps of columns: each value is read several times
        below (and polars shares no subexpression inside when/then branches).

        A time or a number is read from the text as it is first (``2024-06-03 10:15:00``,
        ``42``: what nearly every CDR holds), and cleaned and read again only where that
        failed: whatever reads as it is reads the same cleaned (no space, no placeholder), so
        the columns are not all cleaned. The caller's and ``dst``'s are cleaned in
        :meth:`_stage_direction`, where their digits decide."""
        ctx = Ctx((*read, "__row"), ctx.tz, ctx.region, ctx.lookups, first_row=ctx.first_row)
        parsed = {
            c: how
            for c, how in (
                (self.start, _plain),
                (self.answer, _plain),
                (self.billsec, _whole_seconds),
                (self.duration, _whole_seconds),
            )
            if c is not None and ctx.has(c)
        }
        later = {*self.caller, self.dst}
        cleaned = [c for c in read if c not in parsed and c not in later and c != self.disposition]
        ctx = ctx.with_texts(cleaned)  # each leg column cleaned once (see Ctx.text)
        legs = source.select(read).with_row_index("__row", offset=ctx.first_row)
        legs = legs.with_columns(
            pl.col("__row").cast(pl.Int64),
            *(nz.clean_text(pl.col(c)).alias(text_column(c)) for c in cleaned),
            *(how(pl.col(c).cast(pl.String)).alias(f"{c}:as_is") for c, how in parsed.items()),
        )
        # the rest of each parsed column, cleaned (null where the text read as it is)
        legs = legs.with_columns(
            pl.when(pl.col(f"{c}:as_is").is_null()).then(pl.col(c)).alias(c) for c in parsed
        ).with_columns(nz.clean_text(pl.col(c)).alias(c) for c in parsed)
        rest = {c: pl.col(c) for c in parsed}  # cleaned text where the text as is did not read

        def value(name: str | None, read_rest: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
            if name is None or name not in parsed:
                return pl.lit(None, pl.Datetime("us"))
            return pl.coalesce(pl.col(f"{name}:as_is"), read_rest(rest[name]))

        def seconds(name: str) -> pl.Expr:
            if name not in parsed:
                return pl.lit(None, pl.Int64)
            return pl.coalesce(pl.col(f"{name}:as_is"), nz.seconds(rest[name], cleaned=True))

        # the call time's parts: a plain ``YYYY-MM-DD HH:MM:SS`` (nearly every start) is the
        # naive time itself; the ISO reader only on the others (null elsewhere: no work)
        start = value(self.start, _plain)
        legs = legs.with_columns(
            start.alias("start"),
            value(self.answer, _plain).alias("answered"),
            seconds(self.billsec).alias("billsec"),
            seconds(self.duration).alias("duration"),
        )
        rest_aware, rest_naive = nz.iso_parts(
            pl.when(pl.col("start").is_null()).then(rest.get(self.start, pl.lit(None, pl.String))),
            cleaned=True,
        )
        # ``ANSWERED`` in any case, around spaces (what the cleaned text upper-cased reads)
        disposed = pl.lit(True)  # a layout without dispositions
        if self.disposition is not None:
            disposed = (
                pl.col(self.disposition).cast(pl.String).str.contains(r"(?i)^\s*answered\s*$")
                if ctx.has(self.disposition)
                else pl.lit(None, pl.Boolean)
            )
        legs = self._keyed(legs, ctx, "key").select(
            "key",
            "key2",
            pl.col("__row").alias("idx"),
            "start",
            "billsec",
            "duration",
            "answered",
            self.channel_text(ctx, self.dstchannel).alias("dstchannel"),
            disposed.alias("disposed"),
            rest_aware.alias("aware"),
            pl.coalesce("start", rest_naive).alias("naive"),
            _peer(self.channel_text(ctx, self.channel)).alias("src_peer"),
            _peer(self.channel_text(ctx, self.dstchannel)).alias("dst_peer"),
            self.channel_text(ctx, self.dcontext).alias("context"),
            *(pl.col(c) for c in sorted(later) if c and ctx.has(c)),  # as read
        )
        start, billsec, duration = pl.col("start"), pl.col("billsec"), pl.col("duration")
        dstchannel = pl.col("dstchannel")
        real_dst = (
            dstchannel.is_not_null() & ~_is_local(dstchannel)
            if self.dstchannel is not None
            else pl.lit(True)
        )
        # NO ANSWER legs may carry a billsec (Dial's ring time on some versions)
        talked = ((billsec > 0) & real_dst & pl.col("disposed")).fill_null(False)
        computed = start + pl.duration(seconds=duration - billsec)
        legs = legs.with_columns(
            talked.alias("talked"),
            pl.coalesce(pl.col("answered"), computed).alias("answer"),
            (start + pl.duration(seconds=duration)).alias("end"),
        ).with_columns(pl.when(pl.col("talked")).then(pl.col("answer")).alias("order"))
        return legs

    def _stage_direction(self, legs: pl.LazyFrame) -> pl.LazyFrame:
        """``legs`` with ``rank``: each leg's way and what decided it (:meth:`_leg_direction_of`)
        as one number (the call's way is its legs' lowest), in steps of columns."""
        trunk_re = patterns(self.trunk_channels)
        src, dst = pl.col("src_peer"), pl.col("dst_peer")
        legs = legs.with_columns(
            _matches(dst, trunk_re).alias("dst_trunk"),
            dst.str.contains(_EXTENSION_PEER).fill_null(False).alias("dialled_ext"),
            _matches(pl.col("context"), patterns(self.trunk_contexts)).alias("ctx_trunk"),
            _matches(pl.col("context"), patterns(self.internal_contexts)).alias("ctx_internal"),
            _matches(src, trunk_re).alias("src_trunk"),
            src.str.contains(_EXTENSION_PEER).fill_null(False).alias("src_ext"),
        )
        # the digit counts only where they decide (few legs: the context or the channels
        # decide the others): the caller's when neither does, ``dst`` where ``placed`` reads it
        decided = (
            pl.col("ctx_trunk")
            | pl.col("ctx_internal")
            | pl.col("src_trunk")
            | pl.col("src_ext")
            | pl.col("dst_trunk")
        )
        if self.named_trunks:
            decided = decided | src.is_not_null()
        dialling = ~pl.col("dst_trunk") & dst.is_not_null() & ~pl.col("dialled_ext")
        present = set(legs.collect_schema().names())
        callers = tuple(c for c in self.caller if c in present)
        dialled = tuple(c for c in (self.dst,) if c in present)
        masked = {**{c: ~decided for c in callers}, **{c: dialling for c in dialled}}
        text = Ctx((*masked,)).with_texts(masked)  # the masked columns, cleaned below
        legs = (
            legs.with_columns(pl.when(m).then(pl.col(c)).alias(c) for c, m in masked.items())
            .with_columns(nz.clean_text(pl.col(c)).alias(text_column(c)) for c in masked)
            .with_columns(
                _first(text, callers).alias("caller"), _first(text, dialled).alias("dialled")
            )
        )
        legs = _extension(legs, {"caller": "caller_ext", "dialled": "dst_ext"})
        # ways as small numbers (_WAY_RANK), not text: 2M legs × four columns of words cost
        inbound, outbound, internal = (pl.lit(_WAY_RANK[w], pl.Int16) for w in _WAY_RANK)
        legs = legs.with_columns(
            pl.when(pl.col("dst_trunk"))
            .then(outbound)
            .when(dst.is_null() | pl.col("dialled_ext"))
            .then(internal)
            .when(~pl.col("dst_ext").fill_null(False))
            .then(outbound)
            .otherwise(internal)
            .alias("placed")
        )
        placed = pl.col("placed")
        by_channel = (
            pl.when(pl.col("src_trunk"))
            .then(inbound)
            .when(pl.col("src_ext") | pl.col("dst_trunk"))
            .then(placed)
        )
        if self.named_trunks:
            by_channel = by_channel.when(src.is_not_null()).then(internal)
        by_context = pl.when(pl.col("ctx_trunk")).then(inbound).when(pl.col("ctx_internal"))
        by_digits = pl.when(pl.col("caller_ext").fill_null(False)).then(placed)
        # the way (0–2) × 10 + what decided it (0–2), + 100 when only the digits did: the
        # call's way is its legs' lowest
        rank = (
            pl.when(pl.col("ctx_trunk") | pl.col("ctx_internal"))
            .then(by_context.then(placed) * 10 + _HOW_RANK["context"])
            .when(by_channel.is_not_null())
            .then(by_channel * 10 + _HOW_RANK["channel"])
            .otherwise(by_digits.otherwise(inbound) * 10 + (100 + _HOW_RANK["digits"]))
            .cast(pl.Int16)
        )
        return legs.with_columns(rank.alias("rank"))

    def channel_text(self, ctx: Ctx, name: str | None) -> pl.Expr:
        return ctx.text(name) if name is not None else pl.lit(None, pl.String)

    @staticmethod
    def call(name: str) -> pl.Expr:
        """A staged per-call column (``__cdr:call:<name>``, see :meth:`stage`)."""
        return pl.col(f"__cdr:call:{name}")

    @staticmethod
    def kept() -> pl.Expr:
        """True on the call's kept row (staged, see :meth:`stage`)."""
        return pl.col("__cdr:kept")

    @staticmethod
    def direction() -> pl.Expr:
        """The call's way and what decided it, as text (staged, see :meth:`stage`)."""
        return _label(Cdr.call("rank"))

    @staticmethod
    def way_is(way: str) -> pl.Expr:
        """True where the call's way is ``way`` (staged, see :meth:`stage`)."""
        return _way(Cdr.call("rank")) == _WAY_RANK[way]


_WAY_RANK = {"inbound": 0, "outbound": 1, "internal": 2}
_HOW_RANK = {"context": 0, "channel": 1, "digits": 2}
_LABELS = {
    wr * 10 + hr + (100 if h == "digits" else 0): f"{w} by {h}"
    for w, wr in _WAY_RANK.items()
    for h, hr in _HOW_RANK.items()
}
"""A call's rank (its legs' lowest, see :meth:`Cdr._stage_direction`) → its direction."""


def _way(rank: pl.Expr) -> pl.Expr:
    """A call's way (:data:`_WAY_RANK`) from its rank."""
    return rank % 100 // 10


def _label(rank: pl.Expr) -> pl.Expr:
    """A call's direction as text from its rank: one when/then per label, elementwise (a
    ``replace_strict`` is a columnar step in the streaming engine: it holds the whole joined
    frame until its column is complete, +400 MB on a 2M-row export)."""
    out: pl.Expr = pl.lit(None, pl.String)
    for value, label in _LABELS.items():
        out = pl.when(rank == value).then(pl.lit(label)).otherwise(out)
    return out


_KEYS = ["key", "key2"]
_IDX = 2**35  # the kept-leg key's last field: the row (up to 34 billion rows)
_STARTS = 2**45  # its start field: a Datetime's whole seconds (|s| < 2⁴⁴) offset, null last
_ORDERS = 2**46  # its answer field: twice the start field's range, a sub-second bit, null last
_TALKED = _ORDERS * _STARTS * _IDX  # a key below it is a talked leg's


def _seconds_field(x: pl.Expr, *, half: bool) -> pl.Expr:
    """A Datetime (us) as a non-negative Int128 that orders as the time does, null last:
    its floor seconds offset by 2⁴⁴ (every Datetime's seconds fit), and with ``half`` doubled
    plus 1 for a time past the whole second (an answer computed from an absurd duration
    wraps to one), so a whole and a fractional time compare exactly."""
    us = x.cast(pl.Int64)
    seconds = us.floordiv(1_000_000).cast(pl.Int128) + 2**44
    if not half:
        return seconds.fill_null(_STARTS - 1)
    fraction = (us % 1_000_000 != 0).cast(pl.Int128)
    return (seconds * 2 + fraction).fill_null(_ORDERS - 1)


def _kept_key() -> pl.Expr:
    """Each leg as one Int128 whose smallest, per call, is the kept leg: talked first, then the
    earliest answer, the earliest start (nulls last), the first row (``idx`` is unique and
    the last field, so no two legs tie and the key's low bits are the kept row). Its ``min``
    (and ``min_by`` for the kept leg's answer and billsec) are streaming aggregates over
    numbers: no sort, no leg held per call. Times are whole seconds (``start`` and ``answer``
    are read to the second; only an answer computed from an absurd duration is not); two
    fractional answers in the same second of one call order by start, then row."""
    talked = pl.when(pl.col("talked")).then(pl.lit(0, pl.Int128)).otherwise(pl.lit(1, pl.Int128))
    order = _seconds_field(pl.col("order"), half=True)
    start = _seconds_field(pl.col("start"), half=False)
    return ((talked * _ORDERS + order) * _STARTS + start) * _IDX + pl.col("idx").cast(pl.Int128)


def _hashed(key: pl.Expr, name: str) -> list[pl.Expr]:
    """The call key as two 64-bit hashes of different seeds (``name``, ``name2``): grouped and
    joined on as numbers, not text (the side query holds 16 bytes a leg); two calls share
    both only with a chance of about n² / 2¹²⁹, nil for any export. A leg without a key is
    its own call: its row number and a constant (no text made per row)."""
    row = pl.col("__row").cast(pl.UInt64)
    return [
        pl.when(key.is_null()).then(row).otherwise(key.hash(seed=0x0CA11F)).alias(name),
        pl.when(key.is_null())
        .then(pl.lit(_NO_KEY, pl.UInt64))
        .otherwise(key.hash(seed=0x1E65))
        .alias(f"{name}2"),
    ]


_NO_KEY = 0x6E6F2D6B6579  # the second hash of a leg without a key


def _first(ctx: Ctx, names: tuple[str, ...]) -> pl.Expr:
    """The first non-empty of the columns ``names`` (cleaned text; null without any)."""
    texts = [ctx.text(n) for n in names if n]
    if not texts:
        return pl.lit(None, pl.String)
    return texts[0] if len(texts) == 1 else pl.coalesce(texts)


def _extension(legs: pl.LazyFrame, texts: dict[str, str]) -> pl.LazyFrame:
    """``legs`` with, for each text column of ``texts``, a flag: the number is an extension's
    (1 to 6 digits, counted inside the caller-id's ``<…>`` when it holds some), as
    :class:`~callframe.engine._pbx.IsExtension` reads it; null for a null text. Pure
    expressions in steps (no Python per batch; each value read once per step)."""
    inner = {
        t: pl.when(pl.col(t).str.contains("<", literal=True))
        .then(pl.col(t))
        .str.extract(r"<([^<>]*)>", 1)
        .str.strip_chars()
        .alias(f"{t}:inner")
        for t in texts
    }
    legs = legs.with_columns(inner.values())
    counts = {
        t: pl.when(pl.col(f"{t}:inner") != "")
        .then(pl.col(f"{t}:inner"))
        .otherwise(pl.col(t))
        .str.count_matches("[0-9]")
        for t in texts
    }
    return legs.with_columns(
        ((counts[t] >= 1) & (counts[t] <= 6)).alias(flag) for t, flag in texts.items()
    )


def _whole_seconds(x: pl.Expr) -> pl.Expr:
    """Whole digits as seconds (below 2⁵³, no sign), else null: what
    :func:`~callframe.engine.normalize.seconds` reads them as, without its other forms."""
    whole = pl.when(~x.str.starts_with("+")).then(x).str.to_integer(strict=False)
    return pl.when((whole >= 0) & (whole < 2**53)).then(whole)


def _plain(x: pl.Expr) -> pl.Expr:
    return x.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False)


def _is_local(channel: pl.Expr) -> pl.Expr:
    return channel.str.to_lowercase().str.starts_with("local/")


def _peer(channel: pl.Expr) -> pl.Expr:
    """``TECH/peer`` of a channel name (``SIP/trunk-00000a01`` → ``SIP/trunk``)."""
    return channel.str.replace(_SUFFIX, "")


@dataclass(frozen=True, slots=True)
class _CallNode(Node):
    row_wise: ClassVar[bool] = False

    cdr: Cdr

    def reads(self) -> tuple[str, ...]:
        return self.cdr.reads()

    def stage(self, lf: pl.LazyFrame, ctx: Ctx, source: pl.LazyFrame) -> tuple[pl.LazyFrame, Ctx]:
        return self.cdr.stage(lf, ctx, source)


@dataclass(frozen=True, slots=True)
class CallStart(TimeNode):
    """The call's time: the earliest ``start`` among its legs."""

    row_wise: ClassVar[bool] = False

    cdr: Cdr

    def reads(self) -> tuple[str, ...]:
        return (self.cdr.start,)

    def naive_possible(self) -> bool:
        return True

    def stage(self, lf: pl.LazyFrame, ctx: Ctx, source: pl.LazyFrame) -> tuple[pl.LazyFrame, Ctx]:
        return self.cdr.stage(lf, ctx, source)

    def parts(self, ctx: Ctx) -> TimeParts:
        own = IsoTime(self.cdr.start).parts(ctx)
        if not ctx.has("__cdr:key"):  # the tz check: the leg's own time is enough
            return own
        return TimeParts(Cdr.call("aware"), Cdr.call("naive"), own.raw)

    def describe(self) -> str:
        return f"the earliest `{self.cdr.start}` of the call's legs"


@dataclass(frozen=True, slots=True)
class CallTalk(_CallNode):
    """The chosen leg's ``billsec``; 0 when no leg talked."""

    def raw(self, ctx: Ctx) -> pl.Expr:
        return ctx.text(self.cdr.billsec)

    def expr(self, ctx: Ctx) -> pl.Expr:
        billsec = self.cdr.seconds(ctx, self.cdr.billsec)
        return pl.when(billsec.is_not_null()).then(Cdr.call("talk"))

    def describe(self) -> str:
        return f"`{self.cdr.billsec}` of the first leg that talked on a real channel, else 0"


@dataclass(frozen=True, slots=True)
class CallHold(_CallNode):
    """Seconds from the call's start to the chosen leg's answer; for a missed call, to the end
    of its last leg."""

    def raw(self, ctx: Ctx) -> pl.Expr:
        return ctx.text(self.cdr.duration)

    def expr(self, ctx: Ctx) -> pl.Expr:
        return Cdr.call("hold")

    def describe(self) -> str:
        return "from the call's start to the answer (missed: to its last leg's end)"


@dataclass(frozen=True, slots=True)
class CallMissed(_CallNode):
    """0 when a leg of the call talked, else 1 (null when no leg's ``billsec`` reads)."""

    def raw(self, ctx: Ctx) -> pl.Expr:
        return ctx.text(self.cdr.billsec)

    def expr(self, ctx: Ctx) -> pl.Expr:
        return Cdr.call("missed")

    def describe(self) -> str:
        return "0 when a leg talked on a real channel (`billsec` > 0, not Local/), else 1"


@dataclass(frozen=True, slots=True)
class CallExtraLeg(_CallNode):
    """1 on every leg of an inbound call but its kept one (each leg of an outbound or internal
    call carries that call's own rule instead, as before legs were grouped)."""

    def expr(self, ctx: Ctx) -> pl.Expr:
        return (~Cdr.kept() & Cdr.way_is("inbound").fill_null(True)).cast(pl.Int8)

    def describe(self) -> str:
        keys = " / ".join(f"`{k}`" for k in self.cdr.keys)
        return f"a second leg of the same {keys}"


@dataclass(frozen=True, slots=True)
class CallDirection(_CallNode):
    """The call's way and what decided it, as text (``inbound by context``): among its legs
    decided by context or channel, inbound first, then outbound, then internal (a call that
    came in on a trunk is a customer's, whatever its internal legs say); the digit count only
    when no leg's context or channel decides. ``kept_only``: the text on the call's kept row
    only (null on the others), to count calls rather than legs."""

    kept_only: bool = False

    def expr(self, ctx: Ctx) -> pl.Expr:
        out = Cdr.direction()
        return pl.when(Cdr.kept()).then(out) if self.kept_only else out

    def describe(self) -> str:
        cdr = self.cdr
        what = [
            f"`{cdr.dcontext}`" if cdr.dcontext else "",
            f"`{cdr.channel}`" if cdr.channel else "",
        ]
        signals = ", ".join(w for w in what if w)
        return f"{signals + ', else ' if signals else ''}a caller of ≤ 6 digits is an extension"


@dataclass(frozen=True, slots=True)
class DirectionIs(Node):
    """1 where ``direction`` (a :class:`CallDirection`) is ``way``, else 0."""

    row_wise: ClassVar[bool] = False

    direction: CallDirection
    way: str

    def reads(self) -> tuple[str, ...]:
        return self.direction.reads()

    def stage(self, lf: pl.LazyFrame, ctx: Ctx, source: pl.LazyFrame) -> tuple[pl.LazyFrame, Ctx]:
        return self.direction.stage(lf, ctx, source)

    def expr(self, ctx: Ctx) -> pl.Expr:
        way = Cdr.way_is(self.way)
        if self.direction.kept_only:
            way = pl.when(Cdr.kept()).then(way)
        return way.cast(pl.Int8)

    def describe(self) -> str:
        return f"the call is {self.way} ({self.direction.describe()})"

"""Asterisk-style CDRs (Asterisk ``Master.csv``, FreePBX): legs grouped into calls, direction.

A PBX logs one row per *leg* (each dial attempt, each ``Local/`` half of a queue or time-delay
dialplan, the dialplan's own ``Hangup``/``Playback`` steps). The nodes here read a call from all
its legs, as polars window expressions over the call's key (no per-row Python):

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
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from callframe.engine import normalize as nz
from callframe.engine._pbx import IsExtension
from callframe.engine.adapter import _few_distinct
from callframe.engine.nodes import Ctx, IsoTime, Node, TimeNode, TimeParts

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

    def _key(self, ctx: Ctx) -> pl.Expr:
        """The call a leg belongs to: ``linkedid``, else ``uniqueid``, else its own row."""
        own = pl.lit("row:") + pl.col("__row").cast(pl.String) if ctx.has("__row") else None
        keys = [ctx.text(k) for k in self.keys]
        if own is not None:
            keys.append(own)
        if not keys:
            return pl.lit("")
        return keys[0] if len(keys) == 1 else pl.coalesce(keys)

    def index(self, ctx: Ctx) -> pl.Expr:
        return pl.col("__row") if ctx.has("__row") else pl.int_range(pl.len(), dtype=pl.Int64)

    def _start_time(self, ctx: Ctx) -> pl.Expr:
        return _plain(ctx.text(self.start))

    def seconds(self, ctx: Ctx, name: str) -> pl.Expr:
        staged = f"__cdr:s:{name}"
        return pl.col(staged) if ctx.has(staged) else nz.seconds(ctx.text(name), cleaned=True)

    # --- staged columns: each leg's values computed once (small expression trees) -------------

    def stage(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` (numbered ``__row``) with the leg values the call nodes read, as
        ``__cdr:…`` columns: computed once, not in every node's expression."""
        if "__cdr:key" in frame.columns:
            return frame
        ctx = Ctx(frame=frame)
        frame = frame.with_columns(
            self._key(ctx).alias("__cdr:key"),
            self._start_time(ctx).alias("__cdr:start"),
            *(
                nz.seconds(ctx.text(n), cleaned=True).alias(f"__cdr:s:{n}")
                for n in dict.fromkeys((self.billsec, self.duration))
            ),
        )
        # whether the caller / dst is an extension, once, as a column: on their distinct values
        # joined back when they repeat (a few extensions, a few trunk numbers), else row by row
        # (customers' numbers: the unique + join would cost more than the test)
        for name, columns in (("caller_ext", self.caller), ("dst_ext", (self.dst,))):
            present = [c for c in columns if c in frame.columns]
            if not present:
                continue
            if not _few_distinct(frame, present):
                flag = IsExtension(*present).expr(Ctx(frame=frame)) == 1
                frame = frame.with_columns(flag.alias(f"__cdr:{name}"))
                continue
            keys = frame.select(present).unique()
            flag = (IsExtension(*present).expr(Ctx(frame=keys)) == 1).alias(f"__cdr:{name}")
            frame = frame.join(
                keys.with_columns(flag),
                on=present,
                how="left",
                nulls_equal=True,
                maintain_order="left",
            )
        ctx = Ctx(frame=frame)
        frame = frame.with_columns(
            self._talked(ctx).alias("__cdr:talked"),
            self._answer_time(ctx).alias("__cdr:answer"),
            *self._stage_direction(frame).get_columns(),
        )
        frame = self._stage_calls(self._stage_kept(frame))
        ctx = Ctx(frame=frame)
        return frame.with_columns(CallDirection(self).expr(ctx).alias("__cdr:call"))

    def _stage_direction(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``__cdr:way`` and ``__cdr:how`` of every leg (:meth:`_leg_direction`), computed on the
        distinct values of what decides them (the channels' peers, the context, whether caller
        and dst are extensions: a few hundred combinations) and joined back."""
        ctx = Ctx(frame=frame)
        inputs = frame.select(
            _peer(self.channel_text(ctx, self.channel)).alias("src_peer"),
            _peer(self.channel_text(ctx, self.dstchannel)).alias("dst_peer"),
            self.channel_text(ctx, self.dcontext).alias("context"),
            self._caller_ext(ctx).alias("caller_ext"),
            self._dst_ext(ctx).alias("dst_ext"),
        )
        distinct = inputs.unique()
        way, how = self._leg_direction_of(
            src_peer=pl.col("src_peer"),
            dst_peer=pl.col("dst_peer"),
            context=pl.col("context"),
            caller_ext=pl.col("caller_ext"),
            dst_ext=pl.col("dst_ext"),
        )
        decided = distinct.with_columns(way.alias("__cdr:way"), how.alias("__cdr:how"))
        on = list(inputs.columns)
        joined = inputs.join(decided, on=on, how="left", nulls_equal=True, maintain_order="left")
        return joined.select("__cdr:way", "__cdr:how")

    def _stage_calls(self, frame: pl.DataFrame) -> pl.DataFrame:
        """What the call nodes need of the whole call (``__cdr:call:…``), from one group_by
        over the key columns joined back: whether a leg was chosen / talked / has a readable
        ``billsec``, the chosen leg's ``billsec`` and answer time, the first start and the last
        leg's end (not a window per node over the whole frame)."""
        chosen, start = pl.col("__cdr:chosen"), pl.col("__cdr:start")
        billsec = pl.col(f"__cdr:s:{self.billsec}")
        duration = pl.col(f"__cdr:s:{self.duration}")
        legs = frame.select(
            "__cdr:key",
            "__cdr:chosen",
            "__cdr:talked",
            "__cdr:answer",
            "__cdr:start",
            billsec.alias("billsec"),
            (start + pl.duration(seconds=duration)).alias("end"),
        )
        calls = legs.group_by("__cdr:key").agg(
            chosen.any().alias("__cdr:call:chosen"),
            pl.col("__cdr:talked").any().alias("__cdr:call:talked"),
            pl.col("billsec").is_not_null().any().alias("__cdr:call:readable"),
            pl.col("billsec").filter(chosen).first().alias("__cdr:call:talk"),
            pl.col("__cdr:answer").filter(chosen).first().alias("__cdr:call:answer"),
            start.min().alias("__cdr:call:first"),
            pl.col("end").max().alias("__cdr:call:end"),
        )
        joined = legs.select("__cdr:key").join(
            calls, on="__cdr:key", how="left", nulls_equal=True, maintain_order="left"
        )
        return frame.with_columns(joined.drop("__cdr:key").get_columns())

    def per_call(self, ctx: Ctx, name: str, expr: pl.Expr) -> pl.Expr:
        """The staged ``__cdr:call:<name>`` column, else ``expr`` (a window over the call)."""
        staged = f"__cdr:call:{name}"
        return pl.col(staged) if ctx.has(staged) else expr

    def _stage_kept(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``__cdr:chosen`` and ``__cdr:kept`` (see :meth:`_first_of`) from a side query on the
        few key columns: the legs sorted by the choice's order, the first of each call, joined
        back by its row index (not a sort inside a window over the whole frame)."""
        ctx = Ctx(frame=frame)
        talked = pl.col("__cdr:talked")
        legs = frame.select(
            pl.col("__cdr:key").alias("key"),
            self.index(ctx).alias("idx"),
            talked.alias("talked"),
            pl.when(talked).then(pl.col("__cdr:answer")).alias("order"),
            pl.col("__cdr:start").alias("start"),
        )
        best = (
            legs.sort(
                ["talked", "order", "start", "idx"],
                descending=[True, False, False, False],
                nulls_last=True,
                maintain_order=True,
            )
            .group_by("key", maintain_order=False)
            .agg(pl.col("idx").first().alias("best"))
        )
        kept = (
            legs.select("key", "idx", "talked")
            .join(best, on="key", how="left", nulls_equal=True, maintain_order="left")
            .select(
                ((pl.col("idx") == pl.col("best")) & pl.col("talked")).alias("__cdr:chosen"),
                (pl.col("idx") == pl.col("best")).alias("__cdr:kept"),
            )
        )
        return frame.with_columns(kept.get_columns())

    def key(self, ctx: Ctx) -> pl.Expr:
        return pl.col("__cdr:key") if ctx.has("__cdr:key") else self._key(ctx)

    def start_time(self, ctx: Ctx) -> pl.Expr:
        return pl.col("__cdr:start") if ctx.has("__cdr:start") else self._start_time(ctx)

    def talked(self, ctx: Ctx) -> pl.Expr:
        return pl.col("__cdr:talked") if ctx.has("__cdr:talked") else self._talked(ctx)

    def answer_time(self, ctx: Ctx) -> pl.Expr:
        return pl.col("__cdr:answer") if ctx.has("__cdr:answer") else self._answer_time(ctx)

    def chosen(self, ctx: Ctx) -> pl.Expr:
        return pl.col("__cdr:chosen") if ctx.has("__cdr:chosen") else self._chosen(ctx)

    def kept(self, ctx: Ctx) -> pl.Expr:
        return pl.col("__cdr:kept") if ctx.has("__cdr:kept") else self._kept(ctx)

    def leg_direction(self, ctx: Ctx) -> tuple[pl.Expr, pl.Expr]:
        if ctx.has("__cdr:way"):
            return pl.col("__cdr:way"), pl.col("__cdr:how")
        return self._leg_direction(ctx)

    def channel_text(self, ctx: Ctx, name: str | None) -> pl.Expr:
        return ctx.text(name) if name is not None else pl.lit(None, pl.String)

    def _talked(self, ctx: Ctx) -> pl.Expr:
        """Whether a person talked on this leg (see the module docstring)."""
        dstchannel = self.channel_text(ctx, self.dstchannel)
        real_dst = (
            dstchannel.is_not_null() & ~_is_local(dstchannel)
            if self.dstchannel is not None
            else pl.lit(True)
        )
        billsec = self.seconds(ctx, self.billsec)
        talked = (billsec > 0) & real_dst
        if self.disposition is not None:
            # NO ANSWER legs may carry a billsec (Dial's ring time on some versions)
            talked = talked & (ctx.text(self.disposition).str.to_uppercase() == "ANSWERED")
        return talked.fill_null(False)

    def _answer_time(self, ctx: Ctx) -> pl.Expr:
        """When the leg was answered: ``answer``, else ``start + duration − billsec``."""
        ring = self.seconds(ctx, self.duration) - self.seconds(ctx, self.billsec)
        computed = self.start_time(ctx) + pl.duration(seconds=ring)
        if self.answer is None:
            return computed
        return pl.coalesce(_plain(ctx.text(self.answer)), computed)

    def _chosen(self, ctx: Ctx) -> pl.Expr:
        """1 on the call's chosen leg: the first that talked (by answer, start, row)."""
        return self._first_of(ctx, self.talked(ctx), self.answer_time(ctx))

    def _kept(self, ctx: Ctx) -> pl.Expr:
        """True on the call's kept row: the chosen leg, else the earliest leg."""
        return self._first_of(ctx, self.talked(ctx), self.answer_time(ctx), keep_any=True)

    def _first_of(
        self, ctx: Ctx, talked: pl.Expr, answered: pl.Expr, *, keep_any: bool = False
    ) -> pl.Expr:
        key, idx = self.key(ctx), self.index(ctx)
        start = self.start_time(ctx)
        order = pl.when(talked).then(answered)
        best = idx.sort_by(
            [~talked, order, start, idx],
            descending=[False, False, False, False],
            nulls_last=True,
        ).first()
        first = idx == best.over(key)
        return first if keep_any else first & talked

    # --- direction -------------------------------------------------------------------------------

    def _leg_direction(self, ctx: Ctx) -> tuple[pl.Expr, pl.Expr]:
        """Per leg: the way (``inbound``/``outbound``/``internal``) and what decided it
        (``context``/``channel``/``digits``)."""
        return self._leg_direction_of(
            src_peer=_peer(self.channel_text(ctx, self.channel)),
            dst_peer=_peer(self.channel_text(ctx, self.dstchannel)),
            context=self.channel_text(ctx, self.dcontext),
            caller_ext=self._caller_ext(ctx),
            dst_ext=self._dst_ext(ctx),
        )

    def _caller_ext(self, ctx: Ctx) -> pl.Expr:
        if ctx.has("__cdr:caller_ext"):
            return pl.col("__cdr:caller_ext")
        return IsExtension(*self.caller).expr(ctx) == 1

    def _dst_ext(self, ctx: Ctx) -> pl.Expr:
        if ctx.has("__cdr:dst_ext"):
            return pl.col("__cdr:dst_ext").fill_null(False)
        return (IsExtension(self.dst).expr(ctx) == 1).fill_null(False)

    def _leg_direction_of(
        self,
        *,
        src_peer: pl.Expr,
        dst_peer: pl.Expr,
        context: pl.Expr,
        caller_ext: pl.Expr,
        dst_ext: pl.Expr,
    ) -> tuple[pl.Expr, pl.Expr]:
        """:meth:`_leg_direction` from what decides it: the peers (``TECH/peer``) of the leg's
        channel and dstchannel (null when there is none), its context, and whether caller and
        dst are extensions."""
        trunk_re = patterns(self.trunk_channels)
        dst_trunk = _matches(dst_peer, trunk_re)
        # placed by an extension: outbound when it went to a trunk or a long number
        # placed by an extension: outbound when it went to a trunk; internal when it dialled
        # nothing (an AGI, a feature code) or an extension's own channel; else by ``dst``
        dialled_ext = dst_peer.str.contains(_EXTENSION_PEER).fill_null(False)
        placed = (
            pl.when(dst_trunk)
            .then(pl.lit("outbound"))
            .when(dst_peer.is_null() | dialled_ext)
            .then(pl.lit("internal"))
            .when(~dst_ext)
            .then(pl.lit("outbound"))
            .otherwise(pl.lit("internal"))
        )
        by_context = (
            pl.when(_matches(context, patterns(self.trunk_contexts)))
            .then(pl.lit("inbound"))
            .when(_matches(context, patterns(self.internal_contexts)))
            .then(placed)
        )
        by_channel = (
            pl.when(_matches(src_peer, trunk_re))
            .then(pl.lit("inbound"))
            .when(src_peer.str.contains(_EXTENSION_PEER).fill_null(False) | dst_trunk)
            .then(placed)
        )
        if self.named_trunks:
            # the user named the trunks: a leg that touches none never left the PBX
            by_channel = by_channel.when(src_peer.is_not_null()).then(pl.lit("internal"))
        by_digits = pl.when(caller_ext.fill_null(False)).then(placed).otherwise(pl.lit("inbound"))
        way = pl.coalesce(by_context, by_channel, by_digits)
        how = (
            pl.when(by_context.is_not_null())
            .then(pl.lit("context"))
            .when(by_channel.is_not_null())
            .then(pl.lit("channel"))
            .otherwise(pl.lit("digits"))
        )
        return way, how


_WAY_RANK = {"inbound": 0, "outbound": 1, "internal": 2}
_HOW_RANK = {"context": 0, "channel": 1, "digits": 2}


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

    def prepare(self, frame: pl.DataFrame) -> pl.DataFrame:
        return self.cdr.stage(frame)


@dataclass(frozen=True, slots=True)
class CallStart(TimeNode):
    """The call's time: the earliest ``start`` among its legs."""

    row_wise: ClassVar[bool] = False

    cdr: Cdr

    def reads(self) -> tuple[str, ...]:
        return (self.cdr.start,)

    def naive_possible(self) -> bool:
        return True

    def prepare(self, frame: pl.DataFrame) -> pl.DataFrame:
        return self.cdr.stage(frame)

    def parts(self, ctx: Ctx) -> TimeParts:
        own = IsoTime(self.cdr.start).parts(ctx)
        if not ctx.has("__row"):  # the tz check: the leg's own time is enough
            return own
        key = self.cdr.key(ctx)
        return TimeParts(own.aware.min().over(key), own.naive.min().over(key), own.raw)

    def describe(self) -> str:
        return f"the earliest `{self.cdr.start}` of the call's legs"


@dataclass(frozen=True, slots=True)
class CallTalk(_CallNode):
    """The chosen leg's ``billsec``; 0 when no leg talked."""

    def raw(self, ctx: Ctx) -> pl.Expr:
        return ctx.text(self.cdr.billsec)

    def expr(self, ctx: Ctx) -> pl.Expr:
        cdr = self.cdr
        key = cdr.key(ctx)
        billsec = cdr.seconds(ctx, cdr.billsec)
        chosen = cdr.chosen(ctx)
        talk = cdr.per_call(ctx, "talk", billsec.filter(chosen).first().over(key))
        return (
            pl.when(billsec.is_null())
            .then(None)
            .when(cdr.per_call(ctx, "chosen", chosen.any().over(key)))
            .then(talk)
            .otherwise(0)
            .cast(pl.Int64)
        )

    def describe(self) -> str:
        return f"`{self.cdr.billsec}` of the first leg that talked on a real channel, else 0"


@dataclass(frozen=True, slots=True)
class CallHold(_CallNode):
    """Seconds from the call's start to the chosen leg's answer; for a missed call, to the end
    of its last leg."""

    def raw(self, ctx: Ctx) -> pl.Expr:
        return ctx.text(self.cdr.duration)

    def expr(self, ctx: Ctx) -> pl.Expr:
        cdr = self.cdr
        key = cdr.key(ctx)
        start = cdr.start_time(ctx)
        first = cdr.per_call(ctx, "first", start.min().over(key))
        chosen = cdr.chosen(ctx)
        answered = cdr.per_call(
            ctx, "answer", cdr.answer_time(ctx).filter(chosen).first().over(key)
        )
        end = cdr.per_call(
            ctx,
            "end",
            (start + pl.duration(seconds=cdr.seconds(ctx, cdr.duration))).max().over(key),
        )
        any_chosen = cdr.per_call(ctx, "chosen", chosen.any().over(key))
        until = pl.when(any_chosen).then(answered).otherwise(end)
        seconds = (until - first).dt.total_seconds()
        return pl.when(seconds >= 0).then(seconds).cast(pl.Int64)

    def describe(self) -> str:
        return "from the call's start to the answer (missed: to its last leg's end)"


@dataclass(frozen=True, slots=True)
class CallMissed(_CallNode):
    """0 when a leg of the call talked, else 1 (null when no leg's ``billsec`` reads)."""

    def raw(self, ctx: Ctx) -> pl.Expr:
        return ctx.text(self.cdr.billsec)

    def expr(self, ctx: Ctx) -> pl.Expr:
        cdr = self.cdr
        key = cdr.key(ctx)
        readable = cdr.per_call(
            ctx, "readable", cdr.seconds(ctx, cdr.billsec).is_not_null().any().over(key)
        )
        talked = cdr.per_call(ctx, "talked", cdr.talked(ctx).any().over(key))
        return pl.when(readable).then((~talked).cast(pl.Int8)).cast(pl.Int8)

    def describe(self) -> str:
        return "0 when a leg talked on a real channel (`billsec` > 0, not Local/), else 1"


@dataclass(frozen=True, slots=True)
class CallExtraLeg(_CallNode):
    """1 on every leg of an inbound call but its kept one (each leg of an outbound or internal
    call carries that call's own rule instead, as before legs were grouped)."""

    def expr(self, ctx: Ctx) -> pl.Expr:
        inbound = CallDirection(self.cdr).expr(ctx).str.starts_with("inbound ")
        return (~self.cdr.kept(ctx) & inbound.fill_null(True)).cast(pl.Int8)

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
        if ctx.has("__cdr:call") and not self.kept_only:
            return pl.col("__cdr:call")
        way, how = self.cdr.leg_direction(ctx)
        key = self.cdr.key(ctx)
        way_rank = way.replace_strict(_WAY_RANK, return_dtype=pl.Int8)
        how_rank = how.replace_strict(_HOW_RANK, return_dtype=pl.Int8)
        label = way + pl.lit(" by ") + how
        by_digits = how == "digits"
        call = label.sort_by([by_digits, way_rank, how_rank, self.cdr.index(ctx)]).first()
        out = pl.col("__cdr:call") if ctx.has("__cdr:call") else call.over(key)
        return pl.when(self.cdr.kept(ctx)).then(out) if self.kept_only else out

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

    def prepare(self, frame: pl.DataFrame) -> pl.DataFrame:
        return self.direction.prepare(frame)

    def expr(self, ctx: Ctx) -> pl.Expr:
        return self.direction.expr(ctx).str.starts_with(self.way + " ").cast(pl.Int8)

    def describe(self) -> str:
        return f"the call is {self.way} ({self.direction.describe()})"

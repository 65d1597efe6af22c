"""Nodes shared by the PBX and CRM adapters (sources that log every leg and direction).

Call trackers list one row per customer call; a PBX logs internal and outbound calls too, and
Asterisk-style CDRs one row per *leg*. These nodes let an adapter say, declaratively, which rows
are not a customer's call (:class:`IsExtension`, :class:`AllOf`, :class:`Not`, :class:`Prefix`)
and which rows repeat a call already counted (``CallExtraLeg`` in :mod:`._cdr`); the adapter
attaches them to ``outbound`` and :attr:`Adapter.checks <callframe.engine.adapter.Adapter.checks>`
so such rows are *rejected with a rule id*, never dropped silently (rows in = rows out + rows
rejected).

:class:`Span` and :class:`ShiftedUnixTime` read Unix-second stamps (Mango VPBX ``start``,
``answer``, ``finish``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from callframe.engine import normalize as nz
from callframe.engine.nodes import Combine, Ctx, Node, TimeNode, TimeParts

__all__ = [
    "AllOf",
    "IsExtension",
    "Not",
    "Positive",
    "Prefix",
    "ShiftedUnixTime",
    "Span",
]


def _first(ctx: Ctx, names: tuple[str, ...]) -> pl.Expr:
    exprs = [ctx.text(n) for n in names]
    if not exprs:
        return pl.lit(None, pl.String)
    return exprs[0] if len(exprs) == 1 else pl.coalesce(exprs)


def _is_extension(batch: pl.Series) -> pl.Series:
    """:class:`IsExtension` on a batch of cleaned text."""
    if batch.null_count() == len(batch):
        return pl.Series(batch.name, [None] * len(batch), dtype=pl.Int8)
    s = pl.col("s")
    steps = batch.cast(pl.String).rename("s").to_frame()
    # the caller-id's ``<…>`` (the regex only where there is a ``<``); the digits counted,
    # not copied
    bracketed = pl.when(s.str.contains("<", literal=True)).then(s)
    steps = steps.with_columns(
        bracketed.str.extract(r"<([^<>]*)>", 1).str.strip_chars().alias("inner")
    )
    inner = pl.col("inner")
    steps = steps.with_columns(
        pl.when(inner.is_not_null() & (inner != "")).then(inner).otherwise(s).alias("s")
    )
    steps = steps.with_columns(s.str.count_matches(r"[0-9]").alias("n"))
    n = pl.col("n")
    out = steps.select(pl.when(n == 0).then(None).otherwise((n <= 6).cast(pl.Int8)).cast(pl.Int8))
    return out.to_series().rename(batch.name)


@dataclass(frozen=True, slots=True, init=False)
class IsExtension(Node):
    """1 when the first non-empty of ``names`` is a short internal number (1–6 digits, the
    number inside ``<…>`` for caller-ids), 0 for a longer number, null when empty."""

    names: tuple[str, ...]

    def __init__(self, *names: str) -> None:
        object.__setattr__(self, "names", names)

    def reads(self) -> tuple[str, ...]:
        return self.names

    def expr(self, ctx: Ctx) -> pl.Expr:
        # one batch step: the number is read several times (polars shares no subexpression
        # inside when/then branches)
        return _first(ctx, self.names).map_batches(
            _is_extension, return_dtype=pl.Int8, is_elementwise=True
        )

    def describe(self) -> str:
        return super(IsExtension, self).describe() + " is an extension (≤ 6 digits)"


@dataclass(frozen=True, slots=True, init=False)
class AllOf(Combine):
    """1 when every node is 1, 0 when one is 0, else null."""

    def expr(self, ctx: Ctx) -> pl.Expr:
        values = [n.expr(ctx) for n in self.nodes]
        return (
            pl.when(pl.any_horizontal([v == 0 for v in values]))
            .then(pl.lit(0, pl.Int8))
            .when(pl.any_horizontal([v.is_null() for v in values]))
            .then(pl.lit(None, pl.Int8))
            .otherwise(pl.lit(1, pl.Int8))
        )

    def describe(self) -> str:
        return " and ".join(n.describe() for n in self.nodes)


@dataclass(frozen=True, slots=True)
class Not(Node):
    """1 where ``node`` is 0 and 0 where it is 1 (null stays null)."""

    node: Node

    def reads(self) -> tuple[str, ...]:
        return self.node.reads()

    def expr(self, ctx: Ctx) -> pl.Expr:
        return (1 - self.node.expr(ctx)).cast(pl.Int8)

    def describe(self) -> str:
        return f"not ({self.node.describe()})"


@dataclass(frozen=True, slots=True)
class Prefix(Node):
    """A flag from how a text starts (compared case-insensitively): ``ones`` → 1,
    ``zeros`` → 0, anything else null (Zadarma's ``pbx_call_id``: ``in_…`` / ``out_…``)."""

    from_raw: ClassVar[bool] = True

    name: str
    ones: tuple[str, ...] = ()
    zeros: tuple[str, ...] = ()

    def reads(self) -> tuple[str, ...]:
        return (self.name,)

    def raw(self, ctx: Ctx) -> pl.Expr:
        return ctx.text(self.name)

    def value(self, ctx: Ctx, raw: pl.Expr) -> pl.Expr:
        s = raw.str.to_lowercase()
        out: pl.Expr = pl.lit(None, pl.Int8)
        for flag, prefixes in ((0, self.zeros), (1, self.ones)):
            for p in prefixes:
                out = (
                    pl.when(s.str.starts_with(p.lower())).then(pl.lit(flag, pl.Int8)).otherwise(out)
                )
        return out

    def expr(self, ctx: Ctx) -> pl.Expr:
        return self.value(ctx, self.raw(ctx))

    def describe(self) -> str:
        parts = [f"{p}… → 1" for p in self.ones] + [f"{p}… → 0" for p in self.zeros]
        return f"`{self.name}` ({', '.join(parts)})"


@dataclass(frozen=True, slots=True)
class Positive(Node):
    """``value`` where ``duration`` is above 0, else null: "talked, so answered" first (amoCRM:
    ``duration > 0`` before ``call_status``)."""

    duration: Node
    value_if_positive: int = 0

    def reads(self) -> tuple[str, ...]:
        return self.duration.reads()

    def expr(self, ctx: Ctx) -> pl.Expr:
        return (
            pl.when(self.duration.expr(ctx) > 0)
            .then(pl.lit(self.value_if_positive, pl.Int8))
            .otherwise(pl.lit(None, pl.Int8))
        )

    def describe(self) -> str:
        return f"{self.value_if_positive} when {self.duration.describe()} > 0"


@dataclass(frozen=True, slots=True)
class Span(Node):
    """Seconds between two Unix stamps, ``end − start``. When the stamp in ``unless_zero`` is
    0 or empty (Mango's ``answer`` of an unanswered call) the result is ``else_end − start``
    if ``else_end`` is given, else ``else_value``. Negative spans are unreadable (null)."""

    start: str
    end: str
    unless_zero: str | None = None
    else_end: str | None = None
    else_value: int | None = None

    def reads(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for c in (self.start, self.end, self.else_end) if c))

    def raw(self, ctx: Ctx) -> pl.Expr:
        return ctx.text(self.end)

    def expr(self, ctx: Ctx) -> pl.Expr:
        start = nz.unix_seconds(ctx.text(self.start), cleaned=True)
        d = nz.unix_seconds(ctx.text(self.end), cleaned=True) - start
        if self.unless_zero is not None:
            gate = nz.unix_seconds(ctx.text(self.unless_zero), cleaned=True)
            other = (
                nz.unix_seconds(ctx.text(self.else_end), cleaned=True) - start
                if self.else_end is not None
                else pl.lit(self.else_value, pl.Int64)
            )
            d = pl.when(gate.is_null() | (gate == 0)).then(other).otherwise(d)
        return pl.when(d >= 0).then(d).cast(pl.Int64)

    def describe(self) -> str:
        text = f"`{self.end}` − `{self.start}`"
        if self.unless_zero is None:
            return text
        other = f"`{self.else_end}` − `{self.start}`" if self.else_end else str(self.else_value)
        return text + f" (`{self.unless_zero}` = 0: {other})"


@dataclass(frozen=True, slots=True, init=False)
class ShiftedUnixTime(TimeNode):
    """Unix seconds plus ``shift`` seconds: for stamps written in a zone's wall clock instead of
    UTC (``shift=-3 * 3600`` reads Mango VPBX stamps as Moscow time)."""

    names: tuple[str, ...]
    shift: int

    def __init__(self, *names: str, shift: int = 0) -> None:
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "shift", shift)

    def reads(self) -> tuple[str, ...]:
        return self.names

    def parts(self, ctx: Ctx) -> TimeParts:
        raw = _first(ctx, self.names)
        aware = nz.unix_seconds(raw) + self.shift
        return TimeParts(aware, pl.lit(None, pl.Datetime("us")), raw)

    def describe(self) -> str:
        shift = f", shifted {self.shift:+d} s" if self.shift else ""
        return super(ShiftedUnixTime, self).describe() + f" (Unix s{shift})"

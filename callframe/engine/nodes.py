"""The small declarative language adapters are written in.

An adapter says, for each Metrica column, *where* the value comes from and *how* to read it, with
the nodes below; it never writes polars code of its own. Each node knows the export columns it
reads (:meth:`Node.reads`, used for detection and documentation), the raw text it found
(:meth:`Node.raw`, null when the export says nothing) and the normalised value
(:meth:`Node.expr`). Where ``raw`` is set but ``expr`` is null, the base reports
``<Column>|unreadable`` for that row: a value the adapter could not read is never dropped silently.

Field names may point into flattened JSON (``visit.metrika_client_id``); a name that is missing
from the export reads as null, so optional fields need no special casing.

Example (the core of the Calltouch adapter)::

    client_id=Id("yaClientId"),
    yclid=UrlParam("yclid", "url", "callUrl"),
    time=FirstTime(UnixTime("timestamp"), LocalTime("date", formats=("%d/%m/%Y %H:%M:%S",))),
    missed=FirstOf(Bool("successful", invert=True), TalkIsZero(Seconds("duration"))),
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import polars as pl

from callframe.engine import normalize as nz

__all__ = [
    "AnyOf",
    "Bool",
    "Combine",
    "Const",
    "Ctx",
    "Difference",
    "Field",
    "FirstOf",
    "FirstTime",
    "Id",
    "IsoTime",
    "JsonList",
    "LocalTime",
    "Money",
    "Node",
    "Phone",
    "Platform",
    "Present",
    "Seconds",
    "TalkIsZero",
    "Text",
    "TimeNode",
    "TimeParts",
    "UnixTime",
    "Url",
    "UrlParam",
    "Values",
    "text_column",
]


@dataclass(frozen=True, slots=True)
class Ctx:
    """What nodes see: the export's column names and the caller's settings, never its data.

    Nodes compile to pure ``pl.Expr`` from this alone, so an adapter is a plan over a LazyFrame
    (nothing is read until the query runs). ``lookups`` is the plan's cache of Python look-ups
    (``phonenumbers`` results by digits), shared by every batch the query runs on;
    ``first_row`` the number of the export's first row (``__row``). ``where``: the rows whose
    text :meth:`text` reads (the others read as null), so that a fallback source is parsed only
    where the sources before it have no value (see :class:`FirstTime`). ``texts``: columns
    whose cleaned text the plan computed once, as a column (:func:`text_column`): every node
    reading one refers to it, so no column is cleaned twice.
    """

    columns: tuple[str, ...]
    tz: str | None = None
    region: str = "RU"
    lookups: dict[str, str | None] = field(default_factory=dict, compare=False, hash=False)
    first_row: int = 1
    where: pl.Expr | None = field(default=None, compare=False, hash=False)
    texts: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        frame: pl.DataFrame | pl.LazyFrame | pl.Schema | Iterable[str],
        *,
        tz: str | None = None,
        region: str = "RU",
    ) -> Ctx:
        """The context of a frame's (or a schema's) column names."""
        if isinstance(frame, pl.LazyFrame):
            names: Iterable[str] = frame.collect_schema().names()
        elif isinstance(frame, (pl.DataFrame, pl.Schema)):
            names = list(frame.columns) if isinstance(frame, pl.DataFrame) else frame.names()
        else:
            names = frame
        return cls(columns=tuple(names), tz=tz, region=region)

    def with_columns(self, names: Iterable[str]) -> Ctx:
        """The same context with ``names`` added (helper columns a stage put in the frame)."""
        added = tuple(n for n in names if n not in self.columns)
        return dataclasses.replace(self, columns=self.columns + added)

    def only(self, where: pl.Expr) -> Ctx:
        """The same context reading text on the rows where ``where`` holds only."""
        both = where if self.where is None else self.where & where
        return dataclasses.replace(self, where=both)

    def has(self, name: str) -> bool:
        return name in self.columns

    def text(self, name: str) -> pl.Expr:
        """Column ``name`` as cleaned text (placeholders null), or null when it is missing."""
        if name not in self.columns:
            return pl.lit(None, pl.String)
        if name in self.texts:  # cleaned once, as a column (see ``plan``)
            cleaned = pl.col(text_column(name))
            return cleaned if self.where is None else pl.when(self.where).then(cleaned)
        if self.where is None:
            return nz.clean_text(pl.col(name))
        return nz.clean_text(pl.when(self.where).then(pl.col(name)))

    def with_texts(self, names: Iterable[str]) -> Ctx:
        """The same context where :meth:`text` of ``names`` reads the column
        ``text_column(name)`` (the cleaned text, computed once by the plan)."""
        return dataclasses.replace(self, texts=self.texts | frozenset(names))

    def family(self, name: str) -> list[str]:
        """``name`` and the flattened columns below it (``name.x``, ``name.x.y``)."""
        return [c for c in self.columns if c == name or c.startswith(f"{name}.")]


def text_column(name: str) -> str:
    """The plan's column holding export column ``name`` as cleaned text."""
    return f"__text:{name}"


_NULL_TEXT = pl.lit(None, pl.String)


class Node(ABC):
    """One value source. Subclasses are frozen dataclasses (adapters are data).

    Nodes whose value depends on their raw text only set ``from_raw`` and implement
    :meth:`value`; the adapter base then computes the raw text once, as a column, and the value
    from that column (keeping polars' expression trees small). Other nodes implement :meth:`expr`.

    ``row_wise``: the value in a row depends on that row's inputs only (``False`` for nodes that
    read a whole call's legs: they need :meth:`stage`, so they cannot be a bare expression).
    """

    from_raw: ClassVar[bool] = False
    row_wise: ClassVar[bool] = True

    @abstractmethod
    def reads(self) -> tuple[str, ...]:
        """Export columns this node reads."""

    def raw(self, ctx: Ctx) -> pl.Expr:
        """The text found in the export (null when there is none); ``String``."""
        return _NULL_TEXT

    def value(self, ctx: Ctx, raw: pl.Expr) -> pl.Expr:
        """The normalised value computed from ``raw``, the text :meth:`raw` gives (already
        cleaned: stripped, placeholders null), for nodes with ``from_raw`` only."""
        raise NotImplementedError(type(self).__name__)

    def expr(self, ctx: Ctx) -> pl.Expr:
        """The normalised value."""
        return self.value(ctx, self.raw(ctx))

    def describe(self) -> str:
        return " / ".join(f"`{c}`" for c in self.reads()) or "—"

    def stage(self, lf: pl.LazyFrame, ctx: Ctx, source: pl.LazyFrame) -> tuple[pl.LazyFrame, Ctx]:
        """``lf`` (numbered ``__row``) with helper columns this node's :meth:`expr` reads, and
        the context that names them: lazy, reads no data (PBX legs: a side query on the key
        columns, one row per call, joined back). Most nodes need none.

        ``source`` is the export as given (not numbered; its first row is ``ctx.first_row``):
        a side query starts from it with its own ``select``, so it reads its own columns. (A
        subplan shared with ``lf`` would make polars buffer the whole export until the side
        query is done.)"""
        return lf, ctx


def _coalesce(exprs: list[pl.Expr]) -> pl.Expr:
    if not exprs:
        return _NULL_TEXT
    return exprs[0] if len(exprs) == 1 else pl.coalesce(exprs)


@dataclass(frozen=True, slots=True, init=False)
class _Fields(Node):
    names: tuple[str, ...]

    def __init__(self, *names: str) -> None:
        object.__setattr__(self, "names", names)

    def reads(self) -> tuple[str, ...]:
        return self.names

    def raw(self, ctx: Ctx) -> pl.Expr:
        return _coalesce([ctx.text(n) for n in self.names])


class Field(_Fields):
    """The first non-empty of ``names``, as text (placeholders are empty)."""

    from_raw = True

    def value(self, ctx: Ctx, raw: pl.Expr) -> pl.Expr:
        return raw


class Text(Field):
    """Free text (``Tag``); an alias of :class:`Field` that reads better in adapters."""


@dataclass(frozen=True, slots=True, init=False)
class Id(Node):
    """A Metrica ClientID/Yclid: 1–20 digits; ``0`` and placeholders mean "none".

    ``min_digits`` ignores shorter values altogether (no warning): for fields that hold a
    ClientID only sometimes, such as Callibri's ``ym_uid``.
    """

    from_raw: ClassVar[bool] = True

    names: tuple[str, ...]
    min_digits: int

    def __init__(self, *names: str, min_digits: int = 1) -> None:
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "min_digits", min_digits)

    def reads(self) -> tuple[str, ...]:
        return self.names

    def raw(self, ctx: Ctx) -> pl.Expr:
        raw = _coalesce([nz.id_text(pl.col(n)) for n in self.names if ctx.has(n)])
        if self.min_digits > 1:
            raw = pl.when(raw.str.len_chars() >= self.min_digits).then(raw)
        return raw

    def value(self, ctx: Ctx, raw: pl.Expr) -> pl.Expr:
        return nz.digits_id(raw, cleaned=True)

    def describe(self) -> str:
        text = super(Id, self).describe()
        return text + (f" ({self.min_digits}+ digits)" if self.min_digits > 1 else "")


class Url(_Fields):
    """The first non-empty of ``names`` that must be an absolute http(s) URL."""

    from_raw = True

    def value(self, ctx: Ctx, raw: pl.Expr) -> pl.Expr:
        return nz.url(raw, cleaned=True)


@dataclass(frozen=True, slots=True, init=False)
class UrlParam(Node):
    """A query parameter (``yclid``) of the first URL among ``names`` that carries it."""

    from_raw: ClassVar[bool] = True

    param: str
    names: tuple[str, ...]

    def __init__(self, param: str, *names: str) -> None:
        object.__setattr__(self, "param", param)
        object.__setattr__(self, "names", names)

    def reads(self) -> tuple[str, ...]:
        return self.names

    def raw(self, ctx: Ctx) -> pl.Expr:
        # the export's own text, not ``ctx.text``: a placeholder never carries ``param=`` and
        # the value stops at white space, so cleaning the whole URL first changes nothing
        return _coalesce([nz.url_param(pl.col(n), self.param) for n in self.names if ctx.has(n)])

    def value(self, ctx: Ctx, raw: pl.Expr) -> pl.Expr:
        return nz.digits_id(raw, cleaned=True)

    def describe(self) -> str:
        return f"`{self.param}` in " + " / ".join(f"`{n}`" for n in self.names)


class Money(_Fields):
    """A non-negative amount: spaces dropped, ``,`` as the decimal mark accepted (``1 500,50``)."""

    from_raw = True

    def value(self, ctx: Ctx, raw: pl.Expr) -> pl.Expr:
        return nz.money(raw, cleaned=True)


class Phone(_Fields):
    """The caller's number, normalised to E.164 (see :func:`normalize.phone`)."""

    from_raw = True

    def value(self, ctx: Ctx, raw: pl.Expr) -> pl.Expr:
        return nz.phone(raw, region=ctx.region, cache=ctx.lookups, cleaned=True)


@dataclass(frozen=True, slots=True, init=False)
class Seconds(Node):
    """A duration: numbers times ``unit`` (``0.001`` for milliseconds), ``H:MM:SS``, ``MM:SS``."""

    from_raw: ClassVar[bool] = True

    names: tuple[str, ...]
    unit: float

    def __init__(self, *names: str, unit: float = 1.0) -> None:
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "unit", unit)

    def reads(self) -> tuple[str, ...]:
        return self.names

    def raw(self, ctx: Ctx) -> pl.Expr:
        return _coalesce([ctx.text(n) for n in self.names])

    def value(self, ctx: Ctx, raw: pl.Expr) -> pl.Expr:
        return nz.seconds(raw, unit=self.unit, cleaned=True)


@dataclass(frozen=True, slots=True)
class Difference(Node):
    """``minuend - subtrahend`` of two durations (e.g. Callibri wait = duration − billsec);
    negative differences are unreadable."""

    minuend: Node
    subtrahend: Node

    def reads(self) -> tuple[str, ...]:
        return (*self.minuend.reads(), *self.subtrahend.reads())

    def raw(self, ctx: Ctx) -> pl.Expr:
        return self.minuend.raw(ctx)

    def expr(self, ctx: Ctx) -> pl.Expr:
        d = self.minuend.expr(ctx) - self.subtrahend.expr(ctx)
        return pl.when(d >= 0).then(d).otherwise(None).cast(pl.Int64)

    def describe(self) -> str:
        return f"{self.minuend.describe()} − {self.subtrahend.describe()}"


@dataclass(frozen=True, slots=True, init=False)
class Bool(Node):
    """A boolean field (``true``/``false``, ``1``/``0``, ``да``/``нет``) as a 1/0 flag;
    ``invert=True`` turns "answered"/"successful" into "missed"."""

    from_raw: ClassVar[bool] = True

    names: tuple[str, ...]
    invert: bool

    def __init__(self, *names: str, invert: bool = False) -> None:
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "invert", invert)

    def reads(self) -> tuple[str, ...]:
        return self.names

    def raw(self, ctx: Ctx) -> pl.Expr:
        return _coalesce([ctx.text(n) for n in self.names])

    def value(self, ctx: Ctx, raw: pl.Expr) -> pl.Expr:
        return nz.to_flag(raw, invert=self.invert, cleaned=True)

    def describe(self) -> str:
        return ("not " if self.invert else "") + super(Bool, self).describe()


@dataclass(frozen=True, slots=True)
class Values(Node):
    """A status field mapped to a flag by its values (kept here as data, compared
    case-insensitively): ``ones`` → 1, ``zeros`` → 0, ``unknown`` → empty without a warning
    (CoMagic's ``Не заполнен``), any other value → ``other``."""

    from_raw: ClassVar[bool] = True

    name: str
    ones: frozenset[str] = frozenset()
    zeros: frozenset[str] = frozenset()
    other: int | None = None
    unknown: frozenset[str] = frozenset()

    def reads(self) -> tuple[str, ...]:
        return (self.name,)

    def raw(self, ctx: Ctx) -> pl.Expr:
        s = ctx.text(self.name)
        if not self.unknown:
            return s
        return pl.when(~s.str.to_lowercase().is_in(sorted(v.lower() for v in self.unknown))).then(s)

    def value(self, ctx: Ctx, raw: pl.Expr) -> pl.Expr:
        return nz.values_flag(raw, ones=self.ones, zeros=self.zeros, other=self.other, cleaned=True)

    def describe(self) -> str:
        parts = []
        if self.ones:
            parts.append(f"{'/'.join(sorted(self.ones))} → 1")
        if self.zeros:
            parts.append(f"{'/'.join(sorted(self.zeros))} → 0")
        if self.other is not None:
            parts.append(f"other → {self.other}")
        return f"`{self.name}` ({', '.join(parts)})"


@dataclass(frozen=True, slots=True)
class TalkIsZero(Node):
    """Missed when the talk time is 0 (the last resort of cross-cutting rule 4)."""

    talk: Node

    def reads(self) -> tuple[str, ...]:
        return self.talk.reads()

    def expr(self, ctx: Ctx) -> pl.Expr:
        return (self.talk.expr(ctx) == 0).cast(pl.Int8)

    def describe(self) -> str:
        return f"{self.talk.describe()} = 0"


@dataclass(frozen=True, slots=True, init=False)
class Combine(Node):
    """Base of nodes made of other nodes (``FirstOf(a, b)``): holds them, reads what they read."""

    nodes: tuple[Node, ...]

    def __init__(self, *nodes: Node) -> None:
        object.__setattr__(self, "nodes", nodes)

    def reads(self) -> tuple[str, ...]:
        return tuple(c for n in self.nodes for c in n.reads())


@dataclass(frozen=True, slots=True, init=False)
class FirstOf(Combine):
    """The first of ``nodes`` with a value, row by row (e.g. boolean, then status, then talk)."""

    def raw(self, ctx: Ctx) -> pl.Expr:
        return pl.coalesce([n.raw(ctx) for n in self.nodes])

    def expr(self, ctx: Ctx) -> pl.Expr:
        # a later node reads only where the ones before it have no value (see FirstTime)
        exprs: list[pl.Expr] = []
        for node in self.nodes:
            sub = ctx.only(pl.all_horizontal([e.is_null() for e in exprs])) if exprs else ctx
            exprs.append(node.expr(sub))
        return pl.coalesce(exprs)

    def describe(self) -> str:
        return ", else ".join(n.describe() for n in self.nodes)


@dataclass(frozen=True, slots=True, init=False)
class Present(Node):
    """1 when any of ``names`` (or a flattened field below it) has a value, else 0.

    ``negate=True`` gives 1 when none has; IDs ``0`` count as no value.
    """

    names: tuple[str, ...]
    negate: bool

    def __init__(self, *names: str, negate: bool = False) -> None:
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "negate", negate)

    def reads(self) -> tuple[str, ...]:
        return self.names

    def expr(self, ctx: Ctx) -> pl.Expr:
        cols = [c for n in self.names for c in ctx.family(n)]
        has = pl.any_horizontal([nz.has_id(pl.col(c)) for c in cols]) if cols else pl.lit(False)
        return (~has if self.negate else has).cast(pl.Int8)

    def describe(self) -> str:
        what = " / ".join(f"`{n}`" for n in self.names)
        return f"no {what}" if self.negate else f"{what} set"


@dataclass(frozen=True, slots=True, init=False)
class AnyOf(Combine):
    """1 when any of ``nodes`` is 1, 0 when all are 0 (null when one is unknown and none is 1)."""

    def expr(self, ctx: Ctx) -> pl.Expr:
        return pl.max_horizontal([n.expr(ctx) for n in self.nodes]).cast(pl.Int8)

    def describe(self) -> str:
        return " or ".join(n.describe() for n in self.nodes)


@dataclass(frozen=True, slots=True)
class Const(Node):
    """The same value on every row."""

    constant: int | str

    def reads(self) -> tuple[str, ...]:
        return ()

    def expr(self, ctx: Ctx) -> pl.Expr:
        if isinstance(self.constant, int):
            return pl.lit(self.constant, pl.Int8)
        return pl.lit(self.constant, pl.String)

    def describe(self) -> str:
        return f"always {self.constant}"


@dataclass(frozen=True, slots=True)
class JsonList(Node):
    """Values of ``key`` in a list of objects kept as JSON text (``callTags[].names``), joined
    with ``sep``; ``key`` may hold a string or a list of strings (``many=True``)."""

    name: str
    key: str
    many: bool = False
    sep: str = ","

    def reads(self) -> tuple[str, ...]:
        return (self.name,)

    def expr(self, ctx: Ctx) -> pl.Expr:
        if not ctx.has(self.name):
            return _NULL_TEXT
        s = ctx.text(self.name)  # the plan's cleaned column: its references cost nothing
        as_json = pl.when(s.str.starts_with("[") & s.str.ends_with("]")).then(s)
        inner: pl.DataType = pl.List(pl.String) if self.many else pl.String()
        decoded = as_json.str.json_decode(pl.List(pl.Struct({self.key: inner})))
        values = decoded.list.eval(pl.element().struct.field(self.key))
        if self.many:
            values = values.list.eval(pl.element().list.join(self.sep))
        joined = values.list.eval(pl.element().filter(pl.element() != "")).list.join(self.sep)
        plain = pl.when(~s.str.starts_with("[")).then(s)  # a CSV export may hold the text itself
        # ``plain`` is cleaned text already and set only where ``joined`` is not: the joined
        # names alone need cleaning (few rows)
        return pl.coalesce(nz.clean_text(joined), plain)

    def describe(self) -> str:
        return f"`{self.name}[].{self.key}` joined with `{self.sep}`"


# --- time ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimeParts:
    """A time source read: Unix seconds where the text says its offset (or is Unix time), the
    naive local time where it does not, and the raw text (for the report)."""

    aware: pl.Expr
    naive: pl.Expr
    raw: pl.Expr


class TimeNode(Node):
    """A call-time source."""

    @abstractmethod
    def parts(self, ctx: Ctx) -> TimeParts: ...

    def naive_possible(self) -> bool:
        """Whether some values may lack an offset (and so need the caller's ``tz``)."""
        return False

    def raw(self, ctx: Ctx) -> pl.Expr:
        return self.parts(ctx).raw

    def expr(self, ctx: Ctx) -> pl.Expr:
        p = self.parts(ctx)
        if ctx.tz is None:
            return p.aware
        return pl.coalesce(p.aware, nz.localize(p.naive, ctx.tz))


@dataclass(frozen=True, slots=True, init=False)
class UnixTime(TimeNode):
    """Unix time as digits, in seconds (``unit="s"``) or milliseconds (``"ms"``)."""

    names: tuple[str, ...]
    unit: str

    def __init__(self, *names: str, unit: str = "s") -> None:
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "unit", unit)

    def reads(self) -> tuple[str, ...]:
        return self.names

    def parts(self, ctx: Ctx) -> TimeParts:
        raw = _coalesce([ctx.text(n) for n in self.names])
        present = [n for n in self.names if ctx.has(n)]
        # one column: read from the export's text (stripped, not cleaned twice over)
        text = pl.col(present[0]) if len(present) == 1 else raw
        aware = nz.unix_seconds(text, unit=self.unit, cleaned=len(present) != 1)
        return TimeParts(aware, pl.lit(None, pl.Datetime("us")), raw)

    def describe(self) -> str:
        return super(UnixTime, self).describe() + f" (Unix {self.unit})"


@dataclass(frozen=True, slots=True, init=False)
class IsoTime(TimeNode):
    """ISO 8601 with or without an offset. ``offset=False`` ignores a written offset and treats
    every value as local time (for exports that label local time ``Z``)."""

    names: tuple[str, ...]
    offset: bool

    def __init__(self, *names: str, offset: bool = True) -> None:
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "offset", offset)

    def naive_possible(self) -> bool:
        return True

    def reads(self) -> tuple[str, ...]:
        return self.names

    def parts(self, ctx: Ctx) -> TimeParts:
        raw = _coalesce([ctx.text(n) for n in self.names])
        aware, naive = nz.iso_parts(raw, offset=self.offset, cleaned=True)
        return TimeParts(aware, naive, raw)

    def describe(self) -> str:
        return super(IsoTime, self).describe() + " (ISO 8601)"


@dataclass(frozen=True, slots=True, init=False)
class LocalTime(TimeNode):
    """Local time in one of ``formats`` (strftime syntax, e.g. ``%d/%m/%Y %H:%M:%S``): naive,
    converted with the caller's ``tz``. A format with ``%z`` carries its own offset."""

    names: tuple[str, ...]
    formats: tuple[str, ...]

    def __init__(self, *names: str, formats: Iterable[str]) -> None:
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "formats", tuple(formats))

    def naive_possible(self) -> bool:
        return any("%z" not in f for f in self.formats)

    def reads(self) -> tuple[str, ...]:
        return self.names

    def parts(self, ctx: Ctx) -> TimeParts:
        raw = _coalesce([ctx.text(n) for n in self.names])
        aware_fmts = [f for f in self.formats if "%z" in f]
        naive_fmts = [f for f in self.formats if "%z" not in f]
        aware = (
            pl.coalesce([nz.strptime_aware(raw, f, cleaned=True) for f in aware_fmts])
            if aware_fmts
            else pl.lit(None, pl.Int64)
        )
        naive = nz.strptime_naive(raw, naive_fmts, cleaned=True)
        return TimeParts(aware, pl.when(aware.is_null()).then(naive), raw)

    def describe(self) -> str:
        return super(LocalTime, self).describe() + f" ({' or '.join(self.formats)})"


@dataclass(frozen=True, slots=True, init=False)
class FirstTime(TimeNode):
    """The first of ``sources`` that has a value in the row (e.g. ``timestamp``, else ``date``)."""

    sources: tuple[TimeNode, ...]

    def __init__(self, *sources: TimeNode) -> None:
        object.__setattr__(self, "sources", sources)

    def naive_possible(self) -> bool:
        return any(s.naive_possible() for s in self.sources)

    def reads(self) -> tuple[str, ...]:
        return tuple(c for s in self.sources for c in s.reads())

    def parts(self, ctx: Ctx) -> TimeParts:
        parts = [s.parts(ctx) for s in self.sources]
        aware: pl.Expr = pl.lit(None, pl.Int64)
        naive: pl.Expr = pl.lit(None, pl.Datetime("us"))
        for p in reversed(parts):
            has = p.aware.is_not_null() | p.naive.is_not_null()
            aware = pl.when(has).then(p.aware).otherwise(aware)
            naive = pl.when(has).then(p.naive).otherwise(naive)
        return TimeParts(aware, naive, pl.coalesce([p.raw for p in parts]))

    def expr(self, ctx: Ctx) -> pl.Expr:
        # each source's own time, the first that reads: the same value as ``parts`` (a naive
        # time without ``tz`` never gets here, see the plan's tz check), but each source parsed
        # once (polars evaluates the when/then chain of ``parts`` once per reference)
        # a later source is read only where the ones before it have no value (Calltouch's
        # ``date`` where ``timestamp`` is empty): its parse costs nothing on the other rows
        exprs: list[pl.Expr] = []
        for source in self.sources:
            sub = ctx.only(pl.all_horizontal([e.is_null() for e in exprs])) if exprs else ctx
            exprs.append(source.expr(sub))
        return pl.coalesce(exprs)

    def describe(self) -> str:
        return ", else ".join(s.describe() for s in self.sources)


_PLATFORM_WORDS: dict[str, tuple[str, ...]] = {
    "whatsapp": ("whatsapp", "wa", "whatsapp business", "waba", "ватсап", "вотсап"),
    "telegram": ("telegram", "tg", "telegram bot", "telegrambot", "tgbot", "телеграм"),
    "viber": ("viber", "вайбер"),
}
"""How exports name the three messengers Metrica takes (compared in lower case)."""


@dataclass(frozen=True, slots=True, init=False)
class Platform(_Fields):
    """A messenger name as Metrica's ``ChatPlatform`` (``whatsapp``, ``telegram``, ``viber``).

    Known spellings (``WhatsApp``, ``tg``, ``Telegram Bot`` …, plus ``values``: platform →
    the export's words) are mapped, in any letter case; any other value is kept as written, so
    that the contract reports it (``ChatPlatform|allowed``) instead of it being guessed.
    """

    from_raw: ClassVar[bool] = True

    values: tuple[tuple[str, tuple[str, ...]], ...]

    def __init__(self, *names: str, values: Mapping[str, Iterable[str]] | None = None) -> None:
        object.__setattr__(self, "names", names)
        extra = {k: tuple(v) for k, v in (values or {}).items()}
        object.__setattr__(self, "values", tuple(sorted(extra.items())))

    def words(self) -> dict[str, str]:
        """Lower-case word → platform."""
        out = {w: p for p, ws in _PLATFORM_WORDS.items() for w in ws}
        out.update({w.strip().lower(): p for p, ws in self.values for w in ws})
        return out

    def value(self, ctx: Ctx, raw: pl.Expr) -> pl.Expr:
        """One ``is_in`` per platform, elementwise: ``replace``/``replace_strict`` are columnar
        steps in the streaming engine (the whole export held until the column is complete:
        +300 MB on a 2M-row file)."""
        lower = raw.str.to_lowercase()
        by_platform: dict[str, list[str]] = {}
        for word, platform in self.words().items():
            by_platform.setdefault(platform, []).append(word)
        out: pl.Expr = raw
        for platform, words in sorted(by_platform.items(), reverse=True):
            out = pl.when(lower.is_in(sorted(words))).then(pl.lit(platform)).otherwise(out)
        return out

    def describe(self) -> str:
        return super().describe() + " (messenger name → whatsapp/telegram/viber)"

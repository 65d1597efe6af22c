"""The compiler: an :class:`~callframe.engine.adapter.Adapter` on an export's LazyFrame, as one
lazy polars query.

:func:`plan` reads no data. It numbers the rows (``__row``), adds each node's helper columns
(the PBX legs' side query, one row per call, joined back), and selects, per row:

* ``__row`` (Int64, 1-based, export order);
* the contract columns the adapter fills, in contract order and contract dtypes;
* private conversion-flag columns (names start with ``__``): ``__raw:<Column>`` the text the
  node found (null when the export says nothing; a value that is set but does not read is
  ``<Column>|unreadable``), ``__outbound``, ``__check:<i>`` (the adapter's ``checks``, in order)
  and ``__direction``.

:attr:`Planned.error` and :attr:`Planned.any` are Boolean expressions over those columns (a row
a conversion error rejects; a row with any conversion failure), so a caller can sink the valid
rows and collect only the few failing ones, for :meth:`Planned.failures`. The query runs on
polars' in-memory or streaming engine alike.

:func:`naive_times` is the cheap pre-pass (the time columns only) that refuses naive times
without a ``tz`` before anything is written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import polars as pl

from callframe.contract.columns import columns as contract_columns
from callframe.contract.columns import spec
from callframe.engine import normalize as nz
from callframe.engine.adapter import Adapter, fields_for
from callframe.engine.nodes import Const, Ctx, Node, text_column
from callframe.engine.rules import EXTRA_LEG, OUTBOUND, conversion_rule, unreadable_id
from callframe.errors import UsageError
from callframe.report import FAILURE_SCHEMA, mask_value

__all__ = ["Planned", "expressions", "naive_times", "plan"]

_FAILURES = {**FAILURE_SCHEMA, "severity": pl.String()}


@dataclass(frozen=True)
class Planned:
    """An adapter planned on one export (see the module docstring for :attr:`frame`'s columns).

    ``columns``: the contract columns in :attr:`frame`. ``checked``: those whose node reads the
    export (their ``__raw:`` text is in :attr:`frame`). ``checks``: the rule id of each
    ``__check:<i>`` column. ``error``/``any``: Boolean expressions over :attr:`frame`'s columns.
    ``keep_outbound``: outbound rows are kept (no ``*|outbound`` failure).
    """

    frame: pl.LazyFrame
    columns: list[str]
    checked: list[str]
    checks: list[str]
    error: pl.Expr
    any: pl.Expr
    keep_outbound: bool = False
    has_direction: bool = False

    @property
    def counted(self) -> pl.Expr:
        """True on rows that are not another leg of a call already counted (``*|extra_leg``)."""
        legs = [f"__check:{i}" for i, rule in enumerate(self.checks) if rule == EXTRA_LEG]
        return ~pl.any_horizontal(legs) if legs else pl.lit(True)

    def failures(self, failing: pl.DataFrame) -> pl.DataFrame:
        """The conversion failures (``FAILURE_SCHEMA`` + ``severity``: error or warning), from
        the collected rows of :attr:`frame` where :attr:`any` (all rows do as well), ordered by
        row, then columns in contract order, ``*|outbound``, the checks in order.

        A row that is another leg of a call already counted breaks ``*|extra_leg`` only: its
        values are the call's, reported once, on the kept row. Values are masked where personal.
        """
        counted = self.counted
        pieces: list[pl.DataFrame] = []
        for column in self.checked:
            rule = conversion_rule(unreadable_id(column))
            raw = pl.col(f"__raw:{column}")
            bad = raw.is_not_null() & pl.col(column).is_null()
            pieces.append(
                failing.filter(bad & counted).select(
                    *_failure(column, rule.id, rule.title, rule.hint, rule.severity),
                    mask_value(raw, column).alias("value"),
                )
            )
        if not self.keep_outbound:
            out = conversion_rule(OUTBOUND)
            pieces.append(
                failing.filter(pl.col("__outbound") & counted).select(
                    *_failure("*", out.id, out.title, out.hint, out.severity),
                    pl.lit(None, pl.String).alias("value"),
                )
            )
        for i, rule_id in enumerate(self.checks):
            rule = conversion_rule(rule_id)
            only = pl.lit(True) if rule_id == EXTRA_LEG else counted
            pieces.append(
                failing.filter(pl.col(f"__check:{i}") & only).select(
                    *_failure(rule.column, rule.id, rule.title, rule.hint, rule.severity),
                    pl.lit(None, pl.String).alias("value"),
                )
            )
        frames = [p.select(list(_FAILURES)).cast(_FAILURES) for p in pieces]  # type: ignore[arg-type]
        if not frames:
            return pl.DataFrame(schema=_FAILURES)
        return pl.concat(frames).sort("row", maintain_order=True)

    def tally(self) -> pl.LazyFrame:
        """The calls (rows not rejected as another leg) by way and what decided it
        (``__direction``, ``len``): a lazy aggregate over :attr:`frame`, which reads only the
        columns it needs; empty for adapters without a ``direction`` node."""
        if not self.has_direction:
            return pl.LazyFrame(schema={"__direction": pl.String, "len": pl.UInt32})
        return (
            self.frame.filter(self.counted).group_by("__direction").len().drop_nulls("__direction")
        )

    def directions(self, tally: pl.DataFrame | None = None) -> dict[str, int]:
        """``{"inbound by context": 30, …}``, most calls first, from a collected :meth:`tally`
        (e.g. collected with the conversion's sinks) or, when not given, by collecting it."""
        counts = self.tally().collect() if tally is None else tally
        ordered = counts.sort(["len", "__direction"], descending=[True, False])
        return {str(k): int(n) for k, n in ordered.select("__direction", "len").iter_rows()}


def _failure(column: str, rule: str, title: str, hint: str | None, severity: str) -> list[pl.Expr]:
    return [
        pl.col("__row").alias("row"),
        pl.lit(column).alias("column"),
        pl.lit(rule).alias("rule"),
        pl.lit(title).alias("title"),
        pl.lit(hint or None, dtype=pl.String).alias("hint"),
        pl.lit(severity).alias("severity"),
    ]


def _walk(node: Node) -> Iterator[Node]:
    """``node`` and every node inside it (a ``FirstOf``'s sources, a ``Not``'s operand …)."""
    yield node
    for f in dataclasses.fields(node):  # type: ignore[arg-type]
        value = getattr(node, f.name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, Node):
                yield from _walk(item)


def _all_nodes(adapter: Adapter, nodes: dict[str, Node]) -> list[Node]:
    extra = [adapter.outbound, adapter.direction, *(n for _, n in adapter.checks)]
    return [*nodes.values(), *(n for n in extra if n is not None)]


def _is_null_literal(node: Node) -> bool:
    return isinstance(node, Const) or not node.reads()


def _nodes(adapter: Adapter, static: bool | None) -> dict[str, Node]:
    if adapter.time is None:
        raise UsageError(
            f"the {adapter.name!r} adapter needs a mapping (mapping= / --map mapping.toml)"
        )
    nodes = adapter.nodes()
    if static is not None and adapter.kind == "calls":
        nodes["StaticCall"] = Const(1 if static else 0)
        nodes = {c: nodes[c] for c in fields_for(adapter.kind) if c in nodes}
    return nodes


def plan(
    adapter: Adapter,
    lf: pl.LazyFrame,
    *,
    tz: str | None = None,
    region: str = "RU",
    static: bool | None = None,
    keep_outbound: bool = False,
    first_row: int = 1,
) -> Planned:
    """``adapter`` on the export ``lf`` (text columns, names as read), as a lazy query; see the
    module docstring. Reads no data: naive times without ``tz`` are not refused here (see
    :func:`naive_times`, which the caller runs first); they read as null (``DateTime``
    unreadable). ``first_row``: the number of ``lf``'s first row."""
    nodes = _nodes(adapter, static)
    names = lf.collect_schema().names()
    renames = adapter.renames(names)
    if renames:
        lf = lf.rename(renames)
        names = [renames.get(n, n) for n in names]
    ctx = Ctx(columns=(*names, "__row"), tz=tz, region=region, first_row=first_row)
    staged = lf.with_row_index("__row", offset=first_row).with_columns(
        pl.col("__row").cast(pl.Int64)
    )
    for node in _all_nodes(adapter, nodes):
        for inner in _walk(node):
            staged, ctx = inner.stage(staged, ctx, lf)
    # each export column a node reads, cleaned once (nodes refer to the column, see Ctx.text)
    read = {c for node in _all_nodes(adapter, nodes) for c in node.reads() if c in names}
    texts = [c for c in names if c in read]
    staged = staged.with_columns(nz.clean_text(pl.col(c)).alias(text_column(c)) for c in texts)
    ctx = ctx.with_texts(texts)
    checked = [c for c, node in nodes.items() if not _is_null_literal(node)]
    # the raw text of each column once, as a column; the values from it (small expression trees)
    staged = staged.with_columns(
        nodes[c].raw(ctx).cast(pl.String).alias(f"__raw:{c}") for c in checked
    )
    values: dict[str, pl.Expr] = {}
    for column, node in nodes.items():
        if node.from_raw and column in checked:
            value = node.value(ctx, pl.col(f"__raw:{column}"))
        else:
            value = node.expr(ctx)
        values[column] = value.cast(spec(adapter.kind, column).dtype, strict=False).alias(column)
    outbound = (
        (adapter.outbound.expr(ctx) == 1).fill_null(False)
        if adapter.outbound is not None
        else pl.lit(False)
    )
    direction = (
        adapter.direction.expr(ctx) if adapter.direction is not None else pl.lit(None, pl.String)
    )
    ordered = [c.name for c in contract_columns(adapter.kind) if c.name in nodes]
    frame = staged.select(
        "__row",
        *(values[c] for c in ordered),
        *(f"__raw:{c}" for c in checked),
        outbound.alias("__outbound"),
        direction.cast(pl.String).alias("__direction"),
        *(
            (node.expr(ctx) == 1).fill_null(False).alias(f"__check:{i}")
            for i, (_, node) in enumerate(adapter.checks)
        ),
    )
    checks = [rule for rule, _ in adapter.checks]
    legs = [f"__check:{i}" for i, rule in enumerate(checks) if rule == EXTRA_LEG]
    counted = ~pl.any_horizontal(legs) if legs else pl.lit(True)
    errors: list[pl.Expr] = []
    anys: list[pl.Expr] = []
    for column in checked:
        bad = pl.col(f"__raw:{column}").is_not_null() & pl.col(column).is_null() & counted
        anys.append(bad)
        if conversion_rule(unreadable_id(column)).severity == "error":
            errors.append(bad)
    if not keep_outbound:
        out = pl.col("__outbound") & counted
        anys.append(out)
        if conversion_rule(OUTBOUND).severity == "error":
            errors.append(out)
    for i, rule_id in enumerate(checks):
        hit = pl.col(f"__check:{i}") & (pl.lit(True) if rule_id == EXTRA_LEG else counted)
        anys.append(hit)
        if conversion_rule(rule_id).severity == "error":
            errors.append(hit)
    return Planned(
        frame=frame,
        columns=ordered,
        checked=checked,
        checks=checks,
        error=pl.any_horizontal(errors) if errors else pl.lit(False),
        any=pl.any_horizontal(anys) if anys else pl.lit(False),
        keep_outbound=keep_outbound,
        has_direction=adapter.direction is not None,
    )


def naive_times(
    adapter: Adapter, lf: pl.LazyFrame, tz: str | None, source: str | None = None
) -> None:
    """Raise :class:`~callframe.UsageError` when some call times in ``lf`` carry no UTC offset
    and ``tz`` is not given: a query on the time columns only (what a conversion checks before
    it writes anything). Nothing is read when ``tz`` is given or the adapter's times always
    carry their offset."""
    time = adapter.time
    if time is None or tz is not None or not time.naive_possible():
        return
    names = lf.collect_schema().names()
    renames = adapter.renames(names)
    if renames:
        lf = lf.rename(renames)
        names = [renames.get(n, n) for n in names]
    parts = time.parts(Ctx(columns=tuple(names)))
    naive = parts.naive.is_not_null() & parts.aware.is_null()
    counted = lf.select(
        naive.sum().alias("n"),
        (pl.int_range(1, pl.len() + 1, dtype=pl.Int64).filter(naive).first()).alias("first"),
        pl.len().alias("height"),
    ).collect()
    n, first, height = counted.row(0)
    if n:
        where = f"{source}: " if source else ""
        fields = " / ".join(repr(c) for c in time.reads())
        raise UsageError(
            f"{where}{n} of {height} rows have call times without a UTC offset "
            f"(read from {fields}, first at row {first}); pass the time zone the tracker shows "
            "them in: tz='Europe/Moscow' (CLI: --tz Europe/Moscow), an IANA name. "
            "callframe never guesses a time zone."
        )


def expressions(
    adapter: Adapter,
    schema: pl.Schema | Iterable[str],
    *,
    tz: str | None = None,
    region: str = "RU",
    static: bool | None = None,
) -> dict[str, pl.Expr]:
    """Metrica column → a pure expression over an export with ``schema``'s columns (see
    :meth:`Adapter.expressions <callframe.engine.adapter.Adapter.expressions>`)."""
    nodes = _nodes(adapter, static)
    several = [
        column for column, node in nodes.items() if any(not inner.row_wise for inner in _walk(node))
    ]
    if several:
        raise UsageError(
            f"the {adapter.name!r} adapter reads several rows per call for "
            f"{', '.join(several)} (a PBX's legs), so its values are no bare expressions; "
            "use callframe.engine.plan(adapter, lazy_frame).frame instead"
        )
    names = schema.names() if isinstance(schema, pl.Schema) else list(schema)
    ctx = Ctx(columns=tuple(names), tz=tz, region=region)
    return {
        column: node.expr(ctx).cast(spec(adapter.kind, column).dtype, strict=False).alias(column)
        for column, node in nodes.items()
    }

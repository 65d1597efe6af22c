"""The adapter: a declaration of where each Metrica column comes from in one tracker's export.

An :class:`Adapter` is data (a frozen dataclass of :mod:`~callframe.engine.nodes` nodes), so a
tracker module is a single ``ADAPTER = Adapter(...)`` with its docstring, and a user overrides a
documented default with :meth:`Adapter.replace`::

    from callframe.trackers import get_adapter
    from callframe.engine.nodes import Seconds

    comagic = get_adapter("comagic").replace(talk=Seconds("clean_talk_duration"))
    callframe.convert("calls.json", tracker=comagic, tz="Asia/Yekaterinburg")

:meth:`Adapter.map` turns the export's text frame into a contract frame (one row per input row,
same order) plus the conversion failures (``*|outbound``, ``<Column>|unreadable``), in one polars
query. It never reads files and never validates against the contract: that is
:func:`callframe.convert`'s job.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from callframe.contract.columns import columns, spec
from callframe.errors import UsageError
from callframe.report import FAILURE_SCHEMA, mask_value
from callframe.engine.rules import EXTRA_LEG, OUTBOUND, conversion_rule, unreadable_id
from callframe.engine.nodes import Const, Ctx, Node, TimeNode

__all__ = [
    "CHAT_FIELDS",
    "COLUMN_FIELDS",
    "Adapter",
    "HeaderVariant",
    "MapPlan",
    "Mapped",
    "Requirement",
    "fields_for",
]

Requirement = str | tuple[str, ...]
"""A column the export must have, or a tuple of columns of which one is enough."""

COLUMN_FIELDS: dict[str, str] = {
    "UserId": "user_id",
    "ClientId": "client_id",
    "Yclid": "yclid",
    "DateTime": "time",
    "StaticCall": "static",
    "Price": "price",
    "Currency": "currency",
    "PhoneNumber": "phone",
    "TalkDuration": "talk",
    "HoldDuration": "hold",
    "CallMissed": "missed",
    "Tag": "tag",
    "FirstTimeCaller": "first_time",
    "URL": "url",
    "CallTrackerURL": "tracker_url",
}
"""Metrica column → the :class:`Adapter` field that says where it comes from."""

CHAT_FIELDS: dict[str, str] = {
    "DateTime": "time",
    "ChatPlatform": "platform",
    "ChatUsername": "username",
    "ChatUserID": "chat_user_id",
    "PhoneNumber": "phone",
    "ClientID": "client_id",
    "UserID": "user_id",
    "Yclid": "yclid",
    "PurchaseID": "purchase_id",
}
"""The same for an adapter of ``kind="chats"`` (the chats CSV)."""


def fields_for(kind: str) -> dict[str, str]:
    """Metrica column → :class:`Adapter` field, for the adapters of ``kind``."""
    return CHAT_FIELDS if kind == "chats" else COLUMN_FIELDS


@dataclass(frozen=True, slots=True)
class MapPlan:
    """How :meth:`Adapter.map` computes each column of one export: ``few`` columns (→ the export
    columns they read) on the unique combinations of their inputs, joined back; ``by_raw``
    columns on the unique values of their raw text; the rest row by row.

    The choice only changes the speed, never the values. It is made on a sample of the first
    frame mapped, and reused for the next batches of the same export (sampling every batch cost
    more than a tenth of the mapping).
    """

    few: Mapping[str, list[str]]
    by_raw: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Mapped:
    """What :meth:`Adapter.map` returns.

    ``frame``: contract columns in contract order and dtypes, one row per export row.
    ``failures``: conversion-rule failures (``row``, ``column``, ``rule``, ``title``, ``value``,
    ``hint``; values masked where personal), errors and warnings together, with ``severity``.
    ``plan``: how the columns were computed; pass it to the next batch's :meth:`Adapter.map`.
    ``directions``: for adapters with a ``direction`` node, the calls (rows not rejected as
    another leg) by way and what decided it (``{"inbound by context": 30, …}``).
    """

    frame: pl.DataFrame
    failures: pl.DataFrame
    plan: MapPlan
    directions: dict[str, int] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HeaderVariant:
    """Another name a tracker gives (gave) a column: ``variant`` is read as ``name`` when the
    export has no ``name``. ``period``: where or when the variant is seen (``2015 exports``)."""

    name: str
    variant: str
    period: str = ""


def _family_present(name: str, columns: frozenset[str]) -> bool:
    return name in columns or any(c.startswith(f"{name}.") for c in columns)


@dataclass(frozen=True, slots=True)
class Adapter:
    """How one tracker's export maps onto the Metrica calls CSV.

    ``signature`` are the columns typical of the export (detection scores the share present);
    ``requires`` the ones it cannot do without (a tuple inside means "one of"). ``envelopes``
    are JSON paths to the records (see :func:`callframe.read_export`). ``outbound`` is a node
    that is 1 for calls the company made. ``checks`` pair a conversion rule id (see
    :mod:`~callframe.engine.rules`) with a node that is 1 on the rows breaking it: an error rule
    rejects the row (e.g. ``*|extra_leg`` for the second leg of one PBX call), a warning keeps it
    (e.g. ``DateTime|note_time``); nothing is dropped silently. ``excludes`` are columns whose
    presence rules the export out for detection (headerless CSVs: Mango VPBX has no 14th
    column). ``region`` is the adapter's default phone region (Binotel: ``UA``), used when the
    caller gives none. ``direction`` (PBX CDRs) gives each call's way and what decided it, as
    text (``inbound by context``), counted in the summary. ``notes`` list the
    INFERRED/UNCONFIRMED defaults, shown in the docs. Every other field names a Metrica column
    (see :data:`COLUMN_FIELDS`). ``kind="chats"`` maps onto the chats CSV instead (see
    :data:`CHAT_FIELDS`: ``platform``, ``username``, ``chat_user_id``, ``purchase_id`` and the
    shared time, phone and IDs).

    ``variants`` list the other header names the tracker is known to use for a column (with
    the period they come from): an export with a variant is read as if it had the name.

    Headerless layouts (Asterisk, Mango VPBX) have column names that say nothing; for them
    ``probe`` scores a frame's *content* (0–1: date-times where the start should be, known
    statuses, numeric durations), and detection takes the lower of that and the signature's
    share. ``resolve`` gives the adapter for one export's content (the Asterisk layout it is
    in), raising :class:`~callframe.ExportError` when it cannot tell. ``configure`` builds the
    adapter from options given as text (``--tracker "asterisk:layout=cdr_custom"``).
    """

    name: str
    title: str
    time: TimeNode | None
    source: str = ""
    signature: tuple[str, ...] = ()
    requires: tuple[Requirement, ...] = ()
    envelopes: tuple[str, ...] = ()
    needs_mapping: bool = False
    user_id: Node | None = None
    client_id: Node | None = None
    yclid: Node | None = None
    static: Node | None = None
    price: Node | None = None
    currency: Node | None = None
    phone: Node | None = None
    talk: Node | None = None
    hold: Node | None = None
    missed: Node | None = None
    tag: Node | None = None
    first_time: Node | None = None
    url: Node | None = None
    tracker_url: Node | None = None
    outbound: Node | None = None
    direction: Node | None = None
    checks: tuple[tuple[str, Node], ...] = ()
    excludes: tuple[str, ...] = ()
    region: str | None = None
    notes: tuple[str, ...] = ()
    variants: tuple[HeaderVariant, ...] = ()
    probe: Callable[[pl.DataFrame], float] | None = None
    resolve: Callable[[pl.DataFrame, str | None], Adapter] | None = None
    configure: Callable[[Mapping[str, str]], Adapter] | None = None
    kind: Literal["calls", "chats"] = "calls"
    platform: Node | None = None
    username: Node | None = None
    chat_user_id: Node | None = None
    purchase_id: Node | None = None

    # --- declaration helpers -----------------------------------------------------------------

    def replace(self, **changes: Any) -> Adapter:
        """A copy with some fields changed (override a documented default)."""
        return dataclasses.replace(self, **changes)

    def nodes(self) -> dict[str, Node]:
        """Metrica column → node, for the columns this adapter fills, in contract order."""
        out: dict[str, Node] = {}
        for column, attr in fields_for(self.kind).items():
            node = getattr(self, attr)
            if node is not None:
                out[column] = node
        return out

    def renames(self, columns: Iterable[str]) -> dict[str, str]:
        """Export column → the name the adapter reads, for the header variants present whose
        name is not (see :class:`HeaderVariant`)."""
        have = list(columns)
        present = frozenset(have)
        out: dict[str, str] = {}
        for v in self.variants:
            if v.variant in present and v.name not in present and v.name not in out.values():
                out[v.variant] = v.name
        return out

    def with_names(self, names: Iterable[str]) -> set[str]:
        """``names`` and every header variant of them (the columns to read from a file)."""
        wanted = set(names)
        wanted.update(v.variant for v in self.variants if v.name in wanted)
        return wanted

    def _canonical(self, columns: Iterable[str]) -> list[str]:
        have = list(columns)
        renames = self.renames(have)
        return [renames.get(c, c) for c in have]

    def missing(self, columns: Iterable[str]) -> list[str]:
        """The requirements the export's ``columns`` do not meet, readable (``a or b``)."""
        have = frozenset(self._canonical(columns))
        out = []
        for req in self.requires:
            options = (req,) if isinstance(req, str) else req
            if not any(_family_present(o, have) for o in options):
                out.append(" or ".join(options))
        return out

    def score(
        self, columns: Iterable[str], frame: pl.DataFrame | None = None
    ) -> tuple[float, list[str], list[str]]:
        """Share of the signature present, the signature columns found and those missing;
        with ``frame`` and a ``probe``, at most the probe's score of the content."""
        have = frozenset(self._canonical(columns))
        if not self.signature:
            return 0.0, [], []
        if any(c in have for c in self.excludes):
            return 0.0, [], list(self.signature)
        found = [c for c in self.signature if _family_present(c, have)]
        lost = [c for c in self.signature if not _family_present(c, have)]
        share = len(found) / len(self.signature)
        if self.probe is not None and frame is not None and share > 0 and frame.height:
            share = min(share, self.probe(frame))
        return share, found, lost

    def row_wise(self) -> bool:
        """Whether every value depends on its own row only (no windows over several rows such
        as :class:`~callframe.engine._cdr.CallExtraLeg`, no user-written nodes): then an export
        may be mapped in batches, with the same result."""
        nodes = [*self.nodes().values(), *(n for _, n in self.checks)]
        if self.outbound is not None:
            nodes.append(self.outbound)
        if self.direction is not None:
            nodes.append(self.direction)
        return all(_row_wise(n) for n in nodes)

    def require_tz(self, frame: pl.DataFrame, tz: str | None, source: str | None = None) -> None:
        """Raise :class:`~callframe.UsageError` when some times in ``frame`` carry no offset and
        ``tz`` is not given (what :meth:`map` checks first)."""
        if self.time is not None and tz is None and self.time.naive_possible():
            frame = frame.rename(self.renames(frame.columns))
            self._require_tz(Ctx(frame=frame, tz=tz), self.time, source)

    def needs_tz(self) -> bool:
        return self.time is not None and self.time.naive_possible()

    # --- mapping -------------------------------------------------------------------------------

    def map(
        self,
        frame: pl.DataFrame,
        *,
        tz: str | None = None,
        region: str = "RU",
        static: bool | None = None,
        source: str | None = None,
        first_row: int = 1,
        plan: MapPlan | None = None,
    ) -> Mapped:
        """Map an export frame (text columns) to a contract frame; see the module docstring.

        Raises :class:`~callframe.UsageError` when times carry no offset and ``tz`` is not given.
        ``first_row``: the number of the frame's first row in the failures (for a batch of a
        longer export: see :meth:`row_wise`). ``plan``: the previous batch's
        :attr:`Mapped.plan` (same export, same settings), or ``None`` to choose one.
        """
        if self.time is None:
            raise UsageError(
                f"the {self.name!r} adapter needs a mapping (mapping= / --map mapping.toml)"
            )
        renames = self.renames(frame.columns)
        if renames:
            frame = frame.rename(renames)
        ctx = Ctx(frame=frame, tz=tz, region=region)
        if tz is None and self.time.naive_possible():
            self._require_tz(ctx, self.time, source)
        nodes = self.nodes()
        if static is not None and self.kind == "calls":
            nodes["StaticCall"] = Const(1 if static else 0)
            nodes = {c: nodes[c] for c in fields_for(self.kind) if c in nodes}

        checked = [c for c, node in nodes.items() if not _is_null_literal(node)]
        # columns with few distinct inputs (flags, statuses, durations, URLs …) are computed on
        # their unique inputs and joined back; the others row by row, from their raw text
        few = (
            {
                c: inputs
                for c in checked
                if (inputs := _inputs(nodes[c], frame.columns))
                and _row_wise(nodes[c])
                and _few_distinct(frame, inputs)
            }
            if plan is None
            else plan.few
        )
        direct = [c for c in checked if c not in few]
        # step 1: the raw text of every other column, once, as columns (small expression trees)
        groups: dict[tuple[str, ...], dict[str, Node]] = {}
        for c, inputs in few.items():
            groups.setdefault(tuple(inputs), {})[c] = nodes[c]
        joined = [
            frame.select(inputs)
            .join(
                _on_unique(group, frame.select(inputs).unique(), tz, region, self.kind).collect(),
                on=list(inputs),
                how="left",
                nulls_equal=True,
                maintain_order="left",
            )
            .drop(inputs)
            for inputs, group in groups.items()
        ]
        staged = frame.with_row_index("__row", offset=first_row).with_columns(
            *(nodes[c].raw(ctx).alias(f"__raw:{c}") for c in direct),
            *(s for j in joined for s in j.get_columns()),
        )
        # step 2: the values, from the raw columns where a node allows it; a raw text that
        # repeats (a URL without query, a status word) is read once and joined back
        by_raw = (
            [
                c
                for c in direct
                if nodes[c].from_raw
                and _row_wise(nodes[c])
                and _few_distinct(staged, [f"__raw:{c}"])
            ]
            if plan is None
            else list(plan.by_raw)
        )
        looked_up = [
            staged.select(f"__raw:{c}")
            .join(
                _values_of(
                    c, nodes[c], staged.select(f"__raw:{c}").unique(), tz, region, self.kind
                ),
                on=f"__raw:{c}",
                how="left",
                nulls_equal=True,
                maintain_order="left",
            )
            .drop(f"__raw:{c}")
            for c in by_raw
        ]
        staged = staged.with_columns(s for j in looked_up for s in j.get_columns())
        for node in (*nodes.values(), *(n for _, n in self.checks), self.outbound, self.direction):
            if node is not None:
                staged = node.prepare(staged)
        sctx = Ctx(frame=staged, tz=tz, region=region)
        values = []
        for column, node in nodes.items():
            if column in few or column in by_raw:
                values.append(pl.col(f"__val:{column}").alias(column))
                continue
            if node.from_raw and column in direct:
                value = node.value(sctx, pl.col(f"__raw:{column}"))
            else:
                value = node.expr(sctx)
            values.append(value.cast(spec(self.kind, column).dtype, strict=False).alias(column))
        outbound = (
            (self.outbound.expr(sctx) == 1).fill_null(False)
            if self.outbound is not None
            else pl.lit(False)
        )
        combined = staged.select(
            pl.col("__row").cast(pl.Int64),
            *values,
            *(pl.col(f"__raw:{c}") for c in direct),
            *(pl.col(f"__bad:{c}", f"__badval:{c}") for c in few),
            outbound.alias("__outbound"),
            (
                self.direction.expr(sctx) if self.direction is not None else pl.lit(None, pl.String)
            ).alias("__direction"),
            *(
                (node.expr(sctx) == 1).fill_null(False).alias(f"__check:{i}")
                for i, (_, node) in enumerate(self.checks)
            ),
        )
        mapped = combined.select(c.name for c in columns(self.kind) if c.name in nodes)
        failures = self._failures(combined, checked, few)
        return Mapped(
            frame=mapped,
            failures=failures,
            plan=MapPlan(few, tuple(by_raw)),
            directions=self._directions(combined),
        )

    def _directions(self, combined: pl.DataFrame) -> dict[str, int]:
        if self.direction is None:
            return {}
        legs = [f"__check:{i}" for i, (rule, _) in enumerate(self.checks) if rule == EXTRA_LEG]
        calls = combined.filter(~pl.any_horizontal(legs)) if legs else combined
        counts = calls.group_by("__direction").len().drop_nulls("__direction")
        ordered = counts.sort(["len", "__direction"], descending=[True, False])
        return {str(k): int(n) for k, n in ordered.iter_rows()}

    def _require_tz(self, ctx: Ctx, time: TimeNode, source: str | None) -> None:
        parts = time.parts(ctx)
        naive = (parts.naive.is_not_null() & parts.aware.is_null()).alias("naive")
        counted = (
            ctx.frame.lazy()
            .with_row_index("__row", offset=1)
            .select(naive.sum().alias("n"), pl.col("__row").filter(naive).first().alias("first"))
            .collect()
        )
        n, first = counted.row(0)
        if n:
            where = f"{source}: " if source else ""
            fields = " / ".join(repr(c) for c in time.reads())
            raise UsageError(
                f"{where}{n} of {ctx.frame.height} rows have call times without a UTC offset "
                f"(read from {fields}, first at row {first}); pass the time zone the tracker shows "
                "them in: tz='Europe/Moscow' (CLI: --tz Europe/Moscow), an IANA name. "
                "callframe never guesses a time zone."
            )

    def _failures(
        self, combined: pl.DataFrame, checked: list[str], few: Mapping[str, list[str]]
    ) -> pl.DataFrame:
        pieces: list[pl.LazyFrame] = []
        lazy = combined.lazy()
        # a row that is another leg of a call already counted breaks that rule only: its
        # values are the call's, reported once, on the kept row
        legs = [f"__check:{i}" for i, (rule, _) in enumerate(self.checks) if rule == EXTRA_LEG]
        counted = ~pl.any_horizontal(legs) if legs else pl.lit(True)
        for column in checked:
            rule = conversion_rule(unreadable_id(column))
            if column in few:
                bad = pl.col(f"__bad:{column}").fill_null(False)
                value = pl.col(f"__badval:{column}")
            else:
                raw = pl.col(f"__raw:{column}")
                bad = raw.is_not_null() & pl.col(column).is_null()
                value = mask_value(raw, column)
            pieces.append(
                lazy.filter(bad & counted).select(
                    pl.col("__row").alias("row"),
                    pl.lit(column).alias("column"),
                    pl.lit(rule.id).alias("rule"),
                    pl.lit(rule.title).alias("title"),
                    value.alias("value"),
                    pl.lit(rule.hint or None, dtype=pl.String).alias("hint"),
                    pl.lit(rule.severity).alias("severity"),
                )
            )
        out_rule = conversion_rule(OUTBOUND)
        pieces.append(
            lazy.filter(pl.col("__outbound") & counted).select(
                pl.col("__row").alias("row"),
                pl.lit("*").alias("column"),
                pl.lit(out_rule.id).alias("rule"),
                pl.lit(out_rule.title).alias("title"),
                pl.lit(None, pl.String).alias("value"),
                pl.lit(out_rule.hint, dtype=pl.String).alias("hint"),
                pl.lit(out_rule.severity).alias("severity"),
            )
        )
        for i, (rule_id, _) in enumerate(self.checks):
            rule = conversion_rule(rule_id)
            only = pl.lit(True) if rule_id == EXTRA_LEG else counted
            pieces.append(
                lazy.filter(pl.col(f"__check:{i}") & only).select(
                    pl.col("__row").alias("row"),
                    pl.lit(rule.column).alias("column"),
                    pl.lit(rule.id).alias("rule"),
                    pl.lit(rule.title).alias("title"),
                    pl.lit(None, pl.String).alias("value"),
                    pl.lit(rule.hint or None, dtype=pl.String).alias("hint"),
                    pl.lit(rule.severity).alias("severity"),
                )
            )
        schema = {**FAILURE_SCHEMA, "severity": pl.String()}
        frames = [f.cast(schema) for f in pl.collect_all(pieces)]  # type: ignore[arg-type]
        return pl.concat(frames).sort("row", maintain_order=True)

    # --- documentation ---------------------------------------------------------------------------

    def describe(self) -> dict[str, str]:
        """Metrica column → where it comes from, in words (for docs and ``callframe detect``)."""
        return {column: node.describe() for column, node in self.nodes().items()}


def _is_null_literal(node: Node) -> bool:
    return isinstance(node, Const) or not node.reads()


_SAMPLE_ROWS = 20_000
_FEW_SHARE = 0.1
"""A column is computed on its unique inputs when a sample has at most this share distinct."""


def _inputs(node: Node, columns: Sequence[str]) -> list[str]:
    """The export columns ``node`` reads (a name and the flattened fields below it)."""
    names = set(node.reads())
    return [c for c in columns if c in names or any(c.startswith(f"{n}.") for n in names)]


def _row_wise(node: Node) -> bool:
    """Whether ``node``'s value in a row depends on that row's inputs only (callframe's own
    nodes, except windows such as ``CallExtraLeg``); a user's node is never assumed to be."""
    if type(node).__module__ not in _OWN_MODULES or not node.row_wise:
        return False
    for field in dataclasses.fields(node):  # type: ignore[arg-type]
        value = getattr(node, field.name)
        items = value if isinstance(value, tuple) else (value,)
        if any(isinstance(i, Node) and not _row_wise(i) for i in items):
            return False
    return True


_OWN_MODULES = frozenset(
    {"callframe.engine.nodes", "callframe.engine._pbx", "callframe.engine._cdr"}
)


def _few_distinct(frame: pl.DataFrame, inputs: list[str]) -> bool:
    """Whether a sample of ``inputs`` (the first rows: a zero-copy slice, where an evenly spread
    sample copied every string) repeats enough to compute on unique values (the result is the
    same either way; only the speed differs)."""
    if frame.height == 0:
        return False
    sample = frame.select(inputs).head(_SAMPLE_ROWS)
    distinct = sample.select(pl.struct(inputs).n_unique()).item()
    return bool(distinct <= _FEW_SHARE * sample.height)


def _values_of(
    column: str,
    node: Node,
    keys: pl.DataFrame,
    tz: str | None,
    region: str,
    kind: str = "calls",
) -> pl.DataFrame:
    """``node``'s value (``__val:``) for each distinct raw text in ``keys`` (``__raw:``)."""
    kctx = Ctx(frame=keys, tz=tz, region=region)
    value = node.value(kctx, pl.col(f"__raw:{column}"))
    dtype = spec(kind, column).dtype
    return keys.with_columns(value.cast(dtype, strict=False).alias(f"__val:{column}"))


def _on_unique(
    group: Mapping[str, Node],
    keys: pl.DataFrame,
    tz: str | None,
    region: str,
    kind: str = "calls",
) -> pl.LazyFrame:
    """For each column of ``group`` (nodes reading the same inputs): its value (``__val:``),
    whether it is unreadable (``__bad:``) and the value shown for that (``__badval:``), on each
    unique combination of the inputs, ``keys``."""
    kctx = Ctx(frame=keys, tz=tz, region=region)
    staged = keys.with_columns(node.raw(kctx).alias(f"__raw:{c}") for c, node in group.items())
    sctx = Ctx(frame=staged, tz=tz, region=region)
    values = []
    for column, node in group.items():
        raw = pl.col(f"__raw:{column}")
        value = node.value(sctx, raw) if node.from_raw else node.expr(sctx)
        values.append(value.cast(spec(kind, column).dtype, strict=False).alias(f"__val:{column}"))
    valued = staged.with_columns(values)
    flags = valued.lazy().with_columns(
        (pl.col(f"__raw:{c}").is_not_null() & pl.col(f"__val:{c}").is_null()).alias(f"__bad:{c}")
        for c in group
    )
    return flags.with_columns(
        pl.when(pl.col(f"__bad:{c}"))
        .then(mask_value(pl.col(f"__raw:{c}"), c))
        .alias(f"__badval:{c}")
        for c in group
    ).drop(f"__raw:{c}" for c in group)

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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from callframe.engine.nodes import Node, TimeNode

__all__ = [
    "CHAT_FIELDS",
    "COLUMN_FIELDS",
    "Adapter",
    "HeaderVariant",
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
class Mapped:
    """What :meth:`Adapter.map` returns.

    ``frame``: contract columns in contract order and dtypes, one row per export row.
    ``failures``: conversion-rule failures (``row``, ``column``, ``rule``, ``title``, ``value``,
    ``hint``; values masked where personal), errors and warnings together, with ``severity``.
    ``directions``: for adapters with a ``direction`` node, the calls (rows not rejected as
    another leg) by way and what decided it (``{"inbound by context": 30, …}``).
    """

    frame: pl.DataFrame
    failures: pl.DataFrame
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
        ``tz`` is not given (see :func:`callframe.engine.plan.naive_times`)."""
        from callframe.engine.plan import naive_times

        naive_times(self, frame.lazy(), tz, source)

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
    ) -> Mapped:
        """Map an export frame (text columns) to a contract frame; see the module docstring.

        A thin wrapper over :func:`callframe.engine.plan.plan`: the plan collected, its failing
        rows turned into failures. Raises :class:`~callframe.UsageError` when times carry no
        offset and ``tz`` is not given. ``first_row``: the number of the frame's first row in
        the failures (for a batch of a longer export: see :meth:`row_wise`).
        """
        from callframe.engine.plan import naive_times
        from callframe.engine.plan import plan as plan_of

        lazy = frame.lazy()
        naive_times(self, lazy, tz, source)
        planned = plan_of(self, lazy, tz=tz, region=region, static=static, first_row=first_row)
        out = planned.frame.collect()
        failing = out.filter(planned.any)
        tally = planned.tally().collect() if planned.has_direction else None
        return Mapped(
            frame=out.select(planned.columns),
            failures=planned.failures(failing),
            directions=planned.directions(tally) if tally is not None else {},
        )

    def expressions(
        self,
        schema: pl.Schema | Iterable[str],
        *,
        tz: str | None = None,
        region: str = "RU",
        static: bool | None = None,
    ) -> dict[str, pl.Expr]:
        """Metrica column → a pure polars expression over an export with these columns (text),
        to use inside your own query (``lf.with_columns(**adapter.expressions(lf.collect_schema()
        , tz=...))``): nothing is read, nothing is checked. Values that do not read are null;
        :func:`callframe.engine.plan.plan` adds the flags that report them. Header variants are
        not renamed here: rename them first (``lf.rename(adapter.renames(names))``).

        Raises :class:`~callframe.UsageError` for adapters whose values read several rows (a
        PBX's legs): use ``plan(adapter, lf).frame`` there.
        """
        from callframe.engine.plan import expressions

        return expressions(self, schema, tz=tz, region=region, static=static)

    # --- documentation ---------------------------------------------------------------------------

    def describe(self) -> dict[str, str]:
        """Metrica column → where it comes from, in words (for docs and ``callframe detect``)."""
        return {column: node.describe() for column, node in self.nodes().items()}


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

"""The one result of a conversion: :class:`Conversion`, from :func:`callframe.convert` and
:func:`callframe.convert_file` alike.

Counts, failures and provenance are always held (they are small); the frames are built on first
use and kept: ``valid`` (held by :func:`~callframe.convert`, read back from the written files for
:func:`~callframe.convert_file`), ``rejected`` (the original export rows) and ``report`` (the
:class:`~callframe.ValidationReport`). ``to_dict``/``to_text`` are what the CLI prints; the
JSON keys are pinned by the golden files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from callframe.io.metrica_csv import METRICA_MAX_BYTES
from callframe.report import ValidationReport

__all__ = ["Conversion", "Loaders"]

_PROVENANCE = (
    "tracker",
    "score",
    "source",
    "format",
    "encoding",
    "delimiter",
    "tz",
    "region",
    "static",
    "directions",
    "kind",
)


@dataclass(frozen=True, slots=True)
class Loaders:
    """How a :class:`Conversion` builds what it does not hold: each is called at most once,
    on first use. ``write_csv``: writes the valid rows as :func:`callframe.write_csv` would."""

    valid: Callable[[], pl.DataFrame]
    rejected: Callable[[], pl.DataFrame]
    report: Callable[[], ValidationReport]
    write_csv: Callable[[Path, int], list[Path]]


@dataclass(frozen=True, slots=True, repr=False)
class Conversion:
    """What a conversion gave; see the module docstring.

    Provenance: ``tracker`` (the adapter's name), ``score`` (the detection score; ``None`` when
    the tracker was given), ``source``, ``format``, ``encoding``, ``delimiter``, ``tz``,
    ``region``, ``static``, ``directions`` and ``kind``. Counts: :attr:`n_rows`,
    :attr:`n_valid`, :attr:`n_rejected` (``n_rows == n_valid + n_rejected``), :attr:`ok`.
    Files: :attr:`outputs` (the Metrica CSV files written; empty for
    :func:`~callframe.convert`) and :attr:`rejected_path` (where the rejected rows were
    written, when asked).
    """

    tracker: str
    score: float | None
    source: str | None
    format: str
    encoding: str | None
    delimiter: str | None
    tz: str | None
    region: str
    static: bool | None
    errors: pl.DataFrame
    """Errors (one row per row and rule; ``row`` empty for the whole file), conversion rules
    (``*|outbound``, ``<Column>|unreadable`` …) included."""
    warnings: pl.DataFrame
    """Warnings (the rows are kept)."""
    n_rows: int
    """Rows of the export (``n_rows == n_valid + n_rejected``)."""
    n_rejected: int
    """Rows that cannot go to Metrica (:attr:`rejected`)."""
    loaders: Loaders = field(repr=False, compare=False)
    directions: dict[str, int] = field(default_factory=dict)
    """PBX CDRs: the calls (not their extra legs) by way and what decided it, e.g.
    ``{"inbound by context": 30, "outbound by channel": 2, "internal by digits": 1}``."""
    kind: str = "calls"
    """What the rows are: ``calls``, or ``chats`` for a ``kind = "chats"`` mapping."""
    outputs: list[Path] = field(default_factory=list)
    """The Metrica CSV files written (one, or ``name.part1.csv`` … when split)."""
    rejected_path: Path | None = None
    """Where the rejected rows were written (``convert_file(rejected=…)``)."""
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def _load(self, name: str, load: Callable[[], Any]) -> Any:
        if name not in self._cache:
            self._cache[name] = load()
        return self._cache[name]

    @property
    def n_valid(self) -> int:
        """Rows converted into Metrica rows (:attr:`valid`)."""
        return self.n_rows - self.n_rejected

    @property
    def valid(self) -> pl.DataFrame:
        """The valid rows as a contract frame (contract columns in order, contract dtypes,
        input order kept), ready for :func:`callframe.write_csv`. After
        :func:`~callframe.convert_file`: read back from :attr:`outputs` on first use (the
        columns written)."""
        frame: pl.DataFrame = self._load("valid", self.loaders.valid)
        return frame

    @property
    def rejected(self) -> pl.DataFrame:
        """The original export rows that cannot go to Metrica, every column, with ``row``
        (1-based), ``rule`` and ``title`` (``"; "`` between several).

        Built on first use and kept: for a CSV read with only the adapter's columns, the
        rejected rows are read again from the file, whole (a conversion that never asks for
        them never pays for that).
        """
        frame: pl.DataFrame = self._load("rejected", self.loaders.rejected)
        return frame

    @property
    def report(self) -> ValidationReport:
        """The full :class:`~callframe.ValidationReport` (conversion rules included), with
        every mapped row. After :func:`~callframe.convert_file` it is built on first use, by
        converting the export again in memory."""
        report: ValidationReport = self._load("report", self.loaders.report)
        return report

    def write_csv(self, path: str | Path, *, max_bytes: int = METRICA_MAX_BYTES) -> list[Path]:
        """Write :attr:`valid` as :func:`callframe.write_csv` would (same columns, bytes and
        splitting); return the files.

        Written from the text that was checked (or written already), without validating a
        second time.
        """
        return self.loaders.write_csv(Path(path), max_bytes)

    def provenance(self) -> dict[str, Any]:
        """The provenance fields, by name."""
        return {name: getattr(self, name) for name in _PROVENANCE}

    @property
    def ok(self) -> bool:
        """No error findings (warnings allowed): every row went to Metrica."""
        return self.errors.height == 0

    def counts(self) -> dict[str, int]:
        """Rule id → rows breaking it, errors and warnings (a row breaking two rules counts
        for both; a rule of the whole file, with no row, counts every row)."""
        failures = pl.concat(
            [self.errors.select("row", "rule"), self.warnings.select("row", "rule")]
        )
        per_row = _counts(failures.filter(pl.col("row").is_not_null()).unique(["row", "rule"]))
        whole = failures.filter(pl.col("row").is_null()).get_column("rule").unique().to_list()
        merged = {**per_row, **dict.fromkeys(sorted(whole), self.n_rows)}
        return dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0])))

    def rejected_counts(self) -> dict[str, int]:
        """Rejected rows per rule id (a row breaking two rules counts for both)."""
        errors = self.errors.filter(pl.col("row").is_not_null())
        return _counts(errors.unique(["row", "rule"]))

    def warning_counts(self) -> dict[str, int]:
        """Warnings per rule id (rows with a warning are kept)."""
        return _counts(self.warnings)

    def summary_line(self) -> str:
        where = self.source or "<data>"
        return (
            f"{where}: {self.tracker}, {self.n_rows} rows in, {self.n_valid} {self.kind} out, "
            f"{self.n_rejected} rejected, {self.warnings.height} warnings"
        )

    def to_dict(self) -> dict[str, Any]:
        """Counts, rules and provenance as plain data (no values from the export)."""
        titles = dict(
            pl.concat([self.errors, self.warnings])
            .select("rule", "title")
            .unique("rule", keep="first")
            .iter_rows()
        )
        return {
            "path": self.source,
            "tracker": self.tracker,
            "score": None if self.score is None else round(self.score, 3),
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "tz": self.tz,
            "region": self.region,
            "static": self.static,
            "rows_in": self.n_rows,
            "rows_out": self.n_valid,
            "rows_rejected": self.n_rejected,
            "rejected": [
                {"rule": r, "title": titles.get(r, ""), "rows": n}
                for r, n in self.rejected_counts().items()
            ],
            "warnings": [
                {"rule": r, "title": titles.get(r, ""), "rows": n}
                for r, n in self.warning_counts().items()
            ],
            **({"directions": dict(self.directions)} if self.directions else {}),
        }

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_text(self) -> str:
        """A short plain-text summary: counts per rule, no values."""
        d = self.to_dict()
        head = f"{d['path'] or '<data>'}: {self.tracker}"
        if self.score is not None:
            head += f" (detected, score {self.score:.2f})"
        extra = ", ".join(
            f"{k} {v!r}" if k == "delimiter" else f"{k} {v}"
            for k, v in (
                ("format", self.format),
                ("encoding", self.encoding),
                ("delimiter", self.delimiter),
                ("tz", self.tz),
            )
            if v is not None
        )
        lines = [
            f"{head}; {extra}",
            f"  {self.n_rows} rows in → {self.n_valid} {self.kind} out, {self.n_rejected} rejected",
        ]
        if self.directions:
            lines.append(f"  calls by direction: {_directions_text(self.directions)}")
        for label, items in (("rejected", d["rejected"]), ("warning", d["warnings"])):
            for item in items:
                lines.append(f"  {label:8} {item['rule']} ×{item['rows']}  {item['title']}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.summary_line()}>"


_HOW = {"context": "by context", "channel": "by channel", "digits": "by digit count"}


def _directions_text(directions: dict[str, int]) -> str:
    """``30 inbound (28 by context, 2 by channel), 3 outbound (3 by context)``."""
    ways: dict[str, dict[str, int]] = {}
    for label, n in directions.items():
        way, _, how = label.partition(" by ")
        ways.setdefault(way, {})[how] = ways.setdefault(way, {}).get(how, 0) + n
    parts = []
    for way in sorted(
        ways,
        key=lambda w: (
            ("inbound", "outbound", "internal").index(w)
            if w in ("inbound", "outbound", "internal")
            else 3
        ),
    ):
        hows = ways[way]
        detail = ", ".join(f"{n} {_HOW.get(h, h)}" for h, n in hows.items())
        parts.append(f"{sum(hows.values())} {way} ({detail})")
    return ", ".join(parts)


def _counts(failures: pl.DataFrame) -> dict[str, int]:
    counts = failures.group_by("rule").agg(pl.len().alias("n"))
    ordered = counts.sort(["n", "rule"], descending=[True, False])
    return {rule: int(n) for rule, n in ordered.iter_rows()}

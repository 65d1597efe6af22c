"""What every conversion reports, however it ran: counts per rule and provenance, no values.

:class:`ConversionSummary` is the part of :class:`~callframe.Conversion` (in memory) and
:class:`~callframe.FileConversion` (file to file, in batches) that the CLI prints: one
implementation of ``to_dict``/``to_text`` for both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

import polars as pl

__all__ = ["ConversionSummary"]


@dataclass(frozen=True, slots=True, repr=False)
class ConversionSummary:
    """Counts per rule and provenance. The fields are the provenance; subclasses provide the
    failures and counts (the properties below)."""

    tracker: str
    score: float | None
    source: str | None
    format: str
    encoding: str | None
    delimiter: str | None
    tz: str | None
    region: str
    static: bool | None
    directions: dict[str, int] = field(default_factory=dict, kw_only=True)
    kind: str = field(default="calls", kw_only=True)
    """What the rows are: ``calls``, or ``chats`` for a ``kind = "chats"`` mapping."""
    """PBX CDRs: the calls (not their extra legs) by way and what decided it, e.g.
    ``{"inbound by context": 30, "outbound by channel": 2, "internal by digits": 1}``."""

    def provenance(self) -> dict[str, Any]:
        """The provenance fields, by name (to carry them from one result to another)."""
        return {f.name: getattr(self, f.name) for f in fields(ConversionSummary)}

    @property
    def errors(self) -> pl.DataFrame:
        """Errors (one row per row and rule; ``row`` empty for the whole file)."""
        raise NotImplementedError

    @property
    def warnings(self) -> pl.DataFrame:
        """Warnings (the rows are kept)."""
        raise NotImplementedError

    @property
    def n_rows(self) -> int:
        """Rows of the export (``n_rows == n_valid + n_rejected``)."""
        raise NotImplementedError

    @property
    def n_valid(self) -> int:
        """Rows converted into Metrica rows."""
        raise NotImplementedError

    @property
    def n_rejected(self) -> int:
        """Rows that cannot go to Metrica."""
        raise NotImplementedError

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

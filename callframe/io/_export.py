"""What reading an export gives: :class:`TrackerExport` (a frame of text plus its provenance)
and the rule turning any polars frame into text columns (structs flattened, lists as JSON)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import polars as pl

__all__ = ["ExportFormat", "TrackerExport", "as_text"]

ExportFormat = Literal["json", "csv", "xlsx", "xls", "frame"]

F = TypeVar("F", pl.DataFrame, pl.LazyFrame)


@dataclass(frozen=True, slots=True)
class TrackerExport:
    """A tracker export read as text, with its provenance.

    ``frame`` has one row per call record and only ``String`` columns. ``source`` is the path
    (``None`` for bytes); ``encoding``/``delimiter``/``header`` are set for CSV, ``envelope`` for
    JSON, ``sheet`` for Excel; ``archive`` for an export read from a ``.gz``/``.zip``
    (``gzip:calls.csv``: how it was packed, and the file inside).
    """

    frame: pl.DataFrame
    format: ExportFormat
    source: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header: bool | None = None
    envelope: str | None = None
    sheet: str | None = None
    archive: str | None = None

    @property
    def rows(self) -> int:
        return self.frame.height

    @classmethod
    def from_frame(cls, frame: pl.DataFrame, *, source: str | None = None) -> TrackerExport:
        """A frame the caller already holds, as an export: struct columns flattened to dotted
        names, lists as JSON text, everything else cast to text (as :func:`read_export` does)."""
        return cls(frame=as_text(frame), format="frame", source=source)

    def describe(self) -> dict[str, Any]:
        """Provenance as plain data (for JSON output): no values from the file."""
        return {
            "path": self.source,
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "header": self.header,
            "envelope": self.envelope,
            "sheet": self.sheet,
            **({"archive": self.archive} if self.archive else {}),
            "rows": self.rows,
            "columns": self.frame.width,
        }


def as_text(frame: F) -> F:
    """``frame`` with struct columns flattened to dotted names (``visit.url``), lists and
    arrays as compact JSON text, booleans as ``true``/``false`` and the rest cast to text.
    Pure expressions on the schema: a ``LazyFrame`` stays lazy."""
    schema = frame.collect_schema()
    while any(isinstance(t, pl.Struct) for t in schema.values()):
        parts: list[pl.Expr] = []
        for name, dtype in schema.items():
            if isinstance(dtype, pl.Struct):
                parts += [
                    pl.col(name).struct.field(f.name).alias(f"{name}.{f.name}")
                    for f in dtype.fields
                ]
            else:
                parts.append(pl.col(name))
        frame = frame.select(parts)
        schema = frame.collect_schema()
    exprs = []
    for name, dtype in schema.items():
        c = pl.col(name)
        if isinstance(dtype, pl.List | pl.Array):
            encoded = pl.struct(c.alias("v")).struct.json_encode()
            text = encoded.str.strip_prefix('{"v":').str.strip_suffix("}")
            exprs.append(pl.when(c.is_not_null()).then(text).alias(name))
        elif dtype == pl.Boolean:
            exprs.append(pl.when(c).then(pl.lit("true")).when(~c).then(pl.lit("false")).alias(name))
        else:
            exprs.append(c.cast(pl.String).alias(name))
    return frame.select(exprs)

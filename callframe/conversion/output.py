"""The Metrica CSV files of a conversion: the valid rows' text written by a polars sink, in the
same pass as everything else, and read back when asked for.

:class:`SinkWriter` gives the queries to run with the rest of the conversion (one
:func:`polars.collect_all`, so the export is read once): a ``sink_csv`` of every column the
adapter fills into a temporary file beside the target, and the small aggregates the Metrica
rules need (:class:`~callframe.io.metrica_csv.Layout`: which optional columns are empty in every
valid row, an upper bound of the bytes). :meth:`SinkWriter.finish` then renames that file over
the target (the usual case), or rewrites it once when a column must be left out or the file
split over ``max_bytes`` (decisions.md rule 11), as :func:`callframe.write_csv` does: the same
bytes.

:func:`~callframe.convert_file` holds no rows once it has written them:
:attr:`Conversion.valid <callframe.Conversion.valid>` and
:meth:`Conversion.write_csv <callframe.Conversion.write_csv>` read the written files again.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from callframe.contract.columns import Kind, columns, parse_kind
from callframe.io.metrica_csv import (
    _CSV_OPTIONS,
    Layout,
    _require_folder,
    atomic_target,
    write_text_frame,
)

__all__ = ["SinkWriter", "read_text", "read_valid", "rewrite"]


class SinkWriter:
    """Writes the valid rows of one lazy query to ``target`` as the Metrica CSV.

    ``names``: the text columns of the rows given to :meth:`queries`, in contract order.
    Use: ``queries(valid)`` → run them (with others) → ``finish(counts)``; :meth:`discard` when
    the run failed (the target is then untouched).
    """

    def __init__(self, target: Path, kind: Kind, names: Sequence[str], max_bytes: int) -> None:
        _require_folder(target)
        self.target, self.kind, self.max_bytes = target, kind, max_bytes
        self.names = list(names)
        self.layout = Layout(kind, self.names)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        self.whole = Path(name)

    def queries(self, valid: pl.LazyFrame) -> list[pl.LazyFrame]:
        """The sink of ``valid`` (the text columns :attr:`names`, valid rows only) into the
        temporary file, and the aggregates :meth:`finish` takes (the last query)."""
        rows = valid.select(self.names)
        sink = rows.sink_csv(self.whole, lazy=True, **_CSV_OPTIONS)
        assert sink is not None
        return [sink, rows.select(self.layout.counts())]

    def finish(self, counts: pl.DataFrame) -> list[Path]:
        """The files written, from the aggregates of :meth:`queries`."""
        try:
            layout = self.layout
            layout.add_counts(counts)
            kept = layout.kept()
            if not layout.rows:  # no valid rows: the header of the columns kept
                empty = pl.DataFrame(schema=dict.fromkeys(kept, pl.String))
                return write_text_frame(empty, self.target, max_bytes=self.max_bytes)
            if kept == self.names and layout.upper_bound() <= self.max_bytes:
                os.replace(self.whole, self.target)
                return [self.target]
            text = pl.scan_csv(self.whole, schema=dict.fromkeys(self.names, pl.String))
            if layout.upper_bound() > self.max_bytes:
                frame = text.select(kept).collect()
                return write_text_frame(frame, self.target, max_bytes=self.max_bytes)
            with atomic_target(self.target) as tmp:
                text.select(kept).sink_csv(tmp, **_CSV_OPTIONS)
            return [self.target]
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the temporary file (it is renamed away when all went well)."""
        self.whole.unlink(missing_ok=True)


def read_text(paths: Sequence[Path]) -> pl.DataFrame:
    """The rows of the written files (one, or the parts of a split file, in order), every
    column as the text written."""
    header = pl.scan_csv(paths[0], infer_schema=False, n_rows=0).collect_schema()
    schema = dict.fromkeys(header.names(), pl.String())
    return pl.concat([pl.read_csv(p, schema=schema) for p in paths])


def read_valid(paths: Sequence[Path], kind: str) -> pl.DataFrame:
    """The valid rows as a contract frame (the columns written, contract dtypes)."""
    text = read_text(paths)
    return text.select(
        pl.col(c.name).cast(c.dtype) for c in columns(parse_kind(kind)) if c.name in text.columns
    )


def rewrite(paths: Sequence[Path], target: Path, max_bytes: int) -> list[Path]:
    """The written files' rows written again to ``target`` (split over ``max_bytes``)."""
    return write_text_frame(read_text(paths), target, max_bytes=max_bytes)

"""The Metrica CSV files of a conversion: the valid rows' text appended batch by batch as the
conversion streams, and read back when asked for.

:class:`SinkWriter` takes each batch of valid rows the conversion's one streaming pass yields
(:func:`~callframe.convert_file`): it appends their CSV lines to a temporary file beside the
target and counts the small aggregates the Metrica rules need
(:class:`~callframe.io.metrica_csv.Layout`: which optional columns are empty in every valid row,
an upper bound of the bytes). :meth:`SinkWriter.finish` then renames that file over the target
(the usual case), or rewrites it once when a column must be left out or the file split over
``max_bytes`` (decisions.md rule 11), as :func:`callframe.write_csv` does: the same bytes.

:func:`~callframe.convert_file` holds no rows once it has written them:
:attr:`Conversion.valid <callframe.Conversion.valid>` and
:meth:`Conversion.write_csv <callframe.Conversion.write_csv>` read the written files again.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

import polars as pl

from callframe.contract.columns import Kind, columns, parse_kind
from callframe.io.metrica_csv import (
    _CSV_OPTIONS,
    Layout,
    _require_folder,
    _row_bytes_upper_bound,
    atomic_target,
    write_text_frame,
)

__all__ = ["SinkWriter", "read_text", "read_valid", "rewrite"]


class SinkWriter:
    """Writes the valid rows of a conversion, batch by batch, to ``target`` as the Metrica CSV.

    ``names``: the text columns of the batches given to :meth:`write`, in contract order.
    Use: :meth:`write` each batch → :meth:`finish`; :meth:`discard` when the run failed (the
    target is then untouched).
    """

    def __init__(self, target: Path, kind: Kind, names: Sequence[str], max_bytes: int) -> None:
        _require_folder(target)
        self.target, self.kind, self.max_bytes = target, kind, max_bytes
        self.names = list(names)
        self.layout = Layout(kind, self.names)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        self.whole = Path(name)
        self._file = os.fdopen(fd, "wb")
        self.longest = 0

    def write(self, rows: pl.DataFrame) -> None:
        """Append the CSV lines of ``rows`` (valid rows, with the columns :attr:`names`; the
        header before the first batch) to the temporary file, and count them."""
        rows = rows.select(self.names)
        if rows.height:  # (a constant column of no rows counts as "some value" in polars 2.1)
            self.layout.add_counts(rows.select(self.layout.counts()))
            # the longest row's cells, for a split (:meth:`_split`)
            widest = _row_bytes_upper_bound(rows).max() or 0
            self.longest = max(self.longest, int(widest) - rows.width)  # type: ignore[arg-type]
        rows.write_csv(self._file, include_header=self._file.tell() == 0, **_CSV_OPTIONS)

    def finish(self) -> list[Path]:
        """The files written, once every batch is."""
        try:
            self._file.close()
            layout = self.layout
            kept = layout.kept()
            if not layout.rows:  # no valid rows: the header of the columns kept
                empty = pl.DataFrame(schema=dict.fromkeys(kept, pl.String))
                return write_text_frame(empty, self.target, max_bytes=self.max_bytes)
            if kept == self.names and layout.upper_bound() <= self.max_bytes:
                os.replace(self.whole, self.target)
                return [self.target]
            text = pl.scan_csv(self.whole, schema=dict.fromkeys(self.names, pl.String))
            if layout.upper_bound() > self.max_bytes:
                return self._split(text.select(kept))
            with atomic_target(self.target) as tmp:
                text.select(kept).sink_csv(tmp, **_CSV_OPTIONS)
            return [self.target]
        finally:
            self.discard()

    def _split(self, text: pl.LazyFrame) -> list[Path]:
        """The parts :func:`~callframe.io.metrica_csv.write_text_frame` splits ``text`` into
        (the same rows in each), written batch by batch: never every row in memory (6 GB for
        10M Calltouch rows)."""
        kept = text.collect_schema().names()
        header = len(",".join(kept).encode()) + 1
        budget = self.max_bytes - header - (self.longest + len(kept))
        if self.max_bytes <= header or budget <= 0:  # the error write_text_frame raises
            return write_text_frame(text.collect(), self.target, max_bytes=self.max_bytes)
        stem, suffix = self.target.stem, self.target.suffix or ".csv"
        written: list[Path] = []
        before, part = 0, None
        with ExitStack() as files:
            for batch in text.collect_batches(engine="streaming"):
                sizes = _row_bytes_upper_bound(batch).cast(pl.Int64)
                parts = ((sizes.cum_sum() + before - 1) // budget).alias("__part")
                before += int(sizes.sum())
                grouped = batch.with_columns(parts).partition_by("__part", maintain_order=True)
                for rows in grouped:
                    if rows["__part"][0] != part:  # the next file: the one before is complete
                        files.close()
                        part = rows["__part"][0]
                        written.append(
                            self.target.with_name(f"{stem}.part{len(written) + 1}{suffix}")
                        )
                        out = files.enter_context(
                            files.enter_context(atomic_target(written[-1])).open("wb")
                        )
                    rows.drop("__part").write_csv(
                        out, include_header=out.tell() == 0, **_CSV_OPTIONS
                    )
        return written

    def discard(self) -> None:
        """Remove the temporary file (it is renamed away when all went well)."""
        self._file.close()
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

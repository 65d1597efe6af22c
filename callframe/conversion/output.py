"""The Metrica CSV files of a conversion: the valid rows' text appended batch by batch as the
conversion streams, and read back when asked for.

:class:`SinkWriter` takes each batch of valid rows the conversion's one streaming pass yields
(:func:`~callframe.convert_file`): it appends their CSV lines to a temporary file beside the
target and counts the small aggregates the Metrica rules need
(:class:`~callframe.io.metrica_csv.Layout`: which optional columns are empty in every valid row,
an upper bound of the bytes). :meth:`SinkWriter.finish` then renames that file over the target
(the usual case), cuts it into parts when it is over ``max_bytes`` (decisions.md rule 11; only
the batches where a part starts are read again), or rewrites it once when a column must be left
out: the bytes :func:`callframe.write_csv` writes.

:func:`~callframe.convert_file` holds no rows once it has written them:
:attr:`Conversion.valid <callframe.Conversion.valid>` and
:meth:`Conversion.write_csv <callframe.Conversion.write_csv>` read the written files again.
"""

from __future__ import annotations

import io
import itertools
import os
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO, NamedTuple

import polars as pl

from callframe.contract.columns import Kind, columns, parse_kind
from callframe.io.metrica_csv import (
    _CSV_OPTIONS,
    Layout,
    _require_folder,
    _row_bytes_upper_bound,
    atomic_target,
    row_cells,
    write_text_frame,
)

__all__ = ["CELLS", "SinkWriter", "read_text", "read_valid", "rewrite"]


CELLS = "__cells"
"""The column of a batch given to :meth:`SinkWriter.write` with each row's :func:`row_cells`,
when the query computed them (else the writer does)."""


def _csv(rows: pl.DataFrame) -> bytes:
    """The CSV lines of ``rows`` as :meth:`SinkWriter.write` appends them (no header)."""
    out = io.BytesIO()
    rows.write_csv(out, include_header=False, **_CSV_OPTIONS)
    return out.getvalue()


def _copy(src: BinaryIO, out: BinaryIO, size: int) -> None:
    """``size`` bytes from ``src`` to ``out``, a MB at a time."""
    while size > 0:
        chunk = src.read(min(size, 1 << 20))
        if not chunk:
            raise OSError(f"{getattr(src, 'name', src)} ended {size} bytes early")
        out.write(chunk)
        size -= len(chunk)


class _At(NamedTuple):
    """A point of the temporary file between two rows: its byte offset, the rows before it
    and their cells' bytes (:func:`row_cells`)."""

    offset: int
    rows: int
    cells: int


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
        # where each batch starts, to split the file where write_text_frame would (a few
        # numbers per batch of thousands of rows)
        self._starts: list[_At] = []

    def write(self, rows: pl.DataFrame) -> None:
        """Append the CSV lines of ``rows`` (valid rows, with the columns :attr:`names` and
        maybe :data:`CELLS`; the header before the first batch) to the temporary file, and
        count them."""
        if not self._file.tell():
            rows.select(self.names).head(0).write_csv(self._file, **_CSV_OPTIONS)
        if not rows.height:
            return
        if CELLS in rows.columns:
            cells = rows.get_column(CELLS)
        else:
            cells = rows.select(row_cells(self.names)).to_series()
        rows = rows.select(self.names)
        layout = self.layout
        self._starts.append(_At(self._file.tell(), layout.rows, layout.cells))
        layout.add_rows(rows, cells)
        self.longest = max(self.longest, int(cells.max()))  # type: ignore[arg-type]
        rows.write_csv(self._file, include_header=False, **_CSV_OPTIONS)

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
                if kept == self.names:
                    cut = self._cut()
                    if cut is not None:
                        return cut
                return self._split(text.select(kept))
            with atomic_target(self.target) as tmp:
                text.select(kept).sink_csv(tmp, **_CSV_OPTIONS)
            return [self.target]
        finally:
            self.discard()

    def _budget(self, names: Sequence[str]) -> int | None:
        """Bytes of rows a part with the columns ``names`` takes, as
        :func:`~callframe.io.metrica_csv.write_text_frame` counts it (``max_bytes`` less the
        header and the longest row); ``None`` when not even one row fits."""
        header = len(",".join(names).encode()) + 1
        budget = self.max_bytes - header - (self.longest + len(names))
        return None if self.max_bytes <= header or budget <= 0 else budget

    def _cut(self) -> list[Path] | None:
        """The parts :meth:`_split` writes, cut out of the temporary file as they are (every
        column kept): only the batches where a part starts are read again, the rest is copied
        (a 1 GB file is split in a second, not parsed and written again in ten). ``None`` when
        a batch read again is not the bytes it was written as, or no row fits in a part: then
        :meth:`_split` (or its error)."""
        width = len(self.names)
        budget = self._budget(self.names)
        if budget is None:
            return None
        end = _At(os.path.getsize(self.whole), self.layout.rows, self.layout.cells)
        cuts: list[int] = []  # where each part after the first starts
        with self.whole.open("rb") as fh:
            for start, stop in itertools.pairwise([*self._starts, end]):
                # a row's part, as write_text_frame counts: (bytes up to its end - 1) // budget
                first = (start.cells + start.rows * width - 1) // budget
                last = (stop.cells + stop.rows * width - 1) // budget
                if start.rows and first == last:
                    continue  # the batch's rows are in the part of the row before them
                fh.seek(start.offset)
                found = self._cuts_in(fh.read(stop.offset - start.offset), start, budget)
                if found is None:
                    return None
                cuts += found
        return self._parts(cuts)

    def _cuts_in(self, data: bytes, start: _At, budget: int) -> list[int] | None:
        """Where the rows of one batch (``data``, its CSV lines, at ``start``) that begin a
        part start (the file's first row aside); ``None`` when ``data`` read and written
        again is other bytes."""
        schema = dict.fromkeys(self.names, pl.String())
        rows = pl.read_csv(data, has_header=False, schema=schema)
        if _csv(rows) != data:
            return None
        width = len(self.names)
        before = start.cells + start.rows * width
        ends = _row_bytes_upper_bound(rows).cum_sum() + before
        part = (ends - 1) // budget
        previous = part.shift(1, fill_value=(before - 1) // budget)
        begins = (part != previous).arg_true().to_list()
        return [start.offset + len(_csv(rows.head(i))) for i in begins if i or start.rows]

    def _parts(self, cuts: list[int]) -> list[Path]:
        """The temporary file cut at ``cuts`` into ``name.part1.csv`` …, each with the header:
        the parts after the first copied, the first the temporary file itself, truncated."""
        stem, suffix = self.target.stem, self.target.suffix or ".csv"
        paths = [self.target.with_name(f"{stem}.part{i}{suffix}") for i in range(1, len(cuts) + 2)]
        ends = [*cuts, os.path.getsize(self.whole)]
        with self.whole.open("rb") as src:
            header = src.read(self._starts[0].offset)
            for path, begin, stop in zip(paths[1:], cuts, ends[1:], strict=True):
                with atomic_target(path) as tmp, tmp.open("wb") as out:
                    out.write(header)
                    src.seek(begin)
                    _copy(src, out, stop - begin)
        os.truncate(self.whole, ends[0])
        os.replace(self.whole, paths[0])
        return paths

    def _split(self, text: pl.LazyFrame) -> list[Path]:
        """The parts :func:`~callframe.io.metrica_csv.write_text_frame` splits ``text`` into
        (the same rows in each), written batch by batch: never every row in memory (6 GB for
        10M Calltouch rows)."""
        budget = self._budget(text.collect_schema().names())
        if budget is None:  # the error write_text_frame raises
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

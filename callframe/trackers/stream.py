"""``convert_file``: a tracker export file in, the Metrica CSV file out, in bounded memory.

The same conversion as :func:`callframe.convert` followed by :meth:`Conversion.write_csv`, with
the same bytes out and the same counts, but for a UTF-8 CSV export with a header (the shape of
large exports) it never holds the whole export: polars reads it in batches of
:data:`BATCH_ROWS` rows (only the adapter's columns), :data:`WORKERS` batches at a time are
mapped and validated on threads, each batch's valid rows are appended in file order, as CSV
lines, to a temporary file beside the output, and only failing rows are kept. That file becomes
the output; optional columns empty in every valid row are left out and files over
``max_bytes`` split, like :func:`callframe.write_csv`.

Everything else — JSON, Excel, other code pages, headerless files, adapters whose values span
several rows (Asterisk legs) — is converted in memory by :func:`callframe.convert`; the result
type is the same. Peak memory in the batch path is polars' reader, a few batches' frames and
the failing rows.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from callframe.contract.columns import columns
from callframe.engine.adapter import Adapter, MapPlan
from callframe.io.exports import CsvScan, scan_csv_export
from callframe.io.metrica_csv import (
    _CSV_OPTIONS,
    METRICA_MAX_BYTES,
    Layout,
    _require_folder,
    atomic_target,
    write_text_frame,
)
from callframe.report import FAILURE_SCHEMA, with_reasons
from callframe.trackers.convert import (
    MappingSource,
    _check_tz,
    _columns_read,
    _merged_report,
    _original_rows,
    _rejected,
    _require_columns,
    _resolve,
    convert,
)
from callframe.trackers.registry import detect
from callframe.trackers.summary import ConversionSummary
from callframe.validation import resolve_now

__all__ = ["BATCH_ROWS", "WORKERS", "FileConversion", "convert_file"]

BATCH_ROWS = 100_000
"""Rows per batch when a CSV export is converted file to file. Measured on a 2M-row, 457 MB
Calltouch CSV with two workers, three runs each, interleaved: 50k rows peak at about 640 MB RSS
in 5.6–6.3 s, 100k at 830–850 MB in 5.0–5.7 s, 200k at 1050 MB in 5.3 s (one run); smaller
batches pay a fixed cost per batch (joins, one validation query)."""

WORKERS = 2
"""Batches mapped and validated at once, on threads (polars releases the GIL). One batch's
string kernels run mostly on one core, so two batches at a time keep both cores of a small
machine busy. Measured on the same file, two runs each, interleaved: 1 worker 6.4–6.9 s /
770 MB, 2 workers 5.5–5.9 s / 800–830 MB, 3 workers 5.6–5.7 s / 860–890 MB."""


@dataclass(frozen=True, slots=True, repr=False)
class FileConversion(ConversionSummary):
    """The result of :func:`convert_file`: counts, failures and provenance (no rows in memory).

    ``outputs``: the Metrica CSV files written (one, or ``name.part1.csv`` … when split).
    ``rejected_path``: where the rejected rows were written, when asked. ``batches``: how many
    batches the export was read in (``0``: converted in memory by :func:`callframe.convert`).
    """

    outputs: list[Path]
    rejected_path: Path | None
    batches: int
    errors: pl.DataFrame = field(repr=False)
    """Errors (one row per row and rule; ``row`` empty for the whole file)."""
    warnings: pl.DataFrame = field(repr=False)
    """Warnings (the rows are kept)."""
    n_rows: int = 0
    """Rows of the export (``n_rows == n_valid + n_rejected``)."""
    n_rejected: int = 0
    """Rows that cannot go to Metrica (written to ``rejected_path`` when asked)."""

    @property
    def n_valid(self) -> int:
        """Rows written to :attr:`outputs`."""
        return self.n_rows - self.n_rejected


def convert_file(
    source: str | Path,
    output: str | Path,
    *,
    tracker: str | Adapter | None = None,
    mapping: MappingSource | None = None,
    tz: str | None = None,
    static: bool | None = None,
    region: str | None = None,
    now: int | float | datetime | None = None,
    keep_outbound: bool = False,
    rejected: str | Path | None = None,
    max_bytes: int = METRICA_MAX_BYTES,
) -> FileConversion:
    """Convert the export file ``source`` into the Metrica CSV ``output``; see the module
    docstring. Arguments as for :func:`callframe.convert`; ``rejected``: also write the
    rejected rows there (original columns, ``row``, ``rule``, ``title``).

    Example::

        result = callframe.convert_file("calltouch.csv", "metrica.csv", tz="Europe/Moscow")
        summary = result.to_text()  # counts per rule, no values
    """
    tz = _check_tz(tz)
    when = resolve_now(now)
    _require_folder(Path(output))
    adapter, tz, region, static = _resolve(tracker, mapping, tz, region, static)
    scan = _scan(source, adapter)
    score: float | None = None
    if scan is not None and adapter is None:
        found = detect(scan.export)
        adapter, score = found.adapter, found.score
        scan = _scan(source, adapter)
    if scan is None or adapter is None or not adapter.row_wise():
        return _in_memory(
            # the adapter resolved (a mapping's included: its tz/region/static are in the
            # settings already), or None to detect
            source, output, rejected, max_bytes, tracker=adapter, mapping=None,
            tz=tz, static=static, region=region, now=when, keep_outbound=keep_outbound,
        )  # fmt: skip
    _require_columns(adapter, scan.export)
    region = (region or adapter.region or "RU").upper()
    try:
        run = _Batches(adapter, scan, tz, region, static, when, keep_outbound)
        written = run.write(Path(output), max_bytes)
    except pl.exceptions.PolarsError:
        # a file polars cannot stream (bad UTF-8 after the first bytes, a ragged line): the
        # in-memory path transcodes or names the line; nothing was written to ``output``
        return _in_memory(
            source, output, rejected, max_bytes, tracker=adapter, mapping=None, tz=tz,
            static=static, region=region, now=when, keep_outbound=keep_outbound,
        )  # fmt: skip
    rejected_path = None
    if rejected is not None:
        rejected_path = Path(rejected)
        with atomic_target(rejected_path) as tmp:
            run.rejected_rows().write_csv(tmp)
    export = scan.export
    return FileConversion(
        outputs=written,
        rejected_path=rejected_path,
        batches=run.batches,
        tracker=adapter.name,
        score=score,
        source=export.source,
        format=export.format,
        encoding=export.encoding,
        delimiter=export.delimiter,
        tz=tz,
        region=region,
        static=static,
        errors=run.errors,
        warnings=run.warnings,
        n_rows=run.rows,
        n_rejected=run.invalid,
        kind=adapter.kind,
    )


def _scan(source: str | Path, adapter: Adapter | None) -> CsvScan | None:
    wanted = None if adapter is None else sorted(_columns_read(adapter))
    return scan_csv_export(source, columns=wanted)


def _in_memory(
    source: str | Path,
    output: str | Path,
    rejected: str | Path | None,
    max_bytes: int,
    **kwargs: object,
) -> FileConversion:
    conversion = convert(source, **kwargs)  # type: ignore[arg-type]
    written = conversion.write_csv(output, max_bytes=max_bytes)
    rejected_path = None
    if rejected is not None:
        rejected_path = Path(rejected)
        with atomic_target(rejected_path) as tmp:
            conversion.rejected.write_csv(tmp)
    return FileConversion(
        outputs=written,
        rejected_path=rejected_path,
        batches=0,
        **conversion.provenance(),
        errors=conversion.errors,
        warnings=conversion.warnings,
        n_rows=conversion.n_rows,
        n_rejected=conversion.n_rejected,
    )


@dataclass(frozen=True, slots=True)
class _Done:
    """One batch mapped and validated: its valid rows' text (as a frame and as CSV lines)
    and its failures."""

    valid: pl.DataFrame
    csv: bytes
    errors: pl.DataFrame
    warnings: pl.DataFrame
    invalid: int
    plan: MapPlan


def _csv_bytes(frame: pl.DataFrame, *, header: bool = True) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=header, **_CSV_OPTIONS)
    return buffer.getvalue()


class _Batches:
    """One pass over the export in batches; keeps the failures and the valid rows' text."""

    def __init__(
        self,
        adapter: Adapter,
        scan: CsvScan,
        tz: str | None,
        region: str,
        static: bool | None,
        now: int,
        keep_outbound: bool,
    ) -> None:
        self.adapter, self.scan = adapter, scan
        self.tz, self.region, self.static = tz, region, static
        self.now, self.keep_outbound = now, keep_outbound
        self.source = scan.export.source
        self.rows = self.invalid = self.batches = 0
        self.errors = pl.DataFrame(schema=FAILURE_SCHEMA)
        self.warnings = pl.DataFrame(schema=FAILURE_SCHEMA)

    def _require_tz(self) -> None:
        """Naive times without ``tz``: refused before anything is written, with the whole
        file's counts (only the time columns are read for that)."""
        time = self.adapter.time
        if self.tz is not None or time is None or not time.naive_possible():
            return
        wanted = self.adapter.with_names(time.reads())
        present = [c for c in self.scan.export.frame.columns if c in wanted]
        self.adapter.require_tz(self.scan.lazy.select(present).collect(), None, self.source)

    def _batch(self, batch: pl.DataFrame, first: int, plan: MapPlan | None) -> _Done:
        """Map and validate one batch (rows numbered from ``first``); runs on a worker thread
        (polars releases the GIL), so it touches nothing shared."""
        mapped = self.adapter.map(
            batch,
            tz=self.tz,
            region=self.region,
            static=self.static,
            source=self.source,
            first_row=first,
            plan=plan,
        )
        report = _merged_report(
            mapped.frame,
            mapped.failures,
            self.now,
            self.source,
            self.keep_outbound,
            first_row=first,
            kind=self.adapter.kind,
        )
        kind = self.adapter.kind
        text = report._text.select(c.name for c in columns(kind) if c.name in report._text)
        valid = text.filter(~report._invalid) if report.n_rejected else text
        csv = _csv_bytes(valid, header=False)
        return _Done(valid, csv, report.errors, report.warnings, report.n_rejected, mapped.plan)

    def _done(self) -> Iterator[_Done]:
        """Every batch mapped and validated, in file order. The first batch chooses the
        :class:`~callframe.engine.adapter.MapPlan`; the next ones run :data:`WORKERS` at a time
        while the reader fetches more (at most ``WORKERS + 1`` batches in memory)."""
        self._require_tz()
        batches = (b for b in self.scan.lazy.collect_batches(chunk_size=BATCH_ROWS) if b.height)
        first = next(batches, None)
        if first is None:
            return
        done = self._batch(first, 1, None)
        self._count(first.height, done)
        yield done
        with ThreadPoolExecutor(WORKERS, thread_name_prefix="callframe-batch") as pool:
            pending: deque[tuple[int, Future[_Done]]] = deque()
            start = first.height + 1
            try:
                for batch in batches:
                    future = pool.submit(self._batch, batch, start, done.plan)
                    pending.append((batch.height, future))
                    start += batch.height
                    while len(pending) > WORKERS:
                        yield self._finish(*pending.popleft())
                while pending:
                    yield self._finish(*pending.popleft())
            finally:
                for _, future in pending:
                    future.cancel()

    def _finish(self, height: int, future: Future[_Done]) -> _Done:
        done = future.result()
        self._count(height, done)
        return done

    def _count(self, height: int, done: _Done) -> None:
        self.rows += height
        self.invalid += done.invalid
        self.batches += 1

    def write(self, target: Path, max_bytes: int) -> list[Path]:
        """Convert every batch and write the valid rows to ``target``; return the files.

        Each batch's CSV text is made on its worker thread and appended in file order to a
        temporary file beside ``target``, with every column the adapter fills. That file
        becomes ``target`` as it is when every column has a value somewhere and it fits in
        ``max_bytes`` (the usual case); otherwise it is read back once to leave out the empty
        optional columns or to split it (decisions.md rule 11), as :func:`callframe.write_csv`
        does.
        """
        # the columns the mapping fills (``static=`` may add StaticCall): the first batch's
        kind = self.adapter.kind
        names = [c.name for c in columns(kind) if c.name in self.adapter.nodes()]
        layout: Layout | None = None
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        whole = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                errors, warnings = [self.errors], [self.warnings]
                for done in self._done():
                    if layout is None:
                        names = done.valid.columns
                        layout = Layout(kind, names)
                        out.write(_csv_bytes(pl.DataFrame(schema=dict.fromkeys(names, pl.String))))
                    layout.add(done.valid.lazy())
                    out.write(done.csv)
                    errors.append(done.errors)
                    warnings.append(done.warnings)
            self._gather(errors, warnings)
            if layout is None:  # no rows at all: the header of the required columns
                kept = Layout(kind, names).kept()
                empty = pl.DataFrame(schema=dict.fromkeys(kept, pl.String))
                return write_text_frame(empty, target, max_bytes=max_bytes)
            kept = layout.kept()
            if kept == names and layout.upper_bound() <= max_bytes:
                os.replace(whole, target)
                return [target]
            valid = pl.scan_csv(whole, schema=dict.fromkeys(names, pl.String)).select(kept)
            if layout.upper_bound() > max_bytes or not layout.rows:
                return write_text_frame(valid.collect(), target, max_bytes=max_bytes)
            with atomic_target(target) as tmp:
                valid.sink_csv(tmp, **_CSV_OPTIONS)
            return [target]
        finally:
            whole.unlink(missing_ok=True)

    def _gather(self, errors: list[pl.DataFrame], warnings: list[pl.DataFrame]) -> None:
        self.errors = pl.concat(errors)
        self.warnings = pl.concat(warnings)
        whole = self.errors.filter(pl.col("row").is_null())
        if whole.height:  # a problem of the file, found in every batch: listed once
            rows = self.errors.filter(pl.col("row").is_not_null())
            self.errors = pl.concat([whole.unique(maintain_order=True), rows])

    def rejected_rows(self) -> pl.DataFrame:
        """The rejected rows of the export, every column, read again from the file."""
        export = self.scan.export
        if self.errors.filter(pl.col("row").is_null()).height:
            bad = pl.int_range(1, self.rows + 1, eager=True).alias("row")
        else:
            bad = self.errors.get_column("row").unique(maintain_order=True)
        reasons = with_reasons(pl.DataFrame({"row": bad.cast(pl.Int64)}), self.errors)
        original = _original_rows(export, bad) if bad.len() else export.frame
        return _rejected(original, reasons, rows=bad)

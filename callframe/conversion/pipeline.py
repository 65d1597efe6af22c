"""``convert`` and ``convert_file``: a tracker export in, the calls Metrica accepts out, and
every other row explained. One lazy query for both.

The path: :func:`~callframe.io.exports.scan_export` (the export's text as a ``LazyFrame``) →
the adapter's plan (:func:`~callframe.engine.plan.plan`: pure expressions, the PBX legs as a
small side query) → the contract's rule flags (:meth:`~callframe.checks.RowChecks.flag`, the
expressions ``validate`` uses), run once. :func:`convert_file` streams the flagged rows in
batches through one consumer (:meth:`_Query.streamed`): each batch's valid rows' text is
appended to a temporary file beside the output (:class:`~callframe.conversion.output.
SinkWriter`), its failing rows' errors and warnings built (compact) and the totals counted, so
the export is read once in memory bounded by the batches in flight, whatever its length;
:func:`convert` collects the same query (one :func:`polars.collect_all`). Both return a
:class:`~callframe.Conversion`.

Guarantees: input row order is kept; every input row is either valid or rejected
(``n_rows == n_valid + n_rejected``); rejected rows are the *original* export rows with the
rules they broke (read again when asked for); naive times without ``tz`` raise
:class:`~callframe.UsageError` naming ``--tz`` before anything is written; a polars error met
while streaming (bad UTF-8 late in a file, a ragged line) is the :class:`~callframe.ExportError`
:func:`callframe.read_export` raises; a static call without an ID is kept (decisions.md rule 2).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from callframe._checks import RowChecks, row_checks
from callframe.conversion._reads import bounded_reads
from callframe.conversion.checks import StreamedFailures, merged_failures
from callframe.conversion.options import (
    MappingSource,
    Request,
    columns_read,
    require_columns,
    resolve,
)
from callframe.conversion.output import CELLS, SinkWriter, read_valid, rewrite
from callframe.conversion.rejected import rejected_rows, write_rejected
from callframe.conversion.result import Conversion, Loaders
from callframe.engine.adapter import Adapter
from callframe.engine.plan import Planned, naive_times, plan
from callframe.io.exports import ScannedExport, TrackerExport, scan_export
from callframe.io.metrica_csv import (
    METRICA_MAX_BYTES,
    _require_folder,
    atomic_target,
    row_cells,
    write_valid_rows,
)
from callframe.report import ValidationReport
from callframe.trackers.registry import detect, envelopes

__all__ = ["Source", "convert", "convert_file"]

Source = str | Path | bytes | pl.DataFrame | pl.LazyFrame | TrackerExport

_REJECT = "__reject"  # the row is not sent: a contract error or a conversion error
_FAIL = "__fail"  # the row breaks some rule (error or warning): collected for the report
_COUNTED = "__counted"  # the row is a call of the tally (not another leg of one counted)
_TYPED = "__typed:"  # for convert(): a contract column in its dtype (flag() makes it text)
_CHUNK_ROWS: int | None = None  # rows per streamed batch (None: polars' own; tests set a few)


@dataclass(frozen=True, slots=True)
class _Query:
    """One export planned and flagged, not yet run: the export, the request with its adapter,
    the detection score, the plan, the contract's checks and the flagged rows (cached: every
    query derived from it reads the export once)."""

    scan: ScannedExport
    request: Request
    adapter: Adapter
    score: float | None
    planned: Planned
    checks: RowChecks
    flagged: pl.LazyFrame

    def failing_columns(self) -> list[str]:
        """What the report is built from, of the failing rows: the plan's flags and raw text,
        the contract's rules, the text as given and as written (not every flagged column)."""
        planned = self.planned
        private = [c for c in planned.frame.collect_schema().names() if c.startswith("__")]
        return list(dict.fromkeys([*private, *planned.columns, *self.checks.failing_columns]))

    def failing(self) -> pl.LazyFrame:
        """The rows that break some rule (few), only the :meth:`failing_columns`."""
        return self.flagged.filter(pl.col(_FAIL)).select(self.failing_columns())

    def streamed(
        self, write: Callable[[pl.DataFrame], None]
    ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """One streaming pass over the flagged rows, their only consumer, so that memory holds
        the batches in flight whatever the export's length: each batch's valid rows are given
        to ``write`` (then dropped), its failing rows' errors and warnings built
        (:class:`~callframe.conversion.checks.StreamedFailures`: the failures kept, compact,
        not the ~65 :meth:`failing_columns` of each failing row), the totals and the tally
        (:meth:`tally`) counted. Returns ``(errors, warnings, totals, tally)``.

        (One consumer, not a sink and aggregates over the cached frame in one ``collect_all``:
        no reliance on how polars buffers between consumers that go at different speeds.)"""
        wanted, text = self.failing_columns(), self.checks.text_columns
        counted = [self.planned.counted.alias(_COUNTED)] if self.planned.has_direction else []
        # each row's CSV bytes for the writer (SinkWriter), counted by the engine, in parallel:
        # the consumer is the one Python thread every batch waits for
        cells = row_cells(text).alias(CELLS)
        rows = self.flagged.select(
            *dict.fromkeys([*wanted, *text, _REJECT, _FAIL]), *counted, cells
        )
        checks = self.checks
        failures = StreamedFailures(
            lambda failing: self.failures(failing, header=False),
            (checks.header_errors, checks.header_warnings),
        )
        n_rows = n_rejected = 0
        calls: Counter[str] = Counter()
        try:
            for batch in rows.collect_batches(chunk_size=_CHUNK_ROWS, engine="streaming"):
                n_rows += batch.height
                n_rejected += int(batch.get_column(_REJECT).sum())
                # filtered in a select: only the columns used are gathered, not the batch's ~100
                write(batch.select(pl.col(*text, CELLS).filter(~pl.col(_REJECT))))
                failures.add(batch.select(pl.col(wanted).filter(pl.col(_FAIL))))
                if counted:
                    ways = batch.select(pl.col("__direction").filter(pl.col(_COUNTED)))
                    ways = ways.group_by("__direction").len()
                    calls.update({k: n for k, n in ways.iter_rows() if k is not None})
            errors, warnings = failures.result()
        finally:
            failures.close()  # its temporary files, when the pass failed
        totals = pl.DataFrame({"rows": [n_rows], "rejected": [n_rejected]})
        tally = pl.DataFrame(
            {"__direction": list(calls), "len": list(calls.values())},
            schema={"__direction": pl.String, "len": pl.UInt32},
        )
        return errors, warnings, totals, tally

    def failures(
        self, failing: pl.DataFrame, *, header: bool = True
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The errors and the warnings of ``failing`` (rows of :meth:`failing`, or some of
        them): the conversion's and the contract's, merged; ``header=False``: without the
        header's (the rows are a part of the export)."""
        conversion = self.planned.failures(failing)
        return merged_failures(conversion, *self.checks.failures(failing, header=header))

    def tally(self) -> pl.LazyFrame:
        """The calls by direction (:meth:`Planned.tally <callframe.engine.plan.Planned.tally>`)
        over the flagged rows, so that it shares their read of the export."""
        if not self.planned.has_direction:
            return self.planned.tally()
        counted = self.flagged.filter(self.planned.counted)
        return counted.group_by("__direction").len().drop_nulls("__direction")

    def result(
        self, errors: pl.DataFrame, warnings: pl.DataFrame, totals: pl.DataFrame,
        tally: pl.DataFrame, loaders: Loaders, **files: object,
    ) -> Conversion:  # fmt: skip
        scan, request = self.scan, self.request
        assert request.region is not None
        return Conversion(
            tracker=self.adapter.name,
            score=self.score,
            source=scan.source,
            format=scan.format,
            encoding=scan.encoding,
            delimiter=scan.delimiter,
            tz=request.tz,
            region=request.region,
            static=request.static,
            errors=errors,
            warnings=warnings,
            n_rows=int(totals["rows"].item()),
            n_rejected=int(totals["rejected"].item() or 0),
            loaders=loaders,
            directions=self.planned.directions(tally),
            kind=self.adapter.kind,
            **files,  # type: ignore[arg-type]
        )


def _scan(source: Source, adapter: Adapter | None) -> ScannedExport:
    paths = envelopes() if adapter is None else (*adapter.envelopes, *envelopes())
    if adapter is None or isinstance(source, pl.DataFrame | pl.LazyFrame | TrackerExport):
        return scan_export(source, envelopes=paths)
    return scan_export(source, envelopes=paths, columns=sorted(columns_read(adapter)))


def _head(scan: ScannedExport) -> TrackerExport:
    """The export's first rows, for detection and the adapter's own look (a layout)."""
    return TrackerExport(
        frame=scan.head(), format=scan.format, source=scan.source, encoding=scan.encoding,
        delimiter=scan.delimiter, header=scan.header, envelope=scan.envelope, sheet=scan.sheet,
        archive=scan.archive,
    )  # fmt: skip


def _query(scan: ScannedExport, request: Request, *, typed: bool) -> _Query:
    """The one path, planned: detect or check the adapter, refuse naive times without ``tz``
    (the time columns read), plan the mapping, flag the contract's rules. ``typed``: keep the
    contract columns in their dtypes as well (for :func:`convert`)."""
    score: float | None = None
    adapter = request.adapter
    head = _head(scan) if adapter is None or adapter.resolve is not None else None
    if adapter is None:
        assert head is not None
        found = detect(head)
        adapter, score = found.adapter, found.score
    else:
        require_columns(adapter, scan.columns, scan.source)
    if adapter.resolve is not None:
        assert head is not None
        adapter = adapter.resolve(head.frame, scan.source)  # e.g. the Asterisk layout
    request = request.with_adapter(adapter)
    assert request.region is not None
    naive_times(adapter, scan.lazy, request.tz, scan.source)
    planned = plan(
        adapter, scan.lazy, tz=request.tz, region=request.region, static=request.static,
        keep_outbound=request.keep_outbound,
    )  # fmt: skip
    schema = planned.frame.collect_schema()
    checks = row_checks(
        pl.Schema({c: schema[c] for c in planned.columns}), adapter.kind, now=request.now
    )
    lazy = planned.frame.with_columns(
        planned.error.alias("__conv_error"),
        planned.any.alias("__conv_any"),
        *(pl.col(c).alias(_TYPED + c) for c in (planned.columns if typed else ())),
    )
    flagged = checks.flag(lazy).with_columns(
        (pl.col("__invalid") | pl.col("__conv_error")).alias(_REJECT),
        (pl.col("__any") | pl.col("__conv_any")).alias(_FAIL),
    )
    return _Query(scan, request, adapter, score, planned, checks, flagged.cache())


def _run(
    source: Source, request: Request, run: Callable[[_Query], Conversion], *, typed: bool
) -> Conversion:
    """``run`` on the query of ``source``; a polars error met while reading is the export's
    :class:`~callframe.ExportError` (or, for a file whose later bytes are another code page,
    the export read again in it)."""
    scan = _scan(source, request.adapter)
    while True:
        query = _query(scan, request, typed=typed)
        try:
            with bounded_reads():
                return run(query)
        except pl.exceptions.PolarsError as exc:
            again = scan.rescan(exc)
            if again is None:
                raise scan.explain(exc) from None
            scan = again


def convert(
    source: Source,
    *,
    tracker: str | Adapter | None = None,
    mapping: MappingSource | None = None,
    tz: str | None = None,
    static: bool | None = None,
    region: str | None = None,
    now: int | float | datetime | None = None,
    keep_outbound: bool = False,
) -> Conversion:
    """Convert a tracker export into Metrica calls, in memory; see the module docstring.

    ``source``: a path, bytes, a :class:`TrackerExport` or a polars frame of the export (a
    ``LazyFrame`` is not collected first: it enters the query; struct columns are flattened to
    dotted names, every value read as text).
    ``tracker``: an adapter name or :class:`~callframe.trackers.Adapter` (default: detected).
    ``mapping``: a dict or TOML file for the ``generic`` adapter (see
    :mod:`callframe.trackers.generic`). ``tz``: the IANA zone of times written without an
    offset. ``static``: ``True`` marks every call static, ``False`` dynamic, ``None`` follows the
    adapter. ``region``: the country of national phone numbers (default ``RU``, or the
    mapping's ``phone_region``, or the adapter's own, e.g. ``UA`` for Binotel). ``now``: anchors
    the time rules.
    ``keep_outbound``: keep outbound calls instead of rejecting them (``*|outbound``).
    """
    request = resolve(
        tracker=tracker, mapping=mapping, tz=tz, static=static, region=region, now=now,
        keep_outbound=keep_outbound,
    )  # fmt: skip
    return _run(source, request, _collected, typed=True)


def _collected(query: _Query) -> Conversion:
    """:func:`convert`: the query collected, the report built from it."""
    columns, text = query.planned.columns, query.checks.text_columns
    # every row's values and text, the failing rows' flags: one read of the export
    rows = query.flagged.select(*(_TYPED + c for c in columns), *text, _REJECT)
    frame, failing, tally = pl.collect_all([rows, query.failing(), query.tally()])
    errors, warnings = query.failures(failing)
    invalid = frame.get_column(_REJECT)
    report = ValidationReport(
        kind=query.adapter.kind,
        source=query.scan.source,
        now=query.request.now,
        data=frame.select(pl.col(_TYPED + c).alias(c) for c in columns),
        text=frame.select(text),
        invalid_mask=invalid.alias("invalid"),
        errors=errors,
        warnings=warnings,
    )
    valid = report.data.filter(~invalid) if frame.height else report.data
    totals = pl.DataFrame({"rows": [frame.height], "rejected": [report.n_rejected]})

    def write(path: Path, max_bytes: int) -> list[Path]:
        return write_valid_rows(report, path, max_bytes=max_bytes)

    loaders = Loaders(
        valid=lambda: valid,
        rejected=rejected_rows(query.scan, errors, frame.height),
        report=lambda: report,
        write_csv=write,
    )
    return query.result(errors, warnings, totals, tally, loaders)


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
) -> Conversion:
    """Convert the export file ``source`` into the Metrica CSV ``output``, streaming; see the
    module docstring. Arguments as for :func:`callframe.convert`; ``rejected``: also write the
    rejected rows there (original columns, ``row``, ``rule``, ``title``); ``max_bytes``: split
    the output into ``name.part1.csv`` … over this size.

    The result holds counts, failures and provenance; :attr:`~callframe.Conversion.valid`
    is read back from the written files, :attr:`~callframe.Conversion.report` built again, on
    first use.

    Example::

        result = callframe.convert_file("calltouch.csv", "metrica.csv", tz="Europe/Moscow")
        summary = result.to_text()  # counts per rule, no values
    """
    request = resolve(
        tracker=tracker, mapping=mapping, tz=tz, static=static, region=region, now=now,
        keep_outbound=keep_outbound,
    )  # fmt: skip
    target = Path(output)
    _require_folder(target)

    def sunk(query: _Query) -> Conversion:
        names = query.checks.text_columns
        writer = SinkWriter(target, query.adapter.kind, names, max_bytes)
        try:
            errors, warnings, totals, tally = query.streamed(writer.write)
            written = writer.finish()
        except BaseException:
            writer.discard()
            raise
        n_rows = int(totals["rows"].item())
        rejected_path = None
        if rejected is not None:
            rejected_path = Path(rejected)
            with atomic_target(rejected_path) as tmp:
                write_rejected(query.scan, errors, n_rows, tmp)
        loaders = Loaders(
            valid=lambda: read_valid(written, query.adapter.kind),
            rejected=rejected_rows(query.scan, errors, n_rows),
            report=_again(source, query.request),
            write_csv=lambda path, size: rewrite(written, path, size),
        )
        return query.result(
            errors, warnings, totals, tally, loaders, outputs=written, rejected_path=rejected_path
        )

    return _run(source, request, sunk, typed=False)


def _again(source: Source, request: Request) -> Callable[[], ValidationReport]:
    """The report of a conversion that kept none: the export converted again, in memory."""
    return lambda: _run(source, request, _collected, typed=True).report

"""``convert`` and ``convert_file``: a tracker export in, the calls Metrica accepts out, and
every other row explained. One path for both.

Steps: resolve the request (:mod:`~callframe.conversion.options`), read the export
(:func:`callframe.read_export`; a CSV with only the adapter's columns when the tracker is
known), pick the adapter (named, from a mapping, or :func:`~callframe.detect`), map it
(:meth:`Adapter.map`), check the result against the contract and merge the conversion rules
into the same report (:mod:`~callframe.conversion.checks`). :func:`convert` keeps the valid
rows; :func:`convert_file` writes them (:func:`~callframe.io.metrica_csv.write_valid_rows`:
optional columns empty in every valid row left out, split over ``max_bytes``, atomic) and keeps
only the counts and failures. Both return a :class:`~callframe.Conversion`.

Guarantees: input row order is kept; every input row is either valid or rejected
(``n_rows == n_valid + n_rejected``); rejected rows are the *original* export rows with the
rules they broke; naive times without ``tz`` raise :class:`~callframe.UsageError` naming
``--tz`` before anything is written; a static call without an ID is kept (decisions.md rule 2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from callframe.contract.columns import columns as contract_columns
from callframe.conversion.checks import merged_report
from callframe.conversion.options import (
    MappingSource,
    Request,
    columns_read,
    require_columns,
    resolve,
)
from callframe.conversion.output import SinkWriter, read_valid, rewrite
from callframe.conversion.rejected import rejected_rows
from callframe.conversion.result import Conversion, Loaders
from callframe.engine.adapter import Adapter
from callframe.io.exports import TrackerExport, read_export
from callframe.io.metrica_csv import (
    METRICA_MAX_BYTES,
    _require_folder,
    atomic_target,
    write_valid_rows,
)
from callframe.report import ValidationReport
from callframe.trackers.registry import detect, envelopes

__all__ = ["Source", "convert", "convert_file"]

Source = str | Path | bytes | pl.DataFrame | pl.LazyFrame | TrackerExport


@dataclass(frozen=True, slots=True)
class _Checked:
    """One export mapped and checked: the request with its adapter, the detection score,
    the mapped rows (contract dtypes), the report and the calls by direction."""

    export: TrackerExport
    request: Request
    adapter: Adapter
    score: float | None
    mapped: pl.DataFrame
    report: ValidationReport
    directions: dict[str, int]

    def valid(self) -> pl.DataFrame:
        """The valid rows, contract dtypes (the mapped frame has them already)."""
        if not self.mapped.height:
            return self.mapped
        return self.mapped.filter(~self.report._invalid)

    def result(self, loaders: Loaders, **files: object) -> Conversion:
        export, request, report = self.export, self.request, self.report
        assert request.region is not None
        return Conversion(
            tracker=self.adapter.name,
            score=self.score,
            source=export.source,
            format=export.format,
            encoding=export.encoding,
            delimiter=export.delimiter,
            tz=request.tz,
            region=request.region,
            static=request.static,
            errors=report.errors,
            warnings=report.warnings,
            n_rows=report.n_rows,
            n_rejected=report.n_rejected,
            loaders=loaders,
            directions=self.directions,
            kind=self.adapter.kind,
            **files,  # type: ignore[arg-type]
        )


def _read(source: Source, adapter: Adapter | None) -> TrackerExport:
    if isinstance(source, TrackerExport):
        return source
    if isinstance(source, pl.LazyFrame):
        source = source.collect()
    if isinstance(source, pl.DataFrame):
        return TrackerExport.from_frame(source)
    paths = envelopes() if adapter is None else (*adapter.envelopes, *envelopes())
    if adapter is None:
        return read_export(source, envelopes=paths)
    # the adapter is known: a CSV is read with only the columns it uses (the rejected rows are
    # read again, whole, when asked for: see rejected.py)
    return read_export(source, envelopes=paths, columns=sorted(columns_read(adapter)))


def _check(source: Source, request: Request) -> _Checked:
    """The one path: read, detect or check the adapter, map, check against the contract."""
    export = _read(source, request.adapter)
    score: float | None = None
    adapter = request.adapter
    if adapter is None:
        found = detect(export)
        adapter, score = found.adapter, found.score
    else:
        require_columns(adapter, export.frame.columns, export.source)
    if adapter.resolve is not None:
        adapter = adapter.resolve(export.frame, export.source)  # e.g. the Asterisk layout
    request = request.with_adapter(adapter)
    assert request.region is not None
    mapped = adapter.map(
        export.frame,
        tz=request.tz,
        region=request.region,
        static=request.static,
        source=export.source,
    )
    report = merged_report(
        mapped.frame,
        mapped.failures,
        request.now,
        export.source,
        request.keep_outbound,
        kind=adapter.kind,
    )
    if report.n_rows != export.frame.height:  # pragma: no cover
        raise AssertionError("the conversion lost rows: please report this")
    return _Checked(export, request, adapter, score, mapped.frame, report, mapped.directions)


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

    ``source``: a path, bytes, a :class:`TrackerExport` or a polars frame (``DataFrame`` or
    ``LazyFrame``) of the export (struct columns are flattened to dotted names, every value
    read as text).
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
    checked = _check(source, request)
    report = checked.report
    valid = checked.valid()

    def write(path: Path, max_bytes: int) -> list[Path]:
        return write_valid_rows(report, path, max_bytes=max_bytes)

    loaders = Loaders(
        valid=lambda: valid,
        rejected=rejected_rows(checked.export, report.errors, report.n_rows),
        report=lambda: report,
        write_csv=write,
    )
    return checked.result(loaders)


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
    """Convert the export file ``source`` into the Metrica CSV ``output``; see the module
    docstring. Arguments as for :func:`callframe.convert`; ``rejected``: also write the
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
    _require_folder(Path(output))
    checked = _check(source, request)
    report = checked.report
    written = _write(checked, Path(output), max_bytes)
    build_rejected = rejected_rows(checked.export, report.errors, report.n_rows)
    rejected_path = None
    if rejected is not None:
        rejected_path = Path(rejected)
        with atomic_target(rejected_path) as tmp:
            build_rejected().write_csv(tmp)
    kind = checked.adapter.kind
    loaders = Loaders(
        valid=lambda: read_valid(written, kind),
        rejected=build_rejected,
        report=_again(source, checked.request),
        write_csv=lambda path, size: rewrite(written, path, size),
    )
    return checked.result(loaders, outputs=written, rejected_path=rejected_path)


def _write(checked: _Checked, target: Path, max_bytes: int) -> list[Path]:
    """The valid rows' text written to ``target`` (:class:`SinkWriter`)."""
    report, kind = checked.report, checked.adapter.kind
    names = [c.name for c in contract_columns(kind) if c.name in report._text.columns]
    writer = SinkWriter(target, kind, names, max_bytes)
    valid = report._text.lazy().filter(~report._invalid) if report.n_rows else report._text.lazy()
    try:
        *_, counts = pl.collect_all(writer.queries(valid))
    except BaseException:
        writer.discard()
        raise
    return writer.finish(counts)


def _again(source: Source, request: Request) -> Callable[[], ValidationReport]:
    """The report of a conversion that kept none: the export converted again, in memory."""
    return lambda: _check(source, request).report

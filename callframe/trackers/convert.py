"""``convert``: a tracker export in, the calls Metrica accepts out, and every other row explained.

Steps: read the export (:func:`callframe.read_export`), pick the adapter (named, from a mapping,
or :func:`~callframe.detect`), map it (:meth:`Adapter.map`), validate the result against the
contract (:func:`callframe.validation.check_frame`), and merge the conversion rules
(``*|outbound``, ``<Column>|unreadable``) into the same report.

Guarantees: input row order is kept; every input row is either in ``valid`` or in ``rejected``
(``n_rows == n_valid + n_rejected``); rejected rows are the *original* export rows with the
rules they broke; naive times without ``tz`` raise :class:`~callframe.UsageError` naming
``--tz``; a static call without an ID is kept (decisions.md rule 2).
"""

from __future__ import annotations

import dataclasses
import tomllib
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from callframe.contract.columns import Kind
from callframe.engine.adapter import Adapter
from callframe.engine.rules import OUTBOUND, unreadable_id
from callframe.errors import ExportError, UsageError
from callframe.io.exports import TrackerExport, read_export
from callframe.io.metrica_csv import METRICA_MAX_BYTES, write_valid_rows
from callframe.report import FAILURE_SCHEMA, ValidationReport
from callframe.trackers.registry import detect, envelopes, get_adapter
from callframe.trackers.summary import ConversionSummary
from callframe.validation import check_frame, resolve_now

__all__ = ["Conversion", "convert"]

Source = str | Path | bytes | pl.DataFrame | pl.LazyFrame | TrackerExport
MappingSource = Mapping[str, Any] | str | Path


@dataclass(frozen=True, slots=True, repr=False)
class Conversion(ConversionSummary):
    """The result of :func:`convert`.

    :attr:`valid`: the valid rows as a contract frame (contract columns in order, contract
    dtypes; input order kept), ready for :func:`callframe.write_csv`. :attr:`rejected`: the
    original export rows that cannot go to Metrica. ``report``: the full
    :class:`~callframe.ValidationReport`, conversion rules included. ``load_rejected`` builds
    the rejected rows (called once, on first use of :attr:`rejected`). The rest is provenance.
    """

    valid: pl.DataFrame
    report: ValidationReport
    load_rejected: Callable[[], pl.DataFrame] = field(repr=False, compare=False)
    _cache: dict[str, pl.DataFrame] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def rejected(self) -> pl.DataFrame:
        """The original export rows that cannot go to Metrica, every column, with ``row``
        (1-based), ``rule`` and ``title`` (``"; "`` between several).

        Built on first use and kept: for a CSV read with only the adapter's columns, the
        rejected rows are read again from the file, whole (a conversion that never asks for
        them never pays for that).
        """
        if "rejected" not in self._cache:
            self._cache["rejected"] = self.load_rejected()
        return self._cache["rejected"]

    @property
    def n_rows(self) -> int:
        """Rows of the export (``n_rows == n_valid + n_rejected``)."""
        return self.report.n_rows

    @property
    def n_valid(self) -> int:
        """Rows converted into Metrica rows (:attr:`valid`)."""
        return self.valid.height

    @property
    def n_rejected(self) -> int:
        """Rows that cannot go to Metrica (:attr:`rejected`)."""
        return self.report.n_rejected

    def write_csv(self, path: str | Path, *, max_bytes: int = METRICA_MAX_BYTES) -> list[Path]:
        """Write :attr:`valid` as :func:`callframe.write_csv` would (same columns, bytes and
        splitting); return the files.

        Written from the report's text view of the rows it found valid, so what was checked is
        what is written, without validating a second time.
        """
        return write_valid_rows(self.report, path, max_bytes=max_bytes)

    @property
    def errors(self) -> pl.DataFrame:
        """The report's errors (conversion rules included)."""
        return self.report.errors

    @property
    def warnings(self) -> pl.DataFrame:
        """The report's warnings."""
        return self.report.warnings


# --- entry point -------------------------------------------------------------------------------


def _check_tz(tz: str | None) -> str | None:
    if tz is None:
        return None
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone {tz!r}: give an IANA name such as Europe/Moscow (--tz)"
        ) from None
    return tz


def _load_mapping(mapping: MappingSource) -> Mapping[str, Any]:
    if isinstance(mapping, Mapping):
        return mapping
    path = Path(mapping)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"mapping file {path} does not exist (--map)") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None


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
    # read again, whole, at the end; see _rejected)
    return read_export(source, envelopes=paths, columns=sorted(_columns_read(adapter)))


def _columns_read(adapter: Adapter) -> set[str]:
    nodes = [*adapter.nodes().values(), *(n for _, n in adapter.checks)]
    if adapter.outbound is not None:
        nodes.append(adapter.outbound)
    if adapter.direction is not None:
        nodes.append(adapter.direction)
    names = {c for n in nodes for c in n.reads()}
    names.update(c for req in adapter.requires for c in ((req,) if isinstance(req, str) else req))
    return adapter.with_names(names)


def _original_rows(export: TrackerExport, rows: pl.Series) -> pl.DataFrame:
    """The export's rows numbered ``rows`` (1-based), every column, read again from the file
    (only when :func:`_read` read part of its columns)."""
    path = export.source
    assert path is not None
    if export.encoding == "utf-8" and export.delimiter is not None:
        lazy = pl.scan_csv(
            path,
            separator=export.delimiter,
            has_header=True,
            infer_schema=False,
            raise_if_empty=False,
            quote_char='"',
        )
    else:
        full = read_export(path, format="csv", encoding=export.encoding, delimiter=export.delimiter)
        lazy = full.frame.lazy()
    names = lazy.collect_schema().names()
    lazy = lazy.rename({c: c.strip() for c in names if c != c.strip()})
    wanted = rows.unique().implode()
    return (
        lazy.with_row_index("__row", offset=1)
        .filter(pl.col("__row").cast(pl.Int64).is_in(wanted))
        .drop("__row")
        .collect()
    )


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
    """Convert a tracker export into Metrica calls; see the module docstring.

    ``source``: a path, bytes, a :class:`TrackerExport` or a polars frame of the export (struct
    columns are flattened to dotted names, every value read as text).
    ``tracker``: an adapter name or :class:`~callframe.trackers.Adapter` (default: detected).
    ``mapping``: a dict or TOML file for the ``generic`` adapter (see
    :mod:`callframe.trackers.generic`). ``tz``: the IANA zone of times written without an
    offset. ``static``: ``True`` marks every call static, ``False`` dynamic, ``None`` follows the
    adapter. ``region``: the country of national phone numbers (default ``RU``, or the
    mapping's ``phone_region``, or the adapter's own, e.g. ``UA`` for Binotel). ``now``: anchors
    the time rules.
    ``keep_outbound``: keep outbound calls instead of rejecting them (``*|outbound``).
    """
    tz = _check_tz(tz)
    when = resolve_now(now)
    adapter, tz, region, static = _resolve(tracker, mapping, tz, region, static)
    export = _read(source, adapter)
    score: float | None = None
    if adapter is None:
        found = detect(export)
        adapter, score = found.adapter, found.score
    else:
        _require_columns(adapter, export)

    if adapter.resolve is not None:
        adapter = adapter.resolve(export.frame, export.source)  # e.g. the Asterisk layout
    region = (region or adapter.region or "RU").upper()
    mapped = adapter.map(export.frame, tz=tz, region=region, static=static, source=export.source)
    report = _merged_report(
        mapped.frame, mapped.failures, when, export.source, keep_outbound, kind=adapter.kind
    )
    # the mapped frame has the contract's dtypes already: what report.valid would cast back
    valid = mapped.frame.filter(~report._invalid) if mapped.frame.height else mapped.frame
    if valid.height + report.n_rejected != export.frame.height:  # pragma: no cover
        raise AssertionError("convert lost rows: please report this")
    return Conversion(
        valid=valid,
        report=report,
        tracker=adapter.name,
        score=score,
        source=export.source,
        format=export.format,
        encoding=export.encoding,
        delimiter=export.delimiter,
        tz=tz,
        region=region,
        static=static,
        directions=mapped.directions,
        kind=adapter.kind,
        load_rejected=_rejected_rows(export, report),
    )


def _require_columns(adapter: Adapter, export: TrackerExport) -> None:
    missing = adapter.missing(export.frame.columns)
    if missing and export.frame.width:  # an empty answer ({"data": []}) has no columns
        raise ExportError(
            f"is not a {adapter.title} export: it lacks {', '.join(missing)}; "
            "check --tracker, or map the columns with --map",
            path=export.source,
        )


def _resolve(
    tracker: str | Adapter | None,
    mapping: MappingSource | None,
    tz: str | None,
    region: str | None,
    static: bool | None,
) -> tuple[Adapter | None, str | None, str | None, bool | None]:
    """The adapter named or mapped (``None``: detect it), and the settings a mapping adds."""
    adapter: Adapter | None
    if mapping is not None:
        from callframe.trackers.generic import adapter_from_mapping

        if tracker not in (None, "generic"):
            raise UsageError("give either tracker= or mapping= (--tracker or --map), not both")
        generic = adapter_from_mapping(_load_mapping(mapping))
        adapter = generic.adapter
        tz = tz or _check_tz(generic.tz)
        region = region or generic.region
        static = generic.static if static is None else static
    elif isinstance(tracker, Adapter):
        adapter = tracker
    elif tracker is not None:
        adapter = get_adapter(tracker)
        if adapter.needs_mapping:
            raise UsageError(
                "the generic adapter needs a mapping: mapping={...} or --map mapping.toml"
            )
    else:
        adapter = None
    return adapter, tz, region, static


def _rejected_rows(export: TrackerExport, report: ValidationReport) -> Callable[[], pl.DataFrame]:
    """How to build :attr:`Conversion.rejected` later; keeps what that needs, nothing more
    (for a projected CSV: the path, not the frame)."""
    csv_file = (
        export.format == "csv"
        and export.header
        and export.source is not None
        and export.archive is None
    )
    if csv_file and export.frame.width < _header_width(export):
        reread = dataclasses.replace(export, frame=export.frame.head(0))  # the rows: from the file

        def from_file() -> pl.DataFrame:
            reasons = report.rejected.select("row", "rule", "title")
            bad = reasons.get_column("row")
            original = _original_rows(reread, bad) if bad.len() else reread.frame
            return _rejected(original, reasons, rows=bad.unique(maintain_order=True))

        return from_file
    frame = export.frame

    def from_frame() -> pl.DataFrame:
        return _rejected(frame, report.rejected.select("row", "rule", "title"))

    return from_frame


def _merged_report(
    mapped: pl.DataFrame,
    failures: pl.DataFrame,
    now: int,
    source: str | None,
    keep_outbound: bool,
    *,
    first_row: int = 1,
    kind: Kind = "calls",
) -> ValidationReport:
    """The contract's report on ``mapped`` (rows numbered from ``first_row``) with the
    conversion failures merged in."""
    contract = check_frame(mapped, kind, now=now, source=source, first_row=first_row)
    if keep_outbound:
        failures = failures.filter(pl.col("rule") != OUTBOUND)
    conv_errors = failures.filter(pl.col("severity") == "error").drop("severity")
    conv_warnings = failures.filter(pl.col("severity") == "warning").drop("severity")
    unreadable_time = conv_errors.filter(pl.col("rule") == unreadable_id("DateTime"))
    # one bad cell, one rule: an unreadable time is not also "DateTime is empty"
    contract_errors = contract.errors.join(
        unreadable_time.select("row").with_columns(pl.lit(True).alias("__dup")),
        on="row",
        how="left",
    ).filter(~(pl.col("__dup").fill_null(False) & (pl.col("rule") == "DateTime|required")))
    errors = pl.concat([conv_errors, contract_errors.drop("__dup")]).sort(
        "row", nulls_last=False, maintain_order=True
    )
    warnings = pl.concat([conv_warnings, contract.warnings]).sort("row", maintain_order=True)
    bad_rows = errors.get_column("row")
    whole_file = bad_rows.null_count() > 0
    invalid = (
        pl.repeat(True, mapped.height, dtype=pl.Boolean, eager=True)
        if whole_file
        else pl.int_range(first_row, first_row + mapped.height, eager=True).is_in(
            bad_rows.unique().implode()
        )
    )
    return ValidationReport(
        kind=kind,
        source=source,
        now=now,
        data=mapped,
        text=contract._text,  # the contract's text view of ``mapped``: what was checked
        invalid_mask=invalid.alias("invalid"),
        errors=errors.cast(FAILURE_SCHEMA),  # type: ignore[arg-type]
        warnings=warnings.cast(FAILURE_SCHEMA),  # type: ignore[arg-type]
    )


def _header_width(export: TrackerExport) -> int:
    """How many columns the CSV export's header has (read from its first line)."""
    assert export.source is not None and export.delimiter is not None
    head = pl.scan_csv(
        export.source,
        separator=export.delimiter,
        has_header=True,
        infer_schema=False,
        raise_if_empty=False,
        quote_char='"',
        encoding="utf8-lossy",
        n_rows=0,
    )
    return len(head.collect_schema())


def _rejected(
    export: pl.DataFrame, reasons: pl.DataFrame, *, rows: pl.Series | None = None
) -> pl.DataFrame:
    """Original rows the report rejects (``reasons``: ``row``, ``rule``, ``title`` from
    :meth:`ValidationReport.invalid`), with ``row``, ``rule`` and ``title``.

    ``rows``: the (sorted) row numbers of ``export`` when it holds only those rows."""
    taken = {"row", "rule", "title"}
    clash = {c: f"{c}_export" for c in export.columns if c in taken}
    if rows is None:
        original = export.rename(clash).with_row_index("row", offset=1)
    else:
        original = export.rename(clash).with_columns(rows.alias("row"))
    original = original.with_columns(pl.col("row").cast(pl.Int64))
    return original.join(reasons, on="row", how="inner", maintain_order="right").select(
        "row", *[c for c in original.columns if c != "row"], "rule", "title"
    )

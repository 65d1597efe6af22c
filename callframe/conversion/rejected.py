"""The rejected rows: the original export rows a conversion cannot send, with their reasons.

Every column of the export, as read (a CSV read with only the adapter's columns is read again,
whole, for the rejected rows only), with ``row`` (1-based), ``rule`` and ``title`` (``"; "``
between several; a problem of the whole file first, on every row).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import polars as pl

from callframe.io.exports import TrackerExport, read_export
from callframe.report import with_reasons

__all__ = ["rejected_rows"]


def rejected_rows(
    export: TrackerExport, errors: pl.DataFrame, n_rows: int
) -> Callable[[], pl.DataFrame]:
    """How to build the rejected rows of ``export`` later, given the conversion's ``errors``;
    keeps what that needs, nothing more (for a projected CSV: the path, not the frame)."""
    csv_file = (
        export.format == "csv"
        and export.header
        and export.source is not None
        and export.archive is None
    )
    projected = bool(csv_file) and export.frame.width < _header_width(export)
    kept = dataclasses.replace(export, frame=export.frame.head(0)) if projected else export

    def build() -> pl.DataFrame:
        if errors.filter(pl.col("row").is_null()).height:  # the whole file: every row
            bad = pl.int_range(1, n_rows + 1, dtype=pl.Int64, eager=True).alias("row")
        else:
            bad = errors.get_column("row").unique(maintain_order=True).sort()
        reasons = with_reasons(pl.DataFrame({"row": bad.cast(pl.Int64)}), errors)
        if not projected:
            return _with_reasons(kept.frame, reasons)
        original = _original_rows(kept, bad) if bad.len() else kept.frame
        return _with_reasons(original, reasons, rows=bad)

    return build


def _original_rows(export: TrackerExport, rows: pl.Series) -> pl.DataFrame:
    """The export's rows numbered ``rows`` (1-based), every column, read again from the file."""
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


def _with_reasons(
    export: pl.DataFrame, reasons: pl.DataFrame, *, rows: pl.Series | None = None
) -> pl.DataFrame:
    """The original rows ``reasons`` names (``row``, ``rule``, ``title``), with those three.

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

"""The rejected rows: the original export rows a conversion cannot send, with their reasons.

Every column of the export, as read (:meth:`ScannedExport.original_rows
<callframe.io.exports.ScannedExport.original_rows>`: read again, whole, for those rows only),
with ``row`` (1-based), ``rule`` and ``title`` (``"; "`` between several; a problem of the
whole file first, on every row). :func:`write_rejected` writes them to a file batch by batch.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from callframe.io.exports import ScannedExport
from callframe.report import with_reasons

__all__ = ["rejected_rows", "write_rejected"]

_TAKEN = frozenset({"row", "rule", "title"})  # the columns added: an export's own are renamed
_CHUNK_ROWS: int | None = (
    None  # rows per batch of write_rejected (None: polars' own; tests set a few)
)


def _bad(errors: pl.DataFrame, n_rows: int) -> pl.Series:
    """The rows rejected: each with an error, every row when one is about the whole file."""
    if errors.filter(pl.col("row").is_null()).height:
        return pl.int_range(1, n_rows + 1, dtype=pl.Int64, eager=True).alias("row")
    return errors.get_column("row").unique().sort().cast(pl.Int64)


def rejected_rows(
    scan: ScannedExport, errors: pl.DataFrame, n_rows: int
) -> Callable[[], pl.DataFrame]:
    """How to build the rejected rows of ``scan`` later, given the conversion's ``errors``
    (each row with an error is rejected; every row when one is about the whole file)."""

    def build() -> pl.DataFrame:
        bad = _bad(errors, n_rows)
        reasons = with_reasons(pl.DataFrame({"row": bad}), errors)
        # no rejected row: the header of the columns read (what the files have always had)
        original = scan.original_rows(bad) if bad.len() else scan.lazy.head(0).collect()
        clash = {c: f"{c}_export" for c in original.columns if c in _TAKEN}
        numbered = original.rename(clash).with_columns(bad.alias("row"))
        return numbered.join(reasons, on="row", how="inner", maintain_order="right").select(
            "row", *[c for c in numbered.columns if c != "row"], "rule", "title"
        )

    return build


def write_rejected(scan: ScannedExport, errors: pl.DataFrame, n_rows: int, path: Path) -> None:
    """Write the rows :func:`rejected_rows` builds to the CSV ``path`` (the same bytes as its
    frame's ``write_csv``), batch by batch as the export is read again: each batch's reasons
    from its rows' errors, so neither the rejected rows (~800k wide rows of a 10M-row export)
    nor all their reasons are held at once."""
    bad = _bad(errors, n_rows)
    if not bad.len():
        rejected_rows(scan, errors, n_rows)().write_csv(path)
        return
    whole = errors.filter(pl.col("row").is_null())
    per_row = errors.filter(pl.col("row").is_not_null())
    if not per_row.get_column("row").is_sorted():
        per_row = per_row.sort("row", maintain_order=True)
    numbers = per_row.get_column("row")
    query = scan.numbered_rows(bad)
    names = [c for c in query.collect_schema().names() if c != "__row"]
    clash = {c: f"{c}_export" for c in names if c in _TAKEN}
    columns = ["row", *[clash.get(c, c) for c in names], "rule", "title"]
    with path.open("wb") as out:
        try:
            for batch in query.collect_batches(chunk_size=_CHUNK_ROWS, engine="streaming"):
                if not batch.height:
                    continue
                rows = batch.get_column("__row").alias("row")
                lo = int(numbers.search_sorted(rows[0], side="left"))
                hi = int(numbers.search_sorted(rows[-1], side="right"))
                reasons = with_reasons(
                    rows.to_frame(), pl.concat([whole, per_row.slice(lo, hi - lo)])
                )
                numbered = batch.drop("__row").rename(clash).with_columns(rows)
                numbered.join(reasons, on="row", how="inner", maintain_order="right").select(
                    columns
                ).write_csv(out, include_header=not out.tell())
        except pl.exceptions.PolarsError as exc:
            raise scan.explain(exc) from None

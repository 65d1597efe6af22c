"""The rejected rows: the original export rows a conversion cannot send, with their reasons.

Every column of the export, as read (:meth:`ScannedExport.original_rows
<callframe.io.exports.ScannedExport.original_rows>`: read again, whole, for those rows only),
with ``row`` (1-based), ``rule`` and ``title`` (``"; "`` between several; a problem of the
whole file first, on every row).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from callframe.io.exports import ScannedExport
from callframe.report import with_reasons

__all__ = ["rejected_rows"]


def rejected_rows(
    scan: ScannedExport, errors: pl.DataFrame, n_rows: int
) -> Callable[[], pl.DataFrame]:
    """How to build the rejected rows of ``scan`` later, given the conversion's ``errors``
    (each row with an error is rejected; every row when one is about the whole file)."""

    def build() -> pl.DataFrame:
        if errors.filter(pl.col("row").is_null()).height:
            bad = pl.int_range(1, n_rows + 1, dtype=pl.Int64, eager=True).alias("row")
        else:
            bad = errors.get_column("row").unique().sort().cast(pl.Int64)
        reasons = with_reasons(pl.DataFrame({"row": bad}), errors)
        # no rejected row: the header of the columns read (what the files have always had)
        original = scan.original_rows(bad) if bad.len() else scan.lazy.head(0).collect()
        taken = {"row", "rule", "title"}
        clash = {c: f"{c}_export" for c in original.columns if c in taken}
        numbered = original.rename(clash).with_columns(bad.alias("row"))
        return numbered.join(reasons, on="row", how="inner", maintain_order="right").select(
            "row", *[c for c in numbered.columns if c != "row"], "rule", "title"
        )

    return build

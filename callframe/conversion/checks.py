"""The conversion's failures and the contract's, in one list of errors and one of warnings.

The adapter reports what it could not convert (``*|outbound``, ``<Column>|unreadable``, extra
legs …; :meth:`Planned.failures <callframe.engine.plan.Planned.failures>`); the contract checks
the mapped rows (:meth:`RowChecks.failures <callframe._checks.RowChecks.failures>`). The report
holds both, in row order, the file's own problems first; a row is rejected when either has an
error on it.
"""

from __future__ import annotations

import polars as pl

from callframe.engine.rules import unreadable_id
from callframe.report import FAILURE_SCHEMA

__all__ = ["merged_failures"]


def merged_failures(
    conversion: pl.DataFrame, errors: pl.DataFrame, warnings: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The errors and the warnings of a conversion (``FAILURE_SCHEMA``): ``conversion``'s
    (with ``severity``) merged into the contract's ``errors`` and ``warnings``, by row (the
    file's own problems first), the conversion's first within a row."""
    conv_errors = conversion.filter(pl.col("severity") == "error").drop("severity")
    conv_warnings = conversion.filter(pl.col("severity") == "warning").drop("severity")
    unreadable_time = conv_errors.filter(pl.col("rule") == unreadable_id("DateTime"))
    # one bad cell, one rule: an unreadable time is not also "DateTime is empty"
    contract_errors = errors.join(
        unreadable_time.select("row").with_columns(pl.lit(True).alias("__dup")),
        on="row",
        how="left",
    ).filter(~(pl.col("__dup").fill_null(False) & (pl.col("rule") == "DateTime|required")))
    merged_errors = pl.concat([conv_errors, contract_errors.drop("__dup")]).sort(
        "row", nulls_last=False, maintain_order=True
    )
    merged_warnings = pl.concat([conv_warnings, warnings]).sort("row", maintain_order=True)
    return (
        merged_errors.cast(FAILURE_SCHEMA),  # type: ignore[arg-type]
        merged_warnings.cast(FAILURE_SCHEMA),  # type: ignore[arg-type]
    )

"""The conversion's failures and the contract's, in one :class:`~callframe.ValidationReport`.

The adapter reports what it could not convert (``*|outbound``, ``<Column>|unreadable``, extra
legs …); the contract checks the mapped rows. One report holds both, in row order, the file's
own problems first; a row is rejected when either has an error on it.
"""

from __future__ import annotations

import polars as pl

from callframe.contract.columns import Kind
from callframe.engine.rules import OUTBOUND, unreadable_id
from callframe.report import FAILURE_SCHEMA, ValidationReport
from callframe.validation import check_frame

__all__ = ["merged_failures", "merged_report"]


def merged_report(
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
    errors, warnings = merged_failures(failures, contract.errors, contract.warnings)
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
        errors=errors,
        warnings=warnings,
    )


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

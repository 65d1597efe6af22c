"""The conversion's failures and the contract's, in one list of errors and one of warnings.

The adapter reports what it could not convert (``*|outbound``, ``<Column>|unreadable``, extra
legs …; :meth:`Planned.failures <callframe.engine.plan.Planned.failures>`); the contract checks
the mapped rows (:meth:`RowChecks.failures <callframe._checks.RowChecks.failures>`). The report
holds both, in row order, the file's own problems first; a row is rejected when either has an
error on it.

Both read each failing row alone, so a streamed conversion builds them part by part as its
batches come (:class:`StreamedFailures`) and keeps only the failures, compact, not the wide
failing rows they are built from.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from callframe.engine.rules import unreadable_id
from callframe.report import FAILURE_SCHEMA

__all__ = ["StreamedFailures", "merged_failures"]

Failures = tuple[pl.DataFrame, pl.DataFrame]

PART_ROWS = 32_768
"""Failing rows built at once by :class:`StreamedFailures`: each build is a few dozen small
queries (one per rule), so batches are grouped (a build per batch of ~700 failing rows cost
more than the rest of the batch's work), while the wide rows waiting stay a few MB."""

_REPEATED = ("column", "rule", "title", "hint")  # a few distinct texts over many failures


def merged_failures(
    conversion: pl.DataFrame, errors: pl.DataFrame, warnings: pl.DataFrame
) -> Failures:
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


def owned(rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` with their text copied: a filtered or sliced text column still points into the
    string buffers of the whole frame it came from (a batch of the export), which would stay in
    memory as long as the few rows kept from it."""
    strings = [c for c, dtype in rows.schema.items() if dtype == pl.String]
    return rows.with_columns(pl.concat_str(c, pl.lit("")).alias(c) for c in strings)


class StreamedFailures:
    """The errors and warnings of a conversion whose failing rows come in batches, in row order.

    ``build``: the row failures of some failing rows (``(errors, warnings)``, without the
    header's), e.g. :func:`merged_failures` of both kinds; ``header``: the header's (``row``
    empty), first; ``part_rows``: failing rows built at once (default :data:`PART_ROWS`).
    :meth:`add` each batch's failing rows, then :meth:`result`: the frames ``build`` gives for
    all the rows at once, with the header's first. What is kept between is the failures,
    compact (the repeated texts as categories, the values copied out of the batch), not the
    failing rows: memory grows by ~40 bytes per failure, not by the ~65 columns of each
    failing row.
    """

    def __init__(
        self, build: Callable[[pl.DataFrame], Failures], header: Failures, *,
        part_rows: int | None = None,
    ) -> None:  # fmt: skip
        self._build, self._header = build, header
        self._part_rows = PART_ROWS if part_rows is None else part_rows
        self._waiting: list[pl.DataFrame] = []
        self._n_waiting = 0
        # the repeated texts' own categories: their codes index Categories.to_series()
        self._texts = pl.Categories.random("callframe")
        self._built: tuple[list[pl.DataFrame], list[pl.DataFrame]] = ([], [])

    def add(self, failing: pl.DataFrame) -> None:
        """Take a batch's failing rows (the columns ``build`` reads)."""
        if not failing.height:
            return
        self._waiting.append(owned(failing))
        self._n_waiting += failing.height
        if self._n_waiting >= self._part_rows:
            self._flush()

    def result(self) -> Failures:
        """The errors and the warnings (``FAILURE_SCHEMA``) of every row added."""
        self._flush()
        errors, warnings = (
            self._whole(header, built)
            for header, built in zip(self._header, self._built, strict=True)
        )
        return errors, warnings

    def _flush(self) -> None:
        if not self._waiting:
            return
        rows = pl.concat(self._waiting)
        self._waiting, self._n_waiting = [], 0
        repeated = pl.Categorical(self._texts)
        for built, frame in zip(self._built, self._build(rows), strict=True):
            if frame.height:
                built.append(
                    frame.with_columns(
                        pl.concat_str("value", pl.lit("")).alias("value"),  # see owned()
                        *(pl.col(c).cast(repeated) for c in _REPEATED),
                    )
                )

    def _whole(self, header: pl.DataFrame, built: list[pl.DataFrame]) -> pl.DataFrame:
        if not built:
            return header.cast(FAILURE_SCHEMA)  # type: ignore[arg-type]
        rows = pl.concat(built).sort("row", nulls_last=False, maintain_order=True)
        # the text of each code: every failure points at one copy of its text, not its own
        texts = self._texts.to_series()
        decoded = rows.with_columns(
            texts.gather(rows.get_column(c).to_physical()).alias(c) for c in _REPEATED
        ).select(list(FAILURE_SCHEMA))
        return pl.concat([header.cast(FAILURE_SCHEMA), decoded])  # type: ignore[arg-type]

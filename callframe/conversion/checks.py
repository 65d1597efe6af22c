"""The conversion's failures and the contract's, in one list of errors and one of warnings.

The adapter reports what it could not convert (``*|outbound``, ``<Column>|unreadable``, extra
legs …; :meth:`Planned.failures <callframe.engine.plan.Planned.failures>`); the contract checks
the mapped rows (:meth:`RowChecks.failures <callframe._checks.RowChecks.failures>`). The report
holds both, in row order, the file's own problems first; a row is rejected when either has an
error on it.

Both read each failing row alone, so a streamed conversion builds them part by part as its
batches come (:class:`StreamedFailures`), not from every wide failing row kept to the end.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

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
    all the rows at once, with the header's first. Each part built is written to a temporary
    file, compact (the repeated texts as codes), and read back by :meth:`result`: memory holds
    the failing rows of one part, whatever the export's length (in memory, the failures of
    10M Calltouch rows took 30 MB more than those of 2M).
    """

    def __init__(
        self, build: Callable[[pl.DataFrame], Failures], header: Failures, *,
        part_rows: int | None = None,
    ) -> None:  # fmt: skip
        self._build, self._header = build, header
        self._part_rows = PART_ROWS if part_rows is None else part_rows
        self._waiting: list[pl.DataFrame] = []
        self._n_waiting = 0
        self._texts: dict[str, int] = {}  # the repeated texts, each with its code
        self._folder = tempfile.TemporaryDirectory(prefix="callframe-failures-")
        self._parts: tuple[list[Path], list[Path]] = ([], [])

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
        try:
            self._flush()
            errors, warnings = (
                self._whole(header, parts)
                for header, parts in zip(self._header, self._parts, strict=True)
            )
        finally:
            self.close()
        return errors, warnings

    def close(self) -> None:
        """Remove the temporary files (:meth:`result` does; else when garbage-collected)."""
        self._folder.cleanup()

    def _flush(self) -> None:
        if not self._waiting:
            return
        rows = pl.concat(self._waiting)
        self._waiting, self._n_waiting = [], 0
        for kind, (parts, frame) in enumerate(zip(self._parts, self._build(rows), strict=True)):
            if frame.height:
                path = Path(self._folder.name) / f"{kind}.{len(parts)}.arrow"
                codes = [self._codes(frame.get_column(c)) for c in _REPEATED]
                frame.select("row", "value").with_columns(codes).write_ipc(path)
                parts.append(path)

    def _codes(self, texts: pl.Series) -> pl.Series:
        """``texts`` (a few distinct ones) as their codes, new texts given the next ones."""
        for text in texts.drop_nulls().unique(maintain_order=True).to_list():
            self._texts.setdefault(text, len(self._texts))
        return texts.replace_strict(self._texts, return_dtype=pl.UInt32)

    def _whole(self, header: pl.DataFrame, parts: list[Path]) -> pl.DataFrame:
        if not parts:
            return header.cast(FAILURE_SCHEMA)  # type: ignore[arg-type]
        rows = pl.concat([pl.read_ipc(p.read_bytes()) for p in parts])
        rows = rows.sort("row", nulls_last=False, maintain_order=True)
        # the text of each code: every failure points at one copy of its text, not its own
        texts = pl.Series(list(self._texts), dtype=pl.String)
        decoded = rows.with_columns(
            texts.gather(rows.get_column(c)).alias(c) for c in _REPEATED
        ).select(list(FAILURE_SCHEMA))
        return pl.concat([header.cast(FAILURE_SCHEMA), decoded])  # type: ignore[arg-type]

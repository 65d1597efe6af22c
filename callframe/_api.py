"""The functions most users call: :func:`validate` and :func:`write_csv`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from callframe.io.metrica_csv import read_metrica_csv, write_csv
from callframe.report import ValidationReport
from callframe.validation import check_frame

__all__ = ["validate", "write_csv"]

Data = pl.DataFrame | pl.LazyFrame | str | Path


def validate(
    data: Data, kind: str = "calls", *, now: int | float | datetime | None = None
) -> ValidationReport:
    """Check ``data`` against the Metrica contract of ``kind`` and return the report.

    ``data`` is a polars ``DataFrame`` or ``LazyFrame`` (collected once, fully validated) or the
    path of a Metrica CSV (read with every column as text, so bad cells become report rows).
    ``now`` (Unix seconds or an aware datetime; default: the clock) anchors the time rules.

    Example:
        >>> report = callframe.validate("calls.csv", now=1710500000)   # doctest: +SKIP
        >>> report.ok, report.counts()                                  # doctest: +SKIP
    """
    if isinstance(data, str | Path):
        frame, issues = read_metrica_csv(data)
        return check_frame(
            frame, kind, now=now, source=str(data), file_issues=issues, as_upload=True
        )
    return check_frame(data, kind, now=now, as_upload=True)

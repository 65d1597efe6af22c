"""The functions most users call: :func:`validate`, :func:`filter` and :func:`write_csv`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from callframe.io.metrica_csv import read_metrica_csv, write_csv
from callframe.report import ValidationReport
from callframe.validation import check_frame

__all__ = ["filter", "validate", "write_csv"]

Data = pl.DataFrame | pl.LazyFrame | str | Path


def validate(
    data: Data,
    kind: str = "calls",
    *,
    now: int | float | datetime | None = None,
    client_id_type: str | None = None,
) -> ValidationReport:
    """Check ``data`` against the Metrica contract of ``kind`` and return the report.

    ``data`` is a polars ``DataFrame`` or ``LazyFrame`` (collected once, fully validated) or the
    path of a Metrica CSV (read with every column as text, so bad cells become report rows).
    A pandas ``DataFrame`` is accepted too (pandas is optional): converted once, integer ID
    columns kept as text (:func:`callframe.validation.from_pandas`); float IDs are reported.
    ``now`` (Unix seconds or an aware datetime; default: the clock) anchors the time rules.
    ``client_id_type`` (``CLIENT_ID``, ``USER_ID``, ``YCLID``; ``PURCHASE_ID`` for conversions),
    when given, is the upload's type: its ID column must be present and is the row's ID.

    ``data`` is checked as one whole upload: the report predicts what Metrica would do with it
    (:attr:`~callframe.ValidationReport.refused`,
    :attr:`~callframe.ValidationReport.predicted_line_quantity`), so a frame or file without
    data rows, or without any ID column, is an error (Metrica refuses such a file).

    Example:
        >>> report = callframe.validate("calls.csv", now=1710500000)   # doctest: +SKIP
        >>> report.ok, report.counts()                                  # doctest: +SKIP
    """
    if isinstance(data, str | Path):
        frame, issues = read_metrica_csv(data)
        return check_frame(
            frame,
            kind,
            now=now,
            source=str(data),
            file_issues=issues,
            as_upload=True,
            client_id_type=client_id_type,
        )
    return check_frame(data, kind, now=now, as_upload=True, client_id_type=client_id_type)


def filter(
    data: Data,
    kind: str = "calls",
    *,
    now: int | float | datetime | None = None,
    client_id_type: str | None = None,
) -> tuple[pl.DataFrame, ValidationReport]:
    """The valid rows of ``data`` and the report, in one call (dataframely's ``filter``).

    The same check as :func:`validate` (same arguments); the frame is
    :attr:`report.valid <callframe.ValidationReport.valid>`: the rows without error (warnings
    allowed), contract columns in order, contract dtypes. The rejected rows and their reasons
    are :attr:`report.rejected <callframe.ValidationReport.rejected>`.

    Example:
        >>> good, report = callframe.filter("calls.csv", now=1710500000)  # doctest: +SKIP
        >>> good.height == report.n_valid                                   # doctest: +SKIP
        True
    """
    report = validate(data, kind, now=now, client_id_type=client_id_type)
    return report.valid, report

"""The functions most users call: :func:`validate` and :func:`write_csv`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from callframe.contract.columns import columns, parse_kind
from callframe.io.metrica_csv import METRICA_MAX_BYTES, read_metrica_csv, write_text_frame
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
        return check_frame(frame, kind, now=now, source=str(data), file_issues=issues)
    return check_frame(data, kind, now=now)


def write_csv(
    frame: pl.DataFrame | pl.LazyFrame,
    path: str | Path,
    kind: str = "calls",
    *,
    max_bytes: int = METRICA_MAX_BYTES,
    now: int | float | datetime | None = None,
) -> list[Path]:
    """Validate ``frame`` and write it as the exact CSV Metrica accepts; return the files.

    Raises :class:`~callframe.ContractError` (carrying the report) when any row breaks the
    contract: nothing is written then. Optional columns that are entirely empty are left out.
    Over ``max_bytes`` the data is split into ``name.part1.csv``, ``name.part2.csv``, … each
    with the header. Writing is atomic: a reader never sees half a file.
    """
    k = parse_kind(kind)
    report = check_frame(frame, k, now=now).raise_for_errors()
    text = report.valid_text()
    required = {c.name for c in columns(k) if c.required}
    empty = [c for c in text.columns if c not in required and text[c].null_count() == text.height]
    return write_text_frame(text.drop(empty), path, max_bytes=max_bytes)

"""XLSX/XLS exports: one sheet through polars ``read_excel`` (calamine), every cell as text.
A workbook is read whole in memory (workbooks are small next to CSV exports)."""

from __future__ import annotations

import io
import warnings

import polars as pl

from callframe.errors import ExportError
from callframe.io._export import ExportFormat, TrackerExport

__all__ = ["read_excel"]


def read_excel(
    raw: bytes,
    where: str | None,
    fmt: ExportFormat,
    *,
    sheet: str | int | None,
    header: bool | None,
) -> TrackerExport:
    """The sheet ``sheet`` (name or 0-based index, the first by default) of the workbook ``raw``."""
    try:
        import fastexcel

        reader = fastexcel.read_excel(raw)
        names: list[str] = list(reader.sheet_names)
        if isinstance(sheet, str):
            if sheet not in names:
                raise ExportError(
                    f"has no sheet {sheet!r} (sheets: {', '.join(names)})", path=where
                )
            sheet_name = sheet
        else:
            sheet_name = names[sheet or 0]
        with warnings.catch_warnings():
            # polars 1.x warns about its own fastexcel/arrow hand-over; nothing for our caller
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            frame = pl.read_excel(
                io.BytesIO(raw),
                sheet_name=sheet_name,
                engine="calamine",
                infer_schema_length=0,
                has_header=True if header is None else header,
            )
    except ExportError:
        raise
    except Exception as exc:  # fastexcel/calamine raise their own exception types
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ExportError(
            f"cannot be read as an Excel workbook ({message})", path=where, tried=(fmt,)
        ) from None
    frame = frame.select(pl.all().cast(pl.String))
    frame = frame.rename({c: c.strip() for c in frame.columns if c != c.strip()})
    return TrackerExport(
        frame=frame,
        format=fmt,
        source=where,
        header=True if header is None else header,
        sheet=sheet_name,
    )

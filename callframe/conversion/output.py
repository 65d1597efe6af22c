"""The Metrica CSV files a conversion wrote, read back: its valid rows and a copy elsewhere.

:func:`callframe.convert_file` holds no rows once it has written them: :attr:`Conversion.valid
<callframe.Conversion.valid>` and :meth:`Conversion.write_csv <callframe.Conversion.write_csv>`
read the written files again (every cell as text, as written), on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from callframe.contract.columns import columns, parse_kind
from callframe.io.metrica_csv import write_text_frame

__all__ = ["read_text", "read_valid", "rewrite"]


def read_text(paths: Sequence[Path]) -> pl.DataFrame:
    """The rows of the written files (one, or the parts of a split file, in order), every
    column as the text written."""
    header = pl.scan_csv(paths[0], infer_schema=False, n_rows=0).collect_schema()
    schema = dict.fromkeys(header.names(), pl.String())
    return pl.concat([pl.read_csv(p, schema=schema) for p in paths])


def read_valid(paths: Sequence[Path], kind: str) -> pl.DataFrame:
    """The valid rows as a contract frame (the columns written, contract dtypes)."""
    text = read_text(paths)
    return text.select(
        pl.col(c.name).cast(c.dtype) for c in columns(parse_kind(kind)) if c.name in text.columns
    )


def rewrite(paths: Sequence[Path], target: Path, max_bytes: int) -> list[Path]:
    """The written files' rows written again to ``target`` (split over ``max_bytes``)."""
    return write_text_frame(read_text(paths), target, max_bytes=max_bytes)

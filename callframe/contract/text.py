"""The *text view*: every contract column as the exact text Metrica would receive.

Rules run on this view, and the writer writes it, so "what is checked" and "what is sent" can
never drift apart. Integers print without ``.0``; whole floats in integer columns print as
integers; booleans in flag columns print as ``0``/``1``; nulls stay null (written as empty).

Columns whose dtype cannot be turned into the contract's text safely (a float ClientId, a polars
``Datetime`` in ``DateTime``) are reported by :func:`dtype_problem` instead.

The view is *normalised* the way the Metrica server reads values (``metrica-server.md``,
"Accepted as valid"), so that what callframe writes is the canonical form of what the server would
accept: :func:`normalise_expr` trims spaces and tabs, turns a whitespace-only value into an empty
one, and cuts the fraction off a ``DateTime`` (``1481718166.12345`` → ``1481718166``: truncated
toward zero, not rounded, as the server presumably does). The validator reports each of these as a
warning (rules ``<Column>|padded``, ``<Column>|not_blank``, ``DateTime|fraction``).
"""

from __future__ import annotations

import polars as pl

from callframe.contract.columns import ColumnSpec

__all__ = ["PAD_CHARS", "dtype_problem", "normalise_expr", "text_expr"]

PAD_CHARS = " \t\r\n"
"""What is trimmed from a value: spaces and tabs (and stray line-end characters)."""

_EXACT_FLOAT = 2**53  # beyond this a float no longer holds every integer exactly


def _is_text(dtype: pl.DataType) -> bool:
    return dtype in (pl.String, pl.Null, pl.Categorical) or isinstance(dtype, pl.Enum)


def dtype_problem(col: ColumnSpec, dtype: pl.DataType) -> str | None:
    """Why a column of ``dtype`` cannot stand for ``col``, with the fix; ``None`` if it can."""
    if _is_text(dtype):
        return None
    if col.role in ("id", "phone"):
        return (
            f"{col.name} must be text, not {dtype}: numbers lose digits and leading '+'. "
            f"Read it as text (schema_overrides={{{col.name!r}: pl.String}})"
        )
    if col.role == "datetime":
        if dtype.is_integer() or dtype.is_float():
            return None
        if isinstance(dtype, pl.Datetime):
            return (
                "DateTime holds polars datetimes; convert to Unix seconds in UTC with "
                "pl.col('DateTime').dt.replace_time_zone(<tz>).dt.epoch('s')"
            )
        return f"DateTime must be Unix seconds (integer), not {dtype}"
    if col.role in ("flag", "duration", "money"):
        if dtype.is_numeric() or dtype == pl.Boolean:
            return None
        return f"{col.name} must be a number or text, not {dtype}"
    if dtype.is_nested() or dtype == pl.Object:
        return f"{col.name} must be text, not {dtype}"
    return None


def text_expr(col: ColumnSpec, dtype: pl.DataType) -> pl.Expr:
    """Expression turning column ``col`` of ``dtype`` into its text form (String, nulls kept).

    Call only when :func:`dtype_problem` returned ``None``.
    """
    x = pl.col(col.name)
    if _is_text(dtype):
        return x.cast(pl.String)
    if dtype == pl.Boolean:
        return x.cast(pl.Int8).cast(pl.String)
    if dtype.is_float():
        whole = x.is_finite() & (x == x.floor()) & (x.abs() < _EXACT_FLOAT)
        return (
            pl.when(whole)
            .then(x.cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(x.cast(pl.String))
        )
    return x.cast(pl.String)


def normalise_expr(col: ColumnSpec) -> pl.Expr:
    """Expression normalising the text column ``col`` (String, nulls kept): trimmed, empty when
    only whitespace, and for ``DateTime`` whole seconds (a fraction truncated)."""
    x = pl.col(col.name).str.strip_chars(PAD_CHARS)
    x = pl.when(x == "").then(pl.lit(None, dtype=pl.String)).otherwise(x)
    if col.role == "datetime":
        x = pl.when(x.str.contains(r"^-?\d+\.\d+$")).then(x.str.replace(r"\.\d+$", "")).otherwise(x)
    return x.alias(col.name)

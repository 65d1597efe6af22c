"""Run the contract on a frame and build the :class:`~callframe.ValidationReport`.

How it works, in three steps:

1. **Header.** Names are compared with the contract the way the Metrica server compares them:
   non-word characters removed, case ignored. A name matching a column that way (``clientid``,
   ``Date Time``) is a warning naming the exact spelling and is read as that column; unknown names
   (with a "did you mean" hint), duplicates, missing required or ID columns, and dtypes that
   cannot be written safely are errors with an empty ``row``. Any such error makes every row
   invalid: callframe sends no part of a file whose header is wrong.
2. **Rows.** The text view of the contract columns and one boolean column per applicable row rule
   are computed in a single polars query (parallel, no Python per row): first the ``raw`` rules
   on the values as given (padding, whitespace-only values, a ``DateTime`` fraction), then the
   values are normalised (:func:`~callframe.contract.text.normalise_expr`), then every other rule.
3. **Failures.** Only rules that failed somewhere are turned into failure rows, with the 1-based
   row number and the value (masked for phone numbers, cut at 80 characters).

Each failure's rule carries its :data:`~callframe.contract.rules.Effect`: the report predicts
from them how many rows Metrica will count (:attr:`ValidationReport.predicted_line_quantity`).

A ``LazyFrame`` is collected once, at the start of step 2, and never validated "shallowly".
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from callframe.contract.columns import (
    ColumnSpec,
    Kind,
    columns,
    id_column_of,
    id_columns,
    parse_kind,
    resolve_aliases,
)
from callframe.contract.rules import Rule, RuleContext, rule, rules_for
from callframe.contract.text import dtype_problem, normalise_expr, text_expr
from callframe.errors import UsageError
from callframe.report import FAILURE_SCHEMA, ID_COLUMNS, ValidationReport, mask_value

__all__ = ["FileIssue", "check_frame", "contract_names", "from_pandas", "resolve_now"]

_DUPLICATE = re.compile(r"^(?P<base>.+)_duplicated_\d+$")
_SEVERITY = {r.id: r.severity for r in rules_for("calls") + rules_for("conversions")}


@dataclass(frozen=True, slots=True)
class FileIssue:
    """A problem with the file itself (separator, BOM, blank lines, malformed CSV), found by the
    reader; ``value`` says where (``"line 3"``) when the rule's title does not; ``lines`` are
    the file's lines the reader skipped (blank lines), so that line numbers stay exact."""

    rule: str
    hint: str
    value: str | None = None
    lines: tuple[int, ...] = ()


def resolve_now(now: int | float | datetime | None) -> int:
    """ "Now" as Unix seconds: ``None`` means the clock; aware datetimes are converted."""
    if now is None:
        return int(time.time())
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise UsageError("now= must be time-zone aware (e.g. datetime.now(timezone.utc))")
        return int(now.timestamp())
    if isinstance(now, bool) or not isinstance(now, int | float):
        raise UsageError(
            f"now= must be Unix seconds or an aware datetime, not {type(now).__name__}"
        )
    return int(now)


def _norm(name: str) -> str:
    """A header name as the server compares it: non-word characters removed, case ignored.

    ``\\W`` as in Java's default (ASCII) regex: anything but ``[A-Za-z0-9_]``; ``_`` is a word
    character, so ``Date_Time`` does not match ``DateTime``.
    """
    return re.sub(r"[^0-9A-Za-z_]", "", name).lower()


def _loose(name: str) -> str:
    """A looser comparison, for "did you mean" hints only."""
    return re.sub(r"[^0-9A-Za-z]", "", name).lower()


def _failure(
    column: str | None, rule_id: str, *, value: str | None = None, hint: str = ""
) -> dict[str, object]:
    r = rule(rule_id)
    return {
        "row": None,
        "column": column,
        "rule": r.id,
        "title": r.title,
        "value": value,
        "hint": hint or r.hint,
    }


def _header_failures(
    frame_schema: pl.Schema, kind: Kind, *, as_upload: bool = False, id_column: str | None = None
) -> tuple[list[dict[str, object]], set[str], dict[str, str]]:
    """Failures of the header, the contract columns whose dtype makes them unusable, and the
    names read as a contract column (``{"clientid": "ClientId"}``)."""
    specs = {c.name: c for c in columns(kind)}
    by_norm = {_norm(n): n for n in specs}
    by_loose = {_loose(n): n for n in specs}
    names = list(frame_schema.names())
    out: list[dict[str, object]] = []
    broken: set[str] = set()
    renamed: dict[str, str] = {}
    for name in names:
        dup = _DUPLICATE.match(name)
        target = name if name in specs else by_norm.get(_norm(name))
        if dup and dup["base"] in names:
            out.append(_failure(dup["base"], "*|duplicate_column", value=name))
            continue
        if target is None:
            close = by_loose.get(_loose(name)) or next(
                iter(difflib.get_close_matches(name, list(specs), n=1, cutoff=0.75)), None
            )
            hint = f"did you mean {close!r}?" if close else ""
            out.append(_failure(name, "*|unknown_column", value=name, hint=hint))
            continue
        if target != name:
            if target in names or target in renamed.values():
                out.append(_failure(target, "*|duplicate_column", value=name))
                continue
            renamed[name] = target
            out.append(
                _failure(
                    name,
                    "*|column_case",
                    value=name,
                    hint=f"Metrica reads {name!r} as {target!r}; callframe writes {target!r}.",
                )
            )
        problem = dtype_problem(specs[target], frame_schema[name])
        if problem:
            broken.add(target)
            out.append(_failure(target, "*|dtype", value=str(frame_schema[name]), hint=problem))
    present = {renamed.get(n, n) for n in names}
    for name, spec in specs.items():
        if spec.required and name not in present:
            out.append(_failure(name, "*|missing_column"))
    id_rule = rule("*|missing_id_column")  # chats: IDs are optional, rows go unattributed
    if id_column is not None and id_column not in present:
        hint = f"client_id_type needs the {id_column} column; add it or change the type."
        out.append(_failure(id_column, "*|missing_id_column", hint=hint))
    elif as_upload and kind in id_rule.kinds and not present.intersection(id_columns(kind)):
        out.append(_failure("*", "*|missing_id_column"))
    return out, broken, renamed


def contract_names(frame_schema: pl.Schema, kind: Kind) -> dict[str, str]:
    """The header names ``validate`` reads as a contract column under another spelling
    (``{"clientid": "ClientId"}``): the same matching, for the pandera schemas."""
    return _header_failures(frame_schema, kind)[2]


def _row_failures(
    base: pl.LazyFrame,
    row_rules: list[Rule],
    ctx: RuleContext,
    specs: list[ColumnSpec],
    first_row: int,
    source: pl.DataFrame,
    dirty: frozenset[str],
) -> tuple[pl.DataFrame, pl.Series, pl.DataFrame, pl.DataFrame]:
    """Evaluate every row rule in one query; return text view, invalid mask, errors, warnings.

    ``base`` holds the text view as given; ``raw`` rules run on it, then the ``dirty`` columns
    (those with a value to normalise, see :func:`_dirty_columns`) are normalised and the other
    rules run. The per-rule failure rows are cut from the (usually small) set of rows that
    broke anything, so a clean 10M-row frame costs one pass and no per-rule scans. The value of a
    ``raw`` failure is taken from ``source`` (the frame, contract names), as given.
    """
    masks = {f"__rule:{r.id}": r for r in row_rules}
    raw_masks = {name: r for name, r in masks.items() if r.raw}
    errors_cols = [name for name, r in masks.items() if r.severity == "error"]
    combined = (
        base.with_columns(r.expression(ctx).alias(name) for name, r in raw_masks.items())
        .with_columns(normalise_expr(c) for c in specs if c.name in dirty)
        .with_columns(
            r.expression(ctx).alias(name) for name, r in masks.items() if name not in raw_masks
        )
        .with_row_index("__row", offset=first_row)
        .with_columns(
            _any(errors_cols).alias("__invalid"),
            _any(list(masks)).alias("__any"),
        )
        .collect()
    )
    # eager column access and Series filters: DataFrame.select/filter would go through the
    # query engine again and cost ~1 ms per column on a big frame
    text = _columns(combined, [c.name for c in specs])
    failing = _columns(combined, ["__row", *masks, *text.columns]).filter(
        combined.get_column("__any")
    )
    by_name = {c.name: c for c in specs}
    pieces: dict[str, list[pl.DataFrame]] = {"error": [], "warning": []}
    for name, r in masks.items():
        hit = failing.get_column(name)
        if not hit.any():
            continue
        col = r.column
        # only the row number and the rule's own column are cut, not every failing column
        hits = _columns(failing, ["__row", *([col] if col in text.columns else [])]).filter(hit)
        if r.raw and col in by_name:  # the value as given, not as normalised
            at = hits.get_column("__row") - first_row
            given = source.get_column(col).gather(at)
            hits = hits.with_columns(
                pl.DataFrame([given]).select(text_expr(by_name[col], given.dtype)).to_series()
            )
        if col in text.columns:
            value = mask_value(pl.col(col), col)
        else:
            value = pl.lit(None, dtype=pl.String)
        hint = pl.lit(r.hint or None, dtype=pl.String)
        if r.row_hint is not None and col in text.columns:
            hint = pl.coalesce(r.row_hint(), hint)
        pieces[r.severity].append(
            hits.select(
                pl.col("__row").cast(pl.Int64).alias("row"),
                pl.lit(col).alias("column"),
                pl.lit(r.id).alias("rule"),
                pl.lit(r.title).alias("title"),
                value.alias("value"),
                hint.alias("hint"),
            )
        )
    errors, warnings = (
        pl.concat(pieces[s]) if pieces[s] else pl.DataFrame(schema=FAILURE_SCHEMA)
        for s in ("error", "warning")
    )
    return text, combined.get_column("__invalid"), errors, warnings


def _columns(frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    return pl.DataFrame([frame.get_column(n) for n in names]) if names else pl.DataFrame()


def _any(names: list[str]) -> pl.Expr:
    return pl.any_horizontal(names) if names else pl.lit(False)


_NEEDS_NORMALISING = r"^$|^[ \t\r\n]|[ \t\r\n]$"


def _dirty_columns(
    frame: pl.DataFrame, specs: list[ColumnSpec], broken: set[str]
) -> frozenset[str]:
    """The columns holding a value the normalisation changes (padded, whitespace-only or empty
    text; a ``DateTime`` with a fraction, also a float one). One cheap scan: trimming every
    column costs 3× more, and clean data (what callframe writes) has none."""
    checks: list[pl.Expr] = []
    for c in specs:
        dtype = frame.schema[c.name]
        if c.name in broken:
            continue
        if _is_text(dtype):
            pattern = _NEEDS_NORMALISING + (r"|\." if c.role == "datetime" else "")
            checks.append(pl.col(c.name).cast(pl.String).str.contains(pattern).any().alias(c.name))
        elif c.role == "datetime" and dtype.is_float():
            checks.append(text_expr(c, dtype).str.contains(".", literal=True).any().alias(c.name))
    if not checks or frame.height == 0:
        return frozenset()
    found = frame.lazy().select(checks).collect().row(0, named=True)
    return frozenset(name for name, hit in found.items() if hit)


def _is_text(dtype: pl.DataType) -> bool:
    return dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)


def _whole_file(failure: dict[str, object]) -> bool:
    """A header or file failure that makes every row invalid: an error Metrica answers by
    refusing the file or by dropping every row (a warning never does)."""
    r = rule(str(failure["rule"]))
    return r.severity == "error"


def from_pandas(data: object) -> object:
    """A pandas ``DataFrame`` as a polars one, converted once, with integer ID columns
    (``ClientId``, ``UserId``, ``Yclid`` …; :data:`callframe.report.ID_COLUMNS`) as text so
    no digit is lost; anything else is returned as it is. Float IDs stay floats: the report
    names them (``*|dtype``) — read IDs as text (``dtype=str``). pandas is imported by the
    caller, never here."""
    kind = type(data)
    if kind.__name__ != "DataFrame" or not kind.__module__.startswith("pandas"):
        return data
    frame = pl.from_pandas(data)
    ids = [c for c in frame.columns if c in ID_COLUMNS and frame.schema[c].is_integer()]
    return frame.with_columns(pl.col(ids).cast(pl.String)) if ids else frame


def check_frame(
    data: pl.DataFrame | pl.LazyFrame,
    kind: str = "calls",
    *,
    now: int | float | datetime | None = None,
    source: str | None = None,
    file_issues: Iterable[FileIssue] = (),
    first_row: int = 1,
    as_upload: bool = False,
    client_id_type: str | None = None,
) -> ValidationReport:
    """Validate ``data`` against the contract of ``kind``; see the module docstring.

    ``first_row``: the number of ``data``'s first row in the report (for a batch of a longer
    file, see :func:`callframe.convert_file`). ``as_upload``: ``data`` is one whole upload, so
    a frame without rows (``*|no_rows``) or without any ID column (``*|missing_id_column``) is
    an error: Metrica refuses such a file (a batch of a longer file is not checked for these).
    ``client_id_type`` (``CLIENT_ID``, ``USER_ID``, ``YCLID``, ``PURCHASE_ID``): the upload's
    type, when known; its column must be there, and only it counts as the row's ID.
    """
    k = parse_kind(kind)
    id_column = id_column_of(client_id_type, k) if client_id_type else None
    when = resolve_now(now)
    frame = data.collect() if isinstance(data, pl.LazyFrame) else from_pandas(data)
    if not isinstance(frame, pl.DataFrame):
        raise UsageError(
            "validate() takes a polars DataFrame/LazyFrame, a pandas DataFrame or a path, "
            f"not {type(data).__name__}"
        )
    aliases = resolve_aliases(k, frame.columns)  # the chats CSV's ClientId for ClientID …
    if aliases:
        frame = frame.rename(aliases)

    header, broken, renamed = _header_failures(
        frame.schema, k, as_upload=as_upload, id_column=id_column
    )
    issues = list(file_issues)
    header += [_failure("*", i.rule, value=i.value, hint=i.hint) for i in issues]
    said = {i.rule for i in issues}
    if as_upload and frame.height == 0 and not said & {"*|no_rows", "*|malformed_csv"}:
        header.append(_failure("*", "*|no_rows"))
    named = frame.rename(renamed) if renamed else frame

    specs = [c for c in columns(k) if c.name in named.columns]
    text_exprs = [
        text_expr(c, named.schema[c.name])
        if c.name not in broken
        else pl.col(c.name).cast(pl.String, strict=False)
        for c in specs
    ]
    present = frozenset(c.name for c in specs)
    ctx = RuleContext(
        kind=k, now=when, present=present, ids=(id_column,) if id_column in present else ()
    )
    dirty = _dirty_columns(named, specs, broken)
    row_rules = [
        r
        for r in rules_for(k, scope="row")
        if r.applies(k, present)
        and not broken.intersection(r.needs)
        and (not r.raw or r.column in dirty)  # a clean column breaks no raw rule
    ]
    if text_exprs:
        base = named.lazy().select(text_exprs)
    elif named.width:  # no contract column at all: keep the height for the row rules
        base = named.lazy().select(pl.first().is_null().alias("__pad"))
    else:
        base = pl.LazyFrame(schema={"__pad": pl.Boolean})
    text, invalid_rows, row_errors, row_warnings = _row_failures(
        base, row_rules, ctx, specs, first_row, named, dirty
    )
    header_frame = pl.DataFrame(header, schema=FAILURE_SCHEMA)
    header_errors = header_frame.filter(
        pl.col("rule").replace_strict(_SEVERITY, return_dtype=pl.String) == "error"
    )
    header_warnings = header_frame.filter(
        pl.col("rule").replace_strict(_SEVERITY, return_dtype=pl.String) == "warning"
    )
    # stable sort: the file's own problems first, then by row, rules in registry order per row
    errors = pl.concat([header_errors, row_errors.cast(FAILURE_SCHEMA)]).sort(  # type: ignore[arg-type]
        "row", nulls_last=False, maintain_order=True
    )
    warnings = pl.concat([header_warnings, row_warnings.cast(FAILURE_SCHEMA)]).sort(  # type: ignore[arg-type]
        "row", nulls_last=False, maintain_order=True
    )

    # an error with the header or the file rejects the whole file, hence every row
    invalid = (
        pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True)
        if any(_whole_file(f) for f in header)
        else invalid_rows
    )
    return ValidationReport(
        kind=k,
        source=source,
        now=when,
        data=frame,
        text=text,
        invalid_mask=invalid,
        errors=errors,
        warnings=warnings,
        skipped_lines=tuple(n for i in issues for n in i.lines),
    )

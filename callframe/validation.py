"""Run the contract on a frame and build the :class:`~callframe.ValidationReport`.

How it works, in three steps:

1. **Header.** Names are compared with the contract: unknown names, names that differ only in
   case or spacing (with a "did you mean" hint), duplicates, missing required columns, and dtypes
   that cannot be written safely become errors with an empty ``row``. Any such error makes every
   row invalid, because Metrica would reject the whole file.
2. **Rows.** The text view of the contract columns and one boolean column per applicable row rule
   are computed in a single polars query (parallel, no Python per row).
3. **Failures.** Only rules that failed somewhere are turned into failure rows, with the 1-based
   row number and the value (masked for phone numbers, cut at 80 characters).

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

from callframe.contract.columns import ColumnSpec, Kind, columns, parse_kind, resolve_aliases
from callframe.contract.rules import Rule, RuleContext, rule, rules_for
from callframe.contract.text import dtype_problem, text_expr
from callframe.errors import UsageError
from callframe.report import FAILURE_SCHEMA, ValidationReport, mask_value

__all__ = ["FileIssue", "check_frame", "resolve_now"]

_DUPLICATE = re.compile(r"^(?P<base>.+)_duplicated_\d+$")


@dataclass(frozen=True, slots=True)
class FileIssue:
    """A problem with the file itself (separator, BOM), found by the reader."""

    rule: str
    hint: str


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
    return re.sub(r"[\s_\-]", "", name).lower()


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
    frame_schema: pl.Schema, kind: Kind
) -> tuple[list[dict[str, object]], set[str]]:
    """Failures of the header, and the contract columns whose dtype makes them unusable."""
    specs = {c.name: c for c in columns(kind)}
    by_norm = {_norm(n): n for n in specs}
    names = list(frame_schema.names())
    out: list[dict[str, object]] = []
    broken: set[str] = set()
    case_variants: set[str] = set()
    for name in names:
        if name in specs:
            problem = dtype_problem(specs[name], frame_schema[name])
            if problem:
                broken.add(name)
                out.append(_failure(name, "*|dtype", value=str(frame_schema[name]), hint=problem))
            continue
        dup = _DUPLICATE.match(name)
        if dup and dup["base"] in names:
            out.append(_failure(dup["base"], "*|duplicate_column", value=name))
        elif _norm(name) in by_norm:
            target = by_norm[_norm(name)]
            case_variants.add(target)
            out.append(
                _failure(name, "*|column_case", value=name, hint=f"did you mean {target!r}?")
            )
        else:
            close = difflib.get_close_matches(name, list(specs), n=1, cutoff=0.75)
            hint = f"did you mean {close[0]!r}?" if close else ""
            out.append(_failure(name, "*|unknown_column", value=name, hint=hint))
    for name, spec in specs.items():
        if spec.required and name not in names and name not in case_variants:
            out.append(_failure(name, "*|missing_column"))
    return out, broken


def _row_failures(
    base: pl.LazyFrame,
    row_rules: list[Rule],
    ctx: RuleContext,
    specs: list[ColumnSpec],
    first_row: int,
) -> tuple[pl.DataFrame, pl.Series, pl.DataFrame, pl.DataFrame]:
    """Evaluate every row rule in one query; return text view, invalid mask, errors, warnings.

    The per-rule failure rows are cut from the (usually small) set of rows that broke anything,
    so a clean 10M-row frame costs one pass and no per-rule scans.
    """
    masks = {f"__rule:{r.id}": r for r in row_rules}
    errors_cols = [name for name, r in masks.items() if r.severity == "error"]
    combined = (
        base.with_columns(r.expression(ctx).alias(name) for name, r in masks.items())
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
    pieces: dict[str, list[pl.DataFrame]] = {"error": [], "warning": []}
    for name, r in masks.items():
        hit = failing.get_column(name)
        if not hit.any():
            continue
        col = r.column
        # only the row number and the rule's own column are cut, not every failing column
        hits = _columns(failing, ["__row", *([col] if col in text.columns else [])]).filter(hit)
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


def check_frame(
    data: pl.DataFrame | pl.LazyFrame,
    kind: str = "calls",
    *,
    now: int | float | datetime | None = None,
    source: str | None = None,
    file_issues: Iterable[FileIssue] = (),
    first_row: int = 1,
) -> ValidationReport:
    """Validate ``data`` against the contract of ``kind``; see the module docstring.

    ``first_row``: the number of ``data``'s first row in the report (for a batch of a longer
    file, see :func:`callframe.convert_file`).
    """
    k = parse_kind(kind)
    when = resolve_now(now)
    frame = data.collect() if isinstance(data, pl.LazyFrame) else data
    if not isinstance(frame, pl.DataFrame):
        raise UsageError(
            f"validate() takes a polars DataFrame/LazyFrame or a path, not {type(data).__name__}"
        )
    aliases = resolve_aliases(k, frame.columns)  # the chats CSV's ClientId for ClientID …
    if aliases:
        frame = frame.rename(aliases)

    header, broken = _header_failures(frame.schema, k)
    header += [_failure("*", i.rule, hint=i.hint) for i in file_issues]

    specs = [c for c in columns(k) if c.name in frame.columns]
    text_exprs = [
        text_expr(c, frame.schema[c.name])
        if c.name not in broken
        else pl.col(c.name).cast(pl.String, strict=False)
        for c in specs
    ]
    present = frozenset(c.name for c in specs)
    ctx = RuleContext(kind=k, now=when, present=present)
    row_rules = [
        r
        for r in rules_for(k, scope="row")
        if r.applies(k, present) and not broken.intersection(r.needs)
    ]
    if text_exprs:
        base = frame.lazy().select(text_exprs)
    elif frame.width:  # no contract column at all: keep the height for the row rules
        base = frame.lazy().select(pl.first().is_null().alias("__pad"))
    else:
        base = pl.LazyFrame(schema={"__pad": pl.Boolean})
    text, invalid_rows, row_errors, row_warnings = _row_failures(
        base, row_rules, ctx, specs, first_row
    )
    header_frame = pl.DataFrame(header, schema=FAILURE_SCHEMA)
    # stable sort: the file's own problems first, then by row, rules in registry order per row
    errors = pl.concat([header_frame, row_errors.cast(FAILURE_SCHEMA)]).sort(  # type: ignore[arg-type]
        "row", nulls_last=False, maintain_order=True
    )
    warnings = row_warnings.cast(FAILURE_SCHEMA).sort("row", maintain_order=True)  # type: ignore[arg-type]

    # a problem with the header or the file rejects the whole file, hence every row
    invalid = (
        pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True) if header else invalid_rows
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
    )

"""Run the contract on a frame and build the :class:`~callframe.ValidationReport`.

The checks themselves are :func:`callframe._checks.row_checks`: lazy expressions built from the
frame's schema, the same ones a conversion runs inside its streaming query. Here they run on a
frame in memory, after one cheap scan for the columns with anything to normalise
(:func:`~callframe._checks.dirty_columns`). How it works, in three steps:

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

import time
from collections.abc import Iterable
from datetime import datetime

import polars as pl

from callframe._checks import FileIssue, contract_names, dirty_columns, row_checks
from callframe.contract.columns import id_column_of, parse_kind, resolve_aliases
from callframe.contract.rules import rule
from callframe.errors import UsageError
from callframe.report import FAILURE_SCHEMA, ID_COLUMNS, ValidationReport

__all__ = ["FileIssue", "check_frame", "contract_names", "from_pandas", "resolve_now"]


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
    if client_id_type:  # a wrong type is refused before anything is read
        id_column_of(client_id_type, k)
    when = resolve_now(now)
    frame = data.collect() if isinstance(data, pl.LazyFrame) else from_pandas(data)
    if not isinstance(frame, pl.DataFrame):
        raise UsageError(
            "validate() takes a polars DataFrame/LazyFrame, a pandas DataFrame or a path, "
            f"not {type(data).__name__}"
        )
    aliases = resolve_aliases(k, frame.columns)  # the chats CSV's ClientID for ClientId …
    if aliases:
        frame = frame.rename(aliases)
    issues = list(file_issues)
    checks = row_checks(
        frame.schema,
        k,
        now=when,
        as_upload=as_upload,
        client_id_type=client_id_type,
        dirty=dirty_columns(frame, k),
        file_issues=issues,
    )
    # only the row number and the contract columns enter the query (a column of the frame
    # named "__row" is only an unknown column)
    given = {name: given for given, name in checks.renames.items()}
    base = pl.DataFrame(
        [
            pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64, eager=True).alias(
                "__row"
            ),
            *(frame.get_column(given.get(c, c)) for c in checks.text_columns),
        ]
    )
    flagged = checks.flag(base.lazy()).collect()
    # eager column access and Series filters: DataFrame.select/filter would go through the
    # query engine again and cost ~1 ms per column on a big frame
    text = _columns(flagged, checks.text_columns)
    failing = _columns(flagged, checks.failing_columns).filter(flagged.get_column("__any"))
    errors, warnings = checks.failures(failing)
    said = {i.rule for i in issues}
    if as_upload and frame.height == 0 and not said & {"*|no_rows", "*|malformed_csv"}:
        errors = pl.concat([errors, pl.DataFrame([_no_rows()], schema=FAILURE_SCHEMA)])
    return ValidationReport(
        kind=k,
        source=source,
        now=when,
        data=frame,
        text=text,
        invalid_mask=flagged.get_column("__invalid"),
        errors=errors,
        warnings=warnings,
        skipped_lines=tuple(n for i in issues for n in i.lines),
    )


def _columns(frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    return pl.DataFrame([frame.get_column(n) for n in names]) if names else pl.DataFrame()


def _no_rows() -> dict[str, object]:
    r = rule("*|no_rows")
    return {
        "row": None,
        "column": "*",
        "rule": r.id,
        "title": r.title,
        "value": None,
        "hint": r.hint,
    }

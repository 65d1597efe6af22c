"""What each engine says about a frame, in one shape, so that the two can be compared.

``callframe.validate`` and the pandera schemas must agree exactly: the same errors (rule ids, and
the rows for row rules; header rules reject the whole frame), hence the same invalid rows, and the
same warnings. Used by the schema tests and the fixture tests.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import pandera.errors
import polars as pl

import callframe
from callframe.contract.rules import rule
from callframe.contract.schemas import masked_failure_cases, pandera_schema

__all__ = ["TYPINGS", "Outcome", "by_callframe", "by_pandera", "typed"]

_WARNED_RULE = re.compile(r"<Check callframe_rule: (\S+\|\S+):")


@dataclass(frozen=True)
class Outcome:
    errors: frozenset[tuple[int | None, str]]
    """(1-based row, rule id) per error; ``None`` for errors about the whole frame."""
    invalid: frozenset[int]
    warnings: frozenset[str]


def by_callframe(frame: pl.DataFrame | pl.LazyFrame, kind: str, now: int) -> Outcome:
    report = callframe.validate(frame, kind, now=now)
    return Outcome(
        errors=frozenset(report.errors.select("row", "rule").iter_rows()),
        invalid=frozenset(report.rejected["row"].to_list()),
        warnings=frozenset(report.warnings["rule"].to_list()),
    )


def by_pandera(frame: pl.DataFrame | pl.LazyFrame, kind: str, now: int) -> Outcome:
    """Validate with ``pandera_schema(kind, now=now)``; only pandera's own errors may come out."""
    height = (frame.collect() if isinstance(frame, pl.LazyFrame) else frame).height
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = pandera_schema(kind, now=now).validate(frame, lazy=True)
            assert type(out) is type(frame)
            cases = None
        except pandera.errors.SchemaErrors as exc:
            cases = masked_failure_cases(exc)
    assert all(isinstance(w.message, pandera.errors.SchemaWarning) for w in caught), [
        str(w.message) for w in caught
    ]
    warned = frozenset(
        m.group(1) for w in caught if (m := _WARNED_RULE.search(str(w.message))) is not None
    )
    errors: set[tuple[int | None, str]] = set()
    invalid: set[int] = set()
    whole_frame = False
    for index, rule_id in [] if cases is None else cases.select("index", "rule").iter_rows():
        assert rule_id is not None, cases  # pandera's own failures would be noise
        if rule(rule_id).scope == "row":
            errors.add((index + 1, rule_id))
            invalid.add(index + 1)
        else:
            errors.add((None, rule_id))
            whole_frame = True
    if whole_frame:
        invalid = set(range(1, height + 1))
    return Outcome(frozenset(errors), frozenset(invalid), warned)


def _numbers(frame: pl.DataFrame) -> pl.DataFrame:
    """Times, flags, durations and money as numbers (what a typed pipeline holds)."""
    casts = {
        "DateTime": pl.Int64,
        "StaticCall": pl.Int8,
        "CallMissed": pl.Int8,
        "FirstTimeCaller": pl.Int8,
        "TalkDuration": pl.Int64,
        "HoldDuration": pl.Int64,
        "Price": pl.Float64,
    }
    return frame.with_columns(
        pl.col(c).cast(t, strict=False) for c, t in casts.items() if c in frame.columns
    )


def _ids_as(dtype: type[pl.DataType]) -> Callable[[pl.DataFrame], pl.DataFrame]:
    def cast(frame: pl.DataFrame) -> pl.DataFrame:
        ids = [c for c in ("ClientId", "Yclid") if c in frame.columns]
        return _numbers(frame).with_columns(pl.col(c).cast(dtype, strict=False) for c in ids)

    return cast


def _datetimes(frame: pl.DataFrame) -> pl.DataFrame:
    return _numbers(frame).with_columns(pl.from_epoch("DateTime", time_unit="s"))


TYPINGS: dict[str, Callable[[pl.DataFrame], pl.DataFrame]] = {
    "text": lambda frame: frame,
    "numbers": _numbers,
    "integer_ids": _ids_as(pl.Int64),
    "float_ids": _ids_as(pl.Float64),
    "polars_datetime": _datetimes,
}
"""Ways a caller may hold the same data: as text (a CSV read as text) or typed."""


def typed(frame: pl.DataFrame, typing: str) -> pl.DataFrame:
    out: pl.DataFrame = TYPINGS[typing](frame)
    return out

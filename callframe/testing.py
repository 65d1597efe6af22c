"""Helpers for users' own test suites: assert a frame is valid, and synthesise contract data.

pandera's polars backend cannot synthesise data, so callframe ships a small generator: frames
whose every cell is the text Metrica would receive (like a CSV read with every column as text),
valid by construction, optionally with rows that each break one named rule.

Example:
    >>> from callframe.testing import assert_valid, sample_calls
    >>> sample = sample_calls(1000, seed=7, invalid_fraction=0.01, now=1795435200)
    >>> sample.broken.head(2)          # which row breaks which rule       # doctest: +SKIP
    >>> assert_valid(sample_calls(50, seed=1).frame, now=1795435200)
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

import polars as pl

from callframe._api import validate
from callframe.contract.columns import column_names, parse_kind
from callframe.contract.rules import rules_for
from callframe.errors import UsageError
from callframe.validation import resolve_now

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = [
    "DEFECTS",
    "Sample",
    "assert_valid",
    "frames",
    "sample_calls",
    "sample_conversions",
]

_LONG = "x" * 1025

Cell = str | None | pl.Expr
"""A defect's cell: a text value, empty, or an expression over the valid row's own cells."""

DEFECTS: dict[str, dict[str, Cell]] = {
    "*|id_required": {
        "ClientId": None,
        "UserId": None,
        "Yclid": None,
        "PurchaseId": None,
        "StaticCall": "0",
    },
    "ClientId|digits": {"ClientId": "1.795012345678901E+18"},
    "ClientId|uint64": {"ClientId": "18446744073709551616"},
    "Yclid|digits": {"Yclid": "7312-3456"},
    "Yclid|uint64": {"Yclid": "99999999999999999999"},
    "UserId|max_length": {"UserId": _LONG},
    "PurchaseId|max_length": {"PurchaseId": _LONG},
    "DateTime|required": {"DateTime": None},
    "DateTime|integer": {"DateTime": "2026-11-20 09:15:30"},
    "DateTime|milliseconds": {"DateTime": "1795166130000"},
    "DateTime|not_before_2000": {"DateTime": "946684799"},
    "DateTime|not_future": {"DateTime": "4102444800"},
    "DateTime|older_than_21_days": {"DateTime": "946684800"},
    "StaticCall|flag": {"StaticCall": "2", "ClientId": "1795012345678901234"},
    "CallMissed|flag": {"CallMissed": "Пропущенный"},
    "FirstTimeCaller|flag": {"FirstTimeCaller": "да"},
    "TalkDuration|whole_seconds": {"TalkDuration": "00:01:35"},
    "TalkDuration|non_negative": {"TalkDuration": "-5"},
    "HoldDuration|whole_seconds": {"HoldDuration": "7.5"},
    "HoldDuration|non_negative": {"HoldDuration": "-1"},
    "Price|decimal": {"Price": "1 500,50", "Currency": "RUB"},
    "Price|non_negative": {"Price": "-100.00", "Currency": "RUB"},
    "Currency|iso4217": {"Price": "10", "Currency": "rub"},
    "Currency|required_with_price": {"Price": "10", "Currency": None},
    "PhoneNumber|e164": {"PhoneNumber": "8 (916) 123-45-67"},
    "Tag|max_length": {"Tag": _LONG},
    "URL|http_url": {"URL": "www.example.ru/landing"},
    "URL|max_length": {"URL": "https://example.ru/?q=" + _LONG},
    "CallTrackerURL|http_url": {"CallTrackerURL": "/calls/123"},
    "CallTrackerURL|max_length": {"CallTrackerURL": "https://t.example/?q=" + _LONG},
    "Target|required": {"Target": None},
    "Target|identifier": {"Target": "order confirmed!"},
    "Target|goal_name": {"Target": "Заказ оформлен"},
}


def _fill(name: str, value: str) -> pl.Expr:
    return pl.col(name).fill_null(value)


def _padded(name: str, value: str) -> pl.Expr:
    return pl.format(" {}\t", _fill(name, value))


_DEFAULTS = {
    "UserId": "crm-1",
    "ClientId": "1795012345678901234",
    "Yclid": "7312345678901234567",
    "Price": "10",
    "Currency": "RUB",
    "Tag": "x",
    "PurchaseId": "ORD-1",
}
# what else a row needs so that the padded / whitespace-only cell breaks nothing else
_PADDED_NEEDS: dict[str, dict[str, Cell]] = {
    "Price": {"Currency": _fill("Currency", "RUB")},
    "Currency": {"Price": _fill("Price", "10")},
}
_BLANK_NEEDS: dict[str, dict[str, Cell]] = {
    "ClientId": {"UserId": _fill("UserId", "crm-1")},
    "UserId": {"ClientId": _fill("ClientId", "1795012345678901234")},
    "Yclid": {"ClientId": _fill("ClientId", "1795012345678901234")},
    "PurchaseId": {"ClientId": _fill("ClientId", "1795012345678901234")},
    "StaticCall": {"ClientId": _fill("ClientId", "1795012345678901234")},
    "Currency": {"Price": None},
}
DEFECTS |= {
    "*|empty_row": dict.fromkeys(column_names("calls") + column_names("conversions")),
    "DateTime|fraction": {"DateTime": pl.col("DateTime") + pl.lit(".5")},
    "TalkDuration|uint32": {"TalkDuration": "4294967296"},
    "HoldDuration|uint32": {"HoldDuration": "99999999999"},
}
for _name in dict.fromkeys(column_names("calls") + column_names("conversions")):
    DEFECTS[f"{_name}|padded"] = {
        **_PADDED_NEEDS.get(_name, {}),
        _name: _padded(_name, _DEFAULTS.get(_name, "")),
    }
    if _name not in ("DateTime", "Target"):
        DEFECTS[f"{_name}|not_blank"] = {**_BLANK_NEEDS.get(_name, {}), _name: " \t "}
"""For each row rule, the cells that make a generated (valid) row break that rule alone.

``DateTime|not_future`` uses 2100-01-01, so it stays in the future for any realistic ``now``.
A cell may be an expression over the row's own cells (a padded value is the row's value with
spaces around it).
"""


class Sample(NamedTuple):
    """A generated frame (every column text) and the rows that break a rule on purpose."""

    frame: pl.DataFrame
    broken: pl.DataFrame
    """``row`` (1-based) and ``rule`` for every deliberately broken row, in row order."""


def assert_valid(
    frame: pl.DataFrame | pl.LazyFrame | str,
    kind: str = "calls",
    *,
    now: int | float | datetime | None = None,
    strict: bool = False,
) -> None:
    """Fail a test with the text report (phones masked) when ``frame`` breaks the contract.

    ``strict=True`` fails on warnings too.
    """
    __tracebackhide__ = True
    report = validate(frame, kind, now=now)
    if not report.ok or (strict and report.warnings.height):
        raise AssertionError(report.to_text())


def _rand(seed: int, salt: int) -> pl.Expr:
    """A reproducible pseudo-random UInt64 per row, from (seed, salt)."""
    return pl.int_range(pl.len(), dtype=pl.UInt64).hash(seed * 1_000_003 + salt)


def _calls(rows: int, seed: int, now: int) -> pl.DataFrame:
    r = [_rand(seed, i) for i in range(12)]
    who = r[0] % 100  # 0-74 ClientId, 75-84 UserId, 85-94 Yclid, 95-99 static without ID
    missed = r[5] % 10 < 3
    priced = r[8] % 10 == 0
    digits19 = (pl.lit(1_700_000_000_000_000_000, pl.UInt64) + r[1] % 10**17).cast(pl.String)
    return pl.select(pl.repeat(None, rows, dtype=pl.Null).alias("_")).select(
        pl.when((who >= 75) & (who < 85)).then(pl.format("crm-{}", r[2] % 10**6)).alias("UserId"),
        pl.when(who < 75).then(digits19).alias("ClientId"),
        pl.when((who >= 85) & (who < 95)).then((r[3] % 10**18).cast(pl.String)).alias("Yclid"),
        (pl.lit(now - 3600) - (r[4] % (20 * 86400)).cast(pl.Int64))
        .cast(pl.String)
        .alias("DateTime"),
        (who >= 95).cast(pl.Int8).cast(pl.String).alias("StaticCall"),
        pl.when(priced)
        .then(pl.format("{}.{}", r[9] % 10000, (r[9] % 100).cast(pl.String).str.zfill(2)))
        .alias("Price"),
        pl.when(priced).then(pl.lit("RUB")).alias("Currency"),
        pl.format("+79{}", (r[7] % 10**9).cast(pl.String).str.zfill(9)).alias("PhoneNumber"),
        pl.when(missed)
        .then(pl.lit(0, pl.UInt64))
        .otherwise(r[6] % 900)
        .cast(pl.String)
        .alias("TalkDuration"),
        (r[10] % 60).cast(pl.String).alias("HoldDuration"),
        missed.cast(pl.Int8).cast(pl.String).alias("CallMissed"),
        pl.when(r[11] % 4 == 0).then(pl.lit("целевой")).alias("Tag"),
        (r[11] % 3 == 0).cast(pl.Int8).cast(pl.String).alias("FirstTimeCaller"),
        pl.format("https://example.ru/landing/{}?utm_source=yandex", r[11] % 1000).alias("URL"),
        pl.format("https://tracker.example/calls/{}", pl.int_range(pl.len())).alias(
            "CallTrackerURL"
        ),
    )


def _conversions(rows: int, seed: int, now: int) -> pl.DataFrame:
    r = [_rand(seed, 100 + i) for i in range(8)]
    who = r[0] % 100  # 0-69 ClientId, 70-79 UserId, 80-89 Yclid, 90-99 PurchaseId
    priced = r[3] % 2 == 0
    return pl.select(pl.repeat(None, rows, dtype=pl.Null).alias("_")).select(
        pl.format("goal_{}", r[1] % 5).alias("Target"),
        (pl.lit(now - 3600) - (r[2] % (20 * 86400)).cast(pl.Int64))
        .cast(pl.String)
        .alias("DateTime"),
        pl.when(priced).then(pl.format("{}.{}", r[4] % 100000, r[4] % 10)).alias("Price"),
        pl.when(priced).then(pl.lit("RUB")).alias("Currency"),
        pl.when(who < 70)
        .then((pl.lit(1_700_000_000_000_000_000, pl.UInt64) + r[5] % 10**17).cast(pl.String))
        .alias("ClientId"),
        pl.when((who >= 70) & (who < 80)).then(pl.format("user-{}", r[6] % 10**5)).alias("UserId"),
        pl.when((who >= 80) & (who < 90)).then((r[7] % 10**18).cast(pl.String)).alias("Yclid"),
        pl.when(who >= 90).then(pl.format("ORD-{}", r[6] % 10**7)).alias("PurchaseId"),
    )


def _sample(
    kind: str,
    n: int,
    seed: int,
    invalid_fraction: float,
    now: int | float | datetime | None,
    rules: list[str] | None,
) -> Sample:
    k = parse_kind(kind)
    if n < 0 or not 0.0 <= invalid_fraction <= 1.0:
        raise UsageError("n must be >= 0 and invalid_fraction between 0 and 1")
    when = resolve_now(now)
    frame = _calls(n, seed, when) if k == "calls" else _conversions(n, seed, when)
    applicable = [r.id for r in rules_for(k, scope="row") if r.id in DEFECTS]
    chosen_rules = applicable if rules is None else list(rules)
    unknown = sorted(set(chosen_rules) - set(applicable))
    if unknown:
        raise UsageError(
            f"no generated defect for {unknown} in {k!r} data; choose from {applicable}"
        )
    empty = pl.DataFrame(schema={"row": pl.Int64, "rule": pl.String})
    if invalid_fraction == 0 or not chosen_rules or n == 0:
        return Sample(frame, empty)

    pick = pl.int_range(pl.len(), dtype=pl.UInt64).hash(seed * 7919 + 17)
    hit = (pick % 1_000_000) < int(invalid_fraction * 1_000_000)
    which = (pick // 1_000_000) % len(chosen_rules)
    names = set(column_names(k))
    columns: dict[str, pl.Expr] = {c: pl.col(c) for c in frame.columns}
    for i, rule_id in enumerate(chosen_rules):
        for column, bad in DEFECTS[rule_id].items():
            if column in names:
                cell = bad if isinstance(bad, pl.Expr) else pl.lit(bad, dtype=pl.String)
                columns[column] = pl.when(hit & (which == i)).then(cell).otherwise(columns[column])
    labels = dict(enumerate(chosen_rules))
    marks = frame.select(hit.alias("hit"), which.cast(pl.Int64).alias("which"))
    broken = (
        marks.with_row_index("row", offset=1)
        .filter(pl.col("hit"))
        .select(
            pl.col("row").cast(pl.Int64),
            pl.col("which").replace_strict(labels, return_dtype=pl.String).alias("rule"),
        )
    )
    return Sample(frame.select(**columns), broken)


def sample_calls(
    n: int,
    *,
    seed: int = 0,
    invalid_fraction: float = 0.0,
    now: int | float | datetime | None = None,
    rules: list[str] | None = None,
) -> Sample:
    """``n`` call rows valid at ``now``; ``invalid_fraction`` of them break one rule each.

    Rows are realistic: ClientIds of 19 digits, some UserIds and Yclids, 5% static calls without
    an ID, 30% missed, prices in 10%. ``rules`` limits the broken rules (default: every row rule
    of the calls contract, warnings included; see :data:`DEFECTS`). Same ``seed``, same data.
    """
    return _sample("calls", n, seed, invalid_fraction, now, rules)


def sample_conversions(
    n: int,
    *,
    seed: int = 0,
    invalid_fraction: float = 0.0,
    now: int | float | datetime | None = None,
    rules: list[str] | None = None,
) -> Sample:
    """Like :func:`sample_calls`, for the offline-conversion (``upload``, BASIC) contract."""
    return _sample("conversions", n, seed, invalid_fraction, now, rules)


def frames(
    kind: str = "calls",
    *,
    min_rows: int = 1,
    max_rows: int = 50,
    invalid_fraction: float = 0.0,
    now: int | float | datetime | None = None,
) -> SearchStrategy[Sample]:
    """A hypothesis strategy of :class:`Sample` s built on the generator (needs hypothesis)."""
    from hypothesis import strategies as st

    maker = sample_calls if parse_kind(kind) == "calls" else sample_conversions
    when = resolve_now(now)

    def build(n: int, seed: int) -> Sample:
        return maker(n, seed=seed, invalid_fraction=invalid_fraction, now=when)

    return st.builds(build, st.integers(min_rows, max_rows), st.integers(0, 2**31 - 1))

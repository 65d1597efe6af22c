"""The contract's rule flags as lazy expressions (``callframe._checks``): what ``validate`` runs,
and what a conversion runs inside its own (streaming) query."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callframe._checks import FileIssue, RowChecks, dirty_columns, row_checks
from callframe.conversion.checks import StreamedFailures
from callframe.validation import check_frame

from .conftest import NOW


def numbered(frame: pl.DataFrame, first_row: int = 1) -> pl.LazyFrame:
    """``frame`` with the 1-based ``__row`` that :meth:`RowChecks.flag` expects."""
    rows = pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64, eager=True)
    return frame.lazy().with_columns(rows.alias("__row"))


def run(checks: RowChecks, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The flagged frame, the errors and the warnings of ``frame``."""
    flagged = checks.flag(numbered(frame)).collect()
    errors, warnings = checks.failures(flagged.filter("__any"))
    return flagged, errors, warnings


def same(a: tuple[pl.DataFrame, ...], b: tuple[pl.DataFrame, ...]) -> bool:
    return len(a) == len(b) and all(x.equals(y) for x, y in zip(a, b, strict=True))


CALLS = pl.DataFrame(
    {
        "ClientId": ["17", " 18", "x", None],
        "DateTime": ["1795435100", "1795435100.5", "1795435100", "1795435100"],
        "PhoneNumber": ["+79161234567", "89161234567", "+79161234567", "+79161234567"],
        "Tag": ["a", "b", "  ", "c"],
    }
)


def test_flag_adds_the_text_view_one_flag_per_rule_and_the_verdicts() -> None:
    checks = row_checks(CALLS.schema, "calls", now=NOW)
    flagged, _, _ = run(checks, CALLS)
    assert checks.text_columns == ["ClientId", "DateTime", "PhoneNumber", "Tag"]
    assert flagged["ClientId"].to_list() == ["17", "18", "x", None]  # trimmed
    assert flagged["DateTime"].to_list() == ["1795435100"] * 4  # the fraction cut
    assert flagged["Tag"].to_list() == ["a", "b", None, "c"]  # blank is empty
    assert flagged["__rule:ClientId|padded"].to_list() == [False, True, False, False]
    assert flagged["__rule:PhoneNumber|e164"].to_list() == [False, True, False, False]
    assert flagged["__invalid"].to_list() == [False, True, True, True]  # 4: no ID
    assert flagged["__any"].to_list() == [False, True, True, True]
    assert flagged["__row"].to_list() == [1, 2, 3, 4]


def test_failures_are_the_reports_from_the_failing_rows_only() -> None:
    checks = row_checks(CALLS.schema, "calls", now=NOW)
    _, errors, warnings = run(checks, CALLS)
    report = check_frame(CALLS, now=NOW)
    assert errors.equals(report.errors) and warnings.equals(report.warnings)
    assert errors.select("row", "rule").rows() == [
        (2, "PhoneNumber|e164"),
        (3, "ClientId|digits"),
        (4, "*|id_required"),
    ]
    # registry order within a row; a raw rule shows the value as given; phones masked
    assert warnings.select("row", "rule", "value").rows() == [
        (2, "DateTime|fraction", "1795435100.5"),
        (2, "ClientId|padded", " 18"),
        (3, "Tag|not_blank", "  "),
    ]
    assert errors.filter(pl.col("rule") == "PhoneNumber|e164")["value"].item() != "89161234567"


def test_failures_ignores_rows_that_break_nothing() -> None:
    checks = row_checks(CALLS.schema, "calls", now=NOW)
    flagged = checks.flag(numbered(CALLS)).collect()
    assert same(checks.failures(flagged), checks.failures(flagged.filter("__any")))


def test_header_failures_come_first_and_a_header_error_invalidates_every_row() -> None:
    frame = CALLS.rename({"Tag": "tag"}).with_columns(pl.lit("?").alias("Extra"))
    checks = row_checks(frame.schema, "calls", now=NOW, file_issues=[FileIssue("*|bom", "h")])
    assert checks.whole_file and checks.renames == {"tag": "Tag"}
    assert checks.header_errors["rule"].to_list() == ["*|unknown_column"]
    assert checks.header_warnings["rule"].to_list() == ["*|column_case", "*|bom"]
    flagged, errors, warnings = run(checks, frame)
    assert flagged["__invalid"].all() and "Tag" in flagged.columns and "tag" not in flagged.columns
    assert errors["rule"].to_list()[:2] == ["*|unknown_column", "PhoneNumber|e164"]
    assert warnings["rule"].to_list()[:3] == ["*|column_case", "*|bom", "DateTime|fraction"]


@pytest.mark.parametrize("part_rows", [1, 2, 100])
def test_failures_built_part_by_part_are_those_built_at_once(
    part_rows: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A streamed conversion builds each batch's failures as it comes (the rows' failures read
    their own row only), the header's once: the same frames, titles and hints included. The
    parts wait in temporary files, removed once the result is built."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    frame = pl.concat([CALLS] * 3).rename({"Tag": "tag"}).with_columns(pl.lit("?").alias("Extra"))
    checks = row_checks(frame.schema, "calls", now=NOW, file_issues=[FileIssue("*|bom", "h")])
    failing = checks.flag(numbered(frame)).collect().filter("__any")
    parts = StreamedFailures(
        lambda rows: checks.failures(rows, header=False),
        (checks.header_errors, checks.header_warnings),
        part_rows=part_rows,
    )
    for batch in (failing.slice(0, 1), failing.slice(1, 0), failing.slice(1, 4), failing[5:]):
        parts.add(batch)
    spilled = [p for folder in tmp_path.iterdir() for p in folder.iterdir()]
    assert len(spilled) >= (2 if part_rows == 1 else 0)  # a part: each row, errors and warnings
    errors, warnings = parts.result()
    assert list(tmp_path.iterdir()) == []
    assert errors["row"][0] is None and warnings["row"][:2].is_null().all()  # the header's
    assert errors.height > 3 and warnings.height > 3
    assert same((errors, warnings), checks.failures(failing))


def test_failures_of_no_failing_rows_are_the_headers() -> None:
    checks = row_checks(CALLS.schema, "calls", now=NOW, file_issues=[FileIssue("*|bom", "h")])
    parts = StreamedFailures(
        lambda rows: checks.failures(rows, header=False),
        (checks.header_errors, checks.header_warnings),
    )
    parts.add(checks.flag(numbered(CALLS)).collect().filter("__any").head(0))
    assert same(parts.result(), (checks.header_errors, checks.header_warnings))


def test_flag_reads_no_data() -> None:
    def refuse(frame: pl.DataFrame) -> pl.DataFrame:
        raise AssertionError("data was read while building the query")

    lazy = numbered(CALLS).map_batches(refuse, schema=numbered(CALLS).collect_schema())
    flagged = row_checks(CALLS.schema, "calls", now=NOW).flag(lazy)  # builds, reads nothing
    assert "__invalid" in flagged.collect_schema()


def test_flag_runs_in_a_streaming_query_and_agrees_with_the_eager_one(tmp_path: Path) -> None:
    rows = [
        f"{i % 7 or ''},{1795435100 - i}{'.5' if i % 11 == 0 else ''},"
        f"{'+7916123456' + str(i % 10) if i % 5 else '8916'}, t{i} "
        for i in range(5_000)
    ]
    source = tmp_path / "calls.csv"
    source.write_text("ClientId,DateTime,PhoneNumber,Tag\n" + "\n".join(rows) + "\n")
    scan = pl.scan_csv(source, infer_schema=False, row_index_name="__row", row_index_offset=1)
    eager = pl.read_csv(source, infer_schema=False)
    checks = row_checks(eager.schema, "calls", now=NOW)
    flagged = checks.flag(scan.with_columns(pl.col("__row").cast(pl.Int64)))
    valid = tmp_path / "valid.csv"
    sink = flagged.filter(~pl.col("__invalid")).select(checks.text_columns)
    failing = flagged.filter("__any").select(checks.failing_columns)
    [written, failed] = pl.collect_all(
        [sink.sink_csv(valid, lazy=True), failing], engine="streaming"
    )
    assert written.is_empty()
    report = check_frame(eager, now=NOW)
    assert pl.read_csv(valid, infer_schema=False).equals(report.valid_text())
    assert same(checks.failures(failed), (report.errors, report.warnings))
    assert report.errors.height and report.warnings.height  # both kinds were exercised


CELLS: list[str | None] = [
    "",
    " ",
    "\t",
    "17",
    " 17",
    "17 ",
    "x",
    "1795435100",
    " 1795435100.25",
    "1795435100.9",
]
CELLS += ["+79161234567", "RUB", " usd", "1", "0", "a b", None]
NAMES = ["ClientId", "UserId", "DateTime", "Price", "Currency", "Tag", "StaticCall", "clientid"]


@st.composite
def frames(draw: st.DrawFn) -> pl.DataFrame:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=6, unique=True))
    height = draw(st.integers(0, 6))
    out = []
    for name in names:
        typed = draw(st.sampled_from([pl.String, pl.String, pl.Int64, pl.Float64]))
        if typed == pl.String:
            cells = draw(st.lists(st.sampled_from(CELLS), min_size=height, max_size=height))
        else:
            values = [1795435100, 1795435100.5, 7.25, -3] if typed == pl.Float64 else [7, -1]
            cells = draw(
                st.lists(st.sampled_from([*values, None]), min_size=height, max_size=height)
            )
        out.append(pl.Series(name, cells, dtype=typed, strict=False))
    return pl.DataFrame(out)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=frames(), kind=st.sampled_from(["calls", "conversions"]))
def test_the_cheap_pre_scan_changes_nothing_but_the_cost(frame: pl.DataFrame, kind: str) -> None:
    """``dirty=None`` (every text column may need normalising, as in a streaming query) gives
    the same text, verdicts and failures as the pre-scan's ``dirty=`` (what ``validate`` does)."""
    everywhere = row_checks(frame.schema, kind, now=NOW)
    scanned = row_checks(frame.schema, kind, now=NOW, dirty=dirty_columns(frame, kind))
    (a, a_errors, a_warnings), (b, b_errors, b_warnings) = (
        run(everywhere, frame),
        run(scanned, frame),
    )
    shown = [*everywhere.text_columns, "__invalid", "__any"]
    assert a.select(shown).equals(b.select(shown))
    assert a_errors.equals(b_errors) and a_warnings.equals(b_warnings)


def test_dirty_columns_names_the_columns_with_anything_to_normalise() -> None:
    frame = pl.DataFrame(
        {
            "clientid": [" 17"],  # read as ClientId
            "UserId": ["u"],
            "DateTime": [1795435100.5],
            "Price": [" "],
            "Tag": [""],
            "HoldDuration": [3],
        }
    )
    assert dirty_columns(frame, "calls") == {"ClientId", "DateTime", "Price", "Tag"}
    assert dirty_columns(frame.head(0), "calls") == set()


@pytest.mark.parametrize("first_row", [1, 100_001])
def test_row_numbers_are_those_of_the_given_rows(first_row: int) -> None:
    checks = row_checks(CALLS.schema, "calls", now=NOW)
    flagged = checks.flag(numbered(CALLS, first_row)).collect()
    errors, _ = checks.failures(flagged.filter("__any"))
    assert errors["row"].to_list() == [first_row + 1, first_row + 2, first_row + 3]
    report = check_frame(CALLS, now=NOW, first_row=first_row)
    assert errors.equals(report.errors)


def test_a_column_of_another_dtype_is_trimmed_and_warned_like_text() -> None:
    """Whatever the dtype, what is written is what is checked: padded bytes are trimmed and
    reported, with or without the pre-scan."""
    frame = pl.DataFrame(
        {"UserId": ["u", "u"], "DateTime": ["1795435100"] * 2, "Tag": [b" t1", b"t2"]}
    )
    assert dirty_columns(frame, "calls") == {"Tag"}
    report = check_frame(frame, now=NOW)
    assert report.warnings.select("row", "rule", "value").rows() == [(1, "Tag|padded", " t1")]
    assert report.valid_text()["Tag"].to_list() == ["t1", "t2"]
    _, _, warnings = run(row_checks(frame.schema, "calls", now=NOW), frame)
    assert warnings.equals(report.warnings)


def _integer_boundaries(dtype: pl.DataType) -> pl.DataFrame:
    """Integers at every boundary of the rules on DateTime, durations and flags."""
    from callframe.contract.rules import (
        LINK_WINDOW_SECONDS,
        MIN_DATETIME,
        SKEW_SECONDS,
        UINT32_MAX,
    )

    marks = [
        0,
        MIN_DATETIME,
        NOW - LINK_WINDOW_SECONDS,
        NOW,
        NOW + SKEW_SECONDS,
        UINT32_MAX,
        10**10,
        10**12,
        10**13,
        2**63 - 1,
        2**64 - 1,
        -(2**63),
    ]
    near = sorted({m + d for m in marks for d in (-1, 0, 1)} | {2, 127, -128, -5})
    bounds = {
        pl.Int8: (-128, 127),
        pl.Int32: (-(2**31), 2**31 - 1),
        pl.Int64: (-(2**63), 2**63 - 1),
        pl.UInt64: (0, 2**64 - 1),
    }[dtype]  # type: ignore[index]
    values = [v for v in near if bounds[0] <= v <= bounds[1]]
    return pl.DataFrame({"v": [*values, None]}, schema={"v": dtype})


@pytest.mark.parametrize("dtype", [pl.Int8, pl.Int32, pl.Int64, pl.UInt64])
def test_rules_on_integer_columns_read_the_integers_as_their_text(dtype: pl.DataType) -> None:
    # a conversion's DateTime, durations and flags are integers: their rules compare the
    # integer instead of parsing its text again, with the verdicts of the text's rules
    v = _integer_boundaries(dtype).get_column("v")
    names = ["DateTime", "TalkDuration", "HoldDuration", "StaticCall", "CallMissed"]
    typed = pl.DataFrame({"ClientId": ["1"] * len(v), **{n: v for n in names}})
    text = typed.with_columns(pl.col(names).cast(pl.String))
    flagged = {}
    for frame in (typed, text):
        checks = row_checks(frame.schema, "calls", now=NOW)
        flagged[frame.schema["DateTime"]] = checks.flag(numbered(frame)).collect()
    by_integer, by_text = flagged[dtype], flagged[pl.String]
    compared = [c for c in by_integer.columns if c.startswith("__rule:") or c in names]
    assert any(c.startswith("__rule:DateTime|") for c in compared)
    assert by_integer.select(compared).equals(by_text.select(compared))
    if dtype in (pl.Int64, pl.UInt64):  # the boundaries are crossed
        assert by_integer["__rule:DateTime|not_future"].any()
        assert by_integer["__rule:DateTime|older_than_21_days"].any()
        assert by_integer["__rule:TalkDuration|uint32"].any()

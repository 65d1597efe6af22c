"""Every row rule has a passing and a failing example, and fails alone (tests named by rule id)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import callframe
from callframe.contract.rules import RULES, RuleContext, rule, rules_for

from .examples import EXAMPLES, GOOD_CALL, GOOD_CHAT, GOOD_CONVERSION, NOW, row

ROW_RULES = [r.id for r in RULES if r.scope == "row"]


def _frame(cells: dict[str, str | None]) -> pl.DataFrame:
    return pl.DataFrame([cells], schema={k: pl.String for k in cells})


def _broken(report: callframe.ValidationReport) -> set[str]:
    return set(report.errors["rule"]) | set(report.warnings["rule"])


def test_every_row_rule_has_examples() -> None:
    assert sorted(EXAMPLES) == sorted(ROW_RULES)


def test_rule_ids_are_unique_and_well_formed() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for r in RULES:
        column, _, name = r.id.partition("|")
        assert column and name and name == name.lower(), r.id
        assert r.title and "\n" not in r.title, r.id


@pytest.mark.parametrize("kind", ["calls", "conversions", "chats"])
def test_good_rows_are_valid(kind: str) -> None:
    good = {"calls": GOOD_CALL, "conversions": GOOD_CONVERSION, "chats": GOOD_CHAT}[kind]
    report = callframe.validate(_frame(good), kind, now=NOW)
    assert report.ok and report.warnings.height == 0, report.to_text()


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES), ids=sorted(EXAMPLES))
def test_rule_passes(rule_id: str) -> None:
    kind, passing, _ = EXAMPLES[rule_id]
    report = callframe.validate(_frame(row(kind, passing)), kind, now=NOW)
    assert rule_id not in _broken(report), report.to_text()
    assert report.ok


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES), ids=sorted(EXAMPLES))
def test_rule_fails_alone(rule_id: str) -> None:
    kind, _, failing = EXAMPLES[rule_id]
    report = callframe.validate(_frame(row(kind, failing)), kind, now=NOW)
    assert _broken(report) == {rule_id}, report.to_text()
    failures = report.errors if rule(rule_id).severity == "error" else report.warnings
    assert failures["row"].to_list() == [1]
    assert report.ok is (rule(rule_id).severity == "warning")
    assert report.n_valid + report.n_rejected == report.n_rows == 1


def test_rules_for_kind_only_name_columns_of_that_kind() -> None:
    calls = {r.id for r in rules_for("calls")}
    conversions = {r.id for r in rules_for("conversions")}
    assert "PhoneNumber|e164" in calls and "PhoneNumber|e164" not in conversions
    assert "Target|goal_name" in conversions and "Target|goal_name" not in calls
    assert "PurchaseId|not_blank" not in calls


def test_uint64_boundary_is_exact() -> None:
    frame = pl.DataFrame(
        {
            "ClientId": ["18446744073709551615", "18446744073709551616", "00000000000000000001"],
            "DateTime": [str(NOW)] * 3,
        }
    )
    report = callframe.validate(frame, now=NOW)
    assert report.errors.select("row", "rule").rows() == [(2, "ClientId|uint64")]


def test_trailing_garbage_is_caught() -> None:
    """pandera's str_matches anchors only the start; our patterns are anchored at both ends."""
    frame = pl.DataFrame(
        {"ClientId": ["123abc"], "DateTime": [f"{NOW}x"], "PhoneNumber": ["+79161234567 ext"]}
    )
    report = callframe.validate(frame, now=NOW)
    assert set(report.errors["rule"]) == {"ClientId|digits", "DateTime|integer", "PhoneNumber|e164"}


def test_now_is_a_parameter() -> None:
    frame = pl.DataFrame({"ClientId": ["1"], "DateTime": [NOW]})
    assert callframe.validate(frame, now=NOW).ok
    assert not callframe.validate(frame, now=NOW - 3600).ok


_PADS = st.sampled_from([" ", "\t", "\r", "\n"])
_TEXT = st.lists(_PADS | st.sampled_from(["", "a", "1", "б", "\u00a0", "\v"]), max_size=6).map(
    "".join
)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(_TEXT | st.none(), min_size=1, max_size=8))
def test_padded_and_not_blank_are_spaces_tabs_or_line_ends_around_or_only(
    values: list[str | None],
) -> None:
    """``padded``: a space, tab, CR or LF at either end of a value that is not only those;
    ``not_blank``: a value made only of them (other whitespace, such as NBSP, is a value)."""
    pad = " \t\r\n"
    frame = pl.DataFrame({"Tag": values}, schema={"Tag": pl.String})
    ctx = RuleContext(kind="calls", now=NOW, present=frozenset({"Tag"}))
    got = frame.select(
        rule("Tag|padded").expression(ctx).alias("padded"),
        rule("Tag|not_blank").expression(ctx).alias("blank"),
    )
    only = [v is not None and v != "" and not v.strip(pad) for v in values]
    around = [v is not None and v != v.strip(pad) for v in values]
    assert got["blank"].to_list() == only
    assert got["padded"].to_list() == [a and not o for a, o in zip(around, only, strict=True)]

"""callframe.testing: the generator is valid by construction and its defects are exact."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings

import callframe
from callframe.contract.rules import RULES
from callframe.testing import (
    DEFECTS,
    Sample,
    assert_valid,
    frames,
    sample_calls,
    sample_chats,
    sample_conversions,
)

from .conftest import NOW


@pytest.mark.parametrize(
    ("maker", "kind"),
    [(sample_calls, "calls"), (sample_conversions, "conversions"), (sample_chats, "chats")],
)
def test_samples_are_valid_and_reproducible(maker, kind: str) -> None:  # type: ignore[no-untyped-def]
    first = maker(2000, seed=11, now=NOW)
    assert first.frame.equals(maker(2000, seed=11, now=NOW).frame)
    assert not first.frame.equals(maker(2000, seed=12, now=NOW).frame)
    assert first.broken.height == 0
    assert_valid(first.frame, kind, now=NOW, strict=True)


@pytest.mark.parametrize(
    ("maker", "kind"),
    [(sample_calls, "calls"), (sample_conversions, "conversions"), (sample_chats, "chats")],
)
def test_each_broken_row_breaks_exactly_its_named_rule(maker, kind: str) -> None:  # type: ignore[no-untyped-def]
    sample = maker(30_000, seed=5, invalid_fraction=0.05, now=NOW)
    report = callframe.validate(sample.frame, kind, now=NOW)
    found = pl.concat([report.errors, report.warnings]).select("row", "rule").sort("row", "rule")
    assert found.equals(sample.broken.sort("row", "rule"))
    assert set(sample.broken["rule"]) == {
        r.id for r in RULES if r.scope == "row" and kind in r.kinds
    }
    assert 0.04 < sample.broken.height / 30_000 < 0.06


def test_rules_can_be_chosen() -> None:
    sample = sample_calls(1000, seed=1, invalid_fraction=0.5, now=NOW, rules=["PhoneNumber|e164"])
    assert set(sample.broken["rule"]) == {"PhoneNumber|e164"}
    with pytest.raises(callframe.UsageError, match="Target"):
        sample_calls(10, rules=["Target|required"], now=NOW, invalid_fraction=0.5)


def test_every_row_rule_has_a_generated_defect() -> None:
    assert set(DEFECTS) == {r.id for r in RULES if r.scope == "row"}


def test_assert_valid_message_is_the_report_without_phones() -> None:
    sample = sample_calls(200, seed=2, invalid_fraction=1.0, now=NOW, rules=["PhoneNumber|e164"])
    with pytest.raises(AssertionError) as info:
        assert_valid(sample.frame, now=NOW)
    text = str(info.value)
    assert "PhoneNumber|e164" in text and "8 (916) 123-45-67" not in text


@settings(max_examples=25, deadline=None)
@given(frames("calls", max_rows=40, now=NOW))
def test_hypothesis_strategy_yields_valid_samples(sample: Sample) -> None:
    assert callframe.validate(sample.frame, now=NOW).ok


def test_sample_chats_has_named_defects_and_every_platform() -> None:
    from callframe.testing import sample_chats

    sample = sample_chats(3000, seed=4, now=NOW)
    platforms = set(sample.frame["ChatPlatform"].unique())
    assert platforms == {"whatsapp", "telegram", "viber"}
    broken = sample_chats(
        500, seed=4, invalid_fraction=0.2, now=NOW, rules=["ChatPlatform|allowed", "*|unattributed"]
    )
    assert set(broken.broken["rule"]) == {"ChatPlatform|allowed", "*|unattributed"}
    report = callframe.validate(broken.frame, "chats", now=NOW)
    assert set(report.errors["rule"]) == {"ChatPlatform|allowed"}
    assert set(report.warnings["rule"]) == {"*|unattributed"}
    with pytest.raises(callframe.UsageError, match="StaticCall"):
        sample_chats(10, rules=["StaticCall|flag"], invalid_fraction=0.5, now=NOW)

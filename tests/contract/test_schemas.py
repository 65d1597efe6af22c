"""The Pandera models: generated from the same rules, and never shallow on LazyFrames."""

from __future__ import annotations

import polars as pl
import pytest

import callframe
from callframe.contract.rules import rules_for
from callframe.contract.schemas import pandera_schema

from ..conftest import FIXTURES, NOW


def contract_frame() -> pl.DataFrame:
    """A valid contract frame in contract dtypes (what report.valid() returns)."""
    text = pl.read_csv(FIXTURES / "metrica" / "calls.csv", infer_schema=False)
    return callframe.validate(text, now=NOW).valid()


def test_valid_contract_frame_passes_the_pandera_model() -> None:
    frame = contract_frame()
    out = pandera_schema("calls", now=NOW).validate(frame, lazy=True)
    assert out.equals(frame)


def test_every_row_rule_is_a_named_pandera_check() -> None:
    schema = pandera_schema("calls", now=NOW)
    names = {c.name for c in schema.checks}
    for column in schema.columns.values():
        names |= {c.name for c in column.checks}
    assert names == {r.id for r in rules_for("calls", scope="row")}


def test_lazyframe_data_checks_are_not_skipped() -> None:
    import pandera.errors

    bad = contract_frame().with_columns(pl.lit("8 916 123").alias("PhoneNumber")).lazy()
    with pytest.raises(pandera.errors.SchemaErrors) as info:
        callframe.CallsSchema.validate(bad, lazy=True)
    checks = set(info.value.failure_cases["check"])
    assert any("PhoneNumber is not" in c for c in checks)


def test_conversions_model_has_target_rules() -> None:
    import pandera.errors

    frame = pl.DataFrame({"Target": ["Заявка"], "DateTime": [NOW - 10], "ClientId": ["17"]})
    with pytest.raises(pandera.errors.SchemaErrors) as info:
        pandera_schema("conversions", now=NOW).validate(frame, lazy=True)
    assert "Target holds Cyrillic text" in " ".join(info.value.failure_cases["check"])


def test_the_chats_model_agrees_with_validate() -> None:
    import pandera.errors

    text = pl.read_csv(FIXTURES / "metrica" / "chats.csv", infer_schema=False)
    frame = callframe.validate(text, "chats", now=NOW).valid()
    schema = pandera_schema("chats", now=NOW)
    assert schema.validate(frame, lazy=True).equals(frame)
    names = {c.name for c in schema.checks}
    for column in schema.columns.values():
        names |= {c.name for c in column.checks}
    assert names == {r.id for r in rules_for("chats", scope="row")}
    assert callframe.ChatsSchema.__name__ == "ChatsSchema"

    bad = frame.with_columns(pl.lit("Telegram").alias("ChatPlatform"))
    with pytest.raises(pandera.errors.SchemaErrors) as info:
        pandera_schema("chats", now=NOW).validate(bad, lazy=True)
    assert "ChatPlatform is not one of" in " ".join(info.value.failure_cases["check"])

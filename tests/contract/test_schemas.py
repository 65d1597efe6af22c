"""The pandera schemas are the contract a pandera user gets: they agree with ``validate`` exactly.

Same failing rows and rule ids for every defect, on DataFrames and LazyFrames, text and typed
frames; only pandera's own errors; warnings stay warnings; the checks survive serialisation;
the failure cases have a masked form for logs.
"""

from __future__ import annotations

import json
import time
import warnings

import pandera.errors
import pandera.polars as pa
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import callframe
from callframe.contract.rules import rule, rules_for
from callframe.contract.schemas import (
    CHECK_NAME,
    CallsSchema,
    ConversionsSchema,
    masked_failure_cases,
    pandera_schema,
)
from callframe.testing import DEFECTS, frames, sample_calls, sample_conversions

from ..conftest import FIXTURES, NOW
from .agreement import TYPINGS, by_callframe, by_pandera, typed

GOOD_PHONE = "+79161234567"
FRAME_RULES = {
    "*|dtype",
    "*|missing_id_column",
    "*|unknown_column",
    "*|column_case",
    "*|duplicate_column",
    "*|no_rows",
}
"""The checks about the whole frame (``*|missing_column`` is pandera's own failure)."""


def contract_frame() -> pl.DataFrame:
    """A valid contract frame in contract dtypes (what report.valid returns)."""
    text = pl.read_csv(FIXTURES / "metrica" / "calls.csv", infer_schema=False)
    return callframe.validate(text, now=NOW).valid


def text_frame() -> pl.DataFrame:
    return pl.read_csv(FIXTURES / "metrica" / "calls.csv", infer_schema=False)


def rules_failed(exc: pandera.errors.SchemaErrors | pandera.errors.SchemaError) -> set[str]:
    return set(masked_failure_cases(exc)["rule"].to_list())


# --- agreement -----------------------------------------------------------------------------------


def _defect_cases() -> list[tuple[str, str]]:
    cases = []
    for kind in ("calls", "conversions"):
        applicable = {r.id for r in rules_for(kind, scope="row")}
        cases += [(kind, rule_id) for rule_id in DEFECTS if rule_id in applicable]
    return cases


@pytest.mark.parametrize(("kind", "rule_id"), _defect_cases())
def test_every_defect_fails_the_same_rows_in_both_engines(kind: str, rule_id: str) -> None:
    maker = sample_calls if kind == "calls" else sample_conversions
    sample = maker(12, seed=3, invalid_fraction=0.5, rules=[rule_id], now=NOW)
    ours = by_callframe(sample.frame, kind, NOW)
    assert rule_id in {r for _, r in ours.errors} | ours.warnings  # the defect is there
    assert by_pandera(sample.frame.lazy(), kind, NOW) == ours


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["calls", "conversions"]),
    data=st.data(),
    typing=st.sampled_from(sorted(TYPINGS)),
    lazy=st.booleans(),
)
def test_pandera_agrees_with_validate_on_generated_frames(
    kind: str, data: st.DataObject, typing: str, lazy: bool
) -> None:
    sample = data.draw(frames(kind, min_rows=0, max_rows=25, invalid_fraction=0.3, now=NOW))
    frame = typed(sample.frame, typing)
    lower = data.draw(st.sets(st.sampled_from(frame.columns)) if frame.width else st.just(set()))
    frame = frame.rename({name: name.lower() for name in lower})  # `*|column_case`, read as named
    given_frame = frame.lazy() if lazy else frame
    assert by_pandera(given_frame, kind, NOW) == by_callframe(frame, kind, NOW)


@pytest.mark.parametrize(
    "name", ["calls_defects.csv", "calls_header_defects.csv", "calls_missing_datetime.csv"]
)
def test_pandera_agrees_with_validate_on_the_defect_fixtures(name: str) -> None:
    frame = pl.read_csv(FIXTURES / "metrica" / "defects" / name, infer_schema=False)
    assert by_pandera(frame.lazy(), "calls", NOW) == by_callframe(frame, "calls", NOW)


def test_pandera_agrees_on_frames_without_contract_columns_or_rows() -> None:
    for frame in (
        pl.DataFrame({"Comment": ["x"]}),
        pl.DataFrame(schema={"DateTime": pl.String, "Comment": pl.String}),
        pl.DataFrame(schema={"DateTime": pl.Int64, "ClientId": pl.Int64}),
        pl.DataFrame(schema={"DateTime": pl.String, "clientid": pl.String}),  # `*|no_rows`
        pl.DataFrame({"DateTime": [str(NOW - 60)], "Comment": ["x"]}),  # `*|missing_id_column`
        pl.DataFrame({"datetime": [str(NOW - 60)], "clientid": ["17"]}),  # `*|column_case`
        pl.DataFrame(),
    ):
        assert by_pandera(frame, "calls", NOW) == by_callframe(frame, "calls", NOW)


def _spelled(frame: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    """The frame with some header names spelled otherwise; row 1's ClientId has letters."""
    bad = pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("12ab")).otherwise(pl.col("ClientId"))
    return frame.with_columns(bad.alias("ClientId")).rename(names)


@pytest.mark.parametrize(
    "names",
    [
        {"ClientId": "clientid"},  # read as ClientId: its own rules run on it
        {"DateTime": "date time", "UserId": " USERID "},  # a required column, non-word characters
        {"ClientId": "client_id"},  # `_` is a word character: an unknown column
        {"UserId": "clientid"},  # read as ClientId beside ClientId: a duplicate
    ],
)
@pytest.mark.parametrize("typing", ["text", "numbers"])
def test_pandera_reads_header_names_as_validate_does(names: dict[str, str], typing: str) -> None:
    frame = _spelled(typed(text_frame(), typing), names)
    ours = by_callframe(frame, "calls", NOW)
    assert ours.errors or ours.warnings
    for either in (frame, frame.lazy()):
        assert by_pandera(either, "calls", NOW) == ours


def test_a_frame_read_under_contract_names_comes_back_as_given() -> None:
    frame = text_frame().rename({"ClientId": "clientid", "DateTime": "datetime"})
    with pytest.warns(pandera.errors.SchemaWarning, match=r"\*\|column_case"):
        out = pandera_schema("calls", now=NOW).validate(frame.lazy(), lazy=True)
    assert out.collect().equals(frame)
    assert callframe.validate(frame, now=NOW).ok


# --- LazyFrames, pandera's own errors, no noise ----------------------------------------------


def test_a_bad_lazyframe_raises_a_pandera_error_naming_the_rule() -> None:
    bad = text_frame().with_columns(pl.lit("8 916 123").alias("PhoneNumber")).lazy()
    with pytest.raises(pandera.errors.SchemaError, match=r"PhoneNumber\|e164"):
        pandera_schema("calls", now=NOW).validate(bad)
    with pytest.raises(pandera.errors.SchemaErrors) as info:
        pandera_schema("calls", now=NOW).validate(bad, lazy=True)
    assert "PhoneNumber|e164" in str(info.value)
    assert rules_failed(info.value) == {"PhoneNumber|e164"}


def test_lazyframe_data_checks_run_even_when_pandera_is_told_schema_only() -> None:
    from pandera.config import ValidationDepth, config_context

    bad = text_frame().with_columns(pl.lit("-5").alias("TalkDuration")).lazy()
    with (
        config_context(validation_depth=ValidationDepth.SCHEMA_ONLY),
        pytest.raises(pandera.errors.SchemaErrors) as info,
    ):
        pandera_schema("calls", now=NOW).validate(bad, lazy=True)
    assert rules_failed(info.value) == {"TalkDuration|non_negative"}


def test_a_valid_lazyframe_comes_back_lazy_and_unchanged() -> None:
    frame = text_frame()
    out = pandera_schema("calls", now=NOW).validate(frame.lazy(), lazy=True)
    assert isinstance(out, pl.LazyFrame)
    assert out.collect().equals(frame)


@pytest.mark.parametrize("lazy", [False, True])
def test_a_frame_without_datetime_is_a_pandera_error(lazy: bool) -> None:
    frame = text_frame().drop("DateTime")
    with pytest.raises(pandera.errors.SchemaErrors) as info:
        pandera_schema("calls", now=NOW).validate(frame.lazy() if lazy else frame, lazy=True)
    assert rules_failed(info.value) == {"*|missing_column"}
    with pytest.raises(pandera.errors.SchemaError):
        pandera_schema("calls", now=NOW).validate(frame)


@pytest.mark.parametrize(
    ("column", "bad", "rule_id"),
    [
        ("DateTime", "2026-11-20 09:15:30", "DateTime|integer"),
        ("ClientId", "1.795012345678901E+18", "ClientId|digits"),
        ("TalkDuration", "00:01:35", "TalkDuration|whole_seconds"),
        ("Price", "1 500,50", "Price|decimal"),
    ],
)
def test_one_bad_cell_is_one_failure(column: str, bad: str, rule_id: str) -> None:
    frame = text_frame().with_columns(pl.lit("1").alias("Price"), pl.lit("RUB").alias("Currency"))
    first = pl.int_range(pl.len()) == 0
    frame = frame.with_columns(
        pl.when(first).then(pl.lit(bad)).otherwise(pl.col(column)).alias(column)
    )
    with pytest.raises(pandera.errors.SchemaErrors) as info:
        pandera_schema("calls", now=NOW).validate(frame, lazy=True)
    cases = masked_failure_cases(info.value)
    assert cases.select("index", "rule").rows() == [(0, rule_id)]


def test_contract_dtypes_pass() -> None:
    frame = contract_frame()
    assert frame.schema["DateTime"] == pl.Int64 and frame.schema["Price"] == pl.Float64
    assert pandera_schema("calls", now=NOW).validate(frame, lazy=True).equals(frame)


@pytest.mark.parametrize(
    ("column", "dtype"),
    [
        ("ClientId", pl.Int64),  # coercion would make it text and let it pass
        ("ClientId", pl.Float64),  # digits already lost
        ("DateTime", pl.Datetime("us", "UTC")),  # coercion would make it microseconds: future
    ],
)
def test_unsafe_dtypes_fail_as_dtype_only(column: str, dtype: pl.DataType) -> None:
    frame = contract_frame().with_columns(pl.lit("1795012345678901234").alias("ClientId"))
    if dtype == pl.Datetime("us", "UTC"):
        frame = frame.with_columns(
            pl.from_epoch("DateTime", time_unit="s").dt.replace_time_zone("UTC")
        )
    else:
        frame = frame.with_columns(pl.col(column).cast(dtype, strict=False))
    with pytest.raises(pandera.errors.SchemaErrors) as info:
        pandera_schema("calls", now=NOW).validate(frame, lazy=True)
    cases = masked_failure_cases(info.value)
    assert set(cases["rule"]) == {"*|dtype"}
    assert set(cases["column"]) == {column}
    assert callframe.validate(frame, now=NOW).errors["rule"].to_list() == ["*|dtype"]


def test_no_pandera_dtype_and_no_coercion() -> None:
    schema = pandera_schema("calls", now=NOW)
    assert schema.coerce is False and schema.strict is False
    assert all(c.dtype is None and not c.coerce for c in schema.columns.values())
    assert {n for n, c in schema.columns.items() if c.required} == {"DateTime"}


# --- warnings -------------------------------------------------------------------------------


def test_warnings_are_python_warnings_and_the_frame_passes() -> None:
    frame = text_frame().with_columns(pl.lit(str(NOW - 30 * 86400)).alias("DateTime"))
    with pytest.warns(pandera.errors.SchemaWarning, match=r"DateTime\|older_than_21_days"):
        out = pandera_schema("calls", now=NOW).validate(frame, lazy=True)
    assert out.equals(frame)
    report = callframe.validate(frame, now=NOW)
    assert report.ok and set(report.warnings["rule"]) == {"DateTime|older_than_21_days"}


# --- the models and "now" -----------------------------------------------------------------


def test_models_read_the_clock_and_validate_lazyframes_in_full() -> None:
    recent = str(int(time.time()) - 60)
    frame = text_frame().with_columns(pl.lit(recent).alias("DateTime"))
    assert CallsSchema.validate(frame.lazy()).collect().equals(frame)
    bad = frame.with_columns(pl.lit("8 916 123").alias("PhoneNumber"))
    with pytest.raises(pandera.errors.SchemaErrors) as info:
        CallsSchema.validate(bad.lazy(), lazy=True)
    assert rules_failed(info.value) == {"PhoneNumber|e164"}
    assert callframe.CallsSchema is CallsSchema
    assert CallsSchema.DateTime == "DateTime"


def test_conversions_model_has_target_rules() -> None:
    frame = pl.DataFrame({"Target": ["Заявка"], "DateTime": [NOW - 10], "ClientId": ["17"]})
    with pytest.raises(pandera.errors.SchemaErrors) as info:
        pandera_schema("conversions", now=NOW).validate(frame, lazy=True)
    assert rules_failed(info.value) == {"Target|goal_name"}
    with pytest.raises(pandera.errors.SchemaErrors):
        ConversionsSchema.validate(frame.with_columns(DateTime=pl.lit(int(time.time()))), lazy=True)


def test_every_rule_is_a_registered_check_named_by_its_id() -> None:
    schema = pandera_schema("calls", now=NOW)
    checks = list(schema.checks) + [c for col in schema.columns.values() for c in col.checks]
    assert {c.name for c in checks} == {CHECK_NAME}
    named = {c.statistics["rule"] for c in checks}
    row_rules = {r.id for r in rules_for("calls", scope="row")}
    assert row_rules <= named
    assert named - row_rules == FRAME_RULES
    assert all(c.error.startswith(c.statistics["rule"] + ": ") for c in checks)


# --- serialisation ----------------------------------------------------------------------------


def test_serialised_schema_carries_every_check() -> None:
    schema = pandera_schema("calls", now=NOW)
    text = schema.to_json()
    assert text is not None
    document = json.loads(text)
    serialised = [c for col in document["columns"].values() for c in col["checks"]]
    serialised += document["checks"]
    found = {c["rule"] for c in serialised}
    assert found == {r.id for r in rules_for("calls", scope="row")} | FRAME_RULES
    assert all(c["options"]["check_name"] == CHECK_NAME and c["now"] == NOW for c in serialised)
    assert all(c["options"]["error"].startswith(c["rule"] + ": ") for c in serialised)
    warned = {c["rule"] for c in serialised if c["options"].get("raise_warning")}
    assert warned == {r for r in found if rule(r).severity == "warning"}
    assert {"*|column_case", "DateTime|older_than_21_days", "DateTime|fraction"} <= warned
    yaml_text = schema.to_yaml()
    assert yaml_text is not None and "checks: null" not in yaml_text
    assert "PhoneNumber|e164" in yaml_text


def test_a_schema_read_back_fails_the_same_rows() -> None:
    schema = pandera_schema("calls", now=NOW)
    back = pa.DataFrameSchema.from_yaml(schema.to_yaml())
    sample = sample_calls(30, seed=5, invalid_fraction=0.3, now=NOW)
    caught = []
    for s in (schema, back):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pandera.errors.SchemaWarning)
            with pytest.raises(pandera.errors.SchemaErrors) as info:
                s.validate(sample.frame, lazy=True)
        caught.append(
            masked_failure_cases(info.value).select("index", "rule").sort("index", "rule")
        )
    assert caught[0].equals(caught[1])


# --- personal data ------------------------------------------------------------------------------


def test_masked_failure_cases_never_show_a_phone_whole() -> None:
    frame = text_frame().with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("8 (916) 123-45-67"))
        .otherwise(pl.lit(GOOD_PHONE))
        .alias("PhoneNumber"),
        # row 2 breaks a dataframe check (no ID): pandera gives the whole row, phone included
        pl.when(pl.int_range(pl.len()) == 1)
        .then(None)
        .otherwise(pl.col("ClientId"))
        .alias("ClientId"),
        pl.when(pl.int_range(pl.len()) == 1).then(None).otherwise(pl.col("UserId")).alias("UserId"),
        pl.when(pl.int_range(pl.len()) == 1).then(None).otherwise(pl.col("Yclid")).alias("Yclid"),
        pl.lit("0").alias("StaticCall"),
    )
    with pytest.raises(pandera.errors.SchemaErrors) as info:
        pandera_schema("calls", now=NOW).validate(frame, lazy=True)
    raw = info.value.failure_cases
    assert raw["failure_case"].str.contains(GOOD_PHONE, literal=True).any()  # why masking exists
    masked = masked_failure_cases(info.value)
    assert set(masked["rule"]) == {"PhoneNumber|e164", "*|id_required"}
    shown = " ".join(str(v) for v in masked.rows())
    assert "123-45-67" not in shown and GOOD_PHONE not in shown
    (shown_phone,) = masked.filter(pl.col("rule") == "PhoneNumber|e164")["failure_case"]
    assert "*" in shown_phone and shown_phone.endswith("67")


def test_masked_failure_cases_of_a_single_schema_error() -> None:
    bad = text_frame().with_columns(pl.lit("8 916 123 45 67").alias("PhoneNumber"))
    with pytest.raises(pandera.errors.SchemaError) as info:
        pandera_schema("calls", now=NOW).validate(bad)
    masked = masked_failure_cases(info.value)
    assert set(masked["rule"]) == {"PhoneNumber|e164"}
    assert not masked["failure_case"].str.contains("123 45", literal=True).any()


# --- chats ------------------------------------------------------------------------------------


def test_the_chats_schema_agrees_with_validate() -> None:
    from .agreement import by_callframe, by_pandera

    for name in ("chats.csv", "defects/chats_defects.csv"):
        frame = pl.read_csv(FIXTURES / "metrica" / name, infer_schema=False)
        assert by_pandera(frame, "chats", NOW) == by_callframe(frame, "chats", NOW), name
    assert callframe.ChatsSchema.to_schema().name == "ChatsSchema"
    checks = pandera_schema("chats", now=NOW)
    named = {c.statistics["rule"] for c in checks.checks} | {
        c.statistics["rule"] for col in checks.columns.values() for c in col.checks
    }
    assert {"ChatPlatform|allowed", "*|chat_contact_required", "*|unattributed"} <= named

"""What Metrica does with each rule's failures (the rule's ``effect``), and the six cases the
server accepts, which are warnings (metrica-server.md, "Accepted as valid")."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import polars as pl
import pytest

import callframe
from callframe.contract.rules import EFFECTS, RULES, Effect, effect_of, rule

from .examples import NOW

T = NOW - 3600


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calls.csv"
    path.write_bytes(text.encode())
    return path


def _found(report: callframe.ValidationReport) -> list[tuple[str, str, str | None]]:
    f = report.findings()
    return sorted(zip(f["rule"], f["severity"], f["effect"], strict=True))


def test_the_four_effects_are_documented_once() -> None:
    assert set(EFFECTS) == set(get_args(Effect))
    assert list(EFFECTS) == ["refuse_file", "drop_row", "keep_wrong_value", "accept"]


def test_every_rule_has_an_effect_and_warnings_are_exactly_what_metrica_accepts() -> None:
    for r in RULES:
        assert r.effect in EFFECTS, r.id
        assert (r.severity == "warning") is (r.effect == "accept"), r.id


@pytest.mark.parametrize(
    ("rule_id", "effect"),
    [
        # metrica-server.md, "Whole request refused"
        ("*|no_rows", "refuse_file"),
        ("*|missing_column", "refuse_file"),
        ("*|missing_id_column", "refuse_file"),
        ("*|malformed_csv", "refuse_file"),
        # "File accepted, one row dropped"
        ("*|id_required", "drop_row"),
        ("ClientId|digits", "drop_row"),
        ("Yclid|digits", "drop_row"),
        ("DateTime|required", "drop_row"),
        ("DateTime|integer", "drop_row"),
        ("DateTime|not_before_2000", "drop_row"),
        ("DateTime|not_future", "drop_row"),
        ("DateTime|milliseconds", "drop_row"),  # read as seconds: far in the future
        ("*|empty_row", "drop_row"),
        # "File and row accepted, although a value is wrong"
        ("TalkDuration|whole_seconds", "keep_wrong_value"),
        ("HoldDuration|non_negative", "keep_wrong_value"),
        ("TalkDuration|uint32", "keep_wrong_value"),
        ("CallMissed|flag", "keep_wrong_value"),
        ("Price|decimal", "keep_wrong_value"),
        ("Currency|iso4217", "keep_wrong_value"),
        # "Accepted as valid"
        ("*|column_case", "accept"),
        ("*|blank_line", "accept"),
        ("TalkDuration|padded", "accept"),
        ("Tag|not_blank", "accept"),
        ("DateTime|fraction", "accept"),
    ],
)
def test_effects_follow_the_server(rule_id: str, effect: str) -> None:
    assert rule(rule_id).effect == effect == effect_of(rule_id)


def test_a_rule_outside_the_contract_has_no_effect() -> None:
    assert effect_of("DateTime|unreadable") is None


# --- the six cases the server accepts are warnings ---------------------------------------------


@pytest.mark.parametrize(
    "spelling", ["clientid", "CLIENTID", " ClientId ", "Client Id", "'ClientId'", "!Client*Id?"]
)
def test_a_header_name_matching_without_non_word_characters_is_a_warning(
    tmp_path: Path, spelling: str
) -> None:
    csv_name = f'"{spelling}"' if spelling.strip() != spelling else spelling
    report = callframe.validate(_file(tmp_path, f"{csv_name},DateTime\n1,{T}\n"), now=NOW)
    assert report.ok and report.n_valid == 1
    assert report.warnings.select("column", "rule", "value").rows() == [
        (spelling, "*|column_case", spelling)  # the exact spelling is named
    ]
    assert report.valid_text().columns == ["ClientId", "DateTime"]  # written exactly


@pytest.mark.parametrize("name", ["Client_Id", "ClientIdentifier", "Клиент"])
def test_a_header_name_matching_nothing_is_an_error(tmp_path: Path, name: str) -> None:
    """``_`` is a word character: the server does not remove it."""
    report = callframe.validate(_file(tmp_path, f"{name},UserId,DateTime\n1,u,{T}\n"), now=NOW)
    assert report.errors.select("rule", "value").rows() == [("*|unknown_column", name)]


def test_two_spellings_of_one_column_are_a_duplicate(tmp_path: Path) -> None:
    report = callframe.validate(_file(tmp_path, f"ClientId,clientid,DateTime\n1,2,{T}\n"), now=NOW)
    assert report.errors.select("column", "rule", "value").rows() == [
        ("ClientId", "*|duplicate_column", "clientid")
    ]
    assert report.refused


def test_blank_lines_are_skipped_with_a_warning(tmp_path: Path) -> None:
    text = f"\nClientId,DateTime\n1,{T}\n\n2,{T}\n\n"
    report = callframe.validate(_file(tmp_path, text), now=NOW)
    assert report.ok and report.n_rows == 2 and report.predicted_line_quantity == 2
    assert report.warnings.select("rule", "value").rows() == [("*|blank_line", "lines 1, 4, 6")]


def test_a_row_of_empty_fields_is_dropped_not_skipped(tmp_path: Path) -> None:
    report = callframe.validate(_file(tmp_path, f"ClientId,DateTime\n,\n1,{T}\n"), now=NOW)
    assert report.errors.select("row", "rule").rows() == [(1, "*|empty_row")]
    assert (report.n_rows, report.predicted_line_quantity) == (2, 1)


def test_padded_values_are_warnings_and_written_trimmed(tmp_path: Path) -> None:
    text = f'ClientId,DateTime,TalkDuration,Tag\n 1\t,\t{T} ,"\t136 ", a b \n'
    report = callframe.validate(_file(tmp_path, text), now=NOW)
    assert report.ok
    assert _found(report) == [
        ("ClientId|padded", "warning", "accept"),
        ("DateTime|padded", "warning", "accept"),
        ("Tag|padded", "warning", "accept"),
        ("TalkDuration|padded", "warning", "accept"),
    ]
    # the value as given is shown; the text view (what is written) is trimmed
    assert report.warnings.filter(pl.col("rule") == "TalkDuration|padded")["value"].to_list() == [
        "\t136 "
    ]
    assert report.valid_text().row(0) == ("1", str(T), "136", "a b")


def test_whitespace_only_optional_values_are_warnings_and_written_empty(tmp_path: Path) -> None:
    report = callframe.validate(
        _file(tmp_path, f"ClientId,DateTime,Tag,Price\n1,{T},  ,\t\n"), now=NOW
    )
    assert report.ok
    assert _found(report) == [
        ("Price|not_blank", "warning", "accept"),
        ("Tag|not_blank", "warning", "accept"),
    ]
    assert report.valid_text().row(0) == ("1", str(T), None, None)


def test_a_whitespace_only_id_is_empty_so_the_row_is_dropped(tmp_path: Path) -> None:
    report = callframe.validate(_file(tmp_path, f"UserId,DateTime\n  \t ,{T}\nu,{T}\n"), now=NOW)
    assert _found(report) == [
        ("*|id_required", "error", "drop_row"),
        ("UserId|not_blank", "warning", "accept"),
    ]
    assert report.predicted_line_quantity == 1


def test_a_datetime_fraction_is_a_warning_and_truncated(tmp_path: Path) -> None:
    """Truncated toward zero, not rounded: ``.9`` does not become the next second."""
    text = f"ClientId,DateTime\n1,{T}.12345\n2,{T}.9\n"
    report = callframe.validate(_file(tmp_path, text), now=NOW)
    assert report.ok and set(report.warnings["rule"]) == {"DateTime|fraction"}
    assert report.valid_text()["DateTime"].to_list() == [str(T), str(T)]


def test_a_datetime_fraction_still_meets_the_other_rules() -> None:
    frame = pl.DataFrame({"ClientId": ["1"], "DateTime": [f"{NOW + 3600}.5"]})
    report = callframe.validate(frame, now=NOW)
    assert set(report.errors["rule"]) == {"DateTime|not_future"}


def test_the_writer_writes_the_canonical_form(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {"ClientId": [" 17 "], "DateTime": [f"{T}.75"], "Tag": ["  "], "URL": [None]}
    )
    [path] = callframe.write_csv(frame, tmp_path / "out.csv", now=NOW)
    assert path.read_text() == f"ClientId,DateTime\n17,{T}\n"


# --- what the server refuses is an error -------------------------------------------------------


def test_a_header_only_file_is_refused(tmp_path: Path) -> None:
    report = callframe.validate(_file(tmp_path, "ClientId,DateTime\n"), now=NOW)
    assert _found(report) == [("*|no_rows", "error", "refuse_file")]
    assert report.refused and report.predicted_line_quantity == 0


def test_a_file_without_any_id_column_is_refused(tmp_path: Path) -> None:
    report = callframe.validate(_file(tmp_path, f"DateTime,StaticCall\n{T},1\n"), now=NOW)
    assert _found(report) == [("*|missing_id_column", "error", "refuse_file")]
    assert report.refused


def test_client_id_type_names_the_column_that_must_be_there(tmp_path: Path) -> None:
    path = _file(tmp_path, f"ClientId,DateTime\n1,{T}\n")
    assert callframe.validate(path, now=NOW, client_id_type="CLIENT_ID").ok
    report = callframe.validate(path, now=NOW, client_id_type="USER_ID")
    assert report.refused
    assert ("UserId", "*|missing_id_column") in report.errors.select("column", "rule").rows()
    with pytest.raises(callframe.UsageError, match="PHONE"):
        callframe.validate(path, now=NOW, client_id_type="PHONE")


def test_with_client_id_type_only_that_column_is_the_rows_id() -> None:
    frame = pl.DataFrame({"ClientId": ["1", None], "UserId": ["u", "v"], "DateTime": [str(T)] * 2})
    report = callframe.validate(frame, now=NOW, client_id_type="CLIENT_ID")
    assert report.errors.select("row", "rule").rows() == [(2, "*|id_required")]
    assert callframe.validate(frame, now=NOW).ok


@pytest.mark.parametrize("line", ['"tes"t', '"1"x'])
def test_malformed_csv_is_refused(tmp_path: Path, line: str) -> None:
    report = callframe.validate(_file(tmp_path, f"ClientId,DateTime\n1,{T}\n{line},{T}\n"), now=NOW)
    assert report.errors.select("rule", "value").rows() == [("*|malformed_csv", "line 3")]
    assert report.refused


def test_a_malformed_header_is_refused(tmp_path: Path) -> None:
    report = callframe.validate(_file(tmp_path, f'ClientId,"tes"t\n1,{T}\n'), now=NOW)
    assert "*|malformed_csv" in set(report.errors["rule"]) and report.refused


@pytest.mark.parametrize(
    ("value", "broken"),
    [("4294967295", False), ("04294967295", False), ("4294967296", True), ("10000000000", True)],
)
def test_durations_are_uint32(value: str, broken: bool) -> None:
    frame = pl.DataFrame({"ClientId": ["1"], "DateTime": [str(T)], "HoldDuration": [value]})
    report = callframe.validate(frame, now=NOW)
    assert (report.errors["rule"].to_list() == ["HoldDuration|uint32"]) is broken
    assert report.ok is not broken


def test_a_frame_is_normalised_like_a_file() -> None:
    """A float DateTime with a fraction and a padded categorical are warnings, as in a CSV."""
    frame = pl.DataFrame(
        {
            "ClientId": ["1"],
            "DateTime": [T + 0.75],
            "Tag": pl.Series([" a "], dtype=pl.Categorical),
        }
    )
    report = callframe.validate(frame, now=NOW)
    assert report.ok and set(report.warnings["rule"]) == {"DateTime|fraction", "Tag|padded"}
    assert report.valid_text().row(0) == ("1", str(T), "a")

"""validate() on typed frames, LazyFrames and odd dtypes; the report's invariants."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

import callframe

from .conftest import NOW


def typed_calls() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ClientId": ["1795012345678901234", None, "17"],
            "DateTime": [NOW - 10, NOW - 20, NOW + 10_000],
            "StaticCall": [False, True, False],
            "TalkDuration": [95.0, 40.0, 3.0],
            "Price": [1500.0, None, 99.9],
            "Currency": ["RUB", None, "USD"],
            "PhoneNumber": ["+79161234567", "+79265554433", "89161234567"],
        }
    )


def test_typed_frame_is_checked_as_the_text_it_would_be_written_as() -> None:
    report = callframe.validate(typed_calls(), now=NOW)
    assert report.errors.select("row", "rule").rows() == [
        (3, "DateTime|not_future"),
        (3, "PhoneNumber|e164"),
    ]
    valid = report.valid
    assert valid.columns == [
        "ClientId",
        "DateTime",
        "StaticCall",
        "Price",
        "Currency",
        "PhoneNumber",
        "TalkDuration",
    ]
    assert valid.schema["StaticCall"] == pl.Int8 and valid.schema["TalkDuration"] == pl.Int64
    assert report.valid_text()["TalkDuration"].to_list() == ["95", "40"]
    assert report.valid_text()["Price"].to_list() == ["1500", None]


def test_lazyframe_is_collected_and_fully_checked() -> None:
    lazy = typed_calls().lazy()
    report = callframe.validate(lazy, now=NOW)
    assert report.n_rows == 3 and report.n_rejected == 1


def test_filter_returns_the_valid_rows_and_the_report_in_one_call() -> None:
    valid, report = callframe.filter(typed_calls(), now=NOW)
    assert isinstance(report, callframe.ValidationReport) and not report.ok
    assert valid.equals(report.valid) and valid.height == report.n_valid == 2
    assert valid.get_column("PhoneNumber").to_list() == ["+79161234567", "+79265554433"]
    assert report.rejected.get_column("row").to_list() == [3]


def test_filter_takes_the_arguments_of_validate(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text("ClientId,DateTime\n17,1795435100\nx,1795435100\n", encoding="utf-8")
    valid, report = callframe.filter(path, "calls", now=NOW, client_id_type="CLIENT_ID")
    assert report.source == str(path) and valid.get_column("ClientId").to_list() == ["17"]


def test_a_pandas_frame_is_accepted_with_integer_ids_kept_as_text(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas", reason="pandas is optional (the dev extra installs it)")
    frame = pd.DataFrame(
        {"ClientId": [1795012345678901234, 17], "DateTime": [NOW - 100, NOW + 10_000]}
    )
    valid, report = callframe.filter(frame, now=NOW)
    assert report.n_rows == 2 and report.counts() == {"DateTime|not_future": 1}
    assert valid.get_column("ClientId").to_list() == ["1795012345678901234"]  # every digit
    [written] = callframe.write_csv(frame.iloc[:1], tmp_path / "calls.csv", now=NOW)
    assert "1795012345678901234" in written.read_text(encoding="utf-8")


def test_a_pandas_float_id_is_still_named_as_a_dtype_error() -> None:
    pd = pytest.importorskip("pandas", reason="pandas is optional (the dev extra installs it)")
    report = callframe.validate(
        pd.DataFrame({"ClientId": [17.0], "DateTime": [NOW - 100]}), now=NOW
    )
    assert report.errors.get_column("rule").to_list() == ["*|dtype"]


def test_float_client_id_is_a_dtype_error_with_the_fix() -> None:
    frame = pl.DataFrame({"ClientId": [1.795012345678901234e18], "DateTime": [NOW]})
    report = callframe.validate(frame, now=NOW)
    assert report.errors.select("column", "rule").rows() == [("ClientId", "*|dtype")]
    assert "pl.String" in report.errors["hint"][0]
    assert report.n_rejected == 1


def test_datetime_dtype_error_says_how_to_convert() -> None:
    frame = pl.DataFrame({"UserId": ["u1"], "DateTime": [datetime(2026, 11, 20, tzinfo=UTC)]})
    report = callframe.validate(frame, now=NOW)
    assert report.errors["rule"].to_list() == ["*|dtype"]
    assert "epoch('s')" in report.errors["hint"][0]


def test_non_whole_float_duration_is_reported_not_truncated() -> None:
    frame = pl.DataFrame({"UserId": ["u"], "DateTime": [NOW], "HoldDuration": [7.5]})
    report = callframe.validate(frame, now=NOW)
    assert report.errors.select("rule", "value").rows() == [("HoldDuration|whole_seconds", "7.5")]


def test_now_accepts_aware_datetime_and_refuses_naive() -> None:
    frame = pl.DataFrame({"UserId": ["u"], "DateTime": [NOW]})
    assert callframe.validate(frame, now=datetime.fromtimestamp(NOW, UTC)).ok
    with pytest.raises(callframe.UsageError, match="aware"):
        callframe.validate(frame, now=datetime(2026, 11, 23))


def test_unknown_kind_is_a_usage_error() -> None:
    with pytest.raises(callframe.UsageError, match="'calls', 'conversions' or 'chats'"):
        callframe.validate(pl.DataFrame({"DateTime": [NOW]}), "chat")


def test_wrong_input_type_is_a_usage_error() -> None:
    with pytest.raises(callframe.UsageError, match="DataFrame"):
        callframe.validate({"DateTime": [NOW]})  # type: ignore[arg-type]


def test_a_frame_without_rows_is_refused_like_a_header_only_file() -> None:
    """metrica-server.md: a header and no data rows → 400 invalid_uploading."""
    report = callframe.validate(
        pl.DataFrame(schema={"ClientId": pl.String, "DateTime": pl.String}), now=NOW
    )
    assert report.errors["rule"].to_list() == ["*|no_rows"]
    assert report.refused and report.predicted_line_quantity == 0
    assert report.n_rows == 0 and report.valid.height == 0 and report.rejected.height == 0


def test_a_batch_without_rows_is_not_an_upload() -> None:
    """check_frame on a batch of a longer file (as_upload=False) does not ask for rows."""
    from callframe.validation import check_frame

    report = check_frame(pl.DataFrame(schema={"ClientId": pl.String, "DateTime": pl.String}))
    assert report.ok and not report.refused


def test_rows_in_equal_valid_plus_invalid_with_many_failures() -> None:
    n = 5000
    frame = pl.DataFrame(
        {
            "ClientId": [str(i) if i % 3 else "x" for i in range(n)],
            "DateTime": [str(NOW - i) for i in range(n)],
            "PhoneNumber": ["+7916" + str(1000000 + i) if i % 7 else "8 916" for i in range(n)],
        }
    )
    report = callframe.validate(frame, now=NOW)
    assert report.n_valid + report.n_rejected == report.n_rows == n
    assert report.valid.height == report.n_valid
    invalid = report.rejected
    assert invalid.height == report.n_rejected
    assert invalid["row"].is_sorted()
    assert set(invalid.columns) == {"row", "ClientId", "DateTime", "PhoneNumber", "rule", "title"}

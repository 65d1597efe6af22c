"""Models parse the documented examples, tolerate what is not documented, and errors keep what
Metrica said."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime

import pytest

from callframe import UsageError
from callframe.metrica import (
    MetricaAuthError,
    MetricaBadRequestError,
    MetricaError,
    MetricaInvalidCommentError,
    MetricaInvalidParameterError,
    MetricaInvalidUploadError,
    MetricaNotFoundError,
    MetricaQuotaError,
    MetricaServerError,
    MetricaThresholdUnmetError,
    OfflineCallsUploading,
    OfflineConversionUploading,
    UploadOutcome,
    UploadPart,
    UploadResult,
    UploadStatus,
)
from callframe.metrica.errors import error_from_response
from callframe.metrica.models import find_hash, marker, parse_metrica_time

# the example of the newest OfflineCallsUploading page, verbatim
CALLS_EXAMPLE = {
    "id": 0,
    "create_time": "2025-01-01T00:00:00Z",
    "source_quantity": 0,
    "line_quantity": 0,
    "comment": "example",
    "type": "BASIC",
    "client_id_type": "USER_ID",
    "status": "example",
    "goal_not_found_quantity": 0,
    "user_not_found_quantity": 0,
    "static_calls_quantity": 0,
    "dynamic_calls_quantity": 0,
    "linked_quantity": 0,
}


def test_every_documented_field_of_a_calls_upload() -> None:
    upload = OfflineCallsUploading.from_api(CALLS_EXAMPLE)
    assert upload.create_time == datetime(2025, 1, 1, tzinfo=UTC)
    assert upload.client_id_type == "USER_ID" and upload.type == "BASIC"
    assert upload.static_calls_quantity == 0 and upload.linked_quantity == 0
    assert upload.extra == {}
    assert upload.to_dict()["create_time"] == "2025-01-01T00:00:00Z"


def test_the_2022_list_example_with_fewer_fields() -> None:
    old = {"id": 5, "create_time": "2022-12-29T18:02:01Z", "status": "string"}
    upload = OfflineCallsUploading.from_api(old)
    assert upload.linked_quantity is None and upload.static_calls_quantity is None


def test_conversion_uploads_have_no_call_counts() -> None:
    upload = OfflineConversionUploading.from_api(CALLS_EXAMPLE)
    assert upload.kind == "conversions"
    assert upload.extra == {"static_calls_quantity": 0, "dynamic_calls_quantity": 0}


def test_statuses() -> None:
    assert [s.value for s in UploadStatus if s.is_final] == ["PROCESSED", "LINKAGE_FAILURE"]
    assert UploadStatus("processed") is UploadStatus.PROCESSED  # old pages' lower case
    new = UploadStatus("ARCHIVED")
    assert new == "ARCHIVED" and not new.is_final and not new.is_known
    assert UploadStatus.MATCHED.is_known


def test_lower_case_client_id_type_from_old_pages_is_normalised() -> None:
    assert (
        OfflineCallsUploading.from_api({"id": 1, "client_id_type": "client_id"}).client_id_type
        == "CLIENT_ID"
    )


def test_an_upload_without_id_is_refused() -> None:
    with pytest.raises(ValueError, match="id"):
        OfflineCallsUploading.from_api({"status": "PROCESSED"})


def test_the_marker_is_letters_and_digits_only() -> None:
    assert marker("0123456789ab") == "cf0123456789ab"
    assert marker("0123456789ab").isalnum()


@pytest.mark.parametrize(
    ("comment", "found"),
    [
        ("nightly cf0123456789ab", "0123456789ab"),
        ("cf0123456789ab", "0123456789ab"),
        ("ночной cf0123456789ab", "0123456789ab"),
        ("nightly CF0123456789AB", None),  # the word is "cf", lower case
        ("nightly cf0123456789AB", "0123456789ab"),  # hex read in any case
        ("nightly [cf:0123456789ab]", "0123456789ab"),  # as earlier versions wrote it
        ("a cf0123456789ab b cfba9876543210", "ba9876543210"),  # the last one
        ("xcf0123456789ab", None),  # not a word of its own
        ("cf0123456789abc", None),  # 13 hex digits
        ("cf0123456789a", None),  # 11
        ("cf0123456789ag", None),
        ("", None),
    ],
)
def test_content_hash_from_comment(comment: str, found: str | None) -> None:
    assert find_hash(comment) == found
    upload = OfflineCallsUploading.from_api({"id": 1, "comment": comment})
    assert upload.content_hash == found
    assert OfflineCallsUploading.from_api({"id": 1}).content_hash is None


def _part(upload: OfflineCallsUploading, rows: int) -> UploadPart:
    return UploadPart(upload, UploadOutcome.SENT, "0" * 12, 10, "f.csv", rows)


def test_a_part_metrica_took_whole_is_not_partial() -> None:
    full = _part(OfflineCallsUploading(id=1, line_quantity=3, goal_not_found_quantity=0), 3)
    assert not full.partial and full.shortfalls == ()
    assert not _part(OfflineCallsUploading(id=1), 3).partial  # counts not known yet


def test_an_upload_speaks_the_common_vocabulary() -> None:
    dropped = _part(OfflineCallsUploading(id=1, line_quantity=8), 10)
    pending = _part(OfflineCallsUploading(id=2), 5)
    assert (dropped.n_rows, dropped.n_valid, dropped.n_rejected, dropped.ok) == (10, 8, 2, False)
    assert (pending.n_rows, pending.n_valid, pending.n_rejected, pending.ok) == (5, 5, 0, True)
    result = UploadResult((dropped, pending))
    assert (result.n_rows, result.n_valid, result.n_rejected, result.ok) == (15, 13, 2, False)
    assert UploadResult((pending,)).ok


def test_dropped_rows_and_unknown_goals_or_visitors_make_a_part_partial() -> None:
    upload = OfflineCallsUploading(
        id=1, line_quantity=8, goal_not_found_quantity=2, user_not_found_quantity=1
    )
    part = _part(upload, 10)
    assert part.partial
    assert part.shortfalls == (
        "Metrica counted 8 of 10 rows sent: 2 dropped",
        "2 rows whose goal Metrica did not find",
        "1 rows whose visitor Metrica did not find",
    )
    other = UploadPart(
        OfflineCallsUploading(id=2, line_quantity=5), UploadOutcome.SENT, "1" * 12, 9, "g.csv", 5
    )
    result = UploadResult((part, other))
    assert (
        result.partial
        and result.shortfalls[0] == "f.csv: Metrica counted 8 of 10 rows sent: 2 dropped"
    )
    assert len(result.shortfalls) == 3
    assert part.to_dict()["partial"] is True and not UploadResult((other,)).partial


def test_result_shortcuts() -> None:
    a = OfflineCallsUploading(id=1)
    part = UploadPart(a, UploadOutcome.FOUND, "0" * 12, 10, "f.csv", 1)
    single = UploadResult((part,))
    assert single.upload is a and single.outcome is UploadOutcome.FOUND and not single.sent
    double = UploadResult((part, part))
    assert double.uploads == (a, a)
    with pytest.raises(UsageError):
        _ = double.upload


@pytest.mark.parametrize(
    ("status", "error_type", "is_upload", "cls"),
    [
        (401, "unauthorized", False, MetricaAuthError),
        (403, "invalid_token", False, MetricaAuthError),
        (403, "access_denied", False, MetricaAuthError),
        (404, "not_found", False, MetricaNotFoundError),
        (400, "invalid_parameter", False, MetricaInvalidParameterError),
        (400, "wrong_parameter_value", True, MetricaInvalidParameterError),
        (400, "WRONG_PARAMETER_VALUE", True, MetricaInvalidParameterError),
        (400, "invalid_uploading", False, MetricaInvalidUploadError),
        (400, "INVALID_UPLOADING", False, MetricaInvalidUploadError),
        (400, "invalid_multipart_request", True, MetricaInvalidUploadError),
        (400, "missing_request_part", True, MetricaInvalidUploadError),
        (400, "something_new", True, MetricaInvalidUploadError),  # on an upload: the file
        (400, "something_new", False, MetricaBadRequestError),
        (400, "not_allowed_symbols_in_comment", True, MetricaInvalidCommentError),
        (400, "NOT_ALLOWED_SYMBOLS_IN_COMMENT", True, MetricaInvalidCommentError),
        (400, "visit_join_threshold_unmet", True, MetricaThresholdUnmetError),
        (400, "VISIT_JOIN_THRESHOLD_UNMET", True, MetricaThresholdUnmetError),
        (429, "quota_requests_by_uid", False, MetricaQuotaError),
        (503, "backend_error", False, MetricaServerError),
        (504, "timeout", False, MetricaServerError),
    ],
)
def test_status_and_type_map_to_classes(
    status: int, error_type: str, is_upload: bool, cls: type[MetricaError]
) -> None:
    body = (
        f'{{"errors":[{{"error_type":"{error_type}","message":"Oops","location":"file"}}],'
        f'"code":{status},"message":"Oops"}}'
    ).encode()
    err = error_from_response(status, body, method="POST", path="/p", is_upload=is_upload)
    assert type(err) is cls
    assert (err.status_code, err.error_type, err.message, err.location) == (
        status,
        error_type,
        "Oops",
        "file",
    )
    assert str(err).startswith(f"Metrica {status} {error_type}: Oops (at file) [POST /p]")


@pytest.mark.parametrize(
    ("message", "cls"),
    [
        ("Комментарий содержит недопустимые символы.", MetricaInvalidCommentError),
        (
            "Загрузить данные сейчас невозможно. Загрузка станет доступна 2026-11-25",
            MetricaThresholdUnmetError,
        ),
        ("Неверный формат данных, ошибка в строке номер 1", MetricaInvalidUploadError),
    ],
)
def test_a_400_is_also_classified_by_its_russian_message(message: str, cls: type) -> None:
    # the real error_type strings are not all confirmed: the message decides when they differ
    body = json.dumps({"errors": [{"error_type": "other", "message": message}], "code": 400})
    err = error_from_response(400, body.encode(), method="POST", path="/p", is_upload=False)
    assert type(err) is cls and err.error_type == "other" and err.message == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25", datetime(2026, 11, 25)),
        ("2026-11-25T10:30:00Z", datetime(2026, 11, 25, 10, 30, tzinfo=UTC)),
        ("2026-11-25T10:30:00+03:00", datetime.fromisoformat("2026-11-25T10:30:00+03:00")),
        ("2026-11-25T10:30:00+0300", datetime.fromisoformat("2026-11-25T10:30:00+03:00")),
        ("2026-11-25 10:30:00", datetime(2026, 11, 25, 10, 30)),  # no offset: stays naive
        ("2026-11-25T10:30:00.250Z", datetime(2026, 11, 25, 10, 30, 0, 250000, tzinfo=UTC)),
        ("Загрузка станет доступна 2026-11-25 10:30:00.", datetime(2026, 11, 25, 10, 30)),
        ("Загрузка станет доступна 25.11.2026 10:30", datetime(2026, 11, 25, 10, 30)),
        ("Загрузка станет доступна 25.11.2026", datetime(2026, 11, 25)),
        ("Загрузка станет доступна позже", None),
        ("2026-13-45", None),
        (None, None),
    ],
)
def test_threshold_dates_are_read_in_every_form_seen(
    text: str | None, expected: datetime | None
) -> None:
    assert parse_metrica_time(text) == expected


def test_the_threshold_error_says_when_and_how_to_override() -> None:
    message = "Загрузить данные сейчас невозможно. Загрузка станет доступна 2026-11-25 10:30:00"
    body = json.dumps(
        {"errors": [{"error_type": "visit_join_threshold_unmet", "message": message}]}
    ).encode()
    err = error_from_response(400, body, method="POST", path="/p", is_upload=True)
    assert isinstance(err, MetricaThresholdUnmetError)
    assert isinstance(err, MetricaBadRequestError)  # still a 400 to code that catches those
    assert err.available_from == datetime(2026, 11, 25, 10, 30)
    text = str(err)
    assert "uploads become possible from 2026-11-25 10:30:00" in text
    assert "ignore_visit_join_threshold=True" in text and "--ignore-visit-join-threshold" in text
    vague = error_from_response(
        400,
        b'{"errors":[{"error_type":"visit_join_threshold_unmet","message":"later"}]}',
        method="POST",
        path="/p",
    )
    assert isinstance(vague, MetricaThresholdUnmetError) and vague.available_from is None
    assert "become possible later" in str(vague)


def test_a_body_that_is_not_json_still_gives_a_message() -> None:
    err = error_from_response(502, b"<html>Bad gateway</html>", method="GET", path="/p")
    assert isinstance(err, MetricaServerError) and "Bad gateway" in err.message
    assert err.error_type is None


def test_errors_survive_pickling() -> None:
    err = error_from_response(429, b"{}", method="GET", path="/p", retry_after=3.0)
    assert isinstance(err, MetricaQuotaError)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is MetricaQuotaError and back.retry_after == 3.0 and str(back) == str(err)


def test_a_chats_upload_says_chats_in_its_plain_data() -> None:
    from callframe.metrica.models import OfflineConversionUploading

    chats = OfflineConversionUploading.from_api({"id": 1, "type": "CHATS", "status": "UPLOADED"})
    basic = OfflineConversionUploading.from_api({"id": 2, "type": "BASIC"})
    assert chats.to_dict()["kind"] == "chats" and chats.to_dict()["type"] == "CHATS"
    assert basic.to_dict()["kind"] == "conversions"

"""Models parse the documented examples, tolerate what is not documented, and errors keep what
Metrica said."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest

from callframe import UsageError
from callframe.metrica import (
    MetricaAuthError,
    MetricaBadRequestError,
    MetricaError,
    MetricaInvalidUploadError,
    MetricaNotFoundError,
    MetricaQuotaError,
    MetricaServerError,
    OfflineCallsUploading,
    OfflineConversionUploading,
    UploadOutcome,
    UploadPart,
    UploadResult,
    UploadStatus,
)
from callframe.metrica.errors import error_from_response

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


def test_content_hash_from_comment() -> None:
    upload = OfflineCallsUploading.from_api({"id": 1, "comment": "nightly [cf:0123456789ab]"})
    assert upload.content_hash == "0123456789ab"
    assert OfflineCallsUploading.from_api({"id": 1, "comment": "x"}).content_hash is None


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
        (400, "invalid_parameter", False, MetricaBadRequestError),
        (400, "invalid_uploading", False, MetricaInvalidUploadError),
        (400, "invalid_parameter", True, MetricaInvalidUploadError),
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


def test_a_body_that_is_not_json_still_gives_a_message() -> None:
    err = error_from_response(502, b"<html>Bad gateway</html>", method="GET", path="/p")
    assert isinstance(err, MetricaServerError) and "Bad gateway" in err.message
    assert err.error_type is None


def test_errors_survive_pickling() -> None:
    err = error_from_response(429, b"{}", method="GET", path="/p", retry_after=3.0)
    assert isinstance(err, MetricaQuotaError)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is MetricaQuotaError and back.retry_after == 3.0 and str(back) == str(err)

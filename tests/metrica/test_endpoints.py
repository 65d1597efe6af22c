"""Every endpoint, through the sync and the async client, in-process and over a real socket.

Each test runs four times (``flavour`` × ``route``) against a fresh sandbox whose clock is
fixed at the fixtures' ``now``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import polars as pl
import pytest

from callframe import ContractError
from callframe.metrica import (
    MetricaInvalidCommentError,
    MetricaInvalidUploadError,
    MetricaNotFoundError,
    MetricaThresholdUnmetError,
    MetricaWaitTimeoutError,
    OfflineCallsUploading,
    OfflineConversionUploading,
    UploadOutcome,
    UploadStatus,
)
from callframe.metrica.sandbox import Sandbox

from ..conftest import FIXTURES, NOW
from .conftest import COUNTER, Api, MakeApi

CALLS = FIXTURES / "metrica" / "calls_client_ids.csv"  # one ID type: one upload
MIXED = FIXTURES / "metrica" / "calls_mixed_ids.csv"  # ClientId and Yclid rows, one static
CONVERSIONS = FIXTURES / "metrica" / "conversions_client_ids.csv"
DEFECTS = FIXTURES / "metrica" / "defects" / "calls_defects.csv"


def test_upload_calls_returns_the_new_upload_with_counts(api: Api, sandbox: Sandbox) -> None:
    result = api.upload_calls(CALLS, comment="nightly", new_goal_name="Звонок", now=NOW)
    upload = result.upload
    assert result.outcome is UploadOutcome.SENT and result.sent
    assert isinstance(upload, OfflineCallsUploading)
    assert upload.id > 0
    assert upload.source_quantity == upload.line_quantity == 8
    assert upload.static_calls_quantity == 1 and upload.dynamic_calls_quantity == 7
    assert upload.comment == f"nightly cf{result.parts[0].content_hash}"
    assert result.parts[0].client_id_type == "CLIENT_ID" and not result.partial
    [stored] = sandbox.stored()
    assert stored["new_goal_name"] == "Звонок"
    assert stored["client_id_type"] == "CLIENT_ID"
    assert stored["sha256"].startswith(result.parts[0].content_hash)
    assert stored["size"] == CALLS.stat().st_size  # sent byte for byte


def test_upload_conversions_basic(api: Api, sandbox: Sandbox) -> None:
    result = api.upload_conversions(CONVERSIONS, now=NOW)
    assert isinstance(result.upload, OfflineConversionUploading)
    assert result.upload.type == "BASIC"
    assert result.upload.source_quantity == 3
    assert result.upload.comment == f"callframe cf{result.parts[0].content_hash}"
    assert sandbox.stored()[0]["kind"] == "conversions"


def test_list_and_iterate_call_uploads(api: Api, sandbox: Sandbox) -> None:
    frame = pl.read_csv(CALLS, infer_schema=False)
    ids = [api.upload_calls(frame.slice(i, 2), now=NOW).upload.id for i in range(0, 8, 2)]
    assert [u.id for u in api.call_uploads()] == ids
    assert [u.id for u in api.call_uploads(limit=2, offset=1)] == ids[1:3]
    assert [u.id for u in api.iter_call_uploads(page_size=2)] == ids
    assert api.conversion_uploads() == []


def test_get_one_upload_of_each_kind(api: Api) -> None:
    calls = api.upload_calls(CALLS, now=NOW).upload
    conv = api.upload_conversions(CONVERSIONS, now=NOW).upload
    assert api.call_upload(calls.id) == calls
    assert api.conversion_upload(conv.id) == conv
    assert [u.id for u in api.iter_conversion_uploads()] == [conv.id]
    with pytest.raises(MetricaNotFoundError) as caught:
        api.call_upload(conv.id)  # a conversions upload is not a calls upload
    assert caught.value.status_code == 404 and caught.value.error_type == "not_found"


def test_wait_polls_with_backoff_until_processed(
    make_api: MakeApi, sandbox: Sandbox, flavour: str
) -> None:
    clock = {"t": float(NOW)}
    sandbox.clock = lambda: clock["t"]
    sandbox.processing_seconds = 30  # UPLOADED for 15 s, MATCHED until 30 s, then PROCESSED
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # the sandbox's time moves as the client "sleeps"
        slept.append(seconds)
        clock["t"] += seconds

    async def asleep(seconds: float) -> None:
        sleep(seconds)

    api = make_api(sleep=asleep if flavour == "async" else sleep)
    result = api.upload_calls(CALLS, now=NOW)
    assert result.upload.status is UploadStatus.UPLOADED
    done = api.wait(result, poll_interval=5)
    assert done.upload.status is UploadStatus.PROCESSED
    assert done.upload.linked_quantity == 8
    assert slept == [5, 7.5, 11.25, 16.875]  # polls at 0, 5, 12.5, 23.75 (MATCHED), 40.6
    assert api.wait(done.upload.id, kind="calls").status is UploadStatus.PROCESSED


def test_wait_gives_up_after_the_timeout(make_api: MakeApi, sandbox: Sandbox) -> None:
    sandbox.processing_seconds = 3600
    api = make_api(clock=_fake_clock())
    result = api.upload_calls(CALLS, now=NOW)
    with pytest.raises(MetricaWaitTimeoutError) as caught:
        api.wait(result, timeout=0)
    assert caught.value.upload is not None and caught.value.upload.id == result.upload.id
    assert isinstance(caught.value, TimeoutError)


def _fake_clock() -> Callable[[], float]:
    return lambda: 1000.0


def test_static_calls_alone_end_in_linkage_failure(api: Api) -> None:
    frame = pl.DataFrame(
        {"ClientId": [None], "DateTime": [str(NOW - 60)], "StaticCall": ["1"]},
        schema={"ClientId": pl.String, "DateTime": pl.String, "StaticCall": pl.String},
    )
    result = api.upload_calls(frame, now=NOW)
    assert result.parts[0].client_id_type == "CLIENT_ID"  # the ID column is kept, empty
    assert api.wait(result).upload.status is UploadStatus.LINKAGE_FAILURE


def test_an_invalid_file_is_not_sent_and_the_error_carries_the_report(
    api: Api, sandbox: Sandbox
) -> None:
    with pytest.raises(ContractError) as caught:
        api.upload_calls(DEFECTS, now=NOW)
    assert not caught.value.report.ok
    assert sandbox.requests["upload"] == 0 and sandbox.stored() == []


def test_a_file_metrica_refuses_is_a_typed_error_and_never_retried(
    api: Api, sandbox: Sandbox
) -> None:
    sandbox.max_file_bytes = 64  # the server's size limit, made small
    with pytest.raises(MetricaInvalidUploadError) as caught:
        api.upload_calls(CALLS, now=NOW)
    assert caught.value.error_type == "invalid_uploading" and caught.value.status_code == 400
    assert sandbox.stored() == [] and sandbox.requests["upload"] == 1  # never retried


def test_a_mixed_file_goes_as_two_uploads_the_server_accepts_whole(
    api: Api, sandbox: Sandbox
) -> None:
    result = api.upload_calls(MIXED, comment="nightly", now=NOW)
    assert [(p.client_id_type, p.n_rows) for p in result.parts] == [("CLIENT_ID", 3), ("YCLID", 2)]
    first, second = sandbox.stored()
    assert (first["client_id_type"], second["client_id_type"]) == ("CLIENT_ID", "YCLID")
    assert "Yclid" not in first["columns"] and "ClientId" not in second["columns"]
    assert [u.source_quantity for u in result.uploads] == [3, 2]
    # the static row without an ID went with the first part; the server's model drops it
    # (an empty ID), and the result says so rather than staying silent
    assert result.parts[0].shortfalls == ("Metrica counted 2 of 3 rows sent: 1 dropped",)
    assert not result.parts[1].partial
    assert [p.upload.comment for p in result.parts] == [
        f"nightly cf{p.content_hash}" for p in result.parts
    ]


def test_every_comment_callframe_lets_through_the_server_takes(api: Api, sandbox: Sandbox) -> None:
    comment = "Ночная выгрузка, job 7: ok - done_1. Ёё"
    result = api.upload_calls(CALLS, comment=comment, now=NOW)
    assert result.upload.comment == f"{comment} cf{result.parts[0].content_hash}"
    assert sandbox.stored()[0]["comment"] == result.upload.comment


def test_a_fresh_counter_refuses_until_the_threshold_unless_told_to_ignore_it(
    api: Api, sandbox: Sandbox
) -> None:
    when = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    sandbox.set_fresh(COUNTER, until=when)
    with pytest.raises(MetricaThresholdUnmetError) as caught:
        api.upload_calls(CALLS, now=NOW)
    err = caught.value
    assert err.error_type is not None and err.error_type.lower() == "visit_join_threshold_unmet"
    assert err.available_from is not None
    assert err.available_from.replace(tzinfo=err.available_from.tzinfo or UTC) == when
    assert "--ignore-visit-join-threshold" in str(err)
    assert sandbox.stored() == [] and sandbox.requests["upload"] == 1
    threshold = api.visit_join_threshold()
    assert threshold.date is not None
    assert threshold.date.replace(tzinfo=threshold.date.tzinfo or UTC) == when
    result = api.upload_calls(CALLS, now=NOW, ignore_visit_join_threshold=True)
    assert result.outcome is UploadOutcome.SENT and len(sandbox.stored()) == 1
    conversions = api.upload_conversions(CONVERSIONS, now=NOW, ignore_visit_join_threshold=True)
    assert conversions.outcome is UploadOutcome.SENT
    calls_as_conversions = api.upload_conversions(
        CALLS, type="CALLS", now=NOW, ignore_visit_join_threshold=True
    )
    assert calls_as_conversions.outcome is UploadOutcome.SENT


def test_the_extended_window_is_turned_on_and_off(api: Api, sandbox: Sandbox) -> None:
    assert api.enable_extended_threshold() is True
    assert sandbox.counter_state(COUNTER)["calls_extended"]
    assert api.enable_extended_threshold("conversions") is True
    assert sandbox.counter_state(COUNTER)["basic_extended"]
    assert api.disable_extended_threshold() is True
    assert not sandbox.counter_state(COUNTER)["calls_extended"]
    assert api.visit_join_threshold("conversions").date is not None


def test_a_comment_the_server_refuses_is_its_own_error(
    make_api: MakeApi, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # callframe checks comments first; should Metrica's set be narrower, its answer is typed
    import callframe.metrica._core as core

    monkeypatch.setattr(core, "COMMENT_PUNCTUATION", " .,:-_!")
    with pytest.raises(MetricaInvalidCommentError):
        make_api().upload_calls(CALLS, comment="hello!", now=NOW)
    assert sandbox.stored() == []


def test_the_server_drops_rows_it_finds_bad_and_keeps_the_file(api: Api, sandbox: Sandbox) -> None:
    # the client validates with its own "now"; the sandbox's clock is a year earlier, so the
    # calls are in its future: Metrica accepts the file and drops those rows
    # (metrica-server.md: "DateTime … far in the future" drops the row, not the file)
    sandbox.clock = lambda: float(NOW - 365 * 86400)
    result = api.upload_calls(CALLS, now=NOW)
    stored = sandbox.stored()
    assert stored and [s["line_quantity"] for s in stored] == [0] * len(stored)
    assert sum(s["source_quantity"] for s in stored) == 8
    assert result.partial  # never silent
    assert result.shortfalls == ("Metrica counted 0 of 8 rows sent: 8 dropped",)

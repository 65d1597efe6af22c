"""Every endpoint, through the sync and the async client, in-process and over a real socket.

Each test runs four times (``flavour`` × ``route``) against a fresh sandbox whose clock is
fixed at the fixtures' ``now``.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest

from callframe import ContractError
from callframe.metrica import (
    MetricaNotFoundError,
    MetricaWaitTimeoutError,
    OfflineCallsUploading,
    OfflineConversionUploading,
    UploadOutcome,
    UploadStatus,
)
from callframe.metrica.sandbox import Sandbox

from ..conftest import FIXTURES, NOW
from .conftest import Api, MakeApi

CALLS = FIXTURES / "metrica" / "calls_client_ids.csv"  # one ID type: one upload
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
    assert done.upload.linked_quantity == 7
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


def test_the_server_drops_rows_it_finds_bad_and_keeps_the_file(api: Api, sandbox: Sandbox) -> None:
    # the client validates with its own "now"; the sandbox's clock is a year earlier, so the
    # calls are in its future: Metrica accepts the file and drops those rows
    # (metrica-server.md: "DateTime … far in the future" drops the row, not the file)
    sandbox.clock = lambda: float(NOW - 365 * 86400)
    api.upload_calls(CALLS, now=NOW)
    stored = sandbox.stored()
    assert stored and [s["line_quantity"] for s in stored] == [0] * len(stored)
    assert sum(s["source_quantity"] for s in stored) == 10

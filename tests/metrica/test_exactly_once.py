"""Exactly once, over a real socket: faults from the sandbox (5xx, 429 + Retry-After, dropped
connections after storing, slow answers) never make a file stored twice; re-runs do not send
again; ``force=True`` does. Sleeps are recorded, never slept (except a real read timeout)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import polars as pl
import pytest

from callframe import UsageError
from callframe.metrica import (
    MetricaQuotaError,
    MetricaServerError,
    MetricaTransportError,
    UploadOutcome,
)
from callframe.metrica.sandbox import Fault, Sandbox

from ..conftest import FIXTURES, NOW
from .conftest import Api, MakeApi

CALLS = FIXTURES / "metrica" / "calls_client_ids.csv"  # one ID type: one upload
HALF = 0.5  # random() → jitter factor 1 - 0.25 * 0.5 = 0.875


@pytest.fixture
def route() -> str:
    return "socket"


@pytest.fixture
def server_errors(server_url: str) -> Iterator[list[logging.LogRecord]]:
    """ERROR records of the uvicorn server (its loggers do not propagate to the root; uvicorn
    resets their handlers when a server is made, hence after ``server_url``)."""

    class Collect(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.ERROR)
            self.records: list[logging.LogRecord] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.records.append(record)

    handler = Collect()
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def stored_once(sandbox: Sandbox) -> None:
    hashes = [row["sha256"] for row in sandbox.stored()]
    assert len(hashes) == len(set(hashes)) == 1, hashes


def test_5xx_is_retried_with_jittered_backoff_and_stored_once(
    make_api: MakeApi, sandbox: Sandbox, sleeps: list[float]
) -> None:
    sandbox.inject(Fault("error", status=503, times=2))
    result = make_api(random=lambda: HALF, lost_answer_window=0).upload_calls(CALLS, now=NOW)
    assert result.outcome is UploadOutcome.SENT
    # a 503 is ambiguous: the list is checked once (window 0) before each new attempt, then backoff
    assert sleeps == [0.5 * 0.875, 1.0 * 0.875]
    assert sandbox.requests["upload"] == 3
    stored_once(sandbox)


def test_429_waits_as_retry_after_says(
    make_api: MakeApi, sandbox: Sandbox, sleeps: list[float]
) -> None:
    sandbox.inject(Fault("rate_limit", retry_after=2.5))
    result = make_api().upload_calls(CALLS, now=NOW)
    assert result.outcome is UploadOutcome.SENT
    assert sleeps == [2.5]
    stored_once(sandbox)


def test_a_long_retry_after_fails_at_once_with_the_delay(
    make_api: MakeApi, sandbox: Sandbox, sleeps: list[float]
) -> None:
    sandbox.inject(Fault("rate_limit", retry_after=3600))
    with pytest.raises(MetricaQuotaError) as caught:
        make_api().upload_calls(CALLS, now=NOW)
    assert caught.value.retry_after == 3600 and caught.value.status_code == 429
    assert sleeps == [] and sandbox.stored() == []


@pytest.mark.parametrize(
    "fault",
    [
        Fault("drop"),  # stored, then the connection is closed mid-answer
        Fault("error", status=500, after_store=True),  # stored, then a 5xx
    ],
    ids=["drop-after-store", "5xx-after-store"],
)
def test_a_lost_answer_is_found_by_its_hash_and_not_sent_again(
    make_api: MakeApi, sandbox: Sandbox, sleeps: list[float], fault: Fault
) -> None:
    sandbox.inject(fault)
    result = make_api().upload_calls(CALLS, now=NOW)
    assert result.outcome is UploadOutcome.RECOVERED
    assert sandbox.requests["upload"] == 1 and sleeps == []
    stored_once(sandbox)
    assert result.upload.id == sandbox.stored()[0]["id"]


def test_a_slow_answer_times_out_and_is_recovered(make_api: MakeApi, sandbox: Sandbox) -> None:
    sandbox.inject(Fault("delay", seconds=1.0))  # stored at once, answered after 1 s
    result = make_api(timeout=0.3).upload_calls(CALLS, now=NOW)
    assert result.outcome is UploadOutcome.RECOVERED
    assert sandbox.requests["upload"] == 1
    stored_once(sandbox)


def test_a_client_gone_before_its_body_was_read_leaves_nothing_stored_and_no_server_error(
    make_api: MakeApi, sandbox: Sandbox, server_errors: list[logging.LogRecord]
) -> None:
    sandbox.inject(Fault("delay", seconds=0.8, after_store=False))  # slow to start reading
    result = make_api(timeout=0.3).upload_calls(CALLS, now=NOW)
    # the first attempt timed out; the check by hash found nothing, so it was sent again
    assert result.outcome is UploadOutcome.SENT
    deadline = time.monotonic() + 10
    while sandbox.in_flight and time.monotonic() < deadline:  # the first request wakes up …
        time.sleep(0.02)
    assert sandbox.in_flight == 0  # … finds its client gone, and stores nothing
    stored_once(sandbox)
    assert sandbox.requests["upload"] == 2
    assert [(f.kind, f.on) for f in sandbox.faults_applied] == [("delay", "upload")]
    assert server_errors == []


def test_a_drop_before_storing_is_checked_then_sent_again(
    make_api: MakeApi, sandbox: Sandbox
) -> None:
    sandbox.inject(Fault("drop", after_store=False))
    result = make_api().upload_calls(CALLS, now=NOW)
    assert result.outcome is UploadOutcome.SENT
    assert sandbox.requests["upload"] == 2
    stored_once(sandbox)


def test_when_every_attempt_fails_the_error_says_a_rerun_is_safe(
    make_api: MakeApi, sandbox: Sandbox, sleeps: list[float]
) -> None:
    sandbox.inject(Fault("error", status=502, times=10))
    with pytest.raises(MetricaServerError) as caught:
        make_api(max_retries=2, lost_answer_window=0).upload_calls(CALLS, now=NOW)
    assert caught.value.status_code == 502
    assert "re-running is safe" in str(caught.value)
    assert sandbox.requests["upload"] == 3 and len(sleeps) == 2
    assert sandbox.stored() == []


def test_a_rerun_finds_the_earlier_upload_and_sends_nothing(
    make_api: MakeApi, sandbox: Sandbox
) -> None:
    first = make_api().upload_calls(CALLS, now=NOW)
    again = make_api().upload_calls(CALLS, comment="other comment", now=NOW)  # a new client
    assert again.outcome is UploadOutcome.FOUND and not again.sent
    assert again.upload.id == first.upload.id
    assert sandbox.requests["upload"] == 1
    forced = make_api().upload_calls(CALLS, force=True, now=NOW)
    assert forced.outcome is UploadOutcome.SENT and forced.upload.id != first.upload.id
    assert len(sandbox.stored()) == 2


def test_force_still_recovers_its_own_lost_answer(make_api: MakeApi, sandbox: Sandbox) -> None:
    first = make_api().upload_calls(CALLS, now=NOW)
    sandbox.inject(Fault("drop"))
    forced = make_api().upload_calls(CALLS, force=True, now=NOW)
    # the earlier upload has the same hash; only a *new* one counts as this attempt's
    assert forced.outcome is UploadOutcome.RECOVERED and forced.upload.id != first.upload.id
    assert len(sandbox.stored()) == 2


def test_a_frame_over_the_size_limit_goes_as_several_uploads_each_once(
    make_api: MakeApi, sandbox: Sandbox
) -> None:
    frame = pl.read_csv(CALLS, infer_schema=False)
    api = make_api(max_file_bytes=600)
    result = api.upload_calls(frame, now=NOW)
    assert len(result.parts) >= 2 and all(p.outcome is UploadOutcome.SENT for p in result.parts)
    assert sum(p.n_rows for p in result.parts) == frame.height
    assert all(p.size <= 600 for p in result.parts)
    with pytest.raises(Exception, match="uploads"):
        _ = result.upload
    sent = sandbox.requests["upload"]
    again = api.upload_calls(frame, now=NOW)
    assert [p.outcome for p in again.parts] == [UploadOutcome.FOUND] * len(result.parts)
    assert [p.upload.id for p in again.parts] == [p.upload.id for p in result.parts]
    assert sandbox.requests["upload"] == sent
    assert len(sandbox.stored()) == len(result.parts)


def test_connection_refused_is_retried_then_reported(
    make_api: MakeApi, sleeps: list[float]
) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    api = make_api(base_url=f"http://127.0.0.1:{port}", max_retries=2, random=lambda: 0.0)
    with pytest.raises(MetricaTransportError) as caught:
        api.call_uploads()
    assert caught.value.status_code is None
    assert sleeps == [0.5, 1.0]


def test_at_most_three_requests_in_flight(
    make_api: MakeApi, sandbox: Sandbox, flavour: str, portal: Any
) -> None:
    upload = make_api().upload_calls(CALLS, now=NOW).upload
    sandbox.inject(Fault("delay", on="get", seconds=0.15, times=12, after_store=False))
    sandbox.reset_stats()
    api: Api = make_api()
    if flavour == "sync":
        with ThreadPoolExecutor(12) as pool:
            results = list(pool.map(lambda _: api.call_upload(upload.id), range(12)))
    else:
        client = api.client

        async def many() -> list[Any]:
            out: list[Any] = []

            async def one() -> None:
                out.append(await client.call_upload(upload.id))  # type: ignore[misc]

            async with anyio.create_task_group() as tg:
                for _ in range(12):
                    tg.start_soon(one)
            return out

        results = portal.call(many)
    assert len(results) == 12 and {r.id for r in results} == {upload.id}
    assert sandbox.peak_in_flight == 3


def test_progress_is_reported_up_to_the_file_size(make_api: MakeApi) -> None:
    seen: list[tuple[int, int]] = []
    make_api().upload_calls(CALLS, now=NOW, progress=lambda sent, total: seen.append((sent, total)))
    size = CALLS.stat().st_size
    assert seen[0] == (0, size) and seen[-1] == (size, size)


def test_a_file_changed_after_validation_is_not_sent(
    make_api: MakeApi, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "calls.csv"
    path.write_bytes(CALLS.read_bytes())

    def tamper(sent: int, total: int) -> None:
        if sent == 0:  # after validation and hashing, before the bytes go out
            path.write_bytes(CALLS.read_bytes().replace(b"+7916", b"+7999"))

    with pytest.raises(UsageError, match="changed while it was being uploaded"):
        make_api().upload_calls(path, now=NOW, progress=tamper)
    assert sandbox.stored() == []


def _shared_clock(sandbox: Sandbox, flavour: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A clock the sandbox reads and the client's sleeper moves: "seconds" pass only as the
    client sleeps, so the look-again schedule is exact and nothing is slept for real."""
    clock = {"t": float(NOW)}
    sandbox.clock = lambda: clock["t"]

    def sleep(seconds: float) -> None:
        clock["t"] += seconds

    async def asleep(seconds: float) -> None:
        sleep(seconds)

    return clock, {"sleep": asleep if flavour == "async" else sleep}


def test_an_upload_listed_only_later_than_the_first_look_is_found_and_stored_once(
    make_api: MakeApi, sandbox: Sandbox, flavour: str
) -> None:
    clock, sleeper = _shared_clock(sandbox, flavour)
    # stored, the connection dropped, and listed only 10 s later: the look right after the
    # drop finds nothing; the looks after 2 and 4 s neither; the one after 8 s more does
    sandbox.inject(Fault("drop", on="upload", list_after=10))
    api = make_api(lost_answer_window=30, **sleeper)
    result = api.upload_calls(CALLS, now=NOW)
    assert result.outcome is UploadOutcome.RECOVERED
    assert sandbox.requests["upload"] == 1
    stored_once(sandbox)
    assert result.upload.id == sandbox.stored()[0]["id"]
    assert clock["t"] - NOW == 2 + 4 + 8


def test_a_window_shorter_than_the_delay_would_store_a_second_copy(
    make_api: MakeApi, sandbox: Sandbox, flavour: str
) -> None:
    # the oracle above is not vacuous: looking for 6 s only, the file is sent again
    _, sleeper = _shared_clock(sandbox, flavour)
    sandbox.inject(Fault("drop", on="upload", list_after=10))
    result = make_api(lost_answer_window=6, **sleeper).upload_calls(CALLS, now=NOW)
    assert result.outcome is UploadOutcome.SENT
    assert len(sandbox.stored()) == 2

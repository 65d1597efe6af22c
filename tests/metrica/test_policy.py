"""Retry and polling policy: every delay computed, none slept. Also what is retried and what is
not, checked with ``httpx.MockTransport`` and a recording sleeper."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from callframe import UsageError
from callframe.metrica import (
    MetricaAuthError,
    MetricaBadRequestError,
    MetricaClient,
    MetricaServerError,
    MetricaTimeoutError,
)
from callframe.metrica._policy import (
    MAX_RETRY_AFTER,
    PollPolicy,
    RetryPolicy,
    check_base_url,
    parse_retry_after,
    retryable_status,
)

from ..conftest import FIXTURES, NOW
from .conftest import COUNTER, TOKEN

LIST = {"uploadings": []}


def test_backoff_doubles_from_half_a_second_up_to_eight() -> None:
    policy = RetryPolicy()
    assert [policy.backoff(n, 0.0) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert policy.backoff(10_000, 0.0) == 8.0  # no overflow


@pytest.mark.parametrize("rand", [0.0, 0.3, 0.999])
def test_jitter_shortens_by_at_most_a_quarter(rand: float) -> None:
    delay = RetryPolicy().backoff(2, rand)
    assert delay == pytest.approx(2.0 * (1 - 0.25 * rand))
    assert 1.5 < delay <= 2.0


def test_retry_after_is_used_as_given_up_to_the_cap() -> None:
    policy = RetryPolicy()
    assert policy.delay(0, 0.9, retry_after=3.0) == 3.0
    assert policy.delay(0, 0.9, retry_after=MAX_RETRY_AFTER) == MAX_RETRY_AFTER
    assert policy.delay(0, 0.9, retry_after=MAX_RETRY_AFTER + 1) is None  # give up at once
    assert policy.delay(1, 0.0, retry_after=None) == 1.0


def test_retry_after_forms() -> None:
    now = 1_795_435_200.0
    later = format_datetime(datetime.fromtimestamp(now + 30, UTC), usegmt=True)
    assert parse_retry_after({"retry-after": "7"}, now) == 7.0
    assert parse_retry_after({"retry-after": "1.5"}, now) == 1.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}, now) == 0.25
    assert parse_retry_after({"retry-after": later}, now) == pytest.approx(30.0)
    assert parse_retry_after({"retry-after": "soon"}, now) is None
    assert parse_retry_after({"retry-after": "-3"}, now) is None
    assert parse_retry_after({}, now) is None


def test_only_429_and_5xx_are_retryable_statuses() -> None:
    assert [s for s in (400, 401, 403, 404, 408, 409, 429, 500, 503) if retryable_status(s)] == [
        429,
        500,
        503,
    ]


def test_polling_grows_by_half_up_to_a_minute() -> None:
    gen = PollPolicy().intervals()
    assert [next(gen) for _ in range(9)] == [
        5.0,
        7.5,
        11.25,
        16.875,
        25.3125,
        37.96875,
        56.953125,
        60.0,
        60.0,
    ]


@pytest.mark.parametrize(
    "url",
    ["http://api-metrika.yandex.net", "ftp://x", "https://user:pw@host", "http://10.0.0.1:80"],
)
def test_plain_http_is_refused_unless_loopback(url: str) -> None:
    with pytest.raises(UsageError):
        check_base_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://api-metrika.yandex.net/",
        "http://127.0.0.1:8080",
        "http://[::1]:9",
        "http://localhost",
    ],
)
def test_https_and_loopback_http_are_accepted(url: str) -> None:
    assert check_base_url(url) == url.rstrip("/")


# --- the client's behaviour with a mock transport ---------------------------------------------


def client(
    handler: Callable[[httpx.Request], httpx.Response], sleeps: list[float], **kw: object
) -> MetricaClient:
    return MetricaClient(
        COUNTER,
        token=TOKEN,
        transport=httpx.MockTransport(handler),
        sleep=sleeps.append,
        random=lambda: 0.0,
        **kw,  # type: ignore[arg-type]
    )


def replies(
    *responses: httpx.Response | Exception,
) -> tuple[Callable[[httpx.Request], httpx.Response], list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


def error(status: int, error_type: str, **headers: str) -> httpx.Response:
    body = {"errors": [{"error_type": error_type, "message": "m"}], "code": status, "message": "m"}
    return httpx.Response(status, json=body, headers=headers)


def test_gets_retry_timeouts_and_5xx_then_succeed() -> None:
    sleeps: list[float] = []
    handler, seen = replies(
        httpx.ReadTimeout("slow"), error(503, "backend_error"), httpx.Response(200, json=LIST)
    )
    assert client(handler, sleeps).call_uploads() == []
    assert len(seen) == 3 and sleeps == [0.5, 1.0]
    assert all(r.headers["authorization"] == f"OAuth {TOKEN}" for r in seen)


def test_max_retries_bounds_the_attempts() -> None:
    sleeps: list[float] = []
    handler, seen = replies(*[error(500, "backend_error")] * 5)
    with pytest.raises(MetricaServerError):
        client(handler, sleeps, max_retries=2).call_uploads()
    assert len(seen) == 3 and sleeps == [0.5, 1.0]


def test_timeouts_give_a_timeout_error_after_retries() -> None:
    sleeps: list[float] = []
    handler, seen = replies(*[httpx.ConnectTimeout("t")] * 2)
    with pytest.raises(MetricaTimeoutError):
        client(handler, sleeps, max_retries=1).call_uploads()
    assert len(seen) == 2


@pytest.mark.parametrize(
    ("status", "error_type", "exc"),
    [
        (400, "invalid_parameter", MetricaBadRequestError),
        (401, "unauthorized", MetricaAuthError),
        (403, "invalid_token", MetricaAuthError),
        (408, "timeout", MetricaBadRequestError),
        (409, "conflict", MetricaBadRequestError),
    ],
)
def test_other_4xx_are_never_retried(status: int, error_type: str, exc: type[Exception]) -> None:
    sleeps: list[float] = []
    handler, seen = replies(error(status, error_type))
    with pytest.raises(exc) as caught:
        client(handler, sleeps).call_uploads()
    assert len(seen) == 1 and sleeps == []
    assert caught.value.error_type == error_type  # type: ignore[attr-defined]


def test_unknown_fields_and_statuses_are_tolerated() -> None:
    body = {"uploadings": [{"id": 7, "status": "QUEUED_FOR_MARS", "new_field": [1, 2]}]}
    handler, _ = replies(httpx.Response(200, json=body))
    [upload] = client(handler, []).call_uploads()
    assert upload.status is not None and upload.status.value == "QUEUED_FOR_MARS"
    assert not upload.status.is_final and not upload.status.is_known
    assert upload.extra == {"new_field": [1, 2]}


def test_the_hash_lookup_reads_pages_until_an_empty_one() -> None:
    # a server that caps the page at 2 whatever the limit: the third upload is on page two
    path = FIXTURES / "metrica" / "calls_client_ids.csv"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]

    def upload(i: int, digest: str) -> dict[str, object]:
        return {"id": i, "comment": f"callframe cf{digest}", "status": "PROCESSED"}

    uploads = [upload(1, "a" * 12), upload(2, "b" * 12), upload(3, digest)]
    offsets: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", "0"))
        offsets.append(offset)
        return httpx.Response(200, json={"uploadings": uploads[offset : offset + 2]})

    with client(handler, []) as c:
        result = c.upload_calls(path, now=NOW)
    assert result.outcome.value == "found" and result.upload.id == 3
    assert offsets == [0, 2, 3]  # on to the empty page

"""The uploader never sends what Metrica refuses (issue 12), checked against a fake Metrica on
``httpx.MockTransport``: every request is seen, nothing is slept.

* the comment is checked before any request, and the marker is letters and digits only;
* ``client_id_type`` is always sent; rows using several ID columns go as one upload per type;
* a file without data rows or without the ID column of its type is never sent;
* the visit-join threshold: the ignore parameter, the threshold endpoints, the typed error;
* a lost answer is looked for over a window before the file is sent again;
* partial acceptance is reported; listing follows ``offset`` to an empty page.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import polars as pl
import pytest

from callframe import ContractError, UsageError
from callframe.metrica import (
    AsyncMetricaClient,
    MetricaClient,
    MetricaInvalidCommentError,
    MetricaInvalidParameterError,
    MetricaResponseError,
    MetricaThresholdUnmetError,
    UploadOutcome,
)
from callframe.metrica._policy import LOST_ANSWER_WINDOW, LookPolicy

from ..conftest import FIXTURES, NOW
from .conftest import COUNTER, TOKEN

METRICA = FIXTURES / "metrica"
ONE_TYPE = METRICA / "calls_client_ids.csv"
MIXED = METRICA / "calls.csv"  # UserId, ClientId, Yclid rows; one row with two IDs; one static
P = f"/management/v1/counter/{COUNTER}/offline_conversions"


class FakeMetrica:
    """Stores uploads (file bytes and query) and lists them; ``answer`` overrides the reply to
    an upload, ``listed_after`` hides an upload from the first lists after it was stored."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.uploads: list[dict[str, Any]] = []
        self.answer: Callable[[httpx.Request, dict[str, Any]], httpx.Response] | None = None
        self.listed_after = 0
        self.page_cap: int | None = None
        self.lost = 0
        """Answers to lose (a read timeout after storing)."""

    def count(self, method: str, suffix: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.url.path.endswith(suffix))

    def files(self) -> list[pl.DataFrame]:
        return [pl.read_csv(io.BytesIO(u["file"]), infer_schema=False) for u in self.uploads]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if request.method == "POST" and path.endswith(("/upload_calls", "/upload")):
            return self._upload(request)
        if request.method == "GET" and path.endswith(("/calls_uploadings", "/uploadings")):
            return self._list(request)
        raise AssertionError(f"unexpected {request.method} {path}")

    def _upload(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        boundary = request.headers["content-type"].split("boundary=")[1].encode()
        head, _, rest = body.partition(b"\r\n\r\n")
        data = rest[: rest.rindex(b"\r\n--" + boundary + b"--")]
        rows = len(pl.read_csv(io.BytesIO(data), infer_schema=False))
        params = dict(request.url.params)
        upload = {
            "id": len(self.uploads) + 1,
            "comment": params.get("comment"),
            "client_id_type": params.get("client_id_type"),
            "status": "UPLOADED",
            "source_quantity": rows,
            "line_quantity": rows,
            "params": params,
            "file": data,
            "part_headers": head.decode(),
            "hidden": self.listed_after,
        }
        self.uploads.append(upload)
        if self.lost:
            self.lost -= 1
            raise httpx.ReadTimeout("lost", request=request)
        if self.answer is not None:
            return self.answer(request, upload)
        return httpx.Response(200, json={"uploading": _public(upload)})

    def _list(self, request: httpx.Request) -> httpx.Response:
        listed = []
        for u in self.uploads:
            if u["hidden"] > 0:
                u["hidden"] -= 1
            else:
                listed.append(_public(u))
        offset = int(request.url.params.get("offset", "0"))
        limit = int(request.url.params.get("limit", "10000"))
        if self.page_cap is not None:
            limit = min(limit, self.page_cap)
        return httpx.Response(200, json={"uploadings": listed[offset : offset + limit]})


def _public(upload: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "comment", "client_id_type", "status", "source_quantity", "line_quantity")
    return {k: upload[k] for k in keep if upload.get(k) is not None} | upload.get("extra", {})


@pytest.fixture
def fake() -> FakeMetrica:
    return FakeMetrica()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(fake: FakeMetrica, sleeps: list[float]) -> Iterator[MetricaClient]:
    with MetricaClient(
        COUNTER,
        token=TOKEN,
        transport=httpx.MockTransport(fake),
        sleep=sleeps.append,
        random=lambda: 0.0,
    ) as c:
        yield c


# --- the comment and the marker -----------------------------------------------------------------


@pytest.mark.parametrize(
    "comment",
    ["nightly", "ночная выгрузка 2026", "Ёлки и ёжики", "job: 12, run 3.1 - ok_done", "x" * 240],
)
def test_a_comment_of_letters_digits_spaces_and_five_marks_is_sent_with_the_marker(
    client: MetricaClient, fake: FakeMetrica, comment: str
) -> None:
    result = client.upload_calls(ONE_TYPE, comment=comment, now=NOW)
    digest = hashlib.sha256(ONE_TYPE.read_bytes()).hexdigest()[:12]
    sent = fake.uploads[0]["comment"]
    assert sent == f"{comment} cf{digest}" and len(sent) <= 255
    assert sent.split()[-1].isalnum()  # the marker: letters and digits only
    assert result.parts[0].content_hash == digest


@pytest.mark.parametrize(
    ("comment", "shown", "position"),
    [
        ("nightly 🚀", "'🚀' (U+1F680", 9),
        ("job [7]", "'[' (U+005B", 5),
        ("a!", "'!' (U+0021", 2),
        ("tab\there", "0x0009 (U+0009", 4),
        ("line\nbreak", "0x000a (U+000A", 5),
        ("çà", "'ç' (U+00E7", 1),  # Latin beyond ASCII: not promised by Metrica's docs
        ("50%", "'%' (U+0025", 3),
    ],
)
def test_any_other_character_is_a_usage_error_naming_it_before_any_request(
    client: MetricaClient, fake: FakeMetrica, comment: str, shown: str, position: int
) -> None:
    with pytest.raises(UsageError) as caught:
        client.upload_calls(ONE_TYPE, comment=comment, now=NOW)
    assert shown in str(caught.value) and f"at position {position}" in str(caught.value)
    assert "letters (Latin, Cyrillic), digits, spaces and . , : - _" in str(caught.value)
    assert fake.requests == []


def test_a_comment_too_long_for_the_marker_or_carrying_one_is_refused(
    client: MetricaClient, fake: FakeMetrica
) -> None:
    with pytest.raises(UsageError, match="241 characters; at most 240"):
        client.upload_calls(ONE_TYPE, comment="x" * 241, now=NOW)
    with pytest.raises(UsageError, match="callframe adds that marker"):
        client.upload_calls(ONE_TYPE, comment="rerun of cf0123456789ab", now=NOW)
    assert fake.requests == []


def test_an_upload_marked_the_old_way_is_found_and_not_sent_again(
    client: MetricaClient, fake: FakeMetrica
) -> None:
    digest = hashlib.sha256(ONE_TYPE.read_bytes()).hexdigest()[:12]
    fake.uploads.append({"id": 9, "comment": f"nightly [cf:{digest}]", "hidden": 0})
    result = client.upload_calls(ONE_TYPE, now=NOW)
    assert result.outcome is UploadOutcome.FOUND and result.upload.id == 9
    assert fake.count("POST", "/upload_calls") == 0


def test_metrica_refusing_a_comment_is_its_own_error(
    client: MetricaClient, fake: FakeMetrica
) -> None:
    fake.answer = lambda request, upload: httpx.Response(
        400,
        json={
            "errors": [
                {
                    "error_type": "not_allowed_symbols_in_comment",
                    "message": "Комментарий содержит недопустимые символы.",
                }
            ],
            "code": 400,
        },
    )
    with pytest.raises(MetricaInvalidCommentError, match="letters, digits, spaces"):
        client.upload_calls(ONE_TYPE, now=NOW)
    assert fake.count("POST", "/upload_calls") == 1  # a 400 is never retried


# --- client_id_type and one upload per ID type ------------------------------------------------


def test_a_file_of_one_id_type_goes_byte_for_byte_with_its_client_id_type(
    client: MetricaClient, fake: FakeMetrica
) -> None:
    result = client.upload_calls(ONE_TYPE, now=NOW)
    [upload] = fake.uploads
    assert upload["file"] == ONE_TYPE.read_bytes()
    assert upload["params"]["client_id_type"] == "CLIENT_ID"
    assert 'name="file"; filename="calls_client_ids.csv"' in upload["part_headers"]
    assert "ignore_calls_visit_join_threshold" not in upload["params"]
    assert [(p.client_id_type, p.n_rows) for p in result.parts] == [("CLIENT_ID", 8)]


def test_a_mixed_file_goes_as_one_upload_per_type_each_with_only_its_id_column(
    client: MetricaClient, fake: FakeMetrica
) -> None:
    result = client.upload_calls(MIXED, comment="nightly", now=NOW)
    assert [(p.client_id_type, p.n_rows) for p in result.parts] == [
        ("CLIENT_ID", 8),  # 7 ClientId rows (one also has a UserId) + the static row
        ("YCLID", 1),
        ("USER_ID", 1),
    ]
    assert [u["params"]["client_id_type"] for u in fake.uploads] == [
        "CLIENT_ID",
        "YCLID",
        "USER_ID",
    ]
    client_ids, yclids, user_ids = fake.files()
    ids = {"ClientId", "Yclid", "UserId"}
    assert ids & set(client_ids.columns) == {"ClientId"}
    assert ids & set(yclids.columns) == {"Yclid"}
    assert ids & set(user_ids.columns) == {"UserId"}
    original = pl.read_csv(MIXED, infer_schema=False)
    assert sum(len(f) for f in fake.files()) == len(original)  # no row lost, none twice
    assert client_ids["StaticCall"].to_list().count("1") == 1  # the static row: first part
    assert user_ids["UserId"].to_list() == ["crm-000117"]  # "user-42" went with its ClientId
    # each part its own exactly-once unit: own hash, own marker
    hashes = [p.content_hash for p in result.parts]
    assert len(set(hashes)) == 3
    assert [u["comment"] for u in fake.uploads] == [f"nightly cf{h}" for h in hashes]
    for part, upload in zip(result.parts, fake.uploads, strict=True):
        assert hashlib.sha256(upload["file"]).hexdigest()[:12] == part.content_hash
    again = client.upload_calls(MIXED, now=NOW)
    assert [p.outcome for p in again.parts] == [UploadOutcome.FOUND] * 3
    assert len(fake.uploads) == 3


def test_a_mixed_frame_is_split_the_same_way_and_client_id_type_puts_a_type_first(
    client: MetricaClient, fake: FakeMetrica
) -> None:
    frame = pl.read_csv(MIXED, infer_schema=False)
    result = client.upload_calls(frame, now=NOW, client_id_type="user_id")
    assert [(p.client_id_type, p.n_rows) for p in result.parts] == [
        ("USER_ID", 3),  # both UserId rows and the static row
        ("CLIENT_ID", 6),
        ("YCLID", 1),
    ]


def test_a_single_type_frame_is_written_as_write_csv_writes_it(
    client: MetricaClient, fake: FakeMetrica, tmp_path: Path
) -> None:
    import callframe

    frame = pl.read_csv(ONE_TYPE, infer_schema=False)
    [written] = callframe.write_csv(frame, tmp_path / "w.csv", now=NOW)
    client.upload_calls(frame, now=NOW)
    assert fake.uploads[0]["file"] == written.read_bytes()  # same bytes, same hash as before


def test_conversions_rows_with_only_a_purchase_id_go_with_the_first_part(
    client: MetricaClient, fake: FakeMetrica
) -> None:
    result = client.upload_conversions(METRICA / "conversions.csv", now=NOW)
    assert [(p.client_id_type, p.n_rows) for p in result.parts] == [
        ("CLIENT_ID", 4),
        ("YCLID", 1),
        ("USER_ID", 1),
    ]
    assert "ORD-2026-0042" in fake.files()[0]["PurchaseId"].to_list()


def test_an_explicit_client_id_type_the_rows_do_not_use_is_refused(
    client: MetricaClient, fake: FakeMetrica
) -> None:
    with pytest.raises(ContractError) as caught:
        client.upload_calls(ONE_TYPE, now=NOW, client_id_type="YCLID")
    assert "client_id_type=YCLID needs a Yclid column" in caught.value.report.to_text()
    with pytest.raises(UsageError, match="client_id_type must be one of"):
        client.upload_calls(ONE_TYPE, now=NOW, client_id_type="PURCHASE_ID")
    assert fake.requests == []


# --- never a file Metrica refuses whole ---------------------------------------------------------


def test_a_header_only_file_is_never_sent(
    client: MetricaClient, fake: FakeMetrica, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("ClientId,DateTime\n")
    with pytest.raises(ContractError) as caught:
        client.upload_calls(empty, now=NOW)
    report = caught.value.report
    assert report.errors["rule"].to_list() == ["*|no_rows"]
    assert "no data rows" in report.to_text() and "Metrica refuses" in report.to_text()
    with pytest.raises(ContractError, match=r"\*\|no_rows"):
        client.upload_calls(pl.DataFrame(schema={"ClientId": pl.String, "DateTime": pl.String}))
    assert fake.requests == []


def test_a_file_without_any_id_column_is_never_sent(
    client: MetricaClient, fake: FakeMetrica, tmp_path: Path
) -> None:
    static = tmp_path / "static.csv"
    static.write_text(f"DateTime,StaticCall,PhoneNumber\n{NOW - 60},1,+74951234567\n")
    with pytest.raises(ContractError) as caught:
        client.upload_calls(static, now=NOW)
    report = caught.value.report
    assert report.errors["rule"].to_list() == ["*|missing_id_column"]
    assert "Add a ClientId, Yclid or UserId column" in report.to_text()
    assert report.n_rejected == 1  # the whole file is refused
    assert fake.requests == []


def test_static_calls_with_an_empty_id_column_go_with_that_type(
    client: MetricaClient, fake: FakeMetrica, tmp_path: Path
) -> None:
    static = tmp_path / "static.csv"
    static.write_text(f"UserId,DateTime,StaticCall\n,{NOW - 60},1\n")
    result = client.upload_calls(static, now=NOW)
    assert result.parts[0].client_id_type == "USER_ID"
    assert fake.uploads[0]["file"] == static.read_bytes()


# --- the visit-join threshold -------------------------------------------------------------------


def test_the_ignore_threshold_parameter_is_sent_only_when_asked(
    client: MetricaClient, fake: FakeMetrica
) -> None:
    client.upload_calls(ONE_TYPE, now=NOW, ignore_visit_join_threshold=True)
    client.upload_conversions(
        METRICA / "conversions_client_ids.csv", now=NOW, ignore_visit_join_threshold=True
    )
    calls, conversions = (u["params"] for u in fake.uploads)
    assert calls["ignore_calls_visit_join_threshold"] == "1"
    assert "ignore_visit_join_threshold" not in calls
    assert conversions["ignore_visit_join_threshold"] == "1"
    assert "ignore_calls_visit_join_threshold" not in conversions
    assert conversions["client_id_type"] == "CLIENT_ID"
    client.upload_conversions(
        ONE_TYPE, type="CALLS", now=NOW, ignore_visit_join_threshold=True, force=True
    )
    calls_to_upload = fake.uploads[-1]["params"]  # which name applies is undocumented: both
    assert calls_to_upload["ignore_visit_join_threshold"] == "1"
    assert calls_to_upload["ignore_calls_visit_join_threshold"] == "1"


def test_a_fresh_counter_refuses_with_the_typed_threshold_error(
    client: MetricaClient, fake: FakeMetrica, sleeps: list[float]
) -> None:
    message = "Загрузить данные сейчас невозможно. Загрузка станет доступна 2026-11-25T10:00:00Z"
    fake.answer = lambda request, upload: httpx.Response(
        400,
        json={"errors": [{"error_type": "VISIT_JOIN_THRESHOLD_UNMET", "message": message}]},
    )
    with pytest.raises(MetricaThresholdUnmetError) as caught:
        client.upload_calls(ONE_TYPE, now=NOW)
    assert caught.value.available_from == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert "--ignore-visit-join-threshold" in str(caught.value)
    assert fake.count("POST", "/upload_calls") == 1 and sleeps == []


def _threshold_handler(seen: list[httpx.Request], answer: Any) -> Callable[..., httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("visit_join_threshold"):
            return httpx.Response(200, json=answer)
        return httpx.Response(200, json={"success": True})

    return handler


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_threshold_endpoints_sync_and_async(flavour: str) -> None:
    seen: list[httpx.Request] = []
    handler = _threshold_handler(seen, {"date": "2026-11-25 10:00:00"})

    def run_sync() -> list[Any]:
        with MetricaClient(COUNTER, token=TOKEN, transport=httpx.MockTransport(handler)) as c:
            return [
                c.visit_join_threshold(),
                c.visit_join_threshold("conversions"),
                c.enable_extended_threshold(),
                c.disable_extended_threshold("conversions"),
            ]

    async def run_async() -> list[Any]:
        async with AsyncMetricaClient(
            COUNTER, token=TOKEN, transport=httpx.MockTransport(handler)
        ) as c:
            return [
                await c.visit_join_threshold(),
                await c.visit_join_threshold("conversions"),
                await c.enable_extended_threshold(),
                await c.disable_extended_threshold("conversions"),
            ]

    calls, conversions, enabled, disabled = (
        run_sync() if flavour == "sync" else anyio.run(run_async)
    )
    assert [(r.method, r.url.path.removeprefix(P)) for r in seen] == [
        ("GET", "/calls_visit_join_threshold"),
        ("GET", "/visit_join_threshold"),
        ("POST", "/calls_extended_threshold"),
        ("DELETE", "/extended_threshold"),
    ]
    assert calls.date == datetime(2026, 11, 25, 10) and calls.raw == "2026-11-25 10:00:00"
    assert calls.kind == "calls" and conversions.kind == "conversions"
    assert enabled is True and disabled is True


@pytest.mark.parametrize(
    ("answer", "date"),
    [
        ({"date": "2026-11-25"}, datetime(2026, 11, 25)),
        ({"date": "2026-11-25T10:00:00+03:00"}, datetime.fromisoformat("2026-11-25T10:00+03:00")),
        ({"date": "soon"}, None),
        ({"date": None}, None),
    ],
)
def test_the_threshold_date_is_read_robustly(answer: dict[str, Any], date: Any) -> None:
    handler = _threshold_handler([], answer)
    with MetricaClient(COUNTER, token=TOKEN, transport=httpx.MockTransport(handler)) as c:
        assert c.visit_join_threshold().date == date


def test_threshold_answers_that_say_nothing_are_errors() -> None:
    with MetricaClient(
        COUNTER, token=TOKEN, transport=httpx.MockTransport(_threshold_handler([], {}))
    ) as c:
        with pytest.raises(MetricaResponseError, match="no 'date'"):
            c.visit_join_threshold()
        with pytest.raises(UsageError, match="kind must be"):
            c.visit_join_threshold("chats")  # type: ignore[arg-type]

    def refuses(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"success": False})

    with (
        MetricaClient(COUNTER, token=TOKEN, transport=httpx.MockTransport(refuses)) as c,
        pytest.raises(MetricaResponseError, match="success"),
    ):
        c.enable_extended_threshold()


# --- a lost answer is looked for over a window --------------------------------------------------


def test_a_lost_answer_listed_late_is_found_by_looking_again(
    client: MetricaClient, fake: FakeMetrica, sleeps: list[float]
) -> None:
    fake.lost = 1  # stored, answer lost
    fake.listed_after = 2  # and absent from the next two lists
    result = client.upload_calls(ONE_TYPE, now=NOW)
    assert result.outcome is UploadOutcome.RECOVERED
    assert len(fake.uploads) == 1 and fake.count("POST", "/upload_calls") == 1
    # lists: before sending, right after the loss, after 2 s, after 4 s more: found
    assert sleeps == [2.0, 4.0]


def test_a_lost_answer_never_listed_is_sent_again_after_the_window(
    client: MetricaClient, fake: FakeMetrica, sleeps: list[float]
) -> None:
    fake.lost = 1
    fake.listed_after = 10_000  # never listed: as if Metrica had not stored it
    result = client.upload_calls(ONE_TYPE, now=NOW)
    assert result.outcome is UploadOutcome.SENT and fake.count("POST", "/upload_calls") == 2
    looks = list(LookPolicy().delays())
    assert sleeps[: len(looks)] == looks and sum(looks) == LOST_ANSWER_WINDOW == 180.0
    assert sleeps[len(looks) :] == [0.5]  # then the retry's own backoff


def test_the_window_is_a_parameter(fake: FakeMetrica, sleeps: list[float]) -> None:
    fake.lost = 1
    fake.listed_after = 10_000
    with MetricaClient(
        COUNTER,
        token=TOKEN,
        transport=httpx.MockTransport(fake),
        sleep=sleeps.append,
        random=lambda: 0.0,
        lost_answer_window=5,
    ) as c:
        c.upload_calls(ONE_TYPE, now=NOW)
    assert sleeps == [2.0, 3.0, 0.5]
    with pytest.raises(UsageError, match="window"):
        MetricaClient(COUNTER, token=TOKEN, lost_answer_window=-1)


# --- partial acceptance -------------------------------------------------------------------------


def test_rows_metrica_did_not_count_are_reported(client: MetricaClient, fake: FakeMetrica) -> None:
    def fewer(request: httpx.Request, upload: dict[str, Any]) -> httpx.Response:
        upload["line_quantity"] = upload["source_quantity"] - 2
        upload["extra"] = {"user_not_found_quantity": 1}
        return httpx.Response(200, json={"uploading": _public(upload)})

    fake.answer = fewer
    result = client.upload_calls(ONE_TYPE, now=NOW)
    assert result.partial
    assert result.shortfalls == (
        "Metrica counted 6 of 8 rows sent: 2 dropped",
        "1 rows whose visitor Metrica did not find",
    )
    assert result.to_dict()["parts"][0]["partial"] is True


# --- listing ------------------------------------------------------------------------------------


def test_listing_follows_offset_to_an_empty_page_whatever_limit_the_server_allows(
    client: MetricaClient, fake: FakeMetrica
) -> None:
    fake.uploads = [{"id": i, "comment": "x", "hidden": 0} for i in range(1, 8)]
    fake.page_cap = 3  # asked for 1000 (or 5), answers 3
    assert [u.id for u in client.iter_call_uploads()] == list(range(1, 8))
    assert [u.id for u in client.iter_call_uploads(page_size=5)] == list(range(1, 8))
    offsets = [r.url.params["offset"] for r in fake.requests if "offset" in r.url.params]
    assert offsets[:4] == ["0", "3", "6", "7"]


@pytest.mark.parametrize("body", [{}, {"uploadings": None}, {"uploadings": {"id": 1}}])
def test_an_answer_without_an_uploadings_list_is_an_error_not_an_empty_list(
    body: dict[str, Any], sleeps: list[float]
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=json.dumps(body).encode())

    with MetricaClient(COUNTER, token=TOKEN, transport=httpx.MockTransport(handler)) as c:
        with pytest.raises(MetricaResponseError, match="uploadings"):
            c.call_uploads()
        # the exactly-once lookup would find nothing: nothing is sent then
        with pytest.raises(MetricaResponseError):
            c.upload_calls(ONE_TYPE, now=NOW)
    assert all(r.method == "GET" for r in seen)


def test_a_refused_parameter_is_its_own_error(client: MetricaClient, fake: FakeMetrica) -> None:
    fake.answer = lambda request, upload: httpx.Response(
        400,
        json={
            "errors": [
                {
                    "error_type": "wrong_parameter_value",
                    "message": "bad",
                    "location": "client_id_type",
                }
            ]
        },
    )
    with pytest.raises(MetricaInvalidParameterError) as caught:
        client.upload_calls(ONE_TYPE, now=NOW)
    assert caught.value.location == "client_id_type"


# --- the counter's link window ------------------------------------------------------------------


def test_window_days_reaches_the_contract_or_says_it_cannot(
    client: MetricaClient, fake: FakeMetrica, tmp_path: Path
) -> None:
    import inspect

    from callframe.validation import check_frame

    old = tmp_path / "old.csv"
    old.write_text(f"ClientId,DateTime\n1795012345678901234,{NOW - 30 * 86400}\n")
    if "window_days" in inspect.signature(check_frame).parameters:
        assert client.upload_calls(old, now=NOW).parts[0].warnings == 1  # 21 days by default
        assert client.upload_calls(old, now=NOW, window_days=90, force=True).parts[0].warnings == 0
    else:  # the contract does not take the counter's window yet: no silent 21 days
        with pytest.raises(UsageError, match="window_days"):
            client.upload_calls(old, now=NOW, window_days=90)
        assert fake.requests == []
    with pytest.raises(UsageError, match="window_days"):
        client.upload_calls(ONE_TYPE, now=NOW, window_days=0)

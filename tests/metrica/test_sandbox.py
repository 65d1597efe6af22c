"""The sandbox speaks Metrica's HTTP: paths, parameters, JSON shapes, error bodies, auth,
server-side validation, statuses over time, SQLite state, and faults on request."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
import pytest

from callframe.metrica.sandbox import Sandbox

from ..conftest import FIXTURES, NOW
from .conftest import TOKEN, SyncASGITransport

CALLS = FIXTURES / "metrica" / "calls.csv"
CONVERSIONS = FIXTURES / "metrica" / "conversions.csv"
DEFECTS = FIXTURES / "metrica" / "defects" / "calls_defects.csv"
P = "/management/v1/counter/77/offline_conversions"
AUTH = {"Authorization": f"OAuth {TOKEN}"}


@pytest.fixture
def clock() -> dict[str, float]:
    return {"t": float(NOW)}


@pytest.fixture
def box(clock: dict[str, float]) -> Iterator[Sandbox]:
    sandbox = Sandbox(TOKEN, processing_seconds=10, clock=lambda: clock["t"])
    yield sandbox
    sandbox.close()


@pytest.fixture
def http(box: Sandbox, portal: anyio.from_thread.BlockingPortal) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=SyncASGITransport(box, portal), base_url="http://127.0.0.1"
    ) as client:
        yield client


def upload(
    http: httpx.Client, path: Path, endpoint: str = "upload_calls", **params: str
) -> httpx.Response:
    files = {"file": (path.name, path.read_bytes(), "text/csv")}
    return http.post(f"{P}/{endpoint}", params=params, files=files, headers=AUTH)


def assert_error(response: httpx.Response, status: int, error_type: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errors", "code", "message"}
    assert body["code"] == status and body["errors"][0]["error_type"] == error_type
    assert body["message"] == body["errors"][0]["message"]
    return body  # type: ignore[no-any-return]


def test_missing_token_is_401_and_a_wrong_one_403(http: httpx.Client) -> None:
    assert_error(http.get(f"{P}/calls_uploadings"), 401, "unauthorized")
    wrong = http.get(f"{P}/calls_uploadings", headers={"Authorization": "OAuth nope"})
    assert_error(wrong, 403, "invalid_token")
    bearer = http.get(f"{P}/calls_uploadings", headers={"Authorization": f"Bearer {TOKEN}"})
    assert_error(bearer, 403, "invalid_token")


def test_unknown_paths_methods_and_parameters(http: httpx.Client) -> None:
    assert_error(http.get(f"{P}/nothing_here", headers=AUTH), 404, "not_found")
    assert_error(http.delete(f"{P}/calls_uploadings", headers=AUTH), 405, "not_acceptable")
    bad_counter = http.get(
        "/management/v1/counter/abc/offline_conversions/uploadings", headers=AUTH
    )
    assert assert_error(bad_counter, 400, "invalid_parameter")["errors"][0]["location"] == (
        "counterId"
    )
    bad_limit = http.get(f"{P}/calls_uploadings", params={"limit": "many"}, headers=AUTH)
    assert assert_error(bad_limit, 400, "invalid_parameter")["errors"][0]["location"] == "limit"
    assert_error(http.get(f"{P}/calls_uploading/999", headers=AUTH), 404, "not_found")


def test_counters_can_be_restricted(clock: dict[str, float], portal: Any) -> None:
    box = Sandbox(TOKEN, counters={1}, clock=lambda: clock["t"])
    with httpx.Client(transport=SyncASGITransport(box, portal), base_url="http://x") as c:
        assert_error(c.get(f"{P}/uploadings", headers=AUTH), 403, "access_denied")
    box.close()


def test_upload_answers_the_documented_shape(http: httpx.Client, box: Sandbox) -> None:
    response = upload(http, CALLS, comment="hello", new_goal_name="Звонок")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["uploading"]
    assert set(body["uploading"]) == {
        "id",
        "create_time",
        "source_quantity",
        "line_quantity",
        "comment",
        "type",
        "client_id_type",
        "status",
        "goal_not_found_quantity",
        "user_not_found_quantity",
        "static_calls_quantity",
        "dynamic_calls_quantity",
        "linked_quantity",
    }
    assert body["uploading"]["create_time"] == "2026-11-23T12:00:00Z"
    assert body["uploading"]["status"] == "UPLOADED"
    listed = http.get(f"{P}/calls_uploadings", headers=AUTH).json()
    assert listed == {"uploadings": [body["uploading"]]}


def test_statuses_move_over_the_processing_time(
    http: httpx.Client, clock: dict[str, float]
) -> None:
    upload_id = upload(http, CALLS).json()["uploading"]["id"]

    def status() -> str:
        got = http.get(f"{P}/calls_uploading/{upload_id}", headers=AUTH).json()
        return str(got["uploading"]["status"])

    seen = [status()]
    for step in (5, 5):
        clock["t"] += step
        seen.append(status())
    assert seen == ["UPLOADED", "MATCHED", "PROCESSED"]


def test_no_row_with_an_id_ends_in_linkage_failure(
    http: httpx.Client, clock: dict[str, float], tmp_path: Path
) -> None:
    static = tmp_path / "static.csv"
    static.write_text(f"DateTime,StaticCall\n{NOW - 60},1\n{NOW - 30},1\n")
    body = upload(http, static).json()["uploading"]
    assert (body["static_calls_quantity"], body["dynamic_calls_quantity"]) == (2, 0)
    clock["t"] += 10
    got = http.get(f"{P}/calls_uploading/{body['id']}", headers=AUTH).json()["uploading"]
    assert got["status"] == "LINKAGE_FAILURE" and got["linked_quantity"] == 0


def test_an_invalid_file_is_rejected_with_rule_ids_and_no_values(
    http: httpx.Client, box: Sandbox
) -> None:
    body = assert_error(upload(http, DEFECTS), 400, "invalid_uploading")
    message = body["message"]
    assert "PhoneNumber|e164" in message and "*|id_required" in message
    assert "495" not in message  # the defects file holds "8 (495) 123-45-67"
    assert box.stored() == []


def test_the_file_part_is_required(http: httpx.Client) -> None:
    no_file = http.post(f"{P}/upload_calls", files={"other": ("a.csv", b"x")}, headers=AUTH)
    assert_error(no_file, 400, "missing_parameter")
    not_multipart = http.post(f"{P}/upload_calls", content=b"DateTime\n1", headers=AUTH)
    assert_error(not_multipart, 400, "invalid_parameter")
    too_long = upload(http, CALLS, comment="x" * 256)
    assert_error(too_long, 400, "invalid_parameter")


def test_conversion_types(http: httpx.Client, box: Sandbox) -> None:
    basic = upload(http, CONVERSIONS, "upload").json()["uploading"]
    assert basic["type"] == "BASIC" and "static_calls_quantity" not in basic
    calls_as_type = upload(http, CALLS, "upload", type="CALLS").json()["uploading"]
    assert calls_as_type["type"] == "CALLS"
    # the calls contract for type=CALLS: a conversions file is rejected
    assert_error(upload(http, CONVERSIONS, "upload", type="CALLS"), 400, "invalid_uploading")
    assert_error(upload(http, CONVERSIONS, "upload", type="SMS"), 400, "invalid_parameter")
    listed = http.get(f"{P}/uploadings", headers=AUTH).json()["uploadings"]
    assert [u["id"] for u in listed] == [basic["id"]]  # type defaults to BASIC
    listed = http.get(f"{P}/uploadings", params={"type": "CALLS"}, headers=AUTH).json()
    assert [u["id"] for u in listed["uploadings"]] == [calls_as_type["id"]]


def test_client_id_type_is_kept_or_inferred(http: httpx.Client, tmp_path: Path) -> None:
    only_client = tmp_path / "c.csv"
    only_client.write_text(f"ClientId,DateTime\n1795012345678901234,{NOW - 60}\n")
    assert upload(http, only_client).json()["uploading"]["client_id_type"] == "CLIENT_ID"
    given = upload(http, CALLS, client_id_type="user_id").json()["uploading"]
    assert given["client_id_type"] == "USER_ID"


def test_multipart_is_parsed_across_any_chunking(box: Sandbox, portal: Any, tmp_path: Path) -> None:
    # the file holds "\r\n--" and most of the boundary inside a quoted value: not a boundary
    boundary = "b0undary"
    data = (
        f'ClientId,DateTime,Tag\n1795012345678901234,{NOW - 60},"one\r\n--b0undar two"\n'
    ).encode()
    body = (
        (
            f"preamble\r\n--{boundary}\r\n"
            'Content-Disposition: form-data; name="note"\r\n\r\nhi\r\n--'
            f"{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="t.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\nepilogue".encode()
    )

    def pieces(size: int) -> Iterator[bytes]:
        for i in range(0, len(body), size):
            yield body[i : i + size]

    with httpx.Client(transport=SyncASGITransport(box, portal), base_url="http://x") as http:
        for size in (1, 7, 4096):
            response = http.post(
                f"{P}/upload_calls",
                content=b"".join(pieces(size)),
                headers={**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}"},
            )
            assert response.status_code == 200, response.text
    assert {row["sha256"] for row in box.stored()} == {hashlib.sha256(data).hexdigest()}


def test_state_survives_a_restart_with_a_db_file(tmp_path: Path, portal: Any) -> None:
    db = tmp_path / "state.sqlite"
    first = Sandbox(TOKEN, db=db, clock=lambda: float(NOW))
    with httpx.Client(transport=SyncASGITransport(first, portal), base_url="http://x") as c:
        uploaded = upload(c, CALLS).json()["uploading"]
    first.close()
    second = Sandbox(TOKEN, db=db, clock=lambda: float(NOW + 60))
    with httpx.Client(transport=SyncASGITransport(second, portal), base_url="http://x") as c:
        got = c.get(f"{P}/calls_uploading/{uploaded['id']}", headers=AUTH).json()["uploading"]
        assert got["status"] == "PROCESSED" and got["comment"] == uploaded["comment"]
        again = upload(c, CALLS).json()["uploading"]
        assert again["id"] == uploaded["id"] + 1
    second.close()


def test_faults_over_http(http: httpx.Client) -> None:
    faults = {"faults": [{"kind": "error", "on": "list", "status": 502, "times": 2}]}
    assert http.post("/_sandbox/faults", json=faults).status_code == 401
    assert http.post("/_sandbox/faults", json=faults, headers=AUTH).status_code == 200
    codes = [http.get(f"{P}/uploadings", headers=AUTH).status_code for _ in range(3)]
    assert codes == [502, 502, 200]
    rate = {"faults": [{"kind": "rate_limit", "on": "any", "retry_after": 4}]}
    http.post("/_sandbox/faults", json=rate, headers=AUTH)
    limited = http.get(f"{P}/uploadings", headers=AUTH)
    assert_error(limited, 429, "quota_requests_by_ip")
    assert limited.headers["retry-after"] == "4"
    bad = http.post("/_sandbox/faults", json={"faults": [{"kind": "meteor"}]}, headers=AUTH)
    assert bad.status_code == 400
    http.post("/_sandbox/faults", json=faults, headers=AUTH)
    assert http.delete("/_sandbox/faults", headers=AUTH).status_code == 204
    assert http.get(f"{P}/uploadings", headers=AUTH).status_code == 200
    assert http.get("/_sandbox/uploads", headers=AUTH).json() == {"stored": []}

"""The sandbox speaks Metrica's HTTP: paths, parameters, JSON shapes, error bodies, auth,
the server's own reading of the file (its own code: the import graph is checked), fresh
counters and the threshold endpoints, statuses over time, the 1 GB limit, SQLite state, and
faults on request. Every line of ``metrica-server.md`` is also a case of
``tests/conformance``."""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
import pytest

import callframe
from callframe.errors import UsageError
from callframe.metrica.sandbox import Fault, Sandbox

from ..conftest import FIXTURES, NOW
from .conftest import TOKEN, SyncASGITransport

CALLS = FIXTURES / "metrica" / "calls.csv"
"""Ten calls: 2 rows with only ``UserId``, 1 static row without an ID, 7 with ``ClientId``."""
CONVERSIONS = FIXTURES / "metrica" / "conversions.csv"
P = "/management/v1/counter/77/offline_conversions"
CLIENT_ID = "1795012345678901234"
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
    http: httpx.Client, path: Path | str, endpoint: str = "upload_calls", **params: str
) -> httpx.Response:
    """Upload a file (or CSV text); ``client_id_type`` defaults to ``CLIENT_ID``."""
    params.setdefault("client_id_type", "CLIENT_ID")
    body = path.read_bytes() if isinstance(path, Path) else path.encode()
    files = {"file": ("data.csv", body, "text/csv")}
    return http.post(f"{P}/{endpoint}", params=params, files=files, headers=AUTH)


def one_call(at: int = NOW - 60) -> str:
    return f"ClientId,DateTime\n{CLIENT_ID},{at}\n"


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
    got = body["uploading"]
    assert got["create_time"] == "2026-11-23T12:00:00Z"
    assert got["status"] == "UPLOADED"
    # CLIENT_ID: the two UserId-only rows and the static row without an ID are dropped
    assert (got["source_quantity"], got["line_quantity"]) == (10, 7)
    assert (got["static_calls_quantity"], got["dynamic_calls_quantity"]) == (0, 7)
    listed = http.get(f"{P}/calls_uploadings", headers=AUTH).json()
    assert listed == {"uploadings": [got]}


def test_statuses_move_over_the_processing_time(
    box: Sandbox, http: httpx.Client, clock: dict[str, float]
) -> None:
    box.prepared_seconds = 2
    upload_id = upload(http, CALLS).json()["uploading"]["id"]

    def status() -> str:
        got = http.get(f"{P}/calls_uploading/{upload_id}", headers=AUTH).json()
        return str(got["uploading"]["status"])

    seen = [status()]
    for step in (2, 5, 2.5, 2.5):
        clock["t"] += step
        seen.append(status())
    assert seen == ["PREPARED", "UPLOADED", "EXPORTED", "MATCHED", "PROCESSED"]


def test_no_counted_row_ends_in_linkage_failure(
    http: httpx.Client, clock: dict[str, float]
) -> None:
    # the file is accepted, but every row is dropped (no ClientId): nothing to link
    static = f"ClientId,DateTime,StaticCall\n,{NOW - 60},1\n,{NOW - 30},1\n"
    body = upload(http, static).json()["uploading"]
    assert (body["source_quantity"], body["line_quantity"]) == (2, 0)
    clock["t"] += 10
    got = http.get(f"{P}/calls_uploading/{body['id']}", headers=AUTH).json()["uploading"]
    assert got["status"] == "LINKAGE_FAILURE" and got["linked_quantity"] == 0
    counted = upload(http, f"ClientId,DateTime,StaticCall\n{CLIENT_ID},{NOW - 60},1\n")
    assert counted.json()["uploading"]["static_calls_quantity"] == 1
    clock["t"] += 10
    upload_id = counted.json()["uploading"]["id"]
    got = http.get(f"{P}/calls_uploading/{upload_id}", headers=AUTH).json()["uploading"]
    assert got["status"] == "PROCESSED" and got["linked_quantity"] == 1


def test_the_server_drops_bad_rows_where_callframe_would_refuse_the_file(
    http: httpx.Client, box: Sandbox
) -> None:
    # callframe's validator rejects this file (a bad phone, durations over uint32, a flag 2);
    # the server keeps every row whose ID and DateTime are good, and counts wrong values
    text = (
        "ClientId,DateTime,PhoneNumber,TalkDuration,CallMissed\n"
        f"{CLIENT_ID},{NOW - 60},8 (495) 123-45-67,4294967296,2\n"
        f"17950123456789O1234,{NOW - 60},,,\n"
        f"{CLIENT_ID},{NOW + 3600},,,\n"
    )
    got = upload(http, text).json()["uploading"]
    assert (got["source_quantity"], got["line_quantity"]) == (3, 1)
    assert box.stored()[0]["wrong_values"] == 2  # the duration and the flag (phones unchecked)
    # a short row reads its missing fields as empty; fields beyond the header are ignored
    ragged = f"ClientId,DateTime,Price\n{CLIENT_ID},{NOW - 60}\n{CLIENT_ID},{NOW - 60},1,x\n"
    got = upload(http, ragged).json()["uploading"]
    assert (got["source_quantity"], got["line_quantity"]) == (2, 2)


def test_a_refused_file_carries_the_servers_message_and_no_values(
    http: httpx.Client, box: Sandbox
) -> None:
    body = assert_error(upload(http, 'ClientId,DateTime\n"8 (495)"x,1\n'), 400, "invalid_uploading")
    assert body["message"].startswith("Неверный формат данных, ошибка в строке номер 2")
    assert body["errors"][0]["location"] == "file"
    assert "495" not in body["message"]
    header_only = assert_error(upload(http, "ClientId,DateTime\n"), 400, "invalid_uploading")
    assert header_only["message"].startswith("Неверный формат данных, ошибка в строке номер")
    not_utf8 = upload(http, "ClientId,DateTime\n1,2\n".encode("utf-16").decode("latin-1"))
    assert_error(not_utf8, 400, "invalid_uploading")
    twice = upload(http, f"ClientId,Client Id,DateTime\n1,1,{NOW - 60}\n")
    assert_error(twice, 400, "invalid_uploading")
    assert box.stored() == []


def test_multipart_problems(http: httpx.Client) -> None:
    no_file = http.post(f"{P}/upload_calls", files={"other": ("a.csv", b"x")}, headers=AUTH)
    body = assert_error(no_file, 400, "missing_request_part")
    assert body["message"].startswith("Не найден параметр запроса.")
    not_multipart = http.post(f"{P}/upload_calls", content=b"DateTime\n1", headers=AUTH)
    body = assert_error(not_multipart, 400, "invalid_multipart_request")
    assert body["message"].startswith("Некорректный формат multipart запроса.")
    broken = http.post(
        f"{P}/upload_calls",
        content=b"--b\r\nno headers end",
        headers={**AUTH, "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert_error(broken, 400, "invalid_multipart_request")


@pytest.mark.parametrize(
    ("comment", "ok"),
    [
        ("calls2026", True),
        ("Звонки за ноябрь 2026", True),
        ("ЁЖИК ёжик", True),
        ("nightly 2026-11-23, part_1: ok. cf1a2b3c4d5e6f", True),
        ("", True),
        ("calls \U0001f4de", False),
        ("nightly [cf:1a2b3c4d5e6f]", False),
        ("a/b", False),
        ("50%", False),
        ("tab\there", False),
        ("Ωmega", False),  # a letter, but neither Latin nor Cyrillic
    ],
)
def test_comments_are_checked_for_allowed_characters(
    http: httpx.Client, box: Sandbox, comment: str, ok: bool
) -> None:
    response = upload(http, one_call(), comment=comment)
    if ok:
        assert response.status_code == 200, response.text
        assert response.json()["uploading"]["comment"] == comment  # exactly as sent
    else:
        body = assert_error(response, 400, "not_allowed_symbols_in_comment")
        assert body["message"] == "Комментарий содержит недопустимые символы."
        assert box.stored() == []
    too_long = upload(http, one_call(), comment="x" * 256)
    assert_error(too_long, 400, "invalid_parameter")


def test_conversion_types(http: httpx.Client, box: Sandbox) -> None:
    basic = upload(http, CONVERSIONS, "upload").json()["uploading"]
    assert basic["type"] == "BASIC" and "static_calls_quantity" not in basic
    calls_as_type = upload(http, CALLS, "upload", type="CALLS").json()["uploading"]
    assert calls_as_type["type"] == "CALLS"
    # type=CALLS reads the calls columns: a conversions file has them (Target is ignored)
    assert upload(http, CONVERSIONS, "upload", type="CALLS").status_code == 200
    assert_error(upload(http, CONVERSIONS, "upload", type="SMS"), 400, "invalid_parameter")
    listed = http.get(f"{P}/uploadings", headers=AUTH).json()["uploadings"]
    assert [u["id"] for u in listed] == [basic["id"]]  # type defaults to BASIC
    listed = http.get(f"{P}/uploadings", params={"type": "CALLS"}, headers=AUTH).json()
    assert listed["uploadings"][0]["id"] == calls_as_type["id"]


def test_basic_uploads_need_target(http: httpx.Client) -> None:
    no_target = upload(http, one_call(), "upload")
    assert "Target" in assert_error(no_target, 400, "invalid_uploading")["message"]
    text = f"ClientId,Target,DateTime\n{CLIENT_ID},,{NOW - 60}\n{CLIENT_ID},paid,{NOW - 60}\n"
    got = upload(http, text, "upload").json()["uploading"]
    assert (got["source_quantity"], got["line_quantity"]) == (2, 1)
    purchase = f"PurchaseId,Target,DateTime\nP-1,paid,{NOW - 60}\n"
    assert upload(http, purchase, "upload", client_id_type="PURCHASE_ID").status_code == 200
    # PURCHASE_ID is not a calls type
    refused = upload(http, purchase, client_id_type="PURCHASE_ID")
    assert_error(refused, 400, "wrong_parameter_value")


def chats_upload(http: httpx.Client, text: str, **params: str) -> httpx.Response:
    """A ``type=CHATS`` upload without ``client_id_type`` (the chat docs do not name it)."""
    files = {"file": ("data.csv", text.encode(), "text/csv")}
    query = {"type": "CHATS", **params}
    return http.post(f"{P}/upload", params=query, files=files, headers=AUTH)


def test_chats_are_read_with_the_chat_columns(http: httpx.Client, clock: dict[str, float]) -> None:
    at = NOW - 60
    text = (
        "DateTime,ChatPlatform,ChatUsername,ChatUserID,PhoneNumber,ClientID\n"
        f"{at},telegram,someone,,,{CLIENT_ID}\n"  # counted, linked
        f"{at},whatsapp,,,+79161234567,\n"  # counted, unattributed
        f"{at},Telegram,someone,,,{CLIENT_ID}\n"  # dropped: the docs write lower case
        f"{at},instagram,someone,,,{CLIENT_ID}\n"  # dropped: not a chat platform of Metrica
        f"{at},viber,,,,{CLIENT_ID}\n"  # dropped: nobody to chat with
        f"{at},viber,,532118844,,notanumber\n"  # dropped: ClientID not a number
        f"{NOW + 3600},viber,,532118844,,\n"  # dropped: in the future
        "\n"
        f" {at} , whatsapp ,,,+79161234567,{CLIENT_ID}\n"  # trimmed: counted
    )
    got = chats_upload(http, text).json()["uploading"]
    assert got["type"] == "CHATS" and "static_calls_quantity" not in got
    assert (got["source_quantity"], got["line_quantity"]) == (8, 3)
    listed = http.get(f"{P}/uploadings", params={"type": "CHATS"}, headers=AUTH).json()
    assert [u["id"] for u in listed["uploadings"]] == [got["id"]]
    basic = http.get(f"{P}/uploadings", headers=AUTH).json()  # the default type is BASIC
    assert basic["uploadings"] == []
    clock["t"] += 11
    done = http.get(f"{P}/uploading/{got['id']}", headers=AUTH).json()["uploading"]
    assert done["status"] == "PROCESSED" and done["linked_quantity"] == 2


def test_chats_headers_either_id_spelling_and_refused_files(http: httpx.Client) -> None:
    ok = chats_upload(http, f"date time,chatplatform,PhoneNumber,ClientId\n{NOW},viber,+7916,1\n")
    assert ok.json()["uploading"]["line_quantity"] == 1
    for text in (
        "ChatPlatform,ChatUsername\ntelegram,someone\n",  # no DateTime
        f"DateTime,ChatUsername\n{NOW},someone\n",  # no ChatPlatform
        f"DateTime,ChatPlatform,ClientID\n{NOW},viber,{CLIENT_ID}\n",  # nobody to chat with
        "DateTime,ChatPlatform,ChatUsername\n",  # no rows
    ):
        assert_error(chats_upload(http, text), 400, "invalid_uploading")


def test_chats_the_sandbox_counts_what_the_validator_predicts(
    http: httpx.Client, tmp_path: Path
) -> None:
    """Two readings written apart (the contract, the sandbox's own code) agree on the chat
    rules: rows the validator says Metrica drops are dropped, the others counted."""
    lines = (FIXTURES / "metrica" / "defects" / "chats_defects.csv").read_text().splitlines()
    chat_rows = [line for line in lines[1:] if not line.startswith(("2026", "4102", "9466"))]
    chat_rows = [r for r in chat_rows if r.split(",")[0] not in ("", "1795166130000")]
    path = tmp_path / "chats.csv"
    path.write_text("\n".join([lines[0], *chat_rows]) + "\n", encoding="utf-8")
    report = callframe.validate(path, "chats", now=NOW)
    assert {"ChatPlatform|allowed", "*|chat_contact_required", "ClientID|digits"} <= set(
        report.errors["rule"]
    )
    got = chats_upload(http, path.read_text()).json()["uploading"]
    assert got["source_quantity"] == report.n_rows == len(chat_rows)
    assert got["line_quantity"] == report.predicted_line_quantity < report.n_rows


def test_chats_without_any_id_end_in_linkage_failure(
    http: httpx.Client, clock: dict[str, float]
) -> None:
    got = chats_upload(http, f"DateTime,ChatPlatform,ChatUsername\n{NOW},telegram,a\n").json()
    clock["t"] += 11
    done = http.get(f"{P}/uploading/{got['uploading']['id']}", headers=AUTH).json()["uploading"]
    assert done["line_quantity"] == 1 and done["status"] == "LINKAGE_FAILURE"


def test_client_id_type_is_kept_or_inferred_from_the_one_id_column(http: httpx.Client) -> None:
    inferred = upload(http, one_call(), client_id_type="")
    assert inferred.json()["uploading"]["client_id_type"] == "CLIENT_ID"
    given = upload(http, CALLS, client_id_type="user_id").json()["uploading"]
    assert given["client_id_type"] == "USER_ID" and given["line_quantity"] == 2
    several = upload(http, CALLS, client_id_type="")
    assert_error(several, 400, "wrong_parameter_value")
    assert_error(upload(http, one_call(), client_id_type="PHONE"), 400, "wrong_parameter_value")


def test_a_file_over_the_size_limit_is_refused(clock: dict[str, float], portal: Any) -> None:
    box = Sandbox(TOKEN, clock=lambda: clock["t"], max_file_bytes=64)
    with httpx.Client(transport=SyncASGITransport(box, portal), base_url="http://x") as http:
        assert upload(http, one_call()).status_code == 200  # 40 bytes
        big = one_call() + f"{CLIENT_ID},{NOW - 30}\n"  # 70 bytes
        body = assert_error(upload(http, big), 400, "invalid_uploading")
        assert "64" in body["message"]
        assert len(box.stored()) == 1
    box.close()
    assert Sandbox().max_file_bytes == 10**9  # Metrica's limit, 1 GB


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
                params={"client_id_type": "CLIENT_ID"},
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


def test_list_after_hides_an_upload_until_the_server_has_parsed_it(
    box: Sandbox, http: httpx.Client, clock: dict[str, float]
) -> None:
    box.inject(Fault("error", after_store=True, list_after=30))
    assert upload(http, one_call()).status_code == 503
    [stored] = box.stored()  # stored, though the answer said otherwise
    assert stored["visible_at"] == NOW + 30
    assert http.get(f"{P}/calls_uploadings", headers=AUTH).json() == {"uploadings": []}
    assert http.get(f"{P}/calls_uploading/{stored['id']}", headers=AUTH).status_code == 404
    clock["t"] += 29
    assert http.get(f"{P}/calls_uploadings", headers=AUTH).json() == {"uploadings": []}
    clock["t"] += 1
    listed = http.get(f"{P}/calls_uploadings", headers=AUTH).json()["uploadings"]
    assert [u["id"] for u in listed] == [stored["id"]]
    assert http.get(f"{P}/calls_uploading/{stored['id']}", headers=AUTH).status_code == 200
    # over HTTP too, and only for uploads made under the fault
    fault = {"faults": [{"kind": "delay", "seconds": 0, "list_after": 5}]}
    assert (
        http.post("/_sandbox/faults", json=fault, headers=AUTH).json()["faults"][0]["list_after"]
        == 5
    )
    upload(http, one_call(NOW - 1))
    upload(http, one_call(NOW - 2))
    assert len(http.get(f"{P}/calls_uploadings", headers=AUTH).json()["uploadings"]) == 2
    with pytest.raises(UsageError):
        Fault("delay", list_after=-1)


def test_a_fresh_counter_needs_the_ignore_parameter_of_its_endpoint(
    clock: dict[str, float], portal: Any
) -> None:
    box = Sandbox(TOKEN, clock=lambda: clock["t"], fresh_counters=[77])
    with httpx.Client(transport=SyncASGITransport(box, portal), base_url="http://x") as http:
        calls = upload(http, one_call())
        body = assert_error(calls, 400, "visit_join_threshold_unmet")
        assert body["message"] == (
            "Загрузить данные сейчас невозможно. Загрузка станет доступна 2026-11-24 12:00:00"
        )
        basic = f"ClientId,Target,DateTime\n{CLIENT_ID},paid,{NOW - 60}\n"
        assert_error(upload(http, basic, "upload"), 400, "visit_join_threshold_unmet")
        # each endpoint reads its own parameter
        wrong = upload(http, one_call(), ignore_visit_join_threshold="1")
        assert_error(wrong, 400, "visit_join_threshold_unmet")
        wrong = upload(http, basic, "upload", ignore_calls_visit_join_threshold="1")
        assert_error(wrong, 400, "visit_join_threshold_unmet")
        as_type = upload(http, one_call(), "upload", type="CALLS", ignore_visit_join_threshold="1")
        assert_error(as_type, 400, "visit_join_threshold_unmet")
        assert box.stored() == []
        ok = [
            upload(http, one_call(), ignore_calls_visit_join_threshold="1"),
            upload(http, basic, "upload", ignore_visit_join_threshold="1"),
            upload(http, one_call(), "upload", type="CALLS", ignore_calls_visit_join_threshold="1"),
            upload(
                http,
                f"DateTime,ChatPlatform,ChatUsername\n{NOW - 60},telegram,a\n",
                "upload",
                type="CHATS",
                ignore_visit_join_threshold="1",
            ),
        ]
        assert [r.status_code for r in ok] == [200, 200, 200, 200]
        # other counters are not fresh; a fresh one opens at its date
        other = "/management/v1/counter/78/offline_conversions/upload_calls"
        files = {"file": ("data.csv", one_call().encode(), "text/csv")}
        assert http.post(other, files=files, headers=AUTH).status_code == 200
        clock["t"] += 86400
        assert upload(http, one_call()).status_code == 200
    box.close()


def test_fresh_counters_over_http_and_by_date(clock: dict[str, float], http: httpx.Client) -> None:
    mark = {"fresh": True, "until": NOW + 600}
    assert http.post("/_sandbox/counters/77", json=mark).status_code == 401
    answer = http.post("/_sandbox/counters/77", json=mark, headers=AUTH).json()
    assert answer == {"counter": 77, "fresh": True, "available_at": "2026-11-23 12:10:00"}
    assert_error(upload(http, one_call()), 400, "visit_join_threshold_unmet")
    unmark = http.post("/_sandbox/counters/77", json={"fresh": False}, headers=AUTH)
    assert unmark.json() == {"counter": 77, "fresh": False}
    assert upload(http, one_call()).status_code == 200
    bad = http.post("/_sandbox/counters/77", json={"fresh": "yes"}, headers=AUTH)
    assert bad.status_code == 400
    box = Sandbox(fresh_counters=[1], threshold_date=datetime(2027, 1, 1, tzinfo=UTC))
    assert box.counter_state(1)["available_at"] == datetime(2027, 1, 1, tzinfo=UTC).timestamp()
    box.close()


def test_threshold_endpoints(http: httpx.Client, box: Sandbox) -> None:
    def date(name: str) -> str:
        response = http.get(f"{P}/{name}", headers=AUTH)
        assert response.status_code == 200 and list(response.json()) == ["date"]
        return str(response.json()["date"])

    # a counter with enough visits: the start of the 21-day window
    assert date("calls_visit_join_threshold") == "2026-11-02 12:00:00"
    assert date("visit_join_threshold") == "2026-11-02 12:00:00"
    # the extended window (90 days), per kind, switched on and off
    on = http.post(f"{P}/calls_extended_threshold", headers=AUTH)
    assert on.status_code == 200 and on.json() == {"success": True}
    assert date("calls_visit_join_threshold") == "2026-08-25 12:00:00"
    assert date("visit_join_threshold") == "2026-11-02 12:00:00"
    assert box.counter_state(77)["calls_extended"] == 1
    assert http.post(f"{P}/extended_threshold", headers=AUTH).json() == {"success": True}
    assert box.counter_state(77)["basic_extended"] == 1
    assert http.delete(f"{P}/calls_extended_threshold", headers=AUTH).json() == {"success": True}
    assert date("calls_visit_join_threshold") == "2026-11-02 12:00:00"
    # a fresh counter: the time uploads become possible
    box.set_fresh(77)
    assert date("calls_visit_join_threshold") == "2026-11-24 12:00:00"
    assert http.get(f"{P}/visit_join_threshold").status_code == 401


def test_the_sandbox_imports_none_of_callframes_contract_or_client() -> None:
    """The sandbox reads files with its own code: follow its imports of callframe modules
    (those that run: not under ``TYPE_CHECKING``) and find none of the client's checks."""
    root = Path(callframe.__file__).parent.parent
    forbidden = (
        "callframe.contract",
        "callframe.validation",
        "callframe.report",
        "callframe.io",
        "callframe.trackers",
        "callframe._api",
        "callframe.metrica.client",
        "callframe.metrica._core",
        "callframe.metrica._files",
        "callframe.metrica._http",
    )

    def imports(module: str) -> set[str]:
        path = root / (module.replace(".", "/") + ".py")
        if not path.exists():
            path = root / module.replace(".", "/") / "__init__.py"
        tree = ast.parse(path.read_text())
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                node.body = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found |= {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
        return {
            m
            for m in found
            if m.startswith("callframe")
            and (
                (root / (m.replace(".", "/") + ".py")).exists()
                or (root / m.replace(".", "/")).is_dir()
            )
        }

    seen: set[str] = set()
    todo = ["callframe.metrica.sandbox"] + [
        f"callframe.metrica.sandbox.{p.stem}"
        for p in (root / "callframe/metrica/sandbox").glob("_*.py")
        if p.stem != "__init__"
    ]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(imports(module) - seen)
    assert "callframe.metrica.sandbox._csv" in seen and "callframe.errors" in seen
    assert [m for m in sorted(seen) if m.startswith(forbidden)] == []

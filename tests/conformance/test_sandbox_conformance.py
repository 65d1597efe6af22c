"""Every line of ``metrica-server.md`` (the table in :mod:`.cases`), sent to the sandbox over a
real socket with plain httpx — not callframe's client — and answered as the real server does.

One sandbox and one uvicorn server for the module; each case uses its own counter, so the
list it reads back holds only its own upload."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest

from callframe.metrica.sandbox import Sandbox, serve

from .cases import CASES, NOW, Case

TOKEN = "conformance-token"
_COUNTERS = itertools.count(1000)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(TOKEN, processing_seconds=60, clock=lambda: float(NOW))
    yield box
    box.close()


@pytest.fixture(scope="module")
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with (
        serve(sandbox) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"OAuth {TOKEN}"}) as client,
    ):
        yield client


def send(http: httpx.Client, counter: int, case: Case) -> httpx.Response:
    path = f"/management/v1/counter/{counter}/offline_conversions/{case.endpoint}"
    body = case.csv.encode()
    if case.part is None:
        headers = {"Content-Type": "text/csv; charset=utf-8"}
        return http.post(path, params=case.query, content=body, headers=headers)
    files = {case.part: ("data.csv", body, "text/csv")}
    return http.post(path, params=case.query, files=files)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_sandbox_answers_as_the_server(
    http: httpx.Client, sandbox: Sandbox, case: Case
) -> None:
    counter = next(_COUNTERS)
    if case.fresh:
        sandbox.set_fresh(counter)
    response = send(http, counter, case)
    assert response.status_code == case.status, (case.cites, response.text)
    if case.status != 200:
        error = response.json()["errors"][0]
        assert error["error_type"] == case.error_type, case.cites
        listed = http.get(f"/management/v1/counter/{counter}/offline_conversions/calls_uploadings")
        assert listed.json()["uploadings"] == []  # nothing stored
        return
    uploading = response.json()["uploading"]
    assert uploading["line_quantity"] == case.line_quantity, case.cites
    assert uploading["source_quantity"] == case.source_quantity, case.cites
    assert uploading["comment"] == case.query.get("comment"), case.cites
    # appears in the list at once, status UPLOADED (metrica-server.md, "After an upload")
    lister = "calls_uploadings" if case.kind == "calls" else "uploadings"
    listed = http.get(f"/management/v1/counter/{counter}/offline_conversions/{lister}")
    assert [u["id"] for u in listed.json()["uploadings"]] == [uploading["id"]]
    assert listed.json()["uploadings"][0]["status"] == "UPLOADED"
    assert listed.json()["uploadings"][0]["comment"] == case.query.get("comment")
    if case.columns:  # a header spelling: the column must be recognised, not just ignored
        stored = next(s for s in sandbox.stored() if s["id"] == uploading["id"])
        recognised = stored["columns"].split(",")
        assert set(case.columns) <= set(recognised), (case.cites, recognised)


def test_the_table_covers_every_section_of_the_page() -> None:
    sections = {c.cites.split(":")[0] for c in CASES}
    assert {
        "Requests the suite always makes",
        "Whole request refused (HTTP 400)",
        "File accepted, one row dropped",
        "File and row accepted, although a value is wrong",
        "Accepted as valid (HTTP 200, `line_quantity` 1)",
        "After an upload",
    } <= sections
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.error_type for c in CASES} == {
        None,
        "invalid_uploading",
        "invalid_multipart_request",
        "missing_request_part",
        "wrong_parameter_value",
        "not_allowed_symbols_in_comment",
        "visit_join_threshold_unmet",
    }

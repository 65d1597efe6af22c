"""A large JSON export parsed by worker processes gives exactly the frame read whole.

The parent cuts the records' text where a record starts as the first one did and sends each
run to a worker; a worker's parse is the check that the cut fell between records. Any doubt
(a cut inside a record's own list of objects, text that is not JSON) and the file is read
again by the parent alone, so the answer never depends on where the cuts fell.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from callframe.io import _json, _json_pool, exports
from callframe.io._scanned import Temps
from callframe.io.exports import TrackerExport, read_export

PLAIN = [
    {
        "callId": 3_100_000 + i,
        "phone": f"+7 916 {i:07d}",
        "ok": i % 3 == 0,
        "duration": [0, 17, -5, 2**63, 2**64 + 1][i % 5],
        "score": [1.50, 2e3, None][i % 3],
        "yaClientId": None if i % 2 else "17556",
        "callTags": [] if i % 4 else [{"type": "MANUAL", "names": ["Целевой", "ё}, {"]}],
        "note": 'say "hi" }, {"callId": 1',
    }
    for i in range(40)
]
IRREGULAR = [
    {"callId": i, **({"visit": {"url": f"https://x.ru/{i}", "empty": {}}} if i % 7 else {})}
    | ({"late": "x"} if i > 20 else {})
    for i in range(40)
]
SAME_OPENER_INSIDE = [  # a record's own list holds objects opening as records do
    {"callId": i, "legs": [{"callId": i * 10 + j, "x": "y"} for j in range(3)]} for i in range(40)
]
WITH_NAN = (
    '{"records": ['
    + ",".join(f'{{"callId": {i}, "v": {"NaN" if i == 30 else i}}}' for i in range(40))
    + "]}"
)


@pytest.fixture
def pool_spy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[_json_pool.Pool]:
    """Every JSON file parsed by workers, in small runs of text; the pools made."""
    monkeypatch.setattr(exports, "JSON_STREAM_BYTES", 0)
    monkeypatch.setattr(_json, "POOL_BYTES", 0)
    monkeypatch.setattr(_json, "_TEXT_CHUNK", 300)
    monkeypatch.setattr(_json.os, "cpu_count", lambda: 2)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    pools: list[_json_pool.Pool] = []
    original = _json_pool.Pool.__init__

    def made(self: _json_pool.Pool, workers: int) -> None:
        original(self, workers)
        pools.append(self)

    monkeypatch.setattr(_json_pool.Pool, "__init__", made)
    return pools


def whole(path: Path) -> TrackerExport:
    return exports._scan_raw(path.read_bytes(), str(path), exports._Options()).collect()


def write(
    path: Path, records: list[dict[str, Any]], indent: int | None, encoding: str = "utf-8"
) -> Path:
    text = json.dumps({"page": 1, "records": records}, indent=indent, ensure_ascii=False)
    path.write_text(text, encoding=encoding)
    return path


@pytest.mark.parametrize(("indent", "encoding"), [(None, "utf-8"), (2, "utf-8-sig"), (2, "utf-16")])
@pytest.mark.parametrize(
    "records", [PLAIN, IRREGULAR, SAME_OPENER_INSIDE], ids=["plain", "irregular", "same-opener"]
)
def test_workers_give_the_frame_read_whole(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pool_spy: list[_json_pool.Pool],
    records: list[Any],
    indent: int | None,
    encoding: str,
) -> None:
    """UTF-8 files go to the workers as their bytes, others as their text encoded."""
    path = write(tmp_path / "calls.json", records, indent, encoding)
    sent: list[int] = []
    original = _json_pool.Pool.submit

    def submit(self: _json_pool.Pool, data: bytes, where: Path) -> int:
        sent.append(len(data))
        return original(self, data, where)

    monkeypatch.setattr(_json_pool.Pool, "submit", submit)

    streamed = read_export(path)

    expected = whole(path)
    assert streamed.frame.equals(expected.frame)
    assert streamed.frame.columns == expected.frame.columns
    assert streamed.envelope == "records"
    assert len(pool_spy) == 1 and sent  # the records went to the workers
    assert all(proc.poll() is not None for proc in pool_spy[0].procs)  # and they are gone


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each read of a large JSON file, in order: ``True`` with workers, ``False`` alone."""
    tries: list[bool] = []
    original = _json._scan_json_file

    def spy(*args: Any) -> Any:
        tries.append(args[-1] is not None)
        return original(*args)

    monkeypatch.setattr(_json, "_scan_json_file", spy)
    return tries


def test_a_cut_inside_a_record_is_read_again_alone_with_the_same_answer(
    tmp_path: Path, scans: list[bool], pool_spy: list[_json_pool.Pool]
) -> None:
    path = write(tmp_path / "calls.json", SAME_OPENER_INSIDE, None)

    scan = exports.scan_export(path)

    assert scans == [True, False]  # with workers, then alone
    assert scan.collect().frame.equals(whole(path).frame)
    scan.close()
    assert list((tmp_path / "scratch").iterdir()) == []  # the first try's files are gone too


def test_values_python_reads_but_polars_would_not_are_text_as_read_whole(
    tmp_path: Path, pool_spy: list[_json_pool.Pool]
) -> None:
    path = tmp_path / "calls.json"
    path.write_text(WITH_NAN)

    streamed = read_export(path)

    assert streamed.frame.equals(whole(path).frame)
    assert streamed.frame["v"].to_list()[29:32] == ["29", "nan", "31"]


def edge(value: str, at: range = range(30, 40)) -> str:
    """Records holding ``value`` ``at`` these (the first batches are plain)."""
    return (
        '{"records": ['
        + ",".join(
            f'{{"callId": {i}, "v": {value if i in at else i}, "w": "x"}}' for i in range(40)
        )
        + "]}"
    )


@pytest.mark.parametrize(
    "text",
    [
        edge("[1.50, 2e3]"),  # orjson's floats in a list: json keeps the digits
        edge("18446744073709551616"),  # beyond 64 bits: a float to orjson
        edge('1, "v": 2'),  # a duplicate key: the last one wins, in the first one's place
        edge('"\\ud800"'),  # a lone surrogate: orjson refuses it, polars cannot hold it
    ],
    ids=["float-list", "big-int", "duplicate-key", "lone-surrogate"],
)
def test_what_orjson_reads_otherwise_is_read_as_json_reads_it(
    tmp_path: Path, pool_spy: list[_json_pool.Pool], text: str
) -> None:
    path = tmp_path / "calls.json"
    path.write_text(text)
    assert_read_as_whole(path, pool_spy)


@pytest.mark.parametrize(
    "bad",
    [b"\xff", b"\xed\xa0\x80", b"\xd0"],
    ids=["ff", "surrogate", "cut"],
)
def test_bytes_that_are_not_utf8_are_the_error_read_whole_gives(
    tmp_path: Path, scans: list[bool], pool_spy: list[_json_pool.Pool], bad: bytes
) -> None:
    """The workers get a UTF-8 file's bytes unchecked: their strict parse refuses these (then
    the file is read again alone, and read whole for the error)."""
    path = tmp_path / "calls.json"
    path.write_bytes(edge('"bad: BAD"', at=range(30, 31)).encode().replace(b"BAD", bad))
    assert_read_as_whole(path, pool_spy)
    assert scans[:2] == [True, False]  # a worker refused the batch


def assert_read_as_whole(path: Path, pool_spy: list[_json_pool.Pool]) -> None:
    """Through the workers, the frame or the error the file read whole gives."""
    try:
        expected: object = whole(path).frame
    except Exception as exc:
        expected = (type(exc), str(exc))
    try:
        streamed: object = read_export(path).frame
    except Exception as exc:
        streamed = (type(exc), str(exc))

    assert len(pool_spy) >= 1  # the workers had it
    if isinstance(expected, pl.DataFrame):
        assert isinstance(streamed, pl.DataFrame)
        assert streamed.equals(expected) and streamed.columns == expected.columns
    else:
        assert streamed == expected


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.text(alphabet='ab},{[]"\\ ё', max_size=5),
    st.lists(st.one_of(st.integers(), st.text(max_size=3), st.none()), max_size=3),
)


@given(
    keys=st.lists(st.sampled_from(["id", "a", "b", "tags"]), min_size=1, max_size=4, unique=True),
    kinds=st.lists(values, min_size=1, max_size=40),
)
def test_a_batch_built_column_by_column_is_the_batch_built_record_by_record(
    keys: list[str], kinds: list[object]
) -> None:
    records = [{k: kinds[(i + j) % len(kinds)] for j, k in enumerate(keys)} for i in range(7)]
    fast = _json._same_keys_frame(json.loads(json.dumps(records)))
    spill = _json._Spill(Temps())
    spill.extend(json.loads(json.dumps(records)))
    slow = spill.frame()
    if fast is not None:
        assert fast.equals(slow) and fast.columns == slow.columns
    else:  # only a column mixing kinds of values is left to the record-by-record path
        assert (
            any(len({type(r[k]) for r in records} - {type(None)}) > 1 for k in keys)
            or any(  # beyond 64 bits: polars may refuse the column
                isinstance(r[k], int) and not -(2**63) <= r[k] < 2**63
                for r in records
                for k in keys
            )
            or any(
                isinstance(r[k], list) and _json._FLOAT_IN_LIST.search(_json._list_text(r[k]))
                for r in records
                for k in keys
            )
        )


# --- orjson parses a batch only where it gives json's answer -------------------------------


def by_json(data: bytes) -> tuple[Any, int]:
    """What a worker made of a batch before orjson (json, then the frame record by record
    when not column by column), or the error it met."""
    try:
        records = json.loads("[" + data.decode("utf-8", "surrogatepass") + "]", parse_float=str)
    except (ValueError, RecursionError) as exc:
        return type(exc), 0
    frame = _json._same_keys_frame(records)
    if frame is None:
        spill = _json._Spill(Temps())
        spill.limit = len(records) + 1
        spill.extend(records)
        try:
            frame = spill.frame()
        except ValueError as exc:  # a lone surrogate polars cannot hold
            return type(exc), 0
    return frame, len(records)


def number_texts() -> st.SearchStrategy[str]:
    floats = st.floats(allow_nan=False, allow_infinity=False)
    return st.one_of(
        floats.map(repr),
        floats.map(lambda f: f"{f:.3e}"),
        floats.map(lambda f: f"{f:E}"),
        floats.map(lambda f: f"{f:.4f}"),  # trailing zeros: "1.5000"
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.sampled_from(["-0", "-0.0", "1E5", "1e999", "-1e999", "NaN", "Infinity", "-Infinity"]),
    )


def value_texts() -> st.SearchStrategy[str]:
    strings = st.text(st.characters(codec=None, exclude_categories=()), max_size=4)
    scalars = st.one_of(
        st.sampled_from(["null", "true", "false"]),
        number_texts(),
        st.builds(json.dumps, strings, ensure_ascii=st.booleans()),  # lone surrogates too
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
            st.lists(st.tuples(st.sampled_from(['"a"', '"b"']), inner), max_size=3).map(
                lambda members: "{" + ", ".join(f"{k}: {v}" for k, v in members) + "}"
            ),
        ),
        max_leaves=6,
    )


@given(
    keys=st.lists(st.sampled_from(['"id"', '"a"', '"tags"']), min_size=1, max_size=4),
    values=st.lists(value_texts(), min_size=1, max_size=12),
    rows=st.integers(min_value=1, max_value=4),
)
def test_orjson_gives_json_s_frame_or_steps_aside(
    keys: list[str], values: list[str], rows: int
) -> None:
    """Floats (json keeps their digits), integers beyond 64 bits, NaN, lone surrogates,
    duplicate keys (a repeated key in ``keys``), anything: orjson's frame, when there is
    one, is exactly json's."""
    records = [
        "{" + ", ".join(f"{k}: {values[(i + j) % len(values)]}" for j, k in enumerate(keys)) + "}"
        for i in range(rows)
    ]
    data = ",".join(records).encode("utf-8", "surrogatepass")

    quick = _json._orjson_frame(data)

    event("orjson's" if quick is not None else "json's")
    if quick is not None:
        frame, count = quick
        expected, expected_count = by_json(data)
        assert isinstance(expected, pl.DataFrame)
        assert frame.equals(expected) and frame.columns == expected.columns
        assert count == expected_count


@given(number=number_texts(), in_list=st.booleans())
def test_a_number_json_keeps_as_text_is_never_taken_from_orjson(number: str, in_list: bool) -> None:
    """orjson makes a float of ``1.50`` (and of an integer beyond 64 bits); the export's
    digits are wanted, so such a batch is json's."""
    value = f"[{number}]" if in_list else number
    data = f'{{"id": 1, "v": {value}}}, {{"id": 2, "v": {value}}}'.encode()
    digits_kept = any(c in number for c in ".eEIN") or not -(2**63) <= int(number) < 2**64

    quick = _json._orjson_frame(data)

    assert (quick is None) == digits_kept
    if quick is not None:
        assert quick[0].equals(by_json(data)[0])


def test_a_plain_batch_is_orjson_s() -> None:
    data = ",".join(json.dumps(r, ensure_ascii=False) for r in PLAIN_ORJSON).encode()

    quick = _json._orjson_frame(data)

    assert quick is not None
    assert quick[0].equals(by_json(data)[0]) and quick[1] == len(PLAIN_ORJSON)


PLAIN_ORJSON = [
    {
        "callId": 3_100_000 + i,
        "successful": i % 2 == 0,
        "duration": [0, 17, -5, 2**62, None][i % 5],
        "yaClientId": None if i % 2 else "17556",
        "callTags": [] if i % 4 else [{"type": "MANUAL", "names": ["Целевой", "ё}, {"]}],
        "note": 'say "hi" }, {"callId": 1 \u2028 \\ud800',
    }
    for i in range(10)
]

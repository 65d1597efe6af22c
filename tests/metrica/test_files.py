"""Checking a file before it is sent: slices cut at record boundaries give the same verdict and
counts as reading the whole file; any problem falls back to the full report."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from callframe import ContractError, ExportError
from callframe.metrica._files import check_file, iter_record_chunks

from ..conftest import FIXTURES, NOW

METRICA = FIXTURES / "metrica"


def test_slices_end_at_newlines_outside_quotes() -> None:
    data = b'a,b\n1,"x\ny"\n2,"p""q\n"\n3,z\n'
    slices = list(iter_record_chunks(io.BytesIO(data), 3))
    assert b"".join(slices) == data
    assert all(s.endswith(b"\n") for s in slices)
    for s in slices:
        assert s.count(b'"') % 2 == 0


@given(
    st.lists(st.tuples(st.text('ab,\n"', max_size=6), st.integers(0, 99)), min_size=1, max_size=30),
    st.integers(1, 40),
)
def test_slicing_never_splits_a_record(rows: list[tuple[str, int]], size: int) -> None:
    frame = pl.DataFrame({"t": [r[0] for r in rows], "n": [r[1] for r in rows]})
    data = frame.write_csv(include_header=False).encode()
    slices = list(iter_record_chunks(io.BytesIO(data), size))
    assert b"".join(slices) == data
    parsed = [pl.read_csv(io.BytesIO(s), has_header=False, new_columns=["t", "n"]) for s in slices]
    again = pl.concat(parsed).with_columns(pl.col("t").fill_null(""))
    assert again.height == frame.height


@pytest.mark.parametrize(
    ("name", "kind"), [("calls.csv", "calls"), ("conversions.csv", "conversions")]
)
def test_sliced_and_whole_checks_agree(name: str, kind: str) -> None:
    path = METRICA / name
    whole = check_file(path, kind, now=NOW)  # type: ignore[arg-type]
    sliced = check_file(path, kind, now=NOW, chunk_bytes=64, small_file_bytes=0)  # type: ignore[arg-type]
    assert sliced == whole
    assert whole.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert whole.size == path.stat().st_size


def test_calls_facts() -> None:
    facts = check_file(METRICA / "calls.csv", "calls", now=NOW)
    assert (facts.rows, facts.static_calls, facts.rows_with_id) == (10, 1, 9)
    assert facts.id_columns == ("UserId", "ClientId", "Yclid")


@pytest.mark.parametrize(
    "name",
    # calls_bom.csv is no bad file any more: Metrica accepts a BOM (a warning, issue 12)
    ["calls_defects.csv", "calls_semicolon.csv", "calls_header_defects.csv"],
)
def test_a_bad_file_gives_the_complete_report_either_way(name: str) -> None:
    path = METRICA / "defects" / name
    with pytest.raises(ContractError) as whole:
        check_file(path, "calls", now=NOW)
    with pytest.raises(ContractError) as sliced:
        check_file(path, "calls", now=NOW, chunk_bytes=64, small_file_bytes=0)
    assert sliced.value.report.to_dict() == whole.value.report.to_dict()


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no such file"):
        check_file(tmp_path / "missing.csv", "calls", now=NOW)
    with pytest.raises(ExportError, match="UTF-8"):
        check_file(METRICA / "defects" / "calls_cp1251.csv", "calls", now=NOW, small_file_bytes=0)

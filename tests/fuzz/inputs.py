"""Hostile inputs for the fuzz tests, as hypothesis strategies.

Random bytes, and CSV-shaped text built from contract names and nasty cells: BOMs (also in the
middle), unbalanced quotes, embedded newlines and NULs, long cells, Excel artefacts
(``=HYPERLINK``, ``1,60123E+18``, serial dates), wrong separators, truncation, cp1251 text.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import strategies as st

from callframe.contract.columns import column_names


@contextmanager
def written(data: bytes, name: str) -> Iterator[Path]:
    """``data`` in a file called ``name`` inside a temporary folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="cf-fuzz-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield path


BUDGET = int(os.environ.get("CALLFRAME_FUZZ_EXAMPLES", "150"))
"""Examples per fuzz test: small in ``make test``, ≥ 10,000 in ``make fuzz``."""

NAMES = [
    *column_names("calls"),
    *column_names("conversions"),
    "clientid",
    "Date Time",
    "X",
    "",
    "__row",
]
CELLS = [
    "",
    "1",
    "-1",
    "1795435100",
    "1795435100000",
    "1,60123E+18",
    "1.795012345678901E+18",
    '=HYPERLINK("https://example.ru","x")',
    "44927",
    '"',
    '""',
    "a\nb",
    "a\r\nb",
    "\x00",
    "\ufeff",
    "Пропущенный",
    "\r",
    "\t",
    ";",
    ",",
    "+79161234567",
    "8 (495) 123-45-67",
    "NaN",
    "1e400",
    "-0",
    " ",
    "9" * 30,
]


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    header = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=12))
    cell = (
        st.sampled_from(CELLS)
        | st.text(max_size=20)
        | st.just("x" * draw(st.sampled_from([10, 5000, 1_000_000])))
    )
    rows = draw(st.lists(st.lists(cell, max_size=len(header) + 2), max_size=8))
    sep = draw(st.sampled_from([",", ",", ",", ";", "\t", "|"]))
    quote = draw(st.booleans())

    def fmt(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if quote else value

    text = sep.join(header) + "\n" + "\n".join(sep.join(fmt(v) for v in r) for r in rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "cp1251", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 9)) == 0:  # a BOM in the middle
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\xef\xbb\xbf" + data[at:]
    if draw(st.integers(0, 9)) == 0:  # truncated
        data = data[: draw(st.integers(0, len(data)))]
    return data


def wide_header(columns: int = 10_000) -> bytes:
    header = ",".join(f"c{i}" for i in range(columns))
    row = ",".join("1" for _ in range(columns))
    return f"{header}\n{row}\n".encode()


hostile_bytes = st.binary(max_size=2048) | csv_bytes()

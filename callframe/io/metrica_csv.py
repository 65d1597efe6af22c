"""Reading and writing the Metrica upload CSV itself.

Reading keeps every column as text, so a bad cell becomes a row in the report instead of a polars
parse exception. What the Metrica server tolerates or refuses in the file itself becomes a
:class:`~callframe.validation.FileIssue`: blank lines are skipped (a warning; rows are numbered
without them), a file without data rows or with malformed quoting is reported so that the report
says Metrica would refuse it.

Writing follows decisions.md rule 11 exactly: contract column order (optional columns that are
entirely empty left out), IDs as text, integers without ``.0``, empty cells for
nulls, UTF-8 without BOM, ``,`` separator, ``"`` quoting only where needed, ``\\n`` line ends;
atomically (temporary file + rename); split into ``name.part1.csv`` … when over ``max_bytes``.
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from callframe.contract.columns import Kind, columns, parse_kind
from callframe.errors import ExportError, UsageError
from callframe.report import ValidationReport
from callframe.validation import FileIssue, check_frame

__all__ = [
    "METRICA_MAX_BYTES",
    "Layout",
    "atomic_target",
    "ragged_line",
    "read_metrica_csv",
    "row_cells",
    "write_csv",
    "write_text_frame",
    "write_valid_rows",
]

METRICA_MAX_BYTES = 1_000_000_000
"""Metrica's documented limit for one uploaded file (1 GB)."""

_SNIFF_BYTES = 64 * 1024


def _sniff(path: Path) -> tuple[str, list[FileIssue], int]:
    """The separator, the issues of the file's start (BOM, separator), and how many blank lines
    come before the header (Metrica skips blank lines anywhere)."""
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    issues: list[FileIssue] = []
    if head.startswith(b"\xef\xbb\xbf"):
        issues.append(FileIssue("*|bom", "File starts with a UTF-8 BOM; Metrica expects none."))
        head = head[3:]
    lead = 0
    while head.startswith((b"\n", b"\r\n")):
        head = head[1:] if head.startswith(b"\n") else head[2:]
        lead += 1
    first = head.split(b"\n", 1)[0]
    counts = {sep: first.count(sep.encode()) for sep in (",", ";", "\t")}
    sep = max(counts, key=lambda s: (counts[s], s == ","))
    if sep != "," and counts[sep] > 0:
        shown = "tab" if sep == "\t" else repr(sep)
        issues.append(FileIssue("*|separator", f"The header is separated by {shown}, not ','."))
    else:
        sep = ","
    return sep, issues, lead


def ragged_line(lines: Iterable[str], separator: str) -> int | None:
    """1-based line of the first record with more fields than the header, if any.

    For error messages only (it parses in Python): polars says *that* a line is ragged, not
    *which*. Cells of any size are accepted; a CSV too broken to parse gives ``None``.
    """
    csv.field_size_limit(2**31 - 1)
    reader = csv.reader(lines, delimiter=separator)
    width = None
    try:
        for record in reader:
            if width is None:
                width = len(record)
            elif len(record) > width:
                return reader.line_num
    except csv.Error:
        return None
    return None


def _malformed_line(path: Path, separator: str) -> int | None:
    """1-based line of the first record with a quote where CSV allows none (``"tes"t``), or
    ``None``. Python's strict reader, for the message of a file polars already refused."""
    csv.field_size_limit(2**31 - 1)
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=separator, strict=True)
        try:
            for _ in reader:
                pass
        except csv.Error:
            return reader.line_num
    return None


def _header_malformed(path: Path, separator: str, lead: int) -> bool:
    """``True`` when the header line is not valid CSV (polars reads ``"tes"t`` as ``tes"``)."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        for _ in range(lead):
            fh.readline()
        first = fh.readline()
    try:
        next(csv.reader([first], delimiter=separator, strict=True), None)
    except csv.Error:
        return True
    return False


def _blank_lines(path: Path, frame: pl.DataFrame, lead: int) -> tuple[pl.Series, pl.Series]:
    """Rows of ``frame`` that are blank lines of the file (polars reads them as rows of nulls).

    Only rows with every field empty are candidates; each is a blank line when its line of the
    file is empty. The lines are read by polars (one column, no quoting), only when candidates
    exist, so a file without empty rows costs nothing more. Returns the mask and the file line
    of each row.
    """
    empty = frame.select(pl.all_horizontal(pl.all().is_null()).alias("e")).to_series()
    if not empty.any():
        return empty, pl.Series("line", [], pl.Int64)
    # the file line of each row: one after the previous row's end (quoted newlines counted)
    extra = frame.select(
        pl.sum_horizontal(
            pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in frame.columns
        )
    ).to_series()
    first = lead + 2
    line = pl.int_range(first, frame.height + first, eager=True) + extra.cum_sum().shift(
        1, fill_value=0
    )
    lines = pl.read_csv(
        path,
        has_header=False,
        separator="\x1f",
        quote_char=None,
        infer_schema=False,
        truncate_ragged_lines=True,
        new_columns=["text"],
        encoding="utf8-lossy",
    ).with_row_index("n", offset=1)
    blank = lines.filter(
        pl.col("text").is_null() | (pl.col("text").str.strip_chars("\r") == "")
    ).get_column("n")
    return empty & line.is_in(blank.cast(pl.Int64).implode()), line


def read_metrica_csv(path: str | Path) -> tuple[pl.DataFrame, list[FileIssue]]:
    """Read a Metrica upload CSV with every column as text.

    Returns the frame and the problems of the file itself (BOM, separator, blank lines, no data
    rows, malformed quoting), which the validator reports. Blank lines are left out of the frame
    (Metrica skips them). A file with malformed quoting comes back without rows, with a
    ``*|malformed_csv`` issue (Metrica refuses the whole file). Raises
    :class:`~callframe.ExportError` when the file cannot be read at all (missing, not UTF-8, a
    line with more fields than the header), naming the file and line.
    """
    p = Path(path)
    if not p.is_file():
        raise ExportError("no such file", path=p)
    with p.open("rb") as fh:
        magic = fh.read(4)
    if magic.startswith((b"\x1f\x8b", b"PK\x03\x04", b"PK\x05\x06")):
        kind = "gzip" if magic.startswith(b"\x1f\x8b") else "zip"
        raise ExportError(
            f"is a {kind} archive, not a CSV: Metrica takes the plain UTF-8 CSV; unpack it "
            "first (or convert the tracker export inside with `callframe convert`)",
            path=p,
        )
    separator, issues, lead = _sniff(p)
    if _header_malformed(p, separator, lead):
        issues.append(
            FileIssue(
                "*|malformed_csv", "The header is not valid CSV: quote the whole name.", "line 1"
            )
        )
        return pl.DataFrame(), issues
    try:
        frame = pl.read_csv(
            p,
            separator=separator,
            infer_schema=False,
            raise_if_empty=False,
            encoding="utf8",
            skip_lines=lead,
        )
    except pl.exceptions.ComputeError as exc:
        text = str(exc)
        if "utf-8" in text.lower():
            raise ExportError(
                "is not UTF-8 (Metrica needs UTF-8): re-save it as UTF-8, or convert the "
                "tracker export with `callframe convert`",
                path=p,
            ) from None
        if "more fields" in text:
            with p.open(encoding="utf-8", errors="replace", newline="") as fh:
                line = ragged_line(fh, separator)
            where = f"line {line} has" if line else "a line has"
            raise ExportError(
                f"{where} more fields than the header; quote values that contain '{separator}'",
                path=p,
            ) from None
        if "could not parse" in text:
            bad_line = _malformed_line(p, separator)
            issues.append(
                FileIssue(
                    "*|malformed_csv",
                    "Quote the whole value and double the quotes inside it.",
                    f"line {bad_line}" if bad_line else None,
                )
            )
            header = pl.read_csv(
                p, separator=separator, infer_schema=False, n_rows=0, skip_lines=lead
            )
            return header, issues
        raise ExportError(f"cannot be parsed as CSV ({text.splitlines()[0]})", path=p) from None
    numbers = list(range(1, lead + 1))
    if frame.height:
        blank, at = _blank_lines(p, frame, lead)
        if blank.any():
            numbers += at.filter(blank).to_list()
            frame = frame.filter(~blank)
    if numbers:
        shown = ", ".join(str(n) for n in numbers[:5]) + (", …" if len(numbers) > 5 else "")
        issues.append(
            FileIssue(
                "*|blank_line",
                f"Blank lines skipped: {len(numbers)}; rows are numbered without them.",
                f"line {shown}" if len(numbers) == 1 else f"lines {shown}",
                tuple(numbers),
            )
        )
    if frame.height == 0:
        issues.append(FileIssue("*|no_rows", "The file has a header and no data rows."))
    return frame, issues


@contextlib.contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path``, renamed over it only when the block succeeds."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


_CSV_OPTIONS: dict[str, Any] = {
    "separator": ",",
    "line_terminator": "\n",
    "quote_style": "necessary",
    "null_value": "",
    "include_bom": False,
}
"""How polars writes the Metrica CSV (decisions.md rule 11)."""


def _require_folder(target: Path) -> None:
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {target}: the folder {target.parent} does not exist")


def _cell_bytes_upper_bound(name: str) -> pl.Expr:
    """Bytes a cell of column ``name`` takes in the CSV, never less than the truth (quotes
    counted generously), separator not included."""
    x = pl.col(name)
    return (x.str.len_bytes() + 2 + x.str.count_matches('"', literal=True)).fill_null(0)


def row_cells(names: Sequence[str]) -> pl.Expr:
    """Bytes the cells of each row take in the CSV (columns ``names``), never less than the
    truth; the row takes this plus one byte per column (separators and the newline)."""
    return pl.sum_horizontal([_cell_bytes_upper_bound(c) for c in names]).cast(pl.Int64)


def _row_bytes_upper_bound(text: pl.DataFrame) -> pl.Series:
    """Bytes each row takes in the CSV, never less than the truth."""
    row = row_cells(text.columns) + text.width  # separators and the newline
    return text.select(row.alias("bytes")).to_series()


class Layout:
    """The columns a Metrica CSV keeps and the bytes it may take, counted over batches of
    valid rows (decisions.md rule 11: optional columns empty in every row are left out).

    Counting runs on the text view without copying it: ``add(frame, keep)`` filters the
    per-cell counts, not the strings. The bytes are counted over every column: a column left
    out is empty in every row, so its cells take none.
    """

    def __init__(self, kind: Kind, names: Sequence[str]) -> None:
        self.names = list(names)
        self.required = {c.name for c in columns(kind) if c.required}
        self.rows = 0
        self.cells = 0
        self.nonempty: set[str] = set()

    def add(self, frame: pl.LazyFrame, keep: pl.Expr | None = None) -> None:
        """Count the rows of ``frame`` (text view columns) where ``keep`` holds (all: None)."""
        self.add_counts(frame.select(self.counts(keep)).collect())

    def counts(self, keep: pl.Expr | None = None) -> list[pl.Expr]:
        """The aggregates :meth:`add_counts` takes, over the rows where ``keep`` holds (all:
        None): to run inside a larger query (one pass for the writing and the counting)."""

        def kept(x: pl.Expr) -> pl.Expr:
            return x if keep is None else x.filter(keep)

        return [
            (pl.len() if keep is None else keep.sum()).alias("__rows"),
            *(kept(_cell_bytes_upper_bound(c)).sum().alias(f"__bytes:{c}") for c in self.names),
            *(kept(pl.col(c).is_not_null()).any().alias(f"__some:{c}") for c in self.names),
        ]

    def add_counts(self, counts: pl.DataFrame) -> None:
        """Count what :meth:`counts` found (a one-row frame)."""
        self.rows += int(counts["__rows"].item() or 0)
        for c in self.names:
            self.cells += int(counts[f"__bytes:{c}"].item() or 0)
            if counts[f"__some:{c}"].item():
                self.nonempty.add(c)

    def add_rows(self, rows: pl.DataFrame, cells: pl.Series) -> None:
        """Count ``rows`` (the columns :attr:`names`, text view), whose cells take ``cells``
        bytes (one per row, the sum of :func:`_cell_bytes_upper_bound`): no query, the
        columns' null counts suffice."""
        self.rows += rows.height
        self.cells += int(cells.sum())
        self.nonempty.update(
            c
            for c in self.names
            if c not in self.nonempty and rows.get_column(c).null_count() < rows.height
        )

    def kept(self) -> list[str]:
        """The columns written: the required ones and those with a value somewhere."""
        return [c for c in self.names if c in self.required or c in self.nonempty]

    def upper_bound(self) -> int:
        """Bytes of the file with :meth:`kept` columns, never less than the truth."""
        kept = self.kept()
        header = len(",".join(kept).encode()) + 1
        return header + self.cells + self.rows * len(kept)


def write_text_frame(text: pl.DataFrame, path: str | Path, *, max_bytes: int) -> list[Path]:
    """Write a validated text frame (see :meth:`ValidationReport.valid_text`) as Metrica CSV.

    The frame is written as given (columns, order); :func:`callframe.write_csv` chooses them.
    Returns the files written: ``[path]``, or ``name.part1.csv``, … when split.
    """
    target = Path(path)
    _require_folder(target)
    header_bytes = len(",".join(text.columns).encode()) + 1
    if max_bytes <= header_bytes:
        raise UsageError(f"max_bytes={max_bytes} is smaller than the header line")

    sizes = _row_bytes_upper_bound(text) if text.height else pl.Series("bytes", [], pl.Int64)
    total = header_bytes + int(sizes.sum() or 0)
    if total <= max_bytes:
        parts = [(target, text)]
    else:
        longest = int(sizes.max() or 0)  # type: ignore[arg-type]
        budget = max_bytes - header_bytes - longest
        if budget <= 0:
            raise UsageError(f"max_bytes={max_bytes} cannot hold even one row ({longest} bytes)")
        part_of = ((sizes.cum_sum() - 1) // budget).alias("__part")
        grouped = text.with_columns(part_of).partition_by("__part", maintain_order=True)
        stem, suffix = target.stem, target.suffix or ".csv"
        parts = [
            (target.with_name(f"{stem}.part{i}{suffix}"), g.drop("__part"))
            for i, g in enumerate(grouped, start=1)
        ]
    written: list[Path] = []
    for file_path, frame in parts:
        with atomic_target(file_path) as tmp:
            frame.write_csv(tmp, **_CSV_OPTIONS)
        written.append(file_path)
    return written


def write_csv(
    frame: pl.DataFrame | pl.LazyFrame,
    path: str | Path,
    kind: str = "calls",
    *,
    max_bytes: int = METRICA_MAX_BYTES,
    now: int | float | datetime | None = None,
) -> list[Path]:
    """Validate ``frame`` and write it as the exact CSV Metrica accepts; return the files.

    Raises :class:`~callframe.ContractError` (carrying the report) when any row breaks the
    contract: nothing is written then. Optional columns that are entirely empty are left out.
    Over ``max_bytes`` the data is split into ``name.part1.csv``, ``name.part2.csv``, … each
    with the header. Writing is atomic: a reader never sees half a file.
    """
    k = parse_kind(kind)
    report = check_frame(frame, k, now=now).raise_for_errors()
    return write_valid_rows(report, path, max_bytes=max_bytes)


def write_valid_rows(
    report: ValidationReport, path: str | Path, *, max_bytes: int = METRICA_MAX_BYTES
) -> list[Path]:
    """Write the rows ``report`` found valid, from its text view (what was checked is what is
    written), as :func:`write_csv` does; rejected rows are left out, not raised about.

    For callers that hold a report already (:meth:`callframe.trackers.Conversion.write_csv`):
    no second validation pass.
    """
    text = report._text.select(c.name for c in columns(report.kind) if c.name in report._text)
    marked = text.with_columns(report._invalid.alias("__invalid")).lazy()
    keep = ~pl.col("__invalid")
    layout = Layout(report.kind, text.columns)
    layout.add(marked, keep)
    kept = layout.kept()
    if layout.upper_bound() > max_bytes:
        valid = marked.filter(keep).select(kept).collect()
        return write_text_frame(valid, path, max_bytes=max_bytes)
    # one file, written slice by slice: never a copy of all the valid rows in memory
    target = Path(path)
    _require_folder(target)
    with atomic_target(target) as tmp, tmp.open("wb") as fh:
        for start in range(0, max(text.height, 1), _WRITE_ROWS):
            part = text.slice(start, _WRITE_ROWS).select(kept)
            if report.n_rejected:
                part = part.filter(~report._invalid.slice(start, _WRITE_ROWS))
            part.write_csv(fh, include_header=start == 0, **_CSV_OPTIONS)
    return [target]


_WRITE_ROWS = 200_000
"""Rows per slice when writing one file (measured on 2M rows: no memory beyond the text view)."""

"""Check a Metrica CSV on disk before it is sent (client) or stored (sandbox), in bounded memory.

:func:`check_file` validates a file with the contract, hashes its exact bytes and counts what the
uploader and the sandbox need (rows, static calls, rows with an ID, which ID columns have values).

Small files are read whole (:func:`callframe.io.read_metrica_csv` + :func:`check_frame`). Larger
ones are read in slices of about ``CHUNK_BYTES`` cut at record boundaries (a newline outside
quotes), each slice checked with the same :func:`check_frame`; every rule of the contract is
per row, so the verdict is the same. Memory stays near one slice whatever the file size. When a
slice shows any problem (a BOM, another separator, a parse error, a broken rule) the whole file
is read the ordinary way, so the :class:`~callframe.ContractError` carries the complete report.
"""

from __future__ import annotations

import hashlib
import inspect
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl

from callframe.contract.columns import Kind, columns, id_columns
from callframe.contract.rules import RULES
from callframe.errors import ContractError, ExportError, UsageError
from callframe.io.metrica_csv import read_metrica_csv, write_text_frame
from callframe.report import FAILURE_SCHEMA, ValidationReport
from callframe.validation import check_frame, resolve_now

__all__ = [
    "CHUNK_BYTES",
    "ID_TYPES",
    "SMALL_FILE_BYTES",
    "FileFacts",
    "Piece",
    "check_data",
    "check_file",
    "iter_record_chunks",
    "no_id_column",
    "no_rows",
    "read_checked",
    "refusal",
    "split_by_id_type",
    "type_order",
]

CHUNK_BYTES = 2 * 1024 * 1024
"""Bytes per slice when checking a large file (peak memory grows with it)."""
SMALL_FILE_BYTES = 8 * 1024 * 1024
"""Files up to this size are read whole."""
_READ_BYTES = 1024 * 1024
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What the uploader and the sandbox learn from checking a valid file."""

    size: int
    sha256: str
    rows: int
    warnings: int
    static_calls: int
    rows_with_id: int
    id_columns: tuple[str, ...]
    """ID columns with at least one value, in contract order."""
    header: tuple[str, ...] = ()
    """The column names of the header, as written."""

    @property
    def content_hash(self) -> str:
        """The 12 hex digits callframe puts in the upload's comment as ``[cf:…]``."""
        return self.sha256[:12]


@dataclass(slots=True)
class _Tally:
    rows: int = 0
    warnings: int = 0
    static_calls: int = 0
    rows_with_id: int = 0
    ids: frozenset[str] = frozenset()

    def add(self, text: pl.DataFrame, kind: Kind, warnings: int) -> None:
        ids = [c for c in id_columns(kind) if c in text.columns]
        has = [pl.col(c).is_not_null() & (pl.col(c).str.strip_chars() != "") for c in ids]
        exprs = [pl.len().alias("rows")]
        exprs += [h.any().alias(c) for c, h in zip(ids, has, strict=True)]
        if has:
            exprs.append(pl.any_horizontal(has).sum().alias("__with_id"))
        if "StaticCall" in text.columns:
            exprs.append((pl.col("StaticCall") == "1").sum().alias("__static"))
        row = text.select(exprs).row(0, named=True)
        self.rows += int(row["rows"])
        self.warnings += warnings
        self.rows_with_id += int(row.get("__with_id") or 0)
        self.static_calls += int(row.get("__static") or 0)
        self.ids |= {c for c in ids if row[c]}

    def facts(self, kind: Kind, size: int, sha256: str, header: tuple[str, ...]) -> FileFacts:
        order = tuple(c for c in id_columns(kind) if c in self.ids)
        return FileFacts(
            size,
            sha256,
            self.rows,
            self.warnings,
            self.static_calls,
            self.rows_with_id,
            order,
            header,
        )


def iter_record_chunks(fh: BinaryIO, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Slices of ``fh`` of about ``chunk_bytes`` ending at a newline outside quotes.

    A quoted value may hold newlines; a newline ends a record only when the number of ``"``
    before it (since the last cut) is even, which holds for RFC 4180 CSV (``""`` counts twice).
    """
    carry = b""
    while True:
        block = fh.read(chunk_bytes)
        data = carry + block if carry else block
        if not block:
            if data:
                yield data
            return
        cut = data.rfind(b"\n")
        if cut >= 0:
            quotes_after = data.count(b'"', cut)
            total = quotes_after + data.count(b'"', 0, cut)
            while cut >= 0 and (total - quotes_after) % 2:
                previous = cut
                cut = data.rfind(b"\n", 0, previous)
                quotes_after += data.count(b'"', max(cut, 0), previous)
        if cut < 0:
            carry = data  # one record longer than a slice: read on
            continue
        yield data[: cut + 1]
        carry = data[cut + 1 :]


def _digest(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while block := fh.read(_READ_BYTES):
            h.update(block)
            size += len(block)
    return size, h.hexdigest()


def _check(
    frame: pl.DataFrame | pl.LazyFrame,
    kind: Kind,
    when: int,
    window_days: int | None,
    **options: Any,
) -> ValidationReport:
    """:func:`check_frame`, passing ``window_days`` on when the caller gave one."""
    if window_days is not None:
        if "window_days" not in inspect.signature(check_frame).parameters:
            raise UsageError(
                "window_days= needs a contract that takes the counter's link window "
                "(check_frame(window_days=)); this version checks 21 days only"
            )
        options["window_days"] = window_days
    return check_frame(frame, kind, now=when, **options)


def _whole(path: Path, kind: Kind, when: int, window_days: int | None = None) -> FileFacts:
    report = read_checked(path, kind, when, window_days)
    tally = _Tally()
    tally.add(report.valid_text(), kind, report.warnings.height)
    size, sha = _digest(path)
    return tally.facts(kind, size, sha, tuple(report.data.columns))


def _suspicious_header(header: bytes) -> bool:
    commas = header.count(b",")
    return header.count(b";") > commas or header.count(b"\t") > commas


def check_file(
    path: str | Path,
    kind: Kind,
    *,
    now: int | float | datetime | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    small_file_bytes: int = SMALL_FILE_BYTES,
    window_days: int | None = None,
) -> FileFacts:
    """Validate the Metrica CSV at ``path`` and return its facts.

    ``window_days``: the counter's link window, for the ``DateTime|older_than_21_days``
    warning (default: the contract's 21 days).

    Raises :class:`~callframe.ContractError` (with the full report) when any row or the header
    breaks the contract, :class:`~callframe.ExportError` when the file cannot be read.
    """
    p = Path(path)
    if not p.is_file():
        raise ExportError("no such file", path=p)
    when = resolve_now(now)
    if p.stat().st_size <= small_file_bytes:
        return _whole(p, kind, when, window_days)
    h = hashlib.sha256()
    tally = _Tally()
    size = 0
    names: tuple[str, ...] = ()
    with p.open("rb") as fh:
        header = fh.readline()
        if header.startswith(_BOM) or _suspicious_header(header) or not header.strip():
            return _whole(p, kind, when, window_days)
        h.update(header)
        size += len(header)
        for chunk in iter_record_chunks(fh, chunk_bytes):
            h.update(chunk)
            size += len(chunk)
            try:
                frame = pl.read_csv(
                    io.BytesIO(header + chunk),
                    infer_schema=False,
                    raise_if_empty=False,
                    encoding="utf8",
                )
            except pl.exceptions.PolarsError:
                return _whole(p, kind, when, window_days)
            report = _check(frame, kind, when, window_days)
            if not report.ok:
                return _whole(p, kind, when, window_days)
            tally.add(report.valid_text(), kind, report.warnings.height)
            names = tuple(frame.columns)
    return tally.facts(kind, size, h.hexdigest(), names)


# --- one upload per ID type (decisions.md rule 3) ---------------------------------------------

ID_TYPES: tuple[tuple[str, str], ...] = (
    ("CLIENT_ID", "ClientId"),
    ("YCLID", "Yclid"),
    ("USER_ID", "UserId"),
)
"""Each ``client_id_type`` and its column, in the order a row with several IDs is assigned."""
_COLUMN = dict(ID_TYPES)
_TYPE = {column: cid for cid, column in ID_TYPES}


def type_order(preferred: str | None = None) -> tuple[str, ...]:
    """The ``client_id_type`` values in assignment order, ``preferred`` first."""
    rest = tuple(cid for cid, _ in ID_TYPES if cid != preferred)
    return ((preferred,) if preferred else ()) + rest


def check_data(
    data: pl.DataFrame | pl.LazyFrame, kind: Kind, when: int, window_days: int | None = None
) -> ValidationReport:
    """A frame checked; raises :class:`ContractError` on errors."""
    return _check(data, kind, when, window_days).raise_for_errors()


def read_checked(
    path: Path, kind: Kind, when: int, window_days: int | None = None
) -> ValidationReport:
    """The whole file read as text and checked; raises :class:`ContractError` on errors."""
    frame, issues = read_metrica_csv(path)
    report = _check(frame, kind, when, window_days, source=str(path), file_issues=issues)
    return report.raise_for_errors()


def refusal(
    report: ValidationReport, *, column: str, rule: str, title: str, hint: str
) -> ContractError:
    """A :class:`ContractError` for data Metrica would refuse whole although every row is
    valid (no data rows; no column for the upload's ``client_id_type``): ``report`` plus that
    error, every row counted invalid, nothing sent."""
    title = {r.id: r.title for r in RULES}.get(rule, title)  # the contract's, once it has one
    error = pl.DataFrame(
        [
            {
                "row": None,
                "column": column,
                "rule": rule,
                "title": title,
                "value": None,
                "hint": hint,
            }
        ],
        schema=FAILURE_SCHEMA,
    )
    refused = ValidationReport(
        kind=report.kind,
        source=report.source,
        now=report.now,
        data=report.data,
        text=report._text,
        invalid_mask=pl.Series("invalid", [True] * report.n_rows, dtype=pl.Boolean),
        errors=pl.concat([error, report.errors]),
        warnings=report.warnings,
    )
    return ContractError(refused, report.source)


def no_rows(report: ValidationReport) -> ContractError:
    return refusal(
        report,
        column="*",
        rule="*|no_rows",
        title="The file has a header and no data rows: Metrica refuses it whole",
        hint="Nothing to upload: check the export's date range or filters.",
    )


def no_id_column(report: ValidationReport, wanted: str | None = None) -> ContractError:
    if wanted is not None:
        hint = (
            f"client_id_type={wanted} needs a {_COLUMN[wanted]} column with values; leave "
            "client_id_type out and callframe sends one upload per ID type the rows use."
        )
    else:
        hint = (
            "Add a ClientId, Yclid or UserId column: every upload names its client_id_type and "
            "Metrica refuses a file without that column (static calls alone have none)."
        )
    return refusal(
        report,
        column=_COLUMN[wanted] if wanted else "ClientId|Yclid|UserId",
        rule="*|missing_id_column",
        title="No ID column for the upload's client_id_type: Metrica refuses the file whole",
        hint=hint,
    )


@dataclass(frozen=True, slots=True)
class Piece:
    """Rows of one ``client_id_type`` written as a Metrica CSV (or several, over ``max_bytes``)."""

    client_id_type: str
    paths: tuple[Path, ...]


def _has(name: str) -> pl.Expr:
    return pl.col(name).is_not_null() & (pl.col(name).str.strip_chars() != "")


def split_by_id_type(
    report: ValidationReport,
    folder: Path,
    stem: str,
    *,
    preferred: str | None,
    max_bytes: int,
) -> list[Piece]:
    """Write the valid rows of ``report`` as one file per ``client_id_type`` (rule 3).

    A row goes to the first ID type of :func:`type_order` it has a value for; rows without any
    (static calls) go with the first part. Each part keeps only its own ID column, the
    required columns and the optional ones with a value in it. One type in all: one part,
    written as :func:`callframe.write_csv` would. Raises :class:`ContractError` when there
    is no data row, no ID column at all, or when ``preferred`` names a type the rows do not
    use.
    """
    text = report.valid_text()
    if text.height == 0:
        raise no_rows(report)
    order = type_order(preferred)
    present = [cid for cid in order if _COLUMN[cid] in text.columns]
    assign: pl.Expr = pl.lit(None, dtype=pl.String)
    for cid in reversed(present):
        assign = pl.when(_has(_COLUMN[cid])).then(pl.lit(cid)).otherwise(assign)
    typed = text.with_columns(assign.alias("__type"))
    used = set(typed.get_column("__type").drop_nulls().unique().to_list())
    if preferred is not None and preferred not in used and (used or preferred not in present):
        raise no_id_column(report, preferred)
    types = [cid for cid in present if cid in used] or present[:1]
    if not types:
        raise no_id_column(report)
    typed = typed.with_columns(pl.col("__type").fill_null(pl.lit(types[0])))
    required = {c.name for c in columns(report.kind) if c.required}
    pieces: list[Piece] = []
    for cid in types:
        part = typed.filter(pl.col("__type") == cid).drop("__type")
        own = _COLUMN[cid]
        others = {c for c in _TYPE if c != own}
        filled = part.select(pl.col(c).is_not_null().any() for c in part.columns).row(0)
        keep = [
            c
            for c, has_value in zip(part.columns, filled, strict=True)
            if c not in others and (has_value or c in required or c == own)
        ]
        name = f"{stem}.csv" if len(types) == 1 else f"{stem}.{cid.lower()}.csv"
        written = write_text_frame(part.select(keep), folder / name, max_bytes=max_bytes)
        pieces.append(Piece(cid, tuple(written)))
    return pieces

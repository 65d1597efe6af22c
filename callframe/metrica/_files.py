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
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import polars as pl

from callframe.contract.columns import Kind, id_columns
from callframe.errors import ExportError
from callframe.io.metrica_csv import read_metrica_csv
from callframe.validation import check_frame, resolve_now

__all__ = ["CHUNK_BYTES", "SMALL_FILE_BYTES", "FileFacts", "check_file", "iter_record_chunks"]

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

    def facts(self, kind: Kind, size: int, sha256: str) -> FileFacts:
        order = tuple(c for c in id_columns(kind) if c in self.ids)
        return FileFacts(
            size,
            sha256,
            self.rows,
            self.warnings,
            self.static_calls,
            self.rows_with_id,
            order,
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


def _whole(path: Path, kind: Kind, when: int) -> FileFacts:
    frame, issues = read_metrica_csv(path)
    report = check_frame(frame, kind, now=when, source=str(path), file_issues=issues)
    report.raise_for_errors()
    tally = _Tally()
    tally.add(report.valid_text(), kind, report.warnings.height)
    size, sha = _digest(path)
    return tally.facts(kind, size, sha)


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
) -> FileFacts:
    """Validate the Metrica CSV at ``path`` and return its facts.

    Raises :class:`~callframe.ContractError` (with the full report) when any row or the header
    breaks the contract, :class:`~callframe.ExportError` when the file cannot be read.
    """
    p = Path(path)
    if not p.is_file():
        raise ExportError("no such file", path=p)
    when = resolve_now(now)
    if p.stat().st_size <= small_file_bytes:
        return _whole(p, kind, when)
    h = hashlib.sha256()
    tally = _Tally()
    size = 0
    with p.open("rb") as fh:
        header = fh.readline()
        if header.startswith(_BOM) or _suspicious_header(header) or not header.strip():
            return _whole(p, kind, when)
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
                return _whole(p, kind, when)
            report = check_frame(frame, kind, now=when)
            if not report.ok:
                return _whole(p, kind, when)
            tally.add(report.valid_text(), kind, report.warnings.height)
    return tally.facts(kind, size, h.hexdigest())

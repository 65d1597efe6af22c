"""CSV/TXT exports: the sniffed plan (code page, delimiter, header, projection) and a polars
scan of the file. UTF-8 files are scanned where they lie; other code pages are transcoded once,
in chunks, to a temporary UTF-8 file that is scanned; bytes held in memory are read at once."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from callframe.errors import ExportError
from callframe.io._scanned import ScannedExport, Temps, hooked, polars_message
from callframe.io._sniff import (
    CHUNK_BYTES,
    CYRILLIC_PAGES,
    SNIFF_BYTES,
    SNIFF_LINES,
    canonical_codec,
    head_text,
    looks_like_header,
    shown,
    sniff_cyrillic,
    sniff_delimiter,
    sniff_encoding,
    sniff_head_encoding,
)
from callframe.io.metrica_csv import ragged_line

__all__ = ["scan_csv"]


def _transcode(path: Path, codec: str) -> Path:
    """``path`` re-encoded as UTF-8 into a temporary file, in chunks (never the whole text)."""
    decoder = codecs.getincrementaldecoder(codec)()
    fd, tmp = tempfile.mkstemp(prefix="callframe-", suffix=".csv")
    try:
        with path.open("rb") as src, os.fdopen(fd, "wb") as dst:
            while chunk := src.read(CHUNK_BYTES):
                dst.write(decoder.decode(chunk).encode("utf-8"))
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


@dataclass(frozen=True, slots=True)
class _CsvPlan:
    """How to read a CSV, sniffed from its first bytes."""

    codec: str
    tried: tuple[str, ...]
    text: str  # the decoded first bytes
    sep: str
    has_header: bool
    names: list[str] | None  # column names of a headerless file
    wanted: list[str] | None  # the header's names to read (projection), None for all
    unnamed: dict[int, str]  # header cells left empty (0-based position → ``column_<n>``)


def _csv_plan(
    raw: bytes,
    where: str | None,
    *,
    encoding: str | None,
    delimiter: str | None,
    header: bool | None,
    file: Path | None,
    columns: Sequence[str] | None,
) -> _CsvPlan:
    tried: tuple[str, ...]
    if encoding is not None:
        codec, tried = encoding, (encoding,)
    elif file is not None:
        codec, tried = sniff_head_encoding(raw)
    else:
        codec, tried = sniff_encoding(raw)
    try:
        text = head_text(raw, codec, final=file is None)
    except (UnicodeDecodeError, LookupError) as exc:
        raise _undecodable(codec, exc, where, tried) from None
    text = text.removeprefix("\ufeff")
    head_lines = text[:SNIFF_BYTES].splitlines()[:SNIFF_LINES]
    if not any(line.strip() for line in head_lines):
        raise ExportError("has no data lines", path=where)
    sep = delimiter or sniff_delimiter(head_lines)
    first = next(csv.reader(head_lines[:1], delimiter=sep), [])
    has_header = looks_like_header(first) if header is None else header
    names = None if has_header else [f"column_{i}" for i in range(1, len(first) + 1)]
    unnamed = (
        {i: f"column_{i + 1}" for i, c in enumerate(first) if not c.strip()} if has_header else {}
    )
    wanted = None
    if columns is not None and has_header and len(set(first)) == len(first):
        keep = frozenset(columns)
        wanted = [
            c for c in first if c.strip() in keep or c.strip().split(".", 1)[0] in keep
        ] or None
    return _CsvPlan(codec, tried, text, sep, has_header, names, wanted, unnamed)


def _undecodable(
    codec: str, exc: Exception, where: str | None, tried: tuple[str, ...]
) -> ExportError:
    return ExportError(
        f"cannot be decoded as {codec} ({type(exc).__name__}); pass encoding=",
        path=where,
        tried=tried,
    )


def _renames(columns: list[str], plan: _CsvPlan, *, projected: bool) -> dict[str, str]:
    """Header names stripped of spaces and, for a frame read without projection, the header's
    empty cells given the headerless names (``column_15``; polars calls them ``""``,
    ``_duplicated_0`` …)."""
    renames = {c: c.strip() for c in columns if c != c.strip()}
    if plan.unnamed and not projected:
        renames.update({columns[i]: n for i, n in plan.unnamed.items() if i < len(columns)})
    return renames


def _lazy(data: Path | bytes, plan: _CsvPlan, *, project: bool) -> pl.LazyFrame:
    """The file (or bytes) as polars reads it, named as :func:`read_export` names it."""
    options = {
        "separator": plan.sep,
        "has_header": plan.has_header,
        "new_columns": plan.names,
        "infer_schema": False,
        "raise_if_empty": False,
        "quote_char": '"',
    }
    if isinstance(data, Path):
        lazy = pl.scan_csv(data, **options)  # type: ignore[arg-type]
    else:
        wanted = plan.wanted if project else None
        lazy = pl.read_csv(io.BytesIO(data), columns=wanted, **options).lazy()  # type: ignore[arg-type]
    projected = project and plan.wanted is not None
    if projected and isinstance(data, Path):
        lazy = lazy.select(plan.wanted)
    names = lazy.collect_schema().names()
    return lazy.rename(_renames(names, plan, projected=projected))


def _parse_error(
    exc: BaseException, where: str | None, plan: _CsvPlan, data: Path | None
) -> ExportError:
    """Why polars refused the CSV: the first line wider than the first one, when there is one
    (``data`` is the UTF-8 file polars read; ``None``: the plan's text was the whole export)."""
    if data is not None and data.exists():
        with data.open(encoding="utf-8", errors="replace", newline="") as fh:
            line = ragged_line(fh, plan.sep)
    else:
        line = ragged_line(io.StringIO(plan.text, newline=""), plan.sep)
    where_line = f"line {line} has more fields than the first line; " if line else ""
    if "utf-8" in str(exc) and data is not None and canonical_codec(plan.codec) == "utf-8":
        return ExportError(
            f"is not UTF-8 past its first {len(plan.text.encode()) // 1024} KB "
            f"({polars_message(exc)}); pass encoding= (e.g. cp1251), or read it with read_export",
            path=where,
            tried=plan.tried,
        )
    return ExportError(
        f"cannot be parsed as CSV with delimiter {shown(plan.sep)}: {where_line}"
        f"{polars_message(exc)}",
        path=where,
        tried=plan.tried,
    )


def scan_csv(
    raw: bytes,
    where: str | None,
    *,
    encoding: str | None,
    delimiter: str | None,
    header: bool | None,
    file: Path | None = None,
    columns: Sequence[str] | None = None,
) -> ScannedExport:
    """``raw`` is the whole export, or only its first bytes when ``file`` is given."""
    plan = _csv_plan(
        raw,
        where,
        encoding=encoding,
        delimiter=delimiter,
        header=header,
        file=file,
        columns=columns,
    )
    if file is None:
        return _scan_bytes(raw, where, plan)
    return _scan_file(file, raw, where, plan, sniffed=encoding is None)


def _provenance(lazy: pl.LazyFrame, where: str | None, plan: _CsvPlan) -> ScannedExport:
    """A CSV scan with what the plan found out about the file (code page, delimiter, header)."""
    return ScannedExport(
        lazy=lazy,
        format="csv",
        source=where,
        encoding=canonical_codec(plan.codec),
        delimiter=plan.sep,
        header=plan.has_header,
    )


def _scan_bytes(raw: bytes, where: str | None, plan: _CsvPlan) -> ScannedExport:
    data = raw if plan.codec in ("utf-8", "utf8") else plan.text.encode("utf-8")
    try:
        lazy = _lazy(data, plan, project=True)
    except pl.exceptions.PolarsError as exc:
        raise _parse_error(exc, where, plan, None) from None

    def full() -> pl.LazyFrame:
        return _lazy(data, plan, project=False)

    scan = _provenance(lazy, where, plan)
    return hooked(
        scan,
        full=full if plan.wanted is not None else None,
        explain=lambda exc: _parse_error(exc, where, plan, None),
    )


def _scan_file(
    file: Path, head: bytes, where: str | None, plan: _CsvPlan, *, sniffed: bool
) -> ScannedExport:
    utf8 = canonical_codec(plan.codec) == "utf-8"
    temps = Temps()
    if utf8:
        data = file
    else:
        try:
            data = temps.add(_transcode(file, plan.codec))
        except (UnicodeDecodeError, LookupError) as exc:
            raise _undecodable(plan.codec, exc, where, plan.tried) from None
    try:
        lazy = _lazy(data, plan, project=True)
    except pl.exceptions.PolarsError as exc:
        error = _parse_error(exc, where, plan, data)
        temps.close()
        raise error from None

    def rescan(exc: pl.exceptions.PolarsError) -> ScannedExport | None:
        if not (utf8 and sniffed and isinstance(exc, pl.exceptions.ComputeError)):
            return None
        if "utf-8" not in str(exc):
            return None
        # valid UTF-8 at the start only: sniff among the Cyrillic code pages as for bytes
        codec = sniff_cyrillic(head)
        again = dataclasses.replace(plan, codec=codec, tried=("utf-8", *CYRILLIC_PAGES))
        return _scan_file(file, head, where, again, sniffed=False)

    scan = _provenance(lazy, where, plan)
    return hooked(
        scan,
        full=(lambda: _lazy(data, plan, project=False)) if plan.wanted is not None else None,
        explain=lambda exc: _parse_error(exc, where, plan, data),
        rescan=rescan,
        temps=temps,
    )

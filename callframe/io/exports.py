"""Reading call-tracker exports: bytes in, a frame of text plus where it came from.

:func:`read_export` takes a path or bytes and returns a :class:`TrackerExport`: a polars frame in
which **every column is text** (the adapter decides types) and the provenance: format, encoding,
delimiter, header, JSON envelope, sheet.

* **JSON** (``.json``, ``.ndjson``/``.jsonl``): the tracker's API answer saved as is. The records
  are found through an *envelope path* (see :data:`KNOWN_ENVELOPES`): ``records`` (Calltouch),
  ``result.data`` (CoMagic/UIS), ``channels_statistics[].calls`` (Callibri: each channel's calls,
  with the channel's own scalar fields such as ``name_channel`` carried onto its calls),
  ``callDetails{}`` (Binotel: an object keyed by call id), or a bare list. When no known path
  fits, the first list of objects found breadth-first is used. Nested objects are flattened to
  dotted names (``visit.metrika_client_id``); lists are kept as compact JSON text
  (``callTags``); numbers keep their exact digits (a 20-digit id is never a float); booleans
  become ``true``/``false``.
* **CSV/TXT**: the encoding is sniffed (UTF-8/UTF-16 byte-order marks, then strict UTF-8, then
  charset-normalizer among the Cyrillic code pages, Windows-1251 first), the delimiter among
  ``,`` ``;`` tab ``|`` from the first lines, and whether the first line is a header at all
  (Asterisk ``Master.csv`` and Mango VPBX stats have none: columns are then ``column_1`` …).
* **XLSX/XLS**: through polars ``read_excel`` (calamine), every cell as text.
* **gzip and zip** (told by their first bytes, whatever the name): unpacked on purpose
  (:mod:`callframe.io.archives`), the one export inside read as above (its own name gives the
  format); a broken or truncated archive, or a zip of several files, is an
  :class:`~callframe.ExportError` saying what to do.

Reading a JSON document is done by Python's ``json`` module (one pass over the records to
flatten them); everything after that is polars.

Example:
    >>> export = read_export(b'{"records": [{"callerNumber": 79161234567}]}')
    >>> export.frame.to_dicts(), export.format, export.envelope
    ([{'callerNumber': '79161234567'}], 'json', 'records')
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import json
import os
import re
import tempfile
import warnings
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl

from callframe.errors import ExportError, UsageError
from callframe.io.archives import archive_kind, unpack
from callframe.io.metrica_csv import ragged_line

__all__ = [
    "KNOWN_ENVELOPES",
    "CsvScan",
    "ExportFormat",
    "TrackerExport",
    "read_export",
    "scan_csv_export",
]

ExportFormat = Literal["json", "csv", "xlsx", "xls", "frame"]

KNOWN_ENVELOPES: tuple[str, ...] = (
    "records",
    "result.data",
    "channels_statistics[].calls",
    "callDetails{}",
    "payload",
    "data",
    "stats",
    "calls",
)
"""Envelope paths tried in order: ``a.b`` descends into objects, ``[]`` takes each item of a list
(carrying the item's scalar fields onto the records below it), ``{}`` takes each value of an
object keyed by id. Adapters may add their own (see :func:`read_export`'s ``envelopes``)."""

_SNIFF_BYTES = 64 * 1024
_HEAD_BYTES = 4 * _SNIFF_BYTES
_CHUNK_BYTES = 16 * 1024 * 1024
_SNIFF_LINES = 25
_DELIMITERS = (",", ";", "\t", "|")
_CYRILLIC_PAGES = ["cp1251", "koi8_r", "cp866"]
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DATA_LIKE = re.compile(r"^[\s\d+\-().:/,\[\]]*$")
_EXTENSIONS: dict[str, ExportFormat] = {
    ".json": "json",
    ".ndjson": "json",
    ".jsonl": "json",
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
}


@dataclass(frozen=True, slots=True)
class TrackerExport:
    """A tracker export read as text, with its provenance.

    ``frame`` has one row per call record and only ``String`` columns. ``source`` is the path
    (``None`` for bytes); ``encoding``/``delimiter``/``header`` are set for CSV, ``envelope`` for
    JSON, ``sheet`` for Excel; ``archive`` for an export read from a ``.gz``/``.zip``
    (``gzip:calls.csv``: how it was packed, and the file inside).
    """

    frame: pl.DataFrame
    format: ExportFormat
    source: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header: bool | None = None
    envelope: str | None = None
    sheet: str | None = None
    archive: str | None = None

    @property
    def rows(self) -> int:
        return self.frame.height

    @classmethod
    def from_frame(cls, frame: pl.DataFrame, *, source: str | None = None) -> TrackerExport:
        """A frame the caller already holds, as an export: struct columns flattened to dotted
        names, lists as JSON text, everything else cast to text (as :func:`read_export` does)."""
        return cls(frame=_as_text(frame), format="frame", source=source)

    def describe(self) -> dict[str, Any]:
        """Provenance as plain data (for JSON output): no values from the file."""
        return {
            "path": self.source,
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "header": self.header,
            "envelope": self.envelope,
            "sheet": self.sheet,
            **({"archive": self.archive} if self.archive else {}),
            "rows": self.rows,
            "columns": self.frame.width,
        }


# --- entry point -------------------------------------------------------------------------------


def read_export(
    source: str | Path | bytes,
    *,
    format: ExportFormat | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    header: bool | None = None,
    sheet: str | int | None = None,
    envelopes: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
) -> TrackerExport:
    """Read a tracker export (path or bytes) into a text frame; see the module docstring.

    Every sniffed property can be forced: ``format`` (``json``/``csv``/``xlsx``/``xls``),
    ``encoding`` (any Python codec name), ``delimiter``, ``header`` (``False`` for headerless
    CSV), ``sheet`` (name or 0-based index), ``envelopes`` (JSON paths tried before the known
    ones). ``columns``: read only these columns of a CSV with a header (names it lacks are
    skipped; other formats read everything). Raises :class:`~callframe.ExportError` naming the
    file and what was tried.

    A CSV file is never held in memory as Python text: UTF-8 is handed to polars as it is (only
    the first bytes are decoded, for sniffing), other code pages are transcoded to a temporary
    UTF-8 file in chunks.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        raw, where = bytes(source), None
    elif isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise ExportError("no such file", path=path)
        where = str(path)
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES + 1)
        csv_file = (format or _EXTENSIONS.get(path.suffix.lower())) == "csv"
        if csv_file and archive_kind(head) is None and (head.strip() or len(head) > _HEAD_BYTES):
            return _read_csv(
                head[:_HEAD_BYTES],
                where,
                encoding=encoding,
                delimiter=delimiter,
                header=header,
                file=path if len(head) > _HEAD_BYTES else None,
                columns=columns,
            )
        raw = head if len(head) <= _HEAD_BYTES else path.read_bytes()
    else:
        raise UsageError(
            f"read_export() takes a path or bytes, not {type(source).__name__}; "
            "pass a polars DataFrame to detect()/convert() directly"
        )
    kind = archive_kind(raw)
    named = format or (_EXTENSIONS.get(Path(where).suffix.lower()) if where else None)
    if kind == "zip" and named in ("xlsx", "xls"):
        kind = None  # a workbook is a zip too: the Excel reader says when it is broken
    unpacked = unpack(raw, kind, where) if kind is not None else None
    if unpacked is None:
        return _read_raw(raw, where, format, encoding, delimiter, header, sheet, envelopes, columns)
    inner, name = unpacked
    inner_format = format or _EXTENSIONS.get(Path(name).suffix.lower())
    if archive_kind(inner) is not None:
        raise ExportError(
            f"is an archive inside an archive ({name}): unpack it and pass the export itself",
            path=where,
        )
    # read whole from memory (no projection: the file on disk is the archive, never re-read)
    export = _read_raw(
        inner, where, inner_format, encoding, delimiter, header, sheet, envelopes, None
    )
    return dataclasses.replace(export, archive=f"{kind}:{name}")


def _read_raw(
    raw: bytes,
    where: str | None,
    format: ExportFormat | None,
    encoding: str | None,
    delimiter: str | None,
    header: bool | None,
    sheet: str | int | None,
    envelopes: Sequence[str] | None,
    columns: Sequence[str] | None,
) -> TrackerExport:
    if not raw.strip():
        raise ExportError("is empty", path=where)
    fmt = format or _sniff_format(raw, where)
    if fmt == "json":
        paths = [*(envelopes or ()), *KNOWN_ENVELOPES]
        by_content = format is None and (
            where is None or Path(where).suffix.lower() not in _EXTENSIONS
        )
        found = _read_json(raw, where, paths, fallback=by_content)
        if found is not None:
            return found
        fmt = "csv"  # not JSON after all: e.g. Mango VPBX stats, whose first cell is "[rec-1]"
    if fmt == "csv":
        return _read_csv(
            raw, where, encoding=encoding, delimiter=delimiter, header=header, columns=columns
        )
    if fmt in ("xlsx", "xls"):
        return _read_excel(raw, where, fmt, sheet=sheet, header=header)
    raise UsageError(f"unknown format {fmt!r}: use json, csv, xlsx or xls")


def _sniff_format(raw: bytes, where: str | None) -> ExportFormat:
    if where is not None:
        known = _EXTENSIONS.get(Path(where).suffix.lower())
        if known:
            return known
    head = raw[:8]
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    text = raw[:1024]
    for bom, _ in _BOMS:
        if text.startswith(bom):
            text = text[len(bom) :]
            break
    if text.lstrip()[:1] in (b"{", b"["):
        return "json"
    return "csv"


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    while any(isinstance(t, pl.Struct) for t in frame.schema.values()):
        parts: list[pl.Expr] = []
        for name, dtype in frame.schema.items():
            if isinstance(dtype, pl.Struct):
                parts += [
                    pl.col(name).struct.field(f.name).alias(f"{name}.{f.name}")
                    for f in dtype.fields
                ]
            else:
                parts.append(pl.col(name))
        frame = frame.select(parts)
    exprs = []
    for name, dtype in frame.schema.items():
        c = pl.col(name)
        if isinstance(dtype, pl.List | pl.Array):
            encoded = pl.struct(c.alias("v")).struct.json_encode()
            text = encoded.str.strip_prefix('{"v":').str.strip_suffix("}")
            exprs.append(pl.when(c.is_not_null()).then(text).alias(name))
        elif dtype == pl.Boolean:
            exprs.append(pl.when(c).then(pl.lit("true")).when(~c).then(pl.lit("false")).alias(name))
        else:
            exprs.append(c.cast(pl.String).alias(name))
    return frame.select(exprs)


# --- JSON --------------------------------------------------------------------------------------


def _read_json(
    raw: bytes, where: str | None, envelopes: Sequence[str], *, fallback: bool = False
) -> TrackerExport | None:
    """The export, or ``None`` when ``fallback`` is set and the bytes are not JSON at all."""
    try:
        text = _decode_json_bytes(raw, where)
    except ExportError:
        if fallback:
            return None
        raise
    try:
        doc: Any = json.loads(text, parse_float=str)
    except json.JSONDecodeError as exc:
        doc = _try_ndjson(text)
        if doc is None and fallback:
            return None
        if doc is None:
            raise ExportError(
                f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
                "save the tracker's API answer unchanged, or export CSV instead",
                path=where,
                tried=("json", "ndjson"),
            ) from None
    records, envelope = _find_records(doc, envelopes, where)
    rows = [_flatten(r) for r in records]
    names: dict[str, None] = {}
    for r in rows:
        names.update(dict.fromkeys(r))
    schema = dict.fromkeys(names, pl.String())
    frame = pl.from_dicts(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    return TrackerExport(
        frame=frame, format="json", source=where, encoding="utf-8", envelope=envelope
    )


def _decode_json_bytes(raw: bytes, where: str | None) -> str:
    codec = next((codec for bom, codec in _BOMS if raw.startswith(bom)), "utf-8")
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise ExportError(
            f"is not {codec} JSON (bad byte at offset {exc.start}); JSON exports are UTF-8",
            path=where,
            tried=("utf-8", "utf-8-sig", "utf-16"),
        ) from None


def _try_ndjson(text: str) -> list[Any] | None:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    try:
        return [json.loads(line, parse_float=str) for line in lines]
    except json.JSONDecodeError:
        return None


def _records_at(doc: Any, path: str) -> list[dict[str, Any]] | None:
    """The records under ``path`` (see :data:`KNOWN_ENVELOPES`); ``None`` when it does not fit."""
    nodes: list[tuple[Any, dict[str, Any]]] = [(doc, {})]
    spread = False
    for part in path.split("."):
        spread = part.endswith(("[]", "{}"))
        key = part[:-2] if spread else part
        nxt: list[tuple[Any, dict[str, Any]]] = []
        for node, carried in nodes:
            if not isinstance(node, dict) or key not in node:
                return None
            value = node[key]
            if part.endswith("[]"):
                if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                    return None
                nxt.extend((v, {**carried, **_scalars(v)}) for v in value)
            elif part.endswith("{}"):
                if not isinstance(value, dict) or not all(
                    isinstance(v, dict) for v in value.values()
                ):
                    return None
                nxt.extend((v, carried) for v in value.values())
            else:
                nxt.append((value, carried))
        nodes = nxt
    out: list[dict[str, Any]] = []
    for node, carried in nodes:
        if spread and isinstance(node, dict):
            out.append({**carried, **node})
        elif isinstance(node, list) and all(isinstance(r, dict) for r in node):
            out.extend({**carried, **r} if carried else r for r in node)
        else:
            return None
    return out


def _scalars(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not isinstance(v, dict | list)}


def _find_records(
    doc: Any, envelopes: Sequence[str], where: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    if isinstance(doc, list):
        if all(isinstance(r, dict) for r in doc):
            return doc, None
        raise ExportError(
            "is a JSON list whose items are not all objects (call records)", path=where
        )
    if not isinstance(doc, dict):
        raise ExportError("holds a single JSON value, not call records", path=where)
    for path in dict.fromkeys(envelopes):
        found = _records_at(doc, path)
        if found is not None:
            return found, path
    found_path = _search_records(doc)
    if found_path is not None:
        found = _records_at(doc, found_path)
        if found is not None:
            return found, found_path
    raise ExportError(
        "has no list of call records: pass envelopes=['path.to.list'] to read_export",
        path=where,
        tried=tuple(dict.fromkeys(envelopes)),
    )


def _search_records(doc: dict[str, Any]) -> str | None:
    """Breadth-first: the first list of objects (or object of objects) below ``doc``."""
    queue: deque[tuple[str, Any]] = deque((k, v) for k, v in doc.items())
    while queue:
        path, value = queue.popleft()
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return path
        if isinstance(value, dict) and value:
            if all(isinstance(v, dict) for v in value.values()) and all(k.isdigit() for k in value):
                return f"{path}{{}}"
            queue.extend((f"{path}.{k}", v) for k, v in value.items())
    return None


def _scalar_text(value: Any) -> str | None:
    if value is None:
        return None
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            if value:
                out.update(_flatten(value, f"{name}."))
            else:
                out[name] = None
        elif isinstance(value, list):
            out[name] = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        else:
            out[name] = _scalar_text(value)
    return out


# --- CSV ---------------------------------------------------------------------------------------


def _sniff_encoding(raw: bytes) -> tuple[str, tuple[str, ...]]:
    """The codec to decode ``raw`` with, and what was tried (for error messages)."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return codec, (codec,)
    try:
        raw.decode("utf-8")
        return "utf-8", ("utf-8",)
    except UnicodeDecodeError:
        pass
    return _sniff_cyrillic(raw), ("utf-8", *_CYRILLIC_PAGES)


def _sniff_head_encoding(head: bytes) -> tuple[str, tuple[str, ...]]:
    """As :func:`_sniff_encoding`, from the first bytes of a file only (UTF-8 is then confirmed
    by polars while it reads the whole file)."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec, (codec,)
    try:
        _head_text(head, "utf-8", final=False)
        return "utf-8", ("utf-8",)
    except UnicodeDecodeError:
        pass
    return _sniff_cyrillic(head), ("utf-8", *_CYRILLIC_PAGES)


def _sniff_cyrillic(raw: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:_HEAD_BYTES], cp_isolation=_CYRILLIC_PAGES).best()
    return best.encoding if best is not None else "cp1251"


def _sniff_delimiter(lines: list[str]) -> str:
    best, best_key = ",", (-1, -1)
    for sep in _DELIMITERS:
        widths = [len(r) for r in csv.reader(lines, delimiter=sep)]
        if not widths or widths[0] < 2:
            continue
        consistent = sum(w == widths[0] for w in widths)
        key = (consistent, widths[0])
        if key > best_key:
            best, best_key = sep, key
    return best


def _looks_like_header(first: list[str]) -> bool:
    """Whether the first line names columns: every cell text that is not data-like (digits,
    dates, phones) and no name twice. Empty cells at the end are allowed (Sipuni's ``…;;``)."""
    cells = [c.strip() for c in first]
    while cells and not cells[-1]:
        cells.pop()
    return (
        bool(cells)
        and all(cells)
        and len(set(cells)) == len(cells)
        and not any(_DATA_LIKE.match(c) for c in cells)
    )


def _head_text(head: bytes, codec: str, *, final: bool) -> str:
    """The first bytes decoded (an incomplete last character is left out unless ``final``)."""
    return codecs.getincrementaldecoder(codec)().decode(head, final=final)


def _transcode(path: Path, codec: str) -> Path:
    """``path`` re-encoded as UTF-8 into a temporary file, in chunks (never the whole text)."""
    decoder = codecs.getincrementaldecoder(codec)()
    fd, tmp = tempfile.mkstemp(prefix="callframe-", suffix=".csv")
    try:
        with path.open("rb") as src, os.fdopen(fd, "wb") as dst:
            while chunk := src.read(_CHUNK_BYTES):
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
        codec, tried = _sniff_head_encoding(raw)
    else:
        codec, tried = _sniff_encoding(raw)
    try:
        text = _head_text(raw, codec, final=file is None)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ExportError(
            f"cannot be decoded as {codec} ({type(exc).__name__}); pass encoding=",
            path=where,
            tried=tried,
        ) from None
    text = text.removeprefix("\ufeff")
    head_lines = text[:_SNIFF_BYTES].splitlines()[:_SNIFF_LINES]
    if not any(line.strip() for line in head_lines):
        raise ExportError("has no data lines", path=where)
    sep = delimiter or _sniff_delimiter(head_lines)
    first = next(csv.reader(head_lines[:1], delimiter=sep), [])
    has_header = _looks_like_header(first) if header is None else header
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


def _name_unnamed(columns: list[str], plan: _CsvPlan) -> dict[str, str]:
    """Renames giving the header's empty cells the headerless names (``column_15``), for a
    frame read without projection (polars calls them ``""``, ``_duplicated_0`` …)."""
    if not plan.unnamed or plan.wanted is not None:
        return {}
    return {columns[i]: name for i, name in plan.unnamed.items() if i < len(columns)}


def scan_csv_export(path: str | Path, *, columns: Sequence[str] | None = None) -> CsvScan | None:
    """A UTF-8 CSV export with a header as a ``LazyFrame`` of text columns (only ``columns``
    when given, names stripped), for reading in batches; ``None`` when the file needs more than
    polars' reader (another code page, a BOM, no header, not a CSV): use :func:`read_export`.

    The frame is the one :func:`read_export` would return, read lazily; a file that polars
    cannot parse raises while collecting (a ``polars`` error), not here.
    """
    file = Path(path)
    if not file.is_file() or _EXTENSIONS.get(file.suffix.lower()) != "csv":
        return None
    with file.open("rb") as fh:
        head = fh.read(_HEAD_BYTES + 1)
    if len(head) <= _HEAD_BYTES or head.startswith(b"\xef\xbb\xbf") or archive_kind(head):
        return None  # small files are read whole anyway; a BOM is transcoded; archives unpacked
    try:
        plan = _csv_plan(
            head[:_HEAD_BYTES],
            str(file),
            encoding=None,
            delimiter=None,
            header=None,
            file=file,
            columns=columns,
        )
    except ExportError:
        return None
    if _canonical_codec(plan.codec) != "utf-8" or not plan.has_header:
        return None
    lazy = pl.scan_csv(
        file,
        separator=plan.sep,
        has_header=True,
        infer_schema=False,
        raise_if_empty=False,
        quote_char='"',
    )
    if plan.wanted is not None:
        lazy = lazy.select(plan.wanted)
    names = lazy.collect_schema().names()
    renames = {c: c.strip() for c in names if c != c.strip()}
    lazy = lazy.rename({**renames, **_name_unnamed(names, plan)})
    export = TrackerExport(
        frame=pl.DataFrame(schema=dict.fromkeys(lazy.collect_schema().names(), pl.String)),
        format="csv",
        source=str(file),
        encoding="utf-8",
        delimiter=plan.sep,
        header=True,
    )
    return CsvScan(export=export, lazy=lazy)


@dataclass(frozen=True, slots=True)
class CsvScan:
    """What :func:`scan_csv_export` returns: the provenance (``export``, with an empty frame of
    the columns read) and the rows, lazily."""

    export: TrackerExport
    lazy: pl.LazyFrame


def _read_csv(
    raw: bytes,
    where: str | None,
    *,
    encoding: str | None,
    delimiter: str | None,
    header: bool | None,
    file: Path | None = None,
    columns: Sequence[str] | None = None,
) -> TrackerExport:
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
    codec, tried, text, sep = plan.codec, plan.tried, plan.text, plan.sep
    has_header, names, wanted = plan.has_header, plan.names, plan.wanted
    utf8 = _canonical_codec(codec) == "utf-8"
    temp: Path | None = None
    try:
        if file is None:
            data: Path | io.BytesIO = io.BytesIO(
                raw if codec in ("utf-8", "utf8") else text.encode("utf-8")
            )
        else:
            try:
                temp = None if utf8 else _transcode(file, codec)
            except (UnicodeDecodeError, LookupError) as exc:
                raise ExportError(
                    f"cannot be decoded as {codec} ({type(exc).__name__}); pass encoding=",
                    path=where,
                    tried=tried,
                ) from None
            data = temp or file
        try:
            frame = _polars_csv(data, sep, has_header, names, wanted)
        except pl.exceptions.ComputeError as exc:
            if not (file is not None and utf8 and encoding is None and "utf-8" in str(exc)):
                raise
            # valid UTF-8 at the start only: sniff among the Cyrillic code pages as for bytes
            codec, tried = _sniff_cyrillic(raw), ("utf-8", *_CYRILLIC_PAGES)
            temp = _transcode(file, codec)
            data = temp
            frame = _polars_csv(data, sep, has_header, names, wanted)
    except pl.exceptions.PolarsError as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(data, Path):
            with data.open(encoding="utf-8", errors="replace", newline="") as fh:
                line = ragged_line(fh, sep)
        else:
            line = _ragged_line(text, sep)
        where_line = f"line {line} has more fields than the first line; " if line else ""
        raise ExportError(
            f"cannot be parsed as CSV with delimiter {_shown(sep)}: {where_line}{message}",
            path=where,
            tried=tried,
        ) from None
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)
    renames = {c: c.strip() for c in frame.columns if c != c.strip()}
    frame = frame.rename({**renames, **_name_unnamed(frame.columns, plan)})
    return TrackerExport(
        frame=frame,
        format="csv",
        source=where,
        encoding=_canonical_codec(codec),
        delimiter=sep,
        header=has_header,
    )


def _polars_csv(
    data: Path | io.BytesIO,
    sep: str,
    has_header: bool,
    names: list[str] | None,
    wanted: list[str] | None,
) -> pl.DataFrame:
    return pl.read_csv(
        data,
        separator=sep,
        has_header=has_header,
        new_columns=names,
        columns=wanted,
        infer_schema=False,
        raise_if_empty=False,
        quote_char='"',
    )


def _canonical_codec(codec: str) -> str:
    try:
        name = codecs.lookup(codec).name
    except LookupError:
        return codec
    return {"utf-8-sig": "utf-8-sig", "utf-8": "utf-8"}.get(name, name)


def _shown(sep: str) -> str:
    return "tab" if sep == "\t" else repr(sep)


def _ragged_line(text: str, sep: str) -> int | None:
    return ragged_line(io.StringIO(text, newline=""), sep)


# --- Excel -------------------------------------------------------------------------------------


def _read_excel(
    raw: bytes,
    where: str | None,
    fmt: ExportFormat,
    *,
    sheet: str | int | None,
    header: bool | None,
) -> TrackerExport:
    try:
        import fastexcel

        reader = fastexcel.read_excel(raw)
        names: list[str] = list(reader.sheet_names)
        if isinstance(sheet, str):
            if sheet not in names:
                raise ExportError(
                    f"has no sheet {sheet!r} (sheets: {', '.join(names)})", path=where
                )
            sheet_name = sheet
        else:
            sheet_name = names[sheet or 0]
        with warnings.catch_warnings():
            # polars 1.x warns about its own fastexcel/arrow hand-over; nothing for our caller
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            frame = pl.read_excel(
                io.BytesIO(raw),
                sheet_name=sheet_name,
                engine="calamine",
                infer_schema_length=0,
                has_header=True if header is None else header,
            )
    except ExportError:
        raise
    except Exception as exc:  # fastexcel/calamine raise their own exception types
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ExportError(
            f"cannot be read as an Excel workbook ({message})", path=where, tried=(fmt,)
        ) from None
    frame = frame.select(pl.all().cast(pl.String))
    frame = frame.rename({c: c.strip() for c in frame.columns if c != c.strip()})
    return TrackerExport(
        frame=frame,
        format=fmt,
        source=where,
        header=True if header is None else header,
        sheet=sheet_name,
    )

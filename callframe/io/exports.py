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

:func:`scan_export` gives the same rows lazily (a :class:`ScannedExport`: a ``LazyFrame`` plus
the provenance), for one polars query from the file to the Metrica CSV: a UTF-8 CSV file is
scanned where it lies, another code page is transcoded once to a temporary UTF-8 file, a large
JSON file is parsed record by record and spilled to temporary Arrow files (bounded memory).
:func:`read_export` is ``scan_export(...).collect()``. Each job has its module: sniffing
(:mod:`callframe.io._sniff`), CSV (``_csv``), JSON (``_json``), Excel (``_xlsx``).

Example:
    >>> export = read_export(b'{"records": [{"callerNumber": 79161234567}]}')
    >>> export.frame.to_dicts(), export.format, export.envelope
    ([{'callerNumber': '79161234567'}], 'json', 'records')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from callframe.errors import ExportError, UsageError
from callframe.io._csv import scan_csv
from callframe.io._export import ExportFormat, TrackerExport, as_text
from callframe.io._json import read_json, scan_json_file
from callframe.io._scanned import ScannedExport, with_archive
from callframe.io._sniff import EXTENSIONS, HEAD_BYTES, sniff_format
from callframe.io._xlsx import read_excel
from callframe.io.archives import archive_kind, unpack, unpack_to_file

__all__ = [
    "KNOWN_ENVELOPES",
    "ExportFormat",
    "ScannedExport",
    "TrackerExport",
    "read_export",
    "scan_export",
]

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

JSON_STREAM_BYTES = 8 * 1024 * 1024
"""JSON files from this size on are read record by record in bounded memory (smaller ones whole)."""

ARCHIVE_FILE_BYTES = 8 * 1024 * 1024
"""An export unpacked from an archive is scanned from a temporary file from this size on (smaller
ones are read from memory)."""

Source = str | Path | bytes | pl.DataFrame | pl.LazyFrame | TrackerExport


@dataclass(frozen=True, slots=True)
class _Options:
    """What the caller forced of the reading (:func:`scan_export`'s arguments), carried as one
    value down to the reader of each format; ``None`` is "sniff it"."""

    format: ExportFormat | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header: bool | None = None
    sheet: str | int | None = None
    envelopes: Sequence[str] = ()
    columns: Sequence[str] | None = None

    def scan_csv(
        self, raw: bytes, where: str | None, *, file: Path | None = None, project: bool = True
    ) -> ScannedExport:
        """:func:`callframe.io._csv.scan_csv` with these options (``project=False``: every
        column, as for an archive's content, which is never read again)."""
        return scan_csv(
            raw,
            where,
            encoding=self.encoding,
            delimiter=self.delimiter,
            header=self.header,
            file=file,
            columns=self.columns if project else None,
        )

    @property
    def json_paths(self) -> list[str]:
        """The envelope paths to try: the caller's, then the known ones."""
        return [*self.envelopes, *KNOWN_ENVELOPES]


# --- entry points ------------------------------------------------------------------------------


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
    if not isinstance(source, str | Path | bytes | bytearray | memoryview):
        raise UsageError(
            f"read_export() takes a path or bytes, not {type(source).__name__}; "
            "pass a polars DataFrame to detect()/convert() directly"
        )
    scan = scan_export(
        source,
        format=format,
        encoding=encoding,
        delimiter=delimiter,
        header=header,
        sheet=sheet,
        envelopes=envelopes or (),
        columns=columns,
    )
    try:
        return scan.collect()
    finally:
        scan.close()  # the temporary files, now rather than when garbage-collected


def scan_export(
    source: Source | bytearray | memoryview,
    *,
    format: ExportFormat | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    header: bool | None = None,
    sheet: str | int | None = None,
    envelopes: Sequence[str] = (),
    columns: Sequence[str] | None = None,
) -> ScannedExport:
    """A tracker export as a ``LazyFrame`` of text plus its provenance: the rows
    :func:`read_export` returns, read only when the frame is collected or sunk.

    Sniffing (format, code page, delimiter, header, JSON envelope) happens here, from the first
    bytes, as do the errors it finds; a polars error met later (a ragged line, bad UTF-8 past the
    sniffed head) is turned into the same :class:`~callframe.ExportError` by
    :meth:`ScannedExport.explain`. A ``DataFrame``/``LazyFrame`` is taken as it is: struct columns
    flattened to dotted names, lists as JSON text, everything cast to text, lazily.
    """
    options = _Options(format, encoding, delimiter, header, sheet, envelopes, columns)
    if isinstance(source, TrackerExport):
        return _scanned_frame(source)
    if isinstance(source, pl.DataFrame | pl.LazyFrame):
        return ScannedExport(lazy=as_text(source.lazy()), format="frame")
    if isinstance(source, bytes | bytearray | memoryview):
        return _scan_raw(bytes(source), None, options)
    if not isinstance(source, str | Path):
        raise UsageError(
            f"scan_export() takes a path, bytes or a polars frame, not {type(source).__name__}"
        )
    path = Path(source)
    if not path.is_file():
        raise ExportError("no such file", path=path)
    where = str(path)
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES + 1)
    named = format or EXTENSIONS.get(path.suffix.lower())
    kind = archive_kind(head)
    plain = kind is None
    if kind is not None and not (kind == "zip" and named in ("xlsx", "xls")):
        unpacked = unpack_to_file(path, kind, head)
        if unpacked is not None:
            return _scan_unpacked(*unpacked, where, kind, options)
    if named == "csv" and plain and (head.strip() or len(head) > HEAD_BYTES):
        big = len(head) > HEAD_BYTES
        return options.scan_csv(head[:HEAD_BYTES], where, file=path if big else None)
    if named == "json" and plain and path.stat().st_size >= JSON_STREAM_BYTES:
        streamed = scan_json_file(path, head, where, options.json_paths)
        if streamed is not None:
            return streamed
    raw = head if len(head) <= HEAD_BYTES else path.read_bytes()
    return _scan_raw(raw, where, options)


def _scan_unpacked(
    temp: Path, name: str, where: str, kind: str, options: _Options
) -> ScannedExport:
    """The export unpacked to ``temp`` from the archive ``where``: read from memory as before
    when it is small, else scanned from the file (which then lives as long as the scan). Never
    projected: the file on disk is the archive, never read again."""
    options = replace(options, format=options.format or EXTENSIONS.get(Path(name).suffix.lower()))
    try:
        with temp.open("rb") as fh:
            head = fh.read(HEAD_BYTES + 1)
        if archive_kind(head) is not None:
            raise ExportError(
                f"is an archive inside an archive ({name}): unpack it and pass the export itself",
                path=where,
            )
        scan: ScannedExport | None = None
        if temp.stat().st_size >= ARCHIVE_FILE_BYTES:
            if options.format == "csv" and head.strip():
                scan = options.scan_csv(head[:HEAD_BYTES], where, file=temp, project=False)
            elif options.format == "json":
                scan = scan_json_file(temp, head, where, options.json_paths)
                if scan is not None:  # the records are in their own files now
                    temp.unlink()
                    return with_archive(scan, f"{kind}:{name}")
        if scan is None:  # read from memory
            raw = temp.read_bytes()
            temp.unlink()
            scan = _scan_bytes(raw, where, options, project=False)
            return with_archive(scan, f"{kind}:{name}")
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return with_archive(scan, f"{kind}:{name}", temp)


def _scanned_frame(export: TrackerExport) -> ScannedExport:
    return ScannedExport(
        lazy=export.frame.lazy(),
        format=export.format,
        source=export.source,
        encoding=export.encoding,
        delimiter=export.delimiter,
        header=export.header,
        envelope=export.envelope,
        sheet=export.sheet,
        archive=export.archive,
    )


def _scan_raw(raw: bytes, where: str | None, options: _Options) -> ScannedExport:
    """An export held in memory (bytes, a small file, an archive's content)."""
    kind = archive_kind(raw)
    named = options.format or (EXTENSIONS.get(Path(where).suffix.lower()) if where else None)
    if kind == "zip" and named in ("xlsx", "xls"):
        kind = None  # a workbook is a zip too: the Excel reader says when it is broken
    unpacked = unpack(raw, kind, where) if kind is not None else None
    if unpacked is None:
        return _scan_bytes(raw, where, options)
    inner, name = unpacked
    if archive_kind(inner) is not None:
        raise ExportError(
            f"is an archive inside an archive ({name}): unpack it and pass the export itself",
            path=where,
        )
    # read whole from memory (no projection: the file on disk is the archive, never re-read)
    options = replace(options, format=options.format or EXTENSIONS.get(Path(name).suffix.lower()))
    scan = _scan_bytes(inner, where, options, project=False)
    return with_archive(scan, f"{kind}:{name}")


def _scan_bytes(
    raw: bytes, where: str | None, options: _Options, *, project: bool = True
) -> ScannedExport:
    if not raw.strip():
        raise ExportError("is empty", path=where)
    fmt = options.format or sniff_format(raw, where)
    if fmt == "json":
        by_content = options.format is None and (
            where is None or Path(where).suffix.lower() not in EXTENSIONS
        )
        found = read_json(raw, where, options.json_paths, fallback=by_content)
        if found is not None:
            return _scanned_frame(found)
        fmt = "csv"  # not JSON after all: e.g. Mango VPBX stats, whose first cell is "[rec-1]"
    if fmt == "csv":
        return options.scan_csv(raw, where, project=project)
    if fmt in ("xlsx", "xls"):
        found = read_excel(raw, where, fmt, sheet=options.sheet, header=options.header)
        return _scanned_frame(found)
    raise UsageError(f"unknown format {fmt!r}: use json, csv, xlsx or xls")

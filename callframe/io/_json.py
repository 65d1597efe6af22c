"""JSON exports: the records found through an envelope path, flattened to dotted text columns.

:func:`read_json` reads a document held in memory (Python's ``json``, one pass to flatten).
:func:`scan_json_file` reads a large file in bounded memory: the text is decoded in chunks,
the object members around the records are parsed as they come, and each list of objects is
parsed record by record, flattened and spilled in chunks to temporary Arrow IPC files that are
then scanned lazily; NDJSON is read line by line the same way. From :data:`POOL_BYTES` on, the
runs of records are parsed by worker processes (:mod:`callframe.io._json_pool`), cut where a
record starts as the first one did (a UTF-8 file's bytes as they are read, undecoded); a
worker's parse (``orjson``, or ``json`` where ``orjson`` would answer otherwise) checks the cut
and the bytes, and at any doubt the file is read again without workers. Whenever the file is
anything but such a plain shape (an envelope through a list, a duplicate key, a syntax error …)
it returns ``None`` and the caller reads the document whole, so every answer, and every error,
is the one :func:`read_json` gives.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import orjson
import polars as pl

from callframe.errors import ExportError
from callframe.io._export import TrackerExport
from callframe.io._json_pool import Pool, PoolError
from callframe.io._scanned import ScannedExport, Temps, hooked
from callframe.io._sniff import BOMS

__all__ = ["read_json", "scan_json_file", "spill_batch"]

SPILL_RECORDS = 50_000
"""Records flattened in memory before they are spilled to a temporary IPC file."""
_TEXT_CHUNK = 4 * 1024 * 1024
POOL_BYTES = 64 * 1024 * 1024
"""Files from this size on are parsed by worker processes (:mod:`callframe.io._json_pool`)."""
_POOL_AHEAD = 4  # batches sent before the oldest answer is taken
_OPENER = re.compile(r'\{[ \t\n\r]*"(?:[^"\\]|\\.)*"[ \t\n\r]*:')
_CUTS = 4  # the last "}," of a chunk tried as a cut between records, and the three before it
_PAD = "\x00"  # a column every spilled chunk has, so a chunk of empty records keeps its rows
_WS = re.compile(r"[ \t\n\r]*")
_PLAIN = frozenset({str, type(None), int, bool})  # polars writes int and bool as Python does
_PLAIN_OR_LIST = _PLAIN | {list}


# --- a document in memory ----------------------------------------------------------------------


def read_json(
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
    frame = read_json_records(records, where)
    return TrackerExport(
        frame=frame, format="json", source=where, encoding="utf-8", envelope=envelope
    )


def _json_codec(raw: bytes) -> str:
    return next((codec for bom, codec in BOMS if raw.startswith(bom)), "utf-8")


def _decode_json_bytes(raw: bytes, where: str | None) -> str:
    codec = _json_codec(raw)
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
    """The records under ``path`` (see ``KNOWN_ENVELOPES``); ``None`` when it does not fit."""
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
    records, path, _ = _choose_records(doc, envelopes, where)
    return records, path


def _choose_records(
    doc: Any, envelopes: Sequence[str], where: str | None
) -> tuple[list[dict[str, Any]], str | None, list[str]]:
    """The records, their envelope path, and the paths tried to find them (in order)."""
    if isinstance(doc, list):
        if all(isinstance(r, dict) for r in doc):
            return doc, None, []
        raise ExportError(
            "is a JSON list whose items are not all objects (call records)", path=where
        )
    if not isinstance(doc, dict):
        raise ExportError("holds a single JSON value, not call records", path=where)
    tried: list[str] = []
    for path in dict.fromkeys(envelopes):
        tried.append(path)
        found = _records_at(doc, path)
        if found is not None:
            return found, path, tried
    found_path = _search_records(doc)
    if found_path is not None:
        tried.append(found_path)
        found = _records_at(doc, found_path)
        if found is not None:
            return found, found_path, tried
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


def _list_encoder() -> Callable[[list[Any]], str]:
    """A list as the export's text: ``json.dumps(value, ensure_ascii=False, separators=(", ",
    ": "))``, through one C encoder made once (``dumps`` makes one per call, which costs more
    than the encoding of a short list)."""
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    try:
        chunks = make(
            None, encoder.default, json.encoder.encode_basestring, None, ": ", ", ",
            False, False, True,
        )  # fmt: skip
    except TypeError:  # another Python's signature
        return encoder.encode

    def text(value: list[Any]) -> str:
        return "".join(chunks(value, 0)) if value else "[]"

    return text


_list_text = _list_encoder()


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, str | None]:
    """One record as text fields: nested objects flattened to dotted names (an empty one is
    null), lists as JSON text, ``true``/``false``, numbers with their exact digits."""
    out: dict[str, str | None] = {}
    for key, value in record.items():
        kind = type(value)
        if kind is str or value is None:
            out[prefix + key] = value
        elif kind is bool:
            out[prefix + key] = "true" if value else "false"
        elif kind is dict:
            if value:
                out.update(_flatten(value, f"{prefix}{key}."))
            else:
                out[prefix + key] = None
        elif kind is list:
            out[prefix + key] = _list_text(value)
        else:
            out[prefix + key] = str(value)
    return out


# --- a large file, in bounded memory -----------------------------------------------------------


class _IrregularError(Exception):
    """The file is not of the plain shape streamed here: read it whole instead."""


class _Spill:
    """Flattened records, spilled every :data:`SPILL_RECORDS` to a temporary IPC file."""

    def __init__(self, temps: Temps) -> None:
        self.temps = temps
        self.names: dict[str, Any] = {}  # the column names in first-seen order (keys only)
        self.rows: list[dict[str, Any]] = []
        self.files: list[Path] = []
        self.count = 0
        self.list_keys: list[str] = []  # the keys holding lists in the last record that had any
        self.pending: deque[tuple[Pool, int, Path]] = deque()  # batches sent to workers
        self.limit = SPILL_RECORDS

    def add(self, record: dict[str, Any]) -> None:
        self.extend((record,))

    def submit(self, pool: Pool, data: bytes) -> None:
        """Send a run of records (UTF-8) to a worker (its file takes its place in order)."""
        if self.rows:
            self.flush()
        fd, name = tempfile.mkstemp(prefix="callframe-", suffix=".arrow")
        os.close(fd)
        path = self.temps.add(Path(name))
        self.pending.append((pool, pool.submit(data, path), path))
        self.settle(_POOL_AHEAD)

    def settle(self, keep: int = 0) -> None:
        """Take the workers' answers, oldest first, until ``keep`` are left waiting."""
        while len(self.pending) > keep:
            pool, index, path = self.pending.popleft()
            names, count = pool.result(index)
            self.names.update(dict.fromkeys(names))
            self.files.append(path)
            self.count += count

    def extend(self, records: Sequence[Any]) -> None:
        """Take these records (objects; anything else is irregular). Records of text, numbers,
        booleans and lists are kept as they are but for the lists (as JSON text): polars makes
        numbers and booleans text as Python does (see :meth:`flush`); the keys holding lists
        are guessed from the record before (exports repeat one shape), then checked."""
        if self.pending:
            self.settle()  # the names in the order the records come
        rows, names, text = self.rows, self.names, _list_text
        guess = self.list_keys
        for record in records:
            if type(record) is not dict:
                raise _IrregularError("a list of objects and other values")
            kinds = list(map(type, record.values()))
            lists = kinds.count(list)
            if lists and dict not in kinds:
                if len(guess) != lists or any(type(record.get(k)) is not list for k in guess):
                    guess = self.list_keys = [k for k, v in record.items() if type(v) is list]
                for key in guess:
                    record[key] = text(record[key])
            if dict in kinds or not _PLAIN_OR_LIST.issuperset(kinds):
                record = _flatten(record)
            names.update(record)
            rows.append(record)
            if len(rows) >= self.limit:
                self.flush()
                rows = self.rows

    def frame(self) -> pl.DataFrame:
        """The records taken (not yet spilled) as text columns."""
        schema = {_PAD: pl.String(), **dict.fromkeys(self.names, pl.String())}
        try:
            return pl.from_dicts(self.rows, schema=schema)
        except UnicodeEncodeError:  # an escaped lone surrogate: read whole says where
            raise _IrregularError("a value that is not text") from None
        except (pl.exceptions.PolarsError, TypeError, OverflowError):
            # an integer beyond 64 bits: Python writes every value of this chunk as text
            return pl.from_dicts([_flatten(r) for r in self.rows], schema=schema)

    def flush(self) -> None:
        self.settle()
        if not self.rows:
            return
        frame = self.frame()
        fd, name = tempfile.mkstemp(prefix="callframe-", suffix=".arrow")
        path = self.temps.add(Path(name))
        with open(fd, "wb") as fh:
            frame.write_ipc(fh, compression="uncompressed")
        self.files.append(path)
        self.count += len(self.rows)
        self.rows = []

    def lazy(self) -> pl.LazyFrame:
        self.flush()
        names = list(self.names)
        if not names:  # no record has a field: as many empty rows as records (as read whole)
            return pl.from_dicts([{}] * self.count, schema={}).lazy()
        shapes = {tuple(pl.read_ipc_schema(f)) for f in self.files}
        if len(shapes) == 1:  # the usual export: one scan of every file, read one after another
            return pl.scan_ipc(self.files).select(names)
        # records of several shapes: each file its own scan, aligned by name (many sources at
        # once hold more memory: 398 -> 344 MB peak on 10M records when one scan reads them)
        parts = [pl.scan_ipc(f) for f in self.files]
        return pl.concat(parts, how="diagonal").select(names)


class _Text:
    """A file's text, decoded in chunks, with a read position (``pos``) into ``buf``."""

    def __init__(self, fh: IO[bytes], codec: str) -> None:
        self.fh = fh
        self.decoder = codecs.getincrementaldecoder(codec)()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.reads = 0
        self.utf8 = codecs.lookup(codec).name in ("utf-8", "utf-8-sig")

    def more(self, size: int = 0) -> None:
        """Append the next chunk (:data:`_TEXT_CHUNK` bytes unless ``size``; keeps what is not
        yet consumed)."""
        if self.eof:
            raise _IrregularError("cut short")
        try:
            chunk = self.fh.read(size or _TEXT_CHUNK)
            text = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise _IrregularError("not UTF-8") from None
        self.eof = not chunk
        self.reads += 1
        self.buf = self.buf[self.pos :] + text
        self.pos = 0

    def detach(self) -> bytes:
        """The text not yet consumed as the file's bytes (a UTF-8 file), with those the decoder
        holds of a character cut by the chunk's end: the caller reads on with :meth:`read_raw`
        and gives back the bytes it did not use with :meth:`attach`."""
        pending, flag = self.decoder.getstate()
        self.decoder.setstate((b"", flag))
        rest = self.buf[self.pos :].encode() + pending
        self.buf, self.pos = "", 0
        return rest

    def read_raw(self) -> bytes:
        """The file's next chunk of bytes, undecoded (``b""`` at its end)."""
        chunk = b"" if self.eof else self.fh.read(_TEXT_CHUNK)
        self.eof = not chunk
        return chunk

    def attach(self, raw: bytes) -> None:
        """Text again, from the bytes read past it (:meth:`detach`)."""
        try:
            self.buf = self.decoder.decode(raw, final=self.eof)
        except UnicodeDecodeError:
            raise _IrregularError("not UTF-8") from None
        self.pos = 0
        self.reads += 1

    def peek(self) -> str:
        """The next non-blank character ("" at the end of the file), consuming the blanks."""
        while True:
            end = _WS.match(self.buf, self.pos)
            assert end is not None
            self.pos = end.end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.eof:
                return ""
            self.more()

    def take(self, char: str) -> None:
        if self.peek() != char:
            raise _IrregularError(f"expected {char!r}")
        self.pos += 1

    def value(self, decoder: json.JSONDecoder) -> Any:
        """The next JSON value, parsed (reading more text while it is cut by the chunk's end;
        a value ending exactly there may be a number that goes on: it is parsed again)."""
        self.peek()
        size = _TEXT_CHUNK
        while True:
            try:
                value, end = decoder.raw_decode(self.buf, self.pos)
                if end < len(self.buf) or self.eof:
                    self.pos = end
                    return value
            except json.JSONDecodeError:
                if self.eof:
                    raise _IrregularError("not valid JSON") from None
            self.more(size)
            size *= 2


class _Reader:
    """One pass over a JSON document: the members around the records parsed as they come, every
    list of objects spilled record by record (the document keeps a stand-in: ``[{}]``)."""

    def __init__(self, text: _Text, temps: Temps, pool: Pool | None = None) -> None:
        self.text = text
        self.temps = temps
        self.decoder = json.JSONDecoder(parse_float=str)
        self.spills: dict[str, _Spill] = {}
        self.failed_at = -1  # the text chunk in which a batch failed: not tried again there
        self.raw_failed_at = -1  # the same for a run of batches sent as bytes
        self.pool = pool
        self.openers: dict[int, str] = {}  # a spill's first record's text up to its first key

    def document(self) -> Any:
        c = self.text.peek()
        if c == "{":
            doc: Any = self.object("")
        elif c == "[":
            doc = self.array("")
        else:
            doc = self.text.value(self.decoder)
        if self.text.peek():
            raise _IrregularError("more than one document")  # NDJSON, or not JSON
        return doc

    def object(self, prefix: str) -> dict[str, Any]:
        text = self.text
        text.take("{")
        out: dict[str, Any] = {}
        if text.peek() == "}":
            text.pos += 1
            return out
        while True:
            if text.peek() != '"':
                raise _IrregularError("expected a key")
            key = text.value(self.decoder)
            if key in out or "." in key or key.endswith(("[]", "{}")):
                raise _IrregularError("a key the envelope paths cannot name")
            text.take(":")
            c = text.peek()
            if c == "{":
                out[key] = self.object(f"{prefix}{key}.")
            elif c == "[":
                out[key] = self.array(f"{prefix}{key}")
            else:
                out[key] = text.value(self.decoder)
            c = text.peek()
            text.pos += 1
            if c == "}":
                return out
            if c != ",":
                raise _IrregularError("expected , or }")

    def array(self, path: str) -> list[Any]:
        text = self.text
        text.take("[")
        if text.peek() == "]":
            text.pos += 1
            return []
        items: list[Any] = []
        spill: _Spill | None = None
        while True:
            if spill is not None and self.batch(spill):
                continue
            first = ""
            if spill is None and not items and text.peek() == "{":
                first = text.buf[text.pos : text.pos + 4096]
            item = text.value(self.decoder)
            if spill is None and not items and isinstance(item, dict):
                spill = self.spills[path] = _Spill(self.temps)
                opener = _OPENER.match(first)
                if opener is not None:
                    self.openers[id(spill)] = opener.group()
            if spill is None:
                items.append(item)
            elif isinstance(item, dict):
                spill.add(item)
            else:
                raise _IrregularError("a list of objects and other values")
            c = text.peek()
            text.pos += 1
            if c == "]":
                if spill is None:
                    return items
                spill.settle()
                return [{}]
            if c != ",":
                raise _IrregularError("expected , or ]")

    def batch(self, spill: _Spill) -> bool:
        """Parse the records up to a ``},`` near the end of the text at hand with one call (the
        text ``[…]`` parses only when the cut falls between two records, not inside a string
        or a record's own list: then a few earlier ``},`` are tried); ``False`` when it cannot."""
        text = self.text
        text.peek()
        if self.pool is not None and self.sent(spill, self.pool):
            return True
        if self.failed_at == text.reads:
            return False
        cut = len(text.buf)
        for _ in range(_CUTS):
            cut = text.buf.rfind("},", text.pos, cut)
            if cut < 0:
                return False
            try:
                records = self.decoder.decode("[" + text.buf[text.pos : cut + 1] + "]")
            except json.JSONDecodeError:
                continue
            spill.extend(records)
            text.pos = cut + 2
            return True
        self.failed_at = text.reads  # record by record until the next chunk of text
        return False

    def sent(self, spill: _Spill, pool: Pool) -> bool:
        """Send the records up to the last place where a record starts as the first one did
        (``},`` then its first key) to a worker, unparsed; the worker's parse tells whether
        the cut fell between records (when not, :class:`PoolError`: the file is read again
        without workers)."""
        text = self.text
        opener = self.openers.get(id(spill))
        if opener is None:
            return False
        if text.utf8:
            return self.sent_bytes(spill, pool, opener.encode())
        if len(text.buf) - text.pos < _TEXT_CHUNK // 2 and not text.eof:
            text.more()
        buf = text.buf
        at = buf.rfind(opener, text.pos + 1)
        if at < 0:
            return False
        comma = at - 1
        while buf[comma] in " \t\n\r":
            comma -= 1
        end = comma - 1
        while end > text.pos and buf[end] in " \t\n\r":
            end -= 1
        if buf[comma] != "," or buf[end] != "}":
            return False
        spill.submit(pool, buf[text.pos : end + 1].encode("utf-8", "surrogatepass"))
        text.pos = comma + 1
        return True

    def sent_bytes(self, spill: _Spill, pool: Pool, opener: bytes) -> bool:
        """:meth:`sent` on a UTF-8 file's bytes, batch after batch: they go to the workers as
        read, neither decoded nor encoded again (which was most of the parent's time; a
        worker's strict parse checks them); what is left when no cut is found is text again,
        read record by record until the next chunk. ``True`` when a batch was sent."""
        text = self.text
        if self.raw_failed_at == text.reads:
            return False
        raw = text.detach()
        sent = False
        while True:
            if len(raw) < _TEXT_CHUNK // 2 and not text.eof:
                raw += text.read_raw()
            end, comma = _cut(raw, opener)
            if end < 0:
                break
            spill.submit(pool, raw[: end + 1])
            raw = raw[comma + 1 :]
            sent = True
        text.attach(raw)
        self.raw_failed_at = text.reads
        return sent


_BLANKS = frozenset(b" \t\n\r")


def _cut(raw: bytes, opener: bytes) -> tuple[int, int]:
    """Where a run of records in ``raw`` ends before the last record that starts as the
    first one did (``}``, then ``,`` then ``opener``, blanks between): the indexes of that
    ``}`` and ``,``, or ``(-1, -1)`` (the last :data:`_CUTS` places tried)."""
    at = len(raw)
    for _ in range(_CUTS):
        at = raw.rfind(opener, 1, at)
        if at < 0:
            break
        comma = at - 1
        while comma > 0 and raw[comma] in _BLANKS:
            comma -= 1
        end = comma - 1
        while end > 0 and raw[end] in _BLANKS:
            end -= 1
        if raw[comma] == ord(",") and raw[end] == ord("}"):
            return end, comma
    return -1, -1


def _ndjson(path: Path, codec: str, temps: Temps) -> _Spill:
    """The file read as NDJSON, line by line (lines as ``str.splitlines`` cuts them)."""
    spill = _Spill(temps)
    lines = 0
    with path.open("rb") as fh:
        text = _Text(fh, codec)
        carry = ""
        while not text.eof:
            text.more()
            parts = (carry + text.buf).splitlines(keepends=True)
            text.buf, text.pos = "", 0
            carry = parts.pop() if parts and not text.eof else ""
            for part in parts:
                line = part.splitlines()[0] if part.strip() else ""
                if not line.strip():
                    continue
                try:
                    record = json.loads(line, parse_float=str)
                except json.JSONDecodeError:
                    raise _IrregularError("not NDJSON") from None
                if not isinstance(record, dict):
                    raise _IrregularError("NDJSON of other values than objects")
                spill.add(record)
                lines += 1
    if lines < 2:
        raise _IrregularError("one line is not NDJSON")
    return spill


def _touches(tried: Sequence[str], spilled: Sequence[str]) -> bool:
    """Whether an envelope path tried reaches into a spilled list other than as a whole (then
    the stand-in would answer differently from the real list)."""
    for path in tried:
        parts = [p[:-2] if p.endswith(("[]", "{}")) else p for p in path.split(".")]
        prefixes = {".".join(parts[: i + 1]) for i in range(len(parts))}
        if any(s in prefixes and s != path for s in spilled):
            return True
    return False


def scan_json_file(
    path: Path, head: bytes, where: str | None, envelopes: Sequence[str]
) -> ScannedExport | None:
    """A large JSON file read in bounded memory, or ``None`` when it is not of a plain shape
    (read it whole with :func:`read_json`: the same answer, or the error, comes from there)."""
    workers = min(2, os.cpu_count() or 1)
    if workers > 1 and path.stat().st_size >= POOL_BYTES and not getattr(sys, "frozen", False):
        try:
            pool = Pool(workers)
        except OSError:  # no interpreter to start: read alone
            return _scan_json_file(path, head, where, envelopes, None)
        try:
            return _scan_json_file(path, head, where, envelopes, pool)
        except PoolError:
            pass  # a cut fell inside a record, or the text is not JSON: read it again alone
        finally:
            pool.close()
    return _scan_json_file(path, head, where, envelopes, None)


def _scan_json_file(
    path: Path, head: bytes, where: str | None, envelopes: Sequence[str], pool: Pool | None
) -> ScannedExport | None:
    codec = _json_codec(head)
    temps = Temps()
    try:
        spills: dict[str, _Spill]
        try:
            with path.open("rb") as fh:
                reader = _Reader(_Text(fh, codec), temps, pool)
                doc = reader.document()
            spills = reader.spills
        except _IrregularError as irregular:
            if str(irregular) != "more than one document":
                raise
            if pool is not None:
                pool.close()
            temps.close()
            temps = Temps()
            doc, spills = [{}], {"": _ndjson(path, codec, temps)}
        try:
            records, envelope, tried = _choose_records(doc, envelopes, where)
        except ExportError:
            raise _IrregularError("no records") from None
        if _touches(tried, list(spills)):
            raise _IrregularError("an envelope through a spilled list")
        key = envelope if envelope is not None else ""
        if key in spills and (envelope is not None or isinstance(doc, list)):
            lazy = spills[key].lazy()
        else:
            frame = read_json_records(records, where)
            lazy = frame.lazy()
    except BaseException as exc:
        if pool is not None:
            pool.close()  # first: no worker writes a file after it is removed
        temps.close()
        if isinstance(exc, _IrregularError):
            return None
        raise
    for name, spill in spills.items():
        if name != key:  # lists that are not the records: their spilled files are not needed
            for file in spill.files:
                file.unlink(missing_ok=True)
    scan = ScannedExport(
        lazy=lazy, format="json", source=where, encoding="utf-8", envelope=envelope
    )
    return hooked(scan, temps=temps)


def read_json_records(
    records: Iterator[dict[str, Any]] | list[dict[str, Any]], where: str | None = None
) -> pl.DataFrame:
    """Records flattened into a frame of text columns (names in first-seen order).

    A string holding an escaped lone surrogate (``"\\ud800"``: valid JSON, not text) is an
    :class:`~callframe.ExportError` naming the record and the field (polars cannot hold it)."""
    rows = [_flatten(r) for r in records]
    names: dict[str, None] = {}
    for r in rows:
        names.update(dict.fromkeys(r))
    schema = dict.fromkeys(names, pl.String())
    try:
        return pl.from_dicts(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    except UnicodeEncodeError:
        raise _not_text(rows, where) from None


def _not_text(rows: list[dict[str, Any]], where: str | None) -> ExportError:
    """The error of the first value that is not text (an escaped lone surrogate)."""
    for number, row in enumerate(rows, start=1):
        for name, value in row.items():
            if isinstance(value, str):
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError as exc:
                    code = ord(value[exc.start])
                    return ExportError(
                        f"record {number}, field {name!r}: an escaped lone surrogate "
                        f"(\\u{code:04x}) is not text; correct that value in the export",
                        path=where,
                    )
    return ExportError("has a value that is not text (a lone surrogate)", path=where)


def spill_batch(data: bytes, path: Path) -> tuple[list[str], int]:
    """A worker's job (:mod:`callframe.io._json_pool`): the records in ``data`` (the UTF-8
    text of a run of them, without the list's brackets) parsed, flattened and written to
    ``path`` as IPC; the column names met, in order, and the number of records.

    ``orjson`` parses them first (twice as fast as ``json``, which was most of a worker's
    time); its records are taken only when they are the ones ``json`` gives (see
    :func:`_orjson_frame`), else ``json`` parses the batch again."""
    quick = _orjson_frame(data)
    if quick is not None:
        frame, count = quick
    else:
        text = data.decode("utf-8")  # strictly: a UTF-8 file's bytes are sent unchecked
        records = json.JSONDecoder(parse_float=str).decode("[" + text + "]")
        count = len(records)
        same = _same_keys_frame(records)
        if same is None:
            spill = _Spill(Temps())
            spill.limit = count + 1
            spill.extend(records)
            same = spill.frame()
        frame = same
    with path.open("wb") as fh:
        frame.write_ipc(fh, compression="uncompressed")
    return [name for name in frame.columns if name != _PAD], count


def _orjson_frame(data: bytes) -> tuple[pl.DataFrame, int] | None:
    """The batch's frame and record count when ``orjson`` parses it to what ``json`` does;
    ``None`` otherwise. ``orjson`` refuses some text ``json`` reads (NaN and Infinity, an
    escaped lone surrogate, nesting beyond 1024 levels) and makes floats of the numbers that
    ``json`` is told to keep as their text (with a fraction or an exponent) and of integers
    beyond 64 bits: the column-by-column frame takes no float (:func:`_same_keys_frame`), and
    the other integers, the strings, booleans, nulls and duplicate keys (the last one wins,
    in the first one's place) come out as ``json`` gives them."""
    try:
        records = orjson.loads(b"[" + data + b"]")
    except orjson.JSONDecodeError:
        return None
    frame = _same_keys_frame(records, by_orjson=True)
    return None if frame is None else (frame, len(records))


_NONE = type(None)
_FLOAT_IN_LIST = re.compile(r"[\[ ]-?[0-9]+[.e]")
"""A float as the list encoder writes it (``repr``: digits then ``.`` or ``e``), after ``[``
or a separator's space; inside a string it is a false alarm, never a miss."""


def _same_keys_frame(records: list[Any], *, by_orjson: bool = False) -> pl.DataFrame | None:
    """The frame :meth:`_Spill.frame` makes of these records, built column by column when
    every record has the same keys in the same order and each key holds one kind of plain
    value (text, integers, booleans or lists, and nulls); ``None`` otherwise, and when a list
    may hold a float (a JSON number with a fraction or an exponent that ``orjson`` parsed: it
    is not the text ``json`` keeps; a string that looks like one only costs the slower way).

    A column whose first value is text is tried as text first (polars refuses any other kind
    of value there). Lists parsed by ``orjson`` (``by_orjson``) are written once per distinct
    list: ``orjson.dumps`` tells them apart (exactly, for what ``orjson`` parses; not for the
    NaN ``json`` reads, which it writes as null)."""
    if not records or type(records[0]) is not dict or not records[0]:
        return None
    keys = tuple(records[0])
    if any(type(r) is not dict or tuple(r) != keys for r in records):
        return None
    columns: dict[str, pl.Series] = {_PAD: pl.Series(_PAD, [None] * len(records), pl.String)}
    for key, values in zip(keys, zip(*map(dict.values, records), strict=True), strict=True):
        if type(values[0]) is str:
            try:
                columns[key] = pl.Series(key, values, pl.String)
                continue
            except TypeError:  # another kind of value further on
                pass
        kinds = set(map(type, values))
        kinds.discard(_NONE)
        if not kinds or kinds == {str}:
            series = pl.Series(key, values, pl.String)
        elif kinds == {list}:
            texts = (
                _list_texts(values)
                if by_orjson
                else [v if v is None else _list_text(v) for v in values]
            )
            if _FLOAT_IN_LIST.search("".join(set(filter(None, texts)))):
                return None
            series = pl.Series(key, texts, pl.String)
        elif kinds == {int} or kinds == {bool}:
            try:
                series = pl.Series(key, values).cast(pl.String)
            except (pl.exceptions.PolarsError, OverflowError, TypeError):
                return None
        else:
            return None
        columns[key] = series
    return pl.DataFrame(columns)


def _list_texts(values: Sequence[list[Any] | None]) -> list[str | None]:
    """:func:`_list_text` of each list parsed by ``orjson`` (or null), once per distinct one
    (an export repeats a few tags)."""
    known: dict[bytes, str] = {}
    texts: list[str | None] = []
    for value in values:
        if not value:
            texts.append(None if value is None else "[]")
            continue
        key = orjson.dumps(value)
        text = known.get(key)
        if text is None:
            text = known[key] = _list_text(value)
        texts.append(text)
    return texts

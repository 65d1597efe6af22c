"""Sniffing an export from its first bytes: the format, the encoding, the delimiter, and
whether the first line is a header. Pure functions on bytes and text; nothing is read here."""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path

from callframe.io._export import ExportFormat

__all__ = [
    "BOMS",
    "CHUNK_BYTES",
    "CYRILLIC_PAGES",
    "EXTENSIONS",
    "HEAD_BYTES",
    "SNIFF_BYTES",
    "SNIFF_LINES",
    "canonical_codec",
    "head_text",
    "looks_like_header",
    "shown",
    "sniff_cyrillic",
    "sniff_delimiter",
    "sniff_encoding",
    "sniff_format",
    "sniff_head_encoding",
]

SNIFF_BYTES = 64 * 1024
HEAD_BYTES = 4 * SNIFF_BYTES
CHUNK_BYTES = 16 * 1024 * 1024
SNIFF_LINES = 25
_DELIMITERS = (",", ";", "\t", "|")
CYRILLIC_PAGES = ["cp1251", "koi8_r", "cp866"]
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DATA_LIKE = re.compile(r"^[\s\d+\-().:/,\[\]]*$")
EXTENSIONS: dict[str, ExportFormat] = {
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


def sniff_format(raw: bytes, where: str | None) -> ExportFormat:
    """The format told by the file's name, else by its first bytes."""
    if where is not None:
        known = EXTENSIONS.get(Path(where).suffix.lower())
        if known:
            return known
    head = raw[:8]
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    text = raw[:1024]
    for bom, _ in BOMS:
        if text.startswith(bom):
            text = text[len(bom) :]
            break
    if text.lstrip()[:1] in (b"{", b"["):
        return "json"
    return "csv"


def sniff_encoding(raw: bytes) -> tuple[str, tuple[str, ...]]:
    """The codec to decode ``raw`` with, and what was tried (for error messages)."""
    for bom, codec in BOMS:
        if raw.startswith(bom):
            return codec, (codec,)
    try:
        raw.decode("utf-8")
        return "utf-8", ("utf-8",)
    except UnicodeDecodeError:
        pass
    return sniff_cyrillic(raw), ("utf-8", *CYRILLIC_PAGES)


def sniff_head_encoding(head: bytes) -> tuple[str, tuple[str, ...]]:
    """As :func:`sniff_encoding`, from the first bytes of a file only (UTF-8 is then confirmed
    by polars while it reads the whole file)."""
    for bom, codec in BOMS:
        if head.startswith(bom):
            return codec, (codec,)
    try:
        head_text(head, "utf-8", final=False)
        return "utf-8", ("utf-8",)
    except UnicodeDecodeError:
        pass
    return sniff_cyrillic(head), ("utf-8", *CYRILLIC_PAGES)


def sniff_cyrillic(raw: bytes) -> str:
    """The likeliest Cyrillic code page of ``raw`` (Windows-1251 when nothing fits better)."""
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:HEAD_BYTES], cp_isolation=CYRILLIC_PAGES).best()
    return best.encoding if best is not None else "cp1251"


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter giving the first lines the most consistent (then widest) rows."""
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


def looks_like_header(first: list[str]) -> bool:
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


def head_text(head: bytes, codec: str, *, final: bool) -> str:
    """The first bytes decoded (an incomplete last character is left out unless ``final``)."""
    return codecs.getincrementaldecoder(codec)().decode(head, final=final)


def canonical_codec(codec: str) -> str:
    """Python's own name for ``codec`` (``cp1251`` for ``windows-1251``)."""
    try:
        name = codecs.lookup(codec).name
    except LookupError:
        return codec
    return {"utf-8-sig": "utf-8-sig", "utf-8": "utf-8"}.get(name, name)


def shown(sep: str) -> str:
    """A delimiter as error messages show it."""
    return "tab" if sep == "\t" else repr(sep)

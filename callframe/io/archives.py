"""Compressed files: told by their first bytes (not their name), unpacked on purpose.

Trackers hand exports out as ``.csv.gz`` or as a ``.zip`` holding one file. :func:`archive_kind`
tells a gzip stream or a zip archive from its magic bytes (an Office file, which is a zip too, is
not an archive here: ``.xlsx`` is read as a workbook); :func:`unpack` returns the one export inside
and its name, or raises :class:`~callframe.ExportError` naming the file and what to do when the
archive is broken, cut short, empty or holds several exports (listed).
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import IO, Literal

from callframe.errors import ExportError

__all__ = ["ArchiveKind", "archive_kind", "unpack", "unpack_to_file"]

ArchiveKind = Literal["gzip", "zip"]

_GZIP = b"\x1f\x8b"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive's end record
_JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")
_OFFICE = ("[Content_Types].xml", "xl/", "word/", "ppt/")  # an Office file, not an archive
_COPY_BYTES = 16 * 1024 * 1024


def archive_kind(head: bytes) -> ArchiveKind | None:
    """``gzip`` or ``zip`` from a file's first bytes, or ``None``. (An Office workbook is a zip
    too: :func:`unpack` tells.)"""
    if head.startswith(_GZIP):
        return "gzip"
    if head.startswith(_ZIP):
        return "zip"
    return None


def unpack(raw: bytes, kind: ArchiveKind, where: str | None) -> tuple[bytes, str] | None:
    """The bytes of the one export inside the archive ``raw`` and its name; ``None`` for a zip
    that is an Office workbook (``[Content_Types].xml`` inside: read it as ``.xlsx``)."""
    outer = Path(where).name if where else "the archive"
    if kind == "gzip":
        return _gunzip(raw, where), _inner_gzip_name(raw, outer)
    return _unzip(raw, where)


def unpack_to_file(path: Path, kind: ArchiveKind, head: bytes) -> tuple[Path, str] | None:
    """The one export inside the archive file ``path``, decompressed in chunks to a temporary
    file (the caller removes it), and its name; ``None`` whenever that is not the plain case (a
    broken or cut archive, several files, an Office workbook …): :func:`unpack` then says why."""
    fd, name = tempfile.mkstemp(prefix="callframe-", suffix=".unpacked")
    target = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            inner = _copy_gzip(path, head, out) if kind == "gzip" else _copy_zip(path, out)
    except (EOFError, OSError, zlib.error, zipfile.BadZipFile, ValueError, RuntimeError):
        inner = None
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if inner is None:
        target.unlink(missing_ok=True)
        return None
    return target, inner


def _copy_gzip(path: Path, head: bytes, out: IO[bytes]) -> str:
    with gzip.open(path, "rb") as src:
        shutil.copyfileobj(src, out, _COPY_BYTES)
    return _inner_gzip_name(head, path.name)


def _copy_zip(path: Path, out: IO[bytes]) -> str | None:
    with zipfile.ZipFile(path) as archive:
        if any(n == _OFFICE[0] or n.startswith(_OFFICE[1:]) for n in archive.namelist()):
            return None
        members = [
            m
            for m in archive.infolist()
            if not m.is_dir() and not any(j in m.filename for j in _JUNK)
        ]
        if len(members) != 1:
            return None
        with archive.open(members[0]) as src:
            shutil.copyfileobj(src, out, _COPY_BYTES)
        return members[0].filename


def _gunzip(raw: bytes, where: str | None) -> bytes:
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        reason = str(exc) or type(exc).__name__
        raise ExportError(
            f"is a gzip archive that is broken or cut short ({reason}); download the export "
            "again, or unpack it yourself (gunzip) and pass the file inside",
            path=where,
            tried=("gzip",),
        ) from None


def _inner_gzip_name(raw: bytes, outer: str) -> str:
    """The original name kept in the gzip header (``FNAME``), else the file's without ``.gz``."""
    if len(raw) > 10 and raw[3] & 0x08:
        end = raw.find(b"\x00", 10)
        if end > 10:
            return raw[10:end].decode("latin-1")
    return outer[:-3] if outer.lower().endswith(".gz") else outer


def _unzip(raw: bytes, where: str | None) -> tuple[bytes, str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if any(n == _OFFICE[0] or n.startswith(_OFFICE[1:]) for n in archive.namelist()):
                return None
            members = [
                m
                for m in archive.infolist()
                if not m.is_dir() and not any(j in m.filename for j in _JUNK)
            ]
            if len(members) != 1:
                names = ", ".join(m.filename for m in members[:10]) or "nothing"
                more = f" and {len(members) - 10} more" if len(members) > 10 else ""
                raise ExportError(
                    f"is a zip archive holding {len(members)} files ({names}{more}), not one "
                    "export: unpack it and pass the export file itself",
                    path=where,
                    tried=("zip",),
                )
            member = members[0]
            return archive.read(member), member.filename
    except ExportError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error, ValueError) as exc:
        reason = str(exc) or type(exc).__name__
        raise ExportError(
            f"is a zip archive that is broken or cut short ({reason}); download the export "
            "again, or unpack it yourself and pass the file inside",
            path=where,
            tried=("zip",),
        ) from None
    except RuntimeError as exc:  # an encrypted member
        raise ExportError(
            f"is a zip archive callframe cannot open ({exc}); unpack it yourself and pass the "
            "file inside",
            path=where,
            tried=("zip",),
        ) from None

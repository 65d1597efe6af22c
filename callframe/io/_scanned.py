"""What :func:`~callframe.io.exports.scan_export` returns: an export's rows as a ``LazyFrame`` of
text, its provenance, and the ways back to the file (its original rows, a polars error met while
streaming explained as an :class:`~callframe.ExportError`). Temporary files it reads from (a
transcoded copy, spilled JSON records) live as long as it does."""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from callframe.errors import ExportError
from callframe.io._export import ExportFormat, TrackerExport

__all__ = ["ScannedExport", "Temps", "hooked", "polars_message", "with_archive"]


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
    paths.clear()


class Temps:
    """Temporary files owned by one scan: removed when it is garbage-collected, when
    :meth:`close` is called, or at interpreter exit, whichever comes first."""

    def __init__(self) -> None:
        self.paths: list[Path] = []
        self._finalizer = weakref.finalize(self, _remove, self.paths)

    def add(self, path: Path) -> Path:
        self.paths.append(path)
        return path

    def close(self) -> None:
        self._finalizer()


def polars_message(exc: BaseException) -> str:
    """The first line of a polars error (the rest is polars' own advice)."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


@dataclass(frozen=True)
class ScannedExport:
    """An export's rows, lazily: ``lazy`` has every column as ``String``, named exactly as
    :func:`~callframe.io.exports.read_export` names them; the rest is the provenance (as in
    :class:`~callframe.io.exports.TrackerExport`).

    Nothing is read until the frame is collected (or sunk); a polars error met then is turned
    into the :class:`~callframe.ExportError` ``read_export`` raises by :meth:`explain`.

    ``lazy`` may read temporary files (a code page transcoded to UTF-8, JSON records spilled,
    an archive unpacked): they are removed when this object is garbage-collected or closed, so
    keep it while a query built on ``lazy`` runs.
    """

    lazy: pl.LazyFrame
    format: ExportFormat
    source: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header: bool | None = None
    envelope: str | None = None
    sheet: str | None = None
    archive: str | None = None
    # set by the readers through :func:`hooked` (not constructor arguments: nothing a user passes)
    _full: Callable[[], pl.LazyFrame] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _explain: Callable[[pl.exceptions.PolarsError], ExportError] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _rescan: Callable[[pl.exceptions.PolarsError], ScannedExport | None] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _temps: Temps | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def columns(self) -> list[str]:
        """The column names, from the schema (no data read)."""
        return self.lazy.collect_schema().names()

    def head(self, n: int = 1_000) -> pl.DataFrame:
        """The first ``n`` rows (for detection, probes, layouts); only they are read."""
        try:
            return self.lazy.head(n).collect()
        except pl.exceptions.PolarsError as exc:
            raise self.explain(exc) from None

    def collect(self) -> TrackerExport:
        """The whole export in memory: what :func:`~callframe.io.exports.read_export` returns
        (a file found not to be UTF-8 past its first bytes is read again in its code page)."""
        try:
            frame = self.lazy.collect()
        except pl.exceptions.PolarsError as exc:
            again = self.rescan(exc)
            if again is None:
                raise self.explain(exc) from None
            return again.collect()
        return TrackerExport(
            frame=frame,
            format=self.format,
            source=self.source,
            encoding=self.encoding,
            delimiter=self.delimiter,
            header=self.header,
            envelope=self.envelope,
            sheet=self.sheet,
            archive=self.archive,
        )

    def original_rows(self, rows: pl.Series) -> pl.DataFrame:
        """Every column of the export's rows numbered ``rows`` (1-based), in export order (read
        again when ``columns=`` left some out): the rejected rows as the tracker wrote them."""
        try:
            return self.numbered_rows(rows).drop("__row").collect()
        except pl.exceptions.PolarsError as exc:
            raise self.explain(exc) from None

    def numbered_rows(self, rows: pl.Series) -> pl.LazyFrame:
        """What :meth:`original_rows` collects, as a query (to sink), with their ``__row``
        (Int64) after the export's columns."""
        full = self._full() if self._full is not None else self.lazy
        wanted = rows.cast(pl.Int64).unique().implode()
        numbered = full.with_row_index("__row", offset=1)
        return (
            numbered.with_columns(pl.col("__row").cast(pl.Int64))
            .filter(pl.col("__row").is_in(wanted))
            .select(pl.exclude("__row"), "__row")
        )

    def explain(self, exc: pl.exceptions.PolarsError) -> ExportError:
        """A polars error met while reading this export (a ragged line, bad UTF-8 late in a
        file) as the specific :class:`~callframe.ExportError`: file, line, what to do."""
        if self._explain is not None:
            return self._explain(exc)
        return ExportError(f"cannot be read ({polars_message(exc)})", path=self.source)

    def rescan(self, exc: pl.exceptions.PolarsError) -> ScannedExport | None:
        """The export scanned again the way :func:`~callframe.io.exports.read_export` recovers
        from ``exc`` (a CSV whose first bytes were UTF-8 and whose later bytes are not: read in
        the sniffed Cyrillic code page), or ``None`` when ``exc`` is not recoverable."""
        return self._rescan(exc) if self._rescan is not None else None

    def close(self) -> None:
        """Remove the temporary files now (otherwise when this object is garbage-collected)."""
        if self._temps is not None:
            self._temps.close()


def hooked(
    scan: ScannedExport,
    *,
    full: Callable[[], pl.LazyFrame] | None = None,
    explain: Callable[[pl.exceptions.PolarsError], ExportError] | None = None,
    rescan: Callable[[pl.exceptions.PolarsError], ScannedExport | None] | None = None,
    temps: Temps | None = None,
) -> ScannedExport:
    """``scan`` given its ways back to the file: the unprojected rows (``full``), the reader's
    own error explanation and recovery, and the temporary files it reads from."""
    object.__setattr__(scan, "_full", full)
    object.__setattr__(scan, "_explain", explain)
    object.__setattr__(scan, "_rescan", rescan)
    object.__setattr__(scan, "_temps", temps)
    return scan


def with_archive(scan: ScannedExport, archive: str, unpacked: Path | None = None) -> ScannedExport:
    """``scan`` read from inside an archive (``gzip:calls.csv``), its hooks kept; ``unpacked``,
    the temporary file the export was unpacked to, then lives as long as the scan."""
    temps = scan._temps
    if unpacked is not None:
        temps = temps or Temps()
        temps.add(unpacked)
    inner = scan._rescan

    def rescan(exc: pl.exceptions.PolarsError) -> ScannedExport | None:
        again = inner(exc) if inner is not None else None
        return with_archive(again, archive) if again is not None else None

    return hooked(
        dataclasses.replace(scan, archive=archive),
        full=scan._full,
        explain=scan._explain,
        rescan=rescan,
        temps=temps,
    )

"""Adapters by name, and detection of which one fits an export.

Every module in :mod:`callframe.trackers` that defines ``ADAPTER`` is registered under
``ADAPTER.name`` the first time the registry is used, so adding a tracker means adding one file.
Adapters from outside the package are added with :func:`register`.

:func:`detect` scores each adapter by the share of its signature columns the export has; an
adapter fits when it scores at least :data:`MIN_SCORE` and the export has every column it
requires. When none fits, :class:`~callframe.ExportError` names the two closest adapters with
the columns they missed, and points to the ``generic`` adapter (a column mapping).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from callframe.engine.adapter import Adapter
from callframe.errors import ExportError, UsageError
from callframe.io.exports import KNOWN_ENVELOPES, TrackerExport, read_export

__all__ = [
    "MIN_SCORE",
    "Detection",
    "adapters",
    "detect",
    "envelopes",
    "get_adapter",
    "names",
    "rank",
    "register",
    "trackers_markdown",
]

MIN_SCORE = 0.5
"""The least share of an adapter's signature an export must show to be taken for it."""

_REGISTRY: dict[str, Adapter] = {}
_DISCOVERED = False


def _discover() -> None:
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    import callframe.trackers as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        adapter = getattr(module, "ADAPTER", None)
        if isinstance(adapter, Adapter) and adapter.name not in _REGISTRY:
            _REGISTRY[adapter.name] = adapter


def register(adapter: Adapter, *, replace: bool = False) -> Adapter:
    """Add ``adapter`` under its name (``replace=True`` to override a registered one)."""
    _discover()
    if adapter.name in _REGISTRY and not replace:
        raise UsageError(
            f"an adapter named {adapter.name!r} is registered already; pass replace=True"
        )
    _REGISTRY[adapter.name] = adapter
    return adapter


def adapters() -> tuple[Adapter, ...]:
    """Every registered adapter, sorted by name."""
    _discover()
    return tuple(_REGISTRY[n] for n in sorted(_REGISTRY))


def names() -> tuple[str, ...]:
    """The names of every tracker adapter (``--tracker`` values)."""
    return tuple(a.name for a in adapters())


def get_adapter(name: str) -> Adapter:
    """The adapter called ``name``; :class:`~callframe.UsageError` lists the names otherwise.

    ``name`` may carry options after a colon, ``;`` between them (lists with ``,``), for adapters
    that take some: ``asterisk:layout=cdr_custom``, ``asterisk:trunk_channels=SIP/mtt,SIP/beeline``.
    """
    _discover()
    base, _, text = name.partition(":")
    try:
        adapter = _REGISTRY[base.strip().lower()]
    except KeyError:
        raise UsageError(f"unknown tracker {name!r}: use one of {', '.join(names())}") from None
    if not text.strip():
        return adapter
    if adapter.configure is None:
        raise UsageError(f"the {adapter.name!r} adapter takes no options ({text.strip()!r})")
    options: dict[str, str] = {}
    for item in text.split(";"):
        if not item.strip():
            continue
        key, eq, value = item.partition("=")
        if not eq:
            raise UsageError(f"tracker option {item.strip()!r} needs a value: name=value")
        options[key.strip().lower()] = value.strip()
    return adapter.configure(options)


def envelopes() -> tuple[str, ...]:
    """JSON envelope paths of every adapter, then the reader's own."""
    paths = [p for a in adapters() for p in a.envelopes]
    return tuple(dict.fromkeys([*paths, *KNOWN_ENVELOPES]))


@dataclass(frozen=True, slots=True)
class Detection:
    """How well one adapter fits an export.

    ``score`` is the share of the adapter's signature columns present (0–1); ``fits`` needs
    ``score >= MIN_SCORE`` and no ``missing`` requirement.
    """

    adapter: Adapter
    score: float
    found: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()
    missing: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.adapter.name

    @property
    def fits(self) -> bool:
        return self.score >= MIN_SCORE and not self.missing

    def to_dict(self) -> dict[str, Any]:
        return {
            "tracker": self.name,
            "title": self.adapter.title,
            "score": round(self.score, 3),
            "fits": self.fits,
            "missing": list(self.missing),
            "signature_missing": list(self.lost),
        }


def rank(
    columns: list[str] | tuple[str, ...], frame: pl.DataFrame | None = None
) -> list[Detection]:
    """Every adapter that can be detected, best first (score, then fewer missing, then name).

    ``frame``: the export's rows, for adapters that score a headerless file by its content."""
    out = []
    for a in adapters():
        if not a.signature:
            continue
        score, found, lost = a.score(columns, frame)
        out.append(Detection(a, score, tuple(found), tuple(lost), tuple(a.missing(columns))))
    out.sort(key=lambda d: (not d.fits, -d.score, len(d.missing), d.name))
    return out


def _columns_of(
    data: pl.DataFrame | pl.LazyFrame | TrackerExport | str | Path | bytes,
) -> tuple[list[str], pl.DataFrame | None, str | None]:
    if isinstance(data, TrackerExport):
        return data.frame.columns, data.frame, data.source
    if isinstance(data, pl.DataFrame | pl.LazyFrame):
        frame = data.head(1000).collect() if isinstance(data, pl.LazyFrame) else data.head(1000)
        text = TrackerExport.from_frame(frame).frame
        return text.columns, text, None
    export = read_export(data, envelopes=envelopes())
    return export.frame.columns, export.frame, export.source


def detect(data: pl.DataFrame | pl.LazyFrame | TrackerExport | str | Path | bytes) -> Detection:
    """The adapter whose signature fits ``data`` best (a frame, an export, a path or bytes).

    Raises :class:`~callframe.ExportError` when no adapter fits, naming the two closest and
    the columns they missed.
    """
    columns, frame, source = _columns_of(data)
    ranked = rank(columns, frame)
    if ranked and ranked[0].fits:
        return ranked[0]
    closest = "; ".join(
        f"{d.name} (score {d.score:.2f}, missing {_missing(d)})" for d in ranked[:2]
    )
    shown = ", ".join(columns[:8]) + (" …" if len(columns) > 8 else "")
    raise ExportError(
        f"no adapter fits: matches no known tracker (columns: {shown or 'none'}); "
        f"closest: {closest}. "
        "Name the tracker with --tracker, or map the columns yourself with the generic adapter "
        "(--map mapping.toml / mapping={...})",
        path=source,
    )


def _missing(d: Detection, limit: int = 6) -> str:
    named = {n for req in d.missing for n in req.split(" or ")}
    items = [*d.missing, *(c for c in d.lost if c not in named)]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    if not items and d.score < MIN_SCORE:
        # every column is there by name (headerless column_1 …): the content is what fails
        return "nothing by name, but its content does not fit (no values of that shape)"
    return (", ".join(items[:limit]) + more) or "—"


def trackers_markdown(proven: dict[str, str] | None = None) -> str:
    """The README's table of supported trackers, generated from the registry.

    ``proven``: the cell of a last column "proven on real exports" per adapter name (the README
    passes what ``fixtures/real/manifest.toml`` says); no such column when ``None``.
    """
    head: tuple[str, ...] = (
        "tracker",
        "`--tracker`",
        "reads",
        "call time",
        "Metrica IDs",
        "StaticCall",
        "defaults",
    )
    if proven is not None:
        head += ("proven on real exports",)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for a in adapters():
        nodes = a.nodes()
        ids = "; ".join(
            f"{c} ← {nodes[c].describe()}" for c in ("ClientId", "Yclid", "UserId") if c in nodes
        )
        time = a.time.describe() if a.time is not None else "from the mapping"
        if a.needs_tz():
            time += "; no offset → `--tz`"
        static = nodes["StaticCall"].describe() if "StaticCall" in nodes else "— (`--static`)"
        if a.needs_mapping:
            ids, static = "from the mapping", "from the mapping"
        notes = "; ".join(a.notes) or "—"
        cells = [a.title, f"`{a.name}`", a.source or "—", time, ids or "—", static, notes]
        if proven is not None:
            cells.append(proven.get(a.name, "—"))
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)

"""What a conversion was asked to do, checked once before anything is read.

:func:`resolve` turns the arguments of :func:`callframe.convert` / :func:`callframe.convert_file`
into a :class:`Request`: the adapter (named, built from a mapping, or ``None`` to detect it), the
time zone (an IANA name, checked), the region, ``static``, ``now`` and ``keep_outbound``. A
mapping brings its own ``tz``/``phone_region``/``static`` defaults; the arguments win.
"""

from __future__ import annotations

import dataclasses
import tomllib
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from callframe.engine.adapter import Adapter
from callframe.errors import ExportError, UsageError
from callframe.trackers.registry import get_adapter
from callframe.validation import resolve_now

__all__ = ["MappingSource", "Request", "columns_read", "require_columns", "resolve"]

MappingSource = Mapping[str, Any] | str | Path


@dataclass(frozen=True, slots=True)
class Request:
    """The settings of one conversion. ``adapter``: ``None`` until detected; ``region``:
    ``None`` means the adapter's own (or ``RU``); ``now``: Unix seconds."""

    adapter: Adapter | None
    tz: str | None
    region: str | None
    static: bool | None
    now: int
    keep_outbound: bool

    def with_adapter(self, adapter: Adapter) -> Request:
        """The request for ``adapter`` (detected or resolved), with its region filled in."""
        region = (self.region or adapter.region or "RU").upper()
        return dataclasses.replace(self, adapter=adapter, region=region)


def check_tz(tz: str | None) -> str | None:
    """``tz`` when it names an IANA zone; a :class:`~callframe.UsageError` otherwise."""
    if tz is None:
        return None
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone {tz!r}: give an IANA name such as Europe/Moscow (--tz)"
        ) from None
    return tz


def _load_mapping(mapping: MappingSource) -> Mapping[str, Any]:
    if isinstance(mapping, Mapping):
        return mapping
    path = Path(mapping)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"mapping file {path} does not exist (--map)") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None


def resolve(
    *,
    tracker: str | Adapter | None,
    mapping: MappingSource | None,
    tz: str | None,
    static: bool | None,
    region: str | None,
    now: int | float | datetime | None,
    keep_outbound: bool,
) -> Request:
    """The :class:`Request` for these arguments (see :func:`callframe.convert`)."""
    tz = check_tz(tz)
    when = resolve_now(now)
    adapter: Adapter | None
    if mapping is not None:
        from callframe.trackers.generic import adapter_from_mapping

        if tracker not in (None, "generic"):
            raise UsageError("give either tracker= or mapping= (--tracker or --map), not both")
        generic = adapter_from_mapping(_load_mapping(mapping))
        adapter = generic.adapter
        tz = tz or check_tz(generic.tz)
        region = region or generic.region
        static = generic.static if static is None else static
    elif isinstance(tracker, Adapter):
        adapter = tracker
    elif tracker is not None:
        adapter = get_adapter(tracker)
        if adapter.needs_mapping:
            raise UsageError(
                "the generic adapter needs a mapping: mapping={...} or --map mapping.toml"
            )
    else:
        adapter = None
    return Request(adapter, tz, region, static, when, keep_outbound)


def columns_read(adapter: Adapter) -> set[str]:
    """The export columns ``adapter`` reads (under every name it accepts for them): a CSV export
    is read with only these."""
    nodes = [*adapter.nodes().values(), *(n for _, n in adapter.checks)]
    if adapter.outbound is not None:
        nodes.append(adapter.outbound)
    if adapter.direction is not None:
        nodes.append(adapter.direction)
    names = {c for n in nodes for c in n.reads()}
    names.update(c for req in adapter.requires for c in ((req,) if isinstance(req, str) else req))
    return adapter.with_names(names)


def require_columns(adapter: Adapter, names: Iterable[str], source: str | None) -> None:
    """An :class:`~callframe.ExportError` when an export with these columns is not the named
    tracker's (an empty answer such as ``{"data": []}`` has no columns and passes)."""
    names = list(names)
    missing = adapter.missing(names)
    if missing and names:
        raise ExportError(
            f"is not a {adapter.title} export: it lacks {', '.join(missing)}; "
            "check --tracker, or map the columns with --map",
            path=source,
        )

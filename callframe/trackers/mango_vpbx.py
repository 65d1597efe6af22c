"""Mango Office virtual PBX statistics: the ``vpbx/stats/result`` CSV (``;``, no header).

Columns in the API's default ``fields`` order (read as ``column_1`` …): ``records, start,
finish, answer, from_extension, from_number, to_extension, to_number, disconnect_reason,
line_number, location`` (1–11), then ``create``/``entry_id``. This is the PBX log, with no
Metrica ids; the call-tracking export with ``yaCid`` is :mod:`callframe.trackers.mango`.

==================  ==========================================================================
Metrica column      Mango VPBX
==================  ==========================================================================
DateTime            ``start``, Unix seconds, taken as **true UTC** (see below)
PhoneNumber         ``from_number`` (SIP URIs are not external numbers: left empty, warned)
TalkDuration        ``finish − answer``; 0 when ``answer`` is 0
HoldDuration        ``answer − start``; unanswered: ``finish − start``
CallMissed          ``answer`` = 0 → 1, else 0
StaticCall          always 1: a PBX knows no visit; :func:`callframe.enrich` adds IDs
outbound            ``from_extension`` set and ``to_extension`` empty (an employee called out)
==================  ==========================================================================

Calls from one extension to another are rejected as ``*|internal``.

Defaults to check (UNCONFIRMED/INFERRED in call-trackers.md), each overridable with
:meth:`Adapter.replace`:

* **DateTime**: Mango's docs call these stamps "Unix time, timezone UTC+3", which Unix time
  cannot be. They are read as true Unix UTC (as one integrator does), and every row carries the
  warning ``DateTime|assumed_utc`` so the choice is visible. If a call shows 3 h off against the
  web UI, read them as Moscow wall-clock: ``ADAPTER.replace(time=MOSCOW_WALL_CLOCK, checks=())``
  (keep ``INTERNAL_CHECK`` in ``checks`` if you want internal calls rejected).
* **Columns**: the default ``fields`` order is assumed; a request with other ``fields`` needs
  ``ADAPTER.replace(...)`` with the positions, or the ``generic`` adapter. A file with a 14th
  column is not detected as Mango VPBX.
* ``records`` (recording ids) is not a URL: CallTrackerURL stays empty.
"""

from __future__ import annotations

import polars as pl

from callframe.engine._pbx import AllOf, Not, ShiftedUnixTime, Span
from callframe.engine.adapter import Adapter
from callframe.engine.nodes import Const, Node, Phone, Present, UnixTime, Values
from callframe.engine.rules import ASSUMED_UTC, INTERNAL

__all__ = ["ADAPTER", "INTERNAL_CHECK", "MOSCOW_WALL_CLOCK", "content_score"]

MOSCOW_WALL_CLOCK = ShiftedUnixTime("column_2", shift=-3 * 3600)
"""``start`` read as Moscow wall-clock time written as Unix seconds (the "UTC+3" reading)."""

_FROM_EXT = Present("column_5")
_TO_EXT = Present("column_7")

INTERNAL_CHECK: tuple[str, Node] = (INTERNAL, AllOf(_FROM_EXT, _TO_EXT))


def content_score(frame: pl.DataFrame) -> float:
    """The share of the content checks a headerless frame passes (detection): ``start`` and
    ``finish`` (2, 3) Unix seconds in every row, ``answer`` (4) Unix seconds or 0."""
    unix = r"^\d{9,10}$"
    wanted = {"column_2": unix, "column_3": unix, "column_4": r"^(?:0|\d{9,10})$"}
    if any(c not in frame.columns for c in wanted):
        return 0.0
    sample = frame.head(1_000)
    passed = sample.select(
        pl.col(c).str.strip_chars().str.contains(rx).fill_null(False).all().alias(c)
        for c, rx in wanted.items()
    ).row(0)
    return float(sum(passed)) / len(wanted)


ADAPTER = Adapter(
    name="mango_vpbx",
    title="Mango Office virtual PBX statistics",
    source="`vpbx/stats/result` CSV (`;`, no header)",
    signature=tuple(f"column_{n}" for n in range(1, 12)),
    requires=("column_2", "column_4", "column_6", "column_11"),
    excludes=("column_14",),
    time=UnixTime("column_2"),
    static=Const(1),
    phone=Phone("column_6"),
    talk=Span("column_4", "column_3", unless_zero="column_4", else_value=0),
    hold=Span("column_2", "column_4", unless_zero="column_4", else_end="column_3"),
    missed=Values("column_4", ones=frozenset({"0"}), other=0),
    outbound=AllOf(_FROM_EXT, Not(_TO_EXT)),
    checks=(INTERNAL_CHECK, (ASSUMED_UTC, Const(1))),
    probe=content_score,
    notes=(
        "DateTime: start read as true Unix UTC, warned on every row (UNCONFIRMED)",
        "StaticCall: always 1, no visit ids (enrich adds them)",
        "Columns: the default `fields` order (INFERRED)",
    ),
)

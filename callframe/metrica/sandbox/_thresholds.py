"""Visit-join thresholds: fresh counters, the threshold endpoints and the extended window.

Metrica links an offline conversion to a visit only once the counter has collected enough
visits. Yandex's own tests show that an upload to a counter that has not answers
400 ``VISIT_JOIN_THRESHOLD_UNMET`` («Загрузить данные сейчас невозможно. Загрузка станет
доступна …») unless it sends ``ignore_calls_visit_join_threshold=1`` (``upload_calls``,
``upload?type=CALLS``) or ``ignore_visit_join_threshold=1`` (``upload`` BASIC and CHATS).

The endpoints (``…/offline_conversions/``):

* ``GET calls_visit_join_threshold`` / ``GET visit_join_threshold`` answer
  ``{"date": "YYYY-MM-DD HH:MM:SS"}`` (UTC): for a fresh counter the time uploads become
  possible; otherwise the start of the conversion window (21 days back; 90 with the extended
  window). Clients (rym, a PHP client) read ``date`` from the answer: the key is confirmed, the
  format and time zone of its value are NOT (no documented example was found), and neither is
  the 90-day length of the extended window;
* ``POST``/``DELETE calls_extended_threshold`` / ``extended_threshold`` switch the extended
  window on and off and answer ``{"success": true}`` (the shape rym and yametrikapy read).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

__all__ = [
    "DEFAULT_WAIT",
    "WINDOW_DAYS",
    "flag_name",
    "format_date",
    "threshold_date",
    "unmet_message",
]

DEFAULT_WAIT = 86400.0
"""A fresh counter without ``threshold_date`` accepts uploads this long after it was marked
(Metrica's docs: "about 24 hours" after enabling offline conversions)."""

WINDOW_DAYS = {False: 21, True: 90}
"""The conversion window, without and with the extended threshold (90: unconfirmed)."""


def format_date(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def flag_name(kind: str, type_: str) -> str:
    """The parameter that lets an upload through a fresh counter's threshold."""
    if kind == "calls" or type_ == "CALLS":
        return "ignore_calls_visit_join_threshold"
    return "ignore_visit_join_threshold"


def unmet_message(available_at: float) -> str:
    return (
        f"Загрузить данные сейчас невозможно. Загрузка станет доступна {format_date(available_at)}"
    )


def threshold_date(state: dict[str, Any], calls: bool, now: float) -> float:
    """The ``date`` the threshold endpoint answers for a counter's state."""
    if state["fresh"] and state["available_at"] is not None and state["available_at"] > now:
        return float(state["available_at"])
    extended = bool(state["calls_extended" if calls else "basic_extended"])
    return now - WINDOW_DAYS[extended] * 86400

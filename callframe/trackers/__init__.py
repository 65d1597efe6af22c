"""Tracker adapters: one module per call tracker, the shared normalisers, the registry.

* :mod:`~callframe.trackers.normalize` — polars expressions shared by every adapter (phones,
  durations, times, IDs, Yclid from URLs).
* :mod:`~callframe.trackers.spec` — the declarative nodes adapters are written in.
* :mod:`~callframe.trackers.base` — :class:`Adapter` (declaration + mapping).
* :mod:`~callframe.trackers.registry` — registration by name and :func:`detect`.
* one module per tracker (``calltouch``, ``comagic``, ``mango``, ``roistat``, ``ringostat``,
  ``calltracking_ru``, ``callibri``) and ``generic`` (a column mapping). A module that defines
  ``ADAPTER`` is registered automatically: adding a tracker means adding one file.
"""

from callframe.trackers.base import Adapter
from callframe.trackers.registry import (
    Detection,
    adapters,
    detect,
    get_adapter,
    register,
    trackers_markdown,
)

__all__ = [
    "Adapter",
    "Detection",
    "adapters",
    "detect",
    "get_adapter",
    "register",
    "trackers_markdown",
]

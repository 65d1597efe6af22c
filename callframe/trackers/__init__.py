"""Tracker adapters: one module per call tracker, the shared normalisers, the registry.

* :mod:`~callframe.engine.normalize` — polars expressions shared by every adapter (phones,
  durations, times, IDs, Yclid from URLs).
* :mod:`~callframe.engine.nodes` — the declarative nodes adapters are written in.
* :mod:`~callframe.engine.adapter` — :class:`Adapter` (declaration + mapping).
* :mod:`~callframe.trackers.registry` — registration by name and :func:`detect`.
* :mod:`~callframe.trackers.convert` — :func:`convert` and :class:`Conversion`.
* one module per tracker (``calltouch``, ``comagic``, ``mango``, ``roistat``, ``ringostat``,
  ``calltracking_ru``, ``callibri``) and ``generic`` (a column mapping). A module that defines
  ``ADAPTER`` is registered automatically: adding a tracker means adding one file.
"""

from callframe.engine.adapter import Adapter
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

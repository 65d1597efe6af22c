"""Tracker adapters: one declarative module per call tracker, the registry, ``generic``.

The engine they are written in lives in :mod:`callframe.engine` (the nodes, the normalisers,
the conversion rules, :class:`~callframe.engine.adapter.Adapter` and the compiler
:func:`~callframe.engine.plan.plan`); ``Adapter`` is re-exported here for users.

* :mod:`~callframe.trackers.registry` — registration by name and :func:`detect`.
* one module per tracker (``calltouch``, ``comagic``, ``mango``, ``roistat``, ``ringostat``,
  ``calltracking_ru``, ``callibri``, ``asterisk``, ``freepbx`` …) and ``generic`` (a column
  mapping). A module that defines ``ADAPTER`` is registered automatically: adding a tracker
  means adding one file.
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

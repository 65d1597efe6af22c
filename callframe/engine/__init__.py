"""The mapping engine: adapters' declarations compiled to polars expressions.

* :mod:`~callframe.engine.nodes` — the declarative node language adapters are written in.
* :mod:`~callframe.engine.normalize` — polars expressions shared by every node (phones,
  durations, times, IDs, Yclid from URLs).
* :mod:`~callframe.engine.rules` — the conversion rules (``*|outbound``, ``<Column>|unreadable`` …).
* :mod:`~callframe.engine.adapter` — :class:`Adapter`, one tracker's declaration.
* :mod:`~callframe.engine.plan` — :func:`plan`: an adapter on an export's LazyFrame, as one lazy
  query of contract columns and conversion flags (nothing is read until it is collected or sunk).

The engine imports ``errors``, ``contract`` and ``report`` only; adapters (``callframe.trackers``)
and the conversion pipeline build on it.
"""

from callframe.engine.adapter import Adapter
from callframe.engine.plan import Planned, naive_times, plan

__all__ = ["Adapter", "Planned", "naive_times", "plan"]

"""Conversion: a tracker export in, the Metrica CSV out, every other row explained.

* :mod:`~callframe.conversion.pipeline` — :func:`convert` (collected) and :func:`convert_file`
  (sunk, streaming): one lazy query from the export to the Metrica CSV.
* :mod:`~callframe.conversion.result` — :class:`Conversion`, the one result type.
* :mod:`~callframe.conversion.options` — the request (adapter, tz, region …), checked first.
* :mod:`~callframe.conversion.checks` — the conversion's failures and the contract's, merged.
* :mod:`~callframe.conversion.rejected` — the original rows that cannot go to Metrica.
* :mod:`~callframe.conversion.output` — the valid rows sunk as the Metrica CSV, and read back.
* :mod:`~callframe.conversion.enrich` — :func:`enrich`: IDs for calls without one.
"""

from callframe.conversion.enrich import Enrichment, enrich
from callframe.conversion.pipeline import convert, convert_file
from callframe.conversion.result import Conversion

__all__ = ["Conversion", "Enrichment", "convert", "convert_file", "enrich"]

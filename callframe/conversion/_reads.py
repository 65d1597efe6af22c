"""How far ahead polars' CSV reader reads while a conversion streams an export.

By default the streaming CSV reader keeps four chunks of the file read ahead of the query; on a
conversion, whose per-row work (the plan, the contract's flags) is far slower than reading, they
only wait, and hold memory: on the 2M-row (457 MB) Calltouch export of ``make bench`` one chunk
ahead brings the peak RSS of :func:`~callframe.convert_file` from ~610 MB to ~510 MB, at no
measurable cost in time. polars reads the limit from the environment when it builds a reader
(each query), so it is set for the conversion's queries only, and never over the user's own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["PREFETCH", "PREFETCH_VARIABLE", "bounded_reads"]

PREFETCH_VARIABLE = "POLARS_CSV_CHUNK_PREFETCH_LIMIT"
PREFETCH = "1"  # chunks read ahead of the query (polars' default: 4)


@contextmanager
def bounded_reads() -> Iterator[None]:
    """Within the block, polars' CSV reader reads :data:`PREFETCH` chunks ahead, unless the
    user set :data:`PREFETCH_VARIABLE` (then theirs is kept); restored after."""
    if PREFETCH_VARIABLE in os.environ:
        yield
        return
    os.environ[PREFETCH_VARIABLE] = PREFETCH
    try:
        yield
    finally:
        os.environ.pop(PREFETCH_VARIABLE, None)

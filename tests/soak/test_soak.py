"""Exactly once under fire: uploads by the sync and the async client, to several counters, of
distinct and repeated files, over real sockets to the sandbox, while it answers 5xx (before and
after storing), 429 with ``Retry-After``, drops connections (before and after storing), answers
slowly or later than the client waits. Afterwards, by the sandbox's own store: every (counter,
file) drawn is stored exactly once — no duplicate, none lost, nothing else — and every job
reported the upload that is stored.

``make test`` runs a small soak (``CALLFRAME_SOAK_UPLOADS``, default 40); ``make fuzz`` runs
``python -m tests.soak.soak --uploads 200``. The figures are printed at the end of the run.
"""

from __future__ import annotations

import os

from .conftest import FIGURES
from .soak import FAULT_KINDS, SoakConfig, run_soak

UPLOADS = int(os.environ.get("CALLFRAME_SOAK_UPLOADS", "40"))
TIME_LIMIT = max(25.0, UPLOADS * 1.5)
"""Seconds; the small soak takes a few, so this only catches a hang."""


def test_every_file_is_stored_exactly_once_whatever_the_network_does() -> None:
    result = run_soak(SoakConfig(uploads=UPLOADS, time_limit=TIME_LIMIT))
    FIGURES.append(result.figures())
    assert not result.timed_out, result.figures()
    assert (result.duplicates, result.lost, result.unexpected) == (0, 0, 0), result.figures()
    assert result.stored_once == result.pairs and result.outcomes["gave up"] == 0
    assert (result.wrong_ids, result.bad_comments, result.server_errors) == (0, 0, 0)
    assert result.ok
    # and the run was hostile: faults of most kinds hit, lost answers were recovered by their
    # hash, repeated files were found rather than sent again
    assert sum(result.faults.values()) >= UPLOADS // 4, result.figures()
    assert len([k for k in FAULT_KINDS if result.faults[k]]) >= 5, result.figures()
    assert result.outcomes["recovered"] > 0 and result.outcomes["found"] > 0


def test_the_count_would_catch_a_duplicate() -> None:
    """The oracle is not vacuous: uploads forced past the lookup store repeated files again."""
    result = run_soak(SoakConfig(uploads=12, files=3, fault_rate=0.0, force=True, time_limit=25))
    assert result.duplicates > 0 and result.lost == 0
    assert not result.ok and "result: FAILED" in result.figures()


def test_without_the_look_window_an_upload_listed_late_is_stored_twice() -> None:
    """…and the look window is what keeps "listed late" uploads single: looking once only
    (window 0), a drop whose upload is listed later makes the client send it again."""
    cfg = SoakConfig(
        uploads=8,
        files=8,
        fault_rate=1.0,
        only_fault="listed late",
        lost_answer_window=0,
        workers=2,
        time_limit=25,
    )
    result = run_soak(cfg)
    assert result.faults["listed late"] > 0 and result.duplicates > 0
    assert not result.ok

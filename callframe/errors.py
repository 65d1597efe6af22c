"""The whole exception tree of callframe, on one screen.

::

    CallframeError                      root: catch this to catch everything callframe raises
    ├── UsageError(ValueError)          the call is wrong; the message says how to fix it
    ├── ContractError                   data breaks the Metrica contract; carries ``.report``
    ├── ExportError                     a tracker export cannot be read or mapped; names the file
    └── MetricaError                    in ``callframe.metrica.errors``: status_code, error_type, …
        ├── MetricaAuthError            401/403: token missing, wrong, or without access
        ├── MetricaNotFoundError        404
        ├── MetricaBadRequestError      400 and other 4xx (never retried)
        │   └── MetricaInvalidUploadError   the file was rejected (invalid_uploading)
        ├── MetricaQuotaError           429 (``retry_after``)
        ├── MetricaServerError          5xx, after retries
        ├── MetricaTransportError       no answer, after retries
        │   └── MetricaTimeoutError
        └── MetricaWaitTimeoutError     ``wait()`` gave up (also a ``TimeoutError``)

Messages never contain raw cell values or tokens: they name files, rows, columns, rule ids and
counts. Structured fields (``report``, ``path``, ``rule``) carry the details for programs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from callframe.report import ValidationReport

__all__ = ["CallframeError", "ContractError", "ExportError", "UsageError"]


class CallframeError(Exception):
    """Root of every exception callframe raises on purpose."""


class UsageError(CallframeError, ValueError):
    """The caller used the API wrongly (bad argument, missing time zone, unknown kind).

    The message always says what to change in the call.
    """


class ContractError(CallframeError):
    """Data breaks the Metrica contract.

    ``report`` is the full :class:`~callframe.ValidationReport`; the message lists rule ids and
    counts only, never values (they may be phone numbers).
    """

    def __init__(self, report: ValidationReport, source: str | None = None) -> None:
        self.report = report
        self.source = source
        super().__init__(report.summary_line(source))


class ExportError(CallframeError):
    """A tracker export cannot be read, detected or mapped.

    ``path`` names the file (``None`` for bytes in memory); ``tried`` lists what was attempted.
    """

    def __init__(
        self, message: str, *, path: Path | str | None = None, tried: tuple[str, ...] = ()
    ):
        self.path = None if path is None else str(path)
        self.tried = tried
        where = f"{self.path}: " if self.path else ""
        hint = f" (tried: {', '.join(tried)})" if tried else ""
        super().__init__(f"{where}{message}{hint}")

"""callframe: phone-call data from call trackers into Yandex Metrica, correctly.

The contract of Metrica's call and offline-conversion CSVs (:func:`validate`, :func:`write_csv`,
the Pandera models :class:`CallsSchema` / :class:`ConversionsSchema` / :class:`ChatsSchema`),
with a report a person can act on. Pandera is imported only when the models are first used.
"""

import typing as _typing

from callframe._api import filter, validate, write_csv
from callframe.contract.columns import ColumnSpec, Kind
from callframe.contract.rules import RULES, Rule
from callframe.conversion import Conversion, Enrichment, convert, convert_file, enrich
from callframe.errors import CallframeError, ContractError, ExportError, UsageError
from callframe.io.exports import TrackerExport, read_export
from callframe.metrica.errors import MetricaError
from callframe.metrica.models import UploadResult, UploadStatus
from callframe.report import ValidationReport
from callframe.trackers.registry import Detection, detect

if _typing.TYPE_CHECKING:
    from callframe.contract.schemas import CallsSchema, ChatsSchema, ConversionsSchema
    from callframe.metrica.client import AsyncMetricaClient, MetricaClient

__version__ = "0.1.0"

__all__ = [
    "AsyncMetricaClient",
    "CallframeError",
    "CallsSchema",
    "ChatsSchema",
    "ColumnSpec",
    "ContractError",
    "Conversion",
    "ConversionsSchema",
    "Detection",
    "Enrichment",
    "ExportError",
    "Kind",
    "MetricaClient",
    "MetricaError",
    "RULES",
    "Rule",
    "TrackerExport",
    "UploadResult",
    "UploadStatus",
    "UsageError",
    "ValidationReport",
    "__version__",
    "convert",
    "convert_file",
    "detect",
    "enrich",
    "filter",
    "read_export",
    "validate",
    "write_csv",
]

_LAZY = {"CallsSchema", "ChatsSchema", "ConversionsSchema"}
_LAZY_CLIENTS = {"AsyncMetricaClient", "MetricaClient"}  # httpx is imported on first use


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from callframe.contract import schemas

        return getattr(schemas, name)
    if name in _LAZY_CLIENTS:
        from callframe.metrica import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY | _LAZY_CLIENTS)

"""callframe: phone-call data from call trackers into Yandex Metrica, correctly.

The contract of Metrica's call and offline-conversion CSVs (:func:`validate`, :func:`write_csv`,
the Pandera models :class:`CallsSchema` / :class:`ConversionsSchema`), with a report a person can
act on. Pandera is imported only when the models are first used.
"""

import typing as _typing

from callframe._api import validate, write_csv
from callframe.contract.columns import ColumnSpec, Kind
from callframe.contract.rules import RULES, Rule
from callframe.errors import CallframeError, ContractError, ExportError, UsageError
from callframe.report import ValidationReport

if _typing.TYPE_CHECKING:
    from callframe.contract.schemas import CallsSchema, ConversionsSchema

__version__ = "0.1.0"

__all__ = [
    "CallframeError",
    "CallsSchema",
    "ColumnSpec",
    "ContractError",
    "ConversionsSchema",
    "ExportError",
    "Kind",
    "RULES",
    "Rule",
    "UsageError",
    "ValidationReport",
    "__version__",
    "validate",
    "write_csv",
]

_LAZY = {"CallsSchema", "ConversionsSchema"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from callframe.contract import schemas

        return getattr(schemas, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY)

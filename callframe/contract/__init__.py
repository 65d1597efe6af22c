"""The Metrica upload contract: columns, rules, and the Pandera models generated from them.

``columns`` says which columns exist, ``rules`` what each must satisfy, ``text`` how a value is
written; ``schemas`` turns them into pandera models (imported lazily: pandera is slow to import).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from callframe.contract.columns import (
    CALLS,
    CHATS,
    CONVERSIONS,
    ColumnSpec,
    Kind,
    column_names,
    columns,
    id_columns,
)
from callframe.contract.rules import RULES, Rule, rule, rules_for

if TYPE_CHECKING:
    from callframe.contract.schemas import (
        CallsSchema,
        ChatsSchema,
        ConversionsSchema,
        pandera_schema,
    )

__all__ = [
    "CALLS",
    "CHATS",
    "CONVERSIONS",
    "RULES",
    "CallsSchema",
    "ChatsSchema",
    "ColumnSpec",
    "ConversionsSchema",
    "Kind",
    "Rule",
    "column_names",
    "columns",
    "id_columns",
    "pandera_schema",
    "rule",
    "rules_for",
]

_LAZY = {"CallsSchema", "ChatsSchema", "ConversionsSchema", "pandera_schema"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from callframe.contract import schemas

        return getattr(schemas, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY)

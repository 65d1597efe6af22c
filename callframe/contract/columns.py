"""The columns of each Metrica upload kind: names, order, polars dtypes, roles.

This module is the one place that says which columns exist. Everything else (rules, the Pandera
models, the writer, ``callframe schema``) reads these tuples.

Example:
    >>> from callframe.contract.columns import column_names
    >>> column_names("calls")[:4]
    ('UserId', 'ClientId', 'Yclid', 'DateTime')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import polars as pl

from callframe.errors import UsageError

__all__ = [
    "CALLS",
    "CHATS",
    "CHAT_CONTACT_COLUMNS",
    "CHAT_PLATFORMS",
    "CLIENT_ID_TYPES",
    "CONVERSIONS",
    "ColumnSpec",
    "Kind",
    "Role",
    "column_names",
    "columns",
    "id_column_of",
    "id_columns",
    "parse_kind",
    "resolve_aliases",
    "spec",
]

Kind = Literal["calls", "conversions", "chats"]
"""``calls`` is the ``upload_calls`` CSV; ``conversions`` the plain ``upload`` (BASIC) CSV;
``chats`` the ``upload?type=CHATS`` CSV (chats in messengers)."""

Role = Literal["id", "datetime", "flag", "duration", "money", "currency", "phone", "text", "url"]


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of an upload file.

    ``dtype`` is the polars dtype of the column in a *contract frame* (what adapters return and
    :meth:`ValidationReport.valid` gives back); files are always read as text first.
    ``aliases`` are other spellings accepted on input without a finding (the chats CSV writes
    ``ClientID`` as the chat page does, and takes ``ClientId`` as the other guides spell it);
    the writer always writes ``name``.
    """

    name: str
    dtype: pl.DataType
    role: Role
    required: bool
    description: str
    aliases: tuple[str, ...] = ()

    @property
    def is_id(self) -> bool:
        return self.role == "id"


_S, _I64, _I8, _F64 = pl.String(), pl.Int64(), pl.Int8(), pl.Float64()

CALLS: tuple[ColumnSpec, ...] = (
    ColumnSpec("UserId", _S, "id", False, "Visitor ID assigned by the site owner (any text)."),
    ColumnSpec("ClientId", _S, "id", False, "Metrica ClientID: 1–20 digits, kept as text."),
    ColumnSpec("Yclid", _S, "id", False, "Yandex Direct click ID: digits, kept as text."),
    ColumnSpec("DateTime", _I64, "datetime", True, "Call time, Unix seconds, UTC."),
    ColumnSpec("StaticCall", _I8, "flag", False, "1 static number, 0 dynamic (substituted)."),
    ColumnSpec("Price", _F64, "money", False, "Goal value, dot as decimal separator."),
    ColumnSpec("Currency", _S, "currency", False, "ISO 4217 code, upper case; needs Price."),
    ColumnSpec("PhoneNumber", _S, "phone", False, "Caller's number, E.164: +<country><number>."),
    ColumnSpec("TalkDuration", _I64, "duration", False, "Talk time, whole seconds."),
    ColumnSpec("HoldDuration", _I64, "duration", False, "Wait before answer, whole seconds."),
    ColumnSpec("CallMissed", _I8, "flag", False, "1 missed, 0 answered."),
    ColumnSpec("Tag", _S, "text", False, "Free-text label (call quality, outcome)."),
    ColumnSpec("FirstTimeCaller", _I8, "flag", False, "1 first call, 0 repeat."),
    ColumnSpec("URL", _S, "url", False, "Page the call came from, absolute http(s) URL."),
    ColumnSpec("CallTrackerURL", _S, "url", False, "Link to the call in the tracker's UI."),
)

CONVERSIONS: tuple[ColumnSpec, ...] = (
    ColumnSpec("Target", _S, "text", True, "Goal identifier (JavaScript event), not its name."),
    ColumnSpec("DateTime", _I64, "datetime", True, "Conversion time, Unix seconds, UTC."),
    ColumnSpec("Price", _F64, "money", False, "Goal value, dot as decimal separator."),
    ColumnSpec("Currency", _S, "currency", False, "ISO 4217 code, upper case; needs Price."),
    ColumnSpec("ClientId", _S, "id", False, "Metrica ClientID: 1–20 digits, kept as text."),
    ColumnSpec("UserId", _S, "id", False, "Visitor ID assigned by the site owner (any text)."),
    ColumnSpec("Yclid", _S, "id", False, "Yandex Direct click ID: digits, kept as text."),
    ColumnSpec("PurchaseId", _S, "id", False, "E-commerce purchase ID (any text)."),
)

CHAT_PLATFORMS: tuple[str, ...] = ("whatsapp", "telegram", "viber")
"""The ``ChatPlatform`` values Metrica documents, written in lower case."""

CHATS: tuple[ColumnSpec, ...] = (
    ColumnSpec("DateTime", _I64, "datetime", True, "Chat time, Unix seconds, UTC."),
    ColumnSpec(
        "ChatPlatform", _S, "text", True, "Messenger: whatsapp, telegram or viber (lower case)."
    ),
    ColumnSpec("ChatUsername", _S, "text", False, "Chat partner's user name in the messenger."),
    ColumnSpec("ChatUserID", _S, "text", False, "Chat partner's user ID in the messenger."),
    ColumnSpec("PhoneNumber", _S, "phone", False, "Chat partner's number, E.164: +<country>…."),
    ColumnSpec(
        "ClientID", _S, "id", False, "Metrica ClientID: 1–20 digits, kept as text.", ("ClientId",)
    ),
    ColumnSpec(
        "UserID", _S, "id", False, "Visitor ID assigned by the site owner (any text).", ("UserId",)
    ),
    ColumnSpec("Yclid", _S, "id", False, "Yandex Direct click ID: digits, kept as text."),
    ColumnSpec(
        "PurchaseID", _S, "id", False, "E-commerce purchase ID (any text).", ("PurchaseId",)
    ),
)
"""The chats CSV. Each row needs one of ``ChatUsername``/``ChatUserID``/``PhoneNumber``; the IDs
are optional (a row without one is uploaded unattributed). The chat page spells them
``ClientID``/``UserID``/``PurchaseID``: written so, ``ClientId``/``UserId``/``PurchaseId`` are
accepted. The answered flag and the tag the docs mention are not here: their column names could
not be confirmed."""

CHAT_CONTACT_COLUMNS: tuple[str, ...] = ("ChatUsername", "ChatUserID", "PhoneNumber")
"""Who the chat was with: each chats row needs one of these."""

_BY_KIND: dict[str, tuple[ColumnSpec, ...]] = {
    "calls": CALLS,
    "conversions": CONVERSIONS,
    "chats": CHATS,
}


def parse_kind(kind: str) -> Kind:
    """Return ``kind`` as a :data:`Kind`, or raise :class:`UsageError` saying what is allowed."""
    if kind not in get_args(Kind):
        raise UsageError(f"unknown kind {kind!r}: use 'calls', 'conversions' or 'chats'")
    return kind  # type: ignore[return-value]


def resolve_aliases(kind: str, names: Sequence[str]) -> dict[str, str]:
    """Renames (alias → column name) for the accepted other spellings among ``names``.

    An alias is renamed only when the column itself is not there too (both: the alias stays,
    and the validator reports it as a duplicate spelling).
    """
    present = set(names)
    out: dict[str, str] = {}
    for c in columns(kind):
        if c.name in present:
            continue
        found = [a for a in c.aliases if a in present]
        if len(found) == 1:
            out[found[0]] = c.name
    return out


def columns(kind: str) -> tuple[ColumnSpec, ...]:
    """The columns of ``kind`` in the order Metrica documents (and callframe writes)."""
    return _BY_KIND[parse_kind(kind)]


def column_names(kind: str) -> tuple[str, ...]:
    """The column names of ``kind``, in contract order."""
    return tuple(c.name for c in columns(kind))


def id_columns(kind: str) -> tuple[str, ...]:
    """Columns that identify the visitor; each row needs one (static calls excepted)."""
    return tuple(c.name for c in columns(kind) if c.is_id)


def spec(kind: str, name: str) -> ColumnSpec:
    """The :class:`ColumnSpec` of column ``name`` in ``kind``."""
    for c in columns(kind):
        if c.name == name:
            return c
    raise UsageError(f"{name!r} is not a column of {kind!r} uploads")


CLIENT_ID_TYPES: dict[str, str] = {
    "CLIENT_ID": "ClientId",
    "USER_ID": "UserId",
    "YCLID": "Yclid",
    "PURCHASE_ID": "PurchaseId",
}
"""Metrica's ``client_id_type`` values and the column each one names (``PURCHASE_ID``: the
offline-conversion upload only)."""


def id_column_of(client_id_type: str, kind: str) -> str:
    """The ID column an upload of ``client_id_type`` must hold; :class:`UsageError` when the
    type is not one Metrica knows for ``kind``."""
    if kind == "chats":
        raise UsageError(
            "client_id_type does not apply to chats: the chat docs name no such parameter"
        )
    name = CLIENT_ID_TYPES.get(client_id_type.upper())
    if name is None or name not in id_columns(kind):
        allowed = ", ".join(t for t, c in CLIENT_ID_TYPES.items() if c in id_columns(kind))
        raise UsageError(f"unknown client_id_type {client_id_type!r}: use one of {allowed}")
    return name

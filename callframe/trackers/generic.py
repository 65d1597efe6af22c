"""Any other export (Alloka, a UI export with Russian headers): you say which column is which.

A mapping is a dict or a TOML file. ``[columns]`` maps *source column → Metrica column*; several
source columns may feed one Metrica column (the first non-empty wins, in the order written). The
other keys are options::

    # alloka.toml
    date_format = "%Y-%m-%d %H:%M:%S"   # strftime; a list tries several; default: ISO 8601,
                                        # Unix seconds, or dd.mm.yyyy HH:MM[:SS]
    time_zone = "Europe/Moscow"         # for times written without an offset
    phone_region = "RU"                 # country of national numbers
    answered_values = ["answered"]      # CallMissed from a status column: these are 0 …
    missed_values = ["missed"]          # … these 1 (give one list: every other value is the other)
    duration_unit = "s"                 # or "ms"

    [columns]
    date = "DateTime"
    caller_phone = "PhoneNumber"
    duration = "TalkDuration"
    wait = "HoldDuration"
    status = "CallMissed"
    ym_client_id = "ClientId"
    url = "URL"

More options: ``first_time_values``/``repeat_values`` (FirstTimeCaller), ``static_values``/
``dynamic_values`` (StaticCall), ``outbound_values`` with a column mapped to ``"Direction"``,
``currency`` (a fixed Currency for a mapped Price), ``static`` (``true``: every call static),
``yclid_from_url`` (default ``true``: take ``yclid`` from the mapped URL when no Yclid column).
Flag columns without value lists read boolean words (``true``/``1``/``да``); ``CallMissed``
without one falls back to "talk time is 0" when TalkDuration is mapped.

Chats (Metrica's ``upload?type=CHATS`` CSV) are mapped the same way, with ``kind = "chats"``::

    # messenger_crm.toml: a messenger CRM's dialog export
    kind = "chats"
    time_zone = "Europe/Moscow"
    [platform_values]                   # the export's words for each messenger (any case);
    telegram = ["Telegram (бот)"]       # WhatsApp/tg/Viber … are known already
    [columns]
    "Начало диалога" = "DateTime"
    "Канал" = "ChatPlatform"
    "Логин" = "ChatUsername"
    "Телефон" = "PhoneNumber"
    "Яндекс ClientID" = "ClientID"

The chats columns are ``DateTime``, ``ChatPlatform``, ``ChatUsername``, ``ChatUserID``,
``PhoneNumber``, ``ClientID``, ``UserID``, ``Yclid`` and ``PurchaseID`` (``ClientId``/``UserId``/
``PurchaseId`` are taken as the same); a platform other than WhatsApp, Telegram and Viber is kept
as written and rejected by the contract (``ChatPlatform|allowed``).

The generic adapter is never detected: pass ``mapping=`` (CLI ``--map``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from callframe.contract.columns import column_names, resolve_aliases
from callframe.engine.adapter import CHAT_FIELDS, COLUMN_FIELDS, Adapter
from callframe.engine.nodes import (
    Bool,
    Const,
    Field,
    FirstOf,
    FirstTime,
    Id,
    IsoTime,
    LocalTime,
    Money,
    Node,
    Phone,
    Platform,
    Seconds,
    TalkIsZero,
    TimeNode,
    UnixTime,
    Url,
    UrlParam,
    Values,
)
from callframe.errors import UsageError

__all__ = ["ADAPTER", "DEFAULT_DATE_FORMATS", "GenericMapping", "adapter_from_mapping"]

DIRECTION = "Direction"
DEFAULT_DATE_FORMATS: tuple[str, ...] = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M")
"""Tried after ISO 8601 and Unix seconds when the mapping gives no ``date_format``. Day-first
with dots only: ``03/04/2024`` is ambiguous (Calltouch's own API uses both orders), so slashes
need an explicit ``date_format``."""

_CALL_OPTIONS = {
    "answered_values",
    "missed_values",
    "first_time_values",
    "repeat_values",
    "static_values",
    "dynamic_values",
    "outbound_values",
    "duration_unit",
    "currency",
    "static",
}
"""Options about call columns: a chats mapping that sets one is a mistake, said so."""
_OPTIONS = _CALL_OPTIONS | {
    "date_format",
    "time_zone",
    "tz",
    "phone_region",
    "region",
    "yclid_from_url",
    "options",
    "columns",
    "name",
    "title",
    "kind",
    "platform_values",
}
"""Every key a mapping file may hold."""

ADAPTER = Adapter(
    name="generic",
    title="Any export (column mapping)",
    time=None,
    source="CSV, XLSX or JSON with a mapping file (`--map mapping.toml`)",
    needs_mapping=True,
)


@dataclass(frozen=True, slots=True)
class GenericMapping:
    """An adapter built from a mapping, with the settings the mapping names."""

    adapter: Adapter
    tz: str | None
    region: str | None
    static: bool | None


def _strings(value: Any, key: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return frozenset(str(v) for v in value)
    raise UsageError(f"mapping option {key!r} must be a list of strings")


def _flag(sources: list[str], ones: frozenset[str], zeros: frozenset[str]) -> Node:
    if not ones and not zeros:
        return Bool(*sources)
    other = 0 if ones and not zeros else 1 if zeros and not ones else None
    nodes = [Values(s, ones=ones, zeros=zeros, other=other) for s in sources]
    return nodes[0] if len(nodes) == 1 else FirstOf(*nodes)


def _time(sources: list[str], formats: Any) -> TimeNode:
    if formats is None:
        return FirstTime(
            UnixTime(*sources), IsoTime(*sources), LocalTime(*sources, formats=DEFAULT_DATE_FORMATS)
        )
    fmts = [formats] if isinstance(formats, str) else formats
    if not isinstance(fmts, list) or not all(isinstance(f, str) for f in fmts) or not fmts:
        raise UsageError("mapping option 'date_format' must be a strftime string or a list")
    if fmts == ["iso"]:
        return IsoTime(*sources)
    if fmts == ["unix"]:
        return UnixTime(*sources)
    if fmts == ["unix_ms"]:
        return UnixTime(*sources, unit="ms")
    return LocalTime(*sources, formats=fmts)


def adapter_from_mapping(mapping: Mapping[str, Any]) -> GenericMapping:
    """Build the adapter a mapping describes; :class:`~callframe.UsageError` says what is wrong."""
    options: dict[str, Any] = {**mapping, **dict(mapping.get("options") or {})}
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise UsageError(
            f"unknown mapping option(s) {', '.join(unknown)}: column mappings go under [columns]"
        )
    columns = options.get("columns")
    if not isinstance(columns, Mapping) or not columns:
        raise UsageError(
            "a mapping needs a [columns] table: source column = Metrica column, "
            'e.g. date = "DateTime"'
        )
    kind = options.get("kind", "calls")
    if kind == "chats":
        return _chats_mapping(options, columns)
    if kind != "calls":
        raise UsageError(f'mapping option \'kind\' must be "calls" or "chats", not {kind!r}')
    if "platform_values" in options:
        raise UsageError("mapping option 'platform_values' needs kind = \"chats\"")
    targets = {*column_names("calls"), DIRECTION}
    by_target: dict[str, list[str]] = {}
    for src, target in columns.items():
        if not isinstance(target, str) or target not in targets:
            raise UsageError(
                f"mapping: {src!r} = {target!r} is not a Metrica column; use one of "
                f"{', '.join(sorted(targets))}"
            )
        by_target.setdefault(target, []).append(str(src))
    if "DateTime" not in by_target:
        raise UsageError("mapping: no column is mapped to DateTime (the call time)")

    unit = {"s": 1.0, "ms": 0.001}.get(str(options.get("duration_unit", "s")))
    if unit is None:
        raise UsageError("mapping option 'duration_unit' must be 's' or 'ms'")
    fields: dict[str, Node | None] = {}
    for target, sources in by_target.items():
        node: Node
        if target in ("ClientId", "Yclid"):
            node = Id(*sources)
        elif target == "DateTime":
            node = _time(sources, options.get("date_format"))
        elif target == "PhoneNumber":
            node = Phone(*sources)
        elif target in ("TalkDuration", "HoldDuration"):
            node = Seconds(*sources, unit=unit)
        elif target in ("URL", "CallTrackerURL"):
            node = Url(*sources)
        elif target == "CallMissed":
            node = _flag(
                sources,
                _strings(options.get("missed_values"), "missed_values"),
                _strings(options.get("answered_values"), "answered_values"),
            )
            if "TalkDuration" in by_target and isinstance(node, Bool):
                node = FirstOf(node, TalkIsZero(Seconds(*by_target["TalkDuration"], unit=unit)))
        elif target == "FirstTimeCaller":
            node = _flag(
                sources,
                _strings(options.get("first_time_values"), "first_time_values"),
                _strings(options.get("repeat_values"), "repeat_values"),
            )
        elif target == "StaticCall":
            node = _flag(
                sources,
                _strings(options.get("static_values"), "static_values"),
                _strings(options.get("dynamic_values"), "dynamic_values"),
            )
        elif target == DIRECTION:
            outbound = _strings(options.get("outbound_values"), "outbound_values")
            if not outbound:
                raise UsageError("mapping: a Direction column needs outbound_values = [...]")
            node = _flag(sources, outbound, frozenset())
        elif target == "Price":
            node = Money(*sources)
        else:  # UserId, Tag, Currency
            node = Field(*sources)
        fields[target] = node

    if "Yclid" not in fields and "URL" in fields and options.get("yclid_from_url", True):
        fields["Yclid"] = UrlParam("yclid", *by_target["URL"])
    if "Price" in fields and "Currency" not in fields and options.get("currency"):
        fields["Currency"] = Const(str(options["currency"]).upper())

    outbound_node = fields.pop(DIRECTION, None)
    time = fields.pop("DateTime")
    assert isinstance(time, TimeNode)
    adapter = Adapter(
        name=str(options.get("name", "generic")),
        title=str(options.get("title", "Any export (column mapping)")),
        time=time,
        source="column mapping",
        requires=tuple(tuple(s) for s in by_target.values()),
        outbound=outbound_node,
    ).replace(**{COLUMN_FIELDS[c]: n for c, n in fields.items()})
    static = options.get("static")
    if static is not None and not isinstance(static, bool):
        raise UsageError("mapping option 'static' must be true or false")
    tz = options.get("time_zone", options.get("tz"))
    region = options.get("phone_region", options.get("region"))
    return GenericMapping(
        adapter=adapter,
        tz=None if tz is None else str(tz),
        region=None if region is None else str(region),
        static=static,
    )


def _platform_values(value: Any) -> dict[str, frozenset[str]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise UsageError(
            "mapping option 'platform_values' must be a table: platform = [the export's words]"
        )
    out: dict[str, frozenset[str]] = {}
    for platform, words in value.items():
        if platform not in ("whatsapp", "telegram", "viber"):
            raise UsageError(
                f"platform_values: {platform!r} is not a Metrica chat platform; "
                "use whatsapp, telegram or viber"
            )
        out[platform] = _strings(words, f"platform_values.{platform}")
    return out


def _chats_mapping(options: Mapping[str, Any], columns: Mapping[str, Any]) -> GenericMapping:
    """The adapter of a ``kind = "chats"`` mapping (see the module docstring)."""
    wrong = sorted(set(options) & _CALL_OPTIONS)
    if wrong:
        raise UsageError(
            f'mapping option(s) {", ".join(wrong)} are about calls; a kind = "chats" '
            "mapping has no such columns"
        )
    targets = set(column_names("chats"))
    by_target: dict[str, list[str]] = {}
    for src, target in columns.items():
        if isinstance(target, str):
            target = resolve_aliases("chats", [target]).get(target, target)
        if not isinstance(target, str) or target not in targets:
            raise UsageError(
                f"mapping: {src!r} = {target!r} is not a column of the chats CSV; use one of "
                f"{', '.join(column_names('chats'))}"
            )
        by_target.setdefault(target, []).append(str(src))
    if "DateTime" not in by_target:
        raise UsageError("mapping: no column is mapped to DateTime (the chat time)")
    if "ChatPlatform" not in by_target:
        raise UsageError(
            "mapping: no column is mapped to ChatPlatform (the messenger: whatsapp, telegram "
            "or viber)"
        )
    fields: dict[str, Node] = {}
    for target, sources in by_target.items():
        node: Node
        if target in ("ClientID", "Yclid"):
            node = Id(*sources)
        elif target == "DateTime":
            node = _time(sources, options.get("date_format"))
        elif target == "PhoneNumber":
            node = Phone(*sources)
        elif target == "ChatPlatform":
            node = Platform(*sources, values=_platform_values(options.get("platform_values")))
        else:  # ChatUsername, ChatUserID, UserID, PurchaseID
            node = Field(*sources)
        fields[target] = node
    time = fields.pop("DateTime")
    assert isinstance(time, TimeNode)
    adapter = Adapter(
        name=str(options.get("name", "generic")),
        title=str(options.get("title", "Any chats export (column mapping)")),
        time=time,
        source="column mapping",
        requires=tuple(tuple(s) for s in by_target.values()),
        kind="chats",
    ).replace(**{CHAT_FIELDS[c]: n for c, n in fields.items()})
    tz = options.get("time_zone", options.get("tz"))
    region = options.get("phone_region", options.get("region"))
    return GenericMapping(
        adapter=adapter,
        tz=None if tz is None else str(tz),
        region=None if region is None else str(region),
        static=None,
    )

"""What the sandbox checks, written from ``metrica-server.md`` (the server as Yandex's own API
tests see it), not from callframe's contract.

* header names are compared with non-word characters removed, ignoring case
  (``" UserId "``, ``Date Time``, ``*Call*Tracker*URL*`` all match); ``_`` is a word character,
  so ``Date_Time`` does not match; a name matching no column is ignored (unconfirmed: the page
  is silent, the suite never sends one);
* a row is dropped (not counted in ``line_quantity``) when the ID of ``client_id_type`` is
  empty or whitespace, a ``ClientId``/``Yclid`` is not a non-negative whole number (or does not
  fit 64 bits), ``DateTime`` is empty, not a number, negative, or in the future (more than
  :data:`FUTURE_ALLOWANCE` seconds after the sandbox's clock: the page's example is
  ``2147483647``, the allowance is callframe's choice), or, for BASIC, ``Target`` is empty
  (decisions.md; the page is silent);
* wrong optional values (durations not uint32, flags not 0/1, ``Price``/``Currency`` not
  valid) keep the row: the server counts it and, presumably, drops the value;
* a comment may hold digits, Latin and Cyrillic letters (Metrica's documented set), spaces and
  ``. , : - _`` (callframe's set: that the server accepts spaces and this punctuation is not
  confirmed); anything else is refused with ``not_allowed_symbols_in_comment``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

__all__ = [
    "CLIENT_ID_TYPES",
    "COLUMNS",
    "COMMENT_OK",
    "FUTURE_ALLOWANCE",
    "ID_COLUMNS",
    "OPTIONAL_RULES",
    "Kind",
    "normalise",
    "valid_datetime",
    "valid_id",
]

Kind = Literal["calls", "basic"]

FUTURE_ALLOWANCE = 300.0
"""Seconds a ``DateTime`` may be ahead of the server's clock before the row is dropped."""

ID_COLUMNS: dict[str, str] = {
    "CLIENT_ID": "ClientId",
    "USER_ID": "UserId",
    "YCLID": "Yclid",
    "PURCHASE_ID": "PurchaseId",
}
"""The ID column of each ``client_id_type``."""

CLIENT_ID_TYPES: dict[Kind, tuple[str, ...]] = {
    "calls": ("CLIENT_ID", "USER_ID", "YCLID"),
    "basic": ("CLIENT_ID", "USER_ID", "YCLID", "PURCHASE_ID"),
}

COLUMNS: dict[Kind, tuple[str, ...]] = {
    "calls": (
        "UserId",
        "ClientId",
        "Yclid",
        "DateTime",
        "StaticCall",
        "Price",
        "Currency",
        "PhoneNumber",
        "TalkDuration",
        "HoldDuration",
        "CallMissed",
        "Tag",
        "FirstTimeCaller",
        "URL",
        "CallTrackerURL",
    ),
    "basic": (
        "UserId",
        "ClientId",
        "Yclid",
        "PurchaseId",
        "Target",
        "DateTime",
        "Price",
        "Currency",
    ),
}

_NON_WORD = re.compile(r"\W+")
COMMENT_OK = re.compile(r"[0-9A-Za-z\u0400-\u04FF .,:_-]*")
"""A comment the sandbox accepts (fullmatch): digits, Latin and Cyrillic letters, spaces and
``. , : - _``."""

_UINT = re.compile(r"[0-9]{1,20}")
_DATETIME = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_PRICE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_CURRENCY = re.compile(r"[A-Za-z]{3}")


def normalise(name: str) -> str:
    """A header name as the server compares it: non-word characters removed, lower case."""
    return _NON_WORD.sub("", name).lower()


def valid_id(client_id_type: str, value: str) -> bool:
    """Whether a (trimmed) ID value keeps its row."""
    if client_id_type in ("CLIENT_ID", "YCLID"):
        return _UINT.fullmatch(value) is not None and int(value) < 2**64
    return value != ""


def valid_datetime(value: str, now: float) -> bool:
    """Whether a (trimmed) ``DateTime`` keeps its row: Unix seconds, a fraction allowed."""
    return _DATETIME.fullmatch(value) is not None and 0 < float(value) <= now + FUTURE_ALLOWANCE


def _uint32(value: str) -> bool:
    return _UINT.fullmatch(value) is not None and int(value) <= 0xFFFFFFFF


def _flag(value: str) -> bool:
    return value in ("0", "1")


OPTIONAL_RULES: dict[str, Callable[[str], bool]] = {
    "TalkDuration": _uint32,
    "HoldDuration": _uint32,
    "CallMissed": _flag,
    "FirstTimeCaller": _flag,
    "StaticCall": _flag,
    "Price": lambda v: _PRICE.fullmatch(v) is not None,
    "Currency": lambda v: _CURRENCY.fullmatch(v) is not None,
}
"""What a non-empty, trimmed optional value must be; a value failing it keeps its row."""

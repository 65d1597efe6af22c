"""Rules about *converting* an export, as opposed to the Metrica file itself.

They use the contract's :class:`~callframe.contract.rules.Rule` (stable id, title, hint,
severity) so reports, the rejected-rows file, CI output and JSON treat them like any other rule.
They have no expression of their own: the adapter base finds the rows (see
:mod:`callframe.engine.adapter`).

* ``*|outbound`` (error): the call went *out* of the company; Metrica's calls are inbound.
* ``DateTime|unreadable`` (error): the export's call time cannot be read.
* ``<Column>|unreadable`` (warning): the export has a value for an optional column that cannot
  be read (a SIP address as the caller, ``abc`` as a ClientID); the column is left empty and the
  call kept.
* ``*|extra_leg`` (error): another row (leg, dial attempt) of a PBX call already counted once
  (Asterisk/FreePBX: same ``linkedid``/``uniqueid``).
* ``*|internal`` (error): a call between two extensions of the company, not a customer's call.
* ``DateTime|note_time`` (warning): the time is when a CRM note was written (amoCRM), which may
  lag the call by minutes or hours.
* ``DateTime|assumed_utc`` (warning): the export's Unix time is taken as true UTC although the
  tracker's documentation is ambiguous about it (Mango VPBX); check against the web UI.
* Adapters attach the last four through :attr:`Adapter.checks
  <callframe.engine.adapter.Adapter.checks>`.
"""

from __future__ import annotations

from callframe.contract.columns import Kind
from callframe.contract.rules import Rule

__all__ = [
    "ASSUMED_UTC",
    "CONVERSION_RULES",
    "EXTRA_LEG",
    "INTERNAL",
    "NOTE_TIME",
    "OUTBOUND",
    "UNREADABLE_COLUMNS",
    "conversion_rule",
    "unreadable_id",
]

_CALLS: frozenset[Kind] = frozenset({"calls"})
_CHATS: frozenset[Kind] = frozenset({"chats"})
_SHARED = {"DateTime", "PhoneNumber", "Yclid"}
"""Columns the calls and the chats CSV share: their unreadable rules serve both."""

OUTBOUND = "*|outbound"
EXTRA_LEG = "*|extra_leg"
INTERNAL = "*|internal"
NOTE_TIME = "DateTime|note_time"
ASSUMED_UTC = "DateTime|assumed_utc"

UNREADABLE_COLUMNS: dict[str, tuple[str, str]] = {
    "DateTime": (
        "The export's call time cannot be read",
        "Check the time column; give the format (generic: date_format) or the right --tracker.",
    ),
    "UserId": ("The export's UserId is empty after cleaning", ""),
    "ClientId": (
        "The export's Metrica ClientID is not 1–20 digits; treated as absent",
        "A GA id (123.456) or a float (1.7e18) is not a Metrica ClientID.",
    ),
    "Yclid": (
        "The export's yclid is not 1–20 digits; treated as absent",
        "Check the landing URL's yclid parameter.",
    ),
    "PhoneNumber": (
        "Caller is not an external phone number (extension, SIP address, unknown length); "
        "left empty",
        "For numbers without a country code pass the country (--region UA).",
    ),
    "TalkDuration": ("Talk time cannot be read as seconds; left empty", ""),
    "HoldDuration": ("Wait time cannot be read as seconds; left empty", ""),
    "CallMissed": ("Missed/answered status cannot be read; left empty", ""),
    "FirstTimeCaller": ("First-call flag cannot be read; left empty", ""),
    "StaticCall": ("Static/dynamic flag cannot be read; left empty", ""),
    "Price": ("Price cannot be read as a number; left empty", ""),
    "Currency": ("Currency is empty after cleaning", ""),
    "Tag": ("Tag is empty after cleaning", ""),
    "URL": (
        "Page URL is not an absolute http(s) address; left empty",
        "Metrica needs https://… with the host.",
    ),
    "CallTrackerURL": (
        "Call-tracker URL is not an absolute http(s) address; left empty",
        "Metrica needs https://… with the host.",
    ),
    # the chats CSV (a generic mapping with kind = "chats")
    "ChatPlatform": ("The export's messenger name is empty after cleaning", ""),
    "ChatUsername": ("Chat user name is empty after cleaning", ""),
    "ChatUserID": ("Chat user ID is empty after cleaning", ""),
    "ClientID": (
        "The export's Metrica ClientID is not 1–20 digits; treated as absent",
        "A GA id (123.456) or a float (1.7e18) is not a Metrica ClientID.",
    ),
    "UserID": ("The export's UserID is empty after cleaning", ""),
    "PurchaseID": ("The export's PurchaseID is empty after cleaning", ""),
}

_CHAT_ONLY = {"ChatPlatform", "ChatUsername", "ChatUserID", "ClientID", "UserID", "PurchaseID"}


def unreadable_id(column: str) -> str:
    """The rule id for a value of ``column`` the adapter could not read."""
    return f"{column}|unreadable"


CONVERSION_RULES: tuple[Rule, ...] = (
    Rule(
        OUTBOUND,
        "Outbound call: Metrica's calls are the ones customers made to you",
        _CALLS,
        hint="Leave it out, or keep it with keep_outbound=True (--keep-outbound).",
    ),
    Rule(
        EXTRA_LEG,
        "Another leg of a PBX call already counted (same linkedid/uniqueid); one row per call",
        _CALLS,
        hint="Nothing to do: the call is kept once, from its answered inbound leg.",
    ),
    Rule(
        INTERNAL,
        "Internal call between two extensions: not a customer's call",
        _CALLS,
        hint="Nothing to do: internal calls do not go to Metrica.",
    ),
    Rule(
        NOTE_TIME,
        "DateTime is when the CRM note was written, which may lag the call",
        _CALLS,
        severity="warning",
        hint="Prefer the telephony's own export (PBX, call tracker) for exact call times.",
    ),
    Rule(
        ASSUMED_UTC,
        "Unix time taken as true UTC; the tracker's docs say 'UTC+3' (unconfirmed)",
        _CALLS,
        severity="warning",
        hint="Compare a call with the web UI; if 3 h off, use the adapter's documented override.",
    ),
    *(
        Rule(
            unreadable_id(column),
            title,
            _CHATS if column in _CHAT_ONLY else _CALLS | _CHATS if column in _SHARED else _CALLS,
            severity="error" if column == "DateTime" else "warning",
            hint=hint,
        )
        for column, (title, hint) in UNREADABLE_COLUMNS.items()
    ),
)
"""Every conversion rule, in the order reports list them."""

_BY_ID = {r.id: r for r in CONVERSION_RULES}


def conversion_rule(rule_id: str) -> Rule:
    """The conversion rule with this id (``KeyError`` names it when there is none)."""
    return _BY_ID[rule_id]

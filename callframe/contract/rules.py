"""Every rule of the Metrica contract, as data: a stable id, a title, and a polars expression.

Rule ids are ``<Column>|<rule>`` (``*`` when the rule is about the row or the file) and never
change once published: CI output, notebooks and JSON reports all use them. Each row rule is a
vectorised polars expression over the *text view* (see :mod:`callframe.contract.text`) that is
``True`` where a row **breaks** the rule; nulls never break a rule unless the rule says so.

The rules are written so that one bad cell breaks exactly one rule: an ID with letters breaks
``ClientId|digits`` only (it still counts as an ID for ``*|id_required``), a 13-digit
``DateTime`` breaks ``DateTime|milliseconds`` only, not also ``DateTime|not_future``.

Schema and file rules (``*|unknown_column`` …) have no expression: the validator applies them to
the header. They are listed here so that ``callframe schema`` shows every rule in one place.

Every rule also says what the real Metrica server does with a file or row breaking it: its
:data:`Effect` (see :data:`EFFECTS` for the four values and their meaning). The effects come from
``metrica-server.md`` (Yandex's own API tests); where that page is silent, the rule's comment says
which effect callframe chose and why. Severity follows ``decisions.md``: what the server accepts
is a ``warning`` (effect ``accept``), everything else an ``error``.

Rules marked ``raw`` look at the values *as given*; every other rule sees the *normalised* text
view (values trimmed of spaces and tabs, whitespace-only values empty, a ``DateTime`` fraction cut
off), which is also what the writer writes (see :func:`callframe.contract.text.normalise_expr`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from callframe.contract.columns import (
    CHAT_CONTACT_COLUMNS,
    CHAT_PLATFORMS,
    Kind,
    columns,
    id_columns,
)

__all__ = [
    "EFFECTS",
    "LINK_WINDOW_SECONDS",
    "MAX_TEXT_LENGTH",
    "MIN_DATETIME",
    "RULES",
    "SKEW_SECONDS",
    "UINT32_MAX",
    "Effect",
    "Rule",
    "RuleContext",
    "Scope",
    "Severity",
    "currency_codes",
    "effect_of",
    "rule",
    "rules_for",
]

Severity = Literal["error", "warning"]
Scope = Literal["row", "schema", "file"]
Effect = Literal["refuse_file", "drop_row", "keep_wrong_value", "accept"]
"""What the Metrica server does with an upload breaking a rule; see :data:`EFFECTS`."""

EFFECTS: dict[Effect, str] = {
    "refuse_file": "Metrica refuses the whole upload (400 invalid_uploading)",
    "drop_row": "Metrica drops the row (not counted in line_quantity)",
    "keep_wrong_value": "Metrica keeps the row with a wrong value (counted, the value lost)",
    "accept": "Metrica accepts it (callframe writes the canonical form)",
}
"""The four effects, in words. Stable values (JSON ``effect``):

* ``refuse_file`` — the whole upload is refused (HTTP 400 ``invalid_uploading``): a file without
  data rows, without the ``DateTime`` column or any ID column, malformed CSV;
* ``drop_row`` — the file is accepted but this row is not counted in ``line_quantity``;
* ``keep_wrong_value`` — the row is counted but a value is wrong or lost; still an *error*:
  callframe never sends a value it knows is wrong;
* ``accept`` — the server accepts it as valid; a *warning*, and callframe's writer writes the
  canonical form (trimmed, exact header names, integer seconds).
"""

MIN_DATETIME = 946_684_800
"""2000-01-01T00:00:00Z: anything earlier is a broken timestamp, not an old call."""
SKEW_SECONDS = 300
"""Clock skew allowed before a ``DateTime`` counts as "in the future"."""
LINK_WINDOW_SECONDS = 21 * 86_400
"""Metrica links a call to a session only within 21 days."""
MAX_TEXT_LENGTH = 1024
"""Longer text is a warning: Metrica documents no limit, but such values are almost always junk."""
UINT64_MAX = "18446744073709551615"
UINT32_MAX = 4_294_967_295
"""Largest duration Metrica stores (``TalkDuration``/``HoldDuration`` are uint32)."""

_BOTH: frozenset[Kind] = frozenset({"calls", "conversions"})
_CALLS: frozenset[Kind] = frozenset({"calls"})
_CONVERSIONS: frozenset[Kind] = frozenset({"conversions"})
_CHATS: frozenset[Kind] = frozenset({"chats"})
_ALL: frozenset[Kind] = frozenset({"calls", "conversions", "chats"})
_CALLS_CHATS: frozenset[Kind] = frozenset({"calls", "chats"})


@functools.cache
def currency_codes() -> frozenset[str]:
    """Active ISO 4217 alphabetic codes, from pycountry's copy of the standard."""
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.currencies)


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a rule expression may depend on besides the data."""

    kind: Kind
    now: int
    present: frozenset[str]
    ids: tuple[str, ...] = ()
    """The ID columns that count for ``*|id_required`` (empty: every ID column of ``kind``);
    one column when the upload's ``client_id_type`` is known."""

    def col(self, name: str) -> pl.Expr:
        """The text column ``name``, or a null literal when the frame lacks it."""
        if name in self.present:
            return pl.col(name)
        return pl.lit(None, dtype=pl.String)


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the contract.

    ``fails`` builds the expression that is ``True`` on rows breaking the rule; it runs only
    when every column in ``needs`` is present. ``hint`` says what to do about a failure.
    ``effect`` says what Metrica does with it (:data:`EFFECTS`; every rule of the contract has
    one, ``None`` is for rules of other layers, such as tracker conversions, whose failures never
    reach Metrica); ``raw`` rules see the values as given, the others the normalised text view.
    ``row_hint``, when set, says what to do per row from the rule's own column (``Telegram`` →
    write ``telegram``), falling back to ``hint`` where it is null.
    """

    id: str
    title: str
    kinds: frozenset[Kind]
    severity: Severity = "error"
    scope: Scope = "row"
    needs: tuple[str, ...] = ()
    fails: Callable[[RuleContext], pl.Expr] | None = field(default=None, repr=False)
    hint: str = ""
    raw: bool = False
    effect: Effect | None = None
    row_hint: Callable[[], pl.Expr] | None = field(default=None, repr=False)

    @property
    def column(self) -> str:
        return self.id.split("|", 1)[0]

    def expression(self, ctx: RuleContext) -> pl.Expr:
        """The boolean column ``True`` on rows breaking this rule (nulls never break it)."""
        if self.fails is None:
            raise TypeError(f"{self.id} is a {self.scope} rule: it has no row expression")
        return self.fails(ctx).fill_null(False)

    def applies(self, kind: Kind, present: frozenset[str]) -> bool:
        return (
            kind in self.kinds
            and self.fails is not None
            and all(name in present for name in self.needs)
        )


# --- expression helpers -----------------------------------------------------------------------

_PAD = " \t\r\n"
"""What Metrica trims from a value (spaces and tabs; line-end characters too)."""


def _not_matching(name: str, pattern: str) -> Callable[[RuleContext], pl.Expr]:
    def fails(ctx: RuleContext) -> pl.Expr:
        c = ctx.col(name)
        return c.is_not_null() & ~c.str.contains(pattern)

    return fails


def _matching(name: str, pattern: str) -> Callable[[RuleContext], pl.Expr]:
    def fails(ctx: RuleContext) -> pl.Expr:
        return ctx.col(name).str.contains(pattern)

    return fails


def _uint64_overflow(name: str) -> Callable[[RuleContext], pl.Expr]:
    def fails(ctx: RuleContext) -> pl.Expr:
        c = ctx.col(name)
        return c.str.contains(r"^\d{20}$") & (c > pl.lit(UINT64_MAX))

    return fails


def _uint32_overflow(name: str) -> Callable[[RuleContext], pl.Expr]:
    def fails(ctx: RuleContext) -> pl.Expr:
        c = ctx.col(name)
        eleven_digits = c.str.contains(r"^0*[1-9]\d{10,}$")
        ten_digits = c.str.contains(r"^0*\d{1,10}$")
        return eleven_digits | ten_digits & (c.str.to_integer(strict=False) > UINT32_MAX)

    return fails


# The raw rules compare the lengths of a value and of the value trimmed (the normalisation's
# trimming, same ``_PAD``) instead of running three regexes: 2× cheaper.


def _whitespace_only(name: str) -> Callable[[RuleContext], pl.Expr]:
    # raw: the value as given, before trimming: not empty, nothing left once trimmed
    def fails(ctx: RuleContext) -> pl.Expr:
        c = ctx.col(name)
        return (c.str.len_bytes() > 0) & (c.str.strip_chars(_PAD).str.len_bytes() == 0)

    return fails


def _padded(name: str) -> Callable[[RuleContext], pl.Expr]:
    # raw: spaces or tabs around a value that is not only whitespace: trimming shortens it and
    # leaves something
    def fails(ctx: RuleContext) -> pl.Expr:
        c = ctx.col(name)
        kept = c.str.strip_chars(_PAD).str.len_bytes()
        return (kept != c.str.len_bytes()) & (kept > 0)

    return fails


def _too_long(name: str) -> Callable[[RuleContext], pl.Expr]:
    def fails(ctx: RuleContext) -> pl.Expr:
        return ctx.col(name).str.len_chars() > MAX_TEXT_LENGTH

    return fails


def _has_value(c: pl.Expr) -> pl.Expr:
    return c.is_not_null() & (c.str.strip_chars() != "")


def _row_empty(ctx: RuleContext) -> pl.Expr:
    """Every field of the row empty (on the normalised view: whitespace counts as empty)."""
    if not ctx.present:
        return pl.lit(False)
    return pl.all_horizontal([ctx.col(n).is_null() for n in sorted(ctx.present)])


def _id_missing(ctx: RuleContext) -> pl.Expr:
    # a present but malformed ID (letters) counts as present: its own rule reports it, so that
    # one bad cell breaks exactly one rule; a whitespace-only ID is empty (Metrica trims it)
    names = ctx.ids or id_columns(ctx.kind)
    present_ids = [ctx.col(n).is_not_null() for n in names if n in ctx.present]
    has_id = pl.any_horizontal(present_ids) if present_ids else pl.lit(False)
    static = ctx.col("StaticCall") == "1" if ctx.kind == "calls" else pl.lit(False)
    return ~has_id & ~static.fill_null(False) & ~_row_empty(ctx)


_INT = r"^-?\d+$"
_MS = r"^\d{13}$"
_FRACTION = r"^-?\d+\.\d+$"


def _dt_value() -> pl.Expr:
    return pl.col("DateTime").str.to_integer(strict=False)


def _dt_future(ctx: RuleContext) -> pl.Expr:
    c = pl.col("DateTime")
    huge = c.str.contains(r"^\d{14,}$")
    return (
        c.str.contains(_INT)
        & ~c.str.contains(_MS)
        & (huge | (_dt_value() > ctx.now + SKEW_SECONDS))
    )


def _dt_before_2000(ctx: RuleContext) -> pl.Expr:
    c = pl.col("DateTime")
    negative = c.str.contains(r"^-\d+$")
    return c.str.contains(_INT) & (negative | (_dt_value() < MIN_DATETIME))


def _dt_old(ctx: RuleContext) -> pl.Expr:
    v = _dt_value()
    in_range = pl.col("DateTime").str.contains(r"^\d{1,12}$") & (v >= MIN_DATETIME)
    return in_range & (v < ctx.now - LINK_WINDOW_SECONDS)


def _dt_fraction(ctx: RuleContext) -> pl.Expr:
    # raw: ``1481718166.12345`` (padding allowed, the padding rule reports it)
    return pl.col("DateTime").str.strip_chars(_PAD).str.contains(_FRACTION)


def _currency_unknown(ctx: RuleContext) -> pl.Expr:
    c = pl.col("Currency")
    return c.is_not_null() & ~c.is_in(sorted(currency_codes()))


def _currency_missing(ctx: RuleContext) -> pl.Expr:
    return pl.col("Price").is_not_null() & ~_has_value(ctx.col("Currency"))


_CYRILLIC = r"[\p{Cyrillic}]"


def _target_not_identifier(ctx: RuleContext) -> pl.Expr:
    c = pl.col("Target")
    return c.is_not_null() & ~c.str.contains(r"^[A-Za-z0-9_.\-]+$") & ~c.str.contains(_CYRILLIC)


# --- the rules --------------------------------------------------------------------------------
# Effects: metrica-server.md, "File accepted, one row dropped" (drop_row), "File and row accepted,
# although a value is wrong" (keep_wrong_value), "Accepted as valid" (accept), "Whole request
# refused" (refuse_file). "chosen:" marks an effect the page does not record.


def _id_rules() -> list[Rule]:
    out: list[Rule] = [
        Rule(
            "*|id_required",
            "Row has no ClientId, UserId or Yclid (only static calls may go without)",
            _BOTH,
            effect="drop_row",  # the ID empty or whitespace only: the row is dropped
            fails=_id_missing,
            hint="Fill one ID column, mark the call static (StaticCall=1), or leave it out.",
        )
    ]
    digit_ids = (
        ("ClientId", "Metrica ClientID", _BOTH),
        ("ClientID", "Metrica ClientID", _CHATS),  # the chat page's spelling
        ("Yclid", "Yclid", _ALL),
    )
    for name, label, kinds in digit_ids:
        out += [
            Rule(
                f"{name}|digits",
                f"{name} is not 1–20 digits ({label} is a digit string, never a float)",
                kinds,
                effect="drop_row",  # not a number / negative: the row is dropped
                needs=(name,),
                fails=_not_matching(name, r"^\d{1,20}$"),
                hint="Read IDs as text; remove spaces, quotes and '.0'.",
            ),
            Rule(
                f"{name}|uint64",
                f"{name} is larger than an unsigned 64-bit integer",
                kinds,
                # chosen: a number that does not fit uint64 fails to parse like "not a number"
                effect="drop_row",
                needs=(name,),
                fails=_uint64_overflow(name),
                hint="The value is not a real ID; take it from the tracker again.",
            ),
        ]
    text_ids = (
        ("UserId", _BOTH),
        ("PurchaseId", _CONVERSIONS),
        ("UserID", _CHATS),
        ("PurchaseID", _CHATS),
    )
    for name, kinds in text_ids:
        out.append(
            Rule(
                f"{name}|max_length",
                f"{name} is longer than {MAX_TEXT_LENGTH} characters",
                kinds,
                effect="accept",  # chosen: no limit is documented or tested
                severity="warning",
                needs=(name,),
                fails=_too_long(name),
            )
        )
    return out


def _datetime_rules() -> list[Rule]:
    return [
        Rule(
            "DateTime|required",
            "DateTime is empty",
            _ALL,
            effect="drop_row",  # empty or whitespace only: the row is dropped
            needs=("DateTime",),
            fails=lambda ctx: pl.col("DateTime").is_null() & ~_row_empty(ctx),
            hint="Every row needs the time of the call, conversion or chat.",
        ),
        Rule(
            "DateTime|integer",
            "DateTime is not an integer number of Unix seconds",
            _ALL,
            effect="drop_row",  # not a number: the row is dropped
            needs=("DateTime",),
            fails=_not_matching("DateTime", _INT),
            hint="Convert dates to Unix seconds in UTC (callframe convert does it).",
        ),
        Rule(
            "DateTime|fraction",
            "DateTime has a fraction of a second (Metrica accepts it; written as whole seconds)",
            _ALL,
            effect="accept",  # 1481718166.12345 is accepted; callframe truncates to 1481718166
            severity="warning",
            needs=("DateTime",),
            fails=_dt_fraction,
            hint="callframe writes the whole seconds (the fraction is cut off, not rounded).",
            raw=True,
        ),
        Rule(
            "DateTime|milliseconds",
            "DateTime has 13 digits: milliseconds, not seconds",
            _ALL,
            # chosen: read as seconds, 13 digits are ~50 000 years ahead: "far in the future",
            # which the server drops (2147483647 is dropped already)
            effect="drop_row",
            needs=("DateTime",),
            fails=_matching("DateTime", _MS),
            hint="Divide by 1000.",
        ),
        Rule(
            "DateTime|not_before_2000",
            "DateTime is before 2000-01-01",
            _ALL,
            # negative values are dropped (tested); chosen: 1970-1999 alike
            effect="drop_row",
            needs=("DateTime",),
            fails=_dt_before_2000,
            hint="A broken timestamp; check the export's date column.",
        ),
        Rule(
            "DateTime|not_future",
            f"DateTime is in the future (more than {SKEW_SECONDS // 60} minutes ahead)",
            _ALL,
            # far in the future (2147483647) is dropped (tested); chosen: any future time alike
            # (the docs: "an error occurs if the file is loaded before DateTime")
            effect="drop_row",
            needs=("DateTime",),
            fails=_dt_future,
            hint="Local time sent as UTC? Convert with the export's time zone (--tz).",
        ),
        Rule(
            "DateTime|older_than_21_days",
            "DateTime is more than 21 days old: Metrica will not link it to a session",
            _ALL,
            effect="accept",  # counted, not linked to a session
            severity="warning",
            needs=("DateTime",),
            fails=_dt_old,
            hint="Upload calls sooner; old calls still count as static.",
        ),
    ]


def _flag_rules() -> list[Rule]:
    meaning = {
        "StaticCall": "1 static, 0 dynamic",
        "CallMissed": "1 missed, 0 answered",
        "FirstTimeCaller": "1 first call, 0 repeat",
    }
    return [
        Rule(
            f"{name}|flag",
            f"{name} is not 0 or 1 ({text})",
            _CALLS,
            effect="keep_wrong_value",  # notNumber, -1, 2: the row is counted
            needs=(name,),
            fails=_not_matching(name, "^[01]$"),
            hint="Map the tracker's words (e.g. 'Пропущенный') to 1/0; leave unknown empty.",
        )
        for name, text in meaning.items()
    ]


def _duration_rules() -> list[Rule]:
    out: list[Rule] = []
    for name in ("TalkDuration", "HoldDuration"):
        out += [
            Rule(
                f"{name}|whole_seconds",
                f"{name} is not a whole number of seconds",
                _CALLS,
                effect="keep_wrong_value",  # notNumber: the row is counted
                needs=(name,),
                fails=_not_matching(name, _INT),
                hint="Convert HH:MM:SS or milliseconds to seconds.",
            ),
            Rule(
                f"{name}|non_negative",
                f"{name} is negative",
                _CALLS,
                effect="keep_wrong_value",  # -1: the row is counted
                needs=(name,),
                fails=_matching(name, r"^-\d+$"),
            ),
            Rule(
                f"{name}|uint32",
                f"{name} is larger than {UINT32_MAX} (Metrica stores an unsigned 32-bit number)",
                _CALLS,
                effect="keep_wrong_value",  # 4294967296: the row is counted
                needs=(name,),
                fails=_uint32_overflow(name),
                hint="A duration in milliseconds or a broken value; give whole seconds.",
            ),
        ]
    return out


def _money_rules() -> list[Rule]:
    return [
        Rule(
            "Price|decimal",
            "Price is not a plain decimal with a dot (no comma, spaces or exponent)",
            _BOTH,
            effect="keep_wrong_value",  # notNumber: the row is counted
            needs=("Price",),
            fails=_not_matching("Price", r"^-?\d+(\.\d+)?$"),
            hint="Write 1500.50, not '1 500,50'.",
        ),
        Rule(
            "Price|non_negative",
            "Price is negative",
            _BOTH,
            effect="keep_wrong_value",  # chosen: a number the server can read; the row is counted
            needs=("Price",),
            fails=_matching("Price", r"^-\d+(\.\d+)?$"),
        ),
        Rule(
            "Currency|iso4217",
            "Currency is not an active ISO 4217 code in upper case",
            _BOTH,
            # notNumber is counted (tested); the docs: another currency sends empty price and
            # currency instead, so the row is counted without them
            effect="keep_wrong_value",
            needs=("Currency",),
            fails=_currency_unknown,
            hint="Use codes such as RUB, USD, KZT.",
        ),
        Rule(
            "Currency|required_with_price",
            "Price is set but Currency is empty",
            _BOTH,
            # chosen: Currency is optional to the server; the row is counted
            effect="keep_wrong_value",
            needs=("Price",),
            fails=_currency_missing,
            hint="Add the Currency column (e.g. RUB) wherever Price is filled.",
        ),
    ]


def _text_rules() -> list[Rule]:
    out = [
        Rule(
            "PhoneNumber|e164",
            "PhoneNumber is not '+' and 8–15 digits (E.164, no spaces)",
            _CALLS_CHATS,
            # chosen: the server tests no phone format; an optional text value, so the row is
            # counted and the number is wrong for matching
            effect="keep_wrong_value",
            needs=("PhoneNumber",),
            fails=_not_matching("PhoneNumber", r"^\+\d{8,15}$"),
            hint="Normalise 8 (495) … to +7495…; callframe convert does it.",
        ),
        Rule(
            "Tag|max_length",
            f"Tag is longer than {MAX_TEXT_LENGTH} characters",
            _CALLS,
            effect="accept",  # chosen: no limit is documented or tested
            severity="warning",
            needs=("Tag",),
            fails=_too_long("Tag"),
        ),
    ]
    for name in ("URL", "CallTrackerURL"):
        out += [
            Rule(
                f"{name}|http_url",
                f"{name} is not an absolute http(s):// URL",
                _CALLS,
                effect="keep_wrong_value",  # chosen: an optional text value; the row is counted
                needs=(name,),
                fails=_not_matching(name, r"(?i)^https?://[^\s/?#]+[^\s]*$"),
                hint="Give the full address with https:// and no spaces.",
            ),
            Rule(
                f"{name}|max_length",
                f"{name} is longer than {MAX_TEXT_LENGTH} characters",
                _CALLS,
                effect="accept",  # chosen: no limit is documented or tested
                severity="warning",
                needs=(name,),
                fails=_too_long(name),
            ),
        ]
    out += [
        Rule(
            "Target|required",
            "Target is empty",
            _CONVERSIONS,
            effect="drop_row",  # chosen: a conversion without its goal cannot be counted
            needs=("Target",),
            fails=lambda ctx: pl.col("Target").is_null() & ~_row_empty(ctx),
            hint="Every conversion needs the goal's identifier.",
        ),
        Rule(
            "Target|identifier",
            "Target is not a goal identifier (Latin letters, digits, _ - . only)",
            _CONVERSIONS,
            # chosen: the row is counted, the goal not found (goal_not_found_quantity)
            effect="keep_wrong_value",
            needs=("Target",),
            fails=_target_not_identifier,
            hint="Use the JavaScript-event identifier of the goal, e.g. order_confirmed.",
        ),
        Rule(
            "Target|goal_name",
            "Target holds Cyrillic text: a goal name, not the goal's identifier",
            _CONVERSIONS,
            effect="keep_wrong_value",  # chosen: as Target|identifier
            needs=("Target",),
            fails=_matching("Target", _CYRILLIC),
            hint="Metrica needs the goal's JavaScript-event identifier (Latin), not its name.",
        ),
    ]
    return out


def _whitespace_rules() -> list[Rule]:
    """Padded and whitespace-only values: Metrica trims them (accepted as valid)."""
    out: list[Rule] = []
    seen: dict[str, set[Kind]] = {}
    kinds_all: tuple[Kind, ...] = ("calls", "conversions", "chats")
    for kind in kinds_all:
        for c in columns(kind):
            seen.setdefault(c.name, set()).add(kind)
    required = {c.name for kind in kinds_all for c in columns(kind) if c.required}
    for name, kinds in seen.items():
        k = frozenset(kinds)
        out.append(
            Rule(
                f"{name}|padded",
                f"{name} has spaces or tabs around the value (Metrica trims them; written trimmed)",
                k,
                effect="accept",  # "\t136 " is trimmed and accepted
                severity="warning",
                needs=(name,),
                fails=_padded(name),
                hint="callframe writes the value without the spaces.",
                raw=True,
            )
        )
        if name not in required:  # a required value that is only whitespace is simply empty
            out.append(
                Rule(
                    f"{name}|not_blank",
                    f"{name} is only whitespace (Metrica reads it as empty; written empty)",
                    k,
                    effect="accept",  # optional values whitespace only are accepted
                    severity="warning",
                    needs=(name,),
                    fails=_whitespace_only(name),
                    hint="Leave the cell empty instead.",
                    raw=True,
                )
            )
    return out


def _platform_not_allowed(ctx: RuleContext) -> pl.Expr:
    c = pl.col("ChatPlatform")
    return c.is_not_null() & ~c.is_in(list(CHAT_PLATFORMS))


def _platform_hint() -> pl.Expr:
    """For a known platform in another letter case: the exact value to write."""
    lower = pl.col("ChatPlatform").str.strip_chars().str.to_lowercase()
    return pl.when(lower.is_in(list(CHAT_PLATFORMS))).then(
        pl.format("Write it in lower case: '{}'.", lower)
    )


def _no_chat_contact(ctx: RuleContext) -> pl.Expr:
    present = [_has_value(ctx.col(n)) for n in CHAT_CONTACT_COLUMNS if n in ctx.present]
    missing = ~pl.any_horizontal(present) if present else pl.lit(True)
    return missing & ~_row_empty(ctx)


def _unattributed(ctx: RuleContext) -> pl.Expr:
    # a malformed ID still counts: its own rule reports it (one bad cell, one rule)
    present = [ctx.col(n).is_not_null() for n in id_columns(ctx.kind) if n in ctx.present]
    missing = ~pl.any_horizontal(present) if present else pl.lit(True)
    return missing & ~_row_empty(ctx)


def _chat_rules() -> list[Rule]:
    """The chats CSV (``upload?type=CHATS``); its DateTime, PhoneNumber, Yclid and file rules
    are the shared ones above. The server's tests predate chats: every effect here is chosen."""
    platforms = ", ".join(CHAT_PLATFORMS)
    return [
        Rule(
            "ChatPlatform|required",
            "ChatPlatform is empty",
            _CHATS,
            effect="drop_row",  # chosen: a required value missing, as an empty DateTime
            needs=("ChatPlatform",),
            fails=lambda ctx: pl.col("ChatPlatform").is_null() & ~_row_empty(ctx),
            hint=f"Every chat needs its messenger: {platforms}.",
        ),
        Rule(
            "ChatPlatform|allowed",
            f"ChatPlatform is not one of {platforms} (in lower case)",
            _CHATS,
            # chosen: the docs list three values, in lower case; another value is presumably
            # not stored, as a required value the server cannot read
            effect="drop_row",
            needs=("ChatPlatform",),
            fails=_platform_not_allowed,
            hint=f"Metrica takes chats from {platforms} only, written in lower case.",
            row_hint=_platform_hint,
        ),
        Rule(
            "*|chat_contact_required",
            "Row has no ChatUsername, ChatUserID or PhoneNumber (who the chat was with)",
            _CHATS,
            effect="drop_row",  # chosen: the docs require one of the three in each row
            fails=_no_chat_contact,
            hint="Fill ChatUsername, ChatUserID or PhoneNumber, or leave the row out.",
        ),
        Rule(
            "*|unattributed",
            "Row has no ClientID, UserID, Yclid or PurchaseID: uploaded, but not linked to a visit",
            _CHATS,
            effect="accept",  # the docs: uploaded as an unattributed event
            severity="warning",
            fails=_unattributed,
            hint="Pass the visitor's ClientID (or UserID, Yclid) to link the chat to its session.",
        ),
        *(
            Rule(
                f"{name}|max_length",
                f"{name} is longer than {MAX_TEXT_LENGTH} characters",
                _CHATS,
                effect="accept",  # chosen: no limit is documented
                severity="warning",
                needs=(name,),
                fails=_too_long(name),
            )
            for name in ("ChatUsername", "ChatUserID")
        ),
    ]


def _structure_rules() -> list[Rule]:
    return [
        Rule(
            "*|missing_column",
            "A required column is missing",
            _ALL,
            effect="refuse_file",  # DateTime missing: the whole file is refused
            scope="schema",
            hint="Add the column (DateTime; Target for conversions; ChatPlatform for chats).",
        ),
        Rule(
            "*|missing_id_column",
            "No ID column (ClientId, UserId or Yclid): Metrica refuses the file",
            _BOTH,  # a chats file may go without: its rows are then unattributed
            effect="refuse_file",  # the column of client_id_type missing: the whole file is refused
            scope="schema",
            hint="Add the ID column of the upload's client_id_type (e.g. ClientId).",
        ),
        Rule(
            "*|unknown_column",
            "Column is not part of the Metrica upload format",
            _ALL,
            # chosen: the server is not tested with one; it matches columns by name, so an
            # unknown column is presumably ignored and its values lost (the rows are counted)
            effect="keep_wrong_value",
            scope="schema",
            hint="Remove it or rename it to a contract column.",
        ),
        Rule(
            "*|column_case",
            "Column name differs from a contract column in case or non-word characters "
            "(Metrica accepts it; written exactly)",
            _ALL,
            effect="accept",  # the server compares names without non-word characters, ignoring case
            severity="warning",
            scope="schema",
            hint="Rename it exactly as the hint says.",
        ),
        Rule(
            "*|duplicate_column",
            "Column appears more than once",
            _ALL,
            effect="refuse_file",  # chosen: not tested; which copy the server reads is unknown
            scope="schema",
            hint="Keep one copy.",
        ),
        Rule(
            "*|dtype",
            "Column has a type that cannot be written safely",
            _ALL,
            # chosen: a float ID or a datetime DateTime would reach the server as "not a
            # number" in every row: every row dropped
            effect="drop_row",
            scope="schema",
            hint="See the message; IDs must be text, DateTime Unix seconds.",
        ),
        Rule(
            "*|no_rows",
            "File has no data rows: Metrica refuses it",
            _ALL,
            effect="refuse_file",  # a header and no data rows, or an empty file: refused
            scope="file",
            hint="Leave the file out, or add the rows it should carry.",
        ),
        Rule(
            "*|malformed_csv",
            "File is not valid CSV (a quote inside an unquoted value, or an unclosed quote)",
            _ALL,
            effect="refuse_file",  # "tes"t in the header or a data row: refused
            scope="file",
            hint='Quote the whole value and double the quotes inside it: "te""st".',
        ),
        Rule(
            "*|separator",
            "File is not comma-separated",
            _ALL,
            # the server reads ',' only: the header becomes one unknown name, DateTime missing
            effect="refuse_file",
            scope="file",
            hint="Metrica reads ',' only; write the file with callframe.write_csv.",
        ),
        Rule(
            "*|bom",
            "File starts with a byte-order mark (Metrica accepts it; written without)",
            _ALL,
            # the BOM is a non-word character before the first header name, which the server
            # removes when it matches names (as in " UserId ")
            effect="accept",
            severity="warning",
            scope="file",
            hint="Save as UTF-8 without BOM.",
        ),
        Rule(
            "*|blank_line",
            "File has blank lines (Metrica skips them; not written)",
            _ALL,
            effect="accept",  # blank lines anywhere are skipped
            severity="warning",
            scope="file",
            hint="Remove the blank lines; they are not rows.",
        ),
        Rule(
            "*|empty_row",
            "Row has no value in any column",
            _ALL,
            effect="drop_row",  # a row of empty fields is dropped
            fails=_row_empty,
            hint="Remove the row.",
        ),
    ]


RULES: tuple[Rule, ...] = tuple(
    _structure_rules()
    + _id_rules()
    + _datetime_rules()
    + _flag_rules()
    + _duration_rules()
    + _money_rules()
    + _text_rules()
    + _chat_rules()
    + _whitespace_rules()
)
"""Every rule, schema and file rules first, then row rules grouped by column."""

_BY_ID = {r.id: r for r in RULES}


def rule(rule_id: str) -> Rule:
    """The rule with this id (``KeyError`` names the id when there is none)."""
    return _BY_ID[rule_id]


def effect_of(rule_id: str) -> Effect | None:
    """The :data:`Effect` of a contract rule; ``None`` for an id outside the contract (the
    rules of a tracker conversion, which never reach Metrica)."""
    r = _BY_ID.get(rule_id)
    return r.effect if r is not None else None


def rules_for(kind: Kind, *, scope: Scope | None = None) -> tuple[Rule, ...]:
    """The rules that apply to ``kind``, in registry order, optionally of one scope."""
    names = {c.name for c in columns(kind)}
    return tuple(
        r
        for r in RULES
        if kind in r.kinds
        and (scope is None or r.scope == scope)
        and (r.column == "*" or r.column in names)
    )

"""One passing and one failing example per row rule, as data.

Each entry: rule id → (kind, cells that pass, cells that fail). The cells override a row that is
valid on its own (:data:`GOOD_CALL` / :data:`GOOD_CONVERSION`), so the failing example breaks
exactly one rule. Used by the rule tests and by the property tests' mutations.
"""

from __future__ import annotations

NOW = 1_795_435_200
LONG = "x" * 1025

GOOD_CALL: dict[str, str | None] = {
    "UserId": None,
    "ClientId": "1795012345678901234",
    "Yclid": None,
    "DateTime": str(NOW - 3600),
    "StaticCall": "0",
    "Price": None,
    "Currency": None,
    "PhoneNumber": "+79161234567",
    "TalkDuration": "95",
    "HoldDuration": "7",
    "CallMissed": "0",
    "Tag": "target",
    "FirstTimeCaller": "1",
    "URL": "https://example.ru/landing",
    "CallTrackerURL": "https://tracker.example/calls/1",
}

GOOD_CONVERSION: dict[str, str | None] = {
    "Target": "order_confirmed",
    "DateTime": str(NOW - 3600),
    "Price": None,
    "Currency": None,
    "ClientId": "1795012345678901234",
    "UserId": None,
    "Yclid": None,
    "PurchaseId": None,
}

Cells = dict[str, str | None]

EXAMPLES: dict[str, tuple[str, Cells, Cells]] = {
    "*|id_required": (
        "calls",
        {"ClientId": None, "StaticCall": "1"},
        {"ClientId": None, "StaticCall": "0"},
    ),
    "ClientId|digits": ("calls", {"ClientId": "18446744073709551615"}, {"ClientId": "1.79e18"}),
    "ClientId|uint64": (
        "calls",
        {"ClientId": "18446744073709551615"},
        {"ClientId": "18446744073709551616"},
    ),
    "Yclid|digits": ("calls", {"Yclid": "7312345678901234567"}, {"Yclid": "7312345678901234567x"}),
    "Yclid|uint64": ("calls", {"Yclid": "09999999999999999999"}, {"Yclid": "99999999999999999999"}),
    "UserId|max_length": ("calls", {"UserId": "u" * 1024}, {"UserId": LONG}),
    "PurchaseId|max_length": ("conversions", {"PurchaseId": "p" * 1024}, {"PurchaseId": LONG}),
    "DateTime|required": ("calls", {"DateTime": str(NOW)}, {"DateTime": None}),
    "DateTime|integer": ("calls", {"DateTime": str(NOW)}, {"DateTime": "2026-11-23 12:00:00"}),
    "DateTime|fraction": (
        "calls",
        {"DateTime": str(NOW - 3600)},
        {"DateTime": f"{NOW - 3600}.12345"},  # accepted by Metrica; written as whole seconds
    ),
    "DateTime|milliseconds": ("calls", {"DateTime": str(NOW)}, {"DateTime": str(NOW * 1000)}),
    "DateTime|not_before_2000": ("calls", {"DateTime": "946684800"}, {"DateTime": "946684799"}),
    "DateTime|not_future": ("calls", {"DateTime": str(NOW + 300)}, {"DateTime": str(NOW + 301)}),
    "DateTime|older_than_21_days": (
        "calls",
        {"DateTime": str(NOW - 21 * 86400)},
        {"DateTime": str(NOW - 21 * 86400 - 1)},
    ),
    "StaticCall|flag": ("calls", {"StaticCall": "1"}, {"StaticCall": "true"}),
    "CallMissed|flag": ("calls", {"CallMissed": "1"}, {"CallMissed": "Пропущенный"}),
    "FirstTimeCaller|flag": ("calls", {"FirstTimeCaller": "0"}, {"FirstTimeCaller": "2"}),
    "TalkDuration|whole_seconds": ("calls", {"TalkDuration": "0"}, {"TalkDuration": "00:01:35"}),
    "TalkDuration|non_negative": ("calls", {"TalkDuration": "3600"}, {"TalkDuration": "-1"}),
    "HoldDuration|whole_seconds": ("calls", {"HoldDuration": "12"}, {"HoldDuration": "7.5"}),
    "HoldDuration|non_negative": ("calls", {"HoldDuration": "0"}, {"HoldDuration": "-7"}),
    "TalkDuration|uint32": (
        "calls",
        {"TalkDuration": "4294967295"},
        {"TalkDuration": "4294967296"},
    ),
    "HoldDuration|uint32": (
        "calls",
        {"HoldDuration": "0004294967295"},
        {"HoldDuration": "99999999999"},
    ),
    "Price|decimal": (
        "calls",
        {"Price": "1500.50", "Currency": "RUB"},
        {"Price": "1 500,50", "Currency": "RUB"},
    ),
    "Price|non_negative": (
        "calls",
        {"Price": "0", "Currency": "RUB"},
        {"Price": "-10.5", "Currency": "RUB"},
    ),
    "Currency|iso4217": ("calls", {"Currency": "KZT"}, {"Currency": "rub"}),
    "Currency|required_with_price": (
        "calls",
        {"Price": "10", "Currency": "USD"},
        {"Price": "10", "Currency": None},
    ),
    "PhoneNumber|e164": ("calls", {"PhoneNumber": "+375291234567"}, {"PhoneNumber": "+7 916 123"}),
    "Tag|max_length": ("calls", {"Tag": "t" * 1024}, {"Tag": LONG}),
    "URL|http_url": ("calls", {"URL": "HTTP://example.ru"}, {"URL": "https://example.ru/a b"}),
    "URL|max_length": (
        "calls",
        {"URL": "https://e.ru/" + "a" * 1011},
        {"URL": "https://e.ru/" + LONG},
    ),
    "CallTrackerURL|http_url": (
        "calls",
        {"CallTrackerURL": "http://127.0.0.1/c/1"},
        {"CallTrackerURL": "ftp://tracker/1"},
    ),
    "CallTrackerURL|max_length": (
        "calls",
        {"CallTrackerURL": "https://t.ru/" + "a" * 1011},
        {"CallTrackerURL": "https://t.ru/" + LONG},
    ),
    "Target|required": ("conversions", {"Target": "lead"}, {"Target": None}),
    "Target|identifier": ("conversions", {"Target": "lead.form-2_b"}, {"Target": "lead form"}),
    "Target|goal_name": ("conversions", {"Target": "lead_2"}, {"Target": "Заявка с сайта"}),
}


EXAMPLES["*|empty_row"] = (
    "calls",
    {},
    dict.fromkeys(GOOD_CALL),
)

# Padded and whitespace-only values (Metrica trims them): one example per column, generated.
# Each column's own valid value; columns empty in the good rows get one (with what it needs).
_VALUE: dict[str, Cells] = {
    "UserId": {"UserId": "crm-1"},
    "Yclid": {"Yclid": "7312345678901234567"},
    "Price": {"Price": "10", "Currency": "RUB"},
    "Currency": {"Price": "10", "Currency": "RUB"},
    "PurchaseId": {"PurchaseId": "ORD-1"},
}
# a whitespace-only value is empty: what else the row needs so that nothing else breaks
_BLANK_NEEDS: dict[str, Cells] = {
    "ClientId": {"UserId": "crm-1"},
    "Price": {"Currency": None},
    "Currency": {"Price": None},
}
for _kind, _good in (("calls", GOOD_CALL), ("conversions", GOOD_CONVERSION)):
    for _name, _value in _good.items():
        if f"{_name}|padded" in EXAMPLES:
            continue
        _cells = _VALUE.get(_name, {_name: _value})
        _padded = {**_cells, _name: f" {_cells[_name]}\t"}
        EXAMPLES[f"{_name}|padded"] = (_kind, _cells, _padded)
        if _name not in ("DateTime", "Target"):  # required: whitespace only is simply empty
            _blank = {**_BLANK_NEEDS.get(_name, {}), _name: " \t "}
            EXAMPLES[f"{_name}|not_blank"] = (_kind, {}, _blank)


def row(kind: str, cells: Cells) -> dict[str, str | None]:
    base = dict(GOOD_CALL if kind == "calls" else GOOD_CONVERSION)
    base.update(cells)
    return base

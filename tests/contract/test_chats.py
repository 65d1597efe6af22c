"""The chats CSV (``upload?type=CHATS``): its columns, its own rules, and the rules it shares.

What the chat page says (chats.md at the repository's reference): DateTime and ChatPlatform are
required; ChatPlatform is whatsapp, telegram or viber in lower case; each row names the chat
partner (ChatUsername, ChatUserID or PhoneNumber); the IDs are optional, and a row without any is
uploaded unattributed (a warning). The page spells the IDs ClientID/UserID/PurchaseID: callframe
writes that and reads ClientId/UserId/PurchaseId as the same columns.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import callframe
from callframe.contract.columns import column_names, id_columns
from callframe.contract.rules import rule, rules_for

from ..conftest import FIXTURES, NOW

METRICA = FIXTURES / "metrica"


def findings(report: callframe.ValidationReport) -> list[tuple[int | None, str, str]]:
    both = pl.concat(
        [
            report.errors.select("row", "rule", severity=pl.lit("error")),
            report.warnings.select("row", "rule", severity=pl.lit("warning")),
        ]
    ).sort("row", maintain_order=True)
    return [(r, rule_id, sev) for r, rule_id, sev in both.rows()]


def test_the_columns_in_the_chat_pages_order_and_spelling() -> None:
    assert column_names("chats") == (
        "DateTime",
        "ChatPlatform",
        "ChatUsername",
        "ChatUserID",
        "PhoneNumber",
        "ClientID",
        "UserID",
        "Yclid",
        "PurchaseID",
    )
    assert id_columns("chats") == ("ClientID", "UserID", "Yclid", "PurchaseID")
    required = [c.name for c in callframe.contract.columns("chats") if c.required]
    assert required == ["DateTime", "ChatPlatform"]


def test_the_valid_fixture_passes_without_warnings() -> None:
    report = callframe.validate(METRICA / "chats.csv", "chats", now=NOW)
    assert report.ok and report.warnings.height == 0, report.to_text()
    assert report.n_valid == report.n_rows == 6


def test_the_defects_fixture_breaks_exactly_the_expected_rule_per_row() -> None:
    report = callframe.validate(METRICA / "defects" / "chats_defects.csv", "chats", now=NOW)
    expected = pl.read_csv(METRICA / "defects" / "chats_defects.expected.csv", infer_schema=False)
    assert findings(report) == [(int(r), rule_id, sev) for r, rule_id, sev in expected.rows()]


def test_the_defects_fixture_covers_the_chat_rules() -> None:
    expected = pl.read_csv(METRICA / "defects" / "chats_defects.expected.csv", infer_schema=False)
    wanted = {
        "ChatPlatform|required",
        "ChatPlatform|allowed",
        "*|chat_contact_required",
        "*|unattributed",
        "PhoneNumber|e164",
        "ClientID|digits",
        "DateTime|required",
        "DateTime|integer",
        "DateTime|milliseconds",
        "DateTime|not_before_2000",
        "DateTime|not_future",
        "DateTime|older_than_21_days",
    }
    assert wanted <= set(expected["rule"])


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("Telegram", "Write it in lower case: 'telegram'."),
        ("WHATSAPP", "Write it in lower case: 'whatsapp'."),
        ("Viber", "Write it in lower case: 'viber'."),
        ("instagram", "Metrica takes chats from whatsapp, telegram, viber only"),
        ("vk", "Metrica takes chats from whatsapp, telegram, viber only"),
    ],
)
def test_a_platform_in_another_case_gets_the_exact_value_as_hint(value: str, hint: str) -> None:
    frame = pl.DataFrame(
        {"DateTime": [str(NOW - 60)], "ChatPlatform": [value], "ChatUsername": ["someone"]},
    ).with_columns(ClientID=pl.lit("1795012345678901234"))
    report = callframe.validate(frame, "chats", now=NOW)
    [(rule_id, shown)] = report.errors.select("rule", "hint").rows()
    assert rule_id == "ChatPlatform|allowed" and shown.startswith(hint)


def test_the_three_platforms_in_lower_case_pass() -> None:
    frame = pl.DataFrame(
        {
            "DateTime": [NOW - 60] * 3,
            "ChatPlatform": ["whatsapp", "telegram", "viber"],
            "PhoneNumber": ["+79161234567"] * 3,
            "Yclid": ["7312345678901234567"] * 3,
        }
    )
    report = callframe.validate(frame, "chats", now=NOW)
    assert report.ok and report.warnings.height == 0


def test_clientid_userid_purchaseid_are_read_in_either_spelling(tmp_path: Path) -> None:
    path = tmp_path / "chats.csv"
    path.write_text(
        "DateTime,ChatPlatform,ChatUsername,ClientId,UserId,PurchaseId\n"
        f"{NOW - 60},telegram,someone,1795012345678901234,crm-1,ORD-1\n"
        f"{NOW - 60},telegram,someone,1.7e18,,\n",
        encoding="utf-8",
    )
    report = callframe.validate(path, "chats", now=NOW)
    assert findings(report) == [(2, "ClientID|digits", "error")]
    # the writer writes the chat page's spelling
    out = tmp_path / "out.csv"
    callframe.write_csv(report.valid, out, "chats", now=NOW)
    assert out.read_text().splitlines() == [
        "DateTime,ChatPlatform,ChatUsername,ClientID,UserID,PurchaseID",
        f"{NOW - 60},telegram,someone,1795012345678901234,crm-1,ORD-1",
    ]


def test_an_unknown_column_stays_an_error(tmp_path: Path) -> None:
    """The answered flag and the tag: the docs name them, their headers are unconfirmed."""
    path = tmp_path / "chats.csv"
    path.write_text(
        f"DateTime,ChatPlatform,ChatUsername,Answered,Tag\n{NOW - 60},telegram,someone,1,lead\n",
        encoding="utf-8",
    )
    report = callframe.validate(path, "chats", now=NOW)
    rules = report.errors.select("column", "rule").rows()
    assert ("Answered", "*|unknown_column") in rules and ("Tag", "*|unknown_column") in rules
    assert report.n_valid == 0


def test_the_required_columns() -> None:
    frame = pl.DataFrame({"DateTime": [str(NOW)], "ChatUsername": ["someone"]})
    report = callframe.validate(frame, "chats", now=NOW)
    assert ("ChatPlatform", "*|missing_column") in report.errors.select("column", "rule").rows()


def test_a_blank_contact_is_no_contact_but_a_malformed_phone_is_its_own_rule() -> None:
    frame = pl.DataFrame(
        {
            "DateTime": [str(NOW - 60)] * 2,
            "ChatPlatform": ["whatsapp"] * 2,
            "ChatUsername": ["  ", None],
            "PhoneNumber": [None, "8 916 123-45-67"],
            "ClientID": ["1795012345678901234"] * 2,
        }
    )
    report = callframe.validate(frame, "chats", now=NOW)
    assert findings(report) == [
        (1, "*|chat_contact_required", "error"),
        (1, "ChatUsername|not_blank", "warning"),
        (2, "PhoneNumber|e164", "error"),
    ]
    assert "8 916 123-45-67" not in report.to_text()


def test_datetime_rules_are_the_calls_rules_not_copies() -> None:
    for r in rules_for("chats"):
        if r.column in ("DateTime", "PhoneNumber", "Yclid") or r.scope != "row":
            assert r is rule(r.id) and "calls" in r.kinds, r.id
    assert {"ChatPlatform|allowed", "*|unattributed"} <= {r.id for r in rules_for("chats")}
    assert "*|id_required" not in {r.id for r in rules_for("chats")}
    assert rule("*|unattributed").severity == "warning"


def test_a_lazyframe_is_checked_as_deeply_as_a_dataframe() -> None:
    frame = pl.LazyFrame(
        {"DateTime": [str(NOW - 60)], "ChatPlatform": ["Viber"], "PhoneNumber": ["+79161234567"]}
    )
    report = callframe.validate(frame, "chats", now=NOW)
    assert findings(report) == [
        (1, "ChatPlatform|allowed", "error"),
        (1, "*|unattributed", "warning"),
    ]


def test_the_report_and_its_html_say_chats() -> None:
    report = callframe.validate(METRICA / "defects" / "chats_defects.csv", "chats", now=NOW)
    html = report._repr_html_()
    assert "(chats)" in html and "ChatPlatform|allowed" in html and "*|unattributed" in html
    assert "8 (916) 123-45-67" not in html and "8 (916) 123-45-67" not in report.to_text()
    assert report.to_dict()["kind"] == "chats"

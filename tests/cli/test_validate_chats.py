"""``callframe validate --kind chats`` in every output format, and ``callframe schema --kind
chats``: each chat rule by its id, valid files pass, phones masked."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from callframe.cli import app

from ..conftest import FIXTURES, NOW

METRICA = FIXTURES / "metrica"
DEFECTS = METRICA / "defects" / "chats_defects.csv"
CHAT_RULES = {
    "ChatPlatform|required",
    "ChatPlatform|allowed",
    "*|chat_contact_required",
    "*|unattributed",
    "PhoneNumber|e164",
    "ClientID|digits",
    "DateTime|not_future",
}
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout


def test_a_valid_chats_file_passes() -> None:
    code, out = run("validate", str(METRICA / "chats.csv"), "--kind", "chats", "--now", str(NOW))
    assert code == 0 and "6 rows, all valid (chats)" in out


def test_the_calls_contract_refuses_a_chats_file() -> None:
    code, out = run("validate", str(METRICA / "chats.csv"), "--now", str(NOW))
    assert code == 1 and "*|unknown_column" in out


@pytest.mark.parametrize("fmt", ["text", "json", "github", "junit"])
def test_every_format_names_the_chat_rules(fmt: str) -> None:
    code, out = run("validate", str(DEFECTS), "--kind", "chats", "--now", str(NOW), "--format", fmt)
    assert code == 1
    assert all(rule_id in out for rule_id in CHAT_RULES), out
    assert "8 (916) 123-45-67" not in out  # the malformed phone is masked
    if fmt == "json":
        [doc] = json.loads(out)["files"]
        assert doc["kind"] == "chats"
        found = {e["rule"] for e in doc["errors"]} | {w["rule"] for w in doc["warnings"]}
        assert found >= CHAT_RULES
        hints = {
            e["value"]: e["hint"] for e in doc["errors"] if e["rule"] == "ChatPlatform|allowed"
        }
        assert hints["Telegram"] == "Write it in lower case: 'telegram'."
        assert "whatsapp, telegram, viber" in hints["instagram"]
    if fmt == "junit":
        suite = ET.fromstring(out).find("testsuite")
        assert suite is not None
        cases = {c.get("name"): c for c in suite.iter("testcase")}
        assert cases["ChatPlatform|allowed"].find("failure") is not None
        assert cases["ChatPlatform|allowed"].get("classname") == "callframe.chats"
    if fmt == "github":
        assert "::error file=" in out and "title=ChatPlatform|allowed" in out
        assert "::warning file=" in out and "title=*|unattributed" in out


def test_schema_kind_chats() -> None:
    code, out = run("schema", "--kind", "chats", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["kind"] == "chats"
    assert [c["name"] for c in doc["columns"]][:2] == ["DateTime", "ChatPlatform"]
    client = next(c for c in doc["columns"] if c["name"] == "ClientID")
    assert client["aliases"] == ["ClientId"]
    assert {"ChatPlatform|allowed", "*|unattributed"} <= {r["id"] for r in doc["rules"]}
    code, out = run("schema", "--kind", "chats")
    assert code == 0 and "`ChatPlatform\\|allowed`" in out and "Also read as `ClientId`" in out

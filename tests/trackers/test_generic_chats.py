"""The generic adapter with ``kind = "chats"``: a messenger CRM's dialog export to the chats CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

import callframe

from ..conftest import FIXTURES, NOW

GENERIC = FIXTURES / "generic"
MAPPING = GENERIC / "messenger_crm.toml"


def issues_of(conversion: callframe.Conversion) -> list[tuple[int, str, str]]:
    report = conversion.report
    found = [(r, rule, "error") for r, rule in report.errors.select("row", "rule").iter_rows()]
    found += [(r, rule, "warning") for r, rule in report.warnings.select("row", "rule").iter_rows()]
    return sorted(found)


@pytest.mark.parametrize("export", ["messenger_crm.csv", "messenger_crm.xlsx"])
def test_the_dialog_export_converts_to_exactly_the_expected_file(
    tmp_path: Path, export: str
) -> None:
    conversion = callframe.convert(GENERIC / export, mapping=MAPPING, now=NOW)
    assert conversion.report.kind == conversion.kind == "chats" and conversion.tracker == "generic"
    assert "8 chats out" in conversion.to_text()
    expected = (GENERIC / "messenger_crm.expected.csv").read_bytes()
    out = tmp_path / "chats.csv"
    callframe.write_csv(conversion.valid, out, "chats", now=NOW)
    assert out.read_bytes() == expected
    assert conversion.write_csv(tmp_path / "direct.csv") == [tmp_path / "direct.csv"]
    assert (tmp_path / "direct.csv").read_bytes() == expected
    issues = pl.read_csv(GENERIC / "messenger_crm.expected.issues.csv", infer_schema=False)
    assert issues_of(conversion) == sorted((int(r), x, s) for r, x, s in issues.iter_rows())
    assert conversion.rejected.get_column("row").to_list() == [5, 6]
    assert conversion.n_rows == conversion.n_valid + conversion.n_rejected == 10


def test_the_written_file_validates_as_chats(tmp_path: Path) -> None:
    conversion = callframe.convert(GENERIC / "messenger_crm.csv", mapping=MAPPING, now=NOW)
    [path] = conversion.write_csv(tmp_path / "chats.csv")
    report = callframe.validate(path, "chats", now=NOW)
    assert report.ok and report.n_rows == 8


def test_convert_file_streams_chats_too(tmp_path: Path) -> None:
    done = callframe.convert_file(
        GENERIC / "messenger_crm.csv", tmp_path / "chats.csv", mapping=MAPPING, now=NOW
    )
    assert done.n_rows == 10 and done.n_valid == 8 and done.kind == "chats"
    expected = (GENERIC / "messenger_crm.expected.csv").read_bytes()
    assert (tmp_path / "chats.csv").read_bytes() == expected


def test_platform_words_and_the_id_spellings() -> None:
    frame = pl.DataFrame(
        {
            "t": ["2026-11-23T10:00:00Z"] * 4,
            "channel": ["WhatsApp Business", "tg", "Телега", "VK"],
            "who": ["a", "b", "c", "d"],
            "cid": ["1795012345678901234"] * 4,
        }
    )
    mapping: dict[str, Any] = {
        "kind": "chats",
        "platform_values": {"telegram": ["Телега"]},
        "columns": {
            "t": "DateTime",
            "channel": "ChatPlatform",
            "who": "ChatUsername",
            "cid": "ClientId",
        },
    }
    conversion = callframe.convert(frame, mapping=mapping, now=NOW)
    assert conversion.valid.get_column("ChatPlatform").to_list() == [
        "whatsapp",
        "telegram",
        "telegram",
    ]
    assert conversion.valid.columns == ["DateTime", "ChatPlatform", "ChatUsername", "ClientID"]
    [(row, rule, value)] = conversion.report.errors.select("row", "rule", "value").rows()
    assert (row, rule, value) == (4, "ChatPlatform|allowed", "VK")


def test_naive_times_need_a_time_zone() -> None:
    frame = pl.DataFrame({"t": ["23.11.2026 10:00"], "p": ["viber"], "phone": ["89161234567"]})
    mapping = {
        "kind": "chats",
        "columns": {"t": "DateTime", "p": "ChatPlatform", "phone": "PhoneNumber"},
    }
    with pytest.raises(callframe.UsageError, match="--tz"):
        callframe.convert(frame, mapping=mapping, now=NOW)
    row = callframe.convert(frame, mapping=mapping, tz="Europe/Moscow", now=NOW).valid.row(
        0, named=True
    )
    assert row == {
        "DateTime": 1795417200,
        "ChatPlatform": "viber",
        "PhoneNumber": "+79161234567",
    }


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"kind": "chat", "columns": {"a": "DateTime"}}, "'kind' must be"),
        ({"kind": "chats", "columns": {"a": "DateTime"}}, "no column is mapped to ChatPlatform"),
        ({"kind": "chats", "columns": {"b": "ChatPlatform"}}, "no column is mapped to DateTime"),
        (
            {"kind": "chats", "columns": {"a": "DateTime", "b": "CallMissed"}},
            "not a column of the chats CSV",
        ),
        (
            {"kind": "chats", "missed_values": ["x"], "columns": {"a": "DateTime"}},
            "are about calls",
        ),
        (
            {
                "kind": "chats",
                "platform_values": {"vk": ["VK"]},
                "columns": {"a": "DateTime", "b": "ChatPlatform"},
            },
            "'vk' is not a Metrica chat platform",
        ),
        ({"platform_values": {}, "columns": {"a": "DateTime"}}, 'needs kind = "chats"'),
    ],
)
def test_bad_chat_mappings_say_what_to_fix(mapping: dict[str, Any], message: str) -> None:
    frame = pl.DataFrame({"a": ["2026-11-23T10:00:00Z"], "b": ["telegram"]})
    with pytest.raises(callframe.UsageError, match=message):
        callframe.convert(frame, mapping=mapping, now=NOW)

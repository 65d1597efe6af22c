"""Header variants (issue 13, item 6): empty trailing header cells, and the other names a
tracker gave a column in other periods (declared in the adapter: :class:`HeaderVariant`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import callframe
from callframe.cli import app
from callframe.engine.adapter import HeaderVariant
from callframe.trackers import adapters, get_adapter
from callframe.trackers.sipuni import VARIANTS

from ..conftest import FIXTURES, NOW

SIPUNI_2015 = FIXTURES / "real" / "sipuni" / "statistic_2015.csv"
NOW_2015 = 1_444_348_800
MSK = {"tz": "Europe/Moscow"}


def test_a_header_with_empty_trailing_cells_is_a_header(tmp_path: Path) -> None:
    path = tmp_path / "stat.csv"
    path.write_text(
        "Тип;Статус;Время;Откуда;Длительность разговора;Время ответа;;\n"
        "Входящий;Отвечен;14.03.2024 10:15:30;+79161234567;95;7\n",
        encoding="utf-8",
    )
    export = callframe.read_export(path)
    assert export.header is True
    assert export.frame.columns[:6] == [
        "Тип", "Статус", "Время", "Откуда", "Длительность разговора", "Время ответа"
    ]  # fmt: skip
    assert export.frame.columns[6:] == ["column_7", "column_8"]  # the empty cells, by position
    conversion = callframe.convert(path, tracker="sipuni", now=NOW, **MSK)
    assert conversion.valid.select("TalkDuration", "HoldDuration", "CallMissed").rows() == [
        (95, 7, 0)
    ]


def test_the_2015_sipuni_export_reads_its_own_names() -> None:
    export = callframe.read_export(SIPUNI_2015)
    assert export.header is True and "Продолжительность разговора" in export.frame.columns
    assert callframe.detect(SIPUNI_2015).name == "sipuni"
    # every call is outbound (from extension 997): keep them to see the durations read
    conversion = callframe.convert(
        SIPUNI_2015, tracker="sipuni", keep_outbound=True, now=NOW_2015, **MSK
    )
    first = conversion.valid.row(0, named=True)
    # исходящий;отвечен;08.10.2015 16:31:03;…;180;171;9;… : talk 171 (Продолжительность разговора)
    assert (first["TalkDuration"], first["HoldDuration"], first["CallMissed"]) == (171, 9, 0)
    assert conversion.n_valid == 18


def test_the_cli_converts_it_with_tracker_sipuni(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app,
        ["convert", str(SIPUNI_2015), "-o", str(out), "--tracker", "sipuni",
         "--tz", "Europe/Moscow", "--now", str(NOW_2015)],
    )  # fmt: skip
    assert result.exit_code == 1, result.output  # every call outbound: rejected, not "missing"
    assert "*|outbound ×18" in result.output and "lacks" not in result.output


def test_today_s_name_wins_over_a_variant_when_both_are_there() -> None:
    sipuni = get_adapter("sipuni")
    both = ["Длительность разговора", "Продолжительность разговора"]
    assert sipuni.renames(both) == {}
    assert sipuni.renames(["Продолжительность разговора"]) == {
        "Продолжительность разговора": "Длительность разговора"
    }
    assert sipuni.missing(["Время", "Откуда", "Статус"]) == []


def test_variants_are_declared_with_their_period() -> None:
    assert get_adapter("sipuni").variants == VARIANTS
    for adapter in adapters():
        for variant in adapter.variants:
            assert isinstance(variant, HeaderVariant)
            read = {c for n in adapter.nodes().values() for c in n.reads()}
            assert variant.name in read | set(adapter.signature), (adapter.name, variant)
            assert variant.period, (adapter.name, variant)


@pytest.mark.parametrize("name", ["Продолжительность звонка", "Длительность звонка"])
def test_variants_count_for_detection(name: str) -> None:
    sipuni = get_adapter("sipuni")
    columns = ["Тип", "Статус", "Время", "Откуда", name]
    score, found, _ = sipuni.score(columns)
    assert "Длительность звонка" in found and score == 5 / len(sipuni.signature)

"""Sipuni: the ``statistic/export`` CSV (``;``, Russian headers, sometimes a UTF-8 BOM).

==================  ==========================================================================
Metrica column      Sipuni
==================  ==========================================================================
DateTime            ``Время`` ``dd.MM.yyyy HH:mm:ss`` in the account's time zone: pass ``tz=``
PhoneNumber         ``Откуда``
TalkDuration        ``Длительность разговора`` (seconds or ``H:MM:SS``; ``Продолжительность
                    разговора`` in 2015 exports, see :data:`VARIANTS`)
HoldDuration        ``Время ответа`` (seconds or ``H:MM:SS``)
CallMissed          ``Статус``: ``Отвечен`` → 0, any other → 1; else talk time 0
FirstTimeCaller     ``Новый клиент`` (1/0)
Tag                 ``Метка``, else ``Теги``
StaticCall          always 1: a PBX knows no visit; :func:`callframe.enrich` adds IDs
outbound            ``Тип`` = ``Исходящий`` (``Внутренний`` is rejected as ``*|internal``)
==================  ==========================================================================

Headers: the 2015 export names the durations ``Продолжительность звонка``/``… разговора`` and
ends its header with empty cells (``…;;``); both are read (:data:`VARIANTS`). Statuses and types
are compared case-insensitively (``отвечен``, ``исходящий`` in 2015).

Defaults to check (INFERRED/UNCONFIRMED in call-trackers.md), each overridable with
:meth:`Adapter.replace`:

* **CallMissed**: only ``Отвечен`` is documented; every other status counts as missed.
* **HoldDuration**: what ``Время ответа`` holds for a missed call is UNCONFIRMED; it is taken as
  the ring time.
* **Direction**: the values ``Исходящий``/``Внутренний`` of ``Тип`` are INFERRED.
"""

from __future__ import annotations

from callframe.engine.adapter import Adapter, HeaderVariant
from callframe.engine.nodes import (
    Bool,
    Const,
    Field,
    FirstOf,
    LocalTime,
    Phone,
    Seconds,
    TalkIsZero,
    Values,
)
from callframe.engine.rules import INTERNAL

__all__ = ["ADAPTER", "VARIANTS"]

_TALK = "Длительность разговора"

VARIANTS = (
    # (the name read, another name for it, where it is seen)
    HeaderVariant(_TALK, "Продолжительность разговора", "statistic/export of 2015"),
    HeaderVariant("Длительность звонка", "Продолжительность звонка", "statistic/export of 2015"),
)
"""Header names of other periods: read as today's names (the 2015 export of
``fixtures/real/sipuni/statistic_2015.csv`` says ``Продолжительность …``; since at least 2018
the documented export says ``Длительность …``)."""

ADAPTER = Adapter(
    name="sipuni",
    title="Sipuni",
    source="`statistic/export` CSV",
    signature=(
        "Тип",
        "Статус",
        "Время",
        "Схема",
        "Откуда",
        "Куда",
        "Кто ответил",
        "Длительность звонка",
        _TALK,
        "Время ответа",
        "ID записи",
        "Новый клиент",
    ),
    requires=("Время", "Откуда", "Статус"),
    variants=VARIANTS,
    time=LocalTime("Время", formats=("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M")),
    static=Const(1),
    phone=Phone("Откуда"),
    talk=Seconds(_TALK),
    hold=Seconds("Время ответа"),
    missed=FirstOf(
        Values("Статус", zeros=frozenset({"Отвечен"}), other=1), TalkIsZero(Seconds(_TALK))
    ),
    first_time=Bool("Новый клиент"),
    tag=Field("Метка", "Теги"),
    outbound=Values(
        "Тип", ones=frozenset({"Исходящий"}), zeros=frozenset({"Входящий", "Внутренний"})
    ),
    checks=((INTERNAL, Values("Тип", ones=frozenset({"Внутренний"}), other=0)),),
    notes=(
        "CallMissed: any status but Отвечен is missed (INFERRED)",
        "StaticCall: always 1, no visit ids (enrich adds them)",
    ),
)

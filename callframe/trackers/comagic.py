"""CoMagic / UIS / new Novofon: the Data API ``get.calls_report`` answer, saved as JSON.

Reads ``result.data`` of the JSON-RPC answer (or a bare list, or CSV/XLSX with the same names).
The three products run one platform, so one adapter serves them.

==================  ==========================================================================
Metrica column      CoMagic
==================  ==========================================================================
ClientId            ``ym_client_id``
Yclid               ``yclid``; else the ``yclid`` parameter of the page URL
DateTime            ``start_time`` ``YYYY-MM-DD hh:mm:ss`` in the account's time zone: pass
                    ``tz=`` (``get.account`` tells it), it is never assumed
PhoneNumber         ``contact_phone_number``
TalkDuration        ``talk_duration``
HoldDuration        ``wait_duration``
CallMissed          ``is_lost``; else talk time 0
FirstTimeCaller     ``visitor_type``: ``Новый`` → 1, ``Вернувшийся`` → 0, else empty
StaticCall          ``source``: ``dynamic_call_tracking`` and ``simple_dt`` → 0, any other → 1
Tag                 ``tags[].tag_name`` joined with ``,``
URL                 ``communication_page_url``, else ``entrance_page``
CallTrackerURL      ``full_record_file_link``
outbound            ``direction`` = ``out`` (rejected as ``*|outbound`` unless kept)
==================  ==========================================================================

Defaults to check (INFERRED in call-trackers.md), each overridable with :meth:`Adapter.replace`:

* **StaticCall**: ``call_tracking`` ("Аналитика") and the other non-dynamic sources are taken as
  static numbers.
* **FirstTimeCaller**: ``visitor_type`` describes the *visitor*, not the caller. To use the
  contact's ``attributes`` (``primary``) instead:
  ``ADAPTER.replace(first_time=None)`` and add the flag yourself, or map with ``generic``.
* **TalkDuration**: ``talk_duration`` runs from the first talk to post-processing; for talk
  intervals only, ``ADAPTER.replace(talk=Seconds("clean_talk_duration"))``.
* ``sale_cost`` is not mapped to Price (the currency is not in the answer).
"""

from __future__ import annotations

from callframe.engine.adapter import Adapter
from callframe.engine.nodes import (
    Bool,
    FirstOf,
    Id,
    IsoTime,
    JsonList,
    Phone,
    Seconds,
    TalkIsZero,
    Url,
    UrlParam,
    Values,
)

__all__ = ["ADAPTER"]

DYNAMIC_SOURCES = frozenset({"dynamic_call_tracking", "simple_dt"})

ADAPTER = Adapter(
    name="comagic",
    title="CoMagic / UIS / Novofon",
    source="Data API `get.calls_report` JSON (`result.data`)",
    signature=(
        "start_time",
        "contact_phone_number",
        "is_lost",
        "wait_duration",
        "talk_duration",
        "ym_client_id",
        "direction",
        "virtual_phone_number",
        "finish_reason",
        "communication_page_url",
    ),
    requires=("start_time", ("contact_phone_number", "ym_client_id", "yclid")),
    envelopes=("result.data",),
    time=IsoTime("start_time"),
    client_id=Id("ym_client_id"),
    yclid=FirstOf(Id("yclid"), UrlParam("yclid", "communication_page_url", "entrance_page")),
    static=Values("source", zeros=DYNAMIC_SOURCES, other=1),
    phone=Phone("contact_phone_number"),
    talk=Seconds("talk_duration"),
    hold=Seconds("wait_duration"),
    missed=FirstOf(Bool("is_lost"), TalkIsZero(Seconds("talk_duration"))),
    tag=JsonList("tags", "tag_name"),
    first_time=Values(
        "visitor_type",
        ones=frozenset({"Новый"}),
        zeros=frozenset({"Вернувшийся"}),
        unknown=frozenset({"Не заполнен"}),
    ),
    url=Url("communication_page_url", "entrance_page"),
    tracker_url=Url("full_record_file_link"),
    outbound=Values("direction", ones=frozenset({"out", "outgoing"}), zeros=frozenset({"in"})),
    notes=(
        "StaticCall: sources other than dynamic_call_tracking/simple_dt are static (INFERRED)",
        "FirstTimeCaller: visitor_type Новый/Вернувшийся (INFERRED; describes the visitor)",
    ),
)

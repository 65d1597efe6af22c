# ruff: noqa: E501  (citations quote metrica-server.md lines whole)
"""What the real Metrica server does with an upload, one case per line of ``metrica-server.md``.

This table is the specification shared by two tests:

* ``tests/conformance/test_sandbox_conformance.py`` sends every case to the sandbox over a real
  socket and asserts the server's answer (status, ``error_type``, ``line_quantity``,
  ``source_quantity``);
* the validator's conformance test runs every case with ``file_level=True`` through
  ``callframe validate`` and asserts that it predicts the same answer (refuse the file, drop
  rows, count rows).

Each case cites the line of ``/work/shared/reference/metrica-server.md`` it checks (section and
a quote). Where a bullet gives several examples (each header spelling, each bad value), each
example is its own case. The CSV is the file as Yandex's own test suite sends it: the one ID
column of ``client_id_type``, ``DateTime``, then optional columns; rows joined by ``\\n``;
"bad row + one good row" cases are two data rows, so ``source_quantity`` 2 and
``line_quantity`` 1.

Times that must be valid are relative to :data:`NOW` (the fixtures' "now"): construct the
sandbox with ``clock=lambda: NOW``. ``error_type`` is the lower case of the name in the suite's
``ManagementError.java`` (the real ``error_type`` strings are not confirmed; the messages are).

Where the page is silent and a case records callframe's own choice, its ``cites`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CASES", "GOOD_CLIENT_ID", "NOW", "Case", "by_id"]

NOW = 1_795_435_200
"""The sandbox's clock in these cases (2026-11-23T12:00:00Z)."""

T = NOW - 3600
"""A valid ``DateTime``: an hour before :data:`NOW`."""

GOOD_CLIENT_ID = "157000000012345678"
GOOD_YCLID = "4611686018427387904"
GOOD_USER_ID = "user-1"

WS = '" \t \r\n "'
"""A whitespace-only value as Yandex's suite writes it (" \\t \\r\\n ", quoted: it holds a line
break): the server trims it like Java's ``String.trim`` (every character up to U+0020)."""

_GOOD_ID = {"CLIENT_ID": GOOD_CLIENT_ID, "USER_ID": GOOD_USER_ID, "YCLID": GOOD_YCLID}
_ID_COLUMN = {"CLIENT_ID": "ClientId", "USER_ID": "UserId", "YCLID": "Yclid"}

# sections of metrica-server.md
_REQ = "Requests the suite always makes"
_REFUSED = "Whole request refused (HTTP 400)"
_DROPPED = "File accepted, one row dropped"
_WRONG = "File and row accepted, although a value is wrong"
_VALID = "Accepted as valid (HTTP 200, `line_quantity` 1)"
_AFTER = "After an upload"
_PREAMBLE = "What the real Metrica server does with an offline-calls upload"

Endpoint = Literal["upload_calls", "upload"]


@dataclass(frozen=True)
class Case:
    """One request and the answer the real server gives to it."""

    id: str
    """Stable, readable; the pytest id."""
    cites: str
    """The section of ``metrica-server.md`` and the line (or a quote of it) this case checks."""
    csv: str
    """The file's content, as sent in the multipart part (UTF-8)."""
    status: int
    """The HTTP status: 200 or 400."""
    error_type: str | None = None
    """When ``status`` is 400: lower case of ``ManagementError``'s name."""
    line_quantity: int | None = None
    """When 200: rows that passed the server's checks."""
    source_quantity: int | None = None
    """When 200: data rows in the file (blank lines not counted)."""
    params: tuple[tuple[str, str], ...] = ()
    """Query parameters, in order (``client_id_type``, ignore-threshold flag, ``comment`` …)."""
    endpoint: Endpoint = "upload_calls"
    """``upload_calls`` (calls), or ``upload`` (``type=BASIC``: the line says *basic*)."""
    file_level: bool = True
    """True when the answer follows from the file's content, so a validator can predict it;
    False for request-level cases (multipart, part name, parameters, comment, threshold)."""
    part: str | None = "file"
    """The multipart part's name; ``None`` sends the CSV as a plain ``text/csv`` body."""
    fresh: bool = False
    """The counter has not collected enough visits yet (``VISIT_JOIN_THRESHOLD_UNMET``)."""
    columns: tuple[str, ...] = ()
    """Columns (canonical spelling) the server must recognise in this file's header: set where
    the case is about a header spelling, since an unrecognised optional column would not
    change the counts."""

    @property
    def kind(self) -> Literal["calls", "basic"]:
        return "calls" if self.endpoint == "upload_calls" else "basic"

    @property
    def query(self) -> dict[str, str]:
        return dict(self.params)

    @property
    def client_id_type(self) -> str | None:
        return self.query.get("client_id_type")

    def __post_init__(self) -> None:
        if self.status == 200:
            assert self.error_type is None, self.id
            assert self.line_quantity is not None and self.source_quantity is not None, self.id
        else:
            assert self.error_type is not None, self.id
            assert self.line_quantity is None and self.source_quantity is None, self.id


def _params(
    cid: str | None = "CLIENT_ID", *, basic: bool = False, ignore: bool = True, **extra: str
) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    if cid is not None:
        out.append(("client_id_type", cid))
    if ignore:
        flag = "ignore_visit_join_threshold" if basic else "ignore_calls_visit_join_threshold"
        out.append((flag, "1"))
    out.extend(extra.items())
    return tuple(out)


def _csv(*lines: str) -> str:
    return "\n".join(lines)


def _good(cid: str = "CLIENT_ID") -> str:
    return f"{_GOOD_ID[cid]},{T}"


def _ok(
    id: str, cites: str, csv: str, rows: int = 1, sent: int | None = None, **kw: object
) -> Case:
    return Case(
        id,
        cites,
        csv,
        200,
        line_quantity=rows,
        source_quantity=rows if sent is None else sent,
        **kw,
    )  # type: ignore[arg-type]


def _refused(id: str, cites: str, csv: str, error_type: str, **kw: object) -> Case:
    return Case(id, cites, csv, 400, error_type=error_type, **kw)  # type: ignore[arg-type]


def _request_cases() -> list[Case]:
    cites_request = f"{_REQ}: `POST …/offline_conversions/upload_calls`, multipart part **`file`**, filename `data.csv`, `text/csv` UTF-8"
    cites_type = f"{_REQ}: It always sends **`client_id_type`** (`USER_ID`, `CLIENT_ID` or `YCLID`), and the file holds exactly **that one ID column**, plus `DateTime`"
    cites_fresh = f"{_REQ}: Without it, a counter that has not yet collected enough visits answers **400 `VISIT_JOIN_THRESHOLD_UNMET`**"
    cites_ignore = f"{_REQ}: Every upload in the suite also sends `ignore_calls_visit_join_threshold=1` (calls) / `ignore_visit_join_threshold=1` (basic)"
    basic_csv = _csv("ClientId,Target,DateTime", f"{GOOD_CLIENT_ID},order_paid,{T}")
    return [
        _ok(
            "request-multipart-file-part",
            cites_request,
            _csv("ClientId,DateTime", _good()),
            params=_params(),
        ),
        *(
            _ok(
                f"request-client-id-type-{cid.lower().replace('_', '-')}",
                cites_type,
                _csv(f"{_ID_COLUMN[cid]},DateTime", _good(cid)),
                params=_params(cid),
            )
            for cid in ("USER_ID", "CLIENT_ID", "YCLID")
        ),
        _ok(
            "request-fresh-counter-with-ignore-calls",
            cites_ignore,
            _csv("ClientId,DateTime", _good()),
            params=_params(),
            fresh=True,
            file_level=False,
        ),
        _ok(
            "request-fresh-counter-with-ignore-basic",
            cites_ignore,
            basic_csv,
            params=_params(basic=True),
            endpoint="upload",
            fresh=True,
            file_level=False,
        ),
        _refused(
            "refused-fresh-counter-without-ignore-calls",
            cites_fresh,
            _csv("ClientId,DateTime", _good()),
            "visit_join_threshold_unmet",
            params=_params(ignore=False),
            fresh=True,
            file_level=False,
        ),
        _refused(
            "refused-fresh-counter-without-ignore-basic",
            cites_fresh,
            basic_csv,
            "visit_join_threshold_unmet",
            params=_params(basic=True, ignore=False),
            endpoint="upload",
            fresh=True,
            file_level=False,
        ),
        _refused(
            "refused-fresh-counter-calls-with-the-basic-flag",
            f"{cites_ignore} — each endpoint reads its own flag",
            _csv("ClientId,DateTime", _good()),
            "visit_join_threshold_unmet",
            params=_params(ignore=False, ignore_visit_join_threshold="1"),
            fresh=True,
            file_level=False,
        ),
    ]


def _refused_cases() -> list[Case]:
    r = _REFUSED
    cites_cid = f"{r}: | the `DateTime` column missing, or the column of `client_id_type` missing (*shared*) | `INVALID_UPLOADING` |"
    cites_comment = f"{r}: | a comment with characters outside the allowed set (the suite sends an emoji; the docs allow digits, Latin and Cyrillic letters) | `NOT_ALLOWED_SYMBOLS_IN_COMMENT` |"
    good = _csv("ClientId,DateTime", _good())
    return [
        _refused(
            "refused-empty-file",
            f"{r}: | empty body / file (*shared*) | `INVALID_UPLOADING` |",
            "",
            "invalid_uploading",
            params=_params(),
        ),
        _refused(
            "refused-malformed-header",
            f'{r}: | a malformed header (`"tes"t`) (*shared*) | `INVALID_UPLOADING` | — the whole file is `"tes"t`, as the suite sends it',
            '"tes"t',
            "invalid_uploading",
            params=_params(),
        ),
        _refused(
            "refused-malformed-header-among-good-columns",
            f'{r}: | a malformed header (`"tes"t`) (*shared*) | `INVALID_UPLOADING` |',
            _csv('ClientId,DateTime,"tes"t', f"{GOOD_CLIENT_ID},{T},x"),
            "invalid_uploading",
            params=_params(),
        ),
        _refused(
            "refused-header-only",
            f"{r}: | a header and no data rows (*shared*) | `INVALID_UPLOADING` |",
            _csv("ClientId,DateTime"),
            "invalid_uploading",
            params=_params(),
        ),
        _refused(
            "refused-header-and-blank-lines-only",
            f"{r}: | a header and no data rows (*shared*) | — with {_VALID}: blank lines anywhere (blank lines are not rows)",
            "ClientId,DateTime\n\n\n",
            "invalid_uploading",
            params=_params(),
        ),
        _refused(
            "refused-malformed-row",
            f'{r}: | a malformed data row (`"tes"t`) (*shared*) | `INVALID_UPLOADING` | — the header then `"tes"t`, as the suite sends it',
            _csv("ClientId,DateTime", '"tes"t'),
            "invalid_uploading",
            params=_params(),
        ),
        _refused(
            "refused-malformed-row-after-a-good-row",
            f'{r}: | a malformed data row (`"tes"t`) (*shared*) | `INVALID_UPLOADING` |',
            _csv("ClientId,DateTime", _good(), f'"tes"t,{T}'),
            "invalid_uploading",
            params=_params(),
        ),
        _refused(
            "refused-datetime-column-missing",
            cites_cid,
            _csv("ClientId,Price,Currency", f"{GOOD_CLIENT_ID},100,RUB"),
            "invalid_uploading",
            params=_params(),
        ),
        _refused(
            "refused-client-id-column-missing",
            cites_cid,
            _csv("UserId,DateTime", _good("USER_ID")),
            "invalid_uploading",
            params=_params("CLIENT_ID"),
        ),
        _refused(
            "refused-user-id-column-missing",
            cites_cid,
            _csv("ClientId,DateTime", _good()),
            "invalid_uploading",
            params=_params("USER_ID"),
        ),
        _refused(
            "refused-yclid-column-missing",
            cites_cid,
            _csv("ClientId,DateTime", _good()),
            "invalid_uploading",
            params=_params("YCLID"),
        ),
        _refused(
            "refused-not-multipart",
            f"{r}: | not a multipart request | `INVALID_MULTIPART_REQUEST` |",
            good,
            "invalid_multipart_request",
            params=_params(),
            part=None,
            file_level=False,
        ),
        _refused(
            "refused-part-not-named-file",
            f"{r}: | the part not named `file` | `MISSING_REQUEST_PART` |",
            good,
            "missing_request_part",
            params=_params(),
            part="data",
            file_level=False,
        ),
        _refused(
            "refused-unknown-client-id-type",
            f"{r}: | an unknown `client_id_type` | `WRONG_PARAMETER_VALUE` |",
            good,
            "wrong_parameter_value",
            params=_params("__invalid_client_id_type__"),  # the suite's value
            file_level=False,
        ),
        _refused(
            "refused-comment-emoji",
            cites_comment,
            good,
            "not_allowed_symbols_in_comment",
            params=_params(comment="\U0001f4c5"),  # the suite's comment: one emoji
            file_level=False,
        ),
        _refused(
            "refused-comment-brackets",
            f"{cites_comment} — brackets are outside the documented set (callframe's old marker `[cf:…]`)",
            good,
            "not_allowed_symbols_in_comment",
            params=_params(comment="calls [cf:1a2b3c4d5e6f]"),
            file_level=False,
        ),
        _ok(
            "accepted-comment-latin-cyrillic-digits",
            f"{cites_comment} — the documented set is accepted",
            good,
            params=_params(comment="callsЗвонки2026"),
            file_level=False,
        ),
        _ok(
            "accepted-comment-callframe-set",
            f"{cites_comment} — spaces and `. , : - _` are callframe's choice (decisions.md, The uploader, Comments): acceptance unconfirmed",
            good,
            params=_params(comment="calls 2026-11-23, batch_1: ok. cf1a2b3c4d5e6f"),
            file_level=False,
        ),
    ]


def _dropped_cases() -> list[Case]:
    d = _DROPPED
    cites_id = f"{d}: the ID value (`UserId`, `ClientId`, `Yclid`) empty or whitespace only"
    cites_number = f"{d}: `ClientId` not a number (`notNumber`) or negative; `Yclid` not a number"
    cites_dt = f"{d}: `DateTime` empty, whitespace only, not a number, negative, or far in the future (`2147483647`)"
    out: list[Case] = []
    for cid in ("USER_ID", "CLIENT_ID", "YCLID"):
        col = _ID_COLUMN[cid]
        for name, value in (("empty", ""), ("whitespace", WS)):
            out.append(
                _ok(
                    f"dropped-{col.lower()}-{name}",
                    cites_id,
                    _csv(f"{col},DateTime", f"{value},{T}", _good(cid)),
                    rows=1,
                    sent=2,
                    params=_params(cid),
                )
            )
    for cid, name, value in (
        ("CLIENT_ID", "not-number", "notNumber"),
        ("CLIENT_ID", "negative", "-1"),
        ("YCLID", "not-number", "notNumber"),
    ):
        col = _ID_COLUMN[cid]
        out.append(
            _ok(
                f"dropped-{col.lower()}-{name}",
                cites_number,
                _csv(f"{col},DateTime", f"{value},{T}", _good(cid)),
                rows=1,
                sent=2,
                params=_params(cid),
            )
        )
    for name, value in (
        ("empty", ""),
        ("whitespace", WS),
        ("not-number", "notNumber"),
        ("negative", "-1"),
        ("far-future", "2147483647"),
    ):
        out.append(
            _ok(
                f"dropped-datetime-{name}",
                cites_dt,
                _csv("ClientId,DateTime", f"{GOOD_CLIENT_ID},{value}", _good()),
                rows=1,
                sent=2,
                params=_params(),
            )
        )
    out.append(
        _ok(
            "dropped-row-of-empty-fields",
            f"{d}: a row of empty fields (the suite's row has one field fewer than the header)",
            _csv("ClientId,DateTime,Price", ",", f"{_good()},100"),
            rows=1,
            sent=2,
            params=_params(),
        )
    )
    return out


def _wrong_value_cases() -> list[Case]:
    w = _WRONG
    out: list[Case] = []
    for col in ("TalkDuration", "HoldDuration"):
        for name, value in (
            ("not-number", "notNumber"),
            ("negative", "-1"),
            ("over-uint32", "4294967296"),
        ):
            out.append(
                _ok(
                    f"kept-{col.lower()}-{name}",
                    f"{w}: `TalkDuration` / `HoldDuration`: `notNumber`, `-1`, `4294967296` (one above uint32)",
                    _csv(f"ClientId,DateTime,{col}", f"{_good()},{value}"),
                    params=_params(),
                )
            )
    for col in ("CallMissed", "FirstTimeCaller", "StaticCall"):
        for name, value in (("not-number", "notNumber"), ("negative", "-1"), ("two", "2")):
            out.append(
                _ok(
                    f"kept-{col.lower()}-{name}",
                    f"{w}: `CallMissed` / `FirstTimeCaller` / `StaticCall`: `notNumber`, `-1`, `2`",
                    _csv(f"ClientId,DateTime,{col}", f"{_good()},{value}"),
                    params=_params(),
                )
            )
    out.append(
        _ok(
            "kept-price-not-number",
            f"{w}: `Price`, `Currency`: `notNumber` (*shared*)",
            _csv("ClientId,DateTime,Price,Currency", f"{_good()},notNumber,RUB"),
            params=_params(),
        )
    )
    out.append(
        _ok(
            "kept-currency-not-number",
            f"{w}: `Price`, `Currency`: `notNumber` (*shared*)",
            _csv("ClientId,DateTime,Price,Currency", f"{_good()},100,notNumber"),
            params=_params(),
        )
    )
    return out


_SPELLINGS = (
    # (case id, header spelling in the file, canonical column, a valid value)
    ("user-id-quoted-spaces", '" UserId "', "UserId", GOOD_USER_ID),
    ("date-time-space", "Date Time", "DateTime", str(T)),
    ("price-single-quotes", "'Price'", "Price", "100.50"),
    ("currency-double-quotes", '"""Currency"""', "Currency", "RUB"),
    ("phonenumber-bang", "!PhoneNumber", "PhoneNumber", "+74951234567"),
    ("talkduration-question", "TalkDuration?", "TalkDuration", "136"),
    ("holdduration-backticks", "`HoldDuration`", "HoldDuration", "12"),
    ("call-missed-space", "Call Missed", "CallMissed", "0"),
    ("tag-braces", "{Tag}", "Tag", "sale"),
    ("firsttimecaller-parentheses", "(FirstTimeCaller)", "FirstTimeCaller", "1"),
    ("url-at", "@URL", "URL", "https://example.com/landing"),
    (
        "calltrackerurl-stars",
        "*Call*Tracker*URL*",
        "CallTrackerURL",
        "https://tracker.example.com/call/1",
    ),
    ("static-call-space", "Static Call", "StaticCall", "0"),
)


def _valid_cases() -> list[Case]:
    v = _VALID
    cites_names = f"{v}: header names with non-word characters around or inside them — the server compares names with non-word characters removed, case-insensitively (*shared*)"
    out: list[Case] = [
        _ok(
            "accepted-header-lower-case",
            f"{v}: header names in any letter case",
            _csv("clientid,datetime", _good()),
            params=_params(),
        ),
        _ok(
            "accepted-header-inverted-case",
            f"{v}: header names in any letter case (the suite inverts each letter's case)",
            _csv("cLIENTiD,dATEtIME,pRICE,cURRENCY", f"{_good()},100,RUB"),
            params=_params(),
            columns=("ClientId", "DateTime", "Price", "Currency"),
        ),
    ]
    for name, spelling, column, value in _SPELLINGS:
        if column == "UserId":
            header, row, params = f"{spelling},DateTime", f"{value},{T}", _params("USER_ID")
        elif column == "DateTime":
            header, row, params = f"ClientId,{spelling}", f"{GOOD_CLIENT_ID},{value}", _params()
        elif column == "Price":
            header, row, params = (
                f"ClientId,DateTime,{spelling},Currency",
                f"{_good()},{value},RUB",
                _params(),
            )
        elif column == "Currency":
            header, row, params = (
                f"ClientId,DateTime,Price,{spelling}",
                f"{_good()},100,{value}",
                _params(),
            )
        else:
            header, row, params = f"ClientId,DateTime,{spelling}", f"{_good()},{value}", _params()
        out.append(
            _ok(
                f"accepted-header-{name}",
                f"{cites_names}: `{spelling}`",
                _csv(header, row),
                params=params,
                columns=(column,),
            )
        )
    blank = f"{v}: columns in any order (*shared*); blank lines anywhere (*shared*)"
    padded = f'{v}: values padded with tabs and spaces (`"\\t136 "`) — trimmed (*shared*)'
    optional = f"{v}: optional values empty or whitespace only (*shared*); optional columns absent (*shared*)"
    full = "ClientId,DateTime,StaticCall,Price,Currency,PhoneNumber,TalkDuration,HoldDuration,CallMissed,Tag,FirstTimeCaller,URL,CallTrackerURL"
    out += [
        _ok(
            "accepted-columns-any-order",
            blank,
            _csv("Currency,DateTime,Price,ClientId", f"RUB,{T},100,{GOOD_CLIENT_ID}"),
            params=_params(),
            columns=("Currency", "DateTime", "Price", "ClientId"),
        ),
        _ok(
            "accepted-blank-line-before-header",
            blank,
            f"\nClientId,DateTime\n{_good()}",
            params=_params(),
        ),
        _ok(
            "accepted-blank-lines-between-rows",
            blank,
            f"ClientId,DateTime\n\n{_good()}\n\n\n{_good()}",
            rows=2,
            params=_params(),
        ),
        _ok(
            "accepted-blank-lines-at-end",
            blank,
            f"ClientId,DateTime\n{_good()}\n\n\n",
            params=_params(),
        ),
        _ok(
            "accepted-duration-padded-quoted",
            padded,
            _csv("ClientId,DateTime,TalkDuration", f'{_good()},"\t136 "'),
            params=_params(),
        ),
        _ok(
            "accepted-id-and-datetime-padded",
            padded,
            _csv("ClientId,DateTime", f" {GOOD_CLIENT_ID}\t,\t{T} "),
            params=_params(),
        ),
        _ok(
            "accepted-optional-values-empty",
            optional,
            _csv(full, f"{_good()}" + "," * 11),
            params=_params(),
        ),
        _ok(
            "accepted-optional-values-whitespace",
            optional,
            _csv(full, f"{_good()}" + f",{WS}" * 11),
            params=_params(),
        ),
        _ok(
            "accepted-optional-columns-absent",
            optional,
            _csv("ClientId,DateTime", _good()),
            params=_params(),
        ),
        _ok(
            "accepted-datetime-fraction",
            f"{v}: `DateTime` with a fraction: `1481718166.12345` (*shared*)",
            _csv("ClientId,DateTime", f"{GOOD_CLIENT_ID},1481718166.12345"),
            params=_params(),
        ),
    ]
    for name, value in (("zero", "0"), ("uint32-max", "4294967295")):
        out.append(
            _ok(
                f"accepted-durations-{name}",
                f"{v}: `TalkDuration` / `HoldDuration` `0` and `4294967295` (uint32 max); flags `1`",
                _csv("ClientId,DateTime,TalkDuration,HoldDuration", f"{_good()},{value},{value}"),
                params=_params(),
            )
        )
    out.append(
        _ok(
            "accepted-flags-one",
            f"{v}: `TalkDuration` / `HoldDuration` `0` and `4294967295` (uint32 max); flags `1`",
            _csv("ClientId,DateTime,CallMissed,FirstTimeCaller,StaticCall", f"{_good()},1,1,1"),
            params=_params(),
        )
    )
    return out


def _after_and_basic_cases() -> list[Case]:
    a = _AFTER
    shared = f"{_PREAMBLE}: Where the suite tested a rule only with `type=BASIC`, the rule is marked *shared*"
    return [
        _ok(
            "after-upload-source-and-line-quantity",
            f"{a}: `source_quantity` = rows in the file, `line_quantity` = rows that passed the server's checks",
            f"ClientId,DateTime\n{_good()}\n\nnotNumber,{T}\n{_good()}\n",
            rows=2,
            sent=3,
            params=_params(),
        ),
        _ok(
            "after-upload-comment-as-sent",
            f"{a}: The upload appears in the list at once, status `UPLOADED` … The `comment` comes back exactly as sent.",
            _csv("ClientId,DateTime", _good()),
            params=_params(comment="Звонки за ноябрь 2026"),
            file_level=False,
        ),
        _ok(
            "basic-accepted",
            shared,
            _csv("ClientId,Target,DateTime", f"{GOOD_CLIENT_ID},order_paid,{T}"),
            params=_params(basic=True),
            endpoint="upload",
        ),
        _refused(
            "basic-refused-header-only",
            f"{shared}; {_REFUSED}: | a header and no data rows (*shared*) |",
            _csv("ClientId,Target,DateTime"),
            "invalid_uploading",
            params=_params(basic=True),
            endpoint="upload",
        ),
        _ok(
            "basic-dropped-clientid-not-number",
            f"{shared}; {_DROPPED}: `ClientId` not a number (`notNumber`)",
            _csv(
                "ClientId,Target,DateTime",
                f"notNumber,order_paid,{T}",
                f"{GOOD_CLIENT_ID},order_paid,{T}",
            ),
            rows=1,
            sent=2,
            params=_params(basic=True),
            endpoint="upload",
        ),
        _ok(
            "basic-accepted-header-spelling-and-padding",
            f"{shared}; {_VALID}: header names with non-word characters (the suite's `[Target]`) … values padded with tabs and spaces",
            _csv(
                '" ClientId ",[Target],Date Time,\'Price\',"""Currency"""',
                f" {GOOD_CLIENT_ID} ,order_paid,{T}\t,100.5,RUB",
            ),
            params=_params(basic=True),
            endpoint="upload",
            columns=("ClientId", "Target", "DateTime", "Price", "Currency"),
        ),
    ]


CASES: tuple[Case, ...] = (
    *_request_cases(),
    *_refused_cases(),
    *_dropped_cases(),
    *_wrong_value_cases(),
    *_valid_cases(),
    *_after_and_basic_cases(),
)
"""Every case, in the order of ``metrica-server.md``."""


def by_id(case_id: str) -> Case:
    return next(c for c in CASES if c.id == case_id)

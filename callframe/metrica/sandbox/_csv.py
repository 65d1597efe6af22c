"""The sandbox's own CSV reader: a file as Metrica's server reads it (``metrica-server.md``).

The whole file is refused (:class:`RefusedError`, 400 ``invalid_uploading`` with the server's
message «Неверный формат данных, ошибка в строке номер N») when it is empty, not UTF-8, a line
has bad quoting (``"tes"t``), the header has no data rows after it, ``DateTime`` or the column
of ``client_id_type`` is missing (for BASIC also ``Target``: Yandex's suite removes each
non-optional column in turn), or two header names match the same column (the last two:
callframe's choice, the page is silent).
Otherwise the file is accepted: blank lines are skipped (and not counted), values are trimmed
(as Java's ``String.trim``), rows failing :mod:`._rules` are dropped from ``line_quantity``.
A row with fewer fields than the header reads the missing ones as empty (Yandex's "row of empty
fields" has one field fewer than the header, and the server drops that row, not the file);
fields beyond the header are ignored (unconfirmed).

Without ``client_id_type`` the type is inferred from the one ID column the header has (the
suite always sends it; what the server does without it is unknown); a header with several ID
columns is then refused with ``wrong_parameter_value``.

It reads row by row with the standard library's ``csv`` (strict quoting): the sandbox models a
remote server for tests; it is not one of callframe's data paths.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from callframe.metrica.sandbox._rules import (
    CHAT_CONTACTS,
    CHAT_IDS,
    CHAT_PLATFORMS,
    COLUMNS,
    ID_COLUMNS,
    OPTIONAL_RULES,
    Kind,
    normalise,
    valid_datetime,
    valid_id,
)

__all__ = ["Facts", "RefusedError", "read_chats", "read_upload"]

_TRIM = "".join(map(chr, range(0x21)))
"""What Java's ``String.trim`` removes: every character up to U+0020 (spaces, tabs, line breaks
inside a quoted value, other control characters). Yandex's suite pads values with
``" \\t \\r\\n "``."""


class RefusedError(Exception):
    """The whole file is refused: ``error_type`` and the server's message."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def _bad(line: int, detail: str) -> RefusedError:
    return RefusedError(
        "invalid_uploading", f"Неверный формат данных, ошибка в строке номер {line}. {detail}"
    )


@dataclass(frozen=True)
class Facts:
    """What the server learns from an accepted file."""

    size: int
    sha256: str
    source_quantity: int
    """Data rows (blank lines not counted)."""
    line_quantity: int
    """Rows that passed the checks."""
    static_calls: int
    """Counted rows with ``StaticCall`` 1."""
    wrong_values: int
    """Wrong optional values in counted rows (kept rows, dropped values)."""
    client_id_type: str | None
    columns: tuple[str, ...] = ()
    """The columns the header names matched, in the file's order (canonical spelling)."""
    with_id: int | None = None
    """Counted rows that carry an ID (chats: the others are unattributed); ``None``: all."""


class _ValueCheck:
    """An optional column's rule, run once per distinct raw value (up to a bound)."""

    _MAX_SEEN = 65536

    def __init__(self, at: int, rule: Callable[[str], bool]) -> None:
        self.at = at
        self._rule = rule
        self._seen: dict[str, bool] = {}

    def bad(self, raw: str) -> bool:
        known = self._seen.get(raw)
        if known is not None:
            return known
        value = raw.strip(_TRIM)
        bad = value != "" and not self._rule(value)
        if len(self._seen) < self._MAX_SEEN:
            self._seen[raw] = bad
        return bad


def _digest(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while block := fh.read(1024 * 1024):
            h.update(block)
            size += len(block)
    return size, h.hexdigest()


def _blank(row: list[str]) -> bool:
    return not row or (len(row) == 1 and row[0].strip(_TRIM) == "")


def _records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """The file's non-blank records with their line numbers, header first.

    Refuses the file as the server does: not UTF-8, broken quoting, nothing but blank lines,
    or a header without data rows.
    """
    records = 0
    line = 1
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh, strict=True)
            for row in reader:
                if _blank(row):
                    continue
                records += 1
                yield reader.line_num, row
            line = reader.line_num + 1
    except csv.Error as exc:
        raise _bad(reader.line_num, f"Ошибка CSV: {exc}.") from None
    except UnicodeDecodeError:
        raise _bad(1, "Файл не в кодировке UTF-8.") from None
    if records == 0:
        raise _bad(1, "Файл пуст.")
    if records == 1:
        raise _bad(line, "В файле нет данных, только заголовок.")


def _header(row: list[str], line: int, kind: Kind) -> dict[str, int]:
    known = {normalise(c): c for c in COLUMNS[kind]}
    where: dict[str, int] = {}
    for i, name in enumerate(row):
        column = known.get(normalise(name))
        if column is None:
            continue
        if column in where:
            raise _bad(line, f"Колонка {column} указана дважды.")
        where[column] = i
    return where


def _client_id_type(where: dict[str, int], given: str | None, line: int, kind: Kind) -> str:
    if given is not None:
        if ID_COLUMNS[given] not in where:
            raise _bad(line, f"Нет колонки {ID_COLUMNS[given]} для client_id_type={given}.")
        return given
    present = [t for t, c in ID_COLUMNS.items() if c in where and c in COLUMNS[kind]]
    if not present:
        raise _bad(line, "Нет колонки идентификатора (ClientId, UserId или Yclid).")
    if len(present) > 1:
        raise RefusedError(
            "wrong_parameter_value",
            "Wrong parameter value: client_id_type is required when the file has several ID "
            "columns",
        )
    return present[0]


def read_upload(path: Path, kind: Kind, client_id_type: str | None, now: float) -> Facts:
    """Read an uploaded file as the server does; raise :class:`RefusedError` for a refused file."""
    size, sha256 = _digest(path)
    if size == 0:
        raise _bad(1, "Файл пуст.")
    sent = kept = static = wrong = 0
    header: list[str] | None = None
    for line_num, row in _records(path):
        if header is None:
            header = row
            where = _header(row, line_num, kind)
            if "DateTime" not in where:
                raise _bad(line_num, "Нет колонки DateTime.")
            if kind == "basic" and "Target" not in where:
                raise _bad(line_num, "Нет колонки Target.")
            id_type = _client_id_type(where, client_id_type, line_num, kind)
            id_at = where[ID_COLUMNS[id_type]]
            dt_at = where["DateTime"]
            target_at = where.get("Target")
            checks = [
                _ValueCheck(i, OPTIONAL_RULES[c]) for c, i in where.items() if c in OPTIONAL_RULES
            ]
            static_at = where.get("StaticCall")
            continue
        if len(row) < len(header):
            row += [""] * (len(header) - len(row))
        sent += 1
        if not valid_id(id_type, row[id_at].strip(_TRIM)):
            continue
        if not valid_datetime(row[dt_at].strip(_TRIM), now):
            continue
        if target_at is not None and row[target_at].strip(_TRIM) == "":
            continue
        kept += 1
        for check in checks:
            wrong += check.bad(row[check.at])
        if static_at is not None and row[static_at].strip(_TRIM) == "1":
            static += 1
    columns = tuple(sorted(where, key=where.__getitem__))
    return Facts(size, sha256, sent, kept, static, wrong, id_type, columns)


def read_chats(path: Path, now: float) -> Facts:
    """Read a ``type=CHATS`` file as the sandbox models the server (see :mod:`._rules`)."""
    size, sha256 = _digest(path)
    if size == 0:
        raise _bad(1, "Файл пуст.")
    sent = kept = with_id = 0
    header: list[str] | None = None
    for line_num, row in _records(path):
        if header is None:
            header = row
            where = _header(row, line_num, "chats")
            for required in ("DateTime", "ChatPlatform"):
                if required not in where:
                    raise _bad(line_num, f"Нет колонки {required}.")
            contacts = [where[c] for c in CHAT_CONTACTS if c in where]
            if not contacts:
                raise _bad(line_num, "Нет колонки ChatUsername, ChatUserID или PhoneNumber.")
            ids = {c: where[c] for c in CHAT_IDS if c in where}
            continue
        if len(row) != len(header):
            raise _bad(
                line_num,
                f"Полей в строке {len(row)}, в заголовке {len(header)}.",
            )
        sent += 1
        if not valid_datetime(row[where["DateTime"]].strip(_TRIM), now):
            continue
        if row[where["ChatPlatform"]].strip(_TRIM) not in CHAT_PLATFORMS:
            continue
        if not any(row[i].strip(_TRIM) for i in contacts):
            continue
        given = {c: row[i].strip(_TRIM) for c, i in ids.items() if row[i].strip(_TRIM)}
        numeric = {"ClientID": "CLIENT_ID", "Yclid": "YCLID"}
        if any(c in numeric and not valid_id(numeric[c], v) for c, v in given.items()):
            continue
        kept += 1
        with_id += bool(given)
    columns = tuple(sorted(where, key=where.__getitem__))
    return Facts(size, sha256, sent, kept, 0, 0, None, columns, with_id)

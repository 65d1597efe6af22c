"""What Metrica says about uploads, as typed, frozen values; and what an upload call returns.

:class:`OfflineCallsUploading` and :class:`OfflineConversionUploading` hold every documented
field of the API's objects. Missing fields are ``None``; unknown fields are kept in ``extra``;
an unknown status becomes a non-canonical :class:`UploadStatus` member with its own text, so a
new status Metrica adds never breaks a caller (``is_final`` is ``False`` for it).

:class:`UploadResult` is what ``upload_calls`` / ``upload_conversions`` return: one
:class:`UploadPart` per upload (several when the rows use several ID types or the data was over
1 GB), each saying whether it was
sent now (``SENT``), found among earlier uploads by its content hash and not sent again
(``FOUND``), or found after an attempt whose answer was lost (``RECOVERED``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal, Self

from callframe.errors import UsageError

__all__ = [
    "HASH_PATTERN",
    "MARKER_PREFIX",
    "OfflineCallsUploading",
    "OfflineConversionUploading",
    "UploadOutcome",
    "UploadPart",
    "UploadResult",
    "UploadStatus",
    "Uploading",
    "VisitJoinThreshold",
    "find_hash",
    "marker",
    "parse_metrica_time",
]

MARKER_PREFIX = "cf"
HASH_PATTERN = re.compile(r"(?<!\w)cf([0-9a-fA-F]{12})(?!\w)|\[cf:([0-9a-fA-F]{12})\]")
"""The content-hash marker in an upload's comment: the word ``cf`` + 12 hex digits (letters
and digits only, as Metrica allows in comments), or ``[cf:<12 hex>]`` as earlier versions wrote it
(still recognised, so that a re-run after an upgrade finds those uploads)."""


def marker(content_hash: str) -> str:
    """The word callframe appends to a comment: ``cf`` + the 12 hex digits of the hash."""
    return f"{MARKER_PREFIX}{content_hash}"


def find_hash(comment: str | None) -> str | None:
    """The content hash of the last marker in ``comment`` (lower case), or ``None``."""
    if not comment:
        return None
    found = None
    for match in HASH_PATTERN.finditer(comment):
        found = (match.group(1) or match.group(2)).lower()
    return found


class UploadStatus(StrEnum):
    """An upload's processing status. ``PROCESSED`` and ``LINKAGE_FAILURE`` are final.

    ``UploadStatus("SOMETHING_NEW")`` does not raise: it returns a member-like value whose
    ``value`` is the text and which is not final, so polling goes on until a timeout.
    """

    PREPARED = "PREPARED"
    UPLOADED = "UPLOADED"
    EXPORTED = "EXPORTED"
    MATCHED = "MATCHED"
    PROCESSED = "PROCESSED"
    LINKAGE_FAILURE = "LINKAGE_FAILURE"

    @property
    def is_final(self) -> bool:
        """``True`` for ``PROCESSED`` and ``LINKAGE_FAILURE``: the status will not change."""
        return self in _FINAL

    @property
    def is_known(self) -> bool:
        """``False`` for a status this version of callframe does not know."""
        return self.value in UploadStatus._value2member_map_

    @classmethod
    def _missing_(cls, value: object) -> UploadStatus | None:
        if not isinstance(value, str):
            return None
        upper = value.upper()
        if upper in cls._value2member_map_:
            return cls(upper)
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member


_FINAL = frozenset({UploadStatus.PROCESSED, UploadStatus.LINKAGE_FAILURE})


_ISO_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|[+-]\d{2}:?\d{2})?"
)
_RU_TIME = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})(?:,?\s+(\d{2}:\d{2}(?::\d{2})?))?")


def parse_metrica_time(text: object) -> datetime | None:
    """The first date or time in ``text``, as Metrica may write it; ``None`` when there is none.

    Accepts ``2026-11-25``, ``2026-11-25T10:00:00Z``, ``…+03:00`` / ``…+0300``,
    ``2026-11-25 10:00:00`` (also inside a sentence) and ``25.11.2026 10:00``. A time without an
    offset stays naive: Metrica does not say which time zone it means, and callframe never
    guesses one. Metrica's threshold answers and messages are not documented precisely, hence
    the tolerance.
    """
    if not isinstance(text, str):
        return None
    match = _ISO_TIME.search(text)
    if match:
        day, clock, zone = match.groups()
        iso = day + (f"T{clock}" if clock else "")
        if zone:
            iso += "+00:00" if zone == "Z" else zone
        try:
            return datetime.fromisoformat(iso)
        except ValueError:
            return None
    ru = _RU_TIME.search(text)
    if ru:
        dd, mm, yyyy, clock = ru.groups()
        try:
            return datetime.fromisoformat(f"{yyyy}-{mm}-{dd}" + (f"T{clock}" if clock else ""))
        except ValueError:
            return None
    return None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed


@dataclass(frozen=True, slots=True)
class Uploading:
    """Fields shared by call and offline-conversion uploads (``OfflineConversionUploading``).

    ``kind`` says which endpoint family the upload belongs to: ``"calls"`` or ``"conversions"``.
    """

    kind: ClassVar[Literal["calls", "conversions"]] = "conversions"
    _INTS: ClassVar[tuple[str, ...]] = (
        "source_quantity",
        "line_quantity",
        "goal_not_found_quantity",
        "user_not_found_quantity",
        "linked_quantity",
    )

    id: int
    status: UploadStatus | None = None
    create_time: datetime | None = None
    source_quantity: int | None = None
    line_quantity: int | None = None
    comment: str | None = None
    type: str | None = None
    client_id_type: str | None = None
    goal_not_found_quantity: int | None = None
    user_not_found_quantity: int | None = None
    linked_quantity: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        """Build from the JSON object Metrica returns; tolerant of missing and unknown fields.

        Raises ``ValueError`` only when ``id`` is absent: an upload without an id cannot be
        polled or found again.
        """
        upload_id = _int(data.get("id"))
        if upload_id is None:
            raise ValueError("upload object without an integer 'id'")
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {"id": upload_id}
        for name in cls._INTS:
            values[name] = _int(data.get(name))
        status = data.get("status")
        values["status"] = UploadStatus(status) if isinstance(status, str) and status else None
        values["create_time"] = _time(data.get("create_time"))
        values["comment"] = _str(data.get("comment"))
        values["type"] = _str(data.get("type"))
        cid = _str(data.get("client_id_type"))
        values["client_id_type"] = cid.upper() if cid else None
        values["extra"] = {k: v for k, v in data.items() if k not in known}
        return cls(**values)

    @property
    def content_hash(self) -> str | None:
        """The content hash of the comment's marker (``cf<12 hex>``), if callframe made this
        upload."""
        return find_hash(self.comment)

    @property
    def is_final(self) -> bool:
        return self.status is not None and self.status.is_final

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output (times in ISO 8601, status as text, extras included)."""
        # chats are listed by the conversions endpoints; their type tells them apart
        kind = "chats" if self.kind == "conversions" and self.type == "CHATS" else self.kind
        out: dict[str, Any] = {"kind": kind}
        for f in fields(self):
            if f.name == "extra":
                continue
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = value.isoformat().replace("+00:00", "Z")
            elif isinstance(value, UploadStatus):
                value = value.value
            out[f.name] = value
        out.update({k: v for k, v in self.extra.items() if k not in out})
        return out


@dataclass(frozen=True, slots=True)
class OfflineConversionUploading(Uploading):
    """An upload of offline conversions (``POST …/offline_conversions/upload``)."""

    kind: ClassVar[Literal["calls", "conversions"]] = "conversions"


@dataclass(frozen=True, slots=True)
class OfflineCallsUploading(Uploading):
    """An upload of calls (``POST …/offline_conversions/upload_calls``)."""

    kind: ClassVar[Literal["calls", "conversions"]] = "calls"
    _INTS: ClassVar[tuple[str, ...]] = (
        *Uploading._INTS,
        "static_calls_quantity",
        "dynamic_calls_quantity",
    )

    static_calls_quantity: int | None = None
    dynamic_calls_quantity: int | None = None


class UploadOutcome(StrEnum):
    """What an upload call did with one file."""

    SENT = "sent"
    """Sent now; Metrica created a new upload."""
    FOUND = "found"
    """Not sent: an earlier upload carries the same content hash (a re-run of the same job)."""
    RECOVERED = "recovered"
    """An attempt's answer was lost (timeout, dropped connection, 5xx), but Metrica had stored
    it: found by its content hash and not sent again."""


@dataclass(frozen=True, slots=True)
class VisitJoinThreshold:
    """When a counter starts taking uploads (``GET …/calls_visit_join_threshold`` or
    ``…/visit_join_threshold``): ``date`` parsed from Metrica's answer (naive when it gives no
    offset; ``None`` when it gives no date it could read), ``raw`` as Metrica wrote it."""

    kind: Literal["calls", "conversions"]
    date: datetime | None
    raw: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "date": self.date.isoformat() if self.date else None,
            "raw": self.raw,
        }


@dataclass(frozen=True, slots=True)
class UploadPart:
    """One file of an upload call and what happened to it.

    The words every result speaks: ``n_rows`` (rows sent), :attr:`n_valid` (rows Metrica
    counted), :attr:`n_rejected` (rows it did not count), :attr:`ok` (it took them all)."""

    upload: Uploading
    outcome: UploadOutcome
    content_hash: str
    size: int
    filename: str
    n_rows: int
    warnings: int = 0
    client_id_type: str | None = None
    """The ``client_id_type`` sent with the file (given, or chosen by decisions rule 3)."""

    @property
    def sent(self) -> bool:
        return self.outcome is not UploadOutcome.FOUND

    @property
    def n_valid(self) -> int:
        """Rows Metrica counted (its ``line_quantity``; the rows sent until it says)."""
        counted = self.upload.line_quantity
        return self.n_rows if counted is None else min(counted, self.n_rows)

    @property
    def n_rejected(self) -> int:
        """Rows sent that Metrica did not count (``n_rows == n_valid + n_rejected``)."""
        return self.n_rows - self.n_valid

    @property
    def ok(self) -> bool:
        """``True`` when Metrica took every row of this part (no :attr:`shortfalls`)."""
        return not self.partial

    @property
    def shortfalls(self) -> tuple[str, ...]:
        """What Metrica did not take of this part, in words: rows it did not count
        (``line_quantity`` below the rows sent), rows whose goal or visitor it could not find
        (``goal_not_found_quantity``, ``user_not_found_quantity``; known once processed)."""
        u = self.upload
        out = []
        if u.line_quantity is not None and u.line_quantity < self.n_rows:
            out.append(
                f"Metrica counted {u.line_quantity} of {self.n_rows} rows sent: "
                f"{self.n_rows - u.line_quantity} dropped"
            )
        if u.goal_not_found_quantity:
            out.append(f"{u.goal_not_found_quantity} rows whose goal Metrica did not find")
        if u.user_not_found_quantity:
            out.append(f"{u.user_not_found_quantity} rows whose visitor Metrica did not find")
        return tuple(out)

    @property
    def partial(self) -> bool:
        """``True`` when Metrica did not take all of this part (see :attr:`shortfalls`)."""
        return bool(self.shortfalls)

    def with_upload(self, upload: Uploading) -> UploadPart:
        return UploadPart(
            upload,
            self.outcome,
            self.content_hash,
            self.size,
            self.filename,
            self.n_rows,
            self.warnings,
            self.client_id_type,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "content_hash": self.content_hash,
            "filename": self.filename,
            "size": self.size,
            "rows": self.n_rows,
            "warnings": self.warnings,
            "client_id_type": self.client_id_type,
            "partial": self.partial,
            "shortfalls": list(self.shortfalls),
            "upload": self.upload.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class UploadResult:
    """The result of ``upload_calls`` / ``upload_conversions``.

    ``parts`` has one entry per upload: more than one when the rows use several ID types (one
    upload per ``client_id_type``, decisions.md rule 3) or the data was over 1 GB. ``upload``
    and ``outcome`` are shortcuts for the usual single part. ``partial`` / ``shortfalls`` say
    when Metrica did not take every row.
    """

    parts: tuple[UploadPart, ...]

    @property
    def upload(self) -> Uploading:
        """The upload, when there is exactly one (else see ``uploads`` / ``parts``)."""
        return self._single().upload

    @property
    def outcome(self) -> UploadOutcome:
        """What happened, when there is exactly one file (else see ``parts``)."""
        return self._single().outcome

    @property
    def uploads(self) -> tuple[Uploading, ...]:
        return tuple(p.upload for p in self.parts)

    @property
    def sent(self) -> bool:
        """``True`` when at least one file went to Metrica in this call."""
        return any(p.outcome is UploadOutcome.SENT for p in self.parts)

    @property
    def is_final(self) -> bool:
        return all(p.upload.is_final for p in self.parts)

    @property
    def n_rows(self) -> int:
        """Rows sent, every part (``n_rows == n_valid + n_rejected``)."""
        return sum(p.n_rows for p in self.parts)

    @property
    def n_valid(self) -> int:
        """Rows Metrica counted, every part (see :attr:`UploadPart.n_valid`)."""
        return sum(p.n_valid for p in self.parts)

    @property
    def n_rejected(self) -> int:
        """Rows sent that Metrica did not count, every part."""
        return sum(p.n_rejected for p in self.parts)

    @property
    def ok(self) -> bool:
        """``True`` when Metrica took every row of every part (not :attr:`partial`)."""
        return not self.partial

    @property
    def partial(self) -> bool:
        """``True`` when Metrica did not take all rows of some part (see ``shortfalls``)."""
        return any(p.partial for p in self.parts)

    @property
    def shortfalls(self) -> tuple[str, ...]:
        """Every part's :attr:`UploadPart.shortfalls`, prefixed with its file name when
        there are several parts."""
        many = len(self.parts) > 1
        return tuple(f"{p.filename}: {s}" if many else s for p in self.parts for s in p.shortfalls)

    def _single(self) -> UploadPart:
        if len(self.parts) != 1:
            raise UsageError(
                f"this data went as {len(self.parts)} uploads (several ID types or over 1 GB); "
                "use .parts or .uploads"
            )
        return self.parts[0]

    def to_dict(self) -> dict[str, Any]:
        return {"parts": [p.to_dict() for p in self.parts]}

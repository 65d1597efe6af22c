"""``enrich``: give calls without a visitor ID the ID of the person who called, by phone and time.

A PBX or CRM log has no Metrica ID; a site form, a CRM table or a call tracker's export often
has the phone number *and* a ClientId/UserId/Yclid. :func:`enrich` joins the two: for each call
without any ID it takes the latest row of ``ids`` with the same normalised phone number within
``within`` before the call (``direction="backward"``; ``"forward"`` looks after the call,
``"nearest"`` both ways), with polars ``join_asof`` by phone.

* **Window**: inclusive at both ends. Backward: ``call − within ≤ t ≤ call``; forward:
  ``call ≤ t ≤ call + within``; nearest: ``|t − call| ≤ within``.
* **Ambiguity**: when the window holds rows with different IDs (the tuple ClientId, UserId,
  Yclid differs), no ID is taken and the call is reported ``ambiguous``: never guessed.
* **Normalising the ids source**: phones through the same normaliser as adapters
  (``8 916 …``, ``+7 (916) …``, ``79161234567`` all meet); times as Unix seconds, ISO 8601 with
  an offset, or naive text (``YYYY-MM-DD HH:MM:SS``, ``dd.MM.yyyy HH:mm:ss``) in ``tz`` — its own
  zone, which may differ from the calls'; naive times without ``tz`` raise (decisions.md rule 5).
  IDs: ClientId/Yclid 1–20 digits, UserId any non-blank text; rows without a phone, a readable
  time or any ID are skipped and counted.
* **StaticCall**: a call that gets an ID is set to ``matched_static`` (default 0: the visitor is
  now known, so Metrica may attach the call to the visit); ``None`` leaves it unchanged.

The result keeps every call, in order (:class:`Enrichment`): ``data`` (contract columns, IDs
filled, ready for :func:`callframe.write_csv`), ``matches`` (per call where its ID came from:
``IdSource`` is ``export``, ``ids``, ``ambiguous``, ``unmatched`` or ``no_phone``, with the ids
row and how many seconds apart), and the counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import polars as pl

from callframe.contract.columns import CALLS, spec
from callframe.engine import normalize as nz
from callframe.engine.nodes import Ctx, FirstTime, IsoTime, LocalTime, UnixTime
from callframe.errors import UsageError
from callframe.io.exports import TrackerExport, read_export

__all__ = ["ID_COLUMNS", "Enrichment", "enrich", "parse_window"]

ID_COLUMNS: tuple[str, ...] = ("ClientId", "UserId", "Yclid")
"""The contract's visitor-ID columns, in the order the contract lists them."""

Direction = Literal["backward", "forward", "nearest"]
IdsSource = pl.DataFrame | pl.LazyFrame | TrackerExport | str | Path | bytes

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_LOCAL_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d/%m/%Y %H:%M:%S")


def parse_window(within: str | int | timedelta) -> int:
    """Seconds of a window: ``"30m"``, ``"1h30m"``, ``"90s"``, ``"2d"``, an int of seconds or a
    ``timedelta``. Raises :class:`~callframe.UsageError` for anything else or a negative value."""
    if isinstance(within, timedelta):
        seconds = within.total_seconds()
    elif isinstance(within, int) and not isinstance(within, bool):
        seconds = within
    elif isinstance(within, str) and re.fullmatch(r"\s*(\d+\s*[smhd]\s*)+", within.lower()):
        seconds = sum(
            int(n) * _UNITS[u] for n, u in re.findall(r"(\d+)\s*([smhd])", within.lower())
        )
    elif isinstance(within, str) and within.strip().isdigit():
        seconds = int(within)
    else:
        raise UsageError(
            f"cannot read the window {within!r}: write e.g. 30m, 1h30m, 90s or 2d (--within)"
        )
    if seconds < 0:
        raise UsageError(f"the window {within!r} is negative (--within)")
    return int(seconds)


@dataclass(frozen=True, slots=True)
class Enrichment:
    """What :func:`enrich` returns.

    ``data``: every input call, in order, with ClientId/UserId/Yclid filled where found
    (contract columns and dtypes): the frame to write. :attr:`valid`: the calls with an ID
    (from the export or filled); :attr:`rejected`: the calls still without one, with ``row``
    and their reason ``IdSource`` (they stay in ``data``: a static call goes without an ID).
    ``matches``: one row per call: ``row`` (1-based),
    ``IdSource`` (``export``: it had an ID already; ``ids``: filled; ``ambiguous``: several
    IDs in the window, none taken; ``unmatched``: nothing in the window; ``no_phone``: the call
    has no phone to join on), ``ids_row`` (1-based row of the ids source used, or one of the
    conflicting ones), ``seconds_apart`` (call time − ids time). ``ids_rows`` /
    ``ids_skipped``: rows in the ids source and rows skipped there (no phone, time or ID).
    """

    data: pl.DataFrame
    matches: pl.DataFrame
    within: int
    direction: str
    ids_rows: int
    ids_skipped: int

    @property
    def valid(self) -> pl.DataFrame:
        """The calls with an ID (``IdSource`` ``export`` or ``ids``), in order."""
        return self.data.filter(self._has_id())

    @property
    def rejected(self) -> pl.DataFrame:
        """The calls without an ID, with ``row`` (1-based) and ``IdSource`` (the reason:
        ``ambiguous``, ``unmatched`` or ``no_phone``)."""
        reasons = self.matches.select("row", "IdSource")
        return pl.concat([reasons, self.data], how="horizontal").filter(~self._has_id())

    @property
    def n_rows(self) -> int:
        """Calls in (``n_rows == n_valid + n_rejected``)."""
        return self.data.height

    @property
    def n_valid(self) -> int:
        """Calls with an ID."""
        c = self.counts()
        return c["export"] + c["ids"]

    @property
    def n_rejected(self) -> int:
        """Calls without an ID."""
        return self.n_rows - self.n_valid

    @property
    def ok(self) -> bool:
        """``True`` when every call has an ID."""
        return self.n_rejected == 0

    def _has_id(self) -> pl.Series:
        return self.matches.get_column("IdSource").is_in(["export", "ids"])

    def counts(self) -> dict[str, int]:
        """Calls per ``IdSource`` value (all five keys, zeros included)."""
        found = dict(self.matches.get_column("IdSource").value_counts().iter_rows())
        keys = ("export", "ids", "ambiguous", "unmatched", "no_phone")
        return {k: int(found.get(k, 0)) for k in keys}

    @property
    def matched(self) -> int:
        return self.counts()["ids"]

    @property
    def ambiguous(self) -> int:
        return self.counts()["ambiguous"]

    @property
    def unmatched(self) -> int:
        c = self.counts()
        return c["unmatched"] + c["no_phone"]

    def with_source(self) -> pl.DataFrame:
        """``data`` with the ``IdSource`` column appended (for a look, not for upload)."""
        return self.data.with_columns(self.matches.get_column("IdSource"))

    def to_dict(self) -> dict[str, Any]:
        """Counts as plain data (no values from either source)."""
        return {
            "within_seconds": self.within,
            "direction": self.direction,
            "calls": self.data.height,
            **self.counts(),
            "ids_rows": self.ids_rows,
            "ids_skipped": self.ids_skipped,
        }

    def to_text(self) -> str:
        c = self.counts()
        need = self.data.height - c["export"]
        return (
            f"  enriched: {c['ids']} of {need} calls without an ID matched "
            f"({self.direction}, within {self.within} s), {c['ambiguous']} ambiguous, "
            f"{c['unmatched'] + c['no_phone']} unmatched; ids source: {self.ids_rows} rows, "
            f"{self.ids_skipped} skipped"
        )


def _ids_frame(ids: IdsSource) -> tuple[pl.DataFrame, str | None]:
    if isinstance(ids, TrackerExport):
        return ids.frame, ids.source
    if isinstance(ids, pl.LazyFrame):
        ids = ids.collect()
    if isinstance(ids, pl.DataFrame):
        return TrackerExport.from_frame(ids).frame, None
    export = read_export(ids)
    return export.frame, export.source


def _id_map(id_columns: Sequence[str] | Mapping[str, str]) -> dict[str, str]:
    pairs = dict(id_columns) if isinstance(id_columns, Mapping) else {c: c for c in id_columns}
    bad = [target for target in pairs.values() if target not in ID_COLUMNS]
    if bad or not pairs:
        raise UsageError(
            f"id_columns must name the ids source's columns for {', '.join(ID_COLUMNS)} "
            f"(a list, or a mapping such as {{'ym_uid': 'ClientId'}}); got {bad or 'nothing'}"
        )
    return pairs


def _normalised_ids(
    frame: pl.DataFrame,
    *,
    source: str | None,
    on_phone: str,
    on_time: str,
    ids: dict[str, str],
    tz: str | None,
    region: str,
) -> pl.DataFrame:
    """The ids source as ``ids_row``, ``phone`` (E.164), ``t`` (Unix s) and the ID columns."""
    where = f"{source}: " if source else ""
    lacking = [c for c in (on_phone, on_time) if c not in frame.columns]
    present = [c for c in ids if c in frame.columns]
    if lacking or not present:
        what = lacking or [" / ".join(ids)]
        raise UsageError(
            f"{where}the ids source lacks the column(s) {', '.join(what)} "
            f"(it has {', '.join(frame.columns[:10]) or 'none'}); name them with on_phone=, "
            "on_time= and id_columns= (CLI: the file needs PhoneNumber, DateTime and an ID "
            "column)"
        )
    time = FirstTime(
        UnixTime(on_time), IsoTime(on_time), LocalTime(on_time, formats=_LOCAL_FORMATS)
    )
    ctx = Ctx.of(frame, tz=tz, region=region)
    parts = time.parts(ctx)
    if tz is None:
        naive = frame.select(
            (parts.naive.is_not_null() & parts.aware.is_null()).arg_true().first()
        ).item()
        if naive is not None:
            raise UsageError(
                f"{where}the ids source's times have no UTC offset (column {on_time!r}, first at "
                f"row {naive + 1}); pass the zone they are written in: tz='Europe/Moscow' "
                "(CLI: --ids-tz, which defaults to --tz). callframe never guesses a time zone."
            )
    id_exprs = []
    for name in ID_COLUMNS:
        cols = [c for c, target in ids.items() if target == name and c in frame.columns]
        if not cols:
            id_exprs.append(pl.lit(None, pl.String).alias(name))
            continue
        texts = [
            nz.clean_text(pl.col(c)) if name == "UserId" else nz.digits_id(pl.col(c)) for c in cols
        ]
        id_exprs.append((texts[0] if len(texts) == 1 else pl.coalesce(texts)).alias(name))
    out = frame.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("ids_row"),
        nz.phone(pl.col(on_phone), region=region).alias("phone"),
        time.expr(ctx).cast(pl.Int64).alias("t"),
        *id_exprs,
    )
    return out


def enrich(
    calls: pl.DataFrame | pl.LazyFrame,
    ids: IdsSource,
    *,
    on_phone: str = "PhoneNumber",
    on_time: str = "DateTime",
    within: str | int | timedelta = "30m",
    direction: Direction = "backward",
    id_columns: Sequence[str] | Mapping[str, str] = ID_COLUMNS,
    tz: str | None = None,
    region: str = "RU",
    matched_static: int | None = 0,
) -> Enrichment:
    """Fill ClientId/UserId/Yclid of calls that have none from ``ids``; see the module docstring.

    ``calls``: a contract frame (e.g. :attr:`Conversion.valid <callframe.Conversion.valid>`)
    with ``PhoneNumber`` and ``DateTime`` (Unix seconds, UTC). ``ids``: a frame, an export or a
    file (read with :func:`callframe.read_export`) with the phone in ``on_phone``, the time in
    ``on_time`` and the IDs in ``id_columns`` (names of ``ClientId``/``UserId``/``Yclid``
    columns, or a mapping from the source's names to those). ``within``: the window
    (``"30m"``, seconds, a ``timedelta``), inclusive at both ends. ``tz``: the zone of the ids
    source's naive times. ``region``: the country of national numbers in both sources.
    """
    if direction not in ("backward", "forward", "nearest"):
        raise UsageError(f"direction must be backward, forward or nearest, not {direction!r}")
    if matched_static not in (None, 0, 1):
        raise UsageError("matched_static must be 0, 1 or None")
    window = parse_window(within)
    frame = calls.collect() if isinstance(calls, pl.LazyFrame) else calls
    for needed in ("PhoneNumber", "DateTime"):
        if needed not in frame.columns:
            raise UsageError(f"enrich() needs the calls' {needed} column (a contract frame)")
    id_map = _id_map(id_columns)
    raw_ids, source = _ids_frame(ids)
    table = _normalised_ids(
        raw_ids, source=source, on_phone=on_phone, on_time=on_time, ids=id_map, tz=tz, region=region
    )
    usable = table.filter(
        pl.col("phone").is_not_null()
        & pl.col("t").is_not_null()
        & pl.any_horizontal(pl.col(c).is_not_null() for c in ID_COLUMNS)
    )
    usable = _with_neighbours(usable)

    # the calls, with every ID column in contract dtype (a PBX export has none)
    full = frame.with_columns(
        pl.lit(None, spec("calls", c).dtype).alias(c) for c in ID_COLUMNS if c not in frame.columns
    )
    has_id = pl.any_horizontal(
        nz.id_text(pl.col(c).cast(pl.String)).is_not_null() for c in ID_COLUMNS
    )
    probe = full.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("row"),
        has_id.alias("has_id"),
        nz.phone(pl.col("PhoneNumber").cast(pl.String), region=region).alias("phone"),
        pl.col("DateTime").cast(pl.Int64).alias("t"),
    )
    wanted = probe.filter(
        ~pl.col("has_id") & pl.col("phone").is_not_null() & pl.col("t").is_not_null()
    )
    joined = wanted.sort("t").join_asof(
        usable.sort("t"),
        on="t",
        by="phone",
        strategy=direction,
        tolerance=window,
        check_sortedness=False,
        coalesce=False,
        suffix="_ids",
    )
    lo = pl.col("t") - (window if direction != "forward" else 0)
    hi = pl.col("t") + (window if direction != "backward" else 0)
    found = pl.col("ids_row").is_not_null()
    conflict = found & (
        (pl.col("prev_other") >= lo).fill_null(False)
        | (pl.col("next_other") <= hi).fill_null(False)
    )
    decided = joined.select(
        "row",
        pl.when(conflict)
        .then(pl.lit("ambiguous"))
        .when(found)
        .then(pl.lit("ids"))
        .otherwise(pl.lit("unmatched"))
        .alias("IdSource"),
        pl.col("ids_row"),
        (pl.col("t") - pl.col("t_ids")).alias("seconds_apart"),
        *(pl.when(found & ~conflict).then(pl.col(c)).alias(f"__{c}") for c in ID_COLUMNS),
    )
    matches = probe.join(decided, on="row", how="left", maintain_order="left").select(
        "row",
        pl.when(pl.col("has_id"))
        .then(pl.lit("export"))
        .when(pl.col("phone").is_null() | pl.col("t").is_null())
        .then(pl.lit("no_phone"))
        .otherwise(pl.col("IdSource"))
        .alias("IdSource"),
        "ids_row",
        "seconds_apart",
        *(f"__{c}" for c in ID_COLUMNS),
    )
    filled = full.with_columns(
        pl.coalesce(pl.col(c), matches.get_column(f"__{c}").cast(spec("calls", c).dtype)).alias(c)
        for c in ID_COLUMNS
    )
    if matched_static is not None and "StaticCall" in filled.columns:
        got = matches.get_column("IdSource") == "ids"
        filled = filled.with_columns(
            pl.when(got)
            .then(pl.lit(matched_static, pl.Int8))
            .otherwise(pl.col("StaticCall"))
            .cast(spec("calls", "StaticCall").dtype)
            .alias("StaticCall")
        )
    ordered = filled.select(c.name for c in CALLS if c.name in filled.columns)
    return Enrichment(
        data=ordered,
        matches=matches.drop(f"__{c}" for c in ID_COLUMNS),
        within=window,
        direction=direction,
        ids_rows=table.height,
        ids_skipped=table.height - usable.height,
    )


def _with_neighbours(usable: pl.DataFrame) -> pl.DataFrame:
    """Each ids row with ``prev_other``/``next_other``: the time of the nearest earlier/later
    row of the same phone whose IDs differ (null when none). Rows of one phone are sorted by
    time; a run of equal IDs shares its neighbours, so a window holds different IDs exactly when
    the matched row's ``prev_other`` or ``next_other`` lies inside it."""
    key = pl.concat_str([pl.col(c).fill_null("") for c in ID_COLUMNS], separator="\x1f")
    rows = usable.sort(["phone", "t", "ids_row"]).with_columns(key.alias("__key"))
    new_run = (pl.col("__key") != pl.col("__key").shift(1)) | (
        pl.col("phone") != pl.col("phone").shift(1)
    )
    rows = rows.with_columns(new_run.fill_null(True).cum_sum().alias("__run"))
    runs = (
        rows.group_by("__run", maintain_order=True)
        .agg(
            pl.col("phone").first(),
            pl.col("t").min().alias("first"),
            pl.col("t").max().alias("last"),
        )
        .sort("__run")
    )
    same_prev = pl.col("phone") == pl.col("phone").shift(1)
    same_next = pl.col("phone") == pl.col("phone").shift(-1)
    runs = runs.select(
        "__run",
        pl.when(same_prev).then(pl.col("last").shift(1)).alias("prev_other"),
        pl.when(same_next).then(pl.col("first").shift(-1)).alias("next_other"),
    )
    return rows.join(runs, on="__run", how="left").drop("__key", "__run")

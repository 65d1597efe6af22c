"""The peer for conversion: a tracker export to the Metrica calls CSV with pandas + pandera.

Written straightforwardly, the way a user would without callframe: ``pd.read_csv(dtype=str)``
(or ``json.load`` + a ``DataFrame`` of the records), vectorised ``.str`` operations per column
(no ``apply``; the one exception is joining Calltouch's JSON ``callTags`` names, a list of dicts
per record, which pandas has no vectorised operation for), the pandera schema of
``validate_pandas.py`` (``lazy=True``), the failing rows dropped, ``to_csv``. Prints JSON:
seconds, rows written, peak MB.

Three exports, the same conversion rules as callframe's adapters today:

* ``calltouch``: a Calltouch CSV (``;``, the REST field names).
* ``calltouch_json``: Calltouch's API answer ``{"records": [...]}``.
* ``asterisk``: a headerless ``Master.csv`` (``cdr_csv``); rows sharing ``linkedid`` (else
  ``uniqueid``) are one call, the kept row its answered inbound leg, else its earliest; a
  caller of at most 6 digits is an extension: extension to extension is internal, extension out
  is outbound; both rejected, like the extra legs.

Usage: ``.venv-peer/bin/python benchmarks/peers/convert_pandas.py [--tracker T] IN OUT``
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_pandas import schema

PLACEHOLDERS = {"", "<не заполнено>", "null", "none", "-"}
TZ = "Europe/Moscow"
ASTERISK = [
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "uniqueid",
    "userfield",
    "peeraccount",
    "linkedid",
    "sequence",
]


def _clean(s: pd.Series) -> pd.Series:
    s = s.str.strip()
    return s.mask(s.str.lower().isin(PLACEHOLDERS))


def _phone(s: pd.Series) -> pd.Series:
    digits = _clean(s).str.replace(r"[^0-9]", "", regex=True)
    out = pd.Series(pd.NA, index=s.index, dtype="object")
    eleven = digits.str.len() == 11
    out = out.mask(eleven & digits.str.startswith("8"), "+7" + digits.str.slice(1))
    out = out.mask(eleven & digits.str.startswith("7"), "+" + digits)
    return out


def _local_unix(s: pd.Series, fmt: str) -> pd.Series:
    local = pd.to_datetime(s, format=fmt, errors="coerce")
    local = local.dt.tz_localize(TZ, ambiguous="NaT", nonexistent="NaT")
    return (local - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta("1s")


def _flag(mask: pd.Series) -> pd.Series:
    return mask.map({True: "1", False: "0"})


def _ints(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype("Int64").astype("string")


def _write_valid(out: pd.DataFrame, dst: Path) -> int:
    out = out.astype(object)
    out = out.where(out.notna(), None)
    try:
        schema().validate(out, lazy=True)
        bad: set[int] = set()
    except pa.errors.SchemaErrors as exc:
        bad = set(exc.failure_cases["index"].dropna().astype(int))
    kept = out.drop(index=list(bad)).dropna(axis=1, how="all")  # empty optional columns: out
    kept.to_csv(dst, index=False)
    return len(kept)


def _calltouch_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Calltouch's fields as text (``""`` when missing) → the Metrica columns."""
    ts = pd.to_numeric(df["timestamp"], errors="coerce")
    when = ts.fillna(_local_unix(df["date"], "%d/%m/%Y %H:%M:%S"))
    client = _clean(df["yaClientId"])
    client = client.where(client.str.fullmatch(r"\d{1,20}").fillna(False))
    yclid = df["url"].str.extract(r"[?&#]yclid=([^&#\s]*)", expand=False)
    yclid = yclid.where(yclid.str.fullmatch(r"\d{1,20}").fillna(False))
    talk = pd.to_numeric(df["duration"], errors="coerce")
    successful = df["successful"].str.lower().map({"true": "0", "false": "1"})
    missed = successful.fillna(_flag(talk == 0))
    static = _flag(_clean(df["sessionId"]).isna() & client.isna())
    return pd.DataFrame(
        {
            "ClientId": client,
            "UserId": None,  # the schema's id_required check reads all three ID columns
            "Yclid": yclid,
            "DateTime": when.astype("Int64").astype("string"),
            "StaticCall": static,
            "PhoneNumber": _phone(df["callerNumber"]),
            "TalkDuration": talk.astype("Int64").astype("string"),
            "HoldDuration": _ints(df["waitingConnect"]),
            "CallMissed": missed,
            "Tag": _clean(df["callTags"]),
            "FirstTimeCaller": df["uniqueCall"].str.lower().map({"true": "1", "false": "0"}),
            "URL": _clean(df["callUrl"]).fillna(_clean(df["url"])),
        }
    )


def convert_calltouch(src: Path, dst: Path) -> int:
    df = pd.read_csv(src, sep=";", dtype=str, keep_default_na=False)
    return _write_valid(_calltouch_frame(df), dst)


def convert_calltouch_json(src: Path, dst: Path) -> int:
    with src.open("rb") as fh:
        records = json.load(fh)["records"]
    df = pd.DataFrame.from_records(records)
    del records
    # a list of {category, type, names} per record: no vectorised pandas operation for it
    df["callTags"] = [
        ",".join(n for tag in tags or () for n in tag.get("names", ())) for tags in df["callTags"]
    ]
    for column in df.columns:
        if df[column].dtype == bool:
            df[column] = df[column].map({True: "true", False: "false"})
        else:
            df[column] = df[column].astype("string").fillna("")
    return _write_valid(_calltouch_frame(df), dst)


def convert_asterisk(src: Path, dst: Path) -> int:
    df = pd.read_csv(src, header=None, dtype=str, keep_default_na=False)
    df.columns = ASTERISK[: df.shape[1]] + [f"c{i}" for i in range(len(ASTERISK), df.shape[1])]
    caller = df["src"].str.strip()
    caller = caller.where(caller != "", df["clid"].str.extract(r"<([^>]*)>", expand=False))
    caller_digits = caller.fillna("").str.replace(r"[^0-9]", "", regex=True)
    caller_ext = caller.fillna("").str.fullmatch(r"\d{1,6}")
    dst_ext = df["dst"].str.strip().str.fullmatch(r"\d{1,6}")
    internal = caller_ext & dst_ext
    outbound = caller_ext & ~dst_ext
    # legs: one row per linkedid (else uniqueid), the answered inbound leg, else the earliest
    key = df["linkedid"].where(df["linkedid"] != "", df["uniqueid"])
    answered = df["disposition"].str.strip() == "ANSWERED"
    legs = pd.DataFrame({"key": key, "unanswered": ~answered, "start": df["start"]})
    legs = legs[~caller_ext]
    order = legs.sort_values(["key", "unanswered", "start"], kind="stable")
    extra = pd.Series(False, index=df.index)
    extra[order.index[order.duplicated("key")]] = True
    talk = pd.to_numeric(df["billsec"], errors="coerce")
    hold = pd.to_numeric(df["duration"], errors="coerce") - talk
    tag = _clean(df["userfield"]) if "userfield" in df else pd.Series(pd.NA, index=df.index)
    phone = _phone(caller_digits.where(~caller_ext, ""))
    out = pd.DataFrame(
        {
            "DateTime": _local_unix(df["start"], "%Y-%m-%d %H:%M:%S").astype("Int64"),
            "StaticCall": "1",
            "PhoneNumber": phone,
            "TalkDuration": talk.astype("Int64").astype("string"),
            "HoldDuration": hold.astype("Int64").astype("string"),
            "CallMissed": _flag(~answered),
            "Tag": tag,
        }
    )
    out["DateTime"] = out["DateTime"].astype("string")
    out = out[~(internal | outbound | extra)]
    for column in ("ClientId", "UserId", "Yclid"):
        out[column] = None
    order_columns = ["ClientId", "UserId", "Yclid", "DateTime", "StaticCall", "PhoneNumber"]
    rest = [c for c in out.columns if c not in order_columns]
    out = out[order_columns + rest].reset_index(drop=True)
    written = _write_valid(out, dst)
    return written


CONVERTERS = {
    "calltouch": convert_calltouch,
    "calltouch_json": convert_calltouch_json,
    "asterisk": convert_asterisk,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("src", type=Path)
    parser.add_argument("dst", type=Path)
    parser.add_argument("--tracker", choices=sorted(CONVERTERS), default="calltouch")
    args = parser.parse_args()
    start = time.perf_counter()
    rows = CONVERTERS[args.tracker](args.src, args.dst)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak}))


if __name__ == "__main__":
    main()

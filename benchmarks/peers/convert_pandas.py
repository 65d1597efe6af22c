"""The peer for conversion: a Calltouch CSV to the Metrica calls CSV with pandas + pandera.

Written straightforwardly, the way a user would without callframe: ``pd.read_csv(dtype=str)``,
vectorised ``.str`` operations per column (no ``apply``), the pandera schema of
``validate_pandas.py`` (``lazy=True``), the failing rows dropped, ``to_csv``. Prints JSON:
seconds, rows written, peak MB.

Usage: ``.venv-peer/bin/python benchmarks/peers/convert_pandas.py IN.csv OUT.csv``
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


def convert(src: Path, dst: Path) -> int:
    df = pd.read_csv(src, sep=";", dtype=str, keep_default_na=False)
    ts = pd.to_numeric(df["timestamp"], errors="coerce")
    local = pd.to_datetime(df["date"], format="%d/%m/%Y %H:%M:%S", errors="coerce")
    local = local.dt.tz_localize("Europe/Moscow", ambiguous="NaT", nonexistent="NaT")
    from_local = (local - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta("1s")
    when = ts.fillna(from_local)
    client = _clean(df["yaClientId"])
    client = client.where(client.str.fullmatch(r"\d{1,20}").fillna(False))
    yclid = df["url"].str.extract(r"[?&#]yclid=([^&#\s]*)", expand=False)
    yclid = yclid.where(yclid.str.fullmatch(r"\d{1,20}").fillna(False))
    talk = pd.to_numeric(df["duration"], errors="coerce")
    successful = df["successful"].str.lower().map({"true": "0", "false": "1"})
    missed = successful.fillna((talk == 0).map({True: "1", False: "0"}))
    static = (_clean(df["sessionId"]).isna() & client.isna()).map({True: "1", False: "0"})
    out = pd.DataFrame(
        {
            "ClientId": client,
            "Yclid": yclid,
            "DateTime": when.astype("Int64").astype("string"),
            "StaticCall": static,
            "PhoneNumber": _phone(df["callerNumber"]),
            "TalkDuration": talk.astype("Int64").astype("string"),
            "HoldDuration": pd.to_numeric(df["waitingConnect"], errors="coerce")
            .astype("Int64")
            .astype("string"),
            "CallMissed": missed,
            "Tag": _clean(df["callTags"]),
            "FirstTimeCaller": df["uniqueCall"].str.lower().map({"true": "1", "false": "0"}),
            "URL": _clean(df["callUrl"]).fillna(_clean(df["url"])),
        }
    ).astype(object)
    out = out.where(out.notna(), None)
    try:
        schema().validate(out, lazy=True)
        bad: set[int] = set()
    except pa.errors.SchemaErrors as exc:
        bad = set(exc.failure_cases["index"].dropna().astype(int))
    kept = out.drop(index=list(bad))
    kept.to_csv(dst, index=False)
    return len(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("src", type=Path)
    parser.add_argument("dst", type=Path)
    args = parser.parse_args()
    start = time.perf_counter()
    rows = convert(args.src, args.dst)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak}))


if __name__ == "__main__":
    main()

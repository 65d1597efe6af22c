"""The peer for validation: ``pd.read_csv(dtype=str)`` + a pandera (pandas) schema of the rules.

Written the way a careful user would without callframe: vectorised ``.str`` checks (no
``element_wise``), ``lazy=True`` to collect every failure. Prints JSON: seconds, failures, peak MB.

Usage: ``.venv-peer/bin/python benchmarks/peers/validate_pandas.py FILE [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import pandas as pd
import pandera.pandas as pa

NOW = 1_795_435_200
CURRENCIES = ["RUB", "USD", "EUR", "KZT", "BYN", "UAH", "TRY", "GBP", "CNY"]


def _re(pattern: str) -> pa.Check:
    return pa.Check.str_matches(pattern)


def schema() -> pa.DataFrameSchema:
    text = {"nullable": True, "required": False}
    dt_int = pa.Check(lambda s: pd.to_numeric(s, errors="coerce").between(946_684_800, NOW + 300))
    return pa.DataFrameSchema(
        {
            "UserId": pa.Column(str, pa.Check(lambda s: s.str.strip() != ""), **text),
            "ClientId": pa.Column(str, _re(r"^\d{1,20}$"), **text),
            "Yclid": pa.Column(str, _re(r"^\d{1,20}$"), **text),
            "DateTime": pa.Column(str, [_re(r"^\d{1,12}$"), dt_int], nullable=False),
            "StaticCall": pa.Column(str, pa.Check.isin(["0", "1"]), **text),
            "Price": pa.Column(str, _re(r"^\d+(\.\d+)?$"), **text),
            "Currency": pa.Column(str, pa.Check.isin(CURRENCIES), **text),
            "PhoneNumber": pa.Column(str, _re(r"^\+\d{8,15}$"), **text),
            "TalkDuration": pa.Column(str, _re(r"^\d+$"), **text),
            "HoldDuration": pa.Column(str, _re(r"^\d+$"), **text),
            "CallMissed": pa.Column(str, pa.Check.isin(["0", "1"]), **text),
            "Tag": pa.Column(str, pa.Check.str_length(max_value=1024), **text),
            "FirstTimeCaller": pa.Column(str, pa.Check.isin(["0", "1"]), **text),
            "URL": pa.Column(str, _re(r"(?i)^https?://[^\s/?#]+\S*$"), **text),
            "CallTrackerURL": pa.Column(str, _re(r"(?i)^https?://[^\s/?#]+\S*$"), **text),
        },
        checks=[
            pa.Check(
                lambda df: (
                    df[["ClientId", "UserId", "Yclid"]].notna().any(axis=1)
                    | (df["StaticCall"] == "1")
                ),
                name="id_required",
            ),
            pa.Check(
                lambda df: df["Price"].isna() | df["Currency"].notna(), name="currency_with_price"
            ),
        ],
        strict=True,
    )


def validate(path: str) -> int:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    try:
        schema().validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return len(exc.failure_cases)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    failures = validate(args.file)
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        validate(args.file)
        best = min(best, time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"case": "pandas+pandera", "seconds": best, "failures": failures, "peak_mb": peak}
        )
    )


if __name__ == "__main__":
    main()

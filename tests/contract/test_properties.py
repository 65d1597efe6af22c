"""Properties: valid frames pass; one mutated cell yields exactly that cell's rule at that row."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import callframe
from callframe.contract.columns import column_names
from callframe.contract.rules import rule

from .examples import EXAMPLES, NOW

digits = st.text("0123456789", min_size=1, max_size=19)
optional = st.none() | st.just(None)


@st.composite
def call_rows(draw: st.DrawFn) -> dict[str, str | None]:
    ids = draw(st.sets(st.sampled_from(["ClientId", "UserId", "Yclid"]), min_size=1))
    price = draw(st.none() | st.decimals(0, 10**6, places=2).map(str))
    return {
        "UserId": draw(st.text("abc-_1", min_size=1, max_size=12)) if "UserId" in ids else None,
        "ClientId": draw(digits) if "ClientId" in ids else None,
        "Yclid": draw(digits) if "Yclid" in ids else None,
        "DateTime": str(draw(st.integers(NOW - 20 * 86400, NOW + 300))),
        "StaticCall": draw(st.sampled_from(["0", "1", None])),
        "Price": price,
        "Currency": draw(st.sampled_from(["RUB", "USD", "KZT"])) if price else None,
        "PhoneNumber": draw(st.none() | st.from_regex(r"\+[1-9]\d{7,14}", fullmatch=True)),
        "TalkDuration": draw(st.none() | st.integers(0, 10**5).map(str)),
        "HoldDuration": draw(st.none() | st.integers(0, 600).map(str)),
        "CallMissed": draw(st.sampled_from(["0", "1", None])),
        # Metrica trims spaces and tabs: a padded Tag would be a (separate) warning
        "Tag": draw(st.none() | st.text(max_size=40).map(lambda t: t.strip(" \t\r\n"))),
        "FirstTimeCaller": draw(st.sampled_from(["0", "1", None])),
        "URL": draw(
            st.none() | st.from_regex(r"https?://[a-z]{1,10}\.ru(/[a-z0-9]{0,8})?", fullmatch=True)
        ),
        "CallTrackerURL": None,
    }


def frame_of(rows: list[dict[str, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={c: pl.String for c in column_names("calls")})


CALL_MUTATIONS = sorted(
    rule_id
    for rule_id, (kind, _, _) in EXAMPLES.items()
    if kind == "calls" and rule_id != "*|id_required"
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(call_rows(), min_size=1, max_size=20))
def test_valid_frames_pass(rows: list[dict[str, str | None]]) -> None:
    report = callframe.validate(frame_of(rows), now=NOW)
    assert report.ok, report.to_text()
    assert report.n_valid == report.n_rows == len(rows)
    assert report.valid.height == len(rows)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(call_rows(), min_size=1, max_size=12), st.data())
def test_one_mutated_cell_breaks_exactly_its_rule(
    rows: list[dict[str, str | None]], data: st.DataObject
) -> None:
    rule_id = data.draw(st.sampled_from(CALL_MUTATIONS), label="rule")
    at = data.draw(st.integers(0, len(rows) - 1), label="row")
    _, _, bad = EXAMPLES[rule_id]
    rows[at] = {**rows[at], **bad}
    report = callframe.validate(frame_of(rows), now=NOW)
    failures = pl.concat([report.errors, report.warnings])
    assert failures.select("row", "rule").rows() == [(at + 1, rule_id)]
    expected_invalid = 1 if rule(rule_id).severity == "error" else 0
    assert report.n_rejected == expected_invalid
    assert report.n_valid + report.n_rejected == report.n_rows

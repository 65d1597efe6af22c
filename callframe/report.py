"""The validation report: what is wrong, where, and which rows can go to Metrica.

A :class:`ValidationReport` holds every failure as a row of a polars frame (``errors`` and
``warnings``: ``row``, ``column``, ``rule``, ``title``, ``value``, ``hint``), the verdict per row,
and the data itself, so it can hand back the valid rows and the rejected rows with their reasons.
Invariant: ``n_valid + n_rejected == n_rows``; no row is ever dropped silently.

It also predicts what the Metrica server would do with the data as it stands, from each rule's
effect (:data:`callframe.contract.rules.EFFECTS`): :meth:`ValidationReport.findings` adds
``severity`` and ``effect`` to every failure, :attr:`~ValidationReport.refused` says whether
Metrica would refuse the file, :attr:`~ValidationReport.predicted_line_quantity` how many rows it
would count, and :meth:`~ValidationReport.prediction` says it in words.

Personal data: phone numbers are masked (``+7495*****67``) in ``value`` once, here; messages and
summaries carry rule ids and counts, never values.

Example:
    >>> import polars as pl, callframe
    >>> frame = pl.DataFrame({"ClientId": ["1710312345678901234"], "DateTime": [1710400530]})
    >>> report = callframe.validate(frame, now=1710400600)
    >>> report.ok, report.n_rows, report.n_valid
    (True, 1, 1)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from callframe.contract.columns import Kind, columns
from callframe.contract.rules import RULES, effect_of
from callframe.errors import ContractError

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

__all__ = [
    "EFFECT_WORDS",
    "FAILURE_SCHEMA",
    "ID_COLUMNS",
    "PII_COLUMNS",
    "RuleCount",
    "ValidationReport",
    "mask_phone",
    "mask_value",
    "with_reasons",
]

FAILURE_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "column": pl.String(),
    "rule": pl.String(),
    "title": pl.String(),
    "value": pl.String(),
    "hint": pl.String(),
}
"""Columns of ``errors`` and ``warnings``: ``row`` is the 1-based data row (null for the header)."""

PII_COLUMNS = frozenset({"PhoneNumber"})
"""Columns whose values are masked wherever a person or a log could see them."""

MAX_VALUE_CHARS = 80
_RULE_ORDER = {r.id: i for i, r in enumerate(RULES)}


def mask_phone(value: pl.Expr) -> pl.Expr:
    """Mask a phone number, keeping ``+``, the first four characters after it and the last two.

    ``+74951234567`` becomes ``+7495*****67``; short or odd values have every digit but the
    last two masked. Non-digit characters are kept so the shape stays recognisable.
    """
    n = value.str.len_chars()
    middle = value.str.slice(5, n - 7).str.replace_all(r"\d", "*")
    long_form = value.str.slice(0, 5) + middle + value.str.slice(n - 2, 2)
    short_form = value.str.slice(0, n - 2).str.replace_all(r"\d", "*") + value.str.slice(n - 2, 2)
    return pl.when(n > 8).then(long_form).otherwise(short_form)


_PHONE_SHAPED = r"^\s*\+?[\d\s().\-]{8,24}\s*$"
_PHONE_IN_TEXT = r"(?P<lead>\+?\d)[\d\s()\-]{6,20}(?P<tail>\d{2})"
_FREE_TEXT_COLUMNS = frozenset({"Tag", "URL", "CallTrackerURL"})
ID_COLUMNS = frozenset(
    {
        "ClientId",
        "ClientID",
        "UserId",
        "UserID",
        "Yclid",
        "PurchaseId",
        "PurchaseID",
        "ChatUserID",
        "ChatUsername",
    }
)
"""ID columns: shown as they are (the value the user must fix), never masked."""
_NUMERIC_COLUMNS = frozenset(
    {
        "DateTime",
        "StaticCall",
        "Price",
        "TalkDuration",
        "HoldDuration",
        "CallMissed",
        "FirstTimeCaller",
    }
)


def mask_value(value: pl.Expr, column: str) -> pl.Expr:
    """The value as a person may see it: phone numbers masked, IDs shown.

    ``PhoneNumber`` is always masked; in free text (``Tag``, ``URL``, ``CallTrackerURL``) every
    run that looks like a phone number keeps only its first and last two digits. ID columns
    (:data:`ID_COLUMNS`: ``ClientId``, ``UserId``, ``Yclid``, ``PurchaseId``, the chat IDs) and
    numeric columns (times, flags, durations, money) are shown as they are: a ``Yclid`` of
    ``7312-3456`` is the value to fix. In any other column (e.g. a tracker's own column) a value
    shaped like a phone number (digits with ``+``, spaces, dashes or brackets, 8 to 15 digits)
    is masked. Everything is cut at :data:`MAX_VALUE_CHARS`.
    """
    if column in PII_COLUMNS:
        shown = mask_phone(value)
    elif column in _NUMERIC_COLUMNS or column in ID_COLUMNS:
        shown = value
    elif column in _FREE_TEXT_COLUMNS:
        shown = value.str.replace_all(_PHONE_IN_TEXT, "$lead*****$tail")
    else:
        digits = value.str.count_matches(r"\d")
        # 8-15 digits: E.164's range; longer digit strings are IDs (a 20-digit ClientId), kept
        phone_like = value.str.contains(_PHONE_SHAPED) & (digits >= 8) & (digits <= 15)
        shown = pl.when(phone_like).then(mask_phone(value)).otherwise(value)
    return shown.str.slice(0, MAX_VALUE_CHARS)


@dataclass(frozen=True, slots=True)
class RuleCount:
    """One rule that failed: its id, column, ``severity`` (``"error"``/``"warning"``),
    title and how many failures (``rows``); yielded by :meth:`ValidationReport.iter_examples`."""

    rule: str
    column: str
    severity: str
    title: str
    rows: int

    @property
    def effect(self) -> str | None:
        """What Metrica does with a failure of this rule (``None`` outside the contract)."""
        return effect_of(self.rule)


EFFECT_WORDS: dict[str, str] = {
    "refuse_file": "Metrica refuses the file",
    "drop_row": "Metrica drops the row",
    "keep_wrong_value": "Metrica keeps the row with a wrong value",
    "accept": "Metrica accepts it",
}
"""Each effect as a short phrase for people (text, HTML, CI outputs)."""


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def with_reasons(rows: pl.DataFrame, errors: pl.DataFrame) -> pl.DataFrame:
    """``rows`` (with a ``row`` column) with ``rule`` and ``title``: every error of the row in
    ``errors``, joined with ``"; "``, after the errors about the whole file (empty ``row``)."""
    whole = errors.filter(pl.col("row").is_null())
    per_row = (
        errors.filter(pl.col("row").is_not_null())
        .group_by("row", maintain_order=True)
        .agg(pl.col("rule").str.join("; "), pl.col("title").str.join("; "))
    )
    out = rows.join(per_row, on="row", how="left", maintain_order="left")
    if whole.height:
        prefix_rule = "; ".join(whole["rule"].unique(maintain_order=True).to_list())
        prefix_title = "; ".join(whole["title"].unique(maintain_order=True).to_list())
        out = out.with_columns(
            pl.concat_str(
                [pl.lit(prefix_rule), pl.col("rule")], separator="; ", ignore_nulls=True
            ).alias("rule"),
            pl.concat_str(
                [pl.lit(prefix_title), pl.col("title")], separator="; ", ignore_nulls=True
            ).alias("title"),
        )
    return out


class ValidationReport:
    """The outcome of validating one frame or file against the Metrica contract.

    Build it with :func:`callframe.validate`; do not construct it by hand.
    """

    def __init__(
        self,
        *,
        kind: Kind,
        source: str | None,
        now: int,
        data: pl.DataFrame,
        text: pl.DataFrame,
        invalid_mask: pl.Series,
        errors: pl.DataFrame,
        warnings: pl.DataFrame,
        skipped_lines: tuple[int, ...] = (),
    ) -> None:
        self.kind: Kind = kind
        self.skipped_lines = skipped_lines
        """Lines of the file left out of :attr:`data` (blank lines Metrica skips), 1-based."""
        self.source = source
        self.now = now
        self.errors = errors
        self.warnings = warnings
        self._data = data
        self._text = text
        self._invalid = invalid_mask
        self.n_rows: int = data.height
        """Rows validated (``n_rows == n_valid + n_rejected``)."""
        self.n_rejected: int = int(invalid_mask.sum()) if self.n_rows else 0
        """Rows with at least one error."""
        self.n_valid: int = self.n_rows - self.n_rejected
        """Rows without error (warnings allowed)."""

    @property
    def data(self) -> pl.DataFrame:
        """The frame as it was validated (for a file: every column as text)."""
        return self._data

    # --- verdict ---------------------------------------------------------------------------

    @property
    def ok(self) -> bool:
        """``True`` when there is no error (warnings allowed)."""
        return self.errors.height == 0

    def raise_for_errors(self) -> ValidationReport:
        """Raise :class:`~callframe.ContractError` when there are errors; return ``self``."""
        if not self.ok:
            raise ContractError(self, self.source)
        return self

    # --- frames ------------------------------------------------------------------------------

    @property
    def valid(self) -> pl.DataFrame:
        """Valid rows as a contract frame: contract columns in order, contract dtypes."""
        kept = self.valid_text()
        return kept.select(
            pl.col(c.name).cast(c.dtype) for c in columns(self.kind) if c.name in kept.columns
        )

    def valid_text(self) -> pl.DataFrame:
        """Valid rows exactly as they would be written: every contract column as text."""
        kept = self._text.filter(~self._invalid) if self._text.width else self._text
        return kept.select(c.name for c in columns(self.kind) if c.name in kept.columns)

    @property
    def rejected(self) -> pl.DataFrame:
        """Rejected rows as given (all original columns), with ``row``, ``rule`` and ``title``.

        ``rule`` and ``title`` list every error of the row, separated by ``"; "``; errors about
        the whole file (``row`` empty in ``errors``) are listed on every row.
        """
        data = self._data.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))
        rejected = data.filter(self._invalid) if self.n_rows else data.clear()
        return with_reasons(rejected, self.errors)

    # --- what Metrica would do --------------------------------------------------------------

    def findings(self) -> pl.DataFrame:
        """Every error and warning with its ``severity`` and ``effect`` (what Metrica does with
        it; ``None`` for a rule outside the Metrica contract, such as a tracker conversion rule)."""
        frames = [
            frame.with_columns(pl.lit(severity).alias("severity"))
            for severity, frame in (("error", self.errors), ("warning", self.warnings))
        ]
        out = pl.concat(frames) if frames else pl.DataFrame()
        return out.with_columns(_effect_column(out))

    @property
    def refused(self) -> bool:
        """``True`` when Metrica would refuse the whole file (a ``refuse_file`` finding)."""
        return "refuse_file" in self._effects_of(self.errors) | self._effects_of(self.warnings)

    @property
    def dropped_rows(self) -> int:
        """Rows Metrica would not count (a ``drop_row`` error; all rows when it is about the
        whole file); 0 when the file is refused (see :attr:`refused`)."""
        if self.refused:
            return 0
        rows = self._rows_with("drop_row")
        return self.n_rows if rows is None else rows.len()

    @property
    def wrong_value_rows(self) -> int:
        """Rows Metrica would count with a wrong value (``keep_wrong_value``, not dropped)."""
        if self.refused or self.dropped_rows == self.n_rows:
            return 0
        wrong = self._rows_with("keep_wrong_value")
        if wrong is None:
            return self.n_rows - self.dropped_rows
        dropped = self._rows_with("drop_row")
        if dropped is not None and dropped.len():
            wrong = wrong.filter(~wrong.is_in(dropped.implode()))
        return wrong.len()

    @property
    def predicted_line_quantity(self) -> int:
        """How many rows Metrica would count (its ``line_quantity``) if this data were uploaded
        as it stands: 0 when it would refuse the file, else the rows minus those it drops."""
        return 0 if self.refused else self.n_rows - self.dropped_rows

    def prediction(self) -> str:
        """What Metrica would do, in words: "Metrica would refuse this file", "Metrica would drop
        3 rows and keep 2 rows with a wrong value; it would count 7 of 10 rows"."""
        if self.refused:
            return "Metrica would refuse this file"
        parts = []
        if self.dropped_rows:
            parts.append(f"drop {_rows(self.dropped_rows)}")
        if self.wrong_value_rows:
            parts.append(f"keep {_rows(self.wrong_value_rows)} with a wrong value")
        count = f"count {self.predicted_line_quantity} of {_rows(self.n_rows)}"
        if not parts:
            return f"Metrica would {count}"
        return f"Metrica would {' and '.join(parts)}; it would {count}"

    @staticmethod
    def _effects_of(frame: pl.DataFrame) -> set[str]:
        if frame.height == 0:
            return set()
        return {e for e in (effect_of(r) for r in frame["rule"].unique().to_list()) if e}

    def _rows_with(self, effect: str) -> pl.Series | None:
        """The distinct rows with an error of ``effect``; ``None`` when one is about the whole
        file (every row)."""
        frame = self.errors.filter(_effect_column(self.errors) == effect)
        if frame.get_column("row").null_count():
            return None
        return frame.get_column("row").unique()

    # --- summaries --------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Rule id → rows breaking it, errors and warnings, most rows first (a row breaking two
        rules counts for both; a rule about the whole file counts every row). The same on every
        result; :meth:`rule_counts` adds the column, severity and title."""
        failures = pl.concat(
            [self.errors.select("row", "rule"), self.warnings.select("row", "rule")]
        )
        rows = failures.filter(pl.col("row").is_not_null()).unique(["row", "rule"])
        grouped = rows.group_by("rule").agg(pl.len().alias("n"))
        per_row = {r: int(n) for r, n in grouped.iter_rows()}
        whole = failures.filter(pl.col("row").is_null()).get_column("rule").unique().to_list()
        merged = {**per_row, **dict.fromkeys(whole, self.n_rows)}
        return dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0])))

    def rule_counts(self) -> list[RuleCount]:
        """Every rule that failed, errors first: id, column, severity, title, failures."""
        return self._rule_counts()

    def _rule_counts(self) -> list[RuleCount]:
        out: list[RuleCount] = []
        for severity, frame in (("error", self.errors), ("warning", self.warnings)):
            if frame.height == 0:
                continue
            grouped = frame.group_by("rule", maintain_order=True).agg(
                pl.col("column").first(), pl.col("title").first(), pl.len().alias("n")
            )
            for rule, column, title, n in grouped.iter_rows():
                out.append(RuleCount(rule, column, severity, title, n))
        out.sort(key=lambda c: (c.severity != "error", _RULE_ORDER.get(c.rule, 999), c.column))
        return out

    def summary_line(self, source: str | None = None) -> str:
        """One line for a log or an exception: counts and rule ids, no values."""
        where = f"{source or self.source or '<frame>'}: "
        if self.ok and self.warnings.height == 0:
            return f"{where}{self.n_rows} rows, all valid ({self.kind})"
        parts = [f"{c.rule} ×{c.rows}" for c in self._rule_counts()]
        head = (
            f"{where}{self.errors.height} errors, {self.warnings.height} warnings; "
            f"{self.n_rejected} of {self.n_rows} rows invalid ({self.kind})"
        )
        return f"{head}: {', '.join(parts)}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the CLI's ``--format json`` document for one file.

        Every error and warning carries ``effect`` (see :data:`~callframe.contract.rules.EFFECTS`);
        the file carries ``refused``, ``predicted_line_quantity`` (Metrica's ``line_quantity`` if
        uploaded as it stands), ``dropped_rows``, ``wrong_value_rows`` and ``prediction``.
        """
        return {
            "path": self.source,
            "kind": self.kind,
            "rows": self.n_rows,
            "valid_rows": self.n_valid,
            "invalid_rows": self.n_rejected,
            "errors": self.errors.with_columns(_effect_column(self.errors)).to_dicts(),
            "warnings": self.warnings.with_columns(_effect_column(self.warnings)).to_dicts(),
            "refused": self.refused,
            "predicted_line_quantity": self.predicted_line_quantity,
            "dropped_rows": self.dropped_rows,
            "wrong_value_rows": self.wrong_value_rows,
            "prediction": self.prediction(),
        }

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def iter_examples(
        self, severity: str = "error", per_rule: int = 3
    ) -> Iterator[tuple[RuleCount, pl.DataFrame]]:
        """Each rule that failed with its first ``per_rule`` failures (values masked)."""
        frame = self.errors if severity == "error" else self.warnings
        for count in self._rule_counts():
            if count.severity == severity:
                yield count, frame.filter(pl.col("rule") == count.rule).head(per_rule)

    def to_text(self, *, per_rule: int = 3) -> str:
        """A readable plain-text summary: counts per rule and the first failures of each."""
        lines = [self.summary_line(), f"  {self.prediction()}"]
        for severity in ("error", "warning"):
            for count, examples in self.iter_examples(severity, per_rule):
                effect = EFFECT_WORDS.get(count.effect or "")
                said = f"  [{effect}]" if effect else ""
                lines.append(
                    f"  {severity.upper():7} {count.rule}  ({count.rows}×)  {count.title}{said}"
                )
                for ex in examples.iter_rows(named=True):
                    lines.append("          " + _describe(ex))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ValidationReport {self.summary_line()}>"

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from callframe._render import rich_report

        yield rich_report(self)

    def _repr_html_(self) -> str:
        from callframe._render import html_report

        return html_report(self)


def _effect_column(frame: pl.DataFrame) -> pl.Expr:
    """The ``effect`` of each failure's rule (null outside the contract)."""
    ids = frame.get_column("rule").unique().to_list() if frame.height else []
    mapping = {i: effect_of(i) for i in ids}
    return (
        pl.col("rule").replace_strict(mapping, default=None, return_dtype=pl.String).alias("effect")
    )


def _describe(failure: dict[str, Any]) -> str:
    where = f"row {failure['row']}" if failure["row"] is not None else "header"
    text = f"{where}, {failure['column']}"
    if failure["value"] is not None:
        text += f": {failure['value']!r}"
    if failure.get("hint"):
        text += f" — {failure['hint']}"
    return text

"""The contract's rules as lazy polars expressions: one set for ``validate`` and for conversions.

:func:`row_checks` reads a frame's *schema* (never its data) and returns a :class:`RowChecks`:

* the header's failures (unknown, misspelt, duplicate or missing columns, unusable dtypes), found
  the way the Metrica server compares names: non-word characters removed, case ignored. A name
  matching a column that way (``clientid``) is a warning and is read as that column. Any header
  error makes every row invalid (:attr:`RowChecks.whole_file`): callframe sends no part of a file
  whose header is wrong;
* :meth:`RowChecks.flag`, pure expressions added to a ``LazyFrame`` (so a streaming query can run
  them batch by batch): the *text view* of each contract column (the exact text written to the
  CSV), one boolean ``__rule:<id>`` per row rule, ``__invalid`` and ``__any``. First the ``raw``
  rules run on the values as given (padding, whitespace-only values, a ``DateTime`` fraction),
  then the values are normalised (:func:`~callframe.contract.text.normalise_expr`), then every
  other rule runs;
* :meth:`RowChecks.failures`, the report's errors and warnings built from the few collected
  rows where ``__any`` is true: row number, column, rule, title, the value (masked for phone
  numbers, cut at 80 characters) and a hint.

The ``raw`` rules and the normalisation cost a pass over every text column; a caller holding
the data can first find the columns with anything to normalise (:func:`dirty_columns`, one cheap
scan) and pass them as ``dirty=``: a column without such a value breaks no raw rule and is left
as it is, so the result is the same.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import polars as pl

from callframe.contract.columns import (
    ColumnSpec,
    Kind,
    columns,
    id_column_of,
    id_columns,
    parse_kind,
    resolve_aliases,
)
from callframe.contract.rules import (
    LINK_WINDOW_SECONDS,
    MIN_DATETIME,
    SKEW_SECONDS,
    UINT32_MAX,
    Rule,
    RuleContext,
    rule,
    rules_for,
)
from callframe.contract.text import PAD_CHARS, dtype_problem, normalise_expr, text_expr
from callframe.report import FAILURE_SCHEMA, mask_value

__all__ = ["FileIssue", "RowChecks", "contract_names", "dirty_columns", "row_checks"]

_DUPLICATE = re.compile(r"^(?P<base>.+)_duplicated_\d+$")
_RULE = "__rule:"
_GIVEN = "__given:"
_NONE = pl.DataFrame(schema=FAILURE_SCHEMA)  # no failures: the header's, left out


@dataclass(frozen=True, slots=True)
class FileIssue:
    """A problem with the file itself (separator, BOM, blank lines, malformed CSV), found by the
    reader; ``value`` says where (``"line 3"``) when the rule's title does not; ``lines`` are
    the file's lines the reader skipped (blank lines), so that line numbers stay exact."""

    rule: str
    hint: str
    value: str | None = None
    lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class RowChecks:
    """The contract's checks of one frame schema; build it with :func:`row_checks`.

    ``header_errors``/``header_warnings``: the failures of the header and of the file
    (:data:`~callframe.report.FAILURE_SCHEMA`, ``row`` empty). ``whole_file``: one of them is an
    error, so every row is invalid. ``text_columns``: the contract columns of the frame, in
    contract order (contract names), as :meth:`flag` leaves them. ``renames``: the names read
    as a contract column (``{"clientid": "ClientId"}``), renamed by :meth:`flag`.
    """

    header_errors: pl.DataFrame
    header_warnings: pl.DataFrame
    whole_file: bool
    text_columns: list[str]
    renames: dict[str, str]
    _text: list[pl.Expr] = field(repr=False)
    _raw: dict[str, Rule] = field(repr=False)
    _given: list[str] = field(repr=False)
    _normalise: list[ColumnSpec] = field(repr=False)
    _rules: dict[str, Rule] = field(repr=False)
    _ctx: RuleContext = field(repr=False)
    _on_integers: dict[str, pl.Expr] = field(default_factory=dict, repr=False)

    def flag(self, lf: pl.LazyFrame) -> pl.LazyFrame:
        """``lf`` with the contract's flags: pure expressions, no data is read.

        ``lf`` has ``__row`` (the 1-based row number, passed through) and the frame's columns
        with the dtypes of the schema given to :func:`row_checks` (other columns pass through).
        Each contract column is replaced by its text view (String, contract name: a column read
        under another spelling is renamed), and added: one Boolean ``__rule:<id>`` per row rule,
        ``__given:<column>`` (the text as given, before normalising) where a ``raw`` rule is
        evaluated, ``__invalid`` (the row is not sent: it breaks an error rule, or
        :attr:`whole_file`) and ``__any`` (it breaks any rule: the rows :meth:`failures` needs).
        """
        if self.renames:
            lf = lf.rename(self.renames)
        # the rules on an integer column read the integers, beside their text view
        typed = [e.alias(name) for name, e in self._on_integers.items()]
        if self._text or typed:
            lf = lf.with_columns(*self._text, *typed)
        ctx = self._ctx
        # one context: the raw rules and __given read the values as given while the normalised
        # ones replace them (polars shares the rules' common subexpressions)
        if self._raw or self._given or self._normalise:
            lf = lf.with_columns(
                *(r.expression(ctx).alias(name) for name, r in self._raw.items()),
                *(pl.col(c).alias(_GIVEN + c) for c in self._given),
                *(normalise_expr(c) for c in self._normalise),
            )
        done = self._raw.keys() | self._on_integers.keys()
        others = [r.expression(ctx).alias(n) for n, r in self._rules.items() if n not in done]
        if others:
            lf = lf.with_columns(others)
        errors = [name for name, r in self._rules.items() if r.severity == "error"]
        invalid = pl.lit(True) if self.whole_file else _any(errors)
        return lf.with_columns(invalid.alias("__invalid"), _any(list(self._rules)).alias("__any"))

    @property
    def failing_columns(self) -> list[str]:
        """The columns of :meth:`flag`'s frame that :meth:`failures` reads."""
        given = [_GIVEN + c for c in self._given]
        return ["__row", *self._rules, *given, *self.text_columns]

    def failures(
        self, failing: pl.DataFrame, *, header: bool = True
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The errors and the warnings (:data:`~callframe.report.FAILURE_SCHEMA`): the header's
        first, then the rows' by row number, rules in registry order within a row.

        ``failing``: rows of :meth:`flag`'s frame (at least those where ``__any``; others are
        ignored), with ``__row``, the ``__rule:`` and ``__given:`` columns and the text view.
        Each row's failures read that row only, so the rows may come in parts (a streamed
        conversion's batches): ``header=False`` leaves the header's out, for all parts but one.
        """
        pieces: dict[str, list[pl.DataFrame]] = {"error": [], "warning": []}
        for name, r in self._rules.items():
            hit = failing.get_column(name)
            if not hit.any():
                continue
            col = r.column
            has_value = col in self.text_columns
            # eager Series work: a query per rule on the failing rows would cost more; a raw
            # rule reports the value as given, not as normalised
            kept = [failing.get_column("__row")]
            if has_value:
                kept.append(failing.get_column(_GIVEN + col if r.raw else col).alias(col))
            hits = pl.DataFrame(kept).filter(hit)
            value = mask_value(pl.col(col), col) if has_value else pl.lit(None, dtype=pl.String)
            hint = pl.lit(r.hint or None, dtype=pl.String)
            if r.row_hint is not None and has_value:
                hint = pl.coalesce(r.row_hint(), hint)
            pieces[r.severity].append(
                hits.select(
                    pl.col("__row").cast(pl.Int64).alias("row"),
                    pl.lit(col).alias("column"),
                    pl.lit(r.id).alias("rule"),
                    pl.lit(r.title).alias("title"),
                    value.alias("value"),
                    hint.alias("hint"),
                ).cast(FAILURE_SCHEMA)  # type: ignore[arg-type]
            )
        # stable sort: the file's own problems first, then by row, rules in registry order per row
        first = (self.header_errors, self.header_warnings) if header else (_NONE, _NONE)
        return (
            pl.concat([first[0], *pieces["error"]]).sort(
                "row", nulls_last=False, maintain_order=True
            ),
            pl.concat([first[1], *pieces["warning"]]).sort(
                "row", nulls_last=False, maintain_order=True
            ),
        )


def row_checks(
    schema: pl.Schema,
    kind: str,
    *,
    now: int,
    as_upload: bool = False,
    client_id_type: str | None = None,
    dirty: frozenset[str] | None = None,
    file_issues: Iterable[FileIssue] = (),
) -> RowChecks:
    """The contract's checks of frames with ``schema`` (:class:`RowChecks`), from the schema alone.

    ``now``: Unix seconds, for the rules on time (not in the future, not too old).
    ``as_upload``: the frame is one whole upload, so a frame without any ID column
    (``*|missing_id_column``) is an error. ``client_id_type`` (``CLIENT_ID``, ``USER_ID`` …): the
    upload's type when known; its column must be there, and only it counts as the row's ID.
    ``dirty``: the contract columns (contract names) holding a value the normalisation changes
    (:func:`dirty_columns`); ``None``: any may, the raw rules run on every text column.
    ``file_issues``: the reader's findings about the file, reported after the header's.
    """
    k = parse_kind(kind)
    id_column = id_column_of(client_id_type, k) if client_id_type else None
    header = _Header.of(schema, k, as_upload=as_upload, id_column=id_column)
    failures = header.failures + [
        _failure("*", i.rule, value=i.value, hint=i.hint) for i in file_issues
    ]
    frame = pl.DataFrame(failures, schema=FAILURE_SCHEMA)
    severity = pl.col("rule").replace_strict(
        {str(f["rule"]): rule(str(f["rule"])).severity for f in failures},
        return_dtype=pl.String,
    )
    raw_columns = header.candidates if dirty is None else header.candidates & dirty
    present = frozenset(c.name for c in header.specs)
    ctx = RuleContext(
        kind=k, now=now, present=present, ids=(id_column,) if id_column in present else ()
    )
    row_rules = [
        r
        for r in rules_for(k, scope="row")
        if r.applies(k, present)
        and not header.broken.intersection(r.needs)
        and (not r.raw or r.column in raw_columns)  # a clean column breaks no raw rule
    ]
    rules = {_RULE + r.id: r for r in row_rules}
    raw = {name: r for name, r in rules.items() if r.raw}
    integers = {
        c.name
        for c in header.specs
        if c.name not in header.broken and header.dtypes[c.name].is_integer()
    }
    on_integers = {
        name: form(pl.col(r.column), ctx).fill_null(False)
        for name, r in rules.items()
        if r.column in integers and not r.raw and (form := _on_integer(r.id)) is not None
    }
    return RowChecks(
        header_errors=frame.filter(severity == "error"),
        header_warnings=frame.filter(severity == "warning"),
        whole_file=any(rule(str(f["rule"])).severity == "error" for f in failures),
        text_columns=[c.name for c in header.specs],
        renames=header.renames,
        _text=[
            text_expr(c, header.dtypes[c.name])
            if c.name not in header.broken
            else pl.col(c.name).cast(pl.String, strict=False)
            for c in header.specs
        ],
        _raw=raw,
        _given=[c.name for c in header.specs if c.name in {r.column for r in raw.values()}],
        _normalise=[c for c in header.specs if c.name in raw_columns],
        _rules=rules,
        _ctx=ctx,
        _on_integers=on_integers,
    )


# --- rules on integer columns --------------------------------------------------------------------
# A conversion's DateTime, durations and flags are integers; their text view is the integer
# printed (``-5``, ``1795435100``: digits, a ``-`` at most, no leading zero), and each rule
# below says on the integer what the rule's pattern says on that text, without printing and
# parsing it again (tests/test_checks.py compares both on every boundary).

_MS_LOW, _MS_HIGH = 10**12, 10**13  # 13 digits


def _is_ms(v: pl.Expr) -> pl.Expr:
    return (v >= _MS_LOW) & (v < _MS_HIGH)


_INTEGER_FORMS: dict[str, Callable[[pl.Expr, RuleContext], pl.Expr]] = {
    # an integer's text is an integer
    "DateTime|integer": lambda v, ctx: pl.lit(False),
    "DateTime|milliseconds": lambda v, ctx: _is_ms(v),
    "DateTime|not_before_2000": lambda v, ctx: v < MIN_DATETIME,
    # 14 digits or more is "far in the future" whatever ``now`` is
    "DateTime|not_future": lambda v, ctx: (
        ~_is_ms(v) & ((v >= _MS_HIGH) | (v > ctx.now + SKEW_SECONDS))
    ),
    "DateTime|older_than_21_days": lambda v, ctx: (
        (v >= MIN_DATETIME) & (v < _MS_LOW) & (v < ctx.now - LINK_WINDOW_SECONDS)
    ),
    "|flag": lambda v, ctx: ~v.is_in([0, 1]),
    "|whole_seconds": lambda v, ctx: pl.lit(False),
    "|non_negative": lambda v, ctx: v < 0,
    "|uint32": lambda v, ctx: v > UINT32_MAX,
}

_FLAGS = frozenset({"StaticCall", "CallMissed", "FirstTimeCaller"})
_DURATIONS = frozenset({"TalkDuration", "HoldDuration"})


def _on_integer(rule_id: str) -> Callable[[pl.Expr, RuleContext], pl.Expr] | None:
    """The form of rule ``rule_id`` on an integer column, or ``None`` (the text's rule runs)."""
    column, name = rule_id.split("|", 1)
    if column == "DateTime":
        return _INTEGER_FORMS.get(rule_id)
    if (column in _FLAGS and name == "flag") or (column in _DURATIONS and name != "flag"):
        return _INTEGER_FORMS.get(f"|{name}")
    return None


def dirty_columns(frame: pl.DataFrame, kind: str) -> frozenset[str]:
    """The contract columns of ``frame`` (contract names) holding a value the normalisation
    changes: padded, whitespace-only or empty text, a ``DateTime`` with a fraction (also a float
    one); pass them to :func:`row_checks` as ``dirty=``. One cheap scan: trimming every column
    costs 3× more, and clean data (what callframe writes) has none."""
    header = _Header.of(frame.schema, parse_kind(kind))
    given = {name: given for given, name in header.renames.items()}
    scanned = [c for c in header.specs if c.name in header.candidates]
    checks: list[pl.Expr] = []
    for c in scanned:
        dtype = header.dtypes[c.name]
        text = text_expr(c, dtype)
        fraction = text.str.contains(".", literal=True)
        if dtype.is_float():  # a DateTime: a float's text is never padded nor empty
            check = fraction
        else:  # empty, or trimming shortens it (cheaper than a regex)
            n = text.str.len_bytes()
            check = (n == 0) | (text.str.strip_chars(PAD_CHARS).str.len_bytes() != n)
            check = check | fraction if c.role == "datetime" else check
        checks.append(check.any().alias(c.name))
    if not checks or frame.height == 0:
        return frozenset()
    found = (
        frame.lazy()
        .select(pl.col(given.get(c.name, c.name)).alias(c.name) for c in scanned)
        .select(checks)
        .collect()
        .row(0, named=True)
    )
    return frozenset(name for name, hit in found.items() if hit)


def contract_names(frame_schema: pl.Schema, kind: Kind) -> dict[str, str]:
    """The header names ``validate`` reads as a contract column under another spelling
    (``{"clientid": "ClientId"}``): the same matching, for the pandera schemas."""
    return _header_failures(frame_schema, kind)[2]


# --- the header --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Header:
    """What a schema says before any data is read."""

    failures: list[dict[str, object]]
    renames: dict[str, str]  # given name → contract name (aliases and other spellings)
    specs: list[ColumnSpec]  # the contract columns present, contract order
    dtypes: dict[str, pl.DataType]  # by contract name
    broken: set[str]  # contract columns whose dtype cannot be written safely
    candidates: frozenset[str]  # the columns whose text may need normalising

    @classmethod
    def of(
        cls, schema: pl.Schema, kind: Kind, *, as_upload: bool = False, id_column: str | None = None
    ) -> _Header:
        aliases = resolve_aliases(kind, list(schema.names()))  # the chats CSV's ClientID …
        named = pl.Schema({aliases.get(n, n): t for n, t in schema.items()})
        failures, broken, renamed = _header_failures(
            named, kind, as_upload=as_upload, id_column=id_column
        )
        renames = {**aliases, **renamed}  # an alias is renamed to the exact contract name
        dtypes = {renamed.get(n, n): t for n, t in named.items()}
        specs = [c for c in columns(kind) if c.name in dtypes]
        candidates = frozenset(
            c.name
            for c in specs
            if c.name not in broken and _may_need_normalising(c, dtypes[c.name])
        )
        return cls(failures, renames, specs, dtypes, broken, candidates)


def _may_need_normalising(col: ColumnSpec, dtype: pl.DataType) -> bool:
    """Whether ``col``'s text view may be padded, blank or a ``DateTime`` with a fraction:
    numbers and booleans print neither spaces nor empty text, and only a float has a fraction."""
    if dtype.is_integer() or dtype in (pl.Boolean, pl.Null):
        return False
    if dtype.is_float():
        return col.role == "datetime"
    return True


def _norm(name: str) -> str:
    """A header name as the server compares it: non-word characters removed, case ignored.

    ``\\W`` as in Java's default (ASCII) regex: anything but ``[A-Za-z0-9_]``; ``_`` is a word
    character, so ``Date_Time`` does not match ``DateTime``.
    """
    return re.sub(r"[^0-9A-Za-z_]", "", name).lower()


def _loose(name: str) -> str:
    """A looser comparison, for "did you mean" hints only."""
    return re.sub(r"[^0-9A-Za-z]", "", name).lower()


def _failure(
    column: str | None, rule_id: str, *, value: str | None = None, hint: str = ""
) -> dict[str, object]:
    r = rule(rule_id)
    return {
        "row": None,
        "column": column,
        "rule": r.id,
        "title": r.title,
        "value": value,
        "hint": hint or r.hint,
    }


def _header_failures(
    frame_schema: pl.Schema, kind: Kind, *, as_upload: bool = False, id_column: str | None = None
) -> tuple[list[dict[str, object]], set[str], dict[str, str]]:
    """Failures of the header, the contract columns whose dtype makes them unusable, and the
    names read as a contract column (``{"clientid": "ClientId"}``)."""
    specs = {c.name: c for c in columns(kind)}
    by_norm = {_norm(n): n for n in specs}
    by_loose = {_loose(n): n for n in specs}
    names = list(frame_schema.names())
    out: list[dict[str, object]] = []
    broken: set[str] = set()
    renamed: dict[str, str] = {}
    for name in names:
        dup = _DUPLICATE.match(name)
        target = name if name in specs else by_norm.get(_norm(name))
        if dup and dup["base"] in names:
            out.append(_failure(dup["base"], "*|duplicate_column", value=name))
            continue
        if target is None:
            close = by_loose.get(_loose(name)) or next(
                iter(difflib.get_close_matches(name, list(specs), n=1, cutoff=0.75)), None
            )
            hint = f"did you mean {close!r}?" if close else ""
            out.append(_failure(name, "*|unknown_column", value=name, hint=hint))
            continue
        if target != name:
            if target in names or target in renamed.values():
                out.append(_failure(target, "*|duplicate_column", value=name))
                continue
            renamed[name] = target
            out.append(
                _failure(
                    name,
                    "*|column_case",
                    value=name,
                    hint=f"Metrica reads {name!r} as {target!r}; callframe writes {target!r}.",
                )
            )
        problem = dtype_problem(specs[target], frame_schema[name])
        if problem:
            broken.add(target)
            out.append(_failure(target, "*|dtype", value=str(frame_schema[name]), hint=problem))
    present = {renamed.get(n, n) for n in names}
    for name, spec in specs.items():
        if spec.required and name not in present:
            out.append(_failure(name, "*|missing_column"))
    id_rule = rule("*|missing_id_column")  # chats: IDs are optional, rows go unattributed
    if id_column is not None and id_column not in present:
        hint = f"client_id_type needs the {id_column} column; add it or change the type."
        out.append(_failure(id_column, "*|missing_id_column", hint=hint))
    elif as_upload and kind in id_rule.kinds and not present.intersection(id_columns(kind)):
        out.append(_failure("*", "*|missing_id_column"))
    return out, broken, renamed


def _any(names: list[str]) -> pl.Expr:
    return pl.any_horizontal(names) if names else pl.lit(False)

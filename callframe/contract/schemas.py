"""Pandera schemas (polars backend) for the three upload kinds: the same contract as ``validate``.

The schemas are *generated* from :mod:`~callframe.contract.columns` and
:mod:`~callframe.contract.rules`, so a rule lives in one place and both engines apply it:
:func:`callframe.validate` (one polars query, a PII-safe report) and these schemas (the pandera
API, for pipelines that already speak pandera). They agree row for row: a frame fails the
pandera schema exactly where ``validate`` reports an error, on the same rows, under the same rule
ids — for text frames (a CSV read as text) and typed frames (integer times, numeric flags) alike,
DataFrames and LazyFrames alike. Failures are always pandera's own ``SchemaError`` /
``SchemaErrors``.

How the contract maps onto pandera:

* **One registered check per rule.** Every rule is a ``Check.callframe_rule(rule=<id>, kind=…,
  now=…)`` (a registered check method, see below), a polars expression on
  the contract's text view, never Python per value. The check's ``error`` is the rule id and its
  title (``"PhoneNumber|e164: PhoneNumber is not '+' …"``), so ``failure_cases["check"]`` names the
  rule. Rules about one column are column checks (the failure case is that cell); rules across
  columns (``*|id_required``, ``Currency|required_with_price``) are dataframe checks.
* **Warnings stay warnings.** Rules of severity ``warning`` (``DateTime|older_than_21_days``,
  ``…|max_length``) use ``raise_warning=True``: pandera emits a ``pandera.errors.SchemaWarning``
  and the frame still passes, as ``validate`` keeps such rows valid.
* **No pandera dtypes, no coercion.** The contract accepts a column as text *or* as numbers
  (``DateTime`` as ``"1795435200"`` or as ``Int64``), which no single pandera dtype says; and
  ``coerce=True`` would disagree with ``validate`` (it would turn an ``Int64`` ``ClientId`` into
  text where the contract refuses it, turn a polars ``Datetime`` into microseconds, and report one
  bad text cell twice: as a failed cast and as its rule). So columns declare ``dtype=None`` and a
  ``*|dtype`` check per column says which dtypes the contract accepts: IDs and phones text only;
  ``DateTime`` text or integer/float Unix seconds, never a polars ``Datetime``; flags, durations
  and money text, numbers or booleans. Header rules (``*|unknown_column``, ``*|column_case``,
  ``*|duplicate_column``, ``*|missing_id_column``) and ``*|no_rows`` are dataframe checks (so
  ``strict=False``: an unknown column is reported under its rule id); a missing required column
  (``DateTime``; ``Target`` for conversions) is pandera's own ``column_in_dataframe`` failure
  (callframe's ``*|missing_column``). As ``validate``, a schema checks a frame as one whole
  upload: without rows or without any ID column it fails.
* **Header names are read as ``validate`` reads them.** A name that differs from a contract
  column only in case or non-word characters (``clientid``, `` UserId ``) is that column, with a
  ``*|column_case`` warning: :class:`ContractSchema` validates the frame under the contract
  names (its column checks, required columns and failure cases use them) and hands it back
  under its own. The matching is ``validate``'s
  (:func:`callframe.validation.contract_names`).
* **LazyFrames are validated in full.** pandera validates only names and dtypes of a
  ``LazyFrame`` by default; these schemas collect it once and always run the data checks
  (``validation_depth=SCHEMA_AND_DATA``), then hand back a ``LazyFrame``. Only pandera's own
  switch ``PANDERA_VALIDATION_ENABLED=False`` turns them off.
* **Header failures list every row.** A header rule (``*|dtype`` …) fails every row, since
  the file would be refused whole: ``drop_invalid_rows`` then keeps nothing, as
  ``report.valid`` does. (A failing check cannot return one scalar ``False`` instead: pandera's
  polars backend cannot put that boolean failure case beside the text ones of other checks.)
* **"Now".** Time rules compare with ``now`` (:func:`pandera_schema` takes it; the models
  :data:`CallsSchema` / :data:`ConversionsSchema` read the clock once per ``validate`` call).
* **Serialisation.** ``to_yaml()`` / ``to_json()`` write every check as
  ``callframe_rule: {rule: <id>, kind: …, now: …}`` with its ``error`` and ``raise_warning``
  options; ``DataFrameSchema.from_yaml`` reads it back once this module is imported (it registers
  the check). A schema read back is pandera's plain ``DataFrameSchema``: it validates LazyFrames
  shallowly unless you collect them or set ``validation_depth``; prefer :func:`pandera_schema`.

The check is registered the way ``pandera.extensions.register_check_method`` does it, without
calling it: that function imports pandera's pandas strategies (numpy, pandas), which
``pandera[polars]`` does not install.

Personal data: pandera's failure cases, its exception messages and its warnings hold the raw
values (phone numbers, whole rows for dataframe checks). For anything that may reach a log, use
:func:`masked_failure_cases` (phones masked as in callframe's report) or :func:`callframe.validate`.

Example:
    >>> import pandera.errors
    >>> from callframe.contract.schemas import masked_failure_cases, pandera_schema
    >>> schema = pandera_schema("calls", now=1795435200)
    >>> try:                                                          # doctest: +SKIP
    ...     schema.validate(frame.lazy(), lazy=True)
    ... except pandera.errors.SchemaErrors as exc:
    ...     log.warning("%s", masked_failure_cases(exc))
"""

from __future__ import annotations

import contextvars
import functools
from datetime import datetime
from typing import Any, Optional

import pandera.polars as pa
import polars as pl
from pandera.api.extensions import register_check_statistics
from pandera.config import ValidationDepth, config_context, get_config_context
from pandera.errors import SchemaError, SchemaErrors

from callframe.contract.columns import Kind, columns, parse_kind, spec
from callframe.contract.rules import Rule, RuleContext, rule, rules_for
from callframe.contract.text import dtype_problem, normalise_expr, text_expr

__all__ = [
    "CHECK_NAME",
    "CallsSchema",
    "ChatsSchema",
    "ContractSchema",
    "ConversionsSchema",
    "masked_failure_cases",
    "pandera_schema",
]

CHECK_NAME = "callframe_rule"
"""The name under which callframe's check is registered on ``pandera.Check``."""

_MISSING_COLUMN = "*|missing_column"
_NO_ROWS = "*|no_rows"
_NOW: contextvars.ContextVar[int | None] = contextvars.ContextVar("callframe_now", default=None)
_GIVEN: contextvars.ContextVar[tuple[tuple[str, pl.DataType], ...] | None] = contextvars.ContextVar(
    "callframe_given_schema", default=None
)
"""The frame's schema as given (its own header names), while :class:`ContractSchema` validates
it under the contract names ``validate`` reads them as."""


def _frame_rule_ids(kind: Kind) -> tuple[str, ...]:
    """The rules about the whole frame that ``validate`` checks on a frame (not on a file):
    header rules but ``*|missing_column`` (pandera's own ``column_in_dataframe``) and
    ``*|dtype`` (a column check), and ``*|no_rows`` (a frame is one whole upload)."""
    header = [
        r.id for r in rules_for(kind, scope="schema") if r.id not in (_MISSING_COLUMN, "*|dtype")
    ]
    return (*header, _NO_ROWS)


# --- the check ---------------------------------------------------------------------------------


def _text_view(
    lf: pl.LazyFrame, kind: Kind, now: int
) -> tuple[pl.LazyFrame, RuleContext, frozenset[str], tuple[pl.Expr, ...]]:
    """The text view ``validate`` checks, its rule context, the columns of unusable dtype and
    the expressions normalising it (for the rules that are not ``raw``).

    Mirrors :func:`callframe.validation.check_frame`: a header name read as a contract column
    (:func:`~callframe.validation.contract_names`: ``clientid``) is that column; a column of a
    dtype the contract refuses is still present (cast to text) for the rules that do not need
    it, so ``*|id_required`` sees a numeric ``ClientId`` as an ID, and the rules about it are
    not run.
    """
    renamed, exprs, present, broken, normalise = _view_plan(
        kind, tuple(lf.collect_schema().items())
    )
    if renamed:
        lf = lf.rename(renamed)  # `clientid` is ClientId, as in validate
    # without any contract column, keep the height for the row rules
    view = lf.select(exprs) if exprs else lf.select(pl.first().is_null().alias("__pad"))
    return view, RuleContext(kind=kind, now=now, present=present), broken, normalise


@functools.lru_cache(maxsize=64)
def _view_plan(
    kind: Kind, given: tuple[tuple[str, pl.DataType], ...]
) -> tuple[
    dict[str, str], tuple[pl.Expr, ...], frozenset[str], frozenset[str], tuple[pl.Expr, ...]
]:
    """What :func:`_text_view` builds for a frame of this schema, built once per schema (each
    rule is a check of its own: a frame is viewed once per rule)."""
    renamed = contract_names(pl.Schema(dict(given)), kind)
    schema = {renamed.get(name, name): dtype for name, dtype in given}
    specs = [c for c in columns(kind) if c.name in schema]
    broken = frozenset(c.name for c in specs if dtype_problem(c, schema[c.name]))
    exprs = tuple(
        pl.col(c.name).cast(pl.String, strict=False)
        if c.name in broken
        else text_expr(c, schema[c.name])
        for c in specs
    )
    normalise = tuple(normalise_expr(c) for c in specs if c.name not in broken)
    present = frozenset(c.name for c in specs)
    return renamed, exprs, present, broken, normalise


def contract_names(frame_schema: pl.Schema, kind: Kind) -> dict[str, str]:
    """``validate``'s own header matching (imported late: validation is the layer above)."""
    from callframe.validation import contract_names as names

    return names(frame_schema, kind)


def _now(now: int | None) -> int:
    if now is not None:
        return now
    fixed = _NOW.get()
    if fixed is not None:
        return fixed
    from callframe.validation import resolve_now

    return resolve_now(None)


@functools.lru_cache(maxsize=64)
def _header_rules_broken(kind: Kind, schema: tuple[tuple[str, pl.DataType], ...]) -> frozenset[str]:
    """Header rules that ``validate`` reports for a frame of this schema (error or warning);
    ``*|no_rows`` is about the height, not the header: see :func:`_rule_check`."""
    from callframe.validation import check_frame

    report = check_frame(pl.DataFrame(schema=dict(schema)), kind, now=0, as_upload=True)
    header = pl.concat([report.errors, report.warnings]).filter(pl.col("row").is_null())
    return frozenset(header["rule"].to_list()) - {_NO_ROWS}


def _rule_check(
    data: pa.PolarsData, *, rule: str, kind: str, now: int | None
) -> pl.LazyFrame | bool:
    """``True`` where a row keeps the rule (pandera's convention); a bool for header rules."""
    k = parse_kind(kind)
    r = _rule(rule)
    lf = data.lazyframe
    if r.id == "*|dtype":
        unusable = dtype_problem(spec(k, data.key), lf.collect_schema()[data.key]) is not None
        return _every_row_fails(lf, r.id) if unusable else True
    if r.id == _NO_ROWS:  # validate() checks a frame as one whole upload
        empty = lf.select(pl.len()).collect().item() == 0
        return _every_row_fails(lf, r.id) if empty else True
    if r.scope != "row":
        given = _GIVEN.get()
        key = given if given is not None else tuple(lf.collect_schema().items())
        return _every_row_fails(lf, r.id) if r.id in _header_rules_broken(k, key) else True
    view, ctx, broken, normalise = _text_view(lf, k, _now(now))
    if broken.intersection(r.needs) or not r.applies(k, ctx.present):
        return True
    if not r.raw and normalise:  # as validate: raw rules see values as given, others normalised
        view = view.with_columns(normalise)
    # with_columns, not select: a rule made of literals (no ID column at all) keeps the height
    return view.with_columns((~r.expression(ctx)).alias(r.id)).select(r.id)


def _every_row_fails(lf: pl.LazyFrame, name: str) -> pl.LazyFrame:
    """A header problem rejects the whole file, hence every row (as in ``validate``).

    Per-row ``False`` rather than a scalar ``False``: pandera's polars backend cannot put a
    scalar (boolean) failure case beside the text failure cases of other checks. A frame
    without rows still fails, with one failure case at index 0.
    """
    return lf.select(pl.repeat(False, pl.max_horizontal(pl.len(), 1)).alias(name))


def _rule(rule_id: str) -> Rule:
    try:
        return rule(rule_id)
    except KeyError:
        raise ValueError(f"{rule_id!r} is not a callframe rule id") from None


_STATISTICS = ["rule", "kind", "now"]


def _check_method(
    cls: type[pa.Check], *, rule: str, kind: str, now: int | None, **options: Any
) -> pa.Check:
    """``Check.callframe_rule(rule=…, kind=…, now=…, **options)``: the registered constructor."""
    fn = functools.partial(_rule_check, rule=rule, kind=kind, now=now)
    functools.update_wrapper(fn, _rule_check)
    return cls(fn, name=CHECK_NAME, **options)


# What pandera's register_check_method does, without it: that function imports pandera's pandas
# strategies, hence numpy and pandas, which a polars-only install (pandera[polars]) lacks.
# The registry is global to pandera: register once per process.
_with_statistics = register_check_statistics(_STATISTICS)(_check_method)  # type: ignore[no-untyped-call]
pa.Check.REGISTERED_CUSTOM_CHECKS.setdefault(
    CHECK_NAME, functools.partial(_with_statistics, pa.Check)
)


def _check(r: Rule, kind: Kind, now: int | None) -> pa.Check:
    factory = getattr(pa.Check, CHECK_NAME)
    check: pa.Check = factory(
        rule=r.id,
        kind=kind,
        now=now,
        error=f"{r.id}: {r.title}",
        raise_warning=r.severity == "warning",
    )
    return check


# --- the schema --------------------------------------------------------------------------------


class ContractSchema(pa.DataFrameSchema):
    """A pandera ``DataFrameSchema`` that always validates data, LazyFrames included.

    A ``LazyFrame`` is collected once, validated with ``validation_depth=SCHEMA_AND_DATA`` and
    returned as a ``LazyFrame``; see the module docstring.
    """

    @classmethod
    def get_backend(cls, check_obj: Any = None, check_type: type | None = None) -> Any:
        # the backends are registered for pandera's class, not for subclasses
        return pa.DataFrameSchema.get_backend(check_obj, check_type)

    def validate(
        self,
        check_obj: Any,
        head: int | None = None,
        tail: int | None = None,
        sample: int | None = None,
        random_state: int | None = None,
        lazy: bool = False,
        inplace: bool = False,
    ) -> Any:
        if not get_config_context().validation_enabled:
            return check_obj
        was_lazy = isinstance(check_obj, pl.LazyFrame)
        frame = check_obj.collect() if was_lazy else check_obj
        # validate reads `clientid` as ClientId (a `*|column_case` warning): so do the column
        # checks and pandera's required columns; the header checks see the names as given
        kind = _kind_of(self)
        renamed = contract_names(frame.schema, kind) if kind is not None else {}
        token = _NOW.set(_now(None))
        given = _GIVEN.set(tuple(frame.schema.items()))
        try:
            with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
                out = super().validate(
                    _as_read(frame, renamed),
                    head=head,
                    tail=tail,
                    sample=sample,
                    random_state=random_state,
                    lazy=lazy,
                    inplace=inplace,
                )
        finally:
            _GIVEN.reset(given)
            _NOW.reset(token)
        if not frame.width:
            out = frame
        elif renamed and isinstance(out, pl.DataFrame):
            out = out.rename({contract: name for name, contract in renamed.items()})
        return out.lazy() if was_lazy and isinstance(out, pl.DataFrame) else out


def _as_read(frame: pl.DataFrame, renamed: dict[str, str]) -> pl.DataFrame:
    """The frame under the names ``validate`` reads; a frame without columns gets one without
    values (pandera's polars backend cannot list the failure cases of a zero-width frame)."""
    if not frame.width:
        return pl.DataFrame({"__callframe_no_columns": pl.repeat(None, frame.height, eager=True)})
    return frame.rename(renamed) if renamed else frame


def _kind_of(schema: pa.DataFrameSchema) -> Kind | None:
    """The kind a schema was generated for, as its checks carry it."""
    for check in schema.checks:
        kind = (check.statistics or {}).get("kind")
        if kind is not None:
            return parse_kind(kind)
    return None


def _schema(kind: Kind, name: str, now: int | None) -> ContractSchema:
    column_checks: dict[str, list[pa.Check]] = {c.name: [] for c in columns(kind)}
    frame_checks: list[pa.Check] = [
        _check(rule(rule_id), kind, now) for rule_id in _frame_rule_ids(kind)
    ]
    for c in columns(kind):
        column_checks[c.name].append(_check(rule("*|dtype"), kind, now))
    for r in rules_for(kind, scope="row"):
        if r.column in column_checks and set(r.needs) <= {r.column}:
            column_checks[r.column].append(_check(r, kind, now))
        else:
            frame_checks.append(_check(r, kind, now))
    return ContractSchema(
        {
            c.name: pa.Column(
                None,
                checks=column_checks[c.name],
                nullable=True,
                required=c.required,
                name=c.name,
                description=c.description,
            )
            for c in columns(kind)
        },
        checks=frame_checks,
        strict=False,  # unknown columns are the `*|unknown_column` check, named by its rule id
        coerce=False,
        name=name,
        description=f"The Metrica {kind} upload, generated from the callframe contract.",
    )


_MODEL_KINDS: dict[str, Kind] = {}


class _ContractModel(pa.DataFrameModel):
    """Base of the generated models: their schema is :class:`ContractSchema`."""

    @classmethod
    def build_schema_(cls, **kwargs: Any) -> ContractSchema:
        return _schema(_MODEL_KINDS[cls.__name__], cls.__name__, None)


def _model(kind: Kind, name: str) -> type[pa.DataFrameModel]:
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": __name__, "__annotations__": annotations}
    for col in columns(kind):
        dtype = type(col.dtype)
        annotations[col.name] = dtype if col.required else Optional[dtype]  # noqa: UP045
        namespace[col.name] = pa.Field(nullable=True)
    namespace["Config"] = type("Config", (), {"name": name})
    namespace["__doc__"] = (
        f"Pandera model of the Metrica ``{kind}`` upload, generated from the callframe contract."
        "\n\nIts schema is :class:`ContractSchema`; see :mod:`callframe.contract.schemas`."
        " The annotations show the contract dtypes (what ``report.valid`` returns); the"
        " schema also accepts the text a CSV is read as."
    )
    _MODEL_KINDS[name] = kind
    return type(name, (_ContractModel,), namespace)


CallsSchema = _model("calls", "CallsSchema")
"""The ``upload_calls`` CSV as a pandera model ("now" is the clock at each ``validate``)."""
ConversionsSchema = _model("conversions", "ConversionsSchema")
"""The offline-conversion (``upload``, BASIC) CSV as a pandera model (clock-based "now")."""
ChatsSchema = _model("chats", "ChatsSchema")
"""The chats (``upload?type=CHATS``) CSV as a pandera model (clock-based "now"). It names the
IDs as the chat page does (``ClientID``, ``UserID``, ``PurchaseID``); :func:`callframe.validate`
also reads ``ClientId``/``UserId``/``PurchaseId`` as those columns, this schema does not (rename
them first)."""

_NAMES: dict[str, str] = {
    "calls": "CallsSchema",
    "conversions": "ConversionsSchema",
    "chats": "ChatsSchema",
}


def pandera_schema(kind: Kind, *, now: int | float | datetime | None = None) -> ContractSchema:
    """A pandera ``DataFrameSchema`` for ``kind`` whose time rules use a fixed ``now``.

    ``now`` is Unix seconds or an aware datetime (``None``: the clock, read once per
    ``validate`` call).
    """
    from callframe.validation import resolve_now

    k = parse_kind(kind)
    return _schema(k, _NAMES[k], None if now is None else resolve_now(now))


# --- failure cases a log may hold ------------------------------------------------------------


def masked_failure_cases(error: SchemaError | SchemaErrors) -> pl.DataFrame:
    """pandera's ``failure_cases`` with phone numbers masked, and the rule id of each failure.

    Columns: pandera's (``failure_case``, ``schema_context``, ``column``, ``check``,
    ``check_number``, ``index``: the 0-based row) plus ``rule``, the callframe rule id
    (``*|missing_column`` for pandera's own ``column_in_dataframe``). ``failure_case`` is shown as
    callframe's report shows values (:func:`callframe.report.mask_value`: phones masked wherever
    they appear, long values cut); for a dataframe check, where pandera gives the whole row, it is
    the value of the rule's own column (empty for rules about the row, such as ``*|id_required``).
    """
    from callframe.report import mask_value

    cases: pl.DataFrame = (
        error.failure_cases if isinstance(error, SchemaErrors) else _single_error_cases(error)
    )
    check = pl.col("check").cast(pl.String)
    with_rule = cases.with_columns(
        pl.when(check == "column_in_dataframe")
        .then(pl.lit(_MISSING_COLUMN))
        .when(check.str.contains(r"^\S+\|\S+: "))
        .then(check.str.extract(r"^(\S+\|\S+): ", 1))
        .otherwise(None)
        .alias("rule"),
        pl.col("failure_case").cast(pl.String),
    )
    pieces: list[pl.DataFrame] = []
    for (rule_id, column), part in with_rule.group_by(["rule", "column"], maintain_order=True):
        pieces.append(_masked(part, rule_id, column, mask_value))
    if not pieces:
        return with_rule
    return pl.concat(pieces).sort("index", nulls_last=False, maintain_order=True)


def _masked(part: pl.DataFrame, rule_id: Any, column: Any, mask: Any) -> pl.DataFrame:
    value = pl.col("failure_case")
    names = {c.name for kind in ("calls", "conversions", "chats") for c in columns(kind)}
    if rule_id is None or (isinstance(rule_id, str) and rule(rule_id).scope != "row"):
        shown = value  # pandera's own failures and header rules: column names, True/False
    elif column in names:
        shown = mask(value, column)  # a column check: the cell itself
    else:  # a dataframe check: pandera gives the whole row as JSON; keep the rule's column
        own = rule(rule_id).column
        if own in names:
            shown = mask(value.str.json_path_match(f"$.{own}"), own)
        else:
            shown = pl.lit(None, dtype=pl.String)
    return part.with_columns(shown.alias("failure_case"))


def _single_error_cases(error: SchemaError) -> pl.DataFrame:
    """The failure-cases frame of one ``SchemaError`` (``validate`` without ``lazy=True``)."""
    wrapped = SchemaErrors(schema=error.schema, schema_errors=[error], data=error.data)
    cases: pl.DataFrame = wrapped.failure_cases
    return cases

"""Pandera ``DataFrameModel``s (polars backend) for the three upload kinds.

The models are *generated* from :mod:`~callframe.contract.columns` and
:mod:`~callframe.contract.rules`, so a rule lives in one place and both engines apply it:
``callframe.validate`` (one polars query, a PII-safe report) and these models (the pandera API,
for pipelines that already speak pandera). Every row rule becomes a registered pandera check
named by its rule id, with its title as the error text; warnings use ``raise_warning=True``.

Two pandera pitfalls are closed here:

* on a ``LazyFrame`` pandera checks only names and dtypes by default; these models always run the
  data checks too (``validation_depth=SCHEMA_AND_DATA``);
* pandera's failure cases carry raw values (phone numbers); prefer :func:`callframe.validate`
  when the output may reach a log.

Example:
    >>> from callframe.contract.schemas import CallsSchema
    >>> CallsSchema.validate(frame, lazy=True)   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

import pandera.polars as pa
import polars as pl
from pandera.config import ValidationDepth, config_context

from callframe.contract.columns import Kind, columns
from callframe.contract.rules import Rule, RuleContext, rules_for
from callframe.contract.text import dtype_problem, normalise_expr, text_expr

__all__ = ["CallsSchema", "ChatsSchema", "ConversionsSchema", "pandera_schema"]

_NAMES: dict[str, str] = {
    "calls": "CallsSchema",
    "conversions": "ConversionsSchema",
    "chats": "ChatsSchema",
}


def _text_view(lf: pl.LazyFrame, kind: Kind) -> tuple[pl.LazyFrame, frozenset[str]]:
    schema = lf.collect_schema()
    usable = [c for c in columns(kind) if c.name in schema and not dtype_problem(c, schema[c.name])]
    return lf.select(text_expr(c, schema[c.name]) for c in usable), frozenset(
        c.name for c in usable
    )


def _check_fn(rule: Rule, kind: Kind, now: int | None) -> Callable[..., pl.LazyFrame]:
    def check(cls: Any, data: pa.PolarsData) -> pl.LazyFrame:
        from callframe.validation import resolve_now

        text, present = _text_view(data.lazyframe, kind)
        if not rule.raw:  # as callframe.validate: raw rules see values as given, others trimmed
            text = text.with_columns(normalise_expr(c) for c in columns(kind) if c.name in present)
        ctx = RuleContext(kind=kind, now=resolve_now(now), present=present)
        if not rule.applies(kind, present):
            return data.lazyframe.select(pl.repeat(True, pl.len()).alias(rule.id))
        return text.with_columns(ok=~rule.expression(ctx)).select(pl.col("ok"))

    check.__name__ = "check_" + rule.id.replace("|", "__").replace("*", "row")
    return check


class _ContractModel(pa.DataFrameModel):
    """Base of the generated models: always validates data, also on LazyFrames."""

    @classmethod
    def validate(cls, check_obj: Any, *args: Any, **kwargs: Any) -> Any:
        with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
            return super().validate(check_obj, *args, **kwargs)


def _build(kind: Kind, name: str, now: int | None) -> type[pa.DataFrameModel]:
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": __name__, "__annotations__": annotations}
    for col in columns(kind):
        dtype = type(col.dtype)
        annotations[col.name] = dtype if col.required else Optional[dtype]  # noqa: UP045
        namespace[col.name] = pa.Field(nullable=True)
    model_columns = {c.name for c in columns(kind)}
    for rule in rules_for(kind, scope="row"):
        fn = _check_fn(rule, kind, now)
        options: dict[str, Any] = {
            "name": rule.id,
            "error": rule.title,
            "raise_warning": rule.severity == "warning",
        }
        cross_column = rule.column == "*" or any(n != rule.column for n in rule.needs)
        if cross_column or rule.column not in model_columns:
            namespace[fn.__name__] = pa.dataframe_check(**options)(fn)
        else:
            namespace[fn.__name__] = pa.check(rule.column, **options)(fn)
    config = type("Config", (), {"strict": True, "coerce": True, "name": name})
    namespace["Config"] = config
    namespace["__doc__"] = (
        f"Pandera model of the Metrica ``{kind}`` upload, generated from the callframe contract."
    )
    return type(name, (_ContractModel,), namespace)


CallsSchema = _build("calls", "CallsSchema", None)
"""The ``upload_calls`` CSV as a pandera model (clock-based "now")."""
ConversionsSchema = _build("conversions", "ConversionsSchema", None)
"""The offline-conversion (``upload``, BASIC) CSV as a pandera model (clock-based "now")."""
ChatsSchema = _build("chats", "ChatsSchema", None)
"""The chats (``upload?type=CHATS``) CSV as a pandera model (clock-based "now"); it takes the
chat page's ``ClientID``/``UserID``/``PurchaseID`` spelling (rename ``ClientId`` first, or use
:func:`callframe.validate`, which reads either)."""


def pandera_schema(kind: Kind, *, now: int | None = None) -> pa.DataFrameSchema:
    """A pandera ``DataFrameSchema`` for ``kind`` whose time rules use a fixed ``now``."""
    return _build(kind, _NAMES[kind], now).to_schema()

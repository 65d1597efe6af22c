"""Shared normalisers: polars expressions that turn a tracker's text into contract values.

Every function takes and returns a pure ``pl.Expr``: nothing here looks at data, so every
normaliser runs inside a lazy, streaming query (the phone normaliser sends the few *unique*
numbers no expression can place to ``phonenumbers`` from inside the query, cached per plan).
``cleaned=True`` says the input went through :func:`clean_text` already (a node's raw text), so
it is not cleaned twice: on a 2M-row export every pass over a column costs tens of
milliseconds. Nothing here runs Python per row. A value that cannot be read becomes null; the
plan compares the raw text with the result and reports ``<Column>|unreadable``, so nothing is
dropped silently. Normalisers that read a value through many dependent steps (ISO times, phones)
are one ``map_batches`` step over vectorised steps: polars shares no subexpression inside
when/then branches, so as one expression they would re-read the value at every reference. A
batch step costs a few eager queries per streaming morsel (about 10k rows), so the cheap ones
(cleaning a column, whole-digit durations and Unix times, flag words) are pure expressions over
a column the plan computed once, written so that every costly step (a parse, a regex, a strip)
reads a column or an expression without when/then: polars' common-subexpression elimination
then computes it once however often it is referred to (it shares nothing that holds a
when/then, nor ``strip_chars()`` with its null default). The rare values those leave (decimal
or clock durations) go to a batch step that returns at once on a batch without any.

Rules (from call-trackers.md, "Cross-cutting conversion rules", and decisions.md):

* **Text**: stripped; empty strings and placeholders (:data:`PLACEHOLDERS`, e.g. Calltouch's
  ``<не заполнено>``) are null.
* **Phones** (:func:`phone`): the part inside ``<…>`` when present (caller-id); ``sip:`` URIs
  and short extensions (≤ 6 digits) are not external numbers; ``+`` and 8–15 digits is kept;
  ``00`` is an international prefix; for ``RU``/``KZ`` ``8XXXXXXXXXX`` and ``7XXXXXXXXXX`` become
  ``+7…`` and ten digits starting with 3, 4, 8 or 9 get ``+7``; for other regions numbers that
  start with the region's country code or national prefix followed by a length its numbering
  plan allows (``380671234567``, ``0671234567`` for ``UA``) are placed by expression; anything
  else is looked up with
  ``phonenumbers``: first as a national number of ``region``, then, for 11 digits or more, as a
  number that already carries its country code (``380…``); what neither accepts as valid is
  null (never guessed).
* **Durations** (:func:`seconds`): whole or decimal numbers (``,`` or ``.``) times the unit,
  ``H:MM:SS`` and ``MM:SS``; rounded to whole seconds.
* **Times** (:func:`iso_parts`, :func:`strptime_naive`, :func:`unix_seconds`,
  :func:`localize`): offsets ``Z``, ``+0000``, ``+03:00``, ``+03`` are honoured; times without
  one are *naive* and need an explicit IANA zone (decisions.md rule 5: never guess).
* **IDs** (:func:`digits_id`): 1–20 digits, else null; ``0`` means "none".
* **Yclid from a URL** (:func:`url_param`): the ``yclid`` query parameter of a landing URL.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import polars as pl

__all__ = [
    "BOOL_FALSE",
    "BOOL_TRUE",
    "PLACEHOLDERS",
    "clean_text",
    "digits_id",
    "has_id",
    "id_text",
    "iso_parts",
    "iso_parts_of",
    "localize",
    "money",
    "phone",
    "phone_lookup",
    "phones",
    "seconds",
    "seconds_of",
    "strptime_aware",
    "strptime_naive",
    "to_flag",
    "unix_seconds",
    "url",
    "url_param",
    "values_flag",
]

PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "<не заполнено>",
        "<не указано>",
        "<не определено>",
        "<нет данных>",
        "<нет>",
        "не заполнено",
        "не указано",
        "null",
        "none",
        "nil",
        "undefined",
        "nan",
        "n/a",
        "-",
        "—",
    }
)
"""Texts that mean "no value" (compared in lower case after stripping)."""

BOOL_TRUE: tuple[str, ...] = ("true", "1", "yes", "y", "t", "да", "истина")
BOOL_FALSE: tuple[str, ...] = ("false", "0", "no", "n", "f", "нет", "ложь")

_RU_LIKE = frozenset({"RU", "KZ"})
_PLACEHOLDERS = "|".join(re.escape(p) for p in sorted(PLACEHOLDERS))
_PLACEHOLDER_RE = f"(?i)^(?:{_PLACEHOLDERS})$"
# what cleaning makes null, tested on the text *before* stripping (``\s`` is the White_Space
# that ``strip_chars`` removes): the column is then stripped once, for the value only
_BLANK_RE = rf"(?i)^\s*(?:{_PLACEHOLDERS}|)\s*$"
_NO_ID_RE = rf"(?i)^\s*(?:{_PLACEHOLDERS}|0+|)\s*$"


def _text(x: pl.Expr, cleaned: bool) -> pl.Expr:
    return x if cleaned else clean_text(x)


def clean_text(x: pl.Expr) -> pl.Expr:
    """Stripped text; empty and placeholder values become null."""
    # one reference to ``x`` (no when/then): nested normalisers stay linear in size, because
    # polars does not share subexpressions inside conditional branches
    # empty → null in a batch step: ``Expr.replace`` needs the whole column (polars' streaming
    # engine runs it in memory), a ``map_batches`` marked elementwise streams at the same speed
    s = x.cast(pl.String).str.strip_chars()
    if x.meta.is_column():
        # a column as read (the plan cleans each once, see ``Ctx.text``): a test, no copy and
        # no Python step; reading the column twice costs nothing. The test reads the text as
        # given, so that it is stripped once: polars shares no ``strip_chars()`` (its default
        # argument is a null literal), and stripping costs as much as the test
        return pl.when(~x.cast(pl.String).str.contains(_BLANK_RE)).then(s)
    return s.str.replace(_PLACEHOLDER_RE, "").map_batches(
        _empty_to_null, return_dtype=pl.String, is_elementwise=True
    )


def _empty_to_null(batch: pl.Series) -> pl.Series:
    return batch.replace("", None)


def to_flag(x: pl.Expr, *, invert: bool = False, cleaned: bool = False) -> pl.Expr:
    """A boolean word (``true``/``1``/``да`` …) as Int8 ``1``/``0``; anything else null."""
    one, zero = (0, 1) if invert else (1, 0)
    return _words_flag(_text(x, cleaned), [(BOOL_TRUE, one), (BOOL_FALSE, zero)])


def values_flag(
    x: pl.Expr,
    *,
    ones: Iterable[str] = (),
    zeros: Iterable[str] = (),
    other: int | None = None,
    cleaned: bool = False,
) -> pl.Expr:
    """``1`` for a value in ``ones``, ``0`` for one in ``zeros`` (both compared case-insensitively);
    any other non-empty value gives ``other`` (``None``: null, i.e. unknown)."""
    return _words_flag(_text(x, cleaned), [(ones, 1), (zeros, 0)], other=other)


def _words_flag(
    s: pl.Expr, groups: list[tuple[Iterable[str], int]], *, other: int | None = None
) -> pl.Expr:
    """Int8: the flag of the first group holding the value (compared in lower case), ``other``
    for any other non-null value, null for null.

    Values spelt as a word is given, or in its lower or upper case (nearly all), are found by
    exact look-ups; only the others are lower-cased (the costly step), which costs little on
    the null rows the look-ups leave.
    """
    lowered = [({w.lower() for w in words}, flag) for words, flag in groups]
    spellings = sorted({v for words, _ in groups for w in words for v in (w, w.lower(), w.upper())})
    # a spelling is looked up as it is only where polars' lower case of it is the word
    folded = pl.Series(spellings, dtype=pl.String).str.to_lowercase().to_list()
    exact: list[list[str]] = [[] for _ in groups]
    for spelling, low in zip(spellings, folded, strict=True):
        first = next((i for i, (words, _) in enumerate(lowered) if low in words), None)
        if first is not None:
            exact[first].append(spelling)
    hits = [s.is_in(e) for e in exact]
    rest = pl.when(~pl.any_horizontal(hits)).then(s).str.to_lowercase()
    hits += [rest.is_in(sorted(words)) for words, _ in lowered]
    flags = [flag for _, flag in groups] * 2
    out: pl.Expr = pl.when(s.is_not_null()).then(pl.lit(other, pl.Int8))
    for hit, flag in reversed(list(zip(hits, flags, strict=True))):
        out = pl.when(hit).then(pl.lit(flag, pl.Int8)).otherwise(out)
    return out


def id_text(x: pl.Expr) -> pl.Expr:
    """The text of an ID field when it says anything: placeholders and all-zero values are null."""
    return pl.when(has_id(x)).then(x.cast(pl.String).str.strip_chars())


def digits_id(x: pl.Expr, *, cleaned: bool = False) -> pl.Expr:
    """A Metrica ClientID or Yclid: 1–20 digits (not all zeros), else null."""
    s = _text(x, cleaned)
    # a test and a reference, not ``extract``: no copy of 2M strings
    return pl.when((s.str.len_bytes() <= 20) & s.str.contains(r"^0*[1-9][0-9]*$")).then(s)


def url(x: pl.Expr, *, cleaned: bool = False) -> pl.Expr:
    """An absolute ``http(s)://`` URL without spaces, else null."""
    s = _text(x, cleaned)
    return pl.when(s.str.contains(r"(?i)^https?://[^\s/?#]+\S*$")).then(s)


def url_param(x: pl.Expr, name: str = "yclid") -> pl.Expr:
    """The raw value of query parameter ``name`` in a URL (``?``, ``&`` or ``#`` before it)."""
    s = x.cast(pl.String)
    # most URLs lack the parameter: a literal test first, the regex only on those that have it
    carrying = pl.when(s.str.contains(f"{name}=", literal=True)).then(s)
    return clean_text(carrying.str.extract(rf"[?&#]{re.escape(name)}=([^&#\s]*)", 1))


def has_id(x: pl.Expr) -> pl.Expr:
    """Whether an ID field says anything (not empty, a placeholder or all zeros): Boolean, no
    nulls; ``id_text(x).is_not_null()`` in one regex test."""
    # the text as given (surrounding white space in the pattern): no stripped copy
    return ~x.cast(pl.String).str.contains(_NO_ID_RE).fill_null(True)


def money(x: pl.Expr, *, cleaned: bool = False) -> pl.Expr:
    """A non-negative amount as Float64: ``1 500,50`` and ``1500.50`` both read; else null."""
    s = (
        _text(x, cleaned)
        .str.replace_all(r"[\s\u00a0\u202f]", "")
        .str.replace(",", ".", literal=True)
    )
    return s.str.extract(r"^(\d+(?:\.\d+)?)$", 1).cast(pl.Float64, strict=False)


def seconds(x: pl.Expr, *, unit: float = 1.0, cleaned: bool = False) -> pl.Expr:
    """Whole seconds from ``95``, ``95.4``, ``95,4`` (times ``unit``), ``0:01:35`` or ``01:35``.

    Whole digits (nearly every value) are read by one integer parse of the text itself, which
    polars computes once however often the value is referred to (it shares no subexpression
    that holds a when/then); the other values (decimals, clocks: null there) are read by
    :func:`seconds_of`, one batch step that returns at once on a batch without any.
    """
    s = _text(x, cleaned)
    parsed = s.str.to_integer(strict=False)
    # ``str.to_integer`` also reads a sign: "+5" and "-5" are no duration; below 2⁵³ the
    # integer is the float the decimal reader gives, larger ones go that way
    whole = (~s.str.starts_with("+") & (parsed >= 0) & (parsed < 2**53)).fill_null(False)
    value: pl.Expr = pl.when(whole).then(parsed)
    if unit != 1.0:
        value = value.cast(pl.Float64).mul(unit).round(0).cast(pl.Int64, strict=False)
    rest = (
        pl.when(~whole)
        .then(s)
        .map_batches(
            functools.partial(_seconds_rest, unit=unit), return_dtype=pl.Int64, is_elementwise=True
        )
    )
    return pl.coalesce(value, rest)


def _seconds_rest(batch: pl.Series, *, unit: float) -> pl.Series:
    if batch.null_count() == len(batch):  # the usual batch: every value was whole digits
        return pl.Series(batch.name, [None] * len(batch), dtype=pl.Int64)
    return seconds_of(batch, unit=unit)


def seconds_of(batch: pl.Series, *, unit: float = 1.0) -> pl.Series:
    """:func:`seconds` on a Series of cleaned text (one batch)."""
    steps = batch.cast(pl.String).rename("s").to_frame()
    steps = steps.with_columns(pl.col("s").str.replace(",", ".", literal=True).alias("number"))
    steps = steps.with_columns(pl.col("number").str.contains(r"^\d+(\.\d+)?$").alias("is_number"))
    # Values too large for Int64 (a 20-digit "duration") become null, i.e. unreadable.
    steps = steps.with_columns(
        pl.when(pl.col("is_number"))
        .then(pl.col("number"))
        .cast(pl.Float64, strict=False)
        .mul(unit)
        .round(0)
        .cast(pl.Int64, strict=False)
        .alias("from_number"),
        # the clock regex only where the value is no number (null rows cost nothing)
        pl.when(~pl.col("is_number"))
        .then(pl.col("s"))
        .str.extract_groups(r"^(?:(\d{1,9}):)?(\d{1,2}):(\d{1,2})$")
        .alias("clock"),
    ).unnest("clock")
    h = pl.col("1").cast(pl.Int64, strict=False).fill_null(0)
    m = pl.col("2").cast(pl.Int64, strict=False)
    sec = pl.col("3").cast(pl.Int64, strict=False)
    from_clock = pl.when((m < 60) & (sec < 60)).then(h * 3600 + m * 60 + sec)
    out = steps.select(
        pl.when(pl.col("is_number")).then(pl.col("from_number")).otherwise(from_clock)
    ).to_series()
    return out.cast(pl.Int64).rename(batch.name)


# --- time ----------------------------------------------------------------------------------------

_ISO = (
    r"^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?"
    r"\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$"
)


def iso_parts(x: pl.Expr, *, offset: bool = True, cleaned: bool = False) -> tuple[pl.Expr, pl.Expr]:
    """Read ISO 8601 date-times tolerantly: ``(aware, naive)``.

    ``aware`` is Unix seconds (Int64) for values with an offset (``Z``, ``+0000``, ``+03:00``,
    ``+03``), null otherwise; ``naive`` the local ``Datetime`` for values without one. Seconds
    may be missing (``…T07:15Z``), fractions are dropped. With ``offset=False`` an offset is
    ignored and every value counts as naive (for exports that label local time ``Z``).

    One ``map_batches`` step over vectorised steps (:func:`iso_parts_of`), read as a struct.
    """
    both = _text(x, cleaned).map_batches(
        lambda batch: iso_parts_of(batch, offset=offset),
        return_dtype=pl.Struct({"aware": pl.Int64, "naive": pl.Datetime("us")}),
        is_elementwise=True,
    )
    return both.struct.field("aware"), both.struct.field("naive")


def iso_parts_of(batch: pl.Series, *, offset: bool = True) -> pl.Series:
    """:func:`iso_parts` on a Series of cleaned text (one batch), as a struct Series."""
    if batch.null_count() == len(batch):  # e.g. only the rows a faster parse left (none)
        return pl.DataFrame(
            {
                "aware": pl.Series([None] * len(batch), dtype=pl.Int64),
                "naive": pl.Series([None] * len(batch), dtype=pl.Datetime("us")),
            }
        ).to_struct(batch.name)
    s = pl.col("s")
    steps = batch.cast(pl.String).rename("s").to_frame()
    # the usual value is plain ``YYYY-MM-DD HH:MM:SS``: one strptime; the regex on the others
    steps = steps.with_columns(
        s.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False).alias("plain")
    )
    steps = steps.with_columns(pl.when(pl.col("plain").is_null()).then(s).alias("s"))
    steps = steps.with_columns(
        s.str.replace(_ISO, "${1}-${2}-${3} ${4}:${5}:${6}").alias("body"),
        (s.str.extract(_ISO, 7) if offset else pl.lit(None, pl.String)).alias("off"),
    )
    body, off = pl.col("body"), pl.col("off")
    steps = steps.with_columns(
        pl.coalesce(
            pl.col("plain"),
            body.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False),
            body.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:", strict=False),
        ).alias("local")
    )
    sign = pl.when(off.str.starts_with("-")).then(-1).otherwise(1)
    hh = off.str.slice(1, 2).cast(pl.Int64, strict=False)
    mm = off.str.replace(":", "", literal=True).str.slice(3, 2).cast(pl.Int64, strict=False)
    zulu = off.str.to_uppercase().is_in(["Z", "UTC", "GMT"])
    offset_s = pl.when(zulu).then(0).otherwise(sign * (hh * 3600 + mm.fill_null(0) * 60))
    local = pl.col("local")
    out = steps.select(
        pl.when(off.is_not_null())
        .then(local.dt.epoch("s") - offset_s)
        .cast(pl.Int64)
        .alias("aware"),
        pl.when(off.is_null()).then(local).alias("naive"),
    )
    return out.to_struct(batch.name)


def strptime_naive(x: pl.Expr, formats: Iterable[str], *, cleaned: bool = False) -> pl.Expr:
    """Local ``Datetime`` from the first of ``formats`` that fits (strftime syntax), else null."""
    s = _text(x, cleaned)
    tries = [s.str.strptime(pl.Datetime("us"), fmt, strict=False) for fmt in formats]
    return pl.coalesce(tries) if tries else pl.lit(None, pl.Datetime("us"))


def strptime_aware(x: pl.Expr, fmt: str, *, cleaned: bool = False) -> pl.Expr:
    """Unix seconds from a format that carries its own offset (``%z``), else null."""
    s = _text(x, cleaned)
    return s.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False).dt.epoch("s")


def unix_seconds(x: pl.Expr, *, unit: str = "s", cleaned: bool = False) -> pl.Expr:
    """Unix time written as digits (``s`` or ``ms``; a ``.0…`` fraction allowed) as Int64.

    Stripping is all the cleaning it needs (a placeholder, ``-`` or ``null``, is no number
    either way), so ``cleaned`` changes nothing: the text is stripped where the parse needs it.
    """
    s = x.cast(pl.String)
    # whole digits (nearly every value): one integer parse of the text as given, shared by
    # every reference (no when/then below it); ``str.to_integer`` also reads a sign
    parsed = s.str.to_integer(strict=False)
    plain = parsed.is_not_null() & ~s.str.starts_with("+") & ~s.str.starts_with("-")
    plain = (plain & (s.str.len_bytes() <= 16)).fill_null(False)
    # the rest (padded, a fraction: null on the other rows) through one regex
    rest = pl.when(~plain).then(s).str.strip_chars()
    other = rest.str.extract(r"^([0-9]{1,16})(?:\.\d+)?$", 1).cast(pl.Int64, strict=False)
    value = pl.coalesce(pl.when(plain).then(parsed), other)
    return value // 1000 if unit == "ms" else value


def localize(naive: pl.Expr, tz: str) -> pl.Expr:
    """Unix seconds of a naive local time in ``tz``; the repeated hour at a DST change takes
    the earlier instant, a time that does not exist (skipped hour) is null."""
    return naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null").dt.epoch("s")


# --- phones --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _numbering_plan(region: str) -> tuple[str, str, tuple[int, ...]] | None:
    """``(country code, national prefix, national lengths)`` of ``region`` from phonenumbers'
    metadata (lengths of mobile and fixed-line numbers), or ``None`` for an unknown region."""
    import phonenumbers

    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None:
        return None
    lengths = {
        n
        for desc in (meta.mobile, meta.fixed_line)
        if desc is not None
        for n in desc.possible_length or ()
        if n > 0
    }
    code = str(phonenumbers.country_code_for_region(region))
    return code, meta.national_prefix or "", tuple(sorted(lengths))


def _fast_phone(digits: pl.Expr, plus: pl.Expr, region: str) -> pl.Expr:
    n = digits.str.len_chars()
    international = pl.when(plus & (n >= 8) & (n <= 15)).then(pl.lit("+") + digits)
    if region.upper() not in _RU_LIKE:
        plan = _numbering_plan(region.upper())
        if plan is None or not plan[2]:
            return international.otherwise(None)
        code, prefix, lengths = plan
        own = international.when(
            digits.str.starts_with(code) & (n - len(code)).is_in(list(lengths))
        ).then(pl.lit("+") + digits)
        if prefix:
            own = own.when(
                digits.str.starts_with(prefix) & (n - len(prefix)).is_in(list(lengths))
            ).then(pl.lit(f"+{code}") + digits.str.slice(len(prefix)))
        return own.otherwise(None)
    return (
        international.when((n == 11) & digits.str.starts_with("8"))
        .then(pl.lit("+7") + digits.str.slice(1))
        .when((n == 11) & digits.str.starts_with("7"))
        .then(pl.lit("+") + digits)
        .when((n == 10) & digits.str.contains(r"^[3489]"))
        .then(pl.lit("+7") + digits)
        .otherwise(None)
    )


@functools.lru_cache(maxsize=65536)
def phone_lookup(digits: str, region: str) -> str | None:
    """E.164 for a digit string ``phonenumbers`` accepts as valid: as a national number of
    ``region`` first, then (11 digits or more only) as a number carrying its own country code;
    ``None`` when neither is valid."""
    import phonenumbers

    tries: list[tuple[str, str | None]] = [(digits, region.upper())]
    if len(digits) >= 11:
        tries.append((f"+{digits}", None))
    for text, reg in tries:
        try:
            number = phonenumbers.parse(text, reg)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def phone(
    x: pl.Expr,
    *,
    region: str = "RU",
    cache: dict[str, str | None] | None = None,
    cleaned: bool = False,
) -> pl.Expr:
    """E.164 caller numbers (see the module docstring), as one pure expression.

    One ``map_batches`` step: each batch the query hands it (the whole column in memory, a
    morsel when streaming) is normalised in small vectorised steps (:func:`phones`), and the
    few *unique* numbers no expression can place go to ``phonenumbers``, through ``cache`` (the
    plan's, shared by every batch: each number is looked up once per export).
    """
    known: dict[str, str | None] = {} if cache is None else cache
    key = region.upper()
    return _text(x, cleaned).map_batches(
        lambda batch: phones(batch, region=key, cache=known),
        return_dtype=pl.String,
        is_elementwise=True,
    )


def phones(
    batch: pl.Series, *, region: str = "RU", cache: dict[str, str | None] | None = None
) -> pl.Series:
    """:func:`phone` on a Series of cleaned text (one batch)."""
    if batch.null_count() == len(batch):
        return batch.cast(pl.String)
    s = pl.col("s")
    steps = batch.cast(pl.String).rename("s").to_frame()
    # the caller-id's ``<…>``: the regex only where a literal test finds a ``<``
    inner = pl.when(s.str.contains("<", literal=True)).then(s).str.extract(r"<([^<>]*)>", 1)
    steps = steps.with_columns(inner.str.strip_chars().alias("inner"))
    steps = steps.with_columns(
        pl.when(pl.col("inner") != "").then(pl.col("inner")).otherwise(s).alias("s")
    )
    steps = steps.with_columns(
        s.str.contains(r"(?i)^sips?:|@").alias("sip"),
        s.str.starts_with("+").alias("plus"),
        s.str.replace_all(r"[^0-9]", "").alias("digits"),
    )
    digits = pl.col("digits")
    intl = ~pl.col("plus") & digits.str.starts_with("00")
    steps = steps.with_columns(
        pl.when(intl).then(digits.str.slice(2)).otherwise(digits).alias("digits"),
        (pl.col("plus") | intl).alias("plus"),
    )
    steps = steps.with_columns(
        (pl.col("sip") | (digits.str.len_chars() <= 6)).fill_null(True).alias("not_number")
    )
    steps = steps.with_columns(_fast_phone(digits, pl.col("plus"), region).alias("fast"))
    residual = (
        steps.filter(~pl.col("not_number") & pl.col("fast").is_null())
        .get_column("digits")
        .drop_nulls()
        .unique()
        .to_list()
    )
    known: dict[str, str | None] = {} if cache is None else cache
    found: dict[str, str] = {}
    for d in residual:
        k = f"{region}:{d}"
        if k not in known:
            known[k] = phone_lookup(d, region) if d else None
        if (e := known[k]) is not None:
            found[d] = e
    slow = (
        digits.replace_strict(found, default=None, return_dtype=pl.String)
        if found
        else pl.lit(None, pl.String)
    )
    result = steps.select(
        pl.when(pl.col("not_number")).then(None).otherwise(pl.coalesce(pl.col("fast"), slow))
    ).to_series()
    return result.cast(pl.String).rename(batch.name)

"""The shared normalisers, value by value: what each export spelling becomes."""

from __future__ import annotations

import polars as pl
import pytest

from callframe.engine import normalize as nz


def apply(fn, values: list[str | None]) -> list[object]:  # type: ignore[no-untyped-def]
    frame = pl.DataFrame({"x": values}, schema={"x": pl.String})
    return frame.select(fn(pl.col("x")).alias("y")).get_column("y").to_list()


def phones(values: list[str | None], region: str = "RU") -> list[object]:
    frame = pl.DataFrame({"x": values}, schema={"x": pl.String})
    return frame.select(nz.phone(pl.col("x"), region=region)).to_series().to_list()


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("79161234567", "+79161234567"),
        ("+79161234567", "+79161234567"),
        ("89161234567", "+79161234567"),
        ("9161234567", "+79161234567"),
        ("4951234567", "+74951234567"),
        ("+7 (916) 123-45-67", "+79161234567"),
        ("8 (495) 123-45-67", "+74951234567"),
        ("0079161234567", "+79161234567"),
        ('"Ivan" <89265554433>', "+79265554433"),
        ('"79270120777" <79270120777>', "+79270120777"),
        ("380671234567", "+380671234567"),
        ("+375291234567", "+375291234567"),
        ("77011234567", "+77011234567"),
    ],
)
def test_phones_become_e164_in_russia(raw: str, e164: str) -> None:
    assert phones([raw]) == [e164]


@pytest.mark.parametrize(
    "raw", ["sip:101@pbx.example.ru", "101", "123456", "anonymous", "12345678", "<не заполнено>"]
)
def test_extensions_sip_and_guesses_are_not_numbers(raw: str) -> None:
    assert phones([raw]) == [None]


def test_national_numbers_of_another_country_need_its_region() -> None:
    assert phones(["0671234567"], region="RU") == [None]
    assert phones(["0671234567", "380671234567"], region="UA") == ["+380671234567"] * 2
    assert phones(["89161234567"], region="UA") == [None]  # 8… is Russian only


def test_phonenumbers_sees_each_unique_number_once() -> None:
    nz.phone_lookup.cache_clear()
    phones(["380671234567"] * 1000 + ["380501112233"] * 1000)
    info = nz.phone_lookup.cache_info()
    assert info.misses == 2 and info.hits == 0


def test_placeholders_and_blanks_are_null() -> None:
    values = ["<не заполнено>", "<не указано>", "  ", "", "null", "—", "-", "text", " x "]
    assert apply(nz.clean_text, values) == [None] * 7 + ["text", "x"]


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("95", 95),
        ("95.4", 95),
        ("95,6", 96),
        ("0:01:35", 95),
        ("01:35", 95),
        ("1:00:00", 3600),
        ("1:70", None),
        ("-5", None),
        ("abc", None),
        (None, None),
    ],
)
def test_durations(raw: str | None, seconds: int | None) -> None:
    assert apply(nz.seconds, [raw]) == [seconds]


def test_duration_expressions_match_the_batch_reader() -> None:
    # the pure expressions (an integer parse first, the regexes on the rest) read every value
    # as the step-by-step Series reader does, for whole seconds and scaled units alike
    raw = [
        "95",
        "007",
        "+5",
        "-5",
        "95.4",
        "95,5",
        "1:60",
        "10:00",
        "1:02:03",
        "1.",
        ".5",
        "x",
        "99999999999999999999",
        "9223372036854775807",
        "",
        None,
    ]
    for unit in (1.0, 0.001, 60.0):
        expected = nz.seconds_of(pl.Series(raw, dtype=pl.String), unit=unit).to_list()
        assert apply(lambda x, u=unit: nz.seconds(x, unit=u, cleaned=True), raw) == expected


def test_a_bare_column_and_an_expression_are_cleaned_alike() -> None:
    values = [" <НЕ ЗАПОЛНЕНО> ", "N/A", "nulls", "--", "\t0\n", " ", None, "x"]
    frame = pl.DataFrame({"a": values}, schema={"a": pl.String})
    bare = frame.select(nz.clean_text(pl.col("a"))).to_series().to_list()
    nested = frame.select(nz.clean_text(pl.col("a") + "")).to_series().to_list()
    assert bare == nested == [None, None, "nulls", "--", "0", None, None, "x"]


def test_cleaning_strips_every_white_space_around_a_placeholder() -> None:
    # a column is tested before it is stripped (one strip, for the value): every character
    # ``strip_chars`` removes counts as white space around a placeholder, an empty value or an
    # ID of zeros, and nothing else does (U+001C is no white space to polars)
    chars = "".join(chr(c) for c in range(0x3001) if chr(c).isspace() or c in (0x1C, 0x200B))
    values: list[str | None] = [None]
    for ch in chars:
        values += [ch, f"{ch}null{ch}", f"{ch}<НЕТ>", f"0{ch}", f"{ch}x{ch}", f"x{ch}y", f"{ch}12"]
    frame = pl.DataFrame({"a": values}, schema={"a": pl.String})
    stripped = pl.col("a").str.strip_chars()
    expected = frame.select(
        pl.when(~stripped.str.to_lowercase().is_in([*nz.PLACEHOLDERS, ""])).then(stripped)
    )
    assert frame.select(nz.clean_text(pl.col("a"))).equals(expected)
    has = stripped.str.contains(r"^0*$") | stripped.str.to_lowercase().is_in(list(nz.PLACEHOLDERS))
    assert frame.select(nz.has_id(pl.col("a"))).equals(frame.select(~has.fill_null(True)))


def test_milliseconds() -> None:
    assert apply(lambda x: nz.seconds(x, unit=0.001), ["95400", "499"]) == [95, 0]


@pytest.mark.parametrize(
    ("raw", "unix"),
    [
        ("2024-03-14T07:15:30+0000", 1710400530),
        ("2024-03-14T11:02:05+0300", 1710403325),
        ("2024-03-14T10:15:30+03:00", 1710400530),
        ("2024-03-14T10:15:30+03", 1710400530),
        ("2024-03-14T07:15:30Z", 1710400530),
        ("2024-03-14T07:15:30.000Z", 1710400530),
        ("2024-03-14T07:15Z", 1710400500),
        ("2024-03-14 02:15:30-0500", 1710400530),
    ],
)
def test_offsets_are_honoured(raw: str, unix: int) -> None:
    assert apply(lambda x: nz.iso_parts(x)[0], [raw]) == [unix]
    assert apply(lambda x: nz.iso_parts(x)[1], [raw]) == [None]


def test_naive_times_are_local_and_need_a_zone() -> None:
    naive = apply(
        lambda x: nz.localize(nz.iso_parts(x)[1], "Europe/Moscow"), ["2024-03-15 01:30:00"]
    )
    assert naive == [1710455400]  # the UTC date is the 14th
    assert apply(lambda x: nz.iso_parts(x)[0], ["2024-03-15 01:30:00"]) == [None]


def test_offset_false_reads_a_labelled_z_as_local_time() -> None:
    aware, naive = "aware", "naive"
    got = pl.DataFrame({"x": ["2024-03-14T10:15:30Z"]}).select(
        nz.iso_parts(pl.col("x"), offset=False)[0].alias(aware),
        nz.localize(nz.iso_parts(pl.col("x"), offset=False)[1], "Europe/Moscow").alias(naive),
    )
    assert got.row(0) == (None, 1710400530)


def test_impossible_dates_and_skipped_hours_are_null() -> None:
    assert apply(lambda x: nz.iso_parts(x)[1], ["2024-02-30 10:00:00", "junk"]) == [None, None]
    gap = apply(lambda x: nz.localize(nz.iso_parts(x)[1], "Europe/Berlin"), ["2024-03-31 02:30:00"])
    assert gap == [None]


def test_strptime_formats_and_unix_seconds() -> None:
    fmt = ("%d/%m/%Y %H:%M:%S",)
    local = apply(
        lambda x: nz.localize(nz.strptime_naive(x, fmt), "Europe/Moscow"), ["14/03/2024 10:15:30"]
    )
    assert local == [1710400530]
    assert apply(nz.unix_seconds, ["1710400530", "1710400530.0", "x"]) == [
        1710400530,
        1710400530,
        None,
    ]
    assert apply(lambda x: nz.unix_seconds(x, unit="ms"), ["1710400530123"]) == [1710400530]


def test_ids_are_digits_only_and_zero_means_none() -> None:
    values = [
        "1710312345678901234",
        "0",
        "000",
        "1052345678.1710312345",
        "1.7e18",
        "<не указано>",
        " 42 ",
        "007",
        "12345678901234567890",
        "123456789012345678901",
        "١٢٣",  # Arabic-Indic digits are not an ID
    ]
    assert apply(nz.digits_id, values) == [
        "1710312345678901234",
        None,
        None,
        None,
        None,
        None,
        "42",
        "007",
        "12345678901234567890",
        None,
        None,
    ]


def test_has_id_is_id_text_not_null() -> None:
    values = ["", "  ", "0", " 000 ", "<не заполнено>", "NULL", "n/a", "12", "0012", None, "x"]
    expected = apply(lambda x: nz.id_text(x).is_not_null(), values)
    assert apply(nz.has_id, values) == expected
    assert expected == [False] * 7 + [True, True, False, True]


def test_cleaned_input_gives_the_same_values() -> None:
    # nodes pass their raw text, cleaned once, with cleaned=True: same result as uncleaned input
    raw = [" 42 ", "<не указано>", "0:01:35", " https://e.ru/x ", "1710400530.0", "", None]
    for fn in (nz.digits_id, nz.url, nz.seconds, nz.unix_seconds, nz.money, nz.to_flag):
        cleaned = apply(lambda x, f=fn: f(nz.clean_text(x), cleaned=True), raw)
        assert cleaned == apply(fn, raw), fn.__name__


def test_yclid_comes_from_the_url() -> None:
    urls = [
        "https://example.ru/?utm_source=yandex&yclid=7312345678901234567",
        "https://example.ru/#yclid=12",
        "https://example.ru/?yclid=",
        "https://example.ru/?xyclid=5",
        "https://example.ru/?yclid=%20",
        "https://example.ru/?utm=yclid=5&yclid=6",
        None,
    ]
    assert apply(nz.url_param, urls) == ["7312345678901234567", "12", None, None, "%20", "6", None]


def test_flags_from_words_and_values() -> None:
    assert apply(nz.to_flag, ["true", "False", "1", "0", "Да", "нет", "maybe"]) == [
        1,
        0,
        1,
        0,
        1,
        0,
        None,
    ]
    assert apply(lambda x: nz.to_flag(x, invert=True), ["true", "false"]) == [0, 1]
    missed = apply(
        lambda x: nz.values_flag(x, zeros=["ANSWERED"], other=1), ["answered", "NO ANSWER", None]
    )
    assert missed == [0, 1, None]


def test_urls_and_money() -> None:
    assert apply(nz.url, ["https://e.ru/x", "e.ru/x", "/rec.mp3", "http://e.ru"]) == [
        "https://e.ru/x",
        None,
        None,
        "http://e.ru",
    ]
    assert apply(nz.money, ["1 500,50", "1500.50", "-3", "abc"]) == [1500.5, 1500.5, None, None]


def test_flag_words_match_in_any_letter_case() -> None:
    # exact spellings are looked up first, the rest lower-cased: the same verdicts as
    # comparing every value in lower case (ones before zeros)
    values = ["TRUE", "tRuE", "Да", "дА", "ИСТИНА", "No", "нЕт", "ſ", "SS", "ß", "Ǆ", "ǅ", "", None]
    words = {"ones": ["true", "да", "ß", "ǆ"], "zeros": ["no", "нет", "ss", "ß"]}
    lower = pl.col("x").str.to_lowercase()
    expected = apply(
        lambda x: (
            pl.when(lower.is_in([w.lower() for w in words["ones"]]))
            .then(pl.lit(1, pl.Int8))
            .when(lower.is_in([w.lower() for w in words["zeros"]]))
            .then(pl.lit(0, pl.Int8))
            .when(x.is_not_null())
            .then(pl.lit(7, pl.Int8))
        ),
        values,
    )
    assert apply(lambda x: nz.values_flag(x, **words, other=7, cleaned=True), values) == expected
    assert expected[:6] == [1, 1, 1, 1, 7, 0]
    truth = apply(lambda x: nz.to_flag(x, cleaned=True), values)
    assert truth == [1, 1, 1, 1, 1, 0, 0, None, None, None, None, None, None, None]

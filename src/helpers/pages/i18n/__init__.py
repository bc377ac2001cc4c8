"""Texts and number formats of the report in each of its languages.

Every sentence, label and status word lives in one keyed catalog per language
(``en.toml``, ``fr.toml`` beside this file); numbers, percentages, dates and month names
are formatted by Babel for the language's locale, never by hand. ``t`` looks a key up
and fills its placeholders; the ``format_*`` functions turn figures into text.

A text that depends on a number ("1 met", "2 atteints") is a table of CLDR plural forms
in the catalog: its entries are named after forms only (``one``, ``other``; ``other`` is
always there and stands for a form the table leaves out), and ``t_count`` picks the form Babel's plural rules give for the
number as written: English says "1 met" but "1.0 points"; French says "1,9 pt" and
"0 atteint", since its singular covers every number below 2.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import tomllib
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import get_month_names
from babel.numbers import NumberPattern, get_minus_sign_symbol, get_plus_sign_symbol

from helpers.core.params import LANGUAGES
from helpers.figures import verdicts

CATALOG_DIR = Path(__file__).resolve().parent

# British English: the committee reads day-first dates ("31 December 2022") in both languages.
LOCALES = {"en": "en_GB", "fr": "fr_FR"}
# The plural form every plural table of the catalogs holds, and the one a missing form
# falls back to.
OTHER_FORM = "other"


def check_language(lang: str) -> str:
    """Return ``lang`` if the report speaks it, else raise ``ValueError``."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


@cache
def load_catalog(lang: str) -> dict[str, str]:
    """The catalog of ``lang`` as a flat mapping of dotted keys to texts.

    Parameters
    ----------
    lang : str
        ``"en"`` or ``"fr"``.
    """
    check_language(lang)
    with (CATALOG_DIR / f"{lang}.toml").open("rb") as handle:
        return flatten_catalog(tomllib.load(handle))


def flatten_catalog(tree: dict, prefix: str = "") -> dict[str, str]:
    """Nested TOML tables turned into ``{"table.key": text}``."""
    flat: dict[str, str] = {}
    for name, value in tree.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(flatten_catalog(value, f"{key}."))
        else:
            flat[key] = str(value)
    return flat


def has_key(key: str, lang: str) -> bool:
    """True when the catalog of ``lang`` holds ``key``."""
    return key in load_catalog(lang)


# The plural forms of CLDR, which name the entries of a plural table.
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")


@cache
def list_plural_tables(lang: str) -> frozenset[str]:
    """The keys of the plural tables of ``lang``: tables whose entries are all plural
    forms, ``other`` among them (a table of names such as ``funding_type``, which has an
    entry ``other``, is not one)."""
    children: dict[str, set[str]] = {}
    for key in load_catalog(lang):
        stem, _, name = key.rpartition(".")
        children.setdefault(stem, set()).add(name)
    return frozenset(
        stem
        for stem, names in children.items()
        if OTHER_FORM in names and names <= set(PLURAL_FORMS)
    )


def list_text_keys(lang: str) -> set[str]:
    """The keys of the texts of ``lang``, a plural table counting as one key."""
    tables = list_plural_tables(lang)
    return {
        stem if (stem := key.rpartition(".")[0]) in tables else key for key in load_catalog(lang)
    }


def has_text(key: str, lang: str) -> bool:
    """True when the catalog of ``lang`` holds ``key`` as a text or as plural forms."""
    return key in load_catalog(lang) or key in list_plural_tables(lang)


def choose_plural_form(count: float | Decimal, lang: str) -> str:
    """The CLDR plural form of ``count`` in ``lang`` ("one", "many", "other", ...).

    Pass the number as it is written: ``Decimal("1.0")`` for "1.0", whose visible
    decimal makes it plural in English.
    """
    return locale_of(lang).plural_form(count)


def t_count(key: str, lang: str, number: float | Decimal, /, **kwargs: object) -> str:
    """The text of ``key`` in ``lang`` in the plural form that ``number`` calls for.

    ``key`` is a table of plural forms (``key.one``, ``key.other``, ...) or a plain
    text, which then serves every number. Placeholders are filled as by ``t`` (a
    placeholder may be called ``count``).
    """
    catalog = load_catalog(lang)
    if key not in list_plural_tables(lang):
        return t(key, lang, **kwargs)
    form = f"{key}.{choose_plural_form(number, lang)}"
    return t(form if form in catalog else f"{key}.{OTHER_FORM}", lang, **kwargs)


def t(key: str, lang: str, **kwargs: object) -> str:
    """The text of ``key`` in ``lang`` with its ``{placeholders}`` filled from ``kwargs``.

    A key missing from the catalog raises ``KeyError``: an untranslated text must stop
    the run rather than reach the committee as a bare key.
    """
    catalog = load_catalog(lang)
    try:
        text = catalog[key]
    except KeyError:
        raise KeyError(f"no text for {key!r} in the {lang} catalog") from None
    return text.format(**kwargs) if kwargs else text


def locale_of(lang: str) -> Locale:
    """The Babel locale that formats numbers and dates in ``lang``."""
    return Locale.parse(LOCALES[check_language(lang)])


def _apply(pattern: NumberPattern, value: float, lang: str, decimals: int) -> str:
    # Copy the locale's own pattern and only change the decimals, so grouping, the
    # decimal mark and the spacing around % stay the locale's.
    fixed = copy.copy(pattern)
    fixed.frac_prec = (decimals, decimals)
    return fixed.apply(value, locale_of(lang))


def format_number(value: float, lang: str, decimals: int = 0) -> str:
    """A number with the locale's grouping and decimal mark (1 234 / 1,234)."""
    return _apply(locale_of(lang).decimal_formats[None], value, lang, decimals)


def format_percent(value: float, lang: str, decimals: int = 1) -> str:
    """A share given as a fraction, as a percentage (0.312 -> 31,2 % / 31.2%)."""
    return _apply(locale_of(lang).percent_formats[None], value, lang, decimals)


def format_tick(value: float, lang: str, percent: bool = False) -> str:
    """A chart axis tick with as few decimals as it needs, three at most (0,025 / 2.5%)."""
    shown = value * 100 if percent else value
    decimals = next((d for d in range(4) if math.isclose(round(shown, d), shown, abs_tol=1e-9)), 3)
    if percent:
        return format_percent(value, lang, decimals)
    return format_number(value, lang, decimals)


def format_currency(value: float, lang: str, currency: str = "EUR", decimals: int = 0) -> str:
    """An amount of money in the locale's currency format (85 000 € / €85,000)."""
    pattern = copy.copy(locale_of(lang).currency_formats["standard"])
    pattern.frac_prec = (decimals, decimals)
    return pattern.apply(value, locale_of(lang), currency=currency, currency_digits=False)


def _signed(text: str, value: float, lang: str) -> str:
    if value > 0:
        return f"{get_plus_sign_symbol(locale_of(lang))}{text}"
    if value < 0:
        return f"{get_minus_sign_symbol(locale_of(lang))}{text}"
    return text


def format_change(value: float, lang: str, decimals: int = 1) -> str:
    """A relative change given as a fraction, signed (0.47 -> +47,0 % / +47.0%)."""
    return _signed(format_percent(abs(value), lang, decimals), _rounded(value, decimals + 2), lang)


def format_points(value: float, lang: str, decimals: int = 1, signed: bool = True) -> str:
    """A difference between two shares in percentage points, signed unless ``signed`` is
    false (+3,1 pts / +3.1 pp; 0,8 pt in French, whose singular runs below 2)."""
    shown = _rounded(abs(value) * 100, decimals)
    number = format_number(shown, lang, decimals)
    text = _signed(number, _rounded(value * 100, decimals), lang) if signed else number
    written = Decimal(f"{shown:.{decimals}f}") if math.isfinite(shown) else Decimal(0)
    return t_count("unit.points", lang, written, value=text)


def _rounded(value: float, decimals: int) -> float:
    # The sign follows the value as printed: -0.0001 shown as 0.0 carries no minus sign.
    return round(value, decimals) if math.isfinite(value) else value


def format_date(value: dt.date, lang: str, format: str = "long") -> str:
    """A date in the locale's words (31 décembre 2022 / 31 December 2022)."""
    return babel_format_date(value, format=format, locale=locale_of(lang))


def format_month(value: dt.date | int, lang: str, width: str = "wide") -> str:
    """The name of a month (a date or its number 1-12) in ``lang``, e.g. janvier / January."""
    number = value if isinstance(value, int) else value.month
    return get_month_names(width, context="stand-alone", locale=locale_of(lang))[number]


def format_month_year(value: dt.date, lang: str) -> str:
    """A month and its year, e.g. janv. 2022 / Jan 2022."""
    return babel_format_date(value, format="MMM y", locale=locale_of(lang))


def format_interval(low: float, high: float, lang: str, decimals: int = 1) -> str:
    """A 95 % interval of two shares, e.g. 28,5 % – 30,1 %."""
    return t(
        "interval.range",
        lang,
        low=format_percent(low, lang, decimals),
        high=format_percent(high, lang, decimals),
    )


def format_points_interval(low: float, high: float, lang: str, decimals: int = 1) -> str:
    """A 95 % interval of a difference of shares, in signed percentage points.

    It is printed with as many more decimals as it takes for its bounds to agree with
    the verdict drawn from them (``helpers.figures.verdicts.interval_decimals``): a clear
    difference never reads "0.0 pp to +2.0 pp".
    """
    decimals = verdicts.interval_decimals(low, high, decimals)
    return t(
        "interval.range",
        lang,
        low=format_points(low, lang, decimals),
        high=format_points(high, lang, decimals),
    )

"""Texts and number formats of the report in each of its languages.

Every sentence, label and status word lives in one keyed catalog per language
(``en.toml``, ``fr.toml`` beside this file); numbers, percentages, dates and month names
are formatted by Babel for the language's locale, never by hand. ``t`` looks a key up
and fills its placeholders; the ``format_*`` functions turn figures into text.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import tomllib
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import get_month_names
from babel.numbers import NumberPattern, get_minus_sign_symbol, get_plus_sign_symbol

CATALOG_DIR = Path(__file__).resolve().parent
LANGUAGES = ("en", "fr")
# British English: the committee reads day-first dates ("31 December 2022") in both languages.
LOCALES = {"en": "en_GB", "fr": "fr_FR"}


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


def format_points(value: float, lang: str, decimals: int = 1) -> str:
    """A difference between two shares, in signed percentage points (+3,1 pts / +3.1 pp)."""
    number = format_number(abs(value) * 100, lang, decimals)
    signed = _signed(number, _rounded(value * 100, decimals), lang)
    return t("unit.points", lang, value=signed)


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
    """A 95 % interval of a difference of shares, in signed percentage points."""
    return t(
        "interval.range",
        lang,
        low=format_points(low, lang, decimals),
        high=format_points(high, lang, decimals),
    )

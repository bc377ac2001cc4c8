"""The published figures and objectives as the report shows them.

A published figure is written in the locale's format with the decimals the report
printed (29 % stays 29 %, 31,2 % keeps its decimal); a source file is named by the
document it is (the 2022 mission report) beside its file name; a quoted passage is shown
as a quotation with its source.
"""

from __future__ import annotations

import math
from pathlib import Path

from helpers.pages import i18n
from helpers.pages.i18n import t
from helpers.pages.sections.markup import MISSING, escape

# Units written in percent, and how far apart their figures are told.
PERCENT_UNITS = ("share", "rate", "growth", "points")
MOST_DECIMALS = 3


def count_decimals(number: float) -> int:
    """The decimals a written number carries (31.2 -> 1, 29.0 -> 0), three at most."""
    for decimals in range(MOST_DECIMALS + 1):
        if math.isclose(number, round(number, decimals), abs_tol=1e-9 * max(1.0, abs(number))):
            return decimals
    return MOST_DECIMALS


def format_published(value: float, unit: str, lang: str) -> str:
    """A published figure as the report printed it, in the locale's format.

    Parameters
    ----------
    value : float
        Shares, rates, growths and points as fractions (0.312 for 31,2 %).
    unit : str
        A unit of the published_figures table (share, count, growth, eur, ...).
    lang : str
        The report's language.
    """
    if value is None or math.isnan(value):
        return MISSING
    if unit in PERCENT_UNITS:
        decimals = count_decimals(value * 100)
        if unit == "growth":
            return i18n.format_change(value, lang, decimals)
        if unit == "points":
            return i18n.format_points(value, lang, decimals)
        return i18n.format_percent(value, lang, decimals)
    decimals = count_decimals(value)
    if unit == "eur":
        return i18n.format_currency(value, lang, decimals=decimals)
    number = i18n.format_number(value, lang, decimals)
    if unit.startswith("kgco2e"):
        return t("unit.kg", lang, value=number)
    if unit == "ratio":
        return t("unit.times", lang, value=number)
    return number


def name_document(source: str, lang: str) -> str:
    """The title of the document a source id names ("2022 mission report"), as a reader
    cites it; an id the catalog does not know, as written."""
    key = f"document.{Path(source).stem}"
    if not i18n.has_key(key, lang):
        return source
    return t(key, lang)


def format_quote(quote: str, source: str, lang: str) -> str:
    """A quoted passage as a quotation, with the document it comes from under it."""
    if not quote:
        return f"<small>{escape(name_document(source, lang))}</small>"
    return (
        f'<q class="mr-quote">{escape(quote)}</q>'
        f"<br><small>{escape(name_document(source, lang))}</small>"
    )

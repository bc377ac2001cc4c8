"""The published figures and objectives as the report shows them.

A published figure is written in the locale's format with the decimals the report
printed (29 % stays 29 %, 31,2 % keeps its decimal); a source file is named by the
document it is (the 2022 mission report) beside its file name; a quoted passage is shown
as a quotation in the language of its document, followed by the report's own translation
when the page is in the other language, and cited as a reader cites it: the document's
title and the heading of the part that holds the passage.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from helpers.pages import i18n
from helpers.pages.i18n import t
from helpers.pages.sections.markup import MISSING, escape

if TYPE_CHECKING:
    from collections.abc import Mapping

# The language each published document is written in: its passages and its headings are
# in that language, whatever the page that quotes them.
DOCUMENT_LANGUAGES = {
    "impact_report_2020": "fr",
    "press_article_2021": "fr",
    "mission_report_2021": "en",
    "mission_report_2022": "fr",
    "mission_report_2023": "en",
}
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


def document_language(source: str) -> str | None:
    """The language a source id's document is written in; None for an unknown id."""
    return DOCUMENT_LANGUAGES.get(Path(source).stem)


def mark_language(text: str, text_lang: str | None) -> str:
    """``text`` as HTML, marked as written in ``text_lang`` when it is known (so that
    readers and checks of the page tell words of another language from the page's)."""
    if not text_lang:
        return escape(text)
    return f'<span lang="{escape(text_lang)}">{escape(text)}</span>'


def cite_document(source: str, section: str, lang: str) -> str:
    """The document of a passage as a reader cites it, in HTML: its title and, when
    known, the heading of its part, as the document writes it."""
    title = name_document(source, lang)
    if not section:
        return escape(title)
    # The heading stays in the document's language; the catalog places it.
    text = escape(t("quotation.cited", lang, document=title, section="\x00"))
    return text.replace("\x00", mark_language(section, document_language(source)))


def format_quote(
    quote: str, source: str, lang: str, section: str = "", translation: str = ""
) -> str:
    """A quoted passage as a quotation in its document's language, with the report's
    translation after it on a page in another language, and its citation under them."""
    citation = f"<small>{cite_document(source, section, lang)}</small>"
    if not quote:
        return citation
    quote_lang = document_language(source)
    marked = f' lang="{escape(quote_lang)}"' if quote_lang else ""
    html = f'<q{marked} class="mr-quote">{escape(quote)}</q>'
    if quote_lang and quote_lang != lang and translation:
        words = t("quotation.translation", lang, text=translation)
        html += f'<br><span class="mr-translation">{escape(words)}</span>'
    return f"{html}<br>{citation}"


def format_passage(figure: Mapping, lang: str) -> str:
    """The passage of a published figure (a row with its ``source``, ``section``,
    ``quote`` and ``translation``), as ``format_quote`` shows it."""
    return format_quote(
        text_of(figure.get("quote")),
        text_of(figure.get("source")),
        lang,
        text_of(figure.get("section")),
        text_of(figure.get("translation")),
    )


def text_of(value: object) -> str:
    """A text cell, empty when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)

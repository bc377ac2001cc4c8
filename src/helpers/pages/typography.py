"""French spacing on every French page, whatever wrote the words.

French typography sets a no-break space before the colon, the semicolon, the exclamation
and question marks and inside guillemets (« … »), so that a line never starts with
them, and groups the digits of a number by three with a narrow no-break space
(10 000). The catalogs write them so; the methods notes, the reference tables'
passages and translations and the notebooks' own text may not. ``typeset_page`` applies
them to the text of a finished French page (never to its styles, scripts, code, or to
words marked as written in another language), so the PDF, laid out from the pages,
has them too.
"""

from __future__ import annotations

import re

NO_BREAK = "\u00a0"
NARROW_NO_BREAK = "\u202f"
# A plain space (or none of the no-break kind) before a high punctuation mark or a
# closing guillemet, and after an opening one.
_BEFORE_MARK = re.compile(r"(?<!\s) (?=[:;!?»])")
_AFTER_GUILLEMET = re.compile(r"« ")
# A number whose groups of three digits are set apart by a space of another kind.
_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:[ \u00a0]\d{3})+(?![\d])")
# What is not French prose: styles, scripts, code, and any element marked with another
# language (a quoted passage, a heading cited in its document's words, a twin's link).
_KEPT = re.compile(
    r"<(style|script|code|pre)\b.*?</\1\s*>"
    r"|<(\w+)\b[^>]*\slang=\"(?!fr\")[^\"]*\"[^>]*>.*?</\2\s*>",
    re.DOTALL | re.IGNORECASE,
)
_TAG = re.compile(r"(<[^>]*>)")


def french_spacing(text: str) -> str:
    """``text`` (plain words) with French no-break spaces."""
    text = _BEFORE_MARK.sub(NO_BREAK, text)
    text = _AFTER_GUILLEMET.sub("«" + NO_BREAK, text)
    return _GROUPED.sub(lambda m: re.sub(r"[ \u00a0]", NARROW_NO_BREAK, m.group(0)), text)


def typeset_page(page: str, lang: str) -> str:
    """``page`` (HTML) with French spacing in its French text; other languages as given."""
    if lang != "fr":
        return page
    parts, start = [], 0
    for kept in _KEPT.finditer(page):
        parts += [space_text(page[start : kept.start()]), kept.group(0)]
        start = kept.end()
    parts.append(space_text(page[start:]))
    return "".join(parts)


def space_text(fragment: str) -> str:
    """An HTML fragment with French spacing in the text between its tags."""
    pieces = _TAG.split(fragment)
    return "".join(
        piece if index % 2 else french_spacing(piece) for index, piece in enumerate(pieces)
    )

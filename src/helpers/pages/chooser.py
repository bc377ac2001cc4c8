"""The year's front page, OUT/Y/index.html: a choice between the report's languages.

One small standalone page, in every language of the year at once (each part carries its
own ``lang``): the report's title and one large link per language to ``<lang>/index.html``,
named in that language, with ``hreflang``. It needs no script and nothing fetched, reads
at 390 px (the links stack) and prints as a plain list.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from helpers.pages import i18n

CHOOSER_CSS = """
:root { --ink: #1f2330; --accent: #5a3bd6; --paper: #fff; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, "Segoe UI", Roboto, Arial, "Liberation Sans", sans-serif;
  color: var(--ink); background: var(--paper); line-height: 1.5; }
main { max-width: 44rem; margin: 0 auto; padding: 3rem 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 0.25rem; }
h1 span { display: block; }
h1 span + span { font-size: 1.15rem; font-weight: 400; color: #4a4a48; }
.note { margin: 1rem 0 0; padding: 0.5rem 0.75rem; background: #fff4d6;
  border-left: 4px solid #b07d00; font-size: 0.95rem; }
ul { list-style: none; padding: 0; margin: 2rem 0 0; display: flex; flex-wrap: wrap;
  gap: 1rem; }
li { flex: 1 1 16rem; }
a { display: block; padding: 1.25rem 1.5rem; border: 2px solid var(--accent);
  border-radius: 0.5rem; color: var(--accent); text-decoration: none;
  font-size: 1.2rem; font-weight: 700; min-height: 44px; }
a small { display: block; font-size: 0.95rem; font-weight: 400; color: var(--ink); }
a:hover, a:focus-visible { background: var(--accent); color: #fff; }
a:hover small, a:focus-visible small { color: #fff; }
a:focus-visible { outline: 3px solid #b07d00; outline-offset: 3px; }
@media (max-width: 480px) { main { padding: 2rem 1rem; } h1 { font-size: 1.35rem; } }
@media print {
  main { padding: 0; }
  a { border: none; padding: 0.25rem 0; color: var(--ink); }
  a::after { content: " (" attr(href) ")"; font-weight: 400; font-size: 0.9rem; }
}
"""


def build_chooser(year: int, languages: Sequence[str], synthetic: bool = False) -> str:
    """The HTML of OUT/Y/index.html, linking ``<lang>/index.html`` for each language."""
    first = languages[0]
    titles = "".join(
        f'<span lang="{lang}">{_e(i18n.t("chooser.title", lang, year=year))}</span>'
        for lang in languages
    )
    notes = "".join(
        f'<p class="note" role="note" lang="{lang}">{_e(i18n.t("chooser.synthetic", lang))}</p>'
        for lang in languages
        if synthetic
    )
    links = "".join(
        f'<li><a href="{lang}/index.html" hreflang="{lang}" lang="{lang}">'
        f"{_e(i18n.t(f'twin.{lang}', lang))}"
        f"<small>{_e(i18n.t('chooser.lead', lang))}</small></a></li>"
        for lang in languages
    )
    label = " / ".join(i18n.t("chooser.label", lang) for lang in languages)
    alternates = "".join(
        f'<link rel="alternate" hreflang="{lang}" href="{lang}/index.html">' for lang in languages
    )
    title = " · ".join(i18n.t("chooser.title", lang, year=year) for lang in languages)
    return (
        f'<!DOCTYPE html>\n<html lang="{first}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">\n"
        f"<title>{_e(title)}</title>\n{alternates}\n<style>{CHOOSER_CSS}</style>\n</head>\n"
        f'<body>\n<main>\n<h1>{titles}</h1>\n{notes}\n<nav aria-label="{_e(label)}">'
        f"<ul>{links}</ul></nav>\n</main>\n</body>\n</html>\n"
    )


def _e(text: str) -> str:
    return html.escape(text, quote=True)

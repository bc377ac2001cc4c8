"""The year's report as one PDF document, ``mission-report-<year>-<lang>.pdf``.

The published reports are documents: this one is built from the report's own HTML pages,
already written, so that the PDF says exactly what the pages say. It opens on a cover
(the year, and the synthetic-data notice where it applies) and a table of contents with
page numbers, then the index's headline figures and findings, each section, the
objectives, the published-figure check and, as appendices, the methods and the run's
provenance. Navigation, buttons and links that only a screen can follow are left out;
links between pages become links inside the document.

WeasyPrint lays it out: it implements CSS paged media (page boxes with running headers
and page numbers, ``target-counter`` for the contents), which a browser's print does
not, embeds the fonts it uses and draws the SVG charts as vectors.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from helpers.pages import i18n
from helpers.pages.render import (
    INDEX_PAGE,
    METHODS_PAGE,
    TEMPLATE_NAME,
    TEMPLATES_DIR,
    Site,
    read_css,
)
from helpers.pages.sections.markup import NARROW_MEDIA, PRINT_MEDIA

PDF_CSS = TEMPLATES_DIR / TEMPLATE_NAME / "pdf.css"
# The variable of reproducible-builds.org that the font subsetter reads its clock from.
EPOCH_VARIABLE = "SOURCE_DATE_EPOCH"
# Accessible PDF (ISO 14289-1): a structure tree, the language, the title shown.
PDF_VARIANT = "pdf/ua-1"
# Elements that only a screen uses: links to this document, to the pages, to other
# years, to the charts' figures, and the phone's chart sources.
SCREEN_ONLY = (
    ".edition",
    ".page-contents",
    ".section-list",
    ".other-years",
    ".skip-link",
    "a.mr-data",
    "source",
)
# The index's folded provenance block: unfolded, it is the last appendix.
ABOUT_BLOCK = "details.about"
NOTEBOOK_WRAPPER = re.compile(r"^jp-")
# The heading of a page's own list of its parts (the methods notes have one).
PAGE_CONTENTS_ID = "contents"
# The methods page's paragraphs that speak of its listing, and what the document says
# in their place (``write_for_readers``).
READER_TEXTS = {
    "mr-definitions-intro": "methods_pdf.definitions_intro",
    "mr-groups-intro": "methods_pdf.groups_intro",
}
# The pages' own style blocks, each once, in the order met (filled by ``rewrite``).
STYLES: dict[str, None] = {}


class EngineMissing(Exception):
    """The system libraries that lay out the PDF are not installed; str() says which."""


def one_line(error: Exception) -> str:
    return " ".join(str(error).split())[:200]


def pdf_name(year: int, lang: str) -> str:
    """The PDF edition's file name, e.g. ``mission-report-2022-en.pdf``."""
    return f"mission-report-{year}-{lang}.pdf"


@dataclass(frozen=True)
class Chapter:
    """One page of the report as a part of the document."""

    page: str
    label: str
    body: str
    headings: tuple[tuple[str, str], ...]
    appendix: bool = False

    @property
    def anchor(self) -> str:
        return page_anchor(self.page)


def page_anchor(page: str) -> str:
    return f"page-{Path(page).stem}"


def build_pdf(folder: Path, site: Site, pages: Sequence[str], committee: object = None) -> Path:
    """Write the PDF edition of the report whose HTML pages are in ``folder``.

    Parameters
    ----------
    folder : Path
        The report folder, holding ``index.html``, ``pages`` and ``methods.html``.
    site : Site
        The report the pages belong to.
    pages : sequence of str
        The section pages in reading order (the objectives and published figures last).
    committee : Committee, optional
        The committee's texts of the year: the cover gives the release date, or names the
        publication particulars that are missing.
    """
    try:
        import weasyprint
    except OSError as error:  # WeasyPrint loads Pango when imported
        raise EngineMissing(
            "the PDF edition needs Pango, which WeasyPrint could not load "
            f"({one_line(error)}); on Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0"
        ) from error
    from helpers.pages.pdf_tags import pdf_ua_tagging

    document = compose_document(folder, site, pages, committee)
    target = folder / pdf_name(site.year, site.lang)
    with pdf_ua_tagging(), fonts_dated(site.edition_date):
        # Tagged for PDF/UA-1; the file identifier (/ID) is a hash of the content, so
        # that the same report gives the same bytes.
        weasyprint.HTML(string=document, base_url=str(folder)).write_pdf(
            target, pdf_variant=PDF_VARIANT, pdf_identifier=True
        )
    return target


@contextmanager
def fonts_dated(edition_date: str) -> Iterator[None]:
    """While open, the fonts the PDF embeds are stamped with ``edition_date`` (ISO; the
    start of 1970 when empty) instead of the clock.

    Each embedded font is a subset that fontTools writes with a "modified" time, read
    from ``SOURCE_DATE_EPOCH`` when set and from the clock otherwise: two builds of the
    same report would differ in those bytes and the checksums beside them."""
    moment = dt.datetime.fromisoformat(edition_date or "1970-01-01").replace(tzinfo=dt.UTC)
    before = os.environ.get(EPOCH_VARIABLE)
    os.environ[EPOCH_VARIABLE] = str(int(moment.timestamp()))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(EPOCH_VARIABLE, None)
        else:
            os.environ[EPOCH_VARIABLE] = before


def compose_document(
    folder: Path, site: Site, pages: Sequence[str], committee: object = None
) -> str:
    """The HTML document the PDF is laid out from."""
    known = [INDEX_PAGE, *pages, METHODS_PAGE]
    STYLES.clear()
    index, about = read_index(folder / INDEX_PAGE, known, site)
    chapters = [index]
    for page in pages:
        chapters.append(read_chapter(folder / page, site.label_of(page), known))
    if (folder / METHODS_PAGE).is_file():
        methods = read_chapter(
            folder / METHODS_PAGE, site.label_of(METHODS_PAGE), known, readers=site.lang
        )
        chapters.append(replace(methods, appendix=True))
    chapters.append(about)
    lang = site.lang
    body = "\n".join(
        [
            format_cover(site, committee),
            format_contents(chapters, lang),
            *(format_chapter(c, lang) for c in chapters),
        ]
    )
    css = "\n".join([read_css(), *STYLES, PDF_CSS.read_text(encoding="utf-8"), page_rules(site)])
    # The document's metadata (its info and XMP): who publishes it and the edition's date,
    # never the time it was laid out.
    dated = (
        f'<meta name="dcterms.created" content="{_e(site.edition_date)}">'
        if site.edition_date
        else ""
    )
    return (
        f'<!DOCTYPE html><html lang="{_e(lang)}"><head><meta charset="utf-8">'
        f"<title>{_e(site.title)}</title>"
        f'<meta name="author" content="{_e(i18n.t("pdf.kicker", lang))}">{dated}'
        f"<style>{css}</style></head>"
        f"<body>{body}</body></html>"
    )


def read_index(path: Path, known: Sequence[str], site: Site) -> tuple[Chapter, Chapter]:
    """The index as the document's first chapter, and its provenance as the last one."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    main = soup.find("main")
    title = main.find("h1")
    if title is not None:
        title.decompose()  # the cover carries it
    about_block = main.select_one(ABOUT_BLOCK)
    about_parts = []
    if about_block is not None:
        about_block.summary.decompose()  # the appendix's title says it
        about_parts = [str(child) for child in about_block.children]
        about_block.decompose()
    for selector in SCREEN_ONLY:
        for element in main.select(selector):
            heading = element.find_previous_sibling("h2")
            if element.name == "ul" and heading is not None:
                heading.decompose()  # "Sections": the contents list them with pages
            element.decompose()
    lang = site.lang
    index = Chapter(
        INDEX_PAGE,
        i18n.t("page.index", lang),
        rewrite(main, INDEX_PAGE, known),
        list_headings(main),
    )
    about = Chapter(
        "about.html",
        i18n.t("index.about_title", lang),
        "\n".join(about_parts),
        (),
        appendix=True,
    )
    return index, about


def read_chapter(path: Path, label: str, known: Sequence[str], readers: str = "") -> Chapter:
    """A page's main content as a chapter: its own title dropped (the chapter is titled
    with the page's label), screen-only pieces removed, ids and links made unique. With
    ``readers`` (a language), the methods page is written for readers of the document
    (``write_for_readers``)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    main = soup.find("main")
    take_print_drawings(main)
    for selector in SCREEN_ONLY:
        for element in main.select(selector):
            element.decompose()
    if readers:
        write_for_readers(main, readers)
    first = main.find("h1")
    if first is not None:
        first.decompose()
    own = main.find(id=PAGE_CONTENTS_ID)
    if own is not None:  # the document's contents list the page's parts with their pages
        listing = own.find_next_sibling()
        if listing is not None and listing.name in ("ol", "ul"):
            listing.decompose()
        own.decompose()
    return Chapter(path.name, label, rewrite(main, path.name, known), list_headings(main))


def take_print_drawings(main) -> None:
    """Each chart shows the drawing made for the printed page: the ``print`` source of
    its ``picture`` (or its image, when drawn for print already), or, for a chart in a
    grid of two (half the text width, about a phone's), the phone's drawing; the
    screen's drawing stays where there is neither."""
    for picture in main.find_all("picture"):
        image = picture.find("img")
        if image is None:
            continue
        sources = {s.get("media", ""): s.get("srcset", "") for s in picture.find_all("source")}
        printed = sources.get(PRINT_MEDIA)
        if picture.find_parent(class_="mr-grid") is not None:
            printed = sources.get(NARROW_MEDIA, printed)
        if printed:
            image["src"] = printed
        if printed or "mr-chart-print" in image.get("class", []):
            image["class"] = [c for c in image.get("class", []) if c != "mr-chart-print"]
            image["class"].append("mr-chart-print")


def write_for_readers(main, lang: str) -> None:
    """The methods page as the document's appendix: what each figure means and how it is
    read, without the listing that serves analysts (which the HTML page and the KPI
    dictionary keep). Each metric keeps its name and definition, without its id, the
    function that computes it and the columns it reads; the chapters about the report's
    files go; a category's rule written as columns and values refers to the chapter that
    gives it in words; any other name of the data (a metric, a group, a value) reads as
    its label in the report's language."""
    from helpers.pages.methods_page import FILE_CHAPTERS, RULE_CLASS

    for facts in main.select(".mr-entry dl"):
        facts.decompose()
    for name in main.select(".mr-entry h4 code"):
        name.decompose()
    for heading in main.find_all("h2"):
        if heading.get("id") in FILE_CHAPTERS:
            drop_chapter(heading)
    for rule in main.select(f".{RULE_CLASS}"):
        rule.string = i18n.t("methods_pdf.rule_in_words", lang)
    for css, key in READER_TEXTS.items():
        for paragraph in main.select(f"p.{css}"):
            paragraph.string = i18n.t(key, lang)
    for code in main.find_all("code"):
        code.replace_with(name_code(code.get_text(), lang))


def drop_chapter(heading) -> None:
    """Remove a second-level heading and everything up to the next one."""
    for sibling in list(heading.find_next_siblings()):
        if sibling.name in ("h1", "h2"):
            break
        sibling.decompose()
    heading.decompose()


def name_code(code: str, lang: str) -> str:
    """A name of the data as a reader reads it: a metric's label, a group's name, or the
    words of the name (``no_diploma`` reads "no diploma")."""
    from helpers.pages.methods_page import name_segment

    for key in (f"metric.{code}", f"segment.{code}"):
        if i18n.has_key(key, lang):
            return name_segment(code, lang) if key.startswith("segment.") else i18n.t(key, lang)
    return code.replace("_", " ")


def list_headings(main) -> tuple[tuple[str, str], ...]:
    """The second-level headings of a chapter, (id as rewritten, text), for the contents."""
    return tuple(
        (h["id"], " ".join(h.get_text(" ").split())) for h in main.find_all("h2") if h.get("id")
    )


def rewrite(main, page: str, known: Sequence[str]) -> str:
    """``main``'s children as HTML, with ids prefixed by the page and links between the
    report's pages turned into links inside the document. Style blocks, which every
    output of a notebook repeats, are gathered once in the document's head instead."""
    stem = Path(page).stem
    # The notebook's cell and output wrappers carry nothing a page needs: without them
    # the layout has a third of the boxes to place.
    for wrapper in main.find_all("div", class_=NOTEBOOK_WRAPPER):
        wrapper.unwrap()
    for style in main.find_all("style"):
        STYLES.setdefault(style.get_text(), None)
        style.decompose()
    for number, heading in enumerate(main.find_all("h2")):
        heading.attrs.setdefault("id", f"part-{number + 1}")
    for element in main.find_all(id=True):
        element["id"] = f"{stem}--{element['id']}"
    for link in main.find_all("a", href=True):
        link["href"] = internal_target(link["href"], stem, known)
    return "".join(str(child) for child in main.children)


def internal_target(href: str, stem: str, known: Sequence[str]) -> str:
    """Where a link of page ``stem`` points inside the document (unchanged if outside)."""
    if href.startswith("#"):
        return f"#{stem}--{href[1:]}"
    target, _, fragment = href.partition("#")
    if target in known:
        other = Path(target).stem
        return f"#{other}--{fragment}" if fragment else f"#{page_anchor(target)}"
    return href


def format_cover(site: Site, committee: object = None) -> str:
    from helpers.pages.committee_page import format_cover_particulars

    lang = site.lang
    notice = (
        f'<p class="cover-notice">{_e(i18n.t("page.synthetic_banner", lang))}</p>'
        if site.synthetic
        else ""
    )
    from helpers.pages.render import format_edition

    # The committee's release date, when it gives one, is the edition's date already.
    released = committee is not None and "release_date" in getattr(committee, "release", {})
    edition = (
        f'<p class="cover-edition">'
        f"{_e(i18n.t('pdf.edition', lang, date=format_edition(site.edition_date, lang)))}</p>"
        if site.edition_date and not released
        else ""
    )
    return (
        '<section class="cover">'
        f'<p class="cover-kicker">{_e(i18n.t("pdf.kicker", lang))}</p>'
        f'<h1 class="cover-title">{_e(site.title)}</h1>'
        f'<p class="cover-year">{site.year}</p>'
        f"{notice}"
        f"{format_cover_particulars(committee, lang)}"
        f"{edition}"
        "</section>"
    )


def format_contents(chapters: Sequence[Chapter], lang: str) -> str:
    """The table of contents: each chapter and its parts, with their page numbers."""
    items = []
    appendix_open = False
    for chapter in chapters:
        if chapter.appendix and not appendix_open:
            items.append(f'<li class="toc-group">{_e(i18n.t("pdf.appendices", lang))}</li>')
            appendix_open = True
        parts = "".join(
            f'<li><a href="#{_e(anchor)}">{_e(text)}</a></li>' for anchor, text in chapter.headings
        )
        sub = f"<ol>{parts}</ol>" if parts else ""
        items.append(
            f'<li class="toc-chapter"><a href="#{chapter.anchor}">{_e(chapter.label)}</a>{sub}</li>'
        )
    return (
        '<nav class="contents">'
        f"<h1>{_e(i18n.t('pdf.contents', lang))}</h1><ol>{''.join(items)}</ol></nav>"
    )


def format_chapter(chapter: Chapter, lang: str) -> str:
    css = "chapter appendix" if chapter.appendix else "chapter"
    return (
        f'<section class="{css}" id="{chapter.anchor}">'
        f'<h1 class="chapter-title">{_e(chapter.label)}</h1>{chapter.body}</section>'
    )


def page_rules(site: Site) -> str:
    """The page boxes' texts, in the report's language: the title in the header, the page
    number and, for synthetic data, a reminder in the footer."""
    lang = site.lang
    number = css_string(i18n.t("pdf.page_number", lang, page="\0page\0", pages="\0pages\0"))
    number = number.replace("\0page\0", '" counter(page) "').replace(
        "\0pages\0", '" counter(pages) "'
    )
    footer_left = css_string(i18n.t("pdf.synthetic_footer", lang)) if site.synthetic else '""'
    return (
        "\n@page {"
        f" @top-left {{ content: {css_string(site.title)}; }}"
        " @top-right { content: string(chapter); }"
        f" @bottom-right {{ content: {number}; }}"
        f" @bottom-left {{ content: {footer_left}; }}"
        " }\n"
    )


def css_string(text: str) -> str:
    """``text`` as a CSS string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\n\r]", " ", escaped)
    return f'"{escaped}"'


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)

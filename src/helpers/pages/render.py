"""The report's HTML pages: executed notebooks, the methods notes and the index.

Every page shares one chrome (``templates/committee``): a header linking the pages, a
banner when the data is synthetic, a footer with the run's provenance. Pages are
standalone and read offline: images are embedded, fonts are the system's, a Content
Security Policy forbids any fetch or script, and ``make_offline`` removes any script a
notebook output might carry. Notebook pages show outputs only: code, prompts, the
papermill parameter cells, cells tagged ``analyst-note``, stderr streams and the
notebook's metadata are left out.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.pages import i18n
from helpers.pages.typography import typeset_page

if TYPE_CHECKING:
    from nbformat import NotebookNode

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "committee"
CSS_FILE = TEMPLATES_DIR / TEMPLATE_NAME / "committee.css"
INDEX_PAGE = "index.html"
METHODS_PAGE = "methods.html"
# Cells the committee never sees: the declared and the injected parameters, and notes
# analysts leave for each other.
REMOVED_CELL_TAGS = frozenset({"parameters", "injected-parameters", "analyst-note"})

# A page with this many second-level headings opens with a list of them.
CONTENTS_MINIMUM = 3
_HEADING = re.compile(r"<h2(?P<attrs>[^>]*)>(?P<text>.*?)</h2>", re.DOTALL)
_SCRIPT = re.compile(r"<script\b.*?</script\s*>|<script\b[^>]*/>", re.IGNORECASE | re.DOTALL)
_REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.IGNORECASE)
_REMOTE_IMPORT = re.compile(r"@import\s+(?:url\()?[\"']?(?:https?:)?//[^;]*;", re.IGNORECASE)
_REMOTE_REFERENCE = re.compile(
    r"<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*"
    r"\b(?:src|href|data)\s*=\s*[\"']?(?:https?:)?//[^\s\"'>]+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Site:
    """What every page of one report shares: its pages, its language and provenance.

    Attributes
    ----------
    year, lang : int, str
        The report year and language.
    synthetic : bool
        The data was generated: every page carries a banner saying so.
    pages : tuple of (file name, label)
        The pages in navigation order (sections, then the methods notes).
    dataset, fingerprint : str
        The dataset's folder name and fingerprint.
    code_version : str
        The git commit (when known) and the hash of the code.
    parameters : dict
        The parameters shown in the footer (no paths).
    edition_date : str
        The date the report carries, ISO (``helpers.run.edition``), empty when none:
        never the time of the run, so that the same inputs give the same pages.
    twins : tuple of str
        The other languages whose report of the year sits beside this one
        (``../<lang>/``), published or built by the same run: every page links to its
        twin page in each.
    """

    year: int
    lang: str
    synthetic: bool
    pages: tuple[tuple[str, str], ...]
    dataset: str
    fingerprint: str
    code_version: str
    parameters: dict[str, Any] = field(default_factory=dict)
    edition_date: str = ""
    twins: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return i18n.t("page.report_title", self.lang, year=self.year)

    def label_of(self, page: str) -> str:
        return dict(self.pages).get(page, self.title)


@dataclass(frozen=True)
class RenderedNotebook:
    """A notebook page and what was left out of it."""

    html: str
    hidden_stderr: int


def render_notebook(nb: NotebookNode, site: Site, page: str) -> RenderedNotebook:
    """The standalone HTML page of an executed section notebook.

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook (left unchanged).
    site : Site
        The report the page belongs to.
    page : str
        The page's file name, e.g. ``funnel.html``.
    """
    published, hidden = prepare_for_publication(nb)
    chrome = build_chrome(site, page)
    body, _ = build_exporter().from_notebook_node(published, resources={"chrome": chrome})
    body = typeset_page(add_page_contents(body, site.lang), site.lang)
    return RenderedNotebook(html=make_offline(body), hidden_stderr=hidden)


def add_page_contents(page: str, lang: str) -> str:
    """``page`` with an anchor on each second-level heading and, when it has at least
    ``CONTENTS_MINIMUM`` of them, a list of links to them before the first (a page that
    lists its contents already, as the methods page does, keeps its own)."""
    headings: list[tuple[str, str]] = []

    def anchor(match: re.Match) -> str:
        attrs, text = match.group("attrs"), match.group("text")
        found = re.search(r'\bid="([^"]+)"', attrs)
        plain = " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())
        ident = found.group(1) if found else f"part-{slugify(plain)}"
        headings.append((ident, plain))
        return match.group(0) if found else f'<h2 id="{ident}"{attrs}>{text}</h2>'

    anchored = _HEADING.sub(anchor, page)
    if len(headings) < CONTENTS_MINIMUM or 'id="contents"' in anchored:
        return anchored
    links = "".join(
        f'<li><a href="#{html.escape(ident)}">{html.escape(text)}</a></li>'
        for ident, text in headings
    )
    label = html.escape(i18n.t("page.on_this_page", lang))
    nav = f'<nav class="page-contents" aria-label="{label}"><p>{label}</p><ol>{links}</ol></nav>'
    first = _HEADING.search(anchored)
    return anchored[: first.start()] + nav + anchored[first.start() :]


def render_page(body: str, site: Site, page: str, page_class: str = "") -> str:
    """A standalone page around ``body`` (HTML), with the report's chrome."""
    chrome = build_chrome(site, page)
    chrome["page_class"] = page_class
    template = page_environment().get_template("page.html.j2")
    return make_offline(typeset_page(template.render(chrome=chrome, body=body), site.lang))


def build_chrome(site: Site, page: str) -> dict[str, Any]:
    """The texts and links of the header, banner and footer of ``page``."""
    lang = site.lang
    is_index = page == INDEX_PAGE
    label = site.title if is_index else f"{site.label_of(page)} · {site.title}"
    return {
        "lang": lang,
        "title": label,
        "css": read_css(),
        "site_title": site.title,
        "index_href": INDEX_PAGE,
        "is_index": is_index,
        "nav_label": i18n.t("page.nav_label", lang),
        "nav": [
            {"href": name, "label": text, "current": name == page} for name, text in site.pages
        ],
        "banner": i18n.t("page.synthetic_banner", lang) if site.synthetic else "",
        "back_label": i18n.t("page.back_to_index", lang),
        "skip_label": i18n.t("page.skip_link", lang),
        "provenance": describe_provenance(site),
        "about_label": i18n.t("page.footer.about", lang),
        "edition_label": i18n.t("page.footer.edition", lang),
        "edition_date": site.edition_date,
        "edition_text": format_edition(site.edition_date, lang),
        "twins": [
            {"lang": twin, "href": f"../{twin}/{page}", "label": i18n.t(f"twin.{twin}", twin)}
            for twin in site.twins
        ],
    }


def describe_provenance(site: Site) -> list[dict[str, str]]:
    """The About block's label/value pairs: dataset, code version, the report's settings,
    in words (no ``key = value`` parameter dump)."""
    lang = site.lang
    dataset = i18n.t(
        "page.footer.dataset_value", lang, name=site.dataset, fingerprint=site.fingerprint[:12]
    )
    return [
        {"label": i18n.t("page.footer.dataset", lang), "value": dataset},
        {"label": i18n.t("page.footer.code", lang), "value": site.code_version},
        {"label": i18n.t("page.footer.parameters", lang), "value": describe_settings(site)},
    ]


def describe_settings(site: Site) -> str:
    """The run's parameters as a sentence: "the 2022 report, in English, counts under 10
    withheld"."""
    parameters = site.parameters
    return i18n.t(
        "page.footer.parameters_value",
        site.lang,
        year=parameters.get("year", site.year),
        language=i18n.t(f"language.{parameters.get('lang', site.lang)}", site.lang),
        min_cell=parameters.get("min_cell", ""),
    )


def format_edition(iso_date: str, lang: str) -> str:
    """The edition's ISO date as the locale writes it, e.g. 31 March 2023; empty without."""
    if not iso_date:
        return ""
    return i18n.format_date(date.fromisoformat(iso_date), lang)


def prepare_for_publication(nb: NotebookNode) -> tuple[NotebookNode, int]:
    """A copy of ``nb`` holding only what the committee reads, and the number of stderr
    outputs dropped (warnings belong in the executed notebook, not on the page)."""
    published = copy.deepcopy(nb)
    published.metadata = type(nb.metadata)()
    kept = []
    hidden = 0
    for cell in published.cells:
        if REMOVED_CELL_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        cell.metadata = type(cell.metadata)()
        # Cell ids become anchors; papermill's are random, so number them instead.
        cell.id = f"cell-{len(kept) + 1}"
        cell.pop("attachments", None)
        if cell.cell_type == "code":
            outputs = [o for o in cell.outputs if not _is_stderr(o)]
            hidden += len(cell.outputs) - len(outputs)
            cell.outputs = outputs
            if not outputs:
                continue  # an empty cell would leave an empty block on the page
        kept.append(cell)
    published.cells = kept
    return published, hidden


def _is_stderr(output: dict[str, Any]) -> bool:
    return output.get("output_type") == "stream" and output.get("name") == "stderr"


def make_offline(page: str) -> str:
    """``page`` without scripts and without stylesheets fetched from the network."""
    page = _SCRIPT.sub("", page)
    page = _REMOTE_LINK.sub("", page)
    return _REMOTE_IMPORT.sub("", page)


def find_remote_references(page: str) -> list[str]:
    """Every element of ``page`` that would fetch something from the network."""
    return [m.group(0) for m in _REMOTE_REFERENCE.finditer(page)] + [
        m.group(0) for m in _REMOTE_IMPORT.finditer(page)
    ]


def markdown_to_html(text: str) -> str:
    """Markdown as HTML; each heading gets an ``id`` (its GitHub-style slug) to link to."""
    import mistune

    class AnchoredHeadings(mistune.HTMLRenderer):
        def heading(self, text: str, level: int, **attrs: Any) -> str:
            anchor = slugify(html.unescape(re.sub(r"<[^>]+>", "", text)))
            return f'<h{level} id="{anchor}">{text}</h{level}>\n'

    markdown = mistune.create_markdown(
        renderer=AnchoredHeadings(escape=False), plugins=["table", "strikethrough", "footnotes"]
    )
    # The report's tables, written as the pages' own: headers scoped, a title as caption.
    markdown.renderer.register(
        "table", lambda _, body: f'<table class="mr-table">\n{body}</table>\n'
    )
    markdown.renderer.register("table_cell", render_table_cell)
    markdown.renderer.register("table_row", render_table_row)
    return caption_tables(markdown(text))


def render_table_cell(_: Any, text: str, align: str | None = None, head: bool = False) -> str:
    style = f' style="text-align:{align}"' if align else ""
    if head:
        return f'<th scope="col"{style}>{text}</th>\n'
    return f"<td{style}>{text}</td>\n"


def render_table_row(_: Any, text: str) -> str:
    """A body row whose first cell heads it, as in the pages' other tables."""
    text = re.sub(r"^<td([^>]*)>(.*?)</td>", r'<th scope="row"\1>\2</th>', text, count=1)
    return f"<tr>\n{text}</tr>\n"


def caption_tables(html_text: str) -> str:
    """A paragraph ``: Title`` just before a table (Pandoc's caption syntax) becomes its
    caption (the pages' tests require every table to have one)."""
    return re.sub(
        r'<p>: (.+?)</p>\s*<table class="mr-table">',
        r'<table class="mr-table"><caption class="mr-table-title">\1</caption>',
        html_text,
    )


def slugify(text: str) -> str:
    """A heading's anchor as GitHub writes it: lower case, punctuation dropped, spaces
    as hyphens (``Funnel — rates`` -> ``funnel--rates``)."""
    kept = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return kept.replace(" ", "-")


@cache
def read_css() -> str:
    return CSS_FILE.read_text(encoding="utf-8")


@cache
def build_exporter() -> Any:
    """nbconvert's HTML exporter with the report's template; built once per process
    (loading the templates is the slow part)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES_DIR)]
    )
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    # Pygments styles only serve code, and no code is shown.
    exporter.register_preprocessor(
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor", enabled=False
    )
    return exporter


@cache
def page_environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR / TEMPLATE_NAME)),
        autoescape=False,  # the templates escape every text they insert
        keep_trailing_newline=True,
    )


def add_twin_links(page: str, name: str, twins: Sequence[str]) -> str:
    """``page`` (the report's page ``name``) linking to its twin page in each language of
    ``twins`` it does not link to yet, as the chrome writes those links: a report
    published before its twin gains the links when the twin is built."""
    head, header = "", ""
    for twin in twins:
        href = f"../{twin}/{name}"
        if f'<link rel="alternate" hreflang="{html.escape(twin)}"' in page:
            continue
        head += (
            f'\n<link rel="alternate" hreflang="{html.escape(twin)}" href="{html.escape(href)}">'
        )
        label = html.escape(i18n.t(f"twin.{twin}", twin))
        header += (
            f'\n    <a class="twin-link" href="{html.escape(href)}" hreflang="{html.escape(twin)}"'
            f' lang="{html.escape(twin)}">{label}</a>'
        )
    title_end = page.find("</title>")
    header_at = page.find('class="report-header"')
    nav_end = page.find("</nav>", header_at) if header_at >= 0 else -1
    if not head or title_end < 0 or nav_end < 0:
        return page
    title_end += len("</title>")
    nav_end += len("</nav>")
    return page[:title_end] + head + page[title_end:nav_end] + header + page[nav_end:]


def write_page(text: str, path: Path) -> None:
    """Write a page as UTF-8 with Unix line ends (identical bytes for identical pages)."""
    path.write_text(text, encoding="utf-8", newline="\n")

"""The committee's own words on the pages: its opinion, the foreword, its recommendations
and their follow-up, and the publication's particulars.

The texts come checked from the committee's folder (``helpers.intake.committee``): Markdown
holding neither raw HTML nor outside images nor links other than ``https:``/``mailto:``.
They are rendered here as text and structure only (CommonMark with HTML turned off, an
image becoming its alternative text, headings placed under the page's own). A text missing
in the reader's language is shown in the language it has, with that language on its
element and a note, in the reader's language, that it is not translated. The figure that
measures a recommendation is read from the KPI file, linked to the page that shows it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from helpers.figures import registry
from helpers.pages import i18n
from helpers.pages.render import Site, render_page

COMMITTEE_PAGE = "committee.html"
# The committee's own headings sit under the page's h2 (or the index's): "#" becomes h3.
HEADING_SHIFT = 2
STATUS_ORDER = ("new", "in_progress", "done", "dropped")
PARTICULARS = ("release_date", "next_release", "contact", "licence", "revision_policy", "status")


def render_markdown(text: str) -> str:
    """HTML of a checked committee text: structure and text only."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False})
    tokens = parser.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(6, int(token.tag[1]) + HEADING_SHIFT)
            token.tag = f"h{level}"
        for child in token.children or ():
            if child.type == "image":
                # Text only: an image is its alternative text.
                child.type = "text"
                child.content = child.content or "".join(c.content for c in child.children or ())
                child.children = None
    return parser.renderer.render(tokens, parser.options, {})


def format_text(committee: Any, kind: str, lang: str) -> str:
    """A committee text for a reader of ``lang``: as written in ``lang``, or in the language
    it has with its ``lang`` and a note that it is not translated; empty when not written."""
    found = committee.text(kind, lang) if committee is not None else None
    if found is None:
        return ""
    text, written = found
    note = ""
    if written != lang:
        note = (
            f'<p class="not-translated">'
            f"{_e(i18n.t('committee.not_translated', lang, language=i18n.t(f'language.{written}', lang)))}"
            "</p>"
        )
    return f'{note}<div class="committee-text" lang="{_e(written)}">{render_markdown(text)}</div>'


def format_field(row: Mapping[str, Any], column: str, lang: str) -> str:
    """A recommendation's text in ``lang``, or the other language's, marked."""
    own = row.get(f"{column}_{lang}")
    if own:
        return _e(own)
    for other in i18n.LANGUAGES:
        text = row.get(f"{column}_{other}")
        if other != lang and text:
            marker = i18n.t("committee.not_translated_short", lang)
            return f'<span lang="{_e(other)}">{_e(text)}</span> <span class="not-translated">({_e(marker)})</span>'
    return ""


def format_example_notice(committee: Any, lang: str) -> str:
    if committee is None or not committee.example:
        return ""
    return f'<p class="committee-example">{_e(i18n.t("committee.example", lang))}</p>'


def format_figure(row: Mapping[str, Any], kpis: pd.DataFrame, lang: str, pages: set[str]) -> str:
    """The figure that measures a recommendation, with its value, linked to its page."""
    from helpers.pages.sections.figures import format_value

    metric, segment = row.get("metric"), row.get("segment") or "all"
    if not metric:
        return ""
    label = i18n.t(f"metric.{metric}", lang)
    if segment != "all":
        key = f"segment.{segment}"
        label += f" ({i18n.t(key, lang) if i18n.has_key(key, lang) else segment})"
    found = kpis[(kpis["metric"] == metric) & (kpis["segment"].astype(str) == segment)]
    if found.empty:
        value = i18n.t("committee.no_figure", lang)
    elif str(found["suppressed"].iloc[0]).strip().lower() == "true":
        value = i18n.t("status.withheld", lang)
    else:
        number = pd.to_numeric(found["value"].iloc[0], errors="coerce")
        value = (
            i18n.t("status.not_measurable", lang)
            if number is None or math.isnan(number)
            else format_value(metric, float(number), lang)
        )
    text = _e(i18n.t("committee.label_value", lang, label=label, value=value))
    page = (
        f"{registry.metric(metric).section_of(segment)}.html"
        if metric in registry.METRICS_BY_ID
        else ""
    )
    return f'<a href="{_e(page)}">{text}</a>' if page in pages else text


def format_recommendations(
    rows: Sequence[Mapping[str, Any]],
    kpis: pd.DataFrame,
    lang: str,
    pages: set[str],
    *,
    earlier: bool,
    title: str,
) -> str:
    """A table of recommendations: this year's, or the follow-up of earlier ones."""
    from helpers.pages.sections.markup import html_table

    columns = ["title", "text", "status", "figure"]
    if earlier:
        columns = ["title", "year_made", "status", "follow_up", "figure"]
    headers = [("", i18n.t(f"committee.column.{c}", lang)) for c in columns]
    cells = []
    for row in rows:
        line = []
        for column in columns:
            if column == "year_made":
                line.append(("", str(row["year_made"])))
            elif column == "status":
                status = row["status"]
                line.append(
                    (
                        "",
                        f'<span class="rec-status rec-{_e(status)}">'
                        f"{_e(i18n.t(f'committee.status.{status}', lang))}</span>",
                    )
                )
            elif column == "figure":
                line.append(("", format_figure(row, kpis, lang, pages)))
            else:
                line.append(("", format_field(row, column, lang)))
        cells.append(line)
    return html_table(headers, cells, title=title)


def build_committee_page(committee: Any, kpis: pd.DataFrame, site: Site) -> str:
    """The HTML of committee.html: foreword, opinion, this year's recommendations and the
    follow-up of earlier ones."""
    lang, year = site.lang, site.year
    pages = {page for page, _ in site.pages}
    from helpers.pages.sections.markup import STYLE

    parts = [STYLE, f"<h1>{_e(i18n.t('committee.title', lang, year=year))}</h1>"]
    parts.append(format_example_notice(committee, lang))
    if committee is None or not committee.present:
        parts.append(
            f'<p class="committee-absent">{_e(i18n.t("committee.absent", lang, year=year))}</p>'
        )
        return render_page("\n".join(parts), site, COMMITTEE_PAGE, "committee-page")
    foreword = format_text(committee, "foreword", lang)
    if foreword:
        parts += [f'<h2 id="foreword">{_e(i18n.t("committee.foreword", lang))}</h2>', foreword]
    parts.append(f'<h2 id="opinion">{_e(i18n.t("committee.opinion", lang))}</h2>')
    parts.append(
        format_text(committee, "opinion", lang)
        or f'<p class="committee-absent">{_e(i18n.t("committee.opinion_absent", lang, year=year))}</p>'
    )
    rows = list(committee.recommendations)
    current = [r for r in rows if r["year_made"] == year]
    earlier = sorted(
        (r for r in rows if r["year_made"] < year),
        key=lambda r: (-r["year_made"], STATUS_ORDER.index(r["status"])),
    )
    parts.append(
        f'<h2 id="recommendations">{_e(i18n.t("committee.recommendations", lang, year=year))}</h2>'
    )
    parts.append(
        format_recommendations(
            current,
            kpis,
            lang,
            pages,
            earlier=False,
            title=i18n.t("committee.table_current", lang, year=year),
        )
        if current
        else f"<p>{_e(i18n.t('committee.none_this_year', lang, year=year))}</p>"
    )
    parts.append(f'<h2 id="follow-up">{_e(i18n.t("committee.follow_up", lang))}</h2>')
    parts.append(
        format_recommendations(
            earlier,
            kpis,
            lang,
            pages,
            earlier=True,
            title=i18n.t("committee.table_earlier", lang, year=year),
        )
        if earlier
        else f"<p>{_e(i18n.t('committee.none_earlier', lang))}</p>"
    )
    return render_page("\n".join(p for p in parts if p), site, COMMITTEE_PAGE, "committee-page")


def format_index_opinion(committee: Any, site: Site) -> str:
    """The index's block after the key findings: the opinion and a link to the texts, or a
    line saying they are not there yet."""
    lang, year = site.lang, site.year
    title = _e(i18n.t("committee.opinion", lang))
    opinion = format_text(committee, "opinion", lang) if committee is not None else ""
    if not opinion:
        body = f'<p class="committee-absent">{_e(i18n.t("committee.absent", lang, year=year))}</p>'
    else:
        link = ""
        if COMMITTEE_PAGE in {page for page, _ in site.pages}:
            link = (
                f'<p class="committee-more"><a href="{COMMITTEE_PAGE}">'
                f"{_e(i18n.t('committee.more', lang))}</a></p>"
            )
        body = format_example_notice(committee, lang) + opinion + link
    return (
        '<section class="committee-opinion" aria-labelledby="committee-opinion">'
        f'<h2 id="committee-opinion">{title}</h2>{body}</section>'
    )


def describe_particulars(committee: Any, lang: str) -> list[tuple[str, str]]:
    """The publication's particulars as (label, HTML value) in ``lang``; those missing
    are left out (``format_missing_particulars`` names them)."""
    release = committee.release if committee is not None else {}
    rows = []
    for key in PARTICULARS:
        if key not in release:
            continue
        value = release[key]
        if key in ("release_date", "next_release"):
            shown = _e(i18n.format_date(value, lang))
        elif key == "contact":
            href = value if value.startswith("https://") else f"mailto:{value}"
            shown = f'<a href="{_e(href)}">{_e(value)}</a>'
        elif key == "licence":
            shown = f'<a href="{_e(value["link"])}">{_e(value["name"])}</a>'
        else:
            shown = _in_language(value, lang)
        rows.append((i18n.t(f"committee.particular.{key}", lang), shown))
    return rows


def _in_language(sentences: Mapping[str, str], lang: str) -> str:
    if lang in sentences:
        return _e(sentences[lang])
    other = next(iter(sentences))
    marker = i18n.t("committee.not_translated_short", lang)
    return f'<span lang="{_e(other)}">{_e(sentences[other])}</span> <span class="not-translated">({_e(marker)})</span>'


def format_missing_particulars(committee: Any, lang: str) -> str:
    """One line naming the particulars the year's release.toml does not give; empty when
    it gives them all."""
    missing = committee.missing if committee is not None else PARTICULARS
    if not missing:
        return ""
    names = ", ".join(i18n.t(f"committee.particular.{key}", lang) for key in missing)
    return f'<p class="particulars-missing">{_e(i18n.t("committee.particulars_missing", lang, names=names))}</p>'


def format_particulars(committee: Any, site: Site) -> str:
    """The index's block of the publication's particulars."""
    lang = site.lang
    rows = describe_particulars(committee, lang)
    listing = "".join(f"<dt>{_e(label)}</dt><dd>{value}</dd>" for label, value in rows)
    return (
        '<section class="particulars" aria-labelledby="particulars">'
        f'<h2 id="particulars">{_e(i18n.t("committee.particulars", lang))}</h2>'
        f"{format_example_notice(committee, lang) if rows else ''}"
        f"{f'<dl>{listing}</dl>' if listing else ''}"
        f"{format_missing_particulars(committee, lang)}</section>"
    )


def particulars_markdown(committee: Any, lang: str) -> str:
    """The particulars as a Markdown section for the report folder's README."""
    release = committee.release if committee is not None else {}
    lines = [f"## {i18n.t('committee.particulars', lang)}", ""]
    for key in PARTICULARS:
        if key not in release:
            continue
        value = release[key]
        if key in ("release_date", "next_release"):
            shown = i18n.format_date(value, lang)
        elif key == "licence":
            shown = f"{value['name']} ({value['link']})"
        elif key in ("revision_policy", "status"):
            shown = value.get(lang) or next(iter(value.values()))
        else:
            shown = str(value)
        label = i18n.t(f"committee.particular.{key}", lang)
        lines.append(f"- {i18n.t('committee.label_value', lang, label=label, value=shown)}")
    missing = committee.missing if committee is not None else PARTICULARS
    if missing:
        names = ", ".join(i18n.t(f"committee.particular.{key}", lang) for key in missing)
        lines += ["", i18n.t("committee.particulars_missing", lang, names=names)]
    if committee is not None and committee.example:
        lines += ["", i18n.t("committee.example", lang)]
    return "\n".join(lines) + "\n"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def format_cover_particulars(committee: Any, lang: str) -> str:
    """The PDF cover's colophon: release date, next release, contact and licence, or the
    line naming the particulars missing."""
    rows = [
        (label, value)
        for (label, value), key in zip(
            describe_particulars(committee, lang),
            [k for k in PARTICULARS if committee is not None and k in committee.release],
            strict=True,
        )
        if key in ("release_date", "next_release", "contact", "licence")
    ]
    listing = "".join(f"<dt>{_e(label)}</dt><dd>{value}</dd>" for label, value in rows)
    return (
        f'<div class="cover-particulars">{f"<dl>{listing}</dl>" if listing else ""}'
        f"{format_missing_particulars(committee, lang)}</div>"
    )

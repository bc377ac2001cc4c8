"""The HTML of the section pieces: escaping, badges, tables and embedded charts.

Pieces are HTML rather than Markdown because the report's exporter keeps HTML outputs
only, and because tables need their numbers right-aligned and their captions below.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence

import pandas as pd

from helpers.core.safe_csv import neutralise
from helpers.figures.claims import claim_attributes

# Shown in a table cell that has nothing to show (no value, no change).
MISSING = "—"
# The page of the report that defines every figure (``helpers.pages.methods_page``).
METHODS_PAGE = "methods.html"

STYLE = """<style>
.mr-lead{font-size:1.08rem;max-width:46rem}
.mr-findings{background:#f6f7fa;border-radius:6px;padding:.6rem 1.1rem;margin:1rem 0 1.4rem;max-width:48rem}
.mr-findings h2{margin:.2rem 0 .4rem;font-size:1.1rem}
.mr-findings ul{margin:0;padding-left:1.1rem}
.mr-findings li{margin:.35rem 0;line-height:1.45}
.mr-purpose{color:#5b6275;max-width:46rem}
.mr-note{color:#5b6275;font-size:.9rem;max-width:46rem}
.mr-tag{display:inline-block;font-size:.75rem;padding:0 .35rem;border-radius:3px;margin-left:.3rem;white-space:nowrap}
.mr-withheld{background:#eeeeee;color:#444;font-style:italic}
.mr-small{background:#fff4d6;color:#6b4a00}
.mr-gap{background:#e6f0f8;color:#01497c;font-weight:600}
.mr-figure{margin:1rem 0}
.mr-figure{break-inside:avoid}
.mr-figure img{display:block;width:100%;max-width:52rem;height:auto}
.mr-figure figcaption,.mr-chart-after{max-width:46rem}
.mr-chart-title{display:block;font-weight:700;font-size:1.05rem;margin:0 0 .4rem}
.mr-chart-after{margin:.3rem 0 0}
.mr-chart-subtitle{display:block;font-weight:400;font-size:.9rem;color:#3b4150;margin-top:.15rem}
.mr-chart-note,.mr-chart-links{display:block;color:#5b6275;font-size:.85rem}
@media screen and (max-width:48rem){.mr-figure img{max-width:30rem}}
.mr-table td.number,.mr-table th.number{text-align:right}
.mr-table td.number{white-space:nowrap}
.mr-table tbody th{font-weight:400;text-align:left}
.mr-table caption.mr-table-title{caption-side:top;text-align:left;font-weight:700;color:#1f2330;font-size:1rem;padding:0 0 .4rem}
.mr-table-note{color:#5b6275;font-size:.85rem;max-width:46rem;margin:-.8rem 0 1.2rem}
@media screen and (max-width:48rem){
.mr-table,.mr-table tbody,.mr-table tr,.mr-table td,.mr-table tbody th{display:block;width:100%}
.mr-table thead{display:none}
.mr-table tr{border-bottom:2px solid #dfe2ea;padding:.4rem 0}
.mr-table tbody th{font-weight:600;border:none;padding:.2rem 0}
.mr-table{display:flex;flex-direction:column}
.mr-table td{border:none;padding:.1rem 0;display:flow-root;text-align:right}
.mr-table td.number{white-space:normal}
.mr-table td::before{content:attr(data-label);color:#5b6275;float:left;width:45%;text-align:left;padding-right:.5rem}
.mr-table td:not(.number){text-align:left}
.mr-table td:not(.number)::before{float:none;display:block;width:auto}
.mr-table caption{display:block;order:2}
.mr-table caption.mr-table-title{order:0}
}
@media print{.mr-table tr,.mr-figure{break-inside:avoid}.mr-table thead{display:table-header-group}}
.mr-table small{color:#5b6275}
.mr-gaps li,.mr-methods p{max-width:46rem}
.mr-met{background:#dcf2e9;color:#015c44;font-weight:600}
.mr-missed{background:#fbe3d6;color:#8a3200;font-weight:600}
.mr-uncertain{background:#fdf0d5;color:#6b4a00}
.mr-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(24rem,100%),1fr));gap:.5rem 1.5rem}
.mr-grid figure{margin:.5rem 0}
.mr-grid figcaption{font-size:.85rem}
.mr-counts{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1.6rem}
.mr-quote{font-style:italic}
html:lang(en) q{quotes:"\\201c" "\\201d" "\\2018" "\\2019"}
html:lang(fr) q{quotes:"\\00ab\\00a0" "\\00a0\\00bb" "\\201c" "\\201d"}
.mr-translation{font-size:.9em;color:#3b4150}
.mr-finding{border-left:3px solid #dfe2ea;padding:.1rem 0 .1rem .9rem;margin:1rem 0}
.mr-finding ul{margin:.3rem 0}
.mr-folded{margin:.6rem 0}
.mr-folded summary{cursor:pointer;font-weight:600;color:#3b4150;padding:.3rem 0}
.mr-caveat{display:block;font-size:.85em;font-weight:400;color:#5c3f00;border-left:3px solid #c98a00;padding-left:.4rem;margin:.3rem 0 0;white-space:normal;text-align:left;max-width:40rem}
.mr-chart-links .mr-caveat{margin:.2rem 0 .3rem}
.mr-conflict{font-size:.85rem;margin:.3rem 0 0;padding-left:.5rem;border-left:3px solid #f0c36d}
</style>"""


def escape(text: str) -> str:
    """Text made safe for HTML (quotes included, for attributes)."""
    return html.escape(text, quote=True)


def metric_anchor(metric: str) -> str:
    """The id of a metric's entry on the methods page, e.g. ``metric-admission_rate``."""
    return f"metric-{metric}"


def metric_link(metric: str, text: str) -> str:
    """``text`` (escaped here) as a link to the methods entry of ``metric``."""
    return f'<a href="{METHODS_PAGE}#{metric_anchor(metric)}">{escape(text)}</a>'


def tag(text: str, css: str) -> str:
    """A small labelled badge: withheld, small group, gap."""
    return f'<span class="mr-tag {css}">{escape(text)}</span>'


def html_table(
    headers: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[tuple[str, str]]],
    *,
    title: str,
    caption: str = "",
    row_ids: Sequence[str] | None = None,
) -> str:
    """An HTML table from (css class, escaped HTML) cells. Every table has a ``title``
    that says what it holds, its caption above it; ``caption`` (how to read it) is a
    note under it.

    Column headers are scoped to their columns and each row's first cell is its header;
    every cell carries its column's name (``data-label``), which a phone's narrow page
    writes beside the value when it stacks a row's cells instead of cutting columns off.
    ``row_ids`` gives each row an id (empty for none) that a caveat elsewhere links to.
    """
    head = "".join(f'<th scope="col"{_class(css)}>{escape(text)}</th>' for css, text in headers)
    labels = [escape(text) for _, text in headers]
    ids = list(row_ids or []) + [""] * len(rows)
    body = "".join(
        (f'<tr id="{escape(ids[number])}">' if ids[number] else "<tr>")
        + "".join(
            (
                f'<th scope="row"{_class(css)}>{cell}</th>'
                if index == 0
                else f'<td{_class(css)} data-label="{labels[index]}">{cell}</td>'
            )
            for index, (css, cell) in enumerate(row)
        )
        + "</tr>"
        for number, row in enumerate(rows)
    )
    caption_html = f'<caption class="mr-table-title">{escape(title)}</caption>'
    note = f'<p class="mr-table-note">{escape(caption)}</p>' if caption else ""
    return (
        f'<table class="mr-table">{caption_html}<thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>{note}"
    )


def _class(css: str) -> str:
    return f' class="{css}"' if css else ""


# What names a drawn figure in a chart's frame, and the figures it draws, in the order
# a chart's CSV gives them.
CHART_KEYS = ("label", "series", "part", "group", "year", "month")
CHART_FIGURES = ("value", "low", "high")


def claim_markup(text: object) -> str:
    """The ``data-claim`` attributes of a claim's words (``helpers.figures.claims``), ready
    to sit in an element's start tag; nothing for other text."""
    return "".join(f' {name}="{escape(value)}"' for name, value in claim_attributes(text).items())


def chart_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The figures a chart draws, one row each: what names it, its value and interval
    (empty where withheld or not measurable), and the text the chart writes for it."""
    keys = [c for c in CHART_KEYS if c in frame]
    figures = [c for c in CHART_FIGURES if c in frame]
    rows = frame[keys + figures + (["text"] if "text" in frame else [])].copy()
    if "withheld" in frame:
        rows.loc[frame["withheld"].astype(bool), figures] = math.nan
    return rows


def chart_data_link(frame: pd.DataFrame, text: str, file_name: str) -> str:
    """A link that saves the chart's figures as CSV (``chart_rows``), carried in the page
    itself so that the page stays one file."""
    rows = chart_rows(frame)
    # The file is a CSV like the others: a text a spreadsheet would run is neutralised.
    rows = rows.apply(lambda column: column.map(neutralise))
    rows.columns = [neutralise(c) for c in rows.columns]
    csv = rows.to_csv(index=False, lineterminator="\n")
    data = base64.b64encode(csv.encode("utf-8")).decode("ascii")
    return (
        f'<a class="mr-data" href="data:text/csv;base64,{data}" '
        f'download="{escape(file_name)}">{escape(text)}</a>'
    )


# About the most a chart's alternative text says: its finding, not its figures, which
# the table and the CSV beside it give.
ALT_MAX_CHARACTERS = 250


def describe_chart(title: str, frame: pd.DataFrame | None = None) -> str:
    """A chart's alternative text: its title (the finding, then what it measures), at
    most about ``ALT_MAX_CHARACTERS``; the figures it draws are in the CSV link and the
    table beside it (``frame`` is accepted for the callers that pass it)."""
    text = " ".join(title.split())
    if len(text) <= ALT_MAX_CHARACTERS:
        return text
    cut = text[: ALT_MAX_CHARACTERS - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


# Below this width of the screen the chart drawn for a phone is shown.
NARROW_MEDIA = "screen and (max-width: 48rem)"


def svg_source(svg: str) -> str:
    """An SVG as a ``data:`` address (base64: srcset splits addresses at spaces)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


# The drawing a printed page takes (a browser's print, and the PDF edition).
PRINT_MEDIA = "print"


def chart_picture(wide: str, narrow: str, alt: str, printed: str = "") -> str:
    """A chart as a ``picture``: the SVG drawn for the printed page (``printed``, when
    given and unlike the screen's; the image is then marked ``mr-chart-print``, drawn
    for print), the one drawn for a phone below ``NARROW_MEDIA``, the one drawn for a
    screen otherwise (and wherever ``picture`` is unknown)."""
    first = (
        f'<source media="{PRINT_MEDIA}" srcset="{svg_source(printed)}">'
        if printed and printed != wide
        else ""
    )
    css = "mr-chart mr-chart-print" if printed else "mr-chart"
    return (
        f'<picture>{first}<source media="{NARROW_MEDIA}" srcset="{svg_source(narrow)}">'
        f'<img class="{css}" src="{svg_source(wide)}" alt="{escape(alt)}"></picture>'
    )


def figure_html(
    wide: str,
    narrow: str,
    alt: str,
    title: str = "",
    note: str = "",
    extra: str = "",
    subtitle: str = "",
    printed: str = "",
) -> str:
    """A chart with its title above it as the figure's caption (its active title, the
    finding, then ``subtitle``: what is measured, for whom, when), and under it the note
    on how to read it and ``extra`` (HTML: caveats and links to its figures)."""
    sub = f'<span class="mr-chart-subtitle">{escape(subtitle)}</span>' if subtitle else ""
    caption = (
        f'<figcaption class="mr-chart-title"{claim_markup(title)}>{escape(title)}{sub}</figcaption>'
        if title
        else ""
    )
    under = []
    if note:
        under.append(f'<span class="mr-chart-note">{escape(note)}</span>')
    if extra:
        under.append(f'<span class="mr-chart-links">{extra}</span>')
    after = f'<p class="mr-chart-after">{"".join(under)}</p>' if under else ""
    return f'<figure class="mr-figure">{caption}{chart_picture(wide, narrow, alt, printed)}{after}</figure>'

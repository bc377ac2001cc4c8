"""The HTML of the section pieces: escaping, badges, tables and embedded charts.

Pieces are HTML rather than Markdown because the report's exporter keeps HTML outputs
only, and because tables need their numbers right-aligned and their captions below.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

# Shown in a table cell that has nothing to show (no value, no change).
MISSING = "—"
# The page of the report that defines every figure (``helpers.methods_page``).
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
.mr-figure img{max-width:100%;height:auto}
.mr-table td.number,.mr-table th.number{text-align:right;white-space:nowrap}
.mr-table small{color:#5b6275}
.mr-gaps li,.mr-methods p{max-width:46rem}
.mr-met{background:#dcf2e9;color:#015c44;font-weight:600}
.mr-missed{background:#fbe3d6;color:#8a3200;font-weight:600}
.mr-uncertain{background:#fdf0d5;color:#6b4a00}
.mr-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(24rem,1fr));gap:.5rem 1.5rem}
.mr-grid figure{margin:.5rem 0}
.mr-grid figcaption{font-size:.85rem}
.mr-counts{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1.6rem}
.mr-quote{font-style:italic}
:lang(fr) q{quotes:"\\00ab\\00a0" "\\00a0\\00bb" "\\201c" "\\201d"}
.mr-finding{border-left:3px solid #dfe2ea;padding:.1rem 0 .1rem .9rem;margin:1rem 0}
.mr-finding ul{margin:.3rem 0}
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
    headers: Sequence[tuple[str, str]], rows: Sequence[Sequence[tuple[str, str]]], caption: str = ""
) -> str:
    """An HTML table from (css class, escaped HTML) cells; the caption goes under it."""
    head = "".join(
        f'<th class="{css}">{escape(text)}</th>' if css else f"<th>{escape(text)}</th>"
        for css, text in headers
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{css}">{cell}</td>' if css else f"<td>{cell}</td>" for css, cell in row
        )
        + "</tr>"
        for row in rows
    )
    caption_html = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f'<table class="mr-table">{caption_html}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def figure_html(png: bytes, alt: str) -> str:
    """A chart as an embedded PNG with its alternative text."""
    data = base64.b64encode(png).decode("ascii")
    return f'<figure class="mr-figure"><img src="data:image/png;base64,{data}" alt="{escape(alt)}"></figure>'

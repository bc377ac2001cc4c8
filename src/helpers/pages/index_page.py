"""The report's front page: headline figures, the sections, and how the run was made.

Headline figures are read from the run's KPI file (the same numbers as the sections),
each beside its previous-year value when the data covers it. The page takes two more
blocks when given: the count of the committee's objectives met and missed, and links to
the reports of other years.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from helpers.figures import registry
from helpers.figures.run_data import KPIS_FILE, RunData
from helpers.pages import i18n
from helpers.pages.pdf_edition import pdf_name
from helpers.pages.render import (
    INDEX_PAGE,
    METHODS_PAGE,
    Site,
    describe_settings,
    format_edition,
    render_page,
)
from helpers.pages.tally import format_tally, tally_html

# (metric, segment) shown on the front page, in this order.
HEADLINES: tuple[tuple[str, str], ...] = (
    ("visitors_monthly_avg", "all"),
    ("students_started", "all"),
    ("segment_share", "underserved"),
    ("graduation_rate", "all"),
    ("career_outcome_rate_6m", "all"),
    ("third_party_funding_share", "all"),
    ("apprentices_active", "all"),
    ("co2e_per_user_kg", "all"),
    ("into_work_rate", "all"),
)


# The year's key findings across sections, one sentence each, at the top of the page.
KEY_FINDINGS: tuple[tuple[str, str], ...] = (
    ("students_started", "all"),
    ("segment_share", "underserved"),
    ("career_outcome_rate_6m", "all"),
    ("third_party_funding_share", "all"),
    ("co2e_per_user_kg", "all"),
)


@dataclass(frozen=True)
class Headline:
    """One headline figure, as text, with the page that shows it."""

    label: str
    value: str
    previous: str = ""
    page: str = ""
    # The change on last year judged by the metric's direction, as a label in words
    # (HTML of ``Section.assessment_tag``); empty without a previous year.
    assessment: str = ""
    # The figure's caveats (HTML of ``Section.figure_caveats``), each linked to its detail.
    caveats: str = ""


@dataclass(frozen=True)
class ObjectivesCount:
    """How many of the committee's objectives have each status in the year
    (``helpers.figures.objectives.count_target_statuses``), and, a second group judged
    the same way, the aims the published reports state."""

    objectives: Mapping[str, int]
    aims: Mapping[str, int] = field(default_factory=dict)


SCORECARD_PAGE = "targets.html"
# The columns of an objectives table, for a page built without one.
TARGET_COLUMNS = (
    "metric",
    "segment",
    "first_year",
    "last_year",
    "comparator",
    "threshold",
    "source",
)


def build_index(
    run: RunData,
    site: Site,
    sections: Sequence[tuple[str, str]],
    objectives: ObjectivesCount | None = None,
    other_years: Sequence[int] = (),
    targets: pd.DataFrame | None = None,
    committee: object = None,
) -> str:
    """The HTML of index.html.

    Parameters
    ----------
    run : RunData
        The run's figures and provenance.
    site : Site
        The report the page belongs to.
    sections : sequence of (page, section name)
        The section pages, in order.
    objectives : ObjectivesCount, optional
        Shown as the first line under the title, linked to the scorecard, when given.
    other_years : sequence of int
        Years whose reports sit beside this one (``../../<year>/index.html``, the year's language chooser).
    targets : DataFrame, optional
        The objectives of the run, which the key findings say are met or missed.
    committee : Committee, optional
        The committee's texts of the year: its opinion follows the key findings, its
        publication particulars close the page (or the line naming those missing).
    """
    from helpers.pages.committee_page import format_index_opinion, format_particulars
    from helpers.pages.reporting_table import format_reporting_table
    from helpers.pages.sections.markup import STYLE

    lang = site.lang
    parts = [
        # The sections' style block, for the reporting table and the findings' caveats:
        # first in the page's main element, as HTML wants a style element in the body
        # (before all it styles).
        STYLE,
        f"<h1>{_e(site.title)}</h1>",
        f'<p class="lead">{_e(i18n.t("index.intro", lang, year=site.year))}</p>',
    ]
    if objectives is not None:
        parts.append(format_objectives(objectives, site))
    pdf = pdf_name(site.year, lang)
    parts.append(f'<p class="edition"><a href="{pdf}">{_e(i18n.t("index.pdf_link", lang))}</a></p>')
    pages = {page for page, _ in site.pages}
    parts += [
        format_key_findings(run, site, targets),
        format_index_opinion(committee, site),
        f"<h2>{_e(i18n.t('index.headlines_title', lang))}</h2>",
        format_headlines(list_headlines(run, lang, pages, targets)),
        format_reporting_table(run, site),
        f'<h2 class="sections-title">{_e(i18n.t("index.sections_title", lang))}</h2>',
        format_sections(sections, site),
    ]
    if other_years:
        parts.append(format_other_years(other_years, site))
    parts.append(format_particulars(committee, site))
    parts.append(format_run_facts(run, site))
    return render_page("\n".join(parts), site, INDEX_PAGE, page_class="index-page")


def prepare_page_builders() -> None:
    """Import and compile what building the pages needs (half a second), so a caller
    with time on its hands, such as the report waiting on its notebooks, can do it early."""
    from helpers.pages.methods_page import build_methods_body  # noqa: F401
    from helpers.pages.render import page_environment
    from helpers.pages.sections import format_value  # noqa: F401

    page_environment().get_template("page.html.j2")


def reader_for(run: RunData, lang: str, section: str, targets: pd.DataFrame | None):
    """A section's words over the run's figures, to say on this page what it says."""
    from helpers.pages.sections import Section

    min_cell = int(run.provenance.get("parameters", {}).get("min_cell", 1))
    objectives = targets if targets is not None else pd.DataFrame(columns=TARGET_COLUMNS)
    return Section(section, run.year, lang, min_cell, run, objectives)


def format_key_findings(run: RunData, site: Site, targets: pd.DataFrame | None) -> str:
    """The year's key findings across sections: one item per figure of ``KEY_FINDINGS``
    the KPI file holds, each linked to the section that tells more."""
    current = _by_key(run.kpis)
    items = []
    for metric, segment in KEY_FINDINGS:
        if (metric, segment) not in current:
            continue
        section = registry.metric(metric).section_of(segment)
        reader = reader_for(run, site.lang, section, targets)
        more = ""
        if f"{section}.html" in {page for page, _ in site.pages}:
            more = (
                f' <a href="{section}.html">'
                f"{_e(i18n.t('index.more_in', site.lang, section=site.label_of(section + '.html')))}</a>"
            )
        items.append(
            f"<li>{reader.assessment_tag(metric, segment)}"
            f"{reader.headline_markup(metric, segment)}{more}"
            f"{reader.headline_caveats(reader.kpi(metric, segment))}</li>"
        )
    if not items:
        return ""
    title = _e(i18n.t("index.key_findings_title", site.lang, year=site.year))
    return (
        f'<section class="key-findings" aria-labelledby="key-findings">'
        f'<h2 id="key-findings">{title}</h2><ul>{"".join(items)}</ul></section>'
    )


def list_headlines(
    run: RunData, lang: str, pages: set[str] | None = None, targets: pd.DataFrame | None = None
) -> list[Headline]:
    """The headline figures the KPI file holds, formatted for ``lang``, each with the page
    that shows it (when ``pages`` holds it) and its change judged by its direction."""
    from helpers.pages.sections import format_value

    current = _by_key(run.kpis)
    previous = _by_key(run.history[run.history["year"] == run.year - 1])
    headlines = []
    for metric, segment in HEADLINES:
        row = current.get((metric, segment))
        if row is None:
            continue
        label = name_headline(metric, segment, lang)
        before = previous.get((metric, segment))
        section = registry.metric(metric).section_of(segment)
        page = f"{section}.html" if pages and f"{section}.html" in pages else ""
        reader = reader_for(run, lang, section, targets)
        assessment = reader.assessment_tag(metric, segment)
        headlines.append(
            Headline(
                page=page,
                assessment=assessment,
                caveats=reader.figure_caveats(
                    reader.kpi(metric, segment), with_previous=before is not None
                ),
                label=label,
                value=_format_figure(row, metric, lang, format_value),
                previous=(
                    i18n.t(
                        "index.previous",
                        lang,
                        previous_year=run.year - 1,
                        value=_format_figure(before, metric, lang, format_value),
                    )
                    if before is not None
                    else ""
                ),
            )
        )
    return headlines


def name_headline(metric: str, segment: str, lang: str) -> str:
    """A headline's label: the metric's, or the catalog's own words for a figure of one
    group (``index.<metric>_<segment>``, "Underserved students' share")."""
    if segment == "all":
        return i18n.t(registry.metric(metric).label_key, lang)
    return i18n.t(f"index.{metric}_{segment}", lang)


def _by_key(frame: pd.DataFrame) -> dict[tuple[str, str], dict]:
    return {(r["metric"], r["segment"]): r for r in frame.to_dict("records")}


def _format_figure(row: dict, metric: str, lang: str, format_value) -> str:
    value = row.get("value")
    if _is_true(row.get("suppressed")):
        return i18n.t("status.withheld", lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return i18n.t("status.not_measurable", lang)
    return format_value(metric, float(value), lang)


def _is_true(value: object) -> bool:
    return str(value).strip().lower() == "true"


def format_headlines(headlines: Sequence[Headline]) -> str:
    items = []
    for h in headlines:
        note = f'<span class="headline-note">{_e(h.previous)}</span>' if h.previous else ""
        judged = f'<span class="headline-assessment">{h.assessment}</span>' if h.assessment else ""
        label = f'<span class="headline-label">{_e(h.label)}</span>'
        if h.page:
            label = f'<a class="headline-link" href="{_e(h.page)}">{label}</a>'
        items.append(
            f'<li class="headline"><span class="headline-value">{_e(h.value)}</span>'
            f"{label}{note}{judged}{h.caveats}</li>"
        )
    return '<ul class="headlines">\n' + "\n".join(items) + "\n</ul>"


def format_objectives(count: ObjectivesCount, site: Site) -> str:
    """One line at the top: the tally of the year's objectives (worded as the scorecard
    words it, ``helpers.pages.tally``), linked to the scorecard."""
    lang = site.lang
    tally = format_tally(count.objectives, lang)
    text = tally_html(i18n.t("index.objectives", lang, year=site.year, counts=tally), tally)
    if count.aims.get("total", sum(count.aims.values())):
        aims = format_tally(count.aims, lang)
        text += " " + tally_html(i18n.t("index.aims", lang, counts=aims), aims)
    if SCORECARD_PAGE in dict(site.pages):
        text = f'<a href="{SCORECARD_PAGE}">{text}</a>'
    return f'<p class="objectives">{text}</p>'


def format_sections(sections: Sequence[tuple[str, str]], site: Site) -> str:
    """The section links, each with its purpose, then the methods notes and the KPI file."""
    lang = site.lang
    items = []
    for page, name in sections:
        purpose_key = f"{name}.purpose"
        purpose = (
            f"<br><span>{_e(i18n.t(purpose_key, lang, year=site.year))}</span>"
            if i18n.has_key(purpose_key, lang)
            else ""
        )
        items.append(f'<li><a href="{_e(page)}">{_e(site.label_of(page))}</a>{purpose}</li>')
    if METHODS_PAGE in dict(site.pages):
        items.append(
            f'<li><a href="{METHODS_PAGE}">{_e(i18n.t("index.methods_link", lang))}</a></li>'
        )
    items.append(f'<li><a href="{KPIS_FILE}">{_e(i18n.t("index.kpis_link", lang))}</a></li>')
    return '<ul class="section-list">\n' + "\n".join(items) + "\n</ul>"


def format_other_years(years: Sequence[int], site: Site) -> str:
    """Links to the reports of the other years, which sit beside this one in OUT."""
    links = " · ".join(f'<a href="../../{y}/{INDEX_PAGE}">{y}</a>' for y in sorted(years))
    label = _e(i18n.t("index.other_years", site.lang))
    return f'<p class="other-years">{label} {links}</p>'


def format_run_facts(run: RunData, site: Site) -> str:
    """When, from which data, with which parameters and code the report was built."""
    lang = site.lang
    dataset = run.provenance["dataset"]
    years = dataset.get("years") or []
    absent = ", ".join(dataset.get("absent_tables") or []) or i18n.t("index.none", lang)
    edition = (
        f'<time datetime="{_e(site.edition_date)}">'
        f"{_e(format_edition(site.edition_date, lang))}</time>"
    )
    facts = [
        *([("index.edition", edition)] if site.edition_date else []),
        ("index.dataset", _e(site.dataset)),
        ("index.fingerprint", _e(site.fingerprint)),
        ("index.years", _e(f"{years[0]}–{years[-1]}" if years else "")),
        ("index.absent_tables", _e(absent)),
        ("index.parameters", _e(describe_settings(site))),
        ("index.code", _e(site.code_version)),
    ]
    facts.insert(
        len(facts) - 2,
        ("index.data_quality", format_data_quality(dataset.get("warnings") or [], lang)),
    )
    rows = "\n".join(f"<dt>{_e(i18n.t(key, lang))}</dt><dd>{value}</dd>" for key, value in facts)
    min_cell = site.parameters.get("min_cell", 1)
    note = (
        i18n.t("index.min_cell", lang, min_cell=min_cell)
        if min_cell > 1
        else i18n.t("index.min_cell_none", lang)
    )
    summary = _e(i18n.t("index.about_title", lang))
    return (
        f'<details class="about" id="about"><summary>{summary}</summary>\n'
        f'<dl class="run-facts">\n{rows}\n</dl>\n<p class="note">{_e(note)}</p></details>'
    )


def format_data_quality(warnings: Sequence[dict], lang: str) -> str:
    """The data-quality note: one sentence per warning of the validator (values possible
    but implausible, used as delivered), or that there is none."""
    if not warnings:
        return _e(i18n.t("index.data_quality_none", lang))
    items = []
    for warning in warnings:
        limit = warning["limit"]
        decimals = 0 if float(limit).is_integer() else 2
        text = i18n.t_count(
            f"quality.{warning['kind']}",
            lang,
            int(warning["count"]),
            count=i18n.format_number(int(warning["count"]), lang),
            file=warning["file"],
            column=warning["column"],
            limit=i18n.format_number(float(limit), lang, decimals),
            year=str(int(float(limit))),
        )
        items.append(f"<li>{_e(text)}</li>")
    return '<ul class="data-quality">' + "".join(items) + "</ul>"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)

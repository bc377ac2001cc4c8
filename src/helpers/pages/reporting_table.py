"""The 2022 report's reporting table on the index, each line with the status this run finds
(``helpers.figures.reporting``)."""

from __future__ import annotations

import html

from helpers.figures import registry
from helpers.figures.reporting import ReportingLine, reporting_lines
from helpers.figures.run_data import RunData
from helpers.pages import i18n
from helpers.pages.render import Site

CARBON_PAGE = "carbon.html"
IMPACT_PAGE = "impact.html"


def format_reporting_table(run: RunData, site: Site) -> str:
    """The table: area, line, status, and what the status rests on (a linked figure, the
    missing window, the model, or nothing in the data)."""
    lang, year = site.lang, site.year
    pages = {page for page, _ in site.pages}
    from helpers.pages.sections.markup import html_table

    lines = reporting_lines(run.kpis, run.series, year, run.years)
    rows = [
        [
            ("", _e(i18n.t(f"reporting.item.{line.key}", lang))),
            ("", _e(i18n.t(f"reporting.pillar.{line.pillar}", lang))),
            (
                "",
                f'<span class="reporting-status reporting-{line.status}">'
                f"{_e(i18n.t(f'reporting.status.{line.status}', lang))}</span>",
            ),
            ("", describe_line(line, lang, year, pages)),
        ]
        for line in lines
    ]
    headers = [
        ("", i18n.t("reporting.line", lang)),
        ("", i18n.t("reporting.pillar_title", lang)),
        ("", i18n.t("reporting.status_title", lang, year=year)),
        ("", i18n.t("reporting.basis", lang)),
    ]
    table = html_table(headers, rows, title=i18n.t("reporting.caption", lang, year=year))
    # The page that shows the table carries the sections' style block (see
    # ``helpers.pages.index_page``).
    return (
        f'<section class="reporting" aria-labelledby="reporting">'
        f'<h2 id="reporting">{_e(i18n.t("reporting.title", lang))}</h2>'
        f"<p>{_e(i18n.t('reporting.intro', lang, year=year))}</p>{table}</section>"
    )


def describe_line(line: ReportingLine, lang: str, year: int, pages: set[str]) -> str:
    """What a line's status rests on, in words, with a link to the figure when measured."""
    from helpers.pages.sections.figures import format_value

    if line.status == "not_measurable_yet":
        return _e(
            i18n.t("reporting.window", lang, cohort=line.missing_cohort, year=line.measurable_from)
        )
    if line.status == "data_absent":
        return _e(i18n.t("reporting.absent_note", lang))
    if line.status == "modelled":
        text = _e(i18n.t("reporting.model", lang))
        return f'<a href="{IMPACT_PAGE}">{text}</a>' if IMPACT_PAGE in pages else text
    if line.key == "carbon_monthly":
        text = _e(i18n.t("reporting.months", lang, months=line.months, year=year))
        return f'<a href="{CARBON_PAGE}">{text}</a>' if CARBON_PAGE in pages else text
    label = i18n.t(f"metric.{line.metric}", lang)
    if line.segment != "all":
        label += f" ({i18n.t(f'segment.{line.segment}', lang)})"
    if line.withheld:
        value = i18n.t("status.withheld", lang)
    elif line.value is not None:
        value = format_value(line.metric, line.value, lang)
    else:
        value = ""
    text = _e(i18n.t("committee.label_value", lang, label=label, value=value) if value else label)
    page = f"{registry.metric(line.metric).section_of(line.segment)}.html"
    return f'<a href="{page}">{text}</a>' if page in pages else text


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)

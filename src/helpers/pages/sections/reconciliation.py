"""The published figures of a year beside the report's, and checked against each other.

``open_reconciliation`` reads the run's figures and the published figures
(``data/reference/published_figures.csv``); the ``Reconciliation`` it returns shows each
published figure of the year beside the figure computed from the data, with the
difference, the tolerance and the quoted passage (``helpers.figures.reconcile.
compare_with_published``) — a published figure that contradicts another
(``data/reference/published_conflicts.csv``) says so, with the reason — and lists the
inconsistencies the consistency rules find among the published figures themselves
(``check_published_consistency``), each with its passages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
from IPython.display import HTML

from helpers.figures import reconcile, registry, stats
from helpers.figures.segments import segment_rank
from helpers.pages import i18n
from helpers.pages.i18n import t
from helpers.pages.sections.caveats import FLAGGED_STATUSES, published_anchor
from helpers.pages.sections.figures import Kpi, format_value
from helpers.pages.sections.markup import MISSING, escape, html_table, metric_link, tag
from helpers.pages.sections.published import (
    PERCENT_UNITS,
    format_passage,
    format_published,
)
from helpers.pages.sections.section import Section, read_page_run

PAGE = "reconciliation"
# Statuses of a published figure the report has a counterpart for, in the table's order.
COMPARED_STATUSES = ("within", "outside", "conflict", "withheld", "no_value")
# The statuses the page leads with, before the figures that agree, which it folds.
ATTENTION_STATUSES = ("conflict", "outside")
STATUS_CSS = {
    "within": "mr-met",
    "outside": "mr-missed",
    "conflict": "mr-uncertain",
    "withheld": "mr-withheld",
    "no_value": "mr-withheld",
}
# Rules whose expected value is a published figure itself, or the 100 % of a breakdown.
WRITTEN_EXPECTATIONS = ("breakdown_sums", "same_figure_twice", "target_restated")
METRIC_ORDER = {spec.id: position for position, spec in enumerate(registry.METRICS)}


def open_reconciliation(
    year: int,
    data_dir: str | None = None,
    lang: str = "en",
    min_cell: int = stats.MIN_CELL,
    output_dir: str | None = None,
) -> Reconciliation:
    """The published figures of ``year`` beside the report's, ready to display in ``lang``.

    Parameters are the report's (``helpers.core.params``); see ``open_section``.
    """
    run = read_page_run(year, data_dir, lang, min_cell, output_dir)
    return Reconciliation(PAGE, year, lang, min_cell, run, run.targets)


@dataclass
class Reconciliation(Section):
    """The reconciliation page of one year (see ``Section``).

    ``compared`` holds the published figures of the year beside the computed ones;
    ``findings`` the inconsistencies among the published figures of every year.
    """

    # The run's published figures and conflicts unless given (a test's own).
    published: pd.DataFrame | None = field(default=None, repr=False)
    conflicts: pd.DataFrame | None = field(default=None, repr=False)
    compared: pd.DataFrame = field(init=False, repr=False)
    findings: pd.DataFrame = field(init=False, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.published is None:
            self.published = self.run.published
        if self.conflicts is None:
            self.conflicts = self.run.conflicts
        # The history holds the previous year, from which published growths are computed.
        self.compared = reconcile.compare_with_published(
            self.published, self.run.history, self.year, self.conflicts
        )
        self.findings = reconcile.check_published_consistency(self.published)

    # --- summary -----------------------------------------------------------------------

    def summary(self) -> HTML:
        """What the page finds, in counts, and how to read it on this kind of data."""
        # The inconsistencies counted here are those that involve the report year.
        counts = reconcile.summarise_reconciliation(self.compared, self.select_findings_of_year())
        total = len(self.compared)
        if not total:
            return self.paragraph(t("reconciliation.none", self.lang, year=self.year), "mr-lead")
        items = "".join(
            f"<li>{self.format_count(f'reconciliation.count.{name}', counts[name])}</li>"
            for name in (*reconcile.COMPARISON_STATUSES, "inconsistencies")
            if counts[name]
        )
        lead = i18n.t_count(
            "reconciliation.lead",
            self.lang,
            total,
            total=i18n.format_number(total, self.lang),
            year=self.year,
        )
        reading = t(
            "reconciliation.reading_synthetic"
            if self.run.synthetic
            else "reconciliation.reading_real",
            self.lang,
        )
        return HTML(
            f'<p class="mr-lead">{escape(lead)}</p><ul class="mr-counts">{items}</ul>'
            f'<p class="mr-purpose">{escape(reading)}</p>'
        )

    def format_count(self, key: str, count: int) -> str:
        """The text of ``key`` with its ``{count}`` in bold (the catalog places it)."""
        text = escape(i18n.t_count(key, self.lang, count, count="\x00", year=self.year))
        number = escape(i18n.format_number(count, self.lang))
        return text.replace("\x00", f"<strong>{number}</strong>")

    # --- comparison ----------------------------------------------------------------------

    def select_rows(self, statuses: tuple[str, ...]) -> list[dict]:
        """The compared figures with one of ``statuses``, in the report's order of
        metrics and segments."""
        rows = self.compared[self.compared["status"].isin(statuses)].to_dict("records")
        return sorted(rows, key=self.rank_row)

    @staticmethod
    def rank_row(row: dict) -> tuple:
        """Sort key: the registry's order of metrics (a growth beside its count), then
        the display order of segments."""
        metric = row["metric"]
        base = reconcile.growth_base_metric(metric) or metric
        position = METRIC_ORDER.get(metric, METRIC_ORDER.get(base, len(METRIC_ORDER)))
        return position, metric, segment_rank(row["segment"]), row["kind"], row["source"]

    def attention_table(self) -> HTML:
        """What a reader must see first: the published figures in conflict with another
        published figure or outside the tolerance of this report's, in a table."""
        rows = self.select_rows(ATTENTION_STATUSES)
        if not rows:
            return self.note("reconciliation.nothing_to_flag", year=self.year)
        return self.comparison_table(ATTENTION_STATUSES, "attention_title")

    def folded_table(self) -> HTML:
        """The published figures that agree with this report (or that it withholds or
        lacks), folded under a summary that counts them: they need no second look."""
        statuses = tuple(s for s in COMPARED_STATUSES if s not in ATTENTION_STATUSES)
        rows = self.select_rows(statuses)
        if not rows:
            return HTML("")
        summary = escape(
            i18n.t_count(
                "reconciliation.folded_summary",
                self.lang,
                len(rows),
                count=i18n.format_number(len(rows), self.lang),
                year=self.year,
            )
        )
        table = self.comparison_table(statuses, "agreeing_title").data
        return HTML(f'<details class="mr-folded"><summary>{summary}</summary>{table}</details>')

    def comparison_table(
        self, statuses: tuple[str, ...] = COMPARED_STATUSES, title: str = "compared_title"
    ) -> HTML:
        """Each published figure the report computes with one of ``statuses``: both
        values, the difference and its tolerance, the verdict and the quoted passage,
        under the title ``reconciliation.table.<title>``."""
        rows = self.select_rows(statuses)
        if not rows:
            return self.note("reconciliation.nothing_compared", year=self.year)
        headers = [
            ("", t("reconciliation.table.figure", self.lang)),
            ("number", t("reconciliation.table.published", self.lang)),
            ("number", t("reconciliation.table.computed", self.lang)),
            ("number", t("reconciliation.table.difference", self.lang)),
            ("", t("reconciliation.table.status", self.lang)),
            ("", t("reconciliation.table.passage", self.lang)),
        ]
        body = [
            [
                ("", self.name_published_figure(row)),
                ("number", escape(format_published(row["published"], row["unit"], self.lang))),
                ("number", self.computed_cell(row)),
                ("number", self.difference_cell(row)),
                ("", tag(self.name_status(row["status"]), STATUS_CSS[row["status"]])),
                ("", self.passage_cell(row)),
            ]
            for row in rows
        ]
        caption = t("reconciliation.table.caption", self.lang, **describe_tolerances(self.lang))
        # The first flagged row of each figure is where the figure's caveat links to.
        ids, named = [], set()
        for row in rows:
            key = (row["metric"], row["segment"])
            flagged = row["status"] in FLAGGED_STATUSES and key not in named
            if flagged:
                named.add(key)
            ids.append(published_anchor(*key) if flagged else "")
        title_text = t(f"reconciliation.table.{title}", self.lang, year=self.year)
        return HTML(html_table(headers, body, title=title_text, caption=caption, row_ids=ids))

    def methods_words(self) -> dict[str, str]:
        """The tolerances, which the methods note states in numbers."""
        return describe_tolerances(self.lang)

    def format_points_size(self, value: float, decimals: int = 0) -> str:
        """A size in percentage points, unsigned: "1 pp"."""
        return format_points_size(value, self.lang, decimals)

    def name_published_figure(self, row: dict) -> str:
        """The published figure's name, linked to its definition; a published growth the
        report computes from its counts is named after them (compared rows always have
        a KPI metric, or a growth of one)."""
        metric, segment = row["metric"], row["segment"]
        if metric in registry.METRICS_BY_ID:
            html = metric_link(metric, self.name_figure(Kpi(metric, segment, self.year)))
        else:
            base = reconcile.growth_base_metric(metric)
            name = self.name_figure(Kpi(base, segment, self.year))
            html = metric_link(base, t("reconciliation.growth_of", self.lang, name=name))
        if row["kind"] == "approximate":
            html += f"<br><small>{escape(t('reconciliation.kind.approximate', self.lang))}</small>"
        return html

    def computed_cell(self, row: dict) -> str:
        """The figure computed from the data, with its interval; or why there is none."""
        if row["status"] == "withheld":
            return tag(t("status.withheld", self.lang), "mr-withheld")
        if row["status"] == "no_value" or math.isnan(row["computed"]):
            return tag(t("status.not_measurable", self.lang), "mr-withheld")
        metric = row["metric"]
        if metric in registry.METRICS_BY_ID:
            text = escape(format_value(metric, row["computed"], self.lang))
        else:
            text = escape(i18n.format_change(row["computed"], self.lang))
        if not (math.isnan(row["ci_low"]) or math.isnan(row["ci_high"])):
            interval = i18n.format_interval(row["ci_low"], row["ci_high"], self.lang)
            text += f"<br><small>{escape(interval)}</small>"
        return text

    def difference_cell(self, row: dict) -> str:
        """Computed minus published (in points, or relative), and the tolerance under it."""
        if math.isnan(row["difference"]):
            return MISSING
        if row["scale"] == "points":
            difference = i18n.format_points(row["difference"], self.lang)
            tolerance = self.format_points_size(row["tolerance"], 1)
        else:
            difference = i18n.format_change(row["difference"], self.lang)
            tolerance = i18n.format_percent(row["tolerance"], self.lang, 0)
        words = t("reconciliation.tolerance", self.lang, tolerance=tolerance)
        return f"{escape(difference)}<br><small>{escape(words)}</small>"

    def name_status(self, status: str) -> str:
        return t(f"reconciliation.status.{status}", self.lang)

    def passage_cell(self, row: dict) -> str:
        """The quoted passage and its document; for a figure in conflict, why it cannot
        hold, under them (the widest column, so the verdicts stay narrow)."""
        quote = format_passage(row, self.lang)
        reason = row.get(f"reason_{self.lang}") or ""
        return f'{quote}<p class="mr-conflict">{escape(reason)}</p>' if reason else quote

    def uncomputed_table(self) -> HTML:
        """The published figures of the year the report has no figure for."""
        rows = self.select_rows(("not_computed",))
        if not rows:
            return HTML("")
        headers = [
            ("number", t("reconciliation.table.published", self.lang)),
            ("", t("reconciliation.table.passage", self.lang)),
        ]
        body = [
            [
                ("number", escape(format_published(row["published"], row["unit"], self.lang))),
                ("", format_passage(row, self.lang)),
            ]
            for row in rows
        ]
        title = t("reconciliation.table.uncomputed_title", self.lang, year=self.year)
        caption = t("reconciliation.uncomputed_caption", self.lang)
        return HTML(html_table(headers, body, title=title, caption=caption))

    def reference_table(self) -> HTML:
        """The objectives and outside references published about the year (not compared)."""
        rows = self.select_rows(("not_compared",))
        if not rows:
            return HTML("")
        headers = [
            ("", t("reconciliation.table.kind", self.lang)),
            ("number", t("reconciliation.table.published", self.lang)),
            ("", t("reconciliation.table.passage", self.lang)),
        ]
        body = [
            [
                ("", escape(t(f"reconciliation.kind.{row['kind']}", self.lang))),
                ("number", escape(format_published(row["published"], row["unit"], self.lang))),
                ("", format_passage(row, self.lang)),
            ]
            for row in rows
        ]
        title = t("reconciliation.table.reference_title", self.lang, year=self.year)
        caption = t("reconciliation.reference_caption", self.lang)
        return HTML(html_table(headers, body, title=title, caption=caption))

    # --- consistency ---------------------------------------------------------------------

    def select_findings_of_year(self) -> pd.DataFrame:
        """The inconsistencies that involve a published figure of the report year."""
        involved = [
            any(figure["year"] == self.year for figure in figures)
            for figures in self.findings["figures"]
        ]
        return self.findings[pd.Series(involved, index=self.findings.index, dtype=bool)]

    def consistency_rules(self) -> HTML:
        """The rules run over the published figures, one line each."""
        items = "".join(
            f"<li>{escape(t(f'reconciliation.rule.{rule}', self.lang))}</li>"
            for rule, _ in reconcile.CONSISTENCY_RULES
        )
        intro = escape(t("reconciliation.rules_intro", self.lang))
        return HTML(f'<p>{intro}</p><ul class="mr-gaps">{items}</ul>')

    def consistency_findings(self) -> HTML:
        """Each inconsistency with both (or all) of its passages: those that involve the
        report year, then those of other years."""
        if self.findings.empty:
            return self.paragraph(t("reconciliation.no_findings", self.lang))
        of_year = self.select_findings_of_year()
        others = self.findings.drop(of_year.index)
        parts = []
        for frame, key in (
            (of_year, "reconciliation.findings_year"),
            (others, "reconciliation.findings_other"),
        ):
            if frame.empty:
                continue
            parts.append(f"<h3>{escape(t(key, self.lang, year=self.year))}</h3>")
            parts += [self.format_finding(row) for row in frame.to_dict("records")]
        if of_year.empty:
            parts.insert(
                0,
                self.paragraph(
                    t("reconciliation.no_findings_year", self.lang, year=self.year)
                ).data,
            )
        return HTML("\n".join(parts))

    def format_finding(self, finding: dict) -> str:
        """One inconsistency: what the rule found, then every passage involved."""
        unit = finding["figures"][0]["unit"]
        written = finding["rule"] in WRITTEN_EXPECTATIONS
        words = {
            "stated": format_published(finding["stated"], unit, self.lang),
            "expected": self.format_expected(finding["expected"], unit, written),
            "tolerance": self.format_tolerance(finding["tolerance"], unit),
        }
        title = t(f"reconciliation.rule_title.{finding['rule']}", self.lang)
        explanation = t(f"reconciliation.finding.{finding['key']}", self.lang, **words)
        passages = "".join(
            "<li>"
            + escape(
                t(
                    "reconciliation.passage",
                    self.lang,
                    role=t(f"reconciliation.role.{figure['role']}", self.lang),
                    year=figure["year"],
                    value=format_published(figure["value"], figure["unit"], self.lang),
                )
            )
            + f"<br>{format_passage(figure, self.lang)}</li>"
            for figure in finding["figures"]
        )
        return (
            f'<div class="mr-finding"><p><strong>{escape(title)}</strong> · '
            f"{escape(str(finding['year']))}<br>{escape(explanation)}</p>"
            f"<ul>{passages}</ul></div>"
        )

    def format_expected(self, value: float, unit: str, written: bool) -> str:
        """What a finding expected: a published figure (or 100 %) as written, else the
        value other figures imply, to a tenth of a point."""
        if written:
            return format_published(value, unit, self.lang)
        if unit == "growth":
            return i18n.format_change(value, self.lang)
        if unit in PERCENT_UNITS:
            return i18n.format_percent(value, self.lang)
        return i18n.format_number(value, self.lang)

    def format_tolerance(self, value: float, unit: str) -> str:
        if unit in PERCENT_UNITS:
            return self.format_points_size(value, 1)
        return i18n.format_number(value, self.lang, 1)


def describe_tolerances(lang: str) -> dict[str, str]:
    """The tolerances of ``helpers.figures.reconcile``, written for the caption and the methods."""
    return {
        "points": format_points_size(reconcile.SHARE_RATE_TOLERANCE, lang),
        "relative": i18n.format_percent(reconcile.COUNT_TOLERANCE, lang, 0),
        "approximate_points": format_points_size(reconcile.APPROXIMATE_POINT_TOLERANCE, lang),
        "approximate_relative": i18n.format_percent(
            reconcile.APPROXIMATE_RELATIVE_TOLERANCE, lang, 0
        ),
    }


def format_points_size(value: float, lang: str, decimals: int = 0) -> str:
    """A size in percentage points, unsigned: "1 pp" / "1 pt"."""
    return i18n.format_points(abs(value), lang, decimals, signed=False)

"""The committee's objectives for a year: the scorecard page and its trajectories.

``open_scorecard`` reads the run's figures and the objectives (the dataset's own
``targets`` when it ships one); the ``Scorecard`` it returns lists every objective that
applies to the year with its figure, interval and status (``helpers.figures.objectives``), and
draws each objective's figure over the years against its threshold.
``helpers.pages.tally`` words the count of objectives by status, here and on the index page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
from IPython.display import HTML

from helpers.figures import objectives as objectives
from helpers.figures import registry, stats
from helpers.pages import charts, i18n
from helpers.pages.i18n import t
from helpers.pages.sections.caveats import is_snapshot
from helpers.pages.sections.figures import (
    Kpi,
    axis_formatter,
    format_threshold_amount,
    format_value,
)
from helpers.pages.sections.markup import (
    MISSING,
    chart_data_link,
    describe_chart,
    escape,
    figure_html,
    html_table,
    metric_link,
    tag,
)
from helpers.pages.sections.published import name_document
from helpers.pages.sections.section import Section, read_page_run
from helpers.pages.sections.trajectory import Step, plot_objective_trajectory
from helpers.pages.tally import format_tally, tally_html

PAGE = "targets"
STATUS_CSS = {
    "met": "mr-met",
    "met_within_uncertainty": "mr-uncertain",
    "missed_within_uncertainty": "mr-uncertain",
    "missed": "mr-missed",
    "not_measurable": "mr-withheld",
}
OBJECTIVE_KEY = ["metric", "segment", "comparator"]


def open_scorecard(
    year: int,
    data_dir: str | None = None,
    lang: str = "en",
    min_cell: int = stats.MIN_CELL,
    output_dir: str | None = None,
) -> Scorecard:
    """The committee's objectives for ``year``, ready to display in ``lang``.

    Parameters are the report's (``helpers.core.params``); see ``open_section``.

    Raises
    ------
    ValueError
        When an objective names a metric the KPI file does not have.
    """
    run = read_page_run(year, data_dir, lang, min_cell, output_dir)
    table = run.targets
    aims = run.stated_aims
    check_objectives(table)
    check_objectives(aims)
    return Scorecard(PAGE, year, lang, min_cell, run, table, aims=aims)


def check_objectives(table: pd.DataFrame) -> None:
    """Refuse objectives whose metric is not a metric id of the KPI file."""
    unknown = sorted(set(table["metric"].astype(str)) - set(registry.METRICS_BY_ID))
    if unknown:
        raise ValueError(f"targets: {', '.join(unknown)} is not a metric of the KPI file")


@dataclass
class Scorecard(Section):
    """The objectives of one year and their trajectories (see ``Section``), and beside
    them, judged the same way, the aims the published reports state (``aims``)."""

    # The run's stated aims unless given (a test's own).
    aims: pd.DataFrame | None = None
    evaluated_aims: pd.DataFrame = field(init=False, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.aims is None:
            self.aims = self.run.stated_aims
        self.evaluated_aims = objectives.evaluate_targets(self.aims, self.run.history, self.year)

    def summary(self) -> HTML:
        """How many objectives apply to the year, and how many have each status."""
        total = len(self.evaluated)
        if not total:
            return self.paragraph(t("targets.none", self.lang, year=self.year), "mr-lead")
        counts = objectives.count_target_statuses(self.evaluated)
        tally = format_tally(counts, self.lang)
        text = i18n.t_count(
            "targets.summary",
            self.lang,
            total,
            total=i18n.format_number(total, self.lang),
            year=self.year,
            counts=tally,
        )
        return HTML(f'<p class="mr-lead">{tally_html(text, tally)}</p>')

    def scorecard_table(self, group: str = "objectives") -> HTML:
        """Every objective of the year (``group`` "objectives") or every stated aim
        ("aims"): its figure and group, comparator and threshold, the year's value with
        its interval, the status and the document that set it."""
        evaluated = self.evaluated if group == "objectives" else self.evaluated_aims
        if evaluated.empty:
            return HTML(
                "" if group == "objectives" else self.note("targets.aims_none", year=self.year).data
            )
        headers = [
            ("", t("targets.table.objective", self.lang)),
            ("", t("targets.table.comparator", self.lang)),
            ("number", t("targets.table.threshold", self.lang)),
            ("number", str(self.year)),
            ("number", t("table.interval", self.lang)),
            ("", t("targets.table.status", self.lang)),
            ("", t("targets.table.source", self.lang)),
        ]
        body = [self.objective_row(row) for row in evaluated.to_dict("records")]
        title = t(
            "targets.table.title" if group == "objectives" else "targets.aims_table_title",
            self.lang,
            year=self.year,
        )
        caption = t("targets.table.caption", self.lang)
        return HTML(html_table(headers, body, title=title, caption=caption))

    def objective_row(self, row: dict) -> list[tuple[str, str]]:
        """The table cells of one evaluated objective."""
        metric, segment, comparator = row["metric"], row["segment"], row["comparator"]
        name = self.name_figure(Kpi(metric, segment, self.year))
        amount = format_threshold_amount(metric, comparator, row["threshold"], self.lang)
        return [
            ("", metric_link(metric, name)),
            ("", escape(t(f"targets.comparator.{name_comparator(comparator)}", self.lang))),
            ("number", escape(amount)),
            ("number", self.objective_value_cell(row)),
            ("number", escape(self.format_objective_interval(row))),
            ("", self.status_cell(row["status"], row["reason"])),
            ("", escape(name_document(row["source"], self.lang))),
        ]

    def objective_value_cell(self, row: dict) -> str:
        """The figure the objective is judged on; a growth shows the two counts under it."""
        if math.isnan(row["value"]):
            return MISSING
        if row["comparator"] != objectives.GROWTH_COMPARATOR or math.isnan(row["previous_value"]):
            return escape(format_value(row["metric"], row["value"], self.lang))
        detail = t(
            "targets.growth_detail",
            self.lang,
            previous=format_value(row["metric"], row["previous_value"], self.lang),
            previous_year=self.previous_year,
            current=format_value(row["metric"], row["current_value"], self.lang),
            year=self.year,
        )
        change = i18n.format_change(row["value"], self.lang)
        return f"{escape(change)}<br><small>{escape(detail)}</small>"

    def format_objective_interval(self, row: dict) -> str:
        """The 95 % interval of the objective's figure; a dash for counts and growths."""
        if math.isnan(row["ci_low"]) or math.isnan(row["ci_high"]):
            return MISSING
        return i18n.format_interval(row["ci_low"], row["ci_high"], self.lang)

    def status_cell(self, status: str, reason: object) -> str:
        """The status as a badge, with why there is no figure when there is none."""
        cell = tag(t(f"status.{status}", self.lang), STATUS_CSS[status])
        if status == "not_measurable" and isinstance(reason, str) and reason:
            cell += f"<br><small>{escape(self.describe_reason(reason))}</small>"
        return cell

    def describe_reason(self, reason: str) -> str:
        """Why an objective has no figure this year, in words."""
        words = {"min_cell": self.min_cell, "previous_year": self.previous_year}
        return t(f"targets.reason.{reason}", self.lang, **words)

    def list_trajectories(self) -> pd.DataFrame:
        """Each objective's figure and status in every year up to the report year."""
        history = self.run.history
        shown = history[pd.to_numeric(history["year"]) <= self.year]
        return objectives.target_trajectory(self.targets, shown)

    def trajectory_charts(self) -> HTML:
        """One compact chart per objective of the table, over the years the data covers
        up to the report year; the objectives of the year come first."""
        table = objectives.read_targets(self.targets)
        if table.empty:
            return HTML("")
        trajectory = self.list_trajectories()
        if trajectory["year"].nunique() < 2:
            return self.note("chart.single_year", year=self.year)
        points = dict(tuple(trajectory.groupby(OBJECTIVE_KEY)))
        rules = dict(tuple(table.groupby(OBJECTIVE_KEY)))
        pieces = [
            self.trajectory_chart(key, points[key], rules[key])
            for key in self.order_objectives(table)
        ]
        return HTML(f'<div class="mr-grid">{"".join(pieces)}</div>')

    def order_objectives(self, table: pd.DataFrame) -> list[tuple[str, str, str]]:
        """Objectives in force in the report year first, then by the year they start."""
        first = table.groupby(OBJECTIVE_KEY)["first_year"].min()
        applying = set(map(tuple, self.evaluated[OBJECTIVE_KEY].itertuples(index=False)))
        return sorted(first.index, key=lambda key: (key not in applying, first[key], key))

    def trajectory_chart(
        self, key: tuple[str, str, str], points: pd.DataFrame, rules: pd.DataFrame
    ) -> str:
        """The chart of one objective, as an embedded image with its title as alt text."""
        metric, segment, comparator = key
        growth = comparator == objectives.GROWTH_COMPARATOR
        if is_snapshot(metric):
            # One value for every year: drawn as the report year's point, not as a trend.
            points = points[points["year"].astype(int) == self.year]
        name = self.name_figure(Kpi(metric, segment, self.year))
        title = t("targets.chart_growth" if growth else "targets.chart_level", self.lang, name=name)
        frame = pd.DataFrame(
            {
                "year": points["year"].astype(int),
                "value": points["value"].astype(float),
                "low": points["ci_low"].astype(float),
                "high": points["ci_high"].astype(float),
                "text": [
                    self.describe_point(metric, growth, row) for row in points.to_dict("records")
                ],
                "status": [s if isinstance(s, str) else None for s in points["status"]],
            }
        )
        steps = [
            Step(
                int(rule["first_year"]),
                int(rule["last_year"]),
                float(rule["threshold"]),
                self.describe_step(metric, comparator, rule, int(frame["year"].max())),
            )
            for rule in rules.sort_values("first_year").to_dict("records")
        ]
        proportion = registry.metric(metric).kind in registry.PROPORTION_KINDS
        value_format = (
            (lambda v: i18n.format_tick(v, self.lang, percent=True))
            if growth
            else axis_formatter(metric, self.lang)
        )
        names = {s: t(f"status.{s}", self.lang) for s in objectives.STATUSES}
        figure = plot_objective_trajectory(
            frame, steps, title, value_format, share=proportion and not growth, status_names=names
        )
        drawn_title, _ = charts.take_captions(figure)
        wide = charts.render_svg(figure)
        narrow = charts.render_narrow_svg(figure)
        shown = frame.drop(columns="status")
        links = " · ".join(
            [
                metric_link(metric, t("targets.definition_link", self.lang)),
                chart_data_link(
                    shown,
                    t("chart.data_link", self.lang),
                    f"targets-{self.year}-{metric}-{segment}.csv",
                ),
            ]
        )
        caveats = self.figure_caveats(self.kpi(metric, segment), with_previous=False)
        finding = self.trajectory_finding(key, name, rules, frame)
        alt = describe_chart(t("chart.alt", self.lang, title=f"{finding}. {drawn_title}"), shown)
        return figure_html(wide, narrow, alt, finding, extra=caveats + links, subtitle=drawn_title)

    def trajectory_finding(
        self, key: tuple[str, str, str], name: str, rules: pd.DataFrame, frame: pd.DataFrame
    ) -> str:
        """An objective chart's active title: the year's figure against the objective and
        its status, or when the objective applies if not in the report year."""
        metric, segment, comparator = key
        evaluated = self.evaluated
        row = evaluated[
            (evaluated["metric"] == metric)
            & (evaluated["segment"] == segment)
            & (evaluated["comparator"] == comparator)
        ]
        if not row.empty:
            record = row.iloc[0].to_dict()
            words = {"name": name, "year": self.year, "objective": self.objective_words(record)}
            if math.isnan(record["value"]):
                reason = record["reason"] if isinstance(record["reason"], str) else "absent"
                why = self.describe_reason(reason)
                return t("targets.finding_missing", self.lang, reason=why, **words)
            value = (
                i18n.format_change(record["value"], self.lang)
                if comparator == objectives.GROWTH_COMPARATOR
                else format_value(metric, record["value"], self.lang)
            )
            status = t(f"status.{record['status']}", self.lang)
            return t("targets.finding", self.lang, value=value, status=status, **words)
        # Not in force this year: the nearest rule, the next to come or the last one past.
        ordered = rules.sort_values("first_year").to_dict("records")
        later = [r for r in ordered if r["first_year"] > self.year]
        drawn = frame[frame["year"] == self.year]
        rule = later[0] if later else ordered[-1]
        words = {
            "name": name,
            # As the chart writes the report year's point (a growth for a growth objective).
            "value": drawn["text"].iloc[0] if not drawn.empty else MISSING,
            "year": self.year,
            "objective": self.objective_words(rule),
            "first": rule["first_year"],
            "last": rule["last_year"],
        }
        return t("targets.finding_later" if later else "targets.finding_ended", self.lang, **words)

    def objective_words(self, rule: dict) -> str:
        """An objective in words: "at least 70 %", "growth over the previous year of at
        least 5 %"."""
        comparator = rule["comparator"]
        threshold = format_threshold_amount(
            rule["metric"], comparator, rule["threshold"], self.lang
        )
        return f"{t(f'targets.comparator.{name_comparator(comparator)}', self.lang)} {threshold}"

    def describe_point(self, metric: str, growth: bool, row: dict) -> str:
        """What the chart writes for one year: the value, or why there is none."""
        reason = row["reason"]
        if isinstance(reason, str) and reason.endswith("withheld"):
            return t("chart.withheld", self.lang)
        if math.isnan(row["value"]):
            return t("chart.not_measurable", self.lang)
        if growth:
            return i18n.format_change(row["value"], self.lang, 0)
        return format_value(metric, row["value"], self.lang)

    def describe_step(self, metric: str, comparator: str, rule: dict, last_shown: int) -> str:
        """A threshold and its years: "at least 60%, 2020–2022", "at least 20% in 2021"."""
        # The chart's title says when the objective is a growth; its line says how much.
        level = ">=" if comparator == objectives.GROWTH_COMPARATOR else comparator
        words = {
            "comparator": t(f"targets.comparator.{name_comparator(level)}", self.lang),
            "threshold": format_threshold_amount(metric, comparator, rule["threshold"], self.lang),
            "first": rule["first_year"],
            "last": rule["last_year"],
        }
        if rule["first_year"] > last_shown:
            return t("targets.chart_from", self.lang, **words)
        if rule["first_year"] == rule["last_year"]:
            return t("targets.chart_in", self.lang, **words)
        return t("targets.chart_years", self.lang, **words)


def name_comparator(comparator: str) -> str:
    """The catalog name of a comparator (``>=`` -> ``at_least``)."""
    return {">=": "at_least", "<=": "at_most", "growth_>=": "growth_at_least"}[comparator]

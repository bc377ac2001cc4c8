"""One section of the report for one year and language: its figures and its words.

``open_section`` reads (or computes, for a notebook run by hand) the run's figures and
returns a ``Section``; the notebooks call its pieces and display them. Each piece lives in
the module named for what it draws: ``text`` (the lead, headings, notes, key findings,
gaps, methods), ``tables``, ``funnel_charts``, ``group_charts``, ``time_charts``,
``carbon_charts`` and ``impact``; ``chart_pieces``, ``chart_titles`` and ``caveats``
hold what those share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from helpers.figures import objectives as objectives
from helpers.figures import registry, stats
from helpers.figures.run_data import RunData, load_run_data
from helpers.pages import i18n
from helpers.pages.i18n import t
from helpers.pages.sections.carbon_charts import CarbonCharts
from helpers.pages.sections.caveats import SectionCaveats
from helpers.pages.sections.chart_pieces import SectionCharts
from helpers.pages.sections.chart_titles import ChartTitles
from helpers.pages.sections.figures import (
    Change,
    Kpi,
    changed_segments,
    format_threshold,
    format_value,
    index_figures,
)
from helpers.pages.sections.funnel_charts import FunnelCharts
from helpers.pages.sections.group_charts import GroupCharts
from helpers.pages.sections.impact import ImpactPieces
from helpers.pages.sections.markup import MISSING
from helpers.pages.sections.tables import SectionTables
from helpers.pages.sections.text import SectionText
from helpers.pages.sections.time_charts import TimeCharts

SECTIONS = registry.SECTIONS


def open_section(
    name: str,
    year: int,
    data_dir: str | None = None,
    lang: str = "en",
    min_cell: int = stats.MIN_CELL,
    output_dir: str | None = None,
) -> Section:
    """The figures of section ``name`` for ``year``, ready to display in ``lang``.

    With ``output_dir`` the run's figures are read from there; without it they are
    computed from the dataset into a cache folder (``helpers.figures.run_data.load_run_data``).
    """
    if name not in SECTIONS:
        raise ValueError(f"unknown section {name!r}; choose one of {', '.join(SECTIONS)}")
    run = read_page_run(year, data_dir, lang, min_cell, output_dir)
    return Section(name, year, lang, min_cell, run, run.targets)


def read_page_run(
    year: int,
    data_dir: str | None = None,
    lang: str = "en",
    min_cell: int = stats.MIN_CELL,
    output_dir: str | None = None,
) -> RunData:
    """The run's figures a page of ``year`` in ``lang`` shows (see ``open_section``).

    Raises
    ------
    ValueError
        When ``lang`` is not a language of the report, or ``output_dir`` holds the
        figures of another year.
    """
    i18n.check_language(lang)
    run = load_run_data(
        year, data_dir=data_dir, min_cell=min_cell, output_dir=output_dir, lang=lang
    )
    if run.year != year:
        raise ValueError(f"the run data in {output_dir} is for {run.year}, not {year}")
    return run


@dataclass
class Section(
    SectionText,
    SectionTables,
    FunnelCharts,
    GroupCharts,
    TimeCharts,
    CarbonCharts,
    ImpactPieces,
    SectionCharts,
    SectionCaveats,
    ChartTitles,
):
    """One section of the report for one year and language, and its display pieces."""

    name: str
    year: int
    lang: str
    min_cell: int
    run: RunData
    targets: pd.DataFrame
    # The run's category rules unless given (a test's own).
    category_rules: pd.DataFrame | None = field(default=None, repr=False)
    figures: dict[tuple[int, str, str], Kpi] = field(init=False, repr=False)
    evaluated: pd.DataFrame = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.category_rules is None:
            self.category_rules = self.run.category_rules
        self.figures = index_figures(self.run.history)
        self.figures.update(index_figures(self.run.kpis))
        self.evaluated = objectives.evaluate_targets(self.targets, self.run.history, self.year)

    @property
    def previous_year(self) -> int:
        return self.year - 1

    @property
    def has_previous(self) -> bool:
        """True when the data covers the previous year."""
        return self.previous_year in self.years

    @property
    def years(self) -> list[int]:
        """The years the history holds figures for, up to the report year, in order.

        A report speaks as of its year: later years of the dataset are not shown.
        """
        return sorted({year for year, _, _ in self.figures if year <= self.year})

    @property
    def redefined(self) -> frozenset[str]:
        """The segments whose definition differs between the previous year and this one
        (the category rules changed in between); empty in most years."""
        return changed_segments(self.category_rules, self.previous_year, self.year)

    @property
    def provenance(self) -> dict:
        return self.run.provenance

    @property
    def absent_tables(self) -> tuple[str, ...]:
        return self.run.absent_tables

    def kpi(self, metric: str, segment: str = "all", year: int | None = None) -> Kpi:
        """The figure of ``metric`` for ``segment`` in ``year`` (the report year by default).

        A figure the file does not hold comes back without value, as "not measurable".
        """
        year = self.year if year is None else year
        registry.metric(metric)  # an unknown id is a typing mistake, not a gap in the data
        return self.figures.get((year, metric, segment), Kpi(metric, segment, year))

    def describe(self, kpi: Kpi) -> str:
        """The figure as text: its value, or the status word saying why it has none."""
        if kpi.suppressed:
            return t("status.withheld", self.lang)
        if math.isnan(kpi.value):
            return t("status.not_measurable", self.lang)
        return format_value(kpi.metric, kpi.value, self.lang)

    def objectives_of(self, metric: str, segment: str) -> pd.DataFrame:
        """The committee's objectives for this figure in the report year, with their status."""
        rows = self.evaluated
        return rows[(rows["metric"] == metric) & (rows["segment"] == segment)]

    def describe_objective(self, objective: pd.Series) -> tuple[str, str]:
        """An objective in words and its status word (withheld when its figure is)."""
        target = format_threshold(
            objective["metric"], objective["comparator"], objective["threshold"], self.lang
        )
        status = objective["status"]
        if status == "not_measurable" and str(objective["reason"]).endswith("withheld"):
            status = "withheld"
        return target, t(f"status.{status}", self.lang)

    def label(self, metric: str) -> str:
        return t(registry.metric(metric).label_key, self.lang)

    def segment_name(self, segment: str, metric: str | None = None) -> str:
        """A group's name; ``metric`` names the group as that figure counts it (career
        outcomes of ``all`` count every member, not only students)."""
        specific = f"segment_for.{metric}.{segment}"
        if metric is not None and i18n.has_key(specific, self.lang):
            return t(specific, self.lang)
        named = f"segment.{segment}"
        if (
            metric is not None
            and registry.metric(metric).segments in registry.DATA_SEGMENTS
            and not i18n.has_key(named, self.lang)
        ):
            # A group the data names (a population surveyed): its name as written, readable.
            return segment.replace("_", " ").capitalize()
        return t(named, self.lang)

    def name_figure(self, kpi: Kpi) -> str:
        """A figure's label, with its group when it is not about all students and the
        label does not already say it (women among tech instructors is about tech)."""
        label = self.label(kpi.metric)
        if kpi.segment in ("all", registry.metric(kpi.metric).segments):
            return label
        group = self.segment_name(kpi.segment, kpi.metric)
        # A group whose name has its own parenthesis is set off by a dash instead.
        key = "figure.in_group_dash" if "(" in group else "figure.in_group"
        return t(key, self.lang, label=label, group=group)

    def count(self, value: float) -> str:
        return MISSING if math.isnan(value) else i18n.format_number(value, self.lang)

    def interval(self, kpi: Kpi) -> str:
        if not kpi.measured or math.isnan(kpi.ci_low):
            return MISSING
        if kpi.kind == "difference":
            return i18n.format_points_interval(kpi.ci_low, kpi.ci_high, self.lang)
        if registry.metric(kpi.metric).unit.startswith("EUR"):
            low, high = (i18n.format_currency(v, self.lang) for v in (kpi.ci_low, kpi.ci_high))
            return t("interval.range", self.lang, low=low, high=high)
        return i18n.format_interval(kpi.ci_low, kpi.ci_high, self.lang)

    def describe_change(self, change: Change | None) -> str:
        if change is None:
            return MISSING
        if change.points:
            return i18n.format_points(change.value, self.lang)
        return i18n.format_change(change.value, self.lang)

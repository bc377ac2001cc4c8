"""The figures of the KPI file as a section reads them, and how they are put in words.

A ``Kpi`` is one row of the file; ``compare_years`` and ``compare_groups`` give the change
between two rows (in points with Newcombe's 95 % interval for shares, relative for
counts); ``format_value`` writes a figure in the locale's format with its unit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from helpers.figures import objectives as objectives
from helpers.figures import registry, verdicts
from helpers.pages import i18n
from helpers.pages.i18n import t

# Below this many people a share is shown but flagged: its interval spans tens of points.
SMALL_GROUP_SIZE = 30
CATEGORY_SEGMENTS = ("job_seekers", "low_qualification", "priority_area", "refugees", "disability")
# Segments made of every category: a change to any category's rules changes them too.
UNION_SEGMENTS = ("underserved", "non_underserved")


@dataclass(frozen=True)
class Kpi:
    """One figure of the KPI file; NaN where the file leaves the cell empty."""

    metric: str
    segment: str
    year: int
    value: float = math.nan
    numerator: float = math.nan
    denominator: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    suppressed: bool = False

    @property
    def measured(self) -> bool:
        """True when the figure has a value the report may show."""
        return not self.suppressed and not math.isnan(self.value)

    @property
    def kind(self) -> str:
        """The metric's kind in the registry: count, rate, share, growth, amount..."""
        return registry.metric(self.metric).kind

    @property
    def is_proportion(self) -> bool:
        return self.kind in registry.PROPORTION_KINDS

    @property
    def small_group(self) -> bool:
        """True for a shown share or rate computed over fewer than ``SMALL_GROUP_SIZE`` people."""
        return self.measured and self.is_proportion and self.denominator < SMALL_GROUP_SIZE


@dataclass(frozen=True)
class Change:
    """A difference between two figures: in points with its 95 % interval and the verdict
    drawn from it (``helpers.figures.verdicts``), or relative."""

    points: bool
    value: float
    low: float = math.nan
    high: float = math.nan
    verdict: verdicts.Verdict | None = field(default=None, compare=False)

    @property
    def clear(self) -> bool:
        """True when the verdict on a difference in points is clear (its interval excludes 0)."""
        return self.points and self.verdict is not None and self.verdict.clear

    @property
    def reading(self) -> str:
        """ "above", "below" or "unclear" (a relative change is "unclear": no interval)."""
        return self.verdict.reading if self.points and self.verdict else "unclear"


def index_figures(frame: pd.DataFrame) -> dict[tuple[int, str, str], Kpi]:
    """The rows of a KPI frame (one year or a history) keyed by (year, metric, segment)."""
    suppressed = objectives.parse_booleans(frame["suppressed"])
    figures = {}
    for row, withheld in zip(frame.to_dict("records"), suppressed, strict=True):
        kpi = Kpi(
            metric=str(row["metric"]),
            segment=str(row["segment"]),
            year=int(row["year"]),
            suppressed=bool(withheld),
            **{
                c: _float(row[c])
                for c in ("value", "numerator", "denominator", "ci_low", "ci_high")
            },
        )
        figures[(kpi.year, kpi.metric, kpi.segment)] = kpi
    return figures


def _float(value: object) -> float:
    return math.nan if value is None or pd.isna(value) else float(value)


def compare_years(current: Kpi, previous: Kpi) -> Change | None:
    """This year against the previous one, or None when either has no value to show.

    Shares and rates differ in points, with Newcombe's 95 % interval (the two years'
    cohorts are distinct people); counts and amounts change relatively. Growths and
    premiums are already changes: comparing them would mean nothing to a reader.
    """
    if not (current.measured and previous.measured):
        return None
    spec = registry.metric(current.metric)
    if spec.kind == "difference":
        # A difference between two years of paired differences needs the people of both
        # years paired again: it is not shown.
        return None
    if current.is_proportion:
        return compare_groups(current, previous)
    if spec.kind == "growth" or spec.unit == "fraction" or previous.value == 0:
        return None
    return Change(points=False, value=current.value / previous.value - 1)


# A relative change of a count or an amount smaller than this reads as no change: the
# figures are counts of everyone, not samples, but a change that rounds to 0.0 % is
# no change a reader can see.
NO_CHANGE = 0.0005
# How a change is judged, from the metric's direction (``registry.DIRECTIONS``).
ASSESSMENTS = ("better", "worse", "no_clear_change", "up", "down")


def assess_change(change: Change | None, direction: str) -> str | None:
    """Whether ``change`` serves the mission: "better", "worse" or "no_clear_change";
    "up" or "down" for a figure whose direction is neutral; None without a change.

    A difference of shares is a change only when its 95 % interval excludes zero, the
    rule of the tables; a relative change of a count only when it does not round to 0.0 %.
    """
    if change is None:
        return None
    moved = change.clear if change.points else abs(change.value) >= NO_CHANGE
    if not moved:
        return "no_clear_change"
    if direction == "neutral":
        return "up" if change.value > 0 else "down"
    rose = change.value > 0
    return "better" if rose == (direction == "higher") else "worse"


def compare_groups(group: Kpi, reference: Kpi) -> Change | None:
    """A share of ``group`` against that of ``reference``, with the verdict's 95 % interval.

    One figure in two years compares two samples of different people; two segments are
    compared as ``verdicts.comparison_between`` says: a group against a population that
    holds it (``all``) is compared with the rest of that population, and the difference
    is then the group's share minus the rest's. None when either has no value to show
    or the two groups may share people.
    """
    if not (group.measured and reference.measured):
        return None
    comparison = (
        verdicts.INDEPENDENT
        if group.segment == reference.segment
        else verdicts.comparison_between(group.segment, reference.segment)
    )
    if comparison is None:
        return None
    verdict = verdicts.decide(
        (int(group.numerator), int(group.denominator)),
        (int(reference.numerator), int(reference.denominator)),
        comparison,
    )
    if verdict is None:
        return None
    return Change(True, verdict.value, verdict.low, verdict.high, verdict)


def format_value(metric: str, value: float, lang: str) -> str:
    """A figure in the locale's format, with its unit, as its kind calls for."""
    spec = registry.metric(metric)
    if spec.kind in registry.PROPORTION_KINDS or spec.unit == "fraction of budget":
        return i18n.format_percent(value, lang)
    if spec.kind == "difference":
        return i18n.format_points(value, lang)
    if spec.kind == "growth" or spec.unit == "fraction":
        return i18n.format_change(value, lang)
    if spec.unit.startswith("EUR"):
        return i18n.format_currency(value, lang)
    if spec.unit == "tCO2e":
        return t(
            "unit.tonnes", lang, value=i18n.format_number(value, lang, 1 if value < 100 else 0)
        )
    if spec.unit.startswith("kgCO2e"):
        return t("unit.kg", lang, value=i18n.format_number(value, lang, 2 if value < 10 else 1))
    return i18n.format_number(value, lang)


def format_threshold(metric: str, comparator: str, threshold: float, lang: str) -> str:
    """An objective in words: "at least 70%" or "growth of at least 20%"."""
    amount = format_threshold_amount(metric, comparator, threshold, lang)
    key = {">=": "target.at_least", "<=": "target.at_most", "growth_>=": "target.growth_at_least"}
    return t(key[comparator], lang, threshold=amount)


def format_threshold_amount(metric: str, comparator: str, threshold: float, lang: str) -> str:
    """An objective's threshold alone, as its figure is written: "70%", "500,000"."""
    proportion = comparator == "growth_>=" or registry.metric(metric).kind != "count"
    if proportion:
        decimals = 0 if math.isclose(threshold * 100, round(threshold * 100)) else 1
        return i18n.format_percent(threshold, lang, decimals)
    return i18n.format_number(threshold, lang)


def axis_formatter(metric: str, lang: str) -> Callable[[float], str]:
    """How a chart's value axis writes the ticks of ``metric`` (20 %, 1 000, 30 000 €)."""
    spec = registry.metric(metric)
    if spec.kind in registry.PROPORTION_KINDS or spec.unit == "fraction":
        return lambda value: i18n.format_tick(value, lang, percent=True)
    if spec.unit.startswith("EUR"):
        return lambda value: i18n.format_currency(value, lang)
    return lambda value: i18n.format_tick(value, lang)


def axis_label_key(metric: str) -> str:
    """The catalog key of the value axis' title for ``metric``: a rate's axis reads
    "Rate" (its denominator differs from rate to rate), a share's "Share of students"."""
    spec = registry.metric(metric)
    if spec.kind == "rate":
        return "chart.rate_axis"
    if spec.kind in registry.PROPORTION_KINDS:
        return "chart.percent_axis"
    if spec.unit.startswith("EUR"):
        return "chart.eur_axis"
    if spec.unit == "tCO2e":
        return "chart.tonnes_axis"
    if spec.unit.startswith("kgCO2e"):
        return "chart.kg_axis"
    return "chart.count_axis"


def axis_scale(metric: str) -> str:
    """The value axis a chart of ``metric`` needs (``helpers.pages.charts``' ``scale``)."""
    spec = registry.metric(metric)
    if spec.kind in registry.PROPORTION_KINDS:
        return "share"
    return "count" if spec.kind == "count" else "linear"


def rules_in_force(rules: pd.DataFrame, year: int) -> dict[str, frozenset[tuple[str, str]]]:
    """Each category's rules (column, value) in force in ``year`` (``category_rules``)."""
    first = rules["first_year"].fillna(year).astype(int)
    last = rules["last_year"].fillna(year).astype(int)
    active = rules[(first <= year) & (year <= last)]
    return {
        str(category): frozenset(zip(group["column"], group["value"], strict=True))
        for category, group in active.groupby("category")
    }


def changed_segments(rules: pd.DataFrame, before: int, after: int) -> frozenset[str]:
    """The segments whose definition differs between two years: the categories whose
    rules changed, and the underserved and non-underserved groups they make up."""
    old, new = rules_in_force(rules, before), rules_in_force(rules, after)
    changed = {c for c in set(old) | set(new) if old.get(c) != new.get(c)}
    return frozenset(changed | set(UNION_SEGMENTS)) if changed else frozenset()


def definition_change_years(rules: pd.DataFrame) -> list[int]:
    """The years from which a category's rules differ from the year before."""
    starts = set(rules["first_year"].dropna().astype(int))
    ends = {year + 1 for year in rules["last_year"].dropna().astype(int)}
    return sorted(y for y in starts | ends if changed_segments(rules, y - 1, y))

"""What the 2022 report's triple-bottom-line table asks for, and what this run measures.

The 2022 mission report lists, for its financial, social and carbon reporting, what
OpenClassrooms already reports and what it does not yet (careers after 1, 2, 5 and 10
years, salary rises, the wider social impact including tax, a monthly carbon report,
carbon budgets managed by the teams). ``reporting_lines`` gives each line of that table
its status as the run's own figures find it, so the report says where each stands:

- ``measured``: the KPI file holds the figure (shown, or withheld by disclosure control);
  the line links to it;
- ``not_measurable_yet``: a career window whose graduates the data does not reach back
  to; the line says which year of graduates is missing and the first report year that
  can measure it;
- ``modelled``: the wider social impact, given by the stakeholder estimate (a model with
  parameters, not a measure);
- ``data_absent``: the data holds nothing the line could be measured from.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from helpers.figures.metrics.impact import OUTCOME_WINDOWS, outcome_window_metric

STATUSES = ("measured", "not_measurable_yet", "modelled", "data_absent")
PILLARS = ("financial", "social", "carbon")


@dataclass(frozen=True)
class ReportingLine:
    """One line of the table with the status this run finds."""

    key: str
    pillar: str
    status: str
    # The figure that measures it (its metric and segment of the KPI file), if any.
    metric: str | None = None
    segment: str = "all"
    value: float | None = None
    withheld: bool = False
    # For a career window not measurable yet: the year of graduates the data lacks, and
    # the first report year whose window the data covers.
    missing_cohort: int | None = None
    measurable_from: int | None = None
    # For the monthly carbon report: the months of the year the data holds.
    months: int | None = None


# (key, pillar, metric, segment): the lines measured by one figure of the KPI file, in the
# table's order; career windows, the wider impact, monthly carbon and team budgets
# have rules of their own below.
KPI_LINES: tuple[tuple[str, str, str, str], ...] = (
    ("outcomes_6m", "social", "career_outcome_rate_6m", "all"),
    ("underserved_profile", "social", "segment_share", "underserved"),
)
SALARY_LINE = ("salary_rises", "social", "salary_rise_share", "all")
CARBON_LINES: tuple[tuple[str, str, str, str], ...] = (
    ("carbon_annual", "carbon", "emissions_tco2e", "all"),
    ("carbon_donation", "carbon", "carbon_donation_eur", "all"),
)
TEAM_BUDGET_METRIC = "team_budget_use"
WIDER_IMPACT_METRIC = "salary_change_total_eur"
MONTHLY_SERIES = "emissions_tco2e"


def reporting_lines(
    kpis: pd.DataFrame, series: pd.DataFrame, year: int, years: tuple[int, ...]
) -> list[ReportingLine]:
    """Every line of the table with its status for ``year``.

    Parameters
    ----------
    kpis : DataFrame
        The KPI file of ``year``.
    series : DataFrame
        The series behind the charts (the monthly emissions are read there).
    year : int
        The report year.
    years : tuple of int
        The years the dataset covers.
    """
    found = _index(kpis)
    lines = [ReportingLine("financial_statements", "financial", "data_absent")]
    lines += [_kpi_line(found, *spec) for spec in KPI_LINES]
    lines += [_window_line(found, window, year, years) for window in OUTCOME_WINDOWS]
    lines.append(_kpi_line(found, *SALARY_LINE))
    lines.append(_wider_impact(found))
    lines += [_kpi_line(found, *spec) for spec in CARBON_LINES]
    lines.append(_monthly_carbon(series, year))
    lines.append(_team_budgets(found))
    return lines


def count_statuses(lines: list[ReportingLine]) -> dict[str, int]:
    """How many lines have each status, every status a key."""
    return {s: sum(line.status == s for line in lines) for s in STATUSES}


def _index(kpis: pd.DataFrame) -> Mapping[tuple[str, str], dict]:
    return {(str(r["metric"]), str(r["segment"])): r for r in kpis.to_dict("records")}


def _shown(row: dict | None) -> tuple[float | None, bool]:
    """The row's value and whether it is withheld; (None, False) without a figure."""
    if row is None:
        return None, False
    withheld = str(row.get("suppressed")).strip().lower() == "true"
    value = pd.to_numeric(row.get("value"), errors="coerce")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, withheld
    return float(value), withheld


def _kpi_line(found, key: str, pillar: str, metric: str, segment: str) -> ReportingLine:
    value, withheld = _shown(found.get((metric, segment)))
    status = "measured" if value is not None or withheld else "data_absent"
    return ReportingLine(key, pillar, status, metric, segment, value, withheld)


def _window_line(found, window: int, year: int, years: tuple[int, ...]) -> ReportingLine:
    metric = outcome_window_metric(window)
    line = _kpi_line(found, f"outcomes_{window}y", "social", metric, "all")
    if line.status == "measured":
        return line
    cohort = year - window
    if years and cohort < min(years):
        return ReportingLine(
            line.key,
            "social",
            "not_measurable_yet",
            metric,
            missing_cohort=cohort,
            measurable_from=min(years) + window,
        )
    return line


def _wider_impact(found) -> ReportingLine:
    """The stakeholder estimate rests on the total salary change of the respondents: the
    model stands when that figure exists, shown or withheld."""
    value, withheld = _shown(found.get((WIDER_IMPACT_METRIC, "all")))
    status = "modelled" if value is not None or withheld else "data_absent"
    return ReportingLine(
        "wider_impact", "social", status, WIDER_IMPACT_METRIC, "all", value, withheld
    )


def _monthly_carbon(series: pd.DataFrame, year: int) -> ReportingLine:
    if series.empty or not {"series", "segment", "period", "value"} <= set(series.columns):
        return ReportingLine("carbon_monthly", "carbon", "data_absent", MONTHLY_SERIES, months=0)
    rows = series[
        (series["series"] == MONTHLY_SERIES)
        & (series["segment"] == "all")
        & series["period"].astype(str).str.match(rf"^{int(year):04d}-\d\d$")
    ]
    values = pd.to_numeric(rows["value"], errors="coerce").fillna(0)
    months = int((values > 0).sum())
    status = "measured" if months else "data_absent"
    return ReportingLine("carbon_monthly", "carbon", status, MONTHLY_SERIES, months=months)


def _team_budgets(found) -> ReportingLine:
    teams = [_shown(row) for (metric, _), row in found.items() if metric == TEAM_BUDGET_METRIC]
    measured = any(value is not None or withheld for value, withheld in teams)
    return ReportingLine(
        "team_budgets", "carbon", "measured" if measured else "data_absent", TEAM_BUDGET_METRIC
    )

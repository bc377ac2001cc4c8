"""Small breakdowns behind the charts: monthly counts, emissions by scope and category.

Each function returns the long frame of ``SERIES_COLUMNS`` (without ``year``); counts get
the same disclosure control as the KPI file, and the months of one series, which add up
to a figure of the KPI file, are protected by secondary suppression.
"""

from __future__ import annotations

import pandas as pd

from helpers import stats
from helpers.dataset import Dataset
from helpers.metrics.carbon import KG_PER_TONNE, SCOPES, emission_lines, scope_segment, total_kg
from helpers.metrics.common import in_year
from helpers.metrics.funnel import CAREER_OUTCOME_SEGMENTS, count_career_outcomes

SERIES_COLUMNS = ("section", "series", "segment", "period", "value", "suppressed")
# Kind of the values of each series: counts are disclosure-controlled, amounts are not.
SERIES_KINDS = {
    "courses_started": "count",
    "new_members": "count",
    "students_started": "count",
    "visitors": "count",
    "active_members": "count",
    "career_outcomes": "count",
    "emissions_tco2e": "amount",
    "emissions_by_category_tco2e": "amount",
    "emissions_by_allocation_tco2e": "amount",
}
# Years of career outcomes shown up to the report year (the report's trend chart).
CAREER_OUTCOME_HISTORY_YEARS = 5


def months(year: int) -> list[str]:
    """The twelve periods ``YYYY-MM`` of ``year``."""
    return [f"{int(year):04d}-{m:02d}" for m in range(1, 13)]


def series_frame(rows: list[tuple[str, str, str, str, float | None, bool]]) -> pd.DataFrame:
    """Return the long frame of ``rows`` (section, series, segment, period, value, suppressed)."""
    frame = pd.DataFrame(rows, columns=list(SERIES_COLUMNS))
    return frame.astype({"value": "Float64", "suppressed": "bool"})


def protect_counts(frame: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Withhold small counts, then protect each series-segment's months that add up.

    Values are blanked where withheld.
    """
    out = frame.copy()
    counts = out["series"].map(SERIES_KINDS).eq("count")
    out["suppressed"] = counts & out["value"].map(lambda v: stats.is_small(v, min_cell))
    monthly = out[counts & out["period"].str.len().eq(7)]
    # The months add up to the year, whose total is treated as known (it is published for
    # most of these series), so the months withheld must not add up to a small count.
    breakdowns = [
        stats.Breakdown(tuple(group.index), "value", total=float(group["value"].sum()))
        for _, group in monthly.groupby(["series", "segment"], sort=False)
    ]
    out = stats.suppress_secondary(out, breakdowns, min_cell)
    return out[list(SERIES_COLUMNS)]


def monthly_counts(ds: Dataset, year: int, table: str, column: str, series: str) -> pd.DataFrame:
    """Return rows counted by month of ``column`` in ``year`` (months without rows count 0)."""
    result = ds.query(
        f"""
        SELECT strftime({column}, '%Y-%m') AS period, count(*) AS n
        FROM {table} WHERE {in_year(column, year)}
        GROUP BY 1
        """
    )
    found = dict(zip(result["period"], result["n"], strict=True))
    rows = [("funnel", series, "all", p, float(found.get(p, 0)), False) for p in months(year)]
    return series_frame(rows)


def monthly_traffic(ds: Dataset, year: int, column: str) -> pd.DataFrame:
    """Return the monthly sum over countries of ``column``; a month without rows has no value."""
    result = ds.query(
        f"""
        SELECT strftime(month, '%Y-%m') AS period, sum({column}) AS n
        FROM monthly_traffic WHERE {in_year("month", year)}
        GROUP BY 1
        """
    )
    found = dict(zip(result["period"], result["n"], strict=True))
    rows = [
        ("funnel", column, "all", p, float(found[p]) if p in found else None, False)
        for p in months(year)
    ]
    return series_frame(rows)


def career_outcome_history(ds: Dataset, year: int) -> pd.DataFrame:
    """Return the career outcomes kept by the one-a-year rule for the last five years."""
    first = year - CAREER_OUTCOME_HISTORY_YEARS + 1
    found = count_career_outcomes(ds)
    rows = [
        ("funnel", "career_outcomes", segment, f"{y:04d}", float(found.get((y, segment), 0)), False)
        for segment in CAREER_OUTCOME_SEGMENTS
        for y in range(first, year + 1)
    ]
    return series_frame(rows)


def emissions_series(ds: Dataset, year: int) -> pd.DataFrame:
    """Return emissions (tCO2e): monthly in all and by scope; yearly by category and allocation.

    A year without activity lines gives no rows.
    """
    lines = emission_lines(ds, year)
    if lines.empty:
        return series_frame([])
    lines = lines.assign(period=[f"{m:%Y-%m}" for m in pd.to_datetime(lines["month"])])
    rows = []
    for segment, subset in [("all", lines)] + [
        (scope_segment(s), lines[lines["scope"] == s]) for s in SCOPES
    ]:
        for period in months(year):
            tonnes = total_kg(subset[subset["period"] == period]) / KG_PER_TONNE
            rows.append(("carbon", "emissions_tco2e", segment, period, tonnes, False))
    for column, series in (
        ("category", "emissions_by_category_tco2e"),
        ("allocation", "emissions_by_allocation_tco2e"),
    ):
        for key in sorted(lines[column].unique()):
            tonnes = total_kg(lines[lines[column] == key]) / KG_PER_TONNE
            rows.append(("carbon", series, str(key), f"{int(year):04d}", tonnes, False))
    return series_frame(rows)

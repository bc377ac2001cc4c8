"""Small breakdowns behind the charts: monthly counts, emissions by scope and category.

Each function returns the long frame of ``SERIES_COLUMNS`` (without ``year``); counts get
the same disclosure control as the KPI file, and the months of one series, which add up
to a figure of the KPI file, are protected by secondary suppression.
"""

from __future__ import annotations

import pandas as pd

from helpers.figures import stats
from helpers.figures.metrics.carbon import (
    KG_PER_TONNE,
    SCOPES,
    emission_lines,
    scope_segment,
    total_kg,
)
from helpers.figures.metrics.common import in_year
from helpers.figures.metrics.funnel import CAREER_OUTCOME_SEGMENTS, count_career_outcomes
from helpers.figures.metrics.impact import salary_changes
from helpers.intake.dataset import Dataset

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
    "team_emissions_tco2e": "amount",
    "salary_change_bins": "count",
}
# Width and range of the bins of the salary change (euros a year); the two ends are open.
# The bins are centred on zero: the bin of small changes, -1 250 to +1 250, holds those
# whose salary did not change, so that the histogram beside the share whose salary rose
# does not give away how many they are (helpers.figures.intruder).
SALARY_BIN_WIDTH = 2500
SALARY_BIN_RANGE = (-11250, 21250)
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
    # The months of a series add up to the year, the bins of a distribution to its people;
    # the total is treated as known (it is published for most of these series), so the
    # parts withheld must not add up to a small count.
    parts = out[counts & (out["period"].str.len().eq(7) | out["series"].eq("salary_change_bins"))]
    breakdowns = [
        stats.Breakdown(tuple(group.index), "value", total=float(group["value"].sum()))
        for _, group in parts.groupby(["series", "segment"], sort=False)
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


def team_emissions_series(ds: Dataset, year: int) -> pd.DataFrame:
    """Return each team's monthly emissions (tCO2e) of ``year``; no rows without activity."""
    lines = emission_lines(ds, year)
    if lines.empty:
        return series_frame([])
    lines = lines.assign(period=[f"{m:%Y-%m}" for m in pd.to_datetime(lines["month"])])
    present = set(lines["period"])
    rows = []
    for team in sorted(lines["team"].unique()):
        of_team = lines[lines["team"] == team]
        for period in months(year):
            # A month past the end of the data has no value, not a zero.
            tonnes = (
                total_kg(of_team[of_team["period"] == period]) / KG_PER_TONNE
                if period in present
                else None
            )
            rows.append(("carbon", "team_emissions_tco2e", str(team), period, tonnes, False))
    return series_frame(rows)


def salary_bins(
    changes: list[float], min_cell: int
) -> list[tuple[float | None, float | None, int]]:
    """Count ``changes`` in bins of ``SALARY_BIN_WIDTH`` euros, sparse tails merged.

    Returns ``(low, high, count)`` from the lowest bin, ``low <= change < high``; None is an
    open end. A bin of fewer than ``min_cell`` people is merged with a neighbour, so the
    whole distribution is shown and none of it withheld.
    """
    low, high = SALARY_BIN_RANGE
    edges: list[float | None] = [None, *range(low, high + 1, SALARY_BIN_WIDTH), None]
    counts = [0] * (len(edges) - 1)
    for change in changes:
        index = (
            0 if change < low else min(int((change - low) // SALARY_BIN_WIDTH) + 1, len(counts) - 1)
        )
        counts[index] += 1
    bins = [(edges[i], edges[i + 1], counts[i]) for i in range(len(counts))]
    # Empty end bins say nothing: they go.
    while len(bins) > 1 and bins[0][2] == 0:
        bins.pop(0)
    while len(bins) > 1 and bins[-1][2] == 0:
        bins.pop()
    # A small bin joins its smaller neighbour until none is small: every bin can be shown.
    while len(bins) > 1:
        small = [i for i, (_, _, n) in enumerate(bins) if stats.is_small(n, min_cell)]
        if not small:
            break
        i = small[0]
        j = i + 1 if i == 0 or (i + 1 < len(bins) and bins[i + 1][2] < bins[i - 1][2]) else i - 1
        first, second = sorted((i, j))
        bins[first : second + 1] = [
            (bins[first][0], bins[second][1], bins[first][2] + bins[second][2])
        ]
    if bins and bins[0][0] is not None:
        bins[0] = (None, bins[0][1], bins[0][2])
    if bins and bins[-1][1] is not None:
        bins[-1] = (bins[-1][0], None, bins[-1][2])
    return bins


def bin_label(low: float | None, high: float | None) -> str:
    """The period of a bin in the series: ``low:high``, an open end left empty."""
    return f"{'' if low is None else int(low)}:{'' if high is None else int(high)}"


def salary_change_distribution(ds: Dataset, year: int, min_cell: int) -> pd.DataFrame:
    """Return the respondents of ``year`` who gave both salaries, counted by bin of change.

    Segment ``all`` only: the histogram of the impact page. Bins are merged until none is
    small; only a distribution of fewer than ``min_cell`` people in all is withheld.
    """
    changes = salary_changes(ds, year)["all"]
    rows = [
        ("impact", "salary_change_bins", "all", bin_label(low, high), float(n), False)
        for low, high, n in salary_bins(changes, min_cell)
    ]
    return series_frame(rows)

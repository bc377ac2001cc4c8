"""The greenhouse-gas inventory of the year, per user and per paid student, and the donation.

Emissions of an activity line = activity_value x the kg CO2e per unit of its emission
factor, whose unit must be the line's unit. The inventory is small (monthly lines per
category and team), so the lines of a year are brought into Python and summed with
``math.fsum``: an exactly rounded sum, the same whatever the order of the rows.
"""

from __future__ import annotations

import math

import pandas as pd

from helpers.figures.metrics.common import (
    absent_figure,
    active_in_year,
    amount_figure,
    count_figure,
    derived_figure,
    figures_frame,
    in_year,
    query_once,
    scalar_once,
)
from helpers.figures.stats import MIN_CELL
from helpers.intake.dataset import Dataset

KG_PER_TONNE = 1000.0
SCOPES = (1, 2, 3)
PAID_PROGRAMMES = "paid_programmes"


class CarbonUnitError(ValueError):
    """Activity lines whose unit is not the unit of their emission factor (or no factor)."""


def scope_segment(scope: int) -> str:
    """Segment id of a GHG Protocol scope."""
    return f"scope_{int(scope)}"


def emission_lines(ds: Dataset, year: int) -> pd.DataFrame:
    """Return the activity lines of ``year`` with their emissions in kg CO2e.

    Columns: month, scope, category, team, allocation, kgco2e.

    Raises
    ------
    CarbonUnitError
        When a line's factor is missing or its unit differs from the line's unit: the
        product would not be kg CO2e.
    """
    lines = query_once(
        ds,
        f"""
        SELECT c.month, c.scope, c.category, c.team, c.allocation,
               c.activity_value, c.activity_unit, c.emission_factor_id,
               f.unit AS factor_unit, f.kgco2e_per_unit
        FROM carbon_activity c
        LEFT JOIN emission_factors f ON f.emission_factor_id = c.emission_factor_id
        WHERE {in_year("c.month", year)}
        """,
    )
    problems = lines[lines["factor_unit"].isna() | (lines["activity_unit"] != lines["factor_unit"])]
    if not problems.empty:
        pairs = sorted(
            {
                f"{fid}: activity in {unit!r}, factor in "
                + ("(no such factor)" if pd.isna(funit) else repr(funit))
                for fid, unit, funit in problems[
                    ["emission_factor_id", "activity_unit", "factor_unit"]
                ].itertuples(index=False)
            }
        )
        raise CarbonUnitError(
            f"carbon_activity {year}: {len(problems)} line(s) cannot be converted to kg CO2e; "
            + "; ".join(pairs)
        )
    lines["kgco2e"] = [
        float(v) * float(f)
        for v, f in zip(lines["activity_value"], lines["kgco2e_per_unit"], strict=True)
    ]
    return lines[["month", "scope", "category", "team", "allocation", "kgco2e"]]


def total_kg(lines: pd.DataFrame) -> float:
    """Exactly rounded sum of the emissions (kg) of ``lines``."""
    return math.fsum(float(v) for v in lines["kgco2e"])


def count_users(ds: Dataset, year: int) -> int:
    """Return the members who started a free course or had an enrollment active in ``year``."""
    # Read by two figures; a distinct count over the year's free courses, computed once.
    return int(
        scalar_once(
            ds,
            f"""
            SELECT count(*) FROM (
                SELECT member_id FROM course_enrollments WHERE {in_year("started_at", year)}
                UNION
                SELECT e.member_id FROM enrollments e WHERE {active_in_year(year)}
            )
            """,
        )
    )


def count_active_enrollments(ds: Dataset, year: int) -> int:
    """Return the enrollments active in ``year``."""
    return int(scalar_once(ds, f"SELECT count(*) FROM enrollments e WHERE {active_in_year(year)}"))


def carbon_price(ds: Dataset, year: int) -> float | None:
    """Return the price of a tonne of CO2e for ``year`` (None when the table has no such year)."""
    price = ds.scalar("SELECT eur_per_tco2e FROM carbon_prices WHERE year = $year", {"year": year})
    return None if price is None else float(price)


def describe_carbon_price(ds: Dataset, year: int) -> dict[str, object] | None:
    """The price the donation of ``year`` used and its source, for the run's provenance."""
    row = ds.query(
        "SELECT eur_per_tco2e, source FROM carbon_prices WHERE year = $year", {"year": year}
    )
    if row.empty:
        return None
    return {"year": year, "eur_per_tco2e": float(row.iat[0, 0]), "source": str(row.iat[0, 1])}


def compute_emissions_tco2e(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Emissions of the months of ``year`` in tonnes CO2e, in all and by scope.

    A year without any activity line is data absent; a scope without lines in a year
    that has some is 0.
    """
    metric = "emissions_tco2e"
    keys = ["all", *(scope_segment(s) for s in SCOPES)]
    lines = emission_lines(ds, year)
    if lines.empty:
        return figures_frame([absent_figure(metric, k) for k in keys])
    figures = [amount_figure(metric, "all", total_kg(lines) / KG_PER_TONNE)]
    for scope in SCOPES:
        in_scope = lines[lines["scope"] == scope]
        figures.append(
            amount_figure(metric, scope_segment(scope), total_kg(in_scope) / KG_PER_TONNE)
        )
    return figures_frame(figures)


def compute_users(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Distinct members who started a free course or had an enrollment active in ``year``."""
    return figures_frame([count_figure("users", "all", count_users(ds, year), min_cell)])


def compute_co2e_per_user_kg(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Total emissions of ``year`` (kg CO2e) per user, free and paid courses together."""
    metric = "co2e_per_user_kg"
    lines = emission_lines(ds, year)
    if lines.empty:
        return figures_frame([absent_figure(metric, "all")])
    users = count_users(ds, year)
    value = total_kg(lines) / users if users else None
    return figures_frame([derived_figure(metric, "all", value, (users,), min_cell)])


def compute_co2e_per_paid_student_kg(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Emissions allocated to paid programmes (kg CO2e) per enrollment active in ``year``."""
    metric = "co2e_per_paid_student_kg"
    lines = emission_lines(ds, year)
    if lines.empty:
        return figures_frame([absent_figure(metric, "all")])
    students = count_active_enrollments(ds, year)
    paid_kg = total_kg(lines[lines["allocation"] == PAID_PROGRAMMES])
    value = paid_kg / students if students else None
    return figures_frame([derived_figure(metric, "all", value, (students,), min_cell)])


def compute_carbon_donation_eur(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Emissions of ``year`` (tonnes CO2e) times the carbon price of ``year``, in euros."""
    metric = "carbon_donation_eur"
    lines = emission_lines(ds, year)
    price = carbon_price(ds, year)
    if lines.empty or price is None:
        return figures_frame([absent_figure(metric, "all")])
    return figures_frame([amount_figure(metric, "all", total_kg(lines) / KG_PER_TONNE * price)])


# --- the carbon budget of each team ---------------------------------------------------------

# Months whose mean total projects the rest of an incomplete year.
FORECAST_MONTHS = 3
MONTHS_PER_YEAR = 12


def team_keys(ds: Dataset, year: int) -> list[str]:
    """The teams of ``year``: those with activity lines, then those with only a budget."""
    teams = sorted({str(t) for t in emission_lines(ds, year)["team"]})
    return teams + [t for t in budgets(ds, year) if t not in teams]


def budgets(ds: Dataset, year: int) -> dict[str, float]:
    """The budget (tonnes CO2e) of each team for ``year``; empty without carbon_budgets."""
    if not ds.has("carbon_budgets"):
        return {}
    rows = query_once(
        ds, f"SELECT team, budget_tco2e FROM carbon_budgets WHERE year = {int(year)} ORDER BY team"
    )
    return {str(team): float(budget) for team, budget in rows.itertuples(index=False)}


def team_emissions(ds: Dataset, year: int) -> dict[str, float]:
    """Emissions of ``year`` (tonnes CO2e) of each team; teams with only a budget count 0."""
    lines = emission_lines(ds, year)
    return {
        team: total_kg(lines[lines["team"] == team]) / KG_PER_TONNE for team in team_keys(ds, year)
    }


def compute_team_emissions_tco2e(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Emissions of ``year`` of each team, in tonnes CO2e (segment: the team as written)."""
    metric = "team_emissions_tco2e"
    if emission_lines(ds, year).empty:
        return figures_frame([absent_figure(metric, "all")])
    return figures_frame(
        [amount_figure(metric, team, tonnes) for team, tonnes in team_emissions(ds, year).items()]
    )


def compute_team_budget_tco2e(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Each team's budget for ``year``, from the optional carbon_budgets table."""
    metric = "team_budget_tco2e"
    found = budgets(ds, year)
    if not found:
        return figures_frame([absent_figure(metric, "all")])
    teams = team_keys(ds, year)
    return figures_frame(
        [
            amount_figure(metric, team, found[team])
            if team in found
            else absent_figure(metric, team)
            for team in teams
        ]
    )


def compute_team_budget_use(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Each team's emissions of ``year`` divided by its budget (1 = the budget spent)."""
    metric = "team_budget_use"
    found = budgets(ds, year)
    if not found or emission_lines(ds, year).empty:
        return figures_frame([absent_figure(metric, "all")])
    emitted = team_emissions(ds, year)
    return figures_frame(
        [
            amount_figure(metric, team, emitted[team] / found[team])
            if team in found
            else absent_figure(metric, team)
            for team in emitted
        ]
    )


def months_present(ds: Dataset, year: int) -> list[pd.Timestamp]:
    """The months of ``year`` with at least one activity line, in order."""
    lines = emission_lines(ds, year)
    return sorted({pd.Timestamp(m) for m in lines["month"]})


def team_forecasts(ds: Dataset, year: int) -> dict[str, float]:
    """Each team's year-end emissions (tonnes): to date plus the recent monthly pace.

    When the data of ``year`` stops before December, the months left are filled with the
    mean of the team's totals over the last three months present (a team without lines
    in one of them counts 0 for it). A complete year is its own forecast.
    """
    lines = emission_lines(ds, year)
    emitted = team_emissions(ds, year)
    months = months_present(ds, year)
    if not months:
        return {}
    left = MONTHS_PER_YEAR - months[-1].month
    if left <= 0:
        return emitted
    recent = months[-FORECAST_MONTHS:]
    stamps = pd.to_datetime(lines["month"])
    forecasts = {}
    for team, to_date in emitted.items():
        of_team = lines[lines["team"] == team]
        monthly = [
            total_kg(of_team[stamps[of_team.index] == month]) / KG_PER_TONNE for month in recent
        ]
        forecasts[team] = to_date + math.fsum(monthly) / len(recent) * left
    return forecasts


def compute_team_emissions_forecast_tco2e(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Each team's forecast of its emissions at 31 December of ``year``, tonnes CO2e."""
    metric = "team_emissions_forecast_tco2e"
    forecasts = team_forecasts(ds, year)
    if not forecasts:
        return figures_frame([absent_figure(metric, "all")])
    return figures_frame([amount_figure(metric, team, value) for team, value in forecasts.items()])

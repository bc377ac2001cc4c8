"""Emissions, budget, share used and year-end forecast of each team."""

import pandas as pd
import pytest

from helpers.figures.metrics import carbon
from helpers.intake.dataset import Dataset

FACTORS = pd.DataFrame(
    [("ef_elec", "electricity_fr", "kWh", 0.1, "test")],
    columns=["emission_factor_id", "category", "unit", "kgco2e_per_unit", "source"],
)


def activity(lines: list[tuple[str, str, float]]) -> pd.DataFrame:
    """Lines given as (month, team, kWh); 1 000 kWh x 0.1 = 0.1 tonne."""
    return pd.DataFrame(
        [
            {
                "month": month,
                "scope": 2,
                "category": "office_energy",
                "team": team,
                "activity_value": kwh,
                "activity_unit": "kWh",
                "emission_factor_id": "ef_elec",
                "allocation": "platform",
            }
            for month, team, kwh in lines
        ]
    )


# Data stops in September: tech has lines in July, August and September (1, 2 and 3
# tonnes), ops only in January (1 tonne) and August (0.5 tonne).
LINES = [
    ("2024-01-01", "ops", 10000.0),
    ("2024-07-01", "tech", 10000.0),
    ("2024-08-01", "tech", 20000.0),
    ("2024-08-01", "ops", 5000.0),
    ("2024-09-01", "tech", 30000.0),
]
BUDGETS = pd.DataFrame(
    {
        "year": [2024, 2024, 2023],
        "team": ["ops", "tech", "ops"],
        "budget_tco2e": [3.0, 5.0, 9.0],
        "source": None,
    }
)


def values(frame: pd.DataFrame) -> dict:
    return {
        s: (None if pd.isna(v) else v)
        for s, v in zip(frame["segment"], frame["value"], strict=True)
    }


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return Dataset.from_frames(
        {"carbon_activity": activity(LINES), "emission_factors": FACTORS, "carbon_budgets": BUDGETS}
    )


def test_team_emissions_budget_and_use(ds):
    emitted = values(carbon.compute_team_emissions_tco2e(ds, 2024, 10))
    assert emitted == {"ops": pytest.approx(1.5), "tech": pytest.approx(6.0)}
    assert values(carbon.compute_team_budget_tco2e(ds, 2024, 10)) == {"ops": 3.0, "tech": 5.0}
    use = values(carbon.compute_team_budget_use(ds, 2024, 10))
    # ops under its budget (half used), tech over it.
    assert use == {"ops": pytest.approx(0.5), "tech": pytest.approx(1.2)}


def test_forecast_adds_the_mean_of_the_last_three_months_present(ds):
    forecast = values(carbon.compute_team_emissions_forecast_tco2e(ds, 2024, 10))
    # Months present: Jan, Jul, Aug, Sep; last three Jul-Sep; three months left.
    # tech: 6 + (1 + 2 + 3) / 3 x 3 = 12; ops: 1.5 + (0 + 0.5 + 0) / 3 x 3 = 2.
    assert forecast == {"ops": pytest.approx(2.0), "tech": pytest.approx(12.0)}


def test_a_complete_year_is_its_own_forecast():
    lines = [*LINES, ("2024-12-01", "ops", 1000.0)]
    data = Dataset.from_frames({"carbon_activity": activity(lines), "emission_factors": FACTORS})
    assert values(carbon.compute_team_emissions_forecast_tco2e(data, 2024, 10)) == values(
        carbon.compute_team_emissions_tco2e(data, 2024, 10)
    )


def test_without_budgets_the_budget_figures_are_absent():
    data = Dataset.from_frames({"carbon_activity": activity(LINES), "emission_factors": FACTORS})
    assert not data.has("carbon_budgets")
    for compute in (carbon.compute_team_budget_tco2e, carbon.compute_team_budget_use):
        frame = compute(data, 2024, 10)
        assert frame["value"].isna().all() and not frame["suppressed"].any()
    assert values(carbon.compute_team_emissions_tco2e(data, 2024, 10))["tech"] == pytest.approx(6)

"""Monthly activity data of the greenhouse-gas inventory.

Each budget line (an activity category, a scope, the team that owns it, whom it serves,
and the emission factor that converts it) carries a share of the year's emissions and a
monthly profile. The year's emissions are the targets per user and per paid student
times the year's users and active enrollments; activity values are emissions divided by
the factor of the shipped reference table, in the factor's own unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.intake.contract import ALLOCATIONS
from helpers.synth.people import day_number

# Monthly profiles, January first.
_FLAT = (1,) * 12
_TRAFFIC = (1.15, 1.08, 1.05, 1.0, 0.95, 0.85, 0.75, 0.72, 1.05, 1.15, 1.15, 0.95)
_HEATING = (2.2, 2.0, 1.6, 1.0, 0.4, 0.1, 0.05, 0.05, 0.3, 0.9, 1.6, 2.1)
_OFFICE = (1.2, 1.15, 1.05, 1.0, 0.95, 0.9, 0.8, 0.5, 1.05, 1.1, 1.15, 1.1)
_COMMUTE = (1.0, 1.0, 1.05, 0.95, 0.9, 1.0, 0.75, 0.4, 1.1, 1.1, 1.05, 0.85)
_TRAVEL = (0.7, 1.1, 1.3, 1.1, 1.2, 1.3, 0.6, 0.3, 1.2, 1.4, 1.3, 0.5)
_PURCHASES = (2.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.5, 0.4, 2.2, 0.8, 0.8, 0.8)
_TERMS = (1.15, 1.1, 1.05, 1.0, 0.95, 0.9, 0.8, 0.7, 1.05, 1.15, 1.1, 1.05)


@dataclass(frozen=True)
class BudgetLine:
    category: str
    scope: int
    team: str
    allocation: str
    factor: str
    share: float  # of the allocation's emissions
    profile: tuple[float, ...]
    whole_units: bool = False  # devices are bought one by one


LINES = (
    BudgetLine("cloud_hosting", 3, "engineering", "platform", "it_services_eur", 0.22, _TRAFFIC),
    BudgetLine("cloud_hosting", 3, "engineering", "platform", "electricity_fr", 0.10, _TRAFFIC),
    BudgetLine("video_delivery", 3, "content", "platform", "video_streaming_hour", 0.20, _TRAFFIC),
    BudgetLine("video_delivery", 3, "content", "platform", "data_transfer_fr", 0.12, _TRAFFIC),
    BudgetLine("end_user_devices", 3, "it", "platform", "laptop_manufacturing", 0.05, _PURCHASES, True),
    BudgetLine("end_user_devices", 3, "it", "platform", "smartphone_manufacturing", 0.01, _PURCHASES, True),
    BudgetLine("office_energy", 2, "workplace", "platform", "electricity_fr", 0.02, _OFFICE),
    BudgetLine("office_energy", 2, "workplace", "platform", "electricity_uk", 0.005, _OFFICE),
    BudgetLine("office_energy", 1, "workplace", "platform", "natural_gas_fr", 0.03, _HEATING),
    BudgetLine("office_energy", 1, "workplace", "platform", "natural_gas_uk", 0.005, _HEATING),
    BudgetLine("commuting", 3, "people", "platform", "car_fr", 0.04, _COMMUTE),
    BudgetLine("commuting", 3, "people", "platform", "metro_fr", 0.003, _COMMUTE),
    BudgetLine("commuting", 3, "people", "platform", "rer_fr", 0.004, _COMMUTE),
    BudgetLine("commuting", 3, "people", "platform", "bus_fr", 0.006, _COMMUTE),
    BudgetLine("business_travel", 3, "leadership", "platform", "flight_long_haul", 0.03, _TRAVEL),
    BudgetLine("business_travel", 3, "partnerships", "platform", "flight_short_haul", 0.02, _TRAVEL),
    BudgetLine("business_travel", 3, "partnerships", "platform", "train_tgv_fr", 0.002, _TRAVEL),
    BudgetLine("business_travel", 3, "partnerships", "platform", "train_uk", 0.001, _TRAVEL),
    BudgetLine("purchased_services", 3, "marketing", "platform", "services_eur", 0.10, _TRAFFIC),
    BudgetLine("purchased_services", 3, "finance", "platform", "services_eur", 0.03, _FLAT),
    BudgetLine("purchased_services", 3, "mentoring", "paid_programmes", "services_eur", 0.45, _TERMS),
    BudgetLine("video_delivery", 3, "mentoring", "paid_programmes", "video_streaming_hour", 0.20, _TERMS),
    BudgetLine("cloud_hosting", 3, "engineering", "paid_programmes", "it_services_eur", 0.08, _TERMS),
    BudgetLine("purchased_services", 3, "admissions", "paid_programmes", "services_eur", 0.12, _TERMS),
    BudgetLine("purchased_services", 3, "student_success", "paid_programmes", "services_eur", 0.05, _FLAT),
    BudgetLine("end_user_devices", 3, "student_success", "paid_programmes", "laptop_manufacturing", 0.03, _PURCHASES, True),
    BudgetLine("commuting", 3, "student_success", "paid_programmes", "car_fr", 0.02, _COMMUTE),
    BudgetLine("business_travel", 3, "b2b_sales", "paid_programmes", "train_tgv_fr", 0.01, _TRAVEL),
    BudgetLine("business_travel", 3, "b2b_sales", "paid_programmes", "flight_medium_haul", 0.04, _TRAVEL),
)  # fmt: skip


def carbon_activity(
    year: int, platform_kg: float, paid_kg: float, factors: pd.DataFrame
) -> pd.DataFrame:
    """Activity rows of one year whose emissions add up to the two allocations' totals.

    Device lines are whole numbers of devices; the rounding is absorbed by the first
    line of the same allocation and month, so the totals stay exact.
    """
    factor = factors.set_index("emission_factor_id")
    missing = sorted({line.factor for line in LINES} - set(factor.index))
    if missing:
        raise ValueError(f"emission factors missing from the reference table: {missing}")
    rows = []
    for allocation, total in zip(ALLOCATIONS, (platform_kg, paid_kg), strict=True):
        lines = [line for line in LINES if line.allocation == allocation]
        shares = np.array([line.share for line in lines])
        shares = shares / shares.sum()
        kg = np.zeros((len(lines), 12))
        for i, line in enumerate(lines):
            profile = np.asarray(line.profile, dtype=float)
            kg[i] = total * shares[i] * profile / profile.sum()
        per_unit = np.array([float(factor.at[line.factor, "kgco2e_per_unit"]) for line in lines])
        value = kg / per_unit[:, None]
        for i, line in enumerate(lines):
            if line.whole_units:
                rounded = np.round(value[i])
                # The balancing line takes up what rounding the devices moved.
                value[0] += (value[i] - rounded) * per_unit[i] / per_unit[0]
                value[i] = rounded
        for i, line in enumerate(lines):
            for m in range(12):
                rows.append(
                    {
                        "month": day_number(dt.date(year, m + 1, 1)),
                        "scope": line.scope,
                        "category": line.category,
                        "team": line.team,
                        "activity_value": float(value[i, m]),
                        "activity_unit": str(factor.at[line.factor, "unit"]),
                        "emission_factor_id": line.factor,
                        "allocation": allocation,
                    }
                )
    return pd.DataFrame(rows)


# Teams get a budget from this year on; earlier years have none, as before the carbon plan.
FIRST_BUDGET_YEAR = 2021
# Most teams keep to their budget; about one in four of a year's teams goes over it.
OVER_BUDGET_SHARE = 0.25
UNDER_USE = (0.78, 0.97)
OVER_USE = (1.03, 1.18)


def carbon_budgets(activity: pd.DataFrame, factors: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Each team's budget of each year from ``FIRST_BUDGET_YEAR``, in tonnes CO2e.

    The budget is the team's actual emissions divided by a share used drawn per team and
    year: mostly under 1 (the team kept to its budget), sometimes over. Rounded to a tenth
    of a tonne, as a decision would state it.
    """
    per_unit = factors.set_index("emission_factor_id")["kgco2e_per_unit"].astype(float)
    kg = (
        activity["activity_value"].to_numpy()
        * per_unit.loc[activity["emission_factor_id"]].to_numpy()
    )
    years = (pd.Timestamp("1970-01-01") + pd.to_timedelta(activity["month"], unit="D")).dt.year
    totals = (
        pd.DataFrame({"year": years.to_numpy(), "team": activity["team"].to_numpy(), "kg": kg})
        .groupby(["year", "team"], as_index=False)["kg"]
        .sum()
    )
    totals = totals[totals["year"] >= FIRST_BUDGET_YEAR].reset_index(drop=True)
    rng = np.random.default_rng([seed, 900])
    over = np.zeros(len(totals), dtype=bool)
    for year in totals["year"].unique():
        rows = np.flatnonzero(totals["year"].to_numpy() == year)
        over[rng.permutation(rows)[: round(OVER_BUDGET_SHARE * len(rows))]] = True
    use = np.where(over, rng.uniform(*OVER_USE, len(totals)), rng.uniform(*UNDER_USE, len(totals)))
    budget = np.maximum(np.round(totals["kg"].to_numpy() / 1000 / use, 1), 0.1)
    return pd.DataFrame(
        {
            "year": totals["year"].astype(np.int64),
            "team": totals["team"],
            "budget_tco2e": budget,
            "source": [f"carbon plan {y}, set by the executive committee" for y in totals["year"]],
        }
    )

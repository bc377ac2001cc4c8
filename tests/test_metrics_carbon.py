"""Emissions by scope, per user and per paid student, the donation, and the unit check."""

import pandas as pd
import pytest

from helpers.figures.metrics import carbon
from helpers.intake.dataset import Dataset

FACTORS = pd.DataFrame(
    [
        ("ef_elec", "electricity_fr", "kWh", 0.05, "test"),
        ("ef_gas", "natural_gas", "kWh", 0.2, "test"),
        ("ef_data", "data_transfer", "GB", 0.01, "test"),
        ("ef_train", "train", "km", 0.2, "test"),
    ],
    columns=["emission_factor_id", "category", "unit", "kgco2e_per_unit", "source"],
)
PRICES = pd.DataFrame({"year": [2022], "eur_per_tco2e": [100.0], "source": ["test"]})
ACTIVITY_COLUMNS = [
    "month",
    "scope",
    "category",
    "team",
    "activity_value",
    "activity_unit",
    "emission_factor_id",
    "allocation",
]
ACTIVITY = pd.DataFrame(
    [
        # 1000 kWh x 0.05 = 50 kg, scope 2, platform
        ("2022-01-01", 2, "office_energy", "ops", 1000.0, "kWh", "ef_elec", "platform"),
        # 2000 GB x 0.01 = 20 kg, scope 3, platform
        ("2022-01-01", 3, "video_delivery", "tech", 2000.0, "GB", "ef_data", "platform"),
        # 500 km x 0.2 = 100 kg, scope 3, paid programmes
        ("2022-02-01", 3, "business_travel", "sales", 500.0, "km", "ef_train", "paid_programmes"),
        # 100 kWh x 0.2 = 20 kg, scope 1, paid programmes
        ("2022-12-01", 1, "office_heating", "ops", 100.0, "kWh", "ef_gas", "paid_programmes"),
        # another year
        ("2021-12-01", 2, "office_energy", "ops", 10000.0, "kWh", "ef_elec", "platform"),
    ],
    columns=ACTIVITY_COLUMNS,
)
COURSES = pd.DataFrame(
    {
        "course_enrollment_id": ["c1", "c2", "c3", "c4"],
        "member_id": ["u1", "u2", "u2", "u3"],
        "course_id": "k",
        "started_at": ["2022-01-01", "2022-05-01", "2022-12-31", "2021-12-31"],
        "certificate_at": None,
    }
)
ENROLLMENTS = pd.DataFrame(
    {
        "enrollment_id": ["e1", "e2", "e3"],
        "application_id": ["a1", "a2", "a3"],
        "member_id": ["u2", "u4", "u5"],
        "path_id": "p1",
        "started_at": ["2022-03-01", "2021-01-01", "2020-01-01"],
        "expected_end_at": "2023-12-31",
        "status": ["active", "dropped_out", "dropped_out"],
        "ended_at": [None, "2022-01-01", "2021-12-31"],
        "funding_type": "public",
        "funder": None,
        "employer_id": None,
        "mentor_id": None,
    }
)


def dataset(activity: pd.DataFrame = ACTIVITY) -> Dataset:
    return Dataset.from_frames(
        {
            "carbon_activity": activity,
            "emission_factors": FACTORS,
            "carbon_prices": PRICES,
            "course_enrollments": COURSES,
            "enrollments": ENROLLMENTS,
        }
    )


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return dataset()


def values(frame: pd.DataFrame) -> dict:
    return {
        r.segment: (None if pd.isna(r.value) else r.value, r.suppressed) for r in frame.itertuples()
    }


def test_emissions_by_scope_in_tonnes(ds):
    got = values(carbon.compute_emissions_tco2e(ds, 2022, 10))
    # 50 + 20 + 100 + 20 = 190 kg; amounts are never withheld
    assert got["all"] == (pytest.approx(0.19), False)
    assert got["scope_1"] == (pytest.approx(0.02), False)
    assert got["scope_2"] == (pytest.approx(0.05), False)
    assert got["scope_3"] == (pytest.approx(0.12), False)


def test_users_are_free_learners_and_enrolled_students_counted_once(ds):
    # Free courses in 2022: u1, u2 (twice); enrollments active in 2022: u2 (e1) and u4
    # (ends on 1 January). u3's course and u5's enrollment are in 2021.
    assert values(carbon.compute_users(ds, 2022, 1)) == {"all": (3, False)}


def test_emissions_per_user_and_per_paid_student(ds):
    assert values(carbon.compute_co2e_per_user_kg(ds, 2022, 1))["all"][0] == pytest.approx(190 / 3)
    # paid programmes: 100 + 20 kg; enrollments active in 2022: e1, e2
    assert values(carbon.compute_co2e_per_paid_student_kg(ds, 2022, 1))["all"][0] == pytest.approx(
        60.0
    )


def test_per_user_ratios_are_withheld_when_the_people_behind_are_few(ds):
    assert values(carbon.compute_co2e_per_user_kg(ds, 2022, 4)) == {"all": (None, True)}
    assert values(carbon.compute_co2e_per_user_kg(ds, 2022, 3))["all"][1] is False
    assert values(carbon.compute_co2e_per_paid_student_kg(ds, 2022, 3)) == {"all": (None, True)}


def test_carbon_donation(ds):
    # 0.19 t x 100 EUR
    got = values(carbon.compute_carbon_donation_eur(ds, 2022, 10))
    assert got == {"all": (pytest.approx(19.0), False)}


def test_donation_without_a_price_for_the_year_is_data_absent(ds):
    assert values(carbon.compute_emissions_tco2e(ds, 2021, 1))["all"][0] == pytest.approx(0.5)
    assert values(carbon.compute_carbon_donation_eur(ds, 2021, 1)) == {"all": (None, False)}


def test_a_year_without_activity_is_data_absent(ds):
    got = values(carbon.compute_emissions_tco2e(ds, 2023, 1))
    assert got == {s: (None, False) for s in ("all", "scope_1", "scope_2", "scope_3")}
    assert values(carbon.compute_co2e_per_user_kg(ds, 2023, 1)) == {"all": (None, False)}


def test_a_scope_without_lines_is_zero():
    only_scope_2 = ACTIVITY.iloc[[0]]
    got = values(carbon.compute_emissions_tco2e(dataset(only_scope_2), 2022, 1))
    assert got["scope_1"] == (0.0, False) and got["scope_2"] == (pytest.approx(0.05), False)


def test_a_unit_other_than_the_factor_unit_is_refused():
    wrong = ACTIVITY.copy()
    wrong.loc[0, "activity_unit"] = "MWh"  # the factor is per kWh
    with pytest.raises(carbon.CarbonUnitError, match="ef_elec: activity in 'MWh', factor in 'kWh'"):
        carbon.compute_emissions_tco2e(dataset(wrong), 2022, 1)


def test_a_missing_factor_is_refused():
    wrong = ACTIVITY.copy()
    wrong.loc[1, "emission_factor_id"] = "ef_unknown"
    with pytest.raises(carbon.CarbonUnitError, match="no such factor"):
        carbon.compute_emissions_tco2e(dataset(wrong), 2022, 1)


def test_a_wrong_unit_in_another_year_does_not_stop_this_year():
    wrong = ACTIVITY.copy()
    wrong.loc[4, "activity_unit"] = "MWh"  # the 2021 line
    assert values(carbon.compute_emissions_tco2e(dataset(wrong), 2022, 1))["all"][
        0
    ] == pytest.approx(0.19)

"""Apprentices in progress, growth, companies, salaries after and the premium."""

import pandas as pd
import pytest

from helpers.figures.metrics import apprenticeship, funnel
from helpers.intake.dataset import Dataset

ENROLLMENT = {
    "path_id": "p1",
    "expected_end_at": "2024-12-31",
    "funder": None,
    "mentor_id": None,
}


def enrollments(rows: list[tuple]) -> pd.DataFrame:
    """Enrollments given as (id, funding, employer, start, status, end)."""
    return pd.DataFrame(
        [
            {
                **ENROLLMENT,
                "enrollment_id": eid,
                "application_id": f"a-{eid}",
                "member_id": f"m-{eid}",
                "funding_type": funding_type,
                "employer_id": employer,
                "started_at": started,
                "status": status,
                "ended_at": ended,
            }
            for eid, funding_type, employer, started, status, ended in rows
        ]
    )


ACTIVITY = [
    ("ap1", "apprenticeship", "C1", "2021-09-01", "dropped_out", "2022-01-01"),  # ends 1 Jan
    ("ap2", "apprenticeship", "C1", "2022-12-31", "active", None),  # starts 31 Dec
    ("ap3", "apprenticeship", "C9", "2020-01-01", "graduated", "2021-12-31"),
    ("ap4", "apprenticeship", "C2", "2021-03-01", "active", None),
    ("ap5", "apprenticeship", "C3", "2022-06-01", "active", None),
    ("pu1", "public", None, "2022-03-01", "active", None),
    ("em1", "employer", "C4", "2022-03-01", "active", None),
]


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return Dataset.from_frames({"enrollments": enrollments(ACTIVITY)})


def value(frame: pd.DataFrame, segment: str = "all"):
    row = frame.set_index("segment").loc[segment]
    return (None if pd.isna(row["value"]) else row["value"]), bool(row["suppressed"])


def test_apprentices_active_and_started(ds):
    # Active in 2022: ap1 (ends 1 January), ap2 (starts 31 December), ap4, ap5.
    assert value(apprenticeship.compute_apprentices_active(ds, 2022, 1)) == (4, False)
    # Active in 2021: ap1, ap3 (ends 31 December 2021), ap4.
    assert value(apprenticeship.compute_apprentices_active(ds, 2021, 1)) == (3, False)
    assert value(apprenticeship.compute_apprentices_started(ds, 2022, 1)) == (2, False)


def test_apprentices_growth(ds):
    assert value(apprenticeship.compute_apprentices_growth(ds, 2022, 1))[0] == pytest.approx(1 / 3)
    # 2023: ap2, ap4, ap5 against 4 in 2022.
    assert value(apprenticeship.compute_apprentices_growth(ds, 2023, 1))[0] == pytest.approx(-0.25)
    # 2020: ap3 against none in 2019: no value, not withheld.
    assert value(apprenticeship.compute_apprentices_growth(ds, 2020, 1)) == (None, False)


def test_growth_is_withheld_when_either_year_is_small(ds):
    assert value(apprenticeship.compute_apprentices_growth(ds, 2022, 4)) == (
        None,
        True,
    )  # 3 in 2021
    assert value(apprenticeship.compute_apprentices_growth(ds, 2022, 3)) == (
        pytest.approx(1 / 3),
        False,
    )


def test_companies_with_apprentice(ds):
    # C1 (ap1, ap2), C2, C3; C4 employs an employer-funded student, C9's apprentice left in 2021.
    assert value(apprenticeship.compute_companies_with_apprentice(ds, 2022, 1)) == (3, False)


@pytest.fixture(scope="module")
def graduates() -> Dataset:
    grads = [
        # apprentices graduated in 2022, answered with salaries 30 000, 34 000, 38 000
        ("g1", "apprenticeship", "C1", "2022-06-30", "2023-01-10", True, 30000.0),
        ("g2", "apprenticeship", "C1", "2022-07-31", "2023-02-10", True, 38000.0),
        ("g3", "apprenticeship", "C2", "2022-08-31", "2023-03-10", False, 34000.0),
        # others graduated in 2022: 30 000, 31 000, 33 000, 35 000 and one without salary
        ("g4", "public", None, "2022-01-31", "2022-08-10", True, 31000.0),
        ("g5", "public", None, "2022-02-28", "2022-09-10", False, 35000.0),
        ("g6", "individual", None, "2022-03-31", "2022-10-10", False, 30000.0),
        ("g7", "employer", "C5", "2022-04-30", "2022-11-10", False, 33000.0),
        ("g8", "public", None, "2022-05-31", "2022-12-10", True, None),
        # excluded: no answer; graduated in 2021
        ("g9", "apprenticeship", "C1", "2022-09-30", None, None, None),
        ("g10", "apprenticeship", "C1", "2021-12-31", "2022-06-30", False, 99000.0),
    ]
    enr = enrollments([(g, f, c, "2020-09-01", "graduated", ended) for g, f, c, ended, *_ in grads])
    surveys = pd.DataFrame(
        [
            {
                "enrollment_id": g,
                "sent_at": "2022-12-31",
                "responded_at": responded,
                "employed_within_6_months": employed,
                "salary_before_eur": None,
                "salary_after_eur": salary,
            }
            for g, _, _, _, responded, employed, salary in grads
        ]
    )
    applications = pd.DataFrame(
        {
            "application_id": enr["application_id"],
            "member_id": enr["member_id"],
            "path_id": "p1",
            "started_at": "2020-06-01",
            "submitted_at": "2020-06-05",
            "decision": "admitted",
            "decided_at": "2020-07-01",
            "country": "FR",
            "gender": "female",
            "employment_status": "employed",
            "education_level": "bac",
            "priority_area": "none",
            "migration_status": "none",
            "disability": "no",
        }
    )
    return Dataset.from_frames(
        {"enrollments": enr, "graduate_surveys": surveys, "applications": applications}
    )


def test_salary_after_medians(graduates):
    frame = apprenticeship.compute_salary_after_median_eur(graduates, 2022, 1)
    assert value(frame, "apprentices") == (34000.0, False)
    # even count: the mean of 31 000 and 33 000
    assert value(frame, "non_apprentices") == (32000.0, False)
    assert frame["numerator"].isna().all() and frame["ci_low"].isna().all()


def test_apprentice_salary_premium(graduates):
    frame = apprenticeship.compute_apprentice_salary_premium(graduates, 2022, 1)
    assert value(frame) == (pytest.approx(34000 / 32000 - 1), False)  # 0.0625


def test_salary_figures_are_withheld_when_few_gave_a_salary(graduates):
    # 3 apprentices and 4 others gave a salary. A median is one person's salary: it needs
    # 2 x MIN_CELL people. With MIN_CELL 2 the others' median (4 people) is shown and
    # the apprentices' (3) withheld, although 3 is not a small count.
    medians = apprenticeship.compute_salary_after_median_eur(graduates, 2022, 2)
    assert value(medians, "apprentices") == (None, True)
    assert value(medians, "non_apprentices") == (32000.0, False)
    premium = apprenticeship.compute_apprentice_salary_premium(graduates, 2022, 2)
    assert value(premium) == (None, True)
    # With MIN_CELL 3 neither is shown: 4 < 2 x 3.
    medians = apprenticeship.compute_salary_after_median_eur(graduates, 2022, 3)
    assert value(medians, "non_apprentices") == (None, True)


def test_employment_rate_of_apprentices_against_the_others(graduates):
    frame = funnel.compute_career_outcome_rate_6m(graduates, 2022, 1).set_index("segment")
    assert tuple(frame.loc["apprentices", ["numerator", "denominator"]]) == (2, 3)
    assert tuple(frame.loc["non_apprentices", ["numerator", "denominator"]]) == (2, 5)
    # all graduates are in "all", and every one of them in low_qualification (bac, 2022)
    assert tuple(frame.loc["all", ["numerator", "denominator"]]) == (4, 8)
    assert tuple(frame.loc["low_qualification", ["numerator", "denominator"]]) == (4, 8)

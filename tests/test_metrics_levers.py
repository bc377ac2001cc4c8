"""The levers of 2020: company programmes, underserved students outside France, and the
brand survey's awareness and consideration, on small datasets whose answers are known."""

import pandas as pd
import pytest
from tables import ADMITTED_APPLICATION

from helpers.figures import stats
from helpers.figures.metrics import levers
from helpers.intake.dataset import Dataset

JOB_SEEKER = {"employment_status": "job_seeker"}


def students(rows: list[tuple[str, str, str, dict]]) -> Dataset:
    """Students given as (start date, funding type, country, declarations)."""
    apps, enrs = [], []
    for i, (started_at, funding_type, country, declared) in enumerate(rows):
        apps.append(
            {
                **ADMITTED_APPLICATION,
                "application_id": f"a{i}",
                "member_id": f"m{i}",
                "country": country,
                **declared,
            }
        )
        enrs.append(
            {
                "enrollment_id": f"e{i}",
                "application_id": f"a{i}",
                "member_id": f"m{i}",
                "path_id": "p1",
                "started_at": started_at,
                "expected_end_at": "2024-12-31",
                "status": "active",
                "ended_at": None,
                "funding_type": funding_type,
                "funder": None,
                "employer_id": "c1" if funding_type in ("apprenticeship", "employer") else None,
                "mentor_id": None,
            }
        )
    return Dataset.from_frames(
        {"applications": pd.DataFrame(apps), "enrollments": pd.DataFrame(enrs)}
    )


def only(frame: pd.DataFrame) -> tuple:
    assert list(frame["segment"]) == ["all"]
    row = frame.iloc[0]
    return (None if pd.isna(row["value"]) else row["value"]), bool(row["suppressed"])


# 2022: 6 apprentices, 5 employer-funded, 4 individual, 3 public; 2021: 2 apprentices.
COHORT = (
    [("2022-03-01", "apprenticeship", "FR", {})] * 6
    + [("2022-04-01", "employer", "GB", {})] * 5
    + [("2022-05-01", "individual", "SN", JOB_SEEKER)] * 4
    + [("2022-06-01", "public", "ZZ", JOB_SEEKER)] * 3
    + [("2022-07-01", "public", "FR", JOB_SEEKER)] * 2
    + [("2021-11-01", "apprenticeship", "MA", JOB_SEEKER)] * 2
)


def test_company_programme_students_counts_apprentices_and_employer_funded():
    ds = students(COHORT)
    assert only(levers.compute_company_programme_students(ds, 2022, 1)) == (11.0, False)
    assert only(levers.compute_company_programme_students(ds, 2021, 1)) == (2.0, False)
    # 11 is not small under MIN_CELL=10; 2 is.
    assert only(levers.compute_company_programme_students(ds, 2022, 10)) == (11.0, False)
    assert only(levers.compute_company_programme_students(ds, 2021, 10)) == (None, True)


def test_underserved_outside_france_leaves_out_france_unknown_and_the_others():
    ds = students(COHORT)
    # Underserved in 2022: the 4 job seekers in SN, 3 in ZZ (unknown), 2 in FR: only SN counts.
    # The 5 in GB are not underserved.
    assert only(levers.compute_underserved_students_outside_france(ds, 2022, 1)) == (4.0, False)
    assert only(levers.compute_underserved_students_outside_france(ds, 2021, 1)) == (2.0, False)
    assert only(levers.compute_underserved_students_outside_france(ds, 2022, 10)) == (None, True)


def surveys(rows: list[tuple]) -> Dataset:
    frame = pd.DataFrame(
        rows,
        columns=["wave_date", "population", "underserved", "respondents", "aware", "considering"],
    )
    frame["source"] = "test institute, brand tracker"
    return Dataset.from_frames({"brand_surveys": frame})


WAVES = [
    # An earlier wave of 2021 is replaced by the latest one of the year.
    ("2021-03-31", "job_seekers", True, 500, 40, 30),
    ("2021-11-30", "job_seekers", True, 1000, 170, 170),
    ("2021-11-30", "refugees", True, 200, 50, 34),
    ("2021-11-30", "general", False, 2000, 500, 300),
    ("2020-11-30", "job_seekers", True, 1000, 120, 120),
]


def by_segment(frame: pd.DataFrame) -> dict:
    return {
        s: (None if pd.isna(v) else v, n, d)
        for s, v, n, d in zip(
            frame["segment"], frame["value"], frame["numerator"], frame["denominator"], strict=True
        )
    }


def test_brand_shares_read_the_latest_wave_of_each_population_and_pool_the_underserved():
    ds = surveys(WAVES)
    aware = by_segment(levers.compute_brand_awareness_share(ds, 2021, 10))
    assert aware == {
        "general": (0.25, 500, 2000),
        "job_seekers": (0.17, 170, 1000),
        "refugees": (0.25, 50, 200),
        # 170 + 50 of 1000 + 200: the general population is not underserved.
        "underserved_populations": (pytest.approx(220 / 1200), 220, 1200),
    }
    considering = by_segment(levers.compute_brand_consideration_share(ds, 2021, 10))
    assert considering["job_seekers"] == (0.17, 170, 1000)
    assert considering["underserved_populations"] == (pytest.approx(204 / 1200), 204, 1200)
    frame = levers.compute_brand_awareness_share(ds, 2021, 10)
    row = frame[frame["segment"] == "job_seekers"].iloc[0]
    low, high = stats.wilson_interval(170, 1000)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert list(by_segment(levers.compute_brand_awareness_share(ds, 2020, 10))) == [
        "job_seekers",
        "underserved_populations",
    ]


def test_a_small_population_is_withheld_and_so_is_the_next_one_of_the_pool():
    ds = surveys(
        [
            ("2022-06-30", "job_seekers", True, 800, 120, 100),
            ("2022-06-30", "refugees", True, 60, 5, 12),
            ("2022-06-30", "disability", True, 300, 40, 45),
        ]
    )
    frame = levers.compute_brand_awareness_share(ds, 2022, 10)
    withheld = dict(zip(frame["segment"], frame["suppressed"], strict=True))
    # 5 aware refugees is small; the pool shows 165 of 1160, so the next smallest
    # population (disability, 300 respondents) goes too.
    assert withheld == {
        "disability": True,
        "job_seekers": False,
        "refugees": True,
        "underserved_populations": False,
    }
    assert frame.loc[frame["segment"] == "refugees", "value"].isna().all()


def test_without_a_brand_survey_there_is_no_brand_figure():
    ds = students(COHORT)
    for compute in (levers.compute_brand_awareness_share, levers.compute_brand_consideration_share):
        frame = compute(ds, 2022, 10)
        assert frame.empty and list(frame.columns)[:3] == ["metric", "segment", "value"]
    # A survey without a wave in the year gives none either.
    assert levers.compute_brand_awareness_share(surveys(WAVES), 2019, 10).empty

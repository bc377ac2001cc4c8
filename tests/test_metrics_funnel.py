"""Funnel figures on small hand-made tables; every expected value is worked out here."""

import pandas as pd
import pytest
from tables import ADMITTED_APPLICATION, contract_table

from helpers.figures.metrics import funnel
from helpers.intake.dataset import Dataset

APPLICATION = {
    **ADMITTED_APPLICATION,
    "started_at": "2022-01-05",
    "submitted_at": "2022-01-20",
    "decided_at": "2022-02-01",
    "gender": "female",
}
ENROLLMENT = {
    "path_id": "p1",
    "status": "active",
    "ended_at": None,
    "funding_type": "public",
    "funder": None,
    "employer_id": None,
    "mentor_id": None,
}


def table(defaults: dict, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{**defaults, **r} for r in rows])


def figures(frame: pd.DataFrame) -> dict:
    """segment -> (value, numerator, denominator, suppressed), NA as None."""

    def plain(v):
        return None if pd.isna(v) else v

    return {
        r.segment: (plain(r.value), plain(r.numerator), plain(r.denominator), r.suppressed)
        for r in frame.itertuples()
    }


@pytest.fixture(scope="module")
def ds() -> Dataset:
    # Only the columns the figures read are given; the others take contract defaults.
    members = contract_table(
        "members",
        *(
            {"member_id": member, "registered_at": day}
            for member, day in zip(
                ["m1", "m2", "m3", "m4"],
                ["2022-01-01", "2021-12-31", "2022-12-31", "2023-01-01"],
                strict=True,
            )
        ),
    )
    courses = contract_table(
        "course_enrollments",
        *(
            {"member_id": member, "started_at": day, "certificate_at": certificate}
            for member, day, certificate in zip(
                ["m1", "m1", "m2", "m3"],
                ["2022-01-01", "2021-12-31", "2022-12-31", "2023-01-01"],
                ["2022-06-01", "2022-01-01", None, None],
                strict=True,
            )
        ),
    )
    applications = table(
        APPLICATION,
        [
            # m1 applies twice in 2022 and declares differently; the latest (a2) sets
            # the segment, the first (a1) is the one that led to an enrollment.
            dict(
                application_id="a1",
                member_id="m1",
                started_at="2021-12-20",
                submitted_at="2022-01-10",
                decided_at="2022-01-20",
                employment_status="job_seeker",
            ),
            dict(
                application_id="a2",
                member_id="m1",
                started_at="2022-03-01",
                submitted_at="2022-03-05",
                decision="rejected",
                decided_at="2022-03-20",
            ),
            dict(
                application_id="a3",
                member_id="m2",
                started_at="2022-05-01",
                submitted_at="2022-05-02",
                decided_at="2022-05-10",
                employment_status="job_seeker",
            ),
            dict(
                application_id="a4",
                member_id="m3",
                started_at="2022-06-01",
                submitted_at=None,
                decision=None,
                decided_at=None,
            ),
            # m4 submits on 31 December and starts the next year: still in the cohort.
            dict(
                application_id="a5",
                member_id="m4",
                started_at="2022-11-01",
                submitted_at="2022-12-31",
                decided_at="2023-01-05",
                employment_status="job_seeker",
            ),
            # m5 submits two applications the same day: the larger id (a7) sets the segment.
            dict(
                application_id="a6",
                member_id="m5",
                started_at="2022-06-15",
                submitted_at="2022-07-01",
                decision="rejected",
                decided_at="2022-07-10",
            ),
            dict(
                application_id="a7",
                member_id="m5",
                started_at="2022-06-15",
                submitted_at="2022-07-01",
                decision="pending",
                decided_at=None,
                education_level="none",
            ),
            dict(
                application_id="a8",
                member_id="m6",
                started_at="2021-05-01",
                submitted_at="2021-06-01",
                decided_at="2021-07-01",
                country="ZZ",
            ),
            # a9 declares "migrant": a refugee under the rules of 2022, not of 2021.
            dict(
                application_id="a9",
                member_id="m7",
                started_at="2020-05-01",
                submitted_at="2020-06-01",
                decided_at="2020-07-01",
                migration_status="migrant",
            ),
            dict(
                application_id="a10",
                member_id="m8",
                started_at="2020-05-01",
                submitted_at="2020-06-01",
                decided_at="2020-07-01",
            ),
            dict(
                application_id="a11",
                member_id="m9",
                started_at="2021-01-01",
                submitted_at="2021-01-15",
                decided_at="2021-02-01",
                country="BE",
            ),
            dict(
                application_id="a12",
                member_id="m10",
                started_at="2021-09-01",
                submitted_at="2021-10-05",
                decided_at="2021-11-01",
                country="DE",
            ),
            dict(
                application_id="a13",
                member_id="m11",
                started_at="2020-10-01",
                submitted_at="2020-10-05",
                decided_at="2020-11-01",
            ),
        ],
    )
    enrollments = table(
        ENROLLMENT,
        [
            dict(
                enrollment_id="e1",
                application_id="a1",
                member_id="m1",
                started_at="2022-02-01",
                expected_end_at="2022-12-31",
                status="graduated",
                ended_at="2022-11-30",
            ),
            dict(
                enrollment_id="e2",
                application_id="a5",
                member_id="m4",
                started_at="2023-02-01",
                expected_end_at="2024-01-31",
            ),
            # due in 2022, graduated on 15 January 2023: not on or before 31 December
            dict(
                enrollment_id="e3",
                application_id="a8",
                member_id="m6",
                started_at="2022-01-10",
                expected_end_at="2022-06-30",
                status="graduated",
                ended_at="2023-01-15",
            ),
            dict(
                enrollment_id="e4",
                application_id="a9",
                member_id="m7",
                started_at="2020-09-01",
                expected_end_at="2022-03-01",
                status="dropped_out",
                ended_at="2021-05-01",
            ),
            # due in 2022, graduated early in 2021: graduated on or before 31 December 2022
            dict(
                enrollment_id="e5",
                application_id="a10",
                member_id="m8",
                started_at="2020-10-01",
                expected_end_at="2022-09-30",
                status="graduated",
                ended_at="2021-12-15",
            ),
            # ends on 1 January 2022: active in 2022
            dict(
                enrollment_id="e6",
                application_id="a11",
                member_id="m9",
                started_at="2021-03-01",
                expected_end_at="2021-12-31",
                status="dropped_out",
                ended_at="2022-01-01",
            ),
            # starts on 31 December 2022: active in 2022
            dict(
                enrollment_id="e7",
                application_id="a12",
                member_id="m10",
                started_at="2022-12-31",
                expected_end_at="2023-12-31",
            ),
            dict(
                enrollment_id="e8",
                application_id="a13",
                member_id="m11",
                started_at="2021-01-01",
                expected_end_at="2022-06-30",
                status="graduated",
                ended_at="2022-06-30",
            ),
        ],
    )
    surveys = pd.DataFrame(
        {
            "enrollment_id": ["e1", "e5", "e8"],
            "sent_at": ["2023-05-30", "2022-06-15", "2022-12-30"],
            "responded_at": ["2023-06-01", "2022-06-20", None],
            "employed_within_6_months": [True, False, None],
            "salary_before_eur": None,
            "salary_after_eur": None,
        }
    )
    traffic = pd.DataFrame(
        {
            "month": ["2022-01-01"] * 3 + ["2022-02-01"] * 3,
            "country": ["FR", "ZZ", "DE", "FR", "BE", "DE"],
            "visitors": [100, 20, 5, 200, 30, 0],
            "active_members": [40, 5, 0, 0, 12, 0],
        }
    )
    return Dataset.from_frames(
        {
            "members": members,
            "course_enrollments": courses,
            "applications": applications,
            "enrollments": enrollments,
            "graduate_surveys": surveys,
            "monthly_traffic": traffic,
        }
    )


@pytest.mark.parametrize(
    ("compute", "expected"),
    [
        (funnel.compute_new_members, 2),  # m1 on 1 January, m3 on 31 December
        (funnel.compute_courses_started, 2),  # c1 on 1 January, c3 on 31 December
        (funnel.compute_course_certificates, 2),  # c1, and c2 certified on 1 January
        (funnel.compute_prospects, 5),  # m1 (a2), m2, m3, m4, m5
        (funnel.compute_applicants, 4),  # m1 (twice), m2, m4, m5; m3 never submitted
        (funnel.compute_admitted, 2),  # a1 and a3; a5 was decided in 2023
        (funnel.compute_students_started, 3),  # e1, e3, e7 (31 December)
        (funnel.compute_graduates, 2),  # e1, e8; e3 graduated in 2023, e5 in 2021
        (funnel.compute_countries_with_students, 3),  # FR (e1, e8), BE (e6), DE (e7); ZZ not
        (funnel.compute_countries_with_active_members, 2),  # FR, BE; DE had none; ZZ not
    ],
)
def test_funnel_counts(ds, compute, expected):
    frame = compute(ds, 2022, 1)
    assert figures(frame) == {"all": (expected, None, None, False)}


def test_traffic_averages_run_over_the_months_present(ds):
    # January: 100 + 20 + 5 = 125 visitors; February: 200 + 30 + 0 = 230.
    assert figures(funnel.compute_visitors_monthly_avg(ds, 2022, 1))["all"][0] == 177.5
    # January: 40 + 5 + 0 = 45 active members; February: 0 + 12 + 0 = 12.
    assert figures(funnel.compute_active_members_monthly_avg(ds, 2022, 1))["all"][0] == 28.5


def test_a_year_without_traffic_is_data_absent(ds):
    for compute in (
        funnel.compute_visitors_monthly_avg,
        funnel.compute_active_members_monthly_avg,
        funnel.compute_countries_with_active_members,
    ):
        assert figures(compute(ds, 2021, 1)) == {"all": (None, None, None, False)}


def test_traffic_average_is_withheld_when_a_monthly_total_is_small(ds):
    # February's active members total 12: shown with MIN_CELL 12, withheld with 13.
    assert not figures(funnel.compute_active_members_monthly_avg(ds, 2022, 12))["all"][3]
    assert figures(funnel.compute_active_members_monthly_avg(ds, 2022, 13))["all"] == (
        None,
        None,
        None,
        True,
    )


def test_admission_rate_counts_each_applicant_once_in_their_latest_segment(ds):
    got = figures(funnel.compute_admission_rate(ds, 2022, 1))
    # Applicants of 2022 and their latest application: m1 -> a2 (non underserved, enrolled
    # through a1), m2 -> a3 (job seeker, not enrolled), m4 -> a5 (job seeker, enrolled in
    # 2023), m5 -> a7 (tie on the date, larger id; low qualification, not enrolled).
    assert got["all"] == (0.5, 2, 4, False)
    assert got["underserved"] == (pytest.approx(1 / 3), 1, 3, False)
    assert got["non_underserved"] == (1.0, 1, 1, False)
    assert got["job_seekers"] == (0.5, 1, 2, False)  # m1's job-seeker a1 is not latest
    assert got["low_qualification"] == (0.0, 0, 1, False)
    # Segments with no one in them: a rate without value, not withheld.
    for segment in ("priority_area", "refugees", "disability"):
        assert got[segment] == (None, 0, 0, False)


def test_admission_rate_carries_a_wilson_interval(ds):
    row = funnel.compute_admission_rate(ds, 2022, 1).set_index("segment").loc["all"]
    # 2 of 4, z = 1.959964: centre (0.5 + z^2/8) / (1 + z^2/4) = 0.5; half-width
    # z * sqrt(0.25/4 + z^2/64) / (1 + z^2/4) = 1.959964 * 0.3500326 / 1.9603648 = 0.349961.
    assert row["ci_low"] == pytest.approx(0.5 - 0.349961, abs=1e-6)
    assert row["ci_high"] == pytest.approx(0.5 + 0.349961, abs=1e-6)


def test_graduation_rate_of_the_enrollments_due_in_the_year(ds):
    got = figures(funnel.compute_graduation_rate(ds, 2022, 1))
    # Due in 2022: e1 (graduated 30 Nov), e3 (graduated 2023: no), e4 (dropped out),
    # e5 (graduated early, 2021: yes), e8 (graduated 30 Jun).
    assert got["all"] == (0.6, 3, 5, False)
    assert got["underserved"] == (0.5, 1, 2, False)  # e1 job seeker, e4 refugee
    assert got["non_underserved"] == (pytest.approx(2 / 3), 2, 3, False)
    assert got["job_seekers"] == (1.0, 1, 1, False)
    assert got["refugees"] == (0.0, 0, 1, False)  # a9's "migrant" with the 2022 rules


def test_career_outcome_rate_counts_answered_surveys_of_the_year_graduates(ds):
    got = figures(funnel.compute_career_outcome_rate_6m(ds, 2022, 1))
    # Graduates of 2022: e1 (answered, employed) and e8 (not answered); e5 graduated 2021.
    assert got["all"] == (1.0, 1, 1, False)
    assert got["job_seekers"] == (1.0, 1, 1, False)
    assert got["non_underserved"] == (None, 0, 0, False)
    assert got["apprentices"] == (None, 0, 0, False)
    assert got["non_apprentices"] == (1.0, 1, 1, False)


def test_counts_are_withheld_below_min_cell_and_shown_from_it(ds):
    # Four applicants: withheld with MIN_CELL 5, shown with MIN_CELL 4.
    assert figures(funnel.compute_applicants(ds, 2022, 5))["all"] == (None, None, None, True)
    assert figures(funnel.compute_applicants(ds, 2022, 4))["all"] == (4, None, None, False)


def test_withheld_rate_hides_its_counts_and_interval(ds):
    frame = funnel.compute_graduation_rate(ds, 2022, 3).set_index("segment")
    # all: 3 of 5, complement 2 < 3 -> withheld; everything but the flag is blank.
    row = frame.loc["all"]
    assert row["suppressed"]
    assert row[["value", "numerator", "denominator", "ci_low", "ci_high"]].isna().all()
    # non_underserved 2/3 is withheld (numerator 2), underserved 1/2 too: both parts of
    # all are withheld, so nothing more is needed; empty segments keep 0/0 unflagged.
    assert frame.loc["non_underserved", "suppressed"] and frame.loc["underserved", "suppressed"]
    assert not frame.loc["priority_area", "suppressed"]
    assert frame.loc["priority_area", "denominator"] == 0


# --- the one-career-outcome-a-year rule ---------------------------------------------------


@pytest.fixture(scope="module")
def outcomes_ds() -> Dataset:
    rows = [
        # x: kept 2021-01-01; 364 days later dropped; 365 days later kept; 366 days later kept.
        ("o-x1", "x", "2021-01-01", None),
        ("o-x2", "x", "2021-12-31", None),
        ("o-x3", "x", "2022-01-01", None),
        ("o-x4", "x", "2023-01-02", None),
        # y: two declarations the same day; the smaller id is the first, so it is kept.
        ("o-y1", "y", "2022-03-01", "ea"),
        ("o-y2", "y", "2022-03-01", None),
        # z: a 2021 declaration makes the one 364 days later drop out of 2022.
        ("o-z1", "z", "2021-06-01", None),
        ("o-z2", "z", "2022-05-31", "ep"),
        ("o-z3", "z", "2022-06-01", "ep"),
        # w: a declaration of 2023 does not change 2022.
        ("o-w1", "w", "2022-12-31", None),
        ("o-w2", "w", "2023-06-01", "ea"),
    ]
    outcomes = pd.DataFrame(
        rows, columns=["career_outcome_id", "member_id", "declared_at", "enrollment_id"]
    ).assign(outcome_type="new_job", source="platform_survey")
    enrollments = table(
        ENROLLMENT,
        [
            dict(
                enrollment_id="ea",
                application_id="a1",
                member_id="y",
                started_at="2020-01-01",
                expected_end_at="2021-01-01",
                funding_type="apprenticeship",
                employer_id="c1",
            ),
            dict(
                enrollment_id="ep",
                application_id="a2",
                member_id="z",
                started_at="2020-01-01",
                expected_end_at="2021-01-01",
            ),
        ],
    )
    return Dataset.from_frames({"career_outcomes": outcomes, "enrollments": enrollments})


def test_one_career_outcome_a_year_per_person(outcomes_ds):
    got = figures(funnel.compute_career_outcomes(outcomes_ds, 2022, 1))
    # 2022 keeps o-x3 (365 days after o-x1), o-y1, o-z3 (365 days after o-z1), o-w1.
    assert got["all"] == (4, None, None, False)
    assert got["paid_students"] == (2, None, None, False)  # o-y1 and o-z3
    assert got["apprentices"] == (1, None, None, False)  # o-y1 credits an apprenticeship


def test_career_outcomes_of_the_years_around(outcomes_ds):
    # 2021: o-x1, o-z1. 2023: o-x4 (366 days after o-x3); o-w2 is 152 days after o-w1.
    assert figures(funnel.compute_career_outcomes(outcomes_ds, 2021, 1))["all"][0] == 2
    got = figures(funnel.compute_career_outcomes(outcomes_ds, 2023, 1))
    assert got["all"][0] == 1 and got["paid_students"][0] == 0


def test_kept_declarations_are_the_expected_ones(outcomes_ds):
    kept = outcomes_ds.query(funnel.kept_career_outcomes_sql(2023))
    assert sorted(kept["career_outcome_id"]) == [
        "o-w1",
        "o-x1",
        "o-x3",
        "o-x4",
        "o-y1",
        "o-z1",
        "o-z3",
    ]

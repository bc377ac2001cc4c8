"""Impact figures on a hand-made table: before and after, into work, salary change, careers.

Respondents of 2023 (graduated in 2023, survey answered), status at application -> after:

    e1 employed   -> employed      30 000 -> 33 000   (+3 000)
    e2 employed   -> not employed  28 000 -> none
    e3 job_seeker -> employed      none   -> 27 000   (no salary before)
    e4 job_seeker -> employed      20 000 -> 26 000   (+6 000, apprentice)
    e5 student    -> not employed  none   -> none
    e6 inactive   -> employed      25 000 -> 24 000   (-1 000)
    e7 unknown    -> employed      30 000 -> 32 000   (+2 000: not in the paired table)

e8 graduated in 2023 but did not answer; e9 answered but graduated in 2022; e10 graduated
in 2023 with no survey row. Job seekers are the only underserved people here.
"""

import math

import pandas as pd
import pytest
from tables import ADMITTED_APPLICATION

from helpers.figures.metrics import impact
from helpers.intake.dataset import Dataset

ENROLLMENT = {
    "path_id": "p1",
    "started_at": "2022-01-10",
    "expected_end_at": "2023-12-31",
    "status": "graduated",
    "funder": None,
    "employer_id": None,
    "mentor_id": None,
}
# id, status at application, funding, jury date, responded, employed after, before, after
PEOPLE = [
    ("e1", "employed", "individual", "2023-03-01", True, True, 30000.0, 33000.0),
    ("e2", "employed", "individual", "2023-03-01", True, False, 28000.0, None),
    ("e3", "job_seeker", "public", "2023-04-01", True, True, None, 27000.0),
    ("e4", "job_seeker", "apprenticeship", "2023-05-01", True, True, 20000.0, 26000.0),
    ("e5", "student", "individual", "2023-06-01", True, False, None, None),
    ("e6", "inactive", "individual", "2023-07-01", True, True, 25000.0, 24000.0),
    ("e7", "unknown", "individual", "2023-08-01", True, True, 30000.0, 32000.0),
    ("e8", "job_seeker", "individual", "2023-09-01", False, None, None, None),
    ("e9", "job_seeker", "individual", "2022-06-30", True, True, 20000.0, 30000.0),
    ("e11", "employed", "individual", "2022-07-01", True, True, 30000.0, 31000.0),
]
NO_SURVEY = ("e10", "employed", "individual", "2023-02-01")


def tables(people=PEOPLE, outcomes=()) -> dict[str, pd.DataFrame]:
    everyone = [p[:4] for p in people] + [NO_SURVEY]
    applications = pd.DataFrame(
        [
            {
                **ADMITTED_APPLICATION,
                "application_id": f"a-{eid}",
                "member_id": f"m-{eid}",
                "employment_status": status,
            }
            for eid, status, _, _ in everyone
        ]
    )
    enrollments = pd.DataFrame(
        [
            {
                **ENROLLMENT,
                "enrollment_id": eid,
                "application_id": f"a-{eid}",
                "member_id": f"m-{eid}",
                "funding_type": funding,
                "employer_id": "c1" if funding == "apprenticeship" else None,
                "ended_at": ended,
            }
            for eid, _, funding, ended in everyone
        ]
    )
    surveys = pd.DataFrame(
        [
            {
                "enrollment_id": eid,
                "sent_at": ended,
                "responded_at": ended if responded else None,
                "employed_within_6_months": employed,
                "salary_before_eur": before,
                "salary_after_eur": after,
            }
            for eid, _, _, ended, responded, employed, before, after in people
        ]
    )
    career = pd.DataFrame(
        [
            {
                "career_outcome_id": f"o{i}",
                "member_id": member,
                "declared_at": day,
                "outcome_type": "new_job",
                "enrollment_id": None,
                "source": "platform_survey",
            }
            for i, (member, day) in enumerate(outcomes)
        ],
        columns=[
            "career_outcome_id",
            "member_id",
            "declared_at",
            "outcome_type",
            "enrollment_id",
            "source",
        ],
    )
    return {
        "applications": applications,
        "enrollments": enrollments,
        "graduate_surveys": surveys,
        "career_outcomes": career,
    }


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return Dataset.from_frames(tables(), meta={"years": [2022, 2023]})


def row(frame: pd.DataFrame, segment: str = "all") -> dict:
    found = frame.set_index("segment").loc[segment]
    return {k: (None if pd.isna(v) else v) for k, v in found.items()}


def wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval written out, independently of the library's."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_survey_response_rate_counts_graduates_with_a_survey_row(ds):
    # e1..e8 graduated in 2023 with a survey row (e10 has none); e8 did not answer.
    figure = row(impact.compute_survey_response_rate(ds, 2023, 1))
    assert (figure["numerator"], figure["denominator"]) == (7, 8)
    assert figure["ci_low"] == pytest.approx(wilson(7, 8)[0])


def test_shares_before_and_after_pair_the_same_people(ds):
    # Known status: e1..e6. Employed before: e1, e2. Employed after: e1, e3, e4, e6.
    before = row(impact.compute_employed_before_share(ds, 2023, 1))
    after = row(impact.compute_employed_after_share(ds, 2023, 1))
    assert (before["numerator"], before["denominator"]) == (2, 6)
    assert (after["numerator"], after["denominator"]) == (4, 6)


def test_employment_change_has_newcombes_paired_interval(ds):
    change = row(impact.compute_employment_change(ds, 2023, 1))
    assert change["value"] == pytest.approx(4 / 6 - 2 / 6)
    assert change["numerator"] is None and change["denominator"] is None
    # a = e1 (both), b = e2 (before only), c = e3, e4, e6 (after only), d = e5 (neither).
    # After minus before: p1 = (a + c) / n = 4/6, p2 = (a + b) / n = 2/6.
    # ad - bc = 1 - 3 < 0, so phi = -2 / sqrt(4 * 2 * 2 * 4) = -2 / 8 (no correction).
    phi = -2 / 8
    (l1, u1), (l2, u2) = wilson(4, 6), wilson(2, 6)
    p1, p2 = 4 / 6, 2 / 6
    low = p1 - p2 - math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2)
    high = p1 - p2 + math.sqrt((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2)
    assert (change["ci_low"], change["ci_high"]) == (pytest.approx(low), pytest.approx(high))


def test_into_work_rate_reads_people_not_in_work_at_application(ds):
    # e3, e4 (job seekers), e5 (student), e6 (inactive): e3, e4, e6 in work after.
    figure = row(impact.compute_into_work_rate(ds, 2023, 1))
    assert (figure["numerator"], figure["denominator"]) == (3, 4)
    assert row(impact.compute_into_work_rate(ds, 2023, 1), "non_underserved")["denominator"] == 2


def test_salary_change_skips_a_person_with_no_salary_before(ds):
    # Both salaries: e1 +3000, e4 +6000, e6 -1000, e7 +2000 (e3 has no salary before).
    median = row(impact.compute_salary_change_median_eur(ds, 2023, 1))
    assert (median["value"], median["denominator"]) == (2500.0, 4)
    # Four values are too few for a 95 % distribution-free interval (1/16 > 0.025).
    assert median["ci_low"] is None and median["ci_high"] is None
    rise = row(impact.compute_salary_rise_share(ds, 2023, 1))
    assert (rise["numerator"], rise["denominator"]) == (3, 4)
    assert row(impact.compute_salary_change_total_eur(ds, 2023, 1))["value"] == 10000.0


def test_every_segment_is_computed(ds):
    change = impact.compute_employment_change(ds, 2023, 1)
    assert list(change["segment"]) == [
        "all",
        "underserved",
        "non_underserved",
        "job_seekers",
        "low_qualification",
        "priority_area",
        "refugees",
        "disability",
        "apprentices",
        "non_apprentices",
    ]
    # Job seekers e3, e4: neither employed before, both after.
    assert row(change, "job_seekers")["value"] == pytest.approx(1.0)
    # No refugee: no value, not withheld.
    assert row(change, "refugees")["value"] is None
    assert not row(change, "refugees")["suppressed"]
    apprentices = row(impact.compute_salary_change_median_eur(ds, 2023, 1), "apprentices")
    assert (apprentices["value"], apprentices["denominator"]) == (6000.0, 1)
    others = row(impact.compute_salary_change_total_eur(ds, 2023, 1), "non_apprentices")
    assert others["value"] == 4000.0


def test_small_groups_are_withheld_with_their_partner(ds):
    # MIN_CELL 3: the share employed before (2 of 6) is small, so the change goes too.
    assert row(impact.compute_employed_before_share(ds, 2023, 3))["suppressed"]
    change = row(impact.compute_employment_change(ds, 2023, 3))
    assert change["suppressed"] and change["value"] is None
    # MIN_CELL 2: one underserved salary (e4) is withheld; the non-underserved median and
    # total go too, or the whole and the other part would give it away.
    medians = impact.compute_salary_change_median_eur(ds, 2023, 2)
    assert row(medians, "underserved")["suppressed"]
    assert row(medians, "non_underserved")["suppressed"]
    assert row(medians, "non_underserved")["denominator"] is None
    assert row(medians, "all")["value"] == 2500.0
    totals = impact.compute_salary_change_total_eur(ds, 2023, 2)
    assert row(totals, "non_underserved")["suppressed"]


def test_graduates_with_outcome_counts_declarations_within_the_window():
    outcomes = [
        ("m-e9", "2023-03-01"),  # e9, jury 2022-06-30: within a year
        ("m-e11", "2023-07-02"),  # e11, jury 2022-07-01: 366 days later, outside
        ("m-e11", "2022-06-01"),  # before the jury: does not count
    ]
    data = Dataset.from_frames(tables(outcomes=outcomes), meta={"years": [2022, 2023]})
    figure = row(impact.compute_graduates_with_outcome_1y(data, 2023, 1))
    assert (figure["numerator"], figure["denominator"]) == (1, 2)
    edge = Dataset.from_frames(
        tables(outcomes=[("m-e11", "2023-07-01")]), meta={"years": [2022, 2023]}
    )
    # 365 days after the jury is the last day of the window.
    assert row(impact.compute_graduates_with_outcome_1y(edge, 2023, 1))["numerator"] == 1


def test_windows_the_data_does_not_cover_are_absent(ds):
    figure = row(impact.compute_graduates_with_outcome_2y(ds, 2023, 1))
    assert figure["value"] is None and not figure["suppressed"]
    assert impact.first_measurable_year(ds, 2) == 2024
    assert impact.first_measurable_year(ds, 10) == 2032


# Consumer prices of the hand computation: the applications of e1..e7 are of 2021, their
# answers of 2023, so a salary before is worth 110 / 100 = 1.1 times more in 2023 euros.
PRICES = pd.DataFrame(
    {
        "year": [2021, 2022, 2023],
        "index_2015": [100.0, 105.0, 110.0],
        "rate": [None, 0.05, 0.047619],
        "source": ["test"] * 3,
    }
)


def test_real_terms_salary_change_expresses_the_salary_before_in_euros_of_the_survey_year():
    ds = Dataset.from_frames({**tables(), "consumer_prices": PRICES}, meta={"years": [2023]})
    # Both salaries: e1 30 000 -> 33 000, e4 20 000 -> 26 000, e6 25 000 -> 24 000,
    # e7 30 000 -> 32 000. In 2023 euros the salaries before are 33 000, 22 000, 27 500,
    # 33 000: changes 0, +4 000, -3 500, -1 000; median -500, total -500.
    median = row(impact.compute_salary_change_real_median_eur(ds, 2023, 1))
    total = row(impact.compute_salary_change_real_total_eur(ds, 2023, 1))
    assert (median["value"], median["denominator"]) == (-500.0, 4)
    assert total["value"] == -500.0
    # The nominal figures beside them: changes +3 000, +6 000, -1 000, +2 000.
    assert row(impact.compute_salary_change_median_eur(ds, 2023, 1))["value"] == 2500.0
    assert row(impact.compute_salary_change_total_eur(ds, 2023, 1))["value"] == 10000.0


def test_a_year_missing_from_the_index_leaves_the_real_terms_figures_without_value():
    prices = PRICES[PRICES["year"] != 2023]
    ds = Dataset.from_frames({**tables(), "consumer_prices": prices}, meta={"years": [2023]})
    median = row(impact.compute_salary_change_real_median_eur(ds, 2023, 1))
    assert median["value"] is None and not median["suppressed"]
    assert row(impact.compute_salary_change_median_eur(ds, 2023, 1))["value"] == 2500.0
    _, missing = impact.real_salary_changes(ds, 2023)
    assert missing == {2023}


def test_euro_figures_are_rounded_to_100_and_medians_need_twice_min_cell():
    assert impact.round_euros(2249.0) == 2200.0
    assert impact.round_euros(2250.0) == 2300.0
    assert impact.round_euros(-2250.0) == -2200.0
    # Four people with both salaries: shown with MIN_CELL = 2 (4 >= 2 x 2), withheld
    # with MIN_CELL = 3 (4 < 2 x 3), although 4 is not a small count then.
    assert not row(impact.compute_salary_change_median_eur(ds_with_prices(), 2023, 2))["suppressed"]
    assert row(impact.compute_salary_change_median_eur(ds_with_prices(), 2023, 3))["suppressed"]
    assert row(impact.compute_salary_change_total_eur(ds_with_prices(), 2023, 3))["suppressed"]


def ds_with_prices() -> Dataset:
    return Dataset.from_frames({**tables(), "consumer_prices": PRICES}, meta={"years": [2023]})

"""Focus groups: mentors of the year, disability-trained mentoring, women instructors in tech."""

import pandas as pd
import pytest
from tables import ADMITTED_APPLICATION

from helpers.figures.metrics import focus
from helpers.intake.dataset import Dataset

APPLICATION = ADMITTED_APPLICATION
ENROLLMENT = {
    "path_id": "p1",
    "expected_end_at": "2023-12-31",
    "status": "active",
    "ended_at": None,
    "funding_type": "public",
    "funder": None,
    "employer_id": None,
}
MENTORS = pd.DataFrame(
    [
        ("M1", "mentor", "male", "tech", True),
        ("M2", "mentor", "female", "tech", False),
        ("M3", "mentor", "female", "non_tech", True),
        ("I1", "instructor", "female", "tech", False),
        ("I2", "instructor", "male", "tech", True),
        ("I3", "instructor", "female", "tech", False),
        ("I4", "instructor", "unknown", "tech", False),
        ("I5", "instructor", "female", "non_tech", False),
    ],
    columns=["mentor_id", "role", "gender", "domain", "disability_trained"],
)


def tables(rows: list[tuple[str, str | None, str | None, str]]) -> dict[str, pd.DataFrame]:
    """Enrollments given as (start, end, mentor, declared disability)."""
    apps, enrs = [], []
    for i, (started_at, ended_at, mentor_id, disability) in enumerate(rows):
        apps.append(
            {
                **APPLICATION,
                "application_id": f"a{i}",
                "member_id": f"m{i}",
                "disability": disability,
            }
        )
        enrs.append(
            {
                **ENROLLMENT,
                "enrollment_id": f"e{i}",
                "application_id": f"a{i}",
                "member_id": f"m{i}",
                "started_at": started_at,
                "ended_at": ended_at,
                "status": "active" if ended_at is None else "dropped_out",
                "mentor_id": mentor_id,
            }
        )
    return {"applications": pd.DataFrame(apps), "enrollments": pd.DataFrame(enrs)}


ROWS = [
    ("2022-02-01", None, "M1", "yes"),  # trained mentor
    ("2021-05-01", "2022-01-01", "M2", "yes"),  # ends on 1 January: active; mentor untrained
    ("2022-12-31", None, None, "yes"),  # starts on 31 December: active; no mentor
    ("2022-03-01", None, "M1", "unknown"),  # unknown is not a declared disability
    ("2020-01-01", "2021-12-31", "M3", "yes"),  # ended before 2022
    ("2023-01-01", None, "M3", "no"),  # starts after 2022
]


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return Dataset.from_frames({**tables(ROWS), "mentors": MENTORS})


def values(frame: pd.DataFrame) -> dict:
    def plain(v):
        return None if pd.isna(v) else v

    return {
        r.segment: (plain(r.value), plain(r.numerator), plain(r.denominator), r.suppressed)
        for r in frame.itertuples()
    }


def test_mentors_active(ds):
    # M1 (twice) and M2 follow enrollments active in 2022; M3's are outside the year.
    assert values(focus.compute_mentors_active(ds, 2022, 1)) == {"all": (2, None, None, False)}


def test_disability_mentor_coverage(ds):
    # Active in 2022 with disability = yes: e0 (M1, trained), e1 (M2), e2 (no mentor).
    got = values(focus.compute_disability_mentor_coverage(ds, 2022, 1))
    assert got == {"disability": (pytest.approx(1 / 3), 1, 3, False)}


def test_women_instructor_share_among_tech_instructors(ds):
    # Tech instructors: I1, I2, I3, I4 (unknown gender stays counted); women: I1, I3.
    got = values(focus.compute_women_instructor_share(ds, 2022, 1))
    assert got == {"tech": (0.5, 2, 4, False)}


def test_without_the_mentors_table_the_figures_are_data_absent():
    ds = Dataset.from_frames(tables(ROWS))
    assert not ds.has("mentors")
    absent = (None, None, None, False)
    assert values(focus.compute_disability_mentor_coverage(ds, 2022, 1)) == {"disability": absent}
    assert values(focus.compute_women_instructor_share(ds, 2022, 1)) == {"tech": absent}
    # mentors_active reads the enrollments only
    assert values(focus.compute_mentors_active(ds, 2022, 1))["all"][0] == 2


def test_coverage_is_withheld_below_min_cell(ds):
    got = values(focus.compute_disability_mentor_coverage(ds, 2022, 2))
    assert got == {"disability": (None, None, None, True)}  # one covered student

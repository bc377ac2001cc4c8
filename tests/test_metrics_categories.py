"""Who the students are: segment counts and shares, women, on hand-made tables."""

import pandas as pd
import pytest
from tables import ADMITTED_APPLICATION

from helpers.figures.metrics import categories
from helpers.intake.dataset import Dataset

APPLICATION = ADMITTED_APPLICATION
UNKNOWN_EVERYWHERE = {
    "employment_status": "unknown",
    "education_level": "unknown",
    "priority_area": "unknown",
    "migration_status": "unknown",
    "disability": "unknown",
}
PATHS = pd.DataFrame(
    {
        "path_id": ["p1", "p2"],
        "title": ["Developer", "Project manager"],
        "domain": ["tech", "non_tech"],
        "language": "fr",
    }
)


def students(rows: list[tuple[str, str, dict]]) -> dict[str, pd.DataFrame]:
    """Tables for students given as (enrollment start, path, application declarations)."""
    apps, enrs = [], []
    for i, (started_at, path_id, declared) in enumerate(rows):
        apps.append({**APPLICATION, "application_id": f"a{i}", "member_id": f"m{i}", **declared})
        enrs.append(
            {
                "enrollment_id": f"e{i}",
                "application_id": f"a{i}",
                "member_id": f"m{i}",
                "path_id": path_id,
                "started_at": started_at,
                "expected_end_at": "2023-12-31",
                "status": "active",
                "ended_at": None,
                "funding_type": "public",
                "funder": None,
                "employer_id": None,
                "mentor_id": None,
            }
        )
    return {"applications": pd.DataFrame(apps), "enrollments": pd.DataFrame(enrs), "paths": PATHS}


def figures(frame: pd.DataFrame) -> dict:
    def plain(v):
        return None if pd.isna(v) else v

    return {
        r.segment: (plain(r.value), plain(r.numerator), plain(r.denominator), r.suppressed)
        for r in frame.itertuples()
    }


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return Dataset.from_frames(
        students(
            [
                ("2022-01-01", "p1", {"employment_status": "job_seeker", "gender": "female"}),
                (
                    "2022-03-01",
                    "p1",
                    {"employment_status": "job_seeker", "education_level": "below_bac"},
                ),
                ("2022-05-01", "p2", {"priority_area": "qpv", "gender": "unknown"}),
                ("2022-12-31", "p2", {**UNKNOWN_EVERYWHERE, "gender": "female"}),
                ("2022-07-01", "p1", {}),
                ("2021-12-31", "p1", {"migration_status": "migrant", "gender": "female"}),
            ]
        )
    )


def test_students_in_segment(ds):
    got = figures(categories.compute_students_in_segment(ds, 2022, 1))
    # Started in 2022: e0..e4 (e5 started on 31 December 2021).
    assert {s: v[0] for s, v in got.items()} == {
        "all": 5,
        "underserved": 3,  # e0, e1, e2
        "non_underserved": 2,  # e3 (unknown everywhere), e4
        "job_seekers": 2,
        "low_qualification": 1,  # e1: below_bac counts from 2022
        "priority_area": 1,
        "refugees": 0,  # a segment with no one in it is a zero, not a gap
        "disability": 0,
    }


def test_segment_share(ds):
    got = figures(categories.compute_segment_share(ds, 2022, 1))
    assert "all" not in got
    assert got["underserved"] == (0.6, 3, 5, False)
    assert got["non_underserved"] == (0.4, 2, 5, False)
    assert got["low_qualification"] == (0.2, 1, 5, False)
    assert got["refugees"] == (0.0, 0, 5, False)


def test_women_share_by_category_and_domain(ds):
    got = figures(categories.compute_women_share(ds, 2022, 1))
    assert got["all"] == (0.4, 2, 5, False)  # e0, e3; e2's unknown gender stays counted
    assert got["underserved"] == (pytest.approx(1 / 3), 1, 3, False)
    assert got["non_underserved"] == (0.5, 1, 2, False)
    assert got["job_seekers"] == (0.5, 1, 2, False)
    assert got["priority_area"] == (0.0, 0, 1, False)
    assert got["refugees"] == (None, 0, 0, False)
    assert got["tech"] == (pytest.approx(1 / 3), 1, 3, False)  # e0, e1, e4
    assert got["non_tech"] == (0.5, 1, 2, False)  # e2, e3


def test_the_rules_of_the_report_year_apply():
    ds = Dataset.from_frames(
        students(
            [
                ("2021-06-01", "p1", {"migration_status": "migrant"}),
                ("2022-06-01", "p1", {"migration_status": "migrant"}),
            ]
        )
    )
    in_2021 = figures(categories.compute_students_in_segment(ds, 2021, 1))
    in_2022 = figures(categories.compute_students_in_segment(ds, 2022, 1))
    assert in_2021["refugees"][0] == 0 and in_2021["non_underserved"][0] == 1
    assert in_2022["refugees"][0] == 1 and in_2022["non_underserved"][0] == 0


@pytest.mark.parametrize(
    ("min_cell", "withheld"),
    [
        (1, set()),
        # 1s are small; 2 and 3 are not
        (2, {"low_qualification", "priority_area"}),
        # non_underserved (2) is small; with all (5) shown it would give underserved away
        # (5 - 2), so underserved (3), the next smallest, is withheld too
        (
            3,
            {"non_underserved", "underserved", "job_seekers", "low_qualification", "priority_area"},
        ),
    ],
)
def test_students_in_segment_suppression_at_the_boundaries(ds, min_cell, withheld):
    frame = categories.compute_students_in_segment(ds, 2022, min_cell)
    assert set(frame.loc[frame["suppressed"], "segment"]) == withheld
    assert frame.loc[frame["suppressed"], "value"].isna().all()
    # zeros are shown
    assert figures(frame)["refugees"] == (0, None, None, False)


def test_segment_share_withheld_by_its_complement(ds):
    got = figures(categories.compute_segment_share(ds, 2022, 3))
    # underserved 3/5: its complement, 2 people, is small.
    assert got["underserved"] == (None, None, None, True)
    assert got["refugees"] == (0.0, 0, 5, False)

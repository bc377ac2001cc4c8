"""Placing applications in underserved categories with the versioned rules."""

import pandas as pd
import pytest

from helpers.figures import segments
from helpers.intake.dataset import Dataset

# An applicant in no category: every declared value outside the rules of both periods.
PLAIN = {
    "path_id": "p1",
    "started_at": "2022-01-05",
    "submitted_at": "2022-01-20",
    "decision": "admitted",
    "decided_at": "2022-02-01",
    "country": "FR",
    "gender": "female",
    "employment_status": "employed",
    "education_level": "bac_plus_5_or_more",
    "priority_area": "none",
    "migration_status": "none",
    "disability": "no",
}


def applications(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {**PLAIN, "application_id": f"a{i}", "member_id": f"m{i}", **r}
            for i, r in enumerate(rows)
        ]
    )


def rules(*rows: tuple) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["category", "first_year", "last_year", "column", "value"])
    return frame.astype({"first_year": "Int64", "last_year": "Int64"})


@pytest.fixture
def ds() -> Dataset:
    # Uses the shipped rules of data/reference/category_rules.csv.
    return Dataset.from_frames(
        {
            "applications": applications(
                {"education_level": "bac"},  # a0: low qualification from 2022 only
                {"priority_area": "uk_low_income"},  # a1: priority area from 2022 only
                {"migration_status": "asylum_seeker"},  # a2: refugees from 2022 only
                {"education_level": "none", "priority_area": "qpv"},  # a3: both periods
                {
                    "employment_status": "unknown",
                    "education_level": "unknown",
                    "priority_area": "unknown",
                    "migration_status": "unknown",
                    "disability": "unknown",
                },  # a4: unknown everywhere
                {"employment_status": "job_seeker", "disability": "yes"},  # a5
                {},  # a6: plain
            )
        }
    )


def test_the_2022_rules_place_the_same_people_differently_from_the_2021_rules(ds):
    in_2021 = segments.place_applications(ds, 2021)
    in_2022 = segments.place_applications(ds, 2022)
    assert in_2021["a0"] == {"all", "non_underserved"}
    assert in_2022["a0"] == {"all", "underserved", "low_qualification"}
    assert in_2021["a1"] == {"all", "non_underserved"}
    assert in_2022["a1"] == {"all", "underserved", "priority_area"}
    assert in_2021["a2"] == {"all", "non_underserved"}
    assert in_2022["a2"] == {"all", "underserved", "refugees"}


def test_rules_unchanged_in_2022_place_alike_in_both_years(ds):
    for year in (2021, 2022):
        placed = segments.place_applications(ds, year)
        assert placed["a3"] == {"all", "underserved", "low_qualification", "priority_area"}
        assert placed["a5"] == {"all", "underserved", "job_seekers", "disability"}
        assert placed["a6"] == {"all", "non_underserved"}


@pytest.mark.parametrize("year", [2021, 2022])
def test_an_applications_own_row_gives_the_segments_of_the_placement(ds, year):
    listed = ds.query(
        f"SELECT a.application_id, {segments.segments_of_sql(ds, year)} AS segments "
        "FROM applications a"
    )
    placed = segments.place_applications(ds, year)
    for application, found in zip(listed["application_id"], listed["segments"], strict=True):
        assert list(found) == sorted(placed[application])
    assert len(listed) == len(placed) == 7


def test_unknown_values_never_place_anyone(ds):
    for year in (2021, 2022):
        assert segments.place_applications(ds, year)["a4"] == {"all", "non_underserved"}


def test_a_rule_on_unknown_is_ignored():
    ds = Dataset.from_frames(
        {
            "applications": applications({"disability": "unknown"}),
            "category_rules": rules(
                ("disability", None, None, "disability", "yes"),
                ("disability", None, None, "disability", "unknown"),
            ),
        }
    )
    assert segments.place_applications(ds, 2022)["a0"] == {"all", "non_underserved"}


def test_every_application_is_either_underserved_or_not(ds):
    placed = segments.place_applications(ds, 2022)
    assert len(placed) == 7
    for segs in placed.values():
        assert len(segs & {"underserved", "non_underserved"}) == 1


def test_segment_ids_follow_the_rules_of_the_year_in_display_order(ds):
    expected = [
        "all",
        "underserved",
        "non_underserved",
        "job_seekers",
        "low_qualification",
        "priority_area",
        "refugees",
        "disability",
    ]
    assert segments.segment_ids(ds, 2021) == expected
    assert segments.segment_ids(ds, 2022) == expected


def test_a_category_without_rule_in_a_year_is_not_a_segment_that_year():
    ds = Dataset.from_frames(
        {
            "applications": applications({}),
            "category_rules": rules(
                ("job_seekers", None, None, "employment_status", "job_seeker"),
                ("refugees", 2022, None, "migration_status", "refugee"),
            ),
        }
    )
    assert segments.category_ids(ds, 2021) == ["job_seekers"]
    assert segments.category_ids(ds, 2022) == ["job_seekers", "refugees"]


def test_a_rule_on_a_column_applications_do_not_declare_is_refused():
    ds = Dataset.from_frames(
        {
            "applications": applications({}),
            "category_rules": rules(("x", None, None, "member_id; DROP TABLE members", "m0")),
        }
    )
    with pytest.raises(ValueError, match="not declared on applications"):
        segments.place_applications(ds, 2022)

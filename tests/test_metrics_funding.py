"""Funding shares by segment, the third-party share and their secondary suppression."""

import pandas as pd
import pytest
from tables import ADMITTED_APPLICATION

from helpers.figures import stats
from helpers.figures.metrics import funding
from helpers.intake.dataset import Dataset

APPLICATION = ADMITTED_APPLICATION


def dataset(rows: list[tuple[str, str, dict]]) -> Dataset:
    """A dataset of students given as (start date, funding type, declarations)."""
    apps, enrs = [], []
    for i, (started_at, funding_type, declared) in enumerate(rows):
        apps.append({**APPLICATION, "application_id": f"a{i}", "member_id": f"m{i}", **declared})
        enrs.append(
            {
                "enrollment_id": f"e{i}",
                "application_id": f"a{i}",
                "member_id": f"m{i}",
                "path_id": "p1",
                "started_at": started_at,
                "expected_end_at": "2023-12-31",
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


def all_funding_figures(ds: Dataset, year: int, min_cell: int) -> pd.DataFrame:
    frame = pd.concat(
        [
            funding.compute_funding_share(ds, year, t, min_cell)
            for t in ("individual", "public", "apprenticeship", "employer", "other")
        ]
        + [funding.compute_third_party_funding_share(ds, year, min_cell)],
        ignore_index=True,
    )
    return stats.suppress_secondary(frame, funding.funding_breakdowns(frame))


def lookup(frame: pd.DataFrame, metric: str, segment: str) -> tuple:
    row = frame[(frame["metric"] == metric) & (frame["segment"] == segment)].iloc[0]
    value = None if pd.isna(row["value"]) else row["value"]
    return value, row["suppressed"]


JOB_SEEKER = {"employment_status": "job_seeker"}


@pytest.fixture(scope="module")
def small() -> Dataset:
    return dataset(
        [
            ("2022-01-01", "individual", JOB_SEEKER),
            ("2022-02-01", "individual", {}),
            ("2022-03-01", "public", JOB_SEEKER),
            ("2022-04-01", "apprenticeship", {}),
            ("2022-12-31", "employer", {}),
            ("2021-12-31", "other", {}),  # started the year before
        ]
    )


def test_funding_shares_of_all_students(small):
    frame = all_funding_figures(small, 2022, 1)
    assert lookup(frame, "funding_share_individual", "all") == (0.4, False)
    assert lookup(frame, "funding_share_public", "all") == (0.2, False)
    assert lookup(frame, "funding_share_apprenticeship", "all") == (0.2, False)
    assert lookup(frame, "funding_share_employer", "all") == (0.2, False)
    assert lookup(frame, "funding_share_other", "all") == (0.0, False)
    assert lookup(frame, "third_party_funding_share", "all") == (0.6, False)


def test_funding_shares_of_a_segment(small):
    frame = all_funding_figures(small, 2022, 1)
    assert lookup(frame, "funding_share_individual", "job_seekers") == (0.5, False)
    assert lookup(frame, "funding_share_public", "job_seekers") == (0.5, False)
    assert lookup(frame, "third_party_funding_share", "job_seekers") == (0.5, False)
    assert lookup(frame, "funding_share_individual", "refugees") == (None, False)


def test_third_party_share_rests_on_the_individual_counts(small):
    row = funding.compute_third_party_funding_share(small, 2022, 1).set_index("segment").loc["all"]
    assert (row["numerator"], row["denominator"]) == (3, 5)


def test_unknown_funding_type_is_refused(small):
    with pytest.raises(ValueError, match="unknown funding type"):
        funding.compute_funding_share(small, 2022, "crowdfunding", 1)


@pytest.fixture(scope="module")
def fourteen() -> Dataset:
    # 14 students in 2022: individual 3, public 3, apprenticeship 2, employer 3, other 3.
    types = ["individual"] * 3 + ["public"] * 3 + ["apprenticeship"] * 2
    types += ["employer"] * 3 + ["other"] * 3
    return dataset([("2022-06-01", t, {}) for t in types])


def test_one_withheld_funding_share_withholds_the_next_smallest(fourteen):
    frame = all_funding_figures(fourteen, 2022, 3)
    # apprenticeship 2/14 is small; the four others tie at 3/14, and the first of the
    # breakdown (individual) is withheld with it, so 1 - the others cannot give it away.
    assert lookup(frame, "funding_share_apprenticeship", "all") == (None, True)
    assert lookup(frame, "funding_share_individual", "all") == (None, True)
    for funding_type in ("public", "employer", "other"):
        assert lookup(frame, f"funding_share_{funding_type}", "all") == (3 / 14, False)
    # third party = 1 - individual: withheld with it
    assert lookup(frame, "third_party_funding_share", "all") == (None, True)


def test_nothing_is_withheld_with_min_cell_one(fourteen):
    assert not all_funding_figures(fourteen, 2022, 1)["suppressed"].any()

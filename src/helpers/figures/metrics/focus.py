"""The focus groups set in 2023: students with a disability, and women in tech.

``women_share`` by path domain lives with the other women shares (``categories``). The
mentors table is optional: without it the figures that need it are data absent.
"""

from __future__ import annotations

import pandas as pd

from helpers.figures.metrics.common import (
    absent_figure,
    active_in_year,
    figures_frame,
    rate_figure,
    single_count_frame,
)
from helpers.figures.stats import MIN_CELL
from helpers.intake.dataset import Dataset


def compute_mentors_active(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Distinct mentors of the enrollments active in ``year``."""
    sql = f"""
        SELECT count(DISTINCT e.mentor_id) FROM enrollments e
        WHERE {active_in_year(year)} AND e.mentor_id IS NOT NULL
    """
    return single_count_frame(ds, "mentors_active", sql, min_cell)


def compute_disability_mentor_coverage(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Share of the enrollments active in ``year`` declaring a disability whose mentor is trained.

    The declaration is the application's ``disability = yes``; an enrollment without a
    mentor counts as not covered. Needs the mentors table.
    """
    metric, segment = "disability_mentor_coverage", "disability"
    if not ds.has("mentors"):
        return figures_frame([absent_figure(metric, segment)])
    row = ds.query(
        f"""
        SELECT count(*) AS denominator,
               count(*) FILTER (WHERE m.disability_trained) AS numerator
        FROM enrollments e
        JOIN applications a ON a.application_id = e.application_id
        LEFT JOIN mentors m ON m.mentor_id = e.mentor_id
        WHERE {active_in_year(year)} AND a.disability = 'yes'
        """
    ).iloc[0]
    return figures_frame(
        [rate_figure(metric, segment, row["numerator"], row["denominator"], min_cell)]
    )


def compute_women_instructor_share(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Share of women among the instructors of tech paths.

    The mentors table is a snapshot at extraction: the figure is the same for every year.
    """
    metric, segment = "women_instructor_share", "tech"
    if not ds.has("mentors"):
        return figures_frame([absent_figure(metric, segment)])
    row = ds.query(
        """
        SELECT count(*) AS denominator,
               count(*) FILTER (WHERE gender = 'female') AS numerator
        FROM mentors WHERE role = 'instructor' AND domain = 'tech'
        """
    ).iloc[0]
    return figures_frame(
        [rate_figure(metric, segment, row["numerator"], row["denominator"], min_cell)]
    )

"""Who the students are: underserved categories and women, among students started in Y."""

from __future__ import annotations

import pandas as pd

from helpers.figures import segments
from helpers.figures.metrics.common import (
    count_figure,
    counts_by_key,
    frame_by_segment,
    in_year,
    rate_figure,
    rates_frame,
)
from helpers.figures.stats import MIN_CELL
from helpers.intake import contract
from helpers.intake.dataset import Dataset


def started_by_segment_sql(ds: Dataset, year: int) -> str:
    """Return SQL counting the students started in ``year`` by segment (columns key, n)."""
    return f"""
        WITH seg AS ({segments.application_segments_sql(ds, year)})
        SELECT seg.segment AS key, count(*) AS n
        FROM enrollments e JOIN seg ON seg.application_id = e.application_id
        WHERE {in_year("e.started_at", year)}
        GROUP BY seg.segment
    """


def compute_students_in_segment(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Students started in ``year`` in each segment (``all`` included)."""
    keys = segments.segment_ids(ds, year)
    counts = counts_by_key(ds, started_by_segment_sql(ds, year), keys, ("n",))
    figures = [count_figure("students_in_segment", k, counts[k]["n"], min_cell) for k in keys]
    return frame_by_segment(figures)


def compute_segment_share(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Share of the students started in ``year`` who are in each segment (``all`` excluded).

    ``underserved`` is the headline share of students in at least one category.
    """
    keys = segments.segment_ids(ds, year)
    counts = counts_by_key(ds, started_by_segment_sql(ds, year), keys, ("n",))
    total = counts[segments.ALL]["n"]
    figures = [
        rate_figure("segment_share", k, counts[k]["n"], total, min_cell)
        for k in keys
        if k != segments.ALL
    ]
    return frame_by_segment(figures)


def compute_women_share(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Share of the students started in ``year`` whose application gender is ``female``.

    By category segment, and by the domain of the path (``tech``, ``non_tech``). Students
    whose gender is unknown stay in the denominator.
    """
    sql = f"""
        WITH seg AS ({segments.application_segments_sql(ds, year)}),
        started AS (
            SELECT e.application_id, a.gender, p.domain
            FROM enrollments e
            JOIN applications a ON a.application_id = e.application_id
            JOIN paths p ON p.path_id = e.path_id
            WHERE {in_year("e.started_at", year)}
        )
        SELECT seg.segment AS key, count(*) AS denominator,
               count(*) FILTER (WHERE s.gender = 'female') AS numerator
        FROM started s JOIN seg ON seg.application_id = s.application_id
        GROUP BY seg.segment
        UNION ALL
        SELECT domain AS key, count(*) AS denominator,
               count(*) FILTER (WHERE gender = 'female') AS numerator
        FROM started GROUP BY domain
    """
    keys = [*segments.segment_ids(ds, year), *contract.DOMAINS]
    return rates_frame(ds, "women_share", sql, keys, min_cell)

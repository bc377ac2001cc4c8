"""The levers of the first impact report (2020): company programmes, reach outside France,
and the brand's awareness and consideration among the populations it serves.

The first two count students started in Y like ``students_started``; the last two read the
optional ``brand_surveys`` table, aggregates delivered by a survey institute.
"""

from __future__ import annotations

import pandas as pd

from helpers.figures import segments, stats
from helpers.figures.metrics.common import (
    Figure,
    absent_figure,
    figures_frame,
    in_year,
    query_once,
    rate_figure,
    single_count_frame,
)
from helpers.figures.stats import MIN_CELL
from helpers.intake.contract import UNKNOWN_COUNTRY
from helpers.intake.dataset import Dataset

# The funding types of a company programme: an apprenticeship contract or the employer.
COMPANY_FUNDING = ("apprenticeship", "employer")
HOME_COUNTRY = "FR"
BRAND_TABLE = "brand_surveys"
# The segment pooling the latest wave of every population the survey marks underserved:
# the 2020 objective speaks of "underserved populations" together.
UNDERSERVED_POPULATIONS = "underserved_populations"


def compute_company_programme_students(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Students started in ``year`` on an apprenticeship contract or funded by their employer."""
    kinds = ", ".join(f"'{k}'" for k in COMPANY_FUNDING)
    sql = f"""
        SELECT count(*) FROM enrollments
        WHERE {in_year("started_at", year)} AND funding_type IN ({kinds})
    """
    return single_count_frame(ds, "company_programme_students", sql, min_cell)


def compute_underserved_students_outside_france(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Underserved students started in ``year`` whose application's country is neither
    France nor unknown."""
    sql = f"""
        WITH seg AS ({segments.application_segments_sql(ds, year)})
        SELECT count(*) FROM enrollments e
        JOIN applications a ON a.application_id = e.application_id
        JOIN seg ON seg.application_id = e.application_id AND seg.segment = 'underserved'
        WHERE {in_year("e.started_at", year)}
          AND a.country NOT IN ('{HOME_COUNTRY}', '{UNKNOWN_COUNTRY}')
    """
    return single_count_frame(ds, "underserved_students_outside_france", sql, min_cell)


def latest_waves(ds: Dataset, year: int) -> pd.DataFrame:
    """The latest wave of ``year`` of each population surveyed that year.

    Columns population, underserved, respondents, aware, considering; empty without the
    ``brand_surveys`` table or without a wave in ``year``.
    """
    columns = ["population", "underserved", "respondents", "aware", "considering"]
    if not ds.has(BRAND_TABLE):
        return pd.DataFrame(columns=columns)
    return query_once(
        ds,
        f"""
        SELECT population, underserved, respondents, aware, considering
        FROM {BRAND_TABLE}
        WHERE {in_year("wave_date", year)}
        QUALIFY row_number() OVER (PARTITION BY population ORDER BY wave_date DESC) = 1
        ORDER BY population
        """,
    )


def _brand_share(ds: Dataset, year: int, metric: str, column: str, min_cell: int) -> pd.DataFrame:
    waves = latest_waves(ds, year)
    if waves.empty:
        # No survey, or no wave in the year: no figure at all, so that the objective reads
        # "the data holds no such figure" (data absent) rather than "no one to measure".
        return figures_frame([])
    figures: list[Figure] = [
        rate_figure(metric, str(row.population), row[column], row.respondents, min_cell)
        for _, row in waves.iterrows()
    ]
    pooled = waves[waves["underserved"].astype(bool)]
    if pooled.empty:
        figures.append(absent_figure(metric, UNDERSERVED_POPULATIONS))
        return figures_frame(figures)
    figures.append(
        rate_figure(
            metric,
            UNDERSERVED_POPULATIONS,
            int(pooled[column].sum()),
            int(pooled["respondents"].sum()),
            min_cell,
        )
    )
    frame = figures_frame(figures)
    if not frame["suppressed"].any():
        return frame
    # The pooled figure is the sum of the underserved populations': one of them withheld
    # could be recovered from the pool and the others.
    parts = tuple(i for i, flag in enumerate(waves["underserved"].astype(bool)) if flag)
    breakdown = stats.Breakdown(parts, "denominator", margin=len(figures) - 1)
    return stats.suppress_secondary(frame, [breakdown], min_cell)


def compute_brand_awareness_share(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Share of each population surveyed in ``year`` (latest wave) who know the brand."""
    return _brand_share(ds, year, "brand_awareness_share", "aware", min_cell)


def compute_brand_consideration_share(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Share of each population surveyed in ``year`` (latest wave) who would consider it."""
    return _brand_share(ds, year, "brand_consideration_share", "considering", min_cell)

"""Apprenticeship: how many apprentices, with how many companies, and what it leads to.

The employment rate of apprentices against the others is ``career_outcome_rate_6m``
(segments ``apprentices`` and ``non_apprentices``, computed in ``funnel``).
"""

from __future__ import annotations

import math

import pandas as pd

from helpers.figures.metrics.common import (
    Figure,
    active_in_year,
    count_figure,
    derived_figure,
    figures_frame,
    in_year,
    query_once,
    round_euros,
    scalar_once,
    single_count_frame,
    withholds_money,
)
from helpers.figures.metrics.funnel import APPRENTICES, NON_APPRENTICES
from helpers.figures.stats import MIN_CELL
from helpers.intake.dataset import Dataset


def count_apprentices_active(ds: Dataset, year: int) -> int:
    """Return the enrollments funded by apprenticeship active in ``year``."""
    return int(
        scalar_once(
            ds,
            f"""
            SELECT count(*) FROM enrollments e
            WHERE e.funding_type = 'apprenticeship' AND {active_in_year(year)}
            """,
        )
    )


def compute_apprentices_active(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Enrollments funded by apprenticeship active in ``year``."""
    count = count_apprentices_active(ds, year)
    return figures_frame([count_figure("apprentices_active", "all", count, min_cell)])


def compute_apprentices_started(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Enrollments funded by apprenticeship started in ``year``."""
    sql = f"""
        SELECT count(*) FROM enrollments
        WHERE funding_type = 'apprenticeship' AND {in_year("started_at", year)}
    """
    return single_count_frame(ds, "apprentices_started", sql, min_cell)


def compute_apprentices_growth(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Relative change of the apprentices active from ``year - 1`` to ``year``.

    No value when there was no apprentice the year before.
    """
    current, previous = count_apprentices_active(ds, year), count_apprentices_active(ds, year - 1)
    value = current / previous - 1 if previous else None
    return figures_frame(
        [derived_figure("apprentices_growth", "all", value, (current, previous), min_cell)]
    )


def compute_companies_with_apprentice(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Distinct employers of the apprenticeship enrollments active in ``year``."""
    sql = f"""
        SELECT count(DISTINCT e.employer_id) FROM enrollments e
        WHERE e.funding_type = 'apprenticeship' AND {active_in_year(year)}
    """
    return single_count_frame(ds, "companies_with_apprentice", sql, min_cell)


def salary_medians(ds: Dataset, year: int) -> dict[str, tuple[float | None, int]]:
    """Return, for apprentices and the others, the median salary after and how many gave one.

    Respondents are the graduates of ``year`` (jury date in ``year``) whose survey was
    answered with a salary after the path. The median of an even number of salaries is
    the mean of the two middle ones.
    """
    result = query_once(
        ds,
        f"""
        SELECT CASE WHEN e.funding_type = 'apprenticeship'
                    THEN '{APPRENTICES}' ELSE '{NON_APPRENTICES}' END AS key,
               quantile_cont(s.salary_after_eur, 0.5) AS median,
               count(*) AS n
        FROM enrollments e JOIN graduate_surveys s ON s.enrollment_id = e.enrollment_id
        WHERE e.status = 'graduated' AND {in_year("e.ended_at", year)}
          AND s.responded_at IS NOT NULL AND s.salary_after_eur IS NOT NULL
        GROUP BY 1
        """,
    )
    medians: dict[str, tuple[float | None, int]] = {
        APPRENTICES: (None, 0),
        NON_APPRENTICES: (None, 0),
    }
    for key, median, n in result.itertuples(index=False):
        medians[str(key)] = (float(median), int(n))
    return medians


def compute_salary_after_median_eur(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Median annual salary after the path of the responding graduates of ``year``.

    A median is one person's salary (or the mean of two): it is rounded to 100 euros and
    withheld below 2 x MIN_CELL graduates.
    """
    medians = salary_medians(ds, year)
    figures = [
        Figure(
            "salary_after_median_eur",
            key,
            round_euros(median),
            suppressed=median is not None and withholds_money(n, min_cell),
        )
        for key, (median, n) in medians.items()
    ]
    return figures_frame(figures)


def compute_apprentice_salary_premium(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """How much higher the apprentices' median salary after is: apprentices / others - 1."""
    (median_a, n_a), (median_o, n_o) = (
        salary_medians(ds, year)[k] for k in (APPRENTICES, NON_APPRENTICES)
    )
    value = None
    if median_a is not None and median_o is not None and not math.isclose(median_o, 0.0):
        value = median_a / median_o - 1
    figure = derived_figure("apprentice_salary_premium", "all", value, (n_a, n_o), min_cell)
    if value is not None and (withholds_money(n_a, min_cell) or withholds_money(n_o, min_cell)):
        # Two medians withheld as individual values cannot be shown as their ratio.
        figure = Figure(figure.metric, figure.segment, figure.value, suppressed=True)
    return figures_frame([figure])

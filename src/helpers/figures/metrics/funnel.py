"""The conversion funnel: from visitors to graduates and career outcomes."""

from __future__ import annotations

import pandas as pd

from helpers.figures import segments
from helpers.figures.metrics.common import (
    absent_figure,
    active_in_year,
    count_figure,
    derived_figure,
    figures_frame,
    frame_by_segment,
    in_year,
    query_once,
    rates_frame,
    scalar_once,
    single_count_frame,
    year_end,
)
from helpers.figures.stats import MIN_CELL
from helpers.intake.contract import UNKNOWN_COUNTRY
from helpers.intake.dataset import Dataset

APPRENTICES = "apprentices"
NON_APPRENTICES = "non_apprentices"
PAID_STUDENTS = "paid_students"
CAREER_OUTCOME_SEGMENTS = ("all", PAID_STUDENTS, APPRENTICES)
# Days that must separate two career outcomes of one person for both to count.
CAREER_OUTCOME_GAP_DAYS = 365
# First and last year of a count of career outcomes over every declaration.
ALL_YEARS = (1, 9999)


def has_traffic(ds: Dataset, year: int) -> bool:
    """Return True when monthly_traffic has at least one row in ``year``."""
    return bool(
        scalar_once(ds, f"SELECT count(*) FROM monthly_traffic WHERE {in_year('month', year)}")
    )


def monthly_traffic_average(
    ds: Dataset, year: int, column: str, metric: str, min_cell: int
) -> pd.DataFrame:
    """Return the mean over the months of ``year`` of the monthly sum of ``column``.

    The mean runs over the months that have rows; a year without rows is data absent.
    The figure is withheld when a monthly total or the mean itself is small.
    """
    monthly = query_once(
        ds,
        f"""
        SELECT month, sum({column}) AS total
        FROM monthly_traffic WHERE {in_year("month", year)}
        GROUP BY month
        """,
    )
    if monthly.empty:
        return figures_frame([absent_figure(metric, "all")])
    totals = [int(t) for t in monthly["total"]]
    mean = sum(totals) / len(totals)
    return figures_frame([derived_figure(metric, "all", mean, [*totals, mean], min_cell)])


def compute_visitors_monthly_avg(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Mean over the months of ``year`` of the visitors summed over countries."""
    return monthly_traffic_average(ds, year, "visitors", "visitors_monthly_avg", min_cell)


def compute_active_members_monthly_avg(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Mean over the months of ``year`` of the active members summed over countries."""
    return monthly_traffic_average(
        ds, year, "active_members", "active_members_monthly_avg", min_cell
    )


def compute_new_members(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Members registered in ``year``."""
    sql = f"SELECT count(*) FROM members WHERE {in_year('registered_at', year)}"
    return single_count_frame(ds, "new_members", sql, min_cell)


def compute_courses_started(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Free courses started in ``year`` (rows of course_enrollments, not people)."""
    sql = f"SELECT count(*) FROM course_enrollments WHERE {in_year('started_at', year)}"
    return single_count_frame(ds, "courses_started", sql, min_cell)


def compute_course_certificates(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Free-course certificates obtained in ``year``."""
    sql = f"SELECT count(*) FROM course_enrollments WHERE {in_year('certificate_at', year)}"
    return single_count_frame(ds, "course_certificates", sql, min_cell)


def compute_prospects(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Distinct members who started an application in ``year``."""
    sql = f"SELECT count(DISTINCT member_id) FROM applications WHERE {in_year('started_at', year)}"
    return single_count_frame(ds, "prospects", sql, min_cell)


def compute_applicants(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Distinct members who submitted an application in ``year``."""
    sql = (
        f"SELECT count(DISTINCT member_id) FROM applications WHERE {in_year('submitted_at', year)}"
    )
    return single_count_frame(ds, "applicants", sql, min_cell)


def compute_admitted(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Distinct members with an application admitted (decided) in ``year``."""
    sql = f"""
        SELECT count(DISTINCT member_id) FROM applications
        WHERE decision = 'admitted' AND {in_year("decided_at", year)}
    """
    return single_count_frame(ds, "admitted", sql, min_cell)


def compute_students_started(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Enrollments on a paid path started in ``year`` (rows)."""
    sql = f"SELECT count(*) FROM enrollments WHERE {in_year('started_at', year)}"
    return single_count_frame(ds, "students_started", sql, min_cell)


def compute_graduates(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Enrollments graduated with a jury date in ``year``."""
    sql = f"""
        SELECT count(*) FROM enrollments
        WHERE status = 'graduated' AND {in_year("ended_at", year)}
    """
    return single_count_frame(ds, "graduates", sql, min_cell)


def compute_admission_rate(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Share of the members who submitted in ``year`` whose application led to an enrollment.

    Cohort rate: the enrollment may start at any date up to the extraction, but it must
    come from an application submitted in ``year``. A member is counted once, in the
    segments of their latest application submitted in ``year`` (ties on the date go to
    the larger application_id).
    """
    sql = f"""
        WITH seg AS ({segments.application_segments_sql(ds, year)}),
        submitted AS (
            SELECT application_id, member_id, submitted_at FROM applications
            WHERE {in_year("submitted_at", year)}
        ),
        latest AS (
            SELECT member_id, application_id FROM submitted
            QUALIFY row_number() OVER (
                PARTITION BY member_id ORDER BY submitted_at DESC, application_id DESC
            ) = 1
        ),
        converted AS (
            SELECT DISTINCT s.member_id
            FROM submitted s JOIN enrollments e ON e.application_id = s.application_id
        )
        SELECT seg.segment AS key,
               count(*) AS denominator,
               count(c.member_id) AS numerator
        FROM latest l
        JOIN seg ON seg.application_id = l.application_id
        LEFT JOIN converted c ON c.member_id = l.member_id
        GROUP BY seg.segment
    """
    return rates_frame(ds, "admission_rate", sql, segments.segment_ids(ds, year), min_cell)


def compute_graduation_rate(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Share of the enrollments expected to end in ``year`` that graduated by 31 December."""
    sql = f"""
        WITH seg AS ({segments.application_segments_sql(ds, year)})
        SELECT seg.segment AS key,
               count(*) AS denominator,
               count(*) FILTER (
                   WHERE e.status = 'graduated' AND e.ended_at <= {year_end(year)}
               ) AS numerator
        FROM enrollments e JOIN seg ON seg.application_id = e.application_id
        WHERE {in_year("e.expected_end_at", year)}
        GROUP BY seg.segment
    """
    return rates_frame(ds, "graduation_rate", sql, segments.segment_ids(ds, year), min_cell)


def compute_career_outcome_rate_6m(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Share of the surveyed graduates of ``year`` who answered and were employed in 6 months.

    Segments: the categories of the application behind the enrollment, and apprentices
    (enrollments funded by apprenticeship) against the others.
    """
    sql = f"""
        WITH seg AS ({segments.application_segments_sql(ds, year)}),
        answered AS (
            SELECT e.application_id, e.funding_type, s.employed_within_6_months AS employed
            FROM enrollments e JOIN graduate_surveys s ON s.enrollment_id = e.enrollment_id
            WHERE e.status = 'graduated' AND {in_year("e.ended_at", year)}
              AND s.responded_at IS NOT NULL
        )
        SELECT seg.segment AS key,
               count(*) AS denominator,
               count(*) FILTER (WHERE a.employed) AS numerator
        FROM answered a JOIN seg ON seg.application_id = a.application_id
        GROUP BY seg.segment
        UNION ALL
        SELECT CASE WHEN funding_type = 'apprenticeship'
                    THEN '{APPRENTICES}' ELSE '{NON_APPRENTICES}' END AS key,
               count(*) AS denominator,
               count(*) FILTER (WHERE employed) AS numerator
        FROM answered
        GROUP BY 1
    """
    keys = [*segments.segment_ids(ds, year), APPRENTICES, NON_APPRENTICES]
    return rates_frame(ds, "career_outcome_rate_6m", sql, keys, min_cell)


def kept_career_outcomes_sql(last_year: int) -> str:
    """Return SQL of the declarations kept by the one-outcome-a-year rule, up to ``last_year``.

    A member's declarations are taken in date order (ties by career_outcome_id): the first
    is kept, a later one only if it comes at least 365 days after the last kept one. Of
    several declarations on one day only the first can be kept (the others are 0 days
    after it), so each remaining declaration points to the first one due 365 days later,
    and the kept ones are the chain of pointers from the member's first declaration.
    Columns: member_id, declared_at, career_outcome_id, enrollment_id.
    """
    return f"""
        WITH RECURSIVE firsts AS (
            SELECT member_id, declared_at, career_outcome_id, enrollment_id,
                   declared_at + {CAREER_OUTCOME_GAP_DAYS} AS due,
                   row_number() OVER (
                       PARTITION BY member_id ORDER BY declared_at, career_outcome_id
                   ) AS position
            FROM career_outcomes
            WHERE declared_at <= {year_end(last_year)}
            QUALIFY row_number() OVER (
                PARTITION BY member_id, declared_at ORDER BY career_outcome_id
            ) = 1
        ),
        linked AS (
            SELECT f.member_id, f.declared_at, f.career_outcome_id, f.enrollment_id,
                   f.position, n.declared_at AS next_at
            FROM firsts f ASOF LEFT JOIN firsts n
              ON f.member_id = n.member_id AND f.due <= n.declared_at
        ),
        kept AS (
            SELECT member_id, declared_at, career_outcome_id, enrollment_id, next_at
            FROM linked WHERE position = 1
            UNION ALL
            SELECT l.member_id, l.declared_at, l.career_outcome_id, l.enrollment_id, l.next_at
            FROM kept k JOIN linked l
              ON l.member_id = k.member_id AND l.declared_at = k.next_at
        )
        SELECT member_id, declared_at, career_outcome_id, enrollment_id FROM kept
    """


def career_outcome_counts_sql(first_year: int, last_year: int) -> str:
    """Return SQL counting kept declarations by year and segment (columns year, key, n)."""
    return f"""
        WITH kept AS ({kept_career_outcomes_sql(last_year)})
        SELECT year(k.declared_at) AS year, s.key, count(*) AS n
        FROM kept k
        LEFT JOIN enrollments e ON e.enrollment_id = k.enrollment_id
        CROSS JOIN LATERAL (
            SELECT 'all' AS key
            UNION ALL SELECT '{PAID_STUDENTS}' WHERE k.enrollment_id IS NOT NULL
            UNION ALL SELECT '{APPRENTICES}' WHERE e.funding_type = 'apprenticeship'
        ) s
        WHERE k.declared_at >= DATE '{int(first_year):04d}-01-01'
        GROUP BY 1, 2
    """


def count_career_outcomes(ds: Dataset) -> dict[tuple[int, str], int]:
    """Return the kept declarations of every year by (year, segment), computed once.

    Whether a declaration is kept depends only on the member's earlier ones, so one run
    of the rule over all declarations gives every year's counts.
    """
    counts = query_once(ds, career_outcome_counts_sql(*ALL_YEARS))
    return {(int(y), str(k)): int(n) for y, k, n in counts.itertuples(index=False)}


def compute_career_outcomes(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Career outcome declarations of ``year`` kept by the one-a-year rule.

    The rule runs over every declaration of the member, paid or free and from earlier
    years; the segments then sort the kept ones: ``paid_students`` carry an enrollment,
    ``apprentices`` credit an enrollment funded by apprenticeship.
    """
    counts = count_career_outcomes(ds)
    figures = [
        count_figure("career_outcomes", k, counts.get((int(year), k), 0), min_cell)
        for k in CAREER_OUTCOME_SEGMENTS
    ]
    return frame_by_segment(figures)


def compute_countries_with_active_members(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Countries (not ``ZZ``) with active members in at least one month of ``year``."""
    if not has_traffic(ds, year):
        return figures_frame([absent_figure("countries_with_active_members", "all")])
    sql = f"""
        SELECT count(DISTINCT country) FROM monthly_traffic
        WHERE {in_year("month", year)} AND active_members > 0
          AND country <> '{UNKNOWN_COUNTRY}'
    """
    return single_count_frame(ds, "countries_with_active_members", sql, min_cell)


def compute_countries_with_students(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Countries (not ``ZZ``) of the applications behind the enrollments active in ``year``."""
    sql = f"""
        SELECT count(DISTINCT a.country)
        FROM enrollments e JOIN applications a ON a.application_id = e.application_id
        WHERE {active_in_year(year)} AND a.country <> '{UNKNOWN_COUNTRY}'
    """
    return single_count_frame(ds, "countries_with_students", sql, min_cell)

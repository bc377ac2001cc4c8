"""Impact: what changes for a student between the application and six months after the path.

The respondents of a year are the enrollments that graduated in it whose graduate survey
was answered. Their situation before is the employment status declared on the
application behind the enrollment; after is the survey's employment within six months and
salary. The same people are seen twice, so the change in employment is a paired
difference (Newcombe's interval for paired proportions), and the change in salary is
summarised by its median with the distribution-free interval of a median.

The careers over the years (``graduates_with_outcome_<k>y``) follow the graduates of an
earlier year: the share who declared a career outcome within k years of the jury.
"""

from __future__ import annotations

import math
import statistics

import pandas as pd

from helpers.figures import segments, stats
from helpers.figures.metrics.common import (
    Figure,
    absent_figure,
    covered_years,
    figures_frame,
    frame_by_segment,
    in_year,
    query_once,
    rate_figure,
    round_euros,
    withholds_money,
)
from helpers.figures.metrics.funnel import APPRENTICES, NON_APPRENTICES
from helpers.figures.stats import MIN_CELL
from helpers.intake.dataset import Dataset

# Statuses at application of people who were not in work: "into work" is their rate.
NOT_IN_WORK = ("job_seeker", "inactive", "student")
# Windows of the careers over the years, in years after the jury.
OUTCOME_WINDOWS = (1, 2, 5, 10)
DAYS_PER_YEAR = 365


def declared_within_sql(window: int, alias: str = "e") -> str:
    """SQL condition: the member of graduated enrollment ``alias`` declared a career
    outcome within ``window`` years of graduating."""
    return f"""EXISTS (
        SELECT 1 FROM career_outcomes o
        WHERE o.member_id = {alias}.member_id
          AND o.declared_at BETWEEN {alias}.ended_at AND {alias}.ended_at + {DAYS_PER_YEAR * window}
    )"""


def impact_keys(ds: Dataset, year: int) -> list[str]:
    """Segments of the impact figures: the category breakdown, then apprentices and the others."""
    return [*segments.segment_ids(ds, year), APPRENTICES, NON_APPRENTICES]


def graduates_sql(ds: Dataset, year: int, answered_only: bool) -> str:
    """SQL of the graduates of ``year`` with a survey row, one row per segment they are in.

    Columns: key, responded, employment_status, employed, salary_before_eur,
    salary_after_eur. With ``answered_only``, only the respondents.
    """
    answered = "AND s.responded_at IS NOT NULL" if answered_only else ""
    return f"""
        WITH seg AS ({segments.application_segments_sql(ds, year)}),
        surveyed AS (
            SELECT e.application_id, e.funding_type,
                   s.responded_at IS NOT NULL AS responded,
                   a.employment_status,
                   s.employed_within_6_months AS employed,
                   s.salary_before_eur, s.salary_after_eur,
                   year(coalesce(a.submitted_at, e.started_at)) AS before_year,
                   year(s.responded_at) AS after_year
            FROM enrollments e
            JOIN graduate_surveys s ON s.enrollment_id = e.enrollment_id
            JOIN applications a ON a.application_id = e.application_id
            WHERE e.status = 'graduated' AND {in_year("e.ended_at", year)} {answered}
        )
        SELECT seg.segment AS key, v.* EXCLUDE (application_id, funding_type)
        FROM surveyed v JOIN seg ON seg.application_id = v.application_id
        UNION ALL
        SELECT CASE WHEN funding_type = 'apprenticeship'
                    THEN '{APPRENTICES}' ELSE '{NON_APPRENTICES}' END AS key,
               v.* EXCLUDE (application_id, funding_type)
        FROM surveyed v
    """


def rates_by_key(
    ds: Dataset, metric: str, sql: str, keys: list[str], min_cell: int
) -> pd.DataFrame:
    """Rates of ``sql`` (columns key, numerator, denominator), with the parts protected."""
    counts = query_once(ds, sql).set_index("key")
    figures = []
    for key in keys:
        numerator = int(counts.at[key, "numerator"]) if key in counts.index else 0
        denominator = int(counts.at[key, "denominator"]) if key in counts.index else 0
        figures.append(rate_figure(metric, key, numerator, denominator, min_cell))
    return frame_by_segment(figures)


def compute_survey_response_rate(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Of the graduates of ``year`` sent the survey, the share who answered it."""
    sql = f"""
        SELECT key, count(*) AS denominator, count(*) FILTER (WHERE responded) AS numerator
        FROM ({graduates_sql(ds, year, answered_only=False)}) GROUP BY key
    """
    return rates_by_key(ds, "survey_response_rate", sql, impact_keys(ds, year), min_cell)


def employment_table(ds: Dataset, year: int) -> pd.DataFrame:
    """The paired 2x2 table of every segment: respondents whose status is known.

    Columns a (employed before and after), b (before only), c (after only), d (neither),
    indexed by key; segments without respondents are absent.
    """
    return query_once(
        ds,
        f"""
        SELECT key,
               count(*) FILTER (WHERE before AND after) AS a,
               count(*) FILTER (WHERE before AND NOT after) AS b,
               count(*) FILTER (WHERE NOT before AND after) AS c,
               count(*) FILTER (WHERE NOT before AND NOT after) AS d
        FROM (
            SELECT key, employment_status = 'employed' AS before,
                   coalesce(employed, FALSE) AS after
            FROM ({graduates_sql(ds, year, answered_only=True)})
            WHERE employment_status <> 'unknown'
        )
        GROUP BY key
        """,
    ).set_index("key")


def paired_counts(ds: Dataset, year: int, key: str) -> tuple[int, int, int, int]:
    """Return ``(a, b, c, d)`` of segment ``key`` (zeros when it has no respondent)."""
    table = employment_table(ds, year)
    if key not in table.index:
        return 0, 0, 0, 0
    a, b, c, d = (int(table.at[key, column]) for column in "abcd")
    return a, b, c, d


def employment_shares(ds: Dataset, year: int, min_cell: int) -> dict[str, pd.DataFrame]:
    """The shares employed before and after of every segment, with the parts protected."""
    keys = impact_keys(ds, year)
    before, after = [], []
    for key in keys:
        a, b, c, d = paired_counts(ds, year, key)
        n = a + b + c + d
        before.append(rate_figure("employed_before_share", key, a + b, n, min_cell))
        after.append(rate_figure("employed_after_share", key, a + c, n, min_cell))
    return {"before": frame_by_segment(before), "after": frame_by_segment(after)}


def compute_employed_before_share(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Of the respondents whose status at application is known, the share then employed."""
    return employment_shares(ds, year, min_cell)["before"]


def compute_employed_after_share(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Of the same respondents, the share employed within six months of graduating."""
    return employment_shares(ds, year, min_cell)["after"]


def compute_employment_change(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Share employed after minus share employed before, the same people twice.

    The interval is Newcombe's for paired proportions; the figure is withheld when either
    share is, and has no value when the segment has no respondent.
    """
    shares = employment_shares(ds, year, min_cell)
    withheld = {
        key
        for frame in shares.values()
        for key, suppressed in zip(frame["segment"], frame["suppressed"], strict=True)
        if suppressed
    }
    figures = []
    for key in impact_keys(ds, year):
        a, b, c, d = paired_counts(ds, year, key)
        n = a + b + c + d
        if n == 0:
            figures.append(Figure("employment_change", key, None))
            continue
        # The interval of (a + c) / n - (a + b) / n: after minus before.
        low, high = stats.paired_newcombe_interval(a, c, b, d)
        figures.append(
            Figure(
                "employment_change",
                key,
                (c - b) / n,
                ci_low=low,
                ci_high=high,
                suppressed=key in withheld,
            )
        )
    return figures_frame(figures)


def compute_into_work_rate(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Of the respondents not in work at application, the share employed within six months."""
    statuses = ", ".join(f"'{s}'" for s in NOT_IN_WORK)
    sql = f"""
        SELECT key, count(*) AS denominator,
               count(*) FILTER (WHERE employed) AS numerator
        FROM ({graduates_sql(ds, year, answered_only=True)})
        WHERE employment_status IN ({statuses})
        GROUP BY key
    """
    return rates_by_key(ds, "into_work_rate", sql, impact_keys(ds, year), min_cell)


def salary_changes(ds: Dataset, year: int) -> dict[str, list[float]]:
    """The salary changes (after - before, euros a year) of the respondents of each segment.

    Only respondents who gave both salaries; sorted, so that the result does not depend
    on the order of the rows.
    """
    result = query_once(
        ds,
        f"""
        SELECT key, list(salary_after_eur - salary_before_eur ORDER BY
                         salary_after_eur - salary_before_eur) AS changes
        FROM ({graduates_sql(ds, year, answered_only=True)})
        WHERE salary_before_eur IS NOT NULL AND salary_after_eur IS NOT NULL
        GROUP BY key
        """,
    )
    found = {str(k): [float(v) for v in changes] for k, changes in result.itertuples(index=False)}
    return {key: found.get(key, []) for key in impact_keys(ds, year)}


def consumer_prices(ds: Dataset) -> dict[int, float]:
    """The consumer price index of each year (annual average, 2015 = 100)."""
    table = query_once(ds, "SELECT year, index_2015 FROM consumer_prices")
    return {int(y): float(i) for y, i in table.itertuples(index=False)}


def real_salary_changes(ds: Dataset, year: int) -> tuple[dict[str, list[float]], set[int]]:
    """The salary changes of each segment with the salary before in euros of the survey's
    year (before x CPI(survey year) / CPI(application year)), and the years the index
    lacks. A segment with someone whose years the index lacks has no list (None)."""
    prices = consumer_prices(ds)
    result = query_once(
        ds,
        f"""
        SELECT key, list(struct_pack(b := salary_before_eur, a := salary_after_eur,
                                     y0 := before_year, y1 := after_year)) AS answers
        FROM ({graduates_sql(ds, year, answered_only=True)})
        WHERE salary_before_eur IS NOT NULL AND salary_after_eur IS NOT NULL
        GROUP BY key
        """,
    )
    changes: dict[str, list[float] | None] = {}
    missing: set[int] = set()
    for key, answers in result.itertuples(index=False):
        values: list[float] | None = []
        for answer in answers:
            lacking = {int(y) for y in (answer["y0"], answer["y1"]) if int(y) not in prices}
            if lacking:
                missing |= lacking
                values = None
                continue
            if values is not None:
                ratio = prices[int(answer["y1"])] / prices[int(answer["y0"])]
                values.append(float(answer["a"]) - float(answer["b"]) * ratio)
        changes[str(key)] = None if values is None else sorted(values)
    keys = impact_keys(ds, year)
    return {k: changes.get(k, []) for k in keys}, missing


def money_figures(
    metric: str, changes: dict[str, list[float] | None], statistic: str, min_cell: int
) -> pd.DataFrame:
    """The median (with its distribution-free interval) or the total of each segment's
    salary changes, rounded to ``EURO_ROUNDING`` euros and withheld below
    ``MEDIAN_MIN_CELLS`` x MIN_CELL people; a segment without a list has no value."""
    figures = []
    for key, values in changes.items():
        if values is None or not values:
            figures.append(Figure(metric, key, None, denominator=None if values is None else 0))
            continue
        low = high = None
        if statistic == "median":
            value = statistics.median(values)
            bounds = stats.median_interval(values)
            if not math.isnan(bounds[0]):
                low, high = round_euros(bounds[0]), round_euros(bounds[1])
        else:
            value = math.fsum(values)
        figures.append(
            Figure(
                metric,
                key,
                round_euros(value),
                denominator=len(values) if statistic == "median" else None,
                ci_low=low,
                ci_high=high,
                suppressed=withholds_money(len(values), min_cell),
            )
        )
    sizes = {key: len(values or ()) for key, values in changes.items()}
    return protect_partners(figures_frame(figures), sizes)


def compute_salary_change_real_median_eur(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Median salary change with the salary before in euros of the survey's year."""
    changes, _ = real_salary_changes(ds, year)
    return money_figures("salary_change_real_median_eur", changes, "median", min_cell)


def compute_salary_change_real_total_eur(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Sum of the salary changes with the salary before in euros of the survey's year."""
    changes, _ = real_salary_changes(ds, year)
    return money_figures("salary_change_real_total_eur", changes, "total", min_cell)


def protect_partners(frame: pd.DataFrame, sizes: dict[str, int]) -> pd.DataFrame:
    """Withhold the other part of a pair of segments whose first part is withheld.

    A median or a total of ``all`` and of one part would otherwise reveal the number of
    people (or the total) of the withheld part. ``sizes`` gives the people behind each
    segment's figure.
    """
    if not frame["suppressed"].any():
        return frame
    out = frame.copy()
    out["people"] = [sizes.get(s, 0) for s in out["segment"]]
    rows = {s: i for i, s in zip(out.index, out["segment"], strict=True)}
    breakdowns = [
        stats.Breakdown(tuple(rows[s] for s in ("all", part, other) if s in rows), "people")
        for part, other in (("underserved", "non_underserved"), (APPRENTICES, NON_APPRENTICES))
        if part in rows and other in rows
    ]
    return stats.suppress_secondary(out, breakdowns).drop(columns="people")


def compute_salary_change_median_eur(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Median salary change of the respondents who gave both salaries, with its interval.

    Denominator: the number of such people. The interval is the distribution-free one
    (order statistics); it has no bounds below six people. Value and bounds are rounded
    to 100 euros; withheld below 2 x MIN_CELL people.
    """
    return money_figures(
        "salary_change_median_eur", dict(salary_changes(ds, year)), "median", min_cell
    )


def compute_salary_rise_share(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Of the respondents who gave both salaries, the share whose salary after is higher."""
    figures = [
        rate_figure(
            "salary_rise_share", key, sum(1 for v in values if v > 0), len(values), min_cell
        )
        for key, values in salary_changes(ds, year).items()
    ]
    return frame_by_segment(figures)


def compute_salary_change_total_eur(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Sum of the salary changes of the respondents who gave both salaries, euros a year,
    rounded to 100 euros; withheld below 2 x MIN_CELL people."""
    return money_figures(
        "salary_change_total_eur", dict(salary_changes(ds, year)), "total", min_cell
    )


def outcome_window_metric(window: int) -> str:
    """Metric id of the careers window of ``window`` years."""
    return f"graduates_with_outcome_{window}y"


def first_measurable_year(ds: Dataset, window: int) -> int | None:
    """The first report year whose window of ``window`` years the dataset covers."""
    years = covered_years(ds)
    return years[0] + window if years else None


def graduates_with_outcome(
    ds: Dataset, year: int, window: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Of the graduates of ``year - window``, the share with a career outcome within the window.

    Any declaration of the member counts (every source, before the one-a-year rule),
    from the jury date to ``365 x window`` days after it. A cohort year the dataset does
    not cover is data absent for every segment.
    """
    metric = outcome_window_metric(window)
    keys = segments.segment_ids(ds, year)
    cohort = year - window
    if cohort not in covered_years(ds):
        return figures_frame([absent_figure(metric, k) for k in keys])
    sql = f"""
        WITH seg AS ({segments.application_segments_sql(ds, year)}),
        cohort AS (
            SELECT e.application_id, {declared_within_sql(window)} AS declared
            FROM enrollments e
            WHERE e.status = 'graduated' AND {in_year("e.ended_at", cohort)}
        )
        SELECT seg.segment AS key, count(*) AS denominator,
               count(*) FILTER (WHERE declared) AS numerator
        FROM cohort c JOIN seg ON seg.application_id = c.application_id
        GROUP BY seg.segment
    """
    return rates_by_key(ds, metric, sql, keys, min_cell)


def compute_graduates_with_outcome_1y(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Graduates of the year before with a career outcome within one year."""
    return graduates_with_outcome(ds, year, 1, min_cell)


def compute_graduates_with_outcome_2y(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Graduates of two years before with a career outcome within two years."""
    return graduates_with_outcome(ds, year, 2, min_cell)


def compute_graduates_with_outcome_5y(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Graduates of five years before with a career outcome within five years."""
    return graduates_with_outcome(ds, year, 5, min_cell)


def compute_graduates_with_outcome_10y(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Graduates of ten years before with a career outcome within ten years."""
    return graduates_with_outcome(ds, year, 10, min_cell)

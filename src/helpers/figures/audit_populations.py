"""The populations the intruder's check knows: for each, the people with the attributes
its figures read, and which people each figure counts.

A ``Universe`` is a population behind several metrics of one year (the graduates sent
the survey, for the impact figures). A person's *type* is the segments they are in and
their attributes; the check (``helpers.figures.intruder``) writes every published count
of the universe's figures as a sum of the counts of people of each type. A figure is
covered as soon as its metric is described here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.figures.metrics.common import in_year
from helpers.intake.dataset import Dataset

Mask = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class FigureCells:
    """Which people of a universe a metric counts: its denominator and its numerator
    (None for a count figure, whose value is the count of the denominator's people)."""

    denominator: Mask
    numerator: Mask | None = None


@dataclass(frozen=True)
class Universe:
    """A population behind several metrics of one year.

    ``people(ds, year)`` returns one row per person, or per group of people alike with
    their number in an ``n`` column (aggregated in SQL, so that pandas sees small
    results): a ``segments`` column (a tuple of segment ids) and one column per
    attribute in ``attributes``. ``figures`` maps metric
    ids to the people they count; ``projections`` lists the combinations of attributes
    whose counts, in every segment, are small cells to protect.
    """

    name: str
    people: Callable[[Dataset, int], pd.DataFrame]
    attributes: tuple[str, ...]
    figures: Mapping[str, FigureCells]
    projections: tuple[tuple[str, ...], ...]
    # Series of the charts (series id -> the attribute whose values are its periods).
    series: Mapping[str, Callable[[pd.DataFrame, str], pd.Series]] = field(default_factory=dict)
    # The combinations of attributes (and periods) a person of the universe can have,
    # whether or not someone has them: the intruder does not know which are empty.
    possible: Callable[[pd.DataFrame], pd.DataFrame] | None = None


NOT_IN_WORK = ("job_seeker", "inactive", "student")


def surveyed_people(ds: Dataset, year: int) -> pd.DataFrame:
    """The graduates of ``year`` sent the survey, with the attributes of the impact
    figures: one row per group of graduates alike, their number in ``n`` (identifiers
    and single answers stay inside the query)."""
    from helpers.figures import segments
    from helpers.figures.metrics.funnel import APPRENTICES, NON_APPRENTICES

    statuses = ", ".join(f"'{s}'" for s in NOT_IN_WORK)
    frame = ds.query(
        f"""
        WITH graduate AS (
        SELECT any_value({segments.segments_of_sql(ds, year)}) AS segments,
               any_value(CASE WHEN e.funding_type = 'apprenticeship'
                              THEN '{APPRENTICES}' ELSE '{NON_APPRENTICES}' END) AS funded,
               any_value(s.responded_at IS NOT NULL) AS responded,
               any_value(CASE WHEN a.employment_status = 'unknown' THEN 'unknown'
                              WHEN a.employment_status = 'employed' THEN 'employed'
                              WHEN a.employment_status IN ({statuses}) THEN 'not_in_work'
                              ELSE 'other' END) AS status,
               any_value(coalesce(s.employed_within_6_months, FALSE)) AS after,
               any_value(s.salary_before_eur IS NOT NULL AND s.salary_after_eur IS NOT NULL)
                   AS both_salaries,
               any_value(s.salary_after_eur - s.salary_before_eur) AS change
        FROM enrollments e
        JOIN graduate_surveys s ON s.enrollment_id = e.enrollment_id
        JOIN applications a ON a.application_id = e.application_id
        WHERE e.status = 'graduated' AND {in_year("e.ended_at", year)}
        GROUP BY e.enrollment_id
        )
        SELECT segments, funded, responded, status, after, both_salaries, change,
               count(*) AS n
        FROM graduate
        GROUP BY ALL
        ORDER BY ALL
        """
    )
    frame["segments"] = [
        tuple(sorted([*s, f])) for s, f in zip(frame["segments"], frame["funded"], strict=True)
    ]
    answered = frame["responded"] & frame["both_salaries"]
    change = frame["change"].astype(float)
    frame["salary"] = np.where(
        ~answered, "none", np.where(change > 0, "rise", np.where(change < 0, "fall", "same"))
    )
    frame["status"] = frame["status"].where(frame["responded"], "not_asked")
    frame["after"] = frame["after"] & frame["responded"]
    return frame.drop(columns=["funded", "both_salaries"])


def _responded(p: pd.DataFrame) -> pd.Series:
    return p["responded"]


def _known(p: pd.DataFrame) -> pd.Series:
    return p["responded"] & (p["status"] != "unknown")


def _with_salaries(p: pd.DataFrame) -> pd.Series:
    return p["salary"] != "none"


def _salary_bin(people: pd.DataFrame, period: str) -> pd.Series:
    low, high = period.split(":")
    change = people["change"].astype(float)
    inside = _with_salaries(people)
    if low:
        inside &= change >= float(low)
    if high:
        inside &= change < float(high)
    return inside


def possible_answers(people: pd.DataFrame) -> pd.DataFrame:
    """The combinations of answers a graduate sent the survey can give: not answered, or
    a status, employed after or not, and a salary change of some sign.

    An empty combination is left out of the histogram's bins (its period is empty): the
    bins and the number of people with both salaries are both published for everyone,
    so the programs cannot put anyone there, and the types stay few.
    """
    rows = [{"responded": False, "status": "not_asked", "after": False, "salary": "none"}]
    for status in ("employed", "not_in_work", "other", "unknown"):
        for after in (False, True):
            for salary in ("none", "rise", "same", "fall"):
                rows.append({"responded": True, "status": status, "after": after, "salary": salary})
    combos = pd.DataFrame(rows)
    column = "series:salary_change_bins"
    if column in people:
        combos[column] = ""
    return combos


def _sign_fits(salary: str, period: str) -> bool:
    """Whether a change that rose, fell or stayed can fall in the bin ``low:high``."""
    low_text, high_text = period.split(":")
    low = -math.inf if not low_text else float(low_text)
    high = math.inf if not high_text else float(high_text)
    if salary == "rise":
        return high > 0
    if salary == "fall":
        return low < 0
    return low <= 0 < high


IMPACT = Universe(
    name="impact",
    people=surveyed_people,
    attributes=("responded", "status", "after", "salary"),
    figures={
        # The funnel's career outcome rate counts the same respondents.
        "career_outcome_rate_6m": FigureCells(_responded, lambda p: p["after"]),
        "survey_response_rate": FigureCells(lambda p: p["responded"] | True, _responded),
        "employed_before_share": FigureCells(
            _known, lambda p: _known(p) & (p["status"] == "employed")
        ),
        "employed_after_share": FigureCells(_known, lambda p: _known(p) & p["after"]),
        "into_work_rate": FigureCells(
            lambda p: p["status"] == "not_in_work",
            lambda p: (p["status"] == "not_in_work") & p["after"],
        ),
        "salary_rise_share": FigureCells(_with_salaries, lambda p: p["salary"] == "rise"),
        "salary_change_median_eur": FigureCells(_with_salaries),
        "salary_change_real_median_eur": FigureCells(_with_salaries),
    },
    projections=(
        ("responded",),
        ("responded", "status"),
        ("responded", "status", "after"),
        ("responded", "salary"),
    ),
    series={"salary_change_bins": _salary_bin},
    possible=possible_answers,
)

UNIVERSES: tuple[Universe, ...] = (IMPACT,)

"""The populations the intruder's check knows: for each, the people with the attributes
its figures read, and which people each figure counts.

A ``Universe`` is a population behind several metrics: the graduates of a year (the
impact figures of that year, their number, and their careers published one, two, five
and ten years later), the students started in a year (who they are and how they are
funded), the applicants of a year (the admission rate) and the enrollments expected to
end in it (the graduation rate). A person's *type* is the segments they are in and their
attributes; the check (``helpers.figures.intruder``) writes every published count of the
universe's figures as a sum of the counts of people of each type. A figure is covered as
soon as its metric is described here.

The graduates are one population across the years that publish them: a group's
graduates counted by the careers figures of a later year, set against the survey's
figures of the year they graduated, would otherwise give away those not sent the survey.
Each year counts them in the segments of its own rules, so their segments are named
with the year whose rules place them (``in_year``).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from helpers.figures.metrics.common import covered_years
from helpers.figures.metrics.impact import OUTCOME_WINDOWS, outcome_window_metric
from helpers.intake.dataset import Dataset

Mask = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class FigureCells:
    """Which people of a universe a metric counts: its denominator and its numerator
    (None for a count figure, whose value is the count of the denominator's people)."""

    denominator: Mask
    numerator: Mask | None = None
    # The denominator counts the whole universe in every segment's row (a segment's
    # share of all students), not the segment's people alone.
    denominator_of_all: bool = False
    # How many years after the universe's year the figure is published (a careers
    # window): 0 for a figure of the year itself.
    published_after: int = 0
    # The figure reads the attributes the universe holds apart (``Universe.apart``).
    apart: bool = False


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
    # Attributes that one figure alone reads (attribute -> metric): left out of the types
    # when that figure is not published.
    read_only_by: Mapping[str, str] = field(default_factory=dict)
    # Attributes no figure reads together with the others (the careers' declarations and
    # the survey's answers): they make types of their own, with their own combinations
    # (``possible_apart``), tied to the others by the number of people of each
    # combination of segments. The intruder learns the same, with far fewer cells.
    apart: tuple[str, ...] = ()
    possible_apart: Callable[[pd.DataFrame], pd.DataFrame] | None = None

    @property
    def published_after(self) -> tuple[int, ...]:
        """The years after its own in which the universe's figures are published."""
        return tuple(sorted({f.published_after for f in self.figures.values()}))

    @property
    def followed(self) -> bool:
        """Whether later years publish figures of the universe: its segments are then
        named with the year whose rules place them (``in_year``)."""
        return self.published_after != (0,)


def in_year(segment: str, year: int) -> tuple[str, int]:
    """A segment as the rules of ``year`` draw it, in a universe followed over years."""
    return (segment, int(year))


def segment_name(segment: str | tuple[str, int]) -> str:
    """How a segment is named in what the check reports."""
    if isinstance(segment, tuple):
        return f"{segment[0]} ({segment[1]})"
    return segment


def plain_segment(segment: str | tuple[str, int]) -> str:
    """The segment id, without the year of a followed universe's rules."""
    return segment[0] if isinstance(segment, tuple) else segment


NOT_IN_WORK = ("job_seeker", "inactive", "student")


def _in(segment: str) -> Mask:
    """The people (or types) of a segment, for a figure that counts one segment alone."""
    return lambda p: p["segments"].map(lambda segments: segment in segments).astype(bool)


def _everyone(p: pd.DataFrame) -> pd.Series:
    return pd.Series(True, index=p.index)


# Each population of a dataset read once for every year it covers (the connection's
# frames, by population): the check audits every year of a report's history, and one
# scan of the tables serves them all.
_READ: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, dict[str, dict[int, pd.DataFrame]]] = (
    weakref.WeakKeyDictionary()
)


def _read_by_year(
    ds: Dataset, name: str, year: int, sql_of: Callable[[Sequence[int]], str]
) -> pd.DataFrame:
    """The rows of ``year`` of the query ``sql_of(years)``, which gives a ``year``
    column: read for every year the dataset covers at once, and kept with the dataset.
    A year it does not cover is read alone."""
    covered = covered_years(ds)
    if year not in covered:
        return _split(ds.query(sql_of([year])), [year])[year]
    read = _READ.setdefault(ds.con, {})
    key = f"{name} {covered}"
    if key not in read:
        read[key] = _split(ds.query(sql_of(covered)), covered)
    return read[key][year].copy()  # the caller's to change


def _split(frame: pd.DataFrame, years: Sequence[int]) -> dict[int, pd.DataFrame]:
    empty = frame.iloc[0:0].drop(columns=["year"])
    split = {int(y): empty for y in years}
    for y, rows in frame.groupby("year", sort=True):
        split[int(y)] = rows.drop(columns=["year"]).reset_index(drop=True)
    return split


def _segments_by_year(ds: Dataset, years: Sequence[int], year_sql: str) -> str:
    """SQL: the sorted list of the segments of application ``a`` with the rules of the
    year ``year_sql`` (one of ``years``)."""
    from helpers.figures import segments

    branches = " ".join(f"WHEN {int(y)} THEN {segments.segments_of_sql(ds, y)}" for y in years)
    return f"CASE {year_sql} {branches} END"


def _years_in(years: Sequence[int]) -> str:
    return "(" + ", ".join(str(int(y)) for y in years) + ")"


def followed_graduates(ds: Dataset, year: int) -> pd.DataFrame:
    """The graduates of ``year``, with the attributes of the figures that count them: of
    the year itself, whether they were sent the survey (the funnel's graduates count them
    all), whether they answered, and their answers; of the years after, whether they
    declared a career outcome within each careers window.

    Their segments are those of every year that publishes figures of them, each named with
    its year (``in_year``): a window's figure places them with the rules of the year it is
    published in. One row per group of graduates alike, their number in ``n``
    (identifiers and single answers stay inside the query).
    """
    from helpers.figures.metrics.funnel import APPRENTICES, NON_APPRENTICES
    from helpers.figures.metrics.impact import declared_within_sql

    statuses = ", ".join(f"'{s}'" for s in NOT_IN_WORK)
    later = (0, *OUTCOME_WINDOWS)

    declared = ",\n".join(
        f"any_value({declared_within_sql(w)}) AS declared_{w}" for w in OUTCOME_WINDOWS
    )

    def placed(years: Sequence[int], after: int) -> str:
        """The segments with the rules of the year ``after`` years past graduation."""
        rules = _segments_by_year(ds, [y + after for y in years], f"year(e.ended_at) + {after}")
        return f"any_value({rules}) AS segments_{after}"

    def sql(years: Sequence[int]) -> str:
        segments = ",\n".join(placed(years, after) for after in later)
        return f"""
        WITH graduate AS (
        SELECT any_value(year(e.ended_at)) AS year,
               {segments},
               any_value(CASE WHEN e.funding_type = 'apprenticeship'
                              THEN '{APPRENTICES}' ELSE '{NON_APPRENTICES}' END) AS funded,
               any_value(s.enrollment_id IS NOT NULL) AS sent,
               any_value(s.responded_at IS NOT NULL) AS responded,
               any_value(CASE WHEN a.employment_status = 'unknown' THEN 'unknown'
                              WHEN a.employment_status = 'employed' THEN 'employed'
                              WHEN a.employment_status IN ({statuses}) THEN 'not_in_work'
                              ELSE 'other' END) AS status,
               any_value(coalesce(s.employed_within_6_months, FALSE)) AS after,
               any_value(s.salary_before_eur IS NOT NULL AND s.salary_after_eur IS NOT NULL)
                   AS both_salaries,
               any_value(s.salary_after_eur - s.salary_before_eur) AS change,
               {declared}
        FROM enrollments e
        LEFT JOIN graduate_surveys s ON s.enrollment_id = e.enrollment_id
        JOIN applications a ON a.application_id = e.application_id
        WHERE e.status = 'graduated' AND year(e.ended_at) IN {_years_in(years)}
        GROUP BY e.enrollment_id
        )
        SELECT *, count(*) AS n FROM graduate GROUP BY ALL ORDER BY ALL
        """

    frame = _read_by_year(ds, "graduates", year, sql)
    # The apprentices and the others are segments of the year's own figures alone.
    frame["segments"] = [
        tuple(
            sorted(
                [
                    in_year(funded, year),
                    *(
                        in_year(s, year + after)
                        for after, segments in zip(later, placed, strict=True)
                        for s in segments
                    ),
                ]
            )
        )
        for funded, *placed in zip(
            frame["funded"], *(frame[f"segments_{after}"] for after in later), strict=True
        )
    ]
    answered = frame["responded"] & frame["both_salaries"]
    change = frame["change"].astype(float)
    frame["salary"] = np.where(
        ~answered, "none", np.where(change > 0, "rise", np.where(change < 0, "fall", "same"))
    )
    frame["status"] = frame["status"].where(frame["responded"], "not_asked")
    frame["after"] = frame["after"] & frame["responded"]
    return frame.drop(
        columns=["funded", "both_salaries", *(f"segments_{after}" for after in later)]
    )


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
    """The combinations of answers a graduate can give: not sent the survey, sent it and
    not answered, or a status, employed after or not, and a salary change of some sign.

    An empty combination is left out of the histogram's bins (its period is empty): the
    bins and the number of people with both salaries are both published for everyone,
    so the programs cannot put anyone there, and the types stay few.
    """
    silent = {"responded": False, "status": "not_asked", "after": False, "salary": "none"}
    rows = [{"sent": False, **silent}, {"sent": True, **silent}]
    for status in ("employed", "not_in_work", "other", "unknown"):
        for after in (False, True):
            for salary in ("none", "rise", "same", "fall"):
                rows.append(
                    {
                        "sent": True,
                        "responded": True,
                        "status": status,
                        "after": after,
                        "salary": salary,
                    }
                )
    combos = pd.DataFrame(rows)
    column = "series:salary_change_bins"
    if column in people:
        combos[column] = ""
    return combos


def possible_windows(people: pd.DataFrame) -> pd.DataFrame:
    """A first career outcome declared within one of the careers windows published
    (``Universe.read_only_by``), or none: a window holds every outcome of the shorter
    ones."""
    shown = [w for w in OUTCOME_WINDOWS if f"declared_{w}" in people]
    return pd.DataFrame(
        [
            {f"declared_{w}": i >= first for i, w in enumerate(shown)}
            for first in range(len(shown) + 1)
        ]
    )


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


def _declared(window: int) -> Mask:
    return lambda p: p[f"declared_{window}"].astype(bool)


def _graduates_figures() -> dict[str, FigureCells]:
    return {
        "graduates": FigureCells(_everyone),
        # The funnel's career outcome rate counts the same respondents.
        "career_outcome_rate_6m": FigureCells(_responded, lambda p: p["after"]),
        "survey_response_rate": FigureCells(lambda p: p["sent"], _responded),
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
        # The careers windows, each published the number of years it spans later.
        **{
            outcome_window_metric(w): FigureCells(
                _everyone, _declared(w), published_after=w, apart=True
            )
            for w in OUTCOME_WINDOWS
        },
    }


def _graduates_projections() -> tuple[tuple[str, ...], ...]:
    declared = tuple(f"declared_{w}" for w in OUTCOME_WINDOWS)
    return (
        ("sent",),
        ("responded",),
        ("responded", "status"),
        ("responded", "status", "after"),
        ("responded", "salary"),
        # Those who declared within a window, and within one window and not the shorter.
        *((d,) for d in declared),
        *zip(declared, declared[1:], strict=False),
    )


# The graduates of a year, from the survey's figures of that year to their careers ten
# years later.
GRADUATES = Universe(
    name="graduates",
    people=followed_graduates,
    attributes=("sent", "responded", "status", "after", "salary")
    + tuple(f"declared_{w}" for w in OUTCOME_WINDOWS),
    figures=_graduates_figures(),
    projections=_graduates_projections(),
    series={"salary_change_bins": _salary_bin},
    possible=possible_answers,
    read_only_by={f"declared_{w}": outcome_window_metric(w) for w in OUTCOME_WINDOWS},
    apart=tuple(f"declared_{w}" for w in OUTCOME_WINDOWS),
    possible_apart=possible_windows,
)


# --- the students started in the year: who they are and how they are funded -------------


def started_students(ds: Dataset, year: int) -> pd.DataFrame:
    """The enrollments started in ``year``, one row per group alike (their number in
    ``n``): their segments (the categories of the application, and the domain of the path
    as ``women_share`` reads it), their funding type, whether the application says
    female, and whether its country is neither France nor unknown."""
    from helpers.figures.metrics.levers import HOME_COUNTRY
    from helpers.intake.contract import UNKNOWN_COUNTRY

    frame = _read_by_year(
        ds,
        "students",
        year,
        lambda years: (
            f"""
        SELECT year(e.started_at) AS year,
               {_segments_by_year(ds, years, "year(e.started_at)")} AS segments,
               p.domain AS domain,
               e.funding_type AS funding,
               coalesce(a.gender = 'female', FALSE) AS woman,
               coalesce(a.country NOT IN ('{HOME_COUNTRY}', '{UNKNOWN_COUNTRY}'), FALSE)
                   AS abroad,
               count(*) AS n
        FROM enrollments e
        JOIN applications a ON a.application_id = e.application_id
        LEFT JOIN paths p ON p.path_id = e.path_id
        WHERE year(e.started_at) IN {_years_in(years)}
        GROUP BY ALL
        ORDER BY ALL
        """
        ),
    )
    frame["segments"] = [
        tuple(sorted([*s, d] if isinstance(d, str) else s))
        for s, d in zip(frame["segments"], frame["domain"], strict=True)
    ]
    return frame.drop(columns=["domain"])


def possible_students(people: pd.DataFrame) -> pd.DataFrame:
    """Every funding type, female or not, and abroad or not."""
    from helpers.intake.contract import FUNDING_TYPES

    return pd.DataFrame(
        [
            {"funding": funding, "woman": woman, "abroad": abroad}
            for funding in FUNDING_TYPES
            for woman in (False, True)
            for abroad in (False, True)
        ]
    )


def _funded(*kinds: str) -> Mask:
    return lambda p: p["funding"].isin(kinds)


def _with_domain(p: pd.DataFrame) -> pd.Series:
    """The students whose path has a domain: those ``women_share`` counts (every student,
    as the data contract holds, but the figure joins the paths)."""
    from helpers.intake.contract import DOMAINS

    return p["segments"].map(lambda segments: any(d in segments for d in DOMAINS)).astype(bool)


def _student_figures() -> dict[str, FigureCells]:
    from helpers.figures.metrics.funding import THIRD_PARTY_SHARE
    from helpers.figures.metrics.levers import COMPANY_FUNDING
    from helpers.intake.contract import FUNDING_TYPES

    return {
        "students_started": FigureCells(_everyone),
        "students_in_segment": FigureCells(_everyone),
        # A segment's students among all students: the numerator is the segment's.
        "segment_share": FigureCells(_everyone, _everyone, denominator_of_all=True),
        # Students whose gender is unknown stay in the denominator.
        "women_share": FigureCells(_with_domain, lambda p: _with_domain(p) & p["woman"]),
        **{
            f"funding_share_{kind}": FigureCells(_everyone, _funded(kind)) for kind in FUNDING_TYPES
        },
        THIRD_PARTY_SHARE: FigureCells(
            _everyone, _funded(*(k for k in FUNDING_TYPES if k != "individual"))
        ),
        "company_programme_students": FigureCells(_funded(*COMPANY_FUNDING)),
        "apprentices_started": FigureCells(_funded("apprenticeship")),
        "underserved_students_outside_france": FigureCells(
            lambda p: _in("underserved")(p) & p["abroad"]
        ),
    }


# Who the students started in the year are and how they are funded. Every student is in
# the application's segments and the path's domain, and the application gives the
# country: the contract holds an application and a path for every enrollment.
STUDENTS = Universe(
    name="students",
    people=started_students,
    attributes=("funding", "woman", "abroad"),
    figures=_student_figures(),
    projections=(("funding",), ("woman",), ("abroad",)),
    possible=possible_students,
)


# --- the applicants of the year: the admission rate ---------------------------------------


def applicants(ds: Dataset, year: int) -> pd.DataFrame:
    """The members who submitted an application in ``year`` (grouped, their number in
    ``n``), in the segments of their latest one (as ``admission_rate`` places them), and
    whether an enrollment started from one of their applications of the year."""
    return _read_by_year(
        ds,
        "applicants",
        year,
        lambda years: (
            f"""
        WITH submitted AS (
            SELECT application_id, member_id, submitted_at, year(submitted_at) AS year
            FROM applications
            WHERE year(submitted_at) IN {_years_in(years)}
        ),
        latest AS (
            SELECT year, member_id, application_id FROM submitted
            QUALIFY row_number() OVER (
                PARTITION BY year, member_id ORDER BY submitted_at DESC, application_id DESC
            ) = 1
        ),
        converted AS (
            SELECT DISTINCT s.year, s.member_id
            FROM submitted s JOIN enrollments e ON e.application_id = s.application_id
        ),
        applicant AS (
            SELECT l.year, {_segments_by_year(ds, years, "l.year")} AS segments,
                   c.member_id IS NOT NULL AS enrolled
            FROM latest l
            JOIN applications a ON a.application_id = l.application_id
            LEFT JOIN converted c ON c.year = l.year AND c.member_id = l.member_id
        )
        SELECT year, segments, enrolled, count(*) AS n
        FROM applicant GROUP BY ALL ORDER BY ALL
        """
        ),
    ).assign(segments=lambda f: [tuple(s) for s in f["segments"]])


def _enrolled(p: pd.DataFrame) -> pd.Series:
    return p["enrolled"].astype(bool)


APPLICANTS = Universe(
    name="applicants",
    people=applicants,
    attributes=("enrolled",),
    figures={
        "applicants": FigureCells(_everyone),
        "admission_rate": FigureCells(_everyone, _enrolled),
    },
    projections=(("enrolled",),),
    possible=lambda people: pd.DataFrame({"enrolled": [False, True]}),
)


# --- the enrollments expected to end in the year: the graduation rate ---------------------


def expected_to_end(ds: Dataset, year: int) -> pd.DataFrame:
    """The enrollments whose expected end is in ``year`` (grouped, their number in ``n``),
    and whether they graduated by 31 December of it."""
    return _read_by_year(
        ds,
        "expected to end",
        year,
        lambda years: (
            f"""
        SELECT year(e.expected_end_at) AS year,
               {_segments_by_year(ds, years, "year(e.expected_end_at)")} AS segments,
               coalesce(
                   e.status = 'graduated' AND year(e.ended_at) <= year(e.expected_end_at),
                   FALSE
               ) AS graduated,
               count(*) AS n
        FROM enrollments e JOIN applications a ON a.application_id = e.application_id
        WHERE year(e.expected_end_at) IN {_years_in(years)}
        GROUP BY ALL
        ORDER BY ALL
        """
        ),
    ).assign(segments=lambda f: [tuple(s) for s in f["segments"]])


COHORT = Universe(
    name="cohort",
    people=expected_to_end,
    attributes=("graduated",),
    figures={
        "graduation_rate": FigureCells(_everyone, lambda p: p["graduated"].astype(bool)),
    },
    projections=(("graduated",),),
    possible=lambda people: pd.DataFrame({"graduated": [False, True]}),
)


UNIVERSES: tuple[Universe, ...] = (GRADUATES, STUDENTS, APPLICANTS, COHORT)

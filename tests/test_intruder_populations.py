"""The intruder's check knows every population whose counts of people the report publishes
by segment: the graduates of the year (sent the survey or not), the students started in
the year, the applicants of the year, the enrollments expected to end in it and the
graduates of an earlier year followed since.

For each, a hand-made dataset where a figure of one metric, set against a figure of
another (or of another segment), gives away a withheld count or a count of fewer than
MIN_CELL people: the check finds it, withholds what it takes, and nothing is left to
recover from what is published. On the embedded data, the people of every universe
reproduce the published numerators and denominators of every figure described.
"""

import pandas as pd
import pytest
from audits import found_before, withheld
from tables import ADMITTED_APPLICATION, contract_table
from test_intruder import UNKNOWN_STATUS, metric_rows, published
from test_intruder import crowd as impact_crowd
from test_intruder import dataset as impact_dataset
from test_metrics_impact import tables as impact_tables

from helpers.figures import audit_populations, intruder, registry
from helpers.figures.kpi_file import compute_kpis
from helpers.figures.run_data import list_covered_years
from helpers.intake.dataset import Dataset

MIN_CELL = 10
YEAR = 2023


def person(
    eid: str,
    *,
    status: str = "employed",
    funding: str | None = "individual",
    gender: str = "male",
    domain: str = "tech",
    country: str = "FR",
    expected_end: str = "2025-06-30",
    graduated: bool = False,
    declared: bool = False,
    year: int = YEAR,
) -> dict:
    """An applicant of ``year`` (one application, submitted in it), and when ``funding`` is
    given a student started in it from that application, graduated on its expected end
    when ``graduated``, with a career outcome a month later when ``declared``."""
    return {
        "eid": eid,
        "year": year,
        "status": status,
        "funding": funding,
        "gender": gender,
        "domain": domain,
        "country": country,
        "expected_end": expected_end,
        "graduated": graduated,
        "declared": declared,
    }


def crowd(prefix: str, n: int, **kw) -> list[dict]:
    return [person(f"{prefix}-{i}", **kw) for i in range(n)]


def dataset(people: list[dict]) -> Dataset:
    paths = contract_table(
        "paths",
        {"path_id": "p-tech", "domain": "tech"},
        {"path_id": "p-non_tech", "domain": "non_tech"},
    )
    applications = contract_table(
        "applications",
        *(
            {
                **ADMITTED_APPLICATION,
                "application_id": f"a-{p['eid']}",
                "member_id": f"m-{p['eid']}",
                "path_id": f"p-{p['domain']}",
                "started_at": f"{p['year']}-01-05",
                "submitted_at": f"{p['year']}-01-10",
                "decided_at": f"{p['year']}-02-01",
                "decision": "admitted" if p["funding"] else "rejected",
                "employment_status": p["status"],
                "gender": p["gender"],
                "country": p["country"],
            }
            for p in people
        ),
    )
    enrollments = contract_table(
        "enrollments",
        *(
            {
                "enrollment_id": p["eid"],
                "application_id": f"a-{p['eid']}",
                "member_id": f"m-{p['eid']}",
                "path_id": f"p-{p['domain']}",
                "started_at": f"{p['year']}-03-01",
                "expected_end_at": p["expected_end"],
                "status": "graduated" if p["graduated"] else "active",
                "ended_at": p["expected_end"] if p["graduated"] else None,
                "funding_type": p["funding"],
                "employer_id": "c1" if p["funding"] in ("apprenticeship", "employer") else None,
            }
            for p in people
            if p["funding"]
        ),
    )
    outcomes = contract_table(
        "career_outcomes",
        *(
            {
                "member_id": f"m-{p['eid']}",
                "declared_at": (pd.Timestamp(p["expected_end"]) + pd.Timedelta(days=30)).date(),
                "enrollment_id": p["eid"],
            }
            for p in people
            if p["declared"]
        ),
    )
    frames = {
        "paths": paths,
        "applications": applications,
        "enrollments": enrollments,
        "career_outcomes": outcomes,
    }
    return Dataset.from_frames(frames, meta={"years": [2022, YEAR]})


def left_to_recover(ds: Dataset) -> list[str]:
    """What an intruder still works out from the report's figures of 2023."""
    # The corpus runs the attacks' datasets too: imported here, not at its top.
    from test_intruder_corpus import left_to_recover

    return left_to_recover(ds, list_covered_years(ds), MIN_CELL)


def shown(frame: pd.DataFrame, metric: str, segment: str = "all") -> float | None:
    """A figure's value, None when it is withheld."""
    row = frame[(frame["metric"] == metric) & (frame["segment"] == segment)].iloc[0]
    return None if row["suppressed"] else float(row["value"])


def exposed_before(ds: Dataset) -> list[str]:
    compute_kpis(ds, YEAR, MIN_CELL)
    return [f.label for f in found_before(ds, MIN_CELL, list_covered_years(ds))]


def withheld_to_protect(ds: Dataset) -> list[tuple[str, str]]:
    """The figures the check withholds in 2023 to protect others."""
    compute_kpis(ds, YEAR, MIN_CELL)
    return [(m, s) for _, m, s in withheld(ds, MIN_CELL, [YEAR])]


# --- the graduates of the year -------------------------------------------------------------


def test_graduates_not_sent_the_survey_are_not_the_graduates_minus_those_sent_it():
    # The hand-made impact table holds one graduate of 2023 without a survey row: the
    # funnel's graduates minus the survey's denominator give that one person.
    ds = impact_dataset(UNKNOWN_STATUS)
    raw = metric_rows(ds, YEAR)
    assert shown(raw, "graduates") - published(raw, "survey_response_rate")["denominator"] == 1
    assert "all (2023): sent=False" in exposed_before(ds)
    assert left_to_recover(ds) == []


# --- the students started in the year ------------------------------------------------------

# Five students funded by their employer: funding_share_employer is withheld (and, to
# protect it within the five shares, the smallest other share), yet the students on a
# company programme (apprenticeship or employer) minus those started on an
# apprenticeship give the five back.
EMPLOYER_FUNDED = [
    *crowd("i", 40, funding="individual", gender="female"),
    *crowd("p", 50, funding="public"),
    *crowd("a", 30, funding="apprenticeship", gender="female"),
    *crowd("e", 5, funding="employer"),
    *crowd("o", 25, funding="other", domain="non_tech"),
    *crowd("u", 60, funding="public", status="job_seeker"),
]


def company_minus_apprentices(frame: pd.DataFrame) -> float | None:
    company, started = (
        shown(frame, "company_programme_students"),
        shown(frame, "apprentices_started"),
    )
    return None if company is None or started is None else company - started


def test_students_funded_by_their_employer_are_not_company_programmes_minus_apprentices():
    ds = dataset(EMPLOYER_FUNDED)
    raw = metric_rows(ds, YEAR)
    assert published(raw, "funding_share_employer") is None
    # The attack works on the figures as the metrics alone publish them...
    assert company_minus_apprentices(raw) == 5
    assert "funding_share_employer/all numerator" in exposed_before(ds)
    # ...and nothing comes out of the report's, for a few figures withheld, not the
    # section: the company programmes, the one count the difference needs.
    assert left_to_recover(ds) == []
    assert ("company_programme_students", "all") in withheld_to_protect(ds)
    assert len(withheld_to_protect(ds)) <= 3


# 120 underserved students, 113 of them abroad: the 7 in France are the underserved
# students minus those outside France, two figures of two sections.
UNDERSERVED_AT_HOME = [
    *crowd("x", 113, status="job_seeker", country="SN", funding="public"),
    *crowd("h", 7, status="job_seeker", funding="public"),
    *crowd("n", 80, funding="individual", gender="female"),
]


def test_underserved_students_in_france_are_not_a_difference_of_two_counts():
    ds = dataset(UNDERSERVED_AT_HOME)
    raw = metric_rows(ds, YEAR)
    underserved = shown(raw, "students_in_segment", "underserved")
    assert underserved - shown(raw, "underserved_students_outside_france") == 7
    # The job seekers are the underserved here: one count, named after either.
    assert any(label.endswith(": abroad=False") for label in exposed_before(ds))
    assert left_to_recover(ds) == []
    # The count of those abroad goes, not every figure of the underserved students.
    assert ("underserved_students_outside_france", "all") in withheld_to_protect(ds)
    assert len(withheld_to_protect(ds)) <= 4


# --- the applicants of the year --------------------------------------------------------------

# 300 underserved applicants (all enrolled) and 4 others, 2 of them enrolled: the
# admission rate of the 4 is withheld, and so is everyone's (2 not enrolled), yet the
# applicants (a count of the funnel) minus the underserved applicants give the 4 back.
FEW_OTHER_APPLICANTS = [
    *crowd("j", 300, status="job_seeker", funding="public"),
    *crowd("k", 2, funding="individual"),
    *crowd("r", 2, funding=None),
]


def test_a_small_group_of_applicants_is_not_the_applicants_minus_the_others():
    ds = dataset(FEW_OTHER_APPLICANTS)
    raw = metric_rows(ds, YEAR)
    assert published(raw, "admission_rate", "non_underserved") is None
    assert published(raw, "admission_rate", "all") is None
    applicants = shown(raw, "applicants")
    assert applicants - published(raw, "admission_rate", "underserved")["denominator"] == 4
    assert "admission_rate/non_underserved denominator" in exposed_before(ds)
    assert left_to_recover(ds) == []


# --- the enrollments expected to end in the year -------------------------------------------

# 300 enrollments of job seekers and 4 of others expected to end in 2023: the graduation
# rate of the 4 is withheld, and with it the underserved's (within their breakdown), yet
# the job seekers are the underserved here: everyone's minus the job seekers' gives the 4.
# The graduation rate is the one figure of these people: the link runs across segments.
FEW_OTHERS_EXPECTED = [
    *crowd("g", 100, status="job_seeker", expected_end="2023-06-30", graduated=True),
    *crowd("d", 200, status="job_seeker", expected_end="2023-06-30"),
    *crowd("t", 3, expected_end="2023-06-30", graduated=True),
    *crowd("s", 1, expected_end="2023-06-30"),
]


def test_a_small_group_expected_to_graduate_is_not_everyone_minus_a_category():
    ds = dataset(FEW_OTHERS_EXPECTED)
    raw = metric_rows(ds, YEAR)
    assert published(raw, "graduation_rate", "non_underserved") is None
    everyone, seekers = (published(raw, "graduation_rate", s) for s in ("all", "job_seekers"))
    assert everyone["denominator"] - seekers["denominator"] == 4
    assert "graduation_rate/non_underserved denominator" in exposed_before(ds)
    assert left_to_recover(ds) == []


# --- the graduates of an earlier year ------------------------------------------------------

# The graduates of 2022, followed for a year in the report of 2023: 300 job seekers and 4
# others. As for the graduation rate, everyone's minus the job seekers' gives the 4.
FOLLOWED = {"year": 2021, "expected_end": "2022-06-30", "graduated": True}
FEW_OTHERS_FOLLOWED = [
    *crowd("g", 100, status="job_seeker", declared=True, **FOLLOWED),
    *crowd("d", 200, status="job_seeker", **FOLLOWED),
    *crowd("t", 3, declared=True, **FOLLOWED),
    *crowd("s", 1, **FOLLOWED),
]


def test_a_small_group_of_graduates_followed_is_not_everyone_minus_a_category():
    ds = dataset(FEW_OTHERS_FOLLOWED)
    raw = metric_rows(ds, YEAR)
    metric = "graduates_with_outcome_1y"
    assert published(raw, metric, "non_underserved") is None
    everyone, seekers = (published(raw, metric, s) for s in ("all", "job_seekers"))
    assert everyone["denominator"] - seekers["denominator"] == 4
    # The graduates of 2022, placed in the segments of 2023's rules.
    assert f"{metric}/non_underserved (2023) denominator" in exposed_before(ds)
    assert left_to_recover(ds) == []


# The graduates of 2022: 100 job seekers and 80 others sent the survey, 3 job seekers and
# 10 others not. In 2022 the 13 not sent are everyone's graduates minus the survey's, and
# the survey's denominator of a group says nothing of the group's graduates. In 2023 the
# careers window of one year counts the graduates of 2022 by group: the job seekers' 103
# minus the survey's 100 of 2022 give the 3.
GRADUATED_2022 = "2022-03-01"
NOT_SENT_SEEKERS = [
    *impact_crowd("j", 100, "job_seeker", ended=GRADUATED_2022),
    *impact_crowd("e", 80, "employed", ended=GRADUATED_2022),
    *impact_crowd("x", 3, "job_seeker", ended=GRADUATED_2022),
    *impact_crowd("y", 10, "employed", ended=GRADUATED_2022),
]


def not_sent_a_year_before() -> Dataset:
    # Half of each group declares a career outcome within the year.
    declared = [
        (f"m-{prefix}-{i}", "2022-09-01") for prefix, n in (("j", 50), ("e", 40)) for i in range(n)
    ]
    frames = impact_tables(NOT_SENT_SEEKERS, declared)
    surveys = frames["graduate_surveys"]
    frames["graduate_surveys"] = surveys[~surveys["enrollment_id"].str[:1].isin(["x", "y"])]
    return Dataset.from_frames(frames, meta={"years": [2022, YEAR]})


def test_graduates_not_sent_the_survey_are_not_a_later_year_minus_the_survey():
    ds = not_sent_a_year_before()
    followed = published(metric_rows(ds, YEAR), "graduates_with_outcome_1y", "job_seekers")
    sent = published(metric_rows(ds, 2022), "survey_response_rate", "job_seekers")
    assert followed["denominator"] - sent["denominator"] == 3
    assert "job_seekers (2022): sent=False" in exposed_before(ds)
    assert left_to_recover(ds) == []


# --- every universe reproduces the published counts ------------------------------------------


def described_counts(ds: Dataset, year: int, universe: audit_populations.Universe):
    """Each figure the universe describes, as the metric computes it (every count shown,
    MIN_CELL 1), beside the sums of the universe's types its cells give."""
    people = universe.people(ds, year)
    types = intruder._types(universe, people)
    # A followed universe's figures are those of the years that publish its people.
    frames = {
        year + after: pd.concat(
            [
                registry.metric(m).compute(ds, year + after, 1)
                for m, f in universe.figures.items()
                if f.published_after == after
            ],
            ignore_index=True,
        )
        for after in universe.published_after
        if after == 0 or year + after in list_covered_years(ds)
    }
    figures = intruder.linked_figures(universe, year, frames) if universe.followed else frames[year]
    cells = intruder._figure_cells(universe, people, types, figures)
    n = types["n"].to_numpy()
    present = {s for t in types["segments"] for s in t}
    for record in figures.itertuples(index=False):
        parts = dict(cells.get((record.metric, record.segment), []))
        if pd.isna(record.denominator):
            expected = {"denominator": record.value}  # a count figure
        else:
            expected = {"denominator": record.denominator, "numerator": record.numerator}
        for column, value in expected.items():
            if pd.isna(value):
                continue
            if record.segment in present:
                found = int(n[parts[column]].sum()) if column in parts else None
            elif column == "denominator" and universe.figures[record.metric].denominator_of_all:
                continue  # everyone, counted in the segments people are in
            else:
                found = 0  # nobody is in the segment: the check writes no cell for it
            yield (record.metric, record.segment, column), found, int(value)


@pytest.fixture(scope="module")
def embedded(default_dataset) -> Dataset:
    from helpers.intake.load import load_dataset

    return load_dataset(default_dataset)


@pytest.mark.slow
@pytest.mark.parametrize(
    "universe", audit_populations.UNIVERSES, ids=[u.name for u in audit_populations.UNIVERSES]
)
def test_every_universe_reproduces_the_published_counts_of_the_embedded_data(embedded, universe):
    ds = embedded
    years = list_covered_years(ds)
    assert len(years) == 5
    wrong = {
        (year, *key): (found, value)
        for year in years
        for key, found, value in described_counts(ds, year, universe)
        if found != value
    }
    assert wrong == {}


def test_a_segment_share_counts_the_segment_among_everyone():
    # 7 underserved students of 87: the share's denominator is everyone, whatever the
    # segment of its row; the other figures count the segment's people alone.
    ds = dataset([*crowd("u", 7, status="job_seeker"), *crowd("n", 80)])
    counts = {
        key: (found, value)
        for key, found, value in described_counts(ds, YEAR, audit_populations.STUDENTS)
    }
    assert counts[("segment_share", "underserved", "denominator")] == (87, 87)
    assert counts[("segment_share", "underserved", "numerator")] == (7, 7)
    assert counts[("students_in_segment", "underserved", "denominator")] == (7, 7)
    assert all(found == value for found, value in counts.values())

"""Caveats beside the figure they qualify, and the active titles of charts, computed on
small hand-made run data whose answers are known."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.figures.run_data import RunData, shipped_category_rules
from helpers.pages import i18n
from helpers.pages.sections import Section
from helpers.pages.sections.caveats import is_snapshot, published_anchor, widened

NO_TARGETS = pd.DataFrame(
    columns=["metric", "segment", "first_year", "last_year", "comparator", "threshold", "source"]
)
NO_PUBLISHED = pd.DataFrame(
    columns=["year", "metric", "segment", "value", "unit", "kind", "source", "quote", "note"]
)


def share(year: int, metric: str, segment: str, numerator: int, denominator: int) -> dict:
    from helpers.figures import stats

    low, high = stats.wilson_interval(numerator, denominator)
    return {
        "year": year,
        "metric": metric,
        "segment": segment,
        "value": numerator / denominator,
        "numerator": numerator,
        "denominator": denominator,
        "ci_low": low,
        "ci_high": high,
        "suppressed": False,
    }


def count(year: int, metric: str, value: float) -> dict:
    return {"year": year, "metric": metric, "segment": "all", "value": value, "suppressed": False}


def section(name: str, rows: list[dict], lang: str = "en", published=None, conflicts=None):
    history = pd.DataFrame(rows)
    for column in ("numerator", "denominator", "ci_low", "ci_high"):
        if column not in history:
            history[column] = None
    history["section"] = name
    provenance = {
        "dataset": {"absent_tables": [], "years": [2021, 2022], "synthetic": True},
        "parameters": {"year": 2022},
    }
    run = RunData(
        kpis=history[history["year"] == 2022].reset_index(drop=True),
        history=history,
        series=pd.DataFrame(),
        provenance=provenance,
        published=NO_PUBLISHED if published is None else published,
        conflicts=conflicts
        if conflicts is not None
        else pd.DataFrame(columns=["year", "metric", "segment", "value", "reason_en", "reason_fr"]),
    )
    return Section(name, 2022, lang, 1, run, NO_TARGETS, category_rules=shipped_category_rules())


# The priority-area share halves between 2021 and 2022 while its definition widens.
CATEGORY_ROWS = [
    share(2021, "segment_share", "priority_area", 1206, 10050),
    share(2022, "segment_share", "priority_area", 665, 10915),
    share(2021, "segment_share", "underserved", 7136, 10050),
    share(2022, "segment_share", "underserved", 8623, 10915),
    share(2021, "segment_share", "job_seekers", 6533, 10050),
    share(2022, "segment_share", "job_seekers", 7340, 10915),
    share(2022, "women_instructor_share", "tech", 30, 86),
    share(2021, "women_instructor_share", "tech", 30, 86),
    share(2022, "graduation_rate", "refugees", 9, 20),
    share(2021, "graduation_rate", "refugees", 10, 22),
]


def kinds(s: Section, metric: str, segment: str) -> list[str]:
    return [c.kind for c in s.caveats(s.kpi(metric, segment))]


def test_the_shipped_rules_only_widened_the_categories_in_2022():
    rules = shipped_category_rules()
    assert widened(rules, "priority_area", 2021, 2022)
    assert widened(rules, "underserved", 2021, 2022)
    assert not widened(rules, "priority_area", 2022, 2021)


def test_a_share_that_fell_under_a_wider_definition_is_explained_beside_it():
    s = section("categories", CATEGORY_ROWS)
    [caveat] = s.caveats(s.kpi("segment_share", "priority_area"))
    assert caveat.kind == "definition"
    assert "fell from 12.0% to 6.1%" in caveat.text
    assert "6.1% or less" in caveat.text
    assert caveat.href == "methods.html#group-priority_area"
    [rose] = s.caveats(s.kpi("segment_share", "underserved"))
    assert "part of the rise" in rose.text
    # Job seekers kept their definition: nothing to say.
    assert kinds(s, "segment_share", "job_seekers") == []


def test_a_snapshot_is_shown_as_one_value_without_a_change():
    assert is_snapshot("women_instructor_share")
    assert not is_snapshot("women_share")
    s = section("categories", CATEGORY_ROWS)
    assert kinds(s, "women_instructor_share", "tech") == ["snapshot"]
    table = s.figure_table([("women_instructor_share", "tech")]).data
    assert "mr-caveat-snapshot" in table
    assert "0.0 pp" not in table and "no clear change" not in table
    assert "34.9%" in table


def test_a_small_group_is_flagged_with_its_size():
    s = section("categories", CATEGORY_ROWS)
    [caveat] = [
        c for c in s.caveats(s.kpi("graduation_rate", "refugees")) if c.kind == "small_group"
    ]
    assert "20 people" in caveat.text


def test_a_published_figure_in_conflict_links_to_its_reconciliation_row():
    published = pd.DataFrame(
        [
            {
                "year": 2022,
                "metric": "third_party_funding_share",
                "segment": "all",
                "value": 0.9,
                "unit": "share",
                "kind": "actual",
                "source": "mission_report_2022",
                "quote": "90 %",
                "note": "",
            }
        ]
    )
    conflicts = pd.DataFrame(
        [
            {
                "year": 2022,
                "metric": "third_party_funding_share",
                "segment": "all",
                "value": 0.9,
                "reason_en": "Because.",
                "reason_fr": "Parce que.",
            }
        ]
    )
    rows = [
        share(2022, "third_party_funding_share", "all", 9278, 10915),
        share(2021, "third_party_funding_share", "all", 8141, 10050),
    ]
    s = section("funding", rows, published=published, conflicts=conflicts)
    [caveat] = s.caveats(s.kpi("third_party_funding_share", "all"))
    assert caveat.kind == "conflict"
    assert "90%" in caveat.text and "Mission Report 2022" in caveat.text
    assert (
        caveat.href == f"reconciliation.html#{published_anchor('third_party_funding_share', 'all')}"
    )
    findings = s.key_findings([("third_party_funding_share", "all")]).data
    assert 'href="reconciliation.html#published-third_party_funding_share-all"' in findings


def test_a_ratio_whose_parts_moved_apart_is_explained_beside_its_row():
    rows = [
        count(2022, "emissions_tco2e", 1027),
        count(2021, "emissions_tco2e", 1388),
        count(2022, "users", 1236831),
        count(2021, "users", 1780000),
        count(2022, "co2e_per_user_kg", 0.83),
        count(2021, "co2e_per_user_kg", 0.78),
    ]
    s = section("carbon", rows)
    assert [c.kind for c in s.caveats(s.kpi("co2e_per_user_kg"))] == ["ratio_parts"]
    table = s.figure_table([("co2e_per_user_kg", "all")]).data
    assert "-26.0%" in table and "-30.5%" in table


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_caveat_has_words_in_each_language(lang):
    s = section("categories", CATEGORY_ROWS, lang=lang)
    texts = [
        c.text
        for m, g in [("segment_share", "priority_area"), ("women_instructor_share", "tech")]
        for c in s.caveats(s.kpi(m, g))
    ]
    assert len(texts) == 2 and all("{" not in text for text in texts)


# --- active titles ----------------------------------------------------------------


def test_a_change_is_called_a_change_only_when_its_interval_excludes_zero():
    rows = [
        share(2022, "career_outcome_rate_6m", "all", 1321, 2755),
        share(2021, "career_outcome_rate_6m", "all", 1250, 2711),
        share(2022, "women_share", "all", 3405, 10915),
        share(2021, "women_share", "all", 2814, 10050),
    ]
    s = section("funnel", rows)
    unclear = s.change_title(
        "Employed", s.kpi("career_outcome_rate_6m"), s.kpi("career_outcome_rate_6m", year=2021)
    )
    assert unclear.startswith("Employed: no clear change between 2021")
    clear = s.change_title("Women", s.kpi("women_share"), s.kpi("women_share", year=2021))
    assert clear == "Women: up from 28.0% in 2021 to 31.2% in 2022"


def test_a_comparison_chart_counts_groups_below_and_above_the_reference():
    rows = [
        share(2022, "admission_rate", "non_underserved", 2342, 11710),
        share(2022, "admission_rate", "refugees", 69, 986),
        share(2022, "admission_rate", "job_seekers", 7225, 20643),
        share(2022, "admission_rate", "disability", 236, 1175),
    ]
    s = section("categories", rows)
    title = s.gaps_title(
        "admission_rate", ["refugees", "job_seekers", "disability"], "non_underserved"
    )
    assert title == (
        "Admission rate in 2022, 3 groups against not underserved: "
        "below for 1, above for 1, no clear gap for 1"
    )


def test_a_chart_of_groups_names_the_highest_and_lowest_and_flags_a_small_one():
    s = section("categories", CATEGORY_ROWS)
    named = [
        ("Refugees", s.kpi("graduation_rate", "refugees")),
        ("Job seekers", s.kpi("segment_share", "job_seekers")),
    ]
    title = s.range_title(named)
    assert title == (
        "In 2022, highest for job seekers (67.2%), lowest for refugees (45.0%, small group)"
    )


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_figure_reading_attributes_as_they_stood_at_extraction_says_so(lang):
    # The mentoring of each year's students, with the mentors' training as extracted.
    rows = [
        share(2021, "disability_mentor_coverage", "disability", 40, 100),
        share(2022, "disability_mentor_coverage", "disability", 60, 100),
    ]
    s = section("categories", rows, lang)
    assert not is_snapshot("disability_mentor_coverage")
    [caveat] = s.caveats(s.kpi("disability_mentor_coverage", "disability"))
    assert caveat.kind == "snapshot"
    assert caveat.text == i18n.t("caveat.partial_snapshot", lang)

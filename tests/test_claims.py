"""Claims about figures (helpers.figures.claims) decided from the figures, and the words
the pages build from them: peaks, teams over budget, "the data holds no ...", tallies."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import pandas as pd
import pytest
from test_sections import TARGETS, count, make_run

from helpers.figures import claims
from helpers.figures.display_names import display_name, list_unknown, readable
from helpers.pages.sections import Section
from helpers.pages.tally import format_tally, tally_html


def test_a_flat_zero_or_single_series_has_no_peak():
    assert claims.find_peak([0.0, 0.0, 0.0]) is None
    assert claims.find_peak([4.2, 4.2, math.nan, 4.2]) is None
    assert claims.find_peak([7.0]) is None
    assert claims.find_peak([]) is None
    assert claims.find_peak([1.0, math.nan, 5.0, 5.0, 2.0]) == 2


def test_the_peak_named_is_that_of_the_varying_series_with_the_highest_peak():
    series = {"Scope 1": [0.0] * 12, "Scope 2": [1.0, 3.0, 2.0], "Scope 3": [90.0, 60.0, 80.0]}
    assert claims.pick_peak_series(series) == "Scope 3"
    assert claims.pick_peak_series({"Scope 1": [0.0] * 12, "Scope 2": [5.0] * 12}) is None


def test_over_budget_counts_only_teams_with_a_measured_use():
    assert claims.count_over_budget([0.9, 1.2, 1.0, math.nan, None, 1.05]) == (2, 4)
    assert claims.count_over_budget([]) == (0, 0)


def test_holds_any_sees_a_figure_in_any_value():
    assert not claims.holds_any([math.nan, None])
    assert claims.holds_any([math.nan, 0.0])


def test_a_claim_is_written_as_data_attributes():
    claim = claims.Claim(claims.OVER_BUDGET, "team_budget_use", "*", 2023, {"over": 3, "total": 13})
    text = claims.ClaimText("3 of 13 teams", claim)
    assert text == "3 of 13 teams" and claims.claim_attributes(text) == {
        "data-claim": "over-budget",
        "data-metric": "team_budget_use",
        "data-segment": "*",
        "data-year": "2023",
        "data-over": "3",
        "data-total": "13",
    }
    assert claims.claim_attributes("plain words") == {}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "1 met, 1 missed within uncertainty, 2 missed"),
        ("fr", "1 atteint, 1 manqué dans la marge d’incertitude, 2 non atteints"),
    ],
)
def test_a_tally_has_one_wording_every_status_with_a_count(lang, expected):
    counts = {"met": 1, "met_within_uncertainty": 0, "missed_within_uncertainty": 1, "missed": 2}
    tally = format_tally(counts, lang)
    assert tally == expected
    html = tally_html(f"Objectives: {tally}.", tally)
    assert html.startswith('Objectives: <span class="mr-tally" data-claim="tally" data-met="1"')
    assert html.endswith(f">{expected}</span>.")


# --- the carbon page's claims, on hand-made figures ---------------------------------------

TEAMS = [
    count(2023, "emissions_tco2e", 500.0),
    count(2023, "team_emissions_tco2e", 12.0, "b2b_sales"),
    count(2023, "team_budget_tco2e", 10.0, "b2b_sales"),
    count(2023, "team_budget_use", 1.2, "b2b_sales"),
    count(2023, "team_emissions_tco2e", 8.0, "data_office"),
    count(2023, "team_budget_tco2e", 10.0, "data_office"),
    count(2023, "team_budget_use", 0.8, "data_office"),
]


def months(series: str, segment: str, values: list[float]) -> list[dict]:
    return [
        {
            "year": 2023,
            "section": "carbon",
            "series": series,
            "segment": segment,
            "period": f"2023-{m:02d}",
            "value": v,
            "suppressed": False,
        }
        for m, v in enumerate(values, 1)
    ]


def carbon(rows, lang="en", series=()) -> Section:
    run = make_run(rows, year=2023)
    run = replace(run, series=pd.DataFrame(list(series)))
    return Section("carbon", 2023, lang, 10, run, TARGETS)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_team_budgets_are_not_called_absent_because_all_students_have_none(lang):
    gaps = carbon(TEAMS, lang).data_gaps().data
    assert 'data-metric="team_budget_tco2e"' not in gaps
    without = carbon([r for r in TEAMS if r["metric"] != "team_budget_tco2e"], lang)
    gaps = without.data_gaps().data
    assert 'data-claim="absent" data-metric="team_budget_tco2e" data-segment="*"' in gaps


def test_the_budget_finding_counts_the_teams_over_and_carries_its_figures():
    section = carbon(TEAMS)
    finding = section._budgets_finding(section._team_segments())
    assert finding == "1 of 2 teams went over their carbon budget in 2023"
    assert claims.claim_attributes(finding)["data-over"] == "1"


def test_a_flat_zero_scope_is_not_said_to_peak():
    flat = months("emissions_tco2e", "scope_1", [0.0] * 12)
    varying = months("emissions_tco2e", "scope_3", [40.0 + (m % 5) * 10 for m in range(12)])
    section = carbon(TEAMS, series=flat + varying)
    html = section.monthly_chart(
        [("emissions_tco2e", "scope_1"), ("emissions_tco2e", "scope_3")],
        "carbon.chart_monthly",
        name_by="segment",
    ).data
    caption = re.search(r"<figcaption[^>]*>([^<]*)", html).group(1)
    assert caption.startswith("Scope 3 (value chain) peaked in May 2023")
    assert 'data-claim="peak" data-metric="emissions_tco2e" data-segment="scope_3"' in html
    assert 'data-period="2023-05"' in html
    only_flat = carbon(TEAMS, series=flat).monthly_chart(
        [("emissions_tco2e", "scope_1")], "carbon.chart_monthly", name_by="segment"
    )
    assert "peaked" not in only_flat.data and 'data-claim="peak"' not in only_flat.data


# --- readers' names for the data's codes --------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"), [("en", "Business sales"), ("fr", "Ventes aux entreprises")]
)
def test_a_team_is_shown_by_its_display_name(lang, expected):
    assert display_name("team", "b2b_sales", lang) == expected
    html = carbon(TEAMS, lang).budget_table().data
    assert expected in html and "b2b_sales" not in html


def test_an_unknown_code_is_shown_readably_and_listed():
    assert readable("data_office") == "Data office"
    assert display_name("team", "data_office", "fr") == "Data office"
    assert list_unknown("team", ["b2b_sales", "data_office", "data_office"]) == ["data_office"]
    assert "Data office" in carbon(TEAMS).budget_table().data


@pytest.mark.parametrize(
    ("lang", "published"),
    [("en", "Published figure (OpenClassrooms, Mission Report 2022): +47%"), ("fr", "+47")],
)
def test_a_growth_is_said_beside_the_published_growth_it_conflicts_with(lang, published):
    rows = [count(2022, "career_outcomes", 44_010), count(2021, "career_outcomes", 14_163)]
    section = Section("funnel", 2022, lang, 10, make_run(rows, year=2022), TARGETS)
    html = re.sub(r"[\u00a0\u202f]", " ", section.key_findings([("career_outcomes", "all")]).data)
    assert "210.7%" in html or "210,7" in html
    assert published in html
    # The conflict the published figures hold, in the reader's language.
    assert ("14,163" in html and "+211%" in html) or ("14 163" in html and "+211 %" in html)
    other = Section(
        "funnel",
        2022,
        lang,
        10,
        make_run(rows[:1] + [count(2021, "career_outcomes", 30_000)]),
        TARGETS,
    )
    assert "+47" in other.key_findings([("career_outcomes", "all")]).data


def test_the_run_names_the_teams_it_shows_by_their_code():
    import io

    from helpers.run.prepare import warn_unnamed_codes
    from helpers.run.progress import Progress

    kpis = pd.DataFrame(
        [
            {"metric": "team_emissions_tco2e", "segment": s, "value": 1.0}
            for s in ("all", "b2b_sales", "data_office")
        ]
    )
    stream = io.StringIO()
    assert warn_unnamed_codes(kpis, Progress(stream=stream)) == ["data_office"]
    assert "warning: display_names.csv: no display name for team data_office" in stream.getvalue()
    assert warn_unnamed_codes(kpis.iloc[:2], Progress(stream=io.StringIO())) == []


def test_a_name_the_data_writes_for_readers_is_shown_as_written():
    assert readable("IT $5k$ unit") == "IT $5k$ unit"
    assert list_unknown("team", ["a$^$b \U0001f3a5 ops", "data_office"]) == ["data_office"]


def test_a_judgement_and_a_change_since_last_year_are_marked_with_their_figures():
    rows = [count(2022, "career_outcomes", 440), count(2021, "career_outcomes", 142)]
    section = Section("funnel", 2022, "en", 10, make_run(rows, year=2022), TARGETS)
    html = section.key_findings([("career_outcomes", "all")]).data
    verdict = re.search(r'<span class="mr-assess[^>]*data-claim="verdict"[^>]*>([^<]*)<', html)
    assert verdict and verdict.group(1) == "Better than 2021"
    assert 'data-verdict="better"' in verdict.group(0)
    change = re.search(r'<span data-claim="change"[^>]*>([^<]*)<', html)
    assert change and change.group(1).startswith("Up 209.9% on 2021 (142).")
    stated = re.search(r'data-change="([^"]+)"', change.group(0)).group(1)
    assert float(stated) == pytest.approx(440 / 142 - 1)
    # Without the previous year, neither is claimed.
    alone = Section("funnel", 2022, "en", 10, make_run(rows[:1], year=2022), TARGETS)
    assert 'data-claim="verdict"' not in alone.key_findings([("career_outcomes", "all")]).data

"""Impact page and carbon budget pieces on hand-made KPI frames, in both languages."""

import pytest
from test_sections import TARGETS, count, make_run, share

from helpers.pages.sections import Section
from helpers.pages.sections.markup import escape


def figure(year, metric, segment, value, low=None, high=None, denominator=None):
    return {
        "year": year,
        "metric": metric,
        "segment": segment,
        "value": value,
        "denominator": denominator,
        "ci_low": low,
        "ci_high": high,
        "suppressed": False,
    }


ROWS = [
    share(2023, "survey_response_rate", "all", 600, 1000),
    share(2023, "survey_response_rate", "underserved", 450, 700),
    share(2023, "survey_response_rate", "refugees", 4, 9, suppressed=True),
    share(2023, "employed_before_share", "all", 150, 600),
    share(2023, "employed_after_share", "all", 300, 600),
    figure(2023, "employment_change", "all", 0.25, 0.2, 0.3),
    share(2023, "employed_before_share", "disability", 20, 100),
    share(2023, "employed_after_share", "disability", 24, 100),
    figure(2023, "employment_change", "disability", 0.04, -0.02, 0.1),
    share(2023, "into_work_rate", "job_seekers", 120, 300),
    count(2023, "salary_change_median_eur", 4000.0),
    share(2023, "salary_rise_share", "all", 450, 600),
    count(2023, "salary_change_total_eur", 1_000_000.0),
    share(2022, "graduates_with_outcome_1y", "all", 250, 1000),
    share(2023, "graduates_with_outcome_1y", "all", 300, 1000),
    count(2023, "graduates_with_outcome_5y", None),
    count(2023, "team_emissions_tco2e", 12.0, "ops"),
    count(2023, "team_budget_tco2e", 10.0, "ops"),
    count(2023, "team_budget_use", 1.2, "ops"),
    count(2023, "team_emissions_forecast_tco2e", 12.0, "ops"),
]


def section(lang: str) -> Section:
    run = make_run(ROWS, year=2023)
    return Section("impact", 2023, lang, 10, run, TARGETS)


def test_respondents_beside_all_graduates():
    html = section("en").respondents_table(("underserved", "refugees")).data
    # 450 of 600 respondents and 700 of 1000 surveyed graduates are underserved.
    assert "75.0%" in html and "70.0%" in html
    assert "withheld" in html


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_careers_say_when_a_window_becomes_measurable(lang):
    html = section(lang).careers_table(("all",)).data
    # The data covers 2022 and 2023: five years after its first year is 2027.
    assert "2027" in html and "2032" in html
    assert "30" in html


@pytest.mark.parametrize(
    ("lang", "segments", "finding"),
    [
        (
            "en",
            ("all", "disability"),
            "All students: 25.0% in work at application, 50.0% six months after; of 2 groups,"
            " a clear rise for 1, no clear change for 1",
        ),
        (
            "en",
            ("disability",),
            "Disability: 20.0% in work at application, 24.0% six months after, no clear change",
        ),
        (
            "fr",
            ("all", "disability"),
            "Tous les étudiants\u00a0: 25,0\u00a0% en emploi à la candidature, 50,0\u00a0% six mois"
            " après\u00a0; sur 2 groupes, hausse établie pour 1, sans évolution établie pour 1",
        ),
    ],
)
def test_the_slope_chart_is_titled_by_the_change_and_how_many_groups_it_is_clear_for(
    lang, segments, finding
):
    assert section(lang)._slopes_finding(segments) == finding
    html = section(lang).slope_chart(segments, "impact.chart_slopes").data
    assert f'<figcaption class="mr-chart-title">{escape(finding)}<span' in html


def test_the_salary_chart_is_titled_by_the_median_change_and_the_share_whose_salary_rose():
    assert section("en")._salary_finding() == (
        "Median change in yearly salary: €4,000 in 2023; 75.0% of respondents saw their salary rise"
    )


def test_the_stakeholder_estimate_is_labelled_and_sourced():
    html = section("en").stakeholder_estimate().data
    assert "Model, not a measurement." in html
    assert "Unédic" in html and "URSSAF" in html
    # 120 job seekers into work x 41 % x 11 784 EUR = 579 773 EUR, shown to the thousand.
    assert "€580,000" in html
    assert "Left out" in html


def test_a_team_over_its_budget_is_flagged():
    html = section("fr").budget_table().data
    assert "120" in html and "budget dépassé" in html

"""The objectives page on hand-made KPI figures: counts, table, statuses, trajectories."""

import math
import re
from html import unescape

import pandas as pd
import pytest

from helpers.figures import stats
from helpers.figures.objectives import count_met_and_missed, read_targets
from helpers.figures.run_data import RunData
from helpers.pages import i18n
from helpers.pages.sections import Scorecard
from helpers.pages.sections.scorecard import check_objectives
from helpers.pages.sections.trajectory import Step, find_value_range, plot_objective_trajectory

NBSP = "\u00a0"
SOURCE_2022 = "mission_report_2022"
SOURCE_2023 = "mission_report_2023"


def objective(metric, segment, comparator, threshold, first, last, source=SOURCE_2023):
    return {
        "metric": metric,
        "segment": segment,
        "first_year": first,
        "last_year": last,
        "comparator": comparator,
        "threshold": threshold,
        "source": source,
    }


TARGETS = pd.DataFrame(
    [
        objective("segment_share", "underserved", ">=", 0.60, 2020, 2022, SOURCE_2022),
        objective("segment_share", "underserved", ">=", 0.70, 2023, 2030),
        objective("women_share", "tech", ">=", 0.25, 2023, 2030),
        objective("women_instructor_share", "tech", ">=", 0.40, 2023, 2030),
        objective("students_in_segment", "underserved", "growth_>=", 0.20, 2021, 2021),
        objective("career_outcomes", "all", ">=", 500_000, 2025, 2030),
    ]
)


def share(year, metric, segment, numerator, denominator, suppressed=False):
    low, high = stats.wilson_interval(numerator, denominator)
    row = {"value": numerator / denominator, "numerator": numerator, "denominator": denominator}
    row |= {"ci_low": low, "ci_high": high}
    if suppressed:
        row = dict.fromkeys(row, None)
    return {"year": year, "metric": metric, "segment": segment, "suppressed": suppressed, **row}


def count(year, metric, segment, value):
    return {"year": year, "metric": metric, "segment": segment, "value": value, "suppressed": False}


ROWS = [
    share(2022, "segment_share", "underserved", 700, 1000),
    share(2023, "segment_share", "underserved", 750, 1000),  # 72.2 % to 77.6 %: met
    share(2023, "women_share", "tech", 30, 100),  # 21.9 % to 39.6 %: met within uncertainty
    share(2023, "women_instructor_share", "tech", 3, 8, suppressed=True),
    count(2021, "students_in_segment", "underserved", 800),
    count(2022, "students_in_segment", "underserved", 1000),
    count(2023, "students_in_segment", "underserved", 900),
    count(2022, "career_outcomes", "all", 44_010),
    count(2023, "career_outcomes", "all", 50_000),
]


def make_run(rows, year):
    history = pd.DataFrame(rows)
    for column in ("numerator", "denominator", "ci_low", "ci_high"):
        if column not in history:
            history[column] = None
    history["section"] = "categories"
    provenance = {
        "dataset": {"absent_tables": [], "years": sorted(set(history["year"])), "synthetic": True},
        "parameters": {"year": year},
    }
    kpis = history[history["year"] == year].reset_index(drop=True)
    return RunData(kpis=kpis, history=history, series=pd.DataFrame(), provenance=provenance)


NO_AIMS = pd.DataFrame(columns=list(TARGETS.columns))


def scorecard(year=2023, lang="en", rows=ROWS, targets=TARGETS, aims=NO_AIMS) -> Scorecard:
    return Scorecard("targets", year, lang, 10, make_run(rows, year), targets, aims=aims)


def words(html: str) -> str:
    """The text of an HTML piece, its tags taken off."""
    return re.sub(r"<[^>]+>", "", html)


def test_summary_counts_the_objectives_of_the_year_by_status():
    text = words(scorecard().summary().data)
    assert (
        "3 objectives of the committee apply to 2023: 1 met, 1 met within uncertainty, "
        "1 not measurable." in text
    )


def test_french_summary_agrees_each_count_with_its_number():
    text = words(scorecard(lang="fr").summary().data)
    assert (
        "3 objectifs du comité s’appliquent à 2023\u00a0: 1 atteint, 1 atteint dans la marge "
        "d’incertitude, 1 non mesurable." in text
    )


def test_summary_says_when_no_objective_applies():
    assert "No objective of the committee applies to 2019." in scorecard(2019).summary().data


def test_table_shows_threshold_value_interval_status_and_document():
    html = scorecard().scorecard_table().data
    for text in (
        "at least",
        ">70%<",
        "75.0%",
        "72.2% to 77.6%",
        'class="mr-tag mr-met"',
        "met within uncertainty",
        "OpenClassrooms, Mission Report 2023",
        "withheld: a count behind it is under 10",
        'href="methods.html#metric-segment_share"',
        "Women among tech instructors",
    ):
        assert text in html, text
    # Rows follow evaluate_targets: metric, then segment.
    assert html.index("metric-segment_share") < html.index("metric-women_instructor_share")


def test_a_growth_objective_shows_the_two_counts_it_compares():
    targets = pd.DataFrame(
        [objective("students_in_segment", "underserved", "growth_>=", 0.20, 2022, 2022)]
    )
    html = scorecard(2022, targets=targets).scorecard_table().data
    # 1 000 / 800 - 1 = +25 %, above the 20 % asked for.
    assert "+25.0%" in html and "800 in 2021, 1,000 in 2022" in html
    assert "growth over the previous year of at least" in html and ">20%<" in html
    assert 'class="mr-tag mr-met"' in html


def test_count_met_and_missed_reads_the_side_of_the_threshold():
    targets = pd.DataFrame(
        [
            objective("segment_share", "underserved", ">=", 0.70, 2023, 2023),  # met
            objective("segment_share", "underserved", ">=", 0.80, 2023, 2023),  # high 77.6 %
            objective("women_share", "tech", ">=", 0.35, 2023, 2023),  # high 39.6 % reaches it
            objective("women_instructor_share", "tech", ">=", 0.40, 2023, 2023),  # withheld
            objective("career_outcomes", "all", ">=", 500_000, 2025, 2030),  # not yet
        ]
    )
    history = make_run(ROWS, 2023).history
    # Met: 70 %; missed: 80 % (missed) and 35 % (missed within uncertainty).
    assert count_met_and_missed(targets, history, 2023) == (1, 2)


def test_objectives_in_force_come_first_then_by_the_year_they_start():
    assert scorecard().order_objectives(read_targets(TARGETS)) == [
        ("segment_share", "underserved", ">="),
        ("women_instructor_share", "tech", ">="),
        ("women_share", "tech", ">="),
        ("students_in_segment", "underserved", "growth_>="),
        ("career_outcomes", "all", ">="),
    ]


def test_one_chart_per_objective_with_its_title_its_figures_and_their_csv():
    html = scorecard().trajectory_charts().data
    assert html.count("<img") == 5
    finding = "Share of students (Underserved): 75.0% in 2023, objective at least 70%: met"
    assert f'alt="Chart: {finding}. Share of students (Underserved)"' in html
    assert f'<figcaption class="mr-chart-title">{finding}<span class="mr-chart-sub' in html
    assert "Students who started a path (Underserved): growth over the" in html
    assert html.count('href="methods.html#metric-') == 5
    assert html.count('download="targets-2023-') == 5


@pytest.mark.parametrize(
    ("lang", "findings"),
    [
        (
            "en",
            [
                "Share of students (Underserved): 75.0% in 2023, objective at least 70%: met",
                "Women among tech instructors: no figure in 2023 (withheld: a count behind it is"
                " under 10), objective at least 40%",
                "Women among students (Tech paths): 30.0% in 2023, objective at least 25%: met"
                " within uncertainty",
                "Students who started a path (Underserved): -10% in 2023; the objective, growth"
                " over the previous year of at least 20%, applied until 2021",
                "Career outcomes: 50,000 in 2023; the objective, at least 500,000, applies from 2025",
            ],
        ),
        (
            "fr",
            [
                f"Part des étudiants (Sous-représentés){NBSP}: 75,0{NBSP}% en 2023, objectif au"
                f" moins 70{NBSP}%{NBSP}: atteint",
            ],
        ),
    ],
)
def test_each_objective_chart_is_titled_by_its_finding(lang, findings):
    html = scorecard(lang=lang).trajectory_charts().data
    titles = re.findall(r'<figcaption class="mr-chart-title">(.*?)<span', html)
    assert [unescape(title) for title in titles[: len(findings)]] == findings


def test_a_single_year_draws_no_trajectory_but_says_why():
    rows = [share(2023, "segment_share", "underserved", 750, 1000)]
    html = scorecard(rows=rows).trajectory_charts().data
    assert "<img" not in html and "covers 2023 alone" in html


def test_threshold_lines_say_their_years():
    s = scorecard()
    sixty = {"first_year": 2020, "last_year": 2022, "threshold": 0.60}
    assert s.describe_step("segment_share", ">=", sixty, 2023) == "at least 60%, 2020–2022"
    later = {"first_year": 2025, "last_year": 2030, "threshold": 500_000}
    assert s.describe_step("career_outcomes", ">=", later, 2023) == "From 2025: at least 500,000"
    growth = {"first_year": 2021, "last_year": 2021, "threshold": 0.20}
    assert (
        s.describe_step("students_in_segment", "growth_>=", growth, 2023) == "at least 20% in 2021"
    )
    french = scorecard(lang="fr")
    assert (
        french.describe_step("segment_share", ">=", sixty, 2023) == f"au moins 60{NBSP}%, 2020–2022"
    )


def test_the_trajectory_axis_holds_values_intervals_and_thresholds():
    points = pd.DataFrame(
        {
            "year": [2022, 2023],
            "value": [0.5, -0.1],
            "low": [0.45, math.nan],
            "high": [0.65, math.nan],
        }
    )
    top, bottom = find_value_range(points, [Step(2023, 2030, 0.7, "")])
    # The highest of 0.65 and 0.7, and the lowest -0.1, with 18 % of headroom.
    assert top == pytest.approx(0.7 * 1.18) and bottom == pytest.approx(-0.1 * 1.18)
    frame = points.assign(text=["50%", "-10%"], status=[None, "missed"])
    figure = plot_objective_trajectory(frame, [Step(2023, 2030, 0.7, "at least 70%")], "t", str)
    assert figure.axes[0].get_ylim() == pytest.approx((bottom, top))


def test_objectives_must_name_a_metric_of_the_kpi_file():
    check_objectives(TARGETS)
    wrong = pd.DataFrame([objective("women_in_tech", "tech", ">=", 0.25, 2023, 2030)])
    with pytest.raises(ValueError, match="women_in_tech is not a metric of the KPI file"):
        check_objectives(wrong)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_piece_shows_a_catalog_key_or_a_raw_identifier(lang):
    s = scorecard(lang=lang)
    pieces = [s.header(), s.summary(), s.scorecard_table(), s.data_gaps(), s.methods_note()]
    text = re.sub(r"<[^>]+>", " ", " ".join(p.data for p in pieces))
    assert [key for key in i18n.load_catalog(lang) if key in text] == []
    assert not re.search(
        r"\b(?:segment_share|women_share|non_underserved|students_in_segment)\b", text
    )


def test_french_table_uses_french_number_formats():
    html = scorecard(lang="fr").scorecard_table().data
    assert f"75,0{NBSP}%" in html and f"72,2{NBSP}% à 77,6{NBSP}%" in html
    assert "Rapport de mission 2023" in html and "atteint dans la marge d’incertitude" in html


def test_the_aims_of_the_reports_are_a_second_group_judged_the_same_way():
    aims = pd.DataFrame([objective("career_outcome_rate_6m", "all", ">=", 0.70, 2022, 2030)])
    rows = [*ROWS, share(2023, "career_outcome_rate_6m", "all", 480, 1000)]
    card = scorecard(rows=rows, aims=aims)
    html = card.scorecard_table("aims").data
    assert "Aims stated in the published reports" in html
    assert 'href="methods.html#metric-career_outcome_rate_6m"' in html
    # The objectives' table does not list the aim, and the aim is judged like them.
    assert "metric-career_outcome_rate_6m" not in card.scorecard_table().data
    assert list(card.evaluated_aims["status"]) == ["missed"]
    assert "No aim stated" in scorecard(aims=aims.iloc[0:0]).scorecard_table("aims").data

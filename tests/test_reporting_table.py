"""The 2022 report's reporting table: each line's status computed from the run's figures."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.figures.reporting import count_statuses, reporting_lines


def kpis(rows: list[tuple]) -> pd.DataFrame:
    """KPI rows as (metric, segment, value, suppressed)."""
    return pd.DataFrame(rows, columns=["metric", "segment", "value", "suppressed"])


def monthly(year: int, months: int) -> pd.DataFrame:
    """Monthly emissions of ``year``: ``months`` months with emissions, the rest zero."""
    return pd.DataFrame(
        {
            "series": "emissions_tco2e",
            "segment": "all",
            "period": [f"{year}-{m:02d}" for m in range(1, 13)],
            "value": [1.5 if m <= months else 0.0 for m in range(1, 13)],
        }
    )


FULL = kpis(
    [
        ("career_outcome_rate_6m", "all", 0.48, False),
        ("segment_share", "underserved", 0.75, False),
        ("graduates_with_outcome_1y", "all", 0.31, False),
        ("graduates_with_outcome_2y", "all", None, True),
        ("graduates_with_outcome_5y", "all", None, False),
        ("graduates_with_outcome_10y", "all", None, False),
        ("salary_rise_share", "all", 0.62, False),
        ("salary_change_total_eur", "all", 1_200_000.0, False),
        ("emissions_tco2e", "all", 1027.0, False),
        ("carbon_donation_eur", "all", 85000.0, False),
        ("team_budget_use", "platform", 0.9, False),
        ("team_budget_use", "workplace", 1.1, False),
    ]
)


def by_key(lines) -> dict:
    return {line.key: line for line in lines}


def test_every_line_of_the_table_in_its_order():
    lines = reporting_lines(FULL, monthly(2023, 12), 2023, (2019, 2020, 2021, 2022, 2023))
    assert [line.key for line in lines] == [
        "financial_statements",
        "outcomes_6m",
        "underserved_profile",
        "outcomes_1y",
        "outcomes_2y",
        "outcomes_5y",
        "outcomes_10y",
        "salary_rises",
        "wider_impact",
        "carbon_annual",
        "carbon_donation",
        "carbon_monthly",
        "team_budgets",
    ]
    assert [line.pillar for line in lines].count("carbon") == 4


def test_statuses_follow_the_figures_the_run_has():
    lines = by_key(reporting_lines(FULL, monthly(2023, 12), 2023, (2019, 2020, 2021, 2022, 2023)))
    assert lines["outcomes_1y"].status == "measured" and lines["outcomes_1y"].value == 0.31
    # A withheld figure is measured: the page says it is withheld.
    assert (lines["outcomes_2y"].status, lines["outcomes_2y"].withheld) == ("measured", True)
    # Graduates of 2018 and 2013 are before the data's first year, 2019.
    five, ten = lines["outcomes_5y"], lines["outcomes_10y"]
    assert (five.status, five.missing_cohort, five.measurable_from) == (
        "not_measurable_yet",
        2018,
        2024,
    )
    assert (ten.status, ten.missing_cohort, ten.measurable_from) == (
        "not_measurable_yet",
        2013,
        2029,
    )
    assert lines["wider_impact"].status == "modelled"
    assert lines["carbon_monthly"].status == "measured" and lines["carbon_monthly"].months == 12
    assert lines["team_budgets"].status == "measured"
    assert lines["financial_statements"].status == "data_absent"
    assert count_statuses(list(lines.values())) == {
        "measured": 9,
        "not_measurable_yet": 2,
        "modelled": 1,
        "data_absent": 1,
    }


def test_a_window_the_data_covers_without_a_figure_is_data_absent():
    # 2024 report on data from 2019: graduates of 2019 are covered, yet no figure came out.
    lines = by_key(
        reporting_lines(FULL, monthly(2024, 3), 2024, (2019, 2020, 2021, 2022, 2023, 2024))
    )
    assert lines["outcomes_5y"].status == "data_absent"
    assert lines["outcomes_10y"].status == "not_measurable_yet"
    assert lines["carbon_monthly"].months == 3


@pytest.mark.parametrize(
    "dropped, key",
    [
        ("team_budget_use", "team_budgets"),
        ("salary_change_total_eur", "wider_impact"),
        ("salary_rise_share", "salary_rises"),
        ("emissions_tco2e", "carbon_annual"),
    ],
)
def test_without_its_figure_a_line_says_its_data_is_absent(dropped, key):
    lines = by_key(
        reporting_lines(FULL[FULL["metric"] != dropped], monthly(2023, 12), 2023, (2019, 2023))
    )
    assert lines[key].status == "data_absent"


def test_a_year_without_carbon_lines_has_no_monthly_report():
    empty = pd.DataFrame(columns=["series", "segment", "period", "value"])
    lines = by_key(reporting_lines(FULL, empty, 2023, (2019, 2023)))
    assert lines["carbon_monthly"].status == "data_absent"
    # Another year's months do not count.
    lines = by_key(reporting_lines(FULL, monthly(2022, 12), 2023, (2019, 2023)))
    assert lines["carbon_monthly"].status == "data_absent"

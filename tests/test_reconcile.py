"""Published figures beside the computed ones, and the consistency rules between them."""

import math

import pandas as pd
import pytest

from helpers.figures.reconcile import (
    COMPARISON_COLUMNS,
    CONFLICTS_FILE,
    CONSISTENCY_RULES,
    FINDING_COLUMNS,
    PASSAGE_COLUMNS,
    REASON_COLUMNS,
    check_breakdown_sums,
    check_growth_vs_counts,
    check_published_consistency,
    check_rate_vs_numerator_denominator,
    check_same_figure_twice,
    check_share_vs_count_and_total,
    check_target_restated,
    compare_with_published,
    infer_rounding_step,
    is_within_tolerance,
    list_finding_passages,
    prepare_figures,
    read_conflicts,
    rounding_half_width,
    summarise_reconciliation,
    tolerance_for,
)

NAN = math.nan
SOURCE_2022 = "mission_report_2022"
SOURCE_2023 = "mission_report_2023"


def fig(year, metric, segment, value, unit="share", kind="actual", source=SOURCE_2022, quote=""):
    return {
        "year": year,
        "metric": metric,
        "segment": segment,
        "value": value,
        "unit": unit,
        "kind": kind,
        "source": source,
        "quote": quote or f"{metric} {segment} {value}",
        "note": "",
    }


def kpi(year, metric, segment, value, ci_low=NAN, ci_high=NAN, suppressed=False):
    return {
        "year": year,
        "section": "funnel",
        "metric": metric,
        "segment": segment,
        "value": value,
        "numerator": NAN,
        "denominator": NAN,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "suppressed": suppressed,
    }


def prepared(*figures):
    return prepare_figures(pd.DataFrame(list(figures)))


# --- rounding ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "kind", "step"),
    [
        (0.29, "share", "actual", 0.01),  # "29 %"
        (0.312, "share", "actual", 0.001),  # "31,2 %"
        (0.7, "share", "target", 0.01),  # "70 %" is a whole percent, not tens
        (0.006, "share", "actual", 0.001),  # "0,6 %"
        (0.47, "growth", "actual", 0.01),  # "+47 %"
        (44010, "count", "actual", 1),  # an actual count is exact
        (300000, "count", "approximate", 100000),  # "près de 300 000"
        (11000, "count", "approximate", 1000),  # "plus de 11 000"
    ],
)
def test_infer_rounding_step_reads_the_written_value(value, unit, kind, step):
    assert infer_rounding_step(value, unit, kind) == pytest.approx(step)


def test_rounding_half_width_is_half_a_step_or_a_whole_one_when_approximate():
    assert rounding_half_width(0.47, "growth", "actual") == pytest.approx(0.005)
    assert rounding_half_width(11000, "count", "approximate") == pytest.approx(1000)


# --- tolerances -------------------------------------------------------------------------


def test_tolerances_by_unit_and_kind():
    assert tolerance_for("share", "actual", 0.29) == 0.01
    assert tolerance_for("rate", "actual", 0.29) == 0.01
    assert tolerance_for("count", "actual", 10915) == 0.02
    assert tolerance_for("count", "approximate", 300000) == 0.05
    assert tolerance_for("share", "approximate", 0.8) == 0.02
    assert tolerance_for("points", "actual", 0.11) == 0.01
    # +70 %: 2 x 2 % x 1.70 = 6.8 points
    assert tolerance_for("growth", "actual", 0.70) == pytest.approx(0.068)


def test_is_within_tolerance_includes_the_bound():
    assert is_within_tolerance("share", "actual", 0.29, 0.30)  # exactly 1 point
    assert not is_within_tolerance("share", "actual", 0.29, 0.3001)
    assert is_within_tolerance("count", "actual", 10000, 10200)  # exactly +2 %
    assert not is_within_tolerance("count", "actual", 10000, 9790)  # -2.1 %


# --- compare_with_published --------------------------------------------------------------


def compared_status(published_rows, kpi_rows, year=2022):
    compared = compare_with_published(pd.DataFrame(published_rows), pd.DataFrame(kpi_rows), year)
    return compared.set_index(["metric", "segment"])


def test_compare_shares_in_points():
    published = [fig(2022, "admission_rate", "all", 0.29), fig(2022, "women_share", "all", 0.312)]
    kpis = [
        kpi(2022, "admission_rate", "all", 0.298, 0.29, 0.31),
        kpi(2022, "women_share", "all", 0.324, 0.31, 0.34),
    ]
    compared = compared_status(published, kpis)
    admission = compared.loc[("admission_rate", "all")]
    # 0.298 - 0.29 = 0.8 point, within 1 point
    assert admission["difference"] == pytest.approx(0.008)
    assert (admission["scale"], admission["status"]) == ("points", "within")
    assert admission["ci_low"] == 0.29
    # 0.324 - 0.312 = 1.2 points, outside
    assert compared.loc[("women_share", "all"), "status"] == "outside"


def test_compare_counts_relatively():
    published = [
        fig(2022, "students_started", "all", 10915, unit="count"),
        fig(2022, "applicants", "all", 37218, unit="count"),
    ]
    kpis = [kpi(2022, "students_started", "all", 11100), kpi(2022, "applicants", "all", 38200)]
    compared = compared_status(published, kpis)
    # 11 100 / 10 915 - 1 = +1.69 %: within 2 %
    students = compared.loc[("students_started", "all")]
    assert students["difference"] == pytest.approx(0.01695, abs=1e-5)
    assert (students["scale"], students["status"]) == ("relative", "within")
    # 38 200 / 37 218 - 1 = +2.64 %: outside
    assert compared.loc[("applicants", "all"), "status"] == "outside"


def test_compare_approximate_counts_get_five_percent():
    published = [fig(2022, "visitors_monthly_avg", "all", 300000, "count", "approximate")]
    near = compared_status(published, [kpi(2022, "visitors_monthly_avg", "all", 287000)])
    far = compared_status(published, [kpi(2022, "visitors_monthly_avg", "all", 280000)])
    # "près de 300 000": 287 000 is 4.3 % short, within 5 %; 280 000 is 6.7 % short
    assert near["status"].tolist() == ["within"]
    assert far["status"].tolist() == ["outside"]


def test_compare_approximate_shares_get_two_points():
    # "about 10 %" is met by 11.5 % but not by 15 %
    published = [fig(2022, "funding_share_individual", "all", 0.10, kind="approximate")]
    near = compared_status(published, [kpi(2022, "funding_share_individual", "all", 0.115)])
    far = compared_status(published, [kpi(2022, "funding_share_individual", "all", 0.15)])
    assert near["status"].tolist() == ["within"]
    assert far["status"].tolist() == ["outside"]


def test_approximate_figures_are_never_held_tighter_than_exact_ones():
    # A growth of +50 % written exactly allows 2 x 2 % x 1.5 = 6 points, more than the
    # 2 points of wording: the wider one holds.
    assert tolerance_for("growth", "approximate", 0.5) == pytest.approx(0.06)
    assert tolerance_for("growth", "approximate", 0.0) == pytest.approx(0.04)
    for unit, value in (("share", 0.3), ("count", 1000), ("growth", 0.075), ("eur", 85000)):
        assert tolerance_for(unit, "approximate", value) >= tolerance_for(unit, "actual", value)


def test_compare_marks_a_figure_in_conflict_whatever_its_difference():
    published = [
        fig(2022, "segment_share", "non_underserved", 0.36),
        fig(2022, "segment_share", "underserved", 0.79),
        fig(2022, "third_party_funding_share", "all", 0.90),
    ]
    conflicts = pd.DataFrame(
        [
            {
                **dict.fromkeys(REASON_COLUMNS, "adds to 115 %"),
                "year": 2022,
                "metric": "segment_share",
                "segment": "non_underserved",
                "value": 0.36,
            },
            # Another value of the same figure is not this conflict.
            {
                **dict.fromkeys(REASON_COLUMNS, "the table says 85 %"),
                "year": 2022,
                "metric": "third_party_funding_share",
                "segment": "all",
                "value": 0.95,
            },
        ]
    )
    kpis = [
        kpi(2022, "segment_share", "non_underserved", 0.21),
        kpi(2022, "segment_share", "underserved", 0.79),
        kpi(2022, "third_party_funding_share", "all", 0.85),
    ]
    compared = compare_with_published(
        pd.DataFrame(published), pd.DataFrame(kpis), 2022, conflicts
    ).set_index(["metric", "segment"])
    conflict = compared.loc[("segment_share", "non_underserved")]
    assert conflict["status"] == "conflict"
    assert conflict["difference"] == pytest.approx(-0.15)  # still measured
    assert [conflict[c] for c in REASON_COLUMNS] == ["adds to 115 %"] * len(REASON_COLUMNS)
    assert compared.loc[("segment_share", "underserved"), "status"] == "within"
    assert compared.loc[("third_party_funding_share", "all"), "status"] == "outside"
    assert compared.loc[("segment_share", "underserved"), REASON_COLUMNS[0]] == ""


def test_compare_keeps_not_computed_and_targets_out_of_conflict():
    published = [fig(2022, "corporate_clients", "all", 300, unit="count")]
    conflicts = pd.DataFrame(
        [
            {
                **dict.fromkeys(REASON_COLUMNS, "why"),
                "year": 2022,
                "metric": "corporate_clients",
                "segment": "all",
                "value": 300,
            }
        ]
    )
    compared = compare_with_published(
        pd.DataFrame(published), pd.DataFrame([kpi(2022, "x", "all", 1)]), 2022, conflicts
    )
    assert compared["status"].tolist() == ["not_computed"]
    assert compared[REASON_COLUMNS[0]].tolist() == ["why"]


def test_every_published_conflict_names_one_figure_and_says_why_in_every_language():
    conflicts = read_conflicts()
    published = prepare_figures(pd.read_csv(CONFLICTS_FILE.with_name("published_figures.csv")))
    assert len(conflicts)
    for row in conflicts.to_dict("records"):
        same = published[
            (published["year"] == row["year"])
            & (published["metric"] == row["metric"])
            & (published["segment"] == row["segment"])
            & ((published["value"] - row["value"]).abs() < 1e-9)
        ]
        assert len(same) == 1, row
        assert all(row[column].strip() for column in REASON_COLUMNS), row


def test_compare_growths_with_the_compounded_count_tolerance():
    published = [fig(2021, "apprentices_growth", "all", 0.70, unit="growth", source="003.txt")]
    # tolerance 6.8 points: +76 % is 6 points away, +78 % is 8
    near = compared_status(published, [kpi(2021, "apprentices_growth", "all", 0.76)], 2021)
    far = compared_status(published, [kpi(2021, "apprentices_growth", "all", 0.78)], 2021)
    assert near["status"].tolist() == ["within"]
    assert far["status"].tolist() == ["outside"]


def test_compare_derives_a_growth_the_kpi_file_lacks_from_its_counts():
    published = [fig(2022, "career_outcomes_growth", "all", 0.47, unit="growth")]
    kpis = [kpi(2021, "career_outcomes", "all", 14163), kpi(2022, "career_outcomes", "all", 44010)]
    row = compared_status(published, kpis).iloc[0]
    # 44 010 / 14 163 - 1 = +210.7 %, far from +47 %
    assert row["computed"] == pytest.approx(2.1074, abs=1e-4)
    assert row["status"] == "outside"
    one_year = compared_status(published, kpis[1:]).iloc[0]
    assert one_year["status"] == "not_computed"


def test_compare_statuses_without_a_comparison():
    published = [
        fig(2022, "women_instructor_share", "tech", 0.40, kind="actual"),
        fig(2022, "women_share", "tech", 0.20),
        fig(2022, "countries_with_courses", "all", 190, unit="count"),
        fig(2022, "segment_share", "underserved", 0.60, kind="target"),
        fig(2022, "employment_rate_disability_fr", "all", 0.44, kind="benchmark"),
        fig(2021, "women_share", "all", 0.21),  # another year: left out
    ]
    kpis = [
        kpi(2022, "women_instructor_share", "tech", NAN, suppressed=True),
        kpi(2022, "women_share", "tech", NAN),
        kpi(2022, "segment_share", "underserved", 0.79, 0.78, 0.80),
    ]
    compared = compared_status(published, kpis)
    assert compared["status"].to_dict() == {
        ("countries_with_courses", "all"): "not_computed",
        ("employment_rate_disability_fr", "all"): "not_compared",
        ("segment_share", "underserved"): "not_compared",
        ("women_instructor_share", "tech"): "withheld",
        ("women_share", "tech"): "no_value",
    }
    assert compared["computed"].isna().all()


def test_compare_columns_and_order_are_stable():
    published = [
        fig(2022, "women_share", "all", 0.312),
        fig(2022, "admission_rate", "all", 0.29),
        fig(2021, "admission_rate", "all", 0.30),
    ]
    compared = compare_with_published(
        pd.DataFrame(published), pd.DataFrame([kpi(2022, "x", "all", 1)])
    )
    assert list(compared.columns) == COMPARISON_COLUMNS
    assert compared[["year", "metric"]].values.tolist() == [
        [2021, "admission_rate"],
        [2022, "admission_rate"],
        [2022, "women_share"],
    ]


# --- consistency: growth against counts -----------------------------------------------


def test_growth_vs_counts_flags_the_47_percent_against_14163_and_44010():
    figures = prepared(
        fig(2021, "career_outcomes", "all", 14163, unit="count"),
        fig(2022, "career_outcomes", "all", 44010, unit="count"),
        fig(2022, "career_outcomes_growth", "all", 0.47, unit="growth"),
    )
    findings = check_growth_vs_counts(figures)
    # 44 010 / 14 163 - 1 = +210.7 %: "+47 %" does not relate these two counts.
    assert len(findings) == 1
    finding = findings[0]
    assert finding["stated"] == 0.47
    assert finding["expected"] == pytest.approx(2.1074, abs=1e-4)
    assert [f["role"] for f in finding["figures"]] == ["growth", "previous", "current"]
    assert [f["value"] for f in finding["figures"]] == [0.47, 14163, 44010]


def test_growth_vs_counts_reports_once_when_a_count_is_quoted_twice():
    figures = prepared(
        fig(2021, "career_outcomes", "all", 14163, unit="count"),
        fig(2022, "career_outcomes", "all", 44000, unit="count", kind="approximate"),
        fig(2022, "career_outcomes", "all", 44010, unit="count"),
        fig(2022, "career_outcomes_growth", "all", 0.47, unit="growth"),
    )
    findings = check_growth_vs_counts(figures)
    # "plus de 44 000" agrees with 44 010: one finding, on the exact count
    assert [f["figures"][2]["value"] for f in findings] == [44010]


@pytest.mark.parametrize(
    ("current", "flagged"),
    [
        (20820, False),  # 20 820 / 14 163 - 1 = +47.00 %
        (20880, False),  # +47.43 %, still rounds to 47 %
        (20900, True),  # +47.57 %, rounds to 48 %
    ],
)
def test_growth_vs_counts_allows_the_rounding_of_the_stated_growth(current, flagged):
    figures = prepared(
        fig(2021, "career_outcomes", "all", 14163, unit="count"),
        fig(2022, "career_outcomes", "all", current, unit="count"),
        fig(2022, "career_outcomes_growth", "all", 0.47, unit="growth"),
    )
    assert bool(check_growth_vs_counts(figures)) is flagged


def test_growth_vs_counts_names_the_apprentice_count_explicitly():
    counts = [
        fig(2020, "apprentices_active", "all", 1000, unit="count"),
        fig(2021, "apprentices_active", "all", 1700, unit="count"),
    ]
    holds = prepared(*counts, fig(2021, "apprentices_growth", "all", 0.70, unit="growth"))
    wrong = prepared(*counts, fig(2021, "apprentices_growth", "all", 0.60, unit="growth"))
    assert check_growth_vs_counts(holds) == []
    assert len(check_growth_vs_counts(wrong)) == 1


def test_growth_vs_counts_needs_both_counts():
    figures = prepared(
        fig(2022, "career_outcomes", "all", 44010, unit="count"),
        fig(2022, "career_outcomes_growth", "all", 0.47, unit="growth"),
    )
    assert check_growth_vs_counts(figures) == []


# --- consistency: share against count and total ----------------------------------------


def category_table(*rows):
    total = fig(2022, "students_started", "all", 10915, unit="count")
    figures = [total]
    for segment, count, share in rows:
        figures.append(fig(2022, "students_in_segment", segment, count, unit="count"))
        figures.append(fig(2022, "segment_share", segment, share))
    return prepared(*figures)


def test_share_vs_count_and_total_holds_within_rounding():
    # 665 / 10 915 = 6.09 % -> "6 %"; 66 / 10 915 = 0.605 % -> "0,6 %"
    figures = category_table(("priority_area", 665, 0.06), ("refugees", 66, 0.006))
    assert check_share_vs_count_and_total(figures) == []


def test_share_vs_count_and_total_flags_the_job_seekers_row():
    # 7 300 / 10 915 = 66.9 %, published as 68 %
    findings = check_share_vs_count_and_total(category_table(("job_seekers", 7300, 0.68)))
    assert len(findings) == 1
    assert (findings[0]["segment"], findings[0]["stated"]) == ("job_seekers", 0.68)
    assert findings[0]["expected"] == pytest.approx(0.66880, abs=1e-5)
    assert [f["role"] for f in findings[0]["figures"]] == ["share", "count", "total"]


def test_share_vs_count_and_total_rounds_to_nearest():
    # 3 991 / 10 915 = 36.56 %, which rounds to 37 %, not the 36 % published
    findings = check_share_vs_count_and_total(category_table(("low_qualification", 3991, 0.36)))
    assert [f["segment"] for f in findings] == ["low_qualification"]


# --- consistency: breakdowns ------------------------------------------------------------


def funding(segment, individual, public, apprenticeship, employer, other):
    shares = zip(
        ("individual", "public", "apprenticeship", "employer", "other"),
        (individual, public, apprenticeship, employer, other),
        strict=True,
    )
    return [fig(2022, f"funding_share_{kind}", segment, value) for kind, value in shares]


def test_breakdown_sums_accepts_the_published_funding_table():
    # 100 %, 99 %, 100 %: every sum within the +/- 2.5 points of five rounded parts
    figures = prepared(
        *funding("all", 0.15, 0.57, 0.13, 0.05, 0.10),
        *funding("job_seekers", 0.07, 0.78, 0.08, 0.0, 0.06),
        *funding("refugees", 0.06, 0.65, 0.21, 0.0, 0.08),
    )
    assert check_breakdown_sums(figures) == []


def test_breakdown_sums_flags_funding_shares_three_points_short():
    figures = prepared(*funding("job_seekers", 0.07, 0.78, 0.08, 0.0, 0.04))
    findings = check_breakdown_sums(figures)
    assert len(findings) == 1
    finding = findings[0]
    # 7 + 78 + 8 + 0 + 4 = 97 %, beyond 100 +/- 2.5
    assert finding["stated"] == pytest.approx(0.97)
    assert finding["tolerance"] == pytest.approx(0.025)
    assert (finding["metric"], finding["segment"]) == ("funding_types", "job_seekers")
    assert finding["key"] == "breakdown_does_not_sum_to_one"
    assert len(finding["figures"]) == 5


def test_breakdown_sums_flags_79_underserved_and_36_not_underserved():
    figures = prepared(
        fig(2022, "segment_share", "underserved", 0.79),
        fig(2022, "segment_share", "non_underserved", 0.36),
    )
    findings = check_breakdown_sums(figures)
    # 0.79 + 0.36 = 1.15, beyond 1 +/- 0.01
    assert [(f["metric"], f["stated"]) for f in findings] == [
        ("underserved_split", pytest.approx(1.15))
    ]
    assert {f["segment"] for f in findings[0]["figures"]} == {"underserved", "non_underserved"}


def test_breakdown_sums_third_party_complements_individual():
    holds = prepared(
        fig(2021, "third_party_funding_share", "all", 0.81),
        fig(2021, "funding_share_individual", "all", 0.19),
    )
    wrong = prepared(
        fig(2021, "third_party_funding_share", "all", 0.81),
        fig(2021, "funding_share_individual", "all", 0.25),
    )
    assert check_breakdown_sums(holds) == []
    assert [f["metric"] for f in check_breakdown_sums(wrong)] == ["third_party_and_individual"]


def test_breakdown_sums_with_parts_missing_only_checks_the_excess():
    under = prepared(*funding("all", 0.15, 0.57, 0.13, 0.05, 0.10)[:3])  # 85 %, parts missing
    over = prepared(*funding("all", 0.45, 0.57, 0.13, 0.05, 0.10)[:3])  # 115 % of three parts
    assert check_breakdown_sums(under) == []
    findings = check_breakdown_sums(over)
    assert [f["key"] for f in findings] == ["breakdown_parts_exceed_one"]


# --- consistency: rate against numerator and denominator --------------------------------


def test_rate_vs_numerator_denominator_admission_29_percent_holds():
    figures = prepared(
        fig(2022, "students_started", "all", 10915, unit="count"),
        fig(2022, "applicants", "all", 37218, unit="count"),
        fig(2022, "admission_rate", "all", 0.29),
    )
    # 10 915 / 37 218 = 29.3 %, which rounds to 29 %
    assert check_rate_vs_numerator_denominator(figures) == []


def test_rate_vs_numerator_denominator_flags_a_rate_the_counts_deny():
    figures = prepared(
        fig(2022, "students_started", "all", 10915, unit="count"),
        fig(2022, "applicants", "all", 37218, unit="count"),
        fig(2022, "admission_rate", "all", 0.31),
        fig(2022, "admission_rate", "job_seekers", 0.35),  # no counts for the segment
    )
    findings = check_rate_vs_numerator_denominator(figures)
    assert [(f["segment"], f["stated"]) for f in findings] == [("all", 0.31)]
    assert findings[0]["expected"] == pytest.approx(0.29327, abs=1e-5)


# --- consistency: same figure twice ----------------------------------------------------


def test_same_figure_twice_flags_values_beyond_both_roundings():
    figures = prepared(
        fig(2022, "women_share", "all", 0.312, source=SOURCE_2022),
        fig(2022, "women_share", "all", 0.30, source=SOURCE_2023),
    )
    findings = check_same_figure_twice(figures)
    # |0.312 - 0.30| = 1.2 points > 0.05 + 0.5 point
    assert len(findings) == 1
    assert [f["source"] for f in findings[0]["figures"]] == [SOURCE_2022, SOURCE_2023]


def test_same_figure_twice_accepts_roundings_of_one_value():
    figures = prepared(
        fig(2022, "women_share", "all", 0.312, source=SOURCE_2022),
        fig(2022, "women_share", "all", 0.31, source=SOURCE_2023),  # 31,2 % shown as 31 %
        fig(2022, "career_outcomes", "all", 44010, unit="count"),
        fig(2022, "career_outcomes", "all", 44000, unit="count", kind="approximate"),
        fig(2022, "women_share", "tech", 0.20),  # another segment
        fig(2021, "women_share", "all", 0.21),  # another year
    )
    assert check_same_figure_twice(figures) == []


# --- consistency: restated target ------------------------------------------------------


def test_target_restated_flags_60_then_70_percent_underserved():
    figures = prepared(
        fig(2023, "segment_share", "underserved", 0.70, kind="target", source=SOURCE_2023),
        fig(2022, "segment_share", "underserved", 0.60, kind="target", source=SOURCE_2022),
        fig(2022, "segment_share", "underserved", 0.79),  # the actual figure is no target
    )
    findings = check_target_restated(figures)
    assert len(findings) == 1
    finding = findings[0]
    assert (finding["year"], finding["stated"], finding["expected"]) == (2023, 0.70, 0.60)
    roles = [(f["role"], f["source"]) for f in finding["figures"]]
    assert roles == [("earlier", SOURCE_2022), ("later", SOURCE_2023)]


def test_target_restated_ignores_the_same_threshold_and_other_objectives():
    figures = prepared(
        fig(2021, "segment_share", "underserved", 0.60, kind="target", source="000.txt"),
        fig(2022, "segment_share", "underserved", 0.60, kind="target", source=SOURCE_2022),
        fig(2021, "students_in_segment", "underserved", 0.20, "growth", "target", "000.txt"),
    )
    assert check_target_restated(figures) == []


# --- the whole check --------------------------------------------------------------------


def test_check_published_consistency_lists_findings_in_rule_order():
    published = pd.DataFrame(
        [
            fig(2023, "segment_share", "underserved", 0.70, kind="target", source=SOURCE_2023),
            fig(2022, "segment_share", "underserved", 0.60, kind="target"),
            fig(2022, "segment_share", "underserved", 0.79),
            fig(2022, "segment_share", "non_underserved", 0.36),
            fig(2021, "career_outcomes", "all", 14163, unit="count"),
            fig(2022, "career_outcomes", "all", 44010, unit="count"),
            fig(2022, "career_outcomes_growth", "all", 0.47, unit="growth"),
            fig(2022, "students_started", "all", 10915, unit="count"),
            fig(2022, "applicants", "all", 37218, unit="count"),
            fig(2022, "admission_rate", "all", 0.29),
            fig(2022, "lost_count", "all", NAN, unit="count"),  # a figure without value
        ]
    )
    findings = check_published_consistency(published)
    assert list(findings.columns) == FINDING_COLUMNS
    assert findings["rule"].tolist() == ["growth_vs_counts", "breakdown_sums", "target_restated"]
    assert [name for name, _ in CONSISTENCY_RULES][:3] == [
        "growth_vs_counts",
        "share_vs_count_and_total",
        "breakdown_sums",
    ]
    passages = list_finding_passages(findings)
    assert list(passages.columns) == PASSAGE_COLUMNS
    assert passages.groupby("finding").size().tolist() == [3, 2, 2]
    assert passages["quote"].iloc[0] == "career_outcomes_growth all 0.47"


def test_check_published_consistency_of_an_empty_table():
    empty = pd.DataFrame(columns=list(fig(2022, "x", "all", 1)))
    findings = check_published_consistency(empty)
    assert findings.empty and list(findings.columns) == FINDING_COLUMNS
    assert list_finding_passages(findings).empty


def test_summarise_reconciliation_counts_every_status():
    compared = pd.DataFrame({"status": ["within", "within", "outside", "not_compared"]})
    findings = pd.DataFrame({"rule": ["breakdown_sums"]})
    assert summarise_reconciliation(compared, findings) == {
        "within": 2,
        "outside": 1,
        "conflict": 0,
        "withheld": 0,
        "no_value": 0,
        "not_computed": 0,
        "not_compared": 1,
        "inconsistencies": 1,
    }

"""The one function that decides every verdict: the interval suits the samples compared,
and a printed interval agrees with its verdict."""

import math

import pytest

from helpers.figures import stats, verdicts
from helpers.pages import i18n
from helpers.pages.sections import Kpi, compare_groups, compare_years

statsmodels_proportion = pytest.importorskip("statsmodels.stats.proportion")


def statsmodels_newcombe(k1, n1, k2, n2):
    return statsmodels_proportion.confint_proportions_2indep(
        k1, n1, k2, n2, method="newcomb", compare="diff"
    )


def kpi(segment, numerator, denominator, metric="into_work_rate", year=2023):
    low, high = stats.wilson_interval(numerator, denominator)
    return Kpi(metric, segment, year, numerator / denominator, numerator, denominator, low, high)


# The 2023 figures of the embedded data the impact page compares: into work, each group
# against every respondent not in work at application (1,154 of 2,612).
ALL_2023 = (1154, 2612)


def test_a_group_against_all_students_is_compared_with_the_other_students():
    underserved = verdicts.decide((1034, 2298), ALL_2023, verdicts.REST)
    assert underserved.reference == (120, 314)
    assert underserved.reading == "above"
    assert (round(underserved.low * 100, 1), round(underserved.high * 100, 1)) == (0.9, 12.4)
    job_seekers = verdicts.decide((910, 2171), ALL_2023, verdicts.REST)
    assert job_seekers.reading == "below"
    assert (round(job_seekers.low * 100, 1), round(job_seekers.high * 100, 1)) == (-18.4, -8.3)
    # Against the whole, with an interval made for independent samples, both read
    # "no clear gap": the wrong comparison the pages no longer draw.
    for group in ((1034, 2298), (910, 2171)):
        assert not verdicts.decide(group, ALL_2023, verdicts.INDEPENDENT).clear


def test_the_pages_compare_a_group_with_the_rest_of_all_and_refuse_overlapping_groups():
    change = compare_groups(kpi("underserved", 1034, 2298), kpi("all", *ALL_2023))
    assert change.clear and change.verdict.comparison == verdicts.REST
    assert change.value == pytest.approx(1034 / 2298 - 120 / 314)
    # Two categories may share people: neither independent nor nested, no verdict.
    assert compare_groups(kpi("job_seekers", 910, 2171), kpi("refugees", 50, 120)) is None
    # Categories against the students of no category share nobody.
    disjoint = compare_groups(kpi("job_seekers", 910, 2171), kpi("non_underserved", 120, 314))
    assert disjoint.verdict.comparison == verdicts.INDEPENDENT
    # One figure in two years: different people.
    years = compare_years(kpi("all", 1154, 2612), kpi("all", 1000, 2500, year=2022))
    assert years.verdict.comparison == verdicts.INDEPENDENT


@pytest.mark.parametrize(
    ("group", "reference"),
    [((1034, 2298), (120, 314)), ((3, 40), (0, 12)), ((40, 40), (1, 9)), ((0, 5), (7, 7))],
)
def test_independent_verdicts_equal_statsmodels_newcombe(group, reference):
    verdict = verdicts.decide(group, reference)
    low, high = statsmodels_newcombe(*group, *reference)
    assert (verdict.low, verdict.high) == (pytest.approx(low), pytest.approx(high))


def test_the_comparison_between_segments():
    assert verdicts.comparison_between("refugees", "all") == verdicts.REST
    assert verdicts.comparison_between("refugees", "underserved") == verdicts.REST
    assert verdicts.comparison_between("refugees", "non_underserved") == verdicts.INDEPENDENT
    assert verdicts.comparison_between("apprentices", "non_apprentices") == verdicts.INDEPENDENT
    assert verdicts.comparison_between("refugees", "disability") is None
    assert verdicts.comparison_between("all", "all") is None


def test_rest_counts_that_cannot_hold_the_group_give_no_verdict():
    assert verdicts.decide((30, 100), (20, 400), verdicts.REST) is None
    assert verdicts.decide((30, 100), (30, 100), verdicts.REST) is None  # nobody else


def test_a_paired_verdict_uses_the_paired_interval():
    verdict = verdicts.decide_paired_counts(50, 5, 20, 25)
    low, high = stats.paired_newcombe_interval(50, 20, 5, 25)
    assert (verdict.low, verdict.high) == (low, high)
    assert verdict.value == pytest.approx(0.15) and verdict.reading == "above"
    assert verdicts.decide_paired(0.1, math.nan, math.nan) is None


@pytest.mark.parametrize(
    ("low", "high", "decimals"),
    [
        (0.0004, 0.02, 2),  # clear: "+0.04 pp", never "0.0 pp"
        (-0.0003, 0.02, 2),  # unclear: "-0.03 pp", never "-0.0 pp"
        (0.00004, 0.02, 3),
        (0.001, 0.02, 1),
        (0.0, 0.02, 1),
        (-0.02, -0.0006, 1),
    ],
)
def test_an_interval_is_printed_with_the_decimals_its_verdict_needs(low, high, decimals):
    assert verdicts.interval_decimals(low, high) == decimals


@pytest.mark.parametrize(
    ("lang", "clear", "unclear", "plain"),
    [
        ("en", "+0.04 pp to +1.99 pp", "-0.03 pp to +2.00 pp", "+1.2 "),
        ("fr", "+0,04\u00a0pt à +1,99\u00a0pt", "-0,03\u00a0pt à +2,00\u00a0pts", "+1,2\u00a0"),
    ],
)
def test_a_printed_interval_agrees_with_its_verdict(lang, clear, unclear, plain):
    # Larger than chance: never printed "0.0 pp to +2.0 pp".
    assert i18n.format_points_interval(0.0004, 0.0199, lang) == clear
    # Not larger than chance: never printed "-0.0 pp".
    assert i18n.format_points_interval(-0.0003, 0.02, lang) == unclear
    # Well away from zero: one decimal.
    assert i18n.format_points_interval(0.012, 0.031, lang).startswith(plain)


# --- every verdict of a built report ------------------------------------------------------


def replay_pages(folder, year, lang="en"):
    """Run the code of every section notebook in this process on a built report's run
    data, the way the report runs them, and return every verdict decided."""
    import json
    from unittest import mock

    from helpers.core.paths import ROOT
    from helpers.pages.sections import SECTIONS

    with verdicts.recording() as drawn, mock.patch("IPython.display.display"):
        for name in SECTIONS:
            notebook = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text("utf-8"))
            cells = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
            scope: dict = {}
            exec(cells[0], scope)  # the parameters, then the run's own
            scope.update(year=year, lang=lang, output_dir=str(folder / "run-data"))
            for cell in cells[1:]:
                exec(cell, scope)
    return drawn


@pytest.mark.slow
def test_every_verdict_of_a_built_report_equals_statsmodels_on_the_published_counts(
    tmp_path_factory,
):
    import pandas as pd
    from report_runs import SMOKE_YEAR, build_smoke_report

    smoke = build_smoke_report(tmp_path_factory.getbasetemp())
    assert smoke.result.returncode == 0, smoke.result.stderr
    history = pd.read_csv(smoke.folder / "run-data" / "kpis_history.csv")
    published = {
        (int(r.numerator), int(r.denominator))
        for r in history.itertuples()
        if not pd.isna(r.numerator) and not pd.isna(r.denominator)
    }
    paired = {
        (round(r.value, 6), round(r.ci_low, 6), round(r.ci_high, 6))
        for r in history[history["metric"] == "employment_change"].itertuples()
        if not pd.isna(r.ci_low)
    }
    drawn = replay_pages(smoke.folder, SMOKE_YEAR)
    # A small dataset withholds most impact figures: its paired changes may all go.
    assert verdicts.INDEPENDENT in {v.comparison for v in drawn}
    for verdict in drawn:
        if verdict.comparison == verdicts.PAIRED:
            # The paired interval is the one the KPI file publishes for the figure.
            assert (
                round(verdict.value, 6),
                round(verdict.low, 6),
                round(verdict.high, 6),
            ) in paired
            continue
        (k1, n1), (k2, n2) = verdict.group, verdict.reference
        assert (k1, n1) in published
        whole = (k1 + k2, n1 + n2) if verdict.comparison == verdicts.REST else (k2, n2)
        assert whole in published  # the reference (the whole, for a group and the rest)
        low, high = statsmodels_newcombe(k1, n1, k2, n2)
        assert (verdict.low, verdict.high) == (pytest.approx(low), pytest.approx(high))
        assert verdict.clear == (low > 0 or high < 0)


# (successes, people, threshold): shares around a 70 % objective, small and large groups.
OBJECTIVE_CASES = [
    (14, 20, 0.70),
    (15, 20, 0.70),
    (13, 20, 0.70),
    (7, 20, 0.70),
    (19, 20, 0.70),
    (760, 1000, 0.70),
    (720, 1000, 0.70),
    (690, 1000, 0.70),
    (640, 1000, 0.70),
    (3, 40, 0.40),
]


@pytest.mark.parametrize("comparator", [">=", "<="])
@pytest.mark.parametrize(("k", "n", "threshold"), OBJECTIVE_CASES)
def test_an_objectives_status_is_read_from_statsmodels_wilson_interval(k, n, threshold, comparator):
    from helpers.figures.objectives import judge_status

    low, high = statsmodels_proportion.proportion_confint(k, n, alpha=0.05, method="wilson")
    value = k / n
    # The status as the methods page states it, from statsmodels' interval alone.
    reaches = value >= threshold if comparator == ">=" else value <= threshold
    if comparator == ">=":
        sure = low >= threshold if reaches else high < threshold
    else:
        sure = high <= threshold if reaches else low > threshold
    expected = ("met" if reaches else "missed") + ("" if sure else "_within_uncertainty")
    ours_low, ours_high = stats.wilson_interval(k, n)
    assert judge_status(comparator, threshold, value, ours_low, ours_high) == expected


def test_an_objectives_standing_is_decided_where_every_verdict_is():
    # The standing of a share of 75 % (interval 53 % to 89 %) against 70 %: met, but
    # chance alone could explain it; the objective's status says the same.
    from helpers.figures.objectives import judge_status

    low, high = stats.wilson_interval(15, 20)
    assert verdicts.against_threshold(0.75, 0.70, low, high) == "met_within_uncertainty"
    assert judge_status(">=", 0.70, 0.75, low, high) == "met_within_uncertainty"
    assert verdicts.against_threshold(0.75, 0.70, math.nan, math.nan) == "met"

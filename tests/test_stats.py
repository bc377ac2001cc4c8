"""Intervals and disclosure control, checked against published and hand-worked values."""

import math

import pandas as pd
import pytest

from helpers.figures import stats


def test_wilson_interval_matches_newcombe_1998_example():
    # Newcombe (1998), single proportion, example 81/263: score interval 0.2553 to 0.3662.
    low, high = stats.wilson_interval(81, 263)
    assert low == pytest.approx(0.2553, abs=5e-5)
    assert high == pytest.approx(0.3662, abs=5e-5)


def test_wilson_interval_of_zero_successes_by_hand():
    # With k = 0 the upper bound is z^2 / (n + z^2); z = 1.959964, z^2 = 3.841459.
    low, high = stats.wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(3.841459 / 13.841459, abs=1e-6)


def test_wilson_interval_of_all_successes_mirrors_zero():
    low, high = stats.wilson_interval(10, 10)
    assert high == 1.0
    assert low == pytest.approx(1 - 3.841459 / 13.841459, abs=1e-6)


def test_wilson_interval_without_trials_has_no_bounds():
    assert all(math.isnan(b) for b in stats.wilson_interval(0, 0))


def test_newcombe_interval_matches_newcombe_1998_example():
    # Newcombe (1998), difference of independent proportions, 56/70 - 48/80, method 10:
    # 0.0524 to 0.3339.
    low, high = stats.newcombe_interval(56, 70, 48, 80)
    assert low == pytest.approx(0.0524, abs=5e-5)
    assert high == pytest.approx(0.3339, abs=5e-5)


def test_gap_is_called_only_when_interval_excludes_zero():
    assert stats.gap_excludes_zero(56, 70, 48, 80)  # interval 0.0524 to 0.3339
    assert stats.gap_excludes_zero(48, 80, 56, 70)  # the same gap the other way round
    assert not stats.gap_excludes_zero(6, 10, 5, 10)  # 0.6 vs 0.5 on ten people each
    assert not stats.gap_excludes_zero(1, 1, 0, 0)  # an empty group has no gap


@pytest.mark.parametrize(
    ("count", "min_cell", "small"),
    [
        (0, 10, False),
        (1, 10, True),
        (9, 10, True),
        (10, 10, False),
        (1, 1, False),
        (None, 10, False),
    ],
)
def test_small_counts_at_the_boundaries(count, min_cell, small):
    assert stats.is_small(count, min_cell) is small


@pytest.mark.parametrize(
    ("numerator", "denominator", "withheld"),
    [
        (10, 20, False),  # 10, 20 and the complement 10 are all shown
        (9, 20, True),  # small numerator
        (11, 21, False),  # complement 10
        (10, 19, True),  # small complement: 9 people lack the trait
        (0, 20, False),  # a zero is shown, and the complement is 20
        (20, 20, False),  # complement 0 is shown
        (0, 0, False),  # no denominator: no value, nothing withheld
        (3, 5, True),  # small denominator
    ],
)
def test_rate_is_withheld_when_numerator_denominator_or_complement_is_small(
    numerator, denominator, withheld
):
    assert stats.withholds_rate(numerator, denominator, 10) is withheld


def test_nothing_is_withheld_with_min_cell_one():
    assert not stats.withholds_rate(1, 2, 1)
    assert not stats.withholds_count(1, 1)
    assert not stats.withholds_derived([1, 2, 3], 1)


def test_derived_figure_is_withheld_when_any_count_behind_it_is_small():
    assert stats.withholds_derived([120, 9], 10)
    assert not stats.withholds_derived([120, 10, 0], 10)


def _shares(numerators, denominator=100, withheld=()):
    return pd.DataFrame(
        {
            "metric": [f"share_{i}" for i in range(len(numerators))],
            "segment": "all",
            "value": [n / denominator for n in numerators],
            "numerator": numerators,
            "denominator": denominator,
            "ci_low": 0.0,
            "ci_high": 1.0,
            "suppressed": [i in withheld for i in range(len(numerators))],
        }
    ).astype({"value": "Float64", "numerator": "Int64", "denominator": "Int64"})


def test_secondary_suppression_withholds_the_next_smallest_and_blanks_it():
    frame = stats.blank_withheld(_shares([3, 20, 12, 15, 50], withheld={0}))
    out = stats.suppress_secondary(frame, [stats.Breakdown((0, 1, 2, 3, 4), "numerator")])
    assert out["suppressed"].tolist() == [True, False, True, False, False]
    assert out.loc[2, ["value", "numerator", "denominator", "ci_low", "ci_high"]].isna().all()
    assert out.loc[1, "numerator"] == 20


def test_secondary_suppression_breaks_ties_by_breakdown_order():
    frame = _shares([2, 3, 3, 92], withheld={0})
    out = stats.suppress_secondary(frame, [stats.Breakdown((0, 2, 1, 3), "numerator")])
    # rows 1 and 2 tie at 3; row 2 comes first in the breakdown
    assert out["suppressed"].tolist() == [True, False, True, False]


def test_secondary_suppression_leaves_breakdowns_with_two_withheld_alone():
    frame = _shares([3, 4, 40, 53], withheld={0, 1})
    out = stats.suppress_secondary(frame, [stats.Breakdown((0, 1, 2, 3), "numerator")])
    assert out["suppressed"].tolist() == [True, True, False, False]


def test_secondary_suppression_cascades_into_an_overlapping_breakdown():
    frame = _shares([3, 12, 85, 40], withheld={0})
    breakdowns = [
        stats.Breakdown((0, 1, 2), "numerator"),  # withholds row 1
        stats.Breakdown((1, 3), "numerator"),  # which exposes row 3
    ]
    out = stats.suppress_secondary(frame, breakdowns)
    assert out["suppressed"].tolist() == [True, True, False, True]


def test_secondary_suppression_skips_figures_without_value():
    frame = _shares([3, 0, 97], withheld={0})
    frame.loc[1, ["value", "numerator", "denominator"]] = pd.NA  # a 0/0 rate
    out = stats.suppress_secondary(frame, [stats.Breakdown((0, 1, 2), "numerator")])
    assert out["suppressed"].tolist() == [True, False, True]


# --- the group rule -----------------------------------------------------------------------


def test_the_group_rule_withholds_a_third_share_when_two_withheld_add_up_to_a_small_count():
    # 4 individual-funded and 5 other-funded of 66: the shown shares give 66 - 43 - 14 - 0 = 9.
    frame = stats.blank_withheld(_shares([4, 43, 14, 0, 5], denominator=66, withheld={0, 4}))
    breakdown = stats.Breakdown((0, 1, 2, 3, 4), "numerator")
    assert stats.recovered_sums(frame, breakdown) == {"numerator": 9}
    out = stats.suppress_secondary(frame, [breakdown], min_cell=10)
    # The smallest share with someone in it goes, not the zero: hiding it adds nothing.
    assert out["suppressed"].tolist() == [True, False, True, False, True]
    assert stats.recovered_sums(out, breakdown) == {"numerator": 23}
    # Without a threshold the group rule is not applied (as per-metric passes run).
    untouched = stats.suppress_secondary(frame, [breakdown])
    assert untouched["suppressed"].tolist() == [True, False, False, False, True]


def test_the_group_rule_goes_on_until_the_withheld_sum_is_no_longer_small():
    frame = stats.blank_withheld(_shares([2, 3, 1, 4, 90], withheld={0, 1, 2, 3}))
    out = stats.suppress_secondary(frame, [stats.Breakdown((0, 1, 2, 3, 4), "numerator")], 20)
    assert out["suppressed"].all()


def test_a_zero_is_withheld_only_when_no_figure_with_a_count_is_left():
    frame = stats.blank_withheld(_shares([3, 0, 97], withheld={0}))
    out = stats.suppress_secondary(frame, [stats.Breakdown((0, 1, 2), "numerator")], 10)
    assert out["suppressed"].tolist() == [True, False, True]


def _counts(values, withheld):
    return pd.DataFrame(
        {
            "metric": "students",
            "segment": ["all", "part", "other"][: len(values)],
            "value": values,
            "numerator": pd.NA,
            "denominator": pd.NA,
            "suppressed": [i in withheld for i in range(len(values))],
        }
    ).astype({"value": "Float64", "numerator": "Int64", "denominator": "Int64"})


def test_a_margin_row_is_never_withheld_by_the_group_rule():
    frame = stats.blank_withheld(_counts([30.0, 4.0, 26.0], withheld={1}))
    breakdown = stats.Breakdown((0, 1, 2), "value", margin=0)
    out = stats.suppress_secondary(frame, [breakdown], 10)
    assert out["suppressed"].tolist() == [False, True, True]
    assert stats.recovered_sums(out, breakdown) == {"value": 30}


def test_rates_by_group_check_the_people_with_and_without_the_trait():
    frame = pd.DataFrame(
        {
            "value": [0.1, 0.08, 0.5, 0.12],
            "numerator": [20, 4, 5, 11],
            "denominator": [200, 50, 10, 90],
            "suppressed": [False, True, True, False],
        }
    ).astype({"value": "Float64", "numerator": "Int64", "denominator": "Int64"})
    frame = stats.blank_withheld(frame)
    breakdown = stats.Breakdown((0, 1, 2, 3), "denominator", margin=0)
    # 60 people withheld, but only 9 of them with the trait: small.
    assert stats.recovered_sums(frame, breakdown) == {
        "numerator": 9,
        "denominator": 110,
        "complement": 101,
    }
    out = stats.suppress_secondary(frame, [breakdown], 10)
    assert out["suppressed"].tolist() == [False, True, True, True]


def test_months_use_the_total_of_the_year():
    frame = _shares([4, 3, 0, 50, 60], withheld={0, 1})
    frame[["numerator", "denominator"]] = pd.NA
    frame["value"] = pd.array([4, 3, 0, 50, 60], dtype="Float64")
    breakdown = stats.Breakdown((0, 1, 2, 3, 4), "value", total=117)
    out = stats.suppress_secondary(frame, [breakdown], 10)
    assert out["suppressed"].tolist() == [True, True, False, True, False]


# Method 10 of Newcombe (1998), Statistics in Medicine 17:2635-2650, Table III: the
# paper's worked examples (a, b, c, d) and the interval it prints for (b - c) / n.
NEWCOMBE_PAIRED_EXAMPLES = [
    ((36, 12, 2, 0), (0.0569, 0.3404)),
    ((20, 12, 2, 16), (0.0562, 0.3292)),
    ((18, 12, 2, 18), (0.0562, 0.3290)),
    ((36, 14, 0, 0), (0.1528, 0.4167)),
    ((35, 14, 0, 1), (0.1461, 0.4175)),
    ((18, 14, 0, 18), (0.1441, 0.3963)),
    ((2, 97, 1, 0), (0.8721, 0.9854)),
]


@pytest.mark.parametrize(("table", "printed"), NEWCOMBE_PAIRED_EXAMPLES)
def test_paired_newcombe_interval_reproduces_the_paper(table, printed):
    low, high = stats.paired_newcombe_interval(*table)
    assert (round(low, 4), round(high, 4)) == printed


def test_paired_newcombe_interval_by_hand():
    # First example: a=36, b=12, c=2, d=0, n=50; p1 = 48/50, p2 = 38/50, difference 0.2.
    # ad - bc = -24 < 0: phi = -24 / sqrt(48 * 2 * 38 * 12), no correction.
    z = 1.959963984540054

    def wilson(x, n):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return centre - half, centre + half

    (l1, u1), (l2, u2) = wilson(48, 50), wilson(38, 50)
    p1, p2, phi = 0.96, 0.76, -24 / math.sqrt(48 * 2 * 38 * 12)
    low = 0.2 - math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2)
    high = 0.2 + math.sqrt((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2)
    assert (round(low, 4), round(high, 4)) == (0.0569, 0.3404)
    assert stats.paired_newcombe_interval(36, 12, 2, 0) == (
        pytest.approx(low),
        pytest.approx(high),
    )


def test_paired_phi_is_corrected_when_positive():
    # a=20, b=12, c=2, d=16, n=50: ad - bc = 320 - 24 = 296 > 0, reduced by n/2 to 271.
    phi = stats._paired_phi(20, 12, 2, 16)
    assert phi == pytest.approx(271 / math.sqrt(32 * 18 * 22 * 28))
    # An empty margin (c + d = 0): no correlation.
    assert stats._paired_phi(36, 14, 0, 0) == 0.0
    assert math.isnan(stats.paired_newcombe_interval(0, 0, 0, 0)[0])


def test_median_interval_by_hand():
    # n = 10: P(B <= 1) = 11/1024 = 0.0107 < 0.025 <= P(B <= 2) = 56/1024, so l = 2 and the
    # interval runs from the 2nd to the 9th smallest value.
    values = [7, 1, 9, 3, 10, 2, 8, 4, 6, 5]
    assert stats.median_rank_bound(10) == 2
    assert stats.median_interval(values) == (2.0, 9.0)
    # n = 6: P(B <= 0) = 1/64 < 0.025 <= 7/64: from the smallest to the largest.
    assert stats.median_interval([4, 1, 6, 2, 5, 3]) == (1.0, 6.0)
    # n = 5: P(B <= 0) = 1/32 >= 0.025: l = 0, no interval.
    assert stats.median_rank_bound(5) == 0
    assert all(math.isnan(b) for b in stats.median_interval([1, 2, 3, 4, 5]))


def test_wilson_interval_equals_scipy_stats_on_a_grid():
    from scipy import stats as scipy_stats

    for trials in [*range(1, 60), 99, 263, 1000, 12_345, 2_000_000]:
        for successes in sorted(
            {0, 1, 2, trials // 3, trials // 2, trials - 1, trials} & set(range(trials + 1))
        ):
            for confidence in (0.8, 0.95, 0.99):
                ours = stats.wilson_interval(successes, trials, confidence)
                ci = scipy_stats.binomtest(successes, trials).proportion_ci(
                    confidence_level=confidence, method="wilson"
                )
                expected = (max(0.0, float(ci.low)), min(1.0, float(ci.high)))
                assert abs(ours[0] - expected[0]) <= 1e-12, (successes, trials, confidence)
                assert abs(ours[1] - expected[1]) <= 1e-12, (successes, trials, confidence)


def test_median_rank_bound_equals_the_scipy_stats_binomial_one():
    from scipy import stats as scipy_stats

    for n in range(0, 400):
        tail = (1 - stats.CONFIDENCE) / 2
        expected = (
            0
            if n == 0
            else next(k for k in range(n + 1) if scipy_stats.binom.cdf(k, n, 0.5) >= tail)
        )
        assert stats.median_rank_bound(n) == expected, n


def test_the_figures_do_not_import_scipy_stats():
    import subprocess
    import sys

    code = "import sys, helpers.figures.stats; print('scipy.stats' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"

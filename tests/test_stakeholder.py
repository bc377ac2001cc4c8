"""The stakeholder estimate: parameters checked, parts computed by hand."""

import math

import pandas as pd
import pytest

from helpers.figures import stakeholder


def parameters(**changes) -> pd.DataFrame:
    rows = {
        stakeholder.ALLOWANCE: (10000.0, 12000.0),
        stakeholder.INDEMNIFIED: (0.4, 0.8),
        stakeholder.CONTRIBUTIONS: (0.2, 0.5),
        **changes,
    }
    return pd.DataFrame(
        [
            {
                "parameter": p,
                "low": lo,
                "high": hi,
                **dict.fromkeys(stakeholder.PARAMETER_COLUMNS[3:], "x"),
            }
            for p, (lo, hi) in rows.items()
        ]
    )


def test_the_parts_multiply_measured_figures_by_the_parameters():
    allowances, contributions, total = stakeholder.estimate(100, 50000.0, parameters())
    # 100 people x 0.4 x 10 000 = 400 000; 100 x 0.8 x 12 000 = 960 000.
    assert (allowances.low, allowances.high) == (pytest.approx(400000), pytest.approx(960000))
    # 50 000 x 0.2 = 10 000; 50 000 x 0.5 = 25 000.
    assert (contributions.low, contributions.high) == (pytest.approx(10000), pytest.approx(25000))
    assert (total.low, total.high) == (pytest.approx(410000), pytest.approx(985000))


def test_a_fall_in_salaries_keeps_low_below_high():
    _, contributions, _ = stakeholder.estimate(0, -10000.0, parameters())
    assert (contributions.low, contributions.high) == (pytest.approx(-5000), pytest.approx(-2000))


def test_a_withheld_figure_leaves_its_part_and_the_total_out():
    allowances, contributions, total = stakeholder.estimate(math.nan, 50000.0, parameters())
    assert not allowances.computable and contributions.computable and not total.computable


def test_the_shipped_parameters_are_sourced_and_ordered():
    table = stakeholder.read_parameters()
    assert set(table["parameter"]) >= {
        stakeholder.ALLOWANCE,
        stakeholder.INDEMNIFIED,
        stakeholder.CONTRIBUTIONS,
    }
    assert (table["low"] <= table["high"]).all()
    assert table["source_title"].str.len().gt(0).all()


def test_a_broken_parameter_table_is_refused_in_one_line(tmp_path):
    table = parameters(**{stakeholder.INDEMNIFIED: (0.9, 0.8)})
    path = tmp_path / "impact_parameters.csv"
    table.to_csv(path, index=False)
    with pytest.raises(stakeholder.ParameterError, match="low must not exceed high"):
        stakeholder.read_parameters(path)

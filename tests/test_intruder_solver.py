"""The intruder's programs: HiGHS through its own interface, each program started from
the basis of the one before, finds the ranges ``scipy.optimize.linprog`` finds, and the
published counts it says a range rests on are enough to pin it down that far.

The programs are random but of the check's kind: cells of whole people, published counts
that are sums of cells (some published twice), each cell bounded by the smallest count it
is part of, and cells in no published count unbounded.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from helpers.figures import intruder
from helpers.figures.intruder import _Program, _Screen, _upper_bounds


def published(seed: int) -> tuple[list[np.ndarray], list[float], np.ndarray, np.ndarray]:
    """Random cells, the counts published over them and each cell's bound."""
    rng = np.random.default_rng(seed)
    width = int(rng.integers(4, 30))
    cells = rng.integers(0, 12, width).astype(float)
    cells[rng.random(width) < 0.2] = 0  # people of some types are nobody
    rows = [(rng.random(width) < rng.uniform(0.1, 0.6)).astype(float) for _ in range(width // 2)]
    rows = [r for r in rows if r.any()]
    rows += [rows[i] for i in rng.integers(0, len(rows), 2)]  # a count published twice
    values = [float(r @ cells) for r in rows]
    upper = np.full(width, math.inf)
    for row, value in zip(rows, values, strict=True):
        upper[row > 0] = np.minimum(upper[row > 0], value)
    return rows, values, upper, cells


def reference_range(
    target: np.ndarray, rows: list[np.ndarray], values: list[float], upper: np.ndarray
) -> tuple[float, float]:
    """The range of the target's sum as ``scipy.optimize.linprog`` finds it."""
    a_eq = np.vstack(rows) if rows else None
    b_eq = np.array(values) if rows else None
    bounds = list(
        zip(np.zeros(len(upper)), [None if math.isinf(u) else u for u in upper], strict=True)
    )
    c = target.astype(float)
    low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if low.status == 3 or high.status == 3:  # unbounded
        return -math.inf, math.inf
    assert low.success and high.success
    return float(low.fun), float(-high.fun)


@pytest.mark.parametrize("seed", range(30))
def test_ranges_are_linprogs_and_rest_on_the_counts_named(seed):
    rows, values, upper, cells = published(seed)
    program = _Program(rows, values, upper)
    rng = np.random.default_rng(1000 + seed)
    for _ in range(8):  # targets in turn, each solved from the last one's basis
        target = rng.random(len(cells)) < 0.3
        true = float(cells @ target)
        low, high, used, solutions = program.range(target, true, math.inf)
        expected = reference_range(target, rows, values, upper)
        assert (low, high) == pytest.approx(expected, abs=1e-6)
        if math.isinf(high) or not target.any():
            continue
        for x in solutions:  # every solution keeps every published count and bound
            assert np.vstack(rows) @ x == pytest.approx(values, abs=1e-6)
            assert (x >= -1e-9).all() and (x <= upper + 1e-9).all()
        # The counts a range rests on pin the target down that far on their own.
        kept = [rows[i] for i in used]
        alone = reference_range(target, kept, [values[i] for i in used], upper)
        assert alone == pytest.approx((low, high), abs=1e-6)


def test_a_target_wide_above_its_true_sum_is_not_sought_below():
    rows, values, upper, cells = published(3)
    target = np.ones(len(cells), dtype=bool)
    low, high, used, solutions = _Program(rows, values, upper).range(target, cells.sum(), 0)
    assert low == cells.sum() and len(solutions) == 1 and used == ()


def test_a_count_of_published_counts_names_them():
    rows = [np.array([1.0, 1, 0, 0]), np.array([0.0, 0, 1, 1]), np.array([0.0, 1, 1, 0])]
    screen = _Screen(rows, np.array([2.0, 3, 3, 4]), np.array([5.0, 5, 6, 7]))
    everyone = np.ones(4, dtype=bool)
    assert screen.sweep(everyone) is None  # the first two counts add up to it
    assert screen.combination(everyone) == (0, 1)
    weights = np.linalg.lstsq(np.vstack(rows).T, everyone.astype(float), rcond=None)[0]
    assert screen.combination(everyone) == tuple(np.flatnonzero(np.abs(weights) > 1e-9))


@pytest.mark.parametrize("seed", range(20))
def test_whole_people_ranges_are_those_of_every_whole_solution(seed):
    """Against enumeration: every way to put whole people in the cells that keeps the
    published counts."""
    rng = np.random.default_rng(seed)
    width = int(rng.integers(3, 7))
    cells = rng.integers(0, 4, width).astype(float)
    rows = [(rng.random(width) < 0.5).astype(float) for _ in range(width - 1)]
    rows = [r for r in rows if r.any()] or [np.ones(width)]
    values = [float(r @ cells) for r in rows]
    upper = np.full(width, 6.0)
    for row, value in zip(rows, values, strict=True):
        upper[row > 0] = np.minimum(upper[row > 0], value)
    grid = np.stack(np.meshgrid(*[np.arange(u + 1) for u in upper]), -1).reshape(-1, width)
    grid = grid[(grid @ np.vstack(rows).T == values).all(axis=1)]
    target = rng.random(width) < 0.5
    if not target.any():
        target[0] = True
    low, high, solutions = _Program(rows, values, upper).integer_range(target)
    sums = grid @ target
    assert (low, high) == (sums.min(), sums.max())
    assert [x @ target for x in solutions] == [low, high]
    assert all(any((x == point).all() for point in grid) for x in solutions)


def test_the_programs_print_nothing(capfd):
    rows, values, upper, cells = published(5)
    program = _Program(rows, values, upper)
    program.range(np.ones(len(cells), dtype=bool), cells.sum(), math.inf)
    program.integer_range(np.ones(len(cells), dtype=bool))
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("seed", range(20))
def test_released_counts_are_as_if_never_published_until_restored(seed):
    rows, values, upper, cells = published(seed)
    program = _Program(rows, values, upper)
    rng = np.random.default_rng(2000 + seed)
    released = sorted(int(i) for i in np.flatnonzero(rng.random(len(rows)) < 0.4))
    kept = [i for i in range(len(rows)) if i not in released]
    target = rng.random(len(cells)) < 0.3
    target[0] = True
    before = program.range(target, float(cells @ target), math.inf)[:2]
    program.release(released)
    # Without those counts, and without the bounds they set on their cells.
    kept_rows, kept_values = [rows[i] for i in kept], [values[i] for i in kept]
    bounds = _upper_bounds(kept_rows, kept_values) if kept_rows else np.full(len(cells), math.inf)
    expected = reference_range(target, kept_rows, kept_values, bounds)
    assert program.range(target, float(cells @ target), math.inf)[:2] == pytest.approx(expected)
    program.restore(released)
    assert program.range(target, float(cells @ target), math.inf)[:2] == pytest.approx(before)


@pytest.mark.parametrize("segment", ["all", ("all", 2021)], ids=["a year's", "a followed year's"])
def test_a_withheld_figure_whose_counts_are_both_pinned_is_exposed(segment):
    # A withheld share of 20 in 50, both counts published by other figures: its value is
    # recovered, whether its segment is a year's own or one a later year names with the
    # year of its rules (the graduates followed over the years).
    from helpers.figures.audit_populations import segment_name

    types = pd.DataFrame({"n": [20, 30]})
    numerator, denominator = np.array([True, False]), np.array([True, True])
    label = f"m/{segment_name(segment)}"
    targets = [
        intruder.Target(f"{label} denominator", denominator, 50, ("m", segment)),
        intruder.Target(f"{label} numerator", numerator, 20, ("m", segment)),
    ]
    rows = [denominator.astype(float), numerator.astype(float)]
    exposed = intruder.find_exposed(targets, rows, [50.0, 20.0], types, 5)
    assert [f.label for f in exposed] == [f"{label} denominator"]

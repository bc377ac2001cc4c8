"""Intervals and disclosure control for the figures of the report.

Rates and shares carry a 95 % Wilson score interval; a gap between two groups is called a
gap only when Newcombe's hybrid-score interval for the difference excludes 0. Disclosure
control (docs/methods.md, "Small numbers") is written as pure functions: the first decide
whether one figure is withheld, the last blank withheld figures of the tidy frame and
withhold the complementary figures that would let a reader recover them.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
from scipy.special import bdtr, ndtri

# The disclosure threshold's one home is the report parameter's default.
from helpers.core.params import DEFAULT_MIN_CELL as MIN_CELL

CONFIDENCE = 0.95

# Columns of the tidy figure frame that a withheld figure must not show.
WITHHELD_COLUMNS = ("value", "numerator", "denominator", "ci_low", "ci_high")


def wilson_interval(
    successes: int, trials: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Return the Wilson score interval of ``successes / trials``.

    Parameters
    ----------
    successes, trials
        Counts, ``0 <= successes <= trials``.
    confidence
        Two-sided confidence level.

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(nan, nan)`` when ``trials`` is 0 (a rate without value).
    """
    if trials == 0:
        return math.nan, math.nan
    # The closed form (Newcombe 1998, method 3), in the order of operations that
    # scipy.stats' binomtest(...).proportion_ci(method="wilson") uses, without importing
    # scipy.stats; the bounds are exact at the edges.
    k, n = int(successes), int(trials)
    z = float(ndtri(0.5 + 0.5 * confidence))
    p = k / n
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    delta = z / denom * math.sqrt(4 * n * p * (1 - p) + z**2)
    low = 0.0 if k == 0 else center - delta
    high = 1.0 if k == n else center + delta
    # Clip the last-bit noise of the formula.
    return max(0.0, low), min(1.0, high)


def newcombe_interval(
    successes_a: int,
    trials_a: int,
    successes_b: int,
    trials_b: int,
    confidence: float = CONFIDENCE,
) -> tuple[float, float]:
    """Return Newcombe's hybrid-score interval for ``p_a - p_b`` (independent groups).

    Method 10 of Newcombe (1998, Statistics in Medicine 17:873-890): the Wilson interval of
    each proportion is combined by the square-and-add rule.

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(nan, nan)`` when either group is empty.
    """
    if trials_a == 0 or trials_b == 0:
        return math.nan, math.nan
    p_a, p_b = successes_a / trials_a, successes_b / trials_b
    low_a, high_a = wilson_interval(successes_a, trials_a, confidence)
    low_b, high_b = wilson_interval(successes_b, trials_b, confidence)
    difference = p_a - p_b
    low = difference - math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2)
    high = difference + math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2)
    return low, high


def ratio_interval(
    successes_a: int,
    trials_a: int,
    successes_b: int,
    trials_b: int,
    confidence: float = CONFIDENCE,
) -> tuple[float, float]:
    """Return the MOVER-R interval of ``p_a / p_b`` (independent groups).

    Donner and Zou (2012, Statistical Methods in Medical Research 21:347-359): the Wilson
    interval of each proportion, recovered into an interval for their ratio. A relative
    growth ``p_a / p_b - 1`` takes the same interval minus one.

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(nan, nan)`` when either group is empty or ``p_b`` is 0;
        ``high`` is infinite when the lower Wilson bound of ``p_b`` is 0.
    """
    if trials_a == 0 or trials_b == 0 or successes_b == 0:
        return math.nan, math.nan
    p_a, p_b = successes_a / trials_a, successes_b / trials_b
    low_a, high_a = wilson_interval(successes_a, trials_a, confidence)
    low_b, high_b = wilson_interval(successes_b, trials_b, confidence)
    product = p_a * p_b
    # Where a Wilson bound of p_b reaches twice p_b (a handful of successes), the ratio's
    # bound on that side is not bounded away from 0 or infinity: say so.
    lower_denominator = high_b * (2 * p_b - high_b)
    upper_denominator = low_b * (2 * p_b - low_b)
    low_root = product**2 - low_a * high_b * (2 * p_a - low_a) * (2 * p_b - high_b)
    high_root = product**2 - high_a * low_b * (2 * p_a - high_a) * (2 * p_b - low_b)
    low = (
        (product - math.sqrt(max(low_root, 0.0))) / lower_denominator
        if lower_denominator > 0
        else 0.0
    )
    high = (
        (product + math.sqrt(max(high_root, 0.0))) / upper_denominator
        if upper_denominator > 0
        else math.inf
    )
    return max(low, 0.0), high


def gap_excludes_zero(
    successes_a: int,
    trials_a: int,
    successes_b: int,
    trials_b: int,
    confidence: float = CONFIDENCE,
) -> bool:
    """Return True when the Newcombe interval of ``p_a - p_b`` lies wholly above or below 0."""
    low, high = newcombe_interval(successes_a, trials_a, successes_b, trials_b, confidence)
    if math.isnan(low):
        return False
    return low > 0 or high < 0


def is_small(count: float | None, min_cell: int = MIN_CELL) -> bool:
    """Return True when ``count`` is small: ``0 < count < min_cell`` (zeros are shown)."""
    if count is None or pd.isna(count):
        return False
    return 0 < count < min_cell


def withholds_count(count: float | None, min_cell: int = MIN_CELL) -> bool:
    """Return True when a count figure must be withheld."""
    return is_small(count, min_cell)


def withholds_rate(numerator: int, denominator: int, min_cell: int = MIN_CELL) -> bool:
    """Return True when a rate or share must be withheld.

    It is withheld when its numerator, its denominator or its complement
    (denominator - numerator) is small.
    """
    return any(is_small(c, min_cell) for c in (numerator, denominator, denominator - numerator))


def withholds_derived(counts: Iterable[float | None], min_cell: int = MIN_CELL) -> bool:
    """Return True when a figure derived from others must be withheld.

    ``counts`` are the counts behind the figure (both years of a growth, both groups of a
    premium, the people of a per-user ratio); one small count withholds the figure.
    """
    return any(is_small(c, min_cell) for c in counts)


def blank_withheld(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with value, numerator, denominator and interval emptied where suppressed.

    Columns of ``WITHHELD_COLUMNS`` that ``frame`` lacks are skipped.
    """
    out = frame.copy()
    withheld = out["suppressed"].astype(bool)
    for column in WITHHELD_COLUMNS:
        if column in out.columns:
            out[column] = out[column].mask(withheld)
    return out


@dataclass(frozen=True)
class Breakdown:
    """Rows of a tidy frame that add up, so that withheld rows could be recovered.

    ``rows`` are index labels in the breakdown's display order (it breaks ties); ``size``
    names the column that ranks rows from smallest to largest (``value`` for counts,
    ``numerator`` for shares of one denominator, ``denominator`` for a rate by group).

    The group rule needs the breakdown's margin, the total its parts add up to, as a
    reader knows it: ``margin`` is the label of the row that is the total of the others
    (``all`` beside its two parts); ``total`` the total of ``value`` when it is published
    elsewhere (the year of twelve monthly counts). Shares of one denominator need
    neither: every share shown gives the denominator, which their numerators add up to.
    """

    rows: tuple[Hashable, ...]
    size: str
    margin: Hashable | None = None
    total: float | None = None

    def counts(self) -> tuple[str, ...]:
        """The columns that add up over the parts: the counts a reader can subtract."""
        if self.size == "denominator":
            # A rate by group: its people, those with the trait and those without.
            return ("numerator", "denominator", COMPLEMENT)
        return (self.size,)


# The people of a rate's denominator who are not in its numerator.
COMPLEMENT = "complement"


def suppress_secondary(
    frame: pd.DataFrame, breakdowns: Sequence[Breakdown], min_cell: int | None = None
) -> pd.DataFrame:
    """Return ``frame`` with complementary suppression applied until nothing changes.

    In every breakdown where exactly one figure is withheld, the smallest figure still
    shown is withheld too. With ``min_cell`` the group rule applies as well: while the
    withheld parts of a breakdown add up, by the margin minus the parts shown, to a small
    count (``0 < sum < min_cell``) in any of the columns that add up, the smallest part
    still shown is withheld. "Smallest" is the smallest positive size first, zeros last
    (a withheld zero adds nothing to the sum it should hide), ties to the earlier row; a
    figure without value (a rate of nobody) is never chosen. Withholding a row can expose
    another breakdown it belongs to, hence the loop. Withheld figures are blanked.
    """
    out = frame.copy()
    changed = True
    while changed:
        changed = False
        for breakdown in breakdowns:
            rows = [r for r in breakdown.rows if r in out.index]
            withheld = [r for r in rows if bool(out.at[r, "suppressed"])]
            if not withheld:
                continue
            exposed = len(withheld) == 1 or (
                min_cell is not None and _group_is_small(out, breakdown, rows, min_cell)
            )
            if not exposed:
                continue
            candidates = [r for r in rows if r != breakdown.margin or len(withheld) == 1]
            chosen = _next_smallest(out, breakdown, rows, candidates)
            if chosen is not None:
                out.at[chosen, "suppressed"] = True
                changed = True
    return blank_withheld(out)


def _is_shown(frame: pd.DataFrame, row: Hashable) -> bool:
    return not bool(frame.at[row, "suppressed"]) and not pd.isna(frame.at[row, "value"])


def _next_smallest(
    frame: pd.DataFrame,
    breakdown: Breakdown,
    rows: list[Hashable],
    candidates: list[Hashable],
) -> Hashable | None:
    shown = [r for r in candidates if _is_shown(frame, r)]
    if not shown:
        return None

    def rank(row: Hashable) -> tuple[bool, float, int]:
        size = frame.at[row, breakdown.size]
        size = 0.0 if pd.isna(size) else float(size)
        return (size <= 0, size, rows.index(row))

    return min(shown, key=rank)


def _count(frame: pd.DataFrame, row: Hashable, column: str) -> float | None:
    """A count of ``row`` as a reader sees it: None when withheld or absent."""
    if column == COMPLEMENT:
        numerator, denominator = _count(frame, row, "numerator"), _count(frame, row, "denominator")
        return None if numerator is None or denominator is None else denominator - numerator
    value = frame.at[row, column]
    return None if pd.isna(value) else float(value)


def recovered_sums(
    frame: pd.DataFrame, breakdown: Breakdown, rows: Sequence[Hashable] | None = None
) -> dict[str, float]:
    """What a reader recovers of the withheld parts of ``breakdown``: for each column that
    adds up, the margin minus the parts shown; empty when the margin is not known or no
    part is withheld.

    ``frame`` holds the figures as published (withheld ones blanked, or not: only the
    figures shown are read).
    """
    rows = [r for r in (breakdown.rows if rows is None else rows) if r in frame.index]
    parts = [r for r in rows if r != breakdown.margin]
    if breakdown.margin in rows and not _is_shown(frame, breakdown.margin):
        return {}  # the margin itself is withheld: the parts shown say nothing more
    shown = [r for r in parts if _is_shown(frame, r)]
    if len(shown) == len(parts):
        return {}
    sums = {}
    for column in breakdown.counts():
        margin = _margin(frame, breakdown, rows, shown, column)
        if margin is None:
            continue
        values = [_count(frame, r, column) for r in shown]
        if any(v is None for v in values):
            continue
        sums[column] = margin - sum(values)
    return sums


def _margin(
    frame: pd.DataFrame,
    breakdown: Breakdown,
    rows: list[Hashable],
    shown: list[Hashable],
    column: str,
) -> float | None:
    if breakdown.margin in rows:
        return _count(frame, breakdown.margin, column)
    if breakdown.total is not None and column == "value":
        return float(breakdown.total)
    if column == "numerator":
        # Shares of one denominator: their numerators add up to it.
        denominators = [_count(frame, r, "denominator") for r in shown]
        known = [d for d in denominators if d is not None]
        return known[0] if known else None
    return None


def _group_is_small(
    frame: pd.DataFrame, breakdown: Breakdown, rows: list[Hashable], min_cell: int
) -> bool:
    sums = recovered_sums(frame, breakdown, rows)
    return any(is_small(v, min_cell) for v in sums.values())


def _paired_phi(a: int, b: int, c: int, d: int) -> float:
    """Newcombe's estimate of the correlation between the two paired proportions.

    The plain phi coefficient of the 2x2 table, with the paper's correction when it is
    positive (``ad - bc`` reduced by ``n / 2``, floored at 0); 0 when a margin is empty.
    """
    n = a + b + c + d
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    if margins == 0:
        return 0.0
    cross = a * d - b * c
    if cross > 0:
        cross = max(cross - n / 2, 0.0)
    return cross / math.sqrt(margins)


def paired_newcombe_interval(
    a: int, b: int, c: int, d: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Return Newcombe's interval for ``(a + b) / n - (a + c) / n`` on paired data.

    Method 10 of Newcombe (1998), "Improved confidence intervals for the difference
    between binomial proportions based on paired data", Statistics in Medicine
    17:2635-2650: the Wilson interval of each margin, without continuity correction,
    combined by square-and-add with the estimated correlation between them. ``a`` counts
    the pairs positive twice, ``b`` positive the first time only, ``c`` the second time
    only, ``d`` neither.

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(nan, nan)`` when there is no pair.
    """
    n = a + b + c + d
    if n == 0:
        return math.nan, math.nan
    p1, p2 = (a + b) / n, (a + c) / n
    low1, high1 = wilson_interval(a + b, n, confidence)
    low2, high2 = wilson_interval(a + c, n, confidence)
    phi = _paired_phi(a, b, c, d)
    below = (p1 - low1) ** 2 - 2 * phi * (p1 - low1) * (high2 - p2) + (high2 - p2) ** 2
    above = (high1 - p1) ** 2 - 2 * phi * (high1 - p1) * (p2 - low2) + (p2 - low2) ** 2
    difference = p1 - p2
    # max(0, ...): the sums are squares of a distance; rounding must not make them negative.
    return difference - math.sqrt(max(below, 0.0)), difference + math.sqrt(max(above, 0.0))


def median_rank_bound(n: int, confidence: float = CONFIDENCE) -> int:
    """Return the rank ``l`` of the distribution-free interval of a median of ``n`` values.

    ``l`` is the smallest k with P(B <= k) >= (1 - confidence) / 2 for B ~ Binomial(n, 1/2);
    the interval runs from the l-th to the (n - l + 1)-th smallest value. 0 means the
    sample is too small for any such interval (fewer than six values at 95 %).
    """
    if n <= 0:
        return 0
    tail = (1 - confidence) / 2
    # P(B <= k) is a multiple of 2**-n, never exactly the tail: no tolerance is needed.
    return next(k for k in range(n + 1) if bdtr(k, n, 0.5) >= tail)


def median_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Return the distribution-free (order-statistics) interval for the median of ``values``.

    It assumes nothing about the shape of the distribution: the number of values below
    the true median is Binomial(n, 1/2). ``(nan, nan)`` when the sample is too small.
    """
    ordered = sorted(float(v) for v in values)
    rank = median_rank_bound(len(ordered), confidence)
    if rank == 0:
        return math.nan, math.nan
    return ordered[rank - 1], ordered[len(ordered) - rank]

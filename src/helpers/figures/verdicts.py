"""Every verdict of the report, from the interval that suits the samples compared.

A verdict ("a gap", "no clear gap", "above", "below", "better than last year") is drawn
from a 95 % interval of a difference of proportions: clear when the interval excludes 0.
Which interval depends on who is compared:

- ``INDEPENDENT``: two groups with no person in common (a category against the students
  of no category, apprentices against the other graduates, this year against last
  year's different people): Newcombe's hybrid score interval (method 10 of Newcombe
  1998, Statistics in Medicine 17:873-890), as statsmodels'
  ``confint_proportions_2indep(method="newcomb", compare="diff")``.
- ``REST``: a group against a population that contains it ("against all students"): the
  group is compared with the rest of the population (its counts minus the group's), an
  independent comparison; an interval of a group against a total that holds it is never
  drawn.
- ``PAIRED``: the same people twice (before and after): Newcombe's interval for paired
  proportions (Newcombe 1998, Statistics in Medicine 17:2635-2650, method 10), the
  interval of ``employment_change``.

``decide`` is the one function every sentence, title, tally and badge takes its verdict
from, ``against_threshold`` the one every objective's status (met, missed, within
uncertainty) takes its standing from; ``comparison_between`` says which comparison two segments call for, and
``interval_decimals`` how many decimals a printed interval needs to agree with its
verdict. Pages word the verdict; they never test a bound themselves.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from helpers.figures import stats

INDEPENDENT = "independent"
REST = "rest"
PAIRED = "paired"
COMPARISONS = (INDEPENDENT, REST, PAIRED)

# Segments that hold others: "all" holds every group, "underserved" each category.
CATEGORY_SEGMENTS = ("job_seekers", "low_qualification", "priority_area", "refugees", "disability")
_HOLDS = {"underserved": frozenset(CATEGORY_SEGMENTS)}
# Pairs of segments without a person in common (besides a group and its complement).
_DISJOINT = {
    ("underserved", "non_underserved"),
    ("apprentices", "non_apprentices"),
    ("tech", "non_tech"),
    *((category, "non_underserved") for category in CATEGORY_SEGMENTS),
}

# Decimals tried, at most, for a printed interval in percentage points to agree with
# its verdict (a bound of 0.004 pp is printed "+0.004 pp", never "0.0 pp").
MAX_DECIMALS = 4


@dataclass(frozen=True)
class Verdict:
    """A difference of proportions, its 95 % interval and the comparison it was drawn for.

    ``value`` is the group's proportion minus the reference's (for ``REST``, minus that of
    the rest of the population); ``reference`` holds the reference's counts actually used.
    """

    comparison: str
    value: float
    low: float
    high: float
    group: tuple[int, int] | None = None
    reference: tuple[int, int] | None = None

    @property
    def clear(self) -> bool:
        """True when the interval excludes 0: a difference larger than chance alone explains."""
        return not math.isnan(self.low) and (self.low > 0 or self.high < 0)

    @property
    def reading(self) -> str:
        """ "above", "below" or "unclear"."""
        if not self.clear:
            return "unclear"
        return "above" if self.low > 0 else "below"


# The journals open in this process (``recording``): every verdict decided is added to each.
_JOURNALS: list[list[Verdict]] = []


@contextmanager
def recording() -> Iterator[list[Verdict]]:
    """Collect every verdict decided inside the ``with`` block (a check replays pages in it)."""
    drawn: list[Verdict] = []
    _JOURNALS.append(drawn)
    try:
        yield drawn
    finally:
        _JOURNALS.remove(drawn)


def _drawn(verdict: Verdict | None) -> Verdict | None:
    if verdict is not None:
        for journal in _JOURNALS:
            journal.append(verdict)
    return verdict


def comparison_between(group: str, reference: str) -> str | None:
    """The comparison ``group`` against ``reference`` calls for (segments of one figure).

    ``REST`` when the reference holds the group ("all" holds every segment,
    "underserved" each category), ``INDEPENDENT`` when they share nobody, None when they
    may share people without one holding the other (two categories): no verdict.
    """
    if group == reference:
        return None
    if reference == "all" or group in _HOLDS.get(reference, ()):
        return REST
    if (group, reference) in _DISJOINT or (reference, group) in _DISJOINT:
        return INDEPENDENT
    return None


def decide(
    group: tuple[int, int], reference: tuple[int, int], comparison: str = INDEPENDENT
) -> Verdict | None:
    """The verdict on ``group``'s proportion against ``reference``'s.

    Parameters
    ----------
    group, reference
        ``(numerator, denominator)`` counts as published.
    comparison
        ``INDEPENDENT`` or ``REST`` (the reference is a population holding the group: the
        group is compared with the rest of it).

    Returns
    -------
    Verdict or None
        None when a side has nobody (no proportion to compare), or for ``REST`` when the
        reference's counts cannot hold the group's.
    """
    if comparison not in (INDEPENDENT, REST):
        raise ValueError(f"decide compares two samples: {comparison!r} is not one of them")
    k1, n1 = (int(c) for c in group)
    k2, n2 = (int(c) for c in reference)
    if comparison == REST:
        k2, n2 = k2 - k1, n2 - n1
        if k2 < 0 or n2 < k2:
            return None  # counts that cannot hold the group: no verdict rather than a wrong one
    if n1 == 0 or n2 == 0:
        return None
    low, high = stats.newcombe_interval(k1, n1, k2, n2)
    return _drawn(Verdict(comparison, k1 / n1 - k2 / n2, low, high, (k1, n1), (k2, n2)))


def against_threshold(value: float, threshold: float, low: float, high: float) -> str:
    """An objective's standing: ``value`` against the ``threshold`` it must reach
    (at least), read from the value's 95 % interval ``low``..``high``.

    ``met`` or ``missed`` when the interval lies wholly on the value's side of the
    threshold (or there is no interval: a count, a growth); ``met_within_uncertainty``
    or ``missed_within_uncertainty`` when the value is on one side and the interval
    reaches the other: chance alone could explain the value's side. An objective to stay
    at most under a threshold is this one with every sign reversed.
    """
    has_interval = not (math.isnan(low) or math.isnan(high))
    low, high = sorted((low, high))
    if value >= threshold:
        return "met" if not has_interval or low >= threshold else "met_within_uncertainty"
    return "missed" if not has_interval or high < threshold else "missed_within_uncertainty"


def decide_paired(value: float, low: float, high: float) -> Verdict | None:
    """The verdict on a paired difference (``employment_change``) from its interval.

    The interval is the one the figure carries (``paired_newcombe_interval``); None when
    it has none.
    """
    if any(math.isnan(v) for v in (value, low, high)):
        return None
    return _drawn(Verdict(PAIRED, value, low, high))


def decide_paired_counts(a: int, b: int, c: int, d: int) -> Verdict | None:
    """The verdict on ``(a + c) / n - (a + b) / n`` of a paired 2x2 table (after minus before)."""
    n = a + b + c + d
    if n == 0:
        return None
    low, high = stats.paired_newcombe_interval(a, c, b, d)
    return _drawn(Verdict(PAIRED, (c - b) / n, low, high))


def interval_decimals(low: float, high: float, decimals: int = 1, scale: float = 100) -> int:
    """Decimals for printing ``low`` and ``high`` (times ``scale``) so that they agree with
    the verdict drawn from them.

    Starting from ``decimals``, one more is added while a bound that is not 0 would be
    printed as 0 (or with the other sign): "0.0 pp to +2.0 pp" for a clear difference
    becomes "+0.04 pp to +2.00 pp", "-0.0 pp" for an unclear one "-0.03 pp".
    """
    for places in range(decimals, MAX_DECIMALS + 1):
        if all(_agrees(bound * scale, places) for bound in (low, high)):
            return places
    return MAX_DECIMALS


def _agrees(value: float, places: int) -> bool:
    if not math.isfinite(value) or value == 0:
        return True
    shown = round(value, places)
    return shown != 0 and (shown > 0) == (value > 0)


def intervals_apart(current: tuple[float, float], previous: tuple[float, float]) -> bool | None:
    """The verdict on a figure estimated from a sample that is not a proportion (a median)
    between two years: clear only when the two 95 % intervals do not overlap, a
    conservative reading; None when either interval is missing."""
    bounds = (*current, *previous)
    if any(math.isnan(b) for b in bounds):
        return None
    return current[0] > previous[1] or current[1] < previous[0]


# The reference each group is judged against on the pages (``comparison_between``).
GROUP_REFERENCES = {
    **{category: "non_underserved" for category in (*CATEGORY_SEGMENTS, "underserved")},
    "apprentices": "non_apprentices",
}


def count_verdicts(history: pd.DataFrame, year: int, proportions: Collection[str]) -> int:
    """About how many verdicts the report of ``year`` can draw from its figures: each
    share or rate shown in ``year`` and the year before (a change), each group shown
    beside its reference group (a gap), each paired change shown.

    ``proportions`` names the metrics that are shares or rates.
    """
    if history.empty:
        return 0
    from helpers.figures.objectives import parse_booleans

    withheld = parse_booleans(history["suppressed"]).to_numpy(dtype=bool)
    shown = history[~withheld & history["value"].notna().to_numpy()]
    keys = {
        (int(y), str(m), str(s))
        for y, m, s in zip(shown["year"], shown["metric"], shown["segment"], strict=True)
    }
    changes = sum(
        1 for y, m, s in keys if y == year and m in proportions and (year - 1, m, s) in keys
    )
    gaps = sum(
        1
        for y, m, s in keys
        if y == year and m in proportions and (y, m, GROUP_REFERENCES.get(s, "")) in keys
    )
    paired = sum(1 for y, m, _ in keys if y == year and m == "employment_change")
    return changes + gaps + paired

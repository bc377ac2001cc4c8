"""What the report may claim about a figure, decided from the figure, one function per
kind of claim.

Every sentence, title, badge and tally the pages write about a figure (a peak, a count
over budget, a tally of verdicts, "the data holds no ...", a judgement or a change since
the previous year, a count of groups against another) is decided here from the values
it speaks of; the pages only put the decision into words. A ``Claim`` names what it was
decided from (kind, metric, segment, year and the figures it states) so that the built
pages carry it as ``data-claim`` attributes, and a test reads every built page back
against the KPI file and the run's series.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# The kinds of claim a page marks (``data-claim``).
PEAK = "peak"
OVER_BUDGET = "over-budget"
ABSENT = "absent"
TALLY = "tally"
# How a figure moved since the previous year, as a judgement ("Better than 2021").
VERDICT = "verdict"
# The change itself in a sentence ("Up 12.3 % on 2021 (100).").
CHANGE = "change"
# Groups against a reference group, counted by reading ("6 groups ...: below for 4").
GROUPS = "groups"
# Whether one objective of the committee was met ("objective: at least 70 %, met").
OBJECTIVE = "objective"
KINDS = (PEAK, OVER_BUDGET, ABSENT, TALLY, VERDICT, CHANGE, GROUPS, OBJECTIVE)
# A series whose highest and lowest values are this close (relative to the highest)
# is flat: it has no peak to name.
FLAT_TOLERANCE = 1e-9
# A team whose emissions exceed its budget by more than this share of it is over budget.
OVER_BUDGET_USE = 1.0
# Any segment: a claim about a metric whatever group it is measured for.
ANY_SEGMENT = "*"


@dataclass(frozen=True)
class Claim:
    """A claim about figures: its ``kind``, what it speaks of, and the figures it states
    (``facts``: name to value, written as ``data-<name>`` attributes)."""

    kind: str
    metric: str = ""
    segment: str = ""
    year: int | None = None
    facts: Mapping[str, object] = field(default_factory=dict)

    def attributes(self) -> dict[str, str]:
        """The claim as the ``data-`` attributes of the element that carries its words."""
        found = {"data-claim": self.kind}
        if self.metric:
            found["data-metric"] = self.metric
        if self.segment:
            found["data-segment"] = self.segment
        if self.year is not None:
            found["data-year"] = str(self.year)
        for name, value in self.facts.items():
            found[f"data-{name}"] = str(value)
        return found


class ClaimText(str):
    """A claim's words, carrying the ``Claim`` they put into words (``claim``): a page
    writes the text and marks its element with the claim's attributes."""

    claim: Claim | None

    def __new__(cls, text: str, claim: Claim | None = None) -> ClaimText:
        made = super().__new__(cls, text)
        made.claim = claim
        return made


def claim_attributes(text: object) -> dict[str, str]:
    """The ``data-`` attributes of a text that is a ``ClaimText``; none otherwise."""
    claim = getattr(text, "claim", None)
    return claim.attributes() if claim is not None else {}


def _finite(values: Iterable[object]) -> list[float]:
    found = []
    for value in values:
        if value is None:
            continue
        number = float(value)  # type: ignore[arg-type]
        if not math.isnan(number):
            found.append(number)
    return found


def varies(values: Iterable[object]) -> bool:
    """True when a series has at least two values and they are not all the same: only
    such a series has a peak (a flat or empty series has none)."""
    found = _finite(values)
    if len(found) < 2:
        return False
    top, bottom = max(found), min(found)
    return top - bottom > FLAT_TOLERANCE * max(abs(top), abs(bottom), 1.0)


def find_peak(values: Sequence[object]) -> int | None:
    """The position of a series' highest value (the first when tied), or None when the
    series does not vary (flat, zero, a single value or nothing)."""
    if not varies(values):
        return None
    best, position = -math.inf, None
    for i, value in enumerate(values):
        if value is None or math.isnan(float(value)):  # type: ignore[arg-type]
            continue
        if float(value) > best:  # type: ignore[arg-type]
            best, position = float(value), i  # type: ignore[arg-type]
    return position


def pick_peak_series(series: Mapping[str, Sequence[object]]) -> str | None:
    """Of several series drawn together, the one whose peak the chart's title names: the
    varying series with the highest peak (ties to the first given); None when none varies."""
    best, chosen = -math.inf, None
    for name, values in series.items():
        if find_peak(values) is None:
            continue
        top = max(_finite(values))
        if top > best:
            best, chosen = top, name
    return chosen


def count_over_budget(uses: Iterable[float | None]) -> tuple[int, int]:
    """(teams over budget, teams with a measured budget use), from each team's share of
    its budget used: a team whose use exceeds ``OVER_BUDGET_USE`` is over budget."""
    measured = _finite(uses)
    return sum(1 for use in measured if use > OVER_BUDGET_USE), len(measured)


def holds_any(values: Iterable[object]) -> bool:
    """True when any of the values is a figure: "the data holds no ..." is said only
    when this is false for every value the sentence speaks of."""
    return bool(_finite(values))


def tally_parts(counts: Mapping[str, int], statuses: Sequence[str]) -> list[tuple[str, int]]:
    """The statuses of a tally with a count, in ``statuses`` order, zeros left out:
    the one list every page's tally of verdicts is worded from."""
    return [(status, int(counts.get(status, 0))) for status in statuses if counts.get(status, 0)]

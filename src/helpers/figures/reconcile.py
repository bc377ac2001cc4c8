"""The published figures beside the computed ones, and checked against each other.

``compare_with_published`` is the one place where a computed figure meets a published
one: the calibration check and the reconciliation page both call it, and the tolerances
below are the only ones. ``check_published_consistency`` runs rules over the published
figures alone; each rule is a function registered in ``CONSISTENCY_RULES``, driven by the
pairs and breakdowns declared as data in this module.

Rounding of a published figure is read from its written value (``infer_rounding_step``):
a share, rate or growth is written in percent, so 0.29 ("29 %") was rounded to a whole
point and 0.312 ("31,2 %") to a tenth of a point, never coarser than a whole point (0.7
is "70 %"); an actual count such as 44 010 is exact to the unit. A figure of kind
``approximate`` ("près de 300 000", "plus de 11 000") was rounded to its last non-zero
digit (100 000, 1 000). A stated figure holds for any true value within half a step of
it (+47 % holds for 46.5 % to 47.5 %); an approximate one within a whole step, since
"plus de 11 000" may stand for 11 900.

**Tolerances of the comparison.** A figure written exactly ("29 %", "10 915") is met
within one percentage point for a share or rate — the half point its rounding allows,
and as much again for a definition read slightly differently — and within 2 % for a
count or an amount; a growth relates two counts held to 2 % each, so it may move by
about twice that. A figure given in words ("près de 300 000", "plus de 11 000", "about
10 %", a range recorded at its midpoint) is read as a round number of two significant
digits, the precision such wording carries: rounding to two digits moves a value by at
most 5 % (half a unit of the second digit, over a value of at least ten such units).
A percentage in words is a round figure within two points of the truth: "about 10 %"
covers 8 % to 12 %, not 15 %. So an approximate figure is met within 5 % or two points,
and never held tighter than an exact figure of the same unit. Wider margins (ten
percent, five points) would let "about 10 %" stand for the 15 % the same report's
funding table gives, and so hide a contradiction the committee should see.

**Published figures in conflict.** Some published figures contradict others
(``data/reference/published_conflicts.csv``, each with the reason in every language of
the report): no dataset can reproduce both, so such a figure takes the status
``conflict`` whatever its difference, and the calibration check does not fail on it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.core.params import LANGUAGES
from helpers.core.paths import REFERENCE_DIR
from helpers.figures.objectives import index_kpis, measure_kpi
from helpers.intake.contract import FUNDING_TYPES

# Units written in percent: differences are in points (fractions: 0.01 = 1 point).
POINT_UNITS = ("share", "rate", "growth", "points")
# Figures of these kinds describe what happened; targets and benchmarks do not.
OBSERVED_KINDS = ("actual", "approximate")

# Tolerances of compare_with_published, the only ones (reasons in the module docstring).
SHARE_RATE_TOLERANCE = 0.01  # +/- 1 point for shares and rates
COUNT_TOLERANCE = 0.02  # +/- 2 % for counts and every other amount
# A growth relates two counts each held to COUNT_TOLERANCE, so its factor 1 + g may move
# by about twice that: the tolerance in points is 2 x COUNT_TOLERANCE x (1 + g).
APPROXIMATE_POINT_TOLERANCE = 0.02  # +/- 2 points for a percentage given in words
APPROXIMATE_RELATIVE_TOLERANCE = 0.05  # +/- 5 % for an amount given in words
# Room for the binary representation of decimal fractions (0.79 + 0.21 != 1.0 exactly).
FLOAT_SLACK = 1e-9

# Published figures that contradict other published figures, with the reason.
CONFLICTS_FILE = REFERENCE_DIR / "published_conflicts.csv"
CONFLICT_KEY = ["year", "metric", "segment", "value"]
REASON_COLUMNS = [f"reason_{lang}" for lang in LANGUAGES]

COMPARISON_STATUSES = (
    "within",
    "outside",
    "conflict",
    "withheld",
    "no_value",
    "not_computed",
    "not_compared",
)
# Statuses of a figure the data could be set beside (the calibration check's figures).
MEASURED_STATUSES = ("within", "outside", "conflict", "withheld", "no_value")
COMPARISON_COLUMNS = [
    "year",
    "metric",
    "segment",
    "unit",
    "kind",
    "published",
    "computed",
    "ci_low",
    "ci_high",
    "difference",
    "scale",
    "tolerance",
    "status",
    "source",
    "section",
    "quote",
    "translation",
    "note",
    *REASON_COLUMNS,
]
# Where a figure is quoted from, as the pages cite it: the document, its part, the
# passage and the project's translation of it.
PASSAGE_FIELDS = ["source", "section", "quote", "translation"]
FIGURE_FIELDS = ["year", "metric", "segment", "value", "unit", "kind", *PASSAGE_FIELDS]
FINDING_COLUMNS = [
    "rule",
    "key",
    "year",
    "metric",
    "segment",
    "stated",
    "expected",
    "difference",
    "tolerance",
    "figures",
]
PASSAGE_COLUMNS = ["finding", "rule", "role", *FIGURE_FIELDS]

# A growth names the KPI it is the growth of: `<metric>_growth` -> `<metric>`, unless
# listed here.
GROWTH_BASES = {"apprentices_growth": "apprentices_active"}


@dataclass(frozen=True)
class Quotient:
    """A published share or rate that is a count over another count (docs/methods.md).

    ``denominator_segment`` is None when the denominator is taken in the figure's own
    segment.
    """

    metric: str
    numerator: str
    denominator: str
    denominator_segment: str | None = None


SHARE_QUOTIENTS = (Quotient("segment_share", "students_in_segment", "students_started", "all"),)
# The published admission rate is students over applicants (10 915 / 37 218 = 29 % in
# the 2022 mission report); the KPI is a cohort rate close to it.
RATE_QUOTIENTS = (Quotient("admission_rate", "students_started", "applicants"),)


@dataclass(frozen=True)
class Breakdown:
    """Shares that add up to 1. A part's segment None stands for each segment alike."""

    name: str
    parts: tuple[tuple[str, str | None], ...]


BREAKDOWNS = (
    Breakdown("funding_types", tuple((f"funding_share_{kind}", None) for kind in FUNDING_TYPES)),
    Breakdown(
        "third_party_and_individual",
        (("third_party_funding_share", None), ("funding_share_individual", None)),
    ),
    Breakdown(
        "underserved_split",
        (("segment_share", "underserved"), ("segment_share", "non_underserved")),
    ),
)


def growth_base_metric(metric: str) -> str | None:
    """Return the metric a growth metric is the growth of, or None for other metrics."""
    if metric in GROWTH_BASES:
        return GROWTH_BASES[metric]
    if metric.endswith("_growth"):
        return metric.removesuffix("_growth")
    return None


def read_published(published: pd.DataFrame) -> pd.DataFrame:
    """Return the published figures typed, with text columns never empty-as-NaN."""
    frame = published.copy()
    frame["year"] = pd.to_numeric(frame["year"]).astype(int)
    frame["value"] = pd.to_numeric(frame["value"]).astype(float)
    # A table of a test or an older run may lack the columns that only describe a figure.
    for column in ("section", "translation", "note"):
        if column not in frame.columns:
            frame[column] = ""
    for column in ("metric", "segment", "unit", "kind", *PASSAGE_FIELDS, "note"):
        frame[column] = frame[column].fillna("").astype(str)
    order = ["year", "metric", "segment", "kind", "source", "quote"]
    return frame.sort_values(order, kind="stable").reset_index(drop=True)


# --- comparison with the computed figures ---------------------------------------------


def tolerance_for(unit: str, kind: str, published: float) -> float:
    """Return the largest difference between computed and published still accepted.

    In points (fraction units) for shares, rates, growths and points; relative for the
    rest. A figure given in words gets the approximate tolerance, or the exact one when
    that is wider (a large growth), so wording never makes a figure stricter.
    """
    if unit in POINT_UNITS:
        exact = (
            2 * COUNT_TOLERANCE * abs(1 + published) if unit == "growth" else SHARE_RATE_TOLERANCE
        )
        approximate = APPROXIMATE_POINT_TOLERANCE
    else:
        exact, approximate = COUNT_TOLERANCE, APPROXIMATE_RELATIVE_TOLERANCE
    return max(exact, approximate) if kind == "approximate" else exact


def measure_difference(unit: str, published: float, computed: float) -> float:
    """Return computed minus published: in points for fraction units, relative otherwise."""
    if unit in POINT_UNITS:
        return computed - published
    if published == 0:
        return 0.0 if computed == 0 else math.copysign(math.inf, computed)
    return computed / published - 1


def is_within_tolerance(unit: str, kind: str, published: float, computed: float) -> bool:
    """True when the computed figure matches the published one within its tolerance."""
    difference = measure_difference(unit, published, computed)
    return abs(difference) <= tolerance_for(unit, kind, published) + FLOAT_SLACK


# How a missing computed figure is reported, by the reason measure_kpi gives.
_REASON_STATUS = {
    "absent": "not_computed",
    "no_previous_year": "not_computed",
    "withheld": "withheld",
    "previous_withheld": "withheld",
    "no_value": "no_value",
    "previous_no_value": "no_value",
    "previous_zero": "no_value",
}


def _compare_figure(figure: dict, indexed: pd.DataFrame) -> dict:
    row = {**figure, "published": figure["value"]}
    if figure["kind"] not in OBSERVED_KINDS or math.isnan(figure["value"]):
        return {**row, "status": "not_compared"}
    year, metric, segment = figure["year"], figure["metric"], figure["segment"]
    measure = measure_kpi(indexed, year, metric, segment)
    base = growth_base_metric(metric)
    # A published growth the KPI file lacks is still computable from its two counts.
    if measure.reason == "absent" and base and figure["unit"] == "growth":
        measure = measure_kpi(indexed, year, base, segment, growth=True)
    if measure.reason:
        return {**row, "status": _REASON_STATUS[measure.reason]}
    unit, kind, published = figure["unit"], figure["kind"], figure["value"]
    within = is_within_tolerance(unit, kind, published, measure.value)
    return {
        **row,
        "computed": measure.value,
        "ci_low": measure.ci_low,
        "ci_high": measure.ci_high,
        "difference": measure_difference(unit, published, measure.value),
        "scale": "points" if unit in POINT_UNITS else "relative",
        "tolerance": tolerance_for(unit, kind, published),
        "status": "within" if within else "outside",
    }


def compare_with_published(
    published: pd.DataFrame,
    kpis: pd.DataFrame,
    year: int | None = None,
    conflicts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return every published figure of ``year`` beside the figure computed from the data.

    Parameters
    ----------
    published : DataFrame
        The published_figures reference table.
    kpis : DataFrame
        The KPI file of the year (with the previous year, published growths the KPI
        file lacks are computed from their two counts); several years for the
        calibration check.
    year : int, optional
        The report year; every year of ``published`` when None (the calibration check).
    conflicts : DataFrame, optional
        The published figures in conflict with others (``read_conflicts``); none when
        not given.

    Returns
    -------
    DataFrame
        ``COMPARISON_COLUMNS`` sorted by year, metric, segment, kind, source and quote.
        ``difference`` is computed minus published, in points (``scale`` "points",
        fractions: 0.012 = 1.2 points) for shares, rates and growths, relative
        (``scale`` "relative", 0.03 = +3 %) for the rest; ``tolerance`` is on the same
        scale. ``status`` is one of ``COMPARISON_STATUSES``: within or outside the
        tolerance; conflict (a published figure that contradicts another, whose reason
        fills ``REASON_COLUMNS``); withheld (disclosure control); no_value (computed
        over nobody); not_computed (no KPI of that metric and segment); not_compared
        (targets, benchmarks and figures without a value).
    """
    figures = read_published(published)
    if year is not None:
        figures = figures[figures["year"] == year]
    indexed = index_kpis(kpis)
    reasons = index_conflicts(conflicts)
    rows = [
        mark_conflict(_compare_figure(figure, indexed), reasons)
        for figure in figures.to_dict("records")
    ]
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS).reset_index(drop=True)


def read_conflicts(path: Path = CONFLICTS_FILE) -> pd.DataFrame:
    """Return the published figures in conflict with others, typed (``CONFLICT_KEY`` and
    ``REASON_COLUMNS``)."""
    return type_conflicts(pd.read_csv(path, dtype=str, keep_default_na=False))


def type_conflicts(frame: pd.DataFrame) -> pd.DataFrame:
    """The conflicts table read as text, typed as ``read_conflicts`` returns it."""
    frame = frame.copy()
    frame["year"] = frame["year"].astype(int)
    frame["value"] = frame["value"].astype(float)
    return frame[[*CONFLICT_KEY, *REASON_COLUMNS]]


ConflictIndex = dict[tuple[int, str, str], list[tuple[float, dict[str, str]]]]


def index_conflicts(conflicts: pd.DataFrame | None) -> ConflictIndex:
    """Return the reasons of each conflicting figure by (year, metric, segment)."""
    index: ConflictIndex = {}
    if conflicts is None:
        return index
    for row in conflicts.to_dict("records"):
        key = (int(row["year"]), str(row["metric"]), str(row["segment"]))
        reasons = {column: str(row[column]) for column in REASON_COLUMNS}
        index.setdefault(key, []).append((float(row["value"]), reasons))
    return index


def mark_conflict(row: dict, conflicts: ConflictIndex) -> dict:
    """Return ``row`` with its conflict reasons, and status ``conflict`` when the data
    could be set beside it (a figure no data reproduces is not a miss)."""
    key = (int(row["year"]), row["metric"], row["segment"])
    for value, reasons in conflicts.get(key, []):
        if math.isclose(value, row["published"], rel_tol=1e-9, abs_tol=1e-12):
            status = "conflict" if row["status"] in MEASURED_STATUSES else row["status"]
            return {**row, **reasons, "status": status}
    return {**row, **dict.fromkeys(REASON_COLUMNS, "")}


# --- consistency of the published figures ---------------------------------------------


def _decimal_step(number: float) -> float:
    for decimals in range(7):
        if abs(number - round(number, decimals)) < 1e-9 * max(1.0, abs(number)):
            return 10.0**-decimals
    return 1e-7


def _last_digit_step(number: float) -> float:
    if number != round(number) or number == 0:
        return _decimal_step(number)
    whole, step = int(round(number)), 1.0
    while whole % 10 == 0:
        whole //= 10
        step *= 10
    return step


def infer_rounding_step(value: float, unit: str, kind: str) -> float:
    """Return the step a published figure was rounded to, read from its value.

    Examples: 0.29 share -> 0.01 (whole percent); 0.312 share -> 0.001; 44010 count ->
    1; 300000 approximate -> 100000. Rules in the module docstring.
    """
    in_percent = unit in POINT_UNITS
    written = abs(value) * 100 if in_percent else abs(value)
    step = _last_digit_step(written) if kind == "approximate" else _decimal_step(written)
    return step / 100 if in_percent else step


def rounding_half_width(value: float, unit: str, kind: str) -> float:
    """Return how far the true value may lie from a published figure."""
    step = infer_rounding_step(value, unit, kind)
    return step if kind == "approximate" else step / 2


def prepare_figures(published: pd.DataFrame) -> pd.DataFrame:
    """Return the published figures that have a value, with their rounding.

    The column ``half`` holds ``rounding_half_width`` of each figure; every consistency
    rule takes this frame.
    """
    figures = read_published(published)
    figures = figures[figures["value"].notna()].copy()
    figures["half"] = [
        rounding_half_width(value, unit, kind)
        for value, unit, kind in zip(
            figures["value"], figures["unit"], figures["kind"], strict=True
        )
    ]
    return figures


def _figure(row: dict, role: str) -> dict:
    return {"role": role, **{field: row[field] for field in FIGURE_FIELDS}}


def _finding(
    rule: str,
    key: str,
    anchor: dict,
    stated: float,
    expected: float,
    tolerance: float,
    figures: list[dict],
) -> dict:
    return {
        "rule": rule,
        "key": key,
        "year": anchor["year"],
        "metric": anchor["metric"],
        "segment": anchor["segment"],
        "stated": stated,
        "expected": expected,
        "difference": stated - expected,
        "tolerance": tolerance,
        "figures": tuple(figures),
    }


def _ratio_with_margin(
    numerator: dict, denominator: dict, offset: float = 0.0
) -> tuple[float, float] | None:
    """Return numerator / denominator + offset and how far the roundings let it move."""
    n, hn = numerator["value"], numerator["half"]
    d, hd = denominator["value"], denominator["half"]
    if d <= 0:
        return None
    ratio = n / d
    low = (n - hn) / (d + hd)
    high = (n + hn) / (d - hd) if d - hd > 0 else math.inf
    return ratio + offset, max(high - ratio, ratio - low)


def _is_inconsistent(stated: float, expected: float, tolerance: float) -> bool:
    return abs(stated - expected) > tolerance + FLOAT_SLACK


FigureIndex = dict[tuple[int, str, str], list[dict]]


def _index_observed(figures: pd.DataFrame) -> FigureIndex:
    """Observed figures by (year, metric, segment), one per distinct statement.

    Quotes that agree within their roundings (44 010 and "plus de 44 000") are one
    figure here, its most precise quote, so a rule does not report one finding twice.
    Quotes that disagree are the business of the same_figure_twice rule, and every other
    rule checks each of them.
    """
    index: FigureIndex = {}
    observed = figures[figures["kind"].isin(OBSERVED_KINDS)]
    observed = observed.sort_values(["half", "source", "quote"], kind="stable")
    for row in observed.to_dict("records"):
        found = index.setdefault((row["year"], row["metric"], row["segment"]), [])
        if all(
            _is_inconsistent(row["value"], other["value"], row["half"] + other["half"])
            for other in found
        ):
            found.append(row)
    return index


def check_growth_vs_counts(figures: pd.DataFrame) -> list[dict]:
    """A stated growth against the counts of its base metric in Y-1 and Y."""
    index = _index_observed(figures)
    findings = []
    for (year, metric, segment), rows in sorted(index.items(), key=lambda item: item[0]):
        base = growth_base_metric(metric)
        if base is None:
            continue
        previous = index.get((year - 1, base, segment), [])
        current = index.get((year, base, segment), [])
        for growth, before, after in itertools.product(rows, previous, current):
            if growth["unit"] != "growth":
                continue
            implied = _ratio_with_margin(after, before, offset=-1.0)
            if implied is None:
                continue
            expected, margin = implied
            tolerance = growth["half"] + margin
            if _is_inconsistent(growth["value"], expected, tolerance):
                parts = [
                    _figure(growth, "growth"),
                    _figure(before, "previous"),
                    _figure(after, "current"),
                ]
                findings.append(
                    _finding(
                        "growth_vs_counts",
                        "growth_differs_from_counts",
                        growth,
                        growth["value"],
                        expected,
                        tolerance,
                        parts,
                    )
                )
    return findings


def _check_quotients(
    figures: pd.DataFrame,
    quotients: tuple[Quotient, ...],
    rule: str,
    key: str,
    roles: tuple[str, str, str],
) -> list[dict]:
    index = _index_observed(figures)
    findings = []
    for quotient in quotients:
        for (year, metric, segment), rows in sorted(index.items(), key=lambda item: item[0]):
            if metric != quotient.metric:
                continue
            denominator_segment = quotient.denominator_segment or segment
            numerators = index.get((year, quotient.numerator, segment), [])
            denominators = index.get((year, quotient.denominator, denominator_segment), [])
            for figure, top, bottom in itertools.product(rows, numerators, denominators):
                implied = _ratio_with_margin(top, bottom)
                if implied is None:
                    continue
                expected, margin = implied
                tolerance = figure["half"] + margin
                if _is_inconsistent(figure["value"], expected, tolerance):
                    parts = [
                        _figure(figure, roles[0]),
                        _figure(top, roles[1]),
                        _figure(bottom, roles[2]),
                    ]
                    findings.append(
                        _finding(rule, key, figure, figure["value"], expected, tolerance, parts)
                    )
    return findings


def check_share_vs_count_and_total(figures: pd.DataFrame) -> list[dict]:
    """A share against its count over its total (``SHARE_QUOTIENTS``)."""
    return _check_quotients(
        figures,
        SHARE_QUOTIENTS,
        "share_vs_count_and_total",
        "share_differs_from_count_over_total",
        ("share", "count", "total"),
    )


def check_rate_vs_numerator_denominator(figures: pd.DataFrame) -> list[dict]:
    """A rate against its numerator over its denominator (``RATE_QUOTIENTS``)."""
    return _check_quotients(
        figures,
        RATE_QUOTIENTS,
        "rate_vs_numerator_denominator",
        "rate_differs_from_numerator_over_denominator",
        ("rate", "numerator", "denominator"),
    )


def _breakdown_instances(
    breakdown: Breakdown, index: FigureIndex
) -> list[tuple[int, str, list[list[dict]]]]:
    """Every (year, segment) a breakdown is published for, with the figures of its parts."""
    free = {metric for metric, segment in breakdown.parts if segment is None}
    fixed = {(metric, segment) for metric, segment in breakdown.parts if segment is not None}
    instances = set()
    for year, metric, segment in index:
        if metric in free:
            instances.add((year, segment))
        elif (metric, segment) in fixed:
            instances.add((year, ""))
    found = []
    for year, segment in sorted(instances):
        parts = [index.get((year, metric, part or segment), []) for metric, part in breakdown.parts]
        found.append((year, segment, parts))
    return found


def check_breakdown_sums(figures: pd.DataFrame) -> list[dict]:
    """Shares of one breakdown (``BREAKDOWNS``) adding up to 1.

    With every part published, their sum must be 1 within the sum of their roundings;
    with some missing, it must not exceed 1. The finding's metric is the breakdown's
    name, its segment the segment shared by the parts (empty when the parts are
    segments).
    """
    index = _index_observed(figures)
    findings = []
    for breakdown in BREAKDOWNS:
        for year, segment, parts in _breakdown_instances(breakdown, index):
            present = [candidates for candidates in parts if candidates]
            if len(present) < 2:
                continue
            complete = len(present) == len(parts)
            for combination in itertools.product(*present):
                total = sum(row["value"] for row in combination)
                tolerance = sum(row["half"] for row in combination)
                if complete and not _is_inconsistent(total, 1.0, tolerance):
                    continue
                if not complete and total - tolerance <= 1.0 + FLOAT_SLACK:
                    continue
                key = "breakdown_does_not_sum_to_one" if complete else "breakdown_parts_exceed_one"
                anchor = {"year": year, "segment": segment, "metric": breakdown.name}
                parts_found = [_figure(row, "part") for row in combination]
                findings.append(
                    _finding("breakdown_sums", key, anchor, total, 1.0, tolerance, parts_found)
                )
    return findings


def _pairs_that_differ(
    figures: pd.DataFrame, keys: list[str], rule: str, key: str, roles: tuple[str, str]
) -> list[dict]:
    """Pairs of figures with the same keys whose values differ beyond both roundings.

    Within a pair the first is the earlier (year, then source); ``stated`` is the later
    figure and ``expected`` the earlier one.
    """
    findings = []
    for _, group in figures.groupby(keys, sort=True):
        rows = group.sort_values(["year", "source", "quote"], kind="stable").to_dict("records")
        for earlier, later in itertools.combinations(rows, 2):
            tolerance = earlier["half"] + later["half"]
            if _is_inconsistent(later["value"], earlier["value"], tolerance):
                parts = [_figure(earlier, roles[0]), _figure(later, roles[1])]
                findings.append(
                    _finding(rule, key, later, later["value"], earlier["value"], tolerance, parts)
                )
    return findings


def check_same_figure_twice(figures: pd.DataFrame) -> list[dict]:
    """The same (year, metric, segment, unit) quoted with different values."""
    quoted = figures[figures["kind"] != "target"]
    return _pairs_that_differ(
        quoted,
        ["year", "metric", "segment", "unit"],
        "same_figure_twice",
        "same_figure_different_values",
        ("first", "second"),
    )


def check_target_restated(figures: pd.DataFrame) -> list[dict]:
    """The same objective (metric, segment, unit) stated with different thresholds.

    Published figures carry no comparator; the unit tells a growth objective from a
    level one. A target changed on purpose is listed too: the committee sees both
    passages.
    """
    stated = figures[figures["kind"] == "target"]
    return _pairs_that_differ(
        stated,
        ["metric", "segment", "unit"],
        "target_restated",
        "target_threshold_differs",
        ("earlier", "later"),
    )


CONSISTENCY_RULES: tuple[tuple[str, Callable[[pd.DataFrame], list[dict]]], ...] = (
    ("growth_vs_counts", check_growth_vs_counts),
    ("share_vs_count_and_total", check_share_vs_count_and_total),
    ("breakdown_sums", check_breakdown_sums),
    ("rate_vs_numerator_denominator", check_rate_vs_numerator_denominator),
    ("same_figure_twice", check_same_figure_twice),
    ("target_restated", check_target_restated),
)


def check_published_consistency(published: pd.DataFrame) -> pd.DataFrame:
    """Return the inconsistencies between published figures, one row per finding.

    Parameters
    ----------
    published : DataFrame
        The published_figures reference table (every year).

    Returns
    -------
    DataFrame
        ``FINDING_COLUMNS``: the rule id, a ``key`` naming the explanation for the
        catalog, the year, metric and segment of the stated figure, the ``stated`` value,
        the ``expected`` one from the other figures, their ``difference``, the
        ``tolerance`` the roundings allow, and ``figures``: a tuple with one dict per
        figure involved (role, year, metric, segment, value, unit, kind, source, quote).
        Sorted by rule (in ``CONSISTENCY_RULES`` order), year, metric, segment and the
        figures' sources.
    """
    figures = prepare_figures(published)
    findings = []
    for position, (_, rule) in enumerate(CONSISTENCY_RULES):
        findings += [(position, finding) for finding in rule(figures)]

    def sort_key(item: tuple[int, dict]) -> tuple:
        position, finding = item
        passages = [(f["source"], f["quote"], f["value"]) for f in finding["figures"]]
        return position, finding["year"], finding["metric"], finding["segment"], passages

    ordered = [finding for _, finding in sorted(findings, key=sort_key)]
    return pd.DataFrame(ordered, columns=FINDING_COLUMNS)


def list_finding_passages(findings: pd.DataFrame) -> pd.DataFrame:
    """Return the figures behind each finding, one row per figure (``PASSAGE_COLUMNS``).

    ``finding`` is the finding's row number in ``findings``.
    """
    rows = [
        {"finding": number, "rule": rule, **figure}
        for number, (rule, figures) in enumerate(
            zip(findings["rule"], findings["figures"], strict=True)
        )
        for figure in figures
    ]
    return pd.DataFrame(rows, columns=PASSAGE_COLUMNS)


def summarise_reconciliation(compared: pd.DataFrame, findings: pd.DataFrame) -> dict[str, int]:
    """Return the count of each comparison status and of inconsistencies, for the index.

    Every status of ``COMPARISON_STATUSES`` is a key, zeros included, then
    ``inconsistencies``.
    """
    summary = {status: int((compared["status"] == status).sum()) for status in COMPARISON_STATUSES}
    summary["inconsistencies"] = len(findings)
    return summary

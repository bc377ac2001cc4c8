"""The Mission Committee's objectives judged against the KPI file.

An objective (a row of ``data/reference/targets``) applies to the years
``first_year..last_year``. Its figure is the KPI of its metric and segment; for a
``growth_>=`` objective the figure is the growth ``value(Y) / value(Y-1) - 1`` of that
KPI, unless the metric is itself a growth (its id ends in ``_growth``, like
``apprentices_growth``), which is then compared as it stands.

Status rules (``>=`` shown; ``<=`` is the mirror image), decided by
``verdicts.against_threshold``, where every verdict of the report is decided. The point
value says which side of the threshold the year falls on; the 95 % interval says whether
that can be claimed:

- ``met``: the value meets the threshold and so does the whole interval
  (``ci_low >= threshold``);
- ``met_within_uncertainty``: the value meets it but the interval reaches below it, so
  the data cannot rule out a miss;
- ``missed_within_uncertainty``: the value misses it but the interval reaches it, so the
  data cannot rule out that it was met;
- ``missed``: the value and the whole interval miss it (``ci_high < threshold``);
- ``not_measurable``: no value (see ``REASONS``).

Counts carry no interval: they are ``met`` or ``missed`` on their value, and so is the
growth of a count. The growth of a share or rate whose numerator and denominator the KPI
file gives in both years carries the interval of the ratio of two independent proportions
(``stats.ratio_interval``) minus one. The comparison uses the exact value, not its rounded
display.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from helpers.figures import verdicts
from helpers.figures.stats import ratio_interval
from helpers.intake.contract import COMPARATORS

STATUSES = (
    "met",
    "met_within_uncertainty",
    "missed_within_uncertainty",
    "missed",
    "not_measurable",
)
# The statuses that count as met, and as missed, on the index page: the side of the
# threshold the year's figure falls on, whatever its interval says.
MET_STATUSES = ("met", "met_within_uncertainty")
MISSED_STATUSES = ("missed", "missed_within_uncertainty")
# Why a figure has no value: the KPI is missing from the file, withheld by disclosure
# control, or empty (a rate over nobody); for growths, the same about the previous year,
# or a previous value of 0 that leaves the growth undefined.
REASONS = (
    "absent",
    "withheld",
    "no_value",
    "no_previous_year",
    "previous_withheld",
    "previous_no_value",
    "previous_zero",
)
GROWTH_COMPARATOR = "growth_>="
GROWTH_SUFFIX = "_growth"

KPI_KEY = ["year", "metric", "segment"]
KPI_VALUE_COLUMNS = ["value", "ci_low", "ci_high", "suppressed"]
# Read when the KPI rows carry them: the growth of a proportion takes its interval from them.
COUNT_COLUMNS = ["numerator", "denominator"]

EVALUATION_COLUMNS = [
    "year",
    "metric",
    "segment",
    "comparator",
    "threshold",
    "value",
    "ci_low",
    "ci_high",
    "current_value",
    "previous_value",
    "status",
    "reason",
    "source",
    "note",
]
TRAJECTORY_COLUMNS = [
    "metric",
    "segment",
    "comparator",
    "year",
    "value",
    "ci_low",
    "ci_high",
    "threshold",
    "status",
    "reason",
    "source",
]


@dataclass(frozen=True)
class Measure:
    """The figure an objective is judged on, or the reason it has none.

    ``current_value`` and ``previous_value`` are the KPI's own values in Y and Y-1 when
    the figure is a growth computed from the history.
    """

    value: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    current_value: float = math.nan
    previous_value: float = math.nan
    reason: str | None = None


def parse_booleans(values: pd.Series) -> pd.Series:
    """Return ``values`` as booleans, reading ``true``/``false`` text as the KPI CSV writes it."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(bool)
    text = values.astype("string").str.strip().str.lower()
    return text.isin(["true", "1", "1.0"]).astype(bool)


def index_kpis(kpis: pd.DataFrame) -> pd.DataFrame:
    """Return the KPI rows typed and indexed by (year, metric, segment).

    Parameters
    ----------
    kpis : DataFrame
        One year or a history of the KPI file, as read from CSV or built in memory.

    Returns
    -------
    DataFrame
        Columns value, ci_low, ci_high (floats) and suppressed (bool).

    Raises
    ------
    ValueError
        When one (year, metric, segment) holds two different figures.
    """
    counts = [c for c in COUNT_COLUMNS if c in kpis.columns]
    frame = kpis[KPI_KEY + KPI_VALUE_COLUMNS + counts].copy()
    for column in COUNT_COLUMNS:
        frame[column] = pd.to_numeric(frame[column]).astype(float) if column in counts else math.nan
    frame["year"] = pd.to_numeric(frame["year"]).astype(int)
    frame["metric"] = frame["metric"].astype(str)
    frame["segment"] = frame["segment"].astype(str)
    for column in ("value", "ci_low", "ci_high"):
        frame[column] = pd.to_numeric(frame[column]).astype(float)
    frame["suppressed"] = parse_booleans(frame["suppressed"])
    # Two sections may write the same figure; only a disagreement is an error.
    frame = frame.drop_duplicates()
    clash = frame.duplicated(KPI_KEY, keep=False)
    if clash.any():
        first = frame.loc[clash, KPI_KEY].iloc[0].tolist()
        raise ValueError(f"the KPI file holds different figures for {first}")
    return frame.set_index(KPI_KEY).sort_index()


def is_growth_metric(metric: str) -> bool:
    """True when the metric is itself a growth (``apprentices_growth``)."""
    return metric.endswith(GROWTH_SUFFIX)


def measure_kpi(
    indexed: pd.DataFrame, year: int, metric: str, segment: str, *, growth: bool = False
) -> Measure:
    """Return the KPI's figure for ``year``, or its growth over the previous year.

    Parameters
    ----------
    indexed : DataFrame
        The output of ``index_kpis``.
    year, metric, segment
        The figure asked for.
    growth : bool
        When true, the figure is ``value(year) / value(year - 1) - 1``.
    """
    current = _lookup(indexed, year, metric, segment)
    missing = _missing_reason(current, "")
    if missing:
        return Measure(reason=missing)
    if not growth:
        return Measure(value=current["value"], ci_low=current["ci_low"], ci_high=current["ci_high"])
    previous = _lookup(indexed, year - 1, metric, segment)
    if previous is None:
        return Measure(reason="no_previous_year")
    missing = _missing_reason(previous, "previous_")
    if missing:
        return Measure(reason=missing)
    if previous["value"] == 0:
        return Measure(reason="previous_zero")
    low, high = _growth_interval(current, previous)
    return Measure(
        value=current["value"] / previous["value"] - 1,
        ci_low=low,
        ci_high=high,
        current_value=current["value"],
        previous_value=previous["value"],
    )


def _growth_interval(current: pd.Series, previous: pd.Series) -> tuple[float, float]:
    """The interval of a proportion's relative growth; NaN for counts and other figures."""
    if math.isnan(current["ci_low"]) or math.isnan(previous["ci_low"]):
        return math.nan, math.nan
    counts = [current.get(c, math.nan) for c in COUNT_COLUMNS] + [
        previous.get(c, math.nan) for c in COUNT_COLUMNS
    ]
    if any(isinstance(c, float) and math.isnan(c) for c in counts):
        return math.nan, math.nan
    low, high = ratio_interval(*(int(c) for c in counts))
    return low - 1, high - 1


def _lookup(indexed: pd.DataFrame, year: int, metric: str, segment: str) -> pd.Series | None:
    key = (int(year), metric, segment)
    if key not in indexed.index:
        return None
    return indexed.loc[key]


def _missing_reason(row: pd.Series | None, prefix: str) -> str | None:
    if row is None:
        return "absent"
    if row["suppressed"]:
        return f"{prefix}withheld"
    if math.isnan(row["value"]):
        return f"{prefix}no_value"
    return None


def judge_status(
    comparator: str,
    threshold: float,
    value: float,
    ci_low: float = math.nan,
    ci_high: float = math.nan,
) -> str:
    """Return the status of a figure against a threshold (rules in the module docstring).

    Parameters
    ----------
    comparator : str
        ``>=``, ``<=`` or ``growth_>=`` (a growth compared with ``>=``).
    threshold, value : float
        Shares as fractions; growths as fractions (0.20 = +20 %).
    ci_low, ci_high : float
        The 95 % interval of the value; NaN for counts and growths.
    """
    if comparator not in COMPARATORS:
        raise ValueError(f"unknown comparator {comparator!r}")
    if math.isnan(value):
        return "not_measurable"
    # Negating everything turns "<=" into ">=", so one rule serves both.
    sign = -1.0 if comparator == "<=" else 1.0
    return verdicts.against_threshold(sign * value, sign * threshold, sign * ci_low, sign * ci_high)


def measure_objective(
    indexed: pd.DataFrame, year: int, metric: str, segment: str, comparator: str
) -> Measure:
    """Return the figure an objective is judged on in ``year``."""
    growth = comparator == GROWTH_COMPARATOR and not is_growth_metric(metric)
    return measure_kpi(indexed, year, metric, segment, growth=growth)


def read_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """Return the targets table with typed years and thresholds and a ``note`` column."""
    frame = targets.copy()
    for column in ("first_year", "last_year"):
        frame[column] = pd.to_numeric(frame[column]).astype(int)
    frame["threshold"] = pd.to_numeric(frame["threshold"]).astype(float)
    if "note" not in frame.columns:
        frame["note"] = ""
    for column in ("metric", "segment", "comparator", "source", "note"):
        frame[column] = frame[column].fillna("").astype(str)
    return frame


def evaluate_targets(targets: pd.DataFrame, history: pd.DataFrame, year: int) -> pd.DataFrame:
    """Return every objective that applies to ``year`` with its figure and status.

    Parameters
    ----------
    targets : DataFrame
        The targets reference table.
    history : DataFrame
        The KPI file of ``year``, with the previous year too when growth objectives
        apply.
    year : int
        The report year.

    Returns
    -------
    DataFrame
        ``EVALUATION_COLUMNS``, one row per objective, sorted by metric, segment,
        comparator, threshold and source. ``reason`` is empty unless the status is
        ``not_measurable``.
    """
    objectives = read_targets(targets)
    applying = objectives[(objectives["first_year"] <= year) & (year <= objectives["last_year"])]
    indexed = index_kpis(history)
    rows = []
    for objective in applying.to_dict("records"):
        measure = measure_objective(
            indexed, year, objective["metric"], objective["segment"], objective["comparator"]
        )
        status = judge_status(
            objective["comparator"],
            objective["threshold"],
            measure.value,
            measure.ci_low,
            measure.ci_high,
        )
        rows.append(
            {
                **objective,
                "year": year,
                "value": measure.value,
                "ci_low": measure.ci_low,
                "ci_high": measure.ci_high,
                "current_value": measure.current_value,
                "previous_value": measure.previous_value,
                "status": status,
                "reason": measure.reason,
            }
        )
    frame = pd.DataFrame(rows, columns=EVALUATION_COLUMNS)
    order = ["metric", "segment", "comparator", "threshold", "source"]
    return frame.sort_values(order, kind="stable").reset_index(drop=True)


def count_target_statuses(evaluated: pd.DataFrame) -> dict[str, int]:
    """Return how many objectives have each status, and their ``total``.

    Every status of ``STATUSES`` is a key, in that order, zeros included, so the index
    page can show "met / missed" without testing for keys.
    """
    counts = {status: int((evaluated["status"] == status).sum()) for status in STATUSES}
    counts["total"] = len(evaluated)
    return counts


def count_met_and_missed(
    targets: pd.DataFrame, history: pd.DataFrame, year: int
) -> tuple[int, int]:
    """How many of the objectives that apply to ``year`` were met, and how many missed.

    An objective counts as met when the year's figure meets its threshold, even if the
    interval reaches the other side (the scorecard tells those apart); objectives
    without a figure count in neither.

    Parameters
    ----------
    targets : DataFrame
        The objectives (``RunData.targets``).
    history : DataFrame
        The run's KPI history (the year and, for growth objectives, the year before).
    year : int
        The report year.
    """
    counts = count_target_statuses(evaluate_targets(targets, history, year))
    return sum(counts[s] for s in MET_STATUSES), sum(counts[s] for s in MISSED_STATUSES)


def select_threshold_in_force(
    objectives: pd.DataFrame, comparator: str, year: int
) -> tuple[float, str]:
    """Return the threshold of ``objectives`` in force in ``year`` and its source.

    When two rows overlap, the stricter one is in force (the higher for ``>=``
    objectives, the lower for ``<=``); NaN and an empty source when none applies.
    """
    in_force = objectives[(objectives["first_year"] <= year) & (year <= objectives["last_year"])]
    if in_force.empty:
        return math.nan, ""
    ranked = in_force.sort_values(
        ["threshold", "source"], ascending=[comparator == "<=", True], kind="stable"
    )
    return float(ranked["threshold"].iloc[0]), str(ranked["source"].iloc[0])


def target_trajectory(targets: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Return, per objective, its figure in every year of the history and the threshold.

    An objective is a (metric, segment, comparator); its rows in the targets table may
    set different thresholds for different years, drawn as steps.

    Returns
    -------
    DataFrame
        ``TRAJECTORY_COLUMNS``, one row per objective and year the history covers, sorted
        by metric, segment, comparator and year. ``threshold``, ``status`` and ``source``
        are empty in years no threshold applies to.
    """
    objectives = read_targets(targets)
    indexed = index_kpis(history)
    years = sorted(indexed.index.get_level_values("year").unique())
    rows = []
    keys = ["metric", "segment", "comparator"]
    for (metric, segment, comparator), group in objectives.groupby(keys, sort=True):
        for year in years:
            threshold, source = select_threshold_in_force(group, comparator, year)
            measure = measure_objective(indexed, year, metric, segment, comparator)
            status = None
            if not math.isnan(threshold):
                status = judge_status(
                    comparator, threshold, measure.value, measure.ci_low, measure.ci_high
                )
            rows.append(
                {
                    "metric": metric,
                    "segment": segment,
                    "comparator": comparator,
                    "year": int(year),
                    "value": measure.value,
                    "ci_low": measure.ci_low,
                    "ci_high": measure.ci_high,
                    "threshold": threshold,
                    "status": status,
                    "reason": measure.reason,
                    "source": source or None,
                }
            )
    return pd.DataFrame(rows, columns=TRAJECTORY_COLUMNS)

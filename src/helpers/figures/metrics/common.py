"""The tidy shape every metric function returns, and the SQL pieces they share.

A metric function takes a Dataset, a report year and MIN_CELL and returns a frame with
the columns of ``FIGURE_COLUMNS``: one row per segment, disclosure control applied. Sections,
the KPI file and the tests all consume that one shape.

Several figures rest on the same aggregate (the students of a year by segment, the users
of a year, the placement of applications in segments): ``query_once`` and
``materialize_once`` compute such an aggregate once per dataset, whatever the number of
figures and years that read it. A loaded dataset's tables never change, so a result
stays true as long as the dataset's connection lives.
"""

from __future__ import annotations

import hashlib
import math
import weakref
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from helpers.figures import stats
from helpers.intake.dataset import Dataset

FIGURE_COLUMNS = (
    "metric",
    "segment",
    "value",
    "numerator",
    "denominator",
    "ci_low",
    "ci_high",
    "suppressed",
)

# Pairs of segments that partition the segment ``all``: with the whole and one part shown,
# the other part can be recovered, so they form a breakdown for secondary suppression.
COMPLEMENTARY_SEGMENTS = (
    ("underserved", "non_underserved"),
    ("apprentices", "non_apprentices"),
    ("tech", "non_tech"),
)


@dataclass(frozen=True)
class Figure:
    """One figure of the report before it becomes a row of the tidy frame."""

    metric: str
    segment: str
    value: float | None
    numerator: int | None = None
    denominator: int | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    suppressed: bool = False


def count_figure(metric: str, segment: str, count: float, min_cell: int) -> Figure:
    """A count (or a mean of counts), withheld when small."""
    return Figure(metric, segment, float(count), suppressed=stats.withholds_count(count, min_cell))


def rate_figure(
    metric: str, segment: str, numerator: int, denominator: int, min_cell: int
) -> Figure:
    """A rate or share with its Wilson interval; without value when the denominator is 0."""
    numerator, denominator = int(numerator), int(denominator)
    if denominator == 0:
        return Figure(metric, segment, None, numerator, denominator)
    low, high = stats.wilson_interval(numerator, denominator)
    return Figure(
        metric,
        segment,
        numerator / denominator,
        numerator,
        denominator,
        low,
        high,
        suppressed=stats.withholds_rate(numerator, denominator, min_cell),
    )


def derived_figure(
    metric: str, segment: str, value: float | None, behind: Iterable[float], min_cell: int
) -> Figure:
    """A figure computed from others (growth, premium, per-user ratio, median).

    ``behind`` lists the counts it rests on; one small count withholds it. A value of None
    (a zero denominator) is shown as no value, not as withheld.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Figure(metric, segment, None)
    return Figure(
        metric, segment, float(value), suppressed=stats.withholds_derived(behind, min_cell)
    )


def amount_figure(metric: str, segment: str, value: float | None) -> Figure:
    """An amount (tonnes, euros) that rests on no count of people: never withheld."""
    return Figure(metric, segment, None if value is None else float(value))


# Euro figures built from individual salaries are published to the nearest this many
# euros, and a median (an order statistic is one person's answer) only from this many
# times MIN_CELL people.
EURO_ROUNDING = 100
MEDIAN_MIN_CELLS = 2


def round_euros(value: float | None) -> float | None:
    """An amount from individual salaries, to the nearest ``EURO_ROUNDING`` euros (half up)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(math.floor(value / EURO_ROUNDING + 0.5) * EURO_ROUNDING)


def withholds_money(people: int, min_cell: int) -> bool:
    """A median, its bounds or a total of individual salaries: withheld below
    ``MEDIAN_MIN_CELLS`` x MIN_CELL people (none withheld with MIN_CELL = 1)."""
    return min_cell > 1 and 0 < people < MEDIAN_MIN_CELLS * min_cell


def absent_figure(metric: str, segment: str) -> Figure:
    """A figure whose data is absent (an optional table, or no rows for the year).

    No value, no numerator or denominator, not withheld: the report says "data absent".
    """
    return Figure(metric, segment, None)


def figures_frame(figures: Sequence[Figure]) -> pd.DataFrame:
    """Return the tidy frame of ``figures``, withheld figures blanked."""
    frame = pd.DataFrame(
        [[getattr(f, c) for c in FIGURE_COLUMNS] for f in figures], columns=list(FIGURE_COLUMNS)
    )
    frame = frame.astype(
        {
            "metric": "object",
            "segment": "object",
            "value": "Float64",
            "numerator": "Int64",
            "denominator": "Int64",
            "ci_low": "Float64",
            "ci_high": "Float64",
            "suppressed": "bool",
        }
    )
    # Blanking costs a pass over every column: only worth it when a figure is withheld.
    return stats.blank_withheld(frame) if frame["suppressed"].any() else frame


def complementary_breakdowns(
    frame: pd.DataFrame, additive: Collection[str] | None = None
) -> list[stats.Breakdown]:
    """Return the breakdowns ``all = part + other part`` found in a tidy frame.

    Only the metrics of ``additive`` (default: every metric of ``frame``) are considered:
    counts, rates and shares add up over a partition of people, medians and ratios do
    not. Counts are ranked by value, rates and shares by denominator (the group's size).
    """
    breakdowns = []
    rows = {
        (m, s): i for i, m, s in zip(frame.index, frame["metric"], frame["segment"], strict=True)
    }
    metrics = dict.fromkeys(frame["metric"])
    for metric in metrics if additive is None else [m for m in metrics if m in additive]:
        for part, other in COMPLEMENTARY_SEGMENTS:
            keys = [(metric, s) for s in ("all", part, other) if (metric, s) in rows]
            if (metric, part) not in rows or (metric, other) not in rows:
                continue
            labels = tuple(rows[k] for k in keys)
            size = (
                "denominator" if frame.loc[list(labels), "denominator"].notna().any() else "value"
            )
            margin = rows.get((metric, "all"))
            breakdowns.append(stats.Breakdown(labels, size, margin=margin))
    return breakdowns


def suppress_complementary_segments(frame: pd.DataFrame) -> pd.DataFrame:
    """Apply secondary suppression to the complementary segments of each metric of ``frame``."""
    if not frame["suppressed"].any():
        return frame  # nothing withheld, nothing to protect
    return stats.suppress_secondary(frame, complementary_breakdowns(frame))


def frame_by_segment(figures: Sequence[Figure]) -> pd.DataFrame:
    """Return the tidy frame of a count, rate or share by segment, with its parts protected."""
    return suppress_complementary_segments(figures_frame(figures))


# --- aggregates computed once per dataset --------------------------------------------------

# Keyed by the dataset's connection, so that they go when the dataset goes.
_RESULTS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, dict[str, pd.DataFrame]] = (
    weakref.WeakKeyDictionary()
)
_TABLES: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, set[str]] = (
    weakref.WeakKeyDictionary()
)


def query_once(ds: Dataset, sql: str) -> pd.DataFrame:
    """Return the (small) result of ``sql``, run only the first time it is asked of ``ds``.

    The caller gets its own copy, free to change.
    """
    results = _RESULTS.setdefault(ds.con, {})
    if sql not in results:
        results[sql] = ds.query(sql)
    return results[sql].copy()


def scalar_once(ds: Dataset, sql: str) -> object:
    """Return the single value of ``sql``, run only the first time it is asked of ``ds``."""
    result = query_once(ds, sql)
    value = None if result.empty else result.iat[0, 0]
    return None if value is None or pd.isna(value) else value


def materialize_once(ds: Dataset, sql: str, prefix: str) -> str:
    """Return the name of a temporary table of ``ds`` holding the rows of ``sql``.

    The table is created the first time; its name derives from the SQL, so another
    query gets another table.
    """
    name = f"_{prefix}_{hashlib.sha256(sql.encode()).hexdigest()[:16]}"
    tables = _TABLES.setdefault(ds.con, set())
    if name not in tables:
        ds.con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}')
        tables.add(name)
    return name


# --- SQL pieces ---------------------------------------------------------------------------


def year_start(year: int) -> str:
    """SQL literal of 1 January of ``year``."""
    return f"DATE '{int(year):04d}-01-01'"


def year_end(year: int) -> str:
    """SQL literal of 31 December of ``year``."""
    return f"DATE '{int(year):04d}-12-31'"


def in_year(column: str, year: int) -> str:
    """SQL condition: ``column`` (a date) falls in ``year``."""
    return f"({column} BETWEEN {year_start(year)} AND {year_end(year)})"


def active_in_year(year: int, alias: str = "e") -> str:
    """SQL condition: the enrollment ``alias`` is active in ``year``.

    Started on or before 31 December and not ended before 1 January.
    """
    return (
        f"({alias}.started_at <= {year_end(year)} "
        f"AND ({alias}.ended_at IS NULL OR {alias}.ended_at >= {year_start(year)}))"
    )


def counts_by_key(
    ds: Dataset, sql: str, keys: Sequence[str], columns: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Run ``sql`` (columns ``key`` and ``columns``) and return the counts of each key.

    Keys of ``keys`` absent from the result (a segment with no one in it) get zeros.
    Several figures often ask for the same counts: they are computed once.
    """
    result = query_once(ds, sql)
    found: Mapping[str, Mapping[str, int]] = {
        str(key): {c: int(v) for c, v in zip(columns, values, strict=True)}
        for key, *values in result[["key", *columns]].itertuples(index=False)
    }
    return {k: dict(found.get(k, {c: 0 for c in columns})) for k in keys}


def sql_string(value: str) -> str:
    """Quote ``value`` as an SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def rates_frame(
    ds: Dataset, metric: str, sql: str, keys: Sequence[str], min_cell: int
) -> pd.DataFrame:
    """Return one rate per key from ``sql`` (columns ``key``, ``numerator``, ``denominator``).

    Keys with no row get 0 / 0, a rate without value.
    """
    counts = counts_by_key(ds, sql, keys, ("numerator", "denominator"))
    figures = [
        rate_figure(metric, k, counts[k]["numerator"], counts[k]["denominator"], min_cell)
        for k in keys
    ]
    return frame_by_segment(figures)


def counts_frame(
    ds: Dataset, metric: str, sql: str, keys: Sequence[str], min_cell: int
) -> pd.DataFrame:
    """Return one count per key from ``sql`` (columns ``key`` and ``n``); absent keys count 0."""
    counts = counts_by_key(ds, sql, keys, ("n",))
    figures = [count_figure(metric, k, counts[k]["n"], min_cell) for k in keys]
    return frame_by_segment(figures)


def single_count_frame(ds: Dataset, metric: str, sql: str, min_cell: int) -> pd.DataFrame:
    """Return the count of segment ``all`` computed by ``sql`` (one row, one column)."""
    count = scalar_once(ds, sql)
    return figures_frame([count_figure(metric, "all", int(count or 0), min_cell)])


def covered_years(ds: Dataset) -> list[int]:
    """The years the dataset covers, the years a report can be built for.

    The years its description (dataset.json) declares, when it declares them; else the
    years with monthly records (traffic or carbon activity): applications and
    enrollments reach back before the first complete year, so their dates alone would
    offer partial years as if they were whole.
    """
    declared = ds.meta.get("years")
    if isinstance(declared, list) and declared and all(isinstance(y, int) for y in declared):
        return sorted(set(declared))
    years = query_once(
        ds,
        """
        SELECT DISTINCT y FROM (
            SELECT year(month) AS y FROM monthly_traffic
            UNION SELECT year(month) FROM carbon_activity
        ) WHERE y IS NOT NULL ORDER BY y
        """,
    )
    return [int(y) for y in years["y"]]

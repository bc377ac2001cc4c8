"""The KPI file of a year: every figure of the report, one row each.

``compute_kpis`` runs every metric of the registry, applies secondary suppression across
figures and returns the rows in a stable order; ``write_kpis`` writes them with a fixed
number format, so the same inputs give the same bytes. ``compute_series`` returns the
small breakdowns the charts draw.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from helpers.core import safe_csv
from helpers.figures import intruder, registry, segments, stats
from helpers.figures.metrics import series as series_module
from helpers.figures.metrics.common import (
    FIGURE_COLUMNS,
    complementary_breakdowns,
    covered_years,
)
from helpers.figures.metrics.funding import funding_breakdowns
from helpers.intake.dataset import Dataset

# The KPI file's columns (docs/methods.md): where and when, then the tidy figure itself.
KPI_COLUMNS = ("year", "section", *FIGURE_COLUMNS)
SERIES_FILE_COLUMNS = ("year", *series_module.SERIES_COLUMNS)
DECIMALS = 6


def compute_kpis(ds: Dataset, year: int, min_cell: int = stats.MIN_CELL) -> pd.DataFrame:
    """Return every figure of ``year`` in the KPI file's columns and row order.

    Rows are ordered by section, then metric (registry order), then segment (display
    order). Secondary suppression runs over all figures together, so a figure withheld to
    protect another is withheld everywhere it appears. The figures are those of
    ``compute_history``: a year's figures are the same in every report of the data.
    """
    return compute_history(ds, [year], min_cell)[int(year)]


# The figures of every year of a dataset, computed once per connection, threshold and
# span of years: each report year, and each year of its history, reads them.
_HISTORY: weakref.WeakKeyDictionary[
    duckdb.DuckDBPyConnection, dict[tuple, dict[int, pd.DataFrame]]
] = weakref.WeakKeyDictionary()


def compute_history(
    ds: Dataset, years: Sequence[int], min_cell: int = stats.MIN_CELL
) -> dict[int, pd.DataFrame]:
    """Return the KPI frames of ``years`` (``compute_kpis``), year by year.

    Every year the dataset covers is computed with them, and the intruder's check runs
    over them all: the graduates of a year are counted again by the careers figures of
    the years after, so what a year may publish depends on what later years publish of
    the same people. Whichever covered years are asked for, a year's figures are the
    same. A year outside the data (which no report publishes: ``helpers.report`` and
    ``helpers.kpis`` refuse it) joins the audit, and may change what the years it links
    to publish.
    """
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    every = tuple(sorted(set(covered_years(ds)) | {int(y) for y in years}))
    kept = _HISTORY.setdefault(ds.con, {})
    key = (every, int(min_cell), ds.fingerprint, ds.reuse_results)
    if key not in kept:
        frames = {y: _suppressed_figures(ds, y, min_cell) for y in every}
        # The histograms as published: a distribution of fewer than MIN_CELL people in
        # all is withheld, and the intruder does not see it.
        histograms = {
            y: series_module.protect_counts(
                series_module.salary_change_distribution(ds, y, min_cell), min_cell
            )
            for y in every
        }
        # Figures of different metrics share people: the intruder's check withholds what
        # could still be worked out from everything published.
        started = time.perf_counter()
        frames, results = intruder.audit(ds, frames, min_cell, histograms)
        intruder.remember_time(ds, min_cell, time.perf_counter() - started)
        for result in results:
            intruder.remember(ds, min_cell, result)
        kept[key] = {y: _in_file_order(frame, y) for y, frame in frames.items()}
    return {int(y): kept[key][int(y)].copy() for y in years}


def _suppressed_figures(ds: Dataset, year: int, min_cell: int) -> pd.DataFrame:
    """Every metric's figures of ``year``, small counts and their partners withheld."""
    figures = pd.concat(
        [spec.compute(ds, year, min_cell) for spec in registry.METRICS], ignore_index=True
    )
    duplicated = figures[figures.duplicated(["metric", "segment"])]
    if not duplicated.empty:
        pairs = ", ".join(
            f"{m}/{s}" for m, s in zip(duplicated["metric"], duplicated["segment"], strict=True)
        )
        raise RuntimeError(f"figures computed twice: {pairs}")
    additive = {m.id for m in registry.METRICS if m.kind in registry.ADDITIVE_KINDS}
    breakdowns = complementary_breakdowns(figures, additive) + funding_breakdowns(figures)
    return stats.suppress_secondary(figures, breakdowns, min_cell)


def _in_file_order(figures: pd.DataFrame, year: int) -> pd.DataFrame:
    """``figures`` of ``year`` in the KPI file's columns, in its row order."""
    figures = figures.copy()
    figures["year"] = int(year)
    figures["section"] = [
        registry.metric(m).section_of(s)
        for m, s in zip(figures["metric"], figures["segment"], strict=True)
    ]
    metric_rank = {m.id: i for i, m in enumerate(registry.METRICS)}
    order = sorted(
        figures.index,
        key=lambda i: (
            registry.SECTIONS.index(figures.at[i, "section"]),
            metric_rank[figures.at[i, "metric"]],
            segments.segment_rank(figures.at[i, "segment"]),
        ),
    )
    return figures.loc[order, list(KPI_COLUMNS)].reset_index(drop=True)


def compute_series(ds: Dataset, year: int, min_cell: int = stats.MIN_CELL) -> pd.DataFrame:
    """Return the breakdowns behind the charts of ``year`` in long form.

    Columns: year, section, series, segment, period (``YYYY-MM`` or ``YYYY``), value,
    suppressed. Monthly courses started, new members, students started, visitors and
    active members; career outcomes of the last five years; emissions monthly by scope
    and yearly by category and by allocation.
    """
    parts = [
        series_module.monthly_counts(
            ds, year, "course_enrollments", "started_at", "courses_started"
        ),
        series_module.monthly_counts(ds, year, "members", "registered_at", "new_members"),
        series_module.monthly_counts(ds, year, "enrollments", "started_at", "students_started"),
        series_module.monthly_traffic(ds, year, "visitors"),
        series_module.monthly_traffic(ds, year, "active_members"),
        series_module.career_outcome_history(ds, year),
        series_module.emissions_series(ds, year),
        series_module.team_emissions_series(ds, year),
        series_module.salary_change_distribution(ds, year, min_cell),
    ]
    frame = series_module.protect_counts(pd.concat(parts, ignore_index=True), min_cell)
    frame.insert(0, "year", int(year))
    return frame.reset_index(drop=True)


def format_number(value: object, integral: bool) -> str:
    """Format one number of the KPI file; empty for a missing value.

    Integral counts are written without decimals, everything else with six.
    """
    if value is None or pd.isna(value):
        return ""
    number = float(value)
    if integral and number.is_integer():
        return str(int(number))
    text = f"{number:.{DECIMALS}f}"
    # A tiny negative rounds to "-0.000000"; one spelling of zero keeps bytes stable.
    return "0.000000" if text == "-0.000000" else text


def kpi_rows(kpis: pd.DataFrame) -> list[list[str]]:
    """Return the KPI frame as text rows in the file's format."""
    rows = []
    for record in kpis.itertuples(index=False):
        kind = registry.metric(record.metric).kind
        rows.append(
            [
                str(record.year),
                record.section,
                record.metric,
                record.segment,
                format_number(record.value, integral=kind == "count"),
                format_number(record.numerator, integral=True),
                format_number(record.denominator, integral=True),
                format_number(record.ci_low, integral=False),
                format_number(record.ci_high, integral=False),
                "true" if record.suppressed else "false",
            ]
        )
    return rows


def write_csv(path: Path | str, header: Sequence[str], rows: list[list[str]]) -> Path:
    """Write ``rows`` under ``header`` as UTF-8 CSV with ``\\n`` line ends; return the path.

    Text cells a spreadsheet would run as a formula are neutralised (``helpers.core.safe_csv``).
    """
    return safe_csv.write_rows(path, header, rows)


def write_kpis(kpis: pd.DataFrame, path: Path | str) -> Path:
    """Write the frame of ``compute_kpis`` to ``path`` (the same bytes for the same frame)."""
    return write_csv(path, KPI_COLUMNS, kpi_rows(kpis))


def write_series(frame: pd.DataFrame, path: Path | str) -> Path:
    """Write the frame of ``compute_series`` to ``path``."""
    rows = [
        [
            str(r.year),
            r.section,
            r.series,
            r.segment,
            r.period,
            format_number(r.value, integral=series_module.SERIES_KINDS[r.series] == "count"),
            "true" if r.suppressed else "false",
        ]
        for r in frame.itertuples(index=False)
    ]
    return write_csv(path, SERIES_FILE_COLUMNS, rows)

"""Compare a dataset's figures with the published ones: the synthetic data's calibration check.

Every published figure (``data/reference/published_figures.csv``) of kind ``actual`` or
``approximate`` that the KPI file computes — or, for a published growth, whose two counts
it computes — is set beside the figure computed by ``helpers.figures.kpi_file.compute_kpis``. The
comparison is ``helpers.figures.reconcile.compare_with_published``, the one the reconciliation
page shows, with its tolerances: the check and the page cannot disagree. A figure that
contradicts another published figure (``data/reference/published_conflicts.csv``) is
listed with its reason and does not fail the check. Command line::

    python -m helpers.synth.calibrate --data data/default [--years 2021 2022]

It prints every figure with the difference and the verdict. Exit status
(``helpers.core.exit_codes``): 0 every figure within tolerance, 1 a figure that should be met
is out of tolerance (or has no value) or the folder is not a valid dataset, 2 a bad
command line or a data folder that does not exist.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from helpers.core.exit_codes import DONE, REFUSED, USAGE
from helpers.core.paths import REFERENCE_DIR
from helpers.figures import reconcile
from helpers.figures.kpi_file import compute_kpis
from helpers.intake.load import ContractError, UnusableDatasetError, load_dataset

PUBLISHED_FILE = REFERENCE_DIR / "published_figures.csv"
# The statuses that fail the check; "conflict" never does, "within" is met.
FAILED_STATUSES = ("outside", "withheld", "no_value")
# How each status is printed: failures in capitals, to stand out in a long listing.
STATUS_WORDS = {
    "within": "ok",
    "outside": "OUT",
    "conflict": "conflict",
    "withheld": "WITHHELD",
    "no_value": "NO VALUE",
}
TABLE_COLUMNS = [
    "year",
    "metric",
    "segment",
    "kind",
    "unit",
    "published",
    "computed",
    "difference",
    "scale",
    "tolerance",
    "status",
    "reason",
]


def read_published(path: Path = PUBLISHED_FILE) -> pd.DataFrame:
    """The published figures of every kind (``compare`` sets aside what it cannot check)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def compare(
    published: pd.DataFrame, kpis: pd.DataFrame, conflicts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per published figure the KPI rows can be set beside, with the verdict.

    Parameters
    ----------
    published : DataFrame
        Published figures (the columns of ``published_figures.csv``).
    kpis : DataFrame
        KPI rows of the years to check, ``year`` included.
    conflicts : DataFrame, optional
        Published figures in conflict with others (``reconcile.read_conflicts``).

    Returns
    -------
    DataFrame
        ``TABLE_COLUMNS``: the comparison of ``reconcile.compare_with_published`` for the
        figures it could measure, with the English reason of a conflict in ``reason``.
    """
    table = reconcile.compare_with_published(published, kpis, conflicts=conflicts)
    table = table[table["status"].isin(reconcile.MEASURED_STATUSES)].copy()
    table["reason"] = table["reason_en"]
    return table[TABLE_COLUMNS].reset_index(drop=True)


def failures(table: pd.DataFrame) -> pd.DataFrame:
    """The figures that should be met and are not."""
    return table[table["status"].isin(FAILED_STATUSES)]


def calibration_table(data_dir: Path, years: Sequence[int] | None = None) -> pd.DataFrame:
    """Load and validate ``data_dir``, compute its KPIs and compare them with the reports.

    Parameters
    ----------
    data_dir
        A dataset folder.
    years
        Years to check; by default those of the dataset's marker (``dataset.json``), or
        every year with a published figure.

    Returns
    -------
    pandas.DataFrame
        See ``compare``.
    """
    ds = load_dataset(data_dir)
    published = read_published()
    if years is None:
        years = ds.meta.get("years") or sorted({int(y) for y in published["year"]})
    years = [int(y) for y in years]
    # Nothing is withheld here: calibration compares figures, it publishes none.
    kpis = pd.concat([compute_kpis(ds, y, min_cell=1) for y in years], ignore_index=True)
    published = published[published["year"].astype(int).isin(years)]
    return compare(published, kpis, reconcile.read_conflicts())


def format_table(table: pd.DataFrame) -> str:
    """The comparison as aligned text, a line per figure and a summary line.

    Shares, rates and growths are shown in percent and their differences in points;
    other figures in their unit, with the difference in percent of the published value.
    Each difference is followed by its tolerance.
    """
    lines = [
        f"{'year':<5} {'metric':<31} {'segment':<18} {'kind':<11} {'published':>12} "
        f"{'computed':>12} {'difference':>11} {'tolerance':>10}  status"
    ]
    for r in table.itertuples(index=False):
        in_points = r.scale == "points" or r.unit in reconcile.POINT_UNITS
        lines.append(
            f"{r.year:<5} {r.metric:<31} {r.segment:<18} {r.kind:<11} "
            f"{_show(r.published, in_points):>12} {_show(r.computed, in_points):>12} "
            f"{_show_gap(r.difference, in_points, signed=True):>11} "
            f"{_show_gap(r.tolerance, in_points, signed=False):>10}  "
            f"{STATUS_WORDS[r.status]}" + (f" ({r.reason})" if r.reason else "")
        )
    counts = table["status"].value_counts()
    failed = int(counts.reindex(list(FAILED_STATUSES), fill_value=0).sum())
    lines.append(
        f"{len(table)} published figures: {counts.get('within', 0)} within tolerance, "
        f"{counts.get('conflict', 0)} in conflict with another published figure, "
        f"{failed} out of tolerance or without a value"
    )
    return "\n".join(lines)


def _show(value: float, in_points: bool) -> str:
    if pd.isna(value):
        return "-"
    if in_points:
        return f"{value * 100:.2f} %"
    whole = float(value).is_integer() or abs(value) >= 100
    return f"{value:,.0f}" if whole else f"{value:,.2f}"


def _show_gap(value: float, in_points: bool, signed: bool) -> str:
    """A difference or a tolerance: points for percentages, percent of the published
    value for the rest (``reconcile`` gives both as fractions)."""
    if pd.isna(value):
        return "-"
    sign = "+" if signed else ""
    return f"{value * 100:{sign}.2f} {'pt' if in_points else '%'}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.synth.calibrate",
        description="Compare a dataset's KPIs with the published figures.",
    )
    parser.add_argument("--data", type=Path, required=True, help="dataset folder")
    parser.add_argument(
        "--years", type=int, nargs="+", help="years to check (default: the dataset's years)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        table = calibration_table(args.data, args.years)
    except UnusableDatasetError as error:
        print(f"calibrate failed: {error}", file=sys.stderr)
        return USAGE
    except ContractError as error:
        print(f"{args.data}: not a valid dataset\n{error}", file=sys.stderr)
        return REFUSED
    print(format_table(table))
    return REFUSED if len(failures(table)) else DONE


if __name__ == "__main__":
    sys.exit(main())

"""Compare a dataset's figures with the published ones: the synthetic data's calibration check.

Every published figure (``data/reference/published_figures.csv``) of kind ``actual`` or
``approximate`` whose metric and segment the KPI file computes is printed beside the
figure computed by ``helpers.kpis.compute_kpis``, with the difference and whether it is
within tolerance. Tolerances and the figures exempted from the check (conflicting or
unreachable ones, each with its reason) are data: ``helpers/synth/calibration.toml``.
Command line::

    python -m helpers.calibrate --data data/default [--years 2021 2022]

It exits with status 1 when a figure that should be met is out of tolerance, and 2 when
the folder is not a valid dataset.
"""

from __future__ import annotations

import argparse
import math
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.kpis import compute_kpis
from helpers.load import ContractError, load_dataset
from helpers.paths import PACKAGE_DIR, REFERENCE_DIR

PUBLISHED_FILE = REFERENCE_DIR / "published_figures.csv"
CALIBRATION_FILE = PACKAGE_DIR / "synth" / "calibration.toml"
CHECKED_KINDS = ("actual", "approximate")
STATUS_OK, STATUS_OUT, STATUS_EXEMPT, STATUS_MISSING = "ok", "OUT", "exempt", "MISSING"


@dataclass(frozen=True)
class Rules:
    """Tolerances by unit and kind, and the exempted figures with their reasons."""

    absolute_units: frozenset[str]
    absolute: float
    absolute_approximate: float
    relative: float
    relative_approximate: float
    exemptions: dict[tuple[int, str, str, float], str]

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> Rules:
        with open(path, "rb") as f:
            data = tomllib.load(f)
        t = data["tolerance"]
        exemptions = {
            (int(e["year"]), e["metric"], e["segment"], float(e["value"])): e["reason"]
            for e in data.get("exemption", [])
        }
        return cls(
            frozenset(t["absolute_units"]),
            float(t["absolute"]),
            float(t["absolute_approximate"]),
            float(t["relative"]),
            float(t["relative_approximate"]),
            exemptions,
        )

    def tolerance(self, unit: str, kind: str, published: float) -> float:
        """Largest accepted absolute difference for a published figure."""
        approximate = kind == "approximate"
        if unit in self.absolute_units:
            return self.absolute_approximate if approximate else self.absolute
        share = self.relative_approximate if approximate else self.relative
        return share * abs(published)

    def exemption(self, year: int, metric: str, segment: str, value: float) -> str | None:
        for (y, m, s, v), reason in self.exemptions.items():
            if (y, m, s) == (year, metric, segment) and math.isclose(v, value, rel_tol=1e-9):
                return reason
        return None


def read_published(path: Path = PUBLISHED_FILE) -> pd.DataFrame:
    """The published figures that a dataset is expected to reproduce."""
    published = pd.read_csv(path)
    return published[published["kind"].isin(CHECKED_KINDS)].reset_index(drop=True)


def compare(published: pd.DataFrame, kpis: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """One row per published figure the KPI file computes: both values and the verdict.

    ``kpis`` holds the KPI rows of the years to check (column ``year`` included).
    """
    computed = kpis[["year", "metric", "segment", "value"]].rename(columns={"value": "computed"})
    known = set(zip(kpis["year"], kpis["metric"], kpis["segment"], strict=True))
    rows = published[
        [
            (y, m, s) in known
            for y, m, s in zip(
                published["year"], published["metric"], published["segment"], strict=True
            )
        ]
    ]
    table = rows.merge(computed, on=["year", "metric", "segment"], how="left")
    table = table.rename(columns={"value": "published"})
    table["difference"] = table["computed"] - table["published"]
    table["tolerance"] = [
        rules.tolerance(u, k, p)
        for u, k, p in zip(table["unit"], table["kind"], table["published"], strict=True)
    ]
    statuses, reasons = [], []
    for r in table.itertuples(index=False):
        reason = rules.exemption(int(r.year), r.metric, r.segment, float(r.published))
        if reason is not None:
            statuses.append(STATUS_EXEMPT)
        elif pd.isna(r.computed):
            statuses.append(STATUS_MISSING)
        elif abs(r.difference) <= r.tolerance + 1e-12:
            statuses.append(STATUS_OK)
        else:
            statuses.append(STATUS_OUT)
        reasons.append(reason or "")
    table["status"] = statuses
    table["reason"] = reasons
    columns = ["year", "metric", "segment", "kind", "unit", "published", "computed"]
    columns += ["difference", "tolerance", "status", "reason"]
    return (
        table[columns]
        .sort_values(["year", "metric", "segment", "kind"], kind="stable")
        .reset_index(drop=True)
    )


def failures(table: pd.DataFrame) -> pd.DataFrame:
    """The figures that should be met and are not."""
    return table[table["status"].isin([STATUS_OUT, STATUS_MISSING])]


def calibration_table(
    data_dir: Path, years: Sequence[int] | None = None, rules: Rules | None = None
) -> pd.DataFrame:
    """Load and validate ``data_dir``, compute its KPIs and compare them with the reports.

    Parameters
    ----------
    data_dir
        A dataset folder.
    years
        Years to check; by default those of the dataset's marker (``dataset.json``), or
        every year with a published figure.
    rules
        Tolerances and exemptions; by default ``helpers/synth/calibration.toml``.

    Returns
    -------
    pandas.DataFrame
        One row per published figure the KPI file computes: published and computed
        values, difference, tolerance, status (ok, OUT, MISSING, exempt) and reason.
    """
    ds = load_dataset(data_dir)
    published = read_published()
    if years is None:
        years = ds.meta.get("years") or sorted(published["year"].unique())
    # Nothing is withheld here: calibration compares figures, it publishes none.
    kpis = pd.concat([compute_kpis(ds, int(y), min_cell=1) for y in years], ignore_index=True)
    published = published[published["year"].isin([int(y) for y in years])]
    return compare(published, kpis, rules or Rules.load())


def format_table(table: pd.DataFrame) -> str:
    """The comparison as aligned text, a line per figure and a summary line.

    Shares are shown in percent and their differences in points; other figures in
    their unit, with the difference in percent of the published value.
    """
    lines = [
        f"{'year':<5} {'metric':<31} {'segment':<18} {'kind':<11} {'published':>12} "
        f"{'computed':>12} {'difference':>11}  status"
    ]
    for r in table.itertuples(index=False):
        in_points = r.unit in ("share", "growth", "points")
        lines.append(
            f"{r.year:<5} {r.metric:<31} {r.segment:<18} {r.kind:<11} "
            f"{_show(r.published, in_points):>12} {_show(r.computed, in_points):>12} "
            f"{_show_difference(r, in_points):>11}  {r.status}"
            + (f" ({r.reason})" if r.reason else "")
        )
    counts = table["status"].value_counts()
    failed = counts.get(STATUS_OUT, 0) + counts.get(STATUS_MISSING, 0)
    lines.append(
        f"{len(table)} published figures: {counts.get(STATUS_OK, 0)} within tolerance, "
        f"{counts.get(STATUS_EXEMPT, 0)} exempt, {failed} out of tolerance"
    )
    return "\n".join(lines)


def _show(value: float, in_points: bool) -> str:
    if pd.isna(value):
        return "-"
    if in_points:
        return f"{value * 100:.2f} %"
    whole = float(value).is_integer() or abs(value) >= 100
    return f"{value:,.0f}" if whole else f"{value:,.2f}"


def _show_difference(row: tuple, in_points: bool) -> str:
    if pd.isna(row.difference):
        return "-"
    if in_points:
        return f"{row.difference * 100:+.2f} pt"
    if row.published:
        return f"{row.difference / row.published * 100:+.2f} %"
    return f"{row.difference:+,.2f}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.calibrate",
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
    except ContractError as error:
        print(f"{args.data}: not a valid dataset\n{error}", file=sys.stderr)
        return 2
    print(format_table(table))
    return 1 if len(failures(table)) else 0


if __name__ == "__main__":
    sys.exit(main())

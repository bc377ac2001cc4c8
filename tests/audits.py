"""What the intruder's check found on a dataset, and the check run again on what a
report publishes: helpers shared by the tests of the check."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from helpers.figures import intruder, stats
from helpers.figures.intruder import AuditResult, Finding
from helpers.intake.dataset import Dataset


def audits(ds: Dataset, min_cell: int, years: list[int]) -> list[AuditResult]:
    """The check's audits of ``years`` (run by ``compute_kpis``): the populations of each
    year, then the graduates of each year followed over the years after."""
    found = intruder.results_of(ds, min_cell, years)
    assert found, f"no audit of {years} on record"
    return found


def found_before(ds: Dataset, min_cell: int, years: list[int]) -> list[Finding]:
    return [f for r in audits(ds, min_cell, years) for f in r.exposed_before]


def found_after(ds: Dataset, min_cell: int, years: list[int]) -> list[Finding]:
    return [f for r in audits(ds, min_cell, years) for f in r.exposed_after]


def withheld(ds: Dataset, min_cell: int, years: list[int]) -> list[tuple[int, str, str]]:
    """The figures the check withheld to protect others: year, metric, segment."""
    return [w for r in audits(ds, min_cell, years) for w in r.withheld]


def check_published(
    ds: Dataset,
    frames: Mapping[int, pd.DataFrame],
    min_cell: int,
    histograms: Mapping[int, pd.DataFrame] | None = None,
) -> list[str]:
    """The check run again on published KPI frames (year -> frame, as in the KPI file):
    every withheld figure looks withheld before the check, so what must not come out is
    a small count (a withheld figure's, or a cell's). Returns the labels found."""
    given = {
        int(y): f.drop(columns=[c for c in ("year", "section") if c in f]).reset_index(drop=True)
        for y, f in frames.items()
    }
    _, results = intruder.audit(ds, given, min_cell, histograms)
    return [
        f"{r.year}{' graduates' if r.followed else ''}: {f.label}"
        for r in results
        for f in r.exposed_before
        if stats.is_small(f.true, min_cell)
    ]

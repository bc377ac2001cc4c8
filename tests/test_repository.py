"""Conventions over the tree: committed notebooks are clean, data stays out of git."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from helpers import precommit_checks
from helpers.core.paths import ROOT


def _tracked(pattern: str) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", pattern], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return [line for line in out.stdout.splitlines() if line]


def test_committed_notebooks_carry_no_outputs():
    dirty = []
    for name in _tracked("*.ipynb"):
        nb = json.loads((ROOT / name).read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count")):
                dirty.append(name)
                break
    assert dirty == [], f"strip outputs (nbstripout) from: {dirty}"


def test_no_data_or_large_file_is_tracked():
    found = precommit_checks.problems(_tracked("*"))
    assert found == []


def test_guard_refuses_a_parquet_file_outside_reference(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "people.parquet").write_bytes(b"PAR1")
    (tmp_path / "data" / "reference").mkdir(parents=True)
    (tmp_path / "data" / "reference" / "targets.csv").write_text("metric\n")
    found = precommit_checks.problems(["people.parquet", "data/reference/targets.csv"])
    assert len(found) == 1 and found[0].startswith("people.parquet")


def test_guard_allows_only_the_committee_recommendations_in_its_year_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    names = [
        "committee/2023/recommendations.csv",
        "committee/2023/members.csv",
        "committee/recommendations.csv",
    ]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("recommendation_id\n")
    found = precommit_checks.problems(names)
    assert [line.split(":")[0] for line in found] == names[1:]


def test_the_notebook_hook_leaves_every_committed_notebook_as_it_is():
    # The pre-commit hook runs nbstripout with these options; a notebook it would rewrite
    # makes `pre-commit run --all-files` fail on a clean clone.
    notebooks = _tracked("*.ipynb")
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "nbstripout"),
            "--verify",
            "--keep-metadata-keys",
            "metadata.kernelspec",
            *notebooks,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_make_lab_passes_jupyter_options_through():
    result = subprocess.run(
        ["make", "-n", "lab", "ARGS=--port 8899 --no-browser"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    launch = [line for line in result.stdout.splitlines() if "jupyter lab" in line]
    assert launch and launch[-1].endswith("--port 8899 --no-browser")


@pytest.mark.parametrize(
    ("target", "selection"),
    [
        ("test", "-n auto --dist loadgroup"),
        ("test-fast", '-m "not slow and not server and not browser" -n auto --dist loadgroup'),
    ],
)
def test_make_test_passes_pytest_arguments_through(target, selection):
    result = subprocess.run(
        ["make", "-n", target, "ARGS=-k funnel -x"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    run = [line for line in result.stdout.splitlines() if "-m pytest" in line]
    assert run and run[-1].endswith(f"-m pytest {selection} -k funnel -x".replace("  ", " "))


def test_every_marker_make_test_fast_leaves_out_is_declared():
    markers = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    declared = {m.split(":", 1)[0] for m in markers["markers"]}
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    fast = re.search(r"^FAST_TESTS := (.*)$", makefile, flags=re.MULTILINE).group(1)
    assert set(re.findall(r"not (\w+)", fast)) == declared

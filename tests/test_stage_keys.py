"""One cache key per stage: the figures' key covers what computes them, the pages' key
what draws and words them.

A change in the pages' code (a chart's colour, a sentence) rebuilds the pages and the
PDF from the figures already computed; a change in a metric, the contract or a
reference table computes the figures anew.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_reference_frames, make_valid_frames, write_dataset
from report_runs import FIXTURE_NOTEBOOKS

from helpers.core.paths import PACKAGE_DIR, REFERENCE_DIR, ROOT
from helpers.figures import run_data
from helpers.figures.run_data import hash_figures_code, hash_helper_code

YEAR = "2022"


def append_comment(path: Path) -> None:
    """What an analyst's tweak amounts to for a hash: one more line in a source file."""
    with path.open("a", encoding="utf-8") as source:
        source.write("# a tweak\n")


@pytest.fixture
def copy_of_the_code(tmp_path: Path) -> Path:
    """The package and the reference tables, copied where a test may edit them."""
    root = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(PACKAGE_DIR, root / "src" / "helpers", ignore=ignore)
    shutil.copytree(REFERENCE_DIR, root / "data" / "reference", ignore=ignore)
    return root


def figures_key(root: Path) -> str:
    # A process hashes each folder once (the code does not change while a report runs).
    run_data._hash_tree.cache_clear()
    return hash_figures_code(root / "src" / "helpers", root / "data" / "reference")


@pytest.mark.parametrize(
    "module",
    [
        "pages/charts.py",
        "pages/sections/tables.py",
        "pages/i18n/en.toml",
        "pages/templates/committee/committee.css",
        "run/orchestrate.py",
        "report.py",
        "bench/peers.py",
        "synth/generate.py",
    ],
)
def test_a_change_outside_the_figures_stages_keeps_the_figures_key(copy_of_the_code, module):
    before = figures_key(copy_of_the_code)
    path = copy_of_the_code / "src" / "helpers" / module
    assert path.is_file(), module
    if path.suffix == ".py" or path.suffix == ".toml":
        append_comment(path)
    else:
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert figures_key(copy_of_the_code) == before


@pytest.mark.parametrize(
    "module",
    [
        "figures/metrics/funnel.py",
        "figures/registry.py",
        "figures/stats.py",
        "intake/contract.py",
        "intake/rules.py",
        "core/params.py",
    ],
)
def test_a_change_in_a_metric_the_contract_or_the_core_changes_the_figures_key(
    copy_of_the_code, module
):
    before = figures_key(copy_of_the_code)
    append_comment(copy_of_the_code / "src" / "helpers" / module)
    assert figures_key(copy_of_the_code) != before


def test_a_change_in_a_reference_table_changes_the_figures_key(copy_of_the_code):
    before = figures_key(copy_of_the_code)
    table = copy_of_the_code / "data" / "reference" / "targets.csv"
    table.write_text(table.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert figures_key(copy_of_the_code) != before


def test_the_pages_key_covers_the_whole_package_beside_the_figures():
    assert hash_figures_code() != hash_helper_code()
    assert hash_figures_code() == figures_key(ROOT)


# --- the same, through whole report runs on a copy of the repository ---------------------


@pytest.fixture
def repository(tmp_path: Path, copy_of_the_code: Path) -> Path:
    """A copy of what a report run reads of the repository: the package, the reference
    tables, short methods notes, one small section notebook."""
    (copy_of_the_code / "docs").mkdir()
    (copy_of_the_code / "docs" / "methods.md").write_text("# Methods\n\nShort notes.\n")
    notebooks = copy_of_the_code / "notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURE_NOTEBOOKS / "good.ipynb", notebooks / "good.ipynb")
    return copy_of_the_code


def build(repository: Path, data: Path, out: Path, cache: Path) -> str:
    """A report run on the copy's code (its kernels import it too); its progress lines."""
    env = {
        **os.environ,
        "PYTHONPATH": str(repository / "src"),
        "XDG_CACHE_HOME": str(cache),
    }
    done = subprocess.run(
        [sys.executable, "-m", "helpers.report", "--year", YEAR, "--data", str(data)]
        + ["--out", str(out), "--notebooks", str(repository / "notebooks")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=repository,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def code_of(out: Path) -> str:
    """The code version the published report's provenance names."""
    run = json.loads((out / YEAR / "en" / "run-data" / "run.json").read_text(encoding="utf-8"))
    return run["code"]["hash"]


def caches(output: str) -> str:
    found = re.findall(r"\bcaches: (.*)$", output, flags=re.MULTILINE)
    assert found, output
    return found[-1]


@pytest.mark.slow
def test_a_chart_tweak_rebuilds_pages_and_pdf_from_the_figures_and_a_metric_change_recomputes(
    tmp_path, repository
):
    data = write_dataset({**make_valid_frames(), **make_reference_frames()}, tmp_path / "data")
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = build(repository, data, out, cache)
    assert "figures computed" in caches(first)
    pdf = out / YEAR / "en" / f"mission-report-{YEAR}-en.pdf"
    built_before = pdf.stat().st_mtime_ns
    code_before = code_of(out)
    page = out / YEAR / "en" / "good.html"
    assert page.is_file()

    append_comment(repository / "src" / "helpers" / "pages" / "charts.py")
    tweaked = build(repository, data, out, cache)
    assert "figures reused" in caches(tweaked), tweaked
    assert "computing the figures" not in tweaked
    assert "sections 0 of 1 reused" in caches(tweaked), tweaked
    assert pdf.stat().st_mtime_ns != built_before
    # The provenance names the code that built these pages, not the one of the figures.
    assert code_of(out) != code_before

    append_comment(repository / "src" / "helpers" / "figures" / "metrics" / "carbon.py")
    metric_changed = build(repository, data, out, cache)
    assert "figures computed" in caches(metric_changed), metric_changed
    assert "computing the figures" in metric_changed

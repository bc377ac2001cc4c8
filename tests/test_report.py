"""``make report``: the whole run, its failures, and the safety of OUT/Y.

The smoke test builds every section notebook on a small generated dataset; the other
tests use the hand-made dataset of conftest.py and the tiny notebooks of
tests/fixtures/notebooks (one that works, one that raises, one that hangs).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import astuple, dataclass
from pathlib import Path

import pytest
from conftest import make_reference_frames, make_valid_frames, write_dataset
from report_runs import (
    FIXTURE_COMMITTEE,
    FIXTURE_NOTEBOOKS,
    SMOKE_YEAR,
    build_smoke_report,
    run_report,
)

from helpers import report
from helpers.core.paths import ROOT
from helpers.report import SECTION_ORDER
from helpers.run import publish

pytestmark = pytest.mark.slow

YEAR = "2022"


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    return build_smoke_report(tmp_path_factory.getbasetemp())


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return write_dataset({**make_valid_frames(), **make_reference_frames()}, tmp_path / "data")


def notebooks(tmp_path: Path, *names: str) -> Path:
    """A notebooks folder holding the named fixture notebooks."""
    folder = tmp_path / "notebooks"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(FIXTURE_NOTEBOOKS / f"{name}.ipynb", folder / f"{name}.ipynb")
    return folder


@dataclass(frozen=True)
class Workspace:
    """A dataset, a notebooks folder (good, other) and the report already built from them."""

    data: Path
    notebooks: Path
    out: Path

    def add(self, name: str) -> None:
        shutil.copy(FIXTURE_NOTEBOOKS / f"{name}.ipynb", self.notebooks / f"{name}.ipynb")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Workspace:
    base = tmp_path_factory.mktemp("built")
    data = write_dataset({**make_valid_frames(), **make_reference_frames()}, base / "data")
    folder = notebooks(base, "good")
    nb = json.loads((folder / "good.ipynb").read_text())
    nb["cells"][0]["source"] = "# Other fixture section"
    (folder / "other.ipynb").write_text(json.dumps(nb))
    result = build(data, folder, base / "out")
    assert result.returncode == 0, result.stderr
    return Workspace(data, folder, base / "out")


@pytest.fixture
def workspace(built: Workspace, tmp_path: Path) -> Workspace:
    """A copy of ``built`` to change: its sections are cached, so only new ones run."""
    copy = Workspace(tmp_path / "data", tmp_path / "notebooks", tmp_path / "out")
    for source, target in zip(astuple(built), astuple(copy), strict=True):
        shutil.copytree(source, target)
    return copy


def build(dataset: Path, folder: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_report(
        "--year", YEAR, "--data", str(dataset), "--out", str(out), "--notebooks", str(folder),
        "--min-cell", "1", *extra,
    )  # fmt: skip


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and the hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(out: Path) -> list[str]:
    """Staging and work folders of runs, which must not survive them."""
    root = publish.build_root(out)
    return sorted(p.name for p in root.glob("*") if re.search(r"\.(tmp|old|work)-\d+$", p.name))


# --- the whole report ---------------------------------------------------------------


def test_smoke_run_executes_and_renders_every_section(smoke):
    assert smoke.result.returncode == 0, smoke.result.stderr
    folder = smoke.folder
    for name in SECTION_ORDER:
        assert (folder / f"{name}.html").is_file()
        assert (folder / "notebooks" / f"{name}.ipynb").is_file()
        assert f"{name}: executed in" in smoke.result.stdout
    index = (folder / "index.html").read_text(encoding="utf-8")
    for name in SECTION_ORDER:
        assert f'href="{name}.html"' in index
    assert (folder / "kpis.csv").read_bytes() == (folder / "run-data" / "kpis.csv").read_bytes()
    assert (folder / "kpis.csv").read_text().startswith("year,section,metric,segment,value")
    assert (folder / "kpis-dictionary.csv").read_text().startswith("metric,section,kind,unit")
    assert "`kpis-dictionary.csv`" in (folder / "README.md").read_text(encoding="utf-8")
    assert re.search(r"privacy: no identifier in \d+ outputs", smoke.result.stdout)


def test_pages_carry_no_code_parameters_or_notebook_metadata(smoke):
    for page in smoke.pages():
        text = page.read_text(encoding="utf-8")
        assert "injected-parameters" not in text, page.name
        assert "papermill" not in text, page.name
        assert "output_dir" not in text, page.name
        assert "<script" not in text.lower(), page.name
        assert "jp-InputArea-editor" not in text, page.name  # no code cell input


def test_rerun_with_nothing_changed_rebuilds_nothing(smoke):
    before = {p: p.stat().st_mtime_ns for p in smoke.folder.rglob("*")}
    result = run_report(
        "--year", str(SMOKE_YEAR), "--data", str(smoke.data), "--out", str(smoke.out),
        "--committee", str(FIXTURE_COMMITTEE),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert {p: p.stat().st_mtime_ns for p in smoke.folder.rglob("*")} == before


# --- failures -------------------------------------------------------------------------


def test_failing_notebook_leaves_previous_report_and_names_the_cell(workspace):
    previous = snapshot(workspace.out / YEAR)
    workspace.add("raises")

    result = build(workspace.data, workspace.notebooks, workspace.out)

    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("report failed")]
    assert len(lines) == 1
    match = re.fullmatch(
        r'report failed: notebook raises\.ipynb, cell \[4\] "share / 0": '
        r"ZeroDivisionError: division by zero "
        r"\(executed notebook kept at (.+)\)",
        lines[0],
    )
    assert match, lines[0]
    kept = Path(match.group(1))
    assert "ZeroDivisionError" in kept.read_text(encoding="utf-8")
    assert snapshot(workspace.out / YEAR) == previous
    assert leftovers(workspace.out) == []


def test_hanging_cell_is_stopped_and_named(tmp_path, dataset):
    out = tmp_path / "out"
    result = build(dataset, notebooks(tmp_path, "hangs"), out, "--cell-timeout", "2")
    assert result.returncode == 1
    # Named as the kept executed notebook shows it in JupyterLab: count and first line.
    assert 'hangs.ipynb, cell [3] "import time": TimeoutError' in result.stderr
    assert "--cell-timeout" in result.stderr
    assert not (out / YEAR).exists()


def test_bad_data_is_refused_before_any_notebook_runs(tmp_path):
    frames = {**make_valid_frames(), **make_reference_frames()}
    frames["members"].loc[1, "gender"] = "robot"
    data = write_dataset(frames, tmp_path / "data")
    out = tmp_path / "out"

    result = build(data, notebooks(tmp_path, "raises"), out)

    assert result.returncode == 1
    assert "members" in result.stderr and "gender" in result.stderr
    assert "no notebook was run" in result.stderr
    assert "raises" not in result.stdout + result.stderr
    assert not (out / YEAR).exists()
    assert not list(publish.failed_folder(out, int(YEAR)).glob("*"))


def test_year_outside_the_data_is_refused(tmp_path, dataset):
    result = run_report(
        "--year", "2030", "--data", str(dataset), "--out", str(tmp_path / "out"),
        "--notebooks", str(notebooks(tmp_path, "good")),
    )  # fmt: skip
    assert result.returncode == 1
    assert "does not cover 2030" in result.stderr


def test_a_year_the_description_does_not_declare_is_refused_before_kernels_warm(tmp_path, dataset):
    (dataset / "dataset.json").write_text('{"synthetic": true, "years": [2021, 2022]}')
    result = run_report(
        "--year", "2023", "--data", str(dataset), "--out", str(tmp_path / "out"),
        "--notebooks", str(notebooks(tmp_path, "good")),
    )  # fmt: skip
    assert result.returncode == 1
    assert "does not cover 2023 (it covers 2021–2022)" in result.stderr
    assert "warming" not in result.stdout and "validate:" not in result.stdout


def test_bad_parameters_are_refused_with_status_2(tmp_path, dataset):
    out = tmp_path / "out"
    result = run_report("--year", YEAR, "--data", str(dataset), "--out", str(out), "--lang", "de")
    assert result.returncode == 2
    assert "--lang must be en, fr, en,fr or all" in result.stderr
    assert not out.exists()


def test_notebook_with_wrong_parameters_cell_is_refused(tmp_path, dataset):
    folder = notebooks(tmp_path, "good")
    nb = json.loads((folder / "good.ipynb").read_text())
    for cell in nb["cells"]:
        if "parameters" in cell["metadata"].get("tags", []):
            cell["source"] = 'year = 2022\nlang = "en"\n'
    (folder / "good.ipynb").write_text(json.dumps(nb))
    result = build(dataset, folder, tmp_path / "out")
    assert result.returncode == 1
    assert "good.ipynb: the parameters cell declares year, lang" in result.stderr


# --- OUT/Y replaced safely ------------------------------------------------------------


def test_one_section_alone_goes_to_its_own_folder_and_leaves_the_report(workspace):
    previous = snapshot(workspace.out / YEAR)
    cached = sorted(p.name for p in publish.cache_root(workspace.out).glob(f"{YEAR}-*"))

    result = build(workspace.data, workspace.notebooks, workspace.out, "--sections", "other")

    assert result.returncode == 0, result.stderr
    assert "of 1 sections to run" in result.stdout
    partial = workspace.out / f"{YEAR}-other" / "en"
    assert (partial / "other.html").is_file() and not (partial / "good.html").exists()
    assert 'href="good.html"' not in (partial / "index.html").read_text(encoding="utf-8")
    assert snapshot(workspace.out / YEAR) == previous
    # The full report's cached sections survive a partial run.
    assert set(cached) <= {p.name for p in publish.cache_root(workspace.out).glob(f"{YEAR}-*")}


def test_an_unknown_section_is_a_usage_error(workspace):
    result = build(workspace.data, workspace.notebooks, workspace.out, "--sections", "fnnel")
    assert result.returncode == 2
    assert "unknown section fnnel; choose among good, other" in result.stderr


def test_changed_notebook_reruns_only_its_section(workspace):
    nb = json.loads((workspace.notebooks / "other.ipynb").read_text())
    nb["cells"][0]["source"] = "# Another title"
    (workspace.notebooks / "other.ipynb").write_text(json.dumps(nb))

    result = build(workspace.data, workspace.notebooks, workspace.out)

    assert result.returncode == 0, result.stderr
    assert "plan: 1 of 2 sections to run" in result.stdout
    assert "other: executed" in result.stdout and "good: executed" not in result.stdout
    assert "Another title" in (workspace.out / YEAR / "en" / "other.html").read_text()
    assert "(found valid before)" in result.stdout


def test_a_report_into_another_folder_reuses_the_figures_computed_before(built, tmp_path):
    result = build(built.data, built.notebooks, tmp_path / "elsewhere")

    assert result.returncode == 0, result.stderr
    assert "computed before on the same data with the same code" in result.stdout
    assert (tmp_path / "elsewhere" / YEAR / "en" / "kpis.csv").read_bytes() == (
        built.out / YEAR / "en" / "kpis.csv"
    ).read_bytes()


def test_no_cache_checks_the_data_and_runs_every_section_again(workspace):
    result = build(workspace.data, workspace.notebooks, workspace.out, "--no-cache")

    assert result.returncode == 0, result.stderr
    assert "plan: 2 of 2 sections to run" in result.stdout
    assert "(checked)" in result.stdout
    assert "kpis: reused" not in result.stdout and "computed before" not in result.stdout
    assert leftovers(workspace.out) == []


def test_run_killed_midway_leaves_previous_report_untouched(workspace):
    previous = snapshot(workspace.out / YEAR)
    workspace.add("hangs")
    command = [sys.executable, "-m", "helpers.report", "--year", YEAR, "--data"]
    command += [str(workspace.data), "--out", str(workspace.out), "--notebooks"]
    command += [str(workspace.notebooks), "--min-cell", "1"]
    # stderr dropped: the killed run's semaphore tracker reports what it cleans up there.
    run = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    for line in run.stdout:
        if "kernel 1: warm" in line:  # the hanging section starts now
            break
    time.sleep(1)
    run.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    run.kill()
    run.wait(timeout=30)
    run.stdout.close()

    assert snapshot(workspace.out / YEAR) == previous
    (workspace.notebooks / "hangs.ipynb").unlink()
    result = build(workspace.data, workspace.notebooks, workspace.out)
    assert result.returncode == 0, result.stderr
    assert leftovers(workspace.out) == []


def test_second_run_on_the_same_report_is_refused(tmp_path, dataset, capsys):
    out = tmp_path / "out"
    with publish.lock_report(out, int(YEAR)):
        status = report.main(
            ["--year", YEAR, "--data", str(dataset), "--out", str(out), "--notebooks",
             str(notebooks(tmp_path, "good"))]
        )  # fmt: skip
    assert status == 1
    assert f"another run (pid {os.getpid()}) is building" in capsys.readouterr().err


def test_swap_replaces_the_folder_in_one_step(tmp_path):
    target = tmp_path / "2022"
    target.mkdir()
    (target / "index.html").write_text("old")
    staging = tmp_path / ".build" / "2022.tmp-1"
    staging.mkdir(parents=True)
    (staging / "index.html").write_text("new")

    publish.swap_into_place(staging, target)

    assert (target / "index.html").read_text() == "new"
    assert not staging.exists()


def test_stale_folders_of_a_killed_run_are_cleaned_and_the_report_restored(tmp_path):
    root = publish.build_root(tmp_path)
    aside = root / "2022.old-4242"
    aside.mkdir(parents=True)
    (aside / "index.html").write_text("previous")
    (root / "2022.tmp-4242").mkdir()
    (root / "2021.tmp-4242").mkdir()  # another year's run is none of this run's business

    publish.clean_stale(tmp_path, 2022)

    assert (tmp_path / "2022" / "index.html").read_text() == "previous"
    assert sorted(p.name for p in root.iterdir()) == ["2021.tmp-4242"]


# --- both languages of a year ---------------------------------------------------------


def twin_links(page: Path) -> list[str]:
    """The targets of a page's links to its twin pages in the other language."""
    text = page.read_text(encoding="utf-8")
    return re.findall(r'<a class="twin-link" href="([^"]+)"', text)


def test_both_languages_in_one_run_share_the_figures(workspace):
    result = build(workspace.data, workspace.notebooks, workspace.out, "--lang", "en,fr")

    assert result.returncode == 0, result.stderr
    year = workspace.out / YEAR
    assert sorted(p.name for p in year.iterdir() if not p.name.startswith(".")) == [
        "en",
        "fr",
        "index.html",
    ]
    # The figures are computed (or reused) once, and only copied for the other language.
    assert "the figures of this run, shared (fr)" in result.stdout
    assert (year / "en" / "kpis.csv").read_bytes() == (year / "fr" / "kpis.csv").read_bytes()
    for lang in ("en", "fr"):
        assert (year / lang / f"mission-report-{YEAR}-{lang}.pdf").is_file()
        assert (year / lang / "kpis-dictionary.csv").is_file()
        assert f'<html lang="{lang}"' in (year / lang / "index.html").read_text(encoding="utf-8")
    # Every page links to its twin, and the twin is there.
    for page in [*(year / "en").glob("*.html"), *(year / "fr").glob("*.html")]:
        [link] = twin_links(page)
        assert (page.parent / link).resolve().is_file(), (page, link)
        other = "fr" if page.parent.name == "en" else "en"
        assert link == f"../{other}/{page.name}"
        assert f'hreflang="{other}"' in page.read_text(encoding="utf-8")
    chooser = (year / "index.html").read_text(encoding="utf-8")
    assert 'href="en/index.html" hreflang="en" lang="en"' in chooser
    assert 'href="fr/index.html" hreflang="fr" lang="fr"' in chooser


def test_building_french_after_english_keeps_the_english_report(workspace):
    english = snapshot(workspace.out / YEAR / "en")
    assert not twin_links(workspace.out / YEAR / "en" / "index.html")  # no twin yet

    result = build(workspace.data, workspace.notebooks, workspace.out, "--lang", "fr")

    assert result.returncode == 0, result.stderr
    assert "kept: en as published before" in result.stdout
    assert snapshot(workspace.out / YEAR / "en") == english
    # The French pages link to the English ones, published before them.
    assert twin_links(workspace.out / YEAR / "fr" / "good.html") == ["../en/good.html"]
    chooser = (workspace.out / YEAR / "index.html").read_text(encoding="utf-8")
    assert 'href="en/index.html"' in chooser and 'href="fr/index.html"' in chooser


def test_a_report_of_the_earlier_layout_is_replaced_without_stale_pages(built, tmp_path):
    out = tmp_path / "out"
    old = out / YEAR
    old.mkdir(parents=True)
    (out / publish.MARKER).write_text(publish.MARKER_TEXT)
    for name in ("index.html", "good.html", "methods.html", "kpis.csv", publish.REPORT_MANIFEST):
        (old / name).write_text("from the earlier layout")

    result = build(built.data, built.notebooks, out)

    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in old.iterdir()) == [publish.REPORT_MANIFEST, "en", "index.html"]
    assert "from the earlier layout" not in (old / "index.html").read_text(encoding="utf-8")
    assert not twin_links(old / "en" / "good.html")


def test_an_unknown_language_is_refused_before_any_work(tmp_path, dataset):
    out = tmp_path / "out"
    result = run_report(
        "--year", YEAR, "--data", str(dataset), "--out", str(out), "--lang", "en,de"
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "report failed: --lang must be en, fr, en,fr or all (both), got 'en,de'"
    ]
    assert result.stdout == ""
    assert not out.exists()


def test_every_notebook_of_the_project_is_a_known_section():
    names = [p.stem for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    assert sorted(names) == sorted(SECTION_ORDER)

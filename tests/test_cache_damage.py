"""A damaged cache entry is found, discarded, rebuilt and said; never published.

One small report is built once (the fixture section notebook, the small valid dataset,
caches of its own); each test copies it, damages entries of one place (cut short, a
byte changed, a file deleted), builds again and compares what is published with what
the first build published.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import make_reference_frames, make_valid_frames, write_dataset
from report_runs import FIXTURE_NOTEBOOKS
from test_cache import delete, flip, truncate

from helpers.core.paths import ROOT
from helpers.run import publish

pytestmark = pytest.mark.slow

YEAR = "2022"


@dataclass(frozen=True)
class Built:
    data: Path
    notebooks: Path
    out: Path
    cache: Path  # XDG_CACHE_HOME

    @property
    def user_cache(self) -> Path:
        return self.cache / "mission-report"

    @property
    def report(self) -> Path:
        return self.out / YEAR / "en"


def build(built: Built, out: Path | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "helpers.report", "--year", YEAR, "--data", str(built.data)]
    command += ["--out", str(out or built.out), "--notebooks", str(built.notebooks)]
    command += ["--min-cell", "1", "--workers", "1"]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env={**os.environ, "XDG_CACHE_HOME": str(built.cache)},
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def caches_line(result: subprocess.CompletedProcess) -> str:
    return next(line for line in result.stdout.splitlines() if " caches: " in line)


@pytest.fixture(scope="module")
def first(tmp_path_factory) -> Built:
    base = tmp_path_factory.mktemp("damage")
    data = write_dataset({**make_valid_frames(), **make_reference_frames()}, base / "data")
    notebooks = base / "notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURE_NOTEBOOKS / "good.ipynb", notebooks / "good.ipynb")
    built = Built(data, notebooks, base / "out", base / "cache")
    result = build(built)
    assert result.returncode == 0, result.stderr
    return built


@pytest.fixture
def copy(first: Built, tmp_path: Path) -> Built:
    copied = Built(tmp_path / "data", tmp_path / "notebooks", tmp_path / "out", tmp_path / "cache")
    for name in ("data", "notebooks", "out", "cache"):
        shutil.copytree(getattr(first, name), getattr(copied, name))
    return copied


def test_damaged_verdicts_and_remembered_figures_are_rebuilt_not_published(first, copy):
    # The figures remembered in the user's cache: kpis.csv cut at 3,000 bytes, history
    # changed by one byte; the verdicts: one byte changed.
    (entry,) = (copy.user_cache / "figures").iterdir()
    kpis = entry / "kpis.csv"
    kpis.write_bytes(kpis.read_bytes()[:3000])
    flip(entry / "kpis_history.csv")
    flip(copy.user_cache / "verdicts.json")

    elsewhere = copy.out.with_name("elsewhere")
    result = build(copy, elsewhere)

    assert result.returncode == 0, result.stderr
    line = caches_line(result)
    assert "validation verdicts damaged, discarded, checked anew" in line
    assert "figures damaged entry discarded, computed" in line
    assert "(checked)" in result.stdout
    published = elsewhere / YEAR / "en" / "kpis.csv"
    assert digest(published) == digest(first.report / "kpis.csv")
    # Rebuilt whole: the next report elsewhere reuses both, intact.
    again = build(copy, copy.out.with_name("third"))
    assert "verdict reused" in caches_line(again) and "figures remembered" in caches_line(again)


def test_a_damaged_report_and_its_damaged_entries_are_rebuilt_not_published(first, copy):
    cache = publish.cache_root(copy.out)
    (run_data,) = cache.glob(f"{YEAR}-en-run-*")
    (section,) = cache.glob(f"{YEAR}-en-good-*")
    truncate(run_data / "kpis.csv")  # run data: the KPI file cut short
    flip(section / "good.html")  # a section's page: one byte changed
    delete(copy.report / "methods.html")  # the published report: a page deleted

    result = build(copy)

    assert result.returncode == 0, result.stderr
    assert "up to date" not in result.stdout
    line = caches_line(result)
    assert "published report damaged" in line
    assert "sections 0 of 1 reused, 1 damaged entry discarded and run again" in line
    assert "figures damaged entry discarded, remembered" in line
    assert "good: executed" in result.stdout
    for name in ("kpis.csv", "run-data/kpis.csv", "run-data/kpis_history.csv"):
        assert digest(copy.report / name) == digest(first.report / name), name
    for name in ("good.html", "methods.html"):
        assert (copy.report / name).stat().st_size == (first.report / name).stat().st_size
    assert "up to date" in build(copy).stdout

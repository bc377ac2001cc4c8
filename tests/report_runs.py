"""Report runs shared by the report, privacy and browser tests.

``build_smoke_report`` generates a small synthetic dataset and builds the whole report
of one year from it, once per test session (it takes seconds); the tests then read its
outputs. ``run_report`` runs the command line as a user would, in a subprocess.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers.core.paths import ROOT

FIXTURE_NOTEBOOKS = ROOT / "tests" / "fixtures" / "notebooks"
# The committee's texts of the smoke report's year: an opinion in English only, a foreword
# in both languages, recommendations of the year and earlier, particulars without the next
# release nor the statistics' status.
FIXTURE_COMMITTEE = ROOT / "tests" / "fixtures" / "committee"
SMOKE_YEAR = 2022
SMOKE_SCALE = "0.01"
SMOKE_SEED = "1"


@dataclass(frozen=True)
class SmokeReport:
    """A finished report run and what it was built from."""

    data: Path
    out: Path
    result: subprocess.CompletedProcess

    @property
    def year_folder(self) -> Path:
        """OUT/Y: the language chooser and one folder per language."""
        return self.out / str(SMOKE_YEAR)

    @property
    def folder(self) -> Path:
        """OUT/Y/en: the English report the smoke run builds."""
        return self.year_folder / "en"

    def pages(self) -> list[Path]:
        return sorted(self.folder.glob("*.html"))


def run_report(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m helpers.report ARGS``, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "helpers.report", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def generate_dataset(folder: Path) -> Path:
    """A small synthetic dataset (the generator's own command line)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "helpers.synth",
            "generate",
            "--out",
            str(folder),
            "--scale",
            SMOKE_SCALE,
            "--seed",
            SMOKE_SEED,
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return folder


@functools.cache
def build_smoke_report(base: Path) -> SmokeReport:
    """The report of ``SMOKE_YEAR`` on a generated dataset, built once under ``base``."""
    data = generate_dataset(base / "smoke-data")
    out = base / "smoke-out"
    result = run_report(
        "--year",
        str(SMOKE_YEAR),
        "--data",
        str(data),
        "--out",
        str(out),
        "--committee",
        str(FIXTURE_COMMITTEE),
    )
    return SmokeReport(data, out, result)

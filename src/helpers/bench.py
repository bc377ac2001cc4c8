"""Measure `make report` against the standard tools, on this machine, in one run.

``python -m helpers.bench`` (``make bench``) generates the default dataset and the
``--scale 10`` one (once, cached under data/), then times, each ``--repeats`` times:

1. ``report``: the full report of one year on the default data, into a fresh folder;
2. ``report_10x``: the same on the ten-times dataset;
3. ``floor``: the same orchestration over notebooks that import the same libraries and
   do nothing else, on a tiny dataset (the cost of starting and rendering notebooks);
4. ``naive``: ``papermill`` then ``jupyter nbconvert --to html --no-input`` on each
   section notebook, one after the other, on the default data;
5. ``rerun``: the report again into a folder that already holds it, nothing changed;
6. ``validate`` and ``kpis``: loading and validating the default data, and computing a
   year's run data (KPI file, history, series), each alone in this process.

Every timed report starts cold: a new output folder and no cached run data. It prints a
table (median, min, max), appends one row per run to outputs/bench/history.csv and ends
with the line ``bench ratio_naive=... ratio_floor=... ratio_10x=... peak_mb_10x=...
rerun_s=...``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from helpers.paths import (
    BENCH_DATA_DIR,
    DEFAULT_DATA_DIR,
    NOTEBOOKS_DIR,
    OUTPUTS_DIR,
    ROOT,
)
from helpers.report import SECTION_ORDER

HISTORY_FILE = OUTPUTS_DIR / "bench" / "history.csv"
SCALE_10_DIR = BENCH_DATA_DIR / "scale-10"
TINY_DIR = BENCH_DATA_DIR / "scale-0.01"
NOTEBOOK_CACHE = OUTPUTS_DIR / ".cache"
# The libraries every section notebook imports (through helpers.sections) and nothing else.
FLOOR_IMPORTS = (
    "import matplotlib.pyplot\n"
    "import pandas\n"
    "import seaborn\n"
    "from IPython.display import display\n\n"
    "import helpers.sections"
)
BIN = Path(sys.executable).parent


@dataclass
class Timing:
    """Wall-clock seconds of the repetitions of one variant."""

    name: str
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def row(self) -> str:
        low, high = min(self.seconds), max(self.seconds)
        return f"{self.name:<12} {self.median:8.2f} {low:8.2f} {high:8.2f} {len(self.seconds):4d}"


def measure(name: str, run: Callable[[], None], repeats: int) -> Timing:
    """Time ``run`` ``repeats`` times, saying each time as it goes."""
    timing = Timing(name)
    for attempt in range(repeats):
        start = time.perf_counter()
        run()
        timing.seconds.append(time.perf_counter() - start)
        print(f"  {name} #{attempt + 1}: {timing.seconds[-1]:.2f} s", flush=True)
    return timing


def run_command(command: Sequence[str | Path], *, quiet: bool = True) -> None:
    """Run one command; stop the bench with its output when it fails."""
    result = subprocess.run(
        [str(c) for c in command], cwd=ROOT, capture_output=quiet, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(
            f"bench: command failed ({result.returncode}): {' '.join(map(str, command))}\n"
            f"{(result.stderr or '')[-2000:]}"
        )


def ensure_dataset(folder: Path, scale: float, seed: int) -> None:
    """Generate the synthetic dataset at ``scale`` unless its stamp says it is there."""
    print(f"data: {folder.relative_to(ROOT)} (scale {scale:g})", flush=True)
    run_command(
        [
            BIN / "python",
            "-m",
            "helpers.synth",
            "ensure",
            "--out",
            folder,
            "--scale",
            str(scale),
            "--seed",
            str(seed),
        ],
        quiet=False,
    )


def report_command(year: int, data: Path, out: Path, notebooks: Path = NOTEBOOKS_DIR) -> list:
    return [
        BIN / "python",
        "-m",
        "helpers.report",
        "--year",
        str(year),
        "--data",
        data,
        "--out",
        out,
        "--notebooks",
        notebooks,
    ]


def write_floor_notebooks(folder: Path) -> Path:
    """Copies of the section notebooks that keep the parameters cell and only import."""
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    for name in SECTION_ORDER:
        source = NOTEBOOKS_DIR / f"{name}.ipynb"
        if not source.exists():
            continue
        nb = nbformat.read(source, as_version=4)
        parameters = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        nb.cells = parameters + [nbformat.v4.new_code_cell(FLOOR_IMPORTS)]
        nbformat.write(nb, folder / source.name)
    return folder


def clear_notebook_cache() -> None:
    """Forget run data that notebooks run by hand computed, so the naive chain starts cold."""
    shutil.rmtree(NOTEBOOK_CACHE / "run-data", ignore_errors=True)


def run_naive_chain(year: int, data: Path, out: Path) -> None:
    """What a user of the standard tools would write: papermill, then nbconvert, per notebook."""
    clear_notebook_cache()
    out.mkdir(parents=True, exist_ok=True)
    for name in SECTION_ORDER:
        notebook = NOTEBOOKS_DIR / f"{name}.ipynb"
        if not notebook.exists():
            continue
        executed = out / notebook.name
        run_command(
            [
                BIN / "papermill",
                notebook,
                executed,
                "-p",
                "year",
                str(year),
                "-p",
                "data_dir",
                str(data),
                "--log-level",
                "ERROR",
            ]
        )
        run_command([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", executed])


class PeakMemory:
    """Sample the summed RSS of this process's children (and theirs) while a run lasts."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    continue
            self.peak_bytes = max(self.peak_bytes, total)
            self._stop.wait(self.interval)


def code_version() -> str:
    result = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    )
    return result.stdout.strip() or "unknown"


def append_history(figures: dict[str, float | str]) -> None:
    HISTORY_FILE.parent.mkdir(parents=True, exist_ok=True)
    new = not HISTORY_FILE.exists()
    with HISTORY_FILE.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(figures))
        if new:
            writer.writeheader()
        writer.writerow(figures)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m helpers.bench", description=__doc__)
    parser.add_argument("--year", type=int, default=2022)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2024)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    year, repeats = args.year, max(1, args.repeats)
    ensure_dataset(DEFAULT_DATA_DIR, 1, args.seed)
    ensure_dataset(SCALE_10_DIR, 10, args.seed)
    ensure_dataset(TINY_DIR, 0.01, args.seed)

    HISTORY_FILE.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="scratch-", dir=HISTORY_FILE.parent) as scratch:
        scratch = Path(scratch)
        floor_notebooks = write_floor_notebooks(scratch / "floor-notebooks")
        counter = iter(range(10_000))

        def fresh(label: str) -> Path:
            return scratch / f"{label}-{next(counter)}"

        timings = [
            measure(
                "report",
                lambda: run_command(report_command(year, DEFAULT_DATA_DIR, fresh("report"))),
                repeats,
            )
        ]
        with PeakMemory() as memory:
            timings.append(
                measure(
                    "report_10x",
                    lambda: run_command(report_command(year, SCALE_10_DIR, fresh("10x"))),
                    repeats,
                )
            )
        timings.append(
            measure(
                "floor",
                lambda: run_command(
                    report_command(year, TINY_DIR, fresh("floor"), floor_notebooks)
                ),
                repeats,
            )
        )
        timings.append(
            measure(
                "naive",
                lambda: run_naive_chain(year, DEFAULT_DATA_DIR, fresh("naive")),
                repeats,
            )
        )
        rerun_out = fresh("rerun")
        run_command(report_command(year, DEFAULT_DATA_DIR, rerun_out))
        timings.append(
            measure(
                "rerun",
                lambda: run_command(report_command(year, DEFAULT_DATA_DIR, rerun_out)),
                repeats,
            )
        )
        timings += measure_data_work(year, repeats, scratch)

    by_name = {t.name: t for t in timings}
    print(f"\n{'variant':<12} {'median':>8} {'min':>8} {'max':>8} {'runs':>4}   (seconds)")
    for timing in timings:
        print(timing.row())
    ratios = {
        "ratio_naive": by_name["report"].median / by_name["naive"].median,
        "ratio_floor": by_name["report"].median / by_name["floor"].median,
        "ratio_10x": by_name["report_10x"].median / by_name["report"].median,
        "peak_mb_10x": memory.peak_bytes / 2**20,
        "rerun_s": by_name["rerun"].median,
    }
    append_history(
        {
            "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "code_version": code_version(),
            "year": year,
            "repeats": repeats,
            **{f"{t.name}_s": round(t.median, 3) for t in timings},
            **{k: round(v, 3) for k, v in ratios.items()},
        }
    )
    print(f"history: {HISTORY_FILE.relative_to(ROOT)}")
    print(
        "bench "
        + " ".join(
            f"{k}={v:.0f}" if k == "peak_mb_10x" else f"{k}={v:.2f}" for k, v in ratios.items()
        )
    )
    return 0


def measure_data_work(year: int, repeats: int, scratch: Path) -> list[Timing]:
    """Validation alone and run-data computation alone, in this process, on the default data."""
    from helpers.load import load_dataset
    from helpers.params import ReportParams
    from helpers.rundata import write_run_data

    loaded = {}

    def validate() -> None:
        loaded["ds"] = load_dataset(DEFAULT_DATA_DIR)

    validate_timing = measure("validate", validate, repeats)
    counter = iter(range(10_000))

    def compute() -> None:
        folder = scratch / f"run-data-{next(counter)}"
        params = ReportParams(year=year, output_dir=str(folder))
        write_run_data(loaded["ds"], year, params.min_cell, folder, params)

    return [validate_timing, measure("kpis", compute, repeats)]


if __name__ == "__main__":
    raise SystemExit(main())

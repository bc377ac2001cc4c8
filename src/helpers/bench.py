"""Measure `make report` against the standard tools, on this machine, in one run.

``python -m helpers.bench`` (``make bench``) generates the default dataset and the
``--scale 10`` one (once, cached under data/), then times, ``--repeats`` times each, the
variants taking turns so that a change in the machine's load falls on all of them:

1. ``report``: the full report of one year on the default data;
2. ``report_10x``: the same on the ten-times dataset, its peak memory sampled;
3. ``floor``: the same orchestration over notebooks that keep the parameters cell and
   import the sections' libraries, nothing else, on a tiny dataset (the cost of starting
   and rendering notebooks);
4. ``naive``: ``papermill`` then ``jupyter nbconvert --to html --no-input`` on each
   section notebook, one after the other, on the default data (the first notebook
   computes the run's figures, the others read them, as a notebook run by hand does);
5. ``rerun``: the report again into a folder that already holds it, nothing changed;
6. ``validate`` and ``kpis``: validating the default data, and computing a year's run
   data (KPI file, history, series) from it, each alone in this process.

The timed report and floor runs are *cold*: a new output folder, ``--no-cache``, and an
empty cache folder (``XDG_CACHE_HOME``): no remembered validation verdict,
no figures; the naive chain, too, starts with an empty cache folder. Two extra rows, ``report_warm`` and ``report_10x_warm``, build into a
new output folder with the caches of an earlier run on the same data (the dataset found
valid, its figures computed): what every report after the first costs.
Peak memory is the largest sum, over every process of the run, of the memory each one
uses (proportional set size: pages shared between processes counted once).

It prints a table (median, min, max), appends one row per run to
outputs/bench/history.csv and ends with the line ``bench ratio_naive=... ratio_floor=...
ratio_10x=... peak_mb_10x=... rerun_s=...`` (cold medians).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from helpers.core import safe_csv
from helpers.core.atomic import write_atomically
from helpers.core.paths import BENCH_DATA_DIR, DEFAULT_DATA_DIR, NOTEBOOKS_DIR, OUTPUTS_DIR, ROOT
from helpers.report import SECTION_ORDER

HISTORY_FILE = OUTPUTS_DIR / "bench" / "history.csv"
SCALE_10_DIR = BENCH_DATA_DIR / "scale-10"
TINY_DIR = BENCH_DATA_DIR / "scale-0.01"
NOTEBOOK_CACHE = OUTPUTS_DIR / ".cache"
# The libraries every section notebook imports (through helpers.pages.sections) and nothing else.
FLOOR_IMPORTS = (
    "import matplotlib.pyplot\n"
    "import pandas\n"
    "import seaborn\n"
    "from IPython.display import display\n\n"
    "import helpers.pages.sections"
)
BIN = Path(sys.executable).parent
COLD = "cold: new OUT, --no-cache, empty cache folder"
WARM = "warm: new OUT, data found valid and figures computed by an earlier run"
SAMPLE_SECONDS = 0.1


@dataclass
class Variant:
    """One thing to time: how to run it once, and the wall-clock seconds of each run."""

    name: str
    run: Callable[[], object]
    note: str
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def row(self) -> str:
        low, high = min(self.seconds), max(self.seconds)
        return (
            f"{self.name:<16} {self.median:8.2f} {low:8.2f} {high:8.2f} "
            f"{len(self.seconds):4d}   {self.note}"
        )


def time_once(variant: Variant) -> None:
    """Run ``variant`` once, record and print its wall-clock time."""
    start = time.perf_counter()
    variant.run()
    variant.seconds.append(time.perf_counter() - start)
    print(f"  {variant.name} #{len(variant.seconds)}: {variant.seconds[-1]:.2f} s", flush=True)


def run_command(command: Sequence[str | Path], env: Mapping[str, str] | None = None) -> None:
    """Run one command, its output captured; stop the bench with it when it fails."""
    result = subprocess.run(
        [str(c) for c in command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=None if env is None else {**os.environ, **env},
    )
    if result.returncode != 0:
        raise SystemExit(
            f"bench: command failed ({result.returncode}): {' '.join(map(str, command))}\n"
            f"{(result.stdout + result.stderr)[-2000:]}"
        )


def ensure_dataset(folder: Path, scale: float, seed: int) -> None:
    """Generate the synthetic dataset at ``scale`` unless its stamp says it is there."""
    print(f"data: {folder.relative_to(ROOT)} (scale {scale:g})", flush=True)
    command = [BIN / "python", "-m", "helpers.synth", "ensure", "--out", folder]
    subprocess.run(
        [str(c) for c in [*command, "--scale", str(scale), "--seed", str(seed)]],
        cwd=ROOT,
        check=True,
    )


def report_command(
    year: int, data: Path, out: Path, notebooks: Path = NOTEBOOKS_DIR, cold: bool = True
) -> list[str | Path]:
    """The command line of ``make report``, into ``out``; ``cold`` reuses nothing."""
    command: list[str | Path] = [BIN / "python", "-m", "helpers.report", "--year", str(year)]
    command += ["--data", data, "--out", out, "--notebooks", notebooks]
    return command + (["--no-cache"] if cold else [])


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


def run_naive_chain(year: int, data: Path, out: Path, env: Mapping[str, str]) -> None:
    """What a user of the standard tools would write: papermill, then nbconvert, per notebook."""
    # Run data that notebooks run by hand computed before: forgotten, so the chain is cold.
    shutil.rmtree(NOTEBOOK_CACHE / "run-data", ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    for name in SECTION_ORDER:
        notebook = NOTEBOOKS_DIR / f"{name}.ipynb"
        if not notebook.exists():
            continue
        executed = out / notebook.name
        parameters = ["-p", "year", str(year), "-p", "data_dir", str(data)]
        run_command(
            [BIN / "papermill", notebook, executed, *parameters, "--log-level", "ERROR"], env
        )
        run_command([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", executed], env)


class PeakMemory:
    """Sample, while a run lasts, the memory of this process's descendants, summed."""

    def __init__(self, interval: float = SAMPLE_SECONDS) -> None:
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
                    total += process_memory(child)
                except psutil.Error:
                    continue  # ended between the listing and the reading
            self.peak_bytes = max(self.peak_bytes, total)
            self._stop.wait(self.interval)


def process_memory(process: psutil.Process) -> int:
    """Bytes a process uses, its shared pages divided among the processes sharing them
    (proportional set size); its resident size where the system does not say."""
    try:
        return process.memory_full_info().pss
    except (AttributeError, psutil.AccessDenied):
        return process.memory_info().rss


def code_version() -> str:
    result = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    )
    return result.stdout.strip() or "unknown"


def append_history(figures: dict[str, float | str]) -> None:
    """Add one row to the history; columns new since earlier runs are added to the file."""
    HISTORY_FILE.parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    if HISTORY_FILE.exists():
        rows = safe_csv.read_rows(HISTORY_FILE)
    columns = list(dict.fromkeys([*(rows[0] if rows else {}), *figures]))
    write_atomically(
        lambda temporary: safe_csv.write_records(temporary, columns, [*rows, figures]),
        HISTORY_FILE,
    )


def measure_data_work(year: int, repeats: int, scratch: Path) -> list[Variant]:
    """Validation alone and run-data computation alone, in this process, on the default data.

    Each computation starts from a newly loaded dataset: the aggregates computed on one
    stay with it.
    """
    from helpers.figures.run_data import write_run_data
    from helpers.figures.stats import MIN_CELL
    from helpers.intake.load import load_dataset

    validate = Variant(
        "validate", lambda: load_dataset(DEFAULT_DATA_DIR).con.close(), "cold: every rule checked"
    )
    kpis = Variant("kpis", lambda: None, "cold: a newly loaded dataset, 5 years and series")
    for attempt in range(repeats):
        time_once(validate)
        ds = load_dataset(DEFAULT_DATA_DIR, reuse_verdict=True)
        kpis.run = functools.partial(
            write_run_data, ds, year, MIN_CELL, scratch / f"run-data-{attempt}"
        )
        time_once(kpis)
        ds.con.close()
    return [validate, kpis]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.bench",
        description="Measure make report against the standard tools (see the module doc).",
    )
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
        warm_cache = {"XDG_CACHE_HOME": str(scratch / "warm-cache")}

        def fresh(label: str) -> Path:
            return scratch / f"{label}-{next(counter)}"

        def cold(command: Callable[[Mapping[str, str]], None]) -> Callable[[], None]:
            """``command`` run with a cache folder of its own, empty."""
            return lambda: command({"XDG_CACHE_HOME": str(fresh("cache"))})

        peaks = [0]

        def report_10x(env: Mapping[str, str]) -> None:
            with PeakMemory() as memory:
                run_command(report_command(year, SCALE_10_DIR, fresh("10x")), env)
            peaks.append(memory.peak_bytes)

        rerun_out = fresh("rerun")
        variants = [
            Variant(
                "report",
                cold(
                    lambda env: run_command(report_command(year, DEFAULT_DATA_DIR, fresh("r")), env)
                ),
                COLD,
            ),
            Variant("report_10x", cold(report_10x), COLD),
            Variant(
                "floor",
                cold(
                    lambda env: run_command(
                        report_command(year, TINY_DIR, fresh("floor"), floor_notebooks), env
                    )
                ),
                COLD + ", tiny data, import-only notebooks",
            ),
            Variant(
                "naive",
                cold(lambda env: run_naive_chain(year, DEFAULT_DATA_DIR, fresh("naive"), env)),
                "cold: empty cache folder, papermill + nbconvert per notebook",
            ),
            Variant(
                "rerun",
                lambda: run_command(report_command(year, DEFAULT_DATA_DIR, rerun_out, cold=False)),
                "nothing changed since the last build into the same OUT",
            ),
            Variant(
                "report_warm",
                lambda: run_command(
                    report_command(year, DEFAULT_DATA_DIR, fresh("w"), cold=False), warm_cache
                ),
                WARM,
            ),
            Variant(
                "report_10x_warm",
                lambda: run_command(
                    report_command(year, SCALE_10_DIR, fresh("w10"), cold=False), warm_cache
                ),
                WARM,
            ),
        ]
        print("preparing: the report to rerun, and the caches of the warm runs", flush=True)
        run_command(report_command(year, DEFAULT_DATA_DIR, rerun_out, cold=False))
        for data in (DEFAULT_DATA_DIR, SCALE_10_DIR):
            run_command(report_command(year, data, fresh("prepare"), cold=False), warm_cache)
        for _ in range(repeats):
            for variant in variants:
                time_once(variant)
        variants += measure_data_work(year, repeats, scratch)

    by_name = {v.name: v for v in variants}
    print(f"\n{'variant':<16} {'median':>8} {'min':>8} {'max':>8} {'runs':>4}   (seconds)")
    for variant in variants:
        print(variant.row())
    ratios = {
        "ratio_naive": by_name["report"].median / by_name["naive"].median,
        "ratio_floor": by_name["report"].median / by_name["floor"].median,
        "ratio_10x": by_name["report_10x"].median / by_name["report"].median,
        "peak_mb_10x": max(peaks) / 2**20,
        "rerun_s": by_name["rerun"].median,
    }
    warm_10x = by_name["report_10x_warm"].median / by_name["report_warm"].median
    print(f"warm: report_10x_warm / report_warm = {warm_10x:.2f}")
    append_history(
        {
            "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "code_version": code_version(),
            "year": year,
            "repeats": repeats,
            **{f"{v.name}_s": round(v.median, 3) for v in variants},
            **{k: round(v, 3) for k, v in ratios.items()},
            "ratio_10x_warm": round(warm_10x, 3),
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


if __name__ == "__main__":
    raise SystemExit(main())

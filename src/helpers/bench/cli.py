"""``python -m helpers.bench``: the datasets, the variants in turns, the summary."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import statistics
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from helpers.bench import history, line, scaling
from helpers.bench.measure import Variant, interleave, time_once
from helpers.bench.peers import BIN, write_floor_notebooks
from helpers.bench.variants import TINY_DIR, Bench, build_variants, scale_dir, scaling_curves
from helpers.core.paths import DEFAULT_DATA_DIR, OUTPUTS_DIR, ROOT

BENCH_DIR = OUTPUTS_DIR / "bench"
# The README shows the chart: outputs/ is not committed, docs/ is.
CHART_FILES = (BENCH_DIR / "scaling.png", ROOT / "docs" / "bench-scaling.png")
TABLE_FILE = BENCH_DIR / "scaling.md"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.bench",
        description="Measure make report against the standard tools (see the package doc).",
    )
    parser.add_argument("--year", type=int, default=2022)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--scales",
        default=",".join(f"{s:g}" for s in scaling.DEFAULT_SCALES),
        help="data scales of the scaling curve (1 and 10 always run)",
    )
    return parser.parse_args(argv)


def ensure_dataset(folder: Path, scale: float, seed: int) -> None:
    """Generate the synthetic dataset at ``scale`` unless its stamp says it is there."""
    print(f"data: {folder.relative_to(ROOT)} (scale {scale:g})", flush=True)
    command = [BIN / "python", "-m", "helpers.synth", "ensure", "--out", folder]
    subprocess.run(
        [str(c) for c in [*command, "--scale", str(scale), "--seed", str(seed)]],
        cwd=ROOT,
        check=True,
    )


def measure_data_work(year: int, repeats: int, scratch: Path) -> list[Variant]:
    """Validation alone and run-data computation alone, in this process, on the default
    data; each computation starts from a newly loaded dataset."""
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


def summarise(variants: list[Variant], bench: Bench, scales: list[float], repeats: int) -> dict:
    """Print the table, write the scaling table and chart, append the history; return the line's figures."""
    by_name = {v.name: v for v in variants}
    print(f"\n{'variant':<16} {'median':>8} {'min':>8} {'max':>8} {'runs':>4}   (seconds)")
    for variant in variants:
        print(variant.row())
    curves = scaling_curves(by_name, scales)
    exponents = {name: scaling.fit_curve(curve) for name, curve in curves.items()}
    medians = {v.name: v.median for v in variants}
    steps = {name: statistics.median(seconds) for name, seconds in bench.steps.items()}
    figures = line.compute_ratios(medians, max(bench.peaks), exponents, steps)
    table = scaling.scaling_table(curves)
    TABLE_FILE.parent.mkdir(parents=True, exist_ok=True)
    TABLE_FILE.write_text(table, encoding="utf-8")
    scaling.draw_chart(curves, CHART_FILES)
    print(
        f"\nscaling ({TABLE_FILE.relative_to(ROOT)}, {CHART_FILES[0].relative_to(ROOT)}):\n{table}"
    )
    history.append_history(
        {
            "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "code_version": history.code_version(),
            "year": bench.year,
            "repeats": repeats,
            **{f"{v.name}_s": round(v.median, 3) for v in variants},
            **{k: round(v, 3) for k, v in figures.items()},
        }
    )
    print(f"history: {history.HISTORY_FILE.relative_to(ROOT)}")
    for missed in line.missed_goals(figures):
        print(f"goal missed: {missed}")
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    year, repeats = args.year, max(1, args.repeats)
    scales = sorted({1.0, 10.0, *(float(s) for s in args.scales.split(",") if s)})
    for scale in scales:
        ensure_dataset(scale_dir(scale), scale, args.seed)
    ensure_dataset(TINY_DIR, 0.01, args.seed)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="scratch-", dir=BENCH_DIR) as scratch:
        bench = Bench(year, Path(scratch))
        floor_notebooks = write_floor_notebooks(bench.scratch / "floor-notebooks")
        print("preparing: the report to rerun, and the caches of the warm runs", flush=True)
        rerun_out = bench.prepare(scales)
        variants = build_variants(bench, scales, floor_notebooks, rerun_out)
        interleave(variants, repeats)
        variants += measure_data_work(year, repeats, bench.scratch)
        figures = summarise(variants, bench, scales, repeats)
    print(line.format_line(figures))
    return 0

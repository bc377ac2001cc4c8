"""The variants one bench run times, built over one scratch folder."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from helpers.bench import line, peers
from helpers.bench.measure import PeakMemory, Variant, run_command
from helpers.core.paths import BENCH_DATA_DIR, DEFAULT_DATA_DIR

COLD = "cold: new OUT, --no-cache, empty cache folder"
WARM = "warm: new OUT, data found valid and figures computed by an earlier run"
TINY_DIR = BENCH_DATA_DIR / "scale-0.01"


def scale_dir(scale: float) -> Path:
    """Where the dataset of ``scale`` lives (the default data at scale 1)."""
    return DEFAULT_DATA_DIR if scale == 1 else BENCH_DATA_DIR / f"scale-{scale:g}"


@dataclass
class Bench:
    """One run's scratch folder, its fresh folders, and what the runs sampled."""

    year: int
    scratch: Path
    peaks: list[int] = field(default_factory=lambda: [0])
    # The seconds of the cold report's own steps (helpers.bench.line.STEP_PATTERNS), a
    # list per step, one value per run.
    steps: dict[str, list[float]] = field(default_factory=dict)
    counter: itertools.count = field(default_factory=itertools.count)

    @property
    def warm_cache(self) -> dict[str, str]:
        return {"XDG_CACHE_HOME": str(self.scratch / "warm-cache")}

    def fresh(self, label: str) -> Path:
        return self.scratch / f"{label}-{next(self.counter)}"

    def cold(self, command: Callable[[Mapping[str, str]], object]) -> Callable[[], None]:
        """``command`` run with a cache folder of its own, empty."""
        return lambda: command({"XDG_CACHE_HOME": str(self.fresh("cache"))})

    def report(
        self, data: Path, cold: bool = True, keep_steps: bool = False, **kwargs: object
    ) -> Callable[[], None]:
        """One report into a new folder: cold (its own empty cache) or warm (shared);
        with ``keep_steps`` the seconds of its steps are kept."""

        def run(env: Mapping[str, str]) -> None:
            output = run_command(
                peers.report_command(self.year, data, self.fresh("r"), cold=cold, **kwargs), env
            )
            if keep_steps:
                for name, seconds in line.step_seconds(output).items():
                    self.steps.setdefault(name, []).append(seconds)

        return self.cold(run) if cold else lambda: run(self.warm_cache)

    def report_sampled(self, data: Path) -> Callable[[], None]:
        """A cold report whose peak memory is kept."""

        def run(env: Mapping[str, str]) -> None:
            with PeakMemory() as memory:
                run_command(peers.report_command(self.year, data, self.fresh("10x")), env)
            self.peaks.append(memory.peak_bytes)

        return self.cold(run)

    def both_languages(self) -> Callable[[], None]:
        """Both languages in one cold run (``--lang en,fr``) on the default data."""

        def run(env: Mapping[str, str]) -> None:
            command = peers.report_command(
                self.year, DEFAULT_DATA_DIR, self.fresh("both"), lang="en,fr"
            )
            run_command(command, env)

        return self.cold(run)

    def prepare(self, scales: list[float]) -> Path:
        """Build the report to rerun, and the warm caches of every scale; return the
        rerun's folder."""
        rerun_out = self.fresh("rerun")
        run_command(peers.make_report_command(self.year, rerun_out))
        for scale in scales:
            command = peers.report_command(
                self.year, scale_dir(scale), self.fresh("prepare"), cold=False
            )
            run_command(command, self.warm_cache)
        return rerun_out


def build_variants(
    bench: Bench, scales: list[float], floor_notebooks: Path, rerun_out: Path
) -> list[Variant]:
    """Every variant of the run; the scaling points reuse the 1x and 10x variants."""
    year = bench.year
    processes = os.cpu_count() or 2
    variants = [
        Variant("report", bench.report(DEFAULT_DATA_DIR, keep_steps=True), COLD),
        Variant("report_10x", bench.report_sampled(scale_dir(10)), COLD),
        Variant("report_both", bench.both_languages(), COLD + ", --lang en,fr"),
        Variant(
            "floor",
            bench.report(TINY_DIR, notebooks=floor_notebooks),
            COLD + ", tiny data, import-only notebooks",
        ),
        Variant(
            "naive",
            bench.cold(
                lambda env: peers.run_naive_chain(year, DEFAULT_DATA_DIR, bench.fresh("naive"), env)
            ),
            "cold: empty cache folder, papermill + nbconvert per notebook",
        ),
        Variant(
            "ploomber",
            bench.cold(
                lambda env: peers.run_ploomber(
                    year, DEFAULT_DATA_DIR, bench.fresh("ploomber"), processes, env
                )
            ),
            f"cold: empty cache folder, Ploomber DAG, Parallel({processes}), HTML products",
        ),
        Variant(
            "rerun",
            lambda: run_command(peers.make_report_command(year, rerun_out)),
            "make report, nothing changed since the last build into the same OUT",
        ),
        Variant("report_warm", bench.report(DEFAULT_DATA_DIR, cold=False), WARM),
        Variant("report_10x_warm", bench.report(scale_dir(10), cold=False), WARM),
    ]
    for scale in scales:
        if scale not in (1, 10):
            variants.append(Variant(f"scale_{scale:g}", bench.report(scale_dir(scale)), COLD))
            variants.append(
                Variant(f"scale_{scale:g}_warm", bench.report(scale_dir(scale), cold=False), WARM)
            )
    return variants


def scaling_curves(
    by_name: Mapping[str, Variant], scales: list[float]
) -> dict[str, dict[float, float]]:
    """{"cold": {scale: median}, "warm": {...}} from the variants."""
    names = {1: ("report", "report_warm"), 10: ("report_10x", "report_10x_warm")}
    curves: dict[str, dict[float, float]] = {"cold": {}, "warm": {}}
    for scale in scales:
        cold, warm = names.get(scale, (f"scale_{scale:g}", f"scale_{scale:g}_warm"))
        curves["cold"][scale] = by_name[cold].median
        curves["warm"][scale] = by_name[warm].median
    return curves

"""Timing one variant, running one command, and sampling a run's peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from helpers.core.paths import ROOT

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


def interleave(variants: Sequence[Variant], repeats: int) -> None:
    """Time every variant ``repeats`` times, taking turns (round after round)."""
    for _ in range(repeats):
        for variant in variants:
            time_once(variant)


def run_command(
    command: Sequence[str | Path], env: Mapping[str, str] | None = None, cwd: Path = ROOT
) -> str:
    """Run one command, its output captured and returned; stop the bench when it fails."""
    result = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
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
    return result.stdout


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

"""The bench's summary: the ratios from the medians, and the one line that states them."""

from __future__ import annotations

from collections.abc import Mapping

# The goals of each figure of the line (at most, except peak memory: under).
GOALS = {
    "ratio_naive": 0.2,
    "ratio_floor": 1.3,
    "ratio_10x": 1.5,
    "peak_mb_10x": 2048,
    "rerun_s": 1.0,
    "ratio_ploomber": 0.5,
    "b_cold": 0.5,
    "b_warm": 0.2,
}


def compute_ratios(
    medians: Mapping[str, float], peak_bytes: float, exponents: Mapping[str, float]
) -> dict[str, float]:
    """The line's figures from the variants' medians (seconds), the peak and the fits."""
    return {
        "ratio_naive": medians["report"] / medians["naive"],
        "ratio_floor": medians["report"] / medians["floor"],
        "ratio_10x": medians["report_10x"] / medians["report"],
        "peak_mb_10x": peak_bytes / 2**20,
        "rerun_s": medians["rerun"],
        "ratio_ploomber": medians["report"] / medians["ploomber"],
        "b_cold": exponents["cold"],
        "b_warm": exponents["warm"],
    }


def format_line(figures: Mapping[str, float]) -> str:
    """``bench ratio_naive=0.28 ... b_warm=0.05``: peak memory in whole MB, the rest to 2 places."""
    return "bench " + " ".join(
        f"{k}={v:.0f}" if k == "peak_mb_10x" else f"{k}={v:.2f}" for k, v in figures.items()
    )


def missed_goals(figures: Mapping[str, float]) -> list[str]:
    """The figures that miss their goal, each as ``name value > goal``."""
    missed = []
    for name, goal in GOALS.items():
        value = figures.get(name)
        if value is None:
            continue
        bad = value >= goal if name == "peak_mb_10x" else value > goal
        if bad:
            missed.append(f"{name} {value:.2f} > {goal:g}")
    return missed

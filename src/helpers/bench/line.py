"""The bench's summary: the ratios from the medians, and the one line that states them."""

from __future__ import annotations

import re
from collections.abc import Mapping

# The goals of each figure of the line (at most, except peak memory: under).
GOALS = {
    "ratio_naive": 0.3,
    "ratio_floor": 1.5,
    "ratio_10x": 2.0,
    "ratio_10x_warm": 1.2,
    "ratio_both_languages": 1.3,
    "peak_mb_10x": 2048,
    "rerun_s": 1.0,
    "ratio_ploomber": 0.5,
    "b_cold": 0.3,
    "b_warm": 0.1,
}

# The steps of a cold report whose own time the line states, as the report's progress
# lines give them ("pdf: ..., laid out in 9.2s (...)", "audit: ..., 5 years in 16.11s").
STEP_PATTERNS = {
    "pdf_s": re.compile(r"^\S+ pdf: .*, laid out in ([0-9.]+)s", re.MULTILINE),
    "audit_s": re.compile(r"^\S+ audit: .* in ([0-9.]+)s$", re.MULTILINE),
}


def step_seconds(output: str) -> dict[str, float]:
    """The seconds of each step of ``STEP_PATTERNS`` one report printed (summed when a
    step ran more than once, as the PDF of each language does); a step it did not print
    is left out."""
    found = {}
    for name, pattern in STEP_PATTERNS.items():
        times = [float(t) for t in pattern.findall(output)]
        if times:
            found[name] = sum(times)
    return found


def compute_ratios(
    medians: Mapping[str, float],
    peak_bytes: float,
    exponents: Mapping[str, float],
    steps: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """The line's figures from the variants' medians (seconds), the peak, the fits and
    the medians of the cold report's own steps."""
    figures = {
        "ratio_naive": medians["report"] / medians["naive"],
        "ratio_floor": medians["report"] / medians["floor"],
        "ratio_10x": medians["report_10x"] / medians["report"],
        "ratio_10x_warm": medians["report_10x_warm"] / medians["report_warm"],
        "ratio_both_languages": medians["report_both"] / medians["report"],
        "peak_mb_10x": peak_bytes / 2**20,
        "rerun_s": medians["rerun"],
        "ratio_ploomber": medians["report"] / medians["ploomber"],
        "b_cold": exponents["cold"],
        "b_warm": exponents["warm"],
    }
    return {**figures, **(steps or {})}


def format_line(figures: Mapping[str, float]) -> str:
    """``bench ratio_naive=0.28 ... pdf_s=9.2 audit_s=1.3``: peak memory in whole MB, the
    steps' seconds to one place, the rest to 2 places."""

    def shown(name: str, value: float) -> str:
        if name == "peak_mb_10x":
            return f"{value:.0f}"
        return f"{value:.1f}" if name in STEP_PATTERNS else f"{value:.2f}"

    return "bench " + " ".join(f"{k}={shown(k, v)}" for k, v in figures.items())


def missed_goals(figures: Mapping[str, float]) -> list[str]:
    """The figures that miss their goal, each as ``name value > goal``."""
    missed = []
    for name, goal in GOALS.items():
        value = figures.get(name)
        if value is None:
            continue
        if name == "peak_mb_10x":
            if value >= goal:
                missed.append(f"{name} {value:.0f} >= {goal:g}")
        elif value > goal:
            missed.append(f"{name} {value:.2f} > {goal:g}")
    return missed

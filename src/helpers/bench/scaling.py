"""The scaling curve: the report's time at several data scales, and its fitted exponent.

``fit_exponent`` fits time = a * scale^b by least squares on the logarithms; the table and
the chart show the cold and the warm report at each scale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

DEFAULT_SCALES = (0.1, 1.0, 3.0, 10.0)


def fit_exponent(scales: Sequence[float], seconds: Sequence[float]) -> float:
    """The exponent b of seconds ∝ scale^b, least squares on log-log (nan below 2 points)."""
    if len(scales) < 2:
        return math.nan
    xs = [math.log(s) for s in scales]
    ys = [math.log(t) for t in seconds]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return math.nan
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def scaling_table(curves: Mapping[str, Mapping[float, float]]) -> str:
    """A Markdown table: one row per scale, one column per curve, then the exponents."""
    names = list(curves)
    scales = sorted({s for curve in curves.values() for s in curve})
    lines = [
        "| scale | " + " | ".join(f"{n} (s)" for n in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for scale in scales:
        cells = [f"{curves[n][scale]:.1f}" if scale in curves[n] else "—" for n in names]
        lines.append(f"| {scale:g} | " + " | ".join(cells) + " |")
    exponents = [f"{fit_curve(curves[n]):.2f}" for n in names]
    lines.append("| b (time ∝ scale^b) | " + " | ".join(exponents) + " |")
    return "\n".join(lines) + "\n"


def fit_curve(curve: Mapping[float, float]) -> float:
    """``fit_exponent`` of one curve given as {scale: seconds}."""
    scales = sorted(curve)
    return fit_exponent(scales, [curve[s] for s in scales])


def draw_chart(curves: Mapping[str, Mapping[float, float]], paths: Sequence[Path]) -> None:
    """The curves on log-log axes, their exponents in the legend, written to each path."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.0), dpi=100, layout="constrained")
    ax = figure.subplots()
    for name, curve in curves.items():
        scales = sorted(curve)
        label = f"{name} (b = {fit_curve(curve):.2f})"
        ax.plot(scales, [curve[s] for s in scales], marker="o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("data scale (1 = the embedded dataset)")
    ax.set_ylabel("seconds, median")
    ax.set_title("make report, cold and warm, by data scale", loc="left")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(frameon=False)
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, metadata={"Software": None})

"""The compact chart of one objective: its figure over the years against its threshold.

The threshold is drawn as steps over the years it is in force (60 % then 70 % for the
underserved share); an objective that starts after the last year shown is drawn as a
dotted line across the chart, so the distance still to cover is visible. Each point in a
year with an objective takes the colour of its status, and its value is written beside
it; a year without value writes why at the foot of the chart. Texts arrive translated
and formatted (``helpers.pages.sections.scorecard`` builds them).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from helpers.pages import charts

WIDTH_INCHES = 4.6
HEIGHT_INCHES = 2.9
# Headroom above the highest value or threshold, for the values written above points.
HEADROOM = 1.18
# Colour of a point by its status, each at least 3:1 against the background; years
# without an objective in force keep the line's colour.
MISSED_COLOUR = "#b03a2e"
STATUS_COLOURS = {
    "met": charts.PALETTE[5],
    "met_within_uncertainty": charts.PALETTE[1],
    "missed_within_uncertainty": charts.PALETTE[1],
    "missed": MISSED_COLOUR,
}
THRESHOLD_COLOUR = "#444444"


@dataclass(frozen=True)
class Step:
    """One threshold of an objective and the years it is in force, with its text."""

    first_year: int
    last_year: int
    threshold: float
    text: str


def plot_objective_trajectory(
    points: pd.DataFrame,
    steps: Sequence[Step],
    title: str,
    value_format: charts.Formatter,
    *,
    share: bool = False,
    status_names: dict[str, str] | None = None,
) -> Figure:
    """One objective's figure over the years, with its thresholds as steps.

    Parameters
    ----------
    points : DataFrame
        Columns ``year`` (int), ``value`` (NaN when withheld or not measurable), ``low``
        and ``high`` (the 95 % interval, NaN for counts and growths), ``text`` (the value
        as written, or why there is none) and ``status`` (None in years without an
        objective in force).
    steps : sequence of Step
        The thresholds; a step after the last year shown is drawn across the chart.
    title : str
        The objective in words.
    value_format : callable
        Formats the value axis' ticks.
    share : bool
        The figure is a share: the axis stops at 100 %.
    status_names : dict, optional
        The legend's words for the statuses drawn.
    """
    years = sorted(int(y) for y in points["year"])
    top, bottom = find_value_range(points, steps)
    with charts.chart_style():
        figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=charts.DPI, layout="constrained")
        ax = figure.subplots()
        draw_values(ax, points, top, bottom)
        draw_steps(ax, steps, points)
        ax.set_xticks(years, [str(y) for y in years])
        ax.set_xlim(years[0] - 0.6, years[-1] + 0.6)
        ax.set_ylim(bottom, top)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        if share:
            # Ticks above 100 % would read as possible values.
            ax.set_yticks([tick for tick in ax.get_yticks() if bottom <= tick <= 1.0])
            ax.set_ylim(bottom, top)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: value_format(v)))
        ax.tick_params(labelsize=8.5)
        ax.grid(axis="x", visible=False)
        add_status_legend(ax, points, status_names or {})
        figure.title_artist = figure.suptitle(
            textwrap.fill(title, 52, break_on_hyphens=False),
            x=0.01,
            ha="left",
            fontsize=10.5,
            fontweight="bold",
        )
    return figure


def find_value_range(points: pd.DataFrame, steps: Sequence[Step]) -> tuple[float, float]:
    """The value axis' top and bottom: every value, interval and threshold fits."""
    values = [points[c].dropna().tolist() for c in ("value", "low", "high")]
    numbers = [v for column in values for v in column] + [s.threshold for s in steps]
    highest = max(numbers, default=1.0)
    lowest = min(numbers, default=0.0)
    top = highest * HEADROOM if highest > 0 else 1.0
    bottom = min(0.0, lowest * HEADROOM)
    if top == bottom:
        top = bottom + 1.0
    return top, bottom


def draw_values(ax, points: pd.DataFrame, top: float, bottom: float) -> None:
    """The line of values with its 95 % band, points coloured by status, values written."""
    rows = points.sort_values("year")
    ax.plot(rows["year"], rows["value"], color=charts.CURRENT_COLOUR, linewidth=1.6, zorder=2)
    if rows["low"].notna().any():
        ax.fill_between(
            rows["year"],
            rows["low"],
            rows["high"],
            color=charts.CURRENT_COLOUR,
            alpha=0.13,
            linewidth=0,
        )
    for row in rows.to_dict("records"):
        if pd.isna(row["value"]):
            ax.text(
                row["year"],
                bottom + (top - bottom) * 0.03,
                row["text"],
                ha="center",
                va="bottom",
                fontsize=7.5,
                style="italic",
                color=charts.MUTED_COLOUR,
            )
            continue
        colour = STATUS_COLOURS.get(row["status"] or "", charts.CURRENT_COLOUR)
        ax.plot(
            row["year"],
            row["value"],
            marker="o",
            markersize=6.5,
            color=colour,
            markeredgecolor="white",
            zorder=3,
        )
        ax.annotate(
            row["text"],
            (row["year"], row["value"]),
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            fontsize=7.5,
            color=charts.TEXT_COLOUR,
        )


def draw_steps(ax, steps: Sequence[Step], points: pd.DataFrame) -> None:
    """Each threshold over the years shown that it covers; later ones across the chart.

    A threshold's text sits at the line's start, or at its end when the line starts in
    the right half of the chart or runs across it, so it stays inside the chart; it goes
    on the side of the line away from the point of that year, so the two do not overlap.
    """
    years = sorted(int(y) for y in points["year"])
    values = dict(zip(points["year"].astype(int), points["value"], strict=True))
    first, last = years[0], years[-1]
    middle = (first + last) / 2
    for step in steps:
        if step.last_year < first:
            continue
        ahead = step.first_year > last
        start = first - 0.6 if ahead else max(step.first_year, first) - 0.4
        end = last + 0.6 if ahead else min(step.last_year, last) + 0.4
        ax.plot(
            [start, end],
            [step.threshold, step.threshold],
            color=THRESHOLD_COLOUR,
            linestyle=":" if ahead else "--",
            linewidth=1.2,
            zorder=1,
        )
        at_end = ahead or start > middle
        near = values.get(round(end - 0.4) if at_end else round(start + 0.4), math.nan)
        above = not math.isnan(near) and near < step.threshold
        ax.annotate(
            step.text,
            (end if at_end else start, step.threshold),
            xytext=(-3 if at_end else 3, 3 if above else -10),
            textcoords="offset points",
            ha="right" if at_end else "left",
            fontsize=7.5,
            color=THRESHOLD_COLOUR,
        )


def add_status_legend(ax, points: pd.DataFrame, names: dict[str, str]) -> None:
    """A legend of the statuses the points show, in the order of ``names``."""
    shown = {s for s in points["status"].dropna() if s in STATUS_COLOURS}
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            color=STATUS_COLOURS[status],
            label=label,
        )
        for status, label in names.items()
        if status in shown
    ]
    if handles:
        ax.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncols=len(handles),
            fontsize=7.5,
            handlelength=0.8,
            borderaxespad=0.1,
            columnspacing=0.8,
        )

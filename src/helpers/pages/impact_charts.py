"""Charts of the impact page and of the carbon budget, in the report's style.

Like ``helpers.pages.charts``, every function takes texts already translated and numbers
already formatted, and returns a matplotlib Figure; nothing here reads the data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Annotation
from matplotlib.ticker import FuncFormatter

from helpers.pages.charts import (
    CURRENT_COLOUR,
    MUTED_COLOUR,
    PALETTE,
    WITHHELD_COLOUR,
    add_note,
    chart_style,
    new_figure,
    set_title,
    wrap_label,
)

Formatter = Callable[[float], str]
# The slope chart's end labels: their size, the line they take, and on a phone the
# horizontal range (less room on the left, where only values are written).
SLOPE_LABEL_POINTS = 8.5
SLOPE_LINE_SPACING = 1.3
SLOPE_NARROW_XLIM = (-0.45, 2.6)
# Small multiples of the budget chart: teams per row.
BUDGET_COLUMNS = 4
# A phone's budget chart: two teams a row, each row this tall.
BUDGET_NARROW_COLUMNS = 2
BUDGET_NARROW_ROW_INCHES = 1.7


def plot_slopes(
    frame: pd.DataFrame,
    title: str,
    ends: tuple[str, str],
    value_format: Formatter,
    note: str | None = None,
) -> Figure:
    """One line per group from its share before to its share after.

    ``frame`` columns: label, before, after (NaN when withheld), text (written at the
    right end: the change and its interval, or why there is none).
    """
    with chart_style():
        figure = new_figure(max(3.2, 1.6 + 0.32 * len(frame)))
        ax = figure.subplots()
        colours = [PALETTE[i % len(PALETTE)] for i in range(len(frame))]
        for colour, record in zip(colours, frame.to_dict("records"), strict=True):
            before, after = record["before"], record["after"]
            if math.isnan(before) or math.isnan(after):
                continue
            ax.plot([0, 1], [before, after], color=colour, marker="o", linewidth=1.8)
        # Labels at both ends, spaced so that close groups stay readable.
        placed = frame.assign(colour=colours).dropna(subset=["before", "after"])
        labels: list[SlopeLabel] = []
        for side, column, align, dx in ((0, "before", "right", -8), (1, "after", "left", 8)):
            for record in placed.to_dict("records"):
                value = value_format(record[column])
                wide = (
                    f"{record['label']}  {value}"
                    if side == 0
                    else f"{value}  {record['label']}: {record['text']}"
                )
                # A phone has room for neither names on the left nor intervals on the
                # right: the left end keeps its value, the right its value and name (the
                # table under the chart gives every change with its interval).
                narrow = value if side == 0 else f"{value}  {record['label']}"
                annotation = ax.annotate(
                    wide,
                    xy=(side, record[column]),
                    xytext=(dx, 0),
                    textcoords="offset points",
                    ha=align,
                    va="center",
                    fontsize=SLOPE_LABEL_POINTS,
                    color=record["colour"],
                )
                labels.append(SlopeLabel(annotation, side, record[column], narrow))
        space_labels(figure, ax, labels)

        def narrow_layout() -> None:
            for label in labels:
                label.annotation.set_text(label.narrow)
            ax.set_xlim(*SLOPE_NARROW_XLIM)
            # The two ends' names are closer on a phone: one word a line.
            ax.set_xticks([0, 1], [end.replace(" ", "\n", 1) for end in ends])
            space_labels(figure, ax, labels)

        figure.narrow_layout = narrow_layout
        missing = frame[frame["before"].isna() | frame["after"].isna()]
        if len(missing):
            add = "; ".join(f"{r['label']}: {r['text']}" for r in missing.to_dict("records"))
            note = f"{note} {add}" if note else add
        ax.set_xlim(-0.9, 2.2)
        ax.set_ylim(0, 1)
        ax.set_xticks([0, 1], list(ends))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: value_format(v)))
        ax.grid(axis="x", visible=False)
        set_title(figure, title)
        add_note(figure, note)
    return figure


@dataclass(frozen=True)
class SlopeLabel:
    """A label at one end of a slope chart: the text drawn, its side (0 before, 1
    after), the value it sits at, and its shorter text for a phone."""

    annotation: Annotation
    side: int
    value: float
    narrow: str


def space_labels(figure: Figure, ax: Axes, labels: list[SlopeLabel]) -> None:
    """Each side's labels at their values, moved apart by at least one line of their
    text at the figure's present size (so the phone's chart, smaller, spreads them more)."""
    axes_inches = figure.get_size_inches()[1] * ax.get_position().height
    gap = SLOPE_LINE_SPACING * SLOPE_LABEL_POINTS / 72 / axes_inches
    for side in (0, 1):
        own = sorted((label for label in labels if label.side == side), key=lambda x: x.value)
        for label, y in zip(own, spread([x.value for x in own], gap), strict=True):
            label.annotation.xy = (side, y)


def spread(values: list[float], gap: float) -> list[float]:
    """Positions near ``values`` (sorted) at least ``gap`` apart."""
    out: list[float] = []
    for value in values:
        out.append(value if not out else max(value, out[-1] + gap))
    return out


def plot_histogram(
    frame: pd.DataFrame, title: str, value_label: str, count_label: str, note: str | None = None
) -> Figure:
    """Vertical bars of a distribution, in order; withheld bins drawn grey with their word.

    ``frame`` columns: label (the bin), value (NaN when withheld), text.
    """
    with chart_style():
        figure = new_figure(4.0)
        ax = figure.subplots()
        top = float(frame["value"].max()) if frame["value"].notna().any() else 1.0
        for i, record in enumerate(frame.to_dict("records")):
            if math.isnan(record["value"]):
                ax.bar(i, top * 0.05, color=WITHHELD_COLOUR)
                ax.text(i, top * 0.06, record["text"], ha="center", fontsize=7, rotation=90)
                continue
            ax.bar(i, record["value"], color=CURRENT_COLOUR)
        ax.set_xticks(range(len(frame)), list(frame["label"]), rotation=45, ha="right")
        ax.set_xlabel(value_label)
        ax.set_ylabel(count_label)
        ax.grid(axis="x", visible=False)
        set_title(figure, title)
        add_note(figure, note)
    return figure


def plot_budgets(
    frame: pd.DataFrame,
    budgets: dict[str, float],
    title: str,
    month_names: list[str],
    labels: dict[str, str],
    value_format: Formatter,
    note: str | None = None,
    over: frozenset[str] = frozenset(),
) -> Figure:
    """Each team's cumulative monthly emissions against its budget, one small chart each.

    ``frame`` columns: team, month (1-12), cumulative (NaN past the data). ``budgets``
    gives the budget line of the teams that have one; ``labels`` the legend words
    (``emissions``, ``budget``); ``over`` the teams over their budget, drawn in the
    warning colour (decided by the caller, as the sentences and the table decide it).
    On a phone the small charts stand two a row.
    """
    teams = list(dict.fromkeys(frame["team"]))
    rows = max(1, math.ceil(len(teams) / BUDGET_COLUMNS))
    with chart_style():
        figure = new_figure(1.2 + 1.9 * rows)
        axes = figure.subplots(rows, BUDGET_COLUMNS, squeeze=False, sharex=True)
        for index, ax in enumerate(axes.flat):
            if index >= len(teams):
                ax.set_visible(False)
                continue
            team = teams[index]
            lines = frame[frame["team"] == team].dropna(subset=["cumulative"])
            budget = budgets.get(team)
            colour = PALETTE[3] if team in over else CURRENT_COLOUR
            ax.plot(lines["month"], lines["cumulative"], color=colour, linewidth=1.8)
            if budget is not None:
                ax.axhline(budget, color=MUTED_COLOUR, linestyle="--", linewidth=1)
            ax.set_title(team, fontsize=9, loc="left", pad=4)
            ax.set_xticks([1, 4, 7, 10], [month_names[m - 1] for m in (1, 4, 7, 10)])
            ax.tick_params(labelsize=7.5)
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: value_format(v)))
            highest = max([budget or 0.0, *lines["cumulative"].tolist(), 0.0])
            # Room above the higher of the line and the budget, so that neither sits on the edge.
            ax.set_ylim(0, highest * 1.12 or 1.0)
        set_title(figure, title)
        add_note(
            figure,
            " ".join(
                part for part in (f"— {labels['emissions']}  - - {labels['budget']}", note) if part
            ),
        )

        def narrow_layout() -> None:
            shown = [ax for ax in axes.flat if ax.get_visible()]
            narrow_rows = max(1, math.ceil(len(shown) / BUDGET_NARROW_COLUMNS))
            grid = figure.add_gridspec(narrow_rows, BUDGET_NARROW_COLUMNS)
            for index, ax in enumerate(shown):
                # A long team name on two lines: a small chart is half a phone wide.
                ax.set_title(wrap_label(ax.get_title(loc="left")), fontsize=9, loc="left", pad=4)
                ax.set_subplotspec(
                    grid[index // BUDGET_NARROW_COLUMNS, index % BUDGET_NARROW_COLUMNS]
                )
            for ax in axes.flat:
                if not ax.get_visible():
                    figure.delaxes(ax)
            width = figure.get_size_inches()[0]
            figure.set_size_inches(width, 1.4 + BUDGET_NARROW_ROW_INCHES * narrow_rows)

        figure.narrow_layout = narrow_layout
    return figure

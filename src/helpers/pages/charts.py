"""Charts of the report, drawn for reading rather than for exploring.

Every chart is titled, labelled and sorted by the caller, coloured with a palette whose
neighbouring colours differ in lightness (``PALETTE``), and carries its values written on
the bars. Lines of a trend differ by marker and dash as well as by colour, so no series
depends on telling two hues apart. A withheld figure keeps its place and says "withheld" instead of drawing a bar, so it is never read as zero.
The functions take frames whose texts are already translated and formatted
(``helpers.pages.sections`` builds them) and return a matplotlib ``Figure``. ``render_svg``
turns it into SVG, vector and identical from one run to the next, with its texts kept as
text (they scale with the page, print sharp and can be searched); ``render_narrow_svg``
draws the same chart again for a phone's width, its texts large enough to read there, and
``render_print_svg`` for the width it prints at on the A4 page.
``render_png`` gives PNG bytes, for where an SVG cannot go.

Bars are drawn with matplotlib on seaborn's style: seaborn's ``barplot`` drops
the slot of a missing value, and a withheld figure must keep its slot.
"""

from __future__ import annotations

import io
import math
import re
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import matplotlib
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.text import Annotation, Text
from matplotlib.ticker import FixedFormatter, FuncFormatter, MaxNLocator
from matplotlib.transforms import offset_copy

# Drawn for the A4 page of the PDF edition (17 cm of text width) and shown at most
# 52 rem wide on a screen, where 1 pt of the chart reads as about 1.4 px.
WIDTH_INCHES = 8.0
DPI = 110
# The chart drawn again for a phone: 3.6 in of SVG fill the 342 px of text width of a
# 390 px screen, so 1 pt reads as 1.32 px and the smallest text, NARROW_MIN_POINTS,
# as 11.2 px.
NARROW_WIDTH_INCHES = 3.6
NARROW_MIN_POINTS = 8.5
# The chart as the A4 page of the PDF edition prints it: the screen's drawing, shown
# across the 174 mm of text width (PRINT_WIDTH_INCHES), its texts made large enough
# that none prints under PRINT_MIN_POINTS, and its height kept under
# PRINT_MAX_HEIGHT_INCHES as printed (102 mm, under half the text height, so that a
# chart moved to the next page never leaves half a page empty behind it). A chart in a grid of two prints at about half that
# width: it takes the phone's drawing, whose texts print at 7.7 pt.
PRINT_WIDTH_INCHES = 6.85
PRINT_MAX_HEIGHT_INCHES = 4.0
PRINT_MIN_POINTS = 6.5
# A phone's chart is about as tall as the wide one, a little less for long bar charts.
NARROW_HEIGHT_FACTOR = 0.85
NARROW_MIN_HEIGHT_INCHES = 3.4
# More ticks than this on a phone's category axis (the months) are written upright.
NARROW_MAX_FLAT_TICKS = 6
# The ticks of a phone's 100 % bar.
STACKED_NARROW_TICKS = (0.0, 0.5, 1.0)
# The least room between two tick labels of a value axis, in pixels of the drawing.
TICK_GAP_PIXELS = 3.0
NARROW_LEGEND_CHARACTERS = 40
NARROW_LABEL_CHARACTERS = 16
# A phone's bar chart runs its value axis this much further (a third; on a log axis,
# three times), for the values written past the bars.
NARROW_VALUE_ROOM = 0.35
NARROW_LOG_ROOM = 3.0
# A part of a 100 % bar narrower than this writes no value on a phone's chart.
NARROW_LABELLED_PART = 0.13
# The chart's fonts, then those a reader's device has, so that text kept as text in
# the SVG never falls back to a serif.
SVG_FONTS = "'DejaVu Sans', Verdana, 'Liberation Sans', Arial, sans-serif"
BAR_HEIGHT_INCHES = 0.34
# Lines of a trend chart beyond which only the last value of each is written.
MAX_LABELLED_SERIES = 2
LEGEND_COLUMNS = 5
# About the characters a legend row holds across the figure, and what an entry's handle
# and spacing take beside its label.
LEGEND_ROW_CHARACTERS = 95
LEGEND_ENTRY_PADDING = 7
# Below this fraction of the highest value, a value written under its point would sit on
# the axis' tick labels: the axis then runs that far under zero, without ticks there.
FLOOR_FRACTION = 0.08
# The smallest vertical distance between two values written at the end of lines, as a
# fraction of the highest value (about one line of text on the chart's height).
END_LABEL_GAP = 0.065
# A part of a 100 % bar narrower than this keeps its hatching but not its word.
NARROWEST_LABELLED_PART = 0.08
# Bars under this fraction of the largest get a panel of their own when asked.
SMALL_PANEL_FRACTION = 0.1
# About the characters that fit across the figure at the note's font size.
NOTE_WIDTH_CHARACTERS = 125
TITLE_WIDTH_CHARACTERS = 70
TEXT_COLOUR = "#222222"
# The frame of a chart's plot area: furniture, not a mark of the data.
FRAME_COLOUR = "#cccccc"
MUTED_COLOUR = "#666666"
# The outline and hatching of a withheld figure's slot: a mark, so at least 3:1 on white.
WITHHELD_COLOUR = "#8a8a8a"
BACKGROUND = "#ffffff"
# WCAG 2.1's contrast for text (1.4.3) and for the marks of a graphic (1.4.11).
TEXT_CONTRAST = 4.5
MARK_CONTRAST = 3.0
# Colours that differ in lightness as well as hue, so that no colour vision deficiency
# merges two of them: dark and mid tones in turn, each at least 3:1 against the white
# background (WCAG's contrast for graphics) and against the next one (neighbouring
# series and the parts of a 100 % bar take consecutive colours). The report year is the
# dark navy, the year before the mid blue.
PALETTE = (
    "#0a2f5c",  # navy
    "#d06f00",  # orange
    "#0b3b1f",  # forest green
    "#d0529f",  # pink
    "#4b1f5c",  # plum
    "#2e9e5b",  # green
    "#5c2a00",  # brown
    "#3a8fd9",  # blue
)
CURRENT_COLOUR = PALETTE[0]
PREVIOUS_COLOUR = PALETTE[7]
# Text written on a colour darker than this (relative luminance) is white.
DARK_LUMINANCE = 0.18
# Lines of a trend take the palette in order, each with its own marker, and a dash that
# changes every line, so two lines differ in at least two ways besides colour.
LINE_COLOURS = PALETTE
LINE_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINE_DASHES = ("-", "-.", ":")

Formatter = Callable[[float], str]

# The settings every chart is drawn and rendered with, in one place. Text from the data (a
# team, a category, a title) is drawn as written: never read as mathtext (``$5k$`` would be
# set in italics, ``a$^$b`` would fail the chart) nor handed to TeX.
TEXT_AS_WRITTEN = {"text.parse_math": False, "text.usetex": False}
# A glyph the chart's font lacks, as matplotlib words it.
_MISSING_GLYPH = re.compile(r"Glyph (\d+) .*missing from (?:current )?font", re.DOTALL)
# What looks like a file path in a library's message: never repeated.
_PATH = re.compile(r"(?:[A-Za-z]:)?[\\/][^\s'\"()]*[\\/][^\s'\"()]*")
# The library warnings already said by this process: each is said once.
_SAID: set[str] = set()


def own_words(message: str) -> str:
    """A library's warning said in the report's words, without any path it carries."""
    glyph = _MISSING_GLYPH.search(message)
    if glyph:
        code = int(glyph.group(1))
        return (
            f"chart: the character U+{code:04X} is not in the chart's font; "
            "it is drawn as an empty box"
        )
    first = message.strip().splitlines()[0] if message.strip() else "a warning without words"
    return f"chart: the drawing library warned: {_PATH.sub('<file>', first)}"


def say_once(message: str) -> None:
    """Print ``message`` on stderr, unless this process said it already."""
    if message not in _SAID:
        _SAID.add(message)
        print(message, file=sys.stderr)


@contextmanager
def library_warnings_said() -> Iterator[None]:
    """Catch the warnings raised while a chart is drawn (matplotlib's name the calling
    file, a path of the machine) and say each once in the report's own words."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        say_once(own_words(str(warning.message)))


@contextmanager
def chart_settings(settings: dict | None = None) -> Iterator[None]:
    """The one place where charts take their settings: ``TEXT_AS_WRITTEN`` and
    ``settings``, with the libraries' warnings said in the report's words."""
    with library_warnings_said(), matplotlib.rc_context({**(settings or {}), **TEXT_AS_WRITTEN}):
        yield


def relative_luminance(colour: str) -> float:
    """WCAG's relative luminance of a ``#rrggbb`` colour (0 black, 1 white)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG's contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def mix(colour: str, other: str, share: float) -> str:
    """``colour`` moved ``share`` of the way towards ``other`` (both ``#rrggbb``)."""
    channels = [
        round(int(colour[i : i + 2], 16) * (1 - share) + int(other[i : i + 2], 16) * share)
        for i in (1, 3, 5)
    ]
    return "#" + "".join(f"{c:02x}" for c in channels)


def ink(colour: str, background: str = BACKGROUND, ratio: float = TEXT_CONTRAST) -> str:
    """``colour`` as text written on ``background`` may use it: unchanged when it has
    ``ratio`` against it, else darkened (on a light background) or lightened (on a dark
    one) in its own hue just enough; a series' label keeps its line's colour family."""
    colour = colour.lower()
    if contrast_ratio(colour, background) >= ratio:
        return colour
    towards = "#000000" if relative_luminance(background) > DARK_LUMINANCE else "#ffffff"
    for step in range(1, 21):
        shade = mix(colour, towards, step / 20)
        if contrast_ratio(shade, background) >= ratio:
            return shade
    return towards


def enforce_text_contrast(figure: Figure) -> None:
    """Every visible text of ``figure`` at ``TEXT_CONTRAST`` against what it is written on:
    white, or the colour of the bar part it sits in (a text's ``background``)."""
    for text in figure.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        colour = matplotlib.colors.to_hex(text.get_color())
        background = getattr(text, "background", BACKGROUND)
        shade = ink(colour, background)
        if shade != colour:
            text.set_color(shade)


def pick_colours(count: int) -> list[str]:
    """Colours for ``count`` groups: this year and last year, or the palette in order."""
    if count == 2:
        return [CURRENT_COLOUR, PREVIOUS_COLOUR]
    return [PALETTE[i % len(PALETTE)] for i in range(count)]


def pick_line_styles(count: int) -> list[dict[str, str]]:
    """Colour, marker and dash of ``count`` lines, each line unlike the others."""
    return [
        {
            "color": LINE_COLOURS[i % len(LINE_COLOURS)],
            "marker": LINE_MARKERS[i % len(LINE_MARKERS)],
            "linestyle": LINE_DASHES[i % len(LINE_DASHES)],
        }
        for i in range(count)
    ]


def choose_legend_columns(
    labels: Sequence[str], row_characters: int = LEGEND_ROW_CHARACTERS
) -> int:
    """How many legend entries fit side by side, so the legend never grows wider than
    the chart (a wide legend squeezes the plot and loses its last entries)."""
    widest = max((len(label) for label in labels), default=0) + LEGEND_ENTRY_PADDING
    fitting = max(1, row_characters // widest)
    return max(1, min(len(labels), LEGEND_COLUMNS, fitting))


def order_for_rows(items: Sequence, columns: int) -> list:
    """``items`` reordered so that a legend, which fills its columns top to bottom,
    reads them left to right, row after row."""
    return [items[i] for c in range(columns) for i in range(c, len(items), columns)]


def spread_positions(values: Sequence[float], gap: float) -> list[float]:
    """Heights at which to write ``values`` so that any two are at least ``gap`` apart,
    each as close to its value as that allows (equal values are pushed upwards)."""
    order = sorted(range(len(values)), key=lambda i: (values[i], i))
    positions = list(values)
    for before, after in zip(order, order[1:], strict=False):
        positions[after] = max(positions[after], positions[before] + gap)
    return positions


@contextmanager
def chart_style():
    """seaborn's white-grid style with the report's fonts, active while a chart is drawn."""
    # Imported here: the report's own process builds pages without drawing a chart.
    import seaborn as sns

    style = {
        **sns.axes_style("whitegrid"),
        "font.family": "DejaVu Sans",
        "font.size": 10,
        "axes.titlesize": 12.5,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.titlepad": 12,
        "axes.labelcolor": TEXT_COLOUR,
        "axes.edgecolor": FRAME_COLOUR,
        "text.color": TEXT_COLOUR,
        "xtick.color": TEXT_COLOUR,
        "ytick.color": TEXT_COLOUR,
        "legend.frameon": False,
        # A fixed hash salt keeps any SVG ids stable; PNG needs none but costs nothing.
        "svg.hashsalt": "mission-report",
    }
    with chart_settings(style):
        yield


def new_figure(height: float) -> Figure:
    """A figure of the report's fixed width, outside pyplot (no global state, Agg)."""
    return Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")


def render_png(figure: Figure) -> bytes:
    """PNG bytes of ``figure``, identical for identical charts.

    Matplotlib writes its version into PNG metadata; dropping it keeps the bytes the same
    across environments that draw the same pixels.
    """
    enforce_text_contrast(figure)
    buffer = io.BytesIO()
    with settled_layout(figure), chart_settings():
        figure.savefig(
            buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None}
        )
    return buffer.getvalue()


def render_svg(figure: Figure) -> str:
    """SVG text of ``figure``, identical for identical charts: no date, no software
    stamp, ids from a fixed salt, texts as ``<text>`` in the report's fonts, each at
    ``TEXT_CONTRAST`` against its background and clear of the others
    (``separate_labels``)."""
    enforce_text_contrast(figure)
    buffer = io.BytesIO()
    with (
        settled_layout(figure) as laid_out,
        chart_settings({"svg.fonttype": "none", "svg.hashsalt": "mission-report"}),
        warnings.catch_warnings(),
    ):
        if laid_out:
            separate_labels(figure)
        # A narrow chart laid out again may find no room on one pass: matplotlib then
        # keeps the layout it had, which is drawn as it is.
        warnings.filterwarnings("ignore", message=COLLAPSED_LAYOUT)
        figure.savefig(
            buffer,
            format="svg",
            facecolor="white",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    svg = buffer.getvalue().decode("utf-8")
    return re.sub(r"font-family: '?DejaVu Sans'?", f"font-family: {SVG_FONTS}", svg)


def render_print_svg(figure: Figure) -> str:
    """``figure`` drawn for the A4 page, which shows it ``PRINT_WIDTH_INCHES`` wide: no
    text that would print under ``PRINT_MIN_POINTS``, no taller than
    ``PRINT_MAX_HEIGHT_INCHES`` once printed. The figure is given back as it was; the
    SVG is the screen's (``render_svg``) when nothing needed changing."""
    width, height = figure.get_size_inches()
    scale = PRINT_WIDTH_INCHES / width
    smallest = PRINT_MIN_POINTS / scale
    sizes = [(text, text.get_fontsize()) for text in figure.findobj(Text)]
    figure.set_size_inches(width, min(height, PRINT_MAX_HEIGHT_INCHES / scale))
    for text, size in sizes:
        if size < smallest:
            text.set_fontsize(smallest)
    svg = render_svg(figure)
    figure.set_size_inches(width, height)
    for text, size in sizes:
        text.set_fontsize(size)
    return svg


def render_narrow_svg(figure: Figure) -> str:
    """``figure`` drawn again for a phone's width (``NARROW_WIDTH_INCHES``): no text under
    ``NARROW_MIN_POINTS``, long labels on two lines, legends in fewer columns, more room
    for the values written past the bars, and no value inside a part of a 100 % bar too
    narrow to hold it. The figure is changed in place: render the wide SVG first."""
    width, height = figure.get_size_inches()
    narrow_height = max(NARROW_MIN_HEIGHT_INCHES, height * NARROW_HEIGHT_FACTOR)
    figure.set_size_inches(NARROW_WIDTH_INCHES, narrow_height)
    for ax in figure.axes:
        if getattr(ax, "category_axis", "") == "y":
            wrap_category_labels(ax)
            widen_value_axis(ax)
        if len(ax.get_xticks()) > NARROW_MAX_FLAT_TICKS and isinstance(
            ax.xaxis.get_major_formatter(), FixedFormatter
        ):
            ax.tick_params(axis="x", labelrotation=90)
        legend = ax.get_legend()
        if legend is not None and hasattr(legend, "entries"):
            place_legend(ax, handles=legend.entries, row_characters=NARROW_LEGEND_CHARACTERS)
        for text in ax.texts:
            if getattr(text, "part_width", 1.0) < NARROW_LABELLED_PART:
                text.set_visible(False)
            elif len(text.get_text()) > NARROW_LABEL_CHARACTERS:
                text.set_text(wrap_label(text.get_text()))
    raise_narrow_texts(figure)
    # A chart that places its own labels (the slope chart) places them again for the width.
    relayout = getattr(figure, "narrow_layout", None)
    if relayout is not None:
        relayout()
        # Laying out again can make new tick labels at the size the axes were given.
        raise_narrow_texts(figure)
    # Laid out once more, then kept as it is: on a phone's width a chart laid out again
    # and again (as measuring its labels does) can lose its plot to its legend. A legend
    # that runs past the edge is set one entry a row first.
    if lay_out(figure):
        for ax in figure.axes:
            legend = ax.get_legend()
            wide = legend is not None and legend.get_window_extent().x1 > figure.bbox.x1 + 1
            if wide and hasattr(legend, "entries"):
                place_legend(ax, handles=legend.entries, row_characters=1)
        if lay_out(figure):
            figure.set_layout_engine("none")
    thin_ticks(figure)
    return render_svg(figure)


def raise_narrow_texts(figure: Figure) -> None:
    """Every text of ``figure`` at least ``NARROW_MIN_POINTS``, the tick labels that the
    axes make later (when laid out again) included."""
    for text in figure.findobj(Text):
        if text.get_fontsize() < NARROW_MIN_POINTS:
            text.set_fontsize(NARROW_MIN_POINTS)
    for ax in figure.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            # A tick made later takes the size the axes were given (tick_params), not
            # the one its predecessors were raised to: give the axes that size.
            ticks = axis.get_major_ticks()
            if ticks:
                size = max(ticks[0].label1.get_fontsize(), NARROW_MIN_POINTS)
                ax.tick_params(axis=name, which="both", labelsize=size)


def overlaps(boxes: Sequence, gap: float = TICK_GAP_PIXELS) -> bool:
    """True when two of the boxes (matplotlib ``Bbox``) come closer than ``gap`` pixels."""
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            if (
                first.x0 < second.x1 + gap
                and second.x0 < first.x1 + gap
                and first.y0 < second.y1 + gap
                and second.y0 < first.y1 + gap
            ):
                return True
    return False


def separate_labels(figure: Figure) -> None:
    """The texts written on a plot moved apart where they touch: the same words twice in
    one place are written once, a value inside a part of a 100 % bar is left out (the
    table has it), any other text moves up, clear of those below it."""
    if not lay_out(figure):
        return
    # Measured once, from one layout: a moved text leaves the layout (it sits over the
    # plot, which keeps its place), so the other axes' texts stay where measured.
    measured = {
        id(t): t.get_window_extent() for ax in figure.axes for t in ax.texts if t.get_visible()
    }
    for ax in figure.axes:
        texts = [t for t in ax.texts if t.get_visible() and t.get_text().strip()]
        if len(texts) < 2:
            continue
        boxes = {id(t): measured[id(t)] for t in texts}
        # The same words twice in one place (two lines withheld the same year) are one.
        for i, text in enumerate(texts):
            if any(
                o.get_visible()
                and o.get_text() == text.get_text()
                and overlaps([boxes[id(o)], boxes[id(text)]], 0.0)
                for o in texts[:i]
            ):
                text.set_visible(False)
        texts = [t for t in texts if t.get_visible()]
        for text in [t for t in texts if hasattr(t, "part_width")]:
            others = [boxes[id(o)] for o in texts if o is not text and o.get_visible()]
            if any(overlaps([boxes[id(text)], other], 0.0) for other in others):
                text.set_visible(False)
        placed: list = []
        for text in sorted((t for t in texts if t.get_visible()), key=lambda t: boxes[id(t)].y0):
            box = boxes[id(text)]
            total = 0.0
            for _ in range(len(texts)):
                rise = max(
                    (o.y1 - box.y0 + TICK_GAP_PIXELS for o in placed if overlaps([box, o], 0.0)),
                    default=0.0,
                )
                if rise <= 0:
                    break
                box, total = box.translated(0, rise), total + rise
            if total > 0:
                raise_text(text, total * 72 / figure.dpi)
                text.set_in_layout(False)
            placed.append(box)


def raise_text(text: Text, points: float) -> None:
    """Move a text up by ``points``: an annotation by its offset, any other text by its
    transform."""
    if isinstance(text, Annotation) and text.anncoords == "offset points":
        x, y = text.xyann
        text.xyann = (x, y + points)
    else:
        figure = text.get_figure()
        text.set_transform(offset_copy(text.get_transform(), figure, y=points, units="points"))


COLLAPSED_LAYOUT = "constrained_layout not applied"
# The plots' places, as fractions of the figure, kept to this many decimals. Matplotlib's
# layout solver orders its sums by where the process keeps its objects in memory, so two
# runs of the same chart can place a plot a few units of the last bit apart: enough to
# change the ids of an SVG (hashed from the exact numbers) and, rarely, a printed digit.
LAYOUT_DECIMALS = 6


@contextmanager
def settled_layout(figure: Figure) -> Iterator[bool]:
    """``figure`` laid out once, every plot and figure-wide text at a place rounded to
    ``LAYOUT_DECIMALS``, and drawn at those places (no layout engine) until the block
    ends; then its layout engine is given back, for a later drawing at another size.

    Yields False when the layout found no room for a plot (see ``lay_out``)."""
    engine = figure.get_layout_engine()
    laid_out = lay_out(figure)
    for ax in figure.axes:
        in_layout = ax.get_in_layout()
        bounds = ax.get_position(original=True).bounds
        ax.set_position([round(b, LAYOUT_DECIMALS) for b in bounds], which="both")
        ax.set_in_layout(in_layout)
    for text in (figure._suptitle, figure._supxlabel, figure._supylabel):
        if text is not None:
            x, y = text.get_position()
            text.set_position((round(x, LAYOUT_DECIMALS), round(y, LAYOUT_DECIMALS)))
    if engine is not None:
        figure.set_layout_engine("none")
    try:
        yield laid_out
    finally:
        if engine is not None:
            figure.set_layout_engine(engine)


def lay_out(figure: Figure) -> bool:
    """Lay ``figure`` out (without drawing it); False when its layout has no room left
    for a plot (matplotlib then warns that the axes collapsed, and keeps the last layout)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.draw_without_rendering()
    return not any(str(w.message).startswith(COLLAPSED_LAYOUT) for w in caught)


def thin_ticks(figure: Figure, rounds: int = 4) -> None:
    """On a narrow chart, every other tick of a value axis dropped until their labels no
    longer touch ("0%10%20%" becomes "0%  20%  40%"); category axes keep every label. When
    thinning leaves the layout no room, the axes thinned keep their ticks.

    Each round lays the whole figure out once and thins every axis whose labels touch:
    a chart of many small panels costs a few layouts, not a few per axis."""
    axes = []
    for ax in figure.axes:
        if getattr(ax, "stacked", False):
            # A 100 % bar writes each part's share on it: its axis needs no more than
            # its ends and its middle.
            ax.xaxis.set_ticks(STACKED_NARROW_TICKS)
            continue
        axes += [
            a
            for a in (ax.xaxis, ax.yaxis)
            if not isinstance(a.get_major_formatter(), FixedFormatter)
        ]
    locators = {}
    for _ in range(rounds):
        if not lay_out(figure):
            break
        crowded = [axis for axis in axes if labels_touch(axis)]
        if not crowded:
            break
        for axis in crowded:
            locators.setdefault(axis, axis.get_major_locator())
            low, high = sorted(axis.get_view_interval())
            axis.set_ticks([v for v in axis.get_ticklocs() if low <= v <= high][::2])
    if locators and not lay_out(figure):
        for axis, locator in locators.items():
            axis.set_major_locator(locator)


def labels_touch(axis: Axis) -> bool:
    """Whether two of ``axis``'s visible tick labels touch, as last laid out."""
    labels = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
    return overlaps([t.get_window_extent() for t in labels])


def wrap_label(text: str) -> str:
    """``text`` on lines of at most ``NARROW_LABEL_CHARACTERS``, broken between words."""
    return "\n".join(textwrap.wrap(text, NARROW_LABEL_CHARACTERS, break_on_hyphens=False)) or text


def wrap_category_labels(ax: Axes) -> None:
    """Category names of a bar chart's axis on two lines when long (a phone's chart has
    no room for a label as wide as its bars)."""
    ticks = ax.get_yticks()
    labels = [wrap_label(label.get_text()) for label in ax.get_yticklabels()]
    ax.set_yticks(ticks, labels)


def widen_value_axis(ax: Axes) -> None:
    """Room past the longest bar for the value written after it, which takes a larger
    part of a phone's chart; the ticks stay those of the values' range."""
    left, right = ax.get_xlim()
    if getattr(ax, "stacked", False):
        return
    ticks = [tick for tick in ax.get_xticks() if left <= tick <= right]
    if ax.get_xscale() == "log":
        ax.set_xlim(left, right * NARROW_LOG_ROOM)
    else:
        ax.set_xlim(left, right + (right - left) * NARROW_VALUE_ROOM)
    ax.set_xticks(ticks)


def take_captions(figure: Figure) -> tuple[str, str]:
    """The title and the note drawn on ``figure``, taken off it: a page writes them as
    text under the chart, where they wrap to any width and read aloud."""
    found = []
    for name in ("title_artist", "note_artist"):
        artist = getattr(figure, name, None)
        if artist is None:
            found.append("")
            continue
        found.append(" ".join(artist.get_text().split()))
        artist.set_visible(False)
        artist.set_in_layout(False)
    return found[0], found[1]


def plot_bars(
    frame: pd.DataFrame,
    title: str,
    value_label: str,
    value_format: Formatter,
    *,
    scale: str = "linear",
    reference: tuple[float, str] | None = None,
    note: str | None = None,
    split_small: bool = False,
) -> Figure:
    """Horizontal bars, one row per label and one bar per group (e.g. per year).

    Parameters
    ----------
    frame : DataFrame
        Columns ``label``, ``group``, ``value`` (NaN when withheld or missing), ``text``
        (written at the end of the bar, or in its place), and optionally ``low`` and
        ``high`` (a 95 % interval drawn as a thin line). Rows are drawn top to bottom in
        the order of the frame's first appearance of each label; groups likewise.
    title, value_label : str
        Chart title and axis label.
    value_format : callable
        Formats the axis ticks (locale-aware percentages or numbers).
    scale : {"linear", "share", "count", "log"}
        ``share`` stops the axis at 100 %; ``count`` puts ticks on whole numbers; ``log``
        is a logarithmic axis, for stages that span orders of magnitude.
    reference : (value, text), optional
        A vertical dashed line (an objective, or the reference group) with its text.
    note : str, optional
        A line under the chart (e.g. what the thin lines are).
    split_small : bool
        Draw the labels much smaller than the largest in a panel of their own, with
        their own scale (``split_small_labels``), instead of on a second axis.
    """
    labels = list(dict.fromkeys(frame["label"]))
    groups = list(dict.fromkeys(frame["group"]))
    colours = dict(zip(groups, pick_colours(len(groups)), strict=True))
    height = max(2.4, 1.5 + BAR_HEIGHT_INCHES * len(labels) * max(1.4, len(groups)))
    panels = split_small_labels(frame) if split_small and scale != "log" else [labels]
    with chart_style():
        figure = new_figure(height + 0.6 * (len(panels) - 1))
        axes = figure.subplots(
            len(panels), 1, squeeze=False, height_ratios=[len(p) for p in panels]
        )
        for ax, panel in zip(axes[:, 0], panels, strict=True):
            rows = frame[frame["label"].isin(panel)]
            draw_bar_panel(ax, rows, colours, value_label, value_format, scale)
        ax = axes[0, 0]
        if reference is not None:
            ax.axvline(reference[0], color=MUTED_COLOUR, linestyle="--", linewidth=1)
            ax.annotate(
                reference[1],
                xy=(reference[0], 0),
                xycoords=("data", "axes fraction"),
                xytext=(4, 4),
                textcoords="offset points",
                color=MUTED_COLOUR,
                fontsize=8.5,
            )
        if len(groups) > 1:
            handles = [Patch(color=colours[g], label=g) for g in groups]
            place_legend(ax, handles=handles)
        set_title(figure, title)
        add_note(figure, note)
    return figure


def split_small_labels(frame: pd.DataFrame) -> list[list[str]]:
    """The labels in one panel, or in several when some are too small to read beside the
    others: going down from the largest, a label under ``SMALL_PANEL_FRACTION`` of its
    panel's largest starts a panel with a linear scale of its own, from zero, rather
    than a bar lost on the zero line (or a logarithmic axis, whose bars mislead). Each
    panel keeps the labels' order, and the panels follow the order of their first label."""
    labels = list(dict.fromkeys(frame["label"]))
    largest = frame.groupby("label", sort=False)["value"].max()
    measured = sorted(
        (label for label in labels if pd.notna(largest.get(label))),
        key=lambda label: -float(largest[label]),
    )
    panels: list[list[str]] = []
    for label in measured:
        if panels and float(largest[label]) >= SMALL_PANEL_FRACTION * float(largest[panels[-1][0]]):
            panels[-1].append(label)
        else:
            panels.append([label])
    if len(panels) <= 1:
        return [labels]
    # A label without a value sits with the last (smallest) panel.
    panels[-1] += [label for label in labels if label not in measured]
    ordered = [[label for label in labels if label in panel] for panel in panels]
    # The panels keep the labels' order: scopes 1 and 2 above scope 3.
    return sorted(ordered, key=lambda panel: labels.index(panel[0]))


def draw_bar_panel(
    ax: Axes,
    frame: pd.DataFrame,
    colours: dict[str, str],
    value_label: str,
    value_format: Formatter,
    scale: str,
) -> None:
    """One panel of horizontal bars: a row per label, a bar per group, its own value axis."""
    labels = list(dict.fromkeys(frame["label"]))
    groups = list(colours)
    slot = 0.8 / len(groups)
    shown = frame["value"].dropna()
    top = float(shown.max()) if len(shown) else 1.0
    if "high" in frame:
        top = max(top, float(frame["high"].fillna(0).max()))
    start = log_floor(shown) if scale == "log" else 0.0
    for _, row in frame.iterrows():
        offset = (groups.index(row["group"]) - (len(groups) - 1) / 2) * slot
        y = labels.index(row["label"]) + offset
        draw_bar(ax, y, row, slot, colours[row["group"]], start, top, scale == "log")
    ax.set_yticks(range(len(labels)), labels)
    ax.category_axis = "y"
    ax.invert_yaxis()
    ax.set_ylim(len(labels) - 0.5, -0.5 - (0.25 if len(groups) > 1 else 0))
    finish_value_axis(ax.xaxis, value_label, value_format, scale, start, top)
    ax.grid(axis="y", visible=False)


def log_floor(values: pd.Series) -> float:
    """Where the bars of a logarithmic axis start: a power of ten below the smallest value."""
    positive = values[values > 0]
    smallest = float(positive.min()) if len(positive) else 1.0
    return 10.0 ** math.floor(math.log10(smallest / 2))


def draw_bar(
    ax, y: float, row: pd.Series, slot: float, colour: str, start: float, top: float, log: bool
) -> None:
    """One bar with its value written after it, or the text alone when it has no value."""
    value = row["value"]
    if value is None or pd.isna(value) or value <= start:
        ax.text(
            start,
            y,
            f" {row['text']}",
            va="center",
            ha="left",
            fontsize=9,
            style="italic" if value is None or pd.isna(value) else "normal",
            color=MUTED_COLOUR if value is None or pd.isna(value) else TEXT_COLOUR,
        )
        return
    ax.barh(y, value - start, left=start, height=slot * 0.92, color=colour)
    end = value
    low, high = row.get("low"), row.get("high")
    if low is not None and high is not None and not (pd.isna(low) or pd.isna(high)):
        ax.plot([low, high], [y, y], color=TEXT_COLOUR, linewidth=1.1, solid_capstyle="butt")
        end = max(end, high)
    gap = end * 1.04 if log else end + top * 0.012
    ax.text(gap, y, row["text"], va="center", ha="left", fontsize=9, color=TEXT_COLOUR)


def finish_value_axis(
    axis,
    label: str,
    value_format: Formatter,
    scale: str,
    start: float,
    top: float,
    room_below: float = 0.0,
) -> None:
    """Axis label, locale-formatted ticks, and room for the values written past the bars.

    ``room_below`` extends a linear axis under zero, for values written under points
    that sit at its foot; no tick is written there.
    """
    limits = axis.axes.set_xlim if axis is axis.axes.xaxis else axis.axes.set_ylim
    if scale == "log":
        axis.axes.set_xscale("log")
        limits(start, top * 6)
    elif scale == "share":
        limits(-room_below, min(1.0, top * 1.22) if top > 0 else 1.0)
    else:
        limits(-room_below, top * 1.22 if top > 0 else 1.0)
    if scale == "count":
        axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: "" if v < 0 else value_format(v)))
    axis.set_label_text(label)


def plot_stacked_shares(
    frame: pd.DataFrame,
    title: str,
    value_label: str,
    value_format: Formatter,
    withheld_text: str,
    part_order: Sequence[str],
    note: str | None = None,
) -> Figure:
    """One 100 % bar per label, split into parts (e.g. the funding types of a group).

    Parameters
    ----------
    frame : DataFrame
        Columns ``label``, ``part``, ``value`` (share; NaN when withheld or not
        measurable), ``withheld`` (bool) and ``text`` (the share as written, or for a
        label without any value, why). What the shown parts leave of 100 % is drawn as one
        grey hatched "withheld" part, so a withheld share is never drawn as zero and never
        revealed on its own.
    part_order : sequence of str
        The parts from left to right, which also fixes their colours.
    """
    labels = list(dict.fromkeys(frame["label"]))
    colours = dict(zip(part_order, pick_colours(max(3, len(part_order))), strict=False))
    height = max(2.6, 1.9 + 0.5 * len(labels))
    with chart_style():
        figure = new_figure(height)
        ax = figure.subplots()
        hatched = False
        for index, label in enumerate(labels):
            rows = frame[frame["label"] == label].set_index("part")
            left = draw_parts(ax, index, rows, part_order, colours)
            if rows["withheld"].any() and 1.0 - left > 0.0005:
                draw_withheld_part(ax, index, left, withheld_text)
                hatched = True
            elif rows["value"].isna().all():
                ax.text(
                    0.005,
                    index,
                    rows["text"].iloc[0],
                    va="center",
                    fontsize=9,
                    style="italic",
                    color=MUTED_COLOUR,
                )
        ax.set_yticks(range(len(labels)), labels)
        ax.category_axis = "y"
        ax.stacked = True
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: value_format(v)))
        ax.set_xlabel(value_label)
        ax.grid(axis="y", visible=False)
        handles = [Patch(color=colours[part], label=part) for part in part_order]
        if hatched:
            # The legend names the hatching, which a narrow part cannot write on itself.
            handles.append(withheld_patch(withheld_text))
        place_legend(ax, handles=handles)
        set_title(figure, title)
        add_note(figure, note)
    return figure


def draw_parts(
    ax, index: int, rows: pd.DataFrame, part_order: Sequence[str], colours: dict
) -> float:
    """The shown parts of one 100 % bar, left to right; returns where they end."""
    left = 0.0
    for part in part_order:
        if part not in rows.index or pd.isna(rows.at[part, "value"]):
            continue
        width = float(rows.at[part, "value"])
        ax.barh(index, width, left=left, height=0.7, color=colours[part])
        # Narrow parts keep their value for the table; written inside, it would overflow.
        if width >= 0.06:
            written = ax.text(
                left + width / 2,
                index,
                rows.at[part, "text"],
                ha="center",
                va="center",
                fontsize=8.5,
                color="white"
                if relative_luminance(colours[part]) < DARK_LUMINANCE
                else TEXT_COLOUR,
                clip_on=True,
            )
            written.part_width = width
            written.background = colours[part]
        left += width
    return left


def withheld_patch(text: str) -> Patch:
    """The hatched square that stands for a withheld part in a legend."""
    return Patch(
        facecolor="white", edgecolor=WITHHELD_COLOUR, hatch="///", linewidth=0.8, label=text
    )


def draw_withheld_part(ax, index: int, left: float, text: str) -> None:
    """What the shown parts leave of 100 %, hatched, and labelled as withheld when the
    word fits (the legend names the hatching either way)."""
    rest = 1.0 - left
    ax.barh(
        index,
        rest,
        left=left,
        height=0.7,
        color="white",
        edgecolor=WITHHELD_COLOUR,
        hatch="///",
        linewidth=0.8,
    )
    if rest < NARROWEST_LABELLED_PART:
        return
    ax.text(
        left + rest / 2,
        index,
        text,
        ha="center",
        va="center",
        fontsize=8,
        style="italic",
        color=MUTED_COLOUR,
    )


def plot_trend(
    frame: pd.DataFrame,
    title: str,
    value_label: str,
    value_format: Formatter,
    year_label: str,
    *,
    scale: str = "linear",
    break_after: tuple[int, str] | None = None,
    reference: tuple[float, str] | None = None,
    note: str | None = None,
) -> Figure:
    """Lines over the years, one per series, with each point's value written beside it.

    Parameters
    ----------
    frame : DataFrame
        Columns ``year`` (int), ``series`` (label), ``value`` (NaN when withheld or not
        measurable), ``text``, and optionally ``low`` and ``high`` (a 95 % band).
        A point without value is written as its text at the foot of the chart.
    scale : {"linear", "share", "count"}
        As for ``plot_bars``.
    break_after : (year, text), optional
        A dashed vertical line between ``year`` and the next one, with its text: a change
        of definition that makes the years either side not directly comparable.
    reference : (value, text), optional
        A horizontal dashed line, e.g. an objective.
    """
    series = list(dict.fromkeys(frame["series"]))
    years = sorted(int(y) for y in frame["year"].unique())
    styles = dict(zip(series, pick_line_styles(len(series)), strict=True))
    few = len(series) <= MAX_LABELLED_SERIES
    import seaborn as sns

    with chart_style():
        figure = new_figure(3.8)
        ax = figure.subplots()
        shown = frame.dropna(subset=["value"])
        top = max(
            [float(shown["value"].max()) if len(shown) else 1.0]
            + ([reference[0]] if reference else [])
        )
        if "high" in frame and frame["high"].notna().any():
            top = max(top, float(frame["high"].max()))
        ends = []
        for name in series:
            rows = frame[frame["series"] == name].sort_values("year")
            style = styles[name]
            sns.lineplot(data=rows, x="year", y="value", ax=ax, label=name, errorbar=None, **style)
            # Bands of many lines would cover one another: the tables carry the intervals.
            if few and "low" in rows and rows["low"].notna().any():
                ax.fill_between(
                    rows["year"],
                    rows["low"],
                    rows["high"],
                    color=style["color"],
                    alpha=0.15,
                    linewidth=0,
                )
            if few:
                # A second line writes its values under its points, so two close lines
                # stay legible.
                label_points(ax, rows, style["color"], top, below=series.index(name) == 1)
            else:
                ends += list_end_label(rows, style["color"])
        write_end_labels(ax, ends, top)
        if break_after is not None and years[0] <= break_after[0] < years[-1]:
            ax.axvline(break_after[0] + 0.5, color=MUTED_COLOUR, linestyle="--", linewidth=1)
            ax.annotate(
                break_after[1],
                xy=(break_after[0] + 0.5, 1),
                xycoords=("data", "axes fraction"),
                xytext=(4, -12),
                textcoords="offset points",
                fontsize=8.5,
                color=MUTED_COLOUR,
            )
        if reference is not None:
            ax.axhline(reference[0], color=MUTED_COLOUR, linestyle=":", linewidth=1.2)
            ax.annotate(
                reference[1],
                xy=(0, reference[0]),
                xycoords=("axes fraction", "data"),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize=8.5,
                color=MUTED_COLOUR,
            )
        ax.set_xticks(years, [str(y) for y in years])
        # Room on the right for the last values when only those are written.
        right = 0.5 if len(series) <= MAX_LABELLED_SERIES else 1.1
        ax.set_xlim(years[0] - 0.5, years[-1] + right)
        finish_value_axis(
            ax.yaxis, value_label, value_format, scale, 0.0, top, room_below_trend(frame, few, top)
        )
        ax.set_xlabel(year_label)
        finish_line_chart(figure, ax, len(series), title, note)
    return figure


def finish_line_chart(figure: Figure, ax: Axes, lines: int, title: str, note: str | None) -> None:
    """The common end of the line charts: no vertical grid, a legend only when there is
    more than one line to tell apart, then the title and the note."""
    ax.grid(axis="x", visible=False)
    if lines > 1:
        place_legend(ax)
    else:
        ax.get_legend().remove()
    set_title(figure, title)
    add_note(figure, note)


def room_below_trend(frame: pd.DataFrame, few: bool, top: float) -> float:
    """How far under zero a trend's axis runs: enough for the values of the second line,
    written under its points, when one of them sits at the foot of the axis."""
    if not few or frame["series"].nunique() < 2:
        return 0.0
    second = frame[frame["series"] == list(dict.fromkeys(frame["series"]))[1]]
    lowest = second["value"].min()
    return FLOOR_FRACTION * top if lowest < FLOOR_FRACTION * top else 0.0


def list_end_label(rows: pd.DataFrame, colour: str) -> list[tuple[float, float, str, str]]:
    """A line's last value as (year, value, text, colour), or nothing without one."""
    shown = rows.dropna(subset=["value"])
    if shown.empty:
        return []
    last = shown.iloc[-1]
    return [(float(last["year"]), float(last["value"]), str(last["text"]), colour)]


def write_end_labels(ax, ends: Sequence[tuple[float, float, str, str]], top: float) -> None:
    """Write each line's last value to the right of it, moved apart where lines end close
    together (two groups at 6.1 % would otherwise print one text over the other)."""
    if not ends:
        return
    heights = spread_positions([value for _, value, _, _ in ends], END_LABEL_GAP * top)
    beside = offset_copy(ax.transData, fig=ax.figure, x=6, y=0, units="points")
    for (year, _, text, colour), height in zip(ends, heights, strict=True):
        ax.text(year, height, text, transform=beside, va="center", fontsize=8.5, color=colour)


def label_points(ax, rows: pd.DataFrame, colour: str, top: float, below: bool = False) -> None:
    """Write a line's values beside its points, and its missing points' texts at the foot.

    ``below`` writes the values under the points (the second of two lines).
    """
    for _, row in rows.iterrows():
        if pd.isna(row["value"]):
            ax.text(
                row["year"],
                top * 0.03,
                row["text"],
                ha="center",
                va="bottom",
                fontsize=8,
                style="italic",
                color=MUTED_COLOUR,
            )
        else:
            ax.annotate(
                row["text"],
                (row["year"], row["value"]),
                xytext=(0, -14 if below else 7),
                textcoords="offset points",
                ha="center",
                fontsize=8.5,
                color=colour,
            )


def plot_monthly(
    frame: pd.DataFrame,
    title: str,
    value_label: str,
    value_format: Formatter,
    month_label: str,
    *,
    scale: str = "linear",
    note: str | None = None,
) -> Figure:
    """Lines over the twelve months of the year, one per series.

    Parameters
    ----------
    frame : DataFrame
        Columns ``position`` (1-12), ``month`` (the month's name for the axis),
        ``series`` (label), ``value`` (NaN when withheld or missing) and ``text`` (what a
        month without value says, written at the foot of the chart).
    """
    series = list(dict.fromkeys(frame["series"]))
    styles = dict(zip(series, pick_line_styles(len(series)), strict=True))
    months = frame.drop_duplicates("position").sort_values("position")
    import seaborn as sns

    with chart_style():
        figure = new_figure(3.6)
        ax = figure.subplots()
        for name in series:
            rows = frame[frame["series"] == name].sort_values("position")
            sns.lineplot(
                data=rows, x="position", y="value", ax=ax, label=name, errorbar=None, **styles[name]
            )
        ax.set_xticks(list(months["position"]), list(months["month"]))
        top = float(frame["value"].max()) if frame["value"].notna().any() else 1.0
        finish_value_axis(ax.yaxis, value_label, value_format, scale, 0.0, top)
        # One word per month without value, whatever the number of lines missing it.
        missing = frame[frame["value"].isna()].drop_duplicates("position")
        for _, row in missing.iterrows():
            ax.text(
                row["position"],
                top * 0.03,
                row["text"],
                ha="center",
                va="bottom",
                fontsize=7.5,
                style="italic",
                color=MUTED_COLOUR,
            )
        ax.set_xlabel(month_label)
        finish_line_chart(figure, ax, len(series), title, note)
    return figure


def place_legend(
    ax, handles: list | None = None, row_characters: int = LEGEND_ROW_CHARACTERS
) -> None:
    """The legend above the plot, under the title, where it hides no data: as many
    entries a row as fit the chart's width, read left to right."""
    if handles is None:
        handles, _ = ax.get_legend_handles_labels()
    columns = choose_legend_columns([handle.get_label() for handle in handles], row_characters)
    legend = ax.legend(
        handles=order_for_rows(handles, columns),
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=columns,
        fontsize=9,
        # Long enough to show a line's dash as well as its marker.
        handlelength=2.4,
        borderaxespad=0.2,
    )
    # In reading order, for drawing the legend again at another width.
    legend.entries = list(handles)


def set_title(figure: Figure, title: str) -> None:
    """The chart's title at the top left, wrapped when a language makes it long."""
    wrapped = "\n".join(textwrap.wrap(title, TITLE_WIDTH_CHARACTERS, break_on_hyphens=False))
    figure.title_artist = figure.suptitle(
        wrapped, x=0.01, ha="left", fontsize=12.5, fontweight="bold"
    )


def add_note(figure: Figure, note: str | None) -> None:
    """A small grey note at the foot of the figure, wrapped to its width."""
    if note:
        wrapped = "\n".join(textwrap.wrap(note, NOTE_WIDTH_CHARACTERS, break_on_hyphens=False))
        figure.note_artist = figure.supxlabel(
            wrapped, fontsize=8.5, color=MUTED_COLOUR, x=0.01, ha="left"
        )

"""Charts: withheld figures keep their place and say so, changes of definition are marked,
and the PNG bytes are the same from one run to the next."""

import math
import re

import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from helpers.pages import charts

NAN = math.nan


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def bars_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "label": ["Job seekers", "Job seekers", "Refugees", "Refugees"],
            "group": ["2022", "2021", "2022", "2021"],
            "value": [0.4, 0.35, NAN, 0.2],
            "low": [0.37, 0.32, NAN, 0.15],
            "high": [0.43, 0.38, NAN, 0.25],
            "text": ["40%", "35%", "withheld", "20%"],
        }
    )


def texts_of(figure) -> list[str]:
    return [text.get_text() for ax in figure.axes for text in ax.texts]


def bars_of(figure) -> list[Rectangle]:
    return [p for p in figure.axes[0].patches if isinstance(p, Rectangle)]


def test_a_withheld_bar_is_written_not_drawn():
    figure = charts.plot_bars(bars_frame(), "Shares", "Share of students", percent, scale="share")
    widths = sorted(round(bar.get_width(), 6) for bar in bars_of(figure))
    assert widths == [0.2, 0.35, 0.4]
    assert " withheld" in texts_of(figure)
    assert {"40%", "35%", "20%"} <= set(texts_of(figure))


def test_bars_keep_the_frame_order_and_the_title():
    figure = charts.plot_bars(bars_frame(), "Shares, 2022", "Share", percent, scale="share")
    labels = [tick.get_text() for tick in figure.axes[0].get_yticklabels()]
    assert labels == ["Job seekers", "Refugees"]
    assert figure.get_suptitle() == "Shares, 2022"
    assert figure.axes[0].get_xlim()[1] <= 1.0


def test_log_bars_start_below_the_smallest_value():
    frame = pd.DataFrame(
        {
            "label": ["Visitors", "Students"],
            "group": ["2022", "2022"],
            "value": [300_000.0, 4_000.0],
            "text": ["300,000", "4,000"],
        }
    )
    figure = charts.plot_bars(frame, "Funnel", "Number", str, scale="log")
    assert charts.log_floor(frame["value"]) == 1000.0
    assert {bar.get_x() for bar in bars_of(figure)} == {1000.0}
    assert figure.axes[0].get_xscale() == "log"


def test_stacked_shares_show_what_is_withheld_as_one_hatched_part():
    frame = pd.DataFrame(
        {
            "label": ["All"] * 3 + ["Nobody"] * 3,
            "part": ["Individual", "Public", "Other"] * 2,
            "value": [0.6, NAN, NAN, NAN, NAN, NAN],
            "withheld": [False, True, True, False, False, False],
            "text": ["60%", "", "", "n/a", "n/a", "n/a"],
        }
    )
    figure = charts.plot_stacked_shares(
        frame, "Funding", "Share", percent, "withheld", ["Individual", "Public", "Other"]
    )
    bars = bars_of(figure)
    hatched = [bar for bar in bars if bar.get_hatch()]
    assert len(hatched) == 1
    assert math.isclose(hatched[0].get_x(), 0.6) and math.isclose(hatched[0].get_width(), 0.4)
    assert "withheld" in texts_of(figure)
    # A group with no value at all is not measurable, not withheld.
    assert "n/a" in texts_of(figure)


def trend_frame(series: list[str], years=(2020, 2021, 2022, 2023)) -> pd.DataFrame:
    rows = [
        {"year": y, "series": s, "value": 0.5, "low": 0.4, "high": 0.6, "text": "50%"}
        for s in series
        for y in years
    ]
    return pd.DataFrame(rows)


def vertical_lines_at(figure) -> list[float]:
    return [line.get_xdata()[0] for line in figure.axes[0].lines if line.get_linestyle() == "--"]


def test_trend_marks_the_definition_change_between_2021_and_2022():
    figure = charts.plot_trend(
        trend_frame(["Underserved"]),
        "Share by year",
        "Share",
        percent,
        "Year",
        scale="share",
        break_after=(2021, "New definitions"),
    )
    assert vertical_lines_at(figure) == [2021.5]
    assert "New definitions" in texts_of(figure)


def test_trend_draws_no_break_outside_the_years_shown():
    figure = charts.plot_trend(
        trend_frame(["Underserved"], years=(2022, 2023)),
        "Share by year",
        "Share",
        percent,
        "Year",
        break_after=(2021, "New definitions"),
    )
    assert vertical_lines_at(figure) == []


def test_trend_draws_interval_bands_only_for_a_few_lines():
    two = charts.plot_trend(trend_frame(["A", "B"]), "T", "S", percent, "Year")
    six = charts.plot_trend(trend_frame(list("ABCDEF")), "T", "S", percent, "Year")
    bands = [c for c in two.axes[0].collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2
    assert not [c for c in six.axes[0].collections if isinstance(c, PolyCollection)]
    # With many lines only each line's last value is written.
    assert texts_of(six).count("50%") == 6


def test_monthly_chart_names_the_months_and_the_missing_ones():
    frame = pd.DataFrame(
        {
            "position": [1, 2, 3],
            "month": ["janv.", "févr.", "mars"],
            "series": ["Visiteurs"] * 3,
            "value": [100.0, NAN, 120.0],
            "text": ["", "masqué", ""],
        }
    )
    figure = charts.plot_monthly(frame, "Par mois", "Nombre", str, "Mois", scale="count")
    ticks = [tick.get_text() for tick in figure.axes[0].get_xticklabels()]
    assert ticks == ["janv.", "févr.", "mars"]
    assert "masqué" in texts_of(figure)


def test_png_bytes_are_identical_across_renders_and_carry_no_software_stamp():
    first = charts.render_png(charts.plot_bars(bars_frame(), "T", "S", percent))
    second = charts.render_png(charts.plot_bars(bars_frame(), "T", "S", percent))
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    assert first == second
    assert b"Matplotlib" not in first and b"matplotlib" not in first


def test_two_groups_get_the_current_and_previous_year_colours():
    assert charts.pick_colours(2) == [charts.CURRENT_COLOUR, charts.PREVIOUS_COLOUR]
    assert len(set(charts.pick_colours(5))) == 5


def test_long_titles_wrap_instead_of_running_off_the_chart():
    title = "Taux d’obtention du diplôme : étudiants sous-représentés et non sous-représentés, par année"
    figure = charts.plot_trend(trend_frame(["A"]), title, "Part", percent, "Année")
    lines = figure.get_suptitle().split("\n")
    assert len(lines) == 2 and " ".join(lines) == title


def test_every_line_of_a_trend_differs_by_marker_and_colour_and_neighbours_by_dash():
    figure = charts.plot_trend(trend_frame(list("ABCDEF")), "T", "S", percent, "Year")
    lines = [line for line in figure.axes[0].lines if line.get_label() in set("ABCDEF")]
    assert len({line.get_marker() for line in lines}) == 6
    assert len({line.get_color() for line in lines}) == 6
    dashes = [line.get_linestyle() for line in lines]
    assert all(a != b for a, b in zip(dashes, dashes[1:], strict=False))


def test_the_legend_keeps_long_labels_within_the_chart_and_reads_by_rows():
    short = ["2022", "2021"]
    long = ["Sous-représentés", "Faible niveau de qualification", "Réfugiés et migrants"] * 2
    assert charts.choose_legend_columns(short) == 2
    columns = charts.choose_legend_columns(long)
    widest = max(len(label) for label in long) + charts.LEGEND_ENTRY_PADDING
    assert 1 < columns < len(long) and columns * widest <= charts.LEGEND_ROW_CHARACTERS
    # Columns fill top to bottom: A B C / D E read left to right, row after row.
    assert charts.order_for_rows(list("ABCDE"), 3) == list("ADBEC")


def test_values_written_at_the_end_of_lines_are_moved_apart_only_as_far_as_needed():
    assert charts.spread_positions([0.79, 0.061, 0.061, 0.006], 0.05) == pytest.approx(
        [0.79, 0.061, 0.111, 0.006]
    )
    assert charts.spread_positions([0.5, 0.1], 0.05) == [0.5, 0.1]


def test_a_narrow_withheld_part_keeps_its_hatching_and_the_legend_names_it():
    frame = pd.DataFrame(
        {
            "label": ["Priority areas"] * 2,
            "part": ["Public", "Other"],
            "value": [0.96, NAN],
            "withheld": [False, True],
            "text": ["96%", ""],
        }
    )
    figure = charts.plot_stacked_shares(
        frame, "Funding", "Share", percent, "withheld", ["Public", "Other"]
    )
    assert [bar for bar in bars_of(figure) if bar.get_hatch()]
    assert "withheld" not in texts_of(figure)
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert legend == ["Public", "Other", "withheld"]


def test_values_under_the_points_of_a_second_line_get_room_under_the_axis():
    rows = [
        {"year": y, "series": s, "value": v, "text": str(v)}
        for s, values in (("All", [1900, 44010]), ("Paid", [700, 3885]))
        for y, v in zip((2021, 2022), values, strict=True)
    ]
    figure = charts.plot_trend(pd.DataFrame(rows), "T", "N", str, "Year", scale="count")
    bottom = figure.axes[0].get_ylim()[0]
    assert bottom < 0
    ticks = figure.axes[0].yaxis.get_major_formatter()
    assert ticks(bottom, 0) == ""


def test_svg_keeps_texts_as_text_and_is_identical_across_renders():
    first = charts.render_svg(charts.plot_bars(bars_frame(), "T", "S", percent))
    second = charts.render_svg(charts.plot_bars(bars_frame(), "T", "S", percent))
    assert first == second
    assert "<text" in first and ">40%</text>" in first
    assert "Matplotlib" not in first and "<dc:date>" not in first
    assert "sans-serif" in first  # a reader's device without DejaVu keeps a sans font


def test_the_phone_rendition_is_narrow_with_no_small_text_and_wrapped_labels():
    frame = bars_frame().replace({"Refugees": "Refugees and migrants"})
    figure = charts.plot_bars(frame, "T", "S", percent, scale="share", note="A note")
    title, note = charts.take_captions(figure)
    assert (title, note) == ("T", "A note")
    narrow = charts.render_narrow_svg(figure)
    width = float(re.search(r'width="([\d.]+)pt"', narrow).group(1))
    assert width == pytest.approx(charts.NARROW_WIDTH_INCHES * 72)
    sizes = [float(s) for s in re.findall(r"font-size: ([\d.]+)px", narrow)]
    assert min(sizes) >= charts.NARROW_MIN_POINTS
    assert "Refugees and\nmigrants" in [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert ">T</text>" not in narrow and ">A note</text>" not in narrow  # captions are the page's


def test_a_phone_chart_writes_no_value_on_a_part_too_narrow_for_it():
    frame = pd.DataFrame(
        {
            "label": ["All", "All"],
            "part": ["Individual", "Public"],
            "value": [0.9, 0.1],
            "withheld": [False, False],
            "text": ["90%", "10%"],
        }
    )
    figure = charts.plot_stacked_shares(
        frame, "T", "S", percent, "withheld", ["Individual", "Public"]
    )
    charts.render_narrow_svg(figure)
    shown = {t.get_text() for t in figure.axes[0].texts if t.get_visible()}
    assert shown == {"90%"}


def test_every_colour_stands_out_from_the_background_and_from_the_next_one():
    # WCAG asks 3:1 for graphics: against white, and between series drawn side by side.
    for colour in charts.PALETTE:
        assert charts.contrast_ratio(colour, "#ffffff") >= 3, colour
    for first, second in zip(charts.PALETTE, charts.PALETTE[1:], strict=False):
        assert charts.contrast_ratio(first, second) >= 3, (first, second)
    assert charts.contrast_ratio(charts.CURRENT_COLOUR, charts.PREVIOUS_COLOUR) >= 3
    assert charts.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)


def test_bars_far_smaller_than_the_largest_get_a_panel_of_their_own_in_order():
    frame = pd.DataFrame(
        {
            "label": ["Scope 1", "Scope 2", "Scope 3"],
            "group": ["2022"] * 3,
            "value": [13.0, 9.5, 1004.0],
            "text": ["13 t", "9.5 t", "1,004 t"],
        }
    )
    figure = charts.plot_bars(frame, "Scopes", "Tonnes", str, split_small=True)
    panels = [[t.get_text() for t in ax.get_yticklabels()] for ax in figure.axes]
    assert panels == [["Scope 1", "Scope 2"], ["Scope 3"]]
    assert figure.axes[0].get_xlim()[1] < 20 < figure.axes[1].get_xlim()[1]
    single = charts.plot_bars(frame, "Scopes", "Tonnes", str)
    assert len(single.axes) == 1


def test_a_phone_s_slope_chart_writes_short_labels_a_line_apart():
    from helpers.pages.impact_charts import SLOPE_LABEL_POINTS, plot_slopes

    frame = pd.DataFrame(
        {
            "label": [f"Group {i}" for i in range(8)],
            "before": [0.10 + 0.01 * i for i in range(8)],
            "after": [0.40 + 0.01 * i for i in range(8)],
            "text": ["+30.0 pp (+25.0 pp to +35.0 pp)"] * 8,
        }
    )
    figure = plot_slopes(frame, "Title", ("At application", "Six months after"), "{:.0%}".format)
    charts.render_svg(figure)
    charts.render_narrow_svg(figure)
    ax = figure.axes[0]
    right = sorted((a for a in ax.texts if a.xy[0] == 1), key=lambda a: a.xy[1])
    assert [a.get_text() for a in right][:2] == ["40%  Group 0", "41%  Group 1"]
    # One line of text in data units at the phone's size: labels never closer than that.
    line = SLOPE_LABEL_POINTS / 72 / (figure.get_size_inches()[1] * ax.get_position().height)
    gaps = [b.xy[1] - a.xy[1] for a, b in zip(right, right[1:], strict=False)]
    assert min(gaps) >= line
    assert [t.get_text() for t in ax.get_xticklabels()] == ["At\napplication", "Six\nmonths after"]


def test_a_text_in_a_series_colour_is_darkened_to_4_5_to_1_in_its_own_hue():
    for colour in charts.PALETTE:
        shade = charts.ink(colour)
        assert charts.contrast_ratio(shade, charts.BACKGROUND) >= charts.TEXT_CONTRAST, colour
    # Dark enough already: unchanged. Too light (the orange, 3.5:1): darker, still orange.
    assert charts.ink("#0a2f5c") == "#0a2f5c"
    orange = charts.ink("#d06f00")
    assert orange != "#d06f00" and int(orange[1:3], 16) > int(orange[3:5], 16) > int(orange[5:], 16)
    # On a dark bar a light text lightens instead.
    assert charts.contrast_ratio(charts.ink("#8888ff", "#0a2f5c"), "#0a2f5c") >= 4.5


def test_every_text_of_a_drawn_chart_reads_at_4_5_to_1_on_what_it_is_written_on():
    frame = pd.DataFrame(
        {
            "year": [2021, 2022, 2023] * 2,
            "series": ["A"] * 3 + ["B"] * 3,
            "value": [1.0, 2.0, 3.0, 2.0, 2.5, 1.0],
            "text": ["1", "2", "3", "2", "2.5", "1"],
        }
    )
    figure = charts.plot_trend(frame, "T", "Y", str, "Year")
    svg = charts.render_svg(figure)
    fills = set(re.findall(r"<text [^>]*fill: (#[0-9a-f]{6})", svg))
    assert fills and all(charts.contrast_ratio(f, "#ffffff") >= 4.5 for f in fills), fills
    # Four parts: the fourth is the pink, on which neither white nor the usual dark text
    # reads at 4.5:1.
    parts = pd.DataFrame(
        {
            "label": ["G"] * 4,
            "part": ["a", "b", "c", "d"],
            "withheld": [False] * 4,
            "value": [0.25] * 4,
            "text": ["25%"] * 4,
        }
    )
    figure = charts.plot_stacked_shares(parts, "T", "Share", percent, "withheld", list("abcd"))
    charts.enforce_text_contrast(figure)
    for text in figure.axes[0].texts:
        background = getattr(text, "background", "#ffffff")
        colour = charts.matplotlib.colors.to_hex(text.get_color())
        assert charts.contrast_ratio(colour, background) >= 4.5, (text.get_text(), background)


def test_stages_a_hundred_times_apart_get_linear_panels_each_from_zero():
    frame = pd.DataFrame(
        {
            "label": ["Visitors", "Members", "Applicants", "Admitted", "Graduates"],
            "group": ["2023"] * 5,
            "value": [1_560_000.0, 272_000.0, 30_836.0, 13_876.0, 5_161.0],
            "text": ["1.56 M", "272,000", "30,836", "13,876", "5,161"],
        }
    )
    assert charts.split_small_labels(frame) == [
        ["Visitors", "Members"],
        ["Applicants", "Admitted", "Graduates"],
    ]
    figure = charts.plot_bars(frame, "Funnel", "Number", str, scale="count", split_small=True)
    assert [ax.get_xscale() for ax in figure.axes] == ["linear", "linear"]
    assert all(ax.get_xlim()[0] == 0 for ax in figure.axes)


def test_a_phone_axis_drops_ticks_until_its_labels_no_longer_touch():
    frame = pd.DataFrame(
        {
            "label": ["Group A", "Group B"],
            "group": ["2023"] * 2,
            "value": [0.45, 0.3],
            "text": ["45%", "30%"],
        }
    )
    figure = charts.plot_bars(frame, "T", "S", lambda v: f"{v * 100:.0f}%", scale="share")
    charts.render_svg(figure)
    charts.render_narrow_svg(figure)
    figure.draw_without_rendering()
    labels = [t for t in figure.axes[0].get_xticklabels() if t.get_visible() and t.get_text()]
    assert len(labels) >= 2
    assert not charts.overlaps([t.get_window_extent() for t in labels])


def test_the_printed_drawing_has_no_text_under_6_5_points_once_printed():
    from helpers.pages.impact_charts import plot_budgets

    frame = pd.DataFrame(
        {
            "team": ["Team A"] * 12 + ["Team B"] * 12,
            "month": list(range(1, 13)) * 2,
            "cumulative": [float(m) for m in range(1, 13)] * 2,
        }
    )
    labels = {"emissions": "emissions", "budget": "budget"}
    months = [f"M{m}" for m in range(1, 13)]
    figure = plot_budgets(frame, {"Team A": 10.0}, "T", months, labels, str)
    wide = charts.render_svg(figure)
    printed = charts.render_print_svg(figure)
    scale = charts.PRINT_WIDTH_INCHES / charts.WIDTH_INCHES

    def smallest(svg: str) -> float:
        return min(float(s) for s in re.findall(r"font-size: ([\d.]+)px", svg)) * scale

    assert smallest(wide) < charts.PRINT_MIN_POINTS <= smallest(printed) + 1e-6
    # The figure is given back as it was.
    assert charts.render_svg(figure) == wide


# --- text from the data is drawn as written -------------------------------------------

DATA_NAMES = [
    "a$^$b",  # mathtext would fail the chart
    "IT $5k$ unit",  # mathtext would set 5k in italics and drop the dollars
    "content and community operations team 2",  # 40 characters
    "video \U0001f3a5 studio",  # an emoji the chart's font lacks
]


def names_frame() -> pd.DataFrame:
    rows = [(name, "2022", 0.1 * (i + 1), f"{10 * (i + 1)}%") for i, name in enumerate(DATA_NAMES)]
    frame = pd.DataFrame(rows, columns=["label", "group", "value", "text"])
    return frame.assign(low=NAN, high=NAN)


def test_names_with_dollars_and_emoji_are_drawn_as_written(capsys, recwarn):
    figure = charts.plot_bars(names_frame(), "Teams $a$", "Share", percent, scale="share")
    svg = charts.render_svg(figure)
    narrow = charts.render_narrow_svg(figure)
    png = charts.render_png(figure)
    assert png.startswith(b"\x89PNG")
    for name in ("a$^$b", "IT $5k$ unit", "Teams $a$"):
        assert f">{name}<" in svg, name  # one text element holding the name as written
    assert "IT $5k$" in narrow
    assert not [w for w in recwarn if "matplotlib" in str(w.filename) or "charts" in w.filename]
    said = capsys.readouterr().err
    assert "U+1F3A5" in said
    assert "/" not in said.replace("U+", "")  # no path of the machine
    assert said.count("U+1F3A5") == 1  # said once, though drawn three times


def test_library_warnings_are_said_once_without_their_path(capsys):
    import warnings

    with charts.library_warnings_said():
        for _ in range(2):
            warnings.warn(
                "font cache at /home/someone/checkout/x/fonts.json is stale", stacklevel=1
            )
    said = capsys.readouterr().err
    assert said.count("font cache at <file> is stale") == 1
    assert "/home/someone" not in said


def test_every_chart_setting_keeps_text_as_written():
    import matplotlib

    with charts.chart_style():
        assert matplotlib.rcParams["text.parse_math"] is False
        assert matplotlib.rcParams["text.usetex"] is False
    assert charts.TEXT_AS_WRITTEN["text.parse_math"] is False


@pytest.mark.slow
def test_a_report_draws_team_names_with_dollars_and_emoji_as_written(tmp_path):
    # The carbon page on a dataset whose teams carry mathtext and a glyph the font lacks:
    # it publishes (no mathtext error, no warning holding the checkout's path), shows the
    # names as written, and says the missing glyph once in its own words.
    import json

    from conftest import make_reference_frames, make_valid_frames, write_dataset
    from report_runs import run_report

    frames = make_valid_frames()
    names = {"workplace": "IT $5k$ unit", "platform": "a$^$b \U0001f3a5 content and community ops"}
    for table in ("carbon_activity", "carbon_budgets"):
        frames[table]["team"] = frames[table]["team"].map(names)
    data = write_dataset({**frames, **make_reference_frames()}, tmp_path / "data")
    out = tmp_path / "out"
    args = ["--year", "2022", "--data", str(data), "--out", str(out), "--sections", "carbon"]
    result = run_report(*args, "--min-cell", "1")
    assert result.returncode == 0, result.stderr
    folder = out / "2022-carbon" / "en"
    page = (folder / "carbon.html").read_text(encoding="utf-8")
    assert "IT $5k$ unit" in page and "a$^$b \U0001f3a5 content" in page
    notebook = json.loads((folder / "notebooks" / "carbon.ipynb").read_text(encoding="utf-8"))
    said = [
        "".join(output["text"])
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if output.get("name") == "stderr"
    ]
    assert sum(text.count("U+1F3A5") for text in said) == 1


def test_a_phone_chart_laid_out_again_keeps_its_tick_labels_readable():
    # Ticks made anew after the phone's sizes are set (a chart that places its axes again,
    # as the team budgets do) take the size the axes were given, not the raised one.
    figure = Figure(figsize=(8, 4))
    ax = figure.subplots()
    ax.plot([0, 1], [0, 1.3])
    ax.tick_params(labelsize=7.5)
    charts.render_svg(figure)

    def lay_out_again():
        ax.xaxis.reset_ticks()
        ax.yaxis.reset_ticks()

    figure.narrow_layout = lay_out_again
    svg = charts.render_narrow_svg(figure)
    sizes = {float(size) for size in re.findall(r"font-size: ([\d.]+)px", svg)}
    assert min(sizes) >= charts.NARROW_MIN_POINTS


def test_plots_a_few_units_of_the_last_bit_apart_give_the_same_svg():
    """Matplotlib's layout solver can place a plot a few units of the last bit apart from
    one process to the next; the SVG (whose ids hash the exact numbers) is the same."""

    def drawn(shift: float) -> tuple[str, str]:
        figure = Figure(figsize=(4, 3))
        ax = figure.add_axes((0.125 + shift, 0.11, 0.775, 0.77 - shift))
        ax.bar(["a", "b"], [1, 2])
        return charts.render_svg(figure), charts.render_png(figure)

    assert drawn(0.0) == drawn(3e-16)


def test_a_chart_drawn_at_one_size_is_laid_out_again_at_another():
    figure = charts.plot_bars(bars_frame(), "Shares", "Share of students", percent)
    engine = figure.get_layout_engine()
    charts.render_svg(figure)
    assert figure.get_layout_engine() is engine
    wide = figure.axes[0].get_position().bounds
    figure.set_size_inches(charts.NARROW_WIDTH_INCHES, 4)
    charts.lay_out(figure)
    assert figure.axes[0].get_position().bounds != wide

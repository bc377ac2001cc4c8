"""The built report read as its readers meet it, in both languages: every claim about a
figure against the KPI file and the run's series, one wording of a tally, no code of the
data in front of a reader; charts legible in print (no text under 6 pt in the PDF), at
WCAG contrast (texts 4.5:1 on what they are written on, marks 3:1 on white), with no two
labels of a chart touching and none crossing its frame, and alternative text that states
a finding in a sentence or two.

The smoke report (``tests/report_runs.py``) is built once per session; the French folder
is built from the same data once, shared with the PDF tests.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import make_reference_frames, make_valid_frames, write_dataset
from report_runs import SMOKE_YEAR, build_french_report, build_smoke_report, run_report
from svg_charts import (
    background_of,
    backgrounds,
    mark_colours,
    outside,
    overlapping,
    read_drawings,
    text_boxes,
)

from helpers.figures.objectives import count_target_statuses, evaluate_targets
from helpers.figures.run_data import read_run_data
from helpers.pages import charts, i18n
from helpers.pages.pdf_edition import pdf_name
from helpers.pages.render import METHODS_PAGE

pytestmark = pytest.mark.slow

# A code of the data as it spells it: words joined by underscores (b2b_sales).
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
PRINT_SMALLEST_POINTS = 6.0
ALT_MOST_CHARACTERS = 260


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.getbasetemp()
    smoke = build_smoke_report(base)
    assert smoke.result.returncode == 0, smoke.result.stderr
    return {"en": smoke.folder, "fr": build_french_report(base)}


@pytest.fixture(scope="module")
def without_budgets(tmp_path_factory) -> Path:
    """An edge case: the smoke dataset without its optional table of team budgets, the
    carbon page and the objectives built from it (English)."""
    base = tmp_path_factory.getbasetemp()
    smoke = build_smoke_report(base)
    data = tmp_path_factory.mktemp("no-budgets") / "data"
    shutil.copytree(smoke.data, data)
    for path in data.glob("carbon_budgets.*"):
        path.unlink()
    out = data.parent / "out"
    result = run_report(
        "--year", str(SMOKE_YEAR), "--data", str(data), "--out", str(out),
        "--sections", "carbon,targets",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return next(out.glob(f"{SMOKE_YEAR}-*")) / "en"


@pytest.fixture(scope="module")
def edge_report(tmp_path_factory) -> Path:
    """OUT/2022 of the report on the suite's hand-made dataset of a few rows, both
    languages."""
    base = tmp_path_factory.mktemp("edge")
    data = write_dataset({**make_valid_frames(), **make_reference_frames()}, base / "data")
    out = base / "out"
    result = run_report(
        "--year", "2022", "--data", str(data), "--out", str(out), "--min-cell", "1",
        "--lang", "all",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out / "2022"


def soup_of(page: Path) -> BeautifulSoup:
    return BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")


# --- claims --------------------------------------------------------------------------


def is_value(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def check_claim(element, run, year: int, lang: str = "en") -> str | None:
    """What is wrong with one marked claim, judged from the run's figures; None if right."""
    kind = element["data-claim"]
    kpis, series = run.kpis, run.series
    metric, segment = element.get("data-metric", ""), element.get("data-segment", "")
    words = " ".join(element.get_text(" ").split())
    if kind == "peak":
        rows = series[(series["series"] == metric) & (series["segment"] == segment)]
        rows = rows[rows["period"].astype(str).str.startswith(f"{year}-")].dropna(subset=["value"])
        if rows.empty:
            return f"peak of {metric}/{segment} without its series"
        if rows["value"].max() == rows["value"].min():
            return f"peak claimed for the flat series {metric}/{segment}"
        top = rows.loc[rows["value"].idxmax(), "period"]
        return None if str(top) == element["data-period"] else f"peak of {metric} is {top}"
    if kind == "over-budget":
        uses = kpis.loc[kpis["metric"] == "team_budget_use", "value"].dropna().astype(float)
        if uses.empty:
            return "over-budget claim without any budget use"
        over, total = int((uses > 1).sum()), len(uses)
        if (int(element["data-over"]), int(element["data-total"])) != (over, total):
            return f"over-budget says {words!r}; the figures give {over} of {total}"
        return None if str(over) in words and str(total) in words else f"{words!r} misstated"
    if kind == "absent":
        rows = kpis[kpis["metric"] == metric]
        if segment != "*":
            rows = rows[rows["segment"] == segment]
        held = [v for v in rows["value"] if is_value(v)]
        return f"{words!r} beside {len(held)} figures of {metric}" if held else None
    if kind == "tally":
        counts = count_target_statuses(evaluate_targets(run.targets, run.history, year))
        aims = count_target_statuses(evaluate_targets(run.stated_aims, run.history, year))
        found = {
            k.removeprefix("data-").replace("-", "_"): int(v)
            for k, v in element.attrs.items()
            if k.startswith("data-") and k != "data-claim"
        }
        if all(found[s] == counts[s] for s in found) or all(found[s] == aims[s] for s in found):
            return None
        return f"tally {words!r} is neither the objectives' {counts} nor the aims' {aims}"
    if kind == "verdict":
        return check_verdict(element, run, year)
    if kind == "change":
        return check_change(element, run, year, words, lang)
    if kind == "groups":
        return check_groups(element, kpis, words)
    if kind == "objective":
        return check_objective(element, run, year)
    return f"unknown claim {kind}"


def figure_of(run, metric: str, segment: str, year: int) -> float | None:
    """The figure of ``metric`` for ``segment`` in ``year``: the KPI file for the report's
    year, the run's history for the others; None when not shown (withheld or absent)."""
    table = run.kpis if year in set(run.kpis["year"]) else run.history
    rows = table[(table["year"] == year) & (table["metric"] == metric)]
    rows = rows[rows["segment"] == segment]
    values = [float(v) for v in rows["value"] if is_value(v)]
    return values[0] if values else None


def moved(current: float, previous: float, metric: str, segment: str) -> str:
    """ "better" or "worse" from the sign of a change and the metric's direction."""
    from helpers.figures import registry

    direction = registry.metric(metric).direction_of(segment)
    if direction == "neutral":
        return "up" if current > previous else "down"
    return "better" if (current > previous) == (direction == "higher") else "worse"


def check_verdict(element, run, year: int) -> str | None:
    """A judgement since the previous year stands beside both years' figures, and
    "better" or "worse" goes the way the figures moved."""
    metric, segment = element["data-metric"], element["data-segment"]
    previous_year = int(element["data-previous-year"])
    current = figure_of(run, metric, segment, year)
    previous = figure_of(run, metric, segment, previous_year)
    if current is None or previous is None:
        return f"verdict on {metric}/{segment} without both years' figures"
    verdict = element["data-verdict"]
    if verdict == "no_clear_change" or verdict == moved(current, previous, metric, segment):
        return None
    return f"{metric}/{segment}: {verdict!r} of {previous} then {current}"


def check_change(element, run, year: int, words: str, lang: str) -> str | None:
    """A change since the previous year in a sentence: the figures of both years are
    in the KPI file and its history, the change is computed from them and written."""
    metric, segment = element["data-metric"], element["data-segment"]
    previous_year = int(element["data-previous-year"])
    current = figure_of(run, metric, segment, year)
    previous = figure_of(run, metric, segment, previous_year)
    if current is None or previous is None:
        return f"change of {metric}/{segment} without both years' figures"
    stated = float(element["data-change"])
    relative = element["data-unit"] == "relative"
    expected = current / previous - 1 if relative else current - previous
    # The KPI file keeps six decimals: the figures read back agree to about 1e-6.
    if not math.isclose(stated, expected, abs_tol=1e-5):
        return f"change of {metric}/{segment} stated {stated}, the figures give {expected}"
    if str(previous_year) not in words:
        return f"{words!r} does not name {previous_year}"
    # The change as written: its size for a relative change ("Up 12.3% on 2021"), the
    # signed difference in points for shares.
    shown = i18n.format_percent(abs(stated), lang) if relative else i18n.format_points(stated, lang)
    return None if flat(shown) in flat(words) else f"{words!r} does not say {shown!r}"


def flat(text: str) -> str:
    """Text with every kind of space as one plain space."""
    return " ".join(re.sub(r"[\u00a0\u202f\u2009]", " ", text).split())


def check_groups(element, kpis, words: str) -> str | None:
    """Groups against a reference: each group counted has its figure, a group counted
    below (above) the reference has a figure below (above) it, and the counts written
    are those of the groups."""
    metric, reference = element["data-metric"], element["data-reference"]
    rows = kpis[kpis["metric"] == metric]
    values = {
        s: float(v) for s, v in zip(rows["segment"], rows["value"], strict=True) if is_value(v)
    }
    if reference not in values:
        return f"groups against {reference} without its figure of {metric}"
    total = 0
    for reading in ("below", "above", "unclear"):
        groups = element.get(f"data-{reading}-groups", "").split()
        if len(groups) != int(element[f"data-{reading}"]):
            return f"{reading}: {groups} against a count of {element[f'data-{reading}']}"
        for group in groups:
            if group not in values:
                return f"{group} counted {reading} without its figure of {metric}"
            side = values[group] - values[reference]
            if (reading == "below" and side >= 0) or (reading == "above" and side <= 0):
                return f"{group} counted {reading} at {values[group]} against {values[reference]}"
        total += len(groups)
    if total != int(element["data-total"]) or str(total) not in words:
        return f"{words!r}: {total} groups counted"
    return None


def check_objective(element, run, year: int) -> str | None:
    """One objective's status, "met" or "missed", is the one its figures give."""
    evaluated = evaluate_targets(run.targets, run.history, year)
    rows = evaluated[
        (evaluated["metric"] == element["data-metric"])
        & (evaluated["segment"] == element["data-segment"])
        & (evaluated["comparator"] == element["data-comparator"])
        & (evaluated["threshold"].astype(float) == float(element["data-threshold"]))
    ]
    statuses = set(rows["status"])
    if element["data-status"] in statuses:
        return None
    return f"objective on {element['data-metric']} said {element['data-status']}, is {statuses}"


def read_claims(folder: Path, year: int) -> tuple[list[str], set[str], dict]:
    """Every marked claim of the pages in ``folder`` checked against its run's figures:
    the problems found, the kinds of claim met, and the words of each tally."""
    run = read_run_data(folder / "run-data")
    problems, kinds, tallies = [], set(), {}
    for page in sorted(folder.glob("*.html")):
        for element in soup_of(page).select("[data-claim]"):
            kinds.add(element["data-claim"])
            problem = check_claim(element, run, year, folder.name)
            if problem:
                problems.append(f"{folder.parent.name}/{folder.name}/{page.name}: {problem}")
            if element["data-claim"] == "tally":
                key = tuple(
                    sorted((k, v) for k, v in element.attrs.items() if k.startswith("data-"))
                )
                tallies.setdefault(key, set()).add(" ".join(element.get_text(" ").split()))
    return problems, kinds, tallies


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_claim_on_every_page_agrees_with_the_figures(folders, lang):
    problems, kinds, tallies = read_claims(folders[lang], SMOKE_YEAR)
    assert not problems, problems
    # The smoke data has team budgets, months of emissions, objectives, groups against
    # the other students and a previous year.
    assert {"peak", "over-budget", "tally", "verdict", "change", "groups"} <= kinds
    # One wording of the same tally on every page (the index and the scorecard).
    assert all(len(texts) == 1 for texts in tallies.values()), tallies


def test_every_claim_of_an_edge_case_dataset_agrees_with_the_figures(edge_report):
    """A dataset of a few hand-made rows: most figures withheld or absent, so that the
    pages say "no data" where the KPI file holds none, and claim nothing they lack."""
    for lang in i18n.LANGUAGES:
        problems, kinds, tallies = read_claims(edge_report / lang, 2022)
        assert not problems, problems
        # Its one year has no previous one: nothing is judged against it.
        assert "absent" in kinds and not {"verdict", "change"} & kinds, kinds
        assert all(len(texts) == 1 for texts in tallies.values()), tallies


def test_a_dataset_without_team_budgets_says_so_and_claims_nothing_over_budget(
    without_budgets,
):
    run = read_run_data(without_budgets / "run-data")
    page = soup_of(without_budgets / "carbon.html")
    absent = page.select('[data-claim="absent"][data-metric="team_budget_tco2e"]')
    assert absent and check_claim(absent[0], run, SMOKE_YEAR) is None
    assert not page.select('[data-claim="over-budget"]')
    for element in page.select("[data-claim]"):
        assert check_claim(element, run, SMOKE_YEAR) is None, element


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_page_says_the_data_lacks_a_figure_it_shows(folders, lang):
    """Every sentence of a page's "what the data does not tell" list that says a figure
    is absent is marked, and the KPI file holds no value of it."""
    folder = folders[lang]
    kpis = pd.read_csv(folder / "kpis.csv")
    absent_words = i18n.t("gap.no_budgets", lang, year=SMOKE_YEAR)
    for page in sorted(folder.glob("*.html")):
        soup = soup_of(page)
        budgets = kpis.loc[kpis["metric"] == "team_budget_tco2e", "value"].notna().any()
        assert not (budgets and absent_words in soup.get_text(" ")), page.name


# --- readers' words ---------------------------------------------------------------------


def visible_text(page: Path) -> str:
    soup = soup_of(page)
    for hidden in soup(["script", "style", "head"]):
        hidden.decompose()
    return soup.get_text(" ")


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_code_of_the_data_in_front_of_a_reader(folders, lang):
    """No identifier in snake case in the visible text of a page (the methods page lists
    the technical names on purpose), nor in the PDF before its methods appendix."""
    import pdfplumber

    folder = folders[lang]
    found = {
        page.name: sorted(set(SNAKE_CASE.findall(visible_text(page))))
        for page in sorted(folder.glob("*.html"))
        if page.name != METHODS_PAGE
    }
    assert not {name: codes for name, codes in found.items() if codes}
    methods = i18n.t("page.methods", lang)
    with pdfplumber.open(folder / pdf_name(SMOKE_YEAR, lang)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            text = page.extract_text() or ""
            header = text.splitlines()[0] if text else ""
            if number > 2 and header.endswith(methods):  # the running header of the appendix
                break
            codes = sorted(set(SNAKE_CASE.findall(text)))
            assert not codes, f"page {number}: {codes}"


# --- charts -----------------------------------------------------------------------------


def every_drawing(folder: Path):
    for page in sorted(folder.glob("*.html")):
        for number, drawings in enumerate(read_drawings(page)):
            for kind in ("wide", "narrow", "printed"):
                svg = getattr(drawings, kind)
                if svg:
                    yield f"{page.name} #{number + 1} ({kind})", kind, svg


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_chart_texts_and_marks_have_wcag_contrast(folders, lang):
    low_texts, low_marks, seen = [], [], 0
    for name, _, svg in every_drawing(folders[lang]):
        grounds = backgrounds(svg)
        for box in text_boxes(svg):
            seen += 1
            under = background_of(box, grounds)
            ratio = charts.contrast_ratio(box.fill, under)
            if ratio < charts.TEXT_CONTRAST:
                low_texts.append(f"{name}: {box.text!r} {box.fill} on {under} ({ratio:.2f})")
        for group, colour in mark_colours(svg, frozenset({charts.FRAME_COLOUR, "#ffffff"})):
            ratio = charts.contrast_ratio(colour, charts.BACKGROUND)
            if ratio < charts.MARK_CONTRAST:
                low_marks.append(f"{name}: {group} {colour} ({ratio:.2f})")
    assert seen > 500
    assert not low_texts, low_texts[:10]
    assert not low_marks, low_marks[:10]


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_two_labels_of_a_chart_touch_and_none_crosses_its_frame(folders, lang):
    problems = []
    for name, _, svg in every_drawing(folders[lang]):
        boxes = text_boxes(svg)
        problems += [f"{name}: {a!r} on {b!r}" for a, b in overlapping(boxes)]
        problems += [f"{name}: {text!r} crosses the frame" for text in outside(svg, boxes)]
    assert not problems, problems[:10]


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_alternative_text_states_the_finding_not_the_figures(folders, lang):
    alts = [
        img["alt"]
        for page in sorted(folders[lang].glob("*.html"))
        for img in soup_of(page).select("img.mr-chart")
    ]
    assert len(alts) > 20
    assert all(alt.strip() for alt in alts)
    assert max(len(alt) for alt in alts) <= ALT_MOST_CHARACTERS, max(alts, key=len)


def print_size(char: dict) -> float:
    """A character's size in the PDF; a glyph turned a quarter (an axis' label) is as
    large as its extent across the baseline (pdfplumber's ``size`` gives its advance)."""
    a, b = char["matrix"][:2]
    return char["x1"] - char["x0"] if abs(b) > abs(a) else char["size"]


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_text_of_the_pdf_prints_under_6_points(folders, lang):
    import pdfplumber

    small = []
    with pdfplumber.open(folders[lang] / pdf_name(SMOKE_YEAR, lang)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            small += [
                f"p. {number}: {c['text']!r} {print_size(c):.1f} pt"
                for c in page.chars
                if c["text"].strip() and print_size(c) < PRINT_SMALLEST_POINTS
            ]
    assert not small, (len(small), small[:10])

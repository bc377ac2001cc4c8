"""The PDF edition: one A4 document per report, in its language, that says what the pages
say and keeps every line, table and chart inside its page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from report_runs import SMOKE_YEAR, build_french_report, build_smoke_report

from helpers.figures.run_data import read_run_data
from helpers.pages import i18n
from helpers.pages.index_page import list_headlines
from helpers.pages.pdf_edition import css_string, internal_target, pdf_name

A4_POINTS = (595.28, 841.89)
MM = 72 / 25.4
# pdf.css: the page margins, top, right, bottom, left.
MARGINS_MM = (20, 18, 18, 18)
# The smoke report's document: a cover, contents, nine chapters.
PAGE_BOUNDS = (12, 90)
# A page followed by more of its own chapter is at least this full: a chart or table too
# tall for what is left of a page never leaves more than half of it blank.
LEAST_FILL = 0.5

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    return build_smoke_report(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def folders(smoke, tmp_path_factory) -> dict[str, Path]:
    """The smoke report's folder in each language (French built from the same data)."""
    assert smoke.result.returncode == 0, smoke.result.stderr
    return {"en": smoke.folder, "fr": build_french_report(tmp_path_factory.getbasetemp())}


def flat(text: str) -> str:
    """Text with every kind of space as one plain space (French writes 79,0 % with a
    narrow no-break space, which text extraction may give back as either)."""
    return " ".join(re.sub(r"[\u00a0\u202f\u2009]", " ", text).split())


def read_pdf(folder: Path, lang: str):
    import pdfplumber

    path = folder / pdf_name(SMOKE_YEAR, lang)
    assert path.is_file(), f"{path.name} missing"
    return pdfplumber.open(path)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_pdf_is_a4_and_carries_cover_contents_and_headline_figures(folders, lang):
    folder = folders[lang]
    with read_pdf(folder, lang) as pdf:
        assert PAGE_BOUNDS[0] <= len(pdf.pages) <= PAGE_BOUNDS[1]
        for page in pdf.pages:
            assert (round(page.width, 1), round(page.height, 1)) == pytest.approx(
                A4_POINTS, abs=0.2
            )
        texts = [flat(page.extract_text() or "") for page in pdf.pages]
    cover = texts[0]
    assert str(SMOKE_YEAR) in cover
    assert flat(i18n.t("page.synthetic_banner", lang)) in cover
    assert flat(i18n.t("pdf.contents", lang)) in texts[1]
    everything = " ".join(texts)
    run = read_run_data(folder / "run-data")
    for headline in list_headlines(run, lang):
        assert flat(headline.value) in everything, headline
    # No navigation chrome and no screen-only links.
    for key in ("page.nav_label", "page.back_to_index", "page.skip_link", "chart.data_link"):
        assert flat(i18n.t(key, lang)) not in everything, key
    # Every page but the cover is numbered "Page n of N" in the report's language.
    total = len(texts)
    for number, text in enumerate(texts[1:], start=2):
        words = i18n.t("pdf.page_number", lang, page=number, pages=total)
        assert flat(words) in text, number


def test_the_contents_give_the_page_each_chapter_starts_on(folders):
    with read_pdf(folders["en"], "en") as pdf:
        texts = [flat(page.extract_text() or "") for page in pdf.pages]
    contents = " ".join(texts[1:4])
    with read_pdf(folders["en"], "en") as pdf:
        lines = [line for p in pdf.pages[1:4] for line in (p.extract_text() or "").splitlines()]
    entries = [line for line in lines if "...." in line]
    assert len(entries) > 20  # chapters and their parts
    assert [e for e in entries if not re.search(r"\d+$", e)] == []  # each with its page
    for label in ("Summary", i18n.t("page.methods", "en"), i18n.t("index.about_title", "en")):
        found = re.search(re.escape(label) + r" ?\.+ ?(\d+)", contents)
        assert found, label
        start = int(found.group(1))
        assert label in texts[start - 1], (label, start)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_committee_texts_follow_the_index_in_the_contents_and_the_cover_names_the_release(
    folders, lang
):
    with read_pdf(folders[lang], lang) as pdf:
        texts = [flat(page.extract_text() or "") for page in pdf.pages]
    cover, contents = texts[0], " ".join(texts[1:4])
    assert flat(i18n.t("committee.particular.release_date", lang)) in cover
    assert flat(i18n.format_date(__import__("datetime").date(2023, 4, 1), lang)) in cover
    missing = ", ".join(
        i18n.t(f"committee.particular.{k}", lang) for k in ("next_release", "status")
    )
    assert flat(i18n.t("committee.particulars_missing", lang, names=missing)) in cover
    # Contents: the index, then the committee's texts with their parts, then the sections.
    order = [
        flat(i18n.t("committee.nav", lang)),
        flat(i18n.t("committee.foreword", lang)),
        flat(i18n.t("committee.opinion", lang)),
        flat(i18n.t("committee.recommendations", lang, year=SMOKE_YEAR)),
        flat(i18n.t("committee.follow_up", lang)),
        flat(i18n.t("funnel.title", lang)),
    ]
    places = [contents.find(text, contents.find(order[0])) for text in order]
    assert -1 not in places and places == sorted(places), places
    body = " ".join(texts[4:])
    title = {"en": "Test recommendation of the year", "fr": "Recommandation de test de l"}[lang]
    assert "Test opinion" in body and title in body
    # The English opinion in the French edition, said to be untranslated.
    assert (
        flat(i18n.t("committee.not_translated", "fr", language=i18n.t("language.en", "fr"))) in body
    ) == (lang == "fr")
    assert flat(i18n.t("reporting.title", lang)) in body


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_page_keeps_its_content_inside_its_margins_and_charts_are_vector(folders, lang):
    top, right, bottom, left = (m * MM for m in MARGINS_MM)
    with read_pdf(folders[lang], lang) as pdf:
        drawn = 0
        for number, page in enumerate(pdf.pages, start=1):
            objects = page.chars + page.rects + page.curves + page.lines
            outside = [
                (o["object_type"], o.get("text", ""), round(o["x0"]), round(o["x1"]))
                for o in objects
                if o["x0"] < left - 1 or o["x1"] > page.width - right + 1
            ]
            assert outside == [], (number, outside[:5])
            assert page.images == [], number  # charts are drawn, not pasted as pictures
            drawn += len(page.curves)
        assert drawn > 100  # the charts' lines and marks
        fonts = list_fonts(pdf)
    # Every font is embedded (a subset of it), none left to the reader's machine.
    assert fonts and all(embedded for embedded in fonts.values()), fonts


def list_fonts(pdf) -> dict[str, bool]:
    """Each font the pages use, and whether the file carries it."""
    from pdfminer.pdftypes import resolve1

    fonts = {}
    for page in pdf.pages:
        for font in (resolve1(page.page_obj.resources.get("Font")) or {}).values():
            font = resolve1(font)
            described = font
            if "DescendantFonts" in font:  # a composite font describes its glyphs below
                described = resolve1(resolve1(font["DescendantFonts"])[0])
            descriptor = resolve1(described.get("FontDescriptor")) or {}
            name = str(font.get("BaseFont"))
            fonts[name] = any(k in descriptor for k in ("FontFile", "FontFile2", "FontFile3"))
    return fonts


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_page_is_left_half_empty_before_more_of_its_chapter(folders, lang):
    top, _, bottom, _ = (m * MM for m in MARGINS_MM)
    with read_pdf(folders[lang], lang) as pdf:
        pages = pdf.pages
        headers = [flat(p.crop((p.width / 2, 0, p.width, top)).extract_text() or "") for p in pages]
        for number, page in enumerate(pages[:-1], start=1):
            if not headers[number - 1] or headers[number - 1] != headers[number]:
                continue  # a chapter's last page, the cover or the contents
            height = page.height - top - bottom
            body = [
                o["bottom"]
                for o in page.chars + page.rects + page.curves
                if top - 2 < o["top"]
                and o["bottom"] < page.height - bottom + 2
                and o["bottom"] - o["top"] < 0.9 * height  # not the page's background
            ]
            fill = (max(body) - top) / height
            assert fill >= LEAST_FILL, (number, headers[number - 1], round(fill, 2))


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_chart_title_ends_a_page(folders, lang):
    """A chart's title and the line under it sit on the page of its drawing."""
    with read_pdf(folders[lang], lang) as pdf:
        assert stranded_chart_titles(pdf, folders[lang]) == []


def stranded_chart_titles(pdf, folder: Path) -> list[int]:
    """The pages whose body ends with a line of a chart's title or of its subtitle,
    the chart being on the next page."""
    from bs4 import BeautifulSoup

    endings = set()
    for page in folder.glob("*.html"):
        for title in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select(
            "figcaption.mr-chart-title"
        ):
            subtitle = title.select_one(".mr-chart-subtitle")
            if subtitle is not None:
                endings.add(flat(subtitle.get_text(" ")))
                subtitle.extract()
            endings.add(flat(title.get_text(" ")))
    top, _, bottom, _ = (m * MM for m in MARGINS_MM)
    stranded = []
    for number, page in enumerate(pdf.pages, start=1):
        body = page.crop((0, top, page.width, page.height - bottom)).extract_text() or ""
        lines = [flat(line) for line in body.splitlines() if line.strip()]
        # A title that wraps ends with the last of its lines.
        if lines and len(lines[-1]) > 10 and any(e.endswith(lines[-1]) for e in endings):
            stranded.append(number)
    return stranded


def test_links_between_pages_become_links_inside_the_document():
    known = ["index.html", "funnel.html", "methods.html"]
    assert internal_target("methods.html#metric-x", "funnel", known) == "#methods--metric-x"
    assert internal_target("funnel.html", "index", known) == "#page-funnel"
    assert internal_target("#cell-2", "funnel", known) == "#funnel--cell-2"
    assert internal_target("kpis.csv", "index", known) == "kpis.csv"


def test_page_texts_are_css_strings_whatever_they_hold():
    assert css_string('Say "hi" \\ now') == '"Say \\"hi\\" \\\\ now"'


# An identifier of the data or the code: words joined by underscores, or a dotted path.
IDENTIFIER = re.compile(r"\b[A-Za-z]+_[A-Za-z0-9_]+\b|\bhelpers\.[a-z_.]+")


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_methods_appendix_is_written_for_readers(folders, lang):
    """What each figure means, in words: no metric id, column, function or file listing
    (those stay on the HTML methods page and in the KPI dictionary)."""
    top = MARGINS_MM[0] * MM
    label = flat(i18n.t("page.methods", lang))
    with read_pdf(folders[lang], lang) as pdf:
        pages = [
            flat(page.extract_text() or "")
            for page in pdf.pages
            if flat(page.crop((page.width / 2, 0, page.width, top)).extract_text() or "") == label
        ]
    assert pages, "no methods appendix"
    text = " ".join(pages)
    assert IDENTIFIER.findall(text) == []
    # Each metric keeps its name and definition.
    for key in ("metric.graduation_rate", "definition.graduation_rate"):
        assert flat(i18n.t(key, lang))[:60] in text, key
    # The HTML methods page keeps the listing.
    html = (folders[lang] / "methods.html").read_text(encoding="utf-8")
    assert "compute_graduation_rate" in html
    # A listing no longer: a few pages, not a third of the document.
    assert len(pages) <= 12, len(pages)

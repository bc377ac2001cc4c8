"""The PDF edition is accessible (PDF/UA-1): its structure tree, read with pikepdf, gives a
screen reader the headings in order, tables with header cells, every chart as a Figure
with its alternative text, lists, the language of each part, and leaves the running
headers and footers out as artifacts; the document shows its title and carries XMP
metadata that declares PDF/UA."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from report_runs import SMOKE_YEAR, build_french_report, build_smoke_report

from helpers.pages import i18n
from helpers.pages.pdf_edition import pdf_name

pytestmark = pytest.mark.slow

HEADINGS = ("/H1", "/H2", "/H3", "/H4", "/H5", "/H6")
# Any element of the tree.
ALL_TYPES: tuple[str, ...] = ()


@pytest.fixture(scope="session")
def folders(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.getbasetemp()
    smoke = build_smoke_report(base)
    assert smoke.result.returncode == 0, smoke.result.stderr
    return {"en": smoke.folder, "fr": build_french_report(base)}


class Tree:
    """A tagged PDF's structure elements in reading order, with their parents."""

    def __init__(self, path: Path):
        import pikepdf

        self.pdf = pikepdf.open(path)
        self.root = self.pdf.Root.StructTreeRoot
        self.elements: list = []
        self.parents: dict = {}
        self.reached: set = set()
        self._walk(self.root, None)

    def _walk(self, node, parent) -> None:
        import pikepdf

        kids = node.get("/K")
        if isinstance(kids, pikepdf.Dictionary):
            kids = [kids]
        for kid in kids if isinstance(kids, pikepdf.Array | list) else []:
            if not isinstance(kid, pikepdf.Dictionary) or "/S" not in kid:
                continue  # a marked-content id, or an annotation's reference
            self.elements.append(kid)
            self.reached.add(kid.objgen)
            self.parents[kid.objgen] = parent
            self._walk(kid, kid)

    def of_type(self, *types: str) -> list:
        return [e for e in self.elements if str(e.S) in types]

    def children(self, element, *types: str) -> list:
        import pikepdf

        kids = element.get("/K")
        kids = [kids] if isinstance(kids, pikepdf.Dictionary) else list(kids or [])
        return [
            k
            for k in kids
            if isinstance(k, pikepdf.Dictionary) and "/S" in k and (not types or str(k.S) in types)
        ]

    def descendants(self, element, *types: str) -> list:
        """The elements under ``element`` of one of ``types`` (of any type without)."""
        found = []
        for kid in self.children(element):
            if not types or str(kid.S) in types:
                found.append(kid)
            found += self.descendants(kid, *types)
        return found


@pytest.fixture(scope="session")
def trees(folders) -> dict[str, Tree]:
    return {lang: Tree(folder / pdf_name(SMOKE_YEAR, lang)) for lang, folder in folders.items()}


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_pdf_declares_pdf_ua_its_language_and_shows_its_title(trees, lang):
    pdf = trees[lang].pdf
    title = i18n.t("page.report_title", lang, year=SMOKE_YEAR)
    assert bool(pdf.Root.MarkInfo.Marked) is True
    assert str(pdf.Root.Lang) == lang
    assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle) is True
    assert str(pdf.docinfo.Title) == title
    metadata = pdf.open_metadata()
    assert metadata.get("pdfuaid:part") == "1"
    assert metadata.get("dc:title") == title
    assert str(trees[lang].root.K[0].S) == "/Document"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_headings_come_in_order_one_title_per_chapter(trees, folders, lang):
    tree = trees[lang]
    levels = [int(str(h.S)[2]) for h in tree.of_type(*HEADINGS)]
    assert levels[0] == 1  # the cover's title
    skipped = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    assert skipped == []
    # The cover, the contents and one per chapter: the index, each page, two appendices.
    chapters = len(list(folders[lang].glob("*.html"))) + 1
    assert levels.count(1) == 2 + chapters
    assert levels.count(2) > chapters


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_tables_have_header_cells_that_head_their_data_cells(trees, lang):
    tree = trees[lang]
    tables = tree.of_type("/Table")
    assert len(tables) > 10
    for number, table in enumerate(tables):
        rows = tree.descendants(table, "/TR")
        assert rows, number
        headers = tree.descendants(table, "/TH")
        assert headers, number
        for header in headers:
            assert str(header.A.Scope) in ("/Column", "/Row"), number
            assert "/ID" in header
        ids = {bytes(h.ID) for h in headers}
        for cell in tree.descendants(table, "/TD"):
            named = {bytes(i) for i in cell.A.get("/Headers", [])}
            assert named and named <= ids, number


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_chart_is_a_figure_with_its_alternative_text(trees, folders, lang):
    from bs4 import BeautifulSoup

    alts = []
    for page in sorted(folders[lang].glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        alts += [" ".join(img["alt"].split()) for img in soup.select("main img")]
    figures = [" ".join(str(f.get("/Alt", "")).split()) for f in trees[lang].of_type("/Figure")]
    assert alts and all(figures)
    assert Counter(figures) == Counter(alts)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_lists_are_lists_of_items(trees, lang):
    tree = trees[lang]
    lists = tree.of_type("/L")
    assert len(lists) > 10
    for number, listing in enumerate(lists):
        items = tree.children(listing)
        assert items and {str(i.S) for i in items} <= {"/LI", "/L"}, number
        for item in tree.children(listing, "/LI"):
            assert tree.children(item, "/LBody"), number


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_passages_in_another_language_carry_it(trees, folders, lang):
    from bs4 import BeautifulSoup

    other = next(code for code in i18n.LANGUAGES if code != lang)
    soup = BeautifulSoup((folders[lang] / "reconciliation.html").read_text("utf-8"), "html.parser")
    quotes = soup.select(f'main q[lang="{other}"]')
    assert quotes  # the published reports are quoted in both languages
    marked = [e for e in trees[lang].elements if str(e.get("/Lang", "")) == other]
    assert len(marked) >= len(quotes)
    # And nothing of the page's own language is marked as another.
    assert {str(e.Lang) for e in trees[lang].elements if "/Lang" in e} <= set(i18n.LANGUAGES)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_running_headers_and_footers_are_artifacts(trees, lang):
    import pikepdf

    tree = trees[lang]
    # Every marked content of the pages belongs to an element of the tree.
    nums = tree.root.ParentTree.Nums
    owners = [
        e for i in range(1, len(nums), 2) if isinstance(nums[i], pikepdf.Array) for e in nums[i]
    ]
    assert owners and all(e.objgen in tree.reached for e in owners)
    # Each page after the cover has its title, chapter, page number and footer as
    # pagination artifacts.
    for number in (1, len(tree.pdf.pages) - 1):
        operations = pikepdf.parse_content_stream(tree.pdf.pages[number])
        artifacts = [
            op
            for op in operations
            if str(op.operator) == "BDC"
            and str(op.operands[0]) == "/Artifact"
            and str(op.operands[1].get("/Type")) == "/Pagination"
        ]
        assert len(artifacts) == 4, number


# Elements that only group others: what follows a heading is the first element that
# holds content of its own.
CONTAINERS = {"/Document", "/Part", "/Sect", "/Art", "/Div", "/NonStruct"}


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_heading_ends_a_page_and_no_table_title_leaves_its_table(trees, lang):
    tree = trees[lang]
    stranded = []
    elements = tree.elements
    for index, heading in enumerate(elements):
        if str(heading.S) not in HEADINGS:
            continue
        inside = {e.objgen for e in tree.descendants(heading, *ALL_TYPES)}
        following = next(
            (
                e
                for e in elements[index + 1 :]
                if e.objgen not in inside and str(e.S) not in CONTAINERS | set(HEADINGS)
            ),
            None,
        )
        if following is not None and following.Pg.objgen != heading.Pg.objgen:
            stranded.append(page_of(tree, heading))
    assert stranded == []
    # A table's title sits on the page of its first rows: no table part without rows.
    titles_alone = [
        page_of(tree, t) for t in tree.of_type("/Table") if not tree.descendants(t, "/TR")
    ]
    assert titles_alone == []


def page_of(tree: Tree, element) -> int:
    """The page number (from 1) an element is drawn on."""
    return next(n for n, p in enumerate(tree.pdf.pages, 1) if p.objgen == element.Pg.objgen)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_pdf_metadata_carry_the_edition_date_and_the_publisher(trees, folders, lang):
    import json

    pdf = trees[lang].pdf
    edition = json.loads((folders[lang] / ".report.json").read_text())["edition_date"]
    assert edition
    assert str(pdf.docinfo.CreationDate).startswith("D:" + edition.replace("-", ""))
    assert pdf.open_metadata().get("xmp:CreateDate").startswith(edition)
    assert str(pdf.docinfo.Author) == i18n.t("pdf.kicker", lang)

"""The report in each of its languages: every text in the report's language, numbers in
the locale's format, and the same figures whatever the language.

The first tests render section pieces on hand-made figures and read the catalogs; the
slow ones build the whole report of a small generated dataset in English and in French
and read every page.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from report_runs import (
    FIXTURE_COMMITTEE,
    SMOKE_YEAR,
    SmokeReport,
    build_smoke_report,
    run_report,
)

from helpers.figures import stats
from helpers.figures.run_data import KPIS_FILE, RunData
from helpers.pages import i18n
from helpers.pages.sections import Section

NBSP = "\u00a0"
NNBSP = "\u202f"
NO_TARGETS = pd.DataFrame(
    columns=["metric", "segment", "first_year", "last_year", "comparator", "threshold", "source"]
)
# Texts written alike in both languages: words French borrows or shares with English.
SAME_IN_BOTH = {
    "Code", "Contact", "Euros", "Part", "Prospects", "Public", "Sections", "Social", "Total"
}  # fmt: skip
# A dotted catalog key as it would leak into a page: "reconciliation.status.within".
KEY_LIKE = re.compile(r"\b[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+\b")
# English words that a French page never needs outside quoted passages and code.
ENGLISH_WORDS = re.compile(r"\b(?:the|and|of|with|from|which|within|share|students?)\b")


# --- one section in both languages ----------------------------------------------------


def share(year: int, metric: str, segment: str, numerator: int, denominator: int) -> dict:
    low, high = stats.wilson_interval(numerator, denominator)
    return {
        "year": year,
        "metric": metric,
        "segment": segment,
        "value": numerator / denominator,
        "numerator": numerator,
        "denominator": denominator,
        "ci_low": low,
        "ci_high": high,
        "suppressed": False,
    }


def count(year: int, metric: str, value: float) -> dict:
    return {"year": year, "metric": metric, "segment": "all", "value": value, "suppressed": False}


FUNDING_ROWS = [
    share(2022, "third_party_funding_share", "all", 9278, 10915),
    share(2021, "third_party_funding_share", "all", 8141, 10050),
    share(2022, "women_share", "all", 3405, 10915),
    share(2021, "women_share", "all", 2814, 10050),
    count(2022, "students_started", 10915),
    count(2021, "students_started", 10050),
    count(2022, "apprentices_active", 1),
    count(2021, "apprentices_active", 2),
]


def section(name: str, lang: str, rows: list[dict], year: int = 2022) -> Section:
    history = pd.DataFrame(rows)
    for column in ("numerator", "denominator", "ci_low", "ci_high"):
        if column not in history:
            history[column] = None
    history["section"] = name
    provenance = {
        "dataset": {"absent_tables": [], "years": [2021, 2022], "synthetic": True},
        "parameters": {"year": year},
    }
    kpis = history[history["year"] == year].reset_index(drop=True)
    run = RunData(kpis=kpis, history=history, series=pd.DataFrame(), provenance=provenance)
    return Section(name, year, lang, 1, run, NO_TARGETS)


def render_funding(lang: str) -> str:
    s = section("funding", lang, FUNDING_ROWS)
    pieces = [
        s.key_findings([("third_party_funding_share", "all"), ("students_started", "all")]),
        s.figure_table(
            [
                ("third_party_funding_share", "all"),
                ("women_share", "all"),
                ("students_started", "all"),
            ]
        ),
    ]
    return " ".join(piece.data for piece in pieces)


def test_the_funding_section_writes_english_numbers_the_english_way():
    text = render_funding("en")
    for written in ("85.0%", "31.2%", "10,915", "9,278", "+4.0 pp", "84.3% to 85.7%"):
        assert written in text, written
    assert not re.search(rf"\d,\d{NBSP}%|\d{NNBSP}\d{{3}}", text)


def test_the_funding_section_writes_french_numbers_the_french_way():
    text = render_funding("fr")
    for written in (
        f"85,0{NBSP}%",
        f"31,2{NBSP}%",
        f"10{NNBSP}915",
        f"9{NNBSP}278",
        f"+4,0{NBSP}pts",
        f"84,3{NBSP}% à 85,7{NBSP}%",
    ):
        assert written in text, written
    assert not re.search(r"\d\.\d%|\d,\d{3}\b", text)


@pytest.mark.parametrize(
    ("lang", "value", "sentence"),
    [
        ("en", 1, "1 apprentice was training with OpenClassrooms"),
        ("en", 2, "2 apprentices were training with OpenClassrooms"),
        ("fr", 1, "1 apprenti s’est formé avec OpenClassrooms"),
        ("fr", 2, "2 apprentis se sont formés avec OpenClassrooms"),
    ],
)
def test_a_sentence_about_a_count_agrees_with_its_number(lang, value, sentence):
    rows = [count(2022, "apprentices_active", value)]
    lead = section("apprenticeship", lang, rows).key_findings([("apprentices_active", "all")]).data
    assert sentence in lead


def test_points_agree_with_their_number_in_each_language():
    assert i18n.format_points(0.01, "fr", 1, signed=False) == f"1,0{NBSP}pt"
    assert i18n.format_points(0.02, "fr", 1, signed=False) == f"2,0{NBSP}pts"
    assert i18n.format_points(0.01, "en", 1, signed=False) == "1.0 pp"
    assert i18n.choose_plural_form(Decimal("1.0"), "en") == "other"
    assert i18n.choose_plural_form(0, "fr") == "one"


# --- the catalogs -------------------------------------------------------------------


def plural_tables(lang: str) -> dict[str, set[str]]:
    """Each plural table of the catalog of ``lang`` with the forms it holds."""
    catalog = i18n.load_catalog(lang)
    return {
        stem: {form for form in i18n.PLURAL_FORMS if f"{stem}.{form}" in catalog}
        for stem in i18n.list_plural_tables(lang)
    }


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_plural_table_has_the_singular_and_the_fallback(lang):
    tables = plural_tables(lang)
    assert tables, "the catalogs use plural tables"
    assert {stem: forms for stem, forms in tables.items() if not {"one", "other"} <= forms} == {}


def test_no_french_text_is_left_in_english():
    english, french = i18n.load_catalog("en"), i18n.load_catalog("fr")
    twins = [
        key
        for key, text in french.items()
        if english.get(key) == text
        # Placeholders, punctuation and units carry no word to translate.
        and re.search(r"[A-Za-z]{2,}", re.sub(r"\{\w*\}|CO₂e|\bkg\b|\bt\b", "", text))
        and text not in SAME_IN_BOTH
        # The link to a page's twin is named in the twin's language, in both catalogs.
        and not key.startswith("twin.")
    ]
    assert twins == []


def test_french_texts_keep_their_punctuation_off_the_line_start():
    # French sets a space before : ; ? ! % and inside « »; it must not break the line.
    loose = {
        key: text
        for key, text in i18n.load_catalog("fr").items()
        if re.search(r" [:;?!%»]|« ", text)
    }
    assert loose == {}


# --- whole reports in both languages ------------------------------------------------


@pytest.fixture(scope="session")
def smoke(tmp_path_factory) -> SmokeReport:
    return build_smoke_report(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def reports(smoke: SmokeReport, tmp_path_factory) -> dict[str, Path]:
    """The report folder of the smoke dataset in each language."""
    assert smoke.result.returncode == 0, smoke.result.stderr
    out = tmp_path_factory.mktemp("french") / "out"
    data = str(smoke.data)
    result = run_report(
        "--year", str(SMOKE_YEAR), "--data", data, "--out", str(out), "--lang", "fr",
        "--committee", str(FIXTURE_COMMITTEE),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return {"en": smoke.folder, "fr": out / str(SMOKE_YEAR) / "fr"}


def read_pages(folder: Path) -> dict[str, str]:
    return {page.name: page.read_text(encoding="utf-8") for page in sorted(folder.glob("*.html"))}


def visible_text(page: str, keep_quotes: bool = True, lang: str | None = None) -> str:
    """What a reader sees: no styles, images or tags; quoted passages, code and, on a
    page in ``lang``, the text marked as written in another language dropped unless
    ``keep_quotes``."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.DOTALL)
    if not keep_quotes:
        page = re.sub(r"<(q|code)\b.*?</\1>", " ", page, flags=re.DOTALL)
        # Names the data gives (a team's), marked as proper names.
        page = re.sub(r'<span translate="no">.*?</span>', " ", page, flags=re.DOTALL)
        if lang:
            # A cited document's heading, the link to the page's twin: another language.
            other = rf'<(\w+)\b[^>]*\slang="(?!{lang}")[^"]*"[^>]*>.*?</\1>'
            page = re.sub(other, " ", page, flags=re.DOTALL)
    page = re.sub(r"<img\b[^>]*>", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def figures_of(page: str) -> list[str]:
    """The table cells of figures and the headline values of a page, in order."""
    cells = re.findall(r'<td class="number"[^>]*>(.*?)</td>', page, flags=re.DOTALL)
    cells += re.findall(r'<span class="headline-value">(.*?)</span>', page)
    return [visible_text(cell) for cell in cells]


def read_number(text: str, lang: str) -> list[float]:
    """Every number of ``text`` read in the locale of ``lang``."""
    if lang == "fr":
        grouped = re.findall(rf"\d{{1,3}}(?:{NNBSP}\d{{3}})+(?:,\d+)?|\d+(?:,\d+)?", text)
        return [float(n.replace(NNBSP, "").replace(",", ".")) for n in grouped]
    grouped = re.findall(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?", text)
    return [float(n.replace(",", "")) for n in grouped]


@pytest.mark.slow
@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_page_of_the_report_shows_a_catalog_key(reports, lang):
    keys = set(i18n.load_catalog(lang)) | i18n.list_text_keys(lang)
    leaked = {
        page: sorted(found)
        for page, text in read_pages(reports[lang]).items()
        if (found := set(KEY_LIKE.findall(visible_text(text))) & keys)
    }
    assert leaked == {}


@pytest.mark.slow
def test_both_languages_write_the_same_kpi_file(reports):
    english = (reports["en"] / KPIS_FILE).read_bytes()
    assert english and english == (reports["fr"] / KPIS_FILE).read_bytes()


@pytest.mark.slow
def test_every_table_and_headline_shows_the_same_figures_in_both_languages(reports):
    english, french = read_pages(reports["en"]), read_pages(reports["fr"])
    assert english.keys() == french.keys()
    for name in english:
        en_cells, fr_cells = figures_of(english[name]), figures_of(french[name])
        assert len(en_cells) == len(fr_cells), name
        for en_cell, fr_cell in zip(en_cells, fr_cells, strict=True):
            assert read_number(en_cell, "en") == read_number(fr_cell, "fr"), (name, en_cell)


@pytest.mark.slow
def test_each_report_writes_its_figures_in_its_own_locale(reports):
    for lang, foreign in (("en", rf"\d,\d{NBSP}?%|\d{NNBSP}\d"), ("fr", r"\d\.\d|\d,\d{3}\b")):
        cells = [c for text in read_pages(reports[lang]).values() for c in figures_of(text)]
        assert cells and [c for c in cells if re.search(foreign, c)] == [], lang


@pytest.mark.slow
def test_french_pages_carry_no_english_outside_quotes_and_code(reports):
    english = {
        name: sorted(set(ENGLISH_WORDS.findall(visible_text(text, keep_quotes=False, lang="fr"))))
        for name, text in read_pages(reports["fr"]).items()
    }
    assert {name: words for name, words in english.items() if words} == {}


def code_ids(lang: str) -> set[str]:
    """What a reader page must never show as words: metric ids, segment ids, the
    contract's table and column names and the enumerated values with an underscore
    (``non_apprentices``, ``career_outcome_rate_6m``), and, in French prose, the English
    section names that are ids there (``funnel``)."""
    from helpers.core.layout import SECTION_ORDER
    from helpers.figures import registry
    from helpers.figures.segments import SEGMENT_ORDER
    from helpers.intake import contract

    ids = set(registry.METRICS_BY_ID) | set(SEGMENT_ORDER)
    for table in contract.TABLES:
        ids |= {table.name, *table.column_names}
    ids = {i for i in ids if "_" in i}
    if lang == "fr":
        # "impact" is a French word as well as a section name.
        ids |= {name for name in SECTION_ORDER if name != "impact"}
    return ids


FILE_NAME = re.compile(r"\b[\w-]+\.(?:csv|parquet|toml|json|ipynb|py)\b")
PARAMETER_DUMP = re.compile(r"\b[a-z]+_[a-z_]+\s*=\s*\S")


@pytest.mark.slow
@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_reader_pages_carry_no_code_ids_file_names_or_parameter_dumps(reports, lang):
    ids = code_ids(lang)
    words = re.compile(
        r"(?<![\w-])("
        + "|".join(sorted(map(re.escape, ids), key=len, reverse=True))
        + r")(?![\w-])"
    )
    found = {}
    for page, text in read_pages(reports[lang]).items():
        shown = visible_text(text, keep_quotes=False, lang=lang)
        leaks = set(words.findall(shown)) | set(FILE_NAME.findall(shown))
        leaks |= set(PARAMETER_DUMP.findall(shown))
        if leaks:
            found[page] = sorted(leaks)
    assert found == {}


class TableAudit(HTMLParser):
    """Each table of a page: whether a titled caption opens it, and its unscoped headers."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.open: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.open.append({"titled": False, "first": True, "unscoped": 0})
            self.tables.append(self.open[-1])
            return
        if not self.open:
            return
        table = self.open[-1]
        if table["first"] and tag == "caption":
            table["titled"] = dict(attrs).get("class") == "mr-table-title"
        table["first"] = False
        if tag == "th" and "scope" not in dict(attrs):
            table["unscoped"] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.open:
            self.open.pop()


@pytest.mark.slow
@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_table_opens_with_a_title_and_scopes_its_headers(reports, lang):
    faults, tables = {}, 0
    for page, text in read_pages(reports[lang]).items():
        audit = TableAudit()
        audit.feed(text)
        tables += len(audit.tables)
        untitled = sum(not table["titled"] for table in audit.tables)
        unscoped = sum(table["unscoped"] for table in audit.tables)
        if untitled or unscoped:
            faults[page] = {"untitled": untitled, "unscoped headers": unscoped}
    assert tables > 20
    assert faults == {}

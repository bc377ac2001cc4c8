"""Pages: outputs only, offline, with the report's chrome."""

from __future__ import annotations

import base64
import html

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.figures.kpi_file import KPI_COLUMNS
from helpers.figures.run_data import RunData
from helpers.intake.plausibility import DataWarning
from helpers.pages import i18n
from helpers.pages.index_page import build_index
from helpers.pages.render import (
    Site,
    add_page_contents,
    find_remote_references,
    make_offline,
    markdown_to_html,
    prepare_for_publication,
    render_notebook,
    slugify,
)

# A 1x1 transparent PNG.
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


def make_site(synthetic: bool = True, lang: str = "en") -> Site:
    return Site(
        year=2022,
        lang=lang,
        synthetic=synthetic,
        pages=(("funnel.html", "Funnel"), ("methods.html", "Methods")),
        dataset="default",
        fingerprint="0123456789abcdef",
        code_version="abc123 · def456",
        parameters={"year": 2022, "lang": lang, "min_cell": 10},
        built_utc="2024-03-01T09:30:00+00:00",
    )


@pytest.fixture
def executed() -> nbformat.NotebookNode:
    params = new_code_cell("year = 2022\noutput_dir = None")
    params.metadata["tags"] = ["parameters"]
    injected = new_code_cell('year = 2023\noutput_dir = "/secret/run"')
    injected.metadata["tags"] = ["injected-parameters"]
    note = new_markdown_cell("Check the survey weights with Ana.")
    note.metadata["tags"] = ["analyst-note"]
    chart = new_code_cell(
        "plot()",
        outputs=[
            new_output("stream", name="stderr", text="FutureWarning: soon\n"),
            new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        ],
    )
    script = new_code_cell(
        "html()",
        outputs=[
            new_output(
                "display_data",
                data={"text/html": '<script src="https://cdn.example/x.js"></script><p>kept</p>'},
            )
        ],
    )
    nb = new_notebook(
        cells=[new_markdown_cell("# Funnel"), params, injected, note, chart, script],
        metadata={"papermill": {"parameters": {"output_dir": "/secret/run"}}},
    )
    return nb


def test_publication_keeps_only_what_the_committee_reads(executed):
    published, hidden = prepare_for_publication(executed)
    assert hidden == 1
    assert [c.cell_type for c in published.cells] == ["markdown", "code", "code"]
    assert dict(published.metadata) == {}
    assert len(executed.cells) == 6  # the executed notebook itself is left as it was


def test_notebook_page_is_standalone_offline_and_carries_provenance(executed):
    page = render_notebook(executed, make_site(), "funnel.html").html
    assert f"data:image/png;base64,{PNG}" in page
    for absent in ("/secret/run", "papermill", "Ana", "FutureWarning", "<script", "plot()"):
        assert absent not in page, absent
    assert "<p>kept</p>" in page
    assert find_remote_references(page) == []
    assert i18n.t("page.synthetic_banner", "en") in page
    assert "0123456789ab" in page and "abc123 · def456" in page
    assert 'datetime="2024-03-01T09:30:00+00:00"' in page
    assert "<title>Funnel · Mission Committee report 2022</title>" in page


def test_real_data_pages_have_no_banner(executed):
    page = render_notebook(executed, make_site(synthetic=False), "funnel.html").html
    assert 'class="synthetic-banner"' not in page


def test_pages_speak_the_report_language(executed):
    page = render_notebook(executed, make_site(lang="fr"), "funnel.html").html
    assert '<html lang="fr">' in page
    assert i18n.t("page.back_to_index", "fr") in page
    assert "1 mars 2024" in page


def test_offline_pages_lose_scripts_and_remote_styles():
    page = (
        '<link rel="stylesheet" href="https://fonts.example/css"><style>@import url("//x/y.css");'
        'p{}</style><script>alert(1)</script><script src="http://cdn/x.js"></script><p>text</p>'
    )
    offline = make_offline(page)
    assert find_remote_references(page) != []
    assert find_remote_references(offline) == []
    assert "<script" not in offline and "<p>text</p>" in offline


def test_methods_headings_get_the_anchors_sections_link_to():
    html = markdown_to_html("### Funnel\n\n## Small numbers (disclosure control)\n")
    assert '<h3 id="funnel">Funnel</h3>' in html
    assert 'id="small-numbers-disclosure-control"' in html
    assert slugify("Readings where the definition left a choice") == (
        "readings-where-the-definition-left-a-choice"
    )


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_index_names_the_validator_s_warnings_in_its_data_quality_note(lang):
    warning = DataWarning("salary_above", "graduate_surveys.csv", "salary_after_eur", 3, (2,), 1e6)
    run = RunData(
        kpis=pd.DataFrame(columns=KPI_COLUMNS),
        history=pd.DataFrame(columns=KPI_COLUMNS),
        series=pd.DataFrame(),
        provenance={
            "dataset": {"years": [2022], "absent_tables": [], "warnings": [warning.as_dict()]},
            "parameters": {"year": 2022},
        },
    )
    page = build_index(run, make_site(lang=lang), [])
    expected = {
        "en": "3 salaries in graduate_surveys.csv (salary_after_eur) are above 1,000,000 € a year",
        "fr": "3 salaires de graduate_surveys.csv (salary_after_eur) dépassent 1\u202f000\u202f000 € par an",
    }[lang]
    assert html.unescape(page).count(expected) == 1
    assert i18n.t("index.data_quality", lang) in html.unescape(page)
    clean = RunData(
        run.kpis, run.history, run.series, {**run.provenance, "dataset": {"years": [2022]}}
    )
    assert i18n.t("index.data_quality_none", lang) in html.unescape(
        build_index(clean, make_site(lang=lang), [])
    )


def test_index_shows_headlines_withheld_figures_and_previous_year():
    columns = ["year", "section", "metric", "segment", "value", "numerator", "denominator",
               "ci_low", "ci_high", "suppressed"]  # fmt: skip
    rows = [
        (2022, "funnel", "students_started", "all", 1234, None, None, None, None, False),
        (2022, "funnel", "graduation_rate", "all", None, None, None, None, None, True),
        (2021, "funnel", "students_started", "all", 1000, None, None, None, None, False),
    ]
    history = pd.DataFrame(rows, columns=columns)
    run = RunData(
        kpis=history[history["year"] == 2022],
        history=history,
        series=pd.DataFrame(),
        provenance={
            "dataset": {"years": [2021, 2022], "absent_tables": ["mentors"]},
            "parameters": {"year": 2022},
        },
    )
    page = build_index(run, make_site(), [("funnel.html", "funnel")])
    assert "1,234" in page and "2021: 1,000" in page
    assert i18n.t("status.withheld", "en") in page
    assert 'href="funnel.html"' in page and 'href="kpis.csv"' in page
    assert "mentors" in page and "2021–2022" in page


def test_a_long_page_opens_with_links_to_its_parts():
    page = "<h1>Funnel</h1><p>lead</p>" + "".join(
        f"<h2>Part {n} &amp; more</h2>" for n in (1, 2, 3)
    )
    listed = add_page_contents(page, "en")
    assert listed.index('<nav class="page-contents"') < listed.index("<h2")
    assert '<a href="#part-part-1--more">Part 1 &amp; more</a>' in listed
    assert '<h2 id="part-part-1--more">Part 1 &amp; more</h2>' in listed
    short = "<h1>T</h1><h2>Only</h2><h2>Two</h2>"
    assert "page-contents" not in add_page_contents(short, "en")
    own = '<h2 id="contents">Contents</h2><h2>A</h2><h2>B</h2>'
    assert "page-contents" not in add_page_contents(own, "en")


def test_index_opens_with_key_findings_and_cards_say_how_the_change_reads():
    columns = ["year", "section", "metric", "segment", "value", "numerator", "denominator",
               "ci_low", "ci_high", "suppressed"]  # fmt: skip
    rows = [
        (2022, "funnel", "students_started", "all", 1234, None, None, None, None, False),
        (2021, "funnel", "students_started", "all", 1000, None, None, None, None, False),
        (2022, "carbon", "co2e_per_user_kg", "all", 0.83, None, None, None, None, False),
        (2021, "carbon", "co2e_per_user_kg", "all", 0.78, None, None, None, None, False),
    ]
    history = pd.DataFrame(rows, columns=columns)
    run = RunData(
        kpis=history[history["year"] == 2022],
        history=history,
        series=pd.DataFrame(),
        provenance={"dataset": {"years": [2021, 2022]}, "parameters": {"year": 2022}},
    )
    page = build_index(run, make_site(), [("funnel.html", "funnel")])
    findings = page.split('class="key-findings"', 1)[1].split("</section>", 1)[0]
    assert findings.count("<li>") == 2
    assert "Better than 2021" in findings and "Worse than 2021" in findings
    # The findings come before the cards; a card links to the section that shows it.
    assert page.index('class="key-findings"') < page.index('class="headlines"')
    card = page.split('class="headlines"', 1)[1].split("</li>", 1)[0]
    assert 'href="funnel.html"' in card and "Better than 2021" in card
    # A figure whose page is not in the report is shown without a link.
    assert 'href="carbon.html"' not in page


def test_index_counts_the_objectives_and_the_stated_aims_apart():
    from helpers.pages.index_page import ObjectivesCount, format_objectives

    site = make_site()
    text = format_objectives(ObjectivesCount(met=1, missed=0, aims_met=0, aims_missed=1), site)
    assert "Committee objectives for 2022: 1 met, 0 missed." in text
    assert "Aims stated in the published reports: 0 met, 1 missed." in text
    assert "Aims" not in format_objectives(ObjectivesCount(met=1, missed=0), site)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_event_a_day_early_is_named_in_the_data_quality_note(lang):
    warning = DataWarning(
        "date_early", "graduate_surveys.csv", "responded_at", 2, (2, 5), 1,
        "must be on or after sent_at",
    )  # fmt: skip
    run = RunData(
        kpis=pd.DataFrame(columns=KPI_COLUMNS),
        history=pd.DataFrame(columns=KPI_COLUMNS),
        series=pd.DataFrame(),
        provenance={
            "dataset": {"years": [2022], "absent_tables": [], "warnings": [warning.as_dict()]},
            "parameters": {"year": 2022},
        },
    )
    page = html.unescape(build_index(run, make_site(lang=lang), []))
    expected = {
        "en": "2 rows of graduate_surveys.csv (responded_at) are dated 1 day before the event",
        "fr": "2 lignes de graduate_surveys.csv (responded_at) sont datées 1 jour avant",
    }[lang]
    assert page.count(expected) == 1
    assert DataWarning.from_dict(warning.as_dict()) == warning

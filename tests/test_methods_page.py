"""The methods page generated from the registry: one entry per metric, the groups and
rules of the year, the published figures, the notes, and links from the sections."""

import re
from collections import Counter
from urllib.parse import unquote

import pandas as pd
import pytest

from helpers.core.paths import DOCS_DIR, METHODS_NOTES
from helpers.figures import registry
from helpers.figures.run_data import RunData
from helpers.intake.dataset import read_category_rules
from helpers.pages import i18n
from helpers.pages.methods_page import (
    build_methods_body,
    drop_title,
    list_metric_segments,
    name_segment,
    render_methods_page,
    split_chapters,
)
from helpers.pages.render import Site
from helpers.pages.sections import SECTIONS, Section
from helpers.pages.sections.markup import escape

NOTES = """# How the figures are measured

Introduction of the notes.

## The KPI file

One row per figure.

## Definitions

What every definition shares, written by hand.

## Small numbers

```
## not a chapter: inside a code block
```

Counts under 10 are withheld.
"""
PUBLISHED = pd.DataFrame(
    {
        "year": [2022, 2022, 2022, 2022, 2021],
        "metric": [
            "segment_share",
            "students_started",
            "career_outcomes_growth",
            "segment_share",
            "segment_share",
        ],
        "segment": ["underserved", "all", "all", "underserved", "underserved"],
        "value": [0.79, 11000, 0.47, 0.60, 0.75],
        "unit": ["share", "count", "growth", "share", "share"],
        "kind": ["actual", "approximate", "actual", "target", "actual"],
        "source": ["mission_report_2022"] * 5,
        "quote": ["79 %", "plus de 11 000", "+47 %", "au moins 60 %", "75 %"],
        "note": [""] * 5,
    }
)
TARGETS = pd.DataFrame(
    {
        "metric": ["segment_share", "segment_share"],
        "segment": ["underserved", "underserved"],
        "first_year": [2020, 2023],
        "last_year": [2022, 2030],
        "comparator": [">=", ">="],
        "threshold": [0.60, 0.70],
        "source": ["mission_report_2022", "mission_report_2023"],
    }
)


def body(year=2022, lang="en", notes=None) -> str:
    return build_methods_body(
        year,
        lang,
        notes,
        published=PUBLISHED,
        targets=TARGETS,
        category_rules=read_category_rules(),
    )


def entry(html: str, metric: str) -> str:
    start = html.index(f'id="metric-{metric}"')
    return html[start : html.index("</section>", start)]


def ids(html: str) -> list[str]:
    return re.findall(r'\bid="([^"]+)"', html)


def test_every_metric_has_one_entry_and_every_id_is_unique():
    html = body()
    found = ids(html)
    assert [i for i, n in Counter(found).items() if n > 1] == []
    assert sorted(i for i in found if i.startswith("metric-")) == sorted(
        f"metric-{spec.id}" for spec in registry.METRICS
    )
    for anchor in (*SECTIONS, "definitions", "groups", "targets", "reconciliation"):
        assert anchor in found, anchor


def test_an_entry_names_its_function_tables_columns_groups_and_pages():
    text = entry(body(), "admission_rate")
    assert "<code>helpers.figures.metrics.funnel.compute_admission_rate</code>" in text
    assert "<code>applications</code> (<code>member_id</code>" in text
    assert "<code>enrollments</code> (<code>application_id</code>)" in text
    for group in ("all", "underserved", "non_underserved", "job_seekers", "disability"):
        assert f'href="#group-{group}"' in text, group
    assert '<a href="funnel.html">' in text and '<a href="categories.html">' in text
    assert "the fraction who began a paid path" in text


def test_groups_follow_the_category_rules_of_the_year():
    before, after = body(2021), body(2022)

    def row(html: str, group: str) -> str:
        start = html.index(f'id="group-{group}"')
        return html[start : html.index("</tr>", start)]

    assert "below_bac" not in row(before, "low_qualification")
    assert "<code>below_bac</code>" in row(after, "low_qualification")
    assert "changed in 2022" in row(after, "low_qualification")
    assert "changed" not in row(after, "job_seekers")
    assert "changed" not in row(body(2023), "low_qualification")


def test_published_figures_and_objectives_of_the_year_sit_under_their_metric():
    html = body()
    shares = entry(html, "segment_share")
    assert "Underserved: 79%" in shares and "75%" not in shares  # 2021 is another year
    assert "Underserved: at least 60%" in shares and 'href="targets.html"' in shares
    assert 'href="reconciliation.html"' in shares
    assert "All students: 11,000 (given in words)" in entry(html, "students_started")
    # A published growth is set beside the count it is the growth of.
    assert "All students: +47%" in entry(html, "career_outcomes")
    assert ">none<" in entry(html, "new_members")


def test_the_notes_keep_their_chapters_and_the_entries_fill_their_definitions():
    html = body(notes=NOTES)
    # The chapter's own text comes first, under the generated heading, then the entries.
    assert html.count(">Definitions</h2>") == 1
    assert html.index('id="definitions"') < html.index("What every definition shares")
    assert html.index("What every definition shares") < html.index('id="metric-new_members"')
    assert "Introduction of the notes." in html and "How the figures are measured" not in html
    assert html.index("One row per figure.") < html.index('id="metric-visitors_monthly_avg"')
    assert html.index('id="metric-carbon_donation_eur"') < html.index("Counts under 10")
    assert html.count('id="funnel"') == 1
    assert "<h1>How each figure is measured</h1>" in html


def test_notes_without_a_definitions_chapter_get_the_entries_after_their_introduction():
    notes = NOTES.replace("## Definitions", "## Glossary")
    html = body(notes=notes)
    assert html.index('id="definitions"') < html.index("One row per figure.")


def test_chapters_split_at_level_two_headings_outside_code_blocks():
    introduction, chapters = split_chapters(NOTES)
    assert introduction.startswith("# How the figures")
    assert [slug for slug, _ in chapters] == ["the-kpi-file", "definitions", "small-numbers"]
    assert "## not a chapter" in chapters[2][1]
    assert drop_title(introduction).strip() == "Introduction of the notes."


def test_every_metric_lists_known_segments():
    categories = ["job_seekers", "low_qualification", "priority_area", "refugees", "disability"]
    for spec in registry.METRICS:
        if spec.segments in registry.DATA_SEGMENTS:
            # Teams are the data's own names: no group of the report to list.
            assert list_metric_segments(spec, categories) == []
            continue
        assert list_metric_segments(spec, categories), spec.id
    rate = list_metric_segments(registry.metric("career_outcome_rate_6m"), categories)
    assert rate == [
        "all",
        "underserved",
        "non_underserved",
        *categories,
        "apprentices",
        "non_apprentices",
    ]


def test_every_link_from_a_section_table_lands_on_an_entry():
    rows = [
        {
            "year": 2022,
            "metric": m,
            "segment": "all",
            "value": 0.5,
            "numerator": 5,
            "denominator": 10,
            "ci_low": 0.2,
            "ci_high": 0.8,
            "suppressed": False,
            "section": "funnel",
        }
        for m in ("graduation_rate", "admission_rate")
    ]
    history = pd.DataFrame(rows)
    provenance = {
        "dataset": {"absent_tables": [], "years": [2022], "synthetic": True},
        "parameters": {"year": 2022},
    }
    run = RunData(kpis=history, history=history, series=pd.DataFrame(), provenance=provenance)
    section = Section("funnel", 2022, "en", 10, run, TARGETS)
    html = section.figure_table([("graduation_rate", "all"), ("admission_rate", "all")]).data
    html += section.stage_table(["students_started"]).data
    html += section.gap_table("graduation_rate", ["job_seekers"], "all").data
    links = set(re.findall(r'href="methods\.html#([^"]+)"', html))
    assert links == {"metric-graduation_rate", "metric-admission_rate", "metric-students_started"}
    assert links <= set(ids(body()))


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_page_shows_no_catalog_key(lang):
    text = re.sub(r"<style>.*?</style>", " ", body(lang=lang), flags=re.DOTALL)
    text = re.sub(r"<[^>]+>", " ", text)
    assert [
        key for key in i18n.load_catalog(lang) if re.search(rf"\b{re.escape(key)}\b", text)
    ] == []


def test_french_page_speaks_french():
    html = body(lang="fr")
    assert "<h1>Comment chaque chiffre est mesuré</h1>" in html
    assert "Sous-représentés\u00a0: 79\u00a0%" in entry(html, "segment_share")
    assert "Inscriptions à un parcours payant commencées dans l’année." in html


def test_the_report_page_with_the_real_notes_has_no_dangling_anchor():
    site = Site(
        year=2022,
        lang="fr",
        synthetic=True,
        pages=(("funnel.html", "Entonnoir"), ("methods.html", "Méthodes")),
        dataset="default",
        fingerprint="0" * 16,
        code_version="abc",
    )
    page = render_methods_page(site, METHODS_NOTES.read_text(encoding="utf-8"))
    assert '<html lang="fr">' in page and "<script" not in page
    assert "Small numbers (disclosure control)" in page  # the notes' own chapters stay
    targets = set(re.findall(r'href="#([^"]+)"', page))
    assert "definitions" in targets
    assert targets - set(ids(page)) == set()


def test_the_french_report_page_takes_the_french_notes_whole():
    notes = METHODS_NOTES.with_name("methods.fr.md").read_text(encoding="utf-8")
    site = Site(
        year=2022,
        lang="fr",
        synthetic=True,
        pages=(("funnel.html", "Entonnoir"), ("methods.html", "Méthodes")),
        dataset="default",
        fingerprint="0" * 16,
        code_version="abc",
    )
    page = render_methods_page(site, notes)
    # The generated definitions take the place of the notes' chapter "Définitions".
    assert page.count('id="definitions"') == 1 and 'id="définitions"' not in page
    assert "Old funnel table" not in page and 'id="metric-admission_rate"' in page
    # Browsers match a fragment after percent-decoding it, as Markdown encodes accents.
    targets = {unquote(target) for target in re.findall(r'href="#([^"]+)"', page)}
    assert {"definitions", "le-fichier-des-kpi", "catégories-sous-représentées"} <= targets
    assert targets - set(ids(page)) == set()
    for english in ("Small numbers", "The KPI file", "Readings where", "Uncertainty"):
        assert english not in page


def test_the_hand_written_notes_define_no_metric_themselves():
    # Definitions are generated from the registry and the catalogs; a hand-written row
    # would be a second definition, free to drift.
    for notes in DOCS_DIR.glob("methods*.md"):
        text = notes.read_text(encoding="utf-8")
        rows = [m.id for m in registry.METRICS if f"| `{m.id}` |" in text]
        assert rows == [], notes.name


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_methods_page_counts_the_verdicts_and_lists_the_figures_withheld_to_protect(lang):
    from test_sections import make_run, share

    rows = [
        share(2023, "into_work_rate", "all", 400, 1000),
        share(2022, "into_work_rate", "all", 350, 900),  # a change
        share(2023, "into_work_rate", "refugees", 40, 100),
        share(2023, "into_work_rate", "non_underserved", 30, 100),  # a gap
        share(2023, "into_work_rate", "disability", 3, 40, suppressed=True),  # no verdict
    ]
    base = make_run(rows, year=2023)
    protected = pd.DataFrame(
        {"year": [2021], "metric": ["employed_after_share"], "segment": ["disability"]}
    )
    run = RunData(base.kpis, base.history, base.series, base.provenance, protected=protected)
    body = build_methods_body(2023, lang, run=run)
    words = {
        "en": ("about 2 verdicts", "2021: In work six months after"),
        "fr": ("environ 2 verdicts", "2021"),
    }
    assert words[lang][0] in body and words[lang][1] in body
    assert escape(name_segment("disability", lang)) in body

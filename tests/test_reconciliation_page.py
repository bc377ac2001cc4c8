"""The published-figures page on hand-made figures: comparison, passages, consistency."""

import re

import pandas as pd
import pytest

from helpers.figures import stats
from helpers.figures.reconcile import CONSISTENCY_RULES, REASON_COLUMNS
from helpers.figures.run_data import RunData
from helpers.pages import i18n
from helpers.pages.sections import Reconciliation
from helpers.pages.sections.published import format_published, format_quote, name_document

NBSP = "\u00a0"
NNBSP = "\u202f"
SOURCE_2020 = "impact_report_2020"
SOURCE_2022 = "mission_report_2022"
NO_TARGETS = pd.DataFrame(
    columns=["metric", "segment", "first_year", "last_year", "comparator", "threshold", "source"]
)


def fig(year, metric, segment, value, unit, quote, kind="actual", source=SOURCE_2022):
    return {
        "year": year,
        "metric": metric,
        "segment": segment,
        "value": value,
        "unit": unit,
        "kind": kind,
        "source": source,
        "quote": quote,
        "note": "",
    }


PUBLISHED = pd.DataFrame(
    [
        fig(2022, "admission_rate", "all", 0.29, "share", "Tous les étudiants (moyenne) 29%"),
        fig(2022, "students_started", "all", 10915, "count", "10 915 Étudiants en 2022"),
        fig(2022, "career_outcomes_growth", "all", 0.47, "growth", "augmentation de 47 %"),
        fig(2022, "career_outcomes", "all", 44010, "count", "44 010 évolutions"),
        fig(2021, "career_outcomes", "all", 14163, "count", "4 373 14 163 44 010"),
        fig(2022, "graduates", "all", 4100, "count", "4 100 diplômés"),
        fig(2022, "corporate_clients", "all", 300, "count", "plus de 300 clients"),
        fig(2022, "segment_share", "underserved", 0.60, "share", "Au minimum 60 %", "target"),
        fig(2022, "segment_share", "underserved", 0.79, "share", "Chiffre actuel 79 % en 2022"),
        fig(2022, "segment_share", "non_underserved", 0.36, "share", "non sous-représentés 36%"),
        fig(
            2019,
            "platform_women_share",
            "all",
            0.18,
            "share",
            "TOUS les étudiants 21% 18%",
            source=SOURCE_2020,
        ),
        fig(
            2019, "platform_women_share", "all", 0.20, "share", "Les femmes 20%", source=SOURCE_2020
        ),
    ]
)


def share(year, metric, segment, numerator, denominator):
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


def count(year, metric, value, suppressed=False):
    return {
        "year": year,
        "metric": metric,
        "segment": "all",
        "value": None if suppressed else value,
        "suppressed": suppressed,
    }


ROWS = [
    share(2022, "admission_rate", "all", 296, 1000),
    count(2022, "students_started", 546),
    count(2021, "career_outcomes", 14163),
    count(2022, "career_outcomes", 44010),
    count(2022, "graduates", None, suppressed=True),
    share(2022, "segment_share", "underserved", 790, 1000),
    share(2022, "segment_share", "non_underserved", 210, 1000),
]


def make_run(rows, year=2022, synthetic=True):
    history = pd.DataFrame(rows)
    for column in ("numerator", "denominator", "ci_low", "ci_high"):
        if column not in history:
            history[column] = None
    history["section"] = "funnel"
    provenance = {
        "dataset": {
            "absent_tables": [],
            "years": sorted(set(history["year"])),
            "synthetic": synthetic,
        },
        "parameters": {"year": year},
    }
    kpis = history[history["year"] == year].reset_index(drop=True)
    return RunData(kpis=kpis, history=history, series=pd.DataFrame(), provenance=provenance)


NO_CONFLICTS = pd.DataFrame(columns=["year", "metric", "segment", "value", *REASON_COLUMNS])
CONFLICTS = pd.DataFrame(
    [
        {
            "year": 2022,
            "metric": "segment_share",
            "segment": "non_underserved",
            "value": 0.36,
            "reason_en": "79 % and 36 % add up to 115 %.",
            "reason_fr": "79 % et 36 % font 115 %.",
        }
    ]
)


def page(lang="en", published=PUBLISHED, synthetic=True, conflicts=NO_CONFLICTS) -> Reconciliation:
    run = make_run(ROWS, synthetic=synthetic)
    return Reconciliation(
        "reconciliation", 2022, lang, 10, run, NO_TARGETS, published=published, conflicts=conflicts
    )


def test_summary_counts_each_verdict_and_the_inconsistencies_of_the_year():
    html = page().summary().data
    assert "The published reports give 9 figures about 2022." in html
    for text in (
        "<strong>3</strong> within tolerance",
        "<strong>3</strong> outside tolerance",
        "<strong>1</strong> withheld by disclosure control",
        "<strong>1</strong> not computed by this report",
        "<strong>1</strong> objective or outside reference",
        "inconsistencies between published figures involving 2022: <strong>2</strong>",
    ):
        assert text in html, text


@pytest.mark.parametrize(
    ("lang", "status", "count"),
    [
        ("en", "in conflict", "<strong>1</strong> in conflict with another published figure"),
        ("fr", "en conflit", f"en conflit avec un autre chiffre publié{NBSP}: <strong>1</strong>"),
    ],
)
def test_a_figure_in_conflict_says_so_with_the_reason_in_the_page_language(lang, status, count):
    p = page(lang, conflicts=CONFLICTS)
    rows = p.comparison_table().data.split("<tr>")
    row = next(r for r in rows if "non sous-représentés 36%" in r)
    assert status in row and CONFLICTS.at[0, f"reason_{lang}"] in row
    assert "mr-missed" not in row  # a figure no data can reproduce is not a miss
    assert count in p.summary().data


def test_summary_reads_synthetic_and_real_data_differently():
    assert "calibrated" in page().summary().data
    assert "departs from what was published" in page(synthetic=False).summary().data


def test_a_share_within_tolerance_shows_both_values_the_difference_and_the_passage():
    html = page().comparison_table().data
    row = html[html.index("metric-admission_rate") : html.index("metric-career_outcomes")]
    # 296 / 1000 = 29.6 %, 0.6 points above the published 29 %, within one point.
    for text in (">29%<", "29.6%", "+0.6 pp", "tolerance ±1.0 pp", "mr-met", "within tolerance"):
        assert text in row, text
    assert '<q lang="fr" class="mr-quote">Tous les étudiants (moyenne) 29%</q>' in row
    assert "<small>OpenClassrooms, Mission Report 2022</small>" in row


def test_a_count_outside_tolerance_shows_its_relative_difference():
    html = page().comparison_table().data
    row = html[html.index("metric-students_started") : html.index("metric-graduates")]
    # 546 / 10 915 - 1 = -95.0 %, far beyond 2 %.
    for text in ("10,915", ">546<", "-95.0%", "tolerance ±2%", "outside tolerance"):
        assert text in row, text


def test_a_published_growth_is_computed_from_its_two_counts():
    html = page().comparison_table().data
    assert (
        '<a href="methods.html#metric-career_outcomes">'
        "Career outcomes: growth over the previous year</a>" in html
    )
    # 44 010 / 14 163 - 1 = +210.7 %; the tolerance is 2 x 2 % x 1.47 = 5.9 points.
    for text in ("+47%", "+210.7%", "+163.7 pp", "tolerance ±5.9 pp"):
        assert text in html, text


def test_rows_follow_the_report_order_and_withheld_figures_say_so():
    html = page().comparison_table().data
    order = [
        "metric-students_started",
        "metric-graduates",
        "metric-admission_rate",
        'metric-career_outcomes">Career outcomes<',
        'metric-career_outcomes">Career outcomes: growth',
        "metric-segment_share",
    ]
    positions = [html.index(anchor) for anchor in order]
    assert positions == sorted(positions)
    graduates = html[html.index("metric-graduates") : html.index("metric-admission_rate")]
    assert graduates.count('mr-withheld">withheld') == 2  # the value and the verdict


def test_figures_without_counterpart_and_objectives_have_their_own_tables():
    p = page()
    compared = p.comparison_table().data
    assert "plus de 300 clients" not in compared and "Au minimum 60 %" not in compared
    assert "plus de 300 clients" in p.uncomputed_table().data
    reference = p.reference_table().data
    assert "Au minimum 60 %" in reference and ">Objective<" in reference and ">60%<" in reference


def test_findings_of_the_year_come_with_every_passage_and_others_follow():
    html = page().consistency_findings().data
    year, others = html.split("Other years")
    assert "Involving 2022" in year
    # 0.79 + 0.36 = 1.15: the two shares of one whole add up to 115 %.
    assert "add up to 115% rather than 100%" in year
    assert "Chiffre actuel 79 % en 2022" in year and "non sous-représentés 36%" in year
    assert "The stated growth, +47%, does not follow from the two published counts" in year
    assert "which give +210.7%" in year and "Count of the year before, 2021: 14,163" in year
    assert "Les femmes 20%" in others and "TOUS les étudiants 21% 18%" in others
    # Pairs are ordered by year, source and quote: "Les femmes" comes first.
    assert "quoted as 20% and as 18%" in others


def test_no_finding_is_said_in_words():
    clean = PUBLISHED[PUBLISHED["year"] == 2022].iloc[:4]
    assert "No rule finds an inconsistency" in page(published=clean).consistency_findings().data


def test_every_consistency_rule_is_described():
    html = page().consistency_rules().data
    assert html.count("<li>") == len(CONSISTENCY_RULES)


@pytest.mark.parametrize(
    ("value", "unit", "lang", "expected"),
    [
        (0.312, "share", "fr", f"31,2{NBSP}%"),
        (0.29, "share", "en", "29%"),
        (0.47, "growth", "en", "+47%"),
        (0.11, "points", "en", "+11 pp"),
        (44010, "count", "fr", f"44{NNBSP}010"),
        (85000, "eur", "en", "€85,000"),
        (0.83, "kgco2e_per_user", "fr", f"0,83{NBSP}kg CO₂e"),
        (30, "ratio", "en", "30 times"),
        (110.7, "score", "en", "110.7"),
    ],
)
def test_published_figures_keep_the_decimals_the_report_printed(value, unit, lang, expected):
    assert format_published(value, unit, lang) == expected


def test_sources_are_named_by_their_document():
    assert name_document(SOURCE_2022, "fr") == "OpenClassrooms, Rapport de mission 2022"
    assert name_document(SOURCE_2022, "en") == "OpenClassrooms, Mission Report 2022"
    assert name_document("board minutes", "en") == "board minutes"
    quote = format_quote("a < b", SOURCE_2020, "en")
    assert quote.startswith('<q lang="fr" class="mr-quote">a &lt; b</q>')
    # A document the project does not know is named as written, its language unmarked.
    assert format_quote("a", "board minutes", "en").startswith('<q class="mr-quote">a</q>')


SOURCE_2023 = "mission_report_2023"
QUOTED = pd.DataFrame(
    [
        {
            **fig(2022, "corporate_clients", "all", 300, "count", "plus de 300 clients"),
            "section": "Analyse quantitative",
            "translation": "more than 300 clients",
        },
        {
            **fig(
                2022,
                "paths_offered",
                "all",
                50,
                "count",
                "more than 50 paths",
                source=SOURCE_2023,
            ),
            "section": "The rise of apprenticeship",
            "translation": "plus de 50 parcours",
        },
    ]
)


def passage_of(html: str, quote: str) -> str:
    """The cell of ``html`` that holds ``quote``."""
    return next(cell for cell in html.split("<td") if quote in cell)


def test_an_english_page_shows_a_french_passage_with_its_translation_and_section():
    cell = passage_of(page(published=QUOTED).uncomputed_table().data, "plus de 300 clients")
    assert '<q lang="fr" class="mr-quote">plus de 300 clients</q>' in cell
    assert '<span class="mr-translation">our translation: “more than 300 clients”</span>' in cell
    assert (
        "<small>OpenClassrooms, Mission Report 2022, "
        '“<span lang="fr">Analyse quantitative</span>”</small>' in cell
    )


def test_a_french_page_translates_an_english_passage_and_no_french_one():
    html = page("fr", published=QUOTED).uncomputed_table().data
    english = passage_of(html, "more than 50 paths")
    assert '<q lang="en" class="mr-quote">more than 50 paths</q>' in english
    assert (
        f'<span class="mr-translation">notre traduction{NBSP}: «{NBSP}plus de 50 parcours'
        f"{NBSP}»</span>" in english
    )
    assert (
        f"OpenClassrooms, Rapport de mission 2023, «{NBSP}"
        f'<span lang="en">The rise of apprenticeship</span>{NBSP}»' in english
    )
    french = passage_of(html, "plus de 300 clients")
    assert '<q lang="fr" class="mr-quote">plus de 300 clients</q>' in french
    assert "mr-translation" not in french and "more than 300 clients" not in french
    assert f'«{NBSP}<span lang="fr">Analyse quantitative</span>{NBSP}»' in french


def test_the_passages_of_a_finding_carry_their_translation():
    pair = QUOTED.assign(metric="corporate_clients", value=[300, 250], source=SOURCE_2022)
    pair.loc[1, ["quote", "translation"]] = ["250 clients", "250 clients"]
    html = page(published=pair).consistency_findings().data
    assert "our translation: “more than 300 clients”" in html


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_piece_shows_a_catalog_key_or_a_raw_identifier(lang):
    p = page(lang)
    pieces = [
        p.header(),
        p.summary(),
        p.comparison_table(),
        p.uncomputed_table(),
        p.reference_table(),
        p.consistency_rules(),
        p.consistency_findings(),
        p.methods_note(),
    ]
    text = re.sub(r"<[^>]+>", " ", " ".join(piece.data for piece in pieces))
    assert [key for key in i18n.load_catalog(lang) if key in text] == []
    assert not re.search(r"\b(?:career_outcomes_growth|segment_share|non_underserved)\b", text)


def test_french_page_uses_french_formats():
    html = page("fr").comparison_table().data
    # French points are singular below 2: "+0,6 pt", "±1,0 pt".
    assert f"29,6{NBSP}%" in html and f"+0,6{NBSP}pt<" in html and "dans la tolérance" in html


def test_the_page_leads_with_what_disagrees_and_folds_what_agrees():
    p = page()
    statuses = set(p.compared["status"])
    assert {"within", "outside"} <= statuses
    attention = p.attention_table().data
    folded = p.folded_table().data
    outside = [r for r in p.select_rows(("outside",))]
    within = [r for r in p.select_rows(("within",))]
    # Each figure sits in one place: outside tolerance first, within tolerance folded.
    assert all(p.name_published_figure(r) in attention for r in outside)
    assert not any(p.name_published_figure(r) in attention for r in within)
    assert folded.startswith('<details class="mr-folded"><summary>')
    shown = len(p.select_rows(("within", "withheld", "no_value")))
    assert f"{shown} published figure" in folded and "agree" in folded.split("</summary>")[0]
    assert all(p.name_published_figure(r) in folded for r in within)

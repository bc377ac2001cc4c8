"""Section pieces on hand-made KPI frames: values, intervals, changes, gaps, objectives,
withheld figures and data gaps, in both languages."""

import base64
import io
import math
import re

import pandas as pd
import pytest

from helpers.figures import stats
from helpers.figures.run_data import RunData
from helpers.pages import i18n
from helpers.pages.sections import (
    Change,
    Kpi,
    Section,
    compare_groups,
    compare_years,
    format_value,
    open_section,
)
from helpers.pages.sections.figures import changed_segments, definition_change_years

NBSP = "\u00a0"
TARGETS = pd.DataFrame(
    {
        "metric": ["segment_share"],
        "segment": ["underserved"],
        "first_year": [2022],
        "last_year": [2030],
        "comparator": [">="],
        "threshold": [0.70],
        "source": ["mission_report_2023"],
    }
)


def share(year, metric, segment, numerator, denominator, suppressed=False):
    low, high = stats.wilson_interval(numerator, denominator)
    row = {"value": numerator / denominator, "numerator": numerator, "denominator": denominator}
    row |= {"ci_low": low, "ci_high": high}
    if suppressed:
        row = dict.fromkeys(row, None)
    return {"year": year, "metric": metric, "segment": segment, "suppressed": suppressed, **row}


def count(year, metric, value, segment="all", suppressed=False):
    return {
        "year": year,
        "metric": metric,
        "segment": segment,
        "value": None if suppressed else value,
        "suppressed": suppressed,
    }


def make_run(rows, year=2022, absent=()):
    history = pd.DataFrame(rows)
    for column in ("numerator", "denominator", "ci_low", "ci_high"):
        if column not in history:
            history[column] = None
    history["section"] = "funnel"
    years = sorted(set(history["year"]))
    provenance = {
        "dataset": {"absent_tables": list(absent), "years": years, "synthetic": True},
        "parameters": {"year": year},
    }
    kpis = history[history["year"] == year].reset_index(drop=True)
    return RunData(kpis=kpis, history=history, series=pd.DataFrame(), provenance=provenance)


ROWS = [
    share(2022, "graduation_rate", "all", 410, 1000),
    share(2021, "graduation_rate", "all", 350, 1000),
    share(2022, "segment_share", "underserved", 750, 1000),
    share(2021, "segment_share", "underserved", 700, 1000),
    share(2022, "graduation_rate", "non_underserved", 300, 1000),
    share(2022, "graduation_rate", "job_seekers", 100, 1000),
    share(2022, "graduation_rate", "refugees", 5, 20),
    share(2022, "graduation_rate", "disability", 3, 40, suppressed=True),
    count(2022, "students_started", 11_000),
    count(2021, "students_started", 10_000),
    count(2022, "graduates", None, suppressed=True),
    count(2021, "graduates", 4_100),
    count(2022, "visitors_monthly_avg", math.nan),
]


def section(name="categories", lang="en", rows=ROWS, **kwargs) -> Section:
    return Section(name, 2022, lang, 10, make_run(rows, **kwargs), TARGETS)


def test_kpis_are_read_from_the_history_with_missing_ones_not_measurable():
    s = section()
    kpi = s.kpi("graduation_rate")
    assert (kpi.numerator, kpi.denominator) == (410, 1000)
    assert s.kpi("graduation_rate", year=2021).value == 0.35
    absent = s.kpi("admission_rate")
    assert not absent.measured and not absent.suppressed
    assert s.kpi("graduates").suppressed
    with pytest.raises(KeyError):
        s.kpi("no_such_metric")


def test_a_share_changes_in_points_with_newcombe_interval():
    s = section()
    change = compare_years(s.kpi("graduation_rate"), s.kpi("graduation_rate", year=2021))
    low, high = stats.newcombe_interval(410, 1000, 350, 1000)
    assert change == Change(points=True, value=pytest.approx(0.06), low=low, high=high)
    assert change.clear


def test_a_count_changes_relatively_and_a_withheld_one_not_at_all():
    s = section()
    change = compare_years(s.kpi("students_started"), s.kpi("students_started", year=2021))
    assert change == Change(points=False, value=pytest.approx(0.1))
    assert not change.clear
    assert compare_years(s.kpi("graduates"), s.kpi("graduates", year=2021)) is None


def test_growth_figures_are_not_compared_between_years():
    current = Kpi("apprentices_growth", "all", 2022, value=0.2)
    previous = Kpi("apprentices_growth", "all", 2021, value=0.7)
    assert compare_years(current, previous) is None


def test_a_gap_between_groups_is_clear_only_when_its_interval_excludes_zero():
    s = section()
    base = s.kpi("graduation_rate", "non_underserved")
    clear = compare_groups(s.kpi("graduation_rate", "job_seekers"), base)
    unclear = compare_groups(s.kpi("graduation_rate", "refugees"), base)
    assert clear.clear and clear.value == pytest.approx(-0.2)
    assert not unclear.clear and unclear.low < 0 < unclear.high


def test_values_are_formatted_by_kind_and_unit():
    assert format_value("graduation_rate", 0.41, "fr") == f"41,0{NBSP}%"
    assert format_value("students_started", 10915, "en") == "10,915"
    assert format_value("carbon_donation_eur", 85000, "en") == "€85,000"
    assert format_value("emissions_tco2e", 2650.4, "en") == "2,650 t CO₂e"
    assert format_value("co2e_per_user_kg", 0.834, "fr") == f"0,83{NBSP}kg CO₂e"
    assert format_value("apprentice_salary_premium", 0.06, "en") == "+6.0%"


def test_withheld_shows_as_withheld_and_never_as_zero():
    s = section()
    html = s.figure_table([("graduates", "all"), ("visitors_monthly_avg", "all")]).data
    assert "withheld" in html and "not measurable" in html
    assert ">0<" not in html and ">0.0%" not in html


def test_small_groups_are_flagged():
    s = section()
    assert s.kpi("graduation_rate", "refugees").small_group
    assert not s.kpi("graduation_rate", "job_seekers").small_group
    html = s.gap_table("graduation_rate", ["job_seekers", "refugees"]).data
    assert html.count("small group") == 2  # the flag, and the caption explaining it


def test_figure_table_shows_denominator_interval_previous_year_change_and_objective():
    html = section().figure_table([("segment_share", "underserved")]).data
    for text in ("75.0%", "750", "1,000", "72.2% to 77.6%", "70.0%", "+5.0 pp", "at least 70%"):
        assert text in html, text
    assert "met" in html


def test_objective_statuses_follow_the_interval():
    close = [share(2022, "segment_share", "underserved", 142, 200)]
    s = section(rows=close)
    assert "met within uncertainty" in s.headline("segment_share", "underserved")
    low = [share(2022, "segment_share", "underserved", 500, 1000)]
    assert "missed" in section(rows=low).headline("segment_share", "underserved")


def test_lead_states_the_figure_the_change_and_whether_it_is_larger_than_chance():
    lead = (
        section(name="funnel").key_findings([("graduation_rate", "all"), ("graduates", "all")]).data
    )
    assert "41.0% of the students due to finish in 2022 graduated" in lead
    assert "larger than chance alone would explain" in lead
    assert "withheld for 2022" in lead


def test_lead_in_french_uses_french_number_formats():
    lead = section(lang="fr").key_findings([("segment_share", "underserved")]).data
    assert f"75,0{NBSP}%" in lead and f"750 sur 1{chr(0x202F)}000" in lead
    assert "atteint" in lead


def test_gap_summary_names_groups_below_and_unclear():
    s = section()
    text = s.gap_summary("graduation_rate", ["job_seekers", "refugees", "disability"]).data
    assert "lower for job seekers" in text
    assert "no clear gap for refugees and migrants" in text
    assert "withheld or not measurable for disability" in text


def test_gap_table_reads_gap_and_no_gap():
    html = section().gap_table("graduation_rate", ["job_seekers", "refugees"]).data
    assert html.count('class="mr-tag mr-gap"') == 1
    assert "no clear gap" in html


def test_data_gaps_say_what_the_data_lacks():
    funnel = section(name="funnel").list_data_gaps()
    assert any("no traffic figures for 2022" in note for note in funnel)
    alone = section(
        name="categories", rows=[count(2022, "students_started", 10)], absent=["mentors"]
    )
    notes = alone.list_data_gaps()
    assert any("does not cover 2021" in note for note in notes)
    assert any("no mentors table" in note for note in notes)
    assert section(name="funding").list_data_gaps() == []


def test_methods_note_links_to_the_section_in_the_methods_notes():
    html = section(name="carbon").methods_note().data
    assert '<a href="methods.html#carbon">methods notes</a>' in html


def test_a_single_year_has_no_trend_chart_but_a_sentence():
    s = section(rows=[share(2022, "segment_share", "underserved", 750, 1000)])
    html = s.trend_chart([("segment_share", "underserved")], "categories.chart_trend").data
    assert "<img" not in html and "covers 2022 alone" in html


def test_charts_are_vector_with_a_caption_alternative_text_and_their_figures_as_csv():
    s = section()
    html = s.segments_chart("graduation_rate", ["job_seekers", "refugees"], "categories.chart_rate")
    page = html.data
    # The active title states the finding; the descriptive title is its subtitle.
    assert '<figcaption class="mr-chart-title">In 2022, highest for ' in page
    assert '<span class="mr-chart-subtitle">Graduation rate by group, 2022</span>' in page
    # Drawn for a screen, a phone and the printed page.
    assert "data:image/png" not in page and page.count("data:image/svg+xml;base64,") == 3
    assert '<source media="print" srcset="data:image/svg+xml;base64,' in page
    alt = re.search(r'alt="([^"]*)"', page).group(1)
    shown = s.kpi("graduation_rate", "job_seekers")
    # The alternative text states the finding and what is drawn; the figures are in the CSV.
    assert alt.startswith("Chart: In 2022, highest for ")
    assert alt.endswith("Graduation rate by group, 2022") and len(alt) <= 250
    assert "Job seekers, 2022:" not in alt
    csv = re.search(r'href="data:text/csv;base64,([^"]+)"', page).group(1)
    rows = pd.read_csv(io.StringIO(base64.b64decode(csv).decode("utf-8")))
    assert list(rows.columns) == ["label", "group", "value", "low", "high", "text"]
    job_seekers = rows[(rows["label"] == "Job seekers") & (rows["group"] == 2022)].iloc[0]
    assert job_seekers["value"] == pytest.approx(shown.value)
    assert len(rows) == 4  # two groups, two years: exactly what the chart draws


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_piece_shows_a_catalog_key_or_a_raw_identifier(lang):
    s = section(lang=lang)
    pieces = [
        s.header(),
        s.key_findings([("segment_share", "underserved"), ("graduates", "all")]),
        s.figure_table([("segment_share", "underserved"), ("students_started", "all")]),
        s.gap_table("graduation_rate", ["job_seekers", "refugees", "disability"]),
        s.gap_summary("graduation_rate", ["job_seekers", "refugees", "disability"]),
        s.data_gaps(),
        s.methods_note(),
    ]
    text = re.sub(r"<[^>]+>", " ", " ".join(p.data for p in pieces))
    keys = [key for key in i18n.load_catalog(lang) if key in text]
    assert keys == []
    assert not re.search(r"\b(?:non_underserved|job_seekers|graduation_rate|segment_share)\b", text)


def test_open_section_refuses_an_unknown_section():
    with pytest.raises(ValueError, match="unknown section 'outcome'"):
        open_section("outcome", 2022)


@pytest.mark.slow
def test_open_section_computes_the_run_data_of_a_dataset_once(tmp_path, monkeypatch):
    from conftest import make_reference_frames, make_valid_frames, write_dataset

    from helpers.figures import run_data as rundata

    monkeypatch.setattr(rundata, "RUN_DATA_CACHE_DIR", tmp_path / "cache")
    data = write_dataset({**make_valid_frames(), **make_reference_frames()}, tmp_path / "data")
    first = open_section("funding", 2022, str(data), "fr", 1)
    assert first.years[-1] == 2022 and first.lang == "fr"
    assert first.kpi("students_started").value == 2
    assert len(list((tmp_path / "cache").iterdir())) == 1
    again = open_section("carbon", 2022, str(data), "fr", 1)
    assert again.run.provenance == first.run.provenance
    assert len(list((tmp_path / "cache").iterdir())) == 1
    # run.json records the language: another language has its own, with the same figures.
    english = open_section("carbon", 2022, str(data), "en", 1)
    assert english.run.kpis.equals(first.run.kpis)
    with pytest.raises(ValueError, match="is for 2022, not 2021"):
        open_section(
            "carbon", 2021, str(data), "en", 1, str(sorted((tmp_path / "cache").iterdir())[0])
        )


def test_lead_warns_when_a_headline_rests_on_a_small_group():
    s = section()
    assert "fewer than 30 people" in s.headline("graduation_rate", "refugees")
    assert "fewer than 30 people" not in s.headline("graduation_rate", "job_seekers")


def test_counts_go_up_or_down_in_words():
    s = section(name="funnel")
    assert "Up 10.0% on 2021 (10,000)." in s.headline("students_started")
    french = section(name="funnel", lang="fr")
    assert "En hausse de 10,0" in french.headline("students_started")


def test_changes_across_the_2022_definitions_say_so():
    s = section()
    assert "widened in 2022" in s.headline("segment_share", "underserved")
    assert "widened in 2022" not in s.headline("graduation_rate", "all")
    html = s.figure_table([("segment_share", "underserved")]).data
    assert "follows the category definitions in force before 2022" in html
    later = Section("categories", 2023, "en", 10, make_run(ROWS, year=2022), TARGETS)
    assert later.redefined == frozenset()


def test_only_the_categories_whose_rules_changed_are_redefined():
    rules = pd.DataFrame(
        {
            "category": ["disability", "refugees", "refugees", "refugees"],
            "first_year": [None, None, 2020, 2020],
            "last_year": [None, 2019, None, None],
            "column": ["disability", "migration_status", "migration_status", "migration_status"],
            "value": ["yes", "refugee", "refugee", "migrant"],
        }
    )
    assert changed_segments(rules, 2019, 2020) == {"refugees", "underserved", "non_underserved"}
    assert changed_segments(rules, 2020, 2021) == frozenset()
    assert definition_change_years(rules) == [2020]
    s = Section("categories", 2020, "en", 10, make_run(ROWS, year=2022), TARGETS, rules)
    assert "disability" not in s.redefined


def test_trends_run_from_the_first_year_with_a_figure_to_the_report_year():
    rows = [*ROWS, count(2020, "students_started", math.nan), count(2023, "students_started", 9)]
    s = section(rows=rows)
    assert s.years == [2020, 2021, 2022]
    assert s._years_with_figures([("students_started", "all")]) == [2021, 2022]
    # A withheld figure is held by the data: its year stays on the chart.
    assert s._years_with_figures([("graduates", "all")]) == [2021, 2022]


def test_the_definition_change_is_explained_only_once_the_report_reaches_it():
    run = make_run(ROWS, year=2022)
    assert (
        "widened in 2022"
        in Section("categories", 2022, "en", 10, run, TARGETS).definition_change_note().data
    )
    assert Section("categories", 2021, "en", 10, run, TARGETS).definition_change_note().data == ""


def test_tables_have_a_title_and_scoped_headers():
    s = section()
    page = s.gap_table("graduation_rate", ["job_seekers", "refugees"]).data
    assert '<caption class="mr-table-title">Graduation rate by group, each against' in page
    assert '<th scope="col"' in page and '<th scope="row">' in page
    assert "data-label=" in page
    figures = s.figure_table([("graduation_rate", "all"), ("students_started", "all")]).data
    assert ">Graduation rate and students who started a path, 2022</caption>" in figures


# --- key findings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "metric", "expected"),
    [
        # A share up by a clear margin, where higher serves the mission.
        ([share(2022, "graduation_rate", "all", 410, 1000),
          share(2021, "graduation_rate", "all", 350, 1000)], "graduation_rate", "better"),
        # The same rise within chance.
        ([share(2022, "graduation_rate", "all", 41, 100),
          share(2021, "graduation_rate", "all", 38, 100)], "graduation_rate", "no_clear_change"),
        # A count down, where lower serves the mission: emissions.
        ([count(2022, "emissions_tco2e", 900), count(2021, "emissions_tco2e", 1000)],
         "emissions_tco2e", "better"),
        ([count(2022, "co2e_per_user_kg", 0.83), count(2021, "co2e_per_user_kg", 0.78)],
         "co2e_per_user_kg", "worse"),
        # A neutral figure is said to go up or down, never better or worse.
        ([count(2022, "carbon_donation_eur", 90_000), count(2021, "carbon_donation_eur", 85_000)],
         "carbon_donation_eur", "up"),
        # A count that rounds to no change.
        ([count(2022, "students_started", 10_001), count(2021, "students_started", 10_000)],
         "students_started", "no_clear_change"),
    ],
)  # fmt: skip
def test_a_change_is_judged_by_the_metric_s_direction(rows, metric, expected):
    assert section(rows=rows).assess(metric) == expected


def test_more_students_outside_the_categories_is_neither_better_nor_worse():
    rows = [
        share(2022, "segment_share", "non_underserved", 400, 1000),
        share(2021, "segment_share", "non_underserved", 300, 1000),
    ]
    assert section(rows=rows).assess("segment_share", "non_underserved") == "up"


def test_key_findings_come_as_a_list_with_the_judgement_in_words():
    html = section(name="funnel").key_findings([("graduation_rate", "all")]).data
    assert '<section class="mr-findings"' in html and ">Key findings</h2>" in html
    assert html.count("<li>") == 1
    assert re.search(r'<span class="mr-assess mr-assess-better"[^>]*>Better than 2021</span>', html)
    french = section(name="funnel", lang="fr").key_findings([("graduation_rate", "all")]).data
    assert "Mieux qu’en 2021" in french and ">À retenir</h2>" in french


def test_a_ratio_whose_parts_moved_differently_is_explained_by_them():
    rows = [
        count(2022, "co2e_per_user_kg", 0.83), count(2021, "co2e_per_user_kg", 0.78),
        count(2022, "emissions_tco2e", 1027), count(2021, "emissions_tco2e", 1388),
        count(2022, "users", 1_237_000), count(2021, "users", 1_780_000),
    ]  # fmt: skip
    sentence = section(name="carbon", rows=rows).headline("co2e_per_user_kg")
    assert "Behind it, since 2021: greenhouse-gas emissions" in sentence
    assert "−26.0%" in sentence or "-26.0%" in sentence
    assert "−30.5%" in sentence or "-30.5%" in sentence
    # A ratio that simply follows its numerator needs no explanation.
    follows = [
        count(2022, "co2e_per_user_kg", 0.9), count(2021, "co2e_per_user_kg", 0.8),
        count(2022, "emissions_tco2e", 1100), count(2021, "emissions_tco2e", 1000),
        count(2022, "users", 1_200_000), count(2021, "users", 1_250_000),
    ]  # fmt: skip
    assert "Behind it" not in section(name="carbon", rows=follows).headline("co2e_per_user_kg")


def test_the_donation_states_the_price_per_tonne_and_its_source():
    s = section(name="carbon", rows=[count(2022, "carbon_donation_eur", 85_000)])
    s.run.provenance["reference"] = {
        "carbon_price": {"year": 2022, "eur_per_tco2e": 82.8, "source": "EDF, URD 2022"}
    }
    sentence = s.headline("carbon_donation_eur")
    assert "€82.80 per tonne" in sentence and "(EDF, URD 2022)" in sentence


def test_a_median_whose_intervals_overlap_shows_no_clear_change():
    def median(year, value, low, high):
        row = count(year, "salary_change_median_eur", value)
        return {**row, "ci_low": low, "ci_high": high}

    overlapping = [median(2022, 5700, 5200, 6300), median(2021, 6100, 5600, 6600)]
    assert section(rows=overlapping).assess("salary_change_median_eur") == "no_clear_change"
    apart = [median(2022, 5700, 5200, 6300), median(2021, 7100, 6600, 7600)]
    assert section(rows=apart).assess("salary_change_median_eur") == "worse"

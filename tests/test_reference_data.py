"""Schema and consistency of the committed reference tables in data/reference/.

Sources are document ids that the catalogs name; the metric ids are the registry's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from helpers.core.paths import REFERENCE_DIR
from helpers.figures import registry
from helpers.intake import contract
from helpers.intake.dataset import Dataset, read_category_rules
from helpers.pages import i18n
from helpers.pages.sections.published import DOCUMENT_LANGUAGES

PUBLISHED_COLUMNS = [
    "year",
    "metric",
    "segment",
    "value",
    "unit",
    "kind",
    "source",
    "section",
    "quote",
    "translation",
    "note",
]
# A passage may sit before any heading of its document.
MAY_BE_EMPTY = {"section"}
TARGET_COLUMNS = [*contract.TABLES_BY_NAME["targets"].column_names, "note"]
KINDS = {"actual", "approximate", "target", "benchmark"}
UNITS = {
    "count",
    "countries",
    "share",
    "growth",
    "points",
    "ratio",
    "score",
    "eur",
    "kgco2e_per_user",
    "kgco2e_per_student",
}
FRACTION_UNITS = {"share"}
WHOLE_UNITS = {"count", "countries", "eur"}
FACTOR_UNITS = {"kWh", "GB", "km", "pkm", "eur", "device", "hour"}
SNAKE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
NO_KPI_NOTE = "no KPI metric computes it"
KPI_SEGMENTS = {
    "all",
    "underserved",
    "non_underserved",
    "job_seekers",
    "low_qualification",
    "priority_area",
    "refugees",
    "disability",
    "paid_students",
    "apprentices",
    "non_apprentices",
    "tech",
    "non_tech",
}
FUNDING_METRICS = [
    "funding_share_individual",
    "funding_share_public",
    "funding_share_apprenticeship",
    "funding_share_employer",
    "funding_share_other",
]


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / f"{name}.csv", dtype=str, keep_default_na=False)


def normalise(text: str) -> str:
    """Text with the extraction's markup (<b>, **) dropped and whitespace collapsed."""
    text = re.sub(r"</?[A-Za-z][^>]*>", " ", text)
    text = text.replace("**", " ")
    return re.sub(r"\s+", " ", text).strip()


# The category definitions of the methods notes ("Underserved categories"): the 2022
# mission report widened three of them.
UNTIL_2021 = {
    ("job_seekers", "employment_status", "job_seeker"),
    ("low_qualification", "education_level", "none"),
    ("priority_area", "priority_area", "qpv"),
    ("refugees", "migration_status", "refugee"),
    ("disability", "disability", "yes"),
}
FROM_2022 = UNTIL_2021 | {
    ("low_qualification", "education_level", "below_bac"),
    ("low_qualification", "education_level", "bac"),
    ("priority_area", "priority_area", "uk_low_income"),
    ("priority_area", "priority_area", "us_low_income"),
    ("refugees", "migration_status", "asylum_seeker"),
    ("refugees", "migration_status", "migrant"),
}


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return _read("published_figures")


@pytest.fixture(scope="module", params=["targets", "stated_aims"])
def targets(request) -> pd.DataFrame:
    """The committee's objectives, then the aims the reports state: one schema."""
    return _read(request.param)


@pytest.fixture(scope="module")
def kpi_ids() -> set[str]:
    return set(registry.METRICS_BY_ID)


# --- helpers of the tests themselves -------------------------------------------------


def test_normalise_drops_markup_and_collapses_whitespace():
    assert normalise("<b>Femmes</b>\t21%\n 18%") == "Femmes 21% 18%"
    assert normalise("**+42%**") == "+42%"


# --- published_figures ---------------------------------------------------------------


def test_published_figures_columns(published):
    assert list(published.columns) == PUBLISHED_COLUMNS


def test_published_figures_cells_are_filled_and_typed(published):
    for col in set(PUBLISHED_COLUMNS) - MAY_BE_EMPTY:
        assert (published[col] != "").all(), f"empty {col}"
    years = pd.to_numeric(published["year"], errors="raise")
    assert (years == years.round()).all() and years.between(2018, 2030).all()
    pd.to_numeric(published["value"], errors="raise")
    assert published["metric"].str.match(SNAKE_ID).all()
    assert published["segment"].str.match(SNAKE_ID).all()


def test_published_figures_kinds_and_units_are_from_the_vocabulary(published):
    assert set(published["kind"]) <= KINDS
    assert set(published["unit"]) <= UNITS


def test_published_values_fit_their_unit(published):
    values = pd.to_numeric(published["value"])
    fractions = published["unit"].isin(FRACTION_UNITS)
    assert values[fractions].between(0, 1).all(), "shares are fractions (0.312, not 31.2)"
    whole = published["unit"].isin(WHOLE_UNITS)
    assert (values[whole] == values[whole].round()).all() and (values[whole] >= 0).all()


# Figures whose segments are the populations a brand survey names, as written in the data.
POPULATION_METRICS = {"brand_awareness_share", "brand_consideration_share"}


def test_kpi_metrics_use_kpi_segment_ids(published, kpi_ids):
    kpi = published[published["metric"].isin(kpi_ids)]
    surveyed = kpi["metric"].isin(POPULATION_METRICS)
    assert set(kpi.loc[~surveyed, "segment"]) <= KPI_SEGMENTS
    assert all(SNAKE_ID.match(s) for s in kpi.loc[surveyed, "segment"])


def test_published_rows_are_not_repeated(published):
    key = ["year", "metric", "segment", "kind", "source", "value"]
    assert not published.duplicated(key).any()


def test_every_source_is_a_document_the_catalogs_name(published, targets):
    for name in set(published["source"]) | set(targets["source"]):
        assert SNAKE_ID.match(name), name
        for lang in i18n.LANGUAGES:
            assert i18n.has_key(f"document.{name}", lang), (name, lang)


def test_every_source_is_written_in_a_language_of_the_report(published, targets):
    for name in set(published["source"]) | set(targets["source"]):
        assert DOCUMENT_LANGUAGES.get(name) in i18n.LANGUAGES, name


def test_every_quoted_passage_has_the_reports_translation(published):
    quoted = published[published["quote"] != ""]
    assert (quoted["translation"].str.strip() != "").all()
    # A translation is of the whole passage, not a copy of it (figures alone aside).
    worded = quoted[quoted["quote"].str.contains(r"[^\W\d_]{3}")]
    assert (worded["translation"] != worded["quote"]).all()


def test_quotes_and_their_parts_are_short(published):
    assert (published["quote"].str.len() <= 150).all()
    assert (published["translation"].str.len() <= 180).all()
    assert (published["section"].str.len() <= 80).all()


def test_metrics_outside_the_kpi_file_say_so(published, kpi_ids):
    kpi = kpi_ids
    others = published[~published["metric"].isin(kpi)]
    unmarked = others[~others["note"].str.contains(NO_KPI_NOTE, regex=False)]
    assert unmarked.empty, sorted(set(unmarked["metric"]))


def test_kpi_metric_ids_are_not_marked_as_missing(published, kpi_ids):
    kpi = kpi_ids
    marked = published[published["note"].str.contains(NO_KPI_NOTE, regex=False)]
    assert not marked["metric"].isin(kpi).any()


def test_funding_shares_of_2022_add_up_per_segment(published):
    rows = published[
        (published["year"] == "2022")
        & (published["kind"] == "actual")
        & published["metric"].isin(FUNDING_METRICS)
    ]
    by_segment = rows.groupby("segment")
    assert set(by_segment.size()) == {len(FUNDING_METRICS)}
    sums = by_segment["value"].apply(lambda v: pd.to_numeric(v).sum())
    assert len(sums) == 6 and sums.between(0.985, 1.015).all(), sums.to_dict()


def test_headline_funnel_of_2022(published):
    actual = published[(published["year"] == "2022") & (published["kind"] == "actual")]
    figure = actual.set_index(["metric", "segment"])["value"].astype(float)
    assert figure[("applicants", "all")] == 37218
    assert figure[("students_started", "all")] == 10915
    rate = figure[("students_started", "all")] / figure[("applicants", "all")]
    assert round(rate, 2) == figure[("admission_rate", "all")]


# --- targets -------------------------------------------------------------------------


def test_targets_columns_and_types(targets):
    assert list(targets.columns) == TARGET_COLUMNS
    assert (targets != "").all().all()
    first = targets["first_year"].astype(int)
    last = targets["last_year"].astype(int)
    assert (first <= last).all()
    assert set(targets["comparator"]) <= set(contract.COMPARATORS)
    pd.to_numeric(targets["threshold"], errors="raise")


def test_targets_share_thresholds_are_fractions(targets):
    shares = targets[targets["metric"].str.endswith(("_share", "_coverage"))]
    assert pd.to_numeric(shares["threshold"]).between(0, 1).all()


def test_targets_metrics_are_kpi_metric_ids(targets, kpi_ids):
    assert set(targets["metric"]) <= kpi_ids


def test_every_target_is_quoted_in_published_figures(targets, published):
    stated = published[published["kind"] == "target"]
    for row in targets.itertuples():
        match = stated[
            (stated["metric"] == row.metric)
            & (stated["segment"] == row.segment)
            & (stated["source"] == row.source)
            & (pd.to_numeric(stated["value"]) == float(row.threshold))
        ]
        assert not match.empty, f"{row.metric}/{row.segment} from {row.source}"


def test_one_target_per_metric_segment_and_year(targets):
    seen: set[tuple[str, str, int]] = set()
    for row in targets.itertuples():
        for year in range(int(row.first_year), int(row.last_year) + 1):
            key = (row.metric, row.segment, year)
            assert key not in seen, key
            seen.add(key)


def test_reference_tables_load_into_a_dataset_with_their_contract_types():
    dataset = Dataset.from_frames({})
    assert dataset.scalar("SELECT count(*) FROM targets") == len(_read("targets"))
    assert dataset.scalar("SELECT min(threshold) FROM targets") > 0
    assert dataset.scalar("SELECT count(*) FROM carbon_prices WHERE year = 2022") == 1
    assert dataset.scalar("SELECT sum(kgco2e_per_unit) FROM emission_factors") > 0


# --- emission factors and carbon prices ----------------------------------------------


def test_emission_factors_schema():
    factors = _read("emission_factors")
    assert list(factors.columns) == list(contract.TABLES_BY_NAME["emission_factors"].column_names)
    assert factors["emission_factor_id"].is_unique
    assert factors["emission_factor_id"].str.match(SNAKE_ID).all()
    assert (pd.to_numeric(factors["kgco2e_per_unit"], errors="raise") >= 0).all()
    assert set(factors["unit"]) <= FACTOR_UNITS


def test_every_emission_factor_has_a_source():
    factors = _read("emission_factors")
    assert (factors["source"].str.strip().str.len() > 20).all()


def test_carbon_prices_cover_every_report_year():
    prices = _read("carbon_prices")
    assert list(prices.columns) == list(contract.TABLES_BY_NAME["carbon_prices"].column_names)
    years = prices["year"].astype(int)
    assert years.is_unique and set(range(2018, 2024)) <= set(years)
    assert (pd.to_numeric(prices["eur_per_tco2e"]) > 0).all()
    assert (prices["source"].str.strip().str.len() > 20).all()


def test_the_2022_donation_fits_the_2022_price_and_the_per_user_figure(published):
    """85 000 EUR at the 2022 price is roughly 0.83 kg for each of about 1.2-1.4 M users."""
    prices = _read("carbon_prices").set_index("year")["eur_per_tco2e"].astype(float)
    figures = published[(published["year"] == "2022") & (published["kind"] == "actual")]
    value = figures.set_index(["metric", "segment"])["value"].astype(float)
    tonnes = value[("carbon_donation_eur", "all")] / prices["2022"]
    users = tonnes * 1000 / value[("co2e_per_user_kg", "all")]
    assert 1.1e6 < users < 1.4e6


# --- category rules ------------------------------------------------------------------


def _rules_in(rules: pd.DataFrame, year: int) -> set[tuple[str, str, str]]:
    first = rules["first_year"].fillna(year)
    last = rules["last_year"].fillna(year)
    applies = rules[(first <= year) & (last >= year)]
    return set(zip(applies["category"], applies["column"], applies["value"], strict=True))


def test_category_rules_schema():
    rules = read_category_rules(REFERENCE_DIR)
    assert list(rules.columns) == ["category", "first_year", "last_year", "column", "value"]
    applications = contract.TABLES_BY_NAME["applications"]
    for row in rules.itertuples():
        assert row.value in applications.column(row.column).values, (row.column, row.value)


def test_category_rules_match_the_metric_definitions():
    expected = {"until_2021": UNTIL_2021, "from_2022": FROM_2022}
    rules = read_category_rules(REFERENCE_DIR)
    assert _rules_in(rules, 2021) == expected["until_2021"]
    assert _rules_in(rules, 2018) == expected["until_2021"]
    assert _rules_in(rules, 2022) == expected["from_2022"]
    assert _rules_in(rules, 2023) == expected["from_2022"]


def test_reference_readme_documents_every_file():
    readme = (REFERENCE_DIR / "README.md").read_text(encoding="utf-8")
    for path in Path(REFERENCE_DIR).glob("*.csv"):
        assert f"`{path.name}`" in readme, path.name

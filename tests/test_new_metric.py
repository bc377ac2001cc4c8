"""A new metric added by the recipe of CONTRIBUTING.md reaches the KPI file, its
dictionary and the methods page, with nothing else touched.

The recipe's four steps are done here in a throw-away registry and catalog: a function,
its declaration, its words in each language; its test is this file.
"""

from __future__ import annotations

from html import escape

import pandas as pd
import pytest
from conftest import make_reference_frames, make_valid_frames

from helpers.figures import kpi_file, registry
from helpers.figures.metrics.common import single_count_frame
from helpers.intake.dataset import Dataset
from helpers.pages import i18n, kpi_dictionary
from helpers.pages.methods_page import build_methods_body

METRIC = "paths_in_catalogue"
WORDS = {
    "en": ("Paths in the catalogue", "Paid paths listed in the catalogue at extraction."),
    "fr": ("Parcours au catalogue", "Parcours payants listés au catalogue à l’extraction."),
}


# Step 1: the function, on the contract's tables, returning tidy figures.
def compute_paths_in_catalogue(ds: Dataset, year: int, min_cell: int) -> pd.DataFrame:
    return single_count_frame(ds, METRIC, "SELECT count(DISTINCT path_id) FROM paths", min_cell)


@pytest.fixture
def with_new_metric(monkeypatch):
    # Step 2: its declaration.
    spec = registry.declare(
        id=METRIC,
        section="funnel",
        kind="count",
        unit="paths",
        direction="higher",
        compute=compute_paths_in_catalogue,
        reads={"paths": ("path_id",)},
    )
    metrics = (*registry.METRICS, spec)
    monkeypatch.setattr(registry, "METRICS", metrics)
    monkeypatch.setattr(registry, "METRICS_BY_ID", {m.id: m for m in metrics})
    # Step 3: its words, once in each catalog.
    catalogs = {}
    for lang, (label, definition) in WORDS.items():
        catalogs[lang] = {
            **i18n.load_catalog(lang),
            f"metric.{METRIC}": label,
            f"definition.{METRIC}": definition,
        }
    monkeypatch.setattr(i18n, "load_catalog", lambda lang: catalogs[i18n.check_language(lang)])
    return spec


def test_the_new_metric_reaches_the_kpi_file(with_new_metric, tmp_path):
    ds = Dataset.from_frames({**make_valid_frames(), **make_reference_frames()})
    path = kpi_file.write_kpis(kpi_file.compute_kpis(ds, 2022, min_cell=1), tmp_path / "kpis.csv")
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    mine = rows[rows["metric"] == METRIC]
    assert mine[["section", "segment", "value", "suppressed"]].values.tolist() == [
        ["funnel", "all", str(len(make_valid_frames()["paths"])), "false"]
    ]


def test_the_new_metric_has_its_dictionary_row_and_methods_entry(with_new_metric):
    row = kpi_dictionary.dictionary_frame().set_index("metric").loc[METRIC]
    assert row["label_fr"] == WORDS["fr"][0] and row["direction"] == "higher"
    for lang, (label, definition) in WORDS.items():
        html = build_methods_body(2022, lang)
        entry = html.split(f'id="metric-{METRIC}"', 1)[1].split("</section>", 1)[0]
        assert escape(label) in entry and escape(definition) in entry
        assert "compute_paths_in_catalogue" in entry

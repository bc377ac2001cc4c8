"""A new metric added by the recipe of CONTRIBUTING.md reaches the KPI file, its
dictionary, the methods page and a notebook's key findings, with nothing else touched.

The recipe's steps are done here twice. In this process, in a throw-away registry and
catalog: a function, its declaration, its words in each language. Then to the end, on
a copy of the repository: the same function and declaration written into their
modules, the words and the headline written into both catalogs, the key finding added
to the section's notebook, and the notebook run with papermill as the README says. Its
test is this file.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from html import escape
from pathlib import Path

import pandas as pd
import pytest
from conftest import make_reference_frames, make_valid_frames
from report_runs import generate_dataset

from helpers.core.paths import NOTEBOOKS_DIR, ROOT
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


# --- the recipe followed to the end, on a copy of the repository -------------------------

HEADLINES = {
    "en": '{ one = "The catalogue listed {value} paid path.", other = "The catalogue listed {value} paid paths." }',
    "fr": '{ one = "Le catalogue comptait {value} parcours payant.", other = "Le catalogue comptait {value} parcours payants." }',
}
FUNCTION = f'''

from helpers.figures.metrics.common import single_count_frame  # noqa: E402


def compute_{METRIC}(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Paid paths listed in the catalogue at extraction."""
    return single_count_frame(ds, "{METRIC}", "SELECT count(DISTINCT path_id) FROM paths", min_cell)
'''
DECLARATION = f"""    declare(
        id="{METRIC}",
        section="funnel",
        kind="count",
        unit="paths",
        direction="higher",
        compute=funnel.compute_{METRIC},
        reads={{"paths": ("path_id",)}},
    ),
"""


def insert_after(path: Path, anchor: str, text: str) -> None:
    """Write ``text`` just after the first ``anchor`` of ``path``."""
    source = path.read_text(encoding="utf-8")
    assert anchor in source, (path.name, anchor)
    path.write_text(source.replace(anchor, anchor + text, 1), encoding="utf-8")


def add_function(root: Path) -> None:
    path = root / "src/helpers/figures/metrics/funnel.py"
    path.write_text(path.read_text(encoding="utf-8") + FUNCTION, encoding="utf-8")


def add_declaration(root: Path) -> None:
    insert_after(root / "src/helpers/figures/registry.py", "    # --- funnel ---\n", DECLARATION)


def add_words(root: Path) -> None:
    for lang, (label, definition) in WORDS.items():
        catalog = root / f"src/helpers/pages/i18n/{lang}.toml"
        insert_after(catalog, "\n[metric]\n", f'{METRIC} = "{label}"\n')
        insert_after(catalog, "\n[definition]\n", f'{METRIC} = "{definition}"\n')


def add_headline(root: Path) -> None:
    for lang, headline in HEADLINES.items():
        insert_after(
            root / f"src/helpers/pages/i18n/{lang}.toml",
            "\n[headline]\n",
            f"{METRIC} = {headline}\n",
        )


def add_key_finding(root: Path) -> None:
    path = root / "notebooks/funnel.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cell = next(c for c in notebook["cells"] if "section.key_findings(" in "".join(c["source"]))
    source = "".join(cell["source"])
    anchor = "section.key_findings(\n        [\n"
    assert anchor in source
    cell["source"] = source.replace(anchor, f'{anchor}            ("{METRIC}", "all"),\n', 1)
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


# The steps of CONTRIBUTING.md's recipe, in its order: where each writes, what it adds.
# (The metric's own test, the recipe's third step, is this file.)
RECIPE = (
    ("src/helpers/figures/metrics/", "compute_<id>", add_function),
    ("src/helpers/figures/registry.py", "declare(", add_declaration),
    ("src/helpers/pages/i18n/en.toml", "definition.<id>", add_words),
    ("src/helpers/pages/i18n/fr.toml", "headline.<id>", add_headline),
    ("notebooks/", "key_findings", add_key_finding),
)


def recipe_text() -> str:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    return text.split("## Add a metric", 1)[1].split("\n## ", 1)[0]


def test_the_recipe_names_every_place_this_test_writes_to():
    recipe = recipe_text()
    for place, what, _ in RECIPE:
        assert place in recipe and what in recipe, (place, what)
    assert "metric.<id>" in recipe


def key_findings_of(notebook: Path) -> list[tuple[str, str]]:
    """The (metric, segment) pairs of every ``section.key_findings([...])`` call."""
    found = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse("".join(cell["source"]))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "key_findings"
                and node.args
            ):
                found += [tuple(ast.literal_eval(e)) for e in node.args[0].elts]
    return found


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_key_finding_of_a_notebook_has_its_headline(lang):
    findings = {f for nb in sorted(NOTEBOOKS_DIR.glob("*.ipynb")) for f in key_findings_of(nb)}
    assert findings
    catalog = i18n.load_catalog(lang)
    keys = set(catalog) | set(i18n.list_plural_tables(lang))
    missing = [
        f"headline.{metric}"
        for metric, segment in sorted(findings)
        if f"headline.{metric}" not in keys and f"headline.{metric}_{segment}" not in keys
    ]
    assert not missing


@pytest.mark.slow
def test_the_recipe_followed_to_the_end_shows_the_new_key_finding(tmp_path):
    root = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("src", "notebooks", "data/reference"):
        shutil.copytree(ROOT / folder, root / folder, ignore=ignore)
    for _, _, step in RECIPE:
        step(root)
    data = generate_dataset(tmp_path / "data")
    executed = tmp_path / "funnel.ipynb"
    # As the README runs a notebook by hand: papermill, the project's kernel, parameters.
    done = subprocess.run(
        [Path(sys.executable).parent / "papermill", root / "notebooks/funnel.ipynb", executed]
        + ["-k", "mission-report", "-p", "year", "2022", "-p", "data_dir", str(data)]
        + ["-p", "lang", "fr"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=root / "notebooks",
        env={**os.environ, "PYTHONPATH": str(root / "src")},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    shown = "".join(
        "".join(output.get("data", {}).get("text/html", ""))
        for cell in json.loads(executed.read_text(encoding="utf-8"))["cells"]
        for output in cell.get("outputs", [])
    )
    findings = shown.split('id="key-findings"', 1)[1].split("</section>", 1)[0]
    assert "Le catalogue comptait" in findings and "parcours payants" in findings

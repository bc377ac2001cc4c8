"""The section notebooks follow the house conventions, and each runs on a tiny dataset."""

import ast
import json
import re
from pathlib import Path

import papermill
import pytest
from conftest import make_reference_frames, make_valid_frames, write_dataset

from helpers.core import params
from helpers.core.paths import NOTEBOOKS_DIR
from helpers.figures import registry
from helpers.figures.segments import SEGMENT_ORDER
from helpers.pages import i18n
from helpers.pages.sections import PAGES, SECTIONS

NOTEBOOKS = {name: NOTEBOOKS_DIR / f"{name}.ipynb" for name in (*SECTIONS, *PAGES)}
# How each notebook opens its figures, in its second code cell.
OPENERS = {
    **{name: f'open_section("{name}", ' for name in SECTIONS},
    "targets": "open_scorecard(",
    "reconciliation": "open_reconciliation(",
}
KERNELSPEC = {"name": "mission-report", "display_name": "Mission report", "language": "python"}
REPORT_YEAR = 2022


def read_notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def source(cell: dict) -> str:
    text = cell["source"]
    return "".join(text) if isinstance(text, list) else text


def tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def test_every_section_and_page_has_its_notebook():
    assert sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_parameters_cell_declares_exactly_the_report_parameters(name):
    declared = params.read_parameters_cell(NOTEBOOKS[name])
    assert tuple(declared) == params.PARAMETER_NAMES
    assert declared == params.ReportParams(year=REPORT_YEAR).as_dict()


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_clean_with_its_kernelspec(name):
    nb = read_notebook(NOTEBOOKS[name])
    assert nb["metadata"]["kernelspec"] == KERNELSPEC
    for cell in code_cells(nb):
        assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_follows_the_section_skeleton(name):
    nb = read_notebook(NOTEBOOKS[name])
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown", "the purpose comes first"
    code = code_cells(nb)
    assert "parameters" in tags(code[0])
    assert f"{OPENERS[name]}year, data_dir, lang, min_cell, output_dir)" in source(code[1])
    # Markdown cannot be translated: every markdown cell is a note for analysts only.
    assert all("analyst-note" in tags(c) for c in cells if c["cell_type"] == "markdown")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_defines_nothing_and_imports_only_display_helpers(name):
    for cell in code_cells(read_notebook(NOTEBOOKS[name])):
        tree = ast.parse(source(cell))
        for node in ast.walk(tree):
            assert not isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
            ), f"{name}: define helpers in src/helpers, not in the notebook"
            if isinstance(node, ast.Import):
                pytest.fail(f"{name}: plain import of {[a.name for a in node.names]}")
            if isinstance(node, ast.ImportFrom):
                assert node.module in ("IPython.display", "helpers.pages.sections"), node.module


@pytest.fixture(scope="module")
def run_folders(tmp_path_factory) -> dict[str, Path]:
    """A tiny dataset that meets the contract, and its run data for 2022 (nothing withheld)."""
    from helpers.figures.run_data import write_run_data
    from helpers.intake.load import load_dataset

    root = tmp_path_factory.mktemp("notebooks")
    data = write_dataset({**make_valid_frames(), **make_reference_frames()}, root / "data")
    write_run_data(load_dataset(data), REPORT_YEAR, 1, root / "run")
    return {"data": data, "run": root / "run", "root": root}


def execute(name: str, lang: str, folders: dict[str, Path]) -> dict:
    output = folders["root"] / f"{name}.{lang}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS[name]),
        str(output),
        parameters={
            "year": REPORT_YEAR,
            "data_dir": str(folders["data"]),
            "lang": lang,
            "min_cell": 1,
            "output_dir": str(folders["run"]),
        },
        kernel_name=KERNELSPEC["name"],
        cwd=str(folders["root"]),
        progress_bar=False,
    )
    return read_notebook(output)


def visible_text(nb: dict) -> str:
    """What the committee reads: the HTML outputs, without tags and embedded images."""
    html = " ".join(
        "".join(output["data"]["text/html"])
        for cell in code_cells(nb)
        for output in cell["outputs"]
        if "text/html" in output.get("data", {})
    )
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", html)


def stderr_of(nb: dict) -> list[str]:
    return [
        "".join(output["text"])
        for cell in code_cells(nb)
        for output in cell["outputs"]
        if output.get("name") == "stderr"
    ]


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_and_shows_no_key_identifier_or_warning(name, run_folders):
    nb = execute(name, "en", run_folders)
    text = visible_text(nb)
    assert i18n.t(f"{name}.title", "en") in text
    assert stderr_of(nb) == []
    assert [key for key in i18n.load_catalog("en") if key in text] == []
    # Ids with an underscore: "graduates" is also an English word.
    identifiers = [spec.id for spec in registry.METRICS if "_" in spec.id]
    identifiers += [segment for segment in SEGMENT_ORDER if "_" in segment]
    assert [i for i in identifiers if re.search(rf"\b{i}\b", text)] == []


@pytest.mark.slow
def test_a_section_renders_in_both_languages_with_the_locale_number_formats(run_folders):
    english = visible_text(execute("funding", "en", run_folders))
    french = visible_text(execute("funding", "fr", run_folders))
    assert i18n.t("funding.title", "fr") in french
    assert re.search(r"\d+\.\d%", english) and not re.search(r"\d+,\d\u00a0%", english)
    assert re.search(r"\d+,\d\u00a0%", french) and not re.search(r"\d+\.\d%", french)
    assert [key for key in i18n.load_catalog("fr") if key in french] == []


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_a_page_renders_in_french_without_a_key(name, run_folders):
    french = visible_text(execute(name, "fr", run_folders))
    assert i18n.t(f"{name}.title", "fr") in french
    assert [key for key in i18n.load_catalog("fr") if key in french] == []

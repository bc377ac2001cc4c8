"""No absolute path of the machine that built a report appears in what it publishes."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from conftest import make_reference_frames, make_valid_frames, write_dataset
from report_runs import FIXTURE_NOTEBOOKS, build_smoke_report, run_report

from helpers.core.paths import ROOT
from helpers.run.machine_paths import (
    RUN_DATA_FROM_NOTEBOOKS,
    find_machine_paths,
    machine_places,
    publish_notebook,
)

DATA = "/srv/extractions/delivery 2023"
OUT = "/srv/reports"


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    return build_smoke_report(tmp_path_factory.getbasetemp())


def executed_notebook(path: Path) -> Path:
    """A notebook as papermill leaves it: paths in its metadata, parameters and outputs."""
    nb = nbformat.v4.new_notebook()
    output_dir = f"{OUT}/.build/cache/2022-run-data-0123"
    nb.metadata["papermill"] = {
        "input_path": f"{ROOT}/notebooks/funnel.ipynb",
        "output_path": f"{OUT}/.build/2022.work-1/funnel/funnel.ipynb",
        "parameters": {"year": 2022, "data_dir": DATA, "output_dir": output_dir},
    }
    injected = nbformat.v4.new_code_cell(f'data_dir = "{DATA}"\noutput_dir = "{output_dir}"')
    injected.metadata["tags"] = ["injected-parameters"]
    shown = nbformat.v4.new_code_cell("print(output_dir)")
    shown.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output_dir + "\n")]
    nb.cells = [injected, shown]
    nbformat.write(nb, path)
    return path


def test_a_published_notebook_names_its_places_relative_to_the_report(tmp_path):
    published = tmp_path / "report" / "notebooks" / "funnel.ipynb"
    publish_notebook(executed_notebook(tmp_path / "x.ipynb"), published, "funnel", "delivery 2023")
    text = published.read_text(encoding="utf-8")
    assert "/srv" not in text and str(ROOT) not in text
    nb = nbformat.read(published, as_version=4)
    papermill = nb.metadata["papermill"]
    assert papermill["input_path"] == papermill["output_path"] == "notebooks/funnel.ipynb"
    assert papermill["parameters"] == {
        "year": 2022,
        "data_dir": "delivery 2023",
        "output_dir": RUN_DATA_FROM_NOTEBOOKS,
    }
    assert f'output_dir = "{RUN_DATA_FROM_NOTEBOOKS}"' in nb.cells[0].source
    # From the published notebooks/ folder, the run's figures are where it says.
    assert (published.parent / RUN_DATA_FROM_NOTEBOOKS).resolve() == (
        tmp_path / "report" / "run-data"
    )


def test_each_place_is_found_and_named_in_any_output(tmp_path):
    places = machine_places(Path(DATA), Path(OUT), Path(OUT) / ".build", ROOT, home="/home/ana")
    (tmp_path / "index.html").write_text(f"<p>built from <code>{DATA}</code></p>")
    (tmp_path / "run.json").write_text(json.dumps({"where": f"{OUT}/.build/cache"}))
    (tmp_path / "kpis.csv").write_text(f'a,b\n"{ROOT}/x",1\n"/home/ana",2\n')
    (tmp_path / "clean.html").write_text("<p>https://example.org/home/ana2 /home/anab</p>")
    hits = {(h.file, h.place, h.count) for h in find_machine_paths(tmp_path, places)}
    assert hits == {
        ("index.html", "data folder", 1),
        ("run.json", "build folder", 1),
        ("kpis.csv", "code checkout", 1),
        ("kpis.csv", "home folder", 1),
    }
    [hit] = [h for h in find_machine_paths(tmp_path, places) if h.file == "index.html"]
    assert DATA not in hit.describe()


def test_the_file_system_root_is_not_a_place(tmp_path):
    places = machine_places(Path(DATA), Path(OUT), Path(OUT) / ".build", ROOT, home="/")
    assert "/" not in places and "" not in places
    assert set(places.values()) == {"data folder", "output folder", "build folder", "code checkout"}


@pytest.mark.slow
def test_no_output_of_a_run_holds_a_folder_of_the_machine(smoke):
    assert smoke.result.returncode == 0, smoke.result.stderr
    places = [str(smoke.data), str(smoke.out), str(ROOT), str(Path.home())]
    for path in sorted(p for p in smoke.folder.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="ignore")
        assert not [p for p in places if p in text], path.name
    provenance = json.loads((smoke.folder / "run-data" / "run.json").read_text())
    assert provenance["dataset"]["name"] == smoke.data.name
    assert len(provenance["dataset"]["fingerprint"]) >= 16


@pytest.mark.slow
def test_a_report_whose_output_shows_a_machine_path_is_refused(tmp_path):
    data = write_dataset({**make_valid_frames(), **make_reference_frames()}, tmp_path / "data")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = json.loads((FIXTURE_NOTEBOOKS / "good.ipynb").read_text())
    cell = nbformat.v4.new_code_cell("from pathlib import Path\nprint(Path.home())")
    nb["cells"].append(json.loads(json.dumps(cell)))
    (notebooks / "good.ipynb").write_text(json.dumps(nb))
    result = run_report(
        "--year", "2022", "--data", str(data), "--out", str(tmp_path / "out"),
        "--notebooks", str(notebooks), "--min-cell", "1",
    )  # fmt: skip
    assert result.returncode == 1
    assert "good.html holds the absolute path of the home folder" in result.stderr
    assert not (tmp_path / "out" / "2022").exists()

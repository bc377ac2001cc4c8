"""What the report is measured against, and the command lines of the report itself.

``naive``: papermill then nbconvert, notebook after notebook, as a user of the standard
tools would chain them. ``floor``: the report's own orchestration over notebooks that
only import their libraries. ``ploomber``: the same notebooks as a Ploomber pipeline
with its parallel executor and HTML products, what an analyst would pick to run
notebooks in parallel.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from helpers.bench.measure import run_command
from helpers.core.layout import SECTION_ORDER
from helpers.core.paths import NOTEBOOKS_DIR, OUTPUTS_DIR, ROOT

BIN = Path(sys.executable).parent
NOTEBOOK_CACHE = OUTPUTS_DIR / ".cache"
KERNEL_NAME = "mission-report"
# The libraries every section notebook imports (through helpers.pages.sections) and nothing else.
FLOOR_IMPORTS = (
    "import matplotlib.pyplot\n"
    "import pandas\n"
    "import seaborn\n"
    "from IPython.display import display\n\n"
    "import helpers.pages.sections"
)


def report_command(
    year: int,
    data: Path,
    out: Path,
    notebooks: Path = NOTEBOOKS_DIR,
    cold: bool = True,
    lang: str = "en",
) -> list[str | Path]:
    """The command line of ``make report``, into ``out``; ``cold`` reuses nothing."""
    command: list[str | Path] = [BIN / "python", "-m", "helpers.report", "--year", str(year)]
    command += ["--data", data, "--out", out, "--notebooks", notebooks, "--lang", lang]
    return command + (["--no-cache"] if cold else [])


def make_report_command(year: int, out: Path) -> list[str | Path]:
    """``make report`` itself, its dataset check included, on the default data."""
    return ["make", "-s", "-C", ROOT, "report", f"YEAR={year}", f"OUT={out}"]


def section_notebooks(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The section notebooks, in reading order."""
    return [p for name in SECTION_ORDER if (p := folder / f"{name}.ipynb").exists()]


def write_floor_notebooks(folder: Path) -> Path:
    """Copies of the section notebooks that keep the parameters cell and only import."""
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    for source in section_notebooks():
        nb = nbformat.read(source, as_version=4)
        parameters = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        nb.cells = parameters + [nbformat.v4.new_code_cell(FLOOR_IMPORTS)]
        nbformat.write(nb, folder / source.name)
    return folder


def forget_notebook_figures() -> None:
    """Forget the run data that notebooks run by hand computed before: peers start cold."""
    shutil.rmtree(NOTEBOOK_CACHE / "run-data", ignore_errors=True)


def run_naive_chain(year: int, data: Path, out: Path, env: Mapping[str, str]) -> None:
    """papermill, then nbconvert, per notebook (the first computes the run's figures)."""
    forget_notebook_figures()
    out.mkdir(parents=True, exist_ok=True)
    for notebook in section_notebooks():
        executed = out / notebook.name
        parameters = ["-p", "year", str(year), "-p", "data_dir", str(data)]
        run_command(
            [BIN / "papermill", notebook, executed, *parameters, "--log-level", "ERROR"], env
        )
        run_command([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", executed], env)


def ploomber_command(year: int, data: Path, out: Path, processes: int) -> list[str | Path]:
    """The pipeline run in a process of its own (``python -m helpers.bench.peers``)."""
    return [BIN / "python", "-m", "helpers.bench.peers", str(year), data, out, str(processes)]


def run_ploomber(year: int, data: Path, out: Path, processes: int = 2) -> None:
    """Build the section notebooks as a Ploomber DAG: the first notebook computes the
    figures, the others depend on it and run in parallel; each product is an HTML page
    without the code (``exclude_input``), as the report's pages."""
    from ploomber import DAG
    from ploomber.executors import Parallel
    from ploomber.products import File
    from ploomber.tasks import NotebookRunner

    forget_notebook_figures()
    out.mkdir(parents=True, exist_ok=True)
    dag = DAG(executor=Parallel(processes=processes))
    tasks = [
        NotebookRunner(
            notebook,
            File(out / f"{notebook.stem}.html"),
            dag=dag,
            name=notebook.stem,
            params={"year": year, "data_dir": str(data)},
            kernelspec_name=KERNEL_NAME,
            nbconvert_export_kwargs={"exclude_input": True},
            static_analysis="disable",
            local_execution=True,
        )
        for notebook in section_notebooks()
    ]
    for task in tasks[1:]:
        tasks[0] >> task
    dag.build(force=True, show_progress=False)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers.bench.peers YEAR DATA OUT PROCESSES``: the Ploomber pipeline."""
    year, data, out, processes = argv if argv is not None else sys.argv[1:]
    run_ploomber(int(year), Path(data), Path(out), int(processes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What the report is measured against, and the command lines of the report itself.

``naive``: papermill then nbconvert, notebook after notebook, as a user of the standard
tools would chain them. ``floor``: the report's own orchestration over notebooks that
only import their libraries. ``ploomber``: the same notebooks as a Ploomber pipeline
with its parallel executor and HTML products, what an analyst would pick to run
notebooks in parallel; it runs in the benchmark's own environment
(``helpers.bench.ploomber_pipeline``).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from helpers.bench.measure import run_command
from helpers.core.layout import SECTION_ORDER
from helpers.core.paths import NOTEBOOKS_DIR, OUTPUTS_DIR, ROOT

BIN = Path(sys.executable).parent
# The benchmark's own environment (``make bench`` creates it): the peers' tools, which
# the analyst's environment does not hold.
BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
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
    """The pipeline run by the benchmark's own environment
    (``helpers.bench.ploomber_pipeline``), on the section notebooks."""
    command: list[str | Path] = [BENCH_PYTHON, "-m", "helpers.bench.ploomber_pipeline"]
    command += [str(year), data, out, str(processes), KERNEL_NAME]
    return command + section_notebooks()


def ploomber_environment() -> dict[str, str]:
    """What the pipeline's process adds to the environment: the package's source (it
    is not installed in the benchmark's environment), the analyst's Jupyter folder,
    where the project's kernel is registered, and no usage statistics."""
    return {
        "PYTHONPATH": str(ROOT / "src"),
        "JUPYTER_PATH": str(BIN.parent / "share" / "jupyter"),
        "PLOOMBER_STATS_ENABLED": "false",
    }


def run_ploomber(
    year: int, data: Path, out: Path, processes: int, env: Mapping[str, str] | None = None
) -> None:
    """The Ploomber peer, cold: the figures notebooks computed before are forgotten."""
    forget_notebook_figures()
    run_command(
        ploomber_command(year, data, out, processes), {**(env or {}), **ploomber_environment()}
    )

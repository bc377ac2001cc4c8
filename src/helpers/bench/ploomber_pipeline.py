"""The Ploomber peer: the section notebooks as a Ploomber pipeline.

It runs in the benchmark's own environment (``.venv-bench``, from
``requirements-bench.lock``, created by ``make bench`` on first use), never in the
analyst's: Ploomber registers a Jupyter server extension that replaces JupyterLab's
contents manager, and pulls notebook 6, nbclassic and jupytext. So this module imports
the standard library and Ploomber alone, nothing of the package; ``helpers.bench.peers``
starts it with the notebooks to run, and the notebooks run on the project's kernel
(``mission-report``, found through ``JUPYTER_PATH``).

``python -m helpers.bench.ploomber_pipeline YEAR DATA OUT PROCESSES KERNEL NOTEBOOK...``
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path


def run_pipeline(
    year: int, data: Path, out: Path, processes: int, kernel: str, notebooks: Sequence[Path]
) -> None:
    """Build the notebooks as a Ploomber DAG: the first notebook computes the figures,
    the others depend on it and run in parallel; each product is an HTML page without
    the code (``exclude_input``), as the report's pages."""
    from ploomber import DAG
    from ploomber.executors import Parallel
    from ploomber.products import File
    from ploomber.tasks import NotebookRunner

    out.mkdir(parents=True, exist_ok=True)
    dag = DAG(executor=Parallel(processes=processes))
    tasks = [
        NotebookRunner(
            notebook,
            File(out / f"{notebook.stem}.html"),
            dag=dag,
            name=notebook.stem,
            params={"year": year, "data_dir": str(data)},
            kernelspec_name=kernel,
            nbconvert_export_kwargs={"exclude_input": True},
            static_analysis="disable",
            local_execution=True,
        )
        for notebook in notebooks
    ]
    for task in tasks[1:]:
        tasks[0] >> task
    dag.build(force=True, show_progress=False)


def main(argv: Sequence[str] | None = None) -> int:
    year, data, out, processes, kernel, *notebooks = argv if argv is not None else sys.argv[1:]
    run_pipeline(
        int(year), Path(data), Path(out), int(processes), kernel, list(map(Path, notebooks))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

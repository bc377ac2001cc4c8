"""The kernel machinery (``helpers.run.kernels``): failures named as JupyterLab shows
them, a kernel that dies mid-run, and no process left behind when a run is stopped.

The naming tests read hand-made executed notebooks (fast); the others start real
kernels and processes (slow).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from helpers.core.paths import ROOT
from helpers.run.kernels.failures import describe_cell, locate_running_cell

CELL_IDS = itertools.count()


def code(source: str, count: int | None, **metadata) -> dict:
    return {
        "id": str(next(CELL_IDS)),
        "cell_type": "code",
        "execution_count": count,
        "metadata": metadata,
        "outputs": [],
        "source": source,
    }


def executed_notebook(path: Path, cells: list[dict]) -> Path:
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4}), "utf-8")
    return path


BANNER = {
    "cell_type": "markdown",
    "metadata": {"tags": ["papermill-error-cell-tag"]},
    "source": "An Exception was encountered at ...",
}
STARTED = {"papermill": {"start_time": "2022-01-01T00:00:00"}}


def test_a_failing_cell_is_named_by_its_count_and_first_line(tmp_path):
    # As papermill leaves it: a banner first, the injected parameters, then the source's
    # cells; nbclient's index (4) counts the cells without the banner.
    nb = executed_notebook(
        tmp_path / "raises.ipynb",
        [
            BANNER,
            {"cell_type": "markdown", "metadata": {}, "source": "# Failing section"},
            code("year = 2022", 1, tags=["parameters"]),
            code("# Parameters\nyear = 2023", 2, tags=["injected-parameters"]),
            code("share = 1", 3),
            code("\n  share / 0  \nprint(share)", 4),
            code('print("never reached")', None),
        ],
    )
    assert describe_cell(nb, 4) == 'cell [4] "share / 0"'


def test_a_cell_that_never_ran_shows_an_empty_count_and_long_lines_are_cut(tmp_path):
    nb = executed_notebook(tmp_path / "nb.ipynb", [code("x = " + "1" * 100, None)])
    described = describe_cell(nb, 0)
    assert described.startswith('cell [ ] "x = 111')
    assert described.endswith('…"') and len(described) < 80


def test_a_cell_whose_kernel_died_before_counting_it_takes_the_next_count(tmp_path):
    # The kernel can die before its count reaches the notebook: the cell started (papermill
    # stamped it), so it took one more than the cell before it.
    nb = executed_notebook(
        tmp_path / "dies.ipynb",
        [
            code("year = 2022", 1, tags=["parameters"]),
            {"cell_type": "markdown", "metadata": {}, "source": "Note"},
            code("x = 1", 3),
            code("import os\nos._exit(3)", None, **STARTED),
            code("y = 2", None),
        ],
    )
    assert locate_running_cell(nb) == 'cell [4] "import os"'
    assert describe_cell(nb, 4) == 'cell [ ] "y = 2"'


def test_an_unknown_cell_or_unreadable_notebook_is_not_named(tmp_path):
    nb = executed_notebook(tmp_path / "nb.ipynb", [code("x = 1", 1)])
    assert describe_cell(nb, 5) is None
    assert describe_cell(nb, None) is None
    assert describe_cell(tmp_path / "missing.ipynb", 0) is None


def test_the_running_cell_is_the_last_one_papermill_started(tmp_path):
    nb = executed_notebook(
        tmp_path / "hangs.ipynb",
        [
            code("x = 1", 1, **STARTED),
            code("import time\ntime.sleep(60)", 2, **STARTED),
            code("y = 2", None),
        ],
    )
    assert locate_running_cell(nb) == 'cell [2] "import time"'


# --- real kernels and processes --------------------------------------------------------


def notebook(path: Path, *sources: str) -> Path:
    cells = [code("year = 2022", None, tags=["parameters"])]
    cells += [code(s, None) for s in sources]
    kernelspec = {"name": "mission-report", "display_name": "Mission report", "language": "python"}
    path.write_text(
        json.dumps(
            {"cells": cells, "metadata": {"kernelspec": kernelspec}, "nbformat": 4,
             "nbformat_minor": 5}
        ),
        "utf-8",
    )  # fmt: skip
    return path


@pytest.mark.slow
def test_a_kernel_that_dies_mid_run_fails_its_section_with_a_clear_error(tmp_path):
    from helpers.run.kernels.runner import KERNEL_NAME, SectionTask, WarmKernel, perform_task

    source = notebook(tmp_path / "dies.ipynb", "x = 1", "import os\nos._exit(3)", "y = 2")
    task = SectionTask("dies", str(source), str(tmp_path / "out"), {"year": 2022}, site=None)
    kernel = WarmKernel(KERNEL_NAME, str(tmp_path))
    kernel.wait_until_warm()

    result = perform_task(task, kernel)

    assert not result.ok
    assert result.error == "DeadKernelError: the kernel died"
    # Counts: the parameters cell, the injected parameters, then "x = 1".
    assert result.cell == 'cell [4] "import os"'
    assert not kernel.is_alive()


POOL_SCRIPT = """
import sys, time
from pathlib import Path
from helpers.run.kernels import WorkerPool

pool = WorkerPool(2, Path(sys.argv[1]))
pool.start()
try:
    ready = 0
    while ready < 2:
        message = pool.receive(1.0)
        ready += message is not None and message[0] == "ready"
    print("ready", flush=True)
    time.sleep(600)
finally:
    pool.stop()
"""


def descendants(pid: int) -> set[int]:
    """Every living process started, directly or not, by ``pid``."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name, in brackets, may hold spaces: fields follow the last ")".
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    left = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":  # a zombie has ended; only its status is left to collect
            left.add(pid)
    return left


def wait_until_gone(pids: set[int], patience: float = 30.0) -> set[int]:
    deadline = time.monotonic() + patience
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(pids)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_run_leaves_no_worker_server_or_kernel_behind(tmp_path, signum):
    # SIGINT is Ctrl-C (the pool is stopped on the way out); SIGTERM without a handler
    # and SIGKILL end the main process at once, leaving the children to end themselves.
    run = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(POOL_SCRIPT), str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert run.stdout.readline().strip() == "ready"
        children = descendants(run.pid)
        # Two workers, the fork server and the two warm kernels it forked, at least.
        assert len(children) >= 5
        os.kill(run.pid, signum)
        run.wait(timeout=60)
        assert wait_until_gone(children) == set()
    finally:
        run.kill()
        run.wait()
        run.stdout.close()


@pytest.mark.slow
def test_kernels_are_forked_by_the_server_and_warm(tmp_path):
    from helpers.run.kernels.forked_kernel import ForkedProcess
    from helpers.run.kernels.forkserver import ForkServer
    from helpers.run.kernels.runner import KERNEL_NAME, WarmKernel

    server = ForkServer(tmp_path)
    server.start()
    try:
        # Until the server listens, a kernel is started the usual way (as it should).
        deadline = time.monotonic() + 60
        while not Path(server.address).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        for _ in range(2):  # each kernel a fresh copy
            kernel = WarmKernel(KERNEL_NAME, str(tmp_path), server.address)
            try:
                kernel.wait_until_warm()
                assert isinstance(kernel.km.provisioner.process, ForkedProcess)
                assert kernel.is_alive()
            finally:
                kernel.shutdown()
    finally:
        server.stop()


UNFINISHED_COROUTINES = """
import asyncio, gc, sys
if sys.argv[1] == "quiet":
    from helpers.run.kernels.runner import _quiet_libraries
    _quiet_libraries()
async def waiting():
    await asyncio.sleep(60)
async def never_awaited():
    pass
loop = asyncio.new_event_loop()
task = loop.create_task(waiting())
loop.run_until_complete(asyncio.sleep(0))
del task
never_awaited()
gc.collect()
"""


@pytest.mark.parametrize("quiet", [False, True], ids=["a bare process", "a worker"])
def test_a_worker_stopped_mid_start_says_nothing_of_its_unfinished_coroutines(quiet):
    # A worker stopped while its kernel starts or shuts down (the run failed before any
    # section) leaves coroutines pending: asyncio's complaints, with this machine's paths,
    # would land in the run's own error output.
    result = subprocess.run(
        [sys.executable, "-c", UNFINISHED_COROUTINES, "quiet" if quiet else "bare"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        check=True,
    )
    said = result.stderr
    if quiet:
        assert said == ""
    else:  # what the worker would say unquieted: the test can tell
        assert "Task was destroyed but it is pending" in said and "never awaited" in said

"""Section notebooks executed with papermill and rendered, in worker processes.

Each worker owns one kernel at a time and never reuses it: a kernel runs one notebook
and is shut down, so sections stay independent. What makes this fast is that kernels
are copies of a fork server that has imported the heavy libraries once
(``helpers.run.kernels.forkserver``), and that a worker starts its next kernel *before* the notebook
arrives: while the main process validates the data and computes the figures, and while
the worker renders the previous notebook. A kernel the server cannot give (another
kernel declared, the server gone) is started the usual way. Workers are processes,
never threads (papermill and the kernels change the working directory).
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import queue
import signal
import subprocess
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from helpers.core.notebook_format import import_nbformat
from helpers.pages.render import Site
from helpers.run.kernels.failures import describe_cell, locate_running_cell
from helpers.run.kernels.forkserver import SECTION_MODULES
from helpers.run.kernels.processes import die_with_parent, exit_on_sigterm

KERNEL_NAME = "mission-report"
# What every section imports (the fork server's list): a warm kernel has them loaded,
# its namespace untouched, whether forked or started the usual way.
WARM_MODULES = SECTION_MODULES
WARM_CODE = (
    "import importlib as _importlib\n"
    f"for _name in {WARM_MODULES!r}:\n"
    "    try:\n"
    "        _importlib.import_module(_name)\n"
    "    except ImportError:\n"
    "        pass\n"
    "del _importlib, _name\n"
)
KERNEL_START_TIMEOUT = 120.0
PARENT_CHECK_SECONDS = 0.5


@dataclass(frozen=True)
class SectionTask:
    """One notebook to execute and render.

    Attributes
    ----------
    name : str
        The section, e.g. ``funnel`` (notebook ``funnel.ipynb``, page ``funnel.html``).
    notebook : str
        The source notebook.
    folder : str
        Where the executed notebook and the page are written.
    parameters : dict
        Injected by papermill.
    site : Site
        The report the page belongs to.
    cell_timeout : float or None
        Seconds a cell may run before it is stopped; None waits forever.
    warm_next : bool
        Start and warm another kernel after this one (more sections are coming).
    """

    name: str
    notebook: str
    folder: str
    parameters: dict[str, Any]
    site: Site
    cell_timeout: float | None = None
    warm_next: bool = False

    @property
    def executed_path(self) -> Path:
        return Path(self.folder) / f"{self.name}.ipynb"

    @property
    def page_path(self) -> Path:
        return Path(self.folder) / f"{self.name}.html"


@dataclass(frozen=True)
class SectionResult:
    """What became of a task: timings, or the one-line reason it failed."""

    name: str
    ok: bool
    executed_s: float = 0.0
    rendered_s: float = 0.0
    waited_s: float = 0.0
    hidden_stderr: int = 0
    # The failing cell as JupyterLab shows it: execution count and first line.
    cell: str | None = None
    error: str = ""
    executed_path: str = ""


class WarmKernel:
    """A kernel started ahead of need, importing ``WARM_MODULES`` in the background.

    With ``forks``, the address of a fork server, the project's kernel is a copy of the
    server, its modules already imported; other kernels, or all when the server fails,
    start as new processes.
    """

    def __init__(self, kernel_name: str, cwd: str, forks: str | None = None) -> None:
        self.kernel_name = kernel_name
        self.km = None
        if forks and kernel_name == KERNEL_NAME:
            with contextlib.suppress(OSError, RuntimeError):
                self.km = start_kernel(kernel_name, cwd, forks)
        if self.km is None:
            self.km = start_kernel(kernel_name, cwd)
        self._client = self.km.blocking_client()
        # Only the shell channel: the warm-up's reply is all we wait for. ZeroMQ queues
        # the request until the kernel is up, so nothing here waits for it.
        self._client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        self._request = self._client.execute(WARM_CODE, silent=True, store_history=False)
        self._ready = False

    def wait_until_warm(self, timeout: float = KERNEL_START_TIMEOUT) -> None:
        """Block until the kernel has imported the warm modules."""
        deadline = time.monotonic() + timeout
        while not self._ready:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"kernel {self.kernel_name} did not start in {timeout:.0f} s")
            try:
                reply = self._client.get_shell_msg(timeout=min(remaining, 1.0))
            except queue.Empty:
                if not self.is_alive():
                    raise RuntimeError(f"kernel {self.kernel_name} died while starting") from None
                continue
            if reply["parent_header"].get("msg_id") == self._request:
                self._ready = True
        self._client.stop_channels()

    def is_alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return bool(run_sync(self.km.is_alive)())

    def shutdown(self) -> None:
        """Stop the kernel at once (it ran its one notebook, or is no longer needed)."""
        from jupyter_core.utils import run_sync

        with contextlib.suppress(Exception):
            self._client.stop_channels()
        with contextlib.suppress(Exception):
            run_sync(self.km.shutdown_kernel)(now=True)


def start_kernel(kernel_name: str, cwd: str, forks: str | None = None) -> Any:
    """A started kernel manager: a kernel forked by the server at ``forks``, or a new
    process; raises OSError when the fork server gives no kernel."""
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name=kernel_name)
    if forks:
        from helpers.run.kernels.forked_kernel import ForkProvisioner

        km.kernel_id = str(uuid.uuid4())
        provisioner = ForkProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
        provisioner.address = forks
        km.provisioner = provisioner
    try:
        # The kernel's own log (not the notebook's output, which papermill collects)
        # would interleave with the report's progress lines.
        run_sync(km.start_kernel)(cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except BaseException:
        with contextlib.suppress(Exception):
            run_sync(km.cleanup_resources)()
        raise
    return km


def serve(
    worker: int, tasks: Any, results: Any, parent: int, cwd: str, forks: str | None = None
) -> None:
    """The worker's loop: warm a kernel, then execute and render the tasks it is sent.

    Runs until it receives ``None``, or its parent is gone (killed: the worker must not
    outlive it, nor leave kernels behind). ``forks`` is the fork server's address.
    """
    # Linux sends SIGTERM to this worker when the main process dies, even by SIGKILL,
    # so no worker (and, through ipykernel's parent polling, no kernel) outlives a run.
    die_with_parent(parent, signal.SIGTERM)
    exit_on_sigterm()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    started = time.monotonic()
    kernel: WarmKernel | None = None
    try:
        _quiet_libraries()
        # Imported while the fork server imports the kernels' libraries.
        _import_heavy_modules()
        kernel = WarmKernel(KERNEL_NAME, cwd, forks)
        kernel.wait_until_warm()
        results.put(("ready", worker, time.monotonic() - started))
        while True:
            task = _next_task(tasks, parent)
            if task is None:
                return
            kernel = run_task(task, kernel, cwd, results, worker, forks)
    finally:
        if kernel is not None:
            kernel.shutdown()


def run_task(
    task: SectionTask,
    kernel: WarmKernel | None,
    cwd: str,
    results: Any,
    worker: int,
    forks: str | None = None,
) -> WarmKernel | None:
    """Execute and render one task on ``kernel``; return the next warm kernel, if any."""
    kernel_name = read_kernel_name(Path(task.notebook))
    if kernel is None or kernel.kernel_name != kernel_name:
        if kernel is not None:
            kernel.shutdown()
        kernel = WarmKernel(kernel_name, cwd, forks)
    waited = time.monotonic()
    kernel.wait_until_warm()
    waited = time.monotonic() - waited
    # The next kernel warms up while this notebook runs and renders, so it is ready
    # when the next section arrives.
    following = WarmKernel(KERNEL_NAME, cwd, forks) if task.warm_next else None
    result = perform_task(task, kernel)
    results.put(("done", worker, replace(result, waited_s=waited)))
    return following


def perform_task(task: SectionTask, kernel: WarmKernel) -> SectionResult:
    """Execute the task's notebook on ``kernel`` (then shut it down) and render its page."""
    Path(task.folder).mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        failure = execute_notebook(task, kernel)
    finally:
        kernel.shutdown()
        exit_on_sigterm()  # nbclient replaced the handler meanwhile
    result = SectionResult(
        task.name,
        ok=False,
        executed_s=time.monotonic() - started,
        executed_path=str(task.executed_path),
    )
    if failure is not None:
        return replace(result, cell=failure[0], error=failure[1])
    started = time.monotonic()
    try:
        hidden = render_section(task)
    except Exception as error:  # a page that cannot be rendered fails its section only
        return replace(result, error=f"rendering failed: {type(error).__name__}: {error}")
    return replace(result, ok=True, rendered_s=time.monotonic() - started, hidden_stderr=hidden)


def execute_notebook(task: SectionTask, kernel: WarmKernel) -> tuple[str | None, str] | None:
    """Run the task's notebook with papermill on ``kernel``.

    Returns
    -------
    None when every cell ran, else (the failing cell as JupyterLab shows it in the
    executed notebook, ``cell [4] "share / 0"``, or None when unknown; the error's last
    line).
    """
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(
            task.notebook,
            str(task.executed_path),
            parameters=task.parameters,
            kernel_name=kernel.kernel_name,
            km=kernel.km,
            progress_bar=False,
            # Saved as each cell starts, so a cell that hangs or kills the kernel is
            # found, and shown, in the executed notebook.
            request_save_on_cell_execute=True,
            execution_timeout=task.cell_timeout,
        )
    except PapermillExecutionError as error:
        return describe_cell(task.executed_path, error.cell_index), f"{error.ename}: {error.evalue}"
    except CellTimeoutError:
        return (
            locate_running_cell(task.executed_path),
            f"TimeoutError: the cell ran for more than {task.cell_timeout:g} s (--cell-timeout)",
        )
    except DeadKernelError:
        return locate_running_cell(task.executed_path), "DeadKernelError: the kernel died"
    except Exception as error:  # any other failure is the notebook's too
        return locate_running_cell(task.executed_path), f"{type(error).__name__}: {error}"
    return None


def render_section(task: SectionTask) -> int:
    """Write the task's page from its executed notebook; return the hidden stderr count."""
    from helpers.pages.render import render_notebook, write_page

    nb = import_nbformat().read(task.executed_path, as_version=4)
    page = render_notebook(nb, task.site, task.page_path.name)
    write_page(page.html, task.page_path)
    return page.hidden_stderr


def read_kernel_name(notebook: Path) -> str:
    """The kernel a notebook declares (the project's kernel when it declares none)."""
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return KERNEL_NAME
    return nb.get("metadata", {}).get("kernelspec", {}).get("name") or KERNEL_NAME


def _next_task(tasks: Any, parent: int) -> SectionTask | None:
    while True:
        try:
            return tasks.get(timeout=PARENT_CHECK_SECONDS)
        except queue.Empty:
            if os.getppid() != parent:
                return None


def _quiet_libraries() -> None:
    # Papermill and nbclient log every step; the orchestrator reports what matters.
    for name in ("papermill", "nbclient", "traitlets", "nbconvert"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    # A worker stopped while its kernel starts or shuts down (a run that failed before
    # any section) leaves the kernel manager's coroutines unfinished. What asyncio says
    # of them at exit is no message of the run's, and it names this machine's paths.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", "coroutine .* was never awaited", RuntimeWarning)


def _import_heavy_modules() -> None:
    # Imported (and nbconvert's templates loaded) while the kernel starts, not after.
    import_nbformat()
    import papermill  # noqa: F401

    from helpers.pages.render import build_exporter

    build_exporter()


class WorkerPool:
    """Worker processes (one per core by default) fed sections from the main process,
    and the fork server their kernels come from."""

    def __init__(self, size: int, cwd: Path) -> None:
        from helpers.run.kernels.forkserver import ForkServer

        context = multiprocessing.get_context("spawn")
        self.forks = ForkServer(cwd)
        self.results = context.Queue()
        self._queues = [context.Queue() for _ in range(size)]
        self._processes = [
            context.Process(
                target=serve,
                args=(i, self._queues[i], self.results, os.getpid(), str(cwd), self.forks.address),
                name=f"report-worker-{i}",
                daemon=True,
            )
            for i in range(size)
        ]

    @property
    def size(self) -> int:
        return len(self._processes)

    def start(self) -> None:
        self.forks.start()
        for process in self._processes:
            process.start()

    def send(self, worker: int, task: SectionTask) -> None:
        self._queues[worker].put(task)

    def receive(self, timeout: float) -> tuple[Any, ...] | None:
        """The next message of a worker, or None after ``timeout`` seconds."""
        try:
            return self.results.get(timeout=timeout)
        except queue.Empty:
            return None

    def find_dead_worker(self) -> int | None:
        for i, process in enumerate(self._processes):
            if process.exitcode is not None:
                return i
        return None

    def stop(self, grace: float = 3.0) -> None:
        """Stop every worker: asked first, terminated, then killed if still there."""
        for i, process in enumerate(self._processes):
            if process.is_alive():
                with contextlib.suppress(Exception):
                    self._queues[i].put(None)
        deadline = time.monotonic() + grace
        for process in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in self._processes:
            if process.is_alive():
                process.terminate()
                process.join(grace)
            if process.is_alive():
                process.kill()
                process.join()
        for q in [*self._queues, self.results]:
            q.close()
            q.cancel_join_thread()
        self.forks.stop()

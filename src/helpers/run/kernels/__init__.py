"""Jupyter kernels that run the section notebooks, started warm and reused.

Interface (what ``helpers.report`` uses)
----------------------------------------
``WorkerPool(size, cwd)``
    ``size`` worker processes and one fork server, started by ``start()``. Each worker
    warms a kernel, says ``("ready", worker, seconds)`` on ``receive(timeout)``, then
    executes and renders every ``SectionTask`` it is ``send(worker, task)``, answering
    ``("done", worker, SectionResult)``. ``receive`` gives None after ``timeout``;
    ``find_dead_worker()`` names a worker that stopped; ``stop()`` ends everything.
``SectionTask``
    One notebook: its name, source, output folder, papermill parameters, the ``Site``
    its page belongs to, a per-cell timeout, and whether to warm another kernel next.
``SectionResult``
    ``ok``, timings, and on failure ``cell`` (the cell as JupyterLab shows it,
    ``cell [4] "share / 0"``) and ``error`` (one line).

Lifecycle
---------
A kernel runs one notebook and is shut down; the next one is already warm (forked by
the fork server with the sections' libraries imported, or started the usual way when
the server cannot give one). ``stop()`` asks the workers to end, then terminates and
kills them; the server's kernels end with the server.

Failure modes
-------------
A cell that raises, runs past its timeout, or kills its kernel fails its section only:
``SectionResult.ok`` is False and ``cell``/``error`` say where and why (a dead kernel
reads ``DeadKernelError: the kernel died``). A worker that stops is seen by
``find_dead_worker()``. SIGTERM to a worker or the server unwinds it (kernels shut
down); if the main process is killed, even by SIGKILL, Linux stops its workers and its
server, and the server's end stops its kernels: no process outlives a run.

Modules
-------
``runner``       the pool, its workers' loop, warm kernels, executing and rendering
``forkserver``   the process that imports the libraries once and forks kernels
``forked_kernel`` how jupyter_client drives a forked kernel (provisioner, process)
``failures``     naming the cell where a notebook stopped
``processes``    dying with the parent, signals turned into orderly exits
"""

from __future__ import annotations

from typing import Any

# Imported on first use: the fork server imports this package too, and must set up
# matplotlib's backend before anything here would import the pages' modules.
_EXPORTS = ("KERNEL_NAME", "SectionResult", "SectionTask", "WarmKernel", "WorkerPool")

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        from helpers.run.kernels import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

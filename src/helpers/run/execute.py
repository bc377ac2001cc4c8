"""Executing the section notebooks of a run, in every language it builds, on warm kernels.

``start_pool`` starts the worker processes (``helpers.run.kernels.runner``);
``section_tasks`` turns the sections to run of each language into tasks, longest first
(as last measured) so that no worker idles at the end; ``execute_sections`` hands them
to the workers as they free up and ``record_result`` puts each success into the cache
(or keeps a failure's executed notebook aside for inspection). The first failure stops
new sections from starting; those already running finish, then every failure is
reported, one line each.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from helpers.core.atomic import write_text_atomically
from helpers.core.paths import DEFAULT_DATA_DIR
from helpers.pages.render import Site
from helpers.run import publish
from helpers.run.plan import Plan, ReportFailure, ReportOptions, Section
from helpers.run.progress import Progress

DURATIONS_FILE = "durations.json"
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class LanguageRun:
    """One language of a run: its options, plan, pages' shared parts and figures."""

    options: ReportOptions
    plan: Plan
    site: Site
    run_dir: Path
    # The committee's texts of the year, checked (helpers.intake.committee.Committee).
    committee: Any = None


def start_pool(workers: int, notebooks_dir: Path) -> Any:
    """Start ``workers`` worker processes, each warming a kernel."""
    from helpers.run.kernels.runner import WorkerPool

    pool = WorkerPool(workers, notebooks_dir)
    pool.start()
    return pool


def section_tasks(
    runs: Sequence[LanguageRun], work: Path, durations: dict[str, float]
) -> list[tuple[Any, Section, ReportOptions]]:
    """The tasks of every section to run, longest first (unmeasured ones count as long),
    so that the last section to finish is a short one."""
    from helpers.run.kernels.runner import SectionTask

    tasks = []
    for run in runs:
        options = run.options
        parameters = options.params.replace(
            data_dir=None
            if same_folder(options.data_dir, DEFAULT_DATA_DIR)
            else str(options.data_dir),
            output_dir=str(run.run_dir),
        ).as_dict()
        for section in run.plan.to_run:
            task = SectionTask(
                name=section.name,
                notebook=str(section.notebook),
                folder=str(work / f"{options.lang}-{section.name}"),
                parameters=parameters,
                site=run.site,
                cell_timeout=options.cell_timeout,
            )
            tasks.append((task, section, options))
    return sorted(tasks, key=lambda t: -durations.get(t[1].name, float("inf")))


def execute_sections(
    pool: Any, runs: Sequence[LanguageRun], work: Path, out: Path, progress: Progress
) -> None:
    """Run the sections to run of every language on the pool; each success goes into
    the cache. Raises ReportFailure naming every failed notebook."""
    durations = read_durations(out)
    tasks = section_tasks(runs, work, durations)
    by_folder = {Path(task.folder): (section, options) for task, section, options in tasks}
    pending = deque(task for task, _, _ in tasks)
    pages_prepared = False
    warm: set[int] = set()  # workers holding a warm kernel
    idle: list[int] = []
    running = 0
    names: set[str] = set()  # the sections running
    failures: list[str] = []
    while pending or running:
        message = pool.receive(POLL_SECONDS)
        if message is None:
            dead = pool.find_dead_worker()
            if dead is not None:
                raise ReportFailure(f"report failed: worker {dead} stopped unexpectedly")
            continue
        kind, worker, payload = message
        if kind == "ready":
            progress.say(f"kernel {worker + 1}: warm in {payload:.1f}s")
            warm.add(worker)
        else:
            running -= 1
            names.discard(payload.name)
            durations[payload.name] = round(payload.executed_s + payload.rendered_s, 2)
            section, options = by_folder[Path(payload.executed_path).parent]
            failure = record_result(payload, section, options, progress)
            if failure:
                failures.append(failure)
                pending.clear()
        idle.append(worker)
        running += dispatch(pool, idle, pending, warm, names)
        progress.running(sorted(names))
        if not pages_prepared and (running == pool.size or (running and not pending)):
            # Every worker is busy: meanwhile, ready what writes the pages at the end.
            from helpers.pages.index_page import prepare_page_builders

            prepare_page_builders()
            pages_prepared = True
    progress.running([])
    write_durations(out, durations)
    if failures:
        raise ReportFailure("\n".join(failures))


def dispatch(
    pool: Any, idle: list[int], pending: deque, warm: set[int], names: set[str] | None = None
) -> int:
    """Send pending tasks to idle workers, warm ones first; return how many were sent
    (their sections added to ``names``)."""
    # A cold worker would start a kernel from scratch.
    idle.sort(key=lambda w: w not in warm)
    sent = 0
    while idle and pending:
        worker = idle.pop(0)
        # Warm another kernel only if a section is still likely to need it.
        task = replace(pending.popleft(), warm_next=len(pending) >= pool.size)
        pool.send(worker, task)
        sent += 1
        if names is not None:
            names.add(task.name)
        if task.warm_next:
            warm.add(worker)
        else:
            warm.discard(worker)
    return sent


def read_durations(out: Path) -> dict[str, float]:
    """Seconds each section took to execute and render when last built into ``out``."""
    try:
        durations = json.loads((publish.build_root(out) / DURATIONS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return durations if isinstance(durations, dict) else {}


def write_durations(out: Path, durations: dict[str, float]) -> None:
    """Remember the durations for the next run; skipped when they cannot be written (they
    only order the work, and the run's real error, such as a full disk, comes next)."""
    with contextlib.suppress(OSError):
        write_text_atomically(
            publish.build_root(out) / DURATIONS_FILE,
            json.dumps(durations, indent=1, sort_keys=True),
        )


def record_result(result: Any, section: Section, options: ReportOptions, progress: Progress) -> str:
    """Cache a section's page, or keep its executed notebook; return the failure line."""
    work = Path(result.executed_path).parent
    if result.ok:
        entry = publish.cache_root(options.out) / f"{options.year}-{section.cache_name}"
        shutil.rmtree(entry, ignore_errors=True)
        os.rename(work, entry)
        note = f", {result.hidden_stderr} stderr outputs left out" if result.hidden_stderr else ""
        progress.say(
            f"{section.name}: executed in {result.executed_s:.1f}s, "
            f"rendered in {result.rendered_s:.1f}s{note} ({section.lang})"
        )
        return ""
    progress.say(f"{section.name}: failed after {result.executed_s:.1f}s ({section.lang})")
    where = f", {result.cell}" if result.cell is not None else ""
    failure = f"report failed: notebook {section.notebook.name}{where}: {one_line(result.error)}"
    kept = keep_failed_notebook(Path(result.executed_path), options, section)
    return f"{failure} (executed notebook kept at {kept})" if kept else failure


def keep_failed_notebook(executed: Path, options: ReportOptions, section: Section) -> Path | None:
    """Move a failed section's executed notebook aside for inspection; None when there
    is none (it could not be written, on a full disk say) or it cannot be moved."""
    kept = publish.failed_folder(options.out, options.year) / f"{section.name}.ipynb"
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        if executed.is_file():
            os.replace(executed, kept)
            return kept
    except OSError:
        pass  # the failure itself is what the run reports
    return None


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line: an error's message may span several."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def same_folder(first: Path, second: Path) -> bool:
    try:
        return first.resolve() == second.resolve()
    except OSError:
        return False

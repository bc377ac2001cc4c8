"""Build the committee's report of a year: ``python -m helpers.report --year 2022``.

One run, in order: check the parameters and every notebook's parameters cell; work out
what is already built (each section is keyed by the hash of its notebook, the helper
code, the data fingerprint and the parameters; with nothing changed the run stops
there); start a fork server that imports the sections' libraries once, and worker
processes that warm a kernel each, copied from it (``helpers.run.kernels.runner``); validate the
dataset (refused with one line per broken rule before any notebook runs; a dataset this
code already found valid, same fingerprint, is not checked again) and compute the run's
figures meanwhile (or reuse those an earlier run computed on the same data); execute
and render the sections that changed, two at a time; write the methods notes, the
index, the KPI file and the executed notebooks into a staging folder and swap it in for
OUT/Y at once. A failure leaves OUT/Y as it was and says in one line
which notebook and cell failed. ``--no-cache`` builds everything again: the data is
checked, the figures computed and every section run as on the first run.

OUT must be a new or empty folder, or one this project writes reports into (it holds
the ``.mission-report`` marker the first run writes); any other folder is refused.

Exit status (``helpers.core.exit_codes``): 0 built or up to date, 1 failed (data refused,
year not covered, notebook, disk, lock), 2 bad command line, parameters, or a data or
output folder that cannot be used.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from helpers.core import layout
from helpers.core.exit_codes import DONE, REFUSED, USAGE
from helpers.core.params import (
    DEFAULT_MIN_CELL,
    PARAMETER_NAMES,
    ParameterError,
    ReportParams,
    find_problems,
    read_parameters_cell,
)
from helpers.core.paths import (
    DEFAULT_DATA_DIR,
    METHODS_NOTES,
    NOTEBOOKS_DIR,
    OUTPUTS_DIR,
    PACKAGE_DIR,
    REFERENCE_DIR,
    ROOT,
)
from helpers.figures.run_data import (
    RUN_DATA_FILES,
    hash_files,
    hash_helper_code,
    hash_text,
    run_data_key,
)
from helpers.pages import i18n
from helpers.pages.render import INDEX_PAGE, METHODS_PAGE, Site
from helpers.run import publish
from helpers.run.progress import Progress

# The report's sections in reading order (``helpers.core.layout``); other notebooks of the
# folder follow by name.
SECTION_ORDER = layout.SECTION_ORDER
MANIFEST = publish.REPORT_MANIFEST
FOLDER_README = "README.md"
FOLDER_README_TEMPLATES = PACKAGE_DIR / "pages" / "templates" / "report_folder"
DURATIONS_FILE = "durations.json"
DATASET_DESCRIPTION = "dataset.json"
# The part of a snapshot's dataset.json that records when it was read (helpers.intake.pgsource).
SNAPSHOT_KEY = "snapshot"
EXECUTED_DIR = "notebooks"
RUN_DATA_DIR = "run-data"
DEFAULT_CELL_TIMEOUT = 600.0
DEFAULT_WORKERS = 2
POLL_SECONDS = 0.2


class ReportFailure(Exception):
    """The run stopped; str() is what to print, one line per cause."""


class Terminated(BaseException):
    """SIGTERM arrived: unwind (workers stopped, staging removed) and exit."""


@dataclass(frozen=True)
class ReportOptions:
    """One report to build: parameters, where things are, and how to run."""

    params: ReportParams
    data_dir: Path
    out: Path
    notebooks_dir: Path = NOTEBOOKS_DIR
    methods: Path = METHODS_NOTES
    cell_timeout: float | None = DEFAULT_CELL_TIMEOUT
    workers: int = DEFAULT_WORKERS
    # Scan every output for the dataset's identifiers before publishing.
    check_privacy: bool = True
    # Years built by the same run (--all-years), linked from each index even before
    # their folders exist.
    sibling_years: tuple[int, ...] = ()
    # False: reuse nothing built before (validation verdict, figures, sections).
    use_cache: bool = True
    # The sections to build, for an analyst working on some of them; empty: all. A
    # partial report goes to a folder of its own so that it never replaces the full one.
    sections: tuple[str, ...] = ()

    @property
    def year(self) -> int:
        return self.params.year

    @property
    def target(self) -> Path:
        if self.sections:
            return self.out / f"{self.year}-{'-'.join(self.sections)}"
        return self.out / str(self.year)


@dataclass
class Section:
    """A section notebook and, once planned, the key of its page."""

    name: str
    notebook: Path
    key: str = ""

    @property
    def page(self) -> str:
        return f"{self.name}.html"

    @property
    def cache_name(self) -> str:
        return f"{self.name}-{self.key[:20]}"


@dataclass
class Plan:
    """What a run will build and what it can reuse."""

    sections: list[Section]
    run_key: str
    report_key: str
    pages: tuple[tuple[str, str], ...]
    dataset_name: str
    fingerprint: str
    # What the figures depend on: data, description, code, year and min_cell; the run
    # folder's key (run_key) adds the other parameters that run.json records.
    figures_key: str = ""
    to_run: list[Section] = field(default_factory=list)


def build_report(
    options: ReportOptions, progress: Progress, ds: Any = None, known: dict | None = None
) -> Path:
    """Build OUT/Y; return its path. Raises ReportFailure, ContractError, ReportBusyError.

    ``ds`` is the dataset when already loaded and validated; ``known`` the KPI frames
    already computed on it (both shared by the years of ``--all-years``).
    """
    with publish.lock_report(options.out, options.year):
        publish.clean_stale(options.out, options.year)
        plan = plan_report(options)
        if options.use_cache and is_up_to_date(options.target, plan.report_key):
            progress.say(f"up to date: {options.target / INDEX_PAGE} (nothing to rebuild)")
            progress.say("caches: the report built before, nothing else read")
            return options.target
        # Notebooks kept from an earlier failure describe code that may have changed since.
        shutil.rmtree(publish.failed_folder(options.out, options.year), ignore_errors=True)
        cache = publish.cache_root(options.out)
        plan.to_run = [
            s
            for s in plan.sections
            if not (options.use_cache and is_cached(cache, options.year, s))
        ]
        workers = min(options.workers, len(plan.to_run))
        reused = len(plan.sections) - len(plan.to_run)
        progress.cache("sections", f"{reused} of {len(plan.sections)} reused")
        progress.say(
            f"plan: {len(plan.to_run)} of {len(plan.sections)} sections to run"
            + (f", {workers} workers warming kernels" if workers else "")
        )
        pool = start_pool(workers, options.notebooks_dir) if workers else None
        work = None
        try:
            if ds is None:
                ds = validate_dataset(options.data_dir, progress, options.use_cache)
            run_dir = prepare_run_data(ds, options, plan, progress, known)
            progress.say_caches()
            site = describe_site(options, plan, run_dir)
            if pool is not None:
                work = publish.staging_folder(options.out, options.year, "work")
                execute_sections(pool, plan, options, site, run_dir, work, progress)
        finally:
            if pool is not None:
                pool.stop()
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)
        staging = publish.staging_folder(options.out, options.year)
        try:
            assemble_report(staging, plan, options, site, run_dir, progress)
            if options.check_privacy:
                check_privacy(ds, staging, progress)
            else:
                progress.say("privacy: scan turned off (--no-privacy-check); outputs not searched")
            check_machine_paths(options, staging)
            publish.swap_into_place(staging, options.target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        if not options.sections:
            # A partial run uses a few sections: the others' cache entries stay valid.
            keep = {f"{options.year}-{s.cache_name}" for s in plan.sections} | {run_dir.name}
            publish.prune_cache(options.out, options.year, keep)
        return options.target


def plan_report(options: ReportOptions) -> Plan:
    """The sections, their keys and the report's key, from hashes alone (no data read)."""
    from helpers.intake.fingerprint import dataset_fingerprint

    sections = list_sections(options.notebooks_dir)
    if options.sections:
        sections = [s for s in sections if s.name in options.sections]
    if not sections:
        raise ReportFailure(f"no notebook in {options.notebooks_dir}")
    check_parameter_cells(sections)
    fingerprint = dataset_fingerprint(options.data_dir)
    params = options.params
    # dataset.json says whether the data is synthetic and which years it covers; the
    # fingerprint does not cover it.
    # A snapshot's dataset.json also says when and in which server transaction it was
    # read, which changes nothing in the report (``hash_description``).
    description = hash_description(options.data_dir / DATASET_DESCRIPTION)
    figures_key = run_data_key(fingerprint, params.year, params.min_cell, description)
    # The run folder holds run.json too, which records the parameters and the dataset's
    # name. Not its folder: a copy of the same data elsewhere reuses the run's figures,
    # and a snapshot of a database is named by the database it was read from.
    dataset_name = describe_dataset_name(options.data_dir)
    recorded = {k: v for k, v in params.as_dict().items() if k not in ("output_dir", "data_dir")}
    recorded["dataset"] = dataset_name
    run_key = hash_text(f"{figures_key}|{json.dumps(recorded, sort_keys=True)}")[:20]
    pages = tuple((s.page, section_label(s.name, params.lang)) for s in sections)
    pages += ((METHODS_PAGE, i18n.t("page.methods", params.lang)),)
    shared = {
        "run_data": run_key,
        "helpers": hash_helper_code(),
        "year": params.year,
        "lang": params.lang,
        "min_cell": params.min_cell,
        "pages": pages,
        "dataset": dataset_name,
        "description": description,
        # Published figures and the other shipped tables: the fingerprint covers only
        # those the metrics read.
        "reference": hash_files(sorted(p for p in REFERENCE_DIR.iterdir() if p.is_file())),
    }
    for section in sections:
        section.key = hash_text(
            json.dumps({**shared, "notebook": hash_files([section.notebook])}, sort_keys=True)
        )
    methods = hash_files([options.methods]) if options.methods.is_file() else ""
    report_key = hash_text(
        json.dumps(
            {
                **shared,
                "sections": [s.key for s in sections],
                "methods": methods,
                "other_years": list_other_years(options),
            },
            sort_keys=True,
        )
    )
    return Plan(sections, run_key, report_key, pages, dataset_name, fingerprint, figures_key)


def read_description(path: Path) -> dict[str, Any] | None:
    """The dataset's dataset.json as an object; None when absent or not an object."""
    try:
        described = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return described if isinstance(described, dict) else None


def describe_dataset_name(folder: Path) -> str:
    """How the pages name the dataset: the source a snapshot was read from (the
    database's URL, password redacted), else the folder's name."""
    described = read_description(folder / DATASET_DESCRIPTION) or {}
    source = described.get("source")
    return source if isinstance(source, str) and source else folder.resolve().name


def hash_description(path: Path) -> str:
    """A hash of what dataset.json says about the data: when and in which server
    transaction a snapshot was read changes nothing in the report, so a report from the
    database and one from a snapshot of it share their key."""
    if not path.is_file():
        return ""
    described = read_description(path)
    if described is None:
        return hash_files([path])
    described.pop(SNAPSHOT_KEY, None)
    return hash_text(json.dumps(described, sort_keys=True))


def list_other_years(options: ReportOptions) -> list[int]:
    """The other years whose reports the index links to: those built by the same run and
    those already in OUT."""
    built = {
        int(p.name) for p in options.out.glob("[0-9][0-9][0-9][0-9]") if (p / INDEX_PAGE).is_file()
    }
    return sorted((built | set(options.sibling_years)) - {options.year})


def list_sections(folder: Path) -> list[Section]:
    """The notebooks of ``folder``: the known sections in reading order, then the rest."""
    found = {p.stem: p for p in sorted(Path(folder).glob("*.ipynb"))}
    order = [n for n in SECTION_ORDER if n in found] + sorted(set(found) - set(SECTION_ORDER))
    return [Section(name, found[name]) for name in order]


def check_parameter_cells(sections: Sequence[Section]) -> None:
    """Refuse a notebook whose parameters cell does not declare exactly the parameters."""
    problems = []
    for section in sections:
        try:
            declared = list(read_parameters_cell(section.notebook))
        except ParameterError as error:
            problems.append(str(error))
            continue
        if sorted(declared) != sorted(PARAMETER_NAMES):
            problems.append(
                f"{section.notebook.name}: the parameters cell declares {', '.join(declared)}; "
                f"expected {', '.join(PARAMETER_NAMES)}"
            )
    if problems:
        raise ReportFailure("\n".join(f"report failed: {p}" for p in problems))


def section_label(name: str, lang: str) -> str:
    """A section's title in ``lang`` (the catalog's ``<name>.title``), else its name."""
    key = f"{name}.title"
    return i18n.t(key, lang) if i18n.has_key(key, lang) else name.replace("_", " ").capitalize()


def is_up_to_date(target: Path, report_key: str) -> bool:
    """True when OUT/Y was built with the same key and still holds its pages."""
    try:
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("key") != report_key:
        return False
    return all((target / name).is_file() for name in manifest.get("files", []))


def is_cached(cache: Path, year: int, section: Section) -> bool:
    entry = cache / f"{year}-{section.cache_name}"
    return (entry / section.page).is_file() and (entry / f"{section.name}.ipynb").is_file()


def start_pool(workers: int, notebooks_dir: Path) -> Any:
    from helpers.run.kernels.runner import WorkerPool

    pool = WorkerPool(workers, notebooks_dir)
    pool.start()
    return pool


def validate_dataset(data_dir: Path, progress: Progress, reuse_verdict: bool = True) -> Any:
    """Load and validate the dataset; ContractError propagates before any notebook runs.

    With ``reuse_verdict``, a dataset this code already found valid is not checked again.
    """
    from helpers.intake.load import is_remembered_valid, load_dataset

    remembered = reuse_verdict and is_remembered_valid(data_dir)
    progress.doing(
        "validate",
        "reading the data found valid before"
        if remembered
        else f"checking {data_dir.name} against the data contract",
    )
    progress.cache("validation", "verdict reused" if remembered else "checked anew")
    ds = load_dataset(data_dir, reuse_verdict=reuse_verdict)
    rows = sum(int(ds.scalar(f'SELECT count(*) FROM "{name}"')) for name in sorted(ds.present))
    verdict = "found valid before" if remembered else "checked"
    progress.say(
        f"validate: {len(ds.present)} tables, {rows:,} rows, fingerprint {ds.fingerprint} "
        f"({verdict})"
    )
    for warning in ds.warnings:
        # Used as delivered, and named again in the data-quality note of the index.
        progress.say(f"warning: {warning.problem}")
    return ds


def prepare_run_data(
    ds: Any, options: ReportOptions, plan: Plan, progress: Progress, known: dict | None = None
) -> Path:
    """The folder of the run's figures (computed, or reused when the key matches).

    ``known`` holds KPI frames already computed on ``ds`` (``write_run_data``), so that
    building every year computes each year's figures once.
    """
    from helpers.figures.run_data import (
        list_covered_years,
        remember_figures,
        reuse_remembered_figures,
        write_provenance,
        write_run_data,
    )

    years = list_covered_years(ds)
    if options.year not in years:
        span = f"{years[0]}–{years[-1]}" if years else "no year"
        raise ReportFailure(
            f"report failed: the dataset does not cover {options.year} (it covers {span})"
        )
    cache = publish.cache_root(options.out)
    folder = cache / f"{options.year}-run-data-{plan.run_key}"
    if options.use_cache and all((folder / name).is_file() for name in RUN_DATA_FILES):
        progress.cache("figures", "reused")
        progress.say("kpis: reused")
        return folder
    partial = cache / f"{folder.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    params = options.params.replace(output_dir=str(folder))
    min_cell = options.params.min_cell
    if options.use_cache and reuse_remembered_figures(plan.figures_key, partial):
        progress.cache("figures", "remembered")
        write_provenance(ds, options.year, min_cell, partial, params)
        how = "computed before on the same data with the same code"
    else:
        progress.cache("figures", "computed")
        progress.doing(
            "kpis", f"computing the figures of {options.year}, history {years[0]}–{years[-1]}"
        )
        write_run_data(ds, options.year, min_cell, partial, params, known=known)
        remember_figures(plan.figures_key, partial)
        how = f"history {years[0]}–{years[-1]}"
    shutil.rmtree(folder, ignore_errors=True)
    os.rename(partial, folder)
    rows = sum(1 for _ in (folder / RUN_DATA_FILES[0]).open(encoding="utf-8")) - 1
    progress.say(f"kpis: {rows} figures for {options.year}, {how}")
    return folder


def describe_site(options: ReportOptions, plan: Plan, run_dir: Path) -> Site:
    """What every page of this report shares (read from the run's provenance)."""
    provenance = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    code = provenance["code"]
    full = code.get("commit") or ""
    commit = full[:12] + ("+changes" if full.endswith("+changes") else "")
    code_version = f"{commit} · {code['hash'][:12]}" if commit else code["hash"][:12]
    params = options.params
    return Site(
        year=params.year,
        lang=params.lang,
        synthetic=bool(provenance["dataset"]["synthetic"]),
        pages=plan.pages,
        dataset=plan.dataset_name,
        fingerprint=plan.fingerprint,
        code_version=code_version,
        parameters={"year": params.year, "lang": params.lang, "min_cell": params.min_cell},
        built_utc=datetime.now(UTC).replace(microsecond=0).isoformat(),
    )


def execute_sections(
    pool: Any,
    plan: Plan,
    options: ReportOptions,
    site: Site,
    run_dir: Path,
    work: Path,
    progress: Progress,
) -> None:
    """Run the sections that changed on the pool; each success goes into the cache.

    The first failure stops new sections from starting; those already running finish
    (their results are cached), then every failure is reported, one line each.
    """
    from helpers.run.kernels.runner import SectionTask

    parameters = options.params.replace(
        data_dir=None if same_folder(options.data_dir, DEFAULT_DATA_DIR) else str(options.data_dir),
        output_dir=str(run_dir),
    ).as_dict()
    durations = read_durations(options.out)
    # Longest first (as last measured; unmeasured ones count as long), so that the last
    # section to finish is a short one and no worker idles while another still runs.
    ordered = sorted(plan.to_run, key=lambda s: -durations.get(s.name, float("inf")))
    pending = deque(
        SectionTask(
            name=s.name,
            notebook=str(s.notebook),
            folder=str(work / s.name),
            parameters=parameters,
            site=site,
            cell_timeout=options.cell_timeout,
        )
        for s in ordered
    )
    by_name = {s.name: s for s in plan.to_run}
    pages_prepared = False
    progress.doing("sections", f"{len(pending)} to run on {pool.size} kernels")
    names: set[str] = set()  # the sections running
    warm = set()  # workers holding a warm kernel
    idle: list[int] = []
    running = 0
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
            progress.running(sorted(names))
            durations[payload.name] = round(payload.executed_s + payload.rendered_s, 2)
            failure = record_result(payload, by_name[payload.name], options, progress)
            if failure:
                failures.append(failure)
                pending.clear()
        idle.append(worker)
        # Warm workers first: a cold one would start a kernel from scratch.
        idle.sort(key=lambda w: w not in warm)
        while idle and pending:
            worker = idle.pop(0)
            task = pending.popleft()
            # Warm another kernel only if a section is still likely to need it.
            task = replace(task, warm_next=len(pending) >= pool.size)
            pool.send(worker, task)
            running += 1
            names.add(task.name)
            progress.running(sorted(names))
            if task.warm_next:
                warm.add(worker)
            else:
                warm.discard(worker)
        if not pages_prepared and (running == pool.size or (running and not pending)):
            # Every worker is busy: meanwhile, ready what writes the pages at the end.
            from helpers.pages.index_page import prepare_page_builders

            prepare_page_builders()
            pages_prepared = True
    progress.running([])
    write_durations(options.out, durations)
    if failures:
        raise ReportFailure("\n".join(failures))


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
    path = publish.build_root(out) / DURATIONS_FILE
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        temporary.write_text(json.dumps(durations, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)


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
            f"rendered in {result.rendered_s:.1f}s{note}"
        )
        return ""
    progress.say(f"{section.name}: failed after {result.executed_s:.1f}s")
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


def assemble_report(
    staging: Path,
    plan: Plan,
    options: ReportOptions,
    site: Site,
    run_dir: Path,
    progress: Progress,
) -> None:
    """Put every file of OUT/Y into ``staging``: pages, KPI file, run data, notebooks."""
    from helpers.figures.objectives import count_met_and_missed
    from helpers.figures.run_data import read_run_data
    from helpers.pages.index_page import ObjectivesCount, build_index
    from helpers.pages.kpi_dictionary import DICTIONARY_FILE, write_dictionary
    from helpers.pages.methods_page import build_methods_body
    from helpers.pages.pdf_edition import EngineMissing, build_pdf
    from helpers.pages.render import render_page, write_page
    from helpers.run.machine_paths import publish_notebook

    progress.doing("pages", "the methods, the index, the KPI file and the executed notebooks")
    cache = publish.cache_root(options.out)
    files = []
    for section in plan.sections:
        entry = cache / f"{options.year}-{section.cache_name}"
        publish.link_or_copy(entry / section.page, staging / section.page)
        executed = f"{EXECUTED_DIR}/{section.name}.ipynb"
        publish_notebook(
            entry / f"{section.name}.ipynb", staging / executed, section.name, plan.dataset_name
        )
        files += [section.page, executed]
    for name in RUN_DATA_FILES:
        publish.link_or_copy(run_dir / name, staging / RUN_DATA_DIR / name)
        files.append(f"{RUN_DATA_DIR}/{name}")
    shutil.copyfile(run_dir / "kpis.csv", staging / "kpis.csv")
    write_dictionary(staging / DICTIONARY_FILE)
    write_folder_readme(staging / FOLDER_README, options.year, site.lang)
    files += ["kpis.csv", DICTIONARY_FILE, FOLDER_README]
    notes = options.methods.read_text(encoding="utf-8") if options.methods.is_file() else None
    run = read_run_data(run_dir)
    body = build_methods_body(options.year, site.lang, notes, run=run)
    write_page(render_page(body, site, METHODS_PAGE, "methods-page"), staging / METHODS_PAGE)
    files.append(METHODS_PAGE)
    sections = [(s.page, s.name) for s in plan.sections]
    targets = run.targets
    met, missed = count_met_and_missed(targets, run.history, options.year)
    aims_met, aims_missed = count_met_and_missed(run.stated_aims, run.history, options.year)
    index = build_index(
        run,
        site,
        sections,
        objectives=ObjectivesCount(met, missed, aims_met, aims_missed),
        other_years=list_other_years(options),
        targets=targets,
    )
    write_page(index, staging / INDEX_PAGE)
    files.append(INDEX_PAGE)
    progress.doing("pdf", f"laying out the index and {len(plan.sections)} sections")
    started, cpu = time.monotonic(), time.process_time()
    try:
        pdf = build_pdf(staging, site, [s.page for s in plan.sections])
    except EngineMissing as error:
        raise ReportFailure(f"report failed: {error}") from error
    files.append(pdf.name)
    # CPU time beside the wall time: on a busy machine the two tell different stories.
    progress.say(
        f"pdf: {pdf.name}, laid out in {time.monotonic() - started:.1f}s "
        f"({time.process_time() - cpu:.1f}s of CPU)"
    )
    manifest = {"key": plan.report_key, "files": sorted(files), "built_utc": site.built_utc}
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    progress.say(f"pages: {INDEX_PAGE}, {len(plan.sections)} sections, kpis.csv")


def write_folder_readme(path: Path, year: int, lang: str) -> None:
    """The report folder's README, in the report's language: what each file holds."""
    template = FOLDER_README_TEMPLATES / f"README.{lang}.md"
    path.write_text(template.read_text(encoding="utf-8").format(year=year), encoding="utf-8")


def check_privacy(ds: Any, folder: Path, progress: Progress) -> None:
    """Refuse to publish when an identifier of the dataset appears in an output."""
    from helpers.run.privacy import describe_refusal, scan_folder

    progress.doing("privacy", "searching every output for the dataset's identifiers")
    started = time.monotonic()
    scan = scan_folder(ds, folder)
    if scan.hits:
        raise ReportFailure(describe_refusal(scan))
    skipped = f"; not text, not searched: {', '.join(scan.skipped)}" if scan.skipped else ""
    progress.say(
        f"privacy: no identifier in {scan.files} outputs "
        f"({time.monotonic() - started:.1f}s){skipped}"
    )


def check_machine_paths(options: ReportOptions, folder: Path) -> None:
    """Refuse to publish when a folder of this machine appears in an output."""
    from helpers.run.machine_paths import describe_refusal, find_machine_paths, machine_places

    places = machine_places(options.data_dir, options.out, publish.build_root(options.out), ROOT)
    hits = find_machine_paths(folder, places)
    if hits:
        raise ReportFailure(describe_refusal(hits))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.report",
        description="Build the Mission Committee's report of a year into OUT/YEAR.",
    )
    years = parser.add_mutually_exclusive_group(required=True)
    years.add_argument("--year", type=int, help="the report year")
    years.add_argument("--all-years", action="store_true", help="every year the dataset covers")
    # Text, not a Path: a URL's "//" must survive.
    parser.add_argument(
        "--data",
        default=str(DEFAULT_DATA_DIR),
        help="dataset folder, or a postgresql:// URL (read into a snapshot under OUT/.build)",
    )
    parser.add_argument("--out", type=Path, default=OUTPUTS_DIR, help="reports folder")
    parser.add_argument("--lang", default="en", help="en or fr")
    parser.add_argument(
        "--min-cell", type=int, default=DEFAULT_MIN_CELL, help="smallest count published"
    )
    parser.add_argument(
        "--cell-timeout",
        type=float,
        default=DEFAULT_CELL_TIMEOUT,
        help="seconds a notebook cell may run before it is stopped (0: no limit)",
    )
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help="notebooks run at once"
    )
    parser.add_argument(
        "--notebooks", type=Path, default=NOTEBOOKS_DIR, help="folder of section notebooks"
    )
    parser.add_argument(
        "--methods",
        type=Path,
        default=METHODS_NOTES,
        help="hand-written methods notes (Markdown), part of methods.html",
    )
    parser.add_argument(
        "--no-privacy-check",
        action="store_true",
        help="publish without scanning the outputs for the dataset's identifiers (faster; "
        "the run says so)",
    )
    parser.add_argument(
        "--sections",
        default="",
        help="comma-separated sections to build (e.g. funnel,carbon) into OUT/YEAR-<sections>, "
        "leaving the full report OUT/YEAR as it is; default: every section",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="reuse nothing built before: check the data, compute the figures and run "
        "every section again (the previous report stays until the new one replaces it)",
    )
    return parser.parse_args(argv)


def make_options(
    args: argparse.Namespace, year: int, sibling_years: Sequence[int] = ()
) -> ReportOptions:
    data_dir = Path(args.data).resolve()
    # A snapshot's folder is temporary: the run records the source it was read from.
    shown = getattr(args, "shown", None) or str(data_dir)
    params = ReportParams(year=year, data_dir=shown, lang=args.lang, min_cell=args.min_cell)
    return ReportOptions(
        params=params,
        data_dir=data_dir,
        out=args.out.resolve(),
        notebooks_dir=args.notebooks.resolve(),
        methods=choose_methods_notes(args.methods.resolve(), args.lang),
        cell_timeout=args.cell_timeout or None,
        workers=max(1, args.workers),
        check_privacy=not args.no_privacy_check,
        sibling_years=tuple(sibling_years),
        use_cache=not args.no_cache,
        sections=chosen_sections(args),
    )


def chosen_sections(args: argparse.Namespace) -> tuple[str, ...]:
    """The sections named by ``--sections``, in reading order (empty: all)."""
    names = {n.strip() for n in args.sections.split(",") if n.strip()}
    return tuple(s.name for s in list_sections(args.notebooks) if s.name in names)


def find_unknown_sections(args: argparse.Namespace) -> str:
    """A usage problem when ``--sections`` names a section that has no notebook."""
    names = [n.strip() for n in args.sections.split(",") if n.strip()]
    known = [s.name for s in list_sections(args.notebooks)]
    unknown = [n for n in names if n not in known]
    if args.sections and not names:
        return "--sections names no section"
    if unknown:
        return f"unknown section {', '.join(unknown)}; choose among {', '.join(known)}"
    return ""


def choose_methods_notes(notes: Path, lang: str) -> Path:
    """The methods notes in ``lang`` (``methods.fr.md`` beside ``methods.md``) if written,
    else ``notes``."""
    translated = notes.with_name(f"{notes.stem}.{lang}{notes.suffix}")
    return translated if translated.is_file() else notes


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; see the module docstring for the exit status."""
    from helpers.intake.load import ContractError, UnusableDatasetError
    from helpers.intake.pgsource import SourceError, resolve

    args = parse_args(argv)
    progress = Progress()
    previous = signal.signal(signal.SIGTERM, _terminate)
    progress.start()
    try:
        # Checked before any data is read; the year, for --all-years, comes from the data.
        given = {"lang": args.lang, "min_cell": args.min_cell}
        problems = find_problems(given if args.all_years else {**given, "year": args.year})
        if unknown := find_unknown_sections(args):
            problems.append(unknown)
        if problems:
            print(f"report failed: {'; '.join(problems)}", file=sys.stderr)
            return USAGE
        publish.claim_output_folder(args.out.resolve())
        with resolve(args.data, work=publish.build_root(args.out)) as resolved:
            if resolved.source is not None:
                progress.say(f"snapshot: {resolved.shown} read")
            args.data = str(resolved.folder)
            args.shown = resolved.shown if resolved.source is not None else None
            try:
                build_years(args, progress)
            except UnusableDatasetError:
                raise
            except ContractError as error:
                raise resolved.locate(error) from None
        return DONE
    except publish.OutputFolderError as error:
        print(f"report failed: {error}", file=sys.stderr)
        return USAGE
    except SourceError as error:
        print(f"report failed: {error}; the previous report is untouched", file=sys.stderr)
        return REFUSED
    except UnusableDatasetError as error:
        # Caught before ContractError, its parent: the folder named is not a dataset.
        print(f"report failed: {one_line(str(error))}", file=sys.stderr)
        return USAGE
    except ContractError as error:
        print(str(error), file=sys.stderr)
        print(
            "report failed: the dataset breaks the data contract; no notebook was run",
            file=sys.stderr,
        )
        return 1
    except (ReportFailure, publish.ReportBusyError) as error:
        message = str(error)
        if not message.startswith("report failed"):
            message = f"report failed: {message}"
        print(message, file=sys.stderr)
        return 1
    except OSError as error:
        print(f"report failed: {describe_os_error(error)}", file=sys.stderr)
        return 1
    except Terminated:
        print("report stopped: terminated; the previous report is untouched", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("report stopped: interrupted; the previous report is untouched", file=sys.stderr)
        return 130
    finally:
        progress.stop()
        signal.signal(signal.SIGTERM, previous)


def build_years(args: argparse.Namespace, progress: Progress) -> None:
    """Build the year asked for, or every year the dataset covers."""
    ds, known = None, {}
    years = [args.year]
    if args.all_years:
        from helpers.figures.run_data import list_covered_years

        ds = validate_dataset(Path(args.data).resolve(), progress, not args.no_cache)
        years = list_covered_years(ds)
    for year in years:
        options = make_options(args, year, years if args.all_years else ())
        progress.say(
            f"report {year} ({options.params.lang}, min_cell {options.params.min_cell}) "
            f"from {options.params.data_dir} into {options.target}"
        )
        target = build_report(options, progress, ds, known)
        progress.say(f"done: {target / INDEX_PAGE}")


def describe_os_error(error: OSError) -> str:
    """One line naming the file and the cause (disk full, read-only, no permission)."""
    where = f"{error.filename}: " if error.filename else ""
    return f"cannot write the report: {where}{error.strerror or error}"


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated()


if __name__ == "__main__":
    raise SystemExit(main())

"""One run, in order, for a year in one or both languages.

``build_year`` holds the year's lock, plans each language (``helpers.run.plan``) and
stops there when every language asked for is already published with the same key;
otherwise it starts the workers, validates the dataset once and computes the run's
figures once (``helpers.run.prepare``), executes the sections of every language on the
same workers (``helpers.run.execute``), assembles each language and the year's chooser
into one staging folder (``helpers.run.assemble``), runs the privacy and machine-path
checks, and swaps the staging folder in for OUT/Y at once (``helpers.run.publish``): a
language published before and not rebuilt is carried over, and a failure leaves OUT/Y
as it was. ``build_years`` does this for each year asked for.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from helpers.pages.render import INDEX_PAGE
from helpers.run import publish
from helpers.run.assemble import assemble_reports, assemble_year, published_languages
from helpers.run.checks import check_machine_paths, check_privacy
from helpers.run.execute import LanguageRun, execute_sections, start_pool
from helpers.run.plan import (
    Plan,
    ReportFailure,
    ReportOptions,
    is_cached,
    is_up_to_date,
    plan_report,
)
from helpers.run.prepare import (
    check_declared_year,
    describe_site,
    prepare_run_data,
    validate_dataset,
)
from helpers.run.progress import Progress


class Terminated(BaseException):
    """SIGTERM arrived: unwind (workers stopped, staging removed) and exit."""


def with_twins(languages: Sequence[ReportOptions]) -> list[ReportOptions]:
    """Each language's options with the languages its pages link to: the others built
    by this run and those already published beside it."""
    published = published_languages(languages[0].year_folder)
    built = [o.lang for o in languages]
    everyone = [*built, *(lang for lang in published if lang not in built)]
    return [replace(o, twins=tuple(lang for lang in everyone if lang != o.lang)) for o in languages]


def build_year(
    languages: Sequence[ReportOptions],
    progress: Progress,
    ds: Any = None,
    known: dict | None = None,
) -> Path:
    """Build OUT/Y in the languages of ``languages`` (one ReportOptions each, same year);
    return OUT/Y. Raises ReportFailure, ContractError, ReportBusyError.

    ``ds`` is the dataset when already loaded and validated; ``known`` the KPI frames
    already computed on it (both shared by the years of ``--all-years``).
    """
    first = languages[0]
    out, year = first.out, first.year
    with publish.lock_report(out, year):
        publish.clean_stale(out, year)
        languages = with_twins(languages)
        plans = [plan_report(o) for o in languages]
        committee = read_committee_texts(languages, progress)
        if first.use_cache and all(
            is_up_to_date(o.target, p.report_key) for o, p in zip(languages, plans, strict=True)
        ):
            progress.say(f"up to date: {first.year_folder / INDEX_PAGE} (nothing to rebuild)")
            progress.say("caches: the report built before, nothing else read")
            return first.year_folder
        # Notebooks kept from an earlier failure describe code that may have changed since.
        shutil.rmtree(publish.failed_folder(out, year), ignore_errors=True)
        choose_sections_to_run(languages, plans)
        runs, ds = run_languages(languages, plans, progress, ds, known)
        runs = [replace(run, committee=committee) for run in runs]
        publish_year(runs, ds, progress)
        prune(runs)
        return first.year_folder


def read_committee_texts(languages: Sequence[ReportOptions], progress: Progress) -> Any:
    """The committee's texts of the year, checked before any notebook runs: a broken
    folder stops the run (file, column or line, rule, lines); a text missing in a
    language, or particulars not given, are warnings."""
    from helpers.figures.registry import METRICS_BY_ID
    from helpers.intake.committee import CommitteeError, read_committee

    first = languages[0]
    try:
        committee = read_committee(
            first.committee, first.year, [o.lang for o in languages], set(METRICS_BY_ID)
        )
    except CommitteeError as error:
        lines = [f"report failed: {p}" for p in error.problems]
        lines.append("report failed: the committee's texts are refused; no notebook was run")
        raise ReportFailure("\n".join(lines)) from None
    if not committee.present:
        progress.say(
            f"committee: no folder {committee.shown}; the index says the texts are not there "
            f"yet, and the particulars missing: {', '.join(committee.missing)}"
        )
    for warning in committee.warnings:
        progress.say(f"committee: warning: {warning}")
    return committee


def choose_sections_to_run(languages: Sequence[ReportOptions], plans: Sequence[Plan]) -> None:
    """Set each plan's sections to run: those the cache does not hold."""
    for options, plan in zip(languages, plans, strict=True):
        cache = publish.cache_root(options.out)
        plan.to_run = [
            s
            for s in plan.sections
            if not (options.use_cache and is_cached(cache, options.year, s))
        ]


def run_languages(
    languages: Sequence[ReportOptions],
    plans: Sequence[Plan],
    progress: Progress,
    ds: Any,
    known: dict | None,
) -> tuple[list[LanguageRun], Any]:
    """Validate once, compute the figures once, execute every language's sections."""
    first = languages[0]
    check_declared_year(first)
    to_run = sum(len(p.to_run) for p in plans)
    total = sum(len(p.sections) for p in plans)
    workers = min(first.workers, to_run)
    progress.cache("sections", f"{total - to_run} of {total} reused")
    progress.say(
        f"plan: {to_run} of {total} sections to run"
        + (f", {workers} workers warming kernels" if workers else "")
    )
    pool = start_pool(workers, first.notebooks_dir) if workers else None
    work = None
    try:
        if ds is None:
            ds = validate_dataset(first.data_dir, progress, first.use_cache)
        runs: list[LanguageRun] = []
        computed = None
        for options, plan in zip(languages, plans, strict=True):
            run_dir = prepare_run_data(ds, options, plan, progress, known, computed)
            computed = computed or run_dir
            runs.append(LanguageRun(options, plan, describe_site(options, plan, run_dir), run_dir))
        progress.say_caches()
        if pool is not None:
            progress.doing("sections", f"{to_run} to run on {workers} kernels")
            work = publish.staging_folder(first.out, first.year, "work")
            execute_sections(pool, runs, work, first.out, progress)
    finally:
        if pool is not None:
            pool.stop()
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    return runs, ds


def publish_year(runs: Sequence[LanguageRun], ds: Any, progress: Progress) -> None:
    """Assemble every language and the chooser into staging, check, and swap in."""
    first = runs[0].options
    staging = publish.staging_folder(first.out, first.year)
    try:
        assemble_reports(staging, runs, progress)
        assemble_year(staging, first.year_folder, runs, progress)
        # The languages carried over were checked when they were built.
        for run in runs:
            if first.check_privacy:
                check_privacy(ds, staging / run.site.lang, progress)
        if not first.check_privacy:
            progress.say("privacy: scan turned off (--no-privacy-check); outputs not searched")
        check_machine_paths(first, staging)
        publish.swap_into_place(staging, first.year_folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def prune(runs: Sequence[LanguageRun]) -> None:
    """Forget the cache entries of the built languages this run did not use; a partial
    run uses a few sections, so the others' entries stay valid."""
    first = runs[0].options
    if first.sections:
        return
    for run in runs:
        lang = run.site.lang
        keep = {f"{first.year}-{s.cache_name}" for s in run.plan.sections} | {run.run_dir.name}
        publish.prune_cache(first.out, f"{first.year}-{lang}", keep)


def build_years(
    years: Sequence[int],
    make_options: Any,
    progress: Progress,
    ds: Any = None,
) -> None:
    """Build each year of ``years``; ``make_options(year)`` gives the options of each
    language of the year."""
    known: dict = {}
    for year in years:
        languages = make_options(year)
        params = languages[0].params
        names = ",".join(o.lang for o in languages)
        progress.say(
            f"report {year} ({names}, min_cell {params.min_cell}) "
            f"from {params.data_dir} into {languages[0].year_folder}"
        )
        target = build_year(languages, progress, ds, known)
        progress.say(f"done: {target / INDEX_PAGE}")

"""The data side of a run: the dataset validated, the run's figures, what pages share.

``validate_dataset`` loads and checks the dataset once per run (a dataset this code
already found valid is not checked again unless ``--no-cache``); ``prepare_run_data``
gives the folder of the run's figures for one language, computing them once per run
and sharing them with the other language (only the provenance, which records the
language, is written per language); ``describe_site`` gathers what every page of one
report shares, from that provenance.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from helpers.core.cache import ABSENT, DAMAGED, INTACT, check_seal, discard, seal
from helpers.figures.run_data import FIGURES_FILES, RUN_DATA_FILES
from helpers.pages.render import Site
from helpers.run import publish
from helpers.run.plan import Plan, ReportFailure, ReportOptions
from helpers.run.progress import Progress


def validate_dataset(data_dir: Path, progress: Progress, reuse_verdict: bool = True) -> Any:
    """Load and validate the dataset; ContractError propagates before any notebook runs.

    With ``reuse_verdict``, a dataset this code already found valid is not checked again.
    """
    from helpers.core.cache import DAMAGED
    from helpers.intake.load import check_verdicts, is_remembered_valid, load_dataset

    damaged = reuse_verdict and check_verdicts() == DAMAGED
    remembered = reuse_verdict and is_remembered_valid(data_dir)
    progress.doing(
        "validate",
        "reading the data found valid before"
        if remembered
        else f"checking {data_dir.name} against the data contract",
    )
    progress.cache(
        "validation",
        "verdict reused"
        if remembered
        else "verdicts damaged, discarded, checked anew"
        if damaged
        else "checked anew",
    )
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


def warn_unnamed_codes(kpis: Any, progress: Progress) -> list[str]:
    """Say which teams of the run's figures (``kpis``, the KPI frame) the display-name
    table does not name (they are shown readably, their code in words); return them."""
    from helpers.figures.display_names import DISPLAY_NAMES_FILE, TEAM, list_unknown

    teams = kpis.loc[
        (kpis["metric"] == "team_emissions_tco2e") & (kpis["segment"] != "all"), "segment"
    ]
    unknown = list_unknown(TEAM, teams.astype(str))
    if unknown:
        progress.say(
            f"warning: {DISPLAY_NAMES_FILE.name}: no display name for team "
            f"{', '.join(unknown)}; shown with its code in words"
        )
    return unknown


def run_data_folder(options: ReportOptions, plan: Plan) -> Path:
    """Where the run's figures of ``options`` are cached under OUT/.build."""
    return publish.cache_root(options.out) / f"{options.year}-{options.lang}-run-{plan.run_key}"


def refuse_uncovered_year(year: int, years: list[int]) -> None:
    """Stop the run when the dataset does not cover ``year``."""
    if year not in years:
        span = f"{years[0]}–{years[-1]}" if years else "no year"
        raise ReportFailure(f"report failed: the dataset does not cover {year} (it covers {span})")


def check_declared_year(options: ReportOptions) -> None:
    """Refuse a year the dataset's description declares it does not cover, before any
    kernel warms. The years it declares are the years it covers (``covered_years``);
    without a valid declaration the years come from the checked data, after validation.
    """
    from helpers.intake.description import read_description

    declared = read_description(options.data_dir).meta.get("years")
    if declared:
        refuse_uncovered_year(options.year, sorted(set(declared)))


def prepare_run_data(
    ds: Any,
    options: ReportOptions,
    plan: Plan,
    progress: Progress,
    known: dict | None = None,
    computed: Path | None = None,
) -> Path:
    """The folder of the run's figures (computed, or reused when the key matches).

    ``known`` holds KPI frames already computed on ``ds`` (``write_run_data``), so that
    building every year computes each year's figures once; ``computed`` is the folder
    of figures this run already wrote in another language, copied rather than computed
    again (the figures do not depend on the language).
    """
    from helpers.figures.run_data import (
        list_covered_years,
        provenance_names_this_code,
        remember_figures,
        reuse_remembered_figures,
        write_provenance,
        write_run_data,
    )

    years = list_covered_years(ds)
    refuse_uncovered_year(options.year, years)
    folder = run_data_folder(options, plan)
    params = options.params.replace(output_dir=str(folder))
    min_cell = options.params.min_cell
    damaged, remembered = "", ABSENT
    if options.use_cache:
        state = check_seal(folder, RUN_DATA_FILES)
        if state == INTACT:
            progress.cache("figures", "reused")
            progress.say(f"kpis: reused ({options.lang})")
            # The figures' key leaves out the pages' code: the provenance names the code
            # that builds this run's pages, and the entry is sealed again with it.
            if not provenance_names_this_code(folder):
                write_provenance(ds, options.year, min_cell, folder, params)
                seal(folder)
            return folder
        if state == DAMAGED:
            discard(folder)
            damaged = "damaged entry discarded, "
    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    if computed is not None:
        partial.mkdir(parents=True)
        for name in FIGURES_FILES:
            publish.link_or_copy(computed / name, partial / name)
        write_provenance(ds, options.year, min_cell, partial, params)
        how = "the figures of this run, shared"
    elif (
        options.use_cache
        and (remembered := reuse_remembered_figures(plan.figures_key, partial)) == INTACT
    ):
        progress.cache("figures", f"{damaged}remembered")
        write_provenance(ds, options.year, min_cell, partial, params)
        how = "computed before on the same data with the same code"
    else:
        if options.use_cache and remembered == DAMAGED:
            damaged = "damaged entry discarded, "
        progress.cache("figures", f"{damaged}computed")
        progress.doing(
            "kpis", f"computing the figures of {options.year}, history {years[0]}–{years[-1]}"
        )
        write_run_data(ds, options.year, min_cell, partial, params, known=known)
        say_audit(ds, min_cell, years, progress)
        remember_figures(plan.figures_key, partial)
        how = f"history {years[0]}–{years[-1]}"
    seal(partial)
    shutil.rmtree(folder, ignore_errors=True)
    os.rename(partial, folder)
    rows = sum(1 for _ in (folder / RUN_DATA_FILES[0]).open(encoding="utf-8")) - 1
    progress.say(f"kpis: {rows} figures for {options.year}, {how} ({options.lang})")
    return folder


def say_audit(ds: Any, min_cell: int, years: list[int], progress: Progress) -> None:
    """The intruder's check in one line: what it found, what it withheld, its time."""
    from helpers.figures import intruder

    results = intruder.results_of(ds, min_cell, years)
    if not results:
        return
    found = sum(len(r.exposed_before) for r in results)
    left = sum(len(r.exposed_after) for r in results)
    withheld = sum(len(r.withheld) for r in results)
    # Start to end: the audits of the graduates of several years run side by side.
    seconds = intruder.time_of(ds, min_cell) or sum(r.seconds for r in results)
    remembered = sum(r.remembered for r in results)
    # Populations audited before on the same data and code are read, not audited again.
    reused = f", {remembered} of {len(results)} audits remembered" if remembered else ""
    progress.say(
        f"audit: {found} recoverable before, {left} after, {withheld} figures withheld "
        f"to protect others, {len(years)} years{reused} in {seconds:.2f}s"
    )


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
        edition_date=plan.edition.date,
        twins=tuple(options.twins),
    )

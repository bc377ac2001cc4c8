"""Putting the files of one language's report into the staging folder of the year.

``assemble_reports`` writes OUT/Y/<lang> in staging: the section pages and executed
notebooks from the cache, the run's figures, the KPI file and its dictionary, the folder
README, the methods page, the index, the PDF edition and the manifest that says which
key built it. ``assemble_year`` adds what the year folder holds beside the languages:
the language chooser (OUT/Y/index.html), the year's manifest, and the languages
published before and not rebuilt now, carried over unchanged.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from helpers.core.atomic import write_text_atomically
from helpers.core.params import LANGUAGES
from helpers.core.paths import PACKAGE_DIR
from helpers.figures.run_data import RUN_DATA_FILES
from helpers.pages.render import INDEX_PAGE, METHODS_PAGE, Site
from helpers.run import publish
from helpers.run.execute import LanguageRun
from helpers.run.plan import MANIFEST, ReportFailure, list_other_years
from helpers.run.progress import Progress

FOLDER_README = "README.md"
FOLDER_README_TEMPLATES = PACKAGE_DIR / "pages" / "templates" / "report_folder"
EXECUTED_DIR = "notebooks"
RUN_DATA_DIR = "run-data"
KPIS_FILE = "kpis.csv"


def assemble_reports(staging: Path, runs: Sequence[LanguageRun], progress: Progress) -> None:
    """Put every file of OUT/Y/<lang> of each run into ``staging/<lang>``: pages, KPI
    file, run data, notebooks, the PDF edition (the languages' laid out side by side),
    and the manifest."""
    files = {run.site.lang: assemble_pages(staging / run.site.lang, run) for run in runs}
    for run, pdf in zip(runs, write_pdfs(staging, runs, progress), strict=True):
        write_manifest(staging / run.site.lang, run, [*files[run.site.lang], pdf])
        progress.say(
            f"pages: {INDEX_PAGE}, {len(run.plan.sections)} sections, {KPIS_FILE} ({run.site.lang})"
        )


def assemble_pages(staging: Path, run: LanguageRun) -> list[str]:
    """Every file of OUT/Y/<lang> but the PDF and the manifest, written into ``staging``."""
    staging.mkdir(parents=True, exist_ok=True)
    files = place_sections(staging, run)
    files += place_run_data(staging, run)
    files += write_methods(staging, run)
    files += write_committee(staging, run)
    files += write_index(staging, run)
    return files


def write_manifest(staging: Path, run: LanguageRun, files: list[str]) -> None:
    """The manifest of a language's report: the key that built it and its files."""
    manifest = {
        "key": run.plan.report_key,
        "lang": run.site.lang,
        "files": sorted(files),
        "built_utc": run.site.built_utc,
    }
    write_text_atomically(staging / MANIFEST, json.dumps(manifest, indent=2) + "\n")


def place_sections(staging: Path, run: LanguageRun) -> list[str]:
    """The section pages and their executed notebooks, from the cache."""
    from helpers.run.machine_paths import publish_notebook

    cache = publish.cache_root(run.options.out)
    files = []
    for section in run.plan.sections:
        entry = cache / f"{run.options.year}-{section.cache_name}"
        publish.link_or_copy(entry / section.page, staging / section.page)
        executed = f"{EXECUTED_DIR}/{section.name}.ipynb"
        publish_notebook(
            entry / f"{section.name}.ipynb", staging / executed, section.name, run.plan.dataset_name
        )
        files += [section.page, executed]
    return files


def place_run_data(staging: Path, run: LanguageRun) -> list[str]:
    """The run's figures, the KPI file and its dictionary, and the folder README."""
    from helpers.pages.kpi_dictionary import DICTIONARY_FILE, write_dictionary

    files = []
    for name in RUN_DATA_FILES:
        publish.link_or_copy(run.run_dir / name, staging / RUN_DATA_DIR / name)
        files.append(f"{RUN_DATA_DIR}/{name}")
    shutil.copyfile(run.run_dir / KPIS_FILE, staging / KPIS_FILE)
    write_dictionary(staging / DICTIONARY_FILE)
    write_folder_readme(staging / FOLDER_README, run.options.year, run.site.lang, run.committee)
    return [*files, KPIS_FILE, DICTIONARY_FILE, FOLDER_README]


def write_methods(staging: Path, run: LanguageRun) -> list[str]:
    """The methods page: the metric registry's definitions and the methods notes."""
    from helpers.figures.run_data import read_run_data
    from helpers.pages.methods_page import build_methods_body
    from helpers.pages.render import render_page, write_page

    methods = run.options.methods
    notes = methods.read_text(encoding="utf-8") if methods.is_file() else None
    body = build_methods_body(
        run.options.year, run.site.lang, notes, run=read_run_data(run.run_dir)
    )
    write_page(render_page(body, run.site, METHODS_PAGE, "methods-page"), staging / METHODS_PAGE)
    return [METHODS_PAGE]


def write_committee(staging: Path, run: LanguageRun) -> list[str]:
    """The committee's texts: foreword, opinion, recommendations and their follow-up."""
    from helpers.figures.run_data import read_run_data
    from helpers.pages.committee_page import COMMITTEE_PAGE, build_committee_page
    from helpers.pages.render import write_page

    if COMMITTEE_PAGE not in dict(run.site.pages):
        return []
    kpis = read_run_data(run.run_dir).kpis
    write_page(build_committee_page(run.committee, kpis, run.site), staging / COMMITTEE_PAGE)
    return [COMMITTEE_PAGE]


def write_index(staging: Path, run: LanguageRun) -> list[str]:
    """The language's index: headline figures, objectives, links to the sections."""
    from helpers.figures.objectives import count_met_and_missed
    from helpers.figures.run_data import read_run_data
    from helpers.pages.index_page import ObjectivesCount, build_index
    from helpers.pages.render import write_page

    figures = read_run_data(run.run_dir)
    year = run.options.year
    met, missed = count_met_and_missed(figures.targets, figures.history, year)
    aims_met, aims_missed = count_met_and_missed(figures.stated_aims, figures.history, year)
    index = build_index(
        figures,
        run.site,
        [(s.page, s.name) for s in run.plan.sections],
        objectives=ObjectivesCount(met, missed, aims_met, aims_missed),
        other_years=list_other_years(run.options),
        targets=figures.targets,
        committee=run.committee,
    )
    write_page(index, staging / INDEX_PAGE)
    return [INDEX_PAGE]


def write_pdfs(staging: Path, runs: Sequence[LanguageRun], progress: Progress) -> list[str]:
    """The PDF edition of each language, in the order of ``runs``.

    Laying out a PDF is the longest single step of a report and runs on one core: with
    two languages, each is laid out in a process of its own, side by side.
    """
    from helpers.pages.pdf_edition import EngineMissing

    jobs = [
        (
            staging / run.site.lang,
            run.site,
            [*committee_pages(run), *(s.page for s in run.plan.sections)],
            run.committee,
        )
        for run in runs
    ]
    sections = len(runs[0].plan.sections)
    langs = ", ".join(run.site.lang for run in runs)
    progress.doing("pdf", f"laying out the index and {sections} sections ({langs})")
    try:
        if len(jobs) == 1:
            laid_out = [lay_out_pdf(*jobs[0])]
        else:
            # Spawned, not forked: the parent runs threads (the progress display).
            context = multiprocessing.get_context("spawn")
            workers = min(len(jobs), os.cpu_count() or 1)
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                laid_out = list(pool.map(lay_out_pdf, *zip(*jobs, strict=True)))
    except EngineMissing as error:
        raise ReportFailure(f"report failed: {error}") from error
    for name, wall, cpu in laid_out:
        # CPU time beside the wall time: on a busy machine the two tell different stories.
        progress.say(f"pdf: {name}, laid out in {wall:.1f}s ({cpu:.1f}s of CPU)")
    return [name for name, _, _ in laid_out]


def committee_pages(run: LanguageRun) -> list[str]:
    """The committee's page, which the PDF carries right after the index."""
    from helpers.pages.committee_page import COMMITTEE_PAGE

    return [COMMITTEE_PAGE] if COMMITTEE_PAGE in dict(run.site.pages) else []


def lay_out_pdf(
    folder: Path, site: Site, pages: list[str], committee: object = None
) -> tuple[str, float, float]:
    """Write the PDF edition of the pages in ``folder``; its name, wall and CPU seconds."""
    from helpers.pages.pdf_edition import build_pdf

    started, cpu = time.monotonic(), time.process_time()
    pdf = build_pdf(folder, site, pages, committee)
    return pdf.name, time.monotonic() - started, time.process_time() - cpu


def write_folder_readme(path: Path, year: int, lang: str, committee: object = None) -> None:
    """The report folder's README, in the report's language: what each file holds, then
    the publication's particulars."""
    from helpers.pages.committee_page import particulars_markdown

    template = FOLDER_README_TEMPLATES / f"README.{lang}.md"
    text = template.read_text(encoding="utf-8").format(year=year)
    path.write_text(f"{text.rstrip()}\n\n{particulars_markdown(committee, lang)}", encoding="utf-8")


def published_languages(year_folder: Path) -> list[str]:
    """The languages of the year already published in ``year_folder`` (new layout)."""
    return [lang for lang in LANGUAGES if (year_folder / lang / MANIFEST).is_file()]


def assemble_year(
    staging: Path, year_folder: Path, runs: Sequence[LanguageRun], progress: Progress
) -> list[str]:
    """Complete the year's staging folder: carry over the languages published before
    and not built now, write the language chooser and the year's manifest. Return the
    languages the year folder will hold. A folder of the earlier layout (one language,
    pages at the top) carries nothing over: its pages are replaced."""
    from helpers.pages.chooser import build_chooser

    built = [run.site.lang for run in runs]
    carried = [lang for lang in published_languages(year_folder) if lang not in built]
    for lang in carried:
        copy_tree(year_folder / lang, staging / lang)
    languages = [lang for lang in LANGUAGES if lang in {*built, *carried}]
    year = runs[0].options.year
    write_text_atomically(
        staging / INDEX_PAGE, build_chooser(year, languages, runs[0].site.synthetic)
    )
    manifest = {"languages": languages, "files": [INDEX_PAGE]}
    write_text_atomically(staging / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    if carried:
        progress.say(f"kept: {', '.join(carried)} as published before")
    return languages


def copy_tree(source: Path, destination: Path) -> None:
    """Copy a published language folder, as hard links where possible (published files
    are never changed in place: each run writes new ones)."""
    for folder, _, names in os.walk(source):
        relative = Path(folder).relative_to(source)
        for name in names:
            publish.link_or_copy(Path(folder) / name, destination / relative / name)

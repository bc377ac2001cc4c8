"""What a run will build, and what it can reuse, worked out from hashes alone.

A report is one year in one language: ``ReportOptions`` says which, where the data and
the reports are, and how to run. ``plan_report`` lists the section notebooks, checks
their parameters cells and gives each section, and the report as a whole, the key of
everything it depends on (``helpers.core.cache.cache_key``: the notebook, the helper
code, the data's fingerprint and description, the reference tables, the parameters and
the languages its pages link to); no data is read. ``is_up_to_date`` and ``is_cached``
compare those keys with what is already published or cached.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.core import layout
from helpers.core.cache import (
    ABSENT,
    DAMAGED,
    INTACT,
    cache_key,
    check_seal,
    discard,
    file_sha256,
    hash_files,
    hash_text,
)
from helpers.core.params import (
    PARAMETER_NAMES,
    ParameterError,
    ReportParams,
    read_parameters_cell,
)
from helpers.core.paths import COMMITTEE_DIR, METHODS_NOTES, NOTEBOOKS_DIR, REFERENCE_DIR
from helpers.core.source_url import shown_source
from helpers.figures.run_data import hash_helper_code, run_data_key
from helpers.pages import i18n
from helpers.pages.committee_page import COMMITTEE_PAGE
from helpers.pages.render import INDEX_PAGE, METHODS_PAGE
from helpers.run import publish
from helpers.run.edition import Edition, edition_date

# The report's sections in reading order (``helpers.core.layout``); other notebooks of the
# folder follow by name.
SECTION_ORDER = layout.SECTION_ORDER
MANIFEST = publish.REPORT_MANIFEST
DATASET_DESCRIPTION = "dataset.json"
# The part of a snapshot's dataset.json that records when it was read (helpers.intake.pgsource).
SNAPSHOT_KEY = "snapshot"
DEFAULT_CELL_TIMEOUT = 600.0
DEFAULT_WORKERS = 2


class ReportFailure(Exception):
    """The run stopped; str() is what to print, one line per cause."""


@dataclass(frozen=True)
class ReportOptions:
    """One report to build (a year in one language): parameters, where things are, and
    how to run."""

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
    # The other languages of the year whose pages this report's pages link to: those
    # built by the same run and those already published beside it.
    twins: tuple[str, ...] = ()
    # The folder holding the committee's texts, one folder per year.
    committee: Path = COMMITTEE_DIR

    @property
    def year(self) -> int:
        return self.params.year

    @property
    def lang(self) -> str:
        return self.params.lang

    @property
    def year_folder(self) -> Path:
        """OUT/Y (or OUT/Y-<sections> for a partial report): the language chooser and
        one folder per language."""
        if self.sections:
            return self.out / f"{self.year}-{'-'.join(self.sections)}"
        return self.out / str(self.year)

    @property
    def target(self) -> Path:
        """OUT/Y/<lang>: this report's pages, PDF and files."""
        return self.year_folder / self.lang


@dataclass
class Section:
    """A section notebook in one language and, once planned, the key of its page."""

    name: str
    notebook: Path
    key: str = ""
    lang: str = ""

    @property
    def page(self) -> str:
        return f"{self.name}.html"

    @property
    def cache_name(self) -> str:
        return f"{self.lang}-{self.name}-{self.key[:20]}"


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
    # Sections whose cache entry failed its check, discarded and run again.
    damaged: list[Section] = field(default_factory=list)
    # The date the pages and the PDF carry (``helpers.run.edition``).
    edition: Edition = field(default_factory=lambda: Edition("", ""))


def plan_report(options: ReportOptions) -> Plan:
    """The sections, their keys and the report's key, from hashes alone (no data read)."""
    from helpers.intake.committee import committee_files
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
    run_key = cache_key(files={"figures": figures_key}, params=recorded)
    # The committee's texts open the report; the page exists whether they are written or not.
    pages = ((COMMITTEE_PAGE, i18n.t("committee.nav", params.lang)),)
    pages += tuple((s.page, section_label(s.name, params.lang)) for s in sections)
    pages += ((METHODS_PAGE, i18n.t("page.methods", params.lang)),)
    try:
        edition = edition_date(params.year, options.data_dir, committee_dir=options.committee)
    except ValueError as error:
        raise ReportFailure(f"report failed: {error}") from error
    shared = {
        "edition": edition.date,
        "run_data": run_key,
        "year": params.year,
        "lang": params.lang,
        "twins": sorted(options.twins),
        "min_cell": params.min_cell,
        "pages": pages,
        "dataset": dataset_name,
    }
    # Published figures and the other shipped tables: the fingerprint covers only those
    # the metrics read.
    shared_files = {
        "dataset.json": description,
        "reference": hash_files(sorted(p for p in REFERENCE_DIR.iterdir() if p.is_file())),
    }
    code = hash_helper_code()
    for section in sections:
        section.lang = params.lang
        section.key = cache_key(
            files={**shared_files, "notebook": hash_files([section.notebook])},
            params=shared,
            code=code,
        )
    methods = hash_files([options.methods]) if options.methods.is_file() else ""
    # The committee's texts are part of the pages that show them (the index, their page,
    # the PDF), not of the figures nor of the section pages.
    committee = hash_files(committee_files(options.committee, params.year))
    report_key = cache_key(
        files={**shared_files, "methods": methods, "committee": committee},
        params={
            **shared,
            "sections": [s.key for s in sections],
            "other_years": list_other_years(options),
        },
        code=code,
    )
    return Plan(
        sections,
        run_key,
        report_key,
        pages,
        dataset_name,
        fingerprint,
        figures_key,
        [],
        edition=edition,
    )


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
    return shown_source(source) if isinstance(source, str) and source else folder.resolve().name


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
    """True when ``target`` (OUT/Y/<lang>) was built with the same key and still holds
    its files as they were published."""
    return published_state(target, report_key) == INTACT


def published_state(target: Path, report_key: str) -> str:
    """``INTACT`` when ``target`` (OUT/Y/<lang>) was built with ``report_key`` and each
    file its manifest lists has the digest recorded at publication; ``DAMAGED`` when it
    was built with that key but a file is missing, cut short or changed; else ``ABSENT``."""
    try:
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ABSENT
    if not isinstance(manifest, dict) or manifest.get("key") != report_key:
        return ABSENT
    digests = manifest.get("sha256")
    if not isinstance(digests, dict) or set(digests) != set(manifest.get("files", [])):
        return DAMAGED
    for name, expected in digests.items():
        try:
            if file_sha256(target / name) != expected:
                return DAMAGED
        except OSError:
            return DAMAGED
    return INTACT


def is_cached(cache: Path, year: int, section: Section) -> str:
    """What the cache holds of the section's executed notebook and page: ``INTACT``,
    ``ABSENT``, or ``DAMAGED`` (a file missing, cut short or changed: the entry is
    discarded, to be built anew; ``helpers.core.cache.check_seal``)."""
    entry = cache / f"{year}-{section.cache_name}"
    state = check_seal(entry, (section.page, f"{section.name}.ipynb"))
    if state == DAMAGED:
        discard(entry)
    return state

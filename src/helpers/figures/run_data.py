"""The figures of one report run, computed once and read by every section notebook.

``write_run_data`` computes the KPI file of the year, the same figures for every year the
dataset covers (for trends and previous-year comparisons), the series behind the charts
and the run's provenance, and writes them into a folder; ``read_run_data`` reads them
back. ``helpers.report`` writes the folder before any notebook runs and passes it as the
``output_dir`` parameter; a notebook run by hand (``output_dir = None``) calls
``load_run_data``, which computes them into a cache folder keyed by the data, the code
and the parameters. ``remember_figures`` keeps a copy of a run's figures under the
user's cache folder, so that a report into another folder, on the same data with the
same code and parameters, reuses them (``reuse_remembered_figures``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.core.atomic import write_atomically
from helpers.core.cache import (
    ABSENT,
    INTACT,
    Store,
    cache_key,
    check_seal,
    discard,
    hash_files,
    hash_text,
    seal,
    user_cache_folder,
)
from helpers.core.params import DEFAULT_MIN_CELL, ReportParams
from helpers.core.paths import (
    DEFAULT_DATA_DIR,
    NOTEBOOKS_DIR,
    OUTPUTS_DIR,
    PACKAGE_DIR,
    REFERENCE_DIR,
    ROOT,
)
from helpers.core.source_url import shown_source

KPIS_FILE = "kpis.csv"
HISTORY_FILE = "kpis_history.csv"
SERIES_FILE = "series.csv"
PROVENANCE_FILE = "run.json"
# The figures the intruder's check withheld to protect others, year by year.
PROTECTED_FILE = "withheld_to_protect.csv"
# The reference tables the pages show beside the figures: the objectives and category
# rules in effect for the dataset (its own copies or the shipped ones), the aims the
# published reports state and the published figures (shipped with the code). The pages
# read them here, never from the dataset or the reference folder.
TARGETS_FILE = "targets.csv"
CATEGORY_RULES_FILE = "category_rules.csv"
STATED_AIMS_FILE = "stated_aims.csv"
PUBLISHED_FILE = "published_figures.csv"
CONFLICTS_FILE = "published_conflicts.csv"
IMPACT_PARAMETERS_FILE = "impact_parameters.csv"
REFERENCE_FILES = (
    TARGETS_FILE,
    CATEGORY_RULES_FILE,
    STATED_AIMS_FILE,
    PUBLISHED_FILE,
    CONFLICTS_FILE,
    IMPACT_PARAMETERS_FILE,
)
# The files that depend on the data, the code and the parameters only (not on the run).
FIGURES_FILES = (KPIS_FILE, HISTORY_FILE, SERIES_FILE, PROTECTED_FILE, *REFERENCE_FILES)
RUN_DATA_FILES = (*FIGURES_FILES, PROVENANCE_FILE)
# Sets of remembered figures kept: the most recently used ones.
FIGURES_KEPT = 32

if TYPE_CHECKING:
    import pandas as pd

    from helpers.intake.dataset import Dataset
RUN_DATA_CACHE_DIR = OUTPUTS_DIR / ".cache" / "run-data"
# The stages whose code computes the figures: the figures stage and what it may import.
FIGURES_STAGES = ("core", "intake", "figures")
# Source files whose content defines "the code" of a run; caches are not code.
CODE_SUFFIXES = {".py", ".json", ".toml", ".csv", ".html", ".css", ".j2", ".tpl", ".ipynb"}


def no_protected() -> pd.DataFrame:
    """No figure withheld to protect others (a run data made by hand)."""
    import pandas as pd

    return pd.DataFrame(columns=["year", "metric", "segment"])


def shipped_targets() -> pd.DataFrame:
    """The committee's objectives shipped with the code (``data/reference/targets.csv``)."""
    return read_reference_table(REFERENCE_DIR / TARGETS_FILE)


def shipped_category_rules() -> pd.DataFrame:
    """The category rules shipped with the code, typed as ``read_category_rules`` types them."""
    from helpers.intake.dataset import read_category_rules

    return read_category_rules(REFERENCE_DIR)


def shipped_stated_aims() -> pd.DataFrame:
    """The aims the published reports state and a figure measures, shipped with the code."""
    return read_reference_table(REFERENCE_DIR / STATED_AIMS_FILE)


def shipped_published() -> pd.DataFrame:
    """The published figures of every year, shipped with the code, typed."""
    from helpers.figures.reconcile import read_published

    return read_published(read_reference_table(REFERENCE_DIR / PUBLISHED_FILE))


def shipped_impact_parameters() -> pd.DataFrame:
    """The impact model's parameters shipped with the code, checked and typed."""
    from helpers.figures.stakeholder import check_parameters

    table = read_reference_table(REFERENCE_DIR / IMPACT_PARAMETERS_FILE, empty="text")
    return check_parameters(table, IMPACT_PARAMETERS_FILE)


def shipped_conflicts() -> pd.DataFrame:
    """The published figures in conflict with others, shipped with the code, typed."""
    from helpers.figures.reconcile import type_conflicts

    return type_conflicts(read_reference_table(REFERENCE_DIR / CONFLICTS_FILE, empty="text"))


@dataclass(frozen=True)
class RunData:
    """The figures and provenance of one run, as the notebooks read them.

    Attributes
    ----------
    kpis : DataFrame
        The KPI file of the report year (long form, as ``docs/methods.md`` describes it).
    history : DataFrame
        The same columns for every year the dataset covers, the report year included.
    series : DataFrame
        The series behind the charts (``helpers.figures.kpi_file.compute_series``).
    provenance : dict
        Dataset fingerprint, code version, parameters, UTC time, synthetic flag, absent
        optional tables and years covered (the content of run.json).
    targets, category_rules : DataFrame
        The objectives and the category rules in effect for the dataset.
    stated_aims, published, conflicts : DataFrame
        The aims the published reports state, their figures (typed), and those of the
        figures that conflict with others, with the reasons.
    protected : DataFrame
        The figures the intruder's check withheld to protect others (year, metric,
        segment), over the years of the history.
    """

    kpis: pd.DataFrame
    history: pd.DataFrame
    series: pd.DataFrame
    provenance: dict[str, Any]
    targets: pd.DataFrame = field(default_factory=shipped_targets, repr=False)
    category_rules: pd.DataFrame = field(default_factory=shipped_category_rules, repr=False)
    stated_aims: pd.DataFrame = field(default_factory=shipped_stated_aims, repr=False)
    published: pd.DataFrame = field(default_factory=shipped_published, repr=False)
    conflicts: pd.DataFrame = field(default_factory=shipped_conflicts, repr=False)
    impact_parameters: pd.DataFrame = field(default_factory=shipped_impact_parameters, repr=False)
    # Figures withheld by the intruder's check to protect others: year, metric, segment.
    protected: pd.DataFrame = field(default_factory=lambda: no_protected(), repr=False)

    @property
    def year(self) -> int:
        return int(self.provenance["parameters"]["year"])

    @property
    def synthetic(self) -> bool:
        return bool(self.provenance["dataset"]["synthetic"])

    @property
    def absent_tables(self) -> tuple[str, ...]:
        return tuple(self.provenance["dataset"]["absent_tables"])

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(self.provenance["dataset"]["years"])


def write_run_data(
    ds: Dataset,
    year: int,
    min_cell: int,
    folder: Path,
    params: ReportParams | Mapping[str, Any] | None = None,
    years: Iterable[int] | None = None,
    known: dict[tuple[int, int], pd.DataFrame] | None = None,
) -> Path:
    """Compute the run's figures and write them, with run.json, into ``folder``.

    Parameters
    ----------
    ds : Dataset
        The validated dataset.
    year, min_cell : int
        The report year and the disclosure threshold.
    folder : Path
        Created if needed; each file is replaced atomically, so a reader never sees a
        half-written file.
    params : ReportParams or mapping, optional
        The run's parameters, recorded in run.json (year and min_cell when omitted).
    years : iterable of int, optional
        The years of kpis_history.csv; default every year the dataset covers.
    known : dict, optional
        KPI frames already computed on this dataset, keyed by (year, min_cell); filled
        as a side effect, so building every year's report computes each year once.

    Returns
    -------
    Path
        ``folder``.
    """
    import pandas as pd

    from helpers.figures.kpi_file import (
        compute_kpis,
        compute_series,
        write_csv,
        write_kpis,
        write_series,
    )

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    covered = list_covered_years(ds)
    history_years = sorted(set(covered if years is None else years) | {year})
    known = {} if known is None else known
    for y in history_years:
        if (y, min_cell) not in known:
            known[y, min_cell] = compute_kpis(ds, y, min_cell)
    kpis = known[year, min_cell]
    history = pd.concat([known[y, min_cell] for y in history_years], ignore_index=True)
    series = compute_series(ds, year, min_cell)
    from helpers.figures import intruder

    # The graduates of a year are audited with the years that publish them: every audit
    # of the data is read, and the figures of the years this folder publishes are kept.
    audited = sorted(set(covered) | set(history_years))
    protected = [
        [str(y), metric, segment]
        for y, metric, segment in sorted(
            {
                figure
                for result in intruder.results_of(ds, min_cell, audited)
                for figure in result.withheld
            }
        )
        if y in history_years
    ]
    write_atomically(
        lambda path: write_csv(path, ("year", "metric", "segment"), protected),
        folder / PROTECTED_FILE,
    )
    write_atomically(lambda path: write_kpis(kpis, path), folder / KPIS_FILE)
    write_atomically(lambda path: write_kpis(history, path), folder / HISTORY_FILE)
    write_atomically(lambda path: write_series(series, path), folder / SERIES_FILE)
    write_reference_tables(ds, folder)
    write_provenance(ds, year, min_cell, folder, params)
    return folder


def write_reference_tables(ds: Dataset, folder: Path) -> None:
    """Write the reference tables the pages show (``REFERENCE_FILES``) into ``folder``."""
    import pandas as pd

    from helpers.intake import contract

    for name, frame in (
        (TARGETS_FILE, ds.query("SELECT * FROM targets")),
        (CATEGORY_RULES_FILE, ds.query("SELECT * FROM category_rules")),
        (STATED_AIMS_FILE, read_reference_table(REFERENCE_DIR / STATED_AIMS_FILE)),
        (PUBLISHED_FILE, read_reference_table(REFERENCE_DIR / PUBLISHED_FILE)),
        (CONFLICTS_FILE, read_reference_table(REFERENCE_DIR / CONFLICTS_FILE, empty="text")),
        (
            IMPACT_PARAMETERS_FILE,
            read_reference_table(REFERENCE_DIR / IMPACT_PARAMETERS_FILE, empty="text"),
        ),
    ):
        if name == TARGETS_FILE and frame.empty:
            frame = pd.DataFrame(columns=[c.name for c in contract.table("targets").columns])
        write_atomically(lambda path, frame=frame: write_text_table(frame, path), folder / name)


def write_text_table(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as text cells (an empty cell for a missing value), safe to open
    in a spreadsheet; ``read_reference_table`` reads it back."""
    import pandas as pd

    from helpers.core import safe_csv

    columns = [str(c) for c in frame.columns]
    rows = ([as_text(v, pd.isna) for v in row] for row in frame.itertuples(index=False, name=None))
    safe_csv.write_rows(path, columns, rows)


def as_text(value: Any, is_missing: Callable[[Any], bool]) -> str:
    """A cell as text: integral numbers without a decimal point, missing values empty."""
    if value is None or (not isinstance(value, str) and is_missing(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_reference_table(path: Path, empty: str = "missing") -> pd.DataFrame:
    """A reference table as text cells: an empty cell is missing (``empty="missing"``)
    or an empty text (``empty="text"``, for tables of words such as the reasons)."""
    from helpers.core import safe_csv

    missing = {"na_values": [""]} if empty == "missing" else {}
    return safe_csv.read_frame(path, dtype=str, keep_default_na=False, **missing)


def write_provenance(
    ds: Dataset,
    year: int,
    min_cell: int,
    folder: Path,
    params: ReportParams | Mapping[str, Any] | None = None,
) -> Path:
    """Write run.json, the run's provenance, into ``folder``; return its path."""
    recorded = dict(params.as_dict() if isinstance(params, ReportParams) else params or {})
    # Where the data and the figures sat is this machine's business: the dataset is named
    # (folder name and fingerprint) under "dataset".
    recorded.pop("data_dir", None)
    recorded.pop("output_dir", None)
    recorded.setdefault("year", year)
    recorded.setdefault("min_cell", min_cell)
    provenance = describe_run(ds, recorded, list_covered_years(ds))
    text = json.dumps(provenance, indent=2, sort_keys=True) + "\n"
    path = Path(folder) / PROVENANCE_FILE
    write_atomically(lambda temporary: temporary.write_text(text, encoding="utf-8"), path)
    return path


def figures_store() -> Store:
    """Where figures are remembered: the project's cache, beside the verdicts."""
    return Store(user_cache_folder() / "figures")


def reuse_remembered_figures(key: str, folder: Path) -> str:
    """Copy the figures remembered under ``key`` into ``folder``: ``INTACT`` when done,
    ``ABSENT`` when there are none, ``DAMAGED`` when the entry failed its check (it is
    discarded; ``helpers.core.cache``)."""
    store = figures_store()
    state = store.check(key, FIGURES_FILES)
    if state != INTACT:
        return state
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name in FIGURES_FILES:
            shutil.copyfile(store.folder(key) / name, folder / name)
    except OSError:
        return ABSENT
    store.touch(key)  # recently used: kept by the pruning
    return INTACT


def remember_figures(key: str, folder: Path) -> None:
    """Keep a copy of the figures of ``folder`` under ``key``, forgetting the least
    recently used beyond ``FIGURES_KEPT``; skipped when the cache cannot be written,
    since it only saves time."""
    store = figures_store()
    if store.put(key, folder, names=FIGURES_FILES) is not None:
        store.prune(FIGURES_KEPT)


def read_run_data(folder: Path | str) -> RunData:
    """Read the figures and provenance that ``write_run_data`` wrote into ``folder``."""
    from helpers.figures.reconcile import read_published, type_conflicts
    from helpers.figures.stakeholder import check_parameters
    from helpers.intake.dataset import type_category_rules

    folder = Path(folder)
    return RunData(
        kpis=read_csv(folder / KPIS_FILE),
        history=read_csv(folder / HISTORY_FILE),
        series=read_csv(folder / SERIES_FILE),
        provenance=json.loads((folder / PROVENANCE_FILE).read_text(encoding="utf-8")),
        targets=read_reference_table(folder / TARGETS_FILE),
        category_rules=type_category_rules(read_reference_table(folder / CATEGORY_RULES_FILE)),
        stated_aims=read_reference_table(folder / STATED_AIMS_FILE),
        published=read_published(read_reference_table(folder / PUBLISHED_FILE)),
        conflicts=type_conflicts(read_reference_table(folder / CONFLICTS_FILE, empty="text")),
        impact_parameters=check_parameters(
            read_reference_table(folder / IMPACT_PARAMETERS_FILE, empty="text"),
            IMPACT_PARAMETERS_FILE,
        ),
        protected=read_csv(folder / PROTECTED_FILE),
    )


def load_run_data(
    year: int,
    data_dir: str | None = None,
    min_cell: int = DEFAULT_MIN_CELL,
    output_dir: str | None = None,
    lang: str = "en",
) -> RunData:
    """The run data a notebook needs, from its parameters.

    With ``output_dir`` (a report run) the figures are read from there. Without it (a
    notebook run by hand) the dataset is loaded and the figures computed into a cache
    folder keyed by the dataset's fingerprint, the code and the parameters, so the next
    notebook reuses them.
    """
    params = ReportParams(
        year=year, data_dir=data_dir, lang=lang, min_cell=min_cell, output_dir=output_dir
    )
    if output_dir is not None:
        return read_run_data(output_dir)
    from helpers.intake.fingerprint import dataset_fingerprint
    from helpers.intake.load import load_dataset

    folder_of_data = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    description_file = folder_of_data / "dataset.json"
    description = hash_files([description_file]) if description_file.is_file() else ""
    key = run_data_key(dataset_fingerprint(folder_of_data), year, min_cell, description)
    # Keyed by the figures alone: a notebook opened in another language reuses them (the
    # parameters in this folder's run.json are those of the first notebook opened).
    folder = RUN_DATA_CACHE_DIR / key
    if check_seal(folder, RUN_DATA_FILES) != INTACT:
        discard(folder)
        dataset = load_dataset(folder_of_data, reuse_verdict=True)
        partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
        discard(partial)
        write_run_data(dataset, year, min_cell, partial, params)
        seal(partial)
        discard(folder)
        os.rename(partial, folder)
    return read_run_data(folder)


def run_data_key(fingerprint: str, year: int, min_cell: int, description: str) -> str:
    """What the figures of a run depend on: the data, its description (``description``,
    a hash of dataset.json, whose years decide the history), the code of the stages that
    compute them and the reference tables (``hash_figures_code``), year and min_cell
    (``helpers.core.cache.cache_key``). Not the language: the figures are the same in
    every language, and both languages of a run share them. Not the pages' code: a
    chart drawn differently reuses the figures."""
    return cache_key(
        files={"dataset": fingerprint, "dataset.json": description},
        params={"year": year, "min_cell": min_cell},
        code=hash_figures_code(),
    )


def list_covered_years(ds: Dataset) -> list[int]:
    """The years the dataset covers (``helpers.figures.metrics.common.covered_years``)."""
    from helpers.figures.metrics.common import covered_years

    return covered_years(ds)


def describe_run(ds: Dataset, params: Mapping[str, Any], years: list[int]) -> dict[str, Any]:
    """The provenance of a run: what data, what code, what parameters, when, and the
    reference values a page states beside its figures (the carbon price)."""
    from helpers.figures.metrics.carbon import describe_carbon_price

    year = params.get("year")
    return {
        "reference": {
            "carbon_price": describe_carbon_price(ds, int(year)) if year is not None else None
        },
        "dataset": {
            "fingerprint": ds.fingerprint,
            "name": describe_source(ds),
            "synthetic": ds.synthetic,
            "absent_tables": sorted(ds.absent),
            "years": years,
            # Values possible but implausible, used as delivered (helpers.intake.plausibility).
            "warnings": [w.as_dict() for w in ds.warnings],
        },
        "code": describe_code_version(),
        "parameters": dict(params),
        "created_utc": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }


def describe_source(ds: Dataset) -> str:
    """The dataset's name: the source a snapshot was read from (a database's URL with
    its password redacted, as its dataset.json records it), else the folder's name."""
    source = ds.meta.get("source")
    if isinstance(source, str) and source:
        return shown_source(source)
    return ds.source.name if ds.source else ""


def describe_code_version() -> dict[str, Any]:
    """The git commit (when the code is a git checkout) and a hash of the code itself.

    The hash covers src/helpers and the notebooks, so two runs with the same hash ran
    the same code whether or not it was committed.
    """
    return {"commit": read_git_commit(), "hash": hash_code()}


def provenance_names_this_code(folder: Path) -> bool:
    """True when the run.json of ``folder`` names the code now checked out."""
    try:
        recorded = json.loads((Path(folder) / PROVENANCE_FILE).read_text(encoding="utf-8"))
        return recorded["code"] == describe_code_version()
    except (OSError, ValueError, KeyError, TypeError):
        return False


def read_git_commit() -> str | None:
    """The checked-out commit, suffixed ``+changes`` when code differs from it; None
    outside a git checkout."""
    try:
        head = _git("rev-parse", "HEAD")
        changes = _git("status", "--porcelain", "--", "src", "notebooks")
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+changes" if changes else "")


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=10
    )
    return done.stdout.strip()


def hash_code() -> str:
    """A hash of the helper package and the section notebooks (content, not dates)."""
    return hash_text(f"{hash_helper_code()}|{hash_files(sorted(NOTEBOOKS_DIR.glob('*.ipynb')))}")


def hash_helper_code() -> str:
    """A hash of every source file of the helper package (templates included) and of
    the reference tables shipped with it (published figures, stated aims, ...): what
    a section's page depends on, beside the figures and its notebook."""
    return hash_text(f"{_hash_tree(str(PACKAGE_DIR))}|{_hash_tree(str(REFERENCE_DIR))}")


def hash_figures_code(package_dir: Path = PACKAGE_DIR, reference_dir: Path = REFERENCE_DIR) -> str:
    """A hash of the code that computes the figures and of the reference tables.

    The code is that of the figures stage and of the stages it may import (``core``,
    ``intake``: the data contract, its reading and its rules), as the layers contract of
    pyproject.toml allows them; pages, runs and entry points are not part of it, so a
    change in how a chart is drawn or a page is worded leaves the figures' key as it was.
    """
    trees = [_hash_tree(str(package_dir / stage)) for stage in FIGURES_STAGES]
    top = hash_files([package_dir / "__init__.py"])
    return hash_text("|".join([top, *trees, _hash_tree(str(reference_dir))]))


@lru_cache(maxsize=16)
def _hash_tree(root: str) -> str:
    # Cached: the code does not change during a run, and notebooks call this often.
    files = [
        p
        for p in sorted(Path(root).rglob("*"))
        if p.is_file() and p.suffix in CODE_SUFFIXES and "__pycache__" not in p.parts
    ]
    return hash_files(files, relative_to=Path(root))


def read_csv(path: Path) -> pd.DataFrame:
    """A run-data CSV; only empty cells are missing (a segment or country 'NA' is not).

    Text cells come back as they were before ``helpers.core.safe_csv`` neutralised them.
    """
    from helpers.core import safe_csv

    return safe_csv.read_frame(path, keep_default_na=False, na_values=[""])

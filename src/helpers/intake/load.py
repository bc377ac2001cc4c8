"""Read a dataset folder, check it against the data contract, and return a Dataset.

``load_dataset`` is the project's gatekeeper: nothing is computed on a dataset that
breaks the contract. It finds and reads every table file (``helpers.intake.sources``:
Parquet stays a view over the file, CSV is read once as text), casts each column to its
contract type (``helpers.intake.column_types``), evaluates every rule of
``helpers.intake.rules`` as SQL over whole columns (``helpers.intake.rule_checks``) and
gathers all broken rules into one ``ContractError``; a clean dataset comes back as a
``helpers.intake.dataset.Dataset`` whose tables have exactly the contract's columns and
types.

The verdict on a valid dataset is remembered under the user's cache folder, keyed by
what it depends on: the dataset's fingerprint (its bytes, read anew every time), its
description (dataset.json) and a hash of the validation code; with ``reuse_verdict`` a
report on unchanged data does not check it again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from helpers.core.cache import Store, cache_key, user_cache_folder
from helpers.core.paths import REFERENCE_DIR
from helpers.intake import contract, rules
from helpers.intake import description as description_module
from helpers.intake.column_types import column_reading, create_typed_relation
from helpers.intake.consistency import consistency_problems
from helpers.intake.dataset import Dataset, read_category_rules, register_category_rules
from helpers.intake.description import Description, read_description
from helpers.intake.fingerprint import dataset_fingerprint
from helpers.intake.plausibility import DataWarning, find_warnings
from helpers.intake.rule_checks import (
    Finding,
    display_rows,
    find_broken_rules,
    order_problems,
    to_problem,
)
from helpers.intake.rules import (
    ContractError,
    Problem,
    UnusableDatasetError,
    literal,
    quote,
)
from helpers.intake.sources import Source, label_of, locate_tables, read_source, table_of

__all__ = [
    "ContractError",
    "Problem",
    "UnusableDatasetError",
    "connect",
    "check_verdicts",
    "is_remembered_valid",
    "load_dataset",
]

# DuckDB's share of the report's memory; bigger aggregations spill to a temp directory.
MEMORY_LIMIT = "1GB"
META_FILE = description_module.FILE


# Remembered verdicts on valid datasets, in the cache folder of helpers.intake.fingerprint.
# Its own name since verdicts carry their warnings: an older version of the project,
# reading the same cache folder, keeps to its own file instead of dropping these.
VERDICTS_FILE = "verdicts.json"
# Verdicts kept: the most recent ones, enough for every dataset a person works with.
VERDICTS_KEPT = 64
# The modules and reference file whose content decides what "valid" means.
VALIDATION_SOURCES = (
    "load.py",
    "sources.py",
    "column_types.py",
    "rule_checks.py",
    "rules.py",
    "consistency.py",
    "contract.py",
    "dataset.py",
    "description.py",
    "plausibility.py",
    "personal_columns.py",
)


def load_dataset(
    data_dir: Path | str, reference_dir: Path | str = REFERENCE_DIR, *, reuse_verdict: bool = False
) -> Dataset:
    """The dataset in ``data_dir``, validated against the data contract.

    Parameters
    ----------
    data_dir
        A folder holding one file per table (``members.parquet`` or ``members.csv``...).
        Its own emission_factors, carbon_prices, consumer_prices or targets replace the
        shipped ones.
    reference_dir
        The shipped reference tables (``data/reference``).
    reuse_verdict
        Skip the rules when this very dataset (same fingerprint) was found valid by the
        same validation code before, and let results computed on it before by the same
        code (``Dataset.reuse_results``) be reused. Off by default: checking a delivery
        checks it. The verdict on a valid dataset is remembered either way.

    Returns
    -------
    Dataset
        Every contract table as a DuckDB view or table with the contract's columns and
        types, the effective reference tables and ``category_rules``.

    Raises
    ------
    UnusableDatasetError
        When a folder is missing or is not a folder.
    ContractError
        When any rule is broken; ``problems`` lists them all.
    """
    check_folders(Path(data_dir), Path(reference_dir))
    data_dir, reference_dir = Path(data_dir).resolve(), Path(reference_dir).resolve()
    fingerprint = dataset_fingerprint(data_dir, reference_dir)
    verdict = verdict_key(fingerprint, data_dir, reference_dir)
    checked = not (reuse_verdict and verdict in read_verdicts())
    con = connect()
    try:
        create_country_codes(con)
        files = read_sources(con, data_dir, reference_dir)
        paths, sources, description = files.paths, files.sources, files.description
        problems, type_checks = files.problems, files.type_checks
        findings = find_broken_rules(con, sources, type_checks) if checked else []
        if checked:
            contradictions, named = consistency_problems(con, sources, description)
            problems += contradictions
            findings += named
        problems += [
            to_problem(f, lines) for f, lines in zip(findings, display_rows(findings), strict=True)
        ]
        if problems:
            raise ContractError(order_problems(problems))
        if checked:
            warnings = to_warnings(find_warnings(con, sources, reference_dir))
        else:
            warnings = remembered_warnings(verdict)
        expose_tables(con, sources)
        con.execute(f"DROP TABLE {rules.COUNTRY_CODES_TABLE}")
        register_category_rules(con, read_category_rules(reference_dir))
    except BaseException:
        con.close()
        raise
    if checked:
        remember_verdict(verdict, warnings)
    present = frozenset(t.name for t in contract.DATASET_TABLES if t.name in paths)
    return Dataset(
        con=con,
        present=present,
        absent=frozenset(contract.OPTIONAL_TABLES) - present,
        source=data_dir,
        fingerprint=fingerprint,
        reuse_results=reuse_verdict,
        meta=description.meta,
        warnings=tuple(warnings),
        # The shipped reference tables carry notes for their readers (a ``note``
        # column): the project's own files, not a delivery's extra columns.
        ignored=tuple(
            [
                (s.label, c)
                for s in sources.values()
                for c in s.ignored
                if not s.path.resolve().is_relative_to(Path(reference_dir).resolve())
            ]
            + [(META_FILE, key) for key in description.ignored]
        ),
    )


def is_remembered_valid(data_dir: Path | str, reference_dir: Path | str = REFERENCE_DIR) -> bool:
    """True when the dataset in ``data_dir``, as it is now, was found valid by this code."""
    data_dir, reference_dir = Path(data_dir).resolve(), Path(reference_dir).resolve()
    fingerprint = dataset_fingerprint(data_dir, reference_dir)
    return verdict_key(fingerprint, data_dir, reference_dir) in read_verdicts()


@dataclass
class DatasetFiles:
    """The files of a dataset as read, before any rule: the file of each table, the
    ``Source`` of each file that could be read and its type checks
    (``create_typed_relation``), the dataset's description, and the problems met so far
    (files that cannot be read, a description that breaks its rules)."""

    paths: dict[str, Path]
    sources: dict[str, Source]
    type_checks: dict[str, list[tuple[str, str, str]]]
    description: Description
    problems: list[Problem]


def read_sources(
    con: duckdb.DuckDBPyConnection, data_dir: Path, reference_dir: Path
) -> DatasetFiles:
    """Every table file of the dataset read and typed, ready for the rules."""
    paths, problems = locate_tables(data_dir, reference_dir)
    description = read_description(data_dir)
    problems += description.problems
    latest, latest_is = description.latest_event()
    sources: dict[str, Source] = {}
    type_checks: dict[str, list[tuple[str, str, str]]] = {}
    for name, path in paths.items():
        source, read_problems = read_source(con, table_of(name), path, label_of(path, data_dir))
        problems += read_problems
        if source is not None:
            if name != rules.CATEGORY_RULES_NAME:
                # The date ranges of the dataset's events bound each table's dates.
                source.bounds = tuple(rules.date_bounds(source.table, latest, latest_is))
            sources[name] = source
            type_checks[name] = create_typed_relation(con, source)
    return DatasetFiles(paths, sources, type_checks, description, problems)


def verdict_key(fingerprint: str, data_dir: Path, reference_dir: Path) -> str:
    """What a verdict and its warnings depend on: the data (its fingerprint), its
    description and the shipped emission factors, which the checks read too, and the
    validation code."""
    return cache_key(
        files={
            "dataset": fingerprint,
            META_FILE: hash_bytes(Path(data_dir) / META_FILE),
            "emission_factors.csv": hash_bytes(Path(reference_dir) / "emission_factors.csv"),
        },
        code=hash_validation_code(),
    )


def hash_bytes(path: Path) -> str:
    """A hash of the bytes of ``path`` ("" when there is no such file)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def to_warnings(found: list[tuple[str, float, Finding]]) -> list[DataWarning]:
    """The warnings of ``find_warnings``, rows counted as a person counts them."""
    findings = [finding for _, _, finding in found]
    return [
        DataWarning(kind, f.source.label, f.column, f.count, rows, limit, f.rule)
        for (kind, limit, f), rows in zip(found, display_rows(findings), strict=True)
    ]


@functools.cache
def hash_validation_code() -> str:
    """A hash of the modules that validate, the country codes and DuckDB's version."""
    # Cached: the code does not change while a process runs.
    digest = hashlib.sha256(duckdb.__version__.encode())
    package = Path(__file__).resolve().parent
    for path in [package / name for name in VALIDATION_SOURCES] + [rules.COUNTRIES_FILE]:
        digest.update(f"{path.name}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def verdicts_store() -> Store:
    """The store of the verdicts (``helpers.core.cache``): one record of keyed verdicts."""
    return Store(user_cache_folder())


def check_verdicts() -> str:
    """What the record of verdicts is (``helpers.core.cache``: absent, intact, or damaged
    and then discarded, every dataset to be checked anew)."""
    return verdicts_store().read_record(VERDICTS_FILE)[1]


def read_verdicts() -> dict[str, dict[str, Any]]:
    """The remembered verdicts: key -> when the dataset was found valid (UTC, ``at``)
    and the warnings found then (``warnings``)."""
    return {
        k: v
        for k, v in verdicts_store().record(VERDICTS_FILE).items()
        if isinstance(v, dict) and isinstance(v.get("at"), str)
    }


def remembered_warnings(key: str) -> list[DataWarning]:
    """The warnings found when the dataset of ``key`` was checked."""
    try:
        return [DataWarning.from_dict(w) for w in read_verdicts()[key].get("warnings", [])]
    except (KeyError, TypeError, ValueError):
        return []


def remember_verdict(key: str, warnings: list[DataWarning]) -> None:
    """Remember that the dataset of ``key`` is valid, with its warnings; the oldest
    verdicts are forgotten."""
    verdicts = read_verdicts()
    verdicts[key] = {
        "at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "warnings": [w.as_dict() for w in warnings],
    }
    recent = sorted(verdicts.items(), key=lambda item: item[1]["at"])[-VERDICTS_KEPT:]
    verdicts_store().write_record(VERDICTS_FILE, dict(recent))


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with bounded memory that spills big aggregations to disk."""
    # A fresh directory per connection: DuckDB creates it on first spill and removes it
    # on close, and two connections never share temp files.
    temp_dir = Path(tempfile.gettempdir()) / f"mission-report-duckdb-{uuid.uuid4().hex}"
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(temp_dir)})
    # The progress bar would print into notebooks. Inside a Jupyter kernel DuckDB refuses
    # the setting (its bar there is a widget, shown only when ipywidgets is installed).
    with contextlib.suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")
    # No result may depend on the machine's time zone.
    con.execute("SET TimeZone = 'UTC'")
    return con


def create_country_codes(con: duckdb.DuckDBPyConnection) -> None:
    """The table of accepted country codes that the country rule reads."""
    codes = rules.country_codes() + (contract.UNKNOWN_COUNTRY,)
    con.execute(
        f"CREATE TEMP TABLE {rules.COUNTRY_CODES_TABLE} AS SELECT unnest($codes) AS code",
        {"codes": list(codes)},
    )


def check_folders(data_dir: Path, reference_dir: Path) -> None:
    """Raise UnusableDatasetError unless both folders exist."""
    for folder, what in ((data_dir, "dataset"), (reference_dir, "reference")):
        if not folder.exists() and folder.is_symlink():
            raise UnusableDatasetError(
                [
                    Problem(
                        str(folder),
                        "",
                        f"{what} folder is a dangling symbolic link (its target does not exist)",
                    )
                ]
            )
        if not folder.exists():
            raise UnusableDatasetError([Problem(str(folder), "", f"no such {what} folder")])
        if not folder.is_dir():
            raise UnusableDatasetError([Problem(str(folder), "", f"{what} path is not a folder")])


def expose_tables(con: duckdb.DuckDBPyConnection, sources: dict[str, Source]) -> None:
    """Give each contract table its name, with exactly the contract's columns and types."""
    for name, source in sources.items():
        # category_rules is registered from its file by helpers.intake.dataset instead.
        if name != rules.CATEGORY_RULES_NAME and source.is_csv:
            columns = ", ".join(quote(c) for c in source.table.column_names)
            con.execute(f"CREATE TABLE {quote(name)} AS SELECT {columns} FROM {source.typed}")
        elif name != rules.CATEGORY_RULES_NAME:
            columns = ", ".join(
                f"{column_reading(c, source)[0]} AS {quote(c.name)}" for c in source.table.columns
            )
            scan = f"read_parquet({literal(str(source.path.resolve()))})"
            con.execute(f"CREATE VIEW {quote(name)} AS SELECT {columns} FROM {scan}")
        con.execute(f"DROP {'TABLE' if source.is_csv else 'VIEW'} {source.typed}")

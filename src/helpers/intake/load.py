"""Read a dataset folder, check it against the data contract, and return a Dataset.

``load_dataset`` is the project's gatekeeper: nothing is computed on a dataset that
breaks the contract. Every file is read by DuckDB (Parquet stays a view over the file;
CSV is read once as text), each column is cast to its contract type, then every rule
of ``helpers.intake.rules`` is evaluated as SQL over whole columns. All broken rules are
gathered into one ``ContractError``; a clean dataset comes back as a
``helpers.intake.dataset.Dataset`` whose tables have exactly the contract's columns and types.

Row numbers are computed only for broken rules: a valid dataset costs one or two
aggregate scans per table (types, then row rules), one check per uniqueness rule and one
anti-join per reference. Parquet statistics spare what they prove: a column whose every
row group counts no null needs no not-null scan, and a key column whose values rise
strictly from row to row (checked by streaming it, much cheaper than grouping it) is
unique without a hash aggregate.

The verdict on a valid dataset is remembered under the user's cache folder, keyed by
what it depends on: the dataset's fingerprint (its bytes, read anew every time), its
description (dataset.json) and a hash of the validation code; with ``reuse_verdict`` a
report on unchanged data does not check it again.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import itertools
import re
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from helpers.core.paths import REFERENCE_DIR, ROOT
from helpers.intake import contract, rules
from helpers.intake import description as description_module
from helpers.intake.dataset import Dataset, read_category_rules, register_category_rules
from helpers.intake.description import read_description
from helpers.intake.fingerprint import (
    cache_folder,
    dataset_fingerprint,
    read_cache,
    write_json_atomically,
)
from helpers.intake.personal_columns import says_personal
from helpers.intake.plausibility import DataWarning, find_warnings, overflow_findings
from helpers.intake.rules import (
    ContractError,
    LookupRule,
    Problem,
    RowRule,
    UniqueRule,
    UnusableDatasetError,
    literal,
    quote,
)

__all__ = [
    "ContractError",
    "Problem",
    "UnusableDatasetError",
    "connect",
    "is_remembered_valid",
    "load_dataset",
]

# DuckDB's share of the report's memory; bigger aggregations spill to a temp directory.
MEMORY_LIMIT = "1GB"
TABLE_SUFFIXES = (".parquet", ".csv")
META_FILE = description_module.FILE
CATEGORY_RULES_FILE = "category_rules.csv"

# Text forms accepted where the contract asks for a date, an integer or a number.
# A time must be one of a day (00:00 to 23:59:59) and an offset one of the world's
# clocks, at most 14 hours from UTC: 25:00 or +25:00 is an error of the extraction.
TIME_PATTERN = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?"
OFFSET_PATTERN = r"(Z|[+-](0[0-9]|1[0-3])(:?[0-5][0-9])?|[+-]14(:?00)?)"
DATE_PATTERN = rf"[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}([T ]{TIME_PATTERN}{OFFSET_PATTERN}?)?"
INTEGER_PATTERN = r"[+-]?[0-9]+"
NUMBER_PATTERN = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"

TYPE_RULES = {
    "string": "must be text",
    "enum": "must be text",
    "country": "must be text",
    "date": "must be a date written YYYY-MM-DD (a time of day and a UTC offset within ±14:00 may follow)",
    "integer": "must be a whole number",
    "number": "must be a finite number written with '.' for decimals",
    "boolean": "must be true or false",
}
INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}
# A time zone written as a fixed offset from UTC (+02:00), which DuckDB does not name.
UTC_OFFSET = re.compile(r"([+-])([0-9]{2}):?([0-9]{2})")
PLAUSIBLE_OFFSET = re.compile(OFFSET_PATTERN)
# A header holding one of these and no comma was written with the wrong delimiter.
WRONG_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}
PERSONAL_RULE = (
    "its name says it holds a name, e-mail, phone or address, which the data contract "
    "keeps out of every dataset: remove the column from the file"
)
# Remembered verdicts on valid datasets, in the cache folder of helpers.intake.fingerprint.
# Its own name since verdicts carry their warnings: an older version of the project,
# reading the same cache folder, keeps to its own file instead of dropping these.
VERDICTS_FILE = "verdicts.json"
# Verdicts kept: the most recent ones, enough for every dataset a person works with.
VERDICTS_KEPT = 64
# Rows read at a time when streaming a key column to see whether it rises strictly.
KEY_BATCH_ROWS = 1 << 16
# The modules and reference file whose content decides what "valid" means.
VALIDATION_SOURCES = (
    "load.py",
    "rules.py",
    "contract.py",
    "dataset.py",
    "description.py",
    "plausibility.py",
    "personal_columns.py",
)


@dataclass
class Source:
    """One table file as read: its raw rows and the contract columns found in it."""

    table: contract.Table
    path: Path
    label: str  # the file as problems name it
    raw: str  # SQL relation of the file's rows
    row_index: str  # SQL giving each row's 0-based position in the file
    types: dict[str, str]  # contract column -> its DuckDB type in the file
    zones: dict[str, str] = field(default_factory=dict)  # zoned timestamp column -> its zone
    usable: bool = True  # false when rows could not be read one by one
    bad: set[str] = field(default_factory=set)  # columns holding values of the wrong type
    no_nulls: frozenset[str] = frozenset()  # columns whose Parquet statistics count no null
    bounds: tuple[rules.Rule, ...] = ()  # the date ranges of this dataset's events
    ignored: tuple[str, ...] = ()  # columns outside the contract, never read

    @property
    def rules(self) -> list[rules.Rule]:
        """Every rule of the table, the dataset's date ranges included."""
        return rules.rules_for(self.table) + list(self.bounds)

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def is_csv(self) -> bool:
        return self.path.suffix == ".csv"

    @property
    def typed(self) -> str:
        return quote(f"_typed_{self.name}")

    def has(self, columns: tuple[str, ...]) -> bool:
        return self.usable and all(c in self.types for c in columns)


@dataclass
class Finding:
    """A broken rule found in a source, rows still as 0-based positions."""

    source: Source
    column: str
    rule: str
    count: int
    indexes: list[int]


def load_dataset(
    data_dir: Path | str, reference_dir: Path | str = REFERENCE_DIR, *, reuse_verdict: bool = False
) -> Dataset:
    """The dataset in ``data_dir``, validated against the data contract.

    Parameters
    ----------
    data_dir
        A folder holding one file per table (``members.parquet`` or ``members.csv``...).
        Its own emission_factors, carbon_prices or targets replace the shipped ones.
    reference_dir
        The shipped reference tables (``data/reference``).
    reuse_verdict
        Skip the rules when this very dataset (same fingerprint) was found valid by the
        same validation code before. Off by default: checking a delivery checks it. The
        verdict on a valid dataset is remembered either way.

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
                    source.bounds = tuple(rules.date_bounds(source.table, latest, latest_is))
                sources[name] = source
                type_checks[name] = create_typed_relation(con, source)
        findings = find_broken_rules(con, sources, type_checks) if checked else []
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


def find_broken_rules(
    con: duckdb.DuckDBPyConnection,
    sources: dict[str, Source],
    type_checks: dict[str, list[tuple[str, str, str]]],
) -> list[Finding]:
    """Every broken rule of the sources: types first, then the rules of each table.

    A Parquet file whose footer reads but whose pages do not fails one of these scans
    (DuckDB raises a bare ``duckdb.Error`` for some damaged pages): the file and column
    are then found and reported instead.
    """
    try:
        findings: list[Finding] = []
        read = columns_read_by_rules(sources)
        for name, source in sources.items():
            findings += type_findings(con, source, type_checks[name], read[name])
        clear = clear_references(con, sources)
        for source in sources.values():
            findings += rule_findings(con, source, sources, clear)
        return findings + overflow_findings(con, sources)
    except duckdb.Error as error:
        raise ContractError(unreadable_columns(con, sources, error)) from None


def columns_read_by_rules(sources: dict[str, Source]) -> dict[str, set[str]]:
    """The columns of each source that some rule scans, whose damaged pages it would meet.

    Not-null rules that Parquet statistics prove do not scan their column.
    """
    read: dict[str, set[str]] = {name: set() for name in sources}
    for name, source in sources.items():
        for rule in source.rules:
            if isinstance(rule, RowRule) and proven_by_statistics(source, rule):
                continue
            read[name].update(rule.reads)
            if isinstance(rule, LookupRule) and rule.target in read:
                read[rule.target].update(rule.target_reads)
    return read


def unreadable_columns(
    con: duckdb.DuckDBPyConnection, sources: dict[str, Source], error: duckdb.Error
) -> list[Problem]:
    """The contract columns of the Parquet sources that cannot be read, one problem each;
    a problem naming the error when none can be pinned down."""
    problems = []
    for source in sources.values():
        if source.is_csv:
            continue  # read whole into a table already: its values are in memory
        scan = f"read_parquet({literal(str(source.path))})"
        for column in source.types:
            try:
                con.execute(f"SELECT count({decoded(column)}) FROM {scan}").fetchone()
            except duckdb.Error:
                # DuckDB's message says nothing a person can act on ("don't know what
                # type"): the column is what to name.
                problems.append(
                    Problem(source.label, column, "cannot be read: its data pages are damaged")
                )
    return problems or [Problem("dataset", "", f"cannot be read ({first_line(error)})")]


def decoded(column: str) -> str:
    """SQL that needs every value of ``column`` decoded: a hash, which no statistics
    of the file can stand for."""
    return f"hash({quote(column)})"


def is_remembered_valid(data_dir: Path | str, reference_dir: Path | str = REFERENCE_DIR) -> bool:
    """True when the dataset in ``data_dir``, as it is now, was found valid by this code."""
    data_dir, reference_dir = Path(data_dir).resolve(), Path(reference_dir).resolve()
    fingerprint = dataset_fingerprint(data_dir, reference_dir)
    return verdict_key(fingerprint, data_dir, reference_dir) in read_verdicts()


def verdict_key(fingerprint: str, data_dir: Path, reference_dir: Path) -> str:
    """What a verdict and its warnings depend on: the data (its fingerprint), its
    description and the shipped emission factors, which the checks read too, and the
    validation code."""
    description = hash_bytes(Path(data_dir) / META_FILE)
    factors = hash_bytes(Path(reference_dir) / "emission_factors.csv")
    text = f"{fingerprint}|{description}|{factors}|{hash_validation_code()}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


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
        DataWarning(kind, f.source.label, f.column, f.count, rows, limit)
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


def verdicts_file() -> Path:
    return cache_folder() / VERDICTS_FILE


def read_verdicts() -> dict[str, dict[str, Any]]:
    """The remembered verdicts: key -> when the dataset was found valid (UTC, ``at``)
    and the warnings found then (``warnings``)."""
    return {
        k: v
        for k, v in read_cache(verdicts_file()).items()
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
    write_json_atomically(verdicts_file(), dict(recent))


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
        if not folder.exists():
            raise UnusableDatasetError([Problem(str(folder), "", f"no such {what} folder")])
        if not folder.is_dir():
            raise UnusableDatasetError([Problem(str(folder), "", f"{what} path is not a folder")])


def table_of(name: str) -> contract.Table:
    if name == rules.CATEGORY_RULES_NAME:
        return rules.CATEGORY_RULES_TABLE
    return contract.table(name)


def label_of(path: Path, data_dir: Path) -> str:
    """How problems name a file: bare inside the dataset, from the repository root else."""
    if path.parent.resolve() == data_dir.resolve():
        return path.name
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def locate_tables(data_dir: Path, reference_dir: Path) -> tuple[dict[str, Path], list[Problem]]:
    """The file of every table to read, in contract order, and the tables missing.

    Dataset tables come from ``data_dir``; reference tables from ``data_dir`` when the
    dataset has its own copy, from ``reference_dir`` otherwise; category_rules always
    from ``reference_dir``.
    """
    paths: dict[str, Path] = {}
    problems: list[Problem] = []
    for table in contract.TABLES:
        folders = [data_dir / f"{table.name}{s}" for s in TABLE_SUFFIXES]
        if any(f.is_dir() for f in folders):
            # A table written as a folder of part files, as some engines do.
            problems += [
                Problem(f.name, "", "is a folder: the contract asks for one file per table")
                for f in folders
                if f.is_dir()
            ]
            continue
        found = _table_files(data_dir, table.name)
        if not found and table.reference:
            found = _table_files(reference_dir, table.name)
        if len(found) > 1:
            problems.append(
                Problem(
                    found[0].name,
                    "",
                    f"{found[1].name} holds the same table: keep only one of the two files",
                )
            )
        elif found:
            paths[table.name] = found[0]
        elif table.reference:
            problems.append(
                Problem(
                    label_of(reference_dir / f"{table.name}.csv", data_dir),
                    "",
                    "reference table is missing (and the dataset has no copy of its own)",
                )
            )
        elif not table.optional:
            problems.append(
                Problem(
                    table.name,
                    "",
                    f"required table is missing: no {table.name}.parquet or {table.name}.csv",
                )
            )
    category_rules = reference_dir / CATEGORY_RULES_FILE
    if category_rules.is_file():
        paths[rules.CATEGORY_RULES_NAME] = category_rules
    else:
        problems.append(
            Problem(label_of(category_rules, data_dir), "", "reference table is missing")
        )
    return paths, problems


def _table_files(folder: Path, name: str) -> list[Path]:
    return [folder / f"{name}{s}" for s in TABLE_SUFFIXES if (folder / f"{name}{s}").is_file()]


def read_source(
    con: duckdb.DuckDBPyConnection, table: contract.Table, path: Path, label: str
) -> tuple[Source | None, list[Problem]]:
    """Read one table file; None when it cannot be read at all."""
    try:
        if path.stat().st_size == 0:
            return None, [Problem(label, "", "file is empty")]
        if path.suffix == ".csv":
            return read_csv_source(con, table, path, label)
        return read_parquet_source(con, table, path, label)
    except PermissionError:
        return None, [Problem(label, "", "cannot be read: permission denied")]


def read_csv_source(
    con: duckdb.DuckDBPyConnection, table: contract.Table, path: Path, label: str
) -> tuple[Source | None, list[Problem]]:
    """Read a CSV file as text into a DuckDB table, one text column per header name."""
    header, problem = read_csv_header(path, label)
    if header is None:
        return None, [problem] if problem else []
    repeated = repeated_names(header)
    if repeated:
        return None, [Problem(label, n, "appears more than once in the header") for n in repeated]
    personal = personal_columns(table, header, label)
    if personal:
        return None, personal
    problems = missing_columns(table, header, label)
    # Columns the contract does not know get neutral names and are never selected: the
    # parser splits their fields, nothing keeps their values.
    names = [n if n in table.column_names else f"_extra_{i}" for i, n in enumerate(header)]
    spec = "{" + ", ".join(f"{literal(n)}: 'VARCHAR'" for n in names) + "}"
    kept = ", ".join(quote(n) for n in names if n in table.column_names) or "NULL AS _none"
    raw = quote(f"_raw_{table.name}")
    rejects, scans = f"_rejects_{table.name}", f"_scans_{table.name}"
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT {kept} FROM read_csv("
            f"{literal(str(path))}, header = true, auto_detect = false, delim = ',', "
            f"quote = '\"', escape = '\"', columns = {spec}, store_rejects = true, "
            f"rejects_table = {literal(rejects)}, rejects_scan = {literal(scans)})"
        )
        rejected = con.execute(
            f"SELECT error_type, count(*), list(line ORDER BY line)[1:{rules.ROWS_SHOWN}] "
            f"FROM {quote(rejects)} GROUP BY error_type ORDER BY min(line)"
        ).fetchall()
    except duckdb.Error as error:
        return None, problems + [Problem(label, "", f"cannot be read as CSV ({first_line(error)})")]
    finally:
        con.execute(f"DROP TABLE IF EXISTS {quote(rejects)}")
        con.execute(f"DROP TABLE IF EXISTS {quote(scans)}")
    source = Source(
        table,
        path,
        label,
        raw=raw,
        row_index="rowid",
        types={n: "VARCHAR" for n in names if n in table.column_names},
        ignored=tuple(n for n in header if n not in table.column_names),
    )
    if rejected:
        # Rejected lines leave gaps in the rows read: the file's shape must be fixed first.
        source.usable = False
        problems += rejected_lines(rejected, len(header), label)
    return source, problems


def personal_columns(table: contract.Table, names: list[str], label: str) -> list[Problem]:
    """A problem for each column outside the contract whose name says it holds a name,
    e-mail, phone or address (the contract's own columns are never taken for one)."""
    return [
        Problem(label, n, PERSONAL_RULE)
        for n in names
        if n not in table.column_names and says_personal(n)
    ]


def repeated_names(names: list[str]) -> list[str]:
    """The column names given more than once, sorted; DuckDB does not tell ``Country``
    from ``country``, so neither does this."""
    seen: dict[str, list[str]] = {}
    for name in names:
        seen.setdefault(name.casefold(), []).append(name)
    return sorted(same[0] for same in seen.values() if len(same) > 1)


def rejected_lines(
    rejected: list[tuple[str, int, list[int]]], fields: int, label: str
) -> list[Problem]:
    """One problem per rule broken by the lines DuckDB's CSV reader rejected."""
    by_rule: dict[str, tuple[int, list[int]]] = {}
    for kind, count, lines in rejected:
        rule = csv_reject_rule(kind, fields)
        total, shown = by_rule.get(rule, (0, []))
        by_rule[rule] = (total + count, shown + lines)
    return [
        Problem(label, "", rule, count, tuple(sorted(lines)[: rules.ROWS_SHOWN]))
        for rule, (count, lines) in by_rule.items()
    ]


def read_csv_header(path: Path, label: str) -> tuple[list[str] | None, Problem | None]:
    """The column names of a CSV file, or the problem that prevents reading them."""
    with path.open("rb") as f:
        first = f.readline(1 << 20)
    try:
        text = first.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        return None, Problem(label, "", "is not UTF-8 text: save the file as UTF-8", 1, (1,))
    if not text.strip():
        return None, Problem(label, "", "has no header row on line 1")
    header = next(csv.reader([text]))
    if len(header) == 1:
        for delimiter, name in WRONG_DELIMITERS.items():
            if delimiter in text:
                return None, Problem(
                    label, "", f"separates its columns with {name}: the contract asks for commas"
                )
    return header, None


def csv_reject_rule(kind: str, fields: int) -> str:
    """The rule a line rejected by DuckDB's CSV reader breaks, in the report's words."""
    if "ENCOD" in kind or "UNICODE" in kind:
        return "is not UTF-8 text: save the file as UTF-8"
    if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        return f"every line must have {fields} fields, like the header"
    if kind == "UNQUOTED VALUE":
        return 'has a field with a stray quote: quote fields with " and double inner quotes'
    return f"cannot be read as CSV ({kind.lower()})"


def read_parquet_source(
    con: duckdb.DuckDBPyConnection, table: contract.Table, path: Path, label: str
) -> tuple[Source | None, list[Problem]]:
    """Describe a Parquet file; its rows stay in the file."""
    scan = f"read_parquet({literal(str(path))}, file_row_number = true)"
    try:
        # DuckDB renames a repeated column (country, country_1): only the schema tells.
        names = pq.read_schema(path).names
        repeated = repeated_names(names)
        if repeated:
            return None, [
                Problem(label, n, "appears more than once in the file's columns") for n in repeated
            ]
        personal = personal_columns(table, names, label)
        if personal:
            return None, personal
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({literal(str(path))})")
        types = {name: kind for name, kind, *_ in described.fetchall()}
        # DuckDB reads zoned timestamps as instants; the zone itself is in the schema.
        zones = {
            f.name: f.type.tz
            for f in pq.read_schema(path)
            if f.name in table.column_names and getattr(f.type, "tz", None)
        }
        metadata = pq.read_metadata(path)
    except (duckdb.Error, OSError, ValueError) as error:
        return None, [Problem(label, "", f"is not a readable Parquet file ({first_line(error)})")]
    problems = missing_columns(table, list(types), label)
    known = (
        {n for (n,) in con.execute("SELECT name FROM pg_timezone_names()").fetchall()}
        if zones
        else set()
    )
    for name, zone in sorted(zones.items()):
        if zone not in known and not (
            UTC_OFFSET.fullmatch(zone) and PLAUSIBLE_OFFSET.fullmatch(zone)
        ):
            problems.append(
                Problem(label, name, f"has timestamps in an unknown time zone ({zone})")
            )
            types.pop(name)
    source = Source(
        table,
        path,
        label,
        raw=scan,
        row_index="file_row_number",
        types={n: t for n, t in types.items() if n in table.column_names},
        zones=zones,
        no_nulls=columns_without_nulls(metadata),
        ignored=tuple(n for n in names if n not in table.column_names),
    )
    return source, problems


def columns_without_nulls(metadata: pq.FileMetaData) -> frozenset[str]:
    """The columns whose statistics count no null in any row group."""
    found = set()
    for index in range(metadata.num_columns):
        counted = [
            metadata.row_group(g).column(index).statistics for g in range(metadata.num_row_groups)
        ]
        if all(s is not None and s.has_null_count and s.null_count == 0 for s in counted):
            found.add(metadata.schema.column(index).path)
    return frozenset(found)


def missing_columns(table: contract.Table, names: list[str], label: str) -> list[Problem]:
    return [
        Problem(label, c, "required column is missing")
        for c in table.column_names
        if c not in names
    ]


def first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def type_family(duckdb_type: str) -> str:
    """The family of a column type as DuckDB reads it from a file."""
    kind = duckdb_type.upper()
    if kind == "VARCHAR":
        return "text"
    if kind == "DATE":
        return "date"
    if kind.startswith("TIMESTAMP"):
        return "timestamp"
    if kind in INTEGER_TYPES:
        return "integer"
    if kind in ("FLOAT", "DOUBLE", "REAL") or kind.startswith("DECIMAL"):
        return "number"
    if kind == "BOOLEAN":
        return "boolean"
    if kind.strip('"') == "NULL":
        return "null"
    return "other"


def typed_value(
    column: contract.Column, duckdb_type: str, raw: str, zone: str = ""
) -> tuple[str, bool] | None:
    """SQL reading ``raw`` as the column's contract type, and whether a value can fail.

    A value that does not fit reads as null. None when the file's column type cannot
    hold the contract type at all (a boolean column where a date is expected). ``zone``
    is the time zone of a zoned timestamp column, whose dates are taken in that zone.
    """
    family, target = type_family(duckdb_type), column.type
    if family == "null":
        return f"CAST(NULL AS {column.duckdb_type})", False
    if target in ("string", "enum", "country"):
        if family == "text":
            return raw, False
        if family == "integer":  # identifiers written as numbers read as their digits
            return f"CAST({raw} AS VARCHAR)", False
    elif target == "date":
        if family == "date":
            return raw, False
        if family == "timestamp":  # the report ignores the time
            return local_date(raw, zone), False
        if family == "text":
            return (
                f"CASE WHEN regexp_full_match({raw}, {literal(DATE_PATTERN)}) "
                f"THEN TRY_CAST(left({raw}, 10) AS DATE) END",
                True,
            )
    elif target == "integer":
        if family == "integer":
            return f"TRY_CAST({raw} AS BIGINT)", True
        if family == "number":
            return f"CASE WHEN {raw} = trunc({raw}) THEN TRY_CAST({raw} AS BIGINT) END", True
        if family == "text":
            return (
                f"CASE WHEN regexp_full_match({raw}, {literal(INTEGER_PATTERN)}) "
                f"THEN TRY_CAST({raw} AS BIGINT) END",
                True,
            )
    elif target == "number":
        if family == "integer":
            return f"CAST({raw} AS DOUBLE)", False
        if family == "number":
            return f"CASE WHEN isfinite({raw}) THEN CAST({raw} AS DOUBLE) END", True
        if family == "text":
            return (
                f"CASE WHEN regexp_full_match({raw}, {literal(NUMBER_PATTERN)}) "
                f"AND isfinite(TRY_CAST({raw} AS DOUBLE)) THEN TRY_CAST({raw} AS DOUBLE) END",
                True,
            )
    elif target == "boolean":
        if family == "boolean":
            return raw, False
        if family == "text":
            return f"CASE {raw} WHEN 'true' THEN true WHEN 'false' THEN false END", True
    return None


def local_date(raw: str, zone: str) -> str:
    """SQL for the date of a timestamp where it was recorded (in ``zone`` if it has one),
    as a CSV file written there would show it."""
    offset = UTC_OFFSET.fullmatch(zone)
    if offset:
        sign, hours, minutes = offset.groups()
        shift = (1 if sign == "+" else -1) * (int(hours) * 60 + int(minutes))
        return f"CAST({raw} + INTERVAL ({shift}) MINUTE AS DATE)"
    if zone:
        return f"CAST(timezone({literal(zone)}, {raw}) AS DATE)"
    return f"CAST({raw} AS DATE)"


def column_reading(column: contract.Column, source: Source) -> tuple[str, str | None, str]:
    """The typed value of a column of ``source``, the SQL flagging a value of the wrong
    type (None if none can be), and the rule such a value breaks."""
    if column.name not in source.types:
        return f"CAST(NULL AS {column.duckdb_type})", None, ""
    raw, duckdb_type = quote(column.name), source.types[column.name]
    reading = typed_value(column, duckdb_type, raw, source.zones.get(column.name, ""))
    rule = TYPE_RULES[column.type]
    if reading is None:
        return (
            f"CAST(NULL AS {column.duckdb_type})",
            f"{raw} IS NOT NULL",
            f"{rule} (the Parquet column is {duckdb_type})",
        )
    value, fallible = reading
    return value, (f"({raw} IS NOT NULL AND ({value}) IS NULL)" if fallible else None), rule


def create_typed_relation(
    con: duckdb.DuckDBPyConnection, source: Source
) -> list[tuple[str, str, str]]:
    """Create the typed view (Parquet) or table (CSV) of ``source``.

    Returns the type checks it carries: (column, flag column true on a value of the wrong
    type, rule such a value breaks).
    """
    if not source.usable:
        return []
    selects = [f"{source.row_index} AS _row"]
    checks: list[tuple[str, str, str]] = []
    for column in source.table.columns:
        value, bad, rule = column_reading(column, source)
        selects.append(f"{value} AS {quote(column.name)}")
        if bad is not None:
            selects.append(f"{bad} AS {quote('_bad_' + column.name)}")
            checks.append((column.name, quote("_bad_" + column.name), rule))
    # CSV text is cast once into a table that every check reads, and the text is dropped;
    # a Parquet file stays where it is, behind a view.
    kind = "TABLE" if source.is_csv else "VIEW"
    con.execute(
        f"CREATE OR REPLACE TEMP {kind} {source.typed} AS "
        f"SELECT {', '.join(selects)} FROM {source.raw}"
    )
    if source.is_csv:
        con.execute(f"DROP TABLE {source.raw}")
    return checks


def type_findings(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    checks: list[tuple[str, str, str]],
    read_by_rules: set[str] = frozenset(),
) -> list[Finding]:
    """The values of the wrong type in the typed relation of ``source``.

    The same scan decodes the other contract columns of a Parquet file that no rule
    reads (``read_by_rules`` are those some rule does), so that a damaged page is found
    during validation, whichever column holds it, and never by a notebook.
    """
    skip = {name for name, _, _ in checks} | set(read_by_rules)
    unchecked = (
        []
        if source.is_csv or not source.usable
        else [f"{decoded(c)} IS NULL" for c in source.types if c not in skip]
    )
    if not checks and not unchecked:
        return []
    counts = count_rows(con, source, [flag for _, flag, _ in checks] + unchecked)
    findings = []
    for (name, flag, rule), count in zip(checks, counts[: len(checks)], strict=True):
        if count:
            source.bad.add(name)
            findings.append(Finding(source, name, rule, count, first_rows(con, source, flag)))
    return findings


def count_rows(con: duckdb.DuckDBPyConnection, source: Source, predicates: list[str]) -> list[int]:
    """How many typed rows of ``source`` meet each predicate, in one scan."""
    if not predicates:
        return []
    filters = ", ".join(f"count(*) FILTER (WHERE {p})" for p in predicates)
    return list(con.execute(f"SELECT {filters} FROM {source.typed}").fetchone())


def first_rows(con: duckdb.DuckDBPyConnection, source: Source, predicate: str) -> list[int]:
    sql = (
        f"SELECT _row FROM {source.typed} WHERE {predicate} ORDER BY _row LIMIT {rules.ROWS_SHOWN}"
    )
    return [row for (row,) in con.execute(sql).fetchall()]


def well_typed(source: Source, columns: tuple[str, ...], alias: str = "") -> str:
    """SQL leaving out the rows where one of ``columns`` failed its type (already reported)."""
    prefix = f"{alias}." if alias else ""
    flags = [f"NOT {prefix}{quote('_bad_' + c)}" for c in columns if c in source.bad]
    return " AND ".join(flags) or "true"


def rule_findings(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    sources: dict[str, Source],
    clear: frozenset[LookupRule] = frozenset(),
) -> list[Finding]:
    """Evaluate every rule of ``source``'s table whose columns and tables are there, but
    the references already known to be unbroken (``clear``)."""
    if not source.usable:
        return []
    table_rules = source.rules
    row_rules = [
        r
        for r in table_rules
        if isinstance(r, RowRule) and source.has(r.reads) and not proven_by_statistics(source, r)
    ]
    predicates = [f"({r.violation}) AND {well_typed(source, r.reads)}" for r in row_rules]
    findings = []
    for rule, predicate, count in zip(
        row_rules, predicates, count_rows(con, source, predicates), strict=True
    ):
        if count:
            findings.append(
                Finding(source, rule.column, rule.rule, count, first_rows(con, source, predicate))
            )
    for rule in table_rules:
        if isinstance(rule, UniqueRule) and source.has(rule.key):
            findings += unique_findings(con, source, rule)
        elif isinstance(rule, LookupRule) and rule not in clear:
            target = sources.get(rule.target)
            if source.has(rule.reads) and target is not None and target.has(rule.target_reads):
                findings += lookup_findings(con, source, target, rule)
    return findings


def clear_references(
    con: duckdb.DuckDBPyConnection, sources: dict[str, Source]
) -> frozenset[LookupRule]:
    """The plain references that one shared anti-join proves unbroken.

    Tables that refer to the same key (course_enrollments, applications and
    career_outcomes to the member_id of members) are checked against it in one join, so
    the large table's hash is built once rather than once per table. The references of
    a table that has a broken row are left to ``lookup_findings`` to count and locate.
    """
    groups: dict[tuple[str, str, rules.Condition | None], list[tuple[Source, LookupRule]]] = {}
    for source in sources.values():
        if not source.usable:
            continue
        for rule in source.rules:
            target = sources.get(getattr(rule, "target", ""))
            if (
                isinstance(rule, LookupRule)
                and not rule.broken
                and source.has(rule.reads)
                and target is not None
                and target.has(rule.target_reads)
            ):
                group = (rule.target, rule.target_key, rule.target_filter)
                groups.setdefault(group, []).append((source, rule))
    clear: set[LookupRule] = set()
    for (target, key, condition), members in groups.items():
        if len(members) < 2:
            continue
        parts = " UNION ALL ".join(
            f"SELECT {i} AS part, t.{quote(rule.via)} AS via FROM {source.typed} t "
            f"WHERE t.{quote(rule.via)} IS NOT NULL AND {well_typed(source, rule.reads, 't')}"
            for i, (source, rule) in enumerate(members)
        )
        match = f"r.{quote(key)} = t.via"
        if condition is not None:
            match += f" AND {condition.sql('r')}"
        broken = con.execute(
            f"SELECT DISTINCT part FROM ({parts}) t ANTI JOIN {sources[target].typed} r ON {match}"
        ).fetchall()
        clear |= {rule for i, (_, rule) in enumerate(members) if (i,) not in broken}
    return frozenset(clear)


def proven_by_statistics(source: Source, rule: RowRule) -> bool:
    """True when the Parquet statistics of ``source`` prove that no row breaks ``rule``.

    They prove a not-null rule when no row group counts a null in the column and the
    column's values read as the contract type without fail (a failed reading would be
    null, but those are reported as type problems, never as nulls).
    """
    if not rule.is_not_null or rule.column not in source.no_nulls:
        return False
    return column_reading(contract_column(source, rule.column), source)[1] is None


def contract_column(source: Source, name: str) -> contract.Column:
    return next(c for c in source.table.columns if c.name == name)


def unique_findings(
    con: duckdb.DuckDBPyConnection, source: Source, rule: UniqueRule
) -> list[Finding]:
    """The rows sharing their key with another row (every one of them)."""
    if is_rising_key(source, rule):
        return []
    key = ", ".join(quote(c) for c in rule.key)
    known = " AND ".join(f"{quote(c)} IS NOT NULL" for c in rule.key)
    keep = f"{known} AND {well_typed(source, rule.key)}"
    # Grouping 64-bit hashes is twice as fast as grouping the strings: distinct hashes
    # prove the keys distinct; a repeated hash (a duplicate, or rarely a collision) sends
    # the check on to the exact keys.
    hashed = (
        f"SELECT hash({key}) AS h FROM {source.typed} WHERE {keep} GROUP BY h HAVING count(*) > 1"
    )
    if not con.execute(f"SELECT count(*) FROM ({hashed})").fetchone()[0]:
        return []
    repeated = f"SELECT {key} FROM {source.typed} WHERE {keep} GROUP BY {key} HAVING count(*) > 1"
    if not con.execute(f"SELECT count(*) FROM ({repeated})").fetchone()[0]:
        return []
    rows = f"FROM {source.typed} SEMI JOIN ({repeated}) USING ({key}) WHERE {keep}"
    count = con.execute(f"SELECT count(*) {rows}").fetchone()[0]
    first = con.execute(f"SELECT _row {rows} ORDER BY _row LIMIT {rules.ROWS_SHOWN}").fetchall()
    return [Finding(source, rule.column, rule.rule, count, [r for (r,) in first])]


def is_rising_key(source: Source, rule: UniqueRule) -> bool:
    """True when the one-column key of a Parquet ``source`` rises strictly from row to row,
    which proves it unique; False when that is not so or cannot be shown cheaply.

    Only a key read as it is written qualifies (text, or integers read as their digits:
    distinct values stay distinct), with statistics counting no null, so that the rule's
    rows are every row. Delivered identifiers are usually written in order.
    """
    if source.is_csv or len(rule.key) != 1 or rule.column not in source.no_nulls:
        return False
    column = contract_column(source, rule.column)
    family = type_family(source.types[column.name])
    if family not in ("text", "integer") or column_reading(column, source)[1] is not None:
        return False
    try:
        return rises_strictly(source.path, column.name)
    except (OSError, ValueError, pa.ArrowException):
        return False  # the hash aggregate decides, and reports an unreadable file


def rises_strictly(path: Path, column: str) -> bool:
    """True when every value of the Parquet ``column`` is greater than the one before.

    The row groups' statistics rule out most unsorted files without reading them; the
    column is then streamed in batches, so memory stays small whatever the file's size.
    """
    parquet = pq.ParquetFile(path)
    metadata = parquet.metadata
    index = parquet.schema_arrow.get_field_index(column)
    bounds = []
    for group in range(metadata.num_row_groups):
        if not metadata.row_group(group).num_rows:
            continue
        statistics = metadata.row_group(group).column(index).statistics
        if statistics is None or not statistics.has_min_max:
            return False
        bounds.append((statistics.min, statistics.max))
    if any(earlier[1] >= later[0] for earlier, later in itertools.pairwise(bounds)):
        return False
    last = None
    for batch in parquet.iter_batches(batch_size=KEY_BATCH_ROWS, columns=[column]):
        values = batch.column(0)
        if values.null_count:
            return False
        if not len(values):
            continue
        # Each value against the one before it, the batch's first against the last seen.
        if last is not None and not pc.greater(values[0], last).as_py():
            return False
        rising = pc.greater(values.slice(1), values.slice(0, len(values) - 1))
        if not pc.all(rising).as_py():
            return False
        last = values[-1]
    return True


def lookup_findings(
    con: duckdb.DuckDBPyConnection, source: Source, target: Source, rule: LookupRule
) -> list[Finding]:
    """Rows whose pointer names no suitable row, or a row they disagree with."""
    match = f"r.{quote(rule.target_key)} = t.{quote(rule.via)}"
    if rule.target_filter is not None:
        match += f" AND {rule.target_filter.sql('r')}"
    keep = well_typed(source, rule.reads, "t")
    # Semi- and anti-joins, not correlated EXISTS: DuckDB runs them as one hash join,
    # about twice as fast on a reference to a large table.
    if rule.broken:
        rows = (
            f"FROM {source.typed} t SEMI JOIN {target.typed} r ON {match} AND {rule.broken} "
            f"WHERE {keep}"
        )
    else:
        rows = (
            f"FROM {source.typed} t ANTI JOIN {target.typed} r ON {match} "
            f"WHERE t.{quote(rule.via)} IS NOT NULL AND {keep}"
        )
    first = con.execute(f"SELECT t._row {rows} ORDER BY t._row LIMIT {rules.ROWS_SHOWN}").fetchall()
    if not first:
        return []
    count = con.execute(f"SELECT count(*) {rows}").fetchone()[0]
    return [Finding(source, rule.column, rule.rule, count, [r for (r,) in first])]


def display_rows(findings: list[Finding]) -> list[tuple[int, ...]]:
    """Each finding's rows as a person counts them: CSV lines, 1-based Parquet rows."""
    wanted: dict[Path, set[int]] = {}
    for f in findings:
        if f.source.is_csv:
            wanted.setdefault(f.source.path, set()).update(f.indexes)
    lines = {path: csv_record_lines(path, indexes) for path, indexes in wanted.items()}
    return [
        tuple(lines[f.source.path][i] for i in f.indexes)
        if f.source.is_csv
        else tuple(i + 1 for i in f.indexes)
        for f in findings
    ]


def csv_record_lines(path: Path, indexes: set[int]) -> dict[int, int]:
    """The line on which each record starts (records 0-based after the header).

    Reads the file only up to the last record asked for. A record spans several lines
    when a quoted field holds a line break, and blank lines are not records, so the
    line is not simply the record's position plus two.
    """
    lines = {i: i + 2 for i in indexes}  # right for every file without those two cases
    if not indexes:
        return lines
    last = max(indexes)
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            next(reader, None)
            record, end = -1, reader.line_num
            for fields in reader:
                start, end = end + 1, reader.line_num
                if not fields:
                    continue
                record += 1
                if record in indexes:
                    lines[record] = start
                if record >= last:
                    break
    except (csv.Error, UnicodeDecodeError):
        pass  # a field beyond the csv module's size limit: keep the plain count
    return lines


def to_problem(finding: Finding, rows: tuple[int, ...]) -> Problem:
    return Problem(finding.source.label, finding.column, finding.rule, finding.count, rows)


def order_problems(problems: list[Problem]) -> list[Problem]:
    """Problems grouped by file in contract order, each file's in the order found."""
    order = {name: i for i, name in enumerate(contract.TABLES_BY_NAME)}

    def rank(problem: Problem) -> int:
        stem = Path(problem.file).name.split(".")[0]
        return order.get(stem, len(order))

    return sorted(problems, key=rank)


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

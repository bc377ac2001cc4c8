"""Find a dataset's table files and read each one into DuckDB as rows to check.

``locate_tables`` finds one file per contract table (the dataset's, or the shipped
reference copy); ``read_source`` opens it, CSV as text read once into a table and Parquet
as a view over the file, and returns a ``Source``: the file's rows, the contract columns
found in it and their types, with the problems of the file itself (unreadable, wrong
delimiter, missing or repeated columns, columns that say they hold personal data).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from helpers.core.paths import ROOT
from helpers.intake import contract, rules
from helpers.intake.column_types import PLAUSIBLE_OFFSET, UTC_OFFSET
from helpers.intake.personal_columns import says_personal
from helpers.intake.rules import (
    Problem,
    literal,
    quote,
)

TABLE_SUFFIXES = (".parquet", ".csv")


# A header holding one of these and no comma was written with the wrong delimiter.
WRONG_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


PERSONAL_RULE = (
    "its name says it holds a name, e-mail, phone or address, which the data contract "
    "keeps out of every dataset: remove the column from the file"
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
    # Rows of this table a day early in an order of events, found with its refusals and
    # reported as warnings (``helpers.intake.rule_checks.order_findings``).
    early: list = field(default_factory=list)

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
    category_rules = reference_dir / contract.CATEGORY_RULES_FILE
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

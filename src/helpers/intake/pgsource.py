"""A PostgreSQL schema as a dataset: read once into a local snapshot, then a folder.

``DATA=postgresql://user@host/db?schema=mission`` names a schema whose tables follow the
data contract. ``take_snapshot`` reads every contract table it holds inside one
read-only ``REPEATABLE READ`` transaction (one state of the database, whatever is being
written meanwhile), through Arrow with the ADBC PostgreSQL driver, into a folder of
Parquet files with a ``dataset.json`` recording the source (its URL with the password
redacted), the time and the server's transaction snapshot. Everything after — validation,
fingerprint, figures, pages — reads that folder as it reads any dataset folder.

Before any row is read, the server's catalog is checked against the contract: a
missing table or column, or a column whose type cannot hold the contract's (text where
a date is expected), is refused naming schema, table and column. Rule violations found
in the snapshot are named by schema and table, with a SQL statement listing the
offending rows on the server (``locate_problems``); no value of a row is ever shown.

Credentials are libpq's: ``PGPASSWORD``, ``~/.pgpass``, a service file or a password in
the URL. The URL is handed to libpq as it is; only ``redact(url)`` is ever shown.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit
from urllib.parse import quote as url_quote

from helpers.intake import contract, rules
from helpers.intake.rules import (
    ContractError,
    LookupRule,
    Problem,
    RowRule,
    UniqueRule,
    literal,
    quote,
)

SCHEMES = ("postgresql", "postgres")
DEFAULT_SCHEMA = "public"
META_FILE = "dataset.json"
# Folders of the snapshots a report run reads, under OUT/.build, named with the run's pid.
SNAPSHOT_PREFIX = "snapshot-"
# Seconds libpq waits for a server before giving up (unless the URL says otherwise).
CONNECT_TIMEOUT = "10"
# Rows per Arrow batch written to Parquet: memory stays small whatever the table's size.
BATCH_ROWS = 1 << 17

# Server column types (information_schema's data_type) that can hold each contract type,
# and the SQL cast that reads them as it. Identifiers may be numbers, read as their digits.
TEXT_TYPES = {"text", "character varying", "character"}
INTEGER_TYPES = {"smallint", "integer", "bigint"}
ACCEPTED = {
    "string": TEXT_TYPES | INTEGER_TYPES,
    "enum": TEXT_TYPES,
    "country": TEXT_TYPES,
    "date": {"date", "timestamp without time zone", "timestamp with time zone"},
    "integer": INTEGER_TYPES,
    "number": INTEGER_TYPES | {"real", "double precision", "numeric"},
    "boolean": {"boolean"},
}
SERVER_TYPES = {
    "string": "text",
    "enum": "text",
    "country": "text",
    "date": "date",
    "integer": "bigint",
    "number": "double precision",
    "boolean": "boolean",
}
TYPE_WORDS = {
    "string": "text",
    "enum": "text",
    "country": "text",
    "date": "a date",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}
# What each kind of libpq failure is, in one line (matched on libpq's message).
CONNECTION_FAILURES = (
    ("password authentication failed", "the server refused the password"),
    ("no password supplied", "the server asks for a password and none was given"),
    ("does not exist", None),  # a role or database: libpq's own words say which
    ("timeout expired", "the server does not answer (connection timed out)"),
    ("connection refused", "the server does not answer (connection refused)"),
    ("no such file or directory", "the server does not answer (no server on that socket)"),
    ("could not translate host name", "the server's host name is unknown"),
    ("server closed the connection", "the server closed the connection"),
)


class SourceError(Exception):
    """The database cannot be read (not answering, refused, timeout); one line."""


@dataclass(frozen=True)
class PgSource:
    """A schema on a server: the URL handed to libpq, and what may be shown of it."""

    uri: str  # libpq URI, schema parameter removed; may hold a password: never shown
    schema: str
    shown: str  # the URL with its password redacted

    @classmethod
    def parse(cls, url: str) -> PgSource:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        schema = next((v for k, v in query if k == "schema"), DEFAULT_SCHEMA) or DEFAULT_SCHEMA
        kept = [(k, v) for k, v in query if k != "schema"]
        if not any(k == "connect_timeout" for k, _ in kept):
            kept.append(("connect_timeout", CONNECT_TIMEOUT))
        uri = urlunsplit(parts._replace(query=urlencode(kept, quote_via=url_quote)))
        return cls(uri=uri, schema=schema, shown=redact(url))

    def secrets(self) -> list[str]:
        """The password written in the URL, if any (to scrub from messages)."""
        parts = urlsplit(self.uri)
        found = [parts.password, unquote(parts.password)] if parts.password else []
        found += [v for k, v in parse_qsl(parts.query) if k == "password" and v]
        return found

    def table(self, name: str) -> str:
        """``schema.table`` as messages name it."""
        return f"{self.schema}.{name}"

    def relation(self, name: str) -> str:
        """``"schema"."table"`` as SQL names it."""
        return f"{quote(self.schema)}.{quote(name)}"


def is_postgres_url(data: str | Path) -> bool:
    return isinstance(data, str) and urlsplit(data).scheme in SCHEMES and "://" in data


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (in the user part or the query)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}:***@{host}"
    query = [
        (k, "***" if k == "password" else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, safe="*/")))


def scrub(text: str, source: PgSource) -> str:
    """``text`` on one line, with the source's password (if written in it) redacted."""
    flat = " ".join(str(text).split())
    for secret in source.secrets():
        flat = flat.replace(secret, "***")
    return flat


def connect(source: PgSource) -> Any:
    """An ADBC connection (autocommit, so that the transaction is the one we begin)."""
    import adbc_driver_manager
    from adbc_driver_postgresql import dbapi

    try:
        return dbapi.connect(source.uri, autocommit=True)
    except adbc_driver_manager.Error as error:
        raise SourceError(f"{source.shown}: {describe_connection_failure(error, source)}") from None


def describe_connection_failure(error: Exception, source: PgSource) -> str:
    message = scrub(error, source)
    lowered = message.lower()
    for marker, meaning in CONNECTION_FAILURES:
        if marker in lowered:
            return meaning or libpq_words(message)
    return f"cannot connect ({libpq_words(message)})"


def libpq_words(message: str) -> str:
    """libpq's own sentence, without the driver's prefixes."""
    found = re.search(r"FATAL:\s*(.*)", message)
    text = found.group(1) if found else re.sub(r"^.*?\[libpq\]\s*", "", message)
    return text.strip().rstrip(".")


def describe_query_failure(error: Exception, source: PgSource, name: str) -> str:
    """One line for a failure while reading table ``name``."""
    message = scrub(error, source)
    state = getattr(error, "sqlstate", None) or ""
    where = f"{source.shown}: {source.table(name)}" if name else source.shown
    if state == "57014" or "statement timeout" in message:
        return f"{where}: the read was cancelled by the server's statement timeout"
    if state == "42501" or "permission denied" in message:
        return f"{where}: permission denied"
    if state.startswith("08") or "server closed the connection" in message:
        return f"{where}: the connection to the server was lost"
    found = re.search(r"ERROR:\s*(.*?)(?:\s+LINE \d+:|\s+Query was:|$)", message)
    return f"{where}: {(found.group(1) if found else message).strip()}"


# ---------------------------------------------------------------- the catalog


def contract_tables(present: set[str]) -> list[contract.Table]:
    """The contract tables to read: every dataset table, and the reference tables a
    dataset may replace when the schema holds its own copy."""
    return [
        t
        for t in contract.TABLES
        if not t.reference or (t.name in contract.OVERRIDABLE_REFERENCE and t.name in present)
    ]


def check_catalog(
    source: PgSource, columns: dict[str, dict[str, str]]
) -> tuple[list[contract.Table], list[Problem]]:
    """The tables to read and the problems the catalog shows (``columns``: table ->
    column -> information_schema data_type)."""
    problems: list[Problem] = []
    tables = []
    for table in contract_tables(set(columns)):
        found = columns.get(table.name)
        if found is None:
            if not table.optional and not table.reference:
                problems.append(Problem(source.table(table.name), "", "required table is missing"))
            continue
        tables.append(table)
        for column in table.columns:
            kind = found.get(column.name)
            if kind is None:
                problems.append(
                    Problem(source.table(table.name), column.name, "required column is missing")
                )
            elif kind not in ACCEPTED[column.type]:
                problems.append(
                    Problem(
                        source.table(table.name),
                        column.name,
                        f"must be {TYPE_WORDS[column.type]} (the column is {kind})",
                    )
                )
    return tables, problems


def select_sql(source: PgSource, table: contract.Table, kinds: dict[str, str]) -> str:
    """The query reading ``table`` with each column as its contract type."""
    selects = []
    for column in table.columns:
        target = SERVER_TYPES[column.type]
        name = quote(column.name)
        value = name if kinds[column.name] == target else f"CAST({name} AS {target})"
        selects.append(f"{value} AS {name}")
    return f"SELECT {', '.join(selects)} FROM {source.relation(table.name)}"


def arrow_schema(table: contract.Table) -> Any:
    import pyarrow as pa

    types = contract.arrow_types()
    return pa.schema([pa.field(c.name, types[c.type]) for c in table.columns])


# ---------------------------------------------------------------- the snapshot


def take_snapshot(
    url: str, folder: Path | str, between_tables: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Read the schema of ``url`` into ``folder`` (created, or its tables replaced).

    Every contract table is read inside one transaction, ``REPEATABLE READ READ ONLY``,
    so the folder holds one state of the database. The files are written beside it and
    moved in only once everything is read: a failed read leaves ``folder`` as it was.
    ``between_tables`` is called with each table's name once it is read (the tests write
    to the database there).

    Returns the content of the ``dataset.json`` written. Raises SourceError when the
    server cannot be read, ContractError when the catalog breaks the contract.
    """
    source = PgSource.parse(url)
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    try:
        meta = read_schema(source, staging, between_tables)
        folder.mkdir(exist_ok=True)
        clear_tables(folder)
        for path in staging.iterdir():
            os.replace(path, folder / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return meta


def read_schema(
    source: PgSource, folder: Path, between_tables: Callable[[str], None] | None
) -> dict[str, Any]:
    """Read the schema's contract tables and dataset.json into the empty ``folder``."""
    import adbc_driver_manager
    import pyarrow as pa

    connection = connect(source)
    name = ""
    try:
        cursor = connection.cursor()
        cursor.execute("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        # Dates of zoned timestamps are taken in UTC, as the report takes every date.
        cursor.execute("SET LOCAL TimeZone = 'UTC'")
        # A scan joining another one midway would return the rows in another order:
        # off, the same state of a table gives the same Parquet bytes (and fingerprint).
        cursor.execute("SET LOCAL synchronize_seqscans = off")
        # The first query fixes the transaction's snapshot: everything read is as of here.
        cursor.execute(
            "SELECT pg_current_snapshot()::text, now(), current_setting('server_version')"
        )
        server_snapshot, server_time, version = cursor.fetchone()
        columns, comment = read_catalog(cursor, source)
        tables, problems = check_catalog(source, columns)
        if problems:
            raise ContractError(problems)
        read_rows = {}
        for table in tables:
            name = table.name
            cursor.execute(select_sql(source, table, columns[name]))
            read_rows[name] = write_parquet(
                cursor.fetch_record_batch(), arrow_schema(table), folder / f"{name}.parquet"
            )
            name = ""
            if between_tables is not None:
                between_tables(table.name)
        cursor.execute("ROLLBACK")
    except adbc_driver_manager.Error as error:
        raise SourceError(describe_query_failure(error, source, name)) from None
    except pa.ArrowException as error:
        # A failure while streaming a table's rows surfaces through Arrow.
        raise SourceError(describe_query_failure(error, source, name)) from None
    finally:
        with contextlib.suppress(Exception):
            connection.close()
    meta = describe_snapshot(comment, source, server_snapshot, server_time, version, read_rows)
    (folder / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return meta


def read_catalog(cursor: Any, source: PgSource) -> tuple[dict[str, dict[str, str]], str | None]:
    """The schema's tables and column types, and its comment; SourceError without it."""
    schema = literal(source.schema)
    cursor.execute(
        f"SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = {schema}"
    )
    found = cursor.fetchall()
    if not found:
        raise SourceError(f"{source.shown}: schema {source.schema} does not exist")
    cursor.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        f"WHERE table_schema = {schema} ORDER BY table_name, ordinal_position"
    )
    columns: dict[str, dict[str, str]] = {}
    for table, column, kind in cursor.fetchall():
        columns.setdefault(table, {})[column] = kind
    return columns, found[0][0]


def clear_tables(folder: Path) -> None:
    """Remove the table files and description a previous snapshot left in ``folder``."""
    for table in contract.TABLES:
        for suffix in (".parquet", ".csv"):
            (folder / f"{table.name}{suffix}").unlink(missing_ok=True)
    (folder / META_FILE).unlink(missing_ok=True)


def write_parquet(reader: Any, schema: Any, path: Path) -> int:
    """Stream the batches of ``reader`` into ``path`` as ``schema``; the rows written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 0
    with pq.ParquetWriter(path, schema) as writer:
        batches = reader if hasattr(reader, "__iter__") else iter(reader.read_next_batch, None)
        for batch in batches:
            # The driver's field metadata (server type names) is not part of the data.
            table = pa.Table.from_batches([batch]).cast(schema)
            writer.write_table(table, row_group_size=BATCH_ROWS)
            rows += table.num_rows
    return rows


def describe_snapshot(
    comment: str | None,
    source: PgSource,
    server_snapshot: str,
    server_time: Any,
    version: str,
    rows: dict[str, int],
) -> dict[str, Any]:
    """dataset.json of a snapshot: the schema's own description (a JSON object in its
    comment, as ``make pg-demo`` writes it), the source and the state read."""
    meta: dict[str, Any] = {}
    with contextlib.suppress(TypeError, ValueError):
        described = json.loads(comment or "")
        if isinstance(described, dict):
            meta.update(described)
    meta["source"] = source.shown
    meta["snapshot"] = {
        "read_utc": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "server_time": server_time.isoformat() if hasattr(server_time, "isoformat") else "",
        "server_snapshot": server_snapshot,
        "server_version": version,
        "isolation": "repeatable read, read only",
        "rows": rows,
    }
    return meta


# ---------------------------------------------------------------- problems on the server


def locate_problems(error: ContractError, source: PgSource) -> ContractError:
    """The problems found in a snapshot, named as the server's tables, each with the SQL
    that lists its offending rows there (rows of the snapshot mean nothing on the server)."""
    located = []
    for problem in error.problems:
        name = Path(problem.file).name.split(".")[0]
        table = contract.TABLES_BY_NAME.get(name)
        if table is None or not problem.file.endswith(".parquet") or "/" in problem.file:
            located.append(problem)  # a shipped reference table: its file is its name
            continue
        where = offending_rows_sql(source, table, problem)
        located.append(
            Problem(
                source.table(name),
                problem.column,
                problem.rule,
                problem.count,
                (),
                where=where,
            )
        )
    return type(error)(located)


def offending_rows_sql(source: PgSource, table: contract.Table, problem: Problem) -> str:
    """``SELECT * FROM schema.table t WHERE ...`` listing the rows breaking the rule of
    ``problem``; empty when the rule cannot be stated on the server alone."""
    rule = find_rule(table, problem)
    if rule is None:
        if (
            problem.column
            and table.column_names.count(problem.column)
            and (table.column(problem.column).type == "number")
        ):
            # Type failures in a snapshot can only be non-finite numbers.
            where = f"t.{quote(problem.column)} IN ('NaN', 'Infinity', '-Infinity')"
        else:
            return ""
    else:
        where = rule_where(source, rule)
        if not where:
            return ""
    return f"SELECT * FROM {source.relation(table.name)} t WHERE {where}"


def find_rule(table: contract.Table, problem: Problem) -> rules.Rule | None:
    for rule in rules.rules_for(table):
        if rule.column == problem.column and rule.rule == problem.rule:
            return rule
    return None


def rule_where(source: PgSource, rule: rules.Rule) -> str:
    """The rule's violation in PostgreSQL's SQL, over ``t``, the table's rows."""
    if isinstance(rule, RowRule):
        return server_predicate(rule.violation)
    if isinstance(rule, rules.DuplicateRule):
        columns = ", ".join(quote(c) for c in rule.columns)
        row = ", ".join(f"t.{quote(c)}" for c in rule.columns)
        return (
            f"({row}) IN (SELECT {columns} FROM {source.relation(rule.table)} "
            f"GROUP BY {columns} HAVING count(*) > 1)"
        )
    if isinstance(rule, UniqueRule):
        key = ", ".join(quote(c) for c in rule.key)
        keyed = ", ".join(f"t.{quote(c)}" for c in rule.key)
        return (
            f"({keyed}) IN (SELECT {key} FROM {source.relation(rule.table)} "
            f"GROUP BY {key} HAVING count(*) > 1)"
        )
    if isinstance(rule, LookupRule):
        if rule.target in contract.TABLES_BY_NAME and contract.table(rule.target).reference:
            return ""  # the target may be the shipped copy, which the server does not hold
        match = f"r.{quote(rule.target_key)} = t.{quote(rule.via)}"
        if rule.target_filter is not None:
            match += f" AND {rule.target_filter.sql('r')}"
        if rule.also:
            match += f" AND {rule.also}"
        target = f"{source.relation(rule.target)} r"
        if rule.broken:
            return f"EXISTS (SELECT 1 FROM {target} WHERE {match} AND {rule.broken})"
        return (
            f"t.{quote(rule.via)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {target} WHERE {match})"
        )
    return ""


def server_predicate(violation: str) -> str:
    """A row rule's DuckDB predicate as PostgreSQL writes it."""
    codes = ", ".join(literal(c) for c in rules.country_codes() + (contract.UNKNOWN_COUNTRY,))
    text = violation.replace(f"(SELECT code FROM {rules.COUNTRY_CODES_TABLE})", f"({codes})")
    text = re.sub(r"\bregexp_matches\(([^(),]*), ('[^']*')\)", r"\1 ~ \2", text)
    return re.sub(r"\bday\(([^()]*)\)", r"extract(day FROM \1)", text)


# ---------------------------------------------------------------- a source as a folder


@dataclass(frozen=True)
class Resolved:
    """A dataset ready to read as a folder, and how to name it."""

    folder: Path
    shown: str
    source: PgSource | None = None

    def locate(self, error: ContractError) -> ContractError:
        return error if self.source is None else locate_problems(error, self.source)


@contextlib.contextmanager
def resolve(data: str | Path, work: Path | None = None) -> Iterator[Resolved]:
    """``data`` as a folder: a folder as it is, a PostgreSQL URL as a snapshot taken into
    a temporary folder (under ``work`` when given), removed on exit."""
    if not is_postgres_url(str(data)):
        folder = Path(data)
        yield Resolved(folder, str(data))
        return
    source = PgSource.parse(str(data))
    if work is not None:
        work.mkdir(parents=True, exist_ok=True)
        remove_stale_snapshots(work)
    folder = Path(tempfile.mkdtemp(prefix=f"{SNAPSHOT_PREFIX}{os.getpid()}-", dir=work))
    try:
        take_snapshot(str(data), folder)
        yield Resolved(folder, source.shown, source)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale_snapshots(work: Path) -> None:
    """Remove the snapshots of runs that were killed before removing their own."""
    for folder in work.glob(f"{SNAPSHOT_PREFIX}*"):
        pid = folder.name[len(SNAPSHOT_PREFIX) :].split("-")[0]
        if pid.isdigit() and not is_running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.intake.pgsource URL DIR``: write the schema's snapshot into DIR."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m helpers.intake.pgsource",
        description="Write a PostgreSQL schema's contract tables as a dataset folder.",
    )
    parser.add_argument("url", help="postgresql://user@host/db?schema=name")
    parser.add_argument("folder", type=Path, help="the snapshot folder to write")
    args = parser.parse_args(argv)
    if not is_postgres_url(args.url):
        print("snapshot: DATA must be a postgresql:// URL", file=sys.stderr)
        return 2
    try:
        meta = take_snapshot(args.url, args.folder)
    except SourceError as error:
        print(f"snapshot failed: {error}", file=sys.stderr)
        return 1
    except ContractError as error:
        print(str(error), file=sys.stderr)
        print("snapshot failed: the schema breaks the data contract", file=sys.stderr)
        return 1
    rows = sum(meta["snapshot"]["rows"].values())
    print(
        f"{args.folder}: {len(meta['snapshot']['rows'])} tables, {rows:,} rows from "
        f"{meta['source']} (server snapshot {meta['snapshot']['server_snapshot']})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

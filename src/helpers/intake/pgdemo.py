"""Load a dataset folder into a PostgreSQL schema, to try the report on a real database.

    python -m helpers.intake.pgdemo postgresql://user@host/db?schema=mission [--from DIR]

The folder (the embedded dataset by default) is validated, then every table it holds is
created in the schema (replaced if there) with the contract's types, not-null columns,
primary keys and the foreign keys of its plain references, and filled through Arrow
(ADBC's bulk ingestion, PostgreSQL's binary COPY). The folder's ``dataset.json`` becomes
the schema's comment, so a snapshot of the schema says what the folder said (synthetic
data, years covered). Shipped reference tables are loaded only when the folder has its
own copy.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from helpers.core import stopping
from helpers.core.paths import DEFAULT_DATA_DIR
from helpers.intake import contract, rules
from helpers.intake.load import ContractError, load_dataset
from helpers.intake.pgsource import (
    META_FILE,
    SERVER_TYPES,
    PgSource,
    SourceError,
    SourceUrlError,
    connect,
    describe_query_failure,
    is_postgres_url,
)
from helpers.intake.rules import LookupRule, literal, quote


def create_table_sql(source: PgSource, table: contract.Table) -> str:
    """CREATE TABLE with the contract's types, not-null columns and key."""
    columns = [
        f"{quote(c.name)} {SERVER_TYPES[c.type]}{'' if c.nullable else ' NOT NULL'}"
        for c in table.columns
    ]
    unique = [c.name for c in table.columns if c.unique]
    key = table.key or (tuple(unique[:1]) if unique else ())
    if key:
        columns.append(f"PRIMARY KEY ({', '.join(quote(c) for c in key)})")
    columns += [f"UNIQUE ({quote(c)})" for c in unique if (c,) != tuple(key)]
    return f"CREATE TABLE {source.relation(table.name)} ({', '.join(columns)})"


def is_unique_key(table: contract.Table, column: str) -> bool:
    """True when ``column`` alone identifies a row of ``table``."""
    return table.column(column).unique or table.key == (column,)


def foreign_keys_sql(source: PgSource, loaded: set[str]) -> list[str]:
    """The plain references between loaded tables, as foreign keys."""
    statements = []
    for table in contract.TABLES:
        if table.name not in loaded:
            continue
        for rule in rules.rules_for(table):
            if (
                isinstance(rule, LookupRule)
                and not rule.broken
                and rule.target_filter is None
                and rule.target in loaded
                # A foreign key needs a unique target; a reference to a value many rows
                # share (a budget's team, named by the activity lines) stays a rule.
                and is_unique_key(contract.table(rule.target), rule.target_key)
            ):
                statements.append(
                    f"ALTER TABLE {source.relation(table.name)} ADD FOREIGN KEY "
                    f"({quote(rule.via)}) REFERENCES {source.relation(rule.target)} "
                    f"({quote(rule.target_key)})"
                )
    return statements


def tables_to_load(folder: Path) -> list[contract.Table]:
    """The dataset tables of the folder and its own copies of reference tables."""
    own = {p.stem for p in folder.iterdir() if p.suffix in (".parquet", ".csv")}
    return [t for t in contract.TABLES if t.name in own]


def load_schema(url: str, folder: Path) -> dict[str, int]:
    """Replace the schema's contract tables by the folder's; the rows of each table."""
    import adbc_driver_manager

    source = PgSource.parse(url)
    dataset = load_dataset(folder)
    tables = tables_to_load(folder)
    meta = folder / META_FILE
    comment = json.dumps(json.loads(meta.read_text(encoding="utf-8"))) if meta.is_file() else ""
    connection = connect(source)
    counts: dict[str, int] = {}
    name = ""
    try:
        cursor = connection.cursor()
        cursor.execute("BEGIN")
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(source.schema)}")
        for table in reversed(contract.TABLES):
            cursor.execute(f"DROP TABLE IF EXISTS {source.relation(table.name)} CASCADE")
        for table in tables:
            name = table.name
            cursor.execute(create_table_sql(source, table))
            columns = ", ".join(quote(c) for c in table.column_names)
            batches = dataset.con.sql(f"SELECT {columns} FROM {quote(table.name)}").to_arrow_reader(
                1 << 17
            )
            counts[name] = cursor.adbc_ingest(
                table.name, batches, mode="append", db_schema_name=source.schema
            )
        name = ""
        for statement in foreign_keys_sql(source, {t.name for t in tables}):
            cursor.execute(statement)
        cursor.execute(f"COMMENT ON SCHEMA {quote(source.schema)} IS {literal(comment)}")
        cursor.execute("COMMIT")
        for table in tables:
            cursor.execute(f"ANALYZE {source.relation(table.name)}")
    except adbc_driver_manager.Error as error:
        raise SourceError(describe_query_failure(error, source, name)) from None
    finally:
        connection.close()
        dataset.con.close()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.intake.pgdemo",
        description="Load a dataset folder into a PostgreSQL schema with the contract's types.",
    )
    parser.add_argument("url", help="postgresql://user@host/db?schema=name")
    parser.add_argument(
        "--from", dest="folder", type=Path, default=DEFAULT_DATA_DIR, help="dataset folder"
    )
    args = parser.parse_args(argv)
    if not is_postgres_url(args.url):
        print("pg-demo: DATA must be a postgresql:// URL", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        with stopping.guarded():
            counts = load_schema(args.url, args.folder)
    except SourceUrlError as error:
        print(f"pg-demo failed: {error}", file=sys.stderr)
        return 2
    except SourceError as error:
        print(f"pg-demo failed: {error}", file=sys.stderr)
        return 1
    except ContractError as error:
        print(f"{error}\npg-demo failed: the folder breaks the data contract", file=sys.stderr)
        return 1
    except BaseException as error:
        stop = stopping.stopped_by(error)
        if stop is None:
            raise
        # The load is one transaction: stopped, it is rolled back by the server.
        print(f"pg-demo stopped: {stop.word}; the schema is as it was", file=sys.stderr)
        return stop.status
    source = PgSource.parse(args.url)
    print(
        f"{source.shown}: {len(counts)} tables, {sum(counts.values()):,} rows loaded "
        f"in {time.monotonic() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

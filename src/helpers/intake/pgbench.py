"""How fast a PostgreSQL schema is read, against reading the same tables from Parquet.

    python -m helpers.intake.pgbench postgresql://...?schema=mission [--folder data/default]

Times, once each: every contract table of the schema read into Arrow by the ADBC driver
(no file written); the whole snapshot (read and written as Parquet, ``make snapshot``);
DuckDB's postgres scanner when its extension can be loaded; and the same tables read
from the Parquet folder into Arrow. Prints rows, seconds and rows per second.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from helpers.core.paths import DEFAULT_DATA_DIR
from helpers.intake import contract
from helpers.intake.pgsource import (
    PgSource,
    SourceError,
    SourceUrlError,
    arrow_schema,
    connect,
    read_catalog,
    select_sql,
    take_snapshot,
)


def read_with_adbc(url: str) -> int:
    """Every contract table of the schema into Arrow, in one transaction; rows read."""
    source = PgSource.parse(url)
    connection = connect(source)
    rows = 0
    try:
        cursor = connection.cursor()
        cursor.execute("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        columns, _ = read_catalog(cursor, source)
        for table in contract.DATASET_TABLES:
            if table.name in columns:
                cursor.execute(select_sql(source, table, columns[table.name]))
                for batch in cursor.fetch_record_batch():
                    rows += batch.cast(arrow_schema(table)).num_rows
        cursor.execute("ROLLBACK")
    finally:
        connection.close()
    return rows


def read_with_duckdb(url: str) -> int | str:
    """The same through DuckDB's postgres scanner; why not, when it cannot be loaded."""
    import duckdb

    source = PgSource.parse(url)
    con = duckdb.connect()
    try:
        con.execute("LOAD postgres")
    except duckdb.Error:
        try:
            con.execute("INSTALL postgres")
            con.execute("LOAD postgres")
        except duckdb.Error as error:
            return f"unavailable ({str(error).splitlines()[0][:120]})"
    con.execute(f"ATTACH '{source.uri}' AS db (TYPE postgres, READ_ONLY)")
    rows = 0
    for table in contract.DATASET_TABLES:
        relation = f'db."{source.schema}"."{table.name}"'
        rows += con.sql(f"SELECT * FROM {relation}").to_arrow_table().num_rows
    return rows


def read_parquet_folder(folder: Path) -> int:
    import pyarrow.parquet as pq

    return sum(
        pq.read_table(folder / f"{t.name}.parquet").num_rows
        for t in contract.DATASET_TABLES
        if (folder / f"{t.name}.parquet").is_file()
    )


def timed(what: str, read) -> None:
    started = time.perf_counter()
    rows = read()
    seconds = time.perf_counter() - started
    if isinstance(rows, str):
        print(f"{what:<28} {rows}")
    else:
        print(f"{what:<28} {rows:>12,} rows {seconds:8.1f} s {rows / seconds:>12,.0f} rows/s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.intake.pgbench", description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--folder", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args(argv)
    try:
        timed("adbc -> arrow", lambda: read_with_adbc(args.url))
        with tempfile.TemporaryDirectory() as folder:

            def snapshot() -> int:
                return sum(take_snapshot(args.url, folder)["snapshot"]["rows"].values())

            timed("adbc -> parquet (snapshot)", snapshot)
        timed("duckdb postgres scanner", lambda: read_with_duckdb(args.url))
    except SourceUrlError as error:
        print(f"pg-bench failed: {error}", file=sys.stderr)
        return 2
    except SourceError as error:
        print(f"pg-bench failed: {error}", file=sys.stderr)
        return 1
    timed("parquet folder -> arrow", lambda: read_parquet_folder(args.folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

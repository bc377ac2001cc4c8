"""The second bad-input corpus: files that the engine cannot read as their table.

Each case writes the valid dataset of conftest.py in one format, then spoils one file
the way a faulty export does: damaged data pages behind a readable Parquet footer, a
column name given twice, a nested or unknown column type, a timestamp no clock shows.
``CASES`` pairs each spoiling with the one problem it must give (file, column, rule,
count, rows). test_validation_corpus.py checks them on the loader and the command line,
test_robustness.py on a report that was built before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from conftest import make_valid_frames, write_dataset

from helpers.intake.load import Problem

DATE_RULE = (
    "must be a date written YYYY-MM-DD (a time of day and a UTC offset within ±14:00 may follow)"
)


@dataclass(frozen=True)
class Case:
    """A spoiled file and the one problem it gives."""

    name: str
    fmt: str
    spoil: Callable[[Path], None]
    problem: Problem

    def write(self, folder: Path) -> Path:
        """The valid dataset in ``folder``, with this case's file spoiled."""
        write_dataset(make_valid_frames(), folder, self.fmt)
        self.spoil(folder)
        return folder


def damage_pages(folder: Path, table: str = "paths", column: str = "title") -> None:
    """Scramble the compressed pages of one column, leaving the footer readable."""
    path = folder / f"{table}.parquet"
    pq.write_table(pq.read_table(path), path, compression="snappy")
    metadata = pq.read_metadata(path)
    chunk = metadata.row_group(0).column(metadata.schema.names.index(column))
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    data = bytearray(path.read_bytes())
    # The first bytes hold the page header; what follows is the compressed values.
    for i in range(start + 12, start + chunk.total_compressed_size - 2):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    assert pq.read_metadata(path).num_rows == metadata.num_rows  # the footer still reads


def replace_parquet_column(table: str, column: str, values: pa.Array) -> Callable[[Path], None]:
    def spoil(folder: Path) -> None:
        path = folder / f"{table}.parquet"
        data = pq.read_table(path)
        index = data.schema.get_field_index(column)
        pq.write_table(data.set_column(index, column, values), path)

    return spoil


def repeat_parquet_column(folder: Path) -> None:
    path = folder / "companies.parquet"
    data = pq.read_table(path)
    columns = [data.column(n) for n in ("company_id", "country", "country", "size_band")]
    pq.write_table(pa.table(columns, names=["company_id", "country", "country", "size_band"]), path)


def repeat_csv_column(folder: Path) -> None:
    # DuckDB does not tell Country from country: a name differing only in case repeats it.
    (folder / "companies.csv").write_text(
        "company_id,country,size_band,Country\nk1,FR,sme,FR\nk2,GB,large,GB\n", encoding="utf-8"
    )


def rewrite_csv_value(table: str, old: str, new: str) -> Callable[[Path], None]:
    def spoil(folder: Path) -> None:
        path = folder / f"{table}.csv"
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1
        path.write_text(text.replace(old, new), encoding="utf-8")

    return spoil


def zoned_registrations(zone: str) -> pa.Array:
    days = pd.to_datetime(["2021-01-10", "2021-03-05", "2021-06-20", "2022-02-01", "2022-02-15"])
    return pa.array(days).cast(pa.timestamp("us", tz=zone))


CASES = [
    Case(
        "damaged-pages",
        "parquet",
        damage_pages,
        Problem("paths.parquet", "title", "cannot be read: its data pages are damaged"),
    ),
    Case(
        "repeated-column",
        "parquet",
        repeat_parquet_column,
        Problem("companies.parquet", "country", "appears more than once in the file's columns"),
    ),
    Case(
        "repeated-column",
        "csv",
        repeat_csv_column,
        Problem("companies.csv", "country", "appears more than once in the header"),
    ),
    Case(
        "nested-list",
        "parquet",
        replace_parquet_column("companies", "country", pa.array([["FR"], ["GB"]])),
        Problem(
            "companies.parquet",
            "country",
            "must be text (the Parquet column is VARCHAR[])",
            2,
            (1, 2),
        ),
    ),
    Case(
        "nested-struct",
        "parquet",
        replace_parquet_column("companies", "size_band", pa.array([{"b": "sme"}, {"b": "mid"}])),
        Problem(
            "companies.parquet",
            "size_band",
            "must be text (the Parquet column is STRUCT(b VARCHAR))",
            2,
            (1, 2),
        ),
    ),
    Case(
        "unknown-type",
        "parquet",
        replace_parquet_column("members", "registered_at", pa.array([time(9, 30)] * 5)),
        Problem(
            "members.parquet",
            "registered_at",
            f"{DATE_RULE} (the Parquet column is TIME)",
            5,
            (1, 2, 3, 4, 5),
        ),
    ),
    Case(
        "impossible-offset",
        "csv",
        rewrite_csv_value("members", "2021-03-05", "2021-03-05T00:00:00+25:00"),
        Problem("members.csv", "registered_at", DATE_RULE, 1, (3,)),
    ),
    Case(
        "impossible-time",
        "csv",
        rewrite_csv_value("members", "2021-03-05", "2021-03-05T25:61:00"),
        Problem("members.csv", "registered_at", DATE_RULE, 1, (3,)),
    ),
    Case(
        "impossible-offset",
        "parquet",
        replace_parquet_column("members", "registered_at", zoned_registrations("+25:00")),
        Problem(
            "members.parquet", "registered_at", "has timestamps in an unknown time zone (+25:00)"
        ),
    ),
]

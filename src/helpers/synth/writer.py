"""Writing a dataset folder: typed Parquet files, the synthetic marker and the stamp.

Files are written with fixed Parquet options and no timestamps, so the same seed and
scale give the same bytes. Everything goes to a hidden sibling folder that replaces the
target only once complete: an interrupted run never leaves half a dataset behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from helpers.intake import contract
from helpers.synth.stamp import STAMP_FILE, digest_files, read_json  # noqa: F401 (their home)

ARROW_TYPES = contract.arrow_types()
MARKER_FILE = "dataset.json"


def arrow_schema(table_name: str) -> pa.Schema:
    """The contract's columns of a table as an Arrow schema (not-null columns required)."""
    table = contract.table(table_name)
    return pa.schema(
        [pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable) for c in table.columns]
    )


def to_arrow(table_name: str, columns: Mapping[str, Any]) -> pa.Table:
    """An Arrow table of the contract's types from plain columns.

    Dates are day numbers since 1970-01-01 (negative for none), numbers use NaN for none,
    strings and booleans use None.
    """
    schema = arrow_schema(table_name)
    arrays = []
    for field in schema:
        values = columns[field.name]
        if isinstance(values, pa.Array | pa.ChunkedArray):
            arrays.append(values.cast(field.type))
        elif isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
            arrays.append(pa.array(values).cast(field.type))
        elif field.type == pa.date32():
            days = np.asarray(values, dtype=np.int64)
            arrays.append(pa.array(days.astype(np.int32), type=pa.date32(), mask=days < 0))
        elif field.type == pa.float64():
            number = np.asarray(values, dtype=np.float64)
            arrays.append(pa.array(number, type=pa.float64(), mask=np.isnan(number)))
        elif field.type == pa.int64():
            arrays.append(pa.array(np.asarray(values, dtype=np.int64), type=pa.int64()))
        else:
            arrays.append(pa.array(values, type=field.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def _writer_options(table_name: str) -> dict[str, Any]:
    """Fixed Parquet options: unique identifiers delta-encoded, the rest dictionary-encoded."""
    table = contract.table(table_name)
    unique = [c.name for c in table.columns if c.unique and c.type == "string"]
    return {
        "compression": "zstd",
        "compression_level": 3,
        "use_dictionary": [c.name for c in table.columns if c.name not in unique],
        "column_encoding": {name: "DELTA_BYTE_ARRAY" for name in unique} or None,
        "write_statistics": True,
        "version": "2.6",
        "data_page_version": "1.0",
        "store_schema": True,
    }


class DatasetWriter:
    """Writes the tables of one dataset into a folder, each table in one Parquet file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.rows: dict[str, int] = {}
        self._open: dict[str, pq.ParquetWriter] = {}

    def write(self, table_name: str, table: pa.Table) -> None:
        """Append ``table`` as one row group of ``<table_name>.parquet``."""
        writer = self._open.get(table_name)
        if writer is None:
            writer = pq.ParquetWriter(
                self.folder / f"{table_name}.parquet",
                arrow_schema(table_name),
                **_writer_options(table_name),
            )
            self._open[table_name] = writer
        writer.write_table(table.cast(arrow_schema(table_name)), row_group_size=max(len(table), 1))
        self.rows[table_name] = self.rows.get(table_name, 0) + len(table)

    def close(self) -> None:
        for writer in self._open.values():
            writer.close()
        self._open.clear()


@contextlib.contextmanager
def dataset_folder(out: Path) -> Iterator[Path]:
    """A fresh hidden folder next to ``out`` that replaces ``out`` when the block succeeds."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    partial.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def write_json(path: Path, content: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n", encoding="utf-8")

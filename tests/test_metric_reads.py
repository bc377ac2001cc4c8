"""Each metric reads exactly the columns its registry entry declares.

The check runs the metric on the small valid dataset with every table cut down to the
declared columns (it must still compute: it reads nothing else), then once without each
declared column in turn (it must fail: it does read that column). The category rules are
reference data every segmented figure reads, not dataset columns, and stay whole. The
dataset declares the years it covers, as dataset.json does, so that every window of the
careers figures is computed: which years a dataset covers is the dataset's, not a
figure's, reading.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

import duckdb
import pyarrow as pa
import pytest
from conftest import make_reference_frames, make_valid_frames

from helpers.figures import registry
from helpers.intake import contract
from helpers.intake.dataset import Dataset

YEAR = 2022
# Declared coverage: ten years back, so that the ten-year careers window is computed too.
COVERED = list(range(YEAR - 10, YEAR + 1))


@cache
def valid_tables() -> tuple[Dataset, dict[str, pa.Table]]:
    """The valid dataset, and each of its tables as Arrow, to copy cut down."""
    ds = Dataset.from_frames({**make_valid_frames(), **make_reference_frames()})
    names = [row[0] for row in ds.con.execute("SHOW TABLES").fetchall()]
    return ds, {n: ds.con.sql(f'SELECT * FROM "{n}"').to_arrow_table() for n in names}


def narrowed(keep: Mapping[str, Sequence[str]]) -> Dataset:
    """The valid dataset in which each contract table holds only the columns of ``keep``."""
    base, tables = valid_tables()
    contract_tables = {t.name for t in contract.TABLES}
    con = duckdb.connect()
    for name, arrow in tables.items():
        if name in contract_tables:
            columns = list(dict.fromkeys(keep.get(name, ())))
            # A table the metric does not read keeps its rows but none of its columns.
            arrow = (
                arrow.select(columns)
                if columns
                else pa.table({"_unread": pa.nulls(arrow.num_rows, pa.int32())})
            )
        # A view of the Arrow table, not a copy: the check builds hundreds of these.
        con.register(name, arrow)
    return Dataset(con=con, present=base.present, absent=base.absent, meta={"years": COVERED})


def without(reads: Mapping[str, Sequence[str]], table: str, column: str) -> dict:
    return {t: [c for c in cols if (t, c) != (table, column)] for t, cols in reads.items()}


@pytest.mark.parametrize("spec", registry.METRICS, ids=lambda s: s.id)
def test_the_metric_computes_from_its_declared_columns_alone(spec):
    figures = spec.compute(narrowed(spec.reads), YEAR, 1)
    assert len(figures), spec.id


@pytest.mark.parametrize("spec", registry.METRICS, ids=lambda s: s.id)
def test_every_declared_column_is_read(spec):
    unread = []
    for table, columns in spec.reads.items():
        for column in dict.fromkeys(columns):
            try:
                spec.compute(narrowed(without(spec.reads, table, column)), YEAR, 1)
            except Exception:  # noqa: BLE001 - any failure shows the column is read
                continue
            unread.append(f"{table}.{column}")
    assert unread == [], f"{spec.id} declares columns it does not read"

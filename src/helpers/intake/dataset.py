"""A validated dataset: the contract's tables as DuckDB relations, queried in SQL.

Large tables stay in Parquet and are scanned by DuckDB; pandas only ever sees the small
results of ``Dataset.query``. ``helpers.intake.load.load_dataset`` builds a Dataset from a
folder after validation; ``Dataset.from_frames`` builds one from small pandas tables for
tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from helpers.core.paths import REFERENCE_DIR
from helpers.intake import contract


@dataclass
class Dataset:
    """Tables of one dataset, each a DuckDB view or table named after the contract's table.

    Every contract column is present with its contract type (dates as DATE, integers as
    BIGINT, ...). Reference tables (emission_factors, carbon_prices, targets,
    category_rules) are there too.
    """

    con: duckdb.DuckDBPyConnection
    present: frozenset[str]
    absent: frozenset[str] = frozenset()
    source: Path | None = None
    fingerprint: str = ""
    # Whether results computed on this very dataset before by the same code (the
    # intruder's check of a year) may be read from the cache instead of computed.
    reuse_results: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    # Values possible but implausible (helpers.intake.plausibility.DataWarning), found valid.
    warnings: tuple[Any, ...] = ()
    # (file, column or field) outside the contract, found in the files and never read.
    ignored: tuple[tuple[str, str], ...] = ()

    @property
    def synthetic(self) -> bool:
        """True when the dataset says it was generated (its dataset.json marker)."""
        return bool(self.meta.get("synthetic"))

    def has(self, name: str) -> bool:
        return name in self.present

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run ``sql`` and return its (small) result as a DataFrame."""
        return self.con.execute(sql, dict(params or {})).df()

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        row = self.con.execute(sql, dict(params or {})).fetchone()
        return None if row is None else row[0]

    @classmethod
    def from_frames(
        cls,
        frames: Mapping[str, pd.DataFrame],
        reference_dir: Path = REFERENCE_DIR,
        meta: Mapping[str, Any] | None = None,
    ) -> Dataset:
        """A Dataset from small in-memory tables, cast to the contract's types.

        Missing required tables become empty tables; missing optional ones are absent.
        Reference tables not given in ``frames`` are read from ``reference_dir``.
        Nothing is validated: build test datasets that respect the contract, or write
        them to a folder and use ``helpers.intake.load.load_dataset``.
        """
        con = duckdb.connect()
        present: set[str] = set()
        absent: set[str] = set()
        for table in contract.TABLES:
            frame = frames.get(table.name)
            if frame is None and table.reference:
                frame = read_reference_csv(reference_dir, table.name)
            if frame is None:
                if table.optional:
                    absent.add(table.name)
                    continue
                frame = pd.DataFrame({c: [] for c in table.column_names})
            register_frame(con, table, frame)
            if not table.reference:
                present.add(table.name)
        rules = frames.get("category_rules")
        if rules is None:
            rules = read_category_rules(reference_dir)
        register_category_rules(con, rules)
        return cls(
            con=con, present=frozenset(present), absent=frozenset(absent), meta=dict(meta or {})
        )


def read_reference_csv(reference_dir: Path, name: str) -> pd.DataFrame | None:
    path = Path(reference_dir) / f"{name}.csv"
    if not path.exists():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def read_category_rules(reference_dir: Path = REFERENCE_DIR) -> pd.DataFrame:
    """The versioned rules that place a person in each underserved category."""
    rules = pd.read_csv(
        Path(reference_dir) / contract.CATEGORY_RULES_FILE, dtype=str, keep_default_na=False
    )
    return type_category_rules(rules)


def type_category_rules(rules: pd.DataFrame) -> pd.DataFrame:
    """The category rules with their years as integers (empty: open-ended); text cells
    as they are."""
    rules = rules.copy()
    for col in ("first_year", "last_year"):
        years = rules[col].fillna("").astype(str).replace("", None)
        rules[col] = pd.to_numeric(years).astype("Int64")
    return rules


def register_category_rules(con: duckdb.DuckDBPyConnection, rules: pd.DataFrame) -> None:
    """Register the rules as table ``category_rules`` (empty years mean open-ended)."""
    con.register("_category_rules_frame", rules)
    con.execute(
        """
        CREATE OR REPLACE TABLE category_rules AS
        SELECT category,
               CAST(first_year AS INTEGER) AS first_year,
               CAST(last_year AS INTEGER) AS last_year,
               "column",
               value
        FROM _category_rules_frame
        """
    )
    con.unregister("_category_rules_frame")


def register_frame(
    con: duckdb.DuckDBPyConnection, table: contract.Table, frame: pd.DataFrame
) -> None:
    """Create table ``table.name`` from ``frame``, each column cast to its contract type."""
    missing = [c for c in table.column_names if c not in frame.columns]
    if missing:
        raise ValueError(f"{table.name}: missing columns {', '.join(missing)}")
    view = f"_frame_{table.name}"
    con.register(view, frame[list(table.column_names)])
    casts = ", ".join(_cast(c) for c in table.columns)
    con.execute(f'CREATE OR REPLACE TABLE "{table.name}" AS SELECT {casts} FROM "{view}"')
    con.unregister(view)


def _cast(column: contract.Column) -> str:
    name = f'"{column.name}"'
    if column.type == "date":
        # Timestamps may carry a time, which the report ignores.
        return f"CAST(CAST({name} AS TIMESTAMP) AS DATE) AS {name}"
    if column.type == "boolean":
        return f"CAST(CAST({name} AS VARCHAR) AS BOOLEAN) AS {name}"
    return f"CAST({name} AS {column.duckdb_type}) AS {name}"

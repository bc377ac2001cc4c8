"""Each column of a source cast to its contract type, and the values that will not cast.

``create_typed_relation`` builds the SQL that reads a source with the contract's types
(dates with their time zone resolved, integers and numbers from text or from any numeric
type); ``type_findings`` counts the values of the wrong type, column by column, in one
scan of the file.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import duckdb

from helpers.intake import contract
from helpers.intake.rules import (
    literal,
    quote,
)

if TYPE_CHECKING:
    from helpers.intake.sources import Source


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

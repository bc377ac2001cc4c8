"""Default rows shared by the metric tests: a person who falls in no category; and
tables of the contract written with only the columns a test is about
(``contract_table``).

Each test overrides only the columns its case is about, so the answer worked out in the
test depends on nothing hidden here.
"""

import pandas as pd

from helpers.intake import contract

# The date every date column defaults to: the first day of the year the tests report on; a
# planned date (an enrollment's expected end) comes a year after.
DEFAULT_DATE = "2022-01-01"
PLANNED_DATE = "2023-01-01"

ADMITTED_APPLICATION = {
    "path_id": "p1",
    "started_at": "2021-10-01",
    "submitted_at": "2021-10-05",
    "decision": "admitted",
    "decided_at": "2021-11-01",
    "country": "FR",
    "gender": "male",
    "employment_status": "employed",
    "education_level": "bac_plus_5_or_more",
    "priority_area": "none",
    "migration_status": "none",
    "disability": "no",
}

# Defaults other than a column's first allowed value: a person in no underserved
# category (as ADMITTED_APPLICATION), the year the tests report on.
PREFERRED = {
    **{k: v for k, v in ADMITTED_APPLICATION.items() if k in contract.APPLICATION_ANSWERS},
    "year": 2022,
}


def contract_table(name: str, *rows: dict) -> pd.DataFrame:
    """Rows of the contract's table ``name`` that give only the columns a test is about;
    every other column gets a value the contract accepts (``contract_default``).

    Identifiers are numbered so that they point at each other: the n-th row of members
    is ``member<n>``, and a member_id elsewhere defaults to ``member1``, the first member.
    """
    columns = contract.table(name).columns
    return pd.DataFrame(
        [
            {
                c.name: row[c.name] if c.name in row else contract_default(name, c, n)
                for c in columns
            }
            for n, row in enumerate(rows, start=1)
        ],
        columns=[c.name for c in columns],
    )


def contract_default(table: str, column: contract.Column, n: int) -> object:
    """A value of ``column`` valid for the contract, in row ``n`` of ``table``."""
    if column.name.endswith("_id") and column.type == "string":
        stem = column.name.removesuffix("_id")
        if column.unique:
            return f"{stem}{n}"
        return None if column.nullable else f"{stem}1"
    if column.nullable:
        return None
    if column.name in PREFERRED:
        return PREFERRED[column.name]
    if (table, column.name) in contract.PLANNED_DATES:
        return PLANNED_DATE
    if column.values:
        return column.values[0]
    if column.allowed:
        return column.allowed[0]
    return {
        "country": "FR",
        "date": DEFAULT_DATE,
        "integer": int(column.minimum or 0)
        if column.exclusive_minimum is None
        else int(column.exclusive_minimum) + 1,
        "number": 1.0,
        "boolean": False,
        "string": column.name,
    }[column.type]

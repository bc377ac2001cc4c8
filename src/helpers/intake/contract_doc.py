"""The data contract as the data team reads it: ``docs/data-contract.md``, written from the code.

The page is generated from ``helpers.intake.contract`` (tables, columns, types) and
``helpers.intake.rules`` (every rule the validator applies), so the promise the data team reads
is the one the code enforces; a test fails when the committed page differs from what this
module writes. Regenerate it with ``make contract-doc``.

    python -m helpers.intake.contract_doc [--check] [--out docs/data-contract.md]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers.core.paths import DOCS_DIR
from helpers.intake import (
    contract,
    description,
    personal_columns,
    plausibility,
    rules,
)

DOC_PATH = DOCS_DIR / "data-contract.md"

# How each logical type is delivered, in words (CSV text, Parquet physical types).
TYPE_WORDS = {
    "string": "text",
    "enum": "text, one of a closed list",
    "country": "text, ISO 3166-1 alpha-2 code",
    "date": "date (`YYYY-MM-DD` in CSV)",
    "integer": "whole number",
    "number": "number",
    "boolean": "`true` or `false`",
}

INTRO = """\
# Data contract (version {version})

What a dataset delivered to the mission report must hold. A dataset is a folder with one
file per table, `<table>.parquet` or `<table>.csv` (UTF-8, comma-separated, a header
line); Parquet and CSV may be mixed. `make validate DATA=dir` checks a delivery against
every rule below and names, for each broken rule, the file, the column, the rule, the
number of rows and the first offending rows; a dataset that breaks a rule is refused
before any figure is computed.

This page is generated from the code that enforces it (`src/helpers/intake/contract.py` and
`src/helpers/intake/rules.py`) by `make contract-doc`; a test keeps it current.

Identifiers are pseudonymous codes chosen by the data team. No name, e-mail address,
phone number or postal address ever enters a dataset. Identifier values never appear in
a report or in the validator's messages.

## Tables

| table | holds | delivery |
|---|---|---|
{table_rows}
"""


def _delivery(table: contract.Table) -> str:
    if table.reference:
        if table.name in contract.OVERRIDABLE_REFERENCE:
            return "shipped in `data/reference/`; a dataset may deliver its own copy"
        return "shipped in `data/reference/`"
    return "optional" if table.optional else "required"


def _column_rules(column: contract.Column) -> str:
    parts = ["required" if not column.nullable else "may be empty"]
    if column.unique:
        parts.append("unique")
    if column.values:
        parts.append("one of " + ", ".join(f"`{v}`" for v in column.values))
    if column.allowed:
        parts.append("one of " + ", ".join(f"`{v}`" for v in column.allowed))
    if column.minimum is not None:
        parts.append(f">= {column.minimum:g}")
    if column.exclusive_minimum is not None:
        parts.append(f"> {column.exclusive_minimum:g}")
    if column.first_of_month:
        parts.append("first day of a month")
    if column.type == "string" and not contract.is_identifier(column.name):
        parts.append("no control character")
    return "; ".join(parts)


def _rule_text(rule: rules.Rule) -> str:
    text = f"`{rule.column}` {rule.rule}"
    if any(
        (w.table, w.column, w.rule) == (rule.table, rule.column, rule.rule)
        for w in rules.EARLY_RULES
    ):
        text += f" ({rules.DAYS_EARLY_WARNED} day early at most: a warning, not a refusal)"
    return text


def _table_section(table: contract.Table) -> list[str]:
    lines = [
        f"### `{table.name}`",
        "",
        f"{table.description.capitalize()}. {_delivery(table).capitalize()}.",
    ]
    if table.key:
        lines += ["", "Key: " + ", ".join(f"`{c}`" for c in table.key) + " (unique together)."]
    if any(isinstance(r, rules.DuplicateRule) for r in rules.column_rules(table)):
        lines += ["", "No key: two rows equal in every column are refused (a copy counts twice)."]
    lines += ["", "| column | type | rules |", "|---|---|---|"]
    for column in table.columns:
        lines.append(f"| `{column.name}` | {TYPE_WORDS[column.type]} | {_column_rules(column)} |")
    # Column rules are in the table above; what remains reads several columns or tables.
    cross = [r for r in rules.rules_for(table) if r not in rules.column_rules(table)]
    if cross:
        lines += ["", "Rules across columns and tables:", ""]
        lines += [f"- {_rule_text(r)}" for r in cross]
    return lines + [""]


def beside_the_tables() -> str:
    """The rules that hold for every file: dates, extra columns, dataset.json, warnings."""
    words = ", ".join(f"`{w}`" for w in sorted(personal_columns.PERSONAL_WORDS))
    things = ", ".join(f"*{w}*" for w in sorted(personal_columns.THING_WORDS))
    fields = "\n".join(
        f"| `{name}` | {rule} |" for name, (_, rule) in sorted(description.FIELDS.items())
    )
    return f"""## For every file

- **Dates of events** lie between {contract.EARLIEST_EVENT.isoformat()} and the extraction
  date that `dataset.json` gives (today when it gives none); an expected end of a path
  (`expected_end_at`) may be later.
- **Numbers** are finite, and no total the report computes may overflow: a line whose
  emissions exceed what a number can hold is refused, naming the line.
- **Columns outside the contract** are listed by the validator as ignored and never read,
  except a column whose name says it holds a person's name, e-mail address, phone number
  or address, which refuses the file: its name is split into words (at separators and
  changes of case) and compared with {words}, with *e mail*, *cell phone* and *post code*,
  and with *name*, except after {things} (a course has a name; a person's name is refused
  as `name`, `first_name` or `member_name`).
- **Text** that pages and charts show (every text column but identifiers) holds no
  control character (tab, line break, escape, ...): such a value is refused, naming the
  file, the column and the rows, rather than drawn with visible escapes.
- **Warnings**, which do not refuse the dataset but are named by the validator and in the
  report's note on data quality: a salary above {plausibility.SALARY_LIMIT_EUR:,} € a
  year, an emission factor more than {plausibility.FACTOR_MARGIN} times the largest of
  the shipped factors, an event dated {rules.DAYS_EARLY_WARNED} day before the event it
  follows (a time cut to its date in another time zone; more than that is refused).

## Consistency across tables

Beyond each table's rules, a dataset is refused when its tables contradict each other or
its description:

- **Order of events**: a member registers before applying or starting a course, a
  graduate's survey is sent on or after the graduation (`ended_at`) and answered on or after
  it is sent. A date {rules.DAYS_EARLY_WARNED} day early is a judgement, not a
  contradiction: it is a warning (see above), used as delivered.
- **Outcomes**: an outcome credited to an enrollment belongs to that enrollment's member.
- **Copies**: a table without a key (`carbon_activity`, the objectives, the category
  rules) holds no two rows equal in every column.
- **Empty tables**: a required table holds at least one row.
- **Declared years**: each year that `dataset.json` declares has rows dated in it, and
  every month of it that ended by the extraction date has rows in
  {" and ".join(f"`{t}`" for t in contract.MONTHLY_TABLES)}: a missing month is refused,
  naming the months, rather than averaged over fewer months.
- **Budgets**: a team's carbon budget names a team with emissions that year.
- **Names**: names are compared as they read: Unicode compatibility form (NFKC), without
  invisible characters (zero-width spaces, byte-order marks), spaces trimmed and single.
  Two spellings of one name ({_name_columns()}) are refused, naming both, with invisible
  characters written as escapes (`\\u200b`), and the rows of the less frequent one; a
  name that reads as nothing is refused.

## `dataset.json`

A dataset may carry a description beside its tables. Each field the project knows has one
type; a field of another type is a contract error naming it; fields the project does not
know are listed as ignored.

| field | rule |
|---|---|
{fields}
"""


def _name_columns() -> str:
    return "; ".join(
        ", ".join(f"`{table}.{column}`" for table, column in group)
        for group in contract.NAME_COLUMNS
    )


def render() -> str:
    """The whole contract page, as Markdown."""
    tables = contract.TABLES + (rules.CATEGORY_RULES_TABLE,)
    rows = "\n".join(
        f"| [`{t.name}`](#{t.name}) | {t.description} | {_delivery(t)} |" for t in tables
    )
    body = [INTRO.format(version=contract.CONTRACT_VERSION, table_rows=rows), beside_the_tables()]
    body.append("## Dataset tables\n")
    for table in contract.DATASET_TABLES:
        body.append("\n".join(_table_section(table)))
    body.append("## Reference tables\n")
    for table in (*contract.REFERENCE_TABLES, rules.CATEGORY_RULES_TABLE):
        body.append("\n".join(_table_section(table)))
    return "\n".join(body).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the data contract page from the code.")
    parser.add_argument("--out", type=Path, default=DOC_PATH, help="where to write the page")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the page differs from the code"
    )
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out.name} is out of date: run make contract-doc", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

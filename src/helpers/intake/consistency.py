"""What a dataset says about itself across tables, beyond the rules of single rows.

Every column may hold valid values while the tables contradict each other or the
dataset's own description: a year that ``dataset.json`` declares but no table holds, a
month of a declared year missing from a monthly table, a required table delivered
empty, or one team written two ways (``content`` and ``content`` followed by a
zero-width space) that the pages would show as two teams. Each is refused before any
figure is computed, naming the file, the column, the rule and the rows.

The checks read few values: row counts (Parquet footers), the distinct months of the
monthly tables, the distinct years of a few date columns, and the distinct names of the
name columns of ``contract.NAME_COLUMNS``.
"""

from __future__ import annotations

import calendar
import unicodedata
from datetime import date

import duckdb

from helpers.intake import contract
from helpers.intake.description import FILE as DESCRIPTION_FILE
from helpers.intake.description import Description
from helpers.intake.rule_checks import Finding, count_rows, first_rows, well_typed
from helpers.intake.rules import Problem, literal, quote
from helpers.intake.sources import Source

EMPTY_RULE = "holds no row: a required table must hold at least one"
SPELLING_RULE = (
    "{other} and {main} read as one name written two ways (Unicode form, spaces at an end "
    "or doubled, invisible characters): write it one way"
)
BLANK_RULE = "must not be blank: the name reads as nothing (spaces or invisible characters)"
MONTHS_RULE = (
    "must have rows for every month of each year dataset.json declares, up to the "
    "extraction date: {count} month{s} without any ({months})"
)
YEAR_RULE = "declares {year}, but no table holds a row dated in {year}"
# The dated columns that say a year holds data (besides the monthly tables).
YEAR_COLUMNS = (
    ("members", "registered_at"),
    ("course_enrollments", "started_at"),
    ("applications", "started_at"),
)
# Months shown in a problem before "...".
MONTHS_SHOWN = 6


def consistency_problems(
    con: duckdb.DuckDBPyConnection, sources: dict[str, Source], description: Description
) -> tuple[list[Problem], list[Finding]]:
    """The contradictions of the dataset: problems without rows (empty tables, years and
    months missing) and findings with rows (two spellings of a name, blank names)."""
    problems = empty_tables(con, sources)
    problems += missing_years_and_months(con, sources, description)
    return problems, spelling_findings(con, sources)


def empty_tables(con: duckdb.DuckDBPyConnection, sources: dict[str, Source]) -> list[Problem]:
    """The required tables delivered without a row."""
    problems = []
    for name in contract.REQUIRED_TABLES:
        source = sources.get(name)
        if source is None or not source.usable:
            continue
        [count] = con.execute(f"SELECT count(*) FROM {source.typed}").fetchone()
        if not count:
            problems.append(Problem(source.label, "", EMPTY_RULE))
    return problems


def declared_months(years: list[int], latest: date) -> list[date]:
    """The first day of every month of ``years`` that ended by ``latest``."""
    months = []
    for year in sorted(set(years)):
        for month in range(1, 13):
            last_day = date(year, month, calendar.monthrange(year, month)[1])
            if last_day <= latest:
                months.append(date(year, month, 1))
    return months


def missing_years_and_months(
    con: duckdb.DuckDBPyConnection, sources: dict[str, Source], description: Description
) -> list[Problem]:
    """A declared year without any row, and the months of declared years missing from
    the monthly tables (a year without any row is named once, as the year)."""
    years = description.meta.get("years")
    if not years:
        return []
    listed = ", ".join(str(int(y)) for y in years)
    seen: set[int] = set()
    monthly: dict[str, set[date]] = {}
    for name in contract.MONTHLY_TABLES:
        source = sources.get(name)
        if source is None or not source.has(("month",)):
            continue
        rows = con.execute(
            f"SELECT DISTINCT month FROM {source.typed} WHERE month IS NOT NULL "
            f"AND year(month) IN ({listed}) AND {well_typed(source, ('month',))}"
        ).fetchall()
        monthly[name] = {m for (m,) in rows}
        seen |= {m.year for m in monthly[name]}
    for name, column in YEAR_COLUMNS:
        source = sources.get(name)
        if source is None or not source.has((column,)) or seen >= set(years):
            continue
        col = quote(column)
        rows = con.execute(
            f"SELECT DISTINCT year({col}) FROM {source.typed} WHERE {col} IS NOT NULL "
            f"AND year({col}) IN ({listed}) AND {well_typed(source, (column,))}"
        ).fetchall()
        seen |= {int(y) for (y,) in rows}
    problems = [
        Problem(DESCRIPTION_FILE, "years", YEAR_RULE.format(year=y))
        for y in sorted(set(years) - seen)
    ]
    latest = description.latest_event()[0]
    expected = declared_months([y for y in years if y in seen], latest)
    for name, present in monthly.items():
        missing = [m for m in expected if m not in present]
        if missing:
            shown = ", ".join(m.strftime("%Y-%m") for m in missing[:MONTHS_SHOWN])
            more = ", ..." if len(missing) > MONTHS_SHOWN else ""
            rule = MONTHS_RULE.format(
                count=len(missing), s="s" if len(missing) > 1 else "", months=shown + more
            )
            problems.append(Problem(sources[name].label, "month", rule))
    return problems


def name_key(name: str) -> str:
    """What a name reads as: its Unicode compatibility form (NFKC), without invisible
    (format) characters, spaces trimmed at both ends and single between words."""
    shown = "".join(c for c in name if unicodedata.category(c) != "Cf")
    return " ".join(unicodedata.normalize("NFKC", shown).split())


def visible(text: str) -> str:
    """``text`` quoted, its invisible and control characters written as escapes
    (``\\u200b``), so that two spellings that read the same show how they differ."""
    out = []
    for c in text:
        if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") or (c.isspace() and c != " "):
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "'" + "".join(out) + "'"


def spelling_findings(con: duckdb.DuckDBPyConnection, sources: dict[str, Source]) -> list[Finding]:
    """The rows of each name column written in a second spelling of a name (the most
    frequent spelling is taken as the name's), and the rows whose name reads as nothing."""
    findings: list[Finding] = []
    for group in contract.NAME_COLUMNS:
        counts: dict[str, dict[str, int]] = {}  # key -> spelling -> rows in the group
        where: list[tuple[Source, str, dict[str, int]]] = []
        for table, column in group:
            source = sources.get(table)
            if source is None or not source.has((column,)):
                continue
            col = quote(column)
            rows = con.execute(
                f"SELECT {col}, count(*) FROM {source.typed} WHERE {col} IS NOT NULL "
                f"AND {well_typed(source, (column,))} GROUP BY {col}"
            ).fetchall()
            spellings = {str(value): int(n) for value, n in rows}
            where.append((source, column, spellings))
            for value, n in spellings.items():
                by_key = counts.setdefault(name_key(value), {})
                by_key[value] = by_key.get(value, 0) + n
        for source, column, spellings in where:
            for value in sorted(spellings):
                key = name_key(value)
                if not key:
                    rule = BLANK_RULE
                else:
                    written = counts[key]
                    main = max(sorted(written), key=lambda s: written[s])
                    if value == main:
                        continue
                    rule = SPELLING_RULE.format(other=visible(value), main=visible(main))
                predicate = f"{quote(column)} = {literal(value)}"
                [count] = count_rows(con, source, [predicate])
                rows = first_rows(con, source, predicate)
                findings.append(Finding(source, column, rule, count, rows))
    return findings

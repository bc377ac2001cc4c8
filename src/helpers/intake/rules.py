"""The rules of the data contract, each one a SQL predicate that is true on a broken row.

``helpers.intake.contract`` describes tables and columns; this module turns the per-column rules
(not null, enumerations, ranges, first day of the month, country codes, uniqueness) into
rule objects and declares, as data, the rules that read several columns or tables:
conditional nulls, date orderings, references and values that must match the row they
point to. ``helpers.intake.load`` evaluates them; ``Problem`` and ``ContractError`` report them.

Predicates read a table's *typed* rows: every column already cast to its contract type,
a value that failed its type reading as null (that failure is reported once, as a type
problem, and the row is left out of the rules that read the column).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache

from helpers.core.paths import REFERENCE_DIR
from helpers.intake import contract

COUNTRIES_FILE = REFERENCE_DIR / "countries.csv"
# The table of accepted country codes (ISO codes and ZZ) that the country rule reads;
# ``helpers.intake.load`` creates it. A lookup is much faster than a list of 250 literals.
COUNTRY_CODES_TABLE = "_country_codes"
# Control characters (C0, DEL, C1: tab, line ends, escape, ...) have no place in a name
# or a label, which the pages and charts draw as written: refused, naming file, column
# and rows. An RE2 class, as DuckDB reads it.
CONTROL_CHARACTERS = "[\\x00-\\x1f\\x7f-\\x9f]"
CONTROL_RULE = "must not hold a control character (tab, line break, escape...)"
# How many offending rows a problem lists; the count says how many there are in all.
ROWS_SHOWN = 5


@dataclass(frozen=True)
class Problem:
    """One broken rule: where it is broken, how often, and the first offending rows.

    ``rows`` are counted as a person counts them in the file: lines of a CSV file (the
    header is line 1), 1-based rows of a Parquet file. A table read from a database is
    named ``schema.table`` and carries, in ``where``, the SQL listing its offending rows
    there instead.
    """

    file: str
    column: str
    rule: str
    count: int = 0
    rows: tuple[int, ...] = ()
    where: str = ""

    def __str__(self) -> str:
        text = ": ".join(part for part in (self.file, self.column, self.rule) if part)
        if not self.count:
            return text
        text += f": {self.count} row{'s' if self.count > 1 else ''}"
        if self.rows:
            word = "line" if self.file.endswith(".csv") else "row"
            shown = ", ".join(str(r) for r in self.rows)
            more = ", ..." if self.count > len(self.rows) else ""
            text += f" ({word}{'s' if len(self.rows) > 1 else ''} {shown}{more})"
        if self.where:
            text += f"; rows: {self.where}"
        return text


class ContractError(Exception):
    """A dataset breaks the data contract; ``problems`` lists every broken rule."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UnusableDatasetError(ContractError):
    """The dataset (or reference) folder cannot be examined at all: absent, not a folder."""


def quote(name: str) -> str:
    """``name`` as a SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """``value`` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _in_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(literal(v) for v in values) + ")"


@dataclass(frozen=True)
class Condition:
    """When a conditional rule applies: ``column`` is (or is not) one of ``values``.

    With no values the condition is about nullness: ``column`` is null (or not null).
    """

    column: str
    values: tuple[str, ...] = ()
    negate: bool = False

    def sql(self, alias: str = "") -> str:
        col = f"{alias}.{quote(self.column)}" if alias else quote(self.column)
        if not self.values:
            return f"{col} IS {'NOT ' if self.negate else ''}NULL"
        return f"{col} {'NOT ' if self.negate else ''}IN {_in_list(self.values)}"

    @property
    def text(self) -> str:
        if not self.values:
            return f"{self.column} is {'not ' if self.negate else ''}null"
        return f"{self.column} is {'not ' if self.negate else ''}{' or '.join(self.values)}"


@dataclass(frozen=True)
class RowRule:
    """A rule read from each row of one table alone."""

    table: str
    column: str  # the column the report names
    rule: str  # how the report states the rule
    violation: str  # SQL over the typed row, true when the row breaks the rule
    reads: tuple[str, ...]  # the columns of the row the predicate reads
    is_not_null: bool = False  # a plain not-null rule, which file statistics may prove


@dataclass(frozen=True)
class UniqueRule:
    """Values of ``key`` (one column or several together) appear on one row only."""

    table: str
    key: tuple[str, ...]

    @property
    def column(self) -> str:
        return self.key[0] if len(self.key) == 1 else f"({', '.join(self.key)})"

    @property
    def rule(self) -> str:
        return "must be unique" if len(self.key) == 1 else "must be unique together"

    @property
    def reads(self) -> tuple[str, ...]:
        return self.key


@dataclass(frozen=True)
class LookupRule:
    """A rule between a row and the row of another table that its ``via`` column names.

    With an empty ``broken`` predicate the rule is a reference: a non-null ``via`` must
    name a row of ``target`` (one meeting ``target_filter`` if given). Otherwise the rule
    is broken when the named row exists and ``broken`` (SQL over ``t``, the row, and
    ``r``, the named row) is true.
    """

    table: str
    column: str
    rule: str
    via: str
    target: str
    target_key: str
    broken: str = ""
    target_filter: Condition | None = None
    reads: tuple[str, ...] = ()
    target_reads: tuple[str, ...] = ()
    also: str = ""  # more of the match, SQL over ``t`` and ``r`` (the budget's year)


@dataclass(frozen=True)
class DuplicateRule:
    """No two rows of ``table`` are equal in every one of ``columns``: in a table of
    aggregates without a key (carbon activity lines), an exact copy of a row counts its
    quantity twice."""

    table: str
    columns: tuple[str, ...]
    column: str = "every column"
    rule: str = "must not repeat a row exactly: a copied row counts its quantity twice"

    @property
    def reads(self) -> tuple[str, ...]:
        return self.columns


Rule = RowRule | UniqueRule | LookupRule | DuplicateRule


def not_null(table: str, column: str) -> RowRule:
    return RowRule(
        table, column, "must not be null", f"{quote(column)} IS NULL", (column,), is_not_null=True
    )


def null_when(table: str, column: str, when: Condition) -> RowRule:
    """``column`` must be null whenever ``when`` holds."""
    return RowRule(
        table,
        column,
        f"must be null when {when.text}",
        f"{quote(column)} IS NOT NULL AND {when.sql()}",
        (column, when.column),
    )


def required_when(table: str, column: str, when: Condition) -> RowRule:
    """``column`` must not be null whenever ``when`` holds."""
    return RowRule(
        table,
        column,
        f"must not be null when {when.text}",
        f"{quote(column)} IS NULL AND {when.sql()}",
        (column, when.column),
    )


def compared(table: str, column: str, op: str, other: str, rule: str) -> RowRule:
    """``column op other`` on every row where both are known."""
    return RowRule(
        table, column, rule, f"NOT ({quote(column)} {op} {quote(other)})", (column, other)
    )


def not_before(table: str, column: str, other: str, rule: str) -> tuple[RowRule, RowRule]:
    """``column`` on or after ``other`` of the same row: the rule refused when broken by
    more than ``DAYS_EARLY_WARNED`` days, and the rule warned about when broken by fewer."""
    col, oth = quote(column), quote(other)
    refused = RowRule(table, column, rule, f"{col} < {oth} - {DAYS_EARLY_WARNED}", (column, other))
    warned = RowRule(
        table,
        column,
        rule,
        f"{col} < {oth} AND {col} >= {oth} - {DAYS_EARLY_WARNED}",
        refused.reads,
    )
    return refused, warned


def not_before_target(
    table: str,
    column: str,
    *,
    via: str,
    target: str,
    target_key: str,
    target_column: str,
    rule: str,
) -> tuple[LookupRule, LookupRule]:
    """``column`` on or after ``target_column`` of the row that ``via`` names, as
    ``not_before``: refused beyond ``DAYS_EARLY_WARNED`` days early, warned within."""
    col, oth = f"t.{quote(column)}", f"r.{quote(target_column)}"
    pair = []
    for broken in (
        f"{col} < {oth} - {DAYS_EARLY_WARNED}",
        f"{col} < {oth} AND {col} >= {oth} - {DAYS_EARLY_WARNED}",
    ):
        pair.append(
            LookupRule(
                table,
                column,
                rule,
                via=via,
                target=target,
                target_key=target_key,
                broken=broken,
                reads=(column, via),
                target_reads=(target_key, target_column),
            )
        )
    return pair[0], pair[1]


# An event dated this many days (or fewer) before the event it follows is a judgement, not
# a contradiction: a timestamp cut to its date in another time zone moves it by a day. Such
# rows are named as warnings (the report's data-quality note) and used as delivered.
DAYS_EARLY_WARNED = 1

# The order of events across tables: registered before applying, graduated before the
# survey is sent, sent before it is answered. (Free courses are left out: joining their
# tens of millions of rows to the members would cost seconds for a figure that does not
# read their order.)
_ORDER_OF_EVENTS = (
    not_before_target(
        "applications",
        "started_at",
        via="member_id",
        target="members",
        target_key="member_id",
        target_column="registered_at",
        rule="must be on or after the member's registered_at",
    ),
    not_before_target(
        "graduate_surveys",
        "sent_at",
        via="enrollment_id",
        target="enrollments",
        target_key="enrollment_id",
        target_column="ended_at",
        rule="must be on or after the enrollment's ended_at (the graduation)",
    ),
    not_before("graduate_surveys", "responded_at", "sent_at", "must be on or after sent_at"),
)
ORDER_OF_EVENTS: tuple[tuple[RowRule | LookupRule, RowRule | LookupRule], ...] = _ORDER_OF_EVENTS
ORDER_RULES: tuple[Rule, ...] = tuple(refused for refused, _ in _ORDER_OF_EVENTS)
# The same orderings broken by a day at most: warnings (``helpers.intake.plausibility``).
EARLY_RULES: tuple[Rule, ...] = tuple(warned for _, warned in _ORDER_OF_EVENTS)


def references(
    table: str,
    column: str,
    target: str,
    target_key: str,
    *,
    where: Condition | None = None,
    what: str = "",
) -> LookupRule:
    """A non-null ``column`` names a row of ``target`` (one where ``where`` holds)."""
    article = "an" if target_key[0] in "aeiou" else "a"
    return LookupRule(
        table,
        column,
        f"must refer to {what or f'{article} {target_key} of {target}'}",
        via=column,
        target=target,
        target_key=target_key,
        target_filter=where,
        reads=(column,),
        target_reads=(target_key,) + ((where.column,) if where else ()),
    )


def matches_target(
    table: str,
    column: str,
    op: str,
    *,
    via: str,
    target: str,
    target_key: str,
    target_column: str,
    rule: str,
) -> LookupRule:
    """``column op target_column`` of the row that ``via`` names, when both are known."""
    return LookupRule(
        table,
        column,
        rule,
        via=via,
        target=target,
        target_key=target_key,
        broken=f"NOT (t.{quote(column)} {op} r.{quote(target_column)})",
        reads=(column, via),
        target_reads=(target_key, target_column),
    )


# Rules that read more than one column or table, in the words of the data contract.
# enrollments.path_id is only required to be in paths: the contract does not say it
# equals the application's path_id, so no rule says so.
CROSS_RULES: tuple[Rule, ...] = (
    compared("monthly_traffic", "active_members", "<=", "visitors", "must not exceed visitors"),
    references("course_enrollments", "member_id", "members", "member_id"),
    compared(
        "course_enrollments", "certificate_at", ">=", "started_at", "must be on or after started_at"
    ),
    references("applications", "member_id", "members", "member_id"),
    references("applications", "path_id", "paths", "path_id"),
    compared("applications", "submitted_at", ">=", "started_at", "must be on or after started_at"),
    null_when("applications", "decision", Condition("submitted_at")),
    compared(
        "applications", "decided_at", ">=", "submitted_at", "must be on or after submitted_at"
    ),
    required_when("applications", "decided_at", Condition("decision", ("admitted", "rejected"))),
    references(
        "enrollments",
        "application_id",
        "applications",
        "application_id",
        where=Condition("decision", ("admitted",)),
        what="an application whose decision is admitted",
    ),
    matches_target(
        "enrollments",
        "member_id",
        "=",
        via="application_id",
        target="applications",
        target_key="application_id",
        target_column="member_id",
        rule="must equal the application's member_id",
    ),
    references("enrollments", "path_id", "paths", "path_id"),
    matches_target(
        "enrollments",
        "started_at",
        ">=",
        via="application_id",
        target="applications",
        target_key="application_id",
        target_column="decided_at",
        rule="must be on or after the application's decided_at",
    ),
    compared("enrollments", "expected_end_at", ">", "started_at", "must be after started_at"),
    required_when("enrollments", "ended_at", Condition("status", ("active",), negate=True)),
    compared("enrollments", "ended_at", ">=", "started_at", "must be on or after started_at"),
    references("enrollments", "employer_id", "companies", "company_id"),
    required_when(
        "enrollments", "employer_id", Condition("funding_type", ("apprenticeship", "employer"))
    ),
    # Checked only when the optional mentors table is delivered.
    references("enrollments", "mentor_id", "mentors", "mentor_id"),
    references(
        "graduate_surveys",
        "enrollment_id",
        "enrollments",
        "enrollment_id",
        where=Condition("status", ("graduated",)),
        what="an enrollment whose status is graduated",
    ),
    required_when(
        "graduate_surveys",
        "employed_within_6_months",
        Condition("responded_at", negate=True),
    ),
    references("career_outcomes", "member_id", "members", "member_id"),
    references("career_outcomes", "enrollment_id", "enrollments", "enrollment_id"),
    matches_target(
        "career_outcomes",
        "member_id",
        "=",
        via="enrollment_id",
        target="enrollments",
        target_key="enrollment_id",
        target_column="member_id",
        rule="must equal the member_id of the enrollment it credits",
    ),
    references("carbon_activity", "emission_factor_id", "emission_factors", "emission_factor_id"),
    matches_target(
        "carbon_activity",
        "activity_unit",
        "=",
        via="emission_factor_id",
        target="emission_factors",
        target_key="emission_factor_id",
        target_column="unit",
        rule="must equal the unit of its emission factor",
    ),
    # Checked only when the optional carbon_budgets table is delivered. A budget of a
    # team without emissions that year would be published as a budget 0 % used.
    LookupRule(
        "carbon_budgets",
        "team",
        "must name a team with emissions in carbon_activity in the budget's year",
        via="team",
        target="carbon_activity",
        target_key="team",
        also='extract(year FROM r."month") = t."year"',
        reads=("team", "year"),
        target_reads=("team", "month"),
    ),
    # Checked only when the optional brand_surveys table is delivered.
    compared("brand_surveys", "aware", "<=", "respondents", "must not exceed respondents"),
    compared("brand_surveys", "considering", "<=", "respondents", "must not exceed respondents"),
    # A range of years that ends before it starts applies to no year: surely a typo.
    compared("targets", "last_year", ">=", "first_year", "must not be before first_year"),
    *ORDER_RULES,
)


# category_rules.csv (shipped reference): which raw value of which application column
# places a person in an underserved category, for a range of years (empty = open-ended).
CATEGORY_RULES_NAME = "category_rules"
_APPLICATION_ENUMS = {
    c.name: c.values for c in contract.table("applications").columns if c.type == "enum"
}
CATEGORY_RULES_TABLE = contract.Table(
    CATEGORY_RULES_NAME,
    (
        contract.Column("category", "string", nullable=False),
        contract.Column("first_year", "integer"),
        contract.Column("last_year", "integer"),
        contract.Column("column", "enum", nullable=False, values=tuple(_APPLICATION_ENUMS)),
        contract.Column("value", "string", nullable=False),
    ),
    reference=True,
    description="the raw values that place a person in each underserved category",
)
CATEGORY_RULES_RULES: tuple[Rule, ...] = (
    RowRule(
        CATEGORY_RULES_NAME,
        "value",
        "must be one of the values of its column in applications",
        # A row naming no enum column is reported on its column only.
        f'"column" IN {_in_list(tuple(_APPLICATION_ENUMS))} AND NOT ('
        + " OR ".join(
            f'("column" = {literal(name)} AND "value" IN {_in_list(values)})'
            for name, values in _APPLICATION_ENUMS.items()
        )
        + ")",
        ("column", "value"),
    ),
    compared(CATEGORY_RULES_NAME, "last_year", ">=", "first_year", "must not be before first_year"),
)


@cache
def country_codes() -> tuple[str, ...]:
    """The ISO 3166-1 alpha-2 codes of ``data/reference/countries.csv`` (without ZZ)."""
    with COUNTRIES_FILE.open(newline="", encoding="utf-8") as f:
        return tuple(row["code"] for row in csv.DictReader(f))


def column_rules(table: contract.Table) -> list[Rule]:
    """The rules that ``contract`` states column by column for ``table``."""
    rules: list[Rule] = []
    for column in table.columns:
        name, col = column.name, quote(column.name)
        if not column.nullable:
            rules.append(not_null(table.name, name))
        if column.unique:
            rules.append(UniqueRule(table.name, (name,)))
        if column.values:
            rules.append(
                RowRule(
                    table.name,
                    name,
                    f"must be one of {', '.join(column.values)}",
                    f"{col} NOT IN {_in_list(column.values)}",
                    (name,),
                )
            )
        if column.allowed:
            allowed = ", ".join(str(v) for v in column.allowed)
            rules.append(
                RowRule(
                    table.name,
                    name,
                    f"must be one of {allowed}",
                    f"{col} NOT IN ({allowed})",
                    (name,),
                )
            )
        if column.minimum is not None:
            rules.append(
                RowRule(
                    table.name,
                    name,
                    f"must be >= {column.minimum:g}",
                    f"{col} < {column.minimum!r}",
                    (name,),
                )
            )
        if column.exclusive_minimum is not None:
            rules.append(
                RowRule(
                    table.name,
                    name,
                    f"must be > {column.exclusive_minimum:g}",
                    f"{col} <= {column.exclusive_minimum!r}",
                    (name,),
                )
            )
        if column.first_of_month:
            rules.append(
                RowRule(
                    table.name,
                    name,
                    "must be the first day of a month",
                    f"day({col}) <> 1",
                    (name,),
                )
            )
        if column.type == "string" and not contract.is_identifier(column.name):
            rules.append(
                RowRule(
                    table.name,
                    name,
                    CONTROL_RULE,
                    f"regexp_matches({col}, {literal(CONTROL_CHARACTERS)})",
                    (name,),
                )
            )
        if column.type == "country":
            rules.append(
                RowRule(
                    table.name,
                    name,
                    "must be an ISO 3166-1 alpha-2 code in upper case, or ZZ for unknown",
                    f"{col} NOT IN (SELECT code FROM {COUNTRY_CODES_TABLE})",
                    (name,),
                )
            )
    if table.key:
        rules.append(UniqueRule(table.name, table.key))
    elif not any(c.unique for c in table.columns):
        rules.append(DuplicateRule(table.name, table.column_names))
    return rules


def date_bounds(table: contract.Table, latest: date, latest_is: str) -> list[Rule]:
    """The rules that keep the event dates of ``table`` between the contract's earliest
    event and ``latest`` (the extraction date, described by ``latest_is``).

    Planned dates (``contract.PLANNED_DATES``) may be later than the extraction.
    """
    rules: list[Rule] = []
    earliest = contract.EARLIEST_EVENT.isoformat()
    for column in table.columns:
        if column.type != "date":
            continue
        col = quote(column.name)
        rules.append(
            RowRule(
                table.name,
                column.name,
                f"must not be before {earliest}",
                f"{col} < DATE {literal(earliest)}",
                (column.name,),
            )
        )
        if (table.name, column.name) not in contract.PLANNED_DATES:
            rules.append(
                RowRule(
                    table.name,
                    column.name,
                    f"must not be after {latest_is} ({latest.isoformat()})",
                    f"{col} > DATE {literal(latest.isoformat())}",
                    (column.name,),
                )
            )
    return rules


def rules_for(table: contract.Table) -> list[Rule]:
    """Every rule that a row of ``table`` must meet, column rules first."""
    cross = CATEGORY_RULES_RULES if table.name == CATEGORY_RULES_NAME else CROSS_RULES
    return column_rules(table) + [r for r in cross if r.table == table.name]

"""The data contract (v3) as data.

Tables, columns, types and the per-column rules live here once; the loader, the
validator, the generator and the tests all read them from this module. Rules that span
rows or tables (references, conditional nulls, date orderings) are declared in
``helpers.intake.rules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from helpers.core.params import FIRST_YEAR

CONTRACT_VERSION = "3"

# Logical types of the contract, with the DuckDB type each becomes once loaded.
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "enum": "VARCHAR",
    "country": "VARCHAR",
    "date": "DATE",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
}

UNKNOWN_COUNTRY = "ZZ"


def arrow_types() -> dict:
    """Each logical type as the Arrow type it is written with in Parquet (pyarrow is
    imported here, not with the contract, which start-up reads without it)."""
    import pyarrow as pa

    return {
        "string": pa.string(),
        "enum": pa.string(),
        "country": pa.string(),
        "date": pa.date32(),
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
    }


# No event of a dataset (a registration, an application, a month of traffic...) is
# older than this (``helpers.core.params.FIRST_YEAR``).
EARLIEST_EVENT = date(FIRST_YEAR, 1, 1)
# Dates that plan the future rather than record an event, so may follow the extraction.
PLANNED_DATES = {("enrollments", "expected_end_at")}


@dataclass(frozen=True)
class Column:
    """One column of a table and the rules that concern it alone."""

    name: str
    type: str
    nullable: bool = True
    unique: bool = False
    values: tuple[str, ...] = ()  # the allowed values of an enum
    minimum: float | None = None  # inclusive lower bound (">= 0")
    exclusive_minimum: float | None = None  # strict lower bound ("> 0")
    allowed: tuple[int, ...] = ()  # closed list of integer values (carbon scope)
    first_of_month: bool = False

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]


@dataclass(frozen=True)
class Table:
    """One table of a dataset (or of the shipped reference data)."""

    name: str
    columns: tuple[Column, ...]
    optional: bool = False
    reference: bool = False  # shipped in data/reference; a dataset may override it
    key: tuple[str, ...] = ()  # composite key that must be unique
    description: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name}")


def _id(name: str, *, unique: bool = False, nullable: bool = False) -> Column:
    return Column(name, "string", nullable=nullable, unique=unique)


def _enum(name: str, *values: str, nullable: bool = False) -> Column:
    return Column(name, "enum", nullable=nullable, values=values)


def _date(name: str, *, nullable: bool = False, first_of_month: bool = False) -> Column:
    return Column(name, "date", nullable=nullable, first_of_month=first_of_month)


GENDERS = ("female", "male", "other", "unknown")
DOMAINS = ("tech", "non_tech")
EMPLOYMENT_STATUSES = ("employed", "job_seeker", "student", "inactive", "unknown")
EDUCATION_LEVELS = (
    "none",
    "below_bac",
    "bac",
    "bac_plus_2",
    "bac_plus_3",
    "bac_plus_5_or_more",
    "unknown",
)
PRIORITY_AREAS = ("qpv", "zrr", "uk_low_income", "us_low_income", "none", "unknown")
MIGRATION_STATUSES = ("refugee", "asylum_seeker", "migrant", "none", "unknown")
DISABILITY_VALUES = ("yes", "no", "unknown")
DECISIONS = ("admitted", "rejected", "withdrawn", "pending")
ENROLLMENT_STATUSES = ("active", "graduated", "dropped_out")
FUNDING_TYPES = ("individual", "public", "apprenticeship", "employer", "other")
OUTCOME_TYPES = (
    "new_job",
    "internship_or_apprenticeship",
    "business_creation",
    "promotion_or_raise",
    "internal_mobility",
)
OUTCOME_SOURCES = ("graduate_survey", "platform_survey", "crm")
SIZE_BANDS = ("micro", "sme", "mid", "large")
MENTOR_ROLES = ("mentor", "instructor")
ALLOCATIONS = ("platform", "paid_programmes")
PATH_LANGUAGES = ("fr", "en")
COMPARATORS = (">=", "<=", "growth_>=")
# The applicant's answers on the application form, each with its allowed values: the
# underserved categories are read from them (``data/reference/category_rules.csv``).
APPLICATION_ANSWERS = {
    "employment_status": EMPLOYMENT_STATUSES,
    "education_level": EDUCATION_LEVELS,
    "priority_area": PRIORITY_AREAS,
    "migration_status": MIGRATION_STATUSES,
    "disability": DISABILITY_VALUES,
}

TABLES: tuple[Table, ...] = (
    Table(
        "members",
        (
            _id("member_id", unique=True),
            _date("registered_at"),
            Column("country", "country", nullable=False),
            _enum("gender", *GENDERS),
        ),
        description="one row per registered account",
    ),
    Table(
        "monthly_traffic",
        (
            _date("month", first_of_month=True),
            Column("country", "country", nullable=False),
            Column("visitors", "integer", nullable=False, minimum=0),
            Column("active_members", "integer", nullable=False, minimum=0),
        ),
        key=("month", "country"),
        description="one row per month and country; visitors are anonymous aggregates",
    ),
    Table(
        "course_enrollments",
        (
            _id("course_enrollment_id", unique=True),
            _id("member_id"),
            _id("course_id"),
            _date("started_at"),
            _date("certificate_at", nullable=True),
        ),
        description="one row per free course started by a member",
    ),
    Table(
        "paths",
        (
            _id("path_id", unique=True),
            Column("title", "string", nullable=False),
            _enum("domain", *DOMAINS),
            _enum("language", *PATH_LANGUAGES),
        ),
        description="catalogue of paid training paths",
    ),
    Table(
        "applications",
        (
            _id("application_id", unique=True),
            _id("member_id"),
            _id("path_id"),
            _date("started_at"),
            _date("submitted_at", nullable=True),
            _enum("decision", *DECISIONS, nullable=True),
            _date("decided_at", nullable=True),
            Column("country", "country", nullable=False),
            _enum("gender", *GENDERS),
            *(_enum(name, *values) for name, values in APPLICATION_ANSWERS.items()),
        ),
        description="one row per application to a paid path",
    ),
    Table(
        "enrollments",
        (
            _id("enrollment_id", unique=True),
            _id("application_id"),
            _id("member_id"),
            _id("path_id"),
            _date("started_at"),
            _date("expected_end_at"),
            _enum("status", *ENROLLMENT_STATUSES),
            _date("ended_at", nullable=True),
            _enum("funding_type", *FUNDING_TYPES),
            Column("funder", "string"),
            _id("employer_id", nullable=True),
            _id("mentor_id", nullable=True),
        ),
        description="one row per student enrolled on a paid path",
    ),
    Table(
        "graduate_surveys",
        (
            _id("enrollment_id", unique=True),
            _date("sent_at"),
            _date("responded_at", nullable=True),
            Column("employed_within_6_months", "boolean"),
            Column("salary_before_eur", "number", exclusive_minimum=0),
            Column("salary_after_eur", "number", exclusive_minimum=0),
        ),
        description="the survey sent to graduates six months after graduation",
    ),
    Table(
        "career_outcomes",
        (
            _id("career_outcome_id", unique=True),
            _id("member_id"),
            _date("declared_at"),
            _enum("outcome_type", *OUTCOME_TYPES),
            _id("enrollment_id", nullable=True),
            _enum("source", *OUTCOME_SOURCES),
        ),
        description="one row per declared career outcome, any member, paid or free",
    ),
    Table(
        "companies",
        (
            _id("company_id", unique=True),
            Column("country", "country", nullable=False),
            _enum("size_band", *SIZE_BANDS),
        ),
        description="employers of apprentices and employer-funded students",
    ),
    Table(
        "mentors",
        (
            _id("mentor_id", unique=True),
            _enum("role", *MENTOR_ROLES),
            _enum("gender", *GENDERS),
            _enum("domain", *DOMAINS),
            Column("disability_trained", "boolean", nullable=False),
        ),
        optional=True,
        description="mentors and instructors",
    ),
    Table(
        "carbon_activity",
        (
            _date("month", first_of_month=True),
            Column("scope", "integer", nullable=False, allowed=(1, 2, 3)),
            Column("category", "string", nullable=False),
            Column("team", "string", nullable=False),
            Column("activity_value", "number", nullable=False, minimum=0),
            Column("activity_unit", "string", nullable=False),
            _id("emission_factor_id"),
            _enum("allocation", *ALLOCATIONS),
        ),
        description="monthly activity data for the greenhouse-gas inventory",
    ),
    Table(
        "carbon_budgets",
        (
            Column("year", "integer", nullable=False),
            Column("team", "string", nullable=False),
            Column("budget_tco2e", "number", nullable=False, exclusive_minimum=0),
            Column("source", "string"),
        ),
        optional=True,
        key=("year", "team"),
        description="the year's carbon budget of each team",
    ),
    Table(
        "brand_surveys",
        (
            _date("wave_date"),
            Column("population", "string", nullable=False),
            Column("underserved", "boolean", nullable=False),
            Column("respondents", "integer", nullable=False, exclusive_minimum=0),
            Column("aware", "integer", nullable=False, minimum=0),
            Column("considering", "integer", nullable=False, minimum=0),
            Column("source", "string", nullable=False),
        ),
        optional=True,
        key=("wave_date", "population"),
        description="waves of a brand survey: aggregates by population, no person's answer",
    ),
    # Reference tables: shipped in data/reference/, replaceable by a dataset's own copy.
    Table(
        "emission_factors",
        (
            _id("emission_factor_id", unique=True),
            Column("category", "string", nullable=False),
            Column("unit", "string", nullable=False),
            Column("kgco2e_per_unit", "number", nullable=False, minimum=0),
            Column("source", "string", nullable=False),
        ),
        reference=True,
        description="kg CO2e per unit of activity, with the source of each value",
    ),
    Table(
        "carbon_prices",
        (
            Column("year", "integer", nullable=False, unique=True),
            Column("eur_per_tco2e", "number", nullable=False, exclusive_minimum=0),
            Column("source", "string", nullable=False),
        ),
        reference=True,
        description="price of a tonne of CO2e used for the yearly carbon donation",
    ),
    Table(
        "consumer_prices",
        (
            Column("year", "integer", nullable=False, unique=True),
            Column("index_2015", "number", nullable=False, exclusive_minimum=0),
            Column("rate", "number"),
            Column("source", "string", nullable=False),
        ),
        reference=True,
        description=(
            "the consumer price index (annual average, chained with 2015 = 100) that "
            "expresses a salary of one year in euros of another"
        ),
    ),
    Table(
        "targets",
        (
            Column("metric", "string", nullable=False),
            Column("segment", "string", nullable=False),
            Column("first_year", "integer", nullable=False),
            Column("last_year", "integer", nullable=False),
            _enum("comparator", *COMPARATORS),
            Column("threshold", "number", nullable=False),
            Column("source", "string", nullable=False),
        ),
        reference=True,
        description="the Mission Committee's objectives",
    ),
)

# The versioned rules that place a person in each underserved category: a reference file
# shipped with the code, never replaced by a dataset's copy.
CATEGORY_RULES_FILE = "category_rules.csv"

# Reference tables that a dataset may replace with its own copy (data contract v1).
OVERRIDABLE_REFERENCE = ("emission_factors", "carbon_prices", "consumer_prices", "targets")

TABLES_BY_NAME = {t.name: t for t in TABLES}
DATASET_TABLES = tuple(t for t in TABLES if not t.reference)
REFERENCE_TABLES = tuple(t for t in TABLES if t.reference)
REQUIRED_TABLES = tuple(t.name for t in DATASET_TABLES if not t.optional)
OPTIONAL_TABLES = tuple(t.name for t in DATASET_TABLES if t.optional)

# Columns that hold pseudonymous identifiers of people or their records: they must never
# reach an output (the privacy scan of the report reads this list).
IDENTIFIER_COLUMNS = {
    "members": ("member_id",),
    "course_enrollments": ("course_enrollment_id", "member_id"),
    "applications": ("application_id", "member_id"),
    "enrollments": ("enrollment_id", "application_id", "member_id", "employer_id", "mentor_id"),
    "graduate_surveys": ("enrollment_id",),
    "career_outcomes": ("career_outcome_id", "member_id", "enrollment_id"),
    "companies": ("company_id",),
    "mentors": ("mentor_id",),
}


# Names written by hand, drawn on the pages and grouped by: two spellings that read the
# same (Unicode compatibility forms, spaces at either end or doubled, zero-width and other
# invisible characters) would be shown as two teams, two categories or two funders. Each
# group of columns shares one set of names.
NAME_COLUMNS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("carbon_activity", "team"), ("carbon_budgets", "team")),
    (("carbon_activity", "category"),),
    (("enrollments", "funder"),),
    (("paths", "title"),),
)
# Tables holding one row per month: every month of a year the dataset declares (in
# dataset.json) must have rows, up to the extraction date. A month missing would make a
# monthly mean run over fewer months, or a year's emissions leave a month out, in silence.
MONTHLY_TABLES = ("monthly_traffic", "carbon_activity")


def is_identifier(column: str) -> bool:
    """True for a column holding identifiers (``member_id``, ``course_id``...): codes, not
    words that a page shows."""
    return column.endswith("_id")


def table(name: str) -> Table:
    """The contract's description of table ``name``."""
    return TABLES_BY_NAME[name]

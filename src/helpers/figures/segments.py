"""Place each application in the underserved categories, with the rules of a year.

The rules are reference data (``category_rules``: category, first_year, last_year, column,
value), so a change of definition is a change of data, never of code. For a report year Y
the rules in force in Y apply to every person that year's figures count. A person is in a
category when one of the category's rules matches the declared value of its column; the
value ``unknown`` (and an empty value) never places anyone.

The placement of every application is computed once per set of rules and kept in a
temporary table of the dataset: a dozen figures per year, and every year of the history
under the same rules, join it instead of recomputing it.
"""

from __future__ import annotations

from helpers.figures.metrics.common import materialize_once, query_once, sql_string
from helpers.intake import contract
from helpers.intake.dataset import Dataset

UNKNOWN = "unknown"
ALL = "all"
UNDERSERVED = "underserved"
NON_UNDERSERVED = "non_underserved"

# Display order of every segment id of the KPI file; categories a future rule file adds
# come after, alphabetically.
SEGMENT_ORDER = (
    ALL,
    UNDERSERVED,
    NON_UNDERSERVED,
    "job_seekers",
    "low_qualification",
    "priority_area",
    "refugees",
    "disability",
    "paid_students",
    "apprentices",
    "non_apprentices",
    "tech",
    "non_tech",
    "scope_1",
    "scope_2",
    "scope_3",
)

# A rule may only test an enumerated column of the application (what the applicant declared).
RULE_COLUMNS = tuple(
    c.name for c in contract.table("applications").columns if c.type == "enum" and c.values
)


def segment_rank(segment: str) -> tuple[int, str]:
    """Sort key of a segment id in display order."""
    if segment in SEGMENT_ORDER:
        return SEGMENT_ORDER.index(segment), ""
    return len(SEGMENT_ORDER), segment


def rules_in_force(ds: Dataset, year: int) -> list[tuple[str, str, str]]:
    """Return the rules ``(category, column, value)`` in force in ``year``.

    Raises
    ------
    ValueError
        When a rule names a column that is not an enumerated column of applications.
    """
    rows = query_once(
        ds,
        f"""
        SELECT category, "column", value
        FROM category_rules
        WHERE (first_year IS NULL OR first_year <= {int(year)})
          AND (last_year IS NULL OR last_year >= {int(year)})
        ORDER BY category, "column", value
        """,
    )
    rules = [(str(c), str(col), str(v)) for c, col, v in rows.itertuples(index=False)]
    wrong = sorted({col for _, col, _ in rules if col not in RULE_COLUMNS})
    if wrong:
        raise ValueError(
            f"category_rules: column(s) {', '.join(wrong)} are not declared on applications"
        )
    return rules


def category_ids(ds: Dataset, year: int) -> list[str]:
    """Return the underserved category ids that have a rule in ``year``, in display order."""
    return sorted({c for c, _, _ in rules_in_force(ds, year)}, key=segment_rank)


def segment_ids(ds: Dataset, year: int) -> list[str]:
    """Return the segment ids of the category breakdown of ``year``.

    ``all``, ``underserved``, ``non_underserved`` and then each category.
    """
    return [ALL, UNDERSERVED, NON_UNDERSERVED, *category_ids(ds, year)]


def category_conditions(ds: Dataset, year: int, alias: str = "a") -> dict[str, str]:
    """Return, for each category of ``year``, the SQL condition on application ``alias``.

    ``unknown`` is dropped from the rules' values, so it can never place anyone, and an
    empty value never matches ``IN``.
    """
    values: dict[str, dict[str, list[str]]] = {}
    for category, column, value in rules_in_force(ds, year):
        if value == UNKNOWN:
            continue
        values.setdefault(category, {}).setdefault(column, []).append(value)
    conditions = {}
    for category in sorted(values, key=segment_rank):
        tests = [
            f'{alias}."{column}" IN ({", ".join(sql_string(v) for v in vals)})'
            for column, vals in sorted(values[category].items())
        ]
        conditions[category] = "(" + " OR ".join(tests) + ")"
    return conditions


def application_segments_sql(ds: Dataset, year: int) -> str:
    """Return SQL of the relation ``(application_id, segment)`` with the rules of ``year``.

    Every application has a row ``all``, one row ``underserved`` or ``non_underserved``,
    and one row for each category it is placed in. The relation is a temporary table,
    computed the first time the rules of ``year`` are asked for.
    """
    table = materialize_once(ds, placement_sql(ds, year), "segments")
    return f'SELECT application_id, segment FROM "{table}"'


def placement_sql(ds: Dataset, year: int) -> str:
    """Return SQL placing every application in its segments with the rules of ``year``."""
    conditions = category_conditions(ds, year)
    parts = [f"SELECT a.application_id, '{ALL}' AS segment FROM applications a"]
    for category, condition in conditions.items():
        parts.append(
            f"SELECT a.application_id, {sql_string(category)} AS segment "
            f"FROM applications a WHERE {condition}"
        )
    any_category = " OR ".join(conditions.values()) or "FALSE"
    parts.append(
        f"SELECT a.application_id, CASE WHEN COALESCE({any_category}, FALSE) "
        f"THEN '{UNDERSERVED}' ELSE '{NON_UNDERSERVED}' END AS segment FROM applications a"
    )
    return "\nUNION ALL\n".join(parts)


def segments_of_sql(ds: Dataset, year: int, alias: str = "a") -> str:
    """Return an SQL expression: the sorted list of the segments of application
    ``alias`` with the rules of ``year``, those of ``application_segments_sql``.

    Computed on the application's own row, for a query over a few of them (the
    graduates of a year): it reads no more than their rows, where a join to the
    placement of every application scans all of it.
    """
    conditions = category_conditions(ds, year, alias)
    placed = [f"'{ALL}'"]
    placed += [f"CASE WHEN {c} THEN {sql_string(k)} END" for k, c in conditions.items()]
    any_category = " OR ".join(conditions.values()) or "FALSE"
    placed.append(
        f"CASE WHEN COALESCE({any_category}, FALSE) "
        f"THEN '{UNDERSERVED}' ELSE '{NON_UNDERSERVED}' END"
    )
    return f"list_sort(list_filter([{', '.join(placed)}], lambda x: x IS NOT NULL))"


def place_applications(ds: Dataset, year: int) -> dict[str, set[str]]:
    """Return the segments of every application with the rules of ``year``.

    Meant for small datasets (checks, tests); metric functions join the SQL instead.
    """
    placed = ds.query(f"SELECT application_id, segment FROM ({application_segments_sql(ds, year)})")
    result: dict[str, set[str]] = {}
    for application_id, segment in placed.itertuples(index=False):
        result.setdefault(str(application_id), set()).add(str(segment))
    return result

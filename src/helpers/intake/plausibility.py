"""Magnitudes: totals too large to compute (refused) and values possible but implausible
(reported as warnings).

The contract bounds values from below only (an emission factor is ``>= 0``), so a factor
of 1e305 is valid by its letter, yet multiplied by an activity it gives infinity and
every carbon figure after it. ``overflow_findings`` refuses such lines, and the years
whose emissions add up beyond what a float holds, naming the lines. Values that a real
extraction could hold but rarely does, a salary of several million euros or a factor
far above any published one, are not refused: ``find_warnings`` lists them, the
validator prints them and the report's data-quality note names them.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from helpers.intake.rules import ROWS_SHOWN, Problem, quote

if TYPE_CHECKING:
    from helpers.intake.rule_checks import Finding
    from helpers.intake.sources import Source

# The largest float: a product or sum beyond it reads as infinity.
LARGEST_FLOAT = sys.float_info.max
# A yearly salary above this is possible but almost always a typing error (monthly
# salaries multiplied by 12 twice, cents for euros).
SALARY_LIMIT_EUR = 1_000_000
SALARY_COLUMNS = ("salary_before_eur", "salary_after_eur")
# A dataset's own emission factor more than this many times the largest shipped one is
# usually a unit error (grams for kilograms gives a thousand).
FACTOR_MARGIN = 10
OVERFLOW_RULE = (
    "times the kgco2e_per_unit of its emission factor exceeds the largest number a "
    "computer holds (about 1.8e308)"
)


@dataclass(frozen=True)
class DataWarning:
    """Values possible but implausible: where, how many, the first rows, and the limit."""

    # "salary_above", "factor_above", "date_early" or "price_year_missing": the catalogs'
    # key of the note
    kind: str
    file: str
    column: str
    count: int
    rows: tuple[int, ...]
    limit: float
    rule: str = ""  # the order of events a "date_early" warning is about

    @property
    def problem(self) -> Problem:
        """The warning in the validator's words."""
        if self.kind == "salary_above":
            rule = f"above {self.limit:,.0f} EUR a year: possible, but check it"
        elif self.kind == "price_year_missing":
            rule = (
                f"has no index for {int(self.limit)}, which salary answers need: the "
                "real-terms salary figures of their groups are left without value"
            )
        elif self.kind == "date_early":
            rule = (
                f"{self.rule}: {self.limit:g} day early at most, possible (a time zone), "
                "so used as delivered, but check it"
            )
        else:
            rule = (
                f"above {self.limit:g} kg CO2e per unit, {FACTOR_MARGIN} times the largest "
                "published factor: possible, but check the unit"
            )
        return Problem(self.file, self.column, rule, self.count, self.rows)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows": list(self.rows)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DataWarning:
        return cls(**{**data, "rows": tuple(data["rows"])})


def overflow_findings(con: duckdb.DuckDBPyConnection, sources: dict[str, Source]) -> list[Finding]:
    """Activity lines whose emissions, or whose year's total, no float can hold."""
    from helpers.intake.rule_checks import Finding, well_typed

    lines, factors = sources.get("carbon_activity"), sources.get("emission_factors")
    prices = sources.get("carbon_prices")
    if lines is None or factors is None or not (lines.usable and factors.usable):
        return []
    reads = ("activity_value", "emission_factor_id", "month")
    if not lines.has(reads) or not factors.has(("emission_factor_id", "kgco2e_per_unit")):
        return []
    emissions = (
        f"SELECT t._row, year(t.month) AS y, t.activity_value * f.kgco2e_per_unit AS kg "
        f"FROM {lines.typed} t JOIN {factors.typed} f USING (emission_factor_id) "
        f"WHERE {well_typed(lines, reads, 't')} "
        f"AND {well_typed(factors, ('kgco2e_per_unit',), 'f')}"
    )
    infinite = f"SELECT _row FROM ({emissions}) WHERE NOT isfinite(kg)"
    count = con.execute(f"SELECT count(*) FROM ({infinite})").fetchone()[0]
    if count:
        rows = first(con, infinite)
        return [Finding(lines, "activity_value", OVERFLOW_RULE, count, rows)]
    # The donation multiplies a year's tonnes by its carbon price: that too must hold.
    price = 1.0
    if prices is not None and prices.usable and prices.has(("eur_per_tco2e",)):
        highest = con.execute(f"SELECT max(eur_per_tco2e) FROM {prices.typed}").fetchone()[0]
        price = max(1.0, highest or 1.0)
    years = con.execute(
        f"SELECT y, count(*) FROM ({emissions}) GROUP BY y "
        f"HAVING NOT isfinite(sum(kg) * {price!r}) ORDER BY y"
    ).fetchall()
    findings = []
    for year, n in years:
        # A total beyond the limit has at least one line above limit / n: those cause it.
        large = (
            f"SELECT _row FROM ({emissions}) WHERE y = {int(year)} "
            f"AND kg * {price!r} > {LARGEST_FLOAT / n!r}"
        )
        count = con.execute(f"SELECT count(*) FROM ({large})").fetchone()[0]
        rule = (
            f"the emissions of {year} add up beyond the largest number a computer holds "
            "(about 1.8e308); these lines are the largest"
        )
        findings.append(Finding(lines, "activity_value", rule, count, first(con, large)))
    return findings


def first(con: duckdb.DuckDBPyConnection, rows: str) -> list[int]:
    return [r for (r,) in con.execute(f"{rows} ORDER BY _row LIMIT {ROWS_SHOWN}").fetchall()]


def find_warnings(
    con: duckdb.DuckDBPyConnection, sources: dict[str, Source], reference_dir: Path
) -> list[tuple[str, float, Finding]]:
    """The implausible values of a valid dataset: the kind of each warning, its limit,
    and the values above it as a finding (rows still positions in the file)."""
    found = []
    surveys = sources.get("graduate_surveys")
    for column in SALARY_COLUMNS:
        if surveys is not None and surveys.has((column,)):
            found += above(con, surveys, column, SALARY_LIMIT_EUR, "salary_above")
    found += missing_price_years(con, sources)
    factors = sources.get("emission_factors")
    largest = largest_shipped_factor(reference_dir)
    if factors is not None and largest and factors.has(("kgco2e_per_unit",)):
        limit = FACTOR_MARGIN * largest
        found += above(con, factors, "kgco2e_per_unit", limit, "factor_above")
    from helpers.intake.rule_checks import early_findings
    from helpers.intake.rules import DAYS_EARLY_WARNED

    found += [("date_early", DAYS_EARLY_WARNED, f) for f in early_findings(sources)]
    return found


def missing_price_years(
    con: duckdb.DuckDBPyConnection, sources: dict[str, Source]
) -> list[tuple[str, float, Finding]]:
    """The years the consumer price index lacks that a real-terms salary needs: the year
    of the application (or of the start, without one) and the year of the survey answer
    of each respondent who gave both salaries. One warning per year; the real-terms
    figures of the groups such respondents are in have no value."""
    from helpers.intake.rule_checks import Finding

    surveys, enrollments = sources.get("graduate_surveys"), sources.get("enrollments")
    applications, prices = sources.get("applications"), sources.get("consumer_prices")
    needed = (
        (surveys, ("enrollment_id", "responded_at", *SALARY_COLUMNS)),
        (enrollments, ("enrollment_id", "application_id", "started_at")),
        (applications, ("application_id", "submitted_at")),
        (prices, ("year",)),
    )
    if any(s is None or not s.usable or not s.has(c) for s, c in needed):
        return []
    answered = (
        "s.responded_at IS NOT NULL AND s.salary_before_eur IS NOT NULL "
        "AND s.salary_after_eur IS NOT NULL"
    )
    years = con.execute(
        f"""
        SELECT y, count(*) FROM (
            SELECT year(s.responded_at) AS y FROM {surveys.typed} s WHERE {answered}
            UNION ALL
            SELECT year(coalesce(a.submitted_at, e.started_at)) AS y
            FROM {surveys.typed} s
            JOIN {enrollments.typed} e ON e.enrollment_id = s.enrollment_id
            JOIN {applications.typed} a ON a.application_id = e.application_id
            WHERE {answered}
        )
        WHERE y IS NOT NULL AND y NOT IN (SELECT year FROM {prices.typed} WHERE year IS NOT NULL)
        GROUP BY y ORDER BY y
        """
    ).fetchall()
    return [
        ("price_year_missing", float(year), Finding(prices, "year", "", int(n), []))
        for year, n in years
    ]


def above(
    con: duckdb.DuckDBPyConnection, source: Source, column: str, limit: float, kind: str
) -> list[tuple[str, float, Finding]]:
    from helpers.intake.rule_checks import Finding

    rows = f"SELECT _row FROM {source.typed} WHERE {quote(column)} > {float(limit)!r}"
    count = con.execute(f"SELECT count(*) FROM ({rows})").fetchone()[0]
    if not count:
        return []
    return [(kind, limit, Finding(source, column, "", count, first(con, rows)))]


def largest_shipped_factor(reference_dir: Path) -> float | None:
    """The largest kg CO2e per unit of the shipped emission factors (None without them)."""
    path = Path(reference_dir) / "emission_factors.csv"
    try:
        with path.open(newline="", encoding="utf-8") as f:
            values = [float(row["kgco2e_per_unit"]) for row in csv.DictReader(f)]
    except (OSError, KeyError, ValueError):
        return None  # the shipped table's own problems are reported by its rules
    return max(values, default=None)

"""The stakeholder estimate: what the changes measured on the impact page may be worth to
public finances, as a model with a low and a high value, never a measured figure.

Two parts, each the product of a measured figure of the KPI file and parameters of
``data/reference/impact_parameters.csv`` (each with its public source):

- allowances no longer paid: the respondents who were job seekers at application and were
  employed within six months (``into_work_rate`` of segment ``job_seekers``, its
  numerator) x the share of job seekers who receive an allowance x a year of allowance;
- contributions on the salary rises: ``salary_change_total_eur`` (all) x the share of a
  gross salary paid as social contributions.

Both assume the change would not have happened without the path, which nothing in the
data shows: the estimate is an upper bound of what the path could be credited with, for
one year. Parts without a credible public source (the cost of employment services per job
seeker, income tax, the value to employers) are left out, and the page says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.core.paths import REFERENCE_DIR

PARAMETERS_FILE = REFERENCE_DIR / "impact_parameters.csv"
PARAMETER_COLUMNS = (
    "parameter",
    "low",
    "high",
    "unit",
    "applies_to",
    "source_title",
    "source_year",
    "source_page",
    "note",
    "note_fr",
)
ALLOWANCE = "unemployment_allowance_eur_per_year"
INDEMNIFIED = "indemnified_share_of_job_seekers"
CONTRIBUTIONS = "contribution_rate_on_gross_salary"
# Parts of the estimate the model leaves out for want of a credible public source.
LEFT_OUT = ("employment_services", "income_tax", "employers")


class ParameterError(ValueError):
    """The parameter table breaks its own rules (a column, a bound, a missing parameter)."""


def read_parameters(path: Path | str = PARAMETERS_FILE) -> pd.DataFrame:
    """The model's parameters, checked: every column, low <= high, each source named.

    Raises
    ------
    ParameterError
        With one line naming the file, the column or parameter, and the rule.
    """
    path = Path(path)
    return check_parameters(pd.read_csv(path, dtype=str, keep_default_na=False), path.name)


def check_parameters(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """The parameters table read as text (from file ``name``), checked and typed as
    ``read_parameters`` returns it."""
    table = table.copy()
    missing = [c for c in PARAMETER_COLUMNS if c not in table.columns]
    if missing:
        raise ParameterError(f"{name}: missing column(s) {', '.join(missing)}")
    for column in ("low", "high"):
        numbers = pd.to_numeric(table[column], errors="coerce")
        bad = table.loc[numbers.isna(), "parameter"].tolist()
        if bad:
            raise ParameterError(f"{name}: {column}: must be a number ({', '.join(bad)})")
        table[column] = numbers
    wrong = table.loc[table["low"] > table["high"], "parameter"].tolist()
    if wrong:
        raise ParameterError(f"{name}: low must not exceed high ({', '.join(wrong)})")
    unsourced = table.loc[table["source_title"].str.strip() == "", "parameter"].tolist()
    if unsourced:
        raise ParameterError(f"{name}: source_title: must not be empty ({', '.join(unsourced)})")
    absent = [
        p for p in (ALLOWANCE, INDEMNIFIED, CONTRIBUTIONS) if p not in set(table["parameter"])
    ]
    if absent:
        raise ParameterError(f"{name}: parameter(s) {', '.join(absent)} missing")
    return table.reset_index(drop=True)


@dataclass(frozen=True)
class Part:
    """One part of the estimate: its low and high value in euros (NaN when not computable)."""

    name: str
    low: float
    high: float

    @property
    def computable(self) -> bool:
        return not math.isnan(self.low)


def estimate(
    into_work_job_seekers: float, salary_change_total: float, parameters: pd.DataFrame
) -> list[Part]:
    """The parts of the estimate and their total, in euros for one year.

    ``into_work_job_seekers`` and ``salary_change_total`` come from the KPI file; NaN (a
    withheld or absent figure) makes the part that needs it, and the total, not computable.
    """
    value = parameters.set_index("parameter")
    low = {p: float(value.at[p, "low"]) for p in value.index}
    high = {p: float(value.at[p, "high"]) for p in value.index}
    allowances = Part(
        "allowances",
        into_work_job_seekers * low[INDEMNIFIED] * low[ALLOWANCE],
        into_work_job_seekers * high[INDEMNIFIED] * high[ALLOWANCE],
    )
    # A fall in total salaries would return less, not more: the bounds follow the sign.
    bounds = sorted(
        (salary_change_total * low[CONTRIBUTIONS], salary_change_total * high[CONTRIBUTIONS])
    )
    contributions = Part("contributions", *bounds)
    total = Part("total", allowances.low + contributions.low, allowances.high + contributions.high)
    return [allowances, contributions, total]

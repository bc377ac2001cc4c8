"""Underserved categories: flags from raw answers, and raw answers that give wanted flags.

The generator decides first which categories a person belongs to (that is what the
published figures constrain), then draws the answers of their application that place
them there under the rules of the year (``data/reference/category_rules.csv``). The same
answers are later read under other years' rules, as the report does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.paths import REFERENCE_DIR
from helpers.intake.dataset import read_category_rules
from helpers.synth.draws import pick_by_weight

CATEGORIES = ("job_seekers", "low_qualification", "priority_area", "refugees", "disability")
N_CELLS = 1 << len(CATEGORIES)

# Segment ids of the KPI file whose members are a union of category cells.
SEGMENTS = ("all", "underserved", "non_underserved", *CATEGORIES)

# Values of priority_area that only exist in one country; the others exist anywhere.
PRIORITY_AREA_COUNTRY = {"qpv": "FR", "zrr": "FR", "uk_low_income": "GB", "us_low_income": "US"}


@dataclass(frozen=True)
class CategoryRules:
    """The versioned category rules, asked by category and year."""

    table: pd.DataFrame

    @classmethod
    def load(cls, reference_dir: Path = REFERENCE_DIR) -> CategoryRules:
        return cls(read_category_rules(reference_dir))

    def column(self, category: str) -> str:
        return str(self.table.loc[self.table["category"] == category, "column"].iloc[0])

    def qualifying(self, category: str, year: int) -> frozenset[str]:
        """Values of the category's column that place a person in it in ``year``."""
        t = self.table[self.table["category"] == category]
        first = t["first_year"].fillna(-(10**6)).astype(int)
        last = t["last_year"].fillna(10**6).astype(int)
        return frozenset(t.loc[(first <= year) & (last >= year), "value"])

    def flags(self, answers: pd.DataFrame, year: int) -> np.ndarray:
        """Boolean matrix (people x categories) under the rules of ``year``."""
        return np.column_stack(
            [answers[self.column(c)].isin(self.qualifying(c, year)).to_numpy() for c in CATEGORIES]
        )


def segment_membership() -> np.ndarray:
    """Segments (rows, in ``SEGMENTS`` order) x category cells (columns)."""
    cells = np.arange(N_CELLS)
    bits = ((cells[:, None] >> np.arange(len(CATEGORIES))) & 1).astype(bool)
    rows = [np.ones(N_CELLS, bool), cells != 0, cells == 0]
    rows += [bits[:, c] for c in range(len(CATEGORIES))]
    return np.vstack(rows)


def cell_flags() -> np.ndarray:
    """Category flags of each cell (cells x categories)."""
    cells = np.arange(N_CELLS)
    return ((cells[:, None] >> np.arange(len(CATEGORIES))) & 1).astype(bool)


def priority_countries(rules: CategoryRules, year: int) -> tuple[str, ...]:
    """Countries where a person can be in the priority-area category in ``year``."""
    values = rules.qualifying("priority_area", year)
    return tuple(sorted({PRIORITY_AREA_COUNTRY[v] for v in values if v in PRIORITY_AREA_COUNTRY}))


def draw_answers(
    flags: np.ndarray,
    country: np.ndarray,
    year: int,
    rules: CategoryRules,
    weights: dict[str, dict[str, float]],
    unknown_share: dict[str, float],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Application answers that put each person in exactly the categories of ``flags``.

    ``weights`` gives, per answer column, the relative frequency of each value; a person
    flagged in a category draws among the qualifying values, the others among the rest.
    ``unknown_share`` is the share of unflagged people whose answer was not collected.
    """
    out = {}
    for c, category in enumerate(CATEGORIES):
        column = rules.column(category)
        values = list(weights[column])
        qualifying = rules.qualifying(category, year)
        answer = np.empty(len(flags), dtype=object)
        for flagged in (True, False):
            rows = np.flatnonzero(flags[:, c] == flagged)
            if len(rows) == 0:
                continue
            allowed = [v for v in values if (v in qualifying) == flagged and v != "unknown"]
            if column == "priority_area":
                answer[rows] = _priority_answers(
                    allowed, weights[column], country[rows], flagged, rng
                )
            else:
                w = [weights[column][v] for v in allowed]
                answer[rows] = np.asarray(allowed, dtype=object)[
                    pick_by_weight(rng.random(len(rows)), w)
                ]
            if not flagged:
                lost = rng.random(len(rows)) < unknown_share.get(column, 0.0)
                answer[rows[lost]] = "unknown"
        out[column] = answer
    return pd.DataFrame(out)


def _priority_answers(
    allowed: list[str],
    weights: dict[str, float],
    country: np.ndarray,
    flagged: bool,
    rng: np.random.Generator,
) -> np.ndarray:
    answer = np.empty(len(country), dtype=object)
    for code in np.unique(country):
        rows = np.flatnonzero(country == code)
        here = [v for v in allowed if PRIORITY_AREA_COUNTRY.get(v, code) == code]
        if not here:
            if flagged:
                raise ValueError(f"no priority-area answer can flag a resident of {code}")
            here = ["none"]
        w = [weights[v] for v in here]
        answer[rows] = np.asarray(here, dtype=object)[pick_by_weight(rng.random(len(rows)), w)]
    return answer

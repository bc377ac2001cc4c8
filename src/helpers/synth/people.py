"""Members: the account table, computed member by member from its index.

Accounts are numbered in order of registration, cohort by cohort (one cohort per year of
registration). A member's registration date, country and gender are functions of the
index and the seed, so any part of the table can be produced, or any member looked up,
without the rest; paid applicants override country and gender with their application's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from helpers.intake import contract
from helpers.synth import geography
from helpers.synth.draws import pick_by_weight, salt, uniform_at
from helpers.synth.ids import format_ids

EPOCH = dt.date(1970, 1, 1)
GENDERS = contract.GENDERS
COUNTRY_CODES = (*geography.ISO_CODES, contract.UNKNOWN_COUNTRY)
MEMBER_GENDER_WEIGHTS = (0.33, 0.52, 0.01, 0.14)  # in the order of GENDERS

# Purposes of the counter-based draws on member indices.
_SALT_COUNTRY, _SALT_GENDER = 11, 12


def day_number(date: dt.date) -> int:
    """Days since 1970-01-01, the storage of Parquet's date32."""
    return (date - EPOCH).days


def year_bounds(year: int) -> tuple[int, int]:
    """First and last day number of a calendar year."""
    return day_number(dt.date(year, 1, 1)), day_number(dt.date(year, 12, 31))


def year_of(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[Y]").astype(int) + 1970


def month_of(days: np.ndarray) -> np.ndarray:
    """Month number 1..12."""
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]").astype(int) % 12 + 1


def daily_cdf(year: int, monthly: np.ndarray) -> np.ndarray:
    """Cumulative distribution over the days of ``year`` from relative monthly weights."""
    first, last = year_bounds(year)
    days = np.arange(first, last + 1)
    month = month_of(days) - 1
    per_month_days = np.bincount(month, minlength=12)
    weight = monthly[month] / per_month_days[month]
    cdf = np.cumsum(weight)
    return cdf / cdf[-1]


def seasonal_days(year: int, monthly: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Day numbers in ``year`` drawn from the monthly profile (``u`` uniform)."""
    cdf = daily_cdf(year, monthly)
    return year_bounds(year)[0] + np.searchsorted(cdf, u, side="right").clip(0, len(cdf) - 1)


@dataclass
class MemberSpace:
    """Every account, by index; cohorts are consecutive index ranges."""

    cohorts: dict[int, int]
    seed: int
    registrations: np.ndarray
    country_weights: dict[str, float]
    overrides: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.years = np.array(list(self.cohorts), dtype=np.int64)
        sizes = np.array(list(self.cohorts.values()), dtype=np.int64)
        self.first_index = np.concatenate([[0], np.cumsum(sizes)])
        self._cdf = {y: daily_cdf(int(y), self.registrations) for y in self.years}
        self._mix_codes = _codes_of(np.array(list(self.country_weights)), COUNTRY_CODES)
        self._country_w = np.array(list(self.country_weights.values()))

    @property
    def total(self) -> int:
        return int(self.first_index[-1])

    @property
    def id_width(self) -> int:
        return len(str(max(self.total, 1)))

    def cohort_range(self, year: int) -> tuple[int, int]:
        i = int(np.searchsorted(self.years, year))
        return int(self.first_index[i]), int(self.first_index[i + 1])

    def registered_at(self, index: np.ndarray) -> np.ndarray:
        """Registration day number of each member (members are in registration order)."""
        index = np.asarray(index, dtype=np.int64)
        cohort = np.searchsorted(self.first_index, index, side="right") - 1
        out = np.empty(len(index), dtype=np.int64)
        for c in np.unique(cohort):
            rows = cohort == c
            year = int(self.years[c])
            n = self.first_index[c + 1] - self.first_index[c]
            q = (index[rows] - self.first_index[c] + 0.5) / n
            cdf = self._cdf[year]
            out[rows] = year_bounds(year)[0] + np.searchsorted(cdf, q, side="right").clip(
                0, len(cdf) - 1
            )
        return out

    def registered_by(self, day: np.ndarray) -> np.ndarray:
        """Number of members registered on or before each day (a prefix of the indices)."""
        day = np.asarray(day, dtype=np.int64)
        year = year_of(day)
        out = np.empty(len(day), dtype=np.int64)
        for y in np.unique(year):
            rows = year == y
            if y < self.years[0]:
                out[rows] = 0
                continue
            if y > self.years[-1]:
                out[rows] = self.total
                continue
            lo, hi = self.cohort_range(int(y))
            cdf = self._cdf[int(y)]
            offset = day[rows] - year_bounds(int(y))[0]
            # Member j of the cohort registers on or before the day when (j+.5)/n < cdf.
            out[rows] = lo + np.clip(np.ceil(cdf[offset] * (hi - lo) - 0.5), 0, hi - lo)
        return out.astype(np.int64)

    def country(self, index: np.ndarray) -> np.ndarray:
        return np.asarray(COUNTRY_CODES)[self._country_code(index)]

    def gender(self, index: np.ndarray) -> np.ndarray:
        return np.asarray(GENDERS)[self._gender_code(index)]

    def _country_code(self, index: np.ndarray) -> np.ndarray:
        u = uniform_at(np.asarray(index), salt(self.seed, _SALT_COUNTRY))
        code = self._mix_codes[pick_by_weight(u, self._country_w)]
        return self._override(index, "country", code)

    def _gender_code(self, index: np.ndarray) -> np.ndarray:
        u = uniform_at(np.asarray(index), salt(self.seed, _SALT_GENDER))
        return self._override(index, "gender", pick_by_weight(u, MEMBER_GENDER_WEIGHTS))

    def set_overrides(self, index: np.ndarray, country: np.ndarray, gender: np.ndarray) -> None:
        """Members who applied to a path carry their application's country and gender."""
        order = np.argsort(index, kind="stable")
        self.overrides = {
            "index": np.asarray(index)[order],
            "country": _codes_of(np.asarray(country)[order], COUNTRY_CODES),
            "gender": _codes_of(np.asarray(gender)[order], GENDERS),
        }

    def _override(self, index: np.ndarray, column: str, codes: np.ndarray) -> np.ndarray:
        keys = self.overrides.get("index")
        if keys is None or len(keys) == 0:
            return codes
        pos = np.searchsorted(keys, index).clip(0, len(keys) - 1)
        hit = keys[pos] == index
        codes = codes.copy()
        codes[hit] = self.overrides[column][pos[hit]]
        return codes

    def ids(self, index: np.ndarray) -> pa.Array:
        return format_ids("M", np.asarray(index) + 1, self.id_width)

    def table_chunks(self, chunk_rows: int) -> Iterator[pa.Table]:
        """The members table, ``chunk_rows`` accounts at a time."""
        countries = pa.array(COUNTRY_CODES, type=pa.string())
        genders = pa.array(GENDERS, type=pa.string())
        for start in range(0, self.total, chunk_rows):
            index = np.arange(start, min(start + chunk_rows, self.total), dtype=np.int64)
            yield pa.table(
                {
                    "member_id": self.ids(index),
                    "registered_at": pa.array(
                        self.registered_at(index).astype(np.int32), type=pa.date32()
                    ),
                    "country": countries.take(pa.array(self._country_code(index))),
                    "gender": genders.take(pa.array(self._gender_code(index))),
                }
            )


def _codes_of(values: np.ndarray, vocabulary: tuple[str, ...]) -> np.ndarray:
    """Position of each value in ``vocabulary``."""
    lookup = {v: i for i, v in enumerate(vocabulary)}
    return np.array([lookup[v] for v in values], dtype=np.int64)


def build_member_space(
    cohorts: dict[int, int], seed: int, registrations: np.ndarray
) -> MemberSpace:
    return MemberSpace(cohorts, seed, registrations, geography.free_member_mix())


class MemberPicker:
    """Draws distinct members for the people of the paid side, each registered in time."""

    def __init__(self, space: MemberSpace, rng: np.random.Generator) -> None:
        self.space = space
        self.rng = rng
        self.taken = np.zeros(space.total, dtype=bool)

    def pick(self, not_after: np.ndarray, recent_share: float = 0.35) -> np.ndarray:
        """One new member per entry, registered on or before ``not_after`` (day numbers).

        A share registers shortly before (they sign up to apply); the others are older
        accounts, more often recent than old.
        """
        not_after = np.asarray(not_after, dtype=np.int64)
        limit = self.space.registered_by(not_after)
        recent_floor = self.space.registered_by(not_after - 60)
        out = np.full(len(not_after), -1, dtype=np.int64)
        todo = np.flatnonzero(limit > 0)
        for _attempt in range(50):
            if len(todo) == 0:
                break
            u = self.rng.random(len(todo))
            recent = self.rng.random(len(todo)) < recent_share
            lo = np.where(recent, recent_floor[todo], 0)
            span = limit[todo] - lo
            skew = np.where(recent, u, np.sqrt(u))
            candidate = lo + np.floor(skew * span).astype(np.int64)
            candidate = np.minimum(candidate, limit[todo] - 1)
            # Keep the first claim of each free candidate; the others draw again.
            free = ~self.taken[candidate]
            _, first = np.unique(candidate, return_index=True)
            unique_claim = np.zeros(len(candidate), dtype=bool)
            unique_claim[first] = True
            ok = free & unique_claim
            out[todo[ok]] = candidate[ok]
            self.taken[candidate[ok]] = True
            todo = todo[~ok]
        if len(todo):
            raise RuntimeError(f"could not find free members for {len(todo)} applicants")
        return out

"""Companies that employ apprentices, and the mentors and instructors of the paths.

Both pools grow year by year. When the students who start in a year are given an
employer or a mentor, the number of distinct companies (mentors) active that year is
set exactly: those already serving students who continue from earlier years, plus as
many newcomers as the year's target requires; everybody else joins one of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.intake.contract import DOMAINS, SIZE_BANDS
from helpers.synth.draws import largest_remainder, pick_by_weight
from helpers.synth.ids import format_ids, id_width

# Both in the order of the contract's SIZE_BANDS (micro, sme, mid, large).
SIZE_WEIGHTS_NEW = (0.36, 0.34, 0.18, 0.12)
# A large company hires many apprentices; a micro company one.
SIZE_HIRING_WEIGHT = dict(zip(SIZE_BANDS, (1.0, 2.0, 5.0, 18.0), strict=True))
RETURNING_SHARE = 0.3


@dataclass
class CompanyPool:
    """Every company the dataset mentions, by index."""

    country: list[str] = field(default_factory=list)
    size_band: list[str] = field(default_factory=list)

    def _create(self, countries: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        start = len(self.country)
        bands = np.asarray(SIZE_BANDS)[pick_by_weight(rng.random(len(countries)), SIZE_WEIGHTS_NEW)]
        self.country.extend(str(c) for c in countries)
        self.size_band.extend(str(b) for b in bands)
        return np.arange(start, len(self.country))

    def _newcomers(
        self, countries: np.ndarray, exclude: set[int], rng: np.random.Generator
    ) -> np.ndarray:
        """One distinct company per entry, none in ``exclude``: former employers or new ones."""
        pool_country = np.asarray(self.country, dtype=object)
        available = np.setdiff1d(np.arange(len(pool_country)), np.fromiter(exclude, np.int64))
        out = np.full(len(countries), -1, dtype=np.int64)
        for code in np.unique(countries):
            rows = np.flatnonzero(countries == code)
            former = available[pool_country[available] == code]
            back = min(len(former), int(rng.binomial(len(rows), RETURNING_SHARE)))
            out[rows[:back]] = rng.permutation(former)[:back]
        fresh = out < 0
        out[fresh] = self._create(countries[fresh], rng)
        return out

    def assign_apprentices(
        self,
        country: np.ndarray,
        carry_employers: np.ndarray,
        target: int,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Employers of the apprentices who start this year.

        ``carry_employers`` are the employers of apprentices continuing into the year;
        ``target`` is the number of distinct companies with an apprentice that year.
        """
        n = len(country)
        out = np.full(n, -1, dtype=np.int64)
        if n == 0:
            return out
        carry = np.unique(carry_employers[carry_employers >= 0])
        carry_country = (
            np.asarray(self.country, dtype=object)[carry] if len(carry) else np.array([])
        )
        lacking = ~np.isin(country, carry_country)
        # Each country without a continuing employer needs at least one newcomer.
        order = rng.permutation(n)
        anchors: list[int] = []
        seen: set[str] = set()
        for i in order[lacking[order]]:
            if country[i] not in seen:
                seen.add(country[i])
                anchors.append(int(i))
        wanted = int(np.clip(target - len(carry), len(anchors), n))
        others = [int(i) for i in order if int(i) not in set(anchors)]
        anchors += others[: wanted - len(anchors)]
        anchors_arr = np.asarray(anchors, dtype=np.int64)
        out[anchors_arr] = self._newcomers(country[anchors_arr], set(carry.tolist()), rng)
        # Everybody else joins a company of their country already hiring this year.
        hiring = np.concatenate([carry, out[anchors_arr]]).astype(np.int64)
        self._join(out, country, hiring, rng)
        return out

    def assign_employees(self, country: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Employers of employer-funded students: known companies, or new ones."""
        out = np.full(len(country), -1, dtype=np.int64)
        if len(country) == 0:
            return out
        known = np.arange(len(self.country))
        self._join(out, country, known, rng, join_share=0.6)
        return out

    def _join(
        self,
        out: np.ndarray,
        country: np.ndarray,
        candidates: np.ndarray,
        rng: np.random.Generator,
        join_share: float = 1.0,
    ) -> None:
        pool_country = np.asarray(self.country, dtype=object)
        weight = np.array([SIZE_HIRING_WEIGHT[b] for b in self.size_band])
        todo = np.flatnonzero(out < 0)
        for code in np.unique(country[todo]):
            rows = todo[country[todo] == code]
            here = candidates[pool_country[candidates] == code] if len(candidates) else candidates
            join = rng.random(len(rows)) < join_share if len(here) else np.zeros(len(rows), bool)
            if join.any():
                out[rows[join]] = here[pick_by_weight(rng.random(join.sum()), weight[here])]
            if (~join).any():
                out[rows[~join]] = self._create(country[rows[~join]], rng)

    def frame(self) -> pd.DataFrame:
        n = len(self.country)
        return pd.DataFrame(
            {
                "company_id": format_ids("CO", np.arange(1, n + 1), id_width(n)).to_pylist(),
                "country": self.country,
                "size_band": self.size_band,
            }
        )


MENTOR_FEMALE_SHARE = {"tech": 0.27, "non_tech": 0.56}
INSTRUCTOR_FEMALE_SHARE = {"tech": 0.34, "non_tech": 0.58}


@dataclass
class MentorPool:
    """Mentors (who follow students week by week) and instructors (who write courses)."""

    role: list[str] = field(default_factory=list)
    domain: list[str] = field(default_factory=list)
    gender: list[str] = field(default_factory=list)
    trained: list[bool] = field(default_factory=list)

    def _create(
        self,
        domain: np.ndarray,
        trained_share: float,
        rng: np.random.Generator,
        role: str = "mentor",
    ) -> np.ndarray:
        start = len(self.role)
        shares = MENTOR_FEMALE_SHARE if role == "mentor" else INSTRUCTOR_FEMALE_SHARE
        u = rng.random(len(domain))
        female = u < np.array([shares[d] for d in domain])
        rest = np.where(u < 0.99, "male", np.where(u < 0.995, "other", "unknown"))
        self.role.extend([role] * len(domain))
        self.domain.extend(str(d) for d in domain)
        self.gender.extend(np.where(female, "female", rest).tolist())
        self.trained.extend((rng.random(len(domain)) < trained_share).tolist())
        return np.arange(start, len(self.role))

    def assign(
        self,
        domain: np.ndarray,
        wants_trained: np.ndarray,
        carry: pd.DataFrame,
        target: int,
        trained_share: float,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Mentors of the students who start this year (``-1`` marks no mentor yet).

        ``carry`` holds the ``domain`` and ``mentor`` of enrollments continuing into the
        year; ``target`` is the number of distinct mentors active that year.
        """
        out = np.full(len(domain), -1, dtype=np.int64)
        mentored = carry[carry["mentor"] >= 0]
        # Share the year's target between domains as students are shared.
        domains = DOMAINS
        load = np.array(
            [(mentored["domain"] == d).sum() + (domain == d).sum() for d in domains], float
        )
        per_domain = largest_remainder(target, load)
        trained = np.asarray(self.trained, dtype=bool)
        for d, goal in zip(domains, per_domain, strict=True):
            rows = np.flatnonzero(domain == d)
            if len(rows) == 0:
                continue
            continuing = np.unique(mentored.loc[mentored["domain"] == d, "mentor"].to_numpy())
            wanted = int(
                np.clip(goal - len(continuing), 1 if len(continuing) == 0 else 0, len(rows))
            )
            anchors = rng.permutation(rows)[:wanted]
            out[anchors] = self._newcomers(d, wanted, set(continuing.tolist()), trained_share, rng)
            trained = np.asarray(self.trained, dtype=bool)
            serving = np.concatenate([continuing, out[anchors]]).astype(np.int64)
            rest = rows[out[rows] < 0]
            want = wants_trained[rest]
            trained_serving = serving[trained[serving]]
            if len(trained_serving) and want.any():
                out[rest[want]] = trained_serving[
                    rng.integers(len(trained_serving), size=want.sum())
                ]
            left = rest[out[rest] < 0]
            out[left] = serving[rng.integers(len(serving), size=len(left))]
        return out

    def _newcomers(
        self, domain: str, k: int, exclude: set[int], trained_share: float, rng: np.random.Generator
    ) -> np.ndarray:
        former = np.flatnonzero(
            (np.asarray(self.domain, dtype=object) == domain)
            & (np.asarray(self.role, dtype=object) == "mentor")
        )
        former = former[~np.isin(former, list(exclude))] if exclude else former
        n_former = min(len(former), int(rng.binomial(k, RETURNING_SHARE)) if k else 0)
        back = rng.permutation(former)[:n_former]
        fresh = self._create(np.full(k - n_former, domain), trained_share, rng)
        return rng.permutation(np.concatenate([back, fresh]).astype(np.int64))

    def add_instructors(self, n: int, rng: np.random.Generator) -> None:
        domain = np.where(rng.random(n) < 0.62, "tech", "non_tech")
        self._create(domain, 0.2, rng, role="instructor")

    def frame(self) -> pd.DataFrame:
        n = len(self.role)
        return pd.DataFrame(
            {
                "mentor_id": format_ids("MT", np.arange(1, n + 1), id_width(n)).to_pylist(),
                "role": self.role,
                "gender": self.gender,
                "domain": self.domain,
                "disability_trained": self.trained,
            }
        )

"""The generator's targets (``targets.toml``) read once and multiplied by the scale."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from helpers.synth.draws import scaled
from helpers.synth.stamp import TARGETS_FILE


def load_targets(path: Path = TARGETS_FILE) -> dict[str, Any]:
    with open(path, "rb") as f:
        return tomllib.load(f)


@dataclass(frozen=True)
class Plan:
    """Targets of every year, and the scale that multiplies volumes (not rates)."""

    targets: dict[str, Any]
    scale: float

    @classmethod
    def load(cls, scale: float, path: Path = TARGETS_FILE) -> Plan:
        return cls(load_targets(path), scale)

    # -- calendar -------------------------------------------------------------------------
    @property
    def years(self) -> list[int]:
        return list(self.targets["dataset"]["years"])

    @property
    def paid_years(self) -> list[int]:
        """Years in which paths start: warm-up years first, then the report years."""
        return list(self.targets["dataset"]["warmup_years"]) + self.years

    @property
    def extraction_date(self) -> dt.date:
        return dt.date.fromisoformat(self.targets["dataset"]["extraction_date"])

    def year(self, year: int) -> dict[str, Any]:
        return self.targets["years"][str(year)]

    def season(self, name: str) -> np.ndarray:
        return np.asarray(self.targets["seasonality"][name], dtype=float)

    def answers(self) -> dict[str, dict[str, float]]:
        return self.targets["answers"]

    # -- volumes (scaled) -----------------------------------------------------------------
    def count(self, year: int, key: str) -> int:
        return scaled(self.year(year)[key], self.scale)

    def students_started(self, year: int) -> int:
        return self.count(year, "students_started")

    def segment_counts(self, year: int) -> dict[str, float]:
        """Wanted number of students started in ``year`` in each category (unrounded)."""
        t = self.year(year)
        n = self.students_started(year)
        out = {k: v * self.scale for k, v in t.get("segment_counts", {}).items()}
        out.update({k: v * n for k, v in t.get("segment_shares", {}).items()})
        return out

    def apprentices_active(self, year: int) -> int | None:
        """Apprentices active in ``year``: a level, or the previous level grown by a rate."""
        t = self.year(year)
        if "apprentices_active" in t:
            return scaled(t["apprentices_active"], self.scale)
        if "apprentices_growth" in t:
            before = self.apprentices_active(year - 1)
            return None if before is None else int(round(before * (1 + t["apprentices_growth"])))
        return None

    def rates(self, year: int, key: str) -> dict[str, float]:
        """A year's rates by segment; categories follow the profile when not published."""
        given = dict(self.year(year)[key]) if str(year) in self.targets["years"] else {}
        profile = self.targets["profiles"].get(key, {})
        if "all" not in given or any(k in given for k in profile if k != "all"):
            return given
        shift = _logit(given["all"]) - _logit(profile["all"])
        out = {k: _expit(_logit(v) + shift) for k, v in profile.items() if k != "all"}
        out.update(given)
        return out

    def funding_targets(self, year: int) -> dict[str, dict[str, float]]:
        """Funding shares by segment; only ``all`` is set in years without a breakdown."""
        t = self.year(year)
        if "funding" in t:
            return {seg: dict(v) for seg, v in t["funding"].items()}
        return {"all": {"individual": 1 - t["third_party_share"]}}

    def career_outcomes(self, year: int) -> dict[str, int]:
        return {k: scaled(v, self.scale) for k, v in self.year(year)["career_outcomes"].items()}

    def carbon_users(self, year: int, price_eur_per_t: float) -> int:
        """Users the year needs so that emissions per user and the donation both hold."""
        t = self.year(year)
        if "carbon_donation_eur" in t:
            tonnes = t["carbon_donation_eur"] / price_eur_per_t
            return scaled(tonnes * 1000 / t["co2e_per_user_kg"], self.scale)
        return self.count(year, "users")

    def member_cohorts(self) -> dict[int, int]:
        """Accounts registered each year, earliest first (scaled)."""
        cohorts = {
            int(y): scaled(n, self.scale)
            for y, n in self.targets["dataset"]["earlier_members"].items()
        }
        cohorts.update({y: self.count(y, "new_members") for y in self.years})
        return dict(sorted(cohorts.items()))


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _expit(x: float) -> float:
    return float(1 / (1 + np.exp(-x)))

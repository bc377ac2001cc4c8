"""Applications: those behind each enrollment, the candidates who did not start, and the
prospects who never submitted.

For each year, the students whose application was submitted that year are the
converted part of the year's candidates. The candidates who did not start are added
category cell by category cell, in the numbers that give each category its admission
rate (a cohort rate: students over candidates of the year); enough of them are admitted
to reach the year's admitted count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.intake import contract
from helpers.synth import allocation, geography
from helpers.synth.catalogue import PATHS, choose_paths
from helpers.synth.categories import (
    N_CELLS,
    SEGMENTS,
    CategoryRules,
    cell_flags,
    draw_answers,
    priority_countries,
    segment_membership,
)
from helpers.synth.draws import pick_by_weight, stream
from helpers.synth.people import COUNTRY_CODES, MemberPicker, daily_cdf, year_bounds, year_of
from helpers.synth.plan import Plan
from helpers.synth.students import NO_DATE, PRIO

ANSWER_COLUMNS = tuple(contract.APPLICATION_ANSWERS)
PERSON_COLUMNS = ("member", "country", "gender", "path", *ANSWER_COLUMNS)
# The allowed values of each text column an applicant's row carries (the contract's).
VOCABULARIES = {
    "country": COUNTRY_CODES,
    "gender": contract.GENDERS,
    "decision": contract.DECISIONS,
    **contract.APPLICATION_ANSWERS,
}
SECOND_APPLICATION_SHARE = 0.10
DRAFT_SHARE = 0.12
PROSPECTS_PER_CANDIDATE = 1.2
LAST_SUBMISSION_DAY = 344  # 10 December (or 11 in leap years): decided within the year

_S_UNCONVERTED, _S_EXTRA, _S_PROSPECTS = range(200, 203)


def generate_applications(
    plan: Plan,
    rules: CategoryRules,
    enrollments: pd.DataFrame,
    picker: MemberPicker,
    seed: int,
) -> tuple[pd.DataFrame, np.ndarray]:
    """All applications (internal columns) and, per enrollment, its application's row."""
    main = pd.DataFrame({c: enrollments[c].to_numpy() for c in PERSON_COLUMNS})
    main["started"] = enrollments["app_started"].to_numpy()
    main["submitted"] = enrollments["submitted"].to_numpy()
    main["decided"] = enrollments["decided"].to_numpy()
    main["decision"] = "admitted"
    main["enrollment"] = np.arange(len(enrollments))

    parts = [compact(main)]
    submitted_year = year_of(enrollments["submitted"].to_numpy())
    decided_year = year_of(enrollments["decided"].to_numpy())
    for c in plan.paid_years:
        converted = enrollments[submitted_year == c]
        admitted_elsewhere = int((decided_year == c).sum())
        parts.append(
            compact(draw_unconverted(plan, rules, c, converted, admitted_elsewhere, picker, seed))
        )
    candidates = pd.concat(parts, ignore_index=True)
    registered = picker.space.registered_at(candidates["member"].to_numpy())
    extra = compact(draw_extra_applications(candidates, registered, stream(seed, _S_EXTRA, 0)))
    prospects = [
        compact(draw_prospects(plan, rules, c, candidates, picker, seed)) for c in plan.paid_years
    ]
    apps = pd.concat([candidates, extra, *prospects], ignore_index=True)
    apps["enrollment"] = apps["enrollment"].fillna(-1).astype(np.int64)
    # Row i of the sorted table becomes application A...i+1 when written.
    apps = apps.sort_values(["started", "member", "submitted"], kind="stable").reset_index(
        drop=True
    )
    behind = np.full(len(enrollments), -1, dtype=np.int64)
    is_main = apps["enrollment"].to_numpy() >= 0
    behind[apps.loc[is_main, "enrollment"].to_numpy()] = np.flatnonzero(is_main)
    return apps, behind


def draw_unconverted(
    plan: Plan,
    rules: CategoryRules,
    year: int,
    converted: pd.DataFrame,
    admitted_elsewhere: int,
    picker: MemberPicker,
    seed: int,
) -> pd.DataFrame:
    """Candidates of ``year`` who did not start a path, cell by category cell."""
    t = plan.year(year)
    rng = stream(seed, _S_UNCONVERTED, year)
    flags = rules.flags(converted, year)
    conv = np.bincount(allocation.cells_of(flags), minlength=N_CELLS).astype(float)
    rates = plan.rates(year, "admission_rate")
    if "applicants" in t and conv.sum() > 0:
        # The published candidate count fixes the overall rate more finely than 29 %.
        rates["all"] = conv.sum() / plan.count(year, "applicants")
    membership = segment_membership()
    targets = np.array([rates.get(s, np.nan) for s in SEGMENTS])
    candidates = fit_candidates(conv, membership, targets)
    seg_conv = membership @ conv
    extra_goal = seg_conv / targets - seg_conv
    extra = allocation.integer_selection(
        np.ceil(candidates - conv).astype(np.int64) * 3 + 10,
        candidates - conv,
        membership,
        extra_goal,
        np.maximum(0.002 * np.nan_to_num(extra_goal), 0.5),
    )
    cell = rng.permutation(np.repeat(np.arange(N_CELLS), extra))
    people = draw_people(plan, rules, year, cell_flags()[cell], rng)
    n = len(people)

    cdf = daily_cdf(year, plan.season("path_starts"))
    last_day = min(LAST_SUBMISSION_DAY, len(cdf) - 1)
    u = rng.random(n) * cdf[last_day]
    submitted = year_bounds(year)[0] + np.searchsorted(cdf, u, side="right")
    started = submitted - rng.integers(0, 31, n)
    total = n + int(conv.sum())
    goal = (
        plan.count(year, "admitted")
        if "admitted" in t
        else int(round(t["admitted_per_applicant"] * total))
    )
    admitted = int(np.clip(goal - admitted_elsewhere, 0, n))
    decision = np.where(rng.random(n) < 0.72, "rejected", "withdrawn").astype(object)
    decision[rng.permutation(n)[:admitted]] = "admitted"
    decided = np.where(decision == "withdrawn", NO_DATE, submitted + rng.integers(2, 21, n))

    people["member"] = picker.pick(started - 1)
    people["started"] = started
    people["submitted"] = submitted
    people["decided"] = decided
    people["decision"] = decision
    return people


def fit_candidates(converted: np.ndarray, membership: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Candidates per cell so that converted / candidates meets each segment's rate."""
    n = converted / 0.3
    for _ in range(500):
        worst = 0.0
        for k in np.flatnonzero(~np.isnan(rates)):
            inside = membership[k]
            have = n[inside].sum()
            want = converted[inside].sum() / rates[k]
            if have > 0:
                n[inside] *= want / have
                worst = max(worst, abs(want - have) / max(want, 1))
            n = np.maximum(n, converted)
        if worst < 1e-9:
            break
    return n


def draw_people(
    plan: Plan, rules: CategoryRules, year: int, flags: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Country, answers, gender and chosen path of candidates with the given flags."""
    n = len(flags)
    t = plan.year(year)
    country = np.empty(n, dtype=object)
    prio = flags[:, PRIO]
    home = priority_countries(rules, year)
    home_w = np.array([{"FR": 0.85, "GB": 0.09, "US": 0.06}[c] for c in home])
    country[prio] = np.asarray(home, dtype=object)[pick_by_weight(rng.random(prio.sum()), home_w)]
    mix = geography.mix(geography.APPLICANT_WEIGHTS, tail_total=30.0)
    codes = np.array(list(mix), dtype=object)
    country[~prio] = codes[pick_by_weight(rng.random((~prio).sum()), list(mix.values()))]
    country = country.astype(str)
    answers = draw_answers(flags, country, year, rules, plan.answers(), t["unknown_share"], rng)
    language = geography.path_language(country, rng.random(n))
    path = choose_paths(language, np.zeros(n, bool), t["tech_share"], rng.random(n), rng.random(n))
    tech = np.array([PATHS[p].domain == "tech" for p in path])
    women = t["women_share"]["all"]
    female = rng.random(n) < np.where(tech, women * 0.75, min(women * 1.5, 0.7))
    other = np.where(
        rng.random(n) < 0.97, "male", np.where(rng.random(n) < 0.5, "other", "unknown")
    )
    people = pd.DataFrame(
        {"country": country, "gender": np.where(female, "female", other), "path": path}
    )
    return pd.concat([people, answers], axis=1)


def draw_extra_applications(
    candidates: pd.DataFrame, registered: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Earlier applications of the same people: a second path applied to, or a draft.

    ``registered`` is each candidate's registration day: nothing starts before it.
    """
    n = len(candidates)
    sub = candidates["submitted"].to_numpy()
    start = candidates["started"].to_numpy()

    second = rng.random(n) < SECOND_APPLICATION_SHARE
    sub2 = sub - rng.integers(5, 91, n)
    start2 = sub2 - rng.integers(0, 21, n)
    second &= (year_of(sub2) == year_of(sub)) & (start2 >= registered)
    rows = np.flatnonzero(second)
    s = candidates.iloc[rows].copy()
    s["submitted"] = sub2[rows]
    s["started"] = start2[rows]
    rejected = rng.random(len(rows)) < 0.6
    s["decision"] = np.where(rejected, "rejected", "withdrawn")
    s["decided"] = np.where(rejected, sub2[rows] + rng.integers(2, 21, len(rows)), NO_DATE)
    s["path"] = _other_path(s["path"].to_numpy(), rng)
    s["enrollment"] = -1

    draft = rng.random(n) < DRAFT_SHARE
    rows = np.flatnonzero(draft)
    d = candidates.iloc[rows].copy()
    d["started"] = np.maximum(start[rows] - rng.integers(5, 121, len(rows)), registered[rows])
    d["submitted"] = NO_DATE
    d["decided"] = NO_DATE
    d["decision"] = None
    d["enrollment"] = -1
    return pd.concat([s, d], ignore_index=True)


def draw_prospects(
    plan: Plan,
    rules: CategoryRules,
    year: int,
    candidates: pd.DataFrame,
    picker: MemberPicker,
    seed: int,
) -> pd.DataFrame:
    """Members who started an application in ``year`` and never submitted one."""
    rng = stream(seed, _S_PROSPECTS, year)
    in_year = candidates[year_of(candidates["submitted"].to_numpy()) == year]
    n = int(round(PROSPECTS_PER_CANDIDATE * len(in_year)))
    if n == 0:
        return in_year.iloc[:0]
    like = in_year.iloc[rng.integers(0, len(in_year), n)]
    flags = rules.flags(like, year)
    people = draw_people(plan, rules, year, flags, rng)
    started = year_bounds(year)[0] + np.searchsorted(
        daily_cdf(year, plan.season("path_starts")), rng.random(n), side="right"
    )
    people["member"] = picker.pick(started - 1)
    people["started"] = started
    people["submitted"] = NO_DATE
    people["decided"] = NO_DATE
    people["decision"] = None
    people["enrollment"] = -1
    return people


def _other_path(path: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Another path in the same language."""
    out = np.asarray(path).copy()
    for language in contract.PATH_LANGUAGES:
        options = np.array([j for j, q in enumerate(PATHS) if q.language == language])
        rows = np.flatnonzero(np.isin(out, options))
        current = np.searchsorted(options, out[rows])
        # Draw among the other options: skip over the path already applied to.
        pick = rng.integers(0, len(options) - 1, len(rows))
        out[rows] = options[pick + (pick >= current)]
    return out


def compact(frame: pd.DataFrame) -> pd.DataFrame:
    """The same rows with text columns stored as categories (a byte a cell, not a string)."""
    frame = frame.copy()
    for column, values in VOCABULARIES.items():
        if column in frame:
            frame[column] = pd.Categorical(frame[column], categories=values)
    return frame

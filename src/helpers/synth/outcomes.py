"""Graduate surveys and career outcomes, declared by students and by free members.

A career outcome counts once a year per person: the report keeps a member's first
declaration and then only those at least 365 days after the last one kept. The
generator chooses the declarations to keep, year by year, so that the counts after that
rule are the published ones, and adds repeated declarations inside the 365 days (a
survey answer also logged by the careers team, say) that the rule must remove.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.intake.contract import OUTCOME_TYPES
from helpers.synth import allocation
from helpers.synth.categories import N_CELLS, SEGMENTS, CategoryRules, cell_flags
from helpers.synth.draws import AffineSample, pick_by_weight, stream
from helpers.synth.people import MemberSpace, day_number, seasonal_days, year_bounds, year_of
from helpers.synth.plan import Plan
from helpers.synth.students import NO_DATE, active_in

SURVEY_DELAY_DAYS = 183
KEEP_GAP_DAYS = 370  # comfortably beyond the rule's 365 days
DUPLICATE_SHARE = 0.04
REPEAT_SHARE = 0.06
# Shares of each outcome type, in the order of the contract's OUTCOME_TYPES.
FREE_TYPE_WEIGHTS = (0.42, 0.16, 0.07, 0.22, 0.13)
GRADUATE_TYPE_WEIGHTS = (0.74, 0.16, 0.05, 0.03, 0.02)
STUDENT_TYPE_WEIGHTS = (0.45, 0.15, 0.05, 0.25, 0.10)

# Chance of a job six months after the path for someone employed at application, before
# the rates are adjusted to the published ones.
EMPLOYED_BEFORE_PRIOR = 0.85
# Status at application -> (share who give a salary before, typical yearly gross salary).
SALARY_BEFORE = {
    "employed": (1.0, 27000.0),
    "job_seeker": (0.6, 22000.0),
    "student": (0.15, 12000.0),
    "inactive": (0.2, 18000.0),
    "unknown": (0.3, 22000.0),
}

_S_SURVEY, _S_EMPLOYED, _S_SALARY, _S_PAID, _S_FREE, _S_DUPLICATES = range(300, 306)


def generate_surveys(
    plan: Plan, rules: CategoryRules, enrollments: pd.DataFrame, seed: int
) -> pd.DataFrame:
    """One survey per graduate whose six months had passed at the extraction date."""
    extraction = day_number(plan.extraction_date)
    rng = stream(seed, _S_SURVEY, 0)
    grads = np.flatnonzero(enrollments["status"].to_numpy() == "graduated")
    sent = (
        enrollments["ended"].to_numpy()[grads] + SURVEY_DELAY_DAYS + rng.integers(-3, 4, len(grads))
    )
    keep = sent <= extraction
    grads, sent = grads[keep], sent[keep]
    grad_year = year_of(enrollments["ended"].to_numpy()[grads])
    response_rate = np.array([_year_value(plan, y, "survey_response_rate", 0.6) for y in grad_year])
    responded = sent + rng.integers(0, 41, len(grads))
    answered = (rng.random(len(grads)) < response_rate) & (responded <= extraction)
    surveys = pd.DataFrame(
        {
            "enrollment": grads,
            "sent": sent,
            "responded": np.where(answered, responded, NO_DATE),
            "employed": pd.array([pd.NA] * len(grads), dtype="boolean"),
        }
    )
    employed = np.zeros(len(grads), dtype=bool)
    for year in np.unique(grad_year):
        rows = np.flatnonzero((grad_year == year) & answered)
        if len(rows):
            employed[rows] = _draw_employed(
                plan, rules, int(year), enrollments.iloc[grads[rows]], seed
            )
    surveys.loc[answered, "employed"] = employed[answered]
    before, after = _draw_salaries(plan, enrollments, surveys, grad_year, seed)
    surveys["salary_before"] = before
    surveys["salary_after"] = after
    return surveys


def _draw_employed(
    plan: Plan, rules: CategoryRules, year: int, people: pd.DataFrame, seed: int
) -> np.ndarray:
    """Who found a job within six months, meeting the year's rate of each segment.

    The cells cross the categories, apprenticeship and being employed at application:
    people who had a job when they applied mostly have one six months after the path
    (the prior leans that way), so the change in employment is mostly, not only, a gain.
    """
    flags = rules.flags(people, year)
    apprentice = (people["funding"].to_numpy() == "apprenticeship").astype(np.int64)
    had_job = (people["employment_status"].to_numpy() == "employed").astype(np.int64)
    cell = (allocation.cells_of(flags) * 2 + apprentice) * 2 + had_job
    n_cells = N_CELLS * 4
    sizes = np.bincount(cell, minlength=n_cells)
    cflags = np.repeat(cell_flags(), 4, axis=0)
    capp = np.tile(np.repeat([False, True], 2), N_CELLS)
    cjob = np.tile([False, True], N_CELLS * 2)
    cats = np.arange(N_CELLS).repeat(4)
    rows = [np.ones(n_cells, bool), cats != 0, cats == 0]
    rows += [cflags[:, c] for c in range(cflags.shape[1])]
    rows += [capp, ~capp]
    membership = np.vstack(rows)
    names = [*SEGMENTS, "apprentices", "non_apprentices"]
    wanted = plan.rates(year, "career_outcome_rate") or {"all": 0.5}
    targets = np.array([wanted.get(s, np.nan) for s in names])
    prior = np.where(capp, 0.8, 0.45)
    prior = np.where(cjob, np.maximum(prior, EMPLOYED_BEFORE_PRIOR), prior)
    rates = allocation.rake_rates(sizes, membership, targets, prior)
    seg_sizes = membership @ sizes
    chosen = allocation.integer_selection(
        sizes, rates * sizes, membership, targets * seg_sizes,
        allocation.tolerance_for_rates(seg_sizes, 0.002),
    )  # fmt: skip
    return allocation.split_by_counts(stream(seed, _S_EMPLOYED, year), cell, chosen, n_cells)


def _draw_salaries(
    plan: Plan,
    enrollments: pd.DataFrame,
    surveys: pd.DataFrame,
    grad_year: np.ndarray,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Yearly gross salaries in euros before and after the path, for survey respondents.

    The salary before depends on the status at application (``SALARY_BEFORE``: the
    employed give their pay, some job seekers their last one, few students or inactive
    people any). Someone who had a job mostly earns a little more after, sometimes less;
    the others start from a junior salary, mostly above what they earned before. Apprentices
    earn more afterwards: their median exceeds the others' by the year's premium exactly.
    """
    rng = stream(seed, _S_SALARY, 0)
    people = enrollments.iloc[surveys["enrollment"].to_numpy()]
    n = len(surveys)
    answered = surveys["responded"].to_numpy() != NO_DATE
    employed = surveys["employed"].fillna(False).to_numpy(dtype=bool)
    status = people["employment_status"].to_numpy()
    abroad = np.where(np.isin(people["country"].to_numpy(), ["GB", "US"]), 1.2, 1.0)
    tech = np.where(people["domain"].to_numpy() == "tech", 1.1, 1.0)

    share = np.array([SALARY_BEFORE.get(s, (0.0, 0.0))[0] for s in status])
    level = np.array([SALARY_BEFORE.get(s, (0.0, 1.0))[1] for s in status])
    had_pay = answered & (rng.random(n) < share)
    before = np.where(had_pay, level * abroad * np.exp(rng.normal(0, 0.25, n)), np.nan)
    told = answered & employed & (rng.random(n) < 0.88)
    fresh = 30000 * abroad * tech * np.exp(rng.normal(0, 0.2, n))
    # A raise of about 10 % on one's own pay, with a spread that leaves some below it.
    kept_on = before * np.exp(rng.normal(0.10, 0.15, n))
    after = np.where(told, np.where((status == "employed") & had_pay, kept_on, fresh), np.nan)

    apprentice = people["funding"].to_numpy() == "apprenticeship"
    for year in np.unique(grad_year):
        this = told & (grad_year == year)
        a, o = this & apprentice, this & ~apprentice
        if a.any() and o.any():
            premium = _year_value(plan, int(year), "salary_premium", 0.06)
            after[a] *= (1 + premium) * np.median(after[o]) / np.median(after[a])
    return np.round(before, -2), np.round(after, -2)


def generate_paid_outcomes(
    plan: Plan, enrollments: pd.DataFrame, surveys: pd.DataFrame, seed: int
) -> pd.DataFrame:
    """Career outcomes of students, kept so that each year's counts are the targets."""
    kept: dict[int, list[int]] = {}
    chosen = []
    apprentice = enrollments["funding"].to_numpy() == "apprenticeship"
    for year in plan.years:
        rng = stream(seed, _S_PAID, year)
        goal = plan.career_outcomes(year)
        pools = _paid_candidates(plan, enrollments, surveys, year, rng)
        for is_apprentice, wanted in (
            (True, goal["apprentices"]),
            (False, goal["paid_students"] - goal["apprentices"]),
        ):
            pool = pools[apprentice[pools["enrollment"].to_numpy()] == is_apprentice]
            chosen.append(_keep_spaced(pool, wanted, kept))
    out = pd.concat(chosen, ignore_index=True)
    out["member"] = enrollments["member"].to_numpy()[out["enrollment"].to_numpy()]
    return out


def _paid_candidates(
    plan: Plan,
    enrollments: pd.DataFrame,
    surveys: pd.DataFrame,
    year: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Declarations a student could make in ``year``, most credible first."""
    first, last = year_bounds(year)
    extraction = day_number(plan.extraction_date)
    resp = surveys["responded"].to_numpy()
    survey = surveys[
        (surveys["employed"].fillna(False).to_numpy(dtype=bool)) & (resp >= first) & (resp <= last)
    ]
    by_survey = pd.DataFrame(
        {
            "enrollment": survey["enrollment"].to_numpy(),
            "declared": survey["responded"].to_numpy(),
            "source": "graduate_survey",
            "outcome_type": np.asarray(OUTCOME_TYPES)[
                pick_by_weight(rng.random(len(survey)), GRADUATE_TYPE_WEIGHTS)
            ],
        }
    )
    started = enrollments["started"].to_numpy()
    appr = np.flatnonzero(
        (enrollments["funding"].to_numpy() == "apprenticeship")
        & (started >= first)
        & (started <= last)
    )
    by_contract = pd.DataFrame(
        {
            "enrollment": appr,
            "declared": np.minimum(started[appr] + rng.integers(0, 21, len(appr)), last),
            "source": "crm",
            "outcome_type": "internship_or_apprenticeship",
        }
    )
    running = np.flatnonzero(active_in(enrollments, year))
    lo = np.maximum(started[running], first)
    ended = enrollments["ended"].to_numpy()[running]
    hi = np.minimum(np.where(ended == NO_DATE, last, np.minimum(ended, last)), extraction)
    day = lo + np.floor(rng.random(len(running)) * (np.maximum(hi - lo, 0) + 1)).astype(np.int64)
    by_platform = pd.DataFrame(
        {
            "enrollment": running,
            "declared": day,
            "source": "platform_survey",
            "outcome_type": np.asarray(OUTCOME_TYPES)[
                pick_by_weight(rng.random(len(running)), STUDENT_TYPE_WEIGHTS)
            ],
        }
    )
    pools = [p.iloc[rng.permutation(len(p))] for p in (by_survey, by_contract, by_platform)]
    out = pd.concat(pools, ignore_index=True)
    out["member"] = enrollments["member"].to_numpy()[out["enrollment"].to_numpy()]
    return out


def _keep_spaced(pool: pd.DataFrame, wanted: int, kept: dict[int, list[int]]) -> pd.DataFrame:
    """The first ``wanted`` candidates whose member declared nothing within a year of them."""
    take = []
    members = pool["member"].to_numpy()
    days = pool["declared"].to_numpy()
    for i in range(len(pool)):
        if len(take) >= wanted:
            break
        before = kept.get(int(members[i]), [])
        if all(abs(int(days[i]) - d) >= KEEP_GAP_DAYS for d in before):
            kept.setdefault(int(members[i]), []).append(int(days[i]))
            take.append(i)
    return pool.iloc[take]


def generate_free_outcomes(
    plan: Plan,
    space: MemberSpace,
    students: np.ndarray,
    paid_kept: pd.DataFrame,
    seed: int,
) -> pd.DataFrame:
    """Declarations of free members: the year's total less what students declared.

    ``students`` flags (by member index) everyone with an enrollment: their declarations
    are the paid ones, kept apart so that the yearly rule sees exactly what was planned.
    """
    extraction = day_number(plan.extraction_date)
    rng = stream(seed, _S_FREE, 0)
    order = AffineSample.draw(space.total, space.total, rng)
    inverse = pow(order.a, -1, order.n) if order.n > 1 else 0
    cursor = 0
    paid_year = year_of(paid_kept["declared"].to_numpy())
    arriving: dict[int, int] = {}
    rows = []
    for year in plan.years:
        rng = stream(seed, _S_FREE, year)
        goal = (
            plan.career_outcomes(year)["all"]
            - int((paid_year == year).sum())
            - arriving.get(year, 0)
        )
        found_member: list[np.ndarray] = []
        found_day: list[np.ndarray] = []
        have = 0
        while have < goal and cursor < space.total:
            block = np.arange(cursor, min(cursor + max(2 * (goal - have), 1000), space.total))
            member = ((block - order.b) % order.n * inverse) % order.n
            day = seasonal_days(year, plan.season("outcome_declarations"), rng.random(len(block)))
            ok = ~students[member] & (space.registered_at(member) <= day - 14) & (day <= extraction)
            hit = np.flatnonzero(ok)[: goal - have]
            found_member.append(member[hit])
            found_day.append(day[hit])
            have += len(hit)
            cursor = int(block[hit[-1]]) + 1 if len(hit) and have >= goal else int(block[-1]) + 1
        member = np.concatenate(found_member) if found_member else np.array([], np.int64)
        day = np.concatenate(found_day) if found_day else np.array([], np.int64)
        rows.append(pd.DataFrame({"member": member, "declared": day}))
        # Some come back with a new step in their career more than a year later.
        again = rng.random(len(member)) < REPEAT_SHARE
        later = day[again] + rng.integers(KEEP_GAP_DAYS, 700, again.sum())
        later_ok = later <= extraction
        rows.append(pd.DataFrame({"member": member[again][later_ok], "declared": later[later_ok]}))
        for y in year_of(later[later_ok]):
            arriving[int(y)] = arriving.get(int(y), 0) + 1
    out = pd.concat(rows, ignore_index=True)
    rng = stream(seed, _S_FREE, 1)
    out["outcome_type"] = np.asarray(OUTCOME_TYPES)[
        pick_by_weight(rng.random(len(out)), FREE_TYPE_WEIGHTS)
    ]
    out["source"] = np.where(rng.random(len(out)) < 0.88, "platform_survey", "crm")
    out["enrollment"] = -1
    return out


def add_duplicates(kept: pd.DataFrame, plan: Plan, seed: int) -> pd.DataFrame:
    """Repeated declarations within a year of a kept one, for the yearly rule to remove."""
    rng = stream(seed, _S_DUPLICATES, 0)
    extraction = day_number(plan.extraction_date)
    pick = rng.random(len(kept)) < DUPLICATE_SHARE
    dup = kept[pick].copy()
    dup["declared"] = dup["declared"].to_numpy() + rng.integers(7, 301, len(dup))
    dup["source"] = np.where(dup["source"].to_numpy() == "crm", "platform_survey", "crm")
    dup = dup[dup["declared"].to_numpy() <= extraction]
    return pd.concat([kept, dup], ignore_index=True)


def _year_value(plan: Plan, year: int, key: str, default):
    years = plan.targets["years"]
    return years[str(year)].get(key, default) if str(year) in years else default

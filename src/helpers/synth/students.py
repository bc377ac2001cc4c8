"""Students of the paid paths: who starts each year, how they are funded, how they end.

Years are built in order. Before the students of year Y are drawn, the paths expected
to end in Y-1 are closed (graduated, late or dropped out), so the enrollments still
running in Y are known exactly; the newcomers then make up whatever the year's targets
need beyond them: apprentices, companies, mentors and countries active in the year.
Every count that the reports publish for a category is met exactly by allocating whole
people to category cells (``helpers.synth.allocation``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.intake.contract import FUNDING_TYPES, GENDERS
from helpers.synth import allocation, geography
from helpers.synth.catalogue import PATHS, choose_paths
from helpers.synth.categories import (
    CATEGORIES,
    N_CELLS,
    SEGMENTS,
    CategoryRules,
    cell_flags,
    draw_answers,
    priority_countries,
    segment_membership,
)
from helpers.synth.draws import pick_by_weight, stream
from helpers.synth.partners import CompanyPool, MentorPool
from helpers.synth.people import MemberPicker, day_number, seasonal_days, year_bounds, year_of
from helpers.synth.plan import Plan

NO_DATE = -1
JOB, LOWQ, PRIO, REF, DIS = range(len(CATEGORIES))
COUNTRY_GROUPS = ("FR", "GB", "US", "other")
EARLY_DROPOUT_SHARE = 0.10
GENDERS_NOT_FEMALE = tuple(g for g in GENDERS if g != "female")

# Stream numbers of the paid side (see helpers.synth.draws.stream).
_S_FLAGS, _S_COUNTRY, _S_ANSWERS, _S_FUNDING, _S_PATH, _S_GENDER = range(100, 106)
_S_MEMBERS, _S_PARTNERS, _S_CLOSE, _S_FUNDER = range(106, 110)

# How the underserved categories go together (odds ratios of the starting guess).
_PAIR_ODDS = {(JOB, LOWQ): 1.8, (JOB, PRIO): 1.5, (JOB, REF): 3.0, (JOB, DIS): 1.4,
              (LOWQ, PRIO): 1.6, (LOWQ, REF): 1.5, (PRIO, REF): 1.5}  # fmt: skip

# Funding before calibration: by country group, then tilted by category.
_FUNDING_PRIOR = {
    "FR": (0.20, 0.45, 0.15, 0.08, 0.12),
    "GB": (0.35, 0.15, 0.35, 0.10, 0.05),
    "US": (0.50, 0.03, 0.30, 0.12, 0.05),
    "other": (0.70, 0.03, 0.0, 0.12, 0.15),
}
_FUNDING_TILT = {
    JOB: (0.5, 2.5, 1.0, 0.0, 1.0),
    LOWQ: (1.2, 1.0, 1.0, 1.0, 1.0),
    PRIO: (0.5, 1.5, 1.0, 0.5, 1.0),
    REF: (0.7, 1.3, 2.0, 0.2, 1.0),
    DIS: (0.8, 1.2, 1.0, 0.5, 1.5),
}
_FEMALE_PRIOR = {"tech": 0.22, "non_tech": 0.47}


@dataclass
class PaidSide:
    """Enrollments (one row each, with the dates of their application) and partners."""

    enrollments: pd.DataFrame
    companies: CompanyPool
    mentors: MentorPool


def active_in(frame: pd.DataFrame, year: int) -> np.ndarray:
    """Enrollments running at some time in ``year`` (started by its end, not ended before)."""
    first, last = year_bounds(year)
    ended = frame["ended"].to_numpy()
    return (frame["started"].to_numpy() <= last) & ((ended == NO_DATE) | (ended >= first))


def generate_paid_side(
    plan: Plan, rules: CategoryRules, picker: MemberPicker, seed: int
) -> PaidSide:
    """Every enrollment from the first warm-up year to the last report year."""
    companies, mentors = CompanyPool(), MentorPool()
    frame = pd.DataFrame()
    for y in plan.paid_years:
        if not frame.empty:
            frame = close_expected_year(frame, y - 1, plan, rules, seed)
        carry = frame[active_in(frame, y)] if not frame.empty else frame
        new = draw_year(plan, rules, y, carry, companies, mentors, picker, seed)
        frame = pd.concat([frame, new], ignore_index=True)
    frame = close_expected_year(frame, plan.paid_years[-1], plan, rules, seed)
    frame = close_open_enrollments(frame, plan, seed)
    mentors.add_instructors(max(10, int(round(120 * plan.scale))), stream(seed, _S_PARTNERS, 0))
    return PaidSide(frame, companies, mentors)


# -- one starting year -------------------------------------------------------------------


def draw_year(
    plan: Plan,
    rules: CategoryRules,
    year: int,
    carry: pd.DataFrame,
    companies: CompanyPool,
    mentors: MentorPool,
    picker: MemberPicker,
    seed: int,
) -> pd.DataFrame:
    """The students who start a path in ``year``."""
    t = plan.year(year)
    n = plan.students_started(year)
    cell = draw_category_cells(plan, year, n, stream(seed, _S_FLAGS, year))
    flags = cell_flags()[cell]
    country = draw_countries(plan, rules, year, flags, carry, stream(seed, _S_COUNTRY, year))
    answers = draw_answers(
        flags, country, year, rules, plan.answers(), t["unknown_share"],
        stream(seed, _S_ANSWERS, year),
    )  # fmt: skip
    apprentices = count_new_apprentices(plan, year, n, carry)
    funding = draw_funding(plan, year, flags, country, apprentices, stream(seed, _S_FUNDING, year))
    frame = draw_paths(plan, year, country, funding, stream(seed, _S_PATH, year))
    frame["country"] = country
    frame["funding"] = funding
    frame["gender"] = draw_gender(
        plan, year, flags, frame["domain"].to_numpy(), stream(seed, _S_GENDER, year)
    )
    frame = pd.concat([frame, answers], axis=1)

    rng = stream(seed, _S_MEMBERS, year)
    frame["decided"] = frame["started"] - rng.integers(5, 46, n)
    frame["submitted"] = frame["decided"] - rng.integers(2, 22, n)
    frame["app_started"] = frame["submitted"] - rng.integers(0, 31, n)
    frame["member"] = picker.pick(frame["app_started"].to_numpy() - 1)

    rng = stream(seed, _S_PARTNERS, year)
    frame["employer"] = assign_employers(plan, year, frame, carry, companies, rng)
    frame["mentor"] = assign_mentors(plan, year, frame, carry, mentors, rng)
    frame["funder"] = draw_funders(frame, stream(seed, _S_FUNDER, year))
    return frame


def draw_paths(
    plan: Plan, year: int, country: np.ndarray, funding: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Path, dates and early drop-outs of the students who start in ``year``."""
    n = len(country)
    language = geography.path_language(country, rng.random(n))
    is_apprentice = funding == "apprenticeship"
    path = choose_paths(
        language, is_apprentice, plan.year(year)["tech_share"], rng.random(n), rng.random(n)
    )
    months = np.array([PATHS[p].months for p in path])
    # Apprenticeship contracts last at least a year, often longer than the path itself.
    months = np.where(is_apprentice, np.maximum(months, 12), months)
    months = np.where(is_apprentice & (rng.random(n) < 0.3), np.minimum(months + 6, 18), months)
    started = seasonal_days(year, plan.season("path_starts"), rng.random(n))
    early = rng.random(n) < EARLY_DROPOUT_SHARE
    return pd.DataFrame(
        {
            "start_year": year,
            "started": started,
            "months": months,
            "expected_end": add_months(started, months),
            "path": path,
            "domain": np.array([PATHS[p].domain for p in path]),
            "early": early,
            "status": np.where(early, "dropped_out", ""),
            "ended": np.where(early, started + rng.integers(12, 80, n), NO_DATE),
        }
    )


def assign_employers(
    plan: Plan,
    year: int,
    new: pd.DataFrame,
    carry: pd.DataFrame,
    companies: CompanyPool,
    rng: np.random.Generator,
) -> np.ndarray:
    """Company of each new apprentice or employer-funded student (-1 for the others)."""
    employer = np.full(len(new), -1, dtype=np.int64)
    country = new["country"].to_numpy()
    funding = new["funding"].to_numpy()
    is_apprentice = funding == "apprenticeship"
    continuing = carry[carry["funding"] == "apprenticeship"] if len(carry) else carry
    goal = company_target(plan, year, len(continuing) + int(is_apprentice.sum()))
    employer[is_apprentice] = companies.assign_apprentices(
        country[is_apprentice],
        continuing["employer"].to_numpy() if len(continuing) else np.array([], np.int64),
        goal,
        rng,
    )
    employed = funding == "employer"
    employer[employed] = companies.assign_employees(country[employed], rng)
    return employer


def assign_mentors(
    plan: Plan,
    year: int,
    new: pd.DataFrame,
    carry: pd.DataFrame,
    mentors: MentorPool,
    rng: np.random.Generator,
) -> np.ndarray:
    """Mentor of each new student (-1 for those who leave before meeting one)."""
    started, ended = new["started"].to_numpy(), new["ended"].to_numpy()
    # Students who leave within three weeks never meet a mentor.
    mentored = ~(new["early"].to_numpy() & (ended - started < 21))
    disabled = new["disability"].to_numpy() == "yes"
    wants_trained = disabled & (
        rng.random(len(new)) < plan.year(year)["disability_mentor_coverage"]
    )
    mentor = np.full(len(new), -1, dtype=np.int64)
    mentor[mentored] = mentors.assign(
        new["domain"].to_numpy()[mentored],
        wants_trained[mentored],
        carry if len(carry) else pd.DataFrame({"domain": [], "mentor": []}),
        mentor_target(plan, year, len(carry) + len(new)),
        trained_share=mentor_training_share(year),
        rng=rng,
    )
    return mentor


def mentor_training_share(year: int) -> float:
    """Share of new mentors trained in disability: rare at first, growing every year."""
    return float(np.clip(0.05 + 0.06 * (year - 2019), 0.04, 0.35))


def draw_category_cells(plan: Plan, year: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Category cell of each student, meeting the year's category counts exactly."""
    wanted = plan.segment_counts(year)
    share = np.array([wanted[c] / max(n, 1) for c in CATEGORIES]).clip(1e-6, 1 - 1e-6)
    flags = cell_flags()
    prior = np.prod(np.where(flags, share, 1 - share), axis=1)
    for (i, j), odds in _PAIR_ODDS.items():
        prior *= np.where(flags[:, i] & flags[:, j], odds, 1.0)
    membership = segment_membership()
    targets = np.full(len(membership), np.nan)
    targets[SEGMENTS.index("non_underserved")] = n * (1 - plan.year(year)["underserved_share"])
    targets[[SEGMENTS.index(c) for c in CATEGORIES]] = [wanted[c] for c in CATEGORIES]
    weights = allocation.rake_composition(prior, membership, targets, n)
    tolerance = np.maximum(0.002 * np.nan_to_num(targets), 0.5)
    counts = allocation.integer_composition(weights, n, membership, targets, tolerance)
    return rng.permutation(np.repeat(np.arange(N_CELLS), counts))


def draw_countries(
    plan: Plan,
    rules: CategoryRules,
    year: int,
    flags: np.ndarray,
    carry: pd.DataFrame,
    rng: np.random.Generator,
) -> np.ndarray:
    """Country of residence of each student.

    Residents of a priority area live where the year's rules define such areas; job
    seekers, mostly funded by French public schemes, live in France more often. The
    number of countries with a student active in the year is then set to its target by
    moving a few students between France and rarer countries.
    """
    n = len(flags)
    france = plan.year(year)["france_share"]
    country = np.empty(n, dtype=object)
    prio = flags[:, PRIO]
    home = priority_countries(rules, year)
    home_w = np.array([{"FR": 0.9, "GB": 0.06, "US": 0.04}[c] for c in home])
    country[prio] = np.asarray(home, dtype=object)[pick_by_weight(rng.random(prio.sum()), home_w)]
    for seeker, share in ((True, min(france + 0.08, 0.97)), (False, max(france - 0.1, 0.5))):
        rows = np.flatnonzero(~prio & (flags[:, JOB] == seeker))
        mix = geography.rescale_france(geography.STUDENT_WEIGHTS, share)
        codes = np.array(list(mix), dtype=object)
        country[rows] = codes[pick_by_weight(rng.random(len(rows)), list(mix.values()))]

    carried = set(carry["country"]) if len(carry) else set()
    target = country_target(plan, year, len(carry) + n)
    present = carried | set(country)
    if len(present) < target:
        order = sorted(
            geography.FREE_MEMBER_WEIGHTS, key=lambda c: -geography.FREE_MEMBER_WEIGHTS[c]
        )
        fresh = [c for c in [*order, *geography.long_tail()] if c not in present]
        movable = np.flatnonzero(~prio & (country == "FR") & ~flags[:, JOB])
        k = min(target - len(present), len(movable), len(fresh))
        country[rng.choice(movable, size=k, replace=False)] = fresh[:k]
    elif len(present) > target:
        protected = carried | {"FR", "GB", "US"}
        own = pd.Series(country[~np.isin(country, sorted(protected))]).value_counts()
        own = own.sort_index().sort_values(kind="stable")
        drop = list(own.index[: len(present) - target])
        country[np.isin(country, drop)] = "FR"
    return country.astype(str)


def count_new_apprentices(plan: Plan, year: int, n: int, carry: pd.DataFrame) -> int:
    """Apprentices who start in ``year``: the active target less those continuing."""
    goal = plan.apprentices_active(year)
    if goal is None:
        return int(round(plan.year(year)["apprenticeship_share"] * n))
    continuing = int((carry["funding"] == "apprenticeship").sum()) if len(carry) else 0
    return int(np.clip(goal - continuing, 0, n))


def draw_funding(
    plan: Plan,
    year: int,
    flags: np.ndarray,
    country: np.ndarray,
    apprentices: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Funding type of each student: shares by category and the year's apprentices."""
    group = np.where(np.isin(country, COUNTRY_GROUPS[:3]), country, "other")
    group_index = np.searchsorted(np.array(COUNTRY_GROUPS), group)
    cat_cell = allocation.cells_of(flags)
    cell = cat_cell * len(COUNTRY_GROUPS) + group_index
    n_cells = N_CELLS * len(COUNTRY_GROUPS)
    sizes = np.bincount(cell, minlength=n_cells)
    cflags = np.repeat(cell_flags(), len(COUNTRY_GROUPS), axis=0)
    cgroup = np.tile(np.array(COUNTRY_GROUPS), N_CELLS)

    prior = np.array([_FUNDING_PRIOR[g] for g in cgroup], dtype=float) + 1e-4
    for c, tilt in _FUNDING_TILT.items():
        prior[cflags[:, c]] *= np.array(tilt) + 1e-3
    allowed = np.ones_like(prior, dtype=bool)
    allowed[cgroup == "other", FUNDING_TYPES.index("apprenticeship")] = False
    allowed[cflags[:, JOB], FUNDING_TYPES.index("employer")] = False
    prior = np.where(allowed, prior, 0.0)

    segments = ["all", *CATEGORIES]
    membership = np.vstack(
        [np.ones(n_cells, bool), *[cflags[:, c] for c in range(len(CATEGORIES))]]
    )
    shares = plan.funding_targets(year)
    targets = np.full((len(segments), len(FUNDING_TYPES)), np.nan)
    for k, seg in enumerate(segments):
        for f, ftype in enumerate(FUNDING_TYPES):
            if ftype in shares.get(seg, {}):
                targets[k, f] = shares[seg][ftype]
    seg_sizes = membership @ sizes
    counts_target = targets * seg_sizes[:, None]
    counts_target[0, FUNDING_TYPES.index("apprenticeship")] = apprentices
    share_target = counts_target / np.maximum(seg_sizes[:, None], 1)
    fitted = allocation.rake_shares(sizes, membership, share_target, prior)
    tolerance = np.maximum(0.003 * seg_sizes[:, None], 0.5) * np.ones_like(targets)
    tolerance[0, FUNDING_TYPES.index("apprenticeship")] = 0.2
    counts = allocation.integer_rows(
        sizes, fitted * sizes[:, None], membership, counts_target, tolerance, allowed
    )
    chosen = allocation.split_by_counts(rng, cell, counts, n_cells)
    return np.asarray(FUNDING_TYPES)[chosen]


def draw_gender(
    plan: Plan, year: int, flags: np.ndarray, domain: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Gender of each student: the year's share of women, overall and by category."""
    tech = (domain == "tech").astype(np.int64)
    cat_cell = allocation.cells_of(flags)
    cell = cat_cell * 2 + tech
    n_cells = N_CELLS * 2
    sizes = np.bincount(cell, minlength=n_cells)
    cflags = np.repeat(cell_flags(), 2, axis=0)
    ctech = np.tile([False, True], N_CELLS)
    women = plan.year(year)["women_share"]
    segments = ["all", *CATEGORIES]
    membership = np.vstack(
        [np.ones(n_cells, bool), *[cflags[:, c] for c in range(len(CATEGORIES))]]
    )
    targets = np.array([women.get(s, np.nan) for s in segments])
    prior = np.where(ctech, _FEMALE_PRIOR["tech"], _FEMALE_PRIOR["non_tech"])
    rates = allocation.rake_rates(sizes, membership, targets, prior)
    seg_sizes = membership @ sizes
    chosen = allocation.integer_selection(
        sizes, rates * sizes, membership, targets * seg_sizes,
        allocation.tolerance_for_rates(seg_sizes, 0.002),
    )  # fmt: skip
    female = allocation.split_by_counts(rng, cell, chosen, n_cells)
    other = np.asarray(GENDERS_NOT_FEMALE)[
        pick_by_weight(rng.random(len(cell)), (0.97, 0.01, 0.02))
    ]
    return np.where(female, "female", other)


def company_target(plan: Plan, year: int, apprentices_active: int) -> int:
    t = plan.year(year)
    if "companies_with_apprentice" in t:
        return plan.count(year, "companies_with_apprentice")
    return int(round(t["companies_per_apprentice"] * apprentices_active))


def mentor_target(plan: Plan, year: int, enrollments_active: int) -> int:
    t = plan.year(year)
    if "mentors_active" in t:
        return plan.count(year, "mentors_active")
    return max(1, int(round(t["mentors_per_student"] * enrollments_active)))


def country_target(plan: Plan, year: int, enrollments_active: int) -> int:
    # Below scale 1 a country count cannot stay fixed while students become few.
    return int(min(plan.year(year)["countries_with_students"], max(3, enrollments_active // 4)))


_PUBLIC_FR_SEEKERS = {"pole_emploi": 55, "region_idf": 15, "region_hdf": 6, "region_aura": 6,
                      "region_paca": 5, "region_occitanie": 5, "region_grand_est": 4, "departement": 4}  # fmt: skip
_PUBLIC_FR_OTHERS = {"transitions_pro": 60, "region_idf": 15, "region_aura": 10, "departement": 15}
_OPCO = {"opco_atlas": 40, "opco_commerce": 12, "opco_akto": 12, "opco_ep": 10, "opco_2i": 10,
         "opco_mobilites": 6, "opco_sante": 5, "opco_afdas": 5}  # fmt: skip


def draw_funders(frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Free-text code of who pays, consistent with funding type, country and situation."""
    n = len(frame)
    out = np.full(n, None, dtype=object)
    f = frame["funding"].to_numpy()
    c = frame["country"].to_numpy()
    seeker = frame["employment_status"].to_numpy() == "job_seeker"

    def put(rows: np.ndarray, options: dict[str, float]) -> None:
        keys = np.array(list(options), dtype=object)
        out[rows] = keys[pick_by_weight(rng.random(len(rows)), list(options.values()))]

    put(np.flatnonzero((f == "individual") & (c == "FR") & (rng.random(n) < 0.45)), {"cpf": 1})
    put(np.flatnonzero((f == "public") & (c == "FR") & seeker), _PUBLIC_FR_SEEKERS)
    put(np.flatnonzero((f == "public") & (c == "FR") & ~seeker), _PUBLIC_FR_OTHERS)
    put(np.flatnonzero((f == "public") & (c == "GB")), {"uk_skills_bootcamps": 1})
    put(np.flatnonzero((f == "public") & (c == "US")), {"us_wioa": 1})
    put(
        np.flatnonzero((f == "public") & ~np.isin(c, ["FR", "GB", "US"])),
        {"national_employment_agency": 1},
    )
    put(np.flatnonzero((f == "apprenticeship") & (c == "FR")), _OPCO)
    put(np.flatnonzero((f == "apprenticeship") & (c == "GB")), {"uk_apprenticeship_levy": 1})
    put(np.flatnonzero((f == "apprenticeship") & (c == "US")), {"us_registered_apprenticeship": 1})
    put(np.flatnonzero((f == "employer") & (rng.random(n) < 0.5)), {"employer_training_plan": 1})
    other = f == "other"
    put(np.flatnonzero(other & (frame["disability"].to_numpy() == "yes")), {"agefiph": 1})
    put(np.flatnonzero(other & (frame["migration_status"].to_numpy() != "none")
                       & (frame["migration_status"].to_numpy() != "unknown")
                       & (frame["disability"].to_numpy() != "yes")), {"refugee_programme": 1})  # fmt: skip
    rest = np.flatnonzero(other & pd.isna(out))
    put(rest, {"foundation_grant": 5, "scholarship": 3, "local_authority_aid": 2})
    return out


# -- closing paths ----------------------------------------------------------------------


def close_expected_year(
    frame: pd.DataFrame, year: int, plan: Plan, rules: CategoryRules, seed: int
) -> pd.DataFrame:
    """Decide how the paths expected to end in ``year`` end: on time, late, or not at all.

    The on-time graduates are chosen so that each category's graduation rate of the
    year is met (its denominator includes the early drop-outs, decided at the start).
    """
    exp_year = year_of(frame["expected_end"].to_numpy())
    todo = np.flatnonzero((exp_year == year) & (frame["status"].to_numpy() == ""))
    cohort = np.flatnonzero(exp_year == year)
    if len(cohort) == 0:
        return frame
    rng = stream(seed, _S_CLOSE, year)
    flags = rules.flags(frame.iloc[cohort], year)
    cell = allocation.cells_of(flags)
    open_ = np.isin(cohort, todo)
    sizes = np.bincount(cell, minlength=N_CELLS)
    capacity = np.bincount(cell[open_], minlength=N_CELLS)
    membership = segment_membership()
    wanted = graduation_targets(plan, year)
    targets = np.array([wanted.get(s, np.nan) for s in SEGMENTS])
    rates = allocation.rake_rates(
        sizes, membership, targets, np.full(N_CELLS, 0.45), cap=capacity / np.maximum(sizes, 1)
    )
    seg_sizes = membership @ sizes
    chosen = allocation.integer_selection(
        capacity, rates * sizes, membership, targets * seg_sizes,
        allocation.tolerance_for_rates(seg_sizes, 0.002),
    )  # fmt: skip
    graduate = np.zeros(len(cohort), dtype=bool)
    graduate[open_] = allocation.split_by_counts(rng, cell[open_], chosen, N_CELLS)

    frame = frame.copy()
    start = frame["started"].to_numpy()[cohort]
    end = frame["expected_end"].to_numpy()[cohort]
    first, last = year_bounds(year)
    extraction = _extraction_day(plan)
    status = frame["status"].to_numpy()[cohort].astype(object)
    ended = frame["ended"].to_numpy()[cohort].copy()

    on_time = graduate
    # The jury sits shortly before the planned end, but within the year it was planned for.
    earliest = np.maximum(start + 28, first)
    ended[on_time] = np.clip(end[on_time] - rng.integers(0, 41, on_time.sum()),
                             earliest[on_time], min(last, extraction))  # fmt: skip
    status[on_time] = "graduated"

    rest = open_ & ~graduate
    late_possible = rest & (end >= last - 91)
    late = late_possible & (rng.random(len(cohort)) < 0.4)
    late_day = last + rng.integers(10, 121, len(cohort))
    still = late & (late_day > extraction)
    done_late = late & ~still
    ended[done_late] = late_day[done_late]
    status[done_late] = "graduated"
    status[still] = "active"
    ended[still] = NO_DATE

    dropped = rest & ~late
    # A drop-out of this cohort is known to have run until the year began (see module doc).
    lo = np.maximum(start, first)
    span = np.maximum(np.minimum(end, extraction) - lo, 0)
    ended[dropped] = lo[dropped] + np.floor(rng.random(dropped.sum()) * (span[dropped] + 1)).astype(
        np.int64
    )
    status[dropped] = "dropped_out"

    frame.loc[frame.index[cohort], "status"] = status
    frame.loc[frame.index[cohort], "ended"] = ended
    return frame


def close_open_enrollments(frame: pd.DataFrame, plan: Plan, seed: int) -> pd.DataFrame:
    """Paths expected to end after the report years, as the extraction date sees them."""
    todo = np.flatnonzero(frame["status"].to_numpy() == "")
    if len(todo) == 0:
        return frame
    rng = stream(seed, _S_CLOSE, 0)
    extraction = _extraction_day(plan)
    after = year_bounds(plan.years[-1])[1] + 1
    start = frame["started"].to_numpy()[todo]
    end = frame["expected_end"].to_numpy()[todo]
    u = rng.random(len(todo))
    due = end <= extraction
    graduate = due & (u < 0.45)
    dropped = (due & (u >= 0.45) & (u < 0.75)) | (~due & (u < 0.15))
    lo = np.maximum(start, after)
    ended = np.full(len(todo), NO_DATE, dtype=np.int64)
    ended[graduate] = np.clip(
        end[graduate] - rng.integers(0, 31, graduate.sum()), lo[graduate], extraction
    )
    span = np.maximum(np.minimum(end, extraction) - lo, 0)
    ended[dropped] = lo[dropped] + np.floor(rng.random(dropped.sum()) * (span[dropped] + 1)).astype(
        np.int64
    )
    status = np.where(graduate, "graduated", np.where(dropped, "dropped_out", "active"))
    frame = frame.copy()
    frame.loc[frame.index[todo], "status"] = status
    frame.loc[frame.index[todo], "ended"] = ended
    return frame


def graduation_targets(plan: Plan, year: int) -> dict[str, float]:
    return plan.rates(year, "graduation_rate") or {"all": 0.45}


def _extraction_day(plan: Plan) -> int:
    return day_number(plan.extraction_date)


def add_months(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Day numbers ``months`` calendar months later (the day of month kept when it exists)."""
    d = np.asarray(days, dtype="datetime64[D]")
    month_start = d.astype("datetime64[M]")
    day_in_month = (d - month_start.astype("datetime64[D]")).astype(np.int64)
    target = month_start + np.asarray(months).astype("timedelta64[M]")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    out = target.astype("datetime64[D]") + np.minimum(day_in_month, length - 1)
    return out.astype(np.int64)

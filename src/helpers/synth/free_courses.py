"""Free courses started by members, and the platform's monthly traffic by country.

The members who start a free course in a year are chosen cohort by cohort (new
accounts first, then older ones, fewer the older they are) by an affine permutation of
each cohort's indices, so the choice is exact in number and can be tested member by
member. Their number is set so that the year's users (free learners and students
together) is the target; the course starts are then written chunk by chunk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from helpers.intake import contract
from helpers.synth import geography
from helpers.synth.catalogue import course_ids, course_popularity
from helpers.synth.draws import AffineSample, largest_remainder, pick_by_weight, stream
from helpers.synth.ids import format_ids
from helpers.synth.people import MemberSpace, day_number, seasonal_days, year_bounds

OLDER_COHORT_DECAY = 0.55
NEW_MEMBER_CEILING = 0.9  # a share of new accounts never starts a course
CHUNK_MEMBERS = 1_000_000

_S_USERS, _S_COURSES, _S_TRAFFIC = range(400, 403)


@dataclass(frozen=True)
class CourseUsers:
    """The members who start at least one free course in a year, one sample per cohort."""

    year: int
    samples: dict[int, AffineSample]

    @property
    def count(self) -> int:
        return sum(s.k for s in self.samples.values())

    def contains(self, space: MemberSpace, index: np.ndarray) -> np.ndarray:
        index = np.asarray(index, dtype=np.int64)
        out = np.zeros(len(index), dtype=bool)
        for cohort, sample in self.samples.items():
            lo, hi = space.cohort_range(cohort)
            rows = (index >= lo) & (index < hi)
            out[rows] = sample.contains(index[rows] - lo)
        return out


def choose_course_users(
    plan_users: int,
    new_share: float,
    year: int,
    space: MemberSpace,
    students_active: np.ndarray,
    seed: int,
) -> CourseUsers:
    """Course learners of ``year`` such that learners plus other students make ``plan_users``.

    ``students_active`` are the member indices with an enrollment active in the year.
    """
    rng = stream(seed, _S_USERS, year)
    cohorts = [c for c in space.cohorts if c <= year]
    sizes = np.array([space.cohorts[c] for c in cohorts], dtype=float)
    age = year - np.array(cohorts)
    older = sizes * OLDER_COHORT_DECAY ** np.maximum(age - 1, 0) * (age > 0)
    weights = np.where(age == 0, 0.0, older / max(older.sum(), 1e-9) * (1 - new_share))
    weights[age == 0] = new_share
    base = {c: AffineSample.draw(space.cohorts[c], 0, rng) for c in cohorts}

    def sized(total: int) -> CourseUsers:
        counts = largest_remainder(total, weights)
        limit = [
            int(space.cohorts[c] * (NEW_MEMBER_CEILING if c == year else 1.0)) for c in cohorts
        ]
        return CourseUsers(
            year,
            {
                c: base[c].with_size(min(int(k), lim))
                for c, k, lim in zip(cohorts, counts, limit, strict=True)
            },
        )

    # users = learners + students who started no course: solve for the learners.
    learners = max(plan_users - len(students_active), 0)
    for _ in range(6):
        users = sized(learners)
        outside = int((~users.contains(space, students_active)).sum())
        step = plan_users - (users.count + outside)
        if step == 0:
            break
        learners = max(learners + step, 0)
    return sized(learners)


def course_chunks(
    users: CourseUsers,
    courses: int,
    certificate_rate: float,
    space: MemberSpace,
    plan_season: np.ndarray,
    extraction_day: int,
    first_number: int,
    width: int,
    seed: int,
) -> Iterator[pa.Table]:
    """The year's course starts as Arrow tables, one per chunk of members."""
    year = users.year
    first, last = year_bounds(year)
    extra_total = max(courses - users.count, 0)
    extra_by_cohort = largest_remainder(extra_total, [s.k for s in users.samples.values()])
    ids = pa.array(course_ids(), type=pa.string())
    popularity = course_popularity()
    number = first_number
    for (cohort, sample), extra in zip(users.samples.items(), extra_by_cohort, strict=True):
        lo, hi = space.cohort_range(cohort)
        starts = list(range(lo, hi, CHUNK_MEMBERS))
        # Extra courses go to chunks in proportion to their learners.
        counts = [int(sample.contains(_members(s, hi) - lo).sum()) for s in starts]
        extra_by_chunk = largest_remainder(int(extra), counts)
        for chunk, (start, chunk_extra) in enumerate(zip(starts, extra_by_chunk, strict=True)):
            rng = stream(seed, _S_COURSES, year, cohort, chunk)
            index = _members(start, hi)
            learners = index[sample.contains(index - lo)]
            if len(learners) == 0:
                continue
            # Everyone starts one course; keen learners start many more.
            keen = np.floor(len(learners) * rng.random(int(chunk_extra)) ** 2.5).astype(np.int64)
            per_learner = 1 + np.bincount(keen, minlength=len(learners))
            member = np.repeat(learners, per_learner)
            if cohort == year:
                registered = np.repeat(space.registered_at(learners), per_learner)
                wait = np.floor((last - registered + 1) * rng.random(len(member)) ** 3).astype(
                    np.int64
                )
                started = registered + wait
            else:
                started = seasonal_days(year, plan_season, rng.random(len(member)))
            course = pick_by_weight(rng.random(len(member)), popularity)
            certified = rng.random(len(member)) < certificate_rate
            certificate = started + 1 + rng.gamma(2.0, 9.0, len(member)).astype(np.int64)
            certified &= certificate <= extraction_day
            # Chronological order; members stay in index order within a day.
            order = np.argsort(started, kind="stable")
            n = len(member)
            yield pa.table(
                {
                    "course_enrollment_id": format_ids("CE", np.arange(number, number + n), width),
                    "member_id": space.ids(member[order]),
                    "course_id": ids.take(pa.array(course[order])),
                    "started_at": pa.array(started[order].astype(np.int32), type=pa.date32()),
                    "certificate_at": pa.array(
                        certificate[order].astype(np.int32),
                        type=pa.date32(),
                        mask=~certified[order],
                    ),
                }
            )
            number += n


def _members(start: int, end: int) -> np.ndarray:
    """Member indices of the chunk that begins at ``start`` (``end`` closes the cohort)."""
    return np.arange(start, min(start + CHUNK_MEMBERS, end), dtype=np.int64)


def monthly_traffic(
    year: int,
    active_avg: int,
    visitors_avg: int,
    countries_active: int,
    season: np.ndarray,
    seed: int,
) -> pd.DataFrame:
    """Visitors and active members per month and country for one year.

    Exactly ``countries_active`` countries have active members in at least one month;
    monthly totals follow the season and average to the targets.
    """
    rng = stream(seed, _S_TRAFFIC, year)
    mix = geography.free_member_mix()
    codes = np.array(list(mix))
    weights = np.array(list(mix.values()))
    k = min(countries_active, len(codes))
    active_w = weights[:k]
    months = np.arange(12)
    monthly_active = largest_remainder(12 * active_avg, season)
    monthly_visitors = largest_remainder(12 * visitors_avg, season)
    unknown_share = 0.004
    rows = []
    for m in months:
        noisy = active_w * np.exp(rng.normal(0, 0.15, k))
        known = monthly_active[m] - int(round(monthly_active[m] * unknown_share))
        active = largest_remainder(known, noisy)
        rows.append((m, active))
    active = np.vstack([r[1] for r in rows])  # months x countries
    # Every country of the active list has someone learning in at least one month.
    missing = np.flatnonzero(active.sum(axis=0) == 0)
    for c in missing:
        m = int(rng.integers(12))
        active[m, c] += 1
        active[m, 0] -= 1
    unknown_active = monthly_active - active.sum(axis=1)

    # Visitors: members who learn, plus anonymous readers from everywhere inhabited.
    all_codes = np.concatenate([codes, [contract.UNKNOWN_COUNTRY]])
    anon_w = np.concatenate([weights, [weights.sum() * 0.01]])
    table = []
    for m in months:
        act = np.concatenate([active[m], np.zeros(len(codes) - k, np.int64), [unknown_active[m]]])
        anonymous = largest_remainder(
            monthly_visitors[m] - int(act.sum()), anon_w * np.exp(rng.normal(0, 0.1, len(anon_w)))
        )
        first_day = day_number(dt.date(year, int(m) + 1, 1))
        table.append(
            pd.DataFrame(
                {
                    "month": first_day,
                    "country": all_codes,
                    "visitors": act + anonymous,
                    "active_members": act,
                }
            )
        )
    out = pd.concat(table, ignore_index=True)
    return out[out["visitors"] > 0].reset_index(drop=True)

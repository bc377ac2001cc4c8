"""The intruder's check: no withheld figure, and no small count of people, can be worked
out from the figures a report publishes.

Secondary suppression within one breakdown (``helpers.figures.stats``) protects a
withheld figure from its own margin. Figures of different metrics share people too: the
respondents not in work at application are ``employed_after_share``'s denominator minus
``employed_before_share``'s numerator, the respondents whose status is unknown a
difference of two denominators. The check finds such links by writing every published
count as a sum of cells, then solving for each withheld or small count the smallest and
largest value consistent with everything published.

The populations it knows are described in ``helpers.figures.audit_populations``: a
``Universe`` gives its people with the attributes its figures read. A person's *type* is
the segments they are in and their attributes; a cell is the number of people of one
type. Every figure of the KPI file whose metric the universe describes gives linear
equations on the cells (its numerator and its denominator, for every segment), whatever
the metric: a figure added to a universe's section is covered as soon as its people are
described, and a count of people in a segment that no description covers is checked as a
small cell of the projections (status, response...). The populations of a year are
audited with that year's figures (``audit_year``); the graduates of a year with every
year that publishes them, their careers years later included (``_FollowedAudit``):
``audit`` runs both over the years of a report.

The cells are every combination of answers for each combination of groups present,
empty ones included: a reader cannot know which are empty. The figures to protect are
those withheld before the check (their small counts, and their value when numerator and
denominator are both pinned) and every small count; the figures the check withholds
protect them and hold no small count of their own. For each target (the counts of a
withheld figure; every count of people of a segment and one combination of attributes
that is small) the range is found by linear programming (HiGHS, ``_Program``); where the
rational range is just wide enough, integer feasibility decides
(``scipy.optimize.milp``). A target is *exposed* when its range is narrower than
MIN_CELL. While targets are exposed, the published figures that free them for least are
withheld too (``_protectors``), and the check runs again.
"""

from __future__ import annotations

import math
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import duckdb
import highspy
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from threadpoolctl import threadpool_limits

from helpers.figures import stats
from helpers.figures.audit_memory import audit_key, recall_audit, remember_audit
from helpers.figures.audit_populations import (
    UNIVERSES,
    Universe,
    in_year,
    plain_segment,
    segment_name,
)
from helpers.figures.metrics.common import COMPLEMENTARY_SEGMENTS
from helpers.intake.dataset import Dataset

# How many figures the check may withhold in one year before it stops (a safeguard:
# each withheld figure removes equations, so the loop always ends well before).
MAX_ROUNDS = 60


@dataclass(frozen=True)
class Target:
    """A count the intruder must not pin down: a label and the cells it sums."""

    label: str
    cells: np.ndarray  # boolean over the types
    true: int
    figure: tuple[str, str] | None = None  # (metric, segment) of a withheld figure


@dataclass
class Finding:
    """A target whose range, given everything published, is narrower than MIN_CELL."""

    label: str
    true: int
    low: float
    high: float
    # The published counts (indices of the equations) the narrow range rests on.
    used: tuple[int, ...] = ()


# What an audit found: exposed before and after it withheld more, the figures it
# withheld (year, metric, segment) and its number of targets.
Found = tuple[list[Finding], list[Finding], list[tuple[int, str, str]], int]


@dataclass
class AuditResult:
    """What the check found in one year's populations, or in the graduates of one year
    followed over the years after (``followed``): before and after it withheld more."""

    year: int
    exposed_before: list[Finding]
    exposed_after: list[Finding]
    # The figures withheld to protect others: year, metric, segment.
    withheld: list[tuple[int, str, str]]
    targets: int
    seconds: float
    # Read from the cache (``helpers.figures.audit_memory``), not audited again.
    remembered: bool = False
    followed: bool = False


# --- the check ---------------------------------------------------------------------------


def _type_keys(universe: Universe, people: pd.DataFrame) -> list[str]:
    return [
        "segments",
        *(a for a in universe.attributes if a in people),
        *(c for c in people if c.startswith("series:")),
    ]


def _place_in_series(
    universe: Universe, people: pd.DataFrame, series: pd.DataFrame | None
) -> pd.DataFrame:
    """Each person's period in every series of the universe that is published (a bin of
    the salary change): an attribute of its own, so that a type lies in one period."""
    if series is None or series.empty:
        return people
    out = people.copy()
    for name, spell in universe.series.items():
        periods = series.loc[series["series"] == name, "period"].drop_duplicates()
        if periods.empty:
            continue
        label = pd.Series("", index=out.index, dtype=object)
        for period in periods:
            label = label.mask(spell(out, str(period)) & label.eq(""), str(period))
        out[f"series:{name}"] = label
    return out


def _types(universe: Universe, people: pd.DataFrame) -> pd.DataFrame:
    """The types (segments, attributes, periods) and how many people each holds.

    Every combination of segments present is crossed with every combination of
    attributes the universe deems possible, empty ones included (count 0). The
    attributes a universe holds apart (``Universe.apart``) make types of their own, a
    ``part`` column telling them from the others: every person is counted once in each
    part, and ``_links`` ties the two counts of each combination of segments.
    """
    keys = _type_keys(universe, people)
    apart = [a for a in universe.apart if a in people]
    if not apart:
        return _part_types(people, keys, universe.possible)
    main = _part_types(people, [k for k in keys if k not in apart], universe.possible)
    side = _part_types(people, ["segments", *apart], universe.possible_apart)
    return pd.concat([main.assign(part=False), side.assign(part=True)], ignore_index=True)


def _part_types(
    people: pd.DataFrame,
    keys: list[str],
    possible: Callable[[pd.DataFrame], pd.DataFrame] | None,
) -> pd.DataFrame:
    counted = people if "n" in people else people.assign(n=1)
    present = counted.groupby(keys, sort=True, dropna=False)["n"].sum().reset_index()
    if possible is None:
        return present
    combos = possible(people)
    sets = pd.DataFrame({"segments": present["segments"].drop_duplicates()})
    every = sets.merge(combos, how="cross")
    out = every.merge(present, on=keys, how="outer")
    out["n"] = out["n"].fillna(0).astype(int)
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def _in_part(types: pd.DataFrame, apart: bool) -> np.ndarray:
    """The types of the part held apart (``apart``), or of the others."""
    if "part" not in types:
        return np.full(len(types), not apart)
    return types["part"].to_numpy(dtype=bool) == apart


def _links(types: pd.DataFrame) -> tuple[list[np.ndarray], list[float]]:
    """For a universe with a part held apart: each combination of segments holds as
    many people in one part as in the other (the part's types counted +1, the other's
    -1, summing to 0)."""
    if "part" not in types:
        return [], []
    apart = types["part"].to_numpy(dtype=bool)
    rows = []
    for segments in types["segments"].drop_duplicates():
        inside = (types["segments"] == segments).to_numpy()
        rows.append(np.where(inside & ~apart, 1.0, 0.0) - np.where(inside & apart, 1.0, 0.0))
    return rows, [0.0] * len(rows)


def _in_segment(types: pd.DataFrame, segment: str) -> np.ndarray:
    return np.array([segment in s for s in types["segments"]], dtype=bool)


def _figure_cells(
    universe: Universe, people: pd.DataFrame, types: pd.DataFrame, kpis: pd.DataFrame
) -> dict[tuple[str, str], list[tuple[str, np.ndarray]]]:
    """The cells behind each figure of ``kpis`` the universe describes: its denominator,
    and for a rate or share its numerator and complement, as masks over the types.

    The masks read the attributes (and the segments) alone, so they apply to the types
    themselves, empty ones included: a combination nobody has is counted where it would
    be. A figure's numerator is always its segment's; its denominator too, unless it is
    the whole universe's (a segment's share of all students).
    """

    def over_types(mask: pd.Series) -> np.ndarray:
        return np.asarray(mask, dtype=bool)

    present = {s for t in types["segments"] for s in t}
    described = [m for m in dict.fromkeys(kpis["metric"]) if m in universe.figures]
    # A figure counts the types of its own part alone (``Universe.apart``).
    part = {m: _in_part(types, universe.figures[m].apart) for m in described}
    denominators = {
        m: over_types(universe.figures[m].denominator(types)) & part[m] for m in described
    }
    numerators = {
        m: over_types(universe.figures[m].numerator(types)) & part[m]
        for m in described
        if universe.figures[m].numerator is not None
    }
    segments = {s: _in_segment(types, s) for s in dict.fromkeys(kpis["segment"]) if s in present}
    counts: dict[tuple[str, str], list[tuple[str, np.ndarray]]] = {}
    for metric, segment in zip(kpis["metric"], kpis["segment"], strict=True):
        if metric not in denominators or segment not in segments:
            continue
        den = denominators[metric]
        if not universe.figures[metric].denominator_of_all:
            den = den & segments[segment]
        parts = [("denominator", den)]
        if metric in numerators:
            num = numerators[metric] & segments[segment]
            parts += [("numerator", num), ("complement", den & ~num)]
        counts[metric, segment] = parts
    return counts


def _equations(
    counts: Mapping[tuple[str, str], list[tuple[str, np.ndarray]]],
    types: pd.DataFrame,
    kpis: pd.DataFrame,
    series: pd.DataFrame | None,
) -> tuple[list[np.ndarray], list[float], list[tuple[str, str] | None]]:
    """Every published count as a sum of cells: the numerators and denominators of the
    figures shown, the counts of a count figure, the periods of a series; and the figure
    each comes from (None for a series)."""
    rows, values, owners = [], [], []
    for record in kpis.itertuples(index=False):
        parts = counts.get((record.metric, record.segment))
        if parts is None or record.suppressed:
            continue
        for column, mask in parts[:2]:
            published = getattr(record, column)
            if column == "denominator" and pd.isna(published) and _is_count(record.metric):
                published = record.value
            if published is None or pd.isna(published):
                continue
            rows.append(mask.astype(float))
            values.append(float(published))
            owners.append((record.metric, record.segment))
    if series is not None:
        for record in series.itertuples(index=False):
            column = f"series:{record.series}"
            if column not in types or record.suppressed or pd.isna(record.value):
                continue
            rows.append((types[column] == str(record.period)).to_numpy(dtype=float))
            values.append(float(record.value))
            owners.append(None)  # a chart's series: not withheld by the check
    return rows, values, owners


def _is_count(metric: str) -> bool:
    from helpers.figures import registry

    return registry.metric(metric).kind == "count"


def _figure_targets(
    types: pd.DataFrame,
    counts: Mapping[tuple[str, str], list[tuple[str, np.ndarray]]],
    kpis: pd.DataFrame,
) -> list[Target]:
    """The counts of every withheld figure the universe describes."""
    n = types["n"].to_numpy()
    withheld = {
        (m, s)
        for m, s, w in zip(kpis["metric"], kpis["segment"], kpis["suppressed"], strict=True)
        if w
    }
    return [
        Target(
            _figure_label(metric, segment, column),
            cells,
            int(n[cells].sum()),
            (metric, segment),
        )
        for (metric, segment), parts in counts.items()
        if (metric, segment) in withheld
        for column, cells in parts
        if cells.any()
    ]


def _figure_label(metric: str, segment: str | tuple[str, int], column: str) -> str:
    """The label of a count of a figure: ``metric/segment column``."""
    return f"{metric}/{segment_name(segment)} {column}"


def _cell_targets(universe: Universe, types: pd.DataFrame, min_cell: int) -> list[Target]:
    """Every small count of people of one segment and one combination of attributes of
    a projection (respondents of unknown status, respondents whose salary did not
    change...), whether or not a figure counts it."""
    n = types["n"].to_numpy(dtype=float)
    # Each projection's combinations, numbered in sorted order, and each type's.
    grouped = []
    for projection in (p for p in universe.projections if set(p) <= set(types.columns)):
        # A projection reads the attributes of one part: the types of the other part
        # hold none of them.
        part = _in_part(types, set(projection) <= set(universe.apart))
        groups = types[part].groupby(list(projection), sort=True)
        codes = np.full(len(types), -1)
        codes[part] = groups.ngroup().to_numpy()
        grouped.append((projection, codes, list(groups.size().index)))
    targets: list[Target] = []
    seen: set[bytes] = set()
    for segment in sorted({s for t in types["segments"] for s in t}):
        inside = _in_segment(types, segment)
        for projection, codes, combinations in grouped:
            member = inside & (codes >= 0)
            sums = np.bincount(codes[member], weights=n[member], minlength=len(combinations))
            present = np.bincount(codes[member], minlength=len(combinations)) > 0
            for code in np.flatnonzero(present):
                count = int(sums[code])
                if not stats.is_small(count, min_cell):
                    continue
                cells = member & (codes == code)
                if cells.tobytes() in seen:
                    continue
                seen.add(cells.tobytes())
                values = np.atleast_1d(combinations[code])
                words = ", ".join(f"{a}={v}" for a, v in zip(projection, values, strict=True))
                targets.append(Target(f"{segment_name(segment)}: {words}", cells, count))
    return targets


# The outcomes of a program whose optimum is unbounded (a cell in no published count):
# the primal simplex may not tell unbounded from infeasible, and the true cells rule out
# the latter.
UNBOUNDED = (
    highspy.HighsModelStatus.kUnbounded,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
)


class _Program:
    """The linear programs of one round: every published count an equation over the
    cells, each cell between 0 and its bound, and a target's sum to make smallest or
    largest.

    HiGHS solves them through its own interface (``highspy``), the model built once per
    round: only the objective changes from one target to the next, so the last optimal
    basis stays feasible and the primal simplex starts from it, a few iterations from
    the next optimum instead of a hundred. The ranges are those of
    ``scipy.optimize.linprog`` on the same program (``tests/test_intruder_solver.py``
    checks it). Every equation is kept as written, so each dual value names the
    published count it belongs to. Choosing what to withhold (``_protectors``) releases
    equations and restores them, on the same model.
    """

    def __init__(self, rows: list[np.ndarray], values: list[float], upper: np.ndarray) -> None:
        self.width = len(upper)
        self.a = sparse.csc_array(np.vstack(rows)) if rows else None
        self.b = np.asarray(values, dtype=float)
        self.upper = upper
        # The binding itself: ``highspy.Highs`` adds callbacks, and enabling them prints
        # HiGHS's banner before any option can turn its output off.
        highs = highspy._core._Highs()
        for option, value in (
            ("output_flag", False),
            ("presolve", "off"),  # presolve would rewrite the equations and their duals
            ("simplex_strategy", 4),  # primal: a basis optimal for one target is feasible
            ("threads", 1),
            ("random_seed", 0),
        ):
            highs.setOptionValue(option, value)
        highs.addVars(self.width, np.zeros(self.width), np.minimum(upper, highspy.kHighsInf))
        if self.a is not None:
            csr = self.a.tocsr()
            highs.addRows(len(self.b), self.b, self.b, csr.nnz, csr.indptr, csr.indices, csr.data)
        self.highs = highs
        self.columns = np.arange(self.width, dtype=np.int32)
        self.active = np.ones(len(self.b), dtype=bool)  # the equations not released
        self.inside: np.ndarray | None = None  # which cells each equation sums, when needed

    def release(self, equations: Sequence[int]) -> None:
        """Drop ``equations`` (their figures withheld) until ``restore``: their rows are
        freed, and the bounds they set on their cells (``_upper_bounds``) lifted."""
        self._set(equations, active=False)

    def restore(self, equations: Sequence[int]) -> None:
        self._set(equations, active=True)

    def _set(self, equations: Sequence[int], active: bool) -> None:
        if not equations or self.a is None:
            return
        index = np.asarray(equations, dtype=np.int32)
        self.active[index] = active
        free = np.full(len(index), highspy.kHighsInf)
        lower, upper = (self.b[index], self.b[index]) if active else (-free, free)
        self.highs.changeRowsBounds(len(index), index, lower, upper)
        # The cells of these rows take the smallest count of the rows still published.
        if self.inside is None:
            dense = self.a.toarray()
            # A link between two parts of a universe (``_links``) bounds no cell.
            self.inside = (dense > 0) & ~(dense < 0).any(axis=1, keepdims=True)
        touched = np.flatnonzero(self.inside[index].any(axis=0)).astype(np.int32)
        counts = np.where(self.inside[self.active][:, touched], self.b[self.active, None], math.inf)
        bound = counts.min(axis=0) if len(counts) else np.full(len(touched), math.inf)
        self.highs.changeColsBounds(
            len(touched), touched, np.zeros(len(touched)), np.minimum(bound, highspy.kHighsInf)
        )

    def _solve(self, cost: np.ndarray) -> tuple[float, np.ndarray, np.ndarray] | None:
        """The optimum of ``cost @ x``, its solution and its dual values; None when the
        program has no finite optimum (a cell in no published count is unbounded).

        The true cells satisfy every published count, so a program is never infeasible:
        any other outcome is an error of the check (a population described unlike its
        figures), raised rather than taken for a wide range.
        """
        self.highs.changeColsCost(self.width, self.columns, cost)
        self.highs.run()
        status = self.highs.getModelStatus()
        if status in UNBOUNDED:
            return None
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"the intruder's check could not solve a program: {status.name}")
        solution = self.highs.getSolution()
        x = np.asarray(solution.col_value)
        return float(cost @ x), x, np.asarray(solution.row_dual)

    def range(
        self, cells: np.ndarray, true: float, width: float
    ) -> tuple[float, float, tuple[int, ...], list[np.ndarray]]:
        """The smallest and largest sum of ``cells`` consistent with the equations, the
        equations the bounds rest on (non-zero dual values) and the solutions found.

        The true cells are one solution: when the largest sum is already ``width`` above
        the true one, the range is wide enough and the smallest is not sought (it is
        returned as the true sum).
        """
        c = cells.astype(float)
        if not c.any():
            return 0.0, 0.0, (), []
        high = self._solve(-c)
        if high is None:
            return -math.inf, math.inf, (), []
        top = -high[0]
        if top - true >= width:
            return true, top, (), [high[1]]
        low = self._solve(c)
        if low is None:
            return -math.inf, math.inf, (), [high[1]]
        used = np.flatnonzero((np.abs(low[2]) > 1e-9) | (np.abs(high[2]) > 1e-9))
        return low[0], top, tuple(int(i) for i in used), [high[1], low[1]]

    def integer_range(self, cells: np.ndarray) -> tuple[float, float, list[np.ndarray]]:
        """The smallest and largest sum of ``cells`` in whole people, and the solutions
        that reach them."""
        c = cells.astype(float)
        if not c.any():
            return 0.0, 0.0, []
        constraints = [LinearConstraint(self.a, self.b, self.b)] if self.a is not None else []
        bounds = Bounds(np.zeros(self.width), self.upper)
        integral = np.ones(self.width)
        low = milp(c, constraints=constraints, bounds=bounds, integrality=integral)
        high = milp(-c, constraints=constraints, bounds=bounds, integrality=integral)
        if not (low.success and high.success):
            # Called on a finite rational range only: neither end can be unbounded.
            raise RuntimeError(
                f"the intruder's check could not solve an integer program: {low.message}"
            )
        return float(low.fun), float(-high.fun), [np.round(low.x), np.round(high.x)]


class _Screen:
    """A quick proof that a target is *not* pinned down, before any linear program.

    The true cells ``n`` satisfy every equation. Moving them along ``d``, the part of the
    target's vector orthogonal to the equations' rows (``A d = 0``), keeps every
    published count; as far as the bounds ``0 <= x <= upper`` allow, the target's sum
    sweeps an interval. When that interval is at least MIN_CELL wide, so is the range,
    and no program is solved. A target in the rows' span (``d = 0``) is fixed exactly.
    """

    def __init__(self, rows: list[np.ndarray], n: np.ndarray, upper: np.ndarray) -> None:
        self.n, self.upper = n, upper
        self.rows = np.vstack(rows) if rows else np.zeros((0, len(n)))
        if rows:
            a = self.rows
            # An orthonormal basis of the rows' span.
            u, sigma, vt = np.linalg.svd(a, full_matrices=False)
            rank = int((sigma > sigma.max() * 1e-10).sum()) if sigma.size else 0
            self.basis = vt[:rank]
            # The rows' pseudo-inverse, for the combination a fixed target is.
            self.inverse = u[:, :rank] / sigma[:rank]
        else:
            self.basis = np.zeros((0, len(n)))
            self.inverse = np.zeros((0, 0))

    def combination(self, cells: np.ndarray) -> tuple[int, ...]:
        """The published counts a target fixed exactly is a combination of (the
        least-norm weights, those of ``numpy.linalg.lstsq``)."""
        weights = self.inverse @ (self.basis @ cells.astype(float))
        return tuple(int(i) for i in np.flatnonzero(np.abs(weights) > 1e-9))

    def sweep(self, cells: np.ndarray) -> float | None:
        """How wide a range the target sweeps along ``d``; None when it is fixed exactly
        (``d = 0``: the target is a combination of published counts)."""
        c = cells.astype(float)
        d = c - self.basis.T @ (self.basis @ c)
        gain = float(c @ d)
        if gain < 1e-9:
            return None
        # x = n + t d stays within 0 <= x <= upper for t in [t_low, t_high].
        up, down = d > 1e-12, d < -1e-12
        room = np.concatenate([(self.upper[up] - self.n[up]) / d[up], (0 - self.n[down]) / d[down]])
        back = np.concatenate(
            [(0 - self.n[up]) / d[up], (self.upper[down] - self.n[down]) / d[down]]
        )
        t_high = room.min() if room.size else math.inf
        t_low = back.max() if back.size else -math.inf
        return float((t_high - t_low) * gain)


def _merged_types(
    rows: Sequence[np.ndarray], targets: Sequence[np.ndarray]
) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """Types that every equation and every target reads alike are one cell for the
    intruder: merged, the programs are smaller and their answers the same. Returns each
    type's cell and the function that carries a vector over the types to the cells (a
    mask stays a mask; the coefficients of an equation are those of its types)."""
    negative = [r < 0 for r in rows if (r < 0).any()]  # the links between two parts
    columns = np.vstack([*(r > 0 for r in rows), *negative, *targets]).T
    # Each type's column as bytes: one key to compare instead of a row of booleans.
    keys = np.packbits(columns, axis=1)
    keys = np.ascontiguousarray(keys).view(np.dtype((np.void, keys.shape[1]))).ravel()
    _, merged = np.unique(keys, return_inverse=True)
    merged = merged.ravel()
    width = int(merged.max()) + 1

    def merge(vector: np.ndarray) -> np.ndarray:
        if vector.dtype == bool:
            out = np.zeros(width, dtype=bool)
            out[merged[vector]] = True
            return out
        out = np.zeros(width)
        out[merged] = vector  # the types of a cell share every coefficient
        return out

    return merged, merge


def find_exposed(
    targets: Sequence[Target],
    rows: list[np.ndarray],
    values: list[float],
    types: pd.DataFrame,
    min_cell: int,
    pinned: set[str] | None = None,
    pool: list[np.ndarray] | None = None,
) -> list[Finding]:
    """The targets pinned down to a range narrower than ``min_cell``.

    ``pinned``, when given, receives the labels of every target whose range is that
    narrow, exposed or not (a large count of a withheld figure alone is not exposed).
    ``pool`` holds cells (over the types) known to satisfy every published count: a
    target whose sum differs by MIN_CELL between two of them is wide without a program.
    The solutions of the programs solved are added to it; withholding removes counts, so
    they stay solutions in later rounds. The programs (``_Program``) also give the
    equations a narrow range rests on (their dual values).

    A small count (a cell, or a withheld figure's count below MIN_CELL) is exposed when
    its range is that narrow; a withheld figure's larger counts only when its numerator
    and its denominator both are (its value is then recovered).
    """
    pinned = set() if pinned is None else pinned
    targets = [t for t in targets if t.figure is not None or stats.is_small(t.true, min_cell)]
    if not targets:
        return []
    merged, merge = _merged_types(rows, [t.cells for t in targets])
    width = int(merged.max()) + 1
    n = np.bincount(merged, weights=types["n"].to_numpy(dtype=float), minlength=width)
    rows = [merge(np.asarray(r, dtype=float)) for r in rows]
    targets = [Target(t.label, merge(t.cells), t.true, t.figure) for t in targets]
    upper = _upper_bounds(rows, values) if rows else np.full(width, math.inf)
    narrow: dict[str, Finding] = {}
    screen = _Screen(rows, n, upper)
    program: _Program | None = None
    pool = [] if pool is None else pool
    first = np.unique(merged, return_index=True)[1]  # a type standing for each cell
    points = np.vstack([n, *(np.bincount(merged, weights=p, minlength=width) for p in pool)])
    whole = points[np.all(np.abs(points - np.round(points)) < 1e-6, axis=1)]  # in whole people
    for target in targets:
        small = stats.is_small(target.true, min_cell)
        if target.figure is None and not small:
            continue
        sums = points @ target.cells
        if sums.max() - sums.min() >= min_cell + 1:
            continue
        swept = screen.sweep(target.cells)
        if swept is not None and swept >= min_cell + 1:
            continue
        if swept is None:
            low = high = target.true  # in the span of the published counts: fixed
            used = screen.combination(target.cells)
        else:
            if program is None:
                program = _Program(rows, values, upper)
            low, high, used, solutions = program.range(target.cells, target.true, min_cell + 2)
            # Whole people; an unbounded range (a cell in no published count) stays so.
            low = math.ceil(low - 1e-6) if math.isfinite(low) else low
            high = math.floor(high + 1e-6) if math.isfinite(high) else high
            for x in solutions:
                points = np.vstack([points, x])
                spread = np.zeros(len(types))
                spread[first] = x
                pool.append(spread)
        if min_cell <= high - low <= min_cell + 1:
            # The rational range is barely wide enough: whole people may narrow it,
            # unless solutions in whole people already found are that far apart.
            sums = whole @ target.cells
            if sums.max() - sums.min() >= min_cell:
                continue
            if program is None:
                program = _Program(rows, values, upper)
            low, high, solutions = program.integer_range(target.cells)
            for x in solutions:
                points = np.vstack([points, x])
                whole = np.vstack([whole, x])
                spread = np.zeros(len(types))
                spread[first] = x
                pool.append(spread)
        if high - low < min_cell:
            narrow[target.label] = Finding(target.label, target.true, low, high, used)
    exposed = []
    pinned.update(narrow)
    for target in targets:
        finding = narrow.get(target.label)
        if finding is None:
            continue
        if not (target.figure is None or stats.is_small(target.true, min_cell)):
            metric, segment = target.figure
            both = tuple(_figure_label(metric, segment, c) for c in ("numerator", "denominator"))
            if not (target.label.endswith(" denominator") and all(x in narrow for x in both)):
                continue
            # Its value comes out of both counts: widening either protects it.
            finding.used = tuple(sorted({*narrow[both[0]].used, *finding.used}))
        exposed.append(finding)
    return exposed


# The graduates of the years are audited side by side, one thread each: HiGHS releases
# the interpreter while it solves, so the programs of two years use both cores.
WORKERS = 2


def audit(
    ds: Dataset,
    frames: Mapping[int, pd.DataFrame],
    min_cell: int,
    histograms: Mapping[int, pd.DataFrame] | None = None,
) -> tuple[dict[int, pd.DataFrame], list[AuditResult]]:
    """Run the intruder's check on the figures of every year of ``frames`` (year -> KPI
    frame) and withhold what it takes.

    The populations of one year are audited with that year's figures; the graduates of
    a year with the figures of every year of ``frames`` that publishes them (their
    careers, years later). ``histograms`` gives each year's salary-change histogram as
    published. Returns the frames (figures withheld to protect others marked suppressed
    and blanked) and what was found, year by year and then graduates' year by
    graduates' year. Each figure belongs to one population, so the graduates of
    different years are audited independently, side by side, with the same result in
    any order.
    """
    histograms = {} if histograms is None else histograms
    out = dict(frames)
    results = []
    # The matrices are small: one thread does each fastest, and several threads on a
    # busy machine make each one hundreds of times slower.
    with threadpool_limits(limits=1), ThreadPoolExecutor(max_workers=WORKERS) as pool:
        # The graduates are read here, and solved in the pool while this thread reads
        # and audits the populations of each year: no figure belongs to both.
        audits = [
            _FollowedAudit(ds, universe, year, frames, min_cell, histograms.get(year))
            for universe in UNIVERSES
            if universe.followed
            for year in sorted(frames)
        ]
        waiting = [(job, pool.submit(job.run)) for job in audits if job.result is None]
        for year in sorted(out):
            out[year], result = audit_year(ds, year, out[year], min_cell)
            results.append(result)
        for job, solving in waiting:
            job.finish(solving.result())
    for job in audits:
        out = job.withhold(out)
        results.append(job.result)
    return out, results


def audit_year(
    ds: Dataset,
    year: int,
    kpis: pd.DataFrame,
    min_cell: int,
    universes: Sequence[Universe] | None = None,
) -> tuple[pd.DataFrame, AuditResult]:
    """Run the check on the populations of ``year`` that no later year publishes
    (students, applicants, enrollments expected to end), with the figures of ``year``."""
    own = universes is None
    universes = [u for u in UNIVERSES if not u.followed] if universes is None else universes
    started = time.perf_counter()
    key = audit_key(ds, year, kpis, min_cell, None, "year") if own else None
    result = _recall(key, started, followed=False)
    if result is None:
        with threadpool_limits(limits=1):
            found = _audit(ds, year, kpis, min_cell, universes)
        result = _keep(key, year, found, time.perf_counter() - started, followed=False)
    return _withhold(kpis, [(m, s) for _, m, s in result.withheld]), result


class _FollowedAudit:
    """The check on the people of a followed ``universe`` of ``year`` (the graduates of
    the year), with the figures of every year of ``frames`` that publishes them.

    The people and the figures are read on creation, and the cache looked up (``result``
    is then set); ``run`` solves, reading nothing from the dataset, so that audits of
    several years can run side by side; ``finish`` keeps what it found.
    """

    def __init__(
        self,
        ds: Dataset,
        universe: Universe,
        year: int,
        frames: Mapping[int, pd.DataFrame],
        min_cell: int,
        series: pd.DataFrame | None,
    ) -> None:
        self.universe, self.year, self.min_cell, self.series = universe, year, min_cell, series
        started = time.perf_counter()
        self.linked = linked_figures(universe, year, frames)
        # The segments named with their year are written as text in the cache's key.
        keyed = self.linked.drop(columns=["published_in"]).assign(
            segment=lambda f: f["segment"].map(str)
        )
        own = universe in UNIVERSES
        self.key = audit_key(ds, year, keyed, min_cell, series, "followed") if own else None
        self.result = _recall(self.key, started, followed=True)
        self.seconds = 0.0
        self.people = None
        if self.result is None and not self.linked.empty:
            self.people = self._people(ds)

    def _people(self, ds: Dataset) -> pd.DataFrame:
        people = self.universe.people(ds, self.year)
        # Segments of years that publish nothing of them, and attributes only figures
        # not published read, tell the intruder nothing: the types stay few.
        published = {int(y) for y in self.linked["published_in"]}
        people = people.assign(
            segments=[tuple(s for s in t if s[1] in published) for t in people["segments"]]
        )
        shown = set(self.linked["metric"])
        return people.drop(
            columns=[a for a, m in self.universe.read_only_by.items() if m not in shown]
        )

    def run(self) -> Found:
        started = time.perf_counter()  # its own time, not the time it waited
        found: Found = ([], [], [], 0)
        if self.people is not None and not self.people.empty and self.min_cell > 1:
            _, before, after, withheld, n = _audit_universe(
                self.universe, self.people, self.linked, self.linked, self.min_cell, self.series
            )
            # Each figure back to the year that publishes it.
            found = (before, after, [(s[1], m, s[0]) for m, s in withheld], n)
        self.seconds = time.perf_counter() - started
        return found

    def finish(self, found: Found) -> None:
        self.result = _keep(self.key, self.year, found, self.seconds, followed=True)

    def withhold(self, frames: Mapping[int, pd.DataFrame]) -> dict[int, pd.DataFrame]:
        out = dict(frames)
        withheld = self.result.withheld
        for y in sorted({y for y, _, _ in withheld}):
            out[y] = _withhold(out[y], [(m, s) for wy, m, s in withheld if wy == y])
        return out


def linked_figures(
    universe: Universe, year: int, frames: Mapping[int, pd.DataFrame]
) -> pd.DataFrame:
    """The figures of ``frames`` that count the people of a followed ``universe`` of
    ``year``: those of each year published that many years after, and the figures
    computed from them; each segment named with the year of its rules (``in_year``), and
    the year it is published in (``published_in``)."""
    parts = []
    for after in universe.published_after:
        shown = frames.get(year + after)
        if shown is None:
            continue
        metrics = {m for m, f in universe.figures.items() if f.published_after == after}
        metrics |= {d for m in metrics for d in DERIVED_FROM.get(m, ())}
        rows = shown[shown["metric"].isin(metrics)]
        rows = rows.drop(columns=[c for c in ("year", "section") if c in rows])
        rows = rows.assign(
            segment=[in_year(s, year + after) for s in rows["segment"]],
            published_in=year + after,
        )
        parts.append(rows)
    if not parts:
        return pd.DataFrame(columns=["metric", "segment", "suppressed", "published_in"])
    return pd.concat(parts, ignore_index=True)


def _recall(key: str | None, started: float, followed: bool) -> AuditResult | None:
    """The audit remembered under ``key`` (None: not to be remembered, or not found)."""
    remembered = recall_audit(key) if key is not None else None
    if remembered is not None:
        remembered.seconds = time.perf_counter() - started
        remembered.followed = followed
    return remembered


def _keep(
    key: str | None,
    year: int,
    found: Found,
    seconds: float,
    followed: bool,
) -> AuditResult:
    """The result of an audit just run (in ``seconds``), remembered under ``key`` when
    there is one."""
    before, after, withheld, n_targets = found
    result = AuditResult(year, before, after, withheld, n_targets, seconds, followed=followed)
    if key is not None:
        remember_audit(key, result)
    return result


def _audit(
    ds: Dataset, year: int, kpis: pd.DataFrame, min_cell: int, universes: Sequence[Universe]
) -> Found:
    """The check on ``kpis``, the figures of ``year``, over each of ``universes``; the
    figures withheld before it are the ones to protect."""
    out = kpis.copy()
    withheld: list = []
    before: list[Finding] = []
    after: list[Finding] = []
    n_targets = 0
    if min_cell > 1:
        for universe in universes:
            people = universe.people(ds, year)
            if people.empty:
                continue
            out, b, a, w, n = _audit_universe(universe, people, out, kpis, min_cell, None)
            before += b
            after += a
            withheld += [(int(year), m, s) for m, s in w]
            n_targets += n
    return before, after, withheld, n_targets


def _audit_universe(
    universe: Universe,
    people: pd.DataFrame,
    out: pd.DataFrame,
    given: pd.DataFrame,
    min_cell: int,
    series: pd.DataFrame | None,
) -> tuple[pd.DataFrame, list[Finding], list[Finding], list, int]:
    """The rounds of the check on one universe: find what is exposed, withhold what
    frees it for least, and look again."""
    withheld: list = []
    before: list[Finding] = []
    after: list[Finding] = []
    n_targets = 0
    people = _place_in_series(universe, people, series)
    types = _types(universe, people)
    cells = _cell_targets(universe, types, min_cell)
    # Withholding only removes equations, so ranges only widen: a target found safe
    # stays safe, and later rounds check the others alone.
    safe: set[str] = set()
    pool: list[np.ndarray] = []
    counts = _figure_cells(universe, people, types, out)
    link_rows, link_values = _links(types)
    for round_ in range(MAX_ROUNDS):
        rows, values, owners = _equations(counts, types, out, series)
        # The links are no published count: never withheld, like a chart's series.
        rows, values = rows + link_rows, values + link_values
        owners = owners + [None] * len(link_rows)
        # The figures withheld before the check are the ones to protect; those it
        # withholds protect them and hold no small count of their own.
        targets = [*_figure_targets(types, counts, given), *cells]
        checked = [t for t in targets if t.label not in safe]
        pinned: set[str] = set()
        exposed = find_exposed(checked, rows, values, types, min_cell, pinned, pool)
        safe |= {t.label for t in checked} - pinned
        if round_ == 0:
            before += exposed
            n_targets += len(targets)
        if not exposed:
            break
        if round_ == MAX_ROUNDS - 1:
            after += exposed
        by_label = {t.label: t.cells for t in targets}
        chosen = _protectors(
            exposed, owners, out, rows, values, by_label, types["n"].to_numpy(), min_cell
        )
        if not chosen:
            if round_ < MAX_ROUNDS - 1:
                after += exposed
            break
        out = _withhold(out, chosen)
        withheld += chosen
    return out, before, after, withheld, n_targets


def _protectors(
    exposed: Sequence[Finding],
    owners: Sequence[tuple[str, str] | None],
    kpis: pd.DataFrame,
    rows: Sequence[np.ndarray],
    values: Sequence[float],
    cells: Mapping[str, np.ndarray],
    counted: np.ndarray,
    min_cell: int,
) -> list[tuple[str, str]]:
    """Published figures to withhold so that the exposed targets are no longer pinned
    down, protecting most for least.

    A count published by several figures (a segment's students, the denominator of
    each of its shares) is gone only when all of them are withheld: withholding it costs
    their number (with the partner of a pair that splits everyone), a figure of everyone
    counting as ``EVERYONE_LOSS`` figures of one group. The candidates are the counts an
    exposed target's range rests on (``Finding.used``), ranked by cost for each exposed
    target they touch. Of the first ``CANDIDATES_TRIED``, the first that frees a target
    alone (its range, solved again without the count, at least MIN_CELL + 1 wide) is taken;
    when none does, the first, and the next round looks again. A count of a chart's
    series cannot be withheld by the check and is not a candidate. ``cells`` gives each
    target's cells over the types and ``counted`` the people of each type.
    """
    # The same people and the same number: one count, whichever figures publish it.
    key_of = [
        row.tobytes() + repr(float(value)).encode() for row, value in zip(rows, values, strict=True)
    ]
    value_of = dict(zip(key_of, values, strict=True))
    publishers: dict[bytes, set[tuple[str, str] | None]] = {}
    for key, owner in zip(key_of, owners, strict=True):
        publishers.setdefault(key, set()).add(owner)
    # The figures still published: a partner withheld already is not withheld again.
    published = {
        (m, s)
        for m, s, w in zip(kpis["metric"], kpis["segment"], kpis["suppressed"], strict=True)
        if not w
    }
    pending: dict[int, tuple[set[bytes], Finding]] = {}
    for j, finding in enumerate(exposed):
        keys = {key_of[i] for i in finding.used if None not in publishers[key_of[i]]}
        if keys:
            pending[j] = (keys, finding)
    chosen: list[tuple[str, str]] = []
    # Each target's counts, any of which wide frees it: a withheld figure's value needs
    # both its numerator and its denominator.
    ways = {
        f.label: [
            label
            for label in (
                f.label,
                None if stats.is_small(f.true, min_cell) else _numerator_of(f.label),
            )
            if label is not None and label in cells
        ]
        for f in exposed
    }
    kept = sorted({label for labels in ways.values() for label in labels})
    merged, merge = _merged_types(rows, [cells[label] for label in kept])
    counted = np.bincount(merged, weights=counted.astype(float), minlength=int(merged.max()) + 1)
    cells = {label: merge(cells[label]) for label in kept}
    rows = [merge(np.asarray(r, dtype=float)) for r in rows]
    program = _Program(rows, list(values), _upper_bounds(rows, values))

    def figures_of(key: bytes) -> list[tuple[str, str]]:
        figures = {f for f in publishers[key] if f is not None}
        figures |= {(m, p) for m, s in figures if (p := _partner(s)) and (m, p) in published}
        return sorted(figures - set(chosen))

    def loss(key: bytes) -> int:
        return sum(_loss(f) for f in figures_of(key))

    def equations_of(figures: Sequence[tuple[str, str]]) -> list[int]:
        return [i for i, owner in enumerate(owners) if owner in set(figures)]

    def freed(key: bytes) -> set[int]:
        """The pending targets resting on ``key`` whose range is wide once the figures of
        ``key`` go too."""
        removed = equations_of(figures_of(key))
        program.release(removed)
        wide = set()
        for j, (keys, finding) in pending.items():
            if key not in keys:
                continue
            for label in ways[finding.label]:
                true = float(counted[cells[label]].sum())
                low, high, _, _ = program.range(cells[label], true, min_cell + 2)
                if high - low >= min_cell + 1:
                    wide.add(j)
                    break
        program.restore(removed)
        return wide

    while pending:
        # A count whose figures are all withheld already is gone: a target resting on
        # it alone is looked at again in the next round.
        candidates = sorted({key for keys, _ in pending.values() for key in keys if loss(key)})
        if not candidates:
            break
        ranked = sorted(
            candidates,
            key=lambda key: (
                loss(key) / sum(key in keys for keys, _ in pending.values()),
                value_of[key] == 0,  # a zero is often published twice: it rarely frees
                value_of[key],
                figures_of(key),
            ),
        )
        best, best_freed = ranked[0], set()
        for key in ranked[:CANDIDATES_TRIED]:
            wide = freed(key)
            if wide:
                best, best_freed = key, wide
                break
        if not best_freed:  # none frees a target alone: break the cheapest's derivation
            best_freed = {j for j, (keys, _) in pending.items() if best in keys}
        figures = figures_of(best)
        chosen += figures
        program.release(equations_of(figures))
        pending = {j: v for j, v in pending.items() if j not in best_freed}
    return chosen


def _numerator_of(label: str) -> str | None:
    """The label of the numerator of the withheld figure whose denominator is ``label``."""
    if label.endswith(" denominator"):
        return label.removesuffix(" denominator") + " numerator"
    return None


# How many candidate counts, the cheapest first, are tried in turn (the exposed targets
# resting on each solved again without it) for one that frees a target alone.
CANDIDATES_TRIED = 12


def _upper_bounds(rows: Sequence[np.ndarray], values: Sequence[float]) -> np.ndarray:
    """No cell exceeds the smallest published count it is part of: bounds that keep the
    programs small without changing their answer. A cell in no published count is
    unbounded: the intruder does not know how many people the universe holds unless a
    figure publishes it (a universe of fewer than MIN_CELL people is not exposed by its
    own size)."""
    upper = np.full(len(rows[0]) if rows else 0, math.inf)
    for row, value in zip(rows, values, strict=True):
        if (row < 0).any():
            continue  # a link between two parts of a universe bounds no cell
        inside = row > 0
        upper[inside] = np.minimum(upper[inside], value)
    return upper


# What withholding a figure of everyone costs the reader, in figures of one group: the
# headline figures go last, but not at any price.
EVERYONE_LOSS = 8


def _loss(figure: tuple[str, str]) -> int:
    return EVERYONE_LOSS if plain_segment(figure[1]) == "all" else 1


# Segments that split everyone in two (``helpers.figures.metrics.common``).
PARTNERS = {
    **{a: b for a, b in COMPLEMENTARY_SEGMENTS},
    **{b: a for a, b in COMPLEMENTARY_SEGMENTS},
}


def _partner(segment: str | tuple[str, int]) -> str | tuple[str, int] | None:
    """The segment that splits everyone in two with ``segment``, with the same rules."""
    if isinstance(segment, tuple):
        partner = PARTNERS.get(segment[0])
        return None if partner is None else (partner, segment[1])
    return PARTNERS.get(segment)


# Figures computed from others of the same segment: withheld with any of them.
DERIVED_FROM = {
    "employed_before_share": ("employment_change",),
    "employed_after_share": ("employment_change",),
}


def _withhold(kpis: pd.DataFrame, figures: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """``kpis`` with ``figures`` withheld, and the figures computed from them."""
    out = kpis.copy()
    keys = set(figures) | {
        (derived, segment)
        for metric, segment in figures
        for derived in DERIVED_FROM.get(metric, ())
    }
    hit = [(m, s) in keys for m, s in zip(out["metric"], out["segment"], strict=True)]
    out.loc[hit, "suppressed"] = True
    return stats.blank_withheld(out)


# --- results of a dataset, kept for the run's provenance ---------------------------------

_RESULTS: weakref.WeakKeyDictionary[
    duckdb.DuckDBPyConnection, dict[tuple[bool, int, int], AuditResult]
] = weakref.WeakKeyDictionary()


# How long the last check of a dataset took, start to end (its audits run side by side).
_WALL: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, dict[int, float]] = (
    weakref.WeakKeyDictionary()
)


def remember(ds: Dataset, min_cell: int, result: AuditResult) -> None:
    _RESULTS.setdefault(ds.con, {})[result.followed, result.year, min_cell] = result


def remember_time(ds: Dataset, min_cell: int, seconds: float) -> None:
    _WALL.setdefault(ds.con, {})[min_cell] = seconds


def time_of(ds: Dataset, min_cell: int) -> float | None:
    """The seconds the last check of ``ds`` took, start to end; None if it did not run."""
    return _WALL.get(ds.con, {}).get(min_cell)


def results_of(ds: Dataset, min_cell: int, years: Sequence[int]) -> list[AuditResult]:
    """The audits of ``years``: their own populations, then the graduates of each of
    them followed over the years after."""
    found = _RESULTS.get(ds.con, {})
    return [
        found[followed, y, min_cell]
        for followed in (False, True)
        for y in years
        if (followed, y, min_cell) in found
    ]

"""Whole-number allocations that meet targets on overlapping segments.

People are grouped into *cells* (one cell per combination of underserved categories,
country group, ...). A published figure constrains a *segment*, a union of cells: the
job seekers are every cell whose job-seeker flag is set, whatever their other flags.
Because segments overlap, the counts are first fitted as real numbers by iterative
proportional fitting (raking), then rounded and repaired one unit at a time until every
segment is as close to its target as whole numbers allow. Small segments (66 refugee
students) are weighted by their own tolerance, so they land on their figure exactly.

A segment is a boolean row of ``membership`` (segments x cells); a target of ``nan``
leaves its segment free.
"""

from __future__ import annotations

import numpy as np

_ITERATIONS = 400
_EPS = 1e-12


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def tolerance_for_rates(sizes: np.ndarray, points: float = 0.01) -> np.ndarray:
    """Tolerance, in people, of a rate known to ``points`` on segments of these sizes."""
    return np.maximum(np.asarray(sizes, dtype=float) * points, 0.5)


def rake_composition(
    prior: np.ndarray, membership: np.ndarray, targets: np.ndarray, total: float
) -> np.ndarray:
    """Real cell counts summing to ``total``, as close to ``prior`` as the targets allow.

    ``targets[k]`` is the number of people wanted in segment ``k``.
    """
    weights = np.asarray(prior, dtype=float).copy()
    weights *= total / max(weights.sum(), _EPS)
    active = [k for k in range(len(targets)) if not np.isnan(targets[k])]
    for _ in range(_ITERATIONS):
        worst = 0.0
        for k in active:
            inside = membership[k]
            current = weights[inside].sum()
            outside = total - current
            goal = min(max(targets[k], 0.0), total)
            if current > _EPS:
                weights[inside] *= goal / current
            elif goal > 0:
                weights[inside] = goal / max(inside.sum(), 1)
            if outside > _EPS:
                weights[~inside] *= (total - goal) / outside
            worst = max(worst, abs(current - goal))
        if worst < 1e-6 * max(total, 1.0):
            break
    return weights


def rake_rates(
    sizes: np.ndarray,
    membership: np.ndarray,
    targets: np.ndarray,
    prior: np.ndarray,
    cap: np.ndarray | None = None,
) -> np.ndarray:
    """Per-cell rates whose size-weighted means hit the segment ``targets``.

    Rates move on the logit scale from ``prior``, one segment at a time, and never
    exceed ``cap`` (the share of a cell that can have the outcome at all).
    """
    sizes = np.asarray(sizes, dtype=float)
    cap = np.ones_like(sizes) if cap is None else np.clip(np.asarray(cap, float), 1e-9, 1.0)
    eta = _logit(np.clip(np.asarray(prior, float) / cap, 1e-6, 1 - 1e-6))
    active = [k for k in range(len(targets)) if not np.isnan(targets[k])]
    for _ in range(_ITERATIONS):
        worst = 0.0
        for k in active:
            inside = membership[k] & (sizes > 0)
            n = sizes[inside].sum()
            if n <= 0:
                continue
            # A few Newton steps on the shift of this segment's logits.
            for _step in range(4):
                rates = cap[inside] * _expit(eta[inside])
                gap = (sizes[inside] * rates).sum() / n - targets[k]
                slope = (sizes[inside] * rates * (1 - _expit(eta[inside]))).sum() / n
                if slope < _EPS:
                    break
                eta[inside] -= np.clip(gap / slope, -5, 5)
            worst = max(worst, abs(gap))
        if worst < 1e-9:
            break
    return cap * _expit(eta)


def rake_shares(
    sizes: np.ndarray, membership: np.ndarray, targets: np.ndarray, prior: np.ndarray
) -> np.ndarray:
    """Per-cell shares over several types (rows sum to 1) meeting segment x type targets.

    ``targets`` has one row per segment and one column per type, ``nan`` where free.
    """
    sizes = np.asarray(sizes, dtype=float)
    shares = np.asarray(prior, dtype=float).copy()
    shares /= np.maximum(shares.sum(axis=1, keepdims=True), _EPS)
    for _ in range(_ITERATIONS):
        worst = 0.0
        for k in range(targets.shape[0]):
            inside = membership[k] & (sizes > 0)
            n = sizes[inside].sum()
            if n <= 0 or np.all(np.isnan(targets[k])):
                continue
            current = (sizes[inside, None] * shares[inside]).sum(axis=0) / n
            goal = targets[k]
            fixed = ~np.isnan(goal)
            factor = np.ones(shares.shape[1])
            factor[fixed] = np.where(
                current[fixed] > _EPS, goal[fixed] / np.maximum(current[fixed], _EPS), 1.0
            )
            free = ~fixed
            if free.any():
                left = 1 - goal[fixed].sum()
                free_now = current[free].sum()
                factor[free] = max(left, 0.0) / free_now if free_now > _EPS else 1.0
            shares[inside] *= factor
            shares[inside] /= np.maximum(shares[inside].sum(axis=1, keepdims=True), _EPS)
            if fixed.any():
                worst = max(worst, float(np.abs(current[fixed] - goal[fixed]).max()))
        if worst < 1e-9:
            break
    return shares


def integer_composition(
    weights: np.ndarray,
    total: int,
    membership: np.ndarray,
    targets: np.ndarray,
    tolerance: np.ndarray,
) -> np.ndarray:
    """Whole cell counts summing to ``total``, moved unit by unit towards the targets."""
    counts = _round_to_total(weights, total)
    active = ~np.isnan(targets)
    m = membership[active].astype(float)
    goal = targets[active]
    w = 1.0 / np.asarray(tolerance, float)[active] ** 2
    allowed = np.asarray(weights) > 0
    moves = _PairMoves(m, w)
    for _ in range(10 * len(counts) + 4 * total):
        gain = moves.gain(m @ counts - goal)
        gain[counts <= 0, :] = np.inf
        gain[:, ~allowed] = np.inf
        p, q = np.unravel_index(np.argmin(gain), gain.shape)
        if gain[p, q] >= -1e-12:
            break
        counts[p] -= 1
        counts[q] += 1
    return counts


def integer_selection(
    capacity: np.ndarray,
    expected: np.ndarray,
    membership: np.ndarray,
    targets: np.ndarray,
    tolerance: np.ndarray,
) -> np.ndarray:
    """How many of each cell's ``capacity`` people to select so segment totals hit targets.

    ``targets[k]`` is the number of selected people wanted in segment ``k``. A step adds
    or removes one person, or moves a selection from one cell to another, whichever
    brings the segments closest to their targets.
    """
    capacity = np.asarray(capacity, dtype=np.int64)
    chosen = np.clip(np.floor(np.asarray(expected, float) + 0.5), 0, capacity).astype(np.int64)
    active = ~np.isnan(targets)
    m = membership[active].astype(float)
    goal = targets[active]
    w = 1.0 / np.asarray(tolerance, float)[active] ** 2
    moves = _PairMoves(m, w)
    for _ in range(4 * int(capacity.sum()) + 10):
        d = m @ chosen - goal
        up = m.T @ (w * (2 * d + 1))
        down = m.T @ (w * (-2 * d + 1))
        up[chosen >= capacity] = np.inf
        down[chosen <= 0] = np.inf
        # Moving a selection from cell p to cell q.
        swap = moves.gain(d)
        swap[chosen <= 0, :] = np.inf
        swap[:, chosen >= capacity] = np.inf
        options = (up.min(), down.min(), swap.min())
        best = int(np.argmin(options))
        if options[best] >= -1e-12:
            break
        if best == 0:
            chosen[np.argmin(up)] += 1
        elif best == 1:
            chosen[np.argmin(down)] -= 1
        else:
            p, q = np.unravel_index(np.argmin(swap), swap.shape)
            chosen[p] -= 1
            chosen[q] += 1
    return chosen


class _PairMoves:
    """Change of the weighted squared deviations when one unit moves from cell p to q."""

    def __init__(self, m: np.ndarray, w: np.ndarray) -> None:
        # step[k, p, q]: how segment k's total changes when a unit leaves p for q.
        self.step = m[:, None, :] - m[:, :, None]
        self.w = w
        self.constant = np.tensordot(w, self.step**2, axes=1)
        np.fill_diagonal(self.constant, np.inf)

    def gain(self, d: np.ndarray) -> np.ndarray:
        return 2 * np.tensordot(self.w * d, self.step, axes=1) + self.constant


def integer_rows(
    sizes: np.ndarray,
    expected: np.ndarray,
    membership: np.ndarray,
    targets: np.ndarray,
    tolerance: np.ndarray,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """Whole counts per cell and type (rows sum to ``sizes``) meeting segment x type targets.

    ``targets`` and ``tolerance`` are segments x types, in people; ``allowed`` (cells x
    types) forbids a type in a cell, e.g. public funding outside the countries that offer it.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    n_types = expected.shape[1]
    allowed = np.ones(expected.shape, bool) if allowed is None else allowed
    start = np.where(allowed, np.clip(expected, 0, None), 0.0)
    start = np.where(start.sum(axis=1, keepdims=True) > 0, start, allowed.astype(float))
    counts = np.vstack([_round_to_total(start[p], sizes[p]) for p in range(len(sizes))])
    flat_t = targets.reshape(-1)
    active = ~np.isnan(flat_t)
    # Segment x type constraints become rows over the flattened (cell, type) counts.
    m = np.kron(membership.astype(float), np.eye(n_types))[active]
    goal = flat_t[active]
    w = 1.0 / tolerance.reshape(-1)[active] ** 2
    n_cells = len(sizes)

    def move_costs(counts: np.ndarray) -> np.ndarray:
        """Change of the objective for moving one unit of cell p from type f to type g."""
        d = m @ counts.reshape(-1) - goal
        grad = (m.T @ (w * 2 * d)).reshape(n_cells, n_types)
        curv = (m.T @ w).reshape(n_cells, n_types)
        cost = grad[:, None, :] - grad[:, :, None] + curv[:, None, :] + curv[:, :, None]
        cost[counts <= 0] = np.inf
        cost = np.where(allowed[:, None, :], cost, np.inf)
        for f in range(n_types):
            cost[:, f, f] = np.inf
        return cost

    def apply(counts: np.ndarray, move: tuple[int, int, int]) -> np.ndarray:
        p, f, g = move
        out = counts.copy()
        out[p, f] -= 1
        out[p, g] += 1
        return out

    for _ in range(4 * int(sizes.sum()) + 10):
        cost = move_costs(counts)
        move = np.unravel_index(np.argmin(cost), cost.shape)
        if cost[move] < -1e-9:
            counts = apply(counts, move)
            continue
        # Stuck: a segment may need a move that only pays once another one compensates
        # it elsewhere (a refugee into apprenticeship, a non-refugee out of it).
        best, pair = -1e-9, None
        d = m @ counts.reshape(-1) - goal
        worst = int(np.argmax(np.abs(d) * np.sqrt(w)))
        row = m[worst].reshape(n_cells, n_types)
        helps = (row[:, None, :] - row[:, :, None]) * np.sign(d[worst]) < 0
        candidates = [
            *np.argsort(np.where(helps, cost, np.inf), axis=None)[:40],
            *np.argsort(cost, axis=None)[:20],
        ]
        for flat in candidates:
            first = np.unravel_index(flat, cost.shape)
            if not np.isfinite(cost[first]):
                continue
            after = move_costs(apply(counts, first))
            second = np.unravel_index(np.argmin(after), after.shape)
            if cost[first] + after[second] < best:
                best, pair = cost[first] + after[second], (first, second)
        if pair is None:
            break
        counts = apply(apply(counts, pair[0]), pair[1])
    return counts


def _round_to_total(weights: np.ndarray, total: int) -> np.ndarray:
    w = np.clip(np.asarray(weights, dtype=float), 0, None)
    if total <= 0:
        return np.zeros(len(w), dtype=np.int64)
    if w.sum() <= 0:
        w = np.ones(len(w))
    exact = total * w / w.sum()
    counts = np.floor(exact).astype(np.int64)
    short = int(total - counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


def cells_of(flags: np.ndarray) -> np.ndarray:
    """Cell number of each row of a boolean flag matrix (bit c set when flag c is)."""
    flags = np.asarray(flags, dtype=np.int64)
    return (flags << np.arange(flags.shape[1])).sum(axis=1)


def split_by_counts(
    rng: np.random.Generator, cell: np.ndarray, counts: np.ndarray, n_cells: int
) -> np.ndarray:
    """Pick, within each cell, ``counts[c]`` of its rows at random; True for the picked.

    ``counts`` may have several columns (types): the result is then the type of each row.
    """
    counts = np.asarray(counts)
    multi = counts.ndim == 2
    out = np.full(len(cell), -1 if multi else 0, dtype=np.int64)
    order = np.argsort(cell, kind="stable")
    bounds = np.searchsorted(cell[order], np.arange(n_cells + 1))
    for c in range(n_cells):
        rows = order[bounds[c] : bounds[c + 1]]
        if len(rows) == 0:
            continue
        rows = rows[rng.permutation(len(rows))]
        if multi:
            out[rows] = np.repeat(np.arange(counts.shape[1]), counts[c])[: len(rows)]
        else:
            out[rows[: counts[c]]] = 1
    return out if multi else out.astype(bool)

"""Deterministic randomness for the generator.

Two kinds of draws keep the output identical for a given seed and scale, whatever the
chunking: numbered random streams (``stream``), and counter-based draws that depend only
on an item's index (``uniform_at``, ``AffineSample``), so that an attribute of member
``i`` can be recomputed anywhere without holding the whole table in memory.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_MASK64 = (1 << 64) - 1


def stream(seed: int, *keys: int) -> np.random.Generator:
    """An independent random generator for one purpose, named by integer ``keys``."""
    return np.random.default_rng(np.random.SeedSequence([seed, *keys]))


def mix64(values: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser applied element-wise: a fast, well-spread integer hash."""
    z = values.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        z ^= z >> np.uint64(30)
        z *= np.uint64(0xBF58476D1CE4E5B9)
        z ^= z >> np.uint64(27)
        z *= np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return z


def salt(seed: int, *keys: int) -> int:
    """A 64-bit salt derived from the seed and a purpose."""
    state = np.random.SeedSequence([seed, *keys]).generate_state(2, dtype=np.uint32)
    return (int(state[0]) << 32) | int(state[1])


def uniform_at(indices: np.ndarray, salt_value: int) -> np.ndarray:
    """A uniform number in [0, 1) for each index, reproducible from the index alone."""
    with np.errstate(over="ignore"):
        keyed = indices.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(salt_value)
    return (mix64(keyed) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def pick_by_weight(u: np.ndarray, weights: Sequence[float] | np.ndarray) -> np.ndarray:
    """Category index for each uniform ``u``, with probabilities proportional to ``weights``."""
    w = np.asarray(weights, dtype=np.float64)
    cumulative = np.cumsum(w / w.sum())
    cumulative[-1] = 1.0
    return np.searchsorted(cumulative, u, side="right").clip(0, len(w) - 1)


@dataclass(frozen=True)
class AffineSample:
    """Exactly ``k`` of the indices ``0..n-1``, chosen by a seeded affine permutation.

    Index ``j`` is in the sample when ``(a*j + b) mod n < k``. Membership of any index is
    computed on its own, so a sample of millions of members is tested chunk by chunk, and
    the sample can be grown or shrunk by changing ``k`` alone.
    """

    n: int
    a: int
    b: int
    k: int

    @classmethod
    def draw(cls, n: int, k: int, rng: np.random.Generator) -> AffineSample:
        if n <= 0:
            return cls(0, 1, 0, 0)
        a = int(rng.integers(n // 3 + 1, max(n, 2))) | 1
        while math.gcd(a, n) != 1:
            a += 2
        return cls(n, a % n if n > 1 else 1, int(rng.integers(0, n)), max(0, min(k, n)))

    def with_size(self, k: int) -> AffineSample:
        return AffineSample(self.n, self.a, self.b, max(0, min(k, self.n)))

    def position(self, j: np.ndarray) -> np.ndarray:
        """Rank of each index in the permutation (0 is drawn first)."""
        if self.n == 0:
            return np.zeros(len(j), dtype=np.int64)
        jj = np.asarray(j, dtype=np.int64)
        # Python-int arithmetic would be exact but slow; split the product to stay in int64.
        hi, lo = divmod(self.a, 1 << 20)
        pos = (jj * hi) % self.n
        pos = (pos * (1 << 20) + jj * lo + self.b) % self.n
        return pos

    def contains(self, j: np.ndarray) -> np.ndarray:
        return self.position(j) < self.k


def largest_remainder(total: int, weights: Sequence[float] | np.ndarray) -> np.ndarray:
    """Split the integer ``total`` in proportion to ``weights`` (Hamilton's method)."""
    w = np.asarray(weights, dtype=np.float64)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    exact = total * w / w.sum()
    counts = np.floor(exact).astype(np.int64)
    short = int(total - counts.sum())
    if short:
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


def scaled(value: float, scale: float) -> int:
    """A published volume multiplied by the scale, as a whole number."""
    return int(round(value * scale))

"""The embedded synthetic dataset: a deterministic generator calibrated to the reports.

No real data is ever committed. ``generate_dataset`` writes every table of the data
contract (mentors included) for 2019 to 2023 as Parquet, with a ``dataset.json`` marker
saying the data is synthetic; the same seed and scale give the same bytes.
``ensure_dataset`` reuses a folder whose stamp (seed, scale, generator code, reference
inputs) still matches. Volumes follow ``targets.toml`` times the scale.

Command line::

    python -m helpers.synth ensure --out data/default [--scale 1] [--seed 2024]
    python -m helpers.synth generate --out DIR --scale S --seed N
"""

from typing import Any

from helpers.synth.stamp import DEFAULT_SEED, GENERATOR_VERSION, Summary, stamp

__all__ = [
    "DEFAULT_SEED",
    "GENERATOR_VERSION",
    "Summary",
    "ensure_dataset",
    "generate_dataset",
    "stamp",
]


def __getattr__(name: str) -> Any:
    """The generator, imported on first use: checking a stamp needs none of its libraries."""
    if name in ("ensure_dataset", "generate_dataset"):
        from helpers.synth import generate

        return getattr(generate, name)
    raise AttributeError(f"module 'helpers.synth' has no attribute {name!r}")

"""Whether a dataset folder is current, decided without the generator's libraries.

A folder is reused when its ``_stamp.json`` records the same generator, code, reference
inputs, scale and seed as now. Only the standard library is imported here, so that
``make report``'s dataset check answers in a fraction of a second.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.core.paths import PACKAGE_DIR, REFERENCE_DIR

GENERATOR = "helpers.synth"
GENERATOR_VERSION = "1.2"
DEFAULT_SEED = 2024
STAMP_FILE = "_stamp.json"
TARGETS_FILE = Path(__file__).with_name("targets.toml")
REFERENCE_INPUTS = ("category_rules.csv", "emission_factors.csv", "carbon_prices.csv")


@dataclass
class Summary:
    """What a generation produced: rows per table and the time it took."""

    folder: Path
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    generated: bool = True


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def digest_files(paths: list[Path]) -> str:
    """SHA-256 over the names and contents of ``paths`` (in the given order)."""
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def stamp(scale: float, seed: int, reference_dir: Path = REFERENCE_DIR) -> dict[str, Any]:
    """What a dataset folder must record to be reused: inputs, code and parameters."""
    package = Path(__file__).parent
    # The contract fixes the files' columns and types, so it is part of the generator.
    sources = sorted(package.glob("*.py")) + [TARGETS_FILE, PACKAGE_DIR / "intake" / "contract.py"]
    inputs = [Path(reference_dir) / name for name in REFERENCE_INPUTS]
    return {
        "generator": GENERATOR,
        "generator_version": GENERATOR_VERSION,
        "code_digest": digest_files(sources),
        "reference_digest": digest_files(inputs),
        "scale": float(scale),
        "seed": int(seed),
    }


def is_current(out: Path, scale: float, seed: int, reference_dir: Path = REFERENCE_DIR) -> bool:
    """True when ``out`` holds the dataset of this scale, seed, code and inputs."""
    return read_json(Path(out) / STAMP_FILE) == stamp(scale, seed, reference_dir)

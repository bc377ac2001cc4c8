"""Pre-commit guard: refuse files that must never be committed.

Row-level data describes people, so data files are allowed only where the project keeps
reference tables and tiny hand-made test fixtures; large files are refused everywhere. The
committee's recommendations are a table of its own texts, not of people, and sit in its
year folders.
Run by .pre-commit-config.yaml with the staged file names as arguments.
"""

from __future__ import annotations

import sys
from pathlib import Path

MAX_BYTES = 500_000
DATA_SUFFIXES = {".parquet", ".csv", ".feather", ".arrow", ".xlsx", ".pkl", ".pickle", ".duckdb"}
DATA_ALLOWED_UNDER = ("data/reference/", "tests/fixtures/")
COMMITTEE_TABLE = "recommendations.csv"


def _data_file_allowed(name: str) -> bool:
    if name.startswith(DATA_ALLOWED_UNDER):
        return True
    parts = Path(name).parts
    return len(parts) == 3 and parts[0] == "committee" and parts[2] == COMMITTEE_TABLE


def problems(paths: list[str]) -> list[str]:
    found = []
    for name in paths:
        path = Path(name)
        if not path.is_file():
            continue
        if path.stat().st_size > MAX_BYTES:
            found.append(f"{name}: {path.stat().st_size} bytes, over the {MAX_BYTES} limit")
        if path.suffix.lower() in DATA_SUFFIXES and not _data_file_allowed(name):
            found.append(f"{name}: data files belong in {' or '.join(DATA_ALLOWED_UNDER)} only")
    return found


def main(argv: list[str]) -> int:
    found = problems(argv)
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

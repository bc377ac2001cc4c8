"""The bench's history: one row per run, in outputs/bench/history.csv."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from helpers.core import safe_csv
from helpers.core.atomic import write_atomically
from helpers.core.paths import OUTPUTS_DIR, ROOT

HISTORY_FILE = OUTPUTS_DIR / "bench" / "history.csv"


def code_version() -> str:
    """``git describe`` of the code measured."""
    result = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    )
    return result.stdout.strip() or "unknown"


def append_history(figures: dict[str, Any], path: Path = HISTORY_FILE) -> None:
    """Add one row to the history; columns new since earlier runs are added to the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    if path.exists():
        rows = safe_csv.read_rows(path)
    columns = list(dict.fromkeys([*(rows[0] if rows else {}), *figures]))
    write_atomically(
        lambda temporary: safe_csv.write_records(temporary, columns, [*rows, figures]), path
    )

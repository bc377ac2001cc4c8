"""Where a notebook stopped, named as the analyst sees it in JupyterLab.

A failure names its cell by execution count and first line, ``cell [4] "share / 0"``,
never by position among all cells: papermill adds cells (the injected parameters, an
error banner), so a position would match neither the source nor the executed notebook.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# How much of a cell's first line a failure message quotes.
FIRST_LINE_CHARS = 60


def describe_cell(executed: Path, index: int | None) -> str | None:
    """Cell ``index`` of the executed notebook as JupyterLab shows it: its execution
    count in brackets and its first line of code, ``cell [4] "share / 0"``.

    Positions are not given: papermill adds cells (the injected parameters, an error
    banner), so a position would not match what the analyst sees in either notebook.
    """
    cells = _executed_cells(executed)
    if index is None or cells is None or not 0 <= index < len(cells):
        return None
    cell = cells[index]
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    if len(first) > FIRST_LINE_CHARS:
        first = first[: FIRST_LINE_CHARS - 1] + "…"
    count = cell.get("execution_count")
    if count is None and cell.get("cell_type") == "code":
        count = _count_it_was_given(cells, index)
    return f'cell [{count if count is not None else " "}] "{first}"'


def _count_it_was_given(cells: list[dict[str, Any]], index: int) -> int | None:
    """The count a started cell took when the kernel died before reporting it: one
    more than the code cell run before it (a kernel counts the cells it runs)."""
    if not cells[index].get("metadata", {}).get("papermill", {}).get("start_time"):
        return None
    for cell in reversed(cells[:index]):
        if cell.get("cell_type") == "code" and cell.get("execution_count") is not None:
            return int(cell["execution_count"]) + 1
    return None


def locate_running_cell(executed: Path) -> str | None:
    """The cell that was running when execution stopped: the last one papermill
    started (it marks even an interrupted cell "completed")."""
    cells = _executed_cells(executed)
    if cells is None:
        return None
    started = [
        index
        for index, cell in enumerate(cells)
        if cell.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    return describe_cell(executed, started[-1]) if started else None


def _executed_cells(executed: Path) -> list[dict[str, Any]] | None:
    """The executed notebook's cells as nbclient numbered them, or None if unreadable."""
    try:
        cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return None
    # Papermill's error banner cells, inserted once execution stopped, are not counted.
    return [c for c in cells if not _is_banner(c)]


def _is_banner(cell: dict[str, Any]) -> bool:
    return "papermill-error-cell-tag" in cell.get("metadata", {}).get("tags", [])

"""The one CSV writer of the project: files that are safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and
some also after a leading tab or carriage return), so a text value that came from a
dataset, a carbon category say, could become ``=HYPERLINK(...)`` in the committee's copy
of a report. Following OWASP's guidance on CSV injection, such a text cell is written
with a leading single quote, which spreadsheets read as "this is text" and do not show.
A cell that already starts with a quote gets one more, so that reading back is exact:
``read_frame`` and ``read_rows`` drop one leading quote of every text cell. Numbers,
negative ones included, are written as they are: ``-3.5`` is a number, not a formula.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.core.atomic import write_atomically

# The first characters that make a spreadsheet evaluate a cell (OWASP, CSV Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"
# A plain decimal number: stays a number, whatever its sign.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(cell: Any) -> Any:
    """``cell`` as written to a CSV: a text that a spreadsheet would run, or that starts
    with the text mark, gets the text mark in front; anything else is unchanged."""
    if not isinstance(cell, str) or not cell:
        return cell
    if cell[0] == TEXT_MARK or (cell[0] in FORMULA_STARTS and not _NUMBER.fullmatch(cell)):
        return TEXT_MARK + cell
    return cell


def restore(cell: Any) -> Any:
    """The value ``neutralise`` was given, from the cell it wrote."""
    if isinstance(cell, str) and cell.startswith(TEXT_MARK):
        return cell[1:]
    return cell


def write_rows(path: Path | str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write ``rows`` under ``header`` as UTF-8 CSV with ``\\n`` line ends; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(lambda temporary: _write_rows(temporary, header, rows), path)
    return path


def _write_rows(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        # With "\n" line ends the csv module leaves a carriage return unquoted, which
        # readers take for the end of the row: such rows are written fully quoted.
        quoted = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL)
        for row in [header, *rows]:
            cells = [neutralise(c) for c in row]
            has_return = any(isinstance(c, str) and "\r" in c for c in cells)
            (quoted if has_return else writer).writerow(cells)


def write_records(
    path: Path | str, columns: Sequence[str], records: Iterable[dict[str, Any]]
) -> Path:
    """Write dictionaries as rows of ``columns`` (a missing key is an empty cell)."""
    rows = ([record.get(c, "") for c in columns] for record in records)
    return write_rows(path, columns, rows)


def read_rows(path: Path | str) -> list[dict[str, str]]:
    """The rows of a CSV this module wrote, as dictionaries of the original texts."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        return [{restore(k): restore(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def read_frame(path: Path | str, **options: Any) -> pd.DataFrame:
    """A CSV this module wrote, read by pandas (``options`` go to ``read_csv``), with the
    text mark of its text cells removed."""
    frame = pd.read_csv(path, **options)
    frame.columns = [restore(c) for c in frame.columns]
    for column in frame.columns:
        if pd.api.types.is_object_dtype(frame[column]) or pd.api.types.is_string_dtype(
            frame[column]
        ):
            frame[column] = frame[column].map(restore)
    return frame

"""The report's parameters, declared once: their names, types, defaults and rules.

Every section notebook has one cell tagged ``parameters`` that assigns exactly
``PARAMETER_NAMES`` with literals; ``helpers.report`` checks the values here before any
notebook runs and papermill injects them. ``read_parameters_cell`` reads a notebook's
declaration so a test (and the report) can check it matches.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "fr")
DEFAULT_MIN_CELL = 10
# Years outside this range are typing mistakes, not reports; the first is the earliest
# year a dataset may hold, so that every year a valid dataset covers is a valid year.
# No event of a dataset is older than 1 January of this year (the contract's rule):
# an earlier date is a default or a typing error of the extraction.
FIRST_YEAR = 1990
LAST_YEAR = 2100
PARAMETERS_TAG = "parameters"


class ParameterError(ValueError):
    """A report parameter has a wrong type or value; str() is one line per problem."""


@dataclass(frozen=True)
class ReportParams:
    """The parameters of one report run, as papermill injects them into every notebook.

    Attributes
    ----------
    year : int
        The report year Y (1 January to 31 December).
    data_dir : str or None
        The dataset folder; None means the embedded synthetic data (data/default).
    lang : str
        The language of the pages, one of ``LANGUAGES``.
    min_cell : int
        Counts below this (and above zero) are withheld; 1 withholds nothing.
    output_dir : str or None
        The folder holding this run's computed figures (``helpers.figures.run_data``); None means
        the notebook computes them itself.
    """

    year: int
    data_dir: str | None = None
    lang: str = "en"
    min_cell: int = DEFAULT_MIN_CELL
    output_dir: str | None = None

    def __post_init__(self) -> None:
        problems = find_problems(asdict(self))
        if problems:
            raise ParameterError("\n".join(problems))

    def as_dict(self) -> dict[str, Any]:
        """The parameters as papermill injects them (name -> literal value)."""
        return asdict(self)

    def replace(self, **changes: Any) -> ReportParams:
        """A copy with some parameters changed (and checked again)."""
        return ReportParams(**{**self.as_dict(), **changes})


PARAMETER_NAMES: tuple[str, ...] = tuple(f.name for f in fields(ReportParams))


def find_problems(values: Mapping[str, Any]) -> list[str]:
    """Every rule that ``values`` breaks, one sentence each (empty when all is well).

    Parameters absent from ``values`` are not checked, so the command line can check
    the language and threshold before it knows the year (``--all-years``).
    """
    problems = []
    unknown = sorted(set(values) - set(PARAMETER_NAMES))
    if unknown:
        problems.append(f"unknown parameter(s): {', '.join(unknown)}")
    if "year" in values:
        year = values["year"]
        if not _is_int(year):
            problems.append(f"year must be an integer, got {year!r}")
        elif not FIRST_YEAR <= year <= LAST_YEAR:
            problems.append(f"year must be between {FIRST_YEAR} and {LAST_YEAR}, got {year}")
    for name in ("data_dir", "output_dir"):
        value = values.get(name)
        if value is not None and (not isinstance(value, str) or not value):
            problems.append(f"{name} must be a folder path or None, got {value!r}")
    lang = values.get("lang", "en")
    if lang not in LANGUAGES:
        problems.append(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    min_cell = values.get("min_cell", DEFAULT_MIN_CELL)
    if not _is_int(min_cell) or min_cell < 1:
        problems.append(f"min_cell must be an integer >= 1, got {min_cell!r}")
    return problems


def _is_int(value: Any) -> bool:
    # bool is a subclass of int, but `year = True` is a mistake.
    return isinstance(value, int) and not isinstance(value, bool)


def read_parameters_cell(notebook: Path) -> dict[str, Any]:
    """The names and literal values assigned by ``notebook``'s ``parameters`` cell.

    Raises
    ------
    ParameterError
        When the notebook has no such cell, more than one, or the cell holds anything
        other than ``name = literal`` assignments.
    """
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ParameterError(
            f"{Path(notebook).name}: expected one cell tagged {PARAMETERS_TAG!r}, found {len(cells)}"
        )
    source = cells[0]["source"]
    return parse_parameters_source("".join(source) if isinstance(source, list) else source)


def parse_parameters_source(source: str) -> dict[str, Any]:
    """The ``name = literal`` assignments of a parameters cell, in order."""
    assigned: dict[str, Any] = {}
    for statement in ast.parse(source).body:
        name = _assigned_name(statement)
        if name is None:
            raise ParameterError(
                f"parameters cell: only `name = literal` lines allowed, got {ast.unparse(statement)!r}"
            )
        try:
            assigned[name] = ast.literal_eval(statement.value)
        except ValueError as error:
            raise ParameterError(f"parameters cell: {name} is not a literal") from error
    return assigned


def _assigned_name(statement: ast.stmt) -> str | None:
    """The single plain name a statement assigns (``x = 1`` or ``x: int = 1``), else None."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        target = statement.target
    else:
        return None
    return target.id if isinstance(target, ast.Name) else None

"""``dataset.json``, the description a dataset may carry beside its tables, and its rules.

The description says where the data comes from and which years it covers; the report
reads ``synthetic`` (to label figures as illustrations), ``years`` (the years it can be
built for) and ``extraction_date`` (no event may be later). Each known field has one
JSON type; a field of another type is a problem naming it, since ``"false"`` read as
true would label real data as invented. Fields the project does not know are listed as
ignored, never read.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from helpers.intake import contract
from helpers.intake.rules import Problem

FILE = "dataset.json"


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_boolean(value: Any) -> bool:
    return isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    # JSON true is a Python int too, but never a count or a seed.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return _is_integer(value) or (isinstance(value, float) and math.isfinite(value))


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


def _is_years(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(_is_integer(y) for y in value)


# Each known field: the test of its type, and the rule a value of another type breaks.
FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "description": (_is_text, "must be a JSON string"),
    "extraction_date": (_is_date, "must be a date written YYYY-MM-DD, as a JSON string"),
    "generator": (_is_text, "must be a JSON string"),
    "generator_version": (_is_text, "must be a JSON string"),
    "scale": (_is_number, "must be a JSON number"),
    "seed": (_is_integer, "must be a JSON whole number"),
    # A snapshot of a database: the URL it was read from (password redacted) and the
    # state read (time, server transaction, rows per table).
    "snapshot": (_is_object, "must be a JSON object"),
    "source": (_is_text, "must be a JSON string"),
    "synthetic": (_is_boolean, "must be a JSON boolean: true or false, without quotes"),
    "years": (_is_years, "must be a non-empty JSON list of whole numbers, e.g. [2022, 2023]"),
}


@dataclass
class Description:
    """What ``dataset.json`` says, once checked.

    ``meta`` holds its known fields of the right type; ``problems`` one line per broken
    rule; ``ignored`` the fields the project does not know.
    """

    meta: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def extraction_date(self) -> date | None:
        value = self.meta.get("extraction_date")
        return date.fromisoformat(value) if value else None

    def latest_event(self) -> tuple[date, str]:
        """The latest date an event may have, and what that date is, for the rule."""
        extraction = self.extraction_date
        if extraction is not None:
            return extraction, "the extraction date of dataset.json"
        return today(), "today, as dataset.json gives no extraction_date"


def today() -> date:
    return datetime.now(UTC).date()


def read_description(data_dir: Path) -> Description:
    """The checked description of the dataset in ``data_dir`` (empty without one)."""
    path = Path(data_dir) / FILE
    if not path.is_file():
        return Description()
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return Description(problems=[Problem(FILE, "", f"is not valid JSON ({error})")])
    except OSError as error:
        return Description(problems=[Problem(FILE, "", f"cannot be read ({error.strerror})")])
    if not isinstance(meta, dict):
        return Description(problems=[Problem(FILE, "", "must hold a JSON object")])
    return check_description(meta)


def check_description(meta: dict[str, Any]) -> Description:
    """Check each field of a parsed description against its type and range."""
    checked = Description(ignored=sorted(k for k in meta if k not in FIELDS))
    for key, (is_valid, rule) in FIELDS.items():
        if key not in meta:
            continue
        if is_valid(meta[key]):
            checked.meta[key] = meta[key]
        else:
            checked.problems.append(Problem(FILE, key, f"{rule}, got {json.dumps(meta[key])}"))
    checked.problems += check_ranges(checked)
    for key in ("extraction_date", "years"):
        if any(p.column == key for p in checked.problems):
            checked.meta.pop(key, None)
    return checked


def check_ranges(checked: Description) -> list[Problem]:
    """The extraction date and the years between the earliest event and today."""
    problems = []
    earliest, now = contract.EARLIEST_EVENT, today()
    extraction = checked.extraction_date
    if extraction is not None and not earliest <= extraction <= now:
        problems.append(
            Problem(
                FILE,
                "extraction_date",
                f"must be between {earliest.isoformat()} and today, got {extraction.isoformat()}",
            )
        )
        extraction = None
    years = checked.meta.get("years", [])
    last = (extraction or now).year
    outside = sorted({y for y in years if not earliest.year <= y <= last})
    if outside:
        problems.append(
            Problem(
                FILE,
                "years",
                f"must lie between {earliest.year} and {last}, the year of the "
                f"{'extraction' if extraction else 'present'}, got "
                + ", ".join(str(y) for y in outside),
            )
        )
    repeated = sorted({y for y in years if years.count(y) > 1})
    if repeated:
        problems.append(
            Problem(FILE, "years", "must list each year once, got " + ", ".join(map(str, repeated)))
        )
    return problems

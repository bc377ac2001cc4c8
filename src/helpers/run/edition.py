"""The date a report carries, the one place it is decided.

A report built twice from the same data, code, parameters and texts is the same file,
byte for byte: its pages, its PDF and its executed notebooks never show when they were
built. The date they show is the edition's, taken from the first of:

1. the committee's release date of the year, ``release_date`` in
   ``committee/<year>/release.toml``, when the committee has set it;
2. ``SOURCE_DATE_EPOCH``, as reproducible-builds.org defines it (whole seconds since
   1970-01-01 UTC), for a build that pins its date from outside;
3. the dataset's extraction date (``extraction_date`` of ``dataset.json``): the day the
   figures stand at.

Without any of them the report shows no date, and the run says so. The time a run was
made is recorded in its provenance alone (``run-data/run.json``).
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from helpers.core.paths import COMMITTEE_DIR

RELEASE_FILE = "release.toml"
RELEASE_DATE = "release_date"
EPOCH_VARIABLE = "SOURCE_DATE_EPOCH"


@dataclass(frozen=True)
class Edition:
    """The edition's date (ISO ``YYYY-MM-DD``, empty when none) and where it comes from."""

    date: str
    source: str


def edition_date(
    year: int,
    data_dir: Path,
    environ: Mapping[str, str] | None = None,
    committee_dir: Path = COMMITTEE_DIR,
) -> Edition:
    """The date the report of ``year`` on the data in ``data_dir`` carries.

    Raises
    ------
    ValueError
        When ``SOURCE_DATE_EPOCH`` is set but is not a whole number of seconds, or the
        committee's release date is not a date (one line naming the variable or file).
    """
    environ = os.environ if environ is None else environ
    release = read_release_date(committee_dir / str(year) / RELEASE_FILE)
    if release is not None:
        return Edition(release.isoformat(), f"the committee's release date ({RELEASE_FILE})")
    epoch = environ.get(EPOCH_VARIABLE, "").strip()
    if epoch:
        if not epoch.isdigit():
            raise ValueError(f"{EPOCH_VARIABLE} must be a whole number of seconds, got {epoch!r}")
        moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        return Edition(moment.date().isoformat(), EPOCH_VARIABLE)
    from helpers.intake.description import read_description

    extraction = read_description(data_dir).meta.get("extraction_date")
    if extraction:
        return Edition(str(extraction), "the data's extraction date (dataset.json)")
    return Edition("", "")


def read_release_date(path: Path) -> dt.date | None:
    """The ``release_date`` of a committee's release file; None when the file or the
    field is absent."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        value = tomllib.loads(text).get(RELEASE_DATE)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path.name}: not valid TOML ({error})") from error
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise ValueError(f"{path.name}: {RELEASE_DATE} must be a date, got {value!r}") from error

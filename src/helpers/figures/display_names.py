"""Readers' names for the codes the data spells its values with (teams, ...).

``data/reference/display_names.csv`` gives each code of a kind (``team``) its name in
every language of the report (``name_en``, ``name_fr``). A code the table does not know
is shown readably (underscores to spaces, first letter capitalised: ``data_office`` reads
"Data office") and ``list_unknown`` names it, so that a run lists it as a warning and the
table can be completed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from helpers.core.paths import REFERENCE_DIR

DISPLAY_NAMES_FILE = REFERENCE_DIR / "display_names.csv"
TEAM = "team"


@lru_cache(maxsize=1)
def read_display_names() -> dict[tuple[str, str, str], str]:
    """(kind, code, language) to the name readers see, from the reference table."""
    from helpers.core import safe_csv

    table = safe_csv.read_frame(DISPLAY_NAMES_FILE, dtype=str, keep_default_na=False)
    names = {}
    for record in table.to_dict("records"):
        for column, name in record.items():
            if column.startswith("name_") and name.strip():
                names[(record["kind"], record["code"], column.removeprefix("name_"))] = name
    return names


# A code, as opposed to a name the data writes for readers: lower-case letters and
# digits joined by underscores.
CODE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")


def is_code(value: str) -> bool:
    return CODE.fullmatch(value) is not None


def readable(code: str) -> str:
    """A code the table does not name, in words: ``data_office`` reads "Data office";
    a name the data writes for readers (spaces, capitals, signs) is shown as written."""
    if not is_code(code):
        return code
    words = code.replace("_", " ")
    return words[:1].upper() + words[1:]


def display_name(kind: str, code: str, lang: str) -> str:
    """The name of ``code`` (of ``kind``) readers see in ``lang``; readable when unknown."""
    return read_display_names().get((kind, code, lang)) or readable(code)


def list_unknown(kind: str, codes: Iterable[str], lang: str = "en") -> list[str]:
    """The codes of ``kind`` the table has no name for in ``lang``, sorted, each once
    (names the data writes as readers read them are not codes)."""
    names = read_display_names()
    return sorted({c for c in codes if is_code(c) and (kind, c, lang) not in names})

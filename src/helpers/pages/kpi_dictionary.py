"""The KPI file's dictionary: what each metric id of ``kpis.csv`` is, from its declaration.

One row per metric of the registry, with its page, kind, unit and direction, and its
label and definition in every language of the report. Written beside ``kpis.csv`` in
each report folder (``kpis-dictionary.csv``), so that the file can be read without the
report's pages.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.core.safe_csv import write_rows
from helpers.figures import registry
from helpers.pages import i18n

DICTIONARY_FILE = "kpis-dictionary.csv"


def dictionary_frame() -> pd.DataFrame:
    """The dictionary, in the registry's order."""
    rows = []
    for spec in registry.METRICS:
        row = {
            "metric": spec.id,
            "section": spec.section,
            "kind": spec.kind,
            "unit": spec.unit,
            "direction": spec.direction,
            "neutral_for": " ".join(spec.neutral_segments),
            "segments": spec.segments,
        }
        for lang in i18n.LANGUAGES:
            row[f"label_{lang}"] = i18n.t(spec.label_key, lang)
        for lang in i18n.LANGUAGES:
            row[f"definition_{lang}"] = i18n.t(spec.definition_key, lang)
        rows.append(row)
    return pd.DataFrame(rows)


def write_dictionary(path: Path) -> Path:
    """Write the dictionary as CSV (UTF-8, safe to open in a spreadsheet) at ``path``."""
    frame = dictionary_frame()
    return write_rows(path, list(frame.columns), frame.itertuples(index=False))

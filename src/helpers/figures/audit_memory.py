"""The intruder's check remembered: a year (or a year's graduates, followed over the years
after) audited once on the same data, with the same figures and the same code, is not
audited again.

The check is the slowest part of computing a year's figures, and every report audits
each year of its history: the report of the next year, or of the same year in another
language after a change of wording, audits the same years on the same figures. Its
result is a JSON record of the project's verified cache (``helpers.core.cache``), under
a key made of the dataset's fingerprint, the year, MIN_CELL, the figures and series it
was given, the version of the figures' code and those of the solvers. A record whose
content does not match its digest is discarded and the year audited anew.
"""

from __future__ import annotations

import hashlib
import math
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.core.cache import Store, cache_key, user_cache_folder

if TYPE_CHECKING:
    from helpers.figures.intruder import AuditResult
    from helpers.intake.dataset import Dataset

# How many audited years the cache keeps (a record is a few kilobytes).
AUDITS_KEPT = 200


def audit_store() -> Store:
    return Store(user_cache_folder() / "audits")


def frame_digest(frame: pd.DataFrame | None) -> str:
    """The SHA-256 of a frame's content (columns, order and values), for the key."""
    if frame is None:
        return ""
    text = frame.to_csv(index=False, lineterminator="\n", float_format="%.17g")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def audit_key(
    ds: Dataset,
    year: int,
    kpis: pd.DataFrame,
    min_cell: int,
    series: pd.DataFrame | None,
    population: str = "year",
) -> str | None:
    """The key of a year's audit, or None when it must not be remembered: a dataset
    without a fingerprint (built in memory) or loaded to be checked anew (``--no-cache``)."""
    if not (ds.fingerprint and ds.reuse_results):
        return None
    from helpers.figures.run_data import hash_figures_code

    return cache_key(
        files={"dataset": ds.fingerprint},
        params={
            "year": int(year),
            # The populations of the year, or its graduates followed over the years after.
            "population": population,
            "min_cell": int(min_cell),
            "figures": frame_digest(kpis),
            "series": frame_digest(series),
            # Another solver may rest a range on other counts, and withhold others.
            "solvers": [version("highspy"), version("scipy")],
        },
        code=hash_figures_code(),
    )


def _finding_record(finding: Any) -> dict[str, Any]:
    # JSON has no infinity: an unbounded range is written as None.
    def bound(x: float) -> float | None:
        return None if math.isinf(x) else float(x)

    return {
        "label": finding.label,
        "true": int(finding.true),
        "low": bound(finding.low),
        "high": bound(finding.high),
        "used": [int(i) for i in finding.used],
    }


def _finding(record: dict[str, Any]) -> Any:
    from helpers.figures.intruder import Finding

    low = -math.inf if record["low"] is None else record["low"]
    high = math.inf if record["high"] is None else record["high"]
    return Finding(record["label"], record["true"], low, high, tuple(record["used"]))


def remember_audit(key: str, result: AuditResult) -> None:
    store = audit_store()
    store.write_record(
        f"{key}.json",
        {
            "year": result.year,
            "exposed_before": [_finding_record(f) for f in result.exposed_before],
            "exposed_after": [_finding_record(f) for f in result.exposed_after],
            "withheld": [list(figure) for figure in result.withheld],
            "targets": result.targets,
            "seconds": result.seconds,
        },
    )
    store.prune(AUDITS_KEPT)


def recall_audit(key: str) -> AuditResult | None:
    """The audit remembered under ``key``; None when absent or damaged (discarded)."""
    from helpers.figures.intruder import AuditResult

    content = audit_store().record(f"{key}.json")
    if not content:
        return None
    return AuditResult(
        year=int(content["year"]),
        exposed_before=[_finding(f) for f in content["exposed_before"]],
        exposed_after=[_finding(f) for f in content["exposed_after"]],
        withheld=[(int(y), str(m), str(s)) for y, m, s in content["withheld"]],
        targets=int(content["targets"]),
        seconds=0.0,
        remembered=True,
    )

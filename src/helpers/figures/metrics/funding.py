"""How the students started in Y are funded, by segment."""

from __future__ import annotations

import pandas as pd

from helpers.figures import segments, stats
from helpers.figures.metrics.common import (
    counts_by_key,
    frame_by_segment,
    in_year,
    rate_figure,
    sql_string,
)
from helpers.figures.stats import MIN_CELL
from helpers.intake import contract
from helpers.intake.dataset import Dataset

FUNDING_SHARE_METRICS = tuple(f"funding_share_{t}" for t in contract.FUNDING_TYPES)
INDIVIDUAL_SHARE = "funding_share_individual"
THIRD_PARTY_SHARE = "third_party_funding_share"


def funding_counts(ds: Dataset, year: int, funding_type: str) -> dict[str, dict[str, int]]:
    """Return, by segment, the students started in ``year`` and those with ``funding_type``.

    The counts of every funding type come from one query, run once for the six figures
    that read them.
    """
    if funding_type not in contract.FUNDING_TYPES:
        raise ValueError(f"unknown funding type {funding_type!r}")
    by_type = ", ".join(
        f'count(*) FILTER (WHERE e.funding_type = {sql_string(t)}) AS "{t}"'
        for t in contract.FUNDING_TYPES
    )
    sql = f"""
        WITH seg AS ({segments.application_segments_sql(ds, year)})
        SELECT seg.segment AS key, count(*) AS denominator, {by_type}
        FROM enrollments e JOIN seg ON seg.application_id = e.application_id
        WHERE {in_year("e.started_at", year)}
        GROUP BY seg.segment
    """
    counts = counts_by_key(
        ds, sql, segments.segment_ids(ds, year), ("denominator", *contract.FUNDING_TYPES)
    )
    return {
        k: {"numerator": c[funding_type], "denominator": c["denominator"]}
        for k, c in counts.items()
    }


def compute_funding_share(
    ds: Dataset, year: int, funding_type: str, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Share of each segment's students started in ``year`` funded by ``funding_type``."""
    if funding_type not in contract.FUNDING_TYPES:
        raise ValueError(f"unknown funding type {funding_type!r}")
    counts = funding_counts(ds, year, funding_type)
    figures = [
        rate_figure(f"funding_share_{funding_type}", k, c["numerator"], c["denominator"], min_cell)
        for k, c in counts.items()
    ]
    return frame_by_segment(figures)


def compute_funding_share_individual(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Share funded by the student (self-payment or personal training account)."""
    return compute_funding_share(ds, year, "individual", min_cell)


def compute_funding_share_public(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Share funded by a public body."""
    return compute_funding_share(ds, year, "public", min_cell)


def compute_funding_share_apprenticeship(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Share on an apprenticeship contract."""
    return compute_funding_share(ds, year, "apprenticeship", min_cell)


def compute_funding_share_employer(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Share funded by their employer."""
    return compute_funding_share(ds, year, "employer", min_cell)


def compute_funding_share_other(ds: Dataset, year: int, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Share funded in any other way."""
    return compute_funding_share(ds, year, "other", min_cell)


def compute_third_party_funding_share(
    ds: Dataset, year: int, min_cell: int = MIN_CELL
) -> pd.DataFrame:
    """Share not funded by the student: 1 - the individual share.

    Computed from the individual counts (numerator = students - individually funded), so
    it carries its own interval and is withheld exactly when the individual share is.
    """
    counts = funding_counts(ds, year, "individual")
    figures = [
        rate_figure(
            THIRD_PARTY_SHARE, k, c["denominator"] - c["numerator"], c["denominator"], min_cell
        )
        for k, c in counts.items()
    ]
    return frame_by_segment(figures)


def funding_breakdowns(frame: pd.DataFrame) -> list[stats.Breakdown]:
    """Return the breakdowns of the funding shares of each segment in a tidy frame.

    The five shares of one segment add up to 1, and so do the individual and third-party
    shares: in each, one withheld figure could be recovered from the others.
    """
    rows = {
        (m, s): i for i, m, s in zip(frame.index, frame["metric"], frame["segment"], strict=True)
    }
    breakdowns = []
    for segment in dict.fromkeys(frame["segment"]):
        five = tuple(rows[(m, segment)] for m in FUNDING_SHARE_METRICS if (m, segment) in rows)
        if len(five) > 1:
            breakdowns.append(stats.Breakdown(five, "numerator"))
        pair = tuple(
            rows[(m, segment)]
            for m in (INDIVIDUAL_SHARE, THIRD_PARTY_SHARE)
            if (m, segment) in rows
        )
        if len(pair) == 2:
            breakdowns.append(stats.Breakdown(pair, "numerator"))
    return breakdowns

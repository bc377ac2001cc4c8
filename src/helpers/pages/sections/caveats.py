"""The caveats that sit beside a figure: a short note and a link to its detail.

A caveat is generated from the run's data, never placed by hand: a published figure of
the year in conflict with, or outside the tolerance of, the computed one (the
reconciliation); a group whose definition changed since the previous year (the category
rules); a share or rate over a small group; a figure read from a table that is a
snapshot of the day of extraction, one value for every year; a ratio whose parts moved
in opposite ways. ``SectionCaveats`` is mixed into ``helpers.pages.sections.section.Section``;
tables, key findings, cards and charts show what ``caveats`` returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from helpers.figures import reconcile, registry
from helpers.pages import i18n
from helpers.pages.i18n import t
from helpers.pages.sections.figures import (
    SMALL_GROUP_SIZE,
    UNION_SEGMENTS,
    Kpi,
    compare_years,
    rules_in_force,
)
from helpers.pages.sections.markup import METHODS_PAGE, escape, metric_anchor
from helpers.pages.sections.published import format_published

# Tables of the contract that describe things as they are on the day of extraction,
# not as they were in each year: a figure read from one is the same for every year.
SNAPSHOT_TABLES = ("mentors",)
# The reconciliation statuses a figure's caveat reports.
FLAGGED_STATUSES = ("conflict", "outside")
RECONCILIATION_PAGE = "reconciliation.html"
# The kinds of caveat, in the order a figure lists them.
KINDS = ("conflict", "definition", "small_group", "snapshot", "ratio_parts")


@dataclass(frozen=True)
class Caveat:
    """One note on a figure: its kind, its sentence and the address of its detail."""

    kind: str
    text: str
    href: str


def published_anchor(metric: str, segment: str) -> str:
    """The id of a published figure's row on the reconciliation page."""
    return f"published-{metric}-{segment}"


def is_snapshot(metric: str) -> bool:
    """True when ``metric`` reads only tables that are snapshots of the day of extraction
    (women among tech instructors; not the mentoring of students, which follows the
    students of each year)."""
    reads = registry.metric(metric).reads
    return bool(reads) and all(table in SNAPSHOT_TABLES for table in reads)


def reads_snapshot(metric: str) -> bool:
    """True when ``metric`` follows the people of each year but reads some of their
    attributes from a snapshot of the day of extraction (mentors' disability training)."""
    reads = registry.metric(metric).reads
    return any(table in SNAPSHOT_TABLES for table in reads) and not is_snapshot(metric)


def widened(rules: pd.DataFrame, segment: str, before: int, after: int) -> bool:
    """True when the rules of ``segment`` in ``after`` include all those of ``before``
    (for the union groups, every category's), so that it can only have gained members."""
    old, new = rules_in_force(rules, before), rules_in_force(rules, after)
    categories = set(old) | set(new) if segment in UNION_SEGMENTS else {segment}
    return all(old.get(c, frozenset()) <= new.get(c, frozenset()) for c in categories)


class SectionCaveats:
    """The caveats of a section's figures (see ``Section``)."""

    @cached_property
    def flagged_published(self) -> dict[tuple[str, str], dict]:
        """The published figures of the year in conflict or outside tolerance, by
        (metric, segment): the first such row of each."""
        run = self.run
        if run.published is None or run.published.empty:
            return {}
        compared = reconcile.compare_with_published(
            run.published, run.history, self.year, run.conflicts
        )
        flagged = compared[compared["status"].isin(FLAGGED_STATUSES)]
        found: dict[tuple[str, str], dict] = {}
        for row in flagged.to_dict("records"):
            found.setdefault((str(row["metric"]), str(row["segment"])), row)
        return found

    def caveats(self, kpi: Kpi, *, with_previous: bool = True) -> list[Caveat]:
        """Every caveat on ``kpi``, in the order of ``KINDS``; ``with_previous`` when the
        piece sets the figure beside the previous year (a definition change matters then)."""
        found = []
        row = self.flagged_published.get((kpi.metric, kpi.segment))
        if row is not None and kpi.year == self.year and kpi.measured:
            found.append(
                Caveat(
                    "conflict",
                    t(
                        f"caveat.{row['status']}",
                        self.lang,
                        published=format_published(row["published"], row["unit"], self.lang),
                        document=t(f"document.{row['source']}", self.lang),
                    ),
                    f"{RECONCILIATION_PAGE}#{published_anchor(kpi.metric, kpi.segment)}",
                )
            )
        definition = self.definition_caveat(kpi) if with_previous else None
        if definition is not None:
            found.append(definition)
        if kpi.small_group:
            found.append(
                Caveat(
                    "small_group",
                    t(
                        "caveat.small_group",
                        self.lang,
                        denominator=i18n.format_number(kpi.denominator, self.lang),
                        small=SMALL_GROUP_SIZE,
                    ),
                    f"{METHODS_PAGE}#{metric_anchor(kpi.metric)}",
                )
            )
        if is_snapshot(kpi.metric) and kpi.measured:
            found.append(
                Caveat(
                    "snapshot",
                    t("caveat.snapshot", self.lang),
                    f"{METHODS_PAGE}#{metric_anchor(kpi.metric)}",
                )
            )
        elif reads_snapshot(kpi.metric) and kpi.measured:
            # Each year's people, read with attributes as they stood at extraction: a
            # change between years mixes what changed with when it was recorded.
            found.append(
                Caveat(
                    "snapshot",
                    t("caveat.partial_snapshot", self.lang),
                    f"{METHODS_PAGE}#{metric_anchor(kpi.metric)}",
                )
            )
        parts = self.parts_sentence(kpi) if with_previous and self.has_previous else ""
        if parts:
            found.append(
                Caveat("ratio_parts", parts, f"{METHODS_PAGE}#{metric_anchor(kpi.metric)}")
            )
        return found

    def definition_caveat(self, kpi: Kpi) -> Caveat | None:
        """What a change of the group's definition does to its change since last year.

        A share of a group whose definition only widened and which still fell clearly
        fell despite the definition: under last year's rules it would be lower still.
        """
        if not (self.has_previous and kpi.segment in self.redefined and kpi.measured):
            return None
        previous = self.kpi(kpi.metric, kpi.segment, self.previous_year)
        change = compare_years(kpi, previous)
        if change is None:
            return None
        words = self.definition_words(kpi)
        key = "caveat.definition"
        grew = widened(self.category_rules, kpi.segment, self.previous_year, self.year)
        if kpi.metric == "segment_share" and grew and change.clear:
            key = "caveat.definition_fell" if change.value < 0 else "caveat.definition_rose"
        return Caveat(
            "definition", t(key, self.lang, **words), f"{METHODS_PAGE}#group-{kpi.segment}"
        )

    def definition_words(self, kpi: Kpi) -> dict[str, object]:
        """The words of a definition caveat: the two years and the two values."""
        previous = self.kpi(kpi.metric, kpi.segment, self.previous_year)
        return {
            "previous_year": self.previous_year,
            "change_year": self.year,
            "value": self.describe(kpi),
            "previous": self.describe(previous),
        }

    def caveats_html(self, caveats: Sequence[Caveat]) -> str:
        """The caveats as notes, each with a link to its detail (empty without any)."""
        link = escape(t("caveat.link", self.lang))
        return "".join(
            f'<span class="mr-caveat mr-caveat-{c.kind}" role="note">{escape(c.text)} '
            f'<a href="{escape(c.href)}">{link}</a></span>'
            for c in caveats
        )

    def figure_caveats(self, kpi: Kpi, *, with_previous: bool = True) -> str:
        """The HTML of the caveats of one figure, for a table row or a card."""
        return self.caveats_html(self.caveats(kpi, with_previous=with_previous))

    def said_in_headline(self, kpi: Kpi) -> tuple[str, ...]:
        """The kinds of caveat a headline sentence already states in its own words."""
        return ("small_group", "ratio_parts", "definition")

    def headline_caveats(self, kpi: Kpi) -> str:
        """The caveats a key finding adds after its sentence."""
        caveats = [c for c in self.caveats(kpi) if c.kind not in self.said_in_headline(kpi)]
        return self.caveats_html(caveats)

"""The active title of a chart: its finding in one sentence, from the figures it draws.

A chart's descriptive title (what is measured, for whom, when) becomes its statistical
subtitle; the active title above it says what the figures show, under the rules of the
key findings: a change or a gap is called so only when its 95 % interval excludes zero
(a relative change of a count, when it does not round to 0.0 %; a sampled figure, when
the two intervals part), and a figure over a small group says so.
``ChartTitles`` is mixed into ``helpers.pages.sections.section.Section``.
"""

from __future__ import annotations

from collections.abc import Sequence

from helpers.figures import claims, verdicts
from helpers.pages.i18n import t
from helpers.pages.sections.figures import NO_CHANGE, Kpi, compare_groups, compare_years
from helpers.pages.sections.text import lower_first


def changed_clearly(current: Kpi, before: Kpi) -> tuple[bool, float] | None:
    """Whether ``current`` differs clearly from ``before``, and the signed difference;
    None when the two cannot be compared."""
    change = compare_years(current, before)
    if change is None:
        return None
    if change.points:
        return change.clear, change.value
    moved = abs(change.value) >= NO_CHANGE
    apart = verdicts.intervals_apart(
        (current.ci_low, current.ci_high), (before.ci_low, before.ci_high)
    )
    if moved and apart is not None:
        moved = apart
    return moved, change.value


class ChartTitles:
    """Active titles of a section's charts (see ``Section``)."""

    def change_title(self, name: str, current: Kpi, before: Kpi) -> str:
        """One figure between two years: up, down, or no clear change."""
        words = {
            "name": name,
            "value": self._bar_text(current),
            "year": current.year,
            "before": self._bar_text(before),
            "before_year": before.year,
        }
        if not current.measured:
            return t("chart.finding_missing", self.lang, **words)
        judged = changed_clearly(current, before)
        if judged is None:
            return t("chart.finding_single", self.lang, **words)
        moved, value = judged
        if not moved:
            return t("chart.finding_no_change", self.lang, **words)
        key = "chart.finding_up" if value > 0 else "chart.finding_down"
        return t(key, self.lang, **words)

    def value_words(self, kpi: Kpi) -> str:
        """A figure inside a parenthesis of a title: its value, and "small group" after a
        comma rather than in a second parenthesis."""
        text = self.describe(kpi)
        return f"{text}, {t('status.small_group', self.lang)}" if kpi.small_group else text

    def range_title(self, named: Sequence[tuple[str, Kpi]]) -> str | None:
        """Groups of one figure: which is highest and which lowest this year."""
        shown = [(n, k) for n, k in named if k.measured]
        if len(shown) < 2:
            return None
        top = max(shown, key=lambda item: item[1].value)
        bottom = min(shown, key=lambda item: item[1].value)
        return t(
            "chart.finding_range",
            self.lang,
            year=self.year,
            top=lower_first([top[0]])[0],
            top_value=self.value_words(top[1]),
            bottom=lower_first([bottom[0]])[0],
            bottom_value=self.value_words(bottom[1]),
        )

    def gaps_title(self, metric: str, segments: Sequence[str], reference: str) -> str | None:
        """Groups against a reference group: how many clearly below, above, or not apart."""
        base = self.kpi(metric, reference)
        groups: dict[str, list[str]] = {"below": [], "above": [], "unclear": []}
        for segment in segments:
            if segment == reference:
                continue
            change = compare_groups(self.kpi(metric, segment), base)
            if change is None:
                continue
            groups[change.reading].append(segment)
        counts = {reading: len(names) for reading, names in groups.items()}
        if not sum(counts.values()):
            return None
        parts = [
            t(f"chart.finding_gaps_{reading}", self.lang, count=count)
            for reading, count in counts.items()
            if count
        ]
        # "All students" reads badly after a preposition in French: said as a whole.
        words = t(
            "chart.finding_gaps_all" if reference == "all" else "chart.finding_gaps",
            self.lang,
            metric=self.label(metric),
            reference=lower_first([self.segment_name(reference, metric)])[0],
            year=self.year,
            total=sum(counts.values()),
            parts=", ".join(parts),
        )
        # The groups of each reading, by code: a reader of the built page checks each
        # against the reference's figure.
        facts = {"reference": reference, "total": sum(counts.values()), **counts}
        facts |= {f"{reading}-groups": " ".join(names) for reading, names in groups.items()}
        return claims.ClaimText(words, claims.Claim(claims.GROUPS, metric, "", self.year, facts))

    def trend_title(self, name: str, metric: str, segment: str, years: Sequence[int]) -> str:
        """A line over the years: the report year against the first year drawn."""
        current = self.kpi(metric, segment)
        first = next(
            (self.kpi(metric, segment, y) for y in years if self.kpi(metric, segment, y).measured),
            self.kpi(metric, segment, years[0]),
        )
        if first.year == current.year:
            return t(
                "chart.finding_single",
                self.lang,
                name=name,
                value=self._bar_text(current),
                year=self.year,
            )
        return self.change_title(name, current, first)

    def largest_title(self, name: str, text: str, share: float) -> str:
        """A breakdown: the largest part, and its share of the whole."""
        from helpers.pages import i18n

        return t(
            "chart.finding_largest",
            self.lang,
            name=name,
            value=text,
            share=i18n.format_percent(share, self.lang, 0),
            year=self.year,
        )

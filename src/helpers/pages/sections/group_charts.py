"""Charts that set groups side by side: one figure across the underserved groups and
their comparators, and the funding mix of each group.

``GroupCharts`` is mixed into ``helpers.pages.sections.section.Section``, whose figures and
words it uses; the drawing is ``helpers.pages.charts``'s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from IPython.display import HTML

from helpers.intake import contract
from helpers.pages import charts, i18n
from helpers.pages.i18n import t
from helpers.pages.sections.chart_pieces import FUNDING_METRICS, rank_by_value
from helpers.pages.sections.figures import (
    UNION_SEGMENTS,
    axis_formatter,
    axis_label_key,
    axis_scale,
)


class GroupCharts:
    """One figure across groups, and each group's funding mix (see ``Section``)."""

    def segments_chart(
        self,
        metric: str,
        segments: Sequence[str],
        title_key: str,
        reference: str | None = None,
        sort: bool = True,
        split_small: bool = False,
    ) -> HTML:
        """One figure across groups, sorted from highest to lowest this year (unless
        ``sort`` is false, for a pair read in a set order), with the previous year beside
        it and, optionally, the reference group as a dashed line. ``split_small`` draws
        the groups far smaller than the largest in a panel of their own."""
        order = (
            sorted(segments, key=lambda s: rank_by_value(self.kpi(metric, s))) if sort else segments
        )
        items = [(self.segment_name(s, metric), metric, s) for s in order]
        title = t(title_key, self.lang, year=self.year, metric=self.label(metric))
        line = None
        base = self.kpi(metric, reference) if reference else None
        if base is not None and base.measured:
            words = {"group": self.segment_name(reference, metric), "value": self.describe(base)}
            line = (base.value, t("chart.reference_line", self.lang, **words))
        frame = self._bar_rows(items)
        figure = charts.plot_bars(
            frame,
            title,
            t(axis_label_key(metric), self.lang),
            axis_formatter(metric, self.lang),
            scale=axis_scale(metric),
            reference=line,
            note=self._join_notes(self._interval_note(metric), self._definition_note(segments)),
            split_small=split_small,
        )
        named = [(self.segment_name(s, metric), self.kpi(metric, s)) for s in order]
        # The underserved group is the union of the categories, not one of them.
        categories = [(n, k) for n, k in named if k.segment not in UNION_SEGMENTS] or named
        finding = (
            self.gaps_title(metric, segments, reference)
            if reference
            else self.range_title(categories)
        )
        # The chart's own note says that the previous year's bars follow the earlier
        # definitions; the share of each group says what the change did to it.
        with_previous = self.has_previous and metric == "segment_share"
        caveats = self._chart_caveats(named, with_previous=with_previous)
        return self._show(figure, title, frame, finding, caveats)

    def _definition_note(self, segments: Sequence[str]) -> str | None:
        """Said under a chart that sets category groups of two years' definitions side by side."""
        if self.redefined & set(segments):
            return t(
                "chart.definition_note",
                self.lang,
                previous_year=self.previous_year,
                change_year=self.year,
            )
        return None

    def mix_chart(self, segments: Sequence[str], title_key: str) -> HTML:
        """The funding mix of each group as one 100 % bar; withheld parts stay withheld."""
        parts = [t(f"funding_type.{kind}", self.lang) for kind in contract.FUNDING_TYPES]
        rows = []
        for segment in segments:
            for metric, part in zip(FUNDING_METRICS, parts, strict=True):
                kpi = self.kpi(metric, segment)
                rows.append(
                    {
                        "label": self.segment_name(segment),
                        "part": part,
                        "value": kpi.value if kpi.measured else math.nan,
                        "withheld": kpi.suppressed,
                        "text": i18n.format_percent(kpi.value, self.lang, 0)
                        if kpi.measured
                        else self._bar_text(kpi),
                    }
                )
        title = t(title_key, self.lang, year=self.year)
        frame = pd.DataFrame(rows)
        figure = charts.plot_stacked_shares(
            frame,
            title,
            t("chart.percent_axis", self.lang),
            axis_formatter(FUNDING_METRICS[0], self.lang),
            t("chart.withheld", self.lang),
            parts,
        )
        return self._show(figure, title, frame, self._mix_finding(frame))

    def _mix_finding(self, frame: pd.DataFrame) -> str | None:
        """The funding mix's active title: the part that funds most of the first group."""
        first = frame[frame["label"] == frame["label"].iloc[0]].dropna(subset=["value"])
        if first.empty:
            return None
        top = first.loc[first["value"].idxmax()]
        return t(
            "chart.finding_mix",
            self.lang,
            year=self.year,
            part=str(top["part"]).lower(),
            group=str(top["label"]).lower(),
            value=str(top["text"]),
        )

"""The funnel's charts: its stages as bars, from visitors to career outcomes, and a
group's success rates with their intervals, this year beside the previous.

``FunnelCharts`` is mixed into ``helpers.pages.sections.section.Section``, whose figures and
words it uses; the drawing is ``helpers.pages.charts``'s.
"""

from __future__ import annotations

from collections.abc import Sequence

from IPython.display import HTML

from helpers.pages import charts
from helpers.pages.i18n import t
from helpers.pages.sections.figures import axis_formatter, axis_label_key


class FunnelCharts:
    """The funnel's stages and a group's rates (see ``Section``)."""

    def funnel_chart(self, metrics: Sequence[str]) -> HTML:
        """The funnel's stages as bars from zero, this year beside the previous; stages far
        smaller than the largest get panels of their own, each on its own linear scale
        (a logarithmic axis would make a hundredfold gap look threefold)."""
        items = [(t(f"funnel.stage.{m}.name", self.lang), m, "all") for m in metrics]
        key = "funnel.chart_funnel" if self.has_previous else "funnel.chart_funnel_single"
        title = t(key, self.lang, year=self.year, previous_year=self.previous_year)
        frame = self._bar_rows(items)
        figure = charts.plot_bars(
            frame,
            title,
            t("chart.count_axis", self.lang),
            axis_formatter(metrics[0], self.lang),
            scale="count",
            note=self._join_notes(
                t("funnel.note_mixed_units", self.lang),
                t("readable.panels_note", self.lang)
                if len(charts.split_small_labels(frame)) > 1
                else None,
            ),
            split_small=True,
        )
        started = [i for i in items if i[1] == "students_started"] or items
        return self._show(figure, title, frame, self._first_item_finding(started))

    def rates_chart(self, metrics: Sequence[str], title_key: str, segment: str = "all") -> HTML:
        """Several rates of one group, this year beside the previous, with their intervals."""
        items = [(self.label(m), m, segment) for m in metrics]
        title = t(title_key, self.lang, year=self.year)
        frame = self._bar_rows(items)
        figure = charts.plot_bars(
            frame,
            title,
            t(axis_label_key(metrics[0]), self.lang),
            axis_formatter(metrics[0], self.lang),
            scale="share",
            note=t("chart.interval_note", self.lang),
        )
        return self._show(figure, title, frame, self._first_item_finding(items))

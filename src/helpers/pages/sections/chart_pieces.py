"""What the charts of a section share: a chart shown with its title, caption, caveats and
data file, the bars of figures with their intervals, and the notes under a chart. The
charts themselves live in the modules named for what they draw (``funnel_charts``,
``group_charts``, ``time_charts``, ``carbon_charts``, ``impact``), drawn by
``helpers.pages.charts`` with every text translated and every number in the locale's format.

``SectionCharts`` is mixed into ``helpers.pages.sections.section.Section``, whose figures and
words it uses. A chart is returned as HTML (an embedded PNG with its title as
alternative text); a chart without data to draw says so in a short note.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import pandas as pd
from IPython.display import HTML
from matplotlib.figure import Figure

from helpers.figures import registry
from helpers.intake import contract
from helpers.pages import charts, i18n
from helpers.pages.i18n import t
from helpers.pages.sections.caveats import is_snapshot
from helpers.pages.sections.figures import Kpi
from helpers.pages.sections.markup import chart_data_link, describe_chart, figure_html

FUNDING_METRICS = tuple(f"funding_share_{kind}" for kind in contract.FUNDING_TYPES)
MONTH_PERIOD_LENGTH = len("2022-01")


class SectionCharts:
    """Chart pieces of a section (see ``Section``)."""

    def _show(
        self,
        figure: Figure,
        title: str,
        frame: pd.DataFrame,
        finding: str | None = None,
        caveats: str = "",
    ) -> HTML:
        """A chart as vector images (for a screen or the page, and for a phone) with its
        title and note as a caption, alternative text that reads its figures, and a
        link to a CSV of exactly the figures it draws (``frame``, already under
        disclosure control: a withheld figure has no value there either).

        With a ``finding`` (``ChartTitles``), the finding is the active title and the
        drawn title its statistical subtitle; the alternative text starts with both.
        ``caveats`` (HTML of ``chart_caveats``) sit under the chart, before the link.
        """
        drawn_title, note = charts.take_captions(figure)
        wide = charts.render_svg(figure)
        printed = charts.render_print_svg(figure)
        narrow = charts.render_narrow_svg(figure)
        described = drawn_title or title
        heading, subtitle = (finding, described) if finding else (described, "")
        spoken = f"{finding}. {described}" if finding else described
        alt = describe_chart(t("chart.alt", self.lang, title=spoken), frame)
        link = chart_data_link(frame, t("chart.data_link", self.lang), self._chart_file_name(title))
        return HTML(
            figure_html(
                wide, narrow, alt, heading, note, caveats + link, subtitle=subtitle, printed=printed
            )
        )

    def _chart_caveats(self, named: Sequence[tuple[str, Kpi]], with_previous: bool = True) -> str:
        """The caveats of the figures a chart draws for the report year, each said once,
        with the figure it qualifies named first."""
        seen, found = set(), []
        for name, kpi in named:
            for caveat in self.caveats(kpi, with_previous=with_previous):
                if caveat.kind == "ratio_parts" or (caveat.kind, name) in seen:
                    continue
                seen.add((caveat.kind, name))
                found.append(type(caveat)(caveat.kind, f"{name}: {caveat.text}", caveat.href))
        return self.caveats_html(found)

    def _chart_file_name(self, title: str) -> str:
        """The name a chart's CSV is saved under: the section, the year and the title."""
        words = re.sub(r"[^\w]+", "-", title.lower(), flags=re.UNICODE).strip("-")
        return f"{self.name}-{self.year}-{words[:60].rstrip('-')}.csv"

    def _chart_years(self) -> list[int]:
        """This year, and the previous one when the data has it."""
        return [self.year, self.previous_year] if self.has_previous else [self.year]

    def _bar_text(self, kpi: Kpi) -> str:
        """What a chart writes for a figure: its value, or why it has none."""
        if kpi.suppressed:
            return t("chart.withheld", self.lang)
        if math.isnan(kpi.value):
            return t("chart.not_measurable", self.lang)
        text = self.describe(kpi)
        return f"{text} ({t('status.small_group', self.lang)})" if kpi.small_group else text

    def _first_item_finding(self, items: Sequence[tuple[str, str, str]]) -> str | None:
        """The active title of bars by year: how the first figure moved since last year."""
        if not items:
            return None
        name, metric, segment = items[0]
        current = self.kpi(metric, segment)
        if not self.has_previous:
            return t(
                "chart.finding_single",
                self.lang,
                name=name,
                value=self._bar_text(current),
                year=self.year,
            )
        return self.change_title(name, current, self.kpi(metric, segment, self.previous_year))

    def _bar_rows(self, items: Sequence[tuple[str, str, str]]) -> pd.DataFrame:
        """Rows for ``charts.plot_bars``: (label, metric, segment) for each year shown
        (the report year alone for a snapshot, one value for every year)."""
        rows = []
        for label, metric, segment in items:
            years = [self.year] if is_snapshot(metric) else self._chart_years()
            for year in years:
                kpi = self.kpi(metric, segment, year)
                rows.append(
                    {
                        "label": label,
                        "group": str(year),
                        "value": kpi.value if kpi.measured else math.nan,
                        "low": kpi.ci_low if kpi.measured else math.nan,
                        "high": kpi.ci_high if kpi.measured else math.nan,
                        "text": self._bar_text(kpi),
                    }
                )
        return pd.DataFrame(rows)

    def _interval_note(self, metric: str) -> str | None:
        """What the thin lines across the bars of a share or rate are."""
        proportion = registry.metric(metric).kind in registry.PROPORTION_KINDS
        return t("chart.interval_note", self.lang) if proportion else None

    def _band_note(self, metric: str) -> str | None:
        """What the shaded band around the line of a share or rate is."""
        proportion = registry.metric(metric).kind in registry.PROPORTION_KINDS
        return t("chart.band_note", self.lang) if proportion else None

    @staticmethod
    def _join_notes(*notes: str | None) -> str | None:
        return " ".join(n for n in notes if n) or None

    def _name_of(self, table: str, key: str) -> str:
        """The catalog's name for ``key`` in ``table``, or the key in words when it has none."""
        full = f"{table}.{key}"
        return t(full, self.lang) if i18n.has_key(full, self.lang) else key.replace("_", " ")


def rank_by_value(kpi: Kpi) -> tuple[int, float]:
    """Sort key: highest value first, figures without a value last (in the given order)."""
    return (0, -kpi.value) if kpi.measured else (1, 0.0)

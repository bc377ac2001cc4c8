"""Charts over time: a figure's trend over the years, with its objective and the
change of definitions marked, and monthly series of the report year.

``TimeCharts`` is mixed into ``helpers.pages.sections.section.Section``, whose figures and
words it uses; the drawing is ``helpers.pages.charts``'s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from IPython.display import HTML

from helpers.figures import claims
from helpers.figures.metrics.series import SERIES_KINDS
from helpers.pages import charts, i18n
from helpers.pages.i18n import t
from helpers.pages.sections.chart_pieces import MONTH_PERIOD_LENGTH
from helpers.pages.sections.figures import (
    axis_formatter,
    axis_label_key,
    axis_scale,
    definition_change_years,
    format_threshold,
)


class TimeCharts:
    """Trends over the years and monthly series (see ``Section``)."""

    def trend_chart(
        self,
        series: Sequence[tuple[str, str]],
        title_key: str,
        *,
        name_by: str = "metric",
        mark_definition_change: bool = False,
    ) -> HTML:
        """Figures over every year the data covers, one line per (metric, segment).

        The committee's objective is drawn when the chart has one series and one
        objective in force; category figures mark the change of definitions of 2022
        (``mark_definition_change``). Nothing is drawn when the data covers one year.
        """
        years = self._years_with_figures(series)
        if len(years) < 2:
            return self.note("chart.single_year", year=self.year)
        rows = []
        for metric, segment in series:
            name = self.label(metric) if name_by == "metric" else self.segment_name(segment, metric)
            for year in years:
                kpi = self.kpi(metric, segment, year)
                rows.append(
                    {
                        "year": year,
                        "series": name,
                        "value": kpi.value if kpi.measured else math.nan,
                        "low": kpi.ci_low if kpi.measured else math.nan,
                        "high": kpi.ci_high if kpi.measured else math.nan,
                        "text": self._bar_text(kpi),
                    }
                )
        metric = series[0][0]
        title = t(title_key, self.lang, year=self.year, metric=self.label(metric))
        change = self._definition_break(years)
        frame = pd.DataFrame(rows)
        figure = charts.plot_trend(
            frame,
            title,
            t(axis_label_key(metric), self.lang),
            axis_formatter(metric, self.lang),
            t("chart.year_axis", self.lang),
            scale=axis_scale(metric),
            break_after=change if mark_definition_change and change[0] else None,
            reference=self._objective_line(*series[0]) if len(series) == 1 else None,
            # Bands are drawn for a few lines only (``charts.plot_trend``).
            note=self._band_note(metric) if len(series) <= charts.MAX_LABELLED_SERIES else None,
        )
        first_metric, first_segment = series[0]
        first_name = (
            self.label(first_metric)
            if name_by == "metric" or first_segment == "all"
            else self.segment_name(first_segment, first_metric)
        )
        finding = self.trend_title(first_name, first_metric, first_segment, years)
        named = [
            (
                self.label(m) if name_by == "metric" else self.segment_name(s, m),
                self.kpi(m, s),
            )
            for m, s in series
        ]
        caveats = self._chart_caveats(named, with_previous=False)
        return self._show(figure, title, frame, finding, caveats)

    def _definition_break(self, years: Sequence[int]) -> tuple[int, str]:
        """Where a trend marks the latest change of the category definitions among its
        years: (the last year of the old rules, its text), or (0, "") when none falls there."""
        inside = [
            y for y in definition_change_years(self.category_rules) if years[0] < y <= years[-1]
        ]
        if not inside:
            return 0, ""
        return inside[-1] - 1, t("chart.definition_change", self.lang)

    def _years_with_figures(self, series: Sequence[tuple[str, str]]) -> list[int]:
        """The years shown by a trend: from the first in which one of the series has a
        figure (shown or withheld) to the report year."""
        held = [
            year
            for year in self.years
            for metric, segment in series
            if not self.lacks(metric, segment, year)
        ]
        return [year for year in self.years if held and year >= min(held)]

    def _objective_line(self, metric: str, segment: str) -> tuple[float, str] | None:
        """The objective in force in the report year as a chart line, when it is a level."""
        rows = self.objectives_of(metric, segment)
        rows = rows[rows["comparator"] != "growth_>="]
        if rows.empty:
            return None
        objective = rows.iloc[0]
        amount = format_threshold(
            metric, objective["comparator"], objective["threshold"], self.lang
        )
        return float(objective["threshold"]), t("chart.target_line", self.lang, threshold=amount)

    def _series_rows(self, series: str, segment: str = "all") -> pd.DataFrame:
        """The rows of one series of the run (``helpers.figures.kpi_file.compute_series``)."""
        frame = self.run.series
        if frame.empty:
            return frame
        return frame[(frame["series"] == series) & (frame["segment"] == segment)]

    def monthly_chart(
        self, lines: Sequence[tuple[str, str]], title_key: str, name_by: str = "series"
    ) -> HTML:
        """Monthly series of the year, one line per (series, segment); empty without data."""
        rows, sources = [], {}
        for series, segment in lines:
            found = self._series_rows(series, segment)
            found = found[found["period"].astype(str).str.len() == MONTH_PERIOD_LENGTH]
            name = (
                t(f"series.{series}", self.lang)
                if name_by == "series"
                else self.segment_name(segment)
            )
            sources.setdefault(name, (series, segment))
            for record in found.to_dict("records"):
                month = int(str(record["period"])[5:7])
                withheld = bool(record["suppressed"])
                value = math.nan if withheld or pd.isna(record["value"]) else float(record["value"])
                rows.append(
                    {
                        "position": month,
                        "month": i18n.format_month(month, self.lang, "abbreviated"),
                        "series": name,
                        "value": value,
                        "text": t(
                            "chart.withheld" if withheld else "chart.not_measurable", self.lang
                        )
                        if math.isnan(value)
                        else i18n.format_number(value, self.lang, 1),
                    }
                )
        frame = pd.DataFrame(rows)
        if frame.empty or frame["value"].isna().all():
            return self.note("chart.no_data", year=self.year)
        title = t(title_key, self.lang, year=self.year)
        figure = charts.plot_monthly(
            frame,
            title,
            t(
                "chart.tonnes_axis"
                if SERIES_KINDS[lines[0][0]] == "amount"
                else "chart.count_axis",
                self.lang,
            ),
            lambda value: i18n.format_tick(value, self.lang),
            t("chart.month_axis", self.lang),
            scale="count" if SERIES_KINDS[lines[0][0]] == "count" else "linear",
        )
        amount = SERIES_KINDS[lines[0][0]] == "amount"
        return self._show(figure, title, frame, self._peak_finding(frame, amount, sources))

    def _peak_finding(
        self,
        frame: pd.DataFrame,
        amount: bool = False,
        sources: dict[str, tuple[str, str]] | None = None,
    ) -> str | None:
        """A monthly chart's active title: the month in which the line with the highest
        peak peaked; None when no line varies (a flat or zero line has no peak).
        ``sources`` gives the (series, segment) each drawn line's name stands for, for
        the claim the title carries."""
        names = list(dict.fromkeys(frame["series"]))
        values = {
            name: list(frame.loc[frame["series"] == name, "value"].astype(float)) for name in names
        }
        chosen = claims.pick_peak_series(values)
        if chosen is None:
            return None
        line = frame[frame["series"] == chosen].reset_index(drop=True)
        top = line.iloc[claims.find_peak(values[chosen])]
        month = i18n.format_month(int(top["position"]), self.lang, "wide")
        text = t(
            "chart.finding_peak",
            self.lang,
            name=str(top["series"]),
            month=month,
            year=self.year,
            value=(
                t("unit.tonnes", self.lang, value=i18n.format_number(top["value"], self.lang, 1))
                if amount
                else i18n.format_number(top["value"], self.lang)
            ),
        )
        if not sources or chosen not in sources:
            return text
        series, segment = sources[chosen]
        claim = claims.Claim(
            claims.PEAK,
            series,
            segment,
            self.year,
            {"period": f"{self.year}-{int(top['position']):02d}"},
        )
        return claims.ClaimText(text, claim)

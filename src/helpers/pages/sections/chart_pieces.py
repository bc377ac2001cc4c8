"""The charts of a section: the figures of the KPI file and the run's series, drawn by
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

from helpers.figures import claims, registry
from helpers.figures.metrics.series import SERIES_KINDS
from helpers.intake import contract
from helpers.pages import charts, i18n
from helpers.pages.i18n import t
from helpers.pages.sections.caveats import is_snapshot
from helpers.pages.sections.figures import (
    UNION_SEGMENTS,
    Kpi,
    axis_formatter,
    axis_label_key,
    axis_scale,
    definition_change_years,
    format_threshold,
)
from helpers.pages.sections.markup import chart_data_link, describe_chart, figure_html

FUNDING_METRICS = tuple(f"funding_share_{kind}" for kind in contract.FUNDING_TYPES)
MONTH_PERIOD_LENGTH = len("2022-01")


class SectionCharts:
    """Chart pieces of a section (see ``Section``)."""

    def show(
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
        link = chart_data_link(frame, t("chart.data_link", self.lang), self.chart_file_name(title))
        return HTML(
            figure_html(
                wide, narrow, alt, heading, note, caveats + link, subtitle=subtitle, printed=printed
            )
        )

    def chart_caveats(self, named: Sequence[tuple[str, Kpi]], with_previous: bool = True) -> str:
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

    def chart_file_name(self, title: str) -> str:
        """The name a chart's CSV is saved under: the section, the year and the title."""
        words = re.sub(r"[^\w]+", "-", title.lower(), flags=re.UNICODE).strip("-")
        return f"{self.name}-{self.year}-{words[:60].rstrip('-')}.csv"

    def chart_years(self) -> list[int]:
        """This year, and the previous one when the data has it."""
        return [self.year, self.previous_year] if self.has_previous else [self.year]

    def bar_text(self, kpi: Kpi) -> str:
        """What a chart writes for a figure: its value, or why it has none."""
        if kpi.suppressed:
            return t("chart.withheld", self.lang)
        if math.isnan(kpi.value):
            return t("chart.not_measurable", self.lang)
        text = self.describe(kpi)
        return f"{text} ({t('status.small_group', self.lang)})" if kpi.small_group else text

    def first_item_finding(self, items: Sequence[tuple[str, str, str]]) -> str | None:
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
                value=self.bar_text(current),
                year=self.year,
            )
        return self.change_title(name, current, self.kpi(metric, segment, self.previous_year))

    def bar_rows(self, items: Sequence[tuple[str, str, str]]) -> pd.DataFrame:
        """Rows for ``charts.plot_bars``: (label, metric, segment) for each year shown
        (the report year alone for a snapshot, one value for every year)."""
        rows = []
        for label, metric, segment in items:
            years = [self.year] if is_snapshot(metric) else self.chart_years()
            for year in years:
                kpi = self.kpi(metric, segment, year)
                rows.append(
                    {
                        "label": label,
                        "group": str(year),
                        "value": kpi.value if kpi.measured else math.nan,
                        "low": kpi.ci_low if kpi.measured else math.nan,
                        "high": kpi.ci_high if kpi.measured else math.nan,
                        "text": self.bar_text(kpi),
                    }
                )
        return pd.DataFrame(rows)

    def interval_note(self, metric: str) -> str | None:
        """What the thin lines across the bars of a share or rate are."""
        proportion = registry.metric(metric).kind in registry.PROPORTION_KINDS
        return t("chart.interval_note", self.lang) if proportion else None

    def band_note(self, metric: str) -> str | None:
        """What the shaded band around the line of a share or rate is."""
        proportion = registry.metric(metric).kind in registry.PROPORTION_KINDS
        return t("chart.band_note", self.lang) if proportion else None

    def funnel_chart(self, metrics: Sequence[str]) -> HTML:
        """The funnel's stages as bars from zero, this year beside the previous; stages far
        smaller than the largest get panels of their own, each on its own linear scale
        (a logarithmic axis would make a hundredfold gap look threefold)."""
        items = [(t(f"funnel.stage.{m}.name", self.lang), m, "all") for m in metrics]
        key = "funnel.chart_funnel" if self.has_previous else "funnel.chart_funnel_single"
        title = t(key, self.lang, year=self.year, previous_year=self.previous_year)
        frame = self.bar_rows(items)
        figure = charts.plot_bars(
            frame,
            title,
            t("chart.count_axis", self.lang),
            axis_formatter(metrics[0], self.lang),
            scale="count",
            note=self.join_notes(
                t("funnel.note_mixed_units", self.lang),
                t("readable.panels_note", self.lang)
                if len(charts.split_small_labels(frame)) > 1
                else None,
            ),
            split_small=True,
        )
        started = [i for i in items if i[1] == "students_started"] or items
        return self.show(figure, title, frame, self.first_item_finding(started))

    def rates_chart(self, metrics: Sequence[str], title_key: str, segment: str = "all") -> HTML:
        """Several rates of one group, this year beside the previous, with their intervals."""
        items = [(self.label(m), m, segment) for m in metrics]
        title = t(title_key, self.lang, year=self.year)
        frame = self.bar_rows(items)
        figure = charts.plot_bars(
            frame,
            title,
            t(axis_label_key(metrics[0]), self.lang),
            axis_formatter(metrics[0], self.lang),
            scale="share",
            note=t("chart.interval_note", self.lang),
        )
        return self.show(figure, title, frame, self.first_item_finding(items))

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
        frame = self.bar_rows(items)
        figure = charts.plot_bars(
            frame,
            title,
            t(axis_label_key(metric), self.lang),
            axis_formatter(metric, self.lang),
            scale=axis_scale(metric),
            reference=line,
            note=self.join_notes(self.interval_note(metric), self.definition_note(segments)),
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
        caveats = self.chart_caveats(named, with_previous=with_previous)
        return self.show(figure, title, frame, finding, caveats)

    def definition_note(self, segments: Sequence[str]) -> str | None:
        """Said under a chart that sets category groups of two years' definitions side by side."""
        if self.redefined & set(segments):
            return t(
                "chart.definition_note",
                self.lang,
                previous_year=self.previous_year,
                change_year=self.year,
            )
        return None

    @staticmethod
    def join_notes(*notes: str | None) -> str | None:
        return " ".join(n for n in notes if n) or None

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
                        else self.bar_text(kpi),
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
        return self.show(figure, title, frame, self.mix_finding(frame))

    def mix_finding(self, frame: pd.DataFrame) -> str | None:
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
        years = self.years_with_figures(series)
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
                        "text": self.bar_text(kpi),
                    }
                )
        metric = series[0][0]
        title = t(title_key, self.lang, year=self.year, metric=self.label(metric))
        change = self.definition_break(years)
        frame = pd.DataFrame(rows)
        figure = charts.plot_trend(
            frame,
            title,
            t(axis_label_key(metric), self.lang),
            axis_formatter(metric, self.lang),
            t("chart.year_axis", self.lang),
            scale=axis_scale(metric),
            break_after=change if mark_definition_change and change[0] else None,
            reference=self.objective_line(*series[0]) if len(series) == 1 else None,
            # Bands are drawn for a few lines only (``charts.plot_trend``).
            note=self.band_note(metric) if len(series) <= charts.MAX_LABELLED_SERIES else None,
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
        caveats = self.chart_caveats(named, with_previous=False)
        return self.show(figure, title, frame, finding, caveats)

    def definition_break(self, years: Sequence[int]) -> tuple[int, str]:
        """Where a trend marks the latest change of the category definitions among its
        years: (the last year of the old rules, its text), or (0, "") when none falls there."""
        inside = [
            y for y in definition_change_years(self.category_rules) if years[0] < y <= years[-1]
        ]
        if not inside:
            return 0, ""
        return inside[-1] - 1, t("chart.definition_change", self.lang)

    def years_with_figures(self, series: Sequence[tuple[str, str]]) -> list[int]:
        """The years shown by a trend: from the first in which one of the series has a
        figure (shown or withheld) to the report year."""
        held = [
            year
            for year in self.years
            for metric, segment in series
            if not self.lacks(metric, segment, year)
        ]
        return [year for year in self.years if held and year >= min(held)]

    def objective_line(self, metric: str, segment: str) -> tuple[float, str] | None:
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

    def series_rows(self, series: str, segment: str = "all") -> pd.DataFrame:
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
            found = self.series_rows(series, segment)
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
        return self.show(figure, title, frame, self.peak_finding(frame, amount, sources))

    def peak_finding(
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

    def breakdown_chart(self, series: str, names: str, title_key: str) -> HTML:
        """A yearly breakdown of the run's series (e.g. emissions by category) as bars,
        largest first; empty without data.

        ``names`` is the catalog table naming the breakdown's keys; a key the catalog does
        not know (the data's own category) is shown as the data spells it.
        """
        frame = self.run.series
        if frame.empty:
            return self.note("chart.no_data", year=self.year)
        found = frame[(frame["series"] == series) & (frame["period"].astype(str) == str(self.year))]
        found = found.dropna(subset=["value"]).sort_values(
            ["value", "segment"], ascending=[False, True]
        )
        if found.empty:
            return self.note("chart.no_data", year=self.year)
        rows = [
            {
                "label": self.name_of(names, str(record["segment"])),
                "group": str(self.year),
                "value": float(record["value"]),
                "text": t(
                    "unit.tonnes",
                    self.lang,
                    value=i18n.format_number(float(record["value"]), self.lang, 1),
                ),
            }
            for record in found.to_dict("records")
        ]
        title = t(title_key, self.lang, year=self.year)
        frame = pd.DataFrame(rows)
        figure = charts.plot_bars(
            frame,
            title,
            t("chart.tonnes_axis", self.lang),
            lambda value: i18n.format_tick(value, self.lang),
        )
        top = rows[0]
        finding = self.largest_title(top["label"], top["text"], top["value"] / frame["value"].sum())
        return self.show(figure, title, frame, finding)

    def name_of(self, table: str, key: str) -> str:
        """The catalog's name for ``key`` in ``table``, or the key in words when it has none."""
        full = f"{table}.{key}"
        return t(full, self.lang) if i18n.has_key(full, self.lang) else key.replace("_", " ")


def rank_by_value(kpi: Kpi) -> tuple[int, float]:
    """Sort key: highest value first, figures without a value last (in the given order)."""
    return (0, -kpi.value) if kpi.measured else (1, 0.0)

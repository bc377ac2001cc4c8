"""The tables of a section: figures with their denominators, intervals, previous year,
change and objective; the funnel's stages; groups against a reference group.

``SectionTables`` is mixed into ``helpers.pages.sections.section.Section``, whose figures and
words it uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from IPython.display import HTML

from helpers.pages import i18n
from helpers.pages.i18n import t
from helpers.pages.sections.caveats import is_snapshot
from helpers.pages.sections.figures import (
    SMALL_GROUP_SIZE,
    Kpi,
    compare_groups,
    compare_years,
)
from helpers.pages.sections.markup import MISSING, escape, html_table, metric_link, tag
from helpers.pages.sections.text import lower_first


class SectionTables:
    """Table pieces of a section (see ``Section``)."""

    def _value_cell(self, kpi: Kpi) -> str:
        """A table cell's HTML: the value with its flags, or the word saying why it has none."""
        if kpi.suppressed:
            return tag(t("status.withheld", self.lang), "mr-withheld")
        if math.isnan(kpi.value):
            return tag(t("status.not_measurable", self.lang), "mr-withheld")
        text = escape(self.describe(kpi))
        if kpi.small_group:
            text += tag(t("status.small_group", self.lang), "mr-small")
        return text

    def _change_cell(self, current: Kpi, previous: Kpi) -> str:
        """The change from the previous year, with the interval and reading for shares."""
        change = compare_years(current, previous)
        if change is None:
            return MISSING
        text = escape(self.describe_change(change))
        if change.points:
            interval = i18n.format_points_interval(change.low, change.high, self.lang)
            reading = t("status.change" if change.clear else "status.no_change", self.lang)
            text += f"<br><small>{escape(interval)}</small><br><small>{escape(reading)}</small>"
        return text

    def surveyed_table(self, metric: str) -> HTML:
        """A figure across the populations a survey names in the data (the brand survey),
        the pooled underserved populations last; a note when the data holds no survey
        for the year."""
        pooled = "underserved_populations"
        found = sorted(
            {s for (y, m, s) in self.figures if y == self.year and m == metric} - {pooled}
        )
        if (self.year, metric, pooled) in self.figures:
            found.append(pooled)
        if not found:
            return HTML(
                f'<p class="mr-note">{escape(t("funnel.no_survey", self.lang, year=self.year))}</p>'
            )
        return self.figure_table([(metric, s) for s in found], label_by="segment")

    def figure_table(self, rows: Sequence[tuple[str, str]], label_by: str = "metric") -> HTML:
        """A table of figures: value, count and denominator, 95 % interval, previous year,
        change and objective, with only the columns that the rows fill.

        Parameters
        ----------
        rows : sequence of (metric, segment)
        label_by : {"metric", "segment"}
            What names each row: the figure (with its group when not all students), or
            the group alone, for a table of one figure across groups.
        """
        kpis = [self.kpi(m, s) for m, s in rows]
        proportions = any(k.is_proportion for k in kpis)
        targeted = any(len(self.objectives_of(k.metric, k.segment)) for k in kpis)
        first = "table.group" if label_by == "segment" else "table.indicator"
        headers = [("", t(first, self.lang)), ("number", str(self.year))]
        if proportions:
            headers += [
                ("number", t("table.numerator", self.lang)),
                ("number", t("table.denominator", self.lang)),
                ("number", t("table.interval", self.lang)),
            ]
        if self.has_previous:
            headers += [
                ("number", str(self.previous_year)),
                ("number", t("table.change", self.lang)),
            ]
        if targeted:
            headers.append(("", t("table.target", self.lang)))
        body = []
        for kpi in kpis:
            name = (
                self.segment_name(kpi.segment, kpi.metric)
                if label_by == "segment"
                else self.name_figure(kpi)
            )
            # Every figure links to its definition on the methods page; its caveats sit
            # under its name.
            label = metric_link(kpi.metric, name) + self.figure_caveats(
                kpi, with_previous=self.has_previous
            )
            cells = [("", label), ("number", self._value_cell(kpi))]
            if proportions:
                shown = kpi.measured and kpi.is_proportion
                cells += [
                    ("number", escape(self.count(kpi.numerator)) if shown else MISSING),
                    ("number", escape(self.count(kpi.denominator)) if shown else MISSING),
                    ("number", escape(self.interval(kpi))),
                ]
            if self.has_previous and is_snapshot(kpi.metric):
                # A snapshot is one value for every year: no previous year, no change.
                cells += [("number", MISSING), ("number", MISSING)]
            elif self.has_previous:
                previous = self.kpi(kpi.metric, kpi.segment, self.previous_year)
                cells += [
                    ("number", self._value_cell(previous)),
                    ("number", self._change_cell(kpi, previous)),
                ]
            if targeted:
                cells.append(("", self._objective_cell(kpi)))
            body.append(cells)
        caption = self._table_caption(self._shown_with_previous(kpis))
        return HTML(
            html_table(headers, body, title=self._figures_title(kpis, label_by), caption=caption)
        )

    def _figures_title(self, kpis: Sequence[Kpi], label_by: str) -> str:
        """A figure table's title: the figure by group, or the figures it holds (the first
        and how many others, beyond three)."""
        if label_by == "segment":
            return t(
                "table.title_by_group", self.lang, metric=self.label(kpis[0].metric), year=self.year
            )
        listed = self._list_figures([self.name_figure(k) for k in kpis])
        return t("table.title_figures", self.lang, names=listed, year=self.year)

    def _list_figures(self, names: Sequence[str]) -> str:
        """Figures named in a title: all of them up to three, else the first and a count;
        those after the first as they read inside a sentence."""
        names = [*names[:1], *lower_first(names[1:])]
        if len(names) > 3:
            listed = t("table.title_more", self.lang, first=names[0], count=len(names) - 1)
        elif len(names) > 1:
            listed = ", ".join(names[:-1]) + t("table.and", self.lang) + names[-1]
        else:
            listed = names[0]
        return listed

    def _objective_cell(self, kpi: Kpi) -> str:
        lines = []
        for _, objective in self.objectives_of(kpi.metric, kpi.segment).iterrows():
            target, status = self.describe_objective(objective)
            lines.append(f"{escape(target)}<br><small>{escape(status)}</small>")
        return "<br>".join(lines) or MISSING

    def _table_caption(self, shown: Sequence[Kpi]) -> str:
        """What the reader needs to read the table: how intervals and differences are
        computed when it shows shares, what the flags mean when it shows any."""
        captions = []
        if any(k.is_proportion for k in shown):
            captions.append(t("table.caption_interval", self.lang))
        if any(k.suppressed or k.small_group for k in shown):
            words = {"min_cell": self.min_cell, "small": SMALL_GROUP_SIZE}
            captions.append(t("table.caption_withheld", self.lang, **words))
        compared = [k for k in shown if k.year == self.previous_year]
        if any(k.segment in self.redefined for k in compared):
            words = {"previous_year": self.previous_year, "change_year": self.year}
            captions.append(t("table.definition_note", self.lang, **words))
        return " ".join(captions)

    def _shown_with_previous(self, kpis: Sequence[Kpi]) -> list[Kpi]:
        """The figures a table shows: these, and the previous year's when it has a column."""
        if not self.has_previous:
            return list(kpis)
        return [*kpis, *(self.kpi(k.metric, k.segment, self.previous_year) for k in kpis)]

    def stage_table(self, metrics: Sequence[str]) -> HTML:
        """The funnel's stages: name, who is counted, the year's figure and the previous year's."""
        headers = [
            ("", t("table.stage", self.lang)),
            ("", t("table.definition", self.lang)),
            ("number", str(self.year)),
        ]
        if self.has_previous:
            headers += [
                ("number", str(self.previous_year)),
                ("number", t("table.change", self.lang)),
            ]
        body = []
        for metric in metrics:
            kpi = self.kpi(metric)
            name = metric_link(metric, t(f"funnel.stage.{metric}.name", self.lang))
            name = f"<strong>{name}</strong>{self.figure_caveats(kpi, with_previous=self.has_previous)}"
            cells = [
                ("", name),
                ("", escape(t(f"funnel.stage.{metric}.definition", self.lang))),
                ("number", self._value_cell(kpi)),
            ]
            if self.has_previous:
                previous = self.kpi(metric, "all", self.previous_year)
                cells += [
                    ("number", self._value_cell(previous)),
                    ("number", self._change_cell(kpi, previous)),
                ]
            body.append(cells)
        caption = self._table_caption(self._shown_with_previous([self.kpi(m) for m in metrics]))
        title = t("table.title_stages", self.lang, year=self.year)
        return HTML(html_table(headers, body, title=title, caption=caption))

    def gap_table(
        self, metric: str, segments: Sequence[str], reference: str = "non_underserved"
    ) -> HTML:
        """Each group's rate against the reference group's, with the difference and its
        95 % interval (Newcombe); the reading says "gap" only when the interval excludes zero."""
        base = self.kpi(metric, reference)
        headers = [
            ("", t("table.group", self.lang)),
            ("number", self.label(metric)),
            ("number", t("table.numerator", self.lang)),
            ("number", t("table.denominator", self.lang)),
            ("number", t("table.interval", self.lang)),
            ("number", t("table.difference", self.lang)),
            ("", t("table.reading", self.lang)),
        ]
        body = []
        for segment in [reference, *segments]:
            kpi = self.kpi(metric, segment)
            shown = kpi.measured
            cells = [
                (
                    "",
                    metric_link(metric, self.segment_name(segment, metric))
                    + self.figure_caveats(kpi, with_previous=False),
                ),
                ("number", self._value_cell(kpi)),
                ("number", escape(self.count(kpi.numerator)) if shown else MISSING),
                ("number", escape(self.count(kpi.denominator)) if shown else MISSING),
                ("number", escape(self.interval(kpi))),
            ]
            change = None if segment == reference else compare_groups(kpi, base)
            if change is None:
                cells += [("number", MISSING), ("", MISSING)]
            else:
                reading = t("status.gap" if change.clear else "status.no_gap", self.lang)
                interval = i18n.format_points_interval(change.low, change.high, self.lang)
                difference = escape(i18n.format_points(change.value, self.lang))
                cells += [
                    ("number", f"{difference}<br><small>{escape(interval)}</small>"),
                    ("", tag(reading, "mr-gap") if change.clear else escape(reading)),
                ]
            body.append(cells)
        shown = [self.kpi(metric, s) for s in [reference, *segments]]
        title = t(
            "table.title_gap",
            self.lang,
            metric=self.label(metric),
            reference=self.segment_name(reference, metric),
            year=self.year,
        )
        return HTML(html_table(headers, body, title=title, caption=self._table_caption(shown)))

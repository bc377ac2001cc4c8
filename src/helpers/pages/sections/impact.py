"""The pieces of the impact page: respondents against all graduates, employment before
and after, the salary change, careers over the years, the stakeholder estimate.

``ImpactPieces`` is mixed into ``helpers.pages.sections.section.Section``, whose figures and
words it uses. Values come from the KPI file and the run's series; the only arithmetic
is the share of a group among respondents and among all graduates (two counts of the KPI
file divided by those of all) and the stakeholder model (``helpers.figures.stakeholder``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from IPython.display import HTML

from helpers.figures import stakeholder, verdicts
from helpers.figures.metrics.impact import OUTCOME_WINDOWS, outcome_window_metric
from helpers.pages import i18n, impact_charts
from helpers.pages.i18n import t
from helpers.pages.sections.figures import CATEGORY_SEGMENTS
from helpers.pages.sections.markup import MISSING, escape, html_table, metric_link

# The groups of the impact page: every category, then apprentices and the others.
IMPACT_CATEGORIES = ("underserved", "non_underserved", *CATEGORY_SEGMENTS)
APPRENTICE_PAIR = ("apprentices", "non_apprentices")


class ImpactPieces:
    """Pieces of the impact page (see ``Section``)."""

    # --- who answered --------------------------------------------------------------------

    def respondents_table(self, segments: Sequence[str] = IMPACT_CATEGORIES) -> HTML:
        """Each group's share among the respondents beside its share among all surveyed
        graduates: when they differ, the figures of the page lean towards some groups."""
        base = self.kpi("survey_response_rate")
        headers = [
            ("", t("table.group", self.lang)),
            ("number", t("impact.table.respondents", self.lang)),
            ("number", t("impact.table.graduates", self.lang)),
            ("number", t("impact.table.response_rate", self.lang)),
        ]
        body = []
        for segment in segments:
            kpi = self.kpi("survey_response_rate", segment)
            if kpi.measured and base.measured and base.numerator and base.denominator:
                among_respondents = i18n.format_percent(kpi.numerator / base.numerator, self.lang)
                among_graduates = i18n.format_percent(kpi.denominator / base.denominator, self.lang)
            else:
                among_respondents = among_graduates = self._value_cell(kpi)
            body.append(
                [
                    ("", escape(self.segment_name(segment))),
                    ("number", among_respondents),
                    ("number", among_graduates),
                    ("number", self._value_cell(kpi)),
                ]
            )
        caption = t("impact.table.respondents_caption", self.lang, year=self.year)
        title = t("impact.table.respondents_title", self.lang, year=self.year)
        return HTML(html_table(headers, body, title=title, caption=caption))

    # --- employment before and after -------------------------------------------------------

    def slope_chart(self, segments: Sequence[str], title_key: str) -> HTML:
        """Employed before and after for each group, the change and its interval at the end."""
        rows, drawn = [], []
        ends = (t("impact.chart_before", self.lang), t("impact.chart_after", self.lang))
        for segment in segments:
            before = self.kpi("employed_before_share", segment)
            after = self.kpi("employed_after_share", segment)
            change = self.kpi("employment_change", segment)
            if change.measured:
                text = f"{self.describe(change)} ({self.interval(change)})"
            else:
                text = self._bar_text(change)
            name = self.segment_name(segment)
            shown = (before.measured and change.measured, after.measured and change.measured)
            rows.append(
                {
                    "label": name,
                    "before": before.value if shown[0] else math.nan,
                    "after": after.value if shown[1] else math.nan,
                    "text": text,
                }
            )
            # What the chart draws, for its alternative text and its CSV.
            for end, kpi, visible in zip(ends, (before, after), shown, strict=True):
                value = kpi.value if visible else math.nan
                drawn.append(
                    {
                        "label": name,
                        "part": end,
                        "value": value,
                        "text": self._bar_text(kpi) if visible else self._bar_text(change),
                    }
                )
            drawn.append(
                {
                    "label": name,
                    "part": self.label("employment_change"),
                    "value": change.value if change.measured else math.nan,
                    "low": change.ci_low if change.measured else math.nan,
                    "high": change.ci_high if change.measured else math.nan,
                    "text": text,
                }
            )
        title = t(title_key, self.lang, year=self.year)
        figure = impact_charts.plot_slopes(
            pd.DataFrame(rows),
            title,
            (t("impact.chart_before", self.lang), t("impact.chart_after", self.lang)),
            lambda value: i18n.format_percent(value, self.lang, 0),
            note=t("impact.chart_slopes_note", self.lang),
        )
        return self._show(figure, title, pd.DataFrame(drawn), self._slopes_finding(segments))

    def _slopes_finding(self, segments: Sequence[str]) -> str | None:
        """The slope chart's active title: the first group's two ends, and for how many
        groups the change is clear (its interval excludes zero)."""
        first = segments[0]
        before = self.kpi("employed_before_share", first)
        after = self.kpi("employed_after_share", first)
        changes = [self.kpi("employment_change", s) for s in segments]
        judged = [
            verdicts.decide_paired(k.value, k.ci_low, k.ci_high) for k in changes if k.measured
        ]
        judged = [v for v in judged if v is not None]
        if not (before.measured and after.measured and judged):
            return None
        readings = [v.reading for v in judged]
        counts = {
            "up": readings.count("above"),
            "down": readings.count("below"),
            "unclear": readings.count("unclear"),
        }
        changes = judged
        words = {
            "group": self.segment_name(first),
            "before": self.value_words(before),
            "after": self.value_words(after),
        }
        if len(changes) == 1:
            reading = next(reading for reading, count in counts.items() if count)
            reading = t(f"impact.finding_slope_{reading}", self.lang)
            return t("impact.finding_slope_one", self.lang, reading=reading, **words)
        parts = ", ".join(
            t(f"impact.finding_slopes_{reading}", self.lang, count=count)
            for reading, count in counts.items()
            if count
        )
        return t("impact.finding_slopes", self.lang, total=len(changes), parts=parts, **words)

    def impact_table(self, metrics: Sequence[str], segments: Sequence[str]) -> HTML:
        """Figures of the impact page by group: value, denominator, 95 % interval."""
        headers = [
            ("", t("table.group", self.lang)),
            *[("number", escape(self.label(m))) for m in metrics],
        ]
        body = []
        for segment in segments:
            cells = [("", escape(self.segment_name(segment)))]
            for metric in metrics:
                kpi = self.kpi(metric, segment)
                text = self._value_cell(kpi)
                if kpi.measured and not math.isnan(kpi.denominator):
                    text += f"<br><small>n = {escape(self.count(kpi.denominator))}</small>"
                if kpi.measured and not math.isnan(kpi.ci_low):
                    text += f"<br><small>{escape(self.interval(kpi))}</small>"
                cells.append(("number", text))
            body.append(cells)
        caption = t("impact.table.caption", self.lang, year=self.year)
        title = t(
            "table.title_figures_by_group",
            self.lang,
            names=self._list_figures([self.label(m) for m in metrics]),
            year=self.year,
        )
        return HTML(html_table(headers, body, title=title, caption=caption))

    # --- the salary change -----------------------------------------------------------------

    def salary_histogram(self) -> HTML:
        """The distribution of the salary change, bins merged until none is small."""
        rows = self._series_rows("salary_change_bins")
        rows = rows[rows["year"] == self.year] if "year" in rows else rows
        if rows.empty or rows["value"].isna().all():
            return self.note("chart.no_data", year=self.year)
        frame = pd.DataFrame(
            [
                {
                    "label": self._bin_name(str(record["period"])),
                    "value": math.nan if record["suppressed"] else float(record["value"]),
                    "text": t("chart.withheld", self.lang),
                }
                for record in rows.to_dict("records")
            ]
        )
        title = t("impact.chart_salary", self.lang, year=self.year)
        figure = impact_charts.plot_histogram(
            frame,
            title,
            t("impact.chart_salary_axis", self.lang),
            t("impact.chart_people_axis", self.lang),
            note=t("impact.chart_salary_note", self.lang, min_cell=self.min_cell),
        )
        drawn = frame.assign(
            text=[
                self.count(v) if not math.isnan(v) else w
                for v, w in zip(frame["value"], frame["text"], strict=True)
            ]
        )
        return self._show(figure, title, drawn, self._salary_finding())

    def _salary_finding(self) -> str | None:
        """The histogram's active title: the median change and the share whose salary rose."""
        median = self.kpi("salary_change_median_eur")
        rose = self.kpi("salary_rise_share")
        if not (median.measured and rose.measured):
            return None
        return t(
            "impact.finding_salary",
            self.lang,
            median=self.value_words(median),
            share=self.value_words(rose),
            year=self.year,
        )

    def _bin_name(self, period: str) -> str:
        """A bin ``low:high`` in words: "below -7,500 €", "0 € to 2,500 €", "20,000 € or more"."""
        low, high = period.split(":")
        money = {
            k: i18n.format_currency(float(v), self.lang)
            for k, v in (("low", low), ("high", high))
            if v
        }
        if not low and not high:
            return t("impact.bin_all", self.lang)  # every bin merged into one
        if not low:
            return t("impact.bin_below", self.lang, high=money["high"])
        if not high:
            return t("impact.bin_above", self.lang, low=money["low"])
        return t("interval.range", self.lang, **money)

    # --- careers over the years ------------------------------------------------------------

    def careers_table(
        self, segments: Sequence[str] = ("all", "underserved", "non_underserved")
    ) -> HTML:
        """Every window the data covers, with its interval; the others said unavailable."""
        headers = [("", t("impact.table.window", self.lang))]
        headers += [("number", self.segment_name(s)) for s in segments]
        body = []
        for window in OUTCOME_WINDOWS:
            metric = outcome_window_metric(window)
            label = metric_link(
                metric,
                i18n.t_count(
                    "impact.window", self.lang, window, years=window, cohort=self.year - window
                ),
            )
            if self.lacks(metric):
                # Said once, in words that wrap: repeated in every column, the sentence
                # would push the table past a phone's width or the printed page.
                text = escape(
                    t(
                        "impact.window_unavailable",
                        self.lang,
                        cohort=self.year - window,
                        first=self._first_measurable(window),
                    )
                )
                rest = [("number", MISSING) for _ in segments[1:]]
                body.append([("", label), ("mr-unavailable", f"<small>{text}</small>"), *rest])
                continue
            cells = [("", label)]
            for segment in segments:
                kpi = self.kpi(metric, segment)
                text = self._value_cell(kpi)
                if kpi.measured:
                    text += (
                        f"<br><small>{escape(self.count(kpi.numerator))} / "
                        f"{escape(self.count(kpi.denominator))}</small>"
                        f"<br><small>{escape(self.interval(kpi))}</small>"
                    )
                cells.append(("number", text))
            body.append(cells)
        caption = t("impact.table.careers_caption", self.lang, year=self.year)
        title = t("impact.table.careers_title", self.lang, year=self.year)
        return HTML(html_table(headers, body, title=title, caption=caption))

    def _first_measurable(self, window: int) -> int:
        """The first report year whose window the data covers (from the years it holds)."""
        years = self.run.provenance.get("dataset", {}).get("years") or self.years
        return int(min(years)) + window

    # --- the stakeholder estimate ----------------------------------------------------------

    def stakeholder_estimate(self) -> HTML:
        """The model: the formula, each parameter with its source, the range, what is left out."""
        parameters = self.run.impact_parameters
        into_work = self.kpi("into_work_rate", "job_seekers")
        total = self.kpi("salary_change_total_eur")
        people = into_work.numerator if into_work.measured else math.nan
        gain = total.value if total.measured else math.nan
        parts = stakeholder.estimate(people, gain, parameters)
        html = [
            f'<div class="mr-model"><p><strong>{escape(t("impact.model.label", self.lang))}</strong> '
            f"{escape(t('impact.model.intro', self.lang))}</p>"
        ]
        rows = []
        for part in parts:
            value = (
                t(
                    "interval.range",
                    self.lang,
                    # A model's result to the euro would claim a precision it does not have.
                    low=i18n.format_currency(round(part.low, -3), self.lang),
                    high=i18n.format_currency(round(part.high, -3), self.lang),
                )
                if part.computable
                else t("status.not_measurable", self.lang)
            )
            rows.append(
                [
                    ("", escape(t(f"impact.model.part.{part.name}", self.lang))),
                    ("", escape(t(f"impact.model.formula.{part.name}", self.lang))),
                    ("number", escape(value)),
                ]
            )
        headers = [
            ("", t("impact.model.part_header", self.lang)),
            ("", t("impact.model.formula_header", self.lang)),
            ("number", t("impact.model.range_header", self.lang)),
        ]
        inputs = t(
            "impact.model.inputs",
            self.lang,
            people=self.count(people) if not math.isnan(people) else MISSING,
            gain=i18n.format_currency(gain, self.lang) if not math.isnan(gain) else MISSING,
            year=self.year,
        )
        title = t("impact.model.table_title", self.lang, year=self.year)
        html.append(html_table(headers, rows, title=title, caption=inputs))
        source_rows = [
            [
                ("", escape(t(f"impact.model.parameter.{record['parameter']}", self.lang))),
                ("number", escape(self._parameter_value(record["low"], record["unit"]))),
                ("number", escape(self._parameter_value(record["high"], record["unit"]))),
                (
                    "",
                    escape(
                        f"{record['source_title']} ({record['source_year']}), {record['source_page']}"
                    )
                    + f"<br><small>{escape(record['note_fr' if self.lang == 'fr' else 'note'])}</small>",
                ),
            ]
            for record in parameters.to_dict("records")
        ]
        source_headers = [
            ("", t("impact.model.parameter_header", self.lang)),
            ("number", t("impact.model.low_header", self.lang)),
            ("number", t("impact.model.high_header", self.lang)),
            ("", t("impact.model.source_header", self.lang)),
        ]
        html.append(
            html_table(
                source_headers,
                source_rows,
                title=t("impact.model.sources_title", self.lang),
                caption=t("impact.model.sources_caption", self.lang),
            )
        )
        left_out = "".join(
            f"<li>{escape(t(f'impact.model.left_out.{name}', self.lang))}</li>"
            for name in stakeholder.LEFT_OUT
        )
        html.append(
            f"<p>{escape(t('impact.model.left_out_intro', self.lang))}</p><ul>{left_out}</ul>"
        )
        html.append(f'<p class="mr-note">{escape(t("impact.model.caveat", self.lang))}</p></div>')
        return HTML("\n".join(html))

    def _parameter_value(self, value: float, unit: str) -> str:
        if unit == "fraction":
            return i18n.format_percent(value, self.lang, 0)
        return i18n.format_currency(value, self.lang)

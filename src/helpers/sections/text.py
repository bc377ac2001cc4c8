"""The words of a section: title, lead paragraph, comparisons in sentences, what the data
lacks, and the note on how the figures are measured.

``SectionText`` is mixed into ``helpers.sections.section.Section``, whose figures it
reads. A gap between groups, or a change between years, is called so only when the 95 %
interval of the difference excludes zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from babel.lists import format_list
from IPython.display import HTML

from helpers import i18n
from helpers.i18n import t
from helpers.sections.figures import (
    SMALL_GROUP_SIZE,
    Kpi,
    compare_groups,
    compare_years,
    definition_change_years,
)
from helpers.sections.markup import STYLE, escape


class SectionText:
    """Narrative pieces of a section (see ``Section``)."""

    def header(self) -> HTML:
        """The section's title and what it answers, with the report's small stylesheet."""
        title = escape(t(f"{self.name}.title", self.lang))
        purpose = escape(t(f"{self.name}.purpose", self.lang, year=self.year))
        return HTML(f'{STYLE}<h1>{title}</h1>\n<p class="mr-purpose">{purpose}</p>')

    def heading(self, key: str, **kwargs: object) -> HTML:
        """A sub-heading of the section, from the catalog key ``key``."""
        return HTML(f"<h2>{escape(t(key, self.lang, **kwargs))}</h2>")

    def note(self, key: str, **kwargs: object) -> HTML:
        """A short explanatory line under a chart or table."""
        return HTML(f'<p class="mr-note">{escape(t(key, self.lang, **kwargs))}</p>')

    def definition_change_note(self) -> HTML:
        """What changed in the category definitions, once the report's years include it."""
        if not [y for y in definition_change_years(self.category_rules) if y <= self.year]:
            return HTML("")
        return self.note("section.definition_change_note")

    def paragraph(self, text: str, css: str = "") -> HTML:
        """A paragraph of text already translated (``css`` names its class)."""
        return HTML(f'<p class="{css}">{escape(text)}</p>' if css else f"<p>{escape(text)}</p>")

    def lead(self, headlines: Sequence[tuple[str, str]]) -> HTML:
        """The plain-language lead paragraph: one sentence per headline figure.

        Each sentence states the year's figure; where the data has the previous year it
        adds the change (called a change only when its interval excludes zero), and where
        the committee set an objective, whether it was met.
        """
        sentences = [self.headline(metric, segment) for metric, segment in headlines]
        return HTML(f'<p class="mr-lead">{escape(" ".join(sentences))}</p>')

    def headline(self, metric: str, segment: str = "all") -> str:
        """The sentence of the lead paragraph about one figure."""
        kpi = self.kpi(metric, segment)
        if not kpi.measured:
            key = "lead.withheld" if kpi.suppressed else "lead.not_measurable"
            return t(key, self.lang, label=self.name_figure(kpi), year=self.year)
        specific = f"headline.{metric}_{segment}"
        key = specific if i18n.has_text(specific, self.lang) else f"headline.{metric}"
        parts = [
            i18n.t_count(
                key,
                self.lang,
                # A count's sentence agrees with the number as written (no decimals).
                round(kpi.value) if kpi.kind == "count" else 0,
                value=self.describe(kpi),
                numerator=self.count(kpi.numerator),
                denominator=self.count(kpi.denominator),
                year=self.year,
                segment=self.segment_name(segment),
            )
        ]
        if kpi.small_group:
            parts.append(t("lead.small_group", self.lang, small=SMALL_GROUP_SIZE))
        if self.has_previous:
            parts.append(self.previous_year_sentence(kpi))
        for _, objective in self.objectives_of(metric, segment).iterrows():
            target, status = self.describe_objective(objective)
            parts.append(t("lead.target", self.lang, target=target, status=status))
        return " ".join(p for p in parts if p)

    def previous_year_sentence(self, kpi: Kpi) -> str:
        """How the figure compares with the previous year, in words ("" when it cannot)."""
        previous = self.kpi(kpi.metric, kpi.segment, self.previous_year)
        change = compare_years(kpi, previous)
        if change is None:
            return ""
        words = {"previous_year": self.previous_year, "previous": self.describe(previous)}
        if not change.points:
            size = i18n.format_percent(abs(change.value), self.lang)
            direction = "up" if change.value > 0 else "down"
            if size == i18n.format_percent(0, self.lang):
                direction = "same"
            return t(f"lead.versus_count_{direction}", self.lang, change=size, **words)
        key = "lead.versus_share_change" if change.clear else "lead.versus_share_no_change"
        sentence = t(
            key,
            self.lang,
            difference=self.describe_change(change),
            interval=i18n.format_points_interval(change.low, change.high, self.lang),
            **words,
        )
        if kpi.segment in self.redefined:
            note = t("lead.definition_change", self.lang, change_year=self.year)
            sentence = f"{sentence} {note}"
        return sentence

    def gap_summary(
        self, metric: str, segments: Sequence[str], reference: str = "non_underserved"
    ) -> HTML:
        """In words: which groups are above, below or not clearly apart from the reference."""
        base = self.kpi(metric, reference)
        words = {"reference": t(f"compare.reference.{reference}", self.lang)}
        if not base.measured:
            return self.paragraph(t("compare.reference_missing", self.lang, **words), "mr-note")
        groups: dict[str, list[str]] = {"below": [], "above": [], "unclear": [], "missing": []}
        for segment in segments:
            change = compare_groups(self.kpi(metric, segment), base)
            if change is None:
                groups["missing"].append(self.segment_name(segment, metric))
            elif change.clear:
                groups["below" if change.value < 0 else "above"].append(
                    self.segment_name(segment, metric)
                )
            else:
                groups["unclear"].append(self.segment_name(segment, metric))
        parts = [
            t(f"compare.{reading}", self.lang, segments=self.list_names(names))
            for reading, names in groups.items()
            if names
        ]
        intro = t("compare.intro", self.lang, metric=self.label(metric), **words)
        separator = t("compare.separator", self.lang)
        sentence = t("compare.sentence", self.lang, intro=intro, parts=separator.join(parts))
        return self.paragraph(f"{sentence} {t('compare.rule', self.lang)}")

    def list_names(self, names: Sequence[str]) -> str:
        """Group names inside a sentence: "job seekers, disability and refugees"."""
        lowered = [name[:1].lower() + name[1:] for name in names]
        return format_list(lowered, locale=i18n.locale_of(self.lang))

    def data_gaps(self) -> HTML:
        """What the data lacks for this section, said in words (nothing when it lacks nothing)."""
        notes = self.list_data_gaps()
        if not notes:
            return HTML("")
        items = "".join(f"<li>{escape(n)}</li>" for n in notes)
        title = escape(t("section.data_gaps_title", self.lang))
        return HTML(f'<h2>{title}</h2>\n<ul class="mr-gaps">{items}</ul>')

    def list_data_gaps(self) -> list[str]:
        """The sentences of ``data_gaps``."""
        lang, year = self.lang, self.year
        notes = []
        if not self.has_previous:
            notes.append(t("section.previous_year_missing", lang, previous_year=self.previous_year))
        if self.name == "funnel" and self.lacks("visitors_monthly_avg"):
            notes.append(t("gap.no_traffic", lang, year=year))
        if (
            self.name in ("funnel", "apprenticeship")
            and self.kpi("career_outcome_rate_6m").denominator == 0
        ):
            notes.append(t("gap.no_survey_answers", lang, year=year))
        if self.name == "categories":
            if "mentors" in self.absent_tables:
                notes.append(t("gap.absent_mentors", lang))
            else:
                notes.append(t("gap.mentors_snapshot", lang, year=year))
        if self.name == "impact":
            if self.kpi("survey_response_rate").numerator == 0:
                notes.append(t("gap.no_survey_answers", lang, year=year))
            notes.append(t("gap.survey_salaries", lang))
        if self.name == "carbon":
            if self.lacks("team_budget_tco2e") and not self.lacks("emissions_tco2e"):
                notes.append(t("gap.no_budgets", lang, year=year))
            if self.lacks("emissions_tco2e"):
                notes.append(t("gap.no_carbon", lang, year=year))
            elif self.lacks("carbon_donation_eur"):
                notes.append(t("gap.no_carbon_price", lang, year=year))
        return notes

    def lacks(self, metric: str, segment: str = "all", year: int | None = None) -> bool:
        """True when the data holds no value for the figure (as opposed to withholding it)."""
        kpi = self.kpi(metric, segment, year)
        return not kpi.suppressed and math.isnan(kpi.value)

    def methods_words(self) -> dict[str, str]:
        """Values the section's methods text states (none unless a page has some)."""
        return {}

    def methods_note(self) -> HTML:
        """The "how this is measured" note, pointing to the methods notes."""
        title = escape(t("section.methods_title", self.lang))
        text = escape(t(f"{self.name}.methods", self.lang, **self.methods_words()))
        link = escape(t("section.methods_link", self.lang, link_start="\x00", link_end="\x01"))
        link = link.replace("\x00", f'<a href="methods.html#{self.name}">').replace("\x01", "</a>")
        return HTML(f'<h2>{title}</h2>\n<div class="mr-methods"><p>{text}</p><p>{link}</p></div>')

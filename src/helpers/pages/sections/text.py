"""The words of a section: title, lead paragraph, comparisons in sentences, what the data
lacks, and the note on how the figures are measured.

``SectionText`` is mixed into ``helpers.pages.sections.section.Section``, whose figures it
reads. A gap between groups, or a change between years, is called so only when the 95 %
interval of the difference excludes zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from babel.lists import format_list
from IPython.display import HTML

from helpers.figures import claims, registry, verdicts
from helpers.pages import i18n
from helpers.pages.i18n import t
from helpers.pages.sections.figures import (
    SMALL_GROUP_SIZE,
    Change,
    Kpi,
    assess_change,
    compare_groups,
    compare_years,
    definition_change_years,
)
from helpers.pages.sections.markup import STYLE, claim_markup, escape


def lower_first(names: Sequence[str]) -> list[str]:
    """Labels as they read inside a sentence: first letter in lower case, unless the
    first word is an acronym ("CO₂", "HTML")."""
    return [name if name[1:2].isupper() else name[:1].lower() + name[1:] for name in names]


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
        marks = claim_markup(text)
        return HTML(
            f'<p class="{css}"{marks}>{escape(text)}</p>'
            if css
            else f"<p{marks}>{escape(text)}</p>"
        )

    def key_findings(self, headlines: Sequence[tuple[str, str]]) -> HTML:
        """The section's key findings, first on its page: one item per headline figure.

        Each item states the year's figure in a sentence; where the data has the
        previous year it adds the change (called a change only when its interval
        excludes zero) and says in words whether it is for the better, for the worse or
        no clear change, from the metric's direction; where the committee set an
        objective, whether it was met.
        """
        items = "".join(
            f"<li>{self.assessment_tag(metric, segment)}{self.headline_markup(metric, segment)}"
            f"{self.headline_caveats(self.kpi(metric, segment))}</li>"
            for metric, segment in headlines
        )
        title = escape(t("section.key_findings_title", self.lang, year=self.year))
        return HTML(
            f'<section class="mr-findings" aria-labelledby="key-findings">'
            f'<h2 id="key-findings">{title}</h2><ul>{items}</ul></section>'
        )

    def assess(self, metric: str, segment: str = "all") -> str | None:
        """How the figure moved since the previous year, judged by its direction
        (``helpers.pages.sections.figures.assess_change``); None without a previous year."""
        if not self.has_previous:
            return None
        current, previous = self.kpi(metric, segment), self.kpi(metric, segment, self.previous_year)
        change = compare_years(current, previous)
        judged = assess_change(change, registry.metric(metric).direction_of(segment))
        # A figure estimated from a sample (a median with its interval) changes clearly
        # only when the two years' intervals do not overlap, a conservative reading.
        if judged not in (None, "no_clear_change") and not current.is_proportion:
            apart = verdicts.intervals_apart(
                (current.ci_low, current.ci_high), (previous.ci_low, previous.ci_high)
            )
            if apart is False:
                return "no_clear_change"
        return judged

    def assessment_tag(self, metric: str, segment: str = "all") -> str:
        """The judgement of the change as a short label, in words (its colour only
        repeats them); empty when there is no change to judge."""
        assessment = self.assess(metric, segment)
        if assessment is None:
            return ""
        words = claims.ClaimText(
            t(f"assessment.{assessment}", self.lang, previous_year=self.previous_year),
            claims.Claim(
                claims.VERDICT,
                metric,
                segment,
                self.year,
                {"verdict": assessment, "previous-year": self.previous_year},
            ),
        )
        return (
            f'<span class="mr-assess mr-assess-{assessment}"{claim_markup(words)}>'
            f"{escape(words)}</span> "
        )

    def headline(self, metric: str, segment: str = "all") -> str:
        """The sentence of the lead paragraph about one figure."""
        return " ".join(self.headline_parts(metric, segment))

    def headline_markup(self, metric: str, segment: str = "all") -> str:
        """``headline`` as HTML: each of its claims (the change since the previous year)
        in an element marked with the claim's attributes."""
        return " ".join(
            f"<span{claim_markup(part)}>{escape(part)}</span>"
            if claim_markup(part)
            else escape(part)
            for part in self.headline_parts(metric, segment)
        )

    def headline_parts(self, metric: str, segment: str = "all") -> list[str]:
        """The sentences of ``headline``, a claim's words kept as its ``ClaimText``."""
        kpi = self.kpi(metric, segment)
        if not kpi.measured:
            key = "lead.withheld" if kpi.suppressed else "lead.not_measurable"
            words = t(key, self.lang, label=self.name_figure(kpi), year=self.year)
            return [
                claims.ClaimText(words, claims.Claim(claims.ABSENT, metric, segment, self.year))
            ]
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
                interval=self.interval(kpi),
                year=self.year,
                segment=self.segment_name(segment),
            )
        ]
        if kpi.small_group:
            parts.append(t("lead.small_group", self.lang, small=SMALL_GROUP_SIZE))
        if self.has_previous:
            parts.append(self.previous_year_sentence(kpi))
            parts.append(self.parts_sentence(kpi))
        if metric == "carbon_donation_eur":
            parts.append(self.carbon_price_sentence())
        for _, objective in self.objectives_of(metric, segment).iterrows():
            target, status = self.describe_objective(objective)
            claim = claims.Claim(
                claims.OBJECTIVE,
                metric,
                segment,
                self.year,
                {
                    "status": objective["status"],
                    "comparator": objective["comparator"],
                    "threshold": repr(float(objective["threshold"])),
                },
            )
            words = t("lead.target", self.lang, target=target, status=status)
            parts.append(claims.ClaimText(words, claim))
        return [p for p in parts if p]

    def published_growth_sentence(self, kpi: Kpi) -> str:
        """What the published reports say of the same growth, beside the one computed:
        their figure, and, when it conflicts with the published counts it should follow
        from, the conflict in words ("" when no report gives that growth)."""
        from helpers.pages.sections.published import name_document

        published = self.run.published
        if published is None or published.empty:
            return ""
        growth = f"{kpi.metric}_growth"
        rows = published[
            (published["year"] == self.year)
            & (published["metric"] == growth)
            & (published["segment"] == kpi.segment)
            & (published["kind"] == "actual")
        ]
        if rows.empty:
            return ""
        row = rows.iloc[0]
        words = {
            "document": name_document(str(row["source"]), self.lang),
            "published": ("+" if float(row["value"]) > 0 else "")
            + i18n.format_percent(float(row["value"]), self.lang, 0),
        }
        conflicts = self.run.conflicts
        found = (
            conflicts[
                (conflicts["year"] == self.year)
                & (conflicts["metric"] == growth)
                & (conflicts["segment"] == kpi.segment)
            ]
            if conflicts is not None and not conflicts.empty
            else conflicts
        )
        if found is None or found.empty:
            return t("readable.published_growth", self.lang, **words)
        reason = str(found.iloc[0].get(f"reason_{self.lang}", "") or found.iloc[0]["reason_en"])
        return t("readable.published_growth_conflict", self.lang, reason=reason, **words)

    def previous_year_sentence(self, kpi: Kpi) -> str:
        """How the figure compares with the previous year, in words ("" when it cannot)."""
        previous = self.kpi(kpi.metric, kpi.segment, self.previous_year)
        change = compare_years(kpi, previous)
        if change is None:
            return ""
        words = {"previous_year": self.previous_year, "previous": self.describe(previous)}
        claim = claims.Claim(
            claims.CHANGE,
            kpi.metric,
            kpi.segment,
            self.year,
            {
                "previous-year": self.previous_year,
                "unit": "points" if change.points else "relative",
                "change": repr(float(change.value)),
                "clear": str(bool(change.clear)).lower() if change.points else "true",
            },
        )
        return claims.ClaimText(self.change_sentence(kpi, change, words), claim)

    def change_sentence(self, kpi: Kpi, change: Change, words: dict[str, object]) -> str:
        """The words of ``previous_year_sentence``."""
        if not change.points:
            size = i18n.format_percent(abs(change.value), self.lang)
            direction = "up" if change.value > 0 else "down"
            if size == i18n.format_percent(0, self.lang):
                direction = "same"
            sentence = t(f"lead.versus_count_{direction}", self.lang, change=size, **words)
            published = self.published_growth_sentence(kpi)
            return f"{sentence} {published}" if published else sentence
        key = "lead.versus_share_change" if change.clear else "lead.versus_share_no_change"
        sentence = t(
            key,
            self.lang,
            difference=self.describe_change(change),
            interval=i18n.format_points_interval(change.low, change.high, self.lang),
            **words,
        )
        if kpi.segment in self.redefined:
            # A share that fell under a definition that only widened is explained in the
            # caveat's words: "part of this change comes from the definitions" would mislead.
            caveat = self.definition_caveat(kpi)
            fell = (
                caveat is not None
                and t("caveat.definition_fell", self.lang, **self.definition_words(kpi))
                == caveat.text
            )
            note = (
                caveat.text
                if fell
                else t("lead.definition_change", self.lang, change_year=self.year)
            )
            sentence = f"{sentence} {note}"
        return sentence

    def parts_sentence(self, kpi: Kpi) -> str:
        """For a ratio whose parts moved differently, how each part changed ("" else).

        Emissions per user can rise while emissions fall, when users fall faster: the
        ratio alone would mislead, so the sentence gives both changes.
        """
        spec = registry.metric(kpi.metric)
        if spec.parts is None:
            return ""
        ratio = compare_years(kpi, self.kpi(kpi.metric, kpi.segment, self.previous_year))
        changes = [
            compare_years(self.kpi(p, kpi.segment), self.kpi(p, kpi.segment, self.previous_year))
            for p in spec.parts
        ]
        if ratio is None or None in changes:
            return ""
        numerator, denominator = changes
        # The parts explain the ratio only where the ratio does not simply follow its
        # numerator: they move in opposite directions, or the ratio goes against it.
        if (numerator.value > 0) == (ratio.value > 0) and (numerator.value > 0) != (
            denominator.value > 0
        ):
            return ""
        numerator_name, denominator_name = lower_first([self.label(p) for p in spec.parts])
        return t(
            "lead.ratio_parts",
            self.lang,
            numerator=numerator_name,
            numerator_change=i18n.format_change(numerator.value, self.lang),
            denominator=denominator_name,
            denominator_change=i18n.format_change(denominator.value, self.lang),
            previous_year=self.previous_year,
        )

    def carbon_price_sentence(self) -> str:
        """The price per tonne the donation used, with its source ("" when unknown)."""
        price = (self.provenance.get("reference") or {}).get("carbon_price")
        if not price:
            return ""
        return t(
            "lead.carbon_price",
            self.lang,
            price=i18n.format_currency(price["eur_per_tco2e"], self.lang, decimals=2),
            source=price["source"],
        )

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
            else:
                groups[change.reading].append(self.segment_name(segment, metric))
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
        return format_list(lower_first(names), locale=i18n.locale_of(self.lang))

    def data_gaps(self) -> HTML:
        """What the data lacks for this section, said in words (nothing when it lacks nothing)."""
        notes = self.list_data_gaps()
        if not notes:
            return HTML("")
        items = "".join(f"<li{claim_markup(n)}>{escape(n)}</li>" for n in notes)
        title = escape(t("section.data_gaps_title", self.lang))
        return HTML(f'<h2>{title}</h2>\n<ul class="mr-gaps">{items}</ul>')

    def list_data_gaps(self) -> list[str]:
        """The sentences of ``data_gaps``."""
        lang, year = self.lang, self.year
        notes = []
        if not self.has_previous:
            notes.append(t("section.previous_year_missing", lang, previous_year=self.previous_year))
        if self.name == "funnel" and self.lacks("visitors_monthly_avg"):
            notes.append(self.absent_note("gap.no_traffic", "visitors_monthly_avg", "all"))
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
            if self.lacks_in_every_group("team_budget_tco2e") and not self.lacks("emissions_tco2e"):
                notes.append(self.absent_note("gap.no_budgets", "team_budget_tco2e"))
            if self.lacks("emissions_tco2e"):
                notes.append(self.absent_note("gap.no_carbon", "emissions_tco2e", "all"))
            elif self.lacks("carbon_donation_eur"):
                notes.append(self.absent_note("gap.no_carbon_price", "carbon_donation_eur", "all"))
        return notes

    def lacks_in_every_group(self, metric: str, year: int | None = None) -> bool:
        """True when the data holds no value of the figure for any group of the year (a
        figure measured by team has no value for all students, yet is there)."""
        year = self.year if year is None else year
        found = [k for (y, m, _), k in self.figures.items() if y == year and m == metric]
        return not any(k.suppressed for k in found) and not claims.holds_any(k.value for k in found)

    def absent_note(self, key: str, metric: str, segment: str = claims.ANY_SEGMENT) -> str:
        """A sentence saying the data holds no ``metric`` this year, marked as such a claim."""
        claim = claims.Claim(claims.ABSENT, metric, segment, self.year)
        return claims.ClaimText(t(key, self.lang, year=self.year), claim)

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

"""The metric registry: every metric id of the KPI file, declared once.

One entry per metric id: the report section that shows it (some segments are shown by
another section, ``section_by_segment``), its kind and unit, its direction (whether a
higher value serves the mission better, worse, or neither), the function that computes it
and the tables and columns it reads. Its words, a short label and a definition, live in
the catalogs (``metric.<id>`` and ``definition.<id>`` in ``i18n/en.toml`` and
``i18n/fr.toml``). The methods page, the KPI dictionary and the links from figures to
definitions are built from here; tests check each entry against the code it names (the
columns its SQL reads) and against the catalogs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from helpers.core.layout import METRIC_SECTIONS
from helpers.figures.metrics import (
    apprenticeship,
    carbon,
    categories,
    focus,
    funding,
    funnel,
    impact,
    levers,
)
from helpers.intake.dataset import Dataset

SECTIONS = METRIC_SECTIONS
KINDS = ("count", "rate", "share", "ratio", "growth", "amount", "difference")
# Which way a change serves the mission: "higher" (more is better), "lower" (less is
# better), "neutral" (a description, not a goal: the mix of funders, a price).
DIRECTIONS = ("higher", "lower", "neutral")
# Kinds whose value is a fraction with numerator, denominator and interval.
PROPORTION_KINDS = ("rate", "share")
# Kinds whose figures add up over a partition of people (secondary suppression applies).
ADDITIVE_KINDS = ("count", "rate", "share")

MetricFunction = Callable[[Dataset, int, int], pd.DataFrame]

# What every category-segmented figure reads to place a person in the categories.
_CATEGORY_COLUMNS = (
    "application_id",
    "employment_status",
    "education_level",
    "priority_area",
    "migration_status",
    "disability",
)
# What every emission figure reads: the year's activity lines with their factors, each
# line's unit checked against its factor's.
_EMISSION_LINES = {
    "carbon_activity": (
        "month",
        "scope",
        "category",
        "team",
        "allocation",
        "activity_value",
        "activity_unit",
        "emission_factor_id",
    ),
    "emission_factors": ("emission_factor_id", "unit", "kgco2e_per_unit"),
}
# What every team figure reads: the emission lines and the teams' budgets, whose teams
# are listed together.
_TEAM_LINES = {**_EMISSION_LINES, "carbon_budgets": ("year", "team", "budget_tco2e")}
_BY_CATEGORY = "all, underserved, non_underserved and each underserved category"
# Team figures are given for the teams the data names, not for groups of people.
TEAM_SEGMENTS = "each team, as written in the data"
_IMPACT_SEGMENTS = _BY_CATEGORY + ", apprentices and non_apprentices"
# What every impact figure reads, in one query of the respondents shared by them all:
# the graduates, their whole survey answer and their application.
_RESPONDENTS = {
    "enrollments": (
        "enrollment_id",
        "application_id",
        "status",
        "started_at",
        "ended_at",
        "funding_type",
    ),
    "graduate_surveys": (
        "enrollment_id",
        "responded_at",
        "employed_within_6_months",
        "salary_before_eur",
        "salary_after_eur",
    ),
    "applications": (*_CATEGORY_COLUMNS, "submitted_at"),
}
# The real-terms salary figures read the consumer price index as well.
_RESPONDENTS_REAL = {**_RESPONDENTS, "consumer_prices": ("year", "index_2015")}
# What the brand figures read: the latest wave of each population surveyed in the year.
_BRAND_WAVES = {
    "brand_surveys": (
        "wave_date",
        "population",
        "underserved",
        "respondents",
        "aware",
        "considering",
    )
}
BRAND_SEGMENTS = (
    "each population surveyed, as written in the data, and underserved_populations "
    "(the populations marked underserved, pooled)"
)
# Segments named by the data rather than by the report.
DATA_SEGMENTS = (TEAM_SEGMENTS, BRAND_SEGMENTS)
_APPRENTICE_SECTIONS = MappingProxyType(
    {"apprentices": "apprenticeship", "non_apprentices": "apprenticeship"}
)


@dataclass(frozen=True)
class MetricSpec:
    """What one metric id means and how it is computed."""

    id: str
    section: str
    kind: str
    unit: str
    direction: str
    compute: MetricFunction
    reads: Mapping[str, tuple[str, ...]]
    segments: str = "all"
    section_by_segment: Mapping[str, str] = field(default_factory=dict)
    # Segments for which the direction does not hold: more students outside the
    # underserved categories is not a goal, more underserved students is.
    neutral_segments: tuple[str, ...] = ()
    # For a ratio of two metrics of the KPI file, (numerator, denominator): its change is
    # explained by theirs where they move differently.
    parts: tuple[str, str] | None = None

    def direction_of(self, segment: str) -> str:
        """Which way a change of the figure of ``segment`` serves the mission."""
        return "neutral" if segment in self.neutral_segments else self.direction

    @property
    def label_key(self) -> str:
        """Key of the metric's short label in the report's label catalogues."""
        return f"metric.{self.id}"

    @property
    def definition_key(self) -> str:
        """Key of the metric's definition in words in the catalogues."""
        return f"definition.{self.id}"

    def section_of(self, segment: str) -> str:
        """Return the report section that shows this metric for ``segment``."""
        return self.section_by_segment.get(segment, self.section)


def declare(
    *,
    id: str,
    section: str,
    kind: str,
    unit: str,
    direction: str,
    compute: MetricFunction,
    reads: dict[str, tuple[str, ...]],
    segments: str = "all",
    section_by_segment: Mapping[str, str] | None = None,
    neutral_segments: tuple[str, ...] = (),
    parts: tuple[str, str] | None = None,
) -> MetricSpec:
    """One registry entry (see ``MetricSpec``), every field named; ``reads`` maps tables
    to the columns read."""
    return MetricSpec(
        id,
        section,
        kind,
        unit,
        direction,
        compute,
        MappingProxyType(reads),
        segments,
        MappingProxyType(dict(section_by_segment or {})),
        neutral_segments,
        parts,
    )


METRICS: tuple[MetricSpec, ...] = (
    # --- funnel ---
    declare(
        id="visitors_monthly_avg",
        section="funnel",
        kind="count",
        unit="visitors per month",
        direction="higher",
        compute=funnel.compute_visitors_monthly_avg,
        reads={"monthly_traffic": ("month", "visitors")},
    ),
    declare(
        id="active_members_monthly_avg",
        section="funnel",
        kind="count",
        unit="members per month",
        direction="higher",
        compute=funnel.compute_active_members_monthly_avg,
        reads={"monthly_traffic": ("month", "active_members")},
    ),
    declare(
        id="new_members",
        section="funnel",
        kind="count",
        unit="members",
        direction="higher",
        compute=funnel.compute_new_members,
        reads={"members": ("registered_at",)},
    ),
    declare(
        id="courses_started",
        section="funnel",
        kind="count",
        unit="courses",
        direction="higher",
        compute=funnel.compute_courses_started,
        reads={"course_enrollments": ("started_at",)},
    ),
    declare(
        id="course_certificates",
        section="funnel",
        kind="count",
        unit="certificates",
        direction="higher",
        compute=funnel.compute_course_certificates,
        reads={"course_enrollments": ("certificate_at",)},
    ),
    declare(
        id="prospects",
        section="funnel",
        kind="count",
        unit="people",
        direction="higher",
        compute=funnel.compute_prospects,
        reads={"applications": ("member_id", "started_at")},
    ),
    declare(
        id="applicants",
        section="funnel",
        kind="count",
        unit="people",
        direction="higher",
        compute=funnel.compute_applicants,
        reads={"applications": ("member_id", "submitted_at")},
    ),
    declare(
        id="admitted",
        section="funnel",
        kind="count",
        unit="people",
        direction="higher",
        compute=funnel.compute_admitted,
        reads={"applications": ("member_id", "decision", "decided_at")},
    ),
    declare(
        id="students_started",
        section="funnel",
        kind="count",
        unit="enrollments",
        direction="higher",
        compute=funnel.compute_students_started,
        reads={"enrollments": ("started_at",)},
    ),
    declare(
        id="graduates",
        section="funnel",
        kind="count",
        unit="enrollments",
        direction="higher",
        compute=funnel.compute_graduates,
        reads={"enrollments": ("status", "ended_at")},
    ),
    declare(
        id="admission_rate",
        section="categories",
        kind="rate",
        unit="fraction",
        direction="higher",
        compute=funnel.compute_admission_rate,
        reads={
            "applications": ("member_id", "submitted_at", *_CATEGORY_COLUMNS),
            "enrollments": ("application_id",),
        },
        segments=_BY_CATEGORY,
        section_by_segment={"all": "funnel"},
    ),
    declare(
        id="graduation_rate",
        section="categories",
        kind="rate",
        unit="fraction",
        direction="higher",
        compute=funnel.compute_graduation_rate,
        reads={
            "enrollments": ("application_id", "expected_end_at", "status", "ended_at"),
            "applications": _CATEGORY_COLUMNS,
        },
        segments=_BY_CATEGORY,
        section_by_segment={"all": "funnel"},
    ),
    declare(
        id="career_outcome_rate_6m",
        section="categories",
        kind="rate",
        unit="fraction",
        direction="higher",
        compute=funnel.compute_career_outcome_rate_6m,
        reads={
            "enrollments": (
                "enrollment_id",
                "application_id",
                "status",
                "ended_at",
                "funding_type",
            ),
            "graduate_surveys": ("enrollment_id", "responded_at", "employed_within_6_months"),
            "applications": _CATEGORY_COLUMNS,
        },
        segments=_BY_CATEGORY + ", apprentices and non_apprentices",
        section_by_segment={"all": "funnel", **_APPRENTICE_SECTIONS},
    ),
    declare(
        id="career_outcomes",
        section="funnel",
        kind="count",
        unit="declarations",
        direction="higher",
        compute=funnel.compute_career_outcomes,
        reads={
            "career_outcomes": ("career_outcome_id", "member_id", "declared_at", "enrollment_id"),
            "enrollments": ("enrollment_id", "funding_type"),
        },
        segments="all, paid_students, apprentices",
    ),
    declare(
        id="countries_with_active_members",
        section="funnel",
        kind="count",
        unit="countries",
        direction="higher",
        compute=funnel.compute_countries_with_active_members,
        reads={"monthly_traffic": ("month", "country", "active_members")},
    ),
    declare(
        id="countries_with_students",
        section="funnel",
        kind="count",
        unit="countries",
        direction="higher",
        compute=funnel.compute_countries_with_students,
        reads={
            "enrollments": ("application_id", "started_at", "ended_at"),
            "applications": ("application_id", "country"),
        },
    ),
    declare(
        id="mentors_active",
        section="funnel",
        kind="count",
        unit="mentors",
        direction="higher",
        compute=focus.compute_mentors_active,
        reads={"enrollments": ("mentor_id", "started_at", "ended_at")},
    ),
    # --- categories ---
    declare(
        id="students_in_segment",
        section="categories",
        kind="count",
        unit="enrollments",
        direction="higher",
        compute=categories.compute_students_in_segment,
        reads={"enrollments": ("application_id", "started_at"), "applications": _CATEGORY_COLUMNS},
        segments=_BY_CATEGORY,
        neutral_segments=("non_underserved",),
    ),
    declare(
        id="segment_share",
        section="categories",
        kind="share",
        unit="fraction",
        direction="higher",
        compute=categories.compute_segment_share,
        reads={"enrollments": ("application_id", "started_at"), "applications": _CATEGORY_COLUMNS},
        segments="underserved, non_underserved and each underserved category",
        neutral_segments=("non_underserved",),
    ),
    declare(
        id="women_share",
        section="categories",
        kind="share",
        unit="fraction",
        direction="higher",
        compute=categories.compute_women_share,
        reads={
            "enrollments": ("application_id", "path_id", "started_at"),
            "applications": (*_CATEGORY_COLUMNS, "gender"),
            "paths": ("path_id", "domain"),
        },
        segments=_BY_CATEGORY + ", tech and non_tech",
    ),
    declare(
        id="disability_mentor_coverage",
        section="categories",
        kind="rate",
        unit="fraction",
        direction="higher",
        compute=focus.compute_disability_mentor_coverage,
        reads={
            "enrollments": ("application_id", "mentor_id", "started_at", "ended_at"),
            "applications": ("application_id", "disability"),
            "mentors": ("mentor_id", "disability_trained"),
        },
        segments="disability",
    ),
    declare(
        id="women_instructor_share",
        section="categories",
        kind="share",
        unit="fraction",
        direction="higher",
        compute=focus.compute_women_instructor_share,
        reads={"mentors": ("role", "domain", "gender")},
        segments="tech",
    ),
    # --- funding ---
    *(
        declare(
            id=f"funding_share_{funding_type}",
            section="funding",
            kind="share",
            unit="fraction",
            direction=direction,
            compute=compute,
            reads={
                "enrollments": ("application_id", "started_at", "funding_type"),
                "applications": _CATEGORY_COLUMNS,
            },
            segments=_BY_CATEGORY,
        )
        # Paid by the students themselves is what the mission wants smaller; how third
        # parties share the rest is neither better nor worse.
        for funding_type, direction, compute in (
            ("individual", "lower", funding.compute_funding_share_individual),
            ("public", "neutral", funding.compute_funding_share_public),
            ("apprenticeship", "neutral", funding.compute_funding_share_apprenticeship),
            ("employer", "neutral", funding.compute_funding_share_employer),
            ("other", "neutral", funding.compute_funding_share_other),
        )
    ),
    declare(
        id="third_party_funding_share",
        section="funding",
        kind="share",
        unit="fraction",
        direction="higher",
        compute=funding.compute_third_party_funding_share,
        reads={
            "enrollments": ("application_id", "started_at", "funding_type"),
            "applications": _CATEGORY_COLUMNS,
        },
        segments=_BY_CATEGORY,
    ),
    # --- apprenticeship ---
    declare(
        id="apprentices_active",
        section="apprenticeship",
        kind="count",
        unit="enrollments",
        direction="higher",
        compute=apprenticeship.compute_apprentices_active,
        reads={"enrollments": ("funding_type", "started_at", "ended_at")},
    ),
    declare(
        id="apprentices_started",
        section="apprenticeship",
        kind="count",
        unit="enrollments",
        direction="higher",
        compute=apprenticeship.compute_apprentices_started,
        reads={"enrollments": ("funding_type", "started_at")},
    ),
    declare(
        id="apprentices_growth",
        section="apprenticeship",
        kind="growth",
        unit="fraction",
        direction="higher",
        compute=apprenticeship.compute_apprentices_growth,
        reads={"enrollments": ("funding_type", "started_at", "ended_at")},
    ),
    declare(
        id="companies_with_apprentice",
        section="apprenticeship",
        kind="count",
        unit="companies",
        direction="higher",
        compute=apprenticeship.compute_companies_with_apprentice,
        reads={"enrollments": ("funding_type", "employer_id", "started_at", "ended_at")},
    ),
    declare(
        id="salary_after_median_eur",
        section="apprenticeship",
        kind="amount",
        unit="EUR per year",
        direction="higher",
        compute=apprenticeship.compute_salary_after_median_eur,
        reads={
            "enrollments": ("enrollment_id", "status", "ended_at", "funding_type"),
            "graduate_surveys": ("enrollment_id", "responded_at", "salary_after_eur"),
        },
        segments="apprentices, non_apprentices",
    ),
    declare(
        id="apprentice_salary_premium",
        section="apprenticeship",
        kind="ratio",
        unit="fraction",
        direction="neutral",
        compute=apprenticeship.compute_apprentice_salary_premium,
        reads={
            "enrollments": ("enrollment_id", "status", "ended_at", "funding_type"),
            "graduate_surveys": ("enrollment_id", "responded_at", "salary_after_eur"),
        },
    ),
    # --- carbon ---
    declare(
        id="emissions_tco2e",
        section="carbon",
        kind="amount",
        unit="tCO2e",
        direction="lower",
        compute=carbon.compute_emissions_tco2e,
        reads=_EMISSION_LINES,
        segments="all, scope_1, scope_2, scope_3",
    ),
    declare(
        id="users",
        section="carbon",
        kind="count",
        unit="people",
        direction="higher",
        compute=carbon.compute_users,
        reads={
            "course_enrollments": ("member_id", "started_at"),
            "enrollments": ("member_id", "started_at", "ended_at"),
        },
    ),
    declare(
        id="co2e_per_user_kg",
        section="carbon",
        kind="ratio",
        unit="kgCO2e per user",
        direction="lower",
        compute=carbon.compute_co2e_per_user_kg,
        reads={
            **_EMISSION_LINES,
            "course_enrollments": ("member_id", "started_at"),
            "enrollments": ("member_id", "started_at", "ended_at"),
        },
        parts=("emissions_tco2e", "users"),
    ),
    declare(
        id="co2e_per_paid_student_kg",
        section="carbon",
        kind="ratio",
        unit="kgCO2e per enrollment",
        direction="lower",
        compute=carbon.compute_co2e_per_paid_student_kg,
        reads={**_EMISSION_LINES, "enrollments": ("started_at", "ended_at")},
    ),
    declare(
        id="carbon_donation_eur",
        section="carbon",
        kind="amount",
        unit="EUR",
        direction="neutral",
        compute=carbon.compute_carbon_donation_eur,
        reads={**_EMISSION_LINES, "carbon_prices": ("year", "eur_per_tco2e")},
    ),
)

# Of the graduates of Y - k, who declared a career outcome within k years of the jury.
_OUTCOME_WINDOWS = tuple(
    declare(
        id=impact.outcome_window_metric(window),
        section="impact",
        kind="rate",
        unit="fraction",
        direction="higher",
        compute=getattr(impact, f"compute_graduates_with_outcome_{window}y"),
        reads={
            "enrollments": ("member_id", "application_id", "status", "ended_at"),
            "career_outcomes": ("member_id", "declared_at"),
            "applications": _CATEGORY_COLUMNS,
        },
        segments=_BY_CATEGORY,
    )
    for window in impact.OUTCOME_WINDOWS
)

METRICS += (
    # --- impact: before and after the path ---
    declare(
        id="survey_response_rate",
        section="impact",
        kind="rate",
        unit="fraction",
        direction="higher",
        compute=impact.compute_survey_response_rate,
        reads=_RESPONDENTS,
        segments=_IMPACT_SEGMENTS,
    ),
    declare(
        id="employed_before_share",
        section="impact",
        kind="share",
        unit="fraction",
        direction="neutral",
        compute=impact.compute_employed_before_share,
        reads=_RESPONDENTS,
        segments=_IMPACT_SEGMENTS,
    ),
    declare(
        id="employed_after_share",
        section="impact",
        kind="share",
        unit="fraction",
        direction="higher",
        compute=impact.compute_employed_after_share,
        reads=_RESPONDENTS,
        segments=_IMPACT_SEGMENTS,
    ),
    declare(
        id="employment_change",
        section="impact",
        kind="difference",
        unit="fraction",
        direction="higher",
        compute=impact.compute_employment_change,
        reads=_RESPONDENTS,
        segments=_IMPACT_SEGMENTS,
    ),
    declare(
        id="into_work_rate",
        section="impact",
        kind="rate",
        unit="fraction",
        direction="higher",
        compute=impact.compute_into_work_rate,
        reads=_RESPONDENTS,
        segments=_IMPACT_SEGMENTS,
    ),
    declare(
        id="salary_change_median_eur",
        section="impact",
        kind="ratio",
        unit="EUR a year",
        direction="higher",
        compute=impact.compute_salary_change_median_eur,
        reads=_RESPONDENTS,
        segments=_IMPACT_SEGMENTS,
    ),
    declare(
        id="salary_change_real_median_eur",
        section="impact",
        kind="ratio",
        unit="EUR a year",
        direction="higher",
        compute=impact.compute_salary_change_real_median_eur,
        reads=_RESPONDENTS_REAL,
        segments=_IMPACT_SEGMENTS,
    ),
    declare(
        id="salary_rise_share",
        section="impact",
        kind="share",
        unit="fraction",
        direction="higher",
        compute=impact.compute_salary_rise_share,
        reads=_RESPONDENTS,
        segments=_IMPACT_SEGMENTS,
    ),
    declare(
        id="salary_change_total_eur",
        section="impact",
        kind="amount",
        unit="EUR a year",
        direction="higher",
        compute=impact.compute_salary_change_total_eur,
        reads=_RESPONDENTS,
        segments=_IMPACT_SEGMENTS,
    ),
    declare(
        id="salary_change_real_total_eur",
        section="impact",
        kind="amount",
        unit="EUR a year",
        direction="higher",
        compute=impact.compute_salary_change_real_total_eur,
        reads=_RESPONDENTS_REAL,
        segments=_IMPACT_SEGMENTS,
    ),
    *_OUTCOME_WINDOWS,
    # --- the levers of the first impact report (2020) ---
    declare(
        id="company_programme_students",
        section="funding",
        kind="count",
        unit="enrollments",
        direction="higher",
        compute=levers.compute_company_programme_students,
        reads={"enrollments": ("started_at", "funding_type")},
    ),
    declare(
        id="underserved_students_outside_france",
        section="categories",
        kind="count",
        unit="enrollments",
        direction="higher",
        compute=levers.compute_underserved_students_outside_france,
        reads={
            "enrollments": ("application_id", "started_at"),
            "applications": (*_CATEGORY_COLUMNS, "country"),
        },
    ),
    declare(
        id="brand_awareness_share",
        section="funnel",
        kind="share",
        unit="fraction",
        direction="higher",
        compute=levers.compute_brand_awareness_share,
        reads=_BRAND_WAVES,
        segments=BRAND_SEGMENTS,
    ),
    declare(
        id="brand_consideration_share",
        section="funnel",
        kind="share",
        unit="fraction",
        direction="higher",
        compute=levers.compute_brand_consideration_share,
        reads=_BRAND_WAVES,
        segments=BRAND_SEGMENTS,
    ),
    # --- carbon budget by team ---
    declare(
        id="team_emissions_tco2e",
        section="carbon",
        kind="amount",
        unit="tCO2e",
        direction="lower",
        compute=carbon.compute_team_emissions_tco2e,
        reads=_TEAM_LINES,
        segments=TEAM_SEGMENTS,
    ),
    declare(
        id="team_budget_tco2e",
        section="carbon",
        kind="amount",
        unit="tCO2e",
        direction="neutral",
        compute=carbon.compute_team_budget_tco2e,
        reads=_TEAM_LINES,
        segments=TEAM_SEGMENTS,
    ),
    declare(
        id="team_budget_use",
        section="carbon",
        kind="ratio",
        unit="fraction of budget",
        direction="lower",
        compute=carbon.compute_team_budget_use,
        reads=_TEAM_LINES,
        segments=TEAM_SEGMENTS,
    ),
    declare(
        id="team_emissions_forecast_tco2e",
        section="carbon",
        kind="amount",
        unit="tCO2e",
        direction="lower",
        compute=carbon.compute_team_emissions_forecast_tco2e,
        reads=_TEAM_LINES,
        segments=TEAM_SEGMENTS,
    ),
)

METRICS_BY_ID: Mapping[str, MetricSpec] = MappingProxyType({m.id: m for m in METRICS})


def metric(metric_id: str) -> MetricSpec:
    """Return the registry entry of ``metric_id``."""
    return METRICS_BY_ID[metric_id]

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
    """One registry entry (see ``MetricSpec``); ``reads`` maps tables to the columns read."""
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
        "visitors_monthly_avg",
        "funnel",
        "count",
        "visitors per month",
        "higher",
        funnel.compute_visitors_monthly_avg,
        {"monthly_traffic": ("month", "visitors")},
    ),
    declare(
        "active_members_monthly_avg",
        "funnel",
        "count",
        "members per month",
        "higher",
        funnel.compute_active_members_monthly_avg,
        {"monthly_traffic": ("month", "active_members")},
    ),
    declare(
        "new_members",
        "funnel",
        "count",
        "members",
        "higher",
        funnel.compute_new_members,
        {"members": ("registered_at",)},
    ),
    declare(
        "courses_started",
        "funnel",
        "count",
        "courses",
        "higher",
        funnel.compute_courses_started,
        {"course_enrollments": ("started_at",)},
    ),
    declare(
        "course_certificates",
        "funnel",
        "count",
        "certificates",
        "higher",
        funnel.compute_course_certificates,
        {"course_enrollments": ("certificate_at",)},
    ),
    declare(
        "prospects",
        "funnel",
        "count",
        "people",
        "higher",
        funnel.compute_prospects,
        {"applications": ("member_id", "started_at")},
    ),
    declare(
        "applicants",
        "funnel",
        "count",
        "people",
        "higher",
        funnel.compute_applicants,
        {"applications": ("member_id", "submitted_at")},
    ),
    declare(
        "admitted",
        "funnel",
        "count",
        "people",
        "higher",
        funnel.compute_admitted,
        {"applications": ("member_id", "decision", "decided_at")},
    ),
    declare(
        "students_started",
        "funnel",
        "count",
        "enrollments",
        "higher",
        funnel.compute_students_started,
        {"enrollments": ("started_at",)},
    ),
    declare(
        "graduates",
        "funnel",
        "count",
        "enrollments",
        "higher",
        funnel.compute_graduates,
        {"enrollments": ("status", "ended_at")},
    ),
    declare(
        "admission_rate",
        "categories",
        "rate",
        "fraction",
        "higher",
        funnel.compute_admission_rate,
        {
            "applications": ("member_id", "submitted_at", *_CATEGORY_COLUMNS),
            "enrollments": ("application_id",),
        },
        _BY_CATEGORY,
        {"all": "funnel"},
    ),
    declare(
        "graduation_rate",
        "categories",
        "rate",
        "fraction",
        "higher",
        funnel.compute_graduation_rate,
        {
            "enrollments": ("application_id", "expected_end_at", "status", "ended_at"),
            "applications": _CATEGORY_COLUMNS,
        },
        _BY_CATEGORY,
        {"all": "funnel"},
    ),
    declare(
        "career_outcome_rate_6m",
        "categories",
        "rate",
        "fraction",
        "higher",
        funnel.compute_career_outcome_rate_6m,
        {
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
        _BY_CATEGORY + ", apprentices and non_apprentices",
        {"all": "funnel", **_APPRENTICE_SECTIONS},
    ),
    declare(
        "career_outcomes",
        "funnel",
        "count",
        "declarations",
        "higher",
        funnel.compute_career_outcomes,
        {
            "career_outcomes": ("career_outcome_id", "member_id", "declared_at", "enrollment_id"),
            "enrollments": ("enrollment_id", "funding_type"),
        },
        "all, paid_students, apprentices",
    ),
    declare(
        "countries_with_active_members",
        "funnel",
        "count",
        "countries",
        "higher",
        funnel.compute_countries_with_active_members,
        {"monthly_traffic": ("month", "country", "active_members")},
    ),
    declare(
        "countries_with_students",
        "funnel",
        "count",
        "countries",
        "higher",
        funnel.compute_countries_with_students,
        {
            "enrollments": ("application_id", "started_at", "ended_at"),
            "applications": ("application_id", "country"),
        },
    ),
    declare(
        "mentors_active",
        "funnel",
        "count",
        "mentors",
        "higher",
        focus.compute_mentors_active,
        {"enrollments": ("mentor_id", "started_at", "ended_at")},
    ),
    # --- categories ---
    declare(
        "students_in_segment",
        "categories",
        "count",
        "enrollments",
        "higher",
        categories.compute_students_in_segment,
        {"enrollments": ("application_id", "started_at"), "applications": _CATEGORY_COLUMNS},
        _BY_CATEGORY,
        neutral_segments=("non_underserved",),
    ),
    declare(
        "segment_share",
        "categories",
        "share",
        "fraction",
        "higher",
        categories.compute_segment_share,
        {"enrollments": ("application_id", "started_at"), "applications": _CATEGORY_COLUMNS},
        "underserved, non_underserved and each underserved category",
        neutral_segments=("non_underserved",),
    ),
    declare(
        "women_share",
        "categories",
        "share",
        "fraction",
        "higher",
        categories.compute_women_share,
        {
            "enrollments": ("application_id", "path_id", "started_at"),
            "applications": (*_CATEGORY_COLUMNS, "gender"),
            "paths": ("path_id", "domain"),
        },
        _BY_CATEGORY + ", tech and non_tech",
    ),
    declare(
        "disability_mentor_coverage",
        "categories",
        "rate",
        "fraction",
        "higher",
        focus.compute_disability_mentor_coverage,
        {
            "enrollments": ("application_id", "mentor_id", "started_at", "ended_at"),
            "applications": ("application_id", "disability"),
            "mentors": ("mentor_id", "disability_trained"),
        },
        "disability",
    ),
    declare(
        "women_instructor_share",
        "categories",
        "share",
        "fraction",
        "higher",
        focus.compute_women_instructor_share,
        {"mentors": ("role", "domain", "gender")},
        "tech",
    ),
    # --- funding ---
    *(
        declare(
            f"funding_share_{funding_type}",
            "funding",
            "share",
            "fraction",
            direction,
            compute,
            {
                "enrollments": ("application_id", "started_at", "funding_type"),
                "applications": _CATEGORY_COLUMNS,
            },
            _BY_CATEGORY,
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
        "third_party_funding_share",
        "funding",
        "share",
        "fraction",
        "higher",
        funding.compute_third_party_funding_share,
        {
            "enrollments": ("application_id", "started_at", "funding_type"),
            "applications": _CATEGORY_COLUMNS,
        },
        _BY_CATEGORY,
    ),
    # --- apprenticeship ---
    declare(
        "apprentices_active",
        "apprenticeship",
        "count",
        "enrollments",
        "higher",
        apprenticeship.compute_apprentices_active,
        {"enrollments": ("funding_type", "started_at", "ended_at")},
    ),
    declare(
        "apprentices_started",
        "apprenticeship",
        "count",
        "enrollments",
        "higher",
        apprenticeship.compute_apprentices_started,
        {"enrollments": ("funding_type", "started_at")},
    ),
    declare(
        "apprentices_growth",
        "apprenticeship",
        "growth",
        "fraction",
        "higher",
        apprenticeship.compute_apprentices_growth,
        {"enrollments": ("funding_type", "started_at", "ended_at")},
    ),
    declare(
        "companies_with_apprentice",
        "apprenticeship",
        "count",
        "companies",
        "higher",
        apprenticeship.compute_companies_with_apprentice,
        {"enrollments": ("funding_type", "employer_id", "started_at", "ended_at")},
    ),
    declare(
        "salary_after_median_eur",
        "apprenticeship",
        "amount",
        "EUR per year",
        "higher",
        apprenticeship.compute_salary_after_median_eur,
        {
            "enrollments": ("enrollment_id", "status", "ended_at", "funding_type"),
            "graduate_surveys": ("enrollment_id", "responded_at", "salary_after_eur"),
        },
        "apprentices, non_apprentices",
    ),
    declare(
        "apprentice_salary_premium",
        "apprenticeship",
        "ratio",
        "fraction",
        "neutral",
        apprenticeship.compute_apprentice_salary_premium,
        {
            "enrollments": ("enrollment_id", "status", "ended_at", "funding_type"),
            "graduate_surveys": ("enrollment_id", "responded_at", "salary_after_eur"),
        },
    ),
    # --- carbon ---
    declare(
        "emissions_tco2e",
        "carbon",
        "amount",
        "tCO2e",
        "lower",
        carbon.compute_emissions_tco2e,
        _EMISSION_LINES,
        "all, scope_1, scope_2, scope_3",
    ),
    declare(
        "users",
        "carbon",
        "count",
        "people",
        "higher",
        carbon.compute_users,
        {
            "course_enrollments": ("member_id", "started_at"),
            "enrollments": ("member_id", "started_at", "ended_at"),
        },
    ),
    declare(
        "co2e_per_user_kg",
        "carbon",
        "ratio",
        "kgCO2e per user",
        "lower",
        carbon.compute_co2e_per_user_kg,
        {
            **_EMISSION_LINES,
            "course_enrollments": ("member_id", "started_at"),
            "enrollments": ("member_id", "started_at", "ended_at"),
        },
        parts=("emissions_tco2e", "users"),
    ),
    declare(
        "co2e_per_paid_student_kg",
        "carbon",
        "ratio",
        "kgCO2e per enrollment",
        "lower",
        carbon.compute_co2e_per_paid_student_kg,
        {**_EMISSION_LINES, "enrollments": ("started_at", "ended_at")},
    ),
    declare(
        "carbon_donation_eur",
        "carbon",
        "amount",
        "EUR",
        "neutral",
        carbon.compute_carbon_donation_eur,
        {**_EMISSION_LINES, "carbon_prices": ("year", "eur_per_tco2e")},
    ),
)

# Of the graduates of Y - k, who declared a career outcome within k years of the jury.
_OUTCOME_WINDOWS = tuple(
    declare(
        impact.outcome_window_metric(window),
        "impact",
        "rate",
        "fraction",
        "higher",
        getattr(impact, f"compute_graduates_with_outcome_{window}y"),
        {
            "enrollments": ("member_id", "application_id", "status", "ended_at"),
            "career_outcomes": ("member_id", "declared_at"),
            "applications": _CATEGORY_COLUMNS,
        },
        _BY_CATEGORY,
    )
    for window in impact.OUTCOME_WINDOWS
)

METRICS += (
    # --- impact: before and after the path ---
    declare(
        "survey_response_rate",
        "impact",
        "rate",
        "fraction",
        "higher",
        impact.compute_survey_response_rate,
        _RESPONDENTS,
        _IMPACT_SEGMENTS,
    ),
    declare(
        "employed_before_share",
        "impact",
        "share",
        "fraction",
        "neutral",
        impact.compute_employed_before_share,
        _RESPONDENTS,
        _IMPACT_SEGMENTS,
    ),
    declare(
        "employed_after_share",
        "impact",
        "share",
        "fraction",
        "higher",
        impact.compute_employed_after_share,
        _RESPONDENTS,
        _IMPACT_SEGMENTS,
    ),
    declare(
        "employment_change",
        "impact",
        "difference",
        "fraction",
        "higher",
        impact.compute_employment_change,
        _RESPONDENTS,
        _IMPACT_SEGMENTS,
    ),
    declare(
        "into_work_rate",
        "impact",
        "rate",
        "fraction",
        "higher",
        impact.compute_into_work_rate,
        _RESPONDENTS,
        _IMPACT_SEGMENTS,
    ),
    declare(
        "salary_change_median_eur",
        "impact",
        "ratio",
        "EUR a year",
        "higher",
        impact.compute_salary_change_median_eur,
        _RESPONDENTS,
        _IMPACT_SEGMENTS,
    ),
    declare(
        "salary_change_real_median_eur",
        "impact",
        "ratio",
        "EUR a year",
        "higher",
        impact.compute_salary_change_real_median_eur,
        _RESPONDENTS_REAL,
        _IMPACT_SEGMENTS,
    ),
    declare(
        "salary_rise_share",
        "impact",
        "share",
        "fraction",
        "higher",
        impact.compute_salary_rise_share,
        _RESPONDENTS,
        _IMPACT_SEGMENTS,
    ),
    declare(
        "salary_change_total_eur",
        "impact",
        "amount",
        "EUR a year",
        "higher",
        impact.compute_salary_change_total_eur,
        _RESPONDENTS,
        _IMPACT_SEGMENTS,
    ),
    declare(
        "salary_change_real_total_eur",
        "impact",
        "amount",
        "EUR a year",
        "higher",
        impact.compute_salary_change_real_total_eur,
        _RESPONDENTS_REAL,
        _IMPACT_SEGMENTS,
    ),
    *_OUTCOME_WINDOWS,
    # --- the levers of the first impact report (2020) ---
    declare(
        "company_programme_students",
        "funding",
        "count",
        "enrollments",
        "higher",
        levers.compute_company_programme_students,
        {"enrollments": ("started_at", "funding_type")},
    ),
    declare(
        "underserved_students_outside_france",
        "categories",
        "count",
        "enrollments",
        "higher",
        levers.compute_underserved_students_outside_france,
        {
            "enrollments": ("application_id", "started_at"),
            "applications": (*_CATEGORY_COLUMNS, "country"),
        },
    ),
    declare(
        "brand_awareness_share",
        "funnel",
        "share",
        "fraction",
        "higher",
        levers.compute_brand_awareness_share,
        _BRAND_WAVES,
        BRAND_SEGMENTS,
    ),
    declare(
        "brand_consideration_share",
        "funnel",
        "share",
        "fraction",
        "higher",
        levers.compute_brand_consideration_share,
        _BRAND_WAVES,
        BRAND_SEGMENTS,
    ),
    # --- carbon budget by team ---
    declare(
        "team_emissions_tco2e",
        "carbon",
        "amount",
        "tCO2e",
        "lower",
        carbon.compute_team_emissions_tco2e,
        _TEAM_LINES,
        TEAM_SEGMENTS,
    ),
    declare(
        "team_budget_tco2e",
        "carbon",
        "amount",
        "tCO2e",
        "neutral",
        carbon.compute_team_budget_tco2e,
        _TEAM_LINES,
        TEAM_SEGMENTS,
    ),
    declare(
        "team_budget_use",
        "carbon",
        "ratio",
        "fraction of budget",
        "lower",
        carbon.compute_team_budget_use,
        _TEAM_LINES,
        TEAM_SEGMENTS,
    ),
    declare(
        "team_emissions_forecast_tco2e",
        "carbon",
        "amount",
        "tCO2e",
        "lower",
        carbon.compute_team_emissions_forecast_tco2e,
        _TEAM_LINES,
        TEAM_SEGMENTS,
    ),
)

METRICS_BY_ID: Mapping[str, MetricSpec] = MappingProxyType({m.id: m for m in METRICS})


def metric(metric_id: str) -> MetricSpec:
    """Return the registry entry of ``metric_id``."""
    return METRICS_BY_ID[metric_id]

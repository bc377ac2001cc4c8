"""The metric registry: every metric id of the KPI file, with what it means and where it comes from.

One entry per metric id: the report section that shows it (some segments are shown by
another section, ``section_by_segment``), its kind and unit, the key of its short label,
its definition in words, the function that computes it and the tables and columns it
reads. The methods page and the links from figures to definitions are built from here, so
a definition cannot drift from the code that computes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from helpers.dataset import Dataset
from helpers.metrics import apprenticeship, carbon, categories, focus, funding, funnel, impact

SECTIONS = ("funnel", "categories", "funding", "apprenticeship", "carbon", "impact")
KINDS = ("count", "rate", "share", "ratio", "growth", "amount", "difference")
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
_BY_CATEGORY = "all, underserved, non_underserved and each underserved category"
# Team figures are given for the teams the data names, not for groups of people.
TEAM_SEGMENTS = "each team, as written in the data"
_IMPACT_SEGMENTS = _BY_CATEGORY + ", apprentices and non_apprentices"
# What the impact figures read: the graduates, their survey and their application.
_RESPONDENTS = {
    "enrollments": ("enrollment_id", "application_id", "status", "ended_at", "funding_type"),
    "graduate_surveys": ("enrollment_id", "responded_at"),
    "applications": _CATEGORY_COLUMNS,
}
_SURVEY_EMPLOYMENT = ("enrollment_id", "responded_at", "employed_within_6_months")
_SURVEY_SALARIES = ("enrollment_id", "responded_at", "salary_before_eur", "salary_after_eur")
_TEAM_LINES = {
    "carbon_activity": ("month", "team", "activity_value", "emission_factor_id"),
    "emission_factors": ("emission_factor_id", "kgco2e_per_unit"),
}
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
    definition: str
    compute: MetricFunction
    reads: Mapping[str, tuple[str, ...]]
    segments: str = "all"
    section_by_segment: Mapping[str, str] = field(default_factory=dict)

    @property
    def label_key(self) -> str:
        """Key of the metric's short label in the report's label catalogues."""
        return f"metric.{self.id}"

    def section_of(self, segment: str) -> str:
        """Return the report section that shows this metric for ``segment``."""
        return self.section_by_segment.get(segment, self.section)


def _spec(
    id: str,
    section: str,
    kind: str,
    unit: str,
    definition: str,
    compute: MetricFunction,
    reads: dict[str, tuple[str, ...]],
    segments: str = "all",
    section_by_segment: Mapping[str, str] | None = None,
) -> MetricSpec:
    return MetricSpec(
        id,
        section,
        kind,
        unit,
        definition,
        compute,
        MappingProxyType(reads),
        segments,
        MappingProxyType(dict(section_by_segment or {})),
    )


METRICS: tuple[MetricSpec, ...] = (
    # --- funnel ---
    _spec(
        "visitors_monthly_avg",
        "funnel",
        "count",
        "visitors per month",
        "Visitors of the platform in a month, summed over countries, averaged over the "
        "months of the year present in the data.",
        funnel.compute_visitors_monthly_avg,
        {"monthly_traffic": ("month", "visitors")},
    ),
    _spec(
        "active_members_monthly_avg",
        "funnel",
        "count",
        "members per month",
        "Members who used a course in a month, summed over countries, averaged over the "
        "months of the year present in the data.",
        funnel.compute_active_members_monthly_avg,
        {"monthly_traffic": ("month", "active_members")},
    ),
    _spec(
        "new_members",
        "funnel",
        "count",
        "members",
        "Accounts registered during the year.",
        funnel.compute_new_members,
        {"members": ("registered_at",)},
    ),
    _spec(
        "courses_started",
        "funnel",
        "count",
        "courses",
        "Free courses started during the year; a member who starts three courses counts three.",
        funnel.compute_courses_started,
        {"course_enrollments": ("started_at",)},
    ),
    _spec(
        "course_certificates",
        "funnel",
        "count",
        "certificates",
        "Certificates of free courses obtained during the year.",
        funnel.compute_course_certificates,
        {"course_enrollments": ("certificate_at",)},
    ),
    _spec(
        "prospects",
        "funnel",
        "count",
        "people",
        "People who started at least one application to a paid path during the year.",
        funnel.compute_prospects,
        {"applications": ("member_id", "started_at")},
    ),
    _spec(
        "applicants",
        "funnel",
        "count",
        "people",
        "People who submitted at least one complete application during the year.",
        funnel.compute_applicants,
        {"applications": ("member_id", "submitted_at")},
    ),
    _spec(
        "admitted",
        "funnel",
        "count",
        "people",
        "People with at least one application accepted during the year.",
        funnel.compute_admitted,
        {"applications": ("member_id", "decision", "decided_at")},
    ),
    _spec(
        "students_started",
        "funnel",
        "count",
        "enrollments",
        "Enrollments on a paid path that started during the year.",
        funnel.compute_students_started,
        {"enrollments": ("started_at",)},
    ),
    _spec(
        "graduates",
        "funnel",
        "count",
        "enrollments",
        "Enrollments that ended in a diploma, with the jury held during the year.",
        funnel.compute_graduates,
        {"enrollments": ("status", "ended_at")},
    ),
    _spec(
        "admission_rate",
        "categories",
        "rate",
        "fraction",
        "Of the people who submitted an application during the year, the fraction who "
        "began a paid path from one of those applications, whenever it began. A person "
        "belongs to the segments of their latest application submitted that year.",
        funnel.compute_admission_rate,
        {
            "applications": ("member_id", "submitted_at", *_CATEGORY_COLUMNS),
            "enrollments": ("application_id",),
        },
        _BY_CATEGORY,
        {"all": "funnel"},
    ),
    _spec(
        "graduation_rate",
        "categories",
        "rate",
        "fraction",
        "Of the enrollments due to end during the year, the fraction that graduated by "
        "31 December of that year.",
        funnel.compute_graduation_rate,
        {
            "enrollments": ("application_id", "expected_end_at", "status", "ended_at"),
            "applications": _CATEGORY_COLUMNS,
        },
        _BY_CATEGORY,
        {"all": "funnel"},
    ),
    _spec(
        "career_outcome_rate_6m",
        "categories",
        "rate",
        "fraction",
        "Of the graduates of the year who answered the graduate survey, the fraction "
        "employed within six months of graduating.",
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
    _spec(
        "career_outcomes",
        "funnel",
        "count",
        "declarations",
        "Career outcomes declared during the year, at most one per person in any 365 days: "
        "a declaration counts only if it comes 365 days or more after the last one counted "
        "for that person.",
        funnel.compute_career_outcomes,
        {
            "career_outcomes": ("career_outcome_id", "member_id", "declared_at", "enrollment_id"),
            "enrollments": ("enrollment_id", "funding_type"),
        },
        "all, paid_students, apprentices",
    ),
    _spec(
        "countries_with_active_members",
        "funnel",
        "count",
        "countries",
        "Countries where members used a course in at least one month of the year.",
        funnel.compute_countries_with_active_members,
        {"monthly_traffic": ("month", "country", "active_members")},
    ),
    _spec(
        "countries_with_students",
        "funnel",
        "count",
        "countries",
        "Countries of residence of the students enrolled on a paid path at some point in the year.",
        funnel.compute_countries_with_students,
        {
            "enrollments": ("application_id", "started_at", "ended_at"),
            "applications": ("application_id", "country"),
        },
    ),
    _spec(
        "mentors_active",
        "funnel",
        "count",
        "mentors",
        "Mentors following at least one student enrolled at some point in the year.",
        focus.compute_mentors_active,
        {"enrollments": ("mentor_id", "started_at", "ended_at")},
    ),
    # --- categories ---
    _spec(
        "students_in_segment",
        "categories",
        "count",
        "enrollments",
        "Enrollments started during the year whose application places the student in the segment.",
        categories.compute_students_in_segment,
        {"enrollments": ("application_id", "started_at"), "applications": _CATEGORY_COLUMNS},
        _BY_CATEGORY,
    ),
    _spec(
        "segment_share",
        "categories",
        "share",
        "fraction",
        "Fraction of the enrollments started during the year that fall in the segment; for "
        "underserved, the share of students in at least one underserved category.",
        categories.compute_segment_share,
        {"enrollments": ("application_id", "started_at"), "applications": _CATEGORY_COLUMNS},
        "underserved, non_underserved and each underserved category",
    ),
    _spec(
        "women_share",
        "categories",
        "share",
        "fraction",
        "Fraction of the enrollments started during the year whose application gives the "
        "gender female; students of unknown gender stay in the denominator.",
        categories.compute_women_share,
        {
            "enrollments": ("application_id", "path_id", "started_at"),
            "applications": (*_CATEGORY_COLUMNS, "gender"),
            "paths": ("path_id", "domain"),
        },
        _BY_CATEGORY + ", tech and non_tech",
    ),
    _spec(
        "disability_mentor_coverage",
        "categories",
        "rate",
        "fraction",
        "Of the enrollments of the year whose application declares a disability, the "
        "fraction followed by a mentor trained in disability.",
        focus.compute_disability_mentor_coverage,
        {
            "enrollments": ("application_id", "mentor_id", "started_at", "ended_at"),
            "applications": ("application_id", "disability"),
            "mentors": ("mentor_id", "disability_trained"),
        },
        "disability",
    ),
    _spec(
        "women_instructor_share",
        "categories",
        "share",
        "fraction",
        "Fraction of women among the instructors of tech paths, as listed at extraction.",
        focus.compute_women_instructor_share,
        {"mentors": ("role", "domain", "gender")},
        "tech",
    ),
    # --- funding ---
    *(
        _spec(
            f"funding_share_{funding_type}",
            "funding",
            "share",
            "fraction",
            f"Fraction of the segment's enrollments started during the year {wording}.",
            compute,
            {
                "enrollments": ("application_id", "started_at", "funding_type"),
                "applications": _CATEGORY_COLUMNS,
            },
            _BY_CATEGORY,
        )
        for funding_type, wording, compute in (
            (
                "individual",
                "paid by the students themselves, including through their personal "
                "training account",
                funding.compute_funding_share_individual,
            ),
            ("public", "funded by a public body", funding.compute_funding_share_public),
            (
                "apprenticeship",
                "on an apprenticeship contract",
                funding.compute_funding_share_apprenticeship,
            ),
            ("employer", "funded by an employer", funding.compute_funding_share_employer),
            ("other", "funded in any other way", funding.compute_funding_share_other),
        )
    ),
    _spec(
        "third_party_funding_share",
        "funding",
        "share",
        "fraction",
        "Fraction of the segment's enrollments started during the year not paid by the "
        "students themselves: one minus the individual share.",
        funding.compute_third_party_funding_share,
        {
            "enrollments": ("application_id", "started_at", "funding_type"),
            "applications": _CATEGORY_COLUMNS,
        },
        _BY_CATEGORY,
    ),
    # --- apprenticeship ---
    _spec(
        "apprentices_active",
        "apprenticeship",
        "count",
        "enrollments",
        "Apprenticeship enrollments in progress at some point in the year.",
        apprenticeship.compute_apprentices_active,
        {"enrollments": ("funding_type", "started_at", "ended_at")},
    ),
    _spec(
        "apprentices_started",
        "apprenticeship",
        "count",
        "enrollments",
        "Apprenticeship enrollments that started during the year.",
        apprenticeship.compute_apprentices_started,
        {"enrollments": ("funding_type", "started_at")},
    ),
    _spec(
        "apprentices_growth",
        "apprenticeship",
        "growth",
        "fraction",
        "Relative change in apprenticeship enrollments in progress, from the year before "
        "to the year.",
        apprenticeship.compute_apprentices_growth,
        {"enrollments": ("funding_type", "started_at", "ended_at")},
    ),
    _spec(
        "companies_with_apprentice",
        "apprenticeship",
        "count",
        "companies",
        "Employers with at least one apprentice in progress at some point in the year.",
        apprenticeship.compute_companies_with_apprentice,
        {"enrollments": ("funding_type", "employer_id", "started_at", "ended_at")},
    ),
    _spec(
        "salary_after_median_eur",
        "apprenticeship",
        "amount",
        "EUR per year",
        "Median gross annual salary after the path reported by the graduates of the year "
        "who answered the graduate survey.",
        apprenticeship.compute_salary_after_median_eur,
        {
            "enrollments": ("enrollment_id", "status", "ended_at", "funding_type"),
            "graduate_surveys": ("enrollment_id", "responded_at", "salary_after_eur"),
        },
        "apprentices, non_apprentices",
    ),
    _spec(
        "apprentice_salary_premium",
        "apprenticeship",
        "ratio",
        "fraction",
        "How much higher the apprentices' median salary after the path is than the other "
        "graduates': the ratio of the two medians minus one.",
        apprenticeship.compute_apprentice_salary_premium,
        {
            "enrollments": ("enrollment_id", "status", "ended_at", "funding_type"),
            "graduate_surveys": ("enrollment_id", "responded_at", "salary_after_eur"),
        },
    ),
    # --- carbon ---
    _spec(
        "emissions_tco2e",
        "carbon",
        "amount",
        "tCO2e",
        "Greenhouse-gas emissions of the months of the year: each activity line times its "
        "emission factor, in tonnes of CO2 equivalent.",
        carbon.compute_emissions_tco2e,
        {
            "carbon_activity": (
                "month",
                "scope",
                "activity_value",
                "activity_unit",
                "emission_factor_id",
            ),
            "emission_factors": ("emission_factor_id", "unit", "kgco2e_per_unit"),
        },
        "all, scope_1, scope_2, scope_3",
    ),
    _spec(
        "users",
        "carbon",
        "count",
        "people",
        "People who started a free course during the year or were enrolled on a paid path "
        "at some point in it.",
        carbon.compute_users,
        {
            "course_enrollments": ("member_id", "started_at"),
            "enrollments": ("member_id", "started_at", "ended_at"),
        },
    ),
    _spec(
        "co2e_per_user_kg",
        "carbon",
        "ratio",
        "kgCO2e per user",
        "All emissions of the year in kilograms, divided by the users of the year (free and "
        "paid courses together).",
        carbon.compute_co2e_per_user_kg,
        {
            "carbon_activity": ("month", "activity_value", "emission_factor_id"),
            "emission_factors": ("emission_factor_id", "kgco2e_per_unit"),
            "course_enrollments": ("member_id", "started_at"),
            "enrollments": ("member_id", "started_at", "ended_at"),
        },
    ),
    _spec(
        "co2e_per_paid_student_kg",
        "carbon",
        "ratio",
        "kgCO2e per enrollment",
        "Emissions of the year allocated to paid programmes, in kilograms, divided by the "
        "enrollments in progress at some point in the year.",
        carbon.compute_co2e_per_paid_student_kg,
        {
            "carbon_activity": ("month", "activity_value", "emission_factor_id", "allocation"),
            "emission_factors": ("emission_factor_id", "kgco2e_per_unit"),
            "enrollments": ("started_at", "ended_at"),
        },
    ),
    _spec(
        "carbon_donation_eur",
        "carbon",
        "amount",
        "EUR",
        "The year's emissions in tonnes of CO2 equivalent times the carbon price set for the year.",
        carbon.compute_carbon_donation_eur,
        {
            "carbon_activity": ("month", "activity_value", "emission_factor_id"),
            "emission_factors": ("emission_factor_id", "kgco2e_per_unit"),
            "carbon_prices": ("year", "eur_per_tco2e"),
        },
    ),
)

# Of the graduates of Y - k, who declared a career outcome within k years of the jury.
_OUTCOME_DEFINITIONS = {
    window: f"Of the graduates of {before}, the fraction who declared at least one career "
    f"outcome{detail} within {days} days of their jury. Shown only when the data covers the "
    "graduates' year."
    for window, before, detail, days in (
        (1, "the year before", " (any source, every declaration)", "365"),
        (2, "two years before", "", "730"),
        (5, "five years before", "", "1,825"),
        (10, "ten years before", "", "3,650"),
    )
}
_OUTCOME_WINDOWS = tuple(
    _spec(
        impact.outcome_window_metric(window),
        "impact",
        "rate",
        "fraction",
        _OUTCOME_DEFINITIONS[window],
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
    _spec(
        "survey_response_rate",
        "impact",
        "rate",
        "fraction",
        "Of the graduates of the year who were sent the graduate survey, the fraction who "
        "answered it: the people behind every other impact figure.",
        impact.compute_survey_response_rate,
        _RESPONDENTS,
        _IMPACT_SEGMENTS,
    ),
    _spec(
        "employed_before_share",
        "impact",
        "share",
        "fraction",
        "Of the respondents whose employment status at application is known, the fraction "
        "who declared themselves employed when they applied.",
        impact.compute_employed_before_share,
        {**_RESPONDENTS, "graduate_surveys": _SURVEY_EMPLOYMENT},
        _IMPACT_SEGMENTS,
    ),
    _spec(
        "employed_after_share",
        "impact",
        "share",
        "fraction",
        "Of the same respondents, the fraction employed within six months of graduating.",
        impact.compute_employed_after_share,
        {**_RESPONDENTS, "graduate_surveys": _SURVEY_EMPLOYMENT},
        _IMPACT_SEGMENTS,
    ),
    _spec(
        "employment_change",
        "impact",
        "difference",
        "fraction",
        "The share employed after minus the share employed before, for the same people "
        "twice; its 95 % interval is Newcombe's for paired proportions (1998, method 10), "
        "built on the two Wilson intervals and their correlation.",
        impact.compute_employment_change,
        {**_RESPONDENTS, "graduate_surveys": _SURVEY_EMPLOYMENT},
        _IMPACT_SEGMENTS,
    ),
    _spec(
        "into_work_rate",
        "impact",
        "rate",
        "fraction",
        "Of the respondents who were job seekers, students or inactive when they applied, "
        "the fraction employed within six months of graduating.",
        impact.compute_into_work_rate,
        {**_RESPONDENTS, "graduate_surveys": _SURVEY_EMPLOYMENT},
        _IMPACT_SEGMENTS,
    ),
    _spec(
        "salary_change_median_eur",
        "impact",
        "ratio",
        "EUR a year",
        "Of the respondents who gave their salary before and after, the median of after "
        "minus before, in euros a year; its 95 % interval runs between two order "
        "statistics chosen with the binomial distribution, whatever the shape of the data.",
        impact.compute_salary_change_median_eur,
        {**_RESPONDENTS, "graduate_surveys": _SURVEY_SALARIES},
        _IMPACT_SEGMENTS,
    ),
    _spec(
        "salary_rise_share",
        "impact",
        "share",
        "fraction",
        "Of the respondents who gave both salaries, the fraction whose salary after is "
        "higher than before.",
        impact.compute_salary_rise_share,
        {**_RESPONDENTS, "graduate_surveys": _SURVEY_SALARIES},
        _IMPACT_SEGMENTS,
    ),
    _spec(
        "salary_change_total_eur",
        "impact",
        "amount",
        "EUR a year",
        "Of the respondents who gave both salaries, the sum of after minus before, in euros "
        "a year.",
        impact.compute_salary_change_total_eur,
        {**_RESPONDENTS, "graduate_surveys": _SURVEY_SALARIES},
        _IMPACT_SEGMENTS,
    ),
    *_OUTCOME_WINDOWS,
    # --- carbon budget by team ---
    _spec(
        "team_emissions_tco2e",
        "carbon",
        "amount",
        "tCO2e",
        "Emissions of the year of each team's activity lines, in tonnes of CO2 equivalent.",
        carbon.compute_team_emissions_tco2e,
        _TEAM_LINES,
        TEAM_SEGMENTS,
    ),
    _spec(
        "team_budget_tco2e",
        "carbon",
        "amount",
        "tCO2e",
        "The carbon budget each team was given for the year (optional carbon_budgets table).",
        carbon.compute_team_budget_tco2e,
        {"carbon_budgets": ("year", "team", "budget_tco2e")},
        TEAM_SEGMENTS,
    ),
    _spec(
        "team_budget_use",
        "carbon",
        "ratio",
        "fraction of budget",
        "A team's emissions of the year divided by its budget: 100 % means the budget is spent.",
        carbon.compute_team_budget_use,
        {**_TEAM_LINES, "carbon_budgets": ("year", "team", "budget_tco2e")},
        TEAM_SEGMENTS,
    ),
    _spec(
        "team_emissions_forecast_tco2e",
        "carbon",
        "amount",
        "tCO2e",
        "When the year's carbon data stops before December: a team's emissions to date "
        "plus the mean of its last three months present times the months left; equal to "
        "the emissions for a complete year.",
        carbon.compute_team_emissions_forecast_tco2e,
        _TEAM_LINES,
        TEAM_SEGMENTS,
    ),
)

METRICS_BY_ID: Mapping[str, MetricSpec] = MappingProxyType({m.id: m for m in METRICS})


def metric(metric_id: str) -> MetricSpec:
    """Return the registry entry of ``metric_id``."""
    return METRICS_BY_ID[metric_id]

"""The metric registry covers the metric definitions and says what each metric reads."""

import inspect

import pytest

from helpers import contract, registry
from helpers.paths import METHODS_NOTES

# Every metric id of the metric definitions (docs/methods.md), in its order.
DEFINED_METRICS = (
    "visitors_monthly_avg",
    "active_members_monthly_avg",
    "new_members",
    "courses_started",
    "course_certificates",
    "prospects",
    "applicants",
    "admitted",
    "students_started",
    "graduates",
    "admission_rate",
    "graduation_rate",
    "career_outcome_rate_6m",
    "career_outcomes",
    "countries_with_active_members",
    "countries_with_students",
    "students_in_segment",
    "segment_share",
    "women_share",
    "funding_share_individual",
    "funding_share_public",
    "funding_share_apprenticeship",
    "funding_share_employer",
    "funding_share_other",
    "third_party_funding_share",
    "mentors_active",
    "disability_mentor_coverage",
    "women_instructor_share",
    "apprentices_active",
    "apprentices_started",
    "apprentices_growth",
    "companies_with_apprentice",
    "salary_after_median_eur",
    "apprentice_salary_premium",
    "emissions_tco2e",
    "users",
    "co2e_per_user_kg",
    "co2e_per_paid_student_kg",
    "carbon_donation_eur",
    "survey_response_rate",
    "employed_before_share",
    "employed_after_share",
    "employment_change",
    "into_work_rate",
    "salary_change_median_eur",
    "salary_rise_share",
    "salary_change_total_eur",
    "graduates_with_outcome_1y",
    "graduates_with_outcome_2y",
    "graduates_with_outcome_5y",
    "graduates_with_outcome_10y",
    "team_emissions_tco2e",
    "team_budget_tco2e",
    "team_budget_use",
    "team_emissions_forecast_tco2e",
)


def test_one_registry_entry_per_defined_metric():
    ids = [m.id for m in registry.METRICS]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(DEFINED_METRICS)


@pytest.mark.parametrize("spec", registry.METRICS, ids=lambda s: s.id)
def test_entry_is_complete(spec):
    assert spec.section in registry.SECTIONS
    assert spec.kind in registry.KINDS
    assert spec.unit and spec.definition.endswith(".")
    assert spec.label_key == f"metric.{spec.id}"
    assert list(inspect.signature(spec.compute).parameters) == ["ds", "year", "min_cell"]
    assert set(spec.section_by_segment.values()) <= set(registry.SECTIONS)


@pytest.mark.parametrize("spec", registry.METRICS, ids=lambda s: s.id)
def test_entry_reads_only_contract_columns(spec):
    assert spec.reads
    for table, columns in spec.reads.items():
        assert set(columns) <= set(contract.table(table).column_names), table


def test_proportions_are_rates_or_shares_in_fractions():
    for spec in registry.METRICS:
        if spec.kind in registry.PROPORTION_KINDS:
            assert spec.unit == "fraction", spec.id


def test_the_methods_notes_define_every_metric():
    text = METHODS_NOTES.read_text(encoding="utf-8")
    missing = [m.id for m in registry.METRICS if f"`{m.id}`" not in text]
    assert missing == []


def test_unknown_metric_id_is_an_error():
    with pytest.raises(KeyError):
        registry.metric("admission_rates")

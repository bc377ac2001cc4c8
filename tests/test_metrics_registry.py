"""The metric registry covers the metric definitions and says what each metric reads."""

import inspect

import pytest

from helpers.figures import registry
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
from helpers.intake import contract
from helpers.pages import i18n


def compute_functions() -> dict[str, object]:
    """Every ``compute_*`` function of the metric modules with a metric's signature."""
    found = {}
    for module in (apprenticeship, carbon, categories, focus, funding, funnel, impact, levers):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            signature = list(inspect.signature(function).parameters)
            if (
                name.startswith("compute_")
                and function.__module__ == module.__name__
                and signature == ["ds", "year", "min_cell"]
            ):
                found[f"{module.__name__}.{name}"] = function
    return found


def test_one_registry_entry_per_metric_function():
    ids = [m.id for m in registry.METRICS]
    assert len(ids) == len(set(ids))
    registered = [f"{m.compute.__module__}.{m.compute.__name__}" for m in registry.METRICS]
    assert sorted(registered) == sorted(compute_functions())


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_metric_has_its_words_in_each_catalog(lang):
    missing = [
        key
        for spec in registry.METRICS
        for key in (spec.label_key, spec.definition_key)
        if not i18n.has_key(key, lang)
    ]
    assert missing == []


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_catalogs_define_no_metric_the_registry_lacks(lang):
    for table in ("metric", "definition"):
        keys = {k.split(".", 1)[1] for k in i18n.load_catalog(lang) if k.startswith(f"{table}.")}
        assert keys <= set(registry.METRICS_BY_ID), (
            lang,
            table,
            keys - set(registry.METRICS_BY_ID),
        )


@pytest.mark.parametrize("spec", registry.METRICS, ids=lambda s: s.id)
def test_entry_is_complete(spec):
    assert spec.section in registry.SECTIONS
    assert spec.kind in registry.KINDS
    assert spec.unit and spec.direction in registry.DIRECTIONS
    assert set(spec.neutral_segments) <= {"non_underserved", "non_apprentices", "non_tech"}
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


def test_unknown_metric_id_is_an_error():
    with pytest.raises(KeyError):
        registry.metric("admission_rates")

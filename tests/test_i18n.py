"""The language catalogs are complete and consistent; numbers and dates follow the locale."""

import datetime as dt
import re

import pandas as pd
import pytest

from helpers.core.paths import REFERENCE_DIR
from helpers.figures import objectives as targets
from helpers.figures import reconcile, registry, segments
from helpers.intake import contract
from helpers.pages import i18n
from helpers.pages.i18n import t
from helpers.pages.sections.figures import CATEGORY_SEGMENTS

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def test_every_key_exists_in_every_language():
    # A plural table counts as one text: French may need two forms where English has one.
    english = i18n.list_text_keys("en")
    french = i18n.list_text_keys("fr")
    assert sorted(english - french) == [], "keys missing from fr.toml"
    assert sorted(french - english) == [], "keys missing from en.toml"


def placeholders(key: str, lang: str) -> set[str]:
    """The placeholders of a text, or of every form of a plural table."""
    catalog = i18n.load_catalog(lang)
    texts = (
        [catalog[key]]
        if key in catalog
        else [catalog[f"{key}.{form}"] for form in i18n.PLURAL_FORMS if f"{key}.{form}" in catalog]
    )
    return {name for text in texts for name in PLACEHOLDER.findall(text)}


def test_translations_use_the_same_placeholders():
    different = [
        key
        for key in i18n.list_text_keys("en")
        if placeholders(key, "en") != placeholders(key, "fr")
    ]
    assert different == []


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_metric_segment_funding_type_and_status_has_a_name(lang):
    needed = [spec.label_key for spec in registry.METRICS]
    needed += [f"segment.{s}" for s in segments.SEGMENT_ORDER]
    needed += [f"funding_type.{f}" for f in contract.FUNDING_TYPES]
    needed += [f"status.{s}" for s in targets.STATUSES]
    needed += ["status.withheld", "status.small_group", "status.gap", "status.no_gap"]
    needed += [f"{section}.title" for section in registry.SECTIONS]
    needed += [f"{section}.methods" for section in registry.SECTIONS]
    missing = [key for key in needed if not i18n.has_text(key, lang)]
    assert missing == []


def test_t_fills_placeholders_and_refuses_unknown_keys_and_languages():
    assert t("lead.target", "en", target="at least 70%", status="met") == (
        "The committee’s objective is at least 70%: met."
    )
    with pytest.raises(KeyError, match="no text for 'no.such.key'"):
        t("no.such.key", "en")
    with pytest.raises(ValueError, match="unknown language"):
        t("status.met", "de")


def test_numbers_follow_each_locale():
    assert i18n.format_number(1234, "en") == "1,234"
    assert i18n.format_number(1234, "fr") == f"1{NARROW_NBSP}234"
    assert i18n.format_number(0.834, "fr", 2) == "0,83"
    assert i18n.format_percent(0.312, "en") == "31.2%"
    assert i18n.format_percent(0.312, "fr") == f"31,2{NBSP}%"
    assert i18n.format_percent(0.7, "fr", 0) == f"70{NBSP}%"
    assert i18n.format_currency(85000, "en") == "€85,000"
    assert i18n.format_currency(85000, "fr") == f"85{NARROW_NBSP}000{NBSP}€"


def test_changes_carry_their_sign_except_when_they_round_to_zero():
    assert i18n.format_change(0.47, "en") == "+47.0%"
    assert i18n.format_change(-0.05, "fr") == f"-5,0{NBSP}%"
    assert i18n.format_points(0.031, "en") == "+3.1 pp"
    assert i18n.format_points(-0.031, "fr") == "-3,1\u00a0pts"
    assert i18n.format_points(0.019, "fr") == "+1,9\u00a0pt"  # the French singular runs below 2
    assert i18n.format_points(0.01, "en", 0, signed=False) == "1 pp"
    assert i18n.format_points(-0.00001, "en") == "0.0 pp"
    assert i18n.format_change(0.0, "en") == "0.0%"


def test_intervals_read_as_ranges():
    assert i18n.format_interval(0.285, 0.301, "en") == "28.5% to 30.1%"
    assert i18n.format_interval(0.285, 0.301, "fr") == f"28,5{NBSP}% à 30,1{NBSP}%"
    assert i18n.format_points_interval(-0.01, 0.05, "en") == "-1.0 pp to +5.0 pp"


def test_dates_and_month_names_come_from_the_locale():
    day = dt.date(2022, 12, 31)
    assert i18n.format_date(day, "en") == "31 December 2022"
    assert i18n.format_date(day, "fr") == "31 décembre 2022"
    assert i18n.format_month(1, "fr") == "janvier"
    assert i18n.format_month(dt.date(2022, 2, 1), "en") == "February"
    assert i18n.format_month(9, "en", "abbreviated") == "Sept"


def test_flatten_catalog_joins_nested_tables_with_dots():
    nested = {"a": {"b": {"c": "text"}, "d": "other"}, "e": 1}
    assert i18n.flatten_catalog(nested) == {"a.b.c": "text", "a.d": "other", "e": "1"}


def test_chart_ticks_keep_only_the_decimals_they_need():
    assert i18n.format_tick(0.025, "fr") == "0,025"
    assert i18n.format_tick(1500.0, "en") == "1,500"
    assert i18n.format_tick(0.25, "en", percent=True) == "25%"
    assert i18n.format_tick(0.025, "fr", percent=True) == f"2,5{NBSP}%"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_word_of_the_objectives_and_published_figures_pages_exists(lang):
    needed = [f"definition.{spec.id}" for spec in registry.METRICS]
    needed += [f"targets.reason.{reason}" for reason in targets.REASONS]
    needed += [f"targets.count.{status}" for status in targets.STATUSES]
    needed += [f"reconciliation.status.{s}" for s in reconcile.MEASURED_STATUSES]
    needed += [f"reconciliation.count.{s}" for s in reconcile.COMPARISON_STATUSES]
    needed += [
        f"reconciliation.kind.{kind}" for kind in ("actual", "approximate", "target", "benchmark")
    ]
    for rule, _ in reconcile.CONSISTENCY_RULES:
        needed += [f"reconciliation.rule.{rule}", f"reconciliation.rule_title.{rule}"]
    groups = [s for s in segments.SEGMENT_ORDER if s not in CATEGORY_SEGMENTS]
    needed += [f"methods_page.group_rule.{s}" for s in groups]
    missing = [key for key in needed if not i18n.has_text(key, lang)]
    assert missing == []


def test_every_finding_and_role_the_consistency_rules_produce_has_words():
    published = pd.read_csv(REFERENCE_DIR / "published_figures.csv")
    findings = reconcile.check_published_consistency(published)
    keys = {f"reconciliation.finding.{key}" for key in findings["key"]}
    keys |= {f"reconciliation.role.{f['role']}" for figures in findings["figures"] for f in figures}
    assert sorted(k for k in keys for lang in i18n.LANGUAGES if not i18n.has_key(k, lang)) == []


def test_every_document_of_the_reference_tables_has_a_name():
    published = pd.read_csv(REFERENCE_DIR / "published_figures.csv")
    objectives = pd.read_csv(REFERENCE_DIR / "targets.csv")
    sources = set(published["source"]) | set(objectives["source"])
    unnamed = [
        source
        for source in sorted(sources)
        for lang in i18n.LANGUAGES
        if not i18n.has_key(f"document.{source.removesuffix('.txt')}", lang)
    ]
    assert unnamed == []

"""A report built with a committee folder: the opinion on the index after the key findings,
the committee's page with its figures from the KPI file, the particulars, and the 2022
reporting table whose statuses follow the run's data."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest
from report_runs import SMOKE_YEAR, build_smoke_report

from helpers.figures.reporting import reporting_lines
from helpers.figures.run_data import read_run_data
from helpers.intake.load import load_dataset
from helpers.pages import i18n
from helpers.pages.sections.figures import format_value

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    return build_smoke_report(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def folder(smoke):
    assert smoke.result.returncode == 0, smoke.result.stderr
    return smoke.folder


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_run_warns_of_the_text_missing_in_a_language_only_when_it_is_built(smoke):
    assert "committee: warning" in smoke.result.stdout + smoke.result.stderr
    output = smoke.result.stdout + smoke.result.stderr
    # An English report: the missing French opinion is no warning of this run.
    assert "opinion.fr.md" not in output
    assert "missing next_release, status" in output


def test_the_index_opens_with_the_opinion_after_the_key_findings(folder):
    index = (folder / "index.html").read_text(encoding="utf-8")
    findings = index.index('id="key-findings"')
    opinion = index.index('id="committee-opinion"')
    headlines = index.index(i18n.t("index.headlines_title", "en"))
    assert findings < opinion < headlines
    assert "Test opinion" in index and 'href="committee.html"' in index
    # The particulars on the index, and those missing named.
    assert "1 April 2023" in index and "CC BY 4.0" in index
    assert "Particulars not given for this year: Next release, Status of these statistics." in index


def test_the_committee_page_shows_each_recommendation_with_its_figure(folder):
    page = (folder / "committee.html").read_text(encoding="utf-8")
    kpis = pd.read_csv(folder / "kpis.csv")
    started = kpis[(kpis["metric"] == "students_started") & (kpis["segment"] == "all")].iloc[0]
    shown = (
        i18n.t("status.withheld", "en")
        if str(started["suppressed"]).lower() == "true"
        else format_value("students_started", float(started["value"]), "en")
    )
    words = text_of(page)
    assert f"{i18n.t('metric.students_started', 'en')}: {shown}" in words
    for heading in ("Foreword", "The Mission Committee's opinion", "Follow-up of earlier"):
        assert heading in words
    assert "<img" not in page and "a drawing" in words  # a local image is its alt text
    assert 'href="https://example.org/mission"' in page


def test_the_folder_readme_gives_the_particulars(folder):
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "## Publication particulars" in readme
    assert "- Released on: 1 April 2023" in readme
    assert "Next release, Status of these statistics" in readme


def test_the_reporting_table_statuses_follow_the_data(smoke, folder):
    run = read_run_data(folder / "run-data")
    lines = {line.key: line for line in reporting_lines(run.kpis, run.series, run.year, run.years)}
    ds = load_dataset(smoke.data)
    first = min(run.years)
    # Windows: measured when the graduates' year is in the data, else the year it will be.
    for window in (1, 2, 5, 10):
        line = lines[f"outcomes_{window}y"]
        if SMOKE_YEAR - window >= first:
            assert line.status == "measured", window
        else:
            assert (line.status, line.measurable_from) == ("not_measurable_yet", first + window)
    assert lines["team_budgets"].status == (
        "measured" if ds.has("carbon_budgets") else "data_absent"
    )
    months = ds.scalar(
        f"SELECT count(DISTINCT month) FROM carbon_activity WHERE year(month) = {SMOKE_YEAR}"
    )
    assert lines["carbon_monthly"].months == months
    assert lines["financial_statements"].status == "data_absent"
    # The index shows the same statuses, line by line.
    index = text_of((folder / "index.html").read_text(encoding="utf-8"))
    table = index[index.index(i18n.t("reporting.title", "en")) :]
    for key, line in lines.items():
        item = i18n.t(f"reporting.item.{key}", "en")
        status = i18n.t(f"reporting.status.{line.status}", "en")
        assert f"{item} {i18n.t(f'reporting.pillar.{line.pillar}', 'en')} {status}" in table, key


def test_the_levers_are_in_the_kpi_file_and_its_dictionary(folder):
    kpis = pd.read_csv(folder / "kpis.csv")
    metrics = set(kpis["metric"])
    for metric in (
        "company_programme_students",
        "underserved_students_outside_france",
        "brand_awareness_share",
        "brand_consideration_share",
    ):
        assert metric in metrics, metric
    brand = kpis[kpis["metric"] == "brand_awareness_share"]
    assert {"job_seekers_paris_region", "job_seekers_france", "underserved_populations"} <= set(
        brand["segment"]
    )
    dictionary = pd.read_csv(folder / "kpis-dictionary.csv")
    assert "brand_awareness_share" in set(dictionary.iloc[:, 0])

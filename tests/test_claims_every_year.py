"""Every claim of the embedded data's reports, every year it covers and both languages,
read back against the KPI file and the run's history (``test_publication.read_claims``).

One run builds them all (the figures computed once for all years); a module of its own,
so that this long build runs beside the other report tests rather than after them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from report_runs import run_report
from test_publication import read_claims

from helpers.pages import i18n

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def embedded_reports(default_dataset, tmp_path_factory) -> Path:
    """OUT of the embedded data's reports of every year it covers, both languages, built
    by one run (the figures computed once for all years)."""
    out = tmp_path_factory.mktemp("embedded") / "out"
    result = run_report(
        "--all-years", "--lang", "all", "--data", str(default_dataset), "--out", str(out),
        "--no-privacy-check", timeout=1800,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out


def test_every_claim_of_every_year_of_the_embedded_data_agrees_with_the_figures(
    embedded_reports,
):
    """The embedded data's report of each year it covers, in both languages, built once:
    the first year has no previous year, later ones judge their changes."""
    problems, kinds, tallies = [], set(), {}
    years = sorted(int(p.name) for p in embedded_reports.iterdir() if p.name.isdigit())
    assert len(years) >= 5, years
    for year in years:
        for lang in i18n.LANGUAGES:
            found, met, worded = read_claims(embedded_reports / str(year) / lang, year)
            problems += found
            kinds |= met
            for key, texts in worded.items():
                tallies.setdefault((lang, *key), set()).update(texts)
    assert not problems, problems[:20]
    assert {"peak", "over-budget", "tally", "verdict", "change", "groups"} <= kinds, kinds
    assert all(len(texts) == 1 for texts in tallies.values()), tallies

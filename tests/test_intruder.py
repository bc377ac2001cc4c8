"""The intruder's check: withheld figures and small counts of people cannot be worked out
from what the report publishes, by arithmetic across figures, segments, years and series.

Each dataset is made of respondents whose answers are chosen so that one attack works on
the figures as the metrics alone would publish them; the tests then attack the KPI frame
as published and find nothing, and run the check again on the published frame.
"""

import pandas as pd
import pytest
from audits import check_published, found_after, found_before, withheld
from test_metrics_impact import tables

from helpers.figures import audit_populations, registry
from helpers.figures.kpi_file import compute_kpis
from helpers.figures.metrics import series as series_module
from helpers.intake.dataset import Dataset

MIN_CELL = 10


def person(eid, status, responded=True, after=False, before_eur=None, after_eur=None, **kw):
    funding = kw.get("funding", "individual")
    ended = kw.get("ended", "2023-03-01")
    return (
        eid,
        status,
        funding,
        ended,
        responded,
        after if responded else None,
        before_eur,
        after_eur,
    )


def crowd(prefix, n, status, **kw):
    return [person(f"{prefix}-{i}", status, **kw) for i in range(n)]


def dataset(people) -> Dataset:
    return Dataset.from_frames(tables(people), meta={"years": [2022, 2023]})


def metric_rows(ds, year):
    """Every figure as the metric functions alone publish it (before the check)."""
    frames = [spec.compute(ds, year, MIN_CELL) for spec in registry.METRICS]
    return pd.concat(frames, ignore_index=True)


def published(frame, metric, segment="all"):
    row = frame[(frame["metric"] == metric) & (frame["segment"] == segment)].iloc[0]
    if row["suppressed"]:
        return None
    return {c: (None if pd.isna(row[c]) else float(row[c])) for c in ("numerator", "denominator")}


def difference(frame, first, second, segment="all"):
    """A denominator minus another, when both are published (the intruder's arithmetic)."""
    a, b = published(frame, first, segment), published(frame, second, segment)
    if a is None or b is None:
        return None
    return a["denominator"] - b["denominator"]


def check_again(ds, frame, year=2023):
    """The check run on what is published: nothing left to recover."""
    bins = series_module.protect_counts(
        series_module.salary_change_distribution(ds, year, MIN_CELL), MIN_CELL
    )
    return check_published(ds, {year: frame}, MIN_CELL, {year: bins})


# 125 respondents not in work at application, 7 employed: employed_before_share is
# withheld (7 is small), yet employed_after_share's denominator (132) minus into_work_rate's
# (125) gives the 7 back.
EMPLOYED_BEFORE = [
    *crowd("w", 7, "employed", after=True),
    *crowd("j", 60, "job_seeker", after=True),
    *crowd("k", 40, "job_seeker"),
    *crowd("s", 25, "student", after=True),
    *crowd("q", 30, "job_seeker", responded=False),
]


def test_a_withheld_share_is_not_a_difference_of_two_denominators():
    ds = dataset(EMPLOYED_BEFORE)
    raw = metric_rows(ds, 2023)
    assert published(raw, "employed_before_share") is None
    # The attack works on the figures as the metrics alone publish them...
    assert difference(raw, "employed_after_share", "into_work_rate") == 7
    kpis = compute_kpis(ds, 2023, MIN_CELL)
    # ...and not on the report's.
    assert difference(kpis, "employed_after_share", "into_work_rate") is None
    assert check_again(ds, kpis) == []
    assert any("employed_before_share/all" in f.label for f in found_before(ds, MIN_CELL, [2023]))
    assert withheld(ds, MIN_CELL, [2023]) and found_after(ds, MIN_CELL, [2023]) == []


# 150 respondents of known status and 4 of unknown status: the 4 are the survey's
# respondents minus employed_before_share's denominator.
UNKNOWN_STATUS = [
    *crowd("e", 50, "employed", after=True),
    *crowd("f", 20, "employed"),
    *crowd("j", 50, "job_seeker", after=True),
    *crowd("k", 30, "job_seeker"),
    *crowd("u", 4, "unknown", after=True),
    *crowd("q", 30, "job_seeker", responded=False),
]


def test_respondents_of_unknown_status_are_not_a_difference_of_denominators():
    ds = dataset(UNKNOWN_STATUS)
    raw = metric_rows(ds, 2023)
    response = published(raw, "survey_response_rate")
    assert response["numerator"] - published(raw, "employed_before_share")["denominator"] == 4
    kpis = compute_kpis(ds, 2023, MIN_CELL)
    response, before = (
        published(kpis, "survey_response_rate"),
        published(kpis, "employed_before_share"),
    )
    assert response is None or before is None
    assert check_again(ds, kpis) == []


# Two respondents whose salary did not change: salary_rise_share's complement (those
# whose salary did not rise) minus the histogram's bins below zero.
SAME_SALARY = [
    *[
        person(f"r{i}", "employed", after=True, before_eur=30000.0, after_eur=31000.0 + 50 * i)
        for i in range(40)
    ],
    *[
        person(f"d{i}", "employed", after=True, before_eur=30000.0, after_eur=29000.0 - 50 * i)
        for i in range(15)
    ],
    *[
        person(f"z{i}", "employed", after=True, before_eur=30000.0, after_eur=30000.0)
        for i in range(2)
    ],
    *crowd("j", 40, "job_seeker", after=True),
]


def test_people_whose_salary_did_not_change_are_not_a_difference_with_the_histogram(
    monkeypatch,
):
    # Bins with an edge at zero: the bins below it count those whose salary fell.
    monkeypatch.setattr(series_module, "SALARY_BIN_RANGE", (-10000, 20000))
    ds = dataset(SAME_SALARY)
    raw = metric_rows(ds, 2023)
    bins = series_module.salary_change_distribution(ds, 2023, MIN_CELL)
    highs = bins["period"].str.split(":").str[1]
    below_zero = bins[highs.ne("") & (pd.to_numeric(highs, errors="coerce") <= 0)]["value"].sum()
    rise = published(raw, "salary_rise_share")
    assert rise["denominator"] - rise["numerator"] - below_zero == 2
    kpis = compute_kpis(ds, 2023, MIN_CELL)
    rise = published(kpis, "salary_rise_share")
    assert rise is None or rise["denominator"] - rise["numerator"] - below_zero != 2
    assert check_again(ds, kpis) == []


def published_years_are_safe(data, folder, min_cell=MIN_CELL):
    """The check run again on every year a built report publishes (its history file, the
    report year's series): the figures found to give something away."""
    from helpers.intake.load import load_dataset

    ds = load_dataset(data)
    history = pd.read_csv(folder / "run-data" / "kpis_history.csv")
    series = pd.read_csv(folder / "run-data" / "series.csv", keep_default_na=False, na_values=[""])
    report_year = int(pd.read_csv(folder / "run-data" / "kpis.csv")["year"].iloc[0])
    history["suppressed"] = history["suppressed"].astype(str).str.lower().eq("true")
    frames = {int(year): rows for year, rows in history.groupby("year")}
    bins = series[series["series"] == "salary_change_bins"].drop(columns=["year"])
    return check_published(ds, frames, min_cell, {report_year: bins})


@pytest.mark.slow
def test_a_built_report_gives_nothing_away_in_any_year(tmp_path_factory):
    from report_runs import build_smoke_report

    smoke = build_smoke_report(tmp_path_factory.getbasetemp())
    assert smoke.result.returncode == 0, smoke.result.stderr
    assert published_years_are_safe(smoke.data, smoke.folder) == []


def test_histogram_bins_centred_on_zero_keep_unchanged_salaries_hidden():
    ds = dataset(SAME_SALARY)
    bins = series_module.salary_change_distribution(ds, 2023, MIN_CELL)
    # The bin that holds no change holds changes on either side of it.
    [around] = [p for p in bins["period"] if audit_populations._sign_fits("same", p)]
    low, high = around.split(":")
    assert (low == "" or float(low) < 0) and (high == "" or float(high) > 0)
    kpis = compute_kpis(ds, 2023, MIN_CELL)
    # Nothing needs withholding for the two: the share whose salary rose is shown.
    assert published(kpis, "salary_rise_share") is not None
    assert not any("salary=same" in f.label for f in found_before(ds, MIN_CELL, [2023]))


def test_every_count_of_the_surveyed_graduates_is_described_to_the_check():
    # A share or rate over the surveyed graduates, or a median that publishes its number
    # of people, is an equation the intruder can use: a figure added over them without
    # its cells would escape the check.
    from helpers.figures import registry

    counted = {
        m.id
        for m in registry.METRICS
        if "graduate_surveys" in m.reads
        and (m.kind in registry.PROPORTION_KINDS or m.id.endswith("_median_eur"))
    }
    # The apprentices' median salary after publishes no number of people.
    assert counted - set(audit_populations.GRADUATES.figures) == {"salary_after_median_eur"}

"""The calibration check: its verdicts on hand-made figures, then the default dataset itself.

Tolerances and conflicts are those of ``helpers.figures.reconcile`` and ``data/reference``; the
rules themselves are tested in ``test_reconcile.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.figures import reconcile
from helpers.synth import calibrate

CONFLICTS = pd.DataFrame(
    [
        {
            "year": 2022,
            "metric": "segment_share",
            "segment": "non_underserved",
            "value": 0.36,
            **dict.fromkeys(reconcile.REASON_COLUMNS, "conflicts with 79 %"),
        }
    ]
)


def _published(*rows: tuple) -> pd.DataFrame:
    columns = ["year", "metric", "segment", "value", "unit", "kind"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["source"] = "mission_report_2022"
    frame["quote"] = [f"{m} {v}" for m, v in zip(frame["metric"], frame["value"], strict=True)]
    return frame


def _kpis(*rows: tuple) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["year", "metric", "segment", "value"])
    for column in ("ci_low", "ci_high"):
        frame[column] = float("nan")
    frame["suppressed"] = False
    return frame


def _statuses(table: pd.DataFrame) -> dict[str, str]:
    return dict(zip(table["metric"], table["status"], strict=True))


def test_shares_are_judged_in_points_and_counts_in_percent() -> None:
    published = _published(
        (2022, "admission_rate", "all", 0.29, "share", "actual"),
        (2022, "women_share", "all", 0.312, "share", "actual"),
        (2022, "applicants", "all", 37218, "count", "actual"),
        (2022, "admitted", "all", 16940, "count", "actual"),
    )
    kpis = _kpis(
        (2022, "admission_rate", "all", 0.299),  # 0.9 point off: in
        (2022, "women_share", "all", 0.3235),  # 1.15 points off: out
        (2022, "applicants", "all", 37218 * 1.019),  # 1.9 % off: in
        (2022, "admitted", "all", 16940 * 0.975),  # 2.5 % off: out
    )
    table = calibrate.compare(published, kpis)
    assert _statuses(table) == {
        "admission_rate": "within",
        "admitted": "outside",
        "applicants": "within",
        "women_share": "outside",
    }
    assert set(calibrate.failures(table)["metric"]) == {"women_share", "admitted"}


def test_the_check_uses_the_tolerances_of_the_reconciliation_page(monkeypatch) -> None:
    published = _published((2022, "admission_rate", "all", 0.29, "share", "actual"))
    kpis = _kpis((2022, "admission_rate", "all", 0.299))
    assert _statuses(calibrate.compare(published, kpis)) == {"admission_rate": "within"}
    monkeypatch.setattr(reconcile, "SHARE_RATE_TOLERANCE", 0.005)
    assert _statuses(calibrate.compare(published, kpis)) == {"admission_rate": "outside"}


def test_approximate_figures_get_the_wider_tolerance() -> None:
    published = _published(
        (2022, "active_members_monthly_avg", "all", 300_000, "count", "approximate"),
        (2022, "active_members_monthly_avg", "all", 287_000, "count", "actual"),
    )
    kpis = _kpis((2022, "active_members_monthly_avg", "all", 287_000))
    table = calibrate.compare(published, kpis)
    assert table["status"].tolist() == ["within", "within"]
    assert table["tolerance"].tolist() == [0.02, 0.05]


def test_figures_in_conflict_carry_their_reason_and_do_not_fail() -> None:
    published = _published(
        (2022, "segment_share", "non_underserved", 0.36, "share", "actual"),
        (2022, "segment_share", "underserved", 0.79, "share", "actual"),
    )
    kpis = _kpis(
        (2022, "segment_share", "non_underserved", 0.21),
        (2022, "segment_share", "underserved", 0.79),
    )
    table = calibrate.compare(published, kpis, CONFLICTS).set_index("segment")
    assert table.loc["non_underserved", "status"] == "conflict"
    assert table.loc["non_underserved", "reason"] == "conflicts with 79 %"
    assert calibrate.failures(table.reset_index()).empty
    assert "conflict (conflicts with 79 %)" in calibrate.format_table(table.reset_index())


def test_figures_the_kpi_file_lacks_are_left_out_and_empty_ones_fail() -> None:
    published = _published(
        (2021, "b_corp_score", "all", 101.2, "score", "actual"),
        (2022, "mentors_active", "all", 3000, "count", "actual"),
    )
    kpis = _kpis((2022, "mentors_active", "all", float("nan")))
    table = calibrate.compare(published, kpis)
    assert table["metric"].tolist() == ["mentors_active"]
    assert table["status"].tolist() == ["no_value"]
    assert len(calibrate.failures(table)) == 1


def test_a_published_growth_is_checked_from_its_two_counts() -> None:
    published = _published((2022, "career_outcomes_growth", "all", 0.47, "growth", "actual"))
    kpis = _kpis((2021, "career_outcomes", "all", 14163), (2022, "career_outcomes", "all", 44010))
    table = calibrate.compare(published, kpis)
    assert table["status"].tolist() == ["outside"]
    assert table["computed"].iloc[0] == pytest.approx(44010 / 14163 - 1)


def test_the_printed_table_ends_with_a_summary() -> None:
    published = _published((2022, "applicants", "all", 37218, "count", "actual"))
    table = calibrate.compare(published, _kpis((2022, "applicants", "all", 37218)))
    text = calibrate.format_table(table)
    assert "37,218" in text and "2.00 %" in text
    assert text.splitlines()[-1].startswith("1 published figures: 1 within tolerance")


@pytest.mark.slow
def test_the_default_dataset_reproduces_the_published_figures(default_dataset: Path) -> None:
    table = calibrate.calibration_table(default_dataset)
    assert len(table) > 100
    failed = calibrate.failures(table)
    assert failed.empty, "\n" + calibrate.format_table(failed)


def test_the_command_fails_when_a_figure_is_out(monkeypatch, capsys) -> None:
    published = _published((2022, "admitted", "all", 16940, "count", "actual"))
    out = calibrate.compare(published, _kpis((2022, "admitted", "all", 15000)))
    monkeypatch.setattr(calibrate, "calibration_table", lambda data, years: out)
    assert calibrate.main(["--data", "anywhere"]) == 1
    assert "OUT" in capsys.readouterr().out


def test_the_command_refuses_a_folder_that_is_not_a_dataset(tmp_path: Path, capsys) -> None:
    # Data refused is status 1, as for every command; 2 is for a wrong command line.
    assert calibrate.main(["--data", str(tmp_path)]) == 1
    assert "not a valid dataset" in capsys.readouterr().err

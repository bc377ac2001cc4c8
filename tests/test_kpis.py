"""The KPI file: columns, one row per figure, stable order and bytes, suppression, command."""

import pandas as pd
import pytest
from conftest import edit_in_place
from tables import ADMITTED_APPLICATION

from helpers import kpis
from helpers.figures import kpi_file, registry
from helpers.intake.contract import FUNDING_TYPES
from helpers.intake.dataset import Dataset

APPLICATION = ADMITTED_APPLICATION
ENROLLMENT = {
    "path_id": "p1",
    "started_at": "2022-03-01",
    "expected_end_at": "2023-12-31",
    "status": "active",
    "ended_at": None,
    "funding_type": "public",
    "funder": "pole_emploi",
    "employer_id": None,
    "mentor_id": None,
}
FACTORS = pd.DataFrame(
    {
        "emission_factor_id": ["ef_elec"],
        "category": ["electricity_fr"],
        "unit": ["kWh"],
        "kgco2e_per_unit": [0.05],
        "source": ["test"],
    }
)
PRICES = pd.DataFrame({"year": [2022], "eur_per_tco2e": [80.0], "source": ["test"]})


def valid_frames() -> dict[str, pd.DataFrame]:
    """A tiny dataset that meets the data contract (two members, one student)."""
    return {
        "members": pd.DataFrame(
            {
                "member_id": ["m1", "m2"],
                "registered_at": ["2022-01-10", "2022-02-10"],
                "country": ["FR", "GB"],
                "gender": ["female", "male"],
            }
        ),
        "monthly_traffic": pd.DataFrame(
            {
                "month": ["2022-01-01", "2022-02-01"],
                "country": ["FR", "FR"],
                "visitors": [100, 120],
                "active_members": [40, 50],
            }
        ),
        "course_enrollments": pd.DataFrame(
            {
                "course_enrollment_id": ["c1", "c2"],
                "member_id": ["m1", "m2"],
                "course_id": ["k1", "k1"],
                "started_at": ["2022-01-15", "2022-02-20"],
                "certificate_at": ["2022-03-01", None],
            }
        ),
        "paths": pd.DataFrame(
            {"path_id": ["p1"], "title": ["Developer"], "domain": ["tech"], "language": ["fr"]}
        ),
        "applications": pd.DataFrame(
            [
                {
                    **APPLICATION,
                    "application_id": "a1",
                    "member_id": "m1",
                    "started_at": "2022-01-20",
                    "submitted_at": "2022-01-25",
                    "decided_at": "2022-02-01",
                    "gender": "female",
                    "employment_status": "job_seeker",
                },
                {
                    **APPLICATION,
                    "application_id": "a2",
                    "member_id": "m2",
                    "started_at": "2022-03-01",
                    "submitted_at": "2022-03-05",
                    "decision": "rejected",
                    "decided_at": "2022-03-10",
                    "country": "GB",
                },
            ]
        ),
        "enrollments": pd.DataFrame(
            [
                {
                    **ENROLLMENT,
                    "enrollment_id": "e1",
                    "application_id": "a1",
                    "member_id": "m1",
                    "started_at": "2022-02-15",
                }
            ]
        ),
        "graduate_surveys": pd.DataFrame(
            columns=[
                "enrollment_id",
                "sent_at",
                "responded_at",
                "employed_within_6_months",
                "salary_before_eur",
                "salary_after_eur",
            ]
        ),
        "career_outcomes": pd.DataFrame(
            {
                "career_outcome_id": ["o1"],
                "member_id": ["m1"],
                "declared_at": ["2022-06-01"],
                "outcome_type": ["new_job"],
                "enrollment_id": ["e1"],
                "source": ["platform_survey"],
            }
        ),
        "companies": pd.DataFrame(columns=["company_id", "country", "size_band"]),
        "carbon_activity": pd.DataFrame(
            {
                "month": ["2022-01-01"],
                "scope": [2],
                "category": ["office_energy"],
                "team": ["ops"],
                "activity_value": [1000.0],
                "activity_unit": ["kWh"],
                "emission_factor_id": ["ef_elec"],
                "allocation": ["platform"],
            }
        ),
        "emission_factors": FACTORS,
        "carbon_prices": PRICES,
    }


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return Dataset.from_frames(valid_frames())


@pytest.fixture(scope="module")
def table(ds) -> pd.DataFrame:
    return kpi_file.compute_kpis(ds, 2022, 1)


def row(frame: pd.DataFrame, metric: str, segment: str = "all") -> pd.Series:
    found = frame[(frame["metric"] == metric) & (frame["segment"] == segment)]
    assert len(found) == 1, (metric, segment)
    return found.iloc[0]


def test_columns_are_exactly_those_of_the_kpi_file(table):
    assert list(table.columns) == [
        "year",
        "section",
        "metric",
        "segment",
        "value",
        "numerator",
        "denominator",
        "ci_low",
        "ci_high",
        "suppressed",
    ]


# Without a brand survey there is no brand figure at all (its objective reads "data absent").
SURVEY_METRICS = {"brand_awareness_share", "brand_consideration_share"}


def test_every_metric_of_the_registry_appears_once_per_segment(table):
    assert set(table["metric"]) == {m.id for m in registry.METRICS} - SURVEY_METRICS
    assert not table.duplicated(["metric", "segment"]).any()
    assert set(table["section"]) <= set(registry.SECTIONS)


def test_figures_shown_by_several_sections_sit_in_one(table):
    assert row(table, "admission_rate", "all")["section"] == "funnel"
    assert row(table, "admission_rate", "underserved")["section"] == "categories"
    assert row(table, "career_outcome_rate_6m", "apprentices")["section"] == "apprenticeship"
    assert row(table, "women_share", "tech")["section"] == "categories"


def test_rows_follow_section_metric_and_segment_order(table):
    sections = [registry.SECTIONS.index(s) for s in table["section"]]
    assert sections == sorted(sections)
    first = table[table["metric"] == "funding_share_public"]["segment"].tolist()
    assert first[:3] == ["all", "underserved", "non_underserved"]


def test_some_figures_of_the_small_dataset(table):
    assert row(table, "new_members")["value"] == 2
    assert row(table, "applicants")["value"] == 2
    assert row(table, "admission_rate")[["numerator", "denominator"]].tolist() == [1, 2]
    assert row(table, "emissions_tco2e", "scope_2")["value"] == pytest.approx(0.05)
    assert row(table, "carbon_donation_eur")["value"] == pytest.approx(4.0)  # 0.05 t x 80
    assert row(table, "users")["value"] == 2


def test_absent_mentors_table_gives_empty_unflagged_rows(table):
    absent = row(table, "disability_mentor_coverage", "disability")
    assert pd.isna(absent["value"]) and pd.isna(absent["denominator"])
    assert not absent["suppressed"]


def test_with_min_cell_one_nothing_is_withheld_and_with_ten_small_counts_are(ds, table):
    assert not table["suppressed"].any()
    strict = kpi_file.compute_kpis(ds, 2022, 10)
    new_members = row(strict, "new_members")
    assert new_members["suppressed"] and pd.isna(new_members["value"])
    # zeros are shown
    assert row(strict, "graduates")["value"] == 0 and not row(strict, "graduates")["suppressed"]


def test_the_same_inputs_give_the_same_bytes(ds, table, tmp_path):
    first = kpi_file.write_kpis(table, tmp_path / "a" / "kpis.csv").read_bytes()
    second = kpi_file.write_kpis(
        kpi_file.compute_kpis(ds, 2022, 1), tmp_path / "b.csv"
    ).read_bytes()
    assert first == second


def test_number_format_of_the_file(table, tmp_path):
    lines = kpi_file.write_kpis(table, tmp_path / "kpis.csv").read_text().splitlines()
    assert (
        lines[0]
        == "year,section,metric,segment,value,numerator,denominator,ci_low,ci_high,suppressed"
    )
    assert "2022,funnel,new_members,all,2,,,,,false" in lines
    # 1 of 2 applicants admitted: Wilson 0.094531 to 0.905469 (z = 1.959964)
    assert "2022,funnel,admission_rate,all,0.500000,1,2,0.094531,0.905469,false" in lines
    assert "2022,carbon,emissions_tco2e,all,0.050000,,,,,false" in lines
    assert "2022,categories,disability_mentor_coverage,disability,,,,,,false" in lines
    # a rate without denominator: no value, 0 / 0, not withheld
    assert "2022,categories,graduation_rate,refugees,,0,0,,,false" in lines


def test_withheld_row_in_the_file(ds, tmp_path):
    lines = kpi_file.write_kpis(kpi_file.compute_kpis(ds, 2022, 10), tmp_path / "k.csv").read_text()
    assert "2022,funnel,new_members,all,,,,,,true" in lines.splitlines()


def test_secondary_suppression_runs_across_metrics():
    apps = [
        {**APPLICATION, "application_id": f"a{i}", "member_id": f"m{i}"}
        | ({"employment_status": "job_seeker"} if i < 2 else {})
        for i in range(12)
    ]
    enrs = [
        {**ENROLLMENT, "enrollment_id": f"e{i}", "application_id": f"a{i}", "member_id": f"m{i}"}
        for i in range(12)
    ]
    ds = Dataset.from_frames(
        {"applications": pd.DataFrame(apps), "enrollments": pd.DataFrame(enrs)}
    )
    table = kpi_file.compute_kpis(ds, 2022, 3)

    def withheld(metric, segment):
        return bool(row(table, metric, segment)["suppressed"])

    # 12 students, all publicly funded: 2 underserved job seekers, 10 others.
    # Underserved (2) is small; non_underserved (10) would be all - 2: withheld too.
    assert withheld("students_in_segment", "underserved")
    assert withheld("students_in_segment", "non_underserved")
    assert not withheld("students_in_segment", "all")
    # Every share of the underserved has the small denominator 2, so every share of the
    # non_underserved (denominator 10 = 12 - 2) is withheld with it; the shares of all
    # students (public 12/12, the others 0/12) stay shown.
    for metric in [*(f"funding_share_{t}" for t in FUNDING_TYPES), "third_party_funding_share"]:
        assert withheld(metric, "underserved") and withheld(metric, "non_underserved")
        assert not withheld(metric, "all")
    assert row(table, "funding_share_public", "all")[["numerator", "denominator"]].tolist() == [
        12,
        12,
    ]


def test_medians_are_not_a_breakdown_that_adds_up():
    # 3 apprentices and 4 other graduates of 2022 gave a salary; a median needs
    # 2 x MIN_CELL people: with MIN_CELL 2 the apprentices' median is withheld, the
    # others' is shown (medians do not add up).
    rows = [("apprenticeship", 30000.0)] * 3 + [("public", 32000.0)] * 4
    enrs = pd.DataFrame(
        [
            {
                **ENROLLMENT,
                "enrollment_id": f"g{i}",
                "application_id": f"a{i}",
                "member_id": f"m{i}",
                "started_at": "2021-01-01",
                "status": "graduated",
                "ended_at": "2022-06-30",
                "funding_type": funding_type,
                "employer_id": "k1" if funding_type == "apprenticeship" else None,
            }
            for i, (funding_type, _) in enumerate(rows)
        ]
    )
    surveys = pd.DataFrame(
        {
            "enrollment_id": enrs["enrollment_id"],
            "sent_at": "2022-12-31",
            "responded_at": "2023-01-10",
            "employed_within_6_months": True,
            "salary_before_eur": None,
            "salary_after_eur": [salary for _, salary in rows],
        }
    )
    ds = Dataset.from_frames({"enrollments": enrs, "graduate_surveys": surveys})
    table = kpi_file.compute_kpis(ds, 2022, 2)
    assert row(table, "salary_after_median_eur", "apprentices")["suppressed"]
    shown = row(table, "salary_after_median_eur", "non_apprentices")
    assert not shown["suppressed"] and shown["value"] == 32000.0


def test_series_monthly_counts_with_suppression():
    courses = pd.DataFrame(
        {
            "course_enrollment_id": [f"c{i}" for i in range(29)],
            "member_id": "m1",
            "course_id": "k1",
            "started_at": ["2022-01-10"] * 12 + ["2022-02-10"] * 2 + ["2022-03-10"] * 15,
            "certificate_at": None,
        }
    )
    ds = Dataset.from_frames({"course_enrollments": courses})
    series = kpi_file.compute_series(ds, 2022, 3)
    started = series[series["series"] == "courses_started"].set_index("period")
    assert started.loc["2022-03", "value"] == 15
    # February (2) is small; so that the year's total does not give it away, the smallest
    # month with a count, January (12), is withheld with it: a withheld zero would leave
    # the sum of the withheld months, 2, as small as February alone.
    assert started.loc["2022-02", "suppressed"] and pd.isna(started.loc["2022-02", "value"])
    assert started.loc["2022-01", "suppressed"] and pd.isna(started.loc["2022-01", "value"])
    assert not started.loc["2022-04", "suppressed"] and started.loc["2022-04", "value"] == 0
    # no traffic rows: the months have no value and are not withheld
    visitors = series[series["series"] == "visitors"]
    assert len(visitors) == 12 and visitors["value"].isna().all()
    assert not visitors["suppressed"].any()


def test_series_of_the_small_dataset(ds, tmp_path):
    series = kpi_file.compute_series(ds, 2022, 1)
    assert list(series.columns) == [
        "year",
        "section",
        "series",
        "segment",
        "period",
        "value",
        "suppressed",
    ]
    emissions = series[(series["series"] == "emissions_tco2e") & (series["segment"] == "scope_2")]
    assert emissions.set_index("period").loc["2022-01", "value"] == pytest.approx(0.05)
    by_category = series[series["series"] == "emissions_by_category_tco2e"]
    assert by_category[["segment", "period"]].values.tolist() == [["office_energy", "2022"]]
    history = series[(series["series"] == "career_outcomes") & (series["segment"] == "all")]
    assert history["period"].tolist() == ["2018", "2019", "2020", "2021", "2022"]
    assert history["value"].tolist() == [0, 0, 0, 0, 1]
    text = kpi_file.write_series(series, tmp_path / "series.csv").read_text().splitlines()
    assert "2022,funnel,visitors,all,2022-02,120,false" in text


def with_every_table_filled(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``frames`` with a row in each required table the contract refuses empty: a
    company, and a graduate (a second path of m1) with the survey sent after it."""
    frames = {name: frame.copy() for name, frame in frames.items()}
    frames["companies"] = pd.DataFrame(
        {"company_id": ["k1"], "country": ["FR"], "size_band": ["sme"]}
    )
    graduate = {
        **ENROLLMENT,
        "enrollment_id": "e2",
        "application_id": "a1",
        "member_id": "m1",
        "started_at": "2022-02-15",
        "expected_end_at": "2022-08-31",
        "status": "graduated",
        "ended_at": "2022-08-31",
    }
    frames["enrollments"] = pd.concat(
        [frames["enrollments"], pd.DataFrame([graduate])], ignore_index=True
    )
    frames["graduate_surveys"] = pd.DataFrame(
        [
            {
                "enrollment_id": "e2",
                "sent_at": "2023-02-28",
                "responded_at": None,
                "employed_within_6_months": None,
                "salary_before_eur": None,
                "salary_after_eur": None,
            }
        ]
    )
    return frames


def write_csv_dataset(folder, frames: dict[str, pd.DataFrame]) -> None:
    folder.mkdir()
    for name, frame in frames.items():
        out = frame.copy()
        for column in out.columns:
            if out[column].map(lambda v: isinstance(v, bool)).any():
                out[column] = out[column].map({True: "true", False: "false"})
        out.to_csv(folder / f"{name}.csv", index=False)


def test_command_writes_the_kpi_file_and_series(tmp_path, capsys):
    data = tmp_path / "data"
    write_csv_dataset(data, with_every_table_filled(valid_frames()))
    out = tmp_path / "outputs" / "2022" / "kpis.csv"
    code = kpis.main(
        [
            "--year",
            "2022",
            "--data",
            str(data),
            "--out",
            str(out),
            "--min-cell",
            "1",
            "--series",
            str(tmp_path / "series.csv"),
        ]
    )
    assert code == 0, capsys.readouterr().err
    lines = out.read_text().splitlines()
    assert len(lines) == 1 + len(
        kpi_file.compute_kpis(Dataset.from_frames(valid_frames()), 2022, 1)
    )
    assert "2022,funnel,new_members,all,2,,,,,false" in lines
    assert (tmp_path / "series.csv").is_file()


def test_command_refuses_a_dataset_that_breaks_the_contract(tmp_path, capsys):
    frames = valid_frames()
    frames["members"].loc[0, "gender"] = "woman"
    data = tmp_path / "data"
    write_csv_dataset(data, frames)
    code = kpis.main(["--year", "2022", "--data", str(data), "--out", str(tmp_path / "k.csv")])
    assert code == 1
    assert "gender" in capsys.readouterr().err
    assert not (tmp_path / "k.csv").exists()


def test_command_refuses_data_edited_in_place_after_a_valid_run(tmp_path, capsys, isolated_cache):
    data = tmp_path / "data"
    write_csv_dataset(data, with_every_table_filled(valid_frames()))
    command = ["--year", "2022", "--data", str(data), "--out", str(tmp_path / "k.csv")]
    assert kpis.main(command) == 0
    # Same size, same modification time: only the bytes tell the edit.
    edit_in_place(data / "members.csv", "female", "robot!")
    (tmp_path / "k.csv").unlink()
    assert kpis.main(command) == 1
    assert "gender" in capsys.readouterr().err
    assert not (tmp_path / "k.csv").exists()


def test_command_refuses_min_cell_below_one(tmp_path):
    with pytest.raises(SystemExit):
        kpis.main(["--year", "2022", "--data", str(tmp_path), "--out", "k.csv", "--min-cell", "0"])

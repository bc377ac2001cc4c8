"""The bad-input corpus: one broken rule at a time, and the exact problem reported.

Each case changes a copy of the valid dataset of conftest.py so that one rule breaks
(and only that one), writes it as CSV or Parquet, and checks the file, column, rule,
count and row numbers of the single problem reported. Row numbers are worked out by
hand: the frame row at index i is line i + 2 of a CSV file and row i + 1 of a Parquet
file.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import make_valid_frames, whole_year, write_dataset, write_reference
from unreadable_cases import CASES, damage_pages

from helpers import validate
from helpers.intake import consistency, load
from helpers.intake.description import check_description, read_description
from helpers.intake.load import ContractError, Problem, UnusableDatasetError, load_dataset

pytestmark = pytest.mark.usefixtures("isolated_cache")

FORMATS = ["csv", "parquet"]
# The long corpora (one case per rule, per personal name) check their Parquet copies among
# the slow tests: a rule reads typed columns, whichever file they came from, and each
# other test here reads both formats among the quick ones.
CSV_QUICK = ["csv", pytest.param("parquet", marks=pytest.mark.slow)]
COUNTRY_RULE = "must be an ISO 3166-1 alpha-2 code in upper case, or ZZ for unknown"
DATE_RULE = (
    "must be a date written YYYY-MM-DD (a time of day and a UTC offset within ±14:00 may follow)"
)
ADMITTED_RULE = "must refer to an application whose decision is admitted"
BUDGET_RULE = "must name a team with emissions in carbon_activity in the budget's year"


def at(fmt: str, indexes: list[int]) -> tuple[int, ...]:
    """Frame indexes as the file counts them: CSV lines after the header, Parquet rows."""
    return tuple(i + (2 if fmt == "csv" else 1) for i in indexes)


def problems_in(folder: Path, reference_dir: Path) -> list[Problem]:
    with pytest.raises(ContractError) as caught:
        load_dataset(folder, reference_dir)
    return caught.value.problems


def edited(edits: list[tuple[str, int, str, object]]) -> dict[str, pd.DataFrame]:
    frames = make_valid_frames()
    for table, index, column, value in edits:
        frames[table].loc[index, column] = value
    return frames


# (case, cell edits (table, row index, column, new value), then the one problem expected:
# table, column, rule, and the indexes of the offending rows)
RULE_CASES = [
    ("not-null", [("members", 3, "registered_at", None)],
     "members", "registered_at", "must not be null", [3]),
    ("enum", [("applications", 1, "decision", "accepted")],
     "applications", "decision", "must be one of admitted, rejected, withdrawn, pending", [1]),
    ("enum-is-lower-case", [("members", 0, "gender", "Female")],
     "members", "gender", "must be one of female, male, other, unknown", [0]),
    ("active-members-at-most-visitors", [("monthly_traffic", 1, "active_members", 600)],
     "monthly_traffic", "active_members", "must not exceed visitors", [1]),
    ("minimum", [("carbon_activity", 1, "activity_value", -5.0)],
     "carbon_activity", "activity_value", "must be >= 0", [1]),
    ("exclusive-minimum", [("graduate_surveys", 0, "salary_after_eur", 0.0)],
     "graduate_surveys", "salary_after_eur", "must be > 0", [0]),
    ("scope", [("carbon_activity", 2, "scope", 4)],
     "carbon_activity", "scope", "must be one of 1, 2, 3", [2]),
    ("traffic-month-first-day", [("monthly_traffic", 0, "month", "2022-01-15")],
     "monthly_traffic", "month", "must be the first day of a month", [0]),
    ("carbon-month-first-day", [("carbon_activity", 2, "month", "2022-02-28")],
     "carbon_activity", "month", "must be the first day of a month", [2]),
    ("country-codes",
     [("members", 0, "country", "fr"), ("members", 1, "country", "XX"),
      ("members", 3, "country", "FRA")],
     "members", "country", COUNTRY_RULE, [0, 1, 3]),
    ("company-country", [("companies", 1, "country", "UK")],
     "companies", "country", COUNTRY_RULE, [1]),
    ("decision-null-unless-submitted", [("applications", 3, "decision", "pending")],
     "applications", "decision", "must be null when submitted_at is null", [3]),
    ("decided-at-when-decided", [("applications", 1, "decided_at", None)],
     "applications", "decided_at", "must not be null when decision is admitted or rejected", [1]),
    ("ended-at-unless-active", [("enrollments", 0, "ended_at", None)],
     "enrollments", "ended_at", "must not be null when status is not active", [0]),
    ("employer-when-apprenticeship", [("enrollments", 1, "employer_id", None)],
     "enrollments", "employer_id",
     "must not be null when funding_type is apprenticeship or employer", [1]),
    ("employed-when-responded", [("graduate_surveys", 0, "employed_within_6_months", None)],
     "graduate_surveys", "employed_within_6_months",
     "must not be null when responded_at is not null", [0]),
    ("course-member", [("course_enrollments", 2, "member_id", "m9")],
     "course_enrollments", "member_id", "must refer to a member_id of members", [2]),
    ("application-path", [("applications", 4, "path_id", "p9")],
     "applications", "path_id", "must refer to a path_id of paths", [4]),
    ("enrollment-of-rejected-application", [("applications", 5, "decision", "rejected")],
     "enrollments", "application_id", ADMITTED_RULE, [2]),
    ("enrollment-of-unknown-application", [("enrollments", 0, "application_id", "a99")],
     "enrollments", "application_id", ADMITTED_RULE, [0]),
    ("enrollment-member-is-applicant", [("enrollments", 1, "member_id", "m2")],
     "enrollments", "member_id", "must equal the application's member_id", [1]),
    ("enrollment-path", [("enrollments", 2, "path_id", "p9")],
     "enrollments", "path_id", "must refer to a path_id of paths", [2]),
    ("employer-company", [("enrollments", 1, "employer_id", "k9")],
     "enrollments", "employer_id", "must refer to a company_id of companies", [1]),
    ("mentor", [("enrollments", 0, "mentor_id", "mt9")],
     "enrollments", "mentor_id", "must refer to a mentor_id of mentors", [0]),
    ("survey-of-graduate", [("graduate_surveys", 0, "enrollment_id", "e2")],
     "graduate_surveys", "enrollment_id", "must refer to an enrollment whose status is graduated",
     [0]),
    ("outcome-enrollment", [("career_outcomes", 1, "enrollment_id", "e9")],
     "career_outcomes", "enrollment_id", "must refer to an enrollment_id of enrollments", [1]),
    ("outcome-member", [("career_outcomes", 1, "member_id", "m9")],
     "career_outcomes", "member_id", "must refer to a member_id of members", [1]),
    ("emission-factor", [("carbon_activity", 0, "emission_factor_id", "ef_gas")],
     "carbon_activity", "emission_factor_id",
     "must refer to an emission_factor_id of emission_factors", [0]),
    ("activity-unit-of-factor", [("carbon_activity", 2, "activity_unit", "MWh")],
     "carbon_activity", "activity_unit", "must equal the unit of its emission factor", [2]),
    ("budget-team", [("carbon_budgets", 1, "team", "sales")],
     "carbon_budgets", "team", BUDGET_RULE, [1]),
    ("budget-positive", [("carbon_budgets", 0, "budget_tco2e", 0.0)],
     "carbon_budgets", "budget_tco2e", "must be > 0", [0]),
    ("brand-aware-of-respondents", [("brand_surveys", 0, "aware", 801)],
     "brand_surveys", "aware", "must not exceed respondents", [0]),
    ("brand-considering-of-respondents", [("brand_surveys", 1, "considering", 900)],
     "brand_surveys", "considering", "must not exceed respondents", [1]),
    ("brand-aware-not-negative", [("brand_surveys", 1, "aware", -1)],
     "brand_surveys", "aware", "must be >= 0", [1]),
    ("submitted-after-started", [("applications", 0, "submitted_at", "2021-08-31")],
     "applications", "submitted_at", "must be on or after started_at", [0]),
    ("decided-after-submitted", [("applications", 1, "decided_at", "2021-10-04")],
     "applications", "decided_at", "must be on or after submitted_at", [1]),
    ("enrollment-after-decision", [("enrollments", 0, "started_at", "2021-09-15")],
     "enrollments", "started_at", "must be on or after the application's decided_at", [0]),
    ("expected-end-after-start", [("enrollments", 1, "expected_end_at", "2022-02-01")],
     "enrollments", "expected_end_at", "must be after started_at", [1]),
    ("ended-after-start", [("enrollments", 2, "ended_at", "2022-03-31")],
     "enrollments", "ended_at", "must be on or after started_at", [2]),
    ("certificate-after-start", [("course_enrollments", 0, "certificate_at", "2021-01-31")],
     "course_enrollments", "certificate_at", "must be on or after started_at", [0]),
    ("date-type",
     [("applications", 1, "started_at", "2021/10/01"), ("applications", 3, "started_at", "2022-02-30")],
     "applications", "started_at", DATE_RULE, [1, 3]),
    ("integer-type",
     [("monthly_traffic", 0, "visitors", "1 000"), ("monthly_traffic", 2, "visitors", "12.5")],
     "monthly_traffic", "visitors", "must be a whole number", [0, 2]),
    ("number-type", [("graduate_surveys", 0, "salary_before_eur", "28000,5")],
     "graduate_surveys", "salary_before_eur", "must be a finite number written with '.' for decimals",
     [0]),
    ("boolean-type",
     [("mentors", 0, "disability_trained", "True"), ("mentors", 1, "disability_trained", "yes")],
     "mentors", "disability_trained", "must be true or false", [0, 1]),
]  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_valid_dataset_passes(tmp_path, reference_dir, fmt):
    dataset = load_dataset(
        write_dataset(make_valid_frames(), tmp_path / "data", fmt), reference_dir
    )
    assert dataset.present == {
        "members", "monthly_traffic", "course_enrollments", "paths", "applications",
        "enrollments", "graduate_surveys", "career_outcomes", "companies", "mentors",
        "carbon_activity", "carbon_budgets", "brand_surveys",
    }  # fmt: skip
    assert dataset.absent == frozenset()


def test_a_dataset_mixing_csv_and_parquet_passes(tmp_path, reference_dir):
    formats = {"members": "parquet", "enrollments": "parquet", "carbon_activity": "parquet"}
    folder = write_dataset(make_valid_frames(), tmp_path / "data", "csv", formats)
    assert load_dataset(folder, reference_dir).has("enrollments")


@pytest.mark.parametrize("fmt", CSV_QUICK)
@pytest.mark.parametrize(
    "edits, table, column, rule, indexes",
    [case[1:] for case in RULE_CASES],
    ids=[case[0] for case in RULE_CASES],
)
def test_one_broken_rule_is_reported_exactly(
    tmp_path, reference_dir, fmt, edits, table, column, rule, indexes
):
    folder = write_dataset(edited(edits), tmp_path / "data", fmt)
    assert problems_in(folder, reference_dir) == [
        Problem(f"{table}.{fmt}", column, rule, len(indexes), at(fmt, indexes))
    ]


@pytest.mark.parametrize("fmt, rows", [("csv", (3, 7)), ("parquet", (2, 6))])
def test_every_row_sharing_an_id_is_reported(tmp_path, reference_dir, fmt, rows):
    frames = make_valid_frames()
    members = frames["members"]
    frames["members"] = pd.concat([members, members.iloc[[1]]], ignore_index=True)
    folder = write_dataset(frames, tmp_path / "data", fmt)
    assert problems_in(folder, reference_dir) == [
        Problem(f"members.{fmt}", "member_id", "must be unique", 2, rows)
    ]


@pytest.mark.parametrize("fmt, rows", [("csv", (4, 5)), ("parquet", (3, 4))])
def test_month_and_country_are_unique_together(tmp_path, reference_dir, fmt, rows):
    frames = edited([("monthly_traffic", 3, "country", "FR")])
    folder = write_dataset(frames, tmp_path / "data", fmt)
    assert problems_in(folder, reference_dir) == [
        Problem(f"monthly_traffic.{fmt}", "(month, country)", "must be unique together", 2, rows)
    ]


def test_every_broken_rule_is_listed_in_contract_order(tmp_path, reference_dir):
    frames = edited(
        [
            ("carbon_activity", 2, "scope", 0),
            ("applications", 2, "gender", "F"),
            ("applications", 4, "country", "france"),
            ("members", 1, "registered_at", "5 March 2021"),
        ]
    )
    folder = write_dataset(frames, tmp_path / "data", "csv")
    assert problems_in(folder, reference_dir) == [
        Problem("members.csv", "registered_at", DATE_RULE, 1, (3,)),
        Problem("applications.csv", "country", COUNTRY_RULE, 1, (6,)),
        Problem(
            "applications.csv", "gender", "must be one of female, male, other, unknown", 1, (4,)
        ),
        Problem("carbon_activity.csv", "scope", "must be one of 1, 2, 3", 1, (4,)),
    ]


def test_a_missing_required_table_is_named(tmp_path, reference_dir):
    frames = make_valid_frames()
    del frames["paths"]
    folder = write_dataset(frames, tmp_path / "data")
    # References to paths cannot be checked, and are not reported as broken.
    assert problems_in(folder, reference_dir) == [
        Problem("paths", "", "required table is missing: no paths.parquet or paths.csv")
    ]


def test_the_optional_mentors_table_may_be_absent(tmp_path, reference_dir):
    frames = make_valid_frames()
    del frames["mentors"]
    dataset = load_dataset(write_dataset(frames, tmp_path / "data"), reference_dir)
    assert dataset.absent == {"mentors"}
    assert not dataset.has("mentors")
    # mentor_id values are kept: without the table they cannot be checked.
    assert dataset.scalar("SELECT count(mentor_id) FROM enrollments") == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_column_is_named(tmp_path, reference_dir, fmt):
    frames = make_valid_frames()
    frames["enrollments"] = frames["enrollments"].drop(columns=["mentor_id"])
    folder = write_dataset(frames, tmp_path / "data", fmt)
    assert problems_in(folder, reference_dir) == [
        Problem(f"enrollments.{fmt}", "mentor_id", "required column is missing")
    ]


def test_a_table_given_twice_is_refused(tmp_path, reference_dir):
    frames = make_valid_frames()
    folder = write_dataset(frames, tmp_path / "data", "csv")
    write_dataset({"members": frames["members"]}, folder, "parquet")
    assert problems_in(folder, reference_dir) == [
        Problem(
            "members.parquet",
            "",
            "members.csv holds the same table: keep only one of the two files",
        )
    ]


def test_a_dangling_symbolic_link_is_said_to_be_one(tmp_path, reference_dir):
    folder = write_dataset(make_valid_frames(), tmp_path / "data")
    (folder / "paths.csv").unlink()
    (folder / "paths.csv").symlink_to(tmp_path / "elsewhere" / "paths.csv")
    assert problems_in(folder, reference_dir) == [
        Problem(
            "paths.csv", "", "is a dangling symbolic link: the file it points to does not exist"
        )
    ]
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "gone")
    with pytest.raises(UnusableDatasetError) as caught:
        load_dataset(link, reference_dir)
    assert caught.value.problems == [
        Problem(
            str(link), "", "dataset folder is a dangling symbolic link (its target does not exist)"
        )
    ]


def test_a_table_written_as_a_folder_is_refused(tmp_path, reference_dir):
    frames = make_valid_frames()
    folder = write_dataset(frames, tmp_path / "data", "parquet")
    (folder / "companies.parquet").unlink()
    (folder / "companies.parquet").mkdir()
    write_dataset({"companies": frames["companies"]}, folder / "companies.parquet", "parquet")
    assert problems_in(folder, reference_dir) == [
        Problem("companies.parquet", "", "is a folder: the contract asks for one file per table")
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_file_is_refused(tmp_path, reference_dir, fmt):
    folder = write_dataset(make_valid_frames(), tmp_path / "data", fmt)
    (folder / f"companies.{fmt}").write_bytes(b"")
    assert problems_in(folder, reference_dir) == [Problem(f"companies.{fmt}", "", "file is empty")]


@pytest.mark.parametrize("delimiter, name", [(";", "semicolons"), ("\t", "tabs")])
def test_a_csv_with_another_delimiter_is_refused(tmp_path, reference_dir, delimiter, name):
    folder = write_dataset(make_valid_frames(), tmp_path / "data")
    make_valid_frames()["companies"].to_csv(folder / "companies.csv", sep=delimiter, index=False)
    assert problems_in(folder, reference_dir) == [
        Problem(
            "companies.csv", "", f"separates its columns with {name}: the contract asks for commas"
        )
    ]


def test_a_csv_line_in_another_encoding_is_refused(tmp_path, reference_dir):
    frames = edited([("paths", 2, "title", "Développeur web")])
    folder = write_dataset(frames, tmp_path / "data")
    text = (folder / "paths.csv").read_text(encoding="utf-8")
    (folder / "paths.csv").write_bytes(text.encode("latin-1"))
    assert problems_in(folder, reference_dir) == [
        Problem("paths.csv", "", "is not UTF-8 text: save the file as UTF-8", 1, (4,))
    ]


def test_a_utf16_csv_is_refused_at_its_header(tmp_path, reference_dir):
    folder = write_dataset(make_valid_frames(), tmp_path / "data")
    text = (folder / "paths.csv").read_text(encoding="utf-8")
    (folder / "paths.csv").write_bytes(text.encode("utf-16"))
    assert problems_in(folder, reference_dir) == [
        Problem("paths.csv", "", "is not UTF-8 text: save the file as UTF-8", 1, (1,))
    ]


def test_csv_lines_with_a_wrong_number_of_fields_are_refused(tmp_path, reference_dir):
    folder = write_dataset(make_valid_frames(), tmp_path / "data")
    lines = (folder / "paths.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = "p2,Project manager,non_tech"  # line 3 lost its last field
    lines[3] += ",extra"  # line 4 has one too many
    (folder / "paths.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert problems_in(folder, reference_dir) == [
        Problem("paths.csv", "", "every line must have 4 fields, like the header", 2, (3, 4)),
    ]


def test_a_repeated_header_name_is_refused(tmp_path, reference_dir):
    folder = write_dataset(make_valid_frames(), tmp_path / "data")
    (folder / "companies.csv").write_text(
        "company_id,country,country,size_band\nk1,FR,FR,sme\nk2,GB,GB,large\n", encoding="utf-8"
    )
    assert problems_in(folder, reference_dir) == [
        Problem("companies.csv", "country", "appears more than once in the header")
    ]


def test_an_unreadable_parquet_file_gets_one_line(tmp_path, reference_dir):
    folder = write_dataset(make_valid_frames(), tmp_path / "data", "parquet")
    (folder / "paths.parquet").write_bytes(b"these bytes are not a Parquet file")
    [problem] = problems_in(folder, reference_dir)
    assert (problem.file, problem.column, problem.count) == ("paths.parquet", "", 0)
    assert problem.rule.startswith("is not a readable Parquet file (")
    assert "\n" not in str(problem)


def test_a_missing_folder_is_unusable(tmp_path, reference_dir):
    with pytest.raises(UnusableDatasetError) as caught:
        load_dataset(tmp_path / "nowhere", reference_dir)
    assert caught.value.problems == [
        Problem(str(tmp_path / "nowhere"), "", "no such dataset folder")
    ]


def test_csv_line_numbers_count_line_breaks_inside_quoted_fields(tmp_path, reference_dir):
    # The course of ce1 (line 2) spans two lines, so the third course starts on line 5.
    frames = edited(
        [
            ("course_enrollments", 0, "course_id", "python\n101"),
            ("course_enrollments", 2, "certificate_at", "2022-02-20"),
        ]
    )
    folder = write_dataset(frames, tmp_path / "data")
    assert problems_in(folder, reference_dir) == [
        Problem(
            "course_enrollments.csv", "certificate_at", "must be on or after started_at", 1, (5,)
        )
    ]


def line_ends(path: Path, end: str) -> None:
    """Rewrite the CSV file ``path`` with ``end`` after every line (breaks inside quoted
    fields stay as they are)."""
    text = path.read_bytes().decode("utf-8")
    path.write_text(text.replace("\n", end), encoding="utf-8", newline="")


@pytest.mark.parametrize("end", ["\r", "\r\n"], ids=["cr-only", "crlf"])
def test_csv_files_whose_lines_end_with_a_carriage_return_are_read(tmp_path, reference_dir, end):
    frames = make_valid_frames()
    folder = write_dataset(frames, tmp_path / "data")
    for path in folder.glob("*.csv"):
        line_ends(path, end)
    dataset = load_dataset(folder, reference_dir)
    try:
        titles = dataset.con.sql("SELECT title FROM paths ORDER BY path_id").fetchall()
        assert [t for (t,) in titles] == sorted(frames["paths"]["title"].tolist())
        assert dataset.scalar("SELECT count(*) FROM members") == len(frames["members"])
    finally:
        dataset.con.close()


@pytest.mark.parametrize("end", ["\n", "\r", "\r\n"], ids=["lf", "cr-only", "crlf"])
def test_a_header_holding_a_quoted_line_break_keeps_line_numbers_right(
    tmp_path, reference_dir, end
):
    # An extra column whose quoted name spans two lines: every record starts a line later.
    frames = edited([("paths", 2, "domain", "science")])
    frames["paths"]["note\nmore"] = "x"
    folder = write_dataset(frames, tmp_path / "data")
    line_ends(folder / "paths.csv", end)
    assert problems_in(folder, reference_dir) == [
        Problem("paths.csv", "domain", "must be one of tech, non_tech", 1, (5,))
    ]
    # A line with one field too many, found by the CSV reader itself: line 4 of the file
    # (its second record), whatever ends its lines.
    lines = (folder / "paths.csv").read_bytes().decode("utf-8").split(end)
    lines[3] += ",extra"
    (folder / "paths.csv").write_text(end.join(lines), encoding="utf-8", newline="")
    assert problems_in(folder, reference_dir) == [
        Problem("paths.csv", "", "every line must have 5 fields, like the header", 1, (4,))
    ]


def test_a_parquet_column_of_an_incompatible_type_is_a_type_violation(tmp_path, reference_dir):
    frames = make_valid_frames()
    frames["members"]["registered_at"] = [True, True, False, True, False]
    folder = write_dataset(frames, tmp_path / "data", "parquet")
    assert problems_in(folder, reference_dir) == [
        Problem(
            "members.parquet",
            "registered_at",
            f"{DATE_RULE} (the Parquet column is BOOLEAN)",
            5,
            (1, 2, 3, 4, 5),
        )
    ]


def test_a_fractional_number_in_a_parquet_integer_column_is_reported(tmp_path, reference_dir):
    frames = edited([("carbon_activity", 1, "scope", 2.5)])
    folder = write_dataset(frames, tmp_path / "data", "parquet")
    assert pq.read_schema(folder / "carbon_activity.parquet").field("scope").type == pa.float64()
    assert problems_in(folder, reference_dir) == [
        Problem("carbon_activity.parquet", "scope", "must be a whole number", 1, (2,))
    ]


def test_rules_of_a_dataset_s_own_reference_tables(tmp_path, reference_dir):
    from conftest import make_reference_frames

    own = make_reference_frames()
    own["carbon_prices"].loc[0, "year"] = 2022
    own["targets"].loc[0, "comparator"] = ">"
    own["targets"].loc[1, "last_year"] = 2022
    folder = write_dataset({**make_valid_frames(), **own}, tmp_path / "data")
    assert problems_in(folder, reference_dir) == [
        Problem("carbon_prices.csv", "year", "must be unique", 2, (2, 3)),
        Problem("targets.csv", "comparator", "must be one of >=, <=, growth_>=", 1, (2,)),
        Problem("targets.csv", "last_year", "must not be before first_year", 1, (3,)),
    ]


def test_rules_of_the_shipped_reference_tables(tmp_path):
    from conftest import make_reference_frames

    shipped = make_reference_frames()
    shipped["emission_factors"].loc[1, "kgco2e_per_unit"] = -0.5
    reference = write_reference(tmp_path / "reference", shipped)
    with (reference / "category_rules.csv").open("a", encoding="utf-8") as f:
        f.write("disability,2024,,gender,woman\nrefugees,2024,2023,nationality,none\n")
    folder = write_dataset(make_valid_frames(), tmp_path / "data")
    rules_file = str(reference / "category_rules.csv")
    assert problems_in(folder, reference) == [
        Problem(
            str(reference / "emission_factors.csv"), "kgco2e_per_unit", "must be >= 0", 1, (3,)
        ),
        Problem(
            rules_file,
            "column",
            "must be one of decision, gender, employment_status, education_level, "
            "priority_area, migration_status, disability",
            1,
            (17,),
        ),
        Problem(
            rules_file, "value", "must be one of the values of its column in applications", 1, (16,)
        ),
        Problem(rules_file, "last_year", "must not be before first_year", 1, (17,)),
    ]


def test_a_missing_shipped_reference_table_is_named(tmp_path, reference_dir):
    (reference_dir / "targets.csv").unlink()
    folder = write_dataset(make_valid_frames(), tmp_path / "data")
    assert problems_in(folder, reference_dir) == [
        Problem(
            str(reference_dir / "targets.csv"),
            "",
            "reference table is missing (and the dataset has no copy of its own)",
        )
    ]


# --- the second corpus: files the engine cannot read as their table --------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.name}-{c.fmt}")
def test_an_unreadable_file_gives_one_problem_naming_file_and_column(tmp_path, reference_dir, case):
    folder = case.write(tmp_path / "data")
    assert problems_in(folder, reference_dir) == [case.problem]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.name}-{c.fmt}")
def test_the_validator_refuses_an_unreadable_file_in_one_line(
    tmp_path, reference_dir, case, capsys
):
    folder = case.write(tmp_path / "data")
    assert validate.main([str(folder), "--reference", str(reference_dir)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [str(case.problem), "invalid: 1 broken rule"]


@pytest.mark.parametrize(
    "table, column",
    [("members", "member_id"), ("companies", "size_band"), ("enrollments", "application_id")],
)
def test_a_damaged_page_is_found_in_a_column_that_rules_read(
    tmp_path, reference_dir, table, column
):
    folder = write_dataset(make_valid_frames(), tmp_path / "data", "parquet")
    damage_pages(folder, table, column)
    assert problems_in(folder, reference_dir) == [
        Problem(f"{table}.parquet", column, "cannot be read: its data pages are damaged")
    ]


def test_a_damaged_page_is_found_when_the_verdict_would_be_reused(tmp_path, reference_dir):
    # The type scan decodes every column, so a column that no rule reads is checked too
    # and a damaged file is never remembered as valid.
    [case] = [c for c in CASES if c.name == "damaged-pages"]
    folder = case.write(tmp_path / "data")
    for _ in range(2):
        assert problems_in_reusing(folder, reference_dir) == [case.problem]


def problems_in_reusing(folder: Path, reference_dir: Path) -> list[Problem]:
    with pytest.raises(ContractError) as caught:
        load_dataset(folder, reference_dir, reuse_verdict=True)
    return caught.value.problems


def test_an_extra_nested_column_is_ignored(tmp_path, reference_dir):
    folder = write_dataset(make_valid_frames(), tmp_path / "data", "parquet")
    path = folder / "companies.parquet"
    table = pq.read_table(path)
    pq.write_table(table.append_column("tags", pa.array([["a"], ["b", "c"]])), path)
    assert load_dataset(folder, reference_dir).scalar("SELECT count(*) FROM companies") == 2


def test_plausible_times_and_offsets_are_accepted(tmp_path, reference_dir):
    frames = edited(
        [
            ("members", 0, "registered_at", "2021-01-10T23:59:59.5+14:00"),
            ("members", 1, "registered_at", "2021-03-05 00:00-1200"),
            ("members", 2, "registered_at", "2021-06-20T08:15Z"),
        ]
    )
    folder = write_dataset(frames, tmp_path / "data")
    dates = load_dataset(folder, reference_dir).query(
        "SELECT CAST(registered_at AS VARCHAR) AS d FROM members ORDER BY member_id"
    )["d"]
    assert list(dates[:3]) == ["2021-01-10", "2021-03-05", "2021-06-20"]


# --- years: event dates between 1990 and the extraction, a described dataset ------------


def describe(folder: Path, **fields) -> Path:
    (folder / "dataset.json").write_text(json.dumps(fields), encoding="utf-8")
    return folder


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_event_before_1990_is_refused(tmp_path, reference_dir, fmt):
    frames = edited([("members", 1, "registered_at", "1989-12-31")])
    folder = write_dataset(frames, tmp_path / "data", fmt)
    assert problems_in(folder, reference_dir) == [
        Problem(f"members.{fmt}", "registered_at", "must not be before 1990-01-01", 1, at(fmt, [1]))
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_event_after_the_extraction_date_is_refused(tmp_path, reference_dir, fmt):
    frames = edited([("career_outcomes", 1, "declared_at", "2023-04-02")])
    folder = describe(write_dataset(frames, tmp_path / "data", fmt), extraction_date="2023-04-01")
    assert problems_in(folder, reference_dir) == [
        Problem(
            f"career_outcomes.{fmt}",
            "declared_at",
            "must not be after the extraction date of dataset.json (2023-04-01)",
            1,
            at(fmt, [1]),
        )
    ]


def test_a_monthly_record_after_the_extraction_is_refused(tmp_path, reference_dir):
    frames = edited([("carbon_activity", 1, "month", "2035-01-01")])
    folder = describe(write_dataset(frames, tmp_path / "data"), extraction_date="2023-04-01")
    [problem] = problems_in(folder, reference_dir)
    assert (problem.file, problem.column, problem.rows) == ("carbon_activity.csv", "month", (3,))


def test_a_planned_end_may_follow_the_extraction(tmp_path, reference_dir):
    frames = edited([("enrollments", 1, "expected_end_at", "2031-06-30")])
    folder = describe(write_dataset(frames, tmp_path / "data"), extraction_date="2023-04-01")
    assert load_dataset(folder, reference_dir).scalar("SELECT count(*) FROM enrollments") == 3


def test_without_an_extraction_date_no_event_may_be_in_the_future(tmp_path, reference_dir):
    frames = edited([("career_outcomes", 1, "declared_at", "2099-01-10")])
    folder = write_dataset(frames, tmp_path / "data")
    today = datetime.now(UTC).date().isoformat()
    assert problems_in(folder, reference_dir) == [
        Problem(
            "career_outcomes.csv",
            "declared_at",
            f"must not be after today, as dataset.json gives no extraction_date ({today})",
            1,
            (3,),
        )
    ]


# (fields of dataset.json, the problems of its fields: column and the start of the rule)
DESCRIPTION_CASES = [
    ({"synthetic": "false"}, [("synthetic", 'must be a JSON boolean: true or false, without quotes, got "false"')]),
    ({"synthetic": 0}, [("synthetic", "must be a JSON boolean: true or false, without quotes, got 0")]),
    ({"years": ["2022"]}, [("years", 'must be a non-empty JSON list of whole numbers, e.g. [2022, 2023], got ["2022"]')]),
    ({"years": [2022.0]}, [("years", "must be a non-empty JSON list of whole numbers, e.g. [2022, 2023], got [2022.0]")]),
    ({"years": 2022}, [("years", "must be a non-empty JSON list of whole numbers, e.g. [2022, 2023], got 2022")]),
    ({"years": []}, [("years", "must be a non-empty JSON list of whole numbers, e.g. [2022, 2023], got []")]),
    ({"years": [2022, 1985], "extraction_date": "2023-04-01"},
     [("years", "must lie between 1990 and 2023, the year of the extraction, got 1985")]),
    ({"years": [2022, 2024], "extraction_date": "2023-04-01"},
     [("years", "must lie between 1990 and 2023, the year of the extraction, got 2024")]),
    ({"years": [2022, 2022]}, [("years", "must list each year once, got 2022")]),
    ({"extraction_date": "01/04/2023"},
     [("extraction_date", 'must be a date written YYYY-MM-DD, as a JSON string, got "01/04/2023"')]),
    ({"extraction_date": "1989-06-30"},
     [("extraction_date", "must be between 1990-01-01 and today, got 1989-06-30")]),
    ({"seed": True, "scale": "1"},
     [("scale", 'must be a JSON number, got "1"'), ("seed", "must be a JSON whole number, got true")]),
    ({"description": ["a", "list"]}, [("description", 'must be a JSON string, got ["a", "list"]')]),
]  # fmt: skip


@pytest.mark.parametrize("fields, expected", DESCRIPTION_CASES)
def test_each_field_of_dataset_json_has_its_type(tmp_path, reference_dir, fields, expected):
    folder = describe(write_dataset(make_valid_frames(), tmp_path / "data"), **fields)
    assert problems_in(folder, reference_dir) == [
        Problem("dataset.json", column, rule) for column, rule in expected
    ]


def test_a_described_dataset_loads_with_its_known_fields(tmp_path, reference_dir):
    fields = {"synthetic": False, "years": [2022], "extraction_date": "2023-04-01", "seed": 3}
    frames = whole_year(make_valid_frames(), 2022)
    folder = describe(write_dataset(frames, tmp_path / "data"), **fields, owner="x")
    assert load_dataset(folder, reference_dir).meta == fields
    assert read_description(folder).ignored == ["owner"]


def test_the_generator_s_description_is_valid_and_fully_known():
    from helpers.synth.generate import _marker
    from helpers.synth.plan import Plan

    checked = check_description(_marker(Plan.load(1.0), 1.0, 2024))
    assert (checked.problems, checked.ignored) == ([], [])


# --- magnitudes: finite numbers, totals that a float holds, implausible values ----------


def with_reference(edits: list[tuple[str, int, str, object]]) -> dict[str, pd.DataFrame]:
    from conftest import make_reference_frames

    frames = {**make_valid_frames(), **make_reference_frames()}
    for table, index, column, value in edits:
        frames[table].loc[index, column] = value
    return frames


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_number_that_is_not_finite_is_refused_in_parquet(tmp_path, reference_dir, value):
    folder = write_dataset(make_valid_frames(), tmp_path / "data", "parquet")
    path = folder / "graduate_surveys.parquet"
    table = pq.read_table(path)
    index = table.schema.get_field_index("salary_after_eur")
    column = pa.array([value], type=pa.float64(), from_pandas=False)
    pq.write_table(table.set_column(index, "salary_after_eur", column), path)
    assert problems_in(folder, reference_dir) == [
        Problem(
            "graduate_surveys.parquet",
            "salary_after_eur",
            "must be a finite number written with '.' for decimals",
            1,
            (1,),
        )
    ]


@pytest.mark.parametrize("text", ["NaN", "inf", "-Infinity", "1e400"])
def test_a_number_that_is_not_finite_is_refused_in_csv(tmp_path, reference_dir, text):
    folder = write_dataset(edited([("carbon_activity", 1, "activity_value", text)]), tmp_path)
    assert problems_in(folder, reference_dir) == [
        Problem(
            "carbon_activity.csv",
            "activity_value",
            "must be a finite number written with '.' for decimals",
            1,
            (3,),
        )
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_activity_line_whose_emissions_overflow_is_refused(tmp_path, reference_dir, fmt):
    # 1e306 kg per kWh is valid by the letter of the contract (>= 0); times 1 500 kWh
    # (line 0) and 800 kWh (line 2) it is infinite.
    frames = with_reference([("emission_factors", 0, "kgco2e_per_unit", 1e306)])
    folder = write_dataset(frames, tmp_path / "data", fmt)
    assert problems_in(folder, reference_dir) == [
        Problem(
            f"carbon_activity.{fmt}",
            "activity_value",
            "times the kgco2e_per_unit of its emission factor exceeds the largest number a "
            "computer holds (about 1.8e308)",
            2,
            at(fmt, [0, 2]),
        )
    ]


def test_a_year_whose_emissions_add_up_beyond_a_float_is_refused(tmp_path, reference_dir):
    # Each line is finite (1e304 x 1 500 = 1.5e307), their sum times the carbon price not.
    frames = with_reference([("emission_factors", 0, "kgco2e_per_unit", 1e304)])
    folder = write_dataset(frames, tmp_path / "data")
    assert problems_in(folder, reference_dir) == [
        Problem(
            "carbon_activity.csv",
            "activity_value",
            "the emissions of 2022 add up beyond the largest number a computer holds "
            "(about 1.8e308); these lines are the largest",
            2,
            (2, 4),
        )
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_implausible_values_are_warnings_not_problems(tmp_path, reference_dir, fmt):
    # The largest factor of the test reference is electricity_fr's 0.052 kg per kWh.
    frames = with_reference(
        [
            ("graduate_surveys", 0, "salary_after_eur", 1_250_000.0),
            ("emission_factors", 1, "kgco2e_per_unit", 0.6),
        ]
    )
    folder = write_dataset(frames, tmp_path / "data", fmt)
    dataset = load_dataset(folder, reference_dir)
    assert [w.problem for w in dataset.warnings] == [
        Problem(
            f"graduate_surveys.{fmt}",
            "salary_after_eur",
            "above 1,000,000 EUR a year: possible, but check it",
            1,
            at(fmt, [0]),
        ),
        Problem(
            f"emission_factors.{fmt}",
            "kgco2e_per_unit",
            "above 0.52 kg CO2e per unit, 10 times the largest published factor: possible, "
            "but check the unit",
            1,
            at(fmt, [1]),
        ),
    ]


def test_warnings_are_remembered_with_the_verdict(tmp_path, reference_dir):
    frames = with_reference([("graduate_surveys", 0, "salary_after_eur", 1_250_000.0)])
    folder = write_dataset(frames, tmp_path / "data")
    first = load_dataset(folder, reference_dir, reuse_verdict=True).warnings
    again = load_dataset(folder, reference_dir, reuse_verdict=True).warnings
    assert len(first) == 1
    assert again == first


def test_the_validator_prints_warnings_after_the_verdict(tmp_path, reference_dir, capsys):
    frames = with_reference([("graduate_surveys", 0, "salary_before_eur", 2_000_000.0)])
    folder = write_dataset(frames, tmp_path / "data")
    assert validate.main([str(folder), "--reference", str(reference_dir)]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "warning: graduate_surveys.csv: salary_before_eur: above 1,000,000 EUR a year: "
        "possible, but check it: 1 row (line 2)"
    ]


# --- what the data team promised: no column of names, e-mails, phones or addresses ------

PERSONAL_RULE = (
    "its name says it holds a name, e-mail, phone or address, which the data contract "
    "keeps out of every dataset: remove the column from the file"
)
PERSONAL_NAMES = [
    "email", "e_mail", "E-Mail", "eMail", "EMAIL", "email_address", "name", "Name",
    "first_name", "FirstName", "first name", "LAST_NAME", "lastname", "full_name",
    "fullName", "surname", "phone", "phone_number", "PhoneNumber", "Telephone", "address",
    "street_address", "StreetAddress", "Prénom", "nom", "member_name", "post_code",
]  # fmt: skip


@pytest.mark.parametrize("fmt", CSV_QUICK)
@pytest.mark.parametrize("column", PERSONAL_NAMES)
def test_a_column_named_for_personal_data_is_refused(tmp_path, reference_dir, fmt, column):
    frames = make_valid_frames()
    frames["members"][column] = "someone"
    folder = write_dataset(frames, tmp_path / "data", fmt)
    assert problems_in(folder, reference_dir) == [Problem(f"members.{fmt}", column, PERSONAL_RULE)]


@pytest.mark.parametrize(
    "column", ["course_name", "path_name", "country_name", "hostname", "mailing"]
)
def test_a_name_of_a_thing_is_an_ignored_column_not_personal_data(tmp_path, reference_dir, column):
    frames = make_valid_frames()
    frames["course_enrollments"][column] = "x"
    folder = write_dataset(frames, tmp_path / "data")
    dataset = load_dataset(folder, reference_dir)
    assert dataset.ignored == (("course_enrollments.csv", column),)


def test_no_contract_column_is_taken_for_personal_data():
    from helpers.intake import contract
    from helpers.intake.personal_columns import says_personal
    from helpers.intake.rules import CATEGORY_RULES_TABLE

    names = [c for t in (*contract.TABLES, CATEGORY_RULES_TABLE) for c in t.column_names]
    assert [n for n in names if says_personal(n)] == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_other_extra_columns_are_listed_as_ignored_and_never_read(
    tmp_path, reference_dir, fmt, capsys
):
    frames = make_valid_frames()
    # Values that no rule of the contract would accept: never read, they break nothing.
    frames["members"]["favourite_colour"] = ["not a colour", None, "", "1e999", "robot"]
    frames["paths"]["notes"] = ["=cmd|' /C calc'!A0", None, "x"]
    folder = write_dataset(frames, tmp_path / "data", fmt)
    (folder / "dataset.json").write_text('{"synthetic": false, "owner": "data team"}')
    assert validate.main([str(folder), "--reference", str(reference_dir)]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        f"ignored: members.{fmt}: favourite_colour: not in the data contract, never read",
        f"ignored: paths.{fmt}: notes: not in the data contract, never read",
        "ignored: dataset.json: owner: not in the data contract, never read",
    ]
    dataset = load_dataset(folder, reference_dir)
    tables = dataset.query("SELECT table_name, column_name FROM duckdb_columns()")
    assert "favourite_colour" not in set(tables["column_name"])
    assert "notes" not in set(tables["column_name"])


def test_the_csv_loader_keeps_no_value_of_an_extra_column(tmp_path, reference_dir, monkeypatch):
    frames = make_valid_frames()
    frames["members"]["comment"] = "kept nowhere"
    folder = write_dataset(frames, tmp_path / "data")
    seen = []
    original = load.create_typed_relation

    def spy(con, source):
        if source.name == "members":
            seen.append(con.execute(f"DESCRIBE {source.raw}").df()["column_name"].tolist())
        return original(con, source)

    monkeypatch.setattr(load, "create_typed_relation", spy)
    load_dataset(folder, reference_dir)
    assert seen == [["member_id", "registered_at", "country", "gender"]]


# --- the data's own contradictions across tables ----------------------------------------


# (case, cell edits as RULE_CASES, then the one problem expected: table, column, rule, rows)
CONSISTENCY_CASES = [
    ("applied-before-registering", [("applications", 2, "started_at", "2021-06-10")],
     "applications", "started_at", "must be on or after the member's registered_at", [2]),
    ("survey-sent-before-graduation", [("graduate_surveys", 0, "sent_at", "2022-09-01")],
     "graduate_surveys", "sent_at",
     "must be on or after the enrollment's ended_at (the graduation)", [0]),
    ("survey-answered-before-sent", [("graduate_surveys", 0, "responded_at", "2023-03-10")],
     "graduate_surveys", "responded_at", "must be on or after sent_at", [0]),
    ("outcome-of-another-member", [("career_outcomes", 0, "member_id", "m2")],
     "career_outcomes", "member_id", "must equal the member_id of the enrollment it credits", [0]),
    ("budget-of-a-year-without-emissions", [("carbon_budgets", 1, "year", 2021)],
     "carbon_budgets", "team", BUDGET_RULE, [1]),
    ("control-character-in-a-title", [("paths", 1, "title", "Project\x1bmanager")],
     "paths", "title", "must not hold a control character (tab, line break, escape...)", [1]),
    ("tab-in-a-team", [("carbon_activity", 1, "team", "plat\tform")],
     "carbon_activity", "team", "must not hold a control character (tab, line break, escape...)",
     [1]),
]  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "edits, table, column, rule, indexes",
    [case[1:] for case in CONSISTENCY_CASES],
    ids=[case[0] for case in CONSISTENCY_CASES],
)
def test_a_contradiction_between_tables_is_refused(
    tmp_path, reference_dir, fmt, edits, table, column, rule, indexes
):
    folder = write_dataset(edited(edits), tmp_path / "data", fmt)
    assert problems_in(folder, reference_dir) == [
        Problem(f"{table}.{fmt}", column, rule, len(indexes), at(fmt, indexes))
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_event_a_day_early_is_a_warning_not_a_refusal(tmp_path, reference_dir, fmt):
    frames = edited(
        [
            ("graduate_surveys", 0, "responded_at", "2023-03-14"),  # sent 2023-03-15
            ("applications", 3, "started_at", "2022-01-31"),  # m4 registered 2022-02-01
        ]
    )
    dataset = load_dataset(write_dataset(frames, tmp_path / "data", fmt), reference_dir)
    early = [w for w in dataset.warnings if w.kind == "date_early"]
    assert [(w.file, w.column, w.count, w.rows, w.rule) for w in early] == [
        (f"applications.{fmt}", "started_at", 1, at(fmt, [3]),
         "must be on or after the member's registered_at"),
        (f"graduate_surveys.{fmt}", "responded_at", 1, at(fmt, [0]), "must be on or after sent_at"),
    ]  # fmt: skip
    assert "1 day early at most" in str(early[0].problem)


@pytest.mark.parametrize("fmt", FORMATS)
def test_exact_duplicate_carbon_rows_are_refused(tmp_path, reference_dir, fmt):
    frames = make_valid_frames()
    carbon = frames["carbon_activity"]
    frames["carbon_activity"] = pd.concat([carbon, carbon.iloc[[1]]], ignore_index=True)
    folder = write_dataset(frames, tmp_path / "data", fmt)
    assert problems_in(folder, reference_dir) == [
        Problem(
            f"carbon_activity.{fmt}",
            "every column",
            "must not repeat a row exactly: a copied row counts its quantity twice",
            2,
            at(fmt, [1, 3]),
        )
    ]


def test_rows_differing_in_one_value_are_not_duplicates(tmp_path, reference_dir):
    frames = make_valid_frames()
    carbon = frames["carbon_activity"]
    copy = carbon.iloc[[1]].copy()
    copy["activity_value"] = 20000.5
    frames["carbon_activity"] = pd.concat([carbon, copy], ignore_index=True)
    assert load_dataset(write_dataset(frames, tmp_path / "data"), reference_dir).has(
        "carbon_activity"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_required_table_without_rows_is_refused(tmp_path, reference_dir, fmt):
    frames = make_valid_frames()
    frames["career_outcomes"] = frames["career_outcomes"].iloc[0:0]
    folder = write_dataset(frames, tmp_path / "data", fmt)
    assert problems_in(folder, reference_dir) == [
        Problem(
            f"career_outcomes.{fmt}", "", "holds no row: a required table must hold at least one"
        )
    ]


def test_an_optional_table_without_rows_is_accepted(tmp_path, reference_dir):
    frames = make_valid_frames()
    frames["mentors"] = frames["mentors"].iloc[0:0]
    frames["enrollments"]["mentor_id"] = None
    assert load_dataset(write_dataset(frames, tmp_path / "data"), reference_dir).has("mentors")


MONTHS_RULE = (
    "must have rows for every month of each year dataset.json declares, up to the extraction date"
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_month_missing_from_a_declared_year_is_refused(tmp_path, reference_dir, fmt):
    frames = whole_year(make_valid_frames(), 2022)
    traffic = frames["monthly_traffic"]
    frames["monthly_traffic"] = traffic[traffic["month"] != "2022-07-01"]
    folder = write_dataset(frames, tmp_path / "data", fmt)
    describe(folder, years=[2022], extraction_date="2023-04-01")
    assert problems_in(folder, reference_dir) == [
        Problem(f"monthly_traffic.{fmt}", "month", f"{MONTHS_RULE}: 1 month without any (2022-07)")
    ]


def test_months_after_the_extraction_date_may_be_missing(tmp_path, reference_dir):
    frames = whole_year(make_valid_frames(), 2022)
    for table in ("monthly_traffic", "carbon_activity"):
        frames[table] = frames[table][frames[table]["month"] < "2022-10-01"]
    # September ended on the 30th: it must be there; October has not ended.
    folder = describe(
        write_dataset(frames, tmp_path / "data"), years=[2022], extraction_date="2022-10-20"
    )
    frames["graduate_surveys"]["sent_at"] = "2022-10-15"
    frames["graduate_surveys"]["responded_at"] = "2022-10-16"
    frames["career_outcomes"].loc[0, "declared_at"] = "2022-10-01"
    write_dataset(frames, folder)
    assert load_dataset(folder, reference_dir).meta["years"] == [2022]


def test_a_declared_year_without_rows_is_refused(tmp_path, reference_dir):
    folder = write_dataset(whole_year(make_valid_frames(), 2022), tmp_path / "data")
    describe(folder, years=[2019, 2022], extraction_date="2023-04-01")
    assert problems_in(folder, reference_dir) == [
        Problem("dataset.json", "years", "declares 2019, but no table holds a row dated in 2019")
    ]


SPELLINGS = [
    ("trailing space", "platform "),
    ("zero-width space", "plat\u200bform"),
    ("compatibility form", "ｐｌａｔｆｏｒｍ"),
    ("byte-order mark first", "\ufeffplatform"),
    ("no-break space last", "platform\u00a0"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("other", [s for _, s in SPELLINGS], ids=[n for n, _ in SPELLINGS])
def test_two_spellings_of_one_team_are_refused_naming_both(tmp_path, reference_dir, fmt, other):
    frames = edited([("carbon_activity", 2, "team", other)])
    folder = write_dataset(frames, tmp_path / "data", fmt)
    [problem] = problems_in(folder, reference_dir)
    assert (problem.file, problem.column, problem.count, problem.rows) == (
        f"carbon_activity.{fmt}", "team", 1, at(fmt, [2]),
    )  # fmt: skip
    assert problem.rule.startswith(f"{consistency.visible(other)} and 'platform' read as one name")
    assert "\u200b" not in str(problem)  # shown as an escape


def test_a_budget_spelling_a_team_otherwise_is_refused_on_the_budget(tmp_path, reference_dir):
    frames = edited([("carbon_budgets", 0, "team", "workplace\u200b")])
    folder = write_dataset(frames, tmp_path / "data")
    problems = problems_in(folder, reference_dir)
    assert [(p.file, p.column, p.rows) for p in problems] == [
        ("carbon_budgets.csv", "team", (2,)),  # no emissions under that spelling
        ("carbon_budgets.csv", "team", (2,)),  # and the spelling itself
    ]
    assert problems[1].rule.startswith("'workplace\\u200b' and 'workplace' read as one name")


def test_a_name_that_reads_as_nothing_is_refused(tmp_path, reference_dir):
    frames = edited([("enrollments", 0, "funder", "\u200b ")])
    folder = write_dataset(frames, tmp_path / "data")
    assert problems_in(folder, reference_dir) == [
        Problem("enrollments.csv", "funder", consistency.BLANK_RULE, 1, (2,))
    ]


def test_names_are_keyed_on_what_they_read_as():
    assert consistency.name_key(" Ｃｏｎｔｅｎｔ\u200b  team\ufeff ") == "Content team"
    assert consistency.name_key("content") != consistency.name_key("Content")
    assert consistency.visible("a\u200bb\tc") == "'a\\u200bb\\u0009c'"

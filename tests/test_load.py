"""What load_dataset returns for a valid dataset, the fingerprint, the problem lines and
the command line; the bad-input corpus is in test_validation_corpus.py."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from babel import Locale
from conftest import (
    edit_in_place,
    make_reference_frames,
    make_valid_frames,
    write_dataset,
    write_reference,
)

from helpers import validate
from helpers.core.paths import REFERENCE_DIR, ROOT
from helpers.intake import contract, load, rule_checks, sources
from helpers.intake.fingerprint import dataset_fingerprint
from helpers.intake.load import ContractError, Problem, load_dataset
from helpers.intake.rules import COUNTRIES_FILE

pytestmark = pytest.mark.usefixtures("isolated_cache")

FORMATS = ["csv", "parquet"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_table_has_exactly_the_contract_columns_and_types(tmp_path, reference_dir, fmt):
    dataset = load_dataset(
        write_dataset(make_valid_frames(), tmp_path / "data", fmt), reference_dir
    )
    for table in contract.TABLES:
        described = dataset.con.execute(f'DESCRIBE "{table.name}"').fetchall()
        assert [(name, kind) for name, kind, *_ in described] == [
            (c.name, c.duckdb_type) for c in table.columns
        ], table.name


@pytest.mark.parametrize("fmt", FORMATS)
def test_values_read_as_written(tmp_path, reference_dir, fmt):
    dataset = load_dataset(
        write_dataset(make_valid_frames(), tmp_path / "data", fmt), reference_dir
    )
    assert dataset.scalar(
        "SELECT decided_at FROM applications WHERE application_id = 'a1'"
    ) == date(2021, 9, 20)
    assert dataset.scalar("SELECT count(*) FROM applications WHERE submitted_at IS NULL") == 1
    # 1000 + 500 + 1100 + 50 visitors in the four rows of monthly_traffic.
    assert dataset.scalar("SELECT sum(visitors) FROM monthly_traffic") == 2650
    survey = dataset.query(
        "SELECT employed_within_6_months, salary_after_eur FROM graduate_surveys"
    )
    assert survey.iloc[0].tolist() == [True, 32500.5]
    assert dataset.scalar("SELECT count(*) FROM mentors WHERE disability_trained") == 1


def test_the_valid_dataset_loads_with_the_shipped_reference_tables(tmp_path):
    dataset = load_dataset(write_dataset(make_valid_frames(), tmp_path / "data"))
    assert dataset.scalar("SELECT count(*) FROM targets") > 0
    assert (
        dataset.scalar(
            "SELECT unit FROM emission_factors WHERE emission_factor_id = 'electricity_fr'"
        )
        == "kWh"
    )


def test_the_time_of_a_csv_timestamp_is_dropped(tmp_path, reference_dir):
    frames = make_valid_frames()
    frames["applications"].loc[0, "decided_at"] = "2021-09-20T14:30:00"
    frames["applications"].loc[1, "decided_at"] = "2021-10-15 23:30:00+02:00"
    dataset = load_dataset(write_dataset(frames, tmp_path / "data"), reference_dir)
    decided = dataset.con.execute(
        "SELECT decided_at FROM applications ORDER BY application_id LIMIT 2"
    ).fetchall()
    assert decided == [(date(2021, 9, 20),), (date(2021, 10, 15),)]


def test_parquet_columns_of_compatible_types_are_read(tmp_path, reference_dir):
    folder = write_dataset(make_valid_frames(), tmp_path / "data", "parquet")
    paris = timezone(timedelta(hours=1))
    # 00:30 in Paris on 10 January is 23:30 UTC on the 9th: the date is the one in Paris.
    registered = [datetime(2021, 1, 10, 0, 30, tzinfo=paris)] + [
        datetime(2021, 3, 5, 12, 0, tzinfo=paris)
    ] * 4
    members = pa.table(
        {
            "member_id": pa.array(["m1", "m2", "m3", "m4", "m5"]).dictionary_encode(),
            "registered_at": pa.array(registered, pa.timestamp("ns", tz="Europe/Paris")),
            "country": pa.array(["FR", "GB", "ZZ", "SN", "FR"], pa.large_string()),
            "gender": pa.array(["female", "male", "other", "unknown", "female"]),
        }
    )
    pq.write_table(members, folder / "members.parquet")
    traffic = pq.read_table(folder / "monthly_traffic.parquet")
    traffic = traffic.set_column(2, "visitors", traffic["visitors"].cast(pa.float64()))
    traffic = traffic.set_column(3, "active_members", traffic["active_members"].cast(pa.int32()))
    traffic = traffic.set_column(
        0, "month", pa.array(["2022-01-01", "2022-01-01", "2022-02-01", "2022-02-01"])
    )
    pq.write_table(traffic, folder / "monthly_traffic.parquet")

    dataset = load_dataset(folder, reference_dir)
    assert dataset.scalar("SELECT registered_at FROM members WHERE member_id = 'm1'") == date(
        2021, 1, 10
    )
    assert dataset.scalar("SELECT sum(visitors) FROM monthly_traffic") == 2650
    assert dataset.scalar("SELECT min(month) FROM monthly_traffic") == date(2022, 1, 1)


def test_files_and_columns_outside_the_contract_are_ignored(tmp_path, reference_dir):
    frames = make_valid_frames()
    frames["members"]["comment"] = "free text"
    folder = write_dataset(frames, tmp_path / "data")
    (folder / "README.md").write_text("a delivery\n")
    (folder / "_stamp.json").write_text("{}")
    (folder / "category_rules.csv").write_text("not,a,contract,table\n")
    dataset = load_dataset(folder, reference_dir)
    columns = dataset.query("DESCRIBE members")["column_name"].tolist()
    assert columns == ["member_id", "registered_at", "country", "gender"]


def test_meta_comes_from_dataset_json(tmp_path, reference_dir):
    folder = write_dataset(make_valid_frames(), tmp_path / "data")
    (folder / "dataset.json").write_text(json.dumps({"synthetic": True, "seed": 7, "scale": 1}))
    dataset = load_dataset(folder, reference_dir)
    assert dataset.meta == {"synthetic": True, "seed": 7, "scale": 1}
    assert dataset.synthetic


def test_a_dataset_without_dataset_json_has_empty_meta(tmp_path, reference_dir):
    dataset = load_dataset(write_dataset(make_valid_frames(), tmp_path / "data"), reference_dir)
    assert dataset.meta == {}
    assert not dataset.synthetic


def test_a_broken_dataset_json_is_a_problem(tmp_path, reference_dir):
    folder = write_dataset(make_valid_frames(), tmp_path / "data")
    (folder / "dataset.json").write_text("[1, 2]")
    with pytest.raises(ContractError) as caught:
        load_dataset(folder, reference_dir)
    assert caught.value.problems == [Problem("dataset.json", "", "must hold a JSON object")]


def test_the_dataset_s_own_reference_tables_replace_the_shipped_ones(tmp_path, reference_dir):
    own = make_reference_frames()["emission_factors"]
    own.loc[0, "kgco2e_per_unit"] = 0.1
    folder = write_dataset({**make_valid_frames(), "emission_factors": own}, tmp_path / "data")
    dataset = load_dataset(folder, reference_dir)
    factors = dict(
        dataset.con.execute(
            "SELECT emission_factor_id, kgco2e_per_unit FROM emission_factors"
        ).fetchall()
    )
    assert factors == {"electricity_fr": 0.1, "data_transfer_fr": 0.0065}
    # carbon_prices is not in the dataset: the shipped table (test values 80 and 100) is used.
    assert dataset.scalar("SELECT eur_per_tco2e FROM carbon_prices WHERE year = 2021") == 80.0


def test_category_rules_come_from_the_reference_folder(tmp_path, reference_dir):
    dataset = load_dataset(write_dataset(make_valid_frames(), tmp_path / "data"), reference_dir)
    with (REFERENCE_DIR / "category_rules.csv").open(encoding="utf-8") as f:
        expected = len(list(csv.DictReader(f)))
    assert dataset.scalar("SELECT count(*) FROM category_rules") == expected
    # job_seekers is defined the same way in every year: both ends are open.
    assert (
        dataset.query(
            "SELECT first_year, last_year FROM category_rules WHERE category = 'job_seekers'"
        )
        .isna()
        .all(axis=None)
    )


def test_source_and_fingerprint_describe_the_folder(tmp_path, reference_dir):
    folder = write_dataset(make_valid_frames(), tmp_path / "data")
    dataset = load_dataset(folder, reference_dir)
    assert dataset.source == folder.resolve()
    assert dataset.fingerprint == dataset_fingerprint(folder, reference_dir)
    assert len(dataset.fingerprint) == 16


def test_only_contract_tables_remain_in_the_connection(tmp_path, reference_dir):
    dataset = load_dataset(write_dataset(make_valid_frames(), tmp_path / "data"), reference_dir)
    names = {
        name for (name,) in dataset.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    }
    names |= {
        name
        for (name,) in dataset.con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    }
    assert names == {t.name for t in contract.TABLES} | {"category_rules"}


def test_a_problem_names_csv_lines_and_parquet_rows():
    assert str(Problem("members.csv", "gender", "must be one of female, male", 1, (4,))) == (
        "members.csv: gender: must be one of female, male: 1 row (line 4)"
    )
    assert str(
        Problem("enrollments.parquet", "application_id", "must refer to x", 7, (1, 5, 8, 13, 21))
    ) == (
        "enrollments.parquet: application_id: must refer to x: 7 rows (rows 1, 5, 8, 13, 21, ...)"
    )
    assert (
        str(Problem("paths", "", "required table is missing")) == "paths: required table is missing"
    )


def test_a_contract_error_reads_one_line_per_problem():
    error = ContractError(
        [Problem("a.csv", "x", "must be unique", 2, (2, 3)), Problem("b", "", "is missing")]
    )
    assert str(error) == "a.csv: x: must be unique: 2 rows (lines 2, 3)\nb: is missing"


def test_countries_are_the_249_iso_codes_with_babel_names():
    with COUNTRIES_FILE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    codes = [r["code"] for r in rows]
    assert len(codes) == 249 == len(set(codes))
    assert codes == sorted(codes)
    assert "ZZ" not in codes and {"FR", "GB", "SN", "CI", "US"} <= set(codes)
    # Territories that CLDR names but ISO 3166-1 does not assign.
    assert not {"XK", "EU", "UN", "AC", "IC"} & set(codes)
    english, french = Locale("en").territories, Locale("fr").territories
    assert all(
        r["name_en"] == english[r["code"]] and r["name_fr"] == french[r["code"]] for r in rows
    )


class TestFingerprint:
    def test_copies_of_the_same_files_share_it(self, tmp_path, reference_dir):
        first = write_dataset(make_valid_frames(), tmp_path / "first", "parquet")
        second = shutil.copytree(first, tmp_path / "elsewhere" / "second")
        assert dataset_fingerprint(first, reference_dir) == dataset_fingerprint(
            second, reference_dir
        )

    def test_one_changed_byte_changes_it(self, tmp_path, reference_dir):
        folder = write_dataset(make_valid_frames(), tmp_path / "data")
        before = dataset_fingerprint(folder, reference_dir)
        text = (folder / "paths.csv").read_text()
        (folder / "paths.csv").write_text(text.replace("Data analyst", "Data analysT"))
        assert dataset_fingerprint(folder, reference_dir) != before

    def test_it_covers_the_reference_tables_in_effect(self, tmp_path, reference_dir):
        folder = write_dataset(make_valid_frames(), tmp_path / "data")
        shipped = dataset_fingerprint(folder, reference_dir)
        shutil.copy(reference_dir / "targets.csv", folder / "targets.csv")
        assert dataset_fingerprint(folder, reference_dir) == shipped  # same bytes, same data
        targets = make_reference_frames()["targets"]
        targets.loc[0, "threshold"] = 0.65
        write_dataset({"targets": targets}, folder)
        assert dataset_fingerprint(folder, reference_dir) != shipped

    def test_files_outside_the_contract_do_not_count(self, tmp_path, reference_dir):
        folder = write_dataset(make_valid_frames(), tmp_path / "data")
        before = dataset_fingerprint(folder, reference_dir)
        (folder / "README.md").write_text("notes")
        (folder / "dataset.json").write_text("{}")
        assert dataset_fingerprint(folder, reference_dir) == before

    def test_an_edit_keeping_size_and_time_changes_it(self, tmp_path, reference_dir):
        folder = write_dataset(make_valid_frames(), tmp_path / "data")
        before = dataset_fingerprint(folder, reference_dir)
        edit_in_place(folder / "paths.csv", "Data analyst", "Data analysT")
        assert dataset_fingerprint(folder, reference_dir) != before

    def test_nothing_is_remembered_between_calls(self, tmp_path, reference_dir, isolated_cache):
        folder = write_dataset(make_valid_frames(), tmp_path / "data")
        dataset_fingerprint(folder, reference_dir)
        assert not any(isolated_cache.rglob("*"))

    def test_the_dataset_folder_is_never_written(self, tmp_path, reference_dir):
        folder = write_dataset(make_valid_frames(), tmp_path / "data")
        before = sorted(p.name for p in folder.iterdir())
        load_dataset(folder, reference_dir)
        assert sorted(p.name for p in folder.iterdir()) == before


class TestCommandLine:
    def test_a_valid_dataset_gets_a_verdict_and_status_0(self, tmp_path, reference_dir, capsys):
        folder = write_dataset(make_valid_frames(), tmp_path / "data")
        assert validate.main([str(folder), "--reference", str(reference_dir)]) == 0
        # 5 + 4 + 4 + 3 + 6 + 3 + 1 + 2 + 2 + 2 + 3 + 2 + 2 rows in the thirteen tables.
        assert capsys.readouterr().out == "valid: 13 tables, 39 rows\n"

    def test_the_verdict_names_absent_optional_tables(self, tmp_path, reference_dir, capsys):
        frames = make_valid_frames()
        del frames["mentors"], frames["carbon_budgets"], frames["brand_surveys"]
        folder = write_dataset(frames, tmp_path / "data")
        assert validate.main([str(folder), "--reference", str(reference_dir)]) == 0
        assert capsys.readouterr().out == (
            "valid: 10 tables, 33 rows; absent optional: brand_surveys, carbon_budgets, mentors\n"
        )

    def test_broken_rules_are_listed_with_status_1(self, tmp_path, reference_dir, capsys):
        frames = make_valid_frames()
        frames["paths"].loc[1, "language"] = "de"
        folder = write_dataset(frames, tmp_path / "data")
        assert validate.main([str(folder), "--reference", str(reference_dir)]) == 1
        assert capsys.readouterr().out == (
            "paths.csv: language: must be one of fr, en: 1 row (line 3)\ninvalid: 1 broken rule\n"
        )

    def test_a_missing_folder_gets_status_2(self, tmp_path, reference_dir, capsys):
        assert validate.main([str(tmp_path / "nowhere"), "--reference", str(reference_dir)]) == 2
        assert capsys.readouterr().err == f"{tmp_path / 'nowhere'}: no such dataset folder\n"

    def test_the_module_runs_without_a_traceback_for_bad_input(self, tmp_path, reference_dir):
        folder = write_dataset(make_valid_frames(), tmp_path / "data")
        (folder / "members.csv").write_bytes(b"member_id;registered_at;country;gender\n")
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "helpers.validate",
                str(folder),
                "--reference",
                str(reference_dir),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
        )
        assert result.returncode == 1
        assert "Traceback" not in result.stdout + result.stderr
        assert result.stdout.splitlines() == [
            "members.csv: separates its columns with semicolons: the contract asks for commas",
            "invalid: 1 broken rule",
        ]


# --- what statistics and order spare, and the remembered verdict ----------------------


def write_ids(path, chunks: list[list[str | None]], *, statistics: bool = True):
    """A Parquet file of one text column ``id``, one row group per chunk."""
    schema = pa.schema([("id", pa.string())])
    with pq.ParquetWriter(path, schema, write_statistics=statistics) as writer:
        for chunk in chunks:
            writer.write_table(pa.table({"id": pa.array(chunk, pa.string())}, schema=schema))
    return path


@pytest.mark.parametrize(
    "chunks, rising",
    [
        ([["a1", "a2"], ["a3", "b1"]], True),
        ([["a1", "a2"], ["a2", "a3"]], False),  # the same value across row groups
        ([["a1", "a3", "a2"]], False),  # out of order within a row group
        ([["a3", "a4"], ["a1", "a2"]], False),  # row groups out of order
        ([["a1", None, "a2"]], False),
        ([[]], True),
    ],
)
def test_a_key_rises_strictly_only_when_each_value_exceeds_the_one_before(tmp_path, chunks, rising):
    assert rule_checks.rises_strictly(write_ids(tmp_path / "ids.parquet", chunks), "id") is rising


def test_values_are_compared_across_streamed_batches(tmp_path, monkeypatch):
    monkeypatch.setattr(rule_checks, "KEY_BATCH_ROWS", 2)
    path = write_ids(tmp_path / "ids.parquet", [["a1", "a2", "a2", "a3"]])
    assert rule_checks.rises_strictly(path, "id") is False


def test_statistics_prove_only_columns_without_nulls(tmp_path):
    with_nulls = write_ids(tmp_path / "a.parquet", [["a1"], [None]])
    without = write_ids(tmp_path / "b.parquet", [["a1"], ["a2"]])
    unknown = write_ids(tmp_path / "c.parquet", [["a1"]], statistics=False)
    assert sources.columns_without_nulls(pq.read_metadata(with_nulls)) == frozenset()
    assert sources.columns_without_nulls(pq.read_metadata(without)) == {"id"}
    assert sources.columns_without_nulls(pq.read_metadata(unknown)) == frozenset()


def test_a_null_is_found_in_a_parquet_file_without_statistics(tmp_path, reference_dir):
    frames = make_valid_frames()
    frames["members"].loc[2, "registered_at"] = None
    folder = write_dataset(frames, tmp_path / "data", "parquet")
    table = pq.read_table(folder / "members.parquet")
    pq.write_table(table, folder / "members.parquet", write_statistics=False)
    with pytest.raises(ContractError) as caught:
        load_dataset(folder, reference_dir)
    assert caught.value.problems == [
        Problem("members.parquet", "registered_at", "must not be null", 1, (3,))
    ]


def test_a_duplicate_between_row_groups_of_an_ordered_key_is_found(tmp_path, reference_dir):
    folder = write_dataset(make_valid_frames(), tmp_path / "data", "parquet")
    table = pq.read_table(folder / "members.parquet")
    # m1 m2 | m2 m3 m4 m5: in order, but m2 twice, once in each row group.
    doubled = pa.concat_tables([table.slice(0, 2), table.slice(1)])
    pq.write_table(doubled, folder / "members.parquet", row_group_size=2)
    with pytest.raises(ContractError) as caught:
        load_dataset(folder, reference_dir)
    assert caught.value.problems == [
        Problem("members.parquet", "member_id", "must be unique", 2, (2, 3))
    ]


def test_a_remembered_verdict_spares_the_rules_until_the_data_changes(
    tmp_path, reference_dir, monkeypatch
):
    folder = write_dataset(make_valid_frames(), tmp_path / "data", "parquet")
    assert not load.is_remembered_valid(folder, reference_dir)
    load_dataset(folder, reference_dir, reuse_verdict=True)
    assert load.is_remembered_valid(folder, reference_dir)

    def refuse(*args, **kwargs):
        raise AssertionError("the rules ran again")

    with monkeypatch.context() as patched:
        patched.setattr(rule_checks, "rule_findings", refuse)
        dataset = load_dataset(folder, reference_dir, reuse_verdict=True)
        assert dataset.scalar("SELECT count(*) FROM members") == 5

    frames = make_valid_frames()
    frames["members"].loc[0, "gender"] = "robot"
    write_dataset(frames, folder, "parquet")
    assert not load.is_remembered_valid(folder, reference_dir)
    with pytest.raises(ContractError):
        load_dataset(folder, reference_dir, reuse_verdict=True)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_edit_keeping_size_and_time_is_refused_despite_the_remembered_verdict(
    tmp_path, reference_dir, fmt
):
    folder = write_dataset(make_valid_frames(), tmp_path / "data", fmt)
    load_dataset(folder, reference_dir, reuse_verdict=True)
    assert load.is_remembered_valid(folder, reference_dir)
    # "female" and "robot!" have the same length, in CSV as in Parquet's plain encoding.
    edit_in_place(folder / f"members.{fmt}", "female", "robot!")
    assert not load.is_remembered_valid(folder, reference_dir)
    with pytest.raises(ContractError) as caught:
        load_dataset(folder, reference_dir, reuse_verdict=True)
    assert [(p.column, p.rule) for p in caught.value.problems] == [
        ("gender", "must be one of female, male, other, unknown")
    ]


def test_a_remembered_verdict_depends_on_the_dataset_description(tmp_path, reference_dir):
    folder = write_dataset(make_valid_frames(), tmp_path / "data")
    (folder / "dataset.json").write_text('{"synthetic": true}')
    load_dataset(folder, reference_dir)
    assert load.is_remembered_valid(folder, reference_dir)
    (folder / "dataset.json").write_text('{"synthetic": false}')
    assert not load.is_remembered_valid(folder, reference_dir)


def test_without_reuse_a_remembered_verdict_is_ignored(tmp_path, reference_dir, monkeypatch):
    folder = write_dataset(make_valid_frames(), tmp_path / "data")
    load_dataset(folder, reference_dir)
    assert load.is_remembered_valid(folder, reference_dir)
    calls = []
    checked = rule_checks.rule_findings
    monkeypatch.setattr(rule_checks, "rule_findings", lambda *a: calls.append(1) or checked(*a))
    load_dataset(folder, reference_dir)
    assert calls


def test_a_year_the_consumer_price_index_lacks_is_a_data_quality_warning(tmp_path):
    # The valid dataset's salary answers are of 2023; an index that stops in 2022 cannot
    # put the salaries before in 2023 euros.
    frames = make_reference_frames()
    frames["consumer_prices"] = frames["consumer_prices"][frames["consumer_prices"]["year"] < 2023]
    reference = write_reference(tmp_path / "reference", frames)
    ds = load_dataset(write_dataset(make_valid_frames(), tmp_path / "data"), reference)
    missing = [w for w in ds.warnings if w.kind == "price_year_missing"]
    assert [(w.column, int(w.limit), w.count) for w in missing] == [("year", 2023, 1)]

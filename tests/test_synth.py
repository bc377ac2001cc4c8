"""The synthetic dataset generator: determinism, contract, volumes, marker, building blocks.

Whole datasets are generated at scale 0.01 (about a second each); the building blocks
are tested on small hand-made inputs.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from helpers.core.paths import REFERENCE_DIR
from helpers.intake import contract
from helpers.intake.load import load_dataset
from helpers.synth import allocation, ensure_dataset, generate_dataset, geography, stamp
from helpers.synth import generate as generate_module
from helpers.synth.carbon import carbon_activity
from helpers.synth.categories import CATEGORIES, CategoryRules, draw_answers
from helpers.synth.draws import AffineSample, largest_remainder
from helpers.synth.ids import format_ids
from helpers.synth.people import build_member_space
from helpers.synth.plan import Plan
from helpers.synth.writer import arrow_schema

SCALE = 0.01
SEED = 2024


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "data"
    generate_dataset(out, scale=SCALE, seed=SEED)
    return out


def _query(folder: Path, sql: str) -> list[tuple]:
    con = duckdb.connect()
    for table in contract.DATASET_TABLES:
        con.execute(
            f"CREATE VIEW {table.name} AS SELECT * FROM read_parquet('{folder / table.name}.parquet')"
        )
    return con.execute(sql).fetchall()


def test_same_seed_and_scale_give_the_same_bytes(small: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate_dataset(again, scale=SCALE, seed=SEED)
    names = sorted(p.name for p in small.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert (small / name).read_bytes() == (again / name).read_bytes(), name


def test_another_seed_gives_other_data(small: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate_dataset(other, scale=SCALE, seed=SEED + 1)
    assert (small / "applications.parquet").read_bytes() != (
        other / "applications.parquet"
    ).read_bytes()


def test_the_validator_accepts_the_generated_dataset(small: Path) -> None:
    dataset = load_dataset(small)
    assert dataset.present == frozenset(t.name for t in contract.DATASET_TABLES)


def test_every_table_has_the_contract_types(small: Path) -> None:
    for table in contract.DATASET_TABLES:
        schema = pq.read_schema(small / f"{table.name}.parquet")
        assert schema.names == list(table.column_names), table.name
        expected = arrow_schema(table.name)
        assert [f.type for f in schema] == [f.type for f in expected], table.name


def test_the_marker_says_the_data_is_synthetic(small: Path) -> None:
    marker = json.loads((small / "dataset.json").read_text())
    assert marker["synthetic"] is True
    assert marker["generator"] == "helpers.synth"
    assert (marker["seed"], marker["scale"]) == (SEED, SCALE)
    assert marker["years"] == [2019, 2020, 2021, 2022, 2023]
    assert "synthetic" in marker["description"].lower()
    assert load_dataset(small).synthetic


def test_volumes_follow_the_scale(small: Path, tmp_path: Path) -> None:
    plan = Plan.load(SCALE)
    rows = _query(
        small,
        "SELECT year(started_at) y, count(*) FROM enrollments GROUP BY y HAVING y >= 2019 ORDER BY y",
    )
    assert rows == [(y, plan.students_started(y)) for y in plan.years]
    courses = _query(small, "SELECT count(*) FROM course_enrollments WHERE year(started_at) = 2022")
    assert courses[0][0] == plan.count(2022, "courses_started") == 22039

    double = tmp_path / "double"
    generate_dataset(double, scale=2 * SCALE, seed=SEED)
    for table in ("course_enrollments", "applications", "members", "career_outcomes"):
        small_rows = pq.read_metadata(small / f"{table}.parquet").num_rows
        double_rows = pq.read_metadata(double / f"{table}.parquet").num_rows
        assert double_rows / small_rows == pytest.approx(2, rel=0.1), table


def test_ensure_reuses_a_matching_folder_and_regenerates_otherwise(tmp_path: Path) -> None:
    out = tmp_path / "data"
    assert ensure_dataset(out, scale=SCALE, seed=SEED).generated
    assert not ensure_dataset(out, scale=SCALE, seed=SEED).generated
    assert json.loads((out / "_stamp.json").read_text()) == stamp(SCALE, SEED)
    assert ensure_dataset(out, scale=SCALE, seed=SEED + 1).generated
    assert json.loads((out / "dataset.json").read_text())["seed"] == SEED + 1


def test_an_interrupted_run_leaves_no_dataset_behind(tmp_path: Path, monkeypatch) -> None:
    def fail(*args, **kwargs):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(generate_module, "_carbon", fail)
    with pytest.raises(RuntimeError, match="interrupted"):
        generate_dataset(tmp_path / "data", scale=SCALE, seed=SEED)
    assert list(tmp_path.iterdir()) == []


def test_some_declarations_are_removed_by_the_one_a_year_rule(small: Path) -> None:
    # A declaration less than 365 days after another of the same member does not count.
    repeats = _query(
        small,
        """
        SELECT count(*) FROM (
            SELECT declared_at - lag(declared_at) OVER (
                PARTITION BY member_id ORDER BY declared_at, career_outcome_id) AS gap
            FROM career_outcomes)
        WHERE gap < 365
        """,
    )
    assert repeats[0][0] > 0
    sources = dict(
        _query(small, "SELECT enrollment_id IS NULL, count(*) FROM career_outcomes GROUP BY 1")
    )
    assert sources[True] > sources[False] > 0  # free members declare more than students


def test_carbon_rows_use_the_reference_factors_and_units(small: Path) -> None:
    factors = pd.read_csv(REFERENCE_DIR / "emission_factors.csv")
    rows = _query(small, "SELECT DISTINCT emission_factor_id, activity_unit FROM carbon_activity")
    unit = dict(zip(factors["emission_factor_id"], factors["unit"], strict=True))
    assert rows and all(unit[f] == u for f, u in rows)
    categories = {r[0] for r in _query(small, "SELECT DISTINCT category FROM carbon_activity")}
    assert categories == {
        "cloud_hosting", "video_delivery", "end_user_devices", "office_energy",
        "commuting", "business_travel", "purchased_services",
    }  # fmt: skip


def test_carbon_activity_adds_up_to_the_wanted_emissions() -> None:
    factors = pd.read_csv(REFERENCE_DIR / "emission_factors.csv")
    rows = carbon_activity(2022, platform_kg=500_000.0, paid_kg=300_000.0, factors=factors)
    kg = rows["activity_value"] * rows["emission_factor_id"].map(
        factors.set_index("emission_factor_id")["kgco2e_per_unit"]
    )
    by_allocation = kg.groupby(rows["allocation"]).sum()
    assert by_allocation["platform"] == pytest.approx(500_000.0)
    assert by_allocation["paid_programmes"] == pytest.approx(300_000.0)
    devices = rows[rows["category"] == "end_user_devices"]["activity_value"]
    assert (devices == devices.round()).all()
    assert set(rows["scope"]) == {1, 2, 3}


def test_structure_is_not_uniform(small: Path) -> None:
    countries = _query(
        small, "SELECT country, count(*) c FROM members GROUP BY 1 ORDER BY c DESC LIMIT 3"
    )
    assert countries[0][0] == "FR"
    path_months = _query(
        small,
        "SELECT min(date_diff('month', started_at, expected_end_at)), "
        "max(date_diff('month', started_at, expected_end_at)) FROM enrollments",
    )
    assert path_months[0] == (6, 18)
    sizes = {r[0] for r in _query(small, "SELECT DISTINCT size_band FROM companies")}
    assert sizes == {"micro", "sme", "mid", "large"}
    by_month = dict(
        _query(small, "SELECT month(started_at), count(*) FROM course_enrollments GROUP BY 1")
    )
    assert by_month[10] > 1.4 * by_month[8]  # autumn term against the summer


def test_the_before_side_depends_on_the_status_at_application(small: Path) -> None:
    rows = _query(
        small,
        """
        SELECT a.employment_status,
               avg(CASE WHEN s.salary_before_eur IS NOT NULL THEN 1 ELSE 0 END) AS with_pay,
               avg(CASE WHEN s.employed_within_6_months THEN 1 ELSE 0 END) AS employed_after
        FROM graduate_surveys s
        JOIN enrollments e USING (enrollment_id)
        JOIN applications a USING (application_id)
        WHERE s.responded_at IS NOT NULL
        GROUP BY 1
        """,
    )
    by_status = {status: (pay, after) for status, pay, after in rows}
    # Everyone employed gives a salary before, few students do.
    assert by_status["employed"][0] == 1.0
    assert by_status["student"][0] < 0.4 < by_status["job_seeker"][0]
    # Having a job at application makes one more likely to have one after.
    assert by_status["employed"][1] > by_status["job_seeker"][1]
    changes = _query(
        small,
        "SELECT avg(CASE WHEN salary_after_eur > salary_before_eur THEN 1 ELSE 0 END), "
        "min(salary_after_eur - salary_before_eur) FROM graduate_surveys "
        "WHERE salary_before_eur IS NOT NULL AND salary_after_eur IS NOT NULL",
    )[0]
    # Mostly rises, not only.
    assert 0.6 < changes[0] < 0.95 and changes[1] < 0


def test_most_teams_keep_to_their_carbon_budget(small: Path) -> None:
    rows = _query(
        small,
        """
        WITH emitted AS (
            SELECT year(c.month) AS year, c.team,
                   sum(c.activity_value * f.kgco2e_per_unit) / 1000 AS tonnes
            FROM carbon_activity c
            JOIN read_csv_auto('%s') f USING (emission_factor_id)
            GROUP BY 1, 2
        )
        SELECT b.year, count(*) FILTER (WHERE e.tonnes > b.budget_tco2e), count(*)
        FROM carbon_budgets b JOIN emitted e USING (year, team)
        GROUP BY 1 ORDER BY 1
        """
        % (REFERENCE_DIR / "emission_factors.csv"),
    )
    assert [year for year, _, _ in rows] == [2021, 2022, 2023]
    for _, over, teams in rows:
        assert 0 < over < teams / 2


def test_the_brand_survey_gives_the_2021_reports_figures(small: Path) -> None:
    """The published awareness and consideration figures, computed by the KPI metrics."""
    from helpers.figures.metrics import levers
    from helpers.figures.run_data import shipped_published

    ds = load_dataset(small)
    published = shipped_published()
    rows = published[
        published["metric"].isin(["brand_awareness_share", "brand_consideration_share"])
    ]
    rows = rows[rows["kind"] == "actual"]
    assert len(rows) == 8
    for row in rows.itertuples():
        compute = getattr(levers, f"compute_{row.metric}")
        frame = compute(ds, int(row.year), 10)
        value = frame.loc[frame["segment"] == row.segment, "value"].iloc[0]
        assert value == pytest.approx(float(row.value)), (row.year, row.metric, row.segment)


# -- building blocks ----------------------------------------------------------------------


def test_integer_composition_meets_overlapping_targets_exactly() -> None:
    # Three categories over 8 cells; the last row is the cell in no category.
    cells = np.arange(8)
    membership = np.vstack([(cells >> c) & 1 for c in range(3)] + [cells == 0]).astype(bool)
    targets = np.array([70.0, 36.0, 6.0, 21.0])
    weights = allocation.rake_composition(np.ones(8), membership, targets, 100)
    counts = allocation.integer_composition(weights, 100, membership, targets, np.full(4, 0.5))
    assert counts.sum() == 100
    assert (membership @ counts).tolist() == [70, 36, 6, 21]


def test_integer_selection_meets_segment_rates() -> None:
    capacity = np.array([40, 60, 30, 10])
    membership = np.array([[1, 1, 1, 1], [1, 0, 1, 0], [0, 0, 1, 1]], dtype=bool)
    wanted = np.array([0.5, 0.6, 0.25]) * (membership @ capacity)
    rates = allocation.rake_rates(capacity, membership, np.array([0.5, 0.6, 0.25]), np.full(4, 0.5))
    chosen = allocation.integer_selection(
        capacity, rates * capacity, membership, wanted, np.full(3, 0.5)
    )
    assert (chosen <= capacity).all()
    assert np.abs(membership @ chosen - wanted).max() <= 0.5


def test_integer_rows_split_each_cell_and_respect_forbidden_types() -> None:
    sizes = np.array([50, 50])
    membership = np.array([[True, True], [True, False]])
    targets = np.array([[30.0, 70.0], [np.nan, np.nan]])
    allowed = np.array([[True, True], [False, True]])
    counts = allocation.integer_rows(
        sizes, np.full((2, 2), 25.0), membership, targets, np.full((2, 2), 0.5), allowed
    )
    assert counts.sum(axis=1).tolist() == [50, 50]
    assert counts[1, 0] == 0 and counts[:, 0].sum() == 30


def test_affine_sample_draws_exactly_k_distinct_indices() -> None:
    sample = AffineSample.draw(1000, 137, np.random.default_rng(1))
    assert sorted(sample.position(np.arange(1000)).tolist()) == list(range(1000))
    assert sample.contains(np.arange(1000)).sum() == 137
    assert sample.with_size(500).contains(np.arange(1000)).sum() == 500


def test_largest_remainder_keeps_the_total() -> None:
    assert largest_remainder(10, [1, 1, 1]).tolist() == [4, 3, 3]
    assert largest_remainder(0, [1, 2]).tolist() == [0, 0]


def test_format_ids_pads_numbers() -> None:
    assert format_ids("M", np.array([1, 42, 123456]), 6).to_pylist() == [
        "M000001", "M000042", "M123456",
    ]  # fmt: skip


def test_registration_prefix_matches_registration_dates() -> None:
    space = build_member_space({2021: 5000, 2022: 3000}, 7, np.ones(12))
    registered = space.registered_at(np.arange(space.total))
    assert (np.diff(registered) >= 0).all()  # accounts are numbered in registration order
    days = np.arange(registered.min() - 3, registered.max() + 3)
    expected = np.searchsorted(registered, days, side="right")
    assert (space.registered_by(days) == expected).all()


@pytest.mark.parametrize("year", [2021, 2022])
def test_answers_place_people_in_exactly_the_wanted_categories(year: int) -> None:
    rules = CategoryRules.load()
    rng = np.random.default_rng(3)
    flags = rng.random((400, len(CATEGORIES))) < 0.3
    prio = flags[:, CATEGORIES.index("priority_area")]
    country = np.where(prio, "FR", rng.choice(["FR", "GB", "MA"], 400))
    plan = Plan.load(1.0)
    answers = draw_answers(
        flags, country, year, rules, plan.answers(), plan.year(year)["unknown_share"], rng
    )
    assert (rules.flags(answers, year) == flags).all()


def test_nobody_acts_before_registering(small: Path) -> None:
    early = _query(
        small,
        """
        SELECT
            (SELECT count(*) FROM applications a JOIN members m USING (member_id)
             WHERE a.started_at < m.registered_at),
            (SELECT count(*) FROM course_enrollments c JOIN members m USING (member_id)
             WHERE c.started_at < m.registered_at),
            (SELECT count(*) FROM career_outcomes o JOIN members m USING (member_id)
             WHERE o.declared_at < m.registered_at)
        """,
    )
    assert early == [(0, 0, 0)]


def test_the_country_list_is_the_reference_one() -> None:
    reference = pd.read_csv(REFERENCE_DIR / "countries.csv", keep_default_na=False)["code"]
    assert sorted(geography.ISO_CODES) == sorted(reference)


def test_a_current_dataset_is_answered_without_the_generators_libraries(tmp_path):
    import json
    import subprocess
    import sys

    from helpers.synth.stamp import STAMP_FILE

    (tmp_path / STAMP_FILE).write_text(json.dumps(stamp(0.01, 1)), encoding="utf-8")
    code = (
        "import sys; from helpers.synth.__main__ import main; "
        f"main(['ensure', '--out', {str(tmp_path)!r}, '--scale', '0.01', '--seed', '1']); "
        "print('pandas' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == [f"{tmp_path}: synthetic dataset up to date", "False"]


def test_the_generator_retypes_none_of_the_contracts_vocabularies() -> None:
    # Any tuple, list or set of two or more values of one enum column, written out in
    # the generator's code, is a copy of the contract that would drift from it.
    vocabularies = {c.values for t in contract.TABLES for c in t.columns if c.values}
    vocabularies.add((contract.UNKNOWN_COUNTRY,))
    copies = []
    for path in sorted((Path(generate_module.__file__).parent).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple | ast.List | ast.Set) and len(node.elts) >= 1:
                values = [e.value for e in node.elts if isinstance(e, ast.Constant)]
                if len(values) != len(node.elts) or not all(isinstance(v, str) for v in values):
                    continue
                if any(set(values) <= set(v) for v in vocabularies if len(v) >= len(values) > 1
                       or v == (contract.UNKNOWN_COUNTRY,) == tuple(values)):  # fmt: skip
                    copies.append(f"{path.name}:{node.lineno} {values}")
    assert copies == []

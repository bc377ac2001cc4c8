"""Tables of the contract written with only the columns a test is about
(``tables.contract_table``): the other columns get values the contract accepts."""

from __future__ import annotations

import pytest
from conftest import write_dataset
from tables import ADMITTED_APPLICATION, contract_table

from helpers.intake import contract
from helpers.intake.load import load_dataset

pytestmark = pytest.mark.usefixtures("isolated_cache")

# What the rules across tables ask of one row of each table: the only columns given.
LINKED = {
    "applications": {
        "submitted_at": "2022-01-10",
        "decision": "admitted",
        "decided_at": "2022-01-20",
    },
    "enrollments": {"started_at": "2022-02-01", "status": "graduated", "ended_at": "2022-09-01"},
    "graduate_surveys": {"sent_at": "2022-10-01"},
    "carbon_activity": {"emission_factor_id": "electricity_fr", "activity_unit": "kWh"},
}


def test_a_dataset_of_default_rows_meets_the_contract(tmp_path):
    frames = {
        t.name: contract_table(t.name, LINKED.get(t.name, {}))
        for t in contract.TABLES
        if not t.reference
    }
    ds = load_dataset(write_dataset(frames, tmp_path / "data"))
    assert ds.query("SELECT count(*) AS n FROM enrollments")["n"].tolist() == [1]


def test_the_given_columns_are_kept_and_the_others_filled_in_contract_order():
    frame = contract_table("applications", {"member_id": "m7"}, {"gender": "male"})
    assert list(frame.columns) == list(contract.table("applications").column_names)
    assert list(frame["member_id"]) == ["m7", "member1"]
    assert list(frame["gender"]) == ["female", "male"]
    # Each row its own id; a person in no underserved category.
    assert list(frame["application_id"]) == ["application1", "application2"]
    for column in contract.APPLICATION_ANSWERS:
        assert set(frame[column]) == {ADMITTED_APPLICATION[column]}
    assert frame["decided_at"].isna().all()


def test_a_planned_date_follows_the_event_it_plans():
    row = contract_table("enrollments", {}).iloc[0]
    assert row["expected_end_at"] > row["started_at"]

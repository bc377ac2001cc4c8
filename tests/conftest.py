"""Shared test data: a small dataset that meets the data contract, and writers for it.

``make_valid_frames()`` returns the eleven dataset tables as DataFrames (dates as ISO
strings, nulls as None); ``make_reference_frames()`` returns small emission_factors,
carbon_prices and targets tables that fit them. ``write_dataset`` writes any of these
as CSV or Parquet files into a folder, ``write_reference`` makes a complete reference
folder. Tests change a copy of the frames, write them, and load or validate the folder.

Row numbers in tests: the row at index ``i`` of a frame is line ``i + 2`` of its CSV
file (the header is line 1) and row ``i + 1`` of its Parquet file.

The dataset, row by row (indexes in brackets):

- members: [0] m1 FR, [1] m2 GB, [2] m3 ZZ, [3] m4 SN, [4] m5 FR.
- applications: [0] a1 m1 admitted, [1] a2 m2 rejected, [2] a3 m3 admitted,
  [3] a4 m4 abandoned (never submitted), [4] a5 m5 withdrawn, [5] a6 m5 admitted.
- enrollments: [0] e1 from a1, graduated, public funding, mentor mt1;
  [1] e2 from a3, active, apprenticeship at company k1, mentor mt2;
  [2] e3 from a6, dropped out, employer-funded by company k2, no mentor.
- graduate_surveys: [0] e1, answered, employed.
- career_outcomes: [0] o1 m1 crediting e1; [1] o2 m2 without enrollment.
- carbon_activity uses the factors electricity_fr (kWh) and data_transfer_fr (GB), ids
  of the shipped emission_factors, so the dataset also loads with data/reference.
"""

from __future__ import annotations

import csv
import math
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers.core.paths import REFERENCE_DIR
from helpers.intake import contract

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def pytest_configure(config: pytest.Config) -> None:
    # What the report remembers (verdicts, figures) goes to a folder of this test run,
    # inherited by the report commands the tests start: a test never reads what another
    # run, or the user's own reports, left in ~/.cache.
    if "MISSION_REPORT_TEST_CACHE" not in os.environ:
        folder = tempfile.mkdtemp(prefix="mission-report-tests-")
        os.environ["MISSION_REPORT_TEST_CACHE"] = folder
        os.environ["XDG_CACHE_HOME"] = folder
        config.stash[_OWN_CACHE] = folder
    # Tests run in parallel (pytest -n) each write to a cache of their worker's, inside the
    # run's folder: two workers never store the same figures at once.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        own = Path(os.environ["MISSION_REPORT_TEST_CACHE"]) / worker
        own.mkdir(exist_ok=True)
        os.environ["XDG_CACHE_HOME"] = str(own)


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_OWN_CACHE, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        del os.environ["MISSION_REPORT_TEST_CACHE"]


_OWN_CACHE = pytest.StashKey[str]()
# Fixtures that start a server of their own: the tests that use them are marked
# ``server`` (``make test-fast`` leaves them out).
SERVER_FIXTURES = {"pg_server", "lab_server"}


# Run in parallel with ``--dist loadgroup``, the tests of one group run in one worker.
# The PostgreSQL server is one per worker (session scope): its tests share one worker;
# so do the tests of the default dataset, generated once where data/default is absent.
SERVER_GROUPS = {"pg_server": "postgresql", "default_dataset": "default-data"}
# A slow, server or browser test shares its module's costly fixtures (a report built,
# notebooks executed, a JupyterLab server): its module stays in one worker, built once.
WHOLE_MODULE_MARKS = {"slow", "server", "browser"}


# First, so that pytest-xdist finds the groups when it names the tests for loadgroup.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if SERVER_FIXTURES & fixtures:
            item.add_marker(pytest.mark.server)
        servers = sorted(SERVER_GROUPS[name] for name in SERVER_GROUPS.keys() & fixtures)
        if servers:
            item.add_marker(pytest.mark.xdist_group(servers[0]))
        elif any(item.get_closest_marker(mark) for mark in WHOLE_MODULE_MARKS):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


# The rows of the valid dataset, kept one row to a line so that tests can point at them.
# fmt: off
VALID_ROWS: dict[str, tuple[str, list[tuple]]] = {
    "members": (
        "member_id registered_at country gender",
        [
            ("m1", "2021-01-10", "FR", "female"),
            ("m2", "2021-03-05", "GB", "male"),
            ("m3", "2021-06-20", "ZZ", "other"),
            ("m4", "2022-02-01", "SN", "unknown"),
            ("m5", "2022-02-15", "FR", "female"),
        ],
    ),
    "monthly_traffic": (
        "month country visitors active_members",
        [
            ("2022-01-01", "FR", 1000, 120),
            ("2022-01-01", "GB", 500, 40),
            ("2022-02-01", "FR", 1100, 130),
            ("2022-02-01", "ZZ", 50, 0),
        ],
    ),
    "course_enrollments": (
        "course_enrollment_id member_id course_id started_at certificate_at",
        [
            ("ce1", "m1", "python-101", "2021-02-01", "2021-03-01"),
            ("ce2", "m1", "sql-101", "2022-01-15", None),
            ("ce3", "m2", "excel-101", "2022-03-01", "2022-03-20"),
            ("ce4", "m4", "python-101", "2022-02-10", None),
        ],
    ),
    "paths": (
        "path_id title domain language",
        [
            ("p1", "Data analyst", "tech", "fr"),
            ("p2", "Project manager", "non_tech", "fr"),
            ("p3", "Web developer", "tech", "en"),
        ],
    ),
    "applications": (
        "application_id member_id path_id started_at submitted_at decision decided_at "
        "country gender employment_status education_level priority_area migration_status "
        "disability",
        [
            ("a1", "m1", "p1", "2021-09-01", "2021-09-10", "admitted", "2021-09-20",
             "FR", "female", "job_seeker", "bac", "qpv", "refugee", "no"),
            ("a2", "m2", "p2", "2021-10-01", "2021-10-05", "rejected", "2021-10-15",
             "GB", "male", "employed", "bac_plus_3", "none", "none", "no"),
            ("a3", "m3", "p3", "2022-01-05", "2022-01-10", "admitted", "2022-01-25",
             "ZZ", "other", "student", "below_bac", "unknown", "unknown", "yes"),
            ("a4", "m4", "p1", "2022-02-01", None, None, None,
             "SN", "unknown", "unknown", "none", "none", "migrant", "unknown"),
            ("a5", "m5", "p2", "2022-03-01", "2022-03-02", "withdrawn", None,
             "FR", "female", "inactive", "bac_plus_2", "zrr", "none", "no"),
            ("a6", "m5", "p1", "2022-03-03", "2022-03-04", "admitted", "2022-03-20",
             "FR", "female", "employed", "bac_plus_5_or_more", "none", "asylum_seeker", "no"),
        ],
    ),
    "enrollments": (
        "enrollment_id application_id member_id path_id started_at expected_end_at status "
        "ended_at funding_type funder employer_id mentor_id",
        [
            ("e1", "a1", "m1", "p1", "2021-10-01", "2022-09-30", "graduated", "2022-09-15",
             "public", "pole_emploi", None, "mt1"),
            ("e2", "a3", "m3", "p3", "2022-02-01", "2023-01-31", "active", None,
             "apprenticeship", "opco_atlas", "k1", "mt2"),
            ("e3", "a6", "m5", "p1", "2022-04-01", "2023-03-31", "dropped_out", "2022-06-30",
             "employer", None, "k2", None),
        ],
    ),
    "graduate_surveys": (
        "enrollment_id sent_at responded_at employed_within_6_months salary_before_eur "
        "salary_after_eur",
        [("e1", "2023-03-15", "2023-03-20", True, 28000.0, 32500.5)],
    ),
    "career_outcomes": (
        "career_outcome_id member_id declared_at outcome_type enrollment_id source",
        [
            ("o1", "m1", "2022-12-01", "new_job", "e1", "graduate_survey"),
            ("o2", "m2", "2022-05-10", "promotion_or_raise", None, "platform_survey"),
        ],
    ),
    "companies": (
        "company_id country size_band",
        [("k1", "FR", "sme"), ("k2", "GB", "large")],
    ),
    "mentors": (
        "mentor_id role gender domain disability_trained",
        [
            ("mt1", "mentor", "female", "tech", True),
            ("mt2", "instructor", "male", "non_tech", False),
        ],
    ),
    "carbon_activity": (
        "month scope category team activity_value activity_unit emission_factor_id allocation",
        [
            ("2022-01-01", 2, "office_energy", "workplace", 1500.0, "kWh", "electricity_fr", "platform"),
            ("2022-01-01", 3, "video_delivery", "platform", 20000.0, "GB", "data_transfer_fr", "platform"),
            ("2022-02-01", 3, "cloud_hosting", "platform", 800.0, "kWh", "electricity_fr", "paid_programmes"),
        ],
    ),
    "carbon_budgets": (
        "year team budget_tco2e source",
        [
            (2022, "workplace", 2.5, "executive committee, January 2022"),
            (2022, "platform", 4.0, None),
        ],
    ),
    "brand_surveys": (
        "wave_date population underserved respondents aware considering source",
        [
            ("2022-02-28", "job_seekers", True, 800, 120, 96, "test tracker"),
            ("2022-03-31", "job_seekers", True, 800, 136, 110, "test tracker"),
        ],
    ),
}
REFERENCE_ROWS: dict[str, tuple[str, list[tuple]]] = {
    "emission_factors": (
        "emission_factor_id category unit kgco2e_per_unit source",
        [
            ("electricity_fr", "electricity_fr", "kWh", 0.052, "test factor"),
            ("data_transfer_fr", "data_transfer", "GB", 0.0065, "test factor"),
        ],
    ),
    "carbon_prices": (
        "year eur_per_tco2e source",
        [(2021, 80.0, "test price"), (2022, 100.0, "test price")],
    ),
    "consumer_prices": (
        "year index_2015 rate source",
        [
            (2020, 100.0, None, "test index"),
            (2021, 101.0, 0.01, "test index"),
            (2022, 106.05, 0.05, "test index"),
            (2023, 111.3525, 0.05, "test index"),
        ],
    ),
    "targets": (
        "metric segment first_year last_year comparator threshold source",
        [
            ("third_party_funding_share", "all", 2021, 2021, ">=", 0.6, "test target"),
            ("segment_share", "underserved", 2023, 2025, ">=", 0.7, "test target"),
        ],
    ),
}
# fmt: on


def _frames(rows: dict[str, tuple[str, list[tuple]]]) -> dict[str, pd.DataFrame]:
    # object columns keep each value as written (None stays None, ints stay ints).
    return {
        name: pd.DataFrame(list(values), columns=columns.split(), dtype=object)
        for name, (columns, values) in rows.items()
    }


def make_valid_frames() -> dict[str, pd.DataFrame]:
    """The twelve dataset tables of a small dataset that meets every contract rule."""
    return _frames(VALID_ROWS)


def whole_year(frames: dict[str, pd.DataFrame], year: int) -> dict[str, pd.DataFrame]:
    """``frames`` with traffic and carbon activity in every month of ``year`` (the valid
    dataset has January and February only)."""
    frames = {name: frame.copy() for name, frame in frames.items()}
    for table, row in (
        ("monthly_traffic", ["FR", 900, 100]),
        ("carbon_activity", [3, "cloud_hosting", "platform", 700.0, "kWh", "electricity_fr",
                             "paid_programmes"]),
    ):  # fmt: skip
        frame = frames[table]
        present = set(frame["month"])
        added = [
            [f"{year}-{m:02d}-01", *row]
            for m in range(1, 13)
            if f"{year}-{m:02d}-01" not in present
        ]
        extra = pd.DataFrame(added, columns=frame.columns, dtype=object)
        frames[table] = pd.concat([frame, extra], ignore_index=True)
    return frames


def make_reference_frames() -> dict[str, pd.DataFrame]:
    """emission_factors, carbon_prices, consumer_prices and targets fitting
    ``make_valid_frames()``."""
    return _frames(REFERENCE_ROWS)


def _is_iso_date(value: object) -> bool:
    if not (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_null(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _csv_cell(value: object, kind: str | None) -> str:
    """A value as the contract writes it in CSV: empty for null, true/false, ISO dates."""
    if _is_null(value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        return str(int(value))  # a column holding a null became float in pandas
    return str(value)


def _arrow_array(values: list, kind: str | None) -> pa.Array:
    """A Parquet column of the contract type when every value fits it.

    Otherwise the column keeps the type of its values (text for strings), as a producer
    without a schema would write it: the bad-input tests rely on this.
    """
    known = [v for v in values if not _is_null(v)]
    cells = [None if _is_null(v) else v for v in values]

    def every(test) -> bool:
        return all(test(v) for v in known)

    if kind == "date" and every(_is_iso_date):
        return pa.array([None if v is None else date.fromisoformat(v) for v in cells], pa.date32())
    if kind == "integer" and every(lambda v: isinstance(v, int) and not isinstance(v, bool)):
        return pa.array(cells, pa.int64())
    if kind == "number" and every(lambda v: isinstance(v, int | float) and not isinstance(v, bool)):
        return pa.array([None if v is None else float(v) for v in cells], pa.float64())
    if kind == "boolean" and every(lambda v: isinstance(v, bool)):
        return pa.array(cells, pa.bool_())
    if kind in ("string", "enum", "country") and every(lambda v: isinstance(v, str)):
        return pa.array(cells, pa.string())
    try:
        return pa.array(cells)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # Mixed values (numbers and text): a text column, written as CSV would write them.
        return pa.array([None if v is None else _csv_cell(v, kind) for v in cells], pa.string())


def _contract_type(table: str, column: str) -> str | None:
    known = contract.TABLES_BY_NAME.get(table)
    if known is None or column not in known.column_names:
        return None
    return known.column(column).type


def write_table(frame: pd.DataFrame, path: Path, table: str) -> Path:
    """Write one table as ``path`` (.csv or .parquet) the way the contract asks."""
    columns = [str(c) for c in frame.columns]
    kinds = [_contract_type(table, c) for c in columns]
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(columns)
            for row in frame.itertuples(index=False):
                writer.writerow([_csv_cell(v, k) for v, k in zip(row, kinds, strict=True)])
    else:
        arrays = [_arrow_array(frame[c].tolist(), k) for c, k in zip(columns, kinds, strict=True)]
        pq.write_table(pa.table(dict(zip(columns, arrays, strict=True))), path)
    return path


def write_dataset(
    frames: Mapping[str, pd.DataFrame],
    folder: Path,
    fmt: str = "csv",
    formats: Mapping[str, str] | None = None,
) -> Path:
    """Write each frame as ``<table>.<fmt>`` in ``folder`` (created if needed).

    ``formats`` chooses another format for some tables ({"members": "parquet"}), for
    datasets that mix CSV and Parquet. Returns ``folder``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        suffix = (formats or {}).get(name, fmt)
        write_table(frame, folder / f"{name}.{suffix}", name)
    return folder


def write_reference(folder: Path, frames: Mapping[str, pd.DataFrame] | None = None) -> Path:
    """A reference folder: the given (or test) reference tables and the shipped
    category rules. Returns ``folder``."""
    write_dataset(frames if frames is not None else make_reference_frames(), folder)
    shutil.copy(REFERENCE_DIR / "category_rules.csv", folder / "category_rules.csv")
    return folder


@pytest.fixture
def valid_frames() -> dict[str, pd.DataFrame]:
    """A fresh copy of the valid dataset's tables, free to change."""
    return make_valid_frames()


@pytest.fixture
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep the caches of the project (verdicts, figures) inside the test's folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "mission-report"


@pytest.fixture
def reference_dir(tmp_path: Path) -> Path:
    """A reference folder holding the test reference tables and the category rules."""
    return write_reference(tmp_path / "reference")


def edit_in_place(path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` (same length) in ``path``, keeping size and times."""
    assert len(old.encode()) == len(new.encode())
    stat = path.stat()
    data = path.read_bytes()
    assert old.encode() in data
    path.write_bytes(data.replace(old.encode(), new.encode()))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server of the session's own (Debian's binaries), stopped at the end.

    Fails, rather than skips, when the binaries are absent: CI installs them.
    """
    from pg_server import PgServer, PostgresMissing

    try:
        server = PgServer().start()
    except PostgresMissing as error:
        pytest.fail(str(error))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def default_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default (embedded) dataset: data/default when its stamp matches, else a
    fresh copy generated once for the session."""
    from helpers.core.paths import DEFAULT_DATA_DIR
    from helpers.synth import DEFAULT_SEED, generate_dataset, stamp
    from helpers.synth.writer import STAMP_FILE, read_json

    if read_json(DEFAULT_DATA_DIR / STAMP_FILE) == stamp(1.0, DEFAULT_SEED):
        return DEFAULT_DATA_DIR
    out = tmp_path_factory.mktemp("default-data") / "default"
    generate_dataset(out, scale=1.0, seed=DEFAULT_SEED)
    return out

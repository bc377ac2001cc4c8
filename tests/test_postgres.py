"""A PostgreSQL schema read like a folder, against a real server of the tests' own.

The small valid dataset of conftest is loaded into schema ``mission`` (``helpers.intake.pgdemo``);
schemas with broken data are copies of it, changed by hand.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import adbc_driver_postgresql.dbapi as pg
import pytest
from conftest import make_valid_frames, write_dataset
from pg_server import PASSWORD, PgServer
from report_runs import FIXTURE_NOTEBOOKS

from helpers import kpis, validate
from helpers.core.paths import ROOT
from helpers.intake import pgdemo, pgsource
from helpers.intake.pgsource import PgSource, redact, server_predicate, take_snapshot

YEAR = "2022"


def execute(uri: str, *statements: str) -> list:
    """Run ``statements`` on ``uri`` (autocommit); the rows of the last one, if any."""
    with pg.connect(uri, autocommit=True) as connection, connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        return cursor.fetchall() if cursor.description else []


def role_uri(server: PgServer) -> str:
    return server.url().split("?")[0]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """The small valid dataset as Parquet files."""
    return write_dataset(make_valid_frames(), tmp_path_factory.mktemp("files"), "parquet")


@pytest.fixture(scope="module")
def loaded(pg_server: PgServer, files: Path) -> PgServer:
    """The server, with the dataset loaded into schema mission."""
    pgdemo.load_schema(pg_server.url(), files)
    return pg_server


def copy_schema(server: PgServer, name: str, *changes: str) -> str:
    """A copy of schema mission (no foreign keys) as ``name``, changed by ``changes``."""
    tables = [
        t
        for (t,) in execute(
            role_uri(server),
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'mission'",
        )
    ]
    statements = [f"DROP SCHEMA IF EXISTS {name} CASCADE", f"CREATE SCHEMA {name}"]
    for table in tables:
        statements += [
            f"CREATE TABLE {name}.{table} (LIKE mission.{table} INCLUDING ALL)",
            f"INSERT INTO {name}.{table} SELECT * FROM mission.{table}",
        ]
    execute(role_uri(server), *statements, *changes)
    return server.url(schema=name)


def kpis_of(data: str, out: Path) -> bytes:
    assert kpis.main(["--year", YEAR, "--data", data, "--out", str(out), "--min-cell", "1"]) == 0
    return out.read_bytes()


def run(module: str, *args: str, cache: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "XDG_CACHE_HOME": str(cache), **env},
    )


def test_kpis_from_the_database_are_those_of_the_files(loaded, files, tmp_path, isolated_cache):
    from_files = kpis_of(str(files), tmp_path / "files.csv")
    assert kpis_of(loaded.url(), tmp_path / "db.csv") == from_files
    assert from_files.count(b"\n") > 50


def test_a_snapshot_records_its_source_and_reproduces_the_figures(
    loaded, files, tmp_path, isolated_cache
):
    done = run(
        "helpers.intake.pgsource", loaded.url(), str(tmp_path / "snap"), cache=isolated_cache
    )
    assert done.returncode == 0, done.stderr
    meta = json.loads((tmp_path / "snap" / "dataset.json").read_text())
    assert meta["source"] == loaded.url().replace(PASSWORD, "***")
    assert meta["snapshot"]["isolation"] == "repeatable read, read only"
    assert meta["snapshot"]["server_snapshot"].count(":") == 2
    assert meta["snapshot"]["rows"]["members"] == 5
    assert PASSWORD not in done.stdout + done.stderr
    assert kpis_of(str(tmp_path / "snap"), tmp_path / "snap.csv") == kpis_of(
        str(files), tmp_path / "files.csv"
    )
    # A failed read leaves the snapshot as it was.
    before = {p.name: p.read_bytes() for p in (tmp_path / "snap").iterdir()}
    assert pgsource.main([loaded.url(password="nope"), str(tmp_path / "snap")]) == 1
    assert {p.name: p.read_bytes() for p in (tmp_path / "snap").iterdir()} == before
    assert not list(tmp_path.glob(".snap.partial-*"))


def test_writes_during_the_read_do_not_change_what_is_read(loaded, tmp_path):
    admin = role_uri(loaded)
    written = []

    def write(table: str) -> None:
        # Tables are read in contract order: members, then the courses that refer to them.
        if table == "members":
            execute(
                admin,
                "INSERT INTO mission.course_enrollments "
                "VALUES ('ce-new', 'm1', 'x', DATE '2022-05-01', NULL)",
                "UPDATE mission.paths SET title = 'changed'",
            )
            written.append(table)

    try:
        meta = take_snapshot(loaded.url(), tmp_path / "snap", between_tables=write)
        assert written == ["members"]
        assert execute(admin, "SELECT count(*) FROM mission.course_enrollments") == [(5,)]
    finally:
        execute(
            admin,
            "DELETE FROM mission.course_enrollments WHERE course_enrollment_id = 'ce-new'",
            "UPDATE mission.paths SET title = 'Data analyst' WHERE path_id = 'p1'",
        )
    assert meta["snapshot"]["rows"]["course_enrollments"] == 4
    import pyarrow.parquet as pq

    titles = pq.read_table(tmp_path / "snap" / "paths.parquet")["title"].to_pylist()
    assert "changed" not in titles


def test_broken_rows_are_named_by_table_with_the_sql_that_lists_them(
    loaded, capsys, isolated_cache
):
    url = copy_schema(
        loaded,
        "broken",
        "UPDATE broken.members SET gender = 'F' WHERE member_id = 'm2'",
        "UPDATE broken.enrollments SET path_id = 'p9' WHERE enrollment_id = 'e3'",
        "UPDATE broken.enrollments SET member_id = 'm2' WHERE enrollment_id = 'e1'",
        "ALTER TABLE broken.paths DROP CONSTRAINT paths_pkey",
        "INSERT INTO broken.paths VALUES ('p2', 'Copy', 'tech', 'en')",
    )
    assert validate.main([url]) == 1
    out = capsys.readouterr().out
    lines = {line.split(": ")[0] + ": " + line.split(": ")[1]: line for line in out.splitlines()}
    gender = lines["broken.members: gender"]
    assert "must be one of female, male, other, unknown: 1 row; rows: SELECT * FROM" in gender
    path = lines["broken.enrollments: path_id"]
    assert "must refer to a path_id of paths: 1 row" in path
    member = lines["broken.enrollments: member_id"]
    assert "must equal the application's member_id: 1 row" in member
    unique = lines["broken.paths: path_id"]
    assert "must be unique: 2 rows" in unique
    # e1's outcome now credits an enrollment of another member.
    outcome = lines["broken.career_outcomes: member_id"]
    assert "must equal the member_id of the enrollment it credits: 1 row" in outcome
    # The statements list exactly the offending rows on the server, and no value of them
    # is printed.
    for line, count in ((gender, 1), (path, 1), (member, 1), (unique, 2), (outcome, 1)):
        statement = line.split("; rows: ", 1)[1]
        assert len(execute(role_uri(loaded), statement)) == count
    assert not {"m2", "e1", "e3", "p2", PASSWORD} & set(re.findall(r"[\w-]+", out))
    assert out.splitlines()[-1] == "invalid: 5 broken rules"


def test_a_column_of_the_wrong_type_is_refused_from_the_catalog(loaded, capsys, isolated_cache):
    url = copy_schema(
        loaded, "typed", "ALTER TABLE typed.members ALTER COLUMN registered_at TYPE text"
    )
    assert validate.main([url]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "typed.members: registered_at: must be a date (the column is text)"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"password": "wrong"}, "the server refused the password"),
        ({"schema": "absent"}, "schema absent does not exist"),
    ],
)
def test_an_unreadable_source_gives_one_line(loaded, capsys, isolated_cache, change, expected):
    url = loaded.url(**change)
    assert validate.main([url]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [f"{redact(url)}: {expected}"]
    assert PASSWORD not in captured.err


def test_a_missing_table_is_named(loaded, capsys, isolated_cache):
    url = copy_schema(loaded, "partial", "DROP TABLE partial.paths CASCADE")
    assert validate.main([url]) == 1
    assert capsys.readouterr().out.splitlines()[0] == "partial.paths: required table is missing"


def test_a_statement_timeout_gives_one_line(loaded, capsys, isolated_cache):
    # Another session holds a lock on a table, so reading it waits past the timeout.
    with pg.connect(role_uri(loaded), autocommit=True) as holder, holder.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("LOCK TABLE mission.paths IN ACCESS EXCLUSIVE MODE")
        url = loaded.url() + "&options=-c%20statement_timeout%3D300"
        assert validate.main([url]) == 1
        cursor.execute("ROLLBACK")
    assert capsys.readouterr().err.splitlines() == [
        f"{redact(url)}: mission.paths: the read was cancelled by the server's statement timeout"
    ]


def test_a_stopped_server_gives_one_line(loaded, capsys, isolated_cache):
    loaded.halt()
    try:
        assert validate.main([loaded.url()]) == 1
    finally:
        loaded.launch()
    assert capsys.readouterr().err.splitlines() == [
        f"{redact(loaded.url())}: the server does not answer (connection refused)"
    ]


def test_credentials_from_the_environment_are_used(loaded, capsys, isolated_cache):
    os.environ["PGPASSWORD"] = PASSWORD
    try:
        assert validate.main([loaded.url(password=None)]) == 0
    finally:
        del os.environ["PGPASSWORD"]
    assert capsys.readouterr().out.startswith(f"valid: {len(make_valid_frames())} tables")


@pytest.mark.slow
def test_a_report_from_the_database_shows_no_password_and_failures_keep_it(
    loaded, files, tmp_path, isolated_cache
):
    out = tmp_path / "out"
    # One small section is enough: its executed notebook holds the injected parameters.
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURE_NOTEBOOKS / "good.ipynb", notebooks / "good.ipynb")
    args = ["--year", YEAR, "--out", str(out), "--min-cell", "1", "--workers", "1"]
    args += ["--notebooks", str(notebooks)]
    done = run("helpers.report", "--data", loaded.url(), *args, cache=isolated_cache)
    assert done.returncode == 0, done.stderr
    report = out / YEAR / "en"
    assert (report / "kpis.csv").read_bytes() == kpis_of(str(files), tmp_path / "files.csv")
    shown = redact(loaded.url())
    assert json.loads((report / "run-data" / "run.json").read_text())["dataset"]["name"] == shown
    assert shown in (report / "index.html").read_text()
    outputs = [p for p in out.rglob("*") if p.is_file()]
    assert {p.suffix for p in outputs} >= {".html", ".ipynb", ".json", ".csv"}
    assert not [p for p in outputs if PASSWORD.encode() in p.read_bytes()]
    assert PASSWORD not in done.stdout + done.stderr
    assert not list((out / ".build").glob("snapshot-*"))  # the snapshot is removed
    # A snapshot of the same state is the same report: nothing to rebuild.
    take_snapshot(loaded.url(), tmp_path / "snap")
    again = run("helpers.report", "--data", str(tmp_path / "snap"), *args, cache=isolated_cache)
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout
    # A refused password: one line, and the report built before is untouched.
    before = {p: p.stat().st_mtime_ns for p in report.rglob("*")}
    failed = run(
        "helpers.report", "--data", loaded.url(password="nope"), *args, cache=isolated_cache
    )
    assert failed.returncode == 1
    assert failed.stderr.splitlines() == [
        f"report failed: {redact(loaded.url(password='nope'))}: the server refused the "
        "password; the previous report is untouched"
    ]
    assert {p: p.stat().st_mtime_ns for p in report.rglob("*")} == before


def test_the_url_shown_never_holds_the_password():
    url = "postgresql://reporting:pa%3Ass@db.internal:5432/warehouse?schema=mission"
    assert redact(url) == "postgresql://reporting:***@db.internal:5432/warehouse?schema=mission"
    assert (
        redact("postgresql://db/w?password=x&schema=s") == "postgresql://db/w?password=***&schema=s"
    )
    assert redact("postgres://u@db/w") == "postgres://u@db/w"
    source = PgSource.parse(url)
    assert source.schema == "mission"
    assert "schema=" not in source.uri and "pa%3Ass" in source.uri  # libpq gets the password
    assert source.shown == redact(url)


def test_row_rules_are_written_in_postgresql():
    assert server_predicate('day("month") <> 1') == 'extract(day FROM "month") <> 1'
    country = server_predicate('"country" NOT IN (SELECT code FROM _country_codes)')
    assert country.startswith('"country" NOT IN (') and "'FR'" in country and "'ZZ'" in country


def test_the_control_character_rule_reads_as_postgresql_s_regular_expression():
    from helpers.intake import contract, rules

    [rule] = [
        r
        for r in rules.rules_for(contract.table("paths"))
        if r.column == "title" and r.rule == rules.CONTROL_RULE
    ]
    assert server_predicate(rule.violation) == (
        f'"title" ~ {rules.literal(rules.CONTROL_CHARACTERS)}'
    )

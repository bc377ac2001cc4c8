"""A database URL read by one grammar, shown only redacted, refused without being repeated.

The unit tests read URLs whose passwords hold every class of character libpq accepts
(RFC 3986 reserved characters, ``%``, spaces, letters of other scripts), percent-encoded
and not, in the user part and as the ``password`` parameter. The PostgreSQL tests give
the test server roles with such passwords and run every command that takes a URL
(``make validate``, ``make kpis``, ``make snapshot``, ``python -m helpers.validate``,
``helpers.intake.pgdemo``, ``helpers.report``): each connects with the password meant,
and no password, right or wrong, appears in what they print or write.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import make_valid_frames, write_dataset
from pg_server import ROLE, PgServer
from report_runs import FIXTURE_NOTEBOOKS

from helpers import validate
from helpers.core.paths import ROOT
from helpers.core.source_url import (
    SourceUrlError,
    looks_like_source_url,
    parse_source_url,
    redact,
    scrub,
)
from helpers.intake import pgdemo

# Each a class of character a password may hold.
PASSWORDS = {
    "hash": "Sup3rSecret#Tail99",
    "all-reserved": "p@ss:w/o%rd?#x",
    "gen-delims": "a:b/c?d#e[f]g@h",
    "sub-delims": "s!$&'()*+,;=t",
    "percent": "50%off%zz%",
    "space": "two words\tand tab",
    "unicode": "mötdepässe€文字😀",
    "one-letter": "p",
}
HOST = "db.internal:5432"


def url_with(password: str, *, encoded: bool, where: str = "user") -> str:
    secret = quote(password, safe="") if encoded else password
    if where == "user":
        return f"postgresql://reporting:{secret}@{HOST}/warehouse?schema=mission"
    return f"postgresql://{HOST}/warehouse?user=reporting&password={secret}&schema=mission"


def cases() -> list:
    found = []
    for name, password in PASSWORDS.items():
        for encoded in (True, False):
            for where in ("user", "query"):
                if where == "query" and not encoded and ("&" in password or "#" in password):
                    # "&k=v" or "#" unencoded in a parameter is read as the next parameter
                    # only when k is a libpq key; kept for the user part, tested there.
                    continue
                found.append(
                    pytest.param(
                        password,
                        encoded,
                        where,
                        id=f"{name}-{'encoded' if encoded else 'raw'}-{where}",
                    )
                )
    return found


@pytest.mark.parametrize(("password", "encoded", "where"), cases())
def test_every_password_is_read_as_meant_and_never_shown(password, encoded, where):
    url = url_with(password, encoded=encoded, where=where)
    parsed = parse_source_url(url)
    found = parsed.password if where == "user" else parsed.param("password")
    assert found == password
    assert parsed.user == "reporting" or parsed.param("user") == "reporting"
    assert parsed.hosts == HOST and parsed.database == "warehouse"
    assert parsed.param("schema") == "mission"
    shown = parsed.shown
    assert "***" in shown and "db.internal" in shown and "schema=mission" in shown
    if len(password) > 1:
        assert password not in shown and quote(password, safe="") not in shown
    # What libpq is handed reads back to the same parts, every part encoded.
    again = parse_source_url(parsed.libpq_uri())
    assert (again.password, again.param("password")) == (parsed.password, parsed.param("password"))
    assert redact(url) == shown


def test_the_url_libpq_gets_drops_the_schema_and_adds_a_timeout():
    parsed = parse_source_url(url_with("Sup3rSecret#Tail99", encoded=False))
    uri = parsed.libpq_uri(drop=("schema",), add=(("connect_timeout", "10"),))
    assert uri == (
        "postgresql://reporting:Sup3rSecret%23Tail99@db.internal:5432/warehouse?connect_timeout=10"
    )


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://host/db?user=a@b&schema=s",  # an "@" in a parameter: no user part
        "postgresql://?service=warehouse&schema=mission",
        "postgresql:///warehouse?host=/var/run/postgresql",
        "postgres://u@[::1]:5432,other:5433/db",
    ],
)
def test_urls_without_a_password_are_shown_as_written(url):
    parsed = parse_source_url(url)
    assert parsed.password is None
    assert parse_source_url(parsed.shown) == parsed


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://reporting:Secret99@host/db?schema=s&nonsense",
        "postgresql://reporting:Secret99@host/db?schema=s&unknown_key=1",
        "postgresql://reporting:Secret99@ho st/db",
        "postgresql:/reporting:Secret99@host/db",
        "POSTGRES:reporting:Secret99",
        "postgresql://reporting:Secret99@host:port99/db",
    ],
)
def test_a_url_that_cannot_be_read_is_refused_without_being_repeated(url):
    assert looks_like_source_url(url)
    with pytest.raises(SourceUrlError) as refused:
        parse_source_url(url)
    message = str(refused.value)
    assert "\n" not in message
    for fragment in ("Secret99", "reporting", "nonsense", "unknown_key", "port99", "ho st"):
        assert fragment not in message
    assert "Secret99" not in redact(url)


def test_a_short_password_is_scrubbed_where_it_stands_alone_only():
    secrets = parse_source_url(url_with("p", encoded=False)).secrets()
    assert scrub("password p rejected for pp: p", secrets) == "password *** rejected for pp: ***"
    long = parse_source_url(url_with("p@ss:w/o%rd?#x", encoded=False)).secrets()
    assert scrub("it said p@ss:w/o%rd?#x\nand p%40ss%3Aw%2Fo%25rd%3F%23x", long) == (
        "it said *** and ***"
    )


# --- against the tests' server, through every command ---------------------------------

# Roles of the server, each with a password of one class.
SERVER_PASSWORDS = {
    "role_hash": PASSWORDS["hash"],
    "role_reserved": PASSWORDS["all-reserved"],
    "role_unicode": PASSWORDS["unicode"] + " " + PASSWORDS["sub-delims"],
}


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@pytest.fixture(scope="module")
def server(pg_server: PgServer, tmp_path_factory) -> PgServer:
    """The server with the small valid dataset in schema mission, readable by roles whose
    passwords hold every class of character."""
    files = write_dataset(make_valid_frames(), tmp_path_factory.mktemp("files"), "parquet")
    pgdemo.load_schema(pg_server.url(), files)
    for role, password in SERVER_PASSWORDS.items():
        pg_server.psql(
            pg_server.admin_uri,
            f"DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN PASSWORD {literal(password)}; "
            f"GRANT USAGE ON SCHEMA mission TO {role}; "
            f"GRANT SELECT ON ALL TABLES IN SCHEMA mission TO {role}",
        )
    return pg_server


def role_url(server: PgServer, role: str, password: str, *, encoded: bool) -> str:
    secret = quote(password, safe="") if encoded else password
    return f"postgresql://{role}:{secret}@127.0.0.1:{server.port}/warehouse?schema=mission"


def forms(password: str) -> list[str]:
    """The password as it could leak: written, encoded, and its longer pieces."""
    pieces = [p for p in password.replace("#", " ").replace("@", " ").split() if len(p) >= 4]
    return [password, quote(password, safe=""), *pieces]


def run(*command: str, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(command),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
    )


def leaks(password: str, *texts: str) -> list[str]:
    return [f for f in forms(password) for text in texts if f in text]


def files_holding(password: str, folder: Path) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            if any(f.encode() in content for f in forms(password)):
                found.append(path)
    return found


@pytest.mark.parametrize("role", sorted(SERVER_PASSWORDS))
@pytest.mark.parametrize("encoded", [False, True], ids=["raw", "encoded"])
def test_validate_connects_with_any_password_and_never_shows_it(
    server, role, encoded, capsys, isolated_cache
):
    password = SERVER_PASSWORDS[role]
    assert validate.main([role_url(server, role, password, encoded=encoded)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("valid: ")
    assert not leaks(password, captured.out, captured.err)
    # The same password, wrong by one character at its end: refused, and not shown.
    wrong = password + "Z"
    assert validate.main([role_url(server, role, wrong, encoded=encoded)]) == 1
    captured = capsys.readouterr()
    assert captured.err.endswith("the server refused the password\n")
    assert captured.err.count("\n") == 1
    assert not leaks(wrong, captured.out, captured.err)


def test_every_command_keeps_the_password_out_of_messages_and_files(
    server, tmp_path, isolated_cache
):
    role = "role_reserved"
    password = SERVER_PASSWORDS[role]
    url = role_url(server, role, password, encoded=False)
    python = sys.executable
    done = {
        "make validate": run("make", "--no-print-directory", "validate", f"DATA={url}", cache=isolated_cache),
        "helpers.validate": run(python, "-m", "helpers.validate", url, cache=isolated_cache),
        "make kpis": run(
            "make", "--no-print-directory", "kpis", "YEAR=2022", f"DATA={url}",
            f"OUT={tmp_path / 'kpis'}", "MIN_CELL=1", cache=isolated_cache,
        ),
        "make snapshot": run(
            "make", "--no-print-directory", "snapshot", f"DATA={url}",
            f"SNAPSHOT={tmp_path / 'snap'}", cache=isolated_cache,
        ),
    }  # fmt: skip
    for name, result in done.items():
        assert result.returncode == 0, (name, result.stderr)
        assert not leaks(password, result.stdout, result.stderr), name
    meta = json.loads((tmp_path / "snap" / "dataset.json").read_text())
    assert (
        meta["source"]
        == f"postgresql://{role}:***@127.0.0.1:{server.port}/warehouse?schema=mission"
    )
    assert not files_holding(password, tmp_path)
    # The demo loader writes with the owner's role; a wrong password of every class is
    # refused without being shown.
    wrong = role_url(server, ROLE, PASSWORDS["all-reserved"] + "Z", encoded=False)
    loaded = run(
        python,
        "-m",
        "helpers.intake.pgdemo",
        wrong,
        "--from",
        str(tmp_path / "snap"),
        cache=isolated_cache,
    )
    assert loaded.returncode == 1
    assert loaded.stderr.endswith("the server refused the password\n")
    assert not leaks(PASSWORDS["all-reserved"] + "Z", loaded.stdout, loaded.stderr)


@pytest.mark.parametrize(
    "command",
    [
        ["make", "--no-print-directory", "validate"],
        ["make", "--no-print-directory", "kpis", "YEAR=2022"],
        ["make", "--no-print-directory", "snapshot", "SNAPSHOT=snap"],
        [sys.executable, "-m", "helpers.validate"],
        [sys.executable, "-m", "helpers.kpis", "--year", "2022", "--out", "k.csv", "--data"],
        [sys.executable, "-m", "helpers.intake.pgdemo"],
        [sys.executable, "-m", "helpers.report", "--year", "2022", "--out", "out", "--data"],
    ],
    ids=lambda c: " ".join(c[:3]).replace(sys.executable, "python"),
)
def test_an_unreadable_url_is_refused_by_every_command_without_being_shown(
    command, tmp_path, isolated_cache
):
    url = "postgresql://reporting:Sup3rSecret#Tail99@db host/warehouse?schema=mission"
    if command[0] == "make":
        command = [*command, f"DATA={url}", f"OUT={tmp_path}"]
        command = [c.replace("SNAPSHOT=snap", f"SNAPSHOT={tmp_path / 'snap'}") for c in command]
    else:
        command = [c.replace("k.csv", str(tmp_path / "k.csv")) for c in command]
        command = [c if c != "out" else str(tmp_path / "out") for c in command] + [url]
    result = run(*command, cache=isolated_cache)
    assert result.returncode == 2
    assert "the database URL cannot be read" in result.stderr
    assert "Sup3rSecret" not in result.stdout + result.stderr
    assert "Tail99" not in result.stdout + result.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "snap").exists()


@pytest.mark.slow
def test_a_report_from_a_password_of_every_class_shows_none_of_it(server, tmp_path, isolated_cache):
    role = "role_unicode"
    password = SERVER_PASSWORDS[role]
    url = role_url(server, role, password, encoded=False)
    out = tmp_path / "out"
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURE_NOTEBOOKS / "good.ipynb", notebooks / "good.ipynb")
    args = ["--year", "2022", "--out", str(out), "--min-cell", "1", "--workers", "1"]
    args += ["--notebooks", str(notebooks)]
    done = run(sys.executable, "-m", "helpers.report", "--data", url, *args, cache=isolated_cache)
    assert done.returncode == 0, done.stderr
    assert not leaks(password, done.stdout, done.stderr)
    assert not files_holding(password, out)
    shown = f"postgresql://{role}:***@127.0.0.1:{server.port}/warehouse?schema=mission"
    assert shown in (out / "2022" / "en" / "index.html").read_text()
    wrong = password + "Z"
    bad_url = role_url(server, role, wrong, encoded=False)
    failed = run(
        sys.executable, "-m", "helpers.report", "--data", bad_url, *args, cache=isolated_cache
    )
    assert failed.returncode == 1
    assert failed.stderr.endswith("the previous report is untouched\n")
    assert not leaks(wrong, failed.stdout, failed.stderr)

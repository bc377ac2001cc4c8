"""A command stopped by SIGTERM or SIGINT says so in one line, at any moment.

In process: the signal lands inside a DuckDB query, which turns it into an error of its
own (``RuntimeError: Query interrupted``); the command still says it was stopped. In a
subprocess: the report is stopped while it starts, as it prints its first line and as
it begins validating; each time one line, the signal's status, the report built before
untouched.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
from conftest import make_reference_frames, make_valid_frames, write_dataset
from report_runs import FIXTURE_NOTEBOOKS

from helpers import kpis, validate
from helpers.core import stopping
from helpers.core.paths import ROOT

ENDLESS = (
    "CREATE TABLE t AS SELECT a.range AS v, md5(a.range::VARCHAR) AS h FROM range(300000000) a"
)


def signal_soon(signum: int) -> threading.Timer:
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signum))
    timer.start()
    return timer


def endless_load(*args, **kwargs):
    """A dataset load that does not end soon: one DuckDB query the signal must stop. On
    one thread, the query runs in the thread that receives the signal."""
    con = duckdb.connect(config={"threads": 1})
    con.execute(ENDLESS)
    raise AssertionError("the query was not stopped")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_inside_a_duckdb_query_is_said_in_one_line(
    tmp_path, signum, monkeypatch, capsys, isolated_cache
):
    monkeypatch.setattr(validate, "load_dataset", endless_load)
    folder = write_dataset(make_valid_frames(), tmp_path / "data")
    previous = signal.getsignal(signum)
    timer = signal_soon(signum)
    try:
        status = validate.main([str(folder)])
    finally:
        timer.cancel()
    assert status == 128 + signum
    word = "terminated" if signum == signal.SIGTERM else "interrupted"
    assert capsys.readouterr().err == f"validate stopped: {word}\n"
    assert signal.getsignal(signum) is previous  # the handlers are given back


def test_kpis_stopped_in_a_query_writes_no_file(tmp_path, monkeypatch, capsys, isolated_cache):
    import helpers.intake.load as load

    monkeypatch.setattr(load, "load_dataset", endless_load)
    folder = write_dataset(make_valid_frames(), tmp_path / "data")
    timer = signal_soon(signal.SIGTERM)
    try:
        status = kpis.main(
            ["--year", "2022", "--data", str(folder), "--out", str(tmp_path / "k.csv")]
        )
    finally:
        timer.cancel()
    assert status == 128 + signal.SIGTERM
    assert capsys.readouterr().err == "kpis stopped: terminated\n"
    assert not (tmp_path / "k.csv").exists()


def test_a_signal_behind_another_error_is_found():
    try:
        try:
            raise stopping.Stopped(signal.SIGTERM)
        except stopping.Stopped as stop:
            raise RuntimeError("Query interrupted") from stop
    except RuntimeError as error:
        assert stopping.stopped_by(error).signum == signal.SIGTERM
    with stopping.guarded():  # no signal received since
        assert stopping.stopped_by(ValueError("x")) is None
    assert stopping.command_of(["python", "-X", "utf8", "-m", "helpers.report", "--year"]) == (
        "report"
    )
    assert stopping.command_of(["python", "-m", "ipykernel_launcher"]) is None


# --- the report, stopped at several moments -------------------------------------------

STOPPED = re.compile(
    r"report stopped: (terminated|interrupted)"
    r"(; the previous report is untouched| while starting; nothing was written)\n"
)


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("stopped")
    data = write_dataset({**make_valid_frames(), **make_reference_frames()}, base / "data")
    notebooks = base / "notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURE_NOTEBOOKS / "good.ipynb", notebooks / "good.ipynb")
    command = [sys.executable, "-m", "helpers.report", "--year", "2022", "--data", str(data)]
    command += ["--out", str(base / "out"), "--notebooks", str(notebooks), "--min-cell", "1"]
    command += ["--workers", "1"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    return command, base / "out" / "2022"


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("moment", ["at once", "first line", "validating"])
def test_a_report_stopped_at_any_moment_says_one_line(built, signum, moment, tmp_path):
    command, year_folder = built
    before = digests(year_folder)
    # --no-cache: the run validates and computes again instead of finding it up to date.
    run = subprocess.Popen(
        [*command, "--no-cache"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    try:
        if moment != "at once":
            for line in run.stdout:
                if moment == "first line" or "validat" in line:
                    break
        run.send_signal(signum)
        out, err = run.communicate(timeout=300)
    finally:
        run.kill()
        run.wait()
    if moment == "at once" and run.returncode == -signum:
        # Arrived before the interpreter reached the project's code: the default action
        # ended it, silently.
        assert err == ""
    else:
        assert run.returncode == 128 + signum
        assert STOPPED.fullmatch(err), err
    assert "Traceback" not in out + err
    assert digests(year_folder) == before


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_report_killed_during_its_pdfs_leaves_no_process_behind(tmp_path):
    from test_kernels import descendants, wait_until_gone

    data = write_dataset({**make_valid_frames(), **make_reference_frames()}, tmp_path / "data")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURE_NOTEBOOKS / "good.ipynb", notebooks / "good.ipynb")
    command = [sys.executable, "-m", "helpers.report", "--year", "2022", "--data", str(data)]
    command += ["--out", str(tmp_path / "out"), "--notebooks", str(notebooks)]
    command += ["--min-cell", "1", "--workers", "1", "--lang", "en,fr"]
    run = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    try:
        for line in run.stdout:
            if "pdf: laying out" in line:
                break
        # The two PDF workers (spawned) and multiprocessing's resource tracker.
        spawned: set[int] = set()
        while len(spawned) < 3 and run.poll() is None:
            spawned = {pid for pid in descendants(run.pid) if "multiprocessing" in cmdline(pid)}
        children = descendants(run.pid)
        assert len(spawned) >= 3, "the PDF workers did not start"
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=60)
        assert wait_until_gone(children) == set()
    finally:
        run.kill()
        run.wait()
        run.stdout.close()

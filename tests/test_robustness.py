"""``make report`` under faults and load: the same inputs give the same report, a full or
read-only disk and a second run at once leave one complete report.

The disk faults are real: OUT sits on a small file system of its own (a tmpfs mounted
for the test), filled up or remounted read-only between two runs. Mounting needs root;
elsewhere the full-disk test is skipped and the read-only one takes write permission
away instead (which stops a user other than root).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import make_reference_frames, make_valid_frames, write_dataset
from report_runs import FIXTURE_COMMITTEE, FIXTURE_NOTEBOOKS, SMOKE_YEAR, build_smoke_report
from unreadable_cases import CASES

from helpers.core.paths import ROOT
from helpers.report import MANIFEST
from helpers.run import publish

pytestmark = pytest.mark.slow

YEAR = "2022"
# The one file that records when a run was made (its provenance); every other file of
# two runs on the same inputs is the same, byte for byte.
CLOCKED = "en/run-data/run.json"
CLOCKED_MANIFEST = f"en/{MANIFEST}"
DISK_SIZE = "16m"


@dataclass(frozen=True)
class Inputs:
    """A dataset and a notebooks folder (sections good and other) to build from."""

    data: Path
    notebooks: Path

    def change_other(self, title: str) -> None:
        """Edit the notebook of section other, so that the next run has work to do."""
        path = self.notebooks / "other.ipynb"
        nb = json.loads(path.read_text(encoding="utf-8"))
        nb["cells"][0]["source"] = f"# {title}"
        path.write_text(json.dumps(nb), encoding="utf-8")


@pytest.fixture
def inputs(tmp_path: Path) -> Inputs:
    data = write_dataset({**make_valid_frames(), **make_reference_frames()}, tmp_path / "data")
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(FIXTURE_NOTEBOOKS / "good.ipynb", folder / "good.ipynb")
    inputs = Inputs(data, folder)
    shutil.copy(FIXTURE_NOTEBOOKS / "good.ipynb", folder / "other.ipynb")
    inputs.change_other("Other fixture section")
    return inputs


def report_command(inputs: Inputs, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "helpers.report", "--year", YEAR, "--data", str(inputs.data),
        "--out", str(out), "--notebooks", str(inputs.notebooks), "--min-cell", "1", *extra,
    ]  # fmt: skip


def build(inputs: Inputs, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        report_command(inputs, out, *extra),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and the hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def failure_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("report failed")]


def leftovers(out: Path) -> list[str]:
    """Staging and work folders of runs, which must not survive them."""
    root = publish.build_root(out)
    return sorted(p.name for p in root.glob("*") if re.search(r"\.(tmp|old|work)-\d+$", p.name))


def assert_one_complete_report(folder: Path) -> None:
    """Every file the manifest lists is there, and every page comes from the same run."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    for name in manifest["files"]:
        assert (folder / name).is_file(), name
    for page in folder.glob("*.html"):
        times = set(re.findall(r'<time datetime="([^"]*)"', page.read_text(encoding="utf-8")))
        # A report without an edition date shows none.
        assert times == ({manifest["edition_date"]} - {""}), page.name


@pytest.fixture
def own_disk(tmp_path: Path) -> Iterator[Path | None]:
    """A folder on a small tmpfs of its own, unmounted afterwards; None where a tmpfs
    cannot be mounted (not root)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs", str(mount_point)]
    if os.geteuid() != 0 or subprocess.run(mount, capture_output=True).returncode != 0:
        yield None
        return
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


@contextlib.contextmanager
def read_only(folder: Path, disk: Path | None) -> Iterator[str]:
    """Make ``folder`` read-only for the block; yields the cause a write then meets.

    As root, permissions stop nothing: the tmpfs ``disk`` holding ``folder`` is
    remounted read-only. Without one, the write permissions of its folders are removed.
    """
    if disk is not None:
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        try:
            yield "Read-only file system"
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        return
    modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")] if p.is_dir()}
    for path, mode in modes.items():
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        yield "Permission denied"
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def fill(folder: Path) -> Path:
    """Write zeros into a file of ``folder`` until its file system is full."""
    filler = folder / "filler"
    block = bytes(1 << 16)
    # Unbuffered: a buffered file keeps what did not fit and fails again when closed.
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(block)
        except OSError:
            pass
    return filler


# --- the same inputs, the same report --------------------------------------------------


def build_again(data: Path, out: Path) -> Path:
    """The report of the smoke year built from scratch into ``out``; its folder."""
    command = [sys.executable, "-m", "helpers.report", "--year", str(SMOKE_YEAR)]
    command += ["--data", str(data), "--out", str(out), "--no-cache"]
    command += ["--committee", str(FIXTURE_COMMITTEE)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    return out / str(SMOKE_YEAR) / "en"


def test_two_runs_on_the_same_inputs_give_the_same_bytes(tmp_path_factory):
    smoke = build_smoke_report(tmp_path_factory.getbasetemp())
    # The session's smoke run is the first of the two when it published (other tests
    # judge it); otherwise this test builds its own.
    if smoke.result.returncode == 0:
        first = smoke.folder
    else:
        first = build_again(smoke.data, tmp_path_factory.mktemp("first"))
    second = build_again(smoke.data, tmp_path_factory.mktemp("second"))
    # Every file of the year: the chooser, the pages, the PDF, the executed notebooks,
    # the figures and the manifests.
    before, after = snapshot(first.parent), snapshot(second.parent)
    assert sorted(before) == sorted(after)
    assert any(name.endswith(".pdf") for name in before)
    assert any(name.endswith(".ipynb") for name in before)
    differ = sorted(name for name in before if before[name] != after[name])
    assert set(differ) <= {CLOCKED, CLOCKED_MANIFEST}, differ
    # The manifest records each file's digest: it differs by the provenance's alone.
    manifests = [json.loads((f.parent / CLOCKED_MANIFEST).read_text()) for f in (first, second)]
    for manifest in manifests:
        del manifest["sha256"][Path(CLOCKED).relative_to("en").as_posix()]
    assert manifests[0] == manifests[1]
    # The run's provenance records when it was made, and nothing else differs in it.
    provenance = [json.loads((f.parent / CLOCKED).read_text()) for f in (first, second)]
    for run in provenance:
        del run["created_utc"]
    assert provenance[0] == provenance[1]


def test_pages_carry_the_edition_date_never_the_build_time(tmp_path_factory):
    smoke = build_smoke_report(tmp_path_factory.getbasetemp())
    assert smoke.result.returncode == 0, smoke.result.stderr
    # The smoke run's committee folder sets the release date, which comes before the
    # data's extraction date.
    release = tomllib.loads((FIXTURE_COMMITTEE / str(SMOKE_YEAR) / "release.toml").read_text())
    expected = str(release["release_date"])
    assert expected != json.loads((smoke.data / "dataset.json").read_text())["extraction_date"]
    for page in smoke.folder.glob("*.html"):
        times = re.findall(r'<time datetime="([^"]*)"', page.read_text(encoding="utf-8"))
        assert times and set(times) == {expected}, page.name


# --- files the engine cannot read -------------------------------------------------------

REPORT_CASES = {("damaged-pages", "parquet"), ("impossible-offset", "csv")}


def test_an_unreadable_file_gives_one_line_and_keeps_the_previous_report(inputs, tmp_path):
    out = tmp_path / "out"
    assert build(inputs, out).returncode == 0
    previous = snapshot(out / YEAR)
    # Two kinds, one per format, keep the test short: test_validation_corpus.py shows that
    # the loader refuses every case of the corpus the same way.
    chosen = [c for c in CASES if (c.name, c.fmt) in REPORT_CASES]
    assert len(chosen) == len(REPORT_CASES)
    for i, case in enumerate(chosen):
        bad = Inputs(case.write(tmp_path / f"bad-{i}"), inputs.notebooks)

        result = build(bad, out)

        assert result.returncode == 1, (case, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stderr.splitlines() == [
            str(case.problem),
            "report failed: the dataset breaks the data contract; no notebook was run",
        ]
        assert snapshot(out / YEAR) == previous, case


# --- faults of the output folder -------------------------------------------------------


def test_a_full_disk_gives_one_line_and_keeps_the_previous_report(inputs, own_disk):
    if own_disk is None:
        pytest.skip("filling a file system of its own needs root (a tmpfs mount)")
    out = own_disk / "out"
    assert build(inputs, out).returncode == 0
    previous = snapshot(out / YEAR)
    inputs.change_other("A section changed after the disk filled up")
    filler = fill(own_disk)

    result = build(inputs, out)

    assert result.returncode == 1
    lines = failure_lines(result)
    assert len(lines) == 1, result.stderr
    assert "No space left on device" in lines[0]
    assert "Traceback" not in result.stderr
    assert snapshot(out / YEAR) == previous
    filler.unlink()
    rebuilt = build(inputs, out)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "changed after the disk filled up" in (out / YEAR / "en" / "other.html").read_text()
    assert leftovers(out) == []


def test_a_read_only_output_folder_gives_one_line_and_keeps_the_previous_report(
    inputs, own_disk, tmp_path
):
    out = (own_disk or tmp_path) / "out"
    assert build(inputs, out).returncode == 0
    previous = snapshot(out / YEAR)
    inputs.change_other("A section changed while the folder was read-only")

    with read_only(out, own_disk) as cause:
        result = build(inputs, out)

    assert result.returncode == 1
    lines = failure_lines(result)
    assert len(lines) == 1, result.stderr
    assert cause in lines[0]
    assert "Traceback" not in result.stderr
    assert snapshot(out / YEAR) == previous
    rebuilt = build(inputs, out)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert leftovers(out) == []


# --- two runs at once ------------------------------------------------------------------


def test_two_runs_at_once_end_in_one_complete_report(inputs, tmp_path):
    out = tmp_path / "out"
    runs = [
        subprocess.Popen(
            report_command(inputs, out),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]

    statuses = sorted(run.returncode for run in runs)
    assert statuses in ([0, 0], [0, 1]), outputs
    for run, (_, stderr) in zip(runs, outputs, strict=True):
        if run.returncode:
            assert re.search(r"report failed: another run \(pid \d+\) is building", stderr)
    assert_one_complete_report(out / YEAR / "en")
    assert leftovers(out) == []


# --- sections stay independent ---------------------------------------------------------


def code_notebook(path: Path, *cells: str) -> Path:
    """A section notebook: the fixture's parameters cell, then ``cells``."""
    nb = json.loads((FIXTURE_NOTEBOOKS / "good.ipynb").read_text(encoding="utf-8"))
    parameters = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    code = [
        {"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None}
        for s in cells
    ]
    nb["cells"] = [parameters, *code]
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def test_a_section_sees_nothing_another_one_changed(inputs, tmp_path):
    for notebook in inputs.notebooks.glob("*.ipynb"):
        notebook.unlink()
    code_notebook(
        inputs.notebooks / "a_changes.ipynb",
        "import matplotlib\nimport helpers\n\nmatplotlib.rcParams['lines.linewidth'] = 9\n"
        "helpers.CHANGED_BY_A = True\nchanged_by_a = True",
    )
    code_notebook(
        inputs.notebooks / "b_checks.ipynb",
        "import matplotlib\nimport helpers\n\nassert 'changed_by_a' not in globals()\n"
        "assert not hasattr(helpers, 'CHANGED_BY_A')\n"
        "assert matplotlib.rcParams['lines.linewidth'] != 9",
    )
    # One worker: the second section runs after the first, in the same worker.
    result = build(inputs, tmp_path / "out", "--workers", "1")
    assert result.returncode == 0, result.stderr


def test_a_kernel_starts_the_usual_way_when_the_fork_server_is_gone(tmp_path):
    from helpers.run.kernels.runner import KERNEL_NAME, WarmKernel

    kernel = WarmKernel(KERNEL_NAME, str(tmp_path), forks=str(tmp_path / "no-server.sock"))
    try:
        kernel.wait_until_warm()
        assert kernel.is_alive()
    finally:
        kernel.shutdown()
    assert not kernel.is_alive()

"""OUT is a new or empty folder, or one this project writes reports into; nothing else.

A report run replaces OUT/Y and prunes OUT/.build: pointed at ``/``, a home folder or a
folder of documents by mistake, it must refuse before writing anything there.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import make_valid_frames, write_dataset

from helpers import report
from helpers.core.exit_codes import USAGE
from helpers.core.paths import ROOT
from helpers.run import publish

pytestmark = pytest.mark.usefixtures("isolated_cache")


def test_a_new_folder_is_claimed_with_the_marker(tmp_path):
    out = tmp_path / "reports" / "2023"
    publish.claim_output_folder(out)
    assert (out / publish.MARKER).read_text(encoding="utf-8") == publish.MARKER_TEXT


def test_an_empty_folder_is_claimed(tmp_path):
    publish.claim_output_folder(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [publish.MARKER]


def test_a_marked_folder_is_the_project_s_whatever_else_it_holds(tmp_path):
    (tmp_path / publish.MARKER).write_text("")
    (tmp_path / "notes.txt").write_text("kept")
    publish.claim_output_folder(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "kept"


def test_a_folder_of_reports_built_before_the_marker_is_the_project_s(tmp_path):
    (tmp_path / ".build" / "cache").mkdir(parents=True)
    (tmp_path / "2022").mkdir()
    (tmp_path / "2022" / publish.REPORT_MANIFEST).write_text("{}")
    publish.claim_output_folder(tmp_path)
    assert (tmp_path / publish.MARKER).is_file()


def test_a_folder_holding_a_kpi_file_written_alone_is_the_project_s(tmp_path):
    (tmp_path / "kpis-2022.csv").write_text("year,section,metric\n")
    publish.claim_output_folder(tmp_path)
    assert (tmp_path / publish.MARKER).is_file()


def test_the_kpi_file_written_alone_goes_beside_the_year_folders():
    dry_run = subprocess.run(
        ["make", "-n", "--no-print-directory", "kpis", "YEAR=2022", "OUT=reports"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert '--out "$OUT/kpis-2022.csv"' in dry_run
    assert publish.STANDALONE_KPIS.fullmatch("kpis-2022.csv")


def test_a_folder_another_run_claimed_a_moment_ago_is_the_project_s(tmp_path):
    # Two runs into a new folder: the second looks for the marker before the first
    # writes it, then lists the folder after; the marker alone must not make it foreign.
    (tmp_path / publish.MARKER).write_text(publish.MARKER_TEXT)
    (tmp_path / ".build").mkdir()
    assert publish.holds_only_reports(tmp_path)
    publish.write_marker(tmp_path / publish.MARKER)
    assert (tmp_path / publish.MARKER).read_text() == publish.MARKER_TEXT


@pytest.mark.parametrize("entry", ["notes.txt", "2022", ".bashrc"])
def test_any_other_folder_is_refused_and_left_untouched(tmp_path, entry):
    (tmp_path / entry).write_text("someone else's")
    with pytest.raises(publish.OutputFolderError) as caught:
        publish.claim_output_folder(tmp_path)
    assert str(caught.value) == (
        f"the output folder {tmp_path} is not empty and holds no reports of this project "
        f"(no {publish.MARKER} file): choose a new or empty folder"
    )
    assert [p.name for p in tmp_path.iterdir()] == [entry]


def test_a_file_is_refused(tmp_path):
    (tmp_path / "out").write_text("")
    with pytest.raises(publish.OutputFolderError, match="is a file, not a folder"):
        publish.claim_output_folder(tmp_path / "out")


def test_the_root_and_home_folders_are_not_folders_of_reports():
    for folder in (Path("/"), Path.home()):
        assert not (folder / publish.MARKER).exists()
        assert not publish.holds_only_reports(folder)


def test_the_report_refuses_a_folder_that_is_not_its_own_with_status_2(tmp_path, capsys):
    data = write_dataset(make_valid_frames(), tmp_path / "data")
    out = tmp_path / "documents"
    out.mkdir()
    (out / "letter.txt").write_text("keep me")
    code = report.main(["--year", "2022", "--data", str(data), "--out", str(out)])
    assert code == USAGE
    assert capsys.readouterr().err.splitlines() == [
        f"report failed: the output folder {out} is not empty and holds no reports of this "
        f"project (no {publish.MARKER} file): choose a new or empty folder"
    ]
    assert [p.name for p in out.iterdir()] == ["letter.txt"]


def test_the_repository_s_reports_folder_carries_the_marker():
    from helpers.core.paths import OUTPUTS_DIR

    assert (OUTPUTS_DIR / publish.MARKER).is_file()

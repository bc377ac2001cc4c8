"""The bench's pieces, on made-up figures and tiny folders (no report is timed here)."""

from __future__ import annotations

import ast
import math
import sys
from pathlib import Path

import pytest

from helpers.bench import history, line, scaling
from helpers.bench.measure import Variant, interleave
from helpers.bench.peers import make_report_command, report_command, section_notebooks
from helpers.core.paths import ROOT


def test_fit_exponent_recovers_a_power_law():
    scales = [0.1, 1, 3, 10]
    assert scaling.fit_exponent(scales, [2 * s**0.4 for s in scales]) == pytest.approx(0.4)
    assert scaling.fit_exponent(scales, [5.0] * 4) == pytest.approx(0.0)
    assert math.isnan(scaling.fit_exponent([1], [3.0]))


def test_scaling_table_has_a_row_per_scale_and_the_exponents():
    curves = {"cold": {1: 10.0, 10: 100.0}, "warm": {1: 5.0, 10: 5.0}}
    table = scaling.scaling_table(curves)
    assert "| 1 | 10.0 | 5.0 |" in table
    assert "| b (time ∝ scale^b) | 1.00 | 0.00 |" in table


def test_the_chart_is_written_to_every_path(tmp_path):
    paths = [tmp_path / "a.png", tmp_path / "docs" / "b.png"]
    scaling.draw_chart({"cold": {1: 10.0, 10: 30.0}}, paths)
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in paths)


def test_the_line_names_every_goal_in_order():
    medians = {
        "report": 10,
        "report_warm": 8,
        "report_both": 12,
        "naive": 50,
        "floor": 5,
        "report_10x": 20,
        "report_10x_warm": 8,
        "rerun": 0.5,
        "ploomber": 40,
    }
    steps = {"pdf_s": 4.25, "audit_s": 1.0}
    figures = line.compute_ratios(medians, 1.5 * 2**30, {"cold": 0.3, "warm": 0.1}, steps)
    text = line.format_line(figures)
    assert text == (
        "bench ratio_naive=0.20 ratio_floor=2.00 ratio_10x=2.00 ratio_10x_warm=1.00 "
        "ratio_both_languages=1.20 peak_mb_10x=1536 rerun_s=0.50 ratio_ploomber=0.25 "
        "b_cold=0.30 b_warm=0.10 pdf_s=4.2 audit_s=1.0"
    )
    assert line.missed_goals(figures) == ["ratio_floor 2.00 > 1.5"]
    figures["peak_mb_10x"] = 2048
    assert line.missed_goals(figures) == ["ratio_floor 2.00 > 1.5", "peak_mb_10x 2048 >= 2048"]


def test_the_steps_are_read_from_the_report_s_own_lines():
    output = (
        "10:12:48 audit: 77 recoverable before, 0 after, 118 figures withheld to protect "
        "others, 5 years in 16.11s\n"
        "10:12:49 kernel 1: warm in 1.9s\n"
        "10:12:52 pdf: still laying out the index and 8 sections (en) (2s, 45s in all)\n"
        "10:13:16 pdf: mission-report-2022-en.pdf, laid out in 9.2s (9.0s of CPU)\n"
        "10:13:17 pdf: mission-report-2022-fr.pdf, laid out in 10.3s (9.9s of CPU)\n"
    )
    assert line.step_seconds(output) == {"pdf_s": pytest.approx(19.5), "audit_s": 16.11}
    assert line.step_seconds("10:00:00 done: index.html\n") == {}


def test_variants_take_turns():
    order = []
    variants = [Variant(n, lambda n=n: order.append(n), "") for n in ("a", "b")]
    interleave(variants, 2)
    assert order == ["a", "b", "a", "b"]
    assert all(len(v.seconds) == 2 for v in variants)


def test_history_adds_new_columns(tmp_path):
    path = tmp_path / "history.csv"
    history.append_history({"date_utc": "1", "report_s": 1.0}, path)
    history.append_history({"date_utc": "2", "report_s": 2.0, "ploomber_s": 3.0}, path)
    lines = path.read_text().splitlines()
    assert lines[0] == "date_utc,report_s,ploomber_s"
    assert len(lines) == 3


def test_commands_are_the_reports_and_make_reports(tmp_path):
    command = [str(c) for c in report_command(2022, tmp_path, tmp_path / "out", lang="fr")]
    assert command[1:3] == ["-m", "helpers.report"] and "--no-cache" in command
    assert command[command.index("--lang") + 1] == "fr"
    assert "report" in [str(c) for c in make_report_command(2022, tmp_path)]
    assert [p.stem for p in section_notebooks()][0] == "funnel"


def test_the_ploomber_peer_runs_from_the_benchmark_s_own_environment(tmp_path):
    from helpers.bench import peers

    command = peers.ploomber_command(2022, tmp_path / "data", tmp_path / "out", 2)
    assert command[0] == ROOT / ".venv-bench" / "bin" / "python"
    assert command[1:3] == ["-m", "helpers.bench.ploomber_pipeline"]
    assert command[-len(section_notebooks()) :] == section_notebooks()
    # The notebooks run on the project's kernel, registered in the analyst's environment.
    kernels = Path(peers.ploomber_environment()["JUPYTER_PATH"]) / "kernels"
    assert (kernels / peers.KERNEL_NAME / "kernel.json").is_file()


def test_the_ploomber_pipeline_imports_nothing_of_the_analyst_s_environment():
    source = (ROOT / "src/helpers/bench/ploomber_pipeline.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert "ploomber" in imported
    assert imported - {"ploomber", "__future__"} <= set(sys.stdlib_module_names)

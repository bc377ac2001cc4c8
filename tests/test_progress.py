"""The run's voice: plain timestamped lines, a heartbeat, and the caches named."""

from __future__ import annotations

import io
import re
import time
from datetime import datetime

import pytest

from helpers.run.progress import Progress
from tests.report_runs import SMOKE_YEAR, generate_dataset, run_report

LINE = re.compile(r"^(\d\d):(\d\d):(\d\d) ([^:]+?)(?:: (.*))?$")


def test_plain_lines_are_stamped_and_name_their_step():
    stream = io.StringIO()
    progress = Progress(stream, live=False, heartbeat=0)
    progress.say("plan: 8 of 8 sections to run")
    progress.doing("kpis", "computing the figures of 2022")
    lines = stream.getvalue().splitlines()
    assert [LINE.match(line).group(4) for line in lines] == ["plan", "kpis"]
    assert progress.step == "kpis"


def test_a_silent_step_gets_a_heartbeat_line():
    stream = io.StringIO()
    with Progress(stream, live=False, heartbeat=0.05) as progress:
        progress.doing("validate", "checking the data")
        progress.running(["funnel", "carbon"])
        time.sleep(0.3)
    beats = [line for line in stream.getvalue().splitlines() if "still" in line]
    assert beats
    assert "validate: still checking the data · running funnel, carbon" in beats[0]


def test_the_caches_line_names_each_cache():
    stream = io.StringIO()
    progress = Progress(stream, live=False, heartbeat=0)
    progress.cache("validation", "verdict reused")
    progress.cache("figures", "computed")
    progress.say_caches()
    assert (
        stream.getvalue().rstrip().endswith("caches: validation verdict reused, figures computed")
    )


def test_the_live_display_writes_to_a_terminal_stream():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    with Progress(stream) as progress:
        progress.doing("pdf", "laying out the pages")
    assert "pdf: laying out the pages" in stream.getvalue()


def seconds_of(line: str) -> int:
    hours, minutes, seconds = (int(g) for g in LINE.match(line).groups()[:3])
    return hours * 3600 + minutes * 60 + seconds


@pytest.mark.slow
def test_a_report_run_is_never_silent_for_more_than_two_seconds(tmp_path):
    data = generate_dataset(tmp_path / "data")
    started = datetime.now()
    result = run_report(
        "--year",
        str(SMOKE_YEAR),
        "--data",
        str(data),
        "--out",
        str(tmp_path / "out"),
        "--no-cache",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(LINE.match(line) for line in lines), [x for x in lines if not LINE.match(x)]
    stamps = [seconds_of(line) for line in lines]
    start = started.hour * 3600 + started.minute * 60 + started.second
    gaps = [b - a for a, b in zip([start, *stamps], stamps, strict=False)]
    # Whole seconds: a gap of 3 on the clock is at most a little over two seconds' silence.
    assert max(gaps[1:]) <= 3, list(zip(gaps, lines, strict=False))
    steps = [LINE.match(line).group(4).split(" ")[0] for line in lines]
    for step in ("plan", "validate", "kpis", "caches", "sections", "pdf", "privacy", "done"):
        assert step in steps, step
    caches = next(line for line in lines if " caches: " in line)
    assert "validation checked anew" in caches and "figures computed" in caches
    assert steps.index("plan") < steps.index("validate")

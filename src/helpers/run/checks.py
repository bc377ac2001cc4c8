"""The last checks before publishing: no identifier of the dataset's people and records,
and no folder of this machine, in any output; either refuses the run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from helpers.core.paths import ROOT
from helpers.run import publish
from helpers.run.plan import ReportFailure, ReportOptions
from helpers.run.progress import Progress


def check_privacy(ds: Any, folder: Path, progress: Progress) -> None:
    """Refuse to publish when an identifier of the dataset appears in an output."""
    from helpers.run.privacy import describe_refusal, scan_folder

    progress.doing("privacy", "searching every output for the dataset's identifiers")
    started = time.monotonic()
    scan = scan_folder(ds, folder)
    if scan.hits:
        raise ReportFailure(describe_refusal(scan))
    skipped = f"; not text, not searched: {', '.join(scan.skipped)}" if scan.skipped else ""
    progress.say(
        f"privacy: no identifier in {scan.files} outputs "
        f"({time.monotonic() - started:.1f}s){skipped}"
    )


def check_machine_paths(options: ReportOptions, folder: Path) -> None:
    """Refuse to publish when a folder of this machine appears in an output."""
    from helpers.run.machine_paths import describe_refusal, find_machine_paths, machine_places

    places = machine_places(options.data_dir, options.out, publish.build_root(options.out), ROOT)
    hits = find_machine_paths(folder, places)
    if hits:
        raise ReportFailure(describe_refusal(hits))

"""The report folder OUT/Y replaced all at once, by one run at a time.

A run builds the new report in a staging folder beside OUT/Y (under ``OUT/.build``, the
same file system) and swaps it in with one atomic rename, so OUT/Y is always either the
previous report or the new one, whatever happens to the run. A lock file per year keeps
two runs from building the same OUT/Y; leftovers of a killed run are cleaned by the next.
Section results are kept in ``OUT/.build/cache``, keyed by everything they depend on,
so a rerun reuses them.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

BUILD_DIR = ".build"
CACHE_DIR = "cache"
# The file that marks a folder as one this project writes reports into: a run replaces
# OUT/Y and prunes OUT/.build, which must never happen in a folder of someone else's.
MARKER = ".mission-report"
MARKER_TEXT = (
    "This folder holds reports built by the mission-report notebooks (make report);\n"
    "a run may replace any report in it.\n"
)
# The manifest of a built year (helpers.report writes it): a folder of reports built
# before the marker existed holds only those years and the build folder.
REPORT_MANIFEST = ".report.json"
# ``make kpis YEAR=Y`` writes OUT/kpis-Y.csv: a build replaces OUT/Y, so not in there.
STANDALONE_KPIS = re.compile(r"kpis-\d{4}\.csv")
FAILED_DIR = "failed"
RENAME_EXCHANGE = 2
AT_FDCWD = -100


class ReportBusyError(RuntimeError):
    """Another run holds the lock of the same OUT/Y."""


class OutputFolderError(ValueError):
    """OUT is not a folder this project may write into; str() is the one-line cause."""


def claim_output_folder(out: Path) -> None:
    """Make ``out`` a reports folder of this project, or refuse it.

    A new or empty folder is claimed (created, and the marker written); one that holds
    the marker, or only reports of this project, is the project's. Anything else (``/``,
    a home folder, a folder of documents) is refused with OutputFolderError.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"the output folder {out} is a file, not a folder")
    if not (out / MARKER).is_file():
        if out.is_dir() and not holds_only_reports(out):
            raise OutputFolderError(
                f"the output folder {out} is not empty and holds no reports of this "
                f"project (no {MARKER} file): choose a new or empty folder"
            )
        out.mkdir(parents=True, exist_ok=True)
        write_marker(out / MARKER)


def write_marker(path: Path) -> None:
    """Create the marker unless another run just did: only its presence is ever read."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return
    with os.fdopen(handle, "w", encoding="utf-8") as marker:
        marker.write(MARKER_TEXT)


def holds_only_reports(out: Path) -> bool:
    """True when every entry of ``out`` is a report year or the build folder (so an empty
    folder qualifies)."""
    for entry in out.iterdir():
        if entry.name == BUILD_DIR and entry.is_dir():
            continue
        # Another run may claim the folder between our look for the marker and this one.
        if entry.name == MARKER:
            continue
        # The KPI file of a year written alone (make kpis), beside the year folders.
        if STANDALONE_KPIS.fullmatch(entry.name) and entry.is_file():
            continue
        # OUT/2022, or a partial report such as OUT/2022-funnel.
        if entry.name[:4].isdigit() and (entry / REPORT_MANIFEST).is_file():
            continue
        return False
    return True


def build_root(out: Path) -> Path:
    """The folder of a report root's locks, staging folders and caches."""
    return Path(out) / BUILD_DIR


def cache_root(out: Path) -> Path:
    return build_root(out) / CACHE_DIR


def failed_folder(out: Path, year: int) -> Path:
    """Where executed notebooks of a failed run of ``year`` are kept for inspection."""
    return build_root(out) / FAILED_DIR / str(year)


@contextlib.contextmanager
def lock_report(out: Path, year: int) -> Iterator[None]:
    """Hold the lock of OUT/``year`` for the duration of the block.

    Raises
    ------
    ReportBusyError
        At once, when another run holds it (waiting would hide a mistake, such as two
        terminals building the same report).
    """
    root = build_root(out)
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{year}.lock"
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = read_lock_holder(handle)
            raise ReportBusyError(
                f"another run (pid {holder}) is building {Path(out) / str(year)}; "
                "wait for it to finish, or stop it"
            ) from None
        # The lock dies with the process (flock), so a killed run never blocks the next;
        # the pid written here is only for the message above.
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(handle)


def read_lock_holder(handle: int, attempts: int = 50) -> str:
    """The pid the holder of a lock wrote into it, or "unknown".

    The holder writes its pid just after taking the lock, so a run refused in between
    reads an empty file: it looks again for a moment before giving up.
    """
    for _ in range(attempts):
        holder = os.pread(handle, 32, 0).decode(errors="replace").strip()
        if holder:
            return holder
        time.sleep(0.01)
    return "unknown"


def clean_stale(out: Path, year: int) -> list[Path]:
    """Remove what killed runs of ``year`` left behind; call with the lock held.

    A run killed between the two renames of a non-atomic swap leaves OUT/Y missing and
    the previous report aside: that report is put back first.
    """
    root = build_root(out)
    target = Path(out) / str(year)
    if not target.exists():
        aside = sorted(root.glob(f"{year}.old-*"))
        if aside:
            os.rename(aside[-1], target)
    removed = []
    patterns = (f"{year}.tmp-*", f"{year}.old-*", f"{year}.work-*", f"{year}-*.partial-*")
    for pattern in patterns:
        for folder in (*root.glob(pattern), *cache_root(out).glob(pattern)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def staging_folder(out: Path, year: int, kind: str = "tmp") -> Path:
    """A new, empty folder of this run under ``OUT/.build``."""
    folder = build_root(out) / f"{year}.{kind}-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def swap_into_place(staging: Path, target: Path) -> None:
    """Make ``staging`` the new ``target`` in one step and delete the previous one.

    Both must be on the same file system. Linux exchanges the two folders atomically;
    elsewhere the previous folder is renamed aside first (``clean_stale`` repairs a
    run killed between the two renames).
    """
    if not target.exists():
        os.rename(staging, target)
        return
    if exchange_folders(staging, target):
        shutil.rmtree(staging)
        return
    aside = staging.with_name(staging.name.replace(".tmp-", ".old-"))
    os.rename(target, aside)
    os.rename(staging, target)
    shutil.rmtree(aside)


def exchange_folders(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    done = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def link_or_copy(source: Path, destination: Path) -> None:
    """Put ``source`` at ``destination`` as a hard link (cache entries never change),
    copying where links are impossible."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def prune_cache(out: Path, year: int, keep: set[str]) -> None:
    """Delete the cache entries of ``year`` this run did not use."""
    for entry in cache_root(out).glob(f"{year}-*"):
        if entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)

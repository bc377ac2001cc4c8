"""A content hash of a dataset: which data a report was computed from.

The fingerprint covers the dataset's table files (names and bytes) and the reference
tables in effect for it (the dataset's own copies or the shipped ones, and the category
rules). Two copies of the same files give the same fingerprint wherever they sit; any
changed byte gives another.

Hashing a large dataset takes seconds, so each file's digest is remembered in a small
cache under the user's cache folder, keyed on the file's path, size and modification
time; the dataset folder itself is never written to.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from helpers import contract
from helpers.paths import REFERENCE_DIR

SUFFIXES = (".parquet", ".csv")
CATEGORY_RULES_FILE = "category_rules.csv"
# Characters of the hex digest kept: 64 bits tell datasets apart and fit on a page.
LENGTH = 16


def default_cache_file() -> Path:
    """Where file digests are remembered (``$XDG_CACHE_HOME`` or ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mission-report" / "file-digests.json"


def fingerprinted_files(folder: Path, reference_dir: Path = REFERENCE_DIR) -> list[Path]:
    """The files a dataset's figures depend on, sorted by name.

    Every contract table file of ``folder``; for each reference table the dataset does
    not carry, the shipped file of ``reference_dir``; and the shipped category rules.
    """
    folder, reference_dir = Path(folder), Path(reference_dir)
    files = []
    for table in contract.TABLES:
        own = [
            folder / f"{table.name}{s}" for s in SUFFIXES if (folder / f"{table.name}{s}").is_file()
        ]
        if not own and table.reference:
            own = [
                reference_dir / f"{table.name}{s}"
                for s in SUFFIXES
                if (reference_dir / f"{table.name}{s}").is_file()
            ]
        files += own
    if (reference_dir / CATEGORY_RULES_FILE).is_file():
        files.append(reference_dir / CATEGORY_RULES_FILE)
    return sorted(files, key=lambda p: p.name)


def dataset_fingerprint(
    folder: Path | str, reference_dir: Path | str = REFERENCE_DIR, cache_file: Path | None = None
) -> str:
    """The content hash of the dataset in ``folder`` (16 hex digits).

    Parameters
    ----------
    folder
        The dataset folder.
    reference_dir
        The shipped reference tables, used where the dataset has no copy of its own.
    cache_file
        Where file digests are remembered; ``default_cache_file()`` when None.
    """
    cache_path = cache_file or default_cache_file()
    cache = read_cache(cache_path)
    changed = False
    combined = hashlib.sha256()
    for path in fingerprinted_files(Path(folder), Path(reference_dir)):
        digest, fresh = file_digest(path, cache)
        changed |= fresh
        # Names, not paths: a copy of the same files elsewhere hashes the same.
        combined.update(f"{path.name}\t{digest}\n".encode())
    if changed:
        write_cache(cache_path, cache)
    return combined.hexdigest()[:LENGTH]


def file_digest(path: Path, cache: dict[str, list]) -> tuple[str, bool]:
    """The SHA-256 of ``path``, from ``cache`` when the file is unchanged since.

    Returns the digest and whether it had to be computed (and ``cache`` was updated).
    """
    stat = path.stat()
    key = str(path.resolve())
    entry = cache.get(key)
    if entry and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
        return entry[2], False
    with path.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    cache[key] = [stat.st_size, stat.st_mtime_ns, digest]
    return digest, True


def read_cache(path: Path) -> dict[str, Any]:
    """A JSON object remembered under the cache folder; an unreadable one is empty."""
    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return cache if isinstance(cache, dict) else {}


def write_cache(path: Path, cache: dict[str, list]) -> None:
    """Save the digests of files that still exist."""
    write_json_atomically(path, {key: entry for key, entry in cache.items() if Path(key).exists()})


def write_json_atomically(path: Path, content: dict[str, Any]) -> None:
    """Write ``content`` as JSON to ``path``; skipped when the cache folder cannot be
    written, since a cache only saves time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp"
        )
    except OSError:
        return
    try:
        # Write then rename, so that a concurrent run never reads half a file.
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            json.dump(content, f)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)

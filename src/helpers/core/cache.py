"""The project's one cache: a content-addressed store with one key function.

Whatever the project remembers between runs (the verdict on a valid dataset, the
figures computed on it, each section's executed notebook and page, whether a published
report is up to date) is stored under a key made by ``cache_key`` from what it depends
on, declared by the one who stores it: the digests of the files it read, the parameters
it used and the version of the code that made it. A changed byte, parameter or line of
code gives another key, so an entry is never stale, only unused; ``--no-cache`` reads no
entry, and ``make clean`` removes the store. Entries are folders (``Store.folder``),
published whole by one rename, or JSON records (``Store.record``) written atomically.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from helpers.core.atomic import write_text_atomically

__all__ = [
    "Store",
    "cache_key",
    "hash_files",
    "hash_text",
    "user_cache_folder",
]

KEY_LENGTH = 20


def hash_text(text: str) -> str:
    """The SHA-256 of ``text`` (hex)."""
    return hashlib.sha256(text.encode()).hexdigest()


def hash_files(files: Iterable[Path], relative_to: Path | None = None) -> str:
    """A hash of the names and contents of ``files`` (names relative to ``relative_to``)."""
    digest = hashlib.sha256()
    for path in files:
        name = path.relative_to(relative_to) if relative_to else path.name
        digest.update(f"{name}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def cache_key(
    *,
    files: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
    code: str | Iterable[str] = (),
) -> str:
    """The key of a cached thing, from what it declares it depends on.

    Parameters
    ----------
    files
        Name -> digest of each input file (or of a folder's content, a fingerprint).
    params
        The parameters it was made with (JSON-serialisable).
    code
        The version(s) of the code that made it (hashes of source files).
    """
    declared = {
        "files": dict(sorted((files or {}).items())),
        "params": params or {},
        "code": [code] if isinstance(code, str) else list(code),
    }
    return hash_text(json.dumps(declared, sort_keys=True, default=str))[:KEY_LENGTH]


def user_cache_folder() -> Path:
    """The user's cache folder of the project (``$XDG_CACHE_HOME`` or ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mission-report"


class Store:
    """Entries of one kind under ``root``: folders and records, named by their key."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def folder(self, key: str) -> Path:
        """Where the folder entry of ``key`` sits (present or not)."""
        return self.root / key

    def has(self, key: str, names: Iterable[str]) -> bool:
        """True when the entry of ``key`` holds every file of ``names``."""
        entry = self.folder(key)
        return all((entry / name).is_file() for name in names)

    def put(
        self, key: str, source: Path, *, names: Iterable[str] | None = None, move: bool = False
    ) -> Path | None:
        """Make ``source``'s files (those of ``names``, else all) the entry of ``key`` in
        one rename; return it.

        ``move`` renames ``source`` itself (same file system) instead of copying it.
        Returns None when the store cannot be written: a cache only saves time.
        """
        entry = self.folder(key)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if move:
                shutil.rmtree(entry, ignore_errors=True)
                os.rename(source, entry)
                return entry
            staging = Path(tempfile.mkdtemp(dir=self.root, prefix=f".{key}-"))
        except OSError:
            return None
        try:
            chosen = names if names is not None else (p.name for p in Path(source).iterdir())
            for name in chosen:
                if (Path(source) / name).is_file():
                    shutil.copyfile(Path(source) / name, staging / name)
            shutil.rmtree(entry, ignore_errors=True)
            os.rename(staging, entry)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)  # a full disk, or a concurrent copy
            return None
        return entry

    def touch(self, key: str) -> None:
        """Mark the entry of ``key`` as recently used (kept by ``prune``)."""
        with contextlib.suppress(OSError):
            os.utime(self.folder(key))

    def prune(self, keep: int | None = None, *, names: Iterable[str] | None = None) -> None:
        """Forget the least recently used entries beyond ``keep``, or those not in
        ``names``."""
        if not self.root.is_dir():
            return
        entries = [p for p in self.root.iterdir() if not p.name.startswith(".")]
        if names is not None:
            kept = set(names)
            doomed = [p for p in entries if p.name not in kept]
        else:
            doomed = sorted(entries, key=_used_last)[: -keep or None] if keep else entries
        for old in doomed:
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)

    def record(self, name: str) -> dict[str, Any]:
        """The JSON record ``name`` of the store; an unreadable one is empty."""
        try:
            content = json.loads((self.root / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return content if isinstance(content, dict) else {}

    def write_record(self, name: str, content: Mapping[str, Any]) -> None:
        """Write the record ``name`` atomically; skipped when the store cannot be written."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            write_text_atomically(self.root / name, json.dumps(content, sort_keys=True))
        except OSError:
            pass


def _used_last(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0

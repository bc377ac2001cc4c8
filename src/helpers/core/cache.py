"""The project's one cache: a content-addressed store with one key function.

Whatever the project remembers between runs (the verdict on a valid dataset, the
figures computed on it, each section's executed notebook and page, whether a published
report is up to date) is stored under a key made by ``cache_key`` from what it depends
on, declared by the one who stores it: the digests of the files it read, the parameters
it used and the version of the code that made it. A changed byte, parameter or line of
code gives another key, so an entry is never stale, only unused; ``--no-cache`` reads no
entry, and ``make clean`` removes the store. Entries are folders (``Store.folder``),
published whole by one rename, or JSON records (``Store.record``) written atomically.

An entry is verified, not trusted: a folder carries the SHA-256 of each of its files
(``seal``, in ``.digests.json``), a record the SHA-256 of its content, and both are checked
on every read (``check_seal``, ``Store.read_record``). A file cut short, changed or
missing, or an entry without its digests, is ``DAMAGED``: the reader discards it and makes
the thing anew, and says so in the run's cache line; it is never used.
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
    "ABSENT",
    "DAMAGED",
    "INTACT",
    "Store",
    "cache_key",
    "check_seal",
    "discard",
    "seal",
    "hash_files",
    "hash_text",
    "user_cache_folder",
]

KEY_LENGTH = 20
# The digests of a folder entry's files, inside it.
SEAL_FILE = ".digests.json"
# What a read finds of an entry.
ABSENT, INTACT, DAMAGED = "absent", "intact", "damaged"
CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sealed_files(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != SEAL_FILE
    )


def seal(folder: Path | str) -> None:
    """Record the size and SHA-256 of every file of ``folder`` (an entry about to be
    published by a rename) in its ``.digests.json``."""
    folder = Path(folder)
    digests = {
        name: {"bytes": (folder / name).stat().st_size, "sha256": file_sha256(folder / name)}
        for name in _sealed_files(folder)
    }
    (folder / SEAL_FILE).write_text(json.dumps(digests, sort_keys=True), encoding="utf-8")


def check_seal(folder: Path | str, names: Iterable[str] = ()) -> str:
    """What ``folder``, a sealed entry expected to hold ``names``, is: ``ABSENT`` (no such
    folder), ``INTACT`` (every file sealed is there with its digest, and ``names`` are
    among them) or ``DAMAGED`` (anything else: a file missing, cut short or changed, the
    digests themselves missing or unreadable)."""
    folder = Path(folder)
    if not folder.is_dir():
        return ABSENT
    try:
        digests = json.loads((folder / SEAL_FILE).read_text(encoding="utf-8"))
        if not isinstance(digests, dict) or not set(names) <= set(digests):
            return DAMAGED
        for name, expected in digests.items():
            path = folder / name
            if path.stat().st_size != expected["bytes"] or file_sha256(path) != expected["sha256"]:
                return DAMAGED
    except (OSError, ValueError, TypeError, KeyError):
        return DAMAGED
    return INTACT


def discard(folder: Path | str) -> None:
    """Remove a damaged entry (a file or a folder)."""
    folder = Path(folder)
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            folder.unlink()


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
        """True when the entry of ``key`` is intact and holds every file of ``names``."""
        return self.check(key, names) == INTACT

    def check(self, key: str, names: Iterable[str]) -> str:
        """``ABSENT``, ``INTACT`` or ``DAMAGED`` (``check_seal``); a damaged entry is
        discarded."""
        state = check_seal(self.folder(key), names)
        if state == DAMAGED:
            discard(self.folder(key))
        return state

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
                seal(source)
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
            seal(staging)
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
        """The JSON record ``name`` of the store; an absent or damaged one is empty."""
        return self.read_record(name)[0]

    def read_record(self, name: str) -> tuple[dict[str, Any], str]:
        """The record ``name`` and what it was: ``ABSENT``, ``INTACT``, or ``DAMAGED`` (not
        JSON, or its content does not match the digest written with it), in which case it
        is discarded and read as empty."""
        path = self.root / name
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}, ABSENT
        except (OSError, ValueError):
            text = ""
        try:
            sealed = json.loads(text)
            content = sealed["content"]
            if isinstance(content, dict) and sealed["sha256"] == _record_digest(content):
                return content, INTACT
        except (ValueError, TypeError, KeyError):
            pass
        discard(path)
        return {}, DAMAGED

    def write_record(self, name: str, content: Mapping[str, Any]) -> None:
        """Write the record ``name`` atomically, with the digest of its content; skipped
        when the store cannot be written."""
        sealed = {"content": dict(content), "sha256": _record_digest(content)}
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            write_text_atomically(self.root / name, json.dumps(sealed, sort_keys=True))
        except OSError:
            pass


def _record_digest(content: Mapping[str, Any]) -> str:
    return hash_text(json.dumps(content, sort_keys=True, default=str))


def _used_last(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0

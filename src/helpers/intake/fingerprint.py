"""A content hash of a dataset: which data a report was computed from.

The fingerprint covers the dataset's table files (names and bytes) and the reference
tables in effect for it (the dataset's own copies or the shipped ones, and the category
rules). Two copies of the same files give the same fingerprint wherever they sit; any
changed byte gives another.

Every file is read whole, every time: a file edited in place can keep its size and
modification time, so nothing short of its bytes says that it is unchanged. XXH3 (128
bits) hashes faster than a disk reads, and files are read in large chunks into one
reused buffer, so the fingerprint costs about one sequential read of the dataset.

The caches of the project (verdicts, figures) live under the user's cache folder,
``cache_folder()``, keyed by this fingerprint; the dataset folder itself is never
written to.
"""

from __future__ import annotations

from pathlib import Path

import xxhash

from helpers.core.cache import user_cache_folder
from helpers.core.paths import REFERENCE_DIR
from helpers.intake import contract

SUFFIXES = (".parquet", ".csv")
# Characters of the hex digest kept: 64 bits tell datasets apart and fit on a page.
LENGTH = 16
# Bytes read at a time: large enough that the hash, not the system calls, sets the pace.
CHUNK_BYTES = 8 << 20


def cache_folder() -> Path:
    """Where the project remembers verdicts and figures (``helpers.core.cache``)."""
    return user_cache_folder()


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
    if (reference_dir / contract.CATEGORY_RULES_FILE).is_file():
        files.append(reference_dir / contract.CATEGORY_RULES_FILE)
    return sorted(files, key=lambda p: p.name)


def dataset_fingerprint(folder: Path | str, reference_dir: Path | str = REFERENCE_DIR) -> str:
    """The content hash of the dataset in ``folder`` (16 hex digits), from its bytes.

    Parameters
    ----------
    folder
        The dataset folder.
    reference_dir
        The shipped reference tables, used where the dataset has no copy of its own.
    """
    combined = xxhash.xxh3_128()
    buffer = bytearray(CHUNK_BYTES)
    for path in fingerprinted_files(Path(folder), Path(reference_dir)):
        # Names, not paths: a copy of the same files elsewhere hashes the same.
        combined.update(f"{path.name}\t{file_digest(path, buffer)}\n".encode())
    return combined.hexdigest()[:LENGTH]


def file_digest(path: Path, buffer: bytearray | None = None) -> str:
    """The XXH3-128 digest of the bytes of ``path``, read in chunks of ``buffer``'s size."""
    buffer = buffer if buffer is not None else bytearray(CHUNK_BYTES)
    view = memoryview(buffer)
    digest = xxhash.xxh3_128()
    with path.open("rb", buffering=0) as f:
        while read := f.readinto(view):
            digest.update(view[:read])
    return digest.hexdigest()

"""Writing a file so that no reader ever sees half of it.

Every file the project writes for another process to read (the run's figures, the
cache's records, the bench history, a report's manifest) is written to a temporary file
beside its destination and renamed over it with ``os.replace``, which is atomic on one
file system: a reader sees the previous file or the new one, never a mixture, and a run
stopped midway leaves the destination as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_atomically", "write_bytes_atomically", "write_text_atomically"]


def write_atomically(write: Callable[[Path], object], path: Path | str) -> None:
    """Call ``write`` on a temporary file beside ``path``, then rename it over ``path``.

    The temporary file is named after the process, not by ``mkstemp``, whose files are
    private (0600): what is written here is published with the report. It is removed
    when ``write`` fails, and the failure propagates.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text_atomically(path: Path | str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    write_atomically(lambda temporary: temporary.write_text(text, encoding="utf-8"), path)


def write_bytes_atomically(path: Path | str, content: bytes) -> None:
    """Write ``content`` to ``path`` atomically."""
    write_atomically(lambda temporary: temporary.write_bytes(content), path)

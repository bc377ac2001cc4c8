"""The run's progress, one line per step, stamped with the time since the run began."""

from __future__ import annotations

import sys
import time
from typing import Any


class Progress:
    """One line per step, stamped with the time since the run began."""

    def __init__(self, stream: Any = None) -> None:
        self.started = time.monotonic()
        self.stream = stream or sys.stdout

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def say(self, message: str) -> None:
        print(f"[{self.elapsed():5.1f}s] {message}", file=self.stream, flush=True)

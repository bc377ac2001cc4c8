"""A command stopped by SIGTERM or SIGINT (Ctrl-C) says so in one line, at any moment.

Two phases. While a command's modules are still being imported (``python -m
helpers.report`` spends its first second or two there), nothing has been written, so
the signal ends the process at once with one line (``early``, installed by the package
itself when it runs as one of ``COMMANDS``). Once ``guarded`` is entered, the signal
raises ``Stopped`` where the command stands, so that its ``finally`` blocks run (workers
stopped, staging removed, the previous report left as it was) and the command says one
line and exits with 128 + the signal's number.

A library that turns the exception raised in a signal handler into one of its own
(DuckDB reports ``RuntimeError: Query interrupted``) loses ``Stopped`` on the way:
``received`` keeps the signal, and ``stopped_by`` finds it again behind any exception.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["COMMANDS", "Stopped", "early", "guarded", "received", "stopped_by"]

SIGNALS = (signal.SIGTERM, signal.SIGINT)
WORDS = {signal.SIGTERM: "terminated", signal.SIGINT: "interrupted"}
# The project's commands, as ``python -m`` names them, and the name their messages use.
COMMANDS = {
    "helpers.report": "report",
    "helpers.validate": "validate",
    "helpers.kpis": "kpis",
    "helpers.intake.pgsource": "snapshot",
    "helpers.intake.pgdemo": "pg-demo",
    "helpers.intake.pgbench": "pg-bench",
    "helpers.synth": "synth",
    "helpers.synth.calibrate": "calibrate",
}

# The signal that arrived while guarded (0: none).
_received = 0


class Stopped(BaseException):
    """SIGTERM or SIGINT arrived: unwind and exit with ``status``."""

    def __init__(self, signum: int) -> None:
        super().__init__(WORDS.get(signum, f"signal {signum}"))
        self.signum = signum

    @property
    def word(self) -> str:
        return WORDS.get(self.signum, f"signal {self.signum}")

    @property
    def status(self) -> int:
        return 128 + self.signum


def received() -> int:
    """The signal received since ``guarded`` was entered, or 0."""
    return _received


def stopped_by(error: BaseException) -> Stopped | None:
    """The ``Stopped`` behind ``error``: itself, one it was raised from, or the signal
    received while a library turned it into an error of its own."""
    seen = error
    while seen is not None:
        if isinstance(seen, Stopped):
            return seen
        if isinstance(seen, KeyboardInterrupt):
            return Stopped(signal.SIGINT)
        seen = seen.__cause__ or seen.__context__
    return Stopped(_received) if _received else None


def _raise(signum: int, frame: Any) -> None:
    global _received
    _received = signum
    raise Stopped(signum)


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """SIGTERM and SIGINT raise ``Stopped`` inside the block (in the main thread only;
    elsewhere, as in a test's thread, the handlers are left alone)."""
    global _received
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received = 0
    previous = {s: signal.signal(s, _raise) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def early(command: str) -> None:
    """Until ``guarded`` takes over, SIGTERM and SIGINT end ``command`` at once, with one
    line: it is still importing its modules and has written nothing."""

    def stop(signum: int, frame: Any) -> None:
        word = WORDS.get(signum, f"signal {signum}")
        os.write(2, f"{command} stopped: {word} while starting; nothing was written\n".encode())
        os._exit(128 + signum)

    for s in SIGNALS:
        signal.signal(s, stop)


def command_of(argv: list[str]) -> str | None:
    """The command ``argv`` (``sys.orig_argv``) runs, when it is one of ``COMMANDS``."""
    if "-m" in argv[1:]:
        index = argv.index("-m", 1)
        if index + 1 < len(argv):
            return COMMANDS.get(argv[index + 1])
    return None


def guard_command_start() -> None:
    """Called by the package as it is imported: when the process is one of the
    project's commands, its start is guarded (``early``)."""
    command = command_of(list(getattr(sys, "orig_argv", [])))
    if command is not None and threading.current_thread() is threading.main_thread():
        early(command)

"""Process plumbing of the kernel machinery, written once: a child dies with its parent,
and a signal to stop becomes an orderly exit.

The report's main process starts worker processes and a fork server; the server forks
the kernels. None of them may outlive the process that started it, even when that one
is killed outright (SIGKILL runs no clean-up code), so each child asks Linux to signal
it when its parent ends, and checks that the parent did not end before it asked.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from typing import Any

# prctl option: the signal the kernel sends this process when its parent thread ends.
PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int, signum: int = signal.SIGTERM) -> None:
    """Have Linux send ``signum`` to this process when ``parent`` ends (even killed).

    Raises SystemExit(1) when ``parent`` has already gone: the request would come too
    late, and nothing would stop this process afterwards. Elsewhere than Linux the
    request is skipped; the callers also watch their parent's pid.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signum)
    if os.getppid() != parent:
        raise SystemExit(1)


def exit_on_signal(signum: int, frame: Any) -> None:
    """A signal handler that unwinds: ``finally`` blocks (kernels shut down, sockets
    removed) run, and the exit status says which signal stopped the process."""
    raise SystemExit(128 + signum)


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit in this process (libraries may replace the handler:
    call again after them)."""
    signal.signal(signal.SIGTERM, exit_on_signal)


def restore_default_signals(*signums: int) -> None:
    """The default action for ``signums``, as a fresh process has (a forked copy
    inherits its server's handlers)."""
    for signum in signums:
        signal.signal(signum, signal.SIG_DFL)

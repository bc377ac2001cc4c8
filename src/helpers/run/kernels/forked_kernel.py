"""A kernel forked by ``helpers.run.kernels.forkserver``, as jupyter_client handles kernels.

``ForkProvisioner`` is the jupyter_client provisioner that asks the fork server for a
kernel instead of launching a new Python; ``ForkedProcess`` stands for the kernel's
process where jupyter_client expects a ``Popen``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner

from helpers.run.kernels.forkserver import fork_kernel

POLL_SECONDS = 0.005
KILL_WAIT_SECONDS = 1.0


class ForkedProcess:
    """A forked kernel, handled the way jupyter_client handles a ``Popen``.

    The kernel is the server's child, not ours, so its end is seen by probing its pid
    (the server has the system reap its children at once).
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = -signal.SIGKILL  # its status went to the server
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
            time.sleep(POLL_SECONDS)
        return self.returncode if self.returncode is not None else 0

    def send_signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkProvisioner(LocalProvisioner):
    """Provides a kernel forked by the server at ``address`` rather than a new Python.

    Everything else (ports, connection file, signals to the kernel's process group,
    clean-up) is the local provisioner's.
    """

    address: str = ""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        cwd = str(kwargs.get("cwd") or Path.cwd())
        pid = fork_kernel(self.address, self.parent.connection_file, cwd)
        self.process = ForkedProcess(pid)
        self.pid = pid
        self.pgid = pid  # the kernel leads a session of its own
        self.cwd = cwd
        return self.connection_info

    async def kill(self, restart: bool = False) -> None:
        """Kill the kernel's process group and see it gone (jupyter_client would look
        again only a tenth of a second later)."""
        await super().kill(restart)
        if isinstance(self.process, ForkedProcess):
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=KILL_WAIT_SECONDS)

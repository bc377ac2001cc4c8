"""Kernels copied from a process that has already imported the sections' libraries.

Starting a Python kernel and importing pandas, matplotlib, seaborn and the helpers costs
about two seconds of CPU; a report runs seven kernels. The fork server pays that once: it
imports the libraries, then, for each kernel asked of it, forks, and the copy becomes an
IPython kernel, ready in a fraction of a second. Every kernel is still a new process that
runs one notebook and ends, starting from the same untouched state (modules imported,
nothing executed): sections stay as independent as with kernels started from scratch,
where one shared kernel would carry a notebook's variables and settings into the next.

``ForkServer`` runs the server (``python -m helpers.run.kernels.forkserver``) for a report run and
``fork_kernel`` asks it for a kernel; ``helpers.run.kernels.forked_kernel`` lets jupyter_client use
such a kernel. The server dies with the process that started it, and its
kernels with the server.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from helpers.run.kernels.processes import (
    die_with_parent,
    exit_on_sigterm,
    restore_default_signals,
)

# What every section imports: the server loads them before its first fork, and a kernel
# started the usual way imports them while it warms up.
SECTION_MODULES = (
    "numpy",
    "pandas",
    "matplotlib.pyplot",
    "seaborn",
    "duckdb",
    "helpers.figures.run_data",
    "helpers.pages.i18n",
    "helpers.pages.charts",
    "helpers.pages.sections",
)
# What the kernel itself runs on, loaded by the server only: a running kernel must not
# import its own application again (the kernel would die).
KERNEL_MODULES = ("IPython.display", "ipykernel.kernelapp")
PRELOADED_MODULES = (*SECTION_MODULES, *KERNEL_MODULES)
# The backend ipykernel gives matplotlib in every kernel, set before pyplot is imported.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
SOCKET_NAME = "forks.sock"
REQUEST_TIMEOUT = 120.0


class ForkServer:
    """The fork server of one report run: its socket, then its process once started."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.folder = Path(tempfile.mkdtemp(prefix="mission-report-forks-"))
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return str(self.folder / SOCKET_NAME)

    def start(self) -> None:
        """Start the server; it listens at once and answers once its imports are done."""
        command = [
            sys.executable,
            "-m",
            "helpers.run.kernels.forkserver",
            self.address,
            str(os.getpid()),
        ]
        self.process = subprocess.Popen(
            command,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        """Stop the server (its kernels end with it) and remove its socket."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def fork_kernel(address: str, connection_file: str, cwd: str) -> int:
    """Ask the server at ``address`` for a kernel reading ``connection_file``; its pid.

    Raises OSError when the server cannot be reached or gives no kernel.
    """
    request = json.dumps({"connection_file": connection_file, "cwd": cwd}) + "\n"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(REQUEST_TIMEOUT)
        client.connect(address)
        client.sendall(request.encode())
        reply = client.makefile("r", encoding="utf-8").readline()
    if not reply:
        raise ConnectionError(f"the fork server at {address} gave no kernel")
    return int(json.loads(reply)["pid"])


def serve(address: str, parent: int) -> None:
    """Listen at ``address``, import the libraries, then fork a kernel per request.

    Runs until the process ``parent`` ends or stops it; the kernels end with the server,
    and its socket's folder is removed.
    """
    exit_on_sigterm()
    die_with_parent(parent, signal.SIGTERM)
    try:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(address)
        # Requests wait in the queue while the imports run.
        listener.listen(16)
        preload()
        # Kernels that end are reaped by the system: no zombie is left for ``poll`` to see.
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        while True:
            answer(listener)
    finally:
        shutil.rmtree(Path(address).parent, ignore_errors=True)


def answer(listener: socket.socket) -> None:
    """Fork a kernel for the next request; the copy never returns from here."""
    connection, _ = listener.accept()
    with connection:
        request = json.loads(connection.makefile("r", encoding="utf-8").readline() or "{}")
        if "connection_file" not in request:
            return
        try:
            pid = os.fork()
        except OSError:
            return  # no reply: the client starts a kernel the usual way
        if pid == 0:
            listener.close()
            connection.close()
            become_kernel(request["connection_file"], request["cwd"])
        connection.sendall((json.dumps({"pid": pid}) + "\n").encode())


def preload() -> None:
    """Import what every kernel needs, and draw once, so its copies find it all loaded."""
    import importlib
    import io

    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    # jsonschema builds a grammar at import when this optional module is present; the
    # kernels never validate notebooks (see helpers.run.kernels.runner).
    sys.modules.setdefault("rfc3987_syntax", None)
    for name in PRELOADED_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    # The first drawing loads fonts and the renderer: paid here once, not in every kernel.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2, 1))
    figure.add_subplot().set_title("0123456789 abc")
    figure.savefig(io.BytesIO(), format="png")


def become_kernel(connection_file: str, cwd: str) -> None:
    """Run an IPython kernel in this (forked) process, then end it."""
    try:
        restore_default_signals(signal.SIGCHLD, signal.SIGTERM, signal.SIGINT)
        os.setsid()
        server = os.getppid()
        die_with_parent(server, signal.SIGKILL)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.chdir(cwd)
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=["-f", connection_file], parent_handle=server)
    finally:
        os._exit(0)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))

"""JupyterLab started as the README says (``make lab``), on the loopback address, a free
port and a token of its own; and a client of its REST API and of a kernel's websocket.

``LabServer.start()`` runs ``make lab ARGS="--no-browser ..."`` in a session of its own
and waits until the server answers; ``stop()`` ends that session's processes (make,
JupyterLab and the kernels it started). ``KernelChannel`` speaks the Jupyter messaging
protocol over the kernel's websocket, as JupyterLab's page does.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pg_server import free_port

from helpers.core.paths import ROOT

STARTUP_SECONDS = 600  # make lab generates the embedded dataset on first use


@dataclass
class LabServer:
    """One JupyterLab server of the tests' own."""

    log: Path
    port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LabServer:
        args = (
            f"--no-browser --port={self.port} --ServerApp.port_retries=0 "
            f"--ServerApp.ip=127.0.0.1 --ServerApp.token={self.token}"
        )
        with self.log.open("w", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                ["make", "-s", "-C", str(ROOT), "lab", f"ARGS={args}"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, **self.user_settings()},
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"make lab stopped:\n{self.log.read_text()[-3000:]}")
            try:
                self.api("GET", "/api/status")
                return self
            except (OSError, urllib.error.URLError):
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer:\n{self.log.read_text()[-3000:]}")

    def user_settings(self) -> dict[str, str]:
        """JupyterLab's user settings and workspaces in the test's folder, autosave off:
        a notebook run in the page is never written back to notebooks/."""
        settings = self.log.parent / "lab-settings"
        plugin = settings / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings"
        plugin.parent.mkdir(parents=True, exist_ok=True)
        plugin.write_text(json.dumps({"autosave": False}), encoding="utf-8")
        return {
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.log.parent / "lab-workspaces"),
        }

    def stop(self) -> None:
        """End the session make lab runs in (JupyterLab stops its kernels on SIGTERM)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """One call of the server's REST API with the token; the JSON answer."""
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            content = answer.read()
        return json.loads(content) if content else None

    def channel(self, kernel_id: str) -> KernelChannel:
        return KernelChannel(self, kernel_id)


@dataclass
class Reply:
    """What one cell's execution sent back: its reply's status and its outputs."""

    status: str
    outputs: list[dict[str, Any]]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [o for o in self.outputs if o["msg_type"] == "error"]

    def shown(self, *mimetypes: str) -> list[dict[str, Any]]:
        """The displayed outputs holding one of ``mimetypes``."""
        return [
            o
            for o in self.outputs
            if o["msg_type"] in ("display_data", "execute_result")
            and any(m in o["content"]["data"] for m in mimetypes)
        ]


class KernelChannel:
    """A kernel's websocket (``/api/kernels/<id>/channels``), JSON messages as the
    browser sends them."""

    def __init__(self, server: LabServer, kernel_id: str) -> None:
        import websocket

        self.session = uuid.uuid4().hex
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{server.port}/api/kernels/{kernel_id}/channels"
            f"?session_id={self.session}",
            header=[f"Authorization: token {server.token}"],
            timeout=30,
        )

    def close(self) -> None:
        self.ws.close()

    def execute(self, code: str, timeout: float = 300) -> Reply:
        """Run ``code`` as a cell; wait for its reply and for the kernel to be idle."""
        msg_id = uuid.uuid4().hex
        self.ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "msg_type": "execute_request",
                        "username": "test",
                        "session": self.session,
                        "date": datetime.now(UTC).isoformat(),
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": True,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        outputs: list[dict[str, Any]] = []
        status, idle = None, False
        deadline = time.monotonic() + timeout
        while status is None or not idle:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no reply to the cell in {timeout:.0f} s: {code[:80]!r}")
            message = json.loads(self.ws.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["msg_type"]
            if message["channel"] == "shell" and kind == "execute_reply":
                status = message["content"]["status"]
            elif kind == "status":
                idle = message["content"]["execution_state"] == "idle"
            elif kind in ("display_data", "execute_result", "error", "stream"):
                outputs.append(message)
        return Reply(status, outputs)

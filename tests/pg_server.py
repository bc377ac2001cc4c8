"""A real PostgreSQL server of the tests' own, in a temporary folder.

``PgServer.start()`` runs Debian's ``initdb`` and ``postgres`` (as the ``postgres`` user
when the tests run as root, since the server refuses to run as root), listening on a
socket in its folder for the administrator (trust) and on a free loopback port for the
test role, which logs in with a password (SCRAM), so a wrong password is really refused.
``stop()`` shuts it down and removes the folder. Without the binaries the tests fail
with a message naming the package, rather than skipping: CI installs it.

    python tests/pg_server.py   # starts one and prints its URL until Ctrl-C
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROLE = "reporting"
PASSWORD = "s3cret-Pw-4711"
DATABASE = "warehouse"
SERVER_USER = "postgres"


class PostgresMissing(RuntimeError):
    """Debian's postgresql package is not installed."""


def find_binaries() -> Path:
    """The folder of initdb, pg_ctl and postgres (the newest Debian version first)."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version, reverse=True)
    if not found:
        raise PostgresMissing(
            "PostgreSQL server binaries not found (initdb): install Debian's `postgresql` "
            "package (apt-get install postgresql), as .ci/run does"
        )
    return Path(found[0]).parent


def _version(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    """One server: its folder, socket, port and the URLs to reach it."""

    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mission-pg-")))
    port: int = field(default_factory=free_port)
    running: bool = False

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    def url(self, schema: str = "mission", password: str | None = PASSWORD) -> str:
        """The test role's URL over TCP, with the password in it (or none)."""
        secret = f":{password}" if password is not None else ""
        return f"postgresql://{ROLE}{secret}@127.0.0.1:{self.port}/{DATABASE}?schema={schema}"

    @property
    def admin_uri(self) -> str:
        """The administrator's libpq URI, through the socket (trusted)."""
        return (
            f"postgresql:///{DATABASE}?host={self.socket_dir}&port={self.port}&user={SERVER_USER}"
        )

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)

    def start(self) -> PgServer:
        bin_dir = find_binaries()
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVER_USER)
            for path in (self.folder, self.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
        self._run(
            str(bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            SERVER_USER,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self.launch()
        admin = self.admin_uri.replace(f"/{DATABASE}?", "/postgres?")
        self.psql(admin, f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
        self.psql(admin, f"CREATE DATABASE {DATABASE} OWNER {ROLE}")
        return self

    def launch(self) -> None:
        """Start the server on its folder (again, after ``halt``)."""
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir} "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        log = self.folder / "server.log"
        self._run(
            str(find_binaries() / "pg_ctl"), "-D", str(self.data_dir), "-l", str(log),
            "-o", options, "-w", "-t", "30", "start",
        )  # fmt: skip
        self.running = True

    def halt(self) -> None:
        """Stop the server, keeping its folder (``launch`` starts it again)."""
        if self.running:
            self._run(
                str(find_binaries() / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-m",
                "fast",
                "-w",
                "stop",
            )
            self.running = False

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        try:
            self.halt()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def psql(self, uri: str, sql: str) -> str:
        """Run ``sql`` with psql (the client beside the server) and return its output."""
        psql = shutil.which("psql") or str(find_binaries() / "psql")
        done = subprocess.run(
            [psql, uri, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode:
            raise RuntimeError(done.stderr.strip())
        return done.stdout.strip()


if __name__ == "__main__":
    server = PgServer().start()
    print(server.url(), flush=True)
    print(server.admin_uri, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()

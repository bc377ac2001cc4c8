"""What a report run says while it works: never silent for more than two seconds.

In a terminal, a live line (rich) shows the step, what it is checking or computing, the
sections running and the time spent, above which each finished step is printed. In a log
or CI (no terminal), plain lines ``HH:MM:SS step: detail``; when a step has said nothing
for ``HEARTBEAT_SECONDS``, a heartbeat line repeats what it is doing and for how long.
The run also names the caches it used, in one ``caches:`` line.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO

# Under the two seconds a step may stay silent, with room for a busy machine.
HEARTBEAT_SECONDS = 1.5


def clock_time() -> str:
    """The wall-clock time of a plain line, ``HH:MM:SS``."""
    return datetime.now().strftime("%H:%M:%S")


class Progress:
    """The run's voice: finished steps as lines, the step under way kept alive.

    ``say("kpis: 296 figures")`` prints a line; ``doing("kpis", "computing 2022")`` names
    the step under way; ``running`` lists the sections executing; ``cache`` records
    which caches served the run, printed by ``say_caches``. ``live`` chooses the terminal
    display (default: when ``stream`` is a terminal and rich is installed).
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        live: bool | None = None,
        heartbeat: float = HEARTBEAT_SECONDS,
        clock: Callable[[], str] = clock_time,
    ) -> None:
        self.started = time.monotonic()
        self.stream = stream or sys.stdout
        self.heartbeat = heartbeat
        self.clock = clock
        self.step, self.activity = "start", "starting"
        self.step_started = self.last_word = time.monotonic()
        self.sections: list[str] = []
        self.caches: dict[str, str] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._live: Any = None
        if live is None:
            live = bool(getattr(self.stream, "isatty", lambda: False)())
        if live:
            self._live = _start_live(self.stream, self._status)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def __enter__(self) -> Progress:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the heartbeat (plain lines only; the live line keeps itself alive)."""
        if self._live is None and self._thread is None and self.heartbeat > 0:
            self._thread = threading.Thread(target=self._beat, daemon=True, name="progress")
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._live is not None:
            self._live.stop()
            self._live = None

    def say(self, message: str) -> None:
        """Print one line; its words before the first colon name the step."""
        step = message.split(":", 1)[0] if ":" in message else self.step
        with self._lock:
            if step != self.step:
                self.step, self.step_started = step, time.monotonic()
            self._write(message)

    def doing(self, step: str, activity: str) -> None:
        """Name the step under way and what it is checking or computing, and say so."""
        with self._lock:
            self.step, self.activity = step, activity
            self.step_started = time.monotonic()
            self._write(f"{step}: {activity}")

    def running(self, sections: list[str]) -> None:
        """The sections executing now (shown live, and in heartbeat lines)."""
        with self._lock:
            self.sections = list(sections)

    def cache(self, name: str, how: str) -> None:
        """Record how one cache served the run: ``cache("figures", "reused")``."""
        with self._lock:
            self.caches[name] = how

    def say_caches(self) -> None:
        """One line naming each cache and whether it was used."""
        if self.caches:
            self.say("caches: " + ", ".join(f"{k} {v}" for k, v in self.caches.items()))

    def _status(self) -> str:
        spent = time.monotonic() - self.step_started
        running = f" · running {', '.join(self.sections)}" if self.sections else ""
        return f"{self.step}: {self.activity}{running} ({spent:.0f}s, {self.elapsed():.0f}s in all)"

    def _write(self, message: str) -> None:
        self.last_word = time.monotonic()
        if self._live is not None:
            self._live.console.print(f"[dim]{self.clock()}[/dim] {message}", highlight=False)
            return
        print(f"{self.clock()} {message}", file=self.stream, flush=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat / 4):
            with self._lock:
                if time.monotonic() - self.last_word >= self.heartbeat:
                    self._write(f"{self.step}: still {self._status().split(': ', 1)[1]}")


def _start_live(stream: TextIO, status: Callable[[], str]) -> Any:
    """A rich live line showing ``status()``, refreshed a few times a second; None
    when rich is absent (plain lines then)."""
    try:
        from rich.console import Console
        from rich.live import Live
        from rich.spinner import Spinner
    except ImportError:
        return None

    class _Status:
        def __rich__(self) -> Any:
            return Spinner("dots", text=status())

    live = Live(_Status(), console=Console(file=stream), refresh_per_second=8, transient=True)
    live.start()
    return live

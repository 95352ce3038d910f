"""Run several long-lived processes as one: start them all, stop them all.

Used by ``manage.py serve`` so one command (and one Ctrl-C) runs the web server and the worker.
SIGINT and SIGTERM are handled explicitly: a process started in the background inherits an
ignored SIGINT, and a process manager stops services with SIGTERM.
"""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType


@dataclass
class ProcessGroup:
    grace_seconds: float = 10.0
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _stopping: threading.Event = field(default_factory=threading.Event)

    def start(
        self, name: str, command: Sequence[str], env: Mapping[str, str] | None = None
    ) -> None:
        """Start ``command``; ``env`` replaces the inherited environment when given."""
        self.processes[name] = subprocess.Popen(
            list(command), env=dict(env) if env is not None else None
        )

    def wait(self) -> int:
        """Block until asked to stop (exit code 0) or until one process ends on its own (its
        code, at least 1); then stop the others."""
        previous = {
            signum: signal.signal(signum, self._request_stop)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            while not self._stopping.wait(0.2):
                for name, process in self.processes.items():
                    code = process.poll()
                    if code is not None and not self._stopping.is_set():
                        print(f"{name} exited with code {code}; stopping the others.", flush=True)
                        return code or 1
            return 0
        finally:
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _request_stop(self, signum: int, frame: FrameType | None) -> None:
        self._stopping.set()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=self.grace_seconds)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

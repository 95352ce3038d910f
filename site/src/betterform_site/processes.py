"""Run several long-lived processes as one: start them all, stop them all.

Used by ``manage.py serve`` so one command (and one Ctrl-C) runs the web server and the worker.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class ProcessGroup:
    grace_seconds: float = 10.0
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, command: Sequence[str]) -> None:
        self.processes[name] = subprocess.Popen(list(command))

    def wait(self) -> int:
        """Block until one process ends (or Ctrl-C); then stop the others. Returns an exit code."""
        try:
            while True:
                for name, process in self.processes.items():
                    code = process.poll()
                    if code is not None:
                        print(f"{name} exited with code {code}; stopping the others.", flush=True)
                        return code or 1
                time.sleep(0.2)
        except KeyboardInterrupt:
            return 0
        finally:
            self.stop()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
